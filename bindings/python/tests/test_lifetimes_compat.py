"""patron.lifetimes against lifetimes' documented behaviour (its
Quickstart's printed CDNOW figures, its docstrings) and the published
CDNOW and donations numbers in ../shared/reference. lifetimes itself is
not installed: every expected value here is a documented or published
number, or a formula written out from the papers."""
import json
import math

import pytest

import patron
from conftest import SHARED

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
if not hasattr(patron, "clv") or not hasattr(patron, "summary"):
    pytest.skip("the clv and summary modules are not in this build", allow_module_level=True)

from patron.lifetimes import (BetaGeoBetaBinomFitter, BetaGeoFitter, ConvergenceError,  # noqa: E402
                              GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter)
from patron.lifetimes.utils import (calibration_and_holdout_data, expected_cumulative_transactions,  # noqa: E402
                                    summary_data_from_transaction_data)

CDNOW = SHARED / "data" / "cdnow"
REF = SHARED / "reference"


def need(path):
    if not path.exists():
        pytest.skip(f"{path} absent")
    return path


@pytest.fixture(scope="module")
def ref():
    return json.loads(need(REF / "clv.json").read_text())


@pytest.fixture(scope="module")
def cdnow():
    """lifetimes' load_cdnow_summary_data_with_monetary_value() columns."""
    d = pd.read_csv(need(CDNOW / "cdnow_customers_summary_with_transactions.csv"))
    d = d.rename(columns={"ID": "customer_id", "x": "frequency", "t_x": "recency", "zbar": "monetary_value"})
    return d.set_index("customer_id")


@pytest.fixture(scope="module")
def bgf(cdnow):
    return BetaGeoFitter(penalizer_coef=0.0).fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="module")
def transactions():
    tx = pd.read_csv(need(CDNOW / "CDNOW_sample.txt"), sep=r"\s+", header=None,
                     names=["master", "id", "date", "cds", "spent"])
    tx["date"] = pd.to_datetime(tx["date"].astype(str), format="%Y%m%d")
    return tx


# -- the Quickstart, figure by figure -------------------------------------------

def test_repr_and_summary_as_documented(bgf):
    assert repr(bgf) == "<lifetimes.BetaGeoFitter: fitted with 2357 subjects, a: 0.79, alpha: 4.41, b: 2.43, r: 0.24>"
    s = bgf.summary
    assert list(s.columns) == ["coef", "se(coef)", "lower 95% bound", "upper 95% bound"]
    assert list(s.index) == ["r", "alpha", "a", "b"]
    documented = {"r": (0.242593, 0.012557, 0.217981, 0.267205), "alpha": (4.413532, 0.378221, 3.672218, 5.154846),
                  "a": (0.792886, 0.185719, 0.428877, 1.156895), "b": (2.425752, 0.705345, 1.043276, 3.808229)}
    for k, row in documented.items():
        # printed to 6 decimals; the bounds differ by (1.96 - 1.959964) se
        np.testing.assert_allclose(s.loc[k].to_numpy(), row, rtol=3e-5, atol=6e-7)
    assert isinstance(bgf.params_, pd.Series) and bgf.params_["r"] == pytest.approx(0.242593, rel=1e-5)
    assert bgf.standard_errors_["alpha"] == pytest.approx(0.378221, rel=1e-5)
    v = bgf.variance_matrix_
    assert v.loc["r", "r"] == pytest.approx(bgf.standard_errors_["r"] ** 2, rel=1e-12)
    assert v.loc["r", "alpha"] == pytest.approx(v.loc["alpha", "r"], rel=1e-12)
    assert list(bgf.data.columns) == ["frequency", "recency", "T", "weights"] and len(bgf.data) == 2357


