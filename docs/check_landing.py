#!/usr/bin/env python3
"""The landing page (docs/mainpage.md) lists every guide page
(docs/guide/*.md) by its anchor, each with a one-line description."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
main = (root / "docs" / "mainpage.md").read_text()
ids = [re.search(r"\{#(\w+)\}", g.read_text().splitlines()[0]).group(1)
       for g in sorted((root / "docs" / "guide").glob("*.md"))]
missing = [i for i in ids if not re.search(r"^\| @ref " + i + r" \| \S", main, re.M)]
print("guides:", ", ".join(ids))
if missing:
    print("missing from docs/mainpage.md:", ", ".join(missing))
sys.exit(1 if missing else 0)
