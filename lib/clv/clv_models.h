/* Internal to lib/clv: weighted log-likelihood of each model over
 * compressed rows, with its gradient in the natural parameters. */
#ifndef PATRON_CLV_MODELS_H
#define PATRON_CLV_MODELS_H

#include "clv_impl.h"

/* Doubles of scratch one clv_ll_range call needs (the same for every model
 * and every range). */
size_t clv_ll_scratch(void);

/* Weighted sum of log-likelihoods of rows [j0, j1) at natural parameters p.
 * g (optional) receives d LL / d p. lrow (optional, indexed by row) receives
 * each row's unweighted log-likelihood. Returns NaN when undefined. */
double clv_ll_range(patron_clv_model model, const clv_rows *r, size_t j0, size_t j1,
                    const double *p, double *g, double *lrow, double *scratch);

/* Does the model have an exact Hessian (clv_ll_hess_range)? BG/NBD,
 * MBG/NBD and Gamma-Gamma. */
int clv_has_hess(patron_clv_model model);

/* Weighted LL of rows [j0, j1) with gradient g (k) and Hessian H (k x k,
 * row-major) in the natural parameters, k = the model's parameter count.
 * NaN for a model without clv_has_hess. */
double clv_ll_hess_range(patron_clv_model model, const clv_rows *r, size_t j0, size_t j1,
                         const double *p, double *g, double *H);

#endif
