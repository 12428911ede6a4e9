/* Means: Welch and Student t-tests, relative lift (delta method and
 * Fieller), ratio metrics by the delta method, CUPED. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/dist.h"
#include "internal/error.h"

/* Neumaier-compensated mean. */
static double mean_of(const double *x, size_t n)
{
    double s = 0, c = 0;
    for (size_t i = 0; i < n; i++) {
        double t = s + x[i];
        if (fabs(s) >= fabs(x[i]))
            c += (s - t) + x[i];
        else
            c += (x[i] - t) + s;
        s = t;
    }
    return (s + c) / (double)n;
}

/* Sum of (x - mx)(y - my), compensated. */
static double comoment(const double *x, double mx, const double *y, double my, size_t n)
{
    double s = 0, c = 0;
    for (size_t i = 0; i < n; i++) {
        double v = (x[i] - mx) * (y[i] - my);
        double t = s + v;
        if (fabs(s) >= fabs(v))
            c += (s - t) + v;
        else
            c += (v - t) + s;
        s = t;
    }
    return s + c;
}

static int check_values(const char *fn, const char *what, const double *x, size_t n)
{
    if (!x && n)
        return patron__fail(PATRON_EINVAL, "%s: %s is NULL", fn, what);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return patron__fail(PATRON_EINVAL, "%s: %s[%zu] is %g, expected a finite number", fn, what, i, x[i]);
    return PATRON_OK;
}

int patron_abtest_summarize(patron_abtest_summary *out, const double *x, size_t n)
{
    static const char fn[] = "patron_abtest_summarize";
    if (!out)
        return patron__fail(PATRON_EINVAL, "%s: out is NULL", fn);
    if (n == 0)
        return patron__fail(PATRON_EINVAL, "%s: empty sample", fn);
    int rc = check_values(fn, "x", x, n);
    if (rc)
        return rc;
    double m = mean_of(x, n);
    double ss = comoment(x, m, x, m, n);
    out->n = (int64_t)n;
    out->mean = m;
    out->sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
    return PATRON_OK;
}

static int check_summary(const char *fn, const patron_abtest_summary *s, char arm)
{
    if (!s)
        return patron__fail(PATRON_EINVAL, "%s: summary of %c is NULL", fn, arm);
    if (s->n < 1)
        return patron__fail(PATRON_EINVAL, "%s: n_%c is %lld, expected >= 1", fn, arm, (long long)s->n);
    if (!isfinite(s->mean))
        return patron__fail(PATRON_EINVAL, "%s: mean_%c is %g, expected a finite number", fn, arm, s->mean);
    if (!(s->sd >= 0) || isinf(s->sd))
        return patron__fail(PATRON_EINVAL, "%s: sd_%c is %g, expected a finite number >= 0", fn, arm, s->sd);
    if (s->n == 1 && s->sd != 0)
        return patron__fail(PATRON_EINVAL, "%s: sd_%c is %g with n_%c = 1 (a single value has no sd)", fn, arm,
                            s->sd, arm);
    return PATRON_OK;
}

/* Welch-Satterthwaite df (qa + qb)^2 / (qa^2/(na-1) + qb^2/(nb-1)), scaled
 * by the larger of qa, qb so that squares of tiny or huge variances neither
 * underflow nor overflow; NaN when both are 0. */
static double welch_df(double qa, double qb, double na, double nb)
{
    double s = qa > qb ? qa : qb;
    if (!(s > 0) || na < 2 || nb < 2)
        return NAN;
    double ua = qa / s, ub = qb / s;
    return (ua + ub) * (ua + ub) / (ua * ua / (na - 1) + ub * ub / (nb - 1));
}

