/* Internal: read-only questions other modules (earn, tier) ask the ledger,
 * so that they need not know how postings are stored (lib/ledger/earned.c). */
#ifndef PATRON_INTERNAL_LEDGER_READ_H
#define PATRON_INTERNAL_LEDGER_READ_H

#include <stddef.h>
#include <stdint.h>

#include "patron/db.h"

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

#endif
