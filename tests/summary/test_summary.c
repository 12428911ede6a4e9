/* Summaries: lifetimes semantics on small hand-made logs, options,
 * ordering, the frame API, writers, and allocation failures. */
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
#include "support.h"

#define DAY INT64_C(86400)

static int64_t at(const char *iso)
{
    int64_t t;
    if (patron_time_parse(&t, iso, strlen(iso), PATRON_TIME_ISO8601))
        fail_msg("%s: %s", iso, patron_errmsg());
    return t;
}

static patron_txlog *new_log(void)
{
    patron_txlog *log = NULL;
    assert_int_equal(patron_txlog_new(&log, NULL), PATRON_OK);
    return log;
}

static patron_frame *summarize(const patron_txlog *log, const patron_summary_options *o)
{
    patron_frame *f = NULL;
    int rc = patron_summarize(&f, log, o);
    if (rc)
        fail_msg("summarize: %s", patron_errmsg());
    return f;
}

static double get(const patron_frame *f, const char *col, size_t row)
{
    const double *d = patron_frame_double_by_name(f, col);
    assert_non_null(d);
    return d[row];
}

static int64_t geti(const patron_frame *f, const char *col, size_t row)
{
    const int64_t *d = patron_frame_int64_by_name(f, col);
    assert_non_null(d);
    return d[row];
}

/* Three purchases on one day count as one period; the repeat period's
 * value is the sum of its purchases. */
static void test_same_period_duplicates(void **state)
{
    (void)state;
    patron_txlog *log = new_log();
    int64_t d0 = at("2024-03-01");
    assert_int_equal(patron_txlog_add_id(log, 7, d0 + 3600, 1000), PATRON_OK);
    assert_int_equal(patron_txlog_add_id(log, 7, d0 + 7200, 500), PATRON_OK);
    assert_int_equal(patron_txlog_add_id(log, 7, d0 + 5 * DAY + 10, 200), PATRON_OK);
    assert_int_equal(patron_txlog_add_id(log, 7, d0 + 5 * DAY + 80000, 300), PATRON_OK);
    assert_int_equal(patron_txlog_add_id(log, 7, d0 + 9 * DAY, 1000), PATRON_OK);
    patron_summary_options o = PATRON_SUMMARY_OPTIONS_INIT;
    o.observation_end = d0 + 20 * DAY + 5; /* any time in the day counts as that day */
    patron_frame *f = summarize(log, &o);
    assert_int_equal(patron_frame_rows(f), 1);
    assert_true(get(f, "frequency", 0) == 2);
    assert_true(get(f, "recency", 0) == 9);
    assert_true(get(f, "T", 0) == 20);
    assert_true(get(f, "monetary_value", 0) == (500.0 + 1000.0) / 2); /* cents: (200+300, 1000) */
    assert_int_equal(geti(f, "orders", 0), 5);
    assert_int_equal(geti(f, "total_spend", 0), 3000);
    assert_int_equal(geti(f, "first_purchase", 0), d0 + 3600);
    assert_int_equal(geti(f, "last_purchase", 0), d0 + 9 * DAY);
    patron_frame_free(f);
    patron_txlog_free(log);
}

static void test_single_purchase(void **state)
{
    (void)state;
    patron_txlog *log = new_log();
    assert_int_equal(patron_txlog_add(log, "solo", at("2024-01-10T12:00:00Z"), 4599, NULL, NULL),
                     PATRON_OK);
    assert_int_equal(patron_txlog_add(log, "other", at("2024-01-31"), 100, NULL, NULL), PATRON_OK);
    patron_frame *f = summarize(log, NULL); /* end = last purchase, 2024-01-31 */
    assert_int_equal(patron_frame_rows(f), 2);
    assert_string_equal(patron_frame_string(f, 0)[0], "other"); /* bytewise id order */
    assert_string_equal(patron_frame_string(f, 0)[1], "solo");
    assert_true(get(f, "frequency", 1) == 0);
    assert_true(get(f, "recency", 1) == 0);
    assert_true(get(f, "T", 1) == 21);
    assert_true(get(f, "monetary_value", 1) == 0);
    assert_int_equal(geti(f, "total_spend", 1), 4599);
    patron_frame_free(f);
    patron_txlog_free(log);
}

/* String ids come out in bytewise order, also when they share long
 * prefixes (the sort looks at 8 bytes first). */
