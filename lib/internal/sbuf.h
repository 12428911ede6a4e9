/* Internal: a growable string buffer (allocations through the hooks) with
 * JSON string escaping. Errors are sticky: after a failed append, `err` is
 * PATRON_ENOMEM and further appends do nothing. */
#ifndef PATRON_INTERNAL_SBUF_H
#define PATRON_INTERNAL_SBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct patron__sbuf {
    char *p;
    size_t len, cap;
    int err;
} patron__sbuf;

void patron__sb_puts(patron__sbuf *b, const char *s);
void patron__sb_putn(patron__sbuf *b, const char *s, size_t n);
void patron__sb_printf(patron__sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* "..." with JSON escapes; NULL appends null. */
void patron__sb_json_str(patron__sbuf *b, const char *s);
/* Take the string (caller frees with patron__free) or, on error, free it and return NULL. */
char *patron__sb_take(patron__sbuf *b);
void patron__sb_free(patron__sbuf *b);

#endif
