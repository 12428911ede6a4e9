/* Many processes, one stock: child processes (4 on one SQLite file, 6 on
 * one PostgreSQL schema), each with its own connection, race to redeem
 * the last units of a reward, a poor member's last points, the last uses
 * of a multi-use coupon, a member's per-campaign coupon limit and a gift
 * card's balance. Afterwards exactly as many succeeded as the limits allow
 * (never one more), the stock, uses and balance are what those successes
 * leave, and every other attempt failed for its limit and nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "patron.h"
#include "store_support.h"

#define T0 INT64_C(1767225600)
#define MEMBERS 6
#define ROUNDS 12 /* attempts per operation per process */
#define OPS 5

static char uri[1100];
static int64_t members[MEMBERS], poor, limited;

static patron_db *open_handle(void)
{
    patron_db *db = NULL;
    patron_db_options o = PATRON_DB_OPTIONS_INIT;
    o.busy_timeout_ms = 120000;
    o.synchronous = PATRON_SYNC_OFF;
    return patron_open(&db, uri, &o) == PATRON_OK ? db : NULL;
}

/* What one process saw: successes per operation, and failures that were
 * not the operation's limit. */
typedef struct tally {
    int ok[OPS];
    int unexpected;
} tally;

static int expected(int op, int rc)
{
    static const int limit_rc[OPS] = {PATRON_ERANGE, PATRON_EBALANCE, PATRON_ERANGE, PATRON_ERANGE, PATRON_ERANGE};
    return rc == limit_rc[op] || (op == 3 && rc == PATRON_EBALANCE);
}

static void child(int id, int fd, int gate)
{
    tally t = {{0}, 0};
    patron_db *db = open_handle();
    char c;
    if (read(gate, &c, 1) != 0) /* every process starts when the parent closes the gate's write end */
        t.unexpected++;
    if (!db)
        t.unexpected = 1000;
    for (int i = 0; db && i < ROUNDS * OPS; i++) {
        int op = (i + id) % OPS, rc;
        char key[64];
        snprintf(key, sizeof key, "p%d-%d", id, i);
        if (op <= 1) {
            patron_reward_request q = PATRON_REWARD_REQUEST_INIT;
            q.key = key;
            q.reward = op == 0 ? "last" : "cheap";
            q.member_id = op == 0 ? members[i % MEMBERS] : poor;
            q.at = T0 + 10 + i;
            rc = patron_reward_redeem(db, NULL, &q);
        } else {
            static const char *const limit_codes[] = {"L1", "L2", "L3", "L4", "L5"};
            patron_coupon_request q = PATRON_COUPON_REQUEST_INIT;
            q.key = key;
            q.at = T0 + 10 + i;
            q.basket = 1000;
            q.code = op == 2 ? "MULTI" : op == 3 ? "GIFT" : limit_codes[i % 5];
            q.amount = op == 3 ? 70 : 0;
            q.member_id = op == 4 ? limited : 0;
            rc = patron_coupon_redeem(db, NULL, &q);
        }
        if (rc == PATRON_OK)
            t.ok[op]++;
        else if (!expected(op, rc)) {
            fprintf(stderr, "process %d op %d: %s\n", id, op, patron_errmsg());
            t.unexpected++;
        }
    }
    if (db)
        patron_close(db);
    ssize_t w = write(fd, &t, sizeof t);
    _exit(w == (ssize_t)sizeof t ? 0 : 1);
}

