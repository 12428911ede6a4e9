/* Several arms against a control (patron_abtest_many_means(),
 * patron_abtest_many_proportions()): Dunnett's adjusted p-values and
 * critical values against tests/data/abtest_many_vectors.json (QUADPACK at
 * 1e-13, checked there against Dunnett's table and Genz's algorithm; see
 * gen_abtest_many.py), the t case against Dunnett's published table, Holm
 * and Bonferroni against patron_abtest_adjust() and formulas written here,
 * and the errors. */
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

static double num_at(const patron_json *a, size_t i)
{
    return patron__json_number(patron__json_at(a, i));
}

static int near(double got, double want, double rel)
{
    return fabs(got - want) <= rel * fabs(want) + 1e-300;
}

static void test_dunnett_reference(void **state)
{
    (void)state;
    size_t len;
    char *text = pt_read_file(pt_data_path("abtest_many_vectors.json"), &len);
    assert_non_null(text);
    patron_json *doc = NULL;
    assert_int_equal(patron__json_parse(&doc, text, len), 0);
    free(text);
    const patron_json *cases = patron__json_get(doc, "cases");
    size_t nc = patron__json_len(cases), bad = 0;
    assert_true(nc >= 5);
    double worst = 0;
    for (size_t ci = 0; ci < nc; ci++) {
        const patron_json *c = patron__json_at(cases, ci);
        const char *kind = patron__json_string(patron__json_get(c, "kind"));
        const patron_json *jn = patron__json_get(c, "n");
        size_t k = patron__json_len(jn);
        int64_t n[PATRON_ABTEST_MAX_ARMS], x[PATRON_ABTEST_MAX_ARMS];
        double mean[PATRON_ABTEST_MAX_ARMS], sd[PATRON_ABTEST_MAX_ARMS];
        for (size_t i = 0; i < k; i++)
            n[i] = (int64_t)num_at(jn, i);
        patron_abtest_many_options o = PATRON_ABTEST_MANY_OPTIONS_INIT;
        o.sides = (int)patron__json_number(patron__json_get(c, "sides"));
        o.alpha = patron__json_number(patron__json_get(c, "alpha"));
        patron_abtest_many_result r = PATRON_ABTEST_INIT(patron_abtest_many_result);
        if (!strcmp(kind, "means")) {
            for (size_t i = 0; i < k; i++) {
                mean[i] = num_at(patron__json_get(c, "mean"), i);
                sd[i] = num_at(patron__json_get(c, "sd"), i);
            }
            assert_int_equal(patron_abtest_many_means(&r, n, mean, sd, k, &o), PATRON_OK);
            assert_true(r.df == patron__json_number(patron__json_get(c, "df")));
        } else {
            for (size_t i = 0; i < k; i++)
                x[i] = (int64_t)num_at(patron__json_get(c, "x"), i);
            assert_int_equal(patron_abtest_many_proportions(&r, x, n, k, &o), PATRON_OK);
            assert_true(isinf(r.df));
        }
        assert_int_equal(r.n_comparisons, (int64_t)k - 1);
        const patron_json *st = patron__json_get(c, "statistic"), *pa = patron__json_get(c, "p_adjusted");
        for (size_t i = 0; i + 1 < k; i++) {
            double e = fabs(r.p_adjusted[i] - num_at(pa, i)) / num_at(pa, i);
            if (e > worst)
                worst = e;
            if (!near(r.statistic[i], num_at(st, i), 1e-12) || !near(r.p_adjusted[i], num_at(pa, i), 1e-9)) {
                print_message("FAIL case %zu (%s) arm %zu: t %.17g (%.17g), p_adj %.17g (%.17g)\n", ci, kind, i + 1,
                              r.statistic[i], num_at(st, i), r.p_adjusted[i], num_at(pa, i));
                bad++;
            }
            assert_int_equal(r.significant[i], r.p_adjusted[i] <= o.alpha);
        }
        double cv = patron__json_number(patron__json_get(c, "critical_value"));
        if (!near(r.critical_value, cv, 1e-9)) {
            print_message("FAIL case %zu: critical value %.17g (%.17g)\n", ci, r.critical_value, cv);
            bad++;
        }
    }
    print_message("dunnett: %zu cases, worst relative error of p_adjusted %.3g\n", nc, worst);
    patron__json_free(doc);
    assert_int_equal(bad, 0);
}