def test_ranking_as_documented(bgf, cdnow):
    d = cdnow[["frequency", "recency", "T"]].copy()
    d["predicted_purchases"] = bgf.conditional_expected_number_of_purchases_up_to_time(
        1, d["frequency"], d["recency"], d["T"])
    assert isinstance(d["predicted_purchases"], pd.Series)
    top = d.sort_values(by="predicted_purchases").tail(5)
    assert list(top.index) == [509, 841, 1981, 157, 1516]
    np.testing.assert_allclose(top["predicted_purchases"], [0.424877, 0.474738, 0.486526, 0.662396, 0.710623],
                               atol=1e-6)


def test_scalar_in_scalar_out(bgf, cdnow):
    one = cdnow.iloc[20]
    v = bgf.predict(10, one["frequency"], one["recency"], one["T"])
    assert isinstance(v, float)
    assert v == bgf.predict(10, [one["frequency"]], [one["recency"]], [one["T"]])[0]
    assert isinstance(bgf.conditional_probability_alive(2, 30.43, 38.86), float)
    assert isinstance(bgf.expected_number_of_purchases_up_to_time(52), float)
    assert isinstance(bgf.probability_of_n_purchases_up_to_time(39, 0), float)


def test_published_bgnbd_numbers(bgf, ref):
    r = ref["cdnow_2357"]["bgnbd"]
    assert bgf.expected_number_of_purchases_up_to_time(52) == pytest.approx(r["E_X_52"], rel=2e-4)
    pub = BetaGeoFitter()        # P(X(t) = n) is given at the published parameters
    pub.set_params({k: r["published"][k] for k in ("r", "alpha", "a", "b")})
    assert pub.probability_of_n_purchases_up_to_time(39, 0) == pytest.approx(r["P_X39_eq_0"], rel=1e-6)
    assert pub.probability_of_n_purchases_up_to_time(2, 10) == pytest.approx(r["P_X2_eq_10"], rel=1e-5)
    np.testing.assert_allclose(pub.probability_of_n_purchases_up_to_time([39, 2], [0, 10]),
                               [r["P_X39_eq_0"], r["P_X2_eq_10"]], rtol=1e-5)
    c = r["customer_1"]
    assert bgf.conditional_probability_alive(c["x"], c["t_x"], c["T"]) == pytest.approx(c["P_alive"], abs=1e-4)
    assert bgf.predict(39, c["x"], c["t_x"], c["T"]) == pytest.approx(c["CE_39"], rel=2e-3)
    ex = r["E_X_t_at_published"]   # Hardie's spreadsheet, 4 decimals
    np.testing.assert_allclose(bgf.expected_number_of_purchases_up_to_time(np.array(ex["t"])), ex["value"],
                               rtol=1e-3, atol=6e-5)


def test_probability_alive_matrix_layout(bgf):
    m = bgf.conditional_probability_alive_matrix()
    # [t_x: recency 0..max T, x: frequency 0..max frequency], at age max T
    assert m.shape == (int(bgf.data["T"].max()) + 1, int(bgf.data["frequency"].max()) + 1)
    assert np.all(m[:, 0] == 1.0)   # BG/NBD: no repeat purchase, certainly alive (any t_x)
    T = int(bgf.data["T"].max())
    for tx, x in ((30, 2), (5, 10), (T, 29)):
        assert m[tx, x] == pytest.approx(bgf.conditional_probability_alive(x, tx, T), rel=1e-14)
    small = bgf.conditional_probability_alive_matrix(max_frequency=3, max_recency=4)
    assert small.shape == (5, 4) and np.all(np.isfinite(small))


