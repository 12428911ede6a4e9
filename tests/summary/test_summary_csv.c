/* CSV loading: formats, exact amounts, time syntaxes, RFC 4180 quoting,
 * and every kind of bad input with line/row/column/value in the message
 * and nothing kept. */
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

static int load(patron_txlog *log, const char *csv, const patron_csv_options *o,
                patron_csv_report *rep)
{
    return patron_txlog_load_csv_buffer(log, csv, strlen(csv), o, rep);
}

static patron_txlog *seeded_log(void)
{
    patron_txlog *log = NULL;
    assert_int_equal(patron_txlog_new(&log, NULL), PATRON_OK);
    assert_int_equal(patron_txlog_add(log, "seed", 0, 1, NULL, NULL), PATRON_OK);
    return log;
}

/* Loading `csv` fails with `code`, the message contains `needle`, and the
 * log keeps exactly its one seed row. */
static void expect_failure(const char *csv, int code, const char *needle)
{
    patron_txlog *log = seeded_log();
    int rc = load(log, csv, NULL, NULL);
    if (rc != code || !strstr(patron_errmsg(), needle))
        fail_msg("got %d '%s', wanted %d containing '%s'", rc, patron_errmsg(), code, needle);
    assert_int_equal(patron_txlog_count(log), 1);
    assert_int_equal(patron_txlog_customers(log), 1);
    /* and the log still works */
    assert_int_equal(load(log, "customer_id,date,amount\nz,2024-01-01,1\n", NULL, NULL), PATRON_OK);
    assert_int_equal(patron_txlog_customers(log), 2);
    patron_txlog_free(log);
}

static void test_bad_rows_fail_the_whole_load(void **state)
{
    (void)state;
    const char *h = "customer_id,date,amount\n";
    char buf[512];
#define BAD(rows, code, needle)                     \
    snprintf(buf, sizeof buf, "%s%s", h, rows);     \
    expect_failure(buf, code, needle)
    BAD("a,2024-01-01,1\nb,2024-01-01\n", PATRON_EPARSE,
        "line 3 (row 2): the row has 2 fields, expected at least 3");
    BAD("a,2024-01-01,1\nb,2024-13-01,1\n", PATRON_EPARSE,
        "line 3 (row 2), column 2 'date': '2024-13-01' is not an ISO-8601 date");
    BAD("a,2023-02-29,1\n", PATRON_EPARSE, "column 2 'date': '2023-02-29' is not");
    BAD("a,yesterday,1\n", PATRON_EPARSE, "column 2 'date': 'yesterday' is not an ISO-8601 date/time or epoch seconds");
    BAD("a,2024-01-01,-3.50\n", PATRON_EINVAL,
        "line 2 (row 1), column 3 'amount': value '-3.50' is a negative amount");
    BAD("a,2024-01-01,1\n\"b\",2024/01/01,1\n", PATRON_EPARSE,
        "line 3 (row 2), column 2 'date': '2024/01/01' is not an ISO-8601 date/time or epoch seconds");
}

/* A row with more fields than the header (an unquoted decimal comma) is an
 * error naming the row and the extra field, unless extra_fields says
 * otherwise; without a header the first record sets the width. */
static void test_extra_fields(void **state)
{
    (void)state;
    expect_failure("customer_id,date,amount\n1,2024-01-01,3\n3,2024-03-01,12,5\n", PATRON_EPARSE,
                   "line 3 (row 2): the row has 4 fields, the header has 3: field 4 '5' is extra");
    patron_csv_options o = PATRON_CSV_OPTIONS_INIT;
    o.extra_fields = 1;
    patron_txlog *log = NULL;
    assert_int_equal(patron_txlog_new(&log, NULL), PATRON_OK);
    assert_int_equal(load(log, "customer_id,date,amount\n3,2024-03-01,12,5\n", &o, NULL), PATRON_OK);
    assert_int_equal(patron_txlog_count(log), 1);
    /* without a header */
    patron_csv_options nh = PATRON_CSV_OPTIONS_INIT;
    nh.has_header = 0;
    nh.customer_index = 0;
    nh.time_index = 1;
    nh.amount_index = 2;
    assert_int_equal(load(log, "4,2024-03-01,12\n5,2024-03-02,7,50\n", &nh, NULL), PATRON_EPARSE);
    assert_non_null(strstr(patron_errmsg(), "line 2 (row 2): the row has 4 fields, the first row has 3: field 4 '50' is extra"));
    assert_int_equal(patron_txlog_count(log), 1);
    /* skipped and reported with skip_invalid */
    patron_csv_options sk = PATRON_CSV_OPTIONS_INIT;
    sk.skip_invalid = 1;
    patron_csv_report rep = PATRON_CSV_REPORT_INIT;
    assert_int_equal(load(log, "customer_id,date,amount\n6,2024-03-01,12,5\n7,2024-03-01,1\n", &sk, &rep), PATRON_OK);
    assert_int_equal(rep.rows_skipped, 1);
    assert_int_equal(rep.errors[0].row, 1);
    o.extra_fields = 2;
    assert_int_equal(load(log, "customer_id,date,amount\n", &o, NULL), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "extra_fields is 2, expected 0 or 1");
    patron_txlog_free(log);
}

