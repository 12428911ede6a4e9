/* Internal: what other modules (earn, profile) ask of the tier module. */
#ifndef PATRON_INTERNAL_TIER_H
#define PATRON_INTERNAL_TIER_H

#include <stddef.h>
#include <stdint.h>

#include "internal/sbuf.h"
#include "patron/db.h"

/* Room for a tier name (names are at most 64 bytes). */
#define PATRON__TIER_NAME_CAP 72

/* Member `member`'s current tier: its name in `buf` and *has = 1, or
 * *has = 0 when it has none. */
int patron__tier_name(patron_db *db, int64_t member, char *buf, size_t cap, int *has);

/* The current tier of many members from one scan of the tier state, as
 * patron_tier_get() gives its `tier`: for r in [0, n) with member[r] != 0
 * (an active member's own id), tier[r] is its tier's name, "" when it has
 * none or no tiers are configured; rows with member[r] == 0 are left as
 * they are (lib/tier/tier.c). */
int patron__tier_names_bulk(patron_db *db, const int64_t *member, size_t n, char (*tier)[PATRON__TIER_NAME_CAP]);

/* Upgrade `member` now if it qualifies for a higher tier; no-op when no
 * tiers are configured. */
int patron__tier_upgrade(patron_db *db, int64_t member, int64_t at);

/* Append `,\n  "tier_history": [...]` to `b` for a profile export. */
int patron__tier_export(patron_db *db, patron__sbuf *b, int64_t member);

/* PATRON_OK when `tier` names a configured tier; else PATRON_EINVAL (a bad
 * name) or PATRON_ENOTFOUND, the message naming `func` (lib/tier/tier.c). */
int patron__tier_exists(patron_db *db, const char *func, const char *tier);
/* The position of tier `name` in the configured order (0 = the lowest),
 * and of `member`'s current tier (-1 when it has none); ENOTFOUND without
 * a message for a name that is not configured (lib/tier/rank.c; for the
 * rewards catalogue's minimum tier). */
int patron__tier_rank(patron_db *db, const char *name, int64_t *rank);
int patron__tier_member_rank(patron_db *db, int64_t member, int64_t *rank);

#endif
