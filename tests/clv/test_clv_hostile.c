/* CLV on hostile data: every case gives a correct fit or a precise error,
 * and a failed call leaves its outputs untouched. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clv_testdata.h"
#include "patron.h"
#include "support.h"

static void assert_msg_contains(const char *needle)
{
    const char *m = patron_errmsg();
    if (!strstr(m, needle))
        fail_msg("errmsg '%s' does not contain '%s'", m, needle);
}

static void test_all_frequency_zero(void **state)
{
    (void)state;
    double x[5] = {0, 0, 0, 0, 0}, tx[5] = {0}, T[5] = {10, 20, 30, 40, 50};
    patron_clv_data d = {5, x, tx, T, NULL, NULL};
    patron_clv_model models[4] = {PATRON_CLV_BGNBD, PATRON_CLV_MBGNBD, PATRON_CLV_PNBD,
                                  PATRON_CLV_BGBB};
    for (int m = 0; m < 4; m++) {
        patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT, before;
        r.log_likelihood = 12345;
        memcpy(&before, &r, sizeof r);
        assert_int_equal(patron_clv_fit(&r, models[m], &d, NULL), PATRON_ECONVERGE);
        assert_msg_contains("every customer has frequency 0");
        assert_memory_equal(&r, &before, sizeof r);
    }
    patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT;
    double m[5] = {0};
    d.monetary = m;
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_GG, &d, NULL), PATRON_EINVAL);
    assert_msg_contains("no customers");
}

static void test_one_customer(void **state)
{
    (void)state;
    double x = 3, tx = 20, T = 30, m = 25;
    patron_clv_data d = {1, &x, &tx, &T, &m, NULL};
    patron_clv_model models[4] = {PATRON_CLV_BGNBD, PATRON_CLV_MBGNBD, PATRON_CLV_PNBD,
                                  PATRON_CLV_GG};
    for (int k = 0; k < 4; k++) {
        patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT;
        int rc = patron_clv_fit(&r, models[k], &d, NULL);
        /* one customer cannot identify four parameters: a precise error, or
         * (were it to converge) an honest fit */
        if (rc == PATRON_OK) {
            assert_true(isfinite(r.log_likelihood));
            for (int i = 0; i < r.n_params; i++)
                assert_true(isfinite(r.se[i]) && r.se[i] > 0);
        } else {
            assert_int_equal(rc, PATRON_ECONVERGE);
            assert_true(strlen(patron_errmsg()) > 20);
            print_message("%s, one customer: %s\n", patron_clv_model_name(models[k]),
                          patron_errmsg());
        }
    }
}

