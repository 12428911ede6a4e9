/* Sorted arrays of int64 ids (lib/internal/ids.h). */
#include "internal/ids.h"

int patron__id_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

size_t patron__id_lower_bound(const int64_t *ids, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t patron__id_seek(const int64_t *ids, size_t n, int64_t id, size_t *hint)
{
    size_t from = *hint <= n ? *hint : n, i;
    if (from > 0 && ids[from - 1] >= id) {
        i = patron__id_lower_bound(ids, from, id); /* behind the last answer */
    } else {
        /* ahead of it: gallop, then search the last step's interval */
        size_t step = 1, lo = from, hi = from;
        while (hi < n && ids[hi] < id) {
            lo = hi + 1;
            hi = n - hi > step ? hi + step : n;
            step *= 2;
        }
        i = lo + patron__id_lower_bound(ids + lo, hi - lo, id);
    }
    *hint = i;
    return i;
}
