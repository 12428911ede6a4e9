/* `patron report weekly`: weekly KPIs of a transaction CSV. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_txlog.h"
#include "cli_util.h"
#include "commands.h"
#include "patron.h"
#include "report_liability.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: patron report <report> [options]\n"
            "\n"
            "reports:\n"
            "  weekly     weekly KPIs of a transaction log\n"
            "  campaign   campaign funnels and their significance against a reference\n"
            "  liability  the points liability of a store by month, with expected breakage\n"
            "\n"
            "`patron report <report> --help` describes each one.\n");
}

static void usage_weekly(FILE *out)
{
    fprintf(out,
            "usage: patron report weekly --input TRANSACTIONS.csv [options]\n"
            "\n"
            "Weekly KPIs (ISO weeks, Monday 00:00 UTC): new and active customers, buyers,\n"
            "purchases, spend, average frequency and basket, median days between purchases,\n"
            "each with the change from the previous week.\n"
            "\n"
            "input (the same options as `patron summary`):\n"
            "  --input FILE            transactions CSV (default columns customer_id,date,amount)\n"
            "%s"
            "\n"
            "report:\n"
            "  --start TIME            a time in the first week (default: the first purchase)\n"
            "  --end TIME              a time in the last week (default: the last purchase)\n"
            "  --active-days N         window of \"active\" in days (default 90)\n"
            "  --format FMT            csv (default), json or text\n"
            "  --help                  this text\n"
            "\n"
            "Amounts are in minor units (cents) in the output.\n", cli_txlog_help);
}

static void usage_campaign(FILE *out)
{
    fprintf(out,
            "usage: patron report campaign --input CAMPAIGNS.csv [--reference NAME] [--alpha A]\n"
            "\n"
            "Funnels from a CSV with the header name,sent,opened,clicked,converted; rates,\n"
            "and each campaign's conversion rate against the reference (default: the first\n"
            "row; a control group) by a two-proportion z-test, Holm-adjusted.\n"
            "\n"
            "  --input FILE       the campaigns CSV\n"
            "  --reference NAME   the campaign every other one is compared with\n"
            "  --alpha A          two-sided level of the tests and intervals (default 0.05)\n"
            "  --help             this text\n");
}

static void num(char *buf, size_t cap, double v)
{
    if (isnan(v))
        snprintf(buf, cap, "%s", "");
    else
        snprintf(buf, cap, "%.6g", v);
}

/* Read "name,sent,opened,clicked,converted" lines (header first). */
static int read_campaigns(const char *path, patron_campaign_counts **out, char ***names, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return cli_fail("report", "%s: cannot open", path);
    char line[1024];
    size_t cap = 0, k = 0, lineno = 0;
    patron_campaign_counts *c = NULL;
    char **nm = NULL;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (lineno == 1) {
            if (strcmp(line, "name,sent,opened,clicked,converted")) {
                rc = cli_fail("report", "%s: line 1: expected the header name,sent,opened,clicked,converted", path);
                break;
            }
            continue;
        }
        if (!line[0])
            continue;
        if (k == cap) {
            cap = cap ? 2 * cap : 16;
            patron_campaign_counts *c2 = realloc(c, cap * sizeof *c);
            char **n2 = c2 ? realloc(nm, cap * sizeof *nm) : NULL;
            if (c2)
                c = c2;
            if (n2)
                nm = n2;
            if (!c2 || !n2) {
                rc = cli_fail("report", "out of memory");
                break;
            }
        }
        char *field[5];
        int nf = 0;
        for (char *p = line; nf < 5; nf++) {
            field[nf] = p;
            char *comma = strchr(p, ',');
            if (!comma) {
                nf++;
                break;
            }
            *comma = '\0';
            p = comma + 1;
        }
        int64_t v[4];
        if (nf != 5 || cli_parse_int64(field[1], &v[0]) || cli_parse_int64(field[2], &v[1]) ||
            cli_parse_int64(field[3], &v[2]) || cli_parse_int64(field[4], &v[3])) {
            rc = cli_fail("report", "%s: line %zu: expected a name and four integer counts", path, lineno);
            break;
        }
        nm[k] = malloc(strlen(field[0]) + 1);
        if (!nm[k]) {
            rc = cli_fail("report", "out of memory");
            break;
        }
        strcpy(nm[k], field[0]);
        c[k] = (patron_campaign_counts){nm[k], v[0], v[1], v[2], v[3]};
        k++;
    }
    fclose(f);
    if (!rc && k == 0)
        rc = cli_fail("report", "%s: no campaigns", path);
    if (rc) {
        for (size_t i = 0; i < k; i++)
            free(nm[i]);
        free(nm);
        free(c);
        return rc;
    }
    *out = c;
    *names = nm;
    *n = k;
    return 0;
}

