/* Regression adjustment with several covariates (means and ratio metrics),
 * post-stratification and quantile metrics against
 * tests/data/abtest_adjust_vectors.json (statsmodels OLS, numpy, scipy;
 * see gen_abtest_adjust.py), the sufficient-statistics path against the
 * raw-row path, the no-covariate cases against the tests they reduce to,
 * the coverage of the quantile intervals by seeded simulation, and the
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
#include "patron/simulate.h"
#include "support.h"

static patron_json *doc;
static int bad;

static double num(const patron_json *c, const char *k)
{
    return patron__json_number(patron__json_get(c, k));
}

static double at(const patron_json *c, const char *k, size_t i)
{
    return patron__json_number(patron__json_at(patron__json_get(c, k), i));
}

/* rel tolerance, with abs for values near 0 */
static void chk(const char *what, size_t ci, double got, double want, double rel, double abs_tol)
{
    if (!pt_close(got, want, rel, abs_tol)) {
        print_message("FAIL case %zu %s: got %.17g expected %.17g\n", ci, what, got, want);
        bad++;
    }
}

/* Rows of a JSON array of arrays into a malloc'ed row-major buffer. */
static double *matrix(const patron_json *m, size_t *n, size_t *p)
{
    *n = patron__json_len(m);
    *p = patron__json_len(patron__json_at(m, 0));
    double *v = malloc(*n * *p * sizeof *v + 1);
    for (size_t i = 0; i < *n; i++)
        for (size_t j = 0; j < *p; j++)
            v[i * *p + j] = patron__json_number(patron__json_at(patron__json_at(m, i), j));
    return v;
}

static double *vector(const patron_json *m, size_t *n)
{
    *n = patron__json_len(m);
    double *v = malloc(*n * sizeof *v + 1);
    for (size_t i = 0; i < *n; i++)
        v[i] = patron__json_number(patron__json_at(m, i));
    return v;
}

