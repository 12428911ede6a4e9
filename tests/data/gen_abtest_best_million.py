#!/usr/bin/env python3
"""Reference values for patron_abtest_best_proportions() at 1,000,000
customers per arm (tests/abtest/test_best.c, test_best_million), independent
of libpatron.

The integrals are those of gen_abtest_best.py (P(i best) = int f_i prod F_j,
E[max] from x f_i prod F_j, mpmath Gauss-Legendre at 30 digits over the
posterior means +/- 0, 1, 3, 8, 20 sd), but the beta cdf is the continued
fraction of I_x(a, b) (modified Lentz, at mpmath precision) instead of the
positive series, which needs more than an hour at these parameters: the
fraction converges in about sqrt(max(a, b)) terms. It is checked against the
series at a smaller case and the probabilities sum to 1 within 1e-25.

Run: /usr/bin/python3 tests/data/gen_abtest_best_million.py > tests/data/abtest_best_million.json
"""
import json
import sys
import mpmath as mp

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from gen_abtest_best import betainc_series, solve  # noqa: E402

mp.mp.dps = 30


def betainc_cf(a, b, x, lb):
    """I_x(a, b) by its continued fraction, on the side where it converges."""
    if x <= 0:
        return mp.mpf(0)
    if x >= 1:
        return mp.mpf(1)
    if x > (a + 1) / (a + b + 2):
        return 1 - betainc_cf(b, a, 1 - x, lb)
    tiny = mp.mpf(10) ** (-200)
    eps = mp.mpf(10) ** (-mp.mp.dps - 2)
    c, d = mp.mpf(1), 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    m = 1
    while True:
        m2 = 2 * m
        num = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
        d = 1 + num * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + num / c
        h *= d * c
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
        d = 1 + num * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + num / c
        delta = d * c
        h *= delta
        if abs(delta - 1) < eps:
            break
        m += 1
    return mp.exp(a * mp.log(x) + b * mp.log1p(-x) - mp.log(a) - lb) * h


def beta_arms(x, n, pa, pb):
    arms = []
    for xi, ni in zip(x, n):
        a = mp.mpf(xi) + pa
        b = mp.mpf(ni - xi) + pb
        lb = mp.log(mp.beta(a, b))
        cache = {}

        def cdf(t, a=a, b=b, cache=cache, lb=lb):
            if t not in cache:
                cache[t] = betainc_cf(a, b, t, lb)
            return cache[t]
        arms.append(dict(
            pdf=(lambda t, a=a, b=b, lb=lb: mp.exp((a - 1) * mp.log(t) + (b - 1) * mp.log1p(-t) - lb)),
            cdf=cdf, m=a / (a + b), s=mp.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))))
    lo = max(mp.mpf(0), min(a["m"] - 40 * a["s"] for a in arms))
    hi = min(mp.mpf(1), max(a["m"] + 40 * a["s"] for a in arms))
    return arms, lo, hi


CASES = [
    dict(x=[50123, 50410, 49870], n=[1000000, 1000000, 1000000], prior=[1, 1]),
    dict(x=[20000, 20150, 20090, 19950], n=[1000000, 1000000, 1000000, 1000000], prior=[1, 1]),
]


def main():
    # the fraction against the series where the series is quick
    a, b = mp.mpf(301), mp.mpf(2700)
    lb = mp.log(mp.beta(a, b))
    for t in (mp.mpf("0.09"), mp.mpf("0.1"), mp.mpf("0.115")):
        s, f = betainc_series(a, b, t, lb), betainc_cf(a, b, t, lb)
        assert abs(s - f) < mp.mpf("1e-24") * max(s, 1 - s), (t, s, f)
    out = []
    for c in CASES:
        arms, lo, hi = beta_arms(c["x"], c["n"], *c["prior"])
        prob, loss = solve(arms, lo, hi)
        assert abs(sum(prob) - 1) < mp.mpf("1e-25"), sum(prob)
        rec = dict(kind="proportions", **c)
        rec["prob_best"] = [float(p) for p in prob]
        rec["expected_loss"] = [float(v) for v in loss]
        out.append(rec)
        print(rec["prob_best"], file=sys.stderr, flush=True)
    json.dump(dict(generator="tests/data/gen_abtest_best_million.py (mpmath %s, 30 digits, continued fraction)"
                   % mp.__version__, cases=out), sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
