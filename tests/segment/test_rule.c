/* The rule language over in-test columns: grammar, semantics of missing
 * values, quantiles and ties, every error with its exact position and caret,
 * limits, and allocation failures. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "failalloc.h"
#include "internal/columns.h"
#include "patron.h"
#include "segment/rule_impl.h"

#define NOW INT64_C(1700000000)
#define DAY INT64_C(86400)
#define NR 8

static const int64_t freq[NR] = {0, 1, 2, 3, 5, 8, 2, 0};
static double mon[NR];
static const int64_t last[NR] = {NOW - 10 * DAY, NOW - 70 * DAY, INT64_MIN, NOW - 59 * DAY,
                                 NOW - 61 * DAY, NOW - 1 * DAY,  NOW - 30 * DAY, NOW - 200 * DAY};
static const char *const city_levels[] = {"Paris", "Lyon", "Nice"};
static const int32_t city[NR] = {0, 1, 2, -1, 0, 1, 0, 2};
static const char *const tag[NR] = {"a", "b", NULL, "a", "c", "b", "a", "a"};
static const uint8_t sms[NR] = {1, 0, 1, 1, 0, 1, 0, 1};
static patron__column cols[6];
static patron__colset frame;

static void setup_frame(void)
{
    const double m[NR] = {10, 20.5, NAN, 40, 50, 60, 70, 0};
    memcpy(mon, m, sizeof m);
    cols[0] = (patron__column){"frequency", PATRON__COL_I64, freq, NULL, 0};
    cols[1] = (patron__column){"monetary", PATRON__COL_F64, mon, NULL, 0};
    cols[2] = (patron__column){"last_purchase", PATRON__COL_TIME, last, NULL, 0};
    cols[3] = (patron__column){"city", PATRON__COL_CAT, city, city_levels, 3};
    cols[4] = (patron__column){"tag", PATRON__COL_STR, tag, NULL, 0};
    cols[5] = (patron__column){"consent.sms", PATRON__COL_BOOL, sms, NULL, 0};
    frame = (patron__colset){cols, 6, NR};
}

/* "0,2,5" for the selected rows. */
static void rows_text(const patron_selection *s, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t r = 0; patron_selection_next(s, &r); r++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%zu", o ? "," : "", r);
}

static int eval_text(const char *rule, char *buf, size_t cap)
{
    patron_rule *r = NULL;
    int rc = patron_rule_compile(&r, rule, NULL);
    if (rc)
        return rc;
    patron_rule_eval_options o = PATRON_RULE_EVAL_OPTIONS_INIT;
    o.now = NOW;
    patron_selection *s = NULL;
    rc = patron__rule_eval_columns(&s, r, &frame, &o);
    patron_rule_free(r);
    if (rc)
        return rc;
    rows_text(s, buf, cap);
    patron_selection_free(s);
    return 0;
}

#define EXPECT_ROWS(rule, want)                                                  \
    do {                                                                         \
        char got_[256];                                                          \
        int rc_ = eval_text(rule, got_, sizeof got_);                            \
        if (rc_)                                                                 \
            fail_msg("%s: rc %d: %s", rule, rc_, patron_errmsg());               \
        if (strcmp(got_, want))                                                  \
            fail_msg("%s: got rows {%s}, want {%s}", rule, got_, want);          \
    } while (0)

