/* Schema creation and migration. Each module writes the DDL of its own
 * tables (lib/<module>/schema.c, see lib/internal/schema.h); this file runs
 * the parts. Where the version is kept is the backend's business
 * (schema_read/schema_write hooks: SQLite's file header, a patron_meta table
 * on PostgreSQL). A new store is created at the current version in one step
 * (every part's `current`); the numbered steps upgrade stores written by
 * older libraries. Each runs inside one write transaction with the version
 * bump, so an interrupted upgrade leaves the old version intact. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal/error.h"
#include "internal/schema.h"
#include "internal/store.h"

/* The store's own table: settings (key/value text, lib/store/db.c). */
const patron__schema_part patron__store_schema = {
    .module = "store",
    .current = "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    .steps = {"CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"},
};

/* The parts, in the order their steps run within one version. The member
 * core comes last: a module that moves its columns out of `members` copies
 * them in its own step before the core drops them. */
static const patron__schema_part *const parts[] = {
    &patron__store_schema, &patron__profile_schema, &patron__ledger_schema, &patron__earn_schema,
    &patron__tier_schema,  &patron__behaviour_schema, &patron__mart_schema, &patron__member_schema,
    /* version 7: new tables that read no other module's */
    &patron__events_schema, &patron__audit_schema,
    /* version 8 */
    &patron__campaign_schema,
    /* version 8: the rewards catalogue and coupons (new tables) */
    &patron__reward_schema, &patron__coupon_schema,
    /* version 10: several programs per store (new tables) */
    &patron__program_schema,
};
#define N_PARTS (sizeof parts / sizeof parts[0])

/* Run every part's DDL for version `v` (0: the current schema). */
static int run_parts(patron_db *db, int v)
{
    for (size_t i = 0; i < N_PARTS; i++) {
        const char *sql = v ? parts[i]->steps[v - 1] : parts[i]->current;
        if (!sql)
            continue;
        int rc = db->vt->exec(db->impl, sql);
        if (rc)
            return v ? patron__fail_prefix(rc, "migrating the %s tables to schema version %d: ", parts[i]->module, v)
                     : patron__fail_prefix(rc, "creating the %s tables (schema version %d): ", parts[i]->module,
                                           PATRON_DB_SCHEMA_VERSION);
    }
    return PATRON_OK;
}

static int read_version(patron_db *db, int64_t *ver)
{
    int foreign = 0;
    int rc = db->vt->schema_read(db->impl, ver, &foreign);
    if (rc)
        return patron__fail_prefix(rc, "reading the store's schema version: ");
    if (foreign)
        return patron__fail(PATRON_EINVAL, "not a libpatron store (the database holds other tables)");
    return PATRON_OK;
}

int patron__schema_migrate(patron_db *db)
{
    int64_t ver = 0;
    int rc = read_version(db, &ver);
    if (rc)
        return rc;
    if (ver > PATRON_DB_SCHEMA_VERSION)
        return patron__fail(PATRON_EUNSUPPORTED,
                            "the store has schema version %lld, newer than this libpatron (%d); "
                            "upgrade libpatron to open it (nothing was changed)",
                            (long long)ver, PATRON_DB_SCHEMA_VERSION);
    if (ver == PATRON_DB_SCHEMA_VERSION)
        return PATRON_OK;
    if (ver == 0 && db->opts.no_create)
        return patron__fail(PATRON_ENOTFOUND, "no store here yet (no_create is set)");
    if (db->opts.read_only)
        return patron__fail(PATRON_EINVAL,
                            "the store has schema version %lld and needs migrating to %d; open it read-write once",
                            (long long)ver, PATRON_DB_SCHEMA_VERSION);
    rc = db->vt->begin(db->impl);
    if (rc)
        return rc;
    /* Re-read inside the write lock: another process may have created or
     * migrated the store meanwhile. */
    rc = read_version(db, &ver);
    if (rc == PATRON_OK && ver == 0) {
        rc = run_parts(db, 0);
        ver = -1; /* created: only the version is left to write */
    }
    for (int64_t v = ver; rc == PATRON_OK && v >= 0 && v < PATRON_DB_SCHEMA_VERSION; v++)
        rc = run_parts(db, (int)v + 1);
    if (rc == PATRON_OK && ver < PATRON_DB_SCHEMA_VERSION)
        rc = db->vt->schema_write(db->impl, PATRON_DB_SCHEMA_VERSION);
    if (rc == PATRON_OK)
        rc = db->vt->commit(db->impl);
    if (rc)
        db->vt->rollback(db->impl);
    return rc;
}
