/* Earning rules against a model written from the ledger guide ("Earning
 * rules", "The arithmetic, exactly") and earn.h, not from lib/earn: random
 * rule versions (also replacing at the same valid_from), purchases arriving
 * in random time order (back-dated uploads), replays, returns, challenges,
 * referrals (with refused cycles) and tier rules on a spend tier program;
 * and a random budget with limits on the campaign rule "camp" (the ledger
 * guide, "Campaign budgets and limits": total, recurring, per-member and
 * per-store limits in UTC day/ISO week/month windows, the award at the
 * boundary getting the remainder, returns giving back what they used).
 *
 * usage: test_earn_model [stores [seed]]; every purchase is checked (quote
 * and result), every member's balance at the end, and the version recorded
 * by each purchase's base posting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "internal/store.h"
#include "patron.h"
#include "pt_rand.h"
#include "store_support.h"

#define T0 INT64_C(1700000000)
#define DAY INT64_C(86400)
#define NM 4           /* members per store */
#define MAXV 96        /* rule versions per store */
#define MAXP 64        /* purchases per store */
#define TIER_WINDOW 30 /* days, spend */

static long n_stores;
static uint64_t seed0;

static const char *const cats[] = {"a", "b", "c"};
static const char *const prods[] = {"p1", "p2"};

/* ---- the model ---------------------------------------------------------- */

typedef struct mrule {
    const char *name;
    int kind;
    int64_t version, from, to; /* to: INT64_MAX = open */
    int64_t points, per, percent, count, wdays, referee;
    const char *cat, *prod, *tier;
} mrule;

typedef struct mline {
    const char *cat, *prod;
    int64_t amount;
} mline;

typedef struct mpurchase {
    char key[24];
    int member;
    int64_t at;
    size_t n;
    mline lines[3];
    int returned;
    int64_t points;          /* the member's points */
    int referrer;            /* -1, or who got `ref_points` */
    int64_t ref_points;
    int chal_awarded[2];     /* which challenge rules awarded it */
    int64_t base_version;    /* version of "base" that scored it (0: none) */
    const char *loc;         /* location (store), or NULL */
    int64_t camp_award;      /* what the budgeted "camp" rule gave it */
    int64_t base_points;     /* what that version gave */
} mpurchase;

typedef struct mbudget {
    int64_t points, awards, period, period_points, period_awards, member_window, member_points, member_awards,
        store_window, store_points, store_awards;
} mbudget;

typedef struct model {
    int has_budget;
    mbudget b;
    mrule v[MAXV];
    size_t nv;
    mpurchase p[MAXP];
    size_t np;
    int referrer[NM]; /* -1 = none */
    int held[NM];     /* tier rank, -1 = never evaluated */
    int64_t gold;     /* spend threshold of "gold" */
} model;

static const char *const tier_names[] = {"silver", "gold"};
/* what the run exercised (printed, so a weak generator shows) */
static long n_purchases, n_challenges, n_referrals, n_tier_bonus, n_returns, n_backdated, n_budget_cut,
    n_budget_zero;

static const char *const locs[] = {"s1", "s2"};

/* ---- budget windows, from the guide: a UTC day from 00:00, an ISO week
 * from Monday 00:00, a calendar month from the 1st 00:00; 0 for none */
static int64_t month_start_of(int64_t t)
{
    /* days -> civil date (Gregorian, the usual era arithmetic) */
    int64_t z = t / DAY + 719468, era = z / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5; /* day of month - 1 */
    return (t / DAY - d) * DAY;
}

static int64_t window_start(int64_t w, int64_t t)
{
    switch (w) {
    case 1:
        return t / DAY * DAY;
    case 2: /* 1970-01-01 was a Thursday: Monday is 3 days before */
        return (t / DAY - (t / DAY + 3) % 7) * DAY;
    case 3:
        return month_start_of(t);
    default:
        return 0;
    }
}

