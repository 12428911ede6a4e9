/* The sized-struct rule (docs/guide/conventions.md, "Sized structs"): every
 * function that takes a size-carrying options or result struct is called as
 * a program built against the struct's first release would call it, with
 * `size` set to that release's sizeof:
 *  - options are passed in a heap block of exactly that many bytes (a read
 *    past it is a heap overflow under ASan and valgrind, which CI runs), and
 *    the call must succeed;
 *  - results are written into a block of that size followed by guard bytes
 *    that must stay untouched, and the bytes written must equal the first
 *    bytes of a full-size call's result.
 * The table FIRST_SIZES lists every sized struct of include/patron with its
 * first-release size; tests/abi/check_first_sizes.py checks it against the
 * headers and the 0.1 ABI baseline (abi/libpatron.abi). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"
#include "store_support.h"

/* FIRST(type, n): n is the struct's size in its first release (0.1, from
 * abi/libpatron.abi); 0 for a struct first released in the coming version
 * (its first size is today's sizeof). */
#define FIRST(type, n) { #type, (n) ? (size_t)(n) : sizeof(type), sizeof(type) }
static const struct first_size {
    const char *name;
    size_t first;
    size_t now;
} FIRST_SIZES[] = {
    FIRST(patron_abtest_assign_options, 40),
    FIRST(patron_abtest_srm_result, 56),
    FIRST(patron_abtest_prop_result, 296),
    FIRST(patron_abtest_chi2_result, 120),
    FIRST(patron_abtest_fisher_result, 56),
    FIRST(patron_abtest_means_result, 320),
    FIRST(patron_abtest_mw_result, 120),
    FIRST(patron_abtest_ratio_result, 216),
    FIRST(patron_abtest_cuped_result, 176),
    FIRST(patron_abtest_logrank_result, 104),
    FIRST(patron_abtest_beta_result, 80),
    FIRST(patron_abtest_bayes_normal_result, 64),
    FIRST(patron_abtest_cs_result, 72),
    FIRST(patron_abtest_power_prop_result, 104),
    FIRST(patron_abtest_power_mean_result, 48),
    FIRST(patron_abtest_mde_result, 40),
    FIRST(patron_abtest_many_options, 0),
    FIRST(patron_abtest_many_result, 0),
    FIRST(patron_abtest_adjusted_result, 0),
    FIRST(patron_abtest_poststrat_result, 0),
    FIRST(patron_abtest_quantile_result, 0),
    FIRST(patron_abtest_boot_options, 0),
    FIRST(patron_abtest_boot_result, 0),
    FIRST(patron_abtest_best_result, 0),
    FIRST(patron_abtest_margin_options, 0),
    FIRST(patron_abtest_margin_result, 0),
    FIRST(patron_abtest_plan_options, 0),
    FIRST(patron_abtest_plan_result, 0),
    FIRST(patron_abtest_bayes_relative_result, 0),
    FIRST(patron_abtest_cs_one_sided_result, 0),
    FIRST(patron_abtest_gs_futility_result, 0),
    FIRST(patron_abtest_perm_result, 64),
    FIRST(patron_clv_fit_options, 32),
    FIRST(patron_clv_fit_result, 256),
    FIRST(patron_clv_predict_options, 0),
    FIRST(patron_audit_query, 0),
    FIRST(patron_allocator, 40),
    FIRST(patron_db_options, 20),
    FIRST(patron_earn_rule, 112),
    FIRST(patron_purchase, 48),
    FIRST(patron_journey_options, 72),
    FIRST(patron_posting_request, 112),
    FIRST(patron_ledger_policy, 24),
    FIRST(patron_profile_fields, 88),
    FIRST(patron_weekly_options, 24),
    FIRST(patron_campaign_options, 16),
    FIRST(patron_rule_options, 12),
    FIRST(patron_rule_eval_options, 16),
    FIRST(patron_activity_options, 24),
    FIRST(patron_member_columns_options, 24),
    FIRST(patron_segment_options, 32),
    FIRST(patron_rfm_options, 32),
    FIRST(patron_sim_options, 176),
    FIRST(patron_txlog_options, 8),
    FIRST(patron_csv_options, 96),
    FIRST(patron_csv_report, 2088),
    FIRST(patron_summary_options, 40),
    FIRST(patron_frame_write_options, 12),
    FIRST(patron_tier_config, 20),
    FIRST(patron_store_log_options, 0),
    FIRST(patron_card_options, 0),
    FIRST(patron_score_options, 0),
    FIRST(patron_score_result, 0),
    FIRST(patron_store_frame_options, 0),
    FIRST(patron_behaviour_event, 0),
    FIRST(patron_campaign_def, 0),
    FIRST(patron_campaign_measure_options, 0),
    FIRST(patron_campaign_measure_result, 0),
    FIRST(patron_clv_chunk_value, 0),
    FIRST(patron_tier_detail, 0),
    FIRST(patron_earn_budget, 0),
    FIRST(patron_earn_budget_usage, 0),
    FIRST(patron_liability_options, 0),
    FIRST(patron_reward, 0),
    FIRST(patron_reward_info, 0),
    FIRST(patron_reward_request, 0),
    FIRST(patron_redemption, 0),
    FIRST(patron_coupon_campaign, 0),
    FIRST(patron_coupon_request, 0),
    FIRST(patron_coupon_result, 0),
    FIRST(patron_coupon_publication, 0),
    FIRST(patron_plan_options, 0),
    FIRST(patron_plan_campaign, 0),
    FIRST(patron_plan_campaign_result, 0),
};