static int setup(void **state)
{
    (void)state;
    size_t len;
    char *text = pt_read_file(pt_data_path("abtest_adjust_vectors.json"), &len);
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

static void compare_adjusted(const char *path, size_t ci, const patron_json *c, const patron_abtest_adjusted_result *r,
                             double rel, int ratio)
{
    char w[64];
#define CK(field, got, want)                                      \
    do {                                                          \
        snprintf(w, sizeof w, "%s %s", path, field);              \
        chk(w, ci, got, want, rel, rel * 1e-3);                   \
    } while (0)
    size_t k = patron__json_len(patron__json_get(c, "beta"));
    assert_int_equal(r->covariates, (int64_t)k);
    for (size_t i = 0; i < k; i++)
        CK("beta", r->beta[i], at(c, "beta", i));
    CK("effect", r->effect.effect, num(c, "effect"));
    CK("se", r->effect.se, num(c, "se"));
    CK("adjusted_mean_a", r->adjusted_mean_a, num(c, "adjusted_mean_a"));
    CK("adjusted_mean_b", r->adjusted_mean_b, num(c, "adjusted_mean_b"));
    CK("se_unadjusted", r->se_unadjusted, num(c, "se_unadjusted"));
    CK("variance_reduction", r->variance_reduction, 1 - pow(num(c, "se") / num(c, "se_unadjusted"), 2));
    if (ratio) {
        CK("mean_a", r->mean_a, num(c, "mean_a"));
        CK("mean_b", r->mean_b, num(c, "mean_b"));
        assert_true(isnan(r->ols.p_two_sided));
        return;
    }
    CK("p", r->effect.p_two_sided, num(c, "p"));
    CK("ci_low", r->effect.ci_low, at(c, "ci", 0));
    CK("ci_high", r->effect.ci_high, at(c, "ci", 1));
    CK("ols.se", r->ols.se, num(c, "ols_se"));
    CK("ols.df", r->ols.df, num(c, "ols_df"));
    CK("ols.p", r->ols.p_two_sided, num(c, "ols_p"));
    /* interval ends: effect -/+ t se, to 1e-9 se (the t quantile is good to about 1e-10) */
    snprintf(w, sizeof w, "%s ols.ci", path);
    chk(w, ci, r->ols.ci_low, at(c, "ols_ci", 0), 0, 1e-9 * r->ols.se);
    chk(w, ci, r->ols.ci_high, at(c, "ols_ci", 1), 0, 1e-9 * r->ols.se);
    CK("residual_var_a", r->residual_var_a, num(c, "residual_var_a"));
    CK("residual_var_b", r->residual_var_b, num(c, "residual_var_b"));
    CK("diff_unadjusted", r->diff_unadjusted, num(c, "diff_unadjusted"));
    snprintf(w, sizeof w, "%s r_squared", path);
    chk(w, ci, r->r_squared, num(c, "r_squared_within"), rel, 1e-12);
    CK("rel_lift", r->rel_lift, num(c, "rel_lift"));
    CK("rel_lift_se", r->rel_lift_se, num(c, "rel_lift_se"));
#undef CK
}

/* Both paths (rows, sufficient statistics) of every cuped and ratio case. */
static void test_adjusted_reference(void **state)
{
    (void)state;
    const patron_json *cases = patron__json_get(doc, "cases");
    int seen_cuped = 0, seen_ratio = 0;
    bad = 0;
    for (size_t ci = 0; ci < patron__json_len(cases); ci++) {
        const patron_json *c = patron__json_at(cases, ci);
        const char *kind = patron__json_string(patron__json_get(c, "kind"));
        int ratio = !strcmp(kind, "ratio");
        if (strcmp(kind, "cuped") && !ratio)
            continue;
        seen_cuped += !ratio;
        seen_ratio += ratio;
        size_t na, nb, p, p2;
        double *ra = matrix(patron__json_get(c, "rows_a"), &na, &p);
        double *rb = matrix(patron__json_get(c, "rows_b"), &nb, &p2);
        double alpha = num(c, "alpha");
        patron_abtest_adjusted_result r1 = PATRON_ABTEST_INIT(patron_abtest_adjusted_result);
        patron_abtest_adjusted_result r2 = PATRON_ABTEST_INIT(patron_abtest_adjusted_result);
        patron_abtest_moments ma, mb;
        assert_int_equal(patron_abtest_moments_from_rows(&ma, ra, na, p), PATRON_OK);
        assert_int_equal(patron_abtest_moments_from_rows(&mb, rb, nb, p), PATRON_OK);
        if (ratio) {
            assert_int_equal(patron_abtest_ratio_cuped_rows(&r1, ra, na, rb, nb, p, alpha), PATRON_OK);
            assert_int_equal(patron_abtest_ratio_cuped_moments(&r2, &ma, &mb, alpha), PATRON_OK);
        } else {
            assert_int_equal(patron_abtest_cuped_rows(&r1, ra, na, rb, nb, p, alpha), PATRON_OK);
            assert_int_equal(patron_abtest_cuped_moments(&r2, &ma, &mb, alpha), PATRON_OK);
        }
        compare_adjusted("rows", ci, c, &r1, 1e-10, ratio);
        compare_adjusted("moments", ci, c, &r2, 1e-8, ratio);
        /* The two paths agree with each other more closely than with the reference. */
        chk("rows vs moments effect", ci, r2.effect.effect, r1.effect.effect, 1e-9, 1e-12);
        chk("rows vs moments se", ci, r2.effect.se, r1.effect.se, 1e-9, 0);
        assert_int_equal(r1.n_a, (int64_t)na);
        assert_true(r1.alpha == alpha);
        free(ra);
        free(rb);
    }
    assert_true(seen_cuped >= 4 && seen_ratio >= 3);
    assert_int_equal(bad, 0);
}

/* No covariate: the OLS test is Student's t and the ratio test is
 * patron_abtest_ratio(). */
static void test_no_covariate_reductions(void **state)
{
    (void)state;
    const double ya[6] = {3, 5, 4, 8, 6, 7}, yb[5] = {6, 9, 7, 10, 8};
    patron_abtest_adjusted_result r = PATRON_ABTEST_INIT(patron_abtest_adjusted_result);
    assert_int_equal(patron_abtest_cuped_rows(&r, ya, 6, yb, 5, 1, 0.05), PATRON_OK);
    patron_abtest_means_result m = PATRON_ABTEST_INIT(patron_abtest_means_result);
    assert_int_equal(patron_abtest_means_samples(&m, ya, 6, yb, 5, 0.05), PATRON_OK);
    assert_true(pt_close(r.ols.effect, m.student.effect, 1e-14, 0));
    assert_true(pt_close(r.ols.se, m.student.se, 1e-13, 0));
    assert_true(pt_close(r.ols.p_two_sided, m.student.p_two_sided, 1e-12, 0));
    assert_true(pt_close(r.effect.se, m.welch.se, 1e-13, 0));
    assert_true(pt_close(r.welch_df, m.welch.df, 1e-12, 0));
    assert_true(r.variance_reduction == 0 || fabs(r.variance_reduction) < 1e-15);
    /* independent arms without covariates: the plain relative-lift formula */
    assert_true(pt_close(r.rel_lift_se, m.rel_lift_se, 1e-12, 0));

    const double rows_a[10] = {10, 1, 25, 2, 7, 1, 40, 3, 12, 2}, rows_b[8] = {30, 2, 15, 1, 44, 3, 9, 1};
    patron_abtest_ratio_stats sa, sb;
    const double m_a[5] = {10, 25, 7, 40, 12}, d_a[5] = {1, 2, 1, 3, 2}, m_b[4] = {30, 15, 44, 9}, d_b[4] = {2, 1, 3, 1};
    assert_int_equal(patron_abtest_ratio_stats_from_rows(&sa, m_a, d_a, 5), PATRON_OK);
    assert_int_equal(patron_abtest_ratio_stats_from_rows(&sb, m_b, d_b, 4), PATRON_OK);
    patron_abtest_ratio_result rr = PATRON_ABTEST_INIT(patron_abtest_ratio_result);
    assert_int_equal(patron_abtest_ratio(&rr, &sa, &sb, 0.05), PATRON_OK);
    assert_int_equal(patron_abtest_ratio_cuped_rows(&r, rows_a, 5, rows_b, 4, 2, 0.05), PATRON_OK);
    assert_true(pt_close(r.effect.effect, rr.diff.effect, 1e-14, 0));
    assert_true(pt_close(r.effect.se, rr.diff.se, 1e-12, 0));
    assert_true(pt_close(r.rel_lift, rr.rel.effect, 1e-13, 0));
    assert_true(pt_close(r.rel_lift_se, rr.rel.se, 1e-12, 0));
}

/* A covariate equal to the outcome explains everything; one that is a
 * shifted copy of another is collinear. The size rule: an old caller's
 * smaller struct gets only its prefix. */
static void test_adjusted_edges(void **state)
{
    (void)state;
    double a[8] = {1, 2, 2, 4, 3, 6, 4, 8}, b[8] = {2, 3, 3, 5, 4, 7, 6, 9};
    patron_abtest_adjusted_result r = PATRON_ABTEST_INIT(patron_abtest_adjusted_result);
    assert_int_equal(patron_abtest_cuped_rows(&r, a, 4, b, 4, 2, 0.05), PATRON_OK);
    double c3[12] = {1, 2, 3, 2, 4, 5, 3, 6, 7, 4, 8, 9};
    r.mean_a = 12345;
    int rc = patron_abtest_cuped_rows(&r, c3, 4, c3, 4, 3, 0.05);
    assert_int_equal(rc, PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "covariate 1 (variable 2)"));
    assert_true(r.mean_a == 12345);
    double nan_rows[4] = {1, 2, NAN, 4};
    assert_int_equal(patron_abtest_cuped_rows(&r, a, 4, nan_rows, 2, 2, 0.05), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "rows_b: row 1, column 0 is nan"));
    assert_int_equal(patron_abtest_cuped_rows(&r, a, 4, b, 4, 10, 0.05), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "p is 10, expected 1 to 9"));
    patron_abtest_moments ma, mb;
    assert_int_equal(patron_abtest_moments_from_rows(&ma, a, 4, 2), PATRON_OK);
    assert_int_equal(patron_abtest_moments_from_rows(&mb, c3, 4, 3), PATRON_OK);
    assert_int_equal(patron_abtest_cuped_moments(&r, &ma, &mb, 0.05), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "p of a is 2 but p of b is 3"));
    mb = ma;
    mb.n = 1;
    assert_int_equal(patron_abtest_cuped_moments(&r, &ma, &mb, 0.05), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "n of b is 1"));
    mb = ma;
    mb.sum_cross[1] = INFINITY;
    assert_int_equal(patron_abtest_cuped_moments(&r, &ma, &mb, 0.05), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "sum_cross[0][1] of b is inf"));
    double zero_d[4] = {1, 0, 2, 0};
    assert_int_equal(patron_abtest_ratio_cuped_rows(&r, a, 4, zero_d, 2, 2, 0.05), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "denominators of b sum to 0"));
    /* the lower triangle of sum_cross is not read */
    patron_abtest_adjusted_result r1 = PATRON_ABTEST_INIT(patron_abtest_adjusted_result), r2 = r1;
    assert_int_equal(patron_abtest_moments_from_rows(&mb, b, 4, 2), PATRON_OK);
    assert_int_equal(patron_abtest_cuped_moments(&r1, &ma, &mb, 0.05), PATRON_OK);
    mb.sum_cross[1 * PATRON_ABTEST_MAX_VARS + 0] = -1e300;
    assert_int_equal(patron_abtest_cuped_moments(&r2, &ma, &mb, 0.05), PATRON_OK);
    assert_memory_equal(&r1, &r2, sizeof r1);
    /* an older, smaller struct */
    struct {
        uint32_t size;
        int64_t n_a;
        int64_t n_b;
    } old = {sizeof old, 0, 0};
    assert_int_equal(patron_abtest_cuped_moments((patron_abtest_adjusted_result *)(void *)&old, &ma, &mb, 0.05),
                     PATRON_EINVAL); /* smaller than the first release of the struct */
}

