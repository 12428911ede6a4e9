/* `patron scores refresh`: fit CLV models to the store's own purchases and
 * store every member's scores (patron_scores_refresh). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage[] =
    "usage: patron scores refresh --db URI [--as-of T] [--model bgnbd|mbgnbd|pnbd] [--discount D]\n"
    "       patron scores by      --db URI --by channel|category|coupon\n"
    "Fit the transaction model (and Gamma-Gamma spend) to the purchases the store recorded, as of T\n"
    "(epoch seconds or ISO-8601, default now), and store each member's p_alive, expected_purchases_90d\n"
    "and clv_12m (12 months at monthly discount D, default 0.01), replacing the previous scores.\n"
    "`patron member card` shows them; rules and segments over the store's frame can use them.\n"
    "`scores by` groups them by the channel or main category of each member's first purchase, or by\n"
    "the coupon campaign each member first redeemed (coupon use)\n"
    "(JSON: members, scored, p_alive_mean, clv_12m_mean, clv_12m_total).\n";

static const cli_sub subs[] = {
    {"refresh", "Fit the store's purchases and store every member's scores."},
    {"by", "The stored scores by the channel or category of the first purchase, or by coupon use."},
    {NULL, NULL},
};

enum { O_DB, O_AS_OF, O_MODEL, O_DISCOUNT, O_BY, O_N };
static const char *const names[O_N] = {"--db", "--as-of", "--model", "--discount", "--by"};

static int by(const char *const *v)
{
    if (!v[O_BY])
        return cli_fail("scores", "by needs --by channel|category|coupon") + 1;
    patron_db *db;
    if (cli_open_store("scores", v[O_DB], 1, 0, &db))
        return 1;
    char *json = NULL;
    int rc = patron_clv_by_first_purchase(db, &json, v[O_BY]);
    patron_close(db);
    if (rc)
        return cli_fail_rc("scores", rc, "by");
    fputs(json, stdout);
    patron_free(json);
    return 0;
}

int cmd_scores(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    const char *v[O_N] = {0};
    int go = cli_parse_sub("scores", argc, argv, 2, names, O_N, v, usage, subs, sub);
    if (go != CLI_GO)
        return go;
    if (!v[O_DB])
        return cli_fail("scores", "--db URI is required") + 1;
    if (!strcmp(sub, "by"))
        return by(v);
    patron_score_options o = PATRON_SCORE_OPTIONS_INIT;
    o.as_of = (int64_t)time(NULL);
    if (v[O_AS_OF] && patron_time_parse(&o.as_of, v[O_AS_OF], strlen(v[O_AS_OF]), PATRON_TIME_AUTO) != PATRON_OK)
        return cli_fail("scores", "--as-of '%s' is not a time (epoch seconds or ISO-8601)", v[O_AS_OF]) + 1;
    if (v[O_MODEL]) {
        patron_clv_model m;
        if (patron_clv_model_from_name(&m, v[O_MODEL]) != PATRON_OK)
            return cli_fail("scores", "--model '%s' is not bgnbd, mbgnbd or pnbd", v[O_MODEL]) + 1;
        o.model = (int32_t)m;
    }
    if (v[O_DISCOUNT] && cli_parse_double(v[O_DISCOUNT], &o.discount))
        return cli_fail("scores", "--discount '%s' is not a number", v[O_DISCOUNT]) + 1;
    patron_db *db;
    if (cli_open_store("scores", v[O_DB], 0, 0, &db))
        return 1;
    patron_score_result r = PATRON_SCORE_RESULT_INIT;
    int rc = patron_scores_refresh(db, &r, &o);
    patron_close(db);
    if (rc)
        return cli_fail_rc("scores", rc, "refresh");
    printf("{\"fit_id\": %" PRId64 ", \"as_of\": %" PRId64 ", \"customers\": %" PRId64 ", \"scored\": %" PRId64
           ", \"log_likelihood\": ",
           r.fit_id, o.as_of, r.customers, r.scored);
    cli_json_num(r.log_likelihood);
    printf(", \"spend_fitted\": %s}\n", r.spend_fitted ? "true" : "false");
    return 0;
}
