/* Selections: membership, iteration, set operations, size checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"

static patron_selection *make(size_t n, const size_t *rows, size_t k)
{
    patron_selection *s = NULL;
    assert_int_equal(patron_selection_new(&s, n), 0);
    for (size_t i = 0; i < k; i++)
        assert_int_equal(patron_selection_set(s, rows[i], 1), 0);
    return s;
}

static void expect(const patron_selection *s, const size_t *rows, size_t k)
{
    size_t got[256];
    assert_int_equal(patron_selection_rows(s, got, 256), k);
    assert_int_equal(patron_selection_count(s), k);
    for (size_t i = 0; i < k; i++)
        assert_int_equal(got[i], rows[i]);
}

static void test_basics(void **state)
{
    (void)state;
    const size_t r[] = {0, 5, 63, 64, 129};
    patron_selection *s = make(130, r, 5);
    assert_int_equal(patron_selection_size(s), 130);
    expect(s, r, 5);
    assert_int_equal(patron_selection_contains(s, 63), 1);
    assert_int_equal(patron_selection_contains(s, 62), 0);
    assert_int_equal(patron_selection_contains(s, 130), 0);
    assert_int_equal(patron_selection_set(s, 130, 1), PATRON_ERANGE);
    assert_string_equal(patron_errmsg(), "row 130 is outside the selection of 130 rows");
    assert_int_equal(patron_selection_set(s, 63, 0), 0);
    const size_t r2[] = {0, 5, 64, 129};
    expect(s, r2, 4);
    size_t row = 6;
    assert_int_equal(patron_selection_next(s, &row), 1);
    assert_int_equal(row, 64);
    row = 130;
    assert_int_equal(patron_selection_next(s, &row), 0);
    assert_int_equal(row, 130);
    size_t few[2];
    assert_int_equal(patron_selection_rows(s, few, 2), 4);
    assert_int_equal(few[1], 5);
    patron_selection_free(s);
    patron_selection_free(NULL);
    assert_int_equal(patron_selection_count(NULL), 0);
    assert_int_equal(patron_selection_size(NULL), 0);
}

static void test_set_operations(void **state)
{
    (void)state;
    const size_t ra[] = {1, 2, 3, 70}, rb[] = {2, 3, 4, 99};
    patron_selection *a = make(100, ra, 4), *b = make(100, rb, 4), *c = NULL;

    assert_int_equal(patron_selection_copy(&c, a), 0);
    assert_int_equal(patron_selection_and(c, b), 0);
    const size_t and_[] = {2, 3};
    expect(c, and_, 2);
    patron_selection_free(c);

    assert_int_equal(patron_selection_copy(&c, a), 0);
    assert_int_equal(patron_selection_or(c, b), 0);
    const size_t or_[] = {1, 2, 3, 4, 70, 99};
    expect(c, or_, 6);
    patron_selection_free(c);

    assert_int_equal(patron_selection_copy(&c, a), 0);
    assert_int_equal(patron_selection_minus(c, b), 0);
    const size_t minus_[] = {1, 70};
    expect(c, minus_, 2);

    /* complement stays inside the universe */
    assert_int_equal(patron_selection_not(c), 0);
    assert_int_equal(patron_selection_count(c), 98);
    assert_int_equal(patron_selection_contains(c, 1), 0);
    assert_int_equal(patron_selection_contains(c, 99), 1);
    patron_selection_free(c);

    /* a is untouched by all of that */
    expect(a, ra, 4);

    patron_selection *other = make(101, NULL, 0);
    assert_int_equal(patron_selection_and(a, other), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(),
                        "patron_selection_and: the selections cover different frames (100 rows and 101 rows)");
    expect(a, ra, 4);
    assert_int_equal(patron_selection_or(a, NULL), PATRON_EINVAL);
    assert_int_equal(patron_selection_minus(NULL, a), PATRON_EINVAL);
    assert_int_equal(patron_selection_not(NULL), PATRON_EINVAL);
    patron_selection_free(other);

    patron_selection *empty = make(0, NULL, 0);
    assert_int_equal(patron_selection_not(empty), 0);
    assert_int_equal(patron_selection_count(empty), 0);
    patron_selection_free(empty);
    patron_selection_free(a);
    patron_selection_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basics),
        cmocka_unit_test(test_set_operations),
    };
    return cmocka_run_group_tests_name("segment selections", tests, NULL, NULL);
}
