/* The points ledger: every rule of the model, error paths that change
 * nothing, a randomized model test and a crash test. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "failalloc.h"
#include "internal/store.h"
#include "patron.h"
#include "store_support.h"

#define T0 1700000000
#define DAY 86400

static patron_db *open_db(void)
{
    patron_db *db = NULL;
    assert_int_equal(patron_open(&db, ":memory:", NULL), PATRON_OK);
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

/* Remaining points of lot `ref` (> 0: a posting that is its own lot, < 0: a lots row). */
static int64_t lot_left(patron_db *db, int64_t ref)
{
    int64_t n = -1;
    assert_int_equal(patron__sql_int(db, &n, -1,
                                     "SELECT coalesce((SELECT remaining FROM lot_state WHERE lot_id = ?1), "
                                     "(SELECT points FROM postings WHERE id = ?1 AND lot_expires_at IS NOT NULL), "
                                     "(SELECT initial FROM lots WHERE id = -?1))",
                                     "i", ref),
                     PATRON_OK);
    return n;
}

static void test_earn_is_idempotent(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    patron_posting_request r = pt_posting("order-17", m, 100, T0);
    r.spend = 10000;
    r.rule = "base";
    r.rule_version = 2;
    patron_posting_result res;
    assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_OK);
    assert_int_equal(res.replayed, 0);
    assert_int_equal(res.points, 100);
    int64_t first = res.posting_id;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_OK);
        assert_int_equal(res.replayed, 1);
        assert_int_equal(res.posting_id, first);
    }
    assert_int_equal(pt_available(db, m, T0), 100);
    assert_int_equal(q(db, "SELECT count(*) FROM postings"), 1);
    /* same key, other content: conflict, nothing changes */
    res.posting_id = 4242;
    r.points = 101;
    assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_ECONFLICT);
    assert_non_null(strstr(patron_errmsg(), "order-17"));
    assert_int_equal(res.posting_id, 4242);
    r.points = 100;
    assert_int_equal(patron_ledger_redeem(db, &res, &r), PATRON_ECONFLICT); /* keys are global */
    assert_int_equal(q(db, "SELECT count(*) FROM postings"), 1);
    /* invalid requests */
    r = pt_posting(NULL, m, 5, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_EINVAL);
    r = pt_posting("k", m, 0, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_EINVAL);
    r = pt_posting("k", 999, 5, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_ENOTFOUND);
    r = pt_posting("k", m, 5, T0);
    r.expires_at = T0;
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_EINVAL);
    assert_int_equal(patron_ledger_earn(NULL, NULL, &r), PATRON_EINVAL);
    assert_int_equal(patron_ledger_earn(db, NULL, NULL), PATRON_EINVAL);
    assert_int_equal(q(db, "SELECT count(*) FROM postings"), 1);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

/* The earn path checks the member inside its insert: an unknown member is
 * ENOTFOUND (before request errors) and writes nothing, also inside a batch;
 * a merged-away member's earn goes to the member it was merged into. */
static void test_earn_member_checks(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, "050-123-4567"), b = member(db, "050-765-4321");
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    patron_posting_request r = pt_posting("x1", 999, 5, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_ENOTFOUND);
    r.expires_at = T0; /* also invalid: the unknown member is reported */
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_ENOTFOUND);
    r = pt_posting("x1", a, 5, T0);
    r.expires_at = T0;
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_EINVAL);
    r = pt_posting("x1", a, 5, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    assert_int_equal(patron_batch_commit(db), PATRON_OK);
    assert_int_equal(q(db, "SELECT count(*) FROM postings"), 1);
    assert_int_equal(patron_profile_merge(db, a, b, T0 + 1, "ops", NULL), PATRON_OK);
    patron_posting_result res;
    r = pt_posting("x2", b, 7, T0 + 2);
    assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_OK);
    assert_int_equal(q(db, "SELECT member_id FROM postings WHERE key = 'x2'"), a);
    assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_OK);
    assert_int_equal(res.replayed, 1);
    assert_int_equal(pt_available(db, a, T0 + 2), 12);
    assert_int_equal(pt_available(db, b, T0 + 2), 12);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

