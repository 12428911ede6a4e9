"""The native patron.clv classes' notebook calls: summary table with
intervals, save/load in the library's parameters format (shared with the
CLI), scalar in / scalar out, BG/NBD on x = 0 rows with t_x > 0, the
mixing distributions, and patron.summary's calibration output going
straight into patron.plot.calibration_vs_holdout."""
import json
import math
import os
import subprocess
from pathlib import Path

import pytest

import patron
from conftest import ROOT, SHARED

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
if not hasattr(patron, "clv"):
    pytest.skip("the clv module is not in this build", allow_module_level=True)

SUMMARY = SHARED / "data" / "cdnow" / "cdnow_customers_summary.csv"
CLI = Path(os.environ.get("PATRON_BUILD_DIR", ROOT / "build")) / "tools" / "patron" / "patron"


@pytest.fixture(scope="module")
def weeks():
    if not SUMMARY.exists():
        pytest.skip(f"{SUMMARY} absent")
    return pd.read_csv(SUMMARY, index_col=0)


@pytest.fixture(scope="module")
def bg(weeks):
    return patron.clv.BetaGeo().fit(weeks)


def test_summary_table_from_covariance(bg):
    s = bg.summary
    assert list(s.columns) == ["coef", "se(coef)", "lower 95% bound", "upper 95% bound"]
    cov = bg.variance_matrix_
    for k in bg.param_names():
        se = math.sqrt(cov.loc[k, k])
        assert s.loc[k, "se(coef)"] == pytest.approx(se, rel=1e-12)
        assert s.loc[k, "upper 95% bound"] - s.loc[k, "coef"] == pytest.approx(1.959963984540054 * se, rel=1e-12)
        assert s.loc[k, "coef"] - s.loc[k, "lower 95% bound"] == pytest.approx(1.959963984540054 * se, rel=1e-12)
    ci90 = bg.confidence_intervals(0.90)
    assert list(ci90.columns) == ["lower 90% bound", "upper 90% bound"]
    assert (ci90["upper 90% bound"] < s["upper 95% bound"]).all()
    with pytest.raises(RuntimeError):
        patron.clv.BetaGeo(params=bg.params).summary      # given parameters have no covariance


