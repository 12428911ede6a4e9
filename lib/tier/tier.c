/* Tiers: qualification, immediate upgrades, reviews with grace, downgrade
 * modes, expiry dates, lifetime tiers, history. Named benefits are in
 * benefit.c. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/program.h"
#include "internal/alloc.h"
#include "internal/audit.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/events.h"
#include "internal/ids.h"
#include "internal/earn.h"
#include "internal/ledger.h"
#include "internal/member.h"
#include "internal/options.h"
#include "internal/sbuf.h"
#include "internal/store.h"
#include "internal/tier.h"
#include "patron/tier.h"

#define MAX_TIERS 32

typedef struct tiers {
    patron_tier_config cfg;
    size_t n;
    char name[MAX_TIERS][72];
    int64_t threshold[MAX_TIERS];
    int lifetime[MAX_TIERS]; /* marked by patron_tier_set_lifetime */
    int any_lifetime;
} tiers;

#define KEEP_BALANCE_MAX INT64_C(1000000000000000)

static int load_tiers(patron_db *db, tiers *t)
{
    char *v = NULL, key[96];
    patron__program_key(db, key, sizeof key, "tier_config"); /* the current program's */
    int rc = patron__setting_get(db, key, &v);
    if (rc)
        return rc;
    if (!v)
        return patron__fail(PATRON_EINVAL, "no tiers are configured (patron_tier_configure)");
    patron_tier_config c = PATRON_TIER_CONFIG_INIT;
    long long keep = 0;
    /* "metric window days grace [downgrade keep expiry]": 0.1 stores have four fields */
    int got = sscanf(v, "%d %d %d %d %d %lld %d", &c.metric, &c.window, &c.window_days, &c.grace_days, &c.downgrade,
                     &keep, &c.expiry_months);
    int ok = got == 4 || got == 7;
    c.keep_balance = keep;
    patron__free(v);
    if (!ok)
        return patron__fail(PATRON_ECORRUPT, "stored tier configuration is unreadable");
    t->cfg = c;
    t->n = 0;
    patron__stmt *st;
    t->any_lifetime = 0;
    if ((rc = patron__sql_bind(db, &st, "SELECT d.name, d.threshold, coalesce(o.lifetime, 0) FROM tier_defs d "
                                        "LEFT JOIN tier_options o ON o.program = d.program AND o.tier = d.name "
                                        "WHERE d.program = ? ORDER BY d.rank", "i", patron__program_id(db))))
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW && t->n < MAX_TIERS) {
        snprintf(t->name[t->n], sizeof t->name[0], "%s", patron__sql_col_text(db, st, 0));
        t->threshold[t->n] = patron__sql_col_int(db, st, 1);
        t->lifetime[t->n] = patron__sql_col_int(db, st, 2) != 0;
        t->any_lifetime |= t->lifetime[t->n];
        t->n++;
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

static int tier_audit(patron_db *db, const patron_tier_config *c, const patron_tier_def *defs, size_t n);

int patron_tier_configure(patron_db *db, const patron_tier_config *config, const patron_tier_def *defs, size_t n)
{
    int rc = patron__db_check(db, "patron_tier_configure");
    if (rc)
        return rc;
    patron_tier_config c = PATRON_TIER_CONFIG_INIT;
    /* a 0.1 caller passes the struct up to grace_days: the rest reads as the defaults */
    if ((rc = patron__options_copy(&c, sizeof c, config, offsetof(patron_tier_config, downgrade),
                                   "patron_tier_config")))
        return rc;
    if (c.metric < PATRON_TIER_SPEND || c.metric > PATRON_TIER_PURCHASES || c.window < PATRON_TIER_ROLLING ||
        c.window > PATRON_TIER_CALENDAR_YEAR || c.window_days < 1 || c.window_days > 3660 || c.grace_days < 0 ||
        c.grace_days > 3660)
        return patron__fail(PATRON_EINVAL, "tier config: metric %d, window %d, window_days %d (1..3660) or grace_days "
                                           "%d (0..3660) out of range", c.metric, c.window, c.window_days, c.grace_days);
    if (c.downgrade < PATRON_TIER_DOWNGRADE_RECOMPUTE || c.downgrade > PATRON_TIER_DOWNGRADE_BALANCE)
        return patron__fail(PATRON_EINVAL, "tier config: downgrade %d out of range (0..2, a patron_tier_downgrade)",
                            c.downgrade);
    if (c.keep_balance < 0 || c.keep_balance > KEEP_BALANCE_MAX)
        return patron__fail(PATRON_EINVAL, "tier config: keep_balance %" PRId64 " out of range (0..10^15)",
                            c.keep_balance);
    if (c.expiry_months < 0 || c.expiry_months > 120)
        return patron__fail(PATRON_EINVAL, "tier config: expiry_months %d out of range (0..120)", c.expiry_months);
    if (!defs || n == 0 || n > MAX_TIERS)
        return patron__fail(PATRON_EINVAL, "tier config: 1..%d tiers needed", MAX_TIERS);
    for (size_t i = 0; i < n; i++) {
        if (!defs[i].name || !defs[i].name[0] || strlen(defs[i].name) > 64)
            return patron__fail(PATRON_EINVAL, "tier %zu: name must be 1..64 bytes", i + 1);
        if (defs[i].threshold < 0 || (i > 0 && defs[i].threshold <= defs[i - 1].threshold))
            return patron__fail(PATRON_EINVAL, "tier %zu '%s': thresholds must be >= 0 and increasing", i + 1,
                                defs[i].name);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(defs[i].name, defs[j].name))
                return patron__fail(PATRON_EINVAL, "tier name '%s' is used twice", defs[i].name);
    }
    char v[128];
    snprintf(v, sizeof v, "%d %d %d %d %d %lld %d", c.metric, c.window, c.window_days, c.grace_days, c.downgrade,
             (long long)c.keep_balance, c.expiry_months);
    if ((rc = patron__tx_begin(db)))
        return rc;
    /* the current program's tiers (lib/internal/program.h): its settings
     * key, its rows, its members' states (their account ids) */
    int64_t program = patron__program_id(db), lo, hi;
    patron__program_range(db, &lo, &hi);
    char key[96];
    patron__program_key(db, key, sizeof key, "tier_config");
    rc = patron__setting_set(db, key, v);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "DELETE FROM tier_defs WHERE program = ?", "i", program);
    for (size_t i = 0; i < n && rc == PATRON_OK; i++)
        rc = patron__sql_run(db, "INSERT INTO tier_defs(program, name, rank, threshold, multiplier_pct) VALUES(?,?,?,?,0)",
                             "itii", program, defs[i].name, (int64_t)i, defs[i].threshold);
    /* lifetime marks and benefits belong to names: those of tiers gone go */
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "DELETE FROM tier_options WHERE program = ?1 AND tier NOT IN "
                                 "(SELECT name FROM tier_defs WHERE program = ?1)", "i", program);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "DELETE FROM tier_benefits WHERE program = ?1 AND tier NOT IN "
                                 "(SELECT name FROM tier_defs WHERE program = ?1)", "i", program);
    /* no expiry dates: every member's date goes (a later configuration with
     * dates gives each member one at their next evaluation) */
    if (rc == PATRON_OK && c.expiry_months == 0)
        rc = patron__sql_run(db, "UPDATE tier_state SET valid_until = NULL WHERE member_id BETWEEN ? AND ? AND "
                                 "valid_until IS NOT NULL", "ii", lo, hi);
    if (rc == PATRON_OK) /* the audit hook */
        rc = tier_audit(db, &c, defs, n);
    return patron__tx_end(db, rc);
}

