/* patron_ledger_earn_many: many earns in one transaction, all or nothing.
 *
 * Two ways to write them, with the same postings, balances and results:
 * - one by one: patron_ledger_earn's own path for each request, inside one
 *   transaction (no savepoint per request: a failure undoes the call);
 * - in bulk, outside a caller's batch: where the backend has array
 *   parameters and data-modifying WITH (PostgreSQL), the members locked in
 *   one statement, their accounts read in one, the posting ids reserved in
 *   one, the key rows and the postings copied in bulk (COPY) and the
 *   accounts updated in one statement sent with the COMMIT;
 *   elsewhere (SQLite, where a key is unique in postings itself) the
 *   postings ROWS to a multi-row INSERT. Taken only for the plain case
 *   (every member active with its own account and no overdraft debt,
 *   times a new posting can have, the events outbox off: its events are
 *   written per posting); a key
 *   already used, or repeated in the array, makes the write fail as a
 *   whole, and the call then runs one by one (which replays it). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/events.h"
#include "internal/ids.h"
#include "internal/sbuf.h"
#include "internal/store.h"
#include "internal/program.h"
#include "ledger_int.h"

#define EARN_MANY_MAX 100000
#define ONE_BY_ONE 1 /* bulk(): this call needs the one-by-one path */

static int one_by_one(patron_db *db, patron_posting_result *res, const patron_posting_request *r, size_t n,
                      const int64_t *members)
{
    patron__tx_scope_members(db);
    int rc = patron__tx_begin(db);
    if (rc)
        return rc;
    /* every member up front, in one order: two such calls never deadlock */
    rc = patron__tx_lock_members(db, members, n);
    for (size_t i = 0; i < n && rc == PATRON_OK; i++)
        if ((rc = patron__earn_in_tx(db, &res[i], &r[i])))
            rc = patron__fail_prefix(rc, "patron_ledger_earn_many: request %zu: ", i);
    return patron__tx_end(db, rc);
}

/* ---- array literals ----------------------------------------------------- */

static void arr_int(patron__sbuf *b, int first, int64_t v, int null_if_zero)
{
    patron__sb_puts(b, first ? "{" : ",");
    if (null_if_zero && v == 0)
        patron__sb_puts(b, "NULL");
    else
        patron__sb_printf(b, "%" PRId64, v);
}

static void arr_text(patron__sbuf *b, int first, const char *s)
{
    patron__sb_puts(b, first ? "{" : ",");
    if (!s) {
        patron__sb_puts(b, "NULL");
        return;
    }
    patron__sb_puts(b, "\"");
    for (const char *c = s; *c; c++) {
        if (*c == '"' || *c == '\\')
            patron__sb_putn(b, "\\", 1);
        patron__sb_putn(b, c, 1);
    }
    patron__sb_puts(b, "\"");
}

/* ---- the bulk path ------------------------------------------------------ */

/* v[0..n) in patron__id_cmp order: an LSD radix sort by bytes (the sign bit
 * flipped), skipping the bytes all ids share (most ids fit in two or three);
 * qsort's indirect comparisons were 6% of a batch on SQLite (callgrind).
 * Falls back to qsort when the buffer cannot be had. */
static void sort_ids(int64_t *v, size_t n)
{
    uint64_t *a = (uint64_t *)(void *)v, *b = patron__reallocarray(NULL, n, sizeof *b);
    if (!b) {
        qsort(v, n, sizeof *v, patron__id_cmp);
        return;
    }
    const uint64_t flip = UINT64_C(1) << 63;
    uint64_t all_or = 0, all_and = ~UINT64_C(0);
    for (size_t i = 0; i < n; i++) {
        a[i] ^= flip;
        all_or |= a[i];
        all_and &= a[i];
    }
    uint64_t *from = a, *to = b;
    for (int shift = 0; shift < 64; shift += 8) {
        if ((((all_or ^ all_and) >> shift) & 0xff) == 0)
            continue; /* every id has this byte: the order stays */
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++)
            count[((from[i] >> shift) & 0xff) + 1]++;
        for (int d = 0; d < 256; d++)
            count[d + 1] += count[d];
        for (size_t i = 0; i < n; i++)
            to[count[(from[i] >> shift) & 0xff]++] = from[i];
        uint64_t *t = from;
        from = to;
        to = t;
    }
    if (from != a)
        memcpy(a, from, n * sizeof *a);
    for (size_t i = 0; i < n; i++)
        a[i] ^= flip;
    patron__free(b);
}

