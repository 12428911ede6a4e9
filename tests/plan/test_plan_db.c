/* patron_plan_from_db(): the store's program projected must be exactly the
 * pure projection of an independent pipeline (patron_txlog_from_db,
 * patron_summarize, BG/NBD and Gamma-Gamma fitted to the members with
 * T > 0, the ledger policy's expiry). SQLite and PostgreSQL. */
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
#include "store_support.h"

#define T0 1700000000
#define DAY 86400
#define MEMBERS 300

static patron_db *shop(void)
{
    int64_t ids[MEMBERS];
    return pt_simulated_shop(MEMBERS, 11, 3000, ids);
}

static void test_store_plan_is_the_pure_projection(void **state)
{
    (void)state;
    patron_db *db = shop();
    patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
    pol.expiry_months = 24;
    assert_int_equal(patron_ledger_set_policy(db, &pol), PATRON_OK);
    int64_t as_of = T0 + 320 * DAY;
    int64_t acq[24];
    for (int i = 0; i < 24; i++)
        acq[i] = 10 + i;
    patron_plan_options o = PATRON_PLAN_OPTIONS_INIT;
    o.years = 4;
    o.draws = 20;
    o.seed = 5;
    patron_plan *got = NULL;
    int rc = patron_plan_from_db(&got, db, as_of, acq, 24, &o);
    if (rc)
        print_message("%s\n", patron_errmsg());
    assert_int_equal(rc, PATRON_OK);
    assert_int_equal(patron_plan_fit_id(got), 0); /* nothing stored: fitted now */

    /* the independent pipeline */
    patron_store_log_options lo = PATRON_STORE_LOG_OPTIONS_INIT;
    lo.as_of = as_of;
    patron_txlog *log;
    assert_int_equal(patron_txlog_from_db(db, &log, &lo), PATRON_OK);
    patron_summary_options so = PATRON_SUMMARY_OPTIONS_INIT;
    so.observation_end = as_of;
    patron_frame *f;
    assert_int_equal(patron_summarize(&f, log, &so), PATRON_OK);
    const double *x = patron_frame_double_by_name(f, "frequency"), *tx = patron_frame_double_by_name(f, "recency"),
                 *T = patron_frame_double_by_name(f, "T"), *m = patron_frame_double_by_name(f, "monetary_value");
    static double X[MEMBERS], TX[MEMBERS], TT[MEMBERS], M[MEMBERS];
    size_t n = 0;
    for (size_t r = 0; r < patron_frame_rows(f); r++)
        if (T[r] > 0) {
            X[n] = x[r];
            TX[n] = tx[r];
            TT[n] = T[r];
            M[n] = m[r];
            n++;
        }
    patron_clv_data fit_data = {n, X, TX, TT, M, NULL};
    patron_clv_fit_result bg = PATRON_CLV_FIT_RESULT_INIT, gg = PATRON_CLV_FIT_RESULT_INIT;
    assert_int_equal(patron_clv_fit(&bg, PATRON_CLV_BGNBD, &fit_data, NULL), PATRON_OK);
    assert_int_equal(patron_clv_fit(&gg, PATRON_CLV_GG, &fit_data, NULL), PATRON_OK);
    patron_plan_options po = o;
    po.expiry_months = 24;
    po.periods_per_year = 365.25;
    patron_plan *want = NULL;
    assert_int_equal(patron_plan_project_frame(&want, &bg, &gg, f, acq, 24, &po), PATRON_OK);
    char *a = NULL, *b = NULL;
    assert_int_equal(patron_plan_to_json(&a, got), PATRON_OK);
    assert_int_equal(patron_plan_to_json(&b, want), PATRON_OK);
    assert_string_equal(a, b);
    /* expiry from the policy: points expire from year 3 on */
    assert_true(patron_plan_value(got, 2, PATRON_PLAN_POINTS_EXPIRED, 0) == 0);
    assert_true(patron_plan_value(got, 3, PATRON_PLAN_POINTS_EXPIRED, 0) > 0);
    assert_true(patron_plan_value(got, 1, PATRON_PLAN_MEMBERS, 0) == (double)patron_frame_rows(f) + 10 * 12 + 66);
    patron_free(a);
    patron_free(b);
    patron_plan_free(got);
    patron_plan_free(want);
    patron_frame_free(f);
    patron_txlog_free(log);
    patron_close(db);
}

