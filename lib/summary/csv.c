/* Loading purchases from CSV text into a transaction log, all or nothing
 * (or skipping bad rows with a report). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "csvrec.h"
#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"
#include "summary_int.h"

enum { ROLE_CUST, ROLE_TIME, ROLE_AMOUNT, ROLE_CAT, ROLE_ORDER, NROLES };

typedef struct {
    patron_csv_options o;
    int32_t idx[NROLES];     /* column index per role, -1 = absent */
    char names[NROLES][PATRON_COLNAME_MAX + 1];
    size_t need;             /* fields a row must have */
} loader;

static const char *role_word[NROLES] = {"customer", "time", "amount", "category", "order"};

static int check_options(loader *L)
{
    const patron_csv_options *o = &L->o;
    const char *cols[NROLES] = {o->customer_col, o->time_col, o->amount_col, o->category_col,
                                o->order_col};
    const int32_t idx[NROLES] = {o->customer_index, o->time_index, o->amount_index,
                                 o->category_index, o->order_index};
    if (o->delimiter <= 0 || o->delimiter > 127 || o->delimiter == '"' || o->delimiter == '\n' ||
        o->delimiter == '\r')
        return patron__fail(PATRON_EINVAL, "delimiter %d is not usable", (int)o->delimiter);
    if (o->time_format < PATRON_TIME_AUTO || o->time_format > PATRON_TIME_YYYYMMDD)
        return patron__fail(PATRON_EINVAL, "unknown time_format %d", (int)o->time_format);
    if (o->rounding < PATRON_ROUND_EXACT || o->rounding > PATRON_ROUND_TRUNCATE)
        return patron__fail(PATRON_EINVAL, "unknown rounding %d", (int)o->rounding);
    for (int r = 0; r < NROLES; r++) {
        L->idx[r] = -1;
        L->names[r][0] = '\0';
        if (idx[r] >= PT_CSV_MAXF)
            return patron__fail(PATRON_ERANGE, "%s column index %d is beyond the %d supported",
                                role_word[r], (int)idx[r], PT_CSV_MAXF);
        if (idx[r] >= 0) {
            L->idx[r] = idx[r];
            snprintf(L->names[r], sizeof L->names[r], "%s",
                     cols[r] && o->has_header ? cols[r] : role_word[r]);
        } else if (r < ROLE_CAT && !o->has_header) {
            return patron__fail(PATRON_EINVAL,
                                "without a header row the %s column needs an index (%s_index)",
                                role_word[r], r == ROLE_CUST ? "customer" : role_word[r]);
        } else if (r < ROLE_CAT && !cols[r]) {
            return patron__fail(PATRON_EINVAL, "no %s column given", role_word[r]);
        }
    }
    return PATRON_OK;
}

/* Resolve named columns from the header record. */
static int read_header(loader *L, pt_csv *c)
{
    const patron_csv_options *o = &L->o;
    const char *cols[NROLES] = {o->customer_col, o->time_col, o->amount_col, o->category_col,
                                o->order_col};
    int rc = pt_csv_next(c);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return patron__fail(PATRON_EPARSE, "the input is empty: expected a header row");
    size_t nf = c->nf < PT_CSV_MAXF ? c->nf : PT_CSV_MAXF;
    for (int r = 0; r < NROLES; r++) {
        if (L->idx[r] >= 0 || !cols[r])
            continue;
        size_t want = strlen(cols[r]);
        for (size_t j = 0; j < nf; j++) {
            if (c->f[j].n == want && !memcmp(c->f[j].p, cols[r], want)) {
                L->idx[r] = (int32_t)j;
                break;
            }
        }
        if (L->idx[r] < 0) {
            char list[160];
            size_t pos = 0;
            for (size_t j = 0; j < nf && pos + 8 < sizeof list; j++) {
                int k = snprintf(list + pos, sizeof list - pos, "%s'%.*s'", j ? ", " : "",
                                 (int)(c->f[j].n > 24 ? 24 : c->f[j].n), c->f[j].p);
                if (k < 0)
                    break;
                pos += (size_t)k;
            }
            if (pos >= sizeof list)
                pos = sizeof list - 1;
            list[pos] = '\0';
            return patron__fail(PATRON_EINVAL,
                                "line %llu: %s column '%s' is not in the header (columns: %s)",
                                (unsigned long long)c->rec_line, role_word[r], cols[r], list);
        }
        snprintf(L->names[r], sizeof L->names[r], "%s", cols[r]);
    }
    return PATRON_OK;
}

