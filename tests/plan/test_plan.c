/* The program projection against a model written here from the words of
 * docs/guide/plan.md ("Formulas"): the BG/NBD closed forms of Fader, Hardie
 * & Lee (2005) with a plain 2F1 series, the survival factor through the
 * other Pfaff transformation than the library's, the points flow year by
 * year, percentiles of type 7. Seeded, small data, compared to 1e-9. */
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
#include "failalloc.h"
#include "support.h"

#define M PATRON_PLAN_N_METRICS

/* ---- the members and the fits ------------------------------------------------ */

static const double X[] = { 0, 2, 5, 1, 0, 3, 2, 0 };
static const double TX[] = { 0, 30, 60, 12, 0, 51, 30, 0 };
static const double TT[] = { 70, 70, 75, 40, 20, 60, 70, 0 };
static const double MON[] = { 0, 2500, 1800, 4200, 0, 3100, 2500, 0 };
static const double W[] = { 3, 1, 2, 1, 4, 1, 2, 5 };
#define NM (sizeof X / sizeof X[0])

static patron_clv_fit_result bgnbd_fit(double scale)
{
    patron_clv_fit_result f = PATRON_CLV_FIT_RESULT_INIT;
    f.params.model = PATRON_CLV_BGNBD;
    double p[4] = { 0.243, 4.414, 0.793, 2.426 };
    double sd[4] = { 0.013, 0.38, 0.19, 0.71 };
    double corr[4][4] = { { 1, 0.8, 0.1, 0.1 }, { 0.8, 1, 0.05, 0.05 }, { 0.1, 0.05, 1, 0.9 }, { 0.1, 0.05, 0.9, 1 } };
    for (int i = 0; i < 4; i++) {
        f.params.p[i] = p[i];
        for (int j = 0; j < 4; j++)
            f.cov[i * 4 + j] = scale * corr[i][j] * sd[i] * sd[j];
    }
    f.n_params = 4;
    return f;
}

static patron_clv_fit_result gg_fit(double scale)
{
    patron_clv_fit_result f = PATRON_CLV_FIT_RESULT_INIT;
    f.params.model = PATRON_CLV_GG;
    double p[3] = { 6.25, 3.74, 1544.0 };
    double sd[3] = { 1.2, 0.5, 400.0 };
    double corr[3][3] = { { 1, -0.3, -0.5 }, { -0.3, 1, 0.7 }, { -0.5, 0.7, 1 } };
    for (int i = 0; i < 3; i++) {
        f.params.p[i] = p[i];
        for (int j = 0; j < 3; j++)
            f.cov[i * 4 + j] = scale * corr[i][j] * sd[i] * sd[j];
    }
    f.n_params = 3;
    return f;
}

static patron_clv_data members(void)
{
    patron_clv_data d = { NM, X, TX, TT, MON, W };
    return d;
}

static const int64_t ACQ[] = { 10, 0, 5, 20, 3, 0, 0, 0, 0, 0, 0, 0, 0, 7 };
#define NACQ (sizeof ACQ / sizeof ACQ[0])

static patron_plan_options options(void)
{
    patron_plan_options o = PATRON_PLAN_OPTIONS_INIT;
    o.years = 3;
    o.draws = 9;
    o.seed = 20261202;
    o.periods_per_year = 52.0;
    o.earn_rate = 0.02;
    o.redeem_share = 0.6;
    o.redeem_months = 8;
    o.expiry_months = 18;
    o.cost_per_point = 0.8;
    o.fixed_cost = 500;
    o.incremental_share = 0.1;
    o.margin = 0.35;
    o.discount_rate = 0.07;
    return o;
}

/* ---- the model ------------------------------------------------------------- */

/* 2F1(a, b; c; z) for |z| < 1 by its series, plainly. */
static double f21(double a, double b, double c, double z)
{
    double term = 1, sum = 1;
    for (int k = 0; k < 200000; k++) {
        term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z;
        sum += term;
        if (fabs(term) < 1e-17 * fabs(sum))
            break;
    }
    return sum;
}

/* Fader, Hardie & Lee (2005), eq. 10 and its P(alive). */
static double m_palive(const double *p, double x, double tx, double T)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    if (x == 0)
        return 1;
    return 1 / (1 + a / (b + x - 1) * pow((al + T) / (al + tx), r + x));
}

