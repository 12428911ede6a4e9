/* `patron abtest adjust|poststrat|quantile|bootstrap`: regression
 * adjustment (CUPED, ratio metrics), post-stratification, quantile
 * differences and bootstrap intervals over the C API. cmd_abtest.c hands
 * these tests to abtest_adjust_main(). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abtest_adjust.h"
#include "abtest_out.h"
#include "cli_util.h"
#include "patron.h"

static const char *cmd = "abtest";

/* ---- help ---- */

typedef struct sub {
    const char *name;
    const char *const *options; /* NULL-terminated */
    const char *help;
} sub;

static const char *const adjust_opts[] = {"--input", "--metric", "--alpha", "--format", NULL};
static const char *const poststrat_opts[] = {"--a", "--b", "--weights", "--alpha", "--format", NULL};
static const char *const quantile_opts[] = {"--input", "--q", "--alpha", "--format", NULL};
static const char *const bootstrap_opts[] = {"--input", "--stat",   "--q",   "--effect", "--replicates",
                                             "--seed",  "--cap",    "--alpha", "--format", NULL};

static const sub subs[] = {
    {"adjust", adjust_opts,
     "usage: patron abtest adjust --input rows.csv [--metric mean|ratio] [--alpha 0.05] [--format text|json]\n"
     "\n"
     "Regression adjustment (CUPED) with up to 8 pre-period covariates: the OLS\n"
     "treatment effect of y ~ 1 + T + x on the pooled data, its standard error\n"
     "from each arm's residual variance (as CUPED) and the classical OLS t-test,\n"
     "the slopes, the variance reduction and the relative lift after adjustment\n"
     "with a delta-method interval.\n"
     "\n"
     "  --input F    CSV with a header: arm,y,x1,...  (arm A/B or 0/1); with\n"
     "               --metric ratio: arm,numerator,denominator,x1,... (revenue,\n"
     "               orders, pre-period revenue, pre-period orders, ...)\n"
     "  --metric M   mean (default) or ratio (delta method, sum(num) / sum(den))\n"
     "  --alpha A    two-sided level, default 0.05\n"},
    {"poststrat", poststrat_opts,
     "usage: patron abtest poststrat --a n,mean,sd:n,mean,sd... --b n,mean,sd:... [--weights w1,w2,...]\n"
     "                               [--alpha 0.05] [--format text|json]\n"
     "\n"
     "Post-stratification by a category (new vs returning customers, ...): the\n"
     "stratum means weighted by the strata's share of all customers (or by\n"
     "--weights, e.g. the population shares), with the variance of Miratrix,\n"
     "Sekhon & Yu (2013), beside the plain difference of means.\n"
     "\n"
     "  --a        n,mean,sd of A in each stratum, strata separated by ':'\n"
     "  --b        the same for B, strata in the same order\n"
     "  --weights  share of each stratum (any scale), default the pooled sample shares\n"
     "  --alpha A  two-sided level, default 0.05\n"},
    {"quantile", quantile_opts,
     "usage: patron abtest quantile --input values.csv [--q 0.5,0.9] [--alpha 0.05] [--format text|json]\n"
     "\n"
     "Difference of quantiles of B and A (e.g. days to the second purchase, p50\n"
     "and p90): sample quantiles (linear interpolation), exact distribution-free\n"
     "interval of each arm's quantile with its coverage, and a normal interval\n"
     "of the difference from order-statistic standard errors (Deng, Knoblich &\n"
     "Lu 2018). The CSV has a header and the columns arm,value.\n"
     "\n"
     "  --q LIST   quantile levels in (0, 1), comma-separated, default 0.5\n"
     "  --alpha A  two-sided level, default 0.05\n"},
    {"bootstrap", bootstrap_opts,
     "usage: patron abtest bootstrap --input rows.csv [--stat mean|ratio|quantile|cuped] [--q 0.5]\n"
     "                               [--effect difference|relative] [--replicates 2000] [--seed 1]\n"
     "                               [--cap 0.99] [--alpha 0.05] [--format text|json]\n"
     "\n"
     "Bootstrap percentile and BCa intervals of B - A (or B / A - 1), each arm\n"
     "resampled on its own; the same --seed gives the same digits on every\n"
     "platform (the stream is specified in abtest.h). The CSV columns after arm\n"
     "are value (mean, quantile), numerator,denominator (ratio) or y,x1,...\n"
     "(cuped). --cap Q first caps column 1 at the pooled Q-quantile (winsorising;\n"
     "0.99 caps the top 1%); the caps are printed.\n"},
};

