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
    assert_string_equal(patron_errmsg(), "start is after end");
    assert_null(w);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weekly),
        cmocka_unit_test(test_weekly_errors),
        cmocka_unit_test(test_weekly_allocation_failures),
    };
    return cmocka_run_group_tests_name("weekly report", tests, NULL, NULL);
}
