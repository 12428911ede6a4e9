/* The points liability by month, with expected breakage (report.h,
 * docs/guide/report.md "Points liability and breakage").
 *
 * One walk over the ledger's postings in member order. Each member's
 * postings are gathered as differences per month index (a posting counts
 * as posted from the month its effective_at falls in, as pending from the
 * month of its `at` until then); at the member's last posting the
 * differences are summed month by month, the available part is clamped at
 * 0 (a member in overdraft owes, the program does not), and added to the
 * store's totals. Cost O(postings + members × months). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/ledger.h"
#include "internal/options.h"
#include "patron/ledger.h"
#include "patron/report.h"

#define DAY INT64_C(86400)

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* months since 0000-01 of the month holding t */
static int64_t month_number(int64_t t)
{
    int64_t y;
    int m, d;
    patron__civil_from_days(floor_div(t, DAY), &y, &m, &d);
    return y * 12 + (m - 1);
}

static int64_t month_start(int64_t mnum)
{
    int64_t y = floor_div(mnum, 12);
    return patron__days_from_civil(y, (int)(mnum - y * 12) + 1, 1) * DAY;
}

/* round(x * num / den) half up for x, num >= 0 and den > 0, exact
 * through a 128-bit product in two 64-bit halves (portable C11: no
 * __int128); -1 when the result does not fit int64_t. */
static int64_t scale(int64_t x, int64_t num, int64_t den)
{
    uint64_t a = (uint64_t)x, b = (uint64_t)num, d = (uint64_t)den;
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    uint64_t lo = (p00 & 0xffffffffu) | (mid << 32);
    uint64_t hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    /* + den / 2 (half up): x*num*2 + den over 2*den is the same rounding */
    uint64_t half = d / 2, lo2 = lo + half;
    hi += lo2 < lo;
    lo = lo2;
    if (hi >= d)
        return -1;
    uint64_t q = 0, r = hi;
    for (int i = 63; i >= 0; i--) {
        uint64_t top = r >> 63; /* the bit shifted out: r is then >= d */
        r = r << 1 | (lo >> i & 1);
        q <<= 1;
        if (top || r >= d) { /* wraps back to the true r - d < d */
            r -= d;
            q |= 1;
        }
    }
    return q > (uint64_t)INT64_MAX ? -1 : (int64_t)q;
}

typedef struct walk {
    int64_t m0;        /* month number of the first month */
    size_t nm;
    int64_t cur;       /* member being gathered, 0 before the first */
    int64_t *posted;   /* per-member differences, nm + 1 (the last: after the report) */
    int64_t *pending;
    int64_t *available_total, *pending_total; /* store totals per month */
    int64_t *issued, *redeemed, *expired, *adjusted; /* flows per month (postings before: none) */
    int64_t red_before, exp_before;   /* settled before the first month */
    int over;
} walk;

/* index of the month holding t, clamped to [0, nm]: before the first
 * month is 0 (it counts from the start), after the last is nm */
static size_t month_index(const walk *w, int64_t t)
{
    if (t == PATRON_NEVER)
        return w->nm;
    int64_t k = month_number(t) - w->m0;
    return k < 0 ? 0 : k > (int64_t)w->nm ? w->nm : (size_t)k;
}

static void add(int64_t *acc, int64_t v, int *over)
{
    if (__builtin_add_overflow(*acc, v, acc))
        *over = 1;
}

static void flush_member(walk *w)
{
    int64_t p = 0, q = 0;
    for (size_t k = 0; k < w->nm; k++) {
        add(&p, w->posted[k], &w->over);
        add(&q, w->pending[k], &w->over);
        add(&w->available_total[k], p > 0 ? p : 0, &w->over);
        add(&w->pending_total[k], q, &w->over);
    }
    memset(w->posted, 0, (w->nm + 1) * sizeof *w->posted);
    memset(w->pending, 0, (w->nm + 1) * sizeof *w->pending);
}

