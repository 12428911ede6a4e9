/* `patron summary`: per-customer purchase summary of a CSV transaction log
 * (lifetimes' summary_data_from_transaction_data) written as CSV or JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char *const usage_text =
    "usage: patron summary --input FILE [options]\n"
    "\n"
    "Summarise a transaction log per customer: frequency, recency, T and\n"
    "monetary_value exactly as lifetimes' summary_data_from_transaction_data,\n"
    "then first_purchase, last_purchase (epoch seconds), orders and total_spend;\n"
    "with --calibration-end the holdout columns frequency_holdout,\n"
    "monetary_value_holdout and duration_holdout follow monetary_value. Money is\n"
    "written in the units of the input (dollars for 12.50). Written to stdout.\n"
    "\n"
    "input:\n"
    "  --input FILE            CSV file to read (/dev/stdin for a pipe)\n"
    "  --customer-col C        customer id column (default customer_id)\n"
    "  --time-col C            time column (default date)\n"
    "  --amount-col C          amount column (default amount)\n"
    "                          A column is a header name, or with --no-header a\n"
    "                          1-based column number.\n"
    "  --no-header             the file has no header row\n"
    "  --delimiter D           field separator: a character, 'tab', or 'space'\n"
    "                          for runs of blanks (default ',')\n"
    "  --time-format F         auto (ISO-8601 or epoch seconds), iso, epoch,\n"
    "                          yyyymmdd (default auto)\n"
    "  --decimals N            decimals of the currency's minor unit (default 2)\n"
    "  --rounding R            exact (default: more decimals is an error),\n"
    "                          half-even, half-up, truncate\n"
    "  --integer-ids           parse customer ids as integers (numeric order)\n"
    "  --skip-invalid          skip bad rows (reported on stderr) instead of failing\n"
    "\n"
    "summary:\n"
    "  --period P              day (default), week (Monday..Sunday, as pandas 'W'),\n"
    "                          or a number of seconds\n"
    "  --observation-end DATE  end of observation (default: the last purchase);\n"
    "                          ISO-8601 date/time or epoch seconds\n"
    "  --calibration-end DATE  split into calibration and holdout periods\n"
    "  --after-end A           ignore (default) or reject purchases after the end\n"
    "  --format F              csv (default) or json\n"
    "  --minor-units           money columns (monetary_value*, total_spend) in\n"
    "                          minor units (cents) instead of the input's units\n"
    "\n"
    "example (the CDNOW sample: whitespace-separated, no header):\n"
    "  patron summary --input CDNOW_sample.txt --no-header --delimiter space \\\n"
    "    --customer-col 2 --time-col 3 --amount-col 5 --time-format yyyymmdd \\\n"
    "    --integer-ids --observation-end 1997-09-30\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "patron summary: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see `patron summary --help`)\n");
    return 2;
}

static int parse_time_arg(const char *s, int64_t *out)
{
    return patron_time_parse(out, s, strlen(s), PATRON_TIME_AUTO);
}

/* A column argument: a name, or with no header a 1-based number. */
static int set_column(const char *v, int no_header, const char **name, int32_t *index)
{
    if (!no_header) {
        *name = v;
        return 0;
    }
    int64_t n;
    if (cli_parse_int64(v, &n) != 0 || n < 1 || n > 4096)
        return -1;
    *index = (int32_t)(n - 1);
    return 0;
}

