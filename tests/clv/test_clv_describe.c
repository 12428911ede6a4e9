/* The notebook-parity additions to the clv module: BG/NBD predictions on
 * x = 0 rows with t_x > 0, BG/BB P(alive) m opportunities ahead, Wald
 * intervals of a fit and the mixing distributions. Each is checked against
 * a model written here from the papers' words, and against clv.json. */
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
#include "failalloc.h"
#include "patron.h"
#include "support.h"

#define CLOSE(got, want, rel, abs)                                                         \
    do {                                                                                   \
        double g_ = (got), w_ = (want);                                                    \
        if (!pt_close(g_, w_, rel, abs))                                                   \
            fail_msg("%s = %.12g, expected %.12g (rel %g, abs %g)", #got, g_, w_,          \
                     (double)(rel), (double)(abs));                                        \
    } while (0)

static const patron_clv_params BG = {PATRON_CLV_BGNBD, {0.242593, 4.413532, 0.792886, 2.425752}};
static const patron_clv_params BGBB = {PATRON_CLV_BGBB, {1.203507, 0.749767, 0.656757, 2.783887}};

/* ------------------------------------------------ x = 0 with t_x > 0 */

static void test_bgnbd_x0_any_recency(void **state)
{
    (void)state;
    /* the same customer (x = 0, T = 30) with recencies 0, 5 and 30 */
    double x[4] = {0, 0, 0, 2}, tx[4] = {0, 5, 30, 10}, T[4] = {30, 30, 30, 30};
    patron_clv_data d = {4, x, tx, T, NULL, NULL};
    double ce[4], pa[4], e2[4], a2[4];
    assert_int_equal(patron_clv_predict(ce, pa, &BG, &d, 39), PATRON_OK);
    assert_int_equal(patron_clv_expected_purchases(e2, &BG, &d, 39), PATRON_OK);
    assert_int_equal(patron_clv_prob_alive(a2, &BG, &d), PATRON_OK);
    for (int i = 1; i < 3; i++) {
        assert_true(ce[i] == ce[0] && pa[i] == pa[0]);
        assert_true(e2[i] == ce[0] && a2[i] == pa[0]);
    }
    /* BG/NBD: a customer without repeat purchases is alive with probability 1
     * (the dropout chance comes only after a repeat purchase), and the
     * expectation is (a + b - 1)/(a - 1) [1 - ((alpha+T)/(alpha+T+t))^r
     * 2F1(r, b; a + b - 1; t/(alpha+T+t))] (Fader, Hardie & Lee 2005, eq. 10),
     * summed here term by term. */
    assert_true(pa[0] == 1.0);
    double r = BG.p[0], al = BG.p[1], a = BG.p[2], b = BG.p[3], t = 39, Tt = 30;
    double z = t / (al + Tt + t), term = 1, f = 1;
    for (int k = 0; k < 2000; k++) {
        term *= (r + k) * (b + k) / ((a + b - 1 + k) * (k + 1)) * z;
        f += term;
    }
    double want = (a + b - 1) / (a - 1) * (1 - pow((al + Tt) / (al + Tt + t), r) * f);
    CLOSE(ce[0], want, 1e-10, 0);
    /* lifetime value takes the same rows */
    double m[4] = {0, 0, 0, 20}, clv[4];
    patron_clv_data dm = {4, x, tx, T, m, NULL};
    assert_int_equal(patron_clv_lifetime_value(clv, &BG, NULL, &dm, 12, 0.01, 4.345), PATRON_OK);
    assert_true(clv[1] == clv[0] && clv[2] == clv[0]);
}

