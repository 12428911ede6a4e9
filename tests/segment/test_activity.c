/* Activity columns computed from a transaction log at an explicit now. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "failalloc.h"
#include "patron.h"
#include "support.h"

#define DAY INT64_C(86400)
#define NOW INT64_C(1700000000)

static patron_txlog *make_log(void)
{
    patron_txlog *log;
    assert_int_equal(patron_txlog_new(&log, NULL), 0);
    assert_int_equal(patron_txlog_add(log, "a", NOW - 100 * DAY, 1000, "books", NULL), 0);
    assert_int_equal(patron_txlog_add(log, "b", NOW - 200 * DAY, 300, "music", NULL), 0);
    assert_int_equal(patron_txlog_add(log, "a", NOW - 10 * DAY, 2000, "music", NULL), 0);
    assert_int_equal(patron_txlog_add(log, "a", NOW - 40 * DAY, 500, "books", NULL), 0);
    assert_int_equal(patron_txlog_add(log, "a", NOW + 5 * DAY, 999, "books", NULL), 0); /* after now */
    assert_int_equal(patron_txlog_add(log, "c", NOW - 5 * DAY, 100, "music", NULL), 0);
    assert_int_equal(patron_txlog_add(log, "c", NOW - 5 * DAY, 100, "books", NULL), 0);
    return log;
}

static patron_frame *make_frame(void)
{
    const char *const ids[] = {"a", "b", "c", "zz"};
    patron_frame *f;
    assert_int_equal(patron_frame_new(&f, 4, NULL, ids), 0);
    return f;
}

static double dcol(const patron_frame *f, const char *name, size_t r)
{
    const double *d = patron_frame_double_by_name(f, name);
    if (!d)
        fail_msg("no double column %s", name);
    return d[r];
}

static int64_t icol(const patron_frame *f, const char *name, size_t r)
{
    const int64_t *d = patron_frame_int64_by_name(f, name);
    if (!d)
        fail_msg("no int64 column %s", name);
    return d[r];
}

static void test_activity_columns(void **state)
{
    (void)state;
    patron_txlog *log = make_log();
    patron_frame *f = make_frame();
    patron_activity_options o = PATRON_ACTIVITY_OPTIONS_INIT;
    o.now = NOW;
    assert_int_equal(patron_frame_add_activity(f, log, &o), 0);

    assert_int_equal(icol(f, "purchases", 0), 3);
    assert_int_equal(icol(f, "purchases_30d", 0), 1);
    assert_int_equal(icol(f, "purchases_60d", 0), 2);
    assert_int_equal(icol(f, "purchases_90d", 0), 2);
    assert_int_equal(icol(f, "purchases_365d", 0), 3);
    assert_int_equal(icol(f, "spend", 0), 3500);
    assert_int_equal(icol(f, "spend_30d", 0), 2000);
    assert_int_equal(icol(f, "spend_90d", 0), 2500);
    assert_int_equal(icol(f, "spend_365d", 0), 3500);
    assert_true(dcol(f, "days_since_first", 0) == 100.0);
    assert_true(dcol(f, "days_since_last", 0) == 10.0);
    assert_true(pt_close(dcol(f, "avg_basket", 0), 3500.0 / 3, 1e-15, 0));
    assert_true(dcol(f, "avg_interpurchase_days", 0) == 45.0);
    assert_true(dcol(f, "last_interpurchase_days", 0) == 30.0);
    assert_true(pt_close(dcol(f, "share.books", 0), 1500.0 / 3500, 1e-15, 0));
    assert_true(pt_close(dcol(f, "share.music", 0), 2000.0 / 3500, 1e-15, 0));
    size_t c;
    assert_int_equal(patron_frame_find(&c, f, "favourite_category", PATRON_COL_STRING), 0);
    const char *const *fav = patron_frame_string(f, c);
    assert_string_equal(fav[0], "music");
    assert_string_equal(fav[1], "music");
    assert_string_equal(fav[2], "books"); /* 100 each: the smaller name */
    assert_string_equal(fav[3], "");

    /* one purchase: no inter-purchase time; two at the same instant: one distinct time */
    assert_int_equal(icol(f, "purchases_365d", 1), 1);
    assert_int_equal(icol(f, "purchases_90d", 1), 0);
    assert_true(isnan(dcol(f, "avg_interpurchase_days", 1)));
    assert_true(dcol(f, "share.books", 1) == 0.0);
    assert_int_equal(icol(f, "purchases_30d", 2), 2);
    assert_true(isnan(dcol(f, "avg_interpurchase_days", 2)));
    assert_true(dcol(f, "share.music", 2) == 0.5);
    /* a row the log does not know */
    assert_int_equal(icol(f, "purchases", 3), 0);
    assert_true(isnan(dcol(f, "days_since_last", 3)));
    assert_true(isnan(dcol(f, "avg_basket", 3)));
    assert_true(isnan(dcol(f, "share.music", 3)));

    /* the example rule runs on these columns */
    patron_selection *s;
    assert_int_equal(patron_rule_select(&s, f,
        "purchases_90d >= 2 and avg_basket >= p50 and favourite_category == \"music\"", NULL), 0);
    assert_int_equal(patron_selection_count(s), 1);
    assert_int_equal(patron_selection_contains(s, 0), 1);
    patron_selection_free(s);

    assert_int_equal(patron_frame_add_activity(f, log, &o), PATRON_ECONFLICT);
    assert_string_equal(patron_errmsg(), "the frame already has a column 'days_since_first'");
    patron_frame_free(f);
    patron_txlog_free(log);
}