static int each_posting(void *ctx, const patron__posting_row *r)
{
    walk *w = ctx;
    if (r->member_id != w->cur) {
        if (w->cur)
            flush_member(w);
        w->cur = r->member_id;
    }
    size_t a = month_index(w, r->at);
    size_t e = month_index(w, r->effective_at > r->at ? r->effective_at : r->at);
    add(&w->posted[e], r->points, &w->over);
    if (e > a) { /* pending from month a until month e */
        add(&w->pending[a], r->points, &w->over);
        add(&w->pending[e], -r->points, &w->over);
    }
    int before = month_number(r->at) < w->m0;
    int kind = r->kind == PATRON_POSTING_REVERSE ? r->target_kind : r->kind;
    int64_t *flow = NULL;
    int64_t sign = 1;
    switch (kind) {
    case PATRON_POSTING_EARN:
        flow = w->issued;
        break;
    case PATRON_POSTING_REDEEM:
        flow = w->redeemed;
        sign = -1;
        if (before)
            add(&w->red_before, -r->points, &w->over);
        break;
    case PATRON_POSTING_EXPIRE:
        flow = w->expired;
        sign = -1;
        if (before)
            add(&w->exp_before, -r->points, &w->over);
        break;
    case PATRON_POSTING_ADJUST:
        flow = w->adjusted;
        break;
    default: /* transfers between members net to nothing */
        break;
    }
    if (flow && !before && a < w->nm)
        add(&flow[a], sign * r->points, &w->over);
    if (w->over)
        return patron__fail(PATRON_ERANGE, "patron_report_liability: member %lld: the points overflow a 64-bit total",
                            (long long)r->member_id);
    return 0;
}

/* the first and last posting times of the store (found = 0: none) */
static int posting_span(void *ctx, const patron__posting_row *r)
{
    int64_t *span = ctx;
    if (!span[2] || r->at < span[0])
        span[0] = r->at;
    if (!span[2] || r->at > span[1])
        span[1] = r->at;
    span[2] = 1;
    return 0;
}

