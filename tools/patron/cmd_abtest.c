/* `patron abtest`: experiment assignment and A/B tests over the C API. */
#include <math.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abtest_adjust.h"
#include "abtest_out.h"
#include "cli_util.h"
#include "commands.h"
#include "cmd_abtest_decide.h"
#include "cmd_abtest_seq.h"
#include "cmd_abtest_help.h"
#include "patron.h"

static const char *cmd = "abtest";

/* ---- output: text or JSON ---- */

static void o_pair(out *o, const char *key, const char *label, double a, double b)
{
    if (o->json) {
        o_key(o, key);
        printf("[");
        num_json(a);
        printf(", ");
        num_json(b);
        printf("]");
    } else {
        printf("%-28s [%.6g, %.6g]\n", label, a, b);
    }
}

static void o_p(out *o, const char *key, const char *label, double p, double log_p)
{
    if (o->json) {
        o_num(o, key, label, p);
        char k[64];
        snprintf(k, sizeof k, "log_%s", key);
        o_num(o, k, label, log_p);
    } else if (p == 0 && isfinite(log_p)) {
        printf("%-28s < 1e-300, log10 p = %.1f\n", label, log_p / log(10));
    } else {
        printf("%-28s %.4g\n", label, p);
    }
}

/* why_undefined: the verdict when the test is undefined (NaN p). */
static void o_test(out *o, const char *name, const patron_abtest_test *t, double alpha, const char *why_undefined)
{
    char k[64], l[64];
    if (o->json) {
        o_key(o, name);
        printf("{");
        out in = {1, 1};
        o_num(&in, "statistic", "", t->statistic);
        o_num(&in, "df", "", t->df);
        o_num(&in, "effect", "", t->effect);
        o_num(&in, "se", "", t->se);
        o_p(&in, "p_two_sided", "", t->p_two_sided, t->log_p_two_sided);
        o_num(&in, "p_greater", "", t->p_greater);
        o_num(&in, "p_less", "", t->p_less);
        o_pair(&in, "ci", "", t->ci_low, t->ci_high);
        o_key(&in, "significant");
        printf(t->significant ? "true" : "false");
        if (isnan(t->p_two_sided))
            o_str(&in, "undefined", "", why_undefined);
        printf("}");
        return;
    }
    printf("\n%s\n", name);
    snprintf(l, sizeof l, "  statistic%s", isnan(t->df) ? "" : " (t)");
    o_num(o, "", l, t->statistic);
    if (!isnan(t->df))
        o_num(o, "", "  df", t->df);
    o_p(o, "", "  p (two-sided)", t->p_two_sided, t->log_p_two_sided);
    o_num(o, "", "  p (B > A)", t->p_greater);
    o_num(o, "", "  p (B < A)", t->p_less);
    snprintf(k, sizeof k, "  %g%% CI of B - A", 100 * (1 - alpha));
    o_pair(o, "", k, t->ci_low, t->ci_high);
    printf("  %-26s %s\n", "verdict",
           isnan(t->p_two_sided) ? why_undefined
           : t->significant      ? (t->effect > 0 ? "significant: B is higher" : "significant: B is lower")
                                 : "not significant");
}

/* ---- parsing ---- */

typedef struct args {
    const char *a, *b, *input, *experiment, *customer, *weights, *layer, *slice, *observed;
    const char *p1, *p2, *delta, *sd, *n1, *power, *ratio, *sides, *coverage, *at;
    const char *arms, *means, *method;
    double alpha;
    int alpha_set;
    int json;
} args;

/* "--name" is one of the options sub takes. */
static int takes(const abtest_sub *sub, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = sub->options; (p = strstr(p, name)); p += n)
        if (p[n] == ' ' && (p == sub->options || p[-1] == ' '))
            return 1;
    return 0;
}

static int refuse(const abtest_sub *sub, const char *name)
{
    return cli_fail(cmd, "%s does not take %s (see patron abtest %s --help)", sub->name, name, sub->name) + 1;
}

