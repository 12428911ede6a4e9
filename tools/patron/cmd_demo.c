/* `patron demo`: the main job end to end on a simulated customer base.
 *
 * The demo is a list of steps sharing one context; later capabilities (CLV
 * predictions, an A/B test) add steps. Output is plain aligned text and
 * deterministic for a given seed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_time.h"
#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage_text[] =
    "usage: patron demo [--customers N] [--seed S]\n"
    "\n"
    "Runs the main job end to end on simulated data and prints a summary:\n"
    "  1. simulate a customer base like the CDNOW cohort (BG/NBD purchases with\n"
    "     the paper's parameters, Gamma-Gamma spend, 12 weeks of acquisition,\n"
    "     78 weeks observed from 1997-01-01);\n"
    "  2. summarise the purchases per customer.\n"
    "\n"
    "options:\n"
    "  --customers N   customers to simulate (default 23570, the CDNOW cohort size)\n"
    "  --seed S        seed (default 42); the same seed prints the same report\n"
    "  --help          this text\n";

typedef struct demo_ctx {
    patron_sim_options opts;
    patron_sim *sim;
} demo_ctx;

/* "1234567" -> "1,234,567". */
static const char *thousands(char *buf, size_t size, long long v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%lld", v < 0 ? -v : v), o = 0;
    if (v < 0 && (size_t)o + 1 < size)
        buf[o++] = '-';
    for (int i = 0; i < n && (size_t)o + 2 < size; i++) {
        buf[o++] = tmp[i];
        if ((n - i - 1) % 3 == 0 && i != n - 1)
            buf[o++] = ',';
    }
    buf[o] = '\0';
    return buf;
}

/* Money from minor units: "1,234.56". */
static const char *money(char *buf, size_t size, long long minor)
{
    char whole[32];
    thousands(whole, sizeof whole, minor / 100);
    snprintf(buf, size, "%s.%02lld", whole, (minor < 0 ? -minor : minor) % 100);
    return buf;
}

