/* The ledger's history is always right (issue #19): regression tests of the
 * five ways back-dating, merges, expiry and reversals broke the documented
 * rules; one test per rule the guide decides (docs/guide/ledger.md, "The
 * history is always right"); and, for each of the five, a store whose
 * history is forged through the internal store interface to show what the
 * bug wrote, which patron_ledger_check() must report. */
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

#define T INT64_C(1767225600) /* 2026-01-01 00:00 UTC */
#define D INT64_C(86400)

static patron_db *held;

static int teardown(void **state)
{
    (void)state;
    patron_close(held);
    held = NULL;
    return 0;
}

static patron_db *open_db(void)
{
    held = pt_store_new(NULL);
    assert_int_equal(patron_profile_set_country(held, "IL"), PATRON_OK);
    return held;
}

static int64_t member(patron_db *db, const char *phone)
{
    return pt_member(db, phone, "none", T - 10 * D);
}

static void set_policy(patron_db *db, int months, int64_t hold, int64_t limit)
{
    patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
    pol.expiry_months = months;
    pol.hold_seconds = hold;
    pol.overdraft_limit = limit;
    assert_int_equal(patron_ledger_set_policy(db, &pol), PATRON_OK);
}

/* An earn with explicit maturity and expiry (0: the policy's). */
static int64_t earn_x(patron_db *db, const char *key, int64_t m, int64_t points, int64_t at, int64_t mature,
                      int64_t expires)
{
    patron_posting_request r = pt_posting(key, m, points, at);
    r.mature_at = mature;
    r.expires_at = expires;
    patron_posting_result res;
    assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_OK);
    return res.posting_id;
}

static int64_t earn(patron_db *db, const char *key, int64_t m, int64_t points, int64_t at)
{
    return earn_x(db, key, m, points, at, 0, 0);
}

static int redeem(patron_db *db, const char *key, int64_t m, int64_t points, int64_t at, int64_t *id)
{
    patron_posting_request r = pt_posting(key, m, points, at);
    patron_posting_result res = {0, 0, 0};
    int rc = patron_ledger_redeem(db, &res, &r);
    if (id)
        *id = res.posting_id;
    return rc;
}

static int adjust(patron_db *db, const char *key, int64_t m, int64_t points, int64_t at)
{
    patron_posting_request r = pt_posting(key, m, points, at);
    r.reason = "correction";
    r.operator_name = "ops";
    patron_posting_result res;
    return patron_ledger_adjust(db, &res, &r);
}

static int reverse(patron_db *db, const char *key, int64_t target, int64_t points, int64_t at)
{
    patron_posting_request r = pt_posting(key, 0, points, at);
    r.target = target;
    patron_posting_result res;
    return patron_ledger_reverse(db, &res, &r);
}

static int transfer(patron_db *db, const char *key, int64_t from, int64_t to, int64_t points, int64_t at)
{
    patron_posting_request r = pt_posting(key, from, points, at);
    r.target = to;
    patron_posting_result res;
    return patron_ledger_transfer(db, &res, &r);
}

static void merge(patron_db *db, int64_t kept, int64_t merged, int64_t at)
{
    assert_int_equal(patron_profile_merge(db, kept, merged, at, "ops", NULL), PATRON_OK);
}

static patron_balance bal(patron_db *db, int64_t m, int64_t at)
{
    patron_balance b;
    assert_int_equal(patron_ledger_balance(db, &b, m, at), PATRON_OK);
    return b;
}

static int64_t avail(patron_db *db, int64_t m, int64_t at)
{
    return bal(db, m, at).available;
}

static void check_ok(patron_db *db)
{
    patron_ledger_report rep;
    int rc = patron_ledger_check(db, &rep);
    if (rc != PATRON_OK)
        fail_msg("check: %s", patron_errmsg());
    assert_int_equal(rep.problems, 0);
}

