/* Rules over the customer frame, and named segments. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"
#include "segment/frame_cols.h"
#include "segment/rule_impl.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && memcmp(s + n - m, suffix, m) == 0;
}

static int starts_with(const char *s, const char *prefix)
{
    size_t m = strlen(prefix);
    return strlen(s) > m && memcmp(s, prefix, m) == 0;
}

int patron__frame_colset(patron__colset *cs, patron__column **cols, const patron_frame *frame)
{
    size_t n = patron_frame_cols(frame);
    patron__column *c = patron__calloc(n ? n : 1, sizeof *c);
    if (!c)
        return patron__oom();
    size_t rows = patron_frame_rows(frame);
    for (size_t i = 0; i < n; i++) {
        const char *name = patron_frame_col_name(frame, i);
        c[i].name = name;
        switch (patron_frame_col_type(frame, i)) {
        case PATRON_COL_DOUBLE:
            c[i].type = PATRON__COL_F64;
            if (starts_with(name, "consent.") || starts_with(name, "is_") || starts_with(name, "has_"))
                c[i].type = PATRON__COL_BOOL_F64;
            c[i].data = patron_frame_double(frame, i);
            break;
        case PATRON_COL_INT64:
            c[i].type = PATRON__COL_I64;
            if (!strcmp(name, "first_purchase") || !strcmp(name, "last_purchase") ||
                !strcmp(name, "joined") || ends_with(name, "_at") || ends_with(name, "_time"))
                c[i].type = PATRON__COL_TIME;
            else if (starts_with(name, "consent.") || starts_with(name, "is_") ||
                     starts_with(name, "has_"))
                c[i].type = PATRON__COL_BOOL_I64;
            c[i].data = patron_frame_int64(frame, i);
            break;
        default:
            c[i].type = PATRON__COL_STR;
            c[i].data = patron_frame_string(frame, i);
            break;
        }
        if (rows == 0)
            c[i].data = NULL;
    }
    cs->cols = c;
    cs->ncols = n;
    cs->nrows = rows;
    *cols = c;
    return 0;
}

int patron_rule_eval(patron_selection **out, const patron_rule *rule, const patron_frame *frame,
                     const patron_rule_eval_options *opts)
{
    patron__rule_clear_position();
    if (!out || !rule || !frame)
        return patron__fail(PATRON_EINVAL, "patron_rule_eval: %s is NULL",
                            !out ? "out" : !rule ? "rule" : "frame");
    patron__colset cs;
    patron__column *cols;
    int rc = patron__frame_colset(&cs, &cols, frame);
    if (rc)
        return rc;
    rc = patron__rule_eval_columns(out, rule, &cs, opts);
    patron__free(cols);
    return rc;
}

int patron_rule_select(patron_selection **out, const patron_frame *frame, const char *text,
                       const patron_rule_eval_options *opts)
{
    if (!out || !frame || !text)
        return patron__fail(PATRON_EINVAL, "patron_rule_select: %s is NULL",
                            !out ? "out" : !frame ? "frame" : "text");
    patron_rule *rule;
    int rc = patron_rule_compile(&rule, text, NULL);
    if (rc)
        return rc;
    rc = patron_rule_eval(out, rule, frame, opts);
    patron_rule_free(rule);
    return rc;
}

int patron_frame_select(patron_frame **out, const patron_frame *frame, const patron_selection *sel)
{
    if (!out || !frame || !sel)
        return patron__fail(PATRON_EINVAL, "patron_frame_select: %s is NULL",
                            !out ? "out" : !frame ? "frame" : "sel");
    size_t rows = patron_frame_rows(frame);
    if (patron_selection_size(sel) != rows)
        return patron__fail(PATRON_EINVAL,
                            "patron_frame_select: the selection covers %zu rows, the frame has %zu",
                            patron_selection_size(sel), rows);
    size_t k = patron_selection_count(sel);
    size_t *idx = patron__reallocarray(NULL, k ? k : 1, sizeof(size_t));
    /* one scratch big enough for k values of any column type */
    void *tmp = patron__reallocarray(NULL, k ? k : 1, 8);
    patron_frame *g = NULL;
    int rc = 0;
    if (!idx || !tmp)
        rc = patron__oom();
    if (!rc)
        patron_selection_rows(sel, idx, k);
    size_t ncols = patron_frame_cols(frame);
    for (size_t c = 0; c < ncols && !rc; c++) {
        const char *name = patron_frame_col_name(frame, c);
        int t = patron_frame_col_type(frame, c);
        if (t == PATRON_COL_DOUBLE) {
            const double *src = patron_frame_double(frame, c);
            double *dst = tmp;
            for (size_t i = 0; i < k; i++)
                dst[i] = src[idx[i]];
        } else if (t == PATRON_COL_INT64) {
            const int64_t *src = patron_frame_int64(frame, c);
            int64_t *dst = tmp;
            for (size_t i = 0; i < k; i++)
                dst[i] = src[idx[i]];
        } else {
            const char *const *src = patron_frame_string(frame, c);
            const char **dst = tmp;
            for (size_t i = 0; i < k; i++)
                dst[i] = src[idx[i]];
        }
        if (c == 0) {
            rc = patron_frame_new(&g, k, t == PATRON_COL_INT64 ? tmp : NULL,
                                  t == PATRON_COL_STRING ? tmp : NULL);
        } else if (t == PATRON_COL_DOUBLE) {
            rc = patron_frame_add_double(g, name, tmp);
        } else if (t == PATRON_COL_INT64) {
            rc = patron_frame_add_int64(g, name, tmp);
        } else {
            rc = patron_frame_add_string(g, name, tmp);
        }
    }
    patron__free(idx);
    patron__free(tmp);
    if (rc) {
        patron_frame_free(g);
        return rc;
    }
    *out = g;
    return 0;
}

