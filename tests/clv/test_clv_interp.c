/* The per-frequency interpolants of the conditional expectation
 * (lib/clv/clv_ceinterp.c) against the direct evaluation.
 *
 * Batches of predictions evaluate rows through the interpolants; the
 * direct evaluation is the model descriptor's own P(alive) and conditional
 * expectation (what a batch used for every row before). Over random rows
 * with x from 0 to 1000, T from 1e-2 to 1e6 time units, horizons from 1e-6
 * to 300 and 12- and 24-month CLVs, for BG/NBD and MBG/NBD at several
 * parameter sets, the two agree to INTERP_TOL relative (INTERP_TOL_BIG_X
 * for x >= 200, where the direct evaluation itself is less exact). A row
 * alone gives the same bits as the row in the batch (the pieces do not
 * depend on the batch). The test also checks, through the internal API,
 * that the interpolants did cover most rows, so the comparison is not
 * vacuous. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clv/clv_ceinterp.h"
#include "clv/clv_impl.h"
#include "internal/clv_model.h"
#include "patron.h"

/* Bound on |batch - direct| / |direct|: the interpolant's own error (about
 * 1e-13) plus the rounding of the direct evaluation it is compared with,
 * which grows with the frequency (its series sum hundreds of terms at
 * x = 200). */
#define INTERP_TOL 1e-12
#define INTERP_TOL_BIG_X 3e-12 /* x >= 200 */

/* frequencies and their rows (fewer of x = 200 and 1000: their direct
 * evaluation is the costly part of this test) */
static const double xs[] = {0, 1, 3, 10, 50, 200, 1000};
static const size_t nrows[] = {3000, 3000, 3000, 3000, 3000, 1500, 100};
#define NX (sizeof xs / sizeof xs[0])
#define PER_X 3000
#define N (5 * PER_X + 1500 + 100)
#define CHECK_EVERY 31  /* rows compared with the direct evaluation */
#define ALONE_EVERY 341 /* rows also predicted alone */

static double x[N], tx[N], T[N], m[N], out[N];

static uint64_t rng = 88172645463325252ull;
static double unif(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((double)(rng >> 11) + 0.5) * 0x1.0p-53;
}

/* rows: PER_X per frequency, T log-uniform over [Tlo, Thi], t_x uniform in [0, T] */
static void make_rows(double Tlo, double Thi)
{
    size_t i = 0;
    for (size_t k = 0; k < NX; k++)
        for (size_t j = 0; j < nrows[k]; j++, i++) {
            x[i] = xs[k];
            T[i] = Tlo * pow(Thi / Tlo, unif());
            tx[i] = x[i] > 0 ? T[i] * unif() : 0;
            m[i] = 10 + 90 * unif();
        }
}

/* Rows of the batch the interpolants cover (internal API). */
static size_t covered(const patron_clv_params *p, const clv_ci_spec *spec)
{
    patron_clv_data d = {N, x, tx, T, m, NULL};
    clv_rows R;
    assert_int_equal(clv_rows_build(&R, p->model, &d, CLV_ROWS_ANY_ORDER | CLV_ROWS_X0_ANY_TX),
                     PATRON_OK);
    const clv_model_desc *md = patron__clv_model(p->model);
    clv_ce_interp *ci = NULL;
    assert_int_equal(clv_ce_interp_build(&ci, md, p->p, &R, spec, 1), 0);
    size_t hit = 0;
    double t1 = spec->months ? spec->ppm : spec->t, v;
    for (size_t j = 0; ci && j < R.n; j++)
        hit += (size_t)clv_ce_interp_eval(ci, R.x[j], t1 * md->ce_scale(p->p, R.x[j], R.tx[j],
                                                                        R.T[j]), &v);
    clv_ce_interp_free(ci);
    clv_rows_free(&R);
    return hit;
}

static double rel(double a, double b)
{
    double s = fabs(b) > 1e-300 ? fabs(b) : 1e-300;
    return fabs(a - b) / s;
}

static double worst = 0, worst_big = 0;

static void record(double e, double xv, const char *what, const patron_clv_params *p, size_t i,
                   double batch, double direct)
{
    double tol = xv >= 200 ? INTERP_TOL_BIG_X : INTERP_TOL;
    double *w = xv >= 200 ? &worst_big : &worst;
    if (e > *w)
        *w = e;
    if (!(e <= tol))
        fail_msg("model %d %s row x %g t_x %g T %g: batch %.17g, direct %.17g (rel %.3g)",
                 (int)p->model, what, x[i], tx[i], T[i], batch, direct, e);
}

/* The direct evaluation of row i: CE(t) (months = 0) or the CLV. */
static double direct(const patron_clv_params *p, size_t i, double t, int months, double disc,
                     double ppm)
{
    const clv_model_desc *md = patron__clv_model(p->model);
    double pa, v;
    assert_int_equal(md->palive(p->p, x[i], tx[i], T[i], &pa), 0);
    if (months == 0) {
        assert_int_equal(md->ce(p->p, x[i], tx[i], T[i], t, pa, NULL, &v), 0);
        return v;
    }
    double prev = 0, acc = 0, dd = 1;
    for (int mm = 1; mm <= months; mm++) {
        assert_int_equal(md->ce(p->p, x[i], tx[i], T[i], mm * ppm, pa, NULL, &v), 0);
        dd /= 1 + disc;
        acc += (v - prev) * dd;
        prev = v;
    }
    return acc * m[i];
}

