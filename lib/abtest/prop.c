/* Proportions: two-proportion z-tests, intervals, relative lift, chi-square
 * of the 2x2 table, G-test and Fisher's exact test (fisher.c). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/dist.h"
#include "internal/error.h"
#include "internal/gammafn.h"

static int check_counts(const char *fn, int64_t x, int64_t n, char arm)
{
    if (n < 1)
        return patron__fail(PATRON_EINVAL, "%s: n_%c is %lld, expected >= 1", fn, arm, (long long)n);
    if (x < 0)
        return patron__fail(PATRON_EINVAL, "%s: x_%c is %lld, a negative count", fn, arm, (long long)x);
    if (x > n)
        return patron__fail(PATRON_EINVAL, "%s: x_%c = %lld is larger than n_%c = %lld", fn, arm, (long long)x, arm,
                            (long long)n);
    if (n > (INT64_C(1) << 52))
        return patron__fail(PATRON_EINVAL, "%s: n_%c = %lld is above 2^52", fn, arm, (long long)n);
    return PATRON_OK;
}

static void wilson(double ci[2], double p, double n, double z)
{
    double z2 = z * z;
    double den = 1 + z2 / n;
    double center = (p + z2 / (2 * n)) / den;
    double half = z / den * sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    ci[0] = center - half;
    ci[1] = center + half;
    if (ci[0] < 0)
        ci[0] = 0;
    if (ci[1] > 1)
        ci[1] = 1;
}

int patron_abtest_proportions(patron_abtest_prop_result *out, int64_t x_a, int64_t n_a, int64_t x_b,
                              int64_t n_b, double alpha)
{
    static const char fn[] = "patron_abtest_proportions";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = patron__ab_check_alpha(alpha, fn)) || (rc = check_counts(fn, x_a, n_a, 'a')) ||
        (rc = check_counts(fn, x_b, n_b, 'b')))
        return rc;
    patron_abtest_prop_result r;
    memset(&r, 0, sizeof r);
    double na = (double)n_a, nb = (double)n_b;
    r.alpha = alpha;
    r.p_a = (double)x_a / na;
    r.p_b = (double)x_b / nb;
    r.diff = r.p_b - r.p_a;
    r.p_pooled = (double)(x_a + x_b) / (na + nb);
    double se_pooled = sqrt(r.p_pooled * (1 - r.p_pooled) * (1 / na + 1 / nb));
    double se_unpooled = sqrt(r.p_a * (1 - r.p_a) / na + r.p_b * (1 - r.p_b) / nb);
    double z = patron__norm_isf(alpha / 2);
    patron__ab_fill_z(&r.pooled, r.diff, se_pooled, alpha);
    patron__ab_fill_z(&r.unpooled, r.diff, se_unpooled, alpha);
    r.chi2 = se_pooled > 0 ? r.pooled.statistic * r.pooled.statistic : NAN;
    wilson(r.wilson_a, r.p_a, na, z);
    wilson(r.wilson_b, r.p_b, nb, z);
    /* Newcombe's hybrid score interval (method 10). */
    r.pooled.ci_low = r.diff - sqrt((r.p_b - r.wilson_b[0]) * (r.p_b - r.wilson_b[0]) +
                                    (r.wilson_a[1] - r.p_a) * (r.wilson_a[1] - r.p_a));
    r.pooled.ci_high = r.diff + sqrt((r.wilson_b[1] - r.p_b) * (r.wilson_b[1] - r.p_b) +
                                     (r.p_a - r.wilson_a[0]) * (r.p_a - r.wilson_a[0]));
    if (r.p_a > 0) {
        r.rel_lift = r.p_b / r.p_a - 1;
        double va = r.p_a * (1 - r.p_a) / na, vb = r.p_b * (1 - r.p_b) / nb;
        r.rel_lift_se = sqrt(vb / (r.p_a * r.p_a) + r.p_b * r.p_b * va / (r.p_a * r.p_a * r.p_a * r.p_a));
        r.rel_lift_ci[0] = r.rel_lift - z * r.rel_lift_se;
        r.rel_lift_ci[1] = r.rel_lift + z * r.rel_lift_se;
    } else {
        r.rel_lift = r.p_b > 0 ? INFINITY : NAN;
        r.rel_lift_se = NAN;
        r.rel_lift_ci[0] = r.rel_lift_ci[1] = NAN;
    }
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}

