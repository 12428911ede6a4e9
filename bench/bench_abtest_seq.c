/* abtest benchmarks of the Bayesian relative effect, one-sided confidence
 * sequences and group-sequential futility bounds (issue 14). Calls per
 * second, process CPU and wall time. */
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
    patron_abtest_bayes_relative_result br = PATRON_ABTEST_INIT(patron_abtest_bayes_relative_result);
    patron_abtest_summary a = {5000, 10.0, 4.0}, b = {5000, 10.3, 4.5};
    RUN("bayes_relative_proportions, prior N(0, 0.3^2)", 1000000,
        patron_abtest_bayes_relative_proportions(&br, 597, 18262, 489, 13027, 0.05, 0, 0.09));
    RUN("bayes_relative (means), flat prior", 1000000, patron_abtest_bayes_relative(&br, &a, &b, 0.05, 0, 0));
    patron_abtest_cs_one_sided_result cs = PATRON_ABTEST_INIT(patron_abtest_cs_one_sided_result);
    RUN("confidence_sequence_one_sided", 1000000,
        patron_abtest_confidence_sequence_one_sided(&cs, 0.021, 0.008, 20000, 0.05, 5000, 0, 1));
    patron_abtest_cs_result cs2 = PATRON_ABTEST_INIT(patron_abtest_cs_result);
    RUN("confidence_sequence (two-sided, for comparison)", 1000000,
        patron_abtest_confidence_sequence(&cs2, 0.021, 0.008, 20000, 0.05, 5000, 0));
    patron_abtest_gs_futility_result gs = PATRON_ABTEST_INIT(patron_abtest_gs_futility_result);
    const double t3[3] = {1.0 / 3, 2.0 / 3, 1.0}, t5[5] = {0.2, 0.4, 0.6, 0.8, 1.0};
    double ca[10], zb[10];
    double t10[10];
    for (int i = 0; i < 10; i++)
        t10[i] = (i + 1) / 10.0;
    RUN("group_sequential (efficacy only), 3 looks", 20,
        patron_abtest_group_sequential(ca, zb, NULL, t3, 3, 0.025, PATRON_ABTEST_SPEND_OBF));
    RUN("group_sequential_futility, 3 looks, OBF/OBF", 20,
        patron_abtest_group_sequential_futility(&gs, t3, 3, 0.025, 0.1, PATRON_ABTEST_SPEND_OBF,
                                                PATRON_ABTEST_SPEND_OBF));
    RUN("group_sequential_futility, 5 looks, OBF/Pocock", 10,
        patron_abtest_group_sequential_futility(&gs, t5, 5, 0.025, 0.1, PATRON_ABTEST_SPEND_OBF,
                                                PATRON_ABTEST_SPEND_POCOCK));
    RUN("group_sequential_futility, 10 looks, OBF/OBF", 5,
        patron_abtest_group_sequential_futility(&gs, t10, 10, 0.025, 0.1, PATRON_ABTEST_SPEND_OBF,
                                                PATRON_ABTEST_SPEND_OBF));
    return 0;
}
