/* patron_ledger_earn_many against patron_ledger_earn: a seeded differential
 * test. Two stores get the same requests, one through single earn calls,
 * the other through earn_many in arrays of random length (some inside a
 * caller batch); they must give the same results (replays, points, the same
 * posting for the same key), the same balances and the same statements.
 * The arrays mix what the bulk path of PostgreSQL cannot take (a merged
 * member, a member in overdraft debt, a key used before, a key twice in one
 * array) with plain ones, and keys and texts with quotes and backslashes.
 * An array with one bad request (invalid, or a used key with other
 * content) must fail as a whole, name that request's index and leave the
 * store as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"
#include "store_support.h"

#define T0 INT64_C(1767225600)
#define DAY INT64_C(86400)
#define NM 8
#define MAXK 40
#define NKEYS 4000

static uint64_t rng;
static unsigned rnd(void)
{
    rng = rng * 6364136223846793005u + 1442695040888963407u;
    return (unsigned)(rng >> 33);
}

/* Every request made so far (by key number), to replay or contradict. */
static patron_posting_request made[NKEYS];
static char keys[NKEYS][48], refs[NKEYS][32];
static int64_t id_a[NKEYS], id_b[NKEYS]; /* the posting each store gave the key, 0 = none yet */
static int nmade;

static void setup_store(patron_db *db, int64_t *ids)
{
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    p.expiry_months = 12;
    p.hold_seconds = 2 * DAY;
    p.overdraft_limit = 300;
    assert_int_equal(patron_ledger_set_policy(db, &p), PATRON_OK);
    for (int i = 0; i < NM; i++) {
        char phone[32];
        snprintf(phone, sizeof phone, "+97250111%04d", i);
        ids[i] = pt_member(db, phone, "none", T0 - DAY);
    }
    /* the last member is merged into the one before: its earns go there */
    assert_int_equal(patron_profile_merge(db, ids[NM - 2], ids[NM - 1], T0, "op", NULL), PATRON_OK);
}

static void compare_balances(patron_db *a, patron_db *b, const int64_t *ids, int64_t at)
{
    for (int i = 0; i < NM; i++) {
        patron_balance x, y;
        assert_int_equal(patron_ledger_balance(a, &x, ids[i], at), PATRON_OK);
        assert_int_equal(patron_ledger_balance(b, &y, ids[i], at), PATRON_OK);
        if (x.available != y.available || x.pending != y.pending)
            fail_msg("member %d at %lld: single calls %lld/%lld, earn_many %lld/%lld", i, (long long)(at - T0),
                     (long long)x.available, (long long)x.pending, (long long)y.available, (long long)y.pending);
    }
}

static int same_text(const char *x, const char *y)
{
    return (!x && !y) || (x && y && !strcmp(x, y));
}

static void compare_statements(patron_db *a, patron_db *b, const int64_t *ids)
{
    for (int i = 0; i < NM - 1; i++) {
        patron_statement *sa, *sb;
        assert_int_equal(patron_ledger_statement(a, &sa, ids[i], T0 - DAY, T0 + 4000 * DAY), PATRON_OK);
        assert_int_equal(patron_ledger_statement(b, &sb, ids[i], T0 - DAY, T0 + 4000 * DAY), PATRON_OK);
        size_t n = patron_statement_count(sa);
        assert_int_equal(n, patron_statement_count(sb));
        assert_int_equal(patron_statement_closing(sa), patron_statement_closing(sb));
        for (size_t k = 0; k < n; k++) {
            const patron_posting *x = patron_statement_get(sa, k), *y = patron_statement_get(sb, k);
            if (x->kind != y->kind || x->points != y->points || x->at != y->at || x->effective_at != y->effective_at ||
                x->spend != y->spend || x->rule_version != y->rule_version || !same_text(x->key, y->key) ||
                !same_text(x->rule, y->rule) || !same_text(x->reason, y->reason) ||
                !same_text(x->operator_name, y->operator_name) || !same_text(x->ref, y->ref))
                fail_msg("member %d posting %zu differs (key %s / %s)", i, k, x->key ? x->key : "-",
                         y->key ? y->key : "-");
        }
        patron_statement_free(sa);
        patron_statement_free(sb);
    }
}

