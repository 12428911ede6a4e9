/* Bootstrap intervals (percentile and BCa) for the difference or the
 * relative lift of a mean, a ratio, a quantile or a regression-adjusted
 * mean, with a fully specified resampling stream (reproducible on every
 * platform), and winsorising at pooled quantiles. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/alloc.h"
#include "internal/dist.h"
#include "internal/error.h"
#include "internal/options.h"
#include "patron/simulate.h"

/* High 64 bits of the 128-bit product x * n, portably. */
static uint64_t mulhi(uint64_t x, uint64_t n, uint64_t *lo)
{
    uint64_t x0 = x & 0xffffffffu, x1 = x >> 32, n0 = n & 0xffffffffu, n1 = n >> 32;
    uint64_t p00 = x0 * n0, p01 = x0 * n1, p10 = x1 * n0, p11 = x1 * n1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    *lo = (mid << 32) | (p00 & 0xffffffffu);
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* Uniform index in [0, n): Lemire's multiply-and-reject (2019). */
static uint64_t draw_index(patron_rng *g, uint64_t n)
{
    uint64_t lo, hi = mulhi(patron_rng_next(g), n, &lo);
    if (lo < n) {
        uint64_t t = (0 - n) % n;
        while (lo < t)
            hi = mulhi(patron_rng_next(g), n, &lo);
    }
    return hi;
}

/* Indices are drawn in batches and the rows read afterwards, so that the
 * processor overlaps the cache misses of many random reads (the sums still
 * run in draw order: the same doubles). */
#define BATCH 256

static void draw_batch(patron_rng *g, uint64_t n, size_t *idx, size_t m)
{
    for (size_t i = 0; i < m; i++)
        idx[i] = (size_t)draw_index(g, n);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

typedef struct {
    double v;
    uint32_t i;
} ranked;

static int cmp_ranked(const void *x, const void *y)
{
    const ranked *a = x, *b = y;
    return a->v < b->v ? -1 : a->v > b->v ? 1 : (a->i > b->i) - (a->i < b->i);
}

/* Sorted values and the sorted position of each row (column 0). */
static int rank_rows(const double *rows, size_t n, size_t p, double *sorted, uint32_t *rank)
{
    ranked *t = patron__malloc(n * sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < n; i++) {
        t[i].v = rows[i * p];
        t[i].i = (uint32_t)i;
    }
    qsort(t, n, sizeof *t, cmp_ranked);
    for (size_t k = 0; k < n; k++) {
        sorted[k] = t[k].v;
        rank[t[k].i] = (uint32_t)k;
    }
    patron__free(t);
    return 0;
}

/* Type-7 quantile of sorted v[0..n). */
static double sorted_quantile(const double *v, size_t n, double q)
{
    double h = (double)(n - 1) * q, f = floor(h);
    size_t i = (size_t)f;
    if (i + 1 >= n)
        return v[n - 1];
    return v[i] + (h - f) * (v[i + 1] - v[i]);
}

typedef struct {
    const double *rows;
    size_t n, p;
    double *sorted;  /* quantile: the sorted values */
    uint32_t *rank;  /* quantile: sorted position of each row */
    uint32_t *count; /* quantile: times each sorted position was drawn */
    double shift[PATRON_ABTEST_MAX_VARS];
} sample;

/* The statistic of one arm for the mean, ratio and quantile (value) and
 * the arm's influence values (for BCa). */
static double arm_value(int stat, const sample *s, double q)
{
    const double *r = s->rows;
    size_t n = s->n, p = s->p;
    if (stat == PATRON_ABTEST_BOOT_MEAN) {
        double t = 0;
        for (size_t i = 0; i < n; i++)
            t += r[i * p] - s->shift[0];
        return s->shift[0] + t / (double)n;
    }
    if (stat == PATRON_ABTEST_BOOT_RATIO) {
        double m = 0, d = 0;
        for (size_t i = 0; i < n; i++) {
            m += r[i * p];
            d += r[i * p + 1];
        }
        return m / d;
    }
    return sorted_quantile(s->sorted, n, q);
}

/* One resample of an arm: the statistic's ingredients drawn with
 * replacement, n draws from the stream g. */
static double resample_value(int stat, sample *s, patron_rng *g, double q)
{
    size_t n = s->n, p = s->p;
    const double *r = s->rows;
    size_t idx[BATCH];
    if (stat == PATRON_ABTEST_BOOT_MEAN) {
        double t = 0;
        for (size_t i0 = 0; i0 < n; i0 += BATCH) {
            size_t m = n - i0 < BATCH ? n - i0 : BATCH;
            draw_batch(g, n, idx, m);
            for (size_t i = 0; i < m; i++)
                t += r[idx[i] * p] - s->shift[0];
        }
        return s->shift[0] + t / (double)n;
    }
    if (stat == PATRON_ABTEST_BOOT_RATIO) {
        double sm = 0, sd = 0;
        for (size_t i0 = 0; i0 < n; i0 += BATCH) {
            size_t m = n - i0 < BATCH ? n - i0 : BATCH;
            draw_batch(g, n, idx, m);
            for (size_t i = 0; i < m; i++) {
                sm += r[idx[i] * p];
                sd += r[idx[i] * p + 1];
            }
        }
        return sm / sd;
    }
    /* quantile: the resample's order statistics from the draw counts of
     * the sorted positions (the same as sorting the resample) */
    memset(s->count, 0, n * sizeof *s->count);
    for (size_t i0 = 0; i0 < n; i0 += BATCH) {
        size_t m = n - i0 < BATCH ? n - i0 : BATCH;
        draw_batch(g, n, idx, m);
        for (size_t i = 0; i < m; i++)
            s->count[s->rank[idx[i]]]++;
    }
    double h = (double)(n - 1) * q, f = floor(h);
    size_t k = (size_t)f, seen = 0, pos = 0;
    while (seen + s->count[pos] <= k)
        seen += s->count[pos++];
    double lo = s->sorted[pos];
    if (k + 1 >= n || h == f)
        return lo;
    while (seen + s->count[pos] <= k + 1)
        seen += s->count[pos++];
    return lo + (h - f) * (s->sorted[pos] - lo);
}

/* CUPED: moments of a resample (or of the sample when g is NULL), about a
 * shift common to both arms. */
static void cuped_moments(const sample *s, patron_rng *g, patron_abtest_moments *m)
{
    size_t n = s->n, p = s->p;
    memset(m, 0, sizeof *m);
    m->n = (int64_t)n;
    m->p = (int64_t)p;
    size_t idx[BATCH];
    if (p == 2) { /* one covariate, the common case: the sums in registers (same order) */
        double s0 = 0, s1 = 0, s00 = 0, s01 = 0, s11 = 0, h0 = s->shift[0], h1 = s->shift[1];
        for (size_t i0 = 0; i0 < n; i0 += BATCH) {
            size_t mb = n - i0 < BATCH ? n - i0 : BATCH;
            if (g)
                draw_batch(g, n, idx, mb);
            for (size_t i = 0; i < mb; i++) {
                const double *v = s->rows + (g ? idx[i] : i0 + i) * 2;
                double c0 = v[0] - h0, c1 = v[1] - h1;
                s0 += c0;
                s00 += c0 * c0;
                s01 += c0 * c1;
                s1 += c1;
                s11 += c1 * c1;
            }
        }
        m->sum[0] = s0;
        m->sum[1] = s1;
        m->sum_cross[0] = s00;
        m->sum_cross[1] = s01;
        m->sum_cross[PATRON_ABTEST_MAX_VARS + 1] = s11;
        return;
    }
    for (size_t i0 = 0; i0 < n; i0 += BATCH) {
        size_t mb = n - i0 < BATCH ? n - i0 : BATCH;
        if (g)
            draw_batch(g, n, idx, mb);
        for (size_t i = 0; i < mb; i++) {
            const double *v = s->rows + (g ? idx[i] : i0 + i) * p;
            double c[PATRON_ABTEST_MAX_VARS];
            for (size_t a = 0; a < p; a++)
                c[a] = v[a] - s->shift[a];
            for (size_t a = 0; a < p; a++) {
                m->sum[a] += c[a];
                for (size_t b = a; b < p; b++)
                    m->sum_cross[a * PATRON_ABTEST_MAX_VARS + b] += c[a] * c[b];
            }
        }
    }
}

static double combine(double va, double vb, int relative)
{
    return relative ? vb / va - 1 : vb - va;
}

/* Sum over the arm of U^2 and U^3 for the influence values U_i / n of the
 * arm's statistic, scaled by `scale` (the derivative of the combined
 * statistic in the arm's value). */
static void influence(int stat, const sample *s, double value, const double *beta, double scale, double *s2,
                      double *s3)
{
    size_t n = s->n, p = s->p;
    double dbar = 0, rbar = 0;
    if (stat == PATRON_ABTEST_BOOT_RATIO) {
        for (size_t i = 0; i < n; i++)
            dbar += s->rows[i * p + 1];
        dbar /= (double)n;
    }
    if (stat == PATRON_ABTEST_BOOT_CUPED) {
        for (size_t i = 0; i < n; i++) {
            double e = s->rows[i * p];
            for (size_t a = 1; a < p; a++)
                e -= beta[a - 1] * s->rows[i * p + a];
            rbar += e;
        }
        rbar /= (double)n;
    }
    for (size_t i = 0; i < n; i++) {
        const double *v = s->rows + i * p;
        double u;
        if (stat == PATRON_ABTEST_BOOT_MEAN) {
            u = v[0] - value;
        } else if (stat == PATRON_ABTEST_BOOT_RATIO) {
            u = (v[0] - value * v[1]) / dbar;
        } else {
            double e = v[0];
            for (size_t a = 1; a < p; a++)
                e -= beta[a - 1] * v[a];
            u = e - rbar;
        }
        u *= scale / (double)n;
        *s2 += u * u;
        *s3 += u * u * u;
    }
}

static int check_boot_rows(const char *fn, const double *rows, size_t n, size_t p, char arm, int stat)
{
    if (!rows)
        return patron__fail(PATRON_EINVAL, "%s: rows_%c is NULL", fn, arm);
    if (n < 2)
        return patron__fail(PATRON_EINVAL, "%s: n_%c is %zu, expected >= 2", fn, arm, n);
    if (n > UINT32_MAX)
        return patron__fail(PATRON_EINVAL, "%s: n_%c is %zu, at most %u per arm", fn, arm, n, (unsigned)UINT32_MAX);
    double d = 0;
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < p; i++) {
            double v = rows[r * p + i];
            if (!isfinite(v))
                return patron__fail(PATRON_EINVAL, "%s: rows_%c: row %zu, column %zu is %g, expected a finite number",
                                    fn, arm, r, i, v);
            if (stat == PATRON_ABTEST_BOOT_RATIO && i == 1)
                d += v;
        }
    if (stat == PATRON_ABTEST_BOOT_RATIO && !(d != 0))
        return patron__fail(PATRON_EINVAL, "%s: the denominators of %c sum to 0 (the ratio is undefined)", fn, arm);
    return PATRON_OK;
}

int patron_abtest_bootstrap(patron_abtest_boot_result *out, const double *rows_a, size_t n_a, const double *rows_b,
                            size_t n_b, size_t p, int stat, const patron_abtest_boot_options *opts)
{
    static const char fn[] = "patron_abtest_bootstrap";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc)
        return rc;
    patron_abtest_boot_options o = PATRON_ABTEST_BOOT_OPTIONS_INIT;
    if ((rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_abtest_boot_options")))
        return patron__fail_prefix(rc, "%s: ", fn);
    if ((rc = patron__ab_check_alpha(o.alpha, fn)))
        return rc;
    if (stat < PATRON_ABTEST_BOOT_MEAN || stat > PATRON_ABTEST_BOOT_CUPED)
        return patron__fail(PATRON_EINVAL, "%s: stat is %d, expected a patron_abtest_boot_stat (0 to 3)", fn, stat);
    size_t need_lo = stat == PATRON_ABTEST_BOOT_RATIO ? 2 : stat == PATRON_ABTEST_BOOT_CUPED ? 2 : 1;
    size_t need_hi = stat == PATRON_ABTEST_BOOT_RATIO ? 2 : stat == PATRON_ABTEST_BOOT_CUPED ? PATRON_ABTEST_MAX_COVARIATES + 1 : 1;
    if (p < need_lo || p > need_hi)
        return patron__fail(PATRON_EINVAL, "%s: p is %zu, expected %zu to %zu for this statistic", fn, p, need_lo,
                            need_hi);
    if (o.replicates < 100 || o.replicates > 100000000)
        return patron__fail(PATRON_EINVAL, "%s: replicates is %lld, expected 100 to 1e8", fn, (long long)o.replicates);
    if (stat == PATRON_ABTEST_BOOT_QUANTILE && !(o.q > 0 && o.q < 1))
        return patron__fail(PATRON_EINVAL, "%s: q %g is outside (0, 1)", fn, o.q);
    if (o.relative != 0 && o.relative != 1)
        return patron__fail(PATRON_EINVAL, "%s: relative is %d, expected 0 or 1", fn, o.relative);
    if ((rc = check_boot_rows(fn, rows_a, n_a, p, 'a', stat)) || (rc = check_boot_rows(fn, rows_b, n_b, p, 'b', stat)))
        return rc;
    size_t B = (size_t)o.replicates;
    size_t scratch = B;
    if (stat == PATRON_ABTEST_BOOT_QUANTILE)
        scratch += n_a + n_b;
    double *rep = patron__malloc(scratch * sizeof *rep);
    uint32_t *count = NULL; /* draw counts (max arm), then the ranks of A and of B */
    size_t nmax = n_a > n_b ? n_a : n_b;
    if (rep && stat == PATRON_ABTEST_BOOT_QUANTILE)
        count = patron__malloc((nmax + n_a + n_b) * sizeof *count);
    sample sa = {rows_a, n_a, p, NULL, NULL, count, {0}}, sb = {rows_b, n_b, p, NULL, NULL, count, {0}};
    if (rep && count) {
        sa.sorted = rep + B;
        sb.sorted = rep + B + n_a;
        sa.rank = count + nmax;
        sb.rank = count + nmax + n_a;
    }
    if (!rep || (stat == PATRON_ABTEST_BOOT_QUANTILE &&
                 (!count || rank_rows(rows_a, n_a, p, sa.sorted, sa.rank) || rank_rows(rows_b, n_b, p, sb.sorted, sb.rank)))) {
        patron__free(rep);
        patron__free(count);
        return patron__fail(PATRON_ENOMEM, "%s: no memory for %zu replicates", fn, B);
    }
    /* shifts: the pooled column means (sums of deviations keep their digits;
     * CUPED needs one shift for both arms) */
    for (size_t i = 0; i < p; i++) {
        double t = 0;
        for (size_t r = 0; r < n_a; r++)
            t += rows_a[r * p + i];
        for (size_t r = 0; r < n_b; r++)
            t += rows_b[r * p + i];
        sa.shift[i] = sb.shift[i] = t / (double)(n_a + n_b);
    }
    patron_abtest_boot_result r;
    memset(&r, 0, sizeof r);
    double va, vb, beta[PATRON_ABTEST_MAX_COVARIATES] = {0};
    if (stat == PATRON_ABTEST_BOOT_CUPED) {
        patron_abtest_moments ma, mb;
        patron_abtest_adjusted_result ad = PATRON_ABTEST_INIT(patron_abtest_adjusted_result);
        cuped_moments(&sa, NULL, &ma);
        cuped_moments(&sb, NULL, &mb);
        if ((rc = patron_abtest_cuped_moments(&ad, &ma, &mb, o.alpha))) {
            patron__free(rep);
            patron__free(count);
            return patron__fail_prefix(rc, "%s: ", fn);
        }
        va = ad.adjusted_mean_a + sa.shift[0];
        vb = ad.adjusted_mean_b + sb.shift[0];
        memcpy(beta, ad.beta, sizeof beta);
    } else {
        va = arm_value(stat, &sa, o.q);
        vb = arm_value(stat, &sb, o.q);
    }
    r.estimate = combine(va, vb, o.relative);
    /* Replicate j uses stream j of the seed: arm A's n_a draws, then B's. */
    int failed = 0;
    for (size_t j = 0; j < B; j++) {
        patron_rng g;
        patron_rng_seed_stream(&g, o.seed, (uint64_t)j);
        double ra, rb;
        if (stat == PATRON_ABTEST_BOOT_CUPED) {
            patron_abtest_moments ma, mb;
            patron_abtest_adjusted_result ad = PATRON_ABTEST_INIT(patron_abtest_adjusted_result);
            cuped_moments(&sa, &g, &ma);
            cuped_moments(&sb, &g, &mb);
            if (patron_abtest_cuped_moments(&ad, &ma, &mb, o.alpha)) {
                failed++;
                rep[j] = NAN;
                continue;
            }
            ra = ad.adjusted_mean_a + sa.shift[0];
            rb = ad.adjusted_mean_b + sb.shift[0];
        } else {
            ra = resample_value(stat, &sa, &g, o.q);
            rb = resample_value(stat, &sb, &g, o.q);
        }
        rep[j] = combine(ra, rb, o.relative);
    }
    patron__free(count);
    if (failed) {
        patron__free(rep);
        return patron__fail(PATRON_EINVAL,
                            "%s: the covariates are collinear in %d of %zu resamples (too few units for the covariates)",
                            fn, failed, B);
    }
    size_t below = 0, equal = 0;
    double mean = 0, ss = 0;
    for (size_t j = 0; j < B; j++) {
        below += rep[j] < r.estimate;
        equal += rep[j] == r.estimate;
        mean += rep[j];
    }
    mean /= (double)B;
    for (size_t j = 0; j < B; j++)
        ss += (rep[j] - mean) * (rep[j] - mean);
    qsort(rep, B, sizeof *rep, cmp_double);
    r.replicates = (int64_t)B;
    r.seed = o.seed;
    r.alpha = o.alpha;
    r.stat = stat;
    r.relative = o.relative;
    r.bias = mean - r.estimate;
    r.se = sqrt(ss / (double)(B - 1));
    r.ci_percentile[0] = sorted_quantile(rep, B, o.alpha / 2);
    r.ci_percentile[1] = sorted_quantile(rep, B, 1 - o.alpha / 2);
    /* BCa (Efron 1987): bias correction z0 from the share of replicates
     * below the estimate (ties count half), acceleration from the
     * empirical influence values of both arms. */
    double share = ((double)below + 0.5 * (double)equal) / (double)B;
    r.z0 = patron__norm_ppf(share);
    if (stat != PATRON_ABTEST_BOOT_QUANTILE && isfinite(r.z0)) {
        double s2 = 0, s3 = 0;
        double da = o.relative ? -vb / (va * va) : -1, db = o.relative ? 1 / va : 1;
        influence(stat, &sa, va, beta, da, &s2, &s3);
        influence(stat, &sb, vb, beta, db, &s2, &s3);
        r.acceleration = s2 > 0 ? s3 / (6 * pow(s2, 1.5)) : 0;
        double zl = patron__norm_ppf(o.alpha / 2), zh = -zl;
        double a1 = patron__norm_cdf(r.z0 + (r.z0 + zl) / (1 - r.acceleration * (r.z0 + zl)));
        double a2 = patron__norm_cdf(r.z0 + (r.z0 + zh) / (1 - r.acceleration * (r.z0 + zh)));
        r.ci_bca[0] = sorted_quantile(rep, B, a1);
        r.ci_bca[1] = sorted_quantile(rep, B, a2);
        r.bca_available = 1;
    } else {
        r.acceleration = NAN;
        r.ci_bca[0] = r.ci_bca[1] = NAN;
        r.bca_available = 0;
    }
    patron__free(rep);
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}

int patron_abtest_winsorize(double *out_a, double *out_b, double *cap_low, double *cap_high, const double *a,
                            size_t n_a, const double *b, size_t n_b, double lower_q, double upper_q)
{
    static const char fn[] = "patron_abtest_winsorize";
    if (!out_a || !out_b)
        return patron__fail(PATRON_EINVAL, "%s: out_%c is NULL", fn, out_a ? 'b' : 'a');
    if (!a || !b)
        return patron__fail(PATRON_EINVAL, "%s: %c is NULL", fn, a ? 'b' : 'a');
    if (n_a + n_b < 1)
        return patron__fail(PATRON_EINVAL, "%s: no values", fn);
    if (!(lower_q >= 0 && lower_q < upper_q && upper_q <= 1))
        return patron__fail(PATRON_EINVAL, "%s: quantiles %g and %g, expected 0 <= lower_q < upper_q <= 1", fn,
                            lower_q, upper_q);
    for (size_t i = 0; i < n_a + n_b; i++) {
        double v = i < n_a ? a[i] : b[i - n_a];
        if (!isfinite(v))
            return patron__fail(PATRON_EINVAL, "%s: %c[%zu] is %g, expected a finite number", fn, i < n_a ? 'a' : 'b',
                                i < n_a ? i : i - n_a, v);
    }
    double *s = patron__malloc((n_a + n_b) * sizeof *s);
    if (!s)
        return patron__fail(PATRON_ENOMEM, "%s: no memory for a sorted copy of %zu values", fn, n_a + n_b);
    memcpy(s, a, n_a * sizeof *s);
    memcpy(s + n_a, b, n_b * sizeof *s);
    qsort(s, n_a + n_b, sizeof *s, cmp_double);
    double lo = lower_q > 0 ? sorted_quantile(s, n_a + n_b, lower_q) : -INFINITY;
    double hi = upper_q < 1 ? sorted_quantile(s, n_a + n_b, upper_q) : INFINITY;
    patron__free(s);
    for (size_t i = 0; i < n_a; i++)
        out_a[i] = a[i] < lo ? lo : a[i] > hi ? hi : a[i];
    for (size_t i = 0; i < n_b; i++)
        out_b[i] = b[i] < lo ? lo : b[i] > hi ? hi : b[i];
    if (cap_low)
        *cap_low = lo;
    if (cap_high)
        *cap_high = hi;
    return PATRON_OK;
}
