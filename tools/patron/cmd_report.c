/* `patron report weekly`: weekly KPIs of a transaction CSV. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: patron report weekly --input TRANSACTIONS.csv [options]\n"
            "\n"
            "Weekly KPIs (ISO weeks, Monday 00:00 UTC): new and active customers, buyers,\n"
            "purchases, spend, average frequency and basket, median days between purchases,\n"
            "each with the change from the previous week.\n"
            "\n"
            "  --input FILE       transactions CSV with columns customer_id,date,amount\n"
            "  --start TIME       a time in the first week (default: the first purchase)\n"
            "  --end TIME         a time in the last week (default: the last purchase)\n"
            "  --active-days N    window of \"active\" in days (default 90)\n"
            "  --format FMT       csv (default), json or text\n"
            "  --help             this text\n"
            "\n"
            "Amounts are in minor units (cents) in the output.\n");
}

static void num(char *buf, size_t cap, double v)
{
    if (isnan(v))
        snprintf(buf, cap, "%s", "");
    else
        snprintf(buf, cap, "%.6g", v);
}

int cmd_report(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "weekly")) {
        fprintf(stderr, "patron report: expected the report name 'weekly' (try --help)\n");
        return 2;
    }
    const char *input = NULL, *format = "csv", *start = NULL, *end = NULL, *days = NULL;
    for (int i = 2; i < argc; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if ((v = cli_opt(argc, argv, &i, "--input", &missing))) {
            input = v;
        } else if ((v = cli_opt(argc, argv, &i, "--format", &missing))) {
            format = v;
        } else if ((v = cli_opt(argc, argv, &i, "--start", &missing))) {
            start = v;
        } else if ((v = cli_opt(argc, argv, &i, "--end", &missing))) {
            end = v;
        } else if ((v = cli_opt(argc, argv, &i, "--active-days", &missing))) {
            days = v;
        } else {
            if (missing) {
                fprintf(stderr, "patron report: %s needs a value\n", argv[i]);
                return 2;
            }
            fprintf(stderr, "patron report: unknown option '%s' (try --help)\n", argv[i]);
            return 2;
        }
        if (missing) {
            fprintf(stderr, "patron report: %s needs a value\n", argv[i]);
            return 2;
        }
    }
    if (!input) {
        fprintf(stderr, "patron report: weekly needs --input (try --help)\n");
        return 2;
    }
    int fmt = !strcmp(format, "csv") ? 0 : !strcmp(format, "json") ? 1 : !strcmp(format, "text") ? 2 : -1;
    if (fmt < 0)
        return cli_fail("report", "--format must be csv, json or text, not '%s'", format);
    patron_weekly_options o = PATRON_WEEKLY_OPTIONS_INIT;
    int rc;
    if (start && (rc = patron_time_parse(&o.start, start, strlen(start), PATRON_TIME_AUTO)))
        return cli_fail_rc("report", rc, "--start");
    if (end && (rc = patron_time_parse(&o.end, end, strlen(end), PATRON_TIME_AUTO)))
        return cli_fail_rc("report", rc, "--end");
    if (days) {
        int64_t d;
        if (cli_parse_int64(days, &d) || d < 1 || d > 3650)
            return cli_fail("report", "--active-days must be an integer in 1..3650, not '%s'", days);
        o.active_days = (int32_t)d;
    }
    patron_txlog *log = NULL;
    if ((rc = patron_txlog_new(&log, NULL)))
        return cli_fail_rc("report", rc, "log");
    if ((rc = patron_txlog_load_csv(log, input, NULL, NULL))) {
        patron_txlog_free(log);
        return cli_fail_rc("report", rc, input);
    }
    patron_week_report *w = NULL;
    size_t n = 0;
    rc = patron_report_weekly(&w, &n, log, &o);
    patron_txlog_free(log);
    if (rc)
        return cli_fail_rc("report", rc, "weekly");
    static const char *const names[] = {
        "week", "new_customers", "active_customers", "buyers", "purchases", "spend",
        "avg_frequency", "avg_basket", "median_days_between", "new_customers_change",
        "active_customers_change", "purchases_change", "avg_frequency_change",
        "avg_basket_change", "median_days_between_change"};
    static const char *const short_names[] = {
        "week", "new", "active", "buyers", "purchases", "spend", "avg_freq", "avg_basket",
        "median_gap", "new_chg", "active_chg", "purch_chg", "freq_chg", "basket_chg", "gap_chg"};
    enum { NF = sizeof names / sizeof names[0] };
    if (fmt == 1)
        printf("[");
    for (size_t k = 0; k < NF && fmt != 1; k++) {
        if (fmt == 2)
            printf("%s%*s", k ? " " : "", k ? 11 : 10, short_names[k]);
        else
            printf("%s%s", k ? "," : "", names[k]);
    }
    if (fmt != 1)
        printf("\n");
    for (size_t i = 0; i < n; i++) {
        char cells[NF][40];
        patron_time_format(cells[0], sizeof cells[0], w[i].week_start);
        snprintf(cells[1], 40, "%lld", (long long)w[i].new_customers);
        snprintf(cells[2], 40, "%lld", (long long)w[i].active_customers);
        snprintf(cells[3], 40, "%lld", (long long)w[i].buyers);
        snprintf(cells[4], 40, "%lld", (long long)w[i].purchases);
        snprintf(cells[5], 40, "%lld", (long long)w[i].spend);
        num(cells[6], 40, w[i].avg_frequency);
        num(cells[7], 40, w[i].avg_basket);
        num(cells[8], 40, w[i].median_days_between);
        num(cells[9], 40, w[i].new_customers_change);
        num(cells[10], 40, w[i].active_customers_change);
        num(cells[11], 40, w[i].purchases_change);
        num(cells[12], 40, w[i].avg_frequency_change);
        num(cells[13], 40, w[i].avg_basket_change);
        num(cells[14], 40, w[i].median_days_between_change);
        if (fmt == 1) {
            printf("%s\n{", i ? "," : "");
            for (size_t k = 0; k < NF; k++) {
                if (k == 0)
                    printf("\"%s\":\"%s\"", names[k], cells[k]);
                else
                    printf(",\"%s\":%s", names[k], cells[k][0] ? cells[k] : "null");
            }
            printf("}");
        } else {
            for (size_t k = 0; k < NF; k++) {
                if (fmt == 2)
                    printf("%s%*s", k ? " " : "", k ? 11 : 10, cells[k][0] ? cells[k] : "-");
                else
                    printf("%s%s", k ? "," : "", cells[k]);
            }
            printf("\n");
        }
    }
    if (fmt == 1)
        printf("%s]\n", n ? "\n" : "");
    patron_free(w);
    if (fflush(stdout) != 0)
        return cli_fail("report", "writing to standard output failed");
    return 0;
}
