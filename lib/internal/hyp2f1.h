/* Internal: Gauss hypergeometric function 2F1(a, b; c; z) for the
 * buy-till-you-die models, evaluated in log-space so that the huge
 * intermediate terms of customers with hundreds of purchases cannot
 * overflow. Pure and reentrant. */
#ifndef PATRON_INTERNAL_HYP2F1_H
#define PATRON_INTERNAL_HYP2F1_H

/* Derivatives of log 2F1 with respect to a, b, c and z. */
typedef struct patron__hyp2f1_grad {
    double da, db, dc, dz;
} patron__hyp2f1_grad;

/* log 2F1(a, b; c; z) for a, b, c > 0 and 0 <= z < 1 by the power series
 * (every term positive, so no cancellation), with the tail bounded before
 * stopping. `grad` (optional) receives the partial derivatives of the log.
 * Returns 0, or -1 when the series needs more than `max_terms` terms (z too
 * close to 1) or an argument is out of range; *out is then NaN. */
int patron__hyp2f1_log(double a, double b, double c, double z, long max_terms, double *out,
                       patron__hyp2f1_grad *grad);

#endif