/* The check reports a problem, and the first one is `what`. */
static void check_reports(patron_db *db, const char *what)
{
    patron_ledger_report rep = {0, 0, 0, 0};
    assert_int_equal(patron_ledger_check(db, &rep), PATRON_ECORRUPT);
    assert_true(rep.problems >= 1);
    if (!strstr(patron_errmsg(), what))
        fail_msg("check said '%s', expected '%s'", patron_errmsg(), what);
}

static int64_t q1(patron_db *db, const char *sql, int64_t arg)
{
    int64_t n = -1;
    assert_int_equal(patron__sql_int(db, &n, 0, sql, "i", arg), PATRON_OK);
    return n;
}

static void sql(patron_db *db, const char *s)
{
    assert_int_equal(patron__sql_run(db, s, ""), PATRON_OK);
}

/* The program's largest overdraft limit, as if it had never been larger
 * than `limit` (forging what a buggy library wrote under that limit). */
static void forge_limit_history(patron_db *db, int64_t limit)
{
    set_policy(db, 0, 0, limit);
    char s[128];
    snprintf(s, sizeof s, "UPDATE settings SET value = '%lld' WHERE key = 'ledger_overdraft_max'", (long long)limit);
    assert_int_equal(patron__sql_run(db, s, ""), PATRON_OK);
}

static void assert_msg(const char *part)
{
    if (!strstr(patron_errmsg(), part))
        fail_msg("message '%s' lacks '%s'", patron_errmsg(), part);
}

/* ---- the five regressions ----------------------------------------------- */

static void test_bug1_backdated_debit_past_limit(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001"), b = member(db, "050-000-0002"), c = member(db, "050-000-0003");
    set_policy(db, 0, 0, 50);
    earn(db, "a1", a, 30, T + 10);
    assert_int_equal(redeem(db, "a2", a, 60, T + 20, NULL), PATRON_OK);
    assert_int_equal(redeem(db, "a3", a, 30, T + 15, NULL), PATRON_EBALANCE);
    assert_msg("overdraft limit of 50");
    assert_msg("-30 at");
    assert_int_equal(avail(db, a, T + 20), -30);
    assert_int_equal(redeem(db, "a4", a, 20, T + 15, NULL), PATRON_OK); /* fits: -50 from T+20 on */
    assert_int_equal(avail(db, a, T + 15), 10);
    assert_int_equal(avail(db, a, T + 20), -50);
    /* adjust -1 at T+1D, then -50 at T */
    assert_int_equal(adjust(db, "b1", b, -1, T + D), PATRON_OK);
    assert_int_equal(adjust(db, "b2", b, -50, T), PATRON_EBALANCE);
    assert_int_equal(adjust(db, "b3", b, -49, T), PATRON_OK);
    assert_int_equal(avail(db, b, T + D), -50);
    /* earn 250, reverse it at X, redeem 60 at X - 3D */
    int64_t e = earn(db, "c1", c, 250, T);
    assert_int_equal(reverse(db, "c2", e, 0, T + 10 * D), PATRON_OK);
    assert_int_equal(redeem(db, "c3", c, 60, T + 7 * D, NULL), PATRON_EBALANCE);
    assert_int_equal(avail(db, c, T + 20 * D), 0);
    check_ok(db);
    /* limit 0: the refusal and the balance agree */
    patron_db *db0 = db;
    set_policy(db0, 0, 0, 0);
    int64_t d = member(db0, "050-000-0004");
    earn(db0, "d1", d, 100, T);
    assert_int_equal(redeem(db0, "d2", d, 80, T + 20, NULL), PATRON_OK);
    assert_int_equal(redeem(db0, "d3", d, 30, T + 15, NULL), PATRON_EBALANCE);
    assert_msg("100 points available at");
    assert_msg("only 20 at");
    assert_int_equal(avail(db0, d, T + 15), 100);
    assert_int_equal(redeem(db0, "d4", d, 20, T + 15, NULL), PATRON_OK);
    assert_int_equal(avail(db0, d, T + 15), 80);
    assert_int_equal(avail(db0, d, T + 20), 0);
    check_ok(db0);
}

