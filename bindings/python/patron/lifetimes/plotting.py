"""lifetimes.plotting's functions, names, signatures and default labels,
drawn by patron.plot (numbers from the C library). Each returns the
matplotlib Axes. Colour bars are labelled; titles and labels are
arguments, as in lifetimes."""
from .. import plot as _plot
from .._runtime import _np as np
from . import utils as _utils


__all__ = ["plot_period_transactions", "plot_calibration_purchases_vs_holdout_purchases",
           "plot_frequency_recency_matrix", "plot_probability_alive_matrix", "plot_expected_repeat_purchases",
           "plot_history_alive", "plot_cumulative_transactions", "plot_incremental_transactions",
           "plot_transaction_rate_heterogeneity", "plot_dropout_rate_heterogeneity"]


def _data(model):
    d = model.data
    return d.rename(columns={"n_periods": "T"}) if "n_periods" in d else d


def plot_period_transactions(model, max_frequency=7, title="Frequency of Repeat Transactions",
                             xlabel="Number of Calibration Period Transactions", ylabel="Customers", **kwargs):
    """Customers by number of repeat transactions 0..max_frequency - 1:
    actual (the fitted data) and model (expected counts)."""
    labels = kwargs.pop("label", ["Actual", "Model"])
    return _plot.period_transactions(model, _data(model), max_frequency, ax=kwargs.pop("ax", None), title=title,
                                     xlabel=xlabel, ylabel=ylabel, labels=labels)


_KIND_LABELS = {
    "frequency_cal": "Purchases in calibration period",
    "recency_cal": "Age of customer at last purchase",
    "T_cal": "Age of customer at the end of calibration period",
    "time_since_last_purchase": "Time since user made last purchase",
}


def plot_calibration_purchases_vs_holdout_purchases(model, calibration_holdout_matrix, kind="frequency_cal", n=7,
                                                    **kwargs):
    """Mean holdout purchases, actual and predicted, for the first `n`
    values of `kind` (frequency_cal, recency_cal, T_cal or
    time_since_last_purchase), as lifetimes groups them."""
    s = calibration_holdout_matrix.copy()
    duration = s.iloc[0]["duration_holdout"]
    s["model_predictions"] = model.conditional_expected_number_of_purchases_up_to_time(
        duration, s["frequency_cal"], s["recency_cal"], s["T_cal"])
    if kind == "time_since_last_purchase":
        s["time_since_last_purchase"] = s["T_cal"] - s["recency_cal"]
    ax = s.groupby(kind)[["frequency_holdout", "model_predictions"]].mean().iloc[:n].plot(**kwargs)
    ax.set_title("Actual Purchases in Holdout Period vs Predicted Purchases")
    ax.set_xlabel(_KIND_LABELS[kind])
    ax.set_ylabel("Average of Purchases in Holdout Period")
    ax.legend()
    return ax


def plot_frequency_recency_matrix(model, T=1, max_frequency=None, max_recency=None, title=None,
                                  xlabel="Customer's Historical Frequency", ylabel="Customer's Recency", **kwargs):
    """Expected purchases in the next `T` time units by frequency (x axis)
    and recency (y axis) for customers of age max_recency."""
    if title is None:
        title = ("Expected Number of Future Purchases for {} Unit{} of Time,".format(T, "s"[T == 1:]) +
                 "\nby Frequency and Recency of a Customer")
    label = kwargs.pop("colorbar_label", "expected purchases in the next {} unit{} of time".format(T, "s"[T == 1:]))
    return _plot.frequency_recency_matrix(model, None, max_frequency, max_recency, t=T, summary=_data(model),
                                          title=title, xlabel=xlabel, ylabel=ylabel, colorbar_label=label, **kwargs)


def plot_probability_alive_matrix(model, max_frequency=None, max_recency=None,
                                  title="Probability Customer is Alive,\nby Frequency and Recency of a Customer",
                                  xlabel="Customer's Historical Frequency", ylabel="Customer's Recency", **kwargs):
    """P(alive) by frequency (x axis) and recency (y axis)."""
    return _plot.probability_alive_matrix(model, None, max_frequency, max_recency, summary=_data(model),
                                          title=title, xlabel=xlabel, ylabel=ylabel, **kwargs)


