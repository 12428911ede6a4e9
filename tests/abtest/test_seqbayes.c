/* The relative-effect Bayesian model (patron_abtest_bayes_relative*), the
 * one-sided confidence sequence and the futility bounds of a group-
 * sequential design against tests/data/abtest_seqbayes_vectors.json
 * (mpmath at 40 digits and an independent numpy/scipy recursion, see
 * gen_abtest_seqbayes.py), plus properties the formulas imply and the
 * errors. */
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

static patron_json *doc;

static int setup(void **state)
{
    (void)state;
    size_t len;
    char *text = pt_read_file(pt_data_path("abtest_seqbayes_vectors.json"), &len);
    if (!text || patron__json_parse(&doc, text, len))
        return -1;
    free(text);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    patron__json_free(doc);
    return 0;
}

static double num(const patron_json *o, const char *k)
{
    return patron__json_number(patron__json_get(o, k));
}

static double at(const patron_json *o, const char *k, size_t i)
{
    return patron__json_number(patron__json_at(patron__json_get(o, k), i));
}

static size_t bad;

/* |got - want| <= rel |want| + abs */
static void chk(const char *what, size_t ci, double got, double want, double rel, double abs_tol)
{
    if (!(fabs(got - want) <= rel * fabs(want) + abs_tol)) {
        print_message("FAIL case %zu %s: got %.17g want %.17g\n", ci, what, got, want);
        bad++;
    }
}

static void test_bayes_relative_reference(void **state)
{
    (void)state;
    const patron_json *cases = patron__json_get(doc, "bayes_relative");
    size_t nc = patron__json_len(cases);
    assert_true(nc >= 8);
    bad = 0;
    for (size_t ci = 0; ci < nc; ci++) {
        const patron_json *c = patron__json_at(cases, ci), *e = patron__json_get(c, "expected");
        patron_abtest_bayes_relative_result r = PATRON_ABTEST_INIT(patron_abtest_bayes_relative_result);
        double alpha = num(c, "alpha"), pm = num(c, "prior_mean"), pv = num(c, "prior_variance");
        if (!strcmp(patron__json_string(patron__json_get(c, "kind")), "proportions")) {
            assert_int_equal(patron_abtest_bayes_relative_proportions(&r, (int64_t)num(c, "x_a"), (int64_t)num(c, "n_a"),
                                                                      (int64_t)num(c, "x_b"), (int64_t)num(c, "n_b"),
                                                                      alpha, pm, pv),
                             PATRON_OK);
        } else {
            patron_abtest_summary a = {(int64_t)num(c, "n_a"), num(c, "mean_a"), num(c, "sd_a")};
            patron_abtest_summary b = {(int64_t)num(c, "n_b"), num(c, "mean_b"), num(c, "sd_b")};
            assert_int_equal(patron_abtest_bayes_relative(&r, &a, &b, alpha, pm, pv), PATRON_OK);
        }
        double sd = num(e, "posterior_sd");
        chk("lift", ci, r.lift, num(e, "lift"), 1e-12, 1e-16);
        chk("lift_se", ci, r.lift_se, num(e, "lift_se"), 1e-12, 0);
        chk("posterior_mean", ci, r.posterior_mean, num(e, "posterior_mean"), 1e-12, 1e-15 * sd);
        chk("posterior_sd", ci, r.posterior_sd, sd, 1e-12, 0);
        chk("chance_to_win", ci, r.chance_to_win, num(e, "chance_to_win"), 1e-11, 1e-16);
        chk("ci low", ci, r.credible_interval[0], at(e, "credible_interval", 0), 1e-11, 1e-14 * sd);
        chk("ci high", ci, r.credible_interval[1], at(e, "credible_interval", 1), 1e-11, 1e-14 * sd);
        chk("risk_choose_control", ci, r.risk_choose_control, num(e, "risk_choose_control"), 1e-12, 1e-300);
        chk("risk_choose_treatment", ci, r.risk_choose_treatment, num(e, "risk_choose_treatment"), 1e-12, 1e-300);
        chk("prior_weight", ci, r.prior_weight, num(e, "prior_weight"), 1e-12, 1e-16);
    }
    assert_int_equal(bad, 0);
}

/* A flat prior leaves the likelihood; a very wide prior is nearly flat; a
 * very narrow one pins the posterior to the prior mean; risks differ by
 * the posterior mean (E[max(L,0)] - E[max(-L,0)] = E[L]). */
