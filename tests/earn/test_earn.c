/* Earning rules: every rule kind, versions by effective date, idempotent
 * purchases, returns, and the posting provenance. */
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

#define T0 1700000000
#define DAY 86400

static patron_db *open_db(void)
{
    patron_db *db = pt_store_new(NULL);
    assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
    return db;
}

static int64_t member(patron_db *db, const char *phone)
{
    return pt_member(db, phone, "sms", T0);
}

static void add_rule(patron_db *db, const char *name, int kind, int64_t from, int64_t to, int64_t points,
                     int64_t per, int64_t percent, const char *cat)
{
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = name;
    r.kind = kind;
    r.valid_from = from;
    r.valid_to = to;
    r.points = points;
    r.per_amount = per;
    r.percent = percent;
    r.category = cat;
    if (kind == PATRON_EARN_PRODUCT)
        r.product = cat;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_OK);
}

static int64_t buy(patron_db *db, const char *key, int64_t m, int64_t at, const char *cat, int64_t amount)
{
    patron_purchase_line line = {cat, NULL, amount};
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = key;
    p.member_id = m;
    p.at = at;
    p.lines = &line;
    p.n_lines = 1;
    int64_t quote = -1;
    patron_earn_result res;
    assert_int_equal(patron_earn_quote(db, &quote, &p), PATRON_OK);
    assert_int_equal(patron_earn_purchase(db, &res, &p), PATRON_OK);
    assert_int_equal(res.replayed, 0);
    assert_int_equal(res.points, quote);
    return res.points;
}

static void test_base_category_member_campaign(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    add_rule(db, "base", PATRON_EARN_BASE, 0, 0, 1, 100, 0, NULL);               /* 1 point per 1.00 */
    add_rule(db, "shoes-x2", PATRON_EARN_CATEGORY, 0, 0, 0, 0, 100, "shoes");   /* double on shoes */
    add_rule(db, "members", PATRON_EARN_MEMBER_BONUS, 0, 0, 0, 0, 10, NULL);    /* 10% accrual */
    add_rule(db, "black-friday", PATRON_EARN_CAMPAIGN, T0 + 10 * DAY, T0 + 11 * DAY, 50, 0, 0, NULL);
    assert_int_equal(buy(db, "o1", m, T0, "bags", 12345), 123 + 12);
    assert_int_equal(buy(db, "o2", m, T0 + DAY, "shoes", 10000), 100 + 100 + 10);
    assert_int_equal(buy(db, "o3", m, T0 + 10 * DAY + 5, "bags", 1000), 10 + 1 + 50);
    assert_int_equal(buy(db, "o4", m, T0 + 11 * DAY, "bags", 1000), 10 + 1); /* campaign over */
    assert_int_equal(pt_available(db, m, T0 + 12 * DAY), 135 + 210 + 61 + 11);
    /* each contributing rule is its own posting with rule and version */
    patron_statement *s;
    assert_int_equal(patron_ledger_statement(db, &s, m, T0 + DAY, T0 + DAY + 1), PATRON_OK);
    assert_int_equal(patron_statement_count(s), 3);
    assert_string_equal(patron_statement_get(s, 0)->rule, "base");
    assert_int_equal(patron_statement_get(s, 0)->rule_version, 1);
    assert_int_equal(patron_statement_get(s, 0)->spend, 10000);
    assert_string_equal(patron_statement_get(s, 1)->rule, "shoes-x2");
    assert_string_equal(patron_statement_get(s, 2)->key, "o2/members");
    patron_statement_free(s);
    patron_close(db);
}

