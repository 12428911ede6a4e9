/* `patron audit`: the audit trail of a store (include/patron/audit.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage_all[] =
    "usage: patron audit list --db URI [--member ID] [--by ACTOR] [--from SECONDS]\n"
    "                         [--to SECONDS] [--after ENTRY] [--limit N] [--format text|json]\n"
    "\n"
    "The administrative changes (policy, tiers, earning rules, adjustments,\n"
    "merges, erasures, the events switch) in recording order: who made each,\n"
    "what and when. Filters: about member ID (a number, #N, a phone or an\n"
    "e-mail), by ACTOR (the name given with --actor, the store option that\n"
    "says who makes changes), recorded in [--from, --to), entries after id\n"
    "ENTRY (paging), at most N (default 1000). --format json prints one JSON\n"
    "object per line: {\"id\": I, \"at\": T, \"actor\": A, \"action\": X,\n"
    "\"member_id\": M, "
    "\"detail\": {...}}.\n"
    "\n"
    "example:\n"
    "  patron audit list --db shop.db --by alice --from 1767225600\n";

static int list(int argc, char **argv)
{
    static const char *const names[] = {"--db", "--member", "--by", "--from", "--to", "--after", "--limit", "--format"};
    const char *v[8] = {0};
    int rc = cli_parse_table("audit", argc, argv, 2, names, 8, v);
    if (rc == 1) {
        fputs(usage_all, stdout);
        return 0;
    }
    if (rc)
        return rc;
    if (!v[0])
        return cli_fail("audit", "list needs --db (try `patron audit list --help`)") + 1;
    int json = v[7] && !strcmp(v[7], "json");
    if (v[7] && !json && strcmp(v[7], "text"))
        return cli_fail("audit", "--format '%s' is not text or json", v[7]) + 1;
    patron_audit_query q = PATRON_AUDIT_QUERY_INIT;
    q.actor = v[2];
    int64_t *nums[] = {&q.since, &q.until, &q.after_id, &q.limit};
    for (int i = 0; i < 4; i++)
        if (v[3 + i] && cli_parse_int64(v[3 + i], nums[i]))
            return cli_fail("audit", "%s '%s' is not an integer", names[3 + i], v[3 + i]) + 1;
    patron_db *db;
    if (cli_open_store("audit", v[0], 1, 0, &db))
        return 1;
    int ret = 0, lrc;
    if (v[1] && cli_parse_int64(v[1], &q.member_id) && (lrc = patron_profile_find(db, &q.member_id, v[1])))
        ret = cli_fail_rc("audit", lrc, v[1]);
    patron_audit_entries *l = NULL;
    if (!ret && (lrc = patron_audit_list(db, &l, &q)))
        ret = cli_fail_rc("audit", lrc, "list");
    for (size_t i = 0; i < patron_audit_entries_count(l); i++) {
        const patron_audit_entry *e = patron_audit_entries_get(l, i);
        if (json) {
            printf("{\"id\": %" PRId64 ", \"at\": %" PRId64 ", \"actor\": ", e->id, e->at);
            cli_json_str(e->actor);
            printf(", \"action\": ");
            cli_json_str(e->action);
            printf(", \"member_id\": %" PRId64 ", \"detail\": %s}\n", e->member_id, e->detail);
        } else {
            printf("%" PRId64 " at %" PRId64 " %s %s member %" PRId64 " %s\n", e->id, e->at, e->actor, e->action,
                   e->member_id, e->detail);
        }
    }
    patron_audit_entries_free(l);
    patron_close(db);
    return ret;
}

int cmd_audit(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage_all, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "list"))
        return list(argc, argv);
    return cli_fail("audit", "unknown subcommand '%s' (list)", argv[1]) + 1;
}
