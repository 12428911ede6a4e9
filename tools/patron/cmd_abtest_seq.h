/* `patron abtest bayes|sequence|gsd` (cmd_abtest_seq.c): the entry point
 * cmd_abtest() hands those tests to, and their help texts. */
#ifndef PATRON_CMD_ABTEST_SEQ_H
#define PATRON_CMD_ABTEST_SEQ_H

/* Runs `patron abtest bayes|sequence|gsd ...` (argv[1] is the test);
 * returns the exit status, or -1 when argv[1] is none of them. */
int cmd_abtest_seq(int argc, char **argv);

static const char abtest_seq_overview[] =
    "  bayes        Bayesian lift with a prior on the relative change (GrowthBook's model), or absolute\n"
    "  sequence     always-valid confidence sequence, two- or one-sided (peek any time)\n"
    "  gsd          group-sequential bounds: alpha-spending efficacy, beta-spending futility\n";

static const char abtest_bayes_help[] =
    "usage: patron abtest bayes --a A --b B [--effect relative|absolute] [--prior-mean M]\n"
    "           [--prior-sd S] [--alpha 0.05] [--format text|json]\n"
    "\n"
    "Normal posterior of the effect of B against A, GrowthBook's Bayesian engine:\n"
    "the relative change (B - A) / A by the delta method (--effect relative, the\n"
    "default) or the difference B - A (--effect absolute), with a normal prior of\n"
    "mean M and sd S on that effect (relative: 0.3 = 30%; absolute: in the metric's\n"
    "units). Without --prior-sd (or\n"
    "with 0) the prior is flat, GrowthBook's default. A and B are X/N (conversion\n"
    "rates, variance p(1 - p)) or n,mean,sd. Reports the chance that B is better,\n"
    "the credible interval and the risk (expected loss) of choosing either arm.\n"
    "\n"
    "JSON fields: effect, prior_mean, prior_sd, alpha, lift, lift_se (relative),\n"
    "posterior_mean, posterior_sd, chance_to_win, credible_interval,\n"
    "risk_choose_control, risk_choose_treatment, prior_weight (relative).\n";

static const char abtest_sequence_help[] =
    "usage: patron abtest sequence --estimate E --se SE --n N [--alternative two-sided|greater|less]\n"
    "           [--alpha 0.05] [--n-star 5000] [--test-value 0] [--format text|json]\n"
    "\n"
    "GrowthBook's asymptotic confidence sequence for an estimate E (B - A, or the\n"
    "lift) with standard error SE after N customers in both arms: an interval that\n"
    "holds at every look, so the experiment can be checked daily and stopped when\n"
    "it excludes --test-value. --alternative greater (H1: B above the test value)\n"
    "or less gives the one-sided sequence, whose bound is tighter. --n-star is the\n"
    "size at which the sequence is tightest (GrowthBook's default 5000).\n"
    "\n"
    "JSON fields: alternative, alpha, n_star, test_value, rho, halfwidth, ci,\n"
    "p_value, fixed_halfwidth, significant, and e_value (two-sided) or bound\n"
    "(one-sided).\n";

static const char abtest_gsd_help[] =
    "usage: patron abtest gsd --looks T1,T2,...,1 [--alpha 0.025] [--beta 0.2]\n"
    "           [--spending obf|pocock] [--beta-spending obf|pocock|none] [--format text|json]\n"
    "\n"
    "Bounds of a one-sided group-sequential design with looks at the information\n"
    "fractions T (the share of the planned customers seen; increasing, the last\n"
    "1): efficacy z-bounds by Lan-DeMets alpha spending (O'Brien-Fleming or\n"
    "Pocock type) and non-binding futility z-bounds by beta spending (--beta =\n"
    "1 - power): stop for efficacy when Z >= the efficacy bound, and you may stop\n"
    "for futility when Z < the futility bound. The maximum sample size is the\n"
    "inflation times the fixed design's. --beta-spending none: efficacy only.\n"
    "\n"
    "JSON fields: information_rates, alpha, beta, spending, beta_spending,\n"
    "efficacy_z, nominal_p, cumulative_alpha, and with futility futility_z,\n"
    "cumulative_beta, drift, inflation.\n";

#endif