static size_t first_of(const char *name)
{
    for (size_t i = 0; i < sizeof FIRST_SIZES / sizeof FIRST_SIZES[0]; i++)
        if (!strcmp(FIRST_SIZES[i].name, name))
            return FIRST_SIZES[i].first;
    fail_msg("%s is not in FIRST_SIZES", name);
    return 0;
}

/* ---- options: an exact-size heap copy of the first `first` bytes ------- */

/* The first-release view of the options in `full` (its first `first` bytes,
 * size set to `first`), in a heap block of exactly that size. */
static void *older_opts(const void *full, const char *name)
{
    size_t first = first_of(name);
    void *b = malloc(first);
    assert_non_null(b);
    memcpy(b, full, first);
    uint32_t s = (uint32_t)first;
    memcpy(b, &s, sizeof s);
    return b;
}
#define OLDER(type, var) ((const type *)older_opts(&(var), #type))

/* ---- results: a first-size block followed by guard bytes ---------------- */

#define GUARD 64
#define GUARD_BYTE 0xA5

static void *older_out(const char *name)
{
    size_t first = first_of(name);
    unsigned char *b = malloc(first + GUARD);
    assert_non_null(b);
    memset(b, GUARD_BYTE, first + GUARD);
    uint32_t s = (uint32_t)first;
    memcpy(b, &s, sizeof s);
    return b;
}

/* The call wrote nothing past `first`, and its bytes after `size` equal those
 * of the full-size result `full`. */
static void check_guard(const void *older, const char *name)
{
    size_t first = first_of(name);
    const unsigned char *b = older;
    for (size_t i = first; i < first + GUARD; i++)
        if (b[i] != GUARD_BYTE)
            fail_msg("%s: byte %zu past the caller's size %zu was written", name, i, first);
    uint32_t s;
    memcpy(&s, b, sizeof s);
    assert_int_equal(s, first);
}

static void check_older_out(const void *older, const void *full, const char *name)
{
    size_t first = first_of(name);
    const unsigned char *b = older;
    uint32_t s;
    check_guard(older, name);
    assert_memory_equal(b + sizeof s, (const unsigned char *)full + sizeof s, first - sizeof s);
}

/* Result case: `CALL` is an expression using `OUT` (a `type *`); it is run
 * once with a full-size struct and once with a first-release one. */
