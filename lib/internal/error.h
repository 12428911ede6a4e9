/* Internal: recording failures for patron_errmsg(). */
#ifndef PATRON_INTERNAL_ERROR_H
#define PATRON_INTERNAL_ERROR_H

#include "patron/common.h"

#if defined(__GNUC__) || defined(__clang__)
#define PATRON_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PATRON_PRINTF(a, b)
#endif

/* Record a formatted detail for the calling thread and return `code`, so
 * that failure paths read `return patron__fail(PATRON_EINVAL, "...", ...);`. */
int patron__fail(int code, const char *fmt, ...) PATRON_PRINTF(2, 3);

/* Prepend context ("row 17: ") to the message already recorded, keeping the
 * code; used when a lower layer failed and the caller knows where. */
int patron__fail_prefix(int code, const char *fmt, ...) PATRON_PRINTF(2, 3);

/* Shorthand for the most common failure. */
#define patron__oom() patron__fail(PATRON_ENOMEM, "out of memory")

#endif
