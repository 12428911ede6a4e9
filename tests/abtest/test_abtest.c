/* abtest unit tests: hash and assignment vectors, layers, SRM verdicts,
 * bad input, degenerate cases, result-size handling, and checks of our own
 * beyond the shared vectors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "failalloc.h"
#include "internal/dist.h"
#include "patron.h"
#include "support.h"

/* Hash and assignment vectors (also in docs/guide/abtest.md); computed by an
 * independent Python implementation of the specification in abtest.h. */
static const struct {
    const char *key, *id;
    uint64_t hash;
    double unit;
    int v5050, v1090;
} hv[] = {
    {"", "", UINT64_C(0xb9034ad37056f5fb), 0.722706486340339, 1, 1},
    {"exp-2026-followup", "C000123", UINT64_C(0x9ce5e469c1e2c8fa), 0.612882877177877, 1, 1},
    {"exp-2026-followup", "C000124", UINT64_C(0xf8a91ca3917f4411), 0.9713304423653399, 1, 1},
    {"welcome-mail", "42", UINT64_C(0x357a2814aed930c7), 0.20889521126705257, 0, 1},
    {"layer:crm", "C000123", UINT64_C(0x39ccef73029a1d72), 0.22578331525674178, 0, 1},
    {"prix-\xc3\xa9t\xc3\xa9", "Jos\xc3\xa9", UINT64_C(0x6dab06ac3f5a8444), 0.42839090066204655, 0, 1},
};

static void test_hash_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof hv / sizeof *hv; i++) {
        uint64_t h;
        double u;
        int v;
        assert_int_equal(patron_abtest_hash(&h, &u, hv[i].key, hv[i].id), PATRON_OK);
        assert_true(h == hv[i].hash);
        assert_true(u == hv[i].unit);
        double w5050[2] = {50, 50}, w1090[2] = {10, 90};
        assert_int_equal(patron_abtest_assign(&v, hv[i].key, hv[i].id, w5050, 2, NULL), PATRON_OK);
        assert_int_equal(v, hv[i].v5050);
        assert_int_equal(patron_abtest_assign(&v, hv[i].key, hv[i].id, w1090, 2, NULL), PATRON_OK);
        assert_int_equal(v, hv[i].v1090);
    }
    /* The separator matters: ("ab", "c") and ("a", "bc") differ. */
    uint64_t h1, h2;
    patron_abtest_hash(&h1, NULL, "ab", "c");
    patron_abtest_hash(&h2, NULL, "a", "bc");
    assert_true(h1 != h2);
}

static void test_assignment_shares_and_layers(void **state)
{
    (void)state;
    double w[3] = {10, 30, 60};
    int counts[3] = {0, 0, 0};
    char id[32];
    const int n = 60000;
    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof id, "C%07d", i);
        int v, v2;
        assert_int_equal(patron_abtest_assign(&v, "exp-shares", id, w, 3, NULL), PATRON_OK);
        assert_int_equal(patron_abtest_assign(&v2, "exp-shares", id, w, 3, NULL), PATRON_OK);
        assert_int_equal(v, v2); /* deterministic */
        counts[v]++;
    }
    int64_t obs[3] = {counts[0], counts[1], counts[2]};
    patron_abtest_srm_result srm = PATRON_ABTEST_INIT(patron_abtest_srm_result);
    assert_int_equal(patron_abtest_srm(&srm, obs, w, 3, 0.001), PATRON_OK);
    assert_false(srm.mismatch); /* the hash honours the weights */
    assert_int_equal(srm.dof, 2);

    /* A zero weight arm never receives anyone; coverage leaves people out. */
    double wz[3] = {50, 0, 50};
    patron_abtest_assign_options o = PATRON_ABTEST_ASSIGN_OPTIONS_INIT;
    o.coverage = 0.2;
    int out = 0, in = 0;
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof id, "C%07d", i);
        int v;
        assert_int_equal(patron_abtest_assign(&v, "exp-cov", id, wz, 3, &o), PATRON_OK);
        assert_true(v != 1);
        if (v == PATRON_ABTEST_NOT_ENROLLED)
            out++;
        else
            in++;
    }
    assert_true(in > 800 && in < 1200);

    /* Two experiments on disjoint slices of one layer never share a customer. */
    patron_abtest_assign_options l1 = PATRON_ABTEST_ASSIGN_OPTIONS_INIT, l2 = PATRON_ABTEST_ASSIGN_OPTIONS_INIT;
    l1.layer_key = l2.layer_key = "layer:crm";
    l1.layer_start = 0;
    l1.layer_end = 0.4;
    l2.layer_start = 0.4;
    l2.layer_end = 1;
    double w2[2] = {1, 1};
    int both = 0, in1 = 0, in2 = 0;
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof id, "C%07d", i);
        int v1, v2;
        assert_int_equal(patron_abtest_assign(&v1, "exp-a", id, w2, 2, &l1), PATRON_OK);
        assert_int_equal(patron_abtest_assign(&v2, "exp-b", id, w2, 2, &l2), PATRON_OK);
        in1 += v1 >= 0;
        in2 += v2 >= 0;
        both += v1 >= 0 && v2 >= 0;
    }
    assert_int_equal(both, 0);
    assert_int_equal(in1 + in2, 5000);
    assert_true(in1 > 1800 && in1 < 2200);
}