static patron_abtest_summary summary_of(const patron_json *v)
{
    size_t n;
    double *x = vector(v, &n);
    patron_abtest_summary s;
    assert_int_equal(patron_abtest_summarize(&s, x, n), PATRON_OK);
    free(x);
    return s;
}

static void test_poststrat_reference(void **state)
{
    (void)state;
    const patron_json *cases = patron__json_get(doc, "cases");
    int seen = 0;
    bad = 0;
    for (size_t ci = 0; ci < patron__json_len(cases); ci++) {
        const patron_json *c = patron__json_at(cases, ci);
        if (strcmp(patron__json_string(patron__json_get(c, "kind")), "poststrat"))
            continue;
        seen++;
        const patron_json *ja = patron__json_get(c, "strata_a"), *jb = patron__json_get(c, "strata_b");
        size_t h = patron__json_len(ja);
        patron_abtest_summary sa[8], sb[8];
        for (size_t i = 0; i < h; i++) {
            sa[i] = summary_of(patron__json_at(ja, i));
            sb[i] = summary_of(patron__json_at(jb, i));
        }
        double w[8];
        const patron_json *jw = patron__json_get(c, "weights");
        int given = patron__json_type(jw) != PATRON_JSON_NULL;
        for (size_t i = 0; given && i < h; i++)
            w[i] = patron__json_number(patron__json_at(jw, i));
        patron_abtest_poststrat_result r = PATRON_ABTEST_INIT(patron_abtest_poststrat_result);
        assert_int_equal(patron_abtest_poststratify(&r, sa, sb, given ? w : NULL, h, num(c, "alpha")), PATRON_OK);
        chk("mean_a", ci, r.mean_a, num(c, "mean_a"), 1e-12, 0);
        chk("mean_b", ci, r.mean_b, num(c, "mean_b"), 1e-12, 0);
        chk("effect", ci, r.effect.effect, num(c, "effect"), 1e-11, 1e-13);
        chk("se", ci, r.effect.se, num(c, "se"), 1e-11, 0);
        chk("diff_unadjusted", ci, r.diff_unadjusted, num(c, "diff_unadjusted"), 1e-11, 1e-13);
        chk("se_unadjusted", ci, r.se_unadjusted, num(c, "se_unadjusted"), 1e-11, 0);
        chk("rel_lift", ci, r.rel_lift, num(c, "rel_lift"), 1e-11, 1e-14);
        chk("rel_lift_se", ci, r.rel_lift_se, num(c, "rel_lift_se"), 1e-11, 0);
        assert_int_equal(r.strata, (int64_t)h);
    }
    assert_int_equal(seen, 2);
    assert_int_equal(bad, 0);
    /* one stratum with the pooled weight: the plain difference of means */
    patron_abtest_summary a = {50, 10, 3}, b = {40, 11, 4};
    patron_abtest_poststrat_result r = PATRON_ABTEST_INIT(patron_abtest_poststrat_result);
    assert_int_equal(patron_abtest_poststratify(&r, &a, &b, NULL, 1, 0.05), PATRON_OK);
    assert_true(pt_close(r.effect.se, sqrt(9.0 / 50 + 16.0 / 40), 1e-15, 0));
    assert_true(fabs(r.variance_reduction) < 1e-14);
    /* errors */
    patron_abtest_summary one = {1, 10, 0};
    r.mean_a = 12345;
    assert_int_equal(patron_abtest_poststratify(&r, &a, &one, NULL, 1, 0.05), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "stratum 0: n_b is 1"));
    double wneg = -1;
    assert_int_equal(patron_abtest_poststratify(&r, &a, &b, &wneg, 1, 0.05), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "stratum 0: weight -1"));
    assert_true(r.mean_a == 12345);
}

