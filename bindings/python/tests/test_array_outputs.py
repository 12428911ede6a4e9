"""Every C function that writes an output array, called through the Python
binding with a large n (issue #18/#20/#21: the generator once bound such
arrays as one element, and the C function wrote n into it).

The list of functions comes from the header annotations
(`tools/bindgen/generate --array-outputs`), so a new array-output function
without a case here fails test_every_array_output_has_a_case. Each case fills
its output buffers with a sentinel, calls the function with N elements and
checks that all N were written; then it checks that a buffer one element
short is refused before the call (ValueError) instead of being overrun."""
import ctypes
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from patron import _ffi as ffi

ROOT = Path(__file__).resolve().parents[3]
N = 200_000
SENTINEL = {np.float64: np.nan, np.uint8: 255, np.int32: -7, np.int64: -7, np.uintp: np.iinfo(np.uintp).max}


def array_outputs():
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "bindgen" / "generate"), "--array-outputs"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def buf(dtype, n=N):
    return np.full(n, SENTINEL[dtype], dtype=dtype)


def written(a, dtype):
    """True when no element still holds the sentinel."""
    return not (np.isnan(a).any() if dtype is np.float64 else (a == SENTINEL[dtype]).any())


def clv_data(n):
    rng = np.random.default_rng(7)
    T = rng.uniform(10, 40, n)
    freq = rng.integers(0, 8, n).astype(np.float64)
    rec = np.where(freq > 0, T * rng.uniform(0.1, 1.0, n), 0.0)
    mon = np.where(freq > 0, rng.uniform(5, 50, n), 0.0)
    arrays = [np.ascontiguousarray(x) for x in (freq, rec, T, mon)]
    d = ffi.patron_clv_data()
    d.n = n
    ptr = ctypes.POINTER(ctypes.c_double)
    d.frequency, d.recency, d.T, d.monetary = (a.ctypes.data_as(ptr) for a in arrays)
    d._keep = arrays
    return d


def params(model, *p):
    s = ffi.patron_clv_params()
    s.model = model
    for i, v in enumerate(p):
        s.p[i] = v
    return s


BGNBD = params(ffi.PATRON_CLV_BGNBD, 0.243, 4.414, 0.793, 2.426)
PNBD = params(ffi.PATRON_CLV_PNBD, 0.553, 10.58, 0.606, 11.67)
GG = params(ffi.PATRON_CLV_GG, 6.25, 3.74, 15.44)


def frame(n):
    d = clv_data(n)
    a = d._keep
    return ffi.patron_frame_from_arrays(n, None, a[0], a[1], a[2], a[3] + 1.0)


def surv_data(n):
    rng = np.random.default_rng(3)
    time = rng.permutation(n).astype(np.float64) + 1.0  # distinct times
    event = np.ones(n, dtype=np.int32)
    arm = np.zeros(n, dtype=np.int32)
    return time, event, arm


# name -> (outputs as {param: dtype}, n, call(outs, n) -> None); outs are arrays of length n
def _rng_draw(o, n):
    rng = ffi.patron_rng()
    ffi.patron_rng_seed(rng, 42)
    ffi.patron_rng_draw(rng, ffi.PATRON_DIST_UNIFORM, 0.0, 1.0, o["out"], n)


def _km(o, n):
    m = 1000  # observations; the output length is the number of time points (km is O(m * n))
    time, event, arm = surv_data(m)
    at = np.linspace(0, m, n)
    ffi.patron_abtest_km(o["surv"], o["std_err"], time, event, arm, m, 0, at, n)


def _km_curve(o, n):
    time, event, arm = surv_data(n)
    count = ffi.patron_abtest_km_curve(o["times"], o["surv"], o["std_err"], o["at_risk"], n, time, event, arm, n, 0)
    assert count == n


def _msprt(o, n):
    looks = np.arange(1, n + 1, dtype=np.int64) * 10
    diff = np.full(n, 0.01)
    ffi.patron_abtest_msprt(o["lambda"], o["p_value"], o["reject"], looks, diff, None, None, n, 1.0, 0.01, 0.0, 0.05)


def _group_sequential(o, n):
    ffi.patron_abtest_group_sequential(o["cumulative_alpha"], o["z_bounds"], o["nominal_p"],
                                       np.arange(1, n + 1) / n, n, 0.025, ffi.PATRON_ABTEST_SPEND_OBF)


def _selection_rows(o, n):
    sel = ffi.patron_selection_new(n)
    for r in range(0, n):
        ffi.patron_selection_set(sel, r, 1)
    assert ffi.patron_selection_rows(sel, o["rows"], n) == n
    assert (o["rows"] == np.arange(n)).all()


