/* Sequential testing: mixture SPRT always-valid p-values, GrowthBook's
 * asymptotic confidence sequence, and group-sequential alpha spending. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/alloc.h"
#include "internal/dist.h"
#include "internal/error.h"

int patron_abtest_msprt(double *lambda, double *p_value, int *reject, const int64_t *n, const double *mean_diff,
                        const double *rate_a, const double *rate_b, size_t k, double sigma2, double tau2,
                        double theta0, double alpha)
{
    static const char fn[] = "patron_abtest_msprt";
    int rc = patron__ab_check_alpha(alpha, fn);
    if (rc)
        return rc;
    if (!lambda || !p_value || !n || !mean_diff || (k && !rate_a != !rate_b))
        return patron__fail(PATRON_EINVAL, "%s: NULL array (rate_a and rate_b go together)", fn);
    if (!(tau2 > 0) || isinf(tau2))
        return patron__fail(PATRON_EINVAL, "%s: tau2 is %g, expected > 0", fn, tau2);
    if (!isfinite(theta0))
        return patron__fail(PATRON_EINVAL, "%s: theta0 is not finite", fn);
    if (!rate_a && (!(sigma2 > 0) || isinf(sigma2)))
        return patron__fail(PATRON_EINVAL, "%s: sigma2 is %g, expected > 0", fn, sigma2);
    for (size_t i = 0; i < k; i++) {
        if (n[i] < 1)
            return patron__fail(PATRON_EINVAL, "%s: look %zu has n = %lld, expected >= 1", fn, i, (long long)n[i]);
        if (!isfinite(mean_diff[i]))
            return patron__fail(PATRON_EINVAL, "%s: look %zu has a non-finite mean difference", fn, i);
        if (rate_a && !(rate_a[i] >= 0 && rate_a[i] <= 1 && rate_b[i] >= 0 && rate_b[i] <= 1))
            return patron__fail(PATRON_EINVAL, "%s: look %zu has a rate outside [0, 1]", fn, i);
    }
    double best = 1;
    for (size_t i = 0; i < k; i++) {
        double v = rate_a ? rate_a[i] * (1 - rate_a[i]) + rate_b[i] * (1 - rate_b[i]) : 2 * sigma2;
        double nn = (double)n[i], dd = mean_diff[i] - theta0;
        double lam;
        if (!(v > 0)) {
            lam = dd == 0 ? 1 : INFINITY;
        } else {
            lam = sqrt(v / (v + nn * tau2)) * exp(nn * nn * tau2 * dd * dd / (2 * v * (v + nn * tau2)));
        }
        double p = lam > 0 ? 1 / lam : 1;
        if (p < best)
            best = p;
        lambda[i] = lam;
        p_value[i] = best;
        if (reject)
            reject[i] = best <= alpha;
    }
    return PATRON_OK;
}

int patron_abtest_confidence_sequence(patron_abtest_cs_result *out, double estimate, double se, int64_t n_total,
                                      double alpha, double n_star, double test_value)
{
    static const char fn[] = "patron_abtest_confidence_sequence";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = patron__ab_check_alpha(alpha, fn)))
        return rc;
    if (!isfinite(estimate) || !isfinite(test_value))
        return patron__fail(PATRON_EINVAL, "%s: estimate and test value must be finite", fn);
    if (!(se > 0) || isinf(se))
        return patron__fail(PATRON_EINVAL, "%s: standard error %g, expected > 0", fn, se);
    if (n_total < 1)
        return patron__fail(PATRON_EINVAL, "%s: n_total is %lld, expected >= 1", fn, (long long)n_total);
    if (!(n_star > 0) || isinf(n_star))
        return patron__fail(PATRON_EINVAL, "%s: n_star is %g, expected > 0", fn, n_star);
    patron_abtest_cs_result r;
    memset(&r, 0, sizeof r);
    double la = -2 * log(alpha);
    double rho = sqrt((la + log(la + 1)) / n_star);
    double n = (double)n_total;
    double nr2 = n * rho * rho;
    r.rho = rho;
    r.halfwidth = se * sqrt(n) * sqrt(2 * (nr2 + 1) * log(sqrt(nr2 + 1) / alpha) / (n * nr2));
    r.ci[0] = estimate - r.halfwidth;
    r.ci[1] = estimate + r.halfwidth;
    double d = estimate - test_value;
    r.e_value = exp(rho * rho * n * d * d / (se * se) / (2 * (nr2 + 1))) / sqrt(nr2 + 1);
    r.p_value = r.e_value > 1 ? 1 / r.e_value : 1;
    r.fixed_halfwidth = patron__norm_isf(alpha / 2) * se;
    r.significant = test_value < r.ci[0] || test_value > r.ci[1];
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}

/* ---- group sequential ---- */

#ifndef GS_NODES
#define GS_NODES 2001 /* Simpson nodes per look (odd) */
#endif

double patron__ab_spend(patron_abtest_spending s, double alpha, double t)
{
    if (s == PATRON_ABTEST_SPEND_OBF)
        return 2 * patron__norm_sf(patron__norm_isf(alpha / 2) / sqrt(t));
    return alpha * log(1 + (2.71828182845904523536 - 1) * t);
}

