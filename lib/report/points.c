/* Weekly points usage from the ledger, for a set of members. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/ids.h"
#include "internal/options.h"
#include "patron/ledger.h"
#include "patron/report.h"
#include "report/weeks.h"

int patron_report_points_weekly(patron_week_points **out, size_t *nweeks, patron_db *db,
                                const int64_t *members, size_t nmembers, const patron_weekly_options *opts)
{
    if (!out || !nweeks || !db || (!members && nmembers))
        return patron__fail(PATRON_EINVAL, "patron_report_points_weekly: NULL argument");
    patron_weekly_options o = PATRON_WEEKLY_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_weekly_options");
    if (rc)
        return rc;
    if (o.start == PATRON_TIME_NONE || o.end == PATRON_TIME_NONE)
        return patron__fail(PATRON_EINVAL, "the points report needs both start and end");
    if (o.start < PATRON_TIME_MIN || o.start > PATRON_TIME_MAX || o.end < PATRON_TIME_MIN || o.end > PATRON_TIME_MAX)
        return patron__fail(PATRON_ERANGE, "start or end is out of range");
    int64_t w0 = patron__week_of(o.start), w1 = patron__week_of(o.end);
    if (o.start > o.end) /* as times: within one week too */
        return patron__fail(PATRON_EINVAL, "start is after end");
    if (w1 - w0 + 1 > PATRON_REPORT_MAX_WEEKS)
        return patron__fail(PATRON_ERANGE, "the report would span %lld weeks, more than %d",
                            (long long)(w1 - w0 + 1), PATRON_REPORT_MAX_WEEKS);
    size_t nw = (size_t)(w1 - w0 + 1);
    patron_week_points *rep = patron__calloc(nw, sizeof *rep);
    int64_t *last_redeemer = patron__calloc(nw, sizeof(int64_t));
    int64_t *ids = patron__reallocarray(NULL, nmembers ? nmembers : 1, sizeof(int64_t));
    if (!rep || !last_redeemer || !ids) {
        rc = patron__oom();
        goto out;
    }
    /* each member once */
    if (nmembers)
        memcpy(ids, members, nmembers * sizeof(int64_t));
    qsort(ids, nmembers, sizeof(int64_t), patron__id_cmp);
    int64_t from = patron__week_start(w0), to = patron__week_start(w1 + 1);
    for (size_t i = 0; i < nmembers && !rc; i++) {
        if (ids[i] <= 0 || (i && ids[i] == ids[i - 1]))
            continue;
        patron_statement *st = NULL;
        rc = patron_ledger_statement(db, &st, ids[i], from, to);
        if (rc == PATRON_ENOTFOUND) {
            rc = 0;
            continue;
        }
        if (rc) {
            patron__fail_prefix(rc, "member %lld: ", (long long)ids[i]);
            break;
        }
        size_t np = patron_statement_count(st);
        for (size_t k = 0; k < np; k++) {
            const patron_posting *p = patron_statement_get(st, k);
            if (p->at < from || p->at >= to)
                continue;
            size_t w = (size_t)(patron__week_of(p->at) - w0);
            int over = 0;
            if (p->kind == PATRON_POSTING_EARN) {
                over = __builtin_add_overflow(rep[w].earned, p->points, &rep[w].earned);
            } else if (p->kind == PATRON_POSTING_REDEEM) {
                over = __builtin_sub_overflow(rep[w].redeemed, p->points, &rep[w].redeemed);
                if (last_redeemer[w] != ids[i]) {
                    rep[w].redeemers++;
                    last_redeemer[w] = ids[i];
                }
            } else if (p->kind == PATRON_POSTING_EXPIRE) {
                over = __builtin_sub_overflow(rep[w].expired, p->points, &rep[w].expired);
            }
            if (over) {
                rc = patron__fail(PATRON_ERANGE, "patron_report_points_weekly: week %zu: the points of member %lld "
                                  "overflow a 64-bit total", w, (long long)ids[i]);
                break;
            }
        }
        patron_statement_free(st);
    }
    if (rc)
        goto out;
    for (size_t w = 0; w < nw; w++) {
        rep[w].week_start = patron__week_start(w0 + (int64_t)w);
        rep[w].redemption_rate = rep[w].earned > 0 ? (double)rep[w].redeemed / (double)rep[w].earned : NAN;
        rep[w].redeemed_change = w ? patron__rel_change((double)rep[w].redeemed, (double)rep[w - 1].redeemed) : NAN;
    }
out:
    patron__free(last_redeemer);
    patron__free(ids);
    if (rc) {
        patron__free(rep);
        return rc;
    }
    *out = rep;
    *nweeks = nw;
    return PATRON_OK;
}