static void test_srm_verdicts(void **state)
{
    (void)state;
    patron_abtest_srm_result r = PATRON_ABTEST_INIT(patron_abtest_srm_result);
    int64_t healthy[2] = {4928, 5129}, broken[2] = {7607, 71493};
    double w5050[2] = {0.5, 0.5}, w1090[2] = {0.1, 0.9};
    assert_int_equal(patron_abtest_srm(&r, healthy, w5050, 2, 0.001), PATRON_OK);
    assert_false(r.mismatch);
    assert_int_equal(patron_abtest_srm(&r, broken, w1090, 2, 0.001), PATRON_OK);
    assert_true(r.mismatch);
    assert_true(r.p < 0.001);
    /* Traffic on an arm planned at weight 0 shows up as a mismatch (gbstats rule: dof = arms - 1). */
    int64_t leak[3] = {500, 0, 80};
    double w3[3] = {1, 1, 0};
    assert_int_equal(patron_abtest_srm(&r, leak, w3, 3, 0.001), PATRON_OK);
    assert_int_equal(r.dof, 2);
    assert_true(r.mismatch);
    /* chi2 = (500-290)^2/290 + (0-290)^2/290 */
    assert_true(pt_close(r.chi2, (210.0 * 210 + 290.0 * 290) / 290, 1e-14, 0));
}

static void expect_einval(int rc, const char *fragment)
{
    assert_int_equal(rc, PATRON_EINVAL);
    if (!strstr(patron_errmsg(), fragment)) {
        print_message("message '%s' lacks '%s'\n", patron_errmsg(), fragment);
        fail();
    }
}

