/* Negative balances in the points ledger (patron_ledger_policy::overdraft_limit):
 * policy validation, redemptions and reversals into the overdraft, the
 * limit, repayment from the next credit and at the next debit, transfers,
 * reversing overdrawn redemptions, merges of members in debt, and a
 * randomized model test. Every scenario ends with patron_ledger_check(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal/store.h"
#include "patron.h"
#include "store_support.h"

#define T0 1700000000
#define DAY 86400

/* ---- helpers (as in test_ledger.c) ----------------------------------------- */

/* What a test opened or allocated, released by the teardown also when an
 * assertion failed (so a failing test does not show up as a leak). */
#define MAX_HELD 4
static patron_db *held_db[MAX_HELD];
static void *held_mem[MAX_HELD];
static char held_path[MAX_HELD][256];

static patron_db *open_file(const char *path)
{
    patron_db *db = NULL;
    assert_int_equal(patron_open(&db, path, NULL), PATRON_OK);
    for (int i = 0; i < MAX_HELD; i++)
        if (!held_db[i]) {
            held_db[i] = db;
            return db;
        }
    fail_msg("too many open stores");
    return NULL;
}

static void close_db(patron_db *db)
{
    for (int i = 0; i < MAX_HELD; i++)
        if (held_db[i] == db)
            held_db[i] = NULL;
    patron_close(db);
}

static void *hold_mem(void *p)
{
    assert_non_null(p);
    for (int i = 0; i < MAX_HELD; i++)
        if (!held_mem[i]) {
            held_mem[i] = p;
            return p;
        }
    fail_msg("too many allocations");
    return NULL;
}

/* A fresh store file name, removed by the teardown. */
static const char *temp_store(const char *tag)
{
    for (int i = 0; i < MAX_HELD; i++)
        if (!held_path[i][0]) {
            snprintf(held_path[i], sizeof held_path[i], "/tmp/patron_test_overdraft_%s_%ld.db", tag, (long)getpid());
            pt_remove_store(held_path[i]);
            return held_path[i];
        }
    fail_msg("too many store files");
    return NULL;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < MAX_HELD; i++) {
        if (held_db[i])
            patron_close(held_db[i]);
        held_db[i] = NULL;
        free(held_mem[i]);
        held_mem[i] = NULL;
        if (held_path[i][0])
            pt_remove_store(held_path[i]);
        held_path[i][0] = 0;
    }
    return 0;
}

static patron_db *open_db(void)
{
    patron_db *db = open_file(":memory:");
    assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
    return db;
}

static int64_t member(patron_db *db, const char *phone)
{
    return pt_member(db, phone, "none", T0);
}

static int64_t q(patron_db *db, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(patron__sql_int(db, &n, 0, sql, ""), PATRON_OK);
    return n;
}

static int64_t q1(patron_db *db, const char *sql, int64_t arg)
{
    int64_t n = -1;
    assert_int_equal(patron__sql_int(db, &n, 0, sql, "i", arg), PATRON_OK);
    return n;
}

static int64_t npostings(patron_db *db)
{
    return q(db, "SELECT count(*) FROM postings");
}

/* The stored debt of (resolved, active) member m. */
static int64_t debt(patron_db *db, int64_t m)
{
    return q1(db, "SELECT debt FROM accounts WHERE member_id = ?", m);
}

static int64_t pend(patron_db *db, int64_t m, int64_t at)
{
    patron_balance b;
    assert_int_equal(patron_ledger_balance(db, &b, m, at), PATRON_OK);
    return b.pending;
}

static patron_posting_request adj(const char *key, int64_t m, int64_t points, int64_t at)
{
    patron_posting_request r = pt_posting(key, m, points, at);
    r.reason = "correction";
    r.operator_name = "ops";
    return r;
}

static void set_limit(patron_db *db, int64_t limit)
{
    patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
    pol.overdraft_limit = limit;
    assert_int_equal(patron_ledger_set_policy(db, &pol), PATRON_OK);
}

static void earn(patron_db *db, patron_posting_result *res, const char *key, int64_t m, int64_t points, int64_t at)
{
    patron_posting_request r = pt_posting(key, m, points, at);
    patron_posting_result tmp;
    assert_int_equal(patron_ledger_earn(db, res ? res : &tmp, &r), PATRON_OK);
}

static int redeem(patron_db *db, patron_posting_result *res, const char *key, int64_t m, int64_t points, int64_t at)
{
    patron_posting_request r = pt_posting(key, m, points, at);
    return patron_ledger_redeem(db, res, &r);
}

static int reverse(patron_db *db, patron_posting_result *res, const char *key, int64_t target, int64_t points,
                   int64_t at)
{
    patron_posting_request r = pt_posting(key, 0, points, at);
    r.target = target;
    return patron_ledger_reverse(db, res, &r);
}

static void assert_limit_message(void)
{
    assert_non_null(strstr(patron_errmsg(), "overdraft limit"));
}

static void check_ok(patron_db *db)
{
    patron_ledger_report rep = {0, 0, 0, -1};
    int rc = patron_ledger_check(db, &rep);
    if (rc != PATRON_OK)
        print_error("patron_ledger_check: %s\n", patron_errmsg());
    assert_int_equal(rc, PATRON_OK);
    assert_int_equal(rep.problems, 0);
}

/* ---- 1. policy ---------------------------------------------------------- */

