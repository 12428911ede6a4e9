/* Non-binding futility bounds of a one-sided group-sequential design by
 * beta spending (Pampallona & Tsiatis 1994; gsDesign's test.type 4).
 *
 * In the canonical form S(t) = Z(t) sqrt(t) is Brownian motion with drift
 * theta under the alternative (theta = E[Z] at full information). The
 * efficacy bounds a_i are patron_abtest_group_sequential()'s, computed as if
 * there were no futility bounds (non-binding: stopping for futility is
 * optional and cannot raise the type I error). For a drift theta the
 * futility bound b_i solves
 *   P_theta(b_j < Z_j < a_j for j < i, Z_i < b_i) = beta(t_i) - beta(t_{i-1}),
 * and theta is the drift at which the last bounds meet (b_K = a_K), so the
 * design has power 1 - beta. The sub-densities of S on the continuation
 * regions are carried from look to look by composite 16-point
 * Gauss-Legendre quadrature (panels of half the next look's sd), the bounds
 * by bisection, theta by the Illinois method. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/alloc.h"
#include "internal/dist.h"
#include "internal/error.h"

#define GL_N 16
#define MAX_PANELS 512
#define MAX_NODES (GL_N * MAX_PANELS)

typedef struct gs_work {
    double gx[GL_N], gw[GL_N]; /* Gauss-Legendre on [-1, 1] */
    double *s, *wg, *s2, *wg2;  /* nodes and weight * density, current and next */
    size_t m;
} gs_work;

/* Gauss-Legendre nodes and weights by Newton's method on P_n. */
static void gauss_legendre(double *x, double *w)
{
    const double pi = 3.14159265358979323846;
    for (int i = 0; i < GL_N; i++) {
        double z = cos(pi * (i + 0.75) / (GL_N + 0.5)), dp = 0;
        for (int it = 0; it < 100; it++) {
            double p0 = 1, p1 = z;
            for (int k = 2; k <= GL_N; k++) {
                double p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
                p0 = p1;
                p1 = p2;
            }
            dp = GL_N * (z * p1 - p0) / (z * z - 1);
            double dz = p1 / dp;
            z -= dz;
            if (fabs(dz) < 1e-16)
                break;
        }
        x[i] = z;
        w[i] = 2 / ((1 - z * z) * dp * dp);
    }
}

/* Nodes on [lo, hi] in panels no wider than width; returns the count. */
static size_t nodes(const gs_work *g, double lo, double hi, double width, double *s, double *w)
{
    double np = ceil((hi - lo) / width);
    size_t panels = np < 1 ? 1 : np > MAX_PANELS ? MAX_PANELS : (size_t)np;
    double h = (hi - lo) / (double)panels;
    size_t m = 0;
    for (size_t p = 0; p < panels; p++) {
        double c = lo + h * ((double)p + 0.5);
        for (int i = 0; i < GL_N; i++) {
            s[m] = c + 0.5 * h * g->gx[i];
            w[m++] = 0.5 * h * g->gw[i];
        }
    }
    return m;
}

/* P(continued so far, S_i < x) with S_i = S_{i-1} + N(theta delta, delta). */
static double below(const gs_work *g, double x, double mu, double sd)
{
    double acc = 0;
    for (size_t j = 0; j < g->m; j++)
        acc += g->wg[j] * patron__norm_cdf((x - g->s[j] - mu) / sd);
    return acc;
}

/* Futility bounds for drift theta; returns b_K - a_K, or +1 + (K - i) when
 * the bounds meet at an earlier look i (theta too large). */
static double futility_for(gs_work *g, double theta, const double *t, const double *a, const double *binc,
                           size_t k, double *b)
{
    for (size_t i = 0; i < k; i++) {
        double sq = sqrt(t[i]), bi;
        double delta = i ? t[i] - t[i - 1] : t[0], sd = sqrt(delta), mu = theta * delta;
        if (i == 0) {
            bi = theta * sq + patron__norm_ppf(binc[0]);
        } else if (i + 1 < k && below(g, a[i] * sq, mu, sd) <= binc[i]) {
            bi = a[i]; /* the bounds meet before the last look */
        } else {
            /* the last bound may pass a_K: f(theta) = b_K - a_K changes sign */
            double lo = -60, hi = i + 1 < k ? a[i] : a[i] + 40;
            for (int it = 0; it < 200 && hi - lo > 1e-15 * (1 + fabs(hi)); it++) {
                double mid = 0.5 * (lo + hi);
                if (below(g, mid * sq, mu, sd) > binc[i])
                    hi = mid;
                else
                    lo = mid;
            }
            bi = 0.5 * (lo + hi);
        }
        b[i] = bi;
        if (i + 1 == k)
            return bi - a[i];
        if (bi >= a[i])
            return 1 + (double)(k - i);
        /* the sub-density of S_i on (b_i sqrt(t_i), a_i sqrt(t_i)), truncated
         * 12 sd below its mean where nothing is left */
        double lo = bi * sq, hi = a[i] * sq, floor_ = theta * t[i] - 12 * sq;
        if (lo < floor_)
            lo = floor_;
        if (!(lo < hi))
            return 1 + (double)(k - i);
        double width = 0.5 * sqrt(t[i + 1] - t[i]);
        size_t m = nodes(g, lo, hi, width, g->s2, g->wg2);
        for (size_t q = 0; q < m; q++) {
            double x = g->s2[q], dens;
            if (i == 0) {
                dens = patron__norm_pdf((x - mu) / sd) / sd;
            } else {
                double acc = 0;
                for (size_t j = 0; j < g->m; j++)
                    acc += g->wg[j] * patron__norm_pdf((x - g->s[j] - mu) / sd);
                dens = acc / sd;
            }
            g->wg2[q] *= dens;
        }
        double *ts = g->s, *tw = g->wg;
        g->s = g->s2;
        g->wg = g->wg2;
        g->s2 = ts;
        g->wg2 = tw;
        g->m = m;
    }
    return 0;
}

