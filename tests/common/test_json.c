#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "internal/json.h"
#include "failalloc.h"
#include "patron/common.h"

static patron_json *parse_ok(const char *text)
{
    patron_json *v = NULL;
    assert_int_equal(patron__json_parse(&v, text, strlen(text)), PATRON_OK);
    return v;
}

static void test_parses_nested_document(void **state)
{
    (void)state;
    patron_json *v = parse_ok(" {\"a\": [1, -2.5e3, true, null, \"x\\u00e9\\n\"], \"b\": {\"c\": \"NaN\"}} ");
    const patron_json *a = patron__json_get(v, "a");
    assert_int_equal(patron__json_type(a), PATRON_JSON_ARRAY);
    assert_int_equal(patron__json_len(a), 5);
    assert_true(patron__json_number(patron__json_at(a, 0)) == 1.0);
    assert_true(patron__json_number(patron__json_at(a, 1)) == -2500.0);
    assert_int_equal(patron__json_bool(patron__json_at(a, 2)), 1);
    assert_int_equal(patron__json_type(patron__json_at(a, 3)), PATRON_JSON_NULL);
    assert_string_equal(patron__json_string(patron__json_at(a, 4)), "x\xc3\xa9\n");
    const patron_json *c = patron__json_get(patron__json_get(v, "b"), "c");
    assert_true(patron__json_is_number(c));
    assert_true(isnan(patron__json_number(c)));
    assert_null(patron__json_get(v, "missing"));
    assert_string_equal(patron__json_key_at(v, 1), "b");
    patron__json_free(v);
}

static void test_numbers_round_trip(void **state)
{
    (void)state;
    patron_json *v = parse_ok("[0.1, 1e-300, 4.9406564584124654e-324, 1.7976931348623157e308]");
    assert_true(patron__json_number(patron__json_at(v, 0)) == 0.1);
    assert_true(patron__json_number(patron__json_at(v, 1)) == 1e-300);
    assert_true(patron__json_number(patron__json_at(v, 2)) == 4.9406564584124654e-324);
    assert_true(patron__json_number(patron__json_at(v, 3)) == 1.7976931348623157e308);
    patron__json_free(v);
}

static void test_errors_name_line_and_column(void **state)
{
    (void)state;
    patron_json *v = NULL;
    const char *bad = "{\n  \"a\": [1, 2,,]\n}";
    assert_int_equal(patron__json_parse(&v, bad, strlen(bad)), PATRON_EPARSE);
    assert_null(v);
    assert_non_null(strstr(patron_errmsg(), "line 2, column 14"));
    assert_int_equal(patron__json_parse(&v, "[1] x", 5), PATRON_EPARSE);
    assert_int_equal(patron__json_parse(&v, "\"abc", 4), PATRON_EPARSE);
    assert_int_equal(patron__json_parse(&v, "01", 2), PATRON_EPARSE);
    assert_int_equal(patron__json_parse(&v, "", 0), PATRON_EPARSE);
    char deep[200];
    memset(deep, '[', sizeof deep);
    assert_int_equal(patron__json_parse(&v, deep, sizeof deep), PATRON_ERANGE);
}

static int parse_and_free(void *ctx)
{
    const char *text = ctx;
    patron_json *v = NULL;
    int rc = patron__json_parse(&v, text, strlen(text));
    patron__json_free(v);
    return rc;
}

static void test_every_allocation_failure_is_enomem(void **state)
{
    (void)state;
    size_t points = pt_failalloc_walk(parse_and_free, NULL,
                                      (void *)"{\"a\": [1, 2, {\"b\": \"long string value\"}], \"c\": \"x\"}");
    assert_true(points >= 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parses_nested_document),
        cmocka_unit_test(test_numbers_round_trip),
        cmocka_unit_test(test_errors_name_line_and_column),
        cmocka_unit_test(test_every_allocation_failure_is_enomem),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