def _ntile(o, n):
    values = np.random.default_rng(1).normal(size=n)
    ffi.patron_ntile_scores(o["scores"], values, n, 5, 1)
    assert set(np.unique(o["scores"])) == {1, 2, 3, 4, 5}


def bgbb_data(n):
    """BG/BB customers: whole numbers of periods, x <= t_x <= n."""
    rng = np.random.default_rng(3)
    x = rng.integers(0, 6, n).astype(np.float64)
    t = np.where(x > 0, np.minimum(10.0, x + rng.integers(0, 5, n)), 0.0)
    arrays = [np.ascontiguousarray(a) for a in (x, t, np.full(n, 10.0), np.zeros(n))]
    d = ffi.patron_clv_data()
    d.n = n
    ptr = ctypes.POINTER(ctypes.c_double)
    d.frequency, d.recency, d.T, d.monetary = (a.ctypes.data_as(ptr) for a in arrays)
    d._keep = arrays
    return d


BGBB = params(ffi.PATRON_CLV_BGBB, 1.204, 0.750, 0.657, 2.783)
_FIT = []


def _fit():
    if not _FIT:
        _FIT.append(ffi.patron_clv_fit(ffi.PATRON_CLV_GG, clv_data(2000)))
    return _FIT[0]


CASES = {
    "patron_rng_draw": ({"out": np.float64}, N, _rng_draw),
    "patron_clv_prob_alive_ahead": ({"out": np.float64}, N,
                                    lambda o, n: ffi.patron_clv_prob_alive_ahead(o["out"], BGBB, bgbb_data(n), 0.0)),
    "patron_clv_prob_purchases_conditional": (
        {"out": np.float64}, N,
        lambda o, n: ffi.patron_clv_prob_purchases_conditional(o["out"], BGNBD, clv_data(n), 4.0, 1)),
    "patron_clv_predict_with": ({"expected": np.float64, "alive": np.float64}, N,
                                lambda o, n: ffi.patron_clv_predict_with(o["expected"], o["alive"], BGNBD,
                                                                         clv_data(n), 4.0, None)),
    "patron_clv_lifetime_value_with": ({"out": np.float64}, N,
                                       lambda o, n: ffi.patron_clv_lifetime_value_with(o["out"], BGNBD, GG, clv_data(n),
                                                                                       12, 0.01, 1.0, None)),
    "patron_clv_mixing_density": ({"out": np.float64}, N,
                                  lambda o, n: ffi.patron_clv_mixing_density(o["out"], BGNBD, ffi.PATRON_CLV_MIX_PURCHASE,
                                                                             np.linspace(0.01, 5.0, n), n)),
    "patron_clv_param_intervals": ({"lower": np.float64, "upper": np.float64}, 3,
                                   lambda o, n: ffi.patron_clv_param_intervals(o["lower"], o["upper"], _fit(), 0.95)),
    "patron_clv_log_likelihood": ({"out": np.float64}, N,
                                  lambda o, n: ffi.patron_clv_log_likelihood(o["out"], BGNBD, clv_data(n))),
    "patron_clv_expected_purchases": ({"out": np.float64}, N,
                                      lambda o, n: ffi.patron_clv_expected_purchases(o["out"], BGNBD, clv_data(n), 4.0)),
    "patron_clv_prob_alive": ({"out": np.float64}, N,
                              lambda o, n: ffi.patron_clv_prob_alive(o["out"], BGNBD, clv_data(n))),
    "patron_clv_predict": ({"expected": np.float64, "alive": np.float64}, N,
                           lambda o, n: ffi.patron_clv_predict(o["expected"], o["alive"], BGNBD, clv_data(n), 4.0)),
    "patron_clv_expected_purchases_new": ({"out": np.float64}, N,
                                          lambda o, n: ffi.patron_clv_expected_purchases_new(
                                              o["out"], BGNBD, np.linspace(0.5, 40, n), n)),
    "patron_clv_prob_purchases": ({"out": np.float64}, N,
                                  lambda o, n: ffi.patron_clv_prob_purchases(
                                      o["out"], BGNBD, np.full(n, 10.0), np.arange(n, dtype=np.int64) % 5, n)),
    "patron_clv_expected_cohort": ({"out": np.float64}, N,
                                   lambda o, n: ffi.patron_clv_expected_cohort(
                                       o["out"], BGNBD, np.arange(3.0), None, 3, np.linspace(1, 50, n), n)),
    "patron_clv_expected_spend": ({"out": np.float64}, N,
                                  lambda o, n: ffi.patron_clv_expected_spend(o["out"], GG, clv_data(n))),
    "patron_clv_lifetime_value": ({"out": np.float64}, N,
                                  lambda o, n: ffi.patron_clv_lifetime_value(o["out"], BGNBD, GG, clv_data(n),
                                                                             12, 0.01, 1.0)),
    "patron_clv_dert": ({"out": np.float64}, N, lambda o, n: ffi.patron_clv_dert(o["out"], PNBD, clv_data(n), 0.01)),
    "patron_abtest_km": ({"surv": np.float64, "std_err": np.float64}, N, _km),
    "patron_abtest_km_curve": ({"times": np.float64, "surv": np.float64, "std_err": np.float64,
                                "at_risk": np.int64}, N, _km_curve),
    "patron_abtest_msprt": ({"lambda": np.float64, "p_value": np.float64, "reject": np.int32}, N, _msprt),
    # k is at most 50 (the function's documented limit): the largest n it takes
    "patron_abtest_group_sequential": ({"cumulative_alpha": np.float64, "z_bounds": np.float64,
                                        "nominal_p": np.float64}, 50, _group_sequential),
    "patron_abtest_adjust": ({"holm": np.float64, "bh": np.float64, "bonferroni": np.float64}, N,
                             lambda o, n: ffi.patron_abtest_adjust(o["holm"], o["bh"], o["bonferroni"],
                                                                   np.linspace(1e-6, 1, n), n)),
    "patron_abtest_winsorize": ({"out_a": np.float64, "out_b": np.float64}, N,
                                lambda o, n: ffi.patron_abtest_winsorize(o["out_a"], o["out_b"], np.linspace(0, 1, n), n,
                                                                         np.linspace(0, 2, n), n, 0.01, 0.99)),
    "patron_selection_rows": ({"rows": np.uintp}, N, _selection_rows),
    "patron_ntile_scores": ({"scores": np.uint8}, N, _ntile),
    "patron_rfm_score": ({"r": np.uint8, "f": np.uint8, "m": np.uint8}, N,
                         lambda o, n: ffi.patron_rfm_score(o["r"], o["f"], o["m"], frame(n), None)),
    "patron_value_deciles": ({"deciles": np.uint8}, N,
                             lambda o, n: ffi.patron_value_deciles(o["deciles"], frame(n), "monetary_value")),
    "patron_plan_inputs_from_json": ({"acquisitions": np.int64}, N,
                                     lambda o, n: ffi.patron_plan_inputs_from_json(
                                         ffi.PATRON_PLAN_OPTIONS_INIT(), o["acquisitions"], n,
                                         b'{"acquisitions": [5, 6]}', 24)),
}
RETURNED = {"patron_report_campaigns", "patron_ledger_earn_many"}  # output struct arrays the binding allocates and returns


