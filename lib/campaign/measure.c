/* patron_campaign_measure(): each group's funnel and conversions read from
 * the store (assignments here, purchases from the earning module, campaign
 * events from the behaviour module), then the treatment against the control
 * with the experiments module's tests. The rules are in patron/campaign.h. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "campaign_int.h"
#include "internal/alloc.h"
#include "internal/behaviour.h"
#include "internal/civil.h"
#include "internal/earn.h"
#include "internal/error.h"
#include "internal/member.h"
#include "internal/options.h"
#include "internal/store.h"
#include "patron/abtest.h"
#include "patron/behaviour.h"

#define DAY INT64_C(86400)

typedef struct assignment {
    int64_t member, at;
    int32_t group;
    int32_t seen;        /* bit k: a behaviour event of kind SENT + k */
    int64_t first_at;    /* first purchase in the window; 0: none */
    int64_t first_amount;
    int64_t purchases, revenue;
} assignment;

typedef struct measure_ctx {
    assignment *a;
    size_t n, cap;
    int64_t window, as_of;
    patron__member_remap map;
} measure_ctx;

static int cmp_assignment(const void *x, const void *y)
{
    const assignment *a = x, *b = y;
    if (a->member != b->member)
        return (a->member > b->member) - (a->member < b->member);
    return (a->at > b->at) - (a->at < b->at);
}

/* The person an id's records belong to now; 0 when erased. */
static int64_t person(const measure_ctx *m, int64_t id)
{
    int64_t who = patron__member_remap_find(&m->map, id);
    return who && who != id && !patron__member_remap_find(&m->map, who) ? 0 : who;
}

static assignment *find(measure_ctx *m, int64_t member)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->a[mid].member < member)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->n && m->a[lo].member == member ? &m->a[lo] : NULL;
}

static int measured(const measure_ctx *m, const assignment *a)
{
    return a->at <= m->as_of - m->window;
}

static int load_assignments(patron_db *db, measure_ctx *m, int64_t campaign_id)
{
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, "SELECT member_id, grp, assigned_at FROM campaign_members WHERE campaign_id = ? "
                                       "AND assigned_at <= ?",
                              "ii", campaign_id, m->as_of);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        int64_t who = person(m, patron__sql_col_int(db, st, 0));
        if (!who)
            continue;
        if (patron__grow(&m->a, &m->cap, m->n + 1, sizeof *m->a)) {
            rc = patron__oom();
            break;
        }
        assignment *a = &m->a[m->n++];
        memset(a, 0, sizeof *a);
        a->member = who;
        a->group = (int32_t)patron__sql_col_int(db, st, 1);
        a->at = patron__sql_col_int(db, st, 2);
    }
    patron__sql_done(db, st);
    if (rc < 0)
        return rc;
    /* members merged after their assignment: the earlier one stands */
    if (m->n)
        qsort(m->a, m->n, sizeof *m->a, cmp_assignment);
    size_t kept = 0;
    for (size_t i = 0; i < m->n; i++)
        if (!kept || m->a[kept - 1].member != m->a[i].member)
            m->a[kept++] = m->a[i];
    m->n = kept;
    return PATRON_OK;
}

static int on_purchase(void *ctx, const patron__purchase_row *row)
{
    measure_ctx *m = ctx;
    int64_t who = person(m, row->member_id);
    assignment *a = who ? find(m, who) : NULL;
    if (!a || !measured(m, a) || row->at <= a->at || row->at > a->at + m->window)
        return 0;
    a->purchases++;
    a->revenue += row->amount;
    /* the first purchase of the window; of several in that second the largest */
    if (!a->first_at || row->at < a->first_at || (row->at == a->first_at && row->amount > a->first_amount)) {
        a->first_at = row->at;
        a->first_amount = row->amount;
    }
    return 0;
}

static int on_event(void *ctx, int64_t member, int32_t kind)
{
    measure_ctx *m = ctx;
    int64_t who = person(m, member);
    assignment *a = who ? find(m, who) : NULL;
    if (a && measured(m, a))
        a->seen |= 1 << (kind - PATRON_BEHAVIOUR_SENT);
    return 0;
}

/* One group's outcome; `revenue` receives the measured members' revenues. */
static void outcome(const measure_ctx *m, int32_t group, patron_campaign_outcome *o, double *revenue)
{
    memset(o, 0, sizeof *o);
    double basket = 0, days = 0;
    for (size_t i = 0; i < m->n; i++) {
        const assignment *a = &m->a[i];
        if (a->group != group)
            continue;
        o->assigned++;
        if (!measured(m, a)) {
            o->pending++;
            continue;
        }
        revenue[o->measured++] = (double)a->revenue;
        o->sent += (a->seen & 1) != 0;
        o->opened += (a->seen & 2) != 0;
        o->clicked += (a->seen & 4) != 0;
        o->purchases += a->purchases;
        o->revenue += a->revenue;
        if (a->first_at) {
            o->converted++;
            basket += (double)a->first_amount;
            days += (double)(a->first_at - a->at) / (double)DAY;
        }
    }
    o->conversion_rate = o->measured ? (double)o->converted / (double)o->measured : NAN;
    o->revenue_per_member = o->measured ? (double)o->revenue / (double)o->measured : NAN;
    o->avg_basket = o->converted ? basket / (double)o->converted : NAN;
    o->avg_days_to_convert = o->converted ? days / (double)o->converted : NAN;
}

