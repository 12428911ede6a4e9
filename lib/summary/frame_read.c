/* Reading a summary frame back from CSV (ours or lifetimes'). Two passes
 * over the text: the first types the columns and counts rows, the second
 * fills them. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "csvrec.h"
#include "internal/alloc.h"
#include "internal/error.h"
#include "summary_int.h"

static const char *const int_cols[] = {"orders", "total_spend"};

/* Time columns by the segment module's naming rule (see the guide's rule
 * types): read as int64 UTC seconds when every value is epoch seconds, an
 * ISO-8601 time or empty (missing: PATRON_TIME_NONE). */
static int time_named(const char *name)
{
    size_t n = strlen(name);
    return !strcmp(name, "first_purchase") || !strcmp(name, "last_purchase") ||
           !strcmp(name, "joined") || (n > 3 && !strcmp(name + n - 3, "_at")) ||
           (n > 5 && !strcmp(name + n - 5, "_time"));
}

static int parse_i64(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (n && (s[0] == '-' || s[0] == '+'))
        neg = s[i++] == '-';
    if (i == n)
        return -1;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX + (uint64_t)neg)
        return -1;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

/* A time field: empty (missing), epoch seconds or ISO 8601. */
static int parse_time(const char *s, size_t n, int64_t *out)
{
    if (n == 0) {
        *out = PATRON_TIME_NONE;
        return 0;
    }
    if (parse_i64(s, n, out) == 0)
        return 0;
    return patron_time_parse(out, s, n, PATRON_TIME_ISO8601) == PATRON_OK ? 0 : -1;
}

typedef struct {
    int type;
    size_t bytes; /* string columns: total bytes incl. NULs */
    void *data;
    char *arena;
    int was_int; /* an int64-named column turned double by a decimal value */
    int is_time; /* a time-named column, int64 while every value is a time */
    int saw_iso; /* ... and some value was ISO text (so a number column is impossible) */
} rcol;

