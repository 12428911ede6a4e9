/* Planning with a variance reduction and for ratio metrics
 * (patron_abtest_power_reduced(), patron_abtest_ratio_unit_variance(),
 * patron_abtest_power_ratio()) against tests/data/abtest_plan_vectors.json
 * (statsmodels' TTestIndPower, scipy's normal quantiles, the delta method
 * checked there by simulation; see gen_abtest_plan.py), the (1 - r) scaling
 * of the normal-formula size, and the errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal/json.h"
#include "patron/abtest.h"
#include "patron/common.h"
#include "support.h"

static double num(const patron_json *o, const char *k)
{
    return patron__json_number(patron__json_get(o, k));
}

static int near(double got, double want, double rel)
{
    return fabs(got - want) <= rel * fabs(want);
}

static patron_abtest_plan_options opts_of(const patron_json *c)
{
    patron_abtest_plan_options o = PATRON_ABTEST_PLAN_OPTIONS_INIT;
    o.alpha = num(c, "alpha");
    o.power = num(c, "power");
    o.ratio = num(c, "ratio");
    o.sides = (int)num(c, "sides");
    o.n1_given = num(c, "n1_given");
    return o;
}

/* statsmodels' solve_power stops at about 1e-8 relative in n; the normal
 * formula and the delta method are exact. */
static int check(const patron_json *c, const patron_abtest_plan_result *r, size_t i, const char *what)
{
    int ok = near(r->n1_z, num(c, "n1_z"), 1e-12) && near(r->n1_t, num(c, "n1_t"), 1e-7) &&
             r->n1_z_ceil == (int64_t)ceil(num(c, "n1_z")) && r->n1_t_ceil == (int64_t)ceil(num(c, "n1_t"));
    const patron_json *m = patron__json_get(c, "mde_at_n1");
    if (num(c, "n1_given") > 0)
        ok = ok && near(r->mde_at_n1, patron__json_number(m), 1e-12);
    else
        ok = ok && isnan(r->mde_at_n1);
    if (!ok)
        print_message("FAIL %s case %zu: n1_z %.17g (%.17g), n1_t %.17g (%.17g), mde %.17g\n", what, i, r->n1_z,
                      num(c, "n1_z"), r->n1_t, num(c, "n1_t"), r->mde_at_n1);
    return ok;
}

static void test_plan_reference(void **state)
{
    (void)state;
    size_t len, bad = 0;
    char *text = pt_read_file(pt_data_path("abtest_plan_vectors.json"), &len);
    assert_non_null(text);
    patron_json *doc = NULL;
    assert_int_equal(patron__json_parse(&doc, text, len), 0);
    free(text);
    const patron_json *red = patron__json_get(doc, "reduced"), *rat = patron__json_get(doc, "ratio");
    assert_true(patron__json_len(red) >= 4 && patron__json_len(rat) >= 3);
    for (size_t i = 0; i < patron__json_len(red); i++) {
        const patron_json *c = patron__json_at(red, i);
        patron_abtest_plan_options o = opts_of(c);
        patron_abtest_plan_result r = PATRON_ABTEST_INIT(patron_abtest_plan_result);
        assert_int_equal(patron_abtest_power_reduced(&r, num(c, "delta"), num(c, "sd"), num(c, "variance_reduction"),
                                                     &o), PATRON_OK);
        bad += !check(c, &r, i, "reduced");
        assert_true(near(r.unit_sd, num(c, "unit_sd"), 1e-15));
        assert_true(near(r.n1_z_unadjusted, num(c, "n1_z_unadjusted"), 1e-12));
        assert_true(near(r.n1_z, (1 - num(c, "variance_reduction")) * r.n1_z_unadjusted, 1e-13));
        assert_true(r.alpha == o.alpha && r.power == o.power && r.ratio == o.ratio && r.sides == o.sides);
    }
    for (size_t i = 0; i < patron__json_len(rat); i++) {
        const patron_json *c = patron__json_at(rat, i);
        patron_abtest_plan_options o = opts_of(c);
        double v;
        assert_int_equal(patron_abtest_ratio_unit_variance(&v, num(c, "mean_num"), num(c, "mean_den"),
                                                           num(c, "var_num"), num(c, "var_den"), num(c, "cov")),
                         PATRON_OK);
        assert_true(near(v, num(c, "unit_variance"), 1e-13));
        patron_abtest_plan_result r = PATRON_ABTEST_INIT(patron_abtest_plan_result);
        assert_int_equal(patron_abtest_power_ratio(&r, num(c, "mean_num"), num(c, "mean_den"), num(c, "var_num"),
                                                   num(c, "var_den"), num(c, "cov"), num(c, "relative_lift"), &o),
                         PATRON_OK);
        bad += !check(c, &r, i, "ratio");
        assert_true(near(r.delta, num(c, "delta"), 1e-15));
        assert_true(r.unit_sd == r.unit_sd_unadjusted);
    }
    patron__json_free(doc);
    assert_int_equal(bad, 0);
}

static void test_errors(void **state)
{
    (void)state;
    patron_abtest_plan_result r = PATRON_ABTEST_INIT(patron_abtest_plan_result), before;
    memcpy(&before, &r, sizeof r);
    assert_int_equal(patron_abtest_power_reduced(&r, 1, 10, 1.0, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "variance_reduction 1 is outside [0, 1)"));
    assert_int_equal(patron_abtest_power_reduced(&r, 0, 10, 0.3, NULL), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(),
                        "patron_abtest_power_reduced: delta is 0, expected a finite non-zero difference");
    patron_abtest_plan_options o = PATRON_ABTEST_PLAN_OPTIONS_INIT;
    o.power = 1.5;
    assert_int_equal(patron_abtest_power_reduced(&r, 1, 10, 0.3, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "patron_abtest_power_reduced: "));
    double v = -1;
    assert_int_equal(patron_abtest_ratio_unit_variance(&v, 1, 2, 1, 1, 2), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "not a covariance matrix"));
    assert_int_equal(patron_abtest_ratio_unit_variance(&v, 1, 0, 1, 1, 0), PATRON_EINVAL);
    assert_true(v == -1);
    assert_int_equal(patron_abtest_power_ratio(&r, 1, 0, 1, 1, 0, 0.1, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "patron_abtest_power_ratio: means 1 / 0"));
    /* a ratio whose numerator is exactly R times its denominator has no variance */
    assert_int_equal(patron_abtest_power_ratio(&r, 2, 1, 4, 1, 2, 0.1, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "zero variance"));
    assert_memory_equal(&r, &before, sizeof r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_reference),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
