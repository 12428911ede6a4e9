/* Fault injection through the public allocator hooks: fail the n-th
 * allocation (and every one after it, or only that one) so that a test can
 * walk every allocation along a call path and prove each failure returns
 * PATRON_ENOMEM, leaks nothing and leaves state usable. */
#ifndef PATRON_TEST_FAILALLOC_H
#define PATRON_TEST_FAILALLOC_H

#include <stddef.h>

/* Install the counting allocator. fail_at = 0 never fails; otherwise the
 * fail_at-th allocation (1-based, counting malloc and realloc) fails, and so
 * do all later ones when `sticky` is non-zero. */
void pt_failalloc_install(size_t fail_at, int sticky);
/* With the counting allocator installed: fail the n-th allocation from now
 * (and all later ones when `sticky`), or never when n = 0, without resetting
 * the counters, so that a test can build state first, fail one step, then
 * check and free that state under the same accounting. */
void pt_failalloc_arm(size_t n, int sticky);
/* Restore the C library allocator. */
void pt_failalloc_remove(void);
/* Allocations attempted since install, and blocks currently outstanding. */
size_t pt_failalloc_calls(void);
long pt_failalloc_live(void);
/* Did the installed allocator fail at least once? */
int pt_failalloc_fired(void);

/* Run `op(ctx)` with the n-th allocation (and every later one) failing, for
 * n = 1, 2, ... until op succeeds without any injected failure. `op` must be
 * self-contained: whatever it allocates through libpatron it releases before
 * returning (create, operate, free), so that every run must end with zero
 * live blocks — the walk fails the test on a leak. After each failing run,
 * `check` (may be NULL) asserts that caller-visible state is unchanged. An op
 * that fails must return PATRON_ENOMEM. Returns the allocation points walked. */
size_t pt_failalloc_walk(int (*op)(void *ctx), void (*check)(void *ctx), void *ctx);

#endif