static double m_ce(const double *p, double x, double tx, double T, double t)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double num = (a + b + x - 1) / (a - 1) *
                 (1 - pow((al + T) / (al + T + t), r + x) * f21(r + x, b + x, a + b + x - 1, t / (al + T + t)));
    double den = 1 + (x > 0 ? a / (b + x - 1) * pow((al + T) / (al + tx), r + x) : 0);
    return num / den;
}

static double m_ex_new(const double *p, double t)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    if (t <= 0)
        return 0;
    return (a + b - 1) / (a - 1) * (1 - pow(al / (al + t), r) * f21(r, b, a + b - 1, t / (al + t)));
}

/* E_p[(1 + p z)^-(r+x)], p ~ Beta(a, b + x), z = t / (alpha + T), as
 * 2F1(r + x, a; a + b + x; -z) = (1 + z)^-(r+x) 2F1(r + x, b + x; a + b + x; z/(1+z))
 * (Pfaff on the first argument: the library takes the second when it can). */
static double m_surv(const double *p, double x, double T, double t)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double z = t / (al + T);
    return pow(1 + z, -(r + x)) * f21(r + x, b + x, a + b + x, z / (1 + z));
}

static double m_shift(const double *I, int y, double L)
{
    int n = (int)floor(L);
    double f = L - n, v = 0;
    if (y - n >= 1)
        v += (1 - f) * I[y - n];
    if (y - n - 1 >= 1)
        v += f * I[y - n - 1];
    return v;
}

/* The guide's year table for parameters p (BG/NBD) and spend (p, q, gamma). */
static void m_table(double *m, const double *p, const double *g, const patron_plan_options *o)
{
    int Y = o->years;
    double P = o->periods_per_year, mean = g[2] * g[0] / (g[1] - 1);
    memset(m, 0, sizeof(double) * (size_t)Y * M);
    double N0 = 0;
    for (size_t i = 0; i < NM; i++)
        N0 += W[i];
    for (int y = 1; y <= Y; y++) {
        double *row = m + (y - 1) * M, e = y * P, s = (y - 1) * P;
        for (size_t i = 0; i < NM; i++) {
            if (TT[i] == 0) { /* enrolled at the start: a new customer from 0 */
                double d = m_ex_new(p, e) - m_ex_new(p, s);
                row[2] += W[i] * d;
                row[3] += W[i] * d * mean;
                row[1] += W[i] * m_surv(p, 0, 0, e);
                continue;
            }
            double d = m_ce(p, X[i], TX[i], TT[i], e) - (y > 1 ? m_ce(p, X[i], TX[i], TT[i], s) : 0);
            double spend = (g[1] - 1) / (g[0] * X[i] + g[1] - 1) * mean + g[0] * X[i] / (g[0] * X[i] + g[1] - 1) * MON[i];
            row[2] += W[i] * d;
            row[3] += W[i] * d * spend;
            row[1] += W[i] * m_palive(p, X[i], TX[i], TT[i]) * m_surv(p, X[i], TT[i], e);
        }
        double members = N0;
        for (size_t mo = 0; mo < NACQ; mo++) {
            double A = (double)ACQ[mo], birth = (mo + 0.5) * P / 12;
            int yj = (int)(mo / 12) + 1;
            if ((int)mo < 12 * y)
                members += A;
            if (y < yj)
                continue;
            double rep = m_ex_new(p, e - birth) - m_ex_new(p, s - birth > 0 ? s - birth : 0);
            double pur = (y == yj ? 1 : 0) + rep;
            row[2] += A * pur;
            row[3] += A * pur * mean;
            row[1] += A * m_surv(p, 0, 0, e - birth);
        }
        row[0] = members;
    }
    double I[64] = { 0 }, ci = 0, cr = 0, ce = 0, num = 0, den = 0;
    for (int y = 1; y <= Y; y++) {
        double *row = m + (y - 1) * M;
        I[y] = row[3] * o->earn_rate;
        double R = o->redeem_share * m_shift(I, y, o->redeem_months / 12);
        double E = o->expiry_months > 0 ? (1 - o->redeem_share) * m_shift(I, y, o->expiry_months / 12) : 0;
        ci += I[y];
        cr += R;
        ce += E;
        double cost = R * o->cost_per_point + o->fixed_cost, prof = row[3] * o->incremental_share * o->margin;
        row[4] = I[y];
        row[5] = R;
        row[6] = E;
        row[7] = ci - cr - ce;
        row[8] = o->cost_per_point * (o->redeem_share * ci - cr);
        row[9] = cost;
        row[10] = prof;
        row[11] = (prof - cost) / cost;
        num += (prof - cost) / pow(1 + o->discount_rate, y);
        den += cost / pow(1 + o->discount_rate, y);
        row[12] = num / den;
    }
}

