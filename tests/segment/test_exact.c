/* Issue 20, case by case: `not between` with a missing bound, number
 * literals of 16-17 significant digits and at the ends of the range,
 * quantiles and ntile scores that differ only in the lowest bits, RFM
 * scores of near-equal values, time columns read from CSV, and what a
 * missing RFM component gives. */
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

static patron_frame *csv(const char *text)
{
    patron_frame *f = NULL;
    if (patron_frame_read_csv_buffer(&f, text, strlen(text)) != PATRON_OK)
        fail_msg("reading the CSV: %s", patron_errmsg());
    return f;
}

/* Selected customer ids, comma separated. */
static void select_ids(const patron_frame *f, const char *rule, int64_t now, char *buf, size_t cap)
{
    patron_rule_eval_options o = PATRON_RULE_EVAL_OPTIONS_INIT;
    o.now = now;
    patron_selection *s = NULL;
    if (patron_rule_select(&s, f, rule, &o) != PATRON_OK)
        fail_msg("%s: %s", rule, patron_errmsg());
    size_t n = 0;
    buf[0] = '\0';
    const char *const *ids = patron_frame_string(f, 0);
    const int64_t *iids = patron_frame_int64(f, 0);
    for (size_t r = 0; patron_selection_next(s, &r); r++) {
        if (ids)
            n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "," : "", ids[r]);
        else
            n += (size_t)snprintf(buf + n, cap - n, "%s%lld", n ? "," : "", (long long)iids[r]);
    }
    patron_selection_free(s);
}

#define EXPECT_IDS(frame, rule, now, want)                                       \
    do {                                                                         \
        char got_[512];                                                          \
        select_ids((frame), (rule), (now), got_, sizeof got_);                   \
        if (strcmp(got_, (want)))                                                \
            fail_msg("%s: got {%s}, want {%s}", (rule), got_, (want));           \
    } while (0)

/* 1. A comparison with a missing value is false, `not between` included. */
static void test_not_between_with_a_missing_bound(void **state)
{
    (void)state;
    patron_frame *f = csv("customer_id,y,x,o\na,3,,0\nb,3,5,1\nc,7,5,1\nd,,5,1\n");
    EXPECT_IDS(f, "y not between x and 2", PATRON_TIME_NONE, "b,c");
    EXPECT_IDS(f, "y not between 4 and x", PATRON_TIME_NONE, "b,c");
    EXPECT_IDS(f, "y not between x and x", PATRON_TIME_NONE, "b,c");
    EXPECT_IDS(f, "y not between 10/o and 1", PATRON_TIME_NONE, "b,c");
    EXPECT_IDS(f, "y not between 1 and 10/o", PATRON_TIME_NONE, "");
    EXPECT_IDS(f, "y not between 4 and 6", PATRON_TIME_NONE, "a,b,c");
    EXPECT_IDS(f, "y between x and 9", PATRON_TIME_NONE, "c");
    EXPECT_IDS(f, "not (y between x and 9)", PATRON_TIME_NONE, "a,b,d");
    /* inside a larger rule, the mask lands where the rest expects it */
    EXPECT_IDS(f, "o == 1 and y not between x and 2 or y == 7", PATRON_TIME_NONE, "b,c");
    EXPECT_IDS(f, "(y + 0) not between (x * 1) and (2 + o * 0)", PATRON_TIME_NONE, "b,c");
    patron_frame_free(f);
}

/* 2. Literals convert with correct rounding: a value copied from the CSV
 * matches itself. */
