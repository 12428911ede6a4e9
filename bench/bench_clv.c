/* CLV benchmark: 1,000,000 simulated customers (BG/NBD transactions and
 * Gamma-Gamma spend), summarised in whole days over a one-year window the
 * way a transaction log summary is (lifetimes' summary_data_from_transaction_data
 * with freq="D"), then: BG/NBD, Pareto/NBD and Gamma-Gamma fits, conditional
 * expectation + P(alive) for everyone, and a 12-month CLV.
 *
 * Usage: bench_clv [customers] [--weeks | --continuous] [--threads N] [--only STEP]
 *   --weeks summarises in whole weeks (CDNOW's unit) instead of days;
 *   --continuous keeps exact (x, t_x, T) in fractional days (no identical
 *   rows to merge) to show the worst case;
 *   --threads N sets the fit and prediction options' threads (default 1;
 *   0 = all cores). CPU time is summed over the threads.
 *   --only STEP runs one step (bgnbd, mbgnbd, pnbd, gg, predict, clv) for
 *   profiling; predictions then use the generator's true parameters.
 *   --repeat K runs each step K times and prints the run with the least
 *   wall time (its CPU beside it; default 1).
 * Each step prints wall and process-CPU seconds.
 * The generator is local to the benchmark (xoshiro256**, Marsaglia-Tsang). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "patron.h"

static uint64_t s[4];

/* process CPU seconds: on a shared, loaded machine wall time overstates */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct timer {
    double w, c;
} timer;

static timer tic(void)
{
    timer t = {bench_now(), cpu_now()};
    return t;
}

