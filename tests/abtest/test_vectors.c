/* Data-driven accuracy test: every case of ../shared/reference/
 * abtest_vectors.json and logrank_vectors.json, every expected field, at the
 * tolerance the case states (pass rule of abtest_SCHEMA.md section 4).
 * Each failing case id and field is printed; a field of `expected` that no
 * check reads is itself a failure, so nothing is skipped silently. */
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
#include "support.h"

#define LN10 2.30258509299404568401799145468436

typedef struct {
    const char *id;
    const patron_json *exp;
    double rel, abs, zero_abs;
    int logrank_rule; /* |got - exp| <= max(abs, rel |exp|) without the zero rule */
    char seen[64];    /* fields checked, by index in exp */
    int failures;
    int checks;
} vctx;

static int total_failures, total_cases, failed_cases;

/* Documented deviations: 0/0 statistics where the schema's reference gives
 * a NaN p-value and libpatron documents p = 1 ("no evidence of a
 * difference", see abtest.h). */
static int documented_p1(const vctx *c, const char *field)
{
    static const char *cases[] = {"prop_ztest-02", "prop_ztest-03", "chi2_2x2-03"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (!strcmp(c->id, cases[i]))
            return (field[0] == 'p' && (field[1] == '_' || field[1] == 0)) || !strncmp(field, "log10_p", 7);
    return 0;
}

static const patron_json *field(vctx *c, const char *name)
{
    for (size_t i = 0; i < patron__json_len(c->exp); i++)
        if (!strcmp(patron__json_key_at(c->exp, i), name)) {
            if (i < sizeof c->seen)
                c->seen[i] = 1;
            return patron__json_at(c->exp, i);
        }
    return NULL;
}

static int close_enough(const vctx *c, double got, double want)
{
    if (isnan(want))
        return isnan(got);
    if (isinf(want))
        return got == want;
    if (!c->logrank_rule && want == 0)
        return fabs(got) <= c->zero_abs;
    double tol = c->abs > c->rel * fabs(want) ? c->abs : c->rel * fabs(want);
    return fabs(got - want) <= tol;
}

static void vfail(vctx *c, const char *name, int idx, double got, double want)
{
    c->failures++;
    if (idx >= 0)
        print_message("FAIL %s %s[%d]: got %.17g expected %.17g (rel err %.3g)\n", c->id, name, idx, got, want,
                      want != 0 ? fabs(got - want) / fabs(want) : fabs(got));
    else
        print_message("FAIL %s %s: got %.17g expected %.17g (rel err %.3g)\n", c->id, name, got, want,
                      want != 0 ? fabs(got - want) / fabs(want) : fabs(got));
}

static void check_value(vctx *c, const char *name, int idx, const patron_json *e, double got)
{
    c->checks++;
    if (patron__json_type(e) == PATRON_JSON_NULL) { /* R's NA */
        if (!isnan(got))
            vfail(c, name, idx, got, NAN);
        return;
    }
    if (patron__json_type(e) == PATRON_JSON_BOOL) {
        if ((got != 0) != patron__json_bool(e))
            vfail(c, name, idx, got, patron__json_bool(e));
        return;
    }
    double want = patron__json_number(e);
    if (isnan(want) && documented_p1(c, name)) {
        double conv = !strncmp(name, "log10", 5) ? 0 : 1;
        print_message("note %s %s: reference NaN (0/0); libpatron documents p = 1, got %g\n", c->id, name, got);
        if (got != conv)
            vfail(c, name, idx, got, conv);
        return;
    }
    if (!close_enough(c, got, want))
        vfail(c, name, idx, got, want);
}

/* Scalar field; integer-looking fields are compared exactly. */
static void chk(vctx *c, const char *name, double got)
{
    const patron_json *e = field(c, name);
    if (!e)
        return;
    check_value(c, name, -1, e, got);
}

static void chk_int(vctx *c, const char *name, int64_t got)
{
    const patron_json *e = field(c, name);
    if (!e)
        return;
    c->checks++;
    double want = patron__json_number(e);
    if ((double)got != want)
        vfail(c, name, -1, (double)got, want);
}

static void chk_arr(vctx *c, const char *name, const double *got, size_t n)
{
    const patron_json *e = field(c, name);
    if (!e)
        return;
    if (patron__json_len(e) != n) {
        print_message("FAIL %s %s: %zu elements expected, %zu computed\n", c->id, name, patron__json_len(e), n);
        c->failures++;
        return;
    }
    for (size_t i = 0; i < n; i++)
        check_value(c, name, (int)i, patron__json_at(e, i), got[i]);
}

static double num(const patron_json *v, const char *key)
{
    return patron__json_number(patron__json_get(v, key));
}

static double *num_array(const patron_json *a, size_t *n)
{
    *n = patron__json_len(a);
    double *x = malloc((*n ? *n : 1) * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < *n; i++)
        x[i] = patron__json_number(patron__json_at(a, i));
    return x;
}

static void test_of(vctx *c, const char *sfx, const patron_abtest_test *t, int with_ci)
{
    char k[64];
    snprintf(k, sizeof k, "se_%s", sfx);
    chk(c, k, t->se);
    snprintf(k, sizeof k, "t_%s", sfx);
    chk(c, k, t->statistic);
    snprintf(k, sizeof k, "z_%s", sfx);
    chk(c, k, t->statistic);
    snprintf(k, sizeof k, "df_%s", sfx);
    chk(c, k, t->df);
    snprintf(k, sizeof k, "p_two_sided_%s", sfx);
    chk(c, k, t->p_two_sided);
    snprintf(k, sizeof k, "p_greater_%s", sfx);
    chk(c, k, t->p_greater);
    snprintf(k, sizeof k, "p_less_%s", sfx);
    chk(c, k, t->p_less);
    snprintf(k, sizeof k, "log10_p_two_sided_%s", sfx);
    chk(c, k, t->log_p_two_sided / LN10);
    if (with_ci) {
        double ci[2] = {t->ci_low, t->ci_high};
        snprintf(k, sizeof k, "ci_%s", sfx);
        chk_arr(c, k, ci, 2);
    }
}

static void run_prop_ztest(vctx *c, const patron_json *in)
{
    patron_abtest_prop_result r = PATRON_ABTEST_INIT(patron_abtest_prop_result);
    assert_int_equal(patron_abtest_proportions(&r, (int64_t)num(in, "x_a"), (int64_t)num(in, "n_a"),
                                               (int64_t)num(in, "x_b"), (int64_t)num(in, "n_b"), num(in, "alpha")),
                     PATRON_OK);
    chk(c, "p_a", r.p_a);
    chk(c, "p_b", r.p_b);
    chk(c, "diff", r.diff);
    chk(c, "p_pooled", r.p_pooled);
    test_of(c, "pooled", &r.pooled, 0);
    test_of(c, "unpooled", &r.unpooled, 0);
    double ci[2] = {r.unpooled.ci_low, r.unpooled.ci_high};
    chk_arr(c, "ci_diff_wald_unpooled", ci, 2);
    chk(c, "chi2_equals_z_pooled_squared", r.chi2);
}

static void table_of(const patron_json *in, int64_t t[4])
{
    const patron_json *tb = patron__json_get(in, "table");
    for (int i = 0; i < 4; i++)
        t[i] = (int64_t)patron__json_number(patron__json_at(patron__json_at(tb, (size_t)i / 2), (size_t)i % 2));
}

static void run_chi2(vctx *c, const patron_json *in)
{
    int64_t t[4];
    table_of(in, t);
    patron_abtest_chi2_result r = PATRON_ABTEST_INIT(patron_abtest_chi2_result);
    assert_int_equal(patron_abtest_chi2_2x2(&r, t), PATRON_OK);
    const patron_json *e = field(c, "expected_counts");
    for (int i = 0; e && i < 4; i++)
        check_value(c, "expected_counts", i, patron__json_at(patron__json_at(e, (size_t)i / 2), (size_t)i % 2),
                    r.expected[i]);
    chk(c, "chi2", r.chi2);
    chk(c, "p", r.p);
    chk(c, "chi2_yates", r.chi2_yates);
    chk(c, "p_yates", r.p_yates);
    chk(c, "g", r.g);
    chk(c, "p_g", r.p_g);
    chk_int(c, "dof", r.dof);
    chk(c, "log10_p", r.log_p / LN10);
}

static void run_fisher(vctx *c, const patron_json *in)
{
    int64_t t[4];
    table_of(in, t);
    patron_abtest_fisher_result r = PATRON_ABTEST_INIT(patron_abtest_fisher_result);
    assert_int_equal(patron_abtest_fisher(&r, t, 0.05), PATRON_OK);
    chk(c, "p_two_sided", r.p_two_sided);
    chk(c, "p_less", r.p_less);
    chk(c, "p_greater", r.p_greater);
    chk(c, "odds_ratio_sample", r.odds_ratio);
    chk(c, "log10_p_two_sided", r.log_p_two_sided / LN10);
}

static void means_fields(vctx *c, const patron_abtest_means_result *r)
{
    chk(c, "diff", r->diff);
    test_of(c, "welch", &r->welch, 1);
    test_of(c, "student", &r->student, 1);
    chk(c, "pooled_variance", r->pooled_variance);
}

static void run_ttest_summary(vctx *c, const patron_json *in)
{
    patron_abtest_summary a = {(int64_t)num(in, "n_a"), num(in, "mean_a"), num(in, "sd_a")};
    patron_abtest_summary b = {(int64_t)num(in, "n_b"), num(in, "mean_b"), num(in, "sd_b")};
    patron_abtest_means_result r = PATRON_ABTEST_INIT(patron_abtest_means_result);
    assert_int_equal(patron_abtest_means(&r, &a, &b, num(in, "alpha")), PATRON_OK);
    means_fields(c, &r);
}

static void run_ttest_raw(vctx *c, const patron_json *in)
{
    size_t na, nb;
    double *a = num_array(patron__json_get(in, "a"), &na), *b = num_array(patron__json_get(in, "b"), &nb);
    patron_abtest_means_result r = PATRON_ABTEST_INIT(patron_abtest_means_result);
    assert_int_equal(patron_abtest_means_samples(&r, a, na, b, nb, num(in, "alpha")), PATRON_OK);
    chk(c, "mean_a", r.a.mean);
    chk(c, "mean_b", r.b.mean);
    chk(c, "sd_a", r.a.sd);
    chk(c, "sd_b", r.b.sd);
    chk_int(c, "n_a", r.a.n);
    chk_int(c, "n_b", r.b.n);
    means_fields(c, &r);
    free(a);
    free(b);
}

static void run_mw(vctx *c, const patron_json *in)
{
    size_t na, nb;
    double *a = num_array(patron__json_get(in, "a"), &na), *b = num_array(patron__json_get(in, "b"), &nb);
    patron_abtest_mw_result r = PATRON_ABTEST_INIT(patron_abtest_mw_result);
    assert_int_equal(patron_abtest_mannwhitney(&r, a, na, b, nb, 0.05), PATRON_OK);
    chk(c, "u_b", r.u_b);
    chk(c, "u_a", r.u_a);
    chk_int(c, "n_a", (int64_t)na);
    chk_int(c, "n_b", (int64_t)nb);
    chk(c, "has_ties", r.has_ties);
    chk(c, "tie_term", r.tie_term);
    chk(c, "z_asymptotic", r.z);
    chk(c, "p_two_sided_asymptotic", r.p_two_sided);
    chk(c, "p_greater_asymptotic", r.p_greater);
    chk(c, "p_less_asymptotic", r.p_less);
    chk(c, "p_two_sided_exact", r.p_two_sided_exact);
    chk(c, "p_greater_exact", r.p_greater_exact);
    chk(c, "p_less_exact", r.p_less_exact);
    free(a);
    free(b);
}

static void run_power_prop(vctx *c, const patron_json *in)
{
    const patron_json *ng = patron__json_get(in, "n1_given");
    const char *alt = patron__json_string(patron__json_get(in, "alternative"));
    int sides = alt && !strcmp(alt, "two-sided") ? 2 : 1;
    patron_abtest_power_prop_result r = PATRON_ABTEST_INIT(patron_abtest_power_prop_result);
    assert_int_equal(patron_abtest_power_prop(&r, num(in, "p1_control"), num(in, "p2_treatment"), num(in, "alpha"),
                                              num(in, "power"), num(in, "ratio_n2_over_n1"), sides,
                                              ng ? patron__json_number(ng) : 0),
                     PATRON_OK);
    chk(c, "cohen_h", r.cohen_h);
    chk(c, "n1_cohen_h_normalindpower", r.n1_cohen_h);
    chk_int(c, "n1_cohen_h_normalindpower_ceil", r.n1_cohen_h_ceil);
    chk(c, "n1_pooled_formula", r.n1_pooled);
    chk_int(c, "n1_pooled_formula_ceil", r.n1_pooled_ceil);
    chk(c, "n1_pooled_strict", r.n1_pooled_strict);
    chk_int(c, "n1_pooled_strict_ceil", r.n1_pooled_strict_ceil);
    chk(c, "n_evanmiller", r.n_evanmiller);
    chk_int(c, "n_evanmiller_round", r.n_evanmiller_round);
    chk(c, "power_at_n1_given_cohen_h", r.power_cohen_h);
    chk(c, "power_at_n1_given_pooled", r.power_pooled);
    chk(c, "power_at_n1_given_pooled_strict", r.power_pooled_strict);
}

static void run_power_mean(vctx *c, const patron_json *in)
{
    const char *alt = patron__json_string(patron__json_get(in, "alternative"));
    int sides = !alt || !strcmp(alt, "two-sided") ? 2 : 1;
    patron_abtest_power_mean_result r = PATRON_ABTEST_INIT(patron_abtest_power_mean_result);
    assert_int_equal(patron_abtest_power_mean(&r, num(in, "delta"), num(in, "sd"), num(in, "alpha"), num(in, "power"),
                                              num(in, "ratio_n2_over_n1"), sides),
                     PATRON_OK);
    chk(c, "effect_size_d", r.effect_size_d);
    chk(c, "n1_z_formula", r.n1_z);
    chk_int(c, "n1_z_formula_ceil", r.n1_z_ceil);
    chk(c, "n1_ttestindpower", r.n1_t);
    chk_int(c, "n1_ttestindpower_ceil", r.n1_t_ceil);
}

static void run_mde(vctx *c, const patron_json *in)
{
    const patron_json *sd = patron__json_get(in, "sd"), *p1 = patron__json_get(in, "p1_control");
    patron_abtest_mde_result r = PATRON_ABTEST_INIT(patron_abtest_mde_result);
    assert_int_equal(patron_abtest_mde(&r, num(in, "n1"), num(in, "alpha"), num(in, "power"),
                                       num(in, "ratio_n2_over_n1"), 2, sd ? patron__json_number(sd) : NAN,
                                       p1 ? patron__json_number(p1) : NAN),
                     PATRON_OK);
    chk(c, "mde_abs_mean", r.mde_abs_mean);
    chk(c, "mde_abs_prop_pooled_formula", r.mde_abs_prop_pooled);
    chk(c, "mde_rel_prop_pooled_formula", r.mde_rel_prop_pooled);
    chk(c, "mde_abs_prop_baseline_variance", r.mde_abs_prop_baseline);
}

static void run_beta(vctx *c, const patron_json *in)
{
    patron_abtest_beta_result r = PATRON_ABTEST_INIT(patron_abtest_beta_result);
    assert_int_equal(patron_abtest_beta_binomial(&r, (int64_t)num(in, "x_a"), (int64_t)num(in, "n_a"),
                                                 (int64_t)num(in, "x_b"), (int64_t)num(in, "n_b"),
                                                 num(in, "prior_alpha"), num(in, "prior_beta")),
                     PATRON_OK);
    chk_arr(c, "posterior_a", r.posterior_a, 2);
    chk_arr(c, "posterior_b", r.posterior_b, 2);
    chk(c, "posterior_mean_a", r.posterior_mean_a);
    chk(c, "posterior_mean_b", r.posterior_mean_b);
    chk(c, "prob_b_beats_a", r.prob_b_beats_a);
    chk(c, "expected_loss_choose_b", r.expected_loss_choose_b);
    chk(c, "expected_loss_choose_a", r.expected_loss_choose_a);
}

static void run_bayes_normal(vctx *c, const patron_json *in)
{
    patron_abtest_summary a = {(int64_t)num(in, "n_a"), num(in, "mean_a"), num(in, "sd_a")};
    patron_abtest_summary b = {(int64_t)num(in, "n_b"), num(in, "mean_b"), num(in, "sd_b")};
    const patron_json *pr = patron__json_get(in, "prior");
    int proper = patron__json_bool(patron__json_get(pr, "proper")) == 1;
    patron_abtest_bayes_normal_result r = PATRON_ABTEST_INIT(patron_abtest_bayes_normal_result);
    assert_int_equal(patron_abtest_bayes_normal(&r, &a, &b, num(in, "alpha"), proper ? num(pr, "mean") : 0,
                                                proper ? num(pr, "variance") : 0),
                     PATRON_OK);
    chk(c, "posterior_mean", r.posterior_mean);
    chk(c, "posterior_sd", r.posterior_sd);
    chk(c, "chance_to_win", r.chance_to_win);
    chk_arr(c, "credible_interval", r.credible_interval, 2);
    chk(c, "risk_choose_control", r.risk_choose_control);
    chk(c, "risk_choose_treatment", r.risk_choose_treatment);
}

static void run_multiple(vctx *c, const patron_json *in)
{
    size_t m;
    double *p = num_array(patron__json_get(in, "p_values"), &m);
    double alpha = num(in, "alpha");
    double *h = malloc(m * sizeof *h), *b = malloc(m * sizeof *b), *bo = malloc(m * sizeof *bo);
    double *hr = malloc(m * sizeof *hr), *br = malloc(m * sizeof *br);
    assert_int_equal(patron_abtest_adjust(h, b, bo, p, m), PATRON_OK);
    for (size_t i = 0; i < m; i++) {
        hr[i] = h[i] <= alpha;
        br[i] = b[i] <= alpha;
    }
    chk_arr(c, "holm", h, m);
    chk_arr(c, "bh", b, m);
    chk_arr(c, "bonferroni", bo, m);
    chk_arr(c, "holm_reject", hr, m);
    chk_arr(c, "bh_reject", br, m);
    free(p);
    free(h);
    free(b);
    free(bo);
    free(hr);
    free(br);
}

static void run_srm(vctx *c, const patron_json *in)
{
    size_t k, k2;
    double *o = num_array(patron__json_get(in, "observed"), &k), *w = num_array(patron__json_get(in, "weights"), &k2);
    int64_t obs[16];
    assert_true(k == k2 && k <= 16);
    for (size_t i = 0; i < k; i++)
        obs[i] = (int64_t)o[i];
    patron_abtest_srm_result r = PATRON_ABTEST_INIT(patron_abtest_srm_result);
    assert_int_equal(patron_abtest_srm(&r, obs, w, k, 0.001), PATRON_OK);
    chk(c, "chi2", r.chi2);
    chk_int(c, "dof", r.dof);
    chk(c, "p", r.p);
    chk(c, "log10_p", r.log_p / LN10);
    free(o);
    free(w);
}

static void rows_stats(const patron_json *rows, patron_abtest_ratio_stats *s)
{
    size_t n = patron__json_len(rows);
    double *m = malloc(n * sizeof *m), *d = malloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++) {
        m[i] = patron__json_number(patron__json_at(patron__json_at(rows, i), 0));
        d[i] = patron__json_number(patron__json_at(patron__json_at(rows, i), 1));
    }
    assert_int_equal(patron_abtest_ratio_stats_from_rows(s, m, d, n), PATRON_OK);
    free(m);
    free(d);
}