static const sub *find_sub(const char *name)
{
    for (size_t k = 0; k < sizeof subs / sizeof *subs; k++)
        if (!strcmp(name, subs[k].name))
            return &subs[k];
    return NULL;
}

/* ---- output: text or JSON ---- */

static void o_pair(out *o, const char *key, const char *label, const double *v)
{
    if (o->json) {
        o_key(o, key);
        printf("[");
        num_json(v[0]);
        printf(", ");
        num_json(v[1]);
        printf("]");
    } else if (label) {
        printf("%-28s [%.6g, %.6g]\n", label, v[0], v[1]);
    }
}

static void o_list(out *o, const char *key, const char *label, const double *v, size_t n)
{
    if (o->json) {
        o_key(o, key);
        printf("[");
        for (size_t i = 0; i < n; i++) {
            printf(i ? ", " : "");
            num_json(v[i]);
        }
        printf("]");
    } else if (label) {
        printf("%-28s", label);
        for (size_t i = 0; i < n; i++)
            printf(" %.6g", v[i]);
        printf("\n");
    }
}

/* A test: every field in JSON; in text the verdict and the interval. */
static void o_test(out *o, const char *name, const char *title, const patron_abtest_test *t, double alpha)
{
    if (o->json) {
        o_key(o, name);
        out in = {1, 1};
        printf("{");
        o_num(&in, "statistic", NULL, t->statistic);
        o_num(&in, "df", NULL, t->df);
        o_num(&in, "effect", NULL, t->effect);
        o_num(&in, "se", NULL, t->se);
        o_num(&in, "p_two_sided", NULL, t->p_two_sided);
        o_num(&in, "log_p_two_sided", NULL, t->log_p_two_sided);
        o_num(&in, "p_greater", NULL, t->p_greater);
        o_num(&in, "p_less", NULL, t->p_less);
        double ci[2] = {t->ci_low, t->ci_high};
        o_pair(&in, "ci", NULL, ci);
        o_bool(&in, "significant", t->significant);
        printf("}");
        return;
    }
    char l[64];
    printf("\n%s\n", title);
    o_num(o, NULL, "  effect B - A", t->effect);
    o_num(o, NULL, "  standard error", t->se);
    o_num(o, NULL, isnan(t->df) ? "  statistic (z)" : "  statistic (t)", t->statistic);
    if (!isnan(t->df))
        o_num(o, NULL, "  df", t->df);
    if (t->p_two_sided == 0 && isfinite(t->log_p_two_sided))
        printf("%-28s < 1e-300, log10 p = %.1f\n", "  p (two-sided)", t->log_p_two_sided / log(10));
    else
        o_num(o, NULL, "  p (two-sided)", t->p_two_sided);
    snprintf(l, sizeof l, "  %g%% CI", 100 * (1 - alpha));
    double ci[2] = {t->ci_low, t->ci_high};
    o_pair(o, NULL, l, ci);
    printf("  %-28s %s\n", "verdict",
           isnan(t->p_two_sided) ? "undefined"
           : t->significant      ? (t->effect > 0 ? "significant: B is higher" : "significant: B is lower")
                                 : "not significant");
}

/* "patron abtest: <what>: <library message>" without the C function name. */
static int fail_rc(int rc, const char *what)
{
    const char *m = patron_errmsg();
    while (!strncmp(m, "patron_", 7)) {
        const char *p = m;
        while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
            p++;
        if (p[0] != ':' || p[1] != ' ')
            break;
        m = p + 2;
    }
    if (!*m)
        m = patron_strerror(rc);
    return cli_fail(cmd, "%s: %s", what, m);
}

/* ---- input ---- */

typedef struct {
    const char *v[16];
    double alpha;
    int json;
} opts;