static void test_insufficient_balance_changes_nothing(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    patron_posting_request r = pt_posting("e1", m, 100, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    r = pt_posting("r1", m, 101, T0 + 1);
    patron_posting_result res = {7, 7, 7};
    assert_int_equal(patron_ledger_redeem(db, &res, &r), PATRON_EINSUFFICIENT);
    assert_int_equal(PATRON_EINSUFFICIENT, PATRON_EBALANCE);
    assert_non_null(strstr(patron_errmsg(), "100 points available"));
    assert_int_equal(res.posting_id, 7);
    assert_int_equal(pt_available(db, m, T0 + 1), 100);
    assert_int_equal(q(db, "SELECT count(*) FROM postings"), 1);
    assert_int_equal(q(db, "SELECT sum(coalesce(s.remaining, p.points)) FROM postings p LEFT JOIN lot_state s "
                             "ON s.lot_id = p.id WHERE p.lot_expires_at IS NOT NULL"), 100);
    /* the failed key is free: it can be used for a valid redemption */
    r.points = 100;
    assert_int_equal(patron_ledger_redeem(db, &res, &r), PATRON_OK);
    assert_int_equal(res.points, -100);
    assert_int_equal(pt_available(db, m, T0 + 1), 0);
    r = pt_posting("r2", m, 1, T0 + 2);
    assert_int_equal(patron_ledger_redeem(db, NULL, &r), PATRON_EBALANCE);
    /* a negative adjust is bound by the balance too, and needs a reason */
    r = pt_posting("a1", m, -1, T0 + 2);
    assert_int_equal(patron_ledger_adjust(db, NULL, &r), PATRON_EINVAL);
    r.reason = "goodwill";
    r.operator_name = "ops";
    assert_int_equal(patron_ledger_adjust(db, NULL, &r), PATRON_EBALANCE);
    r.points = 30;
    assert_int_equal(patron_ledger_adjust(db, NULL, &r), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 2), 30);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

static void test_pending_points_mature_and_returns_cancel(void **state)
{
    (void)state;
    patron_db *db = open_db();
    patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
    pol.hold_seconds = 14 * DAY;
    assert_int_equal(patron_ledger_set_policy(db, &pol), PATRON_OK);
    patron_ledger_policy got = PATRON_LEDGER_POLICY_INIT;
    assert_int_equal(patron_ledger_get_policy(db, &got), PATRON_OK);
    assert_int_equal(got.hold_seconds, 14 * DAY);
    int64_t m = member(db, "050-123-4567");
    patron_posting_request r = pt_posting("p1", m, 100, T0);
    patron_posting_result e1;
    assert_int_equal(patron_ledger_earn(db, &e1, &r), PATRON_OK);
    r = pt_posting("p2", m, 50, T0 + DAY);
    patron_posting_result e2;
    assert_int_equal(patron_ledger_earn(db, &e2, &r), PATRON_OK);
    patron_balance b;
    assert_int_equal(patron_ledger_balance(db, &b, m, T0 + 2 * DAY), PATRON_OK);
    assert_int_equal(b.available, 0);
    assert_int_equal(b.pending, 150);
    /* pending points cannot be redeemed */
    r = pt_posting("x", m, 1, T0 + 2 * DAY);
    assert_int_equal(patron_ledger_redeem(db, NULL, &r), PATRON_EBALANCE);
    /* a return inside the window cancels p2: it never becomes available */
    r = pt_posting("ret-p2", m, 0, T0 + 3 * DAY);
    r.target = e2.posting_id;
    assert_int_equal(patron_ledger_reverse(db, NULL, &r), PATRON_OK);
    assert_int_equal(patron_ledger_balance(db, &b, m, T0 + 3 * DAY), PATRON_OK);
    assert_int_equal(b.pending, 100);
    assert_int_equal(pt_available(db, m, T0 + 14 * DAY), 100);
    assert_int_equal(pt_available(db, m, T0 + 15 * DAY), 100);
    assert_int_equal(pt_available(db, m, T0 + 30 * DAY), 100);
    /* after maturity a return takes the points back at once */
    r = pt_posting("ret-p1", m, 40, T0 + 20 * DAY);
    r.target = e1.posting_id;
    assert_int_equal(patron_ledger_reverse(db, NULL, &r), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 20 * DAY), 60);
    assert_int_equal(pt_available(db, m, T0 + 19 * DAY), 100); /* history unchanged */
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

static void test_expiry_fifo_and_expire_postings(void **state)
{
    (void)state;
    patron_db *db = open_db();
    patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
    pol.expiry_months = 12;
    assert_int_equal(patron_ledger_set_policy(db, &pol), PATRON_OK);
    int64_t m = member(db, "050-123-4567");
    /* 2023-11-14 and 2024-03-01 */
    const int64_t a1 = 1699920000, a2 = 1709251200;
    patron_posting_request r = pt_posting("e1", m, 100, a1);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    r = pt_posting("e2", m, 80, a2);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    assert_int_equal(q(db, "SELECT lot_expires_at FROM postings WHERE id = 1"), 1731542400); /* 2024-11-14 */
    /* FIFO: 120 = 100 from the oldest lot + 20 from the second */
    r = pt_posting("r1", m, 30, a2 + DAY);
    assert_int_equal(patron_ledger_redeem(db, NULL, &r), PATRON_OK);
    assert_int_equal(lot_left(db, 1), 70);
    assert_int_equal(lot_left(db, 2), 80);
    /* before any expire posting, balances already leave expired points out */
    patron_balance b;
    assert_int_equal(patron_ledger_balance(db, &b, m, 1731542400), PATRON_OK);
    assert_int_equal(b.available, 80);
    assert_int_equal(b.expired_unposted, 70);
    assert_int_equal(pt_available(db, m, 1731542399), 150);
    int64_t n = 0, pts = 0;
    assert_int_equal(patron_ledger_expire(db, &n, &pts, 1731542400 + 10), PATRON_OK);
    assert_int_equal(n, 1);
    assert_int_equal(pts, 70);
    assert_int_equal(patron_ledger_expire(db, &n, &pts, 1731542400 + 20), PATRON_OK);
    assert_int_equal(n, 0); /* nothing twice */
    assert_int_equal(q(db, "SELECT count(*) FROM postings WHERE kind = 3 AND points = -70"), 1);
    assert_int_equal(pt_available(db, m, 1731542400), 80);
    assert_int_equal(pt_available(db, m, 1731542399), 150); /* history before expiry intact */
    /* a redemption after the second lot's expiry expires it explicitly first */
    r = pt_posting("r2", m, 1, 1740787200 + DAY); /* 2025-03-02 */
    assert_int_equal(patron_ledger_redeem(db, NULL, &r), PATRON_EBALANCE);
    assert_int_equal(q(db, "SELECT count(*) FROM postings WHERE kind = 3"), 1); /* rolled back with it */
    assert_int_equal(patron_ledger_expire(db, &n, &pts, 1740787200 + DAY), PATRON_OK);
    assert_int_equal(pts, 80);
    assert_int_equal(pt_available(db, m, 1740787200 + DAY), 0);
    /* end-of-month policy */
    pol.expiry_months = 1;
    pol.expiry_end_of_month = 1;
    assert_int_equal(patron_ledger_set_policy(db, &pol), PATRON_OK);
    r = pt_posting("e3", m, 5, a1);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    assert_int_equal(q(db, "SELECT lot_expires_at FROM postings WHERE key = 'e3'"), 1704067200); /* 2024-01-01 */
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

/* FIFO is by earning time whatever the order of recording: a back-dated
 * earn recorded after a redemption (so not yet in the FIFO index) is the
 * oldest lot at the next one; points restored into an emptied lot make it
 * open again; the check proves the index after each step. */
static void test_fifo_by_earning_time_across_the_index(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    patron_posting_result e1, e2, e3, rd;
    patron_posting_request r = pt_posting("e1", m, 10, T0 + 10 * DAY);
    assert_int_equal(patron_ledger_earn(db, &e1, &r), PATRON_OK);
    r = pt_posting("e2", m, 10, T0 + 20 * DAY);
    assert_int_equal(patron_ledger_earn(db, &e2, &r), PATRON_OK);
    r = pt_posting("r1", m, 10, T0 + 21 * DAY); /* empties e1, indexes e2 */
    assert_int_equal(patron_ledger_redeem(db, &rd, &r), PATRON_OK);
    assert_int_equal(lot_left(db, e1.posting_id), 0);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    r = pt_posting("e3", m, 10, T0); /* recorded now, earned before e1 and e2 */
    assert_int_equal(patron_ledger_earn(db, &e3, &r), PATRON_OK);
    r = pt_posting("r2", m, 4, T0 + 22 * DAY);
    assert_int_equal(patron_ledger_redeem(db, NULL, &r), PATRON_OK);
    assert_int_equal(lot_left(db, e3.posting_id), 6);
    assert_int_equal(lot_left(db, e2.posting_id), 10);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    /* refunding r1 reopens e1 (emptied, out of the index): FIFO takes it first again */
    r = pt_posting("v1", m, 0, T0 + 23 * DAY);
    r.target = rd.posting_id;
    assert_int_equal(patron_ledger_reverse(db, NULL, &r), PATRON_OK);
    assert_int_equal(lot_left(db, e1.posting_id), 10);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    r = pt_posting("r3", m, 8, T0 + 24 * DAY);
    assert_int_equal(patron_ledger_redeem(db, NULL, &r), PATRON_OK);
    assert_int_equal(lot_left(db, e3.posting_id), 0);
    assert_int_equal(lot_left(db, e1.posting_id), 8);
    assert_int_equal(lot_left(db, e2.posting_id), 10);
    assert_int_equal(pt_available(db, m, T0 + 24 * DAY), 18);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

static void test_statement_balance_history_and_rules(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    for (int i = 0; i < 5; i++) {
        char k[16];
        snprintf(k, sizeof k, "e%d", i);
        patron_posting_request r = pt_posting(k, m, 10 * (i + 1), T0 + i * DAY);
        r.rule = "base";
        r.rule_version = i < 3 ? 1 : 2;
        r.spend = 1000 * (i + 1);
        assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    }
    patron_posting_request r = pt_posting("r", m, 25, T0 + 5 * DAY);
    assert_int_equal(patron_ledger_redeem(db, NULL, &r), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 - 1), 0);
    assert_int_equal(pt_available(db, m, T0), 10);
    assert_int_equal(pt_available(db, m, T0 + 2 * DAY), 60);
    assert_int_equal(pt_available(db, m, T0 + 5 * DAY), 125);
    patron_statement *s;
    assert_int_equal(patron_ledger_statement(db, &s, m, T0 + DAY, T0 + 4 * DAY), PATRON_OK);
    assert_int_equal(patron_statement_count(s), 3);
    assert_int_equal(patron_statement_opening(s), 10);
    assert_int_equal(patron_statement_closing(s), 100);
    const patron_posting *p = patron_statement_get(s, 2);
    assert_string_equal(p->key, "e3");
    assert_string_equal(p->rule, "base");
    assert_int_equal(p->rule_version, 2);
    assert_int_equal(p->spend, 4000);
    assert_int_equal(p->kind, PATRON_POSTING_EARN);
    assert_null(patron_statement_get(s, 3));
    patron_statement_free(s);
    patron_statement_free(NULL);
    assert_int_equal(patron_ledger_statement(db, &s, m, T0 + 10, T0), PATRON_EINVAL);
    patron_close(db);
}

static void test_reverse_rules(void **state)
{
    (void)state;
    patron_db *db = open_db();
    patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
    pol.expiry_months = 1;
    assert_int_equal(patron_ledger_set_policy(db, &pol), PATRON_OK);
    int64_t m = member(db, "050-123-4567");
    patron_posting_result e1, e2, rd;
    patron_posting_request r = pt_posting("e1", m, 100, T0);
    assert_int_equal(patron_ledger_earn(db, &e1, &r), PATRON_OK);
    r = pt_posting("e2", m, 100, T0 + 20 * DAY);
    assert_int_equal(patron_ledger_earn(db, &e2, &r), PATRON_OK);
    r = pt_posting("rd", m, 150, T0 + 21 * DAY);
    assert_int_equal(patron_ledger_redeem(db, &rd, &r), PATRON_OK);
    /* partial refund of the redemption: points go back to the newest lot first */
    r = pt_posting("rv1", m, 30, T0 + 22 * DAY);
    r.target = rd.posting_id;
    assert_int_equal(patron_ledger_reverse(db, NULL, &r), PATRON_OK);
    assert_int_equal(lot_left(db, 2), 80);
    assert_int_equal(pt_available(db, m, T0 + 22 * DAY), 80);
    r = pt_posting("rv2", m, 500, T0 + 22 * DAY);
    r.target = rd.posting_id;
    assert_int_equal(patron_ledger_reverse(db, NULL, &r), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "120 of posting"));
    /* the rest goes back; 100 of it into lot 1, which has expired: expired at once, explicitly */
    r = pt_posting("rv3", m, 0, T0 + 40 * DAY);
    r.target = rd.posting_id;
    assert_int_equal(patron_ledger_reverse(db, NULL, &r), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 40 * DAY), 100);
    assert_int_equal(q(db, "SELECT -sum(points) FROM postings WHERE kind = 3"), 100);
    r = pt_posting("rv4", m, 0, T0 + 41 * DAY);
    r.target = rd.posting_id;
    assert_int_equal(patron_ledger_reverse(db, NULL, &r), PATRON_ECONFLICT);
    /* reversing an expire posting or a reverse is refused */
    int64_t exp_id = q(db, "SELECT id FROM postings WHERE kind = 3 LIMIT 1");
    r.target = exp_id;
    assert_int_equal(patron_ledger_reverse(db, NULL, &r), PATRON_EINVAL);
    r.target = 9999;
    assert_int_equal(patron_ledger_reverse(db, NULL, &r), PATRON_ENOTFOUND);
    /* reversing an earn whose points were spent: EBALANCE, nothing changes */
    r = pt_posting("rd2", m, 100, T0 + 42 * DAY);
    assert_int_equal(patron_ledger_redeem(db, NULL, &r), PATRON_OK);
    int64_t before = q(db, "SELECT count(*) FROM postings");
    r = pt_posting("rv5", m, 0, T0 + 43 * DAY);
    r.target = e2.posting_id;
    assert_int_equal(patron_ledger_reverse(db, NULL, &r), PATRON_EBALANCE);
    assert_int_equal(q(db, "SELECT count(*) FROM postings"), before);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

static void test_transfer(void **state)
{
    (void)state;
    patron_db *db = open_db();
    patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
    pol.expiry_months = 6;
    assert_int_equal(patron_ledger_set_policy(db, &pol), PATRON_OK);
    int64_t a = member(db, "050-123-4567"), b = member(db, "050-765-4321");
    patron_posting_request r = pt_posting("e", a, 100, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    r = pt_posting("t", a, 60, T0 + DAY);
    r.target = b;
    patron_posting_result res;
    assert_int_equal(patron_ledger_transfer(db, &res, &r), PATRON_OK);
    assert_int_equal(res.points, -60);
    assert_int_equal(patron_ledger_transfer(db, &res, &r), PATRON_OK);
    assert_int_equal(res.replayed, 1);
    assert_int_equal(pt_available(db, a, T0 + DAY), 40);
    assert_int_equal(pt_available(db, b, T0 + DAY), 60);
    /* the moved points keep their expiry */
    assert_int_equal(q(db, "SELECT count(*) FROM lots WHERE id = 1 AND expires_at = "
                             "(SELECT lot_expires_at FROM postings WHERE id = 1)"), 1);
    r = pt_posting("t2", a, 41, T0 + DAY);
    r.target = b;
    assert_int_equal(patron_ledger_transfer(db, NULL, &r), PATRON_EBALANCE);
    r = pt_posting("t3", a, 1, T0 + DAY);
    r.target = a;
    assert_int_equal(patron_ledger_transfer(db, NULL, &r), PATRON_EINVAL);
    r.target = 777;
    assert_int_equal(patron_ledger_transfer(db, NULL, &r), PATRON_ENOTFOUND);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

static void test_check_detects_tampering(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    patron_posting_request r = pt_posting("e", m, 100, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    patron_ledger_report rep;
    assert_int_equal(patron_ledger_check(db, &rep), PATRON_OK);
    assert_int_equal(rep.postings, 1);
    assert_int_equal(rep.lots, 1);
    assert_int_equal(rep.problems, 0);
    assert_int_equal(patron__sql_run(db, "INSERT INTO lot_state(lot_id, member_id, remaining) VALUES(1, ?, 90)", "i", m), PATRON_OK);
    assert_int_equal(patron_ledger_check(db, &rep), PATRON_ECORRUPT);
    assert_true(rep.problems >= 2);
    assert_non_null(strstr(patron_errmsg(), "discrepancies"));
    assert_int_equal(patron__sql_run(db, "DELETE FROM lot_state", ""), PATRON_OK);
    assert_int_equal(patron__sql_run(db, "UPDATE postings SET points = 101", ""), PATRON_OK);
    assert_int_equal(patron_ledger_check(db, &rep), PATRON_ECORRUPT);
    patron_close(db);
}

static void test_batch_with_a_failing_call(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = member(db, "050-123-4567");
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    for (int i = 0; i < 100; i++) {
        char k[16];
        snprintf(k, sizeof k, "b%d", i);
        patron_posting_request r = pt_posting(k, m, 1, T0);
        assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    }
    patron_posting_request r = pt_posting("too-much", m, 1000, T0);
    assert_int_equal(patron_ledger_redeem(db, NULL, &r), PATRON_EBALANCE);
    r = pt_posting("b5", m, 2, T0); /* conflict inside the batch */
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_ECONFLICT);
    assert_int_equal(patron_batch_commit(db), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0), 100);
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    r = pt_posting("gone", m, 5, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    assert_int_equal(patron_batch_rollback(db), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0), 100);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

/* ---- randomized model test ---------------------------------------------- */

#define NM 12
#define NP 4000

typedef struct mposting {
    int kind; /* 1 earn, 2 redeem */
    int64_t amount, reversed, req_member, at;
    char key[24];
} mposting;

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_randomized_against_model(void **state)
{
    (void)state;
    rng = 20261125;
    patron_db *db = open_db();
    int64_t ids[NM], root[NM], bal[NM];
    for (int i = 0; i < NM; i++) {
        char ph[32];
        snprintf(ph, sizeof ph, "050-000-%04d", i);
        ids[i] = member(db, ph);
        root[i] = i;
        bal[i] = 0;
    }
    mposting *posts = calloc(NP * 2, sizeof *posts);
    int64_t *pid = calloc(NP * 2, sizeof *pid);
    int np = 0, nkeys = 0;
    const int64_t expire_all = T0 + 1000000;
    int64_t t = T0;
    int merges = 0, retries = 0, conflicts = 0, insufficient = 0, reverses = 0;
    /* thousands of operations; fewer under valgrind (same seed, same checks) */
    const int steps = getenv("PATRON_UNDER_VALGRIND") ? 600 : 3000;
    for (int step = 0; step < steps; step++) {
        t += 1 + (int64_t)(rnd() % 50);
        int op = (int)(rnd() % 100);
        int i = (int)(rnd() % NM);
        while (root[i] != i)
            i = root[i];
        int mi = (int)(rnd() % NM); /* any id, merged ones resolve */
        int ri = mi;
        while (root[ri] != ri)
            ri = root[ri];
        char key[24];
        patron_posting_result res;
        if (op < 40) { /* earn */
            snprintf(key, sizeof key, "k%d", nkeys++);
            patron_posting_request r = pt_posting(key, ids[mi], 1 + (int64_t)(rnd() % 200), t);
            r.expires_at = expire_all;
            assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_OK);
            bal[ri] += r.points;
            posts[np] = (mposting){1, r.points, 0, ids[mi], t, ""};
            strcpy(posts[np].key, key);
            pid[np++] = res.posting_id;
        } else if (op < 65) { /* redeem */
            snprintf(key, sizeof key, "k%d", nkeys++);
            patron_posting_request r = pt_posting(key, ids[mi], 1 + (int64_t)(rnd() % 300), t);
            int rc = patron_ledger_redeem(db, &res, &r);
            if (bal[ri] >= r.points) {
                assert_int_equal(rc, PATRON_OK);
                bal[ri] -= r.points;
                posts[np] = (mposting){2, r.points, 0, ids[mi], t, ""};
                strcpy(posts[np].key, key);
                pid[np++] = res.posting_id;
            } else {
                assert_int_equal(rc, PATRON_EBALANCE);
                insufficient++;
            }
        } else if (op < 78 && np > 0) { /* reverse a random posting (partly) */
            int k = (int)(rnd() % (uint64_t)np);
            int64_t left = posts[k].amount - posts[k].reversed;
            int64_t amount = left > 0 ? 1 + (int64_t)(rnd() % (uint64_t)left) : 1;
            snprintf(key, sizeof key, "k%d", nkeys++);
            int64_t owner;
            patron_posting_request r = pt_posting(key, 0, amount, t);
            r.target = pid[k];
            int rc = patron_ledger_reverse(db, &res, &r);
            assert_int_equal(patron_profile_find(db, &owner, "#1"), PATRON_OK); /* smoke */
            /* the member the points live with now */
            int64_t mid;
            assert_int_equal(patron__sql_int(db, &mid, 0, "SELECT member_id FROM postings WHERE id = ?", "i", pid[k]),
                             PATRON_OK);
            int w = -1;
            for (int j = 0; j < NM; j++)
                if (ids[j] == mid)
                    w = j;
            while (root[w] != w)
                w = root[w];
            if (left == 0) {
                assert_int_equal(rc, PATRON_ECONFLICT);
            } else if (posts[k].kind == 2) {
                assert_int_equal(rc, PATRON_OK);
                bal[w] += amount;
                posts[k].reversed += amount;
                reverses++;
            } else if (bal[w] >= amount) {
                assert_int_equal(rc, PATRON_OK);
                bal[w] -= amount;
                posts[k].reversed += amount;
                reverses++;
            } else {
                assert_int_equal(rc, PATRON_EBALANCE);
            }
        } else if (op < 90 && nkeys > 0) { /* retry a key: same content replays, other content conflicts */
            int k = (int)(rnd() % (uint64_t)(np ? np : 1));
            if (np == 0 || posts[k].kind != 1)
                continue;
            patron_posting_request r = pt_posting(posts[k].key, posts[k].req_member, posts[k].amount, posts[k].at);
            r.expires_at = expire_all;
            if (rnd() % 4 == 0) {
                r.points += 1;
                assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_ECONFLICT);
                conflicts++;
            } else {
                assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_OK);
                assert_int_equal(res.replayed, 1);
                assert_int_equal(res.posting_id, pid[k]);
                retries++;
            }
        } else if (op < 93) { /* merge two roots */
            int a = i, b = ri;
            if (a == b)
                continue;
            assert_int_equal(patron_profile_merge(db, ids[a], ids[b], t, "model", NULL), PATRON_OK);
            bal[a] += bal[b];
            bal[b] = 0;
            root[b] = a;
            merges++;
        } else if (op < 96) { /* transfer */
            int a = i, b = ri;
            snprintf(key, sizeof key, "k%d", nkeys++);
            patron_posting_request r = pt_posting(key, ids[a], 1 + (int64_t)(rnd() % 100), t);
            r.target = ids[b];
            int rc = patron_ledger_transfer(db, &res, &r);
            if (a == b)
                assert_int_equal(rc, PATRON_EINVAL);
            else if (bal[a] >= r.points) {
                assert_int_equal(rc, PATRON_OK);
                bal[a] -= r.points;
                bal[b] += r.points;
            } else
                assert_int_equal(rc, PATRON_EBALANCE);
        } else { /* expire: nothing is due yet */
            int64_t n = -1;
            assert_int_equal(patron_ledger_expire(db, &n, NULL, t), PATRON_OK);
            assert_int_equal(n, 0);
        }
        for (int j = 0; j < NM; j++)
            if (root[j] == j)
                assert_int_equal(pt_available(db, ids[j], t), bal[j]);
        if (step % 500 == 0)
            assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    }
    int64_t sum = 0, n = 0, pts = 0;
    for (int j = 0; j < NM; j++)
        if (root[j] == j)
            sum += bal[j];
    assert_int_equal(patron_ledger_expire(db, &n, &pts, expire_all), PATRON_OK);
    assert_int_equal(pts, sum);
    for (int j = 0; j < NM; j++)
        assert_int_equal(pt_available(db, ids[j], expire_all), 0);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    print_message("model: %d postings, %d merges, %d replays, %d conflicts, %d refused, %d reverses, %lld expired\n",
                  np, merges, retries, conflicts, insufficient, reverses, (long long)pts);
    assert_true(merges > 0 && retries > 0 && conflicts > 0 && reverses > 0);
    assert_true(insufficient > 0 || steps < 3000);
    free(posts);
    free(pid);
    patron_close(db);
}

