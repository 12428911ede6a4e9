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

/* Gamma-Gamma: weighted LL of rows [j0, j1) with gradient g (3) and Hessian
 * H (3x3, row-major) in the natural parameters (p, q, gamma). */
double clv_ll_gg_hess_range(const clv_rows *r, size_t j0, size_t j1, const double *p, double *g,
                            double *H);

#endif
