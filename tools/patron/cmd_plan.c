/* `patron plan`: the store's program projected year by year with three
 * scenarios (patron_plan_from_db), and optionally one campaign budgeted
 * against it (patron_plan_campaign_project). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage[] =
    "usage: patron plan --db URI [--input plan.json] [--years 5] [--as-of T] [--acquire N|N1,N2,...]\n"
    "                   [--draws 100] [--seed 1]\n"
    "                   [--earn-rate R] [--redeem-share S] [--redeem-months M] [--expiry-months M]\n"
    "                   [--cost-per-point C] [--fixed-cost C] [--incremental-share S] [--margin M]\n"
    "                   [--discount-rate D] [--campaign-points P --campaign-lift L [--campaign-lift-se SE]\n"
    "                   [--campaign-year Y] [--campaign-share F] [--campaign-fixed-cost C]\n"
    "                   [--campaign-measured NAME]] [--refit] [--format json|text]\n"
    "Project the program for YEARS years (1..50) from the store's members as of T (default now): the CLV fit\n"
    "`patron scores refresh` stored (the latest as of T or earlier with a spend fit: its model, parameters and\n"
    "covariance), or with --refit or without a stored fit BG/NBD and Gamma-Gamma fitted to their purchases\n"
    "(days); the output names the stored fit used (JSON \"fit\", null when fitted now). DRAWS parameter draws\n"
    "from the fits' covariance, and per\n"
    "year members, active members, purchases, revenue, points issued/redeemed/expired/outstanding, liability,\n"
    "program cost, incremental profit, ROI and discounted cumulative ROI at the estimate and as the 10th, 50th\n"
    "and 90th percentiles over the draws (pessimistic, realistic, optimistic). --acquire gives new members per\n"
    "month: one number for every month, or a list month by month. Money in minor units; --earn-rate is points\n"
    "per minor unit (default 0.01), --cost-per-point minor units per point (default 1); --expiry-months\n"
    "defaults to the ledger policy's. With --campaign-points and --campaign-lift, a campaign in year Y\n"
    "targeting the members who make share F of its revenue gets its budget, incremental revenue and ROI;\n"
    "--campaign-measured NAME takes the lift and its standard error from the store's campaign NAME measured\n"
    "against its control group as of T (`patron campaign measure`) instead of --campaign-lift.\n"
    "--input reads a plan file (JSON: the options by name, e.g. {\"years\": 5, \"earn_rate\": 0.02,\n"
    "\"acquisitions\": [800, 900]}); flags given as well override it. Formulas: docs/guide/plan.md.\n";

enum {
    O_DB, O_YEARS, O_AS_OF, O_ACQUIRE, O_DRAWS, O_SEED, O_EARN, O_RSHARE, O_RMONTHS, O_EXPIRY, O_CPP, O_FIXED,
    O_INC, O_MARGIN, O_DISC, O_CPOINTS, O_CLIFT, O_CLIFTSE, O_CYEAR, O_CSHARE, O_CFIXED, O_FORMAT, O_INPUT, O_CMEASURED, O_N
};
static const char *const names[O_N] = {
    "--db", "--years", "--as-of", "--acquire", "--draws", "--seed", "--earn-rate", "--redeem-share",
    "--redeem-months", "--expiry-months", "--cost-per-point", "--fixed-cost", "--incremental-share", "--margin",
    "--discount-rate", "--campaign-points", "--campaign-lift", "--campaign-lift-se", "--campaign-year",
    "--campaign-share", "--campaign-fixed-cost", "--format", "--input", "--campaign-measured",
};

/* "N" (every month of the horizon) or "N1,N2,..." (month by month). */
static int parse_acquire(const char *s, int years, int64_t **out, size_t *n)
{
    size_t cap = (size_t)years * 12, k = 0;
    int64_t *a = calloc(cap ? cap : 1, sizeof *a);
    if (!a)
        return cli_fail("plan", "out of memory") + 1;
    int list = strchr(s, ',') != NULL;
    char *copy = strdup(s);
    if (!copy) {
        free(a);
        return cli_fail("plan", "out of memory") + 1;
    }
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int64_t v;
        if (cli_parse_int64(tok, &v)) {
            cli_fail("plan", "--acquire '%s': '%s' is not a whole number", s, tok);
            free(copy);
            free(a);
            return 2;
        }
        if (k == cap) {
            cli_fail("plan", "--acquire '%s' has more than the %zu months of %d years", s, cap, years);
            free(copy);
            free(a);
            return 2;
        }
        a[k++] = v;
    }
    free(copy);
    if (!list && k == 1)
        for (k = 1; k < cap; k++)
            a[k] = a[0];
    *out = a;
    *n = k;
    return 0;
}