static timer toc(timer t0)
{
    timer t = {bench_now() - t0.w, cpu_now() - t0.c};
    return t;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next(void)
{
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

static double unif(void)
{
    return ((double)(next() >> 11) + 0.5) * 0x1.0p-53;
}

static double normal(void)
{
    double u = unif(), v = unif();
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* Gamma(shape k, scale 1) */
static double rgamma(double k)
{
    if (k < 1)
        return rgamma(k + 1) * pow(unif(), 1 / k);
    double d = k - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double x = normal(), v = 1 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        double u = unif();
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v;
    }
}

static double rbeta(double a, double b)
{
    double x = rgamma(a), y = rgamma(b);
    return x / (x + y);
}

int main(int argc, char **argv)
{
    size_t n = 1000000;
    int continuous = 0, weeks = 0, threads = 1, repeat = 1;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
            repeat = atoi(argv[++i]) > 0 ? atoi(argv[i]) : 1;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--continuous"))
            continuous = 1;
        else if (!strcmp(argv[i], "--weeks"))
            weeks = 1;
        else
            n = (size_t)strtoull(argv[i], NULL, 10);
    }
    s[0] = 0x9E3779B97F4A7C15ull;
    s[1] = 42;
    s[2] = 0xD1B54A32D192ED03ull;
    s[3] = 7;
    /* CDNOW's weekly BG/NBD estimate in days, Gamma-Gamma from the note */
    const double unit = weeks ? 7 : 1; /* days per time unit */
    const double r = 0.243, alpha = 4.414 * 7 / unit, a = 0.793, b = 2.426;
    const double horizon = 365 / unit, month = 30 / unit;
    const double gp = 6.25, gq = 3.74, gg = 15.44;
    double *x = malloc(n * sizeof *x), *tx = malloc(n * sizeof *tx), *T = malloc(n * sizeof *T),
           *m = malloc(n * sizeof *m), *out = malloc(n * sizeof *out),
           *out2 = malloc(n * sizeof *out2);
    double t0 = bench_now();
    for (size_t i = 0; i < n; i++) {
        double lam = rgamma(r) / alpha, p = rbeta(a, b);
        double Tc = continuous ? horizon * unif() : floor(horizon * unif());
        double t = 0, last = 0;
        int k = 0;
        for (;;) {
            t += -log(unif()) / lam;
            if (t > Tc)
                break;
            double day = continuous ? t : floor(t);
            if (day != last || continuous) {
                k++;
                last = day;
            }
            if (unif() < p)
                break;
        }
        x[i] = k;
        tx[i] = k ? last : 0;
        T[i] = Tc;
        if (k) {
            double nu = rgamma(gq) / gg, sum = 0;
            for (int j = 0; j < k; j++)
                sum += round(100 * rgamma(gp) / nu) / 100; /* whole cents */
            m[i] = sum / k;
        } else {
            m[i] = 0;
        }
    }
    double tgen = bench_now() - t0;
    size_t base = bench_rss();
    printf("customers: %zu (%s), generated in %.2f s; input arrays %.1f MB; threads %d; best of %d\n",
           n, continuous ? "exact times in days" : weeks ? "whole weeks" : "whole days", tgen,
           4.0 * n * 8 / 1e6, threads, repeat);
    patron_clv_fit_options fo = PATRON_CLV_FIT_OPTIONS_INIT;
    fo.threads = threads;
    patron_clv_predict_options po = PATRON_CLV_PREDICT_OPTIONS_INIT;
    po.threads = threads;
    patron_clv_data d = {n, x, tx, T, m, NULL};
    patron_clv_fit_result bg = PATRON_CLV_FIT_RESULT_INIT, pn = PATRON_CLV_FIT_RESULT_INIT,
                          gm = PATRON_CLV_FIT_RESULT_INIT;
#define RUN(step) (!only || !strcmp(only, step))
    /* the run with the least wall time of `repeat` */
#define TIMED(stmt)                                                                             \
    do {                                                                                        \
        timer best_ = {INFINITY, 0};                                                            \
        for (int rep_ = 0; rep_ < repeat; rep_++) {                                             \
            timer t0_ = tic();                                                                  \
            stmt;                                                                               \
            timer t1_ = toc(t0_);                                                               \
            if (t1_.w < best_.w)                                                                \
                best_ = t1_;                                                                    \
        }                                                                                       \
        t = best_;                                                                              \
    } while (0)
    bg.params = (patron_clv_params){PATRON_CLV_BGNBD, {r, alpha, a, b}};
    gm.params = (patron_clv_params){PATRON_CLV_GG, {gp, gq, gg}};
    bench_reset_peak();
    timer t;
    int rc = 0;
    if (RUN("bgnbd")) {
        TIMED(rc = patron_clv_fit(&bg, PATRON_CLV_BGNBD, &d, &fo));
        printf("BG/NBD fit      %8.4f s wall %8.4f s cpu  rc %d  distinct rows %lld  iterations %d  "
               "r %.4f alpha %.3f a %.4f b %.4f  LL %.2f\n",
               t.w, t.c, rc, (long long)bg.n_distinct, bg.iterations, bg.params.p[0], bg.params.p[1],
               bg.params.p[2], bg.params.p[3], bg.log_likelihood);
    }
    if (RUN("mbgnbd")) {
        patron_clv_fit_result mb = PATRON_CLV_FIT_RESULT_INIT;
        TIMED(rc = patron_clv_fit(&mb, PATRON_CLV_MBGNBD, &d, &fo));
        printf("MBG/NBD fit     %8.4f s wall %8.4f s cpu  rc %d  iterations %d  LL %.2f\n", t.w,
               t.c, rc, mb.iterations, mb.log_likelihood);
    }
    if (RUN("pnbd")) {
        TIMED(rc = patron_clv_fit(&pn, PATRON_CLV_PNBD, &d, &fo));
        printf("Pareto/NBD fit  %8.4f s wall %8.4f s cpu  rc %d  iterations %d  r %.4f alpha %.3f s %.4f beta %.3f  "
               "LL %.2f\n",
               t.w, t.c, rc, pn.iterations, pn.params.p[0], pn.params.p[1], pn.params.p[2],
               pn.params.p[3], pn.log_likelihood);
    }
    if (RUN("gg")) {
        TIMED(rc = patron_clv_fit(&gm, PATRON_CLV_GG, &d, &fo));
        printf("Gamma-Gamma fit %8.4f s wall %8.4f s cpu  rc %d  repeaters %.0f  distinct %lld  p %.4f q %.4f "
               "gamma %.3f\n",
               t.w, t.c, rc, gm.n_customers, (long long)gm.n_distinct, gm.params.p[0], gm.params.p[1],
               gm.params.p[2]);
    }
    if (RUN("predict")) {
        TIMED(rc = patron_clv_predict_with(out, out2, &bg.params, &d, month, &po));
        printf("CE(1 month) + P(alive) for all %8.4f s wall %8.4f s cpu  rc %d\n", t.w, t.c, rc);
    }
    if (RUN("clv")) {
        TIMED(rc = patron_clv_lifetime_value_with(out, &bg.params, &gm.params, &d, 12, 0.01, month, &po));
        double tot = 0;
        for (size_t i = 0; i < n; i++)
        tot += out[i];
        printf("12-month CLV for all           %8.4f s wall %8.4f s cpu  rc %d  (total %.0f)\n", t.w,
               t.c, rc, tot);
    }
    size_t peak = bench_peak_rss();
    printf("peak RSS beyond the inputs: %.1f MB\n",
           peak > base ? (double)(peak - base) / 1e6 : 0.0);
    free(x);
    free(tx);
    free(T);
    free(m);
    free(out);
    free(out2);
    return 0;
}
