/* patron_campaign_target(): the campaign's segment as of a moment (the
 * mart's store frame), every member of it assigned in one transaction. */
#include <stdlib.h>

#include "campaign_int.h"
#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/store.h"
#include "patron/mart.h"

static int segment_members(patron_db *db, const patron__campaign *c, int64_t at, int64_t **ids, size_t *n)
{
    patron_store_frame_options fo = PATRON_STORE_FRAME_OPTIONS_INIT;
    fo.as_of = at;
    fo.channels = "";
    fo.rule = c->segment;
    patron_frame *f = NULL;
    int rc = patron_frame_from_db(db, &f, &fo);
    if (rc)
        return patron__fail_prefix(rc, "patron_campaign_target: campaign '%s': ", c->name);
    size_t col = 0;
    *n = patron_frame_rows(f);
    *ids = NULL;
    if ((rc = patron_frame_find(&col, f, "member_id", PATRON_COL_INT64)) == PATRON_OK && *n) {
        *ids = patron__malloc(*n * sizeof **ids);
        if (!*ids)
            rc = patron__oom();
        else
            for (size_t i = 0; i < *n; i++)
                (*ids)[i] = patron_frame_int64(f, col)[i];
    }
    patron_frame_free(f);
    return rc;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int patron_campaign_target(patron_db *db, patron_campaign_member **out, size_t *n, const char *campaign, int64_t at)
{
    static const char func[] = "patron_campaign_target";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!out || !n)
        return patron__fail(PATRON_EINVAL, "%s: %s is NULL", func, !out ? "out" : "n");
    patron__campaign c;
    if ((rc = patron__campaign_load(db, func, campaign, &c)))
        return rc;
    int64_t *ids = NULL;
    size_t count = 0;
    patron_campaign_member *list = NULL;
    if ((rc = patron__campaign_check_at(func, &c, at)) == PATRON_OK)
        rc = segment_members(db, &c, at, &ids, &count);
    if (rc == PATRON_OK && count) {
        qsort(ids, count, sizeof *ids, cmp_id);
        list = patron__calloc(count, sizeof *list);
        rc = list ? PATRON_OK : patron__oom();
    }
    if (rc == PATRON_OK && (rc = patron__tx_begin(db)) == PATRON_OK) {
        for (size_t i = 0; rc == PATRON_OK && i < count; i++) {
            list[i].member_id = ids[i];
            rc = patron__campaign_assign_in_tx(db, &c, ids[i], at, &list[i].group, &list[i].assigned_at,
                                               &list[i].is_new);
        }
        rc = patron__tx_end(db, rc);
    }
    patron__free(ids);
    patron__campaign_release(&c);
    if (rc) {
        patron__free(list);
        return rc;
    }
    *out = list;
    *n = count;
    return PATRON_OK;
}
