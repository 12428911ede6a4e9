/* Internal: what the modules that change a member's state (ledger,
 * profile, tier) call to append to the events outbox (lib/events). The
 * outbox sits on the store alone and calls no module; each caller has one
 * small hook that builds its payloads (lib/ledger/notify.c,
 * lib/profile/notify.c, lib/tier/tier.c's set_tier). */
#ifndef PATRON_INTERNAL_EVENTS_H
#define PATRON_INTERNAL_EVENTS_H

#include <stdint.h>

#include "patron/db.h"

/* Whether the store's outbox is on (*on 1/0). Inside a write transaction;
 * cached in the handle while nothing else wrote the store, so a posting
 * on SQLite pays no read for it. */
int patron__events_on(patron_db *db, int *on);

/* Append one event (inside the caller's write transaction): `payload` is
 * the kind's JSON object. Does nothing when the outbox is off. */
int patron__event_append(patron_db *db, int64_t member, const char *kind, int64_t at, const char *payload);

/* The job's watermarks (patron_events_notify, lib/ledger/notify.c): the
 * last maturity time and expiry horizon announced; 0 when none. */
int patron__events_marks(patron_db *db, int64_t *matured_until, int64_t *expiring_until);
int patron__events_set_marks(patron_db *db, int64_t matured_until, int64_t expiring_until);

#endif
