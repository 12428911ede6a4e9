/* Segments over real customer frames: built-in and overridden segments,
 * equal-count scores and their tie rule, RFM on a hand-computed frame, the
 * named RFM map, value deciles and "worth saving". */
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
#include "patron.h"

#define DAY INT64_C(86400)
#define T0 INT64_C(1500000000) /* a UTC midnight is not needed: whole days apart */

static void rows_text(const patron_selection *s, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t r = 0; patron_selection_next(s, &r); r++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%zu", o ? "," : "", r);
}

/* Three customers (rows in id order 1, 2, 3); observation end = day 80. */
static patron_frame *small_frame(void)
{
    patron_txlog *log;
    assert_int_equal(patron_txlog_new(&log, NULL), 0);
    const int64_t ids[] = {1, 1, 2, 3, 3, 3, 3};
    const int64_t days[] = {0, 10, 50, 5, 6, 70, 80};
    const int64_t amt[] = {1000, 3000, 500, 2000, 2000, 2000, 2000};
    int64_t t[7];
    for (int i = 0; i < 7; i++)
        t[i] = T0 + days[i] * DAY;
    assert_int_equal(patron_txlog_add_batch(log, ids, t, amt, 7), 0);
    patron_frame *f;
    assert_int_equal(patron_summarize(&f, log, NULL), 0);
    patron_txlog_free(log);
    assert_int_equal(patron_frame_rows(f), 3);
    return f;
}

static void expect_segment(const patron_frame *f, const char *name, const patron_segment_options *o,
                           const char *want)
{
    patron_selection *s = NULL;
    int rc = patron_segment_select(&s, f, name, o);
    if (rc)
        fail_msg("%s: %s", name, patron_errmsg());
    char got[128];
    rows_text(s, got, sizeof got);
    if (strcmp(got, want))
        fail_msg("segment %s: got {%s}, want {%s}", name, got, want);
    patron_selection_free(s);
}

static void expect_rule(const patron_frame *f, const char *rule, int64_t now, const char *want)
{
    patron_selection *s = NULL;
    patron_rule_eval_options o = PATRON_RULE_EVAL_OPTIONS_INIT;
    o.now = now;
    int rc = patron_rule_select(&s, f, rule, &o);
    if (rc)
        fail_msg("%s: %s", rule, patron_errmsg());
    char got[128];
    rows_text(s, got, sizeof got);
    if (strcmp(got, want))
        fail_msg("%s: got {%s}, want {%s}", rule, got, want);
    patron_selection_free(s);
}

static void test_builtin_segments(void **state)
{
    (void)state;
    patron_frame *f = small_frame();
    size_t n;
    const patron_segment_def *b = patron_segment_builtins(&n);
    assert_int_equal(n, 4);
    assert_string_equal(b[2].name, "at_risk");
    assert_string_equal(b[2].rule, "last_purchase before 60 days ago");

    patron_segment_options o = PATRON_SEGMENT_OPTIONS_INIT;
    o.now = T0 + 80 * DAY;
    expect_segment(f, "new", &o, "1");       /* first purchase day 50 */
    expect_segment(f, "returning", &o, "0,2");
    expect_segment(f, "at_risk", &o, "0");   /* last purchase day 10 */
    /* frequency 1 0 3: p80 = 2.2; monetary (minor units) 3000 0 2000: p80 = 2600 -> nobody is both */
    expect_segment(f, "stars", &o, "");

    /* overrides come first; extra names are allowed */
    const patron_segment_def defs[] = {{"stars", "frequency >= p50"}, {"big", "total_spend >= 4000"}};
    o.defs = defs;
    o.ndefs = 2;
    expect_segment(f, "stars", &o, "0,2");
    expect_segment(f, "big", &o, "0,2");
    expect_segment(f, "returning", &o, "0,2");

    patron_selection *s = NULL;
    assert_int_equal(patron_segment_select(&s, f, "vip", &o), PATRON_ENOTFOUND);
    assert_string_equal(patron_errmsg(), "no segment named 'vip' (known: stars, big, new, returning, at_risk, stars)");
    /* relative dates need now; the message names the segment and the position */
    o.now = PATRON_TIME_NONE;
    assert_int_equal(patron_segment_select(&s, f, "at_risk", &o), PATRON_EINVAL);
    assert_null(s);
    assert_string_equal(patron_errmsg(),
                        "segment 'at_risk': line 1, column 22: the rule uses a relative date; set 'now' "
                        "in patron_rule_eval_options (the wall clock is never read)\n"
                        "  last_purchase before 60 days ago\n"
                        "                       ^");
    patron_frame_free(f);
}

