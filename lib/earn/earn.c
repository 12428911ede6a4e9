/* Earning rules: versioned rules, scoring purchases, posting the points. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "earn/budget.h"
#include "earn/record.h"
#include "internal/program.h"
#include "internal/alloc.h"
#include "internal/audit.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/earn.h"
#include "internal/ledger.h"
#include "internal/member.h"
#include "internal/options.h"
#include "internal/sbuf.h"
#include "internal/store.h"
#include "internal/text.h"
#include "internal/tier.h"
#include "patron/earn.h"
#include "patron/ledger.h"

#define MAX_RULES 256
#define MAX_LINES 1000

typedef struct rule_row {
    char name[72];
    int64_t version, kind, points, per_amount, percent, count, window_days, referee_points;
    char category[72], product[72], tier[72];
    int has_category, has_product, has_tier;
} rule_row;

static int check_str(const char *what, const char *s, int required)
{
    if (!s)
        return required ? patron__fail(PATRON_EINVAL, "earn rule: %s is required", what) : PATRON_OK;
    if (!s[0] || strlen(s) > 64)
        return patron__fail(PATRON_EINVAL, "earn rule: %s must be 1..64 bytes", what);
    return PATRON_OK;
}

/* The audit entry of a new rule version (inside its transaction). */
static int audit_rule(patron_db *db, const patron_earn_rule *r, int64_t version, int64_t to)
{
    patron__sbuf b = {0};
    patron__sb_puts(&b, "{\"rule\":");
    patron__sb_json_str(&b, r->name);
    patron__sb_printf(&b, ",\"version\":%" PRId64 ",\"kind\":%d,\"valid_from\":%" PRId64 ",\"valid_to\":%" PRId64
                          ",\"points\":%" PRId64 ",\"per_amount\":%" PRId64 ",\"percent\":%" PRId64 "}",
                      version, r->kind, r->valid_from, to, r->points, r->per_amount, r->percent);
    char *json = patron__sb_take(&b);
    if (!json)
        return patron__oom();
    int rc = patron__audit(db, "rule.add", 0, NULL, json);
    patron__free(json);
    return rc;
}