static int step_simulate(demo_ctx *c)
{
    patron_sim_options *o = &c->opts;
    int rc = patron_sim_run(&c->sim, o);
    if (rc)
        return cli_fail_rc("demo", rc, "cannot simulate");
    char a[48], b[48], d[48];
    cli_format_utc(d, sizeof d, o->start, 1);
    printf("  %-22s BG/NBD  r = %g, alpha = %g, a = %g, b = %g (per week)\n", "purchase model", o->r,
           o->alpha, o->a, o->b);
    printf("  %-22s Gamma-Gamma  p = %g, q = %g, gamma = %g (mean %.2f per purchase)\n",
           "spend model", o->spend_p, o->spend_q, o->spend_gamma,
           o->spend_p * o->spend_gamma / (o->spend_q - 1));
    printf("  %-22s %s, first purchases over %g weeks from %s\n", "customers",
           thousands(a, sizeof a, o->customers), o->cohort_periods, d);
    printf("  %-22s %g weeks\n", "observed for", o->periods);
    printf("  %-22s %s (seed %llu)\n", "transactions",
           thousands(b, sizeof b, (long long)patron_sim_n_transactions(c->sim)),
           (unsigned long long)o->seed);
    return 0;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

typedef struct cust_total {
    int64_t id, orders, total, first, last;
} cust_total;

static int cmp_total_desc(const void *x, const void *y)
{
    const cust_total *a = x, *b = y;
    if (a->total != b->total)
        return (a->total < b->total) - (a->total > b->total);
    return (a->id > b->id) - (a->id < b->id);
}

/* Per-customer purchase statistics straight from the simulated log. */
static int step_customers(demo_ctx *c)
{
    size_t n = patron_sim_n_transactions(c->sim), nc = patron_sim_n_customers(c->sim);
    const int64_t *cu = patron_sim_tx_customer(c->sim), *tm = patron_sim_tx_time(c->sim),
                  *am = patron_sim_tx_amount(c->sim);
    cust_total *ct = calloc(nc, sizeof *ct);
    int64_t *amounts = malloc(n * sizeof *amounts);
    if (!ct || !amounts) {
        free(ct);
        free(amounts);
        return cli_fail("demo", "out of memory");
    }
    int64_t revenue = 0;
    for (size_t i = 0; i < n; i++) {
        cust_total *t = &ct[cu[i]];
        if (t->orders == 0) {
            t->id = cu[i];
            t->first = tm[i];
        }
        t->orders++;
        t->total += am[i];
        t->last = tm[i];
        revenue += am[i];
        amounts[i] = am[i];
    }
    size_t repeaters = 0;
    double repeat_sum = 0, span_sum = 0;
    for (size_t k = 0; k < nc; k++) {
        repeaters += ct[k].orders > 1;
        repeat_sum += (double)(ct[k].orders - 1);
        span_sum += (double)(ct[k].last - ct[k].first) / (7 * 86400.0);
    }
    qsort(amounts, n, sizeof *amounts, cmp_i64);
    char a[48], b[48];
    printf("  %-22s %s\n", "customers", thousands(a, sizeof a, (long long)nc));
    printf("  %-22s %s\n", "transactions", thousands(a, sizeof a, (long long)n));
    printf("  %-22s %s (%.1f%% of customers)\n", "repeat buyers",
           thousands(a, sizeof a, (long long)repeaters), 100.0 * (double)repeaters / (double)nc);
    printf("  %-22s %.3f per customer\n", "repeat purchases", repeat_sum / (double)nc);
    printf("  %-22s %.2f weeks (first to last purchase)\n", "mean active span",
           span_sum / (double)nc);
    printf("  %-22s %s (%s per customer)\n", "revenue", money(a, sizeof a, revenue),
           money(b, sizeof b, revenue / (int64_t)nc));
    printf("  %-22s", "spend per purchase");
    static const struct {
        const char *name;
        double q;
    } pct[] = {{"p10", 0.10}, {"p25", 0.25}, {"p50", 0.50}, {"p75", 0.75}, {"p90", 0.90}, {"p99", 0.99}};
    for (size_t k = 0; k < sizeof pct / sizeof pct[0]; k++) {
        size_t idx = (size_t)(pct[k].q * (double)(n - 1) + 0.5);
        printf(" %s %s", pct[k].name, money(a, sizeof a, amounts[idx]));
    }
    printf("\n\n  top customers by total spend\n");
    printf("    %4s  %11s  %6s  %12s  %-10s  %s\n", "rank", "customer", "orders", "total",
           "first", "last");
    qsort(ct, nc, sizeof *ct, cmp_total_desc);
    for (size_t k = 0; k < 5 && k < nc; k++) {
        char f[48], l[48];
        cli_format_utc(f, sizeof f, ct[k].first, 1);
        cli_format_utc(l, sizeof l, ct[k].last, 1);
        printf("    %4zu  %11lld  %6lld  %12s  %-10s  %s\n", k + 1, (long long)ct[k].id,
               (long long)ct[k].orders, money(a, sizeof a, ct[k].total), f, l);
    }
    free(ct);
    free(amounts);
    return 0;
}

static const struct {
    const char *title;
    int (*run)(demo_ctx *);
} steps[] = {
    {"Simulate a customer base", step_simulate},
    {"Summarise purchases per customer", step_customers},
};

int cmd_demo(int argc, char **argv)
{
    demo_ctx c;
    memset(&c, 0, sizeof c);
    patron_sim_options_init(&c.opts);
    c.opts.model = PATRON_SIM_BGNBD;
    c.opts.r = 0.243; /* Fader, Hardie & Lee (2005), CDNOW, weeks */
    c.opts.alpha = 4.414;
    c.opts.a = 0.793;
    c.opts.b = 2.426;
    c.opts.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
    c.opts.spend_p = 6.25; /* Fader & Hardie (2013), CDNOW */
    c.opts.spend_q = 3.74;
    c.opts.spend_gamma = 15.44;
    c.opts.customers = 23570;
    c.opts.periods = 78;
    c.opts.cohort_periods = 12;
    c.opts.period_seconds = 7 * 86400;
    c.opts.start = 852076800; /* 1997-01-01T00:00:00Z */
    c.opts.seed = 42;
    for (int i = 1; i < argc; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            return 0;
        } else if ((v = cli_opt(argc, argv, &i, "--customers", &missing)) != NULL) {
            if (cli_parse_int64(v, &c.opts.customers))
                return cli_fail("demo", "--customers: '%s' is not an integer", v), 2;
        } else if ((v = cli_opt(argc, argv, &i, "--seed", &missing)) != NULL) {
            int64_t s;
            if (cli_parse_int64(v, &s) || s < 0)
                return cli_fail("demo", "--seed: '%s' is not a non-negative integer", v), 2;
            c.opts.seed = (uint64_t)s;
        } else if (missing) {
            return cli_fail("demo", "%s needs a value", argv[i]), 2;
        } else {
            return cli_fail("demo", "unknown option '%s' (try `patron demo --help`)", argv[i]), 2;
        }
    }

    printf("patron demo: the main job on a simulated customer base (libpatron %s)\n",
           patron_version_string());
    int rc = 0;
    size_t nsteps = sizeof steps / sizeof steps[0];
    for (size_t k = 0; k < nsteps && rc == 0; k++) {
        printf("\n[%zu/%zu] %s\n", k + 1, nsteps, steps[k].title);
        rc = steps[k].run(&c);
    }
    patron_sim_free(c.sim);
    if (rc == 0)
        printf("\ndone.\n");
    return rc;
}
