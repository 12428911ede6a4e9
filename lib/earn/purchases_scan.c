/* patron__earn_purchases_each(): every purchase of a period in member then
 * time order (internal/earn.h), for the data mart's log and a campaign's
 * conversions.
 *
 * The purchases are read in one pass over the table in storage order and
 * put in order here, not by the database: ordered by its (member_id, at)
 * index, the database would look each row up in the table, at random where
 * purchases were recorded in time order across members, which at a million
 * members cost more than everything else in a frame. Member ids are dense,
 * so the order is a counting sort by member (linear) and a sort of each
 * member's few purchases by time and id. */
#include <stdlib.h>

#include "internal/alloc.h"
#include "internal/earn.h"
#include "internal/error.h"
#include "internal/store.h"

typedef struct scanned {
    int64_t member, at, id, amount, returned_at;
} scanned;

typedef struct scan {
    scanned *v;
    size_t n, cap;
} scan;

static int read_all(patron_db *db, scan *s, int64_t after, int64_t as_of, int with_returned)
{
    static const char sql[] = "SELECT member_id, at, id, amount, coalesce(returned_at, 0) FROM purchases "
                              "WHERE at > ? AND at <= ? AND (? <> 0 OR returned_at IS NULL OR returned_at > ?)";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "iiii", after, as_of, (int64_t)(with_returned != 0), as_of);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        if (patron__grow(&s->v, &s->cap, s->n + 1, sizeof *s->v)) {
            rc = patron__oom();
            break;
        }
        scanned *r = &s->v[s->n++];
        r->member = patron__sql_col_int(db, st, 0);
        r->at = patron__sql_col_int(db, st, 1);
        r->id = patron__sql_col_int(db, st, 2);
        r->amount = patron__sql_col_int(db, st, 3);
        r->returned_at = patron__sql_col_int(db, st, 4);
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

static int before(const scanned *x, const scanned *y)
{
    if (x->member != y->member)
        return x->member < y->member;
    if (x->at != y->at)
        return x->at < y->at;
    return x->id < y->id;
}

/* Sort order[0..n) by the rows' (member, at, id), stable, with tmp[0..n)
 * as room: insertion for short runs, merging above. */
static void sort_run(const scanned *v, size_t *order, size_t n, size_t *tmp)
{
    if (n <= 32) {
        for (size_t i = 1; i < n; i++) {
            size_t x = order[i], j = i;
            for (; j > 0 && before(&v[x], &v[order[j - 1]]); j--)
                order[j] = order[j - 1];
            order[j] = x;
        }
        return;
    }
    size_t h = n / 2;
    sort_run(v, order, h, tmp);
    sort_run(v, order + h, n - h, tmp);
    size_t a = 0, b = h, k = 0;
    while (a < h && b < n)
        tmp[k++] = before(&v[order[b]], &v[order[a]]) ? order[b++] : order[a++];
    while (a < h)
        tmp[k++] = order[a++];
    while (b < n)
        tmp[k++] = order[b++];
    for (size_t i = 0; i < n; i++)
        order[i] = tmp[i];
}

/* order[0..n): the rows' positions in (member, at, id) order. */
static int put_in_order(const scan *s, size_t *order)
{
    size_t n = s->n;
    int64_t lo = n ? s->v[0].member : 0, hi = lo;
    int sorted = 1;
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
        lo = s->v[i].member < lo ? s->v[i].member : lo;
        hi = s->v[i].member > hi ? s->v[i].member : hi;
        sorted &= i == 0 || before(&s->v[i - 1], &s->v[i]);
    }
    if (sorted)
        return PATRON_OK;
    size_t *tmp = patron__malloc(n * sizeof *tmp);
    if (!tmp)
        return patron__oom();
    /* member ids are dense: count by member (stable), then each member's few
     * purchases by time and id; ids too sparse to count: sort it all */
    uint64_t range = (uint64_t)hi - (uint64_t)lo + 1;
    size_t *start = range <= 2 * (uint64_t)n + 1024 ? patron__calloc((size_t)range + 1, sizeof *start) : NULL;
    if (!start) {
        sort_run(s->v, order, n, tmp);
        patron__free(tmp);
        return PATRON_OK;
    }
    for (size_t i = 0; i < n; i++)
        start[s->v[i].member - lo + 1]++;
    for (uint64_t m = 0; m < range; m++)
        start[m + 1] += start[m];
    for (size_t i = 0; i < n; i++)
        order[start[s->v[i].member - lo]++] = i;
    patron__free(start);
    for (size_t a = 0, b; a < n; a = b) {
        for (b = a + 1; b < n && s->v[order[b]].member == s->v[order[a]].member; b++)
            ;
        sort_run(s->v, order + a, b - a, tmp);
    }
    patron__free(tmp);
    return PATRON_OK;
}

int patron__earn_purchases_each(patron_db *db, int64_t after, int64_t as_of, int with_returned,
                                int (*each)(void *ctx, const patron__purchase_row *row), void *ctx)
{
    scan s = {0};
    size_t *order = NULL;
    int rc = read_all(db, &s, after, as_of, with_returned);
    if (rc == PATRON_OK && !(order = patron__malloc((s.n ? s.n : 1) * sizeof *order)))
        rc = patron__oom();
    if (rc == PATRON_OK)
        rc = put_in_order(&s, order);
    for (size_t i = 0; rc == PATRON_OK && i < s.n; i++) {
        const scanned *r = &s.v[order[i]];
        patron__purchase_row row = {r->member, r->at, r->amount, r->returned_at > as_of ? 0 : r->returned_at};
        rc = each(ctx, &row);
    }
    patron__free(order);
    patron__free(s.v);
    return rc;
}
