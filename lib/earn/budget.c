/* Budgets and limits of earning rules: setting and reading them, and
 * clipping each award to what they have left (docs/guide/ledger.md,
 * "Campaign budgets and limits").
 *
 * Storage (every row is the current program's: its `program` column, per
 * lib/internal/program.h): earn_budgets holds one row of limits per rule name; its `seq`
 * column is bumped by every posting that takes from the budget, which on a
 * backend with concurrent writers (PostgreSQL) locks the row until commit,
 * so two servers taking from one budget run one after the other and each
 * reads what the other committed (READ COMMITTED reads per statement).
 * That row lock is all that orders them: a purchase locks only its own
 * members (earn.c, purchase_impl), so purchases of different members sharing
 * a budget meet nowhere else. The limits themselves are read before the
 * lock: they change only in patron_earn_budget_set(), whose transaction
 * excludes every member-scoped one.
 * earn_budget_use holds the counters (rule, scope, member, location,
 * window start) -> points and awards; earn_budget_takes what each purchase
 * took from which counter, so that a return gives exactly that back. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "earn/budget.h"
#include "internal/program.h"
#include "internal/alloc.h"
#include "internal/audit.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/member.h"
#include "internal/options.h"
#include "internal/sbuf.h"
#include "internal/store.h"
#include "internal/text.h"
#include "patron/earn.h"

enum { SCOPE_TOTAL = 1, SCOPE_PERIOD = 2, SCOPE_MEMBER = 3, SCOPE_STORE = 4 };
#define DAY INT64_C(86400)

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The window of kind `w` holding `t`: [*start, *end). */
static void window_of(int w, int64_t t, int64_t *start, int64_t *end)
{
    int64_t days = floor_div(t, DAY);
    if (w == PATRON_EARN_WINDOW_DAY) {
        *start = days * DAY;
        *end = *start + DAY;
    } else if (w == PATRON_EARN_WINDOW_WEEK) {
        /* 1970-01-01 was a Thursday: day 0 is 3 days after a Monday */
        int64_t since_monday = days + 3 - floor_div(days + 3, 7) * 7;
        *start = (days - since_monday) * DAY;
        *end = *start + 7 * DAY;
    } else if (w == PATRON_EARN_WINDOW_MONTH) {
        int64_t y;
        int m, d;
        patron__civil_from_days(days, &y, &m, &d);
        *start = patron__days_from_civil(y, m, 1) * DAY;
        *end = (m == 12 ? patron__days_from_civil(y + 1, 1, 1) : patron__days_from_civil(y, m + 1, 1)) * DAY;
    } else {
        *start = *end = 0;
    }
}

static int has_limits(const patron_earn_budget *b)
{
    return b->points || b->awards || b->period_points || b->period_awards || b->member_points || b->member_awards ||
           b->store_points || b->store_awards;
}