/* ---- crash safety --------------------------------------------------------- */

/* Two handles on one store: what one handle remembers of an account between
 * its write transactions must not outlive another handle's commit, nor a
 * rolled-back call or batch. */
static void test_two_handles_and_rollbacks_keep_accounts_true(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "/tmp/patron_test_handles_%ld.db", (long)getpid());
    pt_remove_store(path);
    patron_db *a = NULL, *b = NULL;
    assert_int_equal(patron_open(&a, path, NULL), PATRON_OK);
    assert_int_equal(patron_open(&b, path, NULL), PATRON_OK);
    assert_int_equal(patron_profile_set_country(a, "IL"), PATRON_OK);
    int64_t m = member(a, "050-123-4567");
    patron_posting_request r = pt_posting("a1", m, 100, T0);
    assert_int_equal(patron_ledger_earn(a, NULL, &r), PATRON_OK); /* a reads and writes m's account */
    r = pt_posting("b1", m, 50, T0 + 1);
    assert_int_equal(patron_ledger_earn(b, NULL, &r), PATRON_OK); /* b commits behind a's back */
    r = pt_posting("a2", m, 7, T0 + 2);
    assert_int_equal(patron_ledger_earn(a, NULL, &r), PATRON_OK);
    assert_int_equal(pt_available(a, m, T0 + 3), 157);
    assert_int_equal(pt_available(b, m, T0 + 3), 157);
    /* the same inside batches on both handles */
    assert_int_equal(patron_batch_begin(b), PATRON_OK);
    r = pt_posting("b2", m, 20, T0 + 4);
    assert_int_equal(patron_ledger_redeem(b, NULL, &r), PATRON_OK);
    assert_int_equal(patron_batch_commit(b), PATRON_OK);
    assert_int_equal(patron_batch_begin(a), PATRON_OK);
    r = pt_posting("a3", m, 137, T0 + 5);
    assert_int_equal(patron_ledger_redeem(a, NULL, &r), PATRON_OK); /* exactly what is left */
    r = pt_posting("a4", m, 1, T0 + 5);
    assert_int_equal(patron_ledger_redeem(a, NULL, &r), PATRON_EBALANCE);
    /* a rolled-back batch leaves nothing remembered */
    r = pt_posting("a5", m, 30, T0 + 6);
    assert_int_equal(patron_ledger_earn(a, NULL, &r), PATRON_OK);
    assert_int_equal(patron_batch_rollback(a), PATRON_OK);
    assert_int_equal(pt_available(a, m, T0 + 7), 137);
    r = pt_posting("a6", m, 3, T0 + 8);
    assert_int_equal(patron_ledger_earn(a, NULL, &r), PATRON_OK);
    assert_int_equal(pt_available(a, m, T0 + 9), 140);
    assert_int_equal(pt_available(b, m, T0 + 9), 140);
    assert_int_equal(patron_ledger_check(a, NULL), PATRON_OK);
    assert_int_equal(patron_ledger_check(b, NULL), PATRON_OK);
    patron_close(a);
    patron_close(b);
    pt_remove_store(path);
}