static void run_ratio(vctx *c, const patron_json *in)
{
    patron_abtest_ratio_stats a, b;
    rows_stats(patron__json_get(in, "unit_rows_a"), &a);
    rows_stats(patron__json_get(in, "unit_rows_b"), &b);
    patron_abtest_ratio_result r = PATRON_ABTEST_INIT(patron_abtest_ratio_result);
    assert_int_equal(patron_abtest_ratio(&r, &a, &b, num(in, "alpha")), PATRON_OK);
    chk(c, "ratio_a", r.ratio_a);
    chk(c, "ratio_b", r.ratio_b);
    chk(c, "var_ratio_a", r.var_ratio_a);
    chk(c, "var_ratio_b", r.var_ratio_b);
    chk(c, "diff", r.diff.effect);
    chk(c, "se_diff", r.diff.se);
    chk(c, "z", r.diff.statistic);
    chk(c, "p_two_sided", r.diff.p_two_sided);
    double ci[2] = {r.diff.ci_low, r.diff.ci_high};
    chk_arr(c, "ci_diff", ci, 2);
    chk(c, "rel_lift", r.rel.effect);
    chk(c, "se_rel_lift_delta", r.rel.se);
    chk(c, "z_rel", r.rel.statistic);
    double cr[2] = {r.rel.ci_low, r.rel.ci_high};
    chk_arr(c, "ci_rel_lift_delta", cr, 2);
}

