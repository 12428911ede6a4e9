/* patron_member_card(): one member's card, each section written by the
 * module that owns its data (profile, tier, ledger balance, earn purchases,
 * journeys); this file orders them and adds the segments over the caller's
 * frame. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal/program.h"
#include "internal/alloc.h"
#include "internal/behaviour.h"
#include "internal/campaign.h"
#include "internal/civil.h"
#include "internal/earn.h"
#include "internal/error.h"
#include "internal/journey.h"
#include "internal/member.h"
#include "internal/options.h"
#include "internal/profile.h"
#include "internal/sbuf.h"
#include "internal/store.h"
#include "internal/tier.h"
#include "mart_int.h"
#include "patron/ledger.h"
#include "patron/mart.h"
#include "patron/tier.h"

#define DAY INT64_C(86400)

static int tier_section(patron_db *db, patron__sbuf *b, int64_t member, int64_t at)
{
    patron_tier_status t;
    memset(&t, 0, sizeof t);
    /* the current program's tier; none for a member who has not joined it */
    int joined = 1;
    int rc = patron__program_member_check(db, "patron_member_card", member, &joined);
    if (rc == PATRON_OK)
        rc = joined ? patron_tier_get(db, &t, member, at) : PATRON_EINVAL;
    if (rc == PATRON_EINVAL) { /* no tiers configured (or not joined) */
        patron__sb_puts(b, ",\n  \"tier\": null");
        return PATRON_OK;
    }
    if (rc)
        return rc;
    patron__sb_puts(b, ",\n  \"tier\": {\"name\": ");
    if (t.tier[0])
        patron__sb_json_str(b, t.tier);
    else
        patron__sb_puts(b, "null");
    if (t.tier[0])
        patron__sb_printf(b, ", \"since\": %" PRId64, t.since);
    else
        patron__sb_puts(b, ", \"since\": null"); /* never evaluated: no tier yet */
    patron__sb_printf(b, ", \"value\": %" PRId64 ", \"qualifies\": ", t.value);
    patron__sb_json_str(b, t.qualifies);
    if (t.grace_until)
        patron__sb_printf(b, ", \"grace_until\": %" PRId64 "}", t.grace_until);
    else
        patron__sb_puts(b, ", \"grace_until\": null}");
    return patron__tier_export(db, b, member);
}

static int points_section(patron_db *db, patron__sbuf *b, int64_t member, int64_t at, int32_t days)
{
    patron_balance now, later;
    int rc = patron_ledger_balance(db, &now, member, at);
    if (rc == PATRON_OK)
        rc = patron_ledger_balance(db, &later, member, at + days * DAY);
    if (rc)
        return rc;
    /* what has expired by then and was not expired yet at `at`; postings
     * recorded later than `at` are not foreseen */
    int64_t expiring = later.expired_unposted - now.expired_unposted;
    if (expiring < 0)
        expiring = 0;
    patron__sb_printf(b,
                      ",\n  \"points\": {\"available\": %" PRId64 ", \"pending\": %" PRId64
                      ", \"expiring\": %" PRId64 ", \"expiring_days\": %d}",
                      now.available, now.pending, expiring, (int)days);
    return PATRON_OK;
}

static void score_or_null(patron__sbuf *b, const char *name, double v)
{
    if (isfinite(v))
        patron__sb_printf(b, ", \"%s\": %.17g", name, v);
    else
        patron__sb_printf(b, ", \"%s\": null", name);
}

static int clv_section(patron_db *db, patron__sbuf *b, int64_t member)
{
    patron__member_score sc;
    int rc = patron__mart_score(db, member, &sc);
    if (rc)
        return rc;
    if (!sc.fit_id) {
        patron__sb_puts(b, ",\n  \"clv\": null");
        return PATRON_OK;
    }
    patron__sb_printf(b, ",\n  \"clv\": {\"fit_id\": %" PRId64 ", \"as_of\": %" PRId64 ", \"model\": ", sc.fit_id,
                      sc.as_of);
    patron__sb_json_str(b, sc.model);
    score_or_null(b, "p_alive", sc.p_alive);
    score_or_null(b, "expected_purchases_90d", sc.expected_90d);
    score_or_null(b, "clv_12m", sc.clv_12m);
    patron__sb_puts(b, "}");
    return PATRON_OK;
}