static int qualifying_value(patron_db *db, const tiers *t, int64_t member, int64_t at, int64_t *value)
{
    int64_t start = t->cfg.window == PATRON_TIER_CALENDAR_YEAR ? patron__year_start(at) - 1
                                                                : at - (int64_t)t->cfg.window_days * 86400;
    /* points: earn postings net of their reversals, so a returned purchase
     * (and the referral bonus it paid) leaves the value like its spend */
    if (t->cfg.metric == PATRON_TIER_POINTS)
        return patron__ledger_earned(db, member, start, at, value);
    int64_t spend = 0, count = 0;
    int rc = patron__earn_purchases(db, member, start, at, &spend, &count);
    if (rc == PATRON_OK)
        *value = t->cfg.metric == PATRON_TIER_SPEND ? spend : count;
    return rc;
}

static int qualified_rank(const tiers *t, int64_t value)
{
    int r = 0;
    for (size_t i = 0; i < t->n; i++)
        if (value >= t->threshold[i])
            r = (int)i;
    return r;
}

static int rank_of(const tiers *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (name && !strcmp(t->name[i], name))
            return (int)i;
    return -1;
}

typedef struct member_tier {
    char tier[PATRON__TIER_NAME_CAP];
    int has_tier;
    int64_t since, grace_until, valid_until;
} member_tier;

