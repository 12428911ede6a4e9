#!/usr/bin/env python3
"""Reference values for patron_abtest_bootstrap() and
patron_abtest_winsorize(), independent of libpatron; read by
tests/abtest/test_boot.c and the binding tests.

1. The resampling stream written from its specification in abtest.h and
   simulate.h (SplitMix64 seeding, xoshiro256**, Lemire's bounded draw) in
   pure Python integers: test vectors of raw outputs and indices, and the
   whole bootstrap (every replicate, percentile and BCa intervals) of small
   samples for each statistic, which the C code must reproduce to the last
   digits (the replicates are the same doubles when the sums run in the
   same order).
2. scipy.stats.bootstrap (its own generator, BCa with jackknife
   acceleration) on a skewed two-sample mean difference with 20000
   resamples: an independent check of the method, matched to Monte Carlo
   precision.
3. Winsorising: numpy.quantile of the pooled values and numpy.clip.

Run: /usr/bin/python3 tests/data/gen_abtest_boot.py > tests/data/abtest_boot_vectors.json
"""
import json
import math

import numpy as np
from scipy import stats

M64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def splitmix_mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


class Xoshiro:
    def __init__(self, seed, stream):
        state = (seed + stream * 4 * GAMMA) & M64
        self.s = []
        for _ in range(4):
            state = (state + GAMMA) & M64
            self.s.append(splitmix_mix(state))

    def next(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M64
        result = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def index(self, n):
        m = self.next() * n
        if (m & M64) < n:
            t = ((1 << 64) - n) % n
            while (m & M64) < t:
                m = self.next() * n
        return m >> 64


def q7(v, q):
    v = sorted(v)
    h = (len(v) - 1) * q
    f = math.floor(h)
    if f + 1 >= len(v):
        return v[-1]
    return v[f] + (h - f) * (v[f + 1] - v[f])


def mean_shift(x, shift):
    t = 0.0
    for v in x:
        t += v - shift
    return shift + t / len(x)


def cuped_adjusted(ra, rb, shift):
    """Adjusted means with the pooled within-arm slope (numpy lstsq)."""
    A = np.array(ra) - shift
    B = np.array(rb) - shift
    ya, xa, yb, xb = A[:, 0], A[:, 1:], B[:, 0], B[:, 1:]
    Xc = np.vstack([xa - xa.mean(0), xb - xb.mean(0)])
    yc = np.concatenate([ya - ya.mean(), yb - yb.mean()])
    beta = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    xbar = np.vstack([xa, xb]).mean(0)
    adj_a = ya.mean() - (xa.mean(0) - xbar) @ beta + shift[0]
    adj_b = yb.mean() - (xb.mean(0) - xbar) @ beta + shift[0]
    return float(adj_a), float(adj_b), beta


def bootstrap(ra, rb, stat, B, seed, alpha, q, relative):
    p = len(ra[0])
    shift = [sum(r[i] for r in ra + rb) / (len(ra) + len(rb)) for i in range(p)]

    def value(rows):
        if stat == 0:
            return mean_shift([r[0] for r in rows], shift[0])
        if stat == 1:
            m = d = 0.0
            for r in rows:
                m += r[0]
                d += r[1]
            return m / d
        return q7([r[0] for r in rows], q)

    comb = (lambda a, b: b / a - 1) if relative else (lambda a, b: b - a)
    if stat == 3:
        va, vb, beta = cuped_adjusted(ra, rb, shift)
    else:
        va, vb, beta = value(ra), value(rb), None
    est = comb(va, vb)
    reps = []
    for j in range(B):
        g = Xoshiro(seed, j)
        sa = [ra[g.index(len(ra))] for _ in range(len(ra))]
        sb = [rb[g.index(len(rb))] for _ in range(len(rb))]
        if stat == 3:
            a, b, _ = cuped_adjusted(sa, sb, shift)
        else:
            a, b = value(sa), value(sb)
        reps.append(comb(a, b))
    reps_arr = np.array(reps)
    below = float(np.sum(reps_arr < est) + 0.5 * np.sum(reps_arr == est))
    z0 = float(stats.norm.ppf(below / B))
    out = {"estimate": est, "se": float(reps_arr.std(ddof=1)), "bias": float(reps_arr.mean() - est),
           "ci_percentile": [q7(reps, alpha / 2), q7(reps, 1 - alpha / 2)], "z0": z0, "first_replicates": reps[:5]}
    if stat != 2:
        def infl(rows, v, scale):
            R = np.array(rows)
            if stat == 0:
                u = R[:, 0] - v
            elif stat == 1:
                u = (R[:, 0] - v * R[:, 1]) / R[:, 1].mean()
            else:
                e = R[:, 0] - R[:, 1:] @ beta
                u = e - e.mean()
            return u * scale / len(rows)
        da, db = (-vb / va ** 2, 1 / va) if relative else (-1.0, 1.0)
        U = np.concatenate([infl(ra, va, da), infl(rb, vb, db)])
        a = float(np.sum(U ** 3) / (6 * np.sum(U ** 2) ** 1.5))
        zl, zh = stats.norm.ppf(alpha / 2), stats.norm.ppf(1 - alpha / 2)
        a1 = stats.norm.cdf(z0 + (z0 + zl) / (1 - a * (z0 + zl)))
        a2 = stats.norm.cdf(z0 + (z0 + zh) / (1 - a * (z0 + zh)))
        out.update({"acceleration": a, "ci_bca": [q7(reps, a1), q7(reps, a2)]})
    return out


def main():
    rng = np.random.default_rng(777)
    vectors = {"raw": [], "index": []}
    for seed, stream in ((0, 0), (42, 0), (42, 7), (2**64 - 1, 3)):
        g = Xoshiro(seed, stream)
        vectors["raw"].append({"seed": str(seed), "stream": stream, "outputs": [str(g.next()) for _ in range(4)]})
    for seed, n in ((1, 10), (1, 3), (99, 1000003), (5, 2**63 + 5)):
        g = Xoshiro(seed, 0)
        vectors["index"].append({"seed": seed, "n": str(n), "indices": [str(g.index(n)) for _ in range(8)]})
    cases = []
    spend = lambda n, s: np.round(rng.lognormal(math.log(30 * s), 0.9, n), 2)
    a, b = spend(40, 1.0), spend(45, 1.2)
    for stat, rel in ((0, 0), (0, 1), (2, 0)):
        ra, rb = [[float(v)] for v in a], [[float(v)] for v in b]
        cases.append({"stat": stat, "relative": rel, "q": 0.5, "alpha": 0.05, "seed": 2026, "replicates": 300,
                      "rows_a": ra, "rows_b": rb, **bootstrap(ra, rb, stat, 300, 2026, 0.05, 0.5, rel)})
    ra, rb = [[float(v)] for v in a], [[float(v)] for v in b]
    cases.append({"stat": 2, "relative": 1, "q": 0.9, "alpha": 0.1, "seed": 5, "replicates": 200,
                  "rows_a": ra, "rows_b": rb, **bootstrap(ra, rb, 2, 200, 5, 0.1, 0.9, 1)})
    orders_a, orders_b = rng.poisson(2, 35) + 1, rng.poisson(2, 38) + 1
    ra = [[float(np.round(o * rng.gamma(3, 8), 2)), float(o)] for o in orders_a]
    rb = [[float(np.round(o * rng.gamma(3, 9), 2)), float(o)] for o in orders_b]
    for rel in (0, 1):
        cases.append({"stat": 1, "relative": rel, "q": 0.5, "alpha": 0.05, "seed": 11, "replicates": 250,
                      "rows_a": ra, "rows_b": rb, **bootstrap(ra, rb, 1, 250, 11, 0.05, 0.5, rel)})
    xa, xb = rng.normal(50, 10, 30), rng.normal(50, 10, 32)
    ya, yb = xa * 0.8 + rng.normal(10, 5, 30), xb * 0.8 + rng.normal(12, 5, 32)
    ra = [[float(np.round(y, 4)), float(np.round(x, 4))] for y, x in zip(ya, xa)]
    rb = [[float(np.round(y, 4)), float(np.round(x, 4))] for y, x in zip(yb, xb)]
    cases.append({"stat": 3, "relative": 0, "q": 0.5, "alpha": 0.05, "seed": 3, "replicates": 200,
                  "rows_a": ra, "rows_b": rb, **bootstrap(ra, rb, 3, 200, 3, 0.05, 0.5, 0)})
    # scipy's BCa on a skewed mean difference (independent generator and acceleration)
    sa, sb = spend(300, 1.0), spend(300, 1.1)
    res = stats.bootstrap((sa, sb), lambda x, y, axis=-1: np.mean(y, axis=axis) - np.mean(x, axis=axis),
                          n_resamples=20000, method="BCa", confidence_level=0.95, random_state=1, vectorized=True)
    resp = stats.bootstrap((sa, sb), lambda x, y, axis=-1: np.mean(y, axis=axis) - np.mean(x, axis=axis),
                           n_resamples=20000, method="percentile", confidence_level=0.95, random_state=1, vectorized=True)
    scipy_case = {"a": [float(v) for v in sa], "b": [float(v) for v in sb],
                  "bca": [float(res.confidence_interval.low), float(res.confidence_interval.high)],
                  "percentile": [float(resp.confidence_interval.low), float(resp.confidence_interval.high)],
                  "se": float(res.standard_error)}
    w = rng.lognormal(3, 1, 50)
    wa, wb = [float(v) for v in np.round(w[:20], 3)], [float(v) for v in np.round(w[20:], 3)]
    pooled = np.array(wa + wb)
    lo, hi = float(np.quantile(pooled, 0.05)), float(np.quantile(pooled, 0.95))
    wins = {"a": wa, "b": wb, "lower_q": 0.05, "upper_q": 0.95, "caps": [lo, hi],
            "out_a": [float(v) for v in np.clip(wa, lo, hi)], "out_b": [float(v) for v in np.clip(wb, lo, hi)]}
    print(json.dumps({"generator": "tests/data/gen_abtest_boot.py", "vectors": vectors, "cases": cases,
                      "scipy": scipy_case, "winsorize": wins}))


if __name__ == "__main__":
    main()
