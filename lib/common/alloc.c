#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"

static void *default_malloc(void *ud, size_t n)
{
    (void)ud;
    return malloc(n);
}

static void *default_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    return realloc(p, n);
}

static void default_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

static patron_allocator current = {
    (uint32_t)sizeof(patron_allocator), default_malloc, default_realloc, default_free, NULL,
};

int patron_set_allocator(const patron_allocator *alloc)
{
    if (alloc == NULL) {
        current.malloc_fn = default_malloc;
        current.realloc_fn = default_realloc;
        current.free_fn = default_free;
        current.user_data = NULL;
        return PATRON_OK;
    }
    patron_allocator a;
    memset(&a, 0, sizeof a);
    int rc = patron__options_copy(&a, sizeof a, alloc, sizeof a, "patron_allocator");
    if (rc)
        return rc;
    if (!a.malloc_fn || !a.realloc_fn || !a.free_fn)
        return patron__fail(PATRON_EINVAL, "patron_allocator: malloc_fn, realloc_fn and free_fn must all be set");
    current = a;
    return PATRON_OK;
}

void *patron__malloc(size_t n)
{
    return current.malloc_fn(current.user_data, n ? n : 1);
}

void *patron__calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    size_t n = count * size;
    void *p = patron__malloc(n);
    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

void *patron__realloc(void *p, size_t n)
{
    return current.realloc_fn(current.user_data, p, n ? n : 1);
}

void *patron__reallocarray(void *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    return patron__realloc(p, count * size);
}

int patron__grow(void *arrp, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 16;
    while (nc < need) {
        if (nc > SIZE_MAX / 2)
            return -1;
        nc *= 2;
    }
    void *p;
    memcpy(&p, arrp, sizeof p); /* arrp is a T **: read and write the pointer without aliasing it as void * */
    void *q = patron__reallocarray(p, nc, elem);
    if (!q)
        return -1;
    memcpy(arrp, &q, sizeof q);
    *cap = nc;
    return 0;
}

void patron__free(void *p)
{
    if (p)
        current.free_fn(current.user_data, p);
}

void patron_free(void *p)
{
    patron__free(p);
}

char *patron__strndup(const char *s, size_t n)
{
    char *d = patron__malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *patron__strdup(const char *s)
{
    return patron__strndup(s, strlen(s));
}
