/* Internal to lib/clv: what the model files (clv_bgnbd.c, clv_pnbd.c,
 * clv_bgbb.c, clv_gg.c) share, and the log-likelihood of any model over a
 * range of compressed rows through its descriptor (lib/internal/clv_model.h). */
#ifndef PATRON_CLV_MODELS_H
#define PATRON_CLV_MODELS_H

#include <math.h>

#include "clv_impl.h"
#include "internal/clv_model.h"

/* Series terms: beyond CLV_LL_HYP_TERMS a likelihood's point is far off
 * (treated as undefined); predictions allow CLV_PRED_HYP_TERMS. */
#define CLV_LL_HYP_TERMS 20000L
#define CLV_PRED_HYP_TERMS 5000000L

/* Doubles of scratch one clv_ll_range call needs (the same for every model
 * and every range). */
size_t clv_ll_scratch(void);

/* Weighted sum of log-likelihoods of rows [j0, j1) at natural parameters p.
 * g (optional) receives d LL / d p. lrow (optional, indexed by row) receives
 * each row's unweighted log-likelihood. Returns NaN when undefined. */
double clv_ll_range(patron_clv_model model, const clv_rows *r, size_t j0, size_t j1,
                    const double *p, double *g, double *lrow, double *scratch);

/* Does the model have an exact Hessian (clv_ll_hess_range)? */
int clv_has_hess(patron_clv_model model);

/* Weighted LL of rows [j0, j1) with gradient g (k) and Hessian H (k x k,
 * row-major) in the natural parameters, k = the model's parameter count.
 * NaN for a model without clv_has_hess. */
double clv_ll_hess_range(patron_clv_model model, const clv_rows *r, size_t j0, size_t j1,
                         const double *p, double *g, double *H);

/* End of the run of rows with x equal to row j's, within [j, j1). */
static inline size_t run_end(const clv_rows *R, size_t j, size_t j1)
{
    double x = R->x[j];
    size_t e = j + 1;
    while (e < j1 && R->x[e] == x)
        e++;
    return e;
}

/* log(exp(u) + exp(v)); *pv = share of v. */
static inline double lse2(double u, double v, double *pv)
{
    if (u >= v) {
        double e = exp(v - u);
        *pv = e / (1 + e);
        return u + log(1 + e); /* e in (0, 1]: absolute error ~1e-16, and log is much faster than log1p */
    }
    if (!(v > u)) { /* NaN */
        *pv = NAN;
        return NAN;
    }
    double e = exp(u - v);
    *pv = 1 / (1 + e);
    return v + log(1 + e);
}

/* The descriptors (one per model file). */
extern const clv_model_desc clv_model_bgnbd, clv_model_mbgnbd, clv_model_pnbd, clv_model_bgbb,
    clv_model_gg;

#endif
