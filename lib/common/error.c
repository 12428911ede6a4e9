#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal/error.h"

/* Long enough for "row N, column 'X': value '...' ..." with a clipped value. */
#define ERRMSG_CAP 512

static _Thread_local char errmsg_buf[ERRMSG_CAP];

const char *patron_strerror(int code)
{
    switch (code) {
    case PATRON_OK: return "success";
    case PATRON_EINVAL: return "invalid argument";
    case PATRON_ENOMEM: return "out of memory";
    case PATRON_EPARSE: return "parse error";
    case PATRON_ENOTFOUND: return "not found";
    case PATRON_ECONFLICT: return "conflict with existing state";
    case PATRON_EBALANCE: return "insufficient balance";
    case PATRON_EIO: return "I/O error";
    case PATRON_ECORRUPT: return "data corrupt";
    case PATRON_ECONVERGE: return "did not converge";
    case PATRON_EUNSUPPORTED: return "unsupported";
    case PATRON_ERANGE: return "out of range";
    case PATRON_EBUSY: return "busy";
    case PATRON_EINTERNAL: return "internal error";
    default: return "unknown error";
    }
}

const char *patron_errmsg(void)
{
    return errmsg_buf;
}

void patron_errclear(void)
{
    errmsg_buf[0] = '\0';
}

int patron__fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg_buf, sizeof errmsg_buf, fmt, ap);
    va_end(ap);
    return code;
}

int patron__fail_prefix(int code, const char *fmt, ...)
{
    char prefix[ERRMSG_CAP];
    char old[ERRMSG_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, errmsg_buf, sizeof old);
    /* Truncation is intended: the message is a bounded diagnostic. */
    size_t n = strlen(prefix);
    size_t room = sizeof errmsg_buf - 1 - n;
    size_t oldlen = strlen(old);
    memcpy(errmsg_buf, prefix, n);
    memcpy(errmsg_buf + n, old, oldlen < room ? oldlen : room);
    errmsg_buf[n + (oldlen < room ? oldlen : room)] = '\0';
    return code;
}
