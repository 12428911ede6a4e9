#!/usr/bin/env python3
"""Reference values for the relative-effect Bayesian model
(patron_abtest_bayes_relative*), the one-sided confidence sequence
(patron_abtest_confidence_sequence_one_sided) and the futility bounds of a
group-sequential design (patron_abtest_group_sequential_futility), written
from the formulas and independent of libpatron; read by
tests/abtest/test_seqbayes.c.

Bayesian lift (gbstats EffectBayesianABTest, difference_type "relative",
prior_type "relative"): lift (mb - ma)/ma, variance vb/(nb ma^2) +
va mb^2/(na ma^4) (va = sd^2, or p(1-p) for a proportion); a proper prior
N(m0, s0^2) combines by precision, an improper one (variance 0) leaves the
likelihood. Here at 40 digits with mpmath: chance to win by ncdf, the
credible interval by solving ncdf(x) = alpha/2 and 1 - ncdf(x) = alpha/2 with findroot (not the
library's inverse), the risks by quadrature of max(+-L, 0) against the
posterior density, its tail factor taken outside (not the closed form).

One-sided sequence (arXiv 2103.06476 eq. 134 as gbstats): rho from 2 alpha,
half-width as in the header; the p-value by bisection over alpha to 1e-30
(rho held at the design alpha, as gbstats does), not the closed form.

Futility bounds (non-binding, beta spending, gsDesign test.type 4): the
sub-densities of S = Z sqrt(t) carried by composite 32-point Gauss-Legendre
quadrature with panels of a quarter of the next look's sd (the library
uses 16 points and half an sd), the bounds by brentq, the drift by brentq;
checks: with one look the drift is z_alpha + z_beta exactly, the efficacy
bounds agree with rpact's in ../shared/reference/abtest_vectors.json, and
the total futility probability under the drift is beta.

Run: /usr/bin/python3 tests/data/gen_abtest_seqbayes.py > tests/data/abtest_seqbayes_vectors.json
"""
import json
import math
import sys

import mpmath as mp
import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

mp.mp.dps = 40


# ---- Bayesian lift ----

def bisect(fn, lo, hi):
    """Root of an increasing fn on [lo, hi] to the working precision."""
    for _ in range(200):
        mid = (lo + hi) / 2
        if fn(mid) > 0:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def bayes_relative(na, ma, va, nb, mb, vb, alpha, prior_mean, prior_var):
    ma, mb, va, vb = mp.mpf(ma), mp.mpf(mb), mp.mpf(va), mp.mpf(vb)
    lift = (mb - ma) / ma
    v = vb / (nb * ma ** 2) + va * mb ** 2 / (na * ma ** 4)
    if prior_var > 0:
        prec = 1 / v + 1 / mp.mpf(prior_var)
        var = 1 / prec
        mu = (lift / v + mp.mpf(prior_mean) / mp.mpf(prior_var)) * var
        weight = (1 / mp.mpf(prior_var)) / prec
    else:
        mu, var, weight = lift, v, mp.mpf(0)
    s = mp.sqrt(var)
    ctw = 1 - mp.ncdf(0, mu, s)
    lo = bisect(lambda x: mp.ncdf(x, mu, s) - mp.mpf(alpha) / 2, mu - 20 * s, mu)
    hi = bisect(lambda x: mp.mpf(alpha) / 2 - mp.ncdf(-x, -mu, s), mu, mu + 20 * s)
    # E[max(+-L, 0)] = int_0^inf x f(+-x) dx with f the N(mu, s^2) density;
    # exp(-(x -+ mu)^2 / 2s^2) = exp(-z^2/2) exp(+-x mu / s^2 - x^2 / 2s^2)
    # puts the tail factor outside, so the integrand is smooth and of
    # order 1 near 0 even far in a tail (z = mu/s up to 30 here)
    z = mu / s

    def risk(m):
        g = lambda x: x * mp.exp(x * m / s ** 2 - x ** 2 / (2 * s ** 2))
        scale = s / max(abs(z), 1)
        val = mp.quad(g, [0, scale, 10 * scale, s, 5 * s + max(m, 0), mp.inf])
        return mp.exp(-z ** 2 / 2) / (s * mp.sqrt(2 * mp.pi)) * val
    risk_ctrl = risk(mu)
    risk_trt = risk(-mu)
    return dict(lift=lift, lift_se=mp.sqrt(v), posterior_mean=mu, posterior_sd=s, chance_to_win=ctw,
                credible_interval=[lo, hi], risk_choose_control=risk_ctrl, risk_choose_treatment=risk_trt,
                prior_weight=weight)


