#!/usr/bin/env python3
"""Reference values for regression adjustment (patron_abtest_cuped_*,
patron_abtest_ratio_cuped_*), post-stratification (patron_abtest_poststratify)
and quantile metrics (patron_abtest_quantile), independent of libpatron;
read by tests/abtest/test_adjust.c and the binding tests.

The data are drawn here (numpy, seeded) and stored in the JSON, so the
tests do not depend on numpy's generator. References:
- CUPED with k covariates: statsmodels OLS of y on [1, T, x_1..x_k] gives
  the treatment coefficient, its classical standard error, df and the
  slopes; the per-arm residual standard error and the relative lift are
  computed from the residuals with numpy, the lift by the delta method in
  matrix form (Jacobian of the adjusted means in the four arm means
  (ybar_a, g.xbar_a, ybar_b, g.xbar_b), block-diagonal covariance), a
  different route from the scalar formulas of lib/abtest/cuped_multi.c.
- Ratio metric with covariates: each unit's linearised ratio
  l = (m - R d) / dbar is formed explicitly and regressed by statsmodels OLS
  on [1, T, x] (the within-arm slope); the effect and its variance from the
  per-arm residuals.
- Post-stratification: stratum means and sample variances of the raw data
  (numpy), weighted by the pooled stratum shares or given shares.
- Quantiles: numpy.quantile (linear interpolation, the default), the
  order-statistic ranks from scipy.stats.binom, order statistics
  interpolated with numpy.interp.

Run: /usr/bin/python3 tests/data/gen_abtest_adjust.py > tests/data/abtest_adjust_vectors.json
Needs python3-numpy, python3-scipy, python3-statsmodels (Debian packages).
"""
import json
import math

import numpy as np
import statsmodels.api as sm
from scipy import stats


def rows(a):
    return [[float(v) for v in r] for r in a]


def cuped_case(rng, na, nb, k, effect, alpha, shift=0.0):
    cov = np.eye(k) * 0.5 + 0.5 if k else None
    xa = rng.multivariate_normal(np.full(k, 10.0), cov, na) if k else np.zeros((na, 0))
    xb = rng.multivariate_normal(np.full(k, 10.0), cov, nb) if k else np.zeros((nb, 0))
    coef = np.linspace(1.5, 0.3, k) if k else np.zeros(0)
    ya = shift + 5 + xa @ coef + rng.normal(0, 2.0, na)
    yb = shift + 5 + effect + xb @ coef + rng.normal(0, 2.5, nb)
    ya, yb = np.round(ya, 6), np.round(yb, 6)
    xa, xb = np.round(xa, 6), np.round(xb, 6)
    y = np.concatenate([ya, yb])
    T = np.concatenate([np.zeros(na), np.ones(nb)])
    X = np.column_stack([np.ones(na + nb), T, np.vstack([xa, xb])])
    fit = sm.OLS(y, X).fit()
    beta = fit.params[2:]
    ci = fit.conf_int(alpha)[1]
    xbar = np.vstack([xa, xb]).mean(axis=0)
    adj_a = ya.mean() - (xa.mean(axis=0) - xbar) @ beta
    adj_b = yb.mean() - (xb.mean(axis=0) - xbar) @ beta
    ra, rb = ya - xa @ beta, yb - xb @ beta
    se = math.sqrt(ra.var(ddof=1) / na + rb.var(ddof=1) / nb)
    z = stats.norm.isf(alpha / 2)
    # relative lift: adjusted means linear in m = (ybar_a, g.xbar_a, ybar_b, g.xbar_b)
    wa, wb = na / (na + nb), nb / (na + nb)
    L = np.array([[1, -wb, 0, wb], [0, wa, 1, -wa]])
    Sa = np.cov(np.column_stack([ya, xa @ beta]), rowvar=False, ddof=1) / na
    Sb = np.cov(np.column_stack([yb, xb @ beta]), rowvar=False, ddof=1) / nb
    S = np.zeros((4, 4))
    S[:2, :2], S[2:, 2:] = Sa, Sb
    V = L @ S @ L.T
    grad = np.array([-adj_b / adj_a ** 2, 1 / adj_a])
    rel = adj_b / adj_a - 1
    rel_se = math.sqrt(grad @ V @ grad)
    unadj_se = math.sqrt(ya.var(ddof=1) / na + yb.var(ddof=1) / nb)
    return {
        "kind": "cuped", "alpha": alpha,
        "rows_a": rows(np.column_stack([ya, xa])), "rows_b": rows(np.column_stack([yb, xb])),
        "effect": float(fit.params[1]), "ols_se": float(fit.bse[1]), "ols_df": float(fit.df_resid),
        "ols_p": float(fit.pvalues[1]), "ols_ci": [float(ci[0]), float(ci[1])],
        "beta": [float(v) for v in beta], "r_squared_within": float(1 - fit.ssr / (((ya - ya.mean()) ** 2).sum() + ((yb - yb.mean()) ** 2).sum())),
        "adjusted_mean_a": float(adj_a), "adjusted_mean_b": float(adj_b),
        "residual_var_a": float(ra.var(ddof=1)), "residual_var_b": float(rb.var(ddof=1)),
        "se": se, "p": float(2 * stats.norm.sf(abs(fit.params[1]) / se)),
        "ci": [float(fit.params[1] - z * se), float(fit.params[1] + z * se)],
        "diff_unadjusted": float(yb.mean() - ya.mean()), "se_unadjusted": unadj_se,
        "rel_lift": float(rel), "rel_lift_se": rel_se,
    }


