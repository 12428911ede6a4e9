/* Internal: the store interface. Modules above the store (profile, ledger,
 * earn, tier) speak portable SQL through this table of function pointers and
 * never include a backend's header, so a second backend (PostgreSQL) can be
 * added by writing another `patron__store_vt` and a case in patron_open().
 *
 * SQL written against this interface uses `?` placeholders, INTEGER/TEXT
 * columns only, and no backend-specific functions; a backend rewrites what it
 * must (a PostgreSQL backend would turn `?` into `$n`).
 *
 * Statements are prepared once and cached per connection, keyed by the
 * address of the SQL string: pass string literals / static const arrays. */
#ifndef PATRON_INTERNAL_STORE_H
#define PATRON_INTERNAL_STORE_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/db.h"

typedef struct patron__stmt patron__stmt;

/* step() results (negative values are patron status codes). */
#define PATRON__ROW 1
#define PATRON__DONE 0

typedef struct patron__store_vt {
    const char *name;
    void (*close)(void *impl);
    /* Run one or more statements without results (DDL, pragmas). */
    int (*exec)(void *impl, const char *sql);
    /* Cached prepared statement for `sql` (keyed by pointer), reset (its
     * earlier bindings stay: patron__sql_vbind binds every parameter).
     * Owned by the connection: never freed by callers. */
    int (*prepare)(void *impl, const char *sql, patron__stmt **out);
    int (*bind_int64)(patron__stmt *st, int idx, int64_t v);   /* idx from 1 */
    int (*bind_text)(patron__stmt *st, int idx, const char *s); /* NULL binds NULL */
    int (*bind_null)(patron__stmt *st, int idx);
    int (*step)(patron__stmt *st);                               /* ROW, DONE or <0 */
    int (*reset)(patron__stmt *st);
    int (*column_is_null)(patron__stmt *st, int col);            /* col from 0 */
    int64_t (*column_int64)(patron__stmt *st, int col);
    /* Valid until the next step/reset of `st`; NULL for SQL NULL. */
    const char *(*column_text)(patron__stmt *st, int col);
    /* Transactions: begin a write transaction, commit, roll back; and
     * nested savepoints by depth (1, 2, ...). */
    int (*begin)(void *impl);
    int (*commit)(void *impl);
    int (*rollback)(void *impl);
    int (*savepoint)(void *impl, int depth);
    int (*release)(void *impl, int depth);
    int (*rollback_to)(void *impl, int depth);
    int64_t (*last_insert_id)(void *impl);
    int64_t (*changes)(void *impl);
    int64_t (*total_changes)(void *impl); /* rows changed since the connection opened */
    /* A number that changes when another connection commits (read inside a
     * transaction). */
    int (*data_version)(void *impl, int64_t *out);
    int (*param_count)(patron__stmt *st);
    /* Dialect hooks: what differs between databases beyond the SQL text. */
    /* Non-zero when the open transaction can only roll back (PostgreSQL
     * aborts a transaction on any failed statement; SQLite does not). */
    int (*tx_failed)(void *impl);
    /* The store's schema version (0 = no libpatron schema yet) and whether
     * the database holds something that is not a libpatron store. */
    int (*schema_read)(void *impl, int64_t *version, int *foreign);
    /* Record `version` (inside the migrating transaction). */
    int (*schema_write)(void *impl, int version);
    /* The backend's own integrity check: 0 when sound, else the number of
     * problems with the first one described in `msg`. */
    int (*integrity)(void *impl, char *msg, size_t cap);
    /* Row locking, for backends where writers run concurrently (NULL: the
     * backend serialises all writers, as SQLite does). begin_shared starts a
     * write transaction that promises to touch only members it locks with
     * lock_member; plain begin excludes all of those. */
    int (*begin_shared)(void *impl);
    int (*lock_member)(void *impl, int64_t member_id);
    /* An INSERT that may meet a unique key: prepare_unique prepares `sql`
     * (a plain INSERT with an `id` column) so that step_unique gives the new
     * row's id, or 0 when the key exists — nothing inserted and the
     * transaction still usable. SQLite lets the statement fail on its own;
     * PostgreSQL, which would abort the transaction, adds ON CONFLICT DO
     * NOTHING RETURNING id (a cost SQLite's RETURNING would double). */
    int (*prepare_unique)(void *impl, const char *sql, patron__stmt **out);
    int (*step_unique)(patron__stmt *st, int64_t *id);
    /* What the backend's SQL offers beyond the portable subset, so that a
     * module may choose a faster statement (PATRON__STORE_* bits, 0 for
     * none). The module keeps the portable path for backends without it. */
    unsigned features;
    /* Lock many members at once, in id order (NULL where lock_member is
     * NULL): one statement where lock_member would send one per member. */
    int (*lock_members)(void *impl, const int64_t *ids, size_t n);
    /* A read-only transaction that sees one moment of the store (SQLite: a
     * deferred BEGIN, which in WAL mode blocks no writer; PostgreSQL:
     * REPEATABLE READ, READ ONLY), and its end. NULL: reads run one
     * statement at a time. */
    int (*begin_read)(void *impl);
    int (*end_read)(void *impl);
    /* Round trips (NULL where a statement costs none, as in SQLite):
     * prefetch sends `sql` (a cached statement without parameters) at once
     * without waiting; its rows answer its next execution in the same
     * transaction unless this connection changes rows first. defer sends
     * the bound statement `st` inside a write transaction to travel with the
     * COMMIT: its rows are read with step after the commit succeeded (see
     * patron__sql_defer). */
    int (*prefetch)(void *impl, const char *sql);
    int (*defer)(patron__stmt *st);
    /* bind_text for a string the caller keeps unchanged until the
     * statement is reset (no copy); NULL: use bind_text. */
    int (*bind_text_kept)(patron__stmt *st, int idx, const char *s);
    /* Bulk insert inside a write transaction (NULL where the backend has
     * none): `nrows` rows into `target` ("table(col, ...)"), column c of
     * type types[c] read from cols[c]: 'i' an int64_t array, 'z' the same
     * with 0 meaning NULL, 't' an array of strings (NULL = NULL). A unique
     * key met fails the call (PATRON_ECONFLICT) and the transaction can
     * then only roll back. PostgreSQL: COPY in its binary format, without
     * the per-row executor work of INSERT ... SELECT (server CPU per row
     * about a quarter less, bench/RESULTS.md). */
    int (*copy_rows)(void *impl, const char *target, size_t nrows, const char *types, const void *const *cols);
} patron__store_vt;

