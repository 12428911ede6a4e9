/* `patron tier`: configure the tiers of a store, show a member's tier,
 * lifetime tiers, named benefits, the periodic review. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

#define MAX_TIERS 32

static const char usage_all[] =
    "usage: patron tier <subcommand> [options]\n"
    "\n"
    "subcommands:\n"
    "  configure  set the tiers and how members qualify for them\n"
    "  show       a member's tier status\n"
    "  review     the periodic review: upgrades, graces, downgrades\n"
    "  lifetime   mark a tier as a lifetime tier (or --off)\n"
    "  benefits   set a tier's named benefits, or list a member's\n"
    "\n"
    "`patron tier <subcommand> --help` describes each one.\n";

static const char usage_show[] =
    "usage: patron tier show --db PATH --member ID [--at SECONDS] [--format text|json]\n"
    "\n"
    "A member's current tier, since when, the qualifying value at --at (default:\n"
    "now) and the tier it qualifies for; the tier's expiry date, the lifetime\n"
    "tier held and the points balance. ID is a phone number, an e-mail address\n"
    "or #N.\n";

static const char usage_review[] =
    "usage: patron tier review --db PATH [--at SECONDS]\n"
    "\n"
    "Review every active member at --at (default: now) with patron_tier_review:\n"
    "upgrades, graces, downgrades by the configured mode. Prints how many\n"
    "members changed tier.\n";

static const char usage_lifetime[] =
    "usage: patron tier lifetime --db PATH --tier NAME [--off]\n"
    "\n"
    "Mark a configured tier as a lifetime tier: members who have held it are\n"
    "never moved below it. --off removes the mark.\n";

static const char usage_benefits[] =
    "usage: patron tier benefits --db PATH (--tier NAME [--benefit TEXT ...] | --member ID)\n"
    "                            [--format text|json]\n"
    "\n"
    "With --tier: set that tier's named benefits (\"free shipping\", \"lounge\"),\n"
    "in the order a till shows them, replacing earlier ones (no --benefit\n"
    "removes them). With --member: list the benefits of the member's tier.\n";

static const char usage_configure[] =
    "usage: patron tier configure --db PATH (--tier NAME=THRESHOLD ... | --file FILE)\n"
    "                             [--metric M] [--window W] [--window-days N]\n"
    "                             [--grace-days N]\n"
    "\n"
    "Set the tiers (replacing earlier ones; members keep their tier until their\n"
    "next evaluation) by calling patron_tier_configure.\n"
    "\n"
    "  --tier NAME=THRESHOLD  a tier and the qualifying value it needs; repeat\n"
    "                         in increasing order, the first usually at 0\n"
    "  --file FILE            the tiers as CSV with the header name,threshold\n"
    "  --metric M             spend (default; thresholds in minor units, cents),\n"
    "                         points, or purchases (a count)\n"
    "  --window W             rolling (default) or calendar-year\n"
    "  --window-days N        length of the rolling window (default 365)\n"
    "  --grace-days N         days a member keeps a tier after failing to\n"
    "                         requalify (default 30; 0 = moved down at once)\n"
    "  --downgrade MODE       recompute (default: to the tier the value gives),\n"
    "                         one-level, or balance (kept while the points\n"
    "                         balance is at least --keep-balance)\n"
    "  --keep-balance N       points that keep the tier in balance mode\n"
    "  --expiry-months N      keep a tier N months after the end of the period\n"
    "                         it was last reached in (0 = no expiry dates)\n"
    "\n"
    "example:\n"
    "  patron tier configure --db shop.db --tier member=0 --tier silver=50000 \\\n"
    "    --tier gold=200000\n";

typedef struct {
    patron_tier_def defs[MAX_TIERS];
    char *names[MAX_TIERS];
    size_t n;
} tier_list;

static void tiers_free(tier_list *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->names[i]);
    t->n = 0;
}

/* One tier "NAME=THRESHOLD" (or NAME and THRESHOLD split at `sep`). */
static int tier_add(tier_list *t, const char *text, char sep, const char *where)
{
    const char *eq = strrchr(text, sep);
    if (!eq || eq == text)
        return cli_fail("tier", "%s: expected NAME%cTHRESHOLD, got '%s'", where, sep, text);
    if (t->n == MAX_TIERS)
        return cli_fail("tier", "%s: at most %d tiers", where, MAX_TIERS);
    int64_t th;
    if (cli_parse_int64(eq + 1, &th))
        return cli_fail("tier", "%s: threshold '%s' of tier '%.*s' is not an integer", where, eq + 1,
                        (int)(eq - text), text);
    char *name = malloc((size_t)(eq - text) + 1);
    if (!name)
        return cli_fail("tier", "out of memory");
    memcpy(name, text, (size_t)(eq - text));
    name[eq - text] = '\0';
    t->names[t->n] = name;
    t->defs[t->n].name = name;
    t->defs[t->n].threshold = th;
    t->n++;
    return 0;
}

