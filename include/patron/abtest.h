/**
 * @file abtest.h
 * @brief Experiments: deterministic assignment, sample-ratio checks and A/B
 *        significance tests (proportions, means, ranks, ratios, CUPED,
 *        survival, Bayesian, sequential, planning, multiplicity, permutation).
 *
 * Conventions shared by every function here:
 *
 * - Arm A is the control, arm B the treatment; every difference is B - A.
 *   "greater" is the one-sided alternative H1: B > A, "less" is H1: B < A.
 * - `alpha` is a two-sided significance level in (0, 1).
 * - Results are written into caller-owned structs that begin with
 *   `uint32_t size`. Set `size = sizeof(struct)` before the call (the
 *   `PATRON_ABTEST_INIT` macro does it); the library writes at most `size`
 *   bytes, so structs can grow in later releases without breaking compiled
 *   callers. Members the caller does not read may be ignored.
 * - p-values are computed from tails directly, never as 1 - cdf; the natural
 *   log of each two-sided p-value is returned as well and stays finite after
 *   the p-value underflows to 0 (down to about 1e-300 and far beyond).
 * - Counts are `int64_t` (n up to 1e9 and more); values are `double`.
 * - Bad input (a count above its n, a negative count, NaN, alpha outside
 *   (0, 1), zero variance or n < 2 where a variance is needed) gives
 *   #PATRON_EINVAL with a precise message in patron_errmsg(); the outputs are
 *   left untouched. Degenerate but valid inputs give the mathematically
 *   right answer. When a statistic is 0/0 (both arms identical and without
 *   variance, e.g. zero conversions in both arms) the statistic is NaN but
 *   the p-value is 1 and the verdict "no difference": there is no evidence
 *   of one. When the standard error is 0 but the difference is not, the
 *   statistic is +/-Infinity and the p-value 0.
 *
 * Ownership: every pointer argument is caller-owned, only read (inputs) or
 * written (outputs) during the call, and never retained; strings returned in
 * results (patron_abtest_perm_result::caveats) are static.
 *
 * Thread safety: every function is pure and reentrant (no globals, no I/O),
 * so any number of threads may call them at once on different outputs.
 * Functions that need scratch memory allocate it through the libpatron
 * allocator and free it before returning (#PATRON_ENOMEM when that fails).
 */
#ifndef PATRON_ABTEST_H
#define PATRON_ABTEST_H

#include <stddef.h>
#include <stdint.h>

#include "patron/common.h"

PATRON_BEGIN_DECLS

/** Initialiser for any abtest result struct: `T r = PATRON_ABTEST_INIT(T);` sets `size`. */
#define PATRON_ABTEST_INIT(T) { .size = (uint32_t)sizeof(T) }

/* ------------------------------------------------------------------------ */
/** @name Assignment */
/** @{ */

/** Variant returned by patron_abtest_assign() for a customer outside the experiment (coverage or layer). */
#define PATRON_ABTEST_NOT_ENROLLED (-1)

/**
 * @brief The stable assignment hash of a (key, customer id) pair.
 *
 * Specification (stable forever; bindings in other languages reproduce it):
 * 1. Bytes: the UTF-8 bytes of @p key, one 0x00 byte, the UTF-8 bytes of
 *    @p id.
 * 2. h = FNV-1a 64 of those bytes (offset basis 0xcbf29ce484222325, prime
 *    0x100000001b3, per byte: h ^= byte; h *= prime, modulo 2^64).
 * 3. Finalise with the SplitMix64/Murmur3 mixer: h ^= h >> 33;
 *    h *= 0xff51afd7ed558ccd; h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53;
 *    h ^= h >> 33 (all modulo 2^64).
 * 4. unit = (h >> 11) * 2^-53, a double in [0, 1), exact on every platform.
 *
 * Test vectors are in docs/guide/abtest.md and tests/abtest.
 *
 * @param[out] hash [value] The 64-bit hash (may be NULL).
 * @param[out] unit [value] The position in [0, 1) (may be NULL).
 * @param key Experiment or layer key, NUL-terminated (not copied).
 * @param id Customer id, NUL-terminated (not copied).
 * @return #PATRON_OK, or #PATRON_EINVAL when @p key or @p id is NULL.
 */
PATRON_API int patron_abtest_hash(uint64_t *hash, double *unit, const char *key, const char *id);

/** Options of patron_abtest_assign(). */
typedef struct patron_abtest_assign_options {
    uint32_t size;          /**< `sizeof(patron_abtest_assign_options)`; set by #PATRON_ABTEST_ASSIGN_OPTIONS_INIT. */
    double coverage;        /**< Share of customers enrolled, in (0, 1]; default 1. Those with unit >= coverage are not enrolled. */
    const char *layer_key;  /**< Layer of mutually exclusive experiments, or NULL for none (default). */
    double layer_start;     /**< Start of this experiment's slice of the layer, in [0, 1); default 0. */
    double layer_end;       /**< End (exclusive) of the slice, in (layer_start, 1]; default 1. */
} patron_abtest_assign_options;

/** Default assignment options: full coverage, no layer. */
#define PATRON_ABTEST_ASSIGN_OPTIONS_INIT \
    { (uint32_t)sizeof(patron_abtest_assign_options), 1.0, NULL, 0.0, 1.0 }

/**
 * @brief Deterministic assignment of a customer to a variant.
 *
 * With a layer: v = unit(layer_key, id); the customer can only be in this
 * experiment when layer_start <= v < layer_end (give the experiments of one
 * layer disjoint slices to make them mutually exclusive). Then
 * u = unit(experiment_key, id); the customer is enrolled when u < coverage,
 * in the first variant i with u < coverage * c_i, where
 * c_i = (w_0 + ... + w_i) / W is computed left to right in IEEE double
 * (W = sum of all weights); the last variant when rounding leaves none.
 * A holdout or control share is simply arm 0 with its weight, e.g.
 * weights {10, 90}.
 *
 * @param[out] variant [value] Variant index in [0, n_arms), or #PATRON_ABTEST_NOT_ENROLLED.
 * @param experiment_key Experiment key (not copied).
 * @param customer_id Customer id (not copied).
 * @param weights @p n_arms non-negative weights, any scale, positive sum.
 * @param n_arms Number of arms, >= 1.
 * @param[in] opts [value] Options or NULL for the defaults.
 * @return #PATRON_OK; #PATRON_EINVAL for NULL strings, a negative or NaN
 *         weight, a zero sum, coverage outside (0, 1] or a bad layer slice.
 */
PATRON_API int patron_abtest_assign(int *variant, const char *experiment_key, const char *customer_id,
                                    const double *weights, size_t n_arms,
                                    const patron_abtest_assign_options *opts);

/** Result of patron_abtest_srm(). */
typedef struct patron_abtest_srm_result {
    uint32_t size;     /**< Set to `sizeof` by the caller. */
    double chi2;       /**< Pearson goodness-of-fit statistic sum (o - e)^2 / e. */
    int64_t dof;       /**< Degrees of freedom: n_arms - 1. */
    double p;          /**< Upper-tail chi-square p-value (1 with zero traffic). */
    double log_p;      /**< Natural log of @ref p, finite when p underflows. */
    int mismatch;      /**< 1 when p < alpha: the split is not what was planned; do not trust the experiment. */
    double alpha;      /**< The threshold used (typically 0.001 for SRM). */
} patron_abtest_srm_result;

/**
 * @brief Sample-ratio-mismatch check: chi-square goodness of fit of the
 *        observed arm sizes against the planned weights.
 *
 * Expected counts are e_i = w_i / W * N with N the customers in all arms;
 * arms with w_i <= 0 add no term and dof = n_arms - 1, exactly as gbstats'
 * check_srm (customers on such an arm still show up as a shortfall in the
 * others). Zero traffic gives chi2 = 0, p = 1.
 *
 * @param[out] out [value] Result (size set by the caller).
 * @param observed Customers per arm (>= 0).
 * @param weights Planned weights (any scale; at least one positive).
 * @param n_arms Number of arms (>= 2).
 * @param alpha Threshold in (0, 1) for the verdict, e.g. 0.001.
 * @return #PATRON_OK or #PATRON_EINVAL (negative count, non-finite weight,
 *         no positive weight, alpha).
 */
PATRON_API int patron_abtest_srm(patron_abtest_srm_result *out, const int64_t *observed,
                                 const double *weights, size_t n_arms, double alpha);
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Common result parts */
/** @{ */

/**
 * @brief One hypothesis test: statistic, p-values (two- and one-sided), log
 *        p, the effect with its interval, and the verdict.
 */
typedef struct patron_abtest_test {
    double statistic;        /**< z, t or other statistic (NaN when 0/0, see the file notes). */
    double df;               /**< Degrees of freedom (NaN for normal-theory tests). */
    double effect;           /**< Estimated effect, B - A. */
    double se;               /**< Standard error of the effect. */
    double p_two_sided;      /**< Two-sided p-value. */
    double p_greater;        /**< One-sided p-value for H1: B > A. */
    double p_less;           /**< One-sided p-value for H1: B < A. */
    double log_p_two_sided;  /**< Natural log of @ref p_two_sided (finite after underflow). */
    double ci_low;           /**< Lower end of the 1 - alpha confidence interval of the effect. */
    double ci_high;          /**< Upper end of the interval. */
    int significant;         /**< 1 when p_two_sided <= alpha, else 0. */
} patron_abtest_test;

/** Summary statistics of one arm. */
typedef struct patron_abtest_summary {
    int64_t n;    /**< Number of units (customers). */
    double mean;  /**< Sample mean. */
    double sd;    /**< Sample standard deviation (n - 1 denominator; 0 allowed). */
} patron_abtest_summary;

/**
 * @brief Mean and standard deviation of a sample (two-pass, n - 1 denominator).
 * @param[out] out [value] Summary (n, mean, sd; sd = 0 when n == 1).
 * @param x Values (not NaN or infinite).
 * @param n Number of values (>= 1).
 * @return #PATRON_OK or #PATRON_EINVAL (NULL, n == 0, non-finite value).
 */
PATRON_API int patron_abtest_summarize(patron_abtest_summary *out, const double *x, size_t n);
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Proportions (conversion rates) */
/** @{ */

/** Result of patron_abtest_proportions(). */
typedef struct patron_abtest_prop_result {
    uint32_t size;                 /**< Set to `sizeof` by the caller. */
    double p_a;                    /**< Conversion rate of A, x_a / n_a. */
    double p_b;                    /**< Conversion rate of B. */
    double diff;                   /**< p_b - p_a. */
    double p_pooled;               /**< (x_a + x_b) / (n_a + n_b). */
    patron_abtest_test pooled;     /**< z-test with pooled se; its interval is the Newcombe (Wilson score) interval. */
    patron_abtest_test unpooled;   /**< Wald z-test with unpooled se; its interval is the Wald interval. */
    double chi2;                   /**< Uncorrected Pearson chi-square of the 2x2 table (= z_pooled^2). */
    double wilson_a[2];            /**< Wilson score interval of p_a. */
    double wilson_b[2];            /**< Wilson score interval of p_b. */
    double rel_lift;               /**< p_b / p_a - 1 (Infinity or NaN when p_a = 0). */
    double rel_lift_se;            /**< Delta-method standard error of the relative lift. */
    double rel_lift_ci[2];         /**< Delta-method 1 - alpha interval of the relative lift. */
    double alpha;                  /**< The alpha used. */
} patron_abtest_prop_result;

/**
 * @brief Two-proportion z-tests (pooled and unpooled), Wald and Newcombe
 *        intervals, relative lift with a delta-method interval.
 * @param[out] out [value] Result (size set by the caller).
 * @param x_a Conversions in A, 0 <= x_a <= n_a.
 * @param n_a Trials in A, >= 1.
 * @param x_b Conversions in B.
 * @param n_b Trials in B, >= 1.
 * @param alpha Two-sided level in (0, 1).
 * @return #PATRON_OK or #PATRON_EINVAL (negative count, count above n, n < 1, alpha).
 */