/* Cholesky of cov_ij / (p_i p_j) and theta = log p + L z. */
static void m_draw(double *out, const patron_clv_fit_result *f, int k, patron_rng *g)
{
    double C[4][4], L[4][4] = { { 0 } }, z[4];
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            C[i][j] = f->cov[i * 4 + j] / (f->params.p[i] * f->params.p[j]);
    for (int j = 0; j < k; j++) {
        double s = C[j][j];
        for (int m = 0; m < j; m++)
            s -= L[j][m] * L[j][m];
        L[j][j] = sqrt(s);
        for (int i = j + 1; i < k; i++) {
            double t = C[i][j];
            for (int m = 0; m < j; m++)
                t -= L[i][m] * L[j][m];
            L[i][j] = t / L[j][j];
        }
    }
    assert_int_equal(patron_rng_draw(g, PATRON_DIST_NORMAL, 0, 1, z, (size_t)k), 0);
    for (int i = 0; i < k; i++) {
        double th = log(f->params.p[i]);
        for (int j = 0; j <= i; j++)
            th += L[i][j] * z[j];
        out[i] = exp(th);
    }
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double m_quantile(double *v, int n, double q)
{
    qsort(v, (size_t)n, sizeof *v, cmpd);
    double h = (n - 1) * q;
    int lo = (int)floor(h), hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (h - lo) * (v[hi] - v[lo]);
}

static int close9(double got, double want)
{
    if (!pt_close(got, want, 1e-9, 1e-9)) {
        print_message("got %.17g want %.17g\n", got, want);
        return 0;
    }
    return 1;
}

/* ---- tests ----------------------------------------------------------------- */

static void matches_the_model(void **state)
{
    (void)state;
    patron_clv_fit_result tx = bgnbd_fit(1), gg = gg_fit(1);
    patron_clv_data d = members();
    patron_plan_options o = options();
    patron_plan *plan = NULL;
    assert_int_equal(patron_plan_project(&plan, &tx, &gg, &d, ACQ, NACQ, &o), PATRON_OK);
    assert_int_equal(patron_plan_years(plan), 3);
    assert_int_equal(patron_plan_draws(plan), 9);
    assert_int_equal(patron_plan_redraws(plan), 0); /* the model below draws each once */
    double want[3 * M], draws[9][3 * M];
    m_table(want, tx.params.p, gg.params.p, &o);
    for (int y = 1; y <= 3; y++)
        for (int m = 0; m < M; m++)
            assert_true(close9(patron_plan_value(plan, y, m, PATRON_PLAN_ESTIMATE), want[(y - 1) * M + m]));
    for (int dr = 0; dr < 9; dr++) {
        patron_rng g;
        patron_rng_seed_stream(&g, o.seed, (uint64_t)dr);
        double p[4], s[3];
        m_draw(p, &tx, 4, &g);
        do
            m_draw(s, &gg, 3, &g);
        while (!(s[1] > 1));
        m_table(draws[dr], p, s, &o);
        for (int j = 0; j < 3 * M; j++)
            assert_true(close9(patron_plan_draw_value(plan, dr, j / M + 1, j % M), draws[dr][j]));
    }
    for (int j = 0; j < 3 * M; j++) {
        double v[9];
        for (int dr = 0; dr < 9; dr++)
            v[dr] = draws[dr][j];
        double q[3] = { m_quantile(v, 9, 0.1), m_quantile(v, 9, 0.5), m_quantile(v, 9, 0.9) };
        for (int s = 0; s < 3; s++)
            assert_true(close9(patron_plan_value(plan, j / M + 1, j % M, s + 1), q[s]));
    }
    /* the draws differ: the scenarios are not one value */
    assert_true(patron_plan_value(plan, 2, PATRON_PLAN_REVENUE, PATRON_PLAN_P10) <
                patron_plan_value(plan, 2, PATRON_PLAN_REVENUE, PATRON_PLAN_P90));
    patron_plan_free(plan);
}

static void percentiles_are_ordered(void **state)
{
    (void)state;
    patron_clv_fit_result tx = bgnbd_fit(2), gg = gg_fit(2);
    patron_clv_data d = members();
    patron_plan_options o = options();
    o.draws = 60;
    o.years = 6;
    patron_plan *plan = NULL;
    int rc = patron_plan_project(&plan, &tx, &gg, &d, ACQ, NACQ, &o);
    if (rc)
        print_message("%s\n", patron_errmsg());
    assert_int_equal(rc, PATRON_OK);
    for (int y = 1; y <= 6; y++)
        for (int m = 0; m < M; m++) {
            double a = patron_plan_value(plan, y, m, 1), b = patron_plan_value(plan, y, m, 2),
                   c = patron_plan_value(plan, y, m, 3);
            assert_true(isfinite(a) && a <= b && b <= c);
        }
    assert_int_equal(patron_plan_redraws(plan), 0);
    /* members are counted, not drawn */
    assert_true(patron_plan_value(plan, 6, PATRON_PLAN_MEMBERS, 1) == 19 + 45);
    assert_true(patron_plan_value(plan, 1, PATRON_PLAN_MEMBERS, 3) == 19 + 38);
    patron_plan_free(plan);
}

/* A fit so uncertain that some draws have a + b <= 1, where BG/NBD's
 * expectations for members without repeat purchases do not converge: those
 * are drawn again, counted, and the percentiles stay ordered. */
static void wide_fits_redraw(void **state)
{
    (void)state;
    patron_clv_fit_result tx = bgnbd_fit(6), gg = gg_fit(1);
    patron_clv_data d = members();
    patron_plan_options o = options();
    o.draws = 80;
    patron_plan *plan = NULL;
    int rc = patron_plan_project(&plan, &tx, &gg, &d, ACQ, NACQ, &o);
    if (rc)
        print_message("%s\n", patron_errmsg());
    assert_int_equal(rc, PATRON_OK);
    assert_true(patron_plan_redraws(plan) > 0);
    for (int y = 1; y <= 3; y++)
        for (int m = 0; m < M; m++)
            assert_true(patron_plan_value(plan, y, m, 1) <= patron_plan_value(plan, y, m, 2) &&
                        patron_plan_value(plan, y, m, 2) <= patron_plan_value(plan, y, m, 3));
    char *j = NULL;
    assert_int_equal(patron_plan_to_json(&j, plan), 0);
    char want[64];
    snprintf(want, sizeof want, "\"redraws\": %lld,", (long long)patron_plan_redraws(plan));
    assert_non_null(strstr(j, want));
    patron_free(j);
    patron_plan_free(plan);
}

static void deterministic_under_the_seed(void **state)
{
    (void)state;
    patron_clv_fit_result tx = bgnbd_fit(1), gg = gg_fit(1);
    patron_clv_data d = members();
    patron_plan_options o = options();
    patron_plan *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal(patron_plan_project(&a, &tx, &gg, &d, ACQ, NACQ, &o), PATRON_OK);
    assert_int_equal(patron_plan_project(&b, &tx, &gg, &d, ACQ, NACQ, &o), PATRON_OK);
    o.seed++;
    assert_int_equal(patron_plan_project(&c, &tx, &gg, &d, ACQ, NACQ, &o), PATRON_OK);
    char *ja = NULL, *jb = NULL, *jc = NULL;
    assert_int_equal(patron_plan_to_json(&ja, a), 0);
    assert_int_equal(patron_plan_to_json(&jb, b), 0);
    assert_int_equal(patron_plan_to_json(&jc, c), 0);
    assert_string_equal(ja, jb);
    assert_string_not_equal(ja, jc);
    assert_non_null(strstr(ja, "\"metric\": \"cumulative_roi\""));
    assert_non_null(strstr(ja, "\"model\": \"bgnbd\""));
    patron_free(ja);
    patron_free(jb);
    patron_free(jc);
    patron_plan_free(a);
    patron_plan_free(b);
    patron_plan_free(c);
}

static void zero_covariance_collapses_the_scenarios(void **state)
{
    (void)state;
    patron_clv_fit_result tx = bgnbd_fit(0), gg = gg_fit(0);
    patron_clv_data d = members();
    patron_plan_options o = options();
    patron_plan *plan = NULL;
    assert_int_equal(patron_plan_project(&plan, &tx, &gg, &d, ACQ, NACQ, &o), PATRON_OK);
    for (int y = 1; y <= 3; y++)
        for (int m = 0; m < M; m++) {
            double e = patron_plan_value(plan, y, m, 0);
            for (int s = 1; s <= 3; s++)
                assert_true(close9(patron_plan_value(plan, y, m, s), e));
        }
    patron_plan_free(plan);
}

static void pareto_survival_and_mbg(void **state)
{
    (void)state;
    /* Pareto/NBD: active = sum w P(alive at T) ((beta + T)/(beta + T + t))^s. */
    patron_clv_fit_result tx = PATRON_CLV_FIT_RESULT_INIT, gg = gg_fit(0);
    tx.params.model = PATRON_CLV_PNBD;
    double p[4] = { 0.55, 10.58, 0.61, 11.67 };
    memcpy(tx.params.p, p, sizeof p);
    tx.n_params = 4;
    patron_clv_data d = { 7, X, TX, TT, MON, W }; /* without the T = 0 row */
    patron_plan_options o = options();
    o.draws = 1;
    patron_plan *plan = NULL;
    assert_int_equal(patron_plan_project(&plan, &tx, &gg, &d, NULL, 0, &o), PATRON_OK);
    double pa[7];
    assert_int_equal(patron_clv_prob_alive(pa, &tx.params, &d), 0);
    for (int y = 1; y <= 3; y++) {
        double want = 0;
        for (int i = 0; i < 7; i++)
            want += W[i] * pa[i] * pow((p[3] + TT[i]) / (p[3] + TT[i] + y * 52.0), p[2]);
        assert_true(close9(patron_plan_value(plan, y, PATRON_PLAN_ACTIVE, 0), want));
    }
    patron_plan_free(plan);
    /* MBG/NBD: a new member is alive after the first purchase with b/(a+b),
     * then survives with b + 1: (1+z)^-a 2F1(a + b + 1 - r, a; a + b + 1; z/(1+z)). */
    patron_clv_fit_result mb = bgnbd_fit(0);
    mb.params.model = PATRON_CLV_MBGNBD;
    patron_clv_data none = { 0, NULL, NULL, NULL, NULL, NULL };
    int64_t one[1] = { 1000 };
    assert_int_equal(patron_plan_project(&plan, &mb, &gg, &none, one, 1, &o), PATRON_OK);
    const double *q = mb.params.p;
    for (int y = 1; y <= 3; y++) {
        double t = y * 52.0 - 52.0 / 24, z = t / q[1];
        double want = 1000 * q[3] / (q[2] + q[3]) * pow(1 + z, -q[2]) * f21(q[2] + q[3] + 1 - q[0], q[2], q[2] + q[3] + 1, z / (1 + z));
        assert_true(close9(patron_plan_value(plan, y, PATRON_PLAN_ACTIVE, 0), want));
    }
    patron_plan_free(plan);
}

static void campaign_budget_and_roi(void **state)
{
    (void)state;
    patron_clv_fit_result tx = bgnbd_fit(1), gg = gg_fit(1);
    patron_clv_data d = members();
    patron_plan_options o = options();
    patron_plan *plan = NULL;
    assert_int_equal(patron_plan_project(&plan, &tx, &gg, &d, ACQ, NACQ, &o), PATRON_OK);
    patron_plan_campaign c = PATRON_PLAN_CAMPAIGN_INIT;
    c.year = 2;
    c.target_share = 0.4;
    c.points = 5000;
    c.fixed_cost = 2000;
    c.lift = 0.03;
    c.lift_se = 0.01;
    patron_plan_campaign_result r = PATRON_PLAN_CAMPAIGN_RESULT_INIT;
    assert_int_equal(patron_plan_campaign_project(&r, plan, &c), PATRON_OK);
    assert_true(close9(r.budget, 5000 * 0.8 + 2000));
    double rev = patron_plan_value(plan, 2, PATRON_PLAN_REVENUE, 0);
    assert_true(close9(r.incremental_revenue[0], 0.4 * rev * 0.03));
    assert_true(close9(r.roi[0], (0.4 * rev * 0.03 * 0.35 - 6000) / 6000));
    double inc[9], roi[9];
    for (int dr = 0; dr < 9; dr++) {
        patron_rng g;
        patron_rng_seed_stream(&g, o.seed, 1000000 + (uint64_t)dr);
        double z;
        assert_int_equal(patron_rng_draw(&g, PATRON_DIST_NORMAL, 0, 1, &z, 1), 0);
        inc[dr] = 0.4 * patron_plan_draw_value(plan, dr, 2, PATRON_PLAN_REVENUE) * (0.03 + 0.01 * z);
        roi[dr] = (inc[dr] * 0.35 - 6000) / 6000;
    }
    assert_true(close9(r.incremental_revenue[2], m_quantile(inc, 9, 0.5)));
    assert_true(close9(r.roi[1], m_quantile(roi, 9, 0.1)));
    assert_true(close9(r.roi[3], m_quantile(roi, 9, 0.9)));
    assert_true(r.roi[1] <= r.roi[2] && r.roi[2] <= r.roi[3]);
    c.year = 4;
    assert_int_equal(patron_plan_campaign_project(&r, plan, &c), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "year 4"));
    c.year = 1;
    c.lift = NAN;
    assert_int_equal(patron_plan_campaign_project(&r, plan, &c), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "lift"));
    patron_plan_free(plan);
}