/* A new earn request (key number nmade). */
static int new_request(const int64_t *ids, int64_t at)
{
    int k = nmade++;
    patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
    /* quotes, backslashes, commas and braces: what an array literal must escape */
    static const char *const odd[] = {"", "\"q\"", "back\\slash", "a,b", "{x}", "NULL", "(1)"};
    snprintf(keys[k], sizeof keys[k], "k%d%s", k, odd[rnd() % 7]);
    r.key = keys[k];
    /* the merged member now and then: an array naming it takes the full path */
    r.member_id = rnd() % 50 == 0 ? ids[NM - 1] : ids[rnd() % (NM - 1)];
    r.points = 1 + rnd() % 100;
    r.at = at;
    if (rnd() % 5 == 0)
        r.mature_at = at + (int64_t)(rnd() % 10) * DAY;
    if (rnd() % 7 == 0)
        r.expires_at = rnd() % 2 ? PATRON_NEVER : at + (int64_t)(30 + rnd() % 400) * DAY;
    if (rnd() % 3 == 0)
        r.spend = rnd() % 50000;
    if (rnd() % 4 == 0) {
        r.rule = rnd() % 2 ? "base" : "double \"weekend\"";
        r.rule_version = 1 + rnd() % 3;
    }
    if (rnd() % 4 == 0) {
        snprintf(refs[k], sizeof refs[k], "order-%d%s", k, odd[rnd() % 7]);
        r.ref = refs[k];
    }
    if (rnd() % 10 == 0) {
        r.reason = "promo";
        r.operator_name = "ann";
    }
    made[k] = r;
    return k;
}

static void check_result(const char *who, int64_t *ids_of, int k, const patron_posting_result *res, int replay)
{
    if (res->replayed != replay || res->points != made[k].points)
        fail_msg("%s: key %s: replayed %d points %lld, expected %d %lld", who, keys[k], res->replayed,
                 (long long)res->points, replay, (long long)made[k].points);
    if (replay && res->posting_id != ids_of[k])
        fail_msg("%s: key %s replayed posting %lld, first posted as %lld", who, keys[k], (long long)res->posting_id,
                 (long long)ids_of[k]);
    if (!replay)
        ids_of[k] = res->posting_id;
}

