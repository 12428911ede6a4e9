/* Regression tests for bugs found by fuzzing and fault injection (issue 8).
 * Each committed crash input also stays in tests/fuzz/corpus/<target>/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"

/* fuzz_phone: "+49 (003 3 (299 (9" gave "+490332999", which normalises again
 * to "+49332999": the key was not a fixed point (one number, two keys), and
 * the NSN of a trunk-prefix country may not start with the trunk digit. */
static void test_phone_trunk_digit_twice(void **state)
{
    (void)state;
    char out[32], again[32];
    assert_int_equal(patron_phone_normalize(out, sizeof out, "+49 (003  3 (299 (9 ", NULL),
                     PATRON_EINVAL);
    /* one trunk zero after the country code is tolerated, and the key is a fixed point */
    assert_int_equal(patron_phone_normalize(out, sizeof out, "+490332999", NULL), PATRON_OK);
    assert_string_equal(out, "+49332999");
    assert_int_equal(patron_phone_normalize(again, sizeof again, out, NULL), PATRON_OK);
    assert_string_equal(again, out);
    assert_int_equal(patron_phone_normalize(out, sizeof out, "11 212 555 0100", "US"), PATRON_EINVAL);
    assert_int_equal(patron_phone_normalize(out, sizeof out, "+1 1212 555 010", NULL), PATRON_EINVAL);
    /* still accepted: one trunk zero after the country code, Italian zeros */
    assert_int_equal(patron_phone_normalize(out, sizeof out, "+49 (0)30 1234567", NULL), PATRON_OK);
    assert_string_equal(out, "+49301234567");
    assert_int_equal(patron_phone_normalize(again, sizeof again, out, NULL), PATRON_OK);
    assert_string_equal(again, out);
    assert_int_equal(patron_phone_normalize(out, sizeof out, "+39 06 1234 5678", NULL), PATRON_OK);
    assert_string_equal(out, "+390612345678");
    assert_int_equal(patron_phone_normalize(out, sizeof out, "1-212-555-0100", "US"), PATRON_OK);
    assert_string_equal(out, "+12125550100");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phone_trunk_digit_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
