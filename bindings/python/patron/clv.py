"""Customer-lifetime-value models (patron_clv_*): BG/NBD, MBG/NBD, Pareto/NBD,
BG/BB and Gamma-Gamma, with a lifetimes-like interface.

    >>> m = patron.clv.BetaGeo().fit(summary)          # or (frequency, recency, T)
    >>> m.params                                       # {'r': 0.2426, 'alpha': 4.41, ...}
    >>> m.predict(39, summary)                         # expected purchases in 39 periods
    >>> m.prob_alive(summary)

Thin: fitting and every prediction are the C library's; numpy arrays pass
zero-copy, results are numpy arrays (pandas Series when the input was a
DataFrame).
"""
from __future__ import annotations

import ctypes
from typing import Any, Dict, Mapping, Optional, Sequence, Union

from . import _ffi as ffi
from ._runtime import _np as np

if not hasattr(ffi, "patron_clv_fit"):  # pragma: no cover
    raise ImportError("this libpatron build has no clv module")
if np is None:  # pragma: no cover
    raise ImportError("patron.clv needs numpy")

try:
    import pandas as pd
except ImportError:  # pragma: no cover
    pd = None

__all__ = ["BetaGeo", "ModifiedBetaGeo", "ParetoNBD", "BetaGeoBetaBinom", "GammaGamma", "Model"]

_DPTR = ctypes.POINTER(ctypes.c_double)

#: An array-like of numbers (numpy array, pandas Series, list, buffer).
ArrayLike = Any
#: A summary table: a pandas DataFrame or a mapping with frequency/recency/T columns.
Table = Any


def _col(obj, names):
    for n in names:
        if n in obj:
            return obj[n]
    raise KeyError(f"none of the columns {names} is present")


class _Data:
    """patron_clv_data over caller arrays (kept alive with it)."""

    def __init__(self, frequency, recency=None, T=None, monetary=None, weights=None):
        self.index = None
        if recency is None and T is None and hasattr(frequency, "__getitem__") and not isinstance(
                frequency, np.ndarray) and not isinstance(frequency, (list, tuple)):
            table = frequency
            if pd is not None and isinstance(table, pd.DataFrame):
                self.index = table.index
            frequency = _col(table, ("frequency", "x"))
            recency = _col(table, ("recency", "t_x"))
            T = _col(table, ("T", "T_cal"))
            if monetary is None:
                for n in ("monetary_value", "monetary", "zbar", "m_x"):
                    if n in table:
                        monetary = table[n]
                        break
        if self.index is None and pd is not None and isinstance(frequency, pd.Series):
            self.index = frequency.index
        self.arrays = [self._arr(a) for a in (frequency, recency, T, monetary, weights)]
        n = len(self.arrays[0])
        for a in self.arrays[1:]:
            if a is not None and len(a) != n:
                raise ValueError("all columns must have the same length")
        d = ffi.patron_clv_data()
        d.n = n
        for name, a in zip(("frequency", "recency", "T", "monetary", "weights"), self.arrays):
            setattr(d, name, a.ctypes.data_as(_DPTR) if a is not None else None)
        self.c = d
        self.n = n

    @staticmethod
    def _arr(a):
        if a is None:
            return None
        if pd is not None and isinstance(a, (pd.Series, pd.Index)):
            a = a.to_numpy()
        return np.ascontiguousarray(a, dtype=np.float64)

    def wrap(self, out, name=None):
        if self.index is not None and pd is not None:
            return pd.Series(out, index=self.index, name=name)
        return out


