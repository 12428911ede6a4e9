#!/usr/bin/env python3
"""Far-tail reference values for libpatron's Fisher exact test and Student t
tail, independent of libpatron (tests/abtest/test_tails.c reads them).

Fisher: exact rational arithmetic (Python integers) over the whole support,
converted once with mpmath at 60 digits; the two-sided p sums P(k) <= P(obs)
(1 + 1e-7) like R and abtest.h. Tables have up to 10,000 units per arm: a
seeded random third, a third aimed at p between 1e-320 and 1e-280 (where
double terms underflow), a third far beyond the double range, plus the
examples of issue 14.

Student t: ln P(T > t) by integrating the density numerically (mpmath
quad, 60 digits), checked wherever x = df/(df+t^2) < 1/2 against the
hypergeometric series I_x(a, b) = x^a (1-x)^b / (a B(a, b)) 2F1(a+b, 1; a+1; x),
for df from 1 to 1e9 and |t| up to 1e6.

Run: /usr/bin/python3 tests/data/gen_abtest_tails.py > tests/data/abtest_tail_vectors.json
"""
import json
import sys
import random
from fractions import Fraction
from mpmath import mp, mpf, log, hyp2f1, beta as B

mp.dps = 60


def lg(fr):
    """ln of a positive Fraction, to 60 digits (log1p near 1, where the
    difference of two logs would cancel)."""
    if fr > Fraction(1, 2):
        q = 1 - fr
        return mp.log1p(-(mpf(q.numerator) / q.denominator))
    return log(mpf(fr.numerator)) - log(mpf(fr.denominator))


def fisher(a, b, c, d):
    r1, r2, c1 = a + b, c + d, a + c
    lo, hi = max(0, c1 - r2), min(r1, c1)
    # numerators C(r1, k) C(r2, c1 - k) by exact recurrences, common denominator C(n, c1)
    ks = range(lo, hi + 1)
    from math import comb
    ca, cb = comb(r1, lo), comb(r2, c1 - lo)
    num = {}
    for k in ks:
        num[k] = ca * cb
        if k < hi:
            ca = ca * (r1 - k) // (k + 1)
            cb = cb * (c1 - k) // (r2 - c1 + k + 1)
    den = sum(num.values())  # = C(n, c1)
    po = num[a]
    cut = Fraction(po) * (1 + Fraction(1, 10**7))
    two = sum(v for v in num.values() if v <= cut)
    less = sum(v for k, v in num.items() if k <= a)
    greater = sum(v for k, v in num.items() if k >= a)
    out = {"table": [a, b, c, d]}
    for name, v in (("two_sided", two), ("less", less), ("greater", greater)):
        fr = min(Fraction(1), Fraction(v, den))
        l = lg(fr)
        out["log_p_" + name] = float(l)
        out["p_" + name] = float(mp.exp(l))  # 0 or subnormal below the double range
    return out


def ibeta_series(a, b, x, direct=False):
    """ln I_x(a, b) = ln[x^a (1-x)^b / (a B(a, b)) 2F1(a+b, 1; a+1; x)]; the
    series is summed term by term when direct (mpmath's hyp2f1 transforms
    x near 1 and can fail to converge there)."""
    if direct:
        term, total, k = mpf(1), mpf(0), 0
        while term > total * mpf(10) ** -(mp.dps + 5):
            total += term
            term *= (a + b + k) / (a + 1 + k) * x
            k += 1
        f = total
    else:
        f = hyp2f1(a + b, 1, a + 1, x)
    return a * log(x) + b * log(1 - x) - log(a) - log(B(a, b)) + log(f)


def t_logsf_quad(t, df):
    """ln P(T > t), t >= 0, by integrating the density from t: with
    g(u) = -(df+1)/2 ln(1 + u^2/df) and s = g'(t) the integrand
    exp(g(t + v/s) - g(t)) / s decays like exp(-v) on v in [0, inf)."""
    k = (df + 1) / 2
    g = lambda u: -k * mp.log1p(u * u / df)
    s = (df + 1) * t / (df + t * t)
    if s == 0:
        return log(mpf(1) / 2)
    gt = g(t)
    i = mp.quad(lambda v: mp.exp(g(t + v / s) - gt), [0, 1, 5, 20, 100, mp.inf]) / s
    return mp.loggamma(k) - mp.loggamma(df / 2) - log(df * mp.pi) / 2 + gt + log(i)


def t_logsf(t, df):
    t, df = mpf(t), mpf(df)
    if t < 0:
        return log(1 - mp.exp(t_logsf(-t, df)))
    half = mpf(1) / 2
    x = df / (df + t * t)
    q = t_logsf_quad(t, df)
    if x < half:  # P = I_x(df/2, 1/2) / 2, the series converges fast: check one by the other
        v = ibeta_series(df / 2, half, x) - log(2)
        assert abs(v - q) <= mpf(10) ** -30 * abs(v), (t, df, v, q)
    return q


def main():
    rng = random.Random(20261202)
    tables = [(1149, 1533, 1172, 14), (1008, 20, 540, 1170), (3, 4724, 294, 327)]
    while len(tables) < 300:
        kind = len(tables) % 3
        na, nb = rng.randint(1, 10000), rng.randint(1, 10000)
        if kind == 0:  # uniform rates
            a, c = rng.randint(0, na), rng.randint(0, nb)
        else:  # rates far apart: p near or below the double range
            pa = rng.uniform(0, 1)
            gap = rng.uniform(0.2, 0.9) if kind == 1 else rng.uniform(0.6, 1.0)
            pb = pa + gap if pa + gap <= 1 else pa - gap
            pb = min(max(pb, 0), 1)
            a, c = round(pa * na), round(pb * nb)
        tables.append((a, na - a, c, nb - c))
    fis = [fisher(*t) for t in tables] if "--no-fisher" not in sys.argv else []

    tcases = []
    dfs = [1, 2, 3, 5, 10, 30, 100, 1000, 1999, 2001, 5000, 1e4, 1e5, 3e5, 1e6, 1e7, 1e8, 1e9]
    ts = [0.5, 1, 2, 5, 10, 30, 100, 1000, 1e4, 3e4, 1e5, 1e6]
    for df in dfs:
        for t in ts:
            tcases.append((t, df))
        tcases.append((-3.0, df))
    for df in (1, 7, 2500, 1e6, 1e9):  # t^2 beyond the double range
        for t in (1e99, 1e101, 1e160, 1e250):
            tcases.append((t, df))
    for _ in range(150):
        df = float(round(10 ** rng.uniform(0, 9), 3 if rng.random() < 0.3 else 0)) or 1.0
        t = 10 ** rng.uniform(-1, 6)
        tcases.append((t, df))
    tc = []
    for t, df in tcases:
        v = t_logsf(t, df)
        tc.append({"t": float(t), "df": float(df), "log_sf": float(v)})
    json.dump({"generator": "tests/data/gen_abtest_tails.py", "fisher": fis, "t_logsf": tc}, sys.stdout,
              indent=0)


main()
