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

/* log 2F1(a, b; a + 1; z) for a, b > 0 and 0 <= z < 1 (the Pareto/NBD
 * case), through Euler's transformation
 *   2F1(a, b; a+1; z) = (1 - z)^(1 - b) 2F1(1, a + 1 - b; a + 1; z),
 * whose terms never grow (ratio below z), however large a and b are.
 * `grad` (optional) receives d/da with c = a + 1 moving along (in `da`;
 * `dc` is 0), d/db and d/dz of the log. Returns 0, or -1 as above. */
int patron__hyp2f1_c1_log(double a, double b, double z, long max_terms, double *out,
                          patron__hyp2f1_grad *grad);

#endif
