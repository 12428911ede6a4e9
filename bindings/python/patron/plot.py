"""The plots analysts expect from lifetimes-style notebooks, drawn with
matplotlib (imported on first use). Every number comes from the C library
(patron.clv / patron.abtest / patron.summary); these functions only lay out
grids, group rows and draw.

Each function returns the matplotlib Axes it drew on (a new figure unless
`ax` is given), labels its axes with the time unit of the summary the model
was fitted on (`unit`, default "periods"; say "days" or "weeks"), labels its
colour bar, and takes `title`, `xlabel` and `ylabel` to override the
defaults. `patron.lifetimes.plotting` has the same plots under lifetimes'
names and signatures."""
from ._runtime import _np as np

__all__ = ["frequency_recency_matrix", "probability_alive_matrix", "calibration_vs_holdout",
           "cumulative_transactions", "incremental_transactions", "kaplan_meier", "period_transactions",
           "expected_repeat_purchases", "history_alive", "transaction_rate_heterogeneity",
           "dropout_rate_heterogeneity", "tracking_from_transactions"]


def _axes(ax, figsize=(7, 5)):
    if ax is not None:
        return ax
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline") \
            and not _has_display():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt.figure(figsize=figsize).add_subplot(1, 1, 1)


def _has_display():
    import os
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _unit(model, unit):
    return unit or getattr(model, "unit", None) or "periods"


def _labels(ax, title, xlabel, ylabel):
    if title is not None:
        ax.set_title(title)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    return ax


def _plural(t, unit):
    return unit[:-1] if t == 1 and unit.endswith("s") else unit


def _limits(model, summary, max_frequency, max_recency):
    """Grid limits: the arguments, else `summary`'s maxima, else the
    fitted data's (as lifetimes: largest frequency and largest T)."""
    src = summary if summary is not None else getattr(model, "data", None)
    if src is not None:
        fcol = "frequency" if "frequency" in src else "frequency_cal"
        tcol = "T" if "T" in src else "T_cal"
        if max_frequency is None:
            max_frequency = int(np.max(np.asarray(src[fcol])))
        if max_recency is None:
            max_recency = int(np.max(np.asarray(src[tcol])))
    if max_frequency is None or max_recency is None:
        raise ValueError("give max_frequency and max_recency (or a summary, or fit the model first)")
    return int(max_frequency), int(max_recency)


def _heatmap(values, ax, cmap, colorbar_label, unit, title, xlabel, ylabel, **imshow):
    """Rows are recency (0 at the top), columns frequency, as lifetimes
    draws them."""
    ax = _axes(ax, figsize=(7, 6))
    imshow.setdefault("interpolation", "none")
    im = ax.imshow(values, aspect="auto", origin="upper", cmap=cmap, **imshow)
    ax.set_xlabel(f"customer's historical frequency (repeat purchases)")
    ax.set_ylabel(f"customer's recency (age at last purchase, {unit})")
    bar = ax.figure.colorbar(im, ax=ax)
    bar.set_label(colorbar_label)
    return _labels(ax, title, xlabel, ylabel)


def frequency_recency_matrix(model, T=None, max_frequency=None, max_recency=None, t=1,
                             summary=None, ax=None, cmap="viridis", title=None, xlabel=None, ylabel=None,
                             unit=None, colorbar_label=None, **imshow):
    """Heat-map of the expected purchases in the next `t` periods of a
    customer with each (frequency, recency), of age `T` (default
    max_recency); columns are frequency 0..max_frequency, rows recency
    0..max_recency (lifetimes' plot_frequency_recency_matrix). Limits
    default to the maxima of `summary`, else of the model's fitted data.
    Cells that cannot occur (recency > T, and for models other than BG/NBD
    frequency 0 with recency > 0) are blank."""
    unit = _unit(model, unit)
    mf, mr = _limits(model, summary, max_frequency, max_recency)
    z = model._matrix(lambda x, tx, TT: model.predict(t, x, tx, TT), mf, mr, T)
    if title is None:
        title = f"Expected purchases in the next {t:g} {_plural(t, unit)},\nby frequency and recency of a customer"
    label = colorbar_label or f"expected purchases in the next {t:g} {_plural(t, unit)}"
    return _heatmap(z, ax, cmap, label, unit, title, xlabel, ylabel, **imshow)


