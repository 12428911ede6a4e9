/* The coupon redemptions as the data mart reads them (lib/internal/coupon.h):
 * CLV by coupon use. */
#include "internal/coupon.h"
#include "internal/store.h"

int patron__coupon_redemptions_each(patron_db *db,
                                    int (*each)(void *ctx, int64_t member, int64_t at, const char *campaign),
                                    void *ctx)
{
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, "SELECT member_id, at, campaign FROM coupon_redemptions", "");
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW)
        if ((rc = each(ctx, patron__sql_col_int(db, st, 0), patron__sql_col_int(db, st, 1),
                       patron__sql_col_text(db, st, 2))))
            break;
    patron__sql_done(db, st);
    return rc == PATRON__DONE ? PATRON_OK : rc;
}