/* the budgeted award of purchase `pp` whose campaign award would be `raw` */
static int64_t model_budget(const model *m, const mpurchase *pp, int64_t raw)
{
    if (!m->has_budget || raw <= 0)
        return raw;
    const mbudget *b = &m->b;
    int64_t give = raw;
    for (int scope = 0; scope < 4; scope++) {
        int64_t maxp, maxa, w;
        if (scope == 0) {
            maxp = b->points, maxa = b->awards, w = 0;
        } else if (scope == 1) {
            if (!b->period)
                continue;
            maxp = b->period_points, maxa = b->period_awards, w = b->period;
        } else if (scope == 2) {
            if (!b->member_points && !b->member_awards)
                continue;
            maxp = b->member_points, maxa = b->member_awards, w = b->member_window;
        } else {
            if ((!b->store_points && !b->store_awards) || !pp->loc)
                continue;
            maxp = b->store_points, maxa = b->store_awards, w = b->store_window;
        }
        int64_t up = 0, ua = 0;
        for (size_t k = 0; k < m->np; k++) {
            const mpurchase *o = &m->p[k];
            if (o == pp || o->returned || o->camp_award <= 0 || window_start(w, o->at) != window_start(w, pp->at))
                continue;
            if (scope == 2 && o->member != pp->member)
                continue;
            if (scope == 3 && !(o->loc && !strcmp(o->loc, pp->loc)))
                continue;
            up += o->camp_award;
            ua++;
        }
        if (maxa && ua >= maxa)
            give = 0;
        if (maxp && maxp - up < give)
            give = maxp - up > 0 ? maxp - up : 0;
    }
    if (give < raw)
        n_budget_cut++;
    if (give == 0)
        n_budget_zero++;
    return give;
}

static int in_force(const mrule *r, int64_t t)
{
    return r->from <= t && t < r->to;
}

/* add a version: every version of the name still open after `from` ends there */
static void model_add(model *m, mrule r)
{
    int64_t last = 0;
    for (size_t i = 0; i < m->nv; i++)
        if (!strcmp(m->v[i].name, r.name)) {
            last = m->v[i].version > last ? m->v[i].version : last;
            if (m->v[i].to > r.from)
                m->v[i].to = r.from;
        }
    r.version = last + 1;
    m->v[m->nv++] = r;
}

static int64_t last_from(const model *m, const char *name, int *exists)
{
    int64_t f = 0, ver = 0;
    *exists = 0;
    for (size_t i = 0; i < m->nv; i++)
        if (!strcmp(m->v[i].name, name) && m->v[i].version > ver) {
            ver = m->v[i].version;
            f = m->v[i].from;
            *exists = 1;
        }
    return f;
}

static int64_t spend_value(const model *m, int who, int64_t t)
{
    int64_t v = 0;
    for (size_t i = 0; i < m->np; i++) {
        const mpurchase *p = &m->p[i];
        if (p->member == who && !p->returned && p->at > t - TIER_WINDOW * DAY && p->at <= t)
            for (size_t k = 0; k < p->n; k++)
                v += p->lines[k].amount;
    }
    return v;
}

/* an evaluation: upgrade only (there are no reviews in this test) */
static void model_evaluate(model *m, int who, int64_t t)
{
    int q = spend_value(m, who, t) >= m->gold ? 1 : 0;
    if (m->held[who] < 0 || q > m->held[who])
        m->held[who] = q;
}

