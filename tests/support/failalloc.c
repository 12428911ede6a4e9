#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "failalloc.h"
#include "patron/common.h"

static size_t calls, fail_at;
static int sticky, fired;
static long live;

static int should_fail(void)
{
    calls++;
    if (fail_at && (calls == fail_at || (sticky && calls > fail_at))) {
        fired = 1;
        return 1;
    }
    return 0;
}

static void *fa_malloc(void *ud, size_t n)
{
    (void)ud;
    if (should_fail())
        return NULL;
    void *p = malloc(n);
    if (p)
        live++;
    return p;
}

static void *fa_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    if (should_fail())
        return NULL;
    void *q = realloc(p, n);
    if (q && !p)
        live++;
    return q;
}

static void fa_free(void *ud, void *p)
{
    (void)ud;
    if (p) {
        live--;
        free(p);
    }
}

void pt_failalloc_install(size_t n, int is_sticky)
{
    patron_allocator a = PATRON_ALLOCATOR_INIT;
    a.malloc_fn = fa_malloc;
    a.realloc_fn = fa_realloc;
    a.free_fn = fa_free;
    calls = 0;
    fail_at = n;
    sticky = is_sticky;
    fired = 0;
    live = 0;
    patron_set_allocator(&a);
}

void pt_failalloc_arm(size_t n, int is_sticky)
{
    fail_at = n ? calls + n : 0;
    sticky = is_sticky;
    fired = 0;
}

void pt_failalloc_remove(void)
{
    patron_set_allocator(NULL);
}

size_t pt_failalloc_calls(void)
{
    return calls;
}

long pt_failalloc_live(void)
{
    return live;
}

int pt_failalloc_fired(void)
{
    return fired;
}

size_t pt_failalloc_walk(int (*op)(void *ctx), void (*check)(void *ctx), void *ctx)
{
    for (size_t n = 1;; n++) {
        pt_failalloc_install(n, 1);
        int rc = op(ctx);
        int did_fire = fired;
        long leaked = live;
        pt_failalloc_remove();
        if (leaked != 0)
            fail_msg("allocation %zu failing (rc %d): %ld block(s) leaked", n, rc, leaked);
        if (!did_fire) {
            assert_int_equal(rc, PATRON_OK);
            return n - 1;
        }
        if (rc != PATRON_OK) {
            if (rc != PATRON_ENOMEM)
                fail_msg("allocation %zu failed but the call returned %d (%s), not PATRON_ENOMEM", n,
                         rc, patron_strerror(rc));
            if (check)
                check(ctx);
        }
        /* An op may succeed despite a failed allocation (e.g. an optional
         * cache); that is fine as long as it reported success honestly. */
    }
}