static const patron_segment_def builtins[] = {
    {"new", "first_purchase within 30 days"},
    {"returning", "orders >= 2"},
    {"at_risk", "last_purchase before 60 days ago"},
    {"stars", "frequency >= p80 and monetary_value >= p80"},
};

const patron_segment_def *patron_segment_builtins(size_t *count)
{
    if (count)
        *count = sizeof builtins / sizeof builtins[0];
    return builtins;
}

int patron__segment_lookup(const char **rule, const char *name, const patron_segment_options *o)
{
    for (size_t i = 0; i < o->ndefs; i++)
        if (o->defs[i].name && !strcmp(o->defs[i].name, name)) {
            if (!o->defs[i].rule)
                return patron__fail(PATRON_EINVAL, "segment '%s' is defined with a NULL rule", name);
            *rule = o->defs[i].rule;
            return 0;
        }
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (!strcmp(builtins[i].name, name)) {
            *rule = builtins[i].rule;
            return 0;
        }
    char known[256];
    size_t k = 0;
    known[0] = '\0';
    for (size_t i = 0; i < o->ndefs + sizeof builtins / sizeof builtins[0]; i++) {
        const char *nm = i < o->ndefs ? o->defs[i].name : builtins[i - o->ndefs].name;
        if (nm && k < sizeof known - 1)
            k += (size_t)snprintf(known + k, sizeof known - k, "%s%s", k ? ", " : "", nm);
    }
    return patron__fail(PATRON_ENOTFOUND, "no segment named '%.64s' (known: %s)", name, known);
}

int patron__segment_options(patron_segment_options *o, const patron_segment_options *opts)
{
    patron_segment_options d = PATRON_SEGMENT_OPTIONS_INIT;
    *o = d;
    int rc = patron__options_copy(o, sizeof *o, opts, sizeof *o, "patron_segment_options");
    if (rc)
        return rc;
    if (o->ndefs && !o->defs)
        return patron__fail(PATRON_EINVAL, "patron_segment_options: ndefs is %zu but defs is NULL",
                            o->ndefs);
    return 0;
}

int patron_segment_select(patron_selection **out, const patron_frame *frame, const char *name,
                          const patron_segment_options *opts)
{
    patron__rule_clear_position();
    if (!out || !frame || !name)
        return patron__fail(PATRON_EINVAL, "patron_segment_select: %s is NULL",
                            !out ? "out" : !frame ? "frame" : "name");
    patron_segment_options o;
    int rc = patron__segment_options(&o, opts);
    if (rc)
        return rc;
    const char *text;
    if ((rc = patron__segment_lookup(&text, name, &o)))
        return rc;
    patron_rule_eval_options eo = PATRON_RULE_EVAL_OPTIONS_INIT;
    eo.now = o.now;
    rc = patron_rule_select(out, frame, text, &eo);
    if (rc)
        patron__fail_prefix(rc, "segment '%.64s': ", name);
    return rc;
}

int patron_segment_worth_saving(patron_selection **out, const patron_frame *frame,
                                const char *value_col, double retention_cost,
                                const patron_segment_options *opts)
{
    if (!out || !frame || !value_col)
        return patron__fail(PATRON_EINVAL, "patron_segment_worth_saving: %s is NULL",
                            !out ? "out" : !frame ? "frame" : "value_col");
    if (!isfinite(retention_cost))
        return patron__fail(PATRON_EINVAL, "retention cost %g is not a finite number", retention_cost);
    size_t col;
    int rc = patron_frame_find(&col, frame, value_col, PATRON_COL_ANY);
    if (rc)
        return rc;
    int t = patron_frame_col_type(frame, col);
    if (t != PATRON_COL_DOUBLE && t != PATRON_COL_INT64)
        return patron__fail(PATRON_EINVAL, "value column '%s' is not numeric", value_col);
    patron_selection *sel;
    if ((rc = patron_segment_select(&sel, frame, "at_risk", opts)))
        return rc;
    size_t rows = patron_frame_rows(frame);
    const double *d = t == PATRON_COL_DOUBLE ? patron_frame_double(frame, col) : NULL;
    const int64_t *l = t == PATRON_COL_INT64 ? patron_frame_int64(frame, col) : NULL;
    for (size_t r = 0; patron_selection_next(sel, &r); r++) {
        double v = d ? d[r] : (double)l[r];
        if (!(v > retention_cost))
            patron_selection_set(sel, r, 0);
    }
    (void)rows;
    *out = sel;
    return 0;
}
