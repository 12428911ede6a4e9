/* Internal: every allocation goes through the embedder's hooks. */
#ifndef PATRON_INTERNAL_ALLOC_H
#define PATRON_INTERNAL_ALLOC_H

#include <stddef.h>

void *patron__malloc(size_t n);
void *patron__calloc(size_t count, size_t size); /* overflow-checked, zeroed */
void *patron__realloc(void *p, size_t n);
/* realloc for arrays: NULL (and p untouched) on overflow or failure. */
void *patron__reallocarray(void *p, size_t count, size_t size);
void patron__free(void *p);
/* Make room for `need` elements of `elem` bytes in the growable array whose
 * pointer is at `arrp` (a `T **`) and whose capacity is `*cap`, doubling the
 * capacity (16 at least). 0 on success; -1 (array untouched, no message
 * recorded) on overflow or out of memory. */
int patron__grow(void *arrp, size_t *cap, size_t need, size_t elem);
char *patron__strdup(const char *s);
char *patron__strndup(const char *s, size_t n);

#endif