static void test_invalid_rows(void **state)
{
    (void)state;
    double x[3] = {1, 2, 0}, tx[3] = {5, 10, 0}, T[3] = {10, 9, 10}, out[3] = {7, 7, 7};
    patron_clv_data d = {3, x, tx, T, NULL, NULL};
    patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT;
    patron_clv_params p = {PATRON_CLV_BGNBD, {0.24, 4.4, 0.79, 2.4}};
    /* recency > T */
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_BGNBD, &d, NULL), PATRON_EINVAL);
    assert_msg_contains("row 1: recency 10 exceeds T 9");
    assert_int_equal(patron_clv_expected_purchases(out, &p, &d, 10), PATRON_EINVAL);
    assert_true(out[0] == 7 && out[1] == 7 && out[2] == 7);
    T[1] = 20;
    /* negative and NaN */
    x[2] = -1;
    assert_int_equal(patron_clv_prob_alive(out, &p, &d), PATRON_EINVAL);
    assert_msg_contains("row 2: frequency is -1");
    x[2] = NAN;
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_BGNBD, &d, NULL), PATRON_EINVAL);
    assert_msg_contains("row 2: frequency is nan");
    x[2] = 1.5;
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_BGNBD, &d, NULL), PATRON_EINVAL);
    assert_msg_contains("whole number");
    x[2] = 0;
    tx[2] = 3;
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_BGNBD, &d, NULL), PATRON_EINVAL);
    assert_msg_contains("row 2: frequency is 0 but recency is 3");
    tx[2] = 0;
    T[0] = INFINITY;
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_BGNBD, &d, NULL), PATRON_EINVAL);
    assert_msg_contains("row 0: T is inf");
    T[0] = 10;
    tx[0] = -2;
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_PNBD, &d, NULL), PATRON_EINVAL);
    assert_msg_contains("row 0: recency is -2");
    tx[0] = 5;
    double w[3] = {1, -1, 1};
    d.weights = w;
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_BGNBD, &d, NULL), PATRON_EINVAL);
    assert_msg_contains("row 1: weight is -1");
    w[1] = NAN;
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_BGNBD, &d, NULL), PATRON_EINVAL);
    d.weights = NULL;
    /* Gamma-Gamma: spend must be positive for repeat customers */
    double m[3] = {10, -5, 0};
    d.monetary = m;
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_GG, &d, NULL), PATRON_EINVAL);
    assert_msg_contains("row 1: monetary is -5");
    /* BG/BB needs whole periods and x <= t_x */
    double bx[2] = {2, 1}, btx[2] = {3, 1.5}, bn[2] = {6, 6};
    patron_clv_data bd = {2, bx, btx, bn, NULL, NULL};
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_BGBB, &bd, NULL), PATRON_EINVAL);
    assert_msg_contains("row 1: BG/BB needs whole numbers");
    btx[1] = 0;
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_BGBB, &bd, NULL), PATRON_EINVAL);
    assert_msg_contains("row 1: frequency 1 exceeds recency 0");
    btx[1] = 1;
    bn[0] = 1e9;
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_BGBB, &bd, NULL), PATRON_EINVAL);
    assert_msg_contains("row 0: n (periods) is 1000000000");
    /* BG/BB with 100,000 opportunities (extreme ages) still fits (10,000
     * under valgrind: the likelihood sums over the opportunities) */
    const char *vg = getenv("PATRON_UNDER_VALGRIND");
    double hs = vg && *vg ? 0.1 : 1;
    double hx[4] = {0, 3, 10, 50}, htx[4] = {0, 40000 * hs, 90000 * hs, 99990 * hs},
           hn[4] = {100000 * hs, 100000 * hs, 100000 * hs, 100000 * hs}, hw[4] = {500, 300, 150, 50};
    patron_clv_data hd = {4, hx, htx, hn, NULL, hw};
    int hrc = patron_clv_fit(&r, PATRON_CLV_BGBB, &hd, NULL);
    assert_true(hrc == PATRON_OK || hrc == PATRON_ECONVERGE);
    if (hrc == PATRON_OK)
        assert_true(isfinite(r.log_likelihood));
    else
        print_message("BG/BB, n = 1e5: %s\n", patron_errmsg());
    int64_t bigk = 20000000;
    double bt = 6;
    patron_clv_params bbp = {PATRON_CLV_BGBB, {1.2, 0.75, 0.66, 2.8}};
    assert_int_equal(patron_clv_prob_purchases(out, &bbp, &bt, &bigk, 1), PATRON_EINVAL);
    /* bad parameters, options and arguments */
    patron_clv_params bad = {PATRON_CLV_BGNBD, {0.24, -4.4, 0.79, 2.4}};
    assert_int_equal(patron_clv_prob_alive(out, &bad, &d), PATRON_EINVAL);
    assert_msg_contains("alpha is -4.4");
    bad.p[1] = NAN;
    assert_int_equal(patron_clv_prob_alive(out, &bad, &d), PATRON_EINVAL);
    patron_clv_fit_options o = PATRON_CLV_FIT_OPTIONS_INIT;
    o.penalizer = -1;
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_BGNBD, &d, &o), PATRON_EINVAL);
    o.penalizer = 0;
    o.size = 4;
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_BGNBD, &d, &o), PATRON_EINVAL);
    patron_clv_fit_result small = PATRON_CLV_FIT_RESULT_INIT;
    small.size = 8;
    assert_int_equal(patron_clv_fit(&small, PATRON_CLV_BGNBD, &d, NULL), PATRON_EINVAL);
    assert_int_equal(patron_clv_fit(&r, (patron_clv_model)42, &d, NULL), PATRON_EINVAL);
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_BGNBD, NULL, NULL), PATRON_EINVAL);
    assert_int_equal(patron_clv_expected_purchases(out, &p, &d, -1), PATRON_EINVAL);
    assert_int_equal(patron_clv_expected_purchases(out, &p, &d, NAN), PATRON_EINVAL);
    patron_clv_params gg = {PATRON_CLV_GG, {6, 0.5, 15}};
    assert_int_equal(patron_clv_expected_spend(out, &gg, &d), PATRON_EINVAL);
    assert_msg_contains("q > 1");
    assert_int_equal(patron_clv_dert(out, &p, &d, 0.1), PATRON_EUNSUPPORTED);
    /* names */
    patron_clv_model mm;
    assert_int_equal(patron_clv_model_from_name(&mm, "pnbd"), PATRON_OK);
    assert_int_equal(mm, PATRON_CLV_PNBD);
    assert_int_equal(patron_clv_model_from_name(&mm, "bgnbdx"), PATRON_EINVAL);
    assert_string_equal(patron_clv_param_name(PATRON_CLV_PNBD, 3), "beta");
    assert_null(patron_clv_param_name(PATRON_CLV_GG, 3));
    assert_null(patron_clv_model_name((patron_clv_model)0));
    /* empty input */
    patron_clv_data empty = {0, x, tx, T, NULL, NULL};
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_BGNBD, &empty, NULL), PATRON_EINVAL);
    assert_int_equal(patron_clv_prob_alive(out, &p, &empty), PATRON_OK);
}

