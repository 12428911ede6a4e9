/* Planning: power, sample size and minimum detectable effect for two
 * proportions and two means. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/dist.h"
#include "internal/error.h"

typedef double (*fun1)(double x, const void *ctx);

/* Root of an increasing f(x) - target on [lo, hi] by bisection to the last
 * bit. Returns NaN when the bracket does not contain it. */
static double solve_inc(fun1 f, const void *ctx, double target, double lo, double hi)
{
    double flo = f(lo, ctx) - target, fhi = f(hi, ctx) - target;
    if (!(flo <= 0 && fhi >= 0))
        return NAN;
    for (int i = 0; i < 2000; i++) {
        double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi)
            break;
        double fm = f(mid, ctx) - target;
        if (fm < 0)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

typedef struct {
    double h, c, k, sides, alpha;
    double p1, p2, zp;
    double d;
} pctx;

static double power_cohen(double n1, const void *v)
{
    const pctx *p = v;
    double m = n1 * p->k / (1 + p->k);
    double s = fabs(p->h) * sqrt(m);
    if (p->sides == 1)
        return patron__norm_sf(p->c - s);
    return patron__norm_sf(p->c - s) + patron__norm_cdf(-p->c - s);
}

/* Pooled-variance (Fleiss) power, one tail, for general k. */
static double power_pooled_k(double n1, double p1, double p2, double k, double c)
{
    double pbar = (p1 + k * p2) / (1 + k);
    double num = fabs(p2 - p1) * sqrt(n1) - c * sqrt(pbar * (1 - pbar) * (1 + 1 / k));
    return patron__norm_cdf(num / sqrt(p1 * (1 - p1) + p2 * (1 - p2) / k));
}

static double power_strict(double n, const void *v)
{
    const pctx *p = v;
    double d = fabs(p->p1 - p->p2), q1 = 1 - p->p1, q2 = 1 - p->p2;
    double a = p->c * sqrt((p->p1 + p->p2) * (q1 + q2) / 2), s = sqrt(p->p1 * q1 + p->p2 * q2);
    return patron__norm_cdf((sqrt(n * d * d) - a) / s) + patron__norm_sf((sqrt(n * d * d) + a) / s);
}

static int64_t ceil64(double x)
{
    return isfinite(x) ? (int64_t)ceil(x) : -1;
}

static int check_prob(const char *fn, const char *what, double p)
{
    if (!(p > 0 && p < 1))
        return patron__fail(PATRON_EINVAL, "%s: %s is %g, expected a value in (0, 1)", fn, what, p);
    return PATRON_OK;
}

static int check_common(const char *fn, double alpha, double power, double ratio, int sides)
{
    int rc = patron__ab_check_alpha(alpha, fn);
    if (rc)
        return rc;
    if ((rc = check_prob(fn, "power", power)))
        return rc;
    if (!(ratio > 0) || isinf(ratio))
        return patron__fail(PATRON_EINVAL, "%s: ratio n2/n1 is %g, expected > 0", fn, ratio);
    if (sides != 1 && sides != 2)
        return patron__fail(PATRON_EINVAL, "%s: sides is %d, expected 1 or 2", fn, sides);
    return PATRON_OK;
}

int patron_abtest_power_prop(patron_abtest_power_prop_result *out, double p1, double p2, double alpha, double power,
                             double ratio, int sides, double n1_given)
{
    static const char fn[] = "patron_abtest_power_prop";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = check_common(fn, alpha, power, ratio, sides)) || (rc = check_prob(fn, "p1", p1)) ||
        (rc = check_prob(fn, "p2", p2)))
        return rc;
    if (p1 == p2)
        return patron__fail(PATRON_EINVAL, "%s: p1 == p2 = %g: no effect to detect", fn, p1);
    if (isnan(n1_given))
        return patron__fail(PATRON_EINVAL, "%s: n1_given is NaN", fn);
    patron_abtest_power_prop_result r;
    memset(&r, 0, sizeof r);
    double k = ratio;
    double c = patron__norm_isf(sides == 2 ? alpha / 2 : alpha);
    double zp = patron__norm_isf(1 - power);
    pctx ctx = {0};
    ctx.h = 2 * asin(sqrt(p2)) - 2 * asin(sqrt(p1));
    ctx.c = c;
    ctx.k = k;
    ctx.sides = sides;
    ctx.p1 = p1;
    ctx.p2 = p2;
    r.cohen_h = ctx.h;
    r.n1_cohen_h = solve_inc(power_cohen, &ctx, power, 1e-9, 1e16);
    double pbar = (p1 + k * p2) / (1 + k);
    double t = c * sqrt(pbar * (1 - pbar) * (1 + 1 / k)) + zp * sqrt(p1 * (1 - p1) + p2 * (1 - p2) / k);
    r.n1_pooled = t * t / ((p1 - p2) * (p1 - p2));
    if (k == 1 && sides == 2)
        r.n1_pooled_strict = solve_inc(power_strict, &ctx, power, 1e-9, 1e16);
    else
        r.n1_pooled_strict = NAN;
    if (p1 <= 0.5 && p2 > p1 && k == 1) {
        double d = p2 - p1;
        double e = (c * sqrt(2 * p1 * (1 - p1)) + zp * sqrt(p1 * (1 - p1) + (p1 + d) * (1 - p1 - d))) / d;
        r.n_evanmiller = e * e;
        r.n_evanmiller_round = (int64_t)floor(r.n_evanmiller + 0.5);
    } else {
        r.n_evanmiller = NAN;
        r.n_evanmiller_round = -1;
    }
    if (isnan(r.n1_cohen_h) || isnan(r.n1_pooled))
        return patron__fail(PATRON_ECONVERGE, "%s: no sample size reaches power %g", fn, power);
    r.n1_cohen_h_ceil = ceil64(r.n1_cohen_h);
    r.n1_pooled_ceil = ceil64(r.n1_pooled);
    r.n1_pooled_strict_ceil = ceil64(r.n1_pooled_strict);
    if (n1_given > 0) {
        r.power_cohen_h = power_cohen(n1_given, &ctx);
        r.power_pooled = power_pooled_k(n1_given, p1, p2, k, c);
        r.power_pooled_strict = (k == 1 && sides == 2) ? power_strict(n1_given, &ctx) : NAN;
    } else {
        r.power_cohen_h = r.power_pooled = r.power_pooled_strict = NAN;
    }
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}