def test_gamma_gamma_as_documented(cdnow, bgf):
    returning = cdnow[cdnow["frequency"] > 0]
    ggf = GammaGammaFitter(penalizer_coef=0).fit(returning["frequency"], returning["monetary_value"])
    assert repr(ggf) == "<lifetimes.GammaGammaFitter: fitted with 946 subjects, p: 6.25, q: 3.74, v: 15.45>"
    assert list(ggf.params_.index) == ["p", "q", "v"] and list(ggf.summary.index) == ["p", "q", "v"]
    profit = ggf.conditional_expected_average_profit(cdnow["frequency"], cdnow["monetary_value"])
    np.testing.assert_allclose(profit.head(10), [24.658619, 18.911489, 35.170981, 35.170981, 35.170981, 71.462843,
                                                 18.911489, 35.170981, 27.282408, 35.170981], rtol=2e-6)
    assert profit.mean() == pytest.approx(35.2529588256, rel=1e-6)
    clv = ggf.customer_lifetime_value(bgf, cdnow["frequency"], cdnow["recency"], cdnow["T"], cdnow["monetary_value"],
                                      time=12, discount_rate=0.01)
    assert clv.name == "clv" and clv.index.equals(cdnow.index)
    np.testing.assert_allclose(clv.head(10), [140.096211, 18.943467, 38.180574, 38.180574, 38.180574, 1003.868107,
                                              28.109683, 38.180574, 167.418216, 38.180574], rtol=1e-7)
    # the same with the time unit spelled out: weeks are 4.345 per month
    clv_w = ggf.customer_lifetime_value(bgf, cdnow["frequency"], cdnow["recency"], cdnow["T"],
                                        cdnow["monetary_value"], freq="W")
    assert not np.allclose(clv_w, clv)
    # q_constraint: CDNOW's q = 3.74 > 1, so the constrained fit is the same
    assert GammaGammaFitter().fit(returning["frequency"], returning["monetary_value"],
                                  q_constraint=True).params_["q"] == ggf.params_["q"]


def test_save_and_load(bgf, tmp_path):
    path = tmp_path / "bgf.json"
    bgf.save_model(path)
    doc = json.loads(path.read_text())
    assert doc["model"] == "bgnbd" and set(doc["params"]) == {"r", "alpha", "a", "b"}
    loaded = BetaGeoFitter()
    loaded.load_model(path)
    assert loaded.params_.equals(bgf.params_)
    pd.testing.assert_frame_equal(loaded.summary, bgf.summary)
    assert loaded.predict(39, 2, 30.43, 38.86) == bgf.predict(39, 2, 30.43, 38.86)
    with pytest.raises(ValueError, match="model 'bgnbd'"):
        ParetoNBDFitter().load_model(path)


def test_other_models_fit_cdnow(cdnow, ref):
    r = ref["cdnow_2357"]
    mbg = ModifiedBetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    for k in ("r", "alpha", "a", "b"):
        assert mbg.params_[k] == pytest.approx(r["mbgnbd"]["reproduced_rounded_csv"][k], rel=5e-4)
    pnbd = ParetoNBDFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    for k in ("r", "alpha", "s", "beta"):
        assert pnbd.params_[k] == pytest.approx(r["paretonbd"]["reproduced_rounded_csv"][k], rel=1e-3)
    m = pnbd.conditional_probability_alive_matrix(5, 10)
    assert np.isnan(m[3, 0]) and np.isfinite(m[0, 0]) and np.all(np.isfinite(m[:, 1:]))


