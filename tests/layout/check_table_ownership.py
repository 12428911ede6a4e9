#!/usr/bin/env python3
"""Each module owns its tables: no module's run-time SQL names a table that
another module creates.

The owner of a table is the module whose lib/<module>/schema.c (or, for the
store's own `settings`, lib/store/schema.c) creates it. Every other .c file
under lib/<module>/ may name only tables of <module>. Migration steps
(schema.c) are history and may read the tables of their version; the
PostgreSQL backend's own catalog queries name no libpatron table.
Usage: check_table_ownership.py SOURCE_ROOT"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1]) / "lib"
create = re.compile(r"CREATE TABLE (\w+)\(")
owner = {}
for schema in sorted(root.glob("*/schema.c")):
    module = schema.parent.name
    for table in create.findall(schema.read_text()):
        if table.endswith("_v3"):  # a rebuild's temporary name
            continue
        if owner.get(table, module) != module:
            sys.exit(f"table {table} is created by both {owner[table]} and {module}")
        owner[table] = module

# C string literals, joined per file (SQL is often split over lines)
literal = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
reference = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(\w+)", re.IGNORECASE)
problems = []
checked = 0
for source in sorted(root.glob("*/*.c")):
    module = source.parent.name
    if source.name == "schema.c":
        continue
    text = source.read_text()
    sql = " ".join(literal.findall(text))
    for table in sorted(set(reference.findall(sql))):
        if table in owner:
            checked += 1
            if owner[table] != module:
                problems.append(f"{source.relative_to(root.parent)}: names table '{table}' of module "
                                f"'{owner[table]}' (call its functions instead)")
if len(owner) < 20 or checked < 20:
    sys.exit(f"found only {len(owner)} tables and {checked} references: the patterns no longer match the sources")
for p in problems:
    print(p)
print(f"{len(owner)} tables, {checked} module/table references checked, {len(problems)} across modules")
sys.exit(1 if problems else 0)
