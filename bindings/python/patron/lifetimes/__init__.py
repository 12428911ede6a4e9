"""lifetimes' names and signatures over patron's CLV models, so that a
notebook written for lifetimes (0.11) runs after changing its imports:

    from patron.lifetimes import BetaGeoFitter, GammaGammaFitter
    from patron.lifetimes.utils import summary_data_from_transaction_data
    from patron.lifetimes.plotting import plot_frequency_recency_matrix

Thin: the fitters are patron.clv's classes under lifetimes' names; fitting
and every prediction are the C library's. Same column names and pandas
types in and out: `params_` is a Series, `summary` a DataFrame (coef,
se(coef), lower/upper 95% bound), `data` the fitted rows, predictions
Series for Series input and floats for scalars.

Differences, by design:
- `initial_params`, `verbose`, `tol` and optimiser keyword arguments are
  accepted and ignored: patron's optimiser picks its own starting points
  and converges to a gradient norm of 1e-9 (see the CLV guide).
- `save_model` writes the library's parameters JSON (what `patron clv fit
  --format json` prints), not a dill pickle; it holds no data rows.
- Confidence bounds use z = 1.959964 rather than lifetimes' 1.96.
- `plot_period_transactions` compares with the model's expected counts
  rather than one simulated sample.
- A fit that does not converge raises ConvergenceError (also a
  patron.PatronError) instead of printing the optimiser's output.
- GammaGammaFitter.fit(q_constraint=True) raises ConvergenceError when the
  maximum-likelihood q is not above 1 (the constrained maximum would sit on
  the boundary q = 1, where the mean spend does not exist) instead of
  returning q close to 1.
- generate_new_data returns frequency, recency and T (n_periods for BG/BB),
  without lifetimes' latent lambda, p and alive columns.
- `conditional_probability_of_n_purchases_up_to_time` exists for every
  transaction model, not only Pareto/NBD.
"""
from typing import Any

from .. import clv as _clv
from .. import _ffi as _ffi
from .._runtime import PatronError
from .._runtime import _np as np

try:
    import pandas as pd
except ImportError:  # pragma: no cover
    pd = None

__version__ = "0.11.3"  # the lifetimes API this layer follows
__all__ = ["BetaGeoFitter", "ModifiedBetaGeoFitter", "ParetoNBDFitter", "BetaGeoBetaBinomFitter",
           "GammaGammaFitter", "ConvergenceError", "BaseFitter"]


class ConvergenceError(PatronError, ValueError):
    """lifetimes.utils.ConvergenceError: the fit did not converge
    (PATRON_ECONVERGE; the reason is in `message`)."""


def _converging(fit):
    try:
        return fit()
    except PatronError as e:
        if e.status == _ffi.PATRON_ECONVERGE:
            raise ConvergenceError(e.status, e.message) from None
        raise


class BaseFitter:
    """What every lifetimes fitter has: penalizer_coef, params_, summary,
    standard_errors_, variance_matrix_, confidence_intervals_, data,
    save_model/load_model and lifetimes' repr."""

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        super().__init__(penalizer=penalizer_coef)
        self.penalizer_coef = penalizer_coef

    def __repr__(self) -> str:
        name = type(self).__name__
        if self._params is None:
            return f"<lifetimes.{name}>"
        data = getattr(self, "data", None)
        subj = f" fitted with {len(data):d} subjects," if data is not None else ""
        ps = ", ".join(f"{k}: {v:.2f}" for k, v in sorted(self.params_.items()))
        return f"<lifetimes.{name}:{subj} {ps}>"

    def _unload_params(self, *names):
        if self._params is None:
            raise ValueError("Model has not been fit yet. Please call the .fit method first.")
        p = self.params_
        return [p[n] for n in names]

    def save_model(self, path, save_data=True, save_generate_data_method=True, values_to_save=None) -> None:
        """Write the parameters (and the fit's standard errors and
        covariance) in the library's parameters JSON; `save_data` and the
        other lifetimes options are accepted, but no data rows are saved."""
        _clv.Model.save_model(self, path)

    def load_model(self, path) -> None:
        """Read a file written by save_model (or `patron clv fit --format json`)."""
        _clv.Model.load_model(self, path)
        self.data = None


