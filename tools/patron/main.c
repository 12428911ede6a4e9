/* `patron`: thin command-line surface over the public C API. */
#include <stdio.h>
#include <string.h>

#include "cli_progress.h"
#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const cli_command commands[] = {
#ifdef PATRON_CLI_HAVE_DEMO
    {"demo", "run the main job end to end on simulated customers", cmd_demo},
#endif
#ifdef PATRON_CLI_HAVE_SUMMARY
    {"summary", "per-customer purchase summary of a transaction log", cmd_summary},
#endif
#ifdef PATRON_CLI_HAVE_SIMULATE
    {"simulate", "write a synthetic transaction log from a buy-till-you-die model", cmd_simulate},
#endif
#ifdef PATRON_CLI_HAVE_CLV
    {"clv", "fit customer-lifetime-value models and predict", cmd_clv},
#endif
#ifdef PATRON_CLI_HAVE_ABTEST
    {"abtest", "assign customers to experiments and test the results", cmd_abtest},
#endif
#ifdef PATRON_CLI_HAVE_INIT
    {"init", "create a store (SQLite file or PostgreSQL schema)", cmd_init},
#endif
#ifdef PATRON_CLI_HAVE_MEMBER
    {"member", "member profiles in a store: add, show, merge, export, erase", cmd_member},
#endif
#ifdef PATRON_CLI_HAVE_POINTS
    {"points", "the points ledger", cmd_points},
#endif
#ifdef PATRON_CLI_HAVE_PURCHASE
    {"purchase", "record purchases (scored by the earning rules) and returns", cmd_purchase},
#endif
#ifdef PATRON_CLI_HAVE_BEHAVIOUR
    {"behaviour", "what members do besides buying: visits, campaign responses, answers", cmd_behaviour},
#endif
#ifdef PATRON_CLI_HAVE_SCORES
    {"scores", "CLV scores of every member, fitted to the store's own purchases", cmd_scores},
#endif
#ifdef PATRON_CLI_HAVE_TIER
    {"tier", "tiers", cmd_tier},
#endif
#ifdef PATRON_CLI_HAVE_SEGMENT
    {"segment", "rule-based, lifecycle and RFM segments", cmd_segment},
#endif
#ifdef PATRON_CLI_HAVE_JOURNEY
    {"journey", "journey triggers", cmd_journey},
#endif
#ifdef PATRON_CLI_HAVE_REPORT
    {"report", "weekly KPI and campaign reports", cmd_report},
#endif
#ifdef PATRON_CLI_HAVE_EVENTS
    {"events", "the events outbox: tail, acknowledge, switch on", cmd_events},
#endif
#ifdef PATRON_CLI_HAVE_AUDIT
    {"audit", "the audit trail of administrative changes", cmd_audit},
#endif
#ifdef PATRON_CLI_HAVE_CAMPAIGN
    {"campaign", "campaigns with a control group, measured from the store", cmd_campaign},
#endif
#ifdef PATRON_CLI_HAVE_RULE
    {"rule", "earning rules and their budgets and limits", cmd_rule},
#endif
#ifdef PATRON_CLI_HAVE_REWARD
    {"reward", "the rewards catalogue: add, list, redeem, cancel, fulfil", cmd_reward},
#endif
#ifdef PATRON_CLI_HAVE_COUPON
    {"coupon", "coupons, vouchers and gift cards: create, import, validate, redeem, publish", cmd_coupon},
#endif
#ifdef PATRON_CLI_HAVE_PLAN
    {"plan", "the program projected for years: three scenarios, campaign ROI", cmd_plan},
#endif
#ifdef PATRON_CLI_HAVE_PROGRAM
    {"program", "several programs in one store: create, list, join, members", cmd_program},
#endif
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: patron <command> [options]\n\ncommands:\n");
    for (const cli_command *c = commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\n`patron <command> --help` describes each command. `patron --version` prints the version.\n"
                 "Long work shows its progress on stderr when that is a terminal; --progress\n"
                 "(any command) shows it always, --quiet never. --program NAME (any command that\n"
                 "opens a store) works in that program of the store (default: \"default\").\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("patron %s\n", patron_version_string());
        return 0;
    }
    for (const cli_command *c = commands; c->name; c++)
        if (!strcmp(argv[1], c->name)) {
            int n = argc - 1;
            cli_progress_options(&n, argv + 1);
            int rc = cli_store_options(&n, argv + 1);
            return rc ? rc : c->run(n, argv + 1);
        }
    fprintf(stderr, "patron: unknown command '%s' (try `patron --help`)\n", argv[1]);
    return 2;
}
