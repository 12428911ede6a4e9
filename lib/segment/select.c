/* Order statistics without sorting: most-significant-digit radix selection
 * over order-preserving 64-bit keys of doubles. Each level makes one
 * histogram pass and one branch-free gather pass over the bucket holding
 * the wanted ranks, so the cost is a few linear passes, independent of the
 * data's order and of ties (no data-dependent branches to mispredict). */
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "segment/select.h"

#define DIGIT 11
#define NBUCKET (1u << DIGIT)
#define SMALL 48

uint64_t patron__key_of(double d)
{
    if (d == 0.0)
        d = 0.0; /* -0 and +0 are equal values: one key */
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return (u >> 63) ? ~u : (u | (UINT64_C(1) << 63));
}

double patron__double_of_key(uint64_t k)
{
    uint64_t u = (k >> 63) ? (k & ~(UINT64_C(1) << 63)) : ~k;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static void insertion_sort(uint64_t *k, size_t m)
{
    for (size_t i = 1; i < m; i++) {
        uint64_t v = k[i];
        size_t j = i;
        while (j > 0 && k[j - 1] > v) {
            k[j] = k[j - 1];
            j--;
        }
        k[j] = v;
    }
}

/* ranks ascending, all < m; k may be reordered or overwritten. */
static int msel(uint64_t *k, size_t m, const size_t *ranks, size_t nr, int shift, uint64_t *out)
{
    if (m <= SMALL) {
        insertion_sort(k, m);
        for (size_t i = 0; i < nr; i++)
            out[i] = k[ranks[i]];
        return 0;
    }
    if (shift < 0) { /* every bit examined: all keys equal */
        for (size_t i = 0; i < nr; i++)
            out[i] = k[0];
        return 0;
    }
    size_t hist[NBUCKET];
    memset(hist, 0, sizeof hist);
    for (size_t i = 0; i < m; i++)
        hist[(k[i] >> shift) & (NBUCKET - 1)]++;
    /* group the ranks by bucket */
    size_t i = 0, below = 0, b = 0;
    while (i < nr) {
        while (below + hist[b] <= ranks[i]) {
            below += hist[b];
            b++;
        }
        size_t j = i;
        size_t sub[64];
        size_t ng = 0;
        while (j < nr && ranks[j] < below + hist[b] && ng < 64)
            sub[ng++] = ranks[j++] - below;
        int rc;
        if (hist[b] == m) {
            rc = msel(k, m, sub, ng, shift - DIGIT, out + i);
        } else {
            uint64_t *g = patron__reallocarray(NULL, hist[b], sizeof(uint64_t));
            if (!g)
                return patron__oom();
            size_t w = 0;
            for (size_t q = 0; q < m; q++) {
                g[w] = k[q];
                w += ((k[q] >> shift) & (NBUCKET - 1)) == b;
                if (w == hist[b])
                    break;
            }
            rc = msel(g, hist[b], sub, ng, shift - DIGIT, out + i);
            patron__free(g);
        }
        if (rc)
            return rc;
        i = j;
    }
    return 0;
}

int patron__select_keys(uint64_t *keys, size_t m, const size_t *ranks, size_t nr, double *out)
{
    if (nr == 0)
        return 0;
    uint64_t res[128];
    if (nr > 128)
        return patron__fail(PATRON_EINTERNAL, "too many ranks (%zu)", nr);
    int rc = msel(keys, m, ranks, nr, 64 - DIGIT, res);
    if (rc)
        return rc;
    for (size_t i = 0; i < nr; i++)
        out[i] = patron__double_of_key(res[i]);
    return 0;
}
