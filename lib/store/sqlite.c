/* The SQLite backend of the store interface (lib/internal/store.h). */
#define _GNU_SOURCE /* F_OFD_SETLK: locks owned by the open file, not the process */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <time.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/store.h"

/* Cached statements, keyed by the address of their SQL text. */
#define CACHE_CAP 512

struct patron__stmt {
    sqlite3_stmt *st;
    struct sq *owner;
};

typedef struct cache_entry {
    const char *sql;
    struct patron__stmt stmt;
} cache_entry;

typedef struct sq {
    sqlite3 *h;
    int lock_fd;         /* "<store>-writer", the fair writer queue; -1 = none */
    int locked;          /* this handle holds the writer byte */
    int busy_timeout_ms;
    cache_entry cache[CACHE_CAP];
} sq;

static int map_rc(sqlite3 *h, int rc, const char *what)
{
    int prim = rc & 0xff;
    int code;
    switch (prim) {
    case SQLITE_NOMEM: code = PATRON_ENOMEM; break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: code = PATRON_EBUSY; break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: code = PATRON_ECORRUPT; break;
    case SQLITE_CONSTRAINT: code = PATRON_ECONFLICT; break;
    case SQLITE_READONLY: code = PATRON_EINVAL; break;
    case SQLITE_CANTOPEN: code = PATRON_EIO; break;
    case SQLITE_MISUSE:
    case SQLITE_ERROR:
    case SQLITE_RANGE: code = PATRON_EINTERNAL; break;
    default: code = PATRON_EIO; break;
    }
    return patron__fail(code, "sqlite: %s: %s (code %d)", what, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc), rc);
}

/* ---- fair writers ---------------------------------------------------------
 * SQLite's busy handler sleeps for growing intervals (up to 100 ms), so a
 * writer that has waited long keeps losing to writers that just arrived.
 * Writers of one store therefore first take byte 0 of a side file,
 * "<store>-writer", polling at most every 500 us; a writer that has waited
 * more than 2 ms also takes byte 1, the gate, and while the gate is held by
 * someone else newcomers do not compete for byte 0. So the longest waiter is
 * served next, and no writer waits behind an unbounded stream of newcomers.
 * The locks belong to the open file (F_OFD_SETLK), so two handles in one
 * process queue like two processes, and a crashed holder releases them. */
#ifdef F_OFD_SETLK
#define LOCK_SET F_OFD_SETLK
#define LOCK_GET F_OFD_GETLK
#else
#define LOCK_SET F_SETLK
#define LOCK_GET F_GETLK
#endif

static struct flock one_byte(off_t byte, short type)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = byte;
    fl.l_len = 1;
    return fl;
}

static int lock_byte(int fd, off_t byte, short type)
{
    struct flock fl = one_byte(byte, type);
    return fcntl(fd, LOCK_SET, &fl) == 0;
}

