/* Budgets and limits of earning rules (earn.h, docs/guide/ledger.md
 * "Campaign budgets and limits"): total points and awards budgets with the
 * partial award at the boundary, per-member and per-store limits, daily,
 * weekly (from Monday) and monthly windows, returns giving back, quotes,
 * merged members, validation, the audit entry; and many processes taking
 * from one budget at once (no overspend, no lost award). On PostgreSQL a
 * purchase locks only its own members (patron_earn_purchase is a
 * member-scoped write): what keeps processes buying for different members
 * from overspending a shared budget is the lock on the budget's row alone
 * (lib/earn/budget.c), which the second test isolates: no two processes
 * share a member. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "patron.h"
#include "procs.h"
#include "store_support.h"

/* 2026-01-05 was a Monday */
#define MON INT64_C(1767571200)
#define DAY INT64_C(86400)

static patron_db *open_db(void)
{
    patron_db *db = pt_store_new(NULL);
    assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
    return db;
}

static int64_t member(patron_db *db, int i)
{
    char phone[32];
    snprintf(phone, sizeof phone, "050-000-1%03d", i);
    return pt_member(db, phone, "sms", MON - 30 * DAY);
}

/* a campaign of `bonus` points per purchase (no base rule: the bonus is all) */
static void campaign(patron_db *db, const char *name, int64_t bonus)
{
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = name;
    r.kind = PATRON_EARN_CAMPAIGN;
    r.points = bonus;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_OK);
}

static int64_t buy_at(patron_db *db, const char *key, int64_t m, int64_t at, const char *loc)
{
    patron_purchase_line line = {"a", NULL, 1000};
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = key;
    p.member_id = m;
    p.at = at;
    p.lines = &line;
    p.n_lines = 1;
    p.location = loc;
    int64_t quote = -1;
    patron_earn_result res;
    assert_int_equal(patron_earn_quote(db, &quote, &p), PATRON_OK);
    assert_int_equal(patron_earn_purchase(db, &res, &p), PATRON_OK);
    assert_int_equal(res.points, quote); /* the quote sees the remaining budget */
    return res.points;
}

static void test_total_points_partial_award(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, 1), b = member(db, 2);
    campaign(db, "spring", 40);
    patron_earn_budget bu = PATRON_EARN_BUDGET_INIT;
    bu.points = 100;
    assert_int_equal(patron_earn_budget_set(db, "spring", &bu), PATRON_OK);
    assert_int_equal(buy_at(db, "o1", a, MON, NULL), 40);
    assert_int_equal(buy_at(db, "o2", b, MON + 1, NULL), 40);
    assert_int_equal(buy_at(db, "o3", a, MON + 2, NULL), 20); /* exactly the remainder */
    assert_int_equal(buy_at(db, "o4", b, MON + 3, NULL), 0);  /* spent: nothing */
    assert_int_equal(pt_available(db, a, MON + DAY) + pt_available(db, b, MON + DAY), 100);
    patron_earn_budget got = PATRON_EARN_BUDGET_INIT;
    patron_earn_budget_usage u = PATRON_EARN_BUDGET_USAGE_INIT;
    assert_int_equal(patron_earn_budget_get(db, &got, &u, "spring", MON, 0, NULL), PATRON_OK);
    assert_int_equal(got.points, 100);
    assert_int_equal(u.points_used, 100);
    assert_int_equal(u.awards_used, 3);
    assert_int_equal(u.points_left, 0);
    assert_int_equal(u.awards_left, -1);
    assert_int_equal(u.member_points_left, -1);
    /* a replay changes nothing */
    patron_purchase_line line = {"a", NULL, 1000};
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = "o3";
    p.member_id = a;
    p.at = MON + 2;
    p.lines = &line;
    p.n_lines = 1;
    patron_earn_result res;
    assert_int_equal(patron_earn_purchase(db, &res, &p), PATRON_OK);
    assert_int_equal(res.replayed, 1);
    assert_int_equal(res.points, 20);
    /* a return gives back what its award took: the next purchase gets it */
    assert_int_equal(patron_earn_return(db, "o1", MON + 10), PATRON_OK);
    assert_int_equal(patron_earn_budget_get(db, NULL, &u, "spring", MON, 0, NULL), PATRON_OK);
    assert_int_equal(u.points_used, 60);
    assert_int_equal(u.awards_used, 2);
    assert_int_equal(patron_earn_return(db, "o1", MON + 11), PATRON_OK); /* twice: once given back */
    assert_int_equal(patron_earn_budget_get(db, NULL, &u, "spring", MON, 0, NULL), PATRON_OK);
    assert_int_equal(u.points_used, 60);
    assert_int_equal(buy_at(db, "o5", b, MON + 20, NULL), 40);
    assert_int_equal(buy_at(db, "o6", b, MON + 21, NULL), 0);
    patron_close(db);
}

