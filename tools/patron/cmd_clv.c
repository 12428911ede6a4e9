/* `patron clv fit|predict`: buy-till-you-die models on a customer summary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

#define CMD "clv"

static const char usage_fit_text[] =
    "usage: patron clv fit --model MODEL (--input summary.csv | --db URI [--as-of T])\n"
    "                      [--penalizer X] [--max-iter N] [--threads N] [--format json|csv]\n"
    "\n"
    "Fit a model to the per-customer summary (a file, or with --db the summary in days\n"
    "of the purchases the store recorded, as of T: epoch seconds or ISO-8601, default\n"
    "now) and print the parameters (named as in\n"
    "the papers), standard errors, covariance, log_likelihood (the papers' sum over\n"
    "customers), grad_norm, iterations and status. The JSON (the default) is the\n"
    "library's CLV parameters format (patron_clv_fit_to_json), which `clv predict\n"
    "--params` reads.\n";

static const char usage_predict_text[] =
    "usage: patron clv predict --model MODEL --params params.json --input summary.csv\n"
    "                      [--horizon H] [--discount D [--months M]\n"
    "                      [--periods-per-month F] [--spend-params gg.json]]\n"
    "                      [--dert R] [--threads N] [--format csv|json]\n"
    "                      [--decimals N]\n"
    "\n"
    "Print one row per customer: expected_purchases over H periods and p_alive\n"
    "(gg: expected_spend). --discount D adds clv, the lifetime value over M months\n"
    "(default: H / F rounded up; F defaults to 4.345 weeks per month) with monthly\n"
    "discount rate D, using the Gamma-Gamma expected spend of --spend-params or else\n"
    "monetary_value per transaction (lifetimes' customer_lifetime_value). --dert R\n"
    "adds dert, the discounted expected residual transactions (pnbd: continuous\n"
    "rate R per period; bgbb: rate R per opportunity). --params is a file in the\n"
    "library's CLV parameters format (what `clv fit` prints). In JSON the money\n"
    "values (expected_spend, clv) are in minor units: the input's units times\n"
    "10^N for --decimals N (default 2), as every JSON of the CLI.\n";

static const char usage_common_text[] =
    "\n"
    "--threads N uses N threads (default 0: all cores); results are the same for\n"
    "every N.\n"
    "MODEL is bgnbd, mbgnbd, pnbd, bgbb or gg.\n"
    "\n"
    "The input is the CSV that `patron summary` (or lifetimes) writes: a first\n"
    "column with the customer id, then columns named frequency, recency, T and\n"
    "monetary_value (gg), and optionally weights (customers per row). For bgbb the\n"
    "columns are frequency, recency, n (or periods) and optional weights, counted\n"
    "in opportunities; a file whose first column is `frequency` (no id column, like\n"
    "the donations data) is read with row numbers as ids. A transaction log is\n"
    "summarised first with `patron summary`.\n";

/* sub: "fit", "predict", or NULL for both. */
static void usage_sub(FILE *out, const char *sub)
{
    if (!sub || !strcmp(sub, "fit"))
        fputs(usage_fit_text, out);
    if (!sub)
        fputs("\n", out);
    if (!sub || !strcmp(sub, "predict"))
        fputs(usage_predict_text, out);
    fputs(usage_common_text, out);
}

static void usage(FILE *out)
{
    usage_sub(out, NULL);
}

/* Read the summary CSV into a frame. A file without an id column (first
 * header field "frequency") gets row numbers as ids. */
