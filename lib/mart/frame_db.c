/* patron_frame_from_db(): the store's members as one customer frame — the
 * summary of the store's log, its activity columns, the member columns and
 * the stored scores — each added by the module that computes it. */
#include <inttypes.h>

#include "internal/civil.h"
#include "internal/error.h"
#include "internal/options.h"
#include "internal/store.h"
#include "mart_int.h"
#include "patron/mart.h"

static int frame_build(patron_db *db, patron_frame **out, const patron_store_frame_options *opts);

int patron_frame_from_db(patron_db *db, patron_frame **out, const patron_store_frame_options *opts)
{
    static const char func[] = "patron_frame_from_db";
    patron_store_frame_options o = PATRON_STORE_FRAME_OPTIONS_INIT;
    int rc = opts ? patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_store_frame_options") : PATRON_OK;
    if (rc || (rc = patron__mart_begin(db, func, out, opts, o.as_of, "the frame")))
        return rc;
    int held;
    if ((rc = patron__read_begin(db, &held)))
        return rc;
    rc = frame_build(db, out, &o);
    return patron__read_end(db, held, rc);
}

/* The frame's parts, read in one snapshot of the store. */
static int frame_build(patron_db *db, patron_frame **out, const patron_store_frame_options *opts)
{
    static const char func[] = "patron_frame_from_db";
    const patron_store_frame_options o = *opts;
    patron_txlog *log = NULL;
    patron_frame *f = NULL;
    int rc = patron__mart_summary(db, func, o.as_of, o.decimals, &f, &log);
    if (rc)
        return rc;
    patron_activity_options ao = PATRON_ACTIVITY_OPTIONS_INIT;
    ao.now = o.as_of;
    if (rc == PATRON_OK)
        rc = patron_frame_add_activity(f, log, &ao);
    patron_txlog_free(log);
    patron_member_columns_options mo = PATRON_MEMBER_COLUMNS_OPTIONS_INIT;
    mo.now = o.as_of;
    mo.channels = o.channels;
    if (rc == PATRON_OK)
        rc = patron_frame_add_member_columns(f, db, &mo);
    if (rc == PATRON_OK)
        rc = patron__mart_add_attrs(db, f);
    if (rc == PATRON_OK)
        rc = patron_frame_add_scores(f, db);
    if (rc == PATRON_OK && o.rule) {
        patron_rule_eval_options ro = PATRON_RULE_EVAL_OPTIONS_INIT;
        ro.now = o.as_of;
        patron_selection *sel = NULL;
        patron_frame *kept = NULL;
        if ((rc = patron_rule_select(&sel, f, o.rule, &ro)) == PATRON_OK)
            rc = patron_frame_select(&kept, f, sel);
        patron_selection_free(sel);
        if (rc == PATRON_OK) {
            patron_frame_free(f);
            f = kept;
        }
    }
    if (rc) {
        patron_frame_free(f);
        return rc;
    }
    *out = f;
    return PATRON_OK;
}
