/* Balances at any moment and statements of postings (model in ledger_int.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/ids.h"
#include "internal/ledger.h"
#include "internal/member.h"
#include "internal/program.h"
#include "ledger_int.h"

int patron__ledger_posted(patron_db *db, int64_t member, int64_t at, int64_t *posted, int64_t *pending)
{
    static const char sql[] =
        PATRON__CHAIN1
        "SELECT coalesce(sum(CASE WHEN p.effective_at <= ?2 THEN p.points END), 0), "
        "coalesce(sum(CASE WHEN p.effective_at > ?2 AND p.at <= ?2 THEN p.points END), 0) "
        "FROM chain c JOIN postings p ON p.id = c.id AND p.member_id = ?1";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "ii", member, at);
    if (rc)
        return rc;
    *posted = *pending = 0;
    rc = patron__sql_step(db, st);
    if (rc == PATRON__ROW) {
        *posted = patron__sql_col_int(db, st, 0);
        *pending = patron__sql_col_int(db, st, 1);
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

/* The balance of account `a` at `at`: its cached total when nothing is
 * pending or expired by then, else from its postings. */
static int account_balance(patron_db *db, const account *a, patron_balance *b, int64_t at)
{
    if (at >= a->pending_until && at < a->next_expiry) {
        b->available = a->total;
        b->pending = 0;
        b->expired_unposted = 0;
        return PATRON_OK;
    }
    int64_t posted = 0, pending = 0, expired = 0;
    int rc = patron__ledger_posted(db, a->member, at, &posted, &pending);
    if (rc)
        return rc;
    /* points past expiry whose expire posting is not written yet */
    if (a->next_expiry <= at) {
        lot_list l = {0};
        rc = patron__lots_open(db, a, &l);
        for (size_t i = 0; i < l.n; i++)
            if (l.v[i].expires_at <= at && l.v[i].expires_at < PATRON_NEVER)
                expired += l.v[i].remaining;
        patron__lots_free(&l);
        if (rc)
            return rc;
    }
    b->available = posted - expired;
    b->pending = pending;
    b->expired_unposted = expired;
    return PATRON_OK;
}

int patron_ledger_balance(patron_db *db, patron_balance *balance, int64_t member_id, int64_t at)
{
    int rc = patron__db_check(db, "patron_ledger_balance");
    if (rc)
        return rc;
    if (!balance)
        return patron__fail(PATRON_EINVAL, "patron_ledger_balance: balance is NULL");
    /* an active member's account is one indexed read; a merged id resolves */
    account a;
    patron_balance b;
    if ((rc = patron__account_open(db, &a, member_id, 0)) || (rc = account_balance(db, &a, &b, at)))
        return rc;
    *balance = b;
    return PATRON_OK;
}

int patron__ledger_available(patron_db *db, int64_t member, int64_t at, int64_t *available)
{
    account a;
    patron_balance b;
    int rc = patron__account_open(db, &a, member, 0);
    if (rc == PATRON_OK)
        rc = account_balance(db, &a, &b, at);
    if (rc == PATRON_OK)
        *available = b.available;
    return rc;
}

typedef struct bulk_balances {
    int64_t *id;    /* the distinct members asked for, sorted */
    size_t n;
    patron_balance *b;
    unsigned char *done;
    account *slow;  /* accounts to read from their postings after the scan */
    size_t nslow, capslow;
} bulk_balances;

/* The scan: each asked-for active account answered from its cached total
 * when nothing is pending or expired at `at`, else kept for after the scan
 * (no statement runs while the scan's is open). */
