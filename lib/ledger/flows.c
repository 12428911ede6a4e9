/* Every posting of the store in member order, for store-wide reports (the
 * points liability, lib/report/liability.c). */
#include "internal/error.h"
#include "internal/ledger.h"
#include "internal/program.h"
#include "internal/store.h"

int patron__ledger_postings_each(patron_db *db, int64_t until,
                                 int (*each)(void *ctx, const patron__posting_row *row), void *ctx)
{
    static const char sql[] = "SELECT p.member_id, p.kind, p.points, p.at, p.effective_at, coalesce(t.kind, 0) "
                              "FROM postings p LEFT JOIN postings t ON t.id = p.target "
                              "WHERE p.at <= ? AND p.member_id BETWEEN ? AND ? ORDER BY p.member_id, p.id";
    patron__stmt *st;
    int64_t lo, hi;
    patron__program_range(db, &lo, &hi); /* the current program's postings */
    int rc = patron__sql_bind(db, &st, sql, "iii", until, lo, hi);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        patron__posting_row row = {patron__account_member(patron__sql_col_int(db, st, 0)), (int)patron__sql_col_int(db, st, 1),
                                   patron__sql_col_int(db, st, 2), patron__sql_col_int(db, st, 3),
                                   patron__sql_col_int(db, st, 4), (int)patron__sql_col_int(db, st, 5)};
        if ((rc = each(ctx, &row)))
            break;
    }
    patron__sql_done(db, st);
    return rc == PATRON__DONE ? PATRON_OK : rc;
}