static int parse(int argc, char **argv, const sub *s, opts *o)
{
    memset(o, 0, sizeof *o);
    o->alpha = 0.05;
    for (int i = 2; i < argc; i++) {
        int missing = 0, done = 0;
        for (size_t k = 0; s->options[k] && !done; k++) {
            const char *v = cli_opt(argc, argv, &i, s->options[k], &missing);
            if (missing)
                return cli_fail(cmd, "%s needs a value", s->options[k]) + 1;
            if (v) {
                o->v[k] = v;
                done = 1;
            }
        }
        if (!done)
            return cli_fail(cmd, "%s does not take '%s' (see patron abtest %s --help)", s->name, argv[i], s->name) + 1;
    }
    for (size_t k = 0; s->options[k]; k++) {
        if (!o->v[k])
            continue;
        if (!strcmp(s->options[k], "--format")) {
            if (strcmp(o->v[k], "json") && strcmp(o->v[k], "text"))
                return cli_fail(cmd, "--format must be text or json, not '%s'", o->v[k]) + 1;
            o->json = !strcmp(o->v[k], "json");
        } else if (!strcmp(s->options[k], "--alpha") && cli_parse_double(o->v[k], &o->alpha)) {
            return cli_fail(cmd, "--alpha '%s' is not a number", o->v[k]) + 1;
        }
    }
    return 0;
}

static const char *opt(const sub *s, const opts *o, const char *name)
{
    for (size_t k = 0; s->options[k]; k++)
        if (!strcmp(s->options[k], name))
            return o->v[k];
    return NULL;
}

/* Rows of a CSV with a header "arm,c1,...,cp": the values of arm A and of
 * arm B, row-major. */
typedef struct {
    double *a, *b;
    size_t n_a, n_b, p;
    char names[16][32];
} table;

static void table_free(table *t)
{
    free(t->a);
    free(t->b);
}

static int push(double **v, size_t *n, size_t *cap, const double *row, size_t p)
{
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 256;
        double *nv = realloc(*v, nc * p * sizeof *nv);
        if (!nv)
            return -1;
        *v = nv;
        *cap = nc;
    }
    memcpy(*v + *n * p, row, p * sizeof *row);
    (*n)++;
    return 0;
}

static int read_table(const char *path, size_t min_p, size_t max_p, const char *columns, table *t)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f)
        return cli_fail(cmd, "cannot open '%s'", path);
    char line[4096];
    long row = 0;
    size_t cap_a = 0, cap_b = 0;
    int rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        row++;
        line[strcspn(line, "\r\n")] = 0;
        if (!*line)
            continue;
        char *fields[18];
        size_t nf = 0;
        for (char *p = line;;) {
            if (nf == 18) {
                rc = cli_fail(cmd, "%s row %ld: more than 17 columns", path, row);
                break;
            }
            fields[nf++] = p;
            char *c = strchr(p, ',');
            if (!c)
                break;
            *c = 0;
            p = c + 1;
        }
        if (rc)
            break;
        if (row == 1) {
            if (nf - 1 < min_p || nf - 1 > max_p || strcmp(fields[0], "arm")) {
                if (min_p == max_p)
                    rc = cli_fail(cmd, "%s: the header must be %s (%zu column%s after arm)", path, columns, min_p,
                                  min_p == 1 ? "" : "s");
                else
                    rc = cli_fail(cmd, "%s: the header must be %s (%zu to %zu columns after arm)", path, columns,
                                  min_p, max_p);
                break;
            }
            t->p = nf - 1;
            for (size_t i = 1; i < nf; i++)
                snprintf(t->names[i - 1], sizeof t->names[0], "%s", fields[i]);
            continue;
        }
        if (nf != t->p + 1) {
            rc = cli_fail(cmd, "%s row %ld: %zu columns, the header has %zu", path, row, nf, t->p + 1);
            break;
        }
        int arm = !strcmp(fields[0], "A") || !strcmp(fields[0], "0")   ? 0
                  : !strcmp(fields[0], "B") || !strcmp(fields[0], "1") ? 1
                                                                         : -1;
        if (arm < 0) {
            rc = cli_fail(cmd, "%s row %ld: arm '%s' is not A, B, 0 or 1", path, row, fields[0]);
            break;
        }
        double v[17];
        for (size_t i = 0; i < t->p; i++)
            if (cli_parse_double(fields[i + 1], &v[i])) {
                rc = cli_fail(cmd, "%s row %ld, column '%s': '%s' is not a number", path, row, t->names[i],
                              fields[i + 1]);
                break;
            }
        if (!rc && (arm ? push(&t->b, &t->n_b, &cap_b, v, t->p) : push(&t->a, &t->n_a, &cap_a, v, t->p)))
            rc = cli_fail(cmd, "out of memory");
    }
    fclose(f);
    if (!rc && row == 0)
        rc = cli_fail(cmd, "%s is empty (expected the header %s)", path, columns);
    if (rc)
        table_free(t);
    return rc;
}