static void test_grammar(void **state)
{
    (void)state;
    setup_frame();
    EXPECT_ROWS("frequency >= 2", "2,3,4,5,6");
    EXPECT_ROWS("frequency >= 2 and consent.sms", "2,3,5");
    EXPECT_ROWS("frequency >= 2 AND Not consent.sms", "4,6");
    EXPECT_ROWS("frequency == 0 or monetary > 55", "0,5,6,7");
    EXPECT_ROWS("frequency = 0 or (monetary > 55 and frequency < 8)", "0,6,7");
    EXPECT_ROWS("frequency < 1 or frequency > 5 and consent.sms", "0,5,7");
    EXPECT_ROWS("(frequency < 1 or frequency > 5) and not consent.sms", "");
    EXPECT_ROWS("frequency * 10 + 1 > monetary", "4,5,7");
    EXPECT_ROWS("frequency + frequency * 2 - 1 == 5", "2,6");
    EXPECT_ROWS("(frequency + 1) * 2 <= 4", "0,1,7");
    EXPECT_ROWS("-frequency < -4", "4,5");
    EXPECT_ROWS("- -frequency > 4", "4,5");
    EXPECT_ROWS("10 < frequency * 2", "5");
    EXPECT_ROWS("10 <= frequency * 2", "4,5");
    EXPECT_ROWS("frequency in [0, 8]", "0,5,7");
    EXPECT_ROWS("frequency not in [0, 8]", "1,2,3,4,6");
    EXPECT_ROWS("frequency in []", "");
    EXPECT_ROWS("monetary in [-1, 20.5, 1e1]", "0,1");
    EXPECT_ROWS("frequency between 2 and 5", "2,3,4,6");
    EXPECT_ROWS("frequency not between 2 and 5", "0,1,5,7");
    EXPECT_ROWS("monetary between frequency * 10 and 45", "0,1,3,7");
    EXPECT_ROWS("city == \"Paris\"", "0,4,6");
    EXPECT_ROWS("'Paris' == city", "0,4,6");
    EXPECT_ROWS("city <> 'Paris'", "1,2,5,7");
    EXPECT_ROWS("city in [\"Lyon\", \"Nice\"]", "1,2,5,7");
    EXPECT_ROWS("city not in ['Lyon']", "0,2,4,6,7");
    EXPECT_ROWS("city == 'Berlin'", "");
    EXPECT_ROWS("tag == 'a'", "0,3,6,7");
    EXPECT_ROWS("tag != 'a'", "1,4,5");
    EXPECT_ROWS("tag not in ['a', 'b']", "4");
    EXPECT_ROWS("consent.sms", "0,2,3,5,7");
    EXPECT_ROWS("consent.sms == false", "1,4,6");
    EXPECT_ROWS("true != consent.sms", "1,4,6");
    EXPECT_ROWS("consent.sms == (frequency > 1)", "1,2,3,5");
    EXPECT_ROWS("true", "0,1,2,3,4,5,6,7");
    EXPECT_ROWS("false", "");
    EXPECT_ROWS("false or frequency == 1", "1");
    EXPECT_ROWS("true and frequency == 1", "1");
    EXPECT_ROWS("frequency > 100 or true", "0,1,2,3,4,5,6,7");
    EXPECT_ROWS("not not consent.sms", "0,2,3,5,7");
    EXPECT_ROWS("frequency >= 2 # at least two\n  and consent.sms", "2,3,5");
}

static void test_missing_and_division(void **state)
{
    (void)state;
    setup_frame();
    /* NaN makes every comparison false, != included; not is plain negation */
    EXPECT_ROWS("monetary != 10", "1,3,4,5,6,7");
    EXPECT_ROWS("not (monetary == 10)", "1,2,3,4,5,6,7");
    EXPECT_ROWS("monetary not in [10]", "1,3,4,5,6,7");
    EXPECT_ROWS("monetary not between 15 and 100", "0,7");
    /* division by a zero from the data: missing, so false */
    EXPECT_ROWS("monetary / frequency >= 20", "1,6");
    EXPECT_ROWS("monetary / frequency < 20", "3,4,5");
    EXPECT_ROWS("monetary / (frequency - frequency) >= 0", "");
    EXPECT_ROWS("1 / (2 - 2) < 5 or frequency == 8", "5");
}

static void test_relative_dates(void **state)
{
    (void)state;
    setup_frame();
    EXPECT_ROWS("last_purchase within 60 days", "0,3,5,6");
    EXPECT_ROWS("last_purchase within 2 weeks", "0,5");
    EXPECT_ROWS("last_purchase within 48 hours", "5");
    EXPECT_ROWS("last_purchase before 60 days ago", "1,4,7");
    EXPECT_ROWS("last_purchase after 30 days ago", "0,5");
    EXPECT_ROWS("last_purchase >= now - 30 * 86400", "0,5,6");
    EXPECT_ROWS("last_purchase between 61 days ago and 30 days ago", "3,4,6");
    EXPECT_ROWS("not last_purchase within 60 days", "1,2,4,7");
    EXPECT_ROWS("(now - last_purchase) / 86400 > 60", "1,4,7");

    patron_rule *r;
    assert_int_equal(patron_rule_compile(&r, "frequency > 1 and\n last_purchase within 60 days", NULL), 0);
    patron_selection *s = NULL;
    assert_int_equal(patron__rule_eval_columns(&s, r, &frame, NULL), PATRON_EINVAL);
    assert_null(s);
    assert_string_equal(patron_errmsg(),
                        "line 2, column 16: the rule uses a relative date; set 'now' in "
                        "patron_rule_eval_options (the wall clock is never read)\n"
                        "   last_purchase within 60 days\n"
                        "                 ^");
    patron_rule_free(r);
}

