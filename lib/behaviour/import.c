/* patron_behaviour_import_csv(): a file of events, all or nothing, with the
 * line and field of the first bad row. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "behaviour_int.h"
#include "internal/error.h"
#include "internal/store.h"
#include "patron/profile.h"
#include "summary/csvcols.h"

enum { C_MEMBER, C_AT, C_KIND, C_KEY, C_SOURCE, C_CAMPAIGN, C_SUBJECT, C_VALUE, C_SCORE, C_N };
static const char *const col_names[C_N] = {"member", "at", "kind", "key", "source", "campaign", "subject", "value",
                                           "score"};

static int one_row(patron_db *db, const pt_csv *c, const int *col, int64_t *recorded)
{
    char b[C_N][1024];
    const char *v[C_N];
    for (int k = 0; k < C_N; k++)
        v[k] = pt_csv_field(c, col, k, b[k], sizeof b[k]);
    patron_behaviour_event e = PATRON_BEHAVIOUR_EVENT_INIT;
    int rc;
    if (!v[C_MEMBER])
        return patron__fail(PATRON_EINVAL, "member is empty");
    if ((rc = patron_profile_find(db, &e.member_id, v[C_MEMBER])))
        return patron__fail_prefix(rc, "member: ");
    if (!v[C_AT] || patron_time_parse(&e.at, v[C_AT], strlen(v[C_AT]), PATRON_TIME_AUTO) != PATRON_OK)
        return patron__fail(PATRON_EINVAL, "at '%s' is not a time (epoch seconds or ISO-8601)", v[C_AT] ? v[C_AT] : "");
    if (!v[C_KIND])
        return patron__fail(PATRON_EINVAL, "kind is empty");
    if ((rc = patron_behaviour_kind_from_name(&e.kind, v[C_KIND])))
        return rc;
    e.key = v[C_KEY] ? v[C_KEY] : "";
    e.source = v[C_SOURCE];
    e.campaign = v[C_CAMPAIGN];
    e.subject = v[C_SUBJECT];
    e.value = v[C_VALUE];
    if (v[C_SCORE]) {
        char *end;
        long long s = strtoll(v[C_SCORE], &end, 10);
        if (*end)
            return patron__fail(PATRON_EINVAL, "score '%s' is not an integer", v[C_SCORE]);
        e.score = s;
    }
    int replayed = 0;
    if ((rc = patron__behaviour_record_in_tx(db, &replayed, &e, "import")))
        return rc;
    *recorded += !replayed;
    return PATRON_OK;
}

int patron_behaviour_import_csv(patron_db *db, int64_t *recorded, const char *path)
{
    static const char func[] = "patron_behaviour_import_csv";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!path)
        return patron__fail(PATRON_EINVAL, "%s: path is NULL", func);
    pt_csv c;
    if ((rc = pt_csv_open_file(&c, path, ',')))
        return patron__fail_prefix(rc, "%s: %s: ", func, path);
    int col[C_N];
    int64_t n = 0;
    rc = pt_csv_read_header(&c, func, path, col_names, C_N, 4, "member, at, kind and key", col);
    if (rc == PATRON_OK && (rc = patron__tx_begin(db)) == PATRON_OK) {
        while ((rc = pt_csv_next(&c)) > 0) {
            uint64_t line = c.rec_line;
            if ((rc = one_row(db, &c, col, &n))) {
                rc = patron__fail_prefix(rc, "line %" PRIu64 ": ", line);
                break;
            }
        }
        rc = patron__tx_end(db, rc);
    }
    pt_csv_close(&c);
    if (rc == PATRON_OK && recorded)
        *recorded = n;
    return rc < 0 ? patron__fail_prefix(rc, "%s: %s: ", func, path) : rc;
}
