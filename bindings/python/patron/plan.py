"""The program projection (patron_plan_*): members, purchases, revenue,
points, liability, cost and ROI per year with pessimistic (p10), realistic
(p50) and optimistic (p90) scenarios drawn from the CLV fits' uncertainty,
and a campaign's budget and ROI. The formulas are in docs/guide/plan.md.

    >>> bg = patron.clv.BetaGeo().fit(summary)
    >>> gg = patron.clv.GammaGamma().fit(summary[summary.frequency > 0])
    >>> table = patron.plan.project(bg, gg, summary, acquisitions=[500] * 60,
    ...                             periods_per_year=365.25, years=5)
    >>> patron.plan.plot_plan(table, "revenue")

Thin: every number is the C library's; this module only builds the inputs
and lays the result out as a pandas DataFrame (one row per year and metric:
year, metric, estimate, p10, p50, p90)."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from . import _ffi as ffi
from ._runtime import _np as np

if not hasattr(ffi, "patron_plan_project"):  # pragma: no cover
    raise ImportError("this libpatron build has no plan module")
if np is None:  # pragma: no cover
    raise ImportError("patron.plan needs numpy")

try:
    import pandas as pd
except ImportError:  # pragma: no cover
    pd = None

__all__ = ["project", "project_db", "to_frame", "campaign", "plot_plan", "read_plan", "METRICS"]

#: The metrics in their C order (patron_plan_metric_name()).
METRICS: List[str] = [str(ffi.patron_plan_metric_name(i)) for i in range(ffi.PATRON_PLAN_N_METRICS)]
_STATS = ("estimate", "p10", "p50", "p90")


def _options(opts: Mapping[str, Any]) -> Any:
    o = ffi.PATRON_PLAN_OPTIONS_INIT()
    for k, v in opts.items():
        if k == "size" or not hasattr(o, k):
            raise TypeError(f"unknown plan option {k!r}")
        setattr(o, k, v)
    return o


def _acquisitions(acquisitions: Optional[Sequence[int]]) -> Any:
    a = np.ascontiguousarray(np.asarray(acquisitions if acquisitions is not None else [], dtype=np.int64))
    if a.ndim != 1:
        raise ValueError("acquisitions must be one number per month")
    return a


def _fit(model: Any) -> Any:
    result = getattr(model, "result", None)
    if result is None:
        raise ValueError(f"{model!r} has no fit with a covariance: fit it first")
    return result


def read_plan(text: str) -> "tuple[Dict[str, Any], List[int]]":
    """A plan file (patron_plan_inputs_from_json(): the options by name and
    `acquisitions`) as (options, acquisitions) for project(**options,
    acquisitions=...)."""
    o = ffi.PATRON_PLAN_OPTIONS_INIT()
    buf = np.zeros(ffi.PATRON_PLAN_MAX_YEARS * 12, dtype=np.int64)
    raw = text.encode()
    n = ffi.patron_plan_inputs_from_json(o, buf, len(buf), raw, len(raw))
    names = [f[0] for f in type(o)._fields_ if f[0] != "size"]
    return {k: getattr(o, k) for k in names}, [int(v) for v in buf[:n]]


def to_frame(plan: Any) -> Any:
    """One row per year and metric (year, metric, estimate, p10, p50, p90) of
    a projection handle (patron.Plan); a dict of lists without pandas."""
    rows: Dict[str, list] = {"year": [], "metric": []}
    for s in _STATS:
        rows[s] = []
    for y in range(1, ffi.patron_plan_years(plan) + 1):
        for m, name in enumerate(METRICS):
            rows["year"].append(y)
            rows["metric"].append(name)
            for k, key in enumerate(_STATS):
                rows[key].append(ffi.patron_plan_value(plan, y, m, k))
    if pd is None:  # pragma: no cover
        return rows
    df = pd.DataFrame(rows)
    df.attrs["draws"] = ffi.patron_plan_draws(plan)
    df.attrs["redraws"] = ffi.patron_plan_redraws(plan)
    return df


def project(transactions: Any, spend: Any, members: Any = None,
            acquisitions: Optional[Sequence[int]] = None, **options: Any) -> Any:
    """Project the program (patron_plan_project()). `transactions` is a
    fitted patron.clv.BetaGeo, ModifiedBetaGeo or ParetoNBD, `spend` a fitted
    patron.clv.GammaGamma (their covariances drive the scenarios);
    `members` the existing members' summary (DataFrame or mapping with
    frequency, recency, T, monetary_value; None for none) in the fits' time
    unit; `acquisitions` new members per month. `options` are the fields of
    patron_plan_options (years, draws, seed, periods_per_year, earn_rate,
    redeem_share, redeem_months, expiry_months, cost_per_point, fixed_cost,
    incremental_share, margin, discount_rate). Returns to_frame() of the
    projection; with `handle=True` the patron.Plan handle instead."""
    from .clv import _Data
    handle = bool(options.pop("handle", False))
    o = _options(options)
    if members is None:
        data = _Data(np.zeros(0), np.zeros(0), np.zeros(0), None)
    else:
        data = _Data(members)
    acq = _acquisitions(acquisitions)
    plan = ffi.patron_plan_project(_fit(transactions), _fit(spend), data.c, acq, len(acq), o)
    return plan if handle else to_frame(plan)


def project_db(db: Any, as_of: int, acquisitions: Optional[Sequence[int]] = None, **options: Any) -> Any:
    """Project a store's program (patron_plan_from_db()): its members as of
    `as_of` (UTC seconds), the CLV fit patron_scores_refresh() stored (the
    latest as of `as_of` or earlier with a spend fit) or, when none is stored
    or with `refit=1`, BG/NBD and Gamma-Gamma fitted to them, the ledger
    policy's expiry unless `expiry_months` is given. Options as project();
    with `handle=True`, `Plan.fit_id()` names the stored fit used (0 when
    fitted now)."""
    handle = bool(options.pop("handle", False))
    o = _options(options)
    acq = _acquisitions(acquisitions)
    plan = ffi.patron_plan_from_db(db, int(as_of), acq, len(acq), o)
    return plan if handle else to_frame(plan)


def campaign(plan: Any, **fields: Any) -> Dict[str, Any]:
    """Budget a campaign against a projection handle (project(...,
    handle=True)): fields of patron_plan_campaign (year, target_share,
    points, fixed_cost, lift, lift_se). Returns {"budget": …,
    "incremental_revenue": {estimate, p10, p50, p90}, "incremental_profit":
    {…}, "roi": {…}}."""
    c = ffi.PATRON_PLAN_CAMPAIGN_INIT()
    for k, v in fields.items():
        if k == "size" or not hasattr(c, k):
            raise TypeError(f"unknown campaign field {k!r}")
        setattr(c, k, v)
    r = ffi.patron_plan_campaign_project(plan, c)
    out: Dict[str, Any] = {"budget": r.budget}
    for key in ("incremental_revenue", "incremental_profit", "roi"):
        arr = getattr(r, key)
        out[key] = {s: arr[i] for i, s in enumerate(_STATS)}
    return out


def plot_plan(table: Any, metric: str = "revenue", ax: Any = None, title: Optional[str] = None,
              xlabel: Optional[str] = None, ylabel: Optional[str] = None) -> Any:
    """Draw the three scenarios of one metric of a projection table (to_frame()
    or project()) by year: the realistic line (p50), the band between the
    pessimistic (p10) and optimistic (p90) values, and the estimate dashed.
    Returns the matplotlib Axes."""
    from .plot import _axes, _labels
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; one of {', '.join(METRICS)}")
    rows = table[table["metric"] == metric] if pd is not None and isinstance(table, pd.DataFrame) else None
    if rows is None:
        raise TypeError("plot_plan takes the DataFrame project() returns")
    ax = _axes(ax)
    years = rows["year"].to_numpy()
    ax.fill_between(years, rows["p10"].to_numpy(), rows["p90"].to_numpy(), alpha=0.25,
                    label="pessimistic (p10) to optimistic (p90)")
    ax.plot(years, rows["p10"].to_numpy(), color="tab:red", linewidth=1, label="pessimistic (p10)")
    ax.plot(years, rows["p50"].to_numpy(), color="tab:blue", linewidth=2, label="realistic (p50)")
    ax.plot(years, rows["p90"].to_numpy(), color="tab:green", linewidth=1, label="optimistic (p90)")
    ax.plot(years, rows["estimate"].to_numpy(), color="black", linestyle="--", linewidth=1, label="at the estimates")
    ax.set_xticks(years)
    ax.set_xlabel("year")
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title(f"{metric.replace('_', ' ')}: three scenarios")
    ax.legend()
    return _labels(ax, title, xlabel, ylabel)