static int parse_args(int argc, char **argv, args *a, const abtest_sub *sub)
{
    memset(a, 0, sizeof *a);
    a->alpha = 0.05;
    static const struct {
        const char *name;
        size_t off;
    } opts[] = {
        {"--a", offsetof(args, a)},
        {"--b", offsetof(args, b)},
        {"--input", offsetof(args, input)},
        {"--experiment", offsetof(args, experiment)},
        {"--customer", offsetof(args, customer)},
        {"--weights", offsetof(args, weights)},
        {"--layer", offsetof(args, layer)},
        {"--slice", offsetof(args, slice)},
        {"--observed", offsetof(args, observed)},
        {"--p1", offsetof(args, p1)},
        {"--p2", offsetof(args, p2)},
        {"--delta", offsetof(args, delta)},
        {"--sd", offsetof(args, sd)},
        {"--n1", offsetof(args, n1)},
        {"--power", offsetof(args, power)},
        {"--ratio", offsetof(args, ratio)},
        {"--sides", offsetof(args, sides)},
        {"--coverage", offsetof(args, coverage)},
        {"--at", offsetof(args, at)},
        {"--arms", offsetof(args, arms)},
        {"--means", offsetof(args, means)},
        {"--method", offsetof(args, method)},
    };
    for (int i = 2; i < argc; i++) {
        int missing = 0, done = 0;
        const char *v;
        if ((v = cli_opt(argc, argv, &i, "--format", &missing))) {
            if (!strcmp(v, "json"))
                a->json = 1;
            else if (strcmp(v, "text"))
                return cli_fail(cmd, "--format must be text or json, not '%s'", v) + 1;
            continue;
        }
        if (missing)
            return cli_fail(cmd, "--format needs a value") + 1;
        if ((v = cli_opt(argc, argv, &i, "--alpha", &missing))) {
            if (!takes(sub, "--alpha"))
                return refuse(sub, "--alpha");
            if (cli_parse_double(v, &a->alpha))
                return cli_fail(cmd, "--alpha '%s' is not a number", v) + 1;
            a->alpha_set = 1;
            continue;
        }
        if (missing)
            return cli_fail(cmd, "--alpha needs a value") + 1;
        for (size_t k = 0; k < sizeof opts / sizeof *opts && !done; k++) {
            if ((v = cli_opt(argc, argv, &i, opts[k].name, &missing))) {
                if (!takes(sub, opts[k].name))
                    return refuse(sub, opts[k].name);
                *(const char **)((char *)a + opts[k].off) = v;
                done = 1;
            } else if (missing) {
                return cli_fail(cmd, "%s needs a value", opts[k].name) + 1;
            }
        }
        if (!done)
            return cli_fail(cmd, "unknown option '%s' (see patron abtest %s --help)", argv[i], sub->name) + 1;
    }
    return 0;
}

static int need(const char *v, const char *name)
{
    if (!v)
        return cli_fail(cmd, "%s is required", name) + 1;
    return 0;
}

/* One count of X/N: spaces around it are ignored; digits with an optional
 * sign (the library reports negative counts); too large past INT64_MAX. */
static int parse_count(const char *s, size_t len, const char *name, const char *whole, int64_t *v)
{
    while (len && *s == ' ')
        s++, len--;
    while (len && s[len - 1] == ' ')
        len--;
    char buf[64];
    size_t digits = 0;
    for (size_t i = 0; i < len; i++)
        digits += s[i] >= '0' && s[i] <= '9';
    int sign = len && (s[0] == '-' || s[0] == '+');
    if (!len || digits != len - (size_t)sign || digits == 0)
        return cli_fail(cmd, "%s '%s' is not X/N with whole-number counts (conversions/customers)", name, whole) + 1;
    if (len >= sizeof buf)
        return cli_fail(cmd, "%s '%s': a count is too large (at most %lld)", name, whole, (long long)INT64_MAX) + 1;
    memcpy(buf, s, len);
    buf[len] = 0;
    errno = 0;
    if (cli_parse_int64(buf, v))
        return cli_fail(cmd, "%s '%s': count %s is too large (at most %lld)", name, whole, buf, (long long)INT64_MAX) +
               1;
    return 0;
}

static int parse_fraction(const char *s, const char *name, int64_t *x, int64_t *n)
{
    const char *slash = strchr(s, '/');
    if (!slash || strchr(slash + 1, '/'))
        return cli_fail(cmd, "%s '%s' is not X/N (conversions/customers)", name, s) + 1;
    int rc = parse_count(s, (size_t)(slash - s), name, s, x);
    if (!rc)
        rc = parse_count(slash + 1, strlen(slash + 1), name, s, n);
    return rc;
}

/* Comma-separated numbers into v (at most max). */
static int parse_list(const char *s, const char *name, double *v, size_t max, size_t *count)
{
    char buf[512];
    if (strlen(s) >= sizeof buf)
        return cli_fail(cmd, "%s is too long", name) + 1;
    strcpy(buf, s);
    size_t n = 0;
    char *p = buf;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = 0;
        if (n == max)
            return cli_fail(cmd, "%s has more than %zu values", name, max) + 1;
        if (cli_parse_double(p, &v[n]))
            return cli_fail(cmd, "%s: '%s' is not a number", name, p) + 1;
        n++;
        if (!comma)
            break;
        p = comma + 1;
    }
    *count = n;
    return 0;
}

static int parse_summary(const char *s, const char *name, patron_abtest_summary *res)
{
    double v[3];
    size_t n;
    int rc = parse_list(s, name, v, 3, &n);
    if (rc)
        return rc;
    if (n != 3 || v[0] != floor(v[0]))
        return cli_fail(cmd, "%s '%s' is not n,mean,sd", name, s) + 1;
    res->n = (int64_t)v[0];
    res->mean = v[1];
    res->sd = v[2];
    return 0;
}

static int opt_double(const char *s, const char *name, double dflt, double *out_v)
{
    if (!s) {
        *out_v = dflt;
        return 0;
    }
    if (cli_parse_double(s, out_v))
        return cli_fail(cmd, "%s '%s' is not a number", name, s) + 1;
    return 0;
}

