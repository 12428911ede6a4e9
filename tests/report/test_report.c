/* Weekly KPIs on a hand-computed log. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "failalloc.h"
#include "patron.h"
#include "support.h"

#define D INT64_C(86400)
#define MON INT64_C(1704067200) /* 2024-01-01, a Monday */

static patron_txlog *make_log(void)
{
    patron_txlog *log;
    assert_int_equal(patron_txlog_new(&log, NULL), 0);
    struct { const char *id; int64_t day, amount; } tx[] = {
        {"A", 0, 1000}, {"B", 8, 300}, {"A", 3, 500}, {"C", -30, 100}, {"A", 10, 2000},
        {"B", 8, 200},  {"D", 4, 100}, {"B", 22, 700}, {"D", 13, 100}, {"C", 15, 400},
    };
    for (size_t i = 0; i < sizeof tx / sizeof tx[0]; i++)
        assert_int_equal(patron_txlog_add(log, tx[i].id, MON + tx[i].day * D, tx[i].amount, NULL, NULL), 0);
    return log;
}

static void test_weekly(void **state)
{
    (void)state;
    patron_txlog *log = make_log();
    patron_weekly_options o = PATRON_WEEKLY_OPTIONS_INIT;
    o.start = MON + 2 * D; /* any time in the week */
    o.end = MON + 22 * D;
    patron_week_report *w = NULL;
    size_t n = 0;
    assert_int_equal(patron_report_weekly(&w, &n, log, &o), 0);
    assert_int_equal(n, 4);
    const int64_t newc[] = {2, 1, 0, 0}, active[] = {3, 4, 4, 4}, buyers[] = {2, 3, 1, 1},
                  purchases[] = {3, 4, 1, 1}, spend[] = {1600, 2600, 400, 700};
    const double freq[] = {4.0 / 3, 2.0, 2.25, 2.5}, basket[] = {1600.0 / 3, 650, 400, 700},
                 median[] = {3, 8, 45, 14};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(w[i].week_start, MON + (int64_t)i * 7 * D);
        assert_int_equal(w[i].new_customers, newc[i]);
        assert_int_equal(w[i].active_customers, active[i]);
        assert_int_equal(w[i].buyers, buyers[i]);
        assert_int_equal(w[i].purchases, purchases[i]);
        assert_int_equal(w[i].spend, spend[i]);
        assert_true(pt_close(w[i].avg_frequency, freq[i], 1e-15, 0));
        assert_true(pt_close(w[i].avg_basket, basket[i], 1e-15, 0));
        assert_true(pt_close(w[i].median_days_between, median[i], 1e-15, 0));
    }
    assert_true(isnan(w[0].new_customers_change));
    assert_true(isnan(w[0].avg_basket_change));
    assert_true(pt_close(w[1].new_customers_change, -0.5, 1e-15, 0));
    assert_true(pt_close(w[2].new_customers_change, -1.0, 1e-15, 0));
    assert_true(isnan(w[3].new_customers_change)); /* previous week had 0 */
    assert_true(pt_close(w[1].active_customers_change, 1.0 / 3, 1e-15, 0));
    assert_true(w[2].active_customers_change == 0.0);
    assert_true(pt_close(w[1].purchases_change, 1.0 / 3, 1e-15, 0));
    assert_true(pt_close(w[1].avg_basket_change, (650 - 1600.0 / 3) / (1600.0 / 3), 1e-14, 0));
    assert_true(pt_close(w[1].median_days_between_change, 5.0 / 3, 1e-15, 0));
    assert_true(pt_close(w[1].avg_frequency_change, 0.5, 1e-15, 0));
    patron_free(w);

    /* a 10-day activity window */
    o.active_days = 10;
    assert_int_equal(patron_report_weekly(&w, &n, log, &o), 0);
    const int64_t active10[] = {2, 3, 2, 1};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(w[i].active_customers, active10[i]);
    assert_true(pt_close(w[3].avg_frequency, 1.0, 0, 0)); /* B22 only */
    patron_free(w);

    /* the whole log by default: weeks without purchases included */
    assert_int_equal(patron_report_weekly(&w, &n, log, NULL), 0);
    assert_int_equal(n, 9);
    assert_int_equal(w[0].week_start, MON - 5 * 7 * D);
    assert_int_equal(w[0].new_customers, 1);
    assert_int_equal(w[2].purchases, 0);
    assert_true(isnan(w[2].avg_basket));
    assert_true(isnan(w[2].median_days_between));
    assert_int_equal(w[2].active_customers, 1);
    assert_int_equal(w[5].purchases, 3);
    patron_free(w);
    patron_txlog_free(log);
}