static void check_predict(const patron_clv_params *p, double t)
{
    patron_clv_data d = {N, x, tx, T, m, NULL};
    int rc = patron_clv_predict_with(out, NULL, p, &d, t, NULL);
    if (rc != PATRON_OK)
        fail_msg("model %d params %g %g %g %g t %g: %s", (int)p->model, p->p[0], p->p[1],
                 p->p[2], p->p[3], t, patron_errmsg());
    for (size_t i = 0; i < N; i += CHECK_EVERY) {
        patron_clv_data one = {1, &x[i], &tx[i], &T[i], &m[i], NULL};
        double v;
        if (i % ALONE_EVERY == 0) {
            assert_int_equal(patron_clv_predict_with(&v, NULL, p, &one, t, NULL), PATRON_OK);
            assert_memory_equal(&v, &out[i], sizeof v); /* alone = in the batch */
        }
        char what[64];
        snprintf(what, sizeof what, "t %g", t);
        double dv = direct(p, i, t, 0, 0, 0);
        record(rel(out[i], dv), x[i], what, p, i, out[i], dv);
    }
}

static void check_clv(const patron_clv_params *p, int months, double disc, double ppm)
{
    patron_clv_data d = {N, x, tx, T, m, NULL};
    assert_int_equal(patron_clv_lifetime_value(out, p, NULL, &d, months, disc, ppm), PATRON_OK);
    for (size_t i = 0; i < N; i += CHECK_EVERY) {
        patron_clv_data one = {1, &x[i], &tx[i], &T[i], &m[i], NULL};
        double v;
        if (i % ALONE_EVERY == 0) {
            assert_int_equal(patron_clv_lifetime_value(&v, p, NULL, &one, months, disc, ppm),
                             PATRON_OK);
            assert_memory_equal(&v, &out[i], sizeof v);
        }
        char what[64];
        snprintf(what, sizeof what, "CLV %d months of %g", months, ppm);
        double dv = direct(p, i, 0, months, disc, ppm);
        record(rel(out[i], dv), x[i], what, p, i, out[i], dv);
    }
}

static const double params[][4] = {
    {0.243, 4.414, 0.793, 2.426},  /* CDNOW, weeks */
    {0.243, 30.9, 0.793, 2.426},   /* the same in days */
    {2.5, 5, 3.5, 0.6},            /* a > 1 */
    {0.05, 200, 0.2, 8},           /* small r and a */
};

static void interp_matches_direct(void **state)
{
    (void)state;
    const patron_clv_model models[] = {PATRON_CLV_BGNBD, PATRON_CLV_MBGNBD};
    const double ranges[][2] = {{1e-2, 1e6}, {10, 400}};
    const double horizons[] = {1e-6, 1, 30, 300};
    for (size_t mi = 0; mi < 2; mi++)
        for (size_t pi = 0; pi < sizeof params / sizeof params[0]; pi++)
            for (size_t ri = 0; ri < 2; ri++) {
                make_rows(ranges[ri][0], ranges[ri][1]);
                patron_clv_params p = {models[mi], {params[pi][0], params[pi][1], params[pi][2],
                                                    params[pi][3]}};
                for (size_t h = 0; h < sizeof horizons / sizeof horizons[0]; h++)
                    check_predict(&p, horizons[h]);
                check_clv(&p, 12, 0.01, 30);
                check_clv(&p, 24, 0.0, 4.3);
            }
    print_message("largest relative difference, batch vs direct: %.3g (x <= 50), %.3g (x >= 200)\n",
                  worst, worst_big);
}

/* On rows like a summary's (T over a few hundred days) the interpolants
 * must actually carry the batch: every row of the frequencies up to 50 for
 * one horizon, up to 10 for the 12-month sum (beyond, the direct
 * evaluation's rounding, up to 1e-12 at x = 200 and 1000, can exceed what a
 * piece may show, and those rows then stay direct). */
static void interp_covers_the_rows(void **state)
{
    (void)state;
    make_rows(10, 400);
    patron_clv_params p = {PATRON_CLV_BGNBD, {0.243, 30.9, 0.793, 2.426}};
    clv_ci_spec one = {30, 0, 0, 0}, year = {0, 12, 30, 0.01};
    assert_true(covered(&p, &one) >= 5 * PER_X);
    assert_true(covered(&p, &year) >= 4 * PER_X);
    /* a batch of one row builds its one piece */
    patron_clv_data d = {1, x, tx, T, m, NULL};
    clv_rows R;
    assert_int_equal(clv_rows_build(&R, p.model, &d, CLV_ROWS_ANY_ORDER), PATRON_OK);
    clv_ce_interp *ci = NULL;
    assert_int_equal(clv_ce_interp_build(&ci, patron__clv_model(p.model), p.p, &R, &one, 1), 0);
    assert_non_null(ci);
    double v;
    assert_true(clv_ce_interp_eval(ci, x[0], 30 / (p.p[1] + T[0]), &v));
    clv_ce_interp_free(ci);
    clv_rows_free(&R);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(interp_covers_the_rows),
        cmocka_unit_test(interp_matches_direct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