static void test_bug2_backdated_debit_spends_merged_points(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001"), b = member(db, "050-000-0002");
    earn(db, "b1", b, 250, T);
    merge(db, a, b, T + 20 * D);
    assert_int_equal(adjust(db, "a1", a, -49, T + 10 * D), PATRON_EBALANCE);
    assert_int_equal(redeem(db, "a2", a, 49, T + 10 * D, NULL), PATRON_EBALANCE);
    assert_int_equal(avail(db, a, T + 10 * D), 0);
    assert_int_equal(avail(db, a, T + 20 * D), 250);
    assert_int_equal(redeem(db, "a3", a, 49, T + 20 * D, NULL), PATRON_OK);
    check_ok(db);
    /* with an overdraft the back-dated debit is debt, not the merged lot */
    int64_t c = member(db, "050-000-0003"), e = member(db, "050-000-0004");
    set_policy(db, 0, 0, 100);
    earn(db, "e1", e, 250, T);
    merge(db, c, e, T + 20 * D);
    assert_int_equal(adjust(db, "c1", c, -49, T + 10 * D), PATRON_OK);
    assert_int_equal(redeem(db, "c2", c, 49, T + 10 * D, NULL), PATRON_OK);
    assert_int_equal(redeem(db, "c3", c, 3, T + 10 * D, NULL), PATRON_EBALANCE);
    assert_int_equal(avail(db, c, T + 10 * D), -98);
    assert_int_equal(avail(db, c, T + 20 * D), 152);
    check_ok(db);
}

static void test_bug3_reversal_into_expired_lot(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001");
    earn_x(db, "e", a, 250, T, 0, T + 20 * D);
    int64_t r = 0;
    assert_int_equal(redeem(db, "r", a, 50, T + D, &r), PATRON_OK);
    assert_int_equal(avail(db, a, T + 25 * D), 0);
    assert_int_equal(reverse(db, "v", r, 0, T + 30 * D), PATRON_OK);
    /* two expire postings: 200 at the lot's expiry, 50 at the reversal */
    assert_int_equal(q1(db, "SELECT count(*) FROM postings WHERE kind = 3 AND member_id = ?", a), 2);
    assert_int_equal(q1(db, "SELECT points FROM postings WHERE kind = 3 AND effective_at = ?", T + 20 * D), -200);
    assert_int_equal(q1(db, "SELECT points FROM postings WHERE kind = 3 AND effective_at = ?", T + 30 * D), -50);
    for (int64_t t = T + 19 * D; t <= T + 31 * D; t += D / 2) {
        patron_balance b = bal(db, a, t);
        assert_true(b.available >= 0);
        assert_int_equal(b.available, t < T + 20 * D ? 200 : 0);
    }
    patron_statement *s = NULL;
    assert_int_equal(patron_ledger_statement(db, &s, a, T + 20 * D, T + 30 * D), PATRON_OK);
    assert_int_equal(patron_statement_opening(s), 200);
    assert_int_equal(patron_statement_closing(s), 0);
    patron_statement_free(s);
    check_ok(db);
}

static void test_bug4_merge_of_expired_unposted_lot(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001"), b = member(db, "050-000-0002");
    earn_x(db, "b1", b, 100, T, 0, T + 10 * D);
    merge(db, a, b, T + 20 * D);
    for (int64_t t = T + 9 * D; t <= T + 21 * D; t += D) {
        patron_balance x = bal(db, a, t);
        assert_int_equal(x.available, 0);
        assert_int_equal(x.expired_unposted, 0);
    }
    /* the expiry was posted on the merged member, at its expiry */
    assert_int_equal(q1(db, "SELECT count(*) FROM postings WHERE kind = 3 AND member_id = ?", b), 1);
    assert_int_equal(q1(db, "SELECT effective_at FROM postings WHERE kind = 3 AND member_id = ?", b), T + 10 * D);
    assert_int_equal(q1(db, "SELECT count(*) FROM postings WHERE kind = 7 AND member_id = ?", a), 0);
    int64_t n = -1;
    assert_int_equal(patron_ledger_expire(db, &n, NULL, T + 40 * D), PATRON_OK);
    assert_int_equal(n, 0);
    check_ok(db);
}

