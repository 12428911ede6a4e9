/* `patron demo` steps 4-6: model, segment and experiment on the summary
 * frame that step 3 made. Only public API calls; the numbers printed are
 * what the library returns. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "demo.h"

/* Money columns and model outputs are in minor units (cents). */
#define CENTS 100.0

typedef struct ranked {
    size_t row;
    double value;
} ranked;

static int cmp_ranked_desc(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->value != b->value)
        return (a->value < b->value) - (a->value > b->value);
    return (a->row > b->row) - (a->row < b->row);
}

static void print_fit(const char *label, const patron_clv_fit_result *fit)
{
    printf("  %-22s", label);
    for (int i = 0; i < fit->n_params; i++)
        printf("%s%s = %.4g (se %.2g)", i ? ", " : "", patron_clv_param_name(fit->params.model, i),
               fit->params.p[i], fit->se[i]);
    printf("\n  %-22s log-likelihood %.2f, %d iterations, %lld distinct rows\n", "",
           fit->log_likelihood, (int)fit->iterations, (long long)fit->n_distinct);
}

/* Step 4: BG/NBD and Gamma-Gamma on the daily summary; predictions and CLV. */
int demo_step_clv(demo_ctx *c)
{
    patron_clv_fit_result bg = PATRON_CLV_FIT_RESULT_INIT;
    patron_clv_fit_result gg = PATRON_CLV_FIT_RESULT_INIT;
    int rc = patron_clv_fit_frame(&bg, PATRON_CLV_BGNBD, c->frame, NULL);
    if (rc == PATRON_OK)
        rc = patron_clv_fit_frame(&gg, PATRON_CLV_GG, c->frame, NULL);
    if (rc == PATRON_ECONVERGE) {
        /* Small or degenerate bases may not identify the model: say so and
         * go on without the value-based parts, rather than print garbage. */
        printf("  %-22s %s\n  %-22s value-based results are left out below\n", "no model",
               patron_errmsg(), "");
        return 0;
    }
    if (rc)
        return cli_fail_rc("demo", rc, "cannot fit the models");
    print_fit("BG/NBD (per day)", &bg);
    printf("  %-22s the simulation used r = %g, alpha = %g days, a = %g, b = %g\n", "", c->opts.r,
           c->opts.alpha * 7, c->opts.a, c->opts.b);
    print_fit("Gamma-Gamma (cents)", &gg);
    printf("  %-22s the simulation used p = %g, q = %g, gamma = %g cents\n", "", c->opts.spend_p,
           c->opts.spend_q, c->opts.spend_gamma * CENTS);

    rc = patron_clv_predict_frame(c->frame, &bg.params, 90.0);
    if (rc)
        return cli_fail_rc("demo", rc, "cannot predict");
    size_t n = patron_frame_rows(c->frame);
    patron_clv_data data;
    rc = patron_clv_data_from_frame(&data, c->frame, PATRON_CLV_GG);
    double *clv = malloc(n * sizeof *clv);
    ranked *top = malloc(n * sizeof *top);
    if (rc == PATRON_OK && (!clv || !top))
        rc = PATRON_ENOMEM;
    if (rc == PATRON_OK)
        rc = patron_clv_lifetime_value(clv, &bg.params, &gg.params, &data, 12, 0.01, 30.0);
    if (rc == PATRON_OK)
        rc = patron_frame_add_double(c->frame, "clv", clv);
    if (rc) {
        free(clv);
        free(top);
        return cli_fail_rc("demo", rc, "cannot compute customer value");
    }
    const double *expected = patron_frame_double_by_name(c->frame, "expected_purchases");
    const double *alive = patron_frame_double_by_name(c->frame, "p_alive");
    const double *freq = patron_frame_double_by_name(c->frame, "frequency");
    double sum_e = 0, sum_alive = 0, sum_clv = 0;
    for (size_t i = 0; i < n; i++) {
        sum_e += expected[i];
        sum_alive += alive[i];
        sum_clv += clv[i];
        top[i].row = i;
        top[i].value = clv[i];
    }
    char a[48], b[48];
    printf("  %-22s %.0f purchases expected from these customers in the next 90 days\n",
           "forecast", sum_e);
    printf("  %-22s %.1f%% of customers on average\n", "P(alive)", 100.0 * sum_alive / (double)n);
    printf("  %-22s %s over 12 months (1%% monthly discount), %s per customer\n", "customer value",
           demo_money(a, sizeof a, llround(sum_clv)), demo_money(b, sizeof b, llround(sum_clv / (double)n)));
    qsort(top, n, sizeof *top, cmp_ranked_desc);
    printf("\n  most valuable customers (12-month value)\n");
    printf("    %4s  %11s  %9s  %8s  %13s  %12s\n", "rank", "customer", "frequency", "P(alive)",
           "next 90 days", "value");
    for (size_t r = 0; r < 5 && r < n; r++) {
        size_t i = top[r].row;
        char id[32];
        printf("    %4zu  %11s  %9g  %8.3f  %13.2f  %12s\n", r + 1,
               patron_frame_id(c->frame, i, id, sizeof id), freq[i], alive[i], expected[i],
               demo_money(a, sizeof a, llround(clv[i])));
    }
    free(clv);
    free(top);
    c->have_clv = 1;
    return 0;
}

