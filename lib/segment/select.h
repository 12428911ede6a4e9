/* Internal: order statistics by radix selection. */
#ifndef PATRON_SEGMENT_SELECT_H
#define PATRON_SEGMENT_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include <string.h>

/* Order-preserving key of a non-NaN double (-0 and +0 share a key), and back. */
static inline uint64_t patron__key_of(double d)
{
    if (d == 0.0)
        d = 0.0; /* -0 and +0 are equal values: one key */
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return (u >> 63) ? ~u : (u | (UINT64_C(1) << 63));
}

static inline double patron__double_of_key(uint64_t k)
{
    uint64_t u = (k >> 63) ? (k & ~(UINT64_C(1) << 63)) : ~k;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* out[i] = the ranks[i]-th smallest (0-based) of the m keys, as a double.
 * ranks ascending (duplicates allowed), each < m, nr <= 128. The keys are
 * overwritten. ENOMEM possible. */
int patron__select_keys(uint64_t *keys, size_t m, const size_t *ranks, size_t nr, double *out);

#endif
