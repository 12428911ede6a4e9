/* The documented input limits (docs/guide/hardening.md): a value at the
 * limit is accepted, one past it is a clear PATRON_ERANGE with a message,
 * never undefined behaviour. */
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

static void expect_range(int rc, const char *what)
{
    if (rc != PATRON_ERANGE)
        fail_msg("%s: got %d (%s), want PATRON_ERANGE", what, rc, patron_errmsg());
    assert_true(patron_errmsg()[0] != '\0');
}

/* "a,2024-01-01,1,<pad>\n" of exactly `total` bytes. */
static char *csv_record(size_t total, size_t *len)
{
    static const char head[] = "customer_id,date,amount,note\n";
    static const char start[] = "a,2024-01-01,1,";
    size_t hl = sizeof head - 1, sl = sizeof start - 1;
    char *s = malloc(hl + total + 1);
    assert_non_null(s);
    memcpy(s, head, hl);
    memcpy(s + hl, start, sl);
    memset(s + hl + sl, 'x', total - sl - 1);
    s[hl + total - 1] = '\n';
    s[hl + total] = '\0';
    *len = hl + total;
    return s;
}

static void test_csv_line_max(void **state)
{
    (void)state;
    patron_txlog *log = NULL;
    assert_int_equal(patron_txlog_new(&log, NULL), PATRON_OK);
    size_t len;
    char *ok = csv_record(PATRON_CSV_LINE_MAX, &len);
    assert_int_equal(patron_txlog_load_csv_buffer(log, ok, len, NULL, NULL), PATRON_OK);
    assert_int_equal(patron_txlog_count(log), 1);
    free(ok);
    char *big = csv_record(PATRON_CSV_LINE_MAX + 1, &len);
    expect_range(patron_txlog_load_csv_buffer(log, big, len, NULL, NULL), "CSV line over the limit");
    assert_non_null(strstr(patron_errmsg(), "line 2"));
    /* skip_invalid cannot skip a record it cannot delimit: still an error */
    patron_csv_options o = PATRON_CSV_OPTIONS_INIT;
    o.skip_invalid = 1;
    expect_range(patron_txlog_load_csv_buffer(log, big, len, &o, NULL), "CSV line, skip_invalid");
    assert_int_equal(patron_txlog_count(log), 1);
    free(big);
    /* The same limit in the frame reader. */
    size_t n = PATRON_CSV_LINE_MAX + 64;
    char *fr = malloc(n + 32);
    assert_non_null(fr);
    int k = snprintf(fr, 32, "customer_id,note\nid,");
    memset(fr + k, 'y', n - (size_t)k - 1);
    fr[n - 1] = '\n';
    patron_frame *f = NULL;
    expect_range(patron_frame_read_csv_buffer(&f, fr, n), "frame CSV line over the limit");
    assert_null(f);
    free(fr);
    patron_txlog_free(log);
}

static void test_id_max(void **state)
{
    (void)state;
    char id[PATRON_ID_MAX + 2];
    memset(id, 'i', sizeof id);
    id[PATRON_ID_MAX] = '\0';
    patron_txlog *log = NULL;
    assert_int_equal(patron_txlog_new(&log, NULL), PATRON_OK);
    assert_int_equal(patron_txlog_add(log, id, 0, 1, id, id), PATRON_OK);
    id[PATRON_ID_MAX] = 'i';
    id[PATRON_ID_MAX + 1] = '\0';
    expect_range(patron_txlog_add(log, id, 0, 1, NULL, NULL), "customer id");
    expect_range(patron_txlog_add(log, "c", 0, 1, id, NULL), "category");
    expect_range(patron_txlog_add(log, "c", 0, 1, NULL, id), "order id");
    const char *ids[1] = {id};
    int64_t t = 0, a = 1;
    expect_range(patron_txlog_add_batch_str(log, ids, &t, &a, 1), "batch id");
    char csv[600];
    snprintf(csv, sizeof csv, "customer_id,date,amount\n%s,2024-01-01,1\n", id);
    expect_range(patron_txlog_load_csv_buffer(log, csv, strlen(csv), NULL, NULL), "CSV id");
    assert_int_equal(patron_txlog_count(log), 1);
    patron_txlog_free(log);
}

static void test_amount_and_time_range(void **state)
{
    (void)state;
    patron_txlog *log = NULL;
    assert_int_equal(patron_txlog_new(&log, NULL), PATRON_OK);
    assert_int_equal(patron_txlog_add(log, "a", PATRON_TIME_MAX, PATRON_AMOUNT_MAX, NULL, NULL),
                     PATRON_OK);
    expect_range(patron_txlog_add(log, "a", 0, PATRON_AMOUNT_MAX + 1, NULL, NULL), "amount");
    expect_range(patron_txlog_add(log, "a", PATRON_TIME_MAX + 1, 1, NULL, NULL), "time");
    expect_range(patron_txlog_add(log, "a", PATRON_TIME_MIN - 1, 1, NULL, NULL), "time");
    static const char csv[] = "customer_id,date,amount\na,2024-01-01,10000000000000.01\n";
    expect_range(patron_txlog_load_csv_buffer(log, csv, sizeof csv - 1, NULL, NULL), "CSV amount");
    int64_t out = 0;
    expect_range(patron_time_parse(&out, "0000-01-01T00:00:00+01:00", 25, PATRON_TIME_AUTO),
                 "before year 0");
    expect_range(patron_time_parse(&out, "253402300800", 12, PATRON_TIME_EPOCH), "epoch");
    patron_txlog_free(log);
}

