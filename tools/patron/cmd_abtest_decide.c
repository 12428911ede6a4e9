/* `patron abtest best|margin|plan`: probability to be best over k arms,
 * non-inferiority and superiority margins, planning with a variance
 * reduction or for ratio metrics. Thin over the C API; every result field
 * is printed with --format json. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abtest_out.h"
#include "abtest_parse.h"
#include "cli_util.h"
#include "cmd_abtest_decide.h"
#include "patron.h"

static const char *cmd = "abtest";

/* ---- best ---- */

static int run_best(int argc, char **argv)
{
    static const char *const names[] = {"--arms", "--means", "--prior", "--format"};
    const char *v[4] = {0};
    int rc = cli_parse_table(cmd, argc, argv, 2, names, 4, v);
    if (rc == 1)
        return fputs(abtest_best_help, stdout), 0;
    if (rc)
        return 2;
    int json = 0;
    static const char *const fmts[] = {"text", "json"};
    if ((rc = ab_word_opt(v[3], "--format", fmts, 2, 0, &json)))
        return rc;
    if (!!v[0] == !!v[1])
        return ab_usage("best needs --arms X/N,X/N,... or --means n,mean,sd:n,mean,sd:..., one of them%s", "");
    if (v[1] && v[2])
        return ab_usage("best: --prior is for --arms (beta-binomial)%s", "");
    double prior[2] = {1, 1};
    size_t np = 0;
    if (v[2] && ((rc = ab_list(v[2], "--prior", prior, 2, &np)) || (np != 2 && (rc = ab_usage("--prior '%s' is not A,B", v[2])))))
        return rc;
    int64_t x[PATRON_ABTEST_MAX_ARMS], n[PATRON_ABTEST_MAX_ARMS];
    double mean[PATRON_ABTEST_MAX_ARMS], sd[PATRON_ABTEST_MAX_ARMS];
    size_t k = 0;
    const char *s = v[0] ? v[0] : v[1], *name = v[0] ? "--arms" : "--means";
    char sep = v[0] ? ',' : ':';
    for (const char *p = s;;) {
        const char *e = strchr(p, sep);
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (k == PATRON_ABTEST_MAX_ARMS)
            return cli_fail(cmd, "%s: more than %d arms", name, PATRON_ABTEST_MAX_ARMS) + 1;
        if (v[0]) {
            if ((rc = ab_fraction(p, len, name, &x[k], &n[k])))
                return rc;
        } else {
            patron_abtest_summary su;
            if ((rc = ab_summary(p, len, name, &su)))
                return rc;
            n[k] = su.n;
            mean[k] = su.mean;
            sd[k] = su.sd;
        }
        k++;
        if (!e)
            break;
        p = e + 1;
    }
    patron_abtest_best_result r = PATRON_ABTEST_INIT(patron_abtest_best_result);
    rc = v[0] ? patron_abtest_best_proportions(&r, x, n, k, prior[0], prior[1])
              : patron_abtest_best_means(&r, n, mean, sd, k);
    if (rc)
        return ab_fail_lib(rc, "best");
    out o = {json, 1};
    o_begin(&o);
    size_t m = (size_t)r.n_arms;
    if (json) {
        o_str(&o, "model", NULL, v[0] ? "beta-binomial" : "normal");
        if (v[0]) {
            o_num(&o, "prior_alpha", NULL, prior[0]);
            o_num(&o, "prior_beta", NULL, prior[1]);
        }
        o_int(&o, "n_arms", NULL, (long long)r.n_arms);
        o_arr(&o, "prob_best", r.prob_best, m);
        o_arr(&o, "expected_loss", r.expected_loss, m);
        o_arr(&o, "posterior_mean", r.posterior_mean, m);
        o_arr(&o, "posterior_sd", r.posterior_sd, m);
        o_num(&o, "integration_error", NULL, r.integration_error);
        o_num(&o, "prob_sum_deviation", NULL, r.prob_sum_deviation);
        o_end(&o);
        return 0;
    }
    printf("%s posteriors%s\n", v[0] ? "beta-binomial" : "normal", v[0] ? "" : " (flat prior)");
    printf("%-5s %14s %14s %16s %14s\n", "arm", "P(best)", "posterior mean", "posterior sd", "expected loss");
    size_t best = 0;
    for (size_t i = 0; i < m; i++) {
        printf("%-5zu %14.6g %14.6g %16.6g %14.6g\n", i, r.prob_best[i], r.posterior_mean[i], r.posterior_sd[i],
               r.expected_loss[i]);
        if (r.expected_loss[i] < r.expected_loss[best])
            best = i;
    }
    printf("lowest expected loss: arm %zu (P(best) %.4g)\n", best, r.prob_best[best]);
    return 0;
}