static int num(const char *const *v, int i, double *out)
{
    if (v[i] && cli_parse_double(v[i], out))
        return cli_fail("plan", "%s '%s' is not a number", names[i], v[i]) + 1;
    return 0;
}

static void print_json(const patron_plan *plan, int have_c, const patron_plan_campaign *c,
                       const patron_plan_campaign_result *r)
{
    char *json = NULL;
    if (patron_plan_to_json(&json, plan) != PATRON_OK)
        return;
    size_t len = strlen(json);
    if (!have_c) {
        printf("%s\n", json);
        patron_free(json);
        return;
    }
    /* The plan's object with a "campaign" member appended. */
    printf("%.*s, \"campaign\": {\"year\": %d, \"target_share\": ", (int)(len - 1), json, (int)c->year);
    patron_free(json);
    cli_json_num(c->target_share);
    printf(", \"points\": ");
    cli_json_num(c->points);
    printf(", \"lift\": ");
    cli_json_num(c->lift);
    printf(", \"lift_se\": ");
    cli_json_num(c->lift_se);
    printf(", \"budget\": ");
    cli_json_num(r->budget);
    const char *keys[3] = { "incremental_revenue", "incremental_profit", "roi" };
    const double *vals[3] = { r->incremental_revenue, r->incremental_profit, r->roi };
    const char *stats[4] = { "estimate", "p10", "p50", "p90" };
    for (int k = 0; k < 3; k++) {
        printf(", \"%s\": {", keys[k]);
        for (int s = 0; s < 4; s++) {
            printf("%s\"%s\": ", s ? ", " : "", stats[s]);
            cli_json_num(vals[k][s]);
        }
        printf("}");
    }
    printf("}}\n");
}

static void print_text(const patron_plan *plan, int have_c, const patron_plan_campaign_result *r, int refit)
{
    int Y = patron_plan_years(plan);
    if (patron_plan_fit_id(plan)) {
        char when[32];
        patron_time_format(when, sizeof when, patron_plan_fit_as_of(plan));
        printf("models: stored fit %lld (%s, as of %s) from `patron scores refresh`\n",
               (long long)patron_plan_fit_id(plan), patron_clv_model_name((patron_clv_model)patron_plan_model(plan)), when);
    } else {
        printf("models: bgnbd and gamma-gamma fitted now to the store's purchases (%s)\n",
               refit ? "--refit" : "no stored fit: `patron scores refresh` stores one");
    }
    printf("%d parameter draws (%lld drawn again where the model does not converge)\n", (int)patron_plan_draws(plan),
           (long long)patron_plan_redraws(plan));
    printf("%-20s %-11s", "metric", "scenario");
    for (int y = 1; y <= Y; y++)
        printf(" %14s%-2d", "year ", y);
    printf("\n");
    static const char *const scen[4] = { "estimate", "pessimistic", "realistic", "optimistic" };
    for (int m = 0; m < PATRON_PLAN_N_METRICS; m++)
        for (int s = 0; s < 4; s++) {
            printf("%-20s %-11s", s == 0 ? patron_plan_metric_name(m) : "", scen[s]);
            for (int y = 1; y <= Y; y++) {
                double v = patron_plan_value(plan, y, m, s);
                if (m == PATRON_PLAN_ROI || m == PATRON_PLAN_CUMULATIVE_ROI)
                    printf(" %16.4f", v);
                else
                    printf(" %16.0f", v);
            }
            printf("\n");
        }
    if (have_c) {
        printf("\ncampaign budget %.0f\n", r->budget);
        for (int s = 0; s < 4; s++)
            printf("  %-11s incremental revenue %14.0f  profit %14.0f  roi %10.4f\n", scen[s],
                   r->incremental_revenue[s], r->incremental_profit[s], r->roi[s]);
    }
}

