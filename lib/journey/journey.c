/* Journey triggers over a customer frame with the state in the store
 * (member attributes journey_<name>_<step> = the event time it was sent for). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"
#include "internal/journey.h"
#include "internal/store.h"
#include "patron/journey.h"
#include "patron/profile.h"

#define DAY INT64_C(86400)
#define MAX_CH 8

static const char *const journey_names[] = {"welcome", "post_purchase", "win_back"};
static const int journey_steps[] = {3, 3, 1};

static void attr_name(char *buf, size_t cap, int journey, int step)
{
    snprintf(buf, cap, "journey_%s_%d", journey_names[journey], step);
}

static int int_col(const int64_t **out, const patron_frame *f, const char *name)
{
    size_t c;
    int rc = patron_frame_find(&c, f, name, PATRON_COL_INT64);
    if (rc)
        return patron__fail_prefix(rc, "journeys need the frame column '%s': ", name);
    *out = patron_frame_int64(f, c);
    return 0;
}

/* A step's state: the newest event it was sent for (INT64_MIN: never). */
static int64_t state_value(const char *v)
{
    if (!v || !*v)
        return INT64_MIN;
    char *end;
    long long x = strtoll(v, &end, 10);
    return *end == '\0' ? (int64_t)x : INT64_MIN;
}

/* Was the step sent for this anchor? It was when it was sent for this
 * event or a newer one: a member is never taken back to an older event
 * (after a merge the older join time can become the anchor). */
static int sent_for(const patron_profile *p, int journey, int step, int64_t anchor)
{
    char name[64];
    attr_name(name, sizeof name, journey, step);
    int64_t x = state_value(patron_profile_field(p, name));
    return x != INT64_MIN && x >= anchor;
}

int patron__journey_merge_state(patron_db *db, int64_t kept, int64_t merged)
{
    /* the state is profile attributes: read both members' through the
     * profile module, write the newer value onto the survivor */
    patron_profile *pk = NULL, *pm = NULL;
    int rc = patron_profile_get(db, &pk, kept);
    if (rc == PATRON_OK)
        rc = patron_profile_get(db, &pm, merged);
    for (int j = 0; j < 3 && rc == PATRON_OK; j++)
        for (int k = 1; k <= journey_steps[j] && rc == PATRON_OK; k++) {
            char name[64];
            attr_name(name, sizeof name, j, k);
            int64_t vk = state_value(patron_profile_field(pk, name)), vm = state_value(patron_profile_field(pm, name));
            if (vm == INT64_MIN || vm <= vk)
                continue;
            char value[32];
            snprintf(value, sizeof value, "%lld", (long long)vm);
            rc = patron_profile_set_attr(db, kept, name, value);
        }
    patron_profile_free(pk);
    patron_profile_free(pm);
    return rc;
}

typedef struct row_key {
    int64_t member;
    size_t row;  /* a row of the member; then, per member: its first row */
    size_t pick; /* per member: the row it is evaluated on */
} row_key;

