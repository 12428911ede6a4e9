/* abtest decision benchmarks (issue 14): probability to be best over k arms,
 * non-inferiority margins, planning with variance reduction and for ratio
 * metrics. Calls per second, wall and process CPU time. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "bench_util.h"
#include "patron.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define RUN(label, reps, call)                                                                      \
    do {                                                                                            \
        double w0 = bench_now(), c0 = cpu_now();                                                    \
        for (int i_ = 0; i_ < (reps); i_++)                                                         \
            call;                                                                                   \
        double w1 = bench_now(), c1 = cpu_now();                                                    \
        printf("%-72s %12.0f calls/s CPU %12.0f calls/s wall\n", label, (reps) / (c1 - c0),        \
               (reps) / (w1 - w0));                                                                 \
    } while (0)

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    patron_abtest_best_result b = PATRON_ABTEST_INIT(patron_abtest_best_result);
    const int64_t x3[3] = {597, 489, 530}, n3[3] = {18262, 13027, 15000};
    RUN("best_proportions, 3 arms, n ~ 15,000", 1000, patron_abtest_best_proportions(&b, x3, n3, 3, 1, 1));
    int64_t x10[10], n10[10];
    for (int i = 0; i < 10; i++) {
        n10[i] = 100000;
        x10[i] = 5000 + 37 * i;
    }
    RUN("best_proportions, 10 arms, n = 100,000", 100, patron_abtest_best_proportions(&b, x10, n10, 10, 1, 1));
    const int64_t x1m[3] = {50123, 50410, 49870}, n1m[3] = {1000000, 1000000, 1000000};
    RUN("best_proportions, 3 arms, n = 1,000,000", 300, patron_abtest_best_proportions(&b, x1m, n1m, 3, 1, 1));
    const int64_t nm[4] = {100, 120, 90, 1000};
    const double mm[4] = {1, 1.1, 0.95, 1.02}, sm[4] = {1, 1.2, 0.8, 1.1};
    RUN("best_means, 4 arms", 2000, patron_abtest_best_means(&b, nm, mm, sm, 4));

    patron_abtest_margin_result r = PATRON_ABTEST_INIT(patron_abtest_margin_result);
    patron_abtest_margin_options o = PATRON_ABTEST_MARGIN_OPTIONS_INIT;
    o.margin = 0.002;
    RUN("margin_proportions, absolute", 200000, patron_abtest_margin_proportions(&r, 597, 18262, 489, 13027, &o));
    o.relative = 1;
    o.margin = 0.1;
    RUN("margin_proportions, relative (Fieller bound by bisection)", 20000,
        patron_abtest_margin_proportions(&r, 597, 18262, 489, 13027, &o));
    patron_abtest_summary sa = {1000, 10.0, 4.0}, sb = {1100, 9.8, 4.4};
    o.relative = 0;
    o.margin = 0.5;
    RUN("margin_means, Welch, absolute", 20000, patron_abtest_margin_means(&r, &sa, &sb, &o));
    o.relative = 1;
    o.margin = 0.05;
    RUN("margin_means, Welch, relative (Fieller bound by bisection)", 500, patron_abtest_margin_means(&r, &sa, &sb, &o));

    patron_abtest_plan_result p = PATRON_ABTEST_INIT(patron_abtest_plan_result);
    RUN("power_reduced (normal + noncentral t sizes)", 300, patron_abtest_power_reduced(&p, 0.5, 10, 0.36, NULL));
    RUN("power_ratio (delta method + sizes)", 300, patron_abtest_power_ratio(&p, 52, 1.3, 4900, 0.8, 40, 0.02, NULL));
    return 0;
}