#define RESULT_CASE(type, CALL)                                       \
    do {                                                              \
        type full_;                                                   \
        memset(&full_, 0, sizeof full_);                              \
        full_.size = (uint32_t)sizeof full_;                          \
        {                                                             \
            type *OUT = &full_;                                       \
            int rc_ = (CALL);                                         \
            if (rc_)                                                  \
                fail_msg(#type " full: %s", patron_errmsg());         \
        }                                                             \
        type *OUT = older_out(#type);                                 \
        int rc_ = (CALL);                                             \
        if (rc_)                                                      \
            fail_msg(#type " first-release size: %s", patron_errmsg()); \
        check_older_out(OUT, &full_, #type);                          \
        free(OUT);                                                    \
    } while (0)

static void ok(int rc, const char *what)
{
    if (rc)
        fail_msg("%s: %s", what, patron_errmsg());
}

/* ---- the table itself ---------------------------------------------------- */

static void table_sizes_are_prefixes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof FIRST_SIZES / sizeof FIRST_SIZES[0]; i++) {
        assert_true(FIRST_SIZES[i].first >= sizeof(uint32_t));
        if (FIRST_SIZES[i].first > FIRST_SIZES[i].now)
            fail_msg("%s: first-release size %zu > sizeof %zu (a struct never shrinks)",
                     FIRST_SIZES[i].name, FIRST_SIZES[i].first, FIRST_SIZES[i].now);
    }
}

/* A size smaller than any release is refused by the one rule, for options
 * and results alike. */
static void smaller_than_first_is_einval(void **state)
{
    (void)state;
    patron_clv_fit_options o = PATRON_CLV_FIT_OPTIONS_INIT;
    o.size = 8;
    double f[] = {1, 2, 0}, r[] = {1, 3, 0}, T[] = {5, 6, 4};
    patron_clv_data d = {3, f, r, T, NULL, NULL};
    patron_clv_fit_result res = PATRON_CLV_FIT_RESULT_INIT;
    assert_int_equal(patron_clv_fit(&res, PATRON_CLV_BGNBD, &d, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "patron_clv_fit_options.size is 8; initialise"));
    res.size = 8;
    assert_int_equal(patron_clv_fit(&res, PATRON_CLV_BGNBD, &d, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "out->size is 8"));
    patron_abtest_srm_result s = PATRON_ABTEST_INIT(patron_abtest_srm_result);
    s.size = 8;
    int64_t obs[] = {10, 12};
    double w[] = {1, 1};
    assert_int_equal(patron_abtest_srm(&s, obs, w, 2, 0.01), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "out->size is 8"));
}

/* ---- abtest --------------------------------------------------------------- */

static void abtest_results(void **state)
{
    (void)state;
    int64_t obs[] = {510, 490};
    double w[] = {1, 1};
    RESULT_CASE(patron_abtest_srm_result, patron_abtest_srm(OUT, obs, w, 2, 0.01));
    RESULT_CASE(patron_abtest_prop_result, patron_abtest_proportions(OUT, 40, 500, 55, 510, 0.05));
    int64_t t[4] = {40, 460, 55, 455};
    RESULT_CASE(patron_abtest_chi2_result, patron_abtest_chi2_2x2(OUT, t));
    RESULT_CASE(patron_abtest_fisher_result, patron_abtest_fisher(OUT, t, 0.05));
    patron_abtest_summary a = {100, 10.0, 3.0}, b = {120, 11.0, 3.5};
    RESULT_CASE(patron_abtest_means_result, patron_abtest_means(OUT, &a, &b, 0.05));
    double xa[] = {1, 2, 3, 4, 5, 6}, xb[] = {2, 3, 4, 5, 6, 8, 9};
    RESULT_CASE(patron_abtest_means_result, patron_abtest_means_samples(OUT, xa, 6, xb, 7, 0.05));
    RESULT_CASE(patron_abtest_mw_result, patron_abtest_mannwhitney(OUT, xa, 6, xb, 7, 0.05));
    patron_abtest_ratio_stats ra = {3, 30, 6, 350, 14, 68}, rb = {3, 36, 6, 450, 14, 80};
    RESULT_CASE(patron_abtest_ratio_result, patron_abtest_ratio(OUT, &ra, &rb, 0.05));
    double pa[] = {1, 2, 3, 4, 5, 6}, qa[] = {1.5, 2.1, 3.7, 4.2, 5.9, 6.1};
    double pb[] = {1, 2, 3, 4, 5, 7}, qb[] = {2.5, 2.9, 4.1, 5.2, 6.3, 8.0};
    RESULT_CASE(patron_abtest_cuped_result, patron_abtest_cuped(OUT, pa, qa, 6, pb, qb, 6, 0.05));
    double tm[] = {1, 2, 3, 4, 5, 6, 7, 8};
    int ev[] = {1, 1, 0, 1, 1, 0, 1, 1}, arm[] = {0, 1, 0, 1, 0, 1, 0, 1};
    RESULT_CASE(patron_abtest_logrank_result, patron_abtest_logrank(OUT, tm, ev, arm, 8, 0.05));
    RESULT_CASE(patron_abtest_beta_result, patron_abtest_beta_binomial(OUT, 40, 500, 55, 510, 1, 1));
    RESULT_CASE(patron_abtest_bayes_normal_result, patron_abtest_bayes_normal(OUT, &a, &b, 0.05, 0, 100));
    RESULT_CASE(patron_abtest_cs_result, patron_abtest_confidence_sequence(OUT, 0.5, 0.2, 1000, 0.05, 500, 0));
    RESULT_CASE(patron_abtest_power_prop_result, patron_abtest_power_prop(OUT, 0.10, 0.12, 0.05, 0.8, 1, 2, 0));
    RESULT_CASE(patron_abtest_power_mean_result, patron_abtest_power_mean(OUT, 1, 5, 0.05, 0.8, 1, 2));
    RESULT_CASE(patron_abtest_mde_result, patron_abtest_mde(OUT, 1000, 0.05, 0.8, 1, 2, 0, 0.1));
    double pm[] = {1.0, 1.2, 0.9, 1.5, 1.6, 1.4};
    int tr[] = {0, 0, 0, 1, 1, 1};
    RESULT_CASE(patron_abtest_perm_result, patron_abtest_permutation(OUT, pm, tr, 6, 0.05, 1000, 7));

    patron_abtest_many_options mo = PATRON_ABTEST_MANY_OPTIONS_INIT;
    const patron_abtest_many_options *old = OLDER(patron_abtest_many_options, mo);
    int64_t n[] = {100, 110, 120}, x[] = {10, 15, 20};
    double mean[] = {10, 11, 12}, sd[] = {3, 3, 3};
    RESULT_CASE(patron_abtest_many_result, patron_abtest_many_means(OUT, n, mean, sd, 3, old));
    RESULT_CASE(patron_abtest_many_result, patron_abtest_many_proportions(OUT, x, n, 3, old));
    free((void *)old);

    double rows_a[] = {1, 2, 2, 4.1, 3, 6, 4, 8.3}, rows_b[] = {2, 3, 3, 5, 4, 7.2, 6, 9};
    RESULT_CASE(patron_abtest_adjusted_result, patron_abtest_cuped_rows(OUT, rows_a, 4, rows_b, 4, 2, 0.05));
    RESULT_CASE(patron_abtest_adjusted_result, patron_abtest_ratio_cuped_rows(OUT, rows_a, 4, rows_b, 4, 2, 0.05));
    patron_abtest_moments mma, mmb;
    ok(patron_abtest_moments_from_rows(&mma, rows_a, 4, 2), "moments_from_rows");
    ok(patron_abtest_moments_from_rows(&mmb, rows_b, 4, 2), "moments_from_rows");
    RESULT_CASE(patron_abtest_adjusted_result, patron_abtest_cuped_moments(OUT, &mma, &mmb, 0.05));
    RESULT_CASE(patron_abtest_adjusted_result, patron_abtest_ratio_cuped_moments(OUT, &mma, &mmb, 0.05));
    patron_abtest_summary sa2[2] = {{10, 5, 1}, {20, 6, 2}}, sb2[2] = {{11, 5.5, 1}, {19, 6.5, 2}};
    RESULT_CASE(patron_abtest_poststrat_result, patron_abtest_poststratify(OUT, sa2, sb2, NULL, 2, 0.05));
    RESULT_CASE(patron_abtest_quantile_result, patron_abtest_quantile(OUT, xa, 6, xb, 7, 0.5, 0.05));
    patron_abtest_boot_options bo = PATRON_ABTEST_BOOT_OPTIONS_INIT;
    bo.replicates = 200;
    const patron_abtest_boot_options *bold = OLDER(patron_abtest_boot_options, bo);
    RESULT_CASE(patron_abtest_boot_result, patron_abtest_bootstrap(OUT, xa, 6, xb, 7, 1, PATRON_ABTEST_BOOT_MEAN, bold));
    free((void *)bold);
    RESULT_CASE(patron_abtest_best_result, patron_abtest_best_proportions(OUT, x, n, 3, 1, 1));
    RESULT_CASE(patron_abtest_best_result, patron_abtest_best_means(OUT, n, mean, sd, 3));
    patron_abtest_margin_options mg = PATRON_ABTEST_MARGIN_OPTIONS_INIT;
    mg.margin = 0.02;
    const patron_abtest_margin_options *mgo = OLDER(patron_abtest_margin_options, mg);
    RESULT_CASE(patron_abtest_margin_result, patron_abtest_margin_proportions(OUT, 40, 500, 55, 510, mgo));
    RESULT_CASE(patron_abtest_margin_result, patron_abtest_margin_means(OUT, &a, &b, mgo));
    free((void *)mgo);
    patron_abtest_plan_options pl = PATRON_ABTEST_PLAN_OPTIONS_INIT;
    const patron_abtest_plan_options *plo = OLDER(patron_abtest_plan_options, pl);
    RESULT_CASE(patron_abtest_plan_result, patron_abtest_power_reduced(OUT, 1, 5, 0.3, plo));
    RESULT_CASE(patron_abtest_plan_result, patron_abtest_power_ratio(OUT, 52, 1.3, 4900, 0.8, 40, 0.02, plo));
    free((void *)plo);
    RESULT_CASE(patron_abtest_bayes_relative_result, patron_abtest_bayes_relative(OUT, &a, &b, 0.05, 0, 0.09));
    RESULT_CASE(patron_abtest_bayes_relative_result,
                patron_abtest_bayes_relative_proportions(OUT, 40, 500, 55, 510, 0.05, 0, 0));
    RESULT_CASE(patron_abtest_cs_one_sided_result,
                patron_abtest_confidence_sequence_one_sided(OUT, 0.02, 0.01, 9000, 0.05, 5000, 0, 1));
    const double looks[3] = {0.3, 0.6, 1.0};
    RESULT_CASE(patron_abtest_gs_futility_result,
                patron_abtest_group_sequential_futility(OUT, looks, 3, 0.025, 0.1, PATRON_ABTEST_SPEND_OBF,
                                                        PATRON_ABTEST_SPEND_POCOCK));
}

static void abtest_assign_options(void **state)
{
    (void)state;
    patron_abtest_assign_options o = PATRON_ABTEST_ASSIGN_OPTIONS_INIT;
    const patron_abtest_assign_options *old = OLDER(patron_abtest_assign_options, o);
    int v_full, v_old;
    double w[] = {1, 1};
    ok(patron_abtest_assign(&v_full, "exp", "c1", w, 2, &o), "assign");
    ok(patron_abtest_assign(&v_old, "exp", "c1", w, 2, old), "assign (first size)");
    assert_int_equal(v_full, v_old);
    free((void *)old);
}

/* ---- clv ------------------------------------------------------------------- */

static const double F[] = {0, 1, 2, 0, 4, 1, 3, 0, 2, 5, 1, 0};
static const double R[] = {0, 10, 20, 0, 30, 5, 25, 0, 12, 33, 8, 0};
static const double TT[] = {40, 38, 35, 30, 40, 20, 39, 25, 30, 36, 22, 18};
static const double M[] = {0, 20, 30, 0, 25, 18, 40, 0, 22, 35, 15, 0};

static void clv_structs(void **state)
{
    (void)state;
    patron_clv_data d = {12, F, R, TT, NULL, NULL};
    patron_clv_fit_options fo = PATRON_CLV_FIT_OPTIONS_INIT;
    fo.penalizer = 0.01;
    const patron_clv_fit_options *old = OLDER(patron_clv_fit_options, fo);
    RESULT_CASE(patron_clv_fit_result, patron_clv_fit(OUT, PATRON_CLV_BGNBD, &d, old));
    /* the full options with threads (appended in 0.2) at its default give the
     * same fit as the 0.1 view */
    patron_clv_fit_result a = PATRON_CLV_FIT_RESULT_INIT, b = PATRON_CLV_FIT_RESULT_INIT;
    ok(patron_clv_fit(&a, PATRON_CLV_BGNBD, &d, &fo), "fit");
    ok(patron_clv_fit(&b, PATRON_CLV_BGNBD, &d, old), "fit (first size)");
    assert_memory_equal(&a, &b, sizeof a);

    patron_frame *fr;
    ok(patron_frame_new(&fr, 12, NULL, NULL), "frame");
    ok(patron_frame_add_double(fr, "frequency", F), "frequency");
    ok(patron_frame_add_double(fr, "recency", R), "recency");
    ok(patron_frame_add_double(fr, "T", TT), "T");
    ok(patron_frame_add_double(fr, "monetary_value", M), "monetary_value");
    RESULT_CASE(patron_clv_fit_result, patron_clv_fit_frame(OUT, PATRON_CLV_BGNBD, fr, old));
    patron_frame_free(fr);

    /* the parameters format reads into a first-release-size result */
    char *js = NULL;
    ok(patron_clv_fit_to_json(&js, &a), "fit_to_json");
    RESULT_CASE(patron_clv_fit_result, patron_clv_fit_from_json(OUT, js, strlen(js)));
    patron_free(js);
    /* a first-release-size fit result is a valid input too */
    patron_clv_fit_result *short_fit = older_out("patron_clv_fit_result");
    ok(patron_clv_fit(short_fit, PATRON_CLV_BGNBD, &d, old), "fit into first size");
    double lo[4], hi[4];
    ok(patron_clv_param_intervals(lo, hi, short_fit, 0.95), "param_intervals");
    ok(patron_clv_fit_to_json(&js, short_fit), "fit_to_json (first size)");
    patron_free(js);
    free(short_fit);

    patron_clv_predict_options po = PATRON_CLV_PREDICT_OPTIONS_INIT;
    const patron_clv_predict_options *pold = OLDER(patron_clv_predict_options, po);
    double e[12], al[12], v[12];
    ok(patron_clv_predict_with(e, al, &a.params, &d, 10, pold), "predict_with");
    patron_clv_data dm = {12, F, R, TT, M, NULL};
    patron_clv_fit_result gg = PATRON_CLV_FIT_RESULT_INIT;
    ok(patron_clv_fit(&gg, PATRON_CLV_GG, &dm, old), "gg fit");
    ok(patron_clv_lifetime_value_with(v, &a.params, &gg.params, &dm, 12, 0.01, 1, pold), "lifetime_value_with");
    /* the chunk API */
    patron_clv_chunks *set = NULL;
    ok(patron_clv_chunks_new(&set, PATRON_CLV_BGNBD), "chunks_new");
    ok(patron_clv_chunks_add(set, &d, 1), "chunks_add");
    RESULT_CASE(patron_clv_fit_result, patron_clv_fit_chunks(OUT, set, old));
    RESULT_CASE(patron_clv_chunk_value, patron_clv_chunk_eval(OUT, set, 0, &a.params, 1));
    patron_clv_chunks_free(set);
    free((void *)old);
    free((void *)pold);
}

/* ---- summary, csv, frames, simulate ------------------------------------- */

static const char CSV[] = "customer_id,date,amount\n"
                          "1,2024-01-01,10.00\n1,2024-01-20,12.50\n2,2024-01-05,7.00\n"
                          "3,2024-02-01,30.00\n3,2024-02-10,5.00\n3,2024-03-01,8.25\n";

static patron_txlog *load_log(void)
{
    patron_txlog_options to = PATRON_TXLOG_OPTIONS_INIT;
    const patron_txlog_options *told = OLDER(patron_txlog_options, to);
    patron_txlog *log;
    ok(patron_txlog_new(&log, told), "txlog_new");
    free((void *)told);
    patron_csv_options co = PATRON_CSV_OPTIONS_INIT;
    co.integer_ids = 1;
    const patron_csv_options *cold = OLDER(patron_csv_options, co);
    ok(patron_txlog_load_csv_buffer(log, CSV, strlen(CSV), cold, NULL), "load_csv_buffer");
    free((void *)cold);
    return log;
}

static patron_frame *summary_frame(const patron_txlog *log)
{
    patron_summary_options so = PATRON_SUMMARY_OPTIONS_INIT;
    const patron_summary_options *sold = OLDER(patron_summary_options, so);
    patron_frame *f;
    ok(patron_summarize(&f, log, sold), "summarize");
    free((void *)sold);
    return f;
}

static void summary_structs(void **state)
{
    (void)state;
    patron_txlog *log = load_log();
    patron_csv_options co = PATRON_CSV_OPTIONS_INIT;
    co.integer_ids = 1;
    const patron_csv_options *cold = OLDER(patron_csv_options, co);
    patron_txlog *l1, *l2;
    ok(patron_txlog_new(&l1, NULL), "txlog_new");
    ok(patron_txlog_new(&l2, NULL), "txlog_new");
    RESULT_CASE(patron_csv_report,
                patron_txlog_load_csv_buffer(OUT == &full_ ? l1 : l2, CSV, strlen(CSV), cold, OUT));
    const char *path = "sized_structs.csv";
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(CSV, fp);
    fclose(fp);
    ok(patron_txlog_load_csv(l1, path, cold, NULL), "load_csv");
    remove(path);
    patron_txlog_free(l1);
    patron_txlog_free(l2);
    free((void *)cold);

    patron_frame *f = summary_frame(log);
    patron_frame_write_options wo = PATRON_FRAME_WRITE_OPTIONS_INIT;
    const patron_frame_write_options *wold = OLDER(patron_frame_write_options, wo);
    char buf[4096];
    size_t len;
    ok(patron_frame_write_buffer(f, buf, sizeof buf, &len, wold), "frame_write_buffer");
    FILE *wf = tmpfile();
    assert_non_null(wf);
    ok(patron_frame_write(f, wf, wold), "frame_write");
    fclose(wf);
    free((void *)wold);

    patron_activity_options ao = PATRON_ACTIVITY_OPTIONS_INIT;
    ao.now = INT64_C(1712000000);
    const patron_activity_options *aold = OLDER(patron_activity_options, ao);
    ok(patron_frame_add_activity(f, log, aold), "frame_add_activity");
    free((void *)aold);

    patron_rfm_options rfo = PATRON_RFM_OPTIONS_INIT;
    const patron_rfm_options *rold = OLDER(patron_rfm_options, rfo);
    uint8_t r[3], fq[3], m[3];
    ok(patron_rfm_score(r, fq, m, f, rold), "rfm_score");
    ok(patron_rfm_add_columns(f, rold), "rfm_add_columns");
    free((void *)rold);

    patron_segment_options so = PATRON_SEGMENT_OPTIONS_INIT;
    so.now = INT64_C(1712000000);
    const patron_segment_options *sold = OLDER(patron_segment_options, so);
    patron_selection *sel;
    ok(patron_segment_select(&sel, f, "new", sold), "segment_select");
    patron_selection_free(sel);
    ok(patron_segment_worth_saving(&sel, f, "total_spend", 1.0, sold), "segment_worth_saving");
    patron_selection_free(sel);
    free((void *)sold);

    patron_rule_options ro = PATRON_RULE_OPTIONS_INIT;
    const patron_rule_options *ruold = OLDER(patron_rule_options, ro);
    patron_rule *rule;
    ok(patron_rule_compile(&rule, "frequency >= 1", ruold), "rule_compile");
    free((void *)ruold);
    patron_rule_eval_options eo = PATRON_RULE_EVAL_OPTIONS_INIT;
    const patron_rule_eval_options *eold = OLDER(patron_rule_eval_options, eo);
    ok(patron_rule_eval(&sel, rule, f, eold), "rule_eval");
    patron_selection_free(sel);
    ok(patron_rule_select(&sel, f, "frequency >= 1", eold), "rule_select");
    patron_selection_free(sel);
    free((void *)eold);
    patron_rule_free(rule);

    patron_weekly_options wk = PATRON_WEEKLY_OPTIONS_INIT;
    const patron_weekly_options *wkold = OLDER(patron_weekly_options, wk);
    patron_week_report *weeks;
    size_t nweeks;
    ok(patron_report_weekly(&weeks, &nweeks, log, wkold), "report_weekly");
    patron_free(weeks);
    free((void *)wkold);

    patron_frame_free(f);
    patron_txlog_free(log);
}

static void simulate_and_report_structs(void **state)
{
    (void)state;
    patron_sim_options so = PATRON_SIM_OPTIONS_INIT;
    so.customers = 20;
    so.r = 0.5;
    so.alpha = 5;
    so.a = 0.8;
    so.b = 2.5;
    so.periods = 52;
    const patron_sim_options *sold = OLDER(patron_sim_options, so);
    patron_sim *sim;
    ok(patron_sim_run(&sim, sold), "sim_run");
    patron_sim_free(sim);
    free((void *)sold);
    /* patron_sim_options_init writes at most the caller's size when it set one */
    unsigned char *b = older_out("patron_sim_options");
    patron_sim_options_init((patron_sim_options *)b);
    patron_sim_options d = PATRON_SIM_OPTIONS_INIT;
    check_guard(b, "patron_sim_options");
    const patron_sim_options *got = (const patron_sim_options *)b;
    assert_int_equal(got->model, d.model);
    assert_int_equal(got->max_transactions, d.max_transactions);
    assert_int_equal(got->start, d.start);
    free(b);

    patron_campaign_counts in[2] = {{"a", 1000, 400, 100, 30}, {"b", 1000, 420, 120, 45}};
    patron_campaign_report rep[2];
    patron_campaign_options co = PATRON_CAMPAIGN_OPTIONS_INIT;
    const patron_campaign_options *cold = OLDER(patron_campaign_options, co);
    ok(patron_report_campaigns(rep, in, 2, cold), "report_campaigns");
    free((void *)cold);
}

/* ---- store-backed ---------------------------------------------------------- */

#define NOW INT64_C(1700000000)

static void store_structs(void **state)
{
    (void)state;
    patron_db_options dbo = PATRON_DB_OPTIONS_INIT;
    const patron_db_options *dbold = OLDER(patron_db_options, dbo);
    patron_db *db = pt_store_new(dbold);
    free((void *)dbold);

    patron_profile_fields pf = PATRON_PROFILE_FIELDS_INIT;
    pf.name = "Dana";
    pf.email = "dana@example.com";
    pf.consent = "email";
    const patron_profile_fields *pfold = OLDER(patron_profile_fields, pf);
    int64_t id;
    ok(patron_profile_add(db, &id, pfold, NOW), "profile_add");
    free((void *)pfold);
    patron_profile_fields up = PATRON_PROFILE_FIELDS_INIT;
    up.city = "Haifa";
    const patron_profile_fields *upold = OLDER(patron_profile_fields, up);
    ok(patron_profile_update(db, id, upold, NOW + 1), "profile_update");
    free((void *)upold);
    int64_t id2 = pt_member(db, "+972501234567", "sms", NOW);

    patron_ledger_policy lp = PATRON_LEDGER_POLICY_INIT;
    lp.expiry_months = 12;
    const patron_ledger_policy *lpold = OLDER(patron_ledger_policy, lp);
    ok(patron_ledger_set_policy(db, lpold), "ledger_set_policy");
    free((void *)lpold);
    unsigned char *pb = older_out("patron_ledger_policy");
    ok(patron_ledger_get_policy(db, (patron_ledger_policy *)pb), "ledger_get_policy");
    patron_ledger_policy full = PATRON_LEDGER_POLICY_INIT;
    ok(patron_ledger_get_policy(db, &full), "ledger_get_policy (full)");
    check_guard(pb, "patron_ledger_policy");
    const patron_ledger_policy *got = (const patron_ledger_policy *)pb;
    assert_int_equal(got->expiry_months, 12);
    assert_int_equal(got->expiry_months, full.expiry_months);
    assert_int_equal(got->expiry_end_of_month, full.expiry_end_of_month);
    assert_int_equal(got->hold_seconds, full.hold_seconds);
    free(pb);

    patron_audit_query aq = PATRON_AUDIT_QUERY_INIT;
    aq.actor = "unknown";
    const patron_audit_query *aqold = OLDER(patron_audit_query, aq);
    patron_audit_entries *ae;
    ok(patron_audit_list(db, &ae, aqold), "audit_list");
    assert_int_equal(patron_audit_entries_count(ae), 1); /* the policy just set */
    patron_audit_entries_free(ae);
    free((void *)aqold);

    patron_posting_result pr;
    patron_posting_request rq = pt_posting("k-earn", id, 500, NOW + 10);
    const patron_posting_request *rqold = OLDER(patron_posting_request, rq);
    ok(patron_ledger_earn(db, &pr, rqold), "ledger_earn");
    free((void *)rqold);
    patron_posting_request rd = pt_posting("k-redeem", id, 100, NOW + 20);
    rqold = OLDER(patron_posting_request, rd);
    ok(patron_ledger_redeem(db, &pr, rqold), "ledger_redeem");
    free((void *)rqold);
    patron_posting_request ad = pt_posting("k-adjust", id, 5, NOW + 30);
    ad.reason = "goodwill";
    ad.operator_name = "ops";
    rqold = OLDER(patron_posting_request, ad);
    ok(patron_ledger_adjust(db, &pr, rqold), "ledger_adjust");
    free((void *)rqold);
    patron_posting_request rv = pt_posting("k-reverse", id, 0, NOW + 40);
    rv.target = pr.posting_id;
    rqold = OLDER(patron_posting_request, rv);
    ok(patron_ledger_reverse(db, &pr, rqold), "ledger_reverse");
    free((void *)rqold);
    patron_posting_request tf = pt_posting("k-transfer", id, 50, NOW + 50);
    tf.target = id2;
    rqold = OLDER(patron_posting_request, tf);
    ok(patron_ledger_transfer(db, &pr, rqold), "ledger_transfer");
    free((void *)rqold);

    patron_earn_rule er = PATRON_EARN_RULE_INIT;
    er.name = "base";
    er.kind = PATRON_EARN_BASE;
    er.valid_from = NOW;
    er.points = 1;
    er.per_amount = 100;
    const patron_earn_rule *erold = OLDER(patron_earn_rule, er);
    int64_t version;
    ok(patron_earn_rule_add(db, &version, erold), "earn_rule_add");
    free((void *)erold);
    patron_purchase_line line = {NULL, NULL, 2500};
    patron_purchase pu = PATRON_PURCHASE_INIT;
    pu.key = "order-1";
    pu.member_id = id;
    pu.at = NOW + 100;
    pu.lines = &line;
    pu.n_lines = 1;
    const patron_purchase *puold = OLDER(patron_purchase, pu);
    int64_t points;
    ok(patron_earn_quote(db, &points, puold), "earn_quote");
    assert_int_equal(points, 25);
    patron_earn_result eres;
    ok(patron_earn_purchase(db, &eres, puold), "earn_purchase");
    free((void *)puold);
    patron_store_log_options slo = PATRON_STORE_LOG_OPTIONS_INIT;
    slo.as_of = NOW + 100;
    patron_txlog *slog; /* new in 0.2: its first size is the full one */
    ok(patron_txlog_from_db(db, &slog, &slo), "txlog_from_db");
    assert_int_equal(patron_txlog_count(slog), 1);
    patron_txlog_free(slog);
    patron_card_options cao = PATRON_CARD_OPTIONS_INIT;
    cao.as_of = NOW + 100;
    char *card;
    ok(patron_member_card(db, &card, id, &cao), "member_card");
    patron_free(card);
    patron_behaviour_event bev = PATRON_BEHAVIOUR_EVENT_INIT;
    bev.key = "visit-1";
    bev.member_id = id;
    bev.at = NOW + 100;
    bev.kind = PATRON_BEHAVIOUR_VISIT;
    ok(patron_behaviour_record(db, NULL, &bev), "behaviour_record");
    patron_score_options sco = PATRON_SCORE_OPTIONS_INIT; /* one customer: the fit is refused, nothing stored */
    sco.as_of = NOW + 100;
    patron_score_result scr = PATRON_SCORE_RESULT_INIT;
    assert_true(patron_scores_refresh(db, &scr, &sco) < 0);
    assert_int_equal(scr.fit_id, 0);

    patron_tier_config tc = PATRON_TIER_CONFIG_INIT;
    const patron_tier_config *tcold = OLDER(patron_tier_config, tc);
    patron_tier_def tiers[2] = {{"silver", 0}, {"gold", 100000}};
    ok(patron_tier_configure(db, tcold, tiers, 2), "tier_configure");
    free((void *)tcold);
    RESULT_CASE(patron_tier_detail, patron_tier_get_detail(db, OUT, id, NOW + 100));

    int64_t ids[2] = {id, id2}, last[2] = {NOW + 100, NOW};
    patron_frame *f;
    ok(patron_frame_new(&f, 2, ids, NULL), "frame_new");
    ok(patron_frame_add_int64(f, "last_purchase", last), "last_purchase");
    patron_member_columns_options mo = PATRON_MEMBER_COLUMNS_OPTIONS_INIT;
    mo.now = NOW + 200;
    const patron_member_columns_options *mold = OLDER(patron_member_columns_options, mo);
    ok(patron_frame_add_member_columns(f, db, mold), "frame_add_member_columns");
    free((void *)mold);
    patron_journey_options jo = PATRON_JOURNEY_OPTIONS_INIT;
    jo.now = NOW + 200;
    const patron_journey_options *jold = OLDER(patron_journey_options, jo);
    patron_journey_due_item *items;
    size_t n;
    ok(patron_journey_due(&items, &n, db, f, jold), "journey_due");
    patron_free(items);
    free((void *)jold);
    patron_frame_free(f);

    patron_weekly_options wk = PATRON_WEEKLY_OPTIONS_INIT;
    wk.start = NOW;
    wk.end = NOW + 200;
    const patron_weekly_options *wkold = OLDER(patron_weekly_options, wk);
    patron_week_points *wp;
    size_t nw;
    ok(patron_report_points_weekly(&wp, &nw, db, ids, 2, wkold), "report_points_weekly");
    patron_free(wp);
    free((void *)wkold);

    patron_earn_budget eb = PATRON_EARN_BUDGET_INIT;
    eb.points = 1000;
    const patron_earn_budget *ebold = OLDER(patron_earn_budget, eb);
    ok(patron_earn_budget_set(db, er.name, ebold), "earn_budget_set");
    free((void *)ebold);
    RESULT_CASE(patron_earn_budget, patron_earn_budget_get(db, OUT, NULL, er.name, NOW, id, "shop-1"));
    RESULT_CASE(patron_earn_budget_usage, patron_earn_budget_get(db, NULL, OUT, er.name, NOW, id, "shop-1"));
    patron_liability_options lo = PATRON_LIABILITY_OPTIONS_INIT;
    lo.cost_minor = 1;
    const patron_liability_options *loold = OLDER(patron_liability_options, lo);
    patron_liability_month *lm;
    size_t nlm;
    ok(patron_report_liability(&lm, &nlm, db, loold), "report_liability");
    patron_free(lm);
    free((void *)loold);
    patron_close(db);
}

static int hook_calls;
static void *hook_malloc(void *ud, size_t n)
{
    (void)ud;
    hook_calls++;
    return malloc(n);
}
static void *hook_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    hook_calls++;
    return realloc(p, n);
}
static void hook_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