static void test_quantiles_and_ties(void **state)
{
    (void)state;
    setup_frame();
    /* monetary without NaN sorted: 0 10 20.5 40 50 60 70 (n = 7) */
    EXPECT_ROWS("monetary >= p50", "3,4,5,6");           /* h = 3: 40 */
    EXPECT_ROWS("monetary >= p80", "5,6");               /* h = 4.8: 58 */
    EXPECT_ROWS("p25(monetary) <= monetary", "1,3,4,5,6"); /* h = 1.5: 15.25 */
    EXPECT_ROWS("monetary > p100", "");
    EXPECT_ROWS("monetary <= p0", "7");
    EXPECT_ROWS("monetary between p10 and p90", "0,1,3,4,5"); /* 6, 64 */
    /* frequency 0 0 1 2 2 3 5 8: ties at a threshold are all in (or all out) */
    EXPECT_ROWS("frequency >= p50", "2,3,4,5,6");       /* h = 3.5: 2 */
    EXPECT_ROWS("frequency >= p80", "4,5");             /* h = 5.6: 4.2 */
    EXPECT_ROWS("frequency <= p20", "0,7");             /* h = 1.4: 0.4 */
    EXPECT_ROWS("frequency >= p62.5 and consent.sms", "3,5"); /* h = 4.375: 2.375 */

    double q;
    assert_int_equal(patron__column_quantile(&q, &cols[1], NR, 80), 0);
    assert_true(fabs(q - 58.0) < 1e-12);
    assert_int_equal(patron__column_quantile(&q, &cols[2], NR, 50), 0);
    assert_true(q == (double)(NOW - 59 * DAY));
    patron__column_quantile(&q, &cols[0], NR, 37.5); /* h = 2.625: 1 + .625 */
    assert_true(fabs(q - 1.625) < 1e-12);

    /* quantiles are over the whole frame, whatever else the rule says */
    EXPECT_ROWS("consent.sms and monetary >= p80", "5");
    double allnan[2] = {NAN, NAN};
    patron__column c = {"x", PATRON__COL_F64, allnan, NULL, 0};
    assert_int_equal(patron__column_quantile(&q, &c, 2, 50), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "quantile p50 of column 'x' is undefined: every value is missing");
}

static void test_empty_frame(void **state)
{
    (void)state;
    setup_frame();
    patron__colset empty = {cols, 6, 0};
    patron_rule *r;
    patron_selection *s = NULL;
    assert_int_equal(patron_rule_compile(&r, "frequency > 2", NULL), 0);
    assert_int_equal(patron__rule_eval_columns(&s, r, &empty, NULL), 0);
    assert_int_equal(patron_selection_size(s), 0);
    assert_int_equal(patron_selection_count(s), 0);
    patron_selection_free(s);
    patron_rule_free(r);
    s = NULL;
    assert_int_equal(patron_rule_compile(&r, "monetary >= p80", NULL), 0);
    assert_int_equal(patron__rule_eval_columns(&s, r, &empty, NULL), PATRON_EINVAL);
    assert_null(s);
    assert_string_equal(patron_errmsg(),
                        "line 1, column 13: quantile p80 of column 'monetary' is undefined: the frame has no rows\n"
                        "  monetary >= p80\n"
                        "              ^");
    patron_rule_free(r);
}