/* A member's tier state; no row: no tier yet. */
static int read_member_tier(patron_db *db, int64_t member, member_tier *mt)
{
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, "SELECT tier, coalesce(since, 0), coalesce(grace_until, 0), "
                                       "coalesce(valid_until, 0) FROM tier_state WHERE member_id = ?", "i",
                              patron__program_account(db, member));
    if (rc)
        return rc;
    memset(mt, 0, sizeof *mt);
    rc = patron__sql_step(db, st);
    if (rc == PATRON__ROW) {
        const char *tn = patron__sql_col_text(db, st, 0);
        mt->has_tier = tn != NULL;
        snprintf(mt->tier, sizeof mt->tier, "%s", tn ? tn : "");
        mt->since = patron__sql_col_int(db, st, 1);
        mt->grace_until = patron__sql_col_int(db, st, 2);
        mt->valid_until = patron__sql_col_int(db, st, 3);
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

int patron__tier_name(patron_db *db, int64_t member, char *buf, size_t cap, int *has)
{
    member_tier mt;
    int rc = read_member_tier(db, member, &mt);
    if (rc == PATRON_OK) {
        *has = mt.has_tier;
        snprintf(buf, cap, "%s", mt.tier);
    }
    return rc;
}

int patron__tier_names_bulk(patron_db *db, const int64_t *member, size_t n, char (*tier)[PATRON__TIER_NAME_CAP])
{
    size_t m = 0;
    for (size_t r = 0; r < n; r++)
        if (member[r]) {
            tier[r][0] = 0;
            m++;
        }
    tiers *t = patron__malloc(sizeof *t);
    int64_t *id = patron__malloc((m ? m : 1) * sizeof *id);
    char (*name)[PATRON__TIER_NAME_CAP] = patron__calloc(m ? m : 1, sizeof *name);
    int rc = t && id && name ? load_tiers(db, t) : patron__oom();
    if (rc == PATRON_EINVAL) { /* no tiers configured: nobody has one */
        patron_errclear();
        rc = PATRON_OK;
        m = 0;
    }
    /* the members in id order, so one ordered scan meets each in turn; the
     * names found are kept by position, then copied to the rows */
    patron__stmt *st = NULL;
    if (rc == PATRON_OK && m) {
        m = 0;
        for (size_t r = 0; r < n; r++)
            if (member[r])
                id[m++] = member[r];
        qsort(id, m, sizeof *id, patron__id_cmp);
        /* the current program's states, by account id: member id + base */
        int64_t lo, hi;
        patron__program_range(db, &lo, &hi);
        for (size_t i = 0; i < m; i++)
            id[i] = patron__program_account(db, id[i]);
        rc = patron__sql_bind(db, &st, "SELECT member_id, tier FROM tier_state WHERE member_id BETWEEN ? AND ? "
                                       "ORDER BY member_id", "ii", lo, hi);
    }
    size_t hint = 0;
    while (st) {
        int step = patron__sql_step(db, st);
        if (step != PATRON__ROW) {
            rc = step < 0 ? step : PATRON_OK;
            break;
        }
        int64_t who = patron__sql_col_int(db, st, 0);
        const char *tn = patron__sql_col_text(db, st, 1);
        size_t i = patron__id_seek(id, m, who, &hint);
        if (tn && i < m && id[i] == who)
            snprintf(name[i], sizeof name[i], "%s", tn);
    }
    if (st)
        patron__sql_done(db, st);
    hint = 0;
    for (size_t r = 0; rc == PATRON_OK && m && r < n; r++)
        if (member[r])
            memcpy(tier[r], name[patron__id_seek(id, m, patron__program_account(db, member[r]), &hint)], sizeof tier[r]);
    patron__free(name);
    patron__free(id);
    patron__free(t);
    return rc;
}

int patron__tier_export(patron_db *db, patron__sbuf *b, int64_t member)
{
    static const char *const names[] = {"from", "to", "at", "reason"};
    return patron__sql_export_rows(db, b, "tier_history",
                                   "SELECT from_tier, to_tier, at, reason FROM tier_history WHERE member_id = ? "
                                   "ORDER BY at, id",
                                   patron__program_account(db, member), names, "ttit");
}

/* The hooks: a tier change's event, a configuration's audit entry. */
static int tier_event(patron_db *db, int64_t member, const char *from, const char *to, int64_t at, const char *reason)
{
    int on = 0, rc = patron__events_on(db, &on);
    if (rc || !on)
        return rc;
    patron__sbuf b = {0};
    patron__sb_puts(&b, "{\"from\":");
    patron__sb_json_str(&b, from);
    patron__sb_puts(&b, ",\"to\":");
    patron__sb_json_str(&b, to);
    patron__sb_puts(&b, ",\"reason\":");
    patron__sb_json_str(&b, reason);
    patron__sb_puts(&b, "}");
    char *json = patron__sb_take(&b);
    if (!json)
        return patron__oom();
    rc = patron__event_append(db, member, "tier.changed", at, json);
    patron__free(json);
    return rc;
}

static int tier_audit(patron_db *db, const patron_tier_config *c, const patron_tier_def *defs, size_t n)
{
    patron__sbuf b = {0};
    patron__sb_printf(&b, "{\"metric\":%d,\"window\":%d,\"window_days\":%d,\"grace_days\":%d,\"downgrade\":%d,"
                          "\"keep_balance\":%" PRId64 ",\"expiry_months\":%d,\"tiers\":[",
                      c->metric, c->window, c->window_days, c->grace_days, c->downgrade, c->keep_balance,
                      c->expiry_months);
    for (size_t i = 0; i < n; i++) {
        patron__sb_puts(&b, i ? ",{\"name\":" : "{\"name\":");
        patron__sb_json_str(&b, defs[i].name);
        patron__sb_printf(&b, ",\"threshold\":%" PRId64 "}", defs[i].threshold);
    }
    patron__sb_puts(&b, "]}");
    char *json = patron__sb_take(&b);
    if (!json)
        return patron__oom();
    int rc = patron__audit(db, "tiers.configure", 0, NULL, json);
    patron__free(json);
    return rc;
}

/* `valid` is the new tier's expiry date (0: none). */
static int set_tier(patron_db *db, int64_t member, const char *from, const char *to, int64_t at, int64_t valid,
                    const char *reason)
{
    int64_t account = patron__program_account(db, member); /* the current program's state */
    int rc = patron__sql_run(db,
                             "INSERT INTO tier_state(member_id, tier, since, grace_until, valid_until) "
                             "VALUES(?,?,?,NULL,nullif(?, 0)) "
                             "ON CONFLICT(member_id) DO UPDATE SET tier = excluded.tier, since = excluded.since, "
                             "grace_until = NULL, valid_until = excluded.valid_until",
                             "itii", account, to, at, valid);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "INSERT INTO tier_history(member_id, from_tier, to_tier, at, reason) VALUES(?,?,?,?,?)",
                             "ittit", account, from, to, at, reason);
    if (rc == PATRON_OK) /* the outbox hook */
        rc = tier_event(db, member, from, to, at, reason);
    return rc;
}