static void run_cuped(vctx *c, const patron_json *in)
{
    size_t n1, n2, n3, n4;
    double *pa = num_array(patron__json_get(in, "pre_a"), &n1), *ya = num_array(patron__json_get(in, "post_a"), &n2);
    double *pb = num_array(patron__json_get(in, "pre_b"), &n3), *yb = num_array(patron__json_get(in, "post_b"), &n4);
    assert_true(n1 == n2 && n3 == n4);
    patron_abtest_cuped_result r = PATRON_ABTEST_INIT(patron_abtest_cuped_result);
    assert_int_equal(patron_abtest_cuped(&r, pa, ya, n1, pb, yb, n3, num(in, "alpha")), PATRON_OK);
    chk(c, "theta", r.theta);
    chk(c, "adjusted_mean_a", r.adjusted_mean_a);
    chk(c, "adjusted_mean_b", r.adjusted_mean_b);
    chk(c, "adjusted_var_a", r.adjusted_var_a);
    chk(c, "adjusted_var_b", r.adjusted_var_b);
    chk(c, "diff_adjusted", r.normal.effect);
    chk(c, "se_adjusted", r.normal.se);
    chk(c, "z", r.normal.statistic);
    chk(c, "p_two_sided_normal", r.normal.p_two_sided);
    chk(c, "welch_df", r.welch_df);
    chk(c, "p_two_sided_t_welch", r.p_two_sided_t_welch);
    double ci[2] = {r.normal.ci_low, r.normal.ci_high};
    chk_arr(c, "ci_diff_normal", ci, 2);
    chk(c, "diff_unadjusted", r.diff_unadjusted);
    chk(c, "se_unadjusted", r.se_unadjusted);
    chk(c, "variance_reduction", r.variance_reduction);
    free(pa);
    free(ya);
    free(pb);
    free(yb);
}

