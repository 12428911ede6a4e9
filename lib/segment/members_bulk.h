/* Internal to lib/segment: the bulk half of patron_frame_add_member_columns()
 * (members_bulk.c). */
#ifndef PATRON_SEGMENT_MEMBERS_BULK_H
#define PATRON_SEGMENT_MEMBERS_BULK_H

#include <stddef.h>
#include <stdint.h>

#include "patron/db.h"
#include "patron/summary.h"

/* Frames of at least this many rows with integer ids read who each row is,
 * when it joined and its consents in one scan each (member core, consents)
 * instead of several queries per row: a scan of the whole store costs about
 * what this many rows' lookups cost. */
#define PATRON__MEMBER_BULK_ROWS 256

/* For rows[0..n) with integer customer ids: member[r] the member the id is
 * now (following merges; 0 when the id is no member or was erased), joined[r] its join
 * time, consent[k * n + r] its decision on channel `channels[k]` (the name
 * after "consent.") at `at`, exactly as patron_profile_find("#id"),
 * patron_profile_get()'s joined_at and patron_consent_get() answer them. */
int patron__member_columns_bulk(patron_db *db, const int64_t *ids, size_t n, const char *const *channels,
                                size_t nch, int64_t at, int64_t *member, int64_t *joined, int64_t *consent);

#endif
