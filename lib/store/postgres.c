/* The PostgreSQL backend of the store interface (lib/internal/store.h),
 * through libpq. Chosen by patron_open() for `postgres://` and
 * `postgresql://` URIs (and libpq keyword strings given as
 * `postgresql:` + "host=... dbname=...").
 *
 * What it translates so that the modules above keep one SQL text:
 * - placeholders: `?` becomes `$1, $2, ...` and `?N` becomes `$N`;
 * - DDL (exec): INTEGER columns are BIGINT, an INTEGER PRIMARY KEY is an
 *   identity column (ids assigned on insert, as SQLite's rowid), and TEXT
 *   compares bytewise (COLLATE "C"), as in SQLite;
 * - booleans read as integers ('t' = 1), numerics from sum() as int64.
 *
 * Many servers: a write transaction first takes the store's
 * transaction-scoped advisory lock. A member-scoped posting (earn, redeem,
 * adjust) takes it shared and then locks each member it touches, so postings
 * of different members commit in parallel (and PostgreSQL groups their
 * commits); every other write takes it exclusively, serialised as SQLite's
 * BEGIN IMMEDIATE serialises writers. Reads never wait. Under READ COMMITTED each statement sees what the previous writer
 * committed, and the handle forgets what it cached on every write
 * transaction (data_version always moves), so no balance is read stale.
 * The same idempotency key posted from two servers therefore gives one
 * posting: the second writer waits for the first, then replays it.
 *
 * Round trips: see `queued` and `pg_run` (BEGIN, the locks and UPDATEs go
 * ahead in pipeline mode and travel with the next statement that returns
 * rows, or with the COMMIT).
 *
 * The library never prints: libpq's notice processor is replaced by one
 * that discards notices. */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/sbuf.h"
#include "internal/store.h"

#define PG_CACHE_CAP 512
#define PG_MAX_PARAMS 32
#define PG_VARIANTS 4
#define PG_QUEUE 64 /* UPDATEs sent ahead of their result (see pg_run) */

/* The lock every write transaction takes ('PTRN' as a number). Advisory
 * locks belong to the database, not to a schema: a store in another schema
 * (its own search_path) adds its lock space (lock_space_of) so that two
 * stores in one database never wait for each other; a store in `public`
 * keeps the plain key. */
#define PG_WRITE_LOCK INT64_C(1347703374)

typedef struct pg_variant {
    char sig[PG_MAX_PARAMS + 1]; /* 'i' int8, 't' text, '?' inferred by the server */
    char name[16];
} pg_variant;

typedef struct pg_stmt {
    const char *sql;  /* cache key: the caller's string */
    char *text;       /* translated SQL */
    int nparams;
    int nvariants;
    pg_variant variant[PG_VARIANTS];
    char kind[PG_MAX_PARAMS];       /* what is bound: 'i', 't', 'n' */
    int is_update;                  /* an UPDATE: returns no rows, may be sent ahead */
    int sent_ahead;                 /* this execution was sent ahead (no result to read) */
    int in_flight;                  /* sent ahead, its result kept when it arrives (see `keep`) */
    int kept;                       /* res holds the result of an execution sent ahead */
    int kept_prefetch;              /* ... a prefetch: good while total_changes is kept_changes */
    int64_t kept_changes;
    int deferred;                   /* sent by pg_defer: its rows are read after the commit */
    char *val[PG_MAX_PARAMS];       /* bound values as text (owned) */
    size_t cap[PG_MAX_PARAMS];
    PGresult *res;
    int row;
    struct pg *owner;
} pg_stmt;

typedef struct pg {
    PGconn *conn;
    int nnames;
    int64_t version_counter;
    int64_t changes;
    int64_t total_changes;
    int busy_timeout_ms;
    /* This store's advisory lock space (0 for a store in `public`), and the
     * store lock statements made with it. */
    int lock_space;
    char store_key[24]; /* the store lock's key, as the lock statements' parameter */
    /* A shared store lock not sent yet (begin_shared): it goes with the
     * transaction's first member lock, one statement for both, or alone
     * ahead of anything else the transaction sends (take_shared_lock). */
    int shared_pending;
    /* The failure that aborted the open transaction: PostgreSQL refuses
     * every later statement ("current transaction is aborted"), and a
     * caller must hear the cause, not that. */
    int tx_error_code;
    char tx_error[512];
    /* Round trips saved inside a write transaction (a round trip costs
     * more than most statements): what returns nothing the library needs —
     * BEGIN, the store and member locks, UPDATEs — is sent in pipeline mode
     * without waiting, and answered together with the next statement that
     * returns rows, or with the COMMIT. A failure then surfaces at that
     * next statement of the same transaction, which can then only roll
     * back: nothing of it is kept. */
    int in_tx;
    int nqueued;
    struct {
        pg_stmt *st;   /* a prepared statement, or NULL: `text` was sent */
        char counts;   /* st changes rows: total_changes counts them */
        char keep;     /* st's result is kept for its next step (pg_prefetch, pg_defer) */
        char text[96]; /* BEGIN or a lock */
    } queued[PG_QUEUE];
    pg_stmt *prefetched; /* a prefetch kept for this transaction only */
    pg_stmt *cache[PG_CACHE_CAP];
} pg;

static void pg_no_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* SQLSTATE classes to patron codes. */
static int map_state(const char *state)
{
    if (!state)
        return PATRON_EIO;
    if (!strncmp(state, "23", 2))
        return PATRON_ECONFLICT; /* integrity constraint violation */
    if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03") ||
        !strcmp(state, "57014"))
        return PATRON_EBUSY; /* serialization failure, deadlock, lock timeout, statement timeout */
    if (!strncmp(state, "53", 2))
        return PATRON_ENOMEM; /* insufficient resources */
    if (!strcmp(state, "25006"))
        return PATRON_EINVAL; /* read-only transaction */
    if (!strncmp(state, "42", 2) && strcmp(state, "42501") != 0)
        return PATRON_EINTERNAL; /* syntax or undefined object: a bug or a foreign schema */
    if (!strcmp(state, "22003"))
        return PATRON_ERANGE; /* numeric value out of range */
    if (!strcmp(state, "XX001") || !strcmp(state, "XX002"))
        return PATRON_ECORRUPT;
    return PATRON_EIO; /* connection, privileges, disk, ... */
}

static int pg_report(pg *p, PGresult *res, const char *what);

static int pg_fail(pg *p, PGresult *res, const char *what)
{
    int rc = pg_report(p, res, what);
    if (PQtransactionStatus(p->conn) == PQTRANS_INERROR && !p->tx_error_code) {
        p->tx_error_code = rc;
        snprintf(p->tx_error, sizeof p->tx_error, "%s", patron_errmsg());
    }
    return rc;
}

/* Before a statement: the transaction's earlier failure, if any. */
static int pg_usable(pg *p)
{
    if (PQtransactionStatus(p->conn) != PQTRANS_INERROR)
        return PATRON_OK;
    if (!p->tx_error_code)
        return patron__fail(PATRON_EIO, "postgresql: the transaction failed earlier and can only roll back");
    return patron__fail(p->tx_error_code, "%s", p->tx_error);
}

