/* Coupon campaigns (patron/coupon.h): creating one with generated codes,
 * importing codes, listing a campaign's codes. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "coupon_int.h"
#include "internal/alloc.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/options.h"
#include "internal/sbuf.h"
#include "internal/store.h"
#include "internal/text.h"

#define MONEY_MAX INT64_C(1000000000000000)
#define COUNT_MAX INT64_C(1000000)
#define USES_MAX INT64_C(1000000000)

typedef struct listed {
    patron_coupon_code pub;
    char code[PATRON__CODE_MAX + 1];
} listed;

struct patron_coupon_codes {
    listed *v;
    size_t n;
};

static int range(const char *func, const char *name, const char *field, int64_t v, int64_t lo, int64_t hi)
{
    if (v >= lo && v <= hi)
        return PATRON_OK;
    return patron__fail(PATRON_EINVAL, "%s: campaign '%s': %s %" PRId64 " is not %" PRId64 "..%" PRId64, func, name,
                        field, v, lo, hi);
}

static int check_campaign(const patron_coupon_campaign *c, const char *func)
{
    int rc;
    if (!c->name || !c->name[0])
        return patron__fail(PATRON_EINVAL, "%s: name is required", func);
    if ((rc = patron__name_check(func, "name", c->name, 64, "summer-2026, welcome")))
        return rc;
    const char *n = c->name;
    if (c->kind != PATRON_COUPON_DISCOUNT && c->kind != PATRON_COUPON_GIFT_CARD)
        return patron__fail(PATRON_EINVAL, "%s: campaign '%s': kind %d is not PATRON_COUPON_DISCOUNT (1) or "
                                           "PATRON_COUPON_GIFT_CARD (2)", func, n, (int)c->kind);
    if (c->kind == PATRON_COUPON_GIFT_CARD) {
        if ((rc = range(func, n, "amount_off (the starting balance)", c->amount_off, 1, MONEY_MAX)) ||
            (rc = range(func, n, "percent_off (gift cards have none)", c->percent_off, 0, 0)))
            return rc;
    } else {
        if ((rc = range(func, n, "amount_off", c->amount_off, 0, MONEY_MAX)) ||
            (rc = range(func, n, "percent_off", c->percent_off, 0, 100)))
            return rc;
        if (c->amount_off && c->percent_off)
            return patron__fail(PATRON_EINVAL, "%s: campaign '%s': give amount_off or percent_off, not both", func, n);
    }
    if ((rc = range(func, n, "max_uses", c->max_uses, 0, USES_MAX)) ||
        (rc = range(func, n, "per_member", c->per_member, 0, USES_MAX)) ||
        (rc = range(func, n, "min_basket", c->min_basket, 0, MONEY_MAX)) ||
        (rc = range(func, n, "count", c->count, 0, COUNT_MAX)))
        return rc;
    if ((c->valid_from && (rc = patron__time_check(func, "valid_from", c->valid_from))) ||
        (c->valid_to && (rc = patron__time_check(func, "valid_to", c->valid_to))))
        return rc;
    if (c->valid_to && c->valid_to <= c->valid_from)
        return patron__fail(PATRON_EINVAL, "%s: campaign '%s': valid_to %" PRId64 " is not after valid_from %" PRId64,
                            func, n, c->valid_to, c->valid_from);
    if (c->pattern && (rc = patron__code_check(func, "pattern", c->pattern)))
        return rc;
    if (c->count && !c->pattern)
        return patron__fail(PATRON_EINVAL, "%s: campaign '%s': count %" PRId64 " needs a pattern", func, n, c->count);
    if (c->count) {
        uint64_t space = patron__code_space(c->pattern, UINT64_MAX / 8);
        if (space < 4 * (uint64_t)c->count)
            return patron__fail(PATRON_EINVAL,
                                "%s: campaign '%s': pattern '%s' makes %" PRIu64 " codes, fewer than 4 x count %" PRId64
                                " (add # or ? positions)", func, n, c->pattern, space, c->count);
    }
    return PATRON_OK;
}

static const char insert_sql[] =
    "INSERT INTO coupon_codes(code, campaign, uses, balance, owner_id, published_at) VALUES(?,?,0,?,0,0)";

/* Insert a code; *added 0 when it exists already. */
static int insert_code(patron_db *db, const char *code, const char *campaign, int64_t balance, int *added)
{
    patron__stmt *st;
    int64_t id = 0;
    int rc = patron__sql_bind_unique(db, &st, insert_sql, "tti", code, campaign, balance);
    if (rc == PATRON_OK) {
        rc = patron__sql_step_unique(db, st, &id);
        patron__sql_done(db, st);
    }
    *added = id != 0;
    return rc < 0 ? rc : PATRON_OK;
}