/* The expiry date of a tier reached or requalified for at `at`: the end of
 * that qualification period plus expiry_months (rolling: `at`; calendar
 * year: the next 1 January); 0 when the program has no expiry dates. */
static int64_t expiry_for(const tiers *t, int64_t at)
{
    if (t->cfg.expiry_months == 0)
        return 0;
    int64_t end = t->cfg.window == PATRON_TIER_CALENDAR_YEAR ? patron__period_end(at, 5) : at;
    return patron__add_months(end, t->cfg.expiry_months);
}

/* The rank of the highest lifetime tier `member` has held (their tier
 * history, and the tier they hold), or -1. */
static int lifetime_floor(patron_db *db, const tiers *t, int64_t member, int cur, int *floor)
{
    *floor = cur >= 0 && t->lifetime[cur] ? cur : -1;
    if (!t->any_lifetime)
        return PATRON_OK;
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, "SELECT DISTINCT to_tier FROM tier_history WHERE member_id = ? AND "
                                       "to_tier IS NOT NULL", "i", patron__program_account(db, member));
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        int r = rank_of(t, patron__sql_col_text(db, st, 0));
        if (r > *floor && t->lifetime[r])
            *floor = r;
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

/* Where a member's judgement stands at `at` (no writes). */
typedef struct judgement {
    member_tier mt;
    int64_t value, balance;
    int q, cur, floor;
    int own; /* counts as qualifying for the tier held: value, balance (BALANCE mode) or a lifetime tier */
} judgement;

