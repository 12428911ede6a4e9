/* Internal to lib/plan: the projection handle and the closed forms. */
#ifndef PATRON_PLAN_INT_H
#define PATRON_PLAN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "patron/clv.h"
#include "patron/plan.h"

struct patron_plan {
    int32_t years, draws;
    int64_t redraws;  /* draws drawn again (the closed forms failed there) */
    patron_clv_model model;
    int64_t fit_id, fit_as_of; /* the stored fit projected from (patron_plan_from_db), 0 when none */
    patron_plan_options opts;
    double *stats;    /* [year][metric][stat], years x N_METRICS x 4 */
    double *per_draw; /* [draw][year][metric] */
};

/* P(alive at T + t | alive at T, history x, T) under the transaction model
 * (x = 0, T = 0 for a new customer). Returns 0, or -1 when the series does
 * not converge. */
int patron__plan_survival(double *out, const patron_clv_params *tx, double x, double T, double t);

/* P(alive just after the first purchase) of a new customer. */
double patron__plan_alive_at_start(const patron_clv_params *tx);

/* Fill the points, cost and ROI metrics of `m` ([year][metric], revenue set). */
void patron__plan_finish(double *m, int years, const patron_plan_options *o);

/* p10, p50, p90 of v[0..n-1] (sorted in place) into stat3; NaN when any is NaN. */
void patron__plan_percentiles(double *stat3, double *v, size_t n);

#endif