static void test_bad_input(void **state)
{
    (void)state;
    patron_abtest_prop_result p = PATRON_ABTEST_INIT(patron_abtest_prop_result);
    p.p_a = 12345;
    expect_einval(patron_abtest_proportions(&p, 11, 10, 1, 10, 0.05), "x_a = 11 is larger than n_a = 10");
    assert_true(p.p_a == 12345); /* untouched */
    expect_einval(patron_abtest_proportions(&p, -1, 10, 1, 10, 0.05), "negative count");
    expect_einval(patron_abtest_proportions(&p, 1, 10, 1, 10, 1.0), "alpha 1 is outside (0, 1)");
    expect_einval(patron_abtest_proportions(&p, 1, 10, 1, 10, NAN), "alpha nan is outside (0, 1)");
    expect_einval(patron_abtest_proportions(&p, 0, 0, 1, 10, 0.05), "n_a is 0");

    patron_abtest_means_result m = PATRON_ABTEST_INIT(patron_abtest_means_result);
    patron_abtest_summary a = {10, 5, 1}, b = {10, NAN, 1}, c = {1, 5, 0}, d = {10, 5, -1};
    expect_einval(patron_abtest_means(&m, &a, &b, 0.05), "mean_b is nan");
    expect_einval(patron_abtest_means(&m, &a, &d, 0.05), "sd_b is -1");
    expect_einval(patron_abtest_means(&m, &c, &c, 0.05), "expected >= 3");
    double x[3] = {1, 2, NAN};
    expect_einval(patron_abtest_means_samples(&m, x, 3, x, 2, 0.05), "a[2] is nan");

    patron_abtest_bayes_normal_result bn = PATRON_ABTEST_INIT(patron_abtest_bayes_normal_result);
    patron_abtest_summary z1 = {10, 5, 0}, z2 = {10, 6, 0};
    expect_einval(patron_abtest_bayes_normal(&bn, &z1, &z2, 0.05, 0, 0), "zero variance");

    double pre[3] = {1, 1, 1}, post[3] = {1, 2, 3};
    patron_abtest_cuped_result cu = PATRON_ABTEST_INIT(patron_abtest_cuped_result);
    expect_einval(patron_abtest_cuped(&cu, pre, post, 3, pre, post, 3, 0.05), "zero variance");
    expect_einval(patron_abtest_cuped(&cu, pre, post, 1, pre, post, 3, 0.05), "n_a is 1");

    int64_t neg[4] = {1, -2, 3, 4};
    patron_abtest_fisher_result f = PATRON_ABTEST_INIT(patron_abtest_fisher_result);
    expect_einval(patron_abtest_fisher(&f, neg, 0.05), "nonconv_a is -2");

    int64_t obs[2] = {10, 10};
    double w[2] = {1, 1};
    patron_abtest_srm_result s = PATRON_ABTEST_INIT(patron_abtest_srm_result);
    s.size = 4;
    expect_einval(patron_abtest_srm(&s, obs, w, 2, 0.001), "out->size is 4");

    int v;
    double wb[2] = {1, -1};
    expect_einval(patron_abtest_assign(&v, "k", "c", wb, 2, NULL), "weight 1 is -1");
    double ps[2] = {0.5, 1.5};
    double adj[2];
    expect_einval(patron_abtest_adjust(adj, NULL, NULL, ps, 2), "p[1] is 1.5");
    double t[2] = {1, 2};
    int ev[2] = {1, 2}, arm[2] = {0, 1};
    patron_abtest_logrank_result lr = PATRON_ABTEST_INIT(patron_abtest_logrank_result);
    expect_einval(patron_abtest_logrank(&lr, t, ev, arm, 2, 0.05), "event[1] is 2");
}

static void test_degenerate_cases(void **state)
{
    (void)state;
    /* Zero conversions in both arms: statistic 0/0, p = 1, interval [0, 0]. */
    patron_abtest_prop_result p = PATRON_ABTEST_INIT(patron_abtest_prop_result);
    assert_int_equal(patron_abtest_proportions(&p, 0, 500, 0, 600, 0.05), PATRON_OK);
    assert_true(p.pooled.p_two_sided == 1 && p.unpooled.p_two_sided == 1);
    assert_true(p.unpooled.ci_low == 0 && p.unpooled.ci_high == 0);
    assert_false(p.pooled.significant);
    assert_false(isnan(p.pooled.ci_low) || isnan(p.pooled.ci_high)); /* Newcombe stays defined */

    /* Identical groups: z = 0, p = 1. */
    patron_abtest_means_result m = PATRON_ABTEST_INIT(patron_abtest_means_result);
    patron_abtest_summary a = {100, 20, 5};
    assert_int_equal(patron_abtest_means(&m, &a, &a, 0.05), PATRON_OK);
    assert_true(m.welch.p_two_sided == 1 && m.student.p_two_sided == 1);
    assert_true(m.rel_lift == 0);
    /* Zero variance, equal means: p = 1 (no evidence), not NaN. */
    patron_abtest_summary z = {10, 3, 0};
    assert_int_equal(patron_abtest_means(&m, &z, &z, 0.05), PATRON_OK);
    assert_true(m.student.p_two_sided == 1);

    /* Fisher with a zero margin and identical rows. */
    patron_abtest_fisher_result f = PATRON_ABTEST_INIT(patron_abtest_fisher_result);
    int64_t zero[4] = {0, 10, 0, 12}, same[4] = {10, 24, 10, 24};
    assert_int_equal(patron_abtest_fisher(&f, zero, 0.05), PATRON_OK);
    assert_true(f.p_two_sided == 1 && isnan(f.odds_ratio));
    assert_int_equal(patron_abtest_fisher(&f, same, 0.05), PATRON_OK);
    assert_true(f.p_two_sided == 1);

    /* Log-rank with no events at all: p = 1. */
    double t[4] = {5, 6, 7, 8};
    int ev[4] = {0, 0, 0, 0}, arm[4] = {0, 0, 1, 1};
    patron_abtest_logrank_result lr = PATRON_ABTEST_INIT(patron_abtest_logrank_result);
    assert_int_equal(patron_abtest_logrank(&lr, t, ev, arm, 4, 0.05), PATRON_OK);
    assert_true(lr.p == 1 && isnan(lr.median[0]));
}

