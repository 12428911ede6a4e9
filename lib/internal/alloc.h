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
char *patron__strdup(const char *s);
char *patron__strndup(const char *s, size_t n);

#endif
