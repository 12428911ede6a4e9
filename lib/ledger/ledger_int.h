/* Internal to lib/ledger: accounts, posting rows and lots (schema version 3).
 *
 * Storage model (see lib/store/schema.c, version 3):
 * - accounts: one small row per member with the balance cache (total,
 *   pending_until, next_expiry), the newest posting (`head`), how far its
 *   open lots are indexed, and the overdraft debt. A write loads the row
 *   once, changes it in memory while it appends postings, and stores it
 *   once.
 * - postings are append-only; `prev` chains a member's postings from the
 *   newest to the oldest, so no per-member index is written per posting.
 * - a lot is named by a signed id: > 0 is a posting that is itself one lot
 *   (earn, positive adjust: lot_* columns), < 0 is -lots.id (a transfer in,
 *   a merge, points restored to a member after a merge); 0 in `moves` is the
 *   member's debt. lot_state holds the remaining points of lots that moved.
 * - open_lots indexes the open lots in FIFO order: every table lot, and the
 *   posting lots up to `lots_indexed`; the newer ones are found by walking
 *   the chain from `head` down to it, and a debit indexes them first. */
#ifndef PATRON_LEDGER_INT_H
#define PATRON_LEDGER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "internal/store.h"
#include "patron/ledger.h"

typedef struct account {
    int64_t member, total, pending_until, next_expiry, head, indexed, debt;
    /* as loaded or last stored: the expiry index is written only when it
     * changes, and an earn rewrites only what it changes */
    int64_t stored_next_expiry, stored_indexed, stored_debt;
    /* 0, or the member this account was merged into */
    int64_t merged, stored_merged;
} account;

typedef struct posting_row {
    const char *key;
    int64_t fp, kind, points, at, eff, target, spend, rule_version;
    const char *rule, *reason, *op, *ref;
    /* the posting is one lot when lot_expires_at != 0 */
    int64_t lot_earned_at, lot_expires_at, lot_source;
} posting_row;

typedef struct lot {
    int64_t ref;     /* signed lot id (see above) */
    int64_t posting; /* the posting that created it: FIFO tie-break */
    int64_t remaining, earned_at, available_at, expires_at, source;
} lot;

typedef struct lot_list {
    lot *v;
    size_t n, cap;
} lot_list;

typedef struct lot_take {
    size_t lot;        /* index into the lot_list */
    int64_t take;      /* points taken (> 0) */
    int64_t after;     /* the lot's remaining points after the take */
} lot_take;

typedef struct take_list {
    lot_take *v;
    size_t n, cap;
    int64_t total;
} take_list;

/* A member's postings form a chain, newest first: accounts.head ->
 * postings.prev -> ... -> 0. PATRON__CHAIN(members) starts a query with the
 * CTE `chain(id)`: the ids of every posting of the member ids that the
 * subquery `members` yields (PATRON__ACCOUNT_AND_MERGED, or "?1"). */
#define PATRON__CHAIN(members)                                                                    \
    "WITH RECURSIVE chain(id) AS (SELECT head FROM accounts WHERE head > 0 AND member_id IN ("    \
    members ") UNION ALL SELECT p.prev FROM postings p JOIN chain c ON p.id = c.id WHERE p.prev > 0) "
/* The same for member ?1 alone, naming the member at every step, so that
 * a database that keeps each member's rows apart (Citus, by member_id)
 * runs it where that member's rows are. Queries that join postings to it
 * name the member too (p.member_id = ?1). */
#define PATRON__CHAIN1                                                                              \
    "WITH RECURSIVE chain(id) AS (SELECT head FROM accounts WHERE member_id = ?1 AND head > 0 "     \
    "UNION ALL SELECT p.prev FROM postings p JOIN chain c ON p.id = c.id WHERE p.member_id = ?1 AND p.prev > 0) "
/* The accounts merged into member `member` (not the member itself), in
 * id order; *ids is patron__malloc'ed (NULL when none). */
int patron__ledger_merged_accounts(patron_db *db, int64_t member, int64_t **ids, size_t *n);
/* Whether any account is merged into `member`. Reads of a member and its
 * merged accounts take the one-member form (PATRON__CHAIN1, every table
 * filtered by ?1) when there are none: on Citus that form runs on the
 * member's node, the several-member form is refused (docs/guide/scaling.md). */
int patron__ledger_has_merged(patron_db *db, int64_t member, int *has);
/* Member ?1's account and every account merged into it (the `merged != 0`
 * term lets SQLite use the partial index accounts_merged). */
#define PATRON__ACCOUNT_AND_MERGED \
    "SELECT ?1 UNION ALL SELECT member_id FROM accounts WHERE merged = ?1 AND merged != 0"

/* The ledger's state in a handle (patron__slot): the policy and the
 * account cache (lib/ledger/account.c). */
typedef struct ledger_policy {
    int months, eom;
    int64_t hold;
    int64_t overdraft; /* largest debt a member may owe; 0 = no negative balances */
    int round;         /* a patron_expiry_round (eom set means PATRON_EXPIRY_END_OF_MONTH) */
} ledger_policy;

/* Load the policy unless the handle's copy is still valid; `fresh` reads
 * what is stored now, whoever wrote it. */
int patron__ledger_policy_read(patron_db *db, int fresh);
#define patron__ledger_policy_load(db) patron__ledger_policy_read(db, 0)
/* The policy loaded by the last successful patron__ledger_policy_load. */
const ledger_policy *patron__ledger_policy(patron_db *db);
/* Remember `p` as the policy now stored (after writing it). */
void patron__ledger_policy_remember(patron_db *db, const ledger_policy *p);
/* Forget every cached account (after a statement changed accounts the
 * cache holds, e.g. re-pointing merged accounts). */
