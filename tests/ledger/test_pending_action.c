/* Points pending until an action: an earn with mature_at = PATRON_NEVER is
 * pending (never available) until patron_ledger_release(); the release is a
 * reversal plus an earn available at the release, whose expiry counts from
 * the release; returns before and after; replays and refusals; the same
 * through a purchase (hold_until_action, patron_earn_release). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"
#include "store_support.h"

#define T0 1768392000 /* 2026-01-14 12:00 UTC */
#define DAY 86400

static patron_db *open_db(void)
{
    patron_db *db = pt_store_new(NULL);
    assert_non_null(db);
    assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
    return db;
}

static patron_posting_request held(const char *key, int64_t m, int64_t points, int64_t at)
{
    patron_posting_request r = pt_posting(key, m, points, at);
    r.mature_at = PATRON_NEVER;
    return r;
}

static void test_release_makes_points_available_and_starts_expiry(void **state)
{
    (void)state;
    patron_db *db = open_db();
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    p.expiry_months = 1;
    p.expiry_round = PATRON_EXPIRY_END_OF_DAY;
    p.hold_seconds = 14 * DAY; /* not used by held points */
    assert_int_equal(patron_ledger_set_policy(db, &p), PATRON_OK);
    int64_t m = pt_member(db, "050-300-0001", "sms", T0 - DAY);
    patron_posting_request r = held("order-1/base", m, 100, T0);
    r.rule = "base";
    r.rule_version = 3;
    r.spend = 10000;
    patron_posting_result res;
    assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_OK);
    int64_t held_id = res.posting_id;
    patron_balance b;
    assert_int_equal(patron_ledger_balance(db, &b, m, T0 + 400 * DAY), PATRON_OK);
    assert_int_equal(b.available, 0);
    assert_int_equal(b.pending, 100);
    /* released 40 days later (shipped): available from then, expiring a
     * month after the release, rounded to the end of that day */
    int64_t rel = T0 + 40 * DAY; /* 2026-02-23 12:00 */
    assert_int_equal(patron_ledger_release(db, &res, "order-1/base", rel), PATRON_OK);
    assert_int_equal(res.replayed, 0);
    assert_int_equal(res.points, 100);
    int64_t released_id = res.posting_id;
    assert_int_equal(patron_ledger_balance(db, &b, m, rel - 1), PATRON_OK);
    assert_int_equal(b.available, 0);
    assert_int_equal(b.pending, 100);
    assert_int_equal(patron_ledger_balance(db, &b, m, rel), PATRON_OK);
    assert_int_equal(b.available, 100);
    assert_int_equal(b.pending, 0);
    int64_t expiry = 1774310400; /* 2026-03-23 12:00, rounded to the end of the day: 2026-03-24 00:00 */
    assert_int_equal(patron_ledger_balance(db, &b, m, expiry - 1), PATRON_OK);
    assert_int_equal(b.available, 100);
    assert_int_equal(patron_ledger_balance(db, &b, m, expiry), PATRON_OK);
    assert_int_equal(b.available, 0);
    assert_int_equal(b.expired_unposted, 100);
    /* the statement: the held earn, its reversal and the released earn with the rule */
    patron_statement *s = NULL;
    assert_int_equal(patron_ledger_statement(db, &s, m, T0, rel + DAY), PATRON_OK);
    assert_int_equal(patron_statement_count(s), 3);
    assert_int_equal(patron_statement_get(s, 0)->id, held_id);
    assert_int_equal(patron_statement_get(s, 0)->effective_at, PATRON_NEVER);
    assert_int_equal(patron_statement_get(s, 1)->kind, PATRON_POSTING_REVERSE);
    assert_int_equal(patron_statement_get(s, 1)->points, -100);
    const patron_posting *e = patron_statement_get(s, 2);
    assert_int_equal(e->id, released_id);
    assert_string_equal(e->key, "order-1/base:released");
    assert_string_equal(e->rule, "base");
    assert_int_equal(e->rule_version, 3);
    assert_int_equal(e->spend, 10000);
    assert_int_equal(e->effective_at, rel);
    assert_int_equal(patron_statement_closing(s), 100);
    patron_statement_free(s);
    /* again: replayed */
    assert_int_equal(patron_ledger_release(db, &res, "order-1/base", rel + 5 * DAY), PATRON_OK);
    assert_int_equal(res.replayed, 1);
    assert_int_equal(res.posting_id, released_id);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

