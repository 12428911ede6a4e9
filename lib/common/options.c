/* The one implementation of the sized-struct rule (lib/internal/options.h). */
#include <stdint.h>
#include <string.h>

#include "internal/error.h"
#include "internal/options.h"

static uint32_t size_of(const void *s)
{
    uint32_t size;
    memcpy(&size, s, sizeof size); /* the struct may be a caller's shorter one: no struct access */
    return size;
}

int patron__options_copy(void *dst, size_t dst_size, const void *src, size_t min_size,
                         const char *what)
{
    if (src == NULL)
        return PATRON_OK;
    uint32_t size = size_of(src);
    if (size < min_size)
        return patron__fail(PATRON_EINVAL,
                            "%s.size is %u; initialise the struct with its _INIT macro", what,
                            (unsigned)size);
    if (size > dst_size) {
        const unsigned char *tail = (const unsigned char *)src + dst_size;
        for (size_t i = 0; i < size - dst_size; i++)
            if (tail[i] != 0)
                return patron__fail(PATRON_EUNSUPPORTED,
                                    "%s sets fields this library version (size %zu) does not know",
                                    what, dst_size);
        size = (uint32_t)dst_size;
    }
    memcpy(dst, src, size);
    memcpy(dst, &(uint32_t){(uint32_t)dst_size}, sizeof(uint32_t));
    return PATRON_OK;
}

int patron__result_check(const void *out, size_t min_size, const char *what)
{
    if (!out)
        return patron__fail(PATRON_EINVAL, "%s: out is NULL", what);
    uint32_t size = size_of(out);
    if (size < min_size)
        return patron__fail(PATRON_EINVAL,
                            "%s: out->size is %u, expected at least %zu (set it to sizeof the struct)",
                            what, (unsigned)size, min_size);
    return PATRON_OK;
}

void patron__result_write(void *out, const void *res, size_t known)
{
    uint32_t size = size_of(out);
    size_t n = size < known ? size : known;
    if (n > sizeof size)
        memcpy((char *)out + sizeof size, (const char *)res + sizeof size, n - sizeof size);
}