/* ---- margin ---- */

static int run_margin(int argc, char **argv)
{
    static const char *const names[] = {"--a", "--b", "--margin", "--margin-type", "--hypothesis", "--better",
                                        "--variance", "--alpha", "--format"};
    const char *v[9] = {0};
    int rc = cli_parse_table(cmd, argc, argv, 2, names, 9, v);
    if (rc == 1)
        return fputs(abtest_margin_help, stdout), 0;
    if (rc)
        return 2;
    int json = 0, rel = 0, sup = 0, lower = 0, student = 0;
    static const char *const fmts[] = {"text", "json"}, *const types[] = {"absolute", "relative"},
                             *const hyps[] = {"non-inferiority", "superiority"}, *const better[] = {"higher", "lower"},
                             *const vars[] = {"welch", "student"};
    if ((rc = ab_word_opt(v[8], "--format", fmts, 2, 0, &json)) ||
        (rc = ab_word_opt(v[3], "--margin-type", types, 2, 0, &rel)) ||
        (rc = ab_word_opt(v[4], "--hypothesis", hyps, 2, 0, &sup)) ||
        (rc = ab_word_opt(v[5], "--better", better, 2, 0, &lower)) ||
        (rc = ab_word_opt(v[6], "--variance", vars, 2, 0, &student)))
        return rc;
    if (!v[0] || !v[1])
        return ab_usage("margin needs --a and --b (X/N for rates, n,mean,sd for means)%s", "");
    int props = strchr(v[0], '/') != NULL;
    if (props != (strchr(v[1], '/') != NULL))
        return ab_usage("margin: --a and --b must both be X/N or both n,mean,sd%s", "");
    if (props && v[6])
        return ab_usage("margin: --variance is for means (n,mean,sd)%s", "");
    patron_abtest_margin_options opts = PATRON_ABTEST_MARGIN_OPTIONS_INIT;
    if ((rc = ab_num_opt(v[2], "--margin", 0, &opts.margin)) || (rc = ab_num_opt(v[7], "--alpha", 0.05, &opts.alpha)))
        return rc;
    opts.relative = rel;
    opts.kind = sup ? PATRON_ABTEST_SUPERIORITY : PATRON_ABTEST_NON_INFERIORITY;
    opts.lower_is_better = lower;
    opts.pooled_variance = student;
    patron_abtest_margin_result r = PATRON_ABTEST_INIT(patron_abtest_margin_result);
    if (props) {
        int64_t xa, na, xb, nb;
        if ((rc = ab_fraction(v[0], strlen(v[0]), "--a", &xa, &na)) || (rc = ab_fraction(v[1], strlen(v[1]), "--b", &xb, &nb)))
            return rc;
        rc = patron_abtest_margin_proportions(&r, xa, na, xb, nb, &opts);
    } else {
        patron_abtest_summary a, b;
        if ((rc = ab_summary(v[0], strlen(v[0]), "--a", &a)) || (rc = ab_summary(v[1], strlen(v[1]), "--b", &b)))
            return rc;
        rc = patron_abtest_margin_means(&r, &a, &b, &opts);
    }
    if (rc)
        return ab_fail_lib(rc, "margin");
    out o = {json, 1};
    o_begin(&o);
    const char *test = props ? "Wald z" : student ? "Student t" : "Welch t";
    o_str(&o, "test", "test", test);
    o_str(&o, "hypothesis", "hypothesis", hyps[r.kind]);
    o_str(&o, "margin_type", "margin", types[r.relative]);
    o_str(&o, "better", "better", better[r.lower_is_better]);
    o_num(&o, "margin", NULL, opts.margin);
    o_num(&o, "effect", r.relative ? "effect (B / A - 1)" : "effect (B - A)", r.effect);
    o_num(&o, "threshold", "null boundary of the effect", r.threshold);
    o_num(&o, "statistic", "statistic at the boundary", r.statistic);
    if (json || !isnan(r.df))
        o_num(&o, "df", "df", r.df);
    o_num(&o, "se", "standard error", r.se);
    if (json) {
        o_num(&o, "p", NULL, r.p);
        o_num(&o, "log_p", NULL, r.log_p);
    } else if (r.p == 0 && isfinite(r.log_p)) {
        printf("%-*s < 1e-300, log10 p = %.1f\n", ABTEST_LABEL_WIDTH, "p (one-sided)", r.log_p / log(10));
    } else {
        printf("%-*s %.4g\n", ABTEST_LABEL_WIDTH, "p (one-sided)", r.p);
    }
    char label[80];
    snprintf(label, sizeof label, "%g%% one-sided %s bound", 100 * (1 - r.alpha), r.lower_is_better ? "upper" : "lower");
    o_num(&o, "bound", label, r.bound);
    o_num(&o, "alpha", "alpha (one-sided)", r.alpha);
    o_bool(&o, "reject", r.reject);
    char verdict[160];
    snprintf(verdict, sizeof verdict, "%s%s at alpha %g", r.reject ? "" : "not shown ",
             r.kind ? "superior" : "non-inferior", r.alpha);
    o_str(&o, "verdict", "verdict", verdict);
    o_end(&o);
    return 0;
}