typedef struct bulk_state {
    int64_t *members; /* distinct, sorted */
    account *acc;     /* acc[i] is members[i]'s, member = 0 when it has none */
    size_t nmembers;
    int64_t *ids, *mature, *expires, *prev;
    patron__sbuf col[20];
    patron__stmt *deferred; /* the write, sent with the COMMIT */
} bulk_state;

static void bulk_free(bulk_state *s)
{
    patron__free(s->members);
    patron__free(s->acc);
    patron__free(s->ids);
    patron__free(s->mature);
    patron__free(s->expires);
    patron__free(s->prev);
    for (size_t i = 0; i < sizeof s->col / sizeof s->col[0]; i++)
        patron__sb_free(&s->col[i]);
}

static account *bulk_account(bulk_state *s, int64_t member)
{
    size_t i = patron__id_lower_bound(s->members, s->nmembers, member);
    return i < s->nmembers && s->members[i] == member && s->acc[i].member ? &s->acc[i] : NULL;
}

static int bulk_read_accounts(patron_db *db, bulk_state *s)
{
    /* a join, not `member_id = ANY(?)`: that compares each row with every element */
    static const char sql[] = "SELECT a.member_id, a.merged, a.total, a.pending_until, a.next_expiry, a.head, "
                              "a.lots_indexed, a.debt FROM unnest(?::bigint[]) u(m) JOIN accounts a ON a.member_id = u.m";
    patron__sbuf b = {0};
    for (size_t i = 0; i < s->nmembers; i++)
        arr_int(&b, i == 0, s->members[i], 0);
    patron__sb_puts(&b, "}");
    if (b.err) {
        patron__sb_free(&b);
        return patron__oom();
    }
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "t", b.p);
    patron__sb_free(&b);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        int64_t m = patron__sql_col_int(db, st, 0);
        int64_t *at = bsearch(&m, s->members, s->nmembers, sizeof m, patron__id_cmp);
        if (!at)
            continue;
        patron__account_from_row(db, st, 1, m, &s->acc[at - s->members]);
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

/* n new posting ids, increasing (a member's chain runs from newer, larger
 * ids to older ones). */
static int bulk_reserve_ids(patron_db *db, int64_t *ids, size_t n)
{
    /* the sequence by its name, the same in every store (schema version
     * 10): resolved when the statement is prepared, no catalog lookup */
    static const char sql[] = "SELECT nextval('postings_id_seq') FROM generate_series(1, ?)";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "i", (int64_t)n);
    if (rc)
        return rc;
    size_t got = 0;
    while (got < n && (rc = patron__sql_step(db, st)) == PATRON__ROW)
        ids[got++] = patron__sql_col_int(db, st, 0);
    patron__sql_done(db, st);
    if (rc < 0)
        return rc;
    if (got != n)
        return patron__fail(PATRON_EINTERNAL, "patron_ledger_earn_many: %zu posting ids reserved, %zu needed", got, n);
    sort_ids(ids, n);
    return PATRON_OK;
}

/* The postings (kind 1 = PATRON_POSTING_EARN, each its own lot), their key
 * rows and the accounts, in one statement. */