static void run_rel_lift(vctx *c, const patron_json *in)
{
    patron_abtest_summary a = {(int64_t)num(in, "n_a"), num(in, "mean_a"), num(in, "sd_a")};
    patron_abtest_summary b = {(int64_t)num(in, "n_b"), num(in, "mean_b"), num(in, "sd_b")};
    patron_abtest_means_result r = PATRON_ABTEST_INIT(patron_abtest_means_result);
    assert_int_equal(patron_abtest_means(&r, &a, &b, num(in, "alpha")), PATRON_OK);
    chk(c, "rel_lift", r.rel_lift);
    chk(c, "se_delta", r.rel_lift_se);
    chk_arr(c, "ci_delta", r.rel_lift_ci, 2);
    chk(c, "p_two_sided_delta", r.rel_lift_p);
    chk_arr(c, "ci_fieller", r.rel_lift_ci_fieller, 2);
    chk(c, "fieller_bounded", r.fieller_bounded);
    chk(c, "fieller_g", r.fieller_g);
}

static void run_msprt(vctx *c, const patron_json *in)
{
    const patron_json *snaps = patron__json_get(in, "snapshots"), *rates = patron__json_get(in, "bernoulli_rates");
    size_t k = patron__json_len(snaps);
    int64_t n[64];
    double d[64], ra[64], rb[64], lam[64], p[64], rej[64];
    int rj[64];
    assert_true(k <= 64);
    for (size_t i = 0; i < k; i++) {
        n[i] = (int64_t)num(patron__json_at(snaps, i), "n");
        d[i] = num(patron__json_at(snaps, i), "mean_diff");
        if (rates) {
            ra[i] = num(patron__json_at(rates, i), "p_a");
            rb[i] = num(patron__json_at(rates, i), "p_b");
        }
    }
    assert_int_equal(patron_abtest_msprt(lam, p, rj, n, d, rates ? ra : NULL, rates ? rb : NULL, k, num(in, "sigma2"),
                                         num(in, "tau2"), num(in, "theta0"), num(in, "alpha")),
                     PATRON_OK);
    for (size_t i = 0; i < k; i++)
        rej[i] = rj[i];
    chk_arr(c, "lambda", lam, k);
    chk_arr(c, "always_valid_p", p, k);
    chk_arr(c, "reject", rej, k);
}

