/* Internal: order statistics by radix selection. */
#ifndef PATRON_SEGMENT_SELECT_H
#define PATRON_SEGMENT_SELECT_H

#include <stddef.h>
#include <stdint.h>

/* Order-preserving key of a non-NaN double (-0 and +0 share a key), and back. */
uint64_t patron__key_of(double d);
double patron__double_of_key(uint64_t k);

/* out[i] = the ranks[i]-th smallest (0-based) of the m keys, as a double.
 * ranks ascending (duplicates allowed), each < m, nr <= 128. The keys are
 * overwritten. ENOMEM possible. */
int patron__select_keys(uint64_t *keys, size_t m, const size_t *ranks, size_t nr, double *out);

#endif
