/* Large arrays that are accessed at random (hash tables, per-customer
 * state) are aligned on 2 MiB and, on Linux, marked for transparent huge
 * pages: with 4 KiB pages every random access is also a TLB miss. The
 * memory still comes from the embedder's allocator. */
#define _DEFAULT_SOURCE 1
#include <stdint.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "internal/alloc.h"
#include "summary_int.h"

#define HUGE_PAGE ((size_t)2 << 20)

void *pt_big_alloc(size_t n, void **raw)
{
    if (n < 2 * HUGE_PAGE) {
        *raw = patron__malloc(n ? n : 1);
        return *raw;
    }
    if (n > SIZE_MAX - HUGE_PAGE)
        return *raw = NULL;
    char *r = patron__malloc(n + HUGE_PAGE);
    *raw = r;
    if (!r)
        return NULL;
    char *p = (char *)(((uintptr_t)r + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    (void)madvise(p, n & ~(HUGE_PAGE - 1), MADV_HUGEPAGE); /* a hint; failure is harmless */
#endif
    return p;
}
