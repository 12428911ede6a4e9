/* A campaign's sent, opened and clicked events, for its measurement
 * (lib/campaign). */
#include "internal/behaviour.h"
#include "internal/store.h"
#include "patron/behaviour.h"

int patron__behaviour_campaign_each(patron_db *db, const char *campaign, int64_t as_of,
                                    int (*each)(void *ctx, int64_t member, int32_t kind), void *ctx)
{
    static const char sql[] =
        "SELECT member_id, kind FROM behaviour_events WHERE campaign = ? AND kind IN (3, 4, 5) AND at <= ?";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "ti", campaign, as_of);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        rc = each(ctx, patron__sql_col_int(db, st, 0), (int32_t)patron__sql_col_int(db, st, 1));
        if (rc)
            break;
    }
    patron__sql_done(db, st);
    return rc;
}