static void test_bad_values(void **state)
{
    (void)state;
    expect_failure("customer_id,date,amount\na,2024-01-01,12;5\n", PATRON_EPARSE,
                   "line 2 (row 1), column 3 'amount': value '12;5' is not a decimal number");
    expect_failure("customer_id,date,amount\na,2024-01-01,abc\n", PATRON_EPARSE,
                   "value 'abc' is not a decimal number");
    expect_failure("customer_id,date,amount\na,2024-01-01,1e3\n", PATRON_EPARSE,
                   "value '1e3' is not a decimal number");
    expect_failure("customer_id,date,amount\na,2024-01-01,\n", PATRON_EPARSE,
                   "value '' is not a decimal number");
    expect_failure("customer_id,date,amount\na,2024-01-01,1.234\n", PATRON_EPARSE,
                   "value '1.234' has more than 2 decimals");
    expect_failure("customer_id,date,amount\n,2024-01-01,1\n", PATRON_EINVAL,
                   "line 2 (row 1), column 1 'customer_id': customer id is empty");
    expect_failure("customer_id,date,amount\na,99999999999999,1\n", PATRON_ERANGE,
                   "column 2 'date': '99999999999999' is outside the supported time range");
    expect_failure("customer_id,date,amount\na,1,99999999999999999\n", PATRON_ERANGE,
                   "column 3 'amount': value '99999999999999999' is too large an amount");
    expect_failure("customer_id,date,amount\n\"a,2024-01-01,1\n", PATRON_EPARSE,
                   "line 2: quoted field is not closed");
    expect_failure("customer_id,date,amount\n\"a\"x,2024-01-01,1\n", PATRON_EPARSE,
                   "line 2: unexpected character after a closing quote");
    expect_failure("customer_id,when,amount\na,2024-01-01,1\n", PATRON_EINVAL,
                   "time column 'date' is not in the header (columns: 'customer_id', 'when', 'amount')");
    expect_failure("", PATRON_EPARSE, "the input is empty");
    char id[400] = "customer_id,date,amount\n";
    memset(id + strlen(id), 'x', 300);
    strcpy(id + 24 + 300, ",2024-01-01,1\n");
    expect_failure(id, PATRON_ERANGE, "column 1 'customer_id': customer id 'xxxx");
    /* a record over the line limit */
    size_t big = PATRON_CSV_LINE_MAX + 100;
    char *line = malloc(big + 64);
    strcpy(line, "customer_id,date,amount\na,2024-01-01,1,");
    size_t k = strlen(line);
    memset(line + k, 'y', big);
    strcpy(line + k + big, "\n");
    expect_failure(line, PATRON_ERANGE, "line 2: record longer than 65536 bytes");
    free(line);
}

static void test_skip_invalid_reports(void **state)
{
    (void)state;
    patron_txlog *log = seeded_log();
    patron_csv_options o = PATRON_CSV_OPTIONS_INIT;
    o.skip_invalid = 1;
    patron_csv_report rep = PATRON_CSV_REPORT_INIT;
    const char *csv = "customer_id,date,amount\n"
                      "a,2024-01-01,1\n"
                      "b,2024-01-0x,1\n"
                      "c,2024-01-01,-1\n"
                      "\n"
                      "d,2024-01-02,2.5\n"
                      "e\n";
    assert_int_equal(load(log, csv, &o, &rep), PATRON_OK);
    assert_int_equal(rep.rows_read, 5);
    assert_int_equal(rep.rows_loaded, 2);
    assert_int_equal(rep.rows_skipped, 3);
    assert_int_equal(rep.errors_kept, 3);
    assert_int_equal(rep.errors[0].line, 3);
    assert_int_equal(rep.errors[0].row, 2);
    assert_int_equal(rep.errors[0].column, 2);
    assert_int_equal(rep.errors[0].code, PATRON_EPARSE);
    assert_non_null(strstr(rep.errors[0].message, "'2024-01-0x'"));
    assert_int_equal(rep.errors[1].column, 3);
    assert_int_equal(rep.errors[1].code, PATRON_EINVAL);
    assert_int_equal(rep.errors[2].line, 7);
    assert_int_equal(rep.errors[2].column, 0);
    assert_int_equal(patron_txlog_count(log), 3);
    /* fatal problems still fail everything */
    assert_int_equal(load(log, "customer_id,date\n", &o, &rep), PATRON_EINVAL);
    assert_int_equal(patron_txlog_count(log), 3);
    patron_txlog_free(log);
}