static void run_gbseq(vctx *c, const patron_json *in)
{
    patron_abtest_cs_result r = PATRON_ABTEST_INIT(patron_abtest_cs_result);
    assert_int_equal(patron_abtest_confidence_sequence(&r, num(in, "point_estimate"), num(in, "standard_error"),
                                                       (int64_t)num(in, "n_total"), num(in, "alpha"),
                                                       num(in, "tuning_n_star"), num(in, "test_value")),
                     PATRON_OK);
    chk(c, "rho", r.rho);
    chk(c, "halfwidth", r.halfwidth);
    chk_arr(c, "ci", r.ci, 2);
    chk(c, "e_value", r.e_value);
    chk(c, "p_value", r.p_value);
    chk(c, "fixed_horizon_halfwidth_z", r.fixed_halfwidth);
    chk(c, "width_ratio_vs_fixed", r.halfwidth / r.fixed_halfwidth);
}

static void run_groupseq(vctx *c, const patron_json *in)
{
    size_t k;
    double *t = num_array(patron__json_get(in, "information_rates"), &k);
    double ca[50], zb[50], np[50];
    static const char *fam[2] = {"obf", "pocock"};
    for (int f = 0; f < 2; f++) {
        assert_int_equal(patron_abtest_group_sequential(ca, zb, np, t, k, num(in, "alpha_one_sided"),
                                                        f ? PATRON_ABTEST_SPEND_POCOCK : PATRON_ABTEST_SPEND_OBF),
                         PATRON_OK);
        char key[64];
        snprintf(key, sizeof key, "cumulative_alpha_%s", fam[f]);
        chk_arr(c, key, ca, k);
        snprintf(key, sizeof key, "z_bounds_%s", fam[f]);
        chk_arr(c, key, zb, k);
        snprintf(key, sizeof key, "nominal_p_%s", fam[f]);
        chk_arr(c, key, np, k);
    }
    free(t);
}