int cmd_summary(int argc, char **argv)
{
    const char *input = NULL, *cust = NULL, *timec = NULL, *amount = NULL;
    const char *obs = NULL, *cal = NULL;
    patron_csv_options co = PATRON_CSV_OPTIONS_INIT;
    patron_summary_options so = PATRON_SUMMARY_OPTIONS_INIT;
    patron_frame_write_options wo = PATRON_FRAME_WRITE_OPTIONS_INIT;
    wo.major_units = 1; /* money in the input's decimal units, as lifetimes shows it */
    patron_txlog_options lo = PATRON_TXLOG_OPTIONS_INIT;
    int no_header = 0;

    for (int i = 1; i < argc; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--no-header")) {
            no_header = 1;
        } else if (!strcmp(argv[i], "--integer-ids")) {
            co.integer_ids = 1;
        } else if (!strcmp(argv[i], "--minor-units")) {
            wo.major_units = 0;
        } else if (!strcmp(argv[i], "--skip-invalid")) {
            co.skip_invalid = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--input", &missing))) {
            input = v;
        } else if ((v = cli_opt(argc, argv, &i, "--customer-col", &missing))) {
            cust = v;
        } else if ((v = cli_opt(argc, argv, &i, "--time-col", &missing))) {
            timec = v;
        } else if ((v = cli_opt(argc, argv, &i, "--amount-col", &missing))) {
            amount = v;
        } else if ((v = cli_opt(argc, argv, &i, "--delimiter", &missing))) {
            if (!strcmp(v, "space"))
                co.delimiter = ' ';
            else if (!strcmp(v, "tab"))
                co.delimiter = '\t';
            else if (strlen(v) == 1)
                co.delimiter = (unsigned char)v[0];
            else
                return usage_error("--delimiter '%s' is not one character, 'tab' or 'space'", v);
        } else if ((v = cli_opt(argc, argv, &i, "--time-format", &missing))) {
            if (!strcmp(v, "auto"))
                co.time_format = PATRON_TIME_AUTO;
            else if (!strcmp(v, "iso"))
                co.time_format = PATRON_TIME_ISO8601;
            else if (!strcmp(v, "epoch"))
                co.time_format = PATRON_TIME_EPOCH;
            else if (!strcmp(v, "yyyymmdd"))
                co.time_format = PATRON_TIME_YYYYMMDD;
            else
                return usage_error("--time-format '%s' is not auto, iso, epoch or yyyymmdd", v);
        } else if ((v = cli_opt(argc, argv, &i, "--decimals", &missing))) {
            int64_t d;
            if (cli_parse_int64(v, &d) != 0 || d < 0 || d > PATRON_DECIMALS_MAX)
                return usage_error("--decimals '%s' is not a number 0..9", v);
            lo.decimals = (int32_t)d;
        } else if ((v = cli_opt(argc, argv, &i, "--rounding", &missing))) {
            if (!strcmp(v, "exact"))
                co.rounding = PATRON_ROUND_EXACT;
            else if (!strcmp(v, "half-even"))
                co.rounding = PATRON_ROUND_HALF_EVEN;
            else if (!strcmp(v, "half-up"))
                co.rounding = PATRON_ROUND_HALF_UP;
            else if (!strcmp(v, "truncate"))
                co.rounding = PATRON_ROUND_TRUNCATE;
            else
                return usage_error("--rounding '%s' is not exact, half-even, half-up or truncate", v);
        } else if ((v = cli_opt(argc, argv, &i, "--period", &missing))) {
            int64_t s;
            if (!strcmp(v, "day") || !strcmp(v, "D")) {
                so.period = PATRON_PERIOD_DAY;
            } else if (!strcmp(v, "week") || !strcmp(v, "W")) {
                so.period = PATRON_PERIOD_WEEK;
            } else if (cli_parse_int64(v, &s) == 0 && s > 0) {
                so.period = PATRON_PERIOD_SECONDS;
                so.period_seconds = s;
            } else {
                return usage_error("--period '%s' is not day, week or a positive number of seconds", v);
            }
        } else if ((v = cli_opt(argc, argv, &i, "--observation-end", &missing))) {
            obs = v;
        } else if ((v = cli_opt(argc, argv, &i, "--calibration-end", &missing))) {
            cal = v;
        } else if ((v = cli_opt(argc, argv, &i, "--after-end", &missing))) {
            if (!strcmp(v, "ignore"))
                so.after_end = PATRON_AFTER_END_IGNORE;
            else if (!strcmp(v, "reject"))
                so.after_end = PATRON_AFTER_END_REJECT;
            else
                return usage_error("--after-end '%s' is not ignore or reject", v);
        } else if ((v = cli_opt(argc, argv, &i, "--format", &missing))) {
            if (!strcmp(v, "csv"))
                wo.format = PATRON_FORMAT_CSV;
            else if (!strcmp(v, "json"))
                wo.format = PATRON_FORMAT_JSON;
            else
                return usage_error("--format '%s' is not csv or json", v);
        } else if (missing) {
            return usage_error("%s needs a value", argv[i]);
        } else {
            return usage_error("unknown option '%s'", argv[i]);
        }
    }
    if (!input)
        return usage_error("%s", "--input FILE is required");
    co.has_header = !no_header;
    if (no_header && (!cust || !timec || !amount))
        return usage_error("%s", "--no-header needs --customer-col, --time-col and --amount-col numbers");
    if ((cust && set_column(cust, no_header, &co.customer_col, &co.customer_index)) ||
        (timec && set_column(timec, no_header, &co.time_col, &co.time_index)) ||
        (amount && set_column(amount, no_header, &co.amount_col, &co.amount_index)))
        return usage_error("%s", "with --no-header the columns are 1-based numbers");
    if (obs && parse_time_arg(obs, &so.observation_end) != PATRON_OK)
        return cli_fail_rc("summary", PATRON_EPARSE, "--observation-end");
    if (cal && parse_time_arg(cal, &so.calibration_end) != PATRON_OK)
        return cli_fail_rc("summary", PATRON_EPARSE, "--calibration-end");

    patron_txlog *log = NULL;
    int rc = patron_txlog_new(&log, &lo);
    if (rc)
        return cli_fail_rc("summary", rc, "creating the log");
    patron_csv_report rep = PATRON_CSV_REPORT_INIT;
    rc = patron_txlog_load_csv(log, input, &co, &rep);
    if (rc) {
        patron_txlog_free(log);
        return cli_fail_rc("summary", rc, "loading the transactions");
    }
    if (rep.rows_skipped) {
        fprintf(stderr, "patron summary: skipped %llu of %llu rows\n",
                (unsigned long long)rep.rows_skipped, (unsigned long long)rep.rows_read);
        for (uint32_t k = 0; k < rep.errors_kept; k++)
            fprintf(stderr, "patron summary:   %s\n", rep.errors[k].message);
    }
    patron_frame *f = NULL;
    rc = patron_summarize(&f, log, &so);
    patron_txlog_free(log);
    if (rc)
        return cli_fail_rc("summary", rc, "summarising");
    rc = patron_frame_write(f, stdout, &wo);
    patron_frame_free(f);
    if (rc == PATRON_OK && fflush(stdout) != 0)
        return cli_fail("summary", "writing to stdout failed");
    if (rc)
        return cli_fail_rc("summary", rc, "writing the summary");
    return 0;
}