static int judge(patron_db *db, const tiers *t, int64_t member, int64_t at, int need_balance, judgement *j)
{
    memset(j, 0, sizeof *j);
    int rc = read_member_tier(db, member, &j->mt);
    if (rc == PATRON_OK)
        rc = qualifying_value(db, t, member, at, &j->value);
    /* the balance only where it is a rule (a purchase's evaluation stays one read lighter) */
    if (rc == PATRON_OK && (t->cfg.downgrade == PATRON_TIER_DOWNGRADE_BALANCE || need_balance))
        rc = patron__ledger_available(db, member, at, &j->balance);
    if (rc)
        return rc;
    j->q = qualified_rank(t, j->value);
    j->cur = rank_of(t, j->mt.has_tier ? j->mt.tier : NULL);
    j->floor = -1;
    if (j->cur >= 0 && j->q < j->cur && (rc = lifetime_floor(db, t, member, j->cur, &j->floor)))
        return rc;
    j->own = j->cur >= 0 &&
             (j->q >= j->cur || j->floor >= j->cur ||
              (t->cfg.downgrade == PATRON_TIER_DOWNGRADE_BALANCE && j->balance >= t->cfg.keep_balance));
    return PATRON_OK;
}

static const char *const mode_name[] = {"", " (one level)", " (points balance below the threshold)"};

/* mode 0: upgrade only; 1: review. *changed set to 1 if the tier changed. */
static int evaluate(patron_db *db, const tiers *t, int64_t member, int64_t at, int mode, int *changed,
                    patron_tier_status *status)
{
    judgement j;
    int rc = judge(db, t, member, at, 0, &j);
    if (rc)
        return rc;
    member_tier mt = j.mt;
    int q = j.q, cur = j.cur;
    int64_t account = patron__program_account(db, member); /* its state's key in the current program */
    char reason[160];
    *changed = 0;
    int64_t valid = expiry_for(t, at);
    if (cur >= 0 && valid && mt.valid_until == 0) {
        /* a tier held without a date (reached before the program had
         * dates): its date counts from this evaluation */
        mt.valid_until = valid;
        rc = patron__sql_run(db, "UPDATE tier_state SET valid_until = ? WHERE member_id = ?", "ii", valid, account);
    }
    if (rc)
        return rc;
    if (cur < 0 || q > cur) {
        snprintf(reason, sizeof reason, "%s: qualifying value %" PRId64, cur < 0 ? "enrolled" : "upgrade", j.value);
        rc = set_tier(db, member, mt.has_tier ? mt.tier : NULL, t->name[q], at, valid, reason);
        *changed = 1;
        cur = q;
        mt.since = at;
        mt.grace_until = 0;
        mt.valid_until = valid;
    } else if (j.own) {
        /* qualified again (at a purchase, an evaluation or a review): the
         * grace ends, a later failing review starts a new one; the expiry
         * date moves on (never back) */
        if (mt.grace_until)
            rc = patron__sql_run(db, "UPDATE tier_state SET grace_until = NULL WHERE member_id = ?", "i", account);
        mt.grace_until = 0;
        if (rc == PATRON_OK && valid > mt.valid_until) {
            rc = patron__sql_run(db, "UPDATE tier_state SET valid_until = ? WHERE member_id = ?", "ii", valid, account);
            mt.valid_until = valid;
        }
    } else if (mode == 1 && !(valid && at < mt.valid_until)) {
        /* below the tier at a review, its expiry date (if any) passed:
         * grace first (none when grace_days is 0), moved down at the first
         * review once it has ended -- to the tier the value gives or one
         * level, never below a lifetime tier held */
        if (mt.grace_until == 0 && t->cfg.grace_days > 0) {
            mt.grace_until = at + (int64_t)t->cfg.grace_days * 86400;
            rc = patron__sql_run(db, "UPDATE tier_state SET grace_until = ? WHERE member_id = ?", "ii", mt.grace_until,
                                 account);
        } else if (mt.grace_until == 0 || at >= mt.grace_until) {
            int to = t->cfg.downgrade == PATRON_TIER_DOWNGRADE_ONE_LEVEL ? cur - 1 : q, held = to < j.floor;
            if (held)
                to = j.floor;
            snprintf(reason, sizeof reason, "downgrade at review%s: qualifying value %" PRId64 "%s",
                     mode_name[t->cfg.downgrade], j.value, held ? " (kept at the lifetime tier held)" : "");
            rc = set_tier(db, member, mt.tier, t->name[to], at, valid, reason);
            *changed = 1;
            cur = to;
            mt.since = at;
            mt.grace_until = 0;
            mt.valid_until = valid;
        }
    }
    if (rc == PATRON_OK && status) {
        snprintf(status->tier, sizeof status->tier, "%s", t->name[cur]);
        snprintf(status->qualifies, sizeof status->qualifies, "%s", t->name[q]);
        status->since = mt.since;
        status->value = j.value;
        status->grace_until = mt.grace_until;
    }
    return rc;
}

