/* patron__id_seek() answers as patron__id_lower_bound() does, whatever the
 * order of the lookups and wherever the hint was left: increasing lookups
 * (the bulk readers' case), decreasing, random, repeated, below the first
 * and above the last id, over arrays with repeats and of every small size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "internal/ids.h"

static uint64_t rng = 3;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_seek_equals_lower_bound(void **state)
{
    (void)state;
    int64_t ids[300], q[600];
    for (size_t n = 0; n <= 300; n += n < 20 ? 1 : 37) {
        int64_t v = -50;
        for (size_t i = 0; i < n; i++)
            ids[i] = v += (int64_t)(next() % 4); /* repeats where the step is 0 */
        for (int order = 0; order < 3; order++) {
            for (size_t i = 0; i < 600; i++)
                q[i] = -60 + (int64_t)(next() % (uint64_t)(4 * n + 30));
            if (order < 2)
                qsort(q, 600, sizeof *q, patron__id_cmp);
            size_t hint = order == 1 ? n : 0;
            for (size_t k = 0; k < 600; k++) {
                int64_t x = order == 1 ? q[599 - k] : q[k];
                size_t want = patron__id_lower_bound(ids, n, x);
                assert_int_equal(patron__id_seek(ids, n, x, &hint), want);
                assert_int_equal(hint, want);
            }
            hint = n + 5; /* a stale hint past the end */
            assert_int_equal(patron__id_seek(ids, n, 0, &hint), patron__id_lower_bound(ids, n, 0));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_seek_equals_lower_bound)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