static int same_str(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

/* Score purchase `pp` (already in the list, unreturned) by the guide. */
static void model_score(model *m, mpurchase *pp)
{
    int64_t t = pp->at;
    int who = pp->member;
    int64_t line_base[3] = {0, 0, 0}, base_total = 0, pts = 0;
    pp->base_version = 0;
    for (size_t i = 0; i < m->nv; i++) {
        const mrule *r = &m->v[i];
        if (r->kind != PATRON_EARN_BASE || !in_force(r, t))
            continue;
        for (size_t k = 0; k < pp->n; k++) {
            int64_t b = pp->lines[k].amount * r->points / r->per; /* floor per line */
            line_base[k] += b;
            base_total += b;
            pts += b;
        }
        if (!strcmp(r->name, "base")) {
            pp->base_version = r->version;
            pp->base_points = 0;
            for (size_t k = 0; k < pp->n; k++)
                pp->base_points += pp->lines[k].amount * r->points / r->per;
        }
    }
    pp->referrer = -1;
    pp->ref_points = 0;
    pp->chal_awarded[0] = pp->chal_awarded[1] = 0;
    pp->camp_award = 0;
    for (size_t i = 0; i < m->nv; i++) {
        const mrule *r = &m->v[i];
        if (!in_force(r, t))
            continue;
        int64_t sub = 0;
        switch (r->kind) {
        case PATRON_EARN_CATEGORY:
        case PATRON_EARN_PRODUCT:
            for (size_t k = 0; k < pp->n; k++)
                if (r->kind == PATRON_EARN_CATEGORY ? same_str(pp->lines[k].cat, r->cat)
                                                    : same_str(pp->lines[k].prod, r->prod))
                    sub += line_base[k];
            pts += sub * r->percent / 100; /* rounded once */
            break;
        case PATRON_EARN_MEMBER_BONUS:
            pts += base_total * r->percent / 100;
            break;
        case PATRON_EARN_TIER:
            if (m->held[who] >= 0 && !strcmp(tier_names[m->held[who]], r->tier)) {
                pts += base_total * r->percent / 100;
                n_tier_bonus++;
            }
            break;
        case PATRON_EARN_CAMPAIGN:
            for (size_t k = 0; k < pp->n; k++)
                if (!r->cat || same_str(pp->lines[k].cat, r->cat))
                    sub += line_base[k];
            pp->camp_award = model_budget(m, pp, sub * r->percent / 100 + r->points);
            pts += pp->camp_award;
            break;
        case PATRON_EARN_CHALLENGE: {
            int64_t w = r->wdays * DAY, n = 0, near = 0;
            int ci = !strcmp(r->name, "chal2");
            for (size_t k = 0; k < m->np; k++) {
                const mpurchase *o = &m->p[k];
                if (o->member != who || o->returned)
                    continue;
                if (o->at > t - w && o->at <= t)
                    n++;
                if (o != pp && o->chal_awarded[ci] && o->at > t - w && o->at < t + w)
                    near++;
            }
            if (n >= r->count && near == 0) {
                pts += r->points;
                n_challenges++;
                pp->chal_awarded[ci] = 1;
            }
            break;
        }
        case PATRON_EARN_REFERRAL: {
            int others = 0;
            for (size_t k = 0; k < m->np; k++)
                others += &m->p[k] != pp && m->p[k].member == who && !m->p[k].returned;
            if (m->referrer[who] >= 0 && others == 0) {
                n_referrals++;
                if (r->points > 0) {
                    pp->referrer = m->referrer[who];
                    pp->ref_points = r->points;
                }
                pts += r->referee;
            }
            break;
        }
        default:
            break;
        }
    }
    pp->points = pts;
    model_evaluate(m, who, t);
    if (pp->referrer >= 0)
        model_evaluate(m, pp->referrer, t);
}

/* set_referrer's answer by the guide: self EINVAL, another recorded
 * ECONFLICT, a cycle EINVAL */
static int model_set_referrer(model *m, int who, int ref)
{
    if (who == ref)
        return PATRON_EINVAL;
    if (m->referrer[who] >= 0 && m->referrer[who] != ref)
        return PATRON_ECONFLICT;
    for (int up = ref, steps = 0; up >= 0 && steps < NM + 1; up = m->referrer[up], steps++)
        if (m->referrer[up] == who)
            return PATRON_EINVAL;
    m->referrer[who] = ref;
    return PATRON_OK;
}

/* ---- driving the library ------------------------------------------------ */

static void lib_add(patron_db *db, const mrule *r, int want)
{
    patron_earn_rule x = PATRON_EARN_RULE_INIT;
    x.name = r->name;
    x.kind = r->kind;
    x.valid_from = r->from;
    x.valid_to = r->to == INT64_MAX ? 0 : r->to;
    x.points = r->points;
    x.per_amount = r->per;
    x.percent = r->percent;
    x.category = r->cat;
    x.product = r->prod;
    x.tier = r->tier;
    x.count = r->count;
    x.window_days = r->wdays;
    x.referee_points = r->referee;
    int64_t ver = -1;
    int rc = patron_earn_rule_add(db, &ver, &x);
    if (rc != want)
        fail_msg("rule '%s' from %lld: %d, want %d (%s)", r->name, (long long)r->from, rc, want, patron_errmsg());
}

static mrule random_rule(pt_rand *g, const char *name, int64_t from)
{
    mrule r;
    memset(&r, 0, sizeof r);
    r.name = name;
    r.from = from;
    r.to = INT64_MAX;
    if (!strcmp(name, "base") || !strcmp(name, "base2")) {
        static const int64_t pers[] = {100, 250, 300, 1000};
        r.kind = PATRON_EARN_BASE;
        r.points = pt_range(g, 1, 3);
        r.per = pers[pt_range(g, 0, 3)];
    } else if (!strcmp(name, "cat")) {
        r.kind = PATRON_EARN_CATEGORY;
        r.percent = pt_range(g, 0, 150);
        r.cat = cats[pt_range(g, 0, 2)];
    } else if (!strcmp(name, "prod")) {
        r.kind = PATRON_EARN_PRODUCT;
        r.percent = pt_range(g, 1, 99);
        r.prod = prods[pt_range(g, 0, 1)];
    } else if (!strcmp(name, "mem")) {
        r.kind = PATRON_EARN_MEMBER_BONUS;
        r.percent = pt_range(g, 1, 33);
    } else if (!strcmp(name, "tier")) {
        r.kind = PATRON_EARN_TIER;
        r.percent = pt_range(g, 10, 100);
        r.tier = tier_names[pt_range(g, 0, 1)];
    } else if (!strcmp(name, "camp")) {
        r.kind = PATRON_EARN_CAMPAIGN;
        r.percent = pt_range(g, 0, 50);
        r.points = pt_range(g, 0, 1) * 25;
        r.cat = pt_chance(g, 50) ? cats[pt_range(g, 0, 2)] : NULL;
        r.to = pt_chance(g, 30) ? INT64_MAX : from + pt_range(g, 1, 15) * DAY; /* some open: budgets bind */
    } else if (!strcmp(name, "chal") || !strcmp(name, "chal2")) {
        r.kind = PATRON_EARN_CHALLENGE;
        r.count = pt_range(g, 1, 4);
        r.wdays = pt_range(g, 1, 20);
        r.points = pt_range(g, 1, 20) * 10;
    } else {
        r.kind = PATRON_EARN_REFERRAL;
        r.points = pt_range(g, 0, 2) * 250;
        r.referee = pt_range(g, r.points ? 0 : 1, 2) * 40;
    }
    return r;
}

static const char *const rule_names[] = {"base", "base2", "cat", "prod", "mem", "tier", "camp", "chal", "chal2", "ref"};
#define N_NAMES (sizeof rule_names / sizeof rule_names[0])

static void add_version(model *m, patron_db *db, pt_rand *g, const char *name)
{
    int exists;
    int64_t lf = last_from(m, name, &exists);
    int64_t from = !exists ? (pt_chance(g, 50) ? 0 : T0 + pt_range(g, 0, 40) * DAY)
                           : pt_chance(g, 30) ? lf : lf + pt_range(g, 0, 30 * 24) * 3600;
    if (exists && lf > 0 && pt_chance(g, 5)) { /* before the current version: refused */
        mrule r = random_rule(g, name, lf - 1);
        lib_add(db, &r, PATRON_EINVAL);
        return;
    }
    mrule r = random_rule(g, name, from);
    if (m->nv >= MAXV)
        return;
    lib_add(db, &r, PATRON_OK);
    model_add(m, r);
}

static void purchase_of(const mpurchase *p, patron_purchase *out, patron_purchase_line *lines)
{
    for (size_t k = 0; k < p->n; k++) {
        lines[k].category = p->lines[k].cat;
        lines[k].product = p->lines[k].prod;
        lines[k].amount = p->lines[k].amount;
    }
    patron_purchase x = PATRON_PURCHASE_INIT;
    x.key = p->key;
    x.at = p->at;
    x.lines = lines;
    x.n_lines = p->n;
    x.location = p->loc;
    *out = x;
}

static void run_store(long store, uint64_t seed)
{
    pt_rand g = {seed};
    model *m = calloc(1, sizeof *m);
    assert_non_null(m);
    patron_db *db = pt_store_new(NULL);
    assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
    pt_program_mode(db); /* PATRON_TEST_PROGRAM: all of it in a program of its own */
    int64_t id[NM];
    for (int i = 0; i < NM; i++) {
        char phone[32];
        snprintf(phone, sizeof phone, "050-000-00%02d", i + 1);
        id[i] = pt_member(db, phone, "sms", T0 - 100 * DAY);
        pt_program_join(db, id[i]);
        m->referrer[i] = -1;
        m->held[i] = -1;
    }
    m->gold = pt_range(&g, 5, 40) * 1000;
    patron_tier_config tc = PATRON_TIER_CONFIG_INIT;
    tc.window_days = TIER_WINDOW;
    patron_tier_def tiers[] = {{"silver", 0}, {"gold", m->gold}};
    assert_int_equal(patron_tier_configure(db, &tc, tiers, 2), PATRON_OK);
    /* referrals, cycles included */
    for (int k = pt_range(&g, 0, 5); k > 0; k--) {
        int a = (int)pt_range(&g, 0, NM - 1), b = (int)pt_range(&g, 0, NM - 1);
        int want = model_set_referrer(m, a, b);
        int rc = patron_earn_set_referrer(db, id[a], id[b]);
        if (rc != want)
            fail_msg("store %ld: set_referrer(%d, %d) = %d, model %d (%s)", store, a, b, rc, want, patron_errmsg());
    }
    add_version(m, db, &g, "base");
    for (size_t i = 1; i < N_NAMES; i++)
        if (pt_chance(&g, 45))
            add_version(m, db, &g, rule_names[i]);
    /* a budget on the campaign rule (refused when there is none yet) */
    if (pt_chance(&g, 70)) {
        mbudget b;
        memset(&b, 0, sizeof b);
        b.points = pt_chance(&g, 50) ? pt_range(&g, 20, 300) : 0;
        b.awards = pt_chance(&g, 30) ? pt_range(&g, 1, 8) : 0;
        b.period = pt_chance(&g, 40) ? pt_range(&g, 1, 3) : 0;
        if (b.period) {
            b.period_points = pt_chance(&g, 60) ? pt_range(&g, 10, 200) : 0;
            b.period_awards = !b.period_points || pt_chance(&g, 30) ? pt_range(&g, 1, 4) : 0;
        }
        b.member_window = pt_range(&g, 0, 3);
        b.member_points = pt_chance(&g, 50) ? pt_range(&g, 10, 150) : 0;
        b.member_awards = pt_chance(&g, 30) ? pt_range(&g, 1, 3) : 0;
        b.store_window = pt_range(&g, 0, 3);
        b.store_points = pt_chance(&g, 50) ? pt_range(&g, 10, 200) : 0;
        b.store_awards = pt_chance(&g, 30) ? pt_range(&g, 1, 4) : 0;
        patron_earn_budget x = PATRON_EARN_BUDGET_INIT;
        x.points = b.points;
        x.awards = b.awards;
        x.period = (int)b.period;
        x.period_points = b.period_points;
        x.period_awards = b.period_awards;
        x.member_window = (int)b.member_window;
        x.member_points = b.member_points;
        x.member_awards = b.member_awards;
        x.store_window = (int)b.store_window;
        x.store_points = b.store_points;
        x.store_awards = b.store_awards;
        int exists;
        last_from(m, "camp", &exists);
        if (!exists && pt_chance(&g, 60)) { /* most budgets have a campaign to limit */
            add_version(m, db, &g, "camp");
            last_from(m, "camp", &exists);
        }
        int rc = patron_earn_budget_set(db, "camp", &x);
        if (rc != (exists ? PATRON_OK : PATRON_ENOTFOUND))
            fail_msg("store %ld: budget_set: %d (%s), camp %s", store, rc, patron_errmsg(), exists ? "exists" : "absent");
        if (exists) {
            m->has_budget = 1;
            m->b = b;
        }
    }
    int nops = (int)pt_range(&g, 10, MAXP);
    for (int op = 0; op < nops; op++) {
        int what = (int)pt_range(&g, 0, 99);
        if (what < 8) {
            add_version(m, db, &g, rule_names[pt_range(&g, 0, N_NAMES - 1)]);
        } else if (what < 20 && m->np > 0) {
            /* a return, at or after the purchase */
            mpurchase *p = &m->p[pt_range(&g, 0, (int64_t)m->np - 1)];
            int rc = patron_earn_return(db, p->key, p->at + pt_range(&g, 0, 3 * DAY));
            if (rc != PATRON_OK)
                fail_msg("store %ld: return %s: %s", store, p->key, patron_errmsg());
            p->returned = 1;
            n_returns++;
        } else if (what < 26 && m->np > 0) {
            /* a replay: the first result again */
            const mpurchase *p = &m->p[pt_range(&g, 0, (int64_t)m->np - 1)];
            patron_purchase_line lines[3];
            patron_purchase x;
            purchase_of(p, &x, lines);
            x.member_id = id[p->member];
            patron_earn_result res;
            assert_int_equal(patron_earn_purchase(db, &res, &x), PATRON_OK);
            assert_int_equal(res.replayed, 1);
            assert_int_equal(res.points, p->points);
            if (pt_chance(&g, 30)) {
                lines[0].amount++;
                assert_int_equal(patron_earn_purchase(db, &res, &x), PATRON_ECONFLICT);
            }
        } else if (m->np < MAXP) {
            mpurchase *p = &m->p[m->np];
            memset(p, 0, sizeof *p);
            snprintf(p->key, sizeof p->key, "o%zu", m->np);
            p->member = (int)pt_range(&g, 0, NM - 1);
            p->at = T0 + pt_range(&g, 0, 60 * 24) * 3600 + (pt_chance(&g, 20) ? pt_range(&g, 0, 3599) : 0);
            p->n = (size_t)pt_range(&g, 1, 3);
            p->loc = pt_chance(&g, 70) ? locs[pt_range(&g, 0, 1)] : NULL;
            for (size_t k = 0; k < p->n; k++) {
                p->lines[k].cat = pt_chance(&g, 80) ? cats[pt_range(&g, 0, 2)] : NULL;
                p->lines[k].prod = pt_chance(&g, 60) ? prods[pt_range(&g, 0, 1)] : NULL;
                p->lines[k].amount = pt_chance(&g, 10) ? pt_range(&g, 0, 99) : pt_range(&g, 0, 20000);
            }
            patron_purchase_line lines[3];
            patron_purchase x;
            purchase_of(p, &x, lines);
            x.member_id = id[p->member];
            int64_t quote = -1;
            assert_int_equal(patron_earn_quote(db, &quote, &x), PATRON_OK);
            for (size_t k = 0; k < m->np; k++)
                if (m->p[k].at > p->at) {
                    n_backdated++;
                    break;
                }
            m->np++;
            n_purchases++;
            model_score(m, p);
            patron_earn_result res;
            assert_int_equal(patron_earn_purchase(db, &res, &x), PATRON_OK);
            if (quote != p->points || res.points != p->points)
                fail_msg("store %ld (seed %llu) purchase %s of member %d at T0%+lld s: quote %lld, scored %lld, "
                         "model %lld", store, (unsigned long long)seed, p->key, p->member,
                         (long long)(p->at - T0), (long long)quote, (long long)res.points, (long long)p->points);
            assert_int_equal(res.replayed, 0);
        }
    }
    /* balances: what each member earned from unreturned purchases (own and referrals) */
    int64_t want[NM] = {0};
    for (size_t i = 0; i < m->np; i++) {
        const mpurchase *p = &m->p[i];
        if (p->returned)
            continue;
        want[p->member] += p->points;
        if (p->referrer >= 0)
            want[p->referrer] += p->ref_points;
    }
    for (int i = 0; i < NM; i++) {
        int64_t got = pt_available(db, id[i], T0 + 400 * DAY);
        if (got != want[i])
            fail_msg("store %ld (seed %llu): member %d balance %lld, model %lld", store, (unsigned long long)seed, i,
                     (long long)got, (long long)want[i]);
    }
    /* each purchase's base posting names the version in force at its time */
    for (size_t i = 0; i < m->np; i++) {
        char key[40];
        snprintf(key, sizeof key, "%s/base", m->p[i].key);
        int64_t ver = 0;
        int rc = patron__sql_int(db, &ver, 0, "SELECT rule_version FROM postings WHERE key = ?", "t", key);
        if (m->p[i].base_version == 0 || m->p[i].base_points == 0) { /* no points, no posting */
            assert_int_equal(rc, PATRON_ENOTFOUND);
            continue;
        }
        assert_int_equal(rc, PATRON_OK);
        assert_int_equal(ver, m->p[i].base_version);
    }
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
    free(m);
}

static void test_earn_against_model(void **state)
{
    (void)state;
    pt_rand g = {seed0};
    for (long s = 0; s < n_stores; s++)
        run_store(s, pt_next(&g));
    printf("# %ld purchases (%ld back-dated), %ld returns; awards: %ld challenge, %ld referral, %ld tier; "
           "budget: %ld campaign awards cut, %ld of them to nothing\n",
           n_purchases, n_backdated, n_returns, n_challenges, n_referrals, n_tier_bonus, n_budget_cut, n_budget_zero);
}

int main(int argc, char **argv)
{
    pt_args(argc, argv, &n_stores, &seed0, 150, 21);
    printf("# earn model: %ld stores, seed %llu\n", n_stores, (unsigned long long)seed0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_earn_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
