#include <stdint.h>
#include <string.h>

#include "internal/error.h"
#include "internal/options.h"

int patron__options_copy(void *dst, size_t dst_size, const void *src, size_t min_size,
                         const char *what)
{
    if (src == NULL)
        return PATRON_OK;
    uint32_t size;
    memcpy(&size, src, sizeof size);
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
