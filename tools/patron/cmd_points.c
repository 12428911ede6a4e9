/* `patron points earn|redeem|reverse|release|balance|statement|policy`: the points ledger. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage[] =
    "usage: patron points earn      --db PATH --member ID --points N --key KEY [--spend MINOR] [--rule R]\n"
    "                               [--mature-at S|never] [--expires-at S] [--ref REF] [--at S]\n"
    "       patron points redeem    --db PATH --member ID --points N --key KEY [--ref REF] [--at S]\n"
    "       patron points reverse   --db PATH --posting POSTING_ID --key KEY [--points N] [--reason R] [--at S]\n"
    "       patron points release   --db PATH --key KEY [--at S]\n"
    "       patron points balance   --db PATH --member ID [--at S] [--format text|json]\n"
    "       patron points statement --db PATH --member ID [--from S] [--to S] [--format text|json]\n"
    "       patron points policy    --db PATH [--expiry-months N] [--end-of-month 0|1] [--hold-seconds S]\n"
    "                               [--overdraft N] [--expiry-round exact|day|week|month|quarter|year]\n"
    "                               (prints the policy; given options change it first; weeks start on Monday)\n"
    "ID is a phone number, an e-mail address or #N. Times are UTC seconds (default: now).\n"
    "A KEY makes the call idempotent: repeating it with the same content changes nothing.\n"
    "--mature-at never keeps earned points pending until `points release --key KEY` (an action:\n"
    "order shipped, return window closed); the released points expire counting from the release.\n";

enum { O_DB, O_MEMBER, O_POINTS, O_KEY, O_SPEND, O_RULE, O_MATURE, O_EXPIRES, O_REF, O_AT, O_POSTING, O_REASON,
       O_FORMAT, O_FROM, O_TO, O_EXPIRY_MONTHS, O_EOM, O_HOLD, O_OVERDRAFT, O_ROUND, O_N };
static const char *const names[O_N] = {"--db", "--member", "--points", "--key", "--spend", "--rule", "--mature-at",
                                       "--expires-at", "--ref", "--at", "--posting", "--reason", "--format",
                                       "--from", "--to", "--expiry-months", "--end-of-month", "--hold-seconds",
                                       "--overdraft", "--expiry-round"};
static const char *const kinds[] = {"?", "earn", "redeem", "expire", "adjust", "reverse", "transfer_out",
                                    "transfer_in"};

static int num(const char *opt, const char *s, int64_t *out)
{
    if (s && cli_parse_int64(s, out))
        return cli_fail("points", "%s '%s' is not an integer", opt, s) + 1;
    return 0;
}

/* The names of patron_expiry_round, in its order. */
static const char *const rounds[] = {"exact", "day", "week", "month", "quarter", "year"};

