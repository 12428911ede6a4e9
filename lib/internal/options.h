/* Internal: the one rule for size-carrying structs (docs/guide/conventions.md,
 * "Sized structs"). Every options struct a caller passes in and every result
 * struct the library fills starts with `uint32_t size`, which the caller sets
 * to sizeof the struct as *its* headers declare it. The library:
 *  - accepts any size from the struct's first-release size (`min_size`: the
 *    size it had in the first version that exported it) upwards; a smaller
 *    size is EINVAL, because no header ever declared it;
 *  - options (read): reads only `size` bytes; members past them keep the
 *    defaults of the library's _INIT macro; a size larger than the library
 *    knows is accepted only if the unknown tail is all zero bytes (a newer
 *    caller that did not use newer fields), else EUNSUPPORTED;
 *  - results (written): writes min(size, known) bytes and never a byte past
 *    the caller's size; `size` itself is left as the caller set it.
 * A struct that grows gives its first-release size with
 * PATRON__SIZE_BEFORE(type, first appended member). An appended member must
 * start at or past the old sizeof, never inside the old tail padding (a
 * caller's size covers that padding but its initialiser need not zero it):
 * tests/abi/test_sized_structs.c checks that the first-release sizes it
 * knows are prefixes. */
#ifndef PATRON_INTERNAL_OPTIONS_H
#define PATRON_INTERNAL_OPTIONS_H

#include <stddef.h>

/* Size of `type` before `member`: the first-release size of a struct whose
 * first appended member is `member`. */
#define PATRON__SIZE_BEFORE(type, member) offsetof(type, member)

/* Copy caller options `src` (NULL: keep the defaults) over the defaults
 * already in `dst` (known size `dst_size`), by the rule above. `what` names
 * the struct in the error message. */
int patron__options_copy(void *dst, size_t dst_size, const void *src, size_t min_size,
                         const char *what);

/* Check a caller's result struct before any work: not NULL and
 * size >= min_size, else EINVAL naming `what`. */
int patron__result_check(const void *out, size_t min_size, const char *what);

/* Write the complete result `res` (known size `known`, its own size member
 * ignored) into the caller's `out`: min(out->size, known) bytes, keeping
 * out->size. Call only after patron__result_check succeeded. */
void patron__result_write(void *out, const void *res, size_t known);

#endif