static void test_returns_and_refusals(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = pt_member(db, "050-300-0002", "sms", T0 - DAY);
    patron_posting_request r = held("h1", m, 80, T0);
    patron_posting_result res;
    assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_OK);
    /* a return before the release cancels them: never available, nothing to release */
    patron_posting_request back = pt_posting("h1-return", m, 0, T0 + DAY);
    back.target = res.posting_id;
    back.points = 0;
    assert_int_equal(patron_ledger_reverse(db, NULL, &back), PATRON_OK);
    patron_balance b;
    assert_int_equal(patron_ledger_balance(db, &b, m, T0 + 2 * DAY), PATRON_OK);
    assert_int_equal(b.available, 0);
    assert_int_equal(b.pending, 0);
    assert_int_equal(patron_ledger_release(db, NULL, "h1", T0 + 3 * DAY), PATRON_ECONFLICT);
    assert_non_null(strstr(patron_errmsg(), "fully reversed"));
    /* part returned before: the rest is released */
    r = held("h2", m, 50, T0);
    assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_OK);
    back = pt_posting("h2-return", m, 20, T0 + DAY);
    back.target = res.posting_id;
    assert_int_equal(patron_ledger_reverse(db, NULL, &back), PATRON_OK);
    assert_int_equal(patron_ledger_release(db, &res, "h2", T0 + 2 * DAY), PATRON_OK);
    assert_int_equal(res.points, 30);
    assert_int_equal(pt_available(db, m, T0 + 2 * DAY), 30);
    /* after the release a return reverses the released earn */
    back = pt_posting("h2-return-2", m, 0, T0 + 3 * DAY);
    back.target = res.posting_id;
    assert_int_equal(patron_ledger_reverse(db, NULL, &back), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 3 * DAY), 0);
    /* refusals change nothing */
    assert_int_equal(patron_ledger_release(db, NULL, "nosuch", T0), PATRON_ENOTFOUND);
    patron_posting_request plain = pt_posting("plain", m, 10, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &plain), PATRON_OK);
    assert_int_equal(patron_ledger_release(db, NULL, "plain", T0 + DAY), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "not an earn pending until an action"));
    r = held("h3", m, 5, T0 + 10 * DAY);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    assert_int_equal(patron_ledger_release(db, NULL, "h3", T0 + 9 * DAY), PATRON_EINVAL);
    r = held("h4", m, 5, T0);
    r.expires_at = T0 + 100 * DAY;
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "expiry at the release"));
    char longkey[200];
    memset(longkey, 'k', 195);
    longkey[195] = '\0';
    r = held(longkey, m, 5, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_EINVAL);
    assert_int_equal(pt_available(db, m, T0 + 30 * DAY), 10);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

static void buy(patron_db *db, const char *key, int64_t m, int64_t at, int64_t amount, int hold)
{
    patron_purchase_line line = {NULL, NULL, amount};
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = key;
    p.member_id = m;
    p.at = at;
    p.lines = &line;
    p.n_lines = 1;
    p.hold_until_action = hold;
    assert_int_equal(patron_earn_purchase(db, NULL, &p), PATRON_OK);
}

static void test_purchase_held_until_shipped(void **state)
{
    (void)state;
    patron_db *db = open_db();
    patron_earn_rule base = PATRON_EARN_RULE_INIT;
    base.name = "base";
    base.kind = PATRON_EARN_BASE;
    base.points = 1;
    base.per_amount = 100;
    assert_int_equal(patron_earn_rule_add(db, NULL, &base), PATRON_OK);
    patron_earn_rule bonus = PATRON_EARN_RULE_INIT;
    bonus.name = "club";
    bonus.kind = PATRON_EARN_MEMBER_BONUS;
    bonus.percent = 10;
    assert_int_equal(patron_earn_rule_add(db, NULL, &bonus), PATRON_OK);
    int64_t m = pt_member(db, "050-300-0003", "sms", T0 - DAY);
    buy(db, "web-1", m, T0, 50000, 1); /* 500 + 50, held */
    buy(db, "web-2", m, T0, 10000, 1); /* 100 + 10, held */
    buy(db, "pos-1", m, T0, 1000, 0);  /* 10 + 1, not held */
    patron_balance b;
    assert_int_equal(patron_ledger_balance(db, &b, m, T0 + 100 * DAY), PATRON_OK);
    assert_int_equal(b.available, 11);
    assert_int_equal(b.pending, 660);
    int64_t n = -1;
    assert_int_equal(patron_earn_release(db, &n, "web-1", T0 + 3 * DAY), PATRON_OK); /* shipped */
    assert_int_equal(n, 550);
    assert_int_equal(patron_earn_release(db, &n, "web-1", T0 + 4 * DAY), PATRON_OK); /* again */
    assert_int_equal(n, 0);
    assert_int_equal(pt_available(db, m, T0 + 3 * DAY), 561);
    assert_int_equal(pt_available(db, m, T0 + 3 * DAY - 1), 11);
    /* the return of a released purchase takes its points back; of a held one cancels them */
    assert_int_equal(patron_earn_return(db, "web-1", T0 + 5 * DAY), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 5 * DAY), 11);
    assert_int_equal(patron_earn_return(db, "web-2", T0 + 5 * DAY), PATRON_OK);
    assert_int_equal(patron_ledger_balance(db, &b, m, T0 + 6 * DAY), PATRON_OK);
    assert_int_equal(b.pending, 0);
    assert_int_equal(b.available, 11);
    assert_int_equal(patron_earn_release(db, &n, "web-2", T0 + 7 * DAY), PATRON_OK); /* returned: nothing */
    assert_int_equal(n, 0);
    assert_int_equal(pt_available(db, m, T0 + 7 * DAY), 11);
    assert_int_equal(patron_earn_release(db, &n, "pos-1", T0 + 7 * DAY), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "not scored with hold_until_action"));
    assert_int_equal(patron_earn_release(db, &n, "nosuch", T0 + 7 * DAY), PATRON_ENOTFOUND);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_release_makes_points_available_and_starts_expiry),
        cmocka_unit_test(test_returns_and_refusals),
        cmocka_unit_test(test_purchase_held_until_shipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