static void test_bayes_relative_properties(void **state)
{
    (void)state;
    patron_abtest_summary a = {2000, 50.0, 30.0}, b = {2100, 52.0, 31.0};
    patron_abtest_bayes_relative_result flat = PATRON_ABTEST_INIT(patron_abtest_bayes_relative_result);
    patron_abtest_bayes_relative_result wide = flat, narrow = flat;
    assert_int_equal(patron_abtest_bayes_relative(&flat, &a, &b, 0.05, 0, 0), PATRON_OK);
    assert_true(fabs(flat.posterior_mean - 0.04) < 1e-15);
    assert_true(flat.posterior_sd == flat.lift_se && flat.prior_weight == 0);
    assert_int_equal(patron_abtest_bayes_relative(&wide, &a, &b, 0.05, 0.5, 1e12), PATRON_OK);
    assert_true(fabs(wide.posterior_mean - flat.posterior_mean) < 1e-12);
    assert_int_equal(patron_abtest_bayes_relative(&narrow, &a, &b, 0.05, -0.01, 1e-14), PATRON_OK);
    assert_true(fabs(narrow.posterior_mean + 0.01) < 1e-9 && narrow.prior_weight > 0.99999);
    assert_true(fabs(flat.risk_choose_control - flat.risk_choose_treatment - flat.posterior_mean) < 1e-15);
    /* the proportions form is the summary form with sd = sqrt(p (1 - p)) */
    patron_abtest_bayes_relative_result p = flat, s = flat;
    assert_int_equal(patron_abtest_bayes_relative_proportions(&p, 120, 1000, 150, 1000, 0.05, 0, 0.09), PATRON_OK);
    patron_abtest_summary pa = {1000, 0.12, sqrt(0.12 * 0.88)}, pb = {1000, 0.15, sqrt(0.15 * 0.85)};
    assert_int_equal(patron_abtest_bayes_relative(&s, &pa, &pb, 0.05, 0, 0.09), PATRON_OK);
    assert_true(fabs(p.posterior_mean - s.posterior_mean) < 1e-14 && fabs(p.posterior_sd - s.posterior_sd) < 1e-15);
}

/* Far in a tail the expected loss s (phi(z) + z Phi(z)) is a difference of
 * two terms 1/z^2 apart; against its asymptotic series
 * phi(z) / z^2 (1 - 3/z^2 + 15/z^4 - 105/z^6 + 945/z^8) (error 1e-11 at
 * z = -30) for both models. */
static void test_far_tail_risk(void **state)
{
    (void)state;
    patron_abtest_summary a = {10000, 10.0, 1.0}, b = {10000, 10.0, 1.0};
    double s = sqrt(2.0 / 10000);
    b.mean = 10.0 - 30 * s; /* z = -30 */
    patron_abtest_bayes_normal_result n = PATRON_ABTEST_INIT(patron_abtest_bayes_normal_result);
    assert_int_equal(patron_abtest_bayes_normal(&n, &a, &b, 0.05, 0, 0), PATRON_OK);
    double z = n.posterior_mean / n.posterior_sd, z2 = z * z;
    double phi = exp(-0.5 * z2) / sqrt(2 * 3.14159265358979323846);
    double want = n.posterior_sd * phi / z2 * (1 - 3 / z2 + 15 / (z2 * z2) - 105 / (z2 * z2 * z2) +
                                               945 / (z2 * z2 * z2 * z2));
    assert_true(fabs(n.risk_choose_control - want) <= 1e-10 * want);
    patron_abtest_bayes_relative_result r = PATRON_ABTEST_INIT(patron_abtest_bayes_relative_result);
    assert_int_equal(patron_abtest_bayes_relative(&r, &a, &b, 0.05, 0, 0), PATRON_OK);
    z = r.posterior_mean / r.posterior_sd;
    z2 = z * z;
    phi = exp(-0.5 * z2) / sqrt(2 * 3.14159265358979323846);
    want = r.posterior_sd * phi / z2 * (1 - 3 / z2 + 15 / (z2 * z2) - 105 / (z2 * z2 * z2) + 945 / (z2 * z2 * z2 * z2));
    assert_true(z < -25);
    assert_true(fabs(r.risk_choose_control - want) <= 1e-10 * want);
}

static void test_bayes_relative_errors(void **state)
{
    (void)state;
    patron_abtest_bayes_relative_result r = PATRON_ABTEST_INIT(patron_abtest_bayes_relative_result), before;
    memcpy(&before, &r, sizeof r);
    patron_abtest_summary a = {100, 0.0, 1.0}, b = {100, 1.0, 1.0};
    assert_int_equal(patron_abtest_bayes_relative(&r, &a, &b, 0.05, 0, 0), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "A's mean is 0"));
    assert_int_equal(patron_abtest_bayes_relative_proportions(&r, 0, 100, 3, 100, 0.05, 0, 0), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "A's mean is 0"));
    assert_int_equal(patron_abtest_bayes_relative_proportions(&r, 100, 100, 100, 100, 0.05, 0, 0), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "both arms have zero variance"));
    assert_int_equal(patron_abtest_bayes_relative_proportions(&r, 5, 4, 3, 100, 0.05, 0, 0), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "arm A has x = 5, n = 4"));
    a.mean = 1;
    assert_int_equal(patron_abtest_bayes_relative(&r, &a, &b, 0.05, 0, -1), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "prior variance -1"));
    b.sd = -1;
    assert_int_equal(patron_abtest_bayes_relative(&r, &a, &b, 0.05, 0, 0), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "arm B has n = 100"));
    b.sd = 1;
    assert_int_equal(patron_abtest_bayes_relative(&r, &a, &b, 1.5, 0, 0), PATRON_EINVAL);
    assert_memory_equal(&r, &before, sizeof r);
}