int patron_earn_rule_add(patron_db *db, int64_t *version, const patron_earn_rule *rule)
{
    int rc = patron__db_check(db, "patron_earn_rule_add");
    if (rc)
        return rc;
    if (!rule)
        return patron__fail(PATRON_EINVAL, "patron_earn_rule_add: rule is NULL");
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    if ((rc = patron__options_copy(&r, sizeof r, rule, sizeof r, "patron_earn_rule")))
        return rc;
    if ((rc = check_str("name", r.name, 1)))
        return rc;
    int64_t to = r.valid_to ? r.valid_to : PATRON_NEVER;
    if (r.kind < PATRON_EARN_BASE || r.kind > PATRON_EARN_REFERRAL)
        return patron__fail(PATRON_EINVAL, "earn rule '%s': kind %d is not a patron_earn_kind", r.name, r.kind);
    if (r.valid_from < 0 || to <= r.valid_from)
        return patron__fail(PATRON_EINVAL, "earn rule '%s': valid_to must be after valid_from", r.name);
    if (r.points < 0 || r.points > 100000000 || r.percent < 0 || r.percent > 100000 || r.referee_points < 0 ||
        r.referee_points > 100000000 || r.per_amount < 0 || r.per_amount > 1000000000 || r.count < 0 ||
        r.window_days < 0 || r.window_days > 3660)
        return patron__fail(PATRON_EINVAL, "earn rule '%s': a number is negative or out of range", r.name);
    switch (r.kind) {
    case PATRON_EARN_BASE:
        if (r.points <= 0 || r.per_amount <= 0)
            return patron__fail(PATRON_EINVAL, "earn rule '%s': base needs points > 0 per per_amount > 0", r.name);
        break;
    case PATRON_EARN_CATEGORY:
        if ((rc = check_str("category", r.category, 1)))
            return rc;
        break;
    case PATRON_EARN_PRODUCT:
        if ((rc = check_str("product", r.product, 1)))
            return rc;
        break;
    case PATRON_EARN_TIER:
        if ((rc = check_str("tier", r.tier, 1)))
            return rc;
        break;
    case PATRON_EARN_CHALLENGE:
        if (r.count < 1 || r.window_days < 1 || r.points <= 0)
            return patron__fail(PATRON_EINVAL, "earn rule '%s': challenge needs count >= 1, window_days >= 1, points > 0",
                                r.name);
        break;
    case PATRON_EARN_REFERRAL:
        if (r.points <= 0 && r.referee_points <= 0)
            return patron__fail(PATRON_EINVAL, "earn rule '%s': referral needs points or referee_points", r.name);
        break;
    default:
        break;
    }
    if ((rc = check_str("category", r.category, 0)) || (rc = check_str("product", r.product, 0)) ||
        (rc = check_str("tier", r.tier, 0)))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    /* the current program's rule of that name (lib/internal/program.h) */
    int64_t last = 0, last_from = 0, program = patron__program_id(db);
    rc = patron__sql_int(db, &last, 0, "SELECT coalesce(max(version), 0) FROM earn_rules WHERE program = ? AND rule = ?",
                         "it", program, r.name);
    if (rc == PATRON_OK && last > 0)
        rc = patron__sql_int(db, &last_from, 0,
                             "SELECT valid_from FROM earn_rules WHERE program = ? AND rule = ? AND version = ?", "iti",
                             program, r.name, last);
    if (rc == PATRON_OK && last > 0 && r.valid_from < last_from)
        rc = patron__fail(PATRON_EINVAL, "earn rule '%s': version %" PRId64 " starts at %" PRId64
                                         "; a new version cannot start before it", r.name, last, last_from);
    /* end the versions still in force at valid_from */
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "UPDATE earn_rules SET valid_to = ? WHERE program = ? AND rule = ? AND valid_to > ?",
                             "iiti", r.valid_from, program, r.name, r.valid_from);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db,
                             "INSERT INTO earn_rules(program, rule, version, kind, valid_from, valid_to, points, "
                             "per_amount, percent, category, product, tier, count, window_days, referee_points) "
                             "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                             "itiiiiiiitttiii", program, r.name, last + 1, (int64_t)r.kind, r.valid_from, to, r.points,
                             r.per_amount, r.percent, r.category, r.product, r.tier, r.count, r.window_days,
                             r.referee_points);
    if (rc == PATRON_OK) /* the audit hook */
        rc = audit_rule(db, &r, last + 1, to);
    rc = patron__tx_end(db, rc);
    if (rc == PATRON_OK && version)
        *version = last + 1;
    return rc;
}

int patron_earn_set_referrer(patron_db *db, int64_t member_id, int64_t referrer_id)
{
    int rc = patron__db_check(db, "patron_earn_set_referrer");
    if (rc)
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    int64_t m, r, old = 0;
    rc = patron__member_resolve(db, &m, member_id, 1);
    if (rc == PATRON_OK)
        rc = patron__member_resolve(db, &r, referrer_id, 1);
    if (rc == PATRON_OK && m == r)
        rc = patron__fail(PATRON_EINVAL, "member %" PRId64 " cannot refer themselves", member_id);
    if (rc == PATRON_OK)
        rc = patron__member_referrer(db, m, &old);
    if (rc == PATRON_OK && old && old != r)
        rc = patron__fail(PATRON_ECONFLICT, "member %" PRId64 " was already referred by member %" PRId64, member_id, old);
    /* no referral cycles (a refers b, b refers a): each would pay the other
     * for the same relationship. Walk the referrer's own referrers. */
    for (int64_t up = r, steps = 0; rc == PATRON_OK && up && steps < 100000; steps++) {
        int64_t next = 0, res = 0;
        rc = patron__member_referrer(db, up, &next);
        if (rc == PATRON_OK && next && (rc = patron__member_resolve(db, &res, next, 0)) == PATRON_OK && res == m)
            rc = patron__fail(PATRON_EINVAL, "member %" PRId64 " cannot be referred by member %" PRId64
                                             ": that would make a referral cycle", member_id, referrer_id);
        up = rc == PATRON_OK && res != up ? res : 0;
    }
    if (rc == PATRON_OK)
        rc = patron__member_set_referrer(db, m, r);
    return patron__tx_end(db, rc);
}

