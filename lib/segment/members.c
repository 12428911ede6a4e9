/* Store-backed frame columns: member id, join time, consent per channel,
 * points balance and tier, read through the public profile, ledger and tier
 * APIs at an explicit moment (a large frame reads each from one scan of its
 * module's table instead: members_bulk.c, the ledger's and the tier
 * module's bulk readers). */
#include <stdio.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/ledger.h"
#include "internal/program.h"
#include "internal/member.h"
#include "internal/options.h"
#include "internal/store.h"
#include "internal/tier.h"
#include "members_bulk.h"
#include "patron/ledger.h"
#include "patron/profile.h"
#include "patron/segment.h"
#include "patron/tier.h"

#define MAX_CHANNELS 16

static int parse_channels(char names[][PATRON_COLNAME_MAX + 1], size_t *n, const char *list)
{
    *n = 0;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || len > PATRON_COLNAME_MAX - 8)
            return patron__fail(PATRON_EINVAL, "channels '%.80s': empty or overlong channel name", list);
        for (size_t i = 0; i < len; i++) {
            char c = p[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
                return patron__fail(PATRON_EINVAL,
                                    "channels '%.80s': '%.*s' is not a channel name (lower-case letters, digits, '_')",
                                    list, (int)len, p);
        }
        if (*n == MAX_CHANNELS)
            return patron__fail(PATRON_EINVAL, "channels '%.80s': more than %d channels", list, MAX_CHANNELS);
        snprintf(names[*n], PATRON_COLNAME_MAX + 1, "consent.%.*s", (int)len, p);
        (*n)++;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* Row r by itself: who it is (*member 0 when no member), when it joined and
 * its consents, each asked of the profile module. */
static int member_by_row(patron_db *db, char ch[][PATRON_COLNAME_MAX + 1], size_t nch, const int64_t *iid,
                         const char *const *sid, size_t r, size_t rows, int64_t now, int64_t *v, int64_t *member)
{
    char ident[280];
    if (iid)
        snprintf(ident, sizeof ident, "#%lld", (long long)iid[r]);
    else if (all_digits(sid[r]))
        snprintf(ident, sizeof ident, "#%.270s", sid[r]);
    else
        snprintf(ident, sizeof ident, "%.270s", sid[r]);
    v[1 * rows + r] = INT64_MIN; /* joined: missing */
    *member = 0;
    int rc = patron_profile_find(db, member, ident);
    if (rc == PATRON_ENOTFOUND || rc == PATRON_EINVAL) {
        *member = 0;
        return PATRON_OK; /* not a member */
    }
    if (rc)
        return rc;
    int64_t active = 0;
    if ((rc = patron__member_resolve(db, &active, *member, 1)) == PATRON_ENOTFOUND) {
        *member = 0;
        return PATRON_OK; /* erased: no member any more */
    }
    if (rc)
        return rc;
    v[r] = *member;
    int64_t joined = INT64_MIN;
    patron_profile *p = NULL;
    if ((rc = patron_profile_get(db, &p, *member)))
        return rc;
    const char *j = patron_profile_field(p, "joined_at");
    long long t = 0;
    if (j && *j && sscanf(j, "%lld", &t) == 1)
        joined = (int64_t)t;
    patron_profile_free(p);
    v[1 * rows + r] = joined;
    for (size_t k = 0; k < nch && !rc; k++) {
        int g = 0;
        rc = patron_consent_get(db, &g, *member, ch[k] + 8, now);
        v[(4 + k) * rows + r] = g;
    }
    return rc;
}

int patron_frame_add_member_columns(patron_frame *frame, patron_db *db,
                                    const patron_member_columns_options *opts)
{
    if (!frame || !db)
        return patron__fail(PATRON_EINVAL, "patron_frame_add_member_columns: %s is NULL", frame ? "db" : "frame");
    patron_member_columns_options o = PATRON_MEMBER_COLUMNS_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_member_columns_options");
    if (rc)
        return rc;
    if (o.now == PATRON_TIME_NONE)
        return patron__fail(PATRON_EINVAL,
                            "patron_member_columns_options.now is not set: consent, balance and tier are read at an explicit moment");
    char ch[MAX_CHANNELS][PATRON_COLNAME_MAX + 1];
    size_t nch;
    if ((rc = parse_channels(ch, &nch, o.channels ? o.channels : "")))
        return rc;
    static const char *const fixed[] = {"member_id", "joined", "points_balance", "points_pending", "tier"};
    size_t c0;
    for (size_t k = 0; k < 5 + nch; k++) {
        const char *nm = k < 5 ? fixed[k] : ch[k - 5];
        if (patron_frame_find(&c0, frame, nm, PATRON_COL_ANY) == 0)
            return patron__fail(PATRON_ECONFLICT, "the frame already has a column '%s'", nm);
    }
    patron_errclear();
    size_t rows = patron_frame_rows(frame);
    size_t ni = 4 + nch; /* member, joined, balance, pending, consents */
    int64_t *v = patron__calloc((rows ? rows : 1) * ni, sizeof(int64_t));
    char (*tier)[PATRON__TIER_NAME_CAP] = patron__calloc(rows ? rows : 1, sizeof *tier);
    const char **tiers = patron__calloc(rows ? rows : 1, sizeof(char *));
    if (!v || !tier || !tiers) {
        rc = patron__oom();
        goto out;
    }
    const int64_t *iid = patron_frame_int64(frame, 0);
    const char *const *sid = patron_frame_string(frame, 0);
    size_t r;
    /* every row read in one snapshot of the store (one moment, and the
     * backend's locks taken once) */
    int held = 0;
    if ((rc = patron__read_begin(db, &held)))
        goto out;
    /* many rows: who, joined and consents in one scan each (members_bulk.h) */
    int bulk = iid && rows >= PATRON__MEMBER_BULK_ROWS;
    if (bulk) {
        const char *chn[MAX_CHANNELS];
        for (size_t k = 0; k < nch; k++)
            chn[k] = ch[k] + 8; /* after "consent." */
        if ((rc = patron__member_columns_bulk(db, iid, rows, chn, nch, o.now, v, v + rows, v + 4 * rows)) ||
            (rc = patron__ledger_balances_bulk(db, o.now, v, rows, v + 2 * rows, v + 3 * rows)) ||
            /* the current program's tiers (none for who has not joined it) */
            (rc = patron__tier_names_bulk(db, v, rows, tier))) {
            patron__read_end(db, held, rc);
            goto out;
        }
        for (r = 0; r < rows; r++)
            tiers[r] = tier[r];
    }
    for (r = 0; r < rows && !rc && !bulk; r++) {
        tiers[r] = tier[r];
        int64_t member = v[r];
        if ((rc = member_by_row(db, ch, nch, iid, sid, r, rows, o.now, v, &member)))
            break;
        if (!member)
            continue;
        patron_balance bal;
        rc = patron_ledger_balance(db, &bal, member, o.now);
        if (rc == PATRON_ENOTFOUND && patron__program_id(db) > 1) {
            /* not in the current program: no points in it */
            patron_errclear();
            bal = (patron_balance){0, 0, 0};
            rc = PATRON_OK;
        }
        if (rc)
            break;
        v[2 * rows + r] = bal.available;
        v[3 * rows + r] = bal.pending;
        patron_tier_status st;
        memset(&st, 0, sizeof st);
        int trc = patron_tier_get(db, &st, member, o.now); /* ENOTFOUND: not in the current program */
        if (trc == 0)
            snprintf(tier[r], sizeof tier[r], "%s", st.tier);
        else if (trc != PATRON_ENOTFOUND && trc != PATRON_EINVAL) {
            /* EINVAL: no tiers are configured (the member and time are valid) */
            rc = trc;
            break;
        }
    }
    if (rc) {
        patron__fail_prefix(rc, "row %zu (customer %s): ", r + 1,
                            iid ? "with an integer id" : "with a text id");
        patron__read_end(db, held, rc);
        goto out;
    }
    if ((rc = patron__read_end(db, held, rc)))
        goto out;
    for (size_t k = 0; k < 4 && !rc; k++)
        rc = patron_frame_add_int64(frame, fixed[k], v + k * rows);
    if (!rc)
        rc = patron_frame_add_string(frame, "tier", tiers);
    for (size_t k = 0; k < nch && !rc; k++)
        rc = patron_frame_add_int64(frame, ch[k], v + (4 + k) * rows);
out:
    patron__free(v);
    patron__free(tier);
    patron__free(tiers);
    return rc;
}