static int load_frame(patron_frame **out, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return cli_fail(CMD, "%s: cannot open", path);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                fclose(fp);
                return cli_fail(CMD, "%s: out of memory", path);
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    int err = ferror(fp);
    fclose(fp);
    if (err) {
        free(buf);
        return cli_fail(CMD, "%s: read error", path);
    }
    /* A transaction log instead of a summary is the usual mistake: say what
     * to run rather than which column is missing. */
    {
        int has_frequency = 0, looks_like_log = 0;
        size_t i = len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0; /* a UTF-8 BOM */
        while (i < len && buf[i] != '\n' && buf[i] != '\r') {
            size_t start = i;
            while (i < len && buf[i] != ',' && buf[i] != '\n' && buf[i] != '\r')
                i++;
            size_t n = i - start;
            has_frequency |= n == 9 && !strncmp(buf + start, "frequency", 9);
            looks_like_log |= (n == 4 && !strncmp(buf + start, "date", 4)) ||
                              (n == 6 && !strncmp(buf + start, "amount", 6));
            if (i < len && buf[i] == ',')
                i++;
        }
        if (!has_frequency) {
            free(buf);
            if (looks_like_log)
                return cli_fail(CMD, "%s looks like a transaction log (a 'date' or 'amount' column, "
                                     "no 'frequency'): summarise it first with `patron summary "
                                     "--input %s > summary.csv` and give that summary", path, path);
            return cli_fail(CMD, "%s has no 'frequency' column: the input is the per-customer "
                                 "summary that `patron summary` writes", path);
        }
    }
    if (len >= 9 && !strncmp(buf, "frequency", 9)) {
        /* prepend "id," to the header and "<row>," to each line */
        size_t lines = 0;
        for (size_t i = 0; i < len; i++)
            lines += buf[i] == '\n';
        size_t ncap = len + (lines + 2) * 24;
        char *nb = malloc(ncap);
        size_t o = 0, row = 0;
        int at_start = 1;
        for (size_t i = 0; i < len; i++) {
            if (at_start && buf[i] != '\n' && buf[i] != '\r') {
                if (row == 0)
                    o += (size_t)snprintf(nb + o, ncap - o, "id,");
                else
                    o += (size_t)snprintf(nb + o, ncap - o, "%zu,", row);
                at_start = 0;
            }
            nb[o++] = buf[i];
            if (buf[i] == '\n') {
                at_start = 1;
                row++;
            }
        }
        free(buf);
        buf = nb;
        len = o;
    }
    /* Keep only the id and the columns the models read, so that other
     * columns of a summary (first_purchase, total_spend, ...) cannot get in
     * the way. */
    {
        char *nb = malloc(len + 2);
        size_t o = 0;
        int keep[256] = {0};
        int line = 0;
        size_t i = 0;
        while (i < len) {
            int col = 0, first_out = 1;
            while (i < len && buf[i] != '\n') {
                size_t start = i;
                int quoted = 0;
                while (i < len && (quoted || (buf[i] != ',' && buf[i] != '\n'))) {
                    if (buf[i] == '"')
                        quoted = !quoted;
                    i++;
                }
                size_t end = i;
                while (end > start && buf[end - 1] == '\r')
                    end--;
                if (line == 0 && col < 256) {
                    static const char *const wanted[] = {"frequency", "recency",   "T",
                                                         "monetary_value", "weights", "n",
                                                         "periods"};
                    keep[col] = col == 0;
                    for (size_t w = 0; w < sizeof wanted / sizeof *wanted; w++)
                        if (end - start == strlen(wanted[w]) &&
                            !strncmp(buf + start, wanted[w], end - start))
                            keep[col] = 1;
                }
                if (col < 256 && keep[col]) {
                    if (!first_out)
                        nb[o++] = ',';
                    memcpy(nb + o, buf + start, end - start);
                    o += end - start;
                    first_out = 0;
                }
                col++;
                if (i < len && buf[i] == ',')
                    i++;
            }
            nb[o++] = '\n';
            if (i < len)
                i++; /* the newline */
            line++;
        }
        free(buf);
        buf = nb;
        len = o;
    }
    int rc = patron_frame_read_csv_buffer(out, buf, len);
    free(buf);
    if (rc)
        return cli_fail_rc(CMD, rc, path);
    return 0;
}

/* `--db`: the summary of the purchases the store recorded, in days, as of
 * `as_of` (the observation ends there). */
static int load_store_frame(patron_frame **out, const char *uri, int64_t as_of)
{
    patron_db *db;
    if (cli_open_store(CMD, uri, 1, 0, &db))
        return 1;
    patron_store_log_options lo = PATRON_STORE_LOG_OPTIONS_INIT;
    lo.as_of = as_of;
    int rc = patron_summary_from_db(db, out, &lo);
    patron_close(db);
    return rc ? cli_fail_rc(CMD, rc, "the store's summary") : 0;
}

