/* Differential test of the points ledger against a model written from the
 * guide's rules (docs/guide/ledger.md: "Rules of the balance" and "The
 * history is always right", rules 1-15), not from lib/ledger. Seeded random
 * sequences of earns (pending, explicit maturity and expiry, invalid ones),
 * redemptions and adjustments dated now or in the past, reversals (partial,
 * of pending earns, of overdrawn redemptions, after expiry, with right and
 * wrong member ids), transfers, merges, expiry runs, policy changes
 * (expiry and its rounding, hold, overdraft limit), earns pending until an
 * action (mature_at PATRON_NEVER) and their releases,
 * retries and key conflicts. After every
 * request the status and result are compared, and every member's balance
 * (available, pending, expired_unposted) at past, present and future times;
 * each sequence ends with patron_ledger_check().
 *
 * Usage: test_model [SEQUENCES [FIRST_SEED]] (default 2000 from seed 1; the
 * slow suite runs many more). */
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
#define NEVER PATRON_NEVER
#define NM 4       /* members per sequence */
#define STEPS 36   /* requests per sequence */
#define MAXL 600   /* lots */
#define MAXP 1200  /* postings */
#define MAXPC 2400 /* debit pieces */
#define MAXR 64    /* requests kept for retries */
#define STORE_RUNS 25 /* sequences per store */

static long sequences = 2000, first_seed = 1;
/* PATRON_MODEL_BATCH=1: requests run in caller batches of random length
 * (their own generator, so the requests are the same as without); results
 * must not change. */
static int batch_mode;
static uint64_t batch_rng;
static int in_batch;

static unsigned batch_rnd(void)
{
    batch_rng = batch_rng * 6364136223846793005u + 1442695040888963407u;
    return (unsigned)(batch_rng >> 33);
}

/* ---- calendar (for the policy's expiry: "N months after earning, or the end
 * of that month") ------------------------------------------------------- */

static int64_t days_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = y / 400, yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void civil_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = z / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int month_len(int64_t y, int m)
{
    static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : n[m - 1];
}

/* The policy's expiry: `months` after t (the day clamped to the month's
 * length), then, by the guide's "expiry rounding", moved up to the first
 * second after the UTC day, week (Monday to Sunday), month, quarter or year
 * that contains it (round 1..5; 0 = exact). */
static int64_t policy_expiry(int months, int round, int64_t t)
{
    if (months == 0)
        return NEVER;
    int64_t y, day = t / DAY;
    int m, d;
    civil_days(day, &y, &m, &d);
    int64_t mi = y * 12 + (m - 1) + months;
    y = mi / 12;
    m = (int)(mi % 12) + 1;
    if (d > month_len(y, m))
        d = month_len(y, m);
    int64_t exact = days_civil(y, m, d) * DAY + (t - day * DAY);
    switch (round) {
    case 1: /* the next midnight */
        return (days_civil(y, m, d) + 1) * DAY;
    case 2: { /* the next Monday: 1970-01-05 was one */
        int64_t days = days_civil(y, m, d);
        int64_t since_monday = (days - 4 + 7 * 100000) % 7;
        return (days + 7 - since_monday) * DAY;
    }
    case 3: /* the 1st of the next month */
        return m == 12 ? days_civil(y + 1, 1, 1) * DAY : days_civil(y, m + 1, 1) * DAY;
    case 4: { /* the 1st of the next quarter: April, July, October, January */
        int next = ((m - 1) / 3 + 1) * 3 + 1;
        return next > 12 ? days_civil(y + 1, 1, 1) * DAY : days_civil(y, next, 1) * DAY;
    }
    case 5: /* the next 1 January */
        return days_civil(y + 1, 1, 1) * DAY;
    default:
        return exact;
    }
}

/* ---- the model ---------------------------------------------------------- */

typedef struct mlot {
    int owner;
    int64_t earned, avail, expires, remaining;
    int64_t posting; /* the model posting that created it (recording order) */
    int idx;         /* its place in that posting's list */
    int64_t source;  /* library id of the earn / adjust / reversal the points come from */
    int64_t expired; /* removed by expire postings */
    int64_t refill;  /* the latest reversal that put points back into it */
} mlot;

typedef struct mpost {
    int owner, kind;
    int64_t points, at, eff;
    int64_t id;       /* library id, when a result named it (0 otherwise) */
    int pc0, npc;     /* debit: its pieces (lots taken, then the overdraft) */
    int64_t reversed; /* reversed so far */
} mpost;

typedef struct piece {
    int lot; /* -1: the overdraft */
    int64_t amount;
} piece;

typedef struct model {
    int root[NM];
    int64_t debt[NM];
    mlot lots[MAXL];
    int nl;
    mpost posts[MAXP];
    int np;
    piece pcs[MAXPC];
    int npc;
    int months, round; /* round: a patron_expiry_round */
    int64_t hold, limit;
} model;

/* What a failed request must leave as it was. */
typedef struct snapshot {
    int root[NM];
    int64_t debt[NM];
    int nl, np, npc;
    int64_t remaining[MAXL], expired[MAXL], reversed[MAXP];
} snapshot;

