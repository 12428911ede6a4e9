#!/usr/bin/env python3
"""Reference values for patron_abtest_many_means() / _many_proportions()
(Dunnett's many-to-one test), independent of libpatron; read by
tests/abtest/test_many.c.

Dunnett (1955): with a shared control, T_i = (lambda_i W + rho_i Z_i) / s,
so P(max_i |T_i| > c) = E_s E_W [1 - prod_i (Phi((c s - lambda_i W) / rho_i)
- Phi((-c s - lambda_i W) / rho_i))], s^2 ~ chi2(df)/df. Here that double
integral is computed by QUADPACK (scipy.integrate.quad, nested, relative
tolerance 1e-13; s from its chi density, W over the real line) and c by
Brent's method. Checks, asserted below: Dunnett's published two-sided 5%
table (equal n, to its 2 decimals) and, for the normal case, scipy's
multivariate_normal.cdf (Genz's algorithm, a different method) to 2e-6.

Run: /usr/bin/python3 tests/data/gen_abtest_many.py [--proportions-only] > tests/data/abtest_many_vectors.json
(the committed file was made with --proportions-only: the means cases took
more than 30 minutes on the shared machine; test_many.c checks the t case
against Dunnett's table instead).
"""
import json
import math
import sys
import numpy as np
from scipy import integrate, optimize, special
from scipy.stats import multivariate_normal

EPS = dict(epsabs=0, epsrel=1e-13, limit=400)


def outside(lams, c, df, two_sided):
    """P(max |T_i| > c) (two-sided) or P(max T_i > c)."""
    lams = np.asarray(lams, dtype=float)
    rhos = np.sqrt((1 - lams) * (1 + lams))

    def given_s(cs):
        def inner(w):
            q = special.ndtr(-(cs - lams * w) / rhos)
            if two_sided:
                q = q + special.ndtr((-cs - lams * w) / rhos)
            phi = math.exp(-w * w / 2) / math.sqrt(2 * math.pi)
            if np.any(q >= 1):
                return phi
            return -math.expm1(float(np.sum(np.log1p(-q)))) * phi
        # a small p comes from W near lambda c s: reach 10 beyond it
        r = max(10.0, float(np.max(lams)) * cs + 10)
        pts = sorted({-cs / l for l in lams if l > 0} | {cs / l for l in lams if l > 0} | {0.0})
        pts = [p for p in pts if -r < p < r]
        return integrate.quad(inner, -r, r, points=pts, **EPS)[0]

    if df is None:
        return given_s(c)
    nu = float(df)
    lc = math.log(2) + (nu / 2) * math.log(nu / 2) - special.gammaln(nu / 2)
    dens = lambda s: math.exp(lc + (nu - 1) * math.log(s) - nu * s * s / 2) if s > 0 else 0.0
    sd = 1 / math.sqrt(2 * nu)
    hi = 1 + 40 * sd + 10 / math.sqrt(nu)
    pts = [p for p in (1 - 6 * sd, 1 - 3 * sd, 1, 1 + 3 * sd, 1 + 6 * sd) if 0 < p < hi]
    return integrate.quad(lambda s: dens(s) * given_s(c * s), 0, hi, points=pts, **EPS)[0]


def critical(lams, alpha, df, two_sided):
    return optimize.brentq(lambda c: math.log(outside(lams, c, df, two_sided)) - math.log(alpha), 1.0, 8.0,
                           xtol=1e-14, rtol=1e-14)


def check_table(normal_only):
    """Dunnett (1955) table, two-sided 5%, equal n (lambda^2 = 1/2)."""
    table = {(None, 2): 2.21, (None, 3): 2.35, (None, 4): 2.44, (10, 2): 2.57, (10, 3): 2.76, (10, 4): 2.89,
             (5, 2): 3.03, (5, 3): 3.29, (20, 2): 2.38, (20, 3): 2.54}
    for (df, k), want in table.items():
        if normal_only and df is not None:
            continue
        c = critical([math.sqrt(0.5)] * k, 0.05, df, True)
        assert abs(c - want) <= 0.0051, (df, k, c, want)


