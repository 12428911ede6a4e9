/* Internal: probability distributions for the statistics and A/B modules.
 * Tails are computed directly (never 1 - cdf) and in log space where they can
 * underflow. Pure, reentrant, no global state. */
#ifndef PATRON_INTERNAL_DIST_H
#define PATRON_INTERNAL_DIST_H

/* Standard normal: upper tail P(Z > z), lower tail P(Z <= z), log of the
 * upper tail (finite far beyond the double range of the tail itself), the
 * density, and the quantiles: isf(q) = z with P(Z > z) = q, ppf(p) = z with
 * P(Z <= p) = p. Quantiles of 0 and 1 are -/+Infinity, outside [0,1] NaN. */
double patron__norm_sf(double z);
double patron__norm_cdf(double z);
double patron__norm_logsf(double z);
double patron__norm_logcdf(double z);
double patron__norm_pdf(double z);
double patron__norm_isf(double q);
double patron__norm_ppf(double p);

/* Regularised incomplete beta I_x(a, b) for a, b > 0 and x in [0, 1], with
 * y = 1 - x given separately so that callers keep its precision. With
 * `upper` the complement 1 - I_x(a, b) is returned instead. `logv` (optional)
 * receives the natural log of the returned value, finite even when the value
 * underflows. */
double patron__incbeta(double a, double b, double x, double y, int upper, double *logv);

/* Regularised incomplete gamma: P(a, x) (upper = 0) or Q(a, x) (upper = 1),
 * a > 0, x >= 0; `logv` as above. */
double patron__incgamma(double a, double x, int upper, double *logv);

/* Student t with df > 0 degrees of freedom (df may be huge): upper tail,
 * lower tail, log upper tail, density, quantile of the upper tail. */
double patron__t_sf(double t, double df);
double patron__t_cdf(double t, double df);
double patron__t_logsf(double t, double df);
double patron__t_pdf(double t, double df);
double patron__t_isf(double q, double df);

/* Chi-square upper tail with df > 0 and its log. */
double patron__chi2_sf(double x, double df);
double patron__chi2_logsf(double x, double df);

/* Noncentral t: P(T <= t) with df degrees of freedom and noncentrality
 * delta (Lenth's AS 243 series, error below 1e-15 for |delta| < 30). */
double patron__nct_cdf(double t, double df, double delta);

#endif
