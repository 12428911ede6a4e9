/* CLV fits on several threads: the rows are split into fixed chunks whose
 * partial sums are added in a fixed order, so the result must be
 * bit-identical for every thread count; and rows with exact times (nearly
 * all distinct, so they are sorted without a hash table) must still give a
 * result that does not depend on the input order. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"

enum { N = 40000 }; /* three chunks of 16,384 rows */
static double x[N], tx[N], T[N], m[N];
static double rx[N], rtx[N], rT[N], rm[N];

static int setup(void **state)
{
    (void)state;
    patron_sim_options o = PATRON_SIM_OPTIONS_INIT;
    o.model = PATRON_SIM_BGNBD;
    o.r = 0.243, o.alpha = 4.414, o.a = 0.793, o.b = 2.426;
    o.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
    o.spend_p = 6.25, o.spend_q = 3.74, o.spend_gamma = 15.44;
    o.customers = N, o.periods = 52, o.period_seconds = 604800, o.seed = 1313;
    o.cohort_periods = 12;
    o.customer_summary = 1;
    patron_sim *sim = NULL;
    if (patron_sim_run(&sim, &o) != PATRON_OK)
        return -1;
    memcpy(x, patron_sim_x(sim), sizeof x);
    memcpy(tx, patron_sim_t_x(sim), sizeof tx);
    memcpy(T, patron_sim_T(sim), sizeof T);
    memcpy(m, patron_sim_monetary(sim), sizeof m);
    patron_sim_free(sim);
    for (int i = 0; i < N; i++) { /* a fixed shuffle: i -> 7919 i mod N */
        size_t j = (size_t)i * 7919u % N;
        rx[i] = x[j], rtx[i] = tx[j], rT[i] = T[j], rm[i] = m[j];
    }
    return 0;
}

static void fit(patron_clv_fit_result *r, patron_clv_model model, const patron_clv_data *d,
                int threads)
{
    patron_clv_fit_options o = PATRON_CLV_FIT_OPTIONS_INIT;
    o.threads = threads;
    *r = (patron_clv_fit_result)PATRON_CLV_FIT_RESULT_INIT;
    assert_int_equal(patron_clv_fit(r, model, d, &o), PATRON_OK);
}

static void assert_same_fit(const patron_clv_fit_result *a, const patron_clv_fit_result *b)
{
    assert_memory_equal(a->params.p, b->params.p, sizeof a->params.p);
    assert_memory_equal(a->se, b->se, sizeof a->se);
    assert_memory_equal(&a->log_likelihood, &b->log_likelihood, sizeof(double));
    assert_int_equal(a->iterations, b->iterations);
    assert_int_equal(a->n_distinct, b->n_distinct);
}

static void test_thread_count_does_not_change_fits(void **state)
{
    (void)state;
    patron_clv_data d = {N, x, tx, T, m, NULL};
    const patron_clv_model models[] = {PATRON_CLV_BGNBD, PATRON_CLV_MBGNBD, PATRON_CLV_PNBD,
                                       PATRON_CLV_GG};
    for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
        patron_clv_fit_result one, other;
        fit(&one, models[k], &d, 1);
        if (models[k] != PATRON_CLV_GG) /* exact times: nearly all distinct */
            assert_true(one.n_distinct > N / 2);
        const int counts[] = {2, 8, 0};
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            fit(&other, models[k], &d, counts[c]);
            assert_same_fit(&one, &other);
        }
    }
}

static void test_row_order_does_not_change_fits(void **state)
{
    (void)state;
    patron_clv_data a = {N, x, tx, T, m, NULL}, b = {N, rx, rtx, rT, rm, NULL};
    const patron_clv_model models[] = {PATRON_CLV_BGNBD, PATRON_CLV_PNBD, PATRON_CLV_GG};
    for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
        patron_clv_fit_result ra, rb;
        fit(&ra, models[k], &a, 2);
        fit(&rb, models[k], &b, 1);
        assert_same_fit(&ra, &rb);
    }
}

