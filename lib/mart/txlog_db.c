/* patron_txlog_from_db(): the earning module's purchase records as a
 * transaction log (patron/mart.h). The earning module walks its purchases,
 * the member core lists who was merged or erased; this file only joins the
 * two, so neither module's tables are read here. */
#include <inttypes.h>

#include "internal/alloc.h"
#include "internal/civil.h"
#include "internal/earn.h"
#include "internal/error.h"
#include "internal/member.h"
#include "internal/options.h"
#include "internal/store.h"
#include "mart_int.h"
#include "patron/mart.h"

int patron__mart_begin(patron_db *db, const char *func, const void *out, const void *opts, int64_t as_of,
                       const char *what)
{
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!out || !opts)
        return patron__fail(PATRON_EINVAL, "%s: %s is NULL", func, out ? "opts" : "out");
    if (!as_of)
        return patron__fail(PATRON_EINVAL, "%s: as_of is required (the moment %s describes, UTC seconds)", func, what);
    return patron__time_check(func, "as_of", as_of);
}

/* Members whose purchases are not their own: merged (-> kept) or erased
 * (-> 0, left out). Sorted by id: the member core lists them in id order. */
typedef struct remap {
    int64_t *id, *to;
    size_t n, cap;
} remap;

static int remap_add(void *ctx, int64_t id, int64_t merged_into, int erased)
{
    remap *m = ctx;
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 256;
        int64_t *id2 = patron__realloc(m->id, cap * sizeof *id2);
        if (!id2)
            return patron__oom();
        m->id = id2;
        int64_t *to2 = patron__realloc(m->to, cap * sizeof *to2);
        if (!to2)
            return patron__oom();
        m->to = to2;
        m->cap = cap;
    }
    m->id[m->n] = id;
    m->to[m->n] = erased ? 0 : merged_into ? merged_into : id;
    m->n++;
    return PATRON_OK;
}

/* The member a purchase of `id` counts for; 0 = left out. */
static int64_t remap_find(const remap *m, int64_t id)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->id[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->n && m->id[lo] == id ? m->to[lo] : id;
}

/* The purchases read, as parallel arrays for patron_txlog_add_batch(). */
typedef struct rows {
    int64_t *member, *at, *amount;
    size_t n, cap;
} rows;

static int rows_add(void *ctx, const patron__purchase_row *p)
{
    rows *r = ctx;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 4096;
        int64_t **cols[] = {&r->member, &r->at, &r->amount};
        for (size_t c = 0; c < 3; c++) {
            int64_t *grown = patron__reallocarray(*cols[c], cap, sizeof **cols[c]);
            if (!grown)
                return patron__oom();
            *cols[c] = grown;
        }
        r->cap = cap;
    }
    r->member[r->n] = p->member_id;
    r->at[r->n] = p->at;
    r->amount[r->n] = p->amount;
    r->n++;
    return PATRON_OK;
}

/* Each purchase under the member it counts for; rows of erased members are
 * dropped (kept under their own id with `with_erased`). */
static size_t rows_remap(rows *r, const remap *m, int with_erased)
{
    size_t kept = 0;
    for (size_t i = 0; i < r->n; i++) {
        int64_t who = remap_find(m, r->member[i]);
        if (who && who != r->member[i] && !remap_find(m, who))
            who = 0; /* merged into a member erased since */
        if (!who && !with_erased)
            continue;
        r->member[kept] = who ? who : r->member[i];
        r->at[kept] = r->at[i];
        r->amount[kept] = r->amount[i];
        kept++;
    }
    return kept;
}

int patron_txlog_from_db(patron_db *db, patron_txlog **out, const patron_store_log_options *opts)
{
    static const char func[] = "patron_txlog_from_db";
    patron_store_log_options o = PATRON_STORE_LOG_OPTIONS_INIT;
    int rc = opts ? patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_store_log_options") : PATRON_OK;
    if (rc || (rc = patron__mart_begin(db, func, out, opts, o.as_of, "the log")))
        return rc;
    if (o.after && (rc = patron__time_check(func, "after", o.after)))
        return rc;
    if (o.after >= o.as_of)
        return patron__fail(PATRON_EINVAL, "%s: after %" PRId64 " is not before as_of %" PRId64, func, o.after, o.as_of);
    patron_txlog_options lo = PATRON_TXLOG_OPTIONS_INIT;
    lo.decimals = o.decimals;
    patron_txlog *log = NULL;
    if ((rc = patron_txlog_new(&log, &lo)))
        return patron__fail_prefix(rc, "%s: decimals %d: ", func, (int)o.decimals);
    /* Purchases first, then who was merged or erased: a merge committed in
     * between is then applied to every purchase read (two statements, no
     * transaction, so writers are never held up by a long read). */
    rows r = {0};
    remap m = {0};
    rc = patron__earn_purchases_each(db, o.after ? o.after : PATRON_STORE_TIME_MIN - 1, o.as_of, o.with_returned,
                                     rows_add, &r);
    if (rc == PATRON_OK)
        rc = patron__member_each_changed(db, remap_add, &m);
    if (rc == PATRON_OK) {
        size_t n = rows_remap(&r, &m, o.with_erased != 0);
        rc = patron_txlog_add_batch(log, r.member, r.at, r.amount, n);
        if (rc)
            rc = patron__fail_prefix(rc, "%s: ", func);
    }
    patron__free(r.member);
    patron__free(r.at);
    patron__free(r.amount);
    patron__free(m.id);
    patron__free(m.to);
    if (rc) {
        patron_txlog_free(log);
        return rc;
    }
    *out = log;
    return PATRON_OK;
}
