/* Deciding with libpatron's abtest module: which of several arms is best
 * (Bayesian), whether a cheaper variant is not worse (non-inferiority), and
 * how many customers a test needs after CUPED or for a ratio metric. */
#include <stdio.h>

#include "patron.h"

int main(void)
{
    /* 1. Three follow-up messages: the chance each converts best, and what
     *    choosing each costs in expectation (conversion-rate points). */
    const int64_t conv[3] = {597, 489, 530}, cust[3] = {18262, 13027, 15000};
    patron_abtest_best_result best = PATRON_ABTEST_INIT(patron_abtest_best_result);
    if (patron_abtest_best_proportions(&best, conv, cust, 3, 1, 1) != PATRON_OK)
        return 1;
    for (int i = 0; i < 3; i++)
        printf("message %d: P(best) %.4f, expected loss %.5f\n", i, best.prob_best[i], best.expected_loss[i]);

    /* 2. A cheaper message may lose at most 10% of the conversion rate
     *    (relative non-inferiority margin, one-sided 2.5%). */
    patron_abtest_margin_options mo = PATRON_ABTEST_MARGIN_OPTIONS_INIT;
    mo.margin = 0.10;
    mo.relative = 1;
    mo.alpha = 0.025;
    patron_abtest_margin_result ni = PATRON_ABTEST_INIT(patron_abtest_margin_result);
    if (patron_abtest_margin_proportions(&ni, 597, 18262, 489, 13027, &mo) != PATRON_OK)
        return 1;
    printf("lift %+.1f%%, lower bound %+.1f%% vs margin %+.0f%%: p = %.3g, %s\n", 100 * ni.effect, 100 * ni.bound,
           100 * ni.threshold, ni.p, ni.reject ? "non-inferior" : "not shown non-inferior");

    /* 3. Basket size: detect 0.5 with sd 10 when CUPED removes 36% of the
     *    variance (pre-period correlation 0.6). */
    patron_abtest_plan_result plan = PATRON_ABTEST_INIT(patron_abtest_plan_result);
    if (patron_abtest_power_reduced(&plan, 0.5, 10, 0.36, NULL) != PATRON_OK)
        return 1;
    printf("per arm: %lld with CUPED, %lld without\n", (long long)plan.n1_t_ceil,
           (long long)plan.n1_z_unadjusted_ceil);

    /* 4. Revenue per order (a ratio metric): a 2% lift, from per-customer
     *    means, variances and covariance of revenue and orders. */
    if (patron_abtest_power_ratio(&plan, 52.0, 1.3, 4900, 0.8, 40, 0.02, NULL) != PATRON_OK)
        return 1;
    printf("revenue per order: sd %.2f per customer, %lld customers per arm\n", plan.unit_sd,
           (long long)plan.n1_t_ceil);
    return 0;
}