static void test_frame_column_types(void **state)
{
    (void)state;
    patron_frame *f = small_frame();
    const int64_t sms[] = {1, 0, 1};
    const char *const city[] = {"Paris", "", "Lyon"};
    assert_int_equal(patron_frame_add_int64(f, "consent.sms", sms), 0);
    assert_int_equal(patron_frame_add_string(f, "city", city), 0);
    int64_t now = T0 + 80 * DAY;
    expect_rule(f, "orders >= 2 and consent.sms", now, "0,2");
    expect_rule(f, "not consent.sms", now, "1");
    expect_rule(f, "city != \"Paris\"", now, "2"); /* "" is missing */
    expect_rule(f, "city in ['Paris', 'Lyon']", now, "0,2");
    expect_rule(f, "last_purchase within 30 days", now, "1,2");
    expect_rule(f, "last_purchase within 20 days", now, "2");
    expect_rule(f, "first_purchase after 10 days ago or monetary_value > 2500", now, "0");
    expect_rule(f, "total_spend / orders >= 1500", now, "0,2");
    expect_rule(f, "T - recency > 60", now, "0");

    patron_selection *s = NULL;
    assert_int_equal(patron_rule_select(&s, f, "orderz > 1", NULL), PATRON_ENOTFOUND);
    assert_string_equal(patron_errmsg(), "line 1, column 1: unknown column 'orderz' (did you mean 'orders'?)\n"
                                         "  orderz > 1\n"
                                         "  ^");
    assert_int_equal(patron_rule_select(&s, f, "city > 1", NULL), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "line 1, column 1: type mismatch: 'city' is a text column, but '>' needs numbers\n"
                                         "  city > 1\n"
                                         "  ^");
    assert_int_equal(patron_rule_select(&s, f, "consent.sms > 0", NULL), PATRON_EINVAL);
    assert_int_equal(patron_rule_select(&s, f, "last_purchase within 20 days", NULL), PATRON_EINVAL);
    assert_null(s);

    /* a compiled rule is reused across frames */
    patron_rule *r;
    assert_int_equal(patron_rule_compile(&r, "frequency >= 1", NULL), 0);
    assert_int_equal(patron_rule_eval(&s, r, f, NULL), 0);
    assert_int_equal(patron_selection_count(s), 2);
    patron_selection_free(s);
    patron_frame *g;
    const double fr[] = {0, 1, 2, 3}, rc_[] = {0, 1, 2, 3}, T[] = {5, 5, 5, 5};
    assert_int_equal(patron_frame_from_arrays(&g, 4, NULL, fr, rc_, T, NULL), 0);
    assert_int_equal(patron_rule_eval(&s, r, g, NULL), 0);
    assert_int_equal(patron_selection_count(s), 3);
    assert_int_equal(patron_selection_size(s), 4);
    patron_selection_free(s);
    patron_rule_free(r);
    patron_frame_free(g);
    patron_frame_free(f);
}

/* Brute force: 1 + floor(bins * L / m), L = number of strictly worse values. */
static unsigned brute_score(const double *v, size_t n, size_t i, int bins, int higher)
{
    if (isnan(v[i]))
        return 0;
    size_t m = 0, L = 0;
    for (size_t j = 0; j < n; j++) {
        if (isnan(v[j]))
            continue;
        m++;
        if (higher ? v[j] < v[i] : v[j] > v[i])
            L++;
    }
    return 1 + (unsigned)((size_t)bins * L / m);
}