static void test_x0_recency_rejected_elsewhere(void **state)
{
    (void)state;
    double x[2] = {1, 0}, tx[2] = {3, 5}, T[2] = {30, 30}, out[2] = {-7, -7}, w[2] = {1, 1};
    patron_clv_data d = {2, x, tx, T, NULL, w};
    /* fitting keeps the summary's rule: such a row is a data error */
    patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT;
    assert_int_equal(patron_clv_fit(&r, PATRON_CLV_BGNBD, &d, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "row 1"));
    /* models whose value involves t_x at x = 0 reject it, output untouched */
    patron_clv_params mbg = BG, pnbd = {PATRON_CLV_PNBD, {0.55, 10.58, 0.61, 11.67}};
    mbg.model = PATRON_CLV_MBGNBD;
    assert_int_equal(patron_clv_prob_alive(out, &mbg, &d), PATRON_EINVAL);
    assert_int_equal(patron_clv_expected_purchases(out, &pnbd, &d, 10), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "recency is 5"));
    assert_true(out[0] == -7 && out[1] == -7);
    double bx[1] = {0}, btx[1] = {2}, bn[1] = {6};
    patron_clv_data db = {1, bx, btx, bn, NULL, NULL};
    assert_int_equal(patron_clv_prob_alive(out, &BGBB, &db), PATRON_EINVAL);
    /* per-row log-likelihood is not a prediction */
    assert_int_equal(patron_clv_log_likelihood(out, &BG, &d), PATRON_EINVAL);
}

/* ------------------------------------------------ BG/BB P(alive) ahead */

/* The BG/BB likelihood from Fader, Hardie & Shang (2010), eq. 5:
 * L = B(a+x, b+n-x)/B(a,b) B(g, d+n)/B(g,d)
 *   + sum_{i=0}^{n-tx-1} B(a+x, b+tx-x+i)/B(a,b) B(g+1, d+tx+i)/B(g,d). */
static double lbeta(double a, double b)
{
    return lgamma(a) + lgamma(b) - lgamma(a + b);
}

static double model_palive(const double *p, double x, double tx, double n, double m)
{
    double a = p[0], b = p[1], g = p[2], d = p[3];
    double L = exp(lbeta(a + x, b + n - x) - lbeta(a, b) + lbeta(g, d + n) - lbeta(g, d));
    for (double i = 0; i < n - tx; i++)
        L += exp(lbeta(a + x, b + tx - x + i) - lbeta(a, b) + lbeta(g + 1, d + tx + i) -
                 lbeta(g, d));
    /* alive at n + m: made x of n, and survived n + m dropout coin flips */
    return exp(lbeta(a + x, b + n - x) - lbeta(a, b) + lbeta(g, d + n + m) - lbeta(g, d)) / L;
}

static void test_bgbb_alive_ahead(void **state)
{
    (void)state;
    /* every (x, t_x) cell of 6 opportunities */
    double x[28], tx[28], n[28], o[28], one[28];
    size_t k = 0;
    for (int t = 0; t <= 6; t++)
        for (int f = (t ? 1 : 0); f <= t; f++) {
            x[k] = f;
            tx[k] = t;
            n[k] = 6;
            k++;
        }
    patron_clv_data d = {k, x, tx, n, NULL, NULL};
    assert_int_equal(patron_clv_prob_alive(one, &BGBB, &d), PATRON_OK);
    double prev[28];
    for (int m = 0; m <= 5; m++) {
        assert_int_equal(patron_clv_prob_alive_ahead(o, &BGBB, &d, m), PATRON_OK);
        for (size_t i = 0; i < k; i++) {
            CLOSE(o[i], model_palive(BGBB.p, x[i], tx[i], n[i], m), 1e-11, 0);
            if (m == 1)
                assert_true(o[i] == one[i]); /* the paper's P(alive) */
            if (m > 0)
                assert_true(o[i] < prev[i]);
            prev[i] = o[i];
        }
    }
    /* a customer who gave in the last opportunity is certainly alive at it */
    assert_int_equal(patron_clv_prob_alive_ahead(o, &BGBB, &d, 0), PATRON_OK);
    CLOSE(o[k - 1], 1.0, 1e-12, 0);
    /* the figure: m = 0 and m = 1 differ by up to 0.059 on the donations cells */
    double maxdiff = 0;
    for (size_t i = 0; i < k; i++)
        maxdiff = fmax(maxdiff, o[i] - one[i]);
    assert_true(maxdiff > 0.03 && maxdiff < 0.07);
    /* errors: not BG/BB, m not whole, m negative; output untouched */
    double keep[28];
    memcpy(keep, o, k * sizeof *o);
    assert_int_equal(patron_clv_prob_alive_ahead(o, &BG, &d, 0), PATRON_EUNSUPPORTED);
    assert_int_equal(patron_clv_prob_alive_ahead(o, &BGBB, &d, 0.5), PATRON_EINVAL);
    assert_int_equal(patron_clv_prob_alive_ahead(o, &BGBB, &d, -1), PATRON_EINVAL);
    assert_int_equal(patron_clv_prob_alive_ahead(NULL, &BGBB, &d, 0), PATRON_EINVAL);
    assert_memory_equal(keep, o, k * sizeof *o);
}

