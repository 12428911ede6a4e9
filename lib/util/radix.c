/* Stable LSD radix sort of (64-bit key, 32-bit index) pairs, shared by the
 * summary (customer ids) and the CLV row compression. */
#include <stdint.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/radix.h"

/* LSD radix sort of n (key, index) pairs by unsigned key, 16 bits a pass;
 * passes in which every key has the same digit are skipped. On return
 * *order points at the indexes in ascending key order (inside idx) and
 * *keys_out at the sorted keys (inside key). key and idx hold 2n entries. */
void patron__radix_sort_u64(uint64_t *key, uint32_t *idx, size_t n, size_t *cnt, uint64_t **keys_out,
                      uint32_t **order)
{
    uint64_t *k0 = key, *k1 = key + n;
    uint32_t *i0 = idx, *i1 = idx + n;
    for (int shift = 0; shift < 64; shift += 16) {
        memset(cnt, 0, 65536 * sizeof *cnt);
        for (size_t i = 0; i < n; i++)
            cnt[(k0[i] >> shift) & 0xffff]++;
        if (cnt[(k0[0] >> shift) & 0xffff] == n)
            continue;
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            size_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            size_t p = cnt[(k0[i] >> shift) & 0xffff]++;
            k1[p] = k0[i];
            i1[p] = i0[i];
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