PATRON_API int patron_abtest_proportions(patron_abtest_prop_result *out, int64_t x_a, int64_t n_a,
                                         int64_t x_b, int64_t n_b, double alpha);

/** Result of patron_abtest_chi2_2x2(). */
typedef struct patron_abtest_chi2_result {
    uint32_t size;          /**< Set to `sizeof` by the caller. */
    double expected[4];     /**< Expected counts, row-major like the table. */
    double chi2;            /**< Pearson chi-square without correction (NaN if an expected count is 0). */
    double p;               /**< Its p-value (1 when the statistic is undefined). */
    double log_p;           /**< Natural log of @ref p. */
    double chi2_yates;      /**< With Yates' correction, |O - E| reduced by min(0.5, |O - E|). */
    double p_yates;         /**< Its p-value. */
    double log_p_yates;     /**< Natural log of @ref p_yates. */
    double g;               /**< G statistic 2 sum O ln(O/E) (likelihood ratio). */
    double p_g;             /**< Its p-value. */
    double log_p_g;         /**< Natural log of @ref p_g. */
    int64_t dof;            /**< Degrees of freedom (1). */
} patron_abtest_chi2_result;

/**
 * @brief Chi-square tests of a 2x2 table, with and without Yates, and the G-test.
 * @param[out] out [value] Result (size set by the caller).
 * @param table Counts {conv_a, nonconv_a, conv_b, nonconv_b}, each >= 0.
 * @return #PATRON_OK or #PATRON_EINVAL (negative count, empty table).
 */
PATRON_API int patron_abtest_chi2_2x2(patron_abtest_chi2_result *out, const int64_t table[4]);

/** Result of patron_abtest_fisher(). */
typedef struct patron_abtest_fisher_result {
    uint32_t size;         /**< Set to `sizeof` by the caller. */
    double p_two_sided;    /**< Sum of P(k) over tables with P(k) <= P(obs) (1 + 1e-7), as R does; capped at 1. */
    double log_p_two_sided;/**< Natural log of @ref p_two_sided. */
    double p_less;         /**< P(X <= a), X the top-left cell under the hypergeometric null (odds ratio < 1). */
    double p_greater;      /**< P(X >= a) (odds ratio > 1: arm A converts more). */
    double odds_ratio;     /**< Sample odds ratio ad / (bc) (Infinity if bc = 0 < ad, NaN if both 0). */
    int significant;       /**< 1 when p_two_sided <= alpha. */
    double log_p_less;     /**< Natural log of @ref p_less, finite where p_less underflows (appended in 0.2). */
    double log_p_greater;  /**< Natural log of @ref p_greater (appended in 0.2). */
} patron_abtest_fisher_result;

/**
 * @brief Fisher's exact test of a 2x2 table.
 *
 * Probabilities come from exact ratios of consecutive hypergeometric terms,
 * normalised over the support, so tables of any size work: the cost grows
 * with the spread of the hypergeometric law (about sqrt(n)) and with the
 * distance of the observed cell from the mode, not with n. Weights far in
 * the tails carry their own binary exponent and each tail is summed
 * relative to its largest term, so p and log p keep about 1e-14 relative
 * precision even where the terms leave the double range (p = 0 below
 * 1e-308 or a subnormal p, log p finite and exact to the last digits).
 * Cells more than 4 million from the mode fall back to lgamma in log
 * space (about 1e-10 relative in log p).
 * An older caller's `size` that ends before
 * patron_abtest_fisher_result::log_p_less is accepted.
 * @param[out] out [value] Result (size set by the caller).
 * @param table Counts {a, b, c, d} = {conv_a, nonconv_a, conv_b, nonconv_b}.
 * @param alpha Level for the verdict, in (0, 1).
 * @return #PATRON_OK, #PATRON_EINVAL (negative count, alpha), #PATRON_ENOMEM.
 */
PATRON_API int patron_abtest_fisher(patron_abtest_fisher_result *out, const int64_t table[4], double alpha);
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Means (basket size, spend) */
/** @{ */

/** Result of patron_abtest_means() and patron_abtest_means_samples(). */
typedef struct patron_abtest_means_result {
    uint32_t size;               /**< Set to `sizeof` by the caller. */
    patron_abtest_summary a;     /**< Summary of A. */
    patron_abtest_summary b;     /**< Summary of B. */
    double diff;                 /**< mean_b - mean_a. */
    patron_abtest_test welch;    /**< Welch's t-test (all NaN when an arm has n < 2 or both variances are 0). */
    patron_abtest_test student;  /**< Student's t-test with pooled variance. */
    double pooled_variance;      /**< Pooled variance of the Student test. */
    double rel_lift;             /**< mean_b / mean_a - 1. */
    double rel_lift_se;          /**< Delta-method standard error of the relative lift (independent arms). */
    double rel_lift_ci[2];       /**< Delta-method interval (z quantile). */
    double rel_lift_p;           /**< Two-sided normal p-value of the relative lift against 0. */
    double rel_lift_ci_fieller[2]; /**< Fieller interval of mean_b/mean_a minus 1; NaN when unbounded. */
    double fieller_g;            /**< z^2 (sd_a^2/n_a) / mean_a^2; the Fieller set is bounded iff g < 1. */
    int fieller_bounded;         /**< 1 when the Fieller interval is bounded. */
} patron_abtest_means_result;

/**
 * @brief Welch and Student t-tests from summary statistics, with
 *        intervals for the difference and the relative lift.
 * @param[out] out [value] Result (size set by the caller).
 * @param[in] a [value] Summary of A (n >= 1, sd >= 0).
 * @param[in] b [value] Summary of B.
 * @param alpha Two-sided level in (0, 1).
 * @return #PATRON_OK or #PATRON_EINVAL (NaN, negative sd, n < 1,
 *         n_a + n_b < 3, alpha).
 */
PATRON_API int patron_abtest_means(patron_abtest_means_result *out, const patron_abtest_summary *a,
                                   const patron_abtest_summary *b, double alpha);

/**
 * @brief The same tests from raw samples (means and variances computed in
 *        two passes).
 * @param[out] out [value] Result (size set by the caller).
 * @param a Values of A.
 * @param n_a Count of A (>= 1).
 * @param b Values of B.
 * @param n_b Count of B; n_a + n_b >= 3.
 * @param alpha Two-sided level in (0, 1).
 * @return #PATRON_OK or #PATRON_EINVAL.
 */
PATRON_API int patron_abtest_means_samples(patron_abtest_means_result *out, const double *a, size_t n_a,
                                           const double *b, size_t n_b, double alpha);

/** Result of patron_abtest_mannwhitney(). */
typedef struct patron_abtest_mw_result {
    uint32_t size;               /**< Set to `sizeof` by the caller. */
    double u_b;                  /**< Pairs with b > a plus 0.5 per tie (rank sum of B - n_b(n_b+1)/2). */
    double u_a;                  /**< n_a n_b - u_b. */
    int has_ties;                /**< 1 when any value is tied. */
    double tie_term;             /**< Sum of t^3 - t over tie groups. */
    double z;                    /**< Continuity-corrected z of the two-sided test (-Infinity when all values tie). */
    double p_two_sided;          /**< Normal approximation with tie correction, capped at 1. */
    double p_greater;            /**< One-sided (B > A) normal approximation. */
    double p_less;               /**< One-sided (B < A) normal approximation. */
    double log_p_two_sided;      /**< Natural log of @ref p_two_sided. */
    int exact;                   /**< 1 when the exact p-values below are filled (no ties, n_a n_b <= 400). */
    double p_two_sided_exact;    /**< min(1, 2 P(U >= max(u_a, u_b))); NaN when not exact. */
    double p_greater_exact;      /**< P(U >= u_b). */
    double p_less_exact;         /**< P(U >= u_a). */
    int significant;             /**< 1 when the exact (if available) or asymptotic two-sided p <= alpha. */
} patron_abtest_mw_result;

/**
 * @brief Mann-Whitney U test with midranks, tie-corrected normal
 *        approximation (continuity 0.5) and the exact distribution for small
 *        samples without ties.
 * @param[out] out [value] Result (size set by the caller).
 * @param a Values of A (finite).
 * @param n_a Count (>= 1).
 * @param b Values of B.
 * @param n_b Count (>= 1).
 * @param alpha Level for the verdict.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOMEM.
 */
PATRON_API int patron_abtest_mannwhitney(patron_abtest_mw_result *out, const double *a, size_t n_a,
                                         const double *b, size_t n_b, double alpha);

/** Sufficient statistics of a ratio metric sum(m)/sum(d) over randomisation units. */
typedef struct patron_abtest_ratio_stats {
    int64_t n;      /**< Units. */
    double sum_m;   /**< Sum of numerators (e.g. revenue). */
    double sum_d;   /**< Sum of denominators (e.g. orders). */
    double sum_m2;  /**< Sum of squared numerators. */
    double sum_d2;  /**< Sum of squared denominators. */
    double sum_md;  /**< Sum of products. */
} patron_abtest_ratio_stats;

/** Result of patron_abtest_ratio(). */
typedef struct patron_abtest_ratio_result {
    uint32_t size;            /**< Set to `sizeof` by the caller. */
    double ratio_a;           /**< sum_m / sum_d of A. */
    double ratio_b;           /**< Of B. */
    double var_ratio_a;       /**< Delta-method variance of ratio_a. */
    double var_ratio_b;       /**< Of ratio_b. */
    patron_abtest_test diff;  /**< z-test of ratio_b - ratio_a. */
    patron_abtest_test rel;   /**< z-test of ratio_b / ratio_a - 1 (delta method); effect = relative lift. */
} patron_abtest_ratio_result;

/**
 * @brief Sufficient statistics from unit rows (m_i, d_i).
 * @param[out] out [value] Statistics.
 * @param m Numerators.
 * @param d Denominators.
 * @param n Units (>= 1).
 * @return #PATRON_OK or #PATRON_EINVAL (NULL, n = 0, non-finite value).
 */
PATRON_API int patron_abtest_ratio_stats_from_rows(patron_abtest_ratio_stats *out, const double *m,
                                                   const double *d, size_t n);

/**
 * @brief Ratio metric (e.g. revenue per order) by the delta method, with
 *        sample (n - 1) moments per arm.
 * @param[out] out [value] Result (size set by the caller).
 * @param[in] a [value] Statistics of A (n >= 2, sum_d != 0).
 * @param[in] b [value] Statistics of B.
 * @param alpha Two-sided level.
 * @return #PATRON_OK or #PATRON_EINVAL.
 */
PATRON_API int patron_abtest_ratio(patron_abtest_ratio_result *out, const patron_abtest_ratio_stats *a,
                                   const patron_abtest_ratio_stats *b, double alpha);

/** Result of patron_abtest_cuped(). */
typedef struct patron_abtest_cuped_result {
    uint32_t size;              /**< Set to `sizeof` by the caller. */
    double theta;               /**< cov(post, pre) / var(pre) on the pooled sample. */
    double adjusted_mean_a;     /**< mean(post_a) - theta mean(pre_a). */
    double adjusted_mean_b;     /**< Of B. */
    double adjusted_var_a;      /**< var(post) + theta^2 var(pre) - 2 theta cov, A's own moments. */
    double adjusted_var_b;      /**< Of B. */
    patron_abtest_test normal;  /**< z-test of the adjusted difference. */
    double welch_df;            /**< Welch df of the adjusted variances. */
    double p_two_sided_t_welch; /**< Two-sided Welch t p-value of the adjusted difference. */
    double diff_unadjusted;     /**< mean(post_b) - mean(post_a). */
    double se_unadjusted;       /**< Its standard error. */
    double variance_reduction;  /**< 1 - (se_adjusted / se_unadjusted)^2. */
} patron_abtest_cuped_result;