static void snap_take(const model *m, snapshot *s)
{
    memcpy(s->root, m->root, sizeof s->root);
    memcpy(s->debt, m->debt, sizeof s->debt);
    s->nl = m->nl;
    s->np = m->np;
    s->npc = m->npc;
    for (int i = 0; i < m->nl; i++) {
        s->remaining[i] = m->lots[i].remaining;
        s->expired[i] = m->lots[i].expired;
    }
    for (int i = 0; i < m->np; i++)
        s->reversed[i] = m->posts[i].reversed;
}

static void snap_restore(model *m, const snapshot *s)
{
    memcpy(m->root, s->root, sizeof s->root);
    memcpy(m->debt, s->debt, sizeof s->debt);
    m->nl = s->nl;
    m->np = s->np;
    m->npc = s->npc;
    for (int i = 0; i < m->nl; i++) {
        m->lots[i].remaining = s->remaining[i];
        m->lots[i].expired = s->expired[i];
    }
    for (int i = 0; i < m->np; i++)
        m->posts[i].reversed = s->reversed[i];
}

static int add_post(model *m, int owner, int kind, int64_t points, int64_t at, int64_t eff)
{
    assert_true(m->np < MAXP);
    m->posts[m->np] = (mpost){owner, kind, points, at, eff, 0, 0, 0, 0};
    return m->np++;
}

static int add_lot(model *m, int owner, int64_t earned, int64_t avail, int64_t expires, int64_t points, int posting,
                   int idx, int64_t source)
{
    assert_true(m->nl < MAXL);
    m->lots[m->nl] = (mlot){owner, earned, avail, expires, points, posting, idx, source, 0, 0};
    return m->nl++;
}

static void add_piece(model *m, int lot, int64_t amount)
{
    assert_true(m->npc < MAXPC);
    m->pcs[m->npc++] = (piece){lot, amount};
}

/* Rule 3: FIFO by earning time, then the posting that brought the lot, then
 * its place in that posting's list. */
static int fifo_before(const mlot *a, const mlot *b)
{
    if (a->earned != b->earned)
        return a->earned < b->earned;
    if (a->posting != b->posting)
        return a->posting < b->posting;
    return a->idx < b->idx;
}

/* The lots of `owner` holding points, in FIFO order. */
static int fifo(const model *m, int owner, int *out)
{
    int n = 0;
    for (int i = 0; i < m->nl; i++)
        if (m->lots[i].owner == owner && m->lots[i].remaining > 0) {
            int j = n++;
            while (j > 0 && fifo_before(&m->lots[i], &m->lots[out[j - 1]])) {
                out[j] = out[j - 1];
                j--;
            }
            out[j] = i;
        }
    return n;
}

static int usable(const mlot *l, int64_t t)
{
    return l->remaining > 0 && l->avail <= t && l->expires > t;
}

/* Rule 8 / expiry: expire postings for the lots of `owner` expired by `t`,
 * counted at their expiry. */
static void expire_member(model *m, int owner, int64_t t, int64_t *npost, int64_t *npoints)
{
    int order[MAXL];
    int n = 0;
    for (int i = 0; i < m->nl; i++) {
        const mlot *l = &m->lots[i];
        if (l->owner == owner && l->remaining > 0 && l->expires <= t && l->expires < NEVER) {
            int j = n++;
            while (j > 0 && (l->expires < m->lots[order[j - 1]].expires ||
                             (l->expires == m->lots[order[j - 1]].expires && fifo_before(l, &m->lots[order[j - 1]])))) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = i;
        }
    }
    for (int k = 0; k < n; k++) {
        mlot *l = &m->lots[order[k]];
        add_post(m, owner, PATRON_POSTING_EXPIRE, -l->remaining, t, l->expires);
        if (npost)
            (*npost)++;
        if (npoints)
            *npoints += l->remaining;
        l->expired += l->remaining;
        l->remaining = 0;
    }
}

/* Rule 1. */
static patron_balance balance_of(const model *m, int owner, int64_t t)
{
    patron_balance b = {0, 0, 0};
    for (int i = 0; i < m->np; i++) {
        const mpost *p = &m->posts[i];
        if (p->owner != owner)
            continue;
        if (p->eff <= t)
            b.available += p->points;
        else if (p->at <= t)
            b.pending += p->points;
    }
    for (int i = 0; i < m->nl; i++) {
        const mlot *l = &m->lots[i];
        if (l->owner == owner && l->remaining > 0 && l->expires <= t && l->expires < NEVER)
            b.expired_unposted += l->remaining;
    }
    b.available -= b.expired_unposted;
    return b;
}

/* Rule 2: the lowest balance from `from` on with a debit of `points` there
 * (postings, later expiry of the points left in lots). */
