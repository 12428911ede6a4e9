/* Mann-Whitney U: midranks, tie-corrected normal approximation with
 * continuity correction, exact distribution (Gaussian binomial
 * coefficients) for small samples without ties. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/alloc.h"
#include "internal/dist.h"
#include "internal/error.h"

typedef struct {
    double v;
    int b;
} item;

static int cmp_item(const void *x, const void *y)
{
    double a = ((const item *)x)->v, b = ((const item *)y)->v;
    return (a > b) - (a < b);
}

/* Counts c[u], u = 0..m*n, of arrangements with U = u (coefficients of the
 * Gaussian binomial [m+n choose m]_q). */
static void u_counts(double *c, size_t m, size_t n)
{
    size_t len = m * n + 1;
    memset(c, 0, len * sizeof *c);
    c[0] = 1;
    for (size_t k = 1; k <= m; k++) {
        size_t s = n + k;
        for (size_t u = len; u-- > s;)
            c[u] -= c[u - s];
        for (size_t u = k; u < len; u++)
            c[u] += c[u - k];
    }
}

int patron_abtest_mannwhitney(patron_abtest_mw_result *out, const double *a, size_t n_a, const double *b,
                              size_t n_b, double alpha)
{
    static const char fn[] = "patron_abtest_mannwhitney";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = patron__ab_check_alpha(alpha, fn)))
        return rc;
    if (!a || !b || n_a < 1 || n_b < 1)
        return patron__fail(PATRON_EINVAL, "%s: both samples need at least one value", fn);
    for (size_t i = 0; i < n_a; i++)
        if (!isfinite(a[i]))
            return patron__fail(PATRON_EINVAL, "%s: a[%zu] is %g, expected a finite number", fn, i, a[i]);
    for (size_t i = 0; i < n_b; i++)
        if (!isfinite(b[i]))
            return patron__fail(PATRON_EINVAL, "%s: b[%zu] is %g, expected a finite number", fn, i, b[i]);
    size_t n = n_a + n_b;
    item *it = patron__reallocarray(NULL, n, sizeof *it);
    if (!it)
        return patron__oom();
    for (size_t i = 0; i < n_a; i++)
        it[i] = (item){a[i], 0};
    for (size_t i = 0; i < n_b; i++)
        it[n_a + i] = (item){b[i], 1};
    qsort(it, n, sizeof *it, cmp_item);
    double rank_b = 0, tie = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && it[j + 1].v == it[i].v)
            j++;
        double t = (double)(j - i + 1);
        double mid = (double)(i + j) / 2 + 1;
        for (size_t k = i; k <= j; k++)
            if (it[k].b)
                rank_b += mid;
        tie += t * t * t - t;
        i = j + 1;
    }
    patron__free(it);
    patron_abtest_mw_result r;
    memset(&r, 0, sizeof r);
    double na = (double)n_a, nb = (double)n_b, N = (double)n;
    r.u_b = rank_b - nb * (nb + 1) / 2;
    r.u_a = na * nb - r.u_b;
    r.has_ties = tie > 0;
    r.tie_term = tie;
    double mu = na * nb / 2;
    double sigma = sqrt(na * nb / 12 * ((N + 1) - tie / (N * (N - 1))));
    double umax = r.u_a > r.u_b ? r.u_a : r.u_b;
    if (sigma > 0) {
        r.z = (umax - mu - 0.5) / sigma;
        double p = 2 * patron__norm_sf(r.z);
        r.p_two_sided = p > 1 ? 1 : p;
        r.log_p_two_sided = p >= 1 ? 0 : AB_LN2 + patron__norm_logsf(r.z);
        r.p_greater = patron__norm_sf((r.u_b - mu - 0.5) / sigma);
        r.p_less = patron__norm_sf((r.u_a - mu - 0.5) / sigma);
    } else {
        r.z = -INFINITY;
        r.p_two_sided = r.p_greater = r.p_less = 1;
        r.log_p_two_sided = 0;
    }
    r.p_two_sided_exact = r.p_greater_exact = r.p_less_exact = NAN;
    if (!r.has_ties && na * nb <= 400) {
        size_t len = n_a * n_b + 1;
        double *c = patron__reallocarray(NULL, len, sizeof *c);
        if (!c)
            return patron__oom();
        u_counts(c, n_a, n_b);
        double total = 0;
        for (size_t u = 0; u < len; u++)
            total += c[u];
        double gb = 0, ga = 0, gm = 0;
        for (size_t u = 0; u < len; u++) {
            if ((double)u >= r.u_b)
                gb += c[u];
            if ((double)u >= r.u_a)
                ga += c[u];
            if ((double)u >= umax)
                gm += c[u];
        }
        patron__free(c);
        r.exact = 1;
        r.p_greater_exact = gb / total;
        r.p_less_exact = ga / total;
        double p = 2 * gm / total;
        r.p_two_sided_exact = p > 1 ? 1 : p;
    }
    r.significant = (r.exact ? r.p_two_sided_exact : r.p_two_sided) <= alpha;
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}