static void test_awards_budget_and_lifting(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, 1);
    campaign(db, "promo", 7);
    patron_earn_budget bu = PATRON_EARN_BUDGET_INIT;
    bu.awards = 2;
    assert_int_equal(patron_earn_budget_set(db, "promo", &bu), PATRON_OK);
    assert_int_equal(buy_at(db, "o1", a, MON, NULL), 7);
    assert_int_equal(buy_at(db, "o2", a, MON, NULL), 7);
    assert_int_equal(buy_at(db, "o3", a, MON, NULL), 0);
    /* a budget with no limits lifts them */
    patron_earn_budget none = PATRON_EARN_BUDGET_INIT;
    assert_int_equal(patron_earn_budget_set(db, "promo", &none), PATRON_OK);
    assert_int_equal(buy_at(db, "o4", a, MON, NULL), 7);
    patron_earn_budget got = PATRON_EARN_BUDGET_INIT;
    got.awards = 99;
    assert_int_equal(patron_earn_budget_get(db, &got, NULL, "promo", MON, 0, NULL), PATRON_OK);
    assert_int_equal(got.awards, 0);
    patron_close(db);
}

static void test_member_daily_weekly_monthly(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, 1), b = member(db, 2);
    campaign(db, "day", 10);
    campaign(db, "week", 100);
    campaign(db, "month", 1000);
    patron_earn_budget d = PATRON_EARN_BUDGET_INIT;
    d.member_window = PATRON_EARN_WINDOW_DAY;
    d.member_points = 15;
    assert_int_equal(patron_earn_budget_set(db, "day", &d), PATRON_OK);
    patron_earn_budget w = PATRON_EARN_BUDGET_INIT;
    w.member_window = PATRON_EARN_WINDOW_WEEK;
    w.member_awards = 1;
    assert_int_equal(patron_earn_budget_set(db, "week", &w), PATRON_OK);
    patron_earn_budget mo = PATRON_EARN_BUDGET_INIT;
    mo.period = PATRON_EARN_WINDOW_MONTH;
    mo.period_points = 1500; /* all members together per calendar month */
    assert_int_equal(patron_earn_budget_set(db, "month", &mo), PATRON_OK);
    /* Monday: a gets 10 + 100 + 1000; again 5 (day limit) + 0 + 500 (month) */
    assert_int_equal(buy_at(db, "o1", a, MON + 3600, NULL), 1110);
    assert_int_equal(buy_at(db, "o2", a, MON + 7200, NULL), 505);
    /* b has its own member limits, but the month is spent */
    assert_int_equal(buy_at(db, "o3", b, MON + 7200, NULL), 110);
    /* Sunday 23:59:59 is the same ISO week; the day is new */
    assert_int_equal(buy_at(db, "o4", a, MON + 7 * DAY - 1, NULL), 10);
    /* the next Monday 00:00: a new week */
    assert_int_equal(buy_at(db, "o5", a, MON + 7 * DAY, NULL), 110);
    /* February: a new month (2026-02-01) */
    int64_t feb = MON + 27 * DAY;
    assert_int_equal(buy_at(db, "o6", b, feb - 1, NULL), 110);
    assert_int_equal(buy_at(db, "o7", b, feb, NULL), 1010); /* same ISO week as o6: no "week" award */
    patron_earn_budget_usage u = PATRON_EARN_BUDGET_USAGE_INIT;
    assert_int_equal(patron_earn_budget_get(db, NULL, &u, "day", MON + 3600, a, NULL), PATRON_OK);
    assert_int_equal(u.member_start, MON);
    assert_int_equal(u.member_end, MON + DAY);
    assert_int_equal(u.member_points_used, 15);
    assert_int_equal(u.member_points_left, 0);
    assert_int_equal(u.points_used, 15 + 10 + 10 + 10 + 10 + 10);
    assert_int_equal(patron_earn_budget_get(db, NULL, &u, "week", MON + 3 * DAY, a, NULL), PATRON_OK);
    assert_int_equal(u.member_start, MON);
    assert_int_equal(u.member_end, MON + 7 * DAY);
    assert_int_equal(u.member_awards_used, 1);
    assert_int_equal(u.member_awards_left, 0);
    assert_int_equal(patron_earn_budget_get(db, NULL, &u, "month", MON, 0, NULL), PATRON_OK);
    assert_int_equal(u.period_start, MON - 4 * DAY); /* 2026-01-01 */
    assert_int_equal(u.period_end, feb);
    assert_int_equal(u.period_points_used, 1500);
    assert_int_equal(u.period_points_left, 0);
    patron_close(db);
}

