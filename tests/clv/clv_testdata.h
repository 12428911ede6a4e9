/* Loading the CLV reference data and values for the clv suites. */
#ifndef PATRON_TEST_CLV_DATA_H
#define PATRON_TEST_CLV_DATA_H

#include <stddef.h>

#include "internal/json.h"

/* Numeric CSV columns: the header is skipped, every field is parsed as a
 * number (quotes stripped); `skip_first` drops the first field (row names). */
typedef struct pt_table {
    size_t rows, cols;
    double *v; /* row-major */
} pt_table;

/* Load ../shared/<rel>; returns 0 or -1. */
int pt_table_load(pt_table *t, const char *path, int skip_first);
void pt_table_free(pt_table *t);
/* Column c as a fresh malloc'ed array. */
double *pt_table_col(const pt_table *t, size_t c);

/* clv.json, parsed once (NULL when ../shared is absent). */
const patron_json *pt_clv_json(void);
/* Number at a dotted path ("cdnow_2357.bgnbd.published.r"); fails the test
 * (NaN) when absent. Array elements by index: "a.b.3". */
double pt_jnum(const char *path);

#endif
