/* Large fits (at least 4 chunks of rows) try their starts on an evenly
 * spaced sample of the rows and refine the sample's optimum on all rows.
 * The result must be the optimum the full search finds (n_starts = 4 runs
 * every start on all rows), bit-identical for every thread count and row
 * order. In the `slow` suite: a few hundred thousand customers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"

enum { N = 280000 }; /* 17.1 chunks of 16,384 rows: above the sampling threshold (4) */
static double *x, *tx, *T, *rx, *rtx, *rT;

static int setup(void **state)
{
    (void)state;
    patron_sim_options o = PATRON_SIM_OPTIONS_INIT;
    o.model = PATRON_SIM_BGNBD;
    o.r = 0.243, o.alpha = 4.414, o.a = 0.793, o.b = 2.426;
    o.customers = N, o.periods = 52, o.period_seconds = 604800, o.seed = 1717;
    o.cohort_periods = 12;
    o.customer_summary = 1;
    patron_sim *sim = NULL;
    if (patron_sim_run(&sim, &o) != PATRON_OK)
        return -1;
    x = malloc(N * sizeof *x), tx = malloc(N * sizeof *tx), T = malloc(N * sizeof *T);
    rx = malloc(N * sizeof *rx), rtx = malloc(N * sizeof *rtx), rT = malloc(N * sizeof *rT);
    if (!x || !tx || !T || !rx || !rtx || !rT)
        return -1;
    memcpy(x, patron_sim_x(sim), N * sizeof *x);
    memcpy(tx, patron_sim_t_x(sim), N * sizeof *tx);
    memcpy(T, patron_sim_T(sim), N * sizeof *T);
    patron_sim_free(sim);
    for (size_t i = 0; i < N; i++) { /* a fixed shuffle: i -> 7919 i mod N */
        size_t j = i * 7919u % N;
        rx[i] = x[j], rtx[i] = tx[j], rT[i] = T[j];
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(x), free(tx), free(T), free(rx), free(rtx), free(rT);
    return 0;
}

static void fit(patron_clv_fit_result *r, patron_clv_model model, const patron_clv_data *d,
                int threads, int n_starts)
{
    patron_clv_fit_options o = PATRON_CLV_FIT_OPTIONS_INIT;
    o.threads = threads;
    o.n_starts = n_starts;
    *r = (patron_clv_fit_result)PATRON_CLV_FIT_RESULT_INIT;
    assert_int_equal(patron_clv_fit(r, model, d, &o), PATRON_OK);
}

static void assert_close(double got, double want, double rel, const char *what)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("%s = %.12g, full search %.12g (rel %g)", what, got, want, rel);
}

static void check_model(patron_clv_model model)
{
    patron_clv_data d = {N, x, tx, T, NULL, NULL}, dr = {N, rx, rtx, rT, NULL, NULL};
    patron_clv_fit_result warm, full, other;
    fit(&warm, model, &d, 1, 0);
    assert_true(warm.n_distinct > 4 * 16384);
    fit(&full, model, &d, 0, 4);
    assert_close(warm.log_likelihood, full.log_likelihood, 1e-12, "log-likelihood");
    for (int i = 0; i < warm.n_params; i++) {
        assert_close(warm.params.p[i], full.params.p[i], 1e-6, patron_clv_param_name(model, i));
        assert_close(warm.se[i], full.se[i], 1e-4, "standard error");
    }
    /* as converged as the full search (both may stop at the rounding noise
     * of a sum over N rows rather than at gtol) */
    if (!(warm.grad_norm <= 1e-9 || warm.grad_norm <= 10 * full.grad_norm))
        fail_msg("gradient norm %.3g, full search %.3g", warm.grad_norm, full.grad_norm);
    /* bit-identical for other thread counts and another row order */
    const int counts[] = {2, 0};
    for (size_t c = 0; c < 2; c++) {
        fit(&other, model, c ? &dr : &d, counts[c], 0);
        assert_memory_equal(warm.params.p, other.params.p, sizeof warm.params.p);
        assert_memory_equal(warm.se, other.se, sizeof warm.se);
        assert_memory_equal(&warm.log_likelihood, &other.log_likelihood, sizeof(double));
    }
}

static void test_bgnbd(void **state)
{
    (void)state;
    check_model(PATRON_CLV_BGNBD);
}

static void test_pnbd(void **state)
{
    (void)state;
    check_model(PATRON_CLV_PNBD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bgnbd),
        cmocka_unit_test(test_pnbd),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