int patron__ab_check_table(const char *fn, const int64_t t[4])
{
    static const char *names[4] = {"conv_a", "nonconv_a", "conv_b", "nonconv_b"};
    if (!t)
        return patron__fail(PATRON_EINVAL, "%s: table is NULL", fn);
    int64_t sum = 0;
    for (int i = 0; i < 4; i++) {
        if (t[i] < 0)
            return patron__fail(PATRON_EINVAL, "%s: cell %s is %lld, a negative count", fn, names[i],
                                (long long)t[i]);
        if (t[i] > (INT64_C(1) << 50))
            return patron__fail(PATRON_EINVAL, "%s: cell %s is %lld, above 2^50", fn, names[i], (long long)t[i]);
        sum += t[i];
    }
    if (sum == 0)
        return patron__fail(PATRON_EINVAL, "%s: the table is empty", fn);
    return PATRON_OK;
}

/* a*d - b*c for integer-valued doubles, exact up to rounding once. */
static double det2(double a, double b, double c, double d)
{
    double p = a * d, q = b * c;
    double e1 = fma(a, d, -p), e2 = fma(b, c, -q);
    return (p - q) + (e1 - e2);
}

/* (1+x) log1p(x) - x, accurate for small |x| (series sum x^k (-1)^k / (k(k-1))). */
static double xlogx_dev(double x)
{
    if (x <= -1)
        return 1;
    if (fabs(x) < 0.1) {
        double term = x * x, sum = 0;
        for (int k = 2; k < 40; k++) {
            double t = term / (k * (k - 1.0));
            sum += (k % 2 ? -t : t);
            term *= x;
            if (fabs(t) < 1e-18 * fabs(sum))
                break;
        }
        return sum;
    }
    return (1 + x) * log1p(x) - x;
}

int patron_abtest_chi2_2x2(patron_abtest_chi2_result *out, const int64_t table[4])
{
    static const char fn[] = "patron_abtest_chi2_2x2";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = patron__ab_check_table(fn, table)))
        return rc;
    patron_abtest_chi2_result r;
    memset(&r, 0, sizeof r);
    double o[4] = {(double)table[0], (double)table[1], (double)table[2], (double)table[3]};
    double row[2] = {o[0] + o[1], o[2] + o[3]}, col[2] = {o[0] + o[2], o[1] + o[3]};
    double n = row[0] + row[1];
    int zero = 0;
    for (int i = 0; i < 4; i++) {
        r.expected[i] = row[i / 2] * col[i % 2] / n;
        if (r.expected[i] == 0)
            zero = 1;
    }
    r.dof = 1;
    if (zero) {
        r.chi2 = r.chi2_yates = r.g = NAN;
        r.p = r.p_yates = r.p_g = 1;
        r.log_p = r.log_p_yates = r.log_p_g = 0;
    } else {
        double det = det2(o[0], o[1], o[2], o[3]) / n; /* O - E = +det, -det, -det, +det */
        double dev = fabs(det);
        double inv = 0;
        for (int i = 0; i < 4; i++)
            inv += 1 / r.expected[i];
        r.chi2 = dev * dev * inv;
        double dy = dev - (dev < 0.5 ? dev : 0.5);
        r.chi2_yates = dy * dy * inv;
        /* G/2 = sum O ln(O/E) = sum E f(d/E) with f(x) = (1+x) log1p(x) - x,
         * since sum (O - E) = 0; this keeps full precision at n = 1e9. */
        double g = 0;
        for (int i = 0; i < 4; i++) {
            double d = (i == 0 || i == 3) ? det : -det;
            g += r.expected[i] * xlogx_dev(d / r.expected[i]);
        }
        r.g = 2 * g;
        if (r.g < 0)
            r.g = 0;
        r.p = patron__chi2_sf(r.chi2, 1);
        r.log_p = patron__chi2_logsf(r.chi2, 1);
        r.p_yates = patron__chi2_sf(r.chi2_yates, 1);
        r.log_p_yates = patron__chi2_logsf(r.chi2_yates, 1);
        r.p_g = patron__chi2_sf(r.g, 1);
        r.log_p_g = patron__chi2_logsf(r.g, 1);
    }
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}