/* ------------------------------------------------ intervals */

static void test_param_intervals(void **state)
{
    (void)state;
    PT_REQUIRE_SHARED(path, "data/cdnow/cdnow_customers_summary.csv");
    pt_table t;
    assert_int_equal(pt_table_load(&t, path, 1), 0);
    double *x = pt_table_col(&t, 0), *tx = pt_table_col(&t, 1), *T = pt_table_col(&t, 2);
    patron_clv_data d = {t.rows, x, tx, T, NULL, NULL};
    patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT;
    int rc = patron_clv_fit(&r, PATRON_CLV_BGNBD, &d, NULL);
    if (rc)
        fail_msg("fit: %s", patron_errmsg());
    double lo[4], hi[4];
    assert_int_equal(patron_clv_param_intervals(lo, hi, &r, 0.95), PATRON_OK);
    /* lifetimes' documented CDNOW summary (Quickstart): lower/upper 95% bounds */
    static const double want_lo[4] = {0.217981, 3.672218, 0.428877, 1.043276};
    static const double want_hi[4] = {0.267205, 5.154846, 1.156895, 3.808229};
    for (int i = 0; i < 4; i++) {
        CLOSE(lo[i], want_lo[i], 2e-4, 0);
        CLOSE(hi[i], want_hi[i], 2e-4, 0);
        CLOSE((hi[i] - lo[i]) / 2, 1.959963984540054 * r.se[i], 1e-12, 0);
        CLOSE((hi[i] + lo[i]) / 2, r.params.p[i], 1e-12, 0);
    }
    assert_int_equal(patron_clv_param_intervals(lo, hi, &r, 0.5), PATRON_OK);
    CLOSE((hi[0] - lo[0]) / 2, 0.6744897501960817 * r.se[0], 1e-12, 0);
    double keep = lo[0];
    assert_int_equal(patron_clv_param_intervals(lo, hi, &r, 1.0), PATRON_EINVAL);
    patron_clv_fit_result empty = PATRON_CLV_FIT_RESULT_INIT;
    assert_int_equal(patron_clv_param_intervals(lo, hi, &empty, 0.95), PATRON_EINVAL);
    assert_true(lo[0] == keep);
    free(x);
    free(tx);
    free(T);
    pt_table_free(&t);
}

/* ------------------------------------------------ mixing distributions */