def ratio_case(rng, na, nb, k, alpha):
    def arm(n, lift):
        orders = rng.poisson(2.0, n) + 1.0
        pre_orders = rng.poisson(2.0, n) + 1.0
        taste = rng.gamma(4.0, 5.0, n)
        rev = np.round(orders * taste * lift * rng.lognormal(0, 0.3, n), 2)
        pre_rev = np.round(pre_orders * taste * rng.lognormal(0, 0.3, n), 2)
        cols = [rev, orders, pre_rev, pre_orders][: 2 + k]
        return np.column_stack(cols)
    A, B = arm(na, 1.0), arm(nb, 1.04)
    def lin(M):
        R = M[:, 0].sum() / M[:, 1].sum()
        return R, (M[:, 0] - R * M[:, 1]) / M[:, 1].mean()
    Ra, la = lin(A)
    Rb, lb = lin(B)
    xa, xb = A[:, 2:], B[:, 2:]
    T = np.concatenate([np.zeros(na), np.ones(nb)])
    X = np.column_stack([np.ones(na + nb), T, np.vstack([xa, xb])])
    fit = sm.OLS(np.concatenate([la, lb]), X).fit()
    beta = fit.params[2:]
    xbar = np.vstack([xa, xb]).mean(axis=0)
    adj_a = Ra - (xa.mean(axis=0) - xbar) @ beta
    adj_b = Rb - (xb.mean(axis=0) - xbar) @ beta
    ra, rb = la - xa @ beta, lb - xb @ beta
    se = math.sqrt(ra.var(ddof=1) / na + rb.var(ddof=1) / nb)
    return {
        "kind": "ratio", "alpha": alpha, "rows_a": rows(A), "rows_b": rows(B),
        "effect": float(adj_b - adj_a), "se": se, "beta": [float(v) for v in beta],
        "adjusted_mean_a": float(adj_a), "adjusted_mean_b": float(adj_b),
        "mean_a": float(Ra), "mean_b": float(Rb),
        "se_unadjusted": math.sqrt(la.var(ddof=1) / na + lb.var(ddof=1) / nb),
    }


def poststrat_case(rng, sizes, alpha, weights=None):
    cells_a, cells_b, ya_all, yb_all = [], [], [], []
    for h, (na, nb) in enumerate(sizes):
        base = 20 + 15 * h
        ya = np.round(rng.normal(base, 5 + h, na), 4)
        yb = np.round(rng.normal(base + 1.0, 5 + h, nb), 4)
        cells_a.append([float(v) for v in ya])
        cells_b.append([float(v) for v in yb])
        ya_all.append(ya)
        yb_all.append(yb)
    N = sum(a + b for a, b in sizes)
    w = np.array(weights, float) / sum(weights) if weights else np.array([(a + b) / N for a, b in sizes])
    ma = sum(w[h] * ya_all[h].mean() for h in range(len(sizes)))
    mb = sum(w[h] * yb_all[h].mean() for h in range(len(sizes)))
    va = sum(w[h] ** 2 * ya_all[h].var(ddof=1) / len(ya_all[h]) for h in range(len(sizes)))
    vb = sum(w[h] ** 2 * yb_all[h].var(ddof=1) / len(yb_all[h]) for h in range(len(sizes)))
    A, B = np.concatenate(ya_all), np.concatenate(yb_all)
    return {
        "kind": "poststrat", "alpha": alpha, "strata_a": cells_a, "strata_b": cells_b,
        "weights": list(weights) if weights else None,
        "mean_a": float(ma), "mean_b": float(mb), "effect": float(mb - ma), "se": math.sqrt(va + vb),
        "diff_unadjusted": float(B.mean() - A.mean()),
        "se_unadjusted": math.sqrt(A.var(ddof=1) / len(A) + B.var(ddof=1) / len(B)),
        "rel_lift": float(mb / ma - 1), "rel_lift_se": math.sqrt(vb / ma ** 2 + mb ** 2 * va / ma ** 4),
    }


