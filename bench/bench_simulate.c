/* Simulator throughput and memory: draws per second of the samplers, and
 * simulating 1 million CDNOW-like customers (BG/NBD, Pareto/NBD, Gamma-Gamma).
 * usage: bench_simulate [customers]   (default 1000000) */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "patron.h"

static void bench_draws(const char *name, patron_dist dist, double p1, double p2)
{
    enum { N = 4000000 };
    static double out[N];
    patron_rng g;
    patron_rng_seed(&g, 1);
    double t0 = bench_now();
    if (patron_rng_draw(&g, dist, p1, p2, out, N) != PATRON_OK) {
        fprintf(stderr, "draw failed: %s\n", patron_errmsg());
        exit(1);
    }
    double dt = bench_now() - t0;
    printf("  %-28s %8.1f M draws/s\n", name, N / dt / 1e6);
}

static void bench_model(const char *name, patron_sim_options o)
{
    size_t rss0 = bench_rss();
    int reset = bench_reset_peak() == 0;
    double t0 = bench_now();
    patron_sim *sim = NULL;
    int rc = patron_sim_run(&sim, &o);
    double dt = bench_now() - t0;
    if (rc) {
        fprintf(stderr, "%s: %s\n", name, patron_errmsg());
        exit(1);
    }
    size_t n = patron_sim_n_transactions(sim);
    size_t peak = bench_peak_rss();
    double arrays = (double)n * 24 + (o.customer_summary ? (double)o.customers * 32 : 0);
    printf("  %-28s %lld customers, %zu transactions in %.3f s (%.1f M tx/s); arrays %.1f MB, ",
           name, (long long)o.customers, n, dt, (double)n / dt / 1e6, arrays / 1e6);
    if (reset)
        printf("peak RSS growth %.1f MB\n", (double)(peak > rss0 ? peak - rss0 : 0) / 1e6);
    else
        printf("peak RSS n/a (cannot reset VmHWM)\n");
    patron_sim_free(sim);
}

int main(int argc, char **argv)
{
    long long customers = argc > 1 ? atoll(argv[1]) : 1000000;
    printf("samplers (4M draws each)\n");
    bench_draws("uniform", PATRON_DIST_UNIFORM, 0, 1);
    bench_draws("exponential", PATRON_DIST_EXPONENTIAL, 1, 0);
    bench_draws("normal", PATRON_DIST_NORMAL, 0, 1);
    bench_draws("gamma(0.243)", PATRON_DIST_GAMMA, 0.243, 1);
    bench_draws("gamma(6.25)", PATRON_DIST_GAMMA, 6.25, 1);
    bench_draws("beta(0.793, 2.426)", PATRON_DIST_BETA, 0.793, 2.426);
    bench_draws("poisson(3.5)", PATRON_DIST_POISSON, 3.5, 0);
    bench_draws("poisson(1000)", PATRON_DIST_POISSON, 1000, 0);

    printf("models (78 weeks, births over 12 weeks, with per-customer truth)\n");
    patron_sim_options o = PATRON_SIM_OPTIONS_INIT;
    o.model = PATRON_SIM_BGNBD;
    o.r = 0.243;
    o.alpha = 4.414;
    o.a = 0.793;
    o.b = 2.426;
    o.customers = customers;
    o.periods = 78;
    o.cohort_periods = 12;
    o.period_seconds = 7 * 86400;
    o.customer_summary = 1;
    bench_model("BG/NBD", o);
    o.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
    o.spend_p = 6.25;
    o.spend_q = 3.74;
    o.spend_gamma = 15.44;
    bench_model("BG/NBD + Gamma-Gamma", o);
    o.spend = PATRON_SIM_SPEND_NONE;
    o.model = PATRON_SIM_PNBD;
    o.r = 0.5534;
    o.alpha = 10.58;
    o.s = 0.6061;
    o.beta = 11.66;
    bench_model("Pareto/NBD", o);
    o.model = PATRON_SIM_BGBB;
    o.alpha = 1.2035;
    o.beta = 0.7498;
    o.gamma = 0.6568;
    o.delta = 2.7839;
    o.periods = 6;
    o.cohort_periods = 0;
    o.period_seconds = 365 * 86400;
    bench_model("BG/BB (6 opportunities)", o);
    /* The summary benchmark's log: about 10 transactions per customer. */
    o.customer_summary = 0;
    o.model = PATRON_SIM_BGNBD;
    o.r = 0.243;
    o.alpha = 3.5; /* per day: heavier buyers than CDNOW */
    o.a = 0.793;
    o.b = 2.426;
    o.periods = 5 * 365;
    o.cohort_periods = 0;
    o.period_seconds = 86400;
    bench_model("BG/NBD 5 years daily (~10/c)", o);
    return 0;
}
