/* `patron simulate`: write a synthetic transaction log (CSV) drawn from a
 * buy-till-you-die model with optional Gamma-Gamma spend. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_time.h"
#include "cli_progress.h"
#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage_text[] =
    "usage: patron simulate --model MODEL PARAMETERS --customers N (--days D | --periods P)\n"
    "                       [--seed S] [--spend gamma-gamma --p P --q Q --gamma G] [options]\n"
    "\n"
    "Writes a synthetic transaction log as CSV (customer_id,date,amount), reproducible\n"
    "for a given seed on every platform. Customer ids are 0 .. N-1; every customer's\n"
    "first purchase is at birth, then repeat purchases follow the model.\n"
    "\n"
    "models and their parameters (named as in the papers; rates are per period):\n"
    "  bgnbd    BG/NBD      --r R --alpha A --a A --b B\n"
    "  mbgnbd   MBG/NBD     --r R --alpha A --a A --b B\n"
    "  pnbd     Pareto/NBD  --r R --alpha A --s S --beta B\n"
    "  bgbb     BG/BB       --alpha A --beta B --gamma G --delta D  (one opportunity per period)\n"
    "\n"
    "spend (Gamma-Gamma, in currency units; amounts are written with 2 decimals):\n"
    "  --spend gamma-gamma --p P --q Q --gamma G\n"
    "           with --model bgbb, --gamma is the dropout parameter: give the spend\n"
    "           gamma as --spend-gamma G (accepted with every model)\n"
    "\n"
    "options:\n"
    "  --customers N        number of customers (required)\n"
    "  --days D             observe D days (same as --periods D --period day)\n"
    "  --periods P          observe P periods\n"
    "  --period day|week|SECONDS   length of a model period (default day)\n"
    "  --cohort P           spread first purchases uniformly over the first P periods\n"
    "                       (default 0: every customer starts at the start time)\n"
    "  --start DATE         start time, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (default 2024-01-01)\n"
    "  --seed S             seed, 0 .. 2^64-1 (default 1)\n"
    "  --time-format iso|date|epoch   date column: YYYY-MM-DDTHH:MM:SSZ (default),\n"
    "                       YYYY-MM-DD, or seconds since 1970-01-01 UTC\n"
    "  --max-transactions N refuse to write more rows than this (default 100000000)\n"
    "  --output FILE        write to FILE instead of standard output\n"
    "  --truth FILE         also write each customer's exact model values to FILE as\n"
    "                       customer_id,frequency,recency,T,monetary_value (x, t_x and T\n"
    "                       in periods, unrounded; mean repeat spend before rounding to\n"
    "                       cents), the columns `patron summary` writes, for\n"
    "                       parameter-recovery checks of the CLV fits\n"
    "  --help               this text\n"
    "\n"
    "example:\n"
    "  patron simulate --model bgnbd --r 0.243 --alpha 4.414 --a 0.793 --b 2.426 \\\n"
    "      --period week --periods 78 --cohort 12 --customers 2357 --seed 1 \\\n"
    "      --spend gamma-gamma --p 6.25 --q 3.74 --gamma 15.44 --output tx.csv\n";

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

/* Buffered CSV writer. */
typedef struct out_buf {
    FILE *f;
    char buf[1 << 16];
    size_t n;
    int err;
} out_buf;

static void ob_flush(out_buf *o)
{
    if (o->n && fwrite(o->buf, 1, o->n, o->f) != o->n)
        o->err = 1;
    o->n = 0;
}

static void ob_put(out_buf *o, const char *s, size_t n)
{
    if (o->n + n > sizeof o->buf)
        ob_flush(o);
    memcpy(o->buf + o->n, s, n);
    o->n += n;
}