int patron__earn_purchases(patron_db *db, int64_t member, int64_t after, int64_t until, int64_t *spend,
                           int64_t *count)
{
    static const char sql[] = "SELECT coalesce(sum(amount), 0), count(*) FROM purchases "
                              "WHERE member_id = ? AND at > ? AND at <= ? AND returned = 0";
    *spend = *count = 0;
    int rc = PATRON_OK;
    /* the member, then each member merged into it (the member core's order) */
    for (int64_t m = member; rc == PATRON_OK && m;) {
        patron__stmt *st;
        if ((rc = patron__sql_bind(db, &st, sql, "iii", m, after, until)))
            break;
        if ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
            *spend += patron__sql_col_int(db, st, 0);
            *count += patron__sql_col_int(db, st, 1);
            rc = PATRON_OK;
        }
        patron__sql_done(db, st);
        if (rc == PATRON_OK)
            rc = patron__member_group_next(db, member, m, &m);
    }
    return rc;
}

/* ---- scoring ------------------------------------------------------------ */

typedef struct award {
    char name[72];
    int64_t version, points, member, spend;
    int referrer;
} award;

typedef struct scoring {
    rule_row rules[MAX_RULES];
    size_t nrules;
    award awards[MAX_RULES + 1];
    size_t nawards;
    int64_t member_points;
} scoring;