/* Our own checks beyond the shared vectors. */
static void test_extra_numbers(void **state)
{
    (void)state;
    /* Fisher on a large table: its one-sided tail agrees with an lgamma sum. */
    int64_t big[4] = {1200, 98800, 1000, 99000};
    patron_abtest_fisher_result f = PATRON_ABTEST_INIT(patron_abtest_fisher_result);
    assert_int_equal(patron_abtest_fisher(&f, big, 0.05), PATRON_OK);
    assert_true(f.p_two_sided > 1e-6 && f.p_two_sided < 1e-3);
    assert_true(pt_close(f.p_greater + f.p_less, 1 + exp(0), 0, 1) || f.p_greater + f.p_less > 1);

    /* Extreme Fisher table: the p-value underflows but log p stays finite. */
    int64_t extreme[4] = {5000, 0, 0, 5000};
    assert_int_equal(patron_abtest_fisher(&f, extreme, 0.05), PATRON_OK);
    assert_true(f.p_two_sided == 0 && isfinite(f.log_p_two_sided) && f.log_p_two_sided < -6000);
    /* Only the observed table and its mirror count: p = 2 / C(10000, 5000). */
    double lp = log(2.0) - (lgamma(10001.0) - 2 * lgamma(5001.0));
    assert_true(pt_close(f.log_p_two_sided, lp, 1e-11, 0));
    int64_t huge[4] = {1000000, 0, 0, 1000000};
    assert_int_equal(patron_abtest_fisher(&f, huge, 0.05), PATRON_OK);
    lp = log(2.0) - (lgamma(2000001.0) - 2 * lgamma(1000001.0));
    assert_true(pt_close(f.log_p_two_sided, lp, 1e-11, 0));

    /* Quantile round trips. */
    double qs[4] = {0.4, 0.025, 1e-10, 1e-300};
    for (int i = 0; i < 4; i++) {
        double z = patron__norm_isf(qs[i]);
        assert_true(pt_close(patron__norm_sf(z), qs[i], 1e-12, 0));
        double t = patron__t_isf(qs[i] > 1e-100 ? qs[i] : 1e-50, 7.5);
        assert_true(pt_close(patron__t_sf(t, 7.5), qs[i] > 1e-100 ? qs[i] : 1e-50, 1e-12, 0));
    }
    /* Known values: P(T > 2.131449545559775 | df 15) = 0.025 (mpmath). */
    assert_true(pt_close(patron__t_sf(2.1314495455597757, 15), 0.025, 1e-14, 0));
    /* Chi-square 3 df far tail in logs (mpmath: -1496.2222744019927). */
    assert_true(pt_close(patron__chi2_logsf(3000, 3), -1496.2222744019927, 1e-13, 0));

    /* Mann-Whitney exact: complete separation of 3 vs 3 gives 2/20. */
    double a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
    patron_abtest_mw_result mw = PATRON_ABTEST_INIT(patron_abtest_mw_result);
    assert_int_equal(patron_abtest_mannwhitney(&mw, a, 3, b, 3, 0.05), PATRON_OK);
    assert_true(mw.u_b == 9 && mw.exact);
    assert_true(pt_close(mw.p_two_sided_exact, 0.1, 1e-15, 0));
    assert_true(pt_close(mw.p_greater_exact, 0.05, 1e-15, 0));

    /* Beta-binomial with an integer mirror and with quadrature agree. */
    patron_abtest_beta_result b1 = PATRON_ABTEST_INIT(patron_abtest_beta_result);
    patron_abtest_beta_result b2 = PATRON_ABTEST_INIT(patron_abtest_beta_result);
    assert_int_equal(patron_abtest_beta_binomial(&b1, 30, 700, 45, 710, 1, 1), PATRON_OK);
    assert_int_equal(patron_abtest_beta_binomial(&b2, 30, 700, 45, 710, 1.0000000001, 1), PATRON_OK);
    assert_true(pt_close(b1.prob_b_beats_a, b2.prob_b_beats_a, 1e-8, 0));

    /* Non-integer posteriors with a singular density at 0 (quadrature):
     * P = 0.465294838364837988627 (mpmath, 30 digits). */
    assert_int_equal(patron_abtest_beta_binomial(&b1, 0, 5, 0, 7, 0.3, 0.7), PATRON_OK);
    assert_true(pt_close(b1.prob_b_beats_a, 0.465294838364837988627, 1e-12, 0));
    /* Incomplete beta at a tiny argument where 1 - x rounds to 1. */
    double lv;
    double ib = patron__incbeta(0.3, 5.7, 1e-100, 1, 0, &lv);
    assert_true(ib > 0 && pt_close(lv, 0.3 * log(1e-100) - log(0.3) - (lgamma(0.3) + lgamma(5.7) - lgamma(6.0)), 1e-12, 0));

    /* Permutation test of a 4+4 alternating design: enumerates C(8,4) = 70. */
    double weeks[8] = {10.2, 12.9, 9.8, 13.5, 10.1, 12.7, 10.4, 13.1};
    int treated[8] = {0, 1, 0, 1, 0, 1, 0, 1};
    patron_abtest_perm_result pr = PATRON_ABTEST_INIT(patron_abtest_perm_result);
    assert_int_equal(patron_abtest_permutation(&pr, weeks, treated, 8, 0.05, 100000, 1), PATRON_OK);
    assert_true(pr.exact && pr.permutations == 70);
    assert_true(pt_close(pr.p_greater, 1.0 / 70, 1e-15, 0));
    assert_true(pt_close(pr.p_two_sided, 2.0 / 70, 1e-15, 0));
    assert_non_null(pr.caveats);
    /* Monte Carlo branch is reproducible by seed. */
    patron_abtest_perm_result m1 = PATRON_ABTEST_INIT(patron_abtest_perm_result);
    patron_abtest_perm_result m2 = PATRON_ABTEST_INIT(patron_abtest_perm_result);
    double w14[14] = {10.2, 12.9, 9.8, 13.5, 10.1, 12.7, 10.4, 13.1, 9.9, 12.2, 10.6, 11.9, 10.0, 12.4};
    int t14[14] = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
    assert_int_equal(patron_abtest_permutation(&m1, w14, t14, 14, 0.05, 1000, 7), PATRON_OK);
    assert_int_equal(patron_abtest_permutation(&m2, w14, t14, 14, 0.05, 1000, 7), PATRON_OK);
    assert_false(m1.exact); /* C(14,7) = 3432 > 1000 */
    assert_true(m1.p_two_sided == m2.p_two_sided);
    assert_true(m1.p_two_sided < 0.01); /* 1 of 3432 in truth; (1+hits)/(1+1000) */

    /* One-sided planning needs fewer customers than two-sided. */
    patron_abtest_power_prop_result p1 = PATRON_ABTEST_INIT(patron_abtest_power_prop_result);
    patron_abtest_power_prop_result p2 = PATRON_ABTEST_INIT(patron_abtest_power_prop_result);
    assert_int_equal(patron_abtest_power_prop(&p1, 0.1, 0.12, 0.05, 0.8, 1, 1, 0), PATRON_OK);
    assert_int_equal(patron_abtest_power_prop(&p2, 0.1, 0.12, 0.05, 0.8, 1, 2, 0), PATRON_OK);
    assert_true(p1.n1_pooled < p2.n1_pooled);
}

