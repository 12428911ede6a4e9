import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("PATRON_LIBRARY", str(ROOT / "build" / "libpatron.so.1"))
SHARED = Path(os.environ.get("PATRON_SHARED", ROOT.parent / "shared"))
if not SHARED.exists() and Path("/work/shared").exists():
    SHARED = Path("/work/shared")