/* P(cross at this look) = sum_j w_j g(s_j) Pbar((u - s_j)/sqrt(delta)). */
static double cross_prob(const double *s, const double *wg, size_t m, double u, double sd)
{
    double acc = 0;
    for (size_t j = 0; j < m; j++)
        acc += wg[j] * patron__norm_sf((u - s[j]) / sd);
    return acc;
}

int patron_abtest_group_sequential(double *cumulative_alpha, double *z_bounds, double *nominal_p,
                                   const double *information_rates, size_t k, double alpha_one_sided,
                                   patron_abtest_spending spending)
{
    static const char fn[] = "patron_abtest_group_sequential";
    if (!cumulative_alpha || !z_bounds || !information_rates)
        return patron__fail(PATRON_EINVAL, "%s: NULL array", fn);
    if (k < 1 || k > 50)
        return patron__fail(PATRON_EINVAL, "%s: %zu looks, expected 1..50", fn, k);
    if (!(alpha_one_sided > 0 && alpha_one_sided < 0.5))
        return patron__fail(PATRON_EINVAL, "%s: alpha_one_sided %g is outside (0, 0.5)", fn, alpha_one_sided);
    if (spending != PATRON_ABTEST_SPEND_OBF && spending != PATRON_ABTEST_SPEND_POCOCK)
        return patron__fail(PATRON_EINVAL, "%s: unknown spending function %d", fn, (int)spending);
    for (size_t i = 0; i < k; i++) {
        double t = information_rates[i];
        if (!(t > 0 && t <= 1) || (i > 0 && !(t > information_rates[i - 1])))
            return patron__fail(PATRON_EINVAL, "%s: information rate %zu is %g; rates must increase within (0, 1]",
                                fn, i, t);
    }
    if (information_rates[k - 1] != 1)
        return patron__fail(PATRON_EINVAL, "%s: the last information rate is %g, expected 1", fn,
                            information_rates[k - 1]);
    double *buf = patron__reallocarray(NULL, 4 * GS_NODES, sizeof *buf);
    if (!buf)
        return patron__oom();
    double *s = buf, *g = buf + GS_NODES, *wg = buf + 2 * GS_NODES, *g2 = buf + 3 * GS_NODES;
    double cum_prev = 0, t_prev = 0, u_prev = 0;
    double res_a[50], res_z[50];
    for (size_t i = 0; i < k; i++) {
        double t = information_rates[i];
        double cum = patron__ab_spend(spending, alpha_one_sided, t);
        double inc = cum - cum_prev;
        double c;
        if (i == 0) {
            c = patron__norm_isf(inc);
            /* density of S_1 = sqrt(t) Z on (-inf, u] */
            double u = c * sqrt(t), lo = -12 * sqrt(t), h = (u - lo) / (GS_NODES - 1);
            for (size_t j = 0; j < GS_NODES; j++) {
                s[j] = lo + h * (double)j;
                g[j] = patron__norm_pdf(s[j] / sqrt(t)) / sqrt(t);
                double w = (j == 0 || j == GS_NODES - 1) ? 1 : (j % 2 ? 4 : 2);
                wg[j] = g[j] * w * h / 3;
            }
            u_prev = u;
        } else {
            double sd = sqrt(t - t_prev);
            /* Solve cross_prob(c sqrt(t)) = inc by bisection on c. */
            double a = -10, b = 20;
            for (int it = 0; it < 200; it++) {
                double mid = 0.5 * (a + b);
                double pr = cross_prob(s, wg, GS_NODES, mid * sqrt(t), sd);
                if (pr > inc)
                    a = mid;
                else
                    b = mid;
                if (b - a < 1e-14)
                    break;
            }
            c = 0.5 * (a + b);
            if (i + 1 < k) {
                /* propagate the sub-density to (-inf, u] at this look */
                double u = c * sqrt(t), lo = -12 * sqrt(t), h = (u - lo) / (GS_NODES - 1);
                for (size_t j = 0; j < GS_NODES; j++) {
                    double x = lo + h * (double)j, acc = 0;
                    for (size_t m = 0; m < GS_NODES; m++)
                        acc += wg[m] * patron__norm_pdf((x - s[m]) / sd);
                    g2[j] = acc / sd;
                }
                for (size_t j = 0; j < GS_NODES; j++) {
                    s[j] = lo + h * (double)j;
                    g[j] = g2[j];
                    double w = (j == 0 || j == GS_NODES - 1) ? 1 : (j % 2 ? 4 : 2);
                    wg[j] = g[j] * w * h / 3;
                }
                u_prev = u;
            }
        }
        res_a[i] = cum;
        res_z[i] = c;
        cum_prev = cum;
        t_prev = t;
    }
    (void)u_prev;
    patron__free(buf);
    for (size_t i = 0; i < k; i++) {
        cumulative_alpha[i] = res_a[i];
        z_bounds[i] = res_z[i];
        if (nominal_p)
            nominal_p[i] = patron__norm_sf(res_z[i]);
    }
    return PATRON_OK;
}