static void test_thread_count_does_not_change_predictions(void **state)
{
    (void)state;
    static double e1[N], a1[N], c1[N], e2[N], a2[N], c2[N];
    patron_clv_data d = {N, x, tx, T, m, NULL};
    patron_clv_params gg = {PATRON_CLV_GG, {6.25, 3.74, 15.44, 0}};
    const patron_clv_params ps[] = {{PATRON_CLV_BGNBD, {0.243, 4.414, 0.793, 2.426}},
                                    {PATRON_CLV_PNBD, {0.55, 10.5, 0.61, 11.7}}};
    for (size_t k = 0; k < 2; k++) {
        assert_int_equal(patron_clv_predict(e1, a1, &ps[k], &d, 4.345), PATRON_OK);
        assert_int_equal(patron_clv_lifetime_value(c1, &ps[k], &gg, &d, 12, 0.01, 4.345),
                         PATRON_OK);
        const int counts[] = {2, 0};
        for (size_t c = 0; c < 2; c++) {
            patron_clv_predict_options o = PATRON_CLV_PREDICT_OPTIONS_INIT;
            o.threads = counts[c];
            assert_int_equal(patron_clv_predict_with(e2, a2, &ps[k], &d, 4.345, &o), PATRON_OK);
            assert_int_equal(
                patron_clv_lifetime_value_with(c2, &ps[k], &gg, &d, 12, 0.01, 4.345, &o),
                PATRON_OK);
            assert_memory_equal(e1, e2, sizeof e1);
            assert_memory_equal(a1, a2, sizeof a1);
            assert_memory_equal(c1, c2, sizeof c1);
        }
    }
    patron_clv_predict_options o = PATRON_CLV_PREDICT_OPTIONS_INIT;
    assert_int_equal(o.threads, 1);
    o.threads = -2;
    e2[0] = 42;
    assert_int_equal(patron_clv_predict_with(e2, a2, &ps[0], &d, 4.345, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "threads is -2"));
    assert_true(e2[0] == 42);
}

