/* patron_purchases_import_csv() (patron/mart.h): a file of purchase lines — consecutive rows with
 * the same key are the lines of one purchase — recorded and scored all or
 * nothing, with the line and field of the first bad row. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/store.h"
#include "patron/earn.h"
#include "patron/mart.h"
#include "patron/profile.h"
#include "summary/csvcols.h"

enum { C_MEMBER, C_AT, C_KEY, C_AMOUNT, C_CATEGORY, C_PRODUCT, C_QUANTITY, C_CHANNEL, C_LOCATION, C_RETURNED_AT, C_N };
static const char *const col_names[C_N] = {"member",   "at",       "key",     "amount",   "category",
                                           "product",  "quantity", "channel", "location", "returned_at"};
#define MAX_LINES 1000

/* The purchase being gathered: its first row's fields and every row's line. */
typedef struct order {
    char key[256], member_text[256], channel[128], location[256];
    int64_t member, at, returned_at; /* returned_at 0: not returned */
    uint64_t first_line;
    size_t n;
    patron_purchase_line line[MAX_LINES];
    int64_t quantity[MAX_LINES];
    char *text[2 * MAX_LINES]; /* owned category and product strings */
} order;

static void order_clear(order *o)
{
    for (size_t i = 0; i < 2 * o->n; i++)
        patron__free(o->text[i]);
    o->n = 0;
    o->key[0] = '\0';
}

static int parse_int(const char *field, const char *v, int64_t *out)
{
    char *end;
    long long x = strtoll(v, &end, 10);
    if (*end || end == v)
        return patron__fail(PATRON_EINVAL, "%s '%s' is not an integer%s", field, v,
                            strcmp(field, "amount") ? "" : " (minor units)");
    *out = x;
    return PATRON_OK;
}