static void test_mixing(void **state)
{
    (void)state;
    /* gamma(r, alpha): integrates to 1, mean r/alpha, the 99% quantile has
     * cdf 0.99 (checked by integrating the density up to it) */
    double mean, var, q;
    assert_int_equal(patron_clv_mixing_moments(&mean, &var, &q, &BG, PATRON_CLV_MIX_PURCHASE, 0.99),
                     PATRON_OK);
    CLOSE(mean, BG.p[0] / BG.p[1], 1e-15, 0);
    CLOSE(var, BG.p[0] / (BG.p[1] * BG.p[1]), 1e-15, 0);
    /* integrate on a log grid (the density has an integrable pole at 0 for r < 1) */
    enum { N = 20001 };
    static double xs[N], fx[N];
    double lo = 1e-14;
    for (int i = 0; i < N; i++)
        xs[i] = lo * pow(q / lo, (double)i / (N - 1));
    assert_int_equal(patron_clv_mixing_density(fx, &BG, PATRON_CLV_MIX_PURCHASE, xs, N), PATRON_OK);
    double area = 0;
    for (int i = 1; i < N; i++)
        area += (xs[i] - xs[i - 1]) * (fx[i] + fx[i - 1]) / 2;
    /* plus the mass below 1e-14: about (alpha x)^r / Gamma(r + 1) */
    area += pow(BG.p[1] * lo, BG.p[0]) / tgamma(BG.p[0] + 1);
    CLOSE(area, 0.99, 2e-4, 0);
    /* exponential: quantile -log(1 - p)/rate exactly */
    patron_clv_params ex = {PATRON_CLV_PNBD, {1, 2, 1, 0.5}};
    assert_int_equal(patron_clv_mixing_moments(NULL, NULL, &q, &ex, PATRON_CLV_MIX_DROPOUT, 0.9),
                     PATRON_OK);
    CLOSE(q, -log(0.1) / 0.5, 1e-12, 0);
    double x1 = 3, f1;
    assert_int_equal(patron_clv_mixing_density(&f1, &ex, PATRON_CLV_MIX_PURCHASE, &x1, 1), PATRON_OK);
    CLOSE(f1, 2 * exp(-6), 1e-13, 0);
    /* beta(a, b): BG/NBD dropout p; beta(2, 1) has cdf x^2, density 2x */
    patron_clv_params b21 = {PATRON_CLV_BGNBD, {1, 1, 2, 1}};
    assert_int_equal(patron_clv_mixing_moments(&mean, &var, &q, &b21, PATRON_CLV_MIX_DROPOUT, 0.25),
                     PATRON_OK);
    CLOSE(q, 0.5, 1e-12, 0);
    CLOSE(mean, 2.0 / 3, 1e-15, 0);
    CLOSE(var, 2.0 / (9 * 4), 1e-15, 0);
    double bx[5] = {-1, 0, 0.3, 1, 2}, bf[5];
    assert_int_equal(patron_clv_mixing_density(bf, &b21, PATRON_CLV_MIX_DROPOUT, bx, 5), PATRON_OK);
    CLOSE(bf[0], 0, 0, 0);
    CLOSE(bf[1], 0, 0, 0);
    CLOSE(bf[2], 0.6, 1e-13, 0);
    CLOSE(bf[3], 2, 1e-13, 0);
    CLOSE(bf[4], 0, 0, 0);
    /* BG/BB: purchase p ~ Beta(alpha, beta), dropout theta ~ Beta(gamma, delta) */
    assert_int_equal(patron_clv_mixing_moments(&mean, NULL, NULL, &BGBB, PATRON_CLV_MIX_DROPOUT, 0),
                     PATRON_OK);
    CLOSE(mean, BGBB.p[2] / (BGBB.p[2] + BGBB.p[3]), 1e-15, 0);
    assert_int_equal(patron_clv_mixing_moments(&mean, NULL, NULL, &BGBB, PATRON_CLV_MIX_PURCHASE, 0),
                     PATRON_OK);
    CLOSE(mean, BGBB.p[0] / (BGBB.p[0] + BGBB.p[1]), 1e-15, 0);
    /* errors */
    patron_clv_params gg = {PATRON_CLV_GG, {6.25, 3.74, 15.44, 0}};
    assert_int_equal(patron_clv_mixing_density(bf, &gg, PATRON_CLV_MIX_PURCHASE, bx, 5),
                     PATRON_EUNSUPPORTED);
    assert_int_equal(patron_clv_mixing_density(bf, &BG, 2, bx, 5), PATRON_EINVAL);
    double nan_x = NAN;
    assert_int_equal(patron_clv_mixing_density(bf, &BG, 0, &nan_x, 1), PATRON_EINVAL);
    assert_int_equal(patron_clv_mixing_moments(&mean, NULL, &q, &BG, 0, 1.0), PATRON_EINVAL);
}

/* ------------------------------------------------ conditional pmf */

