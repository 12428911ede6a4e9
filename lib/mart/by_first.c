/* patron_clv_by_first_purchase(): the stored CLV scores grouped by how
 * members came in — the channel or the main category of their first
 * purchase, or the coupon campaign they first redeemed (patron/mart.h). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/coupon.h"
#include "internal/earn.h"
#include "internal/error.h"
#include "internal/member.h"
#include "internal/sbuf.h"
#include "internal/store.h"
#include "mart_int.h"
#include "patron/mart.h"

typedef struct first {
    int64_t member, at;
    char *key; /* channel or category; NULL: not recorded */
} first;

typedef struct firsts {
    first *v;
    size_t n, cap;
    int by_category, by_coupon;
    const patron__member_remap *map;
} firsts;

/* The person a recorded member id is now; 0 when erased. */
static int64_t person(const patron__member_remap *map, int64_t member)
{
    int64_t who = patron__member_remap_find(map, member);
    return who && who != member && !patron__member_remap_find(map, who) ? 0 : who;
}

static int add_first(void *ctx, int64_t member, int64_t at, const char *channel, const char *category)
{
    firsts *f = ctx;
    int64_t who = person(f->map, member);
    if (!who)
        return PATRON_OK; /* erased */
    if (patron__grow(&f->v, &f->cap, f->n + 1, sizeof *f->v))
        return patron__oom();
    const char *k = f->by_coupon ? NULL : f->by_category ? category : channel;
    f->v[f->n] = (first){who, at, k ? patron__strdup(k) : NULL};
    if (k && !f->v[f->n].key)
        return patron__oom();
    f->n++;
    return PATRON_OK;
}

/* member, then time: the first entry of a member is the group's first purchase */
static int by_member_time(const void *a, const void *b)
{
    const first *x = a, *y = b;
    if (x->member != y->member)
        return (x->member > y->member) - (x->member < y->member);
    if (x->at != y->at)
        return (x->at > y->at) - (x->at < y->at);
    if (!x->key || !y->key)
        return (x->key == NULL) - (y->key == NULL);
    return strcmp(x->key, y->key);
}

/* Each person's coupon redemptions, for the "coupon" dimension. */
typedef struct redemptions {
    first *v; /* member = the person; key = the coupon campaign */
    size_t n, cap;
    const patron__member_remap *map;
} redemptions;

static int add_redemption(void *ctx, int64_t member, int64_t at, const char *campaign)
{
    redemptions *r = ctx;
    int64_t who = person(r->map, member);
    if (!who)
        return PATRON_OK;
    if (patron__grow(&r->v, &r->cap, r->n + 1, sizeof *r->v))
        return patron__oom();
    r->v[r->n] = (first){who, at, patron__strdup(campaign)};
    if (!r->v[r->n].key)
        return patron__oom();
    r->n++;
    return PATRON_OK;
}

/* Key each member's first entry with the campaign of its first coupon
 * redemption (of several in one second, the first in campaign name order). */
static int key_by_coupon(patron_db *db, firsts *f)
{
    redemptions r = {.map = f->map};
    int rc = patron__coupon_redemptions_each(db, add_redemption, &r);
    if (rc == PATRON_OK && r.n > 1)
        qsort(r.v, r.n, sizeof *r.v, by_member_time);
    size_t j = 0;
    for (size_t i = 0; rc == PATRON_OK && i < f->n; i++) {
        if (i && f->v[i].member == f->v[i - 1].member)
            continue;
        while (j < r.n && r.v[j].member < f->v[i].member)
            j++;
        if (j < r.n && r.v[j].member == f->v[i].member && !(f->v[i].key = patron__strdup(r.v[j].key)))
            rc = patron__oom();
    }
    for (size_t i = 0; i < r.n; i++)
        patron__free(r.v[i].key);
    patron__free(r.v);
    return rc;
}

typedef struct group {
    const char *key;
    int64_t members, scored, with_clv;
    double clv, alive;
} group;

static int by_key(const void *a, const void *b)
{
    const group *x = a, *y = b;
    if (!x->key || !y->key)
        return (x->key == NULL) - (y->key == NULL); /* "not recorded" last */
    return strcmp(x->key, y->key);
}