static void test_string_id_order(void **state)
{
    (void)state;
    const char *ids[] = {"customer-0010", "customer-0002", "customer-001", "b", "customer-00100",
                         "customer-0010x", "Z", "customer", "customer-000", "\xc3\xa9t\xc3\xa9"};
    const char *want[] = {"Z", "b", "customer", "customer-000", "customer-0002", "customer-001",
                          "customer-0010", "customer-00100", "customer-0010x", "\xc3\xa9t\xc3\xa9"};
    patron_txlog *log = new_log();
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(patron_txlog_add(log, ids[i], (int64_t)i * 86400, 100, NULL, NULL), PATRON_OK);
    patron_frame *f = summarize(log, NULL);
    assert_int_equal(patron_frame_rows(f), 10);
    for (size_t i = 0; i < 10; i++)
        assert_string_equal(patron_frame_string(f, 0)[i], want[i]);
    patron_frame_free(f);
    patron_txlog_free(log);
}

static void test_after_observation_end(void **state)
{
    (void)state;
    patron_txlog *log = new_log();
    assert_int_equal(patron_txlog_add_id(log, 1, at("2024-01-01"), 100), PATRON_OK);
    assert_int_equal(patron_txlog_add_id(log, 1, at("2024-01-05T23:59:59Z"), 200), PATRON_OK);
    assert_int_equal(patron_txlog_add_id(log, 1, at("2024-01-06"), 400), PATRON_OK);
    assert_int_equal(patron_txlog_add_id(log, 2, at("2024-02-01"), 100), PATRON_OK);
    patron_summary_options o = PATRON_SUMMARY_OPTIONS_INIT;
    o.observation_end = at("2024-01-05");
    /* Ignore (default, as lifetimes): later purchases are left out and a
     * customer with none before the end has no row. */
    patron_frame *f = summarize(log, &o);
    assert_int_equal(patron_frame_rows(f), 1);
    assert_int_equal(patron_frame_int64(f, 0)[0], 1);
    assert_true(get(f, "frequency", 0) == 1);
    assert_true(get(f, "recency", 0) == 4);
    assert_true(get(f, "T", 0) == 4);
    assert_true(get(f, "monetary_value", 0) == 200.0);
    assert_int_equal(geti(f, "orders", 0), 2);
    patron_frame_free(f);
    /* Reject: the first offending purchase is named and nothing is output. */
    o.after_end = PATRON_AFTER_END_REJECT;
    patron_frame *g = (patron_frame *)&o; /* must stay untouched */
    assert_int_equal(patron_summarize(&g, log, &o), PATRON_EINVAL);
    assert_ptr_equal(g, (patron_frame *)&o);
    assert_non_null(strstr(patron_errmsg(), "customer 1: purchase at 2024-01-06 is after the observation end 2024-01-05"));
    patron_txlog_free(log);
}

/* Unsorted input gives the same frame as the sorted one, through both the
 * grouped path and the scatter path. */
