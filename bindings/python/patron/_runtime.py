"""Runtime support for the generated low layer (_ffi.py): finding and loading
libpatron, argument conversion (zero-copy for numpy arrays and buffers),
handles and errors. Standard library only; numpy is used when installed."""
import ctypes
import os
import shutil
import subprocess
import sys
import weakref
from pathlib import Path

SONAME = "libpatron.so.1" if sys.platform != "darwin" else "libpatron.1.dylib"


def _candidates():
    env = os.environ.get("PATRON_LIBRARY")
    if env:
        yield env  # explicit: no fallback hides a wrong setting
        return
    # an installed package carries its own copy (bindings/python/meson.build)
    here = Path(__file__).resolve().parent
    yield str(here / SONAME)
    pkg = shutil.which("pkg-config")
    if pkg:
        try:
            libdir = subprocess.run([pkg, "--variable=libdir", "patron"], capture_output=True,
                                    text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            libdir = ""
        if libdir:
            yield os.path.join(libdir, SONAME)
    # source checkout: $PATRON_BUILD_DIR, else bindings/python/patron -> <root>/build
    if os.environ.get("PATRON_BUILD_DIR"):
        yield os.path.join(os.environ["PATRON_BUILD_DIR"], SONAME)
    root = here.parent.parent.parent
    yield str(root / "build" / SONAME)
    yield SONAME  # the dynamic loader's search path


def _load():
    tried = []
    for c in _candidates():
        if os.sep in c and not os.path.exists(c):
            tried.append(f"{c} (absent)")
            continue
        try:
            return ctypes.CDLL(c), c
        except OSError as e:
            tried.append(f"{c} ({e})")
    raise ImportError("patron: cannot load libpatron; set PATRON_LIBRARY to its path. Tried: "
                      + "; ".join(tried))


lib, library_path = _load()

# Private function objects (lib["name"] makes a new one; lib.name is shared
# with the generated layer, which sets its own argtypes).
_errmsg = lib["patron_errmsg"]
_errmsg.restype = ctypes.c_char_p
_errmsg.argtypes = []
_strerror = lib["patron_strerror"]
_strerror.restype = ctypes.c_char_p
_strerror.argtypes = [ctypes.c_int]
_free = lib["patron_free"]
_free.restype = None
_free.argtypes = [ctypes.c_void_p]


class PatronError(Exception):
    """A libpatron call failed. The same convention as the Node binding:
    `code` is the status name ("PATRON_EINVAL"), `status` the negative
    PATRON_E* number, `message` the patron_errmsg() detail (or
    patron_strerror() when the library recorded none)."""

    code: str
    status: int
    message: str

    def __init__(self, status, message=None):
        self.status = int(status)
        self.code = _code_names().get(self.status, f"PATRON_E{-self.status}")
        self.message = message or _strerror(self.status).decode()
        super().__init__(f"{self.message} [{self.code}]")


_names_cache = {}


def _code_names():
    if not _names_cache:
        try:
            from ._ffi import patron_status
            _names_cache.update({int(v): v.name for v in patron_status})
        except ImportError:  # pragma: no cover
            pass
    return _names_cache


def fail(rc):
    raise PatronError(rc, (_errmsg() or b"").decode("utf-8", "replace") or None)


def text(p):
    return None if p is None else p.decode("utf-8", "replace")


def take_string(addr, free):
    if not addr:
        return None
    s = ctypes.string_at(addr).decode("utf-8", "replace")
    if free:
        _free(addr)
    return s


def take_structs(ptr, n, free):
    """Copies of the n structs at ptr (an array the C library returned), then
    releases the array with patron_free() when it is the caller's."""
    if not ptr:
        return []
    t = ptr._type_
    out = [t.from_buffer_copy(ptr[i]) for i in range(n)]
    if free:
        _free(ctypes.cast(ptr, ctypes.c_void_p))
    return out


def cfunc(name, restype, argtypes):
    try:
        f = getattr(lib, name)
    except AttributeError:
        def missing(*_args):
            raise PatronError(-10, f"{name} is not in the loaded libpatron ({library_path}); "
                                   "it is older than these bindings")
        return missing
    f.restype = restype
    f.argtypes = argtypes
    return f


class CString:
    """const char * argument: str (UTF-8 encoded), bytes or None."""

    @classmethod
    def from_param(cls, obj):
        if obj is None:
            return obj
        if isinstance(obj, bytes):
            b = obj
        elif isinstance(obj, str):
            b = obj.encode("utf-8")
        elif isinstance(obj, os.PathLike):
            b = os.fsencode(obj)
        else:
            raise TypeError(f"expected str or bytes, got {type(obj).__name__}")
        return _no_nul(b)


def _no_nul(b):
    """A C string ends at its first NUL: text past one would be silently cut
    off (a rule 'x > 5\\0 or garbage (' would compile as 'x > 5'), so refuse
    it, as Python's own os functions do."""
    i = b.find(b"\0")
    if i >= 0:
        raise ValueError(f"embedded null byte at offset {i} of a string argument")
    return b


class StringArray:
    """`const char *const *` argument: a sequence of str/bytes (copied into a
    NULL-terminated array of UTF-8 strings for the call), or None."""

    @classmethod
    def from_param(cls, obj):
        if obj is None:
            return None
        if isinstance(obj, (str, bytes)):
            raise TypeError("expected a sequence of strings, not a single string")
        items = [_no_nul(x.encode("utf-8") if isinstance(x, str) else bytes(x)) for x in obj]
        return (ctypes.c_char_p * (len(items) + 1))(*items, None)


try:  # numpy is optional
    import numpy as _np
except ImportError:  # pragma: no cover
    _np = None

_NP_CODES = {}
if _np is not None:
    for _ct in (ctypes.c_double, ctypes.c_float, ctypes.c_int8, ctypes.c_uint8, ctypes.c_int16,
                ctypes.c_uint16, ctypes.c_int32, ctypes.c_uint32, ctypes.c_int64, ctypes.c_uint64,
                ctypes.c_int, ctypes.c_uint, ctypes.c_size_t, ctypes.c_bool, ctypes.c_char,
                ctypes.c_long, ctypes.c_ulong):
        _NP_CODES[_ct] = _np.dtype(_ct)

_STRUCT_CODES = {ctypes.c_double: "d", ctypes.c_float: "f"}


def _buffer_address(obj, ctype, writable):
    """Address of a buffer-protocol object's memory after checking item size
    (and, for floats, the format). Zero-copy; keeps no reference."""
    mv = memoryview(obj)
    if not mv.c_contiguous:
        raise ValueError("buffer must be C-contiguous")
    if writable and mv.readonly:
        raise ValueError("buffer must be writable (this argument is an output)")
    size = ctypes.sizeof(ctype)
    fmt = mv.format.lstrip("@=<>!")
    if mv.itemsize != size and not (fmt == "B" and mv.nbytes % size == 0):
        raise TypeError(f"buffer items are {mv.itemsize} bytes ({mv.format!r}); "
                        f"{ctype.__name__} needs {size}")
    want = _STRUCT_CODES.get(ctype)
    if want and fmt not in (want, "B"):
        raise TypeError(f"buffer format {mv.format!r} is not {ctype.__name__}")
    if mv.nbytes == 0:
        return None
    if mv.readonly:
        # ctypes cannot take a read-only buffer's address; read-only inputs
        # (bytes, read-only memoryviews) are copied. numpy arrays never are.
        return ctypes.create_string_buffer(mv.tobytes(), mv.nbytes)
    return ctypes.addressof(ctypes.c_char.from_buffer(mv))


_array_types = {}


def array_arg(ctype, writable):
    """argtypes class for a `T *` number-array parameter."""
    key = (ctype, writable)
    if key in _array_types:
        return _array_types[key]
    ptr_t = ctypes.POINTER(ctype)
    np_dtype = _NP_CODES.get(ctype)

    class ArrayArg:
        @classmethod
        def from_param(cls, obj):
            if obj is None:
                return None
            if np_dtype is not None and isinstance(obj, _np.ndarray):
                if obj.dtype != np_dtype:
                    raise TypeError(f"numpy array of {obj.dtype} given where {np_dtype} is needed "
                                    f"(use .astype({np_dtype.name!r}))")
                if not obj.flags.c_contiguous:
                    raise ValueError("numpy array must be C-contiguous (use numpy.ascontiguousarray)")
                if writable and not obj.flags.writeable:
                    raise ValueError("numpy array must be writable (this argument is an output)")
                return ctypes.c_void_p(obj.ctypes.data)
            if isinstance(obj, (ctypes.Array, ptr_t, ctypes._Pointer, ctypes._SimpleCData)):
                if isinstance(obj, ctypes._SimpleCData):
                    return ctypes.byref(obj)
                return obj
            if isinstance(obj, (list, tuple)):
                if writable:
                    raise TypeError("an output array must be a numpy array or writable buffer, not a list")
                return (ctype * len(obj))(*obj)
            try:
                r = _buffer_address(obj, ctype, writable)
            except TypeError as e:
                raise TypeError(f"expected an array of {ctype.__name__}: {e}") from None
            return r if r is None or not isinstance(r, int) else ctypes.c_void_p(r)

    ArrayArg.__name__ = ArrayArg.__qualname__ = f"{ctype.__name__}_array"
    _array_types[key] = ArrayArg
    return ArrayArg


class VoidPtr:
    """void * argument: any buffer, ctypes object, integer address or None."""

    @classmethod
    def from_param(cls, obj):
        if obj is None or isinstance(obj, (ctypes.c_void_p, ctypes._Pointer)):
            return obj
        if isinstance(obj, int):
            return ctypes.c_void_p(obj)
        if isinstance(obj, bytes):
            return obj
        if isinstance(obj, ctypes._SimpleCData) or isinstance(obj, (ctypes.Structure, ctypes.Array)):
            return ctypes.byref(obj)
        if _np is not None and isinstance(obj, _np.ndarray):
            return ctypes.c_void_p(obj.ctypes.data)
        r = _buffer_address(obj, ctypes.c_uint8, False)
        return r if r is None or not isinstance(r, int) else ctypes.c_void_p(r)


_struct_args = {}


def struct_arg(cls):
    """argtypes class for `T *` struct parameters: an instance, a mapping of
    field values (applied on top of the struct's *_INIT defaults), or None."""
    if cls in _struct_args:
        return _struct_args[cls]

    class StructArg:
        @classmethod
        def from_param(c, obj):
            if obj is None:
                return None
            if isinstance(obj, cls):
                return ctypes.byref(obj)
            if isinstance(obj, dict):
                return ctypes.byref(make_struct(cls, obj))
            if isinstance(obj, (ctypes._Pointer, ctypes.Array)):
                return obj
            if isinstance(obj, (list, tuple)):  # an array of structs (`const T *items, size_t n`)
                items = [x if isinstance(x, cls) else make_struct(cls, x) for x in obj]
                return (cls * max(len(items), 1))(*items)
            raise TypeError(f"expected {cls.__name__}, a dict of its fields, or None")

    StructArg.__name__ = f"{cls.__name__}_arg"
    _struct_args[cls] = StructArg
    return StructArg


def struct_buffer(cls, n):
    """A zeroed array of n structs (at least one, so the C function gets a
    valid pointer), each initialised as its *_INIT macro sets it."""
    if n < 0:
        raise ValueError(f"negative array length {n}")
    buf = (cls * max(int(n), 1))()
    if hasattr(cls, "init"):
        proto = cls.init()
        for i in range(int(n)):
            buf[i] = proto
    elif any(f[0] == "size" for f in cls._fields_[:1]):
        for i in range(int(n)):
            buf[i].size = ctypes.sizeof(cls)
    return buf


def struct_array(cls, items):
    """A ctypes array of cls from a sequence of instances or mappings (None
    and ctypes arrays pass through), built before the call so that results
    pointing into it (such as names) can keep it alive."""
    if items is None or isinstance(items, (ctypes.Array, ctypes._Pointer)):
        return items
    if isinstance(items, (cls, dict)):
        items = [items]
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"expected a sequence of {cls.__name__} (or of dicts of its fields)")
    objs = [x if isinstance(x, cls) else make_struct(cls, x) for x in items]
    arr = (cls * max(len(objs), 1))(*objs)
    return arr if objs else (cls * 0)()