static int pg_report(pg *p, PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = PQerrorMessage(p->conn);
    int code = map_state(state);
    /* Citus passes a worker's unique violation of a multi-shard statement
     * on as an internal error (XX000) with the worker's message */
    static const char dup[] = "duplicate key value violates unique constraint";
    if (state && !strcmp(state, "XX000") && !strncmp(msg, dup, sizeof dup - 1))
        code = PATRON_ECONFLICT;
    if (PQstatus(p->conn) == CONNECTION_BAD) {
        code = PATRON_EIO;
        return patron__fail(code, "postgresql: %s: the connection to the server was lost: %s", what,
                            PQerrorMessage(p->conn));
    }
    if (state && !strcmp(state, "55P03"))
        return patron__fail(code, "postgresql: %s: waited %d ms (busy_timeout_ms) for another writer: %s",
                            what, p->busy_timeout_ms, msg);
    if (state && !strcmp(state, "42501"))
        return patron__fail(code, "postgresql: %s: permission denied: %s (SQLSTATE %s)", what, msg, state);
    return patron__fail(code, "postgresql: %s: %s (SQLSTATE %s)", what, msg, state ? state : "none");
}

static int pg_flush(pg *p);
static void stmt_clear_result(pg_stmt *st);

/* Runs a statement without parameters; keeps nothing. */
static int pg_simple(pg *p, const char *sql, const char *what)
{
    int frc = pg_flush(p);
    if (frc)
        return frc;
    PGresult *res = PQexec(p->conn, sql);
    ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = PATRON_OK;
    /* (an empty text: a migration step with nothing for this backend) */
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY)
        rc = pg_fail(p, res, what);
    PQclear(res);
    if (PQtransactionStatus(p->conn) != PQTRANS_INERROR) /* ended, or back at a savepoint */
        p->tx_error_code = 0;
    return rc;
}

/* Read the results of the queued UPDATEs (after PQpipelineSync was sent
 * behind them and, optionally, behind one more statement whose result
 * the caller reads next); the first failure is reported. */
static int read_queued(pg *p)
{
    int rc = PATRON_OK;
    for (int i = 0; i < p->nqueued; i++) {
        PGresult *res = PQgetResult(p->conn);
        ExecStatusType es = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
        int got = res != NULL;
        pg_stmt *st = p->queued[i].st;
        int counts = p->queued[i].counts, keep = p->queued[i].keep;
        if (st)
            st->in_flight = 0;
        if (es == PGRES_COMMAND_OK || (es == PGRES_TUPLES_OK && (!counts || keep))) {
            const char *ct = PQcmdTuples(res);
            if (counts) /* 1 was counted when it was sent */
                p->total_changes += (ct && *ct ? strtoll(ct, NULL, 10) : 0) - 1;
            if (keep && rc == PATRON_OK) {
                stmt_clear_result(st);
                st->res = res;
                st->kept = 1;
                st->kept_prefetch = p->prefetched == st;
                res = NULL; /* st owns it now */
            }
        } else if (rc == PATRON_OK) {
            /* the statement's start names it; the cause comes before a long text */
            char what[96];
            snprintf(what, sizeof what, "%.80s%s", st ? st->text : p->queued[i].text,
                     st && strlen(st->text) > 80 ? "..." : "");
            rc = pg_report(p, res, what);
            /* the transaction is aborted: later statements report this */
            p->tx_error_code = rc;
            snprintf(p->tx_error, sizeof p->tx_error, "%s", patron_errmsg());
        }
        PQclear(res);
        if (got)
            PQclear(PQgetResult(p->conn)); /* the NULL that ends this statement's results */
    }
    p->nqueued = 0;
    return rc;
}

/* Read up to and including the pipeline's sync point, leave pipeline mode. */
static int end_pipeline(pg *p)
{
    PGresult *res;
    while ((res = PQgetResult(p->conn)) != NULL) {
        ExecStatusType es = PQresultStatus(res);
        PQclear(res);
        if (es == PGRES_PIPELINE_SYNC)
            break;
    }
    if (!PQexitPipelineMode(p->conn))
        return patron__fail(PATRON_EIO, "postgresql: leaving pipeline mode: %s", PQerrorMessage(p->conn));
    return PATRON_OK;
}

/* Send `sql` (no parameters, its result not needed), or the prepared
 * statement `st` (`name`, `vals`), ahead; `how` says what its result is:
 * AHEAD_COUNT (it changes rows, counted), AHEAD_QUIET (nothing to keep) or
 * AHEAD_KEEP (kept in st for its next step). */
#define AHEAD_COUNT 1
#define AHEAD_QUIET 2
#define AHEAD_KEEP 4
static int take_shared_lock(pg *p);

/* The lock statements, prepared once per connection (patron__postgres_open):
 * a text with the keys written in was parsed and planned anew at every
 * transaction (a tenth of a single earn's server CPU, perf). */
#define LOCK_WRITE "patron_lock_x"          /* the store lock, exclusive */
#define LOCK_SHARED "patron_lock_s"         /* the store lock, shared */
#define LOCK_MEMBER "patron_lock_m"         /* a member's lock */
#define LOCK_SHARED_MEMBER "patron_lock_sm" /* both, in that order */
static const struct {
    const char *name, *sql;
    int nparams;
    Oid types[3];
} lock_statements[] = {
    {LOCK_WRITE, "SELECT pg_advisory_xact_lock($1)", 1, {20}},
    {LOCK_SHARED, "SELECT pg_advisory_xact_lock_shared($1)", 1, {20}},
    {LOCK_MEMBER, "SELECT pg_advisory_xact_lock($1, $2)", 2, {23, 23}},
    /* the target list runs in order: the store lock first, as everywhere */
    {LOCK_SHARED_MEMBER, "SELECT pg_advisory_xact_lock_shared($1), pg_advisory_xact_lock($2, $3)", 3, {20, 23, 23}},
};

static int queue_send(pg *p, pg_stmt *st, const char *sql, const char *const *vals, const char *name, int nvals,
                      int how);

static int send_ahead_as(pg *p, pg_stmt *st, const char *sql, const char *const *vals, const char *name, int how)
{
    int rc = take_shared_lock(p);
    return rc ? rc : queue_send(p, st, sql, vals, name, st ? st->nparams : 0, how);
}

/* One of the lock statements (`name`, no pg_stmt), ahead; `what` names it
 * in a failure. */
static int send_lock(pg *p, const char *name, const char *const *vals, int nvals, const char *what)
{
    return queue_send(p, NULL, what, vals, name, nvals, AHEAD_QUIET);
}

static int take_shared_lock(pg *p)
{
    if (!p->shared_pending)
        return PATRON_OK;
    p->shared_pending = 0;
    const char *v[1] = {p->store_key};
    return send_lock(p, LOCK_SHARED, v, 1, "the store lock (shared)");
}

/* Send a statement ahead: `st` (its variant `name`), a lock statement
 * (`name` without st; `sql` describes it), or the text `sql`. */