static void test_bug5_expired_points_not_counted_with_later_maturity(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001");
    set_policy(db, 0, 0, 50);
    earn(db, "e1", a, 300, T - D);
    assert_int_equal(redeem(db, "r1", a, 300, T, NULL), PATRON_OK);
    earn_x(db, "e2", a, 250, T, 0, T + 10 * D);
    earn_x(db, "e3", a, 1, T + 15 * D, T + 40 * D, 0);
    assert_int_equal(redeem(db, "r2", a, 300, T + 20 * D, NULL), PATRON_EBALANCE);
    assert_msg("overdraft limit of 50");
    assert_int_equal(avail(db, a, T + 20 * D), 0);
    assert_int_equal(redeem(db, "r3", a, 50, T + 20 * D, NULL), PATRON_OK);
    assert_int_equal(avail(db, a, T + 20 * D), -50);
    assert_int_equal(avail(db, a, T + 40 * D), -49);
    check_ok(db);
}

/* ---- the check catches each history if it were written again ------------- */

static void test_check_catches_bug1_history(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001");
    set_policy(db, 0, 0, 100);
    earn(db, "a1", a, 30, T + 10);
    assert_int_equal(redeem(db, "a2", a, 60, T + 20, NULL), PATRON_OK);
    assert_int_equal(redeem(db, "a3", a, 30, T + 15, NULL), PATRON_OK); /* -60 from T+20 */
    check_ok(db);
    forge_limit_history(db, 50);
    check_reports(db, "below minus the largest overdraft limit");
}

static void test_check_catches_bug2_history(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001"), b = member(db, "050-000-0002");
    earn(db, "b1", b, 250, T);
    merge(db, a, b, T + 20 * D);
    assert_int_equal(redeem(db, "a1", a, 49, T + 20 * D, NULL), PATRON_OK);
    check_ok(db);
    /* what the bug wrote: the survivor's debit, dated before the merge,
     * took the merged lot */
    assert_int_equal(patron__sql_run(db, "UPDATE postings SET at = ?1, effective_at = ?1 WHERE key = 'a1'", "i",
                                     T + 10 * D),
                     PATRON_OK);
    check_reports(db, "below minus the largest overdraft limit");
    /* under a generous overdraft the balance is allowed; the lot still
     * moved before the merge gave it to the survivor */
    forge_limit_history(db, 1000);
    check_reports(db, "lot moved before its member had it");
}

static void test_check_catches_bug3_history(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001");
    earn_x(db, "e", a, 250, T, 0, T + 20 * D);
    int64_t r = 0;
    assert_int_equal(redeem(db, "r", a, 50, T + D, &r), PATRON_OK);
    assert_int_equal(reverse(db, "v", r, 0, T + 30 * D), PATRON_OK);
    check_ok(db);
    /* what the bug wrote: the restored points expire at the lot's expiry */
    assert_int_equal(patron__sql_run(db, "UPDATE postings SET effective_at = ?1 WHERE kind = 3 AND effective_at = ?2",
                                     "ii", T + 20 * D, T + 30 * D),
                     PATRON_OK);
    check_reports(db, "below minus the largest overdraft limit");
    /* with a generous overdraft the balance rule allows -50, but the lot
     * did not hold what its expiry removed */
    forge_limit_history(db, 1000);
    check_reports(db, "expire posting removes more than its lot held");
}