def member(obj, field):
    """obj.field for a struct argument given as a ctypes struct or a mapping
    (0 for None, when the C function would see NULL)."""
    if obj is None:
        return 0
    if isinstance(obj, dict):
        return obj.get(field, 0)
    return getattr(obj, field)


def _elements(obj, ctype):
    """Number of ctype elements an array argument holds, or None when it
    cannot be told (a raw pointer)."""
    if _np is not None and isinstance(obj, _np.ndarray):
        return obj.size
    if isinstance(obj, ctypes.Array):
        return len(obj) * ctypes.sizeof(obj._type_) // ctypes.sizeof(ctype)
    if isinstance(obj, ctypes._SimpleCData):
        return ctypes.sizeof(obj) // ctypes.sizeof(ctype)
    if isinstance(obj, ctypes._Pointer):
        return None
    if isinstance(obj, (list, tuple)):
        return len(obj)
    try:
        return memoryview(obj).nbytes // ctypes.sizeof(ctype)
    except TypeError:
        return None


def check_length(obj, need, ctype, fn, name, length):
    """Raises ValueError when an array argument has fewer than `need`
    elements (the C function would read or write past its end)."""
    if obj is None:
        return
    have = _elements(obj, ctype)
    if have is not None and have < need:
        raise ValueError(f"{fn}: argument '{name}' has {have} elements; {length} = {need} are needed")