BAYES = [
    # (kind, arm A, arm B, alpha, prior mean, prior variance)
    ("proportions", (18262, 597), (13027, 489), 0.05, 0, 0),
    ("proportions", (18262, 597), (13027, 489), 0.05, 0, 0.09),
    ("proportions", (1000, 100), (1000, 130), 0.1, 0.02, 0.0025),
    ("proportions", (50, 3), (60, 2), 0.05, 0, 0.09),
    ("proportions", (1000000, 50123), (1000000, 50410), 0.05, 0, 0.09),
    ("means", (5000, 10.0, 4.0), (5000, 10.3, 4.5), 0.05, 0, 0),
    ("means", (5000, 10.0, 4.0), (5000, 10.3, 4.5), 0.05, 0, 0.09),
    ("means", (120, 35.5, 60.0), (130, 31.0, 55.0), 0.05, 0.0, 0.01),
    ("means", (400, -2.0, 1.5), (420, -1.8, 1.4), 0.2, 0.1, 0.04),
    ("means", (80, 1.0, 2.0), (70, 0.2, 2.0), 0.05, 0.3, 1e-4),
]


# ---- one-sided confidence sequence ----

def cs_one_sided(est, se, n, alpha, n_star, test_value, direction):
    est, se, alpha, n_star = mp.mpf(est), mp.mpf(se), mp.mpf(alpha), mp.mpf(n_star)
    la = -2 * mp.log(2 * alpha)
    rho = mp.sqrt((la + mp.log(la + 1)) / n_star)
    s2 = se ** 2 * n

    def hw(a):
        return mp.sqrt(s2 * 2 * (n * rho ** 2 + 1) / (n * rho) ** 2 * mp.log(1 + mp.sqrt(n * rho ** 2 + 1) / (2 * a)))
    h = hw(alpha)
    bound = est - direction * h

    # the p-value: the alpha where the bound reaches test_value (bisection
    # on log alpha; the bound moves away from the estimate as alpha falls)
    def crosses(a):
        return direction * (est - direction * hw(a) - test_value) > 0
    if direction * (est - test_value) <= 0:
        p = mp.mpf(1)
    else:
        lo, hi = mp.mpf(-3000), mp.mpf(10)  # log alpha
        if crosses(mp.exp(lo)):
            p = mp.mpf(0)
        elif not crosses(mp.exp(hi)):
            p = mp.mpf(1)
        else:
            for _ in range(400):
                mid = (lo + hi) / 2
                if crosses(mp.exp(mid)):
                    hi = mid
                else:
                    lo = mid
            p = min(mp.exp((lo + hi) / 2), mp.mpf(1))
    fixed = -mp.sqrt(2) * mp.erfinv(2 * alpha - 1) * se
    return dict(rho=rho, halfwidth=h, bound=bound, p_value=p, fixed_halfwidth=fixed,
                significant=bool(direction * (bound - test_value) > 0))


CS = [
    # estimate, se, n_total, alpha, n_star, test_value, direction
    (0.021, 0.008, 20000, 0.05, 5000, 0, 1),
    (0.021, 0.008, 20000, 0.05, 5000, 0, -1),
    (-0.05, 0.011, 9000, 0.025, 5000, 0, -1),
    (0.3, 0.2, 150, 0.1, 5000, 0, 1),
    (1.5, 0.05, 2000000, 0.01, 20000, 0.2, 1),
    (0.004, 0.003, 500000, 0.05, 5000, 0, 1),
    (-0.01, 0.004, 30000, 0.05, 1000, 0, 1),
]


