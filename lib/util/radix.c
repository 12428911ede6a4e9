/* Stable LSD radix sort of (64-bit key, 32-bit index) pairs, shared by the
 * summary (customer ids) and the CLV row compression. */
#include <stdint.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/radix.h"

/* LSD radix sort of n (key, index) pairs by unsigned key, 11 bits a pass
 * (2,048 buckets: the scattered writes of a pass stay in cache, where
 * 65,536 buckets of 16-bit digits missed on nearly every write); passes in
 * which every key has the same digit are skipped, and one counting pass
 * finds every digit's histogram. On return *order points at the indexes in
 * ascending key order (inside idx) and *keys_out at the sorted keys (inside
 * key). key and idx hold 2n entries; cnt holds at least 6 * 2048 counters. */
#define RADIX_BITS 11
#define RADIX_PASSES 6 /* ceil(64 / 11) */
void patron__radix_sort_u64(uint64_t *key, uint32_t *idx, size_t n, size_t *cnt, uint64_t **keys_out,
                      uint32_t **order)
{
    enum { B = 1 << RADIX_BITS, M = B - 1 };
    uint64_t *k0 = key, *k1 = key + n;
    uint32_t *i0 = idx, *i1 = idx + n;
    memset(cnt, 0, RADIX_PASSES * B * sizeof *cnt);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = k0[i];
        for (int p = 0; p < RADIX_PASSES; p++)
            cnt[p * B + ((k >> (p * RADIX_BITS)) & M)]++;
    }
    for (int p = 0; p < RADIX_PASSES; p++) {
        size_t *c = cnt + p * B;
        int shift = p * RADIX_BITS;
        if (n == 0 || c[(k0[0] >> shift) & M] == n)
            continue;
        size_t sum = 0;
        for (size_t d = 0; d < B; d++) {
            size_t v = c[d];
            c[d] = sum;
            sum += v;
        }
        for (size_t i = 0; i < n; i++) {
            size_t q = c[(k0[i] >> shift) & M]++;
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
    b->cnt = patron__reallocarray(NULL, 65536, sizeof *b->cnt);
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

