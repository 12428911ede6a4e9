/* The customer card's campaigns (lib/internal/campaign.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/campaign.h"
#include "internal/error.h"
#include "internal/member.h"
#include "internal/store.h"
#include "patron/campaign.h"

typedef struct card_row {
    char *name;
    int64_t at;
    int32_t group;
} card_row;

typedef struct card_rows {
    card_row *r;
    size_t n, cap;
} card_rows;

static int by_name_then_time(const void *a, const void *b)
{
    const card_row *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->at > y->at) - (x->at < y->at);
}

static int newest_first(const void *a, const void *b)
{
    const card_row *x = a, *y = b;
    if (x->at != y->at)
        return (x->at < y->at) - (x->at > y->at);
    return strcmp(x->name, y->name);
}

static int load(patron_db *db, card_rows *rows, int64_t member, int64_t at)
{
    static const char sql[] = "SELECT c.name, m.grp, m.assigned_at FROM campaign_members m JOIN campaigns c ON "
                              "c.id = m.campaign_id WHERE m.member_id = ? AND m.assigned_at <= ?";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "ii", member, at);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        if (patron__grow(&rows->r, &rows->cap, rows->n + 1, sizeof *rows->r)) {
            rc = patron__oom();
            break;
        }
        card_row *r = &rows->r[rows->n];
        if (!(r->name = patron__strdup(patron__sql_col_text(db, st, 0)))) {
            rc = patron__oom();
            break;
        }
        r->group = (int32_t)patron__sql_col_int(db, st, 1);
        r->at = patron__sql_col_int(db, st, 2);
        rows->n++;
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

int patron__campaign_card(patron_db *db, patron__sbuf *b, int64_t member, int64_t at)
{
    card_rows rows = {0};
    int rc = PATRON_OK;
    for (int64_t m = member; rc == PATRON_OK && m;)
        if ((rc = load(db, &rows, m, at)) == PATRON_OK)
            rc = patron__member_group_next(db, member, m, &m);
    size_t kept = 0;
    if (rc == PATRON_OK && rows.n) {
        qsort(rows.r, rows.n, sizeof *rows.r, by_name_then_time);
        for (size_t i = 0; i < rows.n; i++) {
            if (kept && !strcmp(rows.r[kept - 1].name, rows.r[i].name)) {
                patron__free(rows.r[i].name);
                continue;
            }
            rows.r[kept++] = rows.r[i];
        }
        qsort(rows.r, kept, sizeof *rows.r, newest_first);
    }
    if (rc == PATRON_OK) {
        patron__sb_puts(b, ",\n  \"campaigns\": [");
        for (size_t i = 0; i < kept; i++) {
            patron__sb_puts(b, i ? ", {\"campaign\": " : "{\"campaign\": ");
            patron__sb_json_str(b, rows.r[i].name);
            patron__sb_printf(b, ", \"group\": \"%s\", \"assigned_at\": %" PRId64 "}",
                              rows.r[i].group == PATRON_CAMPAIGN_TREATMENT ? "treatment" : "control", rows.r[i].at);
        }
        patron__sb_puts(b, "]");
    }
    for (size_t i = 0; i < (rc == PATRON_OK ? kept : rows.n); i++)
        patron__free(rows.r[i].name);
    patron__free(rows.r);
    return rc;
}