int patron_clv_by_first_purchase(patron_db *db, char **json, const char *dimension)
{
    static const char func[] = "patron_clv_by_first_purchase";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!json || !dimension)
        return patron__fail(PATRON_EINVAL, "%s: %s is NULL", func, json ? "dimension" : "json");
    int by_category = !strcmp(dimension, "category"), by_coupon = !strcmp(dimension, "coupon");
    if (!by_category && !by_coupon && strcmp(dimension, "channel"))
        return patron__fail(PATRON_EINVAL, "%s: dimension '%.40s' is not channel, category or coupon", func,
                            dimension);
    patron__member_remap map = {0};
    patron__mart_scores sc = {0};
    firsts f = {.by_category = by_category, .by_coupon = by_coupon, .map = &map};
    group *g = NULL;
    size_t ng = 0;
    if ((rc = patron__member_remap_load(db, &map)) == PATRON_OK &&
        (rc = patron__earn_first_purchases(db, add_first, &f)) == PATRON_OK)
        rc = patron__mart_scores_load(db, &sc);
    if (rc == PATRON_OK && f.n > 1)
        qsort(f.v, f.n, sizeof *f.v, by_member_time);
    if (rc == PATRON_OK && by_coupon)
        rc = key_by_coupon(db, &f);
    if (rc == PATRON_OK && !(g = patron__calloc(f.n ? f.n : 1, sizeof *g)))
        rc = patron__oom();
    /* one group per key, members counted once (their group's first purchase) */
    for (size_t i = 0; rc == PATRON_OK && i < f.n; i++) {
        if (i && f.v[i].member == f.v[i - 1].member)
            continue;
        size_t k = 0;
        while (k < ng && !(g[k].key == f.v[i].key || (g[k].key && f.v[i].key && !strcmp(g[k].key, f.v[i].key))))
            k++;
        if (k == ng)
            g[ng++].key = f.v[i].key;
        g[k].members++;
        long s = patron__mart_scores_find(&sc, f.v[i].member);
        if (s >= 0) {
            g[k].scored++;
            g[k].alive += sc.v[0][s];
            if (isfinite(sc.v[2][s])) {
                g[k].with_clv++;
                g[k].clv += sc.v[2][s];
            }
        }
    }
    patron__sbuf b = {0};
    if (rc == PATRON_OK) {
        qsort(g, ng, sizeof *g, by_key);
        patron__sb_puts(&b, "[");
        for (size_t k = 0; k < ng; k++) {
            patron__sb_printf(&b, "%s\n  {\"%s\": ", k ? "," : "", dimension);
            if (g[k].key)
                patron__sb_json_str(&b, g[k].key);
            else
                patron__sb_puts(&b, "null");
            patron__sb_printf(&b, ", \"members\": %" PRId64 ", \"scored\": %" PRId64, g[k].members, g[k].scored);
            if (g[k].scored)
                patron__sb_printf(&b, ", \"p_alive_mean\": %.17g", g[k].alive / (double)g[k].scored);
            else
                patron__sb_puts(&b, ", \"p_alive_mean\": null");
            if (g[k].with_clv)
                patron__sb_printf(&b, ", \"clv_12m_mean\": %.17g, \"clv_12m_total\": %.17g}",
                                  g[k].clv / (double)g[k].with_clv, g[k].clv);
            else
                patron__sb_puts(&b, ", \"clv_12m_mean\": null, \"clv_12m_total\": null}");
        }
        patron__sb_puts(&b, "\n]\n");
    }
    char *out = rc == PATRON_OK ? patron__sb_take(&b) : NULL;
    if (rc == PATRON_OK && !out)
        rc = patron__oom();
    if (rc)
        patron__sb_free(&b);
    for (size_t i = 0; i < f.n; i++)
        patron__free(f.v[i].key);
    patron__free(f.v);
    patron__free(g);
    patron__member_remap_free(&map);
    patron__mart_scores_free(&sc);
    if (rc == PATRON_OK)
        *json = out;
    return rc;
}