/* "patron abtest: <what>: <library message>", the message without the name
 * of the C function that produced it (people did not call it). */
static int fail_rc(int rc, const char *what)
{
    const char *m = patron_errmsg();
    if (!strncmp(m, "patron_", 7)) {
        const char *p = m;
        while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
            p++;
        if (p[0] == ':' && p[1] == ' ')
            m = p + 2;
    }
    if (!*m)
        m = patron_strerror(rc);
    return cli_fail(cmd, "%s: %s", what, m);
}

/* ---- subcommands ---- */

static int run_proportions(const args *a)
{
    int rc;
    int64_t xa, na, xb, nb;
    if ((rc = need(a->a, "--a")) || (rc = need(a->b, "--b")) || (rc = parse_fraction(a->a, "--a", &xa, &na)) ||
        (rc = parse_fraction(a->b, "--b", &xb, &nb)))
        return rc;
    patron_abtest_prop_result r = PATRON_ABTEST_INIT(patron_abtest_prop_result);
    if ((rc = patron_abtest_proportions(&r, xa, na, xb, nb, a->alpha)))
        return fail_rc(rc, "proportions");
    int64_t table[4] = {xa, na - xa, xb, nb - xb};
    patron_abtest_fisher_result f = PATRON_ABTEST_INIT(patron_abtest_fisher_result);
    patron_abtest_chi2_result c = PATRON_ABTEST_INIT(patron_abtest_chi2_result);
    patron_abtest_beta_result bb = PATRON_ABTEST_INIT(patron_abtest_beta_result);
    if ((rc = patron_abtest_fisher(&f, table, a->alpha)) || (rc = patron_abtest_chi2_2x2(&c, table)) ||
        (rc = patron_abtest_beta_binomial(&bb, xa, na, xb, nb, 1, 1)))
        return fail_rc(rc, "proportions");
    out o = {a->json, 1};
    char l[64];
    o_begin(&o);
    o_num(&o, "alpha", "alpha", r.alpha);
    o_num(&o, "rate_a", "conversion A", r.p_a);
    snprintf(l, sizeof l, "  %g%% Wilson interval", 100 * (1 - a->alpha));
    o_pair(&o, "wilson_a", l, r.wilson_a[0], r.wilson_a[1]);
    o_num(&o, "rate_b", "conversion B", r.p_b);
    o_pair(&o, "wilson_b", l, r.wilson_b[0], r.wilson_b[1]);
    o_num(&o, "rate_pooled", "pooled rate", r.p_pooled);
    o_num(&o, "diff", "difference B - A", r.diff);
    o_num(&o, "rel_lift", "relative lift", r.rel_lift);
    o_num(&o, "rel_lift_se", "  standard error", r.rel_lift_se);
    o_pair(&o, "rel_lift_ci", "  CI (delta method)", r.rel_lift_ci[0], r.rel_lift_ci[1]);
    o_test(&o, "pooled", &r.pooled, a->alpha, "undefined");
    if (!o.json)
        printf("  (interval: Newcombe/Wilson)\n");
    o_test(&o, "unpooled", &r.unpooled, a->alpha, "undefined");
    if (!o.json)
        printf("  (interval: Wald)\n\nother tests\n");
    if (o.json) {
        o_key(&o, "expected");
        printf("[");
        for (int i = 0; i < 4; i++) {
            printf(i ? ", " : "");
            num_json(c.expected[i]);
        }
        printf("]");
        o_int(&o, "chi2_dof", "", (long long)c.dof);
    }
    o_num(&o, "chi2", "  chi-square", c.chi2);
    o_p(&o, "chi2_p", "  p", c.p, c.log_p);
    o_num(&o, "chi2_yates", "  chi-square (Yates)", c.chi2_yates);
    o_p(&o, "chi2_yates_p", "  p (Yates)", c.p_yates, c.log_p_yates);
    o_num(&o, "g", "  G-test", c.g);
    o_p(&o, "g_p", "  p (G)", c.p_g, c.log_p_g);
    o_p(&o, "fisher_p", "  Fisher exact p", f.p_two_sided, f.log_p_two_sided);
    o_p(&o, "fisher_p_less", "  Fisher p (A converts less)", f.p_less, f.log_p_less);
    o_p(&o, "fisher_p_greater", "  Fisher p (A converts more)", f.p_greater, f.log_p_greater);
    o_num(&o, "fisher_odds_ratio", "  odds ratio (A vs B)", f.odds_ratio);
    if (o.json) {
        o_key(&o, "fisher_significant");
        printf(f.significant ? "true" : "false");
        o_pair(&o, "posterior_a", "", bb.posterior_a[0], bb.posterior_a[1]);
        o_pair(&o, "posterior_b", "", bb.posterior_b[0], bb.posterior_b[1]);
        o_num(&o, "posterior_mean_a", "", bb.posterior_mean_a);
        o_num(&o, "posterior_mean_b", "", bb.posterior_mean_b);
    } else {
        printf("\nBayesian, Beta(1,1) prior\n");
        o_pair(&o, "", "  posterior A, Beta(a, b)", bb.posterior_a[0], bb.posterior_a[1]);
        o_pair(&o, "", "  posterior B, Beta(a, b)", bb.posterior_b[0], bb.posterior_b[1]);
    }
    o_num(&o, "prob_b_beats_a", "  P(B > A)", bb.prob_b_beats_a);
    o_num(&o, "expected_loss_choose_b", "  expected loss choosing B", bb.expected_loss_choose_b);
    o_num(&o, "expected_loss_choose_a", "  expected loss choosing A", bb.expected_loss_choose_a);
    o_end(&o);
    return 0;
}