static void test_versions_by_effective_date(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    add_rule(db, "base", PATRON_EARN_BASE, 0, 0, 1, 100, 0, NULL);
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = "base";
    r.kind = PATRON_EARN_BASE;
    r.valid_from = T0 + 5 * DAY;
    r.points = 3;
    r.per_amount = 100;
    int64_t v = 0;
    assert_int_equal(patron_earn_rule_add(db, &v, &r), PATRON_OK);
    assert_int_equal(v, 2);
    r.valid_from = T0; /* before version 2 starts */
    assert_int_equal(patron_earn_rule_add(db, &v, &r), PATRON_EINVAL);
    /* a purchase is scored by the rules in force at its time, even when recorded later */
    assert_int_equal(buy(db, "late", m, T0 + 4 * DAY, NULL, 1000), 10);
    assert_int_equal(buy(db, "new", m, T0 + 5 * DAY, NULL, 1000), 30);
    int64_t ver = 0;
    assert_int_equal(patron__sql_int(db, &ver, 0, "SELECT rule_version FROM postings WHERE key = 'new/base'", ""),
                     PATRON_OK);
    assert_int_equal(ver, 2);
    /* invalid rules */
    r = (patron_earn_rule)PATRON_EARN_RULE_INIT;
    r.name = "x";
    r.kind = PATRON_EARN_BASE;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_EINVAL);
    r.kind = 99;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_EINVAL);
    r.kind = PATRON_EARN_CATEGORY;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_EINVAL);
    patron_close(db);
}

static void test_purchase_idempotent_and_return(void **state)
{
    (void)state;
    patron_db *db = open_db();
    patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
    pol.hold_seconds = 14 * DAY;
    assert_int_equal(patron_ledger_set_policy(db, &pol), PATRON_OK);
    int64_t m = member(db, "050-123-4567");
    add_rule(db, "base", PATRON_EARN_BASE, 0, 0, 1, 100, 0, NULL);
    add_rule(db, "members", PATRON_EARN_MEMBER_BONUS, 0, 0, 0, 0, 10, NULL);
    patron_purchase_line line = {"bags", "B-1", 20000};
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = "order-9";
    p.member_id = m;
    p.at = T0;
    p.lines = &line;
    p.n_lines = 1;
    patron_earn_result res;
    assert_int_equal(patron_earn_purchase(db, &res, &p), PATRON_OK);
    assert_int_equal(res.points, 220);
    assert_int_equal(res.postings, 2);
    assert_int_equal(patron_earn_purchase(db, &res, &p), PATRON_OK);
    assert_int_equal(res.replayed, 1);
    assert_int_equal(res.points, 220);
    line.amount = 1;
    assert_int_equal(patron_earn_purchase(db, &res, &p), PATRON_ECONFLICT);
    int64_t n = 0;
    assert_int_equal(patron__sql_int(db, &n, 0, "SELECT count(*) FROM postings", ""), PATRON_OK);
    assert_int_equal(n, 2);
    /* returned inside the window: the pending points never become available */
    assert_int_equal(patron_earn_return(db, "order-9", T0 + 3 * DAY), PATRON_OK);
    assert_int_equal(patron_earn_return(db, "order-9", T0 + 3 * DAY), PATRON_OK);
    assert_int_equal(patron_earn_return(db, "nope", T0), PATRON_ENOTFOUND);
    assert_int_equal(pt_available(db, m, T0 + 30 * DAY), 0);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    /* bad purchases */
    p.n_lines = 0;
    assert_int_equal(patron_earn_purchase(db, &res, &p), PATRON_EINVAL);
    p.n_lines = 1;
    line.amount = -5;
    p.key = "neg";
    assert_int_equal(patron_earn_purchase(db, &res, &p), PATRON_EINVAL);
    patron_close(db);
}

