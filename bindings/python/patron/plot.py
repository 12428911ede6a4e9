"""The plots analysts expect from lifetimes-style notebooks, drawn with
matplotlib (imported on first use). Every number comes from the C library
(patron.clv / patron.abtest); these functions only lay out grids and draw.
Each returns the matplotlib Axes."""
from ._runtime import _np as np

__all__ = ["frequency_recency_matrix", "probability_alive_matrix", "calibration_vs_holdout",
           "cumulative_transactions", "kaplan_meier"]


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline") \
            and not _has_display():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt.figure(figsize=(7, 5)).add_subplot(1, 1, 1)


def _has_display():
    import os
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _grid(max_frequency, max_recency):
    f = np.arange(max_frequency + 1, dtype=np.float64)
    r = np.arange(max_recency + 1, dtype=np.float64)
    ff, rr = np.meshgrid(f, r, indexing="ij")
    return ff, rr


def _matrix(values, title, xlabel, ylabel, ax, cmap):
    ax = _axes(ax)
    im = ax.imshow(values, aspect="auto", origin="upper", cmap=cmap, interpolation="nearest")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.figure.colorbar(im, ax=ax)
    return ax


def frequency_recency_matrix(model, T=None, max_frequency=None, max_recency=None, t=1,
                             summary=None, ax=None, cmap="viridis"):
    """Heat-map of expected purchases in the next `t` periods for a customer
    with each (frequency, recency), observed for `T` periods (default: the
    largest recency). Limits default to the maxima of `summary`."""
    if summary is not None:
        max_frequency = int(max_frequency or np.max(summary["frequency"]))
        max_recency = int(max_recency or np.max(summary["T"]))
    T = float(T if T is not None else max_recency)
    ff, rr = _grid(int(max_frequency), int(max_recency))
    valid = (rr <= T) & ((ff > 0) | (rr == 0))
    x, r = ff[valid], rr[valid]
    z = np.full(ff.shape, np.nan)
    z[valid] = np.asarray(model.predict(t, x, r, np.full(len(x), T)))
    return _matrix(z, f"Expected purchases in {t} period(s) by frequency and recency",
                   "customer's recency (periods from first to last purchase)",
                   "customer's historical frequency", ax, cmap)


def probability_alive_matrix(model, T=None, max_frequency=None, max_recency=None, summary=None,
                             ax=None, cmap="viridis"):
    """Heat-map of P(alive) by frequency and recency (at age `T`)."""
    if summary is not None:
        max_frequency = int(max_frequency or np.max(summary["frequency"]))
        max_recency = int(max_recency or np.max(summary["T"]))
    T = float(T if T is not None else max_recency)
    ff, rr = _grid(int(max_frequency), int(max_recency))
    valid = (rr <= T) & ((ff > 0) | (rr == 0))
    x, r = ff[valid], rr[valid]
    z = np.full(ff.shape, np.nan)
    z[valid] = np.asarray(model.prob_alive(x, r, np.full(len(x), T)))
    return _matrix(z, "Probability customer is alive, by frequency and recency",
                   "customer's recency", "customer's historical frequency", ax, cmap)


def calibration_vs_holdout(model, cal_holdout, n=7, duration=None, ax=None,
                           frequency="frequency_cal", recency="recency_cal", T="T_cal",
                           holdout="frequency_holdout", duration_col="duration_holdout"):
    """Mean actual vs predicted holdout purchases, grouped by calibration
    frequency 0..n (the papers' Figure 3)."""
    f = np.asarray(cal_holdout[frequency], dtype=np.float64)
    r = np.asarray(cal_holdout[recency], dtype=np.float64)
    t = np.asarray(cal_holdout[T], dtype=np.float64)
    h = np.asarray(cal_holdout[holdout], dtype=np.float64)
    d = float(duration if duration is not None else np.max(np.asarray(cal_holdout[duration_col])))
    pred = np.asarray(model.predict(d, f, r, t))
    groups = np.minimum(f, n).astype(int)
    ks = np.arange(n + 1)
    actual = [h[groups == k].mean() if np.any(groups == k) else np.nan for k in ks]
    model_ = [pred[groups == k].mean() if np.any(groups == k) else np.nan for k in ks]
    ax = _axes(ax)
    ax.plot(ks, actual, "o-", label="actual")
    ax.plot(ks, model_, "s--", label="model")
    ax.set_xticks(ks)
    ax.set_xticklabels([str(k) for k in ks[:-1]] + [f"{n}+"])
    ax.set_xlabel("purchases in calibration period")
    ax.set_ylabel("average purchases in holdout period")
    ax.set_title("Actual vs predicted purchases in the holdout period")
    ax.legend()
    return ax


def cumulative_transactions(model, birth, horizons, actual=None, weights=None, calibration_end=None,
                            ax=None):
    """Tracking plot: expected cumulative repeat purchases of the cohort
    (patron_clv_expected_cohort) against the `actual` cumulative counts."""
    h = np.asarray(horizons, dtype=np.float64)
    expected = model.expected_cohort(birth, h, weights)
    ax = _axes(ax)
    if actual is not None:
        ax.plot(h, actual, "-", label="actual")
    ax.plot(h, expected, "--", label="model")
    if calibration_end is not None:
        ax.axvline(calibration_end, color="grey", linestyle=":", label="end of calibration")
    ax.set_xlabel("time")
    ax.set_ylabel("cumulative repeat transactions")
    ax.set_title("Tracking cumulative transactions")
    ax.legend()
    return ax


def kaplan_meier(time, event, arm, at=None, labels=("A", "B"), ax=None):
    """Kaplan-Meier survival curves of both arms (patron_abtest_km), as steps."""
    from . import abtest
    from . import _ffi as ffi
    time = np.ascontiguousarray(time, dtype=np.float64)
    event = np.ascontiguousarray(event, dtype=np.intc)
    arm = np.ascontiguousarray(arm, dtype=np.intc)
    at = np.unique(np.concatenate([[0.0], time])) if at is None else np.ascontiguousarray(at, dtype=np.float64)
    ax = _axes(ax)
    for k in (0, 1):
        surv = np.empty(len(at))
        se = np.empty(len(at))
        ffi.patron_abtest_km(surv, se, time, event, arm, len(time), k, at, len(at))
        ax.step(at, surv, where="post", label=labels[k])
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("time")
    ax.set_ylabel("survival S(t)")
    ax.set_title("Kaplan-Meier curves")
    ax.legend()
    del abtest
    return ax
