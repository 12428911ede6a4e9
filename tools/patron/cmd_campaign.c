/* `patron campaign create|assign|target|measure`: campaigns with a control
 * group, measured from the store (patron/campaign.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage[] =
    "usage: patron campaign create  --db URI --name NAME [--segment RULE] [--offer TEXT] [--control SHARE]\n"
    "                               [--days N] [--starts S] [--ends S]\n"
    "       patron campaign assign  --db URI --name NAME --member ID [--at S]\n"
    "       patron campaign target  --db URI --name NAME [--at S]\n"
    "       patron campaign measure --db URI --name NAME [--as-of S] [--alpha A]\n"
    "SHARE is the share held out (default 0.1); N the conversion window in days (default 14);\n"
    "times are UTC seconds (default now); ID a phone number, an e-mail address or #N.\n"
    "Sends, opens and clicks are behaviour events with --campaign NAME (patron behaviour record).\n";

static const cli_sub subs[] = {
    {"create", "Store a campaign: a segment rule, an offer, a control share and a conversion window."},
    {"assign", "Assign one member to the treatment or control group (the same group every time)."},
    {"target", "Assign every member of the campaign's segment (over the store's frame) and list them with their group."},
    {"measure", "Each group's funnel and conversions, and the treatment against the control."},
    {NULL, NULL},
};

enum { O_DB, O_NAME, O_SEGMENT, O_OFFER, O_CONTROL, O_DAYS, O_STARTS, O_ENDS, O_MEMBER, O_AT, O_AS_OF, O_ALPHA, O_N };
static const char *const names[O_N] = {"--db",    "--name",   "--segment", "--offer",  "--control", "--days",
                                       "--starts", "--ends",  "--member",  "--at",     "--as-of",   "--alpha"};

static const char *group_name(int32_t g)
{
    return g == PATRON_CAMPAIGN_TREATMENT ? "treatment" : "control";
}

static int create(patron_db *db, const char *const *v)
{
    patron_campaign_def d = PATRON_CAMPAIGN_DEF_INIT;
    d.name = v[O_NAME];
    d.segment = v[O_SEGMENT];
    d.offer = v[O_OFFER];
    int64_t days = d.conversion_days;
    if (v[O_CONTROL] && cli_parse_double(v[O_CONTROL], &d.control_share))
        return cli_fail("campaign", "--control '%s' is not a number", v[O_CONTROL]) + 1;
    if ((v[O_DAYS] && cli_parse_int64(v[O_DAYS], &days)) || (v[O_STARTS] && cli_parse_int64(v[O_STARTS], &d.starts)) ||
        (v[O_ENDS] && cli_parse_int64(v[O_ENDS], &d.ends)))
        return cli_fail("campaign", "--days, --starts and --ends are integers") + 1;
    if (days < 1 || days > 365)
        return cli_fail("campaign", "--days %" PRId64 " is not 1..365", days) + 1;
    d.conversion_days = (int32_t)days;
    int rc = patron_campaign_create(db, &d);
    if (rc)
        return cli_fail_rc("campaign", rc, "create");
    printf("{\"campaign\": ");
    cli_json_str(d.name);
    printf(", \"control_share\": ");
    cli_json_num(d.control_share);
    printf(", \"conversion_days\": %d}\n", (int)d.conversion_days);
    return 0;
}

static int assign(patron_db *db, const char *const *v, int64_t at)
{
    if (!v[O_MEMBER])
        return cli_fail("campaign", "assign needs --member") + 1;
    int64_t member = 0, when = 0;
    int32_t g = 0;
    int rc = patron_profile_find(db, &member, v[O_MEMBER]);
    if (rc == PATRON_OK)
        rc = patron_campaign_assign(db, &g, &when, v[O_NAME], member, at);
    if (rc)
        return cli_fail_rc("campaign", rc, "assign");
    printf("{\"member_id\": %" PRId64 ", \"group\": \"%s\", \"assigned_at\": %" PRId64 "}\n", member, group_name(g),
           when);
    return 0;
}

static int target(patron_db *db, const char *const *v, int64_t at)
{
    patron_campaign_member *list = NULL;
    size_t n = 0;
    /* the segment is evaluated over the store's own frame as of --at */
    patron_store_frame_options fo = PATRON_STORE_FRAME_OPTIONS_INIT;
    fo.as_of = at;
    patron_frame *frame = NULL;
    int rc = patron_frame_from_db(db, &frame, &fo);
    if (rc == PATRON_OK)
        rc = patron_campaign_target(db, &list, &n, v[O_NAME], frame, at);
    patron_frame_free(frame);
    if (rc)
        return cli_fail_rc("campaign", rc, "target");
    printf("{\"campaign\": ");
    cli_json_str(v[O_NAME]);
    printf(", \"members\": [");
    for (size_t i = 0; i < n; i++)
        printf("%s\n  {\"member_id\": %" PRId64 ", \"group\": \"%s\", \"new\": %s, \"assigned_at\": %" PRId64 "}",
               i ? "," : "", list[i].member_id, group_name(list[i].group), list[i].is_new ? "true" : "false",
               list[i].assigned_at);
    printf("%s]}\n", n ? "\n" : "");
    patron_free(list);
    return 0;
}