/* A handle answers a single earn's settings from what its last write
 * transaction read (PostgreSQL: one round trip), checked against the
 * store in the same transaction: a policy, outbox switch or overdraft
 * another handle set since is what the next earn follows, and concurrent
 * earns of one member on two handles lose nothing. */
static void test_settings_changed_by_another_handle(void **state)
{
    (void)state;
    char path[256] = "";
    patron_db *a = NULL, *b = NULL;
    if (pt_backend_is_postgres()) {
        a = pt_store_new(NULL);
        b = pt_store_reopen(NULL);
    } else { /* two handles on one file (the SQLite store of pt_store_new is one connection's) */
        snprintf(path, sizeof path, "/tmp/patron_test_settings_%ld.db", (long)getpid());
        pt_remove_store(path);
        assert_int_equal(patron_open(&a, path, NULL), PATRON_OK);
        assert_int_equal(patron_open(&b, path, NULL), PATRON_OK);
    }
    assert_int_equal(patron_profile_set_country(a, "IL"), PATRON_OK);
    int64_t m = member(a, "050-123-4567");
    patron_posting_request r = pt_posting("s1", m, 100, T0);
    assert_int_equal(patron_ledger_earn(a, NULL, &r), PATRON_OK); /* a has read the settings */
    r = pt_posting("s2", m, 10, T0 + 1);
    assert_int_equal(patron_ledger_earn(a, NULL, &r), PATRON_OK);
    /* b: points are held 10 days from now on */
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    p.hold_seconds = 10 * DAY;
    assert_int_equal(patron_ledger_set_policy(b, &p), PATRON_OK);
    r = pt_posting("s3", m, 50, T0 + 2);
    patron_posting_result res;
    assert_int_equal(patron_ledger_earn(a, &res, &r), PATRON_OK);
    assert_true(res.posting_id > 0);
    assert_int_equal(pt_available(a, m, T0 + 3), 110);
    assert_int_equal(pt_available(b, m, T0 + 2 + 10 * DAY), 160);
    /* the same key again: a replay, one posting */
    patron_posting_result again;
    assert_int_equal(patron_ledger_earn(a, &again, &r), PATRON_OK);
    assert_int_equal(again.posting_id, res.posting_id);
    assert_int_equal(again.replayed, 1);
    /* b: points expire after 1 month; a's next earn says so */
    p.hold_seconds = 0;
    p.expiry_months = 1;
    assert_int_equal(patron_ledger_set_policy(b, &p), PATRON_OK);
    r = pt_posting("s4", m, 5, T0 + 4);
    assert_int_equal(patron_ledger_earn(a, NULL, &r), PATRON_OK);
    assert_int_equal(pt_available(a, m, T0 + 5), 115);
    assert_int_equal(pt_available(a, m, T0 + 70 * DAY), 160); /* s4 expired, the rest never does */
    /* earns of one member from both handles, interleaved */
    for (int i = 0; i < 20; i++) {
        char key[32];
        snprintf(key, sizeof key, "i%d", i);
        r = pt_posting(key, m, 1, T0 + 10 + i);
        assert_int_equal(patron_ledger_earn(i % 2 ? a : b, NULL, &r), PATRON_OK);
    }
    assert_int_equal(pt_available(a, m, T0 + 40), 135);
    assert_int_equal(patron_ledger_check(a, NULL), PATRON_OK);
    assert_int_equal(patron_ledger_check(b, NULL), PATRON_OK);
    patron_close(b);
    patron_close(a);
    if (path[0])
        pt_remove_store(path);
}

