/* The chunk API: a data set split into chunks (uneven, in any split)
 * evaluates to the whole set's log-likelihood, gradient and Hessian, and
 * patron_clv_fit_chunks over the chunks gives patron_clv_fit's result on
 * the union up to the rounding of the sums. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"

enum { N = 12000 };
static double x[N], tx[N], T[N], m[N];

static int setup(void **state)
{
    (void)state;
    patron_sim_options o = PATRON_SIM_OPTIONS_INIT;
    o.model = PATRON_SIM_BGNBD;
    o.r = 0.243, o.alpha = 4.414, o.a = 0.793, o.b = 2.426;
    o.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
    o.spend_p = 6.25, o.spend_q = 3.74, o.spend_gamma = 15.44;
    o.customers = N, o.periods = 52, o.period_seconds = 604800, o.seed = 4242;
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
    return 0;
}

static patron_clv_data slice(size_t a, size_t b)
{
    patron_clv_data d = {b - a, x + a, tx + a, T + a, m + a, NULL};
    return d;
}

/* Uneven cuts: 0 | 7 | 5,000 | 5,001 | 11,000 | N (one chunk of one row). */
static const size_t cut[] = {0, 7, 5000, 5001, 11000, N};
#define NCH (sizeof cut / sizeof cut[0] - 1)

static patron_clv_chunks *make_chunks(patron_clv_model model, int threads)
{
    patron_clv_chunks *set = NULL;
    assert_int_equal(patron_clv_chunks_new(&set, model), PATRON_OK);
    for (size_t i = 0; i < NCH; i++) {
        patron_clv_data d = slice(cut[i], cut[i + 1]);
        assert_int_equal(patron_clv_chunks_add(set, &d, threads), PATRON_OK);
    }
    assert_int_equal(patron_clv_chunks_count(set), NCH);
    return set;
}

static void assert_rel(double a, double b, double tol)
{
    double d = fabs(a - b), s = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    if (!(d <= tol * (s > 1e-300 ? s : 1)))
        fail_msg("%.17g and %.17g differ by %.3g relative (tolerance %.3g)", a, b, d / s, tol);
}

static void check_model(patron_clv_model model)
{
    patron_clv_data all = slice(0, N);
    patron_clv_fit_result whole = PATRON_CLV_FIT_RESULT_INIT, parts = PATRON_CLV_FIT_RESULT_INIT;
    assert_int_equal(patron_clv_fit(&whole, model, &all, NULL), PATRON_OK);

    patron_clv_chunks *ch = make_chunks(model, 1), *one = NULL;
    assert_int_equal(patron_clv_chunks_new(&one, model), PATRON_OK);
    assert_int_equal(patron_clv_chunks_add(one, &all, 2), PATRON_OK);
    int k = patron_clv_param_count(model);
    int hess = model != PATRON_CLV_PNBD && model != PATRON_CLV_BGBB;

    /* the chunks' values sum to the whole set's */
    double lls = 0, gs[4] = {0}, Hs[16] = {0};
    patron_clv_chunk_value v1 = PATRON_CLV_CHUNK_VALUE_INIT;
    assert_int_equal(patron_clv_chunk_eval(&v1, one, 0, &whole.params, hess), PATRON_OK);
    assert_int_equal(v1.n_params, k);
    assert_int_equal(v1.has_hess, hess);
    double ll1 = v1.log_likelihood, *g1 = v1.grad, *H1 = v1.hess;
    assert_rel(ll1, whole.log_likelihood, 1e-13);
    int64_t rows = 0;
    for (size_t i = 0; i < NCH; i++) {
        patron_clv_chunk_value v = PATRON_CLV_CHUNK_VALUE_INIT;
        assert_int_equal(patron_clv_chunk_eval(&v, ch, i, &whole.params, hess), PATRON_OK);
        const double *g = v.grad, *H = v.hess;
        lls += v.log_likelihood;
        for (int a = 0; a < k; a++)
            gs[a] += g[a];
        for (int a = 0; hess && a < k * k; a++)
            Hs[a] += H[a];
        rows += patron_clv_chunks_rows(ch, i);
    }
    assert_rel(lls, ll1, 1e-12);
    /* at the optimum the gradient is ~0: compare on the scale of the Hessian's diagonal */
    for (int a = 0; a < k; a++)
        assert_true(fabs(gs[a] - g1[a]) <= 1e-9 * (1 + fabs(ll1) / whole.params.p[a]));
    for (int a = 0; hess && a < k * k; a++)
        assert_rel(Hs[a], H1[a], 1e-9);

    /* the fit over the chunks is the fit of the union */
    assert_int_equal(patron_clv_fit_chunks(&parts, ch, NULL),
                     PATRON_OK);
    assert_int_equal(parts.params.model, model);
    for (int a = 0; a < k; a++) {
        assert_rel(parts.params.p[a], whole.params.p[a], 1e-9);
        assert_rel(parts.se[a], whole.se[a], 1e-6);
    }
    assert_rel(parts.log_likelihood, whole.log_likelihood, 1e-12);
    assert_rel(parts.n_customers, whole.n_customers, 0);
    assert_int_equal(parts.n_distinct, rows);

    /* one chunk holding everything: the same optimiser on the same rows */
    patron_clv_fit_result solo = PATRON_CLV_FIT_RESULT_INIT;
    assert_int_equal(patron_clv_fit_chunks(&solo, one, NULL),
                     PATRON_OK);
    for (int a = 0; a < k; a++)
        assert_rel(solo.params.p[a], whole.params.p[a], 1e-12);
    patron_clv_chunks_free(one);
    patron_clv_chunks_free(ch);
}

