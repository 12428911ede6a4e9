/* Many processes, one store: 8 processes on one SQLite file, or 16 on one
 * PostgreSQL schema (PATRON_TEST_BACKEND=postgresql), each earning (one at
 * a time and in patron_ledger_earn_many arrays), redeeming and reversing
 * with idempotency keys, some posting the same shared keys as other
 * processes (alone or inside arrays), some retrying whole arrays.
 * Afterwards:
 * - every call succeeded or failed for a business reason (no EBUSY, no I/O
 *   error: writers wait their turn);
 * - every process that posted a shared key was given the same posting id;
 * - every member's balance equals the sum of what the processes were told
 *   their postings did (each posting counted once);
 * - no key is posted twice and patron_ledger_check finds nothing.
 * Children report each successful posting on a pipe as one fixed-size record. */
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

#define T0 INT64_C(1767225600)
#define MEMBERS 12
#define SHARED_KEYS 40

typedef struct report {
    int64_t posting_id;
    int64_t member;
    int64_t points;
    int64_t shared; /* shared key index + 1, or 0 */
    int32_t status; /* PATRON_OK, or the failure code of a call that must not fail */
    int32_t op;
} report;

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void send_report(int fd, const report *r)
{
    if (write(fd, r, sizeof *r) != (ssize_t)sizeof *r)
        _exit(3);
}

/* A shared key always carries the same request, whoever posts it. */
static patron_posting_request shared_request(int k, char *key, size_t cap)
{
    snprintf(key, cap, "shared-%d", k);
    patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
    r.key = key;
    r.member_id = 1 + k % MEMBERS;
    r.points = 10 + k;
    r.at = T0 + k;
    return r;
}

/* One patron_ledger_earn_many call of 2..17 requests: new keys of this
 * process, now and then a shared key or a repeat of an earlier request of
 * the same array; sometimes the whole array is posted again, which must
 * replay every request with the same ids. Reports what was posted. */
static void earn_many(patron_db *db, int id, int i, uint64_t *s, int fd, int64_t *mine, int64_t *mine_member,
                      int *nmine)
{
    enum { MAXN = 17 };
    char keys[MAXN][64];
    patron_posting_request req[MAXN];
    patron_posting_result res[MAXN], again[MAXN];
    int64_t shared[MAXN];
    size_t n = 2 + (size_t)(rng_next(s) % (MAXN - 1));
    int with_shared = rng_next(s) % 3 == 0;
    for (size_t j = 0; j < n; j++) {
        shared[j] = 0;
        if (with_shared && rng_next(s) % 4 == 0) {
            int k = (int)(rng_next(s) % SHARED_KEYS);
            req[j] = shared_request(k, keys[j], sizeof keys[j]);
            shared[j] = k + 1;
        } else if (j > 0 && rng_next(s) % 8 == 0) { /* the same request twice in one array */
            size_t e = (size_t)(rng_next(s) % j);
            req[j] = req[e];
            shared[j] = shared[e];
        } else {
            snprintf(keys[j], sizeof keys[j], "p%d-many-%d-%zu", id, i, j);
            patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
            r.key = keys[j];
            r.member_id = 1 + (int64_t)(rng_next(s) % MEMBERS);
            r.points = 1 + (int64_t)(rng_next(s) % 100);
            r.at = T0 + 1000 + i;
            req[j] = r;
        }
    }
    int rc = patron_ledger_earn_many(db, res, req, n);
    if (rc != PATRON_OK) {
        fprintf(stderr, "process %d op %d: earn_many: %s\n", id, i, patron_errmsg());
        report bad = {0, 0, 0, 0, rc, 10};
        send_report(fd, &bad);
        return;
    }
    for (size_t j = 0; j < n; j++) {
        report r = {res[j].posting_id, req[j].member_id, res[j].replayed ? 0 : res[j].points, shared[j], PATRON_OK, 10};
        send_report(fd, &r);
        if (!shared[j] && !res[j].replayed && *nmine < 512) {
            mine_member[*nmine] = req[j].member_id;
            mine[(*nmine)++] = res[j].posting_id;
        }
    }
    if (rng_next(s) % 4 == 0) { /* the whole array again: every request replays its posting */
        rc = patron_ledger_earn_many(db, again, req, n);
        for (size_t j = 0; j < n && rc == PATRON_OK; j++)
            if (!again[j].replayed || again[j].posting_id != res[j].posting_id)
                rc = PATRON_EINTERNAL;
        if (rc != PATRON_OK) {
            fprintf(stderr, "process %d op %d: earn_many again: rc %d %s\n", id, i, rc, patron_errmsg());
            report bad = {0, 0, 0, 0, rc, 11};
            send_report(fd, &bad);
        }
    }
}