static int compare(patron_campaign_measure_result *r, const double *rev_t, const double *rev_c, double alpha,
                   double control_share)
{
    const patron_campaign_outcome *t = &r->treatment, *c = &r->control;
    r->conversion_diff = r->conversion_diff_ci[0] = r->conversion_diff_ci[1] = NAN;
    r->conversion_lift = r->conversion_p_value = NAN;
    r->revenue_diff = r->revenue_diff_ci[0] = r->revenue_diff_ci[1] = r->revenue_p_value = NAN;
    r->incremental_conversions = r->incremental_revenue = r->srm_p_value = NAN;
    int rc;
    if (control_share > 0) {
        patron_abtest_srm_result srm = {.size = sizeof srm};
        int64_t observed[2] = {c->assigned, t->assigned};
        double weights[2] = {control_share, 1 - control_share};
        if ((rc = patron_abtest_srm(&srm, observed, weights, 2, 0.001)))
            return rc;
        r->srm_p_value = srm.p;
    }
    if (!t->measured || !c->measured)
        return PATRON_OK;
    patron_abtest_prop_result p = {.size = sizeof p};
    if ((rc = patron_abtest_proportions(&p, c->converted, c->measured, t->converted, t->measured, alpha)))
        return rc;
    r->conversion_diff = p.diff;
    r->conversion_diff_ci[0] = p.unpooled.ci_low;
    r->conversion_diff_ci[1] = p.unpooled.ci_high;
    r->conversion_lift = c->converted ? p.rel_lift : NAN;
    r->conversion_p_value = p.pooled.p_two_sided;
    r->incremental_conversions = p.diff * (double)t->measured;
    patron_abtest_summary st, sc;
    if ((rc = patron_abtest_summarize(&st, rev_t, (size_t)t->measured)) ||
        (rc = patron_abtest_summarize(&sc, rev_c, (size_t)c->measured)))
        return rc;
    r->revenue_diff = st.mean - sc.mean;
    r->incremental_revenue = r->revenue_diff * (double)t->measured;
    if (st.n + sc.n >= 3) {
        patron_abtest_means_result mr = {.size = sizeof mr};
        if ((rc = patron_abtest_means(&mr, &sc, &st, alpha)))
            return rc;
        r->revenue_diff_ci[0] = mr.welch.ci_low;
        r->revenue_diff_ci[1] = mr.welch.ci_high;
        r->revenue_p_value = mr.welch.p_two_sided;
    }
    return PATRON_OK;
}

int patron_campaign_measure(patron_db *db, patron_campaign_measure_result *out, const char *campaign, int64_t as_of,
                            const patron_campaign_measure_options *opts)
{
    static const char func[] = "patron_campaign_measure";
    int rc = patron__db_check(db, func);
    if (rc || (rc = patron__result_check(out, sizeof *out, "patron_campaign_measure_result")))
        return rc;
    patron_campaign_measure_options o = PATRON_CAMPAIGN_MEASURE_OPTIONS_INIT;
    if (opts && (rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_campaign_measure_options")))
        return rc;
    if (!(o.alpha > 0 && o.alpha < 1))
        return patron__fail(PATRON_EINVAL, "%s: alpha %g is not in (0, 1)", func, o.alpha);
    if ((rc = patron__time_check(func, "as_of", as_of)))
        return rc;
    patron__campaign c;
    if ((rc = patron__campaign_load(db, func, campaign, &c)))
        return rc;
    measure_ctx m = {.window = (int64_t)c.conversion_days * DAY, .as_of = as_of};
    double *rev = NULL;
    patron_campaign_measure_result r = {.size = sizeof r};
    int held = 0;
    if ((rc = patron__read_begin(db, &held)) == PATRON_OK && (rc = patron__member_remap_load(db, &m.map)) == PATRON_OK)
        rc = load_assignments(db, &m, c.id);
    if (rc == PATRON_OK && m.n) {
        int64_t first = m.a[0].at;
        for (size_t i = 1; i < m.n; i++)
            first = m.a[i].at < first ? m.a[i].at : first;
        rc = patron__earn_purchases_each(db, first, as_of, 0, on_purchase, &m);
    }
    if (rc == PATRON_OK && m.n)
        rc = patron__behaviour_campaign_each(db, c.name, as_of, on_event, &m);
    rc = patron__read_end(db, held, rc);
    if (rc == PATRON_OK) {
        rev = patron__malloc((m.n ? m.n : 1) * sizeof *rev);
        rc = rev ? PATRON_OK : patron__oom();
    }
    if (rc == PATRON_OK) {
        outcome(&m, PATRON_CAMPAIGN_TREATMENT, &r.treatment, rev);
        outcome(&m, PATRON_CAMPAIGN_CONTROL, &r.control, rev + r.treatment.measured);
        rc = compare(&r, rev, rev + r.treatment.measured, o.alpha, c.control_share);
    }
    patron__free(rev);
    patron__free(m.a);
    patron__member_remap_free(&m.map);
    patron__campaign_release(&c);
    if (rc == PATRON_OK)
        patron__result_write(out, &r, sizeof r);
    return rc;
}