static void setup_store(void)
{
    snprintf(uri, sizeof uri, "%s", pt_store_open_uri(pt_store_uri(1)));
    patron_db *db = open_handle();
    assert_non_null(db);
    for (int i = 0; i < MEMBERS; i++) {
        char phone[32];
        snprintf(phone, sizeof phone, "+97250100%04d", i);
        members[i] = pt_member(db, phone, "sms", T0);
        patron_posting_request q = pt_posting(phone, members[i], 1000, T0);
        assert_int_equal(patron_ledger_earn(db, NULL, &q), PATRON_OK);
    }
    poor = pt_member(db, "+972501009998", "sms", T0);
    patron_posting_request q = pt_posting("poor", poor, 250, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &q), PATRON_OK);
    limited = pt_member(db, "+972501009999", "sms", T0);
    patron_reward r = PATRON_REWARD_INIT;
    r.code = "last";
    r.cost = 100;
    r.stock = 7;
    assert_int_equal(patron_reward_set(db, NULL, &r), PATRON_OK);
    r.code = "cheap";
    r.stock = PATRON_REWARD_UNLIMITED;
    assert_int_equal(patron_reward_set(db, NULL, &r), PATRON_OK);
    patron_coupon_campaign c = PATRON_COUPON_CAMPAIGN_INIT;
    c.name = "multi";
    c.amount_off = 100;
    c.max_uses = 9;
    assert_int_equal(patron_coupon_create(db, NULL, &c), PATRON_OK);
    const char *multi[] = {"MULTI"};
    assert_int_equal(patron_coupon_import(db, NULL, "multi", multi, 1), PATRON_OK);
    c.name = "gift";
    c.kind = PATRON_COUPON_GIFT_CARD;
    c.amount_off = 1000;
    c.max_uses = 0;
    assert_int_equal(patron_coupon_create(db, NULL, &c), PATRON_OK);
    const char *gift[] = {"GIFT"};
    assert_int_equal(patron_coupon_import(db, NULL, "gift", gift, 1), PATRON_OK);
    c = (patron_coupon_campaign)PATRON_COUPON_CAMPAIGN_INIT;
    c.name = "limit";
    c.percent_off = 5;
    c.max_uses = 0;
    c.per_member = 2;
    assert_int_equal(patron_coupon_create(db, NULL, &c), PATRON_OK);
    const char *lim[] = {"L1", "L2", "L3", "L4", "L5"};
    assert_int_equal(patron_coupon_import(db, NULL, "limit", lim, 5), PATRON_OK);
    patron_close(db);
}

static void last_units(void **state)
{
    (void)state;
    setup_store();
    int procs = pt_backend_is_postgres() ? 6 : 4;
    int fds[8];
    pid_t pids[8];
    fflush(NULL);
    int gate[2];
    assert_int_equal(pipe(gate), 0);
    for (int p = 0; p < procs; p++) {
        int pipefd[2];
        assert_int_equal(pipe(pipefd), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(pipefd[0]);
            close(gate[1]);
            child(p, pipefd[1], gate[0]);
        }
        close(pipefd[1]);
        fds[p] = pipefd[0];
        pids[p] = pid;
    }
    close(gate[0]);
    close(gate[1]);
    tally sum = {{0}, 0};
    for (int p = 0; p < procs; p++) {
        tally t;
        assert_int_equal(read(fds[p], &t, sizeof t), (ssize_t)sizeof t);
        close(fds[p]);
        int status = 0;
        assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        for (int op = 0; op < OPS; op++)
            sum.ok[op] += t.ok[op];
        sum.unexpected += t.unexpected;
    }
    assert_int_equal(sum.unexpected, 0);
    assert_int_equal(sum.ok[0], 7);  /* the stock */
    assert_int_equal(sum.ok[1], 2);  /* 250 points, 100 a unit */
    assert_int_equal(sum.ok[2], 9);  /* max_uses */
    assert_int_equal(sum.ok[3], 14); /* 1000 / 70 */
    assert_int_equal(sum.ok[4], 2);  /* per_member */
    patron_db *db = open_handle();
    assert_non_null(db);
    patron_reward_info i;
    i.size = sizeof i;
    assert_int_equal(patron_reward_get(db, &i, "last"), PATRON_OK);
    assert_int_equal(i.stock, 0);
    assert_int_equal(i.issued, 7);
    int64_t total = 0;
    for (int m = 0; m < MEMBERS; m++)
        total += pt_available(db, members[m], T0 + 1000);
    assert_int_equal(total, MEMBERS * 1000 - 7 * 100);
    assert_int_equal(pt_available(db, poor, T0 + 1000), 50);
    patron_coupon_codes *l = NULL;
    assert_int_equal(patron_coupon_list(db, &l, "multi"), PATRON_OK);
    assert_int_equal(patron_coupon_codes_get(l, 0)->uses, 9);
    patron_coupon_codes_free(l);
    assert_int_equal(patron_coupon_list(db, &l, "gift"), PATRON_OK);
    assert_int_equal(patron_coupon_codes_get(l, 0)->balance, 1000 - 14 * 70);
    patron_coupon_codes_free(l);
    patron_ledger_report rep;
    assert_int_equal(patron_ledger_check(db, &rep), PATRON_OK);
    assert_int_equal(rep.problems, 0);
    printf("%d processes: %d, %d, %d, %d, %d successes\n", procs, sum.ok[0], sum.ok[1], sum.ok[2], sum.ok[3],
           sum.ok[4]);
    patron_close(db);
    if (!pt_backend_is_postgres())
        pt_remove_store(pt_store_uri(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(last_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