static int tiers_from_file(tier_list *t, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return cli_fail("tier", "%s: cannot open", path);
    char line[512], where[600];
    int rc = 0;
    for (unsigned long no = 1; !rc && fgets(line, sizeof line, f); no++) {
        line[strcspn(line, "\r\n")] = '\0';
        snprintf(where, sizeof where, "%s: line %lu", path, no);
        if (no == 1) {
            if (strcmp(line, "name,threshold"))
                rc = cli_fail("tier", "%s: expected the header name,threshold", where);
        } else if (line[0]) {
            rc = tier_add(t, line, ',', where);
        }
    }
    fclose(f);
    if (!rc && t->n == 0)
        rc = cli_fail("tier", "%s: no tiers", path);
    return rc;
}

static int parse_small(const char *opt, const char *v, int *out)
{
    int64_t n;
    if (cli_parse_int64(v, &n) || n < 0 || n > 100000)
        return cli_fail("tier", "%s '%s' is not a number of days", opt, v);
    *out = (int)n;
    return 0;
}

static int configure(int argc, char **argv)
{
    const char *dbp = NULL, *file = NULL;
    patron_tier_config cfg = PATRON_TIER_CONFIG_INIT;
    tier_list t = {{{0}}, {0}, 0};
    int rc = 0;
    for (int i = 2; i < argc && !rc; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_configure, stdout);
            tiers_free(&t);
            return 0;
        } else if ((v = cli_opt(argc, argv, &i, "--db", &missing))) {
            dbp = v;
        } else if ((v = cli_opt(argc, argv, &i, "--tier", &missing))) {
            rc = tier_add(&t, v, '=', "--tier") ? 2 : 0;
        } else if ((v = cli_opt(argc, argv, &i, "--file", &missing))) {
            file = v;
        } else if ((v = cli_opt(argc, argv, &i, "--metric", &missing))) {
            if (!strcmp(v, "spend"))
                cfg.metric = PATRON_TIER_SPEND;
            else if (!strcmp(v, "points"))
                cfg.metric = PATRON_TIER_POINTS;
            else if (!strcmp(v, "purchases"))
                cfg.metric = PATRON_TIER_PURCHASES;
            else
                rc = cli_fail("tier", "--metric '%s' is not spend, points or purchases", v) + 1;
        } else if ((v = cli_opt(argc, argv, &i, "--window", &missing))) {
            if (!strcmp(v, "rolling"))
                cfg.window = PATRON_TIER_ROLLING;
            else if (!strcmp(v, "calendar-year"))
                cfg.window = PATRON_TIER_CALENDAR_YEAR;
            else
                rc = cli_fail("tier", "--window '%s' is not rolling or calendar-year", v) + 1;
        } else if ((v = cli_opt(argc, argv, &i, "--window-days", &missing))) {
            rc = parse_small("--window-days", v, &cfg.window_days) ? 2 : 0;
        } else if ((v = cli_opt(argc, argv, &i, "--grace-days", &missing))) {
            rc = parse_small("--grace-days", v, &cfg.grace_days) ? 2 : 0;
        } else if ((v = cli_opt(argc, argv, &i, "--downgrade", &missing))) {
            if (!strcmp(v, "recompute"))
                cfg.downgrade = PATRON_TIER_DOWNGRADE_RECOMPUTE;
            else if (!strcmp(v, "one-level"))
                cfg.downgrade = PATRON_TIER_DOWNGRADE_ONE_LEVEL;
            else if (!strcmp(v, "balance"))
                cfg.downgrade = PATRON_TIER_DOWNGRADE_BALANCE;
            else
                rc = cli_fail("tier", "--downgrade '%s' is not recompute, one-level or balance", v) + 1;
        } else if ((v = cli_opt(argc, argv, &i, "--keep-balance", &missing))) {
            if (cli_parse_int64(v, &cfg.keep_balance))
                rc = cli_fail("tier", "--keep-balance '%s' is not an integer", v) + 1;
        } else if ((v = cli_opt(argc, argv, &i, "--expiry-months", &missing))) {
            rc = parse_small("--expiry-months", v, &cfg.expiry_months) ? 2 : 0;
        } else {
            rc = cli_fail("tier", missing ? "%s needs a value" : "unknown option '%s' (try `patron tier configure --help`)",
                          argv[i]) + 1;
        }
        if (!rc && missing)
            rc = cli_fail("tier", "%s needs a value", argv[i]) + 1;
    }
    if (!rc && !dbp)
        rc = cli_fail("tier", "configure needs --db (try `patron tier configure --help`)") + 1;
    if (!rc && !!file == !!t.n)
        rc = cli_fail("tier", "configure needs the tiers: --tier NAME=THRESHOLD ... or --file FILE") + 1;
    if (!rc && file)
        rc = tiers_from_file(&t, file);
    patron_db *db = NULL;
    if (!rc && cli_open_store("tier", dbp, 0, 0, &db))
        rc = 1;
    int lrc;
    if (!rc && (lrc = patron_tier_configure(db, &cfg, t.defs, t.n)))
        rc = cli_fail_rc("tier", lrc, "configure");
    if (!rc)
        printf("configured %zu tier%s\n", t.n, t.n == 1 ? "" : "s");
    patron_close(db);
    tiers_free(&t);
    return rc;
}