static void test_unsorted_input(void **state)
{
    (void)state;
    enum { N = 5000 };
    int64_t *c = malloc(N * sizeof *c), *t = malloc(N * sizeof *t), *a = malloc(N * sizeof *a);
    uint64_t s = 12345;
    for (int i = 0; i < N; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        c[i] = (int64_t)((s >> 33) % 300) - 100; /* negative ids too */
        t[i] = at("2023-01-01") + (int64_t)((s >> 13) % (400 * DAY));
        a[i] = (int64_t)((s >> 40) % 10000);
    }
    /* sorted copy: by customer, then time */
    int64_t *c2 = malloc(N * sizeof *c2), *t2 = malloc(N * sizeof *t2), *a2 = malloc(N * sizeof *a2);
    int *idx = malloc(N * sizeof *idx);
    for (int i = 0; i < N; i++)
        idx[i] = i;
    for (int i = 1; i < N; i++) { /* insertion sort, fine for a test */
        int x = idx[i], j = i;
        while (j > 0 && (c[idx[j - 1]] > c[x] || (c[idx[j - 1]] == c[x] && t[idx[j - 1]] > t[x]))) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = x;
    }
    for (int i = 0; i < N; i++) {
        c2[i] = c[idx[i]];
        t2[i] = t[idx[i]];
        a2[i] = a[idx[i]];
    }
    patron_txlog *l1 = new_log(), *l2 = new_log();
    assert_int_equal(patron_txlog_add_batch(l1, c, t, a, N), PATRON_OK);
    assert_int_equal(patron_txlog_add_batch(l2, c2, t2, a2, N), PATRON_OK);
    patron_summary_options o = PATRON_SUMMARY_OPTIONS_INIT;
    for (int variant = 0; variant < 6; variant++) {
        int period = variant % 3;
        o.period = period;
        o.period_seconds = 3 * 3600;
        /* variants 3..5: calibration/holdout split (the sorting path) */
        o.calibration_end = variant >= 3 ? at("2023-09-01") : PATRON_TIME_NONE;
        patron_frame *f1 = summarize(l1, &o), *f2 = summarize(l2, &o);
        size_t rows = patron_frame_rows(f1);
        assert_true(rows > 250 && rows <= 300);
        assert_int_equal(patron_frame_rows(f2), rows);
        assert_int_equal(patron_frame_int64(f1, 0)[0], -100);
        for (size_t j = 0; j < patron_frame_cols(f1); j++)
            assert_memory_equal(patron_frame_col_type(f1, j) == PATRON_COL_DOUBLE
                                    ? (const void *)patron_frame_double(f1, j)
                                    : (const void *)patron_frame_int64(f1, j),
                                patron_frame_col_type(f2, j) == PATRON_COL_DOUBLE
                                    ? (const void *)patron_frame_double(f2, j)
                                    : (const void *)patron_frame_int64(f2, j),
                                rows * 8);
        patron_frame_free(f1);
        patron_frame_free(f2);
    }
    /* First-seen order lists customers as they first appear. */
    o.period = PATRON_PERIOD_DAY;
    o.calibration_end = PATRON_TIME_NONE;
    o.order = PATRON_ORDER_FIRST_SEEN;
    patron_frame *f = summarize(l1, &o);
    assert_int_equal(patron_frame_int64(f, 0)[0], c[0]);
    patron_frame_free(f);
    patron_txlog_free(l1);
    patron_txlog_free(l2);
    free(c), free(t), free(a), free(c2), free(t2), free(a2), free(idx);
}

static void test_holdout_split(void **state)
{
    (void)state;
    patron_txlog *log = new_log();
    /* customer 1: cal purchases on days 0, 0, 3; holdout on days 12, 12, 15 */
    int64_t d0 = at("2024-01-01");
    int64_t days[] = {0, 0, 3, 12, 12, 15, 40};
    int64_t amt[] = {100, 100, 300, 1000, 2000, 3000, 999};
    for (int i = 0; i < 7; i++)
        assert_int_equal(patron_txlog_add_id(log, 1, d0 + days[i] * DAY, amt[i]), PATRON_OK);
    /* customer 2: first purchase after the calibration end: excluded */
    assert_int_equal(patron_txlog_add_id(log, 2, d0 + 11 * DAY, 50), PATRON_OK);
    /* customer 3: calibration only */
    assert_int_equal(patron_txlog_add_id(log, 3, d0 + 10 * DAY, 50), PATRON_OK);
    patron_summary_options o = PATRON_SUMMARY_OPTIONS_INIT;
    o.calibration_end = d0 + 10 * DAY;
    o.observation_end = d0 + 20 * DAY;
    patron_frame *f = summarize(log, &o);
    assert_int_equal(patron_frame_rows(f), 2);
    assert_int_equal(patron_frame_int64(f, 0)[0], 1);
    assert_int_equal(patron_frame_int64(f, 0)[1], 3);
    assert_true(get(f, "frequency", 0) == 1);
    assert_true(get(f, "recency", 0) == 3);
    assert_true(get(f, "T", 0) == 10);
    assert_true(get(f, "monetary_value", 0) == 300.0);
    assert_true(get(f, "frequency_holdout", 0) == 2);
    assert_true(get(f, "monetary_value_holdout", 0) == 2000.0); /* per transaction: 6000/3 */
    assert_int_equal(patron_frame_col_money(f, 4), 1);
    assert_int_equal(patron_frame_col_money(f, 3), 0);
    assert_int_equal(patron_frame_decimals(f), 2);
    assert_true(get(f, "duration_holdout", 0) == 10);
    assert_int_equal(geti(f, "orders", 0), 3);
    assert_true(get(f, "frequency_holdout", 1) == 0);
    assert_true(get(f, "monetary_value_holdout", 1) == 0);
    assert_true(get(f, "T", 1) == 0);
    size_t col;
    assert_int_equal(patron_frame_find(&col, f, "duration_holdout", PATRON_COL_DOUBLE), PATRON_OK);
    assert_int_equal(col, 7);
    /* calibration_end must precede observation_end */
    o.calibration_end = o.observation_end;
    patron_frame *g = NULL;
    assert_int_equal(patron_summarize(&g, log, &o), PATRON_EINVAL);
    assert_null(g);
    assert_non_null(strstr(patron_errmsg(), "must be before observation_end"));
    /* reject mode names holdout purchases after the end */
    o.calibration_end = d0 + 10 * DAY;
    o.after_end = PATRON_AFTER_END_REJECT;
    assert_int_equal(patron_summarize(&g, log, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "2024-02-10"));
    patron_frame_free(f);
    patron_txlog_free(log);
}