static void test_bgnbd(void **state)
{
    (void)state;
    check_model(PATRON_CLV_BGNBD);
}

static void test_mbgnbd(void **state)
{
    (void)state;
    check_model(PATRON_CLV_MBGNBD);
}

static void test_pnbd(void **state)
{
    (void)state;
    check_model(PATRON_CLV_PNBD);
}

static void test_gg(void **state)
{
    (void)state;
    check_model(PATRON_CLV_GG);
}

static void test_errors(void **state)
{
    (void)state;
    patron_clv_chunks *c = NULL, *g = NULL;
    patron_clv_data d = slice(0, 100);
    assert_int_equal(patron_clv_chunks_new(&c, (patron_clv_model)0), PATRON_EINVAL);
    assert_null(c);
    assert_int_equal(patron_clv_chunks_new(&c, PATRON_CLV_PNBD), PATRON_OK);
    assert_int_equal(patron_clv_chunks_add(c, &d, -1), PATRON_EINVAL);
    double bad_T = T[3];
    T[3] = -1;
    assert_int_equal(patron_clv_chunks_add(c, &d, 1), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "chunk 0: row 3"));
    T[3] = bad_T;
    assert_int_equal(patron_clv_chunks_count(c), 0);
    patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT;
    assert_int_equal(patron_clv_fit_chunks(&r, c, NULL), PATRON_EINVAL);
    assert_int_equal(patron_clv_chunks_add(c, &d, 1), PATRON_OK);
    assert_int_equal(patron_clv_chunks_count(c), 1);
    assert_int_equal(patron_clv_chunks_rows(c, 1), 0);
    patron_clv_params p = {PATRON_CLV_PNBD, {0.5, 5, 0.5, 10}};
    patron_clv_chunk_value v = PATRON_CLV_CHUNK_VALUE_INIT;
    v.log_likelihood = 123;
    assert_int_equal(patron_clv_chunk_eval(&v, c, 0, &p, 1), PATRON_EUNSUPPORTED);
    assert_true(v.log_likelihood == 123);
    assert_int_equal(patron_clv_chunk_eval(&v, c, 1, &p, 0), PATRON_EINVAL);
    patron_clv_params q = {PATRON_CLV_BGNBD, {0.5, 5, 0.5, 10}};
    assert_int_equal(patron_clv_chunk_eval(&v, c, 0, &q, 0), PATRON_EINVAL);
    assert_int_equal(patron_clv_chunk_eval(&v, c, 0, &p, 2), PATRON_EINVAL);
    assert_int_equal(patron_clv_chunk_eval(&v, c, 0, &p, 0), PATRON_OK);
    assert_true(isfinite(v.log_likelihood) && v.log_likelihood < 0);
    assert_int_equal(v.has_hess, 0);
    /* the chunk's LL is the sum of the rows' */
    double lrow[100], sum = 0;
    assert_int_equal(patron_clv_log_likelihood(lrow, &p, &d), PATRON_OK);
    for (int i = 0; i < 100; i++)
        sum += lrow[i];
    assert_true(fabs(sum - v.log_likelihood) <= 1e-12 * fabs(sum));
    /* a spend model's chunk: rows with x = 0 are dropped */
    assert_int_equal(patron_clv_chunks_new(&g, PATRON_CLV_GG), PATRON_OK);
    assert_int_equal(patron_clv_chunks_add(g, &d, 1), PATRON_OK);
    size_t repeaters = 0;
    for (int i = 0; i < 100; i++)
        repeaters += x[i] > 0;
    assert_true(patron_clv_chunks_rows(g, 0) <= (int64_t)repeaters);
    patron_clv_chunks_free(c);
    patron_clv_chunks_free(g);
    patron_clv_chunks_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bgnbd), cmocka_unit_test(test_mbgnbd), cmocka_unit_test(test_pnbd),
        cmocka_unit_test(test_gg), cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