typedef struct child_args {
    const char *uri;
    int ops;
} child_args;

static void child(int id, int fd, void *ctx)
{
    const char *uri = ((const child_args *)ctx)->uri;
    int ops = ((const child_args *)ctx)->ops;
    patron_db *db = NULL;
    patron_db_options o = PATRON_DB_OPTIONS_INIT;
    o.busy_timeout_ms = 60000;
    if (patron_open(&db, uri, &o) != PATRON_OK) {
        report r = {0, 0, 0, 0, PATRON_EIO, -1};
        send_report(fd, &r);
        return;
    }
    uint64_t s = 0x9E3779B97F4A7C15u ^ (uint64_t)(id + 1) * 0x100000001b3u;
    int64_t mine[512], mine_member[512];
    int nmine = 0;
    for (int i = 0; i < ops; i++) {
        char key[64];
        patron_posting_request req = PATRON_POSTING_REQUEST_INIT;
        patron_posting_result res;
        int op = (int)(rng_next(&s) % 12);
        int rc;
        int64_t shared = 0;
        if (op >= 10) { /* an array of earns */
            earn_many(db, id, i, &s, fd, mine, mine_member, &nmine);
            continue;
        }
        if (op < 2) { /* a shared key: several processes post it */
            int k = (int)(rng_next(&s) % SHARED_KEYS);
            req = shared_request(k, key, sizeof key);
            shared = k + 1;
            rc = patron_ledger_earn(db, &res, &req);
        } else if (op < 6) {
            snprintf(key, sizeof key, "p%d-earn-%d", id, i);
            req.key = key;
            req.member_id = 1 + (int64_t)(rng_next(&s) % MEMBERS);
            req.points = 1 + (int64_t)(rng_next(&s) % 100);
            req.at = T0 + 1000 + i;
            rc = patron_ledger_earn(db, &res, &req);
            if (rc == PATRON_OK && nmine < 512) {
                mine_member[nmine] = req.member_id;
                mine[nmine++] = res.posting_id;
            }
            if (rc == PATRON_OK && rng_next(&s) % 4 == 0) { /* a retry of the same key */
                patron_posting_result again;
                int rc2 = patron_ledger_earn(db, &again, &req);
                if (rc2 != PATRON_OK || !again.replayed || again.posting_id != res.posting_id) {
                    report bad = {again.posting_id, req.member_id, 0, 0, rc2 ? rc2 : PATRON_EINTERNAL, op};
                    fprintf(stderr, "process %d: retry of %s: rc %d, replayed %d\n", id, key, rc2, again.replayed);
                    send_report(fd, &bad);
                }
            }
        } else if (op < 9) {
            snprintf(key, sizeof key, "p%d-redeem-%d", id, i);
            req.key = key;
            req.member_id = 1 + (int64_t)(rng_next(&s) % MEMBERS);
            req.points = 1 + (int64_t)(rng_next(&s) % 40);
            req.at = T0 + 100000 + i;
            rc = patron_ledger_redeem(db, &res, &req);
        } else {
            if (nmine == 0)
                continue;
            uint64_t pick = rng_next(&s) % (uint64_t)nmine;
            int64_t target = mine[pick];
            snprintf(key, sizeof key, "p%d-rev-%lld", id, (long long)target);
            req.key = key;
            req.target = target;
            req.member_id = mine_member[pick];
            req.at = T0 + 200000 + i;
            rc = patron_ledger_reverse(db, &res, &req);
        }
        if (rc == PATRON_EBALANCE || rc == PATRON_ECONFLICT)
            continue; /* a business answer: nothing was posted */
        report r = {0, req.member_id, 0, shared, rc, op};
        if (rc == PATRON_OK) {
            r.posting_id = res.posting_id;
            r.points = res.replayed ? 0 : res.points;
        } else {
            fprintf(stderr, "process %d op %d: %s\n", id, i, patron_errmsg());
        }
        send_report(fd, &r);
    }
    patron_close(db);
}

