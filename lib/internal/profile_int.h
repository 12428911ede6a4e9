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

/* Upgrade `member` now if it qualifies for a higher tier (lib/tier); no-op
 * when no tiers are configured. */
int patron__tier_upgrade(patron_db *db, int64_t member, int64_t at);

#endif