static void test_activity_errors_and_ids(void **state)
{
    (void)state;
    patron_txlog *log = make_log();
    patron_frame *f = make_frame();
    patron_activity_options o = PATRON_ACTIVITY_OPTIONS_INIT;
    assert_int_equal(patron_frame_add_activity(f, log, &o), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(),
                        "patron_activity_options.now is not set: activity columns are relative to an explicit moment");
    assert_int_equal(patron_frame_cols(f), 1);
    o.now = NOW;
    o.max_share_columns = 1; /* two categories: no share columns */
    assert_int_equal(patron_frame_add_activity(f, log, &o), 0);
    size_t c;
    assert_int_equal(patron_frame_find(&c, f, "share.books", PATRON_COL_ANY), PATRON_ENOTFOUND);
    patron_frame_free(f);
    assert_int_equal(patron_txlog_add(log, "d", NOW, 1, "rock & roll", NULL), 0);
    f = make_frame();
    o.max_share_columns = 16;
    assert_int_equal(patron_frame_add_activity(f, log, &o), PATRON_EINVAL);
    assert_int_equal(patron_frame_cols(f), 1);
    patron_frame_free(f);
    patron_txlog_free(log);

    /* integer ids in the log, text ids in the frame (as read from CSV) */
    assert_int_equal(patron_txlog_new(&log, NULL), 0);
    assert_int_equal(patron_txlog_add_id(log, 42, NOW - DAY, 700), 0);
    assert_int_equal(patron_txlog_add_id(log, -3, NOW - 2 * DAY, 100), 0);
    const char *const ids[] = {"-3", "42", "x", "7"};
    assert_int_equal(patron_frame_new(&f, 4, NULL, ids), 0);
    assert_int_equal(patron_frame_add_activity(f, log, &o), 0);
    assert_int_equal(icol(f, "spend", 0), 100);
    assert_int_equal(icol(f, "spend", 1), 700);
    assert_int_equal(icol(f, "spend", 2), 0);
    assert_int_equal(icol(f, "spend", 3), 0);
    patron_frame_free(f);
    patron_txlog_free(log);
}

static void test_activity_orders(void **state)
{
    (void)state;
    patron_txlog *log;
    assert_int_equal(patron_txlog_new(&log, NULL), 0);
    assert_int_equal(patron_txlog_add(log, "o", NOW - 40 * DAY, 100, NULL, "A"), 0);
    assert_int_equal(patron_txlog_add(log, "o", NOW - 5 * DAY, 10, NULL, NULL), 0);
    assert_int_equal(patron_txlog_add(log, "o", NOW - 10 * DAY, 200, NULL, "B"), 0);
    assert_int_equal(patron_txlog_add(log, "o", NOW - 40 * DAY, 50, NULL, "A"), 0); /* same order, 2nd line */
    assert_int_equal(patron_txlog_add(log, "o", NOW - 5 * DAY, 20, NULL, NULL), 0);
    assert_int_equal(patron_txlog_add(log, "o", NOW + DAY, 999, NULL, "C"), 0);      /* after now */
    const char *const ids[] = {"o"};
    patron_frame *f;
    assert_int_equal(patron_frame_new(&f, 1, NULL, ids), 0);
    patron_activity_options o = PATRON_ACTIVITY_OPTIONS_INIT;
    o.now = NOW;
    assert_int_equal(patron_frame_add_activity(f, log, &o), 0);
    assert_int_equal(icol(f, "purchases", 0), 5);
    assert_int_equal(icol(f, "distinct_orders", 0), 4); /* A, B and two without an id */
    assert_int_equal(icol(f, "orders_30d", 0), 3);
    assert_int_equal(icol(f, "orders_60d", 0), 4);
    assert_true(dcol(f, "avg_basket", 0) == 95.0);     /* 380 over 4 orders */
    patron_frame_free(f);
    patron_txlog_free(log);
}

static patron_txlog *walk_log;
static int op_activity(void *ctx)
{
    (void)ctx;
    const char *const ids[] = {"a", "b", "c", "zz"};
    patron_frame *f;
    int rc = patron_frame_new(&f, 4, NULL, ids);
    if (rc)
        return rc;
    patron_activity_options o = PATRON_ACTIVITY_OPTIONS_INIT;
    o.now = NOW;
    rc = patron_frame_add_activity(f, walk_log, &o);
    patron_frame_free(f);
    return rc;
}

static void test_activity_allocation_failures(void **state)
{
    (void)state;
    walk_log = make_log();
    assert_true(pt_failalloc_walk(op_activity, NULL, NULL) > 5);
    patron_txlog_free(walk_log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_activity_columns),
        cmocka_unit_test(test_activity_errors_and_ids),
        cmocka_unit_test(test_activity_orders),
        cmocka_unit_test(test_activity_allocation_failures),
    };
    return cmocka_run_group_tests_name("segment activity columns", tests, NULL, NULL);
}
