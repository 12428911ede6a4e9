/* Quantile metrics: difference of quantiles with an order-statistic
 * standard error (no density estimate) and exact distribution-free
 * intervals of each arm's quantile. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/alloc.h"
#include "internal/dist.h"
#include "internal/error.h"

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* P(Bin(n, q) <= k) and P(Bin(n, q) > k), k in [0, n - 1]. */
static double binom_cdf(double n, double k, double q)
{
    return patron__incbeta(n - k, k + 1, 1 - q, q, 0, NULL);
}

static double binom_sf(double n, double k, double q)
{
    return patron__incbeta(n - k, k + 1, 1 - q, q, 1, NULL);
}

/* Linear interpolation between order statistics at 1-based rank r,
 * clamped to [1, n]. */
static double order_stat(const double *x, size_t n, double r)
{
    if (r <= 1)
        return x[0];
    if (r >= (double)n)
        return x[n - 1];
    double f = floor(r);
    size_t i = (size_t)f - 1;
    return x[i] + (r - f) * (x[i + 1] - x[i]);
}

typedef struct {
    double quantile, ci[2], coverage, se;
} arm_q;

static void arm_quantile(const double *x, size_t n, double q, double alpha, arm_q *r)
{
    double dn = (double)n;
    r->quantile = order_stat(x, n, 1 + (dn - 1) * q); /* type 7 */
    /* Lower end X_(l): the largest l with P(B <= l - 1) <= alpha/2; upper
     * X_(u): the smallest u with P(B >= u) <= alpha/2 (B ~ Bin(n, q)). */
    size_t lo = 0, hi = n; /* search k = l - 1 in [0, n - 1] */
    if (binom_cdf(dn, 0, q) > alpha / 2) {
        r->ci[0] = -INFINITY;
        lo = 0; /* l = 0 */
    } else {
        size_t a = 0, b = n - 1; /* F(a) <= alpha/2 holds */
        while (a < b) {
            size_t m = a + (b - a + 1) / 2;
            if (binom_cdf(dn, (double)m, q) <= alpha / 2)
                a = m;
            else
                b = m - 1;
        }
        lo = a + 1; /* l */
        r->ci[0] = x[lo - 1];
    }
    if (binom_sf(dn, (double)(n - 1), q) > alpha / 2) { /* P(B = n) > alpha/2 */
        r->ci[1] = INFINITY;
        hi = n + 1;
    } else {
        size_t a = 0, b = n - 1; /* smallest k with SF(k) <= alpha/2 */
        while (a < b) {
            size_t m = a + (b - a) / 2;
            if (binom_sf(dn, (double)m, q) <= alpha / 2)
                b = m;
            else
                a = m + 1;
        }
        hi = a + 1; /* u */
        r->ci[1] = x[hi - 1];
    }
    double f_hi = hi >= n + 1 ? 1 : binom_cdf(dn, (double)(hi - 1), q);
    double f_lo = lo == 0 ? 0 : binom_cdf(dn, (double)(lo - 1), q);
    r->coverage = f_hi - f_lo;
    double z = patron__norm_isf(alpha / 2), s = sqrt(dn * q * (1 - q));
    r->se = (order_stat(x, n, dn * q + z * s) - order_stat(x, n, dn * q - z * s)) / (2 * z);
}

static int check_sample(const char *fn, const double *x, size_t n, char arm)
{
    if (!x)
        return patron__fail(PATRON_EINVAL, "%s: %c is NULL", fn, arm);
    if (n < 2)
        return patron__fail(PATRON_EINVAL, "%s: n_%c is %zu, expected >= 2", fn, arm, n);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return patron__fail(PATRON_EINVAL, "%s: %c[%zu] is %g, expected a finite number", fn, arm, i, x[i]);
    return PATRON_OK;
}

int patron_abtest_quantile(patron_abtest_quantile_result *out, const double *a, size_t n_a, const double *b,
                           size_t n_b, double q, double alpha)
{
    static const char fn[] = "patron_abtest_quantile";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = patron__ab_check_alpha(alpha, fn)))
        return rc;
    if (!(q > 0 && q < 1))
        return patron__fail(PATRON_EINVAL, "%s: q %g is outside (0, 1)", fn, q);
    if ((rc = check_sample(fn, a, n_a, 'a')) || (rc = check_sample(fn, b, n_b, 'b')))
        return rc;
    if (n_a > SIZE_MAX / sizeof(double) - n_b)
        return patron__fail(PATRON_EINVAL, "%s: n_a + n_b is too large", fn);
    double *s = patron__malloc((n_a + n_b) * sizeof *s);
    if (!s)
        return patron__fail(PATRON_ENOMEM, "%s: no memory for a sorted copy of %zu values", fn, n_a + n_b);
    memcpy(s, a, n_a * sizeof *s);
    memcpy(s + n_a, b, n_b * sizeof *s);
    qsort(s, n_a, sizeof *s, cmp_double);
    qsort(s + n_a, n_b, sizeof *s, cmp_double);
    arm_q qa, qb;
    arm_quantile(s, n_a, q, alpha, &qa);
    arm_quantile(s + n_a, n_b, q, alpha, &qb);
    patron__free(s);
    patron_abtest_quantile_result r;
    memset(&r, 0, sizeof r);
    r.q = q;
    r.alpha = alpha;
    r.quantile_a = qa.quantile;
    r.quantile_b = qb.quantile;
    r.ci_a[0] = qa.ci[0];
    r.ci_a[1] = qa.ci[1];
    r.ci_b[0] = qb.ci[0];
    r.ci_b[1] = qb.ci[1];
    r.coverage_a = qa.coverage;
    r.coverage_b = qb.coverage;
    r.se_a = qa.se;
    r.se_b = qb.se;
    patron__ab_fill_z(&r.diff, qb.quantile - qa.quantile, sqrt(qa.se * qa.se + qb.se * qb.se), alpha);
    double z = patron__norm_isf(alpha / 2);
    if (qa.quantile != 0) {
        double A = qa.quantile, B = qb.quantile;
        r.rel_lift = B / A - 1;
        r.rel_lift_se = sqrt(qb.se * qb.se / (A * A) + B * B * qa.se * qa.se / (A * A * A * A));
        r.rel_lift_ci[0] = r.rel_lift - z * r.rel_lift_se;
        r.rel_lift_ci[1] = r.rel_lift + z * r.rel_lift_se;
    } else {
        r.rel_lift = r.rel_lift_se = r.rel_lift_ci[0] = r.rel_lift_ci[1] = NAN;
    }
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}
