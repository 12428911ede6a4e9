/* Internal: what the data mart (lib/mart) asks of the coupon module. */
#ifndef PATRON_INTERNAL_COUPON_H
#define PATRON_INTERNAL_COUPON_H

#include <stdint.h>

#include "patron/db.h"

/* Every coupon redemption: `each(ctx, member, at, campaign)` with the member
 * as recorded (merges not followed), in no particular order; `campaign`
 * valid during the call. A non-zero return from `each` stops the walk and
 * is returned. */
int patron__coupon_redemptions_each(patron_db *db,
                                    int (*each)(void *ctx, int64_t member, int64_t at, const char *campaign),
                                    void *ctx);

#endif