static void test_amounts_exact(void **state)
{
    (void)state;
    struct {
        const char *text;
        int decimals, rounding;
        int64_t want;
        int rc;
    } cases[] = {
        {"12.5", 2, 0, 1250, 0},       {"12.50", 2, 0, 1250, 0},    {"12.500", 2, 0, 1250, 0},
        {"0.99", 2, 0, 99, 0},         {".5", 2, 0, 50, 0},         {"7.", 2, 0, 700, 0},
        {"+3", 2, 0, 300, 0},          {"-0.00", 2, 0, 0, 0},       {"1234", 0, 0, 1234, 0},
        {"0.1", 9, 0, 100000000, 0},   {"12.345", 2, 0, 0, PATRON_EPARSE},
        {"12.345", 2, PATRON_ROUND_HALF_EVEN, 1234, 0}, {"12.355", 2, PATRON_ROUND_HALF_EVEN, 1236, 0},
        {"12.3451", 2, PATRON_ROUND_HALF_EVEN, 1235, 0}, {"12.345", 2, PATRON_ROUND_HALF_UP, 1235, 0},
        {"12.349", 2, PATRON_ROUND_TRUNCATE, 1234, 0}, {"1.5", 0, PATRON_ROUND_HALF_EVEN, 2, 0},
        {"2.5", 0, PATRON_ROUND_HALF_EVEN, 2, 0}, {"1,5", 2, 0, 0, PATRON_EPARSE},
        {" 4.20 ", 2, 0, 420, 0}, {"1000000000000000", 0, 0, 1000000000000000, 0},
        {"10000000000000.01", 2, 0, 0, PATRON_ERANGE}, {"-1", 2, 0, 0, PATRON_EINVAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        patron_txlog_options lo = PATRON_TXLOG_OPTIONS_INIT;
        lo.decimals = cases[i].decimals;
        patron_txlog *log = NULL;
        assert_int_equal(patron_txlog_new(&log, &lo), PATRON_OK);
        patron_csv_options o = PATRON_CSV_OPTIONS_INIT;
        o.rounding = cases[i].rounding;
        char csv[128];
        snprintf(csv, sizeof csv, "customer_id,date,amount\nx,0,\"%s\"\n", cases[i].text);
        int rc = load(log, csv, &o, NULL);
        if (rc != cases[i].rc)
            fail_msg("'%s': rc %d (%s), wanted %d", cases[i].text, rc, patron_errmsg(), cases[i].rc);
        if (rc == 0) {
            patron_frame *f = NULL;
            assert_int_equal(patron_summarize(&f, log, NULL), PATRON_OK);
            int64_t got = patron_frame_int64_by_name(f, "total_spend")[0];
            if (got != cases[i].want)
                fail_msg("'%s': %lld, wanted %lld", cases[i].text, (long long)got,
                         (long long)cases[i].want);
            patron_frame_free(f);
        }
        patron_txlog_free(log);
    }
}

static void test_time_syntaxes(void **state)
{
    (void)state;
    struct {
        const char *text;
        int format;
        int64_t want;
        int rc;
    } cases[] = {
        {"1970-01-01", PATRON_TIME_ISO8601, 0, 0},
        {"1997-09-30", PATRON_TIME_AUTO, 875577600, 0},
        {"1997-09-30T12:34:56Z", PATRON_TIME_ISO8601, 875577600 + 45296, 0},
        {"1997-09-30 12:34:56.789", PATRON_TIME_ISO8601, 875577600 + 45296, 0},
        {"1997-09-30T12:34", PATRON_TIME_ISO8601, 875577600 + 45240, 0},
        {"1997-09-30T12:34:56+02:00", PATRON_TIME_ISO8601, 875577600 + 45296 - 7200, 0},
        {"1997-09-30T00:00:00-0530", PATRON_TIME_ISO8601, 875577600 + 19800, 0},
        {"2000-02-29", PATRON_TIME_ISO8601, 951782400, 0},
        {"1900-02-29", PATRON_TIME_ISO8601, 0, PATRON_EPARSE},
        {"1997-09-31", PATRON_TIME_ISO8601, 0, PATRON_EPARSE},
        {"1997-09-30T24:00:00Z", PATRON_TIME_ISO8601, 0, PATRON_EPARSE},
        {"1997-09-30Tfoo", PATRON_TIME_ISO8601, 0, PATRON_EPARSE},
        {"1997-09-30X", PATRON_TIME_ISO8601, 0, PATRON_EPARSE},
        {"19970930", PATRON_TIME_YYYYMMDD, 875577600, 0},
        {"19970931", PATRON_TIME_YYYYMMDD, 0, PATRON_EPARSE},
        {"875577600", PATRON_TIME_AUTO, 875577600, 0},
        {"-86400", PATRON_TIME_EPOCH, -86400, 0},
        {"0000-01-01", PATRON_TIME_ISO8601, PATRON_TIME_MIN, 0},
        {"9999-12-31T23:59:59Z", PATRON_TIME_ISO8601, PATRON_TIME_MAX, 0},
        {"9999-12-31T23:59:59-01:00", PATRON_TIME_ISO8601, 0, PATRON_ERANGE},
        {"253402300800", PATRON_TIME_EPOCH, 0, PATRON_ERANGE},
        {"", PATRON_TIME_AUTO, 0, PATRON_EPARSE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int64_t t = 42;
        int rc = patron_time_parse(&t, cases[i].text, strlen(cases[i].text), cases[i].format);
        if (rc != cases[i].rc || (rc == 0 && t != cases[i].want))
            fail_msg("'%s': rc %d t %lld (%s)", cases[i].text, rc, (long long)t, patron_errmsg());
        if (rc)
            assert_int_equal(t, 42);
    }
    char buf[32];
    assert_int_equal(patron_time_format(buf, sizeof buf, 875577600), PATRON_OK);
    assert_string_equal(buf, "1997-09-30");
    assert_int_equal(patron_time_format(buf, sizeof buf, -1), PATRON_OK);
    assert_string_equal(buf, "1969-12-31T23:59:59Z");
    assert_int_equal(patron_time_format(buf, 5, 0), PATRON_ERANGE);
}

static void test_quoting_and_layouts(void **state)
{
    (void)state;
    patron_txlog *log = NULL;
    assert_int_equal(patron_txlog_new(&log, NULL), PATRON_OK);
    const char *csv = "\xEF\xBB\xBF" "amount;\"cust;omer\";when;cat\r\n"
                      "\"1.50\";\"x\"\"y\";2024-01-01;\"multi\nline\"\r\n"
                      "\r\n"
                      "2;x\"y;2024-01-02;plain\r\n"
                      "3;\"x\"\"y\";2024-01-05;\"\"";
    patron_csv_options o = PATRON_CSV_OPTIONS_INIT;
    o.delimiter = ';';
    o.customer_col = "cust;omer";
    o.time_col = "when";
    o.amount_col = "amount";
    o.category_col = "cat";
    patron_csv_report rep = PATRON_CSV_REPORT_INIT;
    int rc = load(log, csv, &o, &rep);
    if (rc)
        fail_msg("%s", patron_errmsg());
    assert_int_equal(rep.rows_read, 3);
    assert_int_equal(patron_txlog_customers(log), 1);
    patron_frame *f = NULL;
    assert_int_equal(patron_summarize(&f, log, NULL), PATRON_OK);
    assert_string_equal(patron_frame_string(f, 0)[0], "x\"y");
    assert_int_equal(patron_frame_int64_by_name(f, "total_spend")[0], 650);
    assert_true(patron_frame_double_by_name(f, "frequency")[0] == 2);
    patron_frame_free(f);
    /* line numbers count the line break inside the quoted field */
    assert_int_equal(load(log, "customer_id,date,amount\n\"a\nb\",2024-01-01,1\nc,bad,1\n", NULL,
                          NULL),
                     PATRON_EPARSE);
    assert_non_null(strstr(patron_errmsg(), "line 4 (row 2), column 2"));
    /* no header, by index, whitespace-separated, integer ids */
    patron_txlog *ws = NULL;
    assert_int_equal(patron_txlog_new(&ws, NULL), PATRON_OK);
    patron_csv_options w = PATRON_CSV_OPTIONS_INIT;
    w.has_header = 0;
    w.delimiter = ' ';
    w.customer_index = 0;
    w.time_index = 1;
    w.amount_index = 2;
    w.time_format = PATRON_TIME_YYYYMMDD;
    w.integer_ids = 1;
    const char *cd = "  00004   19970101  29.33\r\n00004\t19970118 29.73  \r\n  \r\n  12 19970102 1\r\n";
    rc = load(ws, cd, &w, NULL);
    if (rc)
        fail_msg("%s", patron_errmsg());
    assert_int_equal(patron_txlog_count(ws), 3);
    assert_int_equal(patron_txlog_customers(ws), 2);
    assert_int_equal(patron_summarize(&f, ws, NULL), PATRON_OK);
    assert_int_equal(patron_frame_int64(f, 0)[0], 4);
    assert_int_equal(patron_frame_int64(f, 0)[1], 12);
    assert_true(patron_frame_double_by_name(f, "monetary_value")[0] == 2973);
    patron_frame_free(f);
    /* the log's id kind must agree with integer_ids */
    w.integer_ids = 0;
    assert_int_equal(load(ws, cd, &w, NULL), PATRON_EINVAL);
    /* no header without indexes */
    w.customer_index = -1;
    assert_int_equal(load(ws, cd, &w, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "needs an index"));
    patron_txlog_free(ws);
    patron_txlog_free(log);
}

static void test_category_and_order_columns(void **state)
{
    (void)state;
    patron_txlog *log = NULL;
    assert_int_equal(patron_txlog_new(&log, NULL), PATRON_OK);
    patron_csv_options o = PATRON_CSV_OPTIONS_INIT;
    o.category_col = "cat";
    o.order_col = "order";
    char csv[1024] = "order,customer_id,cat,date,amount\n"
                     "o1,a,books,2024-01-01,1\n"
                     "o2,a,,2024-01-02,2\n"
                     "o3,b,music,2024-01-02,3\n";
    assert_int_equal(load(log, csv, &o, NULL), PATRON_OK);
    assert_int_equal(patron_txlog_count(log), 3);
    strcat(csv, "o4,c,");
    size_t k = strlen(csv);
    memset(csv + k, 'x', 300);
    strcpy(csv + k + 300, ",2024-01-03,4\n");
    assert_int_equal(load(log, csv, &o, NULL), PATRON_ERANGE);
    assert_non_null(strstr(patron_errmsg(), "line 5 (row 4), column 3 'cat': category is 300 bytes"));
    assert_int_equal(patron_txlog_count(log), 3);
    o.order_col = "missing";
    assert_int_equal(load(log, "order,customer_id,cat,date,amount\n", &o, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "order column 'missing' is not in the header"));
    patron_txlog_free(log);
}

static void test_file_loading(void **state)
{
    (void)state;
    patron_txlog *log = NULL;
    assert_int_equal(patron_txlog_new(&log, NULL), PATRON_OK);
    int rc = patron_txlog_load_csv(log, pt_data_path("summary_tx.csv"), NULL, NULL);
    if (rc)
        fail_msg("%s", patron_errmsg());
    assert_int_equal(patron_txlog_count(log), 7);
    assert_int_equal(patron_txlog_customers(log), 3);
    assert_int_equal(patron_txlog_load_csv(log, "/nonexistent/tx.csv", NULL, NULL), PATRON_EIO);
    assert_non_null(strstr(patron_errmsg(), "cannot open '/nonexistent/tx.csv'"));
    /* a file bigger than the 1 MiB block, with records across blocks */
    char path[] = "/tmp/patron_summary_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    fputs("customer_id,date,amount\n", fp);
    for (int i = 0; i < 60000; i++)
        fprintf(fp, "cust%05d,%d,%d.%02d\n", i % 977, 1700000000 + i * 3600, i % 500, i % 100);
    fprintf(fp, "bad,notatime,1\n");
    fclose(fp);
    patron_txlog *big = NULL;
    assert_int_equal(patron_txlog_new(&big, NULL), PATRON_OK);
    assert_int_equal(patron_txlog_load_csv(big, path, NULL, NULL), PATRON_EPARSE);
    assert_non_null(strstr(patron_errmsg(), "line 60002 (row 60001), column 2 'date': 'notatime'"));
    assert_int_equal(patron_txlog_count(big), 0);
    patron_csv_options o = PATRON_CSV_OPTIONS_INIT;
    o.skip_invalid = 1;
    assert_int_equal(patron_txlog_load_csv(big, path, &o, NULL), PATRON_OK);
    assert_int_equal(patron_txlog_count(big), 60000);
    assert_int_equal(patron_txlog_customers(big), 977);
    remove(path);
    patron_txlog_free(big);
    patron_txlog_free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_rows_fail_the_whole_load),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_skip_invalid_reports),
        cmocka_unit_test(test_amounts_exact),
        cmocka_unit_test(test_time_syntaxes),
        cmocka_unit_test(test_quoting_and_layouts),
        cmocka_unit_test(test_category_and_order_columns),
        cmocka_unit_test(test_file_loading),
        cmocka_unit_test(test_extra_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
