/* A projection written out (JSON) and a campaign budgeted against it. */
#include <math.h>
#include <string.h>

#include "../summary/summary_int.h" /* pt_format_double: locale-independent, round-trip */
#include "internal/alloc.h"
#include "internal/dist.h"
#include "internal/error.h"
#include "internal/options.h"
#include "internal/sbuf.h"
#include "patron/simulate.h"
#include "plan_int.h"

/* Lift draws of a campaign use sub-streams from here on, apart from the
 * parameter draws (sub-streams 0..draws-1). */
#define CAMPAIGN_STREAM UINT64_C(1000000)

static void put_num(patron__sbuf *b, double v)
{
    char tmp[40];
    if (!isfinite(v)) {
        patron__sb_puts(b, "null");
        return;
    }
    patron__sb_putn(b, tmp, pt_format_double(tmp, v));
}

int patron_plan_to_json(char **out, const patron_plan *plan)
{
    if (!out || !plan)
        return patron__fail(PATRON_EINVAL, "patron_plan_to_json: %s is NULL", out ? "plan" : "out");
    static const char *const stats[4] = { "estimate", "p10", "p50", "p90" };
    patron__sbuf b = { 0 };
    patron__sb_printf(&b, "{\"years\": %d, \"draws\": %d, \"redraws\": %lld, \"seed\": %llu, \"model\": ",
                      (int)plan->years, (int)plan->draws, (long long)plan->redraws,
                      (unsigned long long)plan->opts.seed);
    patron__sb_json_str(&b, patron_clv_model_name(plan->model));
    patron__sb_puts(&b, ", \"rows\": [");
    for (int y = 1; y <= plan->years; y++)
        for (int m = 0; m < PATRON_PLAN_N_METRICS; m++) {
            patron__sb_printf(&b, "%s{\"year\": %d, \"metric\": ", y == 1 && m == 0 ? "" : ", ", y);
            patron__sb_json_str(&b, patron_plan_metric_name(m));
            for (int s = 0; s < 4; s++) {
                patron__sb_printf(&b, ", \"%s\": ", stats[s]);
                put_num(&b, patron_plan_value(plan, y, m, s));
            }
            patron__sb_puts(&b, "}");
        }
    /* where the models came from: the stored fit, or null (fitted for this plan or given) */
    if (plan->fit_id)
        patron__sb_printf(&b, "], \"fit\": {\"fit_id\": %lld, \"as_of\": %lld}}", (long long)plan->fit_id,
                          (long long)plan->fit_as_of);
    else
        patron__sb_puts(&b, "], \"fit\": null}");
    char *s = patron__sb_take(&b);
    if (!s)
        return patron__oom();
    *out = s;
    return PATRON_OK;
}

#define CFN "patron_plan_campaign_project"

