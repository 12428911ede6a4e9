/* Internal: shared between the profile and ledger modules. */
#ifndef PATRON_INTERNAL_PROFILE_INT_H
#define PATRON_INTERNAL_PROFILE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "patron/db.h"

int patron__country_valid(const char *iso);
int patron__email_clean(char *out, size_t cap, const char *email);

/* The active member id that `member_id` resolves to (following merges);
 * ENOTFOUND (with message) for unknown ids; erased members resolve to
 * themselves (their accounts still exist) unless `need_active`. */
int patron__member_resolve(patron_db *db, int64_t *out, int64_t member_id, int need_active);

/* Ledger side of a merge: move every open lot of `from` to `to` with paired
 * transfer postings; *moved receives the points moved. (lib/ledger) */
int patron__ledger_merge(patron_db *db, int64_t to, int64_t from, int64_t at, int64_t merge_id,
                         int64_t *moved);

/* Create the ledger account of a new member (lib/ledger). */
int patron__ledger_account_create(patron_db *db, int64_t member);

/* A member's postings form a chain, newest first: accounts.head ->
 * postings.prev -> ... -> 0. PATRON__CHAIN(members) starts a query with the
 * CTE `chain(id)`: the ids of every posting of the member ids that the
 * subquery `members` yields (e.g. PATRON__MEMBER_AND_MERGED). */
#define PATRON__CHAIN(members)                                                                    \
    "WITH RECURSIVE chain(id) AS (SELECT head FROM accounts WHERE head > 0 AND member_id IN ("    \
    members ") UNION ALL SELECT p.prev FROM postings p JOIN chain c ON p.id = c.id WHERE p.prev > 0) "
/* Member ?1 and every member merged into it. */
#define PATRON__MEMBER_AND_MERGED "SELECT id FROM members WHERE id = ?1 OR merged_into = ?1"

/* Merge side of journeys: each journey step attribute of `kept` takes the
 * newer event of `kept`'s and `merged`'s, so the merged member is not sent
 * a step either of them was sent already (lib/journey). */
int patron__journey_merge_state(patron_db *db, int64_t kept, int64_t merged);

/* Upgrade `member` now if it qualifies for a higher tier (lib/tier); no-op
 * when no tiers are configured. */
int patron__tier_upgrade(patron_db *db, int64_t member, int64_t at);

#endif