static void test_challenge_and_referral(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-123-4567"), b = member(db, "050-765-4321");
    add_rule(db, "base", PATRON_EARN_BASE, 0, 0, 1, 100, 0, NULL);
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = "3-in-30";
    r.kind = PATRON_EARN_CHALLENGE;
    r.count = 3;
    r.window_days = 30;
    r.points = 200;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_OK);
    r = (patron_earn_rule)PATRON_EARN_RULE_INIT;
    r.name = "refer";
    r.kind = PATRON_EARN_REFERRAL;
    r.points = 500;
    r.referee_points = 100;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_OK);
    assert_int_equal(patron_earn_set_referrer(db, b, a), PATRON_OK);
    assert_int_equal(patron_earn_set_referrer(db, b, b), PATRON_EINVAL);
    assert_int_equal(buy(db, "a1", a, T0, NULL, 1000), 10);
    assert_int_equal(buy(db, "a2", a, T0 + 10 * DAY, NULL, 1000), 10);
    assert_int_equal(buy(db, "a3", a, T0 + 20 * DAY, NULL, 1000), 210); /* third in 30 days */
    assert_int_equal(buy(db, "a4", a, T0 + 25 * DAY, NULL, 1000), 10);  /* once per window */
    assert_int_equal(buy(db, "b1", b, T0 + 26 * DAY, NULL, 1000), 110); /* referee bonus */
    assert_int_equal(buy(db, "b2", b, T0 + 27 * DAY, NULL, 1000), 10);  /* only the first purchase */
    assert_int_equal(pt_available(db, a, T0 + 30 * DAY), 240 + 500);
    assert_int_equal(pt_available(db, b, T0 + 30 * DAY), 120);
    patron_close(db);
}

static void test_tier_multiplier_rule(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    patron_tier_def tiers[] = {{"silver", 0}, {"gold", 100000}};
    assert_int_equal(patron_tier_configure(db, NULL, tiers, 2), PATRON_OK);
    add_rule(db, "base", PATRON_EARN_BASE, 0, 0, 1, 100, 0, NULL);
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = "gold-x1.5";
    r.kind = PATRON_EARN_TIER;
    r.tier = "gold";
    r.percent = 50;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_OK);
    assert_int_equal(buy(db, "o1", m, T0, NULL, 100000), 1000); /* qualifies for gold with this purchase */
    assert_int_equal(buy(db, "o2", m, T0 + DAY, NULL, 10000), 150);
    patron_close(db);
}

static void add_referral(patron_db *db, int64_t points, int64_t referee_points)
{
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = "refer";
    r.kind = PATRON_EARN_REFERRAL;
    r.points = points;
    r.referee_points = referee_points;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_OK);
}

static void add_challenge(patron_db *db, int64_t count, int64_t days, int64_t points)
{
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = "challenge";
    r.kind = PATRON_EARN_CHALLENGE;
    r.count = count;
    r.window_days = days;
    r.points = points;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_OK);
}

/* issue 21 bug 2: back-dated purchases (a till uploading offline sales
 * late) are not first purchases once one is on record. */
static void test_referral_paid_once_for_back_dated_purchases(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-123-4567"), b = member(db, "050-765-4321");
    add_referral(db, 500, 50);
    assert_int_equal(patron_earn_set_referrer(db, b, a), PATRON_OK);
    assert_int_equal(buy(db, "b1", b, T0 + DAY, NULL, 1000), 50);
    assert_int_equal(buy(db, "b0", b, T0, NULL, 1000), 0);
    assert_int_equal(buy(db, "b-1", b, T0 - DAY, NULL, 1000), 0);
    assert_int_equal(pt_available(db, a, T0 + 2 * DAY), 500);
    assert_int_equal(pt_available(db, b, T0 + 2 * DAY), 50);
    patron_close(db);
}

/* Decided in the ledger guide: a returned first purchase takes both
 * bonuses back; the next purchase scored while no other unreturned purchase
 * is on record is the first again. Cycles of referrers are refused. */
