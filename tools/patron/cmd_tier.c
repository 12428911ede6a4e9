/* `patron tier show`: a member's tier status. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage[] = "usage: patron tier show --db PATH --member ID [--at SECONDS] [--format text|json]\n"
                            "ID is a phone number, an e-mail address or #N.\n";

int cmd_tier(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "show"))
        return cli_fail("tier", "unknown subcommand '%s' (show)", argv[1]) + 1;
    const char *dbp = NULL, *mem = NULL, *ats = NULL, *fmt = NULL;
    for (int i = 2; i < argc; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            return 0;
        } else if ((v = cli_opt(argc, argv, &i, "--db", &missing))) {
            dbp = v;
        } else if ((v = cli_opt(argc, argv, &i, "--member", &missing))) {
            mem = v;
        } else if ((v = cli_opt(argc, argv, &i, "--at", &missing))) {
            ats = v;
        } else if ((v = cli_opt(argc, argv, &i, "--format", &missing))) {
            fmt = v;
        } else {
            return cli_fail("tier", missing ? "%s needs a value" : "unknown option '%s' (try --help)", argv[i]) + 1;
        }
    }
    if (!dbp || !mem)
        return cli_fail("tier", "--db and --member are required") + 1;
    int64_t at = (int64_t)time(NULL);
    if (ats && cli_parse_int64(ats, &at))
        return cli_fail("tier", "--at '%s' is not an integer", ats) + 1;
    patron_db *db;
    if (cli_open_store("tier", dbp, 0, 0, &db))
        return 1;
    int rc;
    int64_t id;
    patron_tier_status s;
    int ret = 0;
    if ((rc = patron_profile_find(db, &id, mem)))
        ret = cli_fail_rc("tier", rc, mem);
    else if ((rc = patron_tier_get(db, &s, id, at)))
        ret = cli_fail_rc("tier", rc, "show");
    else if (fmt && !strcmp(fmt, "json"))
        printf("{\"member_id\": %" PRId64 ", \"tier\": \"%s\", \"since\": %" PRId64 ", \"value\": %" PRId64
               ", \"qualifies\": \"%s\", \"grace_until\": %" PRId64 "}\n",
               id, s.tier, s.since, s.value, s.qualifies, s.grace_until);
    else
        printf("member %" PRId64 ": tier %s since %" PRId64 "; qualifying value %" PRId64 " (qualifies for %s)%s\n", id,
               s.tier[0] ? s.tier : "(none)", s.since, s.value, s.qualifies, s.grace_until ? "; in grace" : "");
    patron_close(db);
    return ret;
}