static void run_logrank(vctx *c, const patron_json *in)
{
    const patron_json *tj = patron__json_get(in, "time"), *ej = patron__json_get(in, "event"),
                      *aj = patron__json_get(in, "arm");
    size_t n = patron__json_len(tj);
    double *t = malloc(n * sizeof *t);
    int *ev = malloc(n * sizeof *ev), *arm = malloc(n * sizeof *arm);
    for (size_t i = 0; i < n; i++) {
        t[i] = patron__json_number(patron__json_at(tj, i));
        ev[i] = (int)patron__json_number(patron__json_at(ej, i));
        const char *s = patron__json_string(patron__json_at(aj, i));
        arm[i] = s && !strcmp(s, "B");
    }
    patron_abtest_logrank_result r = PATRON_ABTEST_INIT(patron_abtest_logrank_result);
    assert_int_equal(patron_abtest_logrank(&r, t, ev, arm, n, 0.05), PATRON_OK);
    chk(c, "chisq", r.chisq);
    chk_int(c, "df", 1);
    chk(c, "p_value", r.p);
    chk(c, "log_p_value", r.log_p);
    chk_arr(c, "observed", r.observed, 2);
    chk_arr(c, "expected_events", r.expected, 2);
    chk_arr(c, "median_survival", r.median, 2);
    const patron_json *km = field(c, "km_at");
    if (km) {
        const patron_json *times = patron__json_get(km, "times"), *strata = patron__json_get(km, "strata");
        const patron_json *surv = patron__json_get(km, "surv"), *se = patron__json_get(km, "std_err_greenwood");
        for (size_t i = 0; i < patron__json_len(times); i++) {
            double at = patron__json_number(patron__json_at(times, i)), s, e;
            int which = !strcmp(patron__json_string(patron__json_at(strata, i)), "arm=B");
            assert_int_equal(patron_abtest_km(&s, &e, t, ev, arm, n, which, &at, 1), PATRON_OK);
            check_value(c, "km_at.surv", (int)i, patron__json_at(surv, i), s);
            check_value(c, "km_at.std_err_greenwood", (int)i, patron__json_at(se, i), e);
        }
    }
    free(t);
    free(ev);
    free(arm);
}

