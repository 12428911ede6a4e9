"""patron.plan: the projection as a DataFrame equals the C accessors, the
seed decides the draws, a campaign is budgeted, the store's projection
runs, bad input raises PatronError with the C message, and plot_plan draws
the three scenarios to a PNG with the Agg backend."""
import ctypes

import pytest

import patron

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")

if not hasattr(patron, "plan"):
    pytest.skip("the plan module is not in this build", allow_module_level=True)

from patron import ffi  # noqa: E402


@pytest.fixture(scope="module")
def summary():
    """2,000 customers at CDNOW's BG/NBD and Gamma-Gamma estimates (weeks)."""
    o = ffi.PATRON_SIM_OPTIONS_INIT()
    o.model = ffi.PATRON_SIM_BGNBD
    o.r, o.alpha, o.a, o.b = 0.243, 4.414, 0.793, 2.426
    o.spend = ffi.PATRON_SIM_SPEND_GAMMA_GAMMA
    o.spend_p, o.spend_q, o.spend_gamma = 6.25, 3.74, 15.44
    o.customers = 2000
    o.periods = 78.0
    o.cohort_periods = 12.0
    o.seed = 4
    o.customer_summary = 1
    cols = {}
    with ffi.patron_sim_run(o) as sim:
        n = ffi.patron_sim_n_customers(sim)
        for name, fn in (("frequency", ffi.patron_sim_x), ("recency", ffi.patron_sim_t_x), ("T", ffi.patron_sim_T),
                         ("monetary_value", ffi.patron_sim_monetary)):
            cols[name] = np.ctypeslib.as_array((ctypes.c_double * n).from_address(fn(sim))).copy()
    df = pd.DataFrame(cols)
    df["monetary_value"] = np.where(df.frequency > 0, df.monetary_value * 100, 0.0)  # minor units
    return df


@pytest.fixture(scope="module")
def fits(summary):
    bg = patron.clv.BetaGeo().fit(summary)
    rep = summary[summary.frequency > 0]
    gg = patron.clv.GammaGamma().fit(rep["frequency"], rep["monetary_value"])
    return bg, gg


OPTS = dict(years=5, draws=40, seed=3, periods_per_year=52.0, expiry_months=24)


def test_table_is_the_c_projection(summary, fits):
    bg, gg = fits
    table = patron.plan.project(bg, gg, summary, acquisitions=[100] * 24, **OPTS)
    assert list(table.columns) == ["year", "metric", "estimate", "p10", "p50", "p90"]
    assert len(table) == 5 * len(patron.plan.METRICS)
    h = patron.plan.project(bg, gg, summary, acquisitions=[100] * 24, handle=True, **OPTS)
    for _, row in table.iterrows():
        m = patron.plan.METRICS.index(row.metric)
        for s, key in enumerate(("estimate", "p10", "p50", "p90")):
            want = ffi.patron_plan_value(h, int(row.year), m, s)
            assert (np.isnan(want) and np.isnan(row[key])) or row[key] == want
    members = table[table.metric == "members"].set_index("year")["estimate"]
    assert members[1] == 2000 + 1200 and members[5] == 2000 + 2400
    rev = table[table.metric == "revenue"]
    assert (rev.p10 <= rev.p50).all() and (rev.p50 <= rev.p90).all() and (rev.p10 < rev.p90).all()
    assert table.attrs["draws"] == 40


def test_seed_decides(summary, fits):
    bg, gg = fits
    a = patron.plan.project(bg, gg, summary, **OPTS)
    b = patron.plan.project(bg, gg, summary, **OPTS)
    c = patron.plan.project(bg, gg, summary, **{**OPTS, "seed": 4})
    pd.testing.assert_frame_equal(a, b)
    assert not a["p50"].equals(c["p50"])
    assert a["estimate"].equals(c["estimate"])


def test_campaign(summary, fits):
    bg, gg = fits
    h = patron.plan.project(bg, gg, summary, handle=True, **OPTS)
    r = patron.plan.campaign(h, year=2, target_share=0.3, points=20000, fixed_cost=1000, lift=0.04, lift_se=0.01)
    assert r["budget"] == 20000 * 1.0 + 1000
    rev2 = ffi.patron_plan_value(h, 2, ffi.PATRON_PLAN_REVENUE, ffi.PATRON_PLAN_ESTIMATE)
    assert r["incremental_revenue"]["estimate"] == pytest.approx(0.3 * rev2 * 0.04, rel=1e-12)
    assert r["roi"]["p10"] <= r["roi"]["p50"] <= r["roi"]["p90"]