/* The rule's budget row: *found 0 when it has none. */
static int load_budget(patron_db *db, const char *rule, patron_earn_budget *b, int *found)
{
    static const char sql[] = "SELECT points, awards, period, period_points, period_awards, member_window, "
                              "member_points, member_awards, store_window, store_points, store_awards "
                              "FROM earn_budgets WHERE program = ? AND rule = ?";
    memset(b, 0, sizeof *b); /* padding too: the struct is copied out whole */
    b->size = (uint32_t)sizeof *b;
    *found = 0;
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "it", patron__program_id(db), rule); /* the current program's */
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    if (rc == PATRON__ROW) {
        b->points = patron__sql_col_int(db, st, 0);
        b->awards = patron__sql_col_int(db, st, 1);
        b->period = (int)patron__sql_col_int(db, st, 2);
        b->period_points = patron__sql_col_int(db, st, 3);
        b->period_awards = patron__sql_col_int(db, st, 4);
        b->member_window = (int)patron__sql_col_int(db, st, 5);
        b->member_points = patron__sql_col_int(db, st, 6);
        b->member_awards = patron__sql_col_int(db, st, 7);
        b->store_window = (int)patron__sql_col_int(db, st, 8);
        b->store_points = patron__sql_col_int(db, st, 9);
        b->store_awards = patron__sql_col_int(db, st, 10);
        *found = 1;
        rc = PATRON_OK;
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

/* One counter: *points and *awards used (0 when it has no row); *id its row
 * id (0 when none). */
static int read_counter(patron_db *db, const char *rule, int scope, int64_t member, const char *loc, int64_t win,
                        int64_t *id, int64_t *points, int64_t *awards)
{
    static const char sql[] = "SELECT id, points, awards FROM earn_budget_use "
                              "WHERE program = ? AND rule = ? AND scope = ? AND member_id = ? AND location = ? AND win = ?";
    *id = *points = *awards = 0;
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "itiiti", patron__program_id(db), rule, (int64_t)scope, member, loc, win);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    if (rc == PATRON__ROW) {
        *id = patron__sql_col_int(db, st, 0);
        *points = patron__sql_col_int(db, st, 1);
        *awards = patron__sql_col_int(db, st, 2);
        rc = PATRON_OK;
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

/* What a scope has used: the counter, plus (member scope) the counters of
 * the members merged into `member`, plus what this scoring took without
 * recording. *own_id: the row id of `member`'s own counter (0: none yet). */
static int scope_used(patron_db *db, const patron__budget_ctx *ctx, const char *rule, int scope, int64_t member,
                      const char *loc, int64_t win, int64_t *points, int64_t *awards, int64_t *own_id)
{
    int64_t id, p, a;
    *points = *awards = 0;
    int rc = PATRON_OK;
    for (int64_t m = member; rc == PATRON_OK;) {
        if ((rc = read_counter(db, rule, scope, m, loc, win, &id, &p, &a)))
            return rc;
        if (m == member && own_id)
            *own_id = id;
        *points += p;
        *awards += a;
        if (scope != SCOPE_MEMBER)
            break;
        if ((rc = patron__member_group_next(db, member, m, &m)) || !m)
            break;
    }
    for (size_t i = 0; ctx && i < ctx->n; i++)
        if (ctx->local[i].scope == scope && ctx->local[i].member == member && ctx->local[i].win == win &&
            !strcmp(ctx->local[i].rule, rule) && !strcmp(ctx->local[i].location, loc)) {
            *points += ctx->local[i].points;
            *awards += 1;
        }
    return rc;
}

/* The scopes an award of `b` counts in (the total always, while a budget is
 * set: it is what patron_earn_budget_get reports as used). */
typedef struct scope_key {
    int scope;
    int64_t member, win, max_points, max_awards;
    const char *loc;
    int64_t id; /* the counter's row id, once read (0: no row yet) */
} scope_key;

static size_t scopes_of(const patron_earn_budget *b, int64_t member, const char *location, int64_t at,
                        scope_key out[4])
{
    size_t n = 0;
    int64_t s, e;
    out[n++] = (scope_key){SCOPE_TOTAL, 0, 0, b->points, b->awards, "", 0};
    if (b->period != PATRON_EARN_WINDOW_NONE) {
        window_of(b->period, at, &s, &e);
        out[n++] = (scope_key){SCOPE_PERIOD, 0, s, b->period_points, b->period_awards, "", 0};
    }
    if (b->member_points || b->member_awards) {
        window_of(b->member_window, at, &s, &e);
        out[n++] = (scope_key){SCOPE_MEMBER, member, s, b->member_points, b->member_awards, "", 0};
    }
    if ((b->store_points || b->store_awards) && location) {
        window_of(b->store_window, at, &s, &e);
        out[n++] = (scope_key){SCOPE_STORE, 0, s, b->store_points, b->store_awards, location, 0};
    }
    return n;
}

/* Count `points` in one award on counter `k` (read just before, under the
 * budget row's lock): one UPDATE, or one INSERT of a new counter. */
static int add_to_counter(patron_db *db, const char *rule, scope_key *k, int64_t points)
{
    if (k->id)
        return patron__sql_run(db, "UPDATE earn_budget_use SET points = points + ?, awards = awards + 1 WHERE id = ?",
                               "ii", points, k->id);
    int rc = patron__sql_run(db,
                             "INSERT INTO earn_budget_use(program, rule, scope, member_id, location, win, points, awards) "
                             "VALUES(?,?,?,?,?,?,?,1)",
                             "itiitii", patron__program_id(db), rule, (int64_t)k->scope, k->member, k->loc, k->win,
                             points);
    if (rc == PATRON_OK)
        k->id = patron__sql_last_id(db);
    return rc;
}

/* What the award took from each of its `n` counters, in one statement. */
static int record_takes(patron_db *db, const char *purchase_key, const scope_key *k, size_t n, int64_t points)
{
    static const char *const sql[4] = {
        "INSERT INTO earn_budget_takes(purchase_key, use_id, points) VALUES(?,?,?)",
        "INSERT INTO earn_budget_takes(purchase_key, use_id, points) VALUES(?,?,?),(?,?,?)",
        "INSERT INTO earn_budget_takes(purchase_key, use_id, points) VALUES(?,?,?),(?,?,?),(?,?,?)",
        "INSERT INTO earn_budget_takes(purchase_key, use_id, points) VALUES(?,?,?),(?,?,?),(?,?,?),(?,?,?)"};
    const char *t = purchase_key;
    int64_t i0 = k[0].id, i1 = n > 1 ? k[1].id : 0, i2 = n > 2 ? k[2].id : 0, i3 = n > 3 ? k[3].id : 0;
    switch (n) {
    case 1:
        return patron__sql_run(db, sql[0], "tii", t, i0, points);
    case 2:
        return patron__sql_run(db, sql[1], "tiitii", t, i0, points, t, i1, points);
    case 3:
        return patron__sql_run(db, sql[2], "tiitiitii", t, i0, points, t, i1, points, t, i2, points);
    default:
        return patron__sql_run(db, sql[3], "tiitiitiitii", t, i0, points, t, i1, points, t, i2, points, t, i3,
                               points);
    }
}

int patron__earn_budget_take(patron_db *db, patron__budget_ctx *ctx, const char *rule, int64_t member,
                             int64_t *points)
{
    patron_earn_budget b;
    int found;
    int rc = load_budget(db, rule, &b, &found);
    if (rc || !found || !has_limits(&b) || *points <= 0)
        return rc;
    /* take the budget row's lock before reading what is left (see top) */
    if (ctx->record && (rc = patron__sql_run(db, "UPDATE earn_budgets SET seq = seq + 1 WHERE program = ? AND rule = ?",
                                           "it", patron__program_id(db), rule)))
        return rc;
    scope_key k[4];
    size_t nk = scopes_of(&b, member, ctx->location, ctx->at, k);
    int64_t give = *points;
    for (size_t i = 0; i < nk; i++) {
        int64_t up, ua;
        if ((rc = scope_used(db, ctx, rule, k[i].scope, k[i].member, k[i].loc, k[i].win, &up, &ua, &k[i].id)))
            return rc;
        if (k[i].max_awards && ua >= k[i].max_awards)
            give = 0;
        if (k[i].max_points && k[i].max_points - up < give)
            give = k[i].max_points - up > 0 ? k[i].max_points - up : 0;
        if (give <= 0)
            break;
    }
    *points = give;
    if (give <= 0)
        return PATRON_OK;
    for (size_t i = 0; i < nk && rc == PATRON_OK; i++) {
        if (!ctx->record) {
            if (ctx->n < PATRON__BUDGET_LOCAL) {
                snprintf(ctx->local[ctx->n].rule, sizeof ctx->local[ctx->n].rule, "%s", rule);
                snprintf(ctx->local[ctx->n].location, sizeof ctx->local[ctx->n].location, "%s", k[i].loc);
                ctx->local[ctx->n].scope = k[i].scope;
                ctx->local[ctx->n].member = k[i].member;
                ctx->local[ctx->n].win = k[i].win;
                ctx->local[ctx->n].points = give;
                ctx->n++;
            }
            continue;
        }
        rc = add_to_counter(db, rule, &k[i], give);
    }
    if (rc == PATRON_OK && ctx->record)
        rc = record_takes(db, ctx->purchase_key, k, nk, give);
    return rc;
}

int patron__earn_budget_give_back(patron_db *db, const char *purchase_key)
{
    static const char sql[] = "SELECT use_id, points FROM earn_budget_takes WHERE purchase_key = ? ORDER BY id";
    /* read them all first: the statement is not kept open across writes */
    int64_t ids[64], pts[64];
    size_t n = 0;
    int rc;
    do {
        patron__stmt *st;
        if ((rc = patron__sql_bind(db, &st, sql, "t", purchase_key)))
            return rc;
        n = 0;
        while ((rc = patron__sql_step(db, st)) == PATRON__ROW && n < 64) {
            ids[n] = patron__sql_col_int(db, st, 0);
            pts[n] = patron__sql_col_int(db, st, 1);
            n++;
        }
        patron__sql_done(db, st);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < n && rc >= 0; i++)
            rc = patron__sql_run(db,
                                 "UPDATE earn_budget_use SET points = points - ?, awards = awards - 1 WHERE id = ?",
                                 "ii", pts[i], ids[i]);
        if (rc < 0)
            return rc;
        /* delete the ones given back (by row id order: the first n) */
        if (n && (rc = patron__sql_run(db,
                                       "DELETE FROM earn_budget_takes WHERE id IN (SELECT id FROM earn_budget_takes "
                                       "WHERE purchase_key = ? ORDER BY id LIMIT ?)",
                                       "ti", purchase_key, (int64_t)n)))
            return rc;
    } while (n == 64);
    return PATRON_OK;
}

/* ---- the public calls ---------------------------------------------------- */

static int check_window(const char *rule, const char *what, int w)
{
    if (w < PATRON_EARN_WINDOW_NONE || w > PATRON_EARN_WINDOW_MONTH)
        return patron__fail(PATRON_EINVAL, "patron_earn_budget_set: rule '%s': %s %d is not a patron_earn_window",
                            rule, what, w);
    return PATRON_OK;
}

static int rule_exists(patron_db *db, const char *func, const char *rule)
{
    int rc = patron__key_check(func, "rule", rule, 64);
    int64_t n = 0;
    if (rc == PATRON_OK)
        rc = patron__sql_int(db, &n, 0, "SELECT count(*) FROM earn_rules WHERE program = ? AND rule = ?", "it",
                             patron__program_id(db), rule);
    if (rc == PATRON_OK && n == 0)
        rc = patron__fail(PATRON_ENOTFOUND, "%s: no earning rule named '%s'%s%s%s", func, rule,
                          patron__program_id(db) > 1 ? " in program '" : "",
                          patron__program_id(db) > 1 ? patron__program_name(db) : "", patron__program_id(db) > 1 ? "'" : "");
    return rc;
}

static int audit_budget(patron_db *db, const char *rule, const patron_earn_budget *b)
{
    patron__sbuf s = {0};
    patron__sb_puts(&s, "{\"rule\":");
    patron__sb_json_str(&s, rule);
    patron__sb_printf(&s,
                      ",\"points\":%" PRId64 ",\"awards\":%" PRId64 ",\"period\":%d,\"period_points\":%" PRId64
                      ",\"period_awards\":%" PRId64 ",\"member_window\":%d,\"member_points\":%" PRId64
                      ",\"member_awards\":%" PRId64 ",\"store_window\":%d,\"store_points\":%" PRId64
                      ",\"store_awards\":%" PRId64 "}",
                      b->points, b->awards, b->period, b->period_points, b->period_awards, b->member_window,
                      b->member_points, b->member_awards, b->store_window, b->store_points, b->store_awards);
    char *json = patron__sb_take(&s);
    if (!json)
        return patron__oom();
    int rc = patron__audit(db, "rule.budget", 0, NULL, json);
    patron__free(json);
    return rc;
}

int patron_earn_budget_set(patron_db *db, const char *rule, const patron_earn_budget *budget)
{
    static const char *const func = "patron_earn_budget_set";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!budget)
        return patron__fail(PATRON_EINVAL, "%s: budget is NULL", func);
    patron_earn_budget b = PATRON_EARN_BUDGET_INIT;
    if ((rc = patron__options_copy(&b, sizeof b, budget, sizeof b, "patron_earn_budget")))
        return rc;
    if ((rc = patron__key_check(func, "rule", rule, 64)))
        return rc;
    const struct {
        const char *name;
        int64_t v;
    } nums[] = {{"points", b.points},           {"awards", b.awards},         {"period_points", b.period_points},
                {"period_awards", b.period_awards}, {"member_points", b.member_points},
                {"member_awards", b.member_awards}, {"store_points", b.store_points},
                {"store_awards", b.store_awards}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        if (nums[i].v < 0)
            return patron__fail(PATRON_EINVAL, "%s: rule '%s': %s %" PRId64 " is negative (0 = no limit)", func, rule,
                                nums[i].name, nums[i].v);
    if ((rc = check_window(rule, "period", b.period)) || (rc = check_window(rule, "member_window", b.member_window)) ||
        (rc = check_window(rule, "store_window", b.store_window)))
        return rc;
    if (b.period != PATRON_EARN_WINDOW_NONE && !b.period_points && !b.period_awards)
        return patron__fail(PATRON_EINVAL, "%s: rule '%s': period %d is set without period_points or period_awards",
                            func, rule, b.period);
    if ((rc = patron__tx_begin(db)))
        return rc;
    rc = rule_exists(db, func, rule);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "DELETE FROM earn_budgets WHERE program = ? AND rule = ?", "it", patron__program_id(db),
                             rule);
    if (rc == PATRON_OK && has_limits(&b))
        rc = patron__sql_run(db,
                             "INSERT INTO earn_budgets(program, rule, points, awards, period, period_points, "
                             "period_awards, member_window, member_points, member_awards, store_window, store_points, "
                             "store_awards, seq) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,0)",
                             "itiiiiiiiiiii", patron__program_id(db), rule, b.points, b.awards, (int64_t)b.period, b.period_points,
                             b.period_awards, (int64_t)b.member_window, b.member_points, b.member_awards,
                             (int64_t)b.store_window, b.store_points, b.store_awards);
    if (rc == PATRON_OK)
        rc = audit_budget(db, rule, &b);
    return patron__tx_end(db, rc);
}