static void test_policy_validation_and_round_trip(void **state)
{
    (void)state;
    patron_db *db = open_db();
    patron_ledger_policy got = PATRON_LEDGER_POLICY_INIT;
    got.overdraft_limit = 99;
    assert_int_equal(patron_ledger_get_policy(db, &got), PATRON_OK);
    assert_int_equal(got.overdraft_limit, 0); /* default: never negative */

    patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
    pol.expiry_months = 12;
    pol.expiry_end_of_month = 1;
    pol.hold_seconds = 3 * DAY;
    pol.overdraft_limit = 500;
    assert_int_equal(patron_ledger_set_policy(db, &pol), PATRON_OK);

    /* out of range: EINVAL, the stored policy stays */
    const int64_t bad[] = {-1, -500, INT64_MIN, PATRON_OVERDRAFT_MAX + 1, INT64_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        patron_ledger_policy b = pol;
        b.overdraft_limit = bad[i];
        b.hold_seconds = DAY; /* would change too if accepted */
        assert_int_equal(patron_ledger_set_policy(db, &b), PATRON_EINVAL);
        assert_non_null(strstr(patron_errmsg(), "overdraft_limit"));
    }
    got = (patron_ledger_policy)PATRON_LEDGER_POLICY_INIT;
    assert_int_equal(patron_ledger_get_policy(db, &got), PATRON_OK);
    assert_int_equal(got.expiry_months, 12);
    assert_int_equal(got.expiry_end_of_month, 1);
    assert_int_equal(got.hold_seconds, 3 * DAY);
    assert_int_equal(got.overdraft_limit, 500);

    /* the bounds are accepted */
    pol.overdraft_limit = PATRON_OVERDRAFT_MAX;
    assert_int_equal(patron_ledger_set_policy(db, &pol), PATRON_OK);
    assert_int_equal(patron_ledger_get_policy(db, &got), PATRON_OK);
    assert_int_equal(got.overdraft_limit, PATRON_OVERDRAFT_MAX);
    pol.overdraft_limit = 0;
    assert_int_equal(patron_ledger_set_policy(db, &pol), PATRON_OK);
    assert_int_equal(patron_ledger_get_policy(db, &got), PATRON_OK);
    assert_int_equal(got.overdraft_limit, 0);
    pol.overdraft_limit = 1;
    assert_int_equal(patron_ledger_set_policy(db, &pol), PATRON_OK);

    /* a caller built before overdraft_limit existed: the shorter struct gets
     * the fields it has, and nothing past its size is written */
    const size_t v1 = offsetof(patron_ledger_policy, overdraft_limit);
    patron_ledger_policy old;
    memset(&old, 0xAB, sizeof old);
    old.size = (uint32_t)v1;
    assert_int_equal(patron_ledger_get_policy(db, &old), PATRON_OK);
    assert_int_equal(old.size, v1);
    assert_int_equal(old.expiry_months, 12);
    assert_int_equal(old.expiry_end_of_month, 1);
    assert_int_equal(old.hold_seconds, 3 * DAY);
    int64_t untouched;
    memset(&untouched, 0xAB, sizeof untouched);
    assert_memory_equal(&old.overdraft_limit, &untouched, sizeof untouched);
    /* smaller than the oldest layout, or no struct at all: EINVAL */
    patron_ledger_policy tiny = PATRON_LEDGER_POLICY_INIT;
    tiny.size = (uint32_t)v1 - 1;
    assert_int_equal(patron_ledger_get_policy(db, &tiny), PATRON_EINVAL);
    tiny.size = 0;
    assert_int_equal(patron_ledger_get_policy(db, &tiny), PATRON_EINVAL);
    assert_int_equal(patron_ledger_get_policy(db, NULL), PATRON_EINVAL);
    assert_int_equal(patron_ledger_set_policy(db, NULL), PATRON_EINVAL);
    /* a newer caller's struct with an unknown non-zero tail is refused */
    struct {
        patron_ledger_policy p;
        int64_t future;
    } newer;
    memset(&newer, 0, sizeof newer);
    newer.p = pol;
    newer.p.size = (uint32_t)sizeof newer;
    newer.future = 1;
    assert_int_equal(patron_ledger_set_policy(db, &newer.p), PATRON_EUNSUPPORTED);
    newer.future = 0;
    newer.p.overdraft_limit = 7;
    assert_int_equal(patron_ledger_set_policy(db, &newer.p), PATRON_OK);
    assert_int_equal(patron_ledger_get_policy(db, &got), PATRON_OK);
    assert_int_equal(got.overdraft_limit, 7);
    check_ok(db);
    close_db(db);
}

/* patron_ledger_set_policy() from a caller built before overdraft_limit was
 * appended (its struct is the 0.1.0 baseline size, abi/libpatron.abi: 192
 * bits): it must still be able to set the fields it has. */
static void test_set_policy_old_size_struct(void **state)
{
    (void)state;
    patron_db *db = open_db();
    const size_t v1 = offsetof(patron_ledger_policy, overdraft_limit);
    patron_ledger_policy old;
    memset(&old, 0, sizeof old);
    old.size = (uint32_t)v1;
    old.expiry_months = 6;
    old.hold_seconds = DAY;
    old.overdraft_limit = 12345; /* past the caller's struct: must not be read */
    int rc = patron_ledger_set_policy(db, &old);
    if (rc != PATRON_OK)
        print_error("set_policy(old size %zu): %s\n", v1, patron_errmsg());
    assert_int_equal(rc, PATRON_OK);
    patron_ledger_policy got = PATRON_LEDGER_POLICY_INIT;
    assert_int_equal(patron_ledger_get_policy(db, &got), PATRON_OK);
    assert_int_equal(got.expiry_months, 6);
    assert_int_equal(got.hold_seconds, DAY);
    assert_true(got.overdraft_limit != 12345);
    close_db(db);
}

/* The limit is stored with the policy: it survives reopening the store, and a
 * store written before overdrafts ("months eom hold") reads as limit 0. */
static void test_policy_persists(void **state)
{
    (void)state;
    const char *path = temp_store("persist");
    patron_db *db = open_file(path);
    assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
    int64_t m = member(db, "050-123-4567");
    set_limit(db, 123);
    close_db(db);

    db = open_file(path);
    patron_ledger_policy got = PATRON_LEDGER_POLICY_INIT;
    assert_int_equal(patron_ledger_get_policy(db, &got), PATRON_OK);
    assert_int_equal(got.overdraft_limit, 123);
    assert_int_equal(redeem(db, NULL, "r1", m, 123, T0), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0), -123);
    assert_int_equal(redeem(db, NULL, "r2", m, 1, T0), PATRON_EBALANCE);
    /* an older store's policy: three fields */
    assert_int_equal(patron__setting_set(db, "ledger_policy", "0 0 0"), PATRON_OK);
    close_db(db);

    db = open_file(path);
    got.overdraft_limit = 99;
    assert_int_equal(patron_ledger_get_policy(db, &got), PATRON_OK);
    assert_int_equal(got.overdraft_limit, 0);
    assert_int_equal(redeem(db, NULL, "r3", m, 1, T0), PATRON_EBALANCE);
    earn(db, NULL, "e1", m, 200, T0 + 1);
    assert_int_equal(pt_available(db, m, T0 + 1), 77);
    assert_int_equal(debt(db, m), 0);
    check_ok(db);
    close_db(db);
}

/* ---- 2. redeem into the overdraft ---------------------------------------- */

