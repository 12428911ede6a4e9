/* `patron events`: the events outbox of a store (include/patron/events.h):
 * switch it on or off, print events after a cursor or a consumer's stored
 * cursor, acknowledge, run the job of time-driven events. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage_all[] =
    "usage: patron events <subcommand> [options]\n"
    "\n"
    "subcommands:\n"
    "  tail     print the events after a cursor or a consumer's cursor\n"
    "  ack      store a consumer's cursor (the last event it handled)\n"
    "  enable   start recording events in this store\n"
    "  disable  stop recording events (what is recorded stays)\n"
    "  notify   append the time-driven events (points matured, expiring soon)\n"
    "\n"
    "`patron events <subcommand> --help` describes each one.\n";

static const char usage_tail[] =
    "usage: patron events tail --db URI [--from CURSOR | --consumer NAME [--ack]]\n"
    "                          [--limit N] [--format text|json]\n"
    "\n"
    "Print up to --limit (default 100, at most 10000) events in delivery order:\n"
    "after position CURSOR (default 0, the start), or after the cursor consumer\n"
    "NAME acknowledged last. --ack acknowledges what was printed, so the next\n"
    "`tail --consumer NAME` continues after it (print, then acknowledge: a\n"
    "consumer killed in between prints those events again). The last line\n"
    "(text) or the \"next\" field of the last object (json) is the cursor to\n"
    "continue from. --format json prints one JSON object per line:\n"
    "  {\"position\": P, \"id\": I, \"member_id\": M, \"kind\": K, \"at\": T, \"payload\": {...}}\n"
    "\n"
    "example:\n"
    "  patron events tail --db shop.db --consumer crm --ack --format json\n";

static const char usage_ack[] =
    "usage: patron events ack --db URI --consumer NAME --position P\n"
    "\n"
    "Store P (a position printed by `tail`) as consumer NAME's cursor. A cursor\n"
    "only moves forward: an older position changes nothing.\n";

static const char usage_switch[] =
    "usage: patron events enable|disable --db URI [--actor NAME]\n"
    "\n"
    "Switch the store's outbox on (every change of a member's state appends an\n"
    "event from then on) or off. Recorded in the audit trail.\n";

static const char usage_notify[] =
    "usage: patron events notify --db URI [--at SECONDS] [--days N]\n"
    "\n"
    "The job of time-driven events (run it daily): points.matured for pending\n"
    "points that matured since the last run, points.expiring for points that\n"
    "expire within N days (default 30). --at defaults to now.\n";

static int tail(int argc, char **argv)
{
    static const char *const names[] = {"--db", "--from", "--consumer", "--limit", "--format"};
    const char *v[5] = {0};
    int ack = 0;
    /* --ack is a flag: take it out first */
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--ack"))
            ack = 1;
        else
            argv[n++] = argv[i];
    }
    argc = n;
    int rc = cli_parse_table("events", argc, argv, 2, names, 5, v);
    if (rc == 1) {
        fputs(usage_tail, stdout);
        return 0;
    }
    if (rc)
        return rc;
    if (!v[0])
        return cli_fail("events", "tail needs --db (try `patron events tail --help`)") + 1;
    if (v[1] && v[2])
        return cli_fail("events", "tail takes --from or --consumer, not both") + 1;
    if (ack && !v[2])
        return cli_fail("events", "--ack needs --consumer (whose cursor to store)") + 1;
    int json = v[4] && !strcmp(v[4], "json");
    if (v[4] && !json && strcmp(v[4], "text"))
        return cli_fail("events", "--format '%s' is not text or json", v[4]) + 1;
    int64_t from = 0, limit = 100;
    if (v[1] && (cli_parse_int64(v[1], &from) || from < 0))
        return cli_fail("events", "--from '%s' is not a cursor (a position, 0 for the start)", v[1]) + 1;
    if (v[3] && (cli_parse_int64(v[3], &limit) || limit < 1 || limit > PATRON_EVENTS_READ_MAX))
        return cli_fail("events", "--limit '%s' is not a number 1..%d", v[3], PATRON_EVENTS_READ_MAX) + 1;
    patron_db *db;
    if (cli_open_store("events", v[0], 0, 0, &db))
        return 1;
    patron_event_list *l = NULL;
    int lrc = v[2] ? patron_events_fetch(db, &l, v[2], (size_t)limit) : patron_events_read(db, &l, from, (size_t)limit);
    int ret = lrc ? cli_fail_rc("events", lrc, "tail") : 0;
    size_t count = patron_event_list_count(l);
    for (size_t i = 0; i < count; i++) {
        const patron_event *e = patron_event_list_get(l, i);
        if (json) {
            printf("{\"position\": %" PRId64 ", \"id\": %" PRId64 ", \"member_id\": %" PRId64 ", \"kind\": ",
                   e->position, e->id, e->member_id);
            cli_json_str(e->kind);
            printf(", \"at\": %" PRId64 ", \"payload\": %s, \"next\": %" PRId64 "}\n", e->at, e->payload, e->position);
        } else {
            printf("%" PRId64 " %s member %" PRId64 " at %" PRId64 " %s\n", e->position, e->kind, e->member_id, e->at,
                   e->payload);
        }
    }
    if (!ret && !json)
        printf("next %" PRId64 "\n", patron_event_list_last(l));
    if (!ret && ack && count && (lrc = patron_events_ack(db, v[2], patron_event_list_last(l))))
        ret = cli_fail_rc("events", lrc, "ack");
    patron_event_list_free(l);
    patron_close(db);
    return ret;
}

