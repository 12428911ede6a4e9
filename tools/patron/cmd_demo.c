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
#include "demo.h"
#include "patron.h"

static const char usage_text[] =
    "usage: patron demo [--customers N] [--seed S]\n"
    "\n"
    "Runs the main job end to end on simulated data and prints a summary:\n"
    "  1. simulate a customer base like the CDNOW cohort (BG/NBD purchases with\n"
    "     the paper's parameters, Gamma-Gamma spend, 12 weeks of acquisition,\n"
    "     78 weeks observed from 1997-01-01);\n"
    "  2. load the transactions into a transaction log;\n"
    "  3. summarise the purchases per customer as lifetimes does (frequency,\n"
    "     recency, T in days, monetary value) and show the distribution;\n"
    "  4. fit BG/NBD and Gamma-Gamma to the summary, predict purchases, P(alive)\n"
    "     and 12-month customer value;\n"
    "  5. segment the customers: lifecycle segments, RFM, and at-risk customers\n"
    "     worth a retention offer;\n"
    "  6. assign everyone to a 50/50 experiment and run an A/A test, which must\n"
    "     find no difference (a check of the assignment and the statistics).\n"
    "\n"
    "options:\n"
    "  --customers N   customers to simulate (default 23570, the CDNOW cohort size)\n"
    "  --seed S        seed (default 42); the same seed prints the same report\n"
    "  --help          this text\n";



/* "1234567" -> "1,234,567". */
const char *demo_thousands(char *buf, size_t size, long long v)
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
const char *demo_money(char *buf, size_t size, long long minor)
{
    char whole[32];
    demo_thousands(whole, sizeof whole, minor / 100);
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
           demo_thousands(a, sizeof a, o->customers), o->cohort_periods, d);
    printf("  %-22s %g weeks\n", "observed for", o->periods);
    printf("  %-22s %llu (`patron demo --seed S` draws another base)\n", "seed",
           (unsigned long long)o->seed);
    printf("  %-22s %s\n", "transactions",
           demo_thousands(b, sizeof b, (long long)patron_sim_n_transactions(c->sim)));
    return 0;
}