/* Decimal digits of v (>= 0) into the end of tmp; returns the start. */
static char *fmt_u(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

static void put_int(out_buf *o, int64_t v)
{
    char tmp[24], *end = tmp + sizeof tmp, *p;
    if (v < 0) {
        p = fmt_u(end, (uint64_t)0 - (uint64_t)v);
        *--p = '-';
    } else {
        p = fmt_u(end, (uint64_t)v);
    }
    ob_put(o, p, (size_t)(end - p));
}

/* Minor units (cents) as a decimal with two places. */
static void put_amount(out_buf *o, int64_t minor)
{
    char tmp[32], *end = tmp + sizeof tmp, *p = end;
    uint64_t u = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    *--p = (char)('0' + u % 10);
    *--p = (char)('0' + u / 10 % 10);
    *--p = '.';
    p = fmt_u(p, u / 100);
    if (minor < 0)
        *--p = '-';
    ob_put(o, p, (size_t)(end - p));
}

enum time_format { TF_ISO, TF_DATE, TF_EPOCH };

/* The per-customer truth; %.17g reads back to the same double. */
static int write_truth(const char *path, const patron_sim *sim)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = patron_sim_n_customers(sim);
    const double *x = patron_sim_x(sim), *tx = patron_sim_t_x(sim), *T = patron_sim_T(sim),
                 *m = patron_sim_monetary(sim);
    int err = fputs("customer_id,frequency,recency,T,monetary_value\n", f) < 0;
    for (size_t i = 0; i < n && !err; i++)
        err = fprintf(f, "%zu,%.17g,%.17g,%.17g,%.17g\n", i, x[i], tx[i], T[i], m[i]) < 0;
    if (fclose(f) != 0)
        err = 1;
    return err ? -1 : 0;
}

static int write_csv(FILE *f, const patron_sim *sim, enum time_format tf)
{
    static out_buf o;
    o.f = f;
    o.n = 0;
    o.err = 0;
    const char header[] = "customer_id,date,amount\n";
    ob_put(&o, header, sizeof header - 1);
    size_t n = patron_sim_n_transactions(sim);
    const int64_t *cu = patron_sim_tx_customer(sim), *tm = patron_sim_tx_time(sim),
                  *am = patron_sim_tx_amount(sim);
    int64_t cached_day = INT64_MIN;
    char date[48];
    int date_len = 0;
    for (size_t i = 0; i < n; i++) {
        put_int(&o, cu[i]);
        ob_put(&o, ",", 1);
        if (tf == TF_EPOCH) {
            put_int(&o, tm[i]);
        } else {
            int64_t day = cli_floor_div(tm[i], 86400);
            if (day != cached_day) {
                cached_day = day;
                date_len = cli_format_utc(date, sizeof date, day * 86400, 1);
            }
            ob_put(&o, date, (size_t)date_len);
            if (tf == TF_ISO) {
                int64_t sec = tm[i] - day * 86400;
                char hms[10] = {'T',
                                (char)('0' + sec / 36000), (char)('0' + sec / 3600 % 10), ':',
                                (char)('0' + sec / 60 % 60 / 10), (char)('0' + sec / 60 % 10), ':',
                                (char)('0' + sec % 60 / 10), (char)('0' + sec % 10), 'Z'};
                ob_put(&o, hms, sizeof hms);
            }
        }
        ob_put(&o, ",", 1);
        put_amount(&o, am[i]);
        ob_put(&o, "\n", 1);
    }
    ob_flush(&o);
    return o.err ? -1 : 0;
}

