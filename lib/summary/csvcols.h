/* Named columns of a CSV file with a header (the store's imports: behaviour
 * events, purchases): which field holds which column, and a field as a
 * C string. Over the record splitter of csvrec.h. */
#ifndef PATRON_SUMMARY_CSVCOLS_H
#define PATRON_SUMMARY_CSVCOLS_H

#include "summary/csvrec.h"

/* The header record `c` names the columns: col[k] receives the field index
 * of names[k], -1 when absent. The first `required` names must be there,
 * else EINVAL "line 1: the header has no 'x' column (<required_text> are
 * required)". */
int pt_csv_columns(const pt_csv *c, const char *const *names, int n, int required, const char *required_text,
                   int *col);

/* Read the header record of a file just opened for `func`'s import of
 * `path` into col (pt_csv_columns); EINVAL "<func>: <path> is empty (a
 * header row is required)" for a file without one. */
int pt_csv_read_header(pt_csv *c, const char *func, const char *path, const char *const *names, int n, int required,
                       const char *required_text, int *col);

/* Field of column `which` of the current record as a NUL-terminated string
 * in buf (at most cap - 1 bytes), or NULL when the column is absent or the
 * field empty. */
const char *pt_csv_field(const pt_csv *c, const int *col, int which, char *buf, size_t cap);

#endif