static int64_t left_of(int64_t max, int64_t used)
{
    if (!max)
        return -1;
    return max > used ? max - used : 0;
}

int patron_earn_budget_get(patron_db *db, patron_earn_budget *budget, patron_earn_budget_usage *usage,
                           const char *rule, int64_t at, int64_t member_id, const char *location)
{
    static const char *const func = "patron_earn_budget_get";
    int rc = patron__db_check(db, func);
    if (rc == PATRON_OK && budget)
        rc = patron__result_check(budget, sizeof *budget, "patron_earn_budget");
    if (rc == PATRON_OK && usage)
        rc = patron__result_check(usage, sizeof *usage, "patron_earn_budget_usage");
    if (rc == PATRON_OK)
        rc = patron__time_check(func, "at", at);
    if (rc == PATRON_OK && location)
        rc = patron__key_check(func, "location", location, 200);
    if (rc == PATRON_OK && member_id < 0)
        rc = patron__fail(PATRON_EINVAL, "%s: member_id %" PRId64 " is negative (0 = none)", func, member_id);
    if (rc == PATRON_OK)
        rc = rule_exists(db, func, rule);
    int64_t member = 0;
    if (rc == PATRON_OK && member_id)
        rc = patron__member_resolve(db, &member, member_id, 0);
    patron_earn_budget b;
    int found = 0;
    if (rc == PATRON_OK)
        rc = load_budget(db, rule, &b, &found);
    if (rc)
        return rc;
    patron_earn_budget_usage u;
    memset(&u, 0, sizeof u);
    u.size = (uint32_t)sizeof u;
    int64_t s, e;
    rc = scope_used(db, NULL, rule, SCOPE_TOTAL, 0, "", 0, &u.points_used, &u.awards_used, NULL);
    u.points_left = left_of(b.points, u.points_used);
    u.awards_left = left_of(b.awards, u.awards_used);
    u.period_points_left = u.period_awards_left = -1;
    u.member_points_left = u.member_awards_left = -1;
    u.store_points_left = u.store_awards_left = -1;
    if (rc == PATRON_OK && b.period != PATRON_EARN_WINDOW_NONE) {
        window_of(b.period, at, &s, &e);
        u.period_start = s;
        u.period_end = e;
        rc = scope_used(db, NULL, rule, SCOPE_PERIOD, 0, "", s, &u.period_points_used, &u.period_awards_used, NULL);
        u.period_points_left = left_of(b.period_points, u.period_points_used);
        u.period_awards_left = left_of(b.period_awards, u.period_awards_used);
    }
    if (rc == PATRON_OK && member) {
        window_of(b.member_window, at, &s, &e);
        u.member_start = s;
        u.member_end = e;
        rc = scope_used(db, NULL, rule, SCOPE_MEMBER, member, "", s, &u.member_points_used, &u.member_awards_used, NULL);
        u.member_points_left = left_of(b.member_points, u.member_points_used);
        u.member_awards_left = left_of(b.member_awards, u.member_awards_used);
    }
    if (rc == PATRON_OK && location) {
        window_of(b.store_window, at, &s, &e);
        u.store_start = s;
        u.store_end = e;
        rc = scope_used(db, NULL, rule, SCOPE_STORE, 0, location, s, &u.store_points_used, &u.store_awards_used, NULL);
        u.store_points_left = left_of(b.store_points, u.store_points_used);
        u.store_awards_left = left_of(b.store_awards, u.store_awards_used);
    }
    if (rc)
        return rc;
    if (budget)
        patron__result_write(budget, &b, sizeof b);
    if (usage)
        patron__result_write(usage, &u, sizeof u);
    return PATRON_OK;
}
