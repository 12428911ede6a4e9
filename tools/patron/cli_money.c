/* Money columns of `patron segment` frames: see cli_money.h. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_money.h"
#include "cli_util.h"

/* The summary's money columns (patron_frame_col_money() of a summary) and
 * the activity columns in minor units (docs/guide/segment.md). */
static const char *const money_names[CLI_MONEY_MAX] = {
    "monetary_value", "monetary_value_holdout", "total_spend", "spend",
    "spend_30d",      "spend_90d",              "spend_365d",  "avg_basket"};

static const char *money_name(const char *name)
{
    for (size_t i = 0; i < CLI_MONEY_MAX; i++)
        if (!strcmp(name, money_names[i]))
            return money_names[i];
    return NULL;
}

int cli_money_column(const char *name)
{
    return money_name(name) != NULL;
}

int cli_money_to_minor(cli_money *m, patron_frame *frame, int decimals, const char *cmd)
{
    memset(m, 0, sizeof *m);
    m->decimals = decimals;
    m->scale = 1;
    int64_t iscale = 1;
    for (int d = 0; d < decimals; d++) {
        m->scale *= 10;
        iscale *= 10;
    }
    size_t rows = patron_frame_rows(frame), cols = patron_frame_cols(frame);
    for (size_t c = 1; c < cols; c++) {
        const char *name = money_name(patron_frame_col_name(frame, c));
        int t = patron_frame_col_type(frame, c);
        if (!name || (t != PATRON_COL_DOUBLE && t != PATRON_COL_INT64))
            continue;
        void *orig = malloc((rows ? rows : 1) * 8);
        if (!orig)
            return cli_fail(cmd, "out of memory");
        m->names[m->n] = name;
        m->orig[m->n] = orig;
        m->types[m->n] = t;
        m->n++;
        if (t == PATRON_COL_INT64) {
            int64_t *v = patron_frame_int64_mut(frame, c);
            memcpy(orig, v, rows * sizeof *v);
            for (size_t r = 0; r < rows; r++) {
                if (v[r] > INT64_MAX / iscale || v[r] < -(INT64_MAX / iscale))
                    return cli_fail(cmd, "row %zu, column '%s': %lld with %d decimals overflows minor units",
                                    r + 1, name, (long long)v[r], decimals);
                v[r] *= iscale;
            }
        } else {
            double *v = patron_frame_double_mut(frame, c);
            memcpy(orig, v, rows * sizeof *v);
            int whole = !strcmp(name, "total_spend") || !strncmp(name, "spend", 5);
            for (size_t r = 0; r < rows; r++)
                v[r] = whole ? nearbyint(v[r] * m->scale) : v[r] * m->scale;
        }
    }
    return 0;
}

/* Values of column c of `out` in the input's units, into buf (rows doubles
 * or int64s); *type receives the column type to write. */
static void output_values(const cli_money *m, const patron_frame *out, size_t c, const size_t *idx,
                          void *buf, int *type)
{
    size_t rows = patron_frame_rows(out);
    const char *name = money_name(patron_frame_col_name(out, c));
    int t = patron_frame_col_type(out, c);
    size_t k = 0;
    while (k < m->n && m->names[k] != name)
        k++;
    *type = t;
    if (k < m->n && m->types[k] == t) { /* from the input: its values as read */
        for (size_t r = 0; r < rows; r++)
            memcpy((char *)buf + 8 * r, (const char *)m->orig[k] + 8 * idx[r], 8);
        return;
    }
    /* added since, in minor units: to major units, as doubles */
    double *d = buf;
    if (t == PATRON_COL_INT64) {
        const int64_t *v = patron_frame_int64(out, c);
        for (size_t r = 0; r < rows; r++)
            d[r] = (double)v[r] / m->scale;
    } else {
        const double *v = patron_frame_double(out, c);
        for (size_t r = 0; r < rows; r++)
            d[r] = v[r] / m->scale;
    }
    *type = PATRON_COL_DOUBLE;
}

int cli_money_output(patron_frame **result, const cli_money *m, const patron_frame *out,
                     const patron_selection *sel, const char *cmd)
{
    size_t rows = patron_frame_rows(out), cols = patron_frame_cols(out);
    size_t *idx = malloc((rows ? rows : 1) * sizeof *idx);
    void *buf = malloc((rows ? rows : 1) * 8);
    patron_frame *g = NULL;
    int rc = !idx || !buf;
    if (rc) {
        cli_fail(cmd, "out of memory");
    } else {
        patron_selection_rows(sel, idx, rows);
        int idt = patron_frame_col_type(out, 0);
        int prc = patron_frame_new(&g, rows, idt == PATRON_COL_INT64 ? patron_frame_int64(out, 0) : NULL,
                                   idt == PATRON_COL_STRING ? patron_frame_string(out, 0) : NULL);
        for (size_t c = 1; c < cols && !prc; c++) {
            const char *name = patron_frame_col_name(out, c);
            int t = patron_frame_col_type(out, c);
            if (t == PATRON_COL_STRING) {
                prc = patron_frame_add_string(g, name, patron_frame_string(out, c));
                continue;
            }
            if (cli_money_column(name))
                output_values(m, out, c, idx, buf, &t);
            else
                memcpy(buf, t == PATRON_COL_INT64 ? (const void *)patron_frame_int64(out, c)
                                                  : (const void *)patron_frame_double(out, c),
                       rows * 8);
            prc = t == PATRON_COL_INT64 ? patron_frame_add_int64(g, name, buf)
                                        : patron_frame_add_double(g, name, buf);
        }
        if (prc) {
            rc = cli_fail_rc(cmd, prc, "writing money in the input's units");
            patron_frame_free(g);
            g = NULL;
        }
    }
    free(idx);
    free(buf);
    *result = g;
    return rc;
}

void cli_money_free(cli_money *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->orig[i]);
    m->n = 0;
}
