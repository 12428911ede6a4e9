/* A/B test of a follow-up message: assign customers, check the split, then
 * compare second-purchase rates, baskets and time to the second purchase. */
#include <patron.h>
#include <stdio.h>

int main(void)
{
    /* 1. Assignment: 10% holdout (arm 0), 90% get the message (arm 1). */
    const double weights[2] = {10, 90};
    int variant;
    int rc = patron_abtest_assign(&variant, "followup-7d", "C000123", weights, 2, NULL);
    if (rc != PATRON_OK)
        return 1;
    printf("C000123 -> arm %d\n", variant);

    /* 2. Sample-ratio check before looking at any metric. */
    const int64_t arm_sizes[2] = {1893, 17005};
    patron_abtest_srm_result srm = PATRON_ABTEST_INIT(patron_abtest_srm_result);
    if (patron_abtest_srm(&srm, arm_sizes, weights, 2, 0.001) != PATRON_OK)
        return 1;
    printf("SRM p = %.3g: %s\n", srm.p, srm.mismatch ? "mismatch, stop" : "split ok");

    /* 3. Second-purchase rate within 14 days. */
    patron_abtest_prop_result prop = PATRON_ABTEST_INIT(patron_abtest_prop_result);
    if (patron_abtest_proportions(&prop, 150, 1893, 1512, 17005, 0.05) != PATRON_OK)
        return 1;
    printf("rates %.4f -> %.4f, lift %+.1f%% [%+.1f%%, %+.1f%%], p = %.3g (%s)\n", prop.p_a, prop.p_b,
           100 * prop.rel_lift, 100 * prop.rel_lift_ci[0], 100 * prop.rel_lift_ci[1], prop.unpooled.p_two_sided,
           prop.unpooled.significant ? "significant" : "not significant");

    /* 4. Average basket of the second purchase (Welch's t-test). */
    patron_abtest_summary a = {150, 41.20, 30.5}, b = {1512, 44.05, 33.1};
    patron_abtest_means_result m = PATRON_ABTEST_INIT(patron_abtest_means_result);
    if (patron_abtest_means(&m, &a, &b, 0.05) != PATRON_OK)
        return 1;
    printf("basket diff %.2f [%.2f, %.2f], p = %.3g\n", m.diff, m.welch.ci_low, m.welch.ci_high,
           m.welch.p_two_sided);

    /* 5. Days to the second purchase; event 0 = not bought yet (censored). */
    const double days[8] = {3, 9, 14, 14, 2, 5, 6, 14};
    const int bought[8] = {1, 1, 0, 0, 1, 1, 1, 0};
    const int arm[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    patron_abtest_logrank_result lr = PATRON_ABTEST_INIT(patron_abtest_logrank_result);
    if (patron_abtest_logrank(&lr, days, bought, arm, 8, 0.05) != PATRON_OK)
        return 1;
    printf("log-rank chi2 = %.3f, p = %.3g, median days A %.1f, B %.1f\n", lr.chisq, lr.p, lr.median[0],
           lr.median[1]);

    /* 6. Three messages against the holdout at once: Dunnett's test keeps
     *    the chance of any false winner at 5% (arm 0 is the control). */
    const int64_t conv[4] = {150, 171, 196, 160}, cust[4] = {1893, 1890, 1901, 1887};
    patron_abtest_many_result many = PATRON_ABTEST_INIT(patron_abtest_many_result);
    if (patron_abtest_many_proportions(&many, conv, cust, 4, NULL) != PATRON_OK)
        return 1;
    for (int i = 0; i < 3; i++)
        printf("message %d: %+.2f points [%+.2f, %+.2f], p = %.3g, adjusted %.3g%s\n", i + 1,
               100 * many.effect[i], 100 * many.ci_low[i], 100 * many.ci_high[i], many.p_raw[i],
               many.p_adjusted[i], many.significant[i] ? " (significant)" : "");

    /* 7. Errors are a status plus a precise message. */
    rc = patron_abtest_proportions(&prop, 20, 10, 1, 10, 0.05);
    printf("bad input: %s (%s)\n", patron_strerror(rc), patron_errmsg());
    return rc == PATRON_EINVAL ? 0 : 1;
}
