/* Internal: gamma-family special functions shared by the statistics, CLV and
 * A/B modules. Pure, reentrant, no global state. */
#ifndef PATRON_INTERNAL_GAMMAFN_H
#define PATRON_INTERNAL_GAMMAFN_H

/* log|Gamma(x)|, thread-safe (does not touch the global signgam). */
double patron__lgamma(double x);
/* log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b), for a, b > 0,
 * evaluated without cancellation when one argument is large. */
double patron__lbeta(double a, double b);
/* digamma psi(x) and trigamma psi'(x) for x > 0 (NaN otherwise). */
double patron__digamma(double x);
double patron__trigamma(double x);
/* log(exp(a) + exp(b)) without overflow. */
double patron__logaddexp(double a, double b);

#endif
