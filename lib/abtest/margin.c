/* Non-inferiority and superiority tests with an absolute or relative
 * margin, for means (Welch or Student t) and proportions (Wald z).
 *
 * Higher is better: H0: effect <= threshold against H1: effect > threshold,
 * threshold = -margin (non-inferiority) or +margin (superiority); lower is
 * better mirrors it (H1: effect < threshold, threshold = +margin or
 * -margin). An absolute effect is mean_B - mean_A; a relative effect is
 * mean_B / mean_A - 1, tested through the linear statistic
 * (mean_B - c mean_A) / sqrt(v_B + c^2 v_A) with c = 1 + threshold, which
 * needs no delta method (Fieller's construction). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/dist.h"
#include "internal/error.h"

static const patron_abtest_margin_options default_opts = PATRON_ABTEST_MARGIN_OPTIONS_INIT;

typedef struct arm2 {
    double ma, mb;  /* means (rates) */
    double va, vb;  /* variances of the means */
    double na, nb;  /* sizes */
    int t;          /* 1: Student or Welch t; 0: z */
    int pooled;     /* Student: v = s^2 (1/n) with the pooled s^2 */
    double df_pooled;
} arm2;

/* Statistic and df of H0: mean_B - c mean_A = shift (relative: shift 0). */
static void stat_at(const arm2 *g, double c, double shift, double *stat, double *df, double *se)
{
    double va = c * c * g->va, vb = g->vb;
    *se = sqrt(va + vb);
    *stat = (g->mb - c * g->ma - shift) / *se;
    if (!g->t)
        *df = NAN;
    else if (g->pooled)
        *df = g->df_pooled;
    else
        *df = (va + vb) * (va + vb) / (va * va / (g->na - 1) + vb * vb / (g->nb - 1));
}

/* One-sided p of H1 "greater" (higher is better) or "less". */
static double p_one(const arm2 *g, double stat, double df, int less, double *logp)
{
    double z = less ? -stat : stat;
    if (isnan(z)) {
        *logp = 0;
        return 1;
    }
    if (g->t) {
        *logp = patron__t_logsf(z, df);
        return patron__t_sf(z, df);
    }
    *logp = patron__norm_logsf(z);
    return patron__norm_sf(z);
}

/* The relative bound: the c at which the one-sided p equals alpha, by
 * bisection over c in [0, infinity) (the statistic falls as c grows when
 * both means are positive). NaN when it does not exist there. */
static double rel_bound(const arm2 *g, double alpha, int less)
{
    double st, df, se, lp;
#define PAT(c) (stat_at(g, (c), 0, &st, &df, &se), p_one(g, st, df, less, &lp))
    /* higher is better: p(c) grows with c; lower is better: p(c) falls */
    double lo = 0, hi = 1;
    double p0 = PAT(0);
    if (less ? p0 < alpha : p0 > alpha)
        return NAN; /* the bound is below a ratio of 0 */
    for (int i = 0; i < 2000; i++) {
        double ph = PAT(hi);
        if (less ? ph <= alpha : ph >= alpha)
            break;
        lo = hi;
        hi *= 2;
        if (isinf(hi))
            return NAN;
    }
    double ph = PAT(hi);
    if (less ? ph > alpha : ph < alpha)
        return NAN; /* never reaches alpha: the control's mean is too uncertain */
    for (int i = 0; i < 200 && hi - lo > 1e-16 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        double pm = PAT(mid);
        if (less ? pm > alpha : pm < alpha)
            lo = mid;
        else
            hi = mid;
    }
#undef PAT
    return 0.5 * (lo + hi) - 1;
}

static int run(patron_abtest_margin_result *out, const arm2 *g, const patron_abtest_margin_options *o,
               const char *fn)
{
    patron_abtest_margin_result r;
    memset(&r, 0, sizeof r);
    int less = o->lower_is_better != 0;
    double m = o->margin;
    /* non-inferiority allows the effect to be worse by the margin */
    double thr = o->kind == PATRON_ABTEST_NON_INFERIORITY ? (less ? m : -m) : (less ? -m : m);
    r.threshold = thr;
    r.alpha = o->alpha;
    r.kind = (int)o->kind;
    r.relative = o->relative != 0;
    r.lower_is_better = less;
    double st, df, se;
    if (o->relative) {
        if (!(g->ma > 0))
            return patron__fail(PATRON_EINVAL, "%s: a relative margin needs a positive control mean, not %g", fn,
                                g->ma);
        if (!(1 + thr > 0))
            return patron__fail(PATRON_EINVAL, "%s: a relative threshold of %g leaves no positive ratio", fn, thr);
        r.effect = g->mb / g->ma - 1;
        stat_at(g, 1 + thr, 0, &st, &df, &se);
        r.bound = rel_bound(g, o->alpha, less);
    } else {
        r.effect = g->mb - g->ma;
        stat_at(g, 1, thr, &st, &df, &se);
        double q = g->t ? patron__t_isf(o->alpha, df) : patron__norm_isf(o->alpha);
        r.bound = less ? r.effect + q * se : r.effect - q * se;
    }
    r.statistic = st;
    r.df = df;
    r.se = se;
    r.p = p_one(g, st, df, less, &r.log_p);
    r.reject = r.p <= o->alpha;
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}