static void test_redeem_into_overdraft(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    earn(db, NULL, "e1", m, 100, T0);

    /* L = 0 (the default): never negative */
    int64_t before = npostings(db);
    assert_int_equal(redeem(db, NULL, "r0", m, 101, T0 + 1), PATRON_EBALANCE);
    assert_null(strstr(patron_errmsg(), "overdraft limit"));
    assert_int_equal(npostings(db), before);
    assert_int_equal(pt_available(db, m, T0 + 1), 100);

    set_limit(db, 100);
    patron_posting_result res;
    assert_int_equal(redeem(db, &res, "r1", m, 130, T0 + 1), PATRON_OK);
    assert_int_equal(res.points, -130);
    assert_int_equal(res.replayed, 0);
    int64_t r1 = res.posting_id;
    assert_int_equal(pt_available(db, m, T0 + 1), -30);
    assert_int_equal(pt_available(db, m, T0), 100); /* history unchanged */
    assert_int_equal(debt(db, m), 30);
    assert_int_equal(q1(db, "SELECT coalesce(sum(delta), 0) FROM moves WHERE posting_id = ? AND lot_id = 0", r1),
                     -30);

    /* a negative adjustment may go down to the limit exactly */
    patron_posting_request r = adj("a1", m, -70, T0 + 2);
    assert_int_equal(patron_ledger_adjust(db, &res, &r), PATRON_OK);
    assert_int_equal(res.points, -70);
    assert_int_equal(pt_available(db, m, T0 + 2), -100);
    assert_int_equal(debt(db, m), 100);
    check_ok(db);

    /* statements open and close negative too */
    patron_statement *st = NULL;
    assert_int_equal(patron_ledger_statement(db, &st, m, T0 + 1, T0 + 3), PATRON_OK);
    assert_int_equal(patron_statement_count(st), 2);
    assert_int_equal(patron_statement_opening(st), 100);
    assert_int_equal(patron_statement_closing(st), -100);
    assert_int_equal(patron_statement_get(st, 0)->points, -130);
    assert_int_equal(patron_statement_get(st, 1)->kind, PATRON_POSTING_ADJUST);
    patron_statement_free(st);

    /* one more point is beyond the limit: refused, nothing changes */
    before = npostings(db);
    int64_t moves = q(db, "SELECT count(*) FROM moves");
    res = (patron_posting_result){7, 7, 7};
    assert_int_equal(redeem(db, &res, "r2", m, 1, T0 + 3), PATRON_EBALANCE);
    assert_limit_message();
    assert_int_equal(res.posting_id, 7);
    r = adj("a2", m, -1, T0 + 3);
    assert_int_equal(patron_ledger_adjust(db, NULL, &r), PATRON_EBALANCE);
    assert_limit_message();
    assert_int_equal(npostings(db), before);
    assert_int_equal(q(db, "SELECT count(*) FROM moves"), moves);
    assert_int_equal(pt_available(db, m, T0 + 3), -100);
    assert_int_equal(debt(db, m), 100);

    /* a replay of an overdrawn redemption returns the first result, even at the limit */
    assert_int_equal(redeem(db, &res, "r1", m, 130, T0 + 9), PATRON_OK);
    assert_int_equal(res.replayed, 1);
    assert_int_equal(res.posting_id, r1);
    assert_int_equal(res.points, -130);
    assert_int_equal(redeem(db, NULL, "r1", m, 131, T0 + 9), PATRON_ECONFLICT);
    assert_int_equal(npostings(db), before);

    /* a fresh member with nothing: straight into the overdraft; beyond the limit in one go is refused */
    int64_t n = member(db, "050-765-4321");
    assert_int_equal(redeem(db, NULL, "n1", n, 101, T0), PATRON_EBALANCE);
    assert_limit_message();
    assert_int_equal(redeem(db, NULL, "n1", n, 100, T0), PATRON_OK);
    assert_int_equal(pt_available(db, n, T0), -100);
    assert_int_equal(pt_available(db, m, T0 + 3), -100);

    /* lowering the limit below an existing debt: further debits refused, credits fine */
    set_limit(db, 50);
    assert_int_equal(redeem(db, NULL, "n2", n, 1, T0 + 1), PATRON_EBALANCE);
    earn(db, NULL, "n3", n, 40, T0 + 2);
    assert_int_equal(pt_available(db, n, T0 + 2), -60);
    assert_int_equal(redeem(db, NULL, "n4", n, 1, T0 + 3), PATRON_EBALANCE);
    earn(db, NULL, "n5", n, 10, T0 + 4);
    assert_int_equal(redeem(db, NULL, "n6", n, 1, T0 + 5), PATRON_EBALANCE); /* -51 */
    earn(db, NULL, "n7", n, 1, T0 + 6);
    assert_int_equal(redeem(db, NULL, "n8", n, 1, T0 + 7), PATRON_OK); /* -50 */
    assert_int_equal(pt_available(db, n, T0 + 7), -50);
    /* limit 0 again: no debit while in debt; the error has no limit to name */
    set_limit(db, 0);
    assert_int_equal(redeem(db, NULL, "n9", n, 1, T0 + 8), PATRON_EBALANCE);
    assert_null(strstr(patron_errmsg(), "overdraft limit"));
    assert_int_equal(pt_available(db, n, T0 + 8), -50);

    /* invalid requests are still invalid */
    set_limit(db, 100);
    assert_int_equal(redeem(db, NULL, "x", m, 0, T0 + 9), PATRON_EINVAL);
    assert_int_equal(redeem(db, NULL, "x", m, -5, T0 + 9), PATRON_EINVAL);
    assert_int_equal(redeem(db, NULL, "x", 999, 5, T0 + 9), PATRON_ENOTFOUND);
    check_ok(db);
    close_db(db);
}

/* ---- 3. refund after the points were spent ------------------------------- */

static void test_reverse_earn_into_overdraft(void **state)
{
    (void)state;
    patron_db *db = open_db();
    set_limit(db, 100);
    int64_t m = member(db, "050-123-4567");
    patron_posting_result e, res;
    earn(db, &e, "e1", m, 100, T0);
    assert_int_equal(redeem(db, NULL, "r1", m, 100, T0 + 1), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 1), 0);
    assert_int_equal(reverse(db, &res, "v1", e.posting_id, 0, T0 + 2), PATRON_OK);
    assert_int_equal(res.points, -100);
    assert_int_equal(pt_available(db, m, T0 + 2), -100);
    assert_int_equal(pt_available(db, m, T0 + 1), 0);
    assert_int_equal(debt(db, m), 100);
    assert_int_equal(reverse(db, NULL, "v2", e.posting_id, 0, T0 + 3), PATRON_ECONFLICT);
    check_ok(db);

    /* the limit does not cover it: EBALANCE naming the limit, nothing changes */
    set_limit(db, 50);
    int64_t n = member(db, "050-765-4321");
    earn(db, &e, "f1", n, 100, T0);
    assert_int_equal(redeem(db, NULL, "f2", n, 100, T0 + 1), PATRON_OK);
    int64_t before = npostings(db);
    assert_int_equal(reverse(db, NULL, "fv1", e.posting_id, 0, T0 + 2), PATRON_EBALANCE);
    assert_limit_message();
    assert_int_equal(reverse(db, NULL, "fv1", e.posting_id, 51, T0 + 2), PATRON_EBALANCE);
    assert_int_equal(npostings(db), before);
    assert_int_equal(pt_available(db, n, T0 + 2), 0);
    assert_int_equal(debt(db, n), 0);
    /* part of it fits */
    assert_int_equal(reverse(db, NULL, "fv1", e.posting_id, 50, T0 + 2), PATRON_OK);
    assert_int_equal(pt_available(db, n, T0 + 2), -50);
    assert_int_equal(reverse(db, NULL, "fv2", e.posting_id, 1, T0 + 3), PATRON_EBALANCE);
    assert_limit_message();
    /* the later points repay it, then the rest of the refund fits */
    earn(db, NULL, "f3", n, 50, T0 + 4);
    assert_int_equal(pt_available(db, n, T0 + 4), 0);
    assert_int_equal(debt(db, n), 0);
    assert_int_equal(reverse(db, NULL, "fv3", e.posting_id, 0, T0 + 5), PATRON_OK);
    assert_int_equal(pt_available(db, n, T0 + 5), -50);
    assert_int_equal(debt(db, n), 50);

    /* with L = 0 a refund of spent points is refused (as before overdrafts) */
    set_limit(db, 0);
    int64_t k = member(db, "050-111-2222");
    earn(db, &e, "g1", k, 10, T0);
    assert_int_equal(redeem(db, NULL, "g2", k, 10, T0 + 1), PATRON_OK);
    assert_int_equal(reverse(db, NULL, "gv", e.posting_id, 0, T0 + 2), PATRON_EBALANCE);
    assert_null(strstr(patron_errmsg(), "overdraft limit"));
    /* a positive adjustment reversed after it was spent: same rule */
    set_limit(db, 20);
    patron_posting_request r = adj("g3", k, 20, T0 + 3);
    assert_int_equal(patron_ledger_adjust(db, &res, &r), PATRON_OK);
    assert_int_equal(redeem(db, NULL, "g4", k, 20, T0 + 4), PATRON_OK);
    assert_int_equal(reverse(db, NULL, "g5", res.posting_id, 0, T0 + 5), PATRON_OK);
    assert_int_equal(pt_available(db, k, T0 + 5), -20);
    check_ok(db);
    close_db(db);
}

/* ---- 4. repayment ------------------------------------------------------- */