static int queue_send(pg *p, pg_stmt *st, const char *sql, const char *const *vals, const char *name, int nvals,
                      int how)
{
    if (p->nqueued == PG_QUEUE) {
        int rc = pg_flush(p);
        if (rc)
            return rc;
    }
    if (p->nqueued == 0 && !PQenterPipelineMode(p->conn))
        return patron__fail(PATRON_EIO, "postgresql: entering pipeline mode: %s", PQerrorMessage(p->conn));
    int ok = st || name ? PQsendQueryPrepared(p->conn, name, nvals, vals, NULL, NULL, 0)
                        : PQsendQueryParams(p->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
    if (!ok)
        return patron__fail(PATRON_EIO, "postgresql: %s: sending: %s", st ? st->text : sql, PQerrorMessage(p->conn));
    p->queued[p->nqueued].st = st;
    p->queued[p->nqueued].counts = st && (how & AHEAD_COUNT);
    p->queued[p->nqueued].keep = st && (how & AHEAD_KEEP);
    snprintf(p->queued[p->nqueued].text, sizeof p->queued[0].text, "%s", st ? "" : sql);
    p->nqueued++;
    if (st && (how & AHEAD_COUNT))
        p->total_changes++;
    if (st && (how & AHEAD_KEEP))
        st->in_flight = 1;
    return PATRON_OK;
}

static int send_ahead(pg *p, pg_stmt *st, const char *sql, const char *const *vals, const char *name)
{
    return send_ahead_as(p, st, sql, vals, name, AHEAD_COUNT);
}

/* Everything sent ahead is answered: the connection is idle again. */
/* Close the pipeline with a sync point and read it all: the results of what
 * was sent ahead, then (`mine` not NULL) the result of the one statement
 * the caller sent behind them, which *mine receives unless something
 * failed. */
static int sync_pipeline(pg *p, PGresult **mine)
{
    if (!PQpipelineSync(p->conn))
        return patron__fail(PATRON_EIO, "postgresql: pipeline sync: %s", PQerrorMessage(p->conn));
    int q = read_queued(p);
    PGresult *r = NULL;
    if (mine && (r = PQgetResult(p->conn)) != NULL)
        PQclear(PQgetResult(p->conn)); /* the NULL that ends its results */
    int e = end_pipeline(p);
    if (mine) {
        if (q || e) {
            PQclear(r);
            r = NULL;
        }
        *mine = r;
    }
    return q ? q : e;
}

static int pg_flush(pg *p)
{
    int rc = take_shared_lock(p);
    if (rc)
        return rc;
    return p->nqueued ? sync_pipeline(p, NULL) : PATRON_OK;
}

/* Before a rollback: what was sent ahead is answered, and its failure (if
 * any) does not replace the message the caller recorded. */
static void discard_queued(pg *p)
{
    if (p->nqueued == 0)
        return;
    char keep[sizeof p->tx_error];
    snprintf(keep, sizeof keep, "%s", patron_errmsg());
    pg_flush(p);
    patron__fail(PATRON_EIO, "%s", keep);
}

/* Run a prepared statement: an UPDATE inside a transaction is sent ahead
 * (*res stays NULL); any other statement goes behind what was sent ahead,
 * in the same round trip, and *res receives its result. */
static int pg_run(pg *p, pg_stmt *st, const char *name, const char *const *vals, PGresult **res)
{
    *res = NULL;
    int rc = take_shared_lock(p);
    if (rc)
        return rc;
    if (st->is_update && p->in_tx)
        return send_ahead(p, st, NULL, vals, name);
    if (p->nqueued == 0) {
        *res = PQexecPrepared(p->conn, name, st->nparams, vals, NULL, NULL, 0);
        return PATRON_OK;
    }
    if (!PQsendQueryPrepared(p->conn, name, st->nparams, vals, NULL, NULL, 0))
        return patron__fail(PATRON_EIO, "postgresql: %s: sending: %s", st->text, PQerrorMessage(p->conn));
    return sync_pipeline(p, res);
}

/* `?` -> `$n`, `?N` -> `$N`, outside quotes. */
static char *translate_params(const char *sql, int *nparams)
{
    size_t n = strlen(sql), cap = n * 3 + 1;
    char *out = patron__malloc(cap);
    if (!out)
        return NULL;
    size_t o = 0;
    int next = 0, max = 0;
    char quote = 0;
    for (size_t i = 0; i < n; i++) {
        char c = sql[i];
        if (quote) {
            out[o++] = c;
            if (c == quote)
                quote = 0;
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            out[o++] = c;
            continue;
        }
        if (c != '?') {
            out[o++] = c;
            continue;
        }
        int idx;
        if (sql[i + 1] >= '0' && sql[i + 1] <= '9') {
            idx = 0;
            while (sql[i + 1] >= '0' && sql[i + 1] <= '9')
                idx = idx * 10 + (sql[++i] - '0');
        } else {
            idx = ++next;
        }
        if (idx > max)
            max = idx;
        o += (size_t)snprintf(out + o, cap - o, "$%d", idx);
    }
    out[o] = '\0';
    *nparams = max;
    return out;
}

/* DDL: SQLite's column types to PostgreSQL's (whole words, outside quotes). */
static char *translate_ddl(const char *sql)
{
    static const struct {
        const char *from, *to;
    } words[] = {
        {"INTEGER PRIMARY KEY", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
        {"INTEGER", "BIGINT"},
        {"TEXT", "TEXT COLLATE \"C\""},
    };
    size_t n = strlen(sql), cap = n * 4 + 64;
    char *out = patron__malloc(cap);
    if (!out)
        return NULL;
    size_t o = 0;
    char quote = 0;
    for (size_t i = 0; i < n;) {
        char c = sql[i];
        if (quote) {
            out[o++] = c;
            i++;
            if (c == quote)
                quote = 0;
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            out[o++] = c;
            i++;
            continue;
        }
        int word_start = i == 0 || !((sql[i - 1] >= 'A' && sql[i - 1] <= 'Z') ||
                                     (sql[i - 1] >= 'a' && sql[i - 1] <= 'z') || sql[i - 1] == '_');
        size_t w;
        for (w = 0; word_start && w < sizeof words / sizeof words[0]; w++) {
            size_t len = strlen(words[w].from);
            if (strncmp(sql + i, words[w].from, len) != 0)
                continue;
            char after = sql[i + len]; /* within the string: the prefix matched */
            if (!((after >= 'A' && after <= 'Z') || (after >= 'a' && after <= 'z') || after == '_'))
                break;
        }
        if (word_start && w < sizeof words / sizeof words[0]) {
            size_t tl = strlen(words[w].to);
            memcpy(out + o, words[w].to, tl);
            o += tl;
            i += strlen(words[w].from);
        } else {
            out[o++] = c;
            i++;
        }
    }
    out[o] = '\0';
    return out;
}

static void stmt_clear_result(pg_stmt *st)
{
    if (st->res) {
        PQclear(st->res);
        st->res = NULL;
    }
    st->sent_ahead = 0;
    st->kept = st->kept_prefetch = 0;
    st->row = -1;
}

static void stmt_free(pg_stmt *st)
{
    if (!st)
        return;
    stmt_clear_result(st);
    for (int i = 0; i < PG_MAX_PARAMS; i++)
        patron__free(st->val[i]);
    patron__free(st->text);
    patron__free(st);
}

static void pg_close(void *impl)
{
    pg *p = impl;
    for (size_t i = 0; i < PG_CACHE_CAP; i++)
        stmt_free(p->cache[i]);
    if (p->conn)
        PQfinish(p->conn);
    patron__free(p);
}

static int is_word_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Member-owned tables, before the type translation: in a CREATE TABLE that
 * has a `member_id` column, `col INTEGER PRIMARY KEY` (an id assigned on
 * insert) becomes an identity column keyed by PRIMARY KEY(col, member_id).
 * A unique key of such a table then includes the member, so Citus can
 * distribute it by member_id (docs/guide/scaling.md); the id stays first, so
 * a lookup by id alone still uses the key. `WITHOUT ROWID` (SQLite's
 * storage choice) is dropped. Works on statement boundaries (`;` outside
 * quotes); the DDL written above the store has no nested statements. */
static char *member_keys(const char *sql)
{
    size_t n = strlen(sql), cap = n * 2 + 256;
    char *out = patron__malloc(cap);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t end = i;
        char quote = 0;
        while (end < n && (quote || sql[end] != ';')) {
            if (quote && sql[end] == quote)
                quote = 0;
            else if (!quote && (sql[end] == '\'' || sql[end] == '"'))
                quote = sql[end];
            end++;
        }
        /* one statement: sql[i, end) */
        const char *st = sql + i;
        size_t len = end - i;
        size_t lead = 0;
        while (lead < len && (st[lead] == ' ' || st[lead] == '\n'))
            lead++;
        const char *key = NULL; /* start of "INTEGER PRIMARY KEY" after the id column */
        size_t key_col = 0, key_col_len = 0;
        int has_member = 0;
        if (len - lead > 13 && !strncmp(st + lead, "CREATE TABLE ", 13)) {
            for (size_t k = lead; k + 9 <= len; k++) {
                if (!strncmp(st + k, "member_id", 9) && (k == 0 || !is_word_char(st[k - 1])) &&
                    st[k + 9] == ' ' && !strncmp(st + k + 10, "INTEGER", 7) && (k + 17 >= len || !is_word_char(st[k + 17])))
                    has_member = 1;
            }
            static const char ipk[] = " INTEGER PRIMARY KEY";
            for (size_t k = lead; k + sizeof ipk - 1 <= len && !key; k++) {
                if (strncmp(st + k, ipk, sizeof ipk - 1) != 0 || is_word_char(st[k + sizeof ipk - 1]))
                    continue;
                size_t c = k;
                while (c > 0 && is_word_char(st[c - 1]))
                    c--;
                if (k - c == 9 && !strncmp(st + c, "member_id", 9))
                    continue;
                key = st + k;
                key_col = c;
                key_col_len = k - c;
            }
        }
        size_t close = len; /* the table's closing parenthesis */
        if (has_member && key) {
            while (close > 0 && st[close - 1] != ')')
                close--;
        }
        if (has_member && key && close > 0) {
            size_t before = (size_t)(key - st);
            memcpy(out + o, st, before);
            o += before;
            o += (size_t)snprintf(out + o, cap - o, " INTEGER GENERATED BY DEFAULT AS IDENTITY");
            size_t after = before + strlen(" INTEGER PRIMARY KEY");
            memcpy(out + o, st + after, close - 1 - after);
            o += close - 1 - after;
            o += (size_t)snprintf(out + o, cap - o, ", PRIMARY KEY(%.*s, member_id))", (int)key_col_len, st + key_col);
            memcpy(out + o, st + close, len - close);
            o += len - close;
        } else {
            memcpy(out + o, st, len);
            o += len;
        }
        /* SQLite's storage option has no PostgreSQL counterpart */
        static const char wr[] = " WITHOUT ROWID";
        if (o >= sizeof wr - 1 && !strncmp(out + o - (sizeof wr - 1), wr, sizeof wr - 1))
            o -= sizeof wr - 1;
        if (end < n)
            out[o++] = ';';
        i = end + 1;
        if (o + 1024 > cap) { /* a statement never grows by more than its key clause */
            cap = cap * 2 + n;
            char *bigger = patron__realloc(out, cap);
            if (!bigger) {
                patron__free(out);
                return NULL;
            }
            out = bigger;
        }
    }
    out[o] = '\0';
    return out;
}

/* DDL written for this backend alone: a comment `/\*postgresql: TEXT*\/`
 * (which SQLite skips) becomes TEXT, e.g. a table's storage parameters;
 * and DDL for SQLite alone, between the comments `/\*sqlite:*\/` and
 * `/\*:sqlite*\/` (which SQLite runs), is cut out. In place: the text only
 * shrinks. */
static void dialect_clauses(char *sql)
{
    static const char open[] = "/*postgresql:", sq_open[] = "/*sqlite:*/", sq_close[] = "/*:sqlite*/";
    char *at;
    while ((at = strstr(sql, sq_open)) != NULL) {
        char *end = strstr(at, sq_close);
        if (!end)
            return;
        end += sizeof sq_close - 1;
        memmove(at, end, strlen(end) + 1);
    }
    while ((at = strstr(sql, open)) != NULL) {
        char *end = strstr(at, "*/");
        if (!end)
            return;
        size_t inner = (size_t)(end - at) - (sizeof open - 1);
        memmove(at, at + sizeof open - 1, inner);
        memmove(at + inner, end + 2, strlen(end + 2) + 1);
    }
}

static int pg_exec(void *impl, const char *sql)
{
    pg *p = impl;
    char *keyed = member_keys(sql);
    if (!keyed)
        return patron__oom();
    char *t = translate_ddl(keyed);
    patron__free(keyed);
    if (!t)
        return patron__oom();
    dialect_clauses(t);
    int rc = pg_simple(p, t, "exec");
    patron__free(t);
    return rc;
}

static int pg_prepare(void *impl, const char *sql, patron__stmt **out)
{
    pg *p = impl;
    uintptr_t h = (uintptr_t)sql;
    h ^= h >> 17;
    h *= UINT64_C(0x9E3779B97F4A7C15) & UINTPTR_MAX;
    size_t i = (size_t)(h >> 8) % PG_CACHE_CAP;
    for (size_t probe = 0; probe < PG_CACHE_CAP; probe++, i = (i + 1) % PG_CACHE_CAP) {
        pg_stmt *e = p->cache[i];
        if (e && e->sql == sql) {
            if (e->in_flight) { /* sent ahead to be kept: its result is on the way */
                int rc = pg_flush(p);
                if (rc)
                    return rc;
            }
            /* a result kept from ahead answers this execution, unless it is
             * a prefetch and this connection has changed rows since */
            e->deferred = 0;
            if (e->kept && !(e->kept_prefetch && e->kept_changes != p->total_changes)) {
                e->kept = e->kept_prefetch = 0;
                e->row = -1;
                if (p->prefetched == e)
                    p->prefetched = NULL;
            } else {
                stmt_clear_result(e);
            }
            *out = (patron__stmt *)e;
            return PATRON_OK;
        }
        if (!e) {
            e = patron__calloc(1, sizeof *e);
            if (!e)
                return patron__oom();
            e->text = translate_params(sql, &e->nparams);
            if (!e->text) {
                patron__free(e);
                return patron__oom();
            }
            if (e->nparams > PG_MAX_PARAMS) {
                stmt_free(e);
                return patron__fail(PATRON_EINTERNAL, "postgresql: a statement has more than %d parameters",
                                    PG_MAX_PARAMS);
            }
            for (int k = 0; k < e->nparams; k++)
                e->kind[k] = 'n';
            e->is_update = !strncmp(sql, "UPDATE ", 7) && !strstr(sql, "RETURNING");
            e->sql = sql;
            e->owner = p;
            e->row = -1;
            p->cache[i] = e;
            *out = (patron__stmt *)e;
            return PATRON_OK;
        }
    }
    return patron__fail(PATRON_EINTERNAL, "statement cache full (%d statements)", PG_CACHE_CAP);
}

/* A unique insert: the same statement with ON CONFLICT DO NOTHING RETURNING
 * id, cached under the caller's SQL pointer like any other. */
static int pg_prepare_unique(void *impl, const char *sql, patron__stmt **out)
{
    int rc = pg_prepare(impl, sql, out);
    pg_stmt *st = (pg_stmt *)*out;
    if (rc == PATRON_OK && st->nvariants == 0 && !strstr(st->text, " RETURNING id")) {
        size_t n = strlen(st->text);
        static const char tail[] = " ON CONFLICT DO NOTHING RETURNING id";
        char *t = patron__realloc(st->text, n + sizeof tail);
        if (!t)
            return patron__oom();
        memcpy(t + n, tail, sizeof tail);
        st->text = t;
    }
    return rc;
}

static int pg_step(patron__stmt *s);

static int pg_step_unique(patron__stmt *s, int64_t *id)
{
    int rc = pg_step(s);
    if (rc < 0)
        return rc;
    pg_stmt *st = (pg_stmt *)s;
    *id = rc == PATRON__ROW ? (int64_t)strtoll(PQgetvalue(st->res, st->row, 0), NULL, 10) : 0;
    stmt_clear_result(st);
    return PATRON_OK;
}

static int set_val(pg_stmt *st, int idx, char kind, const char *s)
{
    if (idx < 1 || idx > st->nparams)
        return patron__fail(PATRON_EINTERNAL, "postgresql: parameter %d of %d", idx, st->nparams);
    int k = idx - 1;
    st->kind[k] = kind;
    if (kind == 'n')
        return PATRON_OK;
    size_t len = strlen(s) + 1;
    if (st->cap[k] < len) {
        size_t cap = len < 32 ? 32 : len * 2;
        char *nv = patron__realloc(st->val[k], cap);
        if (!nv)
            return patron__oom();
        st->val[k] = nv;
        st->cap[k] = cap;
    }
    memcpy(st->val[k], s, len);
    return PATRON_OK;
}

static int pg_bind_int64(patron__stmt *s, int idx, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return set_val((pg_stmt *)s, idx, 'i', buf);
}

static int pg_bind_text(patron__stmt *s, int idx, const char *v)
{
    return set_val((pg_stmt *)s, idx, v ? 't' : 'n', v);
}

static int pg_bind_null(patron__stmt *s, int idx)
{
    return set_val((pg_stmt *)s, idx, 'n', NULL);
}

/* The prepared variant for the kinds bound now: a NULL fits any variant,
 * and any value fits a parameter whose type the server inferred (values go
 * as text; a statement whose columns are NULL in varying combinations, as
 * a ledger posting's, would otherwise need a variant per combination);
 * otherwise the server is told int8 or text where it is bound so. */
static int find_variant(pg_stmt *st, const char **name)
{
    pg *p = st->owner;
    for (int v = 0; v < st->nvariants; v++) {
        int ok = 1;
        for (int k = 0; k < st->nparams && ok; k++) {
            char have = st->variant[v].sig[k];
            char want = st->kind[k] == 'n' ? have : st->kind[k];
            ok = have == want || have == '?';
        }
        if (ok) {
            *name = st->variant[v].name;
            return PATRON_OK;
        }
    }
    if (st->nvariants == PG_VARIANTS)
        return patron__fail(PATRON_EINTERNAL, "postgresql: too many parameter type variants of: %s", st->text);
    pg_variant *nv = &st->variant[st->nvariants];
    Oid types[PG_MAX_PARAMS];
    for (int k = 0; k < st->nparams; k++) {
        char kind = st->kind[k];
        nv->sig[k] = kind == 'n' ? '?' : kind;
        types[k] = kind == 'i' ? 20 : kind == 't' ? 25 : 0;
    }
    nv->sig[st->nparams] = '\0';
    snprintf(nv->name, sizeof nv->name, "p%d", ++p->nnames);
    int frc = pg_flush(p); /* PQprepare waits for the connection */
    if (frc)
        return frc;
    PGresult *res = PQprepare(p->conn, nv->name, st->text, st->nparams, types);
    int rc = PATRON_OK;
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = pg_fail(p, res, "prepare");
    PQclear(res);
    if (rc)
        return patron__fail_prefix(rc, "%s: ", st->text);
    st->nvariants++;
    *name = nv->name;
    return PATRON_OK;
}

static int pg_step(patron__stmt *s)
{
    pg_stmt *st = (pg_stmt *)s;
    pg *p = st->owner;
    if (st->sent_ahead)
        return PATRON__DONE;
    if (st->deferred && !st->res) /* never run a deferred statement twice */
        return patron__fail(PATRON_EINTERNAL, "postgresql: %s: its transaction did not commit", st->text);
    if (!st->res) {
        const char *name = NULL;
        int rc = pg_usable(p);
        if (rc == PATRON_OK)
            rc = find_variant(st, &name);
        if (rc)
            return rc;
        const char *vals[PG_MAX_PARAMS];
        for (int k = 0; k < st->nparams; k++)
            vals[k] = st->kind[k] == 'n' ? NULL : st->val[k];
        PGresult *res = NULL;
        if ((rc = pg_run(p, st, name, vals, &res)))
            return rc;
        if (!res && p->nqueued) { /* sent ahead: it returns no rows */
            st->sent_ahead = 1;
            return PATRON__DONE;
        }
        ExecStatusType es = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
        if (es != PGRES_TUPLES_OK && es != PGRES_COMMAND_OK) {
            rc = pg_fail(p, res, "step");
            PQclear(res);
            return rc;
        }
        const char *ct = PQcmdTuples(res);
        p->changes = ct && *ct ? strtoll(ct, NULL, 10) : 0;
        if (es == PGRES_COMMAND_OK || strncmp(PQcmdStatus(res), "SELECT", 6) != 0)
            p->total_changes += p->changes;
        st->res = res;
        st->row = -1;
    }
    st->row++;
    return st->row < PQntuples(st->res) ? PATRON__ROW : PATRON__DONE;
}

static int pg_reset(patron__stmt *s)
{
    ((pg_stmt *)s)->deferred = 0;
    stmt_clear_result((pg_stmt *)s);
    return PATRON_OK;
}

static int pg_col_null(patron__stmt *s, int col)
{
    pg_stmt *st = (pg_stmt *)s;
    return PQgetisnull(st->res, st->row, col);
}

static int64_t pg_col_int64(patron__stmt *s, int col)
{
    pg_stmt *st = (pg_stmt *)s;
    if (PQgetisnull(st->res, st->row, col))
        return 0;
    const char *v = PQgetvalue(st->res, st->row, col);
    if (v[0] == 't' && v[1] == '\0')
        return 1;
    if (v[0] == 'f' && v[1] == '\0')
        return 0;
    return (int64_t)strtoll(v, NULL, 10);
}

static const char *pg_col_text(patron__stmt *s, int col)
{
    pg_stmt *st = (pg_stmt *)s;
    if (PQgetisnull(st->res, st->row, col))
        return NULL;
    return PQgetvalue(st->res, st->row, col);
}

/* A write transaction holding the store lock (exclusive or shared): sent
 * ahead, with the transaction's first statement that returns rows. */
static int begin_locked(pg *p, int shared)
{
    int rc = pg_flush(p);
    if (rc == PATRON_OK)
        rc = send_ahead(p, NULL, "BEGIN", NULL, NULL);
    const char *v[1] = {p->store_key};
    if (rc == PATRON_OK && !shared)
        rc = send_lock(p, LOCK_WRITE, v, 1, "the store lock");
    if (rc == PATRON_OK) {
        p->shared_pending = shared; /* sent with the first member lock */
        p->in_tx = 1;
    }
    return rc;
}

static int pg_begin(void *impl)
{
    return begin_locked(impl, 0);
}

/* A read snapshot: one moment of the store for every statement until the
 * end, no lock taken (sent ahead like the BEGIN of a write). */
static int pg_begin_read(void *impl)
{
    pg *p = impl;
    int rc = pg_flush(p);
    return rc ? rc : send_ahead(p, NULL, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", NULL, NULL);
}

static int pg_begin_shared(void *impl)
{
    return begin_locked(impl, 1);
}

/* A member's lock: the two-key advisory lock space (apart from the
 * one-key store lock); ids beyond 31 bits share keys, which only
 * serialises more. Sent ahead like the BEGIN. */
static int pg_lock_member(void *impl, int64_t member_id)
{
    pg *p = impl;
    char hi[16], lo[16];
    snprintf(hi, sizeof hi, "%d", (int)(0x5054 ^ (int)((uint64_t)member_id >> 31 & 0xffff) ^ (p->lock_space << 16)));
    snprintf(lo, sizeof lo, "%d", (int)(member_id & 0x7fffffff));
    if (p->shared_pending) { /* the transaction's store lock, then this */
        p->shared_pending = 0;
        const char *v[3] = {p->store_key, hi, lo};
        return send_lock(p, LOCK_SHARED_MEMBER, v, 3, "the store lock (shared) and a member's lock");
    }
    const char *v[2] = {hi, lo};
    return send_lock(p, LOCK_MEMBER, v, 2, "a member's lock");
}

/* Many members' locks in one statement, sent ahead: the keys sorted, so
 * that two transactions locking overlapping members take them in the same
 * order (no deadlock between them). */
static int lock_key_cmp(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    return (*x > *y) - (*x < *y);
}

/* The bound values of `st` as libpq wants them; its prepared variant. */
static int stmt_vals(pg_stmt *st, const char **vals, const char **name)
{
    int rc = find_variant(st, name);
    for (int k = 0; k < st->nparams && rc == PATRON_OK; k++)
        vals[k] = st->kind[k] == 'n' ? NULL : st->val[k];
    return rc;
}

/* One prepared statement for any number of members (a statement text with
 * the keys written in would be parsed and planned anew each time: 40% of a
 * batch's lock time). Rows come out of unnest in array order. */
static const char lock_members_sql[] =
    "SELECT count(pg_advisory_xact_lock(k.a, k.b)) FROM unnest(?::int[], ?::int[]) k(a, b)";

static int pg_lock_members(void *impl, const int64_t *ids, size_t n)
{
    pg *p = impl;
    int64_t *keys = patron__reallocarray(NULL, n, sizeof *keys);
    char *hi = patron__malloc(8 + n * 12), *lo = patron__malloc(8 + n * 12);
    if (!keys || !hi || !lo) {
        patron__free(keys);
        patron__free(hi);
        patron__free(lo);
        return patron__oom();
    }
    for (size_t i = 0; i < n; i++) {
        int64_t h = 0x5054 ^ (int)((uint64_t)ids[i] >> 31 & 0xffff) ^ (p->lock_space << 16), l = ids[i] & 0x7fffffff;
        keys[i] = h << 32 | l; /* the two keys of pg_lock_member, in lock order */
    }
    qsort(keys, n, sizeof *keys, lock_key_cmp);
    size_t oh = 0, ol = 0;
    hi[oh++] = lo[ol++] = '{';
    for (size_t i = 0; i < n; i++) {
        if (i && keys[i] == keys[i - 1])
            continue;
        oh += (size_t)sprintf(hi + oh, "%s%d", oh > 1 ? "," : "", (int)(keys[i] >> 32));
        ol += (size_t)sprintf(lo + ol, "%s%d", ol > 1 ? "," : "", (int)(keys[i] & 0x7fffffff));
    }
    strcpy(hi + oh, "}");
    strcpy(lo + ol, "}");
    patron__stmt *s;
    const char *vals[2], *name = NULL;
    int rc = pg_prepare(p, lock_members_sql, &s);
    if (rc == PATRON_OK && (rc = pg_bind_text(s, 1, hi)) == PATRON_OK && (rc = pg_bind_text(s, 2, lo)) == PATRON_OK)
        rc = stmt_vals((pg_stmt *)s, vals, &name);
    if (rc == PATRON_OK)
        rc = send_ahead_as(p, (pg_stmt *)s, NULL, vals, name, AHEAD_QUIET);
    patron__free(hi);
    patron__free(lo);
    patron__free(keys);
    return rc;
}

/* Send `sql` (no parameters) ahead: its rows answer its next execution in
 * this transaction, unless this connection changes rows first. For the
 * settings a write transaction reads, read with its BEGIN and locks. */
static int pg_prefetch(void *impl, const char *sql)
{
    pg *p = impl;
    patron__stmt *s;
    const char *name = NULL;
    int rc = pg_prepare(p, sql, &s);
    pg_stmt *st = (pg_stmt *)s;
    if (rc == PATRON_OK && st->nparams != 0)
        return patron__fail(PATRON_EINTERNAL, "postgresql: prefetch of a statement with parameters: %s", st->text);
    if (rc == PATRON_OK)
        rc = find_variant(st, &name);
    if (rc)
        return rc;
    if (p->prefetched && p->prefetched != st)
        stmt_clear_result(p->prefetched);
    p->prefetched = st;
    st->kept_changes = p->total_changes;
    return send_ahead_as(p, st, NULL, NULL, name, AHEAD_KEEP);
}

/* Send the bound statement `s` ahead, to travel with the COMMIT: its rows
 * are read (pg_step) after the transaction committed. */
static int pg_defer(patron__stmt *s)
{
    pg_stmt *st = (pg_stmt *)s;
    pg *p = st->owner;
    if (!p->in_tx)
        return patron__fail(PATRON_EINTERNAL, "postgresql: deferring a statement outside a write transaction");
    const char *vals[PG_MAX_PARAMS], *name = NULL;
    int rc = pg_usable(p);
    if (rc == PATRON_OK)
        rc = stmt_vals(st, vals, &name);
    if (rc == PATRON_OK)
        rc = send_ahead_as(p, st, NULL, vals, name, AHEAD_COUNT | AHEAD_KEEP);
    if (rc == PATRON_OK)
        st->deferred = 1;
    return rc;
}

/* A prefetch nobody read ends with its transaction. */
static void drop_prefetch(pg *p)
{
    if (p->prefetched) {
        if (p->prefetched->kept)
            stmt_clear_result(p->prefetched);
        p->prefetched = NULL;
    }
}

static int pg_commit_queued(pg *p);

static int pg_commit(void *impl)
{
    int rc = pg_commit_queued(impl);
    drop_prefetch(impl);
    return rc;
}

static int pg_commit_queued(pg *p)
{
    p->in_tx = 0;
    p->shared_pending = 0; /* a transaction that locked no member sent nothing the lock guards */
    int rc = PATRON_OK;
    if (p->nqueued) {
        /* the UPDATEs sent ahead and the COMMIT: one round trip */
        if (!PQsendQueryParams(p->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0))
            return patron__fail(PATRON_EIO, "postgresql: commit: sending: %s", PQerrorMessage(p->conn));
        PGresult *res = NULL;
        rc = sync_pipeline(p, &res);
        if (rc == PATRON_OK && (!res || PQresultStatus(res) != PGRES_COMMAND_OK))
            rc = pg_fail(p, res, "commit");
        PQclear(res);
        if (rc == PATRON_OK && PQtransactionStatus(p->conn) != PQTRANS_IDLE)
            rc = patron__fail(PATRON_EIO, "postgresql: commit: the transaction is still open");
        return rc;
    }
    /* COMMIT of a transaction that failed reports ROLLBACK without an error. */
    int failed = PQtransactionStatus(p->conn) == PQTRANS_INERROR;
    rc = pg_simple(p, "COMMIT", "commit");
    if (rc == PATRON_OK && failed)
        rc = patron__fail(PATRON_EIO, "postgresql: commit: the transaction had failed and was rolled back");
    return rc;
}

static int pg_rollback(void *impl)
{
    pg *p = impl;
    p->in_tx = 0;
    p->shared_pending = 0; /* never sent: nothing to undo */
    discard_queued(p);
    drop_prefetch(p);
    if (PQtransactionStatus(p->conn) == PQTRANS_IDLE)
        return PATRON_OK;
    return pg_simple(p, "ROLLBACK", "rollback");
}

static int sp_exec(pg *p, const char *verb, int depth)
{
    char sql[64];
    snprintf(sql, sizeof sql, "%s p%d", verb, depth);
    return pg_simple(p, sql, verb);
}

static int pg_savepoint(void *impl, int depth)
{
    return sp_exec(impl, "SAVEPOINT", depth);
}

static int pg_release(void *impl, int depth)
{
    return sp_exec(impl, "RELEASE SAVEPOINT", depth);
}

static int pg_rollback_to(void *impl, int depth)
{
    pg *p = impl;
    discard_queued(p);
    if (PQtransactionStatus(p->conn) == PQTRANS_IDLE)
        return PATRON_OK;
    int rc = sp_exec(p, "ROLLBACK TO SAVEPOINT", depth);
    if (rc == PATRON_OK)
        rc = sp_exec(p, "RELEASE SAVEPOINT", depth);
    return rc;
}

static int64_t pg_last_id(void *impl)
{
    pg *p = impl;
    if (pg_flush(p))
        return 0;
    PGresult *res = PQexec(p->conn, "SELECT lastval()");
    int64_t v = 0;
    if (res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        v = (int64_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return v;
}

static int64_t pg_changes(void *impl)
{
    return ((pg *)impl)->changes;
}

static int64_t pg_total_changes(void *impl)
{
    return ((pg *)impl)->total_changes;
}

/* Another server may have committed at any time: every write transaction
 * is told so, and the handle forgets what it remembers. */
static int pg_data_version(void *impl, int64_t *out)
{
    *out = ++((pg *)impl)->version_counter;
    return PATRON_OK;
}

static int pg_param_count(patron__stmt *s)
{
    return ((pg_stmt *)s)->nparams;
}

static int pg_tx_failed(void *impl)
{
    pg *p = impl;
    if (p->nqueued && pg_flush(p))
        return 1;
    return PQtransactionStatus(p->conn) == PQTRANS_INERROR;
}

/* One integer from a query without parameters. */
static int pg_int(pg *p, const char *sql, int64_t *out, int *found)
{
    int frc = pg_flush(p);
    if (frc)
        return frc;
    PGresult *res = PQexec(p->conn, sql);
    int rc = PATRON_OK;
    *found = 0;
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = pg_fail(p, res, sql);
    } else if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
        *out = (int64_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        *found = 1;
    }
    PQclear(res);
    return rc;
}

static int pg_schema_read(void *impl, int64_t *version, int *foreign)
{
    pg *p = impl;
    int64_t has_meta = 0, ntables = 0;
    int found;
    /* one statement, one snapshot (see the SQLite backend) */
    int rc = pg_int(p, "SELECT count(*) FILTER (WHERE tablename = 'patron_meta') * 1000000 + count(*) "
                       "FROM pg_catalog.pg_tables WHERE schemaname = current_schema()", &ntables, &found);
    if (rc)
        return rc;
    has_meta = ntables >= 1000000;
    ntables %= 1000000;
    *version = 0;
    *foreign = 0;
    if (!has_meta) {
        *foreign = ntables > 0;
        return PATRON_OK;
    }
    rc = pg_int(p, "SELECT value FROM patron_meta WHERE key = 'schema_version'", version, &found);
    if (rc == PATRON_OK && !found)
        *foreign = 1;
    return rc;
}

/* Migration steps rebuild tables by copying rows with their ids into new
 * identity columns, which does not move the columns' sequences: each is set
 * past the largest id its table holds, so the next insert gets a new id. */
static const char resync_identities[] =
    "DO $$DECLARE r record; BEGIN FOR r IN SELECT table_name, column_name FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND is_identity = 'YES' LOOP "
    "EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L), coalesce(max(%I), 0) + 1, false) FROM %I', "
    "quote_ident(r.table_name), r.column_name, r.column_name, r.table_name); END LOOP; END$$";

static int pg_schema_write(void *impl, int version)
{
    int rc = pg_simple(impl, resync_identities, "schema version: identity sequences");
    if (rc)
        return rc;
    char sql[256];
    snprintf(sql, sizeof sql,
             "CREATE TABLE IF NOT EXISTS patron_meta(key TEXT COLLATE \"C\" PRIMARY KEY, value BIGINT NOT NULL);"
             "INSERT INTO patron_meta(key, value) VALUES('schema_version', %d) "
             "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
             version);
    return pg_simple(impl, sql, "schema version");
}

/* PostgreSQL checks its pages itself (checksums when the cluster has them);
 * the library adds nothing here beyond a live connection. */
static int pg_integrity(void *impl, char *msg, size_t cap)
{
    pg *p = impl;
    msg[0] = '\0';
    if (PQstatus(p->conn) != CONNECTION_OK) {
        snprintf(msg, cap, "the connection to the server is not usable");
        return 1;
    }
    return 0;
}

/* ---- COPY (copy_rows) --------------------------------------------------- */

static void put_be(patron__sbuf *b, uint64_t v, int bytes)
{
    char x[8];
    for (int i = 0; i < bytes; i++)
        x[i] = (char)(v >> (8 * (bytes - 1 - i)));
    patron__sb_putn(b, x, (size_t)bytes);
}

/* Rows [from, to) as one COPY; `sql` is the COPY statement. */
static int copy_chunk(pg *p, const char *sql, size_t from, size_t to, const char *types, size_t ncols,
                      const void *const *cols)
{
    /* PostgreSQL's binary COPY: signature, flags, header extension length;
     * per row the field count and each field as length + big-endian value
     * (-1 for NULL); -1 at the end */
    patron__sbuf b = {0};
    patron__sb_putn(&b, "PGCOPY\n\377\r\n\0", 11);
    put_be(&b, 0, 4);
    put_be(&b, 0, 4);
    for (size_t r = from; r < to && !b.err; r++) {
        put_be(&b, ncols, 2);
        for (size_t c = 0; c < ncols; c++) {
            if (types[c] == 't') {
                const char *v = ((const char *const *)cols[c])[r];
                if (!v) {
                    put_be(&b, UINT32_MAX, 4);
                    continue;
                }
                size_t n = strlen(v);
                put_be(&b, n, 4);
                patron__sb_putn(&b, v, n);
            } else {
                int64_t v = ((const int64_t *)cols[c])[r];
                if (types[c] == 'z' && v == 0) {
                    put_be(&b, UINT32_MAX, 4);
                    continue;
                }
                put_be(&b, 8, 4);
                put_be(&b, (uint64_t)v, 8);
            }
        }
    }
    put_be(&b, UINT16_MAX, 2);
    if (b.err) {
        patron__sb_free(&b);
        return patron__oom();
    }
    int rc = PATRON_OK;
    PGresult *res = PQexec(p->conn, sql);
    if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
        rc = pg_fail(p, res, sql);
        PQclear(res);
        patron__sb_free(&b);
        return rc;
    }
    PQclear(res);
    int sent = PQputCopyData(p->conn, b.p, (int)b.len) == 1 && PQputCopyEnd(p->conn, NULL) == 1;
    patron__sb_free(&b);
    res = PQgetResult(p->conn);
    if (!sent || !res || PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = pg_fail(p, res, sql);
    PQclear(res);
    while ((res = PQgetResult(p->conn)) != NULL) /* the end of the COPY's results */
        PQclear(res);
    return rc;
}

/* Rows to a COPY. PostgreSQL 15 keeps one slot per buffered row, and each
 * slot pins the table's tuple descriptor in the resource owner, whose hash
 * of pins puts every pin of that one descriptor in one probe chain: a COPY
 * of n rows costs of the order of n^2 probes. 1,000 rows to a COPY spent
 * 0.6 us a row more than 250 to a COPY (bench/RESULTS.md, "COPY in
 * chunks"); a COPY more is one round trip (~30 us). */
#define COPY_CHUNK 250

static int pg_copy_rows(void *impl, const char *target, size_t nrows, const char *types, const void *const *cols)
{
    pg *p = impl;
    size_t ncols = strlen(types);
    if (!p->in_tx || ncols == 0 || ncols > 64)
        return patron__fail(PATRON_EINTERNAL, "postgresql: copy into %s: %zu columns, or outside a write transaction",
                            target, ncols);
    int rc = pg_flush(p); /* COPY waits for the connection: what was sent ahead is answered first */
    if (rc == PATRON_OK)
        rc = pg_usable(p);
    if (rc)
        return rc;
    char sql[600];
    snprintf(sql, sizeof sql, "COPY %s FROM STDIN (FORMAT binary)", target);
    for (size_t from = 0; from < nrows && rc == PATRON_OK; from += COPY_CHUNK)
        rc = copy_chunk(p, sql, from, nrows - from < COPY_CHUNK ? nrows : from + COPY_CHUNK, types, ncols, cols);
    if (rc == PATRON_OK)
        p->total_changes += (int64_t)nrows;
    return rc;
}

static const patron__store_vt postgres_vt = {
    .name = "postgresql",
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind_int64 = pg_bind_int64,
    .bind_text = pg_bind_text,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .reset = pg_reset,
    .column_is_null = pg_col_null,
    .column_int64 = pg_col_int64,
    .column_text = pg_col_text,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .savepoint = pg_savepoint,
    .release = pg_release,
    .rollback_to = pg_rollback_to,
    .last_insert_id = pg_last_id,
    .changes = pg_changes,
    .total_changes = pg_total_changes,
    .data_version = pg_data_version,
    .param_count = pg_param_count,
    .tx_failed = pg_tx_failed,
    .schema_read = pg_schema_read,
    .schema_write = pg_schema_write,
    .integrity = pg_integrity,
    .begin_shared = pg_begin_shared,
    .lock_member = pg_lock_member,
    .prepare_unique = pg_prepare_unique,
    .step_unique = pg_step_unique,
    .features = PATRON__STORE_ARRAYS | PATRON__STORE_WRITABLE_CTE,
    .lock_members = pg_lock_members,
    .begin_read = pg_begin_read,
    .end_read = pg_rollback,
    .prefetch = pg_prefetch,
    .defer = pg_defer,
    .copy_rows = pg_copy_rows,
};

/* The connection string without its password, for messages. */
static void redact(const char *uri, char *out, size_t cap)
{
    snprintf(out, cap, "%s", uri);
    char *at = strchr(out, '@');
    char *scheme = strstr(out, "://");
    if (at && scheme && at > scheme) {
        char *colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
        if (colon) {
            size_t tail = strlen(at);
            memmove(colon + 4, at, tail + 1);
            memcpy(colon, ":***", 4);
        }
    }
    char *pw = strstr(out, "password=");
    if (pw) {
        char *end = pw + 9;
        while (*end && *end != ' ')
            end++;
        memmove(pw + 12, end, strlen(end) + 1);
        memcpy(pw + 9, "***", 3);
    }
}

/* The store's lock space: 0 in `public`, else 15 bits of a hash of the
 * schema the store's tables are created in (the first of search_path). */
static int lock_space_of(pg *p)
{
    PGresult *res = PQexec(p->conn, "SELECT current_schema()");
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        PQclear(res);
        return patron__fail(PATRON_EIO, "postgresql: reading the current schema: %s", PQerrorMessage(p->conn));
    }
    const char *schema = PQgetisnull(res, 0, 0) ? "public" : PQgetvalue(res, 0, 0);
    uint32_t h = 2166136261u;
    for (const unsigned char *c = (const unsigned char *)schema; *c; c++)
        h = (h ^ *c) * 16777619u;
    p->lock_space = strcmp(schema, "public") ? (int)(h % 32767u) + 1 : 0;
    PQclear(res);
    return PATRON_OK;
}

int patron__postgres_open(patron_db *db, const char *uri)
{
    char shown[512];
    redact(uri, shown, sizeof shown);
    /* "postgresql:host=... dbname=..." passes a keyword string to libpq. */
    const char *conninfo = uri;
    if (!strncmp(uri, "postgresql:", 11) && strncmp(uri, "postgresql://", 13) != 0)
        conninfo = uri + 11;
    char *err = NULL;
    PQconninfoOption *parsed = PQconninfoParse(conninfo, &err);
    if (!parsed) {
        int code = err ? patron__fail(PATRON_EINVAL, "patron_open: '%s' is not a PostgreSQL connection string: %s",
                                      shown, err)
                       : patron__oom();
        PQfreemem(err);
        return code;
    }
    PQconninfoFree(parsed);
    pg *p = patron__calloc(1, sizeof *p);
    if (!p)
        return patron__oom();
    p->busy_timeout_ms = db->opts.busy_timeout_ms;
    p->conn = PQconnectdb(conninfo);
    if (!p->conn) {
        patron__free(p);
        return patron__oom();
    }
    PQsetNoticeProcessor(p->conn, pg_no_notice, NULL);
    if (PQstatus(p->conn) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(p->conn));
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = '\0';
        pg_close(p);
        return patron__fail(PATRON_EIO, "patron_open: cannot connect to PostgreSQL '%s': %s", shown, msg);
    }
    static const char *const sync_sql[] = {"SET synchronous_commit = on", "SET synchronous_commit = local",
                                           "SET synchronous_commit = off"};
    char settings[256];
    snprintf(settings, sizeof settings,
             "SET client_min_messages = warning; SET lock_timeout = %d; %s; SET default_transaction_read_only = %s",
             db->opts.busy_timeout_ms, sync_sql[db->opts.synchronous], db->opts.read_only ? "on" : "off");
    int rc = pg_simple(p, settings, "session settings");
    if (rc == PATRON_OK)
        rc = lock_space_of(p);
    if (rc) {
        patron__fail_prefix(rc, "opening '%s': ", shown);
        pg_close(p);
        return rc;
    }
    snprintf(p->store_key, sizeof p->store_key, "%" PRId64, PG_WRITE_LOCK + ((int64_t)p->lock_space << 32));
    for (size_t i = 0; i < sizeof lock_statements / sizeof lock_statements[0] && rc == PATRON_OK; i++) {
        PGresult *res = PQprepare(p->conn, lock_statements[i].name, lock_statements[i].sql,
                                  lock_statements[i].nparams, lock_statements[i].types);
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
            rc = pg_fail(p, res, "preparing the lock statements");
        PQclear(res);
    }
    if (rc) {
        patron__fail_prefix(rc, "opening '%s': ", shown);
        pg_close(p);
        return rc;
    }
    db->vt = &postgres_vt;
    db->impl = p;
    return PATRON_OK;
}
