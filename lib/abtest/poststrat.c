/* Post-stratification by a categorical covariate (Miratrix, Sekhon & Yu
 * 2013): stratum means weighted by the stratum shares. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/dist.h"
#include "internal/error.h"

static int check_cell(const char *fn, const patron_abtest_summary *s, size_t h, char arm)
{
    if (s->n < 2)
        return patron__fail(PATRON_EINVAL, "%s: stratum %zu: n_%c is %lld, expected >= 2", fn, h, arm, (long long)s->n);
    if (!isfinite(s->mean))
        return patron__fail(PATRON_EINVAL, "%s: stratum %zu: mean_%c is %g, expected a finite number", fn, h, arm,
                            s->mean);
    if (!(s->sd >= 0) || isinf(s->sd))
        return patron__fail(PATRON_EINVAL, "%s: stratum %zu: sd_%c is %g, expected a finite number >= 0", fn, h, arm,
                            s->sd);
    return PATRON_OK;
}

int patron_abtest_poststratify(patron_abtest_poststrat_result *out, const patron_abtest_summary *a,
                               const patron_abtest_summary *b, const double *weights, size_t strata, double alpha)
{
    static const char fn[] = "patron_abtest_poststratify";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = patron__ab_check_alpha(alpha, fn)))
        return rc;
    if (strata < 1)
        return patron__fail(PATRON_EINVAL, "%s: no strata", fn);
    if (!a || !b)
        return patron__fail(PATRON_EINVAL, "%s: %s is NULL", fn, a ? "b" : "a");
    double wsum = 0, N = 0;
    for (size_t h = 0; h < strata; h++) {
        if ((rc = check_cell(fn, &a[h], h, 'a')) || (rc = check_cell(fn, &b[h], h, 'b')))
            return rc;
        if (weights && (!(weights[h] >= 0) || isinf(weights[h])))
            return patron__fail(PATRON_EINVAL, "%s: stratum %zu: weight %g, expected a finite number >= 0", fn, h,
                                weights[h]);
        wsum += weights ? weights[h] : 0;
        N += (double)a[h].n + (double)b[h].n;
    }
    if (weights && !(wsum > 0))
        return patron__fail(PATRON_EINVAL, "%s: the weights sum to %g, expected a positive sum", fn, wsum);
    patron_abtest_poststrat_result r;
    memset(&r, 0, sizeof r);
    r.strata = (int64_t)strata;
    r.alpha = alpha;
    double va = 0, vb = 0;
    /* Plain means and variances of all units from the stratum summaries
     * (law of total variance). */
    double na = 0, nb = 0, sa = 0, sb = 0;
    for (size_t h = 0; h < strata; h++) {
        double w = weights ? weights[h] / wsum : ((double)a[h].n + (double)b[h].n) / N;
        double nah = (double)a[h].n, nbh = (double)b[h].n;
        r.mean_a += w * a[h].mean;
        r.mean_b += w * b[h].mean;
        va += w * w * a[h].sd * a[h].sd / nah;
        vb += w * w * b[h].sd * b[h].sd / nbh;
        na += nah;
        nb += nbh;
        sa += nah * a[h].mean;
        sb += nbh * b[h].mean;
    }
    double ma = sa / na, mb = sb / nb, ssa = 0, ssb = 0;
    for (size_t h = 0; h < strata; h++) {
        double nah = (double)a[h].n, nbh = (double)b[h].n;
        double da = a[h].mean - ma, db = b[h].mean - mb;
        ssa += (nah - 1) * a[h].sd * a[h].sd + nah * da * da;
        ssb += (nbh - 1) * b[h].sd * b[h].sd + nbh * db * db;
    }
    patron__ab_fill_z(&r.effect, r.mean_b - r.mean_a, sqrt(va + vb), alpha);
    r.diff_unadjusted = mb - ma;
    r.se_unadjusted = sqrt(ssa / (na - 1) / na + ssb / (nb - 1) / nb);
    r.variance_reduction = r.se_unadjusted > 0 ? 1 - (va + vb) / (r.se_unadjusted * r.se_unadjusted) : 0;
    double z = patron__norm_isf(alpha / 2);
    if (r.mean_a != 0) {
        double A = r.mean_a, B = r.mean_b;
        r.rel_lift = B / A - 1;
        r.rel_lift_se = sqrt(vb / (A * A) + B * B * va / (A * A * A * A));
        r.rel_lift_ci[0] = r.rel_lift - z * r.rel_lift_se;
        r.rel_lift_ci[1] = r.rel_lift + z * r.rel_lift_se;
    } else {
        r.rel_lift = r.rel_lift_se = r.rel_lift_ci[0] = r.rel_lift_ci[1] = NAN;
    }
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}