/* Compile (and evaluate when compile succeeds); compare code and message. */
static void expect_error(const char *rule, const patron_rule_options *opts, int code,
                         const char *msg, uint32_t line, uint32_t col)
{
    patron_rule *r = NULL;
    patron_errclear();
    int rc = patron_rule_compile(&r, rule, opts);
    if (rc == 0) {
        patron_rule_eval_options o = PATRON_RULE_EVAL_OPTIONS_INIT;
        o.now = NOW;
        patron_selection *s = NULL;
        rc = patron__rule_eval_columns(&s, r, &frame, &o);
        patron_selection_free(s);
        patron_rule_free(r);
    } else {
        assert_null(r);
    }
    if (rc != code)
        fail_msg("%s: rc %d (%s), want %d", rule, rc, patron_errmsg(), code);
    if (strcmp(patron_errmsg(), msg))
        fail_msg("%s:\n got: [%s]\nwant: [%s]", rule, patron_errmsg(), msg);
    uint32_t l = 0, c = 0;
    if (line) {
        assert_int_equal(patron_rule_error_position(&l, &c), 1);
        assert_int_equal(l, line);
        assert_int_equal(c, col);
    } else {
        assert_int_equal(patron_rule_error_position(&l, &c), 0);
    }
}

static void test_errors(void **state)
{
    (void)state;
    setup_frame();
    expect_error("frequency > 2 and", NULL, PATRON_EPARSE,
                 "line 1, column 18: expected a column name after 'and', found the end of the rule\n"
                 "  frequency > 2 and\n"
                 "                   ^", 1, 18);
    expect_error("frequency > 2 and or x", NULL, PATRON_EPARSE,
                 "line 1, column 19: expected a column name after 'and', found 'or'\n"
                 "  frequency > 2 and or x\n"
                 "                    ^", 1, 19);
    expect_error("frequency >", NULL, PATRON_EPARSE,
                 "line 1, column 12: expected a number, a column name or '(' after '>', found the end of the rule\n"
                 "  frequency >\n"
                 "             ^", 1, 12);
    expect_error("", NULL, PATRON_EPARSE,
                 "line 1, column 1: the rule is empty: expected a condition such as 'frequency >= 2'\n"
                 "  \n"
                 "  ^", 1, 1);
    expect_error("  # only a comment\n", NULL, PATRON_EPARSE,
                 "line 2, column 1: the rule is empty: expected a condition such as 'frequency >= 2'\n"
                 "  \n"
                 "  ^", 2, 1);
    expect_error("city > 5", NULL, PATRON_EINVAL,
                 "line 1, column 1: type mismatch: 'city' is a category column, but '>' needs numbers\n"
                 "  city > 5\n"
                 "  ^", 1, 1);
    expect_error("frequency > 'a'", NULL, PATRON_EINVAL,
                 "line 1, column 13: type mismatch: \"a\" is a string, but '>' needs numbers\n"
                 "  frequency > 'a'\n"
                 "              ^", 1, 13);
    expect_error("city == 5", NULL, PATRON_EINVAL,
                 "line 1, column 9: type mismatch: 5 is a number, but a category can only be compared with a string\n"
                 "  city == 5\n"
                 "          ^", 1, 9);
    expect_error("frequency / 0 > 1", NULL, PATRON_EINVAL,
                 "line 1, column 13: division by zero\n"
                 "  frequency / 0 > 1\n"
                 "              ^", 1, 13);
    expect_error("cty == 'Paris'", NULL, PATRON_ENOTFOUND,
                 "line 1, column 1: unknown column 'cty' (did you mean 'city'?)\n"
                 "  cty == 'Paris'\n"
                 "  ^", 1, 1);
    expect_error("frequency > 1 and zzz_unknown > 2", NULL, PATRON_ENOTFOUND,
                 "line 1, column 19: unknown column 'zzz_unknown'\n"
                 "  frequency > 1 and zzz_unknown > 2\n"
                 "                    ^", 1, 19);
    expect_error("frequency >= 2\nand (monetary > 5", NULL, PATRON_EPARSE,
                 "line 2, column 18: expected ')' to close the '(' at line 2, column 5, found the end of the rule\n"
                 "  and (monetary > 5\n"
                 "                   ^", 2, 18);
    expect_error("frequency", NULL, PATRON_EINVAL,
                 "line 1, column 1: type mismatch: 'frequency' is a number column, but a rule must be a "
                 "condition, true or false for each customer (e.g. 'frequency >= 2')\n"
                 "  frequency\n"
                 "  ^", 1, 1);
    expect_error("frequency and consent.sms", NULL, PATRON_EINVAL,
                 "line 1, column 1: type mismatch: 'frequency' is a number column, but 'and' needs "
                 "conditions (compare it, e.g. '... > 0')\n"
                 "  frequency and consent.sms\n"
                 "  ^", 1, 1);
    expect_error("frequency within 30 days", NULL, PATRON_EINVAL,
                 "line 1, column 1: type mismatch: 'frequency' is a number column, but 'within' needs a "
                 "time (such as last_purchase)\n"
                 "  frequency within 30 days\n"
                 "  ^", 1, 1);
    expect_error("frequency > 1 < 2", NULL, PATRON_EPARSE,
                 "line 1, column 15: comparisons cannot be chained: expected 'and', 'or' or the end of the "
                 "condition, found '<'\n"
                 "  frequency > 1 < 2\n"
                 "                ^", 1, 15);
    expect_error("frequency >= 2 )", NULL, PATRON_EPARSE,
                 "line 1, column 16: expected 'and', 'or' or the end of the rule, found ')'\n"
                 "  frequency >= 2 )\n"
                 "                 ^", 1, 16);
    expect_error("frequency @ 2", NULL, PATRON_EPARSE,
                 "line 1, column 11: unexpected character '@'\n"
                 "  frequency @ 2\n"
                 "            ^", 1, 11);
    expect_error("city == \"Paris", NULL, PATRON_EPARSE,
                 "line 1, column 9: unterminated string: expected a closing \" before the end of the rule\n"
                 "  city == \"Paris\n"
                 "          ^", 1, 9);
    expect_error("last_purchase within 60", NULL, PATRON_EPARSE,
                 "line 1, column 24: expected a time unit (days, weeks or hours) after 'within 60', found "
                 "the end of the rule\n"
                 "  last_purchase within 60\n"
                 "                         ^", 1, 24);
    expect_error("last_purchase > 30 days", NULL, PATRON_EPARSE,
                 "line 1, column 24: expected 'ago' after '30 days', found the end of the rule\n"
                 "  last_purchase > 30 days\n"
                 "                         ^", 1, 24);
    expect_error("frequency in [1, 'a']", NULL, PATRON_EINVAL,
                 "line 1, column 18: type mismatch: the list mixes numbers and strings\n"
                 "  frequency in [1, 'a']\n"
                 "                   ^", 1, 18);
    expect_error("frequency in (1, 2)", NULL, PATRON_EPARSE,
                 "line 1, column 14: expected '[' after 'in', found '('\n"
                 "  frequency in (1, 2)\n"
                 "               ^", 1, 14);
    expect_error("frequency between 1 or 2", NULL, PATRON_EPARSE,
                 "line 1, column 21: expected 'and' after the lower bound of 'between', found 'or'\n"
                 "  frequency between 1 or 2\n"
                 "                      ^", 1, 21);
    expect_error("p80 > 3", NULL, PATRON_EINVAL,
                 "line 1, column 1: the quantile 'p80' has no column: compare it with a column "
                 "('monetary >= p80') or name one ('p80(monetary)')\n"
                 "  p80 > 3\n"
                 "  ^", 1, 1);
    expect_error("monetary > p120", NULL, PATRON_ERANGE,
                 "line 1, column 12: the quantile 'p120' is out of range: use p0 to p100\n"
                 "  monetary > p120\n"
                 "             ^", 1, 12);
    expect_error("city >= p50", NULL, PATRON_EINVAL,
                 "line 1, column 1: type mismatch: 'city' is a category column, but '>=' needs numbers\n"
                 "  city >= p50\n"
                 "  ^", 1, 1);
    expect_error("monetary > 1e999", NULL, PATRON_ERANGE,
                 "line 1, column 12: the number '1e999' is out of range\n"
                 "  monetary > 1e999\n"
                 "             ^", 1, 12);
    expect_error("monetary > 5x", NULL, PATRON_EPARSE,
                 "line 1, column 13: unexpected character 'x' after the number (put a space between a "
                 "number and a word)\n"
                 "  monetary > 5x\n"
                 "              ^", 1, 13);
    expect_error("\tcity == 'Pa\xc3\xa9' and \xc3\xa9", NULL, PATRON_EPARSE,
                 "line 1, column 20: unexpected non-ASCII character (byte 0xC3): only strings and "
                 "comments may hold them\n"
                 "  \tcity == 'Pa\xc3\xa9' and \xc3\xa9\n"
                 "  \t                  ^", 1, 20);
    expect_error("consent. > 1", NULL, PATRON_EPARSE,
                 "line 1, column 9: expected a name after '.' in the column name 'consent.'\n"
                 "  consent. > 1\n"
                 "          ^", 1, 9);
    expect_error("not", NULL, PATRON_EPARSE,
                 "line 1, column 4: expected a column name after 'not', found the end of the rule\n"
                 "  not\n"
                 "     ^", 1, 4);
    expect_error("frequency not 3", NULL, PATRON_EPARSE,
                 "line 1, column 15: expected 'in' or 'between' after 'not' here, found '3' (write 'not' "
                 "before a condition: 'not x > 1')\n"
                 "  frequency not 3\n"
                 "                ^", 1, 15);
    expect_error("city == 'a\\q'", NULL, PATRON_EPARSE,
                 "line 1, column 11: unknown escape '\\q' in a string (use \\\\, \\\", \\', \\n or \\t)\n"
                 "  city == 'a\\q'\n"
                 "            ^", 1, 11);
    /* a carriage return inside a line (found by fuzzing) and CRLF line ends */
    expect_error("frequency > 1\r and @", NULL, PATRON_EPARSE,
                 "line 1, column 20: unexpected character '@'\n"
                 "  frequency > 1? and @\n"
                 "                     ^", 1, 20);
    expect_error("frequency > 1\r\nand @\r\n", NULL, PATRON_EPARSE,
                 "line 2, column 5: unexpected character '@'\n"
                 "  and @\n"
                 "      ^", 2, 5);
    /* errors without a position */
    expect_error(NULL, NULL, PATRON_EINVAL, "patron_rule_compile: text is NULL", 0, 0);
}