static int by_member_then_row(const void *a, const void *b)
{
    const row_key *x = a, *y = b;
    if (x->member != y->member)
        return x->member < y->member ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

static int by_row(const void *a, const void *b)
{
    const row_key *x = a, *y = b;
    return (x->row > y->row) - (x->row < y->row);
}

/* One row per member (member_id > 0): the first of its rows with the
 * latest last_purchase, listed in the order of the member's first row. */
static int member_rows(size_t **out, size_t *n, const int64_t *member, const int64_t *last, size_t rows)
{
    row_key *k = patron__reallocarray(NULL, rows ? rows : 1, sizeof *k);
    size_t *rep = patron__reallocarray(NULL, rows ? rows : 1, sizeof *rep);
    if (!k || !rep) {
        patron__free(k);
        patron__free(rep);
        return patron__oom();
    }
    size_t nk = 0, ng = 0;
    for (size_t r = 0; r < rows; r++)
        if (member[r] > 0) {
            k[nk].member = member[r];
            k[nk].row = r;
            nk++;
        }
    qsort(k, nk, sizeof *k, by_member_then_row);
    for (size_t i = 0; i < nk;) {
        size_t j = i, best = k[i].row;
        for (; j < nk && k[j].member == k[i].member; j++)
            if (last[k[j].row] > last[best])
                best = k[j].row;
        k[ng].member = k[i].member;
        k[ng].row = k[i].row; /* rows ascend within a member */
        k[ng].pick = best;
        ng++;
        i = j;
    }
    qsort(k, ng, sizeof *k, by_row);
    for (size_t i = 0; i < ng; i++)
        rep[i] = k[i].pick;
    patron__free(k);
    *out = rep;
    *n = ng;
    return PATRON_OK;
}

int patron__journey_card(patron_db *db, patron__sbuf *b, int64_t member)
{
    patron_profile *p = NULL;
    int rc = patron_profile_get(db, &p, member);
    if (rc)
        return rc;
    patron__sb_puts(b, ",\n  \"journeys_sent\": [");
    int n = 0;
    for (int j = 0; j < (int)(sizeof journey_names / sizeof journey_names[0]); j++)
        for (int k = 1; k <= journey_steps[j]; k++) {
            char name[64];
            attr_name(name, sizeof name, j, k);
            int64_t x = state_value(patron_profile_field(p, name));
            if (x == INT64_MIN)
                continue;
            patron__sb_printf(b, "%s{\"journey\": \"%s\", \"step\": %d, \"event_at\": %" PRId64 "}",
                              n++ ? ", " : "", journey_names[j], k, x);
        }
    patron__sb_puts(b, "]");
    patron_profile_free(p);
    return PATRON_OK;
}

int patron_journey_due(patron_journey_due_item **out, size_t *n, patron_db *db,
                       const patron_frame *frame, const patron_journey_options *opts)
{
    if (!out || !n || !db || !frame)
        return patron__fail(PATRON_EINVAL, "patron_journey_due: NULL argument");
    patron_journey_options o = PATRON_JOURNEY_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_journey_options");
    if (rc)
        return rc;
    if (o.now == PATRON_TIME_NONE)
        return patron__fail(PATRON_EINVAL, "patron_journey_options.now is not set");
    for (int k = 0; k < 3; k++) {
        for (int j = 0; j < 2; j++) {
            const int32_t *days = j ? o.post_purchase_days : o.welcome_days;
            if (days[k] < 0 || days[k] > 3650 || (k && days[k] < days[k - 1]))
                return patron__fail(PATRON_EINVAL, "%s_days must be non-decreasing offsets in 0..3650",
                                    j ? "post_purchase" : "welcome");
        }
    }
    if (o.win_back_min_days < 0 || o.win_back_max_days < o.win_back_min_days || o.win_back_max_days > 3650 ||
        o.max_delay_days < 0 || o.max_delay_days > 3650)
        return patron__fail(PATRON_EINVAL, "win-back window %d..%d days or max delay %d days is invalid",
                            (int)o.win_back_min_days, (int)o.win_back_max_days, (int)o.max_delay_days);
    /* channels, in preference order, and their consent columns */
    char ch[MAX_CH][32];
    const int64_t *consent_i[MAX_CH];
    const double *consent_d[MAX_CH];
    size_t nch = 0;
    const char *p = o.channels ? o.channels : "";
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof ch[0] || nch == MAX_CH)
            return patron__fail(PATRON_EINVAL, "channels '%.80s': empty or overlong name, or more than %d",
                                o.channels, MAX_CH);
        memcpy(ch[nch], p, len);
        ch[nch][len] = '\0';
        char col[64];
        snprintf(col, sizeof col, "consent.%s", ch[nch]);
        size_t c;
        if ((rc = patron_frame_find(&c, frame, col, PATRON_COL_ANY)))
            return patron__fail_prefix(rc, "channel '%s': ", ch[nch]);
        consent_i[nch] = patron_frame_int64(frame, c);
        consent_d[nch] = patron_frame_double(frame, c);
        if (patron_frame_col_type(frame, c) == PATRON_COL_STRING)
            return patron__fail(PATRON_EINVAL, "column '%s' must be numeric (1 = consent)", col);
        nch++;
        p += len;
        if (*p == ',')
            p++;
    }
    if (nch == 0)
        return patron__fail(PATRON_EINVAL, "no channels given");
    const int64_t *member = NULL, *joined = NULL, *last = NULL;
    if ((rc = int_col(&member, frame, "member_id")) || (rc = int_col(&joined, frame, "joined")) ||
        (rc = int_col(&last, frame, "last_purchase")))
        return rc;
    const char *const *tags = NULL;
    if (o.tag_column) {
        size_t c;
        if ((rc = patron_frame_find(&c, frame, o.tag_column, PATRON_COL_STRING)))
            return patron__fail_prefix(rc, "tag_column: ");
        tags = patron_frame_string(frame, c);
    }

    /* Several rows can be one member (customers merged in the store): the
     * member is evaluated once, on its row with the latest purchase, in the
     * order of its first row. */
    size_t nrep = 0, *rep = NULL;
    if ((rc = member_rows(&rep, &nrep, member, last, patron_frame_rows(frame))))
        return rc;
    patron_journey_due_item *items = NULL;
    size_t count = 0, cap = 0;
    for (size_t m = 0; m < nrep && !rc; m++) {
        size_t r = rep[m];
        int chosen = -1;
        for (size_t k = 0; k < nch && chosen < 0; k++) {
            int yes = consent_i[k] ? consent_i[k][r] != 0 : (consent_d[k][r] < 0 || consent_d[k][r] > 0);
            if (yes)
                chosen = (int)k;
        }
        if (chosen < 0)
            continue; /* no consent on any allowed channel */
        /* candidates by timing alone */
        struct { int journey, step; int64_t anchor, sched; } cand[7];
        int nc = 0;
        for (int j = 0; j < 2; j++) {
            int64_t anchor = j ? last[r] : joined[r];
            if (anchor == INT64_MIN || anchor > o.now)
                continue;
            const int32_t *days = j ? o.post_purchase_days : o.welcome_days;
            for (int k = 0; k < 3; k++) {
                int64_t sched = anchor + (int64_t)days[k] * DAY;
                if (o.now >= sched && o.now <= sched + (int64_t)o.max_delay_days * DAY) {
                    cand[nc].journey = j;
                    cand[nc].step = k + 1;
                    cand[nc].anchor = anchor;
                    cand[nc].sched = sched;
                    nc++;
                }
            }
        }
        if (last[r] != INT64_MIN && last[r] <= o.now) {
            int64_t idle = o.now - last[r];
            /* whole days idle in min..max: day `max` is covered to its end */
            if (idle >= (int64_t)o.win_back_min_days * DAY && idle < ((int64_t)o.win_back_max_days + 1) * DAY) {
                cand[nc].journey = PATRON_JOURNEY_WIN_BACK;
                cand[nc].step = 1;
                cand[nc].anchor = last[r];
                cand[nc].sched = last[r] + (int64_t)o.win_back_min_days * DAY;
                nc++;
            }
        }
        if (nc == 0)
            continue;
        patron_profile *prof = NULL;
        rc = patron_profile_get(db, &prof, member[r]);
        if (rc == PATRON_ENOTFOUND) {
            rc = 0;
            continue;
        }
        if (rc) {
            patron__fail_prefix(rc, "row %zu (member %lld): ", r + 1, (long long)member[r]);
            break;
        }
        for (int q = 0; q < nc; q++) {
            int j = cand[q].journey, k = cand[q].step;
            if (sent_for(prof, j, k, cand[q].anchor))
                continue;
            if (k > 1 && !sent_for(prof, j, k - 1, cand[q].anchor))
                continue; /* in order */
            if (count == cap) {
                size_t nc2 = cap ? 2 * cap : 16;
                patron_journey_due_item *g = patron__reallocarray(items, nc2, sizeof *items);
                if (!g) {
                    rc = patron__oom();
                    break;
                }
                items = g;
                cap = nc2;
            }
            patron_journey_due_item *it = &items[count++];
            memset(it, 0, sizeof *it);
            it->member_id = member[r];
            it->row = r;
            it->journey = j;
            it->step = k;
            it->anchor = cand[q].anchor;
            it->scheduled = cand[q].sched;
            snprintf(it->channel, sizeof it->channel, "%s", ch[chosen]);
            if (j == PATRON_JOURNEY_WIN_BACK && tags)
                snprintf(it->tag, sizeof it->tag, "%s", tags[r]);
        }
        patron_profile_free(prof);
    }
    patron__free(rep);
    if (rc) {
        patron__free(items);
        return rc;
    }
    *out = count ? items : NULL;
    if (!count)
        patron__free(items);
    *n = count;
    return PATRON_OK;
}

