"""Runs every ```python block of docs/guide/python.md (in order, each in a
fresh namespace, in a temporary directory), so the guide cannot rot."""
import re

import pytest

import patron
from conftest import ROOT, SHARED

GUIDE = ROOT / "docs" / "guide" / "python.md"
BLOCKS = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.S)


def test_guide_has_examples():
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("i", range(len(BLOCKS)))
def test_guide_block(i, tmp_path, monkeypatch):
    code = BLOCKS[i]
    if "pandas" in code:
        pytest.importorskip("pandas")
    if "matplotlib" in code:
        pytest.importorskip("matplotlib")
    for attr in ("clv", "abtest", "summary", "Db"):
        if f"patron.{attr}" in code and not hasattr(patron, attr):
            pytest.skip(f"patron.{attr} not in this build")
    if "CDNOW" in code and not (SHARED / "data" / "cdnow" / "CDNOW_sample.txt").exists():
        pytest.skip("CDNOW sample absent")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATRON_SHARED", str(SHARED))
    exec(compile(code, f"{GUIDE.name}[block {i}]", "exec"), {"__name__": "__guide__"})

