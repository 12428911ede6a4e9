/* `patron init --db URI`: create a store (the one explicit step that does;
 * every other command refuses a store that does not exist yet). */
#include <stdio.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static const char usage[] =
    "usage: patron init --db PATH|URI [--busy-timeout MS]\n"
    "Creates a store: a SQLite file (PATH) or the tables of a PostgreSQL schema\n"
    "(postgresql://... or postgresql:host=... dbname=...). An existing store is\n"
    "left as it is (and migrated if it was written by an older libpatron).\n"
    "Every command that opens a store takes --busy-timeout MS (how long a writer\n"
    "waits for another; default 5000) and --create (create the store if missing).\n";

int cmd_init(int argc, char **argv)
{
    enum { O_DB, O_N };
    static const char *const names[O_N] = {"--db"};
    const char *v[O_N] = {0};
    int parsed = cli_parse_table("init", argc, argv, 1, names, O_N, v);
    if (parsed == 1) {
        fputs(usage, stdout);
        return 0;
    }
    if (parsed)
        return parsed;
    if (!v[O_DB])
        return cli_fail("init", "--db PATH|URI is required") + 1;
    patron_db *db = NULL;
    if (cli_open_store("init", v[O_DB], 0, 1, &db))
        return 1;
    int version = 0;
    int rc = patron_db_schema_version(db, &version);
    patron_close(db);
    if (rc)
        return cli_fail_rc("init", rc, v[O_DB]);
    printf("store %s: schema version %d\n", v[O_DB], version);
    return 0;
}