def probability_alive_matrix(model, T=None, max_frequency=None, max_recency=None, summary=None,
                             ax=None, cmap="viridis", title=None, xlabel=None, ylabel=None, unit=None,
                             colorbar_label="P(alive)", **imshow):
    """Heat-map of P(alive) by frequency (columns) and recency (rows) at age
    `T` (default max_recency), as lifetimes' plot_probability_alive_matrix."""
    unit = _unit(model, unit)
    mf, mr = _limits(model, summary, max_frequency, max_recency)
    z = model._matrix(lambda x, tx, TT: model.prob_alive(x, tx, TT), mf, mr, T)
    if title is None:
        title = "Probability customer is alive,\nby frequency and recency of a customer"
    return _heatmap(z, ax, cmap, colorbar_label, unit, title, xlabel, ylabel, **imshow)


def _cal_column(table, given, names):
    if given is not None:
        return given
    for n in names:
        if n in table:
            return n
    raise KeyError(f"none of the columns {names} is present")


def calibration_vs_holdout(model, cal_holdout, n=7, duration=None, ax=None, frequency=None, recency=None,
                           T=None, holdout="frequency_holdout", duration_col="duration_holdout", title=None,
                           xlabel=None, ylabel=None, unit=None, labels=("actual", "model")):
    """Mean actual vs predicted holdout purchases, grouped by calibration
    frequency 0..n (the last group is n or more; the papers' Figure 3).

    `cal_holdout` is patron.summary(..., calibration_end=...) output
    (columns frequency, recency, T, frequency_holdout, duration_holdout) or
    lifetimes' calibration_and_holdout_data (frequency_cal, recency_cal,
    T_cal, ...); the column names are found either way. The model must be
    fitted in the same time unit as the table."""
    frequency = _cal_column(cal_holdout, frequency, ("frequency_cal", "frequency"))
    recency = _cal_column(cal_holdout, recency, ("recency_cal", "recency"))
    T = _cal_column(cal_holdout, T, ("T_cal", "T"))
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
    unit = _unit(model, unit)
    ax = _axes(ax)
    ax.plot(ks, actual, "o-", label=labels[0])
    ax.plot(ks, model_, "s--", label=labels[1])
    ax.set_xticks(ks)
    ax.set_xticklabels([str(k) for k in ks[:-1]] + [f"{n}+"])
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel(f"mean purchases in the holdout period ({d:g} {unit})")
    ax.set_title("Actual vs predicted purchases in the holdout period")
    ax.legend()
    return _labels(ax, title, xlabel, ylabel)


def cumulative_transactions(model, birth, horizons, actual=None, weights=None, calibration_end=None,
                            ax=None, title=None, xlabel=None, ylabel=None, unit=None, incremental=False,
                            labels=("actual", "model")):
    """Tracking plot: expected cumulative repeat purchases of the cohort
    (patron_clv_expected_cohort; `birth` = each customer's first purchase on
    the horizons' clock) against the `actual` cumulative counts. With
    `incremental`, the purchases in each period (differences of the
    cumulative curves) instead."""
    unit = _unit(model, unit)
    h = np.asarray(horizons, dtype=np.float64)
    expected = np.asarray(model.expected_cohort(birth, h, weights))
    act = None if actual is None else np.asarray(actual, dtype=np.float64)
    if incremental:
        expected = np.diff(expected, prepend=0.0)
        act = None if act is None else np.diff(act, prepend=0.0)
    ax = _axes(ax, figsize=(9, 5))
    if act is not None:
        ax.plot(h, act, "-", label=labels[0])
    ax.plot(h, expected, "--", label=labels[1])
    if calibration_end is not None:
        ax.axvline(calibration_end, color="grey", linestyle=":", label="end of calibration")
    ax.set_xlabel(f"time since the start of the data ({unit})")
    if incremental:
        ax.set_ylabel(f"repeat transactions per {_plural(1, unit)}")
        ax.set_title("Tracking repeat transactions per period")
    else:
        ax.set_ylabel("cumulative repeat transactions")
        ax.set_title("Tracking cumulative repeat transactions")
    ax.legend()
    return _labels(ax, title, xlabel, ylabel)


