/* Loading purchases from CSV text into a transaction log, all or nothing
 * (or skipping bad rows with a report). */
#include <inttypes.h>
#include <sys/stat.h>
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
    size_t width;            /* fields a row may have (header's, or the first record's); 0 = not yet known */
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
    if (o->extra_fields != 0 && o->extra_fields != 1)
        return patron__fail(PATRON_EINVAL, "extra_fields is %lld, expected 0 or 1",
                            (long long)o->extra_fields);
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
    L->width = c->nf;
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

/* One parsed row waiting in a batch. Rows are parsed a batch at a time so
 * that the hash-table slots of their ids can be prefetched before the rows
 * are appended: the cache misses of a batch then overlap. */
typedef struct {
    const char *id, *cat, *ord; /* copies in the batch arena */
    size_t idlen, catlen, ordlen;
    int64_t id_int, t, a;
    uint64_t h;
    uint64_t line, row;
    int rc;  /* status of parsing; the batch stops at the first failure */
    int col; /* 0-based column of a bad field, -1 for the whole record */
    int malformed; /* the reader rejected the record (its message names the line) */
} rowrec;

enum { BATCH = 32, FIELD_COPY = PATRON_ID_MAX + 1 };

static const char *copy_field(char **arena, const pt_field *f, size_t *len)
{
    size_t n = f->n < FIELD_COPY ? f->n : FIELD_COPY; /* longer: rejected later by length */
    char *dst = *arena;
    memcpy(dst, f->p, n);
    *arena += n;
    *len = f->n;
    return dst;
}

/* Parse the current record into e (fields copied to *arena). */
static int parse_row(loader *L, pt_csv *c, patron_txlog *log, rowrec *e, char **arena)
{
    e->col = -1;
    if (c->nf < L->need)
        return patron__fail(PATRON_EPARSE, "the row has %zu field%s, expected at least %zu",
                            c->nf, c->nf == 1 ? "" : "s", L->need);
    if (!L->width)
        L->width = c->nf; /* no header: the first record sets the width */
    if (c->nf > L->width && !L->o.extra_fields) {
        const pt_field *x = &c->f[L->width < PT_CSV_MAXF ? L->width : PT_CSV_MAXF - 1];
        return patron__fail(PATRON_EPARSE,
                            "the row has %zu fields, the %s %zu: field %zu '%.*s' is extra (an "
                            "unquoted decimal comma? quote the field or use another delimiter; "
                            "extra_fields = 1 ignores extra fields)",
                            c->nf, L->o.has_header ? "header has" : "first row has", L->width,
                            L->width + 1, (int)(x->n > 40 ? 40 : x->n), x->p);
    }
    const pt_field *f = c->f;
    const pt_field *fc = &f[L->idx[ROLE_CUST]];
    pt_field ft = f[L->idx[ROLE_TIME]], fa = f[L->idx[ROLE_AMOUNT]];
    int rc;
    if (L->o.integer_ids) {
        const char *p = fc->p;
        size_t n = fc->n;
        trim(&p, &n);
        e->col = L->idx[ROLE_CUST];
        if (n == 0)
            return patron__fail(PATRON_EINVAL, "customer id is empty");
        if ((rc = parse_int_id(p, n, &e->id_int)) != 0)
            return rc;
        e->h = pt_hash_int(e->id_int);
    } else {
        e->col = L->idx[ROLE_CUST];
        if (fc->n == 0)
            return patron__fail(PATRON_EINVAL, "customer id is empty");
        if (fc->n > PATRON_ID_MAX)
            return patron__fail(PATRON_ERANGE, "customer id '%.40s...' is %zu bytes (maximum %d)",
                                fc->p, fc->n, PATRON_ID_MAX);
        if (memchr(fc->p, '\0', fc->n))
            return patron__fail(PATRON_EINVAL, "customer id contains a NUL byte");
        e->id = copy_field(arena, fc, &e->idlen);
        e->h = pt_hash_str(e->id, e->idlen);
    }
    trim(&ft.p, &ft.n);
    e->col = L->idx[ROLE_TIME];
    if ((rc = patron_time_parse(&e->t, ft.p, ft.n, L->o.time_format)) != 0)
        return rc;
    trim(&fa.p, &fa.n);
    e->col = L->idx[ROLE_AMOUNT];
    if ((rc = pt_parse_amount(fa.p, fa.n, log->decimals, L->o.rounding, &e->a)) != 0)
        return rc;
    e->catlen = e->ordlen = 0;
    if (L->idx[ROLE_CAT] >= 0) {
        e->col = L->idx[ROLE_CAT];
        e->cat = copy_field(arena, &f[L->idx[ROLE_CAT]], &e->catlen);
        if (e->catlen > PATRON_ID_MAX)
            return patron__fail(PATRON_ERANGE, "category is %zu bytes (maximum %d)", e->catlen,
                                PATRON_ID_MAX);
    }
    if (L->idx[ROLE_ORDER] >= 0) {
        e->col = L->idx[ROLE_ORDER];
        e->ord = copy_field(arena, &f[L->idx[ROLE_ORDER]], &e->ordlen);
        if (e->ordlen > PATRON_ID_MAX)
            return patron__fail(PATRON_ERANGE, "order id is %zu bytes (maximum %d)", e->ordlen,
                                PATRON_ID_MAX);
    }
    e->col = -1;
    return PATRON_OK;
}