void patron__account_cache_clear(patron_db *db);
int64_t patron__ledger_policy_expiry(patron_db *db, int64_t earned_at);
/* The longest key of points pending until an action: its release writes
 * "<key>:release" and "<key>:released" (lib/ledger/release.c). */
#define PATRON__RELEASE_KEY_MAX 190
/* The largest overdraft limit the program has set (what the history of a
 * balance may show; the check bounds balances by it). */
int patron__ledger_overdraft_max(patron_db *db, int64_t *out);

/* accounts */
int patron__account_load(patron_db *db, account *a, int64_t member); /* ENOTFOUND without message */
/* Fill `a` (member `member`) from the current row of `st`, whose columns
 * from `first` on are merged, total, pending_until, next_expiry, head,
 * lots_indexed, debt — the one reading of an accounts row (account.c). */
void patron__account_from_row(patron_db *db, patron__stmt *st, int first, int64_t member, account *a);
/* The account `member_id` resolves to (following merges; erased members
 * only when !need_active), with a message when there is none. */
int patron__account_open(patron_db *db, account *a, int64_t member_id, int need_active);
int patron__account_store(patron_db *db, account *a);
/* After `a` was written by a statement of the caller's own (earn_many's
 * multi-row write): remember it as stored. */
void patron__account_stored(patron_db *db, account *a);

/* Append a posting of account `a` (links it into the chain, updates the
 * account in memory). */
int patron__posting_append(patron_db *db, account *a, int64_t *id, const posting_row *p);

/* lots */
void patron__lots_free(lot_list *l);
/* Every lot of `a` holding points, in FIFO order (earned_at, then creation).
 * Reads only. */
int patron__lots_open(patron_db *db, const account *a, lot_list *out);
/* Index the open lots posted since the last debit (writes open_lots). */
int patron__lots_index(patron_db *db, account *a);
/* The oldest open lots of `a`, in FIFO order, until those usable at `at`
 * hold `need` points (all when need < 0); indexes first. */
int patron__lots_fifo(patron_db *db, account *a, lot_list *out, int64_t need, int64_t at);
/* Create a lot row for a posting that cannot be its own lot; returns its ref. */
int patron__lot_create(patron_db *db, int64_t *ref, int64_t member, int64_t posting, int64_t source,
                       int64_t points, int64_t earned_at, int64_t available_at, int64_t expires_at);
/* Record that `posting` moved `delta` points of lot `x` of account `a`
 * (x NULL: the debt), leaving it `remaining`. */
int patron__lot_move(patron_db *db, const account *a, int64_t posting, const lot *x, int64_t delta,
                     int64_t remaining);
/* After the lots in `l` changed: recompute the account's expiry cache
 * (`complete`: `l` holds every open lot). */
void patron__lots_refresh(account *a, const lot_list *l, int complete);

/* Plan to take up to `amount` points from `l` at `at`: lots coming from
 * posting `prefer` first (when non-zero; unexpired at `at`, usable by
 * `until`), then FIFO among lots available and unexpired at `at`. The
 * planned takes are subtracted from `l`. */
int patron__plan_take(lot_list *l, take_list *t, int64_t amount, int64_t at, int64_t prefer, int64_t until);
/* Write the moves of a plan for `posting`. */
int patron__take_apply(patron_db *db, const account *a, const lot_list *l, const take_list *t, int64_t posting);
void patron__takes_free(take_list *t);

/* Sums over member's postings: effective by `at`, and recorded by `at` but
 * effective later (pending). */
int patron__ledger_posted(patron_db *db, int64_t member, int64_t at, int64_t *posted, int64_t *pending);

/* The lowest available balance of `a` at any moment from `from` on if a
 * debit of `points` counted from `from`: its postings (from the in-memory
 * head) and the expiry of the points left in `l` (every open lot, after the
 * planned takes). *low_at: the first moment it is reached; *before: the
 * balance at `from` without the debit. */
int patron__ledger_low(patron_db *db, const account *a, const lot_list *l, int64_t from, int64_t points,
                       int64_t *low, int64_t *low_at, int64_t *before);

/* Write expire postings for the lots of `a` (in `l`) expired by `at`. */
int patron__expire_lots(patron_db *db, account *a, lot_list *l, int64_t at, int64_t *npost, int64_t *npoints);

/* For patron_ledger_earn_many (earn_many.c), from ledger.c: an earn
 * request copied and checked as patron_ledger_earn checks it (messages name
 * `func`); its fingerprint; its maturity and expiry under the loaded policy;
 * and the earn itself inside the caller's transaction (a replay of a used
 * key gives the original result). */
int patron__earn_request_read(patron_db *db, patron_posting_request *r, const patron_posting_request *req,
                              const char *func);
int64_t patron__earn_fingerprint(const patron_posting_request *r);
int patron__credit_times(patron_db *db, const patron_posting_request *r, int64_t *mature_at, int64_t *expires_at);
int patron__earn_in_tx(patron_db *db, patron_posting_result *res, const patron_posting_request *r);
/* patron_ledger_earn in one round trip plus the commit (earn_one.c) for a
 * checked request: PATRON__EARN_USUAL when it does not apply (or the key
 * is used) and nothing was written: the usual path runs then. */
#define PATRON__EARN_USUAL 1
int patron__earn_one_trip(patron_db *db, patron_posting_result *result, const patron_posting_request *r);

#endif
