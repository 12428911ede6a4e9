/* Sharper experiments: regression adjustment with pre-period covariates
 * (from an SQL aggregate's sums or from rows), revenue per order adjusted
 * by the pre-period, post-stratification by new vs returning customers,
 * the difference of median days to the second purchase, and a seeded
 * bootstrap of a capped mean. */
#include <patron.h>
#include <stdio.h>

int main(void)
{
    /* Rows per customer: spend in the test, spend and orders before it. */
    const double a[6 * 3] = {42, 40, 2, 18, 15, 1, 75, 70, 3, 30, 33, 1, 55, 49, 2, 12, 10, 1};
    const double b[6 * 3] = {50, 41, 2, 25, 16, 1, 80, 68, 3, 39, 31, 2, 61, 50, 2, 20, 11, 1};

    /* 1. CUPED with two covariates. The sufficient statistics are what
     *    SELECT count(*), sum(spend), sum(pre), ..., sum(spend*pre), ...
     *    returns per arm; here they come from the rows. */
    patron_abtest_moments ma, mb;
    if (patron_abtest_moments_from_rows(&ma, a, 6, 3) || patron_abtest_moments_from_rows(&mb, b, 6, 3))
        return 1;
    patron_abtest_adjusted_result cu = PATRON_ABTEST_INIT(patron_abtest_adjusted_result);
    if (patron_abtest_cuped_moments(&cu, &ma, &mb, 0.05) != PATRON_OK)
        return 1;
    printf("CUPED: %+.2f [%+.2f, %+.2f] (unadjusted %+.2f, se %.2f -> %.2f), lift %+.1f%%\n", cu.effect.effect,
           cu.effect.ci_low, cu.effect.ci_high, cu.diff_unadjusted, cu.se_unadjusted, cu.effect.se,
           100 * cu.rel_lift);
    patron_abtest_adjusted_result rows = PATRON_ABTEST_INIT(patron_abtest_adjusted_result);
    if (patron_abtest_cuped_rows(&rows, a, 6, b, 6, 3, 0.05) != PATRON_OK)
        return 1;
    printf("same from rows: %+.10f vs %+.10f\n", rows.effect.effect, cu.effect.effect);

    /* 2. Revenue per order (numerator, denominator) with the pre-period
     *    revenue and orders as covariates: rows of 4. */
    const double ra[5 * 4] = {90, 3, 80, 3, 20, 1, 25, 1, 45, 2, 40, 2, 130, 4, 120, 4, 33, 1, 30, 1};
    const double rb[5 * 4] = {100, 3, 82, 3, 30, 1, 24, 1, 52, 2, 41, 2, 150, 4, 118, 4, 35, 1, 31, 1};
    patron_abtest_adjusted_result ro = PATRON_ABTEST_INIT(patron_abtest_adjusted_result);
    if (patron_abtest_ratio_cuped_rows(&ro, ra, 5, rb, 5, 4, 0.05) != PATRON_OK)
        return 1;
    printf("revenue per order %.2f -> %.2f, adjusted difference %+.2f (se %.2f, unadjusted se %.2f)\n", ro.mean_a,
           ro.mean_b, ro.effect.effect, ro.effect.se, ro.se_unadjusted);

    /* 3. Post-stratification: new and returning customers. */
    const patron_abtest_summary pa[2] = {{1200, 31.0, 20.0}, {800, 58.0, 35.0}};
    const patron_abtest_summary pb[2] = {{1150, 32.5, 21.0}, {850, 60.0, 36.0}};
    patron_abtest_poststrat_result ps = PATRON_ABTEST_INIT(patron_abtest_poststrat_result);
    if (patron_abtest_poststratify(&ps, pa, pb, NULL, 2, 0.05) != PATRON_OK)
        return 1;
    printf("post-stratified %+.2f (se %.3f; plain %+.2f, se %.3f)\n", ps.effect.effect, ps.effect.se,
           ps.diff_unadjusted, ps.se_unadjusted);

    /* 4. Median days to the second purchase. */
    const double da[12] = {3, 9, 14, 21, 5, 8, 30, 11, 7, 16, 4, 12};
    const double db[12] = {2, 6, 10, 15, 4, 7, 22, 9, 5, 12, 3, 8};
    patron_abtest_quantile_result q = PATRON_ABTEST_INIT(patron_abtest_quantile_result);
    if (patron_abtest_quantile(&q, da, 12, db, 12, 0.5, 0.05) != PATRON_OK)
        return 1;
    printf("median days %.1f -> %.1f, difference %+.1f [%+.1f, %+.1f]; A's exact interval [%g, %g] covers %.3f\n",
           q.quantile_a, q.quantile_b, q.diff.effect, q.diff.ci_low, q.diff.ci_high, q.ci_a[0], q.ci_a[1],
           q.coverage_a);

    /* 5. Bootstrap of the mean spend after capping at the pooled 90th
     *    percentile; the seed makes it reproducible everywhere. */
    double sa[6], sb[6], cap;
    const double spend_a[6] = {42, 18, 75, 30, 55, 900}, spend_b[6] = {50, 25, 80, 39, 61, 20};
    if (patron_abtest_winsorize(sa, sb, NULL, &cap, spend_a, 6, spend_b, 6, 0, 0.9) != PATRON_OK)
        return 1;
    patron_abtest_boot_options bo = PATRON_ABTEST_BOOT_OPTIONS_INIT;
    bo.replicates = 1000;
    bo.seed = 42;
    patron_abtest_boot_result bs = PATRON_ABTEST_INIT(patron_abtest_boot_result);
    if (patron_abtest_bootstrap(&bs, sa, 6, sb, 6, 1, PATRON_ABTEST_BOOT_MEAN, &bo) != PATRON_OK)
        return 1;
    printf("capped at %.1f: %+.2f, percentile [%+.2f, %+.2f], BCa [%+.2f, %+.2f]\n", cap, bs.estimate,
           bs.ci_percentile[0], bs.ci_percentile[1], bs.ci_bca[0], bs.ci_bca[1]);

    /* 6. Errors name the argument. */
    int rc = patron_abtest_quantile(&q, da, 12, db, 12, 1.5, 0.05);
    printf("bad input: %s (%s)\n", patron_strerror(rc), patron_errmsg());
    return rc == PATRON_EINVAL ? 0 : 1;
}