/* The KM curve agrees with the point evaluations and the two-call pattern. */
static void test_km_curve(void **state)
{
    (void)state;
    double t[10] = {2, 3, 3, 5, 7, 8, 1, 4, 4, 9};
    int ev[10] = {1, 1, 0, 1, 0, 1, 1, 1, 1, 0}, arm[10] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1};
    size_t count = 99;
    assert_int_equal(patron_abtest_km_curve(NULL, NULL, NULL, NULL, 0, &count, t, ev, arm, 10, 0), PATRON_OK);
    assert_int_equal(count, 4); /* events at 2, 3, 5, 8 */
    double tm[4], sv[4], se[4];
    int64_t risk[4];
    assert_int_equal(patron_abtest_km_curve(tm, sv, se, risk, 4, &count, t, ev, arm, 10, 0), PATRON_OK);
    assert_true(tm[0] == 2 && tm[1] == 3 && tm[2] == 5 && tm[3] == 8);
    assert_true(risk[0] == 6 && risk[1] == 5 && risk[2] == 3 && risk[3] == 1);
    /* S: 5/6, 5/6*4/5 = 2/3, 2/3*2/3 = 4/9, 0 */
    assert_true(pt_close(sv[0], 5.0 / 6, 1e-15, 0) && pt_close(sv[1], 2.0 / 3, 1e-15, 0));
    assert_true(pt_close(sv[2], 4.0 / 9, 1e-15, 0) && sv[3] == 0 && isnan(se[3]));
    for (int i = 0; i < 3; i++) {
        double s1, e1;
        assert_int_equal(patron_abtest_km(&s1, &e1, t, ev, arm, 10, 0, &tm[i], 1), PATRON_OK);
        assert_true(s1 == sv[i] && e1 == se[i]);
    }
}

