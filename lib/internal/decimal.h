/* Internal: decimal text to the nearest double, without the C library (so
 * without its locale), correctly rounded (ties to even) for any number of
 * digits and any exponent. */
#ifndef PATRON_INTERNAL_DECIMAL_H
#define PATRON_INTERNAL_DECIMAL_H

#include <stddef.h>

/* s[0..n) must be an unsigned decimal already checked by the caller:
 * digits, optionally '.' and digits, optionally 'e' or 'E', an optional sign
 * and digits (at least one digit before the exponent). Returns the double
 * nearest to its exact value: 0 when it is below half the smallest
 * subnormal, +infinity when it is beyond the largest finite double (the
 * caller decides whether that is an error). */
double patron__decimal_to_double(const char *s, size_t n);

#endif
