/* Points pending until an action against a model written from the ledger
 * guide ("Pending until an action", rules 1, 7, 10 and 12, "Expiry
 * rounding"), not from lib/ledger: random earns (plain, with a hold, held
 * until an action), releases (some repeated, some dated at the earn),
 * returns (whole or part, before and after a release) and policy changes
 * (expiry months and rounding, hold), for a few members; after every step
 * `available`, `pending` and `expired_unposted` are compared at random
 * moments, and the ledger check must pass. Debits other than returns are
 * left to tests/ledger/test_model.c.
 *
 * usage: test_pending_model [stores [seed]] */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"
#include "pt_rand.h"
#include "store_support.h"

#define T0 INT64_C(1767225600) /* 2026-01-01 00:00 UTC */
#define DAY INT64_C(86400)
#define NEVER INT64_MAX
#define NM 2
#define MAXE 120
#define MAXR 8

static long n_stores;
static uint64_t seed0;
static long n_checks, n_held, n_released, n_returns_held, n_returns_released, n_refused;

/* ---- the model ---------------------------------------------------------- */

typedef struct mrev {
    int64_t points, recorded, effective;
} mrev;

typedef struct mearn {
    char key[32];
    int member;
    int64_t points, at, mature, expires;
    mrev rev[MAXR];
    int nrev;
    int held, released; /* held until an action; released (replaced by another earn) */
    int expire_posted;  /* an expiry run wrote its expire posting */
} mearn;

typedef struct model {
    int months, round;
    int64_t hold;
    mearn e[MAXE];
    int ne;
} model;

