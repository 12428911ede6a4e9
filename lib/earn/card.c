/* The customer card's purchase section (internal/earn.h): what a member
 * bought, read from the earning module's own tables (purchases and their
 * lines), for the member and every member merged into it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/earn.h"
#include "internal/error.h"
#include "internal/member.h"
#include "internal/store.h"

#define RECENT 5

typedef struct bought {
    int64_t id, member, at, amount;
} bought;

typedef struct basket {
    bought *v;
    size_t n, cap;
} basket;

static int by_time(const void *a, const void *b)
{
    const bought *x = a, *y = b;
    if (x->at != y->at)
        return (x->at > y->at) - (x->at < y->at);
    return (x->id > y->id) - (x->id < y->id);
}

static int collect(patron_db *db, basket *k, int64_t member, int64_t at)
{
    static const char sql[] = "SELECT id, at, amount FROM purchases WHERE member_id = ? AND at <= ? "
                              "AND (returned_at IS NULL OR returned_at > ?)";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "iii", member, at, at);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        if (patron__grow(&k->v, &k->cap, k->n + 1, sizeof *k->v)) {
            rc = patron__oom();
            break;
        }
        k->v[k->n++] = (bought){patron__sql_col_int(db, st, 0), member, patron__sql_col_int(db, st, 1),
                                patron__sql_col_int(db, st, 2)};
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

/* Category with the largest spend over the counted purchases' lines (ties:
 * the first in byte order); "" when no line names one. */
static int favourite(patron_db *db, int64_t kept, int64_t at, char *out, size_t cap)
{
    static const char sql[] = "SELECT l.category, sum(l.amount) FROM purchase_lines l JOIN purchases p "
                              "ON p.id = l.purchase_id WHERE l.member_id = ? AND p.at <= ? "
                              "AND (p.returned_at IS NULL OR p.returned_at > ?) AND l.category IS NOT NULL "
                              "GROUP BY l.category ORDER BY l.category";
    out[0] = '\0';
    int64_t best = -1;
    int rc = PATRON_OK;
    /* spend per category summed over the member group: members are few, so
     * a small table of (category, spend) merged across them */
    enum { MAXC = 256 };
    struct { char name[208]; int64_t spend; } *cats = patron__calloc(MAXC, sizeof *cats);
    if (!cats)
        return patron__oom();
    size_t nc = 0;
    for (int64_t m = kept; rc == PATRON_OK && m;) {
        patron__stmt *st;
        if ((rc = patron__sql_bind(db, &st, sql, "iii", m, at, at)))
            break;
        while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
            const char *c = patron__sql_col_text(db, st, 0);
            int64_t s = patron__sql_col_int(db, st, 1);
            size_t i = 0;
            while (i < nc && strcmp(cats[i].name, c))
                i++;
            if (i == nc && nc < MAXC) {
                snprintf(cats[nc].name, sizeof cats[nc].name, "%s", c);
                nc++;
            }
            if (i < nc)
                cats[i].spend += s;
        }
        patron__sql_done(db, st);
        if (rc < 0)
            break;
        rc = patron__member_group_next(db, kept, m, &m);
    }
    for (size_t i = 0; rc == PATRON_OK && i < nc; i++)
        if (cats[i].spend > best || (cats[i].spend == best && strcmp(cats[i].name, out) < 0)) {
            best = cats[i].spend;
            snprintf(out, cap, "%s", cats[i].name);
        }
    patron__free(cats);
    return rc;
}

static int recent_lines(patron_db *db, patron__sbuf *b, const bought *p)
{
    static const char sql[] = "SELECT category, product, quantity, amount FROM purchase_lines "
                              "WHERE member_id = ? AND purchase_id = ? ORDER BY line";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "ii", p->member, p->id);
    if (rc)
        return rc;
    patron__sb_puts(b, "[");
    int n = 0;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        patron__sb_puts(b, n++ ? ", {\"category\": " : "{\"category\": ");
        patron__sb_json_str(b, patron__sql_col_text(db, st, 0));
        patron__sb_puts(b, ", \"product\": ");
        patron__sb_json_str(b, patron__sql_col_text(db, st, 1));
        patron__sb_printf(b, ", \"quantity\": %" PRId64 ", \"amount\": %" PRId64 "}", patron__sql_col_int(db, st, 2),
                          patron__sql_col_int(db, st, 3));
    }
    patron__sql_done(db, st);
    patron__sb_puts(b, "]");
    return rc < 0 ? rc : PATRON_OK;
}

static int recent(patron_db *db, patron__sbuf *b, const basket *k)
{
    static const char sql[] = "SELECT key, channel, location FROM purchases WHERE id = ?";
    patron__sb_puts(b, ", \"recent\": [");
    int rc = PATRON_OK;
    for (size_t i = k->n, n = 0; i > 0 && n < RECENT && rc == PATRON_OK; i--, n++) {
        const bought *p = &k->v[i - 1];
        patron__stmt *st;
        if ((rc = patron__sql_bind(db, &st, sql, "i", p->id)))
            break;
        if ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
            patron__sb_puts(b, n ? ",\n    {\"key\": " : "\n    {\"key\": ");
            patron__sb_json_str(b, patron__sql_col_text(db, st, 0));
            patron__sb_printf(b, ", \"at\": %" PRId64 ", \"amount\": %" PRId64 ", \"channel\": ", p->at, p->amount);
            patron__sb_json_str(b, patron__sql_col_text(db, st, 1));
            patron__sb_puts(b, ", \"location\": ");
            patron__sb_json_str(b, patron__sql_col_text(db, st, 2));
            patron__sb_puts(b, ", \"lines\": ");
            rc = PATRON_OK;
        } else if (rc == PATRON__DONE) {
            rc = patron__fail(PATRON_ECORRUPT, "purchase %" PRId64 " vanished while reading the card", p->id);
        }
        patron__sql_done(db, st);
        if (rc == PATRON_OK && (rc = recent_lines(db, b, p)) == PATRON_OK)
            patron__sb_puts(b, "}");
    }
    patron__sb_puts(b, "]");
    return rc;
}

