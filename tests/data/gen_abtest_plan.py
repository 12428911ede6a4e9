#!/usr/bin/env python3
"""Reference values for patron_abtest_power_reduced(),
patron_abtest_ratio_unit_variance() and patron_abtest_power_ratio(),
independent of libpatron; read by tests/abtest/test_plan.c.

n1_t: statsmodels' TTestIndPower.solve_power at effect size
d = delta / (sd sqrt(1 - r)) (both tails, as R's power.t.test strict).
n1_z: (z_{1-a/2} + z_power)^2 (1 + 1/k) / d^2 with scipy's normal quantiles.
MDE: the closed formula (z_{1-a/2} + z_power) sd sqrt(1/n1 + 1/n2),
checked against statsmodels' NormalIndPower.solve_power when sides = 1 (to
its root finder's 1e-5). Ratio metrics: the delta-method variance written out in mpmath,
checked here against a seeded simulation of 4000 experiments of 20000
bivariate-normal units each (within 5% of the empirical n Var(Ybar/Xbar)).

Run: /usr/bin/python3 tests/data/gen_abtest_plan.py > tests/data/abtest_plan_vectors.json
"""
import json
import sys
import mpmath as mp
import numpy as np
from scipy import stats
from statsmodels.stats.power import NormalIndPower, TTestIndPower

mp.mp.dps = 30


def sizes(delta, sd, alpha, power, ratio, sides):
    d = delta / sd
    alt = "two-sided" if sides == 2 else "larger"
    n_t = TTestIndPower().solve_power(effect_size=abs(d), alpha=alpha, power=power, ratio=ratio,
                                      alternative=alt)
    c = stats.norm.isf(alpha / 2 if sides == 2 else alpha)
    zp = stats.norm.isf(1 - power)
    n_z = (c + zp) ** 2 * (1 + 1 / ratio) / d ** 2
    return float(n_z), float(n_t)


def mde(n1, sd, alpha, power, ratio, sides):
    c = stats.norm.isf(alpha / 2 if sides == 2 else alpha)
    zp = stats.norm.isf(1 - power)
    m = (c + zp) * sd * np.sqrt(1 / n1 + 1 / (n1 * ratio))
    if sides == 1:
        es = NormalIndPower().solve_power(nobs1=n1, alpha=alpha, power=power, ratio=ratio, alternative="larger")
        assert abs(es * sd - m) < 1e-4 * m, (es * sd, m)  # its root finder stops near 1e-5
    return float(m)


def ratio_var(mn, md, vn, vd, cov):
    mn, md, vn, vd, cov = map(mp.mpf, (mn, md, vn, vd, cov))
    R = mn / md
    return (vn - 2 * R * cov + R * R * vd) / (md * md)


def simulate(mn, md, vn, vd, cov, seed=14):
    rng = np.random.default_rng(seed)
    n, reps = 20000, 4000
    L = np.linalg.cholesky(np.array([[vn, cov], [cov, vd]]))
    est = np.empty(reps)
    for i in range(reps):
        z = rng.standard_normal((n, 2)) @ L.T
        est[i] = (mn + z[:, 0].mean()) / (md + z[:, 1].mean())
    return n * est.var(ddof=1)


REDUCED = [
    (0.5, 10.0, 0.0, 0.05, 0.8, 1.0, 2, 0),
    (0.5, 10.0, 0.36, 0.05, 0.8, 1.0, 2, 2000),
    (0.2, 3.0, 0.5, 0.01, 0.9, 2.0, 2, 10000),
    (-1.0, 25.0, 0.25, 0.05, 0.8, 1.0, 1, 5000),
    (3.0, 4.0, 0.8, 0.1, 0.95, 0.5, 2, 0),
]
RATIO = [
    # mean_num, mean_den, var_num, var_den, cov, lift, alpha, power, ratio, sides, n1_given
    (52.0, 1.3, 4900.0, 0.8, 40.0, 0.02, 0.05, 0.8, 1.0, 2, 50000),
    (12.5, 2.5, 90.0, 1.1, 7.5, 0.05, 0.05, 0.9, 1.0, 2, 0),
    (3.0, 10.0, 4.0, 30.0, -5.0, -0.03, 0.01, 0.8, 1.5, 1, 20000),
]


def main():
    out = dict(generator="tests/data/gen_abtest_plan.py", reduced=[], ratio=[])
    for delta, sd, r, alpha, power, k, sides, n1 in REDUCED:
        sde = sd * np.sqrt(1 - r)
        n_z, n_t = sizes(delta, sde, alpha, power, k, sides)
        n_z0, _ = sizes(delta, sd, alpha, power, k, sides)
        out["reduced"].append(dict(delta=delta, sd=sd, variance_reduction=r, alpha=alpha, power=power, ratio=k,
                                   sides=sides, n1_given=n1, unit_sd=float(sde), n1_z=n_z, n1_t=n_t,
                                   n1_z_unadjusted=n_z0,
                                   mde_at_n1=mde(n1, sde, alpha, power, k, sides) if n1 else None))
    for mn, md, vn, vd, cov, lift, alpha, power, k, sides, n1 in RATIO:
        v = ratio_var(mn, md, vn, vd, cov)
        emp = simulate(mn, md, vn, vd, cov)
        assert abs(emp / float(v) - 1) < 0.05, (emp, float(v))
        sde = float(mp.sqrt(v))
        delta = lift * mn / md
        n_z, n_t = sizes(delta, sde, alpha, power, k, sides)
        out["ratio"].append(dict(mean_num=mn, mean_den=md, var_num=vn, var_den=vd, cov=cov, relative_lift=lift,
                                 alpha=alpha, power=power, ratio=k, sides=sides, n1_given=n1,
                                 unit_variance=float(v), simulated_unit_variance=float(emp), delta=delta,
                                 n1_z=n_z, n1_t=n_t,
                                 mde_at_n1=mde(n1, sde, alpha, power, k, sides) if n1 else None))
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