static void test_referral_returned_first_and_cycles(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-123-4567"), b = member(db, "050-765-4321"), c = member(db, "050-111-2222");
    add_rule(db, "base", PATRON_EARN_BASE, 0, 0, 1, 100, 0, NULL);
    add_referral(db, 500, 50);
    assert_int_equal(patron_earn_set_referrer(db, b, a), PATRON_OK);
    assert_int_equal(patron_earn_set_referrer(db, b, a), PATRON_OK); /* the same again: no-op */
    assert_int_equal(patron_earn_set_referrer(db, a, b), PATRON_EINVAL); /* mutual */
    assert_int_equal(patron_earn_set_referrer(db, c, b), PATRON_OK);
    assert_int_equal(patron_earn_set_referrer(db, a, c), PATRON_EINVAL); /* a -> c -> b -> a */
    assert_int_equal(buy(db, "b1", b, T0, NULL, 1000), 60);
    assert_int_equal(patron_earn_return(db, "b1", T0 + DAY), PATRON_OK);
    assert_int_equal(pt_available(db, a, T0 + DAY), 0);
    assert_int_equal(buy(db, "b2", b, T0 + 2 * DAY, NULL, 1000), 60); /* first again */
    assert_int_equal(buy(db, "b3", b, T0 + 3 * DAY, NULL, 1000), 10);
    assert_int_equal(patron_earn_return(db, "b2", T0 + 4 * DAY), PATRON_OK);
    assert_int_equal(buy(db, "b4", b, T0 + 5 * DAY, NULL, 1000), 10); /* b3 is on record: not first */
    assert_int_equal(pt_available(db, a, T0 + 6 * DAY), 0);
    patron_close(db);
}

/* Decided: a challenge award needs `count` purchases in the window ending
 * at the purchase, and no window_days-long period holds two live awards,
 * whatever order purchases arrive in; a reversed award uses up nothing;
 * returning a purchase that only counted toward an award keeps the award. */
static void test_challenge_back_dated_and_returns(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    add_challenge(db, 2, 10, 100);
    assert_int_equal(buy(db, "p1", m, T0 + 20 * DAY, NULL, 1000), 0);
    assert_int_equal(buy(db, "p2", m, T0 + 21 * DAY, NULL, 1000), 100);
    /* back-dated, long before the award: earns its own window (was blocked) */
    assert_int_equal(buy(db, "q1", m, T0, NULL, 1000), 0);
    assert_int_equal(buy(db, "q2", m, T0 + DAY, NULL, 1000), 100);
    /* back-dated within 10 days of the award at 21d: two purchases in its window, but blocked */
    assert_int_equal(buy(db, "q3", m, T0 + 12 * DAY, NULL, 1000), 0);
    assert_int_equal(buy(db, "q4", m, T0 + 12 * DAY, NULL, 1000), 0);
    /* returning the awarded purchase reverses the award and frees its window */
    assert_int_equal(patron_earn_return(db, "p2", T0 + 22 * DAY), PATRON_OK);
    assert_int_equal(buy(db, "p3", m, T0 + 23 * DAY, NULL, 1000), 100); /* p1 and p3 in (13d, 23d] */
    /* p1 only counted toward p3's award: returning it keeps the award */
    assert_int_equal(patron_earn_return(db, "p1", T0 + 24 * DAY), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 25 * DAY), 200);
    patron_close(db);
}

static int64_t buy_lines(patron_db *db, const char *key, int64_t m, int64_t at, const patron_purchase_line *lines,
                         size_t n)
{
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = key;
    p.member_id = m;
    p.at = at;
    p.lines = lines;
    p.n_lines = n;
    patron_earn_result res;
    assert_int_equal(patron_earn_purchase(db, &res, &p), PATRON_OK);
    return res.points;
}

/* Decided in the ledger guide (Earning rules): base points per line, each
 * base rule floored on its own and summed; a percent rule takes its percent
 * of the base points it covers, floored once; no rule counts another's
 * bonus. */
static void test_rounding(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    add_rule(db, "base", PATRON_EARN_BASE, 0, 0, 1, 100, 0, NULL);   /* 1 per 1.00 */
    add_rule(db, "base2", PATRON_EARN_BASE, 0, 0, 1, 300, 0, NULL);  /* and 1 per 3.00 */
    add_rule(db, "shoes", PATRON_EARN_CATEGORY, 0, 0, 0, 0, 15, "shoes");
    add_rule(db, "members", PATRON_EARN_MEMBER_BONUS, 0, 0, 0, 0, 10, NULL);
    patron_purchase_line lines[] = {{"shoes", NULL, 199}, {"shoes", NULL, 199}, {"bags", NULL, 599}};
    /* base: 1+1+5 = 7 (not floor(9.97) = 9); base2: 0+0+1 = 1; base points per line 1, 1, 6;
     * shoes: 15% of 2 = 0; members: 10% of 8 = 0 */
    assert_int_equal(buy_lines(db, "o1", m, T0, lines, 3), 8);
    patron_purchase_line big[] = {{"shoes", NULL, 6999}, {"shoes", NULL, 6999}};
    /* base 69+69 = 138, base2 23+23 = 46: 184; shoes 15% of 184 = 27 (once, not 13+13);
     * members 10% of 184 = 18 (not of 184 + 27) */
    assert_int_equal(buy_lines(db, "o2", m, T0, big, 2), 184 + 27 + 18);
    patron_close(db);
}