static int generate(patron_db *db, const patron_coupon_campaign *c, const char *func)
{
    patron__code_gen g;
    patron__code_gen_init(&g, c->seed);
    int64_t balance = c->kind == PATRON_COUPON_GIFT_CARD ? c->amount_off : 0;
    /* with 4 x count possible codes, a fresh store draws about 1.2 x count;
     * the bound only stops a pattern that other campaigns have filled */
    int64_t made = 0, draws = 0, limit = 20 * c->count + 1000;
    char code[PATRON__CODE_MAX + 1];
    int rc = PATRON_OK;
    while (rc == PATRON_OK && made < c->count) {
        if (draws++ == limit)
            return patron__fail(PATRON_EINVAL,
                                "%s: campaign '%s': pattern '%s' gave %" PRId64 " new codes in %" PRId64
                                " draws, not %" PRId64 " (too many of its codes exist)", func, c->name, c->pattern,
                                made, limit, c->count);
        patron__code_gen_next(&g, c->pattern, code);
        int added;
        if ((rc = insert_code(db, code, c->name, balance, &added)) == PATRON_OK && added)
            made++;
    }
    return rc;
}

static int create_in_tx(patron_db *db, const patron_coupon_campaign *c, const char *func)
{
    int64_t n = 0;
    int rc = patron__sql_int(db, &n, 0, "SELECT count(*) FROM coupon_campaigns WHERE name = ?", "t", c->name);
    if (rc)
        return rc;
    if (n)
        return patron__fail(PATRON_ECONFLICT, "%s: campaign '%s' exists already", func, c->name);
    if ((rc = patron__sql_run(db,
                              "INSERT INTO coupon_campaigns(name, kind, amount_off, percent_off, max_uses, per_member, "
                              "valid_from, valid_to, min_basket, pattern, seed) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                              "tiiiiiiiiti", c->name, (int64_t)c->kind, c->amount_off, c->percent_off, c->max_uses,
                              c->per_member, c->valid_from, c->valid_to, c->min_basket, c->pattern,
                              (int64_t)c->seed)) ||
        (rc = generate(db, c, func)))
        return rc;
    patron__sbuf b = {0};
    patron__sb_puts(&b, "{\"name\":");
    patron__sb_json_str(&b, c->name);
    patron__sb_printf(&b, ",\"kind\":%d,\"amount_off\":%" PRId64 ",\"percent_off\":%" PRId64 ",\"max_uses\":%" PRId64
                          ",\"per_member\":%" PRId64 ",\"valid_from\":%" PRId64 ",\"valid_to\":%" PRId64
                          ",\"min_basket\":%" PRId64 ",\"pattern\":",
                      (int)c->kind, c->amount_off, c->percent_off, c->max_uses, c->per_member, c->valid_from,
                      c->valid_to, c->min_basket);
    patron__sb_json_str(&b, c->pattern);
    patron__sb_printf(&b, ",\"generated\":%" PRId64 ",\"seed\":%" PRIu64 "}", c->count, c->seed);
    char *json = patron__sb_take(&b);
    if (!json)
        return patron__oom();
    rc = patron__coupon_audit(db, "coupon.create", json); /* the audit hook */
    patron__free(json);
    return rc;
}

int patron_coupon_create(patron_db *db, int64_t *generated, const patron_coupon_campaign *campaign)
{
    static const char func[] = "patron_coupon_create";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!campaign)
        return patron__fail(PATRON_EINVAL, "%s: campaign is NULL", func);
    patron_coupon_campaign c = PATRON_COUPON_CAMPAIGN_INIT;
    if ((rc = patron__options_copy(&c, sizeof c, campaign, sizeof c, "patron_coupon_campaign")) ||
        (rc = check_campaign(&c, func)))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    rc = patron__tx_end(db, create_in_tx(db, &c, func));
    if (rc == PATRON_OK && generated)
        *generated = c.count;
    return rc;
}

/* The campaign's kind and starting balance; ENOTFOUND with a message. */
static int campaign_kind(patron_db *db, const char *name, int64_t *kind, int64_t *amount, const char *func)
{
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, "SELECT kind, amount_off FROM coupon_campaigns WHERE name = ?", "t", name);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    if (rc == PATRON__ROW) {
        *kind = patron__sql_col_int(db, st, 0);
        *amount = patron__sql_col_int(db, st, 1);
    }
    patron__sql_done(db, st);
    if (rc == PATRON__DONE) {
        char q[128];
        return patron__fail(PATRON_ENOTFOUND, "%s: no coupon campaign %s", func, patron__text_quote(q, sizeof q, name));
    }
    return rc < 0 ? rc : PATRON_OK;
}