static int parse_list(const char *s, const char *name, double *v, size_t max, size_t *count)
{
    size_t n = 0;
    const char *p = s;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        char buf[64];
        if (n == max)
            return cli_fail(cmd, "%s has more than %zu values", name, max) + 1;
        if (len >= sizeof buf)
            return cli_fail(cmd, "%s: a value is too long", name) + 1;
        memcpy(buf, p, len);
        buf[len] = 0;
        if (cli_parse_double(buf, &v[n]))
            return cli_fail(cmd, "%s: '%s' is not a number", name, buf) + 1;
        n++;
        if (!c)
            break;
        p = c + 1;
    }
    *count = n;
    return 0;
}

/* ---- subcommands ---- */

static int run_adjust(const sub *s, const opts *o)
{
    const char *input = opt(s, o, "--input"), *metric = opt(s, o, "--metric");
    if (!input)
        return cli_fail(cmd, "adjust: --input is required") + 1;
    int ratio = 0;
    if (metric && !(ratio = !strcmp(metric, "ratio")) && strcmp(metric, "mean"))
        return cli_fail(cmd, "--metric '%s' is not mean or ratio", metric) + 1;
    table t;
    int rc = ratio ? read_table(input, 2, 10, "arm,numerator,denominator,x1,...", &t)
                   : read_table(input, 1, 9, "arm,y,x1,...", &t);
    if (rc)
        return rc;
    patron_abtest_adjusted_result r = PATRON_ABTEST_INIT(patron_abtest_adjusted_result);
    rc = ratio ? patron_abtest_ratio_cuped_rows(&r, t.a, t.n_a, t.b, t.n_b, t.p, o->alpha)
               : patron_abtest_cuped_rows(&r, t.a, t.n_a, t.b, t.n_b, t.p, o->alpha);
    if (rc) {
        table_free(&t);
        return fail_rc(rc, "adjust");
    }
    out w = {o->json, 1};
    if (w.json)
        printf("{");
    size_t first_cov = ratio ? 2 : 1;
    o_str(&w, "metric", "metric", ratio ? "ratio (delta method)" : "mean");
    o_num(&w, "alpha", "alpha", r.alpha);
    o_int(&w, "n_a", "customers A", (long long)r.n_a);
    o_int(&w, "n_b", "customers B", (long long)r.n_b);
    o_int(&w, "covariates", "covariates", (long long)r.covariates);
    if (w.json) {
        o_key(&w, "covariate_names");
        printf("[");
        for (int64_t i = 0; i < r.covariates; i++)
            printf("%s\"%s\"", i ? ", " : "", t.names[first_cov + (size_t)i]);
        printf("]");
        o_list(&w, "beta", NULL, r.beta, (size_t)r.covariates);
    } else {
        for (int64_t i = 0; i < r.covariates; i++) {
            char l[64];
            snprintf(l, sizeof l, "  slope on %s", t.names[first_cov + (size_t)i]);
            o_num(&w, NULL, l, r.beta[i]);
        }
    }
    o_num(&w, "mean_a", ratio ? "ratio A" : "mean A", r.mean_a);
    o_num(&w, "mean_b", ratio ? "ratio B" : "mean B", r.mean_b);
    o_num(&w, "adjusted_mean_a", "adjusted A", r.adjusted_mean_a);
    o_num(&w, "adjusted_mean_b", "adjusted B", r.adjusted_mean_b);
    o_num(&w, "residual_var_a", "residual variance A", r.residual_var_a);
    o_num(&w, "residual_var_b", "residual variance B", r.residual_var_b);
    o_num(&w, "diff_unadjusted", "unadjusted difference", r.diff_unadjusted);
    o_num(&w, "se_unadjusted", "  its standard error", r.se_unadjusted);
    o_num(&w, "variance_reduction", "variance reduction", r.variance_reduction);
    o_num(&w, "r_squared", "R^2 within arms", r.r_squared);
    o_num(&w, "welch_df", "Welch df (residuals)", r.welch_df);
    o_num(&w, "rel_lift", "relative lift (adjusted)", r.rel_lift);
    o_num(&w, "rel_lift_se", "  standard error", r.rel_lift_se);
    o_pair(&w, "rel_lift_ci", "  CI (delta method)", r.rel_lift_ci);
    o_num(&w, "rel_lift_p", "  p", r.rel_lift_p);
    o_test(&w, "effect", "adjusted effect (per-arm residual variances)", &r.effect, o->alpha);
    if (!ratio)
        o_test(&w, "ols", "OLS t-test (classical standard error)", &r.ols, o->alpha);
    else if (w.json)
        o_test(&w, "ols", NULL, &r.ols, o->alpha);
    if (w.json)
        printf("}\n");
    table_free(&t);
    return 0;
}