def test_plan_file(summary, fits):
    bg, gg = fits
    opts, acq = patron.plan.read_plan('{"years": 3, "draws": 20, "seed": 3, "periods_per_year": 52, '
                                      '"expiry_months": 24, "acquisitions": [100, 50]}')
    assert opts["years"] == 3 and opts["earn_rate"] == 0.01 and acq == [100, 50]
    a = patron.plan.project(bg, gg, summary, acquisitions=acq, **opts)
    b = patron.plan.project(bg, gg, summary, acquisitions=[100, 50], years=3, draws=20, seed=3,
                            periods_per_year=52, expiry_months=24)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(patron.PatronError, match='unknown key "yeras"'):
        patron.plan.read_plan('{"yeras": 3}')


def test_bad_input_raises(summary, fits):
    bg, gg = fits
    with pytest.raises(patron.PatronError) as e:
        patron.plan.project(bg, gg, summary, acquisitions=[5, -1], **OPTS)
    assert "acquisitions month 2 is -1" in e.value.message
    with pytest.raises(patron.PatronError, match="years 0"):
        patron.plan.project(bg, gg, summary, **{**OPTS, "years": 0})
    with pytest.raises(TypeError):
        patron.plan.project(bg, gg, summary, colour="red")
    with pytest.raises(ValueError):
        patron.plan.project(patron.clv.BetaGeo(), gg, summary)


def test_store_projection(store_uri):
    """An empty store has nobody to fit: the C message says which call failed."""
    with patron.Db.open(store_uri) as db:
        with pytest.raises(patron.PatronError, match="patron_plan_from_db"):
            patron.plan.project_db(db, 1700000000, acquisitions=[10] * 12)


def test_plot_plan_renders(tmp_path, summary, fits):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib.axes import Axes
    bg, gg = fits
    table = patron.plan.project(bg, gg, summary, acquisitions=[100] * 24, **OPTS)
    ax = patron.plan.plot_plan(table, "revenue")
    assert isinstance(ax, Axes)
    labels = [line.get_label() for line in ax.get_lines()]
    assert "pessimistic (p10)" in labels and "realistic (p50)" in labels and "optimistic (p90)" in labels
    p50 = [line for line in ax.get_lines() if line.get_label() == "realistic (p50)"][0]
    assert list(p50.get_ydata()) == list(table[table.metric == "revenue"]["p50"])
    out = tmp_path / "plan.png"
    ax.figure.savefig(out)
    assert out.stat().st_size > 1000 and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError):
        patron.plan.plot_plan(table, "happiness")


def test_store_projection_uses_the_stored_fit(store_uri):
    """A fit stored by scores_refresh (Pareto/NBD) is what project_db projects
    from, named by Plan.fit_id(); refit=1 fits BG/NBD again."""
    import random
    T0, DAY = 1700000000, 86400
    rnd = random.Random(7)
    with patron.open(store_uri) as db:
        db.batch_begin()
        ids = [db.profile_add({"name": "M", "email": f"m{i}@example.com", "consent": "none"}, T0) for i in range(300)]
        k = 0
        for m in ids:
            t = T0 + rnd.randrange(60 * DAY)
            rate = rnd.gammavariate(0.8, 1 / 0.05)
            while t < T0 + 300 * DAY:
                lines = (ffi.patron_purchase_line * 1)()
                lines[0].amount = 500 + rnd.randrange(9000)
                db.earn_purchase({"key": f"o-{k}", "member_id": m, "at": t, "lines": lines, "n_lines": 1})
                k += 1
                if rnd.random() < 0.25:
                    break
                t += int(rnd.expovariate(max(rate / 30, 1e-3)) * DAY) + 1
        db.batch_commit()
        as_of = T0 + 200 * DAY
        res = db.scores_refresh({"as_of": as_of, "model": ffi.PATRON_CLV_PNBD})
        opts = dict(years=2, draws=10, seed=2, expiry_months=12)
        h = patron.plan.project_db(db, as_of, acquisitions=[5] * 12, handle=True, **opts)
        assert ffi.patron_plan_fit_id(h) == res.fit_id
        assert ffi.patron_plan_fit_as_of(h) == as_of
        assert ffi.patron_plan_model(h) == ffi.PATRON_CLV_PNBD
        again = patron.plan.project_db(db, as_of, acquisitions=[5] * 12, handle=True, refit=1, **opts)
        assert ffi.patron_plan_fit_id(again) == 0
        assert ffi.patron_plan_model(again) == ffi.PATRON_CLV_BGNBD