static void test_weekly_errors(void **state)
{
    (void)state;
    patron_txlog *log;
    assert_int_equal(patron_txlog_new(&log, NULL), 0);
    patron_week_report *w = (patron_week_report *)&w;
    size_t n = 99;
    assert_int_equal(patron_report_weekly(&w, &n, log, NULL), 0);
    assert_null(w);
    assert_int_equal(n, 0);
    patron_txlog_free(log);

    log = make_log();
    patron_weekly_options o = PATRON_WEEKLY_OPTIONS_INIT;
    o.start = MON + 30 * D;
    o.end = MON;
    w = NULL;
    assert_int_equal(patron_report_weekly(&w, &n, log, &o), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "start is after end (start 1706659200, end 1704067200)");
    assert_null(w);
    /* issue 21 bug 7: start after end inside one week is refused too, also
     * on an empty log */
    o.start = MON + 6 * D;
    o.end = MON + 1 * D;
    n = 99;
    assert_int_equal(patron_report_weekly(&w, &n, log, &o), PATRON_EINVAL);
    assert_null(w);
    assert_int_equal(n, 99);
    patron_txlog *empty;
    assert_int_equal(patron_txlog_new(&empty, NULL), 0);
    assert_int_equal(patron_report_weekly(&w, &n, empty, &o), PATRON_EINVAL);
    patron_txlog_free(empty);
    o.start = o.end = MON + 3 * D; /* one moment: its week */
    assert_int_equal(patron_report_weekly(&w, &n, log, &o), PATRON_OK);
    assert_int_equal(n, 1);
    assert_int_equal(w[0].week_start, MON);
    patron_free(w);
    w = NULL;
    o.end = PATRON_TIME_NONE;
    o.start = MON - 200000 * D;
    assert_int_equal(patron_report_weekly(&w, &n, log, &o), PATRON_ERANGE);
    o.start = PATRON_TIME_NONE;
    o.active_days = 0;
    assert_int_equal(patron_report_weekly(&w, &n, log, &o), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "active_days 0 is outside 1..3650");
    assert_int_equal(patron_report_weekly(NULL, &n, log, NULL), PATRON_EINVAL);
    patron_txlog_free(log);
}

static patron_txlog *walk_log;
static int op_weekly(void *ctx)
{
    (void)ctx;
    patron_week_report *w = NULL;
    size_t n;
    int rc = patron_report_weekly(&w, &n, walk_log, NULL);
    patron_free(w);
    return rc;
}

static void test_weekly_allocation_failures(void **state)
{
    (void)state;
    walk_log = make_log();
    assert_true(pt_failalloc_walk(op_weekly, NULL, NULL) >= 5);
    patron_txlog_free(walk_log);
}

static void test_campaigns(void **state)
{
    (void)state;
    const patron_campaign_counts in[] = {
        {"control", 1000, 400, 100, 20},
        {"spring", 1000, 500, 150, 40},
        {"summer", 500, 200, 40, 11},
        {"empty", 0, 0, 0, 0},
    };
    patron_campaign_report r[4];
    assert_int_equal(patron_report_campaigns(r, in, 4, NULL), 0);
    assert_string_equal(r[1].name, "spring");
    assert_true(r[1].open_rate == 0.5);
    assert_true(r[1].click_rate == 0.15);
    assert_true(r[1].click_to_open == 0.3);
    assert_true(r[1].conversion_rate == 0.04);
    assert_true(pt_close(r[1].lift, 1.0, 1e-12, 0));
    assert_true(pt_close(r[1].diff, 0.02, 1e-12, 0));
    /* pooled two-proportion z-tests against the control, by hand */
    double pp = 60.0 / 2000, z = 0.02 / sqrt(pp * (1 - pp) * (2.0 / 1000));
    double p_spring = erfc(z / sqrt(2.0));
    pp = 31.0 / 1500;
    z = 0.002 / sqrt(pp * (1 - pp) * (1.0 / 1000 + 1.0 / 500));
    double p_summer = erfc(z / sqrt(2.0));
    assert_true(pt_close(r[1].p_value, p_spring, 1e-9, 0));
    assert_true(pt_close(r[2].p_value, p_summer, 1e-9, 0));
    /* Holm over two comparisons */
    assert_true(pt_close(r[1].p_adjusted, 2 * p_spring, 1e-9, 0));
    assert_true(pt_close(r[2].p_adjusted, p_summer > 2 * p_spring ? p_summer : 2 * p_spring, 1e-9, 0));
    assert_int_equal(r[1].significant, 1);
    assert_int_equal(r[2].significant, 0);
    /* the reference has rates and an interval but no comparison */
    assert_true(isnan(r[0].p_value));
    assert_true(isnan(r[0].lift));
    double zz = 1.959963984540054, n = 1000, ph = 0.02;
    double centre = (ph + zz * zz / (2 * n)) / (1 + zz * zz / n);
    double half = zz * sqrt(ph * (1 - ph) / n + zz * zz / (4 * n * n)) / (1 + zz * zz / n);
    assert_true(pt_close(r[0].conversion_ci[0], centre - half, 1e-9, 0));
    assert_true(pt_close(r[0].conversion_ci[1], centre + half, 1e-9, 0));
    /* nothing sent: no rates */
    assert_true(isnan(r[3].open_rate));
    assert_true(isnan(r[3].p_value));
    assert_int_equal(r[3].significant, 0);

    /* another reference */
    patron_campaign_options o = PATRON_CAMPAIGN_OPTIONS_INIT;
    o.reference = 1;
    assert_int_equal(patron_report_campaigns(r, in, 3, &o), 0);
    assert_true(pt_close(r[0].lift, -0.5, 1e-12, 0));
    assert_true(pt_close(r[0].p_value, p_spring, 1e-9, 0));

    /* bad input leaves the output untouched */
    patron_campaign_counts bad[] = {{"a", 10, 5, 2, 1}, {"spring", 100, 40, 50, 1}};
    memset(r, 0x5a, sizeof r);
    assert_int_equal(patron_report_campaigns(r, bad, 2, NULL), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "campaign 'spring' (row 2): clicked 50 > opened 40");
    assert_int_equal(r[0].sent, 0x5a5a5a5a5a5a5a5a);
    bad[1].clicked = -1;
    assert_int_equal(patron_report_campaigns(r, bad, 2, NULL), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "campaign 'spring' (row 2): clicked -1 is negative");
    o.reference = 5;
    assert_int_equal(patron_report_campaigns(r, in, 4, &o), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "reference 5 is not a campaign index (0..3)");
    o.reference = 0;
    o.alpha = 1.5;
    assert_int_equal(patron_report_campaigns(r, in, 4, &o), PATRON_EINVAL);
    assert_int_equal(patron_report_campaigns(r, in, 0, NULL), PATRON_EINVAL);
}

