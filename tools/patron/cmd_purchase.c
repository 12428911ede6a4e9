/* `patron purchase record|return|release`: purchases into a store (scored by the
 * earning rules in the same call, idempotent by key). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage[] =
    "usage: patron purchase record --db URI --member ID --key KEY --amount MINOR [--category C]\n"
    "                              [--product P] [--quantity N] [--channel pos|web|app|...]\n"
    "                              [--location STORE] [--hold until-action] [--at S]\n"
    "       patron purchase return --db URI --key KEY [--at S]\n"
    "       patron purchase release --db URI --key KEY [--at S]\n"
    "       patron purchase import --db URI --input purchases.csv\n"
    "ID is a phone number, an e-mail address or #N; MINOR is the amount in minor units (cents);\n"
    "times are UTC seconds (default: now). The KEY (order id) makes `record` idempotent; `return`\n"
    "reverses the purchase's points and takes it out of analytics from --at on. `--hold until-action`\n"
    "keeps the points pending until `release` (order shipped, return window closed). The CSV of\n"
    "`import` has a header with member, at, key and amount and optionally category, product,\n"
    "quantity, channel, location, returned_at; consecutive rows with one key are the lines of one\n"
    "purchase; a file is recorded all or nothing.\n";

static const cli_sub subs[] = {
    {"record", "Record and score a purchase of a member (one line)."},
    {"return", "Return a recorded purchase by its key."},
    {"import", "Record and score the purchases of a CSV file (history), all or nothing."},
    {"release", "Release the points of a purchase recorded with --hold until-action."},
    {NULL, NULL},
};

enum { O_DB, O_MEMBER, O_KEY, O_AMOUNT, O_CATEGORY, O_PRODUCT, O_AT, O_QUANTITY, O_CHANNEL, O_LOCATION, O_INPUT, O_HOLD,
       O_N };
static const char *const names[O_N] = {"--db",       "--member",  "--key",     "--amount",   "--category", "--product",
                                       "--at",       "--quantity", "--channel", "--location", "--input",    "--hold"};

static int num(const char *opt, const char *s, int64_t *out)
{
    if (s && cli_parse_int64(s, out))
        return cli_fail("purchase", "%s '%s' is not an integer", opt, s) + 1;
    return 0;
}

static int record(patron_db *db, const char *const *v, int64_t at)
{
    if (!v[O_MEMBER] || !v[O_KEY] || !v[O_AMOUNT])
        return cli_fail("purchase", "record needs --member, --key and --amount") + 1;
    int64_t amount = 0, member = 0, quantity = 1;
    int ret = num("--amount", v[O_AMOUNT], &amount);
    if (!ret)
        ret = num("--quantity", v[O_QUANTITY], &quantity);
    if (ret)
        return ret;
    if (v[O_HOLD] && strcmp(v[O_HOLD], "until-action"))
        return cli_fail("purchase", "--hold '%s': the only hold is until-action", v[O_HOLD]) + 1;
    int rc = patron_profile_find(db, &member, v[O_MEMBER]);
    if (rc)
        return cli_fail_rc("purchase", rc, v[O_MEMBER]);
    patron_purchase_line line = {v[O_CATEGORY], v[O_PRODUCT], amount};
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = v[O_KEY];
    p.member_id = member;
    p.at = at;
    p.lines = &line;
    p.n_lines = 1;
    p.channel = v[O_CHANNEL];
    p.location = v[O_LOCATION];
    p.quantities = v[O_QUANTITY] ? &quantity : NULL;
    p.hold_until_action = v[O_HOLD] != NULL;
    patron_earn_result res;
    if ((rc = patron_earn_purchase(db, &res, &p)))
        return cli_fail_rc("purchase", rc, "record");
    printf("{\"member_id\": %" PRId64 ", \"points\": %" PRId64 ", \"postings\": %" PRId64 ", \"replayed\": %s}\n",
           member, res.points, res.postings, res.replayed ? "true" : "false");
    return 0;
}

int cmd_purchase(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    const char *v[O_N] = {0};
    int go = cli_parse_sub("purchase", argc, argv, 2, names, O_N, v, usage, subs, sub);
    if (go != CLI_GO)
        return go;
    if (!strcmp(sub, "import") && !v[O_INPUT])
        return cli_fail("purchase", "import needs --input FILE") + 1;
    if (!v[O_DB])
        return cli_fail("purchase", "--db URI is required") + 1;
    int64_t at = (int64_t)time(NULL);
    int ret = num("--at", v[O_AT], &at);
    if (ret)
        return ret;
    patron_db *db;
    if (cli_open_store("purchase", v[O_DB], 0, 0, &db))
        return 1;
    if (!strcmp(sub, "record")) {
        ret = record(db, v, at);
    } else if (!strcmp(sub, "import")) {
        int64_t n = 0;
        int rc = patron_purchases_import_csv(db, &n, v[O_INPUT]);
        ret = rc ? cli_fail_rc("purchase", rc, "import") : 0;
        if (!rc)
            printf("{\"recorded\": %" PRId64 "}\n", n);
    } else if (!v[O_KEY]) {
        ret = cli_fail("purchase", "%s needs --key", sub) + 1;
    } else if (!strcmp(sub, "release")) {
        int64_t released = 0;
        int rc = patron_earn_release(db, &released, v[O_KEY], at);
        ret = rc ? cli_fail_rc("purchase", rc, "release") : 0;
        if (!rc) {
            printf("{\"key\": ");
            cli_json_str(v[O_KEY]);
            printf(", \"released\": %" PRId64 ", \"at\": %" PRId64 "}\n", released, at);
        }
    } else {
        int rc = patron_earn_return(db, v[O_KEY], at);
        ret = rc ? cli_fail_rc("purchase", rc, "return") : 0;
        if (!rc) {
            printf("{\"key\": ");
            cli_json_str(v[O_KEY]);
            printf(", \"returned_at\": %" PRId64 "}\n", at);
        }
    }
    patron_close(db);
    return ret;
}