def incremental_transactions(model, birth, horizons, actual=None, **kwargs):
    """cumulative_transactions(..., incremental=True); `actual` is still the
    cumulative count."""
    return cumulative_transactions(model, birth, horizons, actual, incremental=True, **kwargs)


def tracking_from_transactions(transactions, customer, time, periods, freq="D", start=None):
    """Cohort and actual curve of a tracking plot from a transaction log,
    computed by patron_summarize: `birth` (each customer's first-purchase
    period counted from `start`, default the first purchase), the horizons
    1..periods, and the actual cumulative repeat purchases at the end of each
    period (the summed frequency of the summary observed then). Returns
    (birth, horizons, actual) as numpy arrays."""
    from . import _ffi as ffi
    from . import frame as fr
    period = {"D": (ffi.PATRON_PERIOD_DAY, 86400), "W": (ffi.PATRON_PERIOD_WEEK, 7 * 86400)}[freq]
    log, owned = _txlog_no_amount(transactions, customer, time)
    try:
        opts = ffi.PATRON_SUMMARY_OPTIONS_INIT()
        opts.period = period[0]
        secs = fr.to_seconds(transactions[time])
        t0 = int(np.min(secs)) if start is None else fr.scalar_seconds(start)
        horizons = np.arange(1, int(periods) + 1, dtype=np.float64)
        actual = np.empty(len(horizons))
        for i, hz in enumerate(horizons):
            opts.observation_end = t0 + int(hz - 1) * period[1]
            with ffi.patron_summarize(log, opts) as f:
                actual[i] = np.sum(fr.frame_columns(f)["frequency"])
        opts.observation_end = t0 + int(periods - 1) * period[1]
        with ffi.patron_summarize(log, opts) as f:
            T = fr.frame_columns(f)["T"]
        birth = (periods - 1) - np.asarray(T, dtype=np.float64)
        return birth, horizons, actual
    finally:
        if owned:
            log.close()


def _txlog_no_amount(transactions, customer, time):
    """A Txlog of (customer, time) rows with zero amounts."""
    from . import frame as fr
    cols = {customer: transactions[customer], time: transactions[time],
            "_zero": np.zeros(len(transactions[time]))}
    return fr.txlog_from(cols, customer, time, "_zero", 2)


def kaplan_meier(time, event, arm, at=None, labels=("A", "B"), ax=None, band=True, level=0.95, title=None,
                 xlabel=None, ylabel=None, unit="periods"):
    """Kaplan-Meier survival curves of both arms (patron_abtest_km), as
    steps, with pointwise Greenwood bands S -/+ z se(S) (clipped to [0, 1];
    `band=False` to leave them out; z the normal quantile of (1 + level)/2)."""
    from statistics import NormalDist
    from . import _ffi as ffi
    time = np.ascontiguousarray(time, dtype=np.float64)
    event = np.ascontiguousarray(event, dtype=np.intc)
    arm = np.ascontiguousarray(arm, dtype=np.intc)
    at = np.unique(np.concatenate([[0.0], time])) if at is None else np.ascontiguousarray(at, dtype=np.float64)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    ax = _axes(ax)
    for k in (0, 1):
        surv = np.empty(len(at))
        se = np.empty(len(at))
        ffi.patron_abtest_km(surv, se, time, event, arm, len(time), k, at, len(at))
        line, = ax.step(at, surv, where="post", label=labels[k])
        if band:
            ok = np.isfinite(se)
            lo = np.clip(np.where(ok, surv - z * se, surv), 0, 1)
            hi = np.clip(np.where(ok, surv + z * se, surv), 0, 1)
            ax.fill_between(at, lo, hi, step="post", alpha=0.25, color=line.get_color(),
                            label=f"{labels[k]} {100 * level:g}% band (Greenwood)")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("survival S(t)")
    ax.set_title("Kaplan-Meier curves")
    ax.legend()
    return _labels(ax, title, xlabel, ylabel)