static int do_fit(patron_clv_model model, const char *input, const char *store, int64_t as_of, double penalizer,
                  int64_t max_iter, int32_t threads, int json)
{
    patron_frame *f = NULL;
    if (store ? load_store_frame(&f, store, as_of) : load_frame(&f, input))
        return 1;
    patron_clv_fit_options o = PATRON_CLV_FIT_OPTIONS_INIT;
    o.penalizer = penalizer;
    o.threads = threads;
    if (max_iter > 0)
        o.max_iter = (int32_t)max_iter;
    patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT;
    int rc = patron_clv_fit_frame(&r, model, f, &o);
    patron_frame_free(f);
    if (rc)
        return cli_fail_rc(CMD, rc, "fit");
    int k = r.n_params;
    if (json) {
        char *js = NULL;
        if ((rc = patron_clv_fit_to_json(&js, &r)))
            return cli_fail_rc(CMD, rc, "fit");
        fputs(js, stdout);
        patron_free(js);
    } else {
        printf("parameter,estimate,se\n");
        for (int i = 0; i < k; i++)
            printf("%s,%.17g,%.17g\n", patron_clv_param_name(model, i), r.params.p[i], r.se[i]);
        printf("log_likelihood,%.17g,\n", r.log_likelihood);
    }
    return 0;
}

/* Parameters from a file in the library's CLV parameters format (what
 * `clv fit` prints), for `model`. */
static int load_params(patron_clv_params *p, patron_clv_model model, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return cli_fail(CMD, "%s: cannot open", path);
    size_t cap = 1 << 20;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(fp);
        return cli_fail(CMD, "out of memory");
    }
    size_t len = fread(buf, 1, cap, fp);
    int too_big = len == cap;
    fclose(fp);
    if (too_big) {
        free(buf);
        return cli_fail(CMD, "%s: larger than 1 MiB: not a parameters file", path);
    }
    int rc = patron_clv_params_from_json(p, buf, len);
    free(buf);
    if (rc)
        return cli_fail_rc(CMD, rc, path);
    if (p->model != model)
        return cli_fail(CMD, "%s: parameters are for model '%s', not '%s'", path,
                        patron_clv_model_name(p->model), patron_clv_model_name(model));
    return 0;
}