/**
 * @brief CUPED: variance reduction with a pre-period covariate.
 * @param[out] out [value] Result (size set by the caller).
 * @param pre_a Pre-period covariate of A.
 * @param post_a Outcome of A.
 * @param n_a Units of A (>= 2).
 * @param pre_b Pre-period covariate of B.
 * @param post_b Outcome of B.
 * @param n_b Units of B (>= 2).
 * @param alpha Two-sided level.
 * @return #PATRON_OK or #PATRON_EINVAL (non-finite, n < 2, zero variance
 *         of the covariate).
 */
PATRON_API int patron_abtest_cuped(patron_abtest_cuped_result *out, const double *pre_a, const double *post_a,
                                   size_t n_a, const double *pre_b, const double *post_b, size_t n_b,
                                   double alpha);
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Time to event */
/** @{ */

/** Result of patron_abtest_logrank(). */
typedef struct patron_abtest_logrank_result {
    uint32_t size;          /**< Set to `sizeof` by the caller. */
    double chisq;           /**< Log-rank chi-square (1 df), as R survdiff(rho = 0). */
    double p;               /**< Upper-tail p-value. */
    double log_p;           /**< Natural log of @ref p. */
    double observed[2];     /**< Observed events in A and B. */
    double expected[2];     /**< Expected events under H0. */
    double median[2];       /**< Kaplan-Meier median time per arm, as R survfit (NaN when not reached). */
    int64_t n[2];           /**< Customers per arm. */
    int significant;        /**< 1 when p <= alpha. */
} patron_abtest_logrank_result;

/**
 * @brief Log-rank test of two arms (time to next purchase, censored when
 *        the customer has not bought yet).
 * @param[out] out [value] Result (size set by the caller).
 * @param time Times (>= 0, finite).
 * @param event 1 = event at that time, 0 = censored.
 * @param arm 0 = A, 1 = B.
 * @param n Number of customers.
 * @param alpha Level for the verdict.
 * @return #PATRON_OK, #PATRON_EINVAL (bad value, an empty arm), #PATRON_ENOMEM.
 */
PATRON_API int patron_abtest_logrank(patron_abtest_logrank_result *out, const double *time, const int *event,
                                     const int *arm, size_t n, double alpha);

/**
 * @brief Kaplan-Meier survival of one arm at given times, with Greenwood
 *        standard errors of S (as R summary(survfit)).
 * @param[out] surv [array: n_at] S(t) at each of @p at (caller array of @p n_at).
 * @param[out] std_err [array: n_at] Greenwood standard error of S(t) (NaN where S = 0); may be NULL.
 * @param time Times.
 * @param event Events (1) or censoring (0).
 * @param arm Arm of each customer.
 * @param n Customers.
 * @param which_arm Arm to evaluate (0 or 1).
 * @param at Evaluation times.
 * @param n_at Count of @p at.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOMEM.
 */
PATRON_API int patron_abtest_km(double *surv, double *std_err, const double *time, const int *event,
                                const int *arm, size_t n, int which_arm, const double *at, size_t n_at);

/**
 * @brief The whole Kaplan-Meier curve of one arm: one point per distinct
 *        event time.
 *
 * Call it with @p cap = 0 (arrays may be NULL) to learn the number of
 * points in @p count, then again with arrays of that size. The curve is a
 * step function: S(t) = surv[i] for times[i] <= t < times[i + 1], and 1
 * before times[0].
 *
 * @param[out] times [array: cap] Distinct event times, increasing (caller array of @p cap; may be NULL when cap is 0).
 * @param[out] surv [array: cap] S just after each time.
 * @param[out] std_err [array: cap] Greenwood standard error of S (NaN where S = 0); may be NULL.
 * @param[out] at_risk [array: cap] Customers at risk just before each time; may be NULL.
 * @param cap Capacity of the arrays.
 * @param[out] count [value] Number of points of the curve (may exceed @p cap; then
 *             only the first @p cap are written).
 * @param time Times.
 * @param event Events (1) or censoring (0).
 * @param arm Arm of each customer.
 * @param n Customers.
 * @param which_arm Arm (0 or 1).
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOMEM.
 */
PATRON_API int patron_abtest_km_curve(double *times, double *surv, double *std_err, int64_t *at_risk, size_t cap,
                                      size_t *count, const double *time, const int *event, const int *arm, size_t n,
                                      int which_arm);
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Bayesian */
/** @{ */

/** Result of patron_abtest_beta_binomial(). */
typedef struct patron_abtest_beta_result {
    uint32_t size;                /**< Set to `sizeof` by the caller. */
    double posterior_a[2];        /**< Beta(alpha, beta) posterior of A. */
    double posterior_b[2];        /**< Of B. */
    double posterior_mean_a;      /**< Posterior mean of A. */
    double posterior_mean_b;      /**< Of B. */
    double prob_b_beats_a;        /**< P(p_B > p_A): Evan Miller's closed form for integer parameters, quadrature otherwise. */
    double expected_loss_choose_b;/**< E[max(p_A - p_B, 0)]. */
    double expected_loss_choose_a;/**< E[max(p_B - p_A, 0)]. */
} patron_abtest_beta_result;

/**
 * @brief Beta-binomial posterior comparison of two conversion rates.
 * @param[out] out [value] Result (size set by the caller).
 * @param x_a Conversions of A.
 * @param n_a Trials of A.
 * @param x_b Conversions of B.
 * @param n_b Trials of B.
 * @param prior_alpha Prior alpha (> 0), e.g. 1.
 * @param prior_beta Prior beta (> 0), e.g. 1.
 * @return #PATRON_OK or #PATRON_EINVAL.
 */
PATRON_API int patron_abtest_beta_binomial(patron_abtest_beta_result *out, int64_t x_a, int64_t n_a,
                                           int64_t x_b, int64_t n_b, double prior_alpha, double prior_beta);

/** Result of patron_abtest_bayes_normal(). */
typedef struct patron_abtest_bayes_normal_result {
    uint32_t size;                /**< Set to `sizeof` by the caller. */
    double posterior_mean;        /**< Posterior mean of D = mean_b - mean_a. */
    double posterior_sd;          /**< Posterior sd of D. */
    double chance_to_win;         /**< P(D > 0). */
    double credible_interval[2];  /**< Equal-tailed 1 - alpha interval. */
    double risk_choose_control;   /**< E[max(D, 0)]. */
    double risk_choose_treatment; /**< E[max(-D, 0)]. */
} patron_abtest_bayes_normal_result;

/**
 * @brief Normal-normal model of the absolute effect (gbstats style).
 * @param[out] out [value] Result (size set by the caller).
 * @param[in] a [value] Summary of A (n >= 1).
 * @param[in] b [value] Summary of B.
 * @param alpha Level of the credible interval.
 * @param prior_mean Prior mean of D (ignored when prior_variance is 0).
 * @param prior_variance Prior variance of D, or 0 for the flat (improper) prior.
 * @return #PATRON_OK or #PATRON_EINVAL (also when both arms have zero variance).
 */
PATRON_API int patron_abtest_bayes_normal(patron_abtest_bayes_normal_result *out, const patron_abtest_summary *a,
                                          const patron_abtest_summary *b, double alpha, double prior_mean,
                                          double prior_variance);

/** Result of patron_abtest_bayes_relative() and
 *  patron_abtest_bayes_relative_proportions(); every figure is relative
 *  (0.05 = +5%). */
typedef struct patron_abtest_bayes_relative_result {
    uint32_t size;                /**< Set to `sizeof` by the caller. */
    double lift;                  /**< The data's lift (m_b - m_a) / m_a. */
    double lift_se;               /**< Its delta-method sd sqrt(v_b/(n_b m_a^2) + v_a m_b^2/(n_a m_a^4)). */
    double posterior_mean;        /**< Posterior mean of the lift. */
    double posterior_sd;          /**< Posterior sd of the lift. */
    double chance_to_win;         /**< P(lift > 0). */
    double credible_interval[2];  /**< Equal-tailed 1 - alpha interval of the lift. */
    double risk_choose_control;   /**< E[max(lift, 0)]: the relative loss expected from keeping A. */
    double risk_choose_treatment; /**< E[max(-lift, 0)]: the relative loss expected from shipping B. */
    double prior_weight;          /**< Share of the posterior precision that is the prior's (0 with the flat prior). */
} patron_abtest_bayes_relative_result;

/**
 * @brief Bayesian model of the relative effect with a normal prior on the
 *        lift (gbstats' default engine, EffectBayesianABTest, relative).
 *
 * The lift L = (m_b - m_a) / m_a has the delta-method variance
 * V = v_b / (n_b m_a^2) + v_a m_b^2 / (n_a m_a^4) (v = sd^2); the likelihood
 * N(L, V) and the prior N(prior_mean, prior_variance) give the posterior by
 * precision weighting: 1/s^2 = 1/V + 1/prior_variance,
 * mu = s^2 (L/V + prior_mean/prior_variance). prior_variance 0 is
 * GrowthBook's improper prior (proper = false: the posterior is N(L, V));
 * GrowthBook's suggested proper prior is mean 0, sd 0.3 (variance 0.09).
 * Chance to win Phi(mu/s), interval mu -/+ z_{1-alpha/2} s, risks
 * E[max(+-L, 0)] = s (phi(z) +- z Phi(+-z)), z = mu/s.
 *
 * @param[out] out [value] Result (size set by the caller).
 * @param[in] a [value] Summary of A (control; n >= 1, mean != 0).
 * @param[in] b [value] Summary of B.
 * @param alpha Level of the credible interval.
 * @param prior_mean Prior mean of the lift (ignored when prior_variance is 0).
 * @param prior_variance Prior variance of the lift, or 0 for the flat (improper) prior.
 * @return #PATRON_OK or #PATRON_EINVAL (also when A's mean is 0 or both arms have zero variance).
 * Reentrant.
 */
PATRON_API int patron_abtest_bayes_relative(patron_abtest_bayes_relative_result *out, const patron_abtest_summary *a,
                                            const patron_abtest_summary *b, double alpha, double prior_mean,
                                            double prior_variance);

/**
 * @brief patron_abtest_bayes_relative() for conversion rates: m = x/n and
 *        v = m (1 - m) per arm (gbstats' proportion statistic).
 * @param[out] out [value] Result (size set by the caller).
 * @param x_a Conversions of A (0 < x_a <= n_a, so that A's rate is not 0).
 * @param n_a Customers of A.
 * @param x_b Conversions of B.
 * @param n_b Customers of B.
 * @param alpha Level of the credible interval.
 * @param prior_mean Prior mean of the lift (ignored when prior_variance is 0).
 * @param prior_variance Prior variance of the lift, or 0 for the flat prior.
 * @return #PATRON_OK or #PATRON_EINVAL.
 * Reentrant.
 */
PATRON_API int patron_abtest_bayes_relative_proportions(patron_abtest_bayes_relative_result *out, int64_t x_a,
                                                        int64_t n_a, int64_t x_b, int64_t n_b, double alpha,
                                                        double prior_mean, double prior_variance);
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Sequential testing */
/** @{ */

/**
 * @brief Mixture SPRT (Johari et al.): likelihood ratios and always-valid
 *        p-values over a series of looks.
 *
 * Lambda_k = sqrt(V/(V + n tau2)) exp(n^2 tau2 (d - theta0)^2 / (2 V (V + n tau2)))
 * with V = 2 sigma2, or V = p_a(1 - p_a) + p_b(1 - p_b) when the Bernoulli
 * rates are given; p_k = min(1, running min of 1/Lambda).
 *
 * @param[out] lambda [array: k] Likelihood ratio per look (caller array of @p k).
 * @param[out] p_value [array: k] Always-valid p-value per look (caller array).
 * @param[out] reject [array: k] 1 when p_value <= alpha (caller array, may be NULL).
 * @param n Observations per arm at each look (increasing, >= 1).
 * @param mean_diff Mean difference B - A at each look.
 * @param rate_a Conversion rate of A per look, or NULL to use sigma2.
 * @param rate_b Conversion rate of B per look (with rate_a).
 * @param k Number of looks.
 * @param sigma2 Per-observation variance of each arm (> 0 unless rates are given).
 * @param tau2 Mixing variance (> 0).
 * @param theta0 Null effect.
 * @param alpha Level.
 * @return #PATRON_OK or #PATRON_EINVAL.
 */