static void test_literals_match_the_csv_value(void **state)
{
    (void)state;
    static const char *const values[] = {
        "-9.866295413738777", "1e308", "1e100", "1e200", "1e300", "1.7976931348623157e308",
        "33.333333333333336", "0.30000000000000004", "5e-324", "2.2250738585072014e-308",
        "123456789.12345679", "9007199254740993", "4.35679719238e-310",
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char text[256], rule[128];
        snprintf(text, sizeof text, "customer_id,z\na,%s\nb,0\n", values[i]);
        patron_frame *f = csv(text);
        snprintf(rule, sizeof rule, "z == %s", values[i]); /* "-9.8..." is unary minus */
        EXPECT_IDS(f, rule, PATRON_TIME_NONE, "a");
        patron_frame_free(f);
    }
    patron_rule *r = NULL;
    assert_int_equal(patron_rule_compile(&r, "z > 1.8e308", NULL), PATRON_ERANGE);
    assert_int_equal(patron_rule_compile(&r, "z > 1e-400", NULL), PATRON_OK); /* rounds to 0 */
    patron_rule_free(r);
}

static patron_frame *frame_of(const double *v, size_t n)
{
    /* frequency, recency, T must be valid; the values go to monetary_value */
    double *z = calloc(n, sizeof *z), *t = malloc(n * sizeof *t);
    assert_non_null(z);
    assert_non_null(t);
    for (size_t i = 0; i < n; i++)
        t[i] = 10;
    patron_frame *f = NULL;
    if (patron_frame_from_arrays(&f, n, NULL, z, z, t, v) != PATRON_OK)
        fail_msg("frame: %s", patron_errmsg());
    free(z);
    free(t);
    return f;
}

static size_t count(const patron_frame *f, const char *rule)
{
    patron_selection *s = NULL;
    if (patron_rule_select(&s, f, rule, NULL) != PATRON_OK)
        fail_msg("%s: %s", rule, patron_errmsg());
    size_t c = patron_selection_count(s);
    patron_selection_free(s);
    return c;
}

/* 3. Quantile selection compares every bit. */
static void test_quantiles_see_the_lowest_bits(void **state)
{
    (void)state;
    double v[64];
    for (int i = 0; i < 60; i++)
        v[i] = 1.0;
    v[60] = 1.0000000000000002;
    patron_frame *f = frame_of(v, 61);
    assert_int_equal(count(f, "monetary_value >= p100"), 1);
    assert_int_equal(count(f, "monetary_value <= p0"), 60);
    patron_frame_free(f);

    for (int i = 0; i < 49; i++)
        v[i] = 33.333333333333336;
    v[49] = v[50] = 33.33333333333333;
    f = frame_of(v, 51);
    assert_int_equal(count(f, "monetary_value <= p0"), 2);
    assert_int_equal(count(f, "monetary_value >= p100"), 49);
    patron_frame_free(f);

    /* subnormals and signed zeros: -0 and +0 are one value */
    for (int i = 0; i < 60; i++)
        v[i] = i % 2 ? 0.0 : -0.0;
    v[60] = 5e-324;
    v[61] = 1e-323;
    f = frame_of(v, 62);
    assert_int_equal(count(f, "monetary_value >= p100"), 1);
    assert_int_equal(count(f, "monetary_value <= p0"), 60);
    assert_int_equal(count(f, "monetary_value > p50"), 2);
    patron_frame_free(f);
}

/* 4. ntile scores: 1 + floor(bins * L / n), also for near-equal values. */
static void test_ntile_scores_of_near_equal_values(void **state)
{
    (void)state;
    double v[61];
    uint8_t s[61];
    for (int i = 0; i < 60; i++)
        v[i] = 0.0;
    v[60] = 5e-324;
    assert_int_equal(patron_ntile_scores(s, v, 61, 100, 1), PATRON_OK);
    assert_int_equal(s[60], 99); /* 1 + floor(100 * 60 / 61) */
    assert_int_equal(s[0], 1);
    assert_int_equal(patron_ntile_scores(s, v, 61, 100, 0), PATRON_OK);
    assert_int_equal(s[60], 1);
    assert_int_equal(s[0], 2); /* 1 + floor(100 * 1 / 61) */

    /* RFM: 30 customers at 33.33333333333333 and 30 at 33.333333333333336
     * score 1 and 3 on monetary (1 + floor(5 * 30 / 60)) */
    double m[60];
    for (int i = 0; i < 60; i++)
        m[i] = i < 30 ? 33.33333333333333 : 33.333333333333336;
    patron_frame *f = frame_of(m, 60);
    uint8_t r[60], fr[60], mm[60];
    assert_int_equal(patron_rfm_score(r, fr, mm, f, NULL), PATRON_OK);
    assert_int_equal(mm[0], 1);
    assert_int_equal(mm[59], 3);
    uint8_t d[60];
    assert_int_equal(patron_value_deciles(d, f, "monetary_value"), PATRON_OK);
    assert_int_equal(d[0], 1);
    assert_int_equal(d[59], 6); /* 1 + floor(10 * 30 / 60) */
    patron_frame_free(f);
}

