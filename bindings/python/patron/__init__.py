"""libpatron for Python: customer-loyalty analytics (transaction summaries,
CLV models, A/B tests) and the points ledger.

    >>> import patron
    >>> patron.version()            # version of the loaded C library
    '0.1.0'

Errors raise PatronError (`.code` = "PATRON_EINVAL", `.status` = -1, `.message` =
patron_errmsg()), as in the Node binding.
The exact C API is available as `patron.ffi` (generated; one function per
C function, with the C documentation as docstrings).
"""
from . import _ffi as ffi
from ._ffi import patron_status as Status
import types as _types

from ._runtime import PatronError, library_path

__version__ = "0.1.0"

# Handle classes by friendly name (Txlog, Frame, Db, ...), generated from the
# headers: constructors are static methods, functions taking the handle first
# are methods, and every handle is a context manager. Imported by name (not
# added to globals() at run time) so that type checkers see them.
from ._classes import *  # noqa: E402,F401,F403
from ._classes import __all__ as _class_names  # noqa: E402

__all__ = ["PatronError", "Status", "ffi", "library_path", "version", "version_info", "strerror"]
__all__ += list(_class_names)


def version() -> str:
    """Version string of the loaded C library (patron_version_string())."""
    return ffi.patron_version_string()


def version_info() -> "tuple[int, int, int]":
    """(major, minor, patch) of the loaded C library."""
    v = ffi.patron_version()
    return (v // 10000, v // 100 % 100, v % 100)


def strerror(code: int) -> str:
    """Static English description of a status code."""
    return ffi.patron_strerror(int(code))


def _absent(e, modname):
    """True when an idiomatic submodule failed to import because its C module
    is not in this libpatron build (then the package works without it)."""
    return f"patron.{modname}" in str(e) or "libpatron build has no" in str(e)


# The idiomatic submodules, imported explicitly so that type checkers see them.
try:
    from .frame import frame_columns, frame_from_columns, frame_to_pandas, summary  # noqa: E402
    __all__ += ["summary", "frame_columns", "frame_to_pandas", "frame_from_columns"]
except ImportError as _e:  # pragma: no cover - a build without the summary module
    if not _absent(_e, "frame"):
        raise
try:
    from . import clv  # noqa: E402
    __all__.append("clv")
except ImportError as _e:  # pragma: no cover
    if not _absent(_e, "clv"):
        raise
try:
    from . import abtest  # noqa: E402
    __all__.append("abtest")
except ImportError as _e:  # pragma: no cover
    if not _absent(_e, "abtest"):
        raise
try:
    from . import plot  # noqa: E402
    __all__.append("plot")
except ImportError as _e:  # pragma: no cover
    if not _absent(_e, "plot"):
        raise
try:
    from . import plan  # noqa: E402
    __all__.append("plan")
except ImportError as _e:  # pragma: no cover
    if not _absent(_e, "plan"):
        raise

# Namespaces made at import time from the C functions (see _namespaces); their
# attributes are the functions of the C module without the prefix.
segment: _types.ModuleType
rule: _types.ModuleType
rfm: _types.ModuleType
sim: _types.ModuleType
time: _types.ModuleType


def _namespaces():
    """Pure C modules without a hand-written layer appear as namespaces of
    their functions without the prefix (patron.segment.builtins(), ...),
    results as Result objects; new C functions appear without any code."""
    types = _types
    from ._generic import export
    for ns, prefix in (("segment", "patron_segment_"), ("rule", "patron_rule_"), ("rfm", "patron_rfm_"),
                       ("sim", "patron_sim_"), ("time", "patron_time_")):
        if ns in globals():
            continue
        mod = types.ModuleType(f"{__name__}.{ns}", f"patron_{ns} functions of libpatron ({prefix}*).")
        if export(prefix, mod.__dict__):
            globals()[ns] = mod
            __all__.append(ns)


_namespaces()

if hasattr(ffi, "patron_open"):
    def open(uri, opts=None):  # noqa: A001 - mirrors patron_open()
        """Open a store (":memory:" or a file path): a Db handle, usable with `with`."""
        return ffi.patron_db.open(uri, opts)

    __all__.append("open")