static void test_quantile_reference(void **state)
{
    (void)state;
    const patron_json *cases = patron__json_get(doc, "cases");
    int seen = 0;
    bad = 0;
    for (size_t ci = 0; ci < patron__json_len(cases); ci++) {
        const patron_json *c = patron__json_at(cases, ci);
        if (strcmp(patron__json_string(patron__json_get(c, "kind")), "quantile"))
            continue;
        seen++;
        size_t na, nb;
        double *a = vector(patron__json_get(c, "a"), &na), *b = vector(patron__json_get(c, "b"), &nb);
        patron_abtest_quantile_result r = PATRON_ABTEST_INIT(patron_abtest_quantile_result);
        assert_int_equal(patron_abtest_quantile(&r, a, na, b, nb, num(c, "q"), num(c, "alpha")), PATRON_OK);
        chk("quantile_a", ci, r.quantile_a, num(c, "quantile_a"), 1e-14, 0);
        chk("quantile_b", ci, r.quantile_b, num(c, "quantile_b"), 1e-14, 0);
        for (int i = 0; i < 2; i++) {
            chk("ci_a", ci, r.ci_a[i], at(c, "ci_a", (size_t)i), 0, 0); /* order statistics: exact */
            chk("ci_b", ci, r.ci_b[i], at(c, "ci_b", (size_t)i), 0, 0);
        }
        chk("coverage_a", ci, r.coverage_a, num(c, "coverage_a"), 1e-12, 0);
        chk("coverage_b", ci, r.coverage_b, num(c, "coverage_b"), 1e-12, 0);
        chk("se_a", ci, r.se_a, num(c, "se_a"), 1e-12, 0);
        chk("se_b", ci, r.se_b, num(c, "se_b"), 1e-12, 0);
        chk("diff", ci, r.diff.effect, num(c, "effect"), 1e-13, 1e-13);
        chk("se", ci, r.diff.se, num(c, "se"), 1e-12, 0);
        chk("p", ci, r.diff.p_two_sided, num(c, "p"), 1e-10, 0);
        chk("rel_lift", ci, r.rel_lift, num(c, "rel_lift"), 1e-13, 1e-15);
        chk("rel_lift_se", ci, r.rel_lift_se, num(c, "rel_lift_se"), 1e-12, 0);
        assert_true(r.coverage_a >= 1 - num(c, "alpha") && r.coverage_b >= 1 - num(c, "alpha"));
        free(a);
        free(b);
    }
    assert_int_equal(seen, 4);
    assert_int_equal(bad, 0);
}