/* 7. Time columns of a CSV frame are times. */
static void test_csv_time_columns(void **state)
{
    (void)state;
    const int64_t now = 1717200000; /* 2024-06-01 */
    patron_frame *f = csv("customer_id,joined,signup_at,visit_time,score_at\n"
                          "a,1717113600,2024-05-31T00:00:00Z,1717113601,1.5\n"
                          "b,1700000000,2023-11-14,,2\n"
                          "c,,,1717199999,3\n");
    EXPECT_IDS(f, "joined within 1 days", now, "a");
    EXPECT_IDS(f, "signup_at within 2 days", now, "a");
    EXPECT_IDS(f, "signup_at before 30 days ago", now, "b");
    EXPECT_IDS(f, "visit_time after 1 days ago", now, "a,c");
    EXPECT_IDS(f, "not (joined within 1 days)", now, "b,c"); /* c: missing */
    size_t col;
    assert_int_equal(patron_frame_find(&col, f, "joined", PATRON_COL_INT64), PATRON_OK);
    assert_int_equal(patron_frame_int64(f, col)[2], PATRON_TIME_NONE);
    assert_int_equal(patron_frame_find(&col, f, "signup_at", PATRON_COL_INT64), PATRON_OK);
    assert_int_equal(patron_frame_int64(f, col)[1], 1699920000);
    /* a name like a time whose values are not times stays a number */
    assert_int_equal(patron_frame_find(&col, f, "score_at", PATRON_COL_DOUBLE), PATRON_OK);
    patron_frame_free(f);
}

/* 9. A missing RFM component scores 0; the customer's rfm_score is 0 and
 * rfm_segment is "". */
static void test_missing_rfm_component(void **state)
{
    (void)state;
    char text[1024];
    size_t n = (size_t)snprintf(text, sizeof text, "customer_id,frequency,recency,T,monetary_value\n");
    for (int i = 0; i < 10; i++) {
        if (i == 3)
            n += (size_t)snprintf(text + n, sizeof text - n, "c%d,%d,%d,20,\n", i, i, i);
        else
            n += (size_t)snprintf(text + n, sizeof text - n, "c%d,%d,%d,20,%d\n", i, i, i, 10 * i);
    }
    patron_frame *f = csv(text);
    assert_int_equal(patron_rfm_add_columns(f, NULL), PATRON_OK);
    const int64_t *mm = patron_frame_int64_by_name(f, "rfm_m");
    const int64_t *sc = patron_frame_int64_by_name(f, "rfm_score");
    size_t col;
    assert_int_equal(patron_frame_find(&col, f, "rfm_segment", PATRON_COL_STRING), PATRON_OK);
    const char *const *seg = patron_frame_string(f, col);
    assert_int_equal(mm[3], 0);
    assert_int_equal(sc[3], 0);
    assert_string_equal(seg[3], "");
    assert_true(sc[4] >= 111 && seg[4][0] != '\0');
    assert_int_equal(count(f, "rfm_score == 0"), 1);
    assert_int_equal(count(f, "rfm_segment == \"\""), 0); /* "" is missing: never equal */
    patron_frame_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_between_with_a_missing_bound),
        cmocka_unit_test(test_literals_match_the_csv_value),
        cmocka_unit_test(test_quantiles_see_the_lowest_bits),
        cmocka_unit_test(test_ntile_scores_of_near_equal_values),
        cmocka_unit_test(test_csv_time_columns),
        cmocka_unit_test(test_missing_rfm_component),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
