"""Transaction logs and customer frames as numpy arrays / pandas DataFrames.

Thin: every computation is the C library's (patron_txlog_*, patron_summarize,
patron_frame_*); this module only moves columns in and out.
"""
from __future__ import annotations

import ctypes
import datetime as _dt
import os
from typing import Any, Dict, Optional

from . import _ffi as ffi
from ._runtime import _np as np

try:
    import pandas as pd
except ImportError:  # pragma: no cover
    pd = None

if not hasattr(ffi, "patron_summarize"):  # pragma: no cover
    raise ImportError("this libpatron build has no summary module")

__all__ = ["Txlog", "Frame", "to_seconds", "frame_columns", "frame_to_pandas", "frame_from_columns"]

Txlog = ffi.patron_txlog
Frame = ffi.patron_frame

_CT = {ffi.PATRON_COL_INT64: ctypes.c_int64, ffi.PATRON_COL_DOUBLE: ctypes.c_double}


def _require_numpy():
    if np is None:
        raise ImportError("patron: this function needs numpy")


def to_seconds(values: Any) -> Any:
    """UTC seconds (int64 numpy array) from datetimes: numpy datetime64,
    pandas datetimes/strings, Python datetimes/dates, ISO-8601 or YYYYMMDD
    strings (parsed by patron_time_parse), or integer seconds."""
    _require_numpy()
    if pd is not None and isinstance(values, (pd.Series, pd.Index)):
        if pd.api.types.is_datetime64_any_dtype(values):
            v = values.dt.tz_convert("UTC").dt.tz_localize(None) if getattr(values.dt, "tz", None) else values
            return v.to_numpy().astype("datetime64[s]").astype(np.int64)
        values = values.to_numpy()
    a = np.asarray(values)
    if np.issubdtype(a.dtype, np.datetime64):
        return a.astype("datetime64[s]").astype(np.int64)
    if np.issubdtype(a.dtype, np.integer):
        return a.astype(np.int64)
    out = np.empty(len(a), dtype=np.int64)
    for i, v in enumerate(a):
        out[i] = scalar_seconds(v)
    return out