static int64_t lowest_after(const model *m, int owner, int64_t from, int64_t points)
{
    int64_t times[MAXP + MAXL + 1];
    int n = 0;
    times[n++] = from;
    for (int i = 0; i < m->np; i++)
        if (m->posts[i].owner == owner && m->posts[i].eff > from)
            times[n++] = m->posts[i].eff;
    for (int i = 0; i < m->nl; i++)
        if (m->lots[i].owner == owner && m->lots[i].remaining > 0 && m->lots[i].expires > from &&
            m->lots[i].expires < NEVER)
            times[n++] = m->lots[i].expires;
    int64_t low = INT64_MAX;
    for (int i = 0; i < n; i++) {
        int64_t v = balance_of(m, owner, times[i]).available - points;
        if (v < low)
            low = v;
    }
    return low;
}

/* Take up to `need` from the lots of `owner` usable at `t`, FIFO; with
 * `prefer`, first the lots holding that posting's points (pending or not,
 * unexpired at `t`, held by `until`), oldest first. Records pieces when `record`. */
static int64_t take(model *m, int owner, int64_t need, int64_t t, int64_t prefer, int64_t until, int record)
{
    int order[MAXL];
    int n = fifo(m, owner, order);
    int64_t got = 0;
    if (prefer) {
        /* by the posting that created them, then their place in it */
        int pref[MAXL], k = 0;
        for (int i = 0; i < n; i++) {
            const mlot *l = &m->lots[order[i]];
            if (l->source == prefer && l->expires > t && l->avail <= until) {
                int j = k++;
                while (j > 0 && (l->posting < m->lots[pref[j - 1]].posting ||
                                 (l->posting == m->lots[pref[j - 1]].posting && l->idx < m->lots[pref[j - 1]].idx))) {
                    pref[j] = pref[j - 1];
                    j--;
                }
                pref[j] = order[i];
            }
        }
        for (int i = 0; i < k && got < need; i++) {
            mlot *l = &m->lots[pref[i]];
            int64_t x = l->remaining < need - got ? l->remaining : need - got;
            if (x <= 0)
                continue;
            l->remaining -= x;
            got += x;
            if (record)
                add_piece(m, pref[i], x);
        }
    }
    for (int i = 0; i < n && got < need; i++) {
        mlot *l = &m->lots[order[i]];
        if (!usable(l, t))
            continue;
        int64_t x = l->remaining < need - got ? l->remaining : need - got;
        l->remaining -= x;
        got += x;
        if (record)
            add_piece(m, order[i], x);
    }
    return got;
}

/* Rule 6: received or credited points repay the debt first. */
static void repay(model *m, int owner, mlot *l)
{
    int64_t x = m->debt[owner] < l->remaining ? m->debt[owner] : l->remaining;
    l->remaining -= x;
    m->debt[owner] -= x;
}

/* A debit (rule 2). Returns the posting or -1 (EBALANCE; caller restores). */
static int debit(model *m, int owner, int kind, int64_t points, int64_t at, int64_t eff, int64_t prefer,
                 int overdraft)
{
    expire_member(m, owner, at, NULL, NULL);
    if (m->debt[owner] > 0)
        m->debt[owner] -= take(m, owner, m->debt[owner], at, 0, at, 0);
    int pc0 = m->npc;
    int64_t got = take(m, owner, points, at, prefer, eff, 1);
    int64_t limit = overdraft ? m->limit : 0;
    if (lowest_after(m, owner, eff, points) < -limit || (!overdraft && got < points))
        return -1;
    if (got < points) {
        add_piece(m, -1, points - got);
        m->debt[owner] += points - got;
    }
    int p = add_post(m, owner, kind, -points, at, eff);
    m->posts[p].pc0 = pc0;
    m->posts[p].npc = m->npc - pc0;
    return p;
}

/* Rule 7. Returns the posting, or -1 with *rc set. */
static int credit(model *m, int owner, int kind, int64_t points, int64_t at, int64_t mature_at, int64_t expires_at,
                  int *rc)
{
    int64_t mature = mature_at ? mature_at : at + m->hold;
    if (mature < at) {
        *rc = PATRON_EINVAL;
        return -1;
    }
    int64_t expires = expires_at ? expires_at : policy_expiry(m->months, m->round, at);
    if (mature == NEVER) { /* "Pending until an action": no expiry of its own */
        if (expires_at && expires_at != NEVER) {
            *rc = PATRON_EINVAL;
            return -1;
        }
        expires = NEVER;
    } else if (!expires_at && expires <= mature)
        expires = policy_expiry(m->months, m->round, mature);
    if (mature != NEVER && expires <= mature) {
        *rc = PATRON_EINVAL;
        return -1;
    }
    int p = add_post(m, owner, kind, points, at, mature);
    int l = add_lot(m, owner, at, mature, expires, points, p, 0, 0);
    repay(m, owner, &m->lots[l]);
    *rc = PATRON_OK;
    return p;
}

static void set_source(model *m, int post, int64_t id)
{
    m->posts[post].id = id;
    for (int i = 0; i < m->nl; i++)
        if (m->lots[i].posting == post && m->lots[i].source == 0)
            m->lots[i].source = id;
}

/* ---- the random driver --------------------------------------------------- */