static const char bulk_write_sql[] =
    "WITH v AS (SELECT * FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], "
    "?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[]) "
    "AS v(id, key, fp, member_id, points, at, eff, prev, expires, spend, rule, rule_version, reason, op, ref)), "
    "p AS (INSERT INTO postings(id, key, fp, member_id, kind, points, at, effective_at, prev, lot_earned_at, "
    "lot_expires_at, spend, rule, rule_version, reason, operator, ref) "
    "SELECT id, key, fp, member_id, 1, points, at, eff, prev, at, expires, spend, rule, rule_version, reason, op, ref "
    "FROM v), "
    "k AS (INSERT INTO posting_keys(key, member_id, id) SELECT key, member_id, id FROM v) "
    "UPDATE accounts a SET total = u.total, pending_until = u.pending_until, head = u.head, "
    "next_expiry = u.next_expiry FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[]) "
    "AS u(member_id, total, pending_until, head, next_expiry) WHERE a.member_id = u.member_id";

/* The accounts alone (the postings and key rows went by copy_rows). An
 * UPDATE: sent ahead, answered with the COMMIT. */
static const char bulk_accounts_sql[] =
    "UPDATE accounts a SET total = u.total, pending_until = u.pending_until, head = u.head, "
    "next_expiry = u.next_expiry FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[]) "
    "AS u(member_id, total, pending_until, head, next_expiry) WHERE a.member_id = u.member_id";

/* Where the backend copies rows in bulk (PostgreSQL's COPY): the key rows
 * (a used key fails the copy: PATRON_ECONFLICT, the call then runs one by
 * one), the postings, then the accounts' UPDATE. */
