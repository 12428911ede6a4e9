#!/usr/bin/env python3
"""Runs the README's C, Python and Node quick starts, so the front page
cannot rot. Each snippet runs in a scratch directory holding a tx.csv that
`patron simulate` wrote (customer_id,date,amount).

usage: check_readme.py SOURCE_ROOT BUILD_ROOT"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

src, build = Path(sys.argv[1]), Path(sys.argv[2])
readme = (src / "README.md").read_text()
blocks = re.findall(r"```(c|python|js)\n(.*?)```", readme, flags=re.S)
failures, ran = [], []


def run(label, cmd, cwd, env=None):
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        failures.append(f"{label}: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    else:
        ran.append(label)
    return p


with tempfile.TemporaryDirectory() as tmp:
    work = Path(tmp)
    run("simulate tx.csv", [str(build / "tools/patron/patron"), "simulate", "--model", "bgnbd",
        "--r", "0.243", "--alpha", "4.414", "--a", "0.793", "--b", "2.426", "--customers", "3000",
        "--days", "546", "--seed", "7", "--spend", "gamma-gamma", "--p", "6.25", "--q", "3.74",
        "--gamma", "15.44", "--output", "tx.csv"], work)
    env = dict(os.environ, PATRON_BUILD_DIR=str(build), PATRON_LIBRARY=str(build / "libpatron.so.1"),
               PYTHONPATH=str(src / "bindings/python"),
               PATRON_NODE_ADDON=str(build / "bindings/node/patron.node"))
    node_modules = work / "node_modules"
    node_modules.mkdir()
    (node_modules / "patron").symlink_to(src / "bindings/node")
    for i, (lang, code) in enumerate(blocks):
        label = f"README {lang} block {i + 1}"
        if lang == "c":
            (work / "app.c").write_text(code)
            cc = os.environ.get("CC", "cc")
            p = run(label + " (compile)", [cc, "-std=c11", "-Wall", "-Werror", "-I", str(src / "include"),
                                           "app.c", "-o", "app", "-L", str(build), "-lpatron",
                                           f"-Wl,-rpath,{build}"], work)
            if p.returncode == 0:
                run(label, ["./app"], work)
        elif lang == "python":
            py = "/usr/bin/python3"
            probe = subprocess.run([py, "-c", "import pandas"], capture_output=True)
            if probe.returncode != 0:
                print(f"{label}: skipped (pandas not installed for {py})")
                continue
            (work / "snippet.py").write_text(code)
            run(label, [py, "snippet.py"], work, env)
        elif lang == "js":
            node = shutil.which("node")
            if not node or not (build / "bindings/node/patron.node").exists():
                print(f"{label}: skipped (node or the addon is missing)")
                continue
            (work / "snippet.js").write_text(code)
            run(label, [node, "snippet.js"], work, env)

for r in ran:
    print("ok:", r)
for f in failures:
    print("FAILED:", f)
sys.exit(1 if failures or not ran else 0)
