"""CLV over Dask partitions: summaries of a transaction log, fits and
predictions for data spread over many partitions (or machines).

    >>> import dask.dataframe as dd, patron.clv, patron.dask
    >>> log = dd.read_parquet("transactions/")             # customer_id, date, amount
    >>> s = patron.dask.summary(log, "customer_id", "date", "amount")
    >>> bg = patron.dask.fit(patron.clv.BetaGeo(), s)      # the driver iterates
    >>> p = patron.dask.prob_alive(bg, s)                  # a Dask Series

- `summary`: the log is shuffled by customer id, so each partition holds
  every transaction of its customers, and each partition is summarised by
  patron_summarize with one observation end for all (the log's last time
  unless given).
- `fit`: each partition is one chunk of the chunk API
  (patron_clv_chunks_add); per iteration every partition returns its
  log-likelihood, gradient and Hessian (patron_clv_chunk_eval; central
  differences of the gradient for Pareto/NBD and BG/BB, evaluated in the
  same pass) and the driver takes a damped Newton step in log-parameters
  from a start fitted on an evenly spaced sample of the rows. The sums are
  added in partition order, so a fit is deterministic; it equals the
  single-process fit of the union of the partitions to about 1e-9
  relative.
- predictions: `map_partitions` of the model's own per-customer functions.

Everything numeric is the C library's; this module only moves partitions
and sums. See docs/guide/clv.md ("Fits over partitions") for when it pays.
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

from . import _ffi as ffi
from . import clv as _clv
from . import frame as _frame
from ._runtime import PatronError as _PatronError

__all__ = ["summary", "fit", "predict", "prob_alive", "expected_spend", "lifetime_value",
           "map_customers"]

# Rows of the start's sample (every k-th row of each partition).
_SAMPLE_ROWS = 65536
# Step of the central differences of the gradient (log-parameters), as the C fitter's.
_DIFF_STEP = 1e-4


# -- summary -------------------------------------------------------------------

def _summary_part(df: pd.DataFrame, customer: str, time: str, amount: str, observation_end: int,
                  freq: str, period_seconds: Optional[int], decimals: int,
                  meta: Optional[pd.DataFrame]) -> pd.DataFrame:
    if len(df) == 0:
        assert meta is not None
        return meta
    cols = {"customer": df[customer].to_numpy(), "time": df[time], "amount": df[amount].to_numpy()}
    s = _frame.summary(cols, customer="customer", time="time", amount="amount",
                       observation_end=observation_end, freq=freq, period_seconds=period_seconds,
                       decimals=decimals, as_pandas=True)
    s.index.name = customer
    return s


def summary(transactions: dd.DataFrame, customer: str = "customer_id", time: str = "date",
            amount: str = "amount", *, observation_end: Any = None, freq: str = "D",
            period_seconds: Optional[int] = None, decimals: int = 2,
            shuffle: bool = True) -> dd.DataFrame:
    """Per-customer summary (frequency, recency, T, monetary_value, ...) of a
    Dask DataFrame transaction log, one patron_summarize per partition.

    The log is shuffled by `customer` first (`shuffle=False` when every
    customer's transactions already sit in one partition, e.g. a log
    partitioned by customer id), and every partition uses the same
    observation end: `observation_end`, or else the log's last time.
    Columns and units are those of patron.frame.summary; the result is
    indexed by customer id."""
    if observation_end is None:
        last = transactions[time].max().compute()
        observation_end = _frame.scalar_seconds(last)
    else:
        observation_end = _frame.scalar_seconds(observation_end)
    if shuffle:
        transactions = transactions.shuffle(customer)
    head = transactions.head(50, npartitions=-1) if transactions.npartitions else None
    if head is None or len(head) == 0:
        raise ValueError("the transaction log is empty")
    sample = _summary_part(head, customer, time, amount, observation_end, freq, period_seconds,
                           decimals, None)
    meta = sample.iloc[:0]
    part = functools.partial(_summary_part, customer=customer, time=time, amount=amount,
                             observation_end=observation_end, freq=freq,
                             period_seconds=period_seconds, decimals=decimals, meta=meta)
    return transactions.map_partitions(part, meta=meta)


# -- fit -----------------------------------------------------------------------

def _data(df: pd.DataFrame) -> Any:
    weights = df["weights"] if "weights" in df else None
    return _clv._Data(df, weights=None if weights is None else weights.to_numpy())


def _model_id(model: Any) -> int:
    return int(model.model)


def _eval_part(df: pd.DataFrame, model_id: int, points: Sequence[Sequence[float]],
               want_hess: int) -> np.ndarray:
    """One partition's (LL, gradient, Hessian) at each point (natural
    parameters): rows of 1 + k + k * k values."""
    k = ffi.patron_clv_param_count(model_id)
    out = np.zeros((len(points), 1 + k + k * k))
    if len(df) == 0:
        return out
    data = _data(df)
    chunks = ffi.patron_clv_chunks_new(model_id)
    try:
        ffi.patron_clv_chunks_add(chunks, data.c, 1)
        for j, pt in enumerate(points):
            p = ffi.patron_clv_params()
            p.model = model_id
            for i, v in enumerate(pt):
                p.p[i] = v
            try:
                val = ffi.patron_clv_chunk_eval(chunks, 0, p, want_hess)
            except (_PatronError, ArithmeticError):  # off the parameter space: F = inf there
                out[j, :] = np.nan
                continue
            out[j, 0] = val.log_likelihood
            out[j, 1:1 + k] = list(val.grad)[:k]
            if want_hess:
                out[j, 1 + k:] = list(val.hess)[:k * k]
    finally:
        chunks.close()
    return out


def _stats_part(df: pd.DataFrame, spend: bool) -> np.ndarray:
    w = df["weights"].to_numpy() if "weights" in df else np.ones(len(df))
    if spend:
        w = np.where(df["frequency"].to_numpy() > 0, w, 0.0)
    return np.array([w.sum(), float(len(df))])


def _sample_part(df: pd.DataFrame, stride: int) -> pd.DataFrame:
    return df.iloc[::stride]


def _evaluate(parts: List[Any], model_id: int, points: List[List[float]], want_hess: int) -> np.ndarray:
    """Sum over partitions, in partition order, of _eval_part."""
    tasks = [dask.delayed(_eval_part)(p, model_id, points, want_hess) for p in parts]
    values = dask.compute(*tasks)
    total = np.zeros_like(values[0])
    for v in values:  # partition order: deterministic
        total = total + v
    return total


def fit(model: Any, summary: dd.DataFrame, *, max_iter: int = 50, gtol: Optional[float] = None,
        sample_rows: int = _SAMPLE_ROWS) -> Any:
    """Fit `model` (an instance of a patron.clv class, e.g. BetaGeo()) to a
    Dask DataFrame summary (frequency, recency, T; monetary_value for
    GammaGamma; optional weights), one chunk per partition. Returns the
    model, fitted: params, standard_errors, log_likelihood and result as
    from Model.fit (result.iterations counts the Newton steps over all
    partitions; result.n_distinct the rows). The start is the fit of about
    `sample_rows` evenly spaced rows, gathered to the driver.

    The partitions are persisted (they are read once per iteration). Only
    penalizer 0 is supported over partitions."""
    if model.options.penalizer != 0:
        raise NotImplementedError("patron.dask.fit: a penalizer is not supported over partitions")
    mid = _model_id(model)
    k = ffi.patron_clv_param_count(mid)
    names = model.param_names()
    spend = isinstance(model, _clv.GammaGamma)
    exact = mid in (ffi.PATRON_CLV_BGNBD, ffi.PATRON_CLV_MBGNBD, ffi.PATRON_CLV_GG)
    tol = model.options.gtol if gtol is None else gtol
    summary = summary.persist()
    parts = list(summary.to_delayed())
    stats = dask.compute(*[dask.delayed(_stats_part)(p, spend) for p in parts])
    W = float(sum(s[0] for s in stats))
    rows = int(sum(s[1] for s in stats))
    if not W > 0:
        raise ValueError("patron.dask.fit: no customers with positive weight")

    # the start: the single-process fit of an evenly spaced sample
    stride = max(1, rows // max(1, int(sample_rows)))
    sample = dd.from_delayed([dask.delayed(_sample_part)(p, stride) for p in parts],
                             meta=summary._meta).compute()
    start = type(model)(threads=1)
    start.options.gtol = 1e-7
    sw = sample["weights"].to_numpy() if "weights" in sample else None
    if spend:
        start.fit(sample["frequency"].to_numpy(), sample["monetary_value"].to_numpy(), weights=sw)
    else:
        start.fit(sample, weights=sw)
    theta = np.log(np.array([start.params[n] for n in names]))

    def objective(vals: np.ndarray, p: np.ndarray) -> Tuple[float, np.ndarray]:
        ll, g = vals[0], vals[1:1 + k]
        return -ll / W, -g * p / W

    def newton_system(th: np.ndarray) -> Tuple[float, float, np.ndarray, np.ndarray, np.ndarray]:
        """F, LL, gradient and Hessian of F = -LL/W in log-parameters, and
        the natural-parameter gradient g (one pass over the partitions)."""
        p = np.exp(th)
        if exact:
            v = _evaluate(parts, mid, [list(p)], 1)[0]
            F, gF = objective(v, p)
            H = v[1 + k:].reshape(k, k)
            HF = -(H * np.outer(p, p)) / W + np.diag(gF)
        else:
            pts = [list(p)]
            for j in range(k):
                for s in (1, -1):
                    t = th.copy()
                    t[j] += s * _DIFF_STEP
                    pts.append(list(np.exp(t)))
            vals = _evaluate(parts, mid, pts, 0)
            F, gF = objective(vals[0], p)
            HF = np.zeros((k, k))
            for j in range(k):
                tp, tm = th.copy(), th.copy()
                tp[j] += _DIFF_STEP
                tm[j] -= _DIFF_STEP
                _, gp = objective(vals[1 + 2 * j], np.exp(tp))
                _, gm = objective(vals[2 + 2 * j], np.exp(tm))
                HF[:, j] = (gp - gm) / (2 * _DIFF_STEP)
            HF = 0.5 * (HF + HF.T)
            v = vals[0]
        return F, v[0], gF, HF, v[1:1 + k]

    def value(th: np.ndarray) -> float:
        p = np.exp(th)
        if not np.all(np.isfinite(p)) or not np.all(p > 0):
            return math.inf
        v = _evaluate(parts, mid, [list(p)], 0)[0]
        return -v[0] / W if math.isfinite(v[0]) else math.inf

    F, ll, gF, HF, g = newton_system(theta)
    steps = 0
    polish = 1  # one Newton step more once converged: quadratic convergence takes it to rounding
    while (np.max(np.abs(gF)) > tol or polish) and steps < max_iter:
        if np.max(np.abs(gF)) <= tol:
            polish = 0
        try:
            step = -np.linalg.solve(HF, gF)
            if not np.all(np.isfinite(step)) or step @ gF >= 0:
                raise np.linalg.LinAlgError
        except np.linalg.LinAlgError:
            step = -gF
        big = np.max(np.abs(step))
        if big > 2.0:  # at most a factor e^2 per parameter and step
            step = step * (2.0 / big)
        lam, accepted = 1.0, False
        while lam > 1e-8:
            cand = theta + lam * step
            Fc = value(cand)
            if Fc <= F or (Fc <= F + 1e-13 * abs(F) and lam == 1.0):
                accepted = True
                break
            lam *= 0.5
        if not accepted:
            break
        theta = cand
        steps += 1
        F, ll, gF, HF, g = newton_system(theta)
    if np.max(np.abs(gF)) > max(tol, 1e-6):
        raise ArithmeticError(f"patron.dask.fit: no convergence after {steps} Newton steps "
                              f"(max |gradient| {np.max(np.abs(gF)):.3g})")
    p = np.exp(theta)
    # observed information in natural parameters, as patron_clv_fit computes it
    Hn = W * (HF - np.diag(gF)) / np.outer(p, p)
    cov = np.linalg.inv(Hn)
    res = ffi.PATRON_CLV_FIT_RESULT_INIT()
    res.params.model = mid
    res.n_params = k
    for i in range(k):
        res.params.p[i] = p[i]
        res.se[i] = math.sqrt(cov[i, i])
        for j in range(k):
            res.cov[i * ffi.PATRON_CLV_MAX_PARAMS + j] = cov[i, j]
    res.log_likelihood = ll
    res.grad_norm = float(np.max(np.abs(gF)))
    res.iterations = steps
    res.status = ffi.PATRON_OK
    res.n_customers = W
    res.n_distinct = rows
    model.result = res
    model._params = res.params
    return model


# -- predictions ---------------------------------------------------------------

def _rebuild(cls: Type[Any], params: Dict[str, float]) -> Any:
    return cls(params=params, threads=1)


def _apply(df: pd.DataFrame, cls: Type[Any], params: Dict[str, float], method: str, args: Tuple,
           spend: Optional[Tuple[Type[Any], Dict[str, float]]]) -> pd.Series:
    if len(df) == 0:
        return pd.Series([], index=df.index, dtype=np.float64)
    m = _rebuild(cls, params)
    if method == "lifetime_value":
        s = None if spend is None else _rebuild(*spend)
        months, discount, ppm = args
        out = m.lifetime_value(s, df, months=months, discount=discount, periods_per_month=ppm)
    elif method == "expected_spend":
        out = m.expected_spend(df["frequency"].to_numpy(), df["monetary_value"].to_numpy())
    else:
        out = getattr(m, method)(*args, df) if args else getattr(m, method)(df)
    return pd.Series(np.asarray(out, dtype=np.float64), index=df.index)


def map_customers(model: Any, summary: dd.DataFrame, method: str, *args: Any,
                  spend_model: Any = None, name: Optional[str] = None) -> dd.Series:
    """A per-customer prediction of `model` (its method `method` with
    `args` before the table) on every partition of `summary`
    (map_partitions): a Dask Series aligned with `summary`."""
    model._need()
    spend = None if spend_model is None else (type(spend_model), spend_model.params)
    meta = pd.Series([], dtype=np.float64, name=name)
    part = functools.partial(_apply, cls=type(model), params=dict(model.params), method=method,
                             args=tuple(args), spend=spend)
    out = summary.map_partitions(part, meta=meta)
    return out.rename(name) if name else out


def predict(model: Any, summary: dd.DataFrame, t: float) -> dd.Series:
    """Conditional expected purchases in the next `t` periods (Model.predict)."""
    return map_customers(model, summary, "predict", float(t), name="predicted_purchases")


def prob_alive(model: Any, summary: dd.DataFrame) -> dd.Series:
    """P(alive) at the end of observation (Model.prob_alive)."""
    return map_customers(model, summary, "prob_alive", name="p_alive")


def expected_spend(model: Any, summary: dd.DataFrame) -> dd.Series:
    """Gamma-Gamma expected mean spend per transaction."""
    return map_customers(model, summary, "expected_spend", name="expected_spend")


def lifetime_value(model: Any, spend_model: Any, summary: dd.DataFrame, months: int = 12,
                   discount: float = 0.01, periods_per_month: float = 30.0) -> dd.Series:
    """Customer lifetime value (Model.lifetime_value) per customer."""
    return map_customers(model, summary, "lifetime_value", int(months), float(discount),
                         float(periods_per_month), spend_model=spend_model, name="clv")