static void trim(const char **p, size_t *n)
{
    while (*n && ((*p)[0] == ' ' || (*p)[0] == '\t'))
        (*p)++, (*n)--;
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
        (*n)--;
}

static int parse_int_id(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (n && (s[0] == '-' || s[0] == '+'))
        neg = s[i++] == '-';
    if (i == n)
        return patron__fail(PATRON_EPARSE, "value '%.*s' is not an integer customer id",
                            (int)(n > 64 ? 64 : n), s);
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
            return patron__fail(PATRON_EPARSE, "value '%.*s' is not an integer customer id",
                                (int)(n > 64 ? 64 : n), s);
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX + (uint64_t)neg)
        return patron__fail(PATRON_ERANGE, "customer id '%.*s' does not fit in int64",
                            (int)(n > 64 ? 64 : n), s);
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return PATRON_OK;
}

/* Convert and append the current record. On failure *col is the 0-based
 * column of the bad field (-1 for the whole record) and the message says
 * what is wrong with the value. */
static int load_row(loader *L, pt_csv *c, patron_txlog *log, int *col)
{
    *col = -1;
    if (c->nf < L->need)
        return patron__fail(PATRON_EPARSE, "the row has %zu field%s, expected at least %zu",
                            c->nf, c->nf == 1 ? "" : "s", L->need);
    const pt_field *f = c->f;
    const pt_field *fc = &f[L->idx[ROLE_CUST]];
    pt_field ft = f[L->idx[ROLE_TIME]], fa = f[L->idx[ROLE_AMOUNT]];
    int64_t t, a, id = 0;
    int rc;
    if (L->o.integer_ids) {
        const char *p = fc->p;
        size_t n = fc->n;
        trim(&p, &n);
        if (n == 0) {
            *col = L->idx[ROLE_CUST];
            return patron__fail(PATRON_EINVAL, "customer id is empty");
        }
        if ((rc = parse_int_id(p, n, &id)) != 0) {
            *col = L->idx[ROLE_CUST];
            return rc;
        }
    } else if (fc->n == 0) {
        *col = L->idx[ROLE_CUST];
        return patron__fail(PATRON_EINVAL, "customer id is empty");
    }
    trim(&ft.p, &ft.n);
    if ((rc = patron_time_parse(&t, ft.p, ft.n, L->o.time_format)) != 0) {
        *col = L->idx[ROLE_TIME];
        return rc;
    }
    trim(&fa.p, &fa.n);
    if ((rc = pt_parse_amount(fa.p, fa.n, log->decimals, L->o.rounding, &a)) != 0) {
        *col = L->idx[ROLE_AMOUNT];
        return rc;
    }
    const char *cp = NULL, *op = NULL;
    size_t cn = 0, on = 0;
    if (L->idx[ROLE_CAT] >= 0) {
        cp = f[L->idx[ROLE_CAT]].p;
        cn = f[L->idx[ROLE_CAT]].n;
    }
    if (L->idx[ROLE_ORDER] >= 0) {
        op = f[L->idx[ROLE_ORDER]].p;
        on = f[L->idx[ROLE_ORDER]].n;
    }
    if ((rc = pt_txlog_reserve(log, 1)) != 0)
        return rc;
    if (L->o.integer_ids)
        rc = pt_txlog_push_int(log, id, t, a, cp, cn, op, on);
    else
        rc = pt_txlog_push_str(log, fc->p, fc->n, t, a, cp, cn, op, on);
    if (rc && rc != PATRON_ENOMEM)
        *col = L->idx[ROLE_CUST];
    return rc;
}

static int resolve(loader *L, const patron_csv_options *opts)
{
    memset(L, 0, sizeof *L);
    patron_csv_options def = PATRON_CSV_OPTIONS_INIT;
    L->o = def;
    int rc = patron__options_copy(&L->o, sizeof L->o, opts, sizeof L->o, "patron_csv_options");
    if (rc)
        return rc;
    return check_options(L);
}

