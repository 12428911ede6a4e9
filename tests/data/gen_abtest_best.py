#!/usr/bin/env python3
"""Reference values for patron_abtest_best_proportions() and
patron_abtest_best_means() ("probability to be best" and expected loss over
k arms), independent of libpatron; read by tests/abtest/test_best.c.

With independent posteriors (densities f_i, cdfs F_i):
  P(i best) = int f_i(x) prod_{j != i} F_j(x) dx
  loss_i    = E[max_j theta_j] - E[theta_i],
  E[max_j theta_j] = sum_i int x f_i(x) prod_{j != i} F_j(x) dx.
Every integral by mpmath (Gauss-Legendre, or tanh-sinh where a beta density
is singular at an end point, at 25 digits, the interval
split at the posterior means +/- 0, 1, 3, 8, 20 sd; mpmath's erfc for the
normal cdf; for the beta cdf the positive hypergeometric series written
below, since mpmath's betainc does not finish at these parameters). The loss
is formed from E[max] directly (a different decomposition from the
library's). Checks asserted below: the probabilities sum to 1 within 1e-20,
and for two arms P(B > A) equals Evan Miller's closed-form sum (integer
parameters) and the normal case Phi(d / s) to 1e-20.

Run: /usr/bin/python3 tests/data/gen_abtest_best.py [--without-million] > tests/data/abtest_best_vectors.json
"""
import json
import sys
import mpmath as mp

mp.mp.dps = 25


def betainc_series(a, b, x, lb):
    """I_x(a, b) at mpmath precision by the positive series
    x^a (1-x)^b / (a B(a, b)) sum_k (a+b)_k / (a+1)_k x^k (no cancellation),
    on the side of the mean where it converges faster."""
    if x <= 0:
        return mp.mpf(0)
    if x >= 1:
        return mp.mpf(1)
    if x > a / (a + b):
        return 1 - betainc_series(b, a, 1 - x, lb)
    term, tot, k = mp.mpf(1), mp.mpf(1), 0
    eps = mp.mpf(10) ** (-mp.mp.dps - 2)
    while True:
        term *= (a + b + k) * x / (a + 1 + k)
        tot += term
        k += 1
        if term < eps * tot and (a + b + k) * x < (a + 1 + k):
            break
    return mp.exp(a * mp.log(x) + b * mp.log1p(-x) - mp.log(a) - lb) * tot


def beta_arms(x, n, pa, pb):
    arms = []
    for xi, ni in zip(x, n):
        a = mp.mpf(xi) + mp.mpf(pa)
        b = mp.mpf(ni - xi) + mp.mpf(pb)
        lb = mp.log(mp.beta(a, b))
        cache = {}

        def cdf(t, a=a, b=b, cache=cache, lb=lb):
            if t not in cache:
                cache[t] = betainc_series(a, b, t, lb)
            return cache[t]
        arms.append(dict(
            pdf=(lambda t, a=a, b=b, lb=lb: mp.exp((a - 1) * mp.log(t) + (b - 1) * mp.log1p(-t) - lb)),
            cdf=cdf, m=a / (a + b), s=mp.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))))
    lo = max(mp.mpf(0), min(a["m"] - 40 * a["s"] for a in arms))
    hi = min(mp.mpf(1), max(a["m"] + 40 * a["s"] for a in arms))
    return arms, lo, hi


def normal_arms(n, mean, sd):
    arms = []
    for ni, mi, si in zip(n, mean, sd):
        m = mp.mpf(mi)
        s = mp.mpf(si) / mp.sqrt(ni)
        arms.append(dict(
            pdf=(lambda t, m=m, s=s: mp.npdf(t, m, s)),
            cdf=(lambda t, m=m, s=s: mp.ncdf(t, m, s)),
            m=m, s=s))
    lo = min(a["m"] - 40 * a["s"] for a in arms)
    hi = max(a["m"] + 40 * a["s"] for a in arms)
    return arms, lo, hi