/* Pareto/NBD from the model's words: given lambda, mu and alive at T, the
 * count in (T, T + t] is Poisson(lambda t) if the customer lives through
 * t, else Poisson(lambda u) with death at T + u; averaging the alive part
 * of the likelihood lambda^x e^-(lambda+mu)T over the gammas gives, relative
 * to that part A0,
 *   A/A0 = G(r+x+n)/(G(r+x) n!) (t/(al+T+t))^n ((al+T)/(al+T+t))^(r+x) ((be+T)/(be+T+t))^s
 *   B/A0 = int_0^t s/(be+T+u) G(r+x+n)/(G(r+x) n!) (u/(al+T+u))^n
 *                ((al+T)/(al+T+u))^(r+x) ((be+T)/(be+T+u))^s du
 * and P(n) = 1[n=0] (1 - Pa) + Pa (A + B)/A0. The integral by Simpson's rule. */
static double model_pnbd_cond(const double *p, double x, double T, double pa, double t, int n)
{
    double r = p[0], al = p[1], s = p[2], be = p[3];
    double lc = lgamma(r + x + n) - lgamma(r + x) - lgamma(n + 1.0);
    double A = exp(lc + n * log(t / (al + T + t)) + (r + x) * log((al + T) / (al + T + t)) +
                   s * log((be + T) / (be + T + t)));
    int N = 20000;
    double h = t / N, B = 0;
    for (int i = 0; i <= N; i++) {
        double u = i * h;
        double f = (u == 0 && n > 0) ? 0
                   : s / (be + T + u) * exp(lc + (n ? n * log(u / (al + T + u)) : 0) +
                                            (r + x) * log((al + T) / (al + T + u)) +
                                            s * log((be + T) / (be + T + u)));
        B += f * ((i == 0 || i == N) ? 1 : (i % 2 ? 4 : 2));
    }
    B *= h / 3;
    return (n == 0 ? 1 - pa : 0) + pa * (A + B);
}

