"""Generic idiomatic wrappers over the generated layer: functions of a module
exposed without their prefix, with C result structs returned as Result
objects (attribute and key access, plain Python values). New C functions of
the module appear here without any hand-written code."""
from . import _ffi as ffi


from ._runtime import Result, to_python  # noqa: E402


def _wrap(fn):
    def call(*args, **kwargs):
        r = fn(*args, **kwargs)
        if isinstance(r, (tuple, list)):
            return type(r)(to_python(x) for x in r)
        return to_python(r)
    call.__name__ = fn.__name__
    call.__qualname__ = fn.__name__
    call.__doc__ = fn.__doc__
    call.__wrapped__ = fn
    return call


def export(prefix, namespace):
    """Adds every ffi function named prefix* to namespace under its short name."""
    names = []
    for name in ffi.__all__:
        if name.startswith(prefix) and callable(getattr(ffi, name)) and not isinstance(getattr(ffi, name), type):
            short = name[len(prefix):]
            if short and short not in namespace:
                namespace[short] = _wrap(getattr(ffi, name))
                names.append(short)
    return names