/* The multivariate t case against Dunnett's (1955) published table of
 * two-sided 5% critical values for equal arms (2 decimals): k = 2 and 3
 * treatments at several df; and its limit df -> Infinity against the
 * normal case (the proportions function with equal variances). */
static void test_dunnett_table(void **state)
{
    (void)state;
    static const struct {
        int k, n;
        double c;
    } table[] = {{2, 3, 2.86}, {2, 4, 2.61}, {2, 5, 2.50}, {2, 6, 2.44}, {2, 11, 2.32},
                 {3, 3, 2.88}, {3, 4, 2.68}, {3, 5, 2.59}, {3, 6, 2.54}, {3, 7, 2.51}};
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        int64_t n[4];
        double mean[4] = {0, 0.1, 0.2, 0.3}, sd[4] = {1, 1, 1, 1};
        for (int j = 0; j < 4; j++)
            n[j] = table[i].n;
        patron_abtest_many_result r = PATRON_ABTEST_INIT(patron_abtest_many_result);
        assert_int_equal(patron_abtest_many_means(&r, n, mean, sd, (size_t)table[i].k + 1, NULL), PATRON_OK);
        print_message("k %d df %g: c %.6f (table %.2f)\n", table[i].k, r.df, r.critical_value, table[i].c);
        assert_true(fabs(r.critical_value - table[i].c) <= 0.0051);
    }
    int64_t big[3] = {1000000, 1000000, 1000000}, x[3] = {500000, 500000, 500000};
    double mean[3] = {0, 0.001, 0.002}, sd[3] = {1, 1, 1};
    patron_abtest_many_result rt = PATRON_ABTEST_INIT(patron_abtest_many_result);
    patron_abtest_many_result rz = PATRON_ABTEST_INIT(patron_abtest_many_result);
    assert_int_equal(patron_abtest_many_means(&rt, big, mean, sd, 3, NULL), PATRON_OK);
    assert_int_equal(patron_abtest_many_proportions(&rz, x, big, 3, NULL), PATRON_OK);
    assert_true(fabs(rt.critical_value - rz.critical_value) <= 1e-5 * rz.critical_value);
    assert_true(fabs(rz.critical_value - 2.21) <= 0.0051);
}

/* Holm and Bonferroni: raw p-values are the two-sample tests written here,
 * adjusted by patron_abtest_adjust() and by m p; intervals at alpha / m. */
static void test_holm_bonferroni(void **state)
{
    (void)state;
    int64_t x[4] = {120, 150, 95, 160}, n[4] = {1000, 1000, 1000, 1000};
    double raw[3];
    for (int i = 1; i < 4; i++) {
        double p0 = 0.12, pi = (double)x[i] / 1000;
        double se = sqrt(p0 * (1 - p0) / 1000 + pi * (1 - pi) / 1000);
        raw[i - 1] = erfc(fabs(pi - p0) / se / sqrt(2));
    }
    double holm[3];
    assert_int_equal(patron_abtest_adjust(holm, NULL, NULL, raw, 3), PATRON_OK);
    patron_abtest_many_options o = PATRON_ABTEST_MANY_OPTIONS_INIT;
    patron_abtest_many_result r = PATRON_ABTEST_INIT(patron_abtest_many_result);
    o.method = PATRON_ABTEST_HOLM;
    assert_int_equal(patron_abtest_many_proportions(&r, x, n, 4, &o), PATRON_OK);
    for (int i = 0; i < 3; i++) {
        assert_true(near(r.p_raw[i], raw[i], 1e-13));
        assert_true(near(r.p_adjusted[i], holm[i], 1e-13));
    }
    /* Bonferroni z at alpha / (2m) = 0.05 / 6: 2.39397693... */
    assert_true(near(r.critical_value, 2.3939797998185104, 1e-12));
    o.method = PATRON_ABTEST_BONFERRONI;
    assert_int_equal(patron_abtest_many_proportions(&r, x, n, 4, &o), PATRON_OK);
    for (int i = 0; i < 3; i++) {
        assert_true(near(r.p_adjusted[i], fmin(1, 3 * raw[i]), 1e-13));
        assert_true(near(r.ci_high[i] - r.ci_low[i], 2 * r.critical_value * r.se[i], 1e-13));
    }
    o.method = PATRON_ABTEST_UNADJUSTED;
    assert_int_equal(patron_abtest_many_proportions(&r, x, n, 4, &o), PATRON_OK);
    for (int i = 0; i < 3; i++)
        assert_true(r.p_adjusted[i] == r.p_raw[i]);
    /* Dunnett lies between the unadjusted and the Bonferroni p. */
    o.method = PATRON_ABTEST_DUNNETT;
    assert_int_equal(patron_abtest_many_proportions(&r, x, n, 4, &o), PATRON_OK);
    for (int i = 0; i < 3; i++)
        assert_true(r.p_adjusted[i] > raw[i] && r.p_adjusted[i] < fmin(1, 3 * raw[i]));
}