static int byte_held_by_other(int fd, off_t byte)
{
    struct flock fl = one_byte(byte, F_WRLCK);
    return fcntl(fd, LOCK_GET, &fl) == 0 && fl.l_type != F_UNLCK;
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_us(int64_t us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int writer_lock(sq *s, const char *what)
{
    if (s->lock_fd < 0 || s->locked)
        return PATRON_OK;
    int64_t start = now_us(), limit = (int64_t)s->busy_timeout_ms * 1000;
    int64_t delay = 20;
    int gate = 0;
    uint64_t jitter = (uint64_t)start ^ (uint64_t)(uintptr_t)s;
    for (;;) {
        if ((gate || !byte_held_by_other(s->lock_fd, 1)) && lock_byte(s->lock_fd, 0, F_WRLCK)) {
            if (gate)
                lock_byte(s->lock_fd, 1, F_UNLCK);
            s->locked = 1;
            return PATRON_OK;
        }
        int64_t waited = now_us() - start;
        if (waited >= limit) {
            if (gate)
                lock_byte(s->lock_fd, 1, F_UNLCK);
            return patron__fail(PATRON_EBUSY, "%s: the store is busy: waited %lld ms for another writer "
                                              "(busy_timeout_ms = %d)", what, (long long)(waited / 1000),
                                s->busy_timeout_ms);
        }
        if (!gate && waited > 2000)
            gate = lock_byte(s->lock_fd, 1, F_WRLCK);
        jitter = jitter * 6364136223846793005u + 1442695040888963407u;
        int64_t nap = delay / 2 + (int64_t)((jitter >> 33) % (uint64_t)(delay / 2 + 1));
        if (nap > limit - waited)
            nap = limit - waited;
        sleep_us(nap > 0 ? nap : 1);
        if (delay < 500)
            delay *= 2;
    }
}

static void writer_unlock(sq *s)
{
    if (s->locked && sqlite3_get_autocommit(s->h)) {
        lock_byte(s->lock_fd, 0, F_UNLCK);
        s->locked = 0;
    }
}

static void sq_close(void *impl)
{
    sq *s = impl;
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    for (size_t i = 0; i < CACHE_CAP; i++)
        if (s->cache[i].sql)
            sqlite3_finalize(s->cache[i].stmt.st);
    sqlite3_close_v2(s->h);
    patron__free(s);
}

static int sq_exec(void *impl, const char *sql)
{
    sq *s = impl;
    char *err = NULL;
    int rc = sqlite3_exec(s->h, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        int code = map_rc(s->h, rc, "exec");
        sqlite3_free(err);
        return code;
    }
    return PATRON_OK;
}

static int sq_prepare(void *impl, const char *sql, patron__stmt **out)
{
    sq *s = impl;
    uintptr_t h = (uintptr_t)sql;
    h ^= h >> 17;
    h *= UINT64_C(0x9E3779B97F4A7C15) & UINTPTR_MAX;
    size_t i = (size_t)(h >> 8) % CACHE_CAP;
    for (size_t probe = 0; probe < CACHE_CAP; probe++, i = (i + 1) % CACHE_CAP) {
        cache_entry *e = &s->cache[i];
        if (e->sql == sql) {
            sqlite3_reset(e->stmt.st);
            *out = &e->stmt;
            return PATRON_OK;
        }
        if (e->sql == NULL) {
            sqlite3_stmt *st = NULL;
            int rc = sqlite3_prepare_v3(s->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
            if (rc != SQLITE_OK)
                return map_rc(s->h, rc, "prepare");
            e->sql = sql;
            e->stmt.st = st;
            e->stmt.owner = s;
            *out = &e->stmt;
            return PATRON_OK;
        }
    }
    return patron__fail(PATRON_EINTERNAL, "statement cache full (%d statements)", CACHE_CAP);
}

static int sq_bind_int64(patron__stmt *st, int idx, int64_t v)
{
    int rc = sqlite3_bind_int64(st->st, idx, (sqlite3_int64)v);
    return rc == SQLITE_OK ? PATRON_OK : map_rc(st->owner->h, rc, "bind");
}

static int sq_bind_text(patron__stmt *st, int idx, const char *v)
{
    int rc = v ? sqlite3_bind_text(st->st, idx, v, -1, SQLITE_TRANSIENT)
               : sqlite3_bind_null(st->st, idx);
    return rc == SQLITE_OK ? PATRON_OK : map_rc(st->owner->h, rc, "bind");
}

/* The same without a copy: `v` outlives the statement's execution. */
static int sq_bind_text_kept(patron__stmt *st, int idx, const char *v)
{
    int rc = v ? sqlite3_bind_text(st->st, idx, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st->st, idx);
    return rc == SQLITE_OK ? PATRON_OK : map_rc(st->owner->h, rc, "bind");
}

static int sq_bind_null(patron__stmt *st, int idx)
{
    int rc = sqlite3_bind_null(st->st, idx);
    return rc == SQLITE_OK ? PATRON_OK : map_rc(st->owner->h, rc, "bind");
}

static int sq_step(patron__stmt *st)
{
    int rc = sqlite3_step(st->st);
    if (rc == SQLITE_ROW)
        return PATRON__ROW;
    if (rc == SQLITE_DONE)
        return PATRON__DONE;
    int code = map_rc(st->owner->h, rc, "step");
    sqlite3_reset(st->st);
    return code;
}

static int sq_reset(patron__stmt *st)
{
    sqlite3_reset(st->st);
    return PATRON_OK;
}

static int sq_col_null(patron__stmt *st, int col)
{
    return sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

static int64_t sq_col_int64(patron__stmt *st, int col)
{
    return (int64_t)sqlite3_column_int64(st->st, col);
}

static const char *sq_col_text(patron__stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st->st, col);
}

static int sq_begin(void *impl)
{
    sq *s = impl;
    int rc = writer_lock(s, "begin");
    if (rc == PATRON_OK)
        rc = sq_exec(impl, "BEGIN IMMEDIATE");
    if (rc && (rc != PATRON_EBUSY || strstr(patron_errmsg(), "waited") == NULL))
        patron__fail_prefix(rc, "begin (busy_timeout_ms = %d): ", s->busy_timeout_ms);
    writer_unlock(s);
    return rc;
}

/* A read snapshot: a deferred BEGIN takes no writer lock; in WAL mode the
 * snapshot starts at the first read and blocks no writer. */
static int sq_begin_read(void *impl)
{
    return sq_exec(impl, "BEGIN");
}

static int sq_end_read(void *impl)
{
    sq *s = impl;
    return sqlite3_get_autocommit(s->h) ? PATRON_OK : sq_exec(impl, "COMMIT");
}

static int sq_commit(void *impl)
{
    int rc = sq_exec(impl, "COMMIT");
    writer_unlock(impl);
    return rc;
}

static int sq_rollback(void *impl)
{
    sq *s = impl;
    int rc = PATRON_OK;
    if (!sqlite3_get_autocommit(s->h)) /* else SQLite already rolled back (e.g. after an I/O error) */
        rc = sq_exec(impl, "ROLLBACK");
    writer_unlock(s);
    return rc;
}

static int sp_exec(void *impl, const char *verb, int depth)
{
    char sql[64];
    snprintf(sql, sizeof sql, "%s p%d", verb, depth);
    return sq_exec(impl, sql);
}

static int sq_savepoint(void *impl, int depth)
{
    return sp_exec(impl, "SAVEPOINT", depth);
}

static int sq_release(void *impl, int depth)
{
    return sp_exec(impl, "RELEASE", depth);
}

static int sq_rollback_to(void *impl, int depth)
{
    sq *s = impl;
    if (sqlite3_get_autocommit(s->h))
        return PATRON_OK;
    int rc = sp_exec(impl, "ROLLBACK TO", depth);
    if (rc == PATRON_OK)
        rc = sp_exec(impl, "RELEASE", depth);
    return rc;
}

static int64_t sq_last_id(void *impl)
{
    return (int64_t)sqlite3_last_insert_rowid(((sq *)impl)->h);
}

static int64_t sq_changes(void *impl)
{
    return (int64_t)sqlite3_changes64(((sq *)impl)->h);
}

static int64_t sq_total_changes(void *impl)
{
    return (int64_t)sqlite3_total_changes64(((sq *)impl)->h);
}

static int sq_data_version(void *impl, int64_t *out)
{
    static const char sql[] = "PRAGMA data_version";
    patron__stmt *st;
    int rc = sq_prepare(impl, sql, &st);
    if (rc)
        return rc;
    rc = sqlite3_step(st->st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st->st, 0);
    sqlite3_reset(st->st);
    return rc == SQLITE_ROW ? PATRON_OK : map_rc(((sq *)impl)->h, rc, "data_version");
}

static int sq_param_count(patron__stmt *st)
{
    return sqlite3_bind_parameter_count(st->st);
}

static int sq_step_unique(patron__stmt *st, int64_t *id)
{
    int rc = sqlite3_step(st->st);
    if (rc == SQLITE_DONE) {
        *id = (int64_t)sqlite3_last_insert_rowid(st->owner->h);
        return PATRON_OK;
    }
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        sqlite3_reset(st->st);
        *id = 0;
        return PATRON_OK;
    }
    int code = map_rc(st->owner->h, rc, "step");
    sqlite3_reset(st->st);
    return code;
}

static int sq_tx_failed(void *impl)
{
    (void)impl;
    return 0; /* a failed statement undoes only itself */
}

/* The version lives in the file header (user_version) next to an
 * application id that marks the file as a libpatron store. */
#define PATRON_APPLICATION_ID 0x5054524E /* 'PTRN' */

static int sq_schema_read(void *impl, int64_t *version, int *foreign)
{
    sq *s = impl;
    /* one statement, one snapshot: read apart, a store created in between
     * would look like tables without the application id */
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->h,
                                "SELECT (SELECT application_id FROM pragma_application_id), "
                                "(SELECT user_version FROM pragma_user_version), "
                                "(SELECT count(*) FROM sqlite_master)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return map_rc(s->h, rc, "schema version");
    rc = sqlite3_step(st);
    int64_t app = 0, ntables = 0;
    if (rc == SQLITE_ROW) {
        app = sqlite3_column_int64(st, 0);
        *version = sqlite3_column_int64(st, 1);
        ntables = sqlite3_column_int64(st, 2);
    }
    int code = rc == SQLITE_ROW ? PATRON_OK : map_rc(s->h, rc, "schema version");
    sqlite3_finalize(st);
    if (code)
        return code;
    *foreign = app != PATRON_APPLICATION_ID && (app != 0 || ntables != 0);
    return PATRON_OK;
}

static int sq_schema_write(void *impl, int version)
{
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d", PATRON_APPLICATION_ID,
             version);
    return sq_exec(impl, sql);
}

static int sq_integrity(void *impl, char *msg, size_t cap)
{
    sq *s = impl;
    sqlite3_stmt *st = NULL;
    msg[0] = '\0';
    int rc = sqlite3_prepare_v2(s->h, "PRAGMA integrity_check", -1, &st, NULL);
    if (rc != SQLITE_OK) {
        snprintf(msg, cap, "PRAGMA integrity_check: %s", sqlite3_errmsg(s->h));
        return 1;
    }
    int problems = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (t && strcmp(t, "ok") != 0 && problems++ == 0)
            snprintf(msg, cap, "sqlite integrity_check: %s", t);
    }
    if (rc != SQLITE_DONE && problems++ == 0)
        snprintf(msg, cap, "sqlite integrity_check: %s", sqlite3_errmsg(s->h));
    sqlite3_finalize(st);
    return problems;
}

