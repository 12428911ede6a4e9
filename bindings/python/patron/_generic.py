"""Generic idiomatic wrappers over the generated layer: functions of a module
exposed without their prefix, with C result structs returned as Result
objects (attribute and key access, plain Python values). New C functions of
the module appear here without any hand-written code."""
import ctypes

from . import _ffi as ffi


class Result(dict):
    """A C result struct as a dict whose keys are also attributes."""
    __slots__ = ()

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self):
        inner = ", ".join(f"{k}={v!r}" for k, v in self.items() if k != "size")
        return f"Result({inner})"


def to_python(v):
    if isinstance(v, ctypes.Structure):
        return Result((name, to_python(getattr(v, name))) for name, *_ in v._fields_)
    if isinstance(v, ctypes.Array):
        if v._type_ is ctypes.c_char:
            return v.value.decode("utf-8", "replace")
        return [to_python(x) for x in v]
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return v


def _wrap(fn):
    def call(*args, **kwargs):
        r = fn(*args, **kwargs)
        if isinstance(r, tuple):
            return tuple(to_python(x) for x in r)
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