static int load_rules(patron_db *db, scoring *s, int64_t at)
{
    static const char sql[] =
        "SELECT rule, version, kind, points, per_amount, percent, category, product, tier, count, window_days, "
        "referee_points FROM earn_rules WHERE program = ?2 AND valid_from <= ?1 AND valid_to > ?1 ORDER BY kind, rule";
    patron__stmt *st; /* the current program's rules */
    int rc = patron__sql_bind(db, &st, sql, "ii", at, patron__program_id(db));
    if (rc)
        return rc;
    s->nrules = 0;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW && s->nrules < MAX_RULES) {
        rule_row *r = &s->rules[s->nrules++];
        snprintf(r->name, sizeof r->name, "%s", patron__sql_col_text(db, st, 0));
        r->version = patron__sql_col_int(db, st, 1);
        r->kind = patron__sql_col_int(db, st, 2);
        r->points = patron__sql_col_int(db, st, 3);
        r->per_amount = patron__sql_col_int(db, st, 4);
        r->percent = patron__sql_col_int(db, st, 5);
        const char *c = patron__sql_col_text(db, st, 6), *p = patron__sql_col_text(db, st, 7),
                   *t = patron__sql_col_text(db, st, 8);
        r->has_category = c != NULL;
        r->has_product = p != NULL;
        r->has_tier = t != NULL;
        snprintf(r->category, sizeof r->category, "%s", c ? c : "");
        snprintf(r->product, sizeof r->product, "%s", p ? p : "");
        snprintf(r->tier, sizeof r->tier, "%s", t ? t : "");
        r->count = patron__sql_col_int(db, st, 9);
        r->window_days = patron__sql_col_int(db, st, 10);
        r->referee_points = patron__sql_col_int(db, st, 11);
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

static int64_t base_of(int64_t amount, int64_t points, int64_t per)
{
    return (amount / per) * points + (amount % per) * points / per;
}

static int same(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

static void add_award(scoring *s, const rule_row *r, int64_t points, int64_t member, int referrer, int64_t spend)
{
    if (points <= 0 || s->nawards >= MAX_RULES + 1)
        return;
    award *a = &s->awards[s->nawards++];
    snprintf(a->name, sizeof a->name, "%s", r->name);
    a->version = r->version;
    a->points = points;
    a->member = member;
    a->referrer = referrer;
    a->spend = spend;
    if (!referrer)
        s->member_points += points;
}

/* `recorded`: the purchase row is already written (count includes it). */
static int score(patron_db *db, scoring *s, int64_t member, const patron_purchase *p, int recorded)
{
    int rc = load_rules(db, s, p->at);
    if (rc)
        return rc;
    s->nawards = 0;
    s->member_points = 0;
    int64_t amount = 0;
    for (size_t i = 0; i < p->n_lines; i++)
        amount += p->lines[i].amount;
    /* base points per line, summed over the base rules in force */
    int64_t *line_base = patron__calloc(p->n_lines, sizeof *line_base);
    if (!line_base)
        return patron__oom();
    int64_t base_total = 0;
    for (size_t k = 0; k < s->nrules; k++) {
        const rule_row *r = &s->rules[k];
        if (r->kind != PATRON_EARN_BASE)
            continue;
        int64_t pts = 0;
        for (size_t i = 0; i < p->n_lines; i++) {
            int64_t b = base_of(p->lines[i].amount, r->points, r->per_amount);
            line_base[i] += b;
            pts += b;
        }
        base_total += pts;
        add_award(s, r, pts, member, 0, amount);
    }
    char tier[PATRON__TIER_NAME_CAP] = "";
    int has_tier = 0;
    rc = patron__tier_name(db, member, tier, sizeof tier, &has_tier);
    for (size_t k = 0; k < s->nrules && rc == PATRON_OK; k++) {
        const rule_row *r = &s->rules[k];
        int64_t sub = 0;
        switch (r->kind) {
        case PATRON_EARN_CATEGORY:
        case PATRON_EARN_PRODUCT:
            for (size_t i = 0; i < p->n_lines; i++)
                if (r->kind == PATRON_EARN_CATEGORY ? same(p->lines[i].category, r->category)
                                                    : same(p->lines[i].product, r->product))
                    sub += line_base[i];
            add_award(s, r, sub * r->percent / 100, member, 0, 0);
            break;
        case PATRON_EARN_MEMBER_BONUS:
            add_award(s, r, base_total * r->percent / 100, member, 0, 0);
            break;
        case PATRON_EARN_TIER:
            if (!strcmp(tier, r->tier))
                add_award(s, r, base_total * r->percent / 100, member, 0, 0);
            break;
        case PATRON_EARN_CAMPAIGN:
            for (size_t i = 0; i < p->n_lines; i++)
                if (!r->has_category || same(p->lines[i].category, r->category))
                    sub += line_base[i];
            add_award(s, r, sub * r->percent / 100 + r->points, member, 0, 0);
            break;
        case PATRON_EARN_CHALLENGE: {
            /* `count` unreturned purchases in the window_days ending at this
             * one (itself included), and no live award of the rule within
             * window_days either side: no window_days-long period holds two
             * awards, also when purchases arrive out of time order. A
             * reversed award (its purchase was returned) uses up nothing. */
            int64_t w = r->window_days * 86400, n = 0, near = 0, spend = 0;
            rc = patron__earn_purchases(db, member, p->at - w, p->at, &spend, &n);
            if (rc == PATRON_OK)
                rc = patron__ledger_rule_awards(db, member, r->name, p->at - w, p->at + w, &near);
            if (!recorded)
                n++;
            if (rc == PATRON_OK && n >= r->count && near == 0)
                add_award(s, r, r->points, member, 0, 0);
            break;
        }
        case PATRON_EARN_REFERRAL: {
            /* the first purchase: none other of the member is on record
             * unreturned, earlier or later in time (a back-dated upload is
             * not a first purchase) */
            int64_t referrer = 0, others = 0, spend = 0;
            rc = patron__member_referrer(db, member, &referrer);
            if (rc == PATRON_OK && referrer)
                rc = patron__earn_purchases(db, member, INT64_MIN, INT64_MAX, &spend, &others);
            if (rc == PATRON_OK && referrer && others == (recorded ? 1 : 0)) {
                int64_t rr;
                int joined = 1;
                rc = patron__member_resolve(db, &rr, referrer, 0);
                /* a referrer who has not joined the current program earns nothing in it */
                if (rc == PATRON_OK && rr != member)
                    rc = patron__program_member_check(db, "referral", rr, &joined);
                if (rc == PATRON_OK && rr != member) {
                    if (joined)
                        add_award(s, r, r->points, rr, 1, 0);
                    add_award(s, r, r->referee_points, member, 0, 0);
                }
            }
            break;
        }
        default:
            break;
        }
    }
    patron__free(line_base);
    return rc;
}

/* The rules' budgets and limits (budget.c): clip each award to what its
 * rule's budget has left, dropping awards clipped to nothing; with
 * `record`, count them under the purchase key. */
static int apply_budgets(patron_db *db, scoring *s, const patron_purchase *p, int record)
{
    patron__budget_ctx *ctx = patron__malloc(sizeof *ctx);
    if (!ctx)
        return patron__oom();
    ctx->purchase_key = p->key;
    ctx->location = p->location;
    ctx->at = p->at;
    ctx->record = record;
    ctx->n = 0;
    int rc = PATRON_OK;
    size_t kept = 0;
    s->member_points = 0;
    for (size_t i = 0; i < s->nawards && rc == PATRON_OK; i++) {
        award a = s->awards[i];
        rc = patron__earn_budget_take(db, ctx, a.name, a.member, &a.points);
        if (rc || a.points <= 0)
            continue;
        s->awards[kept++] = a;
        if (!a.referrer)
            s->member_points += a.points;
    }
    s->nawards = kept;
    patron__free(ctx);
    return rc;
}

static int check_purchase(patron_db *db, patron_purchase *p, const patron_purchase *in, const char *func, int need_key)
{
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!in)
        return patron__fail(PATRON_EINVAL, "%s: purchase is NULL", func);
    patron_purchase d = PATRON_PURCHASE_INIT;
    *p = d;
    if ((rc = patron__options_copy(p, sizeof *p, in, PATRON__SIZE_BEFORE(patron_purchase, channel), "patron_purchase")))
        return rc;
    if (need_key && (rc = patron__key_check(func, "key", p->key, 100)))
        return rc;
    if (!p->lines || p->n_lines == 0 || p->n_lines > MAX_LINES)
        return patron__fail(PATRON_EINVAL, "%s: 1..%d lines needed", func, MAX_LINES);
    if (need_key && (rc = patron__time_check(func, "at", p->at)))
        return rc;
    for (size_t i = 0; i < p->n_lines; i++) {
        const patron_purchase_line *l = &p->lines[i];
        if (l->amount < 0 || l->amount > INT64_C(1000000000000000))
            return patron__fail(PATRON_EINVAL, "%s: line %zu: amount %" PRId64 " out of range", func, i + 1,
                                l->amount);
        char cat[48], prod[48];
        snprintf(cat, sizeof cat, "line %zu: category", i + 1);
        snprintf(prod, sizeof prod, "line %zu: product", i + 1);
        if ((rc = patron__text_check(func, cat, l->category, 200)) ||
            (rc = patron__text_check(func, prod, l->product, 200)))
            return rc;
        if (p->quantities && (p->quantities[i] < 1 || p->quantities[i] > INT64_C(1000000000)))
            return patron__fail(PATRON_EINVAL, "%s: line %zu: quantity %" PRId64 " is not 1..1000000000", func, i + 1,
                                p->quantities[i]);
    }
    if ((rc = patron__name_check(func, "channel", p->channel, 64, "pos, web, app")))
        return rc;
    if (p->location && !p->location[0])
        return patron__fail(PATRON_EINVAL, "%s: location is empty (NULL when not known)", func);
    if ((rc = patron__text_check(func, "location", p->location, 200)))
        return rc;
    return PATRON_OK;
}

int patron_earn_quote(patron_db *db, int64_t *points, const patron_purchase *purchase)
{
    patron_purchase p;
    int rc = check_purchase(db, &p, purchase, "patron_earn_quote", 0);
    if (rc)
        return rc;
    if (!points)
        return patron__fail(PATRON_EINVAL, "patron_earn_quote: points is NULL");
    int64_t member;
    if ((rc = patron__member_resolve(db, &member, p.member_id, 1)) ||
        (rc = patron__program_member_check(db, "patron_earn_quote", member, NULL)))
        return rc;
    scoring *s = patron__malloc(sizeof *s);
    if (!s)
        return patron__oom();
    rc = score(db, s, member, &p, 0);
    if (rc == PATRON_OK)
        rc = apply_budgets(db, s, &p, 0);
    if (rc == PATRON_OK)
        *points = s->member_points;
    patron__free(s);
    return rc;
}

static int64_t purchase_fp(const patron_purchase *p)
{
    uint64_t h = PATRON__FNV_INIT;
    h = patron__fnv1a(h, &p->member_id, sizeof p->member_id);
    for (size_t i = 0; i < p->n_lines; i++) {
        const char *c = p->lines[i].category ? p->lines[i].category : "\xff";
        const char *d = p->lines[i].product ? p->lines[i].product : "\xff";
        h = patron__fnv1a(h, c, strlen(c) + 1);
        h = patron__fnv1a(h, d, strlen(d) + 1);
        h = patron__fnv1a(h, &p->lines[i].amount, sizeof p->lines[i].amount);
    }
    /* fields appended in 0.2 count only when given, so a purchase scored by
     * an older library replays with the same fingerprint */
    if (p->quantities) {
        h = patron__fnv1a(h, "q", 1);
        h = patron__fnv1a(h, p->quantities, p->n_lines * sizeof *p->quantities);
    }
    if (p->channel) {
        h = patron__fnv1a(h, "c", 1);
        h = patron__fnv1a(h, p->channel, strlen(p->channel) + 1);
    }
    if (p->location) {
        h = patron__fnv1a(h, "l", 1);
        h = patron__fnv1a(h, p->location, strlen(p->location) + 1);
    }
    return (int64_t)(h & INT64_MAX);
}

/* A purchase whose key is already recorded: the same content replays its
 * first answer, other content is a conflict. */
static int purchase_replay(patron_db *db, patron_earn_result *res, const patron_purchase *p, int64_t fp, int *found)
{
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, "SELECT fp, points FROM purchases WHERE key = ?", "t", p->key);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    *found = rc == PATRON__ROW;
    int64_t sfp = *found ? patron__sql_col_int(db, st, 0) : 0, pts = *found ? patron__sql_col_int(db, st, 1) : 0;
    patron__sql_done(db, st);
    if (rc < 0 || !*found)
        return rc < 0 ? rc : PATRON_OK;
    if (sfp != fp)
        return patron__fail(PATRON_ECONFLICT, "purchase key '%s' was already scored with different content", p->key);
    res->points = pts;
    res->postings = 0;
    res->replayed = 1;
    return PATRON_OK;
}

