/**
 * @file db.h
 * @brief The durable store: opening, closing, schema versions and batches.
 *
 * A store holds a club's members, points ledger, earning rules and tiers.
 * The default (and, in this release, only) backend is SQLite: a single file
 * in WAL mode, or `:memory:` for tests and notebooks. The modules above the
 * store (profile.h, ledger.h, earn.h, tier.h) never see the backend.
 *
 * Atomicity: every public function that writes is one transaction: it
 * happens completely or not at all, and a failure leaves the store as it was.
 * patron_batch_begin() / patron_batch_commit() group many calls into one
 * transaction for throughput; inside a batch a failing call still undoes only
 * itself (it runs in a savepoint), and the batch stays usable.
 *
 * Durability: with #PATRON_SYNC_FULL (the default) a call that returned
 * #PATRON_OK (or a batch that committed) survives a process crash and a power
 * loss. #PATRON_SYNC_NORMAL survives process crashes, and after a power loss
 * the store is still consistent but the last commits may be missing;
 * it is several times faster for single writes. #PATRON_SYNC_OFF leaves
 * syncing to the operating system (tests, bulk loads you can redo).
 *
 * Thread safety: a #patron_db handle is used by one thread at a time.
 * Different handles, even on the same file, may be used from different
 * threads and processes at once; writers are serialised by the store (a
 * writer waits up to `busy_timeout_ms`, then fails with #PATRON_EBUSY).
 *
 * Memory: libpatron's own allocations go through patron_set_allocator().
 * SQLite's internal allocations do not: SQLite's allocator is process-global
 * (`sqlite3_config(SQLITE_CONFIG_MALLOC)`) and can only be set before SQLite
 * is first used, so a library setting it would take over, or fail against,
 * the host application's own use of SQLite. An embedder that owns the whole
 * process may call `sqlite3_config()` itself before the first patron_open().
 */
#ifndef PATRON_DB_H
#define PATRON_DB_H

#include <stdint.h>

#include "patron/common.h"

PATRON_BEGIN_DECLS

/** @brief An open store (opaque). Created by patron_open(), released by patron_close(). */
typedef struct patron_db patron_db;

/** @brief Schema version written by this library. Stores with a larger version are refused. */
#define PATRON_DB_SCHEMA_VERSION 11

/** @brief Earliest time (UTC seconds) a store accepts in a write: 1970-01-01T00:00:00Z. */
#define PATRON_STORE_TIME_MIN INT64_C(0)
/**
 * @brief First time (UTC seconds) a store refuses in a write: 2200-01-01T00:00:00Z.
 *
 * No real posting, purchase or consent lies outside [#PATRON_STORE_TIME_MIN,
 * #PATRON_STORE_TIME_MAX); a value there is a unit mistake (milliseconds, as
 * JavaScript's `Date.now()` gives, are about 1.8e12) and is refused with
 * #PATRON_EINVAL and a message that says so. #PATRON_NEVER stays valid where
 * a header says "never".
 */
#define PATRON_STORE_TIME_MAX INT64_C(7258118400)

/** @brief How hard a commit waits for the disk (see the file comment for the trade-off). */
typedef enum patron_sync {
    PATRON_SYNC_FULL = 0,   /**< Default. Each commit is on disk before the call returns: survives power loss. */
    PATRON_SYNC_NORMAL = 1, /**< Survives a process crash; a power loss may drop the last commits (never corrupts). */
    PATRON_SYNC_OFF = 2     /**< No syncing: fastest; an OS crash or power loss may corrupt the file. */
} patron_sync;

/** @brief Options for patron_open(). Initialise with #PATRON_DB_OPTIONS_INIT. */
typedef struct patron_db_options {
    uint32_t size;        /**< `sizeof(patron_db_options)`; set by #PATRON_DB_OPTIONS_INIT. */
    int synchronous;      /**< A #patron_sync value; default #PATRON_SYNC_FULL. */
    int read_only;        /**< Non-zero: open for reading only (no schema creation or migration). */
    int no_create;        /**< Non-zero: fail with #PATRON_ENOTFOUND when the file does not exist. */
    int busy_timeout_ms;  /**< How long a writer waits for another writer, in ms; default 5000. */
} patron_db_options;

/** @brief Default options: durable commits, read-write, create if missing, 5 s busy timeout. */
#define PATRON_DB_OPTIONS_INIT { (uint32_t)sizeof(patron_db_options), PATRON_SYNC_FULL, 0, 0, 5000 }

/**
 * @brief Open (and if needed create and migrate) a store.
 *
 * @param[out] out [handle] Receives the handle on success; untouched on failure. Release it
 *        with patron_close().
 * @param uri Where the store is: a plain path (`club.db`), an SQLite URI
 *        (`file:club.db`, `file:club.db?mode=ro`), or `:memory:` for a private
 *        in-memory store that disappears on close. `postgresql://...` is
 *        reserved for a later backend and gives #PATRON_EUNSUPPORTED.
 * @param[in] opts [value] Options, or NULL for #PATRON_DB_OPTIONS_INIT.
 * @return #PATRON_OK; #PATRON_EINVAL (NULL argument, bad option, the file is
 *         not a libpatron store); #PATRON_ENOTFOUND (`no_create` and no file);
 *         #PATRON_EUNSUPPORTED (the store was written by a newer libpatron:
 *         its schema version is larger than #PATRON_DB_SCHEMA_VERSION; nothing
 *         is changed); #PATRON_EIO, #PATRON_ECORRUPT, #PATRON_EBUSY,
 *         #PATRON_ENOMEM.
 * @par Thread safety
 * Thread-safe (each call creates an independent handle).
 */
PATRON_API int patron_open(patron_db **out, const char *uri, const patron_db_options *opts);

/**
 * @brief Close a store. An open batch is rolled back.
 * @param db Handle from patron_open(), or NULL (no-op). Invalid afterwards.
 */
PATRON_API void patron_close(patron_db *db);

/**
 * @brief Schema version of the open store.
 * @param db Open store.
 * @param[out] out [value] Receives the version (equals #PATRON_DB_SCHEMA_VERSION after a
 *        read-write open).
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_EIO.
 */
PATRON_API int patron_db_schema_version(patron_db *db, int *out);

/**
 * @brief Start a batch: the following calls on @p db share one transaction
 *        until patron_batch_commit() or patron_batch_rollback().
 *
 * Inside a batch each call still succeeds or fails as a unit (a failed call
 * undoes only its own changes), but nothing is durable, or visible to other
 * handles, until the batch commits.
 * @param db Open store.
 * @return #PATRON_OK; #PATRON_EINVAL (NULL, or a batch is already open);
 *         #PATRON_EBUSY (another writer holds the store past the timeout);
 *         #PATRON_EIO.
 */
PATRON_API int patron_batch_begin(patron_db *db);

/**
 * @brief Commit the open batch: all its successful calls become durable at once.
 * @param db Open store with an open batch.
 * @return #PATRON_OK; #PATRON_EINVAL (no batch open); #PATRON_EIO or
 *         #PATRON_EBUSY (the batch was rolled back and is closed).
 */
PATRON_API int patron_batch_commit(patron_db *db);

/**
 * @brief Abandon the open batch: none of its calls take effect.
 * @param db Open store with an open batch.
 * @return #PATRON_OK; #PATRON_EINVAL (no batch open); #PATRON_EIO.
 */
PATRON_API int patron_batch_rollback(patron_db *db);

PATRON_END_DECLS

#endif /* PATRON_DB_H */