def plot_expected_repeat_purchases(model, title="Expected Number of Repeat Purchases per Customer",
                                   xlabel="Time Since First Purchase", ax=None, label=None, **kwargs):
    """E[X(t)] for t up to the largest T of the fitted data (solid) and on
    to 1.5 times it (dashed)."""
    max_T = float(np.max(np.asarray(_data(model)["T"])))
    return _plot.expected_repeat_purchases(model, max_T, ax=ax, title=title, xlabel=xlabel, label=label, **kwargs)


def plot_history_alive(model, t, transactions, datetime_col, freq="D", start_date=None, ax=None, **kwargs):
    """P(alive) of one customer over the `t` periods after the first
    purchase, with the purchases as dashed lines."""
    return _plot.history_alive(model, t, transactions, datetime_col, freq=freq, start_date=start_date, ax=ax,
                               title="History of P_alive", ylabel="P_alive", **kwargs)


def _tracking(model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format, freq,
              set_index_date, title, xlabel, ylabel, ax, incremental, kwargs):
    df = _utils.expected_cumulative_transactions(model, transactions, datetime_col, customer_id_col, t,
                                                 datetime_format=datetime_format, freq=freq,
                                                 set_index_date=set_index_date)
    if incremental:
        df = df.diff()
    if ax is None:
        ax = _plot._axes(None, figsize=(9, 5))
    ax = df.plot(ax=ax, title=title, **kwargs)
    if set_index_date:
        x_vline = df.index[int(t_cal)]
        xlabel = "date"
    else:
        x_vline = t_cal
    ax.axvline(x=x_vline, color="r", linestyle="--")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_cumulative_transactions(model, transactions, datetime_col, customer_id_col, t, t_cal,
                                 datetime_format=None, freq="D", set_index_date=False,
                                 title="Tracking Cumulative Transactions", xlabel="day",
                                 ylabel="Cumulative Transactions", ax=None, **kwargs):
    """Actual and predicted cumulative repeat transactions over the first
    `t` periods, a dashed line at the end of calibration `t_cal`."""
    return _tracking(model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format, freq,
                     set_index_date, title, xlabel, ylabel, ax, False, kwargs)


def plot_incremental_transactions(model, transactions, datetime_col, customer_id_col, t, t_cal,
                                  datetime_format=None, freq="D", set_index_date=False,
                                  title="Tracking Daily Transactions", xlabel="day", ylabel="Transactions", ax=None,
                                  **kwargs):
    """Actual and predicted repeat transactions in each period."""
    return _tracking(model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format, freq,
                     set_index_date, title, xlabel, ylabel, ax, True, kwargs)


def _heterogeneity(model, which, suptitle, xlabel, ylabel, suptitle_fontsize, kwargs):
    import matplotlib.pyplot as plt
    m = model.mixing(which)
    fig, ax = plt.subplots(1)
    fig.suptitle(suptitle, fontsize=suptitle_fontsize, fontweight="bold")
    ax.set_title("mean: {:.3f}, var: {:.3f}".format(m["mean"], m["variance"]))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout(rect=[0, 0.03, 1, 0.95])
    ax.plot(m["x"], m["density"], **kwargs)
    return ax


def plot_transaction_rate_heterogeneity(model, suptitle="Heterogeneity in Transaction Rate",
                                        xlabel="Transaction Rate", ylabel="Density", suptitle_fontsize=14, **kwargs):
    """Density of the purchase rate lambda ~ Gamma(r, alpha), 0 to its 99% quantile."""
    return _heterogeneity(model, "purchase", suptitle, xlabel, ylabel, suptitle_fontsize, kwargs)


def plot_dropout_rate_heterogeneity(model, suptitle="Heterogeneity in Dropout Probability",
                                    xlabel="Dropout Probability p", ylabel="Density", suptitle_fontsize=14, **kwargs):
    """Density of the dropout probability p ~ Beta(a, b), 0 to its 99% quantile."""
    return _heterogeneity(model, "dropout", suptitle, xlabel, ylabel, suptitle_fontsize, kwargs)
