/* Planning with a stated variance reduction (CUPED and other regression
 * adjustments remove a share r of the metric's variance: sd' = sd
 * sqrt(1 - r)) and for ratio metrics (revenue per order: the delta-method
 * variance of mean_Y / mean_X). Both reduce to patron_abtest_power_mean()
 * and patron_abtest_mde() with the per-unit sd they imply. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/error.h"

static const patron_abtest_plan_options default_opts = PATRON_ABTEST_PLAN_OPTIONS_INIT;

static int check_opts(const char *fn, const patron_abtest_plan_options **opts)
{
    const patron_abtest_plan_options *o = *opts ? *opts : &default_opts;
    if (o->size < sizeof *o)
        return patron__fail(PATRON_EINVAL, "%s: opts->size is %u, expected at least %zu", fn, (unsigned)o->size,
                            sizeof *o);
    if (!(o->n1_given >= 0) || isinf(o->n1_given) || (o->n1_given > 0 && !(o->n1_given > 1)))
        return patron__fail(PATRON_EINVAL, "%s: n1_given %g must be 0 (none) or > 1", fn, o->n1_given);
    *opts = o;
    return PATRON_OK;
}

/* Re-fail with this function's name instead of the inner one's. */
static int refail(int rc, const char *fn)
{
    char msg[512];
    const char *m = patron_errmsg(), *colon = strstr(m, ": ");
    if (!strncmp(m, "patron_", 7) && colon)
        m = colon + 2;
    snprintf(msg, sizeof msg, "%s", m);
    return patron__fail(rc, "%s: %s", fn, msg);
}

/* Sizes at unit sd `sd` (and `sd0` without the reduction) for effect delta. */
static int plan(patron_abtest_plan_result *out, double delta, double sd, double sd0,
                const patron_abtest_plan_options *o, const char *fn)
{
    patron_abtest_plan_result r;
    memset(&r, 0, sizeof r);
    patron_abtest_power_mean_result pm = PATRON_ABTEST_INIT(patron_abtest_power_mean_result), p0 = pm;
    int rc = patron_abtest_power_mean(&pm, delta, sd, o->alpha, o->power, o->ratio, o->sides);
    if (!rc)
        rc = patron_abtest_power_mean(&p0, delta, sd0, o->alpha, o->power, o->ratio, o->sides);
    if (rc)
        return refail(rc, fn);
    r.unit_sd = sd;
    r.unit_sd_unadjusted = sd0;
    r.delta = delta;
    r.effect_size_d = pm.effect_size_d;
    r.n1_z = pm.n1_z;
    r.n1_z_ceil = pm.n1_z_ceil;
    r.n1_t = pm.n1_t;
    r.n1_t_ceil = pm.n1_t_ceil;
    r.n1_z_unadjusted = p0.n1_z;
    r.n1_z_unadjusted_ceil = p0.n1_z_ceil;
    r.mde_at_n1 = NAN;
    if (o->n1_given > 0) {
        patron_abtest_mde_result m = PATRON_ABTEST_INIT(patron_abtest_mde_result);
        if ((rc = patron_abtest_mde(&m, o->n1_given, o->alpha, o->power, o->ratio, o->sides, sd, NAN)))
            return refail(rc, fn);
        r.mde_at_n1 = m.mde_abs_mean;
    }
    r.alpha = o->alpha;
    r.power = o->power;
    r.ratio = o->ratio;
    r.sides = o->sides;
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}

int patron_abtest_power_reduced(patron_abtest_plan_result *out, double delta, double sd, double variance_reduction,
                                const patron_abtest_plan_options *opts)
{
    static const char fn[] = "patron_abtest_power_reduced";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = check_opts(fn, &opts)))
        return rc;
    if (!(variance_reduction >= 0 && variance_reduction < 1))
        return patron__fail(PATRON_EINVAL, "%s: variance_reduction %g is outside [0, 1)", fn, variance_reduction);
    if (!(sd > 0) || isinf(sd))
        return patron__fail(PATRON_EINVAL, "%s: sd is %g, expected > 0", fn, sd);
    return plan(out, delta, sd * sqrt(1 - variance_reduction), sd, opts, fn);
}

int patron_abtest_ratio_unit_variance(double *variance, double mean_num, double mean_den, double var_num,
                                      double var_den, double cov)
{
    static const char fn[] = "patron_abtest_ratio_unit_variance";
    if (!variance)
        return patron__fail(PATRON_EINVAL, "%s: variance is NULL", fn);
    if (!isfinite(mean_num) || !isfinite(mean_den) || mean_den == 0)
        return patron__fail(PATRON_EINVAL, "%s: means %g / %g: both finite, the denominator's non-zero", fn,
                            mean_num, mean_den);
    if (!(var_num >= 0) || !(var_den >= 0) || isinf(var_num) || isinf(var_den) || !isfinite(cov))
        return patron__fail(PATRON_EINVAL, "%s: variances %g, %g must be finite and >= 0, covariance %g finite", fn,
                            var_num, var_den, cov);
    if (cov * cov > var_num * var_den * (1 + 1e-12))
        return patron__fail(PATRON_EINVAL, "%s: covariance %g exceeds sqrt(%g * %g): not a covariance matrix", fn,
                            cov, var_num, var_den);
    double R = mean_num / mean_den;
    double v = (var_num - 2 * R * cov + R * R * var_den) / (mean_den * mean_den);
    *variance = v > 0 ? v : 0;
    return PATRON_OK;
}

int patron_abtest_power_ratio(patron_abtest_plan_result *out, double mean_num, double mean_den, double var_num,
                              double var_den, double cov, double relative_lift, const patron_abtest_plan_options *opts)
{
    static const char fn[] = "patron_abtest_power_ratio";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = check_opts(fn, &opts)))
        return rc;
    double v;
    if ((rc = patron_abtest_ratio_unit_variance(&v, mean_num, mean_den, var_num, var_den, cov)))
        return refail(rc, fn);
    if (!(v > 0))
        return patron__fail(PATRON_EINVAL, "%s: the ratio has zero variance", fn);
    if (!isfinite(relative_lift) || relative_lift == 0)
        return patron__fail(PATRON_EINVAL, "%s: relative_lift is %g, expected finite and non-zero", fn,
                            relative_lift);
    double R = mean_num / mean_den;
    return plan(out, relative_lift * R, sqrt(v), sqrt(v), opts, fn);
}
