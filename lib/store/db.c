/* The store front: patron_open/close, batches, transactions and SQL helpers
 * shared by the modules above the store. Backend-neutral. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"
#include "internal/store.h"
#include "settings_cache.h"

int patron__db_check(const patron_db *db, const char *func)
{
    if (db == NULL)
        return patron__fail(PATRON_EINVAL, "%s: db is NULL", func);
    return PATRON_OK;
}

int patron_open(patron_db **out, const char *uri, const patron_db_options *opts)
{
    if (out == NULL || uri == NULL)
        return patron__fail(PATRON_EINVAL, "patron_open: %s is NULL", out ? "uri" : "out");
    patron_db_options o = PATRON_DB_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_db_options");
    if (rc)
        return rc;
    if (o.synchronous < PATRON_SYNC_FULL || o.synchronous > PATRON_SYNC_OFF)
        return patron__fail(PATRON_EINVAL, "patron_db_options.synchronous is %d; use a patron_sync value",
                            o.synchronous);
    if (o.busy_timeout_ms < 0)
        return patron__fail(PATRON_EINVAL, "patron_db_options.busy_timeout_ms is %d; must be >= 0",
                            o.busy_timeout_ms);
    if (uri[0] == '\0')
        return patron__fail(PATRON_EINVAL, "patron_open: empty uri");
    int postgres = !strncmp(uri, "postgres://", 11) || !strncmp(uri, "postgresql:", 11);
#ifndef PATRON_HAVE_POSTGRES
    if (postgres)
        return patron__fail(PATRON_EUNSUPPORTED,
                            "patron_open: '%s': no PostgreSQL backend in this build (SQLite only)", uri);
#endif
    patron_db *db = patron__calloc(1, sizeof *db);
    if (!db)
        return patron__oom();
    db->opts = o;
    /* The one place that chooses a backend. */
#ifdef PATRON_HAVE_POSTGRES
    if (postgres)
        rc = patron__postgres_open(db, uri);
    else
#endif
        rc = patron__sqlite_open(db, uri, strncmp(uri, "file:", 5) == 0);
    if (rc == PATRON_OK) {
        rc = patron__schema_migrate(db);
        if (rc != PATRON_OK)
            db->vt->close(db->impl);
    }
    if (rc != PATRON_OK) {
        patron__free(db);
        return rc;
    }
    *out = db;
    return PATRON_OK;
}

/* One handle, one thread at a time: each thread has its own marker
 * address; a write transaction or batch claims the handle for it. */
static _Thread_local char thread_marker;

static uintptr_t this_thread(void)
{
    return (uintptr_t)&thread_marker;
}

static int in_use_elsewhere(void)
{
    return patron__fail(PATRON_EBUSY, "the patron_db handle is in use by another thread (a handle serves one "
                                      "thread at a time: open one per thread)");
}

static int claim(patron_db *db)
{
    uintptr_t none = 0;
    if (atomic_compare_exchange_strong(&db->owner, &none, this_thread()))
        return PATRON_OK;
    return in_use_elsewhere();
}

static void unclaim(patron_db *db)
{
    atomic_store(&db->owner, (uintptr_t)0);
}

/* Fails when another thread is inside a transaction on this handle. */
static int check_owner(patron_db *db)
{
    uintptr_t o = atomic_load_explicit(&db->owner, memory_order_relaxed);
    if (o == 0 || o == this_thread())
        return PATRON_OK;
    return in_use_elsewhere();
}

/* The batch calls: a live handle, not in use by another thread. */
static int batch_entry(patron_db *db, const char *call)
{
    int rc = patron__db_check(db, call);
    return rc ? rc : check_owner(db);
}

/* Another connection's commit since the handle last looked makes it forget
 * what it remembers of the store (write_epoch). */
static void note_data_version(patron_db *db, int64_t v)
{
    if (v != db->data_version) {
        db->data_version = v;
        db->write_epoch++;
    }
}