def period_transactions(model, summary=None, max_frequency=7, ax=None, title=None, xlabel=None, ylabel=None,
                        labels=("actual", "model")):
    """Customers with 0, 1, ..., max_frequency - 1 repeat purchases: actual
    against the model's expectation, the sum over customers of P(X(T) = k)
    at each customer's own T (patron_clv_prob_purchases; lifetimes draws a
    simulation instead, which gives the same bars up to noise). `summary`
    defaults to the model's fitted data."""
    data = summary if summary is not None else model.data
    f = np.asarray(data["frequency"], dtype=np.float64)
    T = np.asarray(data["T"], dtype=np.float64)
    w = np.asarray(data["weights"], dtype=np.float64) if "weights" in data else np.ones(len(f))
    ks = np.arange(int(max_frequency))
    actual = np.array([w[f == k].sum() for k in ks])
    Tu, inv = np.unique(T, return_inverse=True)
    wT = np.bincount(inv, weights=w, minlength=len(Tu))
    tt = np.repeat(Tu, len(ks))
    kk = np.tile(ks, len(Tu))
    p = np.asarray(model.probability_of_n_purchases_up_to_time(tt, kk)).reshape(len(Tu), len(ks))
    expected = wT @ p
    ax = _axes(ax)
    width = 0.4
    ax.bar(ks - width / 2, actual, width, label=labels[0])
    ax.bar(ks + width / 2, expected, width, label=labels[1])
    ax.set_xticks(ks)
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("customers")
    ax.set_title("Frequency of repeat transactions")
    ax.legend()
    return _labels(ax, title, xlabel, ylabel)


def expected_repeat_purchases(model, max_T=None, ax=None, title=None, xlabel=None, ylabel=None, unit=None,
                              label=None, **plot):
    """E[X(t)] of a new customer (patron_clv_expected_purchases_new): solid
    up to the largest T of the fitted data (or `max_T`), dashed to 1.5 times
    it (lifetimes' plot_expected_repeat_purchases)."""
    unit = _unit(model, unit)
    if max_T is None:
        max_T = float(np.max(np.asarray(model.data["T"])))
    ax = _axes(ax)
    t1 = np.linspace(0, max_T, 100)
    line, = ax.plot(t1, model.expected_purchases_new(t1), label=label, **plot)
    t2 = np.linspace(max_T, 1.5 * max_T, 100)
    ax.plot(t2, model.expected_purchases_new(t2), ls="--", color=line.get_color(), **plot)
    ax.set_xlabel(f"time since first purchase ({unit})")
    ax.set_ylabel("expected repeat purchases per customer")
    ax.set_title("Expected number of repeat purchases per customer")
    if label is not None:
        ax.legend(loc="lower right")
    return _labels(ax, title, xlabel, ylabel)


