#!/usr/bin/env python3
"""The first-release sizes of test_sized_structs.c are right and complete.

Every struct in include/patron whose first member is `uint32_t size` must
appear in FIRST_SIZES as FIRST(name, n); n must be its size in the 0.1 ABI
baseline (abi/libpatron.abi, written by abidw) when the baseline has it, and
0 (first released in the coming version) when it does not."""
import re
import sys
from pathlib import Path

root = Path(sys.argv[1])
sized = set()
for h in sorted((root / "include" / "patron").glob("*.h")):
    for m in re.finditer(r"typedef struct (\w+)\s*\{\s*uint32_t size;.*?\}\s*(\w+);", h.read_text(), re.S):
        sized.add(m.group(2))
baseline = {}
for m in re.finditer(r"<class-decl name='(patron_\w+)' size-in-bits='(\d+)'", (root / "abi" / "libpatron.abi").read_text()):
    baseline[m.group(1)] = int(m.group(2)) // 8
table = {}
for m in re.finditer(r"^\s*FIRST\((\w+), (\d+)\),", (root / "tests" / "abi" / "test_sized_structs.c").read_text(), re.M):
    table[m.group(1)] = int(m.group(2))
errors = []
for name in sorted(sized - table.keys()):
    errors.append(f"{name}: a sized struct missing from FIRST_SIZES (add it and call its functions)")
for name in sorted(table.keys() - sized):
    errors.append(f"{name}: in FIRST_SIZES but not a sized struct of include/patron")
for name in sorted(sized & table.keys()):
    want = baseline.get(name, 0)
    if table[name] != want:
        errors.append(f"{name}: FIRST_SIZES says {table[name]}, the 0.1 baseline says "
                      f"{want if want else 'not released (0)'}")
for e in errors:
    print(e)
print(f"{len(sized)} sized structs, {len(errors)} problems")
sys.exit(1 if errors else 0)
