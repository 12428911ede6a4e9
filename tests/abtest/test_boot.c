/* Bootstrap and winsorising against tests/data/abtest_boot_vectors.json
 * (gen_abtest_boot.py): the resampling stream written from its
 * specification in Python (raw outputs, bounded indices, and every
 * replicate of small bootstraps, which must match to the last digits),
 * scipy.stats.bootstrap's BCa interval on a skewed sample (to Monte Carlo
 * precision), numpy's quantiles for the caps; plus the analytic standard
 * error of a mean difference and the errors. */
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
#include "failalloc.h"
#include "support.h"

static patron_json *doc;
static int bad;

static int setup(void **state)
{
    (void)state;
    size_t len;
    char *text = pt_read_file(pt_data_path("abtest_boot_vectors.json"), &len);
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

static double num(const patron_json *c, const char *k)
{
    return patron__json_number(patron__json_get(c, k));
}

static double at(const patron_json *c, const char *k, size_t i)
{
    return patron__json_number(patron__json_at(patron__json_get(c, k), i));
}

static uint64_t u64(const patron_json *v)
{
    return strtoull(patron__json_string(v), NULL, 10);
}

static void chk(const char *what, size_t ci, double got, double want, double rel)
{
    if (!pt_close(got, want, rel, rel * 1e-6)) {
        print_message("FAIL case %zu %s: got %.17g expected %.17g\n", ci, what, got, want);
        bad++;
    }
}

static double *matrix(const patron_json *m, size_t *n, size_t *p)
{
    *n = patron__json_len(m);
    *p = patron__json_len(patron__json_at(m, 0));
    double *v = malloc(*n * *p * sizeof *v);
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

/* The generator's raw outputs, as the Python model of the specification. */
static void test_stream_vectors(void **state)
{
    (void)state;
    const patron_json *raw = patron__json_get(patron__json_get(doc, "vectors"), "raw");
    for (size_t i = 0; i < patron__json_len(raw); i++) {
        const patron_json *v = patron__json_at(raw, i);
        patron_rng g;
        patron_rng_seed_stream(&g, u64(patron__json_get(v, "seed")), (uint64_t)num(v, "stream"));
        for (size_t k = 0; k < 4; k++)
            assert_true(patron_rng_next(&g) == u64(patron__json_at(patron__json_get(v, "outputs"), k)));
    }
}

/* Whole bootstraps of small samples: the replicates are the Python
 * model's, so the intervals agree to rounding (CUPED: numpy's lstsq
 * against libpatron's Cholesky, to about 1e-12). */
static void test_bootstrap_replicates(void **state)
{
    (void)state;
    const patron_json *cases = patron__json_get(doc, "cases");
    bad = 0;
    for (size_t ci = 0; ci < patron__json_len(cases); ci++) {
        const patron_json *c = patron__json_at(cases, ci);
        size_t na, nb, p, p2;
        double *ra = matrix(patron__json_get(c, "rows_a"), &na, &p);
        double *rb = matrix(patron__json_get(c, "rows_b"), &nb, &p2);
        patron_abtest_boot_options o = PATRON_ABTEST_BOOT_OPTIONS_INIT;
        o.replicates = (int64_t)num(c, "replicates");
        o.seed = (uint64_t)num(c, "seed");
        o.alpha = num(c, "alpha");
        o.q = num(c, "q");
        o.relative = (int)num(c, "relative");
        int stat = (int)num(c, "stat");
        patron_abtest_boot_result r = PATRON_ABTEST_INIT(patron_abtest_boot_result);
        assert_int_equal(patron_abtest_bootstrap(&r, ra, na, rb, nb, p, stat, &o), PATRON_OK);
        double tol = stat == PATRON_ABTEST_BOOT_CUPED ? 1e-10 : 1e-13;
        chk("estimate", ci, r.estimate, num(c, "estimate"), tol);
        chk("se", ci, r.se, num(c, "se"), tol * 100);
        chk("bias", ci, r.bias, num(c, "bias"), tol * 1e3);
        chk("ci_percentile low", ci, r.ci_percentile[0], at(c, "ci_percentile", 0), tol);
        chk("ci_percentile high", ci, r.ci_percentile[1], at(c, "ci_percentile", 1), tol);
        chk("z0", ci, r.z0, num(c, "z0"), 1e-12);
        assert_int_equal(r.bca_available, stat != PATRON_ABTEST_BOOT_QUANTILE);
        if (r.bca_available) {
            chk("acceleration", ci, r.acceleration, num(c, "acceleration"), 1e-9);
            chk("ci_bca low", ci, r.ci_bca[0], at(c, "ci_bca", 0), tol * 10);
            chk("ci_bca high", ci, r.ci_bca[1], at(c, "ci_bca", 1), tol * 10);
        } else {
            assert_true(isnan(r.ci_bca[0]) && isnan(r.acceleration));
        }
        assert_true(r.replicates == o.replicates && r.seed == o.seed && r.stat == stat && r.alpha == o.alpha);
        /* the same seed again: the same doubles */
        patron_abtest_boot_result r2 = PATRON_ABTEST_INIT(patron_abtest_boot_result);
        assert_int_equal(patron_abtest_bootstrap(&r2, ra, na, rb, nb, p, stat, &o), PATRON_OK);
        assert_memory_equal(&r, &r2, sizeof r);
        free(ra);
        free(rb);
    }
    assert_int_equal(bad, 0);
}

/* scipy.stats.bootstrap (another generator, jackknife acceleration) with
 * 20000 resamples: the ends agree within Monte Carlo error, 2% of the
 * interval's width; the standard error within 2%. */
static void test_bootstrap_against_scipy(void **state)
{
    (void)state;
    const patron_json *c = patron__json_get(doc, "scipy");
    size_t na, nb;
    double *a = vector(patron__json_get(c, "a"), &na), *b = vector(patron__json_get(c, "b"), &nb);
    patron_abtest_boot_options o = PATRON_ABTEST_BOOT_OPTIONS_INIT;
    o.replicates = 20000;
    o.seed = 99;
    patron_abtest_boot_result r = PATRON_ABTEST_INIT(patron_abtest_boot_result);
    assert_int_equal(patron_abtest_bootstrap(&r, a, na, b, nb, 1, PATRON_ABTEST_BOOT_MEAN, &o), PATRON_OK);
    double width = at(c, "bca", 1) - at(c, "bca", 0);
    print_message("BCa [%.4f, %.4f] scipy [%.4f, %.4f]; percentile [%.4f, %.4f] scipy [%.4f, %.4f]\n", r.ci_bca[0],
                  r.ci_bca[1], at(c, "bca", 0), at(c, "bca", 1), r.ci_percentile[0], r.ci_percentile[1],
                  at(c, "percentile", 0), at(c, "percentile", 1));
    for (int i = 0; i < 2; i++) {
        assert_true(fabs(r.ci_bca[i] - at(c, "bca", (size_t)i)) < 0.02 * width);
        assert_true(fabs(r.ci_percentile[i] - at(c, "percentile", (size_t)i)) < 0.02 * width);
    }
    assert_true(fabs(r.se / num(c, "se") - 1) < 0.02);
    /* and the analytic (Welch) standard error */
    patron_abtest_means_result m = PATRON_ABTEST_INIT(patron_abtest_means_result);
    assert_int_equal(patron_abtest_means_samples(&m, a, na, b, nb, 0.05), PATRON_OK);
    assert_true(fabs(r.se / m.welch.se - 1) < 0.03);
    free(a);
    free(b);
}

static void test_winsorize(void **state)
{
    (void)state;
    const patron_json *w = patron__json_get(doc, "winsorize");
    size_t na, nb;
    double *a = vector(patron__json_get(w, "a"), &na), *b = vector(patron__json_get(w, "b"), &nb);
    double *oa = malloc(na * sizeof *oa), *ob = malloc(nb * sizeof *ob), caps[2];
    assert_int_equal(patron_abtest_winsorize(oa, ob, &caps[0], &caps[1], a, na, b, nb, num(w, "lower_q"), num(w, "upper_q")),
                     PATRON_OK);
    assert_true(pt_close(caps[0], at(w, "caps", 0), 1e-15, 0) && pt_close(caps[1], at(w, "caps", 1), 1e-15, 0));
    for (size_t i = 0; i < na; i++)
        assert_true(pt_close(oa[i], at(w, "out_a", i), 1e-15, 0));
    for (size_t i = 0; i < nb; i++)
        assert_true(pt_close(ob[i], at(w, "out_b", i), 1e-15, 0));
    /* in place, upper cap only */
    assert_int_equal(patron_abtest_winsorize(a, b, &caps[0], &caps[1], a, na, b, nb, 0, 0.5), PATRON_OK);
    assert_true(isinf(caps[0]) && caps[0] < 0);
    for (size_t i = 0; i < na; i++)
        assert_true(a[i] <= caps[1]);
    oa[0] = 12345;
    assert_int_equal(patron_abtest_winsorize(oa, ob, &caps[0], &caps[1], a, na, b, nb, 0.5, 0.5), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "expected 0 <= lower_q < upper_q <= 1"));
    assert_true(oa[0] == 12345);
    free(a);
    free(b);
    free(oa);
    free(ob);
}

static void test_bootstrap_errors(void **state)
{
    (void)state;
    double a[4] = {1, 2, 3, 4}, z[4] = {1, 0, 2, 0};
    patron_abtest_boot_result r = PATRON_ABTEST_INIT(patron_abtest_boot_result);
    patron_abtest_boot_options o = PATRON_ABTEST_BOOT_OPTIONS_INIT;
    r.estimate = 12345;
    o.replicates = 10;
    assert_int_equal(patron_abtest_bootstrap(&r, a, 4, a, 4, 1, PATRON_ABTEST_BOOT_MEAN, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "replicates is 10"));
    assert_int_equal(patron_abtest_bootstrap(&r, a, 4, a, 4, 2, PATRON_ABTEST_BOOT_MEAN, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "p is 2, expected 1 to 1"));
    assert_int_equal(patron_abtest_bootstrap(&r, a, 2, z, 2, 2, PATRON_ABTEST_BOOT_RATIO, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "denominators of b sum to 0"));
    assert_int_equal(patron_abtest_bootstrap(&r, a, 4, a, 4, 1, 7, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "stat is 7"));
    o = (patron_abtest_boot_options)PATRON_ABTEST_BOOT_OPTIONS_INIT;
    o.q = 0;
    assert_int_equal(patron_abtest_bootstrap(&r, a, 4, a, 4, 1, PATRON_ABTEST_BOOT_QUANTILE, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "q 0 is outside"));
    assert_true(r.estimate == 12345);
    /* the options struct is new in 0.2: a smaller size is refused, a larger
     * one with a zero tail (a newer caller not using newer fields) accepted */
    o = (patron_abtest_boot_options)PATRON_ABTEST_BOOT_OPTIONS_INIT;
    o.size = (uint32_t)offsetof(patron_abtest_boot_options, alpha);
    assert_int_equal(patron_abtest_bootstrap(&r, a, 4, a, 4, 1, PATRON_ABTEST_BOOT_MEAN, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "patron_abtest_boot_options.size is"));
    struct {
        patron_abtest_boot_options o;
        char tail[16];
    } newer;
    memset(&newer, 0, sizeof newer);
    newer.o = (patron_abtest_boot_options)PATRON_ABTEST_BOOT_OPTIONS_INIT;
    newer.o.size = (uint32_t)sizeof newer;
    newer.o.replicates = 200;
    patron_abtest_boot_result r1 = PATRON_ABTEST_INIT(patron_abtest_boot_result), r2 = r1;
    assert_int_equal(patron_abtest_bootstrap(&r1, a, 4, a, 4, 1, PATRON_ABTEST_BOOT_QUANTILE, &newer.o), PATRON_OK);
    o = (patron_abtest_boot_options)PATRON_ABTEST_BOOT_OPTIONS_INIT;
    o.replicates = 200;
    assert_int_equal(patron_abtest_bootstrap(&r2, a, 4, a, 4, 1, PATRON_ABTEST_BOOT_QUANTILE, &o), PATRON_OK);
    assert_memory_equal(&r1, &r2, sizeof r1);
}

/* Every allocation of the quantile, bootstrap and winsorising paths fails
 * in turn: PATRON_ENOMEM, nothing leaked, the result untouched. */
static int op_alloc(void *ctx)
{
    patron_abtest_boot_result *r = ctx;
    double a[7] = {3, 1, 4, 1, 5, 9, 2}, b[6] = {6, 5, 3, 5, 8, 9}, oa[7], ob[6];
    patron_abtest_quantile_result q = PATRON_ABTEST_INIT(patron_abtest_quantile_result);
    int rc;
    if ((rc = patron_abtest_quantile(&q, a, 7, b, 6, 0.5, 0.05)) ||
        (rc = patron_abtest_winsorize(oa, ob, NULL, NULL, a, 7, b, 6, 0.1, 0.9)))
        return rc;
    patron_abtest_boot_options o = PATRON_ABTEST_BOOT_OPTIONS_INIT;
    o.replicates = 100;
    patron_abtest_boot_result tmp = *r;
    if ((rc = patron_abtest_bootstrap(&tmp, a, 7, b, 6, 1, PATRON_ABTEST_BOOT_QUANTILE, &o)) ||
        (rc = patron_abtest_bootstrap(&tmp, a, 7, b, 6, 1, PATRON_ABTEST_BOOT_MEAN, &o)))
        return rc;
    return PATRON_OK;
}

static void check_alloc(void *ctx)
{
    const patron_abtest_boot_result *r = ctx;
    assert_true(r->estimate == -7);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    patron_abtest_boot_result r = PATRON_ABTEST_INIT(patron_abtest_boot_result);
    r.estimate = -7;
    size_t points = pt_failalloc_walk(op_alloc, check_alloc, &r);
    assert_true(points >= 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_vectors),          cmocka_unit_test(test_bootstrap_replicates),
        cmocka_unit_test(test_bootstrap_against_scipy), cmocka_unit_test(test_winsorize),
        cmocka_unit_test(test_bootstrap_errors),        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