PATRON_API int patron_abtest_msprt(double *lambda, double *p_value, int *reject, const int64_t *n,
                                   const double *mean_diff, const double *rate_a, const double *rate_b,
                                   size_t k, double sigma2, double tau2, double theta0, double alpha);

/** Result of patron_abtest_confidence_sequence(). */
typedef struct patron_abtest_cs_result {
    uint32_t size;              /**< Set to `sizeof` by the caller. */
    double rho;                 /**< Mixture parameter from N*. */
    double halfwidth;           /**< Half-width of the always-valid interval. */
    double ci[2];               /**< estimate -/+ halfwidth. */
    double e_value;             /**< Mixture e-value against test_value. */
    double p_value;             /**< min(1, 1/e_value) (no running minimum, as gbstats). */
    double fixed_halfwidth;     /**< The fixed-horizon z half-width, for comparison. */
    int significant;            /**< 1 when the interval excludes test_value. */
} patron_abtest_cs_result;

/**
 * @brief GrowthBook's asymptotic confidence sequence for an estimate with
 *        standard error se after n_total units.
 * @param[out] out [value] Result (size set by the caller).
 * @param estimate Point estimate.
 * @param se Its standard error (> 0).
 * @param n_total Units in both arms (>= 1).
 * @param alpha Level in (0, 1).
 * @param n_star Tuning N* (> 0; GrowthBook's default 5000).
 * @param test_value Null value (0).
 * @return #PATRON_OK or #PATRON_EINVAL.
 */
PATRON_API int patron_abtest_confidence_sequence(patron_abtest_cs_result *out, double estimate, double se,
                                                 int64_t n_total, double alpha, double n_star,
                                                 double test_value);

/** Result of patron_abtest_confidence_sequence_one_sided(). */
typedef struct patron_abtest_cs_one_sided_result {
    uint32_t size;          /**< Set to `sizeof` by the caller. */
    int direction;          /**< 1: H1 is B greater (lower bound); -1: B lesser (upper bound). */
    double rho;             /**< Mixture parameter from N* and 2 alpha. */
    double halfwidth;       /**< Distance of the bound from the estimate. */
    double bound;           /**< estimate - halfwidth (direction 1) or estimate + halfwidth (-1). */
    double ci[2];           /**< [bound, +inf) or (-inf, bound]. */
    double p_value;         /**< The alpha at which the bound reaches test_value (rho held), at most 1. */
    double fixed_halfwidth; /**< The fixed-horizon one-sided z_{1-alpha} se, for comparison. */
    int significant;        /**< 1 when test_value is outside the interval. */
} patron_abtest_cs_one_sided_result;

/**
 * @brief One-sided asymptotic confidence sequence (gbstats'
 *        SequentialOneSidedTreatmentGreater/LesserTTest).
 *
 * rho = sqrt((-2 ln(2 alpha) + ln(1 - 2 ln(2 alpha))) / N*); half-width
 * se sqrt(n) sqrt(2 (n rho^2 + 1) / (n rho)^2 ln(1 + sqrt(n rho^2 + 1) / (2 alpha)))
 * (Waudby-Smith et al. 2023, arXiv 2103.06476, eq. 134). The p-value
 * inverts the bound in closed form with rho fixed (gbstats bisects for it
 * within 1e-6 and clamps it to [1e-5, 0.4999]).
 *
 * @param[out] out [value] Result (size set by the caller).
 * @param estimate Point estimate (B - A, or the lift).
 * @param se Its standard error (> 0).
 * @param n_total Units in both arms (>= 1).
 * @param alpha One-sided level in (0, 0.5).
 * @param n_star Tuning N* (> 0; GrowthBook's default 5000).
 * @param test_value Null value (0).
 * @param direction 1 (H1: B greater than test_value) or -1 (B lesser).
 * @return #PATRON_OK or #PATRON_EINVAL.
 * Reentrant.
 */
PATRON_API int patron_abtest_confidence_sequence_one_sided(patron_abtest_cs_one_sided_result *out, double estimate,
                                                           double se, int64_t n_total, double alpha, double n_star,
                                                           double test_value, int direction);

/** Alpha-spending family for patron_abtest_group_sequential(). */
typedef enum patron_abtest_spending {
    PATRON_ABTEST_SPEND_OBF = 0,    /**< Lan-DeMets O'Brien-Fleming type: 2 - 2 Phi(z_{1-a/2} / sqrt(t)). */
    PATRON_ABTEST_SPEND_POCOCK = 1  /**< Lan-DeMets Pocock type: a ln(1 + (e - 1) t). */
} patron_abtest_spending;

/**
 * @brief One-sided efficacy bounds of a group-sequential design by alpha
 *        spending (numerical integration of the canonical joint normal).
 * @param[out] cumulative_alpha [array: k] Alpha spent up to each look (caller array of @p k).
 * @param[out] z_bounds [array: k] Efficacy bound per look.
 * @param[out] nominal_p [array: k] Nominal one-sided p-value of each bound (may be NULL).
 * @param information_rates Increasing information fractions in (0, 1], last = 1.
 * @param k Looks (1..50).
 * @param alpha_one_sided One-sided level in (0, 0.5).
 * @param spending Spending family.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOMEM.
 */
PATRON_API int patron_abtest_group_sequential(double *cumulative_alpha, double *z_bounds, double *nominal_p,
                                              const double *information_rates, size_t k,
                                              double alpha_one_sided, patron_abtest_spending spending);

/** Most looks of a group-sequential design. */
#define PATRON_ABTEST_GS_MAX_LOOKS 50

/** Result of patron_abtest_group_sequential_futility(); entry i of each
 *  array is look i, entries past looks are 0. */
typedef struct patron_abtest_gs_futility_result {
    uint32_t size;                                        /**< Set to `sizeof` by the caller. */
    int64_t looks;                                        /**< Looks of the design. */
    double drift;                                         /**< theta: E[Z] at full information for which the design has power 1 - beta. */
    double inflation;                                     /**< (theta / (z_{1-alpha} + z_{1-beta}))^2: maximum information over the fixed design's. */
    double efficacy_z[PATRON_ABTEST_GS_MAX_LOOKS];       /**< Efficacy bound per look (patron_abtest_group_sequential()'s). */
    double futility_z[PATRON_ABTEST_GS_MAX_LOOKS];       /**< Non-binding futility bound per look; the last equals the last efficacy bound. */
    double cumulative_alpha[PATRON_ABTEST_GS_MAX_LOOKS]; /**< Alpha spent up to each look. */
    double cumulative_beta[PATRON_ABTEST_GS_MAX_LOOKS];  /**< Beta spent up to each look. */
} patron_abtest_gs_futility_result;

/**
 * @brief Efficacy and non-binding futility bounds of a one-sided
 *        group-sequential design by alpha and beta spending.
 *
 * The efficacy bounds ignore the futility bounds (non-binding: stopping
 * for futility is optional and does not raise the type I error). With
 * Z_i ~ N(theta sqrt(t_i), 1) under the alternative, futility bound b_i
 * solves P_theta(b_j < Z_j < a_j for j < i, Z_i < b_i) = beta(t_i) -
 * beta(t_{i-1}), and theta is the drift at which b_K = a_K (gsDesign's
 * test.type 4; Pampallona & Tsiatis 1994). Numerical integration by
 * composite Gauss-Legendre quadrature, no simulation. The maximum sample
 * size is inflation times the fixed design's for the same alpha and power.
 *
 * @param[out] out [value] Result (size set by the caller).
 * @param information_rates Increasing information fractions in (0, 1], last = 1.
 * @param k Looks (1..50).
 * @param alpha_one_sided One-sided level in (0, 0.5).
 * @param beta Type II error 1 - power in (0, 0.5).
 * @param alpha_spending Spending family of the efficacy bounds.
 * @param beta_spending Spending family of the futility bounds (the same formulas with beta).
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOMEM.
 * Reentrant.
 */
PATRON_API int patron_abtest_group_sequential_futility(patron_abtest_gs_futility_result *out,
                                                       const double *information_rates, size_t k,
                                                       double alpha_one_sided, double beta,
                                                       patron_abtest_spending alpha_spending,
                                                       patron_abtest_spending beta_spending);
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Planning */
/** @{ */

/** Result of patron_abtest_power_prop(). */
typedef struct patron_abtest_power_prop_result {
    uint32_t size;                 /**< Set to `sizeof` by the caller. */
    double cohen_h;                /**< 2 asin sqrt(p2) - 2 asin sqrt(p1). */
    double n1_cohen_h;             /**< Control-arm size by Cohen's h (statsmodels NormalIndPower; both tails when two-sided). */
    int64_t n1_cohen_h_ceil;       /**< Rounded up. */
    double n1_pooled;              /**< Pooled-variance formula (Fleiss, no continuity correction; R power.prop.test). */
    int64_t n1_pooled_ceil;        /**< Rounded up. */
    double n1_pooled_strict;       /**< Pooled formula counting the opposite tail (R strict = TRUE); NaN unless ratio = 1 and two-sided. */
    int64_t n1_pooled_strict_ceil; /**< Rounded up (-1 when not computed). */
    double n_evanmiller;           /**< evanmiller.org formula per arm (NaN unless p1 <= 0.5, p2 > p1, ratio 1). */
    int64_t n_evanmiller_round;    /**< Rounded to nearest (-1 when not computed). */
    double power_cohen_h;          /**< Power at n1_given by Cohen's h (NaN when n1_given <= 0). */
    double power_pooled;           /**< Power at n1_given by the pooled formula. */
    double power_pooled_strict;    /**< Power at n1_given, strict (both tails; ratio 1 only). */
} patron_abtest_power_prop_result;

/**
 * @brief Power and sample size for comparing two proportions.
 * @param[out] out [value] Result (size set by the caller).
 * @param p1 Control rate in (0, 1).
 * @param p2 Treatment rate in (0, 1), != p1.
 * @param alpha Level in (0, 1) (two-sided when sides = 2).
 * @param power Target power in (0, 1).
 * @param ratio n2 / n1 (> 0).
 * @param sides 2 for a two-sided test, 1 for one-sided.
 * @param n1_given Control size at which to report power, or <= 0 for none.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ECONVERGE.
 */
PATRON_API int patron_abtest_power_prop(patron_abtest_power_prop_result *out, double p1, double p2, double alpha,
                                        double power, double ratio, int sides, double n1_given);

/** Result of patron_abtest_power_mean(). */
typedef struct patron_abtest_power_mean_result {
    uint32_t size;           /**< Set to `sizeof` by the caller. */
    double effect_size_d;    /**< delta / sd. */
    double n1_z;             /**< Normal formula (opposite tail ignored). */
    int64_t n1_z_ceil;       /**< Rounded up. */
    double n1_t;             /**< Noncentral t, both tails (statsmodels TTestIndPower, R power.t.test strict). */
    int64_t n1_t_ceil;       /**< Rounded up. */
} patron_abtest_power_mean_result;

/**
 * @brief Sample size for comparing two means with a common sd.
 * @param[out] out [value] Result (size set by the caller).
 * @param delta Difference to detect (!= 0).
 * @param sd Common standard deviation (> 0).
 * @param alpha Level in (0, 1).
 * @param power Target power.
 * @param ratio n2 / n1.
 * @param sides 2 or 1.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ECONVERGE.
 */
PATRON_API int patron_abtest_power_mean(patron_abtest_power_mean_result *out, double delta, double sd, double alpha,
                                        double power, double ratio, int sides);