def genz_check(lams, c, two_sided):
    k = len(lams)
    cov = np.array([[1.0 if i == j else float(lams[i] * lams[j]) for j in range(k)] for i in range(k)])
    lo = -np.full(k, float(c)) if two_sided else np.full(k, -np.inf)
    inside = multivariate_normal.cdf(np.full(k, float(c)), mean=np.zeros(k), cov=cov, maxpts=10**7, abseps=1e-9,
                                     releps=1e-9, lower_limit=lo)
    return 1 - inside


def means_case(n, mean, sd, sides, alpha=0.05):
    k = len(n)
    N = sum(n)
    df = N - k
    s2 = sum((ni - 1) * si * si for ni, si in zip(n, sd)) / df
    two = sides == 2
    lams = [math.sqrt(n[i] / (n[i] + n[0])) for i in range(1, k)]
    stats, padj = [], []
    for i in range(1, k):
        se = math.sqrt(s2 * (1 / n[i] + 1 / n[0]))
        t = (mean[i] - mean[0]) / se
        stats.append(t)
        padj.append(outside(lams, abs(t) if two else t, df, two))
    c = critical(lams, alpha, df, two)
    return {"kind": "means", "n": n, "mean": mean, "sd": sd, "sides": sides, "alpha": alpha, "df": df,
            "statistic": [float(t) for t in stats], "p_adjusted": [float(p) for p in padj],
            "critical_value": float(c)}


def prop_case(x, n, sides, alpha=0.05):
    k = len(n)
    p = [xi / ni for xi, ni in zip(x, n)]
    v = [pi * (1 - pi) / ni for pi, ni in zip(p, n)]
    two = sides == 2
    lams = [math.sqrt(v[0] / (v[0] + v[i])) for i in range(1, k)]
    stats, padj = [], []
    for i in range(1, k):
        z = (p[i] - p[0]) / math.sqrt(v[0] + v[i])
        stats.append(z)
        padj.append(outside(lams, abs(z) if two else z, None, two))
    c = critical(lams, alpha, None, two)
    for z, pa in zip(stats, padj):
        g = genz_check(lams, abs(z) if two else z, two)
        assert abs(g - float(pa)) < 2e-6, (x, n, z, g, pa)
    g = genz_check(lams, c, two)
    assert abs(g - alpha) < 2e-6, (x, n, c, g)
    return {"kind": "proportions", "x": x, "n": n, "sides": sides, "alpha": alpha,
            "statistic": [float(z) for z in stats], "p_adjusted": [float(pa) for pa in padj],
            "critical_value": float(c)}


def main():
    # --proportions-only: the normal cases alone (a minute); the means cases
    # (nested quadrature of the multivariate t) take far longer.
    quick = "--proportions-only" in sys.argv
    check_table(quick)
    cases = [] if quick else [
        means_case([5, 5, 5], [10.0, 12.5, 14.0], [2.0, 2.5, 1.5], 2),
        means_case([12, 9, 15, 11], [50.0, 53.0, 49.0, 57.5], [6.0, 7.0, 5.5, 8.0], 2),
        means_case([12, 9, 15, 11], [50.0, 53.0, 49.0, 57.5], [6.0, 7.0, 5.5, 8.0], 1),
        means_case([2000, 2100, 1950], [48.2, 49.9, 48.0], [33.0, 34.0, 32.5], 2),
        means_case([40, 400, 400, 400, 400], [1.0, 1.3, 1.1, 0.9, 1.6], [1.0, 1.1, 0.9, 1.0, 1.2], 2),
        means_case([3, 2, 2], [0.0, 5.0, -1.0], [1.0, 1.0, 0.5], 2),
    ]
    cases += [
        prop_case([597, 489, 530], [18262, 13027, 15000], 2),
        prop_case([120, 150, 95, 160], [1000, 1000, 1000, 1000], 2),
        prop_case([120, 150, 95, 160], [1000, 1000, 1000, 1000], 1),
        prop_case([50, 400, 420], [100, 1000, 1000], 2),
        prop_case([1000, 1400, 900, 1010, 1200], [10000, 10000, 10000, 10000, 10000], 2),
    ]
    json.dump({"generator": "tests/data/gen_abtest_many.py" + (" --proportions-only" if quick else ""),
               "cases": cases}, sys.stdout, indent=1)


main()
