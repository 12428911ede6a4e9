/* Time to event: log-rank test (as R survdiff, rho = 0) and Kaplan-Meier
 * estimates with Greenwood standard errors (as R survfit). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/alloc.h"
#include "internal/dist.h"
#include "internal/error.h"

typedef struct {
    double t;
    int ev;
    int arm;
} obs;

static int cmp_obs(const void *x, const void *y)
{
    double a = ((const obs *)x)->t, b = ((const obs *)y)->t;
    return (a > b) - (a < b);
}

static int load(obs **out, const char *fn, const double *time, const int *event, const int *arm, size_t n,
                int64_t counts[2])
{
    if (!time || !event || !arm)
        return patron__fail(PATRON_EINVAL, "%s: NULL array", fn);
    counts[0] = counts[1] = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(time[i] >= 0) || isinf(time[i]))
            return patron__fail(PATRON_EINVAL, "%s: time[%zu] is %g, expected a finite number >= 0", fn, i, time[i]);
        if (event[i] != 0 && event[i] != 1)
            return patron__fail(PATRON_EINVAL, "%s: event[%zu] is %d, expected 0 (censored) or 1", fn, i, event[i]);
        if (arm[i] != 0 && arm[i] != 1)
            return patron__fail(PATRON_EINVAL, "%s: arm[%zu] is %d, expected 0 (A) or 1 (B)", fn, i, arm[i]);
        counts[arm[i]]++;
    }
    obs *o = patron__reallocarray(NULL, n ? n : 1, sizeof *o);
    if (!o)
        return patron__oom();
    for (size_t i = 0; i < n; i++)
        o[i] = (obs){time[i], event[i], arm[i]};
    qsort(o, n, sizeof *o, cmp_obs);
    *out = o;
    return PATRON_OK;
}

/* Events d[arm] and censorings c[arm] at the tied time o[i].t (o sorted by
 * time); returns the index just after the tie group. */
static size_t tie_group(const obs *o, size_t n, size_t i, double d[2], double c[2])
{
    size_t j = i;
    d[0] = d[1] = c[0] = c[1] = 0;
    while (j < n && o[j].t == o[i].t) {
        if (o[j].ev)
            d[o[j].arm]++;
        else
            c[o[j].arm]++;
        j++;
    }
    return j;
}

/* Median of one arm's KM curve, following R's quantile.survfit: the first
 * time with S <= 0.5; when S equals 0.5 (within 1e-8) on a flat stretch,
 * the midpoint of that time and the next event time. NaN when not reached. */
static double km_median(const obs *o, size_t n, int which)
{
    double at_risk = 0;
    for (size_t i = 0; i < n; i++)
        at_risk += o[i].arm == which;
    double s = 1;
    for (size_t i = 0; i < n;) {
        double dg[2], cg[2];
        size_t j = tie_group(o, n, i, dg, cg);
        double d = dg[which], c = cg[which];
        if (d > 0) {
            s *= 1 - d / at_risk;
            if (s <= 0.5 + 1e-8) {
                if (fabs(s - 0.5) <= 1e-8) {
                    /* find the next event time of this arm */
                    for (size_t k = j; k < n; k++)
                        if (o[k].arm == which && o[k].ev)
                            return (o[i].t + o[k].t) / 2;
                    return o[i].t;
                }
                return o[i].t;
            }
        }
        at_risk -= d + c;
        i = j;
    }
    return NAN;
}

int patron_abtest_logrank(patron_abtest_logrank_result *out, const double *time, const int *event, const int *arm,
                          size_t n, double alpha)
{
    static const char fn[] = "patron_abtest_logrank";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = patron__ab_check_alpha(alpha, fn)))
        return rc;
    int64_t cnt[2];
    obs *o = NULL;
    if ((rc = load(&o, fn, time, event, arm, n, cnt)))
        return rc;
    if (cnt[0] == 0 || cnt[1] == 0) {
        patron__free(o);
        return patron__fail(PATRON_EINVAL, "%s: arm %c has no customers", fn, cnt[0] == 0 ? 'A' : 'B');
    }
    patron_abtest_logrank_result r;
    memset(&r, 0, sizeof r);
    r.n[0] = cnt[0];
    r.n[1] = cnt[1];
    double risk[2] = {(double)cnt[0], (double)cnt[1]};
    double ea = 0, var = 0;
    for (size_t i = 0; i < n;) {
        double d[2], c[2];
        size_t j = tie_group(o, n, i, d, c);
        double dt = d[0] + d[1], nt = risk[0] + risk[1];
        if (dt > 0) {
            double fa = risk[0] / nt;
            ea += dt * fa;
            if (nt > 1)
                var += dt * fa * (1 - fa) * (nt - dt) / (nt - 1);
            r.observed[0] += d[0];
            r.observed[1] += d[1];
        }
        risk[0] -= d[0] + c[0];
        risk[1] -= d[1] + c[1];
        i = j;
    }
    double total = r.observed[0] + r.observed[1];
    r.expected[0] = ea;
    r.expected[1] = total - ea;
    if (var > 0) {
        double dev = r.observed[0] - ea;
        r.chisq = dev * dev / var;
        r.p = patron__chi2_sf(r.chisq, 1);
        r.log_p = patron__chi2_logsf(r.chisq, 1);
    } else {
        r.chisq = NAN;
        r.p = 1;
        r.log_p = 0;
    }
    r.median[0] = km_median(o, n, 0);
    r.median[1] = km_median(o, n, 1);
    r.significant = r.p <= alpha;
    patron__free(o);
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}