static void test_check_catches_bug4_history(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001"), b = member(db, "050-000-0002");
    earn_x(db, "b1", b, 100, T, 0, T + 30 * D);
    merge(db, a, b, T + 20 * D);
    assert_int_equal(patron_ledger_expire(db, NULL, NULL, T + 31 * D), PATRON_OK);
    check_ok(db);
    /* what the bug wrote: the merged lot expired on the survivor before
     * the merge */
    sql(db, "UPDATE lots SET expires_at = 1768089600"); /* T + 10 D */
    assert_int_equal(patron__sql_run(db, "UPDATE postings SET effective_at = ?1 WHERE kind = 3", "i", T + 10 * D),
                     PATRON_OK);
    check_reports(db, "below minus the largest overdraft limit");
    forge_limit_history(db, 1000);
    check_reports(db, "lot moved before its member had it");
}

static void test_check_catches_bug5_history(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001");
    set_policy(db, 0, 0, 300);
    earn(db, "e1", a, 300, T - D);
    assert_int_equal(redeem(db, "r1", a, 300, T, NULL), PATRON_OK);
    earn_x(db, "e2", a, 250, T, 0, T + 10 * D);
    earn_x(db, "e3", a, 1, T + 15 * D, T + 40 * D, 0);
    assert_int_equal(redeem(db, "r2", a, 300, T + 20 * D, NULL), PATRON_OK); /* -300 */
    check_ok(db);
    forge_limit_history(db, 50);
    check_reports(db, "below minus the largest overdraft limit");
}

/* The limit bound is the largest limit ever set: lowering the limit keeps
 * the history valid; debt handed over by a merge may go beyond it. */
static void test_check_limit_history(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001"), b = member(db, "050-000-0002");
    set_policy(db, 0, 0, 80);
    assert_int_equal(redeem(db, "a1", a, 80, T, NULL), PATRON_OK);
    assert_int_equal(redeem(db, "b1", b, 80, T, NULL), PATRON_OK);
    set_policy(db, 0, 0, 0);
    check_ok(db);
    merge(db, a, b, T + D);
    assert_int_equal(avail(db, a, T + D), -160);
    check_ok(db);
    /* a debit dated anywhere before would lower -160 further */
    set_policy(db, 0, 0, 200);
    assert_int_equal(redeem(db, "a2", a, 10, T + 2 * D, NULL), PATRON_OK);
    assert_int_equal(redeem(db, "a3", a, 40, T, NULL), PATRON_EBALANCE);
    check_ok(db);
}

/* ---- the rules the guide decides --------------------------------------- */

static void test_rule_maturity_and_expiry(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001");
    patron_posting_request r = pt_posting("x1", a, 10, T);
    r.mature_at = T - 1;
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_EINVAL);
    r.mature_at = T + D;
    r.expires_at = T + D;
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_EINVAL);
    /* a one-month expiry with a 30-day hold in February: counted from the
     * maturity (2026-03-03) instead, so until 2026-04-03 */
    set_policy(db, 1, 0, 0);
    int64_t feb = T + 31 * D; /* 2026-02-01 */
    earn_x(db, "x2", a, 10, feb, feb + 30 * D, 0);
    assert_int_equal(avail(db, a, feb + 29 * D), 0);
    assert_int_equal(avail(db, a, feb + 30 * D), 10);
    assert_int_equal(avail(db, a, T + 92 * D - 1), 10); /* 2026-04-03 00:00 is T + 92 D */
    assert_int_equal(avail(db, a, T + 92 * D), 0);
    check_ok(db);
}

static void test_rule_expiry_before_negative_adjust(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001");
    earn_x(db, "e1", a, 100, T, 0, T + 10 * D);
    earn(db, "e2", a, 50, T + 1);
    assert_int_equal(adjust(db, "j", a, -10, T + 20 * D), PATRON_OK);
    assert_int_equal(q1(db, "SELECT count(*) FROM postings WHERE kind = 3 AND member_id = ?", a), 1);
    assert_int_equal(q1(db, "SELECT at FROM postings WHERE kind = 3 AND member_id = ?", a), T + 20 * D);
    assert_int_equal(bal(db, a, T + 15 * D).expired_unposted, 0);
    assert_int_equal(avail(db, a, T + 20 * D), 40);
    check_ok(db);
}