/* The members' summary as the plan reads it, its rows with T > 0 fitted
 * with `model` and Gamma-Gamma. */
static void fit_store(patron_db *db, int64_t as_of, patron_clv_model model, patron_clv_fit_result *tx,
                      patron_clv_fit_result *gg, patron_frame **frame)
{
    patron_store_log_options lo = PATRON_STORE_LOG_OPTIONS_INIT;
    lo.as_of = as_of;
    patron_txlog *log;
    assert_int_equal(patron_txlog_from_db(db, &log, &lo), PATRON_OK);
    patron_summary_options so = PATRON_SUMMARY_OPTIONS_INIT;
    so.observation_end = as_of;
    assert_int_equal(patron_summarize(frame, log, &so), PATRON_OK);
    patron_txlog_free(log);
    const double *x = patron_frame_double_by_name(*frame, "frequency"),
                 *tx_ = patron_frame_double_by_name(*frame, "recency"), *T = patron_frame_double_by_name(*frame, "T"),
                 *m = patron_frame_double_by_name(*frame, "monetary_value");
    static double X[MEMBERS], TX[MEMBERS], TT[MEMBERS], M[MEMBERS];
    size_t n = 0;
    for (size_t r = 0; r < patron_frame_rows(*frame); r++)
        if (T[r] > 0) {
            X[n] = x[r];
            TX[n] = tx_[r];
            TT[n] = T[r];
            M[n] = m[r];
            n++;
        }
    patron_clv_data d = {n, X, TX, TT, M, NULL};
    assert_int_equal(patron_clv_fit(tx, model, &d, NULL), PATRON_OK);
    assert_int_equal(patron_clv_fit(gg, PATRON_CLV_GG, &d, NULL), PATRON_OK);
}

static void assert_same_values(const patron_plan *a, const patron_plan *b)
{
    assert_int_equal(patron_plan_years(a), patron_plan_years(b));
    for (int y = 1; y <= patron_plan_years(a); y++)
        for (int m = 0; m < PATRON_PLAN_N_METRICS; m++)
            for (int s = 0; s < 4; s++) {
                double u = patron_plan_value(a, y, m, s), v = patron_plan_value(b, y, m, s);
                if (!(u == v || (isnan(u) && isnan(v))))
                    fail_msg("year %d metric %s stat %d: %.17g != %.17g", y, patron_plan_metric_name(m), s, u, v);
            }
}

/* With a fit stored by patron_scores_refresh (Pareto/NBD here, where the
 * plan alone would fit BG/NBD), the plan projects from it: its model,
 * parameters and covariance, named in the output; refit asks for a new
 * fit; a fit of a later moment is not used. */
