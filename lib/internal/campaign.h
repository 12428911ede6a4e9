/* Internal: what the customer card (lib/mart) asks of the campaign module. */
#ifndef PATRON_INTERNAL_CAMPAIGN_H
#define PATRON_INTERNAL_CAMPAIGN_H

#include <stdint.h>

#include "internal/sbuf.h"
#include "patron/db.h"

/* Append `,\n  "campaigns": [...]` for the card: every campaign `member`
 * (or a member merged into it) was assigned to at or before `at`, newest
 * first, as {"campaign", "group" ("treatment" or "control"),
 * "assigned_at"}; of two assignments to one campaign (a merge) the earlier
 * stands, as in patron_campaign_measure(). */
int patron__campaign_card(patron_db *db, patron__sbuf *b, int64_t member, int64_t at);

#endif
