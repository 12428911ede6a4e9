"""The pip package as the README installs it, and its types (#18).

- `pip install --no-index --no-build-isolation ./bindings/python` into a
  fresh venv (`python3 -m venv --system-site-packages`), offline, gives a
  package that carries its own libpatron (meson-python builds it): it imports
  with no PATRON_* variable from any directory and loads the library inside
  the venv. `pip wheel` builds a wheel with the library, stubs and py.typed.
- mypy (Debian python3-mypy) type-checks the README's Python quick start and
  every Python example of the guides, and reports deliberate mistakes.
These tests do not skip: tools/bootstrap installs python3-venv, python3-pip,
python3-wheel, python3-mesonpy and python3-mypy."""
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

PKG = ROOT / "bindings" / "python"
CLEAN = {k: v for k, v in os.environ.items() if not k.startswith("PATRON_")}
NEEDS = "(tools/bootstrap installs python3-venv python3-pip python3-wheel python3-mesonpy python3-mypy)"


def readme_command(word):
    """The README's `pip WORD ...` command line (the test runs what the README says)."""
    text = (ROOT / "README.md").read_text()
    cmds = [m.group(1).split() for m in re.finditer(r"^(\S*pip " + word + r" [^#\n]*)", text, re.M)]
    assert cmds, f"README.md documents no pip {word} command"
    return cmds[0]


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=kw.pop("env", CLEAN), **kw)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))}\n{r.stdout}\n{r.stderr}"
    return r


@pytest.fixture(scope="module")
def builddir(tmp_path_factory):
    """One meson-python build directory for both pip runs: the second
    compiles only what changed (nothing), instead of the whole library again."""
    return ["--config-settings", f"builddir={tmp_path_factory.mktemp('mesonpy-build')}"]


def test_pip_install_into_fresh_venv_offline(tmp_path, builddir):
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)])
    pip = venv / "bin" / "pip"
    assert pip.exists(), f"the venv has no pip {NEEDS}"
    cmd = readme_command("install")
    assert "--no-index" in cmd and "--no-build-isolation" in cmd, cmd
    args = [a for a in cmd[cmd.index("install") + 1:]]
    run([str(pip), "install", "--no-cache-dir", "--disable-pip-version-check", *builddir, *args], cwd=str(ROOT))
    # from an unrelated directory, with no PATRON_* variable: the package's own library
    r = run([str(venv / "bin" / "python"), "-c",
             "import patron, numpy; print(patron.__file__); print(patron.library_path); print(patron.version());"
             "s = numpy.full(5, 255, numpy.uint8);"
             "patron.ffi.patron_ntile_scores(s, numpy.arange(5.0), 5, 5, 1); print(list(s))"],
            cwd=str(tmp_path))
    file, lib, version, scores = r.stdout.split("\n")[:4]
    assert file.startswith(str(venv)) and lib.startswith(str(venv)), r.stdout
    assert lib.endswith("patron/libpatron.so.1") and version == "0.1.0"
    assert scores == "[1, 2, 3, 4, 5]"


def test_pip_wheel_carries_the_library(tmp_path, builddir):
    cmd = readme_command("wheel")
    args = cmd[cmd.index("wheel") + 1:]
    args[args.index("-w") + 1] = str(tmp_path)
    run([sys.executable, "-m", "pip", "wheel", "--no-cache-dir", "--disable-pip-version-check", *builddir, *args],
        cwd=str(ROOT))
    wheels = list(tmp_path.glob("patron-0.1.0-*.whl"))
    assert len(wheels) == 1, list(tmp_path.iterdir())
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    for f in ("patron/libpatron.so.1", "patron/__init__.py", "patron/_ffi.pyi", "patron/abtest.pyi",
              "patron/py.typed", "patron/_classes.py"):
        assert f in names, f
    assert not any("__pycache__" in n or n.startswith("patron/tests") for n in names)


def _examples():
    out = {}
    m = re.search(r"## Python quick start\s+```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert m, "README has a Python quick start"
    out["readme_quickstart.py"] = m.group(1)
    for g in sorted((ROOT / "docs" / "guide").glob("*.md")):
        for i, blk in enumerate(re.findall(r"```python\n(.*?)```", g.read_text(), re.S)):
            out[f"guide_{g.stem}_{i}.py"] = blk
    return out


def mypy(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    env = dict(CLEAN, MYPYPATH=str(PKG))
    # follow-imports=silent: the package is checked for its types, errors are
    # reported only in the user's files (as for an installed package)
    return subprocess.run([sys.executable, "-m", "mypy", "--ignore-missing-imports", "--follow-imports=silent",
                           "--no-incremental", "--cache-dir", os.devnull, "--no-error-summary",
                           *sorted(files)], cwd=str(tmp_path), capture_output=True, text=True, env=env,
                          timeout=600)


MISTAKES = '''import patron
patron.summry(None)  # attr-defined
x: int = patron.version()  # assignment
patron.abtest.proportions(1, 2, 3)  # call-arg
log = patron.Txlog.new()
log.add_id("42", 1, 2)  # arg-type
patron.clv.BetaGeoo()  # attr-defined
'''


@pytest.fixture(scope="module")
def mypy_run(tmp_path_factory):
    """One mypy run over the README's and guides' examples and the file of
    mistakes (loading the package's stubs is most of a run's time)."""
    r = subprocess.run([sys.executable, "-m", "mypy", "--version"], capture_output=True, text=True)
    assert r.returncode == 0, f"mypy is not installed {NEEDS}"
    files = _examples()
    assert len(files) >= 3
    files["mistakes.py"] = MISTAKES
    return mypy(tmp_path_factory.mktemp("mypy"), files)


def test_mypy_readme_and_guide_examples(mypy_run):
    # every error is in the file of mistakes: the examples type-check
    others = [ln for ln in mypy_run.stdout.splitlines() if ln.strip() and not ln.startswith("mistakes.py:")]
    assert not others, mypy_run.stdout + mypy_run.stderr
    assert "mistakes.py:" in mypy_run.stdout, mypy_run.stdout + mypy_run.stderr


def test_mypy_reports_mistakes(mypy_run):
    r = mypy_run
    got = sorted((int(m.group(1)), m.group(2)) for m in re.finditer(r"mistakes\.py:(\d+): error: .*\[([\w-]+)\]", r.stdout))
    want = sorted((i + 1, line.split("# ")[-1]) for i, line in enumerate(MISTAKES.splitlines()) if "# " in line)
    assert got == want, r.stdout