static int load(patron_txlog *log, pt_csv *c, loader *Lp, patron_csv_report *report)
{
    loader L = *Lp;
    int rc;
    if (report && report->size < sizeof(uint32_t) + 3 * sizeof(uint64_t))
        return patron__fail(PATRON_EINVAL, "patron_csv_report.size is not set (use PATRON_CSV_REPORT_INIT)");
    if (L.o.integer_ids ? log->cust.kind == PT_ID_STR : log->cust.kind == PT_ID_INT)
        return patron__fail(PATRON_EINVAL, "the log has %s customer ids but integer_ids is %d",
                            log->cust.kind == PT_ID_INT ? "integer" : "string",
                            (int)L.o.integer_ids);
    if (L.o.has_header && (rc = read_header(&L, c)) != 0)
        return rc;
    for (int r = 0; r < NROLES; r++)
        if (L.idx[r] >= 0 && (size_t)L.idx[r] + 1 > L.need)
            L.need = (size_t)L.idx[r] + 1;

    patron_csv_report rep = PATRON_CSV_REPORT_INIT;
    const size_t n0 = log->n, nc0 = log->cust.n, nk0 = log->cats.n, ol0 = log->olen;
    uint64_t row = 0;
    for (;;) {
        int got = pt_csv_next(c);
        if (got == 0)
            break;
        int col = -1;
        if (got > 0) {
            row++;
            rc = load_row(&L, c, log, &col);
        } else {
            rc = got;
            row++;
        }
        if (rc == PATRON_OK) {
            rep.rows_loaded++;
            continue;
        }
        if (rc == PATRON_ENOMEM || rc == PATRON_EIO || (got < 0 && rc == PATRON_ERANGE)) {
            pt_txlog_truncate(log, n0, nc0, nk0, ol0);
            return rc;
        }
        /* A bad row: name where it is. */
        if (got > 0 && col >= 0)
            patron__fail_prefix(rc, "line %llu (row %llu), column %d '%s': ",
                                (unsigned long long)c->rec_line, (unsigned long long)row, col + 1,
                                col == L.idx[ROLE_CUST]     ? L.names[ROLE_CUST]
                                : col == L.idx[ROLE_TIME]   ? L.names[ROLE_TIME]
                                : col == L.idx[ROLE_AMOUNT] ? L.names[ROLE_AMOUNT]
                                                            : "");
        else if (got > 0)
            patron__fail_prefix(rc, "line %llu (row %llu): ", (unsigned long long)c->rec_line,
                                (unsigned long long)row);
        if (!L.o.skip_invalid) {
            pt_txlog_truncate(log, n0, nc0, nk0, ol0);
            return rc;
        }
        if (rep.errors_kept < PATRON_CSV_REPORT_ERRORS) {
            patron_csv_error *e = &rep.errors[rep.errors_kept++];
            e->line = c->rec_line;
            e->row = row;
            e->column = col + 1;
            e->code = rc;
            snprintf(e->message, sizeof e->message, "%s", patron_errmsg());
        }
        rep.rows_skipped++;
    }
    rep.rows_read = row;
    if (report) {
        uint32_t size = report->size < sizeof rep ? report->size : (uint32_t)sizeof rep;
        memcpy((char *)report + sizeof(uint32_t), (char *)&rep + sizeof(uint32_t),
               size - sizeof(uint32_t));
    }
    return PATRON_OK;
}

int patron_txlog_load_csv_buffer(patron_txlog *log, const char *data, size_t len,
                                 const patron_csv_options *opts, patron_csv_report *report)
{
    if (!log || (!data && len))
        return patron__fail(PATRON_EINVAL, "patron_txlog_load_csv_buffer: NULL argument");
    loader L;
    int rc = resolve(&L, opts);
    if (rc)
        return rc;
    pt_csv c;
    if ((rc = pt_csv_open_buffer(&c, data, len, L.o.delimiter)) != 0)
        return rc;
    rc = load(log, &c, &L, report);
    pt_csv_close(&c);
    return rc;
}

int patron_txlog_load_csv(patron_txlog *log, const char *path, const patron_csv_options *opts,
                          patron_csv_report *report)
{
    if (!log || !path)
        return patron__fail(PATRON_EINVAL, "patron_txlog_load_csv: NULL argument");
    loader L;
    int rc = resolve(&L, opts);
    if (rc)
        return rc;
    pt_csv c;
    if ((rc = pt_csv_open_file(&c, path, L.o.delimiter)) != 0)
        return rc;
    rc = load(log, &c, &L, report);
    pt_csv_close(&c);
    if (rc)
        patron__fail_prefix(rc, "%s: ", path);
    return rc;
}