/* Rollbacks forget what the handle remembers of the store (write_epoch). */
static void db_rollback(patron_db *db)
{
    db->write_epoch++;
    db->vt->rollback(db->impl);
    unclaim(db);
}

static int db_commit(patron_db *db)
{
    int rc = db->vt->commit(db->impl);
    if (rc == PATRON_OK)
        unclaim(db);
    return rc;
}

static void db_rollback_to(patron_db *db, int depth)
{
    db->write_epoch++;
    db->vt->rollback_to(db->impl, depth);
}

/* Begin a write transaction; another connection's commit since the last
 * one makes the handle forget what it remembers of the store. */
static int db_begin(patron_db *db)
{
    int rc = claim(db);
    if (rc)
        return rc;
    db->tx_shared = db->scope_members && db->vt->begin_shared != NULL;
    db->scope_members = 0;
    int reuse = db->reuse_settings && db->vt->prefetch && patron__settings_cached(db);
    db->reuse_settings = 0;
    db->settings_reused = 0;
    rc = db->tx_shared ? db->vt->begin_shared(db->impl) : db->vt->begin(db->impl);
    if (rc)
        unclaim(db);
    int64_t v = 0;
    /* the settings every posting reads (policy, events switch), read with
     * the BEGIN where a statement costs a round trip */
    if (rc == PATRON_OK && db->vt->prefetch && !reuse &&
        (rc = db->vt->prefetch(db->impl, patron__settings_all_sql)) != PATRON_OK) {
        db->vt->rollback(db->impl);
        unclaim(db);
    }
    if (rc == PATRON_OK && (rc = db->vt->data_version(db->impl, &v)) != PATRON_OK) {
        db->vt->rollback(db->impl);
        unclaim(db);
    }
    if (rc == PATRON_OK) {
        note_data_version(db, v);
        db->settings_reused = reuse; /* until patron__settings_reuse sends the guard, or the first read */
    }
    return rc;
}

void *patron__slot(patron_db *db, const patron__slot_type *type)
{
    int i = 0;
    for (; i < PATRON__SLOTS && db->slots[i].type; i++)
        if (db->slots[i].type == type)
            return db->slots[i].state;
    if (i == PATRON__SLOTS) /* more modules with state than slots: a build-time sizing error */
        return NULL;
    void *state = patron__calloc(1, type->size);
    if (state) {
        db->slots[i].type = type;
        db->slots[i].state = state;
    }
    return state;
}

void patron_close(patron_db *db)
{
    if (db == NULL)
        return;
    if (db->depth > 0)
        db->vt->rollback(db->impl);
    db->vt->close(db->impl);
    for (int i = 0; i < PATRON__SLOTS; i++)
        if (db->slots[i].type) {
            if (db->slots[i].type->release)
                db->slots[i].type->release(db->slots[i].state);
            patron__free(db->slots[i].state);
        }
    patron__free(db);
}

int patron_batch_begin(patron_db *db)
{
    int rc = batch_entry(db, "patron_batch_begin");
    if (rc)
        return rc;
    if (db->batch || db->depth)
        return patron__fail(PATRON_EINVAL, "patron_batch_begin: a batch is already open");
    if (db->opts.read_only)
        return patron__fail(PATRON_EINVAL, "patron_batch_begin: the store is open read-only");
    rc = db_begin(db);
    if (rc)
        return rc;
    db->batch = 1;
    db->depth = 1;
    return PATRON_OK;
}

int patron_batch_commit(patron_db *db)
{
    int rc = batch_entry(db, "patron_batch_commit");
    if (rc)
        return rc;
    if (!db->batch)
        return patron__fail(PATRON_EINVAL, "patron_batch_commit: no batch is open");
    if (db->batch_failed) {
        db_rollback(db);
        db->batch = db->depth = db->batch_failed = 0;
        return patron__fail(PATRON_EIO, "batch rolled back: a call failed half-way through its writes");
    }
    rc = db_commit(db);
    if (rc) {
        int code = rc;
        db_rollback(db);
        rc = patron__fail_prefix(code, "batch rolled back: ");
    }
    db->batch = 0;
    db->depth = 0;
    return rc;
}