static void test_long_line_window(void **state)
{
    (void)state;
    setup_frame();
    char rule[400];
    size_t n = 0;
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(rule + n, sizeof rule - n, "frequency > %d and ", i);
    snprintf(rule + n, sizeof rule - n, "@ and frequency > 99 and frequency > 98 and frequency > 97 and frequency > 96");
    patron_rule *r = NULL;
    assert_int_equal(patron_rule_compile(&r, rule, NULL), PATRON_EPARSE);
    const char *msg = patron_errmsg();
    /* the source line is shown as a window around the error */
    assert_non_null(strstr(msg, "column 371: unexpected character '@'\n  ..."));
    const char *l2 = strchr(msg, '\n') + 1;
    const char *l3 = strchr(l2, '\n') + 1;
    assert_true(strchr(l2, '@') - l2 == strchr(l3, '^') - l3);
    assert_true(strlen(l3) < 60);
}

static void test_limits(void **state)
{
    (void)state;
    setup_frame();
    patron_rule_options o = PATRON_RULE_OPTIONS_INIT;
    o.max_length = 10;
    expect_error("frequency > 2", &o, PATRON_ERANGE, "the rule is longer than the limit of 10 bytes", 0, 0);
    o.max_length = 0;
    o.max_depth = 3;
    EXPECT_ROWS("((frequency > 4))", "4,5");
    expect_error("(((frequency > 4)))", &o, 0, "", 0, 0);
    expect_error("((((frequency > 4))))", &o, PATRON_ERANGE,
                 "line 1, column 4: the rule is nested deeper than the limit of 3 levels\n"
                 "  ((((frequency > 4))))\n"
                 "     ^", 1, 4);
    expect_error("not not not not consent.sms", &o, PATRON_ERANGE,
                 "line 1, column 13: the rule is nested deeper than the limit of 3 levels\n"
                 "  not not not not consent.sms\n"
                 "              ^", 1, 13);
    o.max_depth = PATRON_RULE_MAX_DEPTH_LIMIT + 1;
    expect_error("true", &o, PATRON_EINVAL, "patron_rule_options.max_depth 257 exceeds the limit 256", 0, 0);
    o.max_depth = 0;
    o.size = 4;
    expect_error("true", &o, PATRON_EINVAL,
                 "patron_rule_options.size is 4; initialise the struct with its _INIT macro", 0, 0);

    /* default depth: 64 parentheses pass, 65 fail; a deep rule never crashes */
    char deep[2000];
    for (int d = 64; d <= 65; d++) {
        size_t k = 0;
        for (int i = 0; i < d; i++)
            deep[k++] = '(';
        memcpy(deep + k, "frequency > 4", 13);
        k += 13;
        for (int i = 0; i < d; i++)
            deep[k++] = ')';
        deep[k] = '\0';
        patron_rule *r = NULL;
        int rc = patron_rule_compile(&r, deep, NULL);
        assert_int_equal(rc, d == 64 ? 0 : PATRON_ERANGE);
        patron_rule_free(r);
    }
    /* a long flat chain is fine (n-ary nodes, no deep recursion) */
    size_t cap = 60000, k = 0;
    char *flat = malloc(cap);
    assert_non_null(flat);
    while (k + 40 < cap)
        k += (size_t)snprintf(flat + k, cap - k, "frequency + 1 > 0 and ");
    snprintf(flat + k, cap - k, "true");
    char got[64];
    assert_int_equal(eval_text(flat, got, sizeof got), 0);
    assert_string_equal(got, "0,1,2,3,4,5,6,7");
    free(flat);
}

