#!/usr/bin/env python3
"""Extra A/B reference cases for libpatron, in the format of
../shared/reference/abtest_vectors.json (see abtest_SCHEMA.md). Expected
values come from mpmath (40 digits) or exact rationals, rounded once, and do
not use libpatron. Run: python3 tests/data/gen_abtest_extra.py > tests/data/abtest_extra_vectors.json"""
import json
from fractions import Fraction
from mpmath import mp, mpf, binomial, fsum, log10, betainc, quad, beta as B, gammainc

mp.dps = 40


def f(x):
    return float(x)


def fisher(table):
    (a, b), (c, d) = table
    r1, r2, c1 = a + b, c + d, a + c
    n = r1 + r2
    lo, hi = max(0, c1 - r2), min(r1, c1)
    P = {k: Fraction(int(binomial(r1, k) * binomial(r2, c1 - k)), int(binomial(n, c1))) for k in range(lo, hi + 1)}
    po = P[a]
    two = min(Fraction(1), sum(v for v in P.values() if v <= po * (1 + Fraction(1, 10**7))))
    less = sum(v for k, v in P.items() if k <= a)
    gr = sum(v for k, v in P.items() if k >= a)
    return {"p_two_sided": f(mpf(two.numerator) / two.denominator),
            "p_less": f(mpf(less.numerator) / less.denominator),
            "p_greater": f(mpf(gr.numerator) / gr.denominator),
            "odds_ratio_sample": f(Fraction(a * d, b * c)) if b * c else "Infinity",
            "log10_p_two_sided": f(log10(mpf(two.numerator) / two.denominator))}


def beta_case(xa, na, xb, nb, pa, pb):
    aA, bA, aB, bB = mpf(xa) + mpf(pa), mpf(na - xa) + mpf(pb), mpf(xb) + mpf(pa), mpf(nb - xb) + mpf(pb)

    def h(a, b, c, d):  # P(Beta(a,b) > Beta(c,d))
        g = lambda x: x**(a - 1) * (1 - x)**(b - 1) / B(a, b) * betainc(c, d, 0, x, regularized=True)
        return quad(g, [0, a / (a + b), 1])
    return {"posterior_a": [f(aA), f(bA)], "posterior_b": [f(aB), f(bB)],
            "prob_b_beats_a": f(h(aB, bB, aA, bA)),
            "expected_loss_choose_b": f(aA / (aA + bA) * h(aA + 1, bA, aB, bB) - aB / (aB + bB) * h(aA, bA, aB + 1, bB)),
            "expected_loss_choose_a": f(aB / (aB + bB) * h(aB + 1, bB, aA, bA) - aA / (aA + bA) * h(aB, bB, aA + 1, bA)),
            "posterior_mean_a": f(aA / (aA + bA)), "posterior_mean_b": f(aB / (aB + bB))}


def srm(observed, weights):
    N = sum(observed)
    W = sum(w for w in weights if w > 0)
    chi2 = Fraction(0)
    for o, w in zip(observed, weights):
        if w > 0:
            e = Fraction(w) / Fraction(W) * N
            chi2 += (o - e) ** 2 / e
    dof = len(observed) - 1
    x = mpf(chi2.numerator) / chi2.denominator
    p = gammainc(mpf(dof) / 2, x / 2, mp.inf, regularized=True)
    return {"chi2": f(x), "dof": dof, "p": f(p), "log10_p": f(log10(p))}


cases = []
def add(cid, cat, label, inputs, expected, rel):
    cases.append({"id": cid, "category": cat, "label": label, "inputs": inputs, "expected": expected,
                  "tolerance": {"rel": rel, "abs": 0.0}, "notes": "libpatron extra case; mpmath 40 digits / exact rationals"})

for i, t in enumerate([[[150, 4850], [190, 4810]], [[13, 7], [2, 18]], [[402, 9598], [355, 9645]], [[0, 25], [9, 16]]]):
    add("fisher_exact-x%02d" % (i + 1), "fisher_exact", "extra Fisher table", {"table": t}, fisher(t), 1e-13)
for i, c in enumerate([(0, 5, 0, 7, 0.3, 0.7), (5, 50, 9, 60, 1.5, 2.5), (3, 40, 7, 38, 0.5, 0.5)]):
    add("bayes_beta_binomial-x%02d" % (i + 1), "bayes_beta_binomial", "non-integer prior (quadrature)",
        {"x_a": c[0], "n_a": c[1], "x_b": c[2], "n_b": c[3], "prior_alpha": c[4], "prior_beta": c[5]},
        beta_case(*c), 1e-11)
for i, (o, w) in enumerate([([2410, 2533, 2478, 2611], [1, 1, 1, 1]), ([500, 0, 80], [1, 1, 0]),
                            ([120000, 121500, 60100], [2, 2, 1])]):
    add("srm-x%02d" % (i + 1), "srm", "extra SRM (several arms, zero weight)", {"observed": o, "weights": w},
        srm(o, w), 1e-10)

print(json.dumps({"schema_version": "1.0", "generator": "tests/data/gen_abtest_extra.py", "count": len(cases),
                  "cases": cases}, indent=1, allow_nan=False))