static void campaign_lift_from_a_measurement(void **state)
{
    (void)state;
    patron_campaign_measure_result m;
    memset(&m, 0, sizeof m);
    m.size = sizeof m;
    m.control.revenue_per_member = 2000;
    m.revenue_diff = 100;
    m.revenue_diff_ci[0] = 100 - 1.959963984540054 * 40;
    m.revenue_diff_ci[1] = 100 + 1.959963984540054 * 40;
    patron_plan_campaign c = PATRON_PLAN_CAMPAIGN_INIT;
    c.points = 7;
    assert_int_equal(patron_plan_campaign_from_measure(&c, &m, 0.05), PATRON_OK);
    assert_true(close9(c.lift, 0.05));
    assert_true(close9(c.lift_se, 40.0 / 2000));
    assert_true(c.points == 7);
    m.control.revenue_per_member = NAN;
    patron_plan_campaign before = c;
    assert_int_equal(patron_plan_campaign_from_measure(&c, &m, 0.05), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "control group's revenue per member is nan"));
    assert_memory_equal(&c, &before, sizeof c);
    m.control.revenue_per_member = 2000;
    assert_int_equal(patron_plan_campaign_from_measure(&c, &m, 1.5), PATRON_EINVAL);
}

static void expect_fail(const patron_clv_fit_result *tx, const patron_clv_fit_result *gg, const patron_clv_data *d,
                        const int64_t *acq, size_t n, const patron_plan_options *o, int code, const char *needle)
{
    patron_plan *plan = (patron_plan *)(uintptr_t)1; /* must stay untouched */
    assert_int_equal(patron_plan_project(&plan, tx, gg, d, acq, n, o), code);
    assert_ptr_equal(plan, (patron_plan *)(uintptr_t)1);
    if (!strstr(patron_errmsg(), needle)) {
        print_message("message \"%s\" lacks \"%s\"\n", patron_errmsg(), needle);
        fail();
    }
}