static int show(int argc, char **argv)
{
    const char *dbp = NULL, *mem = NULL, *ats = NULL, *fmt = NULL;
    for (int i = 2; i < argc; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_show, stdout);
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
    patron_tier_detail s = PATRON_TIER_DETAIL_INIT;
    int ret = 0;
    if ((rc = patron_profile_find(db, &id, mem)))
        ret = cli_fail_rc("tier", rc, mem);
    else if ((rc = patron_tier_get_detail(db, &s, id, at))) {
        ret = cli_fail_rc("tier", rc, "show");
        if (rc == PATRON_EINVAL && strstr(patron_errmsg(), "no tiers are configured"))
            fprintf(stderr, "patron tier: configure them with `patron tier configure`\n");
    } else if (fmt && !strcmp(fmt, "json")) {
        /* the JSON convention: no tier yet, no grace period -> null */
        printf("{\"member_id\": %" PRId64 ", \"tier\": ", id);
        if (s.tier[0])
            printf("\"%s\"", s.tier);
        else
            printf("null");
        if (s.tier[0])
            printf(", \"since\": %" PRId64, s.since);
        else
            printf(", \"since\": null");
        printf(", \"value\": %" PRId64 ", \"qualifies\": ", s.value);
        if (s.qualifies[0])
            printf("\"%s\"", s.qualifies);
        else
            printf("null");
        if (s.grace_until)
            printf(", \"grace_until\": %" PRId64, s.grace_until);
        else
            printf(", \"grace_until\": null");
        if (s.valid_until)
            printf(", \"valid_until\": %" PRId64, s.valid_until);
        else
            printf(", \"valid_until\": null");
        if (s.lifetime[0])
            printf(", \"lifetime\": \"%s\"", s.lifetime);
        else
            printf(", \"lifetime\": null");
        printf(", \"available\": %" PRId64 "}\n", s.available);
    }
    else {
        printf("member %" PRId64 ": tier %s since %" PRId64 "; qualifying value %" PRId64 " (qualifies for %s)%s", id,
               s.tier[0] ? s.tier : "(none)", s.since, s.value, s.qualifies, s.grace_until ? "; in grace" : "");
        if (s.valid_until)
            printf("; kept until %" PRId64, s.valid_until);
        if (s.lifetime[0])
            printf("; lifetime tier %s", s.lifetime);
        printf("\n");
    }
    patron_close(db);
    return ret;
}

/* The options of review, lifetime and benefits: --db, --at, --tier,
 * --member, --format, --off, and repeated --benefit (at most 32). */
typedef struct small_opts {
    const char *db, *at, *tier, *member, *format;
    int off;
    const char *benefits[32];
    size_t n;
} small_opts;