static int purchase_impl(patron_db *db, patron_earn_result *res, const patron_purchase *p, scoring *s)
{
    int64_t fp = purchase_fp(p);
    int64_t member, purchase_id = 0;
    int found = 0;
    int rc = patron__member_resolve(db, &member, p->member_id, 1);
    if (rc) {
        /* a retry after the member was merged or erased still replays */
        int rrc = purchase_replay(db, res, p, fp, &found);
        if (rrc || found)
            return rrc;
        return rc;
    }
    /* In a member-scoped transaction (PostgreSQL: those of different
     * members run at once) the buyer is locked before anything of theirs is
     * read: two purchases of one member take turns (a first purchase is
     * first once). Sent ahead with the next statement: no round trip. */
    if ((rc = patron__tx_lock_member(db, member)))
        return rc;
    /* scored in the current program: its rules, budgets and tiers, into the
     * member's account there (lib/internal/program.h) */
    if ((rc = patron__program_member_check(db, "patron_earn_purchase", member, NULL))) {
        int rrc = purchase_replay(db, res, p, fp, &found); /* a key scored elsewhere still replays */
        if (rrc || found)
            return rrc;
        return rc;
    }
    /* the insert is the key check: a new purchase costs no lookup first */
    if ((rc = patron__earn_record_rows(db, p, fp, member, &purchase_id)))
        return rc;
    if (!purchase_id) {
        if ((rc = purchase_replay(db, res, p, fp, &found)) || found)
            return rc;
        return patron__fail(PATRON_EINTERNAL, "purchase key '%s' is recorded but cannot be read", p->key);
    }
    if ((rc = score(db, s, member, p, 1)))
        return rc;
    /* A referrer's bonus writes to the referrer: locked now, before any
     * budget row. Member locks are always taken before budget rows, and a
     * buyer's lock before their referrer's (referrals form no cycle), so
     * two purchases never wait for each other in a circle. */
    for (size_t i = 0; i < s->nawards && rc == PATRON_OK; i++)
        if (s->awards[i].referrer)
            rc = patron__tx_lock_member(db, s->awards[i].member);
    if (rc || (rc = apply_budgets(db, s, p, 1)))
        return rc;
    for (size_t i = 0; i < s->nawards && rc == PATRON_OK; i++) {
        const award *a = &s->awards[i];
        char key[300];
        snprintf(key, sizeof key, "%s/%s%s", p->key, a->name, a->referrer ? "/referrer" : "");
        patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
        r.key = key;
        r.member_id = a->member;
        r.points = a->points;
        r.at = p->at;
        r.spend = a->spend;
        r.rule = a->name;
        r.rule_version = a->version;
        r.ref = p->key;
        if (p->hold_until_action) /* pending until patron_earn_release() (release.c) */
            r.mature_at = PATRON_NEVER;
        rc = patron_ledger_earn(db, NULL, &r);
    }
    if (rc == PATRON_OK && s->member_points) /* recorded with 0 points */
        rc = patron__sql_run(db, "UPDATE purchases SET points = ? WHERE key = ?", "it", s->member_points, p->key);
    if (rc == PATRON_OK)
        rc = patron__tier_upgrade(db, member, p->at);
    /* a referrer's bonus is points earned too: it may lift them at once */
    for (size_t i = 0; i < s->nawards && rc == PATRON_OK; i++)
        if (s->awards[i].referrer)
            rc = patron__tier_upgrade(db, s->awards[i].member, p->at);
    if (rc == PATRON_OK) {
        res->points = s->member_points;
        res->postings = (int64_t)s->nawards;
        res->replayed = 0;
    }
    return rc;
}