static int import_in_tx(patron_db *db, const char *campaign, const char *const *codes, size_t n, const char *func)
{
    int64_t kind, amount;
    int rc = campaign_kind(db, campaign, &kind, &amount, func);
    for (size_t i = 0; rc == PATRON_OK && i < n; i++) {
        int added;
        rc = insert_code(db, codes[i], campaign, kind == PATRON_COUPON_GIFT_CARD ? amount : 0, &added);
        if (rc == PATRON_OK && !added)
            return patron__fail(PATRON_ECONFLICT, "%s: code %zu '%s' exists already (or appears twice)", func, i,
                                codes[i]);
    }
    if (rc)
        return rc;
    char detail[160];
    snprintf(detail, sizeof detail, "{\"campaign\":\"%s\",\"imported\":%zu}", campaign, n); /* a checked name */
    return patron__coupon_audit(db, "coupon.import", detail);
}

int patron_coupon_import(patron_db *db, int64_t *imported, const char *campaign, const char *const *codes, size_t n)
{
    static const char func[] = "patron_coupon_import";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if ((rc = patron__name_check(func, "campaign", campaign, 64, NULL)))
        return rc;
    if (!campaign)
        return patron__fail(PATRON_EINVAL, "%s: campaign is required", func);
    if (!codes || n < 1 || n > (size_t)COUNT_MAX)
        return patron__fail(PATRON_EINVAL, "%s: %zu codes (1..1000000, not NULL)", func, codes ? n : 0);
    for (size_t i = 0; i < n; i++) {
        char field[32];
        snprintf(field, sizeof field, "code %zu", i);
        if ((rc = patron__code_check(func, field, codes[i])))
            return rc;
    }
    if ((rc = patron__tx_begin(db)))
        return rc;
    rc = patron__tx_end(db, import_in_tx(db, campaign, codes, n, func));
    if (rc == PATRON_OK && imported)
        *imported = (int64_t)n;
    return rc;
}

int patron_coupon_list(patron_db *db, patron_coupon_codes **out, const char *campaign)
{
    static const char func[] = "patron_coupon_list";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!out)
        return patron__fail(PATRON_EINVAL, "%s: out is NULL", func);
    if ((rc = patron__name_check(func, "campaign", campaign, 64, NULL)))
        return rc;
    if (!campaign)
        return patron__fail(PATRON_EINVAL, "%s: campaign is required", func);
    patron__db_refresh(db);
    int64_t kind, amount;
    if ((rc = campaign_kind(db, campaign, &kind, &amount, func)))
        return rc;
    patron_coupon_codes *l = patron__calloc(1, sizeof *l);
    if (!l)
        return patron__oom();
    size_t cap = 0;
    patron__stmt *st;
    rc = patron__sql_bind(db, &st,
                          "SELECT code, uses, balance, owner_id, published_at FROM coupon_codes WHERE campaign = ? "
                          "ORDER BY code", "t", campaign);
    if (rc == PATRON_OK) {
        while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
            if (patron__grow(&l->v, &cap, l->n + 1, sizeof *l->v)) {
                rc = patron__oom();
                break;
            }
            listed *e = &l->v[l->n++];
            snprintf(e->code, sizeof e->code, "%s", patron__sql_col_text(db, st, 0));
            e->pub.uses = patron__sql_col_int(db, st, 1);
            e->pub.balance = patron__sql_col_int(db, st, 2);
            e->pub.owner_id = patron__sql_col_int(db, st, 3);
            e->pub.published_at = patron__sql_col_int(db, st, 4);
        }
        patron__sql_done(db, st);
    }
    if (rc != PATRON__DONE) {
        patron_coupon_codes_free(l);
        return rc < 0 ? rc : PATRON_EINTERNAL;
    }
    for (size_t i = 0; i < l->n; i++) /* after the last move of the array */
        l->v[i].pub.code = l->v[i].code;
    *out = l;
    return PATRON_OK;
}

size_t patron_coupon_codes_count(const patron_coupon_codes *list)
{
    return list ? list->n : 0;
}

const patron_coupon_code *patron_coupon_codes_get(const patron_coupon_codes *list, size_t i)
{
    return list && i < list->n ? &list->v[i].pub : NULL;
}

void patron_coupon_codes_free(patron_coupon_codes *list)
{
    if (!list)
        return;
    patron__free(list->v);
    patron__free(list);
}
