/* A single earn in few round trips, where every statement costs one
 * (backends with `defer`: PostgreSQL), outside a caller's batch.
 *
 * One round trip (the handle holds the settings of an earlier write
 * transaction, the common case of a server posting earn after earn): BEGIN,
 * the store and member locks (one statement), the settings guard
 * (patron__settings_reuse: the policy and the events switch are answered
 * from the handle's copy, and the transaction fails if they changed), one
 * statement that writes the account, the posting and its key row, reading
 * the account in SQL, and the COMMIT, all sent together. The account is
 * not read by the client: the statement adds the points to the row it
 * updates, chains the posting to the row's head and writes nothing at all
 * unless the member is active with its own account, no debt and room for
 * the points (otherwise the usual path words or handles it).
 *
 * Two round trips otherwise (no copy of the settings yet):
 * 1. BEGIN, the store lock, the member's lock and the settings (the
 *    policy, the events switch) go ahead and travel with the account read;
 * 2. the key row, the posting and the account are written, sent with the
 *    COMMIT.
 * The guarantees are the usual path's (ledger.c run_posting): the member is
 * locked before its account is read; a key used before, or at the same
 * moment by another server, makes the key row's unique key fail the
 * statement, the transaction rolls back with nothing written, and the earn
 * then runs the usual way, which answers with the replay (the same posting
 * id for both callers) or says the key was used with other content. Any
 * case that is not a plain credit (the events outbox on, a debt to repay,
 * a failure before the write, settings changed by another server) also
 * runs the usual way. */
#include <inttypes.h>
#include <string.h>

#include "internal/error.h"
#include "internal/events.h"
#include "internal/store.h"
#include "ledger_int.h"

/* Two statements, both sent with the COMMIT: the key row (it takes the
 * posting's id), then the posting and the account (the id is the
 * session's currval; the sequence's name is the same in every store, schema
 * version 10, and resolved when the statement is prepared). Apart, each names one shard key, so that Citus runs
 * each on one worker (the key's; the member's, where postings and accounts
 * are co-located): in one statement the three tables made a multi-shard
 * modifying CTE, 15-20 % slower there (bench/RESULTS.md). kind 1 =
 * PATRON_POSTING_EARN; the posting is its own lot. */
static const char key_sql[] =
    "INSERT INTO posting_keys(key, member_id, id) VALUES(?1::text, ?2::bigint, "
    "nextval('postings_id_seq'))";
static const char one_trip_sql[] =
    "WITH p AS (INSERT INTO postings(id, key, fp, member_id, kind, points, at, effective_at, prev, lot_earned_at, "
    "lot_expires_at, spend, rule, rule_version, reason, operator, ref) "
    "VALUES(currval('postings_id_seq'), ?1::text, ?2::bigint, ?3::bigint, 1, ?4::bigint, "
    "?5::bigint, ?6::bigint, ?7::bigint, ?5::bigint, ?8::bigint, ?9::bigint, ?10::text, ?11::bigint, ?12::text, "
    "?13::text, ?14::text) RETURNING id) "
    "UPDATE accounts a SET total = ?15::bigint, pending_until = ?16::bigint, head = p.id, next_expiry = ?17::bigint "
    "FROM p WHERE a.member_id = ?3::bigint RETURNING p.id";

/* The one-round-trip write: the account row (guarded as said above; the
 * old head read by a second reference to the row, which the member lock
 * keeps still), then the posting, then its key row, in one statement whose
 * row is the new posting's id (no row: nothing was written). In one
 * statement the three tables are one multi-shard statement on Citus
 * (slower there than two; bench/RESULTS.md), one round trip less here. */
static const char one_statement_sql[] =
    "WITH acc AS (UPDATE accounts a SET total = a.total + ?4::bigint, "
    "pending_until = greatest(a.pending_until, ?6::bigint), next_expiry = least(a.next_expiry, ?7::bigint), "
    "head = nextval('postings_id_seq') FROM accounts o "
    "WHERE a.member_id = ?3::bigint AND o.member_id = ?3::bigint AND a.merged = 0 AND a.debt <= 0 "
    "AND a.total <= 9223372036854775807 - ?4::bigint RETURNING a.head AS id, o.head AS prev), "
    "p AS (INSERT INTO postings(id, key, fp, member_id, kind, points, at, effective_at, prev, lot_earned_at, "
    "lot_expires_at, spend, rule, rule_version, reason, operator, ref) "
    "SELECT acc.id, ?1::text, ?2::bigint, ?3::bigint, 1, ?4::bigint, ?5::bigint, ?6::bigint, acc.prev, ?5::bigint, "
    "?7::bigint, ?8::bigint, ?9::text, ?10::bigint, ?11::text, ?12::text, ?13::text FROM acc RETURNING id), "
    "k AS (INSERT INTO posting_keys(key, member_id, id) SELECT ?1::text, ?3::bigint, id FROM p) "
    "SELECT id FROM p";

/* In the transaction patron__earn_one_trip began, its member locked and
 * the settings guard sent: the write, the COMMIT, the answer. */
