/* The customer frame: a fixed number of rows and a growing list of typed,
 * named columns, each one contiguous array. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "summary_int.h"

int pt_frame_alloc(patron_frame **out, size_t rows)
{
    if (rows > PATRON_CUSTOMERS_MAX)
        return patron__fail(PATRON_ERANGE, "%zu rows: a frame holds at most %u (PATRON_CUSTOMERS_MAX)",
                            rows, (unsigned)PATRON_CUSTOMERS_MAX);
    patron_frame *f = patron__calloc(1, sizeof *f);
    if (!f)
        return patron__oom();
    f->rows = rows;
    *out = f;
    return PATRON_OK;
}

static void col_free(pt_col *c)
{
    patron__free(c->data);
    patron__free(c->arena);
}

void patron_frame_free(patron_frame *frame)
{
    if (!frame)
        return;
    for (size_t i = 0; i < frame->ncols; i++)
        col_free(&frame->cols[i]);
    patron__free(frame->cols);
    patron__free(frame);
}

static int check_name(const patron_frame *f, const char *name)
{
    if (!name)
        return patron__fail(PATRON_EINVAL, "column name is NULL");
    size_t n = strlen(name);
    if (n == 0 || n > PATRON_COLNAME_MAX)
        return patron__fail(PATRON_EINVAL, "column name '%.70s' must have 1..%d bytes", name,
                            PATRON_COLNAME_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.'))
            return patron__fail(PATRON_EINVAL,
                                "column name '%s' may only use letters, digits, '_' and '.'", name);
    }
    for (size_t i = 0; i < f->ncols; i++)
        if (!strcmp(f->cols[i].name, name))
            return patron__fail(PATRON_ECONFLICT, "the frame already has a column '%s'", name);
    return PATRON_OK;
}

int pt_frame_adopt(patron_frame *f, const char *name, int type, void *data, char *arena)
{
    int rc = check_name(f, name);
    if (rc)
        return rc;
    if (f->ncols == f->capcols) {
        size_t nc = f->capcols ? f->capcols * 2 : 16;
        pt_col *c = patron__reallocarray(f->cols, nc, sizeof *c);
        if (!c)
            return patron__oom();
        f->cols = c;
        f->capcols = nc;
    }
    pt_col *c = &f->cols[f->ncols++];
    memset(c, 0, sizeof *c);
    strcpy(c->name, name);
    c->type = type;
    c->data = data;
    c->arena = arena;
    return PATRON_OK;
}

void pt_frame_drop_last(patron_frame *f)
{
    if (f && f->ncols)
        col_free(&f->cols[--f->ncols]);
}

void pt_frame_set_rows(patron_frame *f, size_t rows)
{
    f->rows = rows;
}

/* A string column copied from `values` (NULL entries -> ""). */
static int make_strings(size_t rows, const char *const *values, char ***pdata, char **parena)
{
    size_t total = 1;
    for (size_t i = 0; i < rows; i++)
        total += values && values[i] ? strlen(values[i]) + 1 : 0;
    char **ptrs = patron__reallocarray(NULL, rows ? rows : 1, sizeof *ptrs);
    char *arena = patron__malloc(total);
    if (!ptrs || !arena) {
        patron__free(ptrs);
        patron__free(arena);
        return patron__oom();
    }
    arena[0] = '\0';
    size_t pos = 1;
    for (size_t i = 0; i < rows; i++) {
        if (values && values[i] && values[i][0]) {
            size_t n = strlen(values[i]) + 1;
            memcpy(arena + pos, values[i], n);
            ptrs[i] = arena + pos;
            pos += n;
        } else {
            ptrs[i] = arena; /* the shared "" */
        }
    }
    *pdata = ptrs;
    *parena = arena;
    return PATRON_OK;
}