static void test_rule_expire_run_keeps_past_available(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001");
    earn_x(db, "e1", a, 100, T, 0, T + 10 * D);
    patron_balance before = bal(db, a, T + 15 * D);
    assert_int_equal(before.available, 0);
    assert_int_equal(before.expired_unposted, 100);
    patron_statement *s = NULL;
    assert_int_equal(patron_ledger_statement(db, &s, a, T, T + 20 * D), PATRON_OK);
    int64_t closing = patron_statement_closing(s);
    patron_statement_free(s);
    assert_int_equal(patron_ledger_expire(db, NULL, NULL, T + 20 * D), PATRON_OK);
    patron_balance after = bal(db, a, T + 15 * D);
    assert_int_equal(after.available, 0);
    assert_int_equal(after.expired_unposted, 0);
    assert_int_equal(avail(db, a, T + 9 * D), 100);
    /* statements list by recording time: the run is in the period it ran in */
    assert_int_equal(patron_ledger_statement(db, &s, a, T, T + 20 * D), PATRON_OK);
    assert_int_equal(patron_statement_count(s), 1);
    assert_int_equal(patron_statement_closing(s), closing);
    patron_statement_free(s);
    assert_int_equal(patron_ledger_statement(db, &s, a, T + 20 * D, T + 21 * D), PATRON_OK);
    assert_int_equal(patron_statement_count(s), 1);
    assert_int_equal(patron_statement_get(s, 0)->kind, PATRON_POSTING_EXPIRE);
    assert_int_equal(patron_statement_get(s, 0)->effective_at, T + 10 * D);
    assert_int_equal(patron_statement_opening(s), 0);
    patron_statement_free(s);
    check_ok(db);
}

static void test_rule_pending_repays_at_maturity_and_returns(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001");
    set_policy(db, 0, 14 * D, 100);
    assert_int_equal(redeem(db, "r", a, 50, T, NULL), PATRON_OK);
    int64_t e = earn(db, "e", a, 80, T + D);
    patron_balance b = bal(db, a, T + 2 * D);
    assert_int_equal(b.available, -50);
    assert_int_equal(b.pending, 80);
    assert_int_equal(avail(db, a, T + 15 * D), 30);
    assert_int_equal(reverse(db, "v", e, 0, T + 3 * D), PATRON_OK);
    assert_int_equal(bal(db, a, T + 2 * D).pending, 80);
    assert_int_equal(bal(db, a, T + 3 * D).pending, 0);
    assert_int_equal(avail(db, a, T + 15 * D), -50);
    assert_int_equal(q1(db, "SELECT debt FROM accounts WHERE member_id = ?", a), 50);
    check_ok(db);
}

static void test_rule_partial_reversal_refills_unexpired_first(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001");
    earn(db, "e1", a, 100, T);                          /* never expires */
    earn_x(db, "e2", a, 100, T + 1, 0, T + 10 * D);     /* drawn last */
    int64_t r = 0;
    assert_int_equal(redeem(db, "r", a, 150, T + 2 * D, &r), PATRON_OK);
    assert_int_equal(reverse(db, "v1", r, 50, T + 20 * D), PATRON_OK);
    assert_int_equal(avail(db, a, T + 20 * D), 50);
    /* the rest goes into the expired lot and expires at once */
    assert_int_equal(reverse(db, "v2", r, 0, T + 21 * D), PATRON_OK);
    assert_int_equal(avail(db, a, T + 21 * D), 100);
    assert_int_equal(q1(db, "SELECT -points FROM postings WHERE kind = 3 AND at = ?", T + 21 * D), 50);
    check_ok(db);
}