def test_bgbb_donations(ref):
    d = pd.read_csv(need(SHARED / "data" / "donations" / "donations.csv"))
    r = ref["donations_11104"]["bgbb"]
    bb = BetaGeoBetaBinomFitter().fit(d["frequency"], d["recency"], d["periods"], weights=d["weights"])
    for k in ("alpha", "beta", "gamma", "delta"):
        assert bb.params_[k] == pytest.approx(r["reproduced"][k], rel=5e-4)
    assert list(bb.data.columns) == ["frequency", "recency", "n_periods", "weights"]
    # lifetimes' m = 1 is the paper's P(alive in 2002) (Table 6)
    got = bb.conditional_probability_alive(1, np.array([0, 2, 6]), np.array([0, 4, 6]), np.array([6, 6, 6]))
    np.testing.assert_allclose(got, r["P_alive_2002_table6"]["reproduced"], atol=2e-4)
    # m = 0: alive at the last opportunity, from Fader, Hardie & Shang (2010), eq. A10
    a, b, g, dd = (bb.params_[k] for k in ("alpha", "beta", "gamma", "delta"))

    def lbeta(u, v):
        return math.lgamma(u) + math.lgamma(v) - math.lgamma(u + v)

    def alive(x, tx, n, m):
        L = math.exp(lbeta(a + x, b + n - x) - lbeta(a, b) + lbeta(g, dd + n) - lbeta(g, dd))
        L += sum(math.exp(lbeta(a + x, b + tx - x + i) - lbeta(a, b) + lbeta(g + 1, dd + tx + i) - lbeta(g, dd))
                 for i in range(int(n - tx)))
        return math.exp(lbeta(a + x, b + n - x) - lbeta(a, b) + lbeta(g, dd + n + m) - lbeta(g, dd)) / L

    for x, tx in ((0, 0), (1, 3), (3, 5), (6, 6)):
        assert bb.conditional_probability_alive(0, x, tx, 6) == pytest.approx(alive(x, tx, 6, 0), rel=1e-10)
    # in-sample fit: expected donors with x of 6 opportunities (the paper's Figure 3)
    e = bb.expected_number_of_transactions_in_first_n_periods(6)
    assert list(e.columns) == ["model"] and list(e.index) == list(range(7))
    assert e.loc[0, "model"] == pytest.approx(r["expected_in_sample_x0"], abs=0.5)
    assert e.loc[6, "model"] == pytest.approx(r["expected_in_sample_x6"], abs=0.5)
    assert e["model"].sum() == pytest.approx(11104, rel=1e-9)
    at = BetaGeoBetaBinomFitter()
    at.set_params(r["reproduced"])
    ce = at.conditional_expected_number_of_purchases_up_to_time(10, 0, 0, 6)
    assert isinstance(ce, float) and ce == pytest.approx(r["CE_10_x0_tx0"], abs=5e-6)
    sim = bb.generate_new_data(2000, seed=3)
    assert list(sim.columns) == ["frequency", "recency", "n_periods"] and (sim["n_periods"] == 6).all()
    assert (sim["frequency"] <= sim["recency"]).all()


def test_generate_new_data_matches_model(bgf):
    sim = bgf.generate_new_data(size=20000, T=39, seed=11)
    assert list(sim.columns) == ["frequency", "recency", "T"] and len(sim) == 20000
    # the simulated mean frequency is E[X(39)] up to sampling error
    e = bgf.expected_number_of_purchases_up_to_time(39)
    assert abs(sim["frequency"].mean() - e) < 4 * sim["frequency"].std() / math.sqrt(len(sim))
    p0 = bgf.probability_of_n_purchases_up_to_time(39, 0)
    assert abs((sim["frequency"] == 0).mean() - p0) < 4 * math.sqrt(p0 * (1 - p0) / len(sim))


def test_convergence_error():
    with pytest.raises(ConvergenceError) as e:
        BetaGeoFitter().fit([0, 0, 0], [0, 0, 0], [10, 20, 30])
    assert isinstance(e.value, patron.PatronError) and isinstance(e.value, ValueError)


# -- utils against lifetimes' own output on CDNOW -----------------------------

def test_summary_data_from_transaction_data(transactions):
    s = summary_data_from_transaction_data(transactions, "id", "date", monetary_value_col="spent",
                                           observation_period_end="1998-06-30")
    want = pd.read_csv(need(REF / "cdnow_summary_to_1998-06-30_D.csv"), index_col=0)
    assert list(s.columns) == list(want.columns) and s.index.name == "id"
    pd.testing.assert_frame_equal(s, want, check_dtype=False, check_names=False, rtol=1e-12)
    plain = summary_data_from_transaction_data(transactions, "id", "date", observation_period_end="1998-06-30")
    assert list(plain.columns) == ["frequency", "recency", "T"]
    weeks = summary_data_from_transaction_data(transactions, "id", "date", observation_period_end="1998-06-30",
                                               freq_multiplier=7)
    np.testing.assert_allclose(weeks["T"], plain["T"] / 7)


