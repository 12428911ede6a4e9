/* Internal: stable LSD radix sort of (uint64 key, uint32 index) pairs. */
#ifndef PATRON_INTERNAL_RADIX_H
#define PATRON_INTERNAL_RADIX_H

#include <stddef.h>
#include <stdint.h>

#define PATRON__RADIX_BITS 11                          /* a digit */
#define PATRON__RADIX_COUNTERS (6 << PATRON__RADIX_BITS) /* ceil(64 / 11) passes' histograms */

/* Buffers for n pairs: key and idx hold 2n entries (the sort ping-pongs
 * between the halves), cnt PATRON__RADIX_COUNTERS counters. */
typedef struct patron__radix {
    uint64_t *key;
    uint32_t *idx;
    uint32_t *cnt;
} patron__radix;

/* 0, or PATRON_ENOMEM with nothing allocated. */
int patron__radix_alloc(patron__radix *b, size_t n);
void patron__radix_free(patron__radix *b);

/* Sort the n pairs in key[0..n), idx[0..n) (n < 2^32) by the `nbits` low
 * bits of the unsigned key (64: all of it), 11 bits a pass, least
 * significant first; passes in which every key has the same digit are
 * skipped, so narrow keys cost little. Stable: equal keys keep their order.
 * On return *keys_out and *order point at the sorted keys and their indexes
 * (in either half of key and idx). */
void patron__radix_sort_u64(uint64_t *key, uint32_t *idx, size_t n, int nbits, uint32_t *cnt,
                            uint64_t **keys_out, uint32_t **order);

#endif