static const patron__store_vt sqlite_vt = {
    .name = "sqlite",
    .features = PATRON__STORE_KEYS_IN_POSTINGS, /* the ledger's schema, version 11 */
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .bind_int64 = sq_bind_int64,
    .bind_text = sq_bind_text,
    .bind_text_kept = sq_bind_text_kept,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .reset = sq_reset,
    .column_is_null = sq_col_null,
    .column_int64 = sq_col_int64,
    .column_text = sq_col_text,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .savepoint = sq_savepoint,
    .release = sq_release,
    .rollback_to = sq_rollback_to,
    .last_insert_id = sq_last_id,
    .changes = sq_changes,
    .total_changes = sq_total_changes,
    .data_version = sq_data_version,
    .param_count = sq_param_count,
    .tx_failed = sq_tx_failed,
    .schema_read = sq_schema_read,
    .schema_write = sq_schema_write,
    .integrity = sq_integrity,
    .prepare_unique = sq_prepare,
    .step_unique = sq_step_unique,
    .begin_read = sq_begin_read,
    .end_read = sq_end_read,
};

static int pragma_text(sq *s, const char *sql, char *buf, size_t cap)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->h, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return map_rc(s->h, rc, sql);
    rc = sqlite3_step(st);
    buf[0] = '\0';
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        snprintf(buf, cap, "%s", t ? t : "");
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    int code = rc == SQLITE_OK ? PATRON_OK : map_rc(s->h, rc, sql);
    sqlite3_finalize(st);
    return code;
}

