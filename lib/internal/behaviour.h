/* Internal: what the customer card (lib/mart) asks of the behaviour module. */
#ifndef PATRON_INTERNAL_BEHAVIOUR_H
#define PATRON_INTERNAL_BEHAVIOUR_H

#include <stdint.h>

#include "internal/sbuf.h"
#include "patron/db.h"

/* Append `,\n  "behaviour": {...}` for the card: the last visit, visits and
 * cart additions in the 30 days up to `at`, the last NPS answer, and the
 * last 10 campaign events (sent, opened, clicked) at or before `at` — of
 * `member` and the members merged into it. */
int patron__behaviour_card(patron_db *db, patron__sbuf *b, int64_t member, int64_t at);

#endif
