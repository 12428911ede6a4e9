/* Tiers: qualification metrics and windows, immediate upgrade, downgrade at
 * review after grace, history. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "internal/store.h"
#include "patron.h"
#include "store_support.h"

#define T0 1704067200 /* 2024-01-01 */
#define DAY 86400

static patron_db *open_db(void)
{
    patron_db *db = pt_store_new(NULL);
    assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = "base";
    r.kind = PATRON_EARN_BASE;
    r.points = 1;
    r.per_amount = 100;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_OK);
    return db;
}

static int64_t member(patron_db *db, const char *phone)
{
    return pt_member(db, phone, "sms", T0);
}

static void buy(patron_db *db, const char *key, int64_t m, int64_t at, int64_t amount)
{
    patron_purchase_line line = {NULL, NULL, amount};
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = key;
    p.member_id = m;
    p.at = at;
    p.lines = &line;
    p.n_lines = 1;
    assert_int_equal(patron_earn_purchase(db, NULL, &p), PATRON_OK);
}

static const char *tier_of(patron_db *db, int64_t m, int64_t at)
{
    static patron_tier_status s;
    assert_int_equal(patron_tier_get(db, &s, m, at), PATRON_OK);
    return s.tier;
}

static void test_upgrade_immediately_downgrade_after_grace(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    patron_tier_status s;
    assert_int_equal(patron_tier_get(db, &s, m, T0), PATRON_EINVAL); /* not configured */
    patron_tier_config c = PATRON_TIER_CONFIG_INIT;
    c.metric = PATRON_TIER_SPEND;
    c.window_days = 90;
    c.grace_days = 30;
    patron_tier_def tiers[] = {{"basic", 0}, {"silver", 50000}, {"gold", 200000}};
    assert_int_equal(patron_tier_configure(db, &c, tiers, 3), PATRON_OK);
    buy(db, "o1", m, T0, 10000);
    assert_string_equal(tier_of(db, m, T0), "basic");
    buy(db, "o2", m, T0 + DAY, 45000); /* 55,000 in 90 days: silver at once */
    assert_string_equal(tier_of(db, m, T0 + DAY), "silver");
    buy(db, "o3", m, T0 + 2 * DAY, 150000); /* 205,000: gold */
    assert_int_equal(patron_tier_get(db, &s, m, T0 + 2 * DAY), PATRON_OK);
    assert_string_equal(s.tier, "gold");
    assert_int_equal(s.since, T0 + 2 * DAY);
    assert_int_equal(s.value, 205000);
    /* 100 days later the window is empty: first review starts the grace */
    int64_t changed = -1;
    assert_int_equal(patron_tier_review(db, &changed, T0 + 100 * DAY), PATRON_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(patron_tier_get(db, &s, m, T0 + 100 * DAY), PATRON_OK);
    assert_string_equal(s.tier, "gold");
    assert_string_equal(s.qualifies, "basic");
    assert_int_equal(s.grace_until, T0 + 130 * DAY);
    assert_int_equal(patron_tier_review(db, &changed, T0 + 120 * DAY), PATRON_OK);
    assert_string_equal(tier_of(db, m, T0 + 120 * DAY), "gold"); /* still in grace */
    assert_int_equal(patron_tier_review(db, &changed, T0 + 130 * DAY), PATRON_OK);
    assert_int_equal(changed, 1);
    assert_string_equal(tier_of(db, m, T0 + 130 * DAY), "basic");
    /* history: enrolled basic, silver, gold, basic */
    int64_t n = 0;
    assert_int_equal(patron__sql_int(db, &n, 0, "SELECT count(*) FROM tier_history WHERE member_id = 1", ""), PATRON_OK);
    assert_int_equal(n, 4);
    char *json;
    assert_int_equal(patron_profile_export(db, &json, m), PATRON_OK);
    assert_non_null(strstr(json, "downgrade at review"));
    patron_free(json);
    patron_close(db);
}

static void test_requalifying_ends_grace(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    patron_tier_config c = PATRON_TIER_CONFIG_INIT;
    c.metric = PATRON_TIER_PURCHASES;
    c.window_days = 30;
    c.grace_days = 10;
    patron_tier_def tiers[] = {{"basic", 0}, {"regular", 3}};
    assert_int_equal(patron_tier_configure(db, &c, tiers, 2), PATRON_OK);
    buy(db, "a", m, T0, 100);
    buy(db, "b", m, T0 + DAY, 100);
    buy(db, "c", m, T0 + 2 * DAY, 100);
    assert_string_equal(tier_of(db, m, T0 + 2 * DAY), "regular");
    assert_int_equal(patron_tier_review(db, NULL, T0 + 40 * DAY), PATRON_OK); /* grace starts */
    buy(db, "d", m, T0 + 41 * DAY, 100);
    buy(db, "e", m, T0 + 42 * DAY, 100);
    buy(db, "f", m, T0 + 43 * DAY, 100);
    assert_int_equal(patron_tier_review(db, NULL, T0 + 55 * DAY), PATRON_OK); /* qualifies again */
    patron_tier_status s;
    assert_int_equal(patron_tier_get(db, &s, m, T0 + 55 * DAY), PATRON_OK);
    assert_string_equal(s.tier, "regular");
    assert_int_equal(s.grace_until, 0);
    /* a returned purchase no longer counts */
    assert_int_equal(patron_earn_return(db, "f", T0 + 56 * DAY), PATRON_OK);
    assert_int_equal(patron_tier_get(db, &s, m, T0 + 56 * DAY), PATRON_OK);
    assert_int_equal(s.value, 2);
    patron_close(db);
}

static void test_calendar_year_on_points(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    patron_tier_config c = PATRON_TIER_CONFIG_INIT;
    c.metric = PATRON_TIER_POINTS;
    c.window = PATRON_TIER_CALENDAR_YEAR;
    patron_tier_def tiers[] = {{"basic", 0}, {"plus", 1000}};
    assert_int_equal(patron_tier_configure(db, &c, tiers, 2), PATRON_OK);
    buy(db, "dec", m, T0 - 5 * DAY, 90000); /* 900 points in 2023 */
    buy(db, "jan", m, T0 + DAY, 20000);     /* 200 points in 2024 */
    patron_tier_status s;
    assert_int_equal(patron_tier_get(db, &s, m, T0 + DAY), PATRON_OK);
    assert_int_equal(s.value, 200);
    assert_string_equal(s.tier, "basic");
    assert_int_equal(patron_tier_get(db, &s, m, T0 - DAY), PATRON_OK);
    assert_int_equal(s.value, 900);
    /* invalid configurations */
    patron_tier_def bad[] = {{"a", 10}, {"b", 5}};
    assert_int_equal(patron_tier_configure(db, &c, bad, 2), PATRON_EINVAL);
    patron_tier_def dup[] = {{"a", 0}, {"a", 5}};
    assert_int_equal(patron_tier_configure(db, &c, dup, 2), PATRON_EINVAL);
    assert_int_equal(patron_tier_configure(db, &c, tiers, 0), PATRON_EINVAL);
    c.window_days = 0;
    assert_int_equal(patron_tier_configure(db, &c, tiers, 2), PATRON_EINVAL);
    patron_close(db);
}

/* issue 21 bug 1: a returned purchase leaves the POINTS value like it
 * leaves SPEND and PURCHASES, and so does the referral bonus it paid. */
static void test_points_metric_leaves_returns_out(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-123-4567"), b = member(db, "050-765-4321");
    patron_tier_config c = PATRON_TIER_CONFIG_INIT;
    c.metric = PATRON_TIER_POINTS;
    c.window_days = 30;
    c.grace_days = 10;
    patron_tier_def tiers[] = {{"base", 0}, {"silver", 10}};
    assert_int_equal(patron_tier_configure(db, &c, tiers, 2), PATRON_OK);
    buy(db, "o1", a, T0, 1000);
    patron_tier_status s;
    assert_int_equal(patron_tier_get(db, &s, a, T0), PATRON_OK);
    assert_int_equal(s.value, 10);
    assert_string_equal(s.tier, "silver");
    assert_int_equal(patron_earn_return(db, "o1", T0 + DAY), PATRON_OK);
    assert_int_equal(pt_available(db, a, T0 + DAY), 0);
    assert_int_equal(patron_tier_get(db, &s, a, T0 + DAY), PATRON_OK);
    assert_int_equal(s.value, 0);
    assert_string_equal(s.qualifies, "base");
    assert_int_equal(patron_tier_review(db, NULL, T0 + 2 * DAY), PATRON_OK); /* grace, as for spend */
    assert_int_equal(patron_tier_get(db, &s, a, T0 + 2 * DAY), PATRON_OK);
    assert_int_equal(s.grace_until, T0 + 12 * DAY);
    /* the referrer's bonus from a returned first purchase */
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = "refer";
    r.kind = PATRON_EARN_REFERRAL;
    r.points = 500;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_OK);
    assert_int_equal(patron_earn_set_referrer(db, b, a), PATRON_OK);
    buy(db, "b1", b, T0 + 3 * DAY, 100);
    assert_int_equal(patron_tier_get(db, &s, a, T0 + 3 * DAY), PATRON_OK);
    assert_int_equal(s.value, 500);
    assert_string_equal(s.tier, "silver"); /* the bonus lifted the referrer at once: grace over */
    assert_int_equal(s.grace_until, 0);
    assert_int_equal(patron_earn_return(db, "b1", T0 + 4 * DAY), PATRON_OK);
    assert_int_equal(patron_tier_get(db, &s, a, T0 + 4 * DAY), PATRON_OK);
    assert_int_equal(s.value, 0);
    patron_close(db);
}