/* `points policy`: show the ledger policy, changing the given fields first. */
static int policy(patron_db *db, const char *const *v)
{
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    int rc = patron_ledger_get_policy(db, &p), ret;
    if (rc)
        return cli_fail_rc("points", rc, "policy");
    int64_t months = p.expiry_months, eom = p.expiry_end_of_month;
    if ((ret = num("--expiry-months", v[O_EXPIRY_MONTHS], &months)) || (ret = num("--end-of-month", v[O_EOM], &eom)) ||
        (ret = num("--hold-seconds", v[O_HOLD], &p.hold_seconds)) ||
        (ret = num("--overdraft", v[O_OVERDRAFT], &p.overdraft_limit)))
        return ret;
    if (months < 0 || months > 1200 || (eom != 0 && eom != 1))
        return cli_fail("points", "--expiry-months must be 0..1200 and --end-of-month 0 or 1") + 1;
    p.expiry_months = (int)months;
    if (v[O_EOM]) { /* --end-of-month 1 is --expiry-round month; 0 turns it off */
        p.expiry_end_of_month = (int)eom;
        p.expiry_round = eom ? PATRON_EXPIRY_END_OF_MONTH : PATRON_EXPIRY_EXACT;
    }
    if (v[O_ROUND]) {
        int r = -1;
        for (int i = 0; i < (int)(sizeof rounds / sizeof rounds[0]); i++)
            if (!strcmp(v[O_ROUND], rounds[i]))
                r = i;
        if (r < 0)
            return cli_fail("points", "--expiry-round '%s': one of exact, day, week, month, quarter, year",
                            v[O_ROUND]) + 1;
        p.expiry_round = r;
        p.expiry_end_of_month = r == PATRON_EXPIRY_END_OF_MONTH;
    }
    if ((v[O_EXPIRY_MONTHS] || v[O_EOM] || v[O_HOLD] || v[O_OVERDRAFT] || v[O_ROUND]) &&
        (rc = patron_ledger_set_policy(db, &p)))
        return cli_fail_rc("points", rc, "policy");
    const char *round = p.expiry_round >= 0 && p.expiry_round <= 5 ? rounds[p.expiry_round] : "?";
    printf("{\"expiry_months\": %d, \"end_of_month\": %s, \"hold_seconds\": %" PRId64 ", \"overdraft_limit\": %" PRId64
           ", \"expiry_round\": \"%s\"}\n", p.expiry_months, p.expiry_end_of_month ? "true" : "false", p.hold_seconds,
           p.overdraft_limit, round);
    return 0;
}

static const cli_sub subs[] = {
    {"earn", "Credit points to a member (idempotent by --key)."},
    {"redeem", "Spend points of a member (idempotent by --key)."},
    {"reverse", "Undo a posting, wholly or --points of it (idempotent by --key)."},
    {"release", "Release points earned with --mature-at never (pending until an action)."},
    {"balance", "A member's points at a moment: available, pending, expiring."},
    {"statement", "A member's postings between two moments."},
    {"policy", "Print the ledger policy (expiry, hold, overdraft); given options change it first."},
    {NULL, NULL},
};