int patron_abtest_group_sequential_futility(patron_abtest_gs_futility_result *out, const double *information_rates,
                                            size_t k, double alpha_one_sided, double beta,
                                            patron_abtest_spending alpha_spending, patron_abtest_spending beta_spending)
{
    static const char fn[] = "patron_abtest_group_sequential_futility";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc)
        return rc;
    if (!(beta > 0 && beta < 0.5))
        return patron__fail(PATRON_EINVAL, "%s: beta %g is outside (0, 0.5) (beta = 1 - power)", fn, beta);
    if (beta_spending != PATRON_ABTEST_SPEND_OBF && beta_spending != PATRON_ABTEST_SPEND_POCOCK)
        return patron__fail(PATRON_EINVAL, "%s: unknown beta-spending function %d", fn, (int)beta_spending);
    if (k > PATRON_ABTEST_GS_MAX_LOOKS)
        return patron__fail(PATRON_EINVAL, "%s: %zu looks, expected 1..%d", fn, k, PATRON_ABTEST_GS_MAX_LOOKS);
    patron_abtest_gs_futility_result r;
    memset(&r, 0, sizeof r);
    /* efficacy bounds and the checks of the rates, alpha and alpha spending */
    double nominal[PATRON_ABTEST_GS_MAX_LOOKS];
    if ((rc = patron_abtest_group_sequential(r.cumulative_alpha, r.efficacy_z, nominal, information_rates, k,
                                             alpha_one_sided, alpha_spending)))
        return patron__fail_prefix(rc, "%s: ", fn);
    double binc[PATRON_ABTEST_GS_MAX_LOOKS], prev = 0;
    for (size_t i = 0; i < k; i++) {
        r.cumulative_beta[i] = patron__ab_spend(beta_spending, beta, information_rates[i]);
        binc[i] = r.cumulative_beta[i] - prev;
        prev = r.cumulative_beta[i];
    }
    gs_work g;
    memset(&g, 0, sizeof g);
    gauss_legendre(g.gx, g.gw);
    double *buf = patron__reallocarray(NULL, 4 * (size_t)MAX_NODES, sizeof *buf);
    if (!buf)
        return patron__oom();
    g.s = buf;
    g.wg = buf + MAX_NODES;
    g.s2 = buf + 2 * MAX_NODES;
    g.wg2 = buf + 3 * MAX_NODES;
    double fixed = patron__norm_isf(alpha_one_sided) + patron__norm_isf(beta);
    /* Illinois method on f(theta) = b_K - a_K, increasing in theta;
     * f(fixed) >= 0 since the efficacy bounds only widen the design */
    double x0 = 0.5 * fixed, x1 = 2 * fixed + 2;
    double f0 = futility_for(&g, x0, information_rates, r.efficacy_z, binc, k, r.futility_z);
    double f1 = futility_for(&g, x1, information_rates, r.efficacy_z, binc, k, r.futility_z);
    while (f0 > 0 && x0 > 1e-3) {
        x0 *= 0.5;
        f0 = futility_for(&g, x0, information_rates, r.efficacy_z, binc, k, r.futility_z);
    }
    int side = 0;
    double theta = x0;
    for (int it = 0; it < 200; it++) {
        theta = (f0 < 1 && f1 < 1) ? (x0 * f1 - x1 * f0) / (f1 - f0) : 0.5 * (x0 + x1);
        if (!(theta > x0 && theta < x1))
            theta = 0.5 * (x0 + x1);
        double f = futility_for(&g, theta, information_rates, r.efficacy_z, binc, k, r.futility_z);
        if (f == 0 || x1 - x0 < 1e-14 * x1)
            break;
        if (f > 0) {
            x1 = theta;
            f1 = f;
            if (side == 1)
                f0 *= 0.5;
            side = 1;
        } else {
            x0 = theta;
            f0 = f;
            if (side == -1)
                f1 *= 0.5;
            side = -1;
        }
        if (fabs(f) < 1e-14)
            break;
    }
    futility_for(&g, theta, information_rates, r.efficacy_z, binc, k, r.futility_z);
    patron__free(buf);
    r.looks = (int64_t)k;
    r.futility_z[k - 1] = r.efficacy_z[k - 1];
    r.drift = theta;
    r.inflation = (theta / fixed) * (theta / fixed);
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}