/* Array parameters: a text parameter written as an array literal
 * ('{1,2}', '{"a",NULL}') cast with `?::bigint[]` / `?::text[]`, and
 * `unnest(...)` of several arrays in FROM (PostgreSQL). */
#define PATRON__STORE_ARRAYS 1u
/* Data-modifying statements in WITH (`WITH k AS (INSERT ... RETURNING ...)
 * INSERT ...`), as PostgreSQL has and SQLite has not. */
#define PATRON__STORE_WRITABLE_CTE 2u
/* Posting keys are unique in `postings` itself (a unique index on its
 * key) and `posting_keys` is a view over it (SQLite, schema version 11):
 * a posting with a used key fails its own insert, and no key row is
 * written. Elsewhere (PostgreSQL) `posting_keys` is a table of its own,
 * which Citus distributes by key while postings go by member; the ledger
 * writes a key row in the posting's own statement there, so a backend
 * without this bit has PATRON__STORE_WRITABLE_CTE and array parameters. */
#define PATRON__STORE_KEYS_IN_POSTINGS 4u

/* A module's per-handle state: `size` bytes, zeroed when first asked for,
 * released by `release` (may be NULL) and freed by patron_close. */
typedef struct patron__slot_type {
    const char *module;
    size_t size;
    void (*release)(void *state);
} patron__slot_type;
#define PATRON__SLOTS 8