static int parse_time(const char *field, const char *v, int64_t *out)
{
    if (patron_time_parse(out, v, strlen(v), PATRON_TIME_AUTO) != PATRON_OK)
        return patron__fail(PATRON_EINVAL, "%s '%s' is not a time (epoch seconds or ISO-8601)", field, v);
    return PATRON_OK;
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* A row that continues the order must repeat its purchase fields. */
static int same_order(const order *o, const char *const *v, int64_t at, int64_t returned_at)
{
    const char *what = strcmp(or_empty(v[C_MEMBER]), o->member_text) ? "member"
                       : at != o->at                                 ? "at"
                       : strcmp(or_empty(v[C_CHANNEL]), o->channel)  ? "channel"
                       : strcmp(or_empty(v[C_LOCATION]), o->location) ? "location"
                       : returned_at != o->returned_at              ? "returned_at"
                                                                     : NULL;
    if (what)
        return patron__fail(PATRON_EINVAL, "key '%s': %s differs from line %" PRIu64 " (the rows of one purchase "
                                           "repeat its member, at, channel, location and returned_at)",
                            o->key, what, o->first_line);
    return PATRON_OK;
}

static int record_order(patron_db *db, order *o, int64_t *recorded)
{
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = o->key;
    p.member_id = o->member;
    p.at = o->at;
    p.lines = o->line;
    p.n_lines = o->n;
    p.quantities = o->quantity;
    p.channel = o->channel[0] ? o->channel : NULL;
    p.location = o->location[0] ? o->location : NULL;
    patron_earn_result res;
    int rc = patron_earn_purchase(db, &res, &p);
    if (rc == PATRON_OK && o->returned_at)
        rc = patron_earn_return(db, o->key, o->returned_at);
    if (rc)
        return rc;
    *recorded += !res.replayed;
    return PATRON_OK;
}

static char *dup_or_null(const char *s, int *oom)
{
    if (!s)
        return NULL;
    char *d = patron__strdup(s);
    *oom |= !d;
    return d;
}

/* One row: a new order (the previous one recorded first) or a line of the
 * current one. *blame receives the line a failure is about: this row's, or
 * the first row of the order that failed to record. */
static int one_row(patron_db *db, const pt_csv *c, const int *col, order *o, int64_t *recorded, uint64_t *blame)
{
    char b[C_N][1024];
    *blame = c->rec_line;
    const char *v[C_N];
    for (int k = 0; k < C_N; k++)
        v[k] = pt_csv_field(c, col, k, b[k], sizeof b[k]);
    int rc;
    int64_t at = 0, returned_at = 0, amount = 0, quantity = 1;
    if (!v[C_KEY])
        return patron__fail(PATRON_EINVAL, "key is empty");
    if (!v[C_AT] || (rc = parse_time("at", v[C_AT], &at)))
        return v[C_AT] ? rc : patron__fail(PATRON_EINVAL, "at is empty");
    if (!v[C_AMOUNT] || (rc = parse_int("amount", v[C_AMOUNT], &amount)))
        return v[C_AMOUNT] ? rc : patron__fail(PATRON_EINVAL, "amount is empty");
    if ((v[C_QUANTITY] && (rc = parse_int("quantity", v[C_QUANTITY], &quantity))) ||
        (v[C_RETURNED_AT] && (rc = parse_time("returned_at", v[C_RETURNED_AT], &returned_at))))
        return rc;
    if (o->n && !strcmp(o->key, v[C_KEY])) {
        if ((rc = same_order(o, v, at, returned_at)))
            return rc;
        if (o->n == MAX_LINES)
            return patron__fail(PATRON_EINVAL, "key '%s' has more than %d lines", o->key, MAX_LINES);
    } else {
        if (o->n && (rc = record_order(db, o, recorded))) {
            *blame = o->first_line;
            return rc;
        }
        order_clear(o);
        if (!v[C_MEMBER])
            return patron__fail(PATRON_EINVAL, "member is empty");
        if ((rc = patron_profile_find(db, &o->member, v[C_MEMBER])))
            return patron__fail_prefix(rc, "member: ");
        snprintf(o->key, sizeof o->key, "%s", v[C_KEY]);
        snprintf(o->member_text, sizeof o->member_text, "%s", v[C_MEMBER]);
        snprintf(o->channel, sizeof o->channel, "%s", or_empty(v[C_CHANNEL]));
        snprintf(o->location, sizeof o->location, "%s", or_empty(v[C_LOCATION]));
        o->at = at;
        o->returned_at = returned_at;
        o->first_line = c->rec_line;
    }
    int oom = 0;
    size_t i = o->n;
    o->text[2 * i] = dup_or_null(v[C_CATEGORY], &oom);
    o->text[2 * i + 1] = dup_or_null(v[C_PRODUCT], &oom);
    o->line[i] = (patron_purchase_line){o->text[2 * i], o->text[2 * i + 1], amount};
    o->quantity[i] = quantity;
    o->n++;
    return oom ? patron__oom() : PATRON_OK;
}

int patron_purchases_import_csv(patron_db *db, int64_t *recorded, const char *path)
{
    static const char func[] = "patron_purchases_import_csv";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!path)
        return patron__fail(PATRON_EINVAL, "%s: path is NULL", func);
    order *o = patron__calloc(1, sizeof *o);
    if (!o)
        return patron__oom();
    pt_csv c;
    if ((rc = pt_csv_open_file(&c, path, ','))) {
        patron__free(o);
        return patron__fail_prefix(rc, "%s: %s: ", func, path);
    }
    int col[C_N];
    int64_t n = 0;
    rc = pt_csv_read_header(&c, func, path, col_names, C_N, 4, "member, at, key and amount", col);
    if (rc == PATRON_OK && (rc = patron__tx_begin(db)) == PATRON_OK) {
        uint64_t blame = 0;
        while ((rc = pt_csv_next(&c)) > 0)
            if ((rc = one_row(db, &c, col, o, &n, &blame))) {
                rc = patron__fail_prefix(rc, "line %" PRIu64 ": ", blame);
                break;
            }
        if (rc == PATRON_OK && o->n && (rc = record_order(db, o, &n)))
            rc = patron__fail_prefix(rc, "line %" PRIu64 ": ", o->first_line);
        rc = patron__tx_end(db, rc);
    }
    order_clear(o);
    patron__free(o);
    pt_csv_close(&c);
    if (rc == PATRON_OK && recorded)
        *recorded = n;
    return rc < 0 ? patron__fail_prefix(rc, "%s: %s: ", func, path) : rc;
}
