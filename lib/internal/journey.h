/* Internal: what the merge asks of the journey module. */
#ifndef PATRON_INTERNAL_JOURNEY_H
#define PATRON_INTERNAL_JOURNEY_H

#include <stdint.h>

#include "internal/sbuf.h"
#include "patron/db.h"

/* Merge side of journeys: each journey step attribute of `kept` takes the
 * newer event of `kept`'s and `merged`'s, so the merged member is not sent
 * a step either of them was sent already. */
int patron__journey_merge_state(patron_db *db, int64_t kept, int64_t merged);

/* Append `,\n  "journeys_sent": [{"journey", "step", "event_at"}, ...]` to
 * `b` for the customer card: every step the member was sent, with the time
 * of the event (joining, purchase) it was sent for. */
int patron__journey_card(patron_db *db, patron__sbuf *b, int64_t member);

#endif