/* issue 21 bug 3: qualifying again between reviews ends the grace, so the
 * next failing review starts a new grace instead of moving down. */
static void test_requalifying_between_reviews_ends_grace(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    patron_tier_config c = PATRON_TIER_CONFIG_INIT;
    c.metric = PATRON_TIER_PURCHASES;
    c.window_days = 30;
    c.grace_days = 10;
    patron_tier_def tiers[] = {{"base", 0}, {"silver", 2}};
    assert_int_equal(patron_tier_configure(db, &c, tiers, 2), PATRON_OK);
    buy(db, "a", m, T0, 100);
    buy(db, "b", m, T0 + DAY, 100);
    assert_string_equal(tier_of(db, m, T0 + DAY), "silver");
    assert_int_equal(patron_tier_review(db, NULL, T0 + 31 * DAY), PATRON_OK);
    patron_tier_status s;
    assert_int_equal(patron_tier_get(db, &s, m, T0 + 31 * DAY), PATRON_OK);
    assert_int_equal(s.grace_until, T0 + 41 * DAY);
    buy(db, "c", m, T0 + 32 * DAY, 100);
    buy(db, "d", m, T0 + 33 * DAY, 100); /* qualifies silver again: grace over */
    assert_int_equal(patron_tier_get(db, &s, m, T0 + 33 * DAY), PATRON_OK);
    assert_string_equal(s.qualifies, "silver");
    assert_int_equal(s.grace_until, 0);
    int64_t changed = -1;
    assert_int_equal(patron_tier_review(db, &changed, T0 + 62 * DAY + 1), PATRON_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(patron_tier_get(db, &s, m, T0 + 62 * DAY + 1), PATRON_OK);
    assert_string_equal(s.tier, "silver"); /* a new grace, not straight down */
    assert_int_equal(s.grace_until, T0 + 72 * DAY + 1);
    buy(db, "e", m, T0 + 62 * DAY + 2, 100); /* the window (32d+2s, 62d+2s] holds d and e */
    assert_int_equal(patron_tier_get(db, &s, m, T0 + 62 * DAY + 2), PATRON_OK);
    assert_int_equal(s.grace_until, 0);
    assert_int_equal(patron_tier_review(db, NULL, T0 + 100 * DAY), PATRON_OK);
    assert_int_equal(patron_tier_get(db, &s, m, T0 + 100 * DAY), PATRON_OK);
    assert_int_equal(s.grace_until, T0 + 110 * DAY);
    /* tier_evaluate ends a grace as well */
    buy(db, "f", m, T0 + 101 * DAY, 100);
    assert_int_equal(patron_earn_return(db, "f", T0 + 101 * DAY), PATRON_OK);
    patron_tier_status e;
    assert_int_equal(patron_tier_evaluate(db, &e, m, T0 + 101 * DAY), PATRON_OK);
    assert_int_equal(e.grace_until, T0 + 110 * DAY); /* one (returned) purchase: still below */
    buy(db, "g", m, T0 + 102 * DAY, 100);
    buy(db, "h", m, T0 + 102 * DAY, 100);
    assert_int_equal(patron_tier_evaluate(db, &e, m, T0 + 102 * DAY), PATRON_OK);
    assert_int_equal(e.grace_until, 0);
    patron_close(db);
}

/* grace_days = 0: moved down at the first review that finds them below. */
static void test_no_grace(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    patron_tier_config c = PATRON_TIER_CONFIG_INIT;
    c.metric = PATRON_TIER_SPEND;
    c.window_days = 30;
    c.grace_days = 0;
    patron_tier_def tiers[] = {{"base", 0}, {"silver", 1000}};
    assert_int_equal(patron_tier_configure(db, &c, tiers, 2), PATRON_OK);
    buy(db, "a", m, T0, 1000);
    assert_string_equal(tier_of(db, m, T0), "silver");
    int64_t changed = 0;
    assert_int_equal(patron_tier_review(db, &changed, T0 + 29 * DAY), PATRON_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(patron_tier_review(db, &changed, T0 + 31 * DAY), PATRON_OK);
    assert_int_equal(changed, 1);
    patron_tier_status s;
    assert_int_equal(patron_tier_get(db, &s, m, T0 + 31 * DAY), PATRON_OK);
    assert_string_equal(s.tier, "base");
    assert_int_equal(s.grace_until, 0);
    patron_close(db);
}

/* Open rules decided in the ledger guide (Tiers): a member never evaluated
 * holds no tier; reconfiguring keeps a running grace and judges it by the
 * new thresholds; a member whose tier was removed is placed at their next
 * evaluation. */
static void test_never_evaluated_and_reconfigured(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567"), n = member(db, "050-765-4321");
    patron_tier_config c = PATRON_TIER_CONFIG_INIT;
    c.metric = PATRON_TIER_SPEND;
    c.window_days = 30;
    c.grace_days = 10;
    patron_tier_def tiers[] = {{"base", 0}, {"silver", 1000}, {"gold", 5000}};
    assert_int_equal(patron_tier_configure(db, &c, tiers, 3), PATRON_OK);
    patron_tier_status s;
    assert_int_equal(patron_tier_get(db, &s, n, T0), PATRON_OK);
    assert_string_equal(s.tier, "");
    assert_string_equal(s.qualifies, "base");
    assert_int_equal(s.since, 0);
    buy(db, "a", m, T0, 5000);
    assert_string_equal(tier_of(db, m, T0), "gold");
    assert_int_equal(patron_tier_review(db, NULL, T0 + 31 * DAY), PATRON_OK); /* grace to 41 */
    assert_string_equal(tier_of(db, n, T0 + 31 * DAY), "base");             /* the review enrolled n */
    /* lower gold's threshold during the grace: still below (0 spend), grace kept */
    patron_tier_def lower[] = {{"base", 0}, {"silver", 1000}, {"gold", 2000}};
    assert_int_equal(patron_tier_configure(db, &c, lower, 3), PATRON_OK);
    assert_int_equal(patron_tier_get(db, &s, m, T0 + 32 * DAY), PATRON_OK);
    assert_string_equal(s.tier, "gold");
    assert_int_equal(s.grace_until, T0 + 41 * DAY);
    buy(db, "b", m, T0 + 33 * DAY, 2000); /* qualifies for gold under the new thresholds */
    assert_int_equal(patron_tier_get(db, &s, m, T0 + 33 * DAY), PATRON_OK);
    assert_int_equal(s.grace_until, 0);
    /* gold removed: placed in the tier the value qualifies for at the next evaluation */
    patron_tier_def no_gold[] = {{"base", 0}, {"silver", 1000}};
    assert_int_equal(patron_tier_configure(db, &c, no_gold, 2), PATRON_OK);
    assert_string_equal(tier_of(db, m, T0 + 34 * DAY), "gold"); /* until evaluated */
    assert_int_equal(patron_tier_evaluate(db, &s, m, T0 + 34 * DAY), PATRON_OK);
    assert_string_equal(s.tier, "silver");
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upgrade_immediately_downgrade_after_grace),
        cmocka_unit_test(test_requalifying_ends_grace),
        cmocka_unit_test(test_calendar_year_on_points),
        cmocka_unit_test(test_points_metric_leaves_returns_out),
        cmocka_unit_test(test_requalifying_between_reviews_ends_grace),
        cmocka_unit_test(test_no_grace),
        cmocka_unit_test(test_never_evaluated_and_reconfigured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
