"""A/B tests and experiment statistics (patron_abtest_*), one function per C
function without the prefix: `patron.abtest.proportions(...)`,
`patron.abtest.logrank(...)`, ... Result structs come back as Result objects
(dict + attributes). Arrays (numpy or any buffer) pass zero-copy.

A few conveniences allocate output arrays for you (kaplan_meier, adjust)."""
from . import _ffi as ffi
from ._generic import Result, export
from ._runtime import _np as np

if not hasattr(ffi, "patron_abtest_proportions"):  # pragma: no cover
    raise ImportError("this libpatron build has no abtest module")

__all__ = export("patron_abtest_", globals()) + ["Result"]