int patron__sqlite_open(patron_db *db, const char *path, int is_uri)
{
    int memory = strcmp(path, ":memory:") == 0;
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    if (db->opts.read_only)
        flags |= SQLITE_OPEN_READONLY;
    else
        flags |= SQLITE_OPEN_READWRITE | (db->opts.no_create ? 0 : SQLITE_OPEN_CREATE);
    if (is_uri)
        flags |= SQLITE_OPEN_URI;
    /* A file nobody may write is read-only, for root too: say so at open,
     * before SQLite creates -wal and -shm files beside it. */
    struct stat fst;
    if (!db->opts.read_only && !is_uri && !memory && stat(path, &fst) == 0 && S_ISREG(fst.st_mode) &&
        ((fst.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0 || access(path, W_OK) != 0))
        return patron__fail(PATRON_EINVAL, "cannot open store '%s' for writing: the file is read-only "
                                           "(permissions %03o); open it with read_only = 1 to read it",
                            path, (unsigned)(fst.st_mode & 0777));
    sq *s = patron__calloc(1, sizeof *s);
    if (!s)
        return patron__oom();
    int rc = sqlite3_open_v2(path, &s->h, flags, NULL);
    if (rc != SQLITE_OK) {
        int code;
        if (s->h == NULL)
            code = patron__oom();
        else if ((rc & 0xff) == SQLITE_CANTOPEN && (db->opts.no_create || db->opts.read_only))
            code = patron__fail(PATRON_ENOTFOUND, "cannot open store '%s': %s", path,
                                sqlite3_errmsg(s->h));
        else
            code = patron__fail(PATRON_EIO, "cannot open store '%s': %s", path,
                                sqlite3_errmsg(s->h));
        sqlite3_close_v2(s->h);
        patron__free(s);
        return code;
    }
    sqlite3_extended_result_codes(s->h, 1);
    sqlite3_busy_timeout(s->h, db->opts.busy_timeout_ms);
    s->busy_timeout_ms = db->opts.busy_timeout_ms;
    s->lock_fd = -1;
    if (!memory && !is_uri && !db->opts.read_only) {
        char lock_path[4096];
        if (snprintf(lock_path, sizeof lock_path, "%s-writer", path) < (int)sizeof lock_path)
            s->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        /* no side file (a read-only folder): SQLite's own busy handler alone */
    }
    char buf[64];
    /* Reading the header early turns "not a database" into a clear error.
     * Creating or switching a new file to WAL needs it alone: openers of one
     * store take turns in the writer queue, so none fails with EBUSY. */
    int code = pragma_text(s, "PRAGMA schema_version", buf, sizeof buf);
    if (code == PATRON_OK && !memory && !db->opts.read_only)
        code = pragma_text(s, "PRAGMA journal_mode", buf, sizeof buf);
    if (code == PATRON_OK && !memory && !db->opts.read_only && strcmp(buf, "wal") != 0 &&
        (code = writer_lock(s, "open")) == PATRON_OK) {
        int64_t until = now_us() + (int64_t)db->opts.busy_timeout_ms * 1000;
        while ((code = pragma_text(s, "PRAGMA journal_mode=WAL", buf, sizeof buf)) == PATRON_EBUSY &&
               now_us() < until)
            sleep_us(1000); /* a process outside the queue (another program) holds the file */
        if (code == PATRON_OK && strcmp(buf, "wal") != 0)
            code = patron__fail(PATRON_EIO, "store '%s': cannot switch to WAL mode (journal_mode is '%s')",
                                path, buf);
    }
    writer_unlock(s);
    if (code == PATRON_OK) {
        static const char *const sync_sql[] = {"PRAGMA synchronous=FULL", "PRAGMA synchronous=NORMAL",
                                               "PRAGMA synchronous=OFF"};
        code = sq_exec(s, sync_sql[db->opts.synchronous]);
    }
    if (code == PATRON_OK)
        /* A 64 MiB page cache (allocated as used) keeps the ledger's indexes
         * in memory instead of re-reading them from the OS on every batch;
         * checkpointing every 8,000 WAL pages instead of 1,000 copies a page
         * written by several batches to the main file once. */
        code = sq_exec(s, "PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"
                          " PRAGMA wal_autocheckpoint=8000;");
    if (code != PATRON_OK) {
        patron__fail_prefix(code, "opening '%s': ", path);
        sq_close(s);
        return code;
    }
    db->vt = &sqlite_vt;
    db->impl = s;
    return PATRON_OK;
}
