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
    if not modname.startswith("_") and modname != "frame":
        __all__.append(modname)


_optional("frame", ["summary", "frame_columns", "frame_to_pandas", "frame_from_columns"])
_optional("clv", [])
_optional("abtest", [])
_optional("plot", [])


def _namespaces():
    """Pure C modules without a hand-written layer appear as namespaces of
    their functions without the prefix (patron.segment.builtins(), ...),
    results as Result objects; new C functions appear without any code."""
    import types
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