struct patron_db {
    const patron__store_vt *vt;
    /* The thread inside a write transaction or batch (an address unique to
     * it), 0 when none: a second thread using the handle meanwhile gets
     * PATRON_EBUSY instead of corrupting the connection's state. */
    _Atomic(uintptr_t) owner;
    void *impl;
    int depth;   /* transaction nesting: 0 = none */
    int reading; /* the transaction at depth 1 is a read snapshot (patron__read_begin) */
    int batch;   /* 1 while a caller batch (patron_batch_begin) is open */
    int batch_failed; /* a write failed half-way inside the batch: it can only roll back */
    int64_t tx_changes; /* total_changes at patron__tx_begin_light */
    int light;          /* the innermost level was opened by patron__tx_begin_light */
    int scope_members;  /* the next write transaction locks each member it touches */
    int tx_shared;      /* the open write transaction does so (begin_shared) */
    int reuse_settings; /* the next write transaction may answer the settings from the last one's copy */
    int settings_reused; /* the open one does: nothing read them yet (patron__settings_reuse) */
    int one_statement_refused; /* the server refused the one-statement earn (Citus: nextval in an UPDATE of a
                                  distributed table): single earns take two round trips on this handle */
    patron_db_options opts;
    /* What a module remembers of the store between calls (the ledger's
     * policy and account caches) hangs off the handle in a slot the module
     * owns (patron__slot); it is valid while `write_epoch` is unchanged: the
     * epoch moves on every rollback and when another connection has
     * committed since this handle's last write transaction began. */
    uint64_t write_epoch;
    int64_t data_version;
    struct {
        const struct patron__slot_type *type;
        void *state;
    } slots[PATRON__SLOTS];
};

/* The backends: one file each, chosen by URI in patron_open (lib/store/db.c). */
int patron__sqlite_open(patron_db *db, const char *path, int is_uri); /* sqlite.c */
int patron__postgres_open(patron_db *db, const char *uri);            /* postgres.c */

/* Schema creation / migration, run by patron_open (lib/store/schema.c). */
int patron__schema_migrate(patron_db *db);

/* --- helpers for modules (lib/store/db.c) --------------------------------
 * Transactions: every public write is
 *     int rc = patron__tx_begin(db); if (rc) return rc;
 *     rc = ...work...;
 *     return patron__tx_end(db, rc);
 * At depth 0 this is a write transaction; inside a batch (or a nested call)
 * it is a savepoint, so a failed call undoes only itself. patron__tx_end
 * commits/releases on PATRON_OK and rolls back otherwise, returning rc (or
 * the commit failure). */
int patron__tx_begin(patron_db *db);
int patron__tx_end(patron_db *db, int rc);
/* A read snapshot for a call that reads much (a frame, a card, a campaign's
 * measurement): every read until patron__read_end sees one moment of the
 * store, and the backend takes its locks once instead of per statement.
 *     int held; int rc = patron__read_begin(db, &held); if (rc) return rc;
 *     rc = ...reads...;
 *     return patron__read_end(db, held, rc);
 * Inside a transaction (a batch, a write) it does nothing: the reads see
 * that transaction. A write inside a read snapshot is refused. */
int patron__read_begin(patron_db *db, int *held);
int patron__read_end(patron_db *db, int held, int rc);
/* The same for calls that do every check before their first write (so a
 * business failure never follows a write): inside a batch no savepoint is
 * taken (savepoints cost ~40% of a posting). If such a call still fails
 * after writing (I/O error, out of memory), the batch is marked failed:
 * later calls refuse and patron_batch_commit() rolls everything back. */
int patron__tx_begin_light(patron_db *db);
int patron__tx_end_light(patron_db *db, int rc);
/* Member-scoped writes: called just before patron__tx_begin(_light), it says
 * that the transaction reads and writes only the ledger state of members it
 * locks with patron__tx_lock_member() before touching them, so on a backend
 * with concurrent writers (PostgreSQL) postings of different members run in
 * parallel. Every other write transaction excludes them all. */
void patron__tx_scope_members(patron_db *db);
int patron__tx_lock_member(patron_db *db, int64_t member_id);
/* Round trips for a write that reads no setting the handle did not read
 * before (a single earn on PostgreSQL). Called just before
 * patron__tx_begin: where the backend sends statements ahead (prefetch)
 * and the handle holds the settings of an earlier write transaction, the
 * BEGIN does not read them again. After the transaction's locks,
 * patron__settings_reuse() then answers the settings from that copy for
 * this transaction and sends a statement that fails the transaction if
 * they have changed since (the store lock, held shared, keeps them from
 * changing until the COMMIT): *guard is that statement, to pass to
 * patron__sql_done after patron__tx_end. PATRON_EUNSUPPORTED (no message)
 * when there is no copy: the settings are read as usual. A transaction
 * whose copy was stale fails with a message that
 * patron__settings_stale() recognises: run the write the usual way. */
void patron__tx_reuse_settings(patron_db *db);
int patron__settings_reuse(patron_db *db, patron__stmt **guard);
int patron__settings_stale(void);
/* The same for members `ids[0..n)` (any order, repeats allowed). */
int patron__tx_lock_members(patron_db *db, const int64_t *ids, size_t n);