def solve(arms, lo, hi, singular=False):
    pts = {lo, hi}
    for a in arms:
        for z in (-20, -8, -3, -1, 0, 1, 3, 8, 20):
            t = a["m"] + z * a["s"]
            if lo < t < hi:
                pts.add(t)
    pts = sorted(pts)
    k = len(arms)
    prob, emax = [], mp.mpf(0)
    for i in range(k):
        def g(t, i=i):
            v = arms[i]["pdf"](t)
            for j in range(k):
                if j != i:
                    v *= arms[j]["cdf"](t)
            return v
        # Gauss-Legendre for smooth integrands, tanh-sinh where a density
        # has an end-point singularity (a parameter below 1)
        meth = "tanh-sinh" if singular else "gauss-legendre"
        p = mp.quad(g, pts, method=meth)
        e = mp.quad(lambda t: t * g(t), pts, method=meth)
        prob.append(p)
        emax += e
    assert abs(sum(prob) - 1) < mp.mpf("1e-20"), sum(prob)
    loss = [emax - a["m"] for a in arms]
    return prob, loss


def miller(a, b, c, d):
    """P(Beta(a, b) > Beta(c, d)) for integer a (Evan Miller)."""
    tot = mp.mpf(0)
    for i in range(int(a)):
        tot += mp.beta(c + i, b + d) / ((b + i) * mp.beta(1 + i, b) * mp.beta(c, d))
    return tot


CASES = [
    ("proportions", dict(x=[597, 489, 530], n=[18262, 13027, 15000], prior=[1, 1])),
    ("proportions", dict(x=[120, 150, 95, 160], n=[1000, 1000, 1000, 1000], prior=[1, 1])),
    ("proportions", dict(x=[0, 2, 1], n=[40, 45, 50], prior=[0.5, 0.5])),
    ("proportions", dict(x=[30, 31], n=[100, 100], prior=[1, 1])),
    ("proportions", dict(x=[10, 60, 45, 50, 52], n=[1000, 1000, 1000, 1000, 1000], prior=[1, 1])),
    ("proportions", dict(x=[50123, 50410, 49870], n=[1000000, 1000000, 1000000], prior=[1, 1])),
    ("means", dict(n=[100, 120, 90, 1000], mean=[1, 1.1, 0.95, 1.02], sd=[1, 1.2, 0.8, 1.1])),
    ("means", dict(n=[5000, 5000], mean=[10.0, 10.3], sd=[4.0, 4.5])),
    ("means", dict(n=[50, 20000, 400], mean=[3.2, 3.0, 3.1], sd=[2.0, 1.5, 0.2])),
    ("means", dict(n=[1000, 1000, 1000], mean=[0.0, -0.5, 0.05], sd=[1.0, 1.0, 1.0])),
]


def main():
    out = []
    # --without-million: leave out the 1,000,000-per-arm case (its beta cdfs
    # take the series more than an hour at 25 digits; gen_abtest_best_million.py
    # computes them with the continued fraction into abtest_best_million.json)
    skip_big = "--without-million" in sys.argv
    for kind, c in CASES:
        if skip_big and max(c["n"]) >= 1000000:
            continue
        if kind == "proportions":
            arms, lo, hi = beta_arms(c["x"], c["n"], *c["prior"])
        else:
            arms, lo, hi = normal_arms(c["n"], c["mean"], c["sd"])
        prob, loss = solve(arms, lo, hi, kind == "proportions" and min(c["prior"]) < 1)
        if len(prob) == 2 and kind == "proportions":
            pa, pb = c["prior"]
            a1 = mp.mpf(c["x"][1]) + pa
            if a1 == int(a1):
                ref = miller(a1, c["n"][1] - c["x"][1] + pb, c["x"][0] + pa, c["n"][0] - c["x"][0] + pb)
                assert abs(ref - prob[1]) < mp.mpf("1e-20"), (ref, prob[1])
        if len(prob) == 2 and kind == "means":
            d = arms[1]["m"] - arms[0]["m"]
            s = mp.sqrt(arms[0]["s"] ** 2 + arms[1]["s"] ** 2)
            assert abs(mp.ncdf(d / s) - prob[1]) < mp.mpf("1e-20")
        rec = dict(kind=kind, **{k: v for k, v in c.items()})
        rec["prob_best"] = [float(p) for p in prob]
        rec["expected_loss"] = [float(v) for v in loss]
        out.append(rec)
        print(kind, rec["prob_best"], file=sys.stderr, flush=True)
    json.dump(dict(generator="tests/data/gen_abtest_best.py%s (mpmath %s, 25 digits)"
                   % (" --without-million" if skip_big else "", mp.__version__),
                   cases=out), sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
