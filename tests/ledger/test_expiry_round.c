/* Expiry rounding (patron_ledger_policy::expiry_round): each rounding on a
 * date worked out by hand, balance and statement agreeing at the boundary,
 * the old end-of-month switch, invalid values, and callers built before the
 * field existed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"
#include "store_support.h"

#define DAY 86400
/* 2026-01-14 12:00:00 UTC, a Wednesday */
#define WED_2026_01_14_NOON 1768392000
/* +1 month: 2026-02-14 12:00 UTC, a Saturday */
#define SAT_2026_02_14_NOON 1771070400

static patron_db *open_db(void)
{
    patron_db *db = pt_store_new(NULL);
    assert_non_null(db);
    assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
    return db;
}

static void set_round(patron_db *db, int months, int round)
{
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    p.expiry_months = months;
    p.expiry_round = round;
    assert_int_equal(patron_ledger_set_policy(db, &p), PATRON_OK);
}

/* The expiry a 1-month policy with `round` gives points earned at
 * WED_2026_01_14_NOON, read back as the lot's expiry through the balance:
 * available one second before, expired_unposted at it. */
static void expect_expiry(int round, int64_t want, const char *phone)
{
    patron_db *db = open_db();
    set_round(db, 1, round);
    int64_t m = pt_member(db, phone, "none", WED_2026_01_14_NOON - DAY);
    patron_posting_request r = pt_posting("e1", m, 100, WED_2026_01_14_NOON);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    patron_balance b;
    assert_int_equal(patron_ledger_balance(db, &b, m, want - 1), PATRON_OK);
    assert_int_equal(b.available, 100);
    assert_int_equal(b.expired_unposted, 0);
    assert_int_equal(patron_ledger_balance(db, &b, m, want), PATRON_OK);
    assert_int_equal(b.available, 0);
    assert_int_equal(b.expired_unposted, 100);
    /* the expiry run writes the posting effective at that same moment, and
     * the statement's balances agree with patron_ledger_balance */
    int64_t np = 0, pts = 0;
    assert_int_equal(patron_ledger_expire(db, &np, &pts, want + 10 * DAY), PATRON_OK);
    assert_int_equal(np, 1);
    assert_int_equal(pts, 100);
    patron_statement *s = NULL;
    assert_int_equal(patron_ledger_statement(db, &s, m, WED_2026_01_14_NOON, want + 11 * DAY), PATRON_OK);
    assert_int_equal(patron_statement_count(s), 2);
    const patron_posting *e = patron_statement_get(s, 1);
    assert_int_equal(e->kind, PATRON_POSTING_EXPIRE);
    assert_int_equal(e->effective_at, want);
    assert_int_equal(e->points, -100);
    assert_int_equal(patron_statement_closing(s), 0);
    patron_statement_free(s);
    patron_statement *before = NULL;
    assert_int_equal(patron_ledger_statement(db, &before, m, WED_2026_01_14_NOON, want), PATRON_OK);
    assert_int_equal(patron_statement_closing(before), 100); /* at want - 1 */
    patron_statement_free(before);
    assert_int_equal(patron_ledger_balance(db, &b, m, want), PATRON_OK);
    assert_int_equal(b.available, 0);
    assert_int_equal(b.expired_unposted, 0);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

static void test_each_rounding(void **state)
{
    (void)state;
    expect_expiry(PATRON_EXPIRY_EXACT, SAT_2026_02_14_NOON, "050-100-0001");
    expect_expiry(PATRON_EXPIRY_END_OF_DAY, 1771113600 /* 2026-02-15 00:00 */, "050-100-0002");
    expect_expiry(PATRON_EXPIRY_END_OF_WEEK, 1771200000 /* Monday 2026-02-16 00:00 */, "050-100-0003");
    expect_expiry(PATRON_EXPIRY_END_OF_MONTH, 1772323200 /* 2026-03-01 00:00 */, "050-100-0004");
    expect_expiry(PATRON_EXPIRY_END_OF_QUARTER, 1775001600 /* 2026-04-01 00:00 */, "050-100-0005");
    expect_expiry(PATRON_EXPIRY_END_OF_YEAR, 1798761600 /* 2027-01-01 00:00 */, "050-100-0006");
}

/* An expiry already at midnight is inside the day that starts then: it
 * moves to the next midnight (a Sunday 00:00 to Monday, a Monday 00:00 to
 * the Monday after). */
static void test_boundaries_round_to_the_next_period(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = pt_member(db, "050-100-0010", "none", 1767225600 - DAY);
    set_round(db, 1, PATRON_EXPIRY_END_OF_WEEK);
    /* earned Monday 2026-01-05 00:00; +1 month = Thursday 2026-02-05 00:00 -> Monday 2026-02-09 */
    patron_posting_request r = pt_posting("w1", m, 5, 1767571200);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    patron_balance b;
    assert_int_equal(patron_ledger_balance(db, &b, m, 1770595200 - 1), PATRON_OK);
    assert_int_equal(b.available, 5);
    assert_int_equal(patron_ledger_balance(db, &b, m, 1770595200), PATRON_OK);
    assert_int_equal(b.available, 0);
    /* earned Monday 2025-12-08 00:00 + 2 months = Sunday 2026-02-08 00:00 -> the Monday after */
    set_round(db, 2, PATRON_EXPIRY_END_OF_WEEK);
    r = pt_posting("w2", m, 7, 1765152000);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    assert_int_equal(patron_ledger_balance(db, &b, m, 1770595200 - 1), PATRON_OK);
    assert_int_equal(b.available, 12);
    assert_int_equal(patron_ledger_balance(db, &b, m, 1770595200), PATRON_OK);
    assert_int_equal(b.available, 0);
    patron_close(db);
}

/* The old switch reads back as END_OF_MONTH and the reverse; a rounding that
 * contradicts it is refused and changes nothing. Explicit expiries are not
 * rounded; nor is "never". */
static void test_policy_values(void **state)
{
    (void)state;
    patron_db *db = open_db();
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    p.expiry_months = 6;
    p.expiry_end_of_month = 1;
    assert_int_equal(patron_ledger_set_policy(db, &p), PATRON_OK);
    patron_ledger_policy got = PATRON_LEDGER_POLICY_INIT;
    assert_int_equal(patron_ledger_get_policy(db, &got), PATRON_OK);
    assert_int_equal(got.expiry_round, PATRON_EXPIRY_END_OF_MONTH);
    assert_int_equal(got.expiry_end_of_month, 1);
    p.expiry_end_of_month = 0;
    p.expiry_round = PATRON_EXPIRY_END_OF_MONTH;
    assert_int_equal(patron_ledger_set_policy(db, &p), PATRON_OK);
    assert_int_equal(patron_ledger_get_policy(db, &got), PATRON_OK);
    assert_int_equal(got.expiry_end_of_month, 1);
    p.expiry_round = PATRON_EXPIRY_END_OF_QUARTER;
    assert_int_equal(patron_ledger_set_policy(db, &p), PATRON_OK);
    assert_int_equal(patron_ledger_get_policy(db, &got), PATRON_OK);
    assert_int_equal(got.expiry_end_of_month, 0);
    assert_int_equal(got.expiry_round, PATRON_EXPIRY_END_OF_QUARTER);
    p.expiry_end_of_month = 1;
    p.expiry_round = PATRON_EXPIRY_END_OF_YEAR;
    assert_int_equal(patron_ledger_set_policy(db, &p), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "expiry_round"));
    p.expiry_end_of_month = 0;
    p.expiry_round = 6;
    assert_int_equal(patron_ledger_set_policy(db, &p), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "expiry_round 6"));
    assert_int_equal(patron_ledger_get_policy(db, &got), PATRON_OK);
    assert_int_equal(got.expiry_round, PATRON_EXPIRY_END_OF_QUARTER); /* unchanged */

    int64_t m = pt_member(db, "050-100-0020", "none", WED_2026_01_14_NOON - DAY);
    patron_posting_request r = pt_posting("x1", m, 3, WED_2026_01_14_NOON);
    r.expires_at = WED_2026_01_14_NOON + 5 * DAY + 17;
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    assert_int_equal(pt_available(db, m, r.expires_at - 1), 3);
    assert_int_equal(pt_available(db, m, r.expires_at), 0);
    set_round(db, 0, PATRON_EXPIRY_END_OF_YEAR); /* never expires: nothing to round */
    r = pt_posting("x2", m, 4, WED_2026_01_14_NOON);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    assert_int_equal(pt_available(db, m, WED_2026_01_14_NOON + 3650 * (int64_t)DAY), 4);
    patron_close(db);
}

