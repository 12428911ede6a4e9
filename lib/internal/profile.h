/* Internal: what the customer card (lib/mart) asks of the profile module. */
#ifndef PATRON_INTERNAL_PROFILE_H
#define PATRON_INTERNAL_PROFILE_H

#include <stdint.h>

#include "internal/sbuf.h"
#include "patron/db.h"

/* Append the card's profile sections to `b` (each line begins ",\n  "):
 * "profile" (fields and custom attributes, journey state left to the
 * journey module; joined_at an integer), "consents" (channel -> the last
 * decision at or before `at`), "next_question" (patron_profile_next_field,
 * or null). `member` is an active member id. */
int patron__profile_card(patron_db *db, patron__sbuf *b, int64_t member, int64_t at);

#endif