class Model:
    """A fitted (or given) model. `params` maps the papers' parameter names to
    values; `result` is the patron_clv_fit_result of the fit."""
    model = None

    def __init__(self, penalizer: float = 0.0, gtol: Optional[float] = None, max_iter: Optional[int] = None,
                 n_starts: Optional[int] = None,
                 params: Optional[Union[Mapping[str, float], Sequence[float]]] = None,
                 threads: int = 0) -> None:
        # threads: for fits and batch predictions; 0 = all cores (the C
        # default is 1). Results are bit-identical for every value.
        self.options = ffi.PATRON_CLV_FIT_OPTIONS_INIT()
        self.options.penalizer = penalizer
        self.options.threads = threads
        self.predict_options = ffi.PATRON_CLV_PREDICT_OPTIONS_INIT()
        self.predict_options.threads = threads
        if gtol is not None:
            self.options.gtol = gtol
        if max_iter is not None:
            self.options.max_iter = max_iter
        if n_starts is not None:
            self.options.n_starts = n_starts
        self.result = None
        self._params = None
        if params is not None:
            self.set_params(params)

    # -- parameters ---------------------------------------------------------
    @classmethod
    def param_names(cls) -> list:
        return [ffi.patron_clv_param_name(cls.model, i) for i in range(ffi.patron_clv_param_count(cls.model))]

    def set_params(self, params: Union[Mapping[str, float], Sequence[float]]) -> "Model":
        p = ffi.patron_clv_params()
        p.model = self.model
        values = [params[n] for n in self.param_names()] if isinstance(params, dict) else list(params)
        for i, v in enumerate(values):
            p.p[i] = v
        self._params = p
        return self

    @property
    def params(self) -> Dict[str, float]:
        """{name: value} of the parameters (e.g. r, alpha, a, b)."""
        self._need()
        return {n: self._params.p[i] for i, n in enumerate(self.param_names())}

    @property
    def standard_errors(self) -> Dict[str, float]:
        self._need(fitted=True)
        return {n: self.result.se[i] for i, n in enumerate(self.param_names())}

    @property
    def log_likelihood(self) -> float:
        self._need(fitted=True)
        return self.result.log_likelihood

    def _need(self, fitted=False):
        if self._params is None or (fitted and self.result is None):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit()")

    def __repr__(self):
        if self._params is None:
            return f"<{type(self).__name__} (not fitted)>"
        ps = ", ".join(f"{k}={v:.6g}" for k, v in self.params.items())
        return f"<{type(self).__name__} {ps}>"

    # -- fitting ------------------------------------------------------------
    def fit(self, frequency: Union[ArrayLike, Table], recency: Optional[ArrayLike] = None,
            T: Optional[ArrayLike] = None, weights: Optional[ArrayLike] = None,
            monetary_value: Optional[ArrayLike] = None) -> "Model":
        """Maximum-likelihood fit on arrays (frequency, recency, T) or on a
        summary table (DataFrame / mapping with those columns). Returns self."""
        data = _Data(frequency, recency, T, monetary_value, weights)
        self.result = ffi.patron_clv_fit(self.model, data.c, self.options)
        self._params = self.result.params
        return self

    # -- predictions (transaction models) -------------------------------------
    def _per_customer(self, fn, table, recency, T, *extra, name=None, monetary=None):
        self._need()
        data = _Data(table, recency, T, monetary)
        out = np.empty(data.n, dtype=np.float64)
        fn(out, self._params, data.c, *extra)
        return data.wrap(out, name)

    def predict(self, t: float, frequency: Union[ArrayLike, Table], recency: Optional[ArrayLike] = None,
                T: Optional[ArrayLike] = None) -> Any:
        """Conditional expected number of purchases in the next `t` periods
        (lifetimes' conditional_expected_number_of_purchases_up_to_time)."""
        return self._per_customer(lambda out, p, d, h: ffi.patron_clv_predict_with(out, None, p, d, h,
                                                                                   self.predict_options),
                                  frequency, recency, T, float(t), name="predicted_purchases")

    conditional_expected_number_of_purchases_up_to_time = predict

    def prob_alive(self, frequency: Union[ArrayLike, Table], recency: Optional[ArrayLike] = None,
                   T: Optional[ArrayLike] = None) -> Any:
        """Probability each customer is alive at the end of observation."""
        return self._per_customer(lambda out, p, d: ffi.patron_clv_predict_with(None, out, p, d, 0.0,
                                                                                self.predict_options),
                                  frequency, recency, T, name="p_alive")

    conditional_probability_alive = prob_alive

    def expected_purchases_new(self, t: Union[float, ArrayLike]) -> Any:
        """E[X(t)] for a new customer at each horizon in `t`."""
        self._need()
        t = np.ascontiguousarray(np.atleast_1d(t), dtype=np.float64)
        out = np.empty(len(t), dtype=np.float64)
        ffi.patron_clv_expected_purchases_new(out, self._params, t, len(t))
        return out

    expected_number_of_purchases_up_to_time = expected_purchases_new

    def expected_cohort(self, birth: ArrayLike, horizons: ArrayLike, weights: Optional[ArrayLike] = None) -> Any:
        """Expected cumulative repeat purchases of a cohort (tracking curve)."""
        self._need()
        b = np.ascontiguousarray(birth, dtype=np.float64)
        h = np.ascontiguousarray(horizons, dtype=np.float64)
        w = None if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
        out = np.empty(len(h), dtype=np.float64)
        ffi.patron_clv_expected_cohort(out, self._params, b, w, len(b), h, len(h))
        return out

    def log_likelihood_rows(self, frequency, recency=None, T=None):
        return self._per_customer(ffi.patron_clv_log_likelihood, frequency, recency, T, name="ll")

    def lifetime_value(self, spend_model: Optional["GammaGamma"], frequency: Union[ArrayLike, Table],
                       recency: Optional[ArrayLike] = None, T: Optional[ArrayLike] = None,
                       monetary_value: Optional[ArrayLike] = None, months: int = 12, discount: float = 0.01,
                       periods_per_month: float = 30.0) -> Any:
        """Customer lifetime value over `months` with monthly `discount`
        (lifetimes' customer_lifetime_value), spend from a fitted GammaGamma
        (or None to use monetary_value as is)."""
        self._need()
        data = _Data(frequency, recency, T, monetary_value)
        out = np.empty(data.n, dtype=np.float64)
        spend = None if spend_model is None else spend_model._params
        ffi.patron_clv_lifetime_value_with(out, self._params, spend, data.c, int(months), float(discount),
                                           float(periods_per_month), self.predict_options)
        return data.wrap(out, "clv")