static int do_predict(patron_clv_model model, const char *params_path, const char *input,
                      double horizon, double discount, int64_t months, double ppm,
                      const char *spend_path, double dert, int32_t threads, int json, int decimals)
{
    double minor = 1; /* input money units (monetary_value) -> minor units */
    for (int k = 0; k < decimals; k++)
        minor *= 10;
    patron_clv_predict_options po = PATRON_CLV_PREDICT_OPTIONS_INIT;
    po.threads = threads;
    patron_clv_params p, gg;
    if (load_params(&p, model, params_path))
        return 1;
    if (spend_path && load_params(&gg, PATRON_CLV_GG, spend_path))
        return 1;
    patron_frame *f = NULL;
    if (load_frame(&f, input))
        return 1;
    patron_clv_data d;
    int rc = patron_clv_data_from_frame(&d, f, model);
    if (rc) {
        patron_frame_free(f);
        return cli_fail_rc(CMD, rc, input);
    }
    size_t n = d.n, m = n ? n : 1;
    double *a = malloc(m * sizeof *a), *b = malloc(m * sizeof *b), *c = malloc(m * sizeof *c),
           *e = malloc(m * sizeof *e);
    int gg_model = model == PATRON_CLV_GG;
    const char *what = "predict";
    int reported = 0; /* a failure already printed */
    if (gg_model) {
        rc = patron_clv_expected_spend(a, &p, &d);
    } else {
        rc = patron_clv_predict_with(a, b, &p, &d, horizon, &po);
        if (!rc && !isnan(discount)) {
            what = "clv";
            if (months <= 0)
                months = (int64_t)ceil(horizon / ppm - 1e-9);
            if (months < 1)
                months = 1;
            if (!spend_path && !d.monetary) {
                rc = 1;
                reported = 1;
                cli_fail(CMD, "--discount needs a monetary_value column or --spend-params");
            } else {
                rc = patron_clv_lifetime_value_with(c, &p, spend_path ? &gg : NULL, &d,
                                                    (int)months, discount, ppm, &po);
            }
        }
        if (!rc && !isnan(dert)) {
            what = "dert";
            rc = patron_clv_dert(e, &p, &d, dert);
        }
    }
    if (rc) {
        free(a);
        free(b);
        free(c);
        free(e);
        patron_frame_free(f);
        return reported ? 1 : cli_fail_rc(CMD, rc, what);
    }
    char idbuf[256];
    if (json)
        printf("[\n");
    else if (gg_model)
        printf("customer_id,expected_spend\n");
    else
        printf("customer_id,expected_purchases,p_alive%s%s\n", isnan(discount) ? "" : ",clv",
               isnan(dert) ? "" : ",dert");
    for (size_t i = 0; i < n; i++) {
        const char *id = patron_frame_id(f, i, idbuf, sizeof idbuf);
        if (json) {
            /* the JSON convention: ids strings, money (expected_spend, clv)
             * in minor units, null for a value that is not finite */
            printf("  {\"customer_id\": ");
            cli_json_str(id ? id : "");
            if (gg_model) {
                printf(", \"expected_spend\": ");
                cli_json_num(a[i] * minor);
                printf("}");
            } else {
                printf(", \"expected_purchases\": ");
                cli_json_num(a[i]);
                printf(", \"p_alive\": ");
                cli_json_num(b[i]);
                if (!isnan(discount)) {
                    printf(", \"clv\": ");
                    cli_json_num(c[i] * minor);
                }
                if (!isnan(dert)) {
                    printf(", \"dert\": ");
                    cli_json_num(e[i]);
                }
                printf("}");
            }
            printf("%s\n", i + 1 < n ? "," : "");
        } else {
            printf("%s,%.17g", id ? id : "", a[i]);
            if (!gg_model) {
                printf(",%.17g", b[i]);
                if (!isnan(discount))
                    printf(",%.17g", c[i]);
                if (!isnan(dert))
                    printf(",%.17g", e[i]);
            }
            printf("\n");
        }
    }
    if (json)
        printf("]\n");
    free(a);
    free(b);
    free(c);
    free(e);
    patron_frame_free(f);
    return 0;
}

