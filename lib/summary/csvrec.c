/* RFC 4180 record splitter: quoted fields with doubled quotes and embedded
 * line breaks, LF or CRLF line ends, blank lines skipped, optional
 * "runs of blanks" delimiter, a block-streamed file or a memory buffer. */
#include <errno.h>
#include <string.h>

#include "csvrec.h"
#include "internal/alloc.h"
#include "internal/error.h"

#define PT_CSV_BLOCK (1u << 20)

static int alloc_work(pt_csv *c)
{
    c->scratch = patron__malloc(PATRON_CSV_LINE_MAX);
    c->f = patron__reallocarray(NULL, PT_CSV_MAXF, sizeof *c->f);
    if (!c->scratch || !c->f) {
        patron__free(c->scratch);
        patron__free(c->f);
        return patron__oom();
    }
    return PATRON_OK;
}

int pt_csv_open_buffer(pt_csv *c, const char *data, size_t len, int delim)
{
    memset(c, 0, sizeof *c);
    c->data = data ? data : "";
    c->len = data ? len : 0;
    c->eof = 1;
    c->delim = delim;
    c->line = 1;
    if (c->len >= 3 && !memcmp(c->data, "\xEF\xBB\xBF", 3))
        c->pos = 3;
    return alloc_work(c);
}

int pt_csv_open_file(pt_csv *c, const char *path, int delim)
{
    memset(c, 0, sizeof *c);
    c->delim = delim;
    c->line = 1;
    c->fp = fopen(path, "rb");
    if (!c->fp)
        return patron__fail(PATRON_EIO, "cannot open '%s': %s", path, strerror(errno));
    c->cap = PT_CSV_BLOCK + PATRON_CSV_LINE_MAX;
    c->buf = patron__malloc(c->cap);
    if (!c->buf) {
        fclose(c->fp);
        c->fp = NULL;
        return patron__oom();
    }
    c->data = c->buf;
    int rc = alloc_work(c);
    if (rc) {
        pt_csv_close(c);
        return rc;
    }
    return PATRON_OK;
}

void pt_csv_close(pt_csv *c)
{
    if (c->fp)
        fclose(c->fp);
    patron__free(c->buf);
    patron__free(c->scratch);
    patron__free(c->f);
    memset(c, 0, sizeof *c);
}

static int refill(pt_csv *c)
{
    size_t rem = c->len - c->pos;
    memmove(c->buf, c->buf + c->pos, rem);
    c->pos = 0;
    c->len = rem;
    int first = c->line == 1 && rem == 0;
    while (c->len < c->cap && !c->eof) {
        size_t got = fread(c->buf + c->len, 1, c->cap - c->len, c->fp);
        c->len += got;
        if (got == 0) {
            if (ferror(c->fp))
                return patron__fail(PATRON_EIO, "read error: %s", strerror(errno));
            c->eof = 1;
        }
    }
    if (first && c->len >= 3 && !memcmp(c->buf, "\xEF\xBB\xBF", 3))
        c->pos = 3;
    return PATRON_OK;
}

enum { NEED_MORE = 1, BAD_QUOTE = 2, UNTERMINATED = 3 };

static inline int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Split s[0..n) into fields. Returns 0 with *used = bytes of the record,
 * or NEED_MORE / BAD_QUOTE / UNTERMINATED (then *used = bytes to skip). */