/* Step 2: the simulated arrays become a transaction log (integer ids). */
static int step_load(demo_ctx *c)
{
    patron_txlog_options lo = PATRON_TXLOG_OPTIONS_INIT; /* amounts in cents */
    int rc = patron_txlog_new(&c->log, &lo);
    if (rc == 0)
        rc = patron_txlog_add_batch(c->log, patron_sim_tx_customer(c->sim),
                                    patron_sim_tx_time(c->sim), patron_sim_tx_amount(c->sim),
                                    patron_sim_n_transactions(c->sim));
    if (rc)
        return cli_fail_rc("demo", rc, "cannot load the transaction log");
    char a[48], b[48];
    printf("  %-22s %s purchases of %s customers\n", "transaction log",
           demo_thousands(a, sizeof a, (long long)patron_txlog_count(c->log)),
           demo_thousands(b, sizeof b, (long long)patron_txlog_customers(c->log)));
    printf("  %-22s %.1f MB\n", "memory", (double)patron_txlog_memory(c->log) / 1e6);
    return 0;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static const double pct_q[] = {0.10, 0.25, 0.50, 0.75, 0.90, 0.99};
#define N_PCT (sizeof pct_q / sizeof pct_q[0])

/* One row of the percentile table: nearest-rank percentiles of @p v
 * (sorted in place), as money or as plain numbers. */
static void print_percentiles(const char *label, double *v, size_t n, int as_money)
{
    qsort(v, n, sizeof *v, cmp_double);
    printf("    %-20s", label);
    for (size_t k = 0; k < N_PCT; k++) {
        char a[48];
        double x = n ? v[(size_t)(pct_q[k] * (double)(n - 1) + 0.5)] : 0.0;
        if (as_money)
            printf(" %9s", demo_money(a, sizeof a, (long long)(x * 100 + 0.5)));
        else
            printf(" %9g", x);
    }
    printf("\n");
}

typedef struct top_row {
    size_t row;
    int64_t total;
} top_row;

static int cmp_top(const void *x, const void *y)
{
    const top_row *a = x, *b = y;
    if (a->total != b->total)
        return (a->total < b->total) - (a->total > b->total);
    return (a->row > b->row) - (a->row < b->row);
}

/* Step 3: lifetimes-style per-customer summary (days), and what it shows. */
static int step_summarise(demo_ctx *c)
{
    const patron_sim_options *o = &c->opts;
    patron_summary_options so = PATRON_SUMMARY_OPTIONS_INIT;
    so.period = PATRON_PERIOD_DAY;
    /* The last second of the observation window (1998-06-30T23:59:59Z by default). */
    so.observation_end = o->start + (int64_t)(o->periods * (double)o->period_seconds) - 1;
    c->now = so.observation_end;
    int rc = patron_summarize(&c->frame, c->log, &so);
    if (rc)
        return cli_fail_rc("demo", rc, "cannot summarise");
    size_t n = patron_frame_rows(c->frame);
    const double *freq = patron_frame_double_by_name(c->frame, "frequency");
    const double *rec = patron_frame_double_by_name(c->frame, "recency");
    const double *T = patron_frame_double_by_name(c->frame, "T");
    const double *mon = patron_frame_double_by_name(c->frame, "monetary_value");
    const int64_t *orders = patron_frame_int64_by_name(c->frame, "orders");
    const int64_t *total = patron_frame_int64_by_name(c->frame, "total_spend");
    if (!freq || !rec || !T || !mon || !orders || !total || n == 0)
        return cli_fail("demo", "the summary frame lacks the expected columns");

    double *scratch = malloc(n * sizeof *scratch);
    top_row *top = malloc(n * sizeof *top);
    if (!scratch || !top) {
        free(scratch);
        free(top);
        return cli_fail("demo", "out of memory");
    }
    /* Money columns of the frame are in minor units (cents). */
    double unit = 1.0;
    for (int d = patron_frame_decimals(c->frame); d > 0; d--)
        unit *= 10.0;
    size_t repeaters = 0;
    double sf = 0, sr = 0, sT = 0, sm = 0;
    int64_t norders = 0, revenue = 0;
    for (size_t i = 0; i < n; i++) {
        repeaters += freq[i] > 0;
        sf += freq[i];
        sr += rec[i];
        sT += T[i];
        sm += freq[i] > 0 ? mon[i] / unit : 0;
        norders += orders[i];
        revenue += total[i];
    }
    char a[48], b[48];
    printf("  %-22s %s (one row per customer, periods of one day)\n", "customers",
           demo_thousands(a, sizeof a, (long long)n));
    printf("  %-22s %s\n", "transactions", demo_thousands(a, sizeof a, (long long)norders));
    printf("  %-22s %s (%.1f%% of customers)\n", "repeat buyers",
           demo_thousands(a, sizeof a, (long long)repeaters), 100.0 * (double)repeaters / (double)n);
    printf("  %-22s %.3f repeat purchase days per customer\n", "mean frequency", sf / (double)n);
    printf("  %-22s %.1f days (first to last purchase)\n", "mean recency", sr / (double)n);
    char end_date[48];
    cli_format_utc(end_date, sizeof end_date, so.observation_end, 1);
    printf("  %-22s %.1f days (first purchase to the end, %s)\n", "mean T", sT / (double)n,
           end_date);
    printf("  %-22s %s (%s per customer)\n", "revenue", demo_money(a, sizeof a, revenue),
           demo_money(b, sizeof b, revenue / (int64_t)n));
    if (repeaters)
        printf("  %-22s %.2f (mean over repeat buyers)\n", "monetary value",
               sm / (double)repeaters);
    printf("\n  %-22s", "percentiles");
    for (size_t q = 0; q < N_PCT; q++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", (int)(pct_q[q] * 100 + 0.5));
        printf(" %9s", name);
    }
    printf("\n");
    for (size_t i = 0; i < n; i++)
        scratch[i] = (double)total[i] / unit;
    print_percentiles("spend per customer", scratch, n, 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (freq[i] > 0)
            scratch[k++] = mon[i] / unit;
    print_percentiles("monetary value (*)", scratch, k, 1);
    for (size_t i = 0; i < n; i++)
        scratch[i] = freq[i];
    print_percentiles("frequency", scratch, n, 0);
    printf("    (*) repeat buyers only\n");

    for (size_t i = 0; i < n; i++) {
        top[i].row = i;
        top[i].total = total[i];
    }
    qsort(top, n, sizeof *top, cmp_top);
    printf("\n  top customers by total spend\n");
    printf("    %4s  %11s  %6s  %9s  %7s  %5s  %12s\n", "rank", "customer", "orders",
           "frequency", "recency", "T", "total");
    for (size_t r = 0; r < 5 && r < n; r++) {
        size_t i = top[r].row;
        char id[32];
        printf("    %4zu  %11s  %6lld  %9g  %7g  %5g  %12s\n", r + 1,
               patron_frame_id(c->frame, i, id, sizeof id), (long long)orders[i], freq[i], rec[i],
               T[i], demo_money(a, sizeof a, top[r].total));
    }
    free(scratch);
    free(top);
    return 0;
}

static const struct {
    const char *title;
    int (*run)(demo_ctx *);
} steps[] = {
    {"Simulate a customer base", step_simulate},
    {"Load the transactions into a log", step_load},
    {"Summarise purchases per customer", step_summarise},
    {"Model repeat buying and customer value (BG/NBD, Gamma-Gamma)", demo_step_clv},
    {"Segment the customers (lifecycle, RFM, worth saving)", demo_step_segments},
    {"Check the experiment set-up with an A/A test", demo_step_experiment},
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
    patron_frame_free(c.frame);
    patron_txlog_free(c.log);
    patron_sim_free(c.sim);
    if (rc == 0)
        printf("\ndone.\n");
    return rc;
}