int patron_journey_mark_sent(patron_db *db, const patron_journey_due_item *item)
{
    if (!db || !item)
        return patron__fail(PATRON_EINVAL, "patron_journey_mark_sent: %s is NULL", db ? "item" : "db");
    if (item->journey < 0 || item->journey > 2 || item->step < 1 || item->step > journey_steps[item->journey])
        return patron__fail(PATRON_EINVAL, "journey %d step %d does not exist", (int)item->journey, (int)item->step);
    char name[64], value[32];
    attr_name(name, sizeof name, item->journey, item->step);
    int rc = patron_profile_define_attr(db, name, PATRON_ATTR_INT);
    if (rc)
        return rc;
    /* A mark never moves a step back: a late receipt for an older event
     * (a delayed delivery report) leaves the newer event's state alone. */
    patron_profile *prof = NULL;
    if ((rc = patron_profile_get(db, &prof, item->member_id)))
        return rc;
    int64_t cur = state_value(patron_profile_field(prof, name));
    int newer = cur != INT64_MIN && cur >= item->anchor;
    patron_profile_free(prof);
    if (newer)
        return PATRON_OK;
    snprintf(value, sizeof value, "%lld", (long long)item->anchor);
    return patron_profile_set_attr(db, item->member_id, name, value);
}
