/* Internal to lib/mart: the stored scores as the card reads them. */
#ifndef PATRON_MART_INT_H
#define PATRON_MART_INT_H

#include <stdint.h>

#include "patron/db.h"

/* The checks every mart call starts with: an open store, non-NULL `out` and
 * `opts` (named in the message), and `as_of` — required, and a time a store
 * accepts; `what` says what it is the moment of ("the log", "the card"). */
int patron__mart_begin(patron_db *db, const char *func, const void *out, const void *opts, int64_t as_of,
                       const char *what);

typedef struct patron__member_score {
    int64_t fit_id; /* 0: the member has no score */
    int64_t as_of;
    char model[16];
    double p_alive, expected_90d, clv_12m; /* clv_12m NaN without a spend fit */
} patron__member_score;

/* The member's scores from the latest refresh; fit_id 0 when none. */
int patron__mart_score(patron_db *db, int64_t member, patron__member_score *out);

#endif