static int push_row(loader *L, patron_txlog *log, rowrec *e)
{
    int rc = pt_txlog_reserve(log, 1);
    if (rc)
        return rc;
    if (L->o.integer_ids)
        rc = pt_txlog_push_int(log, e->id_int, e->t, e->a, e->cat, e->catlen, e->ord, e->ordlen);
    else
        rc = pt_txlog_push_str_h(log, e->id, e->idlen, e->h, e->t, e->a, e->cat, e->catlen, e->ord,
                                 e->ordlen);
    if (rc && rc != PATRON_ENOMEM)
        e->col = L->idx[ROLE_CUST];
    return rc;
}

static const char *col_name(const loader *L, int col)
{
    for (int r = 0; r < NROLES; r++)
        if (L->idx[r] == col)
            return L->names[r];
    return "";
}

static int resolve(loader *L, const patron_csv_options *opts)
{
    memset(L, 0, sizeof *L);
    patron_csv_options def = PATRON_CSV_OPTIONS_INIT;
    L->o = def;
    int rc = patron__options_copy(&L->o, sizeof L->o, opts,
                                  PATRON__SIZE_BEFORE(patron_csv_options, extra_fields),
                                  "patron_csv_options");
    if (rc)
        return rc;
    return check_options(L);
}

/* Bytes of the input consumed so far (a file: read minus not yet parsed). */
static uint64_t bytes_read(const pt_csv *c)
{
    if (!c->fp)
        return c->pos;
    long at = ftell(c->fp);
    if (at < 0)
        return 0;
    uint64_t unparsed = c->len - c->pos;
    return (uint64_t)at > unparsed ? (uint64_t)at - unparsed : 0;
}

