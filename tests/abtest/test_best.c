/* Probability to be best over k arms (patron_abtest_best_proportions(),
 * also at 1,000,000 per arm against abtest_best_million.json,
 * patron_abtest_best_means()) against tests/data/abtest_best_vectors.json
 * (mpmath at 25 digits, see gen_abtest_best.py), against the two-arm closed
 * forms (patron_abtest_beta_binomial(), Phi(d / s) and the normal expected
 * loss), invariance under reordering the arms, and the errors. */
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

static int near(double got, double want, double rel, double abs_tol)
{
    return fabs(got - want) <= rel * fabs(want) + abs_tol;
}

/* sum_tol: the bound on prob_sum_deviation, the library's own check */
static void check_vectors(const char *file, size_t min_cases, double sum_tol)
{
    size_t len;
    char *text = pt_read_file(pt_data_path(file), &len);
    assert_non_null(text);
    patron_json *doc = NULL;
    assert_int_equal(patron__json_parse(&doc, text, len), 0);
    free(text);
    const patron_json *cases = patron__json_get(doc, "cases");
    size_t nc = patron__json_len(cases), bad = 0;
    assert_true(nc >= min_cases);
    double worst_p = 0, worst_l = 0;
    for (size_t ci = 0; ci < nc; ci++) {
        const patron_json *c = patron__json_at(cases, ci);
        const char *kind = patron__json_string(patron__json_get(c, "kind"));
        const patron_json *jn = patron__json_get(c, "n");
        size_t k = patron__json_len(jn);
        int64_t n[PATRON_ABTEST_MAX_ARMS], x[PATRON_ABTEST_MAX_ARMS];
        double mean[PATRON_ABTEST_MAX_ARMS], sd[PATRON_ABTEST_MAX_ARMS];
        for (size_t i = 0; i < k; i++)
            n[i] = (int64_t)num_at(jn, i);
        patron_abtest_best_result r = PATRON_ABTEST_INIT(patron_abtest_best_result);
        if (!strcmp(kind, "means")) {
            for (size_t i = 0; i < k; i++) {
                mean[i] = num_at(patron__json_get(c, "mean"), i);
                sd[i] = num_at(patron__json_get(c, "sd"), i);
            }
            assert_int_equal(patron_abtest_best_means(&r, n, mean, sd, k), PATRON_OK);
        } else {
            const patron_json *pr = patron__json_get(c, "prior");
            for (size_t i = 0; i < k; i++)
                x[i] = (int64_t)num_at(patron__json_get(c, "x"), i);
            assert_int_equal(patron_abtest_best_proportions(&r, x, n, k, num_at(pr, 0), num_at(pr, 1)), PATRON_OK);
        }
        assert_int_equal(r.n_arms, (int64_t)k);
        assert_true(fabs(r.prob_sum_deviation) < sum_tol);
        assert_true(fabs(r.prob_sum_deviation) <= r.integration_error);
        const patron_json *pb = patron__json_get(c, "prob_best"), *el = patron__json_get(c, "expected_loss");
        for (size_t i = 0; i < k; i++) {
            double wp = num_at(pb, i), wl = num_at(el, i);
            /* absolute 1e-13 on probabilities, relative 1e-9 where they are large enough to matter */
            double ep = fabs(r.prob_best[i] - wp), el_ = fabs(r.expected_loss[i] - wl) / r.posterior_sd[i];
            if (ep > worst_p)
                worst_p = ep;
            if (el_ > worst_l)
                worst_l = el_;
            if (!near(r.prob_best[i], wp, 1e-10, 1e-13) || el_ > 1e-11) {
                print_message("FAIL case %zu (%s) arm %zu: P %.17g (%.17g), loss %.17g (%.17g)\n", ci, kind, i,
                              r.prob_best[i], wp, r.expected_loss[i], wl);
                bad++;
            }
        }
    }
    print_message("worst |P - ref| %.3g, worst |loss - ref| / sd %.3g\n", worst_p, worst_l);
    patron__json_free(doc);
    assert_int_equal(bad, 0);
}

static void test_best_reference(void **state)
{
    (void)state;
    check_vectors("abtest_best_vectors.json", 8, 1e-13);
}

/* 1,000,000 customers per arm (gen_abtest_best_million.py: the beta cdf by
 * its continued fraction at 30 digits). The posteriors are 2e-4 wide, so the
 * quadrature's rounding is larger: the probabilities agree to 1.1e-13
 * absolute and sum to 1 within 1e-12 (integration_error about 2e-12). */
static void test_best_million(void **state)
{
    (void)state;
    check_vectors("abtest_best_million.json", 2, 2e-12);
}

