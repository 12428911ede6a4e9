/* Seeded differential test of several programs in one store against a
 * model written from docs/guide/programs.md and docs/guide/ledger.md, not
 * from lib/: "each program has its own balances and its own policy; a
 * member earns in a program only after joining it (the default program:
 * at enrolment); a posting key is the store's: used in one program it is a
 * conflict in any other; a replay in the same program gives the original
 * posting". The model keeps one ledger per (program, member): lots with
 * their maturity (the request's time plus the program's hold) and expiry
 * (the request's), redemptions taking the oldest usable lots first (FIFO
 * by earning time), expiry runs over the current program only.
 *
 * Random sequences of joins, earns (in joined and unjoined programs),
 * redemptions (within and beyond the balance), retries, keys of other
 * programs, policy changes and expiry runs, in random programs; after
 * every request the status is compared, and every (program, member)
 * balance (available, pending) at now and later; each store ends with
 * patron_ledger_check().
 *
 * Usage: test_program_model [SEQUENCES [FIRST_SEED]] (default 150 from seed 1). */
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

#define T0 INT64_C(1767225600) /* 2026-01-01 */
#define DAY INT64_C(86400)
#define NP 3     /* programs: default, p2, p3 */
#define NM 4     /* members per sequence */
#define STEPS 60 /* requests per sequence */
#define MAXL 200 /* lots per (program, member) */

static const char *const names[NP] = {"default", "p2", "p3"};
static long sequences = 150, first_seed = 1;

typedef struct mlot {
    int64_t earned, avail, expires, remaining;
} mlot;

typedef struct mledger {
    mlot lots[MAXL];
    int n;
} mledger;

static struct {
    int joined[NP][NM];
    int64_t hold[NP];
    mledger led[NP][NM];
} m;