static void test_sigkill_mid_batch(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "/tmp/patron_test_crash_%ld.db", (long)getpid());
    for (int round = 0; round < 3; round++) {
        pt_remove_store(path);
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0) {
            close(fds[0]);
            patron_db *db;
            if (patron_open(&db, path, NULL))
                _exit(2);
            patron_profile_set_country(db, "IL");
            patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
            f.name = "M";
            f.phone = "050-123-4567";
            f.consent = "sms";
            int64_t m;
            if (patron_profile_add(db, &m, &f, T0))
                _exit(3);
            /* batch 1: committed */
            patron_batch_begin(db);
            for (int i = 0; i < 1000; i++) {
                char k[16];
                snprintf(k, sizeof k, "a%d", i);
                patron_posting_request r = pt_posting(k, m, 1 + i % 7, T0);
                if (patron_ledger_earn(db, NULL, &r))
                    _exit(4);
            }
            if (patron_batch_commit(db))
                _exit(5);
            /* batch 2: killed in the middle; redemptions and earns */
            patron_batch_begin(db);
            for (int i = 0;; i++) {
                char k[16];
                snprintf(k, sizeof k, "b%d", i);
                patron_posting_request r = pt_posting(k, m, 1 + i % 5, T0 + 1);
                int rc = i % 3 ? patron_ledger_earn(db, NULL, &r) : patron_ledger_redeem(db, NULL, &r);
                if (rc)
                    _exit(6);
                if (i == 300 + round * 400) {
                    char c = 'x';
                    if (write(fds[1], &c, 1) != 1)
                        _exit(7);
                }
            }
        }
        close(fds[1]);
        char c;
        assert_int_equal(read(fds[0], &c, 1), 1);
        struct timespec ts = {0, (long)round * 3000000L};
        nanosleep(&ts, NULL);
        kill(child, SIGKILL);
        int status;
        waitpid(child, &status, 0);
        assert_true(WIFSIGNALED(status));
        close(fds[0]);
        patron_db *db;
        assert_int_equal(patron_open(&db, path, NULL), PATRON_OK);
        assert_int_equal(q(db, "SELECT count(*) FROM postings"), 1000);
        assert_int_equal(q(db, "SELECT count(*) FROM postings WHERE key LIKE 'b%'"), 0);
        int64_t expect = 0;
        for (int i = 0; i < 1000; i++)
            expect += 1 + i % 7;
        assert_int_equal(pt_available(db, 1, T0 + 1), expect);
        patron_ledger_report rep;
        assert_int_equal(patron_ledger_check(db, &rep), PATRON_OK);
        assert_int_equal(rep.problems, 0);
        /* the store is writable again */
        patron_posting_request r = pt_posting("after", 1, 5, T0 + 2);
        assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
        patron_close(db);
    }
    pt_remove_store(path);
}