def scalar_seconds(v: Any) -> Optional[int]:
    """UTC seconds of one datetime-like value (see to_seconds)."""
    if v is None:
        return None
    if isinstance(v, (int,)) or (np is not None and isinstance(v, np.integer)):
        return int(v)
    if pd is not None and isinstance(v, pd.Timestamp):
        v = v.tz_convert("UTC").tz_localize(None) if v.tzinfo else v
        return int(v.value // 10**9)
    if isinstance(v, _dt.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=_dt.timezone.utc)
        return int(v.timestamp())
    if isinstance(v, _dt.date):
        return int(_dt.datetime(v.year, v.month, v.day, tzinfo=_dt.timezone.utc).timestamp())
    if np is not None and isinstance(v, np.datetime64):
        return int(v.astype("datetime64[s]").astype(np.int64))
    b = str(v).encode()
    return ffi.patron_time_parse(b, len(b), ffi.PATRON_TIME_AUTO if len(b) != 8 else ffi.PATRON_TIME_YYYYMMDD)


def _column(frame, col, major_units=False):
    """One column as a numpy array (a copy) or a list of str. Money columns
    (patron_frame_col_money) are in minor units, or divided by
    10^patron_frame_decimals with major_units (as the C writers'
    major_units option prints them)."""
    v = _raw_column(frame, col)
    if major_units and ffi.patron_frame_col_money(frame, col):
        scale = 10.0 ** ffi.patron_frame_decimals(frame)
        v = v / scale if np is not None else [x / scale for x in v]
    return v


def _raw_column(frame, col):
    n = ffi.patron_frame_rows(frame)
    kind = ffi.patron_frame_col_type(frame, col)
    if kind == ffi.PATRON_COL_STRING:
        addr = ffi.patron_frame_string(frame, col)
        ptrs = (ctypes.c_char_p * n).from_address(addr) if n else []
        return [p.decode("utf-8") for p in ptrs]
    addr = (ffi.patron_frame_double if kind == ffi.PATRON_COL_DOUBLE else ffi.patron_frame_int64)(frame, col)
    ct = _CT[kind]
    if np is None:
        return list((ct * n).from_address(addr)) if n else []
    if n == 0:
        return np.empty(0, dtype=ct)
    return np.ctypeslib.as_array((ct * n).from_address(addr)).copy()


def frame_columns(frame: "ffi.patron_frame", major_units: bool = False) -> Dict[str, Any]:
    """{name: column} of a patron frame (numpy arrays, lists for strings);
    money columns in minor units unless major_units."""
    return {ffi.patron_frame_col_name(frame, c): _column(frame, c, major_units)
            for c in range(ffi.patron_frame_cols(frame))}


def frame_to_pandas(frame: "ffi.patron_frame", index: Optional[str] = "customer_id",
                    major_units: bool = False) -> Any:
    """A pandas DataFrame of the frame's columns, indexed by customer id."""
    cols = frame_columns(frame, major_units)
    df = pd.DataFrame(cols)
    if index and "customer_id" in df.columns:
        df = df.set_index("customer_id")
        df.index.name = index
    return df


def frame_from_columns(frequency: Any, recency: Any, T: Any, monetary_value: Any = None,
                       ids: Any = None) -> "ffi.patron_frame":
    """A summary frame (patron_frame_from_arrays) from arrays, zero-copy in."""
    _require_numpy()
    f = np.ascontiguousarray(frequency, dtype=np.float64)
    r = np.ascontiguousarray(recency, dtype=np.float64)
    t = np.ascontiguousarray(T, dtype=np.float64)
    m = None if monetary_value is None else np.ascontiguousarray(monetary_value, dtype=np.float64)
    i = None if ids is None else np.ascontiguousarray(ids, dtype=np.int64)
    if not (len(f) == len(r) == len(t)) or (m is not None and len(m) != len(f)):
        raise ValueError("frequency, recency, T (and monetary_value) must have the same length")
    return ffi.patron_frame_from_arrays(len(f), i, f, r, t, m)


_PERIODS = {"D": ffi.PATRON_PERIOD_DAY, "W": ffi.PATRON_PERIOD_WEEK}


def txlog_from(transactions, customer, time, amount, decimals):
    """A Txlog from a DataFrame / mapping of columns / CSV path."""
    if isinstance(transactions, ffi.patron_txlog):
        return transactions, False
    log = ffi.patron_txlog.new({"decimals": decimals})
    try:
        if isinstance(transactions, (str, os.PathLike)):
            log.load_csv(os.fspath(transactions), {"customer_col": customer, "time_col": time,
                                                   "amount_col": amount})
            return log, True
        _require_numpy()
        cols = transactions
        ids = cols[customer]
        ids = ids.to_numpy() if hasattr(ids, "to_numpy") else np.asarray(ids)
        t = to_seconds(cols[time])
        a = cols[amount]
        a = np.asarray(a.to_numpy() if hasattr(a, "to_numpy") else a)
        # amounts are in major units (dollars) as in lifetimes; the log keeps minor units
        minor = np.rint(a.astype(np.float64) * 10 ** decimals).astype(np.int64)
        if np.issubdtype(ids.dtype, np.integer):
            ffi.patron_txlog_add_batch(log, np.ascontiguousarray(ids, dtype=np.int64), t, minor, len(t))
        else:
            ffi.patron_txlog_add_batch_str(log, [str(x) for x in ids], t, minor, len(t))
        return log, True
    except BaseException:
        log.close()
        raise


def summary(transactions: Any, customer: str = "customer_id", time: str = "date", amount: str = "amount", *,
            observation_end: Any = None, calibration_end: Any = None, freq: str = "D",
            period_seconds: Optional[int] = None, decimals: int = 2, major_units: bool = True,
            as_pandas: Optional[bool] = None) -> Any:
    """Per-customer summary (frequency, recency, T, monetary_value, ...) of a
    transaction log, as lifetimes' summary_data_from_transaction_data computes
    it (patron_summarize).

    `transactions`: a pandas DataFrame or a mapping of columns (customer ids,
    times as datetimes / strings / UTC seconds, amounts in major units), a
    CSV path, or a Txlog. With `calibration_end`, the calibration/holdout
    split of lifetimes' calibration_and_holdout_data. `freq` is "D" (days),
    "W" (weeks) or "s" with `period_seconds`.

    Money columns (monetary_value, total_spend, ...) are in major units
    (dollars, as lifetimes shows them) unless `major_units=False` (the
    library's minor units).

    Returns a pandas DataFrame indexed by customer id when pandas is
    installed (or `as_pandas=True`), else a dict of numpy arrays.
    """
    if freq in _PERIODS:
        period = _PERIODS[freq]
    elif period_seconds:
        period = ffi.PATRON_PERIOD_SECONDS
    else:
        raise ValueError(f"freq must be 'D' or 'W' (or give period_seconds), not {freq!r}")
    opts = ffi.PATRON_SUMMARY_OPTIONS_INIT()
    opts.period = period
    opts.period_seconds = int(period_seconds or 0)
    if observation_end is not None:
        opts.observation_end = scalar_seconds(observation_end)
    if calibration_end is not None:
        opts.calibration_end = scalar_seconds(calibration_end)
    log, owned = txlog_from(transactions, customer, time, amount, decimals)
    try:
        with ffi.patron_summarize(log, opts) as frame:
            if as_pandas or (as_pandas is None and pd is not None):
                return frame_to_pandas(frame, index=customer, major_units=major_units)
            return frame_columns(frame, major_units)
    finally:
        if owned:
            log.close()
