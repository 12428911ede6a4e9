/* Schema creation and migration. Where the version is kept is the
 * backend's business (schema_read/schema_write hooks: SQLite's file header,
 * a patron_meta table on PostgreSQL). A new store is created at the current
 * version in one step (schema_current); the numbered steps upgrade stores
 * written by older libraries. Each runs inside one write transaction with
 * the version bump, so an interrupted upgrade leaves the old version intact.
 *
 * DDL is written once in SQLite's types (INTEGER, TEXT, INTEGER PRIMARY KEY
 * for an id assigned on insert); a backend translates it in its exec hook. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal/error.h"
#include "internal/store.h"

/* Tables no version has changed since version 1: written once, used by
 * step 1 and by the current schema. */
#define PROFILE_TABLES \
    "CREATE INDEX members_merged ON members(merged_into) WHERE merged_into IS NOT NULL;"\
    "CREATE TABLE identifiers(kind TEXT NOT NULL, value TEXT NOT NULL, member_id INTEGER NOT NULL,"\
    "  PRIMARY KEY(kind, value));"\
    "CREATE INDEX identifiers_member ON identifiers(member_id);"\
    "CREATE TABLE attr_defs(name TEXT PRIMARY KEY, type TEXT NOT NULL);"\
    "CREATE TABLE attrs(member_id INTEGER NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,"\
    "  PRIMARY KEY(member_id, name));"\
    "CREATE TABLE consents(id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL, channel TEXT NOT NULL,"\
    "  granted INTEGER NOT NULL, at INTEGER NOT NULL, source TEXT NOT NULL);"\
    "CREATE INDEX consents_member ON consents(member_id, channel, at);"\
    "CREATE TABLE aliases(field TEXT NOT NULL, alias TEXT NOT NULL, canonical TEXT NOT NULL,"\
    "  PRIMARY KEY(field, alias));"\
    "CREATE TABLE vocab(field TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(field, value));"\
    "CREATE TABLE merges(id INTEGER PRIMARY KEY, kept INTEGER NOT NULL, merged INTEGER NOT NULL,"\
    "  at INTEGER NOT NULL, operator TEXT, reason TEXT, points_moved INTEGER NOT NULL);"\
    "CREATE TABLE erasures(id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL, at INTEGER NOT NULL,"\
    "  operator TEXT);"
#define RULE_TABLES \
    "CREATE TABLE earn_rules("\
    "  id INTEGER PRIMARY KEY, rule TEXT NOT NULL, version INTEGER NOT NULL, kind INTEGER NOT NULL,"\
    "  valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL,"\
    "  points INTEGER NOT NULL, per_amount INTEGER NOT NULL, percent INTEGER NOT NULL,"\
    "  category TEXT, product TEXT, tier TEXT, count INTEGER NOT NULL, window_days INTEGER NOT NULL,"\
    "  referee_points INTEGER NOT NULL,"\
    "  UNIQUE(rule, version));"\
    "CREATE TABLE purchases(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, fp INTEGER NOT NULL,"\
    "  member_id INTEGER NOT NULL, at INTEGER NOT NULL, amount INTEGER NOT NULL,"\
    "  points INTEGER NOT NULL, returned INTEGER NOT NULL DEFAULT 0);"\
    "CREATE INDEX purchases_member ON purchases(member_id, at);"
#define TIER_TABLES \
    "CREATE TABLE tier_defs(name TEXT PRIMARY KEY, rank INTEGER NOT NULL UNIQUE,"\
    "  threshold INTEGER NOT NULL, multiplier_pct INTEGER NOT NULL);"\
    "CREATE TABLE tier_history(id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL,"\
    "  from_tier TEXT, to_tier TEXT, at INTEGER NOT NULL, reason TEXT NOT NULL);"\
    "CREATE INDEX tier_history_member ON tier_history(member_id, at);"

