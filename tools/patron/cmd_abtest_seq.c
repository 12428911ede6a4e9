/* `patron abtest bayes|sequence|gsd`: the Bayesian relative (or absolute)
 * effect with a prior, confidence sequences, group-sequential efficacy and
 * futility bounds. Thin over the C API; every result field is printed with
 * --format json. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abtest_out.h"
#include "abtest_parse.h"
#include "cli_util.h"
#include "cmd_abtest_seq.h"
#include "patron.h"

static const char *cmd = "abtest";
static const char *const formats[] = {"text", "json"};

/* An arm as X/N (is_rate 1) or n,mean,sd. */
static int arm(const char *s, const char *name, int *is_rate, int64_t *x, patron_abtest_summary *su)
{
    if (strchr(s, '/')) {
        *is_rate = 1;
        return ab_fraction(s, strlen(s), name, x, &su->n);
    }
    *is_rate = 0;
    return ab_summary(s, strlen(s), name, su);
}

/* ---- bayes ---- */

static int run_bayes(int argc, char **argv)
{
    static const char *const names[] = {"--a", "--b", "--effect", "--prior-mean", "--prior-sd", "--alpha", "--format"};
    const char *v[7] = {0};
    int rc = cli_parse_table(cmd, argc, argv, 2, names, 7, v);
    if (rc == 1)
        return fputs(abtest_bayes_help, stdout), 0;
    if (rc)
        return 2;
    static const char *const effects[] = {"relative", "absolute"};
    int json, absolute;
    double pm, psd, alpha;
    if ((rc = ab_word_opt(v[6], "--format", formats, 2, 0, &json)) ||
        (rc = ab_word_opt(v[2], "--effect", effects, 2, 0, &absolute)) ||
        (rc = ab_num_opt(v[3], "--prior-mean", 0, &pm)) || (rc = ab_num_opt(v[4], "--prior-sd", 0, &psd)) ||
        (rc = ab_num_opt(v[5], "--alpha", 0.05, &alpha)))
        return rc;
    if (!v[0] || !v[1])
        return ab_usage("bayes needs --a and --b (X/N or n,mean,sd)%s", "");
    if (v[3] && !(psd > 0))
        return ab_usage("bayes: --prior-mean needs --prior-sd > 0 (without it the prior is flat)%s", "");
    if (!(psd >= 0) || !isfinite(psd))
        return ab_usage("bayes: --prior-sd '%s' must be >= 0", v[4]);
    int ra, rb;
    int64_t xa = 0, xb = 0;
    patron_abtest_summary a, b;
    if ((rc = arm(v[0], "--a", &ra, &xa, &a)) || (rc = arm(v[1], "--b", &rb, &xb, &b)))
        return rc;
    if (ra != rb)
        return ab_usage("bayes: --a and --b must both be X/N or both n,mean,sd%s", "");
    double pv = psd * psd;
    patron_abtest_bayes_relative_result r = PATRON_ABTEST_INIT(patron_abtest_bayes_relative_result);
    if (!absolute) {
        rc = ra ? patron_abtest_bayes_relative_proportions(&r, xa, a.n, xb, b.n, alpha, pm, pv)
                : patron_abtest_bayes_relative(&r, &a, &b, alpha, pm, pv);
    } else {
        if (ra) { /* gbstats' proportion statistic: sd sqrt(p (1 - p)) */
            if (a.n < 1 || b.n < 1 || xa > a.n || xb > b.n || xa < 0 || xb < 0)
                return cli_fail(cmd, "bayes: X/N needs 0 <= X <= N and N >= 1") + 1;
            a.mean = (double)xa / (double)a.n;
            b.mean = (double)xb / (double)b.n;
            a.sd = sqrt(a.mean * (1 - a.mean));
            b.sd = sqrt(b.mean * (1 - b.mean));
        }
        patron_abtest_bayes_normal_result q = PATRON_ABTEST_INIT(patron_abtest_bayes_normal_result);
        rc = patron_abtest_bayes_normal(&q, &a, &b, alpha, pm, pv);
        r.lift = r.lift_se = NAN;
        r.posterior_mean = q.posterior_mean;
        r.posterior_sd = q.posterior_sd;
        r.chance_to_win = q.chance_to_win;
        r.credible_interval[0] = q.credible_interval[0];
        r.credible_interval[1] = q.credible_interval[1];
        r.risk_choose_control = q.risk_choose_control;
        r.risk_choose_treatment = q.risk_choose_treatment;
    }
    if (rc)
        return ab_fail_lib(rc, "bayes");
    out o = {json, 1};
    o_begin(&o);
    const char *unit = absolute ? "" : " (relative)";
    char label[96];
    o_str(&o, "effect", "effect", absolute ? "absolute (B - A)" : "relative ((B - A) / A)");
    o_num(&o, "prior_mean", pv > 0 ? "prior mean" : NULL, pm);
    o_num(&o, "prior_sd", NULL, psd);
    if (!json)
        printf("%-*s %s\n", ABTEST_LABEL_WIDTH, "prior", pv > 0 ? "normal" : "flat (improper)");
    if (pv > 0)
        o_num(&o, NULL, "prior sd", psd);
    o_num(&o, "alpha", NULL, alpha);
    if (!absolute) {
        o_num(&o, "lift", "lift in the data", r.lift);
        o_num(&o, "lift_se", "its standard error", r.lift_se);
    }
    snprintf(label, sizeof label, "posterior mean%s", unit);
    o_num(&o, "posterior_mean", label, r.posterior_mean);
    o_num(&o, "posterior_sd", "posterior sd", r.posterior_sd);
    o_num(&o, "chance_to_win", "chance to win P(B > A)", r.chance_to_win);
    if (json) {
        o_arr(&o, "credible_interval", r.credible_interval, 2);
    } else {
        snprintf(label, sizeof label, "%g%% credible interval", 100 * (1 - alpha));
        printf("%-*s [%.6g, %.6g]\n", ABTEST_LABEL_WIDTH, label, r.credible_interval[0], r.credible_interval[1]);
    }
    o_num(&o, "risk_choose_control", "risk of keeping A", r.risk_choose_control);
    o_num(&o, "risk_choose_treatment", "risk of shipping B", r.risk_choose_treatment);
    if (!absolute)
        o_num(&o, "prior_weight", pv > 0 ? "prior's share of precision" : NULL, r.prior_weight);
    o_end(&o);
    return 0;
}