/* ---- plan ---- */

static int run_plan(int argc, char **argv)
{
    static const char *const names[] = {"--delta", "--sd", "--variance-reduction", "--ratio-metric", "--lift",
                                        "--alpha", "--power", "--ratio", "--sides", "--n1", "--format"};
    const char *v[11] = {0};
    int rc = cli_parse_table(cmd, argc, argv, 2, names, 11, v);
    if (rc == 1)
        return fputs(abtest_plan_help, stdout), 0;
    if (rc)
        return 2;
    int json = 0;
    static const char *const fmts[] = {"text", "json"};
    if ((rc = ab_word_opt(v[10], "--format", fmts, 2, 0, &json)))
        return rc;
    int mean_design = v[0] || v[1] || v[2], ratio_design = v[3] || v[4];
    if (mean_design == ratio_design)
        return ab_usage("plan needs --delta, --sd and --variance-reduction, or --ratio-metric and --lift%s", "");
    if (mean_design && (!v[0] || !v[1]))
        return ab_usage("plan: --delta and --sd are both needed (--variance-reduction defaults to 0)%s", "");
    if (ratio_design && (!v[3] || !v[4]))
        return ab_usage("plan: --ratio-metric and --lift go together%s", "");
    patron_abtest_plan_options opts = PATRON_ABTEST_PLAN_OPTIONS_INIT;
    double sides;
    if ((rc = ab_num_opt(v[5], "--alpha", 0.05, &opts.alpha)) || (rc = ab_num_opt(v[6], "--power", 0.8, &opts.power)) ||
        (rc = ab_num_opt(v[7], "--ratio", 1, &opts.ratio)) || (rc = ab_num_opt(v[8], "--sides", 2, &sides)) ||
        (rc = ab_num_opt(v[9], "--n1", 0, &opts.n1_given)))
        return rc;
    if (sides != 1 && sides != 2)
        return ab_usage("--sides '%s' must be 1 or 2", v[8]);
    opts.sides = (int)sides;
    patron_abtest_plan_result r = PATRON_ABTEST_INIT(patron_abtest_plan_result);
    double vr = 0, rm[5] = {0};
    if (mean_design) {
        double delta, sd;
        if ((rc = ab_num_opt(v[0], "--delta", 0, &delta)) || (rc = ab_num_opt(v[1], "--sd", 0, &sd)) ||
            (rc = ab_num_opt(v[2], "--variance-reduction", 0, &vr)))
            return rc;
        rc = patron_abtest_power_reduced(&r, delta, sd, vr, &opts);
    } else {
        size_t k;
        double lift;
        if ((rc = ab_list(v[3], "--ratio-metric", rm, 5, &k)))
            return rc;
        if (k != 5)
            return ab_usage("--ratio-metric '%s' is not mean_num,mean_den,var_num,var_den,cov", v[3]);
        if ((rc = ab_num_opt(v[4], "--lift", 0, &lift)))
            return rc;
        rc = patron_abtest_power_ratio(&r, rm[0], rm[1], rm[2], rm[3], rm[4], lift, &opts);
    }
    if (rc)
        return ab_fail_lib(rc, "plan");
    out o = {json, 1};
    o_begin(&o);
    o_str(&o, "design", "design", mean_design ? "mean with variance reduction" : "ratio metric (delta method)");
    if (mean_design)
        o_num(&o, "variance_reduction", "variance reduction", vr);
    o_num(&o, "alpha", "alpha", r.alpha);
    o_num(&o, "power", "power", r.power);
    o_num(&o, "ratio", "n2 / n1", r.ratio);
    o_int(&o, "sides", "sides", r.sides);
    o_num(&o, "delta", "effect to detect (absolute)", r.delta);
    o_num(&o, "unit_sd", "sd per customer used", r.unit_sd);
    o_num(&o, "unit_sd_unadjusted", mean_design ? "sd per customer unadjusted" : NULL, r.unit_sd_unadjusted);
    o_num(&o, "effect_size_d", "effect size d", r.effect_size_d);
    o_num(&o, "n1_z", NULL, r.n1_z);
    o_int(&o, "n1_z_ceil", "n1 (normal formula)", (long long)r.n1_z_ceil);
    o_num(&o, "n1_t", NULL, r.n1_t);
    o_int(&o, "n1_t_ceil", "n1 (noncentral t), use this", (long long)r.n1_t_ceil);
    o_num(&o, "n1_z_unadjusted", NULL, r.n1_z_unadjusted);
    o_int(&o, "n1_z_unadjusted_ceil", mean_design ? "n1 unadjusted (normal)" : NULL,
         (long long)r.n1_z_unadjusted_ceil);
    if (json || opts.n1_given > 0)
        o_num(&o, "mde_at_n1", "MDE at --n1 (absolute)", r.mde_at_n1);
    if (json)
        o_num(&o, "n1_given", NULL, opts.n1_given);
    if (!json)
        printf("%-*s %.6g (n2 = n1 * %g)\n", ABTEST_LABEL_WIDTH, "treatment arm n2", ceil(r.n1_t_ceil * r.ratio), r.ratio);
    o_end(&o);
    if (r.n1_z < 2)
        fprintf(stderr, "patron abtest: plan: warning: fewer than 2 customers per arm; the effect is too large for a "
                        "sample-size plan to mean anything\n");
    return 0;
}

int cmd_abtest_decide(int argc, char **argv)
{
    if (!strcmp(argv[1], "best"))
        return run_best(argc, argv);
    if (!strcmp(argv[1], "margin"))
        return run_margin(argc, argv);
    if (!strcmp(argv[1], "plan"))
        return run_plan(argc, argv);
    return -1;
}