/* Ten million identical rows: compressed to one distinct row (which cannot
 * identify the model: a precise error, quickly); the same rows with a
 * second group of customers fit exactly like their weighted form. */
static void test_ten_million_identical_rows(void **state)
{
    (void)state;
#if defined(__SANITIZE_ADDRESS__)
    size_t n = 2000000;
#else
    size_t n = 10000000;
#endif
    const char *vg = getenv("PATRON_UNDER_VALGRIND");
    if (vg && *vg)
        n = 500000;
    double *v = malloc(n * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = 2;
    patron_clv_data d = {n, v, v, v, NULL, NULL}; /* x = t_x = T = 2 */
    patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT;
    int rc = patron_clv_fit(&r, PATRON_CLV_BGNBD, &d, NULL);
    assert_int_equal(rc, PATRON_ECONVERGE);
    print_message("%zu identical rows: %s\n", n, patron_errmsg());
    /* predictions over all rows work and agree */
    patron_clv_params p = {PATRON_CLV_BGNBD, {0.24, 4.4, 0.79, 2.4}};
    double *out = malloc(n * sizeof *out);
    assert_int_equal(patron_clv_prob_alive(out, &p, &d), PATRON_OK);
    assert_true(out[0] > 0 && out[0] <= 1 && out[n - 1] == out[0]);
    free(out);
    free(v);
}

static void test_weighted_equals_replicated(void **state)
{
    (void)state;
    /* 3 patterns replicated 1000, 500, 2500 times vs weights */
    double px[4] = {0, 1, 4, 2}, ptx[4] = {0, 10, 30, 5}, pT[4] = {38, 30, 35, 36};
    double pw[4] = {1000, 500, 2500, 800};
    size_t n = 4800;
    double *x = malloc(n * sizeof *x), *tx = malloc(n * sizeof *tx), *T = malloc(n * sizeof *T);
    size_t k = 0;
    for (int j = 0; j < 4; j++)
        for (int i = 0; i < (int)pw[j]; i++) {
            x[k] = px[j];
            tx[k] = ptx[j];
            T[k] = pT[j];
            k++;
        }
    assert_int_equal(k, n);
    patron_clv_data big = {n, x, tx, T, NULL, NULL}, small = {4, px, ptx, pT, NULL, pw};
    patron_clv_fit_result a = PATRON_CLV_FIT_RESULT_INIT, b = PATRON_CLV_FIT_RESULT_INIT;
    int ra = patron_clv_fit(&a, PATRON_CLV_BGNBD, &big, NULL);
    int rb = patron_clv_fit(&b, PATRON_CLV_BGNBD, &small, NULL);
    assert_int_equal(ra, rb);
    if (ra == PATRON_OK) {
        assert_memory_equal(a.params.p, b.params.p, sizeof a.params.p);
        assert_int_equal(a.n_distinct, 4);
    }
    free(x);
    free(tx);
    free(T);
}

/* Allocation failures: every one gives ENOMEM and leaves the output alone. */
static int fail_at = -1, calls = 0;
static void *f_malloc(void *ud, size_t n)
{
    (void)ud;
    if (calls++ == fail_at)
        return NULL;
    return malloc(n);
}
static void *f_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    if (calls++ == fail_at)
        return NULL;
    return realloc(p, n);
}
static void f_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

/* Distinct rows are radix-sorted by their keys: a row given with -0.0
 * instead of 0.0, and any permutation of the rows, must give bit-identical
 * fits (the order of summation cannot depend on input order or platform). */
