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
        # scalar in, scalar out (lifetimes' predictions take and return floats)
        self.scalar = all(a is None or np.ndim(a) == 0 for a in (frequency, recency, T, monetary)) \
            and not hasattr(frequency, "columns") and not isinstance(frequency, Mapping)
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
        return np.ascontiguousarray(np.atleast_1d(a), dtype=np.float64)

    def frame(self, index=None):
        """The rows as lifetimes keeps them in `data` (frequency, recency, T,
        monetary_value when given, weights)."""
        names = ("frequency", "recency", "T", "monetary_value", "weights")
        cols = {n: a for n, a in zip(names, self.arrays) if a is not None}
        if "weights" not in cols:
            cols["weights"] = np.ones(self.n)
        if pd is None:
            return cols
        idx = index if index is not None else self.index
        return pd.DataFrame(cols, index=None if idx is None else pd.Index(idx))

    def wrap(self, out, name=None):
        if self.scalar:
            return float(out[0])
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
            monetary_value: Optional[ArrayLike] = None, index: Optional[ArrayLike] = None) -> "Model":
        """Maximum-likelihood fit on arrays (frequency, recency, T) or on a
        summary table (DataFrame / mapping with those columns). Returns self.
        The rows are kept in `data` (a DataFrame indexed by `index`, or by
        the input's index)."""
        data = _Data(frequency, recency, T, monetary_value, weights)
        self.result = ffi.patron_clv_fit(self.model, data.c, self.options)
        self._params = self.result.params
        self.data = data.frame(index)
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
        scalar = np.ndim(t) == 0
        index = t.index if pd is not None and isinstance(t, pd.Series) else None
        t = np.ascontiguousarray(np.atleast_1d(t), dtype=np.float64)
        out = np.empty(len(t), dtype=np.float64)
        ffi.patron_clv_expected_purchases_new(out, self._params, t, len(t))
        if scalar:
            return float(out[0])
        return out if index is None else pd.Series(out, index=index)

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

    # -- what a fit reports (lifetimes' params_, summary, save/load) ---------
    @property
    def params_(self) -> Any:
        """The parameters as a pandas Series (lifetimes' `params_`)."""
        p = self.params
        return pd.Series(p, dtype=np.float64) if pd is not None else p

    @property
    def standard_errors_(self) -> Any:
        se = self.standard_errors
        return pd.Series(se, dtype=np.float64) if pd is not None else se

    @property
    def variance_matrix_(self) -> Any:
        """Covariance of the estimates (from the observed information)."""
        self._need(fitted=True)
        k, names = self.result.n_params, self.param_names()
        m = np.array([[self.result.cov[i * ffi.PATRON_CLV_MAX_PARAMS + j] for j in range(k)] for i in range(k)])
        return pd.DataFrame(m, index=names, columns=names) if pd is not None else m

    def confidence_intervals(self, level: float = 0.95) -> Any:
        """Wald intervals estimate -/+ z se (patron_clv_param_intervals):
        a DataFrame with 'lower 95% bound' and 'upper 95% bound' columns."""
        self._need(fitted=True)
        k = self.result.n_params
        lo = np.empty(k)
        hi = np.empty(k)
        ffi.patron_clv_param_intervals(lo, hi, self.result, float(level))
        pct = f"{100 * level:g}%"
        cols = {f"lower {pct} bound": lo, f"upper {pct} bound": hi}
        if pd is None:
            return cols
        return pd.DataFrame(cols, index=self.param_names())

    confidence_intervals_ = property(confidence_intervals)

    @property
    def summary(self) -> Any:
        """lifetimes' summary table: coef, se(coef), lower and upper 95%
        bound of each parameter (bounds from the covariance,
        patron_clv_param_intervals)."""
        self._need(fitted=True)
        ci = self.confidence_intervals(0.95)
        names = self.param_names()
        df = pd.DataFrame({"coef": [self.params[n] for n in names],
                           "se(coef)": [self.standard_errors[n] for n in names]}, index=names)
        return df.join(ci)

    def to_json(self) -> str:
        """The model in the library's CLV parameters format
        (patron_clv_fit_to_json / patron_clv_params_to_json): the JSON that
        `patron clv fit --format json` prints and `patron clv predict
        --params` reads ({"model", "params", and for a fit "se",
        "covariance", "log_likelihood", ...})."""
        self._need()
        if self.result is not None:
            return ffi.patron_clv_fit_to_json(self.result)
        return ffi.patron_clv_params_to_json(self._params)

    def save_model(self, path: Any) -> None:
        """Write to_json() to `path` (lifetimes' save_model; no pickle)."""
        import os
        with open(os.fspath(path), "w", encoding="utf-8") as f:
            f.write(self.to_json())

    save = save_model

    def load_model(self, path: Any) -> "Model":
        """Read a parameters file (save_model's, or `patron clv fit --format
        json`'s) into this model; a file with standard errors and covariance
        restores the fit report (summary, standard_errors). The library reads
        and checks it (patron_clv_fit_from_json / patron_clv_params_from_json).
        Returns self."""
        import os
        with open(os.fspath(path), "rb") as f:
            text = f.read()
        return self._from_text(text, path)

    def _from_text(self, text: bytes, where: Any = "parameters") -> "Model":
        import json
        try:
            has_fit = isinstance(json.loads(text), dict) and "se" in json.loads(text)
        except ValueError:
            has_fit = False  # the library reports where the JSON is broken
        if has_fit:
            fit = ffi.patron_clv_fit_from_json(text, len(text))
            params = fit.params
        else:
            fit, params = None, ffi.patron_clv_params_from_json(text, len(text))
        if params.model != self.model:
            raise ValueError(f"{where}: parameters are for model "
                             f"{ffi.patron_clv_model_name(params.model)!r}, not "
                             f"{ffi.patron_clv_model_name(self.model)!r}")
        self._params = params
        self.result = fit
        return self

    @classmethod
    def load(cls, path: Any) -> "Model":
        """A new model from a parameters file (see load_model)."""
        return cls().load_model(path)

    # -- more predictions -----------------------------------------------------
    def probability_of_n_purchases_up_to_time(self, t: Union[float, ArrayLike], n: Union[int, ArrayLike]) -> Any:
        """P(X(t) = n) for a new customer (patron_clv_prob_purchases);
        `t` and `n` broadcast, scalars give a float."""
        self._need()
        scalar = np.ndim(t) == 0 and np.ndim(n) == 0
        tt, nn = np.broadcast_arrays(np.asarray(t, dtype=np.float64), np.asarray(n))
        tt = np.ascontiguousarray(tt.ravel(), dtype=np.float64)
        kk = np.ascontiguousarray(nn.ravel(), dtype=np.int64)
        out = np.empty(len(tt), dtype=np.float64)
        ffi.patron_clv_prob_purchases(out, self._params, tt, kk, len(tt))
        return float(out[0]) if scalar else out.reshape(np.shape(nn))

    def conditional_probability_of_n_purchases_up_to_time(self, n: int, t: float,
                                                          frequency: Union[ArrayLike, Table],
                                                          recency: Optional[ArrayLike] = None,
                                                          T: Optional[ArrayLike] = None) -> Any:
        """P(exactly `n` purchases in the next `t` periods | history)
        (patron_clv_prob_purchases_conditional; lifetimes' Pareto/NBD call,
        here for every transaction model)."""
        return self._per_customer(ffi.patron_clv_prob_purchases_conditional, frequency, recency, T, float(t),
                                  int(n), name="p_n")

    def _grid(self, max_frequency, max_recency):
        self._need()
        data = getattr(self, "data", None)
        if data is None and (max_frequency is None or max_recency is None):
            raise ValueError("give max_frequency and max_recency: the model has no fitted data")
        if max_frequency is None:
            max_frequency = int(np.max(data["frequency"]))
        if max_recency is None:
            max_recency = int(np.max(data["T"]))
        return int(max_frequency), int(max_recency)

    def _matrix(self, fn, max_frequency, max_recency, T=None):
        """fn(x, t_x, T) over the grid [t_x = 0..max_recency, x = 0..max_frequency]
        at age T (default max_recency); cells that cannot occur (t_x > T;
        x = 0 with t_x > 0 where the model's value would depend on t_x;
        for BG/BB x > t_x) are NaN."""
        mf, mr = self._grid(max_frequency, max_recency)
        T = float(mr if T is None else T)
        tx, x = np.meshgrid(np.arange(mr + 1, dtype=np.float64), np.arange(mf + 1, dtype=np.float64), indexing="ij")
        ok = tx <= T
        if self.model != ffi.PATRON_CLV_BGNBD:
            ok &= (x > 0) | (tx == 0)
        if self.model == ffi.PATRON_CLV_BGBB:
            ok &= x <= tx   # at most one transaction per opportunity
        z = np.full(x.shape, np.nan)
        z[ok] = np.asarray(fn(x[ok], tx[ok], np.full(int(ok.sum()), T)))
        return z

    def conditional_probability_alive_matrix(self, max_frequency: Optional[int] = None,
                                             max_recency: Optional[int] = None) -> Any:
        """P(alive) on the grid [t_x: recency 0..max_recency, x: frequency
        0..max_frequency] for customers of age max_recency (lifetimes' layout;
        defaults: the fitted data's largest frequency and T)."""
        return self._matrix(lambda x, tx, T: self.prob_alive(x, tx, T), max_frequency, max_recency)

    def expected_purchases_matrix(self, t: float = 1, max_frequency: Optional[int] = None,
                                  max_recency: Optional[int] = None) -> Any:
        """Expected purchases in the next `t` periods on the same grid."""
        return self._matrix(lambda x, tx, T: self.predict(t, x, tx, T), max_frequency, max_recency)

    def mixing(self, which: str = "purchase", x: Optional[ArrayLike] = None, points: int = 100,
               upper: float = 0.99) -> Dict[str, Any]:
        """The customers' heterogeneity: the mixing distribution of the
        purchase propensity (which="purchase": lambda or p) or of dropout
        (which="dropout": p, mu or theta). Returns {"x", "density", "mean",
        "variance", "upper"} with x from 0 to its `upper` quantile unless
        given (patron_clv_mixing_density / _moments)."""
        self._need()
        w = {"purchase": ffi.PATRON_CLV_MIX_PURCHASE, "dropout": ffi.PATRON_CLV_MIX_DROPOUT}[which]
        mean, var, q = ffi.patron_clv_mixing_moments(self._params, w, float(upper))
        xs = np.linspace(0, q, int(points)) if x is None else np.ascontiguousarray(x, dtype=np.float64)
        xs = np.ascontiguousarray(xs, dtype=np.float64)
        dens = np.empty(len(xs))
        ffi.patron_clv_mixing_density(dens, self._params, w, xs, len(xs))
        return {"x": xs, "density": dens, "mean": mean, "variance": var, "upper": q}

    def generate_new_data(self, size: int = 1, T: Optional[Union[float, ArrayLike]] = None, seed: int = 1,
                          cohort_periods: float = 0.0) -> Any:
        """Simulate `size` customers from the fitted parameters (patron_sim_run):
        a DataFrame of frequency, recency and T indexed by customer_id.

        `T` is one age for everybody (then births may spread uniformly over
        [0, cohort_periods)), or one age per customer; by default the
        fitted customers' ages, in order and repeated to `size`, as lifetimes
        simulates. Customers of equal age are simulated together, each group
        from its own seed derived from `seed`."""
        self._need()
        # the library's table of models: the simulation model, and the
        # parameters as the patron_sim_options fields of the same names
        sim_model = ffi.patron_clv_sim_model(self.model)
        if not sim_model:
            raise ValueError(f"{type(self).__name__} has no transaction process to simulate")
        fields = [ffi.patron_clv_param_name(self.model, i) for i in range(ffi.patron_clv_param_count(self.model))]
        size = int(size)
        if T is None:
            data = getattr(self, "data", None)
            if data is None:
                raise ValueError("give T: the model has no fitted data")
            ages = np.asarray(data["T"] if "T" in data else data["n_periods"], dtype=np.float64)
            w = np.asarray(data["weights"], dtype=np.float64)
            if np.all(w == np.round(w)) and np.any(w != 1):
                ages = np.repeat(ages, w.astype(np.int64))
            T = np.resize(ages, size)
        ages = np.broadcast_to(np.asarray(T, dtype=np.float64), (size,))
        names = ("frequency", "recency", "T")
        cols = {name: np.empty(size) for name in names}
        groups, inverse = np.unique(ages, return_inverse=True)
        for g, age in enumerate(groups):
            rows = np.flatnonzero(inverse == g)
            o = ffi.PATRON_SIM_OPTIONS_INIT()
            o.model = sim_model
            for field, v in zip(fields, self.params.values()):
                setattr(o, field, v)
            o.customers = len(rows)
            o.periods = float(age)
            o.cohort_periods = float(cohort_periods) if len(groups) == 1 else 0.0
            o.seed = (int(seed) * 1000003 + g) % 2 ** 64 if len(groups) > 1 else int(seed)
            o.customer_summary = 1
            with ffi.patron_sim_run(o) as sim:
                n = ffi.patron_sim_n_customers(sim)
                for name, fn in zip(names, (ffi.patron_sim_x, ffi.patron_sim_t_x, ffi.patron_sim_T)):
                    cols[name][rows] = np.ctypeslib.as_array((ctypes.c_double * n).from_address(fn(sim)))
        if pd is None:
            return cols
        return pd.DataFrame(cols, index=pd.RangeIndex(size, name="customer_id"))

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

    def prob_alive_ahead(self, m: int, frequency: Union[ArrayLike, Table], recency: Optional[ArrayLike] = None,
                         n: Optional[ArrayLike] = None) -> Any:
        """P(alive at opportunity n + m) (patron_clv_prob_alive_ahead);
        prob_alive is m = 1, lifetimes' usual call is m = 0."""
        return self._per_customer(ffi.patron_clv_prob_alive_ahead, frequency, recency, n, float(m),
                                  name="p_alive")

    def expected_number_of_transactions_in_first_n_periods(self, n: int) -> Any:
        """Expected number of the fitted customers with x = 0, 1, ...
        transactions in the first `n` opportunities: the customer count
        times P(X(n) = x) (lifetimes' in-sample check; a DataFrame with a
        'model' column indexed by the fitted data's frequencies)."""
        self._need()
        data = self.data
        counts = data.groupby("frequency")["weights"].sum()
        x = np.asarray(counts.index, dtype=np.int64)
        p = self.probability_of_n_purchases_up_to_time(np.full(len(x), float(n)), x)
        idx = pd.Index(counts.index, name="frequency")
        return pd.DataFrame({"model": p * counts.sum()}, index=idx)


