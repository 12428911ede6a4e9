#!/usr/bin/env python3
"""Reference values for patron_abtest_margin_means() and
patron_abtest_margin_proportions() (non-inferiority / superiority with an
absolute or relative margin), independent of libpatron; read by
tests/abtest/test_margin.c.

Means, absolute margin: scipy.stats.ttest_ind_from_stats of B against A
shifted by the threshold (alternative "greater", or "less" when lower is
better). Means, relative margin, Welch: the same with A's mean and sd scaled
by c = 1 + threshold (so the statistic is (m_B - c m_A) / sqrt(v_B + c^2
v_A) with its Welch df). Student with a relative margin pools the unscaled
arms, written out here with scipy's t distribution. Proportions, absolute:
statsmodels' test_proportions_2indep(method="wald", compare="diff",
value=threshold); relative: the Wald linear statistic written out with
scipy's normal. Bounds: absolute from the t / normal quantile; relative by
brentq on the one-sided p at the ratio (Fieller's bound).

Run: /usr/bin/python3 tests/data/gen_abtest_margin.py > tests/data/abtest_margin_vectors.json
"""
import json
import math
import sys
from scipy import optimize, stats
from statsmodels.stats.proportion import test_proportions_2indep


def p_means(a, b, c, shift, pooled, less):
    """One-sided p of H0 mean_B - c mean_A = shift."""
    (na, ma, sa), (nb, mb, sb) = a, b
    alt = "less" if less else "greater"
    if not pooled:
        return stats.ttest_ind_from_stats(mb - shift, sb, nb, c * ma, c * sa, na, equal_var=False,
                                          alternative=alt).pvalue
    df = na + nb - 2
    s2 = ((na - 1) * sa ** 2 + (nb - 1) * sb ** 2) / df
    t = (mb - c * ma - shift) / math.sqrt(s2 / nb + c * c * s2 / na)
    if c == 1:  # cross-check against scipy's Student test
        ref = stats.ttest_ind_from_stats(mb - shift, sb, nb, ma, sa, na, equal_var=True, alternative=alt)
        assert abs(ref.statistic - t) < 1e-12 * abs(t) + 1e-14
    return stats.t.cdf(t, df) if less else stats.t.sf(t, df)


def p_props(a, b, c, shift, less):
    (xa, na), (xb, nb) = a, b
    pa, pb = xa / na, xb / nb
    if c == 1:
        r = test_proportions_2indep(xb, nb, xa, na, value=shift, method="wald", compare="diff",
                                    alternative="smaller" if less else "larger", correction=False)
        return r.pvalue
    z = (pb - c * pa - shift) / math.sqrt(pb * (1 - pb) / nb + c * c * pa * (1 - pa) / na)
    return stats.norm.cdf(z) if less else stats.norm.sf(z)


def case(kind, a, b, margin, relative, sup, less, alpha, pooled=False):
    thr = (-margin if not less else margin) if not sup else (margin if not less else -margin)
    if kind == "means":
        p_at = lambda c, shift: p_means(a, b, c, shift, pooled, less)
    else:
        p_at = lambda c, shift: p_props(a, b, c, shift, less)
    if relative:
        p = p_at(1 + thr, 0)
        f = lambda c: p_at(c, 0) - alpha
        lo, hi = 1e-9, 1.0
        while (f(hi) < 0) != less:
            hi *= 2
        bound = optimize.brentq(f, lo if (f(lo) < 0) != less else hi / 2, hi, xtol=1e-15, rtol=1e-15) - 1
        if kind == "means":
            eff = b[1] / a[1] - 1
        else:
            eff = (b[0] / b[1]) / (a[0] / a[1]) - 1
    else:
        p = p_at(1, thr)
        if kind == "means":
            eff = b[1] - a[1]
        else:
            eff = b[0] / b[1] - a[0] / a[1]
        # the bound: the shift at which p equals alpha
        f = lambda sh: p_at(1, sh) - alpha
        w = 1.0
        while f(eff - w) * f(eff + w) > 0:
            w *= 2
        bound = optimize.brentq(f, eff - w, eff + w, xtol=1e-15, rtol=1e-15)
    rec = dict(kind=kind, a=list(a), b=list(b), margin=margin, relative=int(relative),
               superiority=int(sup), lower_is_better=int(less), alpha=alpha, pooled=int(pooled),
               threshold=thr, effect=eff, p=p, bound=bound)
    return rec


CASES = [
    ("means", (1000, 10.0, 4.0), (1100, 9.8, 4.4), 0.5, False, False, False, 0.025),
    ("means", (1000, 10.0, 4.0), (1100, 9.8, 4.4), 0.05, True, False, False, 0.025),
    ("means", (1000, 10.0, 4.0), (1100, 10.6, 4.4), 0.02, True, True, False, 0.05),
    ("means", (50, 3.1, 1.2), (60, 3.0, 0.9), 0.3, False, False, False, 0.05, True),
    ("means", (50, 3.1, 1.2), (60, 3.0, 0.9), 0.1, True, False, False, 0.05, True),
    ("means", (400, 2.0, 1.5), (380, 1.9, 1.4), 0.1, False, False, True, 0.05),
    ("means", (400, 2.0, 1.5), (380, 1.7, 1.4), 0.05, True, True, True, 0.05),
    ("means", (30, 120.0, 40.0), (25, 118.0, 60.0), 10.0, False, True, False, 0.1),
    ("proportions", (597, 18262), (489, 13027), 0.002, False, False, False, 0.025),
    ("proportions", (597, 18262), (489, 13027), 0.1, True, False, False, 0.025),
    ("proportions", (300, 10000), (360, 10000), 0.05, True, True, False, 0.05),
    ("proportions", (300, 10000), (360, 10000), 0.001, False, True, False, 0.05),
    ("proportions", (120, 1000), (100, 1000), 0.01, False, False, True, 0.05),
    ("proportions", (120, 1000), (100, 1000), 0.1, True, True, True, 0.05),
]


def main():
    out = [case(*c) for c in CASES]
    json.dump(dict(generator="tests/data/gen_abtest_margin.py", cases=out), sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