/** Result of patron_abtest_mde(). */
typedef struct patron_abtest_mde_result {
    uint32_t size;                     /**< Set to `sizeof` by the caller. */
    double mde_abs_mean;               /**< (z + z) sd sqrt(1/n1 + 1/n2); NaN without sd. */
    double mde_abs_prop_pooled;        /**< p2 - p1 > 0 solving the pooled formula; NaN without p1. */
    double mde_rel_prop_pooled;        /**< The same divided by p1. */
    double mde_abs_prop_baseline;      /**< (z + z) sqrt(p1 (1 - p1)(1 + 1/k) / n1). */
} patron_abtest_mde_result;

/**
 * @brief Minimum detectable effect for a given sample.
 * @param[out] out [value] Result (size set by the caller).
 * @param n1 Control size (> 1).
 * @param alpha Level.
 * @param power Target power.
 * @param ratio n2 / n1.
 * @param sides 2 or 1.
 * @param sd Standard deviation of the metric, or NaN/<= 0 to skip the mean MDE.
 * @param p1 Control rate in (0, 1), or NaN to skip the proportion MDEs.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ECONVERGE.
 */
PATRON_API int patron_abtest_mde(patron_abtest_mde_result *out, double n1, double alpha, double power, double ratio,
                                 int sides, double sd, double p1);
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Multiple arms and metrics; small samples */
/** @{ */

/**
 * @brief Holm, Benjamini-Hochberg and Bonferroni adjusted p-values, in the
 *        input order.
 * @param[out] holm [array: m] Holm step-down adjusted p-values (caller array of @p m; may be NULL).
 * @param[out] bh [array: m] Benjamini-Hochberg step-up adjusted p-values (may be NULL).
 * @param[out] bonferroni [array: m] Bonferroni adjusted p-values (may be NULL).
 * @param p Raw p-values in [0, 1].
 * @param m Count (>= 1).
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOMEM.
 */
PATRON_API int patron_abtest_adjust(double *holm, double *bh, double *bonferroni, const double *p, size_t m);

/** Most arms (control included) that patron_abtest_many_means() and
 *  patron_abtest_many_proportions() take. */
#define PATRON_ABTEST_MAX_ARMS 32

/** How patron_abtest_many_means() and patron_abtest_many_proportions()
 *  control the family-wise error over the comparisons with the control. */
typedef enum patron_abtest_multiplicity {
    PATRON_ABTEST_DUNNETT = 0,    /**< Dunnett's many-to-one test: exact multivariate t (or normal) probabilities. */
    PATRON_ABTEST_HOLM = 1,       /**< Holm's step-down adjustment of the raw p-values; Bonferroni intervals. */
    PATRON_ABTEST_BONFERRONI = 2, /**< Bonferroni: p times the number of comparisons; intervals at alpha / m. */
    PATRON_ABTEST_UNADJUSTED = 3  /**< No adjustment (each comparison at alpha). */
} patron_abtest_multiplicity;

/** Options of patron_abtest_many_means() and patron_abtest_many_proportions(). */
typedef struct patron_abtest_many_options {
    uint32_t size;                     /**< `sizeof(patron_abtest_many_options)`; set by #PATRON_ABTEST_MANY_OPTIONS_INIT. */
    double alpha;                      /**< Family-wise level in (0, 1); default 0.05. */
    patron_abtest_multiplicity method; /**< Default #PATRON_ABTEST_DUNNETT. */
    int sides;                         /**< 2 (default): two-sided; 1: one-sided, H1 treatment > control. */
} patron_abtest_many_options;

/** Defaults: alpha 0.05, Dunnett, two-sided. */
#define PATRON_ABTEST_MANY_OPTIONS_INIT \
    { (uint32_t)sizeof(patron_abtest_many_options), 0.05, PATRON_ABTEST_DUNNETT, 2 }

/** Result of patron_abtest_many_means() and patron_abtest_many_proportions():
 *  entry i of each array is treatment arm i + 1 against the control, arm 0;
 *  entries past n_comparisons are 0. */
typedef struct patron_abtest_many_result {
    uint32_t size;                            /**< Set to `sizeof` by the caller. */
    int64_t n_comparisons;                    /**< n_arms - 1. */
    double alpha;                             /**< Family-wise level used. */
    int method;                               /**< The #patron_abtest_multiplicity used. */
    int sides;                                /**< 2 or 1, as used. */
    double df;                                /**< Degrees of freedom of the pooled variance (means); Infinity for proportions. */
    double critical_value;                    /**< Simultaneous critical value of the intervals (Dunnett's c, the t or z quantile at alpha/m for Holm and Bonferroni, at alpha unadjusted). */
    double effect[PATRON_ABTEST_MAX_ARMS];    /**< Arm i+1 minus control (mean or rate). */
    double se[PATRON_ABTEST_MAX_ARMS];        /**< Standard error of the effect. */
    double statistic[PATRON_ABTEST_MAX_ARMS]; /**< effect / se (t or z). */
    double p_raw[PATRON_ABTEST_MAX_ARMS];     /**< Unadjusted p-value of the comparison (two- or one-sided). */
    double p_adjusted[PATRON_ABTEST_MAX_ARMS];/**< Family-wise adjusted p-value by the method. */
    double ci_low[PATRON_ABTEST_MAX_ARMS];    /**< Simultaneous lower bound (-Infinity one-sided). */
    double ci_high[PATRON_ABTEST_MAX_ARMS];   /**< Simultaneous upper bound. */
    int significant[PATRON_ABTEST_MAX_ARMS];  /**< 1 when p_adjusted <= alpha. */
} patron_abtest_many_result;

/**
 * @brief Several treatment arms against one control: Dunnett's many-to-one
 *        comparison of means, or Holm / Bonferroni.
 *
 * Dunnett, C. W. (1955), "A multiple comparison procedure for comparing
 * several treatments with a control", JASA 50: 1096-1121. With the pooled
 * variance s^2 of all arms (df = N - n_arms) the statistics
 * t_i = (mean_i - mean_0) / (s sqrt(1/n_i + 1/n_0)) have correlations
 * lambda_i lambda_j, lambda_i = sqrt(n_i / (n_i + n_0)), so the joint law
 * reduces to a double integral (over the control's deviation and over the
 * chi distribution of s), computed by quadrature to about 1e-10; the
 * adjusted p-value of arm i is P(max_j |T_j| >= |t_i|) (one-sided: max T_j),
 * and c solves P(max_j |T_j| <= c) = 1 - alpha.
 * @param[out] out [value] Result (size set by the caller).
 * @param n Customers per arm (>= 2 in the control, >= 1 elsewhere), arm 0 the control.
 * @param mean Mean per arm (finite).
 * @param sd Sample sd per arm (n - 1 denominator, >= 0; not all 0).
 * @param n_arms Arms, 3 to #PATRON_ABTEST_MAX_ARMS (2 arms: use patron_abtest_means()).
 * @param[in] opts [value] Options, or NULL for #PATRON_ABTEST_MANY_OPTIONS_INIT.
 * @return #PATRON_OK, #PATRON_EINVAL naming the arm and value.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_abtest_many_means(patron_abtest_many_result *out, const int64_t *n, const double *mean,
                                        const double *sd, size_t n_arms, const patron_abtest_many_options *opts);

/**
 * @brief Several treatment arms against one control for conversion rates:
 *        Dunnett's many-to-one z-tests, or Holm / Bonferroni.
 *
 * z_i = (p_i - p_0) / sqrt(p_0 (1 - p_0) / n_0 + p_i (1 - p_i) / n_i)
 * (unpooled); the shared control makes corr(z_i, z_j) = lambda_i lambda_j
 * with lambda_i = sqrt(v_0 / (v_0 + v_i)), and Dunnett's probabilities are
 * the multivariate normal ones of that structure (Dunnett 1955, as above;
 * the large-sample form for proportions as in Piegorsch 1991, Biometrics
 * 47: 45-52). A comparison whose standard error is 0 (both rates 0 or 1)
 * has p = 1 when the rates are equal (0 otherwise) and leaves the family.
 * @param[out] out [value] Result (size set by the caller).
 * @param x Conversions per arm, 0 <= x[i] <= n[i]; arm 0 the control.
 * @param n Customers per arm (>= 1).
 * @param n_arms Arms, 3 to #PATRON_ABTEST_MAX_ARMS.
 * @param[in] opts [value] Options, or NULL for the defaults.
 * @return #PATRON_OK, #PATRON_EINVAL naming the arm and value.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_abtest_many_proportions(patron_abtest_many_result *out, const int64_t *x, const int64_t *n,
                                              size_t n_arms, const patron_abtest_many_options *opts);

/** Result of patron_abtest_permutation(). */
typedef struct patron_abtest_perm_result {
    uint32_t size;          /**< Set to `sizeof` by the caller. */
    double diff;            /**< Mean of treated periods - mean of control periods. */
    double p_two_sided;     /**< Share of assignments with |diff| >= |observed| (observed included). */
    double p_greater;       /**< Share with diff >= observed. */
    double p_less;          /**< Share with diff <= observed. */
    int64_t permutations;   /**< Assignments evaluated. */
    int exact;              /**< 1 when all assignments were enumerated. */
    int significant;        /**< 1 when p_two_sided <= alpha. */
    const char *caveats;    /**< Static text: what this design can and cannot show. */
} patron_abtest_perm_result;

/**
 * @brief Permutation test for the time-experiment design (alternating
 *        periods with and without the treatment), on period means.
 *
 * Enumerates every way of choosing which periods were treated when that is
 * at most @p max_permutations, otherwise draws that many random relabelings
 * with a SplitMix64 stream from @p seed (reproducible on every platform) and
 * reports (1 + hits) / (1 + draws).
 *
 * @param[out] out [value] Result (size set by the caller).
 * @param period_means Metric per period (finite).
 * @param treated 1 when the period had the treatment, else 0.
 * @param n_periods Periods (>= 2, at least one of each kind, <= 62).
 * @param alpha Level.
 * @param max_permutations Enumeration limit and number of random draws (>= 100).
 * @param seed Random seed for the Monte Carlo case.
 * @return #PATRON_OK or #PATRON_EINVAL.
 */
PATRON_API int patron_abtest_permutation(patron_abtest_perm_result *out, const double *period_means,
                                         const int *treated, size_t n_periods, double alpha,
                                         int64_t max_permutations, uint64_t seed);
/** @} */

/* ======================================================================== */
/* Regression adjustment (several covariates, ratio metrics),              */
/* post-stratification and quantile metrics (issue 14 part 2, added in 0.2) */
/* ======================================================================== */
/** @name Regression adjustment, post-stratification, quantiles */
/** @{ */

/** Most pre-period covariates patron_abtest_cuped_moments() and
 *  patron_abtest_ratio_cuped_moments() take. */
#define PATRON_ABTEST_MAX_COVARIATES 8
/** Most variables per row of #patron_abtest_moments (two outcome columns of
 *  a ratio metric plus the covariates). */
#define PATRON_ABTEST_MAX_VARS 10

/**
 * @brief Sufficient statistics of one arm: count, sums and sums of
 *        products of p variables per unit, what one SQL aggregate gives
 *        (`count(*), sum(y), sum(x1), sum(y*y), sum(y*x1), sum(x1*x1), ...`).
 *
 * Variable 0 is the outcome (patron_abtest_cuped_moments()) or the
 * numerator and variable 1 the denominator of a ratio metric
 * (patron_abtest_ratio_cuped_moments()); the others are covariates.
 * Only the upper triangle (i <= j) of patron_abtest_moments::sum_cross is read.
 * Raw sums lose digits when a mean is large against its sd (the centred
 * moments are differences of large sums): subtract a constant (a typical
 * value) from a column before summing if that is the case; the results do
 * not change otherwise.
 */
typedef struct patron_abtest_moments {
    int64_t n;                /**< Units in the arm. */
    int64_t p;                /**< Variables per unit, 1..#PATRON_ABTEST_MAX_VARS. */
    double sum[PATRON_ABTEST_MAX_VARS]; /**< sum[i] = sum over units of v_i. */
    double sum_cross[PATRON_ABTEST_MAX_VARS * PATRON_ABTEST_MAX_VARS]; /**< sum_cross[i * #PATRON_ABTEST_MAX_VARS + j] = sum of v_i v_j (i <= j read). */
} patron_abtest_moments;

