/* The ledger's tables: accounts (the per-member balance cache and chain
 * head), postings (append-only), lots, lot state and movements, and the
 * index of open lots. lib/ledger/ledger_int.h describes the storage model. */
#include "internal/schema.h"

/* Version 1: postings, lots and lot movements (the balance cache was
 * columns of `members`). */
static const char ledger_v1[] =
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
    "CREATE INDEX moves_posting ON moves(posting_id);";

/* Version 2 (ledger write path): two fewer index writes per earned lot.
 * - lots_source goes: lots are only looked up by source posting for one
 *   member's open lots (reverse), which lots_open already narrows to.
 * - lots_expiry leaves out lots that never expire (the default policy), so
 *   those lots cost no expiry-index entry; the expiry scan states the same
 *   bound (expires_at < PATRON_NEVER) to use it. */
static const char ledger_v2[] =
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
static const char ledger_v3[] =
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

/* Version 4 (the member core owns `members`): a merged account names the
 * account it was merged into (accounts.merged: 0 = not merged, else the kept
 * member), so the ledger finds a member's merged accounts in its own table. */
#define ACCOUNTS_MERGED_INDEX "CREATE INDEX accounts_merged ON accounts(merged) WHERE merged != 0;"
static const char ledger_v4[] =
    "UPDATE accounts SET merged = coalesce((SELECT m.merged_into FROM members m WHERE m.id = accounts.member_id), 0);"
    ACCOUNTS_MERGED_INDEX;

/* Version 5 (distributable by member, docs/guide/scaling.md): every row of
 * a member's ledger names the member, and a key that must be unique across
 * members lives in a table of its own.
 * - lot_state and moves carry member_id (the posting's member, which is
 *   the lot's: a move never names another member's lot);
 * - a posting's idempotency key is unique in posting_keys(key -> member,
 *   posting) instead of a unique index on postings.key: a table keyed by
 *   the key alone can be distributed by the key while postings are
 *   distributed by member. On SQLite it replaces the index one for one
 *   (WITHOUT ROWID: one B-tree, as the index was).
 * - on PostgreSQL the id keys of member-owned tables become (id, member_id)
 *   (the backend's DDL translation, lib/store/postgres.c); the tables are
 *   rebuilt so that both backends get there by the same step. */
#define POSTINGS_TABLE(name)                                                                              \
    "CREATE TABLE " name "("                                                                             \
    "  id INTEGER PRIMARY KEY, key TEXT, fp INTEGER NOT NULL,"                                           \
    "  member_id INTEGER NOT NULL, kind INTEGER NOT NULL, points INTEGER NOT NULL,"                      \
    "  at INTEGER NOT NULL, effective_at INTEGER NOT NULL, prev INTEGER NOT NULL,"                       \
    "  lot_earned_at INTEGER, lot_expires_at INTEGER, lot_source INTEGER,"                               \
    "  target INTEGER, spend INTEGER, rule TEXT, rule_version INTEGER,"                                  \
    "  reason TEXT, operator TEXT, ref TEXT);"
#define POSTING_KEYS_TABLE                                                                                \
    "CREATE TABLE posting_keys(key TEXT PRIMARY KEY, member_id INTEGER NOT NULL, id INTEGER NOT NULL) WITHOUT ROWID;"
#define LOT_STATE_TABLE(name)                                                                             \
    "CREATE TABLE " name "(lot_id INTEGER NOT NULL, member_id INTEGER NOT NULL, remaining INTEGER NOT NULL,"  \
    "  PRIMARY KEY(member_id, lot_id)) WITHOUT ROWID;"
#define MOVES_TABLE(name)                                                                                 \
    "CREATE TABLE " name "(rowid INTEGER PRIMARY KEY, member_id INTEGER NOT NULL, posting_id INTEGER NOT NULL,"\
    "  lot_id INTEGER NOT NULL, delta INTEGER NOT NULL);"
#define LOTS_TABLE(name)                                                                                  \
    "CREATE TABLE " name "(id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL, posting_id INTEGER NOT NULL,"  \
    "  source_posting INTEGER NOT NULL, initial INTEGER NOT NULL, earned_at INTEGER NOT NULL,"           \
    "  available_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
#define POSTING_COLUMNS                                                                                   \
    "id, key, fp, member_id, kind, points, at, effective_at, prev, lot_earned_at, lot_expires_at, lot_source," \
    " target, spend, rule, rule_version, reason, operator, ref"
static const char ledger_v5[] =
    POSTINGS_TABLE("postings_v5")
    "INSERT INTO postings_v5(" POSTING_COLUMNS ") SELECT " POSTING_COLUMNS " FROM postings;"
    POSTING_KEYS_TABLE
    "INSERT INTO posting_keys(key, member_id, id) SELECT key, member_id, id FROM postings WHERE key IS NOT NULL;"
    LOT_STATE_TABLE("lot_state_v5")
    "INSERT INTO lot_state_v5(lot_id, member_id, remaining) SELECT s.lot_id, coalesce(p.member_id, l.member_id), "
    "  s.remaining FROM lot_state s LEFT JOIN postings p ON s.lot_id > 0 AND p.id = s.lot_id "
    "  LEFT JOIN lots l ON s.lot_id < 0 AND l.id = -s.lot_id;"
    MOVES_TABLE("moves_v5")
    "INSERT INTO moves_v5(rowid, member_id, posting_id, lot_id, delta) SELECT m.rowid, p.member_id, m.posting_id, "
    "  m.lot_id, m.delta FROM moves m JOIN postings p ON p.id = m.posting_id;"
    LOTS_TABLE("lots_v5")
    "INSERT INTO lots_v5(id, member_id, posting_id, source_posting, initial, earned_at, available_at, expires_at)"
    "  SELECT id, member_id, posting_id, source_posting, initial, earned_at, available_at, expires_at FROM lots;"
    "DROP TABLE moves; ALTER TABLE moves_v5 RENAME TO moves;"
    "CREATE INDEX moves_posting ON moves(posting_id);"
    "DROP TABLE lot_state; ALTER TABLE lot_state_v5 RENAME TO lot_state;"
    "DROP TABLE lots; ALTER TABLE lots_v5 RENAME TO lots;"
    "CREATE INDEX lots_member ON lots(member_id);"
    "DROP TABLE postings; ALTER TABLE postings_v5 RENAME TO postings;"
    "CREATE INDEX postings_target ON postings(target) WHERE target IS NOT NULL;";

