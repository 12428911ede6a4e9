"""Notebook-style end-to-end flow on the CDNOW sample: transactions ->
summary (calibration/holdout) -> BG/NBD fit matching the published
parameters -> predictions -> an A/B test -> plots written to PNG files.
The same steps are shown in docs/guide/python.md."""
import math

import pytest

import patron
from conftest import SHARED

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
for mod in ("summary", "clv", "abtest"):
    if not hasattr(patron, mod):
        pytest.skip(f"the {mod} module is not in this libpatron build yet", allow_module_level=True)

SAMPLE = SHARED / "data" / "cdnow" / "CDNOW_sample.txt"
CLV_REF = SHARED / "reference" / "clv.json"


@pytest.fixture(scope="module")
def cal():
    if not SAMPLE.exists():
        pytest.skip(f"{SAMPLE} absent")
    tx = pd.read_csv(SAMPLE, sep=r"\s+", header=None, names=["master", "id", "date", "cds", "spent"])
    tx["date"] = pd.to_datetime(tx["date"].astype(str), format="%Y%m%d")
    s = patron.summary(tx, customer="id", time="date", amount="spent",
                       calibration_end="1997-09-30", observation_end="1998-06-30")
    # the papers work in weeks
    for c in ("recency", "T", "duration_holdout"):
        s[c + "_w"] = s[c] / 7.0
    return s


@pytest.fixture(scope="module")
def ref():
    import json
    return json.loads(CLV_REF.read_text())["cdnow_2357"]


@pytest.fixture(scope="module")
def bgnbd(cal):
    return patron.clv.BetaGeo().fit(cal["frequency"], cal["recency_w"], cal["T_w"])


def test_summary_counts(cal, ref):
    assert len(cal) == ref["counts"]["customers"]
    assert cal["frequency"].sum() == ref["counts"]["calib_repeat_txns"]
    assert (cal["frequency"] == 0).sum() == ref["counts"]["zero_repeaters"]
    assert cal["frequency_holdout"].sum() == ref["counts"]["holdout_repeat_txns"]


def test_bgnbd_fit_matches_published(bgnbd, ref):
    pub = ref["bgnbd"]["published"]
    exact = ref["bgnbd"]["reproduced_exact_cbs"]
    assert list(bgnbd.params) == ["r", "alpha", "a", "b"]
    for k in ("r", "alpha", "a", "b"):
        assert bgnbd.params[k] == pytest.approx(pub[k], abs=0.0015 * max(1, pub[k]))
        assert bgnbd.params[k] == pytest.approx(exact[k], rel=2e-4)
    assert bgnbd.log_likelihood == pytest.approx(exact["LL"], abs=1e-3)
    se = ref["bgnbd"]["se_at_mle"]
    for k in ("r", "alpha", "a", "b"):
        assert bgnbd.standard_errors[k] == pytest.approx(se[k], rel=1e-3)


def test_predictions(bgnbd, cal, ref):
    ce = bgnbd.predict(39, cal["frequency"], cal["recency_w"], cal["T_w"])
    assert isinstance(ce, pd.Series) and ce.index.equals(cal.index)
    checks = ref["bgnbd"]["holdout_checks_at_published"]
    assert ce.sum() == pytest.approx(checks["sum_CE_39"], rel=5e-3)
    zero = cal["frequency"] == 0
    assert ce[zero].mean() == pytest.approx(checks["zero_class_mean_CE"], abs=2e-3)
    assert np.corrcoef(ce, cal["frequency_holdout"])[0, 1] == pytest.approx(checks["corr_CE_xstar"], abs=5e-3)
    pa = bgnbd.prob_alive(cal["frequency"], cal["recency_w"], cal["T_w"])
    assert ((pa > 0) & (pa <= 1)).all()
    c1 = ref["bgnbd"]["customer_1"]
    one = bgnbd.predict(39, [c1["x"]], [c1["t_x"]], [c1["T"]])
    assert one[0] == pytest.approx(c1["CE_39"], rel=2e-3)
    # E[X(t)] of a new customer (Hardie's spreadsheet values, 4 decimals)
    ex = ref["bgnbd"]["E_X_t_at_published"]
    np.testing.assert_allclose(bgnbd.expected_purchases_new(ex["t"]), ex["value"], rtol=1e-3, atol=6e-5)
    # a model can also be built from given parameters
    m_pub = patron.clv.BetaGeo(params=bgnbd.params)
    assert m_pub.predict(39, [2], [30.43], [38.86])[0] == pytest.approx(one[0], rel=1e-3)


def test_ab_test_on_holdout_return(cal):
    # deterministic hash assignment of every customer to two arms
    arm = np.array([patron.abtest.assign("bg-nbd-demo", str(i), [1.0, 1.0], 2) for i in cal.index])
    returned = (cal["frequency_holdout"] > 0).to_numpy()
    x = [int(returned[arm == k].sum()) for k in (0, 1)]
    n = [int((arm == k).sum()) for k in (0, 1)]
    assert min(n) > 1000  # a fair split of 2357 customers
    r = patron.abtest.proportions(x[0], n[0], x[1], n[1], 0.05)
    # the pooled two-proportion z-test, written out
    p = (x[0] + x[1]) / (n[0] + n[1])
    z = (x[1] / n[1] - x[0] / n[0]) / math.sqrt(p * (1 - p) * (1 / n[0] + 1 / n[1]))
    assert r.pooled.statistic == pytest.approx(z, rel=1e-12)
    assert r.pooled.p_two_sided == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-9)
    assert r.pooled.significant == (r.pooled.p_two_sided <= 0.05)


def test_plots_to_png(bgnbd, cal, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from patron import plot
    ax = plot.frequency_recency_matrix(bgnbd, T=39, max_frequency=20, max_recency=39)
    out = tmp_path / "frequency_recency.png"
    ax.figure.savefig(out)
    plt.close(ax.figure)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000
    cols = {"frequency_cal": cal["frequency"], "recency_cal": cal["recency_w"], "T_cal": cal["T_w"],
            "frequency_holdout": cal["frequency_holdout"], "duration_holdout": cal["duration_holdout_w"]}
    ax = plot.calibration_vs_holdout(bgnbd, cols)
    ax.figure.savefig(tmp_path / "cal_holdout.png")
    plt.close(ax.figure)
    ax = plot.probability_alive_matrix(bgnbd, T=39, max_frequency=20, max_recency=39)
    ax.figure.savefig(tmp_path / "p_alive.png")
    plt.close(ax.figure)
    # Kaplan-Meier: time to first holdout purchase is not in the summary; use
    # recency as a survival time with censoring at T, split in two arms.
    t = cal["recency"].to_numpy()
    ev = (cal["frequency"] > 0).to_numpy().astype(np.intc)
    arm = (np.arange(len(t)) % 2).astype(np.intc)
    ax = plot.kaplan_meier(t, ev, arm)
    ax.figure.savefig(tmp_path / "km.png")
    plt.close(ax.figure)
    assert all((tmp_path / f).stat().st_size > 5000 for f in ("cal_holdout.png", "p_alive.png", "km.png"))