typedef struct {
    const char *category;
    void (*run)(vctx *, const patron_json *);
} runner;

static const runner runners[] = {
    {"prop_ztest", run_prop_ztest},   {"chi2_2x2", run_chi2},
    {"fisher_exact", run_fisher},     {"ttest_summary", run_ttest_summary},
    {"ttest_raw", run_ttest_raw},     {"mannwhitney", run_mw},
    {"power_prop", run_power_prop},   {"power_mean", run_power_mean},
    {"mde", run_mde},                 {"bayes_beta_binomial", run_beta},
    {"bayes_normal", run_bayes_normal}, {"multiple_testing", run_multiple},
    {"srm", run_srm},                 {"ratio_delta", run_ratio},
    {"cuped", run_cuped},             {"relative_lift", run_rel_lift},
    {"msprt", run_msprt},             {"gbstats_sequential", run_gbseq},
    {"group_sequential", run_groupseq}, {"logrank", run_logrank},
};

/* logrank_vectors.json writes NaN as a bare token (Python's default); turn
 * such tokens outside strings into the schema's "NaN" string. */
static char *quote_bare_nan(const char *text, size_t len, size_t *out_len)
{
    char *o = malloc(len * 2 + 1);
    size_t j = 0;
    int in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        if (in_str) {
            o[j++] = ch;
            if (ch == '\\' && i + 1 < len)
                o[j++] = text[++i];
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
            o[j++] = ch;
        } else if (ch == 'N' && i + 3 <= len && !strncmp(text + i, "NaN", 3)) {
            memcpy(o + j, "\"NaN\"", 5);
            j += 5;
            i += 2;
        } else {
            o[j++] = ch;
        }
    }
    o[j] = 0;
    *out_len = j;
    return o;
}