static void test_cs_one_sided_reference(void **state)
{
    (void)state;
    const patron_json *cases = patron__json_get(doc, "cs_one_sided");
    size_t nc = patron__json_len(cases);
    assert_true(nc >= 6);
    bad = 0;
    for (size_t ci = 0; ci < nc; ci++) {
        const patron_json *c = patron__json_at(cases, ci), *e = patron__json_get(c, "expected");
        patron_abtest_cs_one_sided_result r = PATRON_ABTEST_INIT(patron_abtest_cs_one_sided_result);
        int dir = (int)num(c, "direction");
        assert_int_equal(patron_abtest_confidence_sequence_one_sided(&r, num(c, "estimate"), num(c, "se"),
                                                                     (int64_t)num(c, "n_total"), num(c, "alpha"),
                                                                     num(c, "n_star"), num(c, "test_value"), dir),
                         PATRON_OK);
        chk("rho", ci, r.rho, num(e, "rho"), 1e-13, 0);
        chk("halfwidth", ci, r.halfwidth, num(e, "halfwidth"), 1e-13, 0);
        chk("bound", ci, r.bound, num(e, "bound"), 1e-12, 1e-15);
        chk("p_value", ci, r.p_value, num(e, "p_value"), 1e-10, 1e-300);
        chk("fixed_halfwidth", ci, r.fixed_halfwidth, num(e, "fixed_halfwidth"), 1e-13, 0);
        assert_int_equal(r.significant, patron__json_bool(patron__json_get(e, "significant")) == 1);
        assert_int_equal(r.direction, dir);
        assert_true(dir > 0 ? (r.ci[0] == r.bound && isinf(r.ci[1])) : (isinf(r.ci[0]) && r.ci[1] == r.bound));
        /* at alpha = p the bound sits on the test value */
        if (r.p_value > 1e-6 && r.p_value < 0.49) {
            patron_abtest_cs_one_sided_result q = PATRON_ABTEST_INIT(patron_abtest_cs_one_sided_result);
            /* rho is held at the design alpha: recompute the bound from halfwidth's formula */
            double n = num(c, "n_total"), nr2 = n * r.rho * r.rho, se = num(c, "se");
            double hw = se * sqrt(n) * sqrt(2 * (nr2 + 1) / (n * nr2) * log1p(sqrt(nr2 + 1) / (2 * r.p_value)));
            chk("bound at alpha = p", ci, num(c, "estimate") - dir * hw, num(c, "test_value"), 0, 1e-12);
            (void)q;
        }
    }
    assert_int_equal(bad, 0);
    /* the one-sided bound is tighter than the two-sided sequence at the same alpha */
    patron_abtest_cs_result two = PATRON_ABTEST_INIT(patron_abtest_cs_result);
    patron_abtest_cs_one_sided_result one = PATRON_ABTEST_INIT(patron_abtest_cs_one_sided_result);
    assert_int_equal(patron_abtest_confidence_sequence(&two, 0.02, 0.01, 10000, 0.05, 5000, 0), PATRON_OK);
    assert_int_equal(patron_abtest_confidence_sequence_one_sided(&one, 0.02, 0.01, 10000, 0.05, 5000, 0, 1),
                     PATRON_OK);
    assert_true(one.halfwidth < two.halfwidth && one.halfwidth > one.fixed_halfwidth);
}

static void test_cs_one_sided_errors(void **state)
{
    (void)state;
    patron_abtest_cs_one_sided_result r = PATRON_ABTEST_INIT(patron_abtest_cs_one_sided_result), before;
    memcpy(&before, &r, sizeof r);
    assert_int_equal(patron_abtest_confidence_sequence_one_sided(&r, 0.1, 0.1, 100, 0.5, 5000, 0, 1), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "alpha 0.5 is outside (0, 0.5)"));
    assert_int_equal(patron_abtest_confidence_sequence_one_sided(&r, 0.1, 0.1, 100, 0.05, 5000, 0, 0), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "direction 0"));
    assert_int_equal(patron_abtest_confidence_sequence_one_sided(&r, 0.1, 0, 100, 0.05, 5000, 0, 1), PATRON_EINVAL);
    assert_int_equal(patron_abtest_confidence_sequence_one_sided(&r, 0.1, 0.1, 0, 0.05, 5000, 0, 1), PATRON_EINVAL);
    assert_int_equal(patron_abtest_confidence_sequence_one_sided(&r, 0.1, 0.1, 10, 0.05, 0, 0, 1), PATRON_EINVAL);
    assert_memory_equal(&r, &before, sizeof r);
}