static int add_numeric(patron_frame *f, const char *name, int type, const void *values)
{
    if (!f)
        return patron__fail(PATRON_EINVAL, "frame is NULL");
    int rc = check_name(f, name);
    if (rc)
        return rc;
    size_t rows = f->rows ? f->rows : 1;
    void *data = patron__calloc(rows, 8);
    if (!data)
        return patron__oom();
    if (values && f->rows)
        memcpy(data, values, f->rows * 8);
    rc = pt_frame_adopt(f, name, type, data, NULL);
    if (rc)
        patron__free(data);
    return rc;
}

int patron_frame_add_double(patron_frame *frame, const char *name, const double *values)
{
    return add_numeric(frame, name, PATRON_COL_DOUBLE, values);
}

int patron_frame_add_int64(patron_frame *frame, const char *name, const int64_t *values)
{
    return add_numeric(frame, name, PATRON_COL_INT64, values);
}

int patron_frame_add_string(patron_frame *frame, const char *name, const char *const *values)
{
    if (!frame)
        return patron__fail(PATRON_EINVAL, "frame is NULL");
    int rc = check_name(frame, name);
    if (rc)
        return rc;
    char **data = NULL;
    char *arena = NULL;
    if ((rc = make_strings(frame->rows, values, &data, &arena)) != 0)
        return rc;
    rc = pt_frame_adopt(frame, name, PATRON_COL_STRING, data, arena);
    if (rc) {
        patron__free(data);
        patron__free(arena);
    }
    return rc;
}

int patron_frame_new(patron_frame **out, size_t rows, const int64_t *int_ids,
                     const char *const *str_ids)
{
    if (!out)
        return patron__fail(PATRON_EINVAL, "patron_frame_new: out is NULL");
    if (str_ids)
        for (size_t i = 0; i < rows; i++)
            if (!str_ids[i])
                return patron__fail(PATRON_EINVAL, "row %zu: customer id is NULL", i);
    patron_frame *f = NULL;
    int rc = pt_frame_alloc(&f, rows);
    if (rc)
        return rc;
    if (str_ids) {
        rc = patron_frame_add_string(f, "customer_id", str_ids);
    } else {
        rc = patron_frame_add_int64(f, "customer_id", int_ids);
        if (!rc && !int_ids) {
            int64_t *ids = f->cols[0].data;
            for (size_t i = 0; i < rows; i++)
                ids[i] = (int64_t)i;
        }
    }
    if (rc) {
        patron_frame_free(f);
        return rc;
    }
    *out = f;
    return PATRON_OK;
}

int patron_frame_from_arrays(patron_frame **out, size_t n, const int64_t *ids,
                             const double *frequency, const double *recency, const double *T,
                             const double *monetary)
{
    if (!out || (n && (!frequency || !recency || !T)))
        return patron__fail(PATRON_EINVAL, "patron_frame_from_arrays: NULL argument");
    for (size_t i = 0; i < n; i++) {
        double x = frequency[i], r = recency[i], t = T[i];
        if (!isfinite(x) || !isfinite(r) || !isfinite(t) || (monetary && !isfinite(monetary[i])))
            return patron__fail(PATRON_EINVAL, "row %zu: a value is not finite", i);
        if (x < 0)
            return patron__fail(PATRON_EINVAL, "row %zu: frequency %g is negative", i, x);
        if (r < 0 || r > t)
            return patron__fail(PATRON_EINVAL, "row %zu: recency %g is not within 0..T (T = %g)",
                                i, r, t);
        if (monetary && monetary[i] < 0)
            return patron__fail(PATRON_EINVAL, "row %zu: monetary_value %g is negative", i,
                                monetary[i]);
    }
    patron_frame *f = NULL;
    int rc = patron_frame_new(&f, n, ids, NULL);
    if (rc)
        return rc;
    rc = patron_frame_add_double(f, "frequency", frequency);
    if (!rc)
        rc = patron_frame_add_double(f, "recency", recency);
    if (!rc)
        rc = patron_frame_add_double(f, "T", T);
    if (!rc && monetary)
        rc = patron_frame_add_double(f, "monetary_value", monetary);
    if (rc) {
        patron_frame_free(f);
        return rc;
    }
    *out = f;
    return PATRON_OK;
}

