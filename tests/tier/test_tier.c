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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upgrade_immediately_downgrade_after_grace),
        cmocka_unit_test(test_requalifying_ends_grace),
        cmocka_unit_test(test_calendar_year_on_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