static int spending(const char *s)
{
    return !strcmp(s, "pocock") ? PATRON_ABTEST_SPEND_POCOCK : PATRON_ABTEST_SPEND_OBF;
}

static void test_futility_reference(void **state)
{
    (void)state;
    const patron_json *cases = patron__json_get(doc, "gs_futility");
    size_t nc = patron__json_len(cases);
    assert_true(nc >= 6);
    bad = 0;
    for (size_t ci = 0; ci < nc; ci++) {
        const patron_json *c = patron__json_at(cases, ci), *e = patron__json_get(c, "expected");
        const patron_json *jt = patron__json_get(c, "information_rates");
        size_t k = patron__json_len(jt);
        double t[PATRON_ABTEST_GS_MAX_LOOKS];
        for (size_t i = 0; i < k; i++)
            t[i] = patron__json_number(patron__json_at(jt, i));
        patron_abtest_gs_futility_result r = PATRON_ABTEST_INIT(patron_abtest_gs_futility_result);
        assert_int_equal(patron_abtest_group_sequential_futility(
                             &r, t, k, num(c, "alpha"), num(c, "beta"),
                             spending(patron__json_string(patron__json_get(c, "alpha_spending"))),
                             spending(patron__json_string(patron__json_get(c, "beta_spending")))),
                         PATRON_OK);
        assert_int_equal(r.looks, (int64_t)k);
        chk("drift", ci, r.drift, num(e, "drift"), 1e-10, 0);
        chk("inflation", ci, r.inflation, num(e, "inflation"), 2e-10, 0);
        for (size_t i = 0; i < k; i++) {
            chk("efficacy_z", ci, r.efficacy_z[i], at(e, "efficacy_z", i), 1e-9, 0);
            chk("futility_z", ci, r.futility_z[i], at(e, "futility_z", i), 1e-9, 1e-10);
            chk("cumulative_alpha", ci, r.cumulative_alpha[i], at(e, "cumulative_alpha", i), 1e-12, 0);
            chk("cumulative_beta", ci, r.cumulative_beta[i], at(e, "cumulative_beta", i), 1e-12, 0);
            assert_true(r.futility_z[i] <= r.efficacy_z[i]);
        }
        for (size_t i = k; i < PATRON_ABTEST_GS_MAX_LOOKS; i++)
            assert_true(r.futility_z[i] == 0 && r.efficacy_z[i] == 0);
    }
    assert_int_equal(bad, 0);
}

static void test_futility_errors(void **state)
{
    (void)state;
    patron_abtest_gs_futility_result r = PATRON_ABTEST_INIT(patron_abtest_gs_futility_result), before;
    memcpy(&before, &r, sizeof r);
    double t[3] = {0.3, 0.6, 1.0}, bad_t[3] = {0.3, 0.2, 1.0};
    assert_int_equal(patron_abtest_group_sequential_futility(&r, t, 3, 0.025, 0.6, PATRON_ABTEST_SPEND_OBF,
                                                             PATRON_ABTEST_SPEND_OBF),
                     PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "beta 0.6 is outside (0, 0.5)"));
    assert_int_equal(patron_abtest_group_sequential_futility(&r, bad_t, 3, 0.025, 0.1, PATRON_ABTEST_SPEND_OBF,
                                                             PATRON_ABTEST_SPEND_OBF),
                     PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "patron_abtest_group_sequential_futility: "));
    assert_non_null(strstr(patron_errmsg(), "information rate 1 is 0.2"));
    assert_int_equal(patron_abtest_group_sequential_futility(&r, t, 3, 0.025, 0.1, PATRON_ABTEST_SPEND_OBF,
                                                             (patron_abtest_spending)7),
                     PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "unknown beta-spending function 7"));
    assert_int_equal(patron_abtest_group_sequential_futility(&r, t, 51, 0.025, 0.1, PATRON_ABTEST_SPEND_OBF,
                                                             PATRON_ABTEST_SPEND_OBF),
                     PATRON_EINVAL);
    assert_memory_equal(&r, &before, sizeof r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bayes_relative_reference), cmocka_unit_test(test_bayes_relative_properties),
        cmocka_unit_test(test_far_tail_risk),            cmocka_unit_test(test_bayes_relative_errors),
        cmocka_unit_test(test_cs_one_sided_reference),
        cmocka_unit_test(test_cs_one_sided_errors),      cmocka_unit_test(test_futility_reference),
        cmocka_unit_test(test_futility_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
