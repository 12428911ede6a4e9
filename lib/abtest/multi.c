/* Multiple testing (Holm, Benjamini-Hochberg, Bonferroni) and the
 * permutation test of the alternating-period time experiment. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/alloc.h"
#include "internal/error.h"

typedef struct {
    double p;
    size_t i;
} pidx;

static int cmp_pidx(const void *x, const void *y)
{
    const pidx *a = x, *b = y;
    if (a->p != b->p)
        return (a->p > b->p) - (a->p < b->p);
    return (a->i > b->i) - (a->i < b->i);
}

/* p * num / den rounded once (num, den small integers): the product is
 * split exactly with fma and the quotient corrected by its remainder. */
static double mul_div(double p, double num, double den)
{
    double hi = p * num, lo = fma(p, num, -hi);
    double q = hi / den;
    double rem = fma(-q, den, hi) + lo;
    return q + rem / den;
}

int patron_abtest_adjust(double *holm, double *bh, double *bonferroni, const double *p, size_t m)
{
    static const char fn[] = "patron_abtest_adjust";
    if (!p || m < 1)
        return patron__fail(PATRON_EINVAL, "%s: no p-values", fn);
    for (size_t i = 0; i < m; i++)
        if (!(p[i] >= 0 && p[i] <= 1))
            return patron__fail(PATRON_EINVAL, "%s: p[%zu] is %g, expected a value in [0, 1]", fn, i, p[i]);
    pidx *s = patron__reallocarray(NULL, m, sizeof *s);
    double *h = patron__reallocarray(NULL, m, sizeof *h);
    double *b = patron__reallocarray(NULL, m, sizeof *b);
    if (!s || !h || !b) {
        patron__free(s);
        patron__free(h);
        patron__free(b);
        return patron__oom();
    }
    for (size_t i = 0; i < m; i++)
        s[i] = (pidx){p[i], i};
    qsort(s, m, sizeof *s, cmp_pidx);
    double dm = (double)m, run = 0;
    for (size_t j = 0; j < m; j++) {
        double v = s[j].p * (dm - (double)j);
        if (v > 1)
            v = 1;
        if (v > run)
            run = v;
        h[s[j].i] = run;
    }
    run = 1;
    for (size_t j = m; j-- > 0;) {
        double v = mul_div(s[j].p, dm, (double)(j + 1));
        if (v < run)
            run = v;
        b[s[j].i] = run;
    }
    for (size_t i = 0; i < m; i++) {
        if (holm)
            holm[i] = h[i];
        if (bh)
            bh[i] = b[i];
        if (bonferroni) {
            double v = p[i] * dm;
            bonferroni[i] = v > 1 ? 1 : v;
        }
    }
    patron__free(s);
    patron__free(h);
    patron__free(b);
    return PATRON_OK;
}

static const char perm_caveats[] =
    "time experiment: periods, not customers, are the units, so the test has few degrees of freedom; "
    "it assumes no carry-over between periods and no trend or seasonality that lines up with the "
    "schedule; alternate the periods (or randomise their order) and prefer a customer-level "
    "experiment when the traffic allows it";

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double diff_of_mask(const double *x, size_t n, uint64_t mask, double k, double total)
{
    double st = 0;
    for (size_t i = 0; i < n; i++)
        if (mask >> i & 1)
            st += x[i];
    return st / k - (total - st) / ((double)n - k);
}

int patron_abtest_permutation(patron_abtest_perm_result *out, const double *period_means, const int *treated,
                              size_t n_periods, double alpha, int64_t max_permutations, uint64_t seed)
{
    static const char fn[] = "patron_abtest_permutation";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = patron__ab_check_alpha(alpha, fn)))
        return rc;
    if (!period_means || !treated)
        return patron__fail(PATRON_EINVAL, "%s: NULL array", fn);
    if (n_periods < 2 || n_periods > 62)
        return patron__fail(PATRON_EINVAL, "%s: %zu periods, expected 2..62", fn, n_periods);
    if (max_permutations < 100)
        return patron__fail(PATRON_EINVAL, "%s: max_permutations is %lld, expected >= 100", fn,
                            (long long)max_permutations);
    uint64_t obs = 0;
    size_t k = 0;
    double total = 0;
    for (size_t i = 0; i < n_periods; i++) {
        if (!isfinite(period_means[i]))
            return patron__fail(PATRON_EINVAL, "%s: period_means[%zu] is %g, expected a finite number", fn, i,
                                period_means[i]);
        if (treated[i] != 0 && treated[i] != 1)
            return patron__fail(PATRON_EINVAL, "%s: treated[%zu] is %d, expected 0 or 1", fn, i, treated[i]);
        if (treated[i]) {
            obs |= UINT64_C(1) << i;
            k++;
        }
        total += period_means[i];
    }
    if (k == 0 || k == n_periods)
        return patron__fail(PATRON_EINVAL, "%s: need at least one period with and one without the treatment", fn);
    double dk = (double)k;
    double d0 = diff_of_mask(period_means, n_periods, obs, dk, total);
    double tol = 1e-12 * (fabs(d0) + 1e-300);
    /* number of assignments C(n, k) */
    double comb = 1;
    for (size_t i = 0; i < k; i++)
        comb = comb * (double)(n_periods - i) / (double)(i + 1);
    patron_abtest_perm_result r;
    memset(&r, 0, sizeof r);
    r.diff = d0;
    r.caveats = perm_caveats;
    double ge = 0, le = 0, two = 0, count = 0;
    if (comb <= (double)max_permutations) {
        r.exact = 1;
        uint64_t mask = (UINT64_C(1) << k) - 1, limit = UINT64_C(1) << n_periods;
        while (mask < limit) {
            double d = diff_of_mask(period_means, n_periods, mask, dk, total);
            ge += d >= d0 - tol;
            le += d <= d0 + tol;
            two += fabs(d) >= fabs(d0) - tol;
            count++;
            /* Gosper's hack: next mask with the same number of bits */
            uint64_t c = mask & (~mask + 1), rr = mask + c;
            mask = (((rr ^ mask) >> 2) / c) | rr;
        }
        r.p_greater = ge / count;
        r.p_less = le / count;
        r.p_two_sided = two / count;
    } else {
        uint64_t st = seed;
        size_t idx[62];
        for (int64_t it = 0; it < max_permutations; it++) {
            for (size_t i = 0; i < n_periods; i++)
                idx[i] = i;
            uint64_t mask = 0;
            for (size_t i = 0; i < k; i++) { /* partial Fisher-Yates */
                size_t j = i + (size_t)(splitmix(&st) % (uint64_t)(n_periods - i));
                size_t t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
                mask |= UINT64_C(1) << idx[i];
            }
            double d = diff_of_mask(period_means, n_periods, mask, dk, total);
            ge += d >= d0 - tol;
            le += d <= d0 + tol;
            two += fabs(d) >= fabs(d0) - tol;
            count++;
        }
        r.p_greater = (ge + 1) / (count + 1);
        r.p_less = (le + 1) / (count + 1);
        r.p_two_sided = (two + 1) / (count + 1);
    }
    r.permutations = (int64_t)count;
    r.significant = r.p_two_sided <= alpha;
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}