static int split(pt_csv *c, const char *s, size_t n, size_t *used, uint64_t *nl_out)
{
    const int ws = c->delim == ' ';
    const char d = (char)c->delim;
    size_t i = 0, nf = 0, sp = 0;
    uint64_t nl = 0;
    if (ws)
        while (i < n && is_blank(s[i]))
            i++;
    for (;;) {
        const char *fp;
        size_t fn;
        if (i < n && s[i] == '"') {
            size_t fs = ++i;
            int esc = 0;
            for (;;) {
                const char *q = memchr(s + i, '"', n - i);
                if (!q) {
                    if (!c->eof)
                        return NEED_MORE;
                    *used = n;
                    return UNTERMINATED;
                }
                for (const char *p = s + i; (p = memchr(p, '\n', (size_t)(q - p))) != NULL; p++)
                    nl++;
                i = (size_t)(q - s) + 1;
                if (i == n && !c->eof)
                    return NEED_MORE;
                if (i < n && s[i] == '"') {
                    esc = 1;
                    i++;
                    continue;
                }
                break;
            }
            fp = s + fs;
            fn = i - 1 - fs;
            if (esc) {
                char *o = c->scratch + sp;
                size_t k = 0;
                for (size_t j = 0; j < fn; j++) {
                    o[k++] = fp[j];
                    if (fp[j] == '"')
                        j++;
                }
                fp = o;
                fn = k;
                sp += k;
            }
            if (ws) {
                while (i < n && is_blank(s[i]) && s[i] != '\r')
                    i++;
            }
            if (i < n && s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
                i++;
            if (i < n && s[i] != '\n' && (ws ? 0 : s[i] != d)) {
                /* find the end of the line to skip it */
                const char *e = memchr(s + i, '\n', n - i);
                if (!e && !c->eof)
                    return NEED_MORE;
                *used = e ? (size_t)(e - s) + 1 : n;
                *nl_out = nl + (e ? 1 : 0);
                return BAD_QUOTE;
            }
        } else {
            size_t fs = i;
            if (ws) {
                while (i < n && s[i] != '\n' && !is_blank(s[i]))
                    i++;
            } else {
                while (i < n && s[i] != d && s[i] != '\n')
                    i++;
            }
            if (i == n && !c->eof)
                return NEED_MORE;
            fp = s + fs;
            fn = i - fs;
            if (!ws && fn && fp[fn - 1] == '\r' && (i == n || s[i] == '\n'))
                fn--;
        }
        if (nf < PT_CSV_MAXF) {
            c->f[nf].p = fp;
            c->f[nf].n = fn;
        }
        nf++;
        if (ws) {
            while (i < n && is_blank(s[i]))
                i++;
            if (i == n && !c->eof)
                return NEED_MORE;
            if (i == n || s[i] == '\n')
                break;
            continue; /* another field follows the blanks */
        }
        if (i == n || s[i] == '\n')
            break;
        i++; /* the delimiter */
        if (i == n && !c->eof)
            return NEED_MORE;
    }
    if (i < n) {
        i++; /* the '\n' */
        nl++;
    }
    c->nf = nf;
    *used = i;
    *nl_out = nl;
    return 0;
}

int pt_csv_next(pt_csv *c)
{
    for (;;) {
        if (c->pos >= c->len) {
            if (c->eof)
                return 0;
            int rc = refill(c);
            if (rc)
                return rc;
            continue;
        }
        size_t used = 0;
        uint64_t nl = 0;
        int r = split(c, c->data + c->pos, c->len - c->pos, &used, &nl);
        if (r == NEED_MORE) {
            if (c->len - c->pos >= PATRON_CSV_LINE_MAX || !c->fp)
                return patron__fail(PATRON_ERANGE, "line %llu: record longer than %d bytes",
                                    (unsigned long long)c->line, PATRON_CSV_LINE_MAX);
            int rc = refill(c);
            if (rc)
                return rc;
            continue;
        }
        c->rec_line = c->line;
        c->pos += used;
        c->line += nl;
        if (used > PATRON_CSV_LINE_MAX)
            return patron__fail(PATRON_ERANGE, "line %llu: record longer than %d bytes",
                                (unsigned long long)c->rec_line, PATRON_CSV_LINE_MAX);
        if (r == BAD_QUOTE)
            return patron__fail(PATRON_EPARSE,
                                "line %llu: unexpected character after a closing quote",
                                (unsigned long long)c->rec_line);
        if (r == UNTERMINATED)
            return patron__fail(PATRON_EPARSE, "line %llu: quoted field is not closed",
                                (unsigned long long)c->rec_line);
        if (memchr(c->data + c->pos - used, '\0', used))
            return patron__fail(PATRON_EPARSE,
                                "line %llu: NUL byte in the record (not a text CSV file; UTF-16?)",
                                (unsigned long long)c->rec_line);
        if (c->nf == 1 && c->f[0].n == 0 && c->data[c->pos - used] != '"')
            continue; /* blank line */
        return 1;
    }
}