def test_every_array_output_has_a_case():
    listed = array_outputs()
    assert set(listed) == set(CASES) | RETURNED
    for name, (outs, _, _) in CASES.items():
        assert set(outs) == set(listed[name]), name


@pytest.mark.parametrize("name", sorted(CASES))
def test_array_output_large_n(name):
    outs, n, call = CASES[name]
    o = {k: buf(t, n) for k, t in outs.items()}
    call(o, n)
    for k, t in outs.items():
        if name == "patron_abtest_msprt" and k == "reject":
            assert set(np.unique(o[k])) <= {0, 1}, k
        elif name == "patron_abtest_km" and k == "std_err" or name == "patron_abtest_km_curve" and k == "std_err":
            continue  # NaN is a documented value (where S = 0)
        else:
            assert written(o[k], t), f"{name}: '{k}' not fully written"


@pytest.mark.parametrize("name", sorted(CASES))
def test_array_output_too_short_is_refused(name):
    outs, n, call = CASES[name]
    for short in outs:
        o = {k: buf(t, n - 1 if k == short else n) for k, t in outs.items()}
        with pytest.raises(ValueError, match=f"argument '{short}' has {n - 1} elements"):
            call(o, n)


def test_report_campaigns_returns_n_reports():
    counts = [{"name": f"c{i}", "sent": 1000 + i, "opened": 500, "clicked": 100, "converted": i % 50}
              for i in range(N)]
    reports = ffi.patron_report_campaigns(counts, N, None)
    assert len(reports) == N
    last = reports[-1]
    assert last.name == f"c{N - 1}".encode()
    assert last.sent == 1000 + N - 1 and last.converted == (N - 1) % 50
    assert math.isclose(last.open_rate, 500 / (1000 + N - 1))
    with pytest.raises(ValueError, match="argument 'in' has 2 elements"):
        ffi.patron_report_campaigns(counts[:2], 3, None)