/* Step 5: built-in lifecycle segments, RFM segments and "worth saving". */
int demo_step_segments(demo_ctx *c)
{
    patron_segment_options so = PATRON_SEGMENT_OPTIONS_INIT;
    so.now = c->now;
    size_t nseg = 0, n = patron_frame_rows(c->frame);
    const patron_segment_def *defs = patron_segment_builtins(&nseg);
    char a[48];
    for (size_t k = 0; k < nseg; k++) {
        patron_selection *sel = NULL;
        int rc = patron_segment_select(&sel, c->frame, defs[k].name, &so);
        if (rc)
            return cli_fail_rc("demo", rc, "cannot select a segment");
        size_t count = patron_selection_count(sel);
        printf("  %-10s %7s  (%4.1f%%)  %s\n", defs[k].name,
               demo_thousands(a, sizeof a, (long long)count), 100.0 * (double)count / (double)n,
               defs[k].rule);
        patron_selection_free(sel);
    }

    int rc = patron_rfm_add_columns(c->frame, NULL);
    size_t col = 0;
    if (rc == PATRON_OK)
        rc = patron_frame_find(&col, c->frame, "rfm_segment", PATRON_COL_STRING);
    if (rc)
        return cli_fail_rc("demo", rc, "cannot score RFM");
    const char *const *names = patron_frame_string(c->frame, col);
    static const char *const order[] = {"Champions", "Loyal", "Potential loyalist", "New",
                                        "Promising", "Need attention", "About to sleep", "At risk",
                                        "Can't lose them", "Hibernating", "Lost"};
    printf("\n  RFM segments (quintile scores 1-5)\n");
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        size_t count = 0;
        for (size_t i = 0; i < n; i++)
            count += names[i] && strcmp(names[i], order[k]) == 0;
        if (count)
            printf("    %-20s %7s  (%4.1f%%)\n", order[k], demo_thousands(a, sizeof a, (long long)count),
                   100.0 * (double)count / (double)n);
    }

    /* A retention offer that costs 5.00 is worth sending to at-risk customers
     * whose expected 12-month value exceeds it. */
    if (!c->have_clv)
        return 0;
    patron_selection *save = NULL;
    rc = patron_segment_worth_saving(&save, c->frame, "clv", 500.0, &so);
    if (rc)
        return cli_fail_rc("demo", rc, "cannot select customers worth saving");
    const double *clv = patron_frame_double_by_name(c->frame, "clv");
    double value = 0;
    for (size_t row = 0; patron_selection_next(save, &row); row++)
        value += clv[row];
    printf("\n  %-22s %s at-risk customers expected to be worth more than a 5.00 offer\n",
           "worth saving", demo_thousands(a, sizeof a, (long long)patron_selection_count(save)));
    printf("  %-22s %s of 12-month value among them\n", "", demo_money(a, sizeof a, llround(value)));
    patron_selection_free(save);
    return 0;
}

/* Step 6: every customer assigned by the stable hash to a 50/50 experiment
 * that changed nothing; the test must not find a difference (A/A). */
int demo_step_experiment(demo_ctx *c)
{
    static const double weights[2] = {50, 50};
    const char *key = "welcome-followup-2026";
    size_t n = patron_frame_rows(c->frame);
    const int64_t *last = patron_frame_int64_by_name(c->frame, "last_purchase");
    if (!last)
        return cli_fail("demo", "the summary frame has no last_purchase column");
    int64_t arms[2] = {0, 0}, converted[2] = {0, 0};
    const int64_t window = 91 * 86400; /* bought again in the last 13 weeks */
    for (size_t i = 0; i < n; i++) {
        char id[32];
        int v = 0;
        int rc = patron_abtest_assign(&v, key, patron_frame_id(c->frame, i, id, sizeof id), weights,
                                      2, NULL);
        if (rc)
            return cli_fail_rc("demo", rc, "cannot assign");
        arms[v]++;
        converted[v] += last[i] > c->now - window;
    }
    patron_abtest_srm_result srm = PATRON_ABTEST_INIT(patron_abtest_srm_result);
    patron_abtest_prop_result prop = PATRON_ABTEST_INIT(patron_abtest_prop_result);
    int rc = patron_abtest_srm(&srm, arms, weights, 2, 0.001);
    if (rc == PATRON_OK)
        rc = patron_abtest_proportions(&prop, converted[0], arms[0], converted[1], arms[1], 0.05);
    if (rc)
        return cli_fail_rc("demo", rc, "cannot test");
    char a[48], b[48];
    printf("  %-22s '%s', arms A and B weighted 50/50 by the stable hash\n", "experiment", key);
    printf("  %-22s A %s, B %s customers; sample-ratio check p = %.3f (%s)\n", "assignment",
           demo_thousands(a, sizeof a, (long long)arms[0]), demo_thousands(b, sizeof b, (long long)arms[1]),
           srm.p, srm.mismatch ? "MISMATCH" : "as planned");
    printf("  %-22s A %.2f%%, B %.2f%% bought in the last 13 weeks\n", "conversion",
           100 * prop.p_a, 100 * prop.p_b);
    printf("  %-22s %+.2f points, 95%% CI [%+.2f, %+.2f], p = %.3f -> %s\n", "difference B - A",
           100 * prop.diff, 100 * prop.pooled.ci_low, 100 * prop.pooled.ci_high,
           prop.pooled.p_two_sided,
           prop.pooled.significant ? "significant (1 in 20 A/A tests is, by chance)"
                                   : "no significant difference, as an A/A test should be");
    return 0;
}
