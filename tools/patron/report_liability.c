/* `patron report liability`: the points liability of a store by month
 * (patron_report_liability), as JSON or a text table. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_time.h"
#include "cli_util.h"
#include "patron.h"
#include "report_liability.h"

static const char usage[] =
    "usage: patron report liability --db URI --cost-per-point MINOR[/POINTS] [--from TIME] [--to TIME]\n"
    "                               [--format json|text]\n"
    "\n"
    "Outstanding points (available + pending) at each UTC month's end, valued at the cost\n"
    "per point, with the breakage expected from the store's history: the share of settled\n"
    "points (redeemed or expired) that expired. --cost-per-point 1/2 is half a minor unit a\n"
    "point, 5/1000 five minor units per 1000 points, 1 one minor unit a point. TIME is UTC\n"
    "seconds or YYYY-MM-DD (any moment in the first and last month; default: the months of\n"
    "the first and last posting). Money in minor units; run the ledger's expiry (patron_ledger_expire) first\n"
    "so that expired points leave the liability.\n";

static int parse_time(const char *opt, const char *s, int64_t *out)
{
    if (!s)
        return 0;
    if (cli_parse_int64(s, out) && cli_parse_utc(s, out))
        return cli_fail("report", "%s '%s' is neither UTC seconds nor YYYY-MM-DD", opt, s) + 1;
    return 0;
}

static int parse_cost(const char *s, int64_t *minor, int64_t *points)
{
    char buf[64];
    if (!s || strlen(s) >= sizeof buf)
        return 1;
    strcpy(buf, s);
    char *slash = strchr(buf, '/');
    *points = 1;
    if (slash) {
        *slash = '\0';
        if (cli_parse_int64(slash + 1, points))
            return 1;
    }
    return cli_parse_int64(buf, minor);
}

int cli_report_liability(int argc, char **argv)
{
    enum { O_DB, O_COST, O_FROM, O_TO, O_FORMAT, O_N };
    static const char *const names[O_N] = {"--db", "--cost-per-point", "--from", "--to", "--format"};
    const char *v[O_N] = {0};
    int parsed = cli_parse_table("report", argc, argv, 2, names, O_N, v);
    if (parsed == 1) {
        fputs(usage, stdout);
        return 0;
    }
    if (parsed)
        return parsed;
    if (!v[O_DB] || !v[O_COST])
        return cli_fail("report", "liability needs --db and --cost-per-point (try --help)") + 1;
    const char *format = v[O_FORMAT] ? v[O_FORMAT] : "json";
    if (strcmp(format, "json") && strcmp(format, "text"))
        return cli_fail("report", "--format '%s': expected json or text", format) + 1;
    patron_liability_options o = PATRON_LIABILITY_OPTIONS_INIT;
    if (parse_cost(v[O_COST], &o.cost_minor, &o.cost_points))
        return cli_fail("report", "--cost-per-point '%s': expected MINOR or MINOR/POINTS (integers)", v[O_COST]) + 1;
    int ret = parse_time("--from", v[O_FROM], &o.start);
    if (!ret)
        ret = parse_time("--to", v[O_TO], &o.end);
    if (ret)
        return ret;
    patron_db *db;
    if (cli_open_store("report", v[O_DB], 1, 0, &db))
        return 1;
    patron_liability_month *m = NULL;
    size_t n = 0;
    int rc = patron_report_liability(&m, &n, db, &o);
    patron_close(db);
    if (rc)
        return cli_fail_rc("report", rc, "liability");
    if (!strcmp(format, "json")) {
        printf("[");
        for (size_t i = 0; i < n; i++) {
            const patron_liability_month *r = &m[i];
            printf("%s\n{\"month_start\":%" PRId64 ",\"as_of\":%" PRId64 ",\"issued\":%" PRId64
                   ",\"redeemed\":%" PRId64 ",\"expired\":%" PRId64 ",\"adjusted\":%" PRId64
                   ",\"available\":%" PRId64 ",\"pending\":%" PRId64 ",\"outstanding\":%" PRId64
                   ",\"value\":%" PRId64 ",\"redeemed_to_date\":%" PRId64 ",\"expired_to_date\":%" PRId64
                   ",\"breakage_rate\":",
                   i ? "," : "", r->month_start, r->as_of, r->issued, r->redeemed, r->expired, r->adjusted,
                   r->available, r->pending, r->outstanding, r->value, r->redeemed_to_date, r->expired_to_date);
            cli_json_num(r->breakage_rate);
            printf(",\"expected_breakage\":%" PRId64 ",\"expected_cost\":%" PRId64 "}", r->expected_breakage,
                   r->expected_cost);
        }
        printf("%s]\n", n ? "\n" : "");
    } else {
        printf("%-7s %12s %12s %12s %12s %12s %14s %8s %12s %14s\n", "month", "issued", "redeemed", "expired",
               "available", "pending", "value", "breakage", "exp_breakage", "expected_cost");
        for (size_t i = 0; i < n; i++) {
            const patron_liability_month *r = &m[i];
            char month[48], rate[16];
            cli_format_utc(month, sizeof month, r->month_start, 1);
            month[7] = '\0';
            if (isnan(r->breakage_rate))
                snprintf(rate, sizeof rate, "-");
            else
                snprintf(rate, sizeof rate, "%.4f", r->breakage_rate);
            printf("%-7s %12" PRId64 " %12" PRId64 " %12" PRId64 " %12" PRId64 " %12" PRId64 " %14" PRId64
                   " %8s %12" PRId64 " %14" PRId64 "\n",
                   month, r->issued, r->redeemed, r->expired, r->available, r->pending, r->value, rate,
                   r->expected_breakage, r->expected_cost);
        }
    }
    patron_free(m);
    if (fflush(stdout) != 0)
        return cli_fail("report", "writing to standard output failed");
    return 0;
}