static void test_periods(void **state)
{
    (void)state;
    patron_txlog *log = new_log();
    /* 2024-01-07 is a Sunday, 2024-01-08 a Monday. */
    assert_int_equal(patron_txlog_add_id(log, 1, at("2024-01-07T23:00:00Z"), 100), PATRON_OK);
    assert_int_equal(patron_txlog_add_id(log, 1, at("2024-01-08T01:00:00Z"), 100), PATRON_OK);
    assert_int_equal(patron_txlog_add_id(log, 1, at("2024-01-14T12:00:00Z"), 100), PATRON_OK);
    patron_summary_options o = PATRON_SUMMARY_OPTIONS_INIT;
    o.period = PATRON_PERIOD_WEEK;
    o.observation_end = at("2024-01-22");
    patron_frame *f = summarize(log, &o);
    assert_true(get(f, "frequency", 0) == 1); /* Sunday's week, then Mon+Sun of the next */
    assert_true(get(f, "recency", 0) == 1);
    assert_true(get(f, "T", 0) == 3);
    assert_true(get(f, "monetary_value", 0) == 200.0);
    patron_frame_free(f);
    o.period = PATRON_PERIOD_SECONDS;
    o.period_seconds = 3600;
    f = summarize(log, &o);
    assert_true(get(f, "frequency", 0) == 2);
    assert_true(get(f, "recency", 0) == 6 * 24 + 13);
    patron_frame_free(f);
    o.period_seconds = 0;
    assert_int_equal(patron_summarize(&f, log, &o), PATRON_EINVAL);
    patron_txlog_free(log);
}

static void test_empty_log(void **state)
{
    (void)state;
    patron_txlog *log = new_log();
    patron_frame *f = summarize(log, NULL);
    assert_int_equal(patron_frame_rows(f), 0);
    assert_int_equal(patron_frame_cols(f), 9);
    char buf[256];
    size_t len;
    assert_int_equal(patron_frame_write_buffer(f, buf, sizeof buf, &len, NULL), PATRON_OK);
    assert_string_equal(buf, "customer_id,frequency,recency,T,monetary_value,first_purchase,"
                             "last_purchase,orders,total_spend\n");
    patron_frame_free(f);
    patron_txlog_free(log);
}

static void test_batch_is_all_or_nothing(void **state)
{
    (void)state;
    patron_txlog *log = new_log();
    int64_t c[] = {1, 2, 3}, t[] = {0, 100, 200}, a[] = {5, -5, 5};
    assert_int_equal(patron_txlog_add_batch(log, c, t, a, 3), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "row 1: amount -5 is negative");
    assert_int_equal(patron_txlog_count(log), 0);
    a[1] = 5;
    t[2] = PATRON_TIME_MAX + 1;
    assert_int_equal(patron_txlog_add_batch(log, c, t, a, 3), PATRON_ERANGE);
    assert_non_null(strstr(patron_errmsg(), "row 2: time"));
    t[2] = 200;
    assert_int_equal(patron_txlog_add_batch(log, c, t, a, 3), PATRON_OK);
    assert_int_equal(patron_txlog_count(log), 3);
    assert_int_equal(patron_txlog_customers(log), 3);
    /* ids are one kind per log */
    assert_int_equal(patron_txlog_add(log, "x", 0, 1, NULL, NULL), PATRON_EINVAL);
    const char *ids[] = {"a", ""};
    patron_txlog *s = new_log();
    assert_int_equal(patron_txlog_add_batch_str(s, ids, t, a, 2), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "row 1: customer id is empty");
    assert_int_equal(patron_txlog_count(s), 0);
    ids[1] = "b";
    assert_int_equal(patron_txlog_add_batch_str(s, ids, t, a, 2), PATRON_OK);
    assert_int_equal(patron_txlog_add_id(s, 4, 0, 1), PATRON_EINVAL);
    char longid[300];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    assert_int_equal(patron_txlog_add(s, longid, 0, 1, NULL, NULL), PATRON_ERANGE);
    assert_int_equal(patron_txlog_add(s, "c", 0, 1, "books", "order-1"), PATRON_OK);
    assert_int_equal(patron_txlog_add(s, "d", 0, 1, longid, NULL), PATRON_ERANGE);
    assert_int_equal(patron_txlog_count(s), 3);
    assert_int_equal(patron_txlog_customers(s), 3); /* "d" was rolled back */
    assert_true(patron_txlog_memory(s) > 0);
    patron_txlog_free(s);
    patron_txlog_free(log);
}

