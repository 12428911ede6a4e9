/* Named columns of a CSV file with a header (summary/csvcols.h). */
#include <string.h>

#include "internal/error.h"
#include "summary/csvcols.h"

int pt_csv_columns(const pt_csv *c, const char *const *names, int n, int required, const char *required_text,
                   int *col)
{
    for (int k = 0; k < n; k++)
        col[k] = -1;
    for (size_t i = 0; i < c->nf && i < PT_CSV_MAXF; i++)
        for (int k = 0; k < n; k++)
            if (col[k] < 0 && c->f[i].n == strlen(names[k]) && !memcmp(c->f[i].p, names[k], c->f[i].n))
                col[k] = (int)i;
    for (int k = 0; k < required; k++)
        if (col[k] < 0)
            return patron__fail(PATRON_EINVAL, "line 1: the header has no '%s' column (%s are required)", names[k],
                                required_text);
    return PATRON_OK;
}

int pt_csv_read_header(pt_csv *c, const char *func, const char *path, const char *const *names, int n, int required,
                       const char *required_text, int *col)
{
    int rc = pt_csv_next(c);
    if (rc == 0)
        return patron__fail(PATRON_EINVAL, "%s: %s is empty (a header row is required)", func, path);
    return rc < 0 ? rc : pt_csv_columns(c, names, n, required, required_text, col);
}

const char *pt_csv_field(const pt_csv *c, const int *col, int which, char *buf, size_t cap)
{
    int i = col[which];
    if (i < 0 || (size_t)i >= c->nf || c->f[i].n == 0)
        return NULL;
    size_t n = c->f[i].n < cap - 1 ? c->f[i].n : cap - 1;
    memcpy(buf, c->f[i].p, n);
    buf[n] = '\0';
    return buf;
}