static int load(patron_txlog *log, pt_csv *c, loader *Lp, patron_csv_report *report)
{
    loader L = *Lp;
    int rc;
    if (report && (rc = patron__result_check(report, sizeof(patron_csv_report), "patron_csv_report")))
        return rc;
    if (L.o.integer_ids ? log->cust.kind == PT_ID_STR : log->cust.kind == PT_ID_INT)
        return patron__fail(PATRON_EINVAL, "the log has %s customer ids but integer_ids is %d",
                            log->cust.kind == PT_ID_INT ? "integer" : "string",
                            (int)L.o.integer_ids);
    if (L.o.has_header && (rc = read_header(&L, c)) != 0)
        return rc;
    for (int r = 0; r < NROLES; r++)
        if (L.idx[r] >= 0 && (size_t)L.idx[r] + 1 > L.need)
            L.need = (size_t)L.idx[r] + 1;

    rowrec *batch = patron__reallocarray(NULL, BATCH, sizeof *batch);
    char *arena = patron__malloc((size_t)BATCH * 3 * FIELD_COPY);
    if (!batch || !arena) {
        patron__free(batch);
        patron__free(arena);
        return patron__oom();
    }
    patron_csv_report rep = PATRON_CSV_REPORT_INIT;
    const size_t n0 = log->n, nc0 = log->cust.n, nk0 = log->cats.n, ol0 = log->olen;
    uint64_t row = 0;
    int eof = 0;
    /* Progress for the caller's display: bytes read of the input's size. */
    uint64_t size = 0, next_report = 0, report_step = 1u << 20;
    if (L.o.progress) {
        struct stat st;
        if (!c->fp)
            size = c->len;
        else if (fstat(fileno(c->fp), &st) == 0 && S_ISREG(st.st_mode))
            size = (uint64_t)st.st_size;
        if (size / 100 > report_step)
            report_step = size / 100;
    }
    rc = PATRON_OK;
    while (!eof && rc == PATRON_OK) {
        if (L.o.progress) {
            uint64_t done = bytes_read(c);
            if (done >= next_report) {
                L.o.progress(L.o.progress_data, size && done > size ? size : done, size);
                next_report = done + report_step;
            }
        }
        /* 1. parse up to BATCH rows, stopping after a bad one */
        size_t nb = 0;
        char *ap = arena;
        while (nb < BATCH) {
            int got = pt_csv_next(c);
            if (got == 0) {
                eof = 1;
                break;
            }
            if (got < 0 && got != PATRON_EPARSE) {
                rc = got; /* fatal: I/O, memory, over-long record */
                break;
            }
            rowrec *e = &batch[nb++];
            e->line = c->rec_line;
            e->row = ++row;
            e->col = -1;
            e->malformed = got < 0;
            e->rc = got < 0 ? got : parse_row(&L, c, log, e, &ap);
            if (e->rc)
                break;
            pt_idmap_prefetch(&log->cust, e->h);
        }
        if (rc)
            break;
        /* 2. append them in order */
        for (size_t k = 0; k < nb && rc == PATRON_OK; k++) {
            rowrec *e = &batch[k];
            int r = e->rc;
            if (r == PATRON_OK && (r = push_row(&L, log, e)) == PATRON_OK) {
                rep.rows_loaded++;
                continue;
            }
            if (r == PATRON_ENOMEM) {
                rc = r;
                break;
            }
            if (e->col >= 0)
                patron__fail_prefix(r, "line %llu (row %llu), column %d '%s': ",
                                    (unsigned long long)e->line, (unsigned long long)e->row,
                                    e->col + 1, col_name(&L, e->col));
            else if (!e->malformed)
                patron__fail_prefix(r, "line %llu (row %llu): ", (unsigned long long)e->line,
                                    (unsigned long long)e->row);
            if (!L.o.skip_invalid) {
                rc = r;
                break;
            }
            if (rep.errors_kept < PATRON_CSV_REPORT_ERRORS) {
                patron_csv_error *er = &rep.errors[rep.errors_kept++];
                er->line = e->line;
                er->row = e->row;
                er->column = e->col + 1;
                er->code = r;
                snprintf(er->message, sizeof er->message, "%s", patron_errmsg());
            }
            rep.rows_skipped++;
        }
    }
    patron__free(batch);
    patron__free(arena);
    if (rc) {
        pt_txlog_truncate(log, n0, nc0, nk0, ol0);
        return rc;
    }
    rep.rows_read = row;
    if (L.o.progress) {
        uint64_t done = bytes_read(c);
        L.o.progress(L.o.progress_data, size ? size : done, size ? size : done);
    }
    if (report)
        patron__result_write(report, &rep, sizeof rep);
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