static int run_means(const args *a)
{
    int rc;
    patron_abtest_summary sa, sb;
    if ((rc = need(a->a, "--a")) || (rc = need(a->b, "--b")) || (rc = parse_summary(a->a, "--a", &sa)) ||
        (rc = parse_summary(a->b, "--b", &sb)))
        return rc;
    patron_abtest_means_result r = PATRON_ABTEST_INIT(patron_abtest_means_result);
    if ((rc = patron_abtest_means(&r, &sa, &sb, a->alpha)))
        return fail_rc(rc, "means");
    /* Welch is undefined for one of two reasons; say which. */
    const char *why = sa.n < 2 || sb.n < 2 ? "undefined: an arm has fewer than 2 customers"
                      : sa.sd == 0 && sb.sd == 0 ? "undefined: both arms have zero variance"
                                                 : "undefined";
    out o = {a->json, 1};
    o_begin(&o);
    o_num(&o, "alpha", "alpha", a->alpha);
    o_int(&o, "n_a", "customers A", (long long)sa.n);
    o_num(&o, "mean_a", "mean A", sa.mean);
    o_num(&o, "sd_a", "sd A", sa.sd);
    o_int(&o, "n_b", "customers B", (long long)sb.n);
    o_num(&o, "mean_b", "mean B", sb.mean);
    o_num(&o, "sd_b", "sd B", sb.sd);
    o_num(&o, "diff", "difference B - A", r.diff);
    o_num(&o, "pooled_variance", "pooled variance", r.pooled_variance);
    o_num(&o, "rel_lift", "relative lift", r.rel_lift);
    o_num(&o, "rel_lift_se", "  standard error", r.rel_lift_se);
    o_pair(&o, "rel_lift_ci", "  CI (delta method)", r.rel_lift_ci[0], r.rel_lift_ci[1]);
    o_num(&o, "rel_lift_p", "  p (delta method)", r.rel_lift_p);
    o_pair(&o, "rel_lift_ci_fieller", "  CI (Fieller)", r.rel_lift_ci_fieller[0], r.rel_lift_ci_fieller[1]);
    o_num(&o, "fieller_g", "  Fieller g", r.fieller_g);
    if (o.json) {
        o_key(&o, "fieller_bounded");
        printf(r.fieller_bounded ? "true" : "false");
    } else if (!r.fieller_bounded) {
        printf("  %-26s %s\n", "", "(Fieller set unbounded: g >= 1)");
    }
    o_test(&o, "welch", &r.welch, a->alpha, why);
    o_test(&o, "student", &r.student, a->alpha, "undefined");
    o_end(&o);
    return 0;
}