static void test_points_weekly(void **state)
{
    (void)state;
    patron_db *db;
    assert_int_equal(patron_open(&db, ":memory:", NULL), 0);
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Ann";
    f.email = "ann@example.com";
    f.consent = "none";
    int64_t ann, bob;
    assert_int_equal(patron_profile_add(db, &ann, &f, MON - 30 * D), 0);
    f.name = "Bob";
    f.email = "bob@example.com";
    assert_int_equal(patron_profile_add(db, &bob, &f, MON - 30 * D), 0);
    struct { const char *key; int64_t member, points, day; int redeem; } ops[] = {
        {"e1", 0, 100, 0, 0}, {"e2", 1, 40, 1, 0}, {"e3", 0, 50, 8, 0},
        {"r1", 0, 30, 9, 1},  {"r2", 1, 10, 10, 1}, {"r3", 0, 5, 11, 1},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        patron_posting_request req = PATRON_POSTING_REQUEST_INIT;
        patron_posting_result res;
        memset(&res, 0, sizeof res);
        req.key = ops[i].key;
        req.member_id = ops[i].member ? bob : ann;
        req.points = ops[i].points;
        req.at = MON + ops[i].day * D;
        int rc = ops[i].redeem ? patron_ledger_redeem(db, &res, &req) : patron_ledger_earn(db, &res, &req);
        if (rc)
            fail_msg("%s: %s", ops[i].key, patron_errmsg());
    }
    const int64_t members[] = {ann, bob, ann, 0, 999};
    patron_weekly_options o = PATRON_WEEKLY_OPTIONS_INIT;
    o.start = MON;
    o.end = MON + 8 * D;
    patron_week_points *w = NULL;
    size_t n = 0;
    assert_int_equal(patron_report_points_weekly(&w, &n, db, members, 5, &o), 0);
    assert_int_equal(n, 2);
    assert_int_equal(w[0].week_start, MON);
    assert_int_equal(w[0].earned, 140);
    assert_int_equal(w[0].redeemed, 0);
    assert_true(w[0].redemption_rate == 0.0);
    assert_int_equal(w[1].earned, 50);
    assert_int_equal(w[1].redeemed, 45);
    assert_int_equal(w[1].redeemers, 2);
    assert_true(pt_close(w[1].redemption_rate, 0.9, 1e-15, 0));
    assert_true(isnan(w[1].redeemed_change)); /* previous week 0 */
    patron_free(w);
    o.end = PATRON_TIME_NONE;
    assert_int_equal(patron_report_points_weekly(&w, &n, db, members, 5, &o), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "the points report needs both start and end");
    o.start = MON + 6 * D; /* after the end, in the same week (issue 21 bug 7) */
    o.end = MON + D;
    assert_int_equal(patron_report_points_weekly(&w, &n, db, members, 5, &o), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "start is after end");
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weekly),
        cmocka_unit_test(test_weekly_errors),
        cmocka_unit_test(test_weekly_allocation_failures),
        cmocka_unit_test(test_campaigns),
        cmocka_unit_test(test_points_weekly),
    };
    return cmocka_run_group_tests_name("weekly report", tests, NULL, NULL);
}