static int ack(int argc, char **argv)
{
    static const char *const names[] = {"--db", "--consumer", "--position"};
    const char *v[3] = {0};
    int rc = cli_parse_table("events", argc, argv, 2, names, 3, v);
    if (rc == 1) {
        fputs(usage_ack, stdout);
        return 0;
    }
    if (rc)
        return rc;
    if (!v[0] || !v[1] || !v[2])
        return cli_fail("events", "ack needs --db, --consumer and --position") + 1;
    int64_t pos;
    if (cli_parse_int64(v[2], &pos))
        return cli_fail("events", "--position '%s' is not an integer", v[2]) + 1;
    patron_db *db;
    if (cli_open_store("events", v[0], 0, 0, &db))
        return 1;
    int lrc = patron_events_ack(db, v[1], pos);
    int ret = lrc ? cli_fail_rc("events", lrc, "ack") : 0;
    int64_t cur = 0;
    if (!ret && (lrc = patron_events_cursor(db, &cur, v[1])))
        ret = cli_fail_rc("events", lrc, "ack");
    if (!ret)
        printf("consumer %s: cursor %" PRId64 "\n", v[1], cur);
    patron_close(db);
    return ret;
}

static int set_switch(int argc, char **argv, int on)
{
    static const char *const names[] = {"--db"};
    const char *v[1] = {0};
    int rc = cli_parse_table("events", argc, argv, 2, names, 1, v);
    if (rc == 1) {
        fputs(usage_switch, stdout);
        return 0;
    }
    if (rc)
        return rc;
    if (!v[0])
        return cli_fail("events", "%s needs --db", argv[1]) + 1;
    patron_db *db;
    if (cli_open_store("events", v[0], 0, 0, &db))
        return 1;
    int lrc = patron_events_enable(db, on);
    int ret = lrc ? cli_fail_rc("events", lrc, argv[1]) : 0;
    if (!ret)
        printf("events %s\n", on ? "on" : "off");
    patron_close(db);
    return ret;
}

static int notify(int argc, char **argv)
{
    static const char *const names[] = {"--db", "--at", "--days"};
    const char *v[3] = {0};
    int rc = cli_parse_table("events", argc, argv, 2, names, 3, v);
    if (rc == 1) {
        fputs(usage_notify, stdout);
        return 0;
    }
    if (rc)
        return rc;
    if (!v[0])
        return cli_fail("events", "notify needs --db") + 1;
    int64_t at = (int64_t)time(NULL), days = 30;
    if (v[1] && cli_parse_int64(v[1], &at))
        return cli_fail("events", "--at '%s' is not an integer (UTC seconds)", v[1]) + 1;
    if (v[2] && (cli_parse_int64(v[2], &days) || days < 1 || days > 3660))
        return cli_fail("events", "--days '%s' is not a number 1..3660", v[2]) + 1;
    patron_db *db;
    if (cli_open_store("events", v[0], 0, 0, &db))
        return 1;
    int64_t n = 0;
    int lrc = patron_events_notify(db, &n, at, (int)days);
    int ret = lrc ? cli_fail_rc("events", lrc, "notify") : 0;
    if (!ret)
        printf("appended %" PRId64 " event%s\n", n, n == 1 ? "" : "s");
    patron_close(db);
    return ret;
}

int cmd_events(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage_all, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "tail"))
        return tail(argc, argv);
    if (!strcmp(argv[1], "ack"))
        return ack(argc, argv);
    if (!strcmp(argv[1], "enable") || !strcmp(argv[1], "disable"))
        return set_switch(argc, argv, !strcmp(argv[1], "enable"));
    if (!strcmp(argv[1], "notify"))
        return notify(argc, argv);
    return cli_fail("events", "unknown subcommand '%s' (tail, ack, enable, disable, notify)", argv[1]) + 1;
}