static int bulk_scan(patron_db *db, bulk_balances *k, int64_t at)
{
    patron__stmt *st;
    int64_t lo, hi;
    patron__program_range(db, &lo, &hi); /* the current program's accounts */
    int rc = patron__sql_bind(db, &st,
                              "SELECT member_id, merged, total, pending_until, next_expiry, head, lots_indexed, debt "
                              "FROM accounts WHERE member_id BETWEEN ? AND ? ORDER BY member_id",
                              "ii", lo, hi);
    if (rc)
        return rc;
    size_t hint = 0;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        int64_t id = patron__sql_col_int(db, st, 0);
        size_t i = patron__id_seek(k->id, k->n, id, &hint);
        if (i == k->n || k->id[i] != id || patron__sql_col_int(db, st, 1) != 0)
            continue;
        account a;
        memset(&a, 0, sizeof a);
        patron__account_from_row(db, st, 1, id, &a);
        if (at >= a.pending_until && at < a.next_expiry) {
            k->b[i] = (patron_balance){.available = a.total};
            k->done[i] = 1;
            continue;
        }
        if (patron__grow(&k->slow, &k->capslow, k->nslow + 1, sizeof *k->slow)) {
            rc = patron__oom();
            break;
        }
        k->slow[k->nslow++] = a;
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

int patron__ledger_balances_bulk(patron_db *db, int64_t at, const int64_t *member, size_t n, int64_t *available,
                                 int64_t *pending)
{
    bulk_balances k = {0};
    int rc = PATRON_OK;
    k.id = patron__malloc((n ? n : 1) * sizeof *k.id);
    if (!k.id)
        return patron__oom();
    /* the current program's account ids (the member ids in the default
     * program; a constant added to each otherwise, which keeps their order) */
    int64_t base = patron__program_base(patron__program_id(db));
    for (size_t r = 0; r < n; r++)
        if (member[r])
            k.id[k.n++] = base + member[r];
    qsort(k.id, k.n, sizeof *k.id, patron__id_cmp);
    size_t u = 0;
    for (size_t i = 0; i < k.n; i++)
        if (!u || k.id[u - 1] != k.id[i])
            k.id[u++] = k.id[i];
    k.n = u;
    k.b = patron__calloc(u ? u : 1, sizeof *k.b);
    k.done = patron__calloc(u ? u : 1, 1);
    if (!k.b || !k.done)
        rc = patron__oom();
    if (rc == PATRON_OK)
        rc = bulk_scan(db, &k, at);
    for (size_t s = 0; rc == PATRON_OK && s < k.nslow; s++) {
        size_t i = patron__id_lower_bound(k.id, k.n, k.slow[s].member);
        if ((rc = account_balance(db, &k.slow[s], &k.b[i], at)) == PATRON_OK)
            k.done[i] = 1;
    }
    /* anything the scan did not answer (no active account of its own) as a
     * single balance answers it, errors included */
    for (size_t i = 0; rc == PATRON_OK && i < k.n; i++)
        if (!k.done[i]) {
            rc = patron_ledger_balance(db, &k.b[i], patron__account_member(k.id[i]), at);
            if (rc == PATRON_ENOTFOUND && base) { /* not in this program: no points in it */
                patron_errclear();
                k.b[i] = (patron_balance){0, 0, 0};
                rc = PATRON_OK;
            }
        }
    size_t hint = 0;
    for (size_t r = 0; rc == PATRON_OK && r < n; r++) {
        if (!member[r])
            continue;
        size_t i = patron__id_seek(k.id, k.n, base + member[r], &hint);
        available[r] = k.b[i].available;
        pending[r] = k.b[i].pending;
    }
    patron__free(k.id);
    patron__free(k.b);
    patron__free(k.done);
    patron__free(k.slow);
    return rc;
}

struct patron_statement {
    size_t n;
    patron_posting *v;
    int64_t opening, closing;
};

size_t patron_statement_count(const patron_statement *s)
{
    return s ? s->n : 0;
}

const patron_posting *patron_statement_get(const patron_statement *s, size_t i)
{
    return s && i < s->n ? &s->v[i] : NULL;
}

int64_t patron_statement_opening(const patron_statement *s)
{
    return s ? s->opening : 0;
}

int64_t patron_statement_closing(const patron_statement *s)
{
    return s ? s->closing : 0;
}

void patron_statement_free(patron_statement *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        patron__free((char *)s->v[i].key);
        patron__free((char *)s->v[i].rule);
        patron__free((char *)s->v[i].reason);
        patron__free((char *)s->v[i].operator_name);
        patron__free((char *)s->v[i].ref);
    }
    patron__free(s->v);
    patron__free(s);
}

