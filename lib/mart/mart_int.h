/* Internal to lib/mart: the stored scores as the card reads them. */
#ifndef PATRON_MART_INT_H
#define PATRON_MART_INT_H

#include <stdint.h>

#include "patron/db.h"

typedef struct patron__member_score {
    int64_t fit_id; /* 0: the member has no score */
    int64_t as_of;
    char model[16];
    double p_alive, expected_90d, clv_12m; /* clv_12m NaN without a spend fit */
} patron__member_score;

/* The member's scores from the latest refresh; fit_id 0 when none. */
int patron__mart_score(patron_db *db, int64_t member, patron__member_score *out);

#endif