static int parse_strata(const char *s, const char *name, patron_abtest_summary *v, size_t max, size_t *count)
{
    size_t n = 0;
    for (const char *p = s;;) {
        const char *c = strchr(p, ':');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        char buf[128];
        if (n == max)
            return cli_fail(cmd, "%s: more than %zu strata", name, max) + 1;
        if (len >= sizeof buf)
            return cli_fail(cmd, "%s: stratum %zu is too long", name, n) + 1;
        memcpy(buf, p, len);
        buf[len] = 0;
        double x[3];
        size_t k;
        int rc = parse_list(buf, name, x, 3, &k);
        if (rc)
            return rc;
        if (k != 3 || x[0] != floor(x[0]) || !(x[0] >= 0 && x[0] < 9e15))
            return cli_fail(cmd, "%s: stratum %zu '%s' is not n,mean,sd", name, n, buf) + 1;
        v[n].n = (int64_t)x[0];
        v[n].mean = x[1];
        v[n].sd = x[2];
        n++;
        if (!c)
            break;
        p = c + 1;
    }
    *count = n;
    return 0;
}

static int run_poststrat(const sub *s, const opts *o)
{
    const char *sa = opt(s, o, "--a"), *sb = opt(s, o, "--b"), *sw = opt(s, o, "--weights");
    if (!sa || !sb)
        return cli_fail(cmd, "poststrat: --a and --b are required") + 1;
    patron_abtest_summary a[64], b[64];
    double w[64];
    size_t na, nb, nw = 0;
    int rc;
    if ((rc = parse_strata(sa, "--a", a, 64, &na)) || (rc = parse_strata(sb, "--b", b, 64, &nb)) ||
        (sw && (rc = parse_list(sw, "--weights", w, 64, &nw))))
        return rc;
    if (na != nb)
        return cli_fail(cmd, "poststrat: --a has %zu strata but --b has %zu", na, nb) + 1;
    if (sw && nw != na)
        return cli_fail(cmd, "poststrat: --weights has %zu values for %zu strata", nw, na) + 1;
    patron_abtest_poststrat_result r = PATRON_ABTEST_INIT(patron_abtest_poststrat_result);
    if ((rc = patron_abtest_poststratify(&r, a, b, sw ? w : NULL, na, o->alpha)))
        return fail_rc(rc, "poststrat");
    out x = {o->json, 1};
    if (x.json)
        printf("{");
    o_num(&x, "alpha", "alpha", r.alpha);
    o_int(&x, "strata", "strata", (long long)r.strata);
    o_str(&x, "weights", "weights", sw ? "given" : "pooled sample shares");
    o_num(&x, "mean_a", "post-stratified mean A", r.mean_a);
    o_num(&x, "mean_b", "post-stratified mean B", r.mean_b);
    o_num(&x, "diff_unadjusted", "plain difference of means", r.diff_unadjusted);
    o_num(&x, "se_unadjusted", "  its standard error", r.se_unadjusted);
    o_num(&x, "variance_reduction", "variance reduction", r.variance_reduction);
    o_num(&x, "rel_lift", "relative lift", r.rel_lift);
    o_num(&x, "rel_lift_se", "  standard error", r.rel_lift_se);
    o_pair(&x, "rel_lift_ci", "  CI (delta method)", r.rel_lift_ci);
    o_test(&x, "effect", "post-stratified effect", &r.effect, o->alpha);
    if (x.json)
        printf("}\n");
    return 0;
}