int patron_batch_rollback(patron_db *db)
{
    int rc = batch_entry(db, "patron_batch_rollback");
    if (rc)
        return rc;
    if (!db->batch)
        return patron__fail(PATRON_EINVAL, "patron_batch_rollback: no batch is open");
    db->write_epoch++;
    rc = db->vt->rollback(db->impl);
    unclaim(db);
    db->batch = 0;
    db->depth = 0;
    db->batch_failed = 0;
    return rc;
}

int patron_db_schema_version(patron_db *db, int *out)
{
    int rc = patron__db_check(db, "patron_db_schema_version");
    if (rc)
        return rc;
    if (!out)
        return patron__fail(PATRON_EINVAL, "patron_db_schema_version: out is NULL");
    int64_t v = 0;
    int foreign = 0;
    rc = db->vt->schema_read(db->impl, &v, &foreign);
    if (rc)
        return rc;
    *out = (int)v;
    return PATRON_OK;
}

void patron__db_refresh(patron_db *db)
{
    int64_t v = 0;
    if (db->depth == 0 && db->vt->data_version(db->impl, &v) == PATRON_OK)
        note_data_version(db, v);
}

void patron__tx_scope_members(patron_db *db)
{
    db->scope_members = 1;
}

void patron__tx_reuse_settings(patron_db *db)
{
    db->reuse_settings = 1;
}

int patron__tx_lock_member(patron_db *db, int64_t member_id)
{
    if (db->depth == 0 || !db->tx_shared)
        return PATRON_OK; /* no transaction, or one that excludes every other writer */
    return db->vt->lock_member(db->impl, member_id);
}

int patron__tx_lock_members(patron_db *db, const int64_t *ids, size_t n)
{
    if (db->depth == 0 || !db->tx_shared || n == 0)
        return PATRON_OK;
    if (db->vt->lock_members)
        return db->vt->lock_members(db->impl, ids, n);
    int rc = PATRON_OK;
    for (size_t i = 0; i < n && rc == PATRON_OK; i++)
        rc = db->vt->lock_member(db->impl, ids[i]);
    return rc;
}

int patron__read_begin(patron_db *db, int *held)
{
    *held = 0;
    if (db->depth > 0 || !db->vt->begin_read)
        return PATRON_OK;
    int rc = claim(db);
    if (rc)
        return rc;
    if ((rc = db->vt->begin_read(db->impl))) {
        unclaim(db);
        return rc;
    }
    /* what the handle remembers is checked against the snapshot, as a write
     * transaction's begin does */
    int64_t v = 0;
    if ((rc = db->vt->data_version(db->impl, &v))) {
        db->vt->end_read(db->impl);
        unclaim(db);
        return rc;
    }
    note_data_version(db, v);
    db->depth = 1;
    db->reading = 1;
    *held = 1;
    return PATRON_OK;
}

int patron__read_end(patron_db *db, int held, int rc)
{
    if (!held)
        return rc;
    db->depth = 0;
    db->reading = 0;
    int c = db->vt->end_read(db->impl);
    unclaim(db);
    return rc ? rc : c;
}

int patron__tx_begin(patron_db *db)
{
    if (db->reading)
        return patron__fail(PATRON_EINVAL, "internal: a write inside a read snapshot");
    if (db->batch_failed)
        return patron__fail(PATRON_EIO, "an earlier call failed half-way; the batch can only be rolled back");
    if (db->opts.read_only)
        return patron__fail(PATRON_EINVAL, "the store is open read-only");
    if (db->depth > 0)
        db->scope_members = 0; /* nested in a transaction that has its own scope */
    int rc = db->depth == 0 ? db_begin(db) : check_owner(db);
    if (rc == PATRON_OK && db->depth > 0)
        rc = db->vt->savepoint(db->impl, db->depth);
    if (rc)
        return rc;
    db->depth++;
    return PATRON_OK;
}