int patron_earn_purchase(patron_db *db, patron_earn_result *result, const patron_purchase *purchase)
{
    patron_purchase p;
    int rc = check_purchase(db, &p, purchase, "patron_earn_purchase", 1);
    if (rc)
        return rc;
    scoring *s = patron__malloc(sizeof *s);
    if (!s)
        return patron__oom();
    /* one member's purchase: other members' commit in parallel where the
     * backend allows (PostgreSQL); purchases taking from one budget wait for
     * each other on the budget's row (budget.c) */
    patron__tx_scope_members(db);
    if ((rc = patron__tx_begin(db))) {
        patron__free(s);
        return rc;
    }
    patron_earn_result res = {0, 0, 0};
    rc = patron__tx_end(db, purchase_impl(db, &res, &p, s));
    patron__free(s);
    if (rc == PATRON_OK && result)
        *result = res;
    return rc;
}

/* A purchase's earn postings (the ones scored: all in one program). */
typedef struct purchase_earns {
    const char *purchase_key;
    int64_t at;
    int64_t ids[MAX_RULES + 1];
    char keys[MAX_RULES + 1][200];
    size_t n;
} purchase_earns;

static int reverse_earns(patron_db *db, void *ctx)
{
    purchase_earns *e = ctx;
    int rc = PATRON_OK;
    for (size_t i = 0; i < e->n && rc == PATRON_OK; i++) {
        char key[220];
        snprintf(key, sizeof key, "%.200s/return", e->keys[i]);
        patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
        r.key = key;
        r.target = e->ids[i];
        r.at = e->at;
        r.reason = "purchase returned";
        r.ref = e->purchase_key;
        rc = patron_ledger_reverse(db, NULL, &r);
        if (rc == PATRON_ECONFLICT && strstr(patron_errmsg(), "already fully reversed"))
            rc = PATRON_OK;
    }
    return rc;
}