/**
 * @brief Sufficient statistics from rows of p values (row-major).
 * @param[out] out [value] Statistics (all members written).
 * @param rows n * p values, row i at rows[i * p] (finite).
 * @param n Units (>= 1).
 * @param p Variables per row, 1..#PATRON_ABTEST_MAX_VARS.
 * @return #PATRON_OK or #PATRON_EINVAL naming the row and column.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_abtest_moments_from_rows(patron_abtest_moments *out, const double *rows, size_t n, size_t p);

/** Result of the regression-adjusted comparisons (patron_abtest_cuped_moments(),
 *  patron_abtest_cuped_rows(), patron_abtest_ratio_cuped_moments(),
 *  patron_abtest_ratio_cuped_rows()). "Mean" is the ratio for a ratio metric. */
typedef struct patron_abtest_adjusted_result {
    uint32_t size;                 /**< Set to `sizeof` by the caller. */
    int64_t n_a;                   /**< Units of A. */
    int64_t n_b;                   /**< Units of B. */
    int64_t covariates;            /**< Number of covariates k. */
    double beta[PATRON_ABTEST_MAX_COVARIATES]; /**< Pooled within-arm OLS slopes of the (linearised) outcome on the covariates. */
    double mean_a;                 /**< Unadjusted mean (or ratio) of A. */
    double mean_b;                 /**< Of B. */
    double adjusted_mean_a;        /**< mean_a - beta . (xbar_a - xbar), xbar the pooled covariate means. */
    double adjusted_mean_b;        /**< Of B. */
    double residual_var_a;         /**< Sample variance (n - 1) of the outcome minus beta . x in A (linearised for a ratio). */
    double residual_var_b;         /**< Of B. */
    patron_abtest_test effect;     /**< z-test of adjusted_mean_b - adjusted_mean_a, se from the per-arm residual variances (as CUPED). */
    patron_abtest_test ols;        /**< Classical OLS t-test of the treatment coefficient of y ~ 1 + T + x (df = N - k - 2, homoscedastic; all NaN for ratio metrics). */
    double welch_df;               /**< Welch-Satterthwaite df of the per-arm residual variances. */
    double diff_unadjusted;        /**< mean_b - mean_a. */
    double se_unadjusted;          /**< Its standard error (delta method for a ratio). */
    double variance_reduction;     /**< 1 - (effect.se / se_unadjusted)^2. */
    double r_squared;              /**< Within-arm R^2 of the outcome on the covariates. */
    double rel_lift;               /**< adjusted_mean_b / adjusted_mean_a - 1. */
    double rel_lift_se;            /**< Delta-method standard error, with the covariance the pooled covariate means give the two adjusted means. */
    double rel_lift_ci[2];         /**< 1 - alpha interval rel_lift -/+ z se. */
    double rel_lift_p;             /**< Two-sided normal p-value of rel_lift against 0. */
    double alpha;                  /**< The alpha used. */
} patron_abtest_adjusted_result;

/**
 * @brief Regression adjustment (CUPED) with several pre-period covariates,
 *        from sufficient statistics.
 *
 * The model is the OLS regression on the pooled data
 * y = a + tau T + beta . x + e (T = 1 in B): beta = W_xx^-1 W_xy with W the
 * within-arm centred moments summed over the arms, and
 * tau = (ybar_b - ybar_a) - beta . (xbar_b - xbar_a). Two standard errors:
 * @ref patron_abtest_adjusted_result::effect uses each arm's own variance of
 * y - beta . x (Deng, Xu, Kohavi & Walker 2013, "Improving the sensitivity
 * of online controlled experiments by utilizing pre-experiment data", WSDM;
 * robust to unequal variances, beta taken as known), and
 * @ref patron_abtest_adjusted_result::ols the classical OLS standard error
 * s^2 (1/n_a + 1/n_b + d' W_xx^-1 d), d = xbar_b - xbar_a, with
 * s^2 = RSS / (N - k - 2) (as statsmodels OLS). With k = 0 the effect is the
 * difference of means and @c ols Student's t-test.
 * Unlike patron_abtest_cuped() (theta about the pooled means), beta is the
 * within-arm slope, so tau is exactly the OLS coefficient.
 *
 * @param[out] out [value] Result (size set by the caller).
 * @param[in] a [value] Statistics of A: variable 0 the outcome, 1..p-1 the covariates (n >= 2).
 * @param[in] b [value] Statistics of B, the same p.
 * @param alpha Two-sided level in (0, 1).
 * @return #PATRON_OK or #PATRON_EINVAL (p differs or is out of range, n < 2,
 *         N < k + 3, a non-finite sum, collinear or constant covariates).
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_abtest_cuped_moments(patron_abtest_adjusted_result *out, const patron_abtest_moments *a,
                                           const patron_abtest_moments *b, double alpha);

/**
 * @brief The same regression adjustment from raw rows (moments in two
 *        passes, more accurate than sums when means are large).
 * @param[out] out [value] Result (size set by the caller).
 * @param rows_a n_a * p values of A, row-major: outcome then covariates.
 * @param n_a Units of A (>= 2).
 * @param rows_b n_b * p values of B.
 * @param n_b Units of B (>= 2).
 * @param p Variables per row, 1 + k with k <= #PATRON_ABTEST_MAX_COVARIATES.
 * @param alpha Two-sided level.
 * @return As patron_abtest_cuped_moments().
 */
PATRON_API int patron_abtest_cuped_rows(patron_abtest_adjusted_result *out, const double *rows_a, size_t n_a,
                                        const double *rows_b, size_t n_b, size_t p, double alpha);

/**
 * @brief Regression adjustment of a ratio metric (revenue per order) by
 *        the delta method, from sufficient statistics.
 *
 * Each unit's linearised ratio l = (m - R d) / dbar (R = sum m / sum d of
 * its arm) takes the place of the outcome of patron_abtest_cuped_moments()
 * (Deng, Knoblich & Lu 2018, "Applying the delta method in metric
 * analytics", KDD, section 3.4): beta = W_xx^-1 W_xl pooled within the
 * arms, adjusted ratio R - beta . (xbar_arm - xbar), and the variance of
 * the difference from each arm's variance of l - beta . x. Typical
 * covariates are the pre-period numerator and denominator. With no
 * covariate (p = 2) the result equals patron_abtest_ratio().
 * @param[out] out [value] Result (size set by the caller); @c ols is all NaN.
 * @param[in] a [value] Statistics of A: variable 0 the numerator, 1 the denominator, 2..p-1 covariates (n >= 2, sum of denominators != 0).
 * @param[in] b [value] Statistics of B.
 * @param alpha Two-sided level.
 * @return #PATRON_OK or #PATRON_EINVAL.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_abtest_ratio_cuped_moments(patron_abtest_adjusted_result *out, const patron_abtest_moments *a,
                                                 const patron_abtest_moments *b, double alpha);

/**
 * @brief The ratio-metric adjustment from raw rows (numerator,
 *        denominator, covariates per row).
 * @param[out] out [value] Result (size set by the caller).
 * @param rows_a n_a * p values of A, row-major.
 * @param n_a Units of A (>= 2).
 * @param rows_b n_b * p values of B.
 * @param n_b Units of B (>= 2).
 * @param p Variables per row, 2 + k.
 * @param alpha Two-sided level.
 * @return As patron_abtest_ratio_cuped_moments().
 */
PATRON_API int patron_abtest_ratio_cuped_rows(patron_abtest_adjusted_result *out, const double *rows_a, size_t n_a,
                                              const double *rows_b, size_t n_b, size_t p, double alpha);

/** Result of patron_abtest_poststratify(). */
typedef struct patron_abtest_poststrat_result {
    uint32_t size;                 /**< Set to `sizeof` by the caller. */
    int64_t strata;                /**< Number of strata. */
    double mean_a;                 /**< Post-stratified mean of A, sum_h w_h mean_ah. */
    double mean_b;                 /**< Of B. */
    patron_abtest_test effect;     /**< z-test of mean_b - mean_a with variance sum_h w_h^2 (s_ah^2 / n_ah + s_bh^2 / n_bh). */
    double diff_unadjusted;        /**< Difference of the plain means of all units. */
    double se_unadjusted;          /**< Its (Welch) standard error. */
    double variance_reduction;     /**< 1 - (effect.se / se_unadjusted)^2 (negative when stratifying costs precision). */
    double rel_lift;               /**< mean_b / mean_a - 1. */
    double rel_lift_se;            /**< Delta-method standard error (independent arms). */
    double rel_lift_ci[2];         /**< 1 - alpha interval. */
    double alpha;                  /**< The alpha used. */
} patron_abtest_poststrat_result;

/**
 * @brief Post-stratification by a categorical covariate (new vs returning
 *        customers, country, ...).
 *
 * tau = sum_h w_h (mean_bh - mean_ah) with w_h the stratum's share of all
 * units of both arms, or given population shares; its variance is
 * sum_h w_h^2 (s_ah^2 / n_ah + s_bh^2 / n_bh), the conditional variance of
 * Miratrix, Sekhon & Yu (2013), "Adjusting treatment effect estimates by
 * post-stratification in randomized experiments", JRSS B 75: 369-396.
 * @param[out] out [value] Result (size set by the caller).
 * @param[in] a [array: strata] Summary of A in each stratum (n >= 2).
 * @param[in] b [array: strata] Summary of B in each stratum (n >= 2).
 * @param weights Population share of each stratum (>= 0, positive sum; rescaled to sum 1), or NULL for the pooled sample shares.
 * @param strata Number of strata (>= 1).
 * @param alpha Two-sided level.
 * @return #PATRON_OK or #PATRON_EINVAL naming the stratum and value.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_abtest_poststratify(patron_abtest_poststrat_result *out, const patron_abtest_summary *a,
                                          const patron_abtest_summary *b, const double *weights, size_t strata,
                                          double alpha);

/** Result of patron_abtest_quantile(). */
typedef struct patron_abtest_quantile_result {
    uint32_t size;                 /**< Set to `sizeof` by the caller. */
    double q;                      /**< The quantile level, in (0, 1). */
    double quantile_a;             /**< Sample q-quantile of A (linear interpolation, numpy's default and R type 7). */
    double quantile_b;             /**< Of B. */
    double ci_a[2];                /**< Distribution-free interval of A's q-quantile: order statistics X_(l), X_(u) from Binomial(n, q); -/+Infinity when n is too small for that side. */
    double ci_b[2];                /**< Of B. */
    double coverage_a;             /**< Exact coverage of ci_a for a continuous distribution, P(l <= Bin(n, q) < u) >= 1 - alpha. */
    double coverage_b;             /**< Of ci_b. */
    double se_a;                   /**< Standard error of quantile_a: (X[nq + z s] - X[nq - z s]) / (2 z), s = sqrt(n q (1 - q)). */
    double se_b;                   /**< Of quantile_b. */
    patron_abtest_test diff;       /**< z-test and interval of quantile_b - quantile_a (large-sample). */
    double rel_lift;               /**< quantile_b / quantile_a - 1. */
    double rel_lift_se;            /**< Delta-method standard error. */
    double rel_lift_ci[2];         /**< 1 - alpha interval. */
    double alpha;                  /**< The alpha used. */
} patron_abtest_quantile_result;