static void test_ntile_scores(void **state)
{
    (void)state;
    const double v[] = {10, 20, 20, 30, 40, 50, 60, 70, 80, 90};
    uint8_t s[10];
    assert_int_equal(patron_ntile_scores(s, v, 10, 5, 1), 0);
    const uint8_t up[] = {1, 1, 1, 2, 3, 3, 4, 4, 5, 5};
    assert_memory_equal(s, up, 10);
    assert_int_equal(patron_ntile_scores(s, v, 10, 5, 0), 0);
    const uint8_t down[] = {5, 4, 4, 4, 3, 3, 2, 2, 1, 1};
    assert_memory_equal(s, down, 10);

    /* missing values score 0 and do not count */
    const double w[] = {NAN, 1, 2, NAN, 3, 4, 5};
    uint8_t t[7];
    assert_int_equal(patron_ntile_scores(t, w, 7, 5, 1), 0);
    const uint8_t wt[] = {0, 1, 2, 0, 3, 4, 5};
    assert_memory_equal(t, wt, 7);
    const double allnan[] = {NAN, NAN};
    assert_int_equal(patron_ntile_scores(t, allnan, 2, 5, 1), 0);
    assert_int_equal(t[0], 0);

    /* all equal: everyone shares score 1; fewer values than bins */
    const double same[] = {7, 7, 7};
    assert_int_equal(patron_ntile_scores(t, same, 3, 5, 1), 0);
    assert_int_equal(t[0] + t[1] + t[2], 3);
    const double two[] = {1, 2};
    assert_int_equal(patron_ntile_scores(t, two, 2, 10, 1), 0);
    assert_int_equal(t[0], 1);
    assert_int_equal(t[1], 6);

    /* random data with heavy ties against the definition, both directions */
    srand(7);
    for (int trial = 0; trial < 30; trial++) {
        size_t n = 1 + (size_t)(rand() % 300);
        int bins = 2 + rand() % 12;
        double *x = malloc(n * sizeof *x);
        uint8_t *sc = malloc(n);
        assert_true(x && sc);
        int levels = 1 + rand() % 20;
        for (size_t i = 0; i < n; i++)
            x[i] = rand() % 17 == 0 ? NAN : (double)(rand() % levels);
        for (int higher = 0; higher <= 1; higher++) {
            assert_int_equal(patron_ntile_scores(sc, x, n, bins, higher), 0);
            for (size_t i = 0; i < n; i++)
                if (sc[i] != brute_score(x, n, i, bins, higher))
                    fail_msg("trial %d n %zu bins %d row %zu: %u vs %u", trial, n, bins, i, sc[i],
                             brute_score(x, n, i, bins, higher));
        }
        free(x);
        free(sc);
    }
    assert_int_equal(patron_ntile_scores(s, v, 10, 1, 1), PATRON_EINVAL);
    assert_int_equal(patron_ntile_scores(s, v, 10, 101, 1), PATRON_EINVAL);
    assert_int_equal(patron_ntile_scores(NULL, v, 10, 5, 1), PATRON_EINVAL);
    assert_int_equal(patron_ntile_scores(NULL, NULL, 0, 5, 1), 0);
}

/* Ten customers, hand-scored (see the comments). */
static patron_frame *rfm_frame(void)
{
    const double fr[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const double rec[] = {0, 90, 95, 50, 99, 100, 20, 98, 97, 96};
    const double T[] = {100, 100, 100, 100, 100, 100, 100, 100, 100, 100};
    const double mon[] = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90};
    patron_frame *f;
    assert_int_equal(patron_frame_from_arrays(&f, 10, NULL, fr, rec, T, mon), 0);
    return f;
}