static int run_survival(const args *a)
{
    int rc = need(a->input, "--input");
    if (rc)
        return rc;
    FILE *f = fopen(a->input, "r");
    if (!f)
        return cli_fail(cmd, "cannot open '%s'", a->input);
    size_t cap = 1024, n = 0;
    double *t = malloc(cap * sizeof *t);
    int *ev = malloc(cap * sizeof *ev), *arm = malloc(cap * sizeof *arm);
    char line[512];
    long row = 0;
    rc = 0;
    while (t && ev && arm && fgets(line, sizeof line, f)) {
        row++;
        if (row == 1)
            continue; /* header */
        line[strcspn(line, "\r\n")] = 0;
        if (!*line)
            continue;
        char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (!c2) {
            rc = cli_fail(cmd, "%s row %ld: expected time,event,arm", a->input, row);
            break;
        }
        *c1 = *c2 = 0;
        double tv;
        int64_t e;
        if (cli_parse_double(line, &tv) || cli_parse_int64(c1 + 1, &e)) {
            rc = cli_fail(cmd, "%s row %ld: time '%s' or event '%s' is not a number", a->input, row, line, c1 + 1);
            break;
        }
        const char *am = c2 + 1;
        int av = !strcmp(am, "A") || !strcmp(am, "0") ? 0 : !strcmp(am, "B") || !strcmp(am, "1") ? 1 : -1;
        if (av < 0) {
            rc = cli_fail(cmd, "%s row %ld: arm '%s' is not A, B, 0 or 1", a->input, row, am);
            break;
        }
        if (n == cap) {
            cap *= 2;
            double *nt = realloc(t, cap * sizeof *t);
            int *ne = realloc(ev, cap * sizeof *ev), *na = realloc(arm, cap * sizeof *arm);
            t = nt ? nt : t;
            ev = ne ? ne : ev;
            arm = na ? na : arm;
            if (!nt || !ne || !na) {
                rc = cli_fail(cmd, "out of memory");
                break;
            }
        }
        t[n] = tv;
        ev[n] = (int)e;
        arm[n] = av;
        n++;
    }
    fclose(f);
    if (!t || !ev || !arm)
        rc = cli_fail(cmd, "out of memory");
    patron_abtest_logrank_result r = PATRON_ABTEST_INIT(patron_abtest_logrank_result);
    if (!rc && (rc = patron_abtest_logrank(&r, t, ev, arm, n, a->alpha)))
        rc = fail_rc(rc, a->input);
    if (!rc) {
        out o = {a->json, 1};
        o_begin(&o);
        o_int(&o, "n_a", "customers A", (long long)r.n[0]);
        o_int(&o, "n_b", "customers B", (long long)r.n[1]);
        o_pair(&o, "observed", "events (A, B)", r.observed[0], r.observed[1]);
        o_pair(&o, "expected", "expected under H0 (A, B)", r.expected[0], r.expected[1]);
        o_pair(&o, "median", "median time (A, B)", r.median[0], r.median[1]);
        o_num(&o, "chisq", "log-rank chi-square", r.chisq);
        o_p(&o, "p", "p", r.p, r.log_p);
        o_str(&o, "verdict", "verdict",
              r.significant ? (r.observed[1] > r.expected[1] ? "significant: B buys again sooner"
                                                             : "significant: B buys again later")
                            : "not significant");
        double at[32];
        size_t n_at = 0;
        if (a->at && (rc = parse_list(a->at, "--at", at, 32, &n_at)) == 0) {
            for (size_t k = 0; k < n_at && !rc; k++) {
                double sa, ea, sb, eb;
                if ((rc = patron_abtest_km(&sa, &ea, t, ev, arm, n, 0, &at[k], 1)) ||
                    (rc = patron_abtest_km(&sb, &eb, t, ev, arm, n, 1, &at[k], 1))) {
                    rc = fail_rc(rc, "Kaplan-Meier");
                    break;
                }
                char key[64], label[64];
                snprintf(key, sizeof key, "surv_at_%g", at[k]);
                snprintf(label, sizeof label, "S(%g) not bought yet (A, B)", at[k]);
                o_pair(&o, key, label, sa, sb);
            }
        }
        if (!rc)
            o_end(&o);
    }
    free(t);
    free(ev);
    free(arm);
    return rc;
}

/* The settings a power answer rests on, echoed before it. */
static void o_power_settings(out *o, double alpha, double power, int sides, double ratio)
{
    o_num(o, "alpha", "alpha", alpha);
    o_num(o, "power", "power", power);
    o_int(o, "sides", "sides", sides);
    o_num(o, "ratio", "ratio n2 / n1", ratio);
}

/* Fewer than 2 customers per arm (before rounding up): the formulas are
 * large-sample approximations and mean nothing there. */
static void o_small_n(out *o, double n1, double n2)
{
    if (n1 >= 2 && n2 >= 2)
        return;
    o_str(o, "warning", "warning",
          "fewer than 2 customers per arm: the effect is too large for a sample-size formula to mean anything");
}