/**
 * @brief Difference of quantiles (median, p90 of the days to the second
 *        purchase) with intervals.
 *
 * Each arm's standard error comes from the distance between two order
 * statistics around the quantile, without a density estimate (Deng,
 * Knoblich & Lu 2018, KDD, section 4; the same idea as Price & Bonett
 * 2002 for medians): it estimates sqrt(q (1 - q) / n) / f(x_q). The
 * difference's interval is normal; its coverage is close to 1 - alpha for
 * a few hundred units per arm and a continuous outcome (tests/abtest
 * measures it by simulation). Heavily tied data (many equal values) make
 * the order statistics coincide and the se small; the per-arm ci_a/ci_b
 * are exact (>= 1 - alpha) for continuous data at any n.
 * @param[out] out [value] Result (size set by the caller).
 * @param a Values of A (finite).
 * @param n_a Count of A (>= 2).
 * @param b Values of B (finite).
 * @param n_b Count of B (>= 2).
 * @param q Quantile level in (0, 1), e.g. 0.5 or 0.9.
 * @param alpha Two-sided level.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOMEM (a sorted copy of each arm is made).
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_abtest_quantile(patron_abtest_quantile_result *out, const double *a, size_t n_a,
                                      const double *b, size_t n_b, double q, double alpha);

/** Statistic that patron_abtest_bootstrap() resamples. */
typedef enum patron_abtest_boot_stat {
    PATRON_ABTEST_BOOT_MEAN = 0,     /**< Mean of column 0 (p = 1). */
    PATRON_ABTEST_BOOT_RATIO = 1,    /**< Ratio sum(column 0) / sum(column 1), e.g. revenue per order (p = 2). */
    PATRON_ABTEST_BOOT_QUANTILE = 2, /**< Quantile of column 0 at patron_abtest_boot_options::q, type 7 (p = 1). */
    PATRON_ABTEST_BOOT_CUPED = 3     /**< Regression-adjusted mean of patron_abtest_cuped_moments(): outcome then 1..8 covariates (p = 2..9). */
} patron_abtest_boot_stat;

/** Options of patron_abtest_bootstrap(). */
typedef struct patron_abtest_boot_options {
    uint32_t size;        /**< `sizeof(patron_abtest_boot_options)`; set by #PATRON_ABTEST_BOOT_OPTIONS_INIT. */
    int64_t replicates;   /**< Resamples, 100 to 1e8; default 2000. */
    uint64_t seed;        /**< Seed of the resampling stream; default 1. */
    double alpha;         /**< Two-sided level of the intervals; default 0.05. */
    double q;             /**< Quantile level for #PATRON_ABTEST_BOOT_QUANTILE; default 0.5. */
    int relative;         /**< 0 (default): the difference B - A; 1: the relative lift B / A - 1. */
} patron_abtest_boot_options;

/** Defaults: 2000 replicates, seed 1, alpha 0.05, the median, the difference. */
#define PATRON_ABTEST_BOOT_OPTIONS_INIT \
    { (uint32_t)sizeof(patron_abtest_boot_options), 2000, 1, 0.05, 0.5, 0 }

/** Result of patron_abtest_bootstrap(). */
typedef struct patron_abtest_boot_result {
    uint32_t size;            /**< Set to `sizeof` by the caller. */
    double estimate;          /**< The statistic on the data (difference or relative lift). */
    double se;                /**< Standard deviation of the replicates (n - 1). */
    double bias;              /**< Mean of the replicates minus the estimate. */
    double ci_percentile[2];  /**< Percentile interval: type-7 quantiles alpha/2 and 1 - alpha/2 of the replicates. */
    double ci_bca[2];         /**< BCa interval (NaN when not available). */
    double z0;                /**< BCa bias correction Phi^-1(share of replicates below the estimate, ties half). */
    double acceleration;      /**< BCa acceleration from the empirical influence values (NaN for quantiles). */
    int bca_available;        /**< 1 when ci_bca is filled (all statistics but quantiles). */
    int stat;                 /**< The #patron_abtest_boot_stat used. */
    int relative;             /**< 1 when the statistic is the relative lift. */
    int64_t replicates;       /**< Replicates drawn. */
    uint64_t seed;            /**< Seed used. */
    double alpha;             /**< Level used. */
} patron_abtest_boot_result;

/**
 * @brief Bootstrap intervals (percentile and BCa) of the difference or
 *        relative lift of a mean, ratio, quantile or regression-adjusted
 *        mean; seeded and the same on every platform.
 *
 * Resampling specification (stable; other implementations can reproduce
 * every replicate): replicate j = 0, 1, ... seeds a #patron_rng with
 * patron_rng_seed_stream(seed, j) (xoshiro256** from SplitMix64, see
 * simulate.h), then draws n_a row indices of A and then n_b of B, each
 * uniform in [0, n) by Lemire's method: x = patron_rng_next(); the 128-bit
 * product m = x n; while (m mod 2^64) < (2^64 - n) mod n draw again; the
 * index is m >> 64. Each arm is resampled on its own (the arm sizes stay
 * fixed). Sums run in row order about the pooled column means, so the
 * replicates are the same doubles on every IEEE-754 platform, given a
 * build without fused multiply-add contraction (GCC's default in the C11
 * mode libpatron uses; clang on an FMA target needs -ffp-contract=off).
 * The BCa interval (Efron 1987, "Better bootstrap confidence intervals",
 * JASA 82: 171-185) takes z0 from the replicates and the acceleration
 * a = sum U^3 / (6 (sum U^2)^1.5) from the empirical influence values U of
 * both arms (units' deviations, linearised ratios, or CUPED residuals,
 * divided by the arm size); quantiles are not smooth enough for that
 * acceleration and get the percentile interval only.
 * Cost: (n_a + n_b) draws per replicate (CUPED: also p^2 products per
 * draw); memory: one double per replicate (quantiles: also a sorted copy
 * and two 32-bit words per unit: its sorted position and a draw count).
 *
 * @param[out] out [value] Result (size set by the caller).
 * @param rows_a n_a * p values of A, row-major (finite).
 * @param n_a Units of A (2 to 2^32 - 1).
 * @param rows_b n_b * p values of B.
 * @param n_b Units of B.
 * @param p Columns per row, as the statistic needs (see #patron_abtest_boot_stat).
 * @param stat A #patron_abtest_boot_stat.
 * @param[in] opts [value] Options, or NULL for #PATRON_ABTEST_BOOT_OPTIONS_INIT.
 * @return #PATRON_OK, #PATRON_EINVAL (bad option, value or size; covariates
 *         collinear in a resample), #PATRON_ENOMEM.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_abtest_bootstrap(patron_abtest_boot_result *out, const double *rows_a, size_t n_a,
                                       const double *rows_b, size_t n_b, size_t p, int stat,
                                       const patron_abtest_boot_options *opts);

/**
 * @brief Winsorise (cap) the values of both arms at quantiles of the
 *        pooled values, so that one customer's huge order does not decide
 *        the test.
 *
 * The caps are the type-7 quantiles lower_q and upper_q of A and B
 * together (one threshold for both arms, so capping does not depend on the
 * assignment); values below or above are replaced by the cap. Use 0 or 1
 * for no cap on that side, e.g. (0, 0.99) caps the top 1%.
 * @param[out] out_a [array: n_a] Capped values of A (may be the same array as @p a).
 * @param[out] out_b [array: n_b] Capped values of B (may be @p b).
 * @param[out] cap_low [value] The lower cap used (-Infinity when none); may be NULL.
 * @param[out] cap_high [value] The upper cap used (+Infinity when none); may be NULL.
 * @param a Values of A (finite).
 * @param n_a Count of A.
 * @param b Values of B (finite).
 * @param n_b Count of B; n_a + n_b >= 1.
 * @param lower_q Lower quantile in [0, upper_q).
 * @param upper_q Upper quantile in (lower_q, 1].
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOMEM; outputs untouched on failure.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_abtest_winsorize(double *out_a, double *out_b, double *cap_low, double *cap_high,
                                       const double *a, size_t n_a, const double *b, size_t n_b, double lower_q,
                                       double upper_q);
/** @} */
/* ==== end of the issue 14 part 2 block ==== */

/* ======================================================================== */
/* Begin block: Bayesian k arms, margins, planning with variance reduction   */
/* (issue 14, section 2; lib/abtest/best.c, margin.c, plan.c).               */
/* ======================================================================== */

/** @name Probability to be best over k arms */
/** @{ */

/** Result of patron_abtest_best_proportions() and patron_abtest_best_means();
 *  entry i of each array is arm i, entries past n_arms are 0. */
typedef struct patron_abtest_best_result {
    uint32_t size;                                 /**< Set to `sizeof` by the caller. */
    int64_t n_arms;                                /**< Arms compared. */
    double prob_best[PATRON_ABTEST_MAX_ARMS];      /**< P(arm i has the highest rate or mean) under the posteriors. */
    double expected_loss[PATRON_ABTEST_MAX_ARMS];  /**< E[max_j theta_j - theta_i]: what choosing arm i costs on average. */
    double posterior_mean[PATRON_ABTEST_MAX_ARMS]; /**< Posterior mean of arm i. */
    double posterior_sd[PATRON_ABTEST_MAX_ARMS];   /**< Posterior sd of arm i. */
    double integration_error;                      /**< Sum of the quadrature's error estimates (relative to the posterior sds; about 1e-15 when converged). */
    double prob_sum_deviation;                     /**< sum_i prob_best[i] - 1, a check of the integration (about 1e-15). */
} patron_abtest_best_result;

/**
 * @brief Probability that each of k conversion rates is the highest, and the
 *        expected loss of choosing each arm (beta-binomial posteriors).
 *
 * Arm i has the posterior Beta(prior_alpha + x_i, prior_beta + n_i - x_i),
 * independently. P(i best) = int f_i(x) prod_{j != i} F_j(x) dx and
 * E[max_j p_j] - E[p_i] = sum_k (m_k - m_i) P(k best) + sum_k C_k with
 * C_k = int (x - m_k) f_k(x) prod_{j != k} F_j(x) dx; the one-dimensional
 * integrals are computed by adaptive Gauss-Kronrod (7-15) quadrature with
 * break points around every posterior, each density normalised by the same
 * quadrature (absolute error about 1e-14; no Monte Carlo). With two arms
 * prob_best[1] is patron_abtest_beta_binomial()'s prob_b_beats_a and the
 * losses are its expected losses. Cost: about k^2 incomplete-beta
 * evaluations per node, a few hundred nodes per arm.
 * @param[out] out [value] Result (size set by the caller).
 * @param x Conversions per arm (0 <= x[i] <= n[i]).
 * @param n Customers per arm (>= 0, at most 2^50).
 * @param n_arms Arms, 2 to #PATRON_ABTEST_MAX_ARMS.
 * @param prior_alpha Prior alpha (> 0, finite), e.g. 1.
 * @param prior_beta Prior beta (> 0, finite), e.g. 1.
 * @return #PATRON_OK, #PATRON_EINVAL naming the arm and value, #PATRON_ENOMEM.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_abtest_best_proportions(patron_abtest_best_result *out, const int64_t *x, const int64_t *n,
                                              size_t n_arms, double prior_alpha, double prior_beta);

/**
 * @brief Probability that each of k means is the highest, and the expected
 *        loss of choosing each arm (normal posteriors, flat prior).
 *
 * Arm i has the posterior N(mean_i, sd_i^2 / n_i), the large-sample model
 * of gbstats' Bayesian engine without a prior; the integrals are those of
 * patron_abtest_best_proportions() with normal densities and cdfs. With two
 * arms prob_best[1] is Phi((m_1 - m_0) / sqrt(s_0^2 + s_1^2)).
 * @param[out] out [value] Result (size set by the caller).
 * @param n Customers per arm (>= 1).
 * @param mean Sample mean per arm (finite).
 * @param sd Sample sd per arm (> 0).
 * @param n_arms Arms, 2 to #PATRON_ABTEST_MAX_ARMS.
 * @return #PATRON_OK, #PATRON_EINVAL naming the arm and value (also when one
 *         posterior sd is below 1e-12 of another's), #PATRON_ENOMEM.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_abtest_best_means(patron_abtest_best_result *out, const int64_t *n, const double *mean,
                                        const double *sd, size_t n_arms);
/** @} */

/** @name Non-inferiority and superiority margins */
/** @{ */

