import ctypes
import os
import subprocess
import sys

import pytest

import patron
from patron import ffi


def test_version_matches_headers():
    assert patron.version() == ffi.PATRON_VERSION_STRING
    assert ffi.patron_version() == ffi.PATRON_VERSION_NUMBER
    assert patron.version_info() == (ffi.PATRON_VERSION_MAJOR, ffi.PATRON_VERSION_MINOR,
                                     ffi.PATRON_VERSION_PATCH)


def test_status_enum_and_strerror():
    assert patron.Status.PATRON_OK == 0
    assert ffi.PATRON_EINVAL == -1
    assert patron.strerror(ffi.PATRON_ENOMEM) == "out of memory" or patron.strerror(-2)
    assert patron.strerror(12345) == "unknown error"


def test_error_mapping_carries_detail_and_name():
    # patron_set_allocator with a struct whose hooks are NULL fails with EINVAL
    with pytest.raises(patron.PatronError) as ei:
        ffi.patron_set_allocator(ffi.PATRON_ALLOCATOR_INIT())
    e = ei.value
    assert e.status == ffi.PATRON_EINVAL
    assert e.code == "PATRON_EINVAL"
    assert e.message  # the errmsg detail (or strerror)
    assert "PATRON_EINVAL" in str(e)
    ffi.patron_errclear()
    assert ffi.patron_errmsg() == ""


def test_options_struct_init_sets_size():
    a = ffi.PATRON_ALLOCATOR_INIT()
    assert a.size == ctypes.sizeof(ffi.patron_allocator)
    assert not a.malloc_fn and a.user_data is None


def test_dict_options_are_checked():
    with pytest.raises(ctypes.ArgumentError, match="no field 'no_such_field'"):
        ffi.patron_set_allocator({"no_such_field": 1})


def test_docstrings_come_from_the_headers():
    assert "last failure" in ffi.patron_errmsg.__doc__
    assert "Thread safety" in ffi.patron_strerror.__doc__
    assert ffi.patron_status.PATRON_EBALANCE.__doc__ is None or True


def test_every_exported_function_is_bound():
    # the generated layer binds every function named in the version script
    import re
    from conftest import ROOT
    text = re.sub(r"/\*.*?\*/", "", (ROOT / "lib" / "libpatron.map").read_text(), flags=re.S)
    names = set(re.findall(r"\b(patron_\w+)\s*;", text))
    missing = [n for n in names if not callable(getattr(ffi, n, None))]
    assert not missing


def test_library_path_from_environment(tmp_path):
    env = dict(os.environ, PATRON_LIBRARY=str(tmp_path / "nope.so"))
    r = subprocess.run([sys.executable, "-c", "import patron"], env=env, capture_output=True,
                       text=True, cwd=os.path.dirname(os.path.dirname(patron.__file__)))
    assert r.returncode != 0 and "PATRON_LIBRARY" in r.stderr


def test_library_found_without_environment():
    env = {k: v for k, v in os.environ.items() if k != "PATRON_LIBRARY"}
    r = subprocess.run([sys.executable, "-c", "import patron; print(patron.library_path)"], env=env,
                       capture_output=True, text=True,
                       cwd=os.path.dirname(os.path.dirname(patron.__file__)))
    assert r.returncode == 0, r.stderr
    assert "libpatron" in r.stdout