/* A caller built before expiry_round (the 0.1 struct: up to overdraft_limit)
 * sets a policy: it reads as EXACT, or END_OF_MONTH when its switch is set;
 * bytes past its size are neither read nor written (the exact-size heap
 * blocks are in tests/abi/test_sized_structs.c). */
static void test_older_callers(void **state)
{
    (void)state;
    patron_db *db = open_db();
    uint32_t old = (uint32_t)offsetof(patron_ledger_policy, expiry_round);
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    p.size = old;
    p.expiry_months = 2;
    p.expiry_end_of_month = 1;
    p.expiry_round = PATRON_EXPIRY_END_OF_YEAR; /* past its size: not read */
    assert_int_equal(patron_ledger_set_policy(db, &p), PATRON_OK);
    patron_ledger_policy got = PATRON_LEDGER_POLICY_INIT;
    assert_int_equal(patron_ledger_get_policy(db, &got), PATRON_OK);
    assert_int_equal(got.expiry_round, PATRON_EXPIRY_END_OF_MONTH);
    p.expiry_end_of_month = 0;
    assert_int_equal(patron_ledger_set_policy(db, &p), PATRON_OK);
    assert_int_equal(patron_ledger_get_policy(db, &got), PATRON_OK);
    assert_int_equal(got.expiry_round, PATRON_EXPIRY_EXACT);
    set_round(db, 2, PATRON_EXPIRY_END_OF_DAY);
    patron_ledger_policy small = PATRON_LEDGER_POLICY_INIT;
    small.size = old;
    small.expiry_round = 77; /* past its size: not written */
    assert_int_equal(patron_ledger_get_policy(db, &small), PATRON_OK);
    assert_int_equal(small.expiry_months, 2);
    assert_int_equal(small.expiry_round, 77);
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_rounding),
        cmocka_unit_test(test_boundaries_round_to_the_next_period),
        cmocka_unit_test(test_policy_values),
        cmocka_unit_test(test_older_callers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
