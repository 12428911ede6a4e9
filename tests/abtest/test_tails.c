/* Far tails: Fisher's exact test and the Student t tail against the
 * high-precision references of tests/data/abtest_tail_vectors.json (exact
 * rational arithmetic and mpmath at 60 digits; see gen_abtest_tails.py),
 * and the public tests that use them at their extremes. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal/dist.h"
#include "internal/json.h"
#include "patron/abtest.h"
#include "support.h"

static patron_json *load(void)
{
    size_t len;
    char *text = pt_read_file(pt_data_path("abtest_tail_vectors.json"), &len);
    assert_non_null(text);
    patron_json *doc = NULL;
    assert_int_equal(patron__json_parse(&doc, text, len), 0);
    free(text);
    return doc;
}

static double num(const patron_json *o, const char *key)
{
    const patron_json *v = patron__json_get(o, key);
    assert_non_null(v);
    return patron__json_number(v);
}

/* |got - want| <= rel |want| + abs */
static int near(double got, double want, double rel, double abs)
{
    if (isinf(want) || want == 0)
        return got == want;
    return fabs(got - want) <= rel * fabs(want) + abs;
}

/* ln P(T > t) to 1e-10 relative for df 1..1e9 and |t| up to 1e6. */
static void test_t_logsf(void **state)
{
    (void)state;
    patron_json *doc = load();
    const patron_json *cases = patron__json_get(doc, "t_logsf");
    size_t n = patron__json_len(cases), bad = 0;
    assert_true(n > 300);
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        const patron_json *c = patron__json_at(cases, i);
        double t = num(c, "t"), df = num(c, "df"), want = num(c, "log_sf");
        double got = patron__t_logsf(t, df);
        double err = fabs(got - want) / fabs(want);
        if (err > worst)
            worst = err;
        /* near 0 (t < 0) ln P is -P: relative to P's own rounding */
        if (!near(got, want, 1e-10, 1e-16)) {
            print_message("FAIL t = %.17g df = %.17g: ln sf %.17g, reference %.17g (rel %.3g)\n", t, df, got, want,
                          err);
            bad++;
        }
    }
    print_message("t tail: %zu cases, worst relative error of ln P %.3g\n", n, worst);
    patron__json_free(doc);
    assert_int_equal(bad, 0);
}

/* p to 1e-12 relative where the reference is a normal double (a subnormal
 * p only to its own rounding: |ln p| eps relative plus half a subnormal
 * step) and ln p to 1e-12 relative (plus the rounding of p near 1). */
static int p_ok(double got, double want)
{
    if (want >= DBL_MIN)
        return near(got, want, 1e-12, 0);
    return near(got, want, 1e-12, 1e-323);
}

static int check_fisher_field(const int64_t *t, const char *name, double got, double want, double lgot,
                              double lwant, double *worst)
{
    double e = lwant != 0 ? fabs(lgot - lwant) / fabs(lwant) : fabs(lgot);
    if (e > *worst)
        *worst = e;
    if (p_ok(got, want) && near(lgot, lwant, 1e-12, 2e-16))
        return 0;
    print_message("FAIL fisher {%lld, %lld, %lld, %lld} %s: p %.17g (reference %.17g), ln p %.17g (%.17g)\n",
                  (long long)t[0], (long long)t[1], (long long)t[2], (long long)t[3], name, got, want, lgot, lwant);
    return 1;
}

/* Fisher: p and ln p of the two-sided, less and greater tests against exact
 * rational arithmetic on 300 tables of up to 10,000 units per arm, a third
 * of them with p between 1e-320 and 1e-280 and a third far below. */
static void test_fisher_exact(void **state)
{
    (void)state;
    patron_json *doc = load();
    const patron_json *cases = patron__json_get(doc, "fisher");
    size_t n = patron__json_len(cases), bad = 0, underflow = 0;
    assert_true(n >= 300);
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        const patron_json *c = patron__json_at(cases, i);
        const patron_json *tab = patron__json_get(c, "table");
        int64_t t[4];
        for (int j = 0; j < 4; j++)
            t[j] = (int64_t)patron__json_number(patron__json_at(tab, (size_t)j));
        patron_abtest_fisher_result r = {.size = sizeof r};
        assert_int_equal(patron_abtest_fisher(&r, t, 0.05), PATRON_OK);
        if (num(c, "p_two_sided") < DBL_MIN)
            underflow++;
        bad += (size_t)check_fisher_field(t, "two-sided", r.p_two_sided, num(c, "p_two_sided"), r.log_p_two_sided,
                                          num(c, "log_p_two_sided"), &worst);
        bad += (size_t)check_fisher_field(t, "less", r.p_less, num(c, "p_less"), r.log_p_less, num(c, "log_p_less"),
                                          &worst);
        bad += (size_t)check_fisher_field(t, "greater", r.p_greater, num(c, "p_greater"), r.log_p_greater,
                                          num(c, "log_p_greater"), &worst);
    }
    print_message("fisher: %zu tables (%zu with p below the normal range), worst relative error of ln p %.3g\n", n,
                  underflow, worst);
    patron__json_free(doc);
    assert_true(underflow >= 50);
    assert_int_equal(bad, 0);
}