static void run(int procs, int ops)
{
    const char *uri = pt_store_open_uri(pt_store_uri(1));
    patron_db *db = NULL;
    assert_int_equal(patron_open(&db, uri, NULL), PATRON_OK);
    for (int m = 0; m < MEMBERS; m++) {
        char phone[32];
        snprintf(phone, sizeof phone, "+97250%07d", 1000 + m);
        assert_int_equal(pt_member(db, phone, "sms", T0 - 86400), m + 1);
    }
    patron_close(db);

    child_args args = {uri, ops};
    pt_procs ps;
    pt_procs_start(&ps, procs, child, &args);
    int64_t expect[MEMBERS + 1] = {0};
    int64_t shared_id[SHARED_KEYS + 1] = {0};
    int64_t *seen = calloc((size_t)procs * (size_t)ops * 20 + 16, sizeof *seen);
    size_t nseen = 0, reports = 0, failures = 0, shared_posts = 0;
    report r;
    while (pt_procs_read(&ps, &r, sizeof r)) {
        reports++;
        if (r.status != PATRON_OK) {
            failures++;
            continue;
        }
        if (r.shared) {
            shared_posts++;
            if (shared_id[r.shared] == 0)
                shared_id[r.shared] = r.posting_id;
            assert_int_equal(shared_id[r.shared], r.posting_id); /* one posting per key, the same id for all */
        }
        /* each posting counts once (replays report 0 points) */
        int dup = 0;
        for (size_t i = 0; i < nseen && !dup; i++)
            dup = seen[i] == r.posting_id;
        if (!dup) {
            seen[nseen++] = r.posting_id;
            if (r.shared) {
                char key[64];
                patron_posting_request q = shared_request((int)r.shared - 1, key, sizeof key);
                expect[q.member_id] += q.points;
            } else {
                expect[r.member] += r.points;
            }
        }
    }
    pt_procs_finish(&ps);
    free(seen);
    assert_int_equal(failures, 0);
    assert_true(reports > (size_t)procs * (size_t)ops / 2);
    assert_true(shared_posts > 0);

    assert_int_equal(patron_open(&db, uri, NULL), PATRON_OK);
    for (int m = 1; m <= MEMBERS; m++) {
        patron_balance b;
        assert_int_equal(patron_ledger_balance(db, &b, m, T0 + 10000000), PATRON_OK);
        assert_int_equal(b.available + b.pending, expect[m]);
    }
    patron_ledger_report rep;
    int rc = patron_ledger_check(db, &rep);
    if (rc != PATRON_OK)
        fprintf(stderr, "check: %s\n", patron_errmsg());
    assert_int_equal(rc, PATRON_OK);
    assert_int_equal(rep.problems, 0);
    patron_close(db);
    if (!pt_backend_is_postgres() && !getenv("PT_MULTIWRITER_PROCS"))
        pt_remove_store(uri);
}

static void test_many_processes_one_ledger(void **state)
{
    (void)state;
    const char *procs = getenv("PT_MULTIWRITER_PROCS"); /* to narrow a failure down */
    if (procs)
        run(atoi(procs), 150);
    else if (pt_backend_is_postgres())
        run(16, 120);
    else
        run(8, 150);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_processes_one_ledger),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
