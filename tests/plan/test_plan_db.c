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
    patron_sim_options so = PATRON_SIM_OPTIONS_INIT;
    so.r = 0.243;
    so.alpha = 4.414;
    so.a = 0.793;
    so.b = 2.426;
    so.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
    so.spend_p = 6.25;
    so.spend_q = 3.74;
    so.spend_gamma = 15.44;
    so.customers = MEMBERS;
    so.periods = 300;
    so.cohort_periods = 60;
    so.start = T0;
    so.seed = 11;
    patron_sim *sim;
    assert_int_equal(patron_sim_run(&sim, &so), PATRON_OK);
    patron_db *db = pt_store_new(NULL);
    int64_t ids[MEMBERS];
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    for (int i = 0; i < MEMBERS; i++) {
        char phone[24];
        snprintf(phone, sizeof phone, "+97250%07d", 3000 + i);
        ids[i] = pt_member(db, phone, "sms", T0);
    }
    const int64_t *cust = patron_sim_tx_customer(sim), *at = patron_sim_tx_time(sim), *amount = patron_sim_tx_amount(sim);
    for (size_t k = 0; k < patron_sim_n_transactions(sim); k++) {
        char key[32];
        snprintf(key, sizeof key, "o-%zu", k);
        patron_purchase_line line = {"hats", NULL, amount[k]};
        patron_purchase p = PATRON_PURCHASE_INIT;
        p.key = key;
        p.member_id = ids[cust[k] % MEMBERS];
        p.at = at[k];
        p.lines = &line;
        p.n_lines = 1;
        patron_earn_result r;
        assert_int_equal(patron_earn_purchase(db, &r, &p), PATRON_OK);
    }
    assert_int_equal(patron_batch_commit(db), PATRON_OK);
    patron_sim_free(sim);
    return db;
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
        cmocka_unit_test(test_empty_store_fails_clearly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
