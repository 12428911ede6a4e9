#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"
#include "patron.h"

static void test_strerror_covers_every_code(void **state)
{
    (void)state;
    assert_string_equal(patron_strerror(PATRON_OK), "success");
    for (int code = PATRON_EINVAL; code >= PATRON_EINTERNAL; code--)
        assert_string_not_equal(patron_strerror(code), "unknown error");
    assert_string_equal(patron_strerror(12345), "unknown error");
    assert_string_equal(patron_strerror(PATRON_EBALANCE), "insufficient balance");
}

static void test_errmsg_is_recorded_and_cleared(void **state)
{
    (void)state;
    patron_errclear();
    assert_string_equal(patron_errmsg(), "");
    assert_int_equal(patron__fail(PATRON_EPARSE, "row %d: bad '%s'", 17, "12,5"), PATRON_EPARSE);
    assert_string_equal(patron_errmsg(), "row 17: bad '12,5'");
    patron__fail_prefix(PATRON_EPARSE, "file x.csv: ");
    assert_string_equal(patron_errmsg(), "file x.csv: row 17: bad '12,5'");
    patron_errclear();
    assert_string_equal(patron_errmsg(), "");
}

static void test_errmsg_truncates_long_messages(void **state)
{
    (void)state;
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    patron__fail(PATRON_EINVAL, "%s", big);
    size_t n = strlen(patron_errmsg());
    assert_true(n > 100 && n < sizeof big);
}

static void test_version_header_matches_library(void **state)
{
    (void)state;
    assert_int_equal(patron_version(), PATRON_VERSION_NUMBER);
    assert_string_equal(patron_version_string(), PATRON_VERSION_STRING);
}

/* Counting allocator: proves every allocation goes through the hooks. */
static int hook_calls;
static int fail_after = -1;
static void *count_malloc(void *ud, size_t n)
{
    (void)ud;
    hook_calls++;
    if (fail_after >= 0 && hook_calls > fail_after)
        return NULL;
    return malloc(n);
}
static void *count_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    hook_calls++;
    if (fail_after >= 0 && hook_calls > fail_after)
        return NULL;
    return realloc(p, n);
}
static void count_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

static void test_allocator_hooks(void **state)
{
    (void)state;
    patron_allocator bad = PATRON_ALLOCATOR_INIT;
    assert_int_equal(patron_set_allocator(&bad), PATRON_EINVAL);
    bad.size = 4;
    bad.malloc_fn = count_malloc;
    bad.realloc_fn = count_realloc;
    bad.free_fn = count_free;
    assert_int_equal(patron_set_allocator(&bad), PATRON_EINVAL);

    patron_allocator a = PATRON_ALLOCATOR_INIT;
    a.malloc_fn = count_malloc;
    a.realloc_fn = count_realloc;
    a.free_fn = count_free;
    assert_int_equal(patron_set_allocator(&a), PATRON_OK);
    hook_calls = 0;
    char *s = patron__strdup("hello");
    assert_non_null(s);
    assert_int_equal(hook_calls, 1);
    patron_free(s);
    patron_free(NULL);

    fail_after = 0;
    hook_calls = 0;
    assert_null(patron__malloc(10));
    assert_null(patron__calloc(SIZE_MAX, 2)); /* overflow never reaches the hook */
    assert_int_equal(hook_calls, 1);
    fail_after = -1;
    assert_int_equal(patron_set_allocator(NULL), PATRON_OK);
}

typedef struct demo_options {
    uint32_t size;
    int a;
    double b;
} demo_options;

static void test_options_copy_respects_size(void **state)
{
    (void)state;
    demo_options dst = {sizeof dst, 1, 2.0};
    /* An "old" caller that only knows field a. */
    struct {
        uint32_t size;
        int a;
    } old = {sizeof old, 7};
    assert_int_equal(patron__options_copy(&dst, sizeof dst, &old, sizeof(uint32_t), "demo_options"),
                     PATRON_OK);
    assert_int_equal(dst.a, 7);
    assert_true(dst.b == 2.0);

    /* A "newer" caller whose unknown tail is zero is accepted; non-zero is refused. */
    struct {
        demo_options known;
        int extra;
    } newer;
    memset(&newer, 0, sizeof newer);
    newer.known.size = sizeof newer;
    newer.known.a = 3;
    assert_int_equal(patron__options_copy(&dst, sizeof dst, &newer, 4, "demo_options"), PATRON_OK);
    assert_int_equal(dst.a, 3);
    assert_int_equal(dst.size, sizeof dst);
    newer.extra = 1;
    assert_int_equal(patron__options_copy(&dst, sizeof dst, &newer, 4, "demo_options"),
                     PATRON_EUNSUPPORTED);

    demo_options zero = {0, 0, 0};
    assert_int_equal(patron__options_copy(&dst, sizeof dst, &zero, 4, "demo_options"), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "demo_options.size"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror_covers_every_code),
        cmocka_unit_test(test_errmsg_is_recorded_and_cleared),
        cmocka_unit_test(test_errmsg_truncates_long_messages),
        cmocka_unit_test(test_version_header_matches_library),
        cmocka_unit_test(test_allocator_hooks),
        cmocka_unit_test(test_options_copy_respects_size),
    };
    return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
