/* `patron summary`: per-customer purchase summary of a CSV transaction log
 * (lifetimes' summary_data_from_transaction_data) written as CSV or JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_txlog.h"
#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char *const usage_text =
    "usage: patron summary (--input FILE | --db URI [--as-of T]) [options]\n"
    "\n"
    "Summarise a transaction log per customer: frequency, recency, T and\n"
    "monetary_value exactly as lifetimes' summary_data_from_transaction_data,\n"
    "then first_purchase, last_purchase (epoch seconds), orders and total_spend;\n"
    "with --calibration-end the holdout columns frequency_holdout,\n"
    "monetary_value_holdout and duration_holdout follow monetary_value. Money is\n"
    "written in the units of the input (dollars for 12.50); JSON follows the\n"
    "CLI's JSON convention (customer ids strings, money in minor units; see the\n"
    "CLI guide). Written to stdout.\n"
    "\n"
    "input:\n"
    "  --input FILE            CSV file to read (/dev/stdin for a pipe)\n"
    "%s"
    "\n"
    "summary:\n"
    "  --period P              day (default), week (Monday..Sunday, as pandas 'W'),\n"
    "                          or a number of seconds\n"
    "  --observation-end DATE  end of observation (default: the last purchase; with\n"
    "                          --db, the --as-of time);\n"
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

int cmd_summary(int argc, char **argv)
{
    const char *obs = NULL, *cal = NULL;
    cli_txlog_input in;
    cli_txlog_input_init(&in, "--input");
    patron_summary_options so = PATRON_SUMMARY_OPTIONS_INIT;
    patron_frame_write_options wo = PATRON_FRAME_WRITE_OPTIONS_INIT;
    wo.major_units = 1; /* money in the input's decimal units, as lifetimes shows it */

    for (int i = 1; i < argc; i++) {
        int missing = 0;
        const char *v;
        int t;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf(usage_text, cli_txlog_help);
            return 0;
        } else if ((t = cli_txlog_option("summary", &in, argc, argv, &i)) != 0) {
            if (t < 0)
                return 2;
        } else if (!strcmp(argv[i], "--minor-units")) {
            wo.major_units = 0;
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
                wo.format = PATRON_FORMAT_JSON, wo.string_ids = 1;
            else
                return usage_error("--format '%s' is not csv or json", v);
        } else if (missing) {
            return usage_error("%s needs a value", argv[i]);
        } else {
            return usage_error("unknown option '%s'", argv[i]);
        }
    }
    if (obs && parse_time_arg(obs, &so.observation_end) != PATRON_OK)
        return cli_fail_rc("summary", PATRON_EPARSE, "--observation-end");
    if (cal && parse_time_arg(cal, &so.calibration_end) != PATRON_OK)
        return cli_fail_rc("summary", PATRON_EPARSE, "--calibration-end");

    if (wo.format == PATRON_FORMAT_JSON)
        wo.major_units = 0; /* the JSON convention: money in minor units (docs/guide/cli.md) */
    patron_txlog *log = NULL;
    int rc = cli_txlog_load("summary", &in, &log);
    if (rc)
        return rc;
    if (in.db && !obs)
        so.observation_end = in.as_of_time; /* a store's log ends at its --as-of, not at its last purchase */
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
