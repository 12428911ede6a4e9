/* Tiers against a model written from the ledger guide ("Tiers", "The
 * rules, exactly") and the tier guide (docs/guide/tier.md: downgrade modes,
 * expiry dates, lifetime tiers) and tier.h, not from lib/tier: random
 * metrics, rolling and calendar-year windows across a new year, grace
 * lengths (0 included), the three downgrade modes with random balance
 * thresholds, expiry dates of 0..2 months, lifetime marks set and removed,
 * purchases (some back-dated), returns, evaluations, reviews and
 * reconfigurations during graces. After every step each member's status
 * (tier, since, value, grace end, qualifying tier; expiry date, lifetime
 * tier held, balance) is compared, now and at a random earlier moment.
 *
 * usage: test_tier_model [stores [seed]] */
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

#define T0 INT64_C(1731628800) /* 2024-11-15 00:00 UTC */
#define DAY INT64_C(86400)
#define NM 3
#define MAXP 80
#define MAXT 4

static long n_stores;
static uint64_t seed0;
static long n_checks, n_graces, n_downgrades, n_grace_ended, n_calendar;
static long n_one_level, n_balance_kept, n_lifetime_kept, n_expiry_kept, n_lifetime_floor;

/* ---- the model ---------------------------------------------------------- */

typedef struct mpurchase {
    char key[24];
    int member;
    int64_t at, amount;
    int returned;
    int64_t returned_at;
} mpurchase;

typedef struct mconfig {
    int metric, window, window_days, grace_days;
    int downgrade, expiry_months;
    int64_t keep;
    size_t n;
    char name[MAXT][8];
    int64_t thr[MAXT];
} mconfig;

typedef struct mmember {
    char tier[8]; /* "" = never evaluated */
    int64_t since, grace, valid;
    int held[6]; /* names t0..t5 ever held (the tier history) */
} mmember;

typedef struct model {
    mconfig c;
    int lifetime[6]; /* names t0..t5 marked lifetime */
    mpurchase p[MAXP];
    size_t np;
    mmember m[NM];
} model;

