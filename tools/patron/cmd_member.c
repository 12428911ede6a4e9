/* `patron member add|show|merge|export|erase|card`: member profiles in a store. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage[] =
    "usage: patron member add    --db PATH --name NAME (--phone P | --email E) --consent CHANNELS|none\n"
    "                            [--city C] [--birth-date YYYY-MM-DD] [--gender G] [--categories a,b]\n"
    "                            [--source form|pos|web] [--country IL] [--at SECONDS]\n"
    "       patron member show   --db PATH --member ID [--format text|json]\n"
    "       patron member merge  --db PATH --keep ID --merge ID --operator NAME [--reason TEXT] [--at SECONDS]\n"
    "       patron member export --db PATH --member ID\n"
    "       patron member erase  --db PATH --member ID --operator NAME [--at SECONDS]\n"
    "       patron member card   --db PATH --member ID [--at SECONDS] [--expiring-days N]\n"
    "                            [--segments builtin] [--format json]\n"
    "ID is a phone number, an e-mail address or #N (member number N).\n"
    "--country sets the store's default country for national phone numbers when it has none (default IL).\n";

enum { O_DB, O_NAME, O_PHONE, O_EMAIL, O_CONSENT, O_CITY, O_BIRTH, O_GENDER, O_CATS, O_SOURCE, O_COUNTRY, O_AT,
       O_MEMBER, O_FORMAT, O_KEEP, O_MERGE, O_OPERATOR, O_REASON, O_EXPIRING, O_SEGMENTS, O_N };
static const char *const names[O_N] = {"--db", "--name", "--phone", "--email", "--consent", "--city",
                                       "--birth-date", "--gender", "--categories", "--source", "--country", "--at",
                                       "--member", "--format", "--keep", "--merge", "--operator", "--reason",
                                       "--expiring-days", "--segments"};

static int find_member(patron_db *db, const char *id, int64_t *out)
{
    int rc = patron_profile_find(db, out, id);
    if (rc)
        return cli_fail_rc("member", rc, id);
    return 0;
}

static const cli_sub subs[] = {
    {"add", "Enrol a member with a consent record (a name and a phone or e-mail are required)."},
    {"show", "Print a member's profile."},
    {"merge", "Merge one member into another (the kept member takes over points, tier and history)."},
    {"export", "Print everything the store holds about a member (a data subject access request)."},
    {"erase", "Erase a member's personal data (the right to be forgotten)."},
    {"card", "The customer card as JSON: profile, consents, tier, points, purchases, segments, journeys."},
    {NULL, NULL},
};

/* `member card`: with --segments, the customers' frame is the store's own
 * summary as of --at (patron_summary_from_db). */
static int card(patron_db *db, const char *const *v, int64_t at)
{
    int64_t id, days = 30;
    int ret;
    if (!v[O_MEMBER])
        return cli_fail("member", "--member is required") + 1;
    if (v[O_SEGMENTS] && strcmp(v[O_SEGMENTS], "builtin"))
        return cli_fail("member", "--segments '%s': only 'builtin' (the built-in segments over the store's "
                                  "summary) for now", v[O_SEGMENTS]) + 1;
    if (v[O_FORMAT] && strcmp(v[O_FORMAT], "json"))
        return cli_fail("member", "card: --format is json") + 1;
    if (v[O_EXPIRING] && cli_parse_int64(v[O_EXPIRING], &days))
        return cli_fail("member", "--expiring-days '%s' is not an integer", v[O_EXPIRING]) + 1;
    if (days < 1 || days > 3650)
        return cli_fail("member", "--expiring-days %" PRId64 " is not 1..3650", days) + 1;
    if ((ret = find_member(db, v[O_MEMBER], &id)))
        return ret;
    patron_card_options o = PATRON_CARD_OPTIONS_INIT;
    o.as_of = at;
    o.expiring_days = (int32_t)days;
    patron_frame *frame = NULL;
    int rc = PATRON_OK;
    if (v[O_SEGMENTS]) {
        patron_store_log_options lo = PATRON_STORE_LOG_OPTIONS_INIT;
        lo.as_of = at;
        if ((rc = patron_summary_from_db(db, &frame, &lo)) == PATRON_OK && patron_frame_rows(frame) == 0) {
            patron_frame_free(frame); /* nothing bought yet: no segments */
            frame = NULL;
        }
        if (rc == PATRON_OK && frame)
            rc = patron_frame_add_scores(frame, db); /* rules may use p_alive, clv_12m */
        o.frame = frame;
    }
    char *json = NULL;
    if (rc == PATRON_OK)
        rc = patron_member_card(db, &json, id, &o);
    patron_frame_free(frame);
    if (rc)
        return cli_fail_rc("member", rc, "card");
    fputs(json, stdout);
    patron_free(json);
    return 0;
}