static void test_differential(void **state)
{
    (void)state;
    patron_db *a = pt_store_new(NULL);
    patron_db *b = pt_store_new(NULL);
    int64_t ids[NM], idb[NM];
    setup_store(a, ids);
    setup_store(b, idb);
    for (int i = 0; i < NM; i++)
        assert_int_equal(ids[i], idb[i]);
    rng = 12001;
    nmade = 0;
    memset(id_a, 0, sizeof id_a);
    memset(id_b, 0, sizeof id_b);
    int64_t at = T0;
    int chunks = pt_backend_is_postgres() ? 60 : getenv("PATRON_UNDER_VALGRIND") ? 40 : 200, failed = 0, replays = 0;
    static patron_posting_request req[MAXK];
    static int knum[MAXK], isreplay[MAXK];
    for (int c = 0; c < chunks && nmade < NKEYS - MAXK; c++) {
        size_t n = 1 + rnd() % MAXK;
        int bad = -1; /* index of the one bad request, if any */
        int bad_kind = 0;
        char badkey[48];
        for (size_t i = 0; i < n; i++) {
            at += rnd() % (3 * 3600);
            unsigned pick = rnd() % 100;
            int first_in_chunk = 1;
            if (pick < 4 && nmade > 0) { /* a key posted before (or earlier in this array): the same request */
                knum[i] = (int)(rnd() % (unsigned)nmade);
                for (size_t j = 0; j < i; j++)
                    if (knum[j] == knum[i])
                        first_in_chunk = 0;
                isreplay[i] = id_a[knum[i]] != 0 || !first_in_chunk;
                if (!isreplay[i]) /* made in a chunk that failed: nothing posted */
                    isreplay[i] = 0;
            } else {
                knum[i] = new_request(ids, at);
                isreplay[i] = 0;
            }
            req[i] = made[knum[i]];
            if (pick >= 97 && bad < 0 && c % 3 == 0) {
                bad = (int)i;
                bad_kind = nmade > 1 && id_a[0] ? (int)(rnd() % 2) : 0;
                if (bad_kind == 0) { /* invalid */
                    req[i].points = -(int64_t)(1 + rnd() % 5);
                } else { /* key 0, posted, with other content */
                    snprintf(badkey, sizeof badkey, "%s", keys[0]);
                    req[i].key = badkey;
                    req[i].points = made[0].points + 1;
                }
            }
        }
        /* a member in debt sometimes (the bulk path leaves it to the full one) */
        if (rnd() % 10 == 0) {
            char rk[32];
            snprintf(rk, sizeof rk, "r%d", c);
            patron_posting_request r = pt_posting(rk, ids[rnd() % (NM - 1)], 1 + rnd() % 200, at);
            patron_posting_result ra, rb;
            int x = patron_ledger_redeem(a, &ra, &r), y = patron_ledger_redeem(b, &rb, &r);
            assert_int_equal(x, y);
        }
        int batch = rnd() % 4 == 0;
        patron_posting_result res[MAXK];
        memset(res, 0x5a, sizeof res);
        if (batch)
            assert_int_equal(patron_batch_begin(b), PATRON_OK);
        int rc = patron_ledger_earn_many(b, res, req, n);
        if (bad >= 0) {
            if (rc == PATRON_OK)
                fail_msg("chunk %d: request %d is bad but earn_many succeeded", c, bad);
            assert_int_equal(rc, bad_kind == 0 ? PATRON_EINVAL : PATRON_ECONFLICT);
            char want[64];
            snprintf(want, sizeof want, "request %d:", bad);
            if (!strstr(patron_errmsg(), want))
                fail_msg("chunk %d: message does not name %s: %s", c, want, patron_errmsg());
            unsigned char untouched[sizeof res];
            memset(untouched, 0x5a, sizeof untouched);
            assert_memory_equal(res, untouched, sizeof res);
            failed++;
        } else if (rc != PATRON_OK) {
            fail_msg("chunk %d (%zu requests): %s", c, n, patron_errmsg());
        }
        if (batch)
            assert_int_equal(patron_batch_commit(b), PATRON_OK);
        if (bad >= 0) {
            /* nothing of it was written: the new keys of this array stay unposted */
            compare_balances(a, b, ids, at + 1);
            continue;
        }
        if (batch)
            assert_int_equal(patron_batch_begin(a), PATRON_OK);
        for (size_t i = 0; i < n; i++) {
            patron_posting_result one;
            rc = patron_ledger_earn(a, &one, &req[i]);
            if (rc)
                fail_msg("chunk %d request %zu: single earn: %s", c, i, patron_errmsg());
            int replay = id_a[knum[i]] != 0;
            replays += replay;
            check_result("single calls", id_a, knum[i], &one, replay);
            check_result("earn_many", id_b, knum[i], &res[i], replay);
        }
        if (batch)
            assert_int_equal(patron_batch_commit(a), PATRON_OK);
        compare_balances(a, b, ids, at + 1);
        compare_balances(a, b, ids, at + 5 * DAY);
    }
    (void)isreplay;
    compare_balances(a, b, ids, at + 400 * DAY);
    compare_statements(a, b, ids);
    patron_ledger_report rep;
    assert_int_equal(patron_ledger_check(a, &rep), PATRON_OK);
    assert_int_equal(patron_ledger_check(b, &rep), PATRON_OK);
    assert_true(failed > 0);
    assert_true(replays > 0);
    print_message("%d arrays (%d refused as a whole), %d keys, %d replays\n", chunks, failed, nmade, replays);
    patron_close(a);
    patron_close(b);
}

static void test_arguments(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int64_t m = pt_member(db, "+972501110000", "none", T0);
    patron_posting_request r[2] = {pt_posting("x1", m, 5, T0), pt_posting("x2", m, 7, T0)};
    patron_posting_result res[2];
    assert_int_equal(patron_ledger_earn_many(db, res, NULL, 0), PATRON_OK);
    assert_int_equal(patron_ledger_earn_many(db, res, NULL, 2), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "requests is NULL"));
    assert_int_equal(patron_ledger_earn_many(db, res, r, 100001), PATRON_EINVAL);
    r[1].size = 8;
    assert_int_equal(patron_ledger_earn_many(db, res, r, 2), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "request 1: size 8"));
    r[1].size = sizeof r[1];
    r[1].key = NULL;
    assert_int_equal(patron_ledger_earn_many(db, res, r, 2), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "request 1: earn: key is required"));
    assert_int_equal(pt_available(db, m, T0 + 1), 0);
    r[1].key = "x2";
    r[1].member_id = m + 100; /* no such member: nothing of the call is written */
    assert_int_equal(patron_ledger_earn_many(db, res, r, 2), PATRON_ENOTFOUND);
    assert_non_null(strstr(patron_errmsg(), "request 1:"));
    assert_int_equal(pt_available(db, m, T0 + 1), 0);
    r[1].member_id = m;
    assert_int_equal(patron_ledger_earn_many(db, NULL, r, 2), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 1), 12);
    assert_int_equal(patron_ledger_earn_many(db, res, r, 2), PATRON_OK);
    assert_int_equal(res[0].replayed, 1);
    assert_int_equal(res[1].replayed, 1);
    assert_int_equal(res[1].points, 7);
    assert_int_equal(pt_available(db, m, T0 + 1), 12);
    patron_close(db);
}