static void test_conditional_pmf(void **state)
{
    (void)state;
    static const patron_clv_params models[4] = {
        {PATRON_CLV_BGNBD, {0.242593, 4.413532, 0.792886, 2.425752}},
        {PATRON_CLV_MBGNBD, {0.524838, 6.182988, 0.891356, 1.614}},
        {PATRON_CLV_PNBD, {0.553274, 10.577516, 0.606197, 11.666975}},
        {PATRON_CLV_BGBB, {1.203507, 0.749767, 0.656757, 2.783887}},
    };
    double x[5] = {0, 2, 7, 26, 1}, tx[5] = {0, 30.43, 20, 30.86, 1}, T[5] = {38.86, 38.86, 35, 31, 38.86};
    double bx[5] = {0, 2, 6, 3, 1}, btx[5] = {0, 4, 6, 6, 1}, bn[5] = {6, 6, 6, 6, 6};
    for (int m = 0; m < 4; m++) {
        const patron_clv_params *p = &models[m];
        int bgbb = p->model == PATRON_CLV_BGBB;
        patron_clv_data d = {5, bgbb ? bx : x, bgbb ? btx : tx, bgbb ? bn : T, NULL, NULL};
        double t = bgbb ? 5 : 39, ce[5], sum[5] = {0}, mean[5] = {0}, pk[5];
        assert_int_equal(patron_clv_expected_purchases(ce, p, &d, t), PATRON_OK);
        for (int k = 0; k < 160; k++) { /* the mass beyond 160 is below 1e-15 for these rows */
            assert_int_equal(patron_clv_prob_purchases_conditional(pk, p, &d, t, k), PATRON_OK);
            for (int i = 0; i < 5; i++) {
                assert_true(pk[i] >= 0 && pk[i] <= 1);
                sum[i] += pk[i];
                mean[i] += k * pk[i];
            }
        }
        for (int i = 0; i < 5; i++) {
            CLOSE(sum[i], 1, 1e-9, 0);
            CLOSE(mean[i], ce[i], 1e-7, 0); /* the conditional expectation, by its own formula */
        }
        if (bgbb) {
            /* 5 opportunities: at most 5 purchases */
            assert_int_equal(patron_clv_prob_purchases_conditional(pk, p, &d, 5, 6), PATRON_OK);
            assert_true(pk[0] == 0 && pk[4] == 0);
        }
    }
    /* Pareto/NBD against the model written above */
    const patron_clv_params *pn = &models[2];
    patron_clv_data d = {5, x, tx, T, NULL, NULL};
    double pa[5], pk[5];
    assert_int_equal(patron_clv_prob_alive(pa, pn, &d), PATRON_OK);
    for (int n = 0; n <= 12; n += 3) {
        assert_int_equal(patron_clv_prob_purchases_conditional(pk, pn, &d, 39, n), PATRON_OK);
        for (int i = 0; i < 5; i++)
            CLOSE(pk[i], model_pnbd_cond(pn->p, x[i], T[i], pa[i], 39, n), 1e-8, 1e-14);
    }
    /* horizon 0: nothing more happens */
    assert_int_equal(patron_clv_prob_purchases_conditional(pk, pn, &d, 0, 0), PATRON_OK);
    for (int i = 0; i < 5; i++)
        CLOSE(pk[i], 1, 1e-15, 0);
    /* BG/NBD's x = 0 rows with any recency */
    double zx[2] = {0, 0}, ztx[2] = {0, 20}, zT[2] = {38, 38};
    patron_clv_data z = {2, zx, ztx, zT, NULL, NULL};
    assert_int_equal(patron_clv_prob_purchases_conditional(pk, &models[0], &z, 10, 1), PATRON_OK);
    assert_true(pk[0] == pk[1]);
    assert_int_equal(patron_clv_prob_purchases_conditional(pk, &models[2], &z, 10, 1), PATRON_EINVAL);
    /* errors leave the output untouched */
    pk[0] = -3;
    assert_int_equal(patron_clv_prob_purchases_conditional(pk, pn, &d, -1, 0), PATRON_EINVAL);
    assert_int_equal(patron_clv_prob_purchases_conditional(pk, pn, &d, 1, -1), PATRON_EINVAL);
    assert_int_equal(patron_clv_prob_purchases_conditional(pk, &models[3], &d, 1.5, 0), PATRON_EINVAL);
    patron_clv_params gg = {PATRON_CLV_GG, {6.25, 3.74, 15.44, 0}};
    assert_int_equal(patron_clv_prob_purchases_conditional(pk, &gg, &d, 1, 0), PATRON_EINVAL);
    assert_true(pk[0] == -3);
}

/* ------------------------------------------------ allocation failures */

typedef struct {
    patron_clv_data d;
    double out[4];
    int which;
} walk_ctx;

static int op_new_predictions(void *p)
{
    walk_ctx *c = p; /* writes into c->out: check_untouched sees a failed call's output */
    return c->which ? patron_clv_prob_purchases_conditional(c->out, &BGBB, &c->d, 3, 1)
                    : patron_clv_prob_alive_ahead(c->out, &BGBB, &c->d, 2);
}

static void check_untouched(void *p)
{
    walk_ctx *c = p;
    for (int i = 0; i < 4; i++)
        assert_true(c->out[i] == -1);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    double x[4] = {0, 1, 2, 2}, tx[4] = {0, 3, 5, 5}, n[4] = {6, 6, 6, 6};
    for (int which = 0; which < 2; which++) {
        walk_ctx c = {{4, x, tx, n, NULL, NULL}, {-1, -1, -1, -1}, which};
        assert_true(pt_failalloc_walk(op_new_predictions, check_untouched, &c) >= 2);
        assert_true(c.out[2] == c.out[3] && c.out[0] > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bgnbd_x0_any_recency),
        cmocka_unit_test(test_x0_recency_rejected_elsewhere),
        cmocka_unit_test(test_bgbb_alive_ahead),
        cmocka_unit_test(test_param_intervals),
        cmocka_unit_test(test_mixing),
        cmocka_unit_test(test_conditional_pmf),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