int cmd_member(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    const char *v[O_N] = {0};
    int go = cli_parse_sub("member", argc, argv, 2, names, O_N, v, usage, subs, sub);
    if (go != CLI_GO)
        return go;
    if (!v[O_DB])
        return cli_fail("member", "--db PATH is required") + 1;
    int64_t at = (int64_t)time(NULL);
    if (v[O_AT] && cli_parse_int64(v[O_AT], &at))
        return cli_fail("member", "--at '%s' is not an integer of seconds", v[O_AT]) + 1;
    patron_db *db;
    if (cli_open_store("member", v[O_DB], 0, 0, &db))
        return 1;
    int rc;
    int ret = 0;
    char *country = NULL;
    (void)country;
    if (!strcmp(sub, "add")) {
        int64_t dummy;
        /* the store's default country: set it once */
        rc = patron_profile_find(db, &dummy, "050-000-0000");
        if (rc == PATRON_EINVAL && strstr(patron_errmsg(), "default country"))
            rc = patron_profile_set_country(db, v[O_COUNTRY] ? v[O_COUNTRY] : "IL");
        else
            rc = PATRON_OK;
        if (rc) {
            ret = cli_fail_rc("member", rc, "--country");
            goto out;
        }
        patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
        f.name = v[O_NAME];
        f.phone = v[O_PHONE];
        f.email = v[O_EMAIL];
        f.consent = v[O_CONSENT];
        f.consent_source = v[O_SOURCE];
        f.city = v[O_CITY];
        f.birth_date = v[O_BIRTH];
        f.gender = v[O_GENDER];
        f.categories = v[O_CATS];
        int64_t id;
        rc = patron_profile_add(db, &id, &f, at);
        if (rc)
            ret = cli_fail_rc("member", rc, "add");
        else
            printf("%" PRId64 "\n", id);
    } else if (!strcmp(sub, "show")) {
        int64_t id;
        if (!v[O_MEMBER]) {
            ret = cli_fail("member", "--member is required") + 1;
            goto out;
        }
        if ((ret = find_member(db, v[O_MEMBER], &id)))
            goto out;
        patron_profile *p;
        if ((rc = patron_profile_get(db, &p, id))) {
            ret = cli_fail_rc("member", rc, "show");
            goto out;
        }
        static const char *const fields[] = {"name", "phone", "email", "city", "birth_date", "gender",
                                             "categories", "joined_at", "tier"};
        int json = v[O_FORMAT] && !strcmp(v[O_FORMAT], "json");
        if (json)
            printf("{\"member_id\": %" PRId64, id);
        else
            printf("member_id: %" PRId64 "\n", id);
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            const char *val = patron_profile_field(p, fields[i]);
            if (json) {
                /* the JSON convention: every field, null when unset; times integers */
                printf(", \"%s\": ", fields[i]);
                if (!val) {
                    printf("null");
                } else if (!strcmp(fields[i], "joined_at")) {
                    printf("%s", val);
                } else {
                    printf("\"");
                    for (const char *c = val; *c; c++)
                        printf(*c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
                    printf("\"");
                }
            } else if (val) {
                printf("%s: %s\n", fields[i], val);
            }
        }
        if (json)
            printf("}\n");
        patron_profile_free(p);
    } else if (!strcmp(sub, "merge")) {
        int64_t k, m;
        if (!v[O_KEEP] || !v[O_MERGE]) {
            ret = cli_fail("member", "--keep and --merge are required") + 1;
            goto out;
        }
        if ((ret = find_member(db, v[O_KEEP], &k)) || (ret = find_member(db, v[O_MERGE], &m)))
            goto out;
        rc = patron_profile_merge(db, k, m, at, v[O_OPERATOR], v[O_REASON]);
        if (rc)
            ret = cli_fail_rc("member", rc, "merge");
        else
            printf("merged %" PRId64 " into %" PRId64 "\n", m, k);
    } else if (!strcmp(sub, "export") || !strcmp(sub, "erase")) {
        int64_t id;
        if (!v[O_MEMBER]) {
            ret = cli_fail("member", "--member is required") + 1;
            goto out;
        }
        if ((ret = find_member(db, v[O_MEMBER], &id)))
            goto out;
        if (sub[1] == 'x') {
            char *json;
            if ((rc = patron_profile_export(db, &json, id)))
                ret = cli_fail_rc("member", rc, "export");
            else {
                fputs(json, stdout);
                patron_free(json);
            }
        } else if ((rc = patron_profile_erase(db, id, at, v[O_OPERATOR]))) {
            ret = cli_fail_rc("member", rc, "erase");
        } else {
            printf("erased %" PRId64 "\n", id);
        }
    } else if (!strcmp(sub, "card")) {
        ret = card(db, v, at);
    }
out:
    patron_close(db);
    return ret;
}