static int dup_col(patron_db *db, patron__stmt *st, int col, const char **out)
{
    const char *t = patron__sql_col_text(db, st, col);
    *out = NULL;
    if (!t)
        return PATRON_OK;
    char *d = patron__strdup(t);
    if (!d)
        return patron__oom();
    *out = d;
    return PATRON_OK;
}

/* Append member `member`'s postings with at in [from, to) to `s`. */
static int statement_rows(patron_db *db, patron_statement *s, size_t *cap, const char *sql, int64_t member,
                          int64_t from, int64_t to)
{
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "iii", member, from, to);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        if (patron__grow(&s->v, cap, s->n + 1, sizeof *s->v)) {
            rc = patron__oom();
            break;
        }
        patron_posting *p = &s->v[s->n];
        memset(p, 0, sizeof *p);
        s->n++;
        p->id = patron__sql_col_int(db, st, 0);
        p->member_id = patron__account_member(patron__sql_col_int(db, st, 1)); /* the member, not its account id */
        p->kind = (int)patron__sql_col_int(db, st, 2);
        p->points = patron__sql_col_int(db, st, 3);
        p->at = patron__sql_col_int(db, st, 4);
        p->effective_at = patron__sql_col_int(db, st, 5);
        p->target = patron__sql_col_int(db, st, 6);
        p->spend = patron__sql_col_int(db, st, 7);
        p->rule_version = patron__sql_col_int(db, st, 8);
        if ((rc = dup_col(db, st, 9, &p->key)) || (rc = dup_col(db, st, 10, &p->rule)) ||
            (rc = dup_col(db, st, 11, &p->reason)) || (rc = dup_col(db, st, 12, &p->operator_name)) ||
            (rc = dup_col(db, st, 13, &p->ref)))
            break;
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

static int posting_id_cmp(const void *x, const void *y)
{
    const patron_posting *a = x, *b = y;
    return (a->id > b->id) - (a->id < b->id);
}

int patron_ledger_statement(patron_db *db, patron_statement **out, int64_t member_id, int64_t from, int64_t to)
{
    static const char one[] =
        PATRON__CHAIN1
        "SELECT p.id, p.member_id, p.kind, p.points, p.at, p.effective_at, coalesce(p.target, 0), coalesce(p.spend, 0), "
        "coalesce(p.rule_version, 0), p.key, p.rule, p.reason, p.operator, p.ref FROM chain c "
        "JOIN postings p ON p.id = c.id AND p.member_id = ?1 WHERE p.at >= ?2 AND p.at < ?3 ORDER BY p.id";
    int rc = patron__db_check(db, "patron_ledger_statement");
    if (rc)
        return rc;
    if (!out || from > to)
        return patron__fail(PATRON_EINVAL, "patron_ledger_statement: out NULL or from > to");
    account a;
    if ((rc = patron__account_open(db, &a, member_id, 0)))
        return rc;
    patron_statement *s = patron__calloc(1, sizeof *s);
    if (!s)
        return patron__oom();
    patron_balance b = {0, 0, 0};
    rc = account_balance(db, &a, &b, from > INT64_MIN ? from - 1 : from);
    s->opening = b.available;
    if (rc == PATRON_OK)
        rc = account_balance(db, &a, &b, to > INT64_MIN ? to - 1 : to);
    s->closing = b.available;
    /* the member's account, then each merged into it: one member's rows
     * per statement (one shard on Citus), merged in id order below */
    int64_t *merged = NULL;
    size_t nmerged = 0, cap = 0;
    if (rc == PATRON_OK)
        rc = patron__ledger_merged_accounts(db, a.member, &merged, &nmerged);
    for (size_t acct = 0; acct <= nmerged && rc == PATRON_OK; acct++)
        rc = statement_rows(db, s, &cap, one, acct ? merged[acct - 1] : a.member, from, to);
    patron__free(merged);
    if (rc) {
        patron_statement_free(s);
        return rc;
    }
    if (nmerged)
        qsort(s->v, s->n, sizeof *s->v, posting_id_cmp);
    *out = s;
    return PATRON_OK;
}