static int check_opts(const char *fn, const patron_abtest_margin_options **opts)
{
    const patron_abtest_margin_options *o = *opts ? *opts : &default_opts;
    if (o->size < sizeof *o)
        return patron__fail(PATRON_EINVAL, "%s: opts->size is %u, expected at least %zu", fn, (unsigned)o->size,
                            sizeof *o);
    if (!(o->alpha > 0 && o->alpha < 0.5))
        return patron__fail(PATRON_EINVAL, "%s: one-sided alpha %g is outside (0, 0.5)", fn, o->alpha);
    if (o->kind != PATRON_ABTEST_NON_INFERIORITY && o->kind != PATRON_ABTEST_SUPERIORITY)
        return patron__fail(PATRON_EINVAL, "%s: kind %d is neither non-inferiority (0) nor superiority (1)", fn,
                            (int)o->kind);
    if (!(o->margin >= 0) || isinf(o->margin))
        return patron__fail(PATRON_EINVAL, "%s: margin %g must be finite and >= 0", fn, o->margin);
    *opts = o;
    return PATRON_OK;
}

int patron_abtest_margin_means(patron_abtest_margin_result *out, const patron_abtest_summary *a,
                               const patron_abtest_summary *b, const patron_abtest_margin_options *opts)
{
    static const char fn[] = "patron_abtest_margin_means";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = check_opts(fn, &opts)))
        return rc;
    if (!a || !b)
        return patron__fail(PATRON_EINVAL, "%s: NULL summary", fn);
    const patron_abtest_summary *s[2] = {a, b};
    for (int i = 0; i < 2; i++)
        if (s[i]->n < 2 || !isfinite(s[i]->mean) || !(s[i]->sd >= 0) || isinf(s[i]->sd))
            return patron__fail(PATRON_EINVAL, "%s: arm %c has n = %lld, mean = %g, sd = %g; expected n >= 2, a "
                                "finite mean and a finite sd >= 0", fn, "ab"[i], (long long)s[i]->n, s[i]->mean,
                                s[i]->sd);
    arm2 g;
    memset(&g, 0, sizeof g);
    g.t = 1;
    g.ma = a->mean;
    g.mb = b->mean;
    g.na = (double)a->n;
    g.nb = (double)b->n;
    if (opts->pooled_variance) {
        double df = g.na + g.nb - 2;
        double s2 = ((g.na - 1) * a->sd * a->sd + (g.nb - 1) * b->sd * b->sd) / df;
        g.pooled = 1;
        g.df_pooled = df;
        g.va = s2 / g.na;
        g.vb = s2 / g.nb;
    } else {
        g.va = a->sd * a->sd / g.na;
        g.vb = b->sd * b->sd / g.nb;
    }
    if (!(g.va + g.vb > 0))
        return patron__fail(PATRON_EINVAL, "%s: both arms have zero variance", fn);
    return run(out, &g, opts, fn);
}

int patron_abtest_margin_proportions(patron_abtest_margin_result *out, int64_t x_a, int64_t n_a, int64_t x_b,
                                     int64_t n_b, const patron_abtest_margin_options *opts)
{
    static const char fn[] = "patron_abtest_margin_proportions";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = check_opts(fn, &opts)))
        return rc;
    int64_t x[2] = {x_a, x_b}, n[2] = {n_a, n_b};
    for (int i = 0; i < 2; i++)
        if (n[i] < 1 || x[i] < 0 || x[i] > n[i] || n[i] > ((int64_t)1 << 50))
            return patron__fail(PATRON_EINVAL, "%s: arm %c has x = %lld, n = %lld; expected 0 <= x <= n, "
                                "1 <= n <= 2^50", fn, "ab"[i], (long long)x[i], (long long)n[i]);
    arm2 g;
    memset(&g, 0, sizeof g);
    g.na = (double)n_a;
    g.nb = (double)n_b;
    g.ma = (double)x_a / g.na;
    g.mb = (double)x_b / g.nb;
    g.va = g.ma * (1 - g.ma) / g.na;
    g.vb = g.mb * (1 - g.mb) / g.nb;
    if (!(g.va + g.vb > 0))
        return patron__fail(PATRON_EINVAL, "%s: both rates are 0 or 1: the Wald test has no variance", fn);
    return run(out, &g, opts, fn);
}