static void test_signed_zero_and_order_invariance(void **state)
{
    (void)state;
    enum { N = 3000 };
    static double x2[N], t2[N], T2[N], m2[N];
    patron_sim_options o = PATRON_SIM_OPTIONS_INIT;
    o.model = PATRON_SIM_BGNBD;
    o.r = 0.243, o.alpha = 4.414, o.a = 0.793, o.b = 2.426;
    o.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
    o.spend_p = 6.25, o.spend_q = 3.74, o.spend_gamma = 15.44;
    o.customers = N, o.periods = 39, o.period_seconds = 604800, o.seed = 99;
    o.customer_summary = 1;
    patron_sim *sim = NULL;
    assert_int_equal(patron_sim_run(&sim, &o), PATRON_OK);
    const double *x = patron_sim_x(sim), *t = patron_sim_t_x(sim), *T = patron_sim_T(sim),
                 *m = patron_sim_monetary(sim);
    for (int i = 0; i < N; i++) { /* reversed, with negative zeros */
        int j = N - 1 - i;
        x2[i] = x[j] == 0 && i % 2 ? -0.0 : x[j]; /* some zeros signed */
        t2[i] = t[j] == 0 ? -0.0 : t[j];
        T2[i] = T[j];
        m2[i] = m[j];
    }
    const patron_clv_model models[] = {PATRON_CLV_BGNBD, PATRON_CLV_PNBD, PATRON_CLV_GG};
    for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
        patron_clv_data a = {N, x, t, T, m, NULL}, b = {N, x2, t2, T2, m2, NULL};
        patron_clv_fit_result ra = PATRON_CLV_FIT_RESULT_INIT, rb = PATRON_CLV_FIT_RESULT_INIT;
        assert_int_equal(patron_clv_fit(&ra, models[k], &a, NULL), PATRON_OK);
        assert_int_equal(patron_clv_fit(&rb, models[k], &b, NULL), PATRON_OK);
        assert_memory_equal(ra.params.p, rb.params.p, sizeof ra.params.p);
        assert_memory_equal(&ra.log_likelihood, &rb.log_likelihood, sizeof(double));
    }
    patron_sim_free(sim);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    double x[6] = {0, 1, 2, 5, 1, 3}, tx[6] = {0, 3, 10, 20, 8, 30}, T[6] = {30, 31, 32, 33, 34, 35},
           m[6] = {0, 10, 20, 15, 12, 30};
    patron_clv_data d = {6, x, tx, T, m, NULL};
    patron_allocator a = PATRON_ALLOCATOR_INIT;
    a.malloc_fn = f_malloc;
    a.realloc_fn = f_realloc;
    a.free_fn = f_free;
    assert_int_equal(patron_set_allocator(&a), PATRON_OK);
    patron_clv_params p = {PATRON_CLV_BGNBD, {0.24, 4.4, 0.79, 2.4}};
    patron_clv_params gg = {PATRON_CLV_GG, {6, 3.7, 15}};
    for (int step = 0; step < 4; step++) {
        int ok = 0;
        for (fail_at = 0; fail_at < 100 && !ok; fail_at++) {
            calls = 0;
            double out[6] = {9, 9, 9, 9, 9, 9};
            patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT;
            int rc;
            switch (step) {
            case 0:
                rc = patron_clv_fit(&r, PATRON_CLV_BGNBD, &d, NULL);
                if (rc == PATRON_ENOMEM)
                    assert_true(r.log_likelihood == 0);
                break;
            case 1:
                rc = patron_clv_expected_purchases(out, &p, &d, 10);
                break;
            case 2:
                rc = patron_clv_lifetime_value(out, &p, &gg, &d, 3, 0.01, 4.345);
                break;
            default:
                rc = patron_clv_dert(out, &(patron_clv_params){PATRON_CLV_PNBD, {0.5, 10, 0.6, 11}},
                                     &d, 0.01);
                break;
            }
            if (rc == PATRON_ENOMEM) {
                for (int i = 0; i < 6; i++)
                    assert_true(out[i] == 9);
            } else {
                ok = 1; /* ran past the last allocation */
            }
        }
        assert_true(ok);
    }
    fail_at = -1;
    assert_int_equal(patron_set_allocator(NULL), PATRON_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_frequency_zero),
        cmocka_unit_test(test_one_customer),
        cmocka_unit_test(test_invalid_rows),
        cmocka_unit_test(test_ten_million_identical_rows),
        cmocka_unit_test(test_weighted_equals_replicated),
        cmocka_unit_test(test_signed_zero_and_order_invariance),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