static int run_quantile(const sub *s, const opts *o)
{
    const char *input = opt(s, o, "--input"), *sq = opt(s, o, "--q");
    if (!input)
        return cli_fail(cmd, "quantile: --input is required") + 1;
    double q[16] = {0.5};
    size_t nq = 1;
    int rc;
    if (sq && (rc = parse_list(sq, "--q", q, 16, &nq)))
        return rc;
    table t;
    if ((rc = read_table(input, 1, 1, "arm,value", &t)))
        return rc;
    out x = {o->json, 1};
    if (x.json)
        printf("{\"alpha\": %.17g, \"quantiles\": [", o->alpha);
    else
        printf("%-28s %g\n%-30s %zu\n%-30s %zu\n", "alpha", o->alpha, "customers A", t.n_a, "customers B", t.n_b);
    for (size_t k = 0; k < nq && !rc; k++) {
        patron_abtest_quantile_result r = PATRON_ABTEST_INIT(patron_abtest_quantile_result);
        if ((rc = patron_abtest_quantile(&r, t.a, t.n_a, t.b, t.n_b, q[k], o->alpha))) {
            if (x.json)
                printf("]}\n");
            rc = fail_rc(rc, "quantile");
            break;
        }
        char l[64];
        if (x.json) {
            printf(k ? ", {" : "{");
            x.first = 1;
        } else {
            printf("\nquantile %g\n", q[k]);
        }
        o_num(&x, "q", NULL, r.q);
        o_num(&x, "quantile_a", "  A", r.quantile_a);
        snprintf(l, sizeof l, "  A exact CI (coverage %.4f)", r.coverage_a);
        o_pair(&x, "ci_a", l, r.ci_a);
        o_num(&x, "coverage_a", NULL, r.coverage_a);
        o_num(&x, "se_a", "  A standard error", r.se_a);
        o_num(&x, "quantile_b", "  B", r.quantile_b);
        snprintf(l, sizeof l, "  B exact CI (coverage %.4f)", r.coverage_b);
        o_pair(&x, "ci_b", l, r.ci_b);
        o_num(&x, "coverage_b", NULL, r.coverage_b);
        o_num(&x, "se_b", "  B standard error", r.se_b);
        o_num(&x, "rel_lift", "  relative lift", r.rel_lift);
        o_num(&x, "rel_lift_se", "    standard error", r.rel_lift_se);
        o_pair(&x, "rel_lift_ci", "    CI (delta method)", r.rel_lift_ci);
        o_num(&x, "alpha", NULL, r.alpha);
        o_test(&x, "diff", "  difference B - A", &r.diff, o->alpha);
        if (x.json)
            printf("}");
    }
    if (!rc && x.json)
        printf("]}\n");
    table_free(&t);
    return rc;
}