static int run_power(const args *a)
{
    int rc;
    double power, ratio, sides_d, n1 = 0;
    if ((rc = opt_double(a->power, "--power", 0.8, &power)) || (rc = opt_double(a->ratio, "--ratio", 1, &ratio)) ||
        (rc = opt_double(a->sides, "--sides", 2, &sides_d)) || (rc = opt_double(a->n1, "--n1", 0, &n1)))
        return rc;
    if (sides_d != 1 && sides_d != 2)
        return cli_fail(cmd, "--sides '%s' must be 1 or 2", a->sides) + 1;
    if (a->n1 && !(n1 > 0))
        return cli_fail(cmd, "--n1 '%s' must be a positive number of customers", a->n1) + 1;
    int sides = (int)sides_d;
    /* One design per call: proportions (--p1 --p2), means (--delta --sd) or
     * the minimum detectable effect (--n1 with --p1 and/or --sd). */
    int prop = a->p1 && a->p2, mean = a->delta || (a->sd && !a->n1);
    if (prop && (a->delta || a->sd))
        return cli_fail(cmd, "power: --p1/--p2 (proportions) and --delta/--sd (means) are two designs; give one") + 1;
    if (mean && (a->p1 || a->p2))
        return cli_fail(cmd, "power: --delta/--sd (means) and --p1/--p2 (proportions) are two designs; give one") + 1;
    if (mean && a->n1)
        return cli_fail(cmd, "power: --n1 with --delta is not supported: use --n1 with --sd for the detectable "
                             "difference of means") + 1;
    if (a->p2 && !a->p1)
        return cli_fail(cmd, "power: --p2 needs --p1 (the control rate)") + 1;
    out o = {a->json, 1};
    if (prop) {
        double p1, p2;
        if ((rc = opt_double(a->p1, "--p1", 0, &p1)) || (rc = opt_double(a->p2, "--p2", 0, &p2)))
            return rc;
        patron_abtest_power_prop_result r = PATRON_ABTEST_INIT(patron_abtest_power_prop_result);
        if ((rc = patron_abtest_power_prop(&r, p1, p2, a->alpha, power, ratio, sides, n1)))
            return fail_rc(rc, "power");
        o_begin(&o);
        o_power_settings(&o, a->alpha, power, sides, ratio);
        o_num(&o, "cohen_h", "Cohen's h", r.cohen_h);
        o_int(&o, "n1_pooled", "n1, control (pooled formula)", (long long)r.n1_pooled_ceil);
        o_num(&o, "n2_pooled", "n2, treatment = ratio * n1", ceil((double)r.n1_pooled_ceil * ratio));
        o_int(&o, "n1_cohen_h", "n1 (Cohen's h)", (long long)r.n1_cohen_h_ceil);
        if (!isnan(r.n1_pooled_strict))
            o_int(&o, "n1_pooled_strict", "n1 (both tails)", (long long)r.n1_pooled_strict_ceil);
        if (o.json) {
            o_num(&o, "n1_pooled_exact", "", r.n1_pooled);
            o_num(&o, "n1_cohen_h_exact", "", r.n1_cohen_h);
            o_num(&o, "n1_pooled_strict_exact", "", r.n1_pooled_strict);
            o_num(&o, "n_evanmiller", "", r.n_evanmiller);
        }
        if (n1 > 0) {
            o_num(&o, "n1_given", "at --n1", n1);
            o_num(&o, "power_at_n1", "  power (pooled formula)", r.power_pooled);
            o_num(&o, "power_at_n1_cohen_h", "  power (Cohen's h)", r.power_cohen_h);
            if (!isnan(r.power_pooled_strict))
                o_num(&o, "power_at_n1_strict", "  power (both tails)", r.power_pooled_strict);
        }
        if (!o.json)
            printf("(n1 is the control arm, the arm of --p1; use the pooled figure unless you follow Cohen)\n");
        o_small_n(&o, r.n1_pooled, r.n1_pooled * ratio);
        o_end(&o);
        return 0;
    }
    if (mean) {
        double delta, sd;
        if ((rc = need(a->delta, "--delta")) || (rc = need(a->sd, "--sd")))
            return rc;
        if ((rc = opt_double(a->delta, "--delta", 0, &delta)) || (rc = opt_double(a->sd, "--sd", 0, &sd)))
            return rc;
        patron_abtest_power_mean_result r = PATRON_ABTEST_INIT(patron_abtest_power_mean_result);
        if ((rc = patron_abtest_power_mean(&r, delta, sd, a->alpha, power, ratio, sides)))
            return fail_rc(rc, "power");
        o_begin(&o);
        o_power_settings(&o, a->alpha, power, sides, ratio);
        o_num(&o, "effect_size_d", "effect size d", r.effect_size_d);
        o_int(&o, "n1_t", "n1, control (t-test)", (long long)r.n1_t_ceil);
        o_num(&o, "n2_t", "n2, treatment = ratio * n1", ceil((double)r.n1_t_ceil * ratio));
        o_int(&o, "n1_z", "n1 (normal formula)", (long long)r.n1_z_ceil);
        if (o.json) {
            o_num(&o, "n1_t_exact", "", r.n1_t);
            o_num(&o, "n1_z_exact", "", r.n1_z);
        } else {
            printf("(n1 is the control arm; the t-test figure is the one to plan with)\n");
        }
        o_small_n(&o, r.n1_t, r.n1_t * ratio);
        o_end(&o);
        return 0;
    }
    if (n1 > 0 && (a->p1 || a->sd)) {
        double p1 = NAN, sd = 0;
        if ((a->p1 && (rc = opt_double(a->p1, "--p1", 0, &p1))) || (a->sd && (rc = opt_double(a->sd, "--sd", 0, &sd))))
            return rc;
        patron_abtest_mde_result r = PATRON_ABTEST_INIT(patron_abtest_mde_result);
        if ((rc = patron_abtest_mde(&r, n1, a->alpha, power, ratio, sides, sd, p1)))
            return fail_rc(rc, "power");
        o_begin(&o);
        o_power_settings(&o, a->alpha, power, sides, ratio);
        o_num(&o, "n1", "n1, control", n1);
        o_num(&o, "n2", "n2, treatment = ratio * n1", n1 * ratio);
        if (a->p1) {
            o_num(&o, "mde_abs", "MDE (absolute)", r.mde_abs_prop_pooled);
            o_num(&o, "mde_rel", "MDE (relative)", r.mde_rel_prop_pooled);
            o_num(&o, "mde_abs_baseline", "MDE (baseline variance)", r.mde_abs_prop_baseline);
        }
        if (a->sd)
            o_num(&o, "mde_abs_mean", "MDE of the mean", r.mde_abs_mean);
        o_small_n(&o, n1, n1 * ratio);
        o_end(&o);
        return 0;
    }
    return cli_fail(cmd, "power needs --p1 and --p2, --delta and --sd, or --n1 with --p1 or --sd") + 1;
}