static void bad_inputs_are_rejected(void **state)
{
    (void)state;
    patron_clv_fit_result tx = bgnbd_fit(1), gg = gg_fit(1);
    patron_clv_data d = members();
    patron_plan_options o = options();
    int64_t neg[3] = { 5, -2, 1 };
    expect_fail(&tx, &gg, &d, neg, 3, &o, PATRON_EINVAL, "acquisitions month 2 is -2");
    o.years = 0;
    expect_fail(&tx, &gg, &d, ACQ, NACQ, &o, PATRON_EINVAL, "years 0 is not within 1..50");
    o.years = 51;
    expect_fail(&tx, &gg, &d, ACQ, NACQ, &o, PATRON_EINVAL, "years 51");
    o = options();
    o.years = 1;
    expect_fail(&tx, &gg, &d, ACQ, NACQ, &o, PATRON_EINVAL, "acquisitions has 14 months, more than the 12");
    o = options();
    o.earn_rate = NAN;
    expect_fail(&tx, &gg, &d, ACQ, NACQ, &o, PATRON_EINVAL, "option earn_rate is nan");
    o = options();
    o.redeem_share = 1.5;
    expect_fail(&tx, &gg, &d, ACQ, NACQ, &o, PATRON_EINVAL, "option redeem_share is 1.5");
    o = options();
    o.redeem_months = 20;
    expect_fail(&tx, &gg, &d, ACQ, NACQ, &o, PATRON_EINVAL, "redeem_months 20 is not below expiry_months 18");
    o = options();
    o.draws = 0;
    expect_fail(&tx, &gg, &d, ACQ, NACQ, &o, PATRON_EINVAL, "draws 0");
    o = options();
    double badx[NM];
    memcpy(badx, X, sizeof X);
    badx[3] = NAN;
    patron_clv_data bd = d;
    bd.frequency = badx;
    expect_fail(&tx, &gg, &bd, ACQ, NACQ, &o, PATRON_EINVAL, "members row 3: frequency nan");
    double badt[NM];
    memcpy(badt, TX, sizeof TX);
    badt[2] = 90;
    bd = d;
    bd.recency = badt;
    expect_fail(&tx, &gg, &bd, ACQ, NACQ, &o, PATRON_EINVAL, "members row 2: recency 90 is not within 0..T (T = 75)");
    patron_clv_fit_result t2 = tx;
    t2.params.p[1] = NAN;
    expect_fail(&t2, &gg, &d, ACQ, NACQ, &o, PATRON_EINVAL, "parameter alpha is nan");
    t2 = tx;
    t2.cov[5] = -1;
    expect_fail(&t2, &gg, &d, ACQ, NACQ, &o, PATRON_EINVAL, "covariance[1][1] is -1");
    patron_clv_fit_result g2 = gg;
    g2.params.p[1] = 0.9;
    expect_fail(&tx, &g2, &d, ACQ, NACQ, &o, PATRON_EINVAL, "q is 0.9");
    expect_fail(&tx, &tx, &d, ACQ, NACQ, &o, PATRON_EINVAL, "not Gamma-Gamma");
    t2 = tx;
    t2.params.model = PATRON_CLV_BGBB;
    expect_fail(&t2, &gg, &d, ACQ, NACQ, &o, PATRON_EUNSUPPORTED, "only bgnbd, mbgnbd and pnbd");
    expect_fail(&tx, &gg, &d, NULL, 3, &o, PATRON_EINVAL, "acquisitions is NULL");
}

