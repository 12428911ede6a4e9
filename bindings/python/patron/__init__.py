"""libpatron for Python: customer-loyalty analytics (transaction summaries,
CLV models, A/B tests) and the points ledger.

    >>> import patron
    >>> patron.version()            # version of the loaded C library
    '0.1.0'

Errors raise PatronError (`.code`, `.name`, `.message` = patron_errmsg()).
The exact C API is available as `patron.ffi` (generated; one function per
C function, with the C documentation as docstrings).
"""
from . import _ffi as ffi
from ._ffi import patron_status as Status
from ._runtime import PatronError, library_path

__version__ = "0.1.0"

# Handle classes by friendly name (Txlog, Frame, Db, ...), generated from the
# headers: constructors are static methods, functions taking the handle first
# are methods, and every handle is a context manager.
globals().update(ffi.CLASSES)

__all__ = ["PatronError", "Status", "ffi", "library_path", "version", "version_info", "strerror"]
__all__ += list(ffi.CLASSES)


def version():
    """Version string of the loaded C library (patron_version_string())."""
    return ffi.patron_version_string()


def version_info():
    """(major, minor, patch) of the loaded C library."""
    v = ffi.patron_version()
    return (v // 10000, v // 100 % 100, v % 100)


def strerror(code):
    """Static English description of a status code."""
    return ffi.patron_strerror(int(code))


def _optional(modname, names):
    """Import an idiomatic submodule whose C module may not be in this build."""
    import importlib
    try:
        mod = importlib.import_module(f".{modname}", __name__)
    except ImportError as e:
        if f"patron.{modname}" in str(e) or "libpatron build has no" in str(e):
            return
        raise
    globals().update({n: getattr(mod, n) for n in names})
    __all__.extend(names)


_optional("frame", ["summary", "frame_columns", "frame_to_pandas", "frame_from_columns"])
_optional("clv", [])
_optional("abtest", [])
_optional("plot", [])
