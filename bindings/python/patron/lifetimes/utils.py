"""lifetimes.utils over patron_summarize: transaction logs to per-customer
summaries (with a calibration/holdout split) and the tracking curves.
Every figure is the C library's; these functions rename columns and divide
by `freq_multiplier` as lifetimes does."""
from .. import frame as _frame
from .. import plot as _plot
from .._runtime import _np as np
from . import ConvergenceError

import pandas as pd

__all__ = ["summary_data_from_transaction_data", "calibration_and_holdout_data",
           "expected_cumulative_transactions", "ConvergenceError"]

_FREQS = ("D", "W")


def _transactions(transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format):
    """The columns patron.summary reads: times parsed with `datetime_format`
    (pandas) when given, a zero amount when there is no monetary column."""
    t = transactions[datetime_col]
    if datetime_format is not None:
        t = pd.to_datetime(t, format=datetime_format)
    amount = transactions[monetary_value_col] if monetary_value_col else np.zeros(len(t))
    return {"customer": transactions[customer_id_col], "time": t, "amount": amount}


def _check(freq, include_first_transaction):
    if freq not in _FREQS:
        raise ValueError(f"freq {freq!r}: patron summarises in days ('D') or weeks ('W'); "
                         f"use freq='D' with freq_multiplier for other units")
    if include_first_transaction:
        raise ValueError("include_first_transaction=True is not supported: the models take repeat "
                         "purchases (frequency) and the mean repeat spend")


def _summary(transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format, freq,
             observation_period_end, calibration_period_end=None):
    cols = _transactions(transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format)
    s = _frame.summary(cols, customer="customer", time="time", amount="amount", freq=freq,
                       observation_end=observation_period_end, calibration_end=calibration_period_end,
                       as_pandas=True)
    s.index.name = customer_id_col
    return s


def summary_data_from_transaction_data(transactions, customer_id_col, datetime_col, monetary_value_col=None,
                                       datetime_format=None, observation_period_end=None, freq="D",
                                       freq_multiplier=1, include_first_transaction=False):
    """lifetimes' summary: frequency, recency, T (and monetary_value, the
    mean repeat-purchase value, with `monetary_value_col`) per customer,
    indexed by customer id."""
    _check(freq, include_first_transaction)
    s = _summary(transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format, freq,
                 observation_period_end)
    out = s[["frequency", "recency", "T"] + (["monetary_value"] if monetary_value_col else [])].copy()
    out["recency"] = out["recency"] / freq_multiplier
    out["T"] = out["T"] / freq_multiplier
    return out


def calibration_and_holdout_data(transactions, customer_id_col, datetime_col, calibration_period_end,
                                 observation_period_end=None, freq="D", freq_multiplier=1, datetime_format=None,
                                 monetary_value_col=None, include_first_transaction=False):
    """lifetimes' calibration/holdout table: frequency_cal, recency_cal,
    T_cal, (monetary_value_cal,) frequency_holdout, (monetary_value_holdout,)
    duration_holdout."""
    _check(freq, include_first_transaction)
    s = _summary(transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format, freq,
                 observation_period_end, calibration_period_end)
    names = {"frequency": "frequency_cal", "recency": "recency_cal", "T": "T_cal",
             "monetary_value": "monetary_value_cal"}
    keep = ["frequency", "recency", "T"] + (["monetary_value"] if monetary_value_col else [])
    keep += ["frequency_holdout"] + (["monetary_value_holdout"] if monetary_value_col else []) + \
        ["duration_holdout"]
    out = s[keep].rename(columns=names)
    for c in ("recency_cal", "T_cal", "duration_holdout"):
        out[c] = out[c] / freq_multiplier
    return out


def expected_cumulative_transactions(model, transactions, datetime_col, customer_id_col, t, datetime_format=None,
                                     freq="D", freq_multiplier=1, set_index_date=False):
    """Actual and predicted cumulative repeat transactions for each of the
    first `t` periods since the first purchase in the data (a DataFrame with
    columns actual, predicted; the model in `freq` units)."""
    _check(freq, False)
    if freq_multiplier != 1:
        raise ValueError("freq_multiplier other than 1 is not supported by expected_cumulative_transactions")
    cols = _transactions(transactions, customer_id_col, datetime_col, None, datetime_format)
    birth, horizons, actual = _plot.tracking_from_transactions(cols, "customer", "time", int(t), freq=freq)
    predicted = np.asarray(model.expected_cohort(birth, horizons))
    if set_index_date:
        start = pd.Timestamp(_frame.to_seconds(pd.Series(pd.to_datetime(cols["time"]))).min(), unit="s")
        index = pd.period_range(start, periods=int(t), freq=freq)
    else:
        index = range(0, int(t))
    return pd.DataFrame({"actual": actual, "predicted": predicted}, index=index)