/* Far in the tail the adjusted p keeps relative precision: for a huge
 * effect it approaches the Bonferroni bound m p from below (the events
 * are nearly disjoint) and stays above the raw p. */
static void test_dunnett_tiny_p(void **state)
{
    (void)state;
    int64_t x[3] = {1000, 1600, 1010}, n[3] = {10000, 10000, 10000};
    patron_abtest_many_result r = PATRON_ABTEST_INIT(patron_abtest_many_result);
    assert_int_equal(patron_abtest_many_proportions(&r, x, n, 3, NULL), PATRON_OK);
    assert_true(r.p_raw[0] < 1e-30);
    assert_true(r.p_adjusted[0] > r.p_raw[0] && r.p_adjusted[0] <= 2 * r.p_raw[0] * (1 + 1e-12));
    assert_true(r.p_adjusted[0] > 1.0 * r.p_raw[0] * 1.0000001);
}

/* Both rates 0 in a treatment and the control: that comparison has se 0,
 * p = 1 and leaves the family (the other is then a single test). */
static void test_degenerate_arm(void **state)
{
    (void)state;
    int64_t x[3] = {0, 0, 7}, n[3] = {500, 400, 300};
    patron_abtest_many_result r = PATRON_ABTEST_INIT(patron_abtest_many_result);
    assert_int_equal(patron_abtest_many_proportions(&r, x, n, 3, NULL), PATRON_OK);
    assert_true(r.se[0] == 0 && r.p_adjusted[0] == 1 && isnan(r.statistic[0]));
    /* control variance 0: lambda = 0, the other comparison is independent */
    assert_true(near(r.p_adjusted[1], r.p_raw[1], 1e-12));
}

static void test_errors(void **state)
{
    (void)state;
    int64_t x[3] = {1, 2, 3}, n[3] = {10, 10, 10};
    double m[3] = {1, 2, 3}, s[3] = {1, 1, 1};
    patron_abtest_many_result r = PATRON_ABTEST_INIT(patron_abtest_many_result);
    patron_abtest_many_result before;
    memcpy(&before, &r, sizeof r);
    assert_int_equal(patron_abtest_many_proportions(&r, x, n, 2, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "n_arms is 2"));
    x[2] = 11;
    assert_int_equal(patron_abtest_many_proportions(&r, x, n, 3, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "arm 2: x is 11"));
    patron_abtest_many_options o = PATRON_ABTEST_MANY_OPTIONS_INIT;
    o.sides = 3;
    assert_int_equal(patron_abtest_many_means(&r, n, m, s, 3, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "sides is 3"));
    s[1] = -1;
    assert_int_equal(patron_abtest_many_means(&r, n, m, s, 3, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "arm 1: sd is -1"));
    assert_memory_equal(&r, &before, sizeof r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dunnett_reference), cmocka_unit_test(test_dunnett_table),
        cmocka_unit_test(test_holm_bonferroni),
        cmocka_unit_test(test_dunnett_tiny_p),    cmocka_unit_test(test_degenerate_arm),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
