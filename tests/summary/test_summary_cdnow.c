/* The CDNOW sample summarised by libpatron must equal lifetimes' summary
 * (../shared/reference/cdnow_*): integers exactly, monetary to 1e-9. */
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

typedef struct {
    long id;
    double v[7];
} ref_row;

/* Read a lifetimes CSV (id, then numeric columns) into rows; returns count. */
static size_t read_ref(const char *path, ref_row **out, int ncols)
{
    char *text = pt_read_file(path, NULL);
    assert_non_null(text);
    size_t cap = 4096, n = 0;
    ref_row *rows = malloc(cap * sizeof *rows);
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save); /* header */
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        char *p = line, *end;
        rows[n].id = strtol(p, &end, 10);
        for (int j = 0; j < ncols; j++) {
            assert_true(*end == ',');
            rows[n].v[j] = strtod(end + 1, &end);
        }
        if (++n == cap)
            rows = realloc(rows, (cap *= 2) * sizeof *rows);
    }
    free(text);
    *out = rows;
    return n;
}

static patron_txlog *load_cdnow(void)
{
    const char *path = pt_shared_path("data/cdnow/CDNOW_sample.txt");
    if (!path)
        return NULL;
    patron_txlog *log = NULL;
    assert_int_equal(patron_txlog_new(&log, NULL), PATRON_OK);
    patron_csv_options o = PATRON_CSV_OPTIONS_INIT;
    o.has_header = 0;
    o.delimiter = ' ';
    o.customer_index = 1;
    o.time_index = 2;
    o.amount_index = 4;
    o.time_format = PATRON_TIME_YYYYMMDD;
    o.integer_ids = 1;
    patron_csv_report rep = PATRON_CSV_REPORT_INIT;
    int rc = patron_txlog_load_csv(log, path, &o, &rep);
    if (rc)
        fail_msg("load: %s", patron_errmsg());
    assert_int_equal(rep.rows_loaded, 6919);
    assert_int_equal(rep.rows_skipped, 0);
    assert_int_equal(patron_txlog_count(log), 6919);
    assert_int_equal(patron_txlog_customers(log), 2357);
    return log;
}

static int64_t day(const char *iso)
{
    int64_t t;
    assert_int_equal(patron_time_parse(&t, iso, strlen(iso), PATRON_TIME_ISO8601), PATRON_OK);
    return t;
}

static void compare(const patron_frame *f, const char *ref, int holdout)
{
    PT_REQUIRE_SHARED(path, ref);
    ref_row *rows;
    size_t n = read_ref(path, &rows, holdout ? 7 : 4);
    assert_int_equal(patron_frame_rows(f), n);
    const int64_t *ids = patron_frame_int64(f, 0);
    const char *names[] = {"frequency", "recency", "T", "monetary_value", "frequency_holdout",
                           "monetary_value_holdout", "duration_holdout"};
    const double *col[7];
    for (int j = 0; j < (holdout ? 7 : 4); j++) {
        col[j] = patron_frame_double_by_name(f, names[j]);
        assert_non_null(col[j]);
    }
    for (size_t r = 0; r < n; r++) {
        assert_int_equal(ids[r], rows[r].id); /* ascending ids, as lifetimes */
        for (int j = 0; j < (holdout ? 7 : 4); j++) {
            int money = j == 3 || j == 5;
            double got = money ? col[j][r] / 100 : col[j][r]; /* cents -> dollars */
            if (money ? !pt_close(got, rows[r].v[j], 1e-9, 0) : got != rows[r].v[j])
                fail_msg("%s: customer %ld %s = %.17g, reference %.17g", ref, rows[r].id,
                         names[j], got, rows[r].v[j]);
        }
    }
    free(rows);
}

static void summary_to(const char *end, int period, const char *ref)
{
    patron_txlog *log = load_cdnow();
    if (!log) {
        print_message("skipped: ../shared/data/cdnow/CDNOW_sample.txt not found\n");
        skip();
    }
    patron_summary_options o = PATRON_SUMMARY_OPTIONS_INIT;
    o.period = period;
    o.observation_end = day(end);
    patron_frame *f = NULL;
    assert_int_equal(patron_summarize(&f, log, &o), PATRON_OK);
    compare(f, ref, 0);
    patron_frame_free(f);
    patron_txlog_free(log);
}

static void test_cdnow_1997_09_30_days(void **state)
{
    (void)state;
    summary_to("1997-09-30", PATRON_PERIOD_DAY, "reference/cdnow_summary_to_1997-09-30_D.csv");
}

static void test_cdnow_1998_06_30_days(void **state)
{
    (void)state;
    summary_to("1998-06-30", PATRON_PERIOD_DAY, "reference/cdnow_summary_to_1998-06-30_D.csv");
}

static void test_cdnow_1997_09_30_weeks(void **state)
{
    (void)state;
    summary_to("1997-09-30", PATRON_PERIOD_WEEK, "reference/cdnow_summary_to_1997-09-30_W.csv");
}

static void test_cdnow_1998_06_30_weeks(void **state)
{
    (void)state;
    summary_to("1998-06-30", PATRON_PERIOD_WEEK, "reference/cdnow_summary_to_1998-06-30_W.csv");
}

