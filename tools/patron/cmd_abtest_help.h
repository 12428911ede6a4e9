/* Help texts of `patron abtest` and of each of its tests, with the options
 * each test takes (cmd_abtest.c refuses the others). */
#ifndef PATRON_CMD_ABTEST_HELP_H
#define PATRON_CMD_ABTEST_HELP_H

typedef struct abtest_sub {
    const char *name;
    const char *options; /* space-separated, each followed by a space */
    const char *help;
} abtest_sub;

static const char abtest_overview[] =
    "usage: patron abtest <test> [options] [--format text|json]\n"
    "\n"
    "tests (patron abtest <test> --help for each):\n"
    "  proportions  conversion rates: z-tests, intervals, lift, chi-square, Fisher, Bayesian\n"
    "  means        Welch and Student t-tests from n,mean,sd per arm\n"
    "  survival     time to the next purchase: log-rank, Kaplan-Meier\n"
    "  many         several treatments against one control: Dunnett, Holm, Bonferroni\n"
    "  power        sample size per arm, power at a given size, minimum detectable effect\n"
    "  adjust       regression adjustment (CUPED) with covariates, for means and ratio metrics\n"
    "  poststrat    post-stratification by a category (new vs returning customers)\n"
    "  quantile     difference of medians, p90s, ... with intervals\n"
    "  bootstrap    seeded percentile and BCa intervals, optional capping of outliers\n"
    "  assign       the deterministic variant of a customer\n"
    "  srm          sample-ratio-mismatch check of the arm sizes\n"
    "\n"
    "Arm A is the control and B the treatment; differences are B - A.\n"
    "--format json prints every field the library computes; p-values below the\n"
    "double range are 0 there, with the natural log in log_<name>.\n";

static const abtest_sub abtest_subs[] = {
    {"proportions", "--a --b --alpha --format ",
     "usage: patron abtest proportions --a X/N --b X/N [--alpha 0.05] [--format text|json]\n"
     "\n"
     "Conversion rates of A and B: pooled z-test with the Newcombe (Wilson score)\n"
     "interval, unpooled (Wald) z-test, Wilson interval of each arm, relative lift\n"
     "with a delta-method interval, Pearson chi-square with and without Yates, the\n"
     "G-test, Fisher's exact test (two-sided, less, greater, odds ratio) and the\n"
     "Beta(1,1) posterior: P(B > A) and the expected loss of choosing either arm.\n"
     "\n"
     "  --a X/N    conversions / customers of A; whole numbers, spaces around\n"
     "             either number are ignored (\"489/ 13027\" is 489/13027)\n"
     "  --b X/N    the same for B\n"
     "  --alpha A  two-sided level, default 0.05\n"},
    {"means", "--a --b --alpha --format ",
     "usage: patron abtest means --a n,mean,sd --b n,mean,sd [--alpha 0.05] [--format text|json]\n"
     "\n"
     "Welch and Student t-tests of the difference of means (basket size, spend),\n"
     "the interval of B - A, and the relative lift by the delta method and by\n"
     "Fieller. Welch is undefined when both arms have zero variance or an arm has\n"
     "fewer than 2 customers; the output says which.\n"
     "\n"
     "  --a n,mean,sd  customers, mean and sample sd (n - 1 denominator) of A\n"
     "  --b n,mean,sd  the same for B\n"
     "  --alpha A      two-sided level, default 0.05\n"},
    {"many", "--arms --means --method --sides --alpha --format ",
     "usage: patron abtest many --arms X/N,X/N,X/N... [--method dunnett] [--sides 2] [--alpha 0.05]\n"
     "       patron abtest many --means n,mean,sd:n,mean,sd:n,mean,sd... [options]\n"
     "                          [--format text|json]\n"
     "\n"
     "Every treatment arm against the first arm, the control, with the family-wise\n"
     "error held at --alpha: Dunnett's many-to-one test (exact multivariate t or\n"
     "normal probabilities; simultaneous intervals), or Holm or Bonferroni\n"
     "(Bonferroni intervals), or none. Rates use unpooled z-tests; means the\n"
     "pooled variance of all arms (df = customers - arms).\n"
     "\n"
     "  --arms     conversions/customers per arm, comma-separated, control first\n"
     "  --means    n,mean,sd per arm, arms separated by ':', control first\n"
     "  --method   dunnett (default), holm, bonferroni or none\n"
     "  --sides    2 (default) or 1 (H1: the treatment is higher)\n"
     "  --alpha A  family-wise level, default 0.05\n"},
    {"survival", "--input --alpha --at --format ",
     "usage: patron abtest survival --input arms.csv [--alpha 0.05] [--at 7,14] [--format text|json]\n"
     "\n"
     "Log-rank test of the time to the next purchase, Kaplan-Meier medians and\n"
     "S(t) at the --at times. The CSV has a header and the columns time,event,arm\n"
     "(event 1 = bought, 0 = not yet; arm A/B or 0/1).\n"},
    {"power", "--p1 --p2 --delta --sd --n1 --power --ratio --sides --alpha --format ",
     "usage: patron abtest power --p1 P --p2 P [--n1 N] [common options]\n"
     "       patron abtest power --delta D --sd S [common options]\n"
     "       patron abtest power --n1 N --p1 P [--sd S] [common options]\n"
     "       patron abtest power --n1 N --sd S [common options]\n"
     "common options: [--power 0.8] [--alpha 0.05] [--ratio 1] [--sides 2] [--format text|json]\n"
     "\n"
     "Sample size of the control arm (n1) and of the treatment (n2 = ratio * n1)\n"
     "to detect p1 -> p2 or a difference of means delta with a common sd; with\n"
     "--n1 and --p1 --p2 also the power at that n1; with --n1 alone (and --p1\n"
     "and/or --sd) the minimum detectable effect. The output repeats the alpha,\n"
     "power, sides and ratio used. Options of two designs at once are refused.\n"},
    {"assign", "--experiment --customer --weights --coverage --layer --slice --format ",
     "usage: patron abtest assign --experiment KEY --customer ID --weights 50,50 [--coverage 1]\n"
     "                            [--layer KEY --slice START,END] [--format text|json]\n"
     "\n"
     "The deterministic variant of a customer (0-based; -1 = not enrolled), the\n"
     "hash and the customer's position in [0, 1).\n"},
    {"srm", "--observed --weights --alpha --format ",
     "usage: patron abtest srm --observed 4928,5129 --weights 50,50 [--alpha 0.001] [--format text|json]\n"
     "\n"
     "Chi-square goodness of fit of the arm sizes against the planned weights.\n"
     "A small p says the split differs from the plan (do not trust the results);\n"
     "a large p is no evidence of a mismatch, not proof that the split is right.\n"
     "--alpha defaults to 0.001.\n"},
};

#endif