# ---- futility bounds ----

GX, GW = np.polynomial.legendre.leggauss(32)


def spend(kind, a, t):
    if kind == "obf":
        return 2 * ndtr(ndtri(a / 2) / math.sqrt(t))  # no 1 - cdf cancellation
    return a * math.log(1 + (math.e - 1) * t)


def grid(lo, hi, width):
    panels = max(1, int(math.ceil((hi - lo) / width)))
    h = (hi - lo) / panels
    c = lo + h * (np.arange(panels) + 0.5)
    x = (c[:, None] + 0.5 * h * GX[None, :]).ravel()
    w = np.tile(0.5 * h * GW, panels)
    return x, w


def phi(z):
    return np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def efficacy(t, alpha, kind):
    """Efficacy-only bounds under H0 (drift 0), this file's own recursion."""
    a, s, wg, prev = [], None, None, 0.0
    for i, ti in enumerate(t):
        inc = spend(kind, alpha, ti) - prev
        prev += inc
        if i == 0:
            ai = ndtri(1 - inc)
        else:
            d = ti - t[i - 1]
            f = lambda z: np.sum(wg * (1 - ndtr((z * math.sqrt(ti) - s) / math.sqrt(d)))) - inc
            ai = brentq(f, -10, 40, xtol=1e-15, rtol=1e-15)
        a.append(ai)
        if i + 1 < len(t):
            lo = -14 * math.sqrt(ti)
            x, w = grid(lo, ai * math.sqrt(ti), 0.25 * math.sqrt(t[i + 1] - ti))
            if i == 0:
                dens = phi(x / math.sqrt(ti)) / math.sqrt(ti)
            else:
                d = ti - t[i - 1]
                dens = (phi((x[:, None] - s[None, :]) / math.sqrt(d)) @ wg) / math.sqrt(d)
            s, wg = x, w * dens
    return a


def futility_for(theta, t, a, binc):
    b, s, wg = [], None, None
    for i, ti in enumerate(t):
        sq = math.sqrt(ti)
        d = ti if i == 0 else ti - t[i - 1]
        mu, sd = theta * d, math.sqrt(d)
        if i == 0:
            bi = theta * sq + ndtri(binc[0])
        else:
            f = lambda z: np.sum(wg * ndtr((z * sq - s - mu) / sd)) - binc[i]
            top = a[i] + 40 if i + 1 == len(t) else a[i]  # the last bound may pass a_K
            bi = top if f(top) <= 0 else brentq(f, -60, top, xtol=1e-15, rtol=1e-15)
        b.append(bi)
        if i + 1 == len(t):
            return bi - a[i], b, s, wg
        if bi >= a[i]:
            return 1.0 + len(t) - i, b, s, wg
        lo = max(bi * sq, theta * ti - 14 * sq)
        x, w = grid(lo, a[i] * sq, 0.25 * math.sqrt(t[i + 1] - ti))
        if i == 0:
            dens = phi((x - mu) / sd) / sd
        else:
            dens = (phi((x[:, None] - s[None, :] - mu) / sd) @ wg) / sd
        s, wg = x, w * dens
    raise AssertionError


def futility(t, alpha, beta, akind, bkind):
    a = efficacy(t, alpha, akind)
    cum_b = [spend(bkind, beta, ti) for ti in t]
    binc = np.diff([0.0] + cum_b)
    fixed = ndtri(1 - alpha) + ndtri(1 - beta)
    theta = brentq(lambda th: futility_for(th, t, a, binc)[0], 0.2 * fixed, 2 * fixed + 2, xtol=1e-15, rtol=1e-15)
    _, b, _, _ = futility_for(theta, t, a, binc)
    b[-1] = a[-1]
    cum_a = [spend(akind, alpha, ti) for ti in t]
    return dict(efficacy_z=a, futility_z=b, cumulative_alpha=cum_a, cumulative_beta=cum_b, drift=theta,
                inflation=(theta / fixed) ** 2)