static void test_store_limit(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, 1), b = member(db, 2);
    campaign(db, "opening", 30);
    patron_earn_budget bu = PATRON_EARN_BUDGET_INIT;
    bu.store_points = 50;
    bu.store_window = PATRON_EARN_WINDOW_DAY;
    assert_int_equal(patron_earn_budget_set(db, "opening", &bu), PATRON_OK);
    assert_int_equal(buy_at(db, "o1", a, MON, "tlv-1"), 30);
    assert_int_equal(buy_at(db, "o2", b, MON, "tlv-1"), 20);
    assert_int_equal(buy_at(db, "o3", b, MON, "tlv-1"), 0);
    assert_int_equal(buy_at(db, "o4", b, MON, "hfa-2"), 30);
    assert_int_equal(buy_at(db, "o5", b, MON, NULL), 30); /* no location: no store limit */
    assert_int_equal(buy_at(db, "o6", a, MON + DAY, "tlv-1"), 30);
    patron_earn_budget_usage u = PATRON_EARN_BUDGET_USAGE_INIT;
    assert_int_equal(patron_earn_budget_get(db, NULL, &u, "opening", MON, 0, "tlv-1"), PATRON_OK);
    assert_int_equal(u.store_points_used, 50);
    assert_int_equal(u.store_awards_used, 2);
    assert_int_equal(u.store_points_left, 0);
    patron_close(db);
}

static void test_merged_member_counts(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, 1), b = member(db, 2);
    campaign(db, "welcome", 25);
    patron_earn_budget bu = PATRON_EARN_BUDGET_INIT;
    bu.member_points = 40;
    assert_int_equal(patron_earn_budget_set(db, "welcome", &bu), PATRON_OK);
    assert_int_equal(buy_at(db, "o1", a, MON, NULL), 25);
    assert_int_equal(buy_at(db, "o2", b, MON, NULL), 25);
    assert_int_equal(patron_profile_merge(db, a, b, MON + 10, "ops", "duplicate"), PATRON_OK);
    /* a now carries b's 25 too: 40 - 50 < 0 left */
    assert_int_equal(buy_at(db, "o3", a, MON + 20, NULL), 0);
    patron_earn_budget_usage u = PATRON_EARN_BUDGET_USAGE_INIT;
    assert_int_equal(patron_earn_budget_get(db, NULL, &u, "welcome", MON, b, NULL), PATRON_OK);
    assert_int_equal(u.member_points_used, 50); /* b resolves to a */
    assert_int_equal(u.member_points_left, 0);
    patron_close(db);
}

