/* `patron rule add|budget set|budget show`: earning rules and their budgets
 * and limits (earn.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage[] =
    "usage: patron rule add         --db URI --name NAME --kind KIND [--from S] [--to S] [--points N]\n"
    "                               [--per-amount MINOR] [--percent P] [--category C] [--product P]\n"
    "                               [--tier T] [--count N] [--window-days D] [--referee-points N]\n"
    "       patron rule budget set  --db URI --name NAME [--points N] [--awards N]\n"
    "                               [--period day|week|month --period-points N --period-awards N]\n"
    "                               [--member-window none|day|week|month] [--member-points N]\n"
    "                               [--member-awards N] [--store-window none|day|week|month]\n"
    "                               [--store-points N] [--store-awards N]\n"
    "       patron rule budget show --db URI --name NAME [--at S] [--member ID] [--location STORE]\n"
    "KIND: base, category, product, member, tier, campaign, challenge, referral. Times are UTC seconds\n"
    "(default: now; --from default 0). A limit of 0 or left out is no limit; `budget set` replaces all\n"
    "limits of the rule (with none given it lifts them). Windows are UTC calendar days, ISO weeks\n"
    "(from Monday 00:00) and months; once a limit is used up the rule awards nothing, and the award\n"
    "that reaches it gets exactly the remainder. ID is a phone number, an e-mail address or #N.\n";

static const cli_sub subs[] = {
    {"add", "Add an earning rule, or the next version of one."},
    {"budget", "Set or show the budget and limits of a rule (budget set, budget show)."},
    {NULL, NULL},
};

enum { O_DB, O_NAME, O_KIND, O_FROM, O_TO, O_POINTS, O_PER, O_PERCENT, O_CATEGORY, O_PRODUCT, O_TIER, O_COUNT,
       O_WDAYS, O_REFEREE, O_AWARDS, O_PERIOD, O_PPOINTS, O_PAWARDS, O_MWINDOW, O_MPOINTS, O_MAWARDS, O_SWINDOW,
       O_SPOINTS, O_SAWARDS, O_AT, O_MEMBER, O_LOCATION, O_N };
static const char *const names[O_N] = {
    "--db",          "--name",          "--kind",          "--from",          "--to",
    "--points",      "--per-amount",    "--percent",       "--category",      "--product",
    "--tier",        "--count",         "--window-days",   "--referee-points", "--awards",
    "--period",      "--period-points", "--period-awards", "--member-window", "--member-points",
    "--member-awards", "--store-window", "--store-points", "--store-awards",  "--at",
    "--member",      "--location"};

static const char *const kinds[] = {"", "base", "category", "product", "member", "tier", "campaign", "challenge",
                                    "referral"};
static const char *const windows[] = {"none", "day", "week", "month"};

static int num(const char *const *v, int o, int64_t *out)
{
    if (v[o] && cli_parse_int64(v[o], out))
        return cli_fail("rule", "%s '%s' is not an integer", names[o], v[o]) + 1;
    return 0;
}

static int window(const char *const *v, int o, int *out)
{
    if (!v[o])
        return 0;
    for (int i = 0; i < 4; i++)
        if (!strcmp(v[o], windows[i])) {
            *out = i;
            return 0;
        }
    return cli_fail("rule", "%s '%s': expected none, day, week or month", names[o], v[o]) + 1;
}

static int add(patron_db *db, const char *const *v)
{
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = v[O_NAME];
    if (!v[O_KIND])
        return cli_fail("rule", "add needs --kind") + 1;
    for (int i = 1; i <= 8; i++)
        if (!strcmp(v[O_KIND], kinds[i]))
            r.kind = i;
    if (!r.kind)
        return cli_fail("rule", "--kind '%s': expected base, category, product, member, tier, campaign, challenge "
                                "or referral", v[O_KIND]) + 1;
    int ret = num(v, O_FROM, &r.valid_from);
    if (!ret)
        ret = num(v, O_TO, &r.valid_to);
    if (!ret)
        ret = num(v, O_POINTS, &r.points);
    if (!ret)
        ret = num(v, O_PER, &r.per_amount);
    if (!ret)
        ret = num(v, O_PERCENT, &r.percent);
    if (!ret)
        ret = num(v, O_COUNT, &r.count);
    if (!ret)
        ret = num(v, O_WDAYS, &r.window_days);
    if (!ret)
        ret = num(v, O_REFEREE, &r.referee_points);
    if (ret)
        return ret;
    r.category = v[O_CATEGORY];
    r.product = v[O_PRODUCT];
    r.tier = v[O_TIER];
    int64_t version = 0;
    int rc = patron_earn_rule_add(db, &version, &r);
    if (rc)
        return cli_fail_rc("rule", rc, "add");
    printf("{\"rule\": ");
    cli_json_str(r.name);
    printf(", \"version\": %" PRId64 "}\n", version);
    return 0;
}

static void print_budget(const char *name, const patron_earn_budget *b, const patron_earn_budget_usage *u)
{
    printf("{\"rule\": ");
    cli_json_str(name);
    printf(",\n \"budget\": {\"points\": %" PRId64 ", \"awards\": %" PRId64 ", \"period\": \"%s\", "
           "\"period_points\": %" PRId64 ", \"period_awards\": %" PRId64 ", \"member_window\": \"%s\", "
           "\"member_points\": %" PRId64 ", \"member_awards\": %" PRId64 ", \"store_window\": \"%s\", "
           "\"store_points\": %" PRId64 ", \"store_awards\": %" PRId64 "}",
           b->points, b->awards, windows[b->period], b->period_points, b->period_awards, windows[b->member_window],
           b->member_points, b->member_awards, windows[b->store_window], b->store_points, b->store_awards);
    if (u)
        printf(",\n \"usage\": {\"points_used\": %" PRId64 ", \"awards_used\": %" PRId64 ", \"points_left\": %" PRId64
               ", \"awards_left\": %" PRId64 ",\n  \"period_start\": %" PRId64 ", \"period_end\": %" PRId64
               ", \"period_points_used\": %" PRId64 ", \"period_awards_used\": %" PRId64
               ", \"period_points_left\": %" PRId64 ", \"period_awards_left\": %" PRId64
               ",\n  \"member_start\": %" PRId64 ", \"member_end\": %" PRId64 ", \"member_points_used\": %" PRId64
               ", \"member_awards_used\": %" PRId64 ", \"member_points_left\": %" PRId64
               ", \"member_awards_left\": %" PRId64 ",\n  \"store_start\": %" PRId64 ", \"store_end\": %" PRId64
               ", \"store_points_used\": %" PRId64 ", \"store_awards_used\": %" PRId64
               ", \"store_points_left\": %" PRId64 ", \"store_awards_left\": %" PRId64 "}",
               u->points_used, u->awards_used, u->points_left, u->awards_left, u->period_start, u->period_end,
               u->period_points_used, u->period_awards_used, u->period_points_left, u->period_awards_left,
               u->member_start, u->member_end, u->member_points_used, u->member_awards_used, u->member_points_left,
               u->member_awards_left, u->store_start, u->store_end, u->store_points_used, u->store_awards_used,
               u->store_points_left, u->store_awards_left);
    printf("}\n");
}

static int budget_set(patron_db *db, const char *const *v)
{
    patron_earn_budget b = PATRON_EARN_BUDGET_INIT;
    int ret = num(v, O_POINTS, &b.points);
    if (!ret)
        ret = num(v, O_AWARDS, &b.awards);
    if (!ret)
        ret = window(v, O_PERIOD, &b.period);
    if (!ret)
        ret = num(v, O_PPOINTS, &b.period_points);
    if (!ret)
        ret = num(v, O_PAWARDS, &b.period_awards);
    if (!ret)
        ret = window(v, O_MWINDOW, &b.member_window);
    if (!ret)
        ret = num(v, O_MPOINTS, &b.member_points);
    if (!ret)
        ret = num(v, O_MAWARDS, &b.member_awards);
    if (!ret)
        ret = window(v, O_SWINDOW, &b.store_window);
    if (!ret)
        ret = num(v, O_SPOINTS, &b.store_points);
    if (!ret)
        ret = num(v, O_SAWARDS, &b.store_awards);
    if (ret)
        return ret;
    int rc = patron_earn_budget_set(db, v[O_NAME], &b);
    if (rc)
        return cli_fail_rc("rule", rc, "budget set");
    print_budget(v[O_NAME], &b, NULL);
    return 0;
}

static int budget_show(patron_db *db, const char *const *v)
{
    int64_t at = (int64_t)time(NULL), member = 0;
    int ret = num(v, O_AT, &at);
    if (ret)
        return ret;
    int rc;
    if (v[O_MEMBER] && (rc = patron_profile_find(db, &member, v[O_MEMBER])))
        return cli_fail_rc("rule", rc, v[O_MEMBER]);
    patron_earn_budget b = PATRON_EARN_BUDGET_INIT;
    patron_earn_budget_usage u = PATRON_EARN_BUDGET_USAGE_INIT;
    if ((rc = patron_earn_budget_get(db, &b, &u, v[O_NAME], at, member, v[O_LOCATION])))
        return cli_fail_rc("rule", rc, "budget show");
    print_budget(v[O_NAME], &b, &u);
    return 0;
}

int cmd_rule(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    int first = 2;
    const char *action = NULL;
    if (!strcmp(sub, "budget")) {
        if (argc < 3 || (strcmp(argv[2], "set") && strcmp(argv[2], "show"))) {
            if (argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
                cli_print_sub_help(stdout, usage, "rule", subs, sub);
                return 0;
            }
            return cli_fail("rule", "budget needs 'set' or 'show'") + 1;
        }
        action = argv[2];
        first = 3;
    } else if (strcmp(sub, "add")) {
        return cli_fail("rule", "unknown subcommand '%s' (add, budget)", sub) + 1;
    }
    const char *v[O_N] = {0};
    int go = cli_parse_sub("rule", argc, argv, first, names, O_N, v, usage, subs, sub);
    if (go != CLI_GO)
        return go;
    if (!v[O_DB] || !v[O_NAME])
        return cli_fail("rule", "--db URI and --name NAME are required") + 1;
    patron_db *db;
    if (cli_open_store("rule", v[O_DB], action && !strcmp(action, "show"), 0, &db))
        return 1;
    int ret = !action                  ? add(db, v)
              : !strcmp(action, "set") ? budget_set(db, v)
                                       : budget_show(db, v);
    patron_close(db);
    return ret;
}
