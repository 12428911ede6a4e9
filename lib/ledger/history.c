/* A member's balance over time, for debits dated before some of the
 * member's postings (model in ledger_int.h). A back-dated debit lowers the
 * balance from its time on, so it is allowed only if the lowest balance
 * from then on stays within the overdraft limit; the lowest point may lie
 * after later postings or at a later lot's expiry. */
#include <stdlib.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "ledger_int.h"

typedef struct event {
    int64_t at, points;
} event;

static int event_cmp(const void *pa, const void *pb)
{
    const event *a = pa, *b = pb;
    return (a->at > b->at) - (a->at < b->at);
}

static int event_push(event **v, size_t *n, size_t *cap, int64_t at, int64_t points)
{
    if (patron__grow(v, cap, *n + 1, sizeof **v))
        return patron__oom();
    (*v)[(*n)++] = (event){at, points};
    return PATRON_OK;
}

int patron__ledger_low(patron_db *db, const account *a, const lot_list *l, int64_t from, int64_t points,
                       int64_t *low, int64_t *low_at, int64_t *before)
{
    /* the chain from the in-memory head: it includes what this transaction
     * appended (the account row is stored later) */
    static const char sql[] =
        "WITH RECURSIVE c(id) AS (SELECT id FROM postings WHERE id = ?1 AND member_id = ?2 "
        "UNION ALL SELECT p.prev FROM postings p JOIN c ON p.id = c.id WHERE p.member_id = ?2 AND p.prev > 0) "
        "SELECT p.effective_at, p.points FROM c JOIN postings p ON p.id = c.id AND p.member_id = ?2";
    event *v = NULL;
    size_t n = 0, cap = 0;
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "ii", a->head, a->member);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW)
        if ((rc = event_push(&v, &n, &cap, patron__sql_col_int(db, st, 0), patron__sql_col_int(db, st, 1))))
            break;
    patron__sql_done(db, st);
    rc = rc < 0 ? rc : PATRON_OK;
    /* points left in lots leave `available` at their expiry (posted or not) */
    for (size_t i = 0; i < l->n && rc == PATRON_OK; i++)
        if (l->v[i].remaining > 0 && l->v[i].expires_at < PATRON_NEVER)
            rc = event_push(&v, &n, &cap, l->v[i].expires_at, -l->v[i].remaining);
    if (rc == PATRON_OK)
        rc = event_push(&v, &n, &cap, from, -points);
    if (rc) {
        patron__free(v);
        return rc;
    }
    qsort(v, n, sizeof *v, event_cmp);
    int64_t bal = 0, lo = INT64_MAX, lo_at = from;
    for (size_t i = 0; i < n;) {
        int64_t t = v[i].at;
        for (; i < n && v[i].at == t; i++)
            if (__builtin_add_overflow(bal, v[i].points, &bal)) {
                patron__free(v);
                return patron__fail(PATRON_ERANGE, "member %lld: the balance would overflow", (long long)a->member);
            }
        if (t == from)
            *before = bal + points;
        if (t >= from && bal < lo) {
            lo = bal;
            lo_at = t;
        }
    }
    patron__free(v);
    *low = lo;
    *low_at = lo_at;
    return PATRON_OK;
}
