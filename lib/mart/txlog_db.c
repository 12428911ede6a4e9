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
static size_t rows_remap(rows *r, const patron__member_remap *m, int with_erased)
{
    size_t kept = 0;
    for (size_t i = 0; i < r->n; i++) {
        int64_t who = patron__member_remap_find(m, r->member[i]);
        if (who && who != r->member[i] && !patron__member_remap_find(m, who))
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
    patron__member_remap m = {0};
    rc = patron__earn_purchases_each(db, o.after ? o.after : PATRON_STORE_TIME_MIN - 1, o.as_of, o.with_returned,
                                     rows_add, &r);
    if (rc == PATRON_OK)
        rc = patron__member_remap_load(db, &m);
    if (rc == PATRON_OK) {
        size_t n = rows_remap(&r, &m, o.with_erased != 0);
        rc = patron_txlog_add_batch(log, r.member, r.at, r.amount, n);
        if (rc)
            rc = patron__fail_prefix(rc, "%s: ", func);
    }
    patron__free(r.member);
    patron__free(r.at);
    patron__free(r.amount);
    patron__member_remap_free(&m);
    if (rc) {
        patron_txlog_free(log);
        return rc;
    }
    *out = log;
    return PATRON_OK;
}

/* The log of `lo` summarised as of its as_of; with `func` set, an empty log
 * is EINVAL "<func>: no purchase recorded by as_of". */
static int summary_of(patron_db *db, const char *func, const patron_store_log_options *lo, patron_frame **frame,
                      patron_txlog **log)
{
    patron_txlog *l = NULL;
    int rc = patron_txlog_from_db(db, &l, lo);
    if (rc)
        return rc;
    if (func && patron_txlog_count(l) == 0)
        rc = patron__fail(PATRON_EINVAL, "%s: no purchase recorded by as_of %" PRId64, func, lo->as_of);
    patron_summary_options so = PATRON_SUMMARY_OPTIONS_INIT;
    so.observation_end = lo->as_of;
    if (rc == PATRON_OK)
        rc = patron_summarize(frame, l, &so);
    if (rc == PATRON_OK && log)
        *log = l;
    else
        patron_txlog_free(l);
    return rc;
}

int patron__mart_summary(patron_db *db, const char *func, int64_t as_of, int32_t decimals, patron_frame **frame,
                         patron_txlog **log)
{
    patron_store_log_options lo = PATRON_STORE_LOG_OPTIONS_INIT;
    lo.as_of = as_of;
    lo.decimals = decimals;
    return summary_of(db, func, &lo, frame, log);
}

int patron_summary_from_db(patron_db *db, patron_frame **out, const patron_store_log_options *opts)
{
    if (!out)
        return patron__fail(PATRON_EINVAL, "patron_summary_from_db: out is NULL");
    if (!opts)
        return patron__fail(PATRON_EINVAL, "patron_summary_from_db: opts is NULL (as_of is required)");
    return summary_of(db, NULL, opts, out, NULL);
}