static void run_file(const char *path, int logrank)
{
    size_t len;
    char *text = pt_read_file(path, &len);
    assert_non_null(text);
    size_t len2;
    char *fixed = quote_bare_nan(text, len, &len2);
    free(text);
    patron_json *doc = NULL;
    int rc = patron__json_parse(&doc, fixed, len2);
    if (rc)
        print_message("parse error: %s\n", patron_errmsg());
    assert_int_equal(rc, PATRON_OK);
    free(fixed);
    const patron_json *cases = patron__json_get(doc, "cases");
    size_t ncases = patron__json_len(cases), passed = 0;
    for (size_t i = 0; i < ncases; i++) {
        const patron_json *cs = patron__json_at(cases, i);
        vctx c;
        memset(&c, 0, sizeof c);
        c.id = patron__json_string(patron__json_get(cs, "id"));
        c.exp = patron__json_get(cs, "expected");
        const patron_json *tol = patron__json_get(cs, "tolerance");
        c.rel = num(tol, "rel");
        c.abs = patron__json_get(tol, "abs") ? num(tol, "abs") : 0;
        c.zero_abs = patron__json_get(tol, "zero_abs") ? num(tol, "zero_abs") : 1e-12;
        c.logrank_rule = logrank;
        const char *cat = patron__json_string(patron__json_get(cs, "category"));
        const runner *rn = NULL;
        for (size_t k = 0; k < sizeof runners / sizeof *runners; k++)
            if (!strcmp(runners[k].category, cat))
                rn = &runners[k];
        total_cases++;
        if (!rn) {
            print_message("FAIL %s: no implementation for category %s\n", c.id, cat);
            failed_cases++;
            total_failures++;
            continue;
        }
        rn->run(&c, patron__json_get(cs, "inputs"));
        for (size_t k = 0; k < patron__json_len(c.exp) && k < sizeof c.seen; k++)
            if (!c.seen[k]) {
                print_message("FAIL %s %s: expected field not checked\n", c.id, patron__json_key_at(c.exp, k));
                c.failures++;
            }
        if (c.failures) {
            failed_cases++;
            total_failures += c.failures;
        } else {
            passed++;
        }
    }
    print_message("%s: %zu of %zu cases pass\n", path, passed, ncases);
    patron__json_free(doc);
}

static void test_abtest_vectors(void **state)
{
    (void)state;
    PT_REQUIRE_SHARED(path, "reference/abtest_vectors.json");
    total_failures = failed_cases = total_cases = 0;
    run_file(path, 0);
    assert_int_equal(failed_cases, 0);
}

static void test_logrank_vectors(void **state)
{
    (void)state;
    PT_REQUIRE_SHARED(path, "reference/logrank_vectors.json");
    total_failures = failed_cases = total_cases = 0;
    run_file(path, 1);
    assert_int_equal(failed_cases, 0);
}

/* Our own cases in the same format (tests/data/gen_abtest_extra.py, mpmath
 * and exact rationals): Fisher, non-integer beta-binomial, SRM with several
 * arms and a zero weight. */
static void test_extra_vectors(void **state)
{
    (void)state;
    total_failures = failed_cases = total_cases = 0;
    run_file(pt_data_path("abtest_extra_vectors.json"), 0);
    assert_int_equal(total_cases, 10);
    assert_int_equal(failed_cases, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_abtest_vectors),
        cmocka_unit_test(test_logrank_vectors),
        cmocka_unit_test(test_extra_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
