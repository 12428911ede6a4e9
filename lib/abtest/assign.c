/* Deterministic assignment (FNV-1a 64 + Murmur3 finaliser, see abtest.h)
 * and the sample-ratio-mismatch check. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/dist.h"
#include "internal/error.h"
#include "internal/options.h"

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static uint64_t ab_hash(const char *key, const char *id)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    const unsigned char zero = 0;
    h = fnv1a(h, (const unsigned char *)key, strlen(key));
    h = fnv1a(h, &zero, 1);
    h = fnv1a(h, (const unsigned char *)id, strlen(id));
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return h;
}

static double to_unit(uint64_t h)
{
    return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

int patron_abtest_hash(uint64_t *hash, double *unit, const char *key, const char *id)
{
    if (!key || !id)
        return patron__fail(PATRON_EINVAL, "patron_abtest_hash: %s is NULL", key ? "id" : "key");
    uint64_t h = ab_hash(key, id);
    if (hash)
        *hash = h;
    if (unit)
        *unit = to_unit(h);
    return PATRON_OK;
}

int patron_abtest_assign(int *variant, const char *experiment_key, const char *customer_id,
                         const double *weights, size_t n_arms, const patron_abtest_assign_options *opts)
{
    static const char fn[] = "patron_abtest_assign";
    patron_abtest_assign_options o = PATRON_ABTEST_ASSIGN_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_abtest_assign_options");
    if (rc)
        return rc;
    if (!variant || !experiment_key || !customer_id || !weights)
        return patron__fail(PATRON_EINVAL, "%s: NULL argument", fn);
    if (n_arms < 1 || n_arms > INT32_MAX)
        return patron__fail(PATRON_EINVAL, "%s: n_arms is %zu, expected >= 1", fn, n_arms);
    double total = 0;
    for (size_t i = 0; i < n_arms; i++) {
        if (!(weights[i] >= 0) || isinf(weights[i]))
            return patron__fail(PATRON_EINVAL, "%s: weight %zu is %g, expected a finite value >= 0", fn, i,
                                weights[i]);
        total += weights[i];
    }
    if (!(total > 0) || isinf(total))
        return patron__fail(PATRON_EINVAL, "%s: the weights sum to %g, expected > 0", fn, total);
    if (!(o.coverage > 0 && o.coverage <= 1))
        return patron__fail(PATRON_EINVAL, "%s: coverage %g is outside (0, 1]", fn, o.coverage);
    if (o.layer_key) {
        if (!(o.layer_start >= 0 && o.layer_start < o.layer_end && o.layer_end <= 1))
            return patron__fail(PATRON_EINVAL, "%s: layer slice [%g, %g) is not inside [0, 1] or is empty", fn,
                                o.layer_start, o.layer_end);
        double v = to_unit(ab_hash(o.layer_key, customer_id));
        if (!(v >= o.layer_start && v < o.layer_end)) {
            *variant = PATRON_ABTEST_NOT_ENROLLED;
            return PATRON_OK;
        }
    }
    double u = to_unit(ab_hash(experiment_key, customer_id));
    if (!(u < o.coverage)) {
        *variant = PATRON_ABTEST_NOT_ENROLLED;
        return PATRON_OK;
    }
    double cum = 0;
    int chosen = (int)(n_arms - 1);
    for (size_t i = 0; i < n_arms; i++) {
        cum += weights[i];
        if (weights[i] > 0 && u < o.coverage * (cum / total)) {
            chosen = (int)i;
            break;
        }
    }
    while (chosen > 0 && weights[chosen] == 0)
        chosen--;
    *variant = chosen;
    return PATRON_OK;
}

int patron_abtest_srm(patron_abtest_srm_result *out, const int64_t *observed, const double *weights,
                      size_t n_arms, double alpha)
{
    static const char fn[] = "patron_abtest_srm";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc)
        return rc;
    if ((rc = patron__ab_check_alpha(alpha, fn)))
        return rc;
    if (!observed || !weights)
        return patron__fail(PATRON_EINVAL, "%s: NULL array", fn);
    if (n_arms < 2)
        return patron__fail(PATRON_EINVAL, "%s: %zu arm(s), expected >= 2", fn, n_arms);
    /* As gbstats check_srm: N counts every arm, arms with w <= 0 add no
     * term (traffic there still lowers the others), dof = arms - 1. */
    double wsum = 0, total = 0;
    int positive = 0;
    for (size_t i = 0; i < n_arms; i++) {
        if (observed[i] < 0)
            return patron__fail(PATRON_EINVAL, "%s: arm %zu has a negative count %lld", fn, i,
                                (long long)observed[i]);
        if (isnan(weights[i]) || isinf(weights[i]))
            return patron__fail(PATRON_EINVAL, "%s: weight %zu is %g, expected a finite number", fn, i, weights[i]);
        total += (double)observed[i];
        if (weights[i] > 0) {
            wsum += weights[i];
            positive++;
        }
    }
    if (positive < 1)
        return patron__fail(PATRON_EINVAL, "%s: no arm has a positive weight", fn);
    int64_t arms = (int64_t)n_arms;
    patron_abtest_srm_result r;
    memset(&r, 0, sizeof r);
    r.dof = arms - 1;
    r.alpha = alpha;
    if (total == 0) {
        r.chi2 = 0;
        r.p = 1;
        r.log_p = 0;
    } else {
        double chi2 = 0;
        for (size_t i = 0; i < n_arms; i++) {
            if (!(weights[i] > 0))
                continue;
            double e = weights[i] / wsum * total;
            double d = (double)observed[i] - e;
            chi2 += d * d / e;
        }
        r.chi2 = chi2;
        r.p = patron__chi2_sf(chi2, (double)r.dof);
        r.log_p = patron__chi2_logsf(chi2, (double)r.dof);
    }
    r.mismatch = r.p < alpha;
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}
