"""Segments through the binding (issue 20): a rule with a NUL byte is
refused instead of being cut at the NUL
(ctypes reports a refused argument as ArgumentError wrapping the ValueError), and a value copied from a frame
matches itself in a rule."""
import ctypes

import pytest

import patron
from patron import ffi

if not hasattr(ffi, "patron_rule_select"):
    pytest.skip("segment module not in this libpatron build yet", allow_module_level=True)


def _frame():
    return patron.frame_from_columns([0, 3, 1, 5], [0, 20, 3, 30], [40] * 4, ids=[11, 12, 13, 14])


def test_rule_with_nul_byte_is_refused():
    pytest.importorskip("numpy")
    with _frame() as fr:
        with pytest.raises(ctypes.ArgumentError, match="embedded null byte"):
            patron.Selection.rule_select(fr, "frequency > 2\x00 or garbage (")
        with pytest.raises(ctypes.ArgumentError, match="embedded null byte"):
            patron.Rule.compile(b"frequency > 2\x00", None)
        with patron.Selection.rule_select(fr, "frequency > 2") as sel:  # the same text without it
            assert list(sel) == [1, 3]


def test_seventeen_digit_literal_matches_the_frame_value():
    pytest.importorskip("numpy")
    with patron.frame_from_columns([0, 3, 1, 5], [0, 20, 3, 30], [40] * 4, ids=[11, 12, 13, 14],
                                   monetary_value=[1e308, 9.866295413738777, 33.333333333333336, 5e-324]) as fr:
        for v, row in ((1e308, 0), (9.866295413738777, 1), (33.333333333333336, 2), (5e-324, 3)):
            with patron.Selection.rule_select(fr, f"monetary_value == {v!r}") as sel:
                assert list(sel) == [row]