/* Decided: a version added with the valid_from of the current one replaces
 * it from that moment (purchases already scored keep their version). */
static void test_same_valid_from_replaces(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    add_rule(db, "base", PATRON_EARN_BASE, T0, 0, 1, 100, 0, NULL);
    assert_int_equal(buy(db, "o1", m, T0 + DAY, NULL, 1000), 10);
    add_rule(db, "base", PATRON_EARN_BASE, T0, 0, 2, 100, 0, NULL);
    assert_int_equal(buy(db, "o2", m, T0 + DAY, NULL, 1000), 20);
    assert_int_equal(buy(db, "o3", m, T0, NULL, 1000), 20);
    int64_t v = 0;
    assert_int_equal(patron__sql_int(db, &v, 0, "SELECT rule_version FROM postings WHERE key = 'o1/base'", ""),
                     PATRON_OK);
    assert_int_equal(v, 1);
    assert_int_equal(patron__sql_int(db, &v, 0, "SELECT rule_version FROM postings WHERE key = 'o3/base'", ""),
                     PATRON_OK);
    assert_int_equal(v, 2);
    patron_close(db);
}

/* Decided: a tier rule uses the tier the member holds when the purchase is
 * scored, before the purchase's own upgrade, and keeps applying during a
 * grace (the member still holds the tier). */
static void test_tier_rule_before_upgrade_and_in_grace(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    patron_tier_config c = PATRON_TIER_CONFIG_INIT;
    c.window_days = 30;
    c.grace_days = 10;
    patron_tier_def tiers[] = {{"silver", 0}, {"gold", 10000}};
    assert_int_equal(patron_tier_configure(db, &c, tiers, 2), PATRON_OK);
    add_rule(db, "base", PATRON_EARN_BASE, 0, 0, 1, 100, 0, NULL);
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = "gold-x2";
    r.kind = PATRON_EARN_TIER;
    r.tier = "gold";
    r.percent = 100;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_OK);
    assert_int_equal(buy(db, "o1", m, T0, NULL, 10000), 100); /* lifts to gold, bonus from the next one */
    assert_int_equal(patron_tier_review(db, NULL, T0 + 31 * DAY), PATRON_OK); /* below: grace to 41d */
    patron_tier_status s;
    assert_int_equal(patron_tier_get(db, &s, m, T0 + 31 * DAY), PATRON_OK);
    assert_int_equal(s.grace_until, T0 + 41 * DAY);
    assert_int_equal(buy(db, "o2", m, T0 + 32 * DAY, NULL, 1000), 20); /* gold in grace: bonus */
    assert_int_equal(patron_tier_review(db, NULL, T0 + 41 * DAY), PATRON_OK);
    assert_int_equal(buy(db, "o3", m, T0 + 42 * DAY, NULL, 1000), 10); /* silver now */
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_category_member_campaign),
        cmocka_unit_test(test_versions_by_effective_date),
        cmocka_unit_test(test_purchase_idempotent_and_return),
        cmocka_unit_test(test_challenge_and_referral),
        cmocka_unit_test(test_tier_multiplier_rule),
        cmocka_unit_test(test_referral_paid_once_for_back_dated_purchases),
        cmocka_unit_test(test_referral_returned_first_and_cycles),
        cmocka_unit_test(test_challenge_back_dated_and_returns),
        cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_same_valid_from_replaces),
        cmocka_unit_test(test_tier_rule_before_upgrade_and_in_grace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