static void test_rule_text_and_null(void **state)
{
    (void)state;
    patron_rule *r;
    assert_int_equal(patron_rule_compile(&r, "frequency > 1", NULL), 0);
    assert_string_equal(patron_rule_text(r), "frequency > 1");
    assert_string_equal(patron_rule_text(NULL), "");
    assert_int_equal(patron_rule_error_position(NULL, NULL), 0);
    patron_selection *s = NULL;
    assert_int_equal(patron__rule_eval_columns(&s, r, NULL, NULL), PATRON_EINVAL);
    patron_rule_free(r);
    patron_rule_free(NULL);
    assert_int_equal(patron_rule_compile(NULL, "x", NULL), PATRON_EINVAL);
}

/* Large frame: blocks, tail rows and the bitmap packing. */
static void test_many_rows(void **state)
{
    (void)state;
    size_t n = 5000 + 37;
    double *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = (double)(i % 7);
    patron__column c = {"x", PATRON__COL_F64, x, NULL, 0};
    patron__colset cs = {&c, 1, n};
    patron_rule *r;
    assert_int_equal(patron_rule_compile(&r, "x == 3 or x * 2 == 12", NULL), 0);
    patron_selection *s;
    assert_int_equal(patron__rule_eval_columns(&s, r, &cs, NULL), 0);
    size_t want = 0;
    for (size_t i = 0; i < n; i++) {
        int in = i % 7 == 3 || i % 7 == 6;
        want += (size_t)in;
        assert_int_equal(patron_selection_contains(s, i), in);
    }
    assert_int_equal(patron_selection_count(s), want);
    patron_selection_free(s);
    patron_rule_free(r);
    free(x);
}

static int op_compile_eval(void *ctx)
{
    (void)ctx;
    patron_rule *r = NULL;
    int rc = patron_rule_compile(&r,
        "frequency >= p50 and (city in ['Paris', 'Nice'] or tag == 'b') and not consent.sms "
        "or last_purchase within 60 days and monetary between p10 and p90 and frequency in [1, 2]", NULL);
    if (rc)
        return rc;
    patron_rule_eval_options o = PATRON_RULE_EVAL_OPTIONS_INIT;
    o.now = NOW;
    patron_selection *s = NULL;
    rc = patron__rule_eval_columns(&s, r, &frame, &o);
    patron_rule_free(r);
    patron_selection_free(s);
    return rc;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    setup_frame();
    size_t n = pt_failalloc_walk(op_compile_eval, NULL, NULL);
    assert_true(n > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grammar),
        cmocka_unit_test(test_missing_and_division),
        cmocka_unit_test(test_relative_dates),
        cmocka_unit_test(test_quantiles_and_ties),
        cmocka_unit_test(test_empty_frame),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_long_line_window),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_rule_text_and_null),
        cmocka_unit_test(test_many_rows),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests_name("segment rules", tests, NULL, NULL);
}