static void test_two_arms_closed_forms(void **state)
{
    (void)state;
    int64_t x[2] = {597, 489}, n[2] = {18262, 13027};
    patron_abtest_best_result r = PATRON_ABTEST_INIT(patron_abtest_best_result);
    patron_abtest_beta_result b = PATRON_ABTEST_INIT(patron_abtest_beta_result);
    assert_int_equal(patron_abtest_best_proportions(&r, x, n, 2, 1, 1), PATRON_OK);
    assert_int_equal(patron_abtest_beta_binomial(&b, x[0], n[0], x[1], n[1], 1, 1), PATRON_OK);
    assert_true(near(r.prob_best[1], b.prob_b_beats_a, 1e-12, 0));
    assert_true(near(r.prob_best[0], 1 - b.prob_b_beats_a, 1e-10, 1e-15));
    assert_true(near(r.expected_loss[0], b.expected_loss_choose_a, 1e-11, 0));
    assert_true(near(r.expected_loss[1], b.expected_loss_choose_b, 1e-9, 1e-17));
    /* normal: P = Phi(d / s), loss of the worse arm d Phi(d/s) + s phi(d/s) */
    int64_t nn[2] = {400, 500};
    double m[2] = {1.0, 1.1}, sd[2] = {2.0, 2.5};
    assert_int_equal(patron_abtest_best_means(&r, nn, m, sd, 2), PATRON_OK);
    double s = sqrt(4.0 / 400 + 6.25 / 500), d = 0.1, z = d / s;
    double phi = exp(-0.5 * z * z) / sqrt(2 * 3.14159265358979323846), Phi = 0.5 * erfc(-z / sqrt(2));
    assert_true(near(r.prob_best[1], Phi, 1e-13, 0));
    assert_true(near(r.expected_loss[0], d * Phi + s * phi, 1e-12, 0));
    assert_true(near(r.expected_loss[1], -d * (1 - Phi) + s * phi, 1e-11, 0));
}

/* Reordering the arms reorders the results; an extra hopeless arm changes nothing. */
static void test_permutation_and_hopeless_arm(void **state)
{
    (void)state;
    int64_t x[4] = {120, 150, 95, 160}, n[4] = {1000, 1000, 1000, 1000};
    int64_t xp[4] = {160, 95, 120, 150}, np_[4] = {1000, 1000, 1000, 1000};
    patron_abtest_best_result r = PATRON_ABTEST_INIT(patron_abtest_best_result), q = r;
    assert_int_equal(patron_abtest_best_proportions(&r, x, n, 4, 1, 1), PATRON_OK);
    assert_int_equal(patron_abtest_best_proportions(&q, xp, np_, 4, 1, 1), PATRON_OK);
    static const int map[4] = {2, 3, 1, 0}; /* arm i of x is arm map[i] of xp */
    for (int i = 0; i < 4; i++) {
        assert_true(near(r.prob_best[i], q.prob_best[map[i]], 1e-11, 1e-15));
        assert_true(near(r.expected_loss[i], q.expected_loss[map[i]], 1e-11, 1e-16));
    }
    int64_t x5[5] = {120, 150, 95, 160, 1}, n5[5] = {1000, 1000, 1000, 1000, 1000};
    patron_abtest_best_result f = PATRON_ABTEST_INIT(patron_abtest_best_result);
    assert_int_equal(patron_abtest_best_proportions(&f, x5, n5, 5, 1, 1), PATRON_OK);
    assert_true(f.prob_best[4] < 1e-30);
    for (int i = 0; i < 4; i++)
        assert_true(near(f.prob_best[i], r.prob_best[i], 1e-11, 1e-15));
    assert_true(near(f.expected_loss[4], f.expected_loss[3] + (160 - 1) / 1002.0, 1e-12, 0));
}

static void test_errors(void **state)
{
    (void)state;
    patron_abtest_best_result r = PATRON_ABTEST_INIT(patron_abtest_best_result), before;
    memcpy(&before, &r, sizeof r);
    int64_t x[3] = {1, 12, 3}, n[3] = {10, 10, 10};
    assert_int_equal(patron_abtest_best_proportions(&r, x, n, 3, 1, 1), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "arm 1 has x = 12, n = 10"));
    x[1] = 2;
    assert_int_equal(patron_abtest_best_proportions(&r, x, n, 1, 1, 1), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "1 arms"));
    assert_int_equal(patron_abtest_best_proportions(&r, x, n, 3, 0, 1), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "prior (0, 1)"));
    double m[3] = {1, 2, 3}, sd[3] = {1, 0, 1};
    assert_int_equal(patron_abtest_best_means(&r, n, m, sd, 3), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "arm 1 has n = 10, mean = 2, sd = 0"));
    sd[1] = 1e-20;
    assert_int_equal(patron_abtest_best_means(&r, n, m, sd, 3), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "too small"));
    r.size = 8;
    assert_int_equal(patron_abtest_best_means(&r, n, m, sd, 3), PATRON_EINVAL);
    r.size = before.size;
    assert_memory_equal(&r, &before, sizeof r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_best_reference),
        cmocka_unit_test(test_best_million),
        cmocka_unit_test(test_two_arms_closed_forms),
        cmocka_unit_test(test_permutation_and_hopeless_arm),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