static void test_sigkill_during_single_writes(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "/tmp/patron_test_crash2_%ld.db", (long)getpid());
    pt_remove_store(path);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(fds[0]);
        patron_db *db;
        patron_db_options o = PATRON_DB_OPTIONS_INIT;
        o.synchronous = PATRON_SYNC_OFF; /* a process crash loses nothing committed even so */
        if (patron_open(&db, path, &o))
            _exit(2);
        patron_profile_set_country(db, "IL");
        patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
        f.name = "M";
        f.phone = "050-123-4567";
        f.consent = "sms";
        int64_t m;
        if (patron_profile_add(db, &m, &f, T0))
            _exit(3);
        for (int i = 0;; i++) {
            char k[16];
            snprintf(k, sizeof k, "s%d", i);
            patron_posting_request r = pt_posting(k, m, 3, T0);
            int rc = i % 4 == 3 ? patron_ledger_redeem(db, NULL, &r) : patron_ledger_earn(db, NULL, &r);
            if (rc)
                _exit(4);
            /* report each committed posting */
            int32_t n = i + 1;
            if (write(fds[1], &n, sizeof n) != sizeof n)
                _exit(5);
        }
    }
    close(fds[1]);
    int32_t n = 0, last = 0;
    while (last < 500 && read(fds[0], &n, sizeof n) == sizeof n)
        last = n;
    kill(child, SIGKILL);
    int status;
    waitpid(child, &status, 0);
    while (read(fds[0], &n, sizeof n) == sizeof n)
        last = n;
    close(fds[0]);
    patron_db *db;
    assert_int_equal(patron_open(&db, path, NULL), PATRON_OK);
    int64_t count = q(db, "SELECT count(*) FROM postings");
    /* every acknowledged posting is there; at most one more (committed, not yet acknowledged) */
    assert_true(count == last || count == last + 1);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
    pt_remove_store(path);
}