static int run_bootstrap(const sub *s, const opts *o)
{
    const char *input = opt(s, o, "--input"), *st = opt(s, o, "--stat"), *eff = opt(s, o, "--effect");
    if (!input)
        return cli_fail(cmd, "bootstrap: --input is required") + 1;
    static const char *stats[] = {"mean", "ratio", "quantile", "cuped"};
    int stat = 0;
    if (st) {
        stat = -1;
        for (int k = 0; k < 4; k++)
            if (!strcmp(st, stats[k]))
                stat = k;
        if (stat < 0)
            return cli_fail(cmd, "--stat '%s' is not mean, ratio, quantile or cuped", st) + 1;
    }
    patron_abtest_boot_options bo = PATRON_ABTEST_BOOT_OPTIONS_INIT;
    bo.alpha = o->alpha;
    if (eff && !(bo.relative = !strcmp(eff, "relative")) && strcmp(eff, "difference"))
        return cli_fail(cmd, "--effect '%s' is not difference or relative", eff) + 1;
    const char *v;
    double d;
    if ((v = opt(s, o, "--q")) && cli_parse_double(v, &bo.q))
        return cli_fail(cmd, "--q '%s' is not a number", v) + 1;
    if ((v = opt(s, o, "--replicates")) && cli_parse_int64(v, &bo.replicates))
        return cli_fail(cmd, "--replicates '%s' is not a whole number", v) + 1;
    if ((v = opt(s, o, "--seed"))) {
        int64_t sd;
        if (cli_parse_int64(v, &sd) || sd < 0)
            return cli_fail(cmd, "--seed '%s' is not a whole number >= 0", v) + 1;
        bo.seed = (uint64_t)sd;
    }
    double cap = NAN;
    if ((v = opt(s, o, "--cap")) && (cli_parse_double(v, &d) || !(d > 0 && d < 1)))
        return cli_fail(cmd, "--cap '%s' is not a quantile level in (0, 1)", v) + 1;
    if (v)
        cap = d;
    static const char *columns[] = {"arm,value", "arm,numerator,denominator", "arm,value", "arm,y,x1,..."};
    size_t lo = stat == 1 ? 2 : stat == 3 ? 2 : 1, hi = stat == 1 ? 2 : stat == 3 ? 9 : 1;
    table t;
    int rc = read_table(input, lo, hi, columns[stat], &t);
    if (rc)
        return rc;
    double caps[2] = {-INFINITY, INFINITY};
    if (!isnan(cap)) {
        /* winsorise column 1 (the value, numerator or outcome) */
        double *ca = malloc((t.n_a + 1) * sizeof *ca), *cb = malloc((t.n_b + 1) * sizeof *cb);
        if (!ca || !cb) {
            free(ca);
            free(cb);
            table_free(&t);
            return cli_fail(cmd, "out of memory");
        }
        for (size_t i = 0; i < t.n_a; i++)
            ca[i] = t.a[i * t.p];
        for (size_t i = 0; i < t.n_b; i++)
            cb[i] = t.b[i * t.p];
        rc = patron_abtest_winsorize(ca, cb, &caps[0], &caps[1], ca, t.n_a, cb, t.n_b, 0, cap);
        for (size_t i = 0; !rc && i < t.n_a; i++)
            t.a[i * t.p] = ca[i];
        for (size_t i = 0; !rc && i < t.n_b; i++)
            t.b[i * t.p] = cb[i];
        free(ca);
        free(cb);
        if (rc) {
            table_free(&t);
            return fail_rc(rc, "bootstrap --cap");
        }
    }
    patron_abtest_boot_result r = PATRON_ABTEST_INIT(patron_abtest_boot_result);
    rc = patron_abtest_bootstrap(&r, t.a, t.n_a, t.b, t.n_b, t.p, stat, &bo);
    table_free(&t);
    if (rc)
        return fail_rc(rc, "bootstrap");
    out x = {o->json, 1};
    char l[64];
    if (x.json)
        printf("{");
    o_str(&x, "stat", "statistic", stats[r.stat]);
    if (r.stat == PATRON_ABTEST_BOOT_QUANTILE)
        o_num(&x, "q", "quantile", bo.q);
    o_str(&x, "effect", "effect", r.relative ? "relative lift B / A - 1" : "difference B - A");
    o_bool(&x, "relative", r.relative);
    o_num(&x, "alpha", "alpha", r.alpha);
    o_int(&x, "replicates", "replicates", (long long)r.replicates);
    if (x.json) {
        o_key(&x, "seed");
        printf("%llu", (unsigned long long)r.seed);
    } else {
        printf("%-28s %llu\n", "seed", (unsigned long long)r.seed);
    }
    if (!isnan(cap)) {
        o_num(&x, "cap_quantile", "capped at pooled quantile", cap);
        o_num(&x, "cap_high", "  cap", caps[1]);
    }
    o_num(&x, "estimate", "estimate", r.estimate);
    o_num(&x, "se", "bootstrap standard error", r.se);
    o_num(&x, "bias", "bias (replicates - estimate)", r.bias);
    snprintf(l, sizeof l, "%g%% percentile interval", 100 * (1 - r.alpha));
    o_pair(&x, "ci_percentile", l, r.ci_percentile);
    snprintf(l, sizeof l, "%g%% BCa interval", 100 * (1 - r.alpha));
    if (r.bca_available || x.json)
        o_pair(&x, "ci_bca", l, r.ci_bca);
    else
        printf("%-28s %s\n", l, "not available for quantiles (not smooth)");
    o_num(&x, "z0", "  BCa bias correction z0", r.z0);
    o_num(&x, "acceleration", "  BCa acceleration", r.acceleration);
    o_bool(&x, "bca_available", r.bca_available);
    if (x.json)
        printf("}\n");
    return 0;
}

int abtest_adjust_main(int argc, char **argv)
{
    const sub *s = argc >= 2 ? find_sub(argv[1]) : NULL;
    if (!s)
        return -1;
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(s->help, stdout);
            return 0;
        }
    opts o;
    int rc = parse(argc, argv, s, &o);
    if (rc)
        return rc;
    if (!strcmp(s->name, "adjust"))
        return run_adjust(s, &o);
    if (!strcmp(s->name, "poststrat"))
        return run_poststrat(s, &o);
    if (!strcmp(s->name, "quantile"))
        return run_quantile(s, &o);
    return run_bootstrap(s, &o);
}
