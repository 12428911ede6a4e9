/* Writing a frame as CSV or JSON to a stdio stream or a caller buffer. */
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"
#include "summary_int.h"

typedef struct {
    char *p;
    size_t n, cap;
    FILE *fp;   /* when set, flushed every block */
    int err;
} sbuf;

static int sb_grow(sbuf *b, size_t extra)
{
    if (b->n + extra <= b->cap)
        return 0;
    size_t nc = b->cap ? b->cap : 1 << 16;
    while (nc < b->n + extra)
        nc *= 2;
    char *p = patron__realloc(b->p, nc);
    if (!p) {
        b->err = PATRON_ENOMEM;
        return -1;
    }
    b->p = p;
    b->cap = nc;
    return 0;
}

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->err || sb_grow(b, n))
        return;
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void sb_flush(sbuf *b)
{
    if (!b->fp || b->err || b->n == 0)
        return;
    if (fwrite(b->p, 1, b->n, b->fp) != b->n)
        b->err = PATRON_EIO;
    b->n = 0;
}

static void put_int(sbuf *b, int64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    sb_put(b, tmp + i, sizeof tmp - i);
}

static void put_csv_string(sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (!strpbrk(s, ",\"\r\n")) {
        sb_put(b, s, n);
        return;
    }
    sb_put(b, "\"", 1);
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        sb_put(b, s, (size_t)(q - s) + 1);
        sb_put(b, "\"", 1);
    }
    sb_put(b, s, strlen(s));
    sb_put(b, "\"", 1);
}

static void put_json_string(sbuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    sb_put(b, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 0x20 && ch != '"' && ch != '\\')
            continue;
        sb_put(b, run, (size_t)(s - run));
        run = s + 1;
        if (ch == '"' || ch == '\\') {
            char e[2] = {'\\', (char)ch};
            sb_put(b, e, 2);
        } else if (ch == '\n') {
            sb_put(b, "\\n", 2);
        } else if (ch == '\t') {
            sb_put(b, "\\t", 2);
        } else if (ch == '\r') {
            sb_put(b, "\\r", 2);
        } else {
            char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            sb_put(b, e, 6);
        }
    }
    sb_put(b, run, (size_t)(s - run));
    sb_put(b, "\"", 1);
}

/* An int64 of minor units as an exact decimal with `d` decimals. */
static void put_minor(sbuf *b, int64_t v, int d)
{
    char tmp[32];
    size_t i = sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    for (int k = 0; k < d; k++) {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    }
    tmp[--i] = '.';
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    sb_put(b, tmp + i, sizeof tmp - i);
}

static void put_value(sbuf *b, const pt_col *c, size_t r, int json, double scale, int d)
{
    char tmp[40];
    switch (c->type) {
    case PATRON_COL_INT64:
        if (c->money && d > 0)
            put_minor(b, ((const int64_t *)c->data)[r], d);
        else
            put_int(b, ((const int64_t *)c->data)[r]);
        break;
    case PATRON_COL_DOUBLE: {
        double v = ((const double *)c->data)[r];
        if (c->money && d > 0)
            v /= scale;
        if (v != v || v - v != 0) { /* NaN or infinite */
            if (json)
                sb_put(b, "null", 4);
            break;
        }
        sb_put(b, tmp, pt_format_double(tmp, v));
        break;
    }
    default:
        if (json)
            put_json_string(b, ((char *const *)c->data)[r]);
        else
            put_csv_string(b, ((char *const *)c->data)[r]);
        break;
    }
}