static int64_t days_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = y / 400, yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void civil(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = z / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* "Expiry rounding": months after t (day clamped), then the first second
 * after its day / Monday-week / month / quarter / year */
static int64_t policy_expiry(const model *m, int64_t t)
{
    if (m->months == 0)
        return NEVER;
    int64_t y, day = t / DAY;
    int mo, d;
    civil(day, &y, &mo, &d);
    int64_t mi = y * 12 + (mo - 1) + m->months;
    y = mi / 12;
    mo = (int)(mi % 12) + 1;
    int64_t first = days_civil(y, mo, 1), next = mo == 12 ? days_civil(y + 1, 1, 1) : days_civil(y, mo + 1, 1);
    if (d > next - first)
        d = (int)(next - first);
    int64_t days = first + d - 1;
    switch (m->round) {
    case 1: return (days + 1) * DAY;
    case 2: return (days + 7 - (days - 4) % 7) * DAY; /* 1970-01-05 was a Monday */
    case 3: return next * DAY;
    case 4: {
        int q = ((mo - 1) / 3 + 1) * 3 + 1;
        return (q > 12 ? days_civil(y + 1, 1, 1) : days_civil(y, q, 1)) * DAY;
    }
    case 5: return days_civil(y + 1, 1, 1) * DAY;
    default: return days * DAY + t % DAY;
    }
}

static int64_t net(const mearn *e)
{
    int64_t n = e->points;
    for (int i = 0; i < e->nrev; i++)
        n -= e->rev[i].points;
    return n;
}

/* rule 1: available = matured, unexpired points net of reversals in force;
 * pending = postings recorded by t that count later; expired_unposted =
 * what the lots held at their expiry (no expiry run in this test) */
static void balance(const model *m, int who, int64_t t, int64_t *avail, int64_t *pend, int64_t *dead)
{
    *avail = *pend = *dead = 0;
    for (int i = 0; i < m->ne; i++) {
        const mearn *e = &m->e[i];
        if (e->member != who || e->at > t)
            continue;
        int64_t left = e->points;
        for (int k = 0; k < e->nrev; k++) {
            const mrev *r = &e->rev[k];
            if (r->effective <= t)
                left -= r->points;
            else if (r->recorded <= t)
                *pend -= r->points;
        }
        if (e->mature > t)
            *pend += e->points;
        else if (t < e->expires)
            *avail += left;
        else if (!e->expire_posted) /* rule 9: once posted, not "unposted" at any moment */
            *dead += left;
    }
}

/* rule 8: every debit (a return, the reversal of a release) first writes
 * the expire postings of the member's lots expired by its time */
static void expire_run(model *m, int who, int64_t t)
{
    for (int i = 0; i < m->ne; i++)
        if (m->e[i].member == who && m->e[i].expires <= t)
            m->e[i].expire_posted = 1;
}

/* ---- driving the library ------------------------------------------------ */

static void set_policy(patron_db *db, model *m, pt_rand *g)
{
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    p.expiry_months = pt_chance(g, 25) ? 0 : (int)pt_range(g, 1, 3);
    p.expiry_round = (int)pt_range(g, 0, 5);
    p.hold_seconds = pt_chance(g, 50) ? 0 : pt_range(g, 1, 10) * DAY;
    assert_int_equal(patron_ledger_set_policy(db, &p), PATRON_OK);
    m->months = p.expiry_months;
    m->round = p.expiry_round;
    m->hold = p.hold_seconds;
}

static void check(patron_db *db, const model *m, const int64_t *id, int64_t t, long store, int op)
{
    for (int who = 0; who < NM; who++) {
        int64_t a, p, d;
        balance(m, who, t, &a, &p, &d);
        patron_balance b;
        assert_int_equal(patron_ledger_balance(db, &b, id[who], t), PATRON_OK);
        if (b.available != a || b.pending != p || b.expired_unposted != d)
            fail_msg("store %ld op %d member %d at T0%+lld: library available %lld pending %lld expired %lld; "
                     "model %lld %lld %lld", store, op, who, (long long)(t - T0), (long long)b.available,
                     (long long)b.pending, (long long)b.expired_unposted, (long long)a, (long long)p, (long long)d);
        n_checks++;
    }
}

static void run_store(long store, uint64_t seed)
{
    pt_rand g = {seed};
    static model mm;
    model *m = &mm;
    memset(m, 0, sizeof *m);
    patron_db *db = pt_store_new(NULL);
    assert_non_null(db);
    assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
    int64_t id[NM];
    for (int i = 0; i < NM; i++) {
        char phone[32];
        snprintf(phone, sizeof phone, "050-400-00%02d", i + 1);
        id[i] = pt_member(db, phone, "sms", T0 - DAY);
    }
    set_policy(db, m, &g);
    int64_t clock = T0;
    int nops = (int)pt_range(&g, 10, 60);
    for (int op = 0; op < nops; op++) {
        clock += pt_range(&g, 0, 72) * 3600;
        int what = (int)pt_range(&g, 0, 99);
        if (what < 45 && m->ne < MAXE - 1) { /* an earn: plain or held until an action */
            mearn *e = &m->e[m->ne];
            memset(e, 0, sizeof *e);
            snprintf(e->key, sizeof e->key, "e%d", m->ne);
            e->member = (int)pt_range(&g, 0, NM - 1);
            e->points = pt_range(&g, 1, 200);
            e->at = clock;
            e->held = pt_chance(&g, 50);
            patron_posting_request r = pt_posting(e->key, id[e->member], e->points, e->at);
            if (e->held) { /* pending until released; no expiry of its own */
                r.mature_at = NEVER;
                e->mature = NEVER;
                e->expires = NEVER;
                n_held++;
            } else { /* rule 7: the policy's expiry, from the maturity when it would come first */
                e->mature = e->at + m->hold;
                e->expires = policy_expiry(m, e->at);
                if (e->expires <= e->mature)
                    e->expires = policy_expiry(m, e->mature);
            }
            assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
            m->ne++;
        } else if (what < 70 && m->ne > 0 && m->ne < MAXE - 1) { /* release */
            mearn *e = &m->e[pt_range(&g, 0, m->ne - 1)];
            int64_t at = pt_chance(&g, 20) ? e->at : clock;
            int rc = patron_ledger_release(db, NULL, e->key, at);
            int want = !e->held ? PATRON_EINVAL : e->released ? PATRON_OK : net(e) <= 0 ? PATRON_ECONFLICT : PATRON_OK;
            if (e->held && at < e->at)
                want = PATRON_EINVAL;
            if (rc != want)
                fail_msg("store %ld op %d: release %s: library %d (%s), model %d", store, op, e->key, rc,
                         patron_errmsg(), want);
            if (rc != PATRON_OK || e->released) {
                n_refused += rc != PATRON_OK;
            } else {
                /* a reversal of what is left, effective at the maturity
                 * (never), and an earn available at the release with the
                 * policy's expiry counted from it */
                int64_t left = net(e);
                expire_run(m, e->member, at);
                e->rev[e->nrev++] = (mrev){left, at, e->mature};
                e->released = 1;
                char base[32];
                memcpy(base, e->key, sizeof base);
                mearn *x = &m->e[m->ne++];
                memset(x, 0, sizeof *x);
                snprintf(x->key, sizeof x->key, "%.20s:released", base);
                x->member = e->member;
                x->points = left;
                x->at = at;
                x->mature = at;
                x->expires = policy_expiry(m, at);
                n_released++;
            }
        } else if (what < 90 && m->ne > 0) { /* a return: reverse all or part of an earn */
            mearn *e = &m->e[pt_range(&g, 0, m->ne - 1)];
            int64_t left = net(e);
            /* returns of what expired are rule 12's business (test_model.c):
             * only earns whose points are alive at the return */
            if (left <= 0 || e->nrev >= MAXR || e->released || clock >= e->expires)
                continue;
            int64_t pts = pt_chance(&g, 50) ? left : pt_range(&g, 1, left);
            char key[48];
            snprintf(key, sizeof key, "%s-ret%d", e->key, e->nrev);
            int64_t pid = 0, n = 0;
            patron_statement *s = NULL;
            assert_int_equal(patron_ledger_statement(db, &s, id[e->member], e->at, e->at + 1), PATRON_OK);
            for (size_t i = 0; i < patron_statement_count(s); i++) {
                const patron_posting *p = patron_statement_get(s, i);
                if (p->key && !strcmp(p->key, e->key))
                    pid = p->id, n++;
            }
            patron_statement_free(s);
            assert_int_equal(n, 1);
            patron_posting_request r = pt_posting(key, id[e->member], pts, clock);
            r.target = pid;
            r.member_id = 0;
            assert_int_equal(patron_ledger_reverse(db, NULL, &r), PATRON_OK);
            expire_run(m, e->member, clock);
            /* rule 10: inside the window (still pending) effective at the maturity */
            e->rev[e->nrev++] = (mrev){pts, clock, e->mature > clock ? e->mature : clock};
            if (e->held)
                n_returns_held++;
            else if (strstr(e->key, ":released"))
                n_returns_released++;
        } else if (what >= 95) {
            set_policy(db, m, &g);
        }
        check(db, m, id, clock, store, op);
        check(db, m, id, clock + pt_range(&g, 0, 200) * DAY, store, op);
        check(db, m, id, T0 + pt_range(&g, 0, clock - T0 + 1), store, op);
    }
    if (patron_ledger_check(db, NULL) != PATRON_OK)
        fail_msg("store %ld: check: %s", store, patron_errmsg());
    patron_close(db);
}

static void test_pending_until_action_against_model(void **state)
{
    (void)state;
    pt_rand g = {seed0};
    for (long s = 0; s < n_stores; s++)
        run_store(s, pt_next(&g));
    printf("# %ld balance checks; %ld held earns, %ld released, %ld returns of held points, %ld of released "
           "points, %ld releases refused\n",
           n_checks, n_held, n_released, n_returns_held, n_returns_released, n_refused);
}

int main(int argc, char **argv)
{
    pt_args(argc, argv, &n_stores, &seed0, 150, 4242);
    printf("# pending-until-action model: %ld stores, seed %llu\n", n_stores, (unsigned long long)seed0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pending_until_action_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
