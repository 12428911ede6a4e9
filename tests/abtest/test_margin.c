/* Non-inferiority and superiority margins (patron_abtest_margin_means(),
 * patron_abtest_margin_proportions()) against
 * tests/data/abtest_margin_vectors.json (scipy's ttest_ind_from_stats on
 * shifted or scaled arms, statsmodels' Wald test of two proportions, brentq
 * for the bounds; see gen_abtest_margin.py), the duality of p and bound, and
 * the errors. */
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

static double num_at(const patron_json *a, size_t i)
{
    return patron__json_number(patron__json_at(a, i));
}

static int near(double got, double want, double rel, double abs_tol)
{
    return fabs(got - want) <= rel * fabs(want) + abs_tol;
}

static int run_case(const patron_json *c, patron_abtest_margin_result *r)
{
    patron_abtest_margin_options o = PATRON_ABTEST_MARGIN_OPTIONS_INIT;
    o.kind = num(c, "superiority") ? PATRON_ABTEST_SUPERIORITY : PATRON_ABTEST_NON_INFERIORITY;
    o.margin = num(c, "margin");
    o.relative = (int)num(c, "relative");
    o.lower_is_better = (int)num(c, "lower_is_better");
    o.alpha = num(c, "alpha");
    o.pooled_variance = (int)num(c, "pooled");
    const patron_json *a = patron__json_get(c, "a"), *b = patron__json_get(c, "b");
    if (!strcmp(patron__json_string(patron__json_get(c, "kind")), "means")) {
        patron_abtest_summary sa = {(int64_t)num_at(a, 0), num_at(a, 1), num_at(a, 2)};
        patron_abtest_summary sb = {(int64_t)num_at(b, 0), num_at(b, 1), num_at(b, 2)};
        return patron_abtest_margin_means(r, &sa, &sb, &o);
    }
    return patron_abtest_margin_proportions(r, (int64_t)num_at(a, 0), (int64_t)num_at(a, 1), (int64_t)num_at(b, 0),
                                            (int64_t)num_at(b, 1), &o);
}

static void test_margin_reference(void **state)
{
    (void)state;
    size_t len;
    char *text = pt_read_file(pt_data_path("abtest_margin_vectors.json"), &len);
    assert_non_null(text);
    patron_json *doc = NULL;
    assert_int_equal(patron__json_parse(&doc, text, len), 0);
    free(text);
    const patron_json *cases = patron__json_get(doc, "cases");
    size_t nc = patron__json_len(cases), bad = 0;
    assert_true(nc >= 10);
    for (size_t ci = 0; ci < nc; ci++) {
        const patron_json *c = patron__json_at(cases, ci);
        patron_abtest_margin_result r = PATRON_ABTEST_INIT(patron_abtest_margin_result);
        assert_int_equal(run_case(c, &r), PATRON_OK);
        double p = num(c, "p"), bound = num(c, "bound");
        if (!near(r.p, p, 1e-10, 0) || !near(r.bound, bound, 1e-9, 1e-14) ||
            r.threshold != num(c, "threshold") || !near(r.effect, num(c, "effect"), 1e-14, 0) ||
            r.reject != (p <= num(c, "alpha")) || !near(exp(r.log_p), r.p, 1e-13, 0)) {
            print_message("FAIL case %zu: p %.17g (%.17g), bound %.17g (%.17g), threshold %g\n", ci, r.p, p, r.bound,
                          bound, r.threshold);
            bad++;
        }
        /* the bound is beyond the threshold exactly when H0 is rejected */
        int beyond = r.lower_is_better ? r.bound < r.threshold : r.bound > r.threshold;
        assert_int_equal(beyond, r.reject);
    }
    patron__json_free(doc);
    assert_int_equal(bad, 0);
}

