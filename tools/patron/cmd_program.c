/* `patron program create|list|join|members|of`: the programs of a store
 * (include/patron/program.h). Every other command works in the program
 * named by the global --program option (cli_store_options). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage[] =
    "usage: patron program create  --db URI --name NAME\n"
    "       patron program list    --db URI\n"
    "       patron program join    --db URI --program NAME --member ID [--at SECONDS]\n"
    "       patron program members --db URI [--program NAME]\n"
    "       patron program of      --db URI --member ID\n"
    "NAME is 1..64 characters of a-z, 0-9, _ and -. Every store has the program \"default\",\n"
    "which every member joins when enrolled. --program (an option of every command) chooses\n"
    "the program a command works in: its points, policy and reports; `join` makes the member\n"
    "a member of that program. ID is a phone number, an e-mail address or #N. Output is JSON.\n";

static const cli_sub subs[] = {
    {"create", "Create a program (audited)."},
    {"list", "The programs of the store, in creation order."},
    {"join", "Make a member a member of the --program."},
    {"members", "The members of the --program."},
    {"of", "The programs a member belongs to."},
    {NULL, NULL},
};

enum { O_DB, O_NAME, O_MEMBER, O_AT, O_N };
static const char *const names[O_N] = {"--db", "--name", "--member", "--at"};

static void print_names(const patron_program_names *l)
{
    printf("[");
    for (size_t i = 0; i < patron_program_names_count(l); i++) {
        printf(i ? ", " : "");
        cli_json_str(patron_program_names_get(l, i));
    }
    printf("]");
}

static int run(patron_db *db, const char *sub, const char *const *v, int64_t at)
{
    int rc;
    if (!strcmp(sub, "create")) {
        if (!v[O_NAME])
            return cli_fail("program", "create needs --name") + 1;
        if ((rc = patron_program_create(db, v[O_NAME])))
            return cli_fail_rc("program", rc, "create");
        printf("{\"program\": ");
        cli_json_str(v[O_NAME]);
        printf(", \"created\": true}\n");
        return 0;
    }
    if (!strcmp(sub, "list")) {
        patron_program_names *l = NULL;
        if ((rc = patron_program_list(db, &l)))
            return cli_fail_rc("program", rc, "list");
        print_names(l);
        printf("\n");
        patron_program_names_free(l);
        return 0;
    }
    if (!strcmp(sub, "members")) {
        patron_program_member *ids = NULL;
        size_t n = 0;
        if ((rc = patron_program_members(db, &ids, &n)))
            return cli_fail_rc("program", rc, "members");
        printf("{\"program\": ");
        cli_json_str(patron_program_current(db));
        printf(", \"members\": [");
        for (size_t i = 0; i < n; i++)
            printf("%s%" PRId64, i ? ", " : "", ids[i].member_id);
        printf("]}\n");
        patron_free(ids);
        return 0;
    }
    if (!v[O_MEMBER])
        return cli_fail("program", "%s needs --member", sub) + 1;
    int64_t member = 0;
    if ((rc = patron_profile_find(db, &member, v[O_MEMBER])))
        return cli_fail_rc("program", rc, v[O_MEMBER]);
    if (!strcmp(sub, "join")) {
        if ((rc = patron_program_join(db, member, at)))
            return cli_fail_rc("program", rc, "join");
        printf("{\"program\": ");
        cli_json_str(patron_program_current(db));
        printf(", \"member_id\": %" PRId64 ", \"joined\": true}\n", member);
        return 0;
    }
    patron_program_names *l = NULL;
    if ((rc = patron_program_member_list(db, &l, member)))
        return cli_fail_rc("program", rc, "of");
    printf("{\"member_id\": %" PRId64 ", \"programs\": ", member);
    print_names(l);
    printf("}\n");
    patron_program_names_free(l);
    return 0;
}

int cmd_program(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    const char *v[O_N] = {0};
    int go = cli_parse_sub("program", argc, argv, 2, names, O_N, v, usage, subs, sub);
    if (go != CLI_GO)
        return go;
    if (!v[O_DB])
        return cli_fail("program", "--db URI is required") + 1;
    int64_t at = (int64_t)time(NULL);
    if (v[O_AT] && cli_parse_int64(v[O_AT], &at))
        return cli_fail("program", "--at '%s' is not an integer of seconds", v[O_AT]) + 1;
    int read_only = !strcmp(sub, "list") || !strcmp(sub, "members") || !strcmp(sub, "of");
    patron_db *db;
    if (cli_open_store("program", v[O_DB], read_only, 0, &db))
        return 1;
    int ret = run(db, sub, v, at);
    patron_close(db);
    return ret;
}