/** The hypothesis of patron_abtest_margin_means() and patron_abtest_margin_proportions(). */
typedef enum patron_abtest_margin_kind {
    PATRON_ABTEST_NON_INFERIORITY = 0, /**< H1: B is not worse than A by more than the margin. */
    PATRON_ABTEST_SUPERIORITY = 1      /**< H1: B is better than A by more than the margin. */
} patron_abtest_margin_kind;

/** Options of the margin tests. */
typedef struct patron_abtest_margin_options {
    uint32_t size;                  /**< `sizeof(patron_abtest_margin_options)`; set by #PATRON_ABTEST_MARGIN_OPTIONS_INIT. */
    patron_abtest_margin_kind kind; /**< Default #PATRON_ABTEST_NON_INFERIORITY. */
    double margin;                  /**< Margin >= 0: in the metric's units, or a fraction of A's mean when @ref relative (0.02 = 2%); default 0. */
    int relative;                   /**< 1: the effect is mean_B / mean_A - 1 and the margin relative; 0 (default): mean_B - mean_A. */
    int lower_is_better;            /**< 1 when a lower metric is better (e.g. refunds); default 0. */
    double alpha;                   /**< One-sided level in (0, 0.5); default 0.05. */
    int pooled_variance;            /**< Means only: 1 for Student's pooled variance, 0 (default) for Welch. */
} patron_abtest_margin_options;

/** Defaults: non-inferiority, margin 0, absolute, higher is better, one-sided alpha 0.05, Welch. */
#define PATRON_ABTEST_MARGIN_OPTIONS_INIT \
    { (uint32_t)sizeof(patron_abtest_margin_options), PATRON_ABTEST_NON_INFERIORITY, 0.0, 0, 0, 0.05, 0 }

/** Result of the margin tests. */
typedef struct patron_abtest_margin_result {
    uint32_t size;       /**< Set to `sizeof` by the caller. */
    double effect;       /**< mean_B - mean_A, or mean_B / mean_A - 1 when relative. */
    double threshold;    /**< The null boundary on the effect's scale: -margin (non-inferiority) or +margin (superiority), signs swapped when lower is better. */
    double statistic;    /**< t or z at the boundary (see the functions). */
    double df;           /**< Degrees of freedom (Welch-Satterthwaite at the boundary, or n_a + n_b - 2); NaN for z. */
    double se;           /**< Standard error of the statistic's numerator. */
    double p;            /**< One-sided p-value of H0: effect <= threshold (>= when lower is better). */
    double log_p;        /**< Natural log of @ref p, finite after underflow. */
    double bound;        /**< One-sided 1 - alpha confidence bound of the effect: lower when higher is better, upper otherwise (relative: Fieller's bound; NaN when it does not exist above a ratio of 0). */
    int reject;          /**< 1 when p <= alpha: B is shown non-inferior (or superior). Equivalently, the bound is beyond the threshold. */
    double alpha;        /**< One-sided level used. */
    int kind;            /**< The #patron_abtest_margin_kind used. */
    int relative;        /**< 1 when the margin was relative. */
    int lower_is_better; /**< As used. */
} patron_abtest_margin_result;

/**
 * @brief Non-inferiority or superiority t-test of two means with an
 *        absolute or relative margin.
 *
 * Higher is better: H0: effect <= threshold against H1: effect > threshold
 * (lower is better mirrors it). Absolute: t = (d - threshold) / se with
 * d = mean_B - mean_A, se^2 = s_A^2/n_A + s_B^2/n_B (Welch-Satterthwaite df)
 * or s^2 (1/n_A + 1/n_B) with the pooled s^2 (df n_A + n_B - 2); the bound
 * is d -/+ t_{1-alpha, df} se. Relative, with c = 1 + threshold:
 * t = (mean_B - c mean_A) / sqrt(v_B + c^2 v_A), the Welch df of those two
 * variances (v = s^2/n, or the pooled s^2/n); the bound is the ratio - 1 at
 * which that one-sided p equals alpha (Fieller 1954, JRSS B 16: 175-185;
 * for the non-inferiority use Laster and Johnson 2003, Stat Med 22: 187-200).
 * The same results come from scipy's ttest_ind_from_stats on B and on A
 * shifted (absolute) or scaled by c (relative, Welch).
 * @param[out] out [value] Result (size set by the caller).
 * @param[in] a [value] Control summary (n >= 2).
 * @param[in] b [value] Treatment summary (n >= 2).
 * @param[in] opts [value] Options, or NULL for #PATRON_ABTEST_MARGIN_OPTIONS_INIT.
 * @return #PATRON_OK, #PATRON_EINVAL (bad summary, zero variance in both
 *         arms, alpha, margin; relative with mean_A <= 0).
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_abtest_margin_means(patron_abtest_margin_result *out, const patron_abtest_summary *a,
                                          const patron_abtest_summary *b, const patron_abtest_margin_options *opts);

/**
 * @brief Non-inferiority or superiority z-test of two conversion rates with
 *        an absolute or relative margin (Wald, unpooled).
 *
 * As patron_abtest_margin_means() with the rates p = x / n and the variances
 * p (1 - p) / n: absolute z = (p_B - p_A - threshold) / se (statsmodels'
 * test_proportions_2indep with method "wald", compare "diff"); relative
 * z = (p_B - c p_A) / sqrt(v_B + c^2 v_A) with c = 1 + threshold.
 * @param[out] out [value] Result (size set by the caller).
 * @param x_a Conversions of A (0 <= x_a <= n_a).
 * @param n_a Customers of A (1 to 2^50).
 * @param x_b Conversions of B.
 * @param n_b Customers of B.
 * @param[in] opts [value] Options, or NULL for the defaults (pooled_variance is ignored).
 * @return #PATRON_OK, #PATRON_EINVAL (counts, both rates 0 or both 1 so no
 *         variance, alpha, margin; relative with p_A = 0).
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_abtest_margin_proportions(patron_abtest_margin_result *out, int64_t x_a, int64_t n_a,
                                                int64_t x_b, int64_t n_b, const patron_abtest_margin_options *opts);
/** @} */

/** @name Planning with variance reduction and for ratio metrics */
/** @{ */

/** Design of patron_abtest_power_reduced() and patron_abtest_power_ratio(). */
typedef struct patron_abtest_plan_options {
    uint32_t size;   /**< `sizeof(patron_abtest_plan_options)`; set by #PATRON_ABTEST_PLAN_OPTIONS_INIT. */
    double alpha;    /**< Level in (0, 1) (two-sided when sides = 2); default 0.05. */
    double power;    /**< Target power in (0, 1); default 0.8. */
    double ratio;    /**< n2 / n1 (> 0); default 1. */
    int sides;       /**< 2 (default) or 1. */
    double n1_given; /**< Control size at which to report the minimum detectable effect, or 0 (default) for none. */
} patron_abtest_plan_options;

/** Defaults: alpha 0.05, power 0.8, equal arms, two-sided, no MDE. */
#define PATRON_ABTEST_PLAN_OPTIONS_INIT \
    { (uint32_t)sizeof(patron_abtest_plan_options), 0.05, 0.8, 1.0, 2, 0.0 }

/** Result of patron_abtest_power_reduced() and patron_abtest_power_ratio(). */
typedef struct patron_abtest_plan_result {
    uint32_t size;                /**< Set to `sizeof` by the caller. */
    double unit_sd;               /**< Per-customer sd the plan uses: sd sqrt(1 - r), or the ratio's delta-method sd. */
    double unit_sd_unadjusted;    /**< The sd without the variance reduction (= unit_sd for ratio metrics). */
    double delta;                 /**< Absolute effect to detect (for a ratio: relative_lift * mean_num / mean_den). */
    double effect_size_d;         /**< delta / unit_sd. */
    double n1_z;                  /**< Control size by the normal formula (as patron_abtest_power_mean()). */
    int64_t n1_z_ceil;            /**< Rounded up. */
    double n1_t;                  /**< Control size by the noncentral t, both tails. */
    int64_t n1_t_ceil;            /**< Rounded up. */
    double n1_z_unadjusted;       /**< Normal-formula size without the variance reduction (n1_z / (1 - r)). */
    int64_t n1_z_unadjusted_ceil; /**< Rounded up. */
    double mde_at_n1;             /**< Absolute minimum detectable effect at opts->n1_given (NaN without it). */
    double alpha;                 /**< As used. */
    double power;                 /**< As used. */
    double ratio;                 /**< As used. */
    int sides;                    /**< As used. */
} patron_abtest_plan_result;

/**
 * @brief Sample size for a mean when an adjustment (CUPED, regression on
 *        pre-period covariates) removes a stated share of its variance.
 *
 * With r the share of variance removed (for CUPED with one covariate
 * r = rho^2, rho the correlation of the metric with its pre-period value;
 * in general the R^2 of the adjustment), the adjusted per-customer sd is
 * sd sqrt(1 - r) (Deng, Xu, Kohavi and Walker 2013, "Improving the
 * sensitivity of online controlled experiments by utilizing pre-experiment
 * data", WSDM), and the sizes are patron_abtest_power_mean()'s at that sd,
 * so n1_z = (1 - r) n1_z_unadjusted.
 * @param[out] out [value] Result (size set by the caller).
 * @param delta Difference to detect (finite, non-zero).
 * @param sd Per-customer sd of the unadjusted metric (> 0).
 * @param variance_reduction Share r of the variance removed, in [0, 1).
 * @param[in] opts [value] Design, or NULL for #PATRON_ABTEST_PLAN_OPTIONS_INIT.
 * @return #PATRON_OK, #PATRON_EINVAL naming the value, #PATRON_ECONVERGE.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_abtest_power_reduced(patron_abtest_plan_result *out, double delta, double sd,
                                           double variance_reduction, const patron_abtest_plan_options *opts);

/**
 * @brief Per-unit delta-method variance of a ratio metric mean_Y / mean_X.
 *
 * With R = mean_num / mean_den, n Var(Ybar / Xbar) tends to
 * (var_num - 2 R cov + R^2 var_den) / mean_den^2 (the delta method; Deng,
 * Knoblich and Lu 2018, "Applying the delta method in metric analytics",
 * KDD). Divide by n for the variance of the ratio of an arm of n units.
 * @param[out] variance [value] The per-unit variance (clamped at 0 against rounding).
 * @param mean_num Mean of the numerator per unit (e.g. revenue per customer).
 * @param mean_den Mean of the denominator per unit (e.g. orders per customer), non-zero.
 * @param var_num Variance of the numerator per unit (>= 0).
 * @param var_den Variance of the denominator per unit (>= 0).
 * @param cov Covariance of numerator and denominator per unit (|cov| <= sqrt(var_num var_den)).
 * @return #PATRON_OK or #PATRON_EINVAL.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_abtest_ratio_unit_variance(double *variance, double mean_num, double mean_den,
                                                 double var_num, double var_den, double cov);

/**
 * @brief Sample size for a ratio metric (revenue per order, items per
 *        basket): the delta-method per-unit sd of
 *        patron_abtest_ratio_unit_variance() in patron_abtest_power_mean().
 *
 * The effect is a relative lift of the ratio, delta = relative_lift * R;
 * both arms are assumed to share the control's per-unit variance.
 * @param[out] out [value] Result (size set by the caller).
 * @param mean_num Numerator mean per unit.
 * @param mean_den Denominator mean per unit (non-zero).
 * @param var_num Numerator variance per unit.
 * @param var_den Denominator variance per unit.
 * @param cov Their covariance per unit.
 * @param relative_lift Relative change of the ratio to detect (e.g. 0.02; finite, non-zero).
 * @param[in] opts [value] Design, or NULL for the defaults.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ECONVERGE.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_abtest_power_ratio(patron_abtest_plan_result *out, double mean_num, double mean_den,
                                         double var_num, double var_den, double cov, double relative_lift,
                                         const patron_abtest_plan_options *opts);
/** @} */

/* ======================================================================== */
/* End block (issue 14, section 2: Bayesian k arms, margins, planning).      */
/* ======================================================================== */

PATRON_END_DECLS

#endif