static int segments_section(patron__sbuf *b, int64_t member, const patron_card_options *o)
{
    if (!o->frame) {
        patron__sb_puts(b, ",\n  \"segments\": null");
        return PATRON_OK;
    }
    char want[24], buf[24];
    snprintf(want, sizeof want, "%" PRId64, member);
    size_t rows = patron_frame_rows(o->frame), row = rows;
    for (size_t r = 0; r < rows && row == rows; r++) {
        const char *id = patron_frame_id(o->frame, r, buf, sizeof buf);
        if (id && !strcmp(id, want))
            row = r;
    }
    size_t ndefs = o->segments ? o->nsegments : 0;
    const patron_segment_def *defs = o->segments ? o->segments : patron_segment_builtins(&ndefs);
    patron_segment_options so = PATRON_SEGMENT_OPTIONS_INIT;
    so.now = o->as_of;
    so.defs = o->segments;
    so.ndefs = o->segments ? o->nsegments : 0;
    patron__sb_puts(b, ",\n  \"segments\": [");
    int n = 0, rc = PATRON_OK;
    for (size_t i = 0; i < ndefs && row < rows; i++) {
        patron_selection *sel = NULL;
        if ((rc = patron_segment_select(&sel, o->frame, defs[i].name, &so)))
            return patron__fail_prefix(rc, "patron_member_card: ");
        if (patron_selection_contains(sel, row)) {
            patron__sb_puts(b, n++ ? ", " : "");
            patron__sb_json_str(b, defs[i].name);
        }
        patron_selection_free(sel);
    }
    patron__sb_puts(b, "]");
    return rc;
}

static int card_build(patron_db *db, char **json, int64_t member_id, const patron_card_options *opts);

int patron_member_card(patron_db *db, char **json, int64_t member_id, const patron_card_options *opts)
{
    static const char func[] = "patron_member_card";
    patron_card_options o = PATRON_CARD_OPTIONS_INIT;
    int rc = opts ? patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_card_options") : PATRON_OK;
    if (rc || (rc = patron__mart_begin(db, func, json, opts, o.as_of, "the card")))
        return rc;
    if (o.expiring_days < 1 || o.expiring_days > 3650)
        return patron__fail(PATRON_EINVAL, "%s: expiring_days %d is not 1..3650", func, (int)o.expiring_days);
    if (o.segments && !o.nsegments)
        return patron__fail(PATRON_EINVAL, "%s: segments given with nsegments 0", func);
    int held;
    if ((rc = patron__read_begin(db, &held)))
        return rc;
    rc = card_build(db, json, member_id, &o);
    return patron__read_end(db, held, rc);
}

/* The card's sections, read in one snapshot of the store. */
static int card_build(patron_db *db, char **json, int64_t member_id, const patron_card_options *opts)
{
    const patron_card_options o = *opts;
    int64_t member;
    int rc = patron__member_resolve(db, &member, member_id, 1);
    if (rc)
        return rc;
    patron__sbuf b = {0};
    patron__sb_printf(&b, "{\n  \"member_id\": %" PRId64 ",\n  \"as_of\": %" PRId64, member, o.as_of);
    rc = patron__profile_card(db, &b, member, o.as_of);
    if (rc == PATRON_OK)
        rc = tier_section(db, &b, member, o.as_of);
    if (rc == PATRON_OK)
        rc = points_section(db, &b, member, o.as_of, o.expiring_days);
    if (rc == PATRON_OK)
        rc = patron__earn_card(db, &b, member, o.as_of);
    if (rc == PATRON_OK)
        rc = patron__behaviour_card(db, &b, member, o.as_of);
    if (rc == PATRON_OK)
        rc = clv_section(db, &b, member);
    if (rc == PATRON_OK)
        rc = segments_section(&b, member, &o);
    if (rc == PATRON_OK)
        rc = patron__journey_card(db, &b, member);
    if (rc == PATRON_OK)
        rc = patron__campaign_card(db, &b, member, o.as_of);
    patron__sb_puts(&b, "\n}\n");
    char *s = rc == PATRON_OK ? patron__sb_take(&b) : NULL;
    if (rc == PATRON_OK && !s)
        rc = patron__oom();
    if (rc) {
        patron__sb_free(&b);
        return rc;
    }
    *json = s;
    return PATRON_OK;
}
