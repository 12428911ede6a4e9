"""Several arms against a control and Fisher's far tail from Python: the
same references as the C suites (tests/data/*.json, computed by scipy /
mpmath / exact rationals, see the generators there)."""
import json
import math
from pathlib import Path

import pytest

import patron

DATA = Path(__file__).resolve().parents[3] / "tests" / "data"


def test_dunnett_reference_values():
    cases = json.loads((DATA / "abtest_many_vectors.json").read_text())["cases"]
    for c in cases:
        k = len(c["n"])
        opt = {"alpha": c["alpha"], "method": patron._ffi.PATRON_ABTEST_DUNNETT, "sides": c["sides"]}
        if c["kind"] == "means":
            r = patron.abtest.many_means(c["n"], c["mean"], c["sd"], k, opt)
            assert r.df == c["df"]
        else:
            r = patron.abtest.many_proportions(c["x"], c["n"], k, opt)
            assert math.isinf(r.df)
        assert r.n_comparisons == k - 1
        for i in range(k - 1):
            assert r.statistic[i] == pytest.approx(c["statistic"][i], rel=1e-12)
            assert r.p_adjusted[i] == pytest.approx(c["p_adjusted"][i], rel=1e-9)
        assert r.critical_value == pytest.approx(c["critical_value"], rel=1e-9)


def test_many_defaults_and_errors():
    r = patron.abtest.many_proportions([120, 150, 95], [1000, 1000, 1000], 3)
    assert r.method == patron._ffi.PATRON_ABTEST_DUNNETT and r.sides == 2 and r.alpha == 0.05
    assert r.p_raw[0] < r.p_adjusted[0] < 2 * r.p_raw[0]
    with pytest.raises(patron.PatronError, match="arm 1: x is 1001"):
        patron.abtest.many_proportions([120, 1001, 95], [1000, 1000, 1000], 3)


def test_fisher_log_p_below_the_double_range():
    for c in json.loads((DATA / "abtest_tail_vectors.json").read_text())["fisher"][:3]:
        r = patron.abtest.fisher(c["table"], 0.05)
        assert r.log_p_two_sided == pytest.approx(c["log_p_two_sided"], rel=1e-12)
        assert r.log_p_less == pytest.approx(c["log_p_less"], rel=1e-12, abs=1e-300)
        assert r.log_p_greater == pytest.approx(c["log_p_greater"], rel=1e-12, abs=1e-300)


def test_holm_from_python():
    r = patron.abtest.many_proportions([120, 150, 95, 160], [1000] * 4, 4, {"method": patron._ffi.PATRON_ABTEST_HOLM})
    raw = list(r.p_raw[:3])
    # Holm's step-down, written out: sorted p times (m - rank), running max, capped at 1
    order = sorted(range(3), key=lambda i: raw[i])
    holm, run = [0.0] * 3, 0.0
    for rank, i in enumerate(order):
        run = max(run, min(1.0, (3 - rank) * raw[i]))
        holm[i] = run
    assert list(r.p_adjusted[:3]) == pytest.approx(holm, rel=1e-13)