static void test_repayment_by_credits(void **state)
{
    (void)state;
    patron_db *db = open_db();
    set_limit(db, 100);
    int64_t m = member(db, "050-123-4567");
    earn(db, NULL, "e1", m, 100, T0);
    assert_int_equal(redeem(db, NULL, "r1", m, 150, T0 + 10), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 10), -50);
    assert_int_equal(debt(db, m), 50);

    /* an earn repays from its own points at once */
    patron_posting_result e2, e3, res;
    earn(db, &e2, "e2", m, 30, T0 + 20);
    assert_int_equal(pt_available(db, m, T0 + 20), -20);
    assert_int_equal(debt(db, m), 20);
    assert_int_equal(q1(db, "SELECT coalesce(sum(delta), 0) FROM moves WHERE posting_id = ? AND lot_id = 0",
                        e2.posting_id), 30);
    check_ok(db);

    /* a pending earn (matures in 10 days) repays the rest now */
    patron_posting_request r = pt_posting("e3", m, 50, T0 + 30);
    r.mature_at = T0 + 10 * DAY;
    assert_int_equal(patron_ledger_earn(db, &e3, &r), PATRON_OK);
    assert_int_equal(debt(db, m), 0);
    assert_int_equal(pt_available(db, m, T0 + 30), -20);
    assert_int_equal(pend(db, m, T0 + 30), 50);
    assert_int_equal(pt_available(db, m, T0 + 10 * DAY - 1), -20);
    assert_int_equal(pt_available(db, m, T0 + 10 * DAY), 30);
    assert_int_equal(pend(db, m, T0 + 10 * DAY), 0);
    assert_int_equal(pt_available(db, m, T0 + 5), 100); /* history */
    assert_int_equal(pt_available(db, m, T0 + 15), -50);
    assert_int_equal(pt_available(db, m, T0 + 25), -20);
    check_ok(db);

    /* after maturity: the 30 left of the pending earn are spent, then overdraft again */
    assert_int_equal(redeem(db, &res, "r2", m, 31, T0 + 11 * DAY), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 11 * DAY), -1);
    assert_int_equal(debt(db, m), 1);
    assert_int_equal(q1(db, "SELECT coalesce(sum(delta), 0) FROM moves WHERE posting_id = ? AND lot_id = 0",
                        res.posting_id), -1);
    assert_int_equal(q1(db, "SELECT coalesce(sum(delta), 0) FROM moves WHERE posting_id = ? AND lot_id != 0",
                        res.posting_id), -30);
    /* a positive adjustment repays as well */
    r = adj("a1", m, 10, T0 + 12 * DAY);
    assert_int_equal(patron_ledger_adjust(db, NULL, &r), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 12 * DAY), 9);
    assert_int_equal(debt(db, m), 0);
    assert_int_equal(redeem(db, NULL, "r3", m, 9, T0 + 12 * DAY), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 12 * DAY), 0);
    check_ok(db);
    close_db(db);
}

/* A debit first repays outstanding debt from available lots (lots and a debt
 * side by side: here after a redemption was given back). */
static void test_debit_repays_debt_first(void **state)
{
    (void)state;
    patron_db *db = open_db();
    set_limit(db, 100);
    int64_t m = member(db, "050-123-4567");
    patron_posting_result e1, r1, r3;
    earn(db, &e1, "e1", m, 100, T0);
    assert_int_equal(redeem(db, &r1, "r1", m, 60, T0 + 1), PATRON_OK);
    assert_int_equal(redeem(db, NULL, "r2", m, 80, T0 + 2), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 2), -40);
    assert_int_equal(debt(db, m), 40);
    /* r1's points go back into the lot they came from; the debt stays */
    assert_int_equal(reverse(db, NULL, "v1", r1.posting_id, 0, T0 + 3), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 3), 20);
    assert_int_equal(debt(db, m), 40);
    check_ok(db);
    /* the next debit settles the 40 from the lot, then takes its own 20 */
    assert_int_equal(redeem(db, &r3, "r3", m, 20, T0 + 4), PATRON_OK);
    assert_int_equal(debt(db, m), 0);
    assert_int_equal(pt_available(db, m, T0 + 4), 0);
    assert_int_equal(q1(db, "SELECT coalesce(sum(delta), 0) FROM moves WHERE posting_id = ? AND lot_id = 0",
                        r3.posting_id), 40);
    assert_int_equal(q1(db, "SELECT coalesce(sum(delta), 0) FROM moves WHERE posting_id = ? AND lot_id != 0",
                        r3.posting_id), -60);
    assert_int_equal(redeem(db, NULL, "r4", m, 1, T0 + 5), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 5), -1);
    check_ok(db);
    /* giving r3 back restores its own 20 into the lot (not the 40 it settled):
     * lots 20 and a debt of 1, a balance of 19 */
    int64_t before = npostings(db);
    set_limit(db, 0);
    patron_posting_result v;
    assert_int_equal(reverse(db, &v, "v2", r3.posting_id, 0, T0 + 6), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 6), 19);
    assert_int_equal(redeem(db, NULL, "r5", m, 20, T0 + 7), PATRON_EBALANCE);
    assert_non_null(strstr(patron_errmsg(), "19 points available"));
    assert_int_equal(npostings(db), before + 1);
    assert_int_equal(redeem(db, NULL, "r5", m, 19, T0 + 7), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 7), 0);
    assert_int_equal(debt(db, m), 0);
    check_ok(db);
    close_db(db);
}

/* ---- 5. transfers ------------------------------------------------------- */

static void test_transfer_never_overdraws(void **state)
{
    (void)state;
    patron_db *db = open_db();
    set_limit(db, 1000);
    int64_t a = member(db, "050-123-4567"), b = member(db, "050-765-4321"), c = member(db, "050-111-2222");
    patron_posting_request r = pt_posting("t0", a, 1, T0);
    r.target = b;
    int64_t before = npostings(db);
    assert_int_equal(patron_ledger_transfer(db, NULL, &r), PATRON_EBALANCE);
    assert_null(strstr(patron_errmsg(), "overdraft limit"));
    assert_int_equal(npostings(db), before);

    earn(db, NULL, "e1", a, 50, T0);
    r = pt_posting("t1", a, 51, T0 + 1);
    r.target = b;
    assert_int_equal(patron_ledger_transfer(db, NULL, &r), PATRON_EBALANCE);
    r.points = 50;
    assert_int_equal(patron_ledger_transfer(db, NULL, &r), PATRON_OK);
    assert_int_equal(pt_available(db, a, T0 + 1), 0);
    assert_int_equal(pt_available(db, b, T0 + 1), 50);
    r = pt_posting("t2", a, 1, T0 + 2);
    r.target = b;
    assert_int_equal(patron_ledger_transfer(db, NULL, &r), PATRON_EBALANCE);

    /* in debt: nothing to give */
    assert_int_equal(redeem(db, NULL, "r1", a, 20, T0 + 3), PATRON_OK);
    assert_int_equal(pt_available(db, a, T0 + 3), -20);
    before = npostings(db);
    r = pt_posting("t3", a, 1, T0 + 4);
    r.target = b;
    assert_int_equal(patron_ledger_transfer(db, NULL, &r), PATRON_EBALANCE);
    assert_int_equal(npostings(db), before);
    assert_int_equal(pt_available(db, a, T0 + 4), -20);
    assert_int_equal(pt_available(db, b, T0 + 4), 50);

    /* lots 100 and a debt of 30 (merged in): the balance, 70, is what can be given */
    earn(db, NULL, "e2", c, 100, T0 + 5);
    assert_int_equal(redeem(db, NULL, "r2", b, 80, T0 + 5), PATRON_OK); /* b: -30 */
    assert_int_equal(patron_profile_merge(db, c, b, T0 + 6, "ops", "duplicate"), PATRON_OK);
    assert_int_equal(pt_available(db, c, T0 + 6), 70);
    assert_int_equal(debt(db, c), 30);
    r = pt_posting("t4", c, 71, T0 + 7);
    r.target = a;
    before = npostings(db);
    assert_int_equal(patron_ledger_transfer(db, NULL, &r), PATRON_EBALANCE);
    assert_int_equal(npostings(db), before);
    r.points = 70;
    assert_int_equal(patron_ledger_transfer(db, NULL, &r), PATRON_OK);
    assert_int_equal(pt_available(db, c, T0 + 7), 0);
    assert_int_equal(debt(db, c), 0);
    assert_int_equal(pt_available(db, a, T0 + 7), 50);
    check_ok(db);
    close_db(db);
}