static char *nested(unsigned depth)
{
    char *s = malloc(2 * depth + 16);
    assert_non_null(s);
    size_t k = 0;
    for (unsigned i = 0; i < depth; i++)
        s[k++] = '(';
    memcpy(s + k, "frequency>1", 11);
    k += 11;
    for (unsigned i = 0; i < depth; i++)
        s[k++] = ')';
    s[k] = '\0';
    return s;
}

static void test_rule_limits(void **state)
{
    (void)state;
    patron_rule *r = NULL;
    /* depth: each parenthesis is one level */
    char *s = nested(PATRON_RULE_DEFAULT_MAX_DEPTH - 1);
    assert_int_equal(patron_rule_compile(&r, s, NULL), PATRON_OK);
    patron_rule_free(r);
    r = NULL;
    free(s);
    s = nested(PATRON_RULE_DEFAULT_MAX_DEPTH + 1);
    expect_range(patron_rule_compile(&r, s, NULL), "rule depth");
    assert_null(r);
    free(s);
    s = nested(100000); /* far past the limit: no stack exhaustion */
    patron_rule_options o = PATRON_RULE_OPTIONS_INIT;
    o.max_length = PATRON_RULE_MAX_LENGTH_LIMIT;
    expect_range(patron_rule_compile(&r, s, &o), "deep rule");
    free(s);
    /* length */
    size_t n = PATRON_RULE_DEFAULT_MAX_LENGTH + 1;
    s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, "frequency > 1", 13);
    memset(s + 13, ' ', n - 13);
    s[n] = '\0';
    expect_range(patron_rule_compile(&r, s, NULL), "rule length");
    s[n - 1] = '\0'; /* exactly the limit */
    assert_int_equal(patron_rule_compile(&r, s, NULL), PATRON_OK);
    patron_rule_free(r);
    free(s);
    o.max_depth = PATRON_RULE_MAX_DEPTH_LIMIT + 1;
    assert_int_equal(patron_rule_compile(&r, "frequency > 1", &o), PATRON_EINVAL);
}

static void test_frame_rows(void **state)
{
    (void)state;
    patron_frame *f = NULL;
    /* Rows beyond what memory can hold fail cleanly. */
    int rc = patron_frame_new(&f, SIZE_MAX / 2, NULL, NULL);
    assert_true(rc == PATRON_ENOMEM || rc == PATRON_ERANGE);
    assert_null(f);
    rc = patron_frame_new(&f, (size_t)PATRON_CUSTOMERS_MAX + 1, NULL, NULL);
    expect_range(rc, "frame rows over PATRON_CUSTOMERS_MAX");
    assert_null(f);
    /* Column names */
    assert_int_equal(patron_frame_new(&f, 2, NULL, NULL), PATRON_OK);
    char name[PATRON_COLNAME_MAX + 2];
    memset(name, 'c', sizeof name);
    name[PATRON_COLNAME_MAX] = '\0';
    double v[2] = {1, 2};
    assert_int_equal(patron_frame_add_double(f, name, v), PATRON_OK);
    name[PATRON_COLNAME_MAX] = 'c';
    name[PATRON_COLNAME_MAX + 1] = '\0';
    assert_int_equal(patron_frame_add_double(f, name, v), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "1..63 bytes"));
    assert_int_equal(patron_frame_cols(f), 2);
    patron_frame_free(f);
}

static void test_ledger_key_length(void **state)
{
    (void)state;
    patron_db *db = NULL;
    assert_int_equal(patron_open(&db, ":memory:", NULL), PATRON_OK);
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Dana";
    f.email = "dana@example.com";
    f.consent = "none";
    int64_t m;
    assert_int_equal(patron_profile_add(db, &m, &f, 1700000000), PATRON_OK);
    char key[202];
    memset(key, 'k', sizeof key);
    key[200] = '\0';
    patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
    r.key = key;
    r.member_id = m;
    r.points = 5;
    r.at = 1700000000;
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    key[200] = 'k';
    key[201] = '\0';
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_EINVAL);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_line_max),    cmocka_unit_test(test_id_max),
        cmocka_unit_test(test_amount_and_time_range), cmocka_unit_test(test_rule_limits),
        cmocka_unit_test(test_frame_rows),      cmocka_unit_test(test_ledger_key_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
