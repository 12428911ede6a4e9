#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "internal/gammafn.h"
#include "support.h"

/* Reference values: mpmath at 30 digits. */
static void test_digamma_trigamma(void **state)
{
    (void)state;
    assert_true(pt_close(patron__digamma(1.0), -0.57721566490153286061, 1e-14, 0));
    assert_true(pt_close(patron__digamma(0.5), -1.9635100260214234794, 1e-14, 0));
    assert_true(pt_close(patron__digamma(1e-8), -100000000.57721564636, 1e-14, 0));
    assert_true(pt_close(patron__digamma(12.5), 2.4851956512749120, 1e-14, 0));
    assert_true(pt_close(patron__digamma(1e6), 13.815510057964191, 1e-15, 0));
    assert_true(pt_close(patron__trigamma(1.0), 1.6449340668482264365, 1e-14, 0));
    assert_true(pt_close(patron__trigamma(0.25), 17.197329154507110, 1e-14, 0));
    assert_true(pt_close(patron__trigamma(30.0), 0.033895060357739944, 1e-13, 0));
    assert_true(isnan(patron__digamma(-1.0)));
}

static void test_lbeta_large_arguments(void **state)
{
    (void)state;
    assert_true(pt_close(patron__lbeta(2.0, 3.0), log(1.0 / 12.0), 1e-14, 0));
    /* log B(1e6, 1e6) and log B(0.5, 1e10), mpmath */
    assert_true(pt_close(patron__lbeta(1e6, 1e6), -1386300.0033629211, 1e-14, 0));
    assert_true(pt_close(patron__lbeta(0.5, 1e10), -10.940560522033028, 1e-13, 0));
    assert_true(pt_close(patron__lbeta(15.0, 20.0), -24.049722172259503, 1e-13, 0));
    assert_true(pt_close(patron__logaddexp(1000.0, 1000.0), 1000.0 + log(2.0), 1e-15, 0));
    assert_true(patron__logaddexp(-INFINITY, 3.0) == 3.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digamma_trigamma),
        cmocka_unit_test(test_lbeta_large_arguments),
    };
    return cmocka_run_group_tests_name("gammafn", tests, NULL, NULL);
}