static int parse_small_opts(int argc, char **argv, const char *usage, small_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 2; i < argc; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return -1;
        } else if (!strcmp(argv[i], "--off")) {
            o->off = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--db", &missing))) {
            o->db = v;
        } else if ((v = cli_opt(argc, argv, &i, "--at", &missing))) {
            o->at = v;
        } else if ((v = cli_opt(argc, argv, &i, "--tier", &missing))) {
            o->tier = v;
        } else if ((v = cli_opt(argc, argv, &i, "--member", &missing))) {
            o->member = v;
        } else if ((v = cli_opt(argc, argv, &i, "--format", &missing))) {
            o->format = v;
        } else if ((v = cli_opt(argc, argv, &i, "--benefit", &missing))) {
            if (o->n == 32)
                return cli_fail("tier", "at most 32 --benefit options") + 1;
            o->benefits[o->n++] = v;
        } else {
            return cli_fail("tier", missing ? "%s needs a value" : "unknown option '%s' (try --help)", argv[i]) + 1;
        }
    }
    if (!o->db)
        return cli_fail("tier", "--db is required (try --help)") + 1;
    return 0;
}

static int review(int argc, char **argv)
{
    small_opts o;
    int ret = parse_small_opts(argc, argv, usage_review, &o);
    if (ret)
        return ret < 0 ? 0 : ret;
    int64_t at = (int64_t)time(NULL), changed = 0;
    if (o.at && cli_parse_int64(o.at, &at))
        return cli_fail("tier", "--at '%s' is not an integer", o.at) + 1;
    patron_db *db;
    if (cli_open_store("tier", o.db, 0, 0, &db))
        return 1;
    int rc = patron_tier_review(db, &changed, at);
    if (rc)
        ret = cli_fail_rc("tier", rc, "review");
    else
        printf("reviewed: %" PRId64 " member%s changed tier\n", changed, changed == 1 ? "" : "s");
    patron_close(db);
    return ret;
}

static int lifetime(int argc, char **argv)
{
    small_opts o;
    int ret = parse_small_opts(argc, argv, usage_lifetime, &o);
    if (ret)
        return ret < 0 ? 0 : ret;
    if (!o.tier)
        return cli_fail("tier", "lifetime needs --tier NAME") + 1;
    patron_db *db;
    if (cli_open_store("tier", o.db, 0, 0, &db))
        return 1;
    int rc = patron_tier_set_lifetime(db, o.tier, !o.off);
    if (rc)
        ret = cli_fail_rc("tier", rc, "lifetime");
    else
        printf("tier %s is %sa lifetime tier\n", o.tier, o.off ? "not " : "");
    patron_close(db);
    return ret;
}

static int benefits(int argc, char **argv)
{
    small_opts o;
    int ret = parse_small_opts(argc, argv, usage_benefits, &o);
    if (ret)
        return ret < 0 ? 0 : ret;
    if (!!o.tier == !!o.member)
        return cli_fail("tier", "benefits needs --tier NAME (to set them) or --member ID (to list them)") + 1;
    if (o.member && o.n)
        return cli_fail("tier", "--benefit sets a tier's benefits: use it with --tier") + 1;
    patron_db *db;
    if (cli_open_store("tier", o.db, 0, 0, &db))
        return 1;
    int rc;
    if (o.tier) {
        if ((rc = patron_tier_set_benefits(db, o.tier, o.n ? o.benefits : NULL, o.n)))
            ret = cli_fail_rc("tier", rc, "benefits");
        else
            printf("tier %s: %zu benefit%s\n", o.tier, o.n, o.n == 1 ? "" : "s");
    } else {
        int64_t id;
        patron_tier_benefit *b = NULL;
        size_t n = 0;
        if ((rc = patron_profile_find(db, &id, o.member)))
            ret = cli_fail_rc("tier", rc, o.member);
        else if ((rc = patron_tier_member_benefits(db, &b, &n, id)))
            ret = cli_fail_rc("tier", rc, "benefits");
        else if (o.format && !strcmp(o.format, "json")) {
            printf("{\"member_id\": %" PRId64 ", \"benefits\": [", id);
            for (size_t i = 0; i < n; i++) {
                printf("%s", i ? ", " : "");
                cli_json_str(b[i].name);
            }
            printf("]}\n");
        } else {
            for (size_t i = 0; i < n; i++)
                printf("%s\n", b[i].name);
        }
        patron_free(b);
    }
    patron_close(db);
    return ret;
}

int cmd_tier(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage_all, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "configure"))
        return configure(argc, argv);
    if (!strcmp(argv[1], "show"))
        return show(argc, argv);
    if (!strcmp(argv[1], "review"))
        return review(argc, argv);
    if (!strcmp(argv[1], "lifetime"))
        return lifetime(argc, argv);
    if (!strcmp(argv[1], "benefits"))
        return benefits(argc, argv);
    return cli_fail("tier", "unknown subcommand '%s' (configure, show, review, lifetime, benefits)", argv[1]) + 1;
}