/* ---- allocation failures ------------------------------------------------ */

static int full_flow(void *ctx)
{
    (void)ctx;
    patron_db *db = NULL;
    int rc = patron_open(&db, ":memory:", NULL);
    if (rc)
        return rc;
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Dana";
    f.phone = "+972501234567";
    f.email = "dana@example.com";
    f.consent = "sms";
    int64_t m = 0;
    patron_posting_result res;
    patron_statement *st = NULL;
    patron_profile *p = NULL;
    char *json = NULL, *next = NULL;
    patron_posting_request r = pt_posting("e1", 0, 100, T0);
    if ((rc = patron_profile_add(db, &m, &f, T0)))
        goto out;
    r.member_id = m;
    if ((rc = patron_ledger_earn(db, &res, &r)))
        goto out;
    r = pt_posting("r1", m, 40, T0 + 1);
    if ((rc = patron_ledger_redeem(db, &res, &r)))
        goto out;
    r = pt_posting("v1", m, 0, T0 + 2);
    r.target = res.posting_id;
    if ((rc = patron_ledger_reverse(db, &res, &r)))
        goto out;
    if ((rc = patron_ledger_statement(db, &st, m, 0, T0 + 10)))
        goto out;
    if ((rc = patron_profile_get(db, &p, m)))
        goto out;
    if ((rc = patron_profile_next_field(db, &next, m)))
        goto out;
    if ((rc = patron_profile_export(db, &json, m)))
        goto out;
    rc = patron_ledger_check(db, NULL);
out:
    patron_statement_free(st);
    patron_profile_free(p);
    patron_free(json);
    patron_free(next);
    patron_close(db);
    return rc;
}

static void test_allocation_failures_are_clean(void **state)
{
    (void)state;
    size_t points = pt_failalloc_walk(full_flow, NULL, NULL);
    assert_true(points > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_earn_is_idempotent),
        cmocka_unit_test(test_earn_member_checks),
        cmocka_unit_test(test_insufficient_balance_changes_nothing),
        cmocka_unit_test(test_pending_points_mature_and_returns_cancel),
        cmocka_unit_test(test_expiry_fifo_and_expire_postings),
        cmocka_unit_test(test_statement_balance_history_and_rules),
        cmocka_unit_test(test_reverse_rules),
        cmocka_unit_test(test_transfer),
        cmocka_unit_test(test_check_detects_tampering),
        cmocka_unit_test(test_batch_with_a_failing_call),
        cmocka_unit_test(test_fifo_by_earning_time_across_the_index),
        cmocka_unit_test(test_randomized_against_model),
        cmocka_unit_test(test_two_handles_and_rollbacks_keep_accounts_true),
        cmocka_unit_test(test_settings_changed_by_another_handle),
        cmocka_unit_test(test_sigkill_mid_batch),
        cmocka_unit_test(test_sigkill_during_single_writes),
        cmocka_unit_test(test_allocation_failures_are_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