int cmd_clv(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
        usage(stdout);
        return 0;
    }
    int fit = !strcmp(sub, "fit"), predict = !strcmp(sub, "predict");
    if (!fit && !predict) {
        cli_fail(CMD, "unknown subcommand '%s' (expected fit or predict)", sub);
        return 2;
    }
    const char *model_s = NULL, *input = NULL, *params = NULL, *format = NULL, *spend = NULL, *store = NULL;
    const char *as_of_s = NULL;
    double penalizer = 0, horizon = NAN, discount = NAN, ppm = 4.345, dert = NAN;
    int64_t months = 0, max_iter = 0, threads = 0, decimals = 2;
    for (int i = 2; i < argc; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage_sub(stdout, sub);
            return 0;
        } else if ((v = cli_opt(argc, argv, &i, "--model", &missing))) {
            model_s = v;
        } else if ((v = cli_opt(argc, argv, &i, "--input", &missing))) {
            input = v;
        } else if (fit && (v = cli_opt(argc, argv, &i, "--db", &missing))) {
            store = v;
        } else if (fit && (v = cli_opt(argc, argv, &i, "--as-of", &missing))) {
            as_of_s = v;
        } else if ((v = cli_opt(argc, argv, &i, "--params", &missing))) {
            params = v;
        } else if ((v = cli_opt(argc, argv, &i, "--spend-params", &missing))) {
            spend = v;
        } else if ((v = cli_opt(argc, argv, &i, "--format", &missing))) {
            format = v;
        } else if ((v = cli_opt(argc, argv, &i, "--penalizer", &missing))) {
            if (cli_parse_double(v, &penalizer) || !isfinite(penalizer))
                return cli_fail(CMD, "--penalizer: '%s' is not a finite number", v), 2;
        } else if ((v = cli_opt(argc, argv, &i, "--horizon", &missing))) {
            if (cli_parse_double(v, &horizon) || !isfinite(horizon))
                return cli_fail(CMD, "--horizon: '%s' is not a finite number", v), 2;
        } else if ((v = cli_opt(argc, argv, &i, "--discount", &missing))) {
            if (cli_parse_double(v, &discount) || !isfinite(discount))
                return cli_fail(CMD, "--discount: '%s' is not a finite number", v), 2;
        } else if ((v = cli_opt(argc, argv, &i, "--dert", &missing))) {
            if (cli_parse_double(v, &dert) || !isfinite(dert))
                return cli_fail(CMD, "--dert: '%s' is not a finite number", v), 2;
        } else if ((v = cli_opt(argc, argv, &i, "--periods-per-month", &missing))) {
            if (cli_parse_double(v, &ppm) || !isfinite(ppm))
                return cli_fail(CMD, "--periods-per-month: '%s' is not a finite number", v), 2;
        } else if ((v = cli_opt(argc, argv, &i, "--months", &missing))) {
            if (cli_parse_int64(v, &months) || months < 1)
                return cli_fail(CMD, "--months: '%s' is not a positive integer", v), 2;
        } else if ((v = cli_opt(argc, argv, &i, "--threads", &missing))) {
            if (cli_parse_int64(v, &threads) || threads < 0 || threads > 256)
                return cli_fail(CMD, "--threads: '%s' is not an integer in 0..256", v), 2;
        } else if ((v = cli_opt(argc, argv, &i, "--decimals", &missing))) {
            if (cli_parse_int64(v, &decimals) || decimals < 0 || decimals > PATRON_DECIMALS_MAX)
                return cli_fail(CMD, "--decimals: '%s' is not a number 0..%d", v, PATRON_DECIMALS_MAX), 2;
        } else if ((v = cli_opt(argc, argv, &i, "--max-iter", &missing))) {
            if (cli_parse_int64(v, &max_iter) || max_iter < 1 || max_iter > 100000)
                return cli_fail(CMD, "--max-iter: '%s' is not an integer in 1..100000", v), 2;
        } else {
            if (missing)
                return cli_fail(CMD, "%s needs a value", argv[i]), 2;
            return cli_fail(CMD, "unknown option '%s' (see --help)", argv[i]), 2;
        }
        if (missing)
            return cli_fail(CMD, "%s needs a value", argv[i]), 2;
    }
    if (!model_s)
        return cli_fail(CMD, "--model is required"), 2;
    if (!input && !store)
        return cli_fail(CMD, fit ? "--input or --db is required" : "--input is required"), 2;
    if (input && store)
        return cli_fail(CMD, "--input and --db: give one (a summary file, or the store's purchases)"), 2;
    if (as_of_s && !store)
        return cli_fail(CMD, "--as-of goes with --db"), 2;
    int64_t as_of = (int64_t)time(NULL);
    if (as_of_s && patron_time_parse(&as_of, as_of_s, strlen(as_of_s), PATRON_TIME_AUTO))
        return cli_fail(CMD, "--as-of '%s' is not a time (epoch seconds or ISO-8601)", as_of_s), 2;
    patron_clv_model model;
    if (patron_clv_model_from_name(&model, model_s))
    {
        char m[512];
        cli_user_message(m, sizeof m, patron_errmsg());
        return cli_fail(CMD, "%s", m), 2;
    }
    int json;
    if (!format)
        json = fit;
    else if (!strcmp(format, "json"))
        json = 1;
    else if (!strcmp(format, "csv"))
        json = 0;
    else
        return cli_fail(CMD, "--format must be json or csv, not '%s'", format), 2;
    if (fit)
        return do_fit(model, input, store, as_of, penalizer, max_iter, (int32_t)threads, json);
    if (!params)
        return cli_fail(CMD, "predict needs --params (the JSON `patron clv fit` prints)"), 2;
    if (model != PATRON_CLV_GG && isnan(horizon))
        return cli_fail(CMD, "predict needs --horizon for model %s", model_s), 2;
    return do_predict(model, params, input, horizon, discount, months, ppm, spend, dert,
                      (int32_t)threads, json, (int)decimals);
}