int patron__tx_begin_light(patron_db *db)
{
    if (db->reading)
        return patron__fail(PATRON_EINVAL, "internal: a write inside a read snapshot");
    if (!db->batch || db->depth != 1)
        return patron__tx_begin(db);
    db->scope_members = 0; /* the batch's transaction already excludes other writers */
    if (db->batch_failed)
        return patron__fail(PATRON_EIO, "an earlier call failed half-way; the batch can only be rolled back");
    int rc = check_owner(db);
    if (rc)
        return rc;
    db->tx_changes = db->vt->total_changes(db->impl);
    db->depth++;
    db->light = 1;
    return PATRON_OK;
}

int patron__tx_end_light(patron_db *db, int rc)
{
    if (!(db->light && db->batch && db->depth == 2))
        return patron__tx_end(db, rc);
    db->light = 0;
    db->depth--;
    if (rc != PATRON_OK &&
        (db->vt->total_changes(db->impl) != db->tx_changes || db->vt->tx_failed(db->impl)))
        db->batch_failed = 1;
    return rc;
}

int patron__tx_end(patron_db *db, int rc)
{
    db->depth--;
    if (db->depth == 0) {
        if (rc == PATRON_OK) {
            int c = db_commit(db);
            if (c == PATRON_OK)
                return PATRON_OK;
            rc = c;
        }
        /* Keep the caller's message; the rollback result adds nothing. */
        db_rollback(db);
        return rc;
    }
    if (rc == PATRON_OK) {
        int c = db->vt->release(db->impl, db->depth);
        if (c == PATRON_OK)
            return PATRON_OK;
        rc = c;
    }
    db_rollback_to(db, db->depth);
    return rc;
}

static int sql_vbind(patron_db *db, patron__stmt **out, const char *sql, int unique, const char *fmt, va_list ap)
{
    patron__stmt *st;
    int rc = check_owner(db);
    if (rc == PATRON_OK)
        rc = unique ? db->vt->prepare_unique(db->impl, sql, &st) : db->vt->prepare(db->impl, sql, &st);
    if (rc)
        return rc;
    int idx = 1;
    for (const char *f = fmt; *f && rc == PATRON_OK; f++, idx++) {
        switch (*f) {
        case 'i': rc = db->vt->bind_int64(st, idx, va_arg(ap, int64_t)); break;
        case 't': rc = db->vt->bind_text(st, idx, va_arg(ap, const char *)); break;
        case 'n': rc = db->vt->bind_null(st, idx); break;
        default: rc = patron__fail(PATRON_EINTERNAL, "bad bind format '%c'", *f); break;
        }
    }
    /* a cached statement keeps its last bindings: what `fmt` leaves out is NULL */
    for (int n = rc == PATRON_OK ? db->vt->param_count(st) : 0; idx <= n && rc == PATRON_OK; idx++)
        rc = db->vt->bind_null(st, idx);
    if (rc) {
        db->vt->reset(st);
        return rc;
    }
    *out = st;
    return PATRON_OK;
}

int patron__sql_vbind(patron_db *db, patron__stmt **out, const char *sql, const char *fmt, va_list ap)
{
    return sql_vbind(db, out, sql, 0, fmt, ap);
}

int patron__sql_bind_unique(patron_db *db, patron__stmt **out, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = sql_vbind(db, out, sql, 1, fmt, ap);
    va_end(ap);
    return rc;
}

int patron__sql_step_unique(patron_db *db, patron__stmt *st, int64_t *id)
{
    return db->vt->step_unique(st, id);
}

int patron__sql_bind(patron_db *db, patron__stmt **out, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = patron__sql_vbind(db, out, sql, fmt, ap);
    va_end(ap);
    return rc;
}