int patron_frame_read_csv_buffer(patron_frame **out, const char *data, size_t len)
{
    if (!out || (!data && len))
        return patron__fail(PATRON_EINVAL, "patron_frame_read_csv_buffer: NULL argument");
    pt_csv c;
    int rc = pt_csv_open_buffer(&c, data, len, ',');
    if (rc)
        return rc;
    patron_frame *f = NULL;
    rcol *cols = NULL;
    char (*names)[PATRON_COLNAME_MAX + 1] = NULL;
    size_t ncols = 0, rows = 0;

    if ((rc = pt_csv_next(&c)) <= 0) {
        if (rc == 0)
            rc = patron__fail(PATRON_EINVAL, "the input is empty: expected a header row");
        goto fail;
    }
    ncols = c.nf;
    if (ncols > PT_CSV_MAXF) {
        rc = patron__fail(PATRON_ERANGE, "more than %d columns", PT_CSV_MAXF);
        goto fail;
    }
    cols = patron__calloc(ncols, sizeof *cols);
    names = patron__calloc(ncols, sizeof *names);
    if (!cols || !names) {
        rc = patron__oom();
        goto fail;
    }
    for (size_t j = 0; j < ncols; j++) {
        if (j == 0) {
            strcpy(names[0], "customer_id");
            cols[0].type = PATRON_COL_STRING;
            continue;
        }
        if (c.f[j].n == 0 || c.f[j].n > PATRON_COLNAME_MAX) {
            rc = patron__fail(PATRON_EINVAL, "line 1, column %zu: bad column name '%.*s'", j + 1,
                              (int)(c.f[j].n > 64 ? 64 : c.f[j].n), c.f[j].p);
            goto fail;
        }
        memcpy(names[j], c.f[j].p, c.f[j].n);
        names[j][c.f[j].n] = '\0';
        cols[j].type = PATRON_COL_DOUBLE;
        for (size_t k = 0; k < sizeof int_cols / sizeof *int_cols; k++)
            if (!strcmp(names[j], int_cols[k]))
                cols[j].type = PATRON_COL_INT64;
        if (time_named(names[j])) {
            cols[j].type = PATRON_COL_INT64;
            cols[j].is_time = 1;
        }
    }
    /* Pass 1: count rows, check shapes and types. */
    size_t start = c.pos;
    uint64_t start_line = c.line;
    while ((rc = pt_csv_next(&c)) > 0) {
        if (c.nf != ncols) {
            rc = patron__fail(PATRON_EPARSE, "line %llu: %zu fields, the header has %zu",
                              (unsigned long long)c.rec_line, c.nf, ncols);
            goto fail;
        }
        for (size_t j = 0; j < ncols; j++) {
            const pt_field *fl = &c.f[j];
            double d;
            int64_t q;
            if (cols[j].is_time && cols[j].type == PATRON_COL_INT64) {
                if (parse_time(fl->p, fl->n, &q) == 0) {
                    cols[j].saw_iso |= fl->n && parse_i64(fl->p, fl->n, &q) != 0;
                    continue;
                }
                /* not a time after all: a number column, or text when
                 * times were already seen as text */
                cols[j].is_time = 0;
                cols[j].type = cols[j].saw_iso ? PATRON_COL_STRING : PATRON_COL_DOUBLE;
            }
            if (cols[j].type == PATRON_COL_INT64 && parse_i64(fl->p, fl->n, &q)) {
                /* Money written in major units ("100.50") makes total_spend
                 * double; anything else is an error. */
                if (!strcmp(names[j], "total_spend") && fl->n &&
                    pt_parse_double(fl->p, fl->n, &d) == PATRON_OK) {
                    cols[j].type = PATRON_COL_DOUBLE;
                    cols[j].was_int = 1;
                } else {
                    rc = patron__fail(PATRON_EPARSE, "line %llu, column %zu '%s': value '%.*s' is not an integer",
                                      (unsigned long long)c.rec_line, j + 1, names[j],
                                      (int)(fl->n > 64 ? 64 : fl->n), fl->p);
                    goto fail;
                }
            }
            if (cols[j].type == PATRON_COL_DOUBLE && cols[j].was_int && fl->n &&
                pt_parse_double(fl->p, fl->n, &d) != PATRON_OK) {
                rc = patron__fail(PATRON_EPARSE, "line %llu, column %zu '%s': value '%.*s' is not a number",
                                  (unsigned long long)c.rec_line, j + 1, names[j],
                                  (int)(fl->n > 64 ? 64 : fl->n), fl->p);
                goto fail;
            }
            if (cols[j].type == PATRON_COL_DOUBLE && fl->n &&
                pt_parse_double(fl->p, fl->n, &d) != PATRON_OK)
                cols[j].type = PATRON_COL_STRING;
        }
        for (size_t j = 0; j < ncols; j++)
            cols[j].bytes += c.f[j].n + 1;
        rows++;
    }
    if (rc < 0)
        goto fail;
    /* Allocate, then pass 2: fill. */
    if ((rc = pt_frame_alloc(&f, rows)) != 0)
        goto fail;
    for (size_t j = 0; j < ncols; j++) {
        size_t m = rows ? rows : 1;
        cols[j].data = patron__reallocarray(NULL, m, cols[j].type == PATRON_COL_STRING ? sizeof(char *) : 8);
        if (cols[j].type == PATRON_COL_STRING)
            cols[j].arena = patron__malloc(cols[j].bytes ? cols[j].bytes : 1);
        if (!cols[j].data || (cols[j].type == PATRON_COL_STRING && !cols[j].arena)) {
            rc = patron__oom();
            goto fail;
        }
        cols[j].bytes = 0;
    }
    c.pos = start;
    c.line = start_line;
    for (size_t r = 0; r < rows; r++) {
        if ((rc = pt_csv_next(&c)) <= 0) {
            rc = patron__fail(PATRON_EINTERNAL, "frame reader lost its place");
            goto fail;
        }
        for (size_t j = 0; j < ncols; j++) {
            const pt_field *fl = &c.f[j];
            rcol *col = &cols[j];
            if (col->type == PATRON_COL_INT64 && col->is_time) {
                parse_time(fl->p, fl->n, &((int64_t *)col->data)[r]);
            } else if (col->type == PATRON_COL_INT64) {
                parse_i64(fl->p, fl->n, &((int64_t *)col->data)[r]);
            } else if (col->type == PATRON_COL_DOUBLE) {
                double d = NAN;
                if (fl->n)
                    pt_parse_double(fl->p, fl->n, &d);
                ((double *)col->data)[r] = d;
            } else {
                char *dst = col->arena + col->bytes;
                memcpy(dst, fl->p, fl->n);
                dst[fl->n] = '\0';
                ((char **)col->data)[r] = dst;
                col->bytes += fl->n + 1;
            }
        }
    }
    for (size_t j = 0; j < ncols; j++) {
        if ((rc = pt_frame_adopt(f, names[j], cols[j].type, cols[j].data, cols[j].arena)) != 0)
            goto fail;
        cols[j].data = NULL;
        cols[j].arena = NULL;
    }
    patron_errclear(); /* trial time parses of pass 1 may have left a message */
    rc = PATRON_OK;
    *out = f;
    f = NULL;
fail:
    if (cols)
        for (size_t j = 0; j < ncols; j++) {
            patron__free(cols[j].data);
            patron__free(cols[j].arena);
        }
    patron__free(cols);
    patron__free(names);
    patron_frame_free(f);
    pt_csv_close(&c);
    return rc;
}

int patron_frame_read_csv(patron_frame **out, const char *path)
{
    if (!out || !path)
        return patron__fail(PATRON_EINVAL, "patron_frame_read_csv: NULL argument");
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return patron__fail(PATRON_EIO, "cannot open '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = patron__malloc(cap);
    int rc = PATRON_OK;
    while (buf) {
        if (n == cap) {
            char *nb = patron__realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0) {
            if (ferror(fp))
                rc = patron__fail(PATRON_EIO, "cannot read '%s': %s", path, strerror(errno));
            break;
        }
    }
    int eof = feof(fp);
    fclose(fp);
    if (!buf || (!rc && !eof)) {
        patron__free(buf);
        return patron__oom();
    }
    if (!rc)
        rc = patron_frame_read_csv_buffer(out, buf, n);
    patron__free(buf);
    if (rc)
        patron__fail_prefix(rc, "%s: ", path);
    return rc;
}
