/* `patron abtest best|margin|plan` (cmd_abtest_decide.c): the entry point
 * cmd_abtest() hands those tests to, and their help texts. */
#ifndef PATRON_CMD_ABTEST_DECIDE_H
#define PATRON_CMD_ABTEST_DECIDE_H

/* Runs `patron abtest best|margin|plan ...` (argv[1] is the test); returns
 * the exit status, or -1 when argv[1] is none of them. */
int cmd_abtest_decide(int argc, char **argv);

static const char abtest_decide_overview[] =
    "  best         probability that each of k arms is best, expected loss (Bayesian)\n"
    "  margin       non-inferiority or superiority with an absolute or relative margin\n"
    "  plan         sample size with a variance reduction (CUPED) or for a ratio metric\n";

static const char abtest_best_help[] =
    "usage: patron abtest best --arms X/N,X/N,... [--prior A,B] [--format text|json]\n"
    "       patron abtest best --means n,mean,sd:n,mean,sd:... [--format text|json]\n"
    "\n"
    "Probability that each arm has the highest conversion rate (--arms: Beta(A + x,\n"
    "B + n - x) posteriors, prior 1,1 by default) or mean (--means: normal\n"
    "posteriors N(mean, sd^2 / n)), and the expected loss E[max - arm] of choosing\n"
    "each arm, by numerical integration (no simulation). 2 to 32 arms.\n"
    "\n"
    "  --arms      conversions/customers per arm, comma-separated\n"
    "  --means     n,mean,sd per arm, colon-separated\n"
    "  --prior     beta prior A,B for --arms (default 1,1)\n"
    "\n"
    "JSON fields: model, prior_alpha, prior_beta (--arms), n_arms, prob_best,\n"
    "expected_loss, posterior_mean, posterior_sd (arrays by arm),\n"
    "integration_error, prob_sum_deviation.\n";

static const char abtest_margin_help[] =
    "usage: patron abtest margin --a A --b B [--margin M] [--margin-type absolute|relative]\n"
    "           [--hypothesis non-inferiority|superiority] [--better higher|lower]\n"
    "           [--variance welch|student] [--alpha 0.05] [--format text|json]\n"
    "\n"
    "One-sided test that B is not worse than A by more than the margin\n"
    "(non-inferiority, the default) or better by more than it (superiority).\n"
    "A and B are X/N (conversion rates: Wald z) or n,mean,sd (means: Welch t, or\n"
    "Student t with --variance student). A relative margin is a fraction of A's\n"
    "mean (0.02 = 2%); its bound is Fieller's. --alpha is one-sided.\n"
    "\n"
    "JSON fields: test, hypothesis, margin_type, better, margin, effect,\n"
    "threshold (the null boundary of the effect), statistic, df, se, p, log_p,\n"
    "bound (one-sided confidence bound of the effect), alpha, reject, verdict.\n";

static const char abtest_plan_help[] =
    "usage: patron abtest plan --delta D --sd SD [--variance-reduction R] [design]\n"
    "       patron abtest plan --ratio-metric MN,MD,VN,VD,COV --lift L [design]\n"
    "design: [--alpha 0.05] [--power 0.8] [--ratio 1] [--sides 2] [--n1 N] [--format text|json]\n"
    "\n"
    "Customers per arm to detect a difference D of a mean whose sd is SD after an\n"
    "adjustment (CUPED) removes the share R of its variance (sd * sqrt(1 - R);\n"
    "with one covariate R = rho^2), or a relative lift L of a ratio metric\n"
    "(numerator / denominator per customer, e.g. revenue per order) from the\n"
    "means, variances and covariance of numerator and denominator per customer\n"
    "(delta method). --n1 also reports the minimum detectable effect at that size.\n"
    "\n"
    "JSON fields: design, variance_reduction (means), alpha, power, ratio, sides,\n"
    "delta, unit_sd, unit_sd_unadjusted, effect_size_d, n1_z, n1_z_ceil, n1_t,\n"
    "n1_t_ceil, n1_z_unadjusted, n1_z_unadjusted_ceil, mde_at_n1, n1_given.\n";

#endif
