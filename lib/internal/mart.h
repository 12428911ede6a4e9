/* The mart's stored CLV fits as other modules read them (lib/plan uses the
 * fit patron_scores_refresh() stored instead of fitting again). */
#ifndef PATRON_INTERNAL_MART_H
#define PATRON_INTERNAL_MART_H

#include <stdint.h>

#include "patron/clv.h"
#include "patron/db.h"

typedef struct patron__stored_fit {
    int64_t fit_id; /* 0: no usable fit stored */
    int64_t as_of;  /* the moment the fit describes */
    patron_clv_fit_result tx, spend;
} patron__stored_fit;

/* The latest fit (highest id) stored with its as_of at or before `as_of`
 * and with a spend (Gamma-Gamma) fit, read back with its covariance; fit_id
 * 0 when there is none. Fits describing a later moment are skipped: they
 * saw purchases after `as_of`. */
int patron__mart_stored_fit(patron_db *db, int64_t as_of, patron__stored_fit *out);

#endif
