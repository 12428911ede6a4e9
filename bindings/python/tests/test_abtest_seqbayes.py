"""The relative-effect Bayesian model, one-sided confidence sequences and
group-sequential futility bounds from Python, against the references the C
suite uses (tests/data/abtest_seqbayes_vectors.json; mpmath and an
independent numpy recursion, see gen_abtest_seqbayes.py)."""
import json
from pathlib import Path

import pytest

import patron
from patron import _ffi as ffi

DATA = Path(__file__).resolve().parents[3] / "tests" / "data"
REF = json.loads((DATA / "abtest_seqbayes_vectors.json").read_text())
SPEND = {"obf": ffi.PATRON_ABTEST_SPEND_OBF, "pocock": ffi.PATRON_ABTEST_SPEND_POCOCK}


def test_bayes_relative_reference_values():
    for c in REF["bayes_relative"]:
        e = c["expected"]
        if c["kind"] == "proportions":
            r = patron.abtest.bayes_relative_proportions(c["x_a"], c["n_a"], c["x_b"], c["n_b"], c["alpha"],
                                                         c["prior_mean"], c["prior_variance"])
        else:
            r = patron.abtest.bayes_relative({"n": c["n_a"], "mean": c["mean_a"], "sd": c["sd_a"]},
                                             {"n": c["n_b"], "mean": c["mean_b"], "sd": c["sd_b"]}, c["alpha"],
                                             c["prior_mean"], c["prior_variance"])
        assert r.posterior_mean == pytest.approx(e["posterior_mean"], rel=1e-12, abs=1e-15 * e["posterior_sd"])
        assert r.posterior_sd == pytest.approx(e["posterior_sd"], rel=1e-12)
        assert r.chance_to_win == pytest.approx(e["chance_to_win"], rel=1e-11, abs=1e-16)
        assert r.risk_choose_control == pytest.approx(e["risk_choose_control"], rel=1e-10, abs=1e-16)
        assert list(r.credible_interval) == pytest.approx(e["credible_interval"], rel=1e-11)


def test_bayes_relative_errors():
    with pytest.raises(patron.PatronError, match="A's mean is 0"):
        patron.abtest.bayes_relative_proportions(0, 100, 3, 100, 0.05, 0, 0)


def test_cs_one_sided_reference_values():
    for c in REF["cs_one_sided"]:
        e = c["expected"]
        r = patron.abtest.confidence_sequence_one_sided(c["estimate"], c["se"], c["n_total"], c["alpha"],
                                                        c["n_star"], c["test_value"], c["direction"])
        assert r.halfwidth == pytest.approx(e["halfwidth"], rel=1e-13)
        assert r.bound == pytest.approx(e["bound"], rel=1e-12, abs=1e-15)
        assert r.p_value == pytest.approx(e["p_value"], rel=1e-10, abs=1e-300)
        assert bool(r.significant) == e["significant"]


def test_futility_reference_values():
    for c in REF["gs_futility"]:
        e = c["expected"]
        k = len(c["information_rates"])
        r = patron.abtest.group_sequential_futility(c["information_rates"], k, c["alpha"], c["beta"],
                                                    SPEND[c["alpha_spending"]], SPEND[c["beta_spending"]])
        assert r.looks == k
        assert r.drift == pytest.approx(e["drift"], rel=1e-10)
        assert list(r.futility_z[:k]) == pytest.approx(e["futility_z"], rel=1e-9, abs=1e-10)
        assert list(r.efficacy_z[:k]) == pytest.approx(e["efficacy_z"], rel=1e-9)


def test_futility_errors():
    with pytest.raises(patron.PatronError, match=r"beta 0.6 is outside \(0, 0.5\)"):
        patron.abtest.group_sequential_futility([0.5, 1.0], 2, 0.025, 0.6, SPEND["obf"], SPEND["obf"])