def make_struct(cls, values):
    s = cls.init() if hasattr(cls, "init") else cls()
    types = {f[0]: f[1] for f in cls._fields_}
    for k, v in values.items():
        if k not in types:
            raise TypeError(f"{cls.__name__} has no field {k!r}")
        t = types[k]
        if isinstance(v, str):
            v = v.encode("utf-8")
        elif isinstance(t, type) and issubclass(t, ctypes.Array) and not isinstance(v, (ctypes.Array, bytes)):
            v = list(v)  # a list, tuple or numpy array for an array member (e.g. a Result read back)
            if len(v) > t._length_:
                raise TypeError(f"{cls.__name__}.{k} holds {t._length_} values, got {len(v)}")
            v = t(*v)
        elif isinstance(t, type) and issubclass(t, ctypes.Structure) and isinstance(v, dict):
            v = make_struct(t, v)
        setattr(s, k, v)
    return s


def selected_rows(sel):
    """Row indices of a selection-like handle (count() + rows(buf, cap))."""
    n = sel.count()
    buf = (ctypes.c_size_t * max(n, 1))()
    sel.rows(buf, n)
    return list(buf[:n])


class Handle:
    """An owned (or borrowed) pointer to a libpatron object. close() releases
    it once; it is also released when garbage-collected. Usable as a context
    manager."""
    __slots__ = ("_ptr", "_param", "_owned", "_finalizer", "__weakref__")
    _free = None

    def __init__(self):
        raise TypeError(f"{type(self).__name__} objects come from libpatron functions")

    @classmethod
    def _wrap(cls, addr, owned=True):
        h = object.__new__(cls)
        h._ptr = addr
        h._param = ctypes.c_void_p(addr)
        h._owned = owned and cls._free is not None
        h._finalizer = weakref.finalize(h, cls._free, addr) if h._owned and addr else None
        return h

    @classmethod
    def _borrow(cls, addr):
        return None if not addr else cls._wrap(addr, owned=False)

    @classmethod
    def from_param(cls, obj):
        if obj is None:
            return None
        if not isinstance(obj, cls):
            if isinstance(obj, int):  # a raw address (finalizers, interop)
                return ctypes.c_void_p(obj)
            raise TypeError(f"expected {cls.__name__}, got {type(obj).__name__}")
        p = obj._ptr
        if not p:
            raise ValueError(f"{cls.__name__} is closed")
        return obj._param

    @property
    def closed(self):
        return not self._ptr

    def close(self):
        """Release the object (no-op when already closed or borrowed)."""
        if self._finalizer is not None:
            self._finalizer()
            self._finalizer = None
        self._ptr = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        state = "closed" if not self._ptr else hex(self._ptr)
        return f"<{type(self).__name__} {state}>"


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
    """Plain Python values of a ctypes struct (Result), array (list), char
    array or string (str)."""
    if isinstance(v, ctypes.Structure):
        return Result((name, to_python(getattr(v, name))) for name, *_ in v._fields_)
    if isinstance(v, ctypes.Array):
        if v._type_ is ctypes.c_char:
            return v.value.decode("utf-8", "replace")
        return [to_python(x) for x in v]
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return v