int patron_abtest_means(patron_abtest_means_result *out, const patron_abtest_summary *a,
                        const patron_abtest_summary *b, double alpha)
{
    static const char fn[] = "patron_abtest_means";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = patron__ab_check_alpha(alpha, fn)) || (rc = check_summary(fn, a, 'a')) ||
        (rc = check_summary(fn, b, 'b')))
        return rc;
    if (a->n + b->n < 3)
        return patron__fail(PATRON_EINVAL, "%s: n_a + n_b = %lld, expected >= 3 to estimate a variance", fn,
                            (long long)(a->n + b->n));
    patron_abtest_means_result r;
    memset(&r, 0, sizeof r);
    r.a = *a;
    r.b = *b;
    double na = (double)a->n, nb = (double)b->n;
    double va = a->sd * a->sd, vb = b->sd * b->sd;
    r.diff = b->mean - a->mean;
    /* Welch */
    double qa = va / na, qb = vb / nb;
    double wdf = welch_df(qa, qb, na, nb);
    if (a->n < 2 || b->n < 2 || isnan(wdf))
        patron__ab_fill_nan(&r.welch);
    else
        patron__ab_fill_t(&r.welch, r.diff, sqrt(qa + qb), wdf, alpha);
    r.welch.effect = r.diff;
    /* Student */
    double df = na + nb - 2;
    r.pooled_variance = ((na - 1) * va + (nb - 1) * vb) / df;
    patron__ab_fill_t(&r.student, r.diff, sqrt(r.pooled_variance * (1 / na + 1 / nb)), df, alpha);
    /* Relative lift */
    double z = patron__norm_isf(alpha / 2);
    if (a->mean != 0) {
        double ma = a->mean, mb = b->mean;
        r.rel_lift = mb / ma - 1;
        r.rel_lift_se = sqrt(qb / (ma * ma) + mb * mb * qa / (ma * ma * ma * ma));
        r.rel_lift_ci[0] = r.rel_lift - z * r.rel_lift_se;
        r.rel_lift_ci[1] = r.rel_lift + z * r.rel_lift_se;
        if (r.rel_lift_se > 0) {
            r.rel_lift_p = 2 * patron__norm_sf(fabs(r.rel_lift / r.rel_lift_se));
        } else {
            r.rel_lift_p = r.rel_lift == 0 ? 1 : 0;
        }
        r.fieller_g = z * z * qa / (ma * ma);
        r.fieller_bounded = r.fieller_g < 1;
        if (r.fieller_bounded) {
            double ratio = mb / ma;
            double half = z / fabs(ma) * sqrt(qb + ratio * ratio * qa - r.fieller_g * qb);
            r.rel_lift_ci_fieller[0] = (ratio - half) / (1 - r.fieller_g) - 1;
            r.rel_lift_ci_fieller[1] = (ratio + half) / (1 - r.fieller_g) - 1;
        } else {
            r.rel_lift_ci_fieller[0] = r.rel_lift_ci_fieller[1] = NAN;
        }
    } else {
        r.rel_lift = r.rel_lift_se = r.rel_lift_p = r.fieller_g = NAN;
        r.rel_lift_ci[0] = r.rel_lift_ci[1] = NAN;
        r.rel_lift_ci_fieller[0] = r.rel_lift_ci_fieller[1] = NAN;
        r.fieller_bounded = 0;
    }
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}

int patron_abtest_means_samples(patron_abtest_means_result *out, const double *a, size_t n_a, const double *b,
                                size_t n_b, double alpha)
{
    static const char fn[] = "patron_abtest_means_samples";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc)
        return rc;
    if (n_a < 1 || n_b < 1)
        return patron__fail(PATRON_EINVAL, "%s: n_%c is 0, expected >= 1", fn, n_a < 1 ? 'a' : 'b');
    if ((rc = check_values(fn, "a", a, n_a)) || (rc = check_values(fn, "b", b, n_b)))
        return rc;
    patron_abtest_summary sa, sb;
    patron_abtest_summarize(&sa, a, n_a);
    patron_abtest_summarize(&sb, b, n_b);
    return patron_abtest_means(out, &sa, &sb, alpha);
}

int patron_abtest_ratio_stats_from_rows(patron_abtest_ratio_stats *out, const double *m, const double *d, size_t n)
{
    static const char fn[] = "patron_abtest_ratio_stats_from_rows";
    if (!out)
        return patron__fail(PATRON_EINVAL, "%s: out is NULL", fn);
    if (n == 0)
        return patron__fail(PATRON_EINVAL, "%s: no rows", fn);
    int rc;
    if ((rc = check_values(fn, "m", m, n)) || (rc = check_values(fn, "d", d, n)))
        return rc;
    patron_abtest_ratio_stats s = {(int64_t)n, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        s.sum_m += m[i];
        s.sum_d += d[i];
        s.sum_m2 += m[i] * m[i];
        s.sum_d2 += d[i] * d[i];
        s.sum_md += m[i] * d[i];
    }
    *out = s;
    return PATRON_OK;
}

static int ratio_var(const char *fn, const patron_abtest_ratio_stats *s, char arm, double *ratio, double *var)
{
    if (!s)
        return patron__fail(PATRON_EINVAL, "%s: statistics of %c are NULL", fn, arm);
    if (s->n < 2)
        return patron__fail(PATRON_EINVAL, "%s: n_%c is %lld, expected >= 2", fn, arm, (long long)s->n);
    if (!isfinite(s->sum_m) || !isfinite(s->sum_d) || !isfinite(s->sum_m2) || !isfinite(s->sum_d2) ||
        !isfinite(s->sum_md))
        return patron__fail(PATRON_EINVAL, "%s: a sum of %c is not finite", fn, arm);
    if (s->sum_d == 0)
        return patron__fail(PATRON_EINVAL, "%s: sum_d of %c is 0 (the ratio is undefined)", fn, arm);
    double n = (double)s->n;
    double mm = s->sum_m / n, md = s->sum_d / n;
    double smm = (s->sum_m2 - s->sum_m * mm) / (n - 1);
    double sdd = (s->sum_d2 - s->sum_d * md) / (n - 1);
    double smd = (s->sum_md - s->sum_m * md) / (n - 1);
    *ratio = s->sum_m / s->sum_d;
    *var = (smm / (md * md) + mm * mm * sdd / (md * md * md * md) - 2 * mm * smd / (md * md * md)) / n;
    if (*var < 0)
        *var = 0;
    return PATRON_OK;
}