def quantile_arm(x, q, alpha):
    x = np.sort(x)
    n = len(x)
    F = lambda k: stats.binom.cdf(k, n, q)
    ks = np.arange(n)
    cdf = F(ks)
    ok = np.nonzero(cdf <= alpha / 2)[0]
    l = int(ok.max()) + 1 if len(ok) else 0
    sf = stats.binom.sf(ks, n, q)
    ok = np.nonzero(sf <= alpha / 2)[0]
    u = int(ok.min()) + 1 if len(ok) else n + 1
    lo = float(x[l - 1]) if l >= 1 else -math.inf
    hi = float(x[u - 1]) if u <= n else math.inf
    cov = (1.0 if u > n else F(u - 1)) - (0.0 if l == 0 else F(l - 1))
    z = stats.norm.isf(alpha / 2)
    s = math.sqrt(n * q * (1 - q))
    ranks = np.arange(1, n + 1)
    se = (np.interp(n * q + z * s, ranks, x) - np.interp(n * q - z * s, ranks, x)) / (2 * z)
    return float(np.quantile(x, q)), [lo, hi], float(cov), float(se)


def quantile_case(rng, na, nb, q, alpha, gen):
    a, b = np.round(gen(rng, na, 1.0), 3), np.round(gen(rng, nb, 1.15), 3)
    qa, cia, cova, sea = quantile_arm(a, q, alpha)
    qb, cib, covb, seb = quantile_arm(b, q, alpha)
    se = math.sqrt(sea ** 2 + seb ** 2)
    return {
        "kind": "quantile", "alpha": alpha, "q": q, "a": [float(v) for v in a], "b": [float(v) for v in b],
        "quantile_a": qa, "quantile_b": qb, "ci_a": cia, "ci_b": cib, "coverage_a": cova, "coverage_b": covb,
        "se_a": sea, "se_b": seb, "effect": qb - qa, "se": se, "p": float(2 * stats.norm.sf(abs(qb - qa) / se)),
        "rel_lift": qb / qa - 1, "rel_lift_se": math.sqrt(seb ** 2 / qa ** 2 + qb ** 2 * sea ** 2 / qa ** 4),
    }


def main():
    rng = np.random.default_rng(20260214)
    days = lambda r, n, s: r.lognormal(math.log(20 * s), 0.8, n)
    cases = [
        cuped_case(rng, 120, 130, 1, 0.8, 0.05),
        cuped_case(rng, 200, 180, 3, 0.5, 0.05),
        cuped_case(rng, 60, 75, 8, 1.0, 0.1),
        cuped_case(rng, 40, 45, 0, 0.7, 0.05),
        cuped_case(rng, 150, 150, 2, 0.3, 0.01, shift=1000.0),
        ratio_case(rng, 150, 160, 0, 0.05),
        ratio_case(rng, 220, 210, 2, 0.05),
        ratio_case(rng, 90, 100, 1, 0.1),
        poststrat_case(rng, [(60, 55), (40, 48), (25, 30)], 0.05),
        poststrat_case(rng, [(30, 35), (70, 62)], 0.05, weights=[0.3, 0.7]),
        quantile_case(rng, 300, 280, 0.5, 0.05, days),
        quantile_case(rng, 300, 280, 0.9, 0.05, days),
        quantile_case(rng, 15, 12, 0.5, 0.05, days),
        quantile_case(rng, 8, 9, 0.9, 0.1, lambda r, n, s: r.exponential(5 * s, n)),
    ]
    print(json.dumps({"generator": "tests/data/gen_abtest_adjust.py", "numpy": np.__version__,
                      "statsmodels": sm.__version__ if hasattr(sm, "__version__") else "", "cases": cases},
                     indent=None, allow_nan=True).replace("Infinity", "1e999"))


if __name__ == "__main__":
    main()