/* A caller compiled against a larger (newer) struct: the library writes
 * only the members it knows and leaves the rest alone; a size below the
 * first release is refused. */
static void test_result_size_is_respected(void **state)
{
    (void)state;
    struct {
        patron_abtest_srm_result r;
        unsigned char newer[16];
    } buf;
    memset(&buf, 0xAB, sizeof buf);
    buf.r.size = (uint32_t)sizeof buf;
    int64_t obs[2] = {100, 120};
    double w[2] = {1, 1};
    assert_int_equal(patron_abtest_srm(&buf.r, obs, w, 2, 0.001), PATRON_OK);
    assert_true(buf.r.chi2 > 0);
    assert_int_equal(buf.r.size, (uint32_t)sizeof buf);
    for (size_t i = 0; i < sizeof buf.newer; i++)
        assert_int_equal(buf.newer[i], 0xAB);
    buf.r.size = 8;
    assert_int_equal(patron_abtest_srm(&buf.r, obs, w, 2, 0.001), PATRON_EINVAL);
}

/* Every allocation of the allocating tests fails cleanly with ENOMEM,
 * leaks nothing and leaves the result untouched. */
static int op_alloc(void *ctx)
{
    patron_abtest_mw_result *mw = ctx;
    double a[4] = {1, 3, 5, 7}, b[4] = {2, 4, 6, 8};
    int rc = patron_abtest_mannwhitney(mw, a, 4, b, 4, 0.05);
    if (rc)
        return rc;
    double t[6] = {1, 2, 3, 4, 5, 6};
    int ev[6] = {1, 0, 1, 1, 0, 1}, arm[6] = {0, 1, 0, 1, 0, 1};
    patron_abtest_logrank_result lr = PATRON_ABTEST_INIT(patron_abtest_logrank_result);
    if ((rc = patron_abtest_logrank(&lr, t, ev, arm, 6, 0.05)))
        return rc;
    double at = 3, sv, se;
    if ((rc = patron_abtest_km(&sv, &se, t, ev, arm, 6, 0, &at, 1)))
        return rc;
    double p[3] = {0.01, 0.04, 0.03}, h[3];
    if ((rc = patron_abtest_adjust(h, h, NULL, p, 3)))
        return rc;
    double info[2] = {0.5, 1}, ca[2], zb[2];
    return patron_abtest_group_sequential(ca, zb, NULL, info, 2, 0.025, PATRON_ABTEST_SPEND_OBF);
}

static void check_alloc(void *ctx)
{
    const patron_abtest_mw_result *mw = ctx;
    assert_true(mw->u_b == -7 || mw->u_b == 10); /* untouched, or the earlier success */
}

static void test_allocation_failures(void **state)
{
    (void)state;
    patron_abtest_mw_result mw = PATRON_ABTEST_INIT(patron_abtest_mw_result);
    mw.u_b = -7;
    size_t points = pt_failalloc_walk(op_alloc, check_alloc, &mw);
    assert_true(points >= 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_vectors),
        cmocka_unit_test(test_assignment_shares_and_layers),
        cmocka_unit_test(test_srm_verdicts),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_degenerate_cases),
        cmocka_unit_test(test_extra_numbers),
        cmocka_unit_test(test_result_size_is_respected),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_km_curve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