def history_alive(model, t, transactions, time, freq="D", customer=None, start_date=None, ax=None, title=None,
                  xlabel=None, ylabel=None, **plot):
    """P(alive) of one customer, period by period from the first purchase
    for `t` periods, with the purchases as vertical lines (lifetimes'
    plot_history_alive). Each point is patron_summarize of the customer's
    transactions observed to that period, then model.prob_alive; the model
    must be fitted in `freq` units ("D" days, "W" weeks)."""
    import datetime as _dt
    from . import _ffi as ffi
    from . import frame as fr
    secs = fr.to_seconds(transactions[time])
    ids = np.zeros(len(secs), dtype=np.int64) if customer is None else transactions[customer]
    cols = {"c": ids, "t": secs, "a": np.zeros(len(secs))}
    period = {"D": (ffi.PATRON_PERIOD_DAY, 86400), "W": (ffi.PATRON_PERIOD_WEEK, 7 * 86400)}[freq]
    log, owned = fr.txlog_from(cols, "c", "t", "a", 2)
    x, tx, TT = (np.empty(int(t) + 1) for _ in range(3))
    first = int(np.min(secs))
    try:
        opts = ffi.PATRON_SUMMARY_OPTIONS_INIT()
        opts.period = period[0]
        for i in range(int(t) + 1):
            opts.observation_end = first + i * period[1]
            with ffi.patron_summarize(log, opts) as f:
                c = fr.frame_columns(f)
            x[i], tx[i], TT[i] = c["frequency"][0], c["recency"][0], c["T"][0]
    finally:
        if owned:
            log.close()
    path = np.asarray(model.prob_alive(x, tx, TT))
    epoch = _dt.datetime(1970, 1, 1)
    dates = [epoch + _dt.timedelta(seconds=first + i * period[1]) for i in range(int(t) + 1)]
    ax = _axes(ax, figsize=(9, 4))
    ax.plot(dates, path, "-", label="P(alive)", **plot)
    end = first + int(t) * period[1]
    buys = sorted(set(int(s) for s in secs if s <= end))
    ax.vlines([epoch + _dt.timedelta(seconds=s) for s in buys], 0, 1, colors="r", linestyles="dashed",
              label="purchases")
    ax.set_ylim(0, 1.02)
    left = first if start_date is None else fr.scalar_seconds(start_date)
    ax.set_xlim(epoch + _dt.timedelta(seconds=left), dates[-1])
    ax.set_xlabel("date")
    ax.set_ylabel("P(alive)")
    ax.set_title("History of P(alive)")
    ax.legend(loc="lower left")
    ax.figure.autofmt_xdate()
    return _labels(ax, title, xlabel, ylabel)


def _heterogeneity(model, which, ax, title, xlabel, ylabel, default_x, default_title, **plot):
    m = model.mixing(which)
    ax = _axes(ax)
    ax.plot(m["x"], m["density"], **plot)
    ax.set_xlabel(default_x)
    ax.set_ylabel("density")
    ax.set_title(f"{default_title}\nmean {m['mean']:.3f}, variance {m['variance']:.3f}")
    return _labels(ax, title, xlabel, ylabel)


def transaction_rate_heterogeneity(model, ax=None, title=None, xlabel=None, ylabel=None, unit=None, **plot):
    """Density of the customers' purchase propensity: lambda ~ Gamma(r,
    alpha) per period, or p ~ Beta(alpha, beta) for BG/BB, from 0 to its 99%
    quantile (patron_clv_mixing_density)."""
    unit = _unit(model, unit)
    from . import _ffi as ffi
    if model.model == ffi.PATRON_CLV_BGBB:
        xl = "purchase probability per opportunity p"
    else:
        xl = f"purchase rate lambda (per {_plural(1, unit)})"
    return _heterogeneity(model, "purchase", ax, title, xlabel, ylabel, xl, "Heterogeneity in transaction rate",
                          **plot)


def dropout_rate_heterogeneity(model, ax=None, title=None, xlabel=None, ylabel=None, unit=None, **plot):
    """Density of the customers' dropout: p ~ Beta(a, b) after each purchase
    (BG/NBD, MBG/NBD), mu ~ Gamma(s, beta) per period (Pareto/NBD), theta ~
    Beta(gamma, delta) per opportunity (BG/BB)."""
    unit = _unit(model, unit)
    from . import _ffi as ffi
    xl = {ffi.PATRON_CLV_PNBD: f"dropout rate mu (per {_plural(1, unit)})",
          ffi.PATRON_CLV_BGBB: "dropout probability per opportunity theta"}.get(
        model.model, "dropout probability after a purchase p")
    return _heterogeneity(model, "dropout", ax, title, xlabel, ylabel, xl, "Heterogeneity in dropout", **plot)
