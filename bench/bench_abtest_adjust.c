/* Benchmarks of regression adjustment, post-stratification, quantiles and
 * the bootstrap: calls per second of the new tests, and the cost of a
 * bootstrap over 1M customers (CPU and wall time; the machine is shared,
 * so CPU time is the figure to compare).
 * Usage: bench_abtest_adjust [replicates]   (default 1000) */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "bench_util.h"
#include "patron.h"

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec * 1e-6;
}

static void loadavg(void)
{
    FILE *f = fopen("/proc/loadavg", "r");
    char buf[128] = "?";
    if (f) {
        if (!fgets(buf, sizeof buf, f))
            buf[0] = 0;
        fclose(f);
    }
    printf("load average: %s", buf);
}

/* Rows (spend, pre_spend, pre_orders, visits) of n customers. */
static void fill(patron_rng *g, double *rows, size_t n, size_t p, double lift)
{
    double z[4];
    for (size_t i = 0; i < n; i++) {
        patron_rng_draw(g, PATRON_DIST_NORMAL, 0, 1, z, 4);
        double pre = exp(3 + 0.8 * z[0]);
        double v[4] = {pre * (0.8 + lift) + exp(2 + 0.9 * z[1]), pre, floor(pre / 15) + 1, 5 + 2 * fabs(z[2])};
        for (size_t j = 0; j < p; j++)
            rows[i * p + j] = v[j];
    }
}

#define TIME_CALLS(label, reps, call)                                                                     \
    do {                                                                                                  \
        double c0_ = cpu_now(), t0_ = bench_now();                                                        \
        int rc_ = 0;                                                                                      \
        for (long i_ = 0; i_ < (reps); i_++)                                                              \
            rc_ |= (call);                                                                                \
        double c1_ = cpu_now(), t1_ = bench_now();                                                        \
        printf("%-58s %10.0f calls/s (CPU %.3f s, wall %.3f s for %ld calls, rc %d)\n", label,           \
               (double)(reps) / (c1_ - c0_), c1_ - c0_, t1_ - t0_, (long)(reps), rc_);                    \
    } while (0)

#define TIME_ONCE(label, call)                                                                            \
    do {                                                                                                  \
        double c0_ = cpu_now(), t0_ = bench_now();                                                        \
        int rc_ = (call);                                                                                 \
        double c1_ = cpu_now(), t1_ = bench_now();                                                        \
        printf("%-58s CPU %7.3f s, wall %7.3f s (rc %d)\n", label, c1_ - c0_, t1_ - t0_, rc_);          \
    } while (0)