static void test_frame_api(void **state)
{
    (void)state;
    double x[] = {0, 2, 5}, r[] = {0, 3, 10}, T[] = {5, 6, 10}, m[] = {0, 12.5, 3};
    int64_t ids[] = {10, 20, 30};
    patron_frame *f = NULL;
    r[1] = 7;
    assert_int_equal(patron_frame_from_arrays(&f, 3, ids, x, r, T, m), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "row 1: recency 7 is not within 0..T (T = 6)");
    assert_null(f);
    r[1] = 3;
    assert_int_equal(patron_frame_from_arrays(&f, 3, ids, x, r, T, m), PATRON_OK);
    assert_int_equal(patron_frame_cols(f), 5);
    size_t col = 99;
    assert_int_equal(patron_frame_find(&col, f, "nope", PATRON_COL_ANY), PATRON_ENOTFOUND);
    assert_int_equal(col, 99);
    assert_int_equal(patron_frame_find(&col, f, "T", PATRON_COL_INT64), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "column 'T' is double, not int64");
    assert_int_equal(patron_frame_find(&col, f, "T", PATRON_COL_DOUBLE), PATRON_OK);
    assert_int_equal(col, 3);
    const double *Tcol = patron_frame_double(f, 3);
    /* extend with new columns; existing pointers stay valid */
    const char *labels[] = {"new", NULL, "va\"l,ue"};
    assert_int_equal(patron_frame_add_string(f, "segment", labels), PATRON_OK);
    assert_int_equal(patron_frame_add_double(f, "clv", NULL), PATRON_OK);
    assert_int_equal(patron_frame_add_double(f, "clv", NULL), PATRON_ECONFLICT);
    assert_int_equal(patron_frame_add_int64(f, "bad name", NULL), PATRON_EINVAL);
    double *clv = patron_frame_double_mut(f, 6);
    assert_non_null(clv);
    clv[2] = 1.0 / 3;
    assert_ptr_equal(patron_frame_double(f, 3), Tcol);
    assert_null(patron_frame_int64(f, 3));
    assert_null(patron_frame_double(f, 99));
    assert_string_equal(patron_frame_string(f, 5)[1], "");
    char buf[32];
    assert_string_equal(patron_frame_id(f, 2, buf, sizeof buf), "30");
    assert_null(patron_frame_id(f, 3, buf, sizeof buf));
    /* CSV and JSON */
    char out[1024];
    size_t len;
    assert_int_equal(patron_frame_write_buffer(f, out, sizeof out, &len, NULL), PATRON_OK);
    assert_string_equal(out, "customer_id,frequency,recency,T,monetary_value,segment,clv\n"
                             "10,0,0,5,0,new,0\n"
                             "20,2,3,6,12.5,,0\n"
                             "30,5,10,10,3,\"va\"\"l,ue\",0.3333333333333333\n");
    patron_frame *g = NULL;
    assert_int_equal(patron_frame_read_csv_buffer(&g, out, len), PATRON_OK);
    assert_string_equal(patron_frame_string(g, 5)[2], "va\"l,ue");
    assert_true(patron_frame_double(g, 6)[2] == 1.0 / 3);
    patron_frame_free(g);
    patron_frame_write_options wo = PATRON_FRAME_WRITE_OPTIONS_INIT;
    wo.format = PATRON_FORMAT_JSON;
    clv[0] = NAN;
    assert_int_equal(patron_frame_write_buffer(f, out, sizeof out, &len, &wo), PATRON_OK);
    assert_non_null(strstr(out, "[\n{\"customer_id\":10,\"frequency\":0,\"recency\":0,\"T\":5,"
                                "\"monetary_value\":0,\"segment\":\"new\",\"clv\":null},\n"));
    assert_non_null(strstr(out, "\"segment\":\"va\\\"l,ue\""));
    assert_int_equal(patron_frame_write_buffer(f, out, 10, &len, &wo), PATRON_ERANGE);
    patron_frame_free(f);
    /* default ids and string ids */
    assert_int_equal(patron_frame_new(&f, 2, NULL, NULL), PATRON_OK);
    assert_int_equal(patron_frame_int64(f, 0)[1], 1);
    patron_frame_free(f);
    const char *sid[] = {"a", "b"};
    assert_int_equal(patron_frame_new(&f, 2, NULL, sid), PATRON_OK);
    assert_string_equal(patron_frame_id(f, 1, NULL, 0), "b");
    patron_frame_free(f);
    patron_frame_free(NULL);
    patron_txlog_free(NULL);
}