def test_save_load_round_trip_and_cli(bg, weeks, tmp_path):
    path = tmp_path / "bg.json"
    bg.save_model(path)
    back = patron.clv.BetaGeo.load(path)
    assert back.params == bg.params
    pd.testing.assert_frame_equal(back.summary, bg.summary)
    assert back.log_likelihood == bg.log_likelihood
    if not CLI.exists():
        pytest.skip("CLI not built")
    csv = tmp_path / "summary.csv"
    weeks.rename_axis("customer_id").to_csv(csv)
    # the CLI predicts from the file the binding wrote ...
    out = subprocess.run([str(CLI), "clv", "predict", "--model", "bgnbd", "--params", str(path), "--input", str(csv),
                          "--horizon", "39", "--format", "csv"], capture_output=True, text=True, check=True).stdout
    cli = pd.read_csv(pd.io.common.StringIO(out), index_col=0)
    np.testing.assert_allclose(cli["expected_purchases"], bg.predict(39, weeks), rtol=1e-12)
    # ... and the binding loads what `patron clv fit --format json` prints
    fit = subprocess.run([str(CLI), "clv", "fit", "--model", "bgnbd", "--input", str(csv), "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    (tmp_path / "cli.json").write_text(fit)
    m = patron.clv.BetaGeo.load(tmp_path / "cli.json")
    for k, v in bg.params.items():
        assert m.params[k] == pytest.approx(v, rel=1e-12)
    np.testing.assert_allclose(m.summary.to_numpy(), bg.summary.to_numpy(), rtol=1e-9)
    (tmp_path / "bad.json").write_text(json.dumps({"model": "bgnbd", "params": {"r": 1}}))
    # the library reads the file and names the member at fault
    with pytest.raises(patron.PatronError, match=r"params\.alpha is missing") as e:
        patron.clv.BetaGeo.load(tmp_path / "bad.json")
    assert e.value.code == "PATRON_EINVAL"
    # the binding writes exactly what the library writes (one format)
    assert bg.to_json() == patron.ffi.patron_clv_fit_to_json(bg.result)
    with pytest.raises(ValueError, match="not 'pnbd'"):
        patron.clv.ParetoNBD.load(path)


def test_scalars_arrays_series(bg, weeks):
    v = bg.predict(39, 2, 30.43, 38.86)
    assert isinstance(v, float)
    a = bg.predict(39, np.array([2.0]), np.array([30.43]), np.array([38.86]))
    assert isinstance(a, np.ndarray) and a[0] == v
    s = bg.prob_alive(weeks["frequency"], weeks["recency"], weeks["T"])
    assert isinstance(s, pd.Series) and s.index.equals(weeks.index)
    assert isinstance(bg.expected_purchases_new(10), float)
    e = bg.expected_purchases_new(pd.Series([1.0, 2.0], index=["a", "b"]))
    assert list(e.index) == ["a", "b"]
    p = bg.probability_of_n_purchases_up_to_time(39, np.arange(200))
    assert p.shape == (200,) and p.sum() == pytest.approx(1, abs=1e-9)
    assert (p * np.arange(200)).sum() == pytest.approx(bg.expected_purchases_new(39), rel=1e-9)


def test_bgnbd_zero_frequency_any_recency(bg):
    # BG/NBD's value at x = 0 does not depend on t_x: the grid cells lifetimes evaluates
    base = bg.predict(10, 0, 0, 30)
    assert [bg.predict(10, 0, tx, 30) for tx in (1, 15, 30)] == [base] * 3
    assert bg.prob_alive(0, 12, 30) == 1.0
    mbg = patron.clv.ModifiedBetaGeo(params=bg.params)
    with pytest.raises(patron.PatronError, match="recency is 12"):
        mbg.prob_alive(0, 12, 30)
    with pytest.raises(patron.PatronError):
        patron.clv.BetaGeo().fit([0, 1], [3, 2], [10, 10])   # still a data error when fitting


def test_mixing_matches_gamma_and_beta(bg):
    r, alpha, a, b = (bg.params[k] for k in ("r", "alpha", "a", "b"))
    m = bg.mixing("purchase", x=[0.05, 0.2])
    want = [math.exp(r * math.log(alpha) + (r - 1) * math.log(x) - alpha * x - math.lgamma(r)) for x in (0.05, 0.2)]
    np.testing.assert_allclose(m["density"], want, rtol=1e-12)
    assert m["mean"] == pytest.approx(r / alpha) and m["variance"] == pytest.approx(r / alpha ** 2)
    d = bg.mixing("dropout", points=50)
    assert d["x"][0] == 0 and d["x"][-1] == d["upper"] and len(d["x"]) == 50
    assert d["mean"] == pytest.approx(a / (a + b))
    x = 0.3
    lb = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    assert bg.mixing("dropout", x=[x])["density"][0] == pytest.approx(
        math.exp((a - 1) * math.log(x) + (b - 1) * math.log(1 - x) - lb), rel=1e-12)


def test_summary_calibration_output_feeds_the_plot(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sample = SHARED / "data" / "cdnow" / "CDNOW_sample.txt"
    if not sample.exists():
        pytest.skip("CDNOW sample absent")
    tx = pd.read_csv(sample, sep=r"\s+", header=None, names=["master", "id", "date", "cds", "spent"])
    tx["date"] = pd.to_datetime(tx["date"].astype(str), format="%Y%m%d")
    cal = patron.summary(tx, customer="id", time="date", amount="spent", calibration_end="1997-09-30",
                         observation_end="1998-06-30")
    model = patron.clv.BetaGeo().fit(cal)
    ax = patron.plot.calibration_vs_holdout(model, cal, unit="days")      # no renaming
    lines = {ln.get_label(): ln.get_ydata() for ln in ax.get_lines()}
    zero = cal["frequency"] == 0
    assert lines["actual"][0] == pytest.approx(cal.loc[zero, "frequency_holdout"].mean())
    pred = model.predict(cal["duration_holdout"].max(), cal)
    assert lines["model"][0] == pytest.approx(pred[zero].mean())
    assert "273 days" in ax.get_ylabel()
    plt.close(ax.figure)
    # and lifetimes' column names work the same
    renamed = cal.rename(columns={"frequency": "frequency_cal", "recency": "recency_cal", "T": "T_cal"})
    ax = patron.plot.calibration_vs_holdout(model, renamed)
    assert list(ax.get_lines()[1].get_ydata()) == list(lines["model"])
    plt.close(ax.figure)


def test_gamma_gamma_q_constraint():
    # heavy-tailed spend (log-normal, sigma 2): the maximum-likelihood q is below 1,
    # so the population mean gamma p / (q - 1) does not exist
    rng = np.random.default_rng(1)
    m = np.exp(rng.normal(0, 2, 3000))
    f = np.ones(3000)
    free = patron.clv.GammaGamma().fit(f, m)
    assert free.params["q"] < 1
    with pytest.raises(patron.PatronError, match="q_constraint") as e:
        patron.clv.GammaGamma().fit(f, m, q_constraint=True)
    assert e.value.code == "PATRON_ECONVERGE"
    from patron.lifetimes import ConvergenceError, GammaGammaFitter
    with pytest.raises(ConvergenceError):
        GammaGammaFitter().fit(f, m, q_constraint=True)


def test_bgbb_matrix_blanks_impossible_cells():
    bb = patron.clv.BetaGeoBetaBinom(params={"alpha": 1.2035, "beta": 0.7498, "gamma": 0.6568, "delta": 2.7839})
    m = bb.conditional_probability_alive_matrix(max_frequency=6, max_recency=6)
    assert m.shape == (7, 7)
    for tx in range(7):
        for x in range(7):
            possible = x <= tx and (x > 0 or tx == 0)
            assert np.isfinite(m[tx, x]) == possible
    assert m[6, 6] == pytest.approx(bb.prob_alive(6, 6, 6))