static int render(const patron_frame *f, sbuf *b, int format, int major, int string_ids)
{
    int d = major ? f->decimals : 0;
    double scale = 1;
    for (int k = 0; k < d; k++)
        scale *= 10;
    if (format == PATRON_FORMAT_CSV) {
        for (size_t j = 0; j < f->ncols; j++) {
            if (j)
                sb_put(b, ",", 1);
            sb_put(b, f->cols[j].name, strlen(f->cols[j].name));
        }
        sb_put(b, "\n", 1);
        for (size_t r = 0; r < f->rows && !b->err; r++) {
            if (f->ncols == 1 && f->cols[0].type == PATRON_COL_STRING &&
                ((char *const *)f->cols[0].data)[r][0] == '\0')
                sb_put(b, "\"\"", 2); /* an empty line would be skipped when read back */
            for (size_t j = 0; j < f->ncols; j++) {
                if (j)
                    sb_put(b, ",", 1);
                put_value(b, &f->cols[j], r, 0, scale, d);
            }
            sb_put(b, "\n", 1);
            if (b->fp && b->n > (1u << 16))
                sb_flush(b);
        }
    } else {
        sb_put(b, "[", 1);
        for (size_t r = 0; r < f->rows && !b->err; r++) {
            sb_put(b, r ? ",\n{" : "\n{", r ? 3 : 2);
            for (size_t j = 0; j < f->ncols; j++) {
                if (j)
                    sb_put(b, ",", 1);
                put_json_string(b, f->cols[j].name);
                sb_put(b, ":", 1);
                int quote = j == 0 && string_ids && f->cols[0].type == PATRON_COL_INT64;
                if (quote)
                    sb_put(b, "\"", 1);
                put_value(b, &f->cols[j], r, 1, scale, d);
                if (quote)
                    sb_put(b, "\"", 1);
            }
            sb_put(b, "}", 1);
            if (b->fp && b->n > (1u << 16))
                sb_flush(b);
        }
        sb_put(b, "\n]\n", 3);
    }
    sb_flush(b);
    return b->err;
}

static int get_format(const patron_frame_write_options *opts, int *format, int *major, int *string_ids)
{
    patron_frame_write_options o = PATRON_FRAME_WRITE_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, PATRON__SIZE_BEFORE(patron_frame_write_options, string_ids),
                                  "patron_frame_write_options");
    if (rc)
        return rc;
    if (o.format != PATRON_FORMAT_CSV && o.format != PATRON_FORMAT_JSON)
        return patron__fail(PATRON_EINVAL, "unknown frame format %d", (int)o.format);
    *format = o.format;
    *major = o.major_units != 0;
    *string_ids = o.string_ids != 0;
    return PATRON_OK;
}

int patron_frame_write(const patron_frame *frame, FILE *fp,
                       const patron_frame_write_options *opts)
{
    if (!frame || !fp)
        return patron__fail(PATRON_EINVAL, "patron_frame_write: NULL argument");
    int format = PATRON_FORMAT_CSV, major = 0, string_ids = 0;
    int rc = get_format(opts, &format, &major, &string_ids);
    if (rc)
        return rc;
    sbuf b = {NULL, 0, 0, fp, 0};
    rc = render(frame, &b, format, major, string_ids);
    patron__free(b.p);
    if (rc == PATRON_EIO)
        return patron__fail(PATRON_EIO, "writing the frame failed");
    if (rc)
        return patron__oom();
    return PATRON_OK;
}

int patron_frame_write_buffer(const patron_frame *frame, char *buf, size_t cap, size_t *len,
                              const patron_frame_write_options *opts)
{
    if (!frame || !len || (!buf && cap))
        return patron__fail(PATRON_EINVAL, "patron_frame_write_buffer: NULL argument");
    int format = PATRON_FORMAT_CSV, major = 0, string_ids = 0;
    int rc = get_format(opts, &format, &major, &string_ids);
    if (rc)
        return rc;
    sbuf b = {NULL, 0, 0, NULL, 0};
    if ((rc = render(frame, &b, format, major, string_ids)) != 0) {
        patron__free(b.p);
        return patron__oom();
    }
    *len = b.n;
    if (cap < b.n + 1) {
        patron__free(b.p);
        return patron__fail(PATRON_ERANGE, "the text needs %zu bytes, the buffer has %zu",
                            b.n + 1, cap);
    }
    memcpy(buf, b.p, b.n);
    buf[b.n] = '\0';
    patron__free(b.p);
    return PATRON_OK;
}