/* ln C(2m, m) by lgamma: exact to about 1e-16 relative of lgamma(2m). */
static double lchoose_half(double m)
{
    return lgamma(2 * m + 1) - 2 * lgamma(m + 1);
}

/* Perfectly separated arms of m customers: P(obs) = 1 / C(2m, m), and the
 * mirror table is as extreme, so two-sided p = 2 / C(2m, m). m = 2e6 takes
 * the exact walk; m = 2e7 is past its limit (lgamma in log space). */
static void test_fisher_huge_tables(void **state)
{
    (void)state;
    static const double ms[] = {2e6, 2e7};
    for (size_t i = 0; i < 2; i++) {
        double m = ms[i];
        int64_t t[4] = {(int64_t)m, 0, 0, (int64_t)m};
        patron_abtest_fisher_result r = {.size = sizeof r};
        assert_int_equal(patron_abtest_fisher(&r, t, 0.05), PATRON_OK);
        double lc = lchoose_half(m);
        print_message("m = %g: ln p %.17g, expected %.17g\n", m, r.log_p_two_sided, log(2) - lc);
        double tol = i == 0 ? 1e-12 : 1e-9;
        assert_true(near(r.log_p_two_sided, log(2) - lc, tol, 0));
        assert_true(near(r.log_p_greater, -lc, tol, 0));
        assert_true(r.p_two_sided == 0 && r.p_greater == 0);
        assert_true(r.p_less == 1 && r.log_p_less == 0);
    }
}

/* A caller compiled before log_p_less existed passes the old size: accepted,
 * and nothing past it is written. */
static void test_fisher_old_size(void **state)
{
    (void)state;
    unsigned char buf[sizeof(patron_abtest_fisher_result) + 8];
    memset(buf, 0xAB, sizeof buf);
    uint32_t old = (uint32_t)offsetof(patron_abtest_fisher_result, log_p_less);
    memcpy(buf, &old, sizeof old);
    int64_t t[4] = {10, 90, 30, 70};
    assert_int_equal(patron_abtest_fisher((patron_abtest_fisher_result *)(void *)buf, t, 0.05), PATRON_OK);
    for (size_t i = old; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0xAB);
    patron_abtest_fisher_result r;
    memcpy(&r, buf, old);
    assert_true(r.p_two_sided > 0 && r.p_two_sided < 0.01);
    uint32_t small = old - 8;
    memcpy(buf, &small, sizeof small);
    assert_int_equal(patron_abtest_fisher((patron_abtest_fisher_result *)(void *)buf, t, 0.05), PATRON_EINVAL);
}

/* The public means test reports the two-sided log p = ln 2 + ln P(T > |t|):
 * issue 14's example, n = 50,001 per arm and t = 30,000 (Student). */
static void test_means_far_tail(void **state)
{
    (void)state;
    /* Student t = diff / (sp sqrt(2/n)) with sp = 1: diff = 30000 sqrt(2/n) */
    double n = 50001;
    patron_abtest_summary a = {50001, 0, 1}, b = {50001, 30000 * sqrt(2 / n), 1};
    patron_abtest_means_result r = {.size = sizeof r};
    assert_int_equal(patron_abtest_means(&r, &a, &b, 0.05), PATRON_OK);
    assert_true(near(r.student.statistic, 30000, 1e-13, 0));
    assert_true(near(r.student.df, 100000, 0, 0));
    /* mpmath: ln(2 P(T_100000 > 30000)) = -455260.530263888... */
    double want = -455261.22341106859396 + 0.69314718055994530942;
    double lp = r.student.log_p_two_sided;
    print_message("student log p %.17g (reference %.17g)\n", lp, want);
    assert_true(near(lp, want, 1e-10 * fabs(30000 / r.student.statistic), 0) ||
                near(lp, want, 1e-9, 0)); /* t itself carries a few ulps */
}

/* Issue 14: sd 1e-150 and a difference of 1e50 made t = 1e200, whose square
 * overflowed; the step count of the tail quadrature became NaN -> int. */
static void test_means_huge_t(void **state)
{
    (void)state;
    patron_abtest_summary a = {5000, 0, 1e-150}, b = {5000, 1e50, 1e-150};
    patron_abtest_means_result r = {.size = sizeof r};
    assert_int_equal(patron_abtest_means(&r, &a, &b, 0.05), PATRON_OK);
    assert_true(r.welch.statistic > 1e199);
    assert_true(r.welch.p_two_sided == 0);
    assert_true(r.welch.log_p_two_sided < -1e6 && isfinite(r.welch.log_p_two_sided));
    assert_true(r.student.log_p_two_sided < -1e6 && isfinite(r.student.log_p_two_sided));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_t_logsf),
        cmocka_unit_test(test_fisher_exact),
        cmocka_unit_test(test_fisher_old_size),
        cmocka_unit_test(test_fisher_huge_tables),
        cmocka_unit_test(test_means_far_tail),
        cmocka_unit_test(test_means_huge_t),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
