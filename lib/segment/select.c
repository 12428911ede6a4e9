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

/* The shift of the digit after the one at `shift`. 64 is not a multiple of
 * DIGIT: the digits are bits 53..63, 42..52, ..., 9..19, and the last one is
 * bits 0..10, which overlaps the one before; the overlapping bits are equal
 * within a bucket, so they only leave some buckets empty. After the digit
 * at shift 0 every bit has been examined (-1). */
static int next_shift(int shift)
{
    return shift == 0 ? -1 : shift > DIGIT ? shift - DIGIT : 0;
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
    /* group the ranks by bucket: gb[g] bucket, gr[g].. first rank index */
    size_t gb[129], gfirst[130], sub[128];
    size_t ng = 0, i = 0, acc = 0, b = 0;
    while (i < nr) {
        while (acc + hist[b] <= ranks[i]) {
            acc += hist[b];
            b++;
        }
        gb[ng] = b;
        gfirst[ng] = i;
        while (i < nr && ranks[i] < acc + hist[b]) {
            sub[i] = ranks[i] - acc;
            i++;
        }
        ng++;
    }
    gfirst[ng] = nr;
    if (ng == 1 && hist[gb[0]] == m) { /* everything in one bucket: next digit, in place */
        /* Ties are common (counts, rounded money): when every key is equal
         * the remaining digits need no passes. The scan stops at the first
         * different key, so it costs little when they are not. */
        size_t q = 1;
        while (q < m && k[q] == k[0])
            q++;
        if (q == m) {
            for (size_t r = 0; r < nr; r++)
                out[r] = k[0];
            return 0;
        }
        return msel(k, m, sub, nr, next_shift(shift), out);
    }
    /* one branch-free pass distributes the wanted buckets into one buffer;
     * other keys go to a trash cell */
    size_t total = 0;
    for (size_t g = 0; g < ng; g++)
        total += hist[gb[g]];
    uint64_t *buf = patron__reallocarray(NULL, total + 1, sizeof(uint64_t));
    if (!buf)
        return patron__oom();
    uint16_t lut[NBUCKET];
    for (size_t q = 0; q < NBUCKET; q++)
        lut[q] = (uint16_t)ng;
    uint64_t *ptr[130];
    size_t inc[130], off = 0;
    for (size_t g = 0; g < ng; g++) {
        lut[gb[g]] = (uint16_t)g;
        ptr[g] = buf + off;
        inc[g] = 1;
        off += hist[gb[g]];
    }
    ptr[ng] = buf + total; /* trash */
    inc[ng] = 0;
    for (size_t q = 0; q < m; q++) {
        size_t g = lut[(k[q] >> shift) & (NBUCKET - 1)];
        *ptr[g] = k[q];
        ptr[g] += inc[g];
    }
    int rc = 0;
    off = 0;
    for (size_t g = 0; g < ng && !rc; g++) {
        rc = msel(buf + off, hist[gb[g]], sub + gfirst[g], gfirst[g + 1] - gfirst[g], next_shift(shift),
                  out + gfirst[g]);
        off += hist[gb[g]];
    }
    patron__free(buf);
    return rc;
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
