/* patron_campaign_target(): the campaign's segment over a caller's frame,
 * every member it selects assigned in one transaction. */
#include <stdlib.h>

#include "campaign_int.h"
#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/ids.h"
#include "internal/member.h"
#include "internal/store.h"
#include "patron/segment.h"

static int cmp_member(const void *a, const void *b)
{
    const patron_campaign_member *x = a, *y = b;
    if (x->member_id != y->member_id)
        return (x->member_id > y->member_id) - (x->member_id < y->member_id);
    return y->is_new - x->is_new; /* the call that assigned it first */
}

/* The member ids of the rows the segment selects (the `member_id` column,
 * else integer customer ids), sorted, 0s left out. */
static int segment_ids(const patron__campaign *c, const patron_frame *frame, int64_t at, int64_t **ids, size_t *n)
{
    size_t col = 0;
    const int64_t *who = NULL;
    if (patron_frame_find(&col, frame, "member_id", PATRON_COL_INT64) == PATRON_OK)
        who = patron_frame_int64(frame, col);
    else if (!(who = patron_frame_int64(frame, 0)))
        return patron__fail(PATRON_EINVAL, "patron_campaign_target: the frame has text customer ids and no "
                                           "member_id column (add the member columns first)");
    patron_errclear();
    patron_selection *sel = NULL;
    int rc = PATRON_OK;
    if (c->segment) {
        patron_rule_eval_options ro = PATRON_RULE_EVAL_OPTIONS_INIT;
        ro.now = at;
        if ((rc = patron_rule_select(&sel, frame, c->segment, &ro)))
            return patron__fail_prefix(rc, "patron_campaign_target: campaign '%s': ", c->name);
    }
    size_t rows = patron_frame_rows(frame), k = 0;
    *ids = patron__malloc((rows ? rows : 1) * sizeof **ids);
    if (!*ids)
        rc = patron__oom();
    for (size_t r = 0; rc == PATRON_OK && r < rows; r++)
        if ((!sel || patron_selection_contains(sel, r)) && who[r] > 0)
            (*ids)[k++] = who[r];
    patron_selection_free(sel);
    if (rc == PATRON_OK && k)
        qsort(*ids, k, sizeof **ids, patron__id_cmp);
    *n = k;
    return rc;
}

int patron_campaign_target(patron_db *db, patron_campaign_member **out, size_t *n, const char *campaign,
                           const patron_frame *frame, int64_t at)
{
    static const char func[] = "patron_campaign_target";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!out || !n || !frame)
        return patron__fail(PATRON_EINVAL, "%s: %s is NULL", func, !out ? "out" : !n ? "n" : "frame");
    patron__campaign c;
    if ((rc = patron__campaign_load(db, func, campaign, &c)))
        return rc;
    int64_t *ids = NULL;
    size_t count = 0, kept = 0;
    patron_campaign_member *list = NULL;
    if ((rc = patron__campaign_check_at(func, &c, at)) == PATRON_OK)
        rc = segment_ids(&c, frame, at, &ids, &count);
    if (rc == PATRON_OK && count && !(list = patron__calloc(count, sizeof *list)))
        rc = patron__oom();
    if (rc == PATRON_OK && (rc = patron__tx_begin(db)) == PATRON_OK) {
        for (size_t i = 0; rc == PATRON_OK && i < count; i++) {
            int64_t member = 0;
            if ((rc = patron__member_resolve(db, &member, ids[i], 1)) == PATRON_ENOTFOUND) {
                patron_errclear();
                rc = PATRON_OK; /* no active member: left out */
                continue;
            }
            if (rc)
                break;
            patron_campaign_member *m = &list[kept];
            m->member_id = member;
            if ((rc = patron__campaign_assign_in_tx(db, &c, member, at, &m->group, &m->assigned_at, &m->is_new)) ==
                PATRON_OK)
                kept++;
        }
        rc = patron__tx_end(db, rc);
    }
    patron__free(ids);
    patron__campaign_release(&c);
    if (rc) {
        patron__free(list);
        return rc;
    }
    /* a merged id and the member it joined are one member: listed once, as
     * the first assignment made it */
    if (kept)
        qsort(list, kept, sizeof *list, cmp_member);
    size_t u = 0;
    for (size_t i = 0; i < kept; i++)
        if (!u || list[u - 1].member_id != list[i].member_id)
            list[u++] = list[i];
    kept = u;
    if (!kept) {
        patron__free(list);
        list = NULL;
    }
    *out = list;
    *n = kept;
    return PATRON_OK;
}