/* ---- 6. reversing an overdrawn redemption -------------------------------- */

static void test_reverse_overdrawn_redeem(void **state)
{
    (void)state;
    patron_db *db = open_db();
    set_limit(db, 100);

    /* fully, right away: the overdraft is forgiven, the lot refilled */
    int64_t m = member(db, "050-123-4567");
    patron_posting_result rd, res;
    earn(db, NULL, "e1", m, 100, T0);
    assert_int_equal(redeem(db, &rd, "r1", m, 150, T0 + 1), PATRON_OK);
    assert_int_equal(reverse(db, &res, "v1", rd.posting_id, 0, T0 + 2), PATRON_OK);
    assert_int_equal(res.points, 150);
    assert_int_equal(pt_available(db, m, T0 + 2), 100);
    assert_int_equal(debt(db, m), 0);
    assert_int_equal(q(db, "SELECT count(*) FROM lots"), 0); /* nothing was repaid: no new lot */
    assert_int_equal(redeem(db, NULL, "r2", m, 200, T0 + 3), PATRON_OK); /* the full limit is available again */
    assert_int_equal(pt_available(db, m, T0 + 3), -100);
    check_ok(db);

    /* partially, and after the debt was partly repaid */
    int64_t n = member(db, "050-765-4321");
    earn(db, NULL, "n1", n, 100, T0);
    assert_int_equal(redeem(db, &rd, "n2", n, 150, T0 + 1), PATRON_OK); /* lot 0, debt 50 */
    assert_int_equal(reverse(db, NULL, "nv1", rd.posting_id, 30, T0 + 2), PATRON_OK);
    assert_int_equal(pt_available(db, n, T0 + 2), -20);
    assert_int_equal(debt(db, n), 20); /* 30 of the overdraft forgiven */
    earn(db, NULL, "n3", n, 10, T0 + 3);
    assert_int_equal(pt_available(db, n, T0 + 3), -10);
    assert_int_equal(debt(db, n), 10);
    check_ok(db);
    /* 15 more: 10 still owed are forgiven, 5 already repaid come back as a new lot */
    assert_int_equal(reverse(db, &res, "nv2", rd.posting_id, 15, T0 + 4), PATRON_OK);
    assert_int_equal(res.points, 15);
    assert_int_equal(pt_available(db, n, T0 + 4), 5);
    assert_int_equal(debt(db, n), 0);
    assert_int_equal(q1(db, "SELECT coalesce(sum(initial), 0) FROM lots WHERE posting_id = ?", res.posting_id), 5);
    check_ok(db);
    /* the rest: 5 repaid points of the overdraft (new lot) and 100 into the earn's lot */
    assert_int_equal(reverse(db, &res, "nv3", rd.posting_id, 0, T0 + 5), PATRON_OK);
    assert_int_equal(res.points, 105);
    assert_int_equal(pt_available(db, n, T0 + 5), 110);
    assert_int_equal(debt(db, n), 0);
    assert_int_equal(reverse(db, NULL, "nv4", rd.posting_id, 0, T0 + 6), PATRON_ECONFLICT);
    assert_int_equal(pt_available(db, n, T0 + 1), -50); /* history */
    assert_int_equal(pt_available(db, n, T0 + 3), -10);
    /* the restored points are spendable, then the limit applies from zero */
    assert_int_equal(redeem(db, NULL, "n5", n, 210, T0 + 7), PATRON_OK);
    assert_int_equal(pt_available(db, n, T0 + 7), -100);
    assert_int_equal(redeem(db, NULL, "n6", n, 1, T0 + 7), PATRON_EBALANCE);
    check_ok(db);

    /* an overdrawn negative adjustment reversed after full repayment: a lot */
    int64_t k = member(db, "050-111-2222");
    patron_posting_request r = adj("k1", k, -40, T0);
    assert_int_equal(patron_ledger_adjust(db, &rd, &r), PATRON_OK);
    earn(db, NULL, "k2", k, 40, T0 + 1);
    assert_int_equal(pt_available(db, k, T0 + 1), 0);
    assert_int_equal(debt(db, k), 0);
    assert_int_equal(reverse(db, &res, "k3", rd.posting_id, 0, T0 + 2), PATRON_OK);
    assert_int_equal(pt_available(db, k, T0 + 2), 40);
    assert_int_equal(q1(db, "SELECT coalesce(sum(initial), 0) FROM lots WHERE posting_id = ?", res.posting_id), 40);
    assert_int_equal(redeem(db, NULL, "k4", k, 40, T0 + 3), PATRON_OK);
    assert_int_equal(pt_available(db, k, T0 + 3), 0);
    check_ok(db);
    close_db(db);
}

/* ---- 7. merge ----------------------------------------------------------- */

static void test_merge_moves_debt(void **state)
{
    (void)state;
    patron_db *db = open_db();
    set_limit(db, 100);
    int64_t a = member(db, "050-123-4567"), b = member(db, "050-765-4321");
    earn(db, NULL, "a1", a, 100, T0);
    earn(db, NULL, "b1", b, 20, T0);
    assert_int_equal(redeem(db, NULL, "b2", b, 70, T0 + 1), PATRON_OK);
    assert_int_equal(pt_available(db, b, T0 + 1), -50);
    int64_t before = npostings(db);
    assert_int_equal(patron_profile_merge(db, a, b, T0 + 2, "ops", "duplicate"), PATRON_OK);
    /* b had no open lot: just the pair of adjust postings for the debt */
    assert_int_equal(npostings(db), before + 2);
    assert_int_equal(q(db, "SELECT count(*) FROM postings WHERE kind = 4 AND points = 50"), 1);
    assert_int_equal(q(db, "SELECT count(*) FROM postings WHERE kind = 4 AND points = -50"), 1);
    assert_int_equal(q1(db, "SELECT count(*) FROM postings WHERE kind = 4 AND points = -50 AND member_id = ?", a), 1);
    assert_int_equal(pt_available(db, a, T0 + 2), 50);
    assert_int_equal(pt_available(db, b, T0 + 2), 50); /* the merged id reads the survivor */
    assert_int_equal(pt_available(db, a, T0 + 1), 100); /* history */
    assert_int_equal(debt(db, a), 50);
    assert_int_equal(debt(db, b), 0);
    check_ok(db);
    /* the survivor repays at its next debit and may then overdraw to the limit */
    assert_int_equal(redeem(db, NULL, "a2", b, 150, T0 + 3), PATRON_OK); /* a merged id resolves */
    assert_int_equal(pt_available(db, a, T0 + 3), -100);
    assert_int_equal(debt(db, a), 100);
    assert_int_equal(redeem(db, NULL, "a3", a, 1, T0 + 3), PATRON_EBALANCE);
    check_ok(db);

    /* both in debt: the survivor owes the sum, even beyond the limit */
    int64_t c = member(db, "050-111-2222"), d = member(db, "050-333-4444");
    assert_int_equal(redeem(db, NULL, "c1", c, 80, T0), PATRON_OK);
    earn(db, NULL, "d1", d, 30, T0);
    assert_int_equal(redeem(db, NULL, "d2", d, 100, T0 + 1), PATRON_OK);
    patron_posting_request pe = pt_posting("d3", d, 40, T0 + 1); /* pending lot of d, after its debt was repaid */
    pe.mature_at = T0 + 5 * DAY;
    assert_int_equal(patron_ledger_earn(db, NULL, &pe), PATRON_OK);
    assert_int_equal(debt(db, d), 30);
    assert_int_equal(pt_available(db, d, T0 + 5 * DAY), -30);
    assert_int_equal(patron_profile_merge(db, c, d, T0 + 2, "ops", NULL), PATRON_OK);
    assert_int_equal(pt_available(db, c, T0 + 5 * DAY), -110);
    assert_int_equal(pt_available(db, d, T0 + 5 * DAY), -110);
    assert_int_equal(debt(db, c), 110);
    check_ok(db);
    assert_int_equal(redeem(db, NULL, "c2", c, 1, T0 + 5 * DAY), PATRON_EBALANCE);
    assert_limit_message();
    earn(db, NULL, "c3", d, 20, T0 + 6 * DAY);
    assert_int_equal(pt_available(db, c, T0 + 6 * DAY), -90);
    assert_int_equal(redeem(db, NULL, "c4", c, 10, T0 + 6 * DAY), PATRON_OK);
    assert_int_equal(pt_available(db, c, T0 + 6 * DAY), -100);
    assert_int_equal(redeem(db, NULL, "c5", c, 1, T0 + 6 * DAY), PATRON_EBALANCE);
    check_ok(db);

    /* reversing a merged member's overdrawn redemption forgives the survivor's debt */
    patron_posting_result rd;
    int64_t e = member(db, "050-555-6666"), f = member(db, "050-777-8888");
    earn(db, NULL, "e1", e, 10, T0);
    assert_int_equal(redeem(db, &rd, "f1", f, 60, T0), PATRON_OK);
    assert_int_equal(patron_profile_merge(db, e, f, T0 + 1, "ops", NULL), PATRON_OK);
    assert_int_equal(pt_available(db, e, T0 + 1), -50);
    assert_int_equal(reverse(db, NULL, "f2", rd.posting_id, 0, T0 + 2), PATRON_OK);
    assert_int_equal(pt_available(db, e, T0 + 2), 10);
    assert_int_equal(pt_available(db, f, T0 + 2), 10);
    assert_int_equal(debt(db, e), 0);
    check_ok(db);
    close_db(db);
}