/* Margin 0 superiority is the one-sided t-test of patron_abtest_means(). */
static void test_zero_margin_is_one_sided_test(void **state)
{
    (void)state;
    patron_abtest_summary a = {200, 5.0, 2.0}, b = {210, 5.4, 2.2};
    patron_abtest_means_result m = PATRON_ABTEST_INIT(patron_abtest_means_result);
    assert_int_equal(patron_abtest_means(&m, &a, &b, 0.05), PATRON_OK);
    patron_abtest_margin_options o = PATRON_ABTEST_MARGIN_OPTIONS_INIT;
    o.kind = PATRON_ABTEST_SUPERIORITY;
    patron_abtest_margin_result r = PATRON_ABTEST_INIT(patron_abtest_margin_result);
    assert_int_equal(patron_abtest_margin_means(&r, &a, &b, &o), PATRON_OK);
    assert_true(near(r.p, m.welch.p_greater, 1e-13, 0));
    assert_true(near(r.statistic, m.welch.statistic, 1e-14, 0));
    o.pooled_variance = 1;
    assert_int_equal(patron_abtest_margin_means(&r, &a, &b, &o), PATRON_OK);
    assert_true(near(r.p, m.student.p_greater, 1e-13, 0));
    o.lower_is_better = 1;
    assert_int_equal(patron_abtest_margin_means(&r, &a, &b, &o), PATRON_OK);
    assert_true(near(r.p, m.student.p_less, 1e-13, 0));
}

/* The relative bound is the ratio at which the one-sided p is alpha: a
 * relative margin just inside it is rejected, one just outside is not. */
static void test_relative_bound_duality(void **state)
{
    (void)state;
    patron_abtest_margin_options o = PATRON_ABTEST_MARGIN_OPTIONS_INIT;
    o.relative = 1;
    o.margin = 0.2;
    patron_abtest_margin_result r = PATRON_ABTEST_INIT(patron_abtest_margin_result), r2 = r;
    assert_int_equal(patron_abtest_margin_proportions(&r, 300, 10000, 290, 10000, &o), PATRON_OK);
    assert_true(r.bound < 0 && r.bound > -0.2);
    o.margin = -r.bound * (1 + 1e-9);
    assert_int_equal(patron_abtest_margin_proportions(&r2, 300, 10000, 290, 10000, &o), PATRON_OK);
    assert_int_equal(r2.reject, 1);
    o.margin = -r.bound * (1 - 1e-9);
    assert_int_equal(patron_abtest_margin_proportions(&r2, 300, 10000, 290, 10000, &o), PATRON_OK);
    assert_int_equal(r2.reject, 0);
    assert_true(near(r2.p, 0.05, 1e-6, 0));
}

static void test_errors(void **state)
{
    (void)state;
    patron_abtest_margin_result r = PATRON_ABTEST_INIT(patron_abtest_margin_result), before;
    memcpy(&before, &r, sizeof r);
    patron_abtest_margin_options o = PATRON_ABTEST_MARGIN_OPTIONS_INIT;
    o.alpha = 0.5;
    assert_int_equal(patron_abtest_margin_proportions(&r, 1, 10, 2, 10, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "alpha 0.5"));
    o.alpha = 0.05;
    o.margin = -1;
    assert_int_equal(patron_abtest_margin_proportions(&r, 1, 10, 2, 10, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "margin -1"));
    o.margin = 0.1;
    assert_int_equal(patron_abtest_margin_proportions(&r, 11, 10, 2, 10, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "arm a has x = 11, n = 10"));
    assert_int_equal(patron_abtest_margin_proportions(&r, 0, 10, 0, 10, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "no variance"));
    o.relative = 1;
    assert_int_equal(patron_abtest_margin_proportions(&r, 0, 10, 3, 10, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "positive control mean"));
    o.kind = (patron_abtest_margin_kind)7;
    assert_int_equal(patron_abtest_margin_proportions(&r, 1, 10, 3, 10, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "kind 7"));
    patron_abtest_summary a = {1, 1, 1}, b = {10, 1, 1};
    assert_int_equal(patron_abtest_margin_means(&r, &a, &b, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "arm a has n = 1"));
    assert_memory_equal(&r, &before, sizeof r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_margin_reference),
        cmocka_unit_test(test_zero_margin_is_one_sided_test),
        cmocka_unit_test(test_relative_bound_duality),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
