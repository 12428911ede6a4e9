/* Internal: what other modules (tier) ask of the earning module. */
#ifndef PATRON_INTERNAL_EARN_H
#define PATRON_INTERNAL_EARN_H

#include <stdint.h>

#include "patron/db.h"

/* Purchases of `member` and of every member merged into it with `at` in
 * (after, until] that were not returned: *spend (minor units) and *count. */
int patron__earn_purchases(patron_db *db, int64_t member, int64_t after, int64_t until, int64_t *spend,
                           int64_t *count);

#endif