int patron_plan_campaign_project(patron_plan_campaign_result *out, const patron_plan *plan,
                                 const patron_plan_campaign *campaign)
{
    int rc = patron__result_check(out, sizeof(patron_plan_campaign_result), CFN);
    if (rc)
        return rc;
    if (!plan)
        return patron__fail(PATRON_EINVAL, CFN ": plan is NULL");
    patron_plan_campaign c = PATRON_PLAN_CAMPAIGN_INIT;
    if (!campaign)
        return patron__fail(PATRON_EINVAL, CFN ": campaign is NULL");
    if ((rc = patron__options_copy(&c, sizeof c, campaign, sizeof c, "patron_plan_campaign")))
        return rc;
    if (c.year < 1 || c.year > plan->years)
        return patron__fail(PATRON_EINVAL, CFN ": year %d is not within 1..%d", (int)c.year, (int)plan->years);
    if (!isfinite(c.target_share) || c.target_share < 0 || c.target_share > 1)
        return patron__fail(PATRON_EINVAL, CFN ": target_share %.17g is not within 0..1", c.target_share);
    if (!isfinite(c.points) || c.points < 0)
        return patron__fail(PATRON_EINVAL, CFN ": points %.17g is not finite and >= 0", c.points);
    if (!isfinite(c.fixed_cost) || c.fixed_cost < 0)
        return patron__fail(PATRON_EINVAL, CFN ": fixed_cost %.17g is not finite and >= 0", c.fixed_cost);
    if (!isfinite(c.lift) || c.lift <= -1)
        return patron__fail(PATRON_EINVAL, CFN ": lift %.17g is not finite and > -1", c.lift);
    if (!isfinite(c.lift_se) || c.lift_se < 0)
        return patron__fail(PATRON_EINVAL, CFN ": lift_se %.17g is not finite and >= 0", c.lift_se);
    size_t D = (size_t)plan->draws;
    double *inc = patron__calloc(D, sizeof(double)), *prof = patron__calloc(D, sizeof(double)),
           *roi = patron__calloc(D, sizeof(double));
    if (!inc || !prof || !roi) {
        patron__free(inc);
        patron__free(prof);
        patron__free(roi);
        return patron__oom();
    }
    const patron_plan_options *o = &plan->opts;
    patron_plan_campaign_result r = PATRON_PLAN_CAMPAIGN_RESULT_INIT;
    double budget = c.points * o->cost_per_point + c.fixed_cost;
    r.budget = budget;
    double rev = patron_plan_value(plan, c.year, PATRON_PLAN_REVENUE, PATRON_PLAN_ESTIMATE);
    r.incremental_revenue[0] = c.target_share * rev * c.lift;
    r.incremental_profit[0] = r.incremental_revenue[0] * o->margin;
    r.roi[0] = budget > 0 ? (r.incremental_profit[0] - budget) / budget : NAN;
    for (size_t d = 0; d < D; d++) {
        patron_rng rng;
        patron_rng_seed_stream(&rng, o->seed, CAMPAIGN_STREAM + d);
        double z = 0;
        if ((rc = patron_rng_draw(&rng, PATRON_DIST_NORMAL, 0.0, 1.0, &z, 1)))
            break;
        double lift = c.lift + c.lift_se * z;
        inc[d] = c.target_share * patron_plan_draw_value(plan, (int32_t)d, c.year, PATRON_PLAN_REVENUE) * lift;
        prof[d] = inc[d] * o->margin;
        roi[d] = budget > 0 ? (prof[d] - budget) / budget : NAN;
    }
    if (rc == PATRON_OK) {
        patron__plan_percentiles(r.incremental_revenue + 1, inc, D);
        patron__plan_percentiles(r.incremental_profit + 1, prof, D);
        patron__plan_percentiles(r.roi + 1, roi, D);
        patron__result_write(out, &r, sizeof r);
    }
    patron__free(inc);
    patron__free(prof);
    patron__free(roi);
    return rc;
}

#define MFN "patron_plan_campaign_from_measure"

int patron_plan_campaign_from_measure(patron_plan_campaign *campaign, const patron_campaign_measure_result *m,
                                      double alpha)
{
    if (!campaign || !m)
        return patron__fail(PATRON_EINVAL, MFN ": %s is NULL", campaign ? "measure" : "campaign");
    int rc = patron__result_check(m, sizeof(patron_campaign_measure_result), MFN);
    if (rc)
        return rc;
    if (!(alpha > 0 && alpha < 1))
        return patron__fail(PATRON_EINVAL, MFN ": alpha %.17g is not within (0, 1)", alpha);
    double base = m->control.revenue_per_member, lo = m->revenue_diff_ci[0], hi = m->revenue_diff_ci[1];
    if (!isfinite(base) || base <= 0)
        return patron__fail(PATRON_EINVAL, MFN ": the control group's revenue per member is %.17g (a relative lift needs "
                                           "measured control members with revenue)", base);
    if (!isfinite(m->revenue_diff) || !isfinite(lo) || !isfinite(hi) || hi < lo)
        return patron__fail(PATRON_EINVAL, MFN ": the revenue difference %.17g [%.17g, %.17g] is not a measured interval",
                            m->revenue_diff, lo, hi);
    double lift = m->revenue_diff / base;
    if (!(lift > -1))
        return patron__fail(PATRON_EINVAL, MFN ": the measured lift %.17g is not > -1", lift);
    double z = patron__norm_ppf(1.0 - alpha / 2.0);
    campaign->lift = lift;
    campaign->lift_se = (hi - lo) / (2.0 * z) / base;
    return PATRON_OK;
}