static void test_referral_two_awards_quote(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = member(db, 1), b = member(db, 2);
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = "refer";
    r.kind = PATRON_EARN_REFERRAL;
    r.points = 60;
    r.referee_points = 60;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_OK);
    assert_int_equal(patron_earn_set_referrer(db, b, a), PATRON_OK);
    patron_earn_budget bu = PATRON_EARN_BUDGET_INIT;
    bu.points = 100;
    assert_int_equal(patron_earn_budget_set(db, "refer", &bu), PATRON_OK);
    /* the referrer's award comes first (60), the member's gets the rest; the
     * quote counts the first award too */
    assert_int_equal(buy_at(db, "o1", b, MON, NULL), 40);
    assert_int_equal(pt_available(db, a, MON + 1), 60);
    patron_close(db);
}

static void test_validation_and_audit(void **state)
{
    (void)state;
    patron_db *db = open_db();
    campaign(db, "c", 5);
    patron_earn_budget bu = PATRON_EARN_BUDGET_INIT;
    bu.points = 10;
    assert_int_equal(patron_earn_budget_set(db, "nope", &bu), PATRON_ENOTFOUND);
    assert_non_null(strstr(patron_errmsg(), "nope"));
    bu.points = -1;
    assert_int_equal(patron_earn_budget_set(db, "c", &bu), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "points -1"));
    bu.points = 10;
    bu.member_window = 9;
    assert_int_equal(patron_earn_budget_set(db, "c", &bu), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "member_window 9"));
    bu.member_window = 0;
    bu.period = PATRON_EARN_WINDOW_DAY; /* a window without a limit */
    assert_int_equal(patron_earn_budget_set(db, "c", &bu), PATRON_EINVAL);
    bu.period = 0;
    bu.size = 4;
    assert_int_equal(patron_earn_budget_set(db, "c", &bu), PATRON_EINVAL);
    bu.size = sizeof bu;
    assert_int_equal(patron_earn_budget_set(db, NULL, &bu), PATRON_EINVAL);
    assert_int_equal(patron_earn_budget_set(db, "c", NULL), PATRON_EINVAL);
    /* nothing was set by the failures */
    patron_earn_budget got = PATRON_EARN_BUDGET_INIT;
    assert_int_equal(patron_earn_budget_get(db, &got, NULL, "c", MON, 0, NULL), PATRON_OK);
    assert_int_equal(got.points, 0);
    assert_int_equal(patron_db_set_actor(db, "ops@shop"), PATRON_OK);
    assert_int_equal(patron_earn_budget_set(db, "c", &bu), PATRON_OK);
    patron_audit_entries *list = NULL;
    assert_int_equal(patron_audit_list(db, &list, NULL), PATRON_OK);
    int found = 0;
    for (size_t i = 0; i < patron_audit_entries_count(list); i++) {
        const patron_audit_entry *e = patron_audit_entries_get(list, i);
        if (!strcmp(e->action, "rule.budget")) {
            found = 1;
            assert_string_equal(e->actor, "ops@shop");
            assert_non_null(strstr(e->detail, "\"rule\":\"c\""));
            assert_non_null(strstr(e->detail, "\"points\":10"));
        }
    }
    patron_audit_entries_free(list);
    assert_true(found);
    assert_int_equal(patron_earn_budget_get(db, NULL, NULL, "nope", MON, 0, NULL), PATRON_ENOTFOUND);
    assert_int_equal(patron_earn_budget_get(db, NULL, NULL, "c", MON, 999, NULL), PATRON_ENOTFOUND);
    patron_close(db);
}

/* ---- many processes, one budget --------------------------------------- */

#define PROCS 6
#define BUYS 40
#define MEMBERS 8
#define BONUS 7
#define BUDGET 1000 /* 1000 / 7: 142 full awards and one of 6 */
#define PER_MEMBER 200

typedef struct report {
    int64_t member, points;
    int32_t status;
} report;

/* A child's purchase and what it was told, written to the parent's pipe. */
static void buy_and_report(patron_db *db, int fd, const patron_purchase *p)
{
    patron_earn_result res = {0, 0, 0};
    report r;
    memset(&r, 0, sizeof r); /* the padding too: it goes down a pipe */
    r.member = p->member_id;
    r.status = patron_earn_purchase(db, &res, p);
    r.points = res.points;
    if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
        _exit(3);
}