/* Prepare `sql` and bind arguments described by `fmt`:
 *   'i' int64_t, 't' const char * (NULL -> NULL), 'n' NULL (no argument). */
int patron__sql_bind(patron_db *db, patron__stmt **out, const char *sql, const char *fmt, ...);
int patron__sql_vbind(patron_db *db, patron__stmt **out, const char *sql, const char *fmt,
                      va_list ap);
/* The same for an INSERT that may meet a unique key (see prepare_unique):
 * patron__sql_step_unique() then sets *id to the new row id, or 0 when the
 * key exists (no message recorded). */
int patron__sql_bind_unique(patron_db *db, patron__stmt **out, const char *sql, const char *fmt, ...);
int patron__sql_step_unique(patron_db *db, patron__stmt *st, int64_t *id);
/* The last statement of a write transaction of its own (depth 1, no
 * batch), bound: sent now to travel with the COMMIT in one round trip
 * where the backend has `defer`; its rows are read with patron__sql_step
 * once patron__tx_end returned PATRON_OK (if it failed, the statement's
 * work was rolled back with the rest). PATRON_EUNSUPPORTED (no message)
 * where it cannot be deferred: the caller steps it now. */
int patron__sql_defer(patron_db *db, patron__stmt *st);
/* Run a statement that returns no rows. */
int patron__sql_run(patron_db *db, const char *sql, const char *fmt, ...);
/* Single int64 from the first column of the first row. PATRON_ENOTFOUND when
 * no row (nothing recorded in errmsg: callers word the message). A NULL
 * value reads as `null_value`. */
int patron__sql_int(patron_db *db, int64_t *out, int64_t null_value, const char *sql,
                    const char *fmt, ...);
/* The int64 first column of every row, appended to the array *ids of *n
 * values (patron__malloc'ed, grown as needed). On failure the array is
 * freed and *ids, *n are NULL and 0. */
int patron__sql_ids(patron_db *db, int64_t **ids, size_t *n, const char *sql, const char *fmt, ...);
/* Step wrapper: ROW (1), DONE (0) or a status with message. */
int patron__sql_step(patron_db *db, patron__stmt *st);
int64_t patron__sql_col_int(patron_db *db, patron__stmt *st, int col);
const char *patron__sql_col_text(patron_db *db, patron__stmt *st, int col);
int patron__sql_col_null(patron_db *db, patron__stmt *st, int col);
void patron__sql_done(patron_db *db, patron__stmt *st); /* reset, release locks */
int64_t patron__sql_last_id(patron_db *db);

/* Append `,\n  "<title>": [...]` to `b`: the rows of `sql` (one parameter:
 * `id`) as objects with keys `names`, typed by `types` ('i' integer, 'b'
 * boolean, 't' text; NULL is null). For member data exports. */
struct patron__sbuf;
int patron__sql_export_rows(patron_db *db, struct patron__sbuf *b, const char *title, const char *sql, int64_t id,
                            const char *const *names, const char *types);

/* Outside a transaction, forget what the handle remembers when another
 * connection has committed since (a read must not see a stale cache; inside
 * a write transaction the check was made when it began). */
void patron__db_refresh(patron_db *db);

/* The handle's state of the module that owns `type` (one static
 * patron__slot_type per module), created zeroed on first use; NULL only when
 * it cannot be allocated (callers then work without what it would cache). */
void *patron__slot(patron_db *db, const patron__slot_type *type);

/* Settings (key/value text) kept in the store. get: *out is patron__strdup'ed
 * or NULL when unset. */
int patron__setting_get(patron_db *db, const char *key, char **out);
int patron__setting_set(patron_db *db, const char *key, const char *value);

/* 64-bit FNV-1a, for request fingerprints (idempotency). Inline: a
 * fingerprint hashes a posting's integers 8 bytes at a time, which the
 * compiler unrolls where n is a constant (the call and loop were 3% of a
 * batched earn's instructions, callgrind). Stored fingerprints depend on
 * these values: never change them. */
static inline uint64_t patron__fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}
#define PATRON__FNV_INIT UINT64_C(0xcbf29ce484222325)

/* Checks that `db` is a usable handle; records a message otherwise. */
int patron__db_check(const patron_db *db, const char *func);

#endif
