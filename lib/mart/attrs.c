/* The store frame's custom attribute columns (patron_frame_from_db): one
 * `attr.<name>` column per declared attribute, read in one scan of the
 * profile's attributes. Journey state (journey_*) is the journeys' own and
 * stays out; names longer than a column name allows are left out too. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/ids.h"
#include "internal/profile.h"
#include "mart_int.h"
#include "patron/profile.h"

#define MAX_ATTRS 256

typedef struct attr_col {
    char name[PATRON_COLNAME_MAX + 1]; /* "attr.<name>" */
    int type;
    double *num;        /* int: the value, NaN when unset */
    int64_t *flag;      /* bool: 1 / 0 (unset: 0) */
    const char **text;  /* text and date: the value, NULL ("") when unset; owned copies */
} attr_col;

typedef struct attrs_ctx {
    attr_col col[MAX_ATTRS];
    size_t ncol;
    const int64_t *row_member; /* members of the frame rows, sorted */
    const size_t *row;         /* the frame row of each */
    size_t nrows;
} attrs_ctx;

static int add_def(void *ctx, const char *name, int type)
{
    attrs_ctx *a = ctx;
    if (!strncmp(name, "journey_", 8) || strlen(name) + 5 > PATRON_COLNAME_MAX || a->ncol == MAX_ATTRS)
        return PATRON_OK;
    attr_col *c = &a->col[a->ncol++];
    memset(c, 0, sizeof *c);
    memcpy(c->name, "attr.", 5);
    strcpy(c->name + 5, name);
    c->type = type;
    return PATRON_OK;
}

static attr_col *find_col(attrs_ctx *a, const char *name)
{
    for (size_t i = 0; i < a->ncol; i++)
        if (!strcmp(a->col[i].name + 5, name))
            return &a->col[i];
    return NULL;
}

static int on_value(void *ctx, int64_t member, const char *name, const char *value)
{
    attrs_ctx *a = ctx;
    attr_col *c = find_col(a, name);
    if (!c)
        return PATRON_OK;
    for (size_t k = patron__id_lower_bound(a->row_member, a->nrows, member); k < a->nrows && a->row_member[k] == member; k++) {
        size_t r = a->row[k];
        if (c->type == PATRON_ATTR_INT)
            c->num[r] = strtod(value, NULL);
        else if (c->type == PATRON_ATTR_BOOL)
            c->flag[r] = !strcmp(value, "true");
        else if (!(c->text[r] = patron__strdup(value)))
            return patron__oom();
    }
    return PATRON_OK;
}

typedef struct member_row {
    int64_t member;
    size_t row;
} member_row;

static int by_member(const void *x, const void *y)
{
    const member_row *a = x, *b = y;
    return (a->member > b->member) - (a->member < b->member);
}

int patron__mart_add_attrs(patron_db *db, patron_frame *f)
{
    attrs_ctx *a = patron__calloc(1, sizeof *a);
    if (!a)
        return patron__oom();
    size_t rows = patron_frame_rows(f), col = 0;
    member_row *mr = NULL;
    int64_t *sorted = NULL;
    size_t *row = NULL;
    int rc = patron__profile_attr_defs_each(db, add_def, a);
    if (rc == PATRON_OK && a->ncol && (rc = patron_frame_find(&col, f, "member_id", PATRON_COL_INT64)) == PATRON_OK) {
        const int64_t *member = patron_frame_int64(f, col);
        mr = patron__calloc(rows ? rows : 1, sizeof *mr);
        sorted = patron__calloc(rows ? rows : 1, sizeof *sorted);
        row = patron__calloc(rows ? rows : 1, sizeof *row);
        rc = mr && sorted && row ? PATRON_OK : patron__oom();
        for (size_t r = 0; rc == PATRON_OK && r < rows; r++)
            mr[r] = (member_row){member[r], r};
        if (rc == PATRON_OK && rows)
            qsort(mr, rows, sizeof *mr, by_member);
        for (size_t r = 0; rc == PATRON_OK && r < rows; r++) {
            sorted[r] = mr[r].member;
            row[r] = mr[r].row;
        }
        a->row_member = sorted;
        a->row = row;
        a->nrows = rows;
        for (size_t i = 0; rc == PATRON_OK && i < a->ncol; i++) {
            attr_col *c = &a->col[i];
            if (c->type == PATRON_ATTR_INT) {
                if ((c->num = patron__malloc((rows ? rows : 1) * sizeof *c->num)))
                    for (size_t r = 0; r < rows; r++)
                        c->num[r] = NAN;
            } else if (c->type == PATRON_ATTR_BOOL) {
                c->flag = patron__calloc(rows ? rows : 1, sizeof *c->flag);
            } else {
                c->text = patron__calloc(rows ? rows : 1, sizeof *c->text);
            }
            if (!c->num && !c->flag && !c->text)
                rc = patron__oom();
        }
        if (rc == PATRON_OK)
            rc = patron__profile_attrs_each(db, on_value, a);
        for (size_t i = 0; rc == PATRON_OK && i < a->ncol; i++) {
            attr_col *c = &a->col[i];
            rc = c->num    ? patron_frame_add_double(f, c->name, c->num)
                 : c->flag ? patron_frame_add_int64(f, c->name, c->flag)
                           : patron_frame_add_string(f, c->name, c->text);
        }
    }
    for (size_t i = 0; i < a->ncol; i++) {
        attr_col *c = &a->col[i];
        patron__free(c->num);
        patron__free(c->flag);
        for (size_t r = 0; c->text && r < rows; r++)
            patron__free((char *)c->text[r]);
        patron__free(c->text);
    }
    patron__free(a);
    patron__free(mr);
    patron__free(sorted);
    patron__free(row);
    return rc;
}