static uint64_t rng;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static int64_t rr(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static long cur_seed;
static int cur_step;
static long comparisons;

static void expect(const char *what, int64_t got, int64_t want)
{
    if (got != want)
        fail_msg("seed %ld step %d: %s: got %lld, model %lld (%s)", cur_seed, cur_step, what, (long long)got,
                 (long long)want, patron_errmsg());
}

/* The balance words of the ledger guide: available = matured, unexpired
 * points; pending = points recorded that mature later. */
static void model_balance(const mledger *l, int64_t t, int64_t *avail, int64_t *pending)
{
    *avail = *pending = 0;
    for (int i = 0; i < l->n; i++) {
        const mlot *x = &l->lots[i];
        if (x->remaining <= 0 || x->earned > t)
            continue;
        if (x->avail > t)
            *pending += x->remaining;
        else if (x->expires > t)
            *avail += x->remaining;
    }
}

static int64_t usable(const mledger *l, int64_t t)
{
    int64_t a, p;
    model_balance(l, t, &a, &p);
    return a;
}

/* Oldest usable lots first (lots are kept in earning order: time only grows). */
static void model_take(mledger *l, int64_t points, int64_t t)
{
    for (int i = 0; i < l->n && points > 0; i++) {
        mlot *x = &l->lots[i];
        if (x->remaining <= 0 || x->avail > t || x->expires <= t)
            continue;
        int64_t k = x->remaining < points ? x->remaining : points;
        x->remaining -= k;
        points -= k;
    }
}

static void use(patron_db *db, int p)
{
    if (patron_program_use(db, names[p]) != PATRON_OK)
        fail_msg("use %s: %s", names[p], patron_errmsg());
}

static void compare_all(patron_db *db, const int64_t *ids, int64_t now)
{
    for (int p = 0; p < NP; p++) {
        use(db, p);
        for (int i = 0; i < NM; i++) {
            for (int k = 0; k < 3; k++) {
                int64_t t = now + (k == 0 ? 0 : k == 1 ? DAY : 40 * DAY);
                patron_balance b = {0, 0, 0};
                int rc = patron_ledger_balance(db, &b, ids[i], t);
                if (!m.joined[p][i]) {
                    expect("balance status of a member outside the program", rc, PATRON_ENOTFOUND);
                    continue;
                }
                expect("balance status", rc, PATRON_OK);
                int64_t a, pe;
                model_balance(&m.led[p][i], t, &a, &pe);
                char what[96];
                snprintf(what, sizeof what, "available of member %d in %s at now+%d", i, names[p], k);
                expect(what, b.available, a);
                snprintf(what, sizeof what, "pending of member %d in %s at now+%d", i, names[p], k);
                expect(what, b.pending, pe);
                comparisons++;
            }
        }
    }
}

/* used keys: the program that used each, and the last earn for a retry */
#define MAXK (STEPS + 4)
static struct {
    char key[40];
    int program, member;
    int64_t points, expires, id;
} keys[MAXK];

static void run_sequence(patron_db *db, long seed, int slot)
{
    memset(&m, 0, sizeof m);
    int nkeys = 0;
    rng = 0x9E3779B97F4A7C15u ^ ((uint64_t)seed * 0x2545F4914F6CDD1Du);
    for (int i = 0; i < 4; i++)
        rnd();
    cur_seed = seed;
    int64_t now = T0 + slot * 400 * DAY;
    int64_t ids[NM];
    for (int i = 0; i < NM; i++) {
        char phone[32];
        snprintf(phone, sizeof phone, "050-%03d-%04d", slot, i + 1);
        ids[i] = pt_member(db, phone, "none", now - 10 * DAY);
        m.joined[0][i] = 1; /* enrolment joins the default program */
    }
    for (int p = 0; p < NP; p++) { /* each sequence starts from its own policies */
        use(db, p);
        m.hold[p] = p * DAY;
        patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
        pol.hold_seconds = m.hold[p];
        expect("set policy", patron_ledger_set_policy(db, &pol), PATRON_OK);
    }
    for (int step = 0; step < STEPS; step++) {
        cur_step = step;
        now += rr(0, 2 * DAY);
        int p = (int)(rnd() % NP), who = (int)(rnd() % NM), op = (int)(rnd() % 100);
        use(db, p);
        patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
        char key[40];
        snprintf(key, sizeof key, "s%ld-k%d", seed, step);
        r.key = key;
        r.member_id = ids[who];
        r.at = now;
        patron_posting_result res = {0, 0, 0};
        if (op < 12) { /* join */
            expect("join", patron_program_join(db, ids[who], now), PATRON_OK);
            m.joined[p][who] = 1;
        } else if (op < 50) { /* earn */
            r.points = rr(1, 200);
            int e = (int)(rnd() % 3);
            int64_t mature = now + m.hold[p];
            r.expires_at = e == 0 ? PATRON_NEVER : mature + rr(1, 30 * DAY);
            int rc = patron_ledger_earn(db, &res, &r);
            if (!m.joined[p][who]) {
                expect("earn outside the program", rc, PATRON_ENOTFOUND);
                if (!strstr(patron_errmsg(), "has not joined program"))
                    fail_msg("seed %ld step %d: message: %s", seed, step, patron_errmsg());
                continue;
            }
            expect("earn", rc, PATRON_OK);
            mledger *l = &m.led[p][who];
            assert_true(l->n < MAXL);
            l->lots[l->n++] = (mlot){now, mature, r.expires_at, r.points};
            keys[nkeys].program = p;
            keys[nkeys].member = who;
            keys[nkeys].points = r.points;
            keys[nkeys].expires = r.expires_at;
            keys[nkeys].id = res.posting_id;
            snprintf(keys[nkeys].key, sizeof keys[nkeys].key, "%s", key);
            nkeys++;
        } else if (op < 72) { /* redeem */
            r.points = rr(1, 250);
            int rc = patron_ledger_redeem(db, &res, &r);
            if (!m.joined[p][who]) {
                expect("redeem outside the program", rc, PATRON_ENOTFOUND);
                continue;
            }
            mledger *l = &m.led[p][who];
            if (usable(l, now) < r.points) {
                expect("redeem beyond the balance", rc, PATRON_EBALANCE);
                continue;
            }
            expect("redeem", rc, PATRON_OK);
            /* a debit first expires what has expired by its time (its own expire postings) */
            for (int j = 0; j < l->n; j++)
                if (l->lots[j].expires <= now)
                    l->lots[j].remaining = 0;
            model_take(l, r.points, now);
        } else if (op < 84 && nkeys) { /* an earn's key again: a replay in its program, a conflict elsewhere */
            int k = (int)(rnd() % (uint64_t)nkeys);
            r.key = keys[k].key;
            r.member_id = ids[keys[k].member];
            r.points = keys[k].points;
            r.expires_at = keys[k].expires;
            int rc = patron_ledger_earn(db, &res, &r);
            if (keys[k].program == p) {
                expect("replay", rc, PATRON_OK);
                expect("replayed", res.replayed, 1);
                expect("replayed posting", res.posting_id, keys[k].id);
            } else {
                expect("key of another program", rc, PATRON_ECONFLICT);
                if (!strstr(patron_errmsg(), names[keys[k].program]))
                    fail_msg("seed %ld step %d: the message does not name '%s': %s", seed, step,
                             names[keys[k].program], patron_errmsg());
            }
        } else if (op < 92) { /* the expiry run of the current program */
            int64_t want_n = 0, want_pts = 0, n = 0, pts = 0;
            for (int i = 0; i < NM; i++) {
                mledger *l = &m.led[p][i];
                for (int j = 0; j < l->n; j++)
                    if (l->lots[j].remaining > 0 && l->lots[j].expires <= now) {
                        if (getenv("PM_DEBUG"))
                            fprintf(stderr, "expire p%d m%d lot %d earned %lld avail %lld exp %lld rem %lld now %lld\n", p, i,
                                    j, (long long)l->lots[j].earned, (long long)l->lots[j].avail,
                                    (long long)l->lots[j].expires, (long long)l->lots[j].remaining, (long long)now);
                        want_n++;
                        want_pts += l->lots[j].remaining;
                        l->lots[j].remaining = 0;
                    }
            }
            expect("expire", patron_ledger_expire(db, &n, &pts, now), PATRON_OK);
            expect("expire postings", n, want_n);
            expect("expired points", pts, want_pts);
        } else { /* the program's policy: a new hold for later earns */
            m.hold[p] = rr(0, 3) * DAY;
            patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
            pol.hold_seconds = m.hold[p];
            expect("set policy", patron_ledger_set_policy(db, &pol), PATRON_OK);
        }
        compare_all(db, ids, now);
    }
    /* what can expire expires before the next sequence starts (expiry runs
     * are program-wide: they would see this sequence's lots) */
    int64_t end = T0 + (slot + 1) * 400 * DAY - DAY;
    for (int p = 0; p < NP; p++) {
        int64_t want_n = 0, n = 0, pts = 0;
        for (int i = 0; i < NM; i++)
            for (int j = 0; j < m.led[p][i].n; j++)
                if (m.led[p][i].lots[j].remaining > 0 && m.led[p][i].lots[j].expires <= end) {
                    want_n++;
                    m.led[p][i].lots[j].remaining = 0;
                }
        use(db, p);
        expect("final expire", patron_ledger_expire(db, &n, &pts, end), PATRON_OK);
        expect("final expire postings", n, want_n);
    }
    compare_all(db, ids, end);
}

static void test_model(void **state)
{
    (void)state;
    patron_db *db = NULL;
    for (long s = first_seed; s < first_seed + sequences; s++) {
        int slot = (int)((s - first_seed) % 10);
        if (slot == 0) {
            if (db && patron_ledger_check(db, NULL) != PATRON_OK)
                fail_msg("seed %ld: check: %s", s - 1, patron_errmsg());
            patron_close(db);
            db = pt_store_new(NULL);
            assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
            for (int p = 1; p < NP; p++)
                assert_int_equal(patron_program_create(db, names[p]), PATRON_OK);
        }
        run_sequence(db, s, slot);
    }
    if (patron_ledger_check(db, NULL) != PATRON_OK)
        fail_msg("check: %s", patron_errmsg());
    patron_close(db);
    print_message("program model: %ld sequences, %ld balance comparisons\n", sequences, comparisons);
}

int main(int argc, char **argv)
{
    if (getenv("PATRON_UNDER_VALGRIND"))
        sequences = 20;
    if (argc > 1)
        sequences = strtol(argv[1], NULL, 10);
    if (argc > 2)
        first_seed = strtol(argv[2], NULL, 10);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