def test_calibration_and_holdout_data(transactions):
    c = calibration_and_holdout_data(transactions, "id", "date", calibration_period_end="1997-09-30",
                                     observation_period_end="1998-06-30", monetary_value_col="spent")
    want = pd.read_csv(need(REF / "cdnow_cal_holdout_D.csv"), index_col=0)
    assert list(c.columns) == list(want.columns)
    pd.testing.assert_frame_equal(c, want, check_dtype=False, check_names=False, rtol=1e-12)


def test_expected_cumulative_transactions(transactions, ref):
    c = calibration_and_holdout_data(transactions, "id", "date", calibration_period_end="1997-09-30",
                                     observation_period_end="1998-06-30")
    m = BetaGeoFitter().fit(c["frequency_cal"], c["recency_cal"], c["T_cal"])
    df = expected_cumulative_transactions(m, transactions, "date", "id", 546)
    assert list(df.columns) == ["actual", "predicted"] and len(df) == 546
    counts = ref["cdnow_2357"]["counts"]
    assert df["actual"].iloc[-1] == counts["cum_repeat_txns_wk78"]
    assert df["actual"].iloc[272] == counts["calib_repeat_txns"]      # day 272 = 1997-09-30
    assert df["actual"].is_monotonic_increasing and df["predicted"].is_monotonic_increasing
    # the papers' week-78 tracking figure (4166.4 expected, -4.0% error), here in days
    cum = ref["cdnow_2357"]["bgnbd"]["holdout_checks_at_published"]
    assert df["predicted"].iloc[-1] == pytest.approx(cum["cum_expected_wk78"], rel=5e-3)


def test_pareto_conditional_pmf(cdnow):
    pnbd = ParetoNBDFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    ps = np.array([pnbd.conditional_probability_of_n_purchases_up_to_time(n, 39, 2, 30.43, 38.86)
                   for n in range(300)])
    assert isinstance(ps[0], float) and np.all(ps >= 0)
    assert ps.sum() == pytest.approx(1, abs=1e-9)
    # its mean is the conditional expectation, computed by another formula
    assert (ps * np.arange(300)).sum() == pytest.approx(pnbd.predict(39, 2, 30.43, 38.86), rel=1e-8)
    # n = 0 includes the customers who have dropped out
    assert ps[0] > 1 - pnbd.conditional_probability_alive(2, 30.43, 38.86)
    col = pnbd.conditional_probability_of_n_purchases_up_to_time(1, 10, cdnow["frequency"], cdnow["recency"],
                                                                  cdnow["T"])
    assert isinstance(col, pd.Series) and col.index.equals(cdnow.index)


def test_penalizer_coef_and_index(cdnow):
    f, r, T = cdnow["frequency"].to_numpy(), cdnow["recency"].to_numpy(), cdnow["T"].to_numpy()
    ids = np.arange(len(f)) + 1000
    pen = BetaGeoFitter(penalizer_coef=0.1).fit(f, r, T, index=ids)
    assert pen.penalizer_coef == 0.1
    assert list(pen.data.index) == list(ids)
    native = patron.clv.BetaGeo(penalizer=0.1).fit(f, r, T)
    assert pen.params == native.params
    assert pen.params_["r"] != BetaGeoFitter().fit(f, r, T).params_["r"]


def test_generate_new_data_like_the_fitted_customers(bgf):
    sim = bgf.generate_new_data(size=len(bgf.data), seed=5)
    # lifetimes simulates each fitted customer's age T
    np.testing.assert_array_equal(sim["T"].to_numpy(), bgf.data["T"].to_numpy())
    assert (sim["recency"] <= sim["T"]).all() and ((sim["frequency"] > 0) | (sim["recency"] == 0)).all()
    # the expected number with x = 0 is the sum of P(X(T_i) = 0); the simulation agrees within 4 sd
    p0 = bgf.probability_of_n_purchases_up_to_time(bgf.data["T"].to_numpy(), 0)
    assert abs((sim["frequency"] == 0).sum() - p0.sum()) < 4 * math.sqrt((p0 * (1 - p0)).sum())
    again = bgf.generate_new_data(size=len(bgf.data), seed=5)
    pd.testing.assert_frame_equal(sim, again)       # seeded: reproducible
