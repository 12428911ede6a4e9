/* Internal to lib/mart: the stored scores as the card reads them. */
#ifndef PATRON_MART_INT_H
#define PATRON_MART_INT_H

#include <stddef.h>
#include <stdint.h>

#include "patron/db.h"
#include "patron/summary.h"

/* The checks every mart call starts with: an open store, non-NULL `out` and
 * `opts` (named in the message), and `as_of` — required, and a time a store
 * accepts; `what` says what it is the moment of ("the log", "the card"). */
int patron__mart_begin(patron_db *db, const char *func, const void *out, const void *opts, int64_t as_of,
                       const char *what);

/* Append the `attr.<name>` columns of the declared custom attributes to a
 * frame with a `member_id` column (lib/mart/attrs.c): int attributes as
 * doubles (NaN when unset), bool as int64 1/0, text and date as strings
 * ("" when unset); journey state left out. */
int patron__mart_add_attrs(patron_db *db, patron_frame *f);

typedef struct patron__member_score {
    int64_t fit_id; /* 0: the member has no score */
    int64_t as_of;
    char model[16];
    double p_alive, expected_90d, clv_12m; /* clv_12m NaN without a spend fit */
} patron__member_score;

/* The member's scores from the latest refresh; fit_id 0 when none. */
int patron__mart_score(patron_db *db, int64_t member, patron__member_score *out);

/* The store's summary as of `as_of` (patron_txlog_from_db, then
 * patron_summarize with the observation ending at `as_of`); EINVAL "<func>:
 * no purchase recorded by as_of" for an empty store. With `log` non-NULL
 * the log is handed over too (the caller frees it), else freed. */
int patron__mart_summary(patron_db *db, const char *func, int64_t as_of, int32_t decimals, patron_frame **frame,
                         patron_txlog **log);

/* Every stored score, sorted by member id (columns: p_alive,
 * expected_purchases_90d, clv_12m; NaN for none). */
typedef struct patron__mart_scores {
    int64_t *id;
    double *v[3];
    size_t n, cap;
} patron__mart_scores;

int patron__mart_scores_load(patron_db *db, patron__mart_scores *m);
/* Index of `member` in m, or -1. */
long patron__mart_scores_find(const patron__mart_scores *m, int64_t member);
void patron__mart_scores_free(patron__mart_scores *m);

#endif