/* ---- sequence ---- */

static int run_sequence(int argc, char **argv)
{
    static const char *const names[] = {"--estimate", "--se",         "--n",     "--alternative",
                                        "--alpha",    "--n-star",     "--test-value", "--format"};
    const char *v[8] = {0};
    int rc = cli_parse_table(cmd, argc, argv, 2, names, 8, v);
    if (rc == 1)
        return fputs(abtest_sequence_help, stdout), 0;
    if (rc)
        return 2;
    static const char *const alts[] = {"two-sided", "greater", "less"};
    int json, alt;
    double est, se, n, alpha, nstar, tv;
    if ((rc = ab_word_opt(v[7], "--format", formats, 2, 0, &json)) ||
        (rc = ab_word_opt(v[3], "--alternative", alts, 3, 0, &alt)))
        return rc;
    if (!v[0] || !v[1] || !v[2])
        return ab_usage("sequence needs --estimate, --se and --n%s", "");
    if ((rc = ab_num_opt(v[0], "--estimate", 0, &est)) || (rc = ab_num_opt(v[1], "--se", 0, &se)) ||
        (rc = ab_num_opt(v[2], "--n", 0, &n)) || (rc = ab_num_opt(v[4], "--alpha", 0.05, &alpha)) ||
        (rc = ab_num_opt(v[5], "--n-star", 5000, &nstar)) || (rc = ab_num_opt(v[6], "--test-value", 0, &tv)))
        return rc;
    if (n != floor(n) || !(n >= 1 && n < 9e18))
        return ab_usage("sequence: --n '%s' is not a whole number >= 1", v[2]);
    out o = {json, 1};
    char label[96];
    if (alt == 0) {
        patron_abtest_cs_result r = PATRON_ABTEST_INIT(patron_abtest_cs_result);
        if ((rc = patron_abtest_confidence_sequence(&r, est, se, (int64_t)n, alpha, nstar, tv)))
            return ab_fail_lib(rc, "sequence");
        o_begin(&o);
        o_str(&o, "alternative", "alternative", "two-sided");
        o_num(&o, "alpha", "alpha", alpha);
        o_num(&o, "n_star", "N* (tightest at)", nstar);
        o_num(&o, "test_value", NULL, tv);
        o_num(&o, "rho", NULL, r.rho);
        o_num(&o, "halfwidth", "half-width", r.halfwidth);
        if (json) {
            o_arr(&o, "ci", r.ci, 2);
        } else {
            snprintf(label, sizeof label, "%g%% confidence sequence", 100 * (1 - alpha));
            printf("%-*s [%.6g, %.6g]\n", ABTEST_LABEL_WIDTH, label, r.ci[0], r.ci[1]);
        }
        o_num(&o, "e_value", "e-value", r.e_value);
        o_num(&o, "p_value", "always-valid p", r.p_value);
        o_num(&o, "fixed_halfwidth", "fixed-horizon half-width", r.fixed_halfwidth);
        o_bool(&o, "significant", r.significant);
        if (!json)
            printf("%-*s %s %g at alpha %g\n", ABTEST_LABEL_WIDTH, "verdict",
                   r.significant ? "excludes" : "does not exclude", tv, alpha);
        o_end(&o);
        return 0;
    }
    patron_abtest_cs_one_sided_result r = PATRON_ABTEST_INIT(patron_abtest_cs_one_sided_result);
    if ((rc = patron_abtest_confidence_sequence_one_sided(&r, est, se, (int64_t)n, alpha, nstar, tv,
                                                          alt == 1 ? 1 : -1)))
        return ab_fail_lib(rc, "sequence");
    o_begin(&o);
    o_str(&o, "alternative", "alternative", alts[alt]);
    o_num(&o, "alpha", "alpha (one-sided)", alpha);
    o_num(&o, "n_star", "N* (tightest at)", nstar);
    o_num(&o, "test_value", NULL, tv);
    o_num(&o, "rho", NULL, r.rho);
    o_num(&o, "halfwidth", "half-width", r.halfwidth);
    snprintf(label, sizeof label, "%s bound", alt == 1 ? "lower" : "upper");
    o_num(&o, "bound", label, r.bound);
    o_arr(&o, "ci", r.ci, 2);
    o_num(&o, "p_value", "always-valid p", r.p_value);
    o_num(&o, "fixed_halfwidth", "fixed-horizon half-width", r.fixed_halfwidth);
    o_bool(&o, "significant", r.significant);
    if (!json)
        printf("%-*s %s %g at alpha %g\n", ABTEST_LABEL_WIDTH, "verdict",
               r.significant ? (alt == 1 ? "B is above" : "B is below") : "not shown beyond", tv, alpha);
    o_end(&o);
    return 0;
}