static void test_cdnow_default_end_is_last_purchase(void **state)
{
    (void)state;
    patron_txlog *log = load_cdnow();
    if (!log)
        skip();
    patron_frame *f = NULL;
    assert_int_equal(patron_summarize(&f, log, NULL), PATRON_OK);
    compare(f, "reference/cdnow_summary_to_1998-06-30_D.csv", 0);
    patron_frame_free(f);
    patron_txlog_free(log);
}

static void test_cdnow_calibration_holdout(void **state)
{
    (void)state;
    patron_txlog *log = load_cdnow();
    if (!log)
        skip();
    patron_summary_options o = PATRON_SUMMARY_OPTIONS_INIT;
    o.calibration_end = day("1997-09-30");
    o.observation_end = day("1998-06-30");
    patron_frame *f = NULL;
    assert_int_equal(patron_summarize(&f, log, &o), PATRON_OK);
    compare(f, "reference/cdnow_cal_holdout_D.csv", 1);
    patron_frame_free(f);
    patron_txlog_free(log);
}

/* The summary CSV written by us reads back equal, and lifetimes' own file
 * reads as a frame with the same columns. */
static void test_cdnow_write_read_round_trip(void **state)
{
    (void)state;
    patron_txlog *log = load_cdnow();
    if (!log)
        skip();
    patron_frame *f = NULL, *g = NULL;
    assert_int_equal(patron_summarize(&f, log, NULL), PATRON_OK);
    size_t len = 0;
    assert_int_equal(patron_frame_write_buffer(f, NULL, 0, &len, NULL), PATRON_ERANGE);
    char *buf = malloc(len + 1);
    assert_int_equal(patron_frame_write_buffer(f, buf, len + 1, &len, NULL), PATRON_OK);
    assert_memory_equal(buf, "customer_id,frequency,recency,T,monetary_value,first_purchase,",
                        62);
    assert_int_equal(patron_frame_read_csv_buffer(&g, buf, len), PATRON_OK);
    assert_int_equal(patron_frame_rows(g), patron_frame_rows(f));
    assert_int_equal(patron_frame_cols(g), patron_frame_cols(f));
    for (size_t j = 1; j < patron_frame_cols(f); j++) {
        assert_string_equal(patron_frame_col_name(f, j), patron_frame_col_name(g, j));
        assert_int_equal(patron_frame_col_type(f, j), patron_frame_col_type(g, j));
        size_t rows = patron_frame_rows(f);
        if (patron_frame_col_type(f, j) == PATRON_COL_DOUBLE)
            assert_memory_equal(patron_frame_double(f, j), patron_frame_double(g, j),
                                rows * sizeof(double));
        else
            assert_memory_equal(patron_frame_int64(f, j), patron_frame_int64(g, j),
                                rows * sizeof(int64_t));
    }
    assert_string_equal(patron_frame_string(g, 0)[0], "1");
    free(buf);
    patron_frame_free(g);

    PT_REQUIRE_SHARED(ref, "reference/cdnow_summary_to_1998-06-30_D.csv");
    assert_int_equal(patron_frame_read_csv(&g, ref), PATRON_OK);
    assert_int_equal(patron_frame_rows(g), 2357);
    assert_non_null(patron_frame_double_by_name(g, "monetary_value"));
    const double *m1 = patron_frame_double_by_name(f, "monetary_value");
    const double *m2 = patron_frame_double_by_name(g, "monetary_value");
    for (size_t r = 0; r < 2357; r++)
        assert_true(pt_close(m1[r] / 100, m2[r], 1e-9, 0));
    /* Written in major units, our CSV shows what lifetimes shows. */
    patron_frame_write_options wo = PATRON_FRAME_WRITE_OPTIONS_INIT;
    wo.major_units = 1;
    assert_int_equal(patron_frame_write_buffer(f, NULL, 0, &len, &wo), PATRON_ERANGE);
    buf = malloc(len + 1);
    assert_int_equal(patron_frame_write_buffer(f, buf, len + 1, &len, &wo), PATRON_OK);
    assert_non_null(strstr(buf, "\n1,3,345,545,23.72333333333333")); /* dollars */
    assert_non_null(strstr(buf, ",852076800,881884800,4,100.50\n"));  /* exact total */
    /* ... and reads back: total_spend in major units becomes a double column. */
    patron_frame_free(g);
    assert_int_equal(patron_frame_read_csv_buffer(&g, buf, len), PATRON_OK);
    size_t col = 0;
    assert_int_equal(patron_frame_find(&col, g, "total_spend", PATRON_COL_DOUBLE), PATRON_OK);
    const int64_t *tot = patron_frame_int64_by_name(f, "total_spend");
    const double *tot2 = patron_frame_double(g, col);
    for (size_t r = 0; r < 2357; r++)
        assert_true(pt_close(tot2[r], (double)tot[r] / 100, 1e-12, 0));
    free(buf);
    patron_frame_free(g);
    patron_frame_free(f);
    patron_txlog_free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cdnow_1997_09_30_days),
        cmocka_unit_test(test_cdnow_1998_06_30_days),
        cmocka_unit_test(test_cdnow_1997_09_30_weeks),
        cmocka_unit_test(test_cdnow_1998_06_30_weeks),
        cmocka_unit_test(test_cdnow_default_end_is_last_purchase),
        cmocka_unit_test(test_cdnow_calibration_holdout),
        cmocka_unit_test(test_cdnow_write_read_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