typedef struct request {
    int op; /* 1 earn, 2 redeem, 3 adjust, 4 reverse, 5 transfer */
    char key[40];
    patron_posting_request r;
    patron_posting_result res;
} request;

static uint64_t rng;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int64_t rr(int64_t lo, int64_t hi) /* uniform in [lo, hi] */
{
    return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static struct {
    long requests, ok, refused, invalid, conflicts, replays, earns, redeems, adjusts, reverses, transfers, merges,
        expiries, policies, backdated, overdrawn, balances, releases;
} stats;

/* PATRON_MODEL_MANY=1: every earn goes through patron_ledger_earn_many (an
 * array of one), which must give the same answers as patron_ledger_earn. */
static int many_mode;

static int call(patron_db *db, int op, const patron_posting_request *r, patron_posting_result *res)
{
    switch (op) {
    case 1: return many_mode ? patron_ledger_earn_many(db, res, r, 1) : patron_ledger_earn(db, res, r);
    case 2: return patron_ledger_redeem(db, res, r);
    case 3: return patron_ledger_adjust(db, res, r);
    case 4: return patron_ledger_reverse(db, res, r);
    case 6: return patron_ledger_release(db, res, r->key, r->at);
    default: return patron_ledger_transfer(db, res, r);
    }
}

static long cur_seed;
static int64_t base; /* this sequence's start: each sequence of a store has its own 900 days */
static int cur_step;

static void expect_int(const char *what, int64_t got, int64_t want)
{
    if (got != want)
        fail_msg("seed %ld step %d: %s is %lld, model %lld (%s)", cur_seed, cur_step, what, (long long)got,
                 (long long)want, patron_errmsg());
}

static void compare_balances(patron_db *db, const model *m, const int64_t *ids, int64_t t)
{
    for (int i = 0; i < NM; i++) {
        patron_balance b;
        assert_int_equal(patron_ledger_balance(db, &b, ids[i], t), PATRON_OK);
        patron_balance w = balance_of(m, m->root[i], t);
        char what[64];
        snprintf(what, sizeof what, "member %d available at %lld", i, (long long)(t - base));
        expect_int(what, b.available, w.available);
        snprintf(what, sizeof what, "member %d pending at %lld", i, (long long)(t - base));
        expect_int(what, b.pending, w.pending);
        snprintf(what, sizeof what, "member %d expired_unposted at %lld", i, (long long)(t - base));
        expect_int(what, b.expired_unposted, w.expired_unposted);
        stats.balances++;
    }
}

static int index_of(const int64_t *ids, int64_t id)
{
    for (int i = 0; i < NM; i++)
        if (ids[i] == id)
            return i;
    fail_msg("unknown member id %lld", (long long)id);
    return 0;
}

static int pick_member(void)
{
    return (int)rr(0, NM - 1);
}

/* For debugging a failing seed (PATRON_MODEL_DUMP=1): every member's postings. */
static void dump(patron_db *db, const int64_t *ids)
{
    for (int i = 0; i < NM; i++) {
        patron_statement *st = NULL;
        if (patron_ledger_statement(db, &st, ids[i], 0, NEVER) != PATRON_OK)
            continue;
        for (size_t k = 0; k < patron_statement_count(st); k++) {
            const patron_posting *p = patron_statement_get(st, k);
            print_message("member %lld: posting %lld of %lld kind %d points %lld at %+lld eff %+lld target %lld %s\n",
                          (long long)ids[i], (long long)p->id, (long long)p->member_id, p->kind, (long long)p->points,
                          (long long)(p->at - base), (long long)(p->effective_at - base), (long long)p->target,
                          p->reason ? p->reason : "");
        }
        patron_statement_free(st);
    }
}

/* One sequence on `db`, its members new, its times from `base` on. */
static void run_sequence(patron_db *db, long seed, long slot)
{
    static model m;
    static snapshot snap;
    static request reqs[MAXR];
    int nreq = 0;
    memset(&m, 0, sizeof m);
    rng = 0x9E3779B97F4A7C15u ^ ((uint64_t)seed * 0x2545F4914F6CDD1Du);
    for (int i = 0; i < 3; i++)
        rnd();
    cur_seed = seed;
    base = T0 + slot * 900 * DAY;
    patron_ledger_policy pol0 = PATRON_LEDGER_POLICY_INIT;
    assert_int_equal(patron_ledger_set_policy(db, &pol0), PATRON_OK);
    int64_t ids[NM];
    for (int i = 0; i < NM; i++) {
        char phone[32];
        snprintf(phone, sizeof phone, "050-%03d-%04d", (int)(slot % 1000), i + 1);
        ids[i] = pt_member(db, phone, "none", base - 400 * DAY);
        m.root[i] = i;
    }
    int64_t now = base;
    int keyn = 0;
    batch_rng = (uint64_t)seed;
    for (int step = 0; step < STEPS; step++) {
        cur_step = step;
        if (batch_mode && !in_batch && batch_rnd() % 3 == 0) {
            assert_int_equal(patron_batch_begin(db), PATRON_OK);
            in_batch = 1;
        }
        now += rr(0, 3 * DAY);
        int64_t at = now;
        if (rnd() % 10 < 3) {
            at = now - rr(1, 20 * DAY);
            stats.backdated++;
        }
        snap_take(&m, &snap);
        int kind = (int)(rnd() % 100);
        int op = 0, rc_model = PATRON_OK, mp = -1;
        patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
        char key[40];
        snprintf(key, sizeof key, "s%ld-k%d", seed, keyn++);
        r.key = key;
        r.at = at;
        int retry = 0;
        int64_t model_points = 0;
        if (kind < 28) { /* earn */
            op = 1;
            stats.earns++;
            int who = pick_member();
            r.member_id = ids[who];
            r.points = rr(1, 300);
            int v = (int)(rnd() % 10);
            if (v == 0)
                r.mature_at = at + rr(0, 20 * DAY);
            else if (v == 1)
                r.mature_at = at - 1;
            else if (v == 2)
                r.mature_at = NEVER; /* pending until an action (a release below) */
            int e = (int)(rnd() % 10);
            int64_t mat = r.mature_at ? r.mature_at : at + m.hold;
            if (e < 3)
                r.expires_at = (mat == NEVER ? at : mat) + rr(1, 60 * DAY);
            else if (e == 3)
                r.expires_at = NEVER;
            else if (e == 4)
                r.expires_at = mat;
            mp = credit(&m, m.root[who], PATRON_POSTING_EARN, r.points, at, r.mature_at, r.expires_at, &rc_model);
            model_points = r.points;
        } else if (kind < 54) { /* redeem or adjust */
            int who = pick_member();
            r.member_id = ids[who];
            int adjust = kind >= 46;
            r.points = rr(1, 250);
            if (adjust) {
                op = 3;
                stats.adjusts++;
                r.reason = "correction";
                r.operator_name = "ops";
                if (rnd() % 3 == 0) {
                    mp = credit(&m, m.root[who], PATRON_POSTING_ADJUST, r.points, at, 0, 0, &rc_model);
                    model_points = r.points;
                } else {
                    r.points = -r.points;
                    mp = debit(&m, m.root[who], PATRON_POSTING_ADJUST, -r.points, at, at, 0, 1);
                    rc_model = mp < 0 ? PATRON_EBALANCE : PATRON_OK;
                    model_points = r.points;
                }
            } else {
                op = 2;
                stats.redeems++;
                mp = debit(&m, m.root[who], PATRON_POSTING_REDEEM, r.points, at, at, 0, 1);
                rc_model = mp < 0 ? PATRON_EBALANCE : PATRON_OK;
                model_points = -r.points;
            }
        } else if (kind >= 64 && kind < 68) { /* release of points pending until an action */
            op = 6;
            /* held earns not fully reversed (a released one is: its reversal) */
            int cands[MAXP], nc = 0;
            for (int i = 0; i < m.np; i++)
                if (m.posts[i].id && m.posts[i].kind == PATRON_POSTING_EARN && m.posts[i].eff == NEVER &&
                    m.posts[i].reversed < m.posts[i].points)
                    cands[nc++] = i;
            const char *held_key = NULL;
            int t = nc ? cands[rr(0, nc - 1)] : -1;
            for (int q = 0; t >= 0 && q < nreq && !held_key; q++)
                if (reqs[q].op == 1 && reqs[q].res.posting_id == m.posts[t].id)
                    held_key = reqs[q].key;
            if (!held_key) {
                snap_restore(&m, &snap);
                continue;
            }
            snprintf(key, sizeof key, "%s", held_key);
            stats.releases++;
            mpost *tp = &m.posts[t];
            int acct = m.root[tp->owner];
            if (at < tp->at) {
                rc_model = PATRON_EINVAL;
            } else {
                /* the guide: a reversal of what is left, effective at the
                 * held earn's maturity (never), after the automatic expiry
                 * of rule 8; then an earn available at the release with the
                 * policy's expiry counted from it */
                expire_member(&m, acct, at, NULL, NULL);
                int64_t left = tp->points - tp->reversed;
                int rv = debit(&m, acct, PATRON_POSTING_REVERSE, left, at, NEVER, tp->id, 1);
                if (rv < 0) {
                    rc_model = PATRON_EBALANCE;
                } else {
                    tp->reversed += left;
                    mp = credit(&m, acct, PATRON_POSTING_EARN, left, at, at, 0, &rc_model);
                    model_points = left;
                }
            }
        } else if (kind < 68) { /* reverse */
            op = 4;
            stats.reverses++;
            int cands[MAXP], nc = 0;
            for (int i = 0; i < m.np; i++)
                if (m.posts[i].id)
                    cands[nc++] = i;
            if (nc == 0) {
                snap_restore(&m, &snap);
                continue;
            }
            int t = cands[rr(0, nc - 1)];
            mpost *tp = &m.posts[t];
            r.target = tp->id;
            int64_t mag = tp->points > 0 ? tp->points : -tp->points;
            r.points = rnd() % 2 ? 0 : rr(1, mag);
            int mv = (int)(rnd() % 10);
            int acct = m.root[tp->owner];
            if (mv < 3) {
                int w = pick_member();
                r.member_id = ids[w];
            }
            if (tp->kind != PATRON_POSTING_EARN && tp->kind != PATRON_POSTING_REDEEM && tp->kind != PATRON_POSTING_ADJUST) {
                rc_model = PATRON_EINVAL;
            } else if (at < tp->at) {
                rc_model = PATRON_EINVAL;
            } else if (r.member_id && m.root[index_of(ids, r.member_id)] != acct) {
                rc_model = PATRON_EINVAL;
            } else {
                expire_member(&m, acct, at, NULL, NULL);
                int64_t expired = 0;
                if (tp->points > 0)
                    for (int i = 0; i < m.nl; i++)
                        if (m.lots[i].source == tp->id && m.root[m.lots[i].owner] == acct)
                            expired += m.lots[i].expired;
                int64_t left = mag - tp->reversed - expired;
                int64_t amount = r.points ? r.points : left;
                if (left <= 0)
                    rc_model = PATRON_ECONFLICT;
                else if (amount > left)
                    rc_model = PATRON_EINVAL;
                else if (tp->points > 0) {
                    /* rule 10/12: own lots first, effective at maturity if pending */
                    int64_t eff = tp->eff > at ? tp->eff : at;
                    mp = debit(&m, acct, PATRON_POSTING_REVERSE, amount, at, eff, tp->id, 1);
                    rc_model = mp < 0 ? PATRON_EBALANCE : PATRON_OK;
                    model_points = -amount;
                } else {
                    /* rule 11: pieces, the overdraft first, then by expiry, latest first */
                    piece order[MAXPC];
                    int n = 0;
                    for (int i = tp->npc - 1; i >= 0; i--)
                        order[n++] = m.pcs[tp->pc0 + i];
                    for (int i = 1; i < n; i++) {
                        piece x = order[i];
                        int j = i;
                        while (j > 0 && (x.lot < 0 ? order[j - 1].lot >= 0
                                                   : order[j - 1].lot >= 0 &&
                                                         m.lots[order[j - 1].lot].expires < m.lots[x.lot].expires)) {
                            order[j] = order[j - 1];
                            j--;
                        }
                        order[j] = x;
                    }
                    int64_t skip = tp->reversed, need = amount;
                    int rp = add_post(&m, acct, PATRON_POSTING_REVERSE, amount, at, at);
                    int newidx = 0;
                    int newlots[MAXPC];
                    int64_t newpts[MAXPC];
                    int nnew = 0;
                    for (int i = 0; i < n && need > 0; i++) {
                        int64_t g = order[i].amount, s = g < skip ? g : skip;
                        skip -= s;
                        g -= s;
                        int64_t x = g < need ? g : need;
                        if (x <= 0)
                            continue;
                        need -= x;
                        if (order[i].lot < 0) {
                            int64_t d = m.debt[acct] < x ? m.debt[acct] : x;
                            m.debt[acct] -= d;
                            if (x > d)
                                add_lot(&m, acct, at, at, policy_expiry(m.months, m.round, at), x - d, rp, newidx++, 0);
                            continue;
                        }
                        mlot *l = &m.lots[order[i].lot];
                        if (l->owner == acct) {
                            l->remaining += x;
                            if (at > l->refill)
                                l->refill = at;
                            if (l->expires <= at) {
                                add_post(&m, acct, PATRON_POSTING_EXPIRE, -x, at, at);
                                l->remaining -= x;
                                l->expired += x;
                            }
                        } else {
                            newlots[nnew] = order[i].lot;
                            newpts[nnew++] = x;
                        }
                    }
                    /* points whose lot's member was merged away: new lots of this
                     * posting, in the order above */
                    for (int i = 0; i < nnew; i++) {
                        mlot o = m.lots[newlots[i]];
                        int64_t av = o.avail > at ? o.avail : at;
                        int nl = add_lot(&m, acct, o.earned, av, o.expires, newpts[i], rp, newidx++, o.source);
                        if (o.expires <= at) {
                            add_post(&m, acct, PATRON_POSTING_EXPIRE, -newpts[i], at, at);
                            m.lots[nl].remaining = 0;
                            m.lots[nl].expired += newpts[i];
                        }
                    }
                    mp = rp;
                    model_points = amount;
                }
                if (rc_model == PATRON_OK)
                    tp->reversed += amount;
            }
        } else if (kind < 76) { /* transfer */
            op = 5;
            stats.transfers++;
            int from = pick_member(), to = pick_member();
            r.member_id = ids[from];
            r.target = ids[to];
            r.points = rr(1, 200);
            int fa = m.root[from], ta = m.root[to];
            if (fa == ta) {
                rc_model = PATRON_EINVAL;
            } else {
                int pc0 = m.npc;
                mp = debit(&m, fa, PATRON_POSTING_TRANSFER_OUT, r.points, at, at, 0, 0);
                if (mp < 0) {
                    rc_model = PATRON_EBALANCE;
                } else {
                    int in = add_post(&m, ta, PATRON_POSTING_TRANSFER_IN, r.points, at, at);
                    int made[MAXPC], nm = 0;
                    for (int i = pc0; i < m.npc; i++) {
                        mlot o = m.lots[m.pcs[i].lot];
                        made[nm++] = add_lot(&m, ta, o.earned, o.avail > at ? o.avail : at, o.expires, m.pcs[i].amount,
                                             in, i - pc0, o.source);
                    }
                    for (int i = 0; i < nm; i++)
                        repay(&m, ta, &m.lots[made[i]]);
                    model_points = -r.points;
                }
            }
        } else if (kind < 80) { /* merge (rule 5) */
            stats.merges++;
            int k = pick_member(), g = pick_member();
            int ka = m.root[k], ga = m.root[g];
            if (ka == ga)
                continue;
            assert_int_equal(patron_profile_merge(db, ids[ka], ids[ga], at, "model", NULL), PATRON_OK);
            expire_member(&m, ga, at, NULL, NULL);
            if (m.debt[ga] > 0) {
                add_post(&m, ga, PATRON_POSTING_ADJUST, m.debt[ga], at, at);
                add_post(&m, ka, PATRON_POSTING_ADJUST, -m.debt[ga], at, at);
                m.debt[ka] += m.debt[ga];
                m.debt[ga] = 0;
            }
            int order[MAXL];
            int n = fifo(&m, ga, order);
            for (int i = 0; i < n; i++) {
                mlot o = m.lots[order[i]];
                int64_t eff = o.avail > at ? o.avail : at;
                if (o.refill > eff)
                    eff = o.refill;
                add_post(&m, ga, PATRON_POSTING_TRANSFER_OUT, -o.remaining, at, eff);
                m.lots[order[i]].remaining = 0;
                int in = add_post(&m, ka, PATRON_POSTING_TRANSFER_IN, o.remaining, at, eff);
                int nl = add_lot(&m, ka, o.earned, eff, o.expires, o.remaining, in, 0, o.source);
                repay(&m, ka, &m.lots[nl]);
            }
            for (int i = 0; i < NM; i++)
                if (m.root[i] == ga)
                    m.root[i] = ka;
        } else if (kind < 85) { /* expiry run */
            stats.expiries++;
            int64_t np = 0, pts = 0, wnp = 0, wpts = 0;
            assert_int_equal(patron_ledger_expire(db, &np, &pts, at), PATRON_OK);
            for (int i = 0; i < NM; i++)
                if (m.root[i] == i)
                    expire_member(&m, i, at, &wnp, &wpts);
            expect_int("expire postings", np, wnp);
            expect_int("expired points", pts, wpts);
        } else if (kind < 89) { /* policy change (rule 15) */
            stats.policies++;
            patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
            pol.expiry_months = (int)rr(0, 3);
            /* the old switch (end of month) or one of the roundings */
            if (rnd() % 3 == 0)
                pol.expiry_end_of_month = 1;
            else
                pol.expiry_round = (int)rr(0, 5);
            pol.hold_seconds = rnd() % 2 ? 0 : rr(0, 10 * DAY);
            static const int64_t limits[] = {0, 0, 50, 300};
            pol.overdraft_limit = limits[rnd() % 4];
            assert_int_equal(patron_ledger_set_policy(db, &pol), PATRON_OK);
            m.months = pol.expiry_months;
            m.round = pol.expiry_end_of_month ? 3 : pol.expiry_round;
            m.hold = pol.hold_seconds;
            m.limit = pol.overdraft_limit;
        } else if (nreq > 0) { /* retry (rule 14) or key conflict */
            request *q = &reqs[rr(0, nreq - 1)];
            patron_posting_request again = q->r;
            again.key = q->key;
            again.at = now + rr(0, DAY); /* stamped later: still the same request */
            int conflict = kind >= 97;
            if (conflict)
                again.points += again.points < 0 ? -1 : 1;
            patron_posting_result res = {0, 0, 0};
            int rc = call(db, q->op, &again, &res);
            stats.requests++;
            if (conflict) {
                expect_int("conflict status", rc, PATRON_ECONFLICT);
                stats.conflicts++;
            } else {
                expect_int("replay status", rc, PATRON_OK);
                expect_int("replayed", res.replayed, 1);
                expect_int("replay posting", res.posting_id, q->res.posting_id);
                expect_int("replay points", res.points, q->res.points);
                stats.replays++;
            }
            retry = 1;
        } else {
            continue;
        }
        if (op && !retry) {
            patron_posting_result res = {0, 0, 0};
            int rc = call(db, op, &r, &res);
            stats.requests++;
            expect_int("status", rc, rc_model);
            if (rc_model == PATRON_OK) {
                stats.ok++;
                expect_int("result points", res.points, model_points);
                expect_int("result replayed", res.replayed, 0);
                if (mp >= 0)
                    set_source(&m, mp, res.posting_id);
                if (nreq < MAXR && op != 6) { /* a release's retry is test_pending_action.c's */
                    reqs[nreq].op = op;
                    snprintf(reqs[nreq].key, sizeof reqs[nreq].key, "%s", key);
                    reqs[nreq].r = r;
                    reqs[nreq].r.key = reqs[nreq].key;
                    reqs[nreq].res = res;
                    nreq++;
                }
                for (int i = 0; i < NM; i++)
                    if (m.debt[i] > 0)
                        stats.overdrawn++;
            } else {
                snap_restore(&m, &snap);
                if (rc_model == PATRON_EBALANCE)
                    stats.refused++;
                else if (rc_model == PATRON_ECONFLICT)
                    stats.conflicts++;
                else
                    stats.invalid++;
            }
        }
        /* balances at the request's time, now, a past and a future moment */
        compare_balances(db, &m, ids, at);
        int64_t when = step % 3 == 0 ? now : step % 3 == 1 ? rr(base - DAY, now) : now + rr(1, 200 * DAY);
        compare_balances(db, &m, ids, when);
        if (in_batch && (batch_rnd() % 6 == 0 || step == STEPS - 1)) {
            int crc = patron_batch_commit(db);
            if (crc != PATRON_OK)
                fail_msg("seed %ld step %d: batch commit: %s", seed, step, patron_errmsg());
            in_batch = 0;
        }
    }
    if (in_batch) { /* a step that ended early (continue) skipped the commit above */
        int crc = patron_batch_commit(db);
        if (crc != PATRON_OK)
            fail_msg("seed %ld: batch commit: %s", seed, patron_errmsg());
        in_batch = 0;
    }
    /* every moment that matters: each posting's and lot's times */
    for (int i = 0; i < m.np; i += 3) {
        compare_balances(db, &m, ids, m.posts[i].eff);
        compare_balances(db, &m, ids, m.posts[i].eff - 1);
    }
    for (int i = 0; i < m.nl; i += 3)
        if (m.lots[i].expires < NEVER)
            compare_balances(db, &m, ids, m.lots[i].expires);
    /* what can still expire expires before the next sequence starts */
    int64_t np = 0, pts = 0, wnp = 0, wpts = 0;
    assert_int_equal(patron_ledger_expire(db, &np, &pts, base + 800 * DAY), PATRON_OK);
    for (int i = 0; i < NM; i++)
        if (m.root[i] == i)
            expire_member(&m, i, base + 800 * DAY, &wnp, &wpts);
    expect_int("final expire postings", np, wnp);
    expect_int("final expired points", pts, wpts);
    compare_balances(db, &m, ids, base + 800 * DAY);
}

/* The store's history is right (after a store's last sequence: the check
 * reads the whole store). */
static void check_store(patron_db *db, long last_seed, const int64_t *ids)
{
    patron_ledger_report rep;
    int rc = patron_ledger_check(db, &rep);
    long seed = last_seed;
    if (rc != PATRON_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", patron_errmsg());
        if (getenv("PATRON_MODEL_DUMP") && ids)
            dump(db, ids);
        fail_msg("seed %ld: check: %s", seed, msg);
    }
}

static void test_model(void **state)
{
    (void)state;
    /* a store holds STORE_RUNS sequences (opening a store costs more than a
     * sequence); seed s always runs in the same slot of its store */
    patron_db *db = NULL;
    for (long s = first_seed; s < first_seed + sequences; s++) {
        long slot = (s - first_seed) % STORE_RUNS;
        if (slot == 0 && db)
            check_store(db, s - 1, NULL);
        if (slot == 0) {
            patron_close(db);
            db = pt_store_new(NULL);
            assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
        }
        run_sequence(db, s, slot);
    }
    check_store(db, first_seed + sequences - 1, NULL);
    patron_close(db);
    print_message("ledger model: %ld sequences, %ld requests (%ld ok, %ld refused, %ld invalid, %ld conflicts, %ld "
                  "replays); %ld earns, %ld redeems, %ld adjusts, %ld reverses, %ld transfers, %ld merges, %ld expiry "
                  "runs, %ld policy changes, %ld releases; %ld back-dated; %ld requests leaving a member in debt; "
                  "%ld balance comparisons\n",
                  sequences, stats.requests, stats.ok, stats.refused, stats.invalid, stats.conflicts, stats.replays,
                  stats.earns, stats.redeems, stats.adjusts, stats.reverses, stats.transfers, stats.merges,
                  stats.expiries, stats.policies, stats.releases, stats.backdated, stats.overdrawn, stats.balances);
}

int main(int argc, char **argv)
{
    if (getenv("PATRON_UNDER_VALGRIND"))
        sequences = 60;
    batch_mode = getenv("PATRON_MODEL_BATCH") != NULL;
    many_mode = getenv("PATRON_MODEL_MANY") != NULL;
    if (argc > 1)
        sequences = strtol(argv[1], NULL, 10);
    if (argc > 2)
        first_seed = strtol(argv[2], NULL, 10);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