int patron__tier_upgrade(patron_db *db, int64_t member, int64_t at)
{
    int64_t has = 0;
    int rc = patron__sql_int(db, &has, 0, "SELECT count(*) FROM tier_defs WHERE program = ?", "i",
                             patron__program_id(db));
    if (rc || has == 0)
        return rc;
    tiers *t = patron__malloc(sizeof *t);
    if (!t)
        return patron__oom();
    int changed;
    rc = load_tiers(db, t);
    if (rc == PATRON_OK)
        rc = evaluate(db, t, member, at, 0, &changed, NULL);
    patron__free(t);
    return rc;
}

int patron_tier_evaluate(patron_db *db, patron_tier_status *status, int64_t member_id, int64_t at)
{
    int rc = patron__db_check(db, "patron_tier_evaluate");
    if (rc)
        return rc;
    tiers *t = patron__malloc(sizeof *t);
    if (!t)
        return patron__oom();
    if ((rc = patron__tx_begin(db))) {
        patron__free(t);
        return rc;
    }
    int64_t member;
    int changed;
    patron_tier_status s;
    memset(&s, 0, sizeof s);
    rc = patron__member_resolve(db, &member, member_id, 1);
    if (rc == PATRON_OK) /* outside the default program: a member who joined it */
        rc = patron__program_member_check(db, "patron_tier_evaluate", member, NULL);
    if (rc == PATRON_OK)
        rc = load_tiers(db, t);
    if (rc == PATRON_OK)
        rc = evaluate(db, t, member, at, 0, &changed, &s);
    rc = patron__tx_end(db, rc);
    patron__free(t);
    if (rc == PATRON_OK && status)
        *status = s;
    return rc;
}

int patron_tier_review(patron_db *db, int64_t *changed, int64_t at)
{
    int rc = patron__db_check(db, "patron_tier_review");
    if (rc)
        return rc;
    tiers *t = patron__malloc(sizeof *t);
    if (!t)
        return patron__oom();
    if ((rc = patron__tx_begin(db))) {
        patron__free(t);
        return rc;
    }
    rc = load_tiers(db, t);
    int64_t n = 0, last = 0;
    /* walk members by id in chunks (statement reuse inside the loop) */
    while (rc == PATRON_OK) {
        int64_t id = 0;
        rc = patron__member_next_active(db, last, &id);
        if (rc || id == 0)
            break;
        int ch = 0, joined = 1;
        /* the current program's members (every member in the default one) */
        rc = patron__program_member_check(db, "patron_tier_review", id, &joined);
        if (rc == PATRON_OK && joined)
            rc = evaluate(db, t, id, at, 1, &ch, NULL);
        n += ch;
        last = id;
    }
    rc = patron__tx_end(db, rc);
    patron__free(t);
    if (rc == PATRON_OK && changed)
        *changed = n;
    return rc;
}

int patron_tier_get(patron_db *db, patron_tier_status *status, int64_t member_id, int64_t at)
{
    int rc = patron__db_check(db, "patron_tier_get");
    if (rc)
        return rc;
    if (!status)
        return patron__fail(PATRON_EINVAL, "patron_tier_get: status is NULL");
    tiers *t = patron__malloc(sizeof *t);
    if (!t)
        return patron__oom();
    int64_t member;
    member_tier mt;
    int64_t value = 0;
    rc = patron__member_resolve(db, &member, member_id, 0);
    if (rc == PATRON_OK)
        rc = patron__program_member_check(db, "patron_tier_get", member, NULL);
    if (rc == PATRON_OK)
        rc = load_tiers(db, t);
    if (rc == PATRON_OK)
        rc = read_member_tier(db, member, &mt);
    if (rc == PATRON_OK)
        rc = qualifying_value(db, t, member, at, &value);
    if (rc == PATRON_OK) {
        memset(status, 0, sizeof *status);
        snprintf(status->tier, sizeof status->tier, "%s", mt.tier);
        snprintf(status->qualifies, sizeof status->qualifies, "%s", t->name[qualified_rank(t, value)]);
        status->since = mt.since;
        status->grace_until = mt.grace_until;
        status->value = value;
    }
    patron__free(t);
    return rc;
}