class GammaGamma(Model):
    """Gamma-Gamma spend model; lifetimes' GammaGammaFitter.
    fit(frequency, monetary_value) or fit(summary)."""
    model = ffi.PATRON_CLV_GG

    def fit(self, frequency: Union[ArrayLike, Table], monetary_value: Optional[ArrayLike] = None,
            weights: Optional[ArrayLike] = None, index: Optional[ArrayLike] = None,
            q_constraint: bool = False) -> "GammaGamma":
        """Fit on (frequency, monetary_value) or a summary table. With
        `q_constraint` (lifetimes' option) the estimate must have q > 1, so
        that the population mean spend gamma p / (q - 1) exists: the
        unconstrained maximum satisfies it or the fit raises PatronError
        (PATRON_ECONVERGE), since the constrained maximum would then lie on
        the boundary q = 1 where no mean exists."""
        if monetary_value is None:
            data = _Data(frequency)
        else:
            f = _Data._arr(frequency)
            data = _Data(f, np.zeros_like(f), np.ones_like(f), monetary_value, weights)
            if pd is not None and isinstance(frequency, pd.Series):
                data.index = frequency.index
        result = ffi.patron_clv_fit(self.model, data.c, self.options)
        if q_constraint and not result.params.p[1] > 1:
            from ._runtime import PatronError
            raise PatronError(ffi.PATRON_ECONVERGE, f"Gamma-Gamma fit with q_constraint: the maximum-likelihood "
                              f"q is {result.params.p[1]:.6g} (<= 1), so the population mean spend does not exist")
        self.result = result
        self._params = self.result.params
        frame = data.frame(index)
        if pd is not None:
            frame = frame[["frequency", "monetary_value", "weights"]]
        self.data = frame
        return self

    def expected_spend(self, frequency: Union[ArrayLike, Table], monetary_value: Optional[ArrayLike] = None) -> Any:
        """E[M | x, m] (lifetimes' conditional_expected_average_profit)."""
        self._need()
        if monetary_value is None:
            data = _Data(frequency)
        else:
            f = _Data._arr(frequency)
            data = _Data(f, np.zeros_like(f), np.ones_like(f), monetary_value)
            data.scalar = np.ndim(frequency) == 0 and np.ndim(monetary_value) == 0
            if pd is not None and isinstance(frequency, pd.Series):
                data.index = frequency.index
        out = np.empty(data.n, dtype=np.float64)
        ffi.patron_clv_expected_spend(out, self._params, data.c)
        return data.wrap(out, "expected_spend")

    conditional_expected_average_profit = expected_spend

    #: time units per month of lifetimes' `freq` codes
    PERIODS_PER_MONTH = {"D": 30.0, "W": 4.345, "M": 1.0, "H": 30.0 * 24}

    def customer_lifetime_value(self, transaction_prediction_model: "Model", frequency: ArrayLike,
                                recency: ArrayLike, T: ArrayLike, monetary_value: ArrayLike, time: int = 12,
                                discount_rate: float = 0.01, freq: str = "D") -> Any:
        """lifetimes' GammaGammaFitter.customer_lifetime_value: value over
        `time` months at monthly `discount_rate`, the transaction model's
        time unit given by `freq` ("D" days, "W" weeks, "M" months, "H"
        hours) (patron_clv_lifetime_value)."""
        if freq not in self.PERIODS_PER_MONTH:
            raise ValueError(f"freq must be one of {sorted(self.PERIODS_PER_MONTH)}, not {freq!r}")
        return transaction_prediction_model.lifetime_value(self, frequency, recency, T, monetary_value,
                                                           months=int(time), discount=float(discount_rate),
                                                           periods_per_month=self.PERIODS_PER_MONTH[freq])