static void days_or_null(patron__sbuf *b, const char *name, int have, int64_t seconds, int64_t count)
{
    if (have)
        patron__sb_printf(b, ", \"%s\": %.17g", name, (double)seconds / 86400.0 / (double)count);
    else
        patron__sb_printf(b, ", \"%s\": null", name);
}

int patron__earn_card(patron_db *db, patron__sbuf *b, int64_t member, int64_t at)
{
    basket k = {0};
    int rc = PATRON_OK;
    for (int64_t m = member; rc == PATRON_OK && m;) {
        rc = collect(db, &k, m, at);
        if (rc == PATRON_OK)
            rc = patron__member_group_next(db, member, m, &m);
    }
    char fav[208] = "";
    if (rc == PATRON_OK)
        rc = favourite(db, member, at, fav, sizeof fav);
    if (rc) {
        patron__free(k.v);
        return rc;
    }
    if (k.n > 1)
        qsort(k.v, k.n, sizeof *k.v, by_time);
    int64_t spend = 0;
    for (size_t i = 0; i < k.n; i++)
        spend += k.v[i].amount;
    patron__sb_printf(b, ",\n  \"purchases\": {\"orders\": %zu, \"spend\": %" PRId64, k.n, spend);
    if (k.n)
        patron__sb_printf(b, ", \"first_at\": %" PRId64 ", \"last_at\": %" PRId64 ", \"avg_basket\": %.17g",
                          k.v[0].at, k.v[k.n - 1].at, (double)spend / (double)k.n);
    else
        patron__sb_puts(b, ", \"first_at\": null, \"last_at\": null, \"avg_basket\": null");
    days_or_null(b, "avg_days_between", k.n >= 2, k.n ? k.v[k.n - 1].at - k.v[0].at : 0, k.n >= 2 ? (int64_t)k.n - 1 : 1);
    days_or_null(b, "last_days_between", k.n >= 2, k.n >= 2 ? k.v[k.n - 1].at - k.v[k.n - 2].at : 0, 1);
    patron__sb_puts(b, ", \"favourite_category\": ");
    if (fav[0])
        patron__sb_json_str(b, fav);
    else
        patron__sb_puts(b, "null");
    rc = recent(db, b, &k);
    patron__sb_puts(b, "}");
    patron__free(k.v);
    return rc;
}

typedef struct first_buy {
    int64_t member, at, id;
    char *channel;
} first_buy;

int patron__earn_first_purchases(patron_db *db,
                                 int (*each)(void *ctx, int64_t member, int64_t at, const char *channel,
                                             const char *category),
                                 void *ctx)
{
    /* one ordered scan (the first row of each member is its first purchase),
     * closed before the lines are read: statements are never nested */
    static const char sql[] = "SELECT member_id, at, id, channel FROM purchases ORDER BY member_id, at, id";
    static const char line_sql[] = "SELECT category FROM purchase_lines WHERE member_id = ? AND purchase_id = ? "
                                   "ORDER BY amount DESC, line LIMIT 1";
    first_buy *v = NULL;
    size_t n = 0, cap = 0;
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "");
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        int64_t m = patron__sql_col_int(db, st, 0);
        if (n && v[n - 1].member == m)
            continue;
        if (n == cap) {
            size_t c2 = cap ? 2 * cap : 1024;
            first_buy *v2 = patron__reallocarray(v, c2, sizeof *v2);
            if (!v2) {
                rc = patron__oom();
                break;
            }
            v = v2;
            cap = c2;
        }
        const char *ch = patron__sql_col_text(db, st, 3);
        v[n] = (first_buy){m, patron__sql_col_int(db, st, 1), patron__sql_col_int(db, st, 2),
                           ch ? patron__strdup(ch) : NULL};
        if (ch && !v[n].channel) {
            rc = patron__oom();
            break;
        }
        n++;
    }
    patron__sql_done(db, st);
    for (size_t i = 0; i < n && rc == PATRON__DONE; i++) {
        char category[208] = "";
        int has_cat = 0;
        patron__stmt *ls;
        if ((rc = patron__sql_bind(db, &ls, line_sql, "ii", v[i].member, v[i].id)))
            break;
        if ((rc = patron__sql_step(db, ls)) == PATRON__ROW && patron__sql_col_text(db, ls, 0)) {
            snprintf(category, sizeof category, "%s", patron__sql_col_text(db, ls, 0));
            has_cat = 1;
        }
        patron__sql_done(db, ls);
        if (rc < 0)
            break;
        rc = each(ctx, v[i].member, v[i].at, v[i].channel, has_cat ? category : NULL);
        if (rc == PATRON_OK)
            rc = PATRON__DONE;
    }
    for (size_t i = 0; i < n; i++)
        patron__free(v[i].channel);
    patron__free(v);
    return rc == PATRON__DONE ? PATRON_OK : rc;
}