static void test_rule_reversal_forgives_pooled_debt(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001");
    set_policy(db, 0, 0, 100);
    int64_t r1 = 0;
    assert_int_equal(redeem(db, "r1", a, 30, T, &r1), PATRON_OK);
    earn(db, "e", a, 30, T + 1); /* repays r1's debt */
    assert_int_equal(redeem(db, "r2", a, 50, T + 2, NULL), PATRON_OK);
    assert_int_equal(reverse(db, "v", r1, 0, T + 3), PATRON_OK);
    assert_int_equal(avail(db, a, T + 3), -20);
    assert_int_equal(q1(db, "SELECT debt FROM accounts WHERE member_id = ?", a), 20);
    assert_int_equal(q1(db, "SELECT count(*) FROM lots WHERE member_id = ?", a), 0);
    check_ok(db);
}

static void test_rule_fifo_transferred_by_earning_time(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001"), b = member(db, "050-000-0002");
    earn_x(db, "a1", a, 40, T, 0, T + 5 * D);
    earn_x(db, "a2", a, 60, T + 1, 0, T + 20 * D);
    earn(db, "b1", b, 100, T + D);
    assert_int_equal(transfer(db, "t", a, b, 100, T + 2 * D), PATRON_OK);
    assert_int_equal(avail(db, b, T + D), 100); /* not usable before the transfer */
    assert_int_equal(redeem(db, "b2", b, 100, T + 3 * D, NULL), PATRON_OK);
    /* the transferred points (earned earlier) went first; b's own stay */
    assert_int_equal(avail(db, b, T + 30 * D), 100);
    assert_int_equal(redeem(db, "b3", b, 10, T + 3 * D - 1, NULL), PATRON_OK); /* from b's own lot */
    assert_int_equal(transfer(db, "t2", a, b, 1, T + 2 * D), PATRON_EBALANCE);
    check_ok(db);
}

static void test_rule_reverse_member_must_match(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001"), b = member(db, "050-000-0002"), c = member(db, "050-000-0003");
    int64_t e = earn(db, "e", a, 100, T);
    patron_posting_request r = pt_posting("v", b, 10, T + 1);
    r.target = e;
    assert_int_equal(patron_ledger_reverse(db, NULL, &r), PATRON_EINVAL);
    assert_msg("belongs to member");
    merge(db, a, c, T + 2);
    r.member_id = c; /* resolves to a */
    r.at = T + 3;
    assert_int_equal(patron_ledger_reverse(db, NULL, &r), PATRON_OK);
    r.key = "v0";
    r.member_id = 0;
    assert_int_equal(patron_ledger_reverse(db, NULL, &r), PATRON_OK);
    /* not before the posting it reverses */
    r.key = "v2";
    r.at = T - 1;
    assert_int_equal(patron_ledger_reverse(db, NULL, &r), PATRON_EINVAL);
    assert_int_equal(avail(db, a, T + 3), 80);
    check_ok(db);
}

static void test_rule_reversing_expired_earn(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001"), b = member(db, "050-000-0002");
    int64_t e = earn_x(db, "e1", a, 100, T, 0, T + 10 * D);
    earn(db, "e2", a, 50, T + 1);
    assert_int_equal(reverse(db, "v", e, 0, T + 20 * D), PATRON_ECONFLICT);
    assert_msg("already fully reversed or expired");
    assert_int_equal(avail(db, a, T + 20 * D), 50);
    check_ok(db);
    (void)b;
}

static void test_rule_expired_share_of_earn(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001");
    int64_t e = earn_x(db, "e1", a, 100, T, 0, T + 10 * D);
    earn(db, "e2", a, 100, T + 1);
    assert_int_equal(redeem(db, "r", a, 60, T + D, NULL), PATRON_OK); /* 60 from e1; 40 of e1 expire */
    assert_int_equal(reverse(db, "v1", e, 61, T + 20 * D), PATRON_EINVAL);
    assert_int_equal(reverse(db, "v2", e, 0, T + 20 * D), PATRON_OK);
    assert_int_equal(avail(db, a, T + 20 * D), 40);
    check_ok(db);
}