size_t patron_frame_rows(const patron_frame *frame)
{
    return frame ? frame->rows : 0;
}

size_t patron_frame_cols(const patron_frame *frame)
{
    return frame ? frame->ncols : 0;
}

const char *patron_frame_col_name(const patron_frame *frame, size_t col)
{
    return frame && col < frame->ncols ? frame->cols[col].name : NULL;
}

int patron_frame_col_money(const patron_frame *frame, size_t col)
{
    return frame && col < frame->ncols ? frame->cols[col].money : 0;
}

int patron_frame_decimals(const patron_frame *frame)
{
    return frame ? frame->decimals : 0;
}

int patron_frame_col_type(const patron_frame *frame, size_t col)
{
    return frame && col < frame->ncols ? frame->cols[col].type : PATRON_COL_ANY;
}

static const char *type_name(int t)
{
    return t == PATRON_COL_INT64 ? "int64" : t == PATRON_COL_DOUBLE ? "double" : "string";
}

int patron_frame_find(size_t *col, const patron_frame *frame, const char *name, int type)
{
    if (!col || !frame || !name)
        return patron__fail(PATRON_EINVAL, "patron_frame_find: NULL argument");
    for (size_t i = 0; i < frame->ncols; i++) {
        if (strcmp(frame->cols[i].name, name))
            continue;
        if (type != PATRON_COL_ANY && frame->cols[i].type != type)
            return patron__fail(PATRON_EINVAL, "column '%s' is %s, not %s", name,
                                type_name(frame->cols[i].type), type_name(type));
        *col = i;
        return PATRON_OK;
    }
    return patron__fail(PATRON_ENOTFOUND, "the frame has no column '%s'", name);
}

static void *col_data(const patron_frame *f, size_t col, int type)
{
    if (!f || col >= f->ncols || f->cols[col].type != type || f->rows == 0)
        return NULL;
    return f->cols[col].data;
}

const double *patron_frame_double(const patron_frame *frame, size_t col)
{
    return col_data(frame, col, PATRON_COL_DOUBLE);
}

const int64_t *patron_frame_int64(const patron_frame *frame, size_t col)
{
    return col_data(frame, col, PATRON_COL_INT64);
}

const char *const *patron_frame_string(const patron_frame *frame, size_t col)
{
    return (const char *const *)col_data(frame, col, PATRON_COL_STRING);
}

double *patron_frame_double_mut(patron_frame *frame, size_t col)
{
    return col_data(frame, col, PATRON_COL_DOUBLE);
}

int64_t *patron_frame_int64_mut(patron_frame *frame, size_t col)
{
    return col_data(frame, col, PATRON_COL_INT64);
}

static void *by_name(const patron_frame *f, const char *name, int type)
{
    if (!f || !name)
        return NULL;
    for (size_t i = 0; i < f->ncols; i++)
        if (!strcmp(f->cols[i].name, name))
            return col_data(f, i, type);
    return NULL;
}

const double *patron_frame_double_by_name(const patron_frame *frame, const char *name)
{
    return by_name(frame, name, PATRON_COL_DOUBLE);
}

const int64_t *patron_frame_int64_by_name(const patron_frame *frame, const char *name)
{
    return by_name(frame, name, PATRON_COL_INT64);
}

const char *patron_frame_id(const patron_frame *frame, size_t row, char *buf, size_t cap)
{
    if (!frame || frame->ncols == 0 || row >= frame->rows)
        return NULL;
    const pt_col *c = &frame->cols[0];
    if (c->type == PATRON_COL_STRING)
        return ((char **)c->data)[row];
    if (c->type != PATRON_COL_INT64 || !buf)
        return NULL;
    int n = snprintf(buf, cap, "%" PRId64, ((int64_t *)c->data)[row]);
    return n >= 0 && (size_t)n < cap ? buf : NULL;
}