static void plan_structs(void **state)
{
    (void)state;
    patron_clv_data d = {12, F, R, TT, M, NULL};
    patron_clv_fit_result *bg = older_out("patron_clv_fit_result"), *gg = older_out("patron_clv_fit_result");
    /* fits as a 0.1 caller holds them: first-release size, CDNOW's estimates */
    const double pb[4] = {0.243, 4.414, 0.793, 2.426}, pg[3] = {6.25, 3.74, 15.44};
    bg->params.model = PATRON_CLV_BGNBD;
    gg->params.model = PATRON_CLV_GG;
    memset(bg->cov, 0, sizeof bg->cov);
    memset(gg->cov, 0, sizeof gg->cov);
    for (int i = 0; i < 4; i++) {
        bg->params.p[i] = pb[i];
        bg->cov[i * 5] = 0.01 * pb[i] * pb[i];
        if (i < 3) {
            gg->params.p[i] = pg[i];
            gg->cov[i * 5] = 0.01 * pg[i] * pg[i];
        }
    }
    patron_plan_options po = PATRON_PLAN_OPTIONS_INIT;
    po.years = 2;
    po.draws = 5;
    po.periods_per_year = 52;
    const patron_plan_options *pold = OLDER(patron_plan_options, po);
    int64_t acq[3] = {4, 0, 2};
    patron_plan *plan;
    ok(patron_plan_project(&plan, bg, gg, &d, acq, 3, pold), "plan_project");
    patron_plan_campaign c = PATRON_PLAN_CAMPAIGN_INIT;
    c.points = 100;
    c.lift = 0.02;
    const patron_plan_campaign *cold = OLDER(patron_plan_campaign, c);
    RESULT_CASE(patron_plan_campaign_result, patron_plan_campaign_project(OUT, plan, cold));
    patron_plan_free(plan);
    free((void *)pold);
    free((void *)cold);
    free(bg);
    free(gg);
}

static void allocator_struct(void **state)
{
    (void)state;
    patron_allocator a = PATRON_ALLOCATOR_INIT;
    a.malloc_fn = hook_malloc;
    a.realloc_fn = hook_realloc;
    a.free_fn = hook_free;
    const patron_allocator *old = OLDER(patron_allocator, a);
    ok(patron_set_allocator(old), "set_allocator");
    free((void *)old);
    patron_txlog *log;
    ok(patron_txlog_new(&log, NULL), "txlog_new");
    patron_txlog_free(log);
    assert_true(hook_calls > 0);
    ok(patron_set_allocator(NULL), "set_allocator(NULL)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_sizes_are_prefixes),
        cmocka_unit_test(smaller_than_first_is_einval),
        cmocka_unit_test(abtest_results),
        cmocka_unit_test(abtest_assign_options),
        cmocka_unit_test(clv_structs),
        cmocka_unit_test(summary_structs),
        cmocka_unit_test(simulate_and_report_structs),
        cmocka_unit_test(store_structs),
        cmocka_unit_test(plan_structs),
        cmocka_unit_test(allocator_struct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
