"""Regression adjustment, post-stratification, quantiles, bootstrap and
winsorising from Python, against the references the C suites use
(tests/data/abtest_adjust_vectors.json from statsmodels/numpy/scipy,
tests/data/abtest_boot_vectors.json from a Python model of the resampling
stream; see gen_abtest_adjust.py and gen_abtest_boot.py)."""
import json
import math
from pathlib import Path

import numpy as np
import pytest

import patron

DATA = Path(__file__).resolve().parents[3] / "tests" / "data"
ADJ = json.loads((DATA / "abtest_adjust_vectors.json").read_text())["cases"]
BOOT = json.loads((DATA / "abtest_boot_vectors.json").read_text())


def flat(rows):
    a = np.asarray(rows, dtype=float)
    return a.ravel(), a.shape[0], a.shape[1]


@pytest.mark.parametrize("case", [c for c in ADJ if c["kind"] in ("cuped", "ratio")])
def test_cuped_rows_and_moments_match_statsmodels(case):
    ra, na, p = flat(case["rows_a"])
    rb, nb, _ = flat(case["rows_b"])
    ratio = case["kind"] == "ratio"
    rows_fn = patron.abtest.ratio_cuped_rows if ratio else patron.abtest.cuped_rows
    mom_fn = patron.abtest.ratio_cuped_moments if ratio else patron.abtest.cuped_moments
    r = rows_fn(ra, na, rb, nb, p, case["alpha"])
    # the SQL path: sufficient statistics, here read back from Python dicts
    ma = patron.abtest.moments_from_rows(ra, na, p)
    mb = patron.abtest.moments_from_rows(rb, nb, p)
    m = mom_fn(dict(ma), dict(mb), case["alpha"])
    for res, rel in ((r, 1e-10), (m, 1e-8)):
        assert res.effect.effect == pytest.approx(case["effect"], rel=rel, abs=1e-12)
        assert res.effect.se == pytest.approx(case["se"], rel=rel)
        k = len(case["beta"])
        assert res.covariates == k
        assert res.beta[:k] == pytest.approx(case["beta"], rel=rel, abs=1e-12)
        if not ratio:
            assert res.ols.se == pytest.approx(case["ols_se"], rel=rel)
            assert res.ols.p_two_sided == pytest.approx(case["ols_p"], rel=rel)
            assert res.rel_lift_se == pytest.approx(case["rel_lift_se"], rel=rel)
        else:
            assert math.isnan(res.ols.p_two_sided)


def test_poststratify_from_python():
    c = next(x for x in ADJ if x["kind"] == "poststrat" and x["weights"] is None)

    def summaries(cells):
        return [{"n": len(v), "mean": float(np.mean(v)), "sd": float(np.std(v, ddof=1))} for v in cells]

    r = patron.abtest.poststratify(summaries(c["strata_a"]), summaries(c["strata_b"]), None, len(c["strata_a"]),
                                   c["alpha"])
    assert r.effect.effect == pytest.approx(c["effect"], rel=1e-10)
    assert r.effect.se == pytest.approx(c["se"], rel=1e-10)
    assert r.se_unadjusted == pytest.approx(c["se_unadjusted"], rel=1e-10)
    with pytest.raises(patron.PatronError, match="stratum 1: n_a is 1"):
        patron.abtest.poststratify([{"n": 5, "mean": 1, "sd": 1}, {"n": 1, "mean": 1, "sd": 0}],
                                   [{"n": 5, "mean": 1, "sd": 1}] * 2, None, 2, 0.05)


def test_quantile_from_python():
    for c in (x for x in ADJ if x["kind"] == "quantile"):
        a, b = np.asarray(c["a"]), np.asarray(c["b"])
        r = patron.abtest.quantile(a, len(a), b, len(b), c["q"], c["alpha"])
        assert r.quantile_a == pytest.approx(c["quantile_a"], rel=1e-14)
        assert r.ci_b == c["ci_b"]
        assert r.diff.se == pytest.approx(c["se"], rel=1e-12)
        assert r.coverage_a == pytest.approx(c["coverage_a"], rel=1e-12)


def test_bootstrap_reproduces_the_specified_stream():
    for c in BOOT["cases"]:
        ra, na, p = flat(c["rows_a"])
        rb, nb, _ = flat(c["rows_b"])
        opts = {"replicates": c["replicates"], "seed": c["seed"], "alpha": c["alpha"], "q": c["q"],
                "relative": c["relative"]}
        r = patron.abtest.bootstrap(ra, na, rb, nb, p, c["stat"], opts)
        tol = 1e-10 if c["stat"] == 3 else 1e-13
        assert r.estimate == pytest.approx(c["estimate"], rel=tol)
        assert r.ci_percentile == pytest.approx(c["ci_percentile"], rel=tol)
        if c["stat"] != 2:
            assert r.ci_bca == pytest.approx(c["ci_bca"], rel=tol * 10)
        else:
            assert r.bca_available == 0


def test_winsorize_from_python():
    w = BOOT["winsorize"]
    oa, ob = np.zeros(len(w["a"])), np.zeros(len(w["b"]))
    lo, hi = patron.abtest.winsorize(oa, ob, w["a"], len(w["a"]), w["b"], len(w["b"]), w["lower_q"], w["upper_q"])
    assert [lo, hi] == pytest.approx(w["caps"], rel=1e-15)
    assert list(oa) == pytest.approx(w["out_a"], rel=1e-15)
    assert list(ob) == pytest.approx(w["out_b"], rel=1e-15)