/* Step N brings the schema from version N-1 to N. */
static const char schema_v1[] =
    "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    /* members: profile fields, the derived balance cache and tier state */
    "CREATE TABLE members("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT, phone TEXT, email TEXT, city TEXT, birth_date TEXT, gender TEXT, categories TEXT,"
    "  joined_at INTEGER NOT NULL, created_at INTEGER NOT NULL,"
    "  merged_into INTEGER, erased_at INTEGER, referrer INTEGER,"
    "  total INTEGER NOT NULL DEFAULT 0,"                         /* sum of all postings */
    "  pending_until INTEGER NOT NULL DEFAULT -9223372036854775808," /* max effective_at */
    "  next_expiry INTEGER NOT NULL DEFAULT 9223372036854775807,"    /* min open-lot expiry */
    "  tier TEXT, tier_since INTEGER, tier_grace_until INTEGER);"
    PROFILE_TABLES
    /* ledger: postings (append-only), lots and lot movements */
    "CREATE TABLE postings("
    "  id INTEGER PRIMARY KEY, key TEXT UNIQUE, fp INTEGER NOT NULL,"
    "  member_id INTEGER NOT NULL, kind INTEGER NOT NULL, points INTEGER NOT NULL,"
    "  at INTEGER NOT NULL, effective_at INTEGER NOT NULL,"
    "  target INTEGER, counterpart INTEGER, spend INTEGER, rule TEXT, rule_version INTEGER,"
    "  reason TEXT, operator TEXT, ref TEXT);"
    "CREATE INDEX postings_member ON postings(member_id, effective_at);"
    "CREATE INDEX postings_target ON postings(target) WHERE target IS NOT NULL;"
    "CREATE TABLE lots("
    "  id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL, posting_id INTEGER NOT NULL,"
    "  source_posting INTEGER NOT NULL, initial INTEGER NOT NULL, remaining INTEGER NOT NULL,"
    "  earned_at INTEGER NOT NULL, available_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
    "CREATE INDEX lots_open ON lots(member_id, earned_at, id) WHERE remaining > 0;"
    "CREATE INDEX lots_expiry ON lots(expires_at) WHERE remaining > 0;"
    "CREATE INDEX lots_source ON lots(source_posting);"
    "CREATE TABLE moves(posting_id INTEGER NOT NULL, lot_id INTEGER NOT NULL, delta INTEGER NOT NULL);"
    "CREATE INDEX moves_posting ON moves(posting_id);"
    /* earning rules (versioned) and scored purchases */
    RULE_TABLES
    /* tiers */
    TIER_TABLES;

/* Version 2 (ledger write path): two fewer index writes per earned lot.
 * - lots_source goes: lots are only looked up by source posting for one
 *   member's open lots (reverse), which lots_open already narrows to.
 * - lots_expiry leaves out lots that never expire (the default policy), so
 *   those lots cost no expiry-index entry; the expiry scan states the same
 *   bound (expires_at < PATRON_NEVER) to use it. */
static const char schema_v2[] =
    "DROP INDEX lots_source;"
    "DROP INDEX lots_expiry;"
    "CREATE INDEX lots_expiry ON lots(expires_at) WHERE remaining > 0 AND expires_at < 9223372036854775807;";

/* Version 3 (ledger write path without per-member indexes; overdraft).
 * An earn is now one posting row plus one small account row:
 * - accounts: the per-member ledger state (balance cache, the head of the
 *   member's posting chain, how far its open lots are indexed, the
 *   overdraft debt), split from
 *   the wide members row so that a batch rewrites few, small pages.
 * - postings.prev chains a member's postings (newest -> oldest) instead of
 *   the (member_id, effective_at) index, whose random inserts cost a page
 *   write per posting.
 * - a credit posting with one lot is that lot (lot_* columns), so an earn
 *   writes no lot row; lots a posting cannot carry alone (a transfer from
 *   several lots, points restored for a merged member) stay in `lots` and
 *   are named by negative ids.
 * - lot_state holds the remaining points of lots that moved (absent: the
 *   initial points); moves name the lot by that signed id, 0 = the debt.
 * - open_lots indexes a member's open lots in FIFO order for redemptions. An
 *   earn does not write it: a member's next debit first indexes the lots
 *   posted since its last one (up to accounts.lots_indexed), so the index
 *   costs a debit what the member earned since, not every earn a page. 
 * Existing data is carried over: single-lot postings become posting lots,
 * every other lot keeps its row under its negated id. */
