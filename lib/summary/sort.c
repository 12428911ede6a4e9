/* Sorting helpers of the summary: customer ranks by id (LSD radix sort for
 * integer ids, comparison sort for strings) and per-customer (time, amount)
 * pairs by time. */
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/radix.h"
#include "sort.h"

/* rank[i] = position of customer i when ids ascend. */
static int rank_ints(const int64_t *ids, size_t n, uint32_t *rank)
{
    patron__radix b;
    int rc = patron__radix_alloc(&b, n);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        b.key[i] = (uint64_t)ids[i] ^ (UINT64_C(1) << 63);
        b.idx[i] = (uint32_t)i;
    }
    uint64_t *keys;
    uint32_t *order;
    patron__radix_sort_u64(b.key, b.idx, n, 64, b.cnt, &keys, &order);
    for (size_t r = 0; r < n; r++)
        rank[order[r]] = (uint32_t)r;
    patron__radix_free(&b);
    return PATRON_OK;
}

/* Comparison sort for ids sharing an 8-byte prefix: a merge sort (qsort
 * has no context pointer, and this keeps the module reentrant). */
typedef struct {
    const char *s;
    uint32_t i;
} str_item;

static void merge_sort(str_item *a, str_item *tmp, size_t n)
{
    if (n < 2)
        return;
    if (n <= 16) {
        for (size_t i = 1; i < n; i++) {
            str_item x = a[i];
            size_t j = i;
            while (j > 0 && strcmp(a[j - 1].s, x.s) > 0) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    size_t h = n / 2;
    merge_sort(a, tmp, h);
    merge_sort(a + h, tmp, n - h);
    if (strcmp(a[h - 1].s, a[h].s) <= 0)
        return;
    memcpy(tmp, a, h * sizeof *a);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        a[k++] = strcmp(a[j].s, tmp[i].s) < 0 ? a[j++] : tmp[i++];
    while (i < h)
        a[k++] = tmp[i++];
}

/* Strings: radix sort on the first 8 bytes (big-endian, so that integer
 * order is bytewise order), then a comparison sort inside each run of equal
 * prefixes (only ids longer than 8 bytes can share one). */
static int rank_strings(const pt_idmap *m, uint32_t *rank)
{
    size_t n = m->n;
    patron__radix b;
    int rc = patron__radix_alloc(&b, n);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *s = (const unsigned char *)pt_idmap_key(m, i);
        size_t len = pt_idmap_keylen(m, i);
        uint64_t k = 0;
        for (size_t j = 0; j < 8; j++)
            k = (k << 8) | (j < len ? s[j] : 0);
        b.key[i] = k;
        b.idx[i] = (uint32_t)i;
    }
    uint64_t *keys;
    uint32_t *order;
    patron__radix_sort_u64(b.key, b.idx, n, 64, b.cnt, &keys, &order);
    str_item *run = NULL;
    size_t runcap = 0;
    for (size_t r = 0; r < n;) {
        size_t e = r + 1;
        while (e < n && keys[e] == keys[r])
            e++;
        if (e - r > 1) {
            size_t k = e - r;
            if (k * 2 > runcap) {
                str_item *nr = patron__reallocarray(run, k * 2, sizeof *nr);
                if (!nr) {
                    patron__free(run);
                    patron__radix_free(&b);
                    return patron__oom();
                }
                run = nr;
                runcap = k * 2;
            }
            for (size_t j = 0; j < k; j++) {
                run[j].s = pt_idmap_key(m, order[r + j]);
                run[j].i = order[r + j];
            }
            merge_sort(run, run + k, k);
            for (size_t j = 0; j < k; j++)
                order[r + j] = run[j].i;
        }
        r = e;
    }
    for (size_t r = 0; r < n; r++)
        rank[order[r]] = (uint32_t)r;
    patron__free(run);
    patron__radix_free(&b);
    return PATRON_OK;
}

int pt_rank_ids(const pt_idmap *m, uint32_t *rank)
{
    if (m->n == 0)
        return PATRON_OK;
    if (m->kind == PT_ID_INT)
        return rank_ints(m->ints, m->n, rank);
    return rank_strings(m, rank);
}

static void sift(int64_t *t, int64_t *a, size_t root, size_t n)
{
    for (;;) {
        size_t c = 2 * root + 1;
        if (c >= n)
            return;
        if (c + 1 < n && t[c + 1] > t[c])
            c++;
        if (t[root] >= t[c])
            return;
        int64_t x = t[root];
        t[root] = t[c];
        t[c] = x;
        x = a[root];
        a[root] = a[c];
        a[c] = x;
        root = c;
    }
}

void pt_sort_pairs(int64_t *t, int64_t *a, size_t n)
{
    if (n <= 24) {
        for (size_t i = 1; i < n; i++) {
            int64_t x = t[i], y = a[i];
            size_t j = i;
            while (j > 0 && t[j - 1] > x) {
                t[j] = t[j - 1];
                a[j] = a[j - 1];
                j--;
            }
            t[j] = x;
            a[j] = y;
        }
        return;
    }
    for (size_t i = n / 2; i-- > 0;)
        sift(t, a, i, n);
    for (size_t end = n - 1; end > 0; end--) {
        int64_t x = t[0];
        t[0] = t[end];
        t[end] = x;
        x = a[0];
        a[0] = a[end];
        a[end] = x;
        sift(t, a, 0, end);
    }
}
