/* Internal: what the customer card (lib/mart) and the campaigns
 * (lib/campaign) ask of the behaviour module. */
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

/* Call `each(ctx, member, kind)` for every sent, opened and clicked event
 * of `campaign` at or before `as_of`, members as recorded (merges after the
 * event not followed). A non-zero return from `each` stops the walk and is
 * returned. */
int patron__behaviour_campaign_each(patron_db *db, const char *campaign, int64_t as_of,
                                    int (*each)(void *ctx, int64_t member, int32_t kind), void *ctx);

#endif