static const char schema_v3[] =
    "CREATE TABLE accounts("
    "  member_id INTEGER PRIMARY KEY,"
    "  merged INTEGER NOT NULL DEFAULT 0,"
    "  total INTEGER NOT NULL DEFAULT 0,"                               /* sum of all postings */
    "  pending_until INTEGER NOT NULL DEFAULT -9223372036854775808,"    /* max effective_at */
    "  next_expiry INTEGER NOT NULL DEFAULT 9223372036854775807,"       /* <= min open-lot expiry */
    "  head INTEGER NOT NULL DEFAULT 0,"                                /* newest posting, 0 = none */
    "  lots_indexed INTEGER NOT NULL DEFAULT 0,"                        /* open lots up to here are in open_lots */
    "  debt INTEGER NOT NULL DEFAULT 0);"                               /* overdraft owed, >= 0 */
    "INSERT INTO accounts(member_id, merged, total, pending_until, next_expiry, head) "
    "  SELECT m.id, CASE WHEN m.merged_into IS NULL THEN 0 ELSE 1 END, m.total, m.pending_until, m.next_expiry,"
    "  coalesce((SELECT max(p.id) FROM postings p WHERE p.member_id = m.id), 0) FROM members m;"
    "CREATE INDEX accounts_expiry ON accounts(next_expiry) WHERE next_expiry < 9223372036854775807;"
    "CREATE TABLE postings_v3("
    "  id INTEGER PRIMARY KEY, key TEXT UNIQUE, fp INTEGER NOT NULL,"
    "  member_id INTEGER NOT NULL, kind INTEGER NOT NULL, points INTEGER NOT NULL,"
    "  at INTEGER NOT NULL, effective_at INTEGER NOT NULL, prev INTEGER NOT NULL,"
    "  lot_earned_at INTEGER, lot_expires_at INTEGER, lot_source INTEGER,"
    "  target INTEGER, spend INTEGER, rule TEXT, rule_version INTEGER,"
    "  reason TEXT, operator TEXT, ref TEXT);"
    /* postings that are exactly one lot: the lot's points, time and member are the posting's */
    "CREATE TEMP TABLE own_lot AS SELECT l.id AS lot_id, l.posting_id, l.earned_at, l.expires_at, l.source_posting "
    "  FROM lots l JOIN postings p ON p.id = l.posting_id "
    "  WHERE l.initial = p.points AND l.available_at = p.effective_at AND l.member_id = p.member_id "
    "  AND (SELECT count(*) FROM lots x WHERE x.posting_id = l.posting_id) = 1;"
    "INSERT INTO postings_v3(id, key, fp, member_id, kind, points, at, effective_at, prev, lot_earned_at,"
    "  lot_expires_at, lot_source, target, spend, rule, rule_version, reason, operator, ref) "
    "  SELECT p.id, p.key, p.fp, p.member_id, p.kind, p.points, p.at, p.effective_at,"
    "  coalesce(lag(p.id) OVER (PARTITION BY p.member_id ORDER BY p.id), 0),"
    "  o.earned_at, o.expires_at, CASE WHEN o.source_posting = p.id THEN NULL ELSE o.source_posting END,"
    "  p.target, p.spend, p.rule, p.rule_version, p.reason, p.operator, p.ref "
    "  FROM postings p LEFT JOIN own_lot o ON o.posting_id = p.id;"
    "CREATE TABLE lot_state(lot_id INTEGER PRIMARY KEY, remaining INTEGER NOT NULL);"
    "INSERT INTO lot_state(lot_id, remaining) SELECT coalesce(o.posting_id, -l.id), l.remaining FROM lots l "
    "  LEFT JOIN own_lot o ON o.lot_id = l.id WHERE l.remaining != l.initial;"
    "CREATE TABLE moves_v3(posting_id INTEGER NOT NULL, lot_id INTEGER NOT NULL, delta INTEGER NOT NULL);"
    "INSERT INTO moves_v3(posting_id, lot_id, delta) SELECT m.posting_id, coalesce(o.posting_id, -m.lot_id), m.delta "
    "  FROM moves m LEFT JOIN own_lot o ON o.lot_id = m.lot_id ORDER BY m.rowid;"
    "CREATE TABLE lots_v3(id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL, posting_id INTEGER NOT NULL,"
    "  source_posting INTEGER NOT NULL, initial INTEGER NOT NULL, earned_at INTEGER NOT NULL,"
    "  available_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
    "INSERT INTO lots_v3 SELECT id, member_id, posting_id, source_posting, initial, earned_at, available_at, expires_at "
    "  FROM lots WHERE id NOT IN (SELECT lot_id FROM own_lot);"
    "CREATE TABLE open_lots(member_id INTEGER NOT NULL, earned_at INTEGER NOT NULL, posting INTEGER NOT NULL,"
    "  lot_id INTEGER NOT NULL, PRIMARY KEY(member_id, earned_at, posting, lot_id));"
    "INSERT INTO open_lots(member_id, earned_at, posting, lot_id) "
    "  SELECT l.member_id, l.earned_at, l.posting_id, coalesce(o.posting_id, -l.id) FROM lots l "
    "  LEFT JOIN own_lot o ON o.lot_id = l.id WHERE l.remaining > 0;"
    "UPDATE accounts SET lots_indexed = head;"
    "DROP TABLE own_lot;"
    "DROP TABLE moves; ALTER TABLE moves_v3 RENAME TO moves;"
    "CREATE INDEX moves_posting ON moves(posting_id);"
    "DROP TABLE lots; ALTER TABLE lots_v3 RENAME TO lots;"
    "CREATE INDEX lots_member ON lots(member_id);"
    "DROP TABLE postings; ALTER TABLE postings_v3 RENAME TO postings;"
    "CREATE INDEX postings_target ON postings(target) WHERE target IS NOT NULL;"
    "ALTER TABLE members DROP COLUMN total;"
    "ALTER TABLE members DROP COLUMN pending_until;"
    "ALTER TABLE members DROP COLUMN next_expiry;";

