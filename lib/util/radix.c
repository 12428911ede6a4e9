/* Stable LSD radix sort of (64-bit key, 32-bit index) pairs, shared by the
 * summary (customer ids) and the CLV row order (lib/clv/clv_order.c, one
 * bucket at a time). */
#include <stdint.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/radix.h"

/* LSD radix sort of n (key, index) pairs by unsigned key, 11 bits a pass
 * (2,048 buckets: the scattered writes of a pass stay in cache, where
 * 65,536 buckets of 16-bit digits missed on nearly every write); only the
 * passes of the `nbits` low bits, and of those the ones in which every key
 * has the same digit are skipped; one counting pass finds every digit's
 * histogram. The counters are 32 bits, as the indexes are (half the
 * cache of size_t ones). On return *order points at the indexes in
 * ascending key order (inside idx) and *keys_out at the sorted keys (inside
 * key). key and idx hold 2n entries; cnt holds at least
 * PATRON__RADIX_COUNTERS counters. */
void patron__radix_sort_u64(uint64_t *key, uint32_t *idx, size_t n, int nbits, uint32_t *cnt,
                            uint64_t **keys_out, uint32_t **order)
{
    enum { B = 1 << PATRON__RADIX_BITS, M = B - 1 };
    const int passes = (nbits + PATRON__RADIX_BITS - 1) / PATRON__RADIX_BITS;
    uint64_t *k0 = key, *k1 = key + n;
    uint32_t *i0 = idx, *i1 = idx + n;
    memset(cnt, 0, (size_t)passes * B * sizeof *cnt);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = k0[i];
        for (int p = 0; p < passes; p++)
            cnt[p * B + ((k >> (p * PATRON__RADIX_BITS)) & M)]++;
    }
    for (int p = 0; p < passes; p++) {
        uint32_t *c = cnt + p * B;
        int shift = p * PATRON__RADIX_BITS;
        if (n == 0 || c[(k0[0] >> shift) & M] == n)
            continue;
        uint32_t sum = 0;
        for (size_t d = 0; d < B; d++) {
            uint32_t v = c[d];
            c[d] = sum;
            sum += v;
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t q = c[(k0[i] >> shift) & M]++;
            k1[q] = k0[i];
            i1[q] = i0[i];
        }
        uint64_t *tk = k0;
        k0 = k1;
        k1 = tk;
        uint32_t *ti = i0;
        i0 = i1;
        i1 = ti;
    }
    *keys_out = k0;
    *order = i0;
}

int patron__radix_alloc(patron__radix *b, size_t n)
{
    b->key = patron__reallocarray(NULL, n * 2, sizeof *b->key);
    b->idx = patron__reallocarray(NULL, n * 2, sizeof *b->idx);
    b->cnt = patron__reallocarray(NULL, PATRON__RADIX_COUNTERS, sizeof *b->cnt);
    if (!b->key || !b->idx || !b->cnt) {
        patron__free(b->key);
        patron__free(b->idx);
        patron__free(b->cnt);
        return patron__oom();
    }
    return PATRON_OK;
}

void patron__radix_free(patron__radix *b)
{
    patron__free(b->key);
    patron__free(b->idx);
    patron__free(b->cnt);
}