static void child(int proc, int fd, void *ctx)
{
    const char *uri = ctx;
    patron_db *db = NULL;
    if (patron_open(&db, uri, NULL) != PATRON_OK)
        _exit(2);
    for (int i = 0; i < BUYS; i++) {
        char key[32];
        snprintf(key, sizeof key, "p%d-%d", proc, i);
        patron_purchase_line line = {"a", NULL, 1000};
        patron_purchase p = PATRON_PURCHASE_INIT;
        p.key = key;
        p.member_id = 1 + (proc * BUYS + i) % MEMBERS;
        p.at = MON + i;
        p.lines = &line;
        p.n_lines = 1;
        buy_and_report(db, fd, &p);
    }
    patron_close(db);
}

static void test_concurrent_writers_no_overspend(void **state)
{
    (void)state;
    const char *uri = pt_store_open_uri(pt_store_uri(1));
    patron_db *db = NULL;
    assert_int_equal(patron_open(&db, uri, NULL), PATRON_OK);
    assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
    for (int m = 0; m < MEMBERS; m++)
        assert_int_equal(member(db, m), m + 1);
    campaign(db, "flash", BONUS);
    patron_earn_budget bu = PATRON_EARN_BUDGET_INIT;
    bu.points = BUDGET;
    bu.member_points = PER_MEMBER;
    assert_int_equal(patron_earn_budget_set(db, "flash", &bu), PATRON_OK);
    patron_close(db);
    pt_procs ps;
    pt_procs_start(&ps, PROCS, child, (void *)uri);
    int64_t told = 0, per[MEMBERS + 1] = {0};
    long n = 0, partial = 0, failures = 0;
    report r;
    while (pt_procs_read(&ps, &r, sizeof r)) {
        n++;
        if (r.status != PATRON_OK) {
            failures++;
            continue;
        }
        told += r.points;
        per[r.member] += r.points;
        partial += r.points > 0 && r.points < BONUS;
    }
    pt_procs_finish(&ps);
    assert_int_equal(failures, 0);
    assert_int_equal(n, PROCS * BUYS);
    /* 240 purchases of 7 would be 1680: the budget stops it at exactly 1000 */
    assert_int_equal(told, BUDGET);
    assert_true(partial <= 1 + MEMBERS);
    assert_int_equal(patron_open(&db, uri, NULL), PATRON_OK);
    int64_t balances = 0;
    for (int m = 1; m <= MEMBERS; m++) {
        int64_t got = pt_available(db, m, MON + DAY);
        assert_int_equal(got, per[m]); /* every award told is in the ledger, once */
        assert_true(got <= PER_MEMBER);
        balances += got;
    }
    assert_int_equal(balances, BUDGET);
    patron_earn_budget_usage u = PATRON_EARN_BUDGET_USAGE_INIT;
    assert_int_equal(patron_earn_budget_get(db, NULL, &u, "flash", MON, 0, NULL), PATRON_OK);
    assert_int_equal(u.points_used, BUDGET);
    assert_int_equal(u.points_left, 0);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

/* ---- many processes, disjoint members, one budget ---------------------- */

#define DPROCS 8
#define DBUYS 30
#define DMEMBERS 3            /* members per process, none shared */
#define DAY_POINTS 900        /* the day's budget: 128 awards of 7 and one of 4 */
#define DAY_AWARDS 200        /* above the 129 the points allow */
#define REF_POINTS 5          /* referral: the referrer's bonus */
#define REF_REFEREE 3         /* and the referee's */

static int64_t dmember(int proc, int k)
{
    return 1 + proc * DMEMBERS + k;
}

static void disjoint_child(int proc, int fd, void *ctx)
{
    const char *uri = ctx;
    patron_db *db = NULL;
    if (patron_open(&db, uri, NULL) != PATRON_OK)
        _exit(2);
    for (int i = 0; i < DBUYS; i++) {
        char key[32];
        snprintf(key, sizeof key, "d%d-%d", proc, i);
        patron_purchase_line line = {"a", NULL, 1000};
        patron_purchase p = PATRON_PURCHASE_INIT;
        p.key = key;
        p.member_id = dmember(proc, i % DMEMBERS);
        p.at = MON + 3600 + i;
        p.lines = &line;
        p.n_lines = 1;
        buy_and_report(db, fd, &p);
    }
    patron_close(db);
}

/* 8 processes, each buying for its own 3 members (no member lock is ever
 * waited for), all taking from one rule's daily points budget: exactly the
 * budget is awarded, every award told is in the ledger once. Each process's
 * first member was referred by the previous process's first member, so
 * purchases also write to a member of another process (the referrer's
 * bonus): locked with the buyer in id order, no deadlock. */
static void test_disjoint_members_share_one_budget(void **state)
{
    (void)state;
    const char *uri = pt_store_open_uri(pt_store_uri(1));
    patron_db *db = NULL;
    assert_int_equal(patron_open(&db, uri, NULL), PATRON_OK);
    assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
    for (int m = 0; m < DPROCS * DMEMBERS; m++)
        assert_int_equal(member(db, m), m + 1);
    for (int p = 1; p < DPROCS; p++)
        assert_int_equal(patron_earn_set_referrer(db, dmember(p, 0), dmember(p - 1, 0)), PATRON_OK);
    campaign(db, "flash", BONUS);
    patron_earn_rule ref = PATRON_EARN_RULE_INIT;
    ref.name = "ref";
    ref.kind = PATRON_EARN_REFERRAL;
    ref.points = REF_POINTS;
    ref.referee_points = REF_REFEREE;
    assert_int_equal(patron_earn_rule_add(db, NULL, &ref), PATRON_OK);
    patron_earn_budget bu = PATRON_EARN_BUDGET_INIT;
    bu.period = PATRON_EARN_WINDOW_DAY;
    bu.period_points = DAY_POINTS;
    bu.period_awards = DAY_AWARDS;
    assert_int_equal(patron_earn_budget_set(db, "flash", &bu), PATRON_OK);
    patron_close(db);
    pt_procs ps;
    pt_procs_start(&ps, DPROCS, disjoint_child, (void *)uri);
    int64_t per[DPROCS * DMEMBERS + 1] = {0};
    long n = 0, failures = 0;
    report r;
    while (pt_procs_read(&ps, &r, sizeof r)) {
        n++;
        if (r.status != PATRON_OK) {
            failures++;
            continue;
        }
        per[r.member] += r.points;
    }
    pt_procs_finish(&ps);
    assert_int_equal(failures, 0);
    assert_int_equal(n, DPROCS * DBUYS);
    assert_int_equal(patron_open(&db, uri, NULL), PATRON_OK);
    patron_earn_budget_usage u = PATRON_EARN_BUDGET_USAGE_INIT;
    assert_int_equal(patron_earn_budget_get(db, NULL, &u, "flash", MON + 3600, 0, NULL), PATRON_OK);
    /* 240 purchases of 7 would be 1680: the day's budget stops it at 900 */
    assert_int_equal(u.period_points_used, DAY_POINTS);
    assert_int_equal(u.period_points_left, 0);
    assert_int_equal(u.period_awards_used, DAY_POINTS / BONUS + 1);
    assert_int_equal(u.points_used, DAY_POINTS);
    int64_t balances = 0, told = 0;
    for (int m = 1; m <= DPROCS * DMEMBERS; m++) {
        int64_t want = per[m];
        /* the first member of every process but the last referred the next one */
        if ((m - 1) % DMEMBERS == 0 && (m - 1) / DMEMBERS < DPROCS - 1)
            want += REF_POINTS;
        assert_int_equal(pt_available(db, m, MON + DAY), want);
        balances += want;
        told += per[m];
    }
    /* the budget's points, the referees' and the referrers' bonuses */
    assert_int_equal(told, DAY_POINTS + (DPROCS - 1) * REF_REFEREE);
    assert_int_equal(balances, DAY_POINTS + (DPROCS - 1) * (REF_REFEREE + REF_POINTS));
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

/* ---- many processes, the same purchases ---------------------------------- */

#define SPROCS 4
#define SKEYS 30

typedef struct same_report {
    int32_t key, status, replayed;
    int64_t points;
} same_report;

static void same_child(int proc, int fd, void *ctx)
{
    const char *uri = ctx;
    patron_db *db = NULL;
    if (patron_open(&db, uri, NULL) != PATRON_OK)
        _exit(2);
    for (int j = 0; j < SKEYS; j++) {
        static const int step[SPROCS] = {1, 7, 11, 13}; /* prime to SKEYS: every process its own order */
        int i = (j * step[proc] + proc) % SKEYS;
        char key[32];
        snprintf(key, sizeof key, "s-%d", i);
        patron_purchase_line line = {"a", NULL, 1000};
        patron_purchase p = PATRON_PURCHASE_INIT;
        p.key = key;
        p.member_id = 1 + i % 3;
        p.at = MON + 7200 + i;
        p.lines = &line;
        p.n_lines = 1;
        patron_earn_result res = {0, 0, 0};
        same_report r;
        memset(&r, 0, sizeof r);
        r.key = i;
        r.status = patron_earn_purchase(db, &res, &p);
        r.points = res.points;
        r.replayed = (int32_t)res.replayed;
        if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
            _exit(3);
    }
    patron_close(db);
}

/* 4 processes scoring the same 30 purchases at once (each in its own
 * order) under a budget smaller than their awards: every call succeeds, a
 * purchase is scored once and replayed to the others with the same points
 * (the buyer's lock is taken before the key is looked up), and the budget
 * counts each award once. */
static void test_same_purchases_from_many_processes(void **state)
{
    (void)state;
    const char *uri = pt_store_open_uri(pt_store_uri(1));
    patron_db *db = NULL;
    assert_int_equal(patron_open(&db, uri, NULL), PATRON_OK);
    assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
    for (int m = 0; m < 3; m++)
        assert_int_equal(member(db, m), m + 1);
    campaign(db, "flash", BONUS);
    patron_earn_budget bu = PATRON_EARN_BUDGET_INIT;
    bu.points = 100; /* 14 awards of 7 and one of 2 */
    assert_int_equal(patron_earn_budget_set(db, "flash", &bu), PATRON_OK);
    patron_close(db);
    pt_procs ps;
    pt_procs_start(&ps, SPROCS, same_child, (void *)uri);
    int64_t points[SKEYS];
    int seen[SKEYS] = {0}, scored[SKEYS] = {0};
    long n = 0, failures = 0;
    same_report r;
    while (pt_procs_read(&ps, &r, sizeof r)) {
        n++;
        if (r.status != PATRON_OK) {
            failures++;
            continue;
        }
        if (seen[r.key]++)
            assert_int_equal(r.points, points[r.key]); /* a replay tells what the scoring gave */
        else
            points[r.key] = r.points;
        scored[r.key] += !r.replayed;
    }
    pt_procs_finish(&ps);
    assert_int_equal(failures, 0);
    assert_int_equal(n, SPROCS * SKEYS);
    int64_t total = 0, per[4] = {0};
    for (int i = 0; i < SKEYS; i++) {
        assert_int_equal(seen[i], SPROCS);
        assert_int_equal(scored[i], 1);
        total += points[i];
        per[1 + i % 3] += points[i];
    }
    assert_int_equal(total, 100);
    assert_int_equal(patron_open(&db, uri, NULL), PATRON_OK);
    for (int m = 1; m <= 3; m++)
        assert_int_equal(pt_available(db, m, MON + DAY), per[m]);
    patron_earn_budget_usage u = PATRON_EARN_BUDGET_USAGE_INIT;
    assert_int_equal(patron_earn_budget_get(db, NULL, &u, "flash", MON, 0, NULL), PATRON_OK);
    assert_int_equal(u.points_used, 100);
    assert_int_equal(u.awards_used, 15);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_total_points_partial_award),
        cmocka_unit_test(test_awards_budget_and_lifting),
        cmocka_unit_test(test_member_daily_weekly_monthly),
        cmocka_unit_test(test_store_limit),
        cmocka_unit_test(test_merged_member_counts),
        cmocka_unit_test(test_referral_two_awards_quote),
        cmocka_unit_test(test_validation_and_audit),
        cmocka_unit_test(test_concurrent_writers_no_overspend),
        cmocka_unit_test(test_disjoint_members_share_one_budget),
        cmocka_unit_test(test_same_purchases_from_many_processes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