static const char *const steps[] = {schema_v1, schema_v2, schema_v3};
#define N_STEPS ((int)(sizeof steps / sizeof steps[0]))
_Static_assert(N_STEPS == PATRON_DB_SCHEMA_VERSION, "one migration step per schema version");

/* A new store at the current version: what steps 1..3 leave behind, with
 * one difference: `moves` names its insertion order (rowid) as a column, so
 * that a backend without SQLite's implicit rowid keeps the same order. A test
 * (tests/store) compares this with a store migrated step by step. */
static const char schema_current[] =
    "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE members("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT, phone TEXT, email TEXT, city TEXT, birth_date TEXT, gender TEXT, categories TEXT,"
    "  joined_at INTEGER NOT NULL, created_at INTEGER NOT NULL,"
    "  merged_into INTEGER, erased_at INTEGER, referrer INTEGER,"
    "  tier TEXT, tier_since INTEGER, tier_grace_until INTEGER);"
    PROFILE_TABLES
    RULE_TABLES
    TIER_TABLES
    "CREATE TABLE accounts("
    "  member_id INTEGER PRIMARY KEY,"
    "  merged INTEGER NOT NULL DEFAULT 0,"
    "  total INTEGER NOT NULL DEFAULT 0,"
    "  pending_until INTEGER NOT NULL DEFAULT -9223372036854775808,"
    "  next_expiry INTEGER NOT NULL DEFAULT 9223372036854775807,"
    "  head INTEGER NOT NULL DEFAULT 0,"
    "  lots_indexed INTEGER NOT NULL DEFAULT 0,"
    "  debt INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX accounts_expiry ON accounts(next_expiry) WHERE next_expiry < 9223372036854775807;"
    "CREATE TABLE postings("
    "  id INTEGER PRIMARY KEY, key TEXT UNIQUE, fp INTEGER NOT NULL,"
    "  member_id INTEGER NOT NULL, kind INTEGER NOT NULL, points INTEGER NOT NULL,"
    "  at INTEGER NOT NULL, effective_at INTEGER NOT NULL, prev INTEGER NOT NULL,"
    "  lot_earned_at INTEGER, lot_expires_at INTEGER, lot_source INTEGER,"
    "  target INTEGER, spend INTEGER, rule TEXT, rule_version INTEGER,"
    "  reason TEXT, operator TEXT, ref TEXT);"
    "CREATE TABLE lot_state(lot_id INTEGER PRIMARY KEY, remaining INTEGER NOT NULL);"
    "CREATE TABLE moves(rowid INTEGER PRIMARY KEY, posting_id INTEGER NOT NULL, lot_id INTEGER NOT NULL,"
    "  delta INTEGER NOT NULL);"
    "CREATE TABLE lots(id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL, posting_id INTEGER NOT NULL,"
    "  source_posting INTEGER NOT NULL, initial INTEGER NOT NULL, earned_at INTEGER NOT NULL,"
    "  available_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
    "CREATE TABLE open_lots(member_id INTEGER NOT NULL, earned_at INTEGER NOT NULL, posting INTEGER NOT NULL,"
    "  lot_id INTEGER NOT NULL, PRIMARY KEY(member_id, earned_at, posting, lot_id));"
    "CREATE INDEX moves_posting ON moves(posting_id);"
    "CREATE INDEX lots_member ON lots(member_id);"
    "CREATE INDEX postings_target ON postings(target) WHERE target IS NOT NULL;";

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
        rc = db->vt->exec(db->impl, schema_current);
        if (rc)
            patron__fail_prefix(rc, "creating the schema (version %d): ", PATRON_DB_SCHEMA_VERSION);
        ver = -1; /* created: only the version is left to write */
    }
    for (int64_t v = ver; rc == PATRON_OK && v >= 0 && v < PATRON_DB_SCHEMA_VERSION; v++) {
        rc = db->vt->exec(db->impl, steps[v]);
        if (rc)
            patron__fail_prefix(rc, "migrating schema to version %lld: ", (long long)(v + 1));
    }
    if (rc == PATRON_OK && ver < PATRON_DB_SCHEMA_VERSION)
        rc = db->vt->schema_write(db->impl, PATRON_DB_SCHEMA_VERSION);
    if (rc == PATRON_OK)
        rc = db->vt->commit(db->impl);
    if (rc)
        db->vt->rollback(db->impl);
    return rc;
}
