/* Internal: reading caller option structs that carry their own size. */
#ifndef PATRON_INTERNAL_OPTIONS_H
#define PATRON_INTERNAL_OPTIONS_H

#include <stddef.h>

/* Copy caller options `src` (whose first member is uint32_t size) over the
 * defaults already in `dst` (known size `dst_size`).
 * - src NULL: keep defaults.
 * - src->size smaller than the first release of the struct (`min_size`): EINVAL.
 * - src->size larger than what we know: accepted only if the unknown tail is
 *   all zero bytes (a newer caller that did not use newer fields); else
 *   EUNSUPPORTED.
 * `what` names the struct in the error message. */
int patron__options_copy(void *dst, size_t dst_size, const void *src, size_t min_size,
                         const char *what);

#endif
