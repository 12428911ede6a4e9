/* Internal helpers shared by the abtest sources. */
#ifndef PATRON_ABTEST_INT_H
#define PATRON_ABTEST_INT_H

#include <stddef.h>
#include <stdint.h>

#include "patron/abtest.h"

#define AB_LN10 2.30258509299404568401799145468436
#define AB_LN2 0.69314718055994530941723212145818

/* Check out->size (>= min_size) and copy min(size, full) bytes of res over
 * out, keeping out->size. Returns EINVAL when out is NULL or too small. */
int patron__ab_check_out(const void *out, size_t min_size, const char *what);
void patron__ab_copy_out(void *out, const void *res, size_t full);

/* alpha in (0,1) or EINVAL naming the function. */
int patron__ab_check_alpha(double alpha, const char *fn);

/* A 2x2 table {conv_a, nonconv_a, conv_b, nonconv_b}: cells in [0, 2^50],
 * not all 0, or EINVAL naming fn and the cell. */
int patron__ab_check_table(const char *fn, const int64_t t[4]);

/* Fill a test from a normal statistic effect/se; zcrit is the two-sided
 * critical value for the interval. */
void patron__ab_fill_z(patron_abtest_test *t, double effect, double se, double alpha);
/* The same with Student t and df degrees of freedom. */
void patron__ab_fill_t(patron_abtest_test *t, double effect, double se, double df, double alpha);
/* All members NaN (undefined test), not significant. */
void patron__ab_fill_nan(patron_abtest_test *t);

/* Error spent up to information fraction t by the Lan-DeMets family s at
 * level alpha (seq.c; the efficacy side and the futility side share it). */
double patron__ab_spend(patron_abtest_spending s, double alpha, double t);

/* E[max(Z + z, 0)] = phi(z) + z Phi(z), Z standard normal, without the
 * cancellation for z << 0 (common.c): the expected loss of a normal
 * posterior N(mu, s^2) is s patron__ab_normal_loss(mu / s). */
double patron__ab_normal_loss(double z);

#endif