static int project_and_free(void *ctx)
{
    (void)ctx;
    patron_clv_fit_result tx = bgnbd_fit(1), gg = gg_fit(1);
    patron_clv_data d = members();
    patron_plan_options o = options();
    o.draws = 3;
    patron_plan *plan = NULL;
    int rc = patron_plan_project(&plan, &tx, &gg, &d, ACQ, NACQ, &o);
    if (rc)
        return plan == NULL ? rc : PATRON_EINTERNAL; /* the output stays untouched */
    char *j = NULL;
    patron_plan_campaign c = PATRON_PLAN_CAMPAIGN_INIT;
    c.points = 10;
    c.lift = 0.01;
    patron_plan_campaign_result r = PATRON_PLAN_CAMPAIGN_RESULT_INIT;
    rc = patron_plan_to_json(&j, plan);
    if (!rc)
        rc = patron_plan_campaign_project(&r, plan, &c);
    patron_free(j);
    patron_plan_free(plan);
    return rc;
}

/* Every allocation of a projection, its JSON and a campaign, failed in
 * turn: PATRON_ENOMEM, nothing leaked, the output untouched. */
static void allocation_failures(void **state)
{
    (void)state;
    size_t walked = pt_failalloc_walk(project_and_free, NULL, NULL);
    assert_true(walked > 10);
}