static int bulk_copy(patron_db *db, bulk_state *s, const patron_posting_request *r, size_t n)
{
    int64_t *iv = patron__reallocarray(NULL, n * 7, sizeof *iv);
    const char **tv = patron__reallocarray(NULL, n * 5, sizeof *tv);
    if (!iv || !tv) {
        patron__free(iv);
        patron__free(tv);
        return patron__oom();
    }
    int64_t *fp = iv, *member = iv + n, *points = iv + 2 * n, *at = iv + 3 * n, *kind = iv + 4 * n,
            *spend = iv + 5 * n, *rule_version = iv + 6 * n;
    const char **key = tv, **rule = tv + n, **reason = tv + 2 * n, **op = tv + 3 * n, **ref = tv + 4 * n;
    for (size_t i = 0; i < n; i++) {
        fp[i] = patron__earn_fingerprint(&r[i]);
        member[i] = r[i].member_id;
        points[i] = r[i].points;
        at[i] = r[i].at;
        kind[i] = 1; /* PATRON_POSTING_EARN; each its own lot */
        spend[i] = r[i].spend;
        rule_version[i] = r[i].rule_version;
        key[i] = r[i].key;
        rule[i] = r[i].rule;
        reason[i] = r[i].reason;
        op[i] = r[i].operator_name;
        ref[i] = r[i].ref;
    }
    const void *keys[] = {key, member, s->ids};
    int rc = db->vt->copy_rows(db->impl, "posting_keys(key, member_id, id)", n, "tii", keys);
    const void *postings[] = {s->ids, key,  fp,        member,    kind,       points,       at,     s->mature, s->prev,
                              at,     s->expires, spend, rule, rule_version, reason, op, ref};
    if (rc == PATRON_OK)
        rc = db->vt->copy_rows(db->impl,
                               "postings(id, key, fp, member_id, kind, points, at, effective_at, prev, lot_earned_at, "
                               "lot_expires_at, spend, rule, rule_version, reason, operator, ref)",
                               n, "itiiiiiiiiiztittt", postings);
    patron__free(iv);
    patron__free(tv);
    if (rc)
        return rc;
    patron__sbuf *c = s->col;
    for (size_t i = 0; i < s->nmembers; i++) {
        const account *a = &s->acc[i];
        int f = i == 0;
        arr_int(&c[15], f, a->member, 0);
        arr_int(&c[16], f, a->total, 0);
        arr_int(&c[17], f, a->pending_until, 0);
        arr_int(&c[18], f, a->head, 0);
        arr_int(&c[19], f, a->next_expiry, 0);
    }
    for (size_t i = 15; i < 20; i++) {
        patron__sb_puts(&c[i], "}");
        if (c[i].err)
            return patron__oom();
    }
    patron__stmt *st;
    rc = patron__sql_bind(db, &st, bulk_accounts_sql, "ttttt", c[15].p, c[16].p, c[17].p, c[18].p, c[19].p);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

static int bulk_write(patron_db *db, bulk_state *s, const patron_posting_request *r, size_t n)
{
    if (db->vt->copy_rows)
        return bulk_copy(db, s, r, n);
    patron__sbuf *c = s->col;
    for (size_t i = 0; i < n; i++) {
        int f = i == 0;
        arr_int(&c[0], f, s->ids[i], 0);
        arr_text(&c[1], f, r[i].key);
        arr_int(&c[2], f, patron__earn_fingerprint(&r[i]), 0);
        arr_int(&c[3], f, r[i].member_id, 0);
        arr_int(&c[4], f, r[i].points, 0);
        arr_int(&c[5], f, r[i].at, 0);
        arr_int(&c[6], f, s->mature[i], 0);
        arr_int(&c[7], f, s->prev[i], 0);
        arr_int(&c[8], f, s->expires[i], 0);
        arr_int(&c[9], f, r[i].spend, 1);
        arr_text(&c[10], f, r[i].rule);
        arr_int(&c[11], f, r[i].rule_version, 0);
        arr_text(&c[12], f, r[i].reason);
        arr_text(&c[13], f, r[i].operator_name);
        arr_text(&c[14], f, r[i].ref);
    }
    size_t k = 0;
    for (size_t i = 0; i < s->nmembers; i++) {
        const account *a = &s->acc[i];
        int f = k++ == 0;
        arr_int(&c[15], f, a->member, 0);
        arr_int(&c[16], f, a->total, 0);
        arr_int(&c[17], f, a->pending_until, 0);
        arr_int(&c[18], f, a->head, 0);
        arr_int(&c[19], f, a->next_expiry, 0);
    }
    for (size_t i = 0; i < 20; i++) {
        patron__sb_puts(&c[i], "}");
        if (c[i].err)
            return patron__oom();
    }
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, bulk_write_sql, "tttttttttttttttttttt", c[0].p, c[1].p, c[2].p, c[3].p,
                              c[4].p, c[5].p, c[6].p, c[7].p, c[8].p, c[9].p, c[10].p, c[11].p, c[12].p, c[13].p,
                              c[14].p, c[15].p, c[16].p, c[17].p, c[18].p, c[19].p);
    if (rc)
        return rc;
    /* with the COMMIT where the backend can: a used key then fails the
     * commit (bulk() runs the call one by one) */
    if ((rc = patron__sql_defer(db, st)) == PATRON_OK) {
        s->deferred = st;
        return PATRON_OK;
    }
    if (rc == PATRON_EUNSUPPORTED)
        rc = patron__sql_step(db, st);
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

/* ---- the same with portable multi-row statements (SQLite) --------------
 * A backend that serialises writers (SQLite) has no member locks to take
 * and keeps the accounts in the handle's cache: they are read and stored
 * one by one through it (a few microseconds each); the postings go ROWS to
 * a statement, which spares most of the per-statement work of a statement
 * per posting. Their keys are unique in postings itself on such a backend
 * (PATRON__STORE_KEYS_IN_POSTINGS): a used key fails the statement. */
#define ROWS 128 /* rows per statement; what is left goes 16, then 1 to a statement */
/* The id is NULL: SQLite gives the next rowid, max(id) + 1, which is the
 * id rows_next_ids reserved (this transaction is the only writer; checked
 * after the statement), and appends the row without seeking its place
 * (callgrind: a seek per posting less). */
#define POSTING_VALUES "(NULL,?,?,?,1,?,?,?,?,?,?,?,?,?,?,?,?)" /* 15 parameters; kind 1 = earn */
/* The same for a chunk of plain earns (no spend, rule, reason, operator or
 * ref; rule version 0): those columns are constants of the statement, 9
 * parameters a row (callgrind: a sixth of a posting's instructions went to
 * binding and copying all of its values) */
#define POSTING_VALUES_PLAIN "(NULL,?,?,?,1,?,?,?,?,?,?,NULL,NULL,0,NULL,NULL,NULL)"
#define X2(r) r "," r
#define X4(r) X2(r) "," X2(r)
#define X8(r) X4(r) "," X4(r)
#define X16(r) X8(r) "," X8(r)
#define X32(r) X16(r) "," X16(r)
#define X64(r) X32(r) "," X32(r)
#define X128(r) X64(r) "," X64(r)
#define POSTING_INSERT                                                                                       \
    "INSERT INTO postings(id, key, fp, member_id, kind, points, at, effective_at, prev, lot_earned_at, "     \
    "lot_expires_at, spend, rule, rule_version, reason, operator, ref) VALUES "
/* The accounts ROWS to a statement too: an upsert of rows that all exist
 * (the bulk path is taken only then) is an UPDATE by key without a
 * statement per account (callgrind: 6.0 k instructions per account as one
 * UPDATE each; a multi-row UPDATE ... FROM (VALUES ...) cost more). */
#define ACCOUNT_VALUES "(?,?,?,?,?)"
#define ACCOUNT_UPSERT_HEAD "INSERT INTO accounts(member_id, total, pending_until, head, next_expiry) VALUES "
#define ACCOUNT_UPSERT_TAIL                                                                                   \
    " ON CONFLICT(member_id) DO UPDATE SET total = excluded.total, pending_until = excluded.pending_until, "  \
    "head = excluded.head, next_expiry = excluded.next_expiry"

static int rows_read_accounts(patron_db *db, bulk_state *s)
{
    for (size_t i = 0; i < s->nmembers; i++) {
        int rc = patron__account_load(db, &s->acc[i], s->members[i]);
        if (rc == PATRON_ENOTFOUND) {
            s->acc[i].member = 0; /* the full path words it */
            continue;
        }
        if (rc)
            return rc;
    }
    return PATRON_OK;
}

/* The next ids: this transaction is the only writer. */
static int rows_next_ids(patron_db *db, int64_t *ids, size_t n)
{
    int64_t max = 0;
    int rc = patron__sql_int(db, &max, 0, "SELECT max(id) FROM postings", "");
    if (rc && rc != PATRON_ENOTFOUND)
        return rc;
    for (size_t i = 0; i < n; i++)
        ids[i] = max + 1 + (int64_t)i;
    return PATRON_OK;
}

static int rows_plain(const patron_posting_request *r)
{
    return !r->spend && !r->rule && !r->rule_version && !r->reason && !r->operator_name && !r->ref;
}

/* A posting's values but its id (SQLite gives it): the first 9 (all a
 * plain one has) or all 15. */
static int rows_bind_posting(patron_db *db, patron__stmt *st, int k, const bulk_state *s,
                             const patron_posting_request *r, size_t i, int plain)
{
    const patron__store_vt *vt = db->vt;
    /* the requests outlive the statement: no copies of their strings */
    int (*bind_text)(patron__stmt *, int, const char *) = vt->bind_text_kept ? vt->bind_text_kept : vt->bind_text;
    int rc = bind_text(st, k + 1, r->key);
    if (rc == PATRON_OK)
        rc = vt->bind_int64(st, k + 2, patron__earn_fingerprint(r));
    if (rc == PATRON_OK)
        rc = vt->bind_int64(st, k + 3, r->member_id);
    if (rc == PATRON_OK)
        rc = vt->bind_int64(st, k + 4, r->points);
    if (rc == PATRON_OK)
        rc = vt->bind_int64(st, k + 5, r->at);
    if (rc == PATRON_OK)
        rc = vt->bind_int64(st, k + 6, s->mature[i]);
    if (rc == PATRON_OK)
        rc = vt->bind_int64(st, k + 7, s->prev[i]);
    if (rc == PATRON_OK)
        rc = vt->bind_int64(st, k + 8, r->at);
    if (rc == PATRON_OK)
        rc = vt->bind_int64(st, k + 9, s->expires[i]);
    if (plain)
        return rc;
    if (rc == PATRON_OK)
        rc = r->spend ? vt->bind_int64(st, k + 10, r->spend) : vt->bind_null(st, k + 10);
    if (rc == PATRON_OK)
        rc = bind_text(st, k + 11, r->rule);
    if (rc == PATRON_OK)
        rc = vt->bind_int64(st, k + 12, r->rule_version);
    if (rc == PATRON_OK)
        rc = bind_text(st, k + 13, r->reason);
    if (rc == PATRON_OK)
        rc = bind_text(st, k + 14, r->operator_name);
    if (rc == PATRON_OK)
        rc = bind_text(st, k + 15, r->ref);
    return rc;
}

/* The rows of the next statement when `left` remain; its tier (0, 1, 2). */
static size_t rows_chunk(size_t left, int *tier)
{
    *tier = left >= ROWS ? 0 : left >= 16 ? 1 : 2;
    return left >= ROWS ? ROWS : left >= 16 ? 16 : 1;
}

/* Rows [from, from + m) of the postings. */
static int rows_insert(patron_db *db, const bulk_state *s, const patron_posting_request *r, size_t from, size_t m,
                       int tier)
{
    static const char *const postings[3] = {POSTING_INSERT X128(POSTING_VALUES), POSTING_INSERT X16(POSTING_VALUES),
                                            POSTING_INSERT POSTING_VALUES};
    static const char *const plain_postings[3] = {POSTING_INSERT X128(POSTING_VALUES_PLAIN),
                                                  POSTING_INSERT X16(POSTING_VALUES_PLAIN),
                                                  POSTING_INSERT POSTING_VALUES_PLAIN};
    int plain = 1;
    for (size_t j = 0; j < m && plain; j++)
        plain = rows_plain(&r[from + j]);
    patron__stmt *st;
    int rc = db->vt->prepare(db->impl, plain ? plain_postings[tier] : postings[tier], &st);
    for (size_t j = 0; j < m && rc == PATRON_OK; j++)
        rc = rows_bind_posting(db, st, (int)j * (plain ? 9 : 15), s, &r[from + j], from + j, plain);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    patron__sql_done(db, st);
    if (rc < 0)
        return rc;
    int64_t last = patron__sql_last_id(db);
    if (last != s->ids[from + m - 1])
        return patron__fail(PATRON_EINTERNAL, "patron_ledger_earn_many: posting %zu got id %" PRId64 ", %" PRId64
                                              " was reserved", from + m - 1, last, s->ids[from + m - 1]);
    return PATRON_OK;
}

static int rows_write(patron_db *db, bulk_state *s, const patron_posting_request *r, size_t n)
{
    int rc = PATRON_OK;
    int tier;
    for (size_t i = 0; i < n && rc == PATRON_OK;) {
        size_t m = rows_chunk(n - i, &tier);
        rc = rows_insert(db, s, r, i, m, tier); /* a used key: PATRON_ECONFLICT */
        i += m;
    }
    for (size_t i = 0; i < s->nmembers && rc == PATRON_OK;) {
        size_t m = rows_chunk(s->nmembers - i, &tier);
        if (m == 1) {
            rc = patron__account_store(db, &s->acc[i]);
        } else {
            static const char *const many[2] = {ACCOUNT_UPSERT_HEAD X128(ACCOUNT_VALUES) ACCOUNT_UPSERT_TAIL,
                                                ACCOUNT_UPSERT_HEAD X16(ACCOUNT_VALUES) ACCOUNT_UPSERT_TAIL};
            patron__stmt *st;
            rc = db->vt->prepare(db->impl, many[tier], &st);
            for (size_t j = 0; j < m && rc == PATRON_OK; j++) {
                const account *a = &s->acc[i + j];
                int k = (int)j * 5;
                rc = db->vt->bind_int64(st, k + 1, a->member);
                if (rc == PATRON_OK)
                    rc = db->vt->bind_int64(st, k + 2, a->total);
                if (rc == PATRON_OK)
                    rc = db->vt->bind_int64(st, k + 3, a->pending_until);
                if (rc == PATRON_OK)
                    rc = db->vt->bind_int64(st, k + 4, a->head);
                if (rc == PATRON_OK)
                    rc = db->vt->bind_int64(st, k + 5, a->next_expiry);
            }
            if (rc == PATRON_OK) {
                rc = patron__sql_step(db, st);
                rc = rc < 0 ? rc : PATRON_OK;
            }
            patron__sql_done(db, st);
            for (size_t j = 0; j < m && rc == PATRON_OK; j++)
                patron__account_stored(db, &s->acc[i + j]);
        }
        i += m;
    }
    return rc;
}

/* In the transaction bulk() opened: PATRON_OK, a failure, or ONE_BY_ONE. */
static int bulk_run(patron_db *db, bulk_state *s, patron_posting_result *res, const patron_posting_request *r,
                    size_t n, const int64_t *members)
{
    const unsigned need = PATRON__STORE_ARRAYS | PATRON__STORE_WRITABLE_CTE;
    int arrays = (db->vt->features & need) == need;
    int rc = patron__tx_lock_members(db, members, n);
    if (rc)
        return rc;
    s->members = patron__reallocarray(NULL, n, sizeof *s->members);
    s->ids = patron__reallocarray(NULL, n, sizeof *s->ids);
    s->mature = patron__reallocarray(NULL, n, sizeof *s->mature);
    s->expires = patron__reallocarray(NULL, n, sizeof *s->expires);
    s->prev = patron__reallocarray(NULL, n, sizeof *s->prev);
    s->acc = patron__calloc(n, sizeof *s->acc);
    if (!s->members || !s->ids || !s->mature || !s->expires || !s->prev || !s->acc)
        return patron__oom();
    memcpy(s->members, members, n * sizeof *members);
    sort_ids(s->members, n);
    for (size_t i = 0; i < n; i++)
        if (s->nmembers == 0 || s->members[s->nmembers - 1] != s->members[i])
            s->members[s->nmembers++] = s->members[i];
    if ((rc = arrays ? bulk_read_accounts(db, s) : rows_read_accounts(db, s)))
        return rc;
    /* after the account read, which brought the settings with it (a
     * backend with prefetch sends them with the BEGIN) */
    int outbox = 0;
    if ((rc = patron__ledger_policy_load(db)) || (rc = patron__events_on(db, &outbox)))
        return rc;
    if (outbox) /* each posting's event is appended by patron__posting_append: the one-by-one path */
        return ONE_BY_ONE;
    /* times a new posting cannot have: the request may still be a replay
     * of its key (a retry stamped later), which the full path answers */
    for (size_t i = 0; i < n; i++)
        if (patron__credit_times(db, &r[i], &s->mature[i], &s->expires[i]))
            return ONE_BY_ONE;
    for (size_t i = 0; i < s->nmembers; i++) /* a merged, unknown or indebted member: the full path */
        if (!s->acc[i].member || s->acc[i].merged || s->acc[i].debt > 0)
            return ONE_BY_ONE;
    if ((rc = arrays ? bulk_reserve_ids(db, s->ids, n) : rows_next_ids(db, s->ids, n)))
        return rc;
    for (size_t i = 0; i < n; i++) {
        account *a = bulk_account(s, r[i].member_id);
        int64_t total;
        if (__builtin_add_overflow(a->total, r[i].points, &total))
            return ONE_BY_ONE; /* which words the failure */
        s->prev[i] = a->head;
        a->head = s->ids[i];
        a->total = total;
        if (s->mature[i] > a->pending_until)
            a->pending_until = s->mature[i];
        if (s->expires[i] < a->next_expiry)
            a->next_expiry = s->expires[i];
        res[i] = (patron_posting_result){s->ids[i], r[i].points, 0};
    }
    rc = arrays ? bulk_write(db, s, r, n) : rows_write(db, s, r, n);
    return rc == PATRON_ECONFLICT ? ONE_BY_ONE : rc; /* a key is used: the one-by-one path replays it */
}

static int bulk(patron_db *db, patron_posting_result *res, const patron_posting_request *r, size_t n,
                const int64_t *members)
{
    patron__tx_scope_members(db);
    int rc = patron__tx_begin(db);
    if (rc)
        return rc;
    bulk_state s;
    memset(&s, 0, sizeof s);
    rc = bulk_run(db, &s, res, r, n, members);
    bulk_free(&s);
    if (rc == ONE_BY_ONE) {
        patron__tx_end(db, PATRON_ECONFLICT); /* roll back what was written */
        patron_errclear();
        return ONE_BY_ONE;
    }
    rc = patron__tx_end(db, rc);
    if (s.deferred) {
        patron__sql_done(db, s.deferred);
        if (rc == PATRON_ECONFLICT) { /* a key is used: nothing was kept; the one-by-one path replays it */
            patron_errclear();
            return ONE_BY_ONE;
        }
    }
    return rc;
}

/* ---- the call ----------------------------------------------------------- */

int patron_ledger_earn_many(patron_db *db, patron_posting_result *results, const patron_posting_request *requests,
                            size_t n)
{
    static const char func[] = "patron_ledger_earn_many";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (n == 0)
        return PATRON_OK;
    if (!requests)
        return patron__fail(PATRON_EINVAL, "%s: requests is NULL (n = %zu)", func, n);
    if (n > EARN_MANY_MAX)
        return patron__fail(PATRON_EINVAL, "%s: n = %zu requests, at most %d per call", func, n, EARN_MANY_MAX);
    /* the array's stride is the size its callers' struct has */
    size_t stride = requests->size;
    if (stride < sizeof(patron_posting_request))
        return patron__fail(PATRON_EINVAL, "%s: request 0: size %zu is not sizeof(patron_posting_request) (%zu): "
                                           "initialise with PATRON_POSTING_REQUEST_INIT", func, stride,
                            sizeof(patron_posting_request));
    patron_posting_request *r = patron__reallocarray(NULL, n, sizeof *r);
    patron_posting_result *res = patron__calloc(n, sizeof *res);
    int64_t *members = patron__reallocarray(NULL, n, sizeof *members);
    if (!r || !res || !members) {
        rc = patron__oom();
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const patron_posting_request *q =
            (const patron_posting_request *)(const void *)((const char *)requests + i * stride);
        if (q->size != stride) {
            rc = patron__fail(PATRON_EINVAL, "%s: request %zu: size %u differs from request 0's (%zu)", func, i,
                              (unsigned)q->size, stride);
            goto done;
        }
        if ((rc = patron__earn_request_read(db, &r[i], q, "earn"))) {
            rc = patron__fail_prefix(rc, "%s: request %zu: ", func, i);
            goto done;
        }
        members[i] = r[i].member_id;
    }
    for (int attempt = 0;; attempt++) {
        rc = ONE_BY_ONE;
        /* (a key repeated in the array fails the bulk write: one by one then; the
         * bulk write knows the default program's accounts only) */
        if (db->depth == 0 && patron__program_id(db) == 1)
            rc = bulk(db, res, r, n, members);
        if (rc == ONE_BY_ONE)
            rc = one_by_one(db, res, r, n, members);
        /* A deadlock with another writer (a merged member's survivor is
         * locked after the members named; a transfer locks two members)
         * rolled the whole call back: it runs again, which the keys make
         * safe. Not inside a caller's batch, whose earlier work is gone. */
        if (!(rc == PATRON_EBUSY && db->depth == 0 && attempt < 4 && strstr(patron_errmsg(), "SQLSTATE 40P01")))
            break;
    }
    if (rc == PATRON_OK && results)
        memcpy(results, res, n * sizeof *res);
done:
    patron__free(r);
    patron__free(res);
    patron__free(members);
    return rc;
}