GS = [
    ([1.0], 0.025, 0.1, "obf", "obf"),
    ([1 / 3, 2 / 3, 1.0], 0.025, 0.1, "obf", "obf"),
    ([0.251, 0.713, 1.0], 0.025, 0.2, "obf", "obf"),
    ([0.251, 0.713, 1.0], 0.025, 0.2, "pocock", "pocock"),
    ([0.2, 0.4, 0.6, 0.8, 1.0], 0.025, 0.1, "obf", "pocock"),
    ([0.5, 1.0], 0.05, 0.2, "pocock", "obf"),
    ([0.25, 0.5, 0.75, 1.0], 0.005, 0.05, "obf", "obf"),
]


def f(x):
    if isinstance(x, (list, tuple, np.ndarray)):
        return [f(v) for v in x]
    if isinstance(x, bool):
        return x
    return float(x)


def main():
    out = dict(generator="tests/data/gen_abtest_seqbayes.py (mpmath %s at 40 digits; numpy %s, scipy)"
               % (mp.__version__, np.__version__), bayes_relative=[], cs_one_sided=[], gs_futility=[])
    for kind, a, b, alpha, pm, pv in BAYES:
        if kind == "proportions":
            (na, xa), (nb, xb) = a, b
            ma, mb = mp.mpf(xa) / na, mp.mpf(xb) / nb
            r = bayes_relative(na, ma, ma * (1 - ma), nb, mb, mb * (1 - mb), alpha, pm, pv)
            rec = dict(kind=kind, x_a=xa, n_a=na, x_b=xb, n_b=nb)
        else:
            (na, ma, sa), (nb, mb, sb) = a, b
            r = bayes_relative(na, ma, mp.mpf(sa) ** 2, nb, mb, mp.mpf(sb) ** 2, alpha, pm, pv)
            rec = dict(kind=kind, n_a=na, mean_a=ma, sd_a=sa, n_b=nb, mean_b=mb, sd_b=sb)
        rec.update(alpha=alpha, prior_mean=pm, prior_variance=pv)
        rec["expected"] = {k: f(v) for k, v in r.items()}
        out["bayes_relative"].append(rec)
    for est, se, n, alpha, ns, tv, d in CS:
        r = cs_one_sided(est, se, n, alpha, ns, tv, d)
        out["cs_one_sided"].append(dict(estimate=est, se=se, n_total=n, alpha=alpha, n_star=ns, test_value=tv,
                                        direction=d, expected={k: f(v) for k, v in r.items()}))
    rpact = None
    try:
        ref = json.load(open(__file__.rsplit("/", 3)[0] + "/../shared/reference/abtest_vectors.json"))
        rpact = [c for c in ref["cases"] if c["category"] == "group_sequential"]
    except (OSError, KeyError):
        pass
    for t, alpha, beta, ak, bk in GS:
        r = futility(t, alpha, beta, ak, bk)
        if len(t) == 1:
            assert abs(r["drift"] - (ndtri(1 - alpha) + ndtri(1 - beta))) < 1e-12
        # total futility probability under the drift is beta: the spent increments add up
        assert abs(r["cumulative_beta"][-1] - beta) < 1e-15
        for c in rpact or []:
            if c["inputs"]["information_rates"] == t and c["inputs"]["alpha_one_sided"] == alpha:
                for x, y in zip(r["efficacy_z"], c["expected"]["z_bounds_" + ak]):
                    assert abs(x - y) < 1e-9 * abs(y), (x, y)
        out["gs_futility"].append(dict(information_rates=t, alpha=alpha, beta=beta, alpha_spending=ak,
                                       beta_spending=bk, expected={k: f(v) for k, v in r.items()}))
        print(t, ak, bk, r["drift"], r["futility_z"], file=sys.stderr, flush=True)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
