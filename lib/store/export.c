/* Rows of one query as a JSON array, for a member's data export: each
 * module exports its own tables through this (lib/profile, lib/ledger,
 * lib/tier). */
#include <inttypes.h>

#include "internal/sbuf.h"
#include "internal/store.h"

int patron__sql_export_rows(patron_db *db, patron__sbuf *b, const char *title, const char *sql, int64_t id,
                            const char *const *names, const char *types)
{
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "i", id);
    if (rc)
        return rc;
    patron__sb_printf(b, ",\n  \"%s\": [", title);
    int first = 1;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        patron__sb_puts(b, first ? "\n    {" : ",\n    {");
        first = 0;
        for (int c = 0; types[c]; c++) {
            patron__sb_printf(b, "%s\"%s\": ", c ? ", " : "", names[c]);
            if (patron__sql_col_null(db, st, c))
                patron__sb_puts(b, "null");
            else if (types[c] == 'i')
                patron__sb_printf(b, "%" PRId64, patron__sql_col_int(db, st, c));
            else if (types[c] == 'b')
                patron__sb_puts(b, patron__sql_col_int(db, st, c) ? "true" : "false");
            else
                patron__sb_json_str(b, patron__sql_col_text(db, st, c));
        }
        patron__sb_puts(b, "}");
    }
    patron__sql_done(db, st);
    patron__sb_puts(b, first ? "]" : "\n  ]");
    return rc < 0 ? rc : PATRON_OK;
}
