/* Internal: what other modules (tier) ask of the earning module. */
#ifndef PATRON_INTERNAL_EARN_H
#define PATRON_INTERNAL_EARN_H

#include <stdint.h>

#include "internal/sbuf.h"
#include "patron/db.h"

/* Purchases of `member` and of every member merged into it with `at` in
 * (after, until] that were not returned: *spend (minor units) and *count. */
int patron__earn_purchases(patron_db *db, int64_t member, int64_t after, int64_t until, int64_t *spend,
                           int64_t *count);

/* One scored purchase, as the earning module recorded it. */
typedef struct patron__purchase_row {
    int64_t member_id; /* the member it was recorded for (merges not followed) */
    int64_t at;
    int64_t amount;      /* minor units */
    int64_t returned_at; /* 0: not returned (or returned after the `as_of` asked for) */
} patron__purchase_row;

/* Call `each` for every purchase with `at` in (after, as_of], in member id
 * then time order (ties in recording order); purchases returned at or before `as_of` are left out
 * unless `with_returned`. A non-zero return from `each` stops the walk and
 * is returned. */
/* Append the customer card's `,\n  "purchases": {...}` to `b`: orders,
 * spend, first and last purchase, average basket, average and last days
 * between purchases, favourite category (largest spend over the lines),
 * and the last purchases with their lines — of `member` and every member
 * merged into it, purchases at or before `at` that were not returned by
 * then. Money in minor units, times in UTC seconds. */
int patron__earn_card(patron_db *db, patron__sbuf *b, int64_t member, int64_t at);

/* Each member's first purchase (earliest time, then lowest id), in member id
 * order, with its channel (NULL when not recorded) and the category of its
 * largest line (NULL when none): `each(ctx, member, at, channel, category)`,
 * strings valid during the call. Members as recorded (merges not followed). */
int patron__earn_first_purchases(patron_db *db,
                                 int (*each)(void *ctx, int64_t member, int64_t at, const char *channel,
                                             const char *category),
                                 void *ctx);

int patron__earn_purchases_each(patron_db *db, int64_t after, int64_t as_of, int with_returned,
                                int (*each)(void *ctx, const patron__purchase_row *row), void *ctx);

#endif