static int same_options(const patron_plan_options *a, const patron_plan_options *b)
{
    return a->size == b->size && a->years == b->years && a->draws == b->draws && a->seed == b->seed &&
           a->periods_per_year == b->periods_per_year && a->earn_rate == b->earn_rate &&
           a->redeem_share == b->redeem_share && a->redeem_months == b->redeem_months &&
           a->expiry_months == b->expiry_months && a->cost_per_point == b->cost_per_point &&
           a->fixed_cost == b->fixed_cost && a->incremental_share == b->incremental_share &&
           a->margin == b->margin && a->discount_rate == b->discount_rate;
}

static void plan_file(void **state)
{
    (void)state;
    patron_plan_options o = PATRON_PLAN_OPTIONS_INIT;
    int64_t acq[600] = { 0 };
    size_t n = 99;
    const char *js = "{\"years\": 3, \"draws\": 7, \"seed\": 12345678901, \"earn_rate\": 0.02,"
                     " \"expiry_months\": 18, \"acquisitions\": [10, 0, 5]}";
    assert_int_equal(patron_plan_inputs_from_json(&o, acq, 600, &n, js, strlen(js)), PATRON_OK);
    assert_int_equal(o.size, sizeof o);
    assert_int_equal(o.years, 3);
    assert_int_equal(o.draws, 7);
    assert_true(o.seed == UINT64_C(12345678901));
    assert_true(o.earn_rate == 0.02 && o.expiry_months == 18 && o.redeem_share == 0.7);
    assert_int_equal(n, 3);
    assert_true(acq[0] == 10 && acq[1] == 0 && acq[2] == 5);
    js = "{\"years\": 2, \"acquisitions\": 40}"; /* every month */
    assert_int_equal(patron_plan_inputs_from_json(&o, acq, 600, &n, js, strlen(js)), PATRON_OK);
    assert_int_equal(n, 24);
    assert_true(acq[0] == 40 && acq[23] == 40);
    /* errors name the key; nothing is written */
    patron_plan_options before = o;
    struct {
        const char *text;
        int code;
        const char *needle;
    } bad[] = {
        { "{\"yeras\": 3}", PATRON_EINVAL, "unknown key \"yeras\"" },
        { "{\"years\": 2.5}", PATRON_EINVAL, "years 2.5 is not a whole number" },
        { "{\"margin\": \"high\"}", PATRON_EINVAL, "margin is not a number" },
        { "{\"acquisitions\": [1, \"x\"]}", PATRON_EINVAL, "acquisitions[1] is not a whole number" },
        { "{\"acquisitions\": {}}", PATRON_EINVAL, "acquisitions is neither" },
        { "[1]", PATRON_EINVAL, "not a JSON object" },
        { "{\"years\": }", PATRON_EPARSE, "line 1" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = 77;
        assert_int_equal(patron_plan_inputs_from_json(&o, acq, 600, &n, bad[i].text, strlen(bad[i].text)), bad[i].code);
        if (!strstr(patron_errmsg(), bad[i].needle)) {
            print_message("\"%s\" lacks \"%s\"\n", patron_errmsg(), bad[i].needle);
            fail();
        }
        assert_int_equal(n, 77);
        assert_true(same_options(&o, &before)); /* field by field: the padding is nobody's */
    }
    js = "{\"acquisitions\": [1, 2, 3]}";
    assert_int_equal(patron_plan_inputs_from_json(&o, acq, 2, &n, js, strlen(js)), PATRON_ERANGE);
    /* a NaN from the file reaches the projection's check, which names the option */
    js = "{\"margin\": \"NaN\", \"years\": 3}";
    assert_int_equal(patron_plan_inputs_from_json(&o, acq, 600, &n, js, strlen(js)), PATRON_OK);
    assert_true(isnan(o.margin));
    patron_clv_fit_result tx = bgnbd_fit(1), gg = gg_fit(1);
    patron_clv_data d = members();
    expect_fail(&tx, &gg, &d, NULL, 0, &o, PATRON_EINVAL, "option margin is nan");
    js = "{\"margin\": NaN}";
    assert_int_equal(patron_plan_inputs_from_json(&o, acq, 600, &n, js, strlen(js)), PATRON_EPARSE);
}

static void accessors_out_of_range(void **state)
{
    (void)state;
    assert_true(isnan(patron_plan_value(NULL, 1, 0, 0)));
    assert_int_equal(patron_plan_years(NULL), 0);
    assert_null(patron_plan_metric_name(13));
    assert_string_equal(patron_plan_metric_name(PATRON_PLAN_LIABILITY), "liability");
    patron_clv_fit_result tx = bgnbd_fit(1), gg = gg_fit(1);
    patron_clv_data d = members();
    patron_plan *plan = NULL;
    assert_int_equal(patron_plan_project(&plan, &tx, &gg, &d, NULL, 0, NULL), PATRON_OK);
    assert_int_equal(patron_plan_years(plan), 5);
    assert_int_equal(patron_plan_draws(plan), 100);
    assert_true(isnan(patron_plan_value(plan, 6, 0, 0)));
    assert_true(isnan(patron_plan_value(plan, 1, 0, 4)));
    assert_true(isnan(patron_plan_draw_value(plan, 100, 1, 0)));
    assert_false(isnan(patron_plan_draw_value(plan, 99, 5, 12)));
    patron_plan_free(plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_the_model),
        cmocka_unit_test(percentiles_are_ordered),
        cmocka_unit_test(wide_fits_redraw),
        cmocka_unit_test(deterministic_under_the_seed),
        cmocka_unit_test(zero_covariance_collapses_the_scenarios),
        cmocka_unit_test(pareto_survival_and_mbg),
        cmocka_unit_test(campaign_budget_and_roi),
        cmocka_unit_test(bad_inputs_are_rejected),
        cmocka_unit_test(accessors_out_of_range),
        cmocka_unit_test(plan_file),
        cmocka_unit_test(campaign_lift_from_a_measurement),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