/* Greenwood's d / (r (r - d)); Infinity when every customer at risk has
 * the event (S drops to 0 and its variance is undefined), written out so
 * that no division by zero happens. */
static double greenwood_term(double d, double risk)
{
    return risk > d ? d / (risk * (risk - d)) : INFINITY;
}

int patron_abtest_km(double *surv, double *std_err, const double *time, const int *event, const int *arm, size_t n,
                     int which_arm, const double *at, size_t n_at)
{
    static const char fn[] = "patron_abtest_km";
    if (!surv || (!at && n_at))
        return patron__fail(PATRON_EINVAL, "%s: NULL output or times", fn);
    if (which_arm != 0 && which_arm != 1)
        return patron__fail(PATRON_EINVAL, "%s: which_arm is %d, expected 0 or 1", fn, which_arm);
    for (size_t k = 0; k < n_at; k++)
        if (isnan(at[k]))
            return patron__fail(PATRON_EINVAL, "%s: at[%zu] is NaN", fn, k);
    int64_t cnt[2];
    obs *o = NULL;
    int rc = load(&o, fn, time, event, arm, n, cnt);
    if (rc)
        return rc;
    if (cnt[which_arm] == 0) {
        patron__free(o);
        return patron__fail(PATRON_EINVAL, "%s: arm %d has no customers", fn, which_arm);
    }
    for (size_t k = 0; k < n_at; k++) {
        double risk = (double)cnt[which_arm], s = 1, gw = 0;
        for (size_t i = 0; i < n && o[i].t <= at[k];) {
            double dg[2], cg[2];
            size_t j = tie_group(o, n, i, dg, cg);
            double d = dg[which_arm], c = cg[which_arm];
            if (d > 0) {
                s *= 1 - d / risk;
                gw += greenwood_term(d, risk);
            }
            risk -= d + c;
            i = j;
        }
        surv[k] = s;
        if (std_err)
            std_err[k] = s > 0 ? s * sqrt(gw) : NAN;
    }
    patron__free(o);
    return PATRON_OK;
}

int patron_abtest_km_curve(double *times, double *surv, double *std_err, int64_t *at_risk, size_t cap, size_t *count,
                           const double *time, const int *event, const int *arm, size_t n, int which_arm)
{
    static const char fn[] = "patron_abtest_km_curve";
    if (!count || (cap && (!times || !surv)))
        return patron__fail(PATRON_EINVAL, "%s: NULL count or output arrays", fn);
    if (which_arm != 0 && which_arm != 1)
        return patron__fail(PATRON_EINVAL, "%s: which_arm is %d, expected 0 or 1", fn, which_arm);
    int64_t cnt[2];
    obs *o = NULL;
    int rc = load(&o, fn, time, event, arm, n, cnt);
    if (rc)
        return rc;
    double risk = (double)cnt[which_arm], s = 1, gw = 0;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        double dg[2], cg[2];
        size_t j = tie_group(o, n, i, dg, cg);
        double d = dg[which_arm], c = cg[which_arm];
        if (d > 0) {
            s *= 1 - d / risk;
            gw += greenwood_term(d, risk);
            if (k < cap) {
                times[k] = o[i].t;
                surv[k] = s;
                if (std_err)
                    std_err[k] = s > 0 ? s * sqrt(gw) : NAN;
                if (at_risk)
                    at_risk[k] = (int64_t)risk;
            }
            k++;
        }
        risk -= d + c;
        i = j;
    }
    patron__free(o);
    *count = k;
    return PATRON_OK;
}