/* ---- the limit and pending points ---------------------------------------- */

/* Pending points repay a debt at once (that is the rule), but they are not
 * available before they mature: a redemption before maturity may not take
 * the balance patron_ledger_balance() reports below minus the limit
 * ("a redemption ... may then take the balance down to minus that limit";
 * patron_ledger_redeem: EBALANCE when "fewer points available at `at` than
 * needed, beyond what the policy's overdraft_limit allows"). */
static void test_pending_repayment_does_not_extend_limit(void **state)
{
    (void)state;
    patron_db *db = open_db();
    set_limit(db, 100);
    int64_t m = member(db, "050-123-4567");
    earn(db, NULL, "e1", m, 100, T0);
    assert_int_equal(redeem(db, NULL, "r1", m, 150, T0 + 1), PATRON_OK);
    patron_posting_request r = pt_posting("e2", m, 100, T0 + 2);
    r.mature_at = T0 + 10 * DAY;
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 2), -50);
    assert_int_equal(pend(db, m, T0 + 2), 100);
    /* 50 more reach the limit at T0 + 3 */
    assert_int_equal(redeem(db, NULL, "r2", m, 50, T0 + 3), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 3), -100);
    /* 50 more would show -150 until the pending points mature */
    int64_t before = npostings(db);
    int rc = redeem(db, NULL, "r3", m, 50, T0 + 4);
    if (rc == PATRON_OK)
        print_error("redeem r3 accepted: available at T0+4 is now %lld with overdraft_limit 100\n",
                    (long long)pt_available(db, m, T0 + 4));
    assert_int_equal(rc, PATRON_EBALANCE);
    assert_int_equal(npostings(db), before);
    assert_true(pt_available(db, m, T0 + 4) >= -100);
    check_ok(db);
    close_db(db);
}

/* A return inside the window of an earn whose (pending) points repaid a debt:
 * "takes effect at that same maturity time, so the balance never shows
 * them" — the balance before maturity is what it was before the earn. */
static void test_cancel_pending_earn_that_repaid_debt(void **state)
{
    (void)state;
    patron_db *db = open_db();
    set_limit(db, 100);
    int64_t m = member(db, "050-123-4567");
    patron_posting_result e2;
    earn(db, NULL, "e1", m, 100, T0);
    assert_int_equal(redeem(db, NULL, "r1", m, 150, T0 + 1), PATRON_OK);
    patron_posting_request r = pt_posting("e2", m, 100, T0 + 2);
    r.mature_at = T0 + 10 * DAY;
    assert_int_equal(patron_ledger_earn(db, &e2, &r), PATRON_OK);
    assert_int_equal(debt(db, m), 0);
    assert_int_equal(pt_available(db, m, T0 + 3), -50);
    int rc = reverse(db, NULL, "v1", e2.posting_id, 0, T0 + 3);
    assert_int_equal(rc, PATRON_OK);
    assert_int_equal(debt(db, m), 50); /* owed again */
    assert_int_equal(pt_available(db, m, T0 + 10 * DAY), -50);
    int64_t now = pt_available(db, m, T0 + 3);
    if (now != -50)
        print_error("after cancelling the pending earn: available at T0+3 = %lld (pending %lld), expected -50\n",
                    (long long)now, (long long)pend(db, m, T0 + 3));
    assert_int_equal(now, -50);
    assert_int_equal(pt_available(db, m, T0 + 10 * DAY - 1), -50);
    check_ok(db);
    close_db(db);
}

/* ---- bounds, batches, other handles --------------------------------------- */

static void test_limit_bounds(void **state)
{
    (void)state;
    patron_db *db = open_db();
    set_limit(db, PATRON_OVERDRAFT_MAX);
    int64_t m = member(db, "050-123-4567");
    assert_int_equal(redeem(db, NULL, "r0", m, PATRON_OVERDRAFT_MAX + 1, T0), PATRON_EBALANCE);
    assert_limit_message();
    assert_int_equal(redeem(db, NULL, "r0", m, INT64_MAX, T0), PATRON_EBALANCE);
    patron_posting_request r = adj("a0", m, -INT64_MAX, T0);
    assert_int_equal(patron_ledger_adjust(db, NULL, &r), PATRON_EBALANCE);
    assert_int_equal(npostings(db), 0);
    assert_int_equal(redeem(db, NULL, "r1", m, PATRON_OVERDRAFT_MAX, T0), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0), -PATRON_OVERDRAFT_MAX);
    assert_int_equal(debt(db, m), PATRON_OVERDRAFT_MAX);
    assert_int_equal(redeem(db, NULL, "r2", m, 1, T0 + 1), PATRON_EBALANCE);
    earn(db, NULL, "e1", m, PATRON_OVERDRAFT_MAX + 5, T0 + 2);
    assert_int_equal(pt_available(db, m, T0 + 2), 5);
    assert_int_equal(debt(db, m), 0);
    check_ok(db);
    close_db(db);
}

/* A member already in debt asks for an absurd amount: the limit check must
 * not overflow (debt - settled + shortfall) and accept it. */
