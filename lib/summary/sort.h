/* Sorting helpers of the summary module (sort.c). */
#ifndef PATRON_SUMMARY_SORT_H
#define PATRON_SUMMARY_SORT_H

#include "summary_int.h"

/* rank[i] = row of customer i when ids ascend (numeric or bytewise). */
int pt_rank_ids(const pt_idmap *m, uint32_t *rank);
/* Sort n (time, amount) pairs by time, in place. */
void pt_sort_pairs(int64_t *t, int64_t *a, size_t n);

#endif