int patron_tier_get_detail(patron_db *db, patron_tier_detail *detail, int64_t member_id, int64_t at)
{
    int rc = patron__db_check(db, "patron_tier_get_detail");
    if (rc)
        return rc;
    if (!detail || detail->size < offsetof(patron_tier_detail, available) + sizeof detail->available)
        return patron__fail(PATRON_EINVAL, "patron_tier_get_detail: detail is NULL or its size is not set "
                                           "(PATRON_TIER_DETAIL_INIT)");
    tiers *t = patron__malloc(sizeof *t);
    if (!t)
        return patron__oom();
    int64_t member;
    judgement j;
    rc = patron__member_resolve(db, &member, member_id, 0);
    if (rc == PATRON_OK)
        rc = patron__program_member_check(db, "patron_tier_get_detail", member, NULL);
    if (rc == PATRON_OK)
        rc = load_tiers(db, t);
    if (rc == PATRON_OK)
        rc = judge(db, t, member, at, 1, &j);
    if (rc == PATRON_OK) {
        patron_tier_detail d;
        memset(&d, 0, sizeof d);
        d.size = detail->size < sizeof d ? detail->size : (uint32_t)sizeof d;
        snprintf(d.tier, sizeof d.tier, "%s", j.mt.tier);
        snprintf(d.qualifies, sizeof d.qualifies, "%s", t->name[j.q]);
        d.since = j.mt.since;
        d.value = j.value;
        d.grace_until = j.mt.grace_until;
        d.valid_until = t->cfg.expiry_months ? j.mt.valid_until : 0;
        /* the lifetime tier held, whatever the value says now */
        int floor = -1;
        if (j.cur >= 0)
            rc = lifetime_floor(db, t, member, j.cur, &floor);
        if (floor >= 0)
            snprintf(d.lifetime, sizeof d.lifetime, "%s", t->name[floor]);
        d.available = j.balance;
        if (rc == PATRON_OK)
            memcpy(detail, &d, d.size);
    }
    patron__free(t);
    return rc;
}

/* The audit entry of a lifetime mark. */
static int lifetime_audit(patron_db *db, const char *tier, int lifetime)
{
    patron__sbuf b = {0};
    patron__sb_puts(&b, "{\"tier\":");
    patron__sb_json_str(&b, tier);
    patron__sb_printf(&b, ",\"lifetime\":%s}", lifetime ? "true" : "false");
    char *json = patron__sb_take(&b);
    if (!json)
        return patron__oom();
    int rc = patron__audit(db, "tiers.lifetime", 0, NULL, json);
    patron__free(json);
    return rc;
}

int patron__tier_exists(patron_db *db, const char *func, const char *tier)
{
    if (!tier || !tier[0] || strlen(tier) > 64)
        return patron__fail(PATRON_EINVAL, "%s: tier name must be 1..64 bytes", func);
    int64_t n = 0;
    int rc = patron__sql_int(db, &n, 0, "SELECT count(*) FROM tier_defs WHERE program = ? AND name = ?", "it",
                             patron__program_id(db), tier);
    if (rc == PATRON_OK && n == 0)
        rc = patron__fail(PATRON_ENOTFOUND, "%s: no tier '%s' is configured", func, tier);
    return rc;
}

int patron_tier_set_lifetime(patron_db *db, const char *tier, int lifetime)
{
    int rc = patron__db_check(db, "patron_tier_set_lifetime");
    if (rc)
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    rc = patron__tier_exists(db, "patron_tier_set_lifetime", tier);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "INSERT INTO tier_options(program, tier, lifetime) VALUES(?,?,?) "
                                 "ON CONFLICT(program, tier) DO UPDATE SET lifetime = excluded.lifetime", "iti",
                             patron__program_id(db), tier, (int64_t)(lifetime != 0));
    if (rc == PATRON_OK) /* the audit hook */
        rc = lifetime_audit(db, tier, lifetime != 0);
    return patron__tx_end(db, rc);
}
