/* `patron behaviour record|import`: what members do besides buying (visits,
 * cart additions, campaign messages, answers, NPS) into the store. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage[] =
    "usage: patron behaviour record --db URI --member ID --kind KIND --key KEY [--at S] [--source S]\n"
    "                               [--campaign C] [--subject S] [--value V] [--score N]\n"
    "       patron behaviour import --db URI --input events.csv\n"
    "KIND is visit, cart_add, sent, opened, clicked, answer, nps or preference; ID a phone number,\n"
    "an e-mail address or #N; times UTC seconds (default now). The KEY makes a record idempotent\n"
    "per member. The CSV has a header with member, at, kind, key and optionally source, campaign,\n"
    "subject, value, score; a file is recorded all or nothing.\n";

static const cli_sub subs[] = {
    {"record", "Record one event of a member (idempotent by --key)."},
    {"import", "Record the events of a CSV file, all or nothing."},
    {NULL, NULL},
};

enum { O_DB, O_MEMBER, O_KIND, O_KEY, O_AT, O_SOURCE, O_CAMPAIGN, O_SUBJECT, O_VALUE, O_SCORE, O_INPUT, O_N };
static const char *const names[O_N] = {"--db",      "--member",  "--kind",  "--key",   "--at",   "--source",
                                       "--campaign", "--subject", "--value", "--score", "--input"};

static int record(patron_db *db, const char *const *v)
{
    if (!v[O_MEMBER] || !v[O_KIND] || !v[O_KEY])
        return cli_fail("behaviour", "record needs --member, --kind and --key") + 1;
    patron_behaviour_event e = PATRON_BEHAVIOUR_EVENT_INIT;
    e.at = (int64_t)time(NULL);
    if ((v[O_AT] && cli_parse_int64(v[O_AT], &e.at)) || (v[O_SCORE] && cli_parse_int64(v[O_SCORE], &e.score)))
        return cli_fail("behaviour", "--at and --score are integers") + 1;
    int rc = patron_behaviour_kind_from_name(&e.kind, v[O_KIND]);
    if (rc == PATRON_OK)
        rc = patron_profile_find(db, &e.member_id, v[O_MEMBER]);
    if (rc)
        return cli_fail_rc("behaviour", rc, "record");
    e.key = v[O_KEY];
    e.source = v[O_SOURCE];
    e.campaign = v[O_CAMPAIGN];
    e.subject = v[O_SUBJECT];
    e.value = v[O_VALUE];
    int replayed = 0;
    if ((rc = patron_behaviour_record(db, &replayed, &e)))
        return cli_fail_rc("behaviour", rc, "record");
    printf("{\"member_id\": %" PRId64 ", \"kind\": \"%s\", \"at\": %" PRId64 ", \"replayed\": %s}\n", e.member_id,
           patron_behaviour_kind_name(e.kind), e.at, replayed ? "true" : "false");
    return 0;
}

int cmd_behaviour(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    const char *v[O_N] = {0};
    int go = cli_parse_sub("behaviour", argc, argv, 2, names, O_N, v, usage, subs, sub);
    if (go != CLI_GO)
        return go;
    if (!v[O_DB])
        return cli_fail("behaviour", "--db URI is required") + 1;
    if (!strcmp(sub, "import") && !v[O_INPUT])
        return cli_fail("behaviour", "import needs --input FILE") + 1;
    patron_db *db;
    if (cli_open_store("behaviour", v[O_DB], 0, 0, &db))
        return 1;
    int ret;
    if (!strcmp(sub, "record")) {
        ret = record(db, v);
    } else {
        int64_t n = 0;
        int rc = patron_behaviour_import_csv(db, &n, v[O_INPUT]);
        ret = rc ? cli_fail_rc("behaviour", rc, "import") : 0;
        if (!rc)
            printf("{\"recorded\": %" PRId64 "}\n", n);
    }
    patron_close(db);
    return ret;
}
