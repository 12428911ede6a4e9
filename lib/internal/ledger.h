/* Internal: what other modules (profile, earn, tier) ask of the ledger, so
 * that they need not know how accounts and postings are stored. The ledger
 * sits on the member core (internal/member.h) and calls no module above it. */
#ifndef PATRON_INTERNAL_LEDGER_H
#define PATRON_INTERNAL_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "internal/sbuf.h"
#include "patron/db.h"

/* Create the ledger account of a new member (lib/ledger/account.c). */
int patron__ledger_account_create(patron_db *db, int64_t member);
/* Open account `account_id` (an account id of lib/internal/program.h)
 * unless it exists (lib/ledger/account.c). */
int patron__ledger_account_ensure(patron_db *db, int64_t account_id);
/* The members with an account of their own (not merged into another) in
 * the current program, in id order; *ids is patron__malloc'ed (NULL when
 * none) (lib/ledger/account.c). */
int patron__ledger_program_members(patron_db *db, int64_t **ids, size_t *n);

/* Ledger side of a merge: move every open lot of `from` to `to` with paired
 * transfer postings and record `from` (and the accounts merged into it) as
 * merged into `to`; *moved receives the points moved (lib/ledger/ledger.c). */
int patron__ledger_merge(patron_db *db, int64_t to, int64_t from, int64_t at, int64_t merge_id,
                         int64_t *moved);

/* The sum of every posting of `member`'s own account (pending ones too). */
int patron__ledger_total(patron_db *db, int64_t member, int64_t *total);

/* Append `,\n  "postings": [...]` to `b`: every posting of `member` and of
 * the members merged into it, in posting order, for a profile export
 * (lib/ledger/history.c). */
int patron__ledger_export(patron_db *db, patron__sbuf *b, int64_t member);

/* (Below: lib/ledger/earned.c) */

/* Points earned by `member` and every member merged into it: the earn
 * postings with `at` in (after, until], each net of every reversal of it
 * (a return, a correction), whenever that was recorded. */
int patron__ledger_earned(patron_db *db, int64_t member, int64_t after, int64_t until, int64_t *points);

/* Earn postings of rule `rule` of `member` (and members merged into it)
 * with `at` in (after, before) that still hold points after their
 * reversals: *count of them. */
int patron__ledger_rule_awards(patron_db *db, int64_t member, const char *rule, int64_t after, int64_t before,
                               int64_t *count);

/* The posting with idempotency key `key`: *id (0 when there is none) and
 * its points net of its reversals. */
int patron__ledger_key_net(patron_db *db, const char *key, int64_t *id, int64_t *net);

/* The earn postings a purchase produced (keys "<purchase_key>/..."), in
 * posting order: up to `cap` ids and keys (keys cut to 199 bytes); *n
 * receives how many were stored. */
int patron__ledger_purchase_earns(patron_db *db, const char *purchase_key, int64_t *ids, char (*keys)[200],
                                  size_t cap, size_t *n);
/* The program that recorded posting `id` (lib/internal/program.h: from its
 * account id); PATRON_ENOTFOUND when there is no such posting. */
int patron__ledger_posting_program(patron_db *db, int64_t id, int64_t *program);

/* `member`'s available points at `at` (a merged id resolves to the
 * survivor), as patron_ledger_balance() gives them (lib/ledger/balance.c). */
int patron__ledger_available(patron_db *db, int64_t member, int64_t at, int64_t *available);

/* The balances of many members at `at` from one scan of the accounts, as
 * patron_ledger_balance() gives them: for r in [0, n) with member[r] != 0
 * (an active member's own id; members may repeat, 0 rows are skipped),
 * available[r] and pending[r]. An account with points pending or past
 * expiry at `at` is read from its postings, as one balance is
 * (lib/ledger/balance.c). */
int patron__ledger_balances_bulk(patron_db *db, int64_t at, const int64_t *member, size_t n, int64_t *available,
                                 int64_t *pending);
/* (Below: lib/ledger/flows.c) */

/* One posting as store-wide reports read it. */
typedef struct patron__posting_row {
    int64_t member_id;
    int kind; /* a patron_posting_kind */
    int64_t points;
    int64_t at, effective_at;
    int target_kind; /* a reversal: the kind of the posting it reverses (0 otherwise) */
} patron__posting_row;

/* Call `each` for every posting with `at` <= until, in member id then
 * posting order; a non-zero return from `each` stops the walk and is
 * returned. */
int patron__ledger_postings_each(patron_db *db, int64_t until,
                                 int (*each)(void *ctx, const patron__posting_row *row), void *ctx);

#endif
