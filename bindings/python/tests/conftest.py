import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("PATRON_LIBRARY", str(ROOT / "build" / "libpatron.so.1"))
SHARED = Path(os.environ.get("PATRON_SHARED", ROOT.parent / "shared"))
if not SHARED.exists() and Path("/work/shared").exists():
    SHARED = Path("/work/shared")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_uri(request):
    """Each store test runs on SQLite (":memory:") and on the PostgreSQL
    server PATRON_TEST_PG names (a fresh schema, dropped afterwards)."""
    if request.param == "sqlite":
        yield ":memory:"
        return
    base = os.environ.get("PATRON_TEST_PG")
    if not base:
        pytest.skip("PATRON_TEST_PG names no PostgreSQL server (tools/run-tests starts one)")
    from patron import ffi
    if not hasattr(ffi, "patron_open"):
        pytest.skip("no store in this build")
    schema = "pt_py_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", "-q", "-X", base, "-c", f"CREATE SCHEMA {schema}"], check=True)
    try:
        yield f"postgresql:{base} options='-c search_path={schema}'"
    finally:
        subprocess.run(["psql", "-q", "-X", base, "-c", f"DROP SCHEMA {schema} CASCADE"], check=False)