int cmd_simulate(int argc, char **argv)
{
    static const char cmd[] = "simulate";
    patron_sim_options o = PATRON_SIM_OPTIONS_INIT;
    const char *model = "bgnbd", *output = NULL, *period = "day", *truth = NULL;
    const char *gamma_arg = NULL, *spend_gamma_arg = NULL, *spend = NULL;
    int have_customers = 0, have_periods = 0, have_days = 0, spend_params = 0;
    enum time_format tf = TF_ISO;

    for (int i = 1; i < argc; i++) {
        int missing = 0;
        const char *v;
        struct {
            const char *name;
            double *field;
        } dbl[] = {{"--r", &o.r},         {"--alpha", &o.alpha}, {"--a", &o.a},
                   {"--b", &o.b},         {"--s", &o.s},         {"--beta", &o.beta},
                   {"--delta", &o.delta}, {"--p", &o.spend_p},   {"--q", &o.spend_q},
                   {"--cohort", &o.cohort_periods}};
        int matched = 0;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            return 0;
        }
        for (size_t k = 0; k < sizeof dbl / sizeof dbl[0]; k++) {
            if ((v = cli_opt(argc, argv, &i, dbl[k].name, &missing)) != NULL) {
                if (cli_parse_double(v, dbl[k].field))
                    return cli_fail(cmd, "%s: '%s' is not a number", dbl[k].name, v), 2;
                if (dbl[k].field == &o.spend_p || dbl[k].field == &o.spend_q)
                    spend_params = 1;
                matched = 1;
                break;
            }
            if (missing)
                return cli_fail(cmd, "%s needs a value", dbl[k].name), 2;
        }
        if (matched)
            continue;
        if ((v = cli_opt(argc, argv, &i, "--model", &missing)) != NULL) {
            model = v;
        } else if ((v = cli_opt(argc, argv, &i, "--gamma", &missing)) != NULL) {
            gamma_arg = v;
        } else if ((v = cli_opt(argc, argv, &i, "--spend-gamma", &missing)) != NULL) {
            spend_gamma_arg = v;
        } else if ((v = cli_opt(argc, argv, &i, "--spend", &missing)) != NULL) {
            spend = v;
        } else if ((v = cli_opt(argc, argv, &i, "--customers", &missing)) != NULL) {
            if (cli_parse_int64(v, &o.customers))
                return cli_fail(cmd, "--customers: '%s' is not an integer", v), 2;
            have_customers = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--days", &missing)) != NULL) {
            if (cli_parse_double(v, &o.periods))
                return cli_fail(cmd, "--days: '%s' is not a number", v), 2;
            have_days = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--periods", &missing)) != NULL) {
            if (cli_parse_double(v, &o.periods))
                return cli_fail(cmd, "--periods: '%s' is not a number", v), 2;
            have_periods = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--period", &missing)) != NULL) {
            period = v;
        } else if ((v = cli_opt(argc, argv, &i, "--start", &missing)) != NULL) {
            if (cli_parse_utc(v, &o.start) && cli_parse_int64(v, &o.start))
                return cli_fail(cmd, "--start: '%s' is not a date (YYYY-MM-DD, "
                                "YYYY-MM-DDTHH:MM:SSZ or epoch seconds)", v), 2;
        } else if ((v = cli_opt(argc, argv, &i, "--seed", &missing)) != NULL) {
            if (parse_u64(v, &o.seed))
                return cli_fail(cmd, "--seed: '%s' is not an integer in 0 .. 2^64-1", v), 2;
        } else if ((v = cli_opt(argc, argv, &i, "--max-transactions", &missing)) != NULL) {
            if (cli_parse_int64(v, &o.max_transactions))
                return cli_fail(cmd, "--max-transactions: '%s' is not an integer", v), 2;
        } else if ((v = cli_opt(argc, argv, &i, "--time-format", &missing)) != NULL) {
            if (!strcmp(v, "iso"))
                tf = TF_ISO;
            else if (!strcmp(v, "date"))
                tf = TF_DATE;
            else if (!strcmp(v, "epoch"))
                tf = TF_EPOCH;
            else
                return cli_fail(cmd, "--time-format: '%s' is not iso, date or epoch", v), 2;
        } else if ((v = cli_opt(argc, argv, &i, "--output", &missing)) != NULL) {
            output = v;
        } else if ((v = cli_opt(argc, argv, &i, "--truth", &missing)) != NULL) {
            truth = v;
        } else if (missing) {
            return cli_fail(cmd, "%s needs a value", argv[i]), 2;
        } else {
            return cli_fail(cmd, "unknown option '%s' (try `patron simulate --help`)", argv[i]), 2;
        }
        if (missing)
            return cli_fail(cmd, "%s needs a value", argv[i]), 2;
    }

    /* The model names and the simulation model are the library's (its
     * table of models: patron_clv_model_from_name, patron_clv_sim_model),
     * the same `patron clv` accepts; Gamma-Gamma is a spend model only. */
    patron_clv_model cm;
    if (patron_clv_model_from_name(&cm, model) != PATRON_OK || !patron_clv_sim_model(cm))
        return cli_fail(cmd, "--model: '%s' is not bgnbd, mbgnbd, pnbd or bgbb", model), 2;
    o.model = patron_clv_sim_model(cm);
    /* --gamma is the model's own parameter gamma when it has one (BG/BB's
     * dropout shape), or else the Gamma-Gamma spend gamma. */
    int model_gamma = 0;
    for (int k = 0; k < patron_clv_param_count(cm); k++)
        if (!strcmp(patron_clv_param_name(cm, k), "gamma"))
            model_gamma = 1;

    if (gamma_arg) {
        double g;
        if (cli_parse_double(gamma_arg, &g))
            return cli_fail(cmd, "--gamma: '%s' is not a number", gamma_arg), 2;
        if (model_gamma) {
            o.gamma = g;
        } else {
            o.spend_gamma = g;
            spend_params = 1;
        }
    }
    if (spend_gamma_arg) {
        if (cli_parse_double(spend_gamma_arg, &o.spend_gamma))
            return cli_fail(cmd, "--spend-gamma: '%s' is not a number", spend_gamma_arg), 2;
        spend_params = 1;
    }
    if (spend && !strcmp(spend, "gamma-gamma"))
        o.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
    else if (spend && strcmp(spend, "none"))
        return cli_fail(cmd, "--spend: '%s' is not gamma-gamma or none", spend), 2;
    else if (!spend && spend_params)
        o.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
    if (o.spend && model_gamma && !spend_gamma_arg)
        return cli_fail(cmd, "with --model %s, --gamma is the dropout parameter; give the "
                        "spend gamma as --spend-gamma", patron_clv_model_name(cm)), 2;

    if (!have_customers)
        return cli_fail(cmd, "--customers is required (try `patron simulate --help`)"), 2;
    if (have_days && have_periods)
        return cli_fail(cmd, "give either --days or --periods, not both"), 2;
    if (!have_days && !have_periods)
        return cli_fail(cmd, "--days or --periods is required"), 2;
    if (have_days && strcmp(period, "day"))
        return cli_fail(cmd, "--days counts days; with --period %s use --periods", period), 2;
    if (!strcmp(period, "day"))
        o.period_seconds = 86400;
    else if (!strcmp(period, "week"))
        o.period_seconds = 7 * 86400;
    else if (cli_parse_int64(period, &o.period_seconds) || o.period_seconds < 1)
        return cli_fail(cmd, "--period: '%s' is not day, week or a positive number of seconds",
                        period), 2;

    o.customer_summary = truth != NULL;
    patron_sim *sim = NULL;
    cli_progress prog;
    cli_progress_begin(&prog, cmd, "simulating", 0);
    o.progress = cli_progress_cb; /* the library reports, the CLI prints */
    o.progress_data = &prog;
    int rc = patron_sim_run(&sim, &o);
    cli_progress_end(&prog);
    if (rc)
        return cli_fail_rc(cmd, rc, "cannot simulate");
    if (truth && write_truth(truth, sim)) {
        int e = errno;
        patron_sim_free(sim);
        return cli_fail(cmd, "cannot write '%s': %s", truth, strerror(e));
    }

    FILE *f = stdout;
    if (output && !(f = fopen(output, "wb"))) {
        int e = errno;
        patron_sim_free(sim);
        return cli_fail(cmd, "cannot open '%s' for writing: %s", output, strerror(e));
    }
    int werr = write_csv(f, sim, tf);
    patron_sim_free(sim);
    if (f != stdout) {
        if (fclose(f) != 0)
            werr = -1;
    } else if (fflush(f) != 0) {
        werr = -1;
    }
    if (werr)
        return cli_fail(cmd, "write error on %s", output ? output : "standard output");
    return 0;
}