static double power_t(double n1, const void *v)
{
    const pctx *p = v;
    double df = n1 * (1 + p->k) - 2;
    if (!(df > 0))
        return 0;
    double nc = fabs(p->d) * sqrt(n1 * p->k / (1 + p->k));
    double crit = patron__t_isf(p->sides == 2 ? p->alpha / 2 : p->alpha, df);
    double pw = 1 - patron__nct_cdf(crit, df, nc);
    if (p->sides == 2)
        pw += patron__nct_cdf(-crit, df, nc);
    return pw;
}

int patron_abtest_power_mean(patron_abtest_power_mean_result *out, double delta, double sd, double alpha,
                             double power, double ratio, int sides)
{
    static const char fn[] = "patron_abtest_power_mean";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = check_common(fn, alpha, power, ratio, sides)))
        return rc;
    if (!isfinite(delta) || delta == 0)
        return patron__fail(PATRON_EINVAL, "%s: delta is %g, expected a finite non-zero difference", fn, delta);
    if (!(sd > 0) || isinf(sd))
        return patron__fail(PATRON_EINVAL, "%s: sd is %g, expected > 0", fn, sd);
    patron_abtest_power_mean_result r;
    memset(&r, 0, sizeof r);
    double k = ratio;
    double c = patron__norm_isf(sides == 2 ? alpha / 2 : alpha), zp = patron__norm_isf(1 - power);
    r.effect_size_d = delta / sd;
    r.n1_z = (c + zp) * (c + zp) * sd * sd * (1 + 1 / k) / (delta * delta);
    pctx ctx = {0};
    ctx.k = k;
    ctx.sides = sides;
    ctx.alpha = alpha;
    ctx.d = r.effect_size_d;
    double lo = 3 / (1 + k); /* df = 1 */
    r.n1_t = solve_inc(power_t, &ctx, power, lo, 1e15);
    if (isnan(r.n1_t))
        return patron__fail(PATRON_ECONVERGE, "%s: no sample size reaches power %g", fn, power);
    r.n1_z_ceil = ceil64(r.n1_z);
    r.n1_t_ceil = ceil64(r.n1_t);
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}

typedef struct {
    double n1, p1, k, c;
} mctx;

static double power_of_p2(double p2, const void *v)
{
    const mctx *m = v;
    return power_pooled_k(m->n1, m->p1, p2, m->k, m->c);
}

int patron_abtest_mde(patron_abtest_mde_result *out, double n1, double alpha, double power, double ratio, int sides,
                      double sd, double p1)
{
    static const char fn[] = "patron_abtest_mde";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = check_common(fn, alpha, power, ratio, sides)))
        return rc;
    if (!(n1 > 1) || isinf(n1))
        return patron__fail(PATRON_EINVAL, "%s: n1 is %g, expected > 1", fn, n1);
    int has_sd = sd > 0, has_p = !isnan(p1);
    if (has_sd && isinf(sd))
        return patron__fail(PATRON_EINVAL, "%s: sd is infinite", fn);
    if (has_p && (rc = check_prob(fn, "p1", p1)))
        return rc;
    if (!has_sd && !has_p)
        return patron__fail(PATRON_EINVAL, "%s: give sd (> 0) or p1 (in (0, 1))", fn);
    patron_abtest_mde_result r;
    memset(&r, 0, sizeof r);
    double k = ratio;
    double c = patron__norm_isf(sides == 2 ? alpha / 2 : alpha), zp = patron__norm_isf(1 - power);
    r.mde_abs_mean = has_sd ? (c + zp) * sd * sqrt(1 / n1 + 1 / (n1 * k)) : NAN;
    if (has_p) {
        mctx m = {n1, p1, k, c};
        double hi = 1 - 1e-15;
        double p2 = solve_inc(power_of_p2, &m, power, p1, hi);
        r.mde_abs_prop_pooled = p2 - p1;
        r.mde_rel_prop_pooled = (p2 - p1) / p1;
        r.mde_abs_prop_baseline = (c + zp) * sqrt(p1 * (1 - p1) * (1 + 1 / k) / n1);
    } else {
        r.mde_abs_prop_pooled = r.mde_rel_prop_pooled = r.mde_abs_prop_baseline = NAN;
    }
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}