int main(int argc, char **argv)
{
    long B = argc > 1 ? atol(argv[1]) : 1000;
    loadavg();
    patron_rng g;
    patron_rng_seed(&g, 2026);
    /* small inputs: per-call cost */
    enum { NS = 1000 };
    double *sa = malloc(NS * 4 * sizeof *sa), *sb = malloc(NS * 4 * sizeof *sb);
    fill(&g, sa, NS, 4, 0), fill(&g, sb, NS, 4, 0.02);
    patron_abtest_moments ma, mb, ra, rb;
    patron_abtest_moments_from_rows(&ma, sa, NS, 4);
    patron_abtest_moments_from_rows(&mb, sb, NS, 4);
    patron_abtest_adjusted_result r = PATRON_ABTEST_INIT(patron_abtest_adjusted_result);
    TIME_CALLS("cuped_moments, 3 covariates (sufficient statistics)", 200000L,
               patron_abtest_cuped_moments(&r, &ma, &mb, 0.05));
    TIME_CALLS("cuped_rows, 3 covariates, 2 x 1000 rows", 2000L, patron_abtest_cuped_rows(&r, sa, NS, sb, NS, 4, 0.05));
    /* ratio: (spend, pre_orders as the denominator, pre_spend, visits) */
    double *qa = malloc(NS * 4 * sizeof *qa), *qb = malloc(NS * 4 * sizeof *qb);
    for (size_t i = 0; i < NS; i++) {
        double *x = qa + 4 * i, *y = qb + 4 * i;
        x[0] = sa[4 * i], x[1] = sa[4 * i + 2], x[2] = sa[4 * i + 1], x[3] = sa[4 * i + 3];
        y[0] = sb[4 * i], y[1] = sb[4 * i + 2], y[2] = sb[4 * i + 1], y[3] = sb[4 * i + 3];
    }
    patron_abtest_moments_from_rows(&ra, qa, NS, 4);
    patron_abtest_moments_from_rows(&rb, qb, NS, 4);
    TIME_CALLS("ratio_cuped_moments, 2 covariates", 200000L, patron_abtest_ratio_cuped_moments(&r, &ra, &rb, 0.05));
    patron_abtest_summary pa[10], pb[10];
    for (int h = 0; h < 10; h++) {
        pa[h] = (patron_abtest_summary){1000 + 10 * h, 20 + 3 * h, 5 + h};
        pb[h] = (patron_abtest_summary){990 + 10 * h, 20.5 + 3 * h, 5 + h};
    }
    patron_abtest_poststrat_result ps = PATRON_ABTEST_INIT(patron_abtest_poststrat_result);
    TIME_CALLS("poststratify, 2 strata", 1000000L, patron_abtest_poststratify(&ps, pa, pb, NULL, 2, 0.05));
    TIME_CALLS("poststratify, 10 strata", 1000000L, patron_abtest_poststratify(&ps, pa, pb, NULL, 10, 0.05));
    double *va = malloc(NS * sizeof *va), *vb = malloc(NS * sizeof *vb);
    for (size_t i = 0; i < NS; i++)
        va[i] = sa[4 * i], vb[i] = sb[4 * i];
    patron_abtest_quantile_result q = PATRON_ABTEST_INIT(patron_abtest_quantile_result);
    TIME_CALLS("quantile p90, 2 x 1000 values (sort + binomial ranks)", 5000L,
               patron_abtest_quantile(&q, va, NS, vb, NS, 0.9, 0.05));

    /* 1M customers, 500,000 per arm */
    const size_t N = 500000;
    double *ba = malloc(N * 4 * sizeof *ba), *bb = malloc(N * 4 * sizeof *bb);
    double *ya = malloc(N * sizeof *ya), *yb = malloc(N * sizeof *yb);
    double *ma2 = malloc(N * 2 * sizeof *ma2), *mb2 = malloc(N * 2 * sizeof *mb2);
    double *ca = malloc(N * 2 * sizeof *ca), *cb = malloc(N * 2 * sizeof *cb);
    if (!ba || !bb || !ya || !yb || !ma2 || !mb2 || !ca || !cb)
        return 1;
    fill(&g, ba, N, 4, 0), fill(&g, bb, N, 4, 0.01);
    for (size_t i = 0; i < N; i++) {
        ya[i] = ba[4 * i], yb[i] = bb[4 * i];
        ma2[2 * i] = ba[4 * i], ma2[2 * i + 1] = ba[4 * i + 2];
        mb2[2 * i] = bb[4 * i], mb2[2 * i + 1] = bb[4 * i + 2];
        ca[2 * i] = ba[4 * i], ca[2 * i + 1] = ba[4 * i + 1];
        cb[2 * i] = bb[4 * i], cb[2 * i + 1] = bb[4 * i + 1];
    }
    printf("\n1M customers (500,000 per arm):\n");
    TIME_ONCE("moments_from_rows, 4 variables, one arm", patron_abtest_moments_from_rows(&ma, ba, N, 4));
    TIME_ONCE("cuped_rows, 3 covariates", patron_abtest_cuped_rows(&r, ba, N, bb, N, 4, 0.05));
    TIME_ONCE("quantile p50 (sorted copies)", patron_abtest_quantile(&q, ya, N, yb, N, 0.5, 0.05));
    TIME_ONCE("winsorize at the pooled p99", patron_abtest_winsorize(ya, yb, NULL, NULL, ya, N, yb, N, 0, 0.99));
    patron_abtest_boot_options bo = PATRON_ABTEST_BOOT_OPTIONS_INIT;
    bo.replicates = B;
    bo.seed = 7;
    patron_abtest_boot_result br = PATRON_ABTEST_INIT(patron_abtest_boot_result);
    char label[96];
    static const char *names[] = {"mean", "ratio (revenue per order)", "quantile p90", "CUPED, 1 covariate"};
    for (int st = 0; st < 4; st++) {
        bo.q = 0.9;
        const double *xa = st == 1 ? ma2 : st == 3 ? ca : ya, *xb = st == 1 ? mb2 : st == 3 ? cb : yb;
        size_t p = st == 1 || st == 3 ? 2 : 1;
        snprintf(label, sizeof label, "bootstrap %s, %ld replicates", names[st], B);
        TIME_ONCE(label, patron_abtest_bootstrap(&br, xa, N, xb, N, p, st, &bo));
        printf("    estimate %.4g, percentile [%.4g, %.4g], BCa [%.4g, %.4g]\n", br.estimate, br.ci_percentile[0],
               br.ci_percentile[1], br.ci_bca[0], br.ci_bca[1]);
    }
    printf("peak RSS %.0f MB\n", bench_peak_rss() / 1e6);
    loadavg();
    return 0;
}
