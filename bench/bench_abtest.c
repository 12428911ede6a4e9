/* abtest benchmarks: assignment throughput, log-rank on 1M customers,
 * Fisher's exact test on large tables, and per-call cost of the tests. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "patron.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;
static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * (1.0 / 9007199254740992.0);
}

int main(void)
{
    /* 1. Assignment. */
    const int n_assign = 2000000;
    char id[32];
    double w[2] = {10, 90};
    long sum = 0;
    double t0 = bench_now();
    for (int i = 0; i < n_assign; i++) {
        snprintf(id, sizeof id, "C%09d", i);
        int v;
        patron_abtest_assign(&v, "followup-7d", id, w, 2, NULL);
        sum += v;
    }
    double t1 = bench_now();
    printf("assign: %d customers in %.3f s = %.1f M assignments/s (incl. id formatting; share in arm 1 %.4f)\n",
           n_assign, t1 - t0, n_assign / (t1 - t0) / 1e6, (double)sum / n_assign);

    /* 2. Log-rank + KM medians on 1M customers (exponential times, 30-day censoring). */
    const size_t n = 1000000;
    double *tm = malloc(n * sizeof *tm);
    int *ev = malloc(n * sizeof *ev), *arm = malloc(n * sizeof *arm);
    if (!tm || !ev || !arm)
        return 1;
    for (size_t i = 0; i < n; i++) {
        arm[i] = i % 2;
        double rate = arm[i] ? 0.052 : 0.05;
        double t = ceil(-log(1 - urand()) / rate);
        ev[i] = t <= 30;
        tm[i] = t <= 30 ? t : 30;
    }
    bench_reset_peak();
    patron_abtest_logrank_result lr = PATRON_ABTEST_INIT(patron_abtest_logrank_result);
    t0 = bench_now();
    int rc = patron_abtest_logrank(&lr, tm, ev, arm, n, 0.05);
    t1 = bench_now();
    printf("logrank: %zu customers in %.3f s (rc %d, chi2 %.2f, p %.3g, medians %.0f/%.0f days, peak RSS %.0f MB)\n",
           n, t1 - t0, rc, lr.chisq, lr.p, lr.median[0], lr.median[1], bench_peak_rss() / 1e6);
    /* continuous times: no ties */
    for (size_t i = 0; i < n; i++)
        tm[i] = ev[i] ? tm[i] - urand() : 30;
    t0 = bench_now();
    rc = patron_abtest_logrank(&lr, tm, ev, arm, n, 0.05);
    t1 = bench_now();
    printf("logrank: %zu customers, distinct times, in %.3f s (rc %d, p %.3g)\n", n, t1 - t0, rc, lr.p);
    free(tm);
    free(ev);
    free(arm);

    /* 3. Fisher's exact test on large tables. */
    int64_t tabs[3][4] = {{1200, 98800, 1000, 99000},
                          {102602, 897398, 102619, 897381},
                          {10260202, 89739798, 10261943, 89738057}};
    for (int k = 0; k < 3; k++) {
        patron_abtest_fisher_result f = PATRON_ABTEST_INIT(patron_abtest_fisher_result);
        int reps = k == 2 ? 3 : 20;
        t0 = bench_now();
        for (int r = 0; r < reps; r++)
            patron_abtest_fisher(&f, tabs[k], 0.05);
        t1 = bench_now();
        printf("fisher: n = %lld: %.3f ms per table (p %.4g)\n",
               (long long)(tabs[k][0] + tabs[k][1] + tabs[k][2] + tabs[k][3]), (t1 - t0) / reps * 1e3,
               f.p_two_sided);
    }

    /* 4. Per-call cost of summary-statistic tests. */
    const int calls = 200000;
    patron_abtest_prop_result pr = PATRON_ABTEST_INIT(patron_abtest_prop_result);
    t0 = bench_now();
    for (int i = 0; i < calls; i++)
        patron_abtest_proportions(&pr, 597 + i % 7, 18262, 489, 13027, 0.05);
    t1 = bench_now();
    printf("proportions: %.2f us per call\n", (t1 - t0) / calls * 1e6);
    patron_abtest_summary a = {2053, 49.0, 33.16}, b = {2690, 49.73, 33.9};
    patron_abtest_means_result mr = PATRON_ABTEST_INIT(patron_abtest_means_result);
    t0 = bench_now();
    for (int i = 0; i < calls / 10; i++) {
        b.mean = 49.73 + 1e-6 * i;
        patron_abtest_means(&mr, &a, &b, 0.05);
    }
    t1 = bench_now();
    printf("means (Welch + Student + Fieller): %.2f us per call\n", (t1 - t0) / (calls / 10) * 1e6);
    patron_abtest_beta_result br = PATRON_ABTEST_INIT(patron_abtest_beta_result);
    t0 = bench_now();
    for (int i = 0; i < 100; i++)
        patron_abtest_beta_binomial(&br, 2095 + i, 36789, 2095, 36789, 1, 1);
    t1 = bench_now();
    printf("beta-binomial P(B>A) + expected loss (alpha ~ 2100): %.3f ms per call\n", (t1 - t0) / 100 * 1e3);

    /* 4. Far-tail Fisher (p ~ 1e-303: every term subnormal before issue 14). */
    int64_t far[4] = {1149, 1533, 1172, 14};
    patron_abtest_fisher_result fr = PATRON_ABTEST_INIT(patron_abtest_fisher_result);
    t0 = bench_now();
    for (int i = 0; i < 1000; i++) {
        far[0] = 1149 + i % 3;
        patron_abtest_fisher(&fr, far, 0.05);
    }
    t1 = bench_now();
    printf("fisher far tail (n = 3868, ln p %.2f): %.0f calls/s\n", fr.log_p_two_sided, 1000 / (t1 - t0));

    /* 5. Several arms against a control: Dunnett (multivariate normal for
     *    rates, multivariate t for means) and Holm. */
    int64_t cx[4] = {150, 171, 196, 160}, cn[4] = {1893, 1890, 1901, 1887};
    patron_abtest_many_result mm = PATRON_ABTEST_INIT(patron_abtest_many_result);
    patron_abtest_many_options mo = PATRON_ABTEST_MANY_OPTIONS_INIT;
    static const char *mname[] = {"Dunnett", "Holm"};
    for (int method = 0; method < 2; method++) {
        mo.method = method ? PATRON_ABTEST_HOLM : PATRON_ABTEST_DUNNETT;
        int reps = method ? 100000 : 200;
        t0 = bench_now();
        for (int i = 0; i < reps; i++) {
            cx[1] = 171 + i % 5;
            patron_abtest_many_proportions(&mm, cx, cn, 4, &mo);
        }
        t1 = bench_now();
        printf("many_proportions, 3 treatments, %s: %.0f calls/s\n", mname[method], reps / (t1 - t0));
    }
    int64_t mn[4] = {40, 41, 39, 40};
    double mmean[4] = {50.1, 55.3, 49.0, 52.0}, msd[4] = {12, 13, 12, 11};
    for (int df_case = 0; df_case < 2; df_case++) {
        if (df_case)
            for (int k = 0; k < 4; k++)
                mn[k] = 20000;
        int reps = 20;
        mo.method = PATRON_ABTEST_DUNNETT;
        t0 = bench_now();
        for (int i = 0; i < reps; i++) {
            mmean[1] = 55.3 + 0.01 * i;
            patron_abtest_many_means(&mm, mn, mmean, msd, 4, &mo);
        }
        t1 = bench_now();
        printf("many_means, 3 treatments, Dunnett, df %.0f: %.1f calls/s\n", mm.df, reps / (t1 - t0));
    }
    return 0;
}
