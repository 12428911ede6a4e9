/* `patron coupon create|import|validate|redeem|publish|list`: coupons,
 * vouchers and gift cards of a store (include/patron/coupon.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage[] =
    "usage: patron coupon create   --db URI --name NAME [--gift-card] [--amount-off N] [--percent-off P]\n"
    "                              [--max-uses N] [--per-member N] [--from SECONDS] [--to SECONDS]\n"
    "                              [--min-basket N] [--pattern PATTERN --count N [--seed S]]\n"
    "       patron coupon import   --db URI --campaign NAME --input FILE\n"
    "       patron coupon validate --db URI --code CODE [--member ID] [--basket N] [--amount N] [--at SECONDS]\n"
    "       patron coupon redeem   --db URI --code CODE --key KEY [--member ID] [--basket N] [--amount N]\n"
    "                              [--at SECONDS]\n"
    "       patron coupon publish  --db URI --campaign NAME --member ID [--code CODE] [--at SECONDS]\n"
    "       patron coupon list     --db URI --campaign NAME [--format text|json]\n"
    "Money (--amount-off, --min-basket, --basket, --amount) is in minor units (cents). A discount\n"
    "gives --amount-off or --percent-off of the basket; --gift-card codes start with a balance of\n"
    "--amount-off that redemptions draw down by --amount. --max-uses is per code (default 1; 0 =\n"
    "unlimited), --per-member per member over the campaign (0 = unlimited). In a PATTERN '#' is a\n"
    "digit, '?' a letter A-Z, '*' either (SUMMER-####-??\?\?); the same --seed gives the same codes.\n"
    "An import FILE has one code per line. ID is a phone number, an e-mail address or #N.\n"
    "`validate` writes nothing and says why a code cannot be redeemed; `publish` without --code\n"
    "gives the member the campaign's next unpublished code.\n";

static const cli_sub subs[] = {
    {"create", "Create a campaign and generate its codes (audited)."},
    {"import", "Add codes made elsewhere to a campaign, all or nothing."},
    {"validate", "Whether a code can be redeemed now, and why not."},
    {"redeem", "Redeem a code (idempotent by --key)."},
    {"publish", "Give a code to a member: only they may redeem it."},
    {"list", "The codes of a campaign with their uses, balance and owner."},
    {NULL, NULL},
};

enum {
    O_DB, O_NAME, O_AMOUNT_OFF, O_PERCENT, O_MAX_USES, O_PER_MEMBER, O_FROM, O_TO, O_MIN_BASKET, O_PATTERN,
    O_COUNT, O_SEED, O_CAMPAIGN, O_INPUT, O_CODE, O_MEMBER, O_BASKET, O_AMOUNT, O_AT, O_KEY, O_FORMAT, O_N
};
static const char *const names[O_N] = {"--db",      "--name",       "--amount-off", "--percent-off", "--max-uses",
                                       "--per-member", "--from",    "--to",         "--min-basket",  "--pattern",
                                       "--count",   "--seed",       "--campaign",   "--input",       "--code",
                                       "--member",  "--basket",     "--amount",     "--at",          "--key",
                                       "--format"};

static const char *const verdicts[] = {"valid",   "unknown",      "not_yet_valid", "expired",   "used_up",
                                       "member_limit", "wrong_member", "min_basket", "no_balance"};

static int ints(const char *const *v, const int *which, int64_t **out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[which[i]] && cli_parse_int64(v[which[i]], out[i]))
            return cli_fail("coupon", "%s '%s' is not an integer", names[which[i]], v[which[i]]) + 1;
    return 0;
}

static int create(patron_db *db, const char *const *v, int gift)
{
    if (!v[O_NAME])
        return cli_fail("coupon", "create needs --name") + 1;
    patron_coupon_campaign c = PATRON_COUPON_CAMPAIGN_INIT;
    c.name = v[O_NAME];
    c.kind = gift ? PATRON_COUPON_GIFT_CARD : PATRON_COUPON_DISCOUNT;
    if (gift)
        c.max_uses = 0;
    c.pattern = v[O_PATTERN];
    int64_t seed = 0;
    const int which[] = {O_AMOUNT_OFF, O_PERCENT, O_MAX_USES, O_PER_MEMBER, O_FROM, O_TO, O_MIN_BASKET, O_COUNT, O_SEED};
    int64_t *out[] = {&c.amount_off, &c.percent_off, &c.max_uses, &c.per_member, &c.valid_from, &c.valid_to,
                      &c.min_basket, &c.count, &seed};
    int ret = ints(v, which, out, 9);
    if (ret)
        return ret;
    c.seed = (uint64_t)seed;
    int64_t n = 0;
    int rc = patron_coupon_create(db, &n, &c);
    if (rc)
        return cli_fail_rc("coupon", rc, "create");
    printf("{\"campaign\": ");
    cli_json_str(c.name);
    printf(", \"generated\": %" PRId64 "}\n", n);
    return 0;
}

static int import(patron_db *db, const char *const *v)
{
    if (!v[O_CAMPAIGN] || !v[O_INPUT])
        return cli_fail("coupon", "import needs --campaign and --input FILE") + 1;
    FILE *f = fopen(v[O_INPUT], "r");
    if (!f)
        return cli_fail("coupon", "import: cannot open '%s'", v[O_INPUT]);
    char **codes = NULL, line[256];
    size_t n = 0, cap = 0;
    int ret = 0;
    while (!ret && fgets(line, sizeof line, f)) {
        size_t len = strcspn(line, "\r\n");
        line[len] = '\0';
        if (!len)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            char **g = realloc(codes, cap * sizeof *codes);
            if (!g) {
                ret = cli_fail("coupon", "import: out of memory");
                break;
            }
            codes = g;
        }
        if (!(codes[n] = strdup(line)))
            ret = cli_fail("coupon", "import: out of memory");
        else
            n++;
    }
    fclose(f);
    int64_t added = 0;
    if (!ret) {
        int rc = patron_coupon_import(db, &added, v[O_CAMPAIGN], (const char *const *)codes, n);
        ret = rc ? cli_fail_rc("coupon", rc, "import") : 0;
    }
    for (size_t i = 0; i < n; i++)
        free(codes[i]);
    free(codes);
    if (!ret)
        printf("{\"campaign\": \"%s\", \"imported\": %" PRId64 "}\n", v[O_CAMPAIGN], added);
    return ret;
}

static int check_or_redeem(patron_db *db, const char *const *v, const char *sub, int64_t at)
{
    int redeem = !strcmp(sub, "redeem");
    if (!v[O_CODE] || (redeem && !v[O_KEY]))
        return cli_fail("coupon", redeem ? "redeem needs --code and --key" : "validate needs --code") + 1;
    patron_coupon_request q = PATRON_COUPON_REQUEST_INIT;
    q.code = v[O_CODE];
    q.key = v[O_KEY];
    q.at = at;
    const int which[] = {O_BASKET, O_AMOUNT};
    int64_t *out[] = {&q.basket, &q.amount};
    int ret = ints(v, which, out, 2);
    if (ret)
        return ret;
    int rc = v[O_MEMBER] ? patron_profile_find(db, &q.member_id, v[O_MEMBER]) : PATRON_OK;
    patron_coupon_result r;
    r.size = sizeof r;
    if (rc == PATRON_OK)
        rc = redeem ? patron_coupon_redeem(db, &r, &q) : patron_coupon_validate(db, &r, &q);
    if (rc)
        return cli_fail_rc("coupon", rc, sub);
    printf("{\"code\": ");
    cli_json_str(q.code);
    printf(", \"verdict\": \"%s\", \"campaign\": ", verdicts[r.verdict]);
    cli_json_str(r.campaign[0] ? r.campaign : NULL);
    printf(", \"kind\": %s, \"value\": %" PRId64 ", \"card_balance\": ",
           r.kind == PATRON_COUPON_GIFT_CARD ? "\"gift_card\"" : r.kind ? "\"discount\"" : "null", r.value);
    if (r.kind == PATRON_COUPON_GIFT_CARD)
        printf("%" PRId64, r.balance);
    else
        printf("null");
    printf(", \"uses\": %" PRId64 ", \"member_uses\": %" PRId64 ", \"owner_id\": ", r.uses, r.member_uses);
    if (r.owner_id)
        printf("%" PRId64, r.owner_id);
    else
        printf("null");
    if (redeem)
        printf(", \"redemption_id\": %" PRId64 ", \"replayed\": %s", r.redemption_id, r.replayed ? "true" : "false");
    printf("}\n");
    return 0;
}

static int publish(patron_db *db, const char *const *v, int64_t at)
{
    if (!v[O_CAMPAIGN] || !v[O_MEMBER])
        return cli_fail("coupon", "publish needs --campaign and --member") + 1;
    int64_t member = 0;
    patron_coupon_publication p;
    p.size = sizeof p;
    int rc = patron_profile_find(db, &member, v[O_MEMBER]);
    if (rc == PATRON_OK)
        rc = patron_coupon_publish(db, &p, v[O_CAMPAIGN], v[O_CODE], member, at);
    if (rc)
        return cli_fail_rc("coupon", rc, "publish");
    printf("{\"campaign\": ");
    cli_json_str(v[O_CAMPAIGN]);
    printf(", \"code\": ");
    cli_json_str(p.code);
    printf(", \"member_id\": %" PRId64 ", \"published_at\": %" PRId64 ", \"replayed\": %s}\n", p.member_id,
           p.published_at, p.replayed ? "true" : "false");
    return 0;
}

static int list(patron_db *db, const char *const *v)
{
    if (!v[O_CAMPAIGN])
        return cli_fail("coupon", "list needs --campaign") + 1;
    int json = v[O_FORMAT] && !strcmp(v[O_FORMAT], "json");
    if (v[O_FORMAT] && !json && strcmp(v[O_FORMAT], "text"))
        return cli_fail("coupon", "--format '%s' is not text or json", v[O_FORMAT]) + 1;
    patron_coupon_codes *l = NULL;
    int rc = patron_coupon_list(db, &l, v[O_CAMPAIGN]);
    if (rc)
        return cli_fail_rc("coupon", rc, "list");
    for (size_t i = 0; i < patron_coupon_codes_count(l); i++) {
        const patron_coupon_code *k = patron_coupon_codes_get(l, i);
        if (!json) {
            printf("%s  uses %" PRId64 "  balance %" PRId64, k->code, k->uses, k->balance);
            if (k->owner_id)
                printf("  member %" PRId64, k->owner_id);
            printf("\n");
            continue;
        }
        printf("{\"code\": ");
        cli_json_str(k->code);
        printf(", \"uses\": %" PRId64 ", \"card_balance\": %" PRId64 ", \"owner_id\": ", k->uses, k->balance);
        if (k->owner_id)
            printf("%" PRId64 ", \"published_at\": %" PRId64 "}\n", k->owner_id, k->published_at);
        else
            printf("null, \"published_at\": null}\n");
    }
    patron_coupon_codes_free(l);
    return 0;
}

int cmd_coupon(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    int gift = 0, n = 0; /* --gift-card is a flag: take it out first */
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--gift-card"))
            gift = 1;
        else
            argv[n++] = argv[i];
    }
    argc = n;
    const char *v[O_N] = {0};
    int go = cli_parse_sub("coupon", argc, argv, 2, names, O_N, v, usage, subs, sub);
    if (go != CLI_GO)
        return go;
    if (!v[O_DB])
        return cli_fail("coupon", "--db URI is required") + 1;
    int64_t at = (int64_t)time(NULL);
    if (v[O_AT] && cli_parse_int64(v[O_AT], &at))
        return cli_fail("coupon", "--at '%s' is not an integer of seconds", v[O_AT]) + 1;
    patron_db *db;
    int ro = !strcmp(sub, "list") || !strcmp(sub, "validate");
    if (cli_open_store("coupon", v[O_DB], ro, 0, &db))
        return 1;
    int ret = !strcmp(sub, "create")   ? create(db, v, gift)
              : !strcmp(sub, "import") ? import(db, v)
              : !strcmp(sub, "publish") ? publish(db, v, at)
              : !strcmp(sub, "list")   ? list(db, v)
                                       : check_or_redeem(db, v, sub, at);
    patron_close(db);
    return ret;
}