/* days since 1970-01-01 of a civil date (proleptic Gregorian) */
static int64_t days_from_civil(int64_t y, int64_t mo, int64_t d)
{
    y -= mo <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
    int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* 1 January 00:00 UTC of t's year */
static int64_t year_start(int64_t t)
{
    int64_t days = t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
    int64_t y = 1970 + days / 366;
    while (days_from_civil(y + 1, 1, 1) <= days)
        y++;
    while (days_from_civil(y, 1, 1) > days)
        y--;
    return days_from_civil(y, 1, 1) * DAY;
}

/* the qualifying value at t: returned purchases count nowhere */
static int64_t value_at(const model *m, int who, int64_t t)
{
    int64_t lo = m->c.window == PATRON_TIER_CALENDAR_YEAR ? year_start(t) - 1 : t - m->c.window_days * DAY, v = 0;
    for (size_t i = 0; i < m->np; i++) {
        const mpurchase *p = &m->p[i];
        if (p->member != who || p->returned || p->at <= lo || p->at > t)
            continue;
        v += m->c.metric == PATRON_TIER_SPEND ? p->amount : m->c.metric == PATRON_TIER_POINTS ? p->amount / 100 : 1;
    }
    return v;
}

static int rank_for(const model *m, int64_t v)
{
    int q = 0;
    for (size_t i = 0; i < m->c.n; i++)
        if (v >= m->c.thr[i])
            q = (int)i;
    return q;
}

static int rank_of(const model *m, const char *name)
{
    for (size_t i = 0; i < m->c.n; i++)
        if (name[0] && !strcmp(m->c.name[i], name))
            return (int)i;
    return -1;
}

/* the name's index in t0..t5 */
static int pool_index(const char *name)
{
    return name[0] == 't' ? name[1] - '0' : -1;
}

/* available points at t: every purchase earned floor(amount / 100) at its
 * time, taken back at its return's time */
static int64_t balance_at(const model *m, int who, int64_t t)
{
    int64_t b = 0;
    for (size_t i = 0; i < m->np; i++) {
        const mpurchase *p = &m->p[i];
        if (p->member == who && p->at <= t && !(p->returned && p->returned_at <= t))
            b += p->amount / 100;
    }
    return b;
}

/* tier.md "Expiry dates": the end of the qualification period (rolling:
 * the evaluation; calendar year: the next 1 January) plus N months, the
 * day of month kept (clamped) */
static int64_t add_months_model(int64_t t, int n)
{
    int64_t day = t / DAY, y = 1970;
    while (days_from_civil(y + 1, 1, 1) <= day)
        y++;
    int mo = 1;
    while (mo < 12 && days_from_civil(y, mo + 1, 1) <= day)
        mo++;
    int64_t d = day - days_from_civil(y, mo, 1) + 1;
    int64_t mi = y * 12 + (mo - 1) + n;
    y = mi / 12;
    mo = (int)(mi % 12) + 1;
    int64_t len = days_from_civil(mo == 12 ? y + 1 : y, mo == 12 ? 1 : mo + 1, 1) - days_from_civil(y, mo, 1);
    if (d > len)
        d = len;
    return (days_from_civil(y, mo, d)) * DAY + t % DAY;
}

static int64_t expiry_date(const model *m, int64_t t)
{
    if (m->c.expiry_months == 0)
        return 0;
    int64_t end = m->c.window == PATRON_TIER_CALENDAR_YEAR ? year_start(year_start(t) + 370 * DAY) : t;
    return add_months_model(end, m->c.expiry_months);
}

/* tier.md "Lifetime tiers": the highest tier marked lifetime among those
 * the member has held, the current one included; -1 when none */
static int lifetime_floor(const model *m, const mmember *x)
{
    int f = -1;
    for (size_t i = 0; i < m->c.n; i++) {
        int k = pool_index(m->c.name[i]);
        if (m->lifetime[k] && (x->held[k] || !strcmp(x->tier, m->c.name[i])))
            f = (int)i;
    }
    return f;
}

static void place(mmember *x, const char *name, int64_t t, int64_t valid)
{
    memcpy(x->tier, name, sizeof x->tier);
    x->since = t;
    x->grace = 0;
    x->valid = valid;
    x->held[pool_index(name)] = 1;
}

static void evaluate(model *m, int who, int64_t t, int review)
{
    mmember *x = &m->m[who];
    int q = rank_for(m, value_at(m, who, t)), cur = rank_of(m, x->tier);
    int64_t valid = expiry_date(m, t);
    if (cur >= 0 && valid && x->valid == 0) /* a tier without a date gets one */
        x->valid = valid;
    int floor = cur >= 0 ? lifetime_floor(m, x) : -1;
    int by_balance = m->c.downgrade == PATRON_TIER_DOWNGRADE_BALANCE && balance_at(m, who, t) >= m->c.keep;
    int own = cur >= 0 && (q >= cur || floor >= cur || by_balance);
    if (cur < 0 || q > cur) { /* enrolled, placed, or upgraded at once */
        place(x, m->c.name[q], t, valid);
    } else if (own) { /* qualified (by value, balance or a lifetime tier): grace ends, the date moves on */
        if (x->grace)
            n_grace_ended++;
        x->grace = 0;
        if (valid > x->valid)
            x->valid = valid;
        if (review && q < cur)
            n_balance_kept += floor < cur, n_lifetime_kept += floor >= cur;
    } else if (review && valid && t < x->valid) {
        n_expiry_kept++; /* below, but the expiry date is still ahead */
    } else if (review) {
        if (x->grace == 0 && m->c.grace_days > 0) {
            x->grace = t + m->c.grace_days * DAY;
            n_graces++;
        } else if (x->grace == 0 || t >= x->grace) {
            int to = m->c.downgrade == PATRON_TIER_DOWNGRADE_ONE_LEVEL ? cur - 1 : q;
            n_one_level += m->c.downgrade == PATRON_TIER_DOWNGRADE_ONE_LEVEL && to > q;
            if (to < floor) {
                to = floor;
                n_lifetime_floor++;
            }
            place(x, m->c.name[to], t, valid);
            n_downgrades++;
        }
    }
}

/* ---- driving the library ------------------------------------------------ */

static void random_config(pt_rand *g, mconfig *c)
{
    static const char *const pool[] = {"t0", "t1", "t2", "t3", "t4", "t5"};
    c->metric = (int)pt_range(g, 0, 2);
    c->window = pt_chance(g, 30) ? PATRON_TIER_CALENDAR_YEAR : PATRON_TIER_ROLLING;
    c->window_days = (int)pt_range(g, 3, 60);
    c->grace_days = pt_chance(g, 20) ? 0 : (int)pt_range(g, 1, 20);
    c->downgrade = (int)pt_range(g, 0, 2);
    c->keep = pt_range(g, 0, 400);
    c->expiry_months = pt_chance(g, 50) ? 0 : (int)pt_range(g, 1, 2);
    c->n = (size_t)pt_range(g, 2, MAXT);
    int64_t unit = c->metric == PATRON_TIER_SPEND ? 5000 : c->metric == PATRON_TIER_POINTS ? 50 : 1;
    /* names t0.. or t1..: a reconfiguration can remove the tier a member holds */
    size_t start = (size_t)pt_range(g, 0, 1);
    int64_t t = 0;
    for (size_t i = 0; i < c->n; i++) {
        snprintf(c->name[i], sizeof c->name[i], "%s", pool[start + i]);
        c->thr[i] = t;
        t += unit * pt_range(g, 1, 4);
    }
}

static void configure(patron_db *db, model *m, const mconfig *c)
{
    patron_tier_config tc = PATRON_TIER_CONFIG_INIT;
    tc.metric = c->metric;
    tc.window = c->window;
    tc.window_days = c->window_days;
    tc.grace_days = c->grace_days;
    tc.downgrade = c->downgrade;
    tc.keep_balance = c->keep;
    tc.expiry_months = c->expiry_months;
    patron_tier_def defs[MAXT];
    for (size_t i = 0; i < c->n; i++) {
        defs[i].name = c->name[i];
        defs[i].threshold = c->thr[i];
    }
    if (patron_tier_configure(db, &tc, defs, c->n) != PATRON_OK)
        fail_msg("configure: %s", patron_errmsg());
    m->c = *c;
    n_calendar += c->window == PATRON_TIER_CALENDAR_YEAR;
    /* marks of names no longer configured go; no expiry dates: every date goes */
    for (int k = 0; k < 6; k++) {
        int kept = 0;
        for (size_t i = 0; i < c->n; i++)
            kept |= pool_index(c->name[i]) == k;
        if (!kept)
            m->lifetime[k] = 0;
    }
    if (c->expiry_months == 0)
        for (int who = 0; who < NM; who++)
            m->m[who].valid = 0;
}

static void check(patron_db *db, const model *m, const int64_t *id, int who, int64_t t, long store, int op)
{
    patron_tier_status s;
    assert_int_equal(patron_tier_get(db, &s, id[who], t), PATRON_OK);
    const mmember *x = &m->m[who];
    int64_t v = value_at(m, who, t);
    const char *q = m->c.name[rank_for(m, v)];
    if (strcmp(s.tier, x->tier) || s.since != x->since || s.value != v || s.grace_until != x->grace ||
        strcmp(s.qualifies, q))
        fail_msg("store %ld op %d member %d at T0%+lld: library %s since %lld value %lld grace %lld qualifies %s; "
                 "model %s since %lld value %lld grace %lld qualifies %s",
                 store, op, who, (long long)(t - T0), s.tier, (long long)s.since, (long long)s.value,
                 (long long)s.grace_until, s.qualifies, x->tier, (long long)x->since, (long long)v,
                 (long long)x->grace, q);
    patron_tier_detail d = PATRON_TIER_DETAIL_INIT;
    assert_int_equal(patron_tier_get_detail(db, &d, id[who], t), PATRON_OK);
    int cur = rank_of(m, x->tier), floor = cur >= 0 ? lifetime_floor(m, x) : -1;
    int64_t valid = m->c.expiry_months ? x->valid : 0, bal = balance_at(m, who, t);
    const char *life = floor >= 0 ? m->c.name[floor] : "";
    if (strcmp(d.tier, x->tier) || d.valid_until != valid || strcmp(d.lifetime, life) || d.available != bal)
        fail_msg("store %ld op %d member %d at T0%+lld: library %s valid until %lld lifetime '%s' balance %lld; "
                 "model %s valid until %lld lifetime '%s' balance %lld",
                 store, op, who, (long long)(t - T0), d.tier, (long long)d.valid_until, d.lifetime,
                 (long long)d.available, x->tier, (long long)valid, life, (long long)bal);
    n_checks++;
}

static void run_store(long store, uint64_t seed)
{
    pt_rand g = {seed};
    model *m = calloc(1, sizeof *m);
    assert_non_null(m);
    patron_db *db = pt_store_new(NULL);
    assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
    pt_program_mode(db); /* PATRON_TEST_PROGRAM: all of it in a program of its own */
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = "base";
    r.kind = PATRON_EARN_BASE;
    r.points = 1;
    r.per_amount = 100;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_OK);
    int64_t id[NM];
    for (int i = 0; i < NM; i++) {
        char phone[32];
        snprintf(phone, sizeof phone, "050-000-00%02d", i + 1);
        id[i] = pt_member(db, phone, "sms", T0 - 400 * DAY);
        pt_program_join(db, id[i]);
    }
    mconfig c;
    random_config(&g, &c);
    configure(db, m, &c);
    int64_t clock = T0;
    int nops = (int)pt_range(&g, 10, MAXP);
    for (int op = 0; op < nops; op++) {
        clock += pt_range(&g, 0, 4 * 24) * 3600;
        int what = (int)pt_range(&g, 0, 99);
        if (what < 50 && m->np < MAXP) {
            mpurchase *p = &m->p[m->np];
            snprintf(p->key, sizeof p->key, "o%zu", m->np);
            p->member = (int)pt_range(&g, 0, NM - 1);
            p->at = clock - (pt_chance(&g, 20) ? pt_range(&g, 1, 10 * 24) * 3600 : 0);
            p->amount = pt_range(&g, 0, 20000);
            p->returned = 0;
            patron_purchase_line line = {NULL, NULL, p->amount};
            patron_purchase x = PATRON_PURCHASE_INIT;
            x.key = p->key;
            x.member_id = id[p->member];
            x.at = p->at;
            x.lines = &line;
            x.n_lines = 1;
            assert_int_equal(patron_earn_purchase(db, NULL, &x), PATRON_OK);
            m->np++;
            evaluate(m, p->member, p->at, 0); /* at the purchase's own time */
        } else if (what < 60 && m->np > 0) {
            mpurchase *p = &m->p[pt_range(&g, 0, (int64_t)m->np - 1)];
            int64_t at = clock > p->at ? clock : p->at;
            if (!p->returned) {
                assert_int_equal(patron_earn_return(db, p->key, at), PATRON_OK);
                p->returned_at = at;
            } else {
                assert_int_equal(patron_earn_return(db, p->key, at), PATRON_OK); /* a repeat changes nothing */
            }
            p->returned = 1; /* no evaluation: the value drops, the tier waits for a review */
        } else if (what < 70) {
            int who = (int)pt_range(&g, 0, NM - 1);
            assert_int_equal(patron_tier_evaluate(db, NULL, id[who], clock), PATRON_OK);
            evaluate(m, who, clock, 0);
        } else if (what < 96) {
            assert_int_equal(patron_tier_review(db, NULL, clock), PATRON_OK);
            for (int who = 0; who < NM; who++)
                evaluate(m, who, clock, 1);
        } else if (what < 98) {
            /* mark or unmark a configured tier as lifetime */
            const char *name = m->c.name[pt_range(&g, 0, (int64_t)m->c.n - 1)];
            int on = pt_chance(&g, 70);
            assert_int_equal(patron_tier_set_lifetime(db, name, on), PATRON_OK);
            m->lifetime[pool_index(name)] = on;
        } else {
            mconfig nc;
            random_config(&g, &nc);
            if (pt_chance(&g, 50)) { /* thresholds only */
                nc.metric = m->c.metric;
                nc.window = m->c.window;
                nc.window_days = m->c.window_days;
                nc.grace_days = m->c.grace_days;
                nc.downgrade = m->c.downgrade;
                nc.keep = m->c.keep;
                nc.expiry_months = m->c.expiry_months;
            }
            configure(db, m, &nc);
        }
        for (int who = 0; who < NM; who++) {
            check(db, m, id, who, clock, store, op);
            check(db, m, id, who, clock - pt_range(&g, 0, 90) * DAY, store, op);
        }
    }
    patron_close(db);
    free(m);
}

static void test_tiers_against_model(void **state)
{
    (void)state;
    pt_rand g = {seed0};
    for (long s = 0; s < n_stores; s++)
        run_store(s, pt_next(&g));
    printf("# %ld status checks; %ld graces started, %ld ended by qualifying again, %ld downgrades; "
           "%ld calendar-year configurations; %ld one-level steps above the value's tier, %ld reviews kept by the "
           "balance, %ld by a lifetime tier, %ld by the expiry date, %ld downgrades stopped at a lifetime tier\n",
           n_checks, n_graces, n_grace_ended, n_downgrades, n_calendar, n_one_level, n_balance_kept, n_lifetime_kept,
           n_expiry_kept, n_lifetime_floor);
}

int main(int argc, char **argv)
{
    pt_args(argc, argv, &n_stores, &seed0, 120, 21);
    printf("# tier model: %ld stores, seed %llu\n", n_stores, (unsigned long long)seed0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiers_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