static void test_rfm(void **state)
{
    (void)state;
    patron_frame *f = rfm_frame();
    uint8_t r[10], fs[10], m[10];
    assert_int_equal(patron_rfm_score(r, fs, m, f, NULL), 0);
    /* days since last purchase T - recency: 100 10 5 50 1 0 80 2 3 4; smaller is better */
    const uint8_t wr[] = {1, 2, 3, 2, 5, 5, 1, 4, 4, 3};
    const uint8_t wf[] = {1, 1, 2, 2, 3, 3, 4, 4, 5, 5};
    assert_memory_equal(r, wr, 10);
    assert_memory_equal(fs, wf, 10);
    assert_memory_equal(m, wf, 10);

    assert_int_equal(patron_rfm_add_columns(f, NULL), 0);
    size_t c;
    assert_int_equal(patron_frame_find(&c, f, "rfm_segment", PATRON_COL_STRING), 0);
    const char *const *seg = patron_frame_string(f, c);
    const char *want[] = {"Lost", "About to sleep", "Need attention", "About to sleep", "Loyal",
                          "Loyal", "Can't lose them", "Champions", "Champions", "Loyal"};
    for (int i = 0; i < 10; i++)
        assert_string_equal(seg[i], want[i]);
    assert_int_equal(patron_frame_int64_by_name(f, "rfm_score")[7], 444);
    assert_int_equal(patron_frame_int64_by_name(f, "rfm_r")[4], 5);
    expect_rule(f, "rfm_segment == \"Champions\" or rfm_r == 1 and rfm_f >= 4", 0, "6,7,8");
    assert_int_equal(patron_rfm_add_columns(f, NULL), PATRON_ECONFLICT);
    assert_string_equal(patron_errmsg(), "the frame already has a column 'rfm_r'");

    /* explicit columns */
    patron_rfm_options o = PATRON_RFM_OPTIONS_INIT;
    o.recency_col = "recency"; /* pretend: smaller is better */
    o.monetary_col = "nope";
    assert_int_equal(patron_rfm_score(r, fs, m, f, &o), PATRON_ENOTFOUND);
    assert_string_equal(patron_errmsg(), "monetary: the frame has no column 'nope'");
    o.monetary_col = "rfm_segment";
    assert_int_equal(patron_rfm_score(r, fs, m, f, &o), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "monetary: column 'rfm_segment' is not numeric");
    o.monetary_col = "rfm_m"; /* int64 works */
    assert_int_equal(patron_rfm_score(r, fs, m, f, &o), 0);
    assert_memory_equal(m, wf, 10);
    const uint8_t wr2[] = {5, 4, 3, 4, 1, 1, 5, 2, 2, 3}; /* recency 0 90 95 50 99 100 20 98 97 96 */
    assert_memory_equal(r, wr2, 10);
    patron_frame_free(f);

    patron_frame *empty;
    assert_int_equal(patron_frame_from_arrays(&empty, 0, NULL, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(patron_rfm_score(r, fs, m, empty, NULL), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "RFM scores of an empty frame are undefined");
    patron_frame_free(empty);
}

static void test_rfm_names(void **state)
{
    (void)state;
    const char *names[] = {"Champions", "Loyal", "Can't lose them", "At risk", "New",
                           "Potential loyalist", "Promising", "Need attention", "About to sleep",
                           "Hibernating", "Lost"};
    int used[11] = {0};
    for (int r = 1; r <= 5; r++)
        for (int f = 1; f <= 5; f++)
            for (int m = 1; m <= 5; m++) {
                const char *s = patron_rfm_segment_name(r, f, m);
                int k = -1;
                for (int i = 0; i < 11; i++)
                    if (!strcmp(s, names[i]))
                        k = i;
                if (k < 0)
                    fail_msg("(%d,%d,%d) has no name", r, f, m);
                used[k]++;
            }
    for (int i = 0; i < 11; i++)
        if (!used[i])
            fail_msg("%s is never used", names[i]);
    assert_string_equal(patron_rfm_segment_name(5, 5, 5), "Champions");
    assert_string_equal(patron_rfm_segment_name(1, 5, 5), "Can't lose them");
    assert_string_equal(patron_rfm_segment_name(2, 3, 4), "At risk");
    assert_string_equal(patron_rfm_segment_name(5, 1, 5), "New");
    assert_string_equal(patron_rfm_segment_name(4, 1, 1), "Promising");
    assert_string_equal(patron_rfm_segment_name(4, 3, 1), "Potential loyalist");
    assert_string_equal(patron_rfm_segment_name(3, 1, 5), "About to sleep");
    assert_string_equal(patron_rfm_segment_name(2, 4, 1), "Hibernating");
    assert_string_equal(patron_rfm_segment_name(1, 2, 1), "Hibernating");
    assert_string_equal(patron_rfm_segment_name(1, 1, 5), "Lost");
    assert_string_equal(patron_rfm_segment_name(0, 1, 1), "");
    assert_string_equal(patron_rfm_segment_name(1, 6, 1), "");
}

static void test_value_segments(void **state)
{
    (void)state;
    patron_frame *f = small_frame();
    const double clv[] = {100, 5, 50};
    assert_int_equal(patron_frame_add_double(f, "clv", clv), 0);
    uint8_t d[3];
    assert_int_equal(patron_value_deciles(d, f, "clv"), 0);
    assert_int_equal(d[0], 7); /* L = 2 of 3: 1 + floor(20 / 3) */
    assert_int_equal(d[1], 1);
    assert_int_equal(d[2], 4);
    assert_int_equal(patron_value_deciles(d, f, "nope"), PATRON_ENOTFOUND);

    patron_segment_options o = PATRON_SEGMENT_OPTIONS_INIT;
    o.now = T0 + 80 * DAY;
    patron_selection *s;
    char got[64];
    assert_int_equal(patron_segment_worth_saving(&s, f, "clv", 50.0, &o), 0);
    rows_text(s, got, sizeof got);
    assert_string_equal(got, "0");
    patron_selection_free(s);
    assert_int_equal(patron_segment_worth_saving(&s, f, "clv", 100.0, &o), 0); /* strictly more */
    assert_int_equal(patron_selection_count(s), 0);
    patron_selection_free(s);
    /* with an overridden at-risk rule */
    const patron_segment_def def = {"at_risk", "last_purchase before 5 days ago"};
    o.defs = &def;
    o.ndefs = 1;
    assert_int_equal(patron_segment_worth_saving(&s, f, "clv", 1.0, &o), 0);
    rows_text(s, got, sizeof got);
    assert_string_equal(got, "0,1");
    patron_selection_free(s);
    s = NULL;
    assert_int_equal(patron_segment_worth_saving(&s, f, "clv", NAN, &o), PATRON_EINVAL);
    assert_int_equal(patron_segment_worth_saving(&s, f, "customer_id", 1.0, &o), 0); /* int64 ids are numbers */
    patron_selection_free(s);
    patron_frame_free(f);
}

static patron_frame *walk_frame;
static int op_segments(void *ctx)
{
    (void)ctx;
    patron_segment_options o = PATRON_SEGMENT_OPTIONS_INIT;
    o.now = T0 + 80 * DAY;
    patron_selection *s = NULL;
    int rc = patron_segment_select(&s, walk_frame, "stars", &o);
    patron_selection_free(s);
    if (rc)
        return rc;
    uint8_t r[10], f[10], m[10];
    return patron_rfm_score(r, f, m, walk_frame, NULL);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    walk_frame = rfm_frame();
    const int64_t fp[10] = {0}, lp[10] = {0}, orders[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assert_int_equal(patron_frame_add_int64(walk_frame, "first_purchase", fp), 0);
    assert_int_equal(patron_frame_add_int64(walk_frame, "last_purchase", lp), 0);
    assert_int_equal(patron_frame_add_int64(walk_frame, "orders", orders), 0);
    assert_true(pt_failalloc_walk(op_segments, NULL, NULL) > 5);
    patron_frame_free(walk_frame);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_segments),
        cmocka_unit_test(test_frame_column_types),
        cmocka_unit_test(test_ntile_scores),
        cmocka_unit_test(test_rfm),
        cmocka_unit_test(test_rfm_names),
        cmocka_unit_test(test_value_segments),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests_name("segments over frames", tests, NULL, NULL);
}