class BetaGeo(Model):
    """BG/NBD (Fader, Hardie & Lee 2005); lifetimes' BetaGeoFitter."""
    model = ffi.PATRON_CLV_BGNBD


class ModifiedBetaGeo(Model):
    """MBG/NBD (Batislam et al. 2007); lifetimes' ModifiedBetaGeoFitter."""
    model = ffi.PATRON_CLV_MBGNBD


class ParetoNBD(Model):
    """Pareto/NBD (Schmittlein et al. 1987); lifetimes' ParetoNBDFitter."""
    model = ffi.PATRON_CLV_PNBD

    def dert(self, frequency, recency=None, T=None, discount=0.01):
        return self._per_customer(ffi.patron_clv_dert, frequency, recency, T, float(discount), name="dert")


class BetaGeoBetaBinom(Model):
    """BG/BB for discrete opportunities (Fader, Hardie & Shang 2010)."""
    model = ffi.PATRON_CLV_BGBB

    def dert(self, frequency, recency=None, T=None, discount=0.1):
        return self._per_customer(ffi.patron_clv_dert, frequency, recency, T, float(discount), name="dert")


class GammaGamma(Model):
    """Gamma-Gamma spend model; lifetimes' GammaGammaFitter.
    fit(frequency, monetary_value) or fit(summary)."""
    model = ffi.PATRON_CLV_GG

    def fit(self, frequency: Union[ArrayLike, Table], monetary_value: Optional[ArrayLike] = None,
            weights: Optional[ArrayLike] = None) -> "GammaGamma":
        if monetary_value is None:
            data = _Data(frequency)
        else:
            f = _Data._arr(frequency)
            data = _Data(f, np.zeros_like(f), np.ones_like(f), monetary_value, weights)
        self.result = ffi.patron_clv_fit(self.model, data.c, self.options)
        self._params = self.result.params
        return self

    def expected_spend(self, frequency: Union[ArrayLike, Table], monetary_value: Optional[ArrayLike] = None) -> Any:
        """E[M | x, m] (lifetimes' conditional_expected_average_profit)."""
        self._need()
        if monetary_value is None:
            data = _Data(frequency)
        else:
            f = _Data._arr(frequency)
            data = _Data(f, np.zeros_like(f), np.ones_like(f), monetary_value)
        out = np.empty(data.n, dtype=np.float64)
        ffi.patron_clv_expected_spend(out, self._params, data.c)
        return data.wrap(out, "expected_spend")

    conditional_expected_average_profit = expected_spend