int patron__sql_run(patron_db *db, const char *sql, const char *fmt, ...)
{
    patron__stmt *st;
    va_list ap;
    va_start(ap, fmt);
    int rc = patron__sql_vbind(db, &st, sql, fmt, ap);
    va_end(ap);
    if (rc)
        return rc;
    rc = db->vt->step(st);
    db->vt->reset(st);
    return rc < 0 ? rc : PATRON_OK;
}

int patron__sql_int(patron_db *db, int64_t *out, int64_t null_value, const char *sql,
                    const char *fmt, ...)
{
    patron__stmt *st;
    va_list ap;
    va_start(ap, fmt);
    int rc = patron__sql_vbind(db, &st, sql, fmt, ap);
    va_end(ap);
    if (rc)
        return rc;
    rc = db->vt->step(st);
    if (rc == PATRON__ROW) {
        *out = db->vt->column_is_null(st, 0) ? null_value : db->vt->column_int64(st, 0);
        rc = PATRON_OK;
    } else if (rc == PATRON__DONE) {
        rc = PATRON_ENOTFOUND;
    }
    db->vt->reset(st);
    return rc;
}

int patron__sql_ids(patron_db *db, int64_t **ids, size_t *n, const char *sql, const char *fmt, ...)
{
    patron__stmt *st;
    va_list ap;
    va_start(ap, fmt);
    int rc = patron__sql_vbind(db, &st, sql, fmt, ap);
    va_end(ap);
    if (rc == PATRON_OK) {
        size_t cap = *n;
        while ((rc = db->vt->step(st)) == PATRON__ROW) {
            if (patron__grow(ids, &cap, *n + 1, sizeof **ids)) {
                rc = patron__oom();
                break;
            }
            (*ids)[(*n)++] = db->vt->column_int64(st, 0);
        }
        db->vt->reset(st);
        if (rc == PATRON__DONE)
            rc = PATRON_OK;
    }
    if (rc != PATRON_OK) {
        patron__free(*ids);
        *ids = NULL;
        *n = 0;
    }
    return rc;
}

int patron__sql_defer(patron_db *db, patron__stmt *st)
{
    if (!db->vt->defer || db->depth != 1 || db->batch || db->reading)
        return PATRON_EUNSUPPORTED;
    return db->vt->defer(st);
}

int patron__sql_step(patron_db *db, patron__stmt *st)
{
    return db->vt->step(st);
}

int64_t patron__sql_col_int(patron_db *db, patron__stmt *st, int col)
{
    return db->vt->column_int64(st, col);
}

const char *patron__sql_col_text(patron_db *db, patron__stmt *st, int col)
{
    return db->vt->column_text(st, col);
}

int patron__sql_col_null(patron_db *db, patron__stmt *st, int col)
{
    return db->vt->column_is_null(st, col);
}

void patron__sql_done(patron_db *db, patron__stmt *st)
{
    db->vt->reset(st);
}

int64_t patron__sql_last_id(patron_db *db)
{
    return db->vt->last_insert_id(db->impl);
}

int patron__setting_get(patron_db *db, const char *key, char **out)
{
    static const char sql[] = "SELECT value FROM settings WHERE key = ?";
    patron__stmt *st;
    int rc = patron__settings_cache_get(db, key, out); /* inside a write transaction: read once */
    if (rc != PATRON_EUNSUPPORTED)
        return rc;
    rc = patron__sql_bind(db, &st, sql, "t", key);
    if (rc)
        return rc;
    rc = db->vt->step(st);
    char *v = NULL;
    if (rc == PATRON__ROW) {
        const char *t = db->vt->column_text(st, 0);
        v = patron__strdup(t ? t : "");
        rc = v ? PATRON_OK : patron__oom();
    }
    db->vt->reset(st);
    if (rc < 0)
        return rc;
    *out = v;
    return PATRON_OK;
}

int patron__setting_set(patron_db *db, const char *key, const char *value)
{
    int rc = patron__sql_run(db, "INSERT INTO settings(key, value) VALUES(?, ?) "
                                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                             "tt", key, value);
    if (rc == PATRON_OK)
        patron__settings_cache_put(db, key, value);
    return rc;
}
