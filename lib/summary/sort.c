/* Sorting helpers of the summary: customer ranks by id (LSD radix sort for
 * integer ids, comparison sort for strings) and per-customer (time, amount)
 * pairs by time. */
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "sort.h"

/* rank[i] = position of customer i when ids ascend. */
static int rank_ints(const int64_t *ids, size_t n, uint32_t *rank)
{
    uint64_t *key = patron__reallocarray(NULL, n * 2, sizeof *key);
    uint32_t *idx = patron__reallocarray(NULL, n * 2, sizeof *idx);
    size_t *cnt = patron__reallocarray(NULL, 65536, sizeof *cnt);
    if (!key || !idx || !cnt) {
        patron__free(key);
        patron__free(idx);
        patron__free(cnt);
        return patron__oom();
    }
    uint64_t *k0 = key, *k1 = key + n;
    uint32_t *i0 = idx, *i1 = idx + n;
    for (size_t i = 0; i < n; i++) {
        k0[i] = (uint64_t)ids[i] ^ (UINT64_C(1) << 63);
        i0[i] = (uint32_t)i;
    }
    for (int shift = 0; shift < 64; shift += 16) {
        memset(cnt, 0, 65536 * sizeof *cnt);
        for (size_t i = 0; i < n; i++)
            cnt[(k0[i] >> shift) & 0xffff]++;
        if (cnt[(k0[0] >> shift) & 0xffff] == n)
            continue; /* every key has this digit: the pass would not move anything */
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
    for (size_t r = 0; r < n; r++)
        rank[i0[r]] = (uint32_t)r;
    patron__free(key);
    patron__free(idx);
    patron__free(cnt);
    return PATRON_OK;
}

/* Comparison sort of string ids; the arena is threaded through a small
 * context because qsort has no user pointer. We sort (offset, index) pairs
 * with a hand-written merge sort instead of qsort to stay reentrant. */
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

static int rank_strings(const pt_idmap *m, uint32_t *rank)
{
    size_t n = m->n;
    str_item *a = patron__reallocarray(NULL, n * 2, sizeof *a);
    if (!a)
        return patron__oom();
    for (size_t i = 0; i < n; i++) {
        a[i].s = pt_idmap_key(m, i);
        a[i].i = (uint32_t)i;
    }
    merge_sort(a, a + n, n);
    for (size_t r = 0; r < n; r++)
        rank[a[r].i] = (uint32_t)r;
    patron__free(a);
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
