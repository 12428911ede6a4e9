/* Bayesian lift with a prior (GrowthBook's default model), a one-sided
 * confidence sequence checked while the test runs, and a group-sequential
 * plan with efficacy and non-binding futility bounds. */
#include <stdio.h>

#include "patron.h"

int main(void)
{
    /* 1. Relative lift of the conversion rate, prior N(0, 0.3^2) on the lift. */
    patron_abtest_bayes_relative_result br = PATRON_ABTEST_INIT(patron_abtest_bayes_relative_result);
    if (patron_abtest_bayes_relative_proportions(&br, 597, 18262, 489, 13027, 0.05, 0, 0.09) != PATRON_OK)
        return 1;
    printf("lift %+.1f%% (data %+.1f%%), chance to win %.3f, 95%% interval [%+.1f%%, %+.1f%%], "
           "risk of shipping %.3f%%\n",
           100 * br.posterior_mean, 100 * br.lift, br.chance_to_win, 100 * br.credible_interval[0],
           100 * br.credible_interval[1], 100 * br.risk_choose_treatment);

    /* 2. Day 10 of a test that may stop any day: is B's lift above 0?
     *    (estimate and standard error from patron_abtest_proportions()) */
    patron_abtest_cs_one_sided_result cs = PATRON_ABTEST_INIT(patron_abtest_cs_one_sided_result);
    if (patron_abtest_confidence_sequence_one_sided(&cs, 0.021, 0.008, 20000, 0.05, 5000, 0, 1) != PATRON_OK)
        return 1;
    printf("always-valid lower bound %+.4f (fixed-horizon %+.4f), p %.3f: %s\n", cs.bound,
           0.021 - cs.fixed_halfwidth, cs.p_value, cs.significant ? "stop, B is better" : "keep going");

    /* 3. Three looks at a third, two thirds and all customers; one-sided
     *    alpha 2.5%, power 90%, O'Brien-Fleming-type spending on both sides. */
    const double looks[3] = {1.0 / 3, 2.0 / 3, 1.0};
    patron_abtest_gs_futility_result gs = PATRON_ABTEST_INIT(patron_abtest_gs_futility_result);
    if (patron_abtest_group_sequential_futility(&gs, looks, 3, 0.025, 0.1, PATRON_ABTEST_SPEND_OBF,
                                                PATRON_ABTEST_SPEND_OBF) != PATRON_OK)
        return 1;
    for (int i = 0; i < 3; i++)
        printf("look %d: stop for efficacy if z >= %.3f, may stop for futility if z < %.3f\n", i + 1,
               gs.efficacy_z[i], gs.futility_z[i]);
    printf("plan %.3f times the customers of a fixed test\n", gs.inflation);
    return 0;
}
