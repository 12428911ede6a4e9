/* Parameter recovery: simulate customers from known parameters with the
 * simulate module (exact per-customer x, t_x, T and mean spend), refit, and
 * land within 3 standard errors of the truth. One million customers for
 * BG/NBD, MBG/NBD, BG/BB and Gamma-Gamma (fewer for Pareto/NBD, whose
 * 2F1-based likelihood costs more per distinct row; fewer for all under
 * AddressSanitizer and valgrind, where simulation and fitting run 10-50x
 * slower). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"

#if defined(__SANITIZE_ADDRESS__)
#define BASE_SCALE 10
#else
#define BASE_SCALE 1
#endif

/* 10x fewer customers under AddressSanitizer, 50x fewer under valgrind
 * (the test setup sets PATRON_UNDER_VALGRIND). */
static int64_t scale(void)
{
    const char *v = getenv("PATRON_UNDER_VALGRIND");
    return v && *v ? 50 : BASE_SCALE;
}
#define SCALE scale()

static void check_recovery(const patron_clv_fit_result *r, const double *truth, const char *what)
{
    for (int i = 0; i < r->n_params; i++) {
        double z = (r->params.p[i] - truth[i]) / r->se[i];
        print_message("%s %-5s true %9.5f fit %9.5f se %.5f (z = %+.2f)\n", what,
                      patron_clv_param_name(r->params.model, i), truth[i], r->params.p[i],
                      r->se[i], z);
        if (!(fabs(z) <= 3))
            fail_msg("%s: %s = %g is %.2f standard errors from the truth %g", what,
                     patron_clv_param_name(r->params.model, i), r->params.p[i], z, truth[i]);
    }
}

static patron_sim *simulate(int model, const double *p, int64_t customers, double periods,
                            int spend, uint64_t seed)
{
    patron_sim_options o = PATRON_SIM_OPTIONS_INIT;
    o.model = model;
    if (model == PATRON_SIM_BGBB) {
        o.alpha = p[0];
        o.beta = p[1];
        o.gamma = p[2];
        o.delta = p[3];
        o.period_seconds = 86400 * 365;
        o.start = 946684800; /* 2000-01-01 */
    } else {
        o.r = p[0];
        o.alpha = p[1];
        if (model == PATRON_SIM_PNBD) {
            o.s = p[2];
            o.beta = p[3];
        } else {
            o.a = p[2];
            o.b = p[3];
        }
        o.period_seconds = 604800; /* weeks */
    }
    if (spend) {
        o.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
        o.spend_p = 6.25;
        o.spend_q = 3.74;
        o.spend_gamma = 15.44;
    }
    o.customers = customers;
    o.periods = periods;
    o.seed = seed;
    o.customer_summary = 1;
    patron_sim *sim = NULL;
    int rc = patron_sim_run(&sim, &o);
    if (rc)
        fail_msg("simulation: %s", patron_errmsg());
    return sim;
}

static void fit_sim(patron_clv_fit_result *r, patron_clv_model model, const patron_sim *sim)
{
    patron_clv_data d = {patron_sim_n_customers(sim), patron_sim_x(sim), patron_sim_t_x(sim),
                         patron_sim_T(sim), patron_sim_monetary(sim), NULL};
    int rc = patron_clv_fit(r, model, &d, NULL);
    if (rc)
        fail_msg("%s fit: %s", patron_clv_model_name(model), patron_errmsg());
}

static void test_bgnbd_and_gg_recovery(void **state)
{
    (void)state;
    const double truth[4] = {0.243, 4.414, 0.793, 2.426}, gg[3] = {6.25, 3.74, 15.44};
    patron_sim *sim = simulate(PATRON_SIM_BGNBD, truth, 1000000 / SCALE, 52, 1, 20260101);
    patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT;
    fit_sim(&r, PATRON_CLV_BGNBD, sim);
    check_recovery(&r, truth, "BG/NBD");
    fit_sim(&r, PATRON_CLV_GG, sim);
    check_recovery(&r, gg, "Gamma-Gamma");
    patron_sim_free(sim);
}

static void test_mbgnbd_recovery(void **state)
{
    (void)state;
    const double truth[4] = {0.525, 6.183, 0.891, 1.614};
    patron_sim *sim = simulate(PATRON_SIM_MBGNBD, truth, 1000000 / SCALE, 52, 0, 7);
    patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT;
    fit_sim(&r, PATRON_CLV_MBGNBD, sim);
    check_recovery(&r, truth, "MBG/NBD");
    patron_sim_free(sim);
}

static void test_pnbd_recovery(void **state)
{
    (void)state;
    const double truth[4] = {0.553, 10.578, 0.606, 11.669};
    patron_sim *sim = simulate(PATRON_SIM_PNBD, truth, 1000000 / SCALE, 78, 0, 11);
    patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT;
    fit_sim(&r, PATRON_CLV_PNBD, sim);
    check_recovery(&r, truth, "Pareto/NBD");
    patron_sim_free(sim);
}

static void test_bgbb_recovery(void **state)
{
    (void)state;
    const double truth[4] = {1.204, 0.750, 0.657, 2.783};
    patron_sim *sim = simulate(PATRON_SIM_BGBB, truth, 1000000 / SCALE, 6, 0, 3);
    patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT;
    fit_sim(&r, PATRON_CLV_BGBB, sim);
    check_recovery(&r, truth, "BG/BB");
    assert_true(r.n_distinct <= 28); /* 6 opportunities: at most 28 (x, t_x) cells */
    patron_sim_free(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bgnbd_and_gg_recovery),
        cmocka_unit_test(test_mbgnbd_recovery),
        cmocka_unit_test(test_pnbd_recovery),
        cmocka_unit_test(test_bgbb_recovery),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