/* Coverage by simulation: two arms from the same log-normal law (days to
 * the second purchase); the 95% interval of the difference of medians and
 * of p90s should cover 0 about 95% of the time, and each arm's exact
 * interval its true quantile at least 95% (minus sampling noise). 1000
 * replications: the binomial sd of a coverage near 0.95 is 0.007. */
static void test_quantile_coverage(void **state)
{
    (void)state;
    enum { REPS = 1000, N = 400 };
    const double qs[2] = {0.5, 0.9};
    double *a = malloc(2 * N * sizeof *a), *b = a + N;
    for (int qi = 0; qi < 2; qi++) {
        double q = qs[qi], true_q = exp(log(20) + 0.8 * (qi == 0 ? 0 : 1.2815515655446004));
        int cover_diff = 0, cover_arm = 0;
        patron_rng rng;
        patron_rng_seed(&rng, 14 + (uint64_t)qi);
        for (int rep = 0; rep < REPS; rep++) {
            assert_int_equal(patron_rng_draw(&rng, PATRON_DIST_NORMAL, log(20), 0.8, a, 2 * N), PATRON_OK);
            for (int i = 0; i < 2 * N; i++)
                a[i] = exp(a[i]);
            patron_abtest_quantile_result r = PATRON_ABTEST_INIT(patron_abtest_quantile_result);
            assert_int_equal(patron_abtest_quantile(&r, a, N, b, N, q, 0.05), PATRON_OK);
            cover_diff += r.diff.ci_low <= 0 && 0 <= r.diff.ci_high;
            cover_arm += r.ci_a[0] <= true_q && true_q <= r.ci_a[1];
        }
        print_message("q %.1f: difference interval covers %.3f, arm interval %.3f (nominal 0.95)\n", q,
                      (double)cover_diff / REPS, (double)cover_arm / REPS);
        assert_true(cover_diff >= 930 && cover_diff <= 970);
        assert_true(cover_arm >= 935);
    }
    free(a);
}