static void test_huge_debit_while_in_debt(void **state)
{
    (void)state;
    patron_db *db = open_db();
    set_limit(db, 100);
    int64_t m = member(db, "050-123-4567");
    assert_int_equal(redeem(db, NULL, "r1", m, 1, T0), PATRON_OK);
    assert_int_equal(debt(db, m), 1);
    int64_t before = npostings(db);
    int rc = redeem(db, NULL, "r2", m, INT64_MAX, T0 + 1);
    if (rc == PATRON_OK)
        print_error("redeem INT64_MAX accepted: available %lld, debt %lld\n", (long long)pt_available(db, m, T0 + 1),
                    (long long)debt(db, m));
    assert_int_equal(rc, PATRON_EBALANCE);
    assert_int_equal(npostings(db), before);
    patron_posting_request r = adj("a2", m, -INT64_MAX, T0 + 1);
    assert_int_equal(patron_ledger_adjust(db, NULL, &r), PATRON_EBALANCE);
    assert_int_equal(npostings(db), before);
    assert_int_equal(pt_available(db, m, T0 + 1), -1);
    check_ok(db);
    close_db(db);
}

/* Inside a batch, overdrafts and refusals behave as outside; a rolled-back
 * call or batch leaves no debt behind. */
static void test_overdraft_in_batch(void **state)
{
    (void)state;
    patron_db *db = open_db();
    set_limit(db, 50);
    int64_t m = member(db, "050-123-4567");
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    earn(db, NULL, "e1", m, 10, T0);
    assert_int_equal(redeem(db, NULL, "r1", m, 50, T0 + 1), PATRON_OK);
    assert_int_equal(redeem(db, NULL, "r2", m, 20, T0 + 2), PATRON_EBALANCE);
    assert_limit_message();
    earn(db, NULL, "e2", m, 5, T0 + 3);
    assert_int_equal(patron_batch_commit(db), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 3), -35);
    assert_int_equal(debt(db, m), 35);
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    assert_int_equal(redeem(db, NULL, "r3", m, 15, T0 + 4), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 4), -50);
    assert_int_equal(patron_batch_rollback(db), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 4), -35);
    assert_int_equal(debt(db, m), 35);
    assert_int_equal(redeem(db, NULL, "r3", m, 15, T0 + 4), PATRON_OK);
    assert_int_equal(redeem(db, NULL, "r4", m, 1, T0 + 4), PATRON_EBALANCE);
    check_ok(db);
    close_db(db);
}

/* "patron_batch_rollback: none of its calls take effect" — including a
 * patron_ledger_set_policy() inside it: the limit it set must not apply. */
static void test_batch_rollback_of_policy(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    set_limit(db, 100);
    assert_int_equal(patron_batch_rollback(db), PATRON_OK);
    patron_ledger_policy got = PATRON_LEDGER_POLICY_INIT;
    assert_int_equal(patron_ledger_get_policy(db, &got), PATRON_OK);
    if (got.overdraft_limit != 0)
        print_error("after the rollback get_policy says overdraft_limit %lld\n", (long long)got.overdraft_limit);
    int rc = redeem(db, NULL, "r1", m, 50, T0);
    if (rc == PATRON_OK)
        print_error("redeem into the overdraft accepted under a rolled-back policy\n");
    assert_int_equal(got.overdraft_limit, 0);
    assert_int_equal(rc, PATRON_EBALANCE);
    assert_int_equal(pt_available(db, m, T0), 0);
    check_ok(db);
    close_db(db);
}

/* The policy is stored in the store: a limit set (or lowered) through one
 * handle applies to writes through another handle on the same file. */
static void test_policy_seen_by_other_handle(void **state)
{
    (void)state;
    const char *path = temp_store("handles");
    patron_db *a = open_file(path);
    assert_int_equal(patron_profile_set_country(a, "IL"), PATRON_OK);
    int64_t m = member(a, "050-123-4567");
    set_limit(a, 100);
    assert_int_equal(redeem(a, NULL, "r1", m, 10, T0), PATRON_OK); /* a has read the policy */
    patron_db *b = open_file(path);
    set_limit(b, 0); /* overdrafts switched off */
    patron_ledger_policy got = PATRON_LEDGER_POLICY_INIT;
    assert_int_equal(patron_ledger_get_policy(a, &got), PATRON_OK);
    int rc = redeem(a, NULL, "r2", m, 10, T0 + 1);
    if (rc == PATRON_OK || got.overdraft_limit != 0)
        print_error("handle a still uses overdraft_limit %lld after handle b set 0 (redeem rc %d)\n",
                    (long long)got.overdraft_limit, rc);
    assert_int_equal(got.overdraft_limit, 0);
    assert_int_equal(rc, PATRON_EBALANCE);
    assert_int_equal(pt_available(a, m, T0 + 1), -10);
    check_ok(a);
    close_db(b);
    close_db(a);
}

/* ---- 8. randomized model test ------------------------------------------- */

#define NM 12
#define NP 4000

typedef struct mposting {
    int kind; /* 1 earn, 2 redeem, 3 adjust (signed) */
    int64_t amount; /* magnitude */
    int64_t reversed, pid;
    int owner; /* model member the posting was written for (resolved) */
} mposting;

typedef struct mreplay {
    char key[24];
    int64_t member_id, points, at;
    int64_t pid;
} mreplay;

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int find_root(const int *root, int i)
{
    while (root[i] != i)
        i = root[i];
    return i;
}

/* A debit of `points` from a member with balance `bal` under limit `limit`. */
static int debit_allowed(int64_t bal, int64_t points, int64_t limit)
{
    return bal - points >= -limit;
}

static void expect_debit(int rc, int ok, int64_t limit, int *refused)
{
    if (ok) {
        assert_int_equal(rc, PATRON_OK);
    } else {
        assert_int_equal(rc, PATRON_EBALANCE);
        if (limit > 0)
            assert_limit_message();
        (*refused)++;
    }
}

