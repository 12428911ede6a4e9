/* Internal to lib/clv: weighted log-likelihood of each model over
 * compressed rows, with its gradient in the natural parameters. */
#ifndef PATRON_CLV_MODELS_H
#define PATRON_CLV_MODELS_H

#include "clv_impl.h"

/* Scratch needed by clv_ll: (4 * ntv + ngroups + 16) doubles. */
size_t clv_ll_scratch(const clv_rows *r);

/* Weighted sum of log-likelihoods at natural parameters p. g (optional)
 * receives d LL / d p. lrow (optional, r->n values) receives each distinct
 * row's unweighted log-likelihood. gg_lnm: for Gamma-Gamma, the per-group
 * sums of w*log(m) (NULL to compute them). Returns NaN when undefined. */
double clv_ll(patron_clv_model model, const clv_rows *r, const double *p, double *g,
              double *lrow, double *scratch);


/* Gamma-Gamma: weighted LL with gradient g (3) and Hessian H (3x3,
 * row-major) in the natural parameters (p, q, gamma). */
double clv_ll_gg_hess(const clv_rows *r, const double *p, double *g, double *H);

#endif