static void test_rule_transfer_in_repays_debt(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001"), b = member(db, "050-000-0002");
    set_policy(db, 0, 0, 100);
    assert_int_equal(redeem(db, "b1", b, 30, T, NULL), PATRON_OK);
    earn_x(db, "a1", a, 100, T, 0, T + 10 * D);
    assert_int_equal(transfer(db, "t", a, b, 100, T + D), PATRON_OK);
    assert_int_equal(q1(db, "SELECT debt FROM accounts WHERE member_id = ?", b), 0);
    assert_int_equal(avail(db, b, T + D), 70);
    assert_int_equal(avail(db, b, T + 11 * D), 0); /* 70 expire, no debt left */
    check_ok(db);
}

static void test_rule_retry_after_merge_replays(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-000-0001"), b = member(db, "050-000-0002");
    earn(db, "e", a, 100, T);
    patron_posting_request r = pt_posting("t", a, 40, T + 1);
    r.target = b;
    patron_posting_result first, again;
    assert_int_equal(patron_ledger_transfer(db, &first, &r), PATRON_OK);
    merge(db, a, b, T + 2);
    r.at = T + 3;
    assert_int_equal(patron_ledger_transfer(db, &again, &r), PATRON_OK);
    assert_int_equal(again.replayed, 1);
    assert_int_equal(again.posting_id, first.posting_id);
    r.key = "t2";
    assert_int_equal(patron_ledger_transfer(db, NULL, &r), PATRON_EINVAL);
    assert_int_equal(avail(db, a, T + 3), 100);
    check_ok(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_bug1_backdated_debit_past_limit, teardown),
        cmocka_unit_test_teardown(test_bug2_backdated_debit_spends_merged_points, teardown),
        cmocka_unit_test_teardown(test_bug3_reversal_into_expired_lot, teardown),
        cmocka_unit_test_teardown(test_bug4_merge_of_expired_unposted_lot, teardown),
        cmocka_unit_test_teardown(test_bug5_expired_points_not_counted_with_later_maturity, teardown),
        cmocka_unit_test_teardown(test_check_catches_bug1_history, teardown),
        cmocka_unit_test_teardown(test_check_catches_bug2_history, teardown),
        cmocka_unit_test_teardown(test_check_catches_bug3_history, teardown),
        cmocka_unit_test_teardown(test_check_catches_bug4_history, teardown),
        cmocka_unit_test_teardown(test_check_catches_bug5_history, teardown),
        cmocka_unit_test_teardown(test_check_limit_history, teardown),
        cmocka_unit_test_teardown(test_rule_maturity_and_expiry, teardown),
        cmocka_unit_test_teardown(test_rule_expiry_before_negative_adjust, teardown),
        cmocka_unit_test_teardown(test_rule_expire_run_keeps_past_available, teardown),
        cmocka_unit_test_teardown(test_rule_pending_repays_at_maturity_and_returns, teardown),
        cmocka_unit_test_teardown(test_rule_partial_reversal_refills_unexpired_first, teardown),
        cmocka_unit_test_teardown(test_rule_reversal_forgives_pooled_debt, teardown),
        cmocka_unit_test_teardown(test_rule_fifo_transferred_by_earning_time, teardown),
        cmocka_unit_test_teardown(test_rule_reverse_member_must_match, teardown),
        cmocka_unit_test_teardown(test_rule_reversing_expired_earn, teardown),
        cmocka_unit_test_teardown(test_rule_expired_share_of_earn, teardown),
        cmocka_unit_test_teardown(test_rule_transfer_in_repays_debt, teardown),
        cmocka_unit_test_teardown(test_rule_retry_after_merge_replays, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