static int cmp_row(const void *pa, const void *pb)
{
    const double *a = pa, *b = pb;
    for (int i = 0; i < 3; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* The order is built by buckets (lib/clv/clv_order.c): frequent x split
 * by hash bits, frequencies >= 4096 sharing one bucket sorted by the whole
 * key. With heavy buyers (x >= 4096, every one given twice) and weights,
 * the log-likelihood, gradient and Hessian at given parameters, and a
 * Gamma-Gamma fit, must not depend on the row order or the thread count;
 * identical rows must merge (the distinct rows counted here) and the
 * weights add up. */
static void test_heavy_buyers_and_duplicates_keep_the_order(void **state)
{
    (void)state;
    enum { H = 600, M = N + H };
    static double hx[M], htx[M], hT[M], hm[M], hw[M], bx[M], btx[M], bT[M], bm[M], bw[M];
    static double rows[M][3];
    double W = 0;
    for (int i = 0; i < M; i++) {
        if (i < N) {
            hx[i] = x[i], htx[i] = tx[i], hT[i] = T[i], hm[i] = m[i];
        } else { /* 300 heavy buyers, each given twice */
            int k = (i - N) % (H / 2);
            hx[i] = 4096 + (k % 50) * 37;
            hT[i] = T[k] > 1 ? T[k] : 1;
            htx[i] = hT[i] * (0.5 + 0.5 * (k % 7) / 7.0);
            hm[i] = 10 + k % 13;
        }
        hw[i] = 1 + i % 3;
        if (hx[i] > 0)
            W += hw[i];
        rows[i][0] = hx[i], rows[i][1] = hx[i] > 0 ? hm[i] : -1, rows[i][2] = 0;
    }
    for (int i = 0; i < M; i++) { /* reversed */
        int j = M - 1 - i;
        bx[i] = hx[j], btx[i] = htx[j], bT[i] = hT[j], bm[i] = hm[j], bw[i] = hw[j];
    }
    qsort(rows, M, sizeof rows[0], cmp_row);
    int64_t distinct = 0; /* Gamma-Gamma's rows: (x, m) of the repeat buyers */
    for (int i = 0; i < M; i++)
        distinct += rows[i][0] > 0 && (i == 0 || cmp_row(rows[i], rows[i - 1]) != 0);
    patron_clv_data a = {M, hx, htx, hT, hm, hw}, b = {M, bx, btx, bT, bm, bw};
    patron_clv_fit_result ra, rb;
    fit(&ra, PATRON_CLV_GG, &a, 1);
    fit(&rb, PATRON_CLV_GG, &b, 2);
    assert_same_fit(&ra, &rb);
    assert_int_equal(ra.n_distinct, distinct);
    assert_true(ra.n_customers == W);
    const patron_clv_params ps[] = {{PATRON_CLV_BGNBD, {0.243, 4.414, 0.793, 2.426}},
                                    {PATRON_CLV_PNBD, {0.55, 10.5, 0.61, 11.7}}};
    for (int k = 0; k < 2; k++) {
        patron_clv_chunks *set = NULL;
        assert_int_equal(patron_clv_chunks_new(&set, ps[k].model), PATRON_OK);
        assert_int_equal(patron_clv_chunks_add(set, &a, 1), PATRON_OK);
        assert_int_equal(patron_clv_chunks_add(set, &b, 2), PATRON_OK);
        patron_clv_chunk_value va = PATRON_CLV_CHUNK_VALUE_INIT, vb = PATRON_CLV_CHUNK_VALUE_INIT;
        int hess = ps[k].model == PATRON_CLV_BGNBD;
        assert_int_equal(patron_clv_chunk_eval(&va, set, 0, &ps[k], hess), PATRON_OK);
        assert_int_equal(patron_clv_chunk_eval(&vb, set, 1, &ps[k], hess), PATRON_OK);
        assert_memory_equal(&va.log_likelihood, &vb.log_likelihood, sizeof(double));
        assert_memory_equal(va.grad, vb.grad, sizeof va.grad);
        assert_memory_equal(va.hess, vb.hess, sizeof va.hess);
        patron_clv_chunks_free(set);
    }
}

/* Predictions that cannot fail write the caller's arrays directly; an
 * output array that is also an input column must still get the values of
 * separate arrays (the batch then goes through its buffer), and rows with
 * whole weeks (many identical rows, not merged for BG/NBD) the values of
 * the same rows one by one. */
static void test_predictions_in_place_and_repeated_rows(void **state)
{
    (void)state;
    static double e1[N], a1[N], tcopy[N], e2[N];
    patron_clv_data d = {N, x, tx, T, m, NULL};
    const patron_clv_params bg = {PATRON_CLV_BGNBD, {0.243, 4.414, 0.793, 2.426}};
    patron_clv_predict_options o = PATRON_CLV_PREDICT_OPTIONS_INIT;
    o.threads = 2;
    assert_int_equal(patron_clv_predict_with(e1, a1, &bg, &d, 4.345, &o), PATRON_OK);
    memcpy(tcopy, T, sizeof tcopy);
    patron_clv_data dc = {N, x, tx, tcopy, m, NULL};
    /* P(alive) written over the T column it reads */
    assert_int_equal(patron_clv_predict_with(e2, tcopy, &bg, &dc, 4.345, &o), PATRON_OK);
    assert_memory_equal(e1, e2, sizeof e1);
    assert_memory_equal(a1, tcopy, sizeof a1);
    /* whole weeks: the same value for a row alone and in the batch */
    static double wx[N], wtx[N], wT[N];
    for (int i = 0; i < N; i++)
        wx[i] = x[i], wtx[i] = floor(tx[i]), wT[i] = floor(T[i]) > wtx[i] ? floor(T[i]) : wtx[i];
    patron_clv_data dw = {N, wx, wtx, wT, NULL, NULL};
    assert_int_equal(patron_clv_predict_with(e2, a1, &bg, &dw, 4.345, &o), PATRON_OK);
    for (int i = 0; i < N; i += 997) {
        double e, a;
        patron_clv_data one = {1, &wx[i], &wtx[i], &wT[i], NULL, NULL};
        assert_int_equal(patron_clv_predict(&e, &a, &bg, &one, 4.345), PATRON_OK);
        assert_memory_equal(&e, &e2[i], sizeof e);
        assert_memory_equal(&a, &a1[i], sizeof a);
    }
}

static void test_threads_option_checked(void **state)
{
    (void)state;
    patron_clv_data d = {N, x, tx, T, m, NULL};
    patron_clv_fit_options o = PATRON_CLV_FIT_OPTIONS_INIT;
    assert_int_equal(o.threads, 1); /* the C default: no threads unless asked */
    o.threads = -1;
    patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT, before;
    memcpy(&before, &r, sizeof r);
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_BGNBD, &d, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "threads is -1"));
    assert_memory_equal(&r, &before, sizeof r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thread_count_does_not_change_fits),
        cmocka_unit_test(test_row_order_does_not_change_fits),
        cmocka_unit_test(test_thread_count_does_not_change_predictions),
        cmocka_unit_test(test_heavy_buyers_and_duplicates_keep_the_order),
        cmocka_unit_test(test_predictions_in_place_and_repeated_rows),
        cmocka_unit_test(test_threads_option_checked),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
