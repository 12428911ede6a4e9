#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/sbuf.h"
#include "patron/common.h"

static int grow(patron__sbuf *b, size_t extra)
{
    if (b->err)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = patron__realloc(b->p, cap);
    if (!p) {
        b->err = PATRON_ENOMEM;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void patron__sb_putn(patron__sbuf *b, const char *s, size_t n)
{
    if (grow(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void patron__sb_puts(patron__sbuf *b, const char *s)
{
    patron__sb_putn(b, s, strlen(s));
}

void patron__sb_printf(patron__sbuf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->err = PATRON_EINTERNAL;
        return;
    }
    if ((size_t)n < sizeof tmp) {
        patron__sb_putn(b, tmp, (size_t)n);
        return;
    }
    if (grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void patron__sb_json_str(patron__sbuf *b, const char *s)
{
    if (!s) {
        patron__sb_puts(b, "null");
        return;
    }
    patron__sb_putn(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': patron__sb_putn(b, "\\\"", 2); break;
        case '\\': patron__sb_putn(b, "\\\\", 2); break;
        case '\n': patron__sb_putn(b, "\\n", 2); break;
        case '\r': patron__sb_putn(b, "\\r", 2); break;
        case '\t': patron__sb_putn(b, "\\t", 2); break;
        default:
            if (*p < 0x20)
                patron__sb_printf(b, "\\u%04x", *p);
            else
                patron__sb_putn(b, (const char *)p, 1);
        }
    }
    patron__sb_putn(b, "\"", 1);
}

char *patron__sb_take(patron__sbuf *b)
{
    if (b->err || !b->p) {
        if (!b->err && !b->p) {
            b->p = patron__strdup("");
            if (b->p)
                return b->p;
        }
        patron__sb_free(b);
        return NULL;
    }
    char *p = b->p;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void patron__sb_free(patron__sbuf *b)
{
    patron__free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