/* ---- gsd ---- */

static int run_gsd(int argc, char **argv)
{
    static const char *const names[] = {"--looks", "--alpha", "--beta", "--spending", "--beta-spending", "--format"};
    const char *v[6] = {0};
    int rc = cli_parse_table(cmd, argc, argv, 2, names, 6, v);
    if (rc == 1)
        return fputs(abtest_gsd_help, stdout), 0;
    if (rc)
        return 2;
    static const char *const fams[] = {"obf", "pocock", "none"};
    int json, sa, sb;
    double alpha, beta, t[PATRON_ABTEST_GS_MAX_LOOKS];
    size_t k;
    if ((rc = ab_word_opt(v[5], "--format", formats, 2, 0, &json)) ||
        (rc = ab_word_opt(v[3], "--spending", fams, 2, 0, &sa)) ||
        (rc = ab_word_opt(v[4], "--beta-spending", fams, 3, 0, &sb)) ||
        (rc = ab_num_opt(v[1], "--alpha", 0.025, &alpha)) || (rc = ab_num_opt(v[2], "--beta", 0.2, &beta)))
        return rc;
    if (!v[0])
        return ab_usage("gsd needs --looks T1,T2,...,1 (information fractions)%s", "");
    if (sb == 2 && v[2])
        return ab_usage("gsd: --beta is for futility bounds; --beta-spending none has none%s", "");
    if ((rc = ab_list(v[0], "--looks", t, PATRON_ABTEST_GS_MAX_LOOKS, &k)))
        return rc;
    patron_abtest_gs_futility_result r = PATRON_ABTEST_INIT(patron_abtest_gs_futility_result);
    double nominal[PATRON_ABTEST_GS_MAX_LOOKS];
    if (sb == 2)
        rc = patron_abtest_group_sequential(r.cumulative_alpha, r.efficacy_z, nominal, t, k, alpha,
                                            (patron_abtest_spending)sa);
    else
        rc = patron_abtest_group_sequential_futility(&r, t, k, alpha, beta, (patron_abtest_spending)sa,
                                                     (patron_abtest_spending)sb);
    if (rc)
        return ab_fail_lib(rc, "gsd");
    /* the nominal one-sided p of each efficacy bound */
    if (sb != 2) {
        double ca[PATRON_ABTEST_GS_MAX_LOOKS], zb[PATRON_ABTEST_GS_MAX_LOOKS];
        if ((rc = patron_abtest_group_sequential(ca, zb, nominal, t, k, alpha, (patron_abtest_spending)sa)))
            return ab_fail_lib(rc, "gsd");
    }
    out o = {json, 1};
    o_begin(&o);
    if (json) {
        o_arr(&o, "information_rates", t, k);
        o_num(&o, "alpha", NULL, alpha);
        if (sb != 2)
            o_num(&o, "beta", NULL, beta);
        o_str(&o, "spending", NULL, fams[sa]);
        o_str(&o, "beta_spending", NULL, fams[sb]);
        o_arr(&o, "efficacy_z", r.efficacy_z, k);
        o_arr(&o, "nominal_p", nominal, k);
        o_arr(&o, "cumulative_alpha", r.cumulative_alpha, k);
        if (sb != 2) {
            o_arr(&o, "futility_z", r.futility_z, k);
            o_arr(&o, "cumulative_beta", r.cumulative_beta, k);
            o_num(&o, "drift", NULL, r.drift);
            o_num(&o, "inflation", NULL, r.inflation);
        }
        o_end(&o);
        return 0;
    }
    printf("one-sided alpha %g (%s spending)", alpha, fams[sa]);
    if (sb != 2)
        printf(", power %g (futility by %s beta spending, non-binding)", 1 - beta, fams[sb]);
    printf("\n%-6s %-10s %-11s %-12s %-12s", "look", "fraction", "efficacy z", "nominal p", "alpha spent");
    if (sb != 2)
        printf(" %-11s %-10s", "futility z", "beta spent");
    printf("\n");
    for (size_t i = 0; i < k; i++) {
        printf("%-6zu %-10.4g %-11.4f %-12.4g %-12.4g", i + 1, t[i], r.efficacy_z[i], nominal[i],
               r.cumulative_alpha[i]);
        if (sb != 2)
            printf(" %-11.4f %-10.4g", r.futility_z[i], r.cumulative_beta[i]);
        printf("\n");
    }
    if (sb != 2)
        printf("maximum sample size: %.4f x the fixed design's (drift %.6g)\n", r.inflation, r.drift);
    return 0;
}

int cmd_abtest_seq(int argc, char **argv)
{
    if (!strcmp(argv[1], "bayes"))
        return run_bayes(argc, argv);
    if (!strcmp(argv[1], "sequence"))
        return run_sequence(argc, argv);
    if (!strcmp(argv[1], "gsd"))
        return run_gsd(argc, argv);
    return -1;
}