int patron_report_liability(patron_liability_month **out, size_t *nmonths, patron_db *db,
                            const patron_liability_options *opts)
{
    if (!out || !nmonths || !db || !opts)
        return patron__fail(PATRON_EINVAL, "patron_report_liability: NULL argument");
    patron_liability_options o = PATRON_LIABILITY_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_liability_options");
    if (rc)
        return rc;
    if (o.cost_minor < 0 || o.cost_minor > INT64_C(1000000000000))
        return patron__fail(PATRON_EINVAL, "patron_report_liability: cost_minor %lld is not 0..10^12",
                            (long long)o.cost_minor);
    if (o.cost_points < 1 || o.cost_points > INT64_C(1000000000000))
        return patron__fail(PATRON_EINVAL, "patron_report_liability: cost_points %lld is not 1..10^12",
                            (long long)o.cost_points);
    if ((o.start != PATRON_TIME_NONE && (o.start < PATRON_TIME_MIN || o.start > PATRON_TIME_MAX)) ||
        (o.end != PATRON_TIME_NONE && (o.end < PATRON_TIME_MIN || o.end > PATRON_TIME_MAX)))
        return patron__fail(PATRON_ERANGE, "patron_report_liability: start or end is out of range");
    if (o.start != PATRON_TIME_NONE && o.end != PATRON_TIME_NONE && o.start > o.end)
        return patron__fail(PATRON_EINVAL, "patron_report_liability: start is after end");
    if (o.start == PATRON_TIME_NONE || o.end == PATRON_TIME_NONE) {
        int64_t span[3] = {0, 0, 0};
        if ((rc = patron__ledger_postings_each(db, PATRON_TIME_MAX, posting_span, span)))
            return rc;
        if (!span[2] && o.start == PATRON_TIME_NONE && o.end == PATRON_TIME_NONE) {
            *out = NULL;
            *nmonths = 0;
            return PATRON_OK;
        }
        /* an open end: the postings' own first or last month (when
         * the other end is given and lies beyond them, that end alone) */
        if (o.start == PATRON_TIME_NONE && o.end == PATRON_TIME_NONE) {
            o.start = span[0];
            o.end = span[1];
        } else if (o.start == PATRON_TIME_NONE) {
            o.start = span[2] && span[0] <= o.end ? span[0] : o.end;
        } else {
            o.end = span[2] && span[1] >= o.start ? span[1] : o.start;
        }
    }
    int64_t m0 = month_number(o.start), m1 = month_number(o.end);
    if (m1 - m0 + 1 > PATRON_REPORT_MAX_MONTHS)
        return patron__fail(PATRON_ERANGE, "patron_report_liability: the report would span %lld months, more than %d",
                            (long long)(m1 - m0 + 1), PATRON_REPORT_MAX_MONTHS);
    size_t nm = (size_t)(m1 - m0 + 1);
    walk w = {0};
    w.m0 = m0;
    w.nm = nm;
    int64_t *block = patron__calloc(10 * (nm + 1), sizeof *block);
    patron_liability_month *rep = patron__calloc(nm, sizeof *rep);
    if (!block || !rep) {
        patron__free(block);
        patron__free(rep);
        return patron__oom();
    }
    int64_t **arrays[] = {&w.posted, &w.pending, &w.available_total, &w.pending_total,
                          &w.issued, &w.redeemed, &w.expired, &w.adjusted};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        *arrays[i] = block + i * (nm + 1);
    int64_t last = month_start(m1 + 1) - 1;
    rc = patron__ledger_postings_each(db, last, each_posting, &w);
    if (rc == PATRON_OK && w.cur)
        flush_member(&w);
    if (rc == PATRON_OK && w.over)
        rc = patron__fail(PATRON_ERANGE, "patron_report_liability: the points overflow a 64-bit total");
    int64_t red = w.red_before, exp = w.exp_before;
    for (size_t k = 0; k < nm && rc == PATRON_OK; k++) {
        patron_liability_month *r = &rep[k];
        r->month_start = month_start(m0 + (int64_t)k);
        r->as_of = month_start(m0 + (int64_t)k + 1) - 1;
        r->issued = w.issued[k];
        r->redeemed = w.redeemed[k];
        r->expired = w.expired[k];
        r->adjusted = w.adjusted[k];
        r->available = w.available_total[k];
        r->pending = w.pending_total[k];
        int over = __builtin_add_overflow(r->available, r->pending, &r->outstanding);
        over |= __builtin_add_overflow(red, r->redeemed, &red);
        over |= __builtin_add_overflow(exp, r->expired, &exp);
        r->redeemed_to_date = red;
        r->expired_to_date = exp;
        int64_t settled = 0;
        over |= __builtin_add_overflow(red, exp, &settled);
        int64_t owed = r->outstanding > 0 ? r->outstanding : 0;
        r->value = scale(owed, o.cost_minor, o.cost_points);
        if (settled > 0 && exp >= 0) {
            r->breakage_rate = (double)exp / (double)settled;
            r->expected_breakage = scale(owed, exp, settled);
        } else {
            r->breakage_rate = NAN;
            r->expected_breakage = 0;
        }
        int64_t kept = owed - (r->expected_breakage > 0 ? r->expected_breakage : 0);
        r->expected_cost = scale(kept > 0 ? kept : 0, o.cost_minor, o.cost_points);
        if (over || r->value < 0 || r->expected_cost < 0 || r->expected_breakage < 0)
            rc = patron__fail(PATRON_ERANGE, "patron_report_liability: month %zu: a total overflows int64", k + 1);
    }
    patron__free(block);
    if (rc) {
        patron__free(rep);
        return rc;
    }
    *out = rep;
    *nmonths = nm;
    return PATRON_OK;
}
