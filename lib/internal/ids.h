/* Internal: sorted arrays of int64 ids (member ids, mostly) — the one
 * comparator for qsort and bsearch, and the one binary search, for every
 * bulk reader that maps ids to rows. */
#ifndef PATRON_INTERNAL_IDS_H
#define PATRON_INTERNAL_IDS_H

#include <stddef.h>
#include <stdint.h>

/* qsort/bsearch comparator of two int64_t. */
int patron__id_cmp(const void *a, const void *b);

/* Index of the first element >= id in the sorted ids[0..n) (n when none). */
size_t patron__id_lower_bound(const int64_t *ids, size_t n, int64_t id);

/* The same, searching from *hint (the previous answer; start at 0) and
 * leaving the answer there: lookups of ids in increasing order — a scan
 * ordered by member over a sorted array — cost O(1) each, where a binary
 * search from scratch would miss the cache at every level of a large
 * array. Any order is answered right; increasing order is fast. */
size_t patron__id_seek(const int64_t *ids, size_t n, int64_t id, size_t *hint);

#endif