static void test_randomized_against_model(void **state)
{
    (void)state;
    rng = 20260311;
    patron_db *db = open_db();
    int64_t ids[NM], bal[NM];
    int root[NM];
    for (int i = 0; i < NM; i++) {
        char ph[32];
        snprintf(ph, sizeof ph, "050-000-%04d", i);
        ids[i] = member(db, ph);
        root[i] = i;
        bal[i] = 0;
    }
    const int64_t limits[] = {0, 50, 100, 100, 250, 1000};
    int64_t limit = 100;
    set_limit(db, limit);
    mposting *posts = hold_mem(calloc(NP, sizeof *posts));
    mreplay *replays = hold_mem(calloc(NP, sizeof *replays));
    int np = 0, nr = 0, nkeys = 0;
    int64_t t = T0;
    int overdrawn = 0, refused = 0, reverses = 0, refunds_negative = 0, merges = 0, transfers = 0, replayed = 0,
        repaid = 0, max_debtors = 0;
    const int steps = getenv("PATRON_UNDER_VALGRIND") ? 300 : 2000;
    for (int step = 0; step < steps; step++) {
        t += 1 + (int64_t)(rnd() % 50);
        int op = (int)(rnd() % 100);
        int mi = (int)(rnd() % NM); /* any id: merged ones resolve */
        int ri = find_root(root, mi);
        char key[24];
        snprintf(key, sizeof key, "k%d", nkeys++);
        patron_posting_result res = {0, 0, 0};
        if (op < 26) { /* earn */
            int64_t pts = 1 + (int64_t)(rnd() % 200);
            int64_t d0 = debt(db, ids[ri]);
            earn(db, &res, key, ids[mi], pts, t);
            if (d0 > 0 && debt(db, ids[ri]) < d0)
                repaid++;
            bal[ri] += pts;
            if (np < NP)
                posts[np++] = (mposting){1, pts, 0, res.posting_id, ri};
        } else if (op < 50) { /* redeem */
            int64_t pts = 1 + (int64_t)(rnd() % 300);
            patron_posting_request r = pt_posting(key, ids[mi], pts, t);
            int rc = patron_ledger_redeem(db, &res, &r);
            int ok = debit_allowed(bal[ri], pts, limit);
            expect_debit(rc, ok, limit, &refused);
            if (ok) {
                overdrawn += bal[ri] - pts < 0;
                bal[ri] -= pts;
                if (np < NP)
                    posts[np++] = (mposting){2, pts, 0, res.posting_id, ri};
                if (nr < NP) {
                    replays[nr] = (mreplay){"", ids[mi], pts, t, res.posting_id};
                    strcpy(replays[nr++].key, key);
                }
            }
        } else if (op < 60) { /* adjust, mostly negative */
            int64_t pts = 1 + (int64_t)(rnd() % 150);
            if (rnd() % 4 == 0) {
                patron_posting_request r = adj(key, ids[mi], pts, t);
                assert_int_equal(patron_ledger_adjust(db, &res, &r), PATRON_OK);
                bal[ri] += pts;
                if (np < NP)
                    posts[np++] = (mposting){3, pts, 0, res.posting_id, ri};
            } else {
                patron_posting_request r = adj(key, ids[mi], -pts, t);
                int rc = patron_ledger_adjust(db, &res, &r);
                int ok = debit_allowed(bal[ri], pts, limit);
                expect_debit(rc, ok, limit, &refused);
                if (ok) {
                    overdrawn += bal[ri] - pts < 0;
                    bal[ri] -= pts;
                    if (np < NP)
                        posts[np++] = (mposting){3, -pts, 0, res.posting_id, ri};
                }
            }
        } else if (op < 78 && np > 0) { /* reverse (part of) a posting */
            mposting *p = &posts[rnd() % (uint64_t)np];
            int64_t mag = p->amount < 0 ? -p->amount : p->amount;
            int64_t left = mag - p->reversed;
            int64_t amount = left > 0 ? 1 + (int64_t)(rnd() % (uint64_t)left) : 1;
            int all = left > 0 && rnd() % 3 == 0;
            int w = find_root(root, p->owner);
            int rc = reverse(db, &res, key, p->pid, all ? 0 : amount, t);
            if (all)
                amount = left;
            if (left == 0) {
                assert_int_equal(rc, PATRON_ECONFLICT);
            } else if (p->kind == 2 || p->amount < 0) { /* a debit comes back: always */
                assert_int_equal(rc, PATRON_OK);
                assert_int_equal(res.points, amount);
                bal[w] += amount;
                p->reversed += amount;
                reverses++;
            } else { /* a credit taken back: a debit bound by the limit */
                int ok = debit_allowed(bal[w], amount, limit);
                expect_debit(rc, ok, limit, &refused);
                if (ok) {
                    assert_int_equal(res.points, -amount);
                    refunds_negative += bal[w] - amount < 0;
                    bal[w] -= amount;
                    p->reversed += amount;
                    reverses++;
                }
            }
        } else if (op < 84 && nr > 0) { /* retry a redemption: replays whatever the balance now */
            const mreplay *x = &replays[rnd() % (uint64_t)nr];
            patron_posting_request r = pt_posting(x->key, x->member_id, x->points, x->at + (int64_t)(rnd() % 1000));
            assert_int_equal(patron_ledger_redeem(db, &res, &r), PATRON_OK);
            assert_int_equal(res.replayed, 1);
            assert_int_equal(res.posting_id, x->pid);
            assert_int_equal(res.points, -x->points);
            replayed++;
        } else if (op < 87) { /* merge two roots (keeping at least half of the members apart) */
            int a = find_root(root, (int)(rnd() % NM));
            if (a == ri || merges >= NM / 2)
                continue;
            assert_int_equal(patron_profile_merge(db, ids[a], ids[ri], t, "model", NULL), PATRON_OK);
            bal[a] += bal[ri];
            bal[ri] = 0;
            root[ri] = a;
            merges++;
        } else if (op < 95) { /* transfer: never into the overdraft */
            int b = find_root(root, (int)(rnd() % NM));
            patron_posting_request r = pt_posting(key, ids[mi], 1 + (int64_t)(rnd() % 150), t);
            r.target = ids[b];
            int rc = patron_ledger_transfer(db, &res, &r);
            if (b == ri) {
                assert_int_equal(rc, PATRON_EINVAL);
            } else if (bal[ri] >= r.points) {
                assert_int_equal(rc, PATRON_OK);
                bal[ri] -= r.points;
                bal[b] += r.points;
                transfers++;
            } else {
                assert_int_equal(rc, PATRON_EBALANCE);
            }
        } else { /* change the limit */
            limit = limits[rnd() % (sizeof limits / sizeof limits[0])];
            set_limit(db, limit);
        }
        int debtors = 0;
        for (int j = 0; j < NM; j++)
            if (root[j] == j) {
                int64_t got = pt_available(db, ids[j], t);
                if (got != bal[j])
                    print_error("step %d op %d: member %lld has %lld, model %lld\n", step, op, (long long)ids[j],
                                (long long)got, (long long)bal[j]);
                assert_int_equal(got, bal[j]);
                debtors += bal[j] < 0;
            } else {
                assert_int_equal(pt_available(db, ids[j], t), bal[find_root(root, j)]);
            }
        if (debtors > max_debtors)
            max_debtors = debtors;
        if (step % 250 == 0)
            check_ok(db);
    }
    check_ok(db);
    print_message("overdraft model: %d steps, %d postings, %d overdrawn, %d refused, %d reverses (%d into debt), "
                  "%d repaid by earns, %d merges, %d transfers, %d replays, up to %d members in debt\n",
                  steps, np, overdrawn, refused, reverses, refunds_negative, repaid, merges, transfers, replayed,
                  max_debtors);
    assert_true(overdrawn > 0 && refused > 0 && reverses > 0 && repaid > 0 && merges > 0 && transfers > 0 &&
                replayed > 0);
    assert_true(refunds_negative > 0 || steps < 2000);
    close_db(db); /* posts and replays: freed by the teardown */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_policy_validation_and_round_trip, teardown),
        cmocka_unit_test_teardown(test_set_policy_old_size_struct, teardown),
        cmocka_unit_test_teardown(test_policy_persists, teardown),
        cmocka_unit_test_teardown(test_redeem_into_overdraft, teardown),
        cmocka_unit_test_teardown(test_reverse_earn_into_overdraft, teardown),
        cmocka_unit_test_teardown(test_repayment_by_credits, teardown),
        cmocka_unit_test_teardown(test_debit_repays_debt_first, teardown),
        cmocka_unit_test_teardown(test_transfer_never_overdraws, teardown),
        cmocka_unit_test_teardown(test_reverse_overdrawn_redeem, teardown),
        cmocka_unit_test_teardown(test_merge_moves_debt, teardown),
        cmocka_unit_test_teardown(test_limit_bounds, teardown),
        cmocka_unit_test_teardown(test_overdraft_in_batch, teardown),
        cmocka_unit_test_teardown(test_pending_repayment_does_not_extend_limit, teardown),
        cmocka_unit_test_teardown(test_cancel_pending_earn_that_repaid_debt, teardown),
        cmocka_unit_test_teardown(test_huge_debit_while_in_debt, teardown),
        cmocka_unit_test_teardown(test_batch_rollback_of_policy, teardown),
        cmocka_unit_test_teardown(test_policy_seen_by_other_handle, teardown),
        cmocka_unit_test_teardown(test_randomized_against_model, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