static void test_frame_reader_errors(void **state)
{
    (void)state;
    patron_frame *f = NULL;
    const char *ragged = "customer_id,frequency\n1,2\n3\n";
    assert_int_equal(patron_frame_read_csv_buffer(&f, ragged, strlen(ragged)), PATRON_EPARSE);
    assert_string_equal(patron_errmsg(), "line 3: 1 fields, the header has 2");
    const char *badint = "customer_id,orders\n1,2.5\n";
    assert_int_equal(patron_frame_read_csv_buffer(&f, badint, strlen(badint)), PATRON_EPARSE);
    assert_non_null(strstr(patron_errmsg(), "'2.5' is not an integer"));
    const char *badspend = "customer_id,total_spend\n1,100.50\n2,abc\n";
    assert_int_equal(patron_frame_read_csv_buffer(&f, badspend, strlen(badspend)), PATRON_EPARSE);
    assert_non_null(strstr(patron_errmsg(), "line 3, column 2 'total_spend': value 'abc'"));
    assert_int_equal(patron_frame_read_csv_buffer(&f, "", 0), PATRON_EINVAL);
    assert_null(f);
    assert_int_equal(patron_frame_read_csv(&f, "/nonexistent/x.csv"), PATRON_EIO);
}

/* Every allocation failure is reported as ENOMEM with nothing leaked and
 * nothing changed (ASan checks the leaks). */
static int fail_after = -1, calls;
static void *f_malloc(void *ud, size_t n)
{
    (void)ud;
    return fail_after >= 0 && ++calls > fail_after ? NULL : malloc(n);
}
static void *f_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    return fail_after >= 0 && ++calls > fail_after ? NULL : realloc(p, n);
}
static void f_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    patron_allocator al = PATRON_ALLOCATOR_INIT;
    al.malloc_fn = f_malloc;
    al.realloc_fn = f_realloc;
    al.free_fn = f_free;
    assert_int_equal(patron_set_allocator(&al), PATRON_OK);
    const char *csv = "customer_id,date,amount,category\n"
                      "a,2024-01-01,1.00,x\nb,2024-01-03,2.50,y\na,2024-01-09,3,x\n";
    int ok = 0;
    for (int k = 0; k < 200 && !ok; k++) {
        fail_after = -1;
        patron_txlog *log = NULL;
        if (patron_txlog_new(&log, NULL) != PATRON_OK)
            fail();
        patron_csv_options o = PATRON_CSV_OPTIONS_INIT;
        o.category_col = "category";
        calls = 0;
        fail_after = k;
        int rc = patron_txlog_load_csv_buffer(log, csv, strlen(csv), &o, NULL);
        patron_frame *f = NULL;
        if (rc == PATRON_OK) {
            rc = patron_summarize(&f, log, NULL);
            if (rc == PATRON_OK) {
                char buf[512];
                size_t len;
                rc = patron_frame_write_buffer(f, buf, sizeof buf, &len, NULL);
                ok = rc == PATRON_OK;
            } else {
                assert_null(f);
            }
        } else {
            assert_int_equal(patron_txlog_count(log), 0);
        }
        if (!ok)
            assert_int_equal(rc, PATRON_ENOMEM);
        fail_after = -1;
        patron_frame_free(f);
        patron_txlog_free(log);
    }
    assert_true(ok);
    assert_int_equal(patron_set_allocator(NULL), PATRON_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_period_duplicates),
        cmocka_unit_test(test_single_purchase),
        cmocka_unit_test(test_string_id_order),
        cmocka_unit_test(test_after_observation_end),
        cmocka_unit_test(test_unsorted_input),
        cmocka_unit_test(test_holdout_split),
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_empty_log),
        cmocka_unit_test(test_batch_is_all_or_nothing),
        cmocka_unit_test(test_frame_api),
        cmocka_unit_test(test_frame_reader_errors),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