/* patron abtest many: one control, several treatments. */
static int run_many(const args *a)
{
    int rc;
    if (!!a->arms == !!a->means)
        return cli_fail(cmd, "many needs --arms (rates) or --means (n,mean,sd), one of them") + 1;
    patron_abtest_many_options opts = PATRON_ABTEST_MANY_OPTIONS_INIT;
    opts.alpha = a->alpha;
    static const char *methods[] = {"dunnett", "holm", "bonferroni", "none"};
    if (a->method) {
        int found = -1;
        for (int k = 0; k < 4; k++)
            if (!strcmp(a->method, methods[k]))
                found = k;
        if (found < 0)
            return cli_fail(cmd, "--method '%s' is not dunnett, holm, bonferroni or none", a->method) + 1;
        opts.method = (patron_abtest_multiplicity)found;
    }
    double sides = 2;
    if ((rc = opt_double(a->sides, "--sides", 2, &sides)))
        return rc;
    if (sides != 1 && sides != 2)
        return cli_fail(cmd, "--sides '%s' must be 1 or 2", a->sides) + 1;
    opts.sides = (int)sides;
    int64_t x[PATRON_ABTEST_MAX_ARMS], n[PATRON_ABTEST_MAX_ARMS];
    double mean[PATRON_ABTEST_MAX_ARMS], sd[PATRON_ABTEST_MAX_ARMS];
    size_t k = 0;
    const char *list = a->arms ? a->arms : a->means, *name = a->arms ? "--arms" : "--means";
    char sep = a->arms ? ',' : ':';
    for (const char *p = list;;) {
        const char *end = strchr(p, sep);
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[128];
        if (k == PATRON_ABTEST_MAX_ARMS)
            return cli_fail(cmd, "%s: more than %d arms", name, PATRON_ABTEST_MAX_ARMS) + 1;
        if (len >= sizeof item)
            return cli_fail(cmd, "%s: arm %zu is too long", name, k) + 1;
        memcpy(item, p, len);
        item[len] = 0;
        if (a->arms) {
            if ((rc = parse_fraction(item, "--arms", &x[k], &n[k])))
                return rc;
        } else {
            patron_abtest_summary su;
            if ((rc = parse_summary(item, "--means", &su)))
                return rc;
            n[k] = su.n;
            mean[k] = su.mean;
            sd[k] = su.sd;
        }
        k++;
        if (!end)
            break;
        p = end + 1;
    }
    patron_abtest_many_result r = PATRON_ABTEST_INIT(patron_abtest_many_result);
    rc = a->arms ? patron_abtest_many_proportions(&r, x, n, k, &opts) : patron_abtest_many_means(&r, n, mean, sd, k, &opts);
    if (rc)
        return fail_rc(rc, "many");
    out o = {a->json, 1};
    o_begin(&o);
    o_str(&o, "method", "method", methods[r.method]);
    o_num(&o, "alpha", "family-wise alpha", r.alpha);
    o_int(&o, "sides", "sides", r.sides);
    o_int(&o, "comparisons", "comparisons with the control", (long long)r.n_comparisons);
    if (!isinf(r.df))
        o_num(&o, "df", "df (pooled variance)", r.df);
    o_num(&o, "critical_value", "critical value (intervals)", r.critical_value);
    size_t m = (size_t)r.n_comparisons;
    if (o.json) {
        static const char *keys[] = {"effect", "se", "statistic", "p_raw", "p_adjusted", "ci_low", "ci_high"};
        const double *cols[] = {r.effect, r.se, r.statistic, r.p_raw, r.p_adjusted, r.ci_low, r.ci_high};
        for (size_t c = 0; c < 7; c++) {
            o_key(&o, keys[c]);
            printf("[");
            for (size_t i = 0; i < m; i++) {
                printf(i ? ", " : "");
                num_json(cols[c][i]);
            }
            printf("]");
        }
        o_key(&o, "significant");
        printf("[");
        for (size_t i = 0; i < m; i++)
            printf("%s%s", i ? ", " : "", r.significant[i] ? "true" : "false");
        printf("]");
    } else {
        char l[64];
        for (size_t i = 0; i < m; i++) {
            printf("\narm %zu vs control\n", i + 1);
            o_num(&o, "", "  difference", r.effect[i]);
            o_num(&o, "", "  statistic", r.statistic[i]);
            o_num(&o, "", "  p (this comparison alone)", r.p_raw[i]);
            o_num(&o, "", "  p (adjusted)", r.p_adjusted[i]);
            snprintf(l, sizeof l, "  %g%% simultaneous CI", 100 * (1 - r.alpha));
            o_pair(&o, "", l, r.ci_low[i], r.ci_high[i]);
            printf("  %-26s %s\n", "verdict",
                   isnan(r.p_adjusted[i]) ? "undefined"
                   : r.significant[i]     ? (r.effect[i] > 0 ? "significant: higher than the control"
                                                             : "significant: lower than the control")
                                          : "not significant");
        }
    }
    o_end(&o);
    return 0;
}