int cmd_plan(int argc, char **argv)
{
    const char *v[O_N] = {0};
    /* --refit is the one flag without a value: taken out before the table */
    int refit = 0, kept = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--refit"))
            refit = 1;
        else
            argv[kept++] = argv[i];
    }
    argc = kept;
    int parsed = cli_parse_table("plan", argc, argv, 1, names, O_N, v);
    if (parsed == 1) {
        fputs(usage, stdout);
        return 0;
    }
    if (parsed)
        return parsed;
    if (!v[O_DB])
        return cli_fail("plan", "--db URI is required") + 1;
    int text = 0;
    if (v[O_FORMAT]) {
        if (!strcmp(v[O_FORMAT], "text"))
            text = 1;
        else if (strcmp(v[O_FORMAT], "json"))
            return cli_fail("plan", "--format '%s' is not json or text", v[O_FORMAT]) + 1;
    }
    patron_plan_options o = PATRON_PLAN_OPTIONS_INIT;
    int64_t file_acq[PATRON_PLAN_MAX_YEARS * 12];
    size_t file_months = 0;
    if (v[O_INPUT]) {
        FILE *fp = fopen(v[O_INPUT], "rb");
        if (!fp)
            return cli_fail("plan", "--input '%s' cannot be read", v[O_INPUT]);
        char *doc = NULL;
        size_t len = 0, cap = 0, got;
        char buf[4096];
        while ((got = fread(buf, 1, sizeof buf, fp)) > 0) {
            if (len + got > cap) {
                cap = (len + got) * 2;
                char *t = realloc(doc, cap);
                if (!t) {
                    free(doc);
                    fclose(fp);
                    return cli_fail("plan", "out of memory");
                }
                doc = t;
            }
            memcpy(doc + len, buf, got);
            len += got;
        }
        fclose(fp);
        int rc = patron_plan_inputs_from_json(&o, file_acq, sizeof file_acq / sizeof file_acq[0], &file_months,
                                              doc ? doc : "", len);
        free(doc);
        if (rc)
            return cli_fail_rc("plan", rc, v[O_INPUT]);
    }
    int64_t i64;
    if (v[O_YEARS]) {
        if (cli_parse_int64(v[O_YEARS], &i64) || i64 < 1 || i64 > PATRON_PLAN_MAX_YEARS)
            return cli_fail("plan", "--years '%s' is not a whole number within 1..%d", v[O_YEARS],
                            PATRON_PLAN_MAX_YEARS) + 1;
        o.years = (int32_t)i64;
    }
    if (v[O_DRAWS]) {
        if (cli_parse_int64(v[O_DRAWS], &i64) || i64 < 1 || i64 > PATRON_PLAN_MAX_DRAWS)
            return cli_fail("plan", "--draws '%s' is not a whole number within 1..%d", v[O_DRAWS],
                            PATRON_PLAN_MAX_DRAWS) + 1;
        o.draws = (int32_t)i64;
    }
    if (v[O_SEED]) {
        if (cli_parse_int64(v[O_SEED], &i64) || i64 < 0)
            return cli_fail("plan", "--seed '%s' is not a whole number >= 0", v[O_SEED]) + 1;
        o.seed = (uint64_t)i64;
    }
    if (num(v, O_EARN, &o.earn_rate) || num(v, O_RSHARE, &o.redeem_share) || num(v, O_RMONTHS, &o.redeem_months) ||
        num(v, O_EXPIRY, &o.expiry_months) || num(v, O_CPP, &o.cost_per_point) || num(v, O_FIXED, &o.fixed_cost) ||
        num(v, O_INC, &o.incremental_share) || num(v, O_MARGIN, &o.margin) || num(v, O_DISC, &o.discount_rate))
        return 2;
    patron_plan_campaign c = PATRON_PLAN_CAMPAIGN_INIT;
    int have_c = v[O_CPOINTS] || v[O_CLIFT] || v[O_CLIFTSE] || v[O_CYEAR] || v[O_CSHARE] || v[O_CFIXED] ||
                 v[O_CMEASURED];
    if (have_c) {
        if (!v[O_CPOINTS] || (!v[O_CLIFT] && !v[O_CMEASURED]))
            return cli_fail("plan", "a campaign needs --campaign-points and --campaign-lift or --campaign-measured") + 1;
        if (v[O_CMEASURED] && (v[O_CLIFT] || v[O_CLIFTSE]))
            return cli_fail("plan", "--campaign-measured gives the lift: not with --campaign-lift or --campaign-lift-se") + 1;
        double year = 1;
        if (num(v, O_CPOINTS, &c.points) || num(v, O_CLIFT, &c.lift) || num(v, O_CLIFTSE, &c.lift_se) ||
            num(v, O_CSHARE, &c.target_share) || num(v, O_CFIXED, &c.fixed_cost) || num(v, O_CYEAR, &year))
            return 2;
        if (year != floor(year) || year < 1 || year > o.years)
            return cli_fail("plan", "--campaign-year '%s' is not a year within 1..%d", v[O_CYEAR], (int)o.years) + 1;
        c.year = (int32_t)year;
    }
    o.refit = refit;
    int64_t as_of = (int64_t)time(NULL);
    if (v[O_AS_OF] && patron_time_parse(&as_of, v[O_AS_OF], strlen(v[O_AS_OF]), PATRON_TIME_AUTO) != PATRON_OK)
        return cli_fail("plan", "--as-of '%s' is not a time (epoch seconds or ISO-8601)", v[O_AS_OF]) + 1;
    int64_t *acq = NULL;
    size_t n_months = 0;
    if (v[O_ACQUIRE]) {
        int rc = parse_acquire(v[O_ACQUIRE], o.years, &acq, &n_months);
        if (rc)
            return rc;
    } else if (file_months) {
        acq = malloc(file_months * sizeof *acq);
        if (!acq)
            return cli_fail("plan", "out of memory");
        memcpy(acq, file_acq, file_months * sizeof *acq);
        n_months = file_months;
    }
    patron_db *db;
    if (cli_open_store("plan", v[O_DB], 1, 0, &db)) {
        free(acq);
        return 1;
    }
    patron_plan *plan = NULL;
    int rc = PATRON_OK;
    if (v[O_CMEASURED]) {
        patron_campaign_measure_result m;
        memset(&m, 0, sizeof m);
        m.size = (uint32_t)sizeof m;
        patron_campaign_measure_options mo = PATRON_CAMPAIGN_MEASURE_OPTIONS_INIT;
        if ((rc = patron_campaign_measure(db, &m, v[O_CMEASURED], as_of, &mo)) == PATRON_OK &&
            (rc = patron_plan_campaign_from_measure(&c, &m, mo.alpha)) != PATRON_OK) {
            patron_close(db);
            free(acq);
            return cli_fail_rc("plan", rc, "campaign lift");
        }
        if (rc) {
            patron_close(db);
            free(acq);
            return cli_fail_rc("plan", rc, "campaign measure");
        }
    }
    rc = patron_plan_from_db(&plan, db, as_of, acq, n_months, &o);
    patron_close(db);
    free(acq);
    if (rc)
        return cli_fail_rc("plan", rc, "projection");
    patron_plan_campaign_result r = PATRON_PLAN_CAMPAIGN_RESULT_INIT;
    if (have_c && (rc = patron_plan_campaign_project(&r, plan, &c))) {
        patron_plan_free(plan);
        return cli_fail_rc("plan", rc, "campaign");
    }
    if (text)
        print_text(plan, have_c, &r, refit);
    else
        print_json(plan, have_c, &c, &r);
    patron_plan_free(plan);
    return 0;
}