/* Version 9 (PostgreSQL only; nothing for SQLite): the accounts table
 * leaves half of each page free, so that rewriting an account (every
 * posting does) is a HOT update on the same page: no new index entry and
 * about a third less WAL per posting (bench/RESULTS.md, "store speed
 * targets"). A comment for SQLite, whose rows are rewritten in place. */
#define ACCOUNTS_STORAGE "/*postgresql: WITH (fillfactor = 50)*/"
static const char ledger_v9[] = "/*postgresql: ALTER TABLE accounts SET (fillfactor = 50)*/;";

/* Version 10 (PostgreSQL only; nothing for SQLite): the posting ids'
 * sequence has one name in every store, `postings_id_seq` (what a new
 * store's table gets), so that a statement names it as a constant that is
 * resolved once, when it is prepared. Stores that went through version 5
 * kept the name of the rebuilt table's sequence (postings_v5_id_seq); the
 * run-time lookup `pg_get_serial_sequence('postings', 'id')` it needed cost
 * a catalog scan of pg_depend per call (about 10 us, twice per single
 * earn). */
static const char ledger_v10[] =
    "/*postgresql: DO $$BEGIN IF to_regclass('postings_id_seq') IS NULL THEN "
    "EXECUTE 'ALTER SEQUENCE ' || pg_get_serial_sequence('postings', 'id') || ' RENAME TO postings_id_seq'; "
    "END IF; END$$*/;";

/* Version 11 (SQLite only; nothing for PostgreSQL): a posting's key is
 * unique in `postings` itself (a partial unique index on key) and
 * `posting_keys` becomes a view over it, with the same columns. On SQLite
 * the table only repeated what the posting row holds: a second B-tree and
 * a second insert statement per keyed posting (callgrind: 5.2 k of the
 * 16.8 k instructions of a batched earn). A used key now fails the
 * posting's own insert (PATRON__STORE_KEYS_IN_POSTINGS). PostgreSQL keeps
 * the table, which Citus distributes by key (docs/guide/scaling.md). The
 * SQLite-only text sits between the markers below, comments to SQLite,
 * cut out by the PostgreSQL backend. */
#define SQLITE_ONLY(ddl) "/*sqlite:*/" ddl "/*:sqlite*/"
#define POSTING_KEYS_VIEW                                                                                 \
    "CREATE UNIQUE INDEX postings_key ON postings(key) WHERE key IS NOT NULL;"                            \
    "CREATE VIEW posting_keys(key, member_id, id) AS SELECT key, member_id, id FROM postings WHERE key IS NOT NULL;"
static const char ledger_v11[] = SQLITE_ONLY("DROP TABLE posting_keys;" POSTING_KEYS_VIEW);

/* A new store: what steps 1..5, 9, 10 and 11 leave behind. */
static const char ledger_current[] =
    "CREATE TABLE accounts("
    "  member_id INTEGER PRIMARY KEY,"
    "  merged INTEGER NOT NULL DEFAULT 0,"
    "  total INTEGER NOT NULL DEFAULT 0,"
    "  pending_until INTEGER NOT NULL DEFAULT -9223372036854775808,"
    "  next_expiry INTEGER NOT NULL DEFAULT 9223372036854775807,"
    "  head INTEGER NOT NULL DEFAULT 0,"
    "  lots_indexed INTEGER NOT NULL DEFAULT 0,"
    "  debt INTEGER NOT NULL DEFAULT 0)" ACCOUNTS_STORAGE ";"
    "CREATE INDEX accounts_expiry ON accounts(next_expiry) WHERE next_expiry < 9223372036854775807;"
    ACCOUNTS_MERGED_INDEX
    POSTINGS_TABLE("postings")
    "/*postgresql:" POSTING_KEYS_TABLE "*/"
    SQLITE_ONLY(POSTING_KEYS_VIEW)
    LOT_STATE_TABLE("lot_state")
    MOVES_TABLE("moves")
    LOTS_TABLE("lots")
    "CREATE TABLE open_lots(member_id INTEGER NOT NULL, earned_at INTEGER NOT NULL, posting INTEGER NOT NULL,"
    "  lot_id INTEGER NOT NULL, PRIMARY KEY(member_id, earned_at, posting, lot_id));"
    "CREATE INDEX moves_posting ON moves(posting_id);"
    "CREATE INDEX lots_member ON lots(member_id);"
    "CREATE INDEX postings_target ON postings(target) WHERE target IS NOT NULL;";

const patron__schema_part patron__ledger_schema = {
    .module = "ledger",
    .current = ledger_current,
    .steps = {ledger_v1, ledger_v2, ledger_v3, ledger_v4, ledger_v5, [8] = ledger_v9, [9] = ledger_v10, [10] = ledger_v11},
};