static int run_assign(const args *a)
{
    int rc;
    if ((rc = need(a->experiment, "--experiment")) || (rc = need(a->customer, "--customer")))
        return rc;
    double w[64] = {50, 50};
    size_t n = 2;
    if (a->weights && (rc = parse_list(a->weights, "--weights", w, 64, &n)))
        return rc;
    patron_abtest_assign_options opts = PATRON_ABTEST_ASSIGN_OPTIONS_INIT;
    if ((rc = opt_double(a->coverage, "--coverage", 1, &opts.coverage)))
        return rc;
    if (a->layer) {
        double s[2];
        size_t k;
        if ((rc = need(a->slice, "--slice")) || (rc = parse_list(a->slice, "--slice", s, 2, &k)))
            return rc;
        if (k != 2)
            return cli_fail(cmd, "--slice '%s' is not START,END", a->slice) + 1;
        opts.layer_key = a->layer;
        opts.layer_start = s[0];
        opts.layer_end = s[1];
    }
    int v;
    uint64_t h;
    double u;
    if ((rc = patron_abtest_assign(&v, a->experiment, a->customer, w, n, &opts)) ||
        (rc = patron_abtest_hash(&h, &u, a->experiment, a->customer)))
        return fail_rc(rc, "assign");
    out o = {a->json, 1};
    char hex[32];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    o_begin(&o);
    o_int(&o, "variant", "variant", v);
    o_str(&o, "hash", "hash", hex);
    o_num(&o, "unit", "position in [0, 1)", u);
    o_end(&o);
    return 0;
}

static int run_srm(const args *a)
{
    int rc;
    if ((rc = need(a->observed, "--observed")) || (rc = need(a->weights, "--weights")))
        return rc;
    double ob[64], w[64];
    size_t n, m;
    if ((rc = parse_list(a->observed, "--observed", ob, 64, &n)) || (rc = parse_list(a->weights, "--weights", w, 64, &m)))
        return rc;
    if (n != m)
        return cli_fail(cmd, "--observed has %zu arms but --weights has %zu", n, m) + 1;
    int64_t obs[64];
    for (size_t i = 0; i < n; i++) {
        if (ob[i] != floor(ob[i]))
            return cli_fail(cmd, "--observed: %g is not a whole number of customers", ob[i]) + 1;
        obs[i] = (int64_t)ob[i];
    }
    patron_abtest_srm_result r = PATRON_ABTEST_INIT(patron_abtest_srm_result);
    if ((rc = patron_abtest_srm(&r, obs, w, n, a->alpha_set ? a->alpha : 0.001)))
        return fail_rc(rc, "srm");
    out o = {a->json, 1};
    o_begin(&o);
    o_num(&o, "chi2", "chi-square", r.chi2);
    o_int(&o, "dof", "degrees of freedom", (long long)r.dof);
    o_p(&o, "p", "p", r.p, r.log_p);
    char verdict[160];
    if (r.mismatch)
        snprintf(verdict, sizeof verdict,
                 "sample-ratio mismatch at alpha %g: the split differs from the plan; do not trust the results",
                 r.alpha);
    else
        snprintf(verdict, sizeof verdict, "no evidence of a sample-ratio mismatch at alpha %g", r.alpha);
    o_num(&o, "alpha", "alpha", r.alpha);
    if (o.json) {
        o_key(&o, "mismatch");
        printf(r.mismatch ? "true" : "false");
    }
    o_str(&o, "verdict", "verdict", verdict);
    o_end(&o);
    return 0;
}

int cmd_abtest(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(abtest_overview, argc < 2 ? stderr : stdout);
        fputs("\nmore tests:\n", argc < 2 ? stderr : stdout);
        fputs(abtest_decide_overview, argc < 2 ? stderr : stdout);
        fputs(abtest_seq_overview, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    int adjusted = abtest_adjust_main(argc, argv); /* adjust, poststrat, quantile, bootstrap */
    if (adjusted >= 0)
        return adjusted;
    int decided = cmd_abtest_decide(argc, argv);
    if (decided >= 0)
        return decided;
    int sequenced = cmd_abtest_seq(argc, argv); /* bayes, sequence, gsd */
    if (sequenced >= 0)
        return sequenced;
    const abtest_sub *sub = NULL;
    for (size_t k = 0; k < sizeof abtest_subs / sizeof *abtest_subs; k++)
        if (!strcmp(argv[1], abtest_subs[k].name))
            sub = &abtest_subs[k];
    if (!sub)
        return cli_fail(cmd, "unknown test '%s' (see patron abtest --help)", argv[1]) + 1;
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(sub->help, stdout);
            return 0;
        }
    args a;
    int rc = parse_args(argc, argv, &a, sub);
    if (rc)
        return rc;
    const char *t = sub->name;
    if (!strcmp(t, "proportions"))
        return run_proportions(&a);
    if (!strcmp(t, "means"))
        return run_means(&a);
    if (!strcmp(t, "survival"))
        return run_survival(&a);
    if (!strcmp(t, "power"))
        return run_power(&a);
    if (!strcmp(t, "many"))
        return run_many(&a);
    if (!strcmp(t, "assign"))
        return run_assign(&a);
    return run_srm(&a);
}
