/* `patron reward add|list|redeem|cancel|fulfil`: the rewards catalogue of
 * a store (include/patron/reward.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage[] =
    "usage: patron reward add    --db URI --code CODE --cost POINTS [--stock N|unlimited] [--title T]\n"
    "                            [--from SECONDS] [--to SECONDS] [--min-tier TIER]\n"
    "       patron reward list   --db URI [--at SECONDS] [--format text|json]\n"
    "       patron reward redeem --db URI --member ID --reward CODE --key KEY [--at SECONDS]\n"
    "       patron reward cancel --db URI --key KEY [--at SECONDS]\n"
    "       patron reward fulfil --db URI --key KEY [--at SECONDS]\n"
    "CODE is 1..64 characters of a-z, 0-9, _ and -; `add` with a CODE that exists changes that\n"
    "reward (the stock given is the units left; default unlimited). ID is a phone number, an\n"
    "e-mail address or #N. A redemption takes the cost from the member's points, issues the\n"
    "reward and takes one unit of stock, all at once; the KEY makes it idempotent. `cancel`\n"
    "returns the points and the unit; `fulfil` records the hand-over. Times are UTC seconds\n"
    "(default now). `list --at` shows only what is redeemable then.\n";

static const cli_sub subs[] = {
    {"add", "Add a reward to the catalogue, or change one (audited)."},
    {"list", "The catalogue, with redemptions issued, fulfilled and cancelled."},
    {"redeem", "Redeem a reward for a member (idempotent by --key)."},
    {"cancel", "Cancel an issued redemption: points and stock come back."},
    {"fulfil", "Record that an issued redemption was handed over."},
    {NULL, NULL},
};

enum { O_DB, O_CODE, O_COST, O_STOCK, O_TITLE, O_FROM, O_TO, O_TIER, O_AT, O_FORMAT, O_MEMBER, O_REWARD, O_KEY, O_N };
static const char *const names[O_N] = {"--db", "--code",   "--cost",   "--stock",  "--title",  "--from", "--to",
                                       "--min-tier", "--at", "--format", "--member", "--reward", "--key"};

static void print_redemption(const patron_redemption *r)
{
    static const char *const status[] = {"", "issued", "fulfilled", "cancelled"};
    printf("{\"id\": %" PRId64 ", \"key\": ", r->id);
    cli_json_str(r->key);
    printf(", \"reward\": ");
    cli_json_str(r->reward);
    printf(", \"member_id\": %" PRId64 ", \"points\": %" PRId64 ", \"posting_id\": %" PRId64
           ", \"status\": \"%s\", \"redeemed_at\": %" PRId64 ", \"changed_at\": ",
           r->member_id, r->points, r->posting_id, r->status >= 1 && r->status <= 3 ? status[r->status] : "",
           r->at);
    if (r->changed_at)
        printf("%" PRId64, r->changed_at);
    else
        printf("null");
    printf(", \"replayed\": %s}\n", r->replayed ? "true" : "false");
}

static int add(patron_db *db, const char *const *v)
{
    if (!v[O_CODE] || !v[O_COST])
        return cli_fail("reward", "add needs --code and --cost") + 1;
    patron_reward r = PATRON_REWARD_INIT;
    r.code = v[O_CODE];
    r.title = v[O_TITLE];
    r.min_tier = v[O_TIER];
    if (cli_parse_int64(v[O_COST], &r.cost) ||
        (v[O_STOCK] && strcmp(v[O_STOCK], "unlimited") && cli_parse_int64(v[O_STOCK], &r.stock)) ||
        (v[O_FROM] && cli_parse_int64(v[O_FROM], &r.valid_from)) || (v[O_TO] && cli_parse_int64(v[O_TO], &r.valid_to)))
        return cli_fail("reward", "--cost, --stock, --from and --to are integers (--stock may be 'unlimited')") + 1;
    int created = 0, rc = patron_reward_set(db, &created, &r);
    if (rc)
        return cli_fail_rc("reward", rc, "add");
    printf("{\"code\": ");
    cli_json_str(r.code);
    printf(", \"created\": %s}\n", created ? "true" : "false");
    return 0;
}

static int list(patron_db *db, const char *const *v)
{
    int64_t at = 0;
    if (v[O_AT] && cli_parse_int64(v[O_AT], &at))
        return cli_fail("reward", "--at '%s' is not an integer of seconds", v[O_AT]) + 1;
    int json = v[O_FORMAT] && !strcmp(v[O_FORMAT], "json");
    if (v[O_FORMAT] && !json && strcmp(v[O_FORMAT], "text"))
        return cli_fail("reward", "--format '%s' is not text or json", v[O_FORMAT]) + 1;
    patron_reward_catalogue *l = NULL;
    int rc = patron_reward_list(db, &l, at);
    if (rc)
        return cli_fail_rc("reward", rc, "list");
    for (size_t i = 0; i < patron_reward_catalogue_count(l); i++) {
        const patron_reward_info *r = patron_reward_catalogue_get(l, i);
        if (!json) {
            char stock[32];
            if (r->stock == PATRON_REWARD_UNLIMITED)
                snprintf(stock, sizeof stock, "unlimited");
            else
                snprintf(stock, sizeof stock, "%" PRId64, r->stock);
            printf("%s  cost %" PRId64 "  stock %s  issued %" PRId64 "  fulfilled %" PRId64 "  cancelled %" PRId64
                   "%s%s%s%s\n", r->code, r->cost, stock, r->issued, r->fulfilled, r->cancelled,
                   r->min_tier[0] ? "  tier " : "", r->min_tier, r->title[0] ? "  " : "", r->title);
            continue;
        }
        printf("{\"code\": ");
        cli_json_str(r->code);
        printf(", \"title\": ");
        cli_json_str(r->title[0] ? r->title : NULL);
        printf(", \"cost\": %" PRId64 ", \"stock\": ", r->cost);
        if (r->stock == PATRON_REWARD_UNLIMITED)
            printf("null");
        else
            printf("%" PRId64, r->stock);
        printf(", \"valid_from\": %" PRId64 ", \"valid_until\": ", r->valid_from);
        if (r->valid_to)
            printf("%" PRId64, r->valid_to);
        else
            printf("null");
        printf(", \"min_tier\": ");
        cli_json_str(r->min_tier[0] ? r->min_tier : NULL);
        printf(", \"issued\": %" PRId64 ", \"fulfilled\": %" PRId64 ", \"cancelled\": %" PRId64 "}\n", r->issued,
               r->fulfilled, r->cancelled);
    }
    patron_reward_catalogue_free(l);
    return 0;
}

static int redeem(patron_db *db, const char *const *v, int64_t at)
{
    if (!v[O_MEMBER] || !v[O_REWARD] || !v[O_KEY])
        return cli_fail("reward", "redeem needs --member, --reward and --key") + 1;
    patron_reward_request q = PATRON_REWARD_REQUEST_INIT;
    int rc = patron_profile_find(db, &q.member_id, v[O_MEMBER]);
    if (rc)
        return cli_fail_rc("reward", rc, "redeem");
    q.key = v[O_KEY];
    q.reward = v[O_REWARD];
    q.at = at;
    patron_redemption r;
    r.size = sizeof r;
    if ((rc = patron_reward_redeem(db, &r, &q)))
        return cli_fail_rc("reward", rc, "redeem");
    print_redemption(&r);
    return 0;
}

static int settle(patron_db *db, const char *sub, const char *const *v, int64_t at)
{
    if (!v[O_KEY])
        return cli_fail("reward", "%s needs --key", sub) + 1;
    patron_redemption r;
    r.size = sizeof r;
    int rc = !strcmp(sub, "cancel") ? patron_reward_cancel(db, &r, v[O_KEY], at)
                                    : patron_reward_fulfil(db, &r, v[O_KEY], at);
    if (rc)
        return cli_fail_rc("reward", rc, sub);
    print_redemption(&r);
    return 0;
}

int cmd_reward(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    const char *v[O_N] = {0};
    int go = cli_parse_sub("reward", argc, argv, 2, names, O_N, v, usage, subs, sub);
    if (go != CLI_GO)
        return go;
    if (!v[O_DB])
        return cli_fail("reward", "--db URI is required") + 1;
    int64_t at = (int64_t)time(NULL);
    if (strcmp(sub, "list") && v[O_AT] && cli_parse_int64(v[O_AT], &at))
        return cli_fail("reward", "--at '%s' is not an integer of seconds", v[O_AT]) + 1;
    patron_db *db;
    if (cli_open_store("reward", v[O_DB], !strcmp(sub, "list"), 0, &db))
        return 1;
    int ret = !strcmp(sub, "add")      ? add(db, v)
              : !strcmp(sub, "list")   ? list(db, v)
              : !strcmp(sub, "redeem") ? redeem(db, v, at)
                                       : settle(db, sub, v, at);
    patron_close(db);
    return ret;
}