static void test_plan_uses_the_stored_fit(void **state)
{
    (void)state;
    patron_db *db = shop();
    int64_t as_of = T0 + 320 * DAY;
    patron_score_options so = PATRON_SCORE_OPTIONS_INIT;
    so.as_of = as_of;
    so.model = PATRON_CLV_PNBD;
    patron_score_result sr = PATRON_SCORE_RESULT_INIT;
    int rc = patron_scores_refresh(db, &sr, &so);
    if (rc)
        print_message("%s\n", patron_errmsg());
    assert_int_equal(rc, PATRON_OK);
    assert_true(sr.fit_id > 0 && sr.spend_fitted);
    /* a later fit, of a moment after the plan's: skipped */
    so.as_of = as_of + 10 * DAY;
    so.model = PATRON_CLV_BGNBD;
    patron_score_result later = PATRON_SCORE_RESULT_INIT;
    assert_int_equal(patron_scores_refresh(db, &later, &so), PATRON_OK);
    assert_true(later.fit_id > sr.fit_id);

    patron_plan_options o = PATRON_PLAN_OPTIONS_INIT;
    o.years = 3;
    o.draws = 15;
    o.seed = 4;
    o.expiry_months = 12;
    int64_t acq[12] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
    patron_plan *got = NULL;
    rc = patron_plan_from_db(&got, db, as_of, acq, 12, &o);
    if (rc)
        print_message("%s\n", patron_errmsg());
    assert_int_equal(rc, PATRON_OK);
    assert_int_equal(patron_plan_fit_id(got), sr.fit_id);
    assert_int_equal(patron_plan_fit_as_of(got), as_of);
    assert_int_equal(patron_plan_model(got), PATRON_CLV_PNBD);
    char *json = NULL;
    assert_int_equal(patron_plan_to_json(&json, got), PATRON_OK);
    char want_fit[96];
    snprintf(want_fit, sizeof want_fit, "\"fit\": {\"fit_id\": %lld, \"as_of\": %lld}}", (long long)sr.fit_id,
             (long long)as_of);
    assert_non_null(strstr(json, "\"model\": \"pnbd\""));
    assert_non_null(strstr(json, want_fit));
    patron_free(json);

    /* the same numbers as the pure projection from the same fits (the stored
     * JSON reads back to the same doubles) */
    patron_clv_fit_result tx = PATRON_CLV_FIT_RESULT_INIT, gg = PATRON_CLV_FIT_RESULT_INIT;
    patron_frame *f = NULL;
    fit_store(db, as_of, PATRON_CLV_PNBD, &tx, &gg, &f);
    patron_plan_options po = o;
    patron_plan *want = NULL;
    assert_int_equal(patron_plan_project_frame(&want, &tx, &gg, f, acq, 12, &po), PATRON_OK);
    assert_same_values(got, want);
    patron_plan_free(want);
    patron_frame_free(f);

    /* refit: BG/NBD fitted now, no stored fit named */
    o.refit = 1;
    patron_plan *re = NULL;
    assert_int_equal(patron_plan_from_db(&re, db, as_of, acq, 12, &o), PATRON_OK);
    assert_int_equal(patron_plan_fit_id(re), 0);
    assert_int_equal(patron_plan_model(re), PATRON_CLV_BGNBD);
    assert_int_equal(patron_plan_to_json(&json, re), PATRON_OK);
    assert_non_null(strstr(json, "\"fit\": null}"));
    patron_free(json);
    fit_store(db, as_of, PATRON_CLV_BGNBD, &tx, &gg, &f);
    assert_int_equal(patron_plan_project_frame(&want, &tx, &gg, f, acq, 12, &po), PATRON_OK);
    assert_same_values(re, want);
    patron_plan_free(want);
    patron_frame_free(f);
    patron_plan_free(re);

    /* as of the later fit's moment, that one is used */
    o.refit = 0;
    assert_int_equal(patron_plan_from_db(&re, db, as_of + 10 * DAY, acq, 12, &o), PATRON_OK);
    assert_int_equal(patron_plan_fit_id(re), later.fit_id);
    assert_int_equal(patron_plan_model(re), PATRON_CLV_BGNBD);
    patron_plan_free(re);

    /* a bad refit value, named; the output untouched */
    o.refit = 2;
    re = NULL;
    assert_int_equal(patron_plan_from_db(&re, db, as_of, acq, 12, &o), PATRON_EINVAL);
    assert_null(re);
    assert_non_null(strstr(patron_errmsg(), "refit 2"));
    patron_plan_free(got);
    patron_close(db);
}

static void test_empty_store_fails_clearly(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    patron_plan *p = NULL;
    int rc = patron_plan_from_db(&p, db, T0, NULL, 0, NULL);
    assert_true(rc != PATRON_OK);
    assert_null(p);
    assert_non_null(strstr(patron_errmsg(), "patron_plan_from_db"));
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_plan_is_the_pure_projection),
        cmocka_unit_test(test_plan_uses_the_stored_fit),
        cmocka_unit_test(test_empty_store_fails_clearly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