static void print_outcome(const char *name, const patron_campaign_outcome *o)
{
    printf("  \"%s\": {\"assigned\": %" PRId64 ", \"pending\": %" PRId64 ", \"measured\": %" PRId64
           ", \"sent\": %" PRId64 ", \"opened\": %" PRId64 ", \"clicked\": %" PRId64 ", \"converted\": %" PRId64
           ", \"purchases\": %" PRId64 ", \"revenue\": %" PRId64 ",\n    \"conversion_rate\": ",
           name, o->assigned, o->pending, o->measured, o->sent, o->opened, o->clicked, o->converted, o->purchases,
           o->revenue);
    cli_json_num(o->conversion_rate);
    printf(", \"revenue_per_member\": ");
    cli_json_num(o->revenue_per_member);
    printf(", \"avg_basket\": ");
    cli_json_num(o->avg_basket);
    printf(", \"avg_days_to_convert\": ");
    cli_json_num(o->avg_days_to_convert);
    printf("},\n");
}

static void print_pair(const char *name, const double *ci)
{
    printf(", \"%s\": [", name);
    cli_json_num(ci[0]);
    printf(", ");
    cli_json_num(ci[1]);
    printf("]");
}

static int measure(patron_db *db, const char *const *v, int64_t as_of)
{
    patron_campaign_measure_options o = PATRON_CAMPAIGN_MEASURE_OPTIONS_INIT;
    if (v[O_ALPHA] && cli_parse_double(v[O_ALPHA], &o.alpha))
        return cli_fail("campaign", "--alpha '%s' is not a number", v[O_ALPHA]) + 1;
    patron_campaign_measure_result r = {.size = sizeof r};
    int rc = patron_campaign_measure(db, &r, v[O_NAME], as_of, &o);
    if (rc)
        return cli_fail_rc("campaign", rc, "measure");
    printf("{\"campaign\": ");
    cli_json_str(v[O_NAME]);
    printf(", \"as_of\": %" PRId64 ",\n", as_of);
    print_outcome("treatment", &r.treatment);
    print_outcome("control", &r.control);
    printf("  \"conversion_diff\": ");
    cli_json_num(r.conversion_diff);
    print_pair("conversion_diff_ci", r.conversion_diff_ci);
    printf(", \"conversion_lift\": ");
    cli_json_num(r.conversion_lift);
    printf(", \"conversion_p_value\": ");
    cli_json_num(r.conversion_p_value);
    printf(",\n  \"revenue_diff\": ");
    cli_json_num(r.revenue_diff);
    print_pair("revenue_diff_ci", r.revenue_diff_ci);
    printf(", \"revenue_p_value\": ");
    cli_json_num(r.revenue_p_value);
    printf(",\n  \"incremental_conversions\": ");
    cli_json_num(r.incremental_conversions);
    printf(", \"incremental_revenue\": ");
    cli_json_num(r.incremental_revenue);
    printf(", \"srm_p_value\": ");
    cli_json_num(r.srm_p_value);
    printf(", \"alpha\": ");
    cli_json_num(o.alpha);
    printf("}\n");
    return 0;
}

int cmd_campaign(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    const char *v[O_N] = {0};
    int go = cli_parse_sub("campaign", argc, argv, 2, names, O_N, v, usage, subs, sub);
    if (go != CLI_GO)
        return go;
    if (!v[O_DB] || !v[O_NAME])
        return cli_fail("campaign", "%s needs --db URI and --name NAME", sub) + 1;
    int64_t at = (int64_t)time(NULL);
    const char *when = !strcmp(sub, "measure") ? v[O_AS_OF] : v[O_AT];
    if (when && cli_parse_int64(when, &at))
        return cli_fail("campaign", "%s '%s' is not an integer (UTC seconds)",
                        !strcmp(sub, "measure") ? "--as-of" : "--at", when) + 1;
    patron_db *db;
    if (cli_open_store("campaign", v[O_DB], 0, 0, &db))
        return 1;
    int ret = !strcmp(sub, "create")   ? create(db, v)
              : !strcmp(sub, "assign") ? assign(db, v, at)
              : !strcmp(sub, "target") ? target(db, v, at)
                                       : measure(db, v, at);
    patron_close(db);
    return ret;
}