int patron_abtest_ratio(patron_abtest_ratio_result *out, const patron_abtest_ratio_stats *a,
                        const patron_abtest_ratio_stats *b, double alpha)
{
    static const char fn[] = "patron_abtest_ratio";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = patron__ab_check_alpha(alpha, fn)))
        return rc;
    patron_abtest_ratio_result r;
    memset(&r, 0, sizeof r);
    if ((rc = ratio_var(fn, a, 'a', &r.ratio_a, &r.var_ratio_a)) ||
        (rc = ratio_var(fn, b, 'b', &r.ratio_b, &r.var_ratio_b)))
        return rc;
    patron__ab_fill_z(&r.diff, r.ratio_b - r.ratio_a, sqrt(r.var_ratio_a + r.var_ratio_b), alpha);
    if (r.ratio_a != 0) {
        double ra = r.ratio_a, rb = r.ratio_b;
        double se = sqrt(r.var_ratio_b / (ra * ra) + rb * rb * r.var_ratio_a / (ra * ra * ra * ra));
        patron__ab_fill_z(&r.rel, rb / ra - 1, se, alpha);
    } else {
        patron__ab_fill_nan(&r.rel);
    }
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}

int patron_abtest_cuped(patron_abtest_cuped_result *out, const double *pre_a, const double *post_a, size_t n_a,
                        const double *pre_b, const double *post_b, size_t n_b, double alpha)
{
    static const char fn[] = "patron_abtest_cuped";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = patron__ab_check_alpha(alpha, fn)))
        return rc;
    if (n_a < 2 || n_b < 2)
        return patron__fail(PATRON_EINVAL, "%s: n_%c is %zu, expected >= 2", fn, n_a < 2 ? 'a' : 'b',
                            n_a < 2 ? n_a : n_b);
    if ((rc = check_values(fn, "pre_a", pre_a, n_a)) || (rc = check_values(fn, "post_a", post_a, n_a)) ||
        (rc = check_values(fn, "pre_b", pre_b, n_b)) || (rc = check_values(fn, "post_b", post_b, n_b)))
        return rc;
    double na = (double)n_a, nb = (double)n_b;
    double mxa = mean_of(pre_a, n_a), mya = mean_of(post_a, n_a);
    double mxb = mean_of(pre_b, n_b), myb = mean_of(post_b, n_b);
    /* Pooled moments about the pooled means. */
    double mx = (mxa * na + mxb * nb) / (na + nb), my = (mya * na + myb * nb) / (na + nb);
    double sxx = comoment(pre_a, mx, pre_a, mx, n_a) + comoment(pre_b, mx, pre_b, mx, n_b);
    double sxy = comoment(pre_a, mx, post_a, my, n_a) + comoment(pre_b, mx, post_b, my, n_b);
    if (!(sxx > 0))
        return patron__fail(PATRON_EINVAL, "%s: the pre-period covariate has zero variance", fn);
    patron_abtest_cuped_result r;
    memset(&r, 0, sizeof r);
    double th = sxy / sxx;
    r.theta = th;
    double vxa = comoment(pre_a, mxa, pre_a, mxa, n_a) / (na - 1);
    double vya = comoment(post_a, mya, post_a, mya, n_a) / (na - 1);
    double cxa = comoment(pre_a, mxa, post_a, mya, n_a) / (na - 1);
    double vxb = comoment(pre_b, mxb, pre_b, mxb, n_b) / (nb - 1);
    double vyb = comoment(post_b, myb, post_b, myb, n_b) / (nb - 1);
    double cxb = comoment(pre_b, mxb, post_b, myb, n_b) / (nb - 1);
    r.adjusted_mean_a = mya - th * mxa;
    r.adjusted_mean_b = myb - th * mxb;
    r.adjusted_var_a = vya + th * th * vxa - 2 * th * cxa;
    r.adjusted_var_b = vyb + th * th * vxb - 2 * th * cxb;
    if (r.adjusted_var_a < 0)
        r.adjusted_var_a = 0;
    if (r.adjusted_var_b < 0)
        r.adjusted_var_b = 0;
    double qa = r.adjusted_var_a / na, qb = r.adjusted_var_b / nb;
    double diff = r.adjusted_mean_b - r.adjusted_mean_a;
    patron__ab_fill_z(&r.normal, diff, sqrt(qa + qb), alpha);
    r.welch_df = welch_df(qa, qb, na, nb);
    if (qa + qb > 0)
        r.p_two_sided_t_welch = 2 * patron__t_sf(fabs(diff) / sqrt(qa + qb), r.welch_df);
    else
        r.p_two_sided_t_welch = diff == 0 ? 1 : 0;
    r.diff_unadjusted = myb - mya;
    r.se_unadjusted = sqrt(vya / na + vyb / nb);
    r.variance_reduction = r.se_unadjusted > 0 ? 1 - (qa + qb) / (r.se_unadjusted * r.se_unadjusted) : 0;
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}