static int one_statement(patron_db *db, patron__stmt *guard, patron_posting_result *result,
                         const patron_posting_request *r)
{
    int outbox = 0;
    int64_t mature = 0, expires = 0;
    int rc = patron__ledger_policy_load(db);
    if (rc == PATRON_OK)
        rc = patron__events_on(db, &outbox);
    if (rc == PATRON_OK)
        rc = patron__credit_times(db, r, &mature, &expires);
    patron__stmt *st = NULL;
    if (rc == PATRON_OK && !outbox)
        rc = patron__sql_bind(db, &st, one_statement_sql, "tiiiiiiitittt", r->key, patron__earn_fingerprint(r),
                              r->member_id, r->points, r->at, mature, expires, r->spend, r->rule, r->rule_version,
                              r->reason, r->operator_name, r->ref);
    if (rc == PATRON_OK && !outbox && !r->spend)
        rc = db->vt->bind_null(st, 8);
    if (rc == PATRON_OK && !outbox && (rc = patron__sql_defer(db, st)) != PATRON_OK) {
        patron__sql_done(db, st);
        st = NULL;
    }
    if (rc != PATRON_OK || outbox) { /* nothing was written: roll back */
        patron__tx_end(db, PATRON_ECONFLICT);
        patron__sql_done(db, guard);
        patron_errclear();
        return PATRON__EARN_USUAL;
    }
    rc = patron__tx_end(db, PATRON_OK);
    patron__sql_done(db, guard);
    int64_t id = 0;
    int s = rc ? rc : patron__sql_step(db, st);
    if (s == PATRON__ROW)
        id = patron__sql_col_int(db, st, 0);
    patron__sql_done(db, st);
    /* a used key (ECONFLICT), settings another server changed, a deadlock
     * with a writer of several members, or no row (the member is not the
     * plain case): nothing was written */
    if (rc == PATRON_ECONFLICT || (rc && patron__settings_stale()) ||
        (rc == PATRON_EBUSY && strstr(patron_errmsg(), "SQLSTATE 40P01")) || (rc == PATRON_OK && s >= 0 && id <= 0)) {
        patron_errclear();
        return PATRON__EARN_USUAL;
    }
    if (rc)
        return rc;
    if (s < 0)
        return s;
    if (result)
        *result = (patron_posting_result){id, r->points, 0};
    return PATRON_OK;
}

static int write_deferred(patron_db *db, patron__stmt **key, patron__stmt **st, const account *a,
                          const patron_posting_request *r, int64_t mature, int64_t expires)
{
    int krc = patron__sql_bind(db, key, key_sql, "ti", r->key, a->member);
    if (krc == PATRON_OK && (krc = patron__sql_defer(db, *key)) != PATRON_OK) {
        patron__sql_done(db, *key);
        *key = NULL;
    }
    if (krc)
        return krc;
    int64_t total = a->total + r->points;
    int64_t pending = mature > a->pending_until ? mature : a->pending_until;
    int64_t next_expiry = expires < a->next_expiry ? expires : a->next_expiry;
    int rc = patron__sql_bind(db, st, one_trip_sql, "tiiiiiiiititttiii", r->key, patron__earn_fingerprint(r),
                              a->member, r->points, r->at, mature, a->head, expires, r->spend, r->rule,
                              r->rule_version, r->reason, r->operator_name, r->ref, total, pending, next_expiry);
    if (rc == PATRON_OK && !r->spend)
        rc = db->vt->bind_null(*st, 9);
    if (rc == PATRON_OK)
        rc = patron__sql_defer(db, *st);
    return rc;
}

int patron__earn_one_trip(patron_db *db, patron_posting_result *result, const patron_posting_request *r)
{
    if (db->depth != 0 || !db->vt->defer || !r->key)
        return PATRON__EARN_USUAL;
    patron__tx_scope_members(db);
    patron__tx_reuse_settings(db);
    int rc = patron__tx_begin(db);
    if (rc)
        return rc;
    if (db->settings_reused) { /* the BEGIN did not read the settings: the handle has a copy */
        patron__stmt *guard = NULL;
        rc = patron__tx_lock_member(db, r->member_id);
        if (rc == PATRON_OK && (rc = patron__settings_reuse(db, &guard)) == PATRON_OK)
            return one_statement(db, guard, result, r);
        if (rc != PATRON_EUNSUPPORTED)
            return patron__tx_end(db, rc);
    }
    account a;
    int outbox = 0;
    int64_t mature = 0, expires = 0, total = 0;
    rc = patron__account_open(db, &a, r->member_id, 0);
    if (rc == PATRON_OK)
        rc = patron__ledger_policy_load(db);
    if (rc == PATRON_OK)
        rc = patron__events_on(db, &outbox);
    if (rc == PATRON_OK)
        rc = patron__credit_times(db, r, &mature, &expires);
    if (rc != PATRON_OK || outbox || a.debt > 0 || __builtin_add_overflow(a.total, r->points, &total)) {
        patron__tx_end(db, PATRON_ECONFLICT); /* nothing was written: roll back */
        patron_errclear();
        return PATRON__EARN_USUAL;
    }
    patron__stmt *key = NULL, *st = NULL;
    rc = patron__tx_end(db, write_deferred(db, &key, &st, &a, r, mature, expires));
    if (key)
        patron__sql_done(db, key);
    if (rc && st)
        patron__sql_done(db, st);
    if (rc == PATRON_ECONFLICT) { /* the key is used: rolled back; the usual path replays it */
        patron_errclear();
        return PATRON__EARN_USUAL;
    }
    if (rc)
        return rc;
    /* committed: the statement's row is the new posting's id */
    int64_t id = 0;
    int s = patron__sql_step(db, st);
    if (s == PATRON__ROW)
        id = patron__sql_col_int(db, st, 0);
    patron__sql_done(db, st);
    if (s < 0)
        return s;
    if (id <= 0)
        return patron__fail(PATRON_EINTERNAL, "patron_ledger_earn: '%s': the posting committed without its id", r->key);
    if (result)
        *result = (patron_posting_result){id, r->points, 0};
    return PATRON_OK;
}
