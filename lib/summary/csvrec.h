/* RFC 4180 record splitter shared by the transaction loader (csv.c) and the
 * frame reader (frame_read.c), over a file streamed in blocks or a buffer. */
#ifndef PATRON_SUMMARY_CSVREC_H
#define PATRON_SUMMARY_CSVREC_H

#include <stdio.h>

#include "summary_int.h"

/* Fields kept per record; later fields are counted but not stored. */
#define PT_CSV_MAXF 4096

typedef struct {
    const char *p;
    size_t n;
} pt_field;

typedef struct {
    FILE *fp;          /* NULL: the whole text is in data */
    const char *data;  /* window: data[pos..len) */
    size_t pos, len;
    char *buf;         /* file mode: owned block buffer */
    size_t cap;
    int eof;
    int delim;         /* ',' etc., or ' ' for runs of blanks */
    uint64_t line;     /* line of the next record (1-based) */
    char *scratch;     /* unescaped quoted fields of the current record */
    pt_field *f;       /* fields of the current record */
    size_t nf;         /* fields in the record (may exceed PT_CSV_MAXF) */
    uint64_t rec_line; /* line where the current record started */
} pt_csv;

/* Open over a buffer or a file (path); the file is read in blocks. */
int pt_csv_open_buffer(pt_csv *c, const char *data, size_t len, int delim);
int pt_csv_open_file(pt_csv *c, const char *path, int delim);
void pt_csv_close(pt_csv *c);
/* Next non-empty record: 1 = got one, 0 = end of input, < 0 = error
 * (EPARSE for a malformed record, ERANGE for a record over the limit,
 * EIO, ENOMEM) with "line L: ..." in patron_errmsg(). After an EPARSE the
 * reader has skipped the bad record, so a caller may continue. */
int pt_csv_next(pt_csv *c);

#endif
