"""Probability to be best over k arms, non-inferiority/superiority margins
and planning with variance reduction or for ratio metrics from Python,
against the references the C suites use (tests/data/abtest_{best,margin,
plan}_vectors.json; mpmath / scipy / statsmodels, see the generators)."""
import json
import math
from pathlib import Path

import pytest

import patron

DATA = Path(__file__).resolve().parents[3] / "tests" / "data"


def test_best_reference_values():
    cases = json.loads((DATA / "abtest_best_vectors.json").read_text())["cases"]
    for c in cases:
        k = len(c["n"])
        if c["kind"] == "means":
            r = patron.abtest.best_means(c["n"], c["mean"], c["sd"], k)
        else:
            r = patron.abtest.best_proportions(c["x"], c["n"], k, *c["prior"])
        assert r.n_arms == k
        for i in range(k):
            assert r.prob_best[i] == pytest.approx(c["prob_best"][i], rel=1e-10, abs=1e-13)
            assert abs(r.expected_loss[i] - c["expected_loss"][i]) <= 1e-11 * r.posterior_sd[i]


def test_best_errors():
    with pytest.raises(patron.PatronError, match="arm 1 has x = 12, n = 10"):
        patron.abtest.best_proportions([1, 12], [10, 10], 2, 1, 1)


def margin_opts(c):
    return {"kind": c["superiority"], "margin": c["margin"], "relative": c["relative"],
            "lower_is_better": c["lower_is_better"], "alpha": c["alpha"], "pooled_variance": c["pooled"]}


def test_margin_reference_values():
    cases = json.loads((DATA / "abtest_margin_vectors.json").read_text())["cases"]
    for c in cases:
        a, b = c["a"], c["b"]
        if c["kind"] == "means":
            r = patron.abtest.margin_means({"n": a[0], "mean": a[1], "sd": a[2]},
                                           {"n": b[0], "mean": b[1], "sd": b[2]}, margin_opts(c))
        else:
            r = patron.abtest.margin_proportions(a[0], a[1], b[0], b[1], margin_opts(c))
        assert r.p == pytest.approx(c["p"], rel=1e-10)
        assert r.bound == pytest.approx(c["bound"], rel=1e-9, abs=1e-14)
        assert r.threshold == c["threshold"]
        assert r.reject == (c["p"] <= c["alpha"])


def test_margin_defaults_and_errors():
    r = patron.abtest.margin_proportions(300, 10000, 310, 10000)
    assert r.kind == patron._ffi.PATRON_ABTEST_NON_INFERIORITY and r.alpha == 0.05 and r.threshold == 0
    with pytest.raises(patron.PatronError, match="positive control mean"):
        patron.abtest.margin_proportions(0, 10, 3, 10, {"relative": 1, "margin": 0.1})


def test_plan_reference_values():
    doc = json.loads((DATA / "abtest_plan_vectors.json").read_text())
    keys = ("alpha", "power", "ratio", "sides", "n1_given")
    for c in doc["reduced"]:
        r = patron.abtest.power_reduced(c["delta"], c["sd"], c["variance_reduction"], {k: c[k] for k in keys})
        assert r.n1_z == pytest.approx(c["n1_z"], rel=1e-12)
        assert r.n1_t == pytest.approx(c["n1_t"], rel=1e-7)
        assert r.n1_z_unadjusted == pytest.approx(c["n1_z_unadjusted"], rel=1e-12)
        if c["n1_given"]:
            assert r.mde_at_n1 == pytest.approx(c["mde_at_n1"], rel=1e-12)
        else:
            assert math.isnan(r.mde_at_n1)
    for c in doc["ratio"]:
        v = patron.abtest.ratio_unit_variance(c["mean_num"], c["mean_den"], c["var_num"], c["var_den"], c["cov"])
        assert v == pytest.approx(c["unit_variance"], rel=1e-13)
        r = patron.abtest.power_ratio(c["mean_num"], c["mean_den"], c["var_num"], c["var_den"], c["cov"],
                                      c["relative_lift"], {k: c[k] for k in keys})
        assert r.n1_t == pytest.approx(c["n1_t"], rel=1e-7)
        assert r.delta == pytest.approx(c["delta"], rel=1e-15)


def test_plan_errors():
    with pytest.raises(patron.PatronError, match=r"variance_reduction 1 is outside \[0, 1\)"):
        patron.abtest.power_reduced(1.0, 10.0, 1.0)
