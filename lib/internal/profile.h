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

/* The declared custom attributes, `each(ctx, name, type)` with type a
 * patron_attr_type, in name order; and every attribute value,
 * `each(ctx, member, name, value)` in no particular order (members as
 * recorded). For bulk readers (the store frame's attribute columns). */
int patron__profile_attr_defs_each(patron_db *db, int (*each)(void *ctx, const char *name, int type), void *ctx);
int patron__profile_attrs_each(patron_db *db, int (*each)(void *ctx, int64_t member, const char *name, const char *value),
                               void *ctx);

/* Every consent decision at or before `at`, in no particular order (one
 * pass over the table as stored): `each(ctx, member, channel, granted,
 * decided_at, seq)` with channel "all" for a decision on every channel;
 * for a member and channel, the decision patron_consent_get() reports at
 * `at` is the call, for that channel or "all", with the greatest
 * (decided_at, seq) — seq orders decisions recorded in the same second. For
 * bulk readers (the frame's consent columns). A non-zero return from `each`
 * stops the walk and is returned. */
int patron__profile_consents_each(patron_db *db, int64_t at,
                                  int (*each)(void *ctx, int64_t member, const char *channel, int granted,
                                              int64_t decided_at, int64_t seq),
                                  void *ctx);

#endif