int patron__earn_in_purchase_program(patron_db *db, const int64_t *ids, size_t n, int (*fn)(patron_db *, void *),
                                     void *ctx)
{
    /* purchases are the store's: a return or a release reaches the
     * postings in the program that scored the purchase, whichever program
     * the handle is in */
    int64_t program = patron__program_id(db);
    int rc = n ? patron__ledger_posting_program(db, ids[0], &program) : PATRON_OK;
    if (rc)
        return rc;
    return program == patron__program_id(db) ? fn(db, ctx) : patron__program_with(db, program, fn, ctx);
}

int patron_earn_return(patron_db *db, const char *purchase_key, int64_t at)
{
    int rc = patron__db_check(db, "patron_earn_return");
    if (rc == PATRON_OK)
        rc = patron__time_check("patron_earn_return", "at", at);
    if (rc)
        return rc;
    if ((rc = patron__key_check("patron_earn_return", "purchase_key", purchase_key, 100)))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    int64_t returned = 0;
    rc = patron__sql_int(db, &returned, 0, "SELECT returned FROM purchases WHERE key = ?", "t", purchase_key);
    if (rc == PATRON_ENOTFOUND)
        rc = patron__fail(PATRON_ENOTFOUND, "no scored purchase with key '%s'", purchase_key);
    if (rc || returned)
        return patron__tx_end(db, rc);
    /* the purchase's earn postings (keys "<key>/...") */
    purchase_earns *e = patron__malloc(sizeof *e);
    if (!e)
        return patron__tx_end(db, patron__oom());
    e->purchase_key = purchase_key;
    e->at = at;
    e->n = 0;
    rc = patron__ledger_purchase_earns(db, purchase_key, e->ids, e->keys, MAX_RULES + 1, &e->n);
    if (rc == PATRON_OK)
        rc = patron__earn_in_purchase_program(db, e->ids, e->n, reverse_earns, e);
    patron__free(e);
    if (rc == PATRON_OK)
        rc = patron__earn_budget_give_back(db, purchase_key);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "UPDATE purchases SET returned = 1, returned_at = ? WHERE key = ?", "it", at,
                             purchase_key);
    return patron__tx_end(db, rc);
}