static int campaign(int argc, char **argv)
{
    const char *input = NULL, *reference = NULL, *alpha = NULL;
    for (int i = 2; i < argc; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage_campaign(stdout);
            return 0;
        } else if ((v = cli_opt(argc, argv, &i, "--input", &missing))) {
            input = v;
        } else if ((v = cli_opt(argc, argv, &i, "--reference", &missing))) {
            reference = v;
        } else if ((v = cli_opt(argc, argv, &i, "--alpha", &missing))) {
            alpha = v;
        } else {
            fprintf(stderr, "patron report: %s '%s' (try --help)\n", missing ? "missing value for" : "unknown option", argv[i]);
            return 2;
        }
        if (missing) {
            fprintf(stderr, "patron report: %s needs a value\n", argv[i]);
            return 2;
        }
    }
    if (!input) {
        fprintf(stderr, "patron report: campaign needs --input (try --help)\n");
        return 2;
    }
    patron_campaign_options o = PATRON_CAMPAIGN_OPTIONS_INIT;
    if (alpha && cli_parse_double(alpha, &o.alpha))
        return cli_fail("report", "--alpha must be a number, not '%s'", alpha);
    patron_campaign_counts *c = NULL;
    char **names = NULL;
    size_t n = 0;
    int rc = read_campaigns(input, &c, &names, &n);
    if (rc)
        return rc;
    if (reference) {
        size_t k = 0;
        while (k < n && strcmp(names[k], reference))
            k++;
        /* a name is a label, so two rows may share one; as a reference it
         * must pick one row, or the comparison would depend on file order */
        size_t same = 0;
        for (size_t j = k; j < n; j++)
            same += !strcmp(names[j], reference);
        if (k == n)
            rc = cli_fail("report", "--reference: no campaign named '%s'", reference);
        else if (same > 1)
            rc = cli_fail("report", "--reference: %zu campaigns are named '%s'; rename them to choose one", same,
                          reference);
        o.reference = (int32_t)k;
    }
    patron_campaign_report *r = rc ? NULL : calloc(n, sizeof *r);
    if (!rc && !r)
        rc = cli_fail("report", "out of memory");
    int prc = rc ? 0 : patron_report_campaigns(r, c, n, &o);
    if (prc)
        rc = cli_fail_rc("report", prc, "campaign");
    if (!rc) {
        printf("name,sent,opened,clicked,converted,open_rate,click_rate,click_to_open,conversion_rate,"
               "conversion_ci_low,conversion_ci_high,lift,p_value,p_adjusted,significant\n");
        for (size_t i = 0; i < n; i++) {
            char cell[9][40];
            double d[9] = {r[i].open_rate, r[i].click_rate, r[i].click_to_open, r[i].conversion_rate,
                           r[i].conversion_ci[0], r[i].conversion_ci[1], r[i].lift, r[i].p_value,
                           r[i].p_adjusted};
            for (int k = 0; k < 9; k++)
                num(cell[k], sizeof cell[k], d[k]);
            printf("%s,%lld,%lld,%lld,%lld,%s,%s,%s,%s,%s,%s,%s,%s,%s,%d\n", r[i].name, (long long)r[i].sent,
                   (long long)r[i].opened, (long long)r[i].clicked, (long long)r[i].converted, cell[0],
                   cell[1], cell[2], cell[3], cell[4], cell[5], cell[6], cell[7], cell[8], r[i].significant);
        }
        if (fflush(stdout) != 0)
            rc = cli_fail("report", "writing to standard output failed");
    }
    free(r);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(c);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "campaign"))
        return campaign(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "liability"))
        return cli_report_liability(argc, argv);
    if (argc < 2 || strcmp(argv[1], "weekly")) {
        fprintf(stderr, "patron report: expected the report name 'weekly', 'campaign' or 'liability' (try --help)\n");
        return 2;
    }
    cli_txlog_input in;
    cli_txlog_input_init(&in, "--input");
    const char *format = "csv", *start = NULL, *end = NULL, *days = NULL;
    for (int i = 2; i < argc; i++) {
        int missing = 0;
        const char *v;
        int t;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage_weekly(stdout);
            return 0;
        } else if ((t = cli_txlog_option("report", &in, argc, argv, &i)) != 0) {
            if (t < 0)
                return 2;
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
    if ((rc = cli_txlog_load("report", &in, &log)))
        return rc;
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
                if (k == 0) /* times in JSON are integer UTC seconds (docs/guide/cli.md) */
                    printf("\"week_start\":%lld", (long long)w[i].week_start);
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
