/* The stored CLV fit read back for another module (internal/mart.h). */
#include <string.h>

#include "internal/error.h"
#include "internal/mart.h"
#include "internal/store.h"

int patron__mart_stored_fit(patron_db *db, int64_t as_of, patron__stored_fit *out)
{
    static const char sql[] = "SELECT id, as_of, fit, spend_fit FROM clv_fits "
                              "WHERE as_of <= ? AND spend_fit IS NOT NULL ORDER BY id DESC LIMIT 1";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "i", as_of);
    if (rc)
        return rc;
    patron__stored_fit f;
    memset(&f, 0, sizeof f);
    patron_clv_fit_result init = PATRON_CLV_FIT_RESULT_INIT;
    f.tx = init;
    f.spend = init;
    rc = patron__sql_step(db, st);
    if (rc == PATRON__ROW) {
        int64_t id = patron__sql_col_int(db, st, 0);
        const char *fit = patron__sql_col_text(db, st, 2), *spend = patron__sql_col_text(db, st, 3);
        rc = patron_clv_fit_from_json(&f.tx, fit, strlen(fit));
        if (rc)
            rc = patron__fail_prefix(PATRON_ECORRUPT, "stored CLV fit %lld: ", (long long)id);
        else if ((rc = patron_clv_fit_from_json(&f.spend, spend, strlen(spend))))
            rc = patron__fail_prefix(PATRON_ECORRUPT, "stored spend fit %lld: ", (long long)id);
        if (rc == PATRON_OK) {
            f.fit_id = id;
            f.as_of = patron__sql_col_int(db, st, 1);
        }
    } else if (rc == PATRON__DONE) {
        rc = PATRON_OK;
    }
    patron__sql_done(db, st);
    if (rc == PATRON_OK)
        *out = f;
    return rc;
}