int cmd_points(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    const char *v[O_N] = {0};
    int go = cli_parse_sub("points", argc, argv, 2, names, O_N, v, usage, subs, sub);
    if (go != CLI_GO)
        return go;
    if (!v[O_DB])
        return cli_fail("points", "--db PATH is required") + 1;
    int64_t at = (int64_t)time(NULL), points = 0, spend = 0, mature = 0, expires = 0, posting = 0;
    int64_t from = 0, to = INT64_MAX;
    int ret;
    if ((ret = num("--at", v[O_AT], &at)) || (ret = num("--points", v[O_POINTS], &points)) ||
        (ret = num("--spend", v[O_SPEND], &spend)) ||
        (ret = v[O_MATURE] && !strcmp(v[O_MATURE], "never") ? (mature = PATRON_NEVER, 0)
                                                              : num("--mature-at", v[O_MATURE], &mature)) ||
        (ret = num("--expires-at", v[O_EXPIRES], &expires)) || (ret = num("--posting", v[O_POSTING], &posting)) ||
        (ret = num("--from", v[O_FROM], &from)) || (ret = num("--to", v[O_TO], &to)))
        return ret;
    int json = v[O_FORMAT] && !strcmp(v[O_FORMAT], "json");
    if (v[O_FORMAT] && !json && strcmp(v[O_FORMAT], "text"))
        return cli_fail("points", "--format must be text or json") + 1;
    patron_db *db;
    if (cli_open_store("points", v[O_DB], 0, 0, &db))
        return 1;
    int rc;
    int64_t member = 0;
    int is_post = !strcmp(sub, "earn") || !strcmp(sub, "redeem") || !strcmp(sub, "reverse");
    if (strcmp(sub, "reverse") && (is_post || !strcmp(sub, "balance") || !strcmp(sub, "statement"))) {
        if (!v[O_MEMBER]) {
            ret = cli_fail("points", "--member is required") + 1;
            goto out;
        }
        if ((rc = patron_profile_find(db, &member, v[O_MEMBER]))) {
            ret = cli_fail_rc("points", rc, v[O_MEMBER]);
            goto out;
        }
    }
    if (is_post) {
        patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
        r.key = v[O_KEY];
        r.member_id = member;
        r.points = points;
        r.at = at;
        r.mature_at = mature;
        r.expires_at = expires;
        r.spend = spend;
        r.rule = v[O_RULE];
        r.ref = v[O_REF];
        r.reason = v[O_REASON];
        r.target = posting;
        patron_posting_result res;
        rc = sub[0] == 'e' ? patron_ledger_earn(db, &res, &r)
             : sub[2] == 'd' ? patron_ledger_redeem(db, &res, &r)
                             : patron_ledger_reverse(db, &res, &r);
        if (rc) {
            ret = cli_fail_rc("points", rc, sub);
            goto out;
        }
        printf("{\"posting_id\": %" PRId64 ", \"points\": %" PRId64 ", \"replayed\": %s}\n", res.posting_id,
               res.points, res.replayed ? "true" : "false");
    } else if (!strcmp(sub, "balance")) {
        patron_balance b;
        if ((rc = patron_ledger_balance(db, &b, member, at))) {
            ret = cli_fail_rc("points", rc, "balance");
            goto out;
        }
        if (json)
            printf("{\"member_id\": %" PRId64 ", \"available\": %" PRId64 ", \"pending\": %" PRId64 ", \"at\": %" PRId64
                   "}\n", member, b.available, b.pending, at);
        else
            printf("member %" PRId64 ": %" PRId64 " points available, %" PRId64 " pending\n", member, b.available,
                   b.pending);
    } else if (!strcmp(sub, "statement")) {
        patron_statement *s;
        if ((rc = patron_ledger_statement(db, &s, member, from, to))) {
            ret = cli_fail_rc("points", rc, "statement");
            goto out;
        }
        if (json)
            printf("{\"member_id\": %" PRId64 ", \"opening\": %" PRId64 ", \"closing\": %" PRId64 ", \"postings\": [",
                   member, patron_statement_opening(s), patron_statement_closing(s));
        for (size_t i = 0; i < patron_statement_count(s); i++) {
            const patron_posting *p = patron_statement_get(s, i);
            const char *kind = p->kind >= 1 && p->kind <= 7 ? kinds[p->kind] : "?";
            if (json)
                printf("%s\n  {\"id\": %" PRId64 ", \"kind\": \"%s\", \"points\": %" PRId64 ", \"at\": %" PRId64
                       ", \"effective_at\": %" PRId64 ", \"rule\": %s%s%s}",
                       i ? "," : "", p->id, kind, p->points, p->at, p->effective_at, p->rule ? "\"" : "",
                       p->rule ? p->rule : "null", p->rule ? "\"" : "");
            else
                printf("%8" PRId64 "  %-12s %+10" PRId64 "  at %" PRId64 "  %s\n", p->id, kind, p->points, p->at,
                       p->key ? p->key : "");
        }
        if (json)
            printf("]}\n");
        patron_statement_free(s);
    } else if (!strcmp(sub, "policy")) {
        ret = policy(db, v);
    } else if (!strcmp(sub, "release")) {
        patron_posting_result res;
        if (!v[O_KEY])
            ret = cli_fail("points", "release needs --key (the key of the earn pending until an action)") + 1;
        else if ((rc = patron_ledger_release(db, &res, v[O_KEY], at)))
            ret = cli_fail_rc("points", rc, "release");
        else
            printf("{\"posting_id\": %" PRId64 ", \"points\": %" PRId64 ", \"replayed\": %s}\n", res.posting_id,
                   res.points, res.replayed ? "true" : "false");
    }
out:
    patron_close(db);
    return ret;
}