/* Long arrays over many members (the bulk path's widest statements: 128
 * and 16 postings and accounts to a statement, then one each), against
 * the same earns one call each: the same ids order, balances and a clean
 * check; then the whole array again replays every request. */
static void test_long_arrays(void **state)
{
    (void)state;
    enum { MEMBERS = 300, N = 1000 };
    patron_db *a = pt_store_new(NULL), *b = pt_store_new(NULL);
    static int64_t ma[MEMBERS], mb[MEMBERS];
    for (int i = 0; i < MEMBERS; i++) {
        char phone[32];
        snprintf(phone, sizeof phone, "+97252%07d", i);
        ma[i] = pt_member(a, phone, "none", T0 - DAY);
        mb[i] = pt_member(b, phone, "none", T0 - DAY);
        assert_int_equal(ma[i], mb[i]);
    }
    static patron_posting_request r[N];
    static patron_posting_result ra[N], rb[N];
    static char k[N][32];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            snprintf(k[i], sizeof k[i], "long-%d-%d", round, i);
            /* the first members often, the rest now and then: accounts
             * rewritten in statements of 128, 16 and one */
            int64_t m = ma[(i * 7 + round) % (i % 3 ? 40 : MEMBERS)];
            r[i] = pt_posting(k[i], m, 1 + (i * 13 + round) % 97, T0 + round * DAY + i);
            assert_int_equal(patron_ledger_earn(a, &ra[i], &r[i]), PATRON_OK);
        }
        assert_int_equal(patron_ledger_earn_many(b, rb, r, N), PATRON_OK);
        for (int i = 0; i < N; i++) {
            assert_int_equal(rb[i].replayed, 0);
            assert_int_equal(rb[i].points, ra[i].points);
            assert_true(i == 0 || rb[i].posting_id > rb[i - 1].posting_id);
        }
        assert_int_equal(patron_ledger_earn_many(b, ra, r, N), PATRON_OK);
        for (int i = 0; i < N; i++) {
            assert_int_equal(ra[i].replayed, 1);
            assert_int_equal(ra[i].posting_id, rb[i].posting_id);
        }
    }
    /* new keys but one, late in the array, used before (PostgreSQL copies
     * the rows in chunks: the used key fails a later chunk, after earlier
     * ones went in): that one is replayed, the others are new, nothing is
     * doubled */
    static patron_posting_request r2[N];
    static char k2[N][32];
    const int old = 900;
    for (int i = 0; i < N; i++) {
        snprintf(k2[i], sizeof k2[i], "late-%d", i);
        r2[i] = i == old ? r[old] : pt_posting(k2[i], ma[i % MEMBERS], 5, T0 + 4 * DAY + i);
        if (i != old)
            assert_int_equal(patron_ledger_earn(a, &ra[i], &r2[i]), PATRON_OK);
    }
    assert_int_equal(patron_ledger_earn_many(b, ra, r2, N), PATRON_OK);
    for (int i = 0; i < N; i++)
        assert_int_equal(ra[i].replayed, i == old);
    assert_int_equal(ra[old].posting_id, rb[old].posting_id);
    for (int i = 0; i < MEMBERS; i++)
        assert_int_equal(pt_available(b, mb[i], T0 + 10 * DAY), pt_available(a, ma[i], T0 + 10 * DAY));
    patron_ledger_report rep;
    assert_int_equal(patron_ledger_check(b, &rep), PATRON_OK);
    assert_int_equal(rep.problems, 0);
    assert_int_equal(rep.postings, 4 * N - 1);
    patron_close(a);
    patron_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_long_arrays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