class _TransactionFitter(BaseFitter):
    def fit(self, frequency, recency, T, weights=None, initial_params=None, verbose=False, tol=1e-7,
            index=None, **kwargs):
        """Fit to the customers' (frequency, recency, T). Returns self."""
        return _converging(lambda: _clv.Model.fit(self, frequency, recency, T, weights=weights, index=index))

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
        return _clv.Model.predict(self, t, frequency, recency, T)

    predict = conditional_expected_number_of_purchases_up_to_time

    def conditional_probability_alive(self, frequency, recency, T):
        return _clv.Model.prob_alive(self, frequency, recency, T)

    def expected_number_of_purchases_up_to_time(self, t):
        return self.expected_purchases_new(t)

    def generate_new_data(self, size=1, T=None, seed=1):
        return _clv.Model.generate_new_data(self, size, T, seed)


class BetaGeoFitter(_TransactionFitter, _clv.BetaGeo):
    """lifetimes.BetaGeoFitter: the BG/NBD model (patron.clv.BetaGeo)."""


class ModifiedBetaGeoFitter(_TransactionFitter, _clv.ModifiedBetaGeo):
    """lifetimes.ModifiedBetaGeoFitter: the MBG/NBD model."""


class ParetoNBDFitter(_TransactionFitter, _clv.ParetoNBD):
    """lifetimes.ParetoNBDFitter: the Pareto/NBD model."""

    def fit(self, frequency, recency, T, weights=None, iterative_fitting=1, initial_params=None, verbose=False,
            tol=1e-4, index=None, fit_method="Nelder-Mead", maxiter=2000, **kwargs):
        return _TransactionFitter.fit(self, frequency, recency, T, weights=weights, index=index)


class BetaGeoBetaBinomFitter(BaseFitter, _clv.BetaGeoBetaBinom):
    """lifetimes.BetaGeoBetaBinomFitter: the BG/BB model for discrete
    opportunities; `n_periods` is the number of opportunities."""

    def fit(self, frequency, recency, n_periods, weights=None, initial_params=None, verbose=False, tol=1e-7,
            index=None, **kwargs):
        _converging(lambda: _clv.Model.fit(self, frequency, recency, n_periods, weights=weights, index=index))
        if pd is not None:
            self.data = self.data.rename(columns={"T": "n_periods"})
        return self

    def conditional_expected_number_of_purchases_up_to_time(self, m_periods_in_future, frequency, recency,
                                                            n_periods):
        return _clv.Model.predict(self, m_periods_in_future, frequency, recency, n_periods)

    def conditional_probability_alive(self, m_periods_in_future, frequency, recency, n_periods):
        """P(alive at opportunity n_periods + m_periods_in_future)."""
        return self.prob_alive_ahead(m_periods_in_future, frequency, recency, n_periods)

    def expected_number_of_purchases_up_to_time(self, n):
        return self.expected_purchases_new(n)

    def generate_new_data(self, size=1, T=None, seed=1):
        return _clv.Model.generate_new_data(self, size, T, seed).rename(columns={"T": "n_periods"})

    def _grid(self, max_frequency, max_recency):
        if max_recency is None:
            max_recency = int(np.max(self.data["n_periods"]))
        return _clv.Model._grid(self, max_frequency, max_recency)


class GammaGammaFitter(BaseFitter, _clv.GammaGamma):
    """lifetimes.GammaGammaFitter: the Gamma-Gamma spend model, with
    lifetimes' parameter names p, q, v (patron's gamma is lifetimes' v)."""

    _NAMES = {"gamma": "v"}

    @property
    def params_(self) -> Any:
        return _clv.Model.params_.fget(self).rename(index=self._NAMES)

    @property
    def standard_errors_(self) -> Any:
        return _clv.Model.standard_errors_.fget(self).rename(index=self._NAMES)

    @property
    def variance_matrix_(self) -> Any:
        return _clv.Model.variance_matrix_.fget(self).rename(index=self._NAMES, columns=self._NAMES)

    @property
    def confidence_intervals_(self) -> Any:
        return _clv.Model.confidence_intervals(self).rename(index=self._NAMES)

    @property
    def summary(self) -> Any:
        return _clv.Model.summary.fget(self).rename(index=self._NAMES)

    def fit(self, frequency, monetary_value, weights=None, initial_params=None, verbose=False, tol=1e-7,
            index=None, q_constraint=False, **kwargs):
        return _converging(lambda: _clv.GammaGamma.fit(self, frequency, monetary_value, weights=weights,
                                                       index=index, q_constraint=q_constraint))

    def conditional_expected_average_profit(self, frequency=None, monetary_value=None):
        """E[M | x, m]; without arguments, for the fitted data."""
        if frequency is None:
            frequency = self.data["frequency"]
        if monetary_value is None:
            monetary_value = self.data["monetary_value"]
        return self.expected_spend(frequency, monetary_value)