static void test_quantile_errors(void **state)
{
    (void)state;
    double a[3] = {1, 2, 3}, b[3] = {2, NAN, 4};
    patron_abtest_quantile_result r = PATRON_ABTEST_INIT(patron_abtest_quantile_result);
    r.q = 12345;
    assert_int_equal(patron_abtest_quantile(&r, a, 3, a, 3, 1.0, 0.05), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "q 1 is outside (0, 1)"));
    assert_int_equal(patron_abtest_quantile(&r, a, 3, b, 3, 0.5, 0.05), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "b[1] is nan"));
    assert_int_equal(patron_abtest_quantile(&r, a, 1, a, 3, 0.5, 0.05), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "n_a is 1"));
    assert_true(r.q == 12345);
    /* ties: identical arms give a zero difference, a p of 1 */
    double t[6] = {5, 5, 5, 5, 5, 5};
    assert_int_equal(patron_abtest_quantile(&r, t, 6, t, 6, 0.5, 0.05), PATRON_OK);
    assert_true(r.diff.effect == 0 && r.diff.p_two_sided == 1 && r.se_a == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adjusted_reference), cmocka_unit_test(test_no_covariate_reductions),
        cmocka_unit_test(test_adjusted_edges),     cmocka_unit_test(test_poststrat_reference),
        cmocka_unit_test(test_quantile_reference), cmocka_unit_test(test_quantile_coverage),
        cmocka_unit_test(test_quantile_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
