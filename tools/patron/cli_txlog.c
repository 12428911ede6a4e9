/* The shared transaction-log input options (cli_txlog.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_progress.h"
#include "cli_txlog.h"
#include "cli_util.h"

const char cli_txlog_help[] =
    "  --db URI                the purchases a store recorded (patron_earn_purchase),\n"
    "                          instead of a file: member ids as customer ids, returns\n"
    "                          and merges applied (see docs/guide/mart.md)\n"
    "  --as-of T               with --db: the log as of T, epoch seconds or ISO-8601\n"
    "                          (default now)\n"
    "  --customer-col C        customer id column (default customer_id)\n"
    "  --time-col C            time column (default date)\n"
    "  --amount-col C          amount column (default amount)\n"
    "  --category-col C        optional category column (default none)\n"
    "                          A column is a header name, or with --no-header a\n"
    "                          1-based column number.\n"
    "  --no-header             the file has no header row\n"
    "  --delimiter D           field separator: a character, 'tab', or 'space'\n"
    "                          for runs of blanks (default ',')\n"
    "  --time-format F         auto (ISO-8601 or epoch seconds), iso, epoch,\n"
    "                          yyyymmdd (default auto)\n"
    "  --decimals N            decimals of the currency's minor unit (default 2)\n"
    "  --rounding R            exact (default: more decimals is an error),\n"
    "                          half-even, half-up, truncate\n"
    "  --integer-ids           parse customer ids as integers (numeric order)\n"
    "  --skip-invalid          skip bad rows (reported on stderr) instead of failing\n"
    "  --allow-extra-fields    ignore fields past the header's (default: a row with\n"
    "                          more fields, e.g. an unquoted decimal comma, is an error)\n";

void cli_txlog_input_init(cli_txlog_input *in, const char *file_opt)
{
    memset(in, 0, sizeof *in);
    in->file_opt = file_opt;
    in->csv = (patron_csv_options)PATRON_CSV_OPTIONS_INIT;
    in->log = (patron_txlog_options)PATRON_TXLOG_OPTIONS_INIT;
}

static int bad(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "patron %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see `patron %s --help`)\n", cmd);
    return -1;
}

int cli_txlog_option(const char *cmd, cli_txlog_input *in, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--no-header")) {
        in->no_header = 1;
        return 1;
    }
    if (!strcmp(a, "--integer-ids")) {
        in->csv.integer_ids = 1;
        return 1;
    }
    if (!strcmp(a, "--skip-invalid")) {
        in->csv.skip_invalid = 1;
        return 1;
    }
    if (!strcmp(a, "--allow-extra-fields")) {
        in->csv.extra_fields = 1;
        return 1;
    }
    static const char *const valued[] = {NULL, "--customer-col", "--time-col", "--amount-col",
                                         "--category-col", "--delimiter", "--time-format",
                                         "--decimals", "--rounding", "--db", "--as-of"};
    int missing = 0, which = -1;
    const char *v = NULL;
    for (int k = 0; k < (int)(sizeof valued / sizeof valued[0]) && which < 0; k++) {
        const char *name = k == 0 ? in->file_opt : valued[k];
        int at = *i;
        if ((v = cli_opt(argc, argv, i, name, &missing)) || missing) {
            which = k;
            if (missing) {
                *i = at;
                return bad(cmd, "%s needs a value", name);
            }
        }
    }
    switch (which) {
    case -1:
        return 0;
    case 0: in->path = v; return 1;
    case 1: in->cust = v; return 1;
    case 2: in->timec = v; return 1;
    case 3: in->amount = v; return 1;
    case 4: in->category = v; return 1;
    case 9: in->db = v; return 1;
    case 10: in->as_of = v; return 1;
    case 5:
        if (!strcmp(v, "space"))
            in->csv.delimiter = ' ';
        else if (!strcmp(v, "tab"))
            in->csv.delimiter = '\t';
        else if (strlen(v) == 1)
            in->csv.delimiter = (unsigned char)v[0];
        else
            return bad(cmd, "--delimiter '%s' is not one character, 'tab' or 'space'", v);
        return 1;
    case 6:
        if (!strcmp(v, "auto"))
            in->csv.time_format = PATRON_TIME_AUTO;
        else if (!strcmp(v, "iso"))
            in->csv.time_format = PATRON_TIME_ISO8601;
        else if (!strcmp(v, "epoch"))
            in->csv.time_format = PATRON_TIME_EPOCH;
        else if (!strcmp(v, "yyyymmdd"))
            in->csv.time_format = PATRON_TIME_YYYYMMDD;
        else
            return bad(cmd, "--time-format '%s' is not auto, iso, epoch or yyyymmdd", v);
        return 1;
    case 7: {
        int64_t d;
        if (cli_parse_int64(v, &d) != 0 || d < 0 || d > PATRON_DECIMALS_MAX)
            return bad(cmd, "--decimals '%s' is not a number 0..9", v);
        in->log.decimals = (int32_t)d;
        return 1;
    }
    case 8:
        if (!strcmp(v, "exact"))
            in->csv.rounding = PATRON_ROUND_EXACT;
        else if (!strcmp(v, "half-even"))
            in->csv.rounding = PATRON_ROUND_HALF_EVEN;
        else if (!strcmp(v, "half-up"))
            in->csv.rounding = PATRON_ROUND_HALF_UP;
        else if (!strcmp(v, "truncate"))
            in->csv.rounding = PATRON_ROUND_TRUNCATE;
        else
            return bad(cmd, "--rounding '%s' is not exact, half-even, half-up or truncate", v);
        return 1;
    default:
        return 0;
    }
}

/* A column argument: a name, or with no header a 1-based number. */
static int set_column(const char *v, int no_header, const char **name, int32_t *index)
{
    if (!no_header) {
        *name = v;
        return 0;
    }
    int64_t n;
    if (cli_parse_int64(v, &n) != 0 || n < 1 || n > 4096)
        return -1;
    *index = (int32_t)(n - 1);
    return 0;
}

/* --db: the store's purchases as of --as-of. */
static int load_store(const char *cmd, cli_txlog_input *in, patron_txlog **out)
{
    if (in->path || in->cust || in->timec || in->amount || in->category || in->no_header) {
        fprintf(stderr, "patron %s: --db reads the store; %s and the column options are for a file "
                        "(see `patron %s --help`)\n", cmd, in->path ? in->file_opt : "--no-header",
                cmd);
        return 2;
    }
    patron_store_log_options o = PATRON_STORE_LOG_OPTIONS_INIT;
    o.as_of = (int64_t)time(NULL);
    o.decimals = in->log.decimals;
    if (in->as_of && patron_time_parse(&o.as_of, in->as_of, strlen(in->as_of), PATRON_TIME_AUTO) != PATRON_OK) {
        fprintf(stderr, "patron %s: --as-of '%s' is not a time (epoch seconds or ISO-8601) (see `patron %s "
                        "--help`)\n", cmd, in->as_of, cmd);
        return 2;
    }
    patron_db *db;
    if (cli_open_store(cmd, in->db, 1, 0, &db))
        return 1;
    int rc = patron_txlog_from_db(db, out, &o);
    patron_close(db);
    in->as_of_time = o.as_of;
    return rc ? cli_fail_rc(cmd, rc, "reading the store's purchases") : 0;
}

int cli_txlog_load(const char *cmd, cli_txlog_input *in, patron_txlog **out)
{
    if (in->db)
        return load_store(cmd, in, out);
    if (in->as_of) {
        fprintf(stderr, "patron %s: --as-of goes with --db (see `patron %s --help`)\n", cmd, cmd);
        return 2;
    }
    if (!in->path) {
        fprintf(stderr, "patron %s: %s FILE or --db URI is required (see `patron %s --help`)\n", cmd,
                in->file_opt, cmd);
        return 2;
    }
    in->csv.has_header = !in->no_header;
    if (in->no_header && (!in->cust || !in->timec || !in->amount)) {
        fprintf(stderr, "patron %s: --no-header needs --customer-col, --time-col and --amount-col "
                        "numbers (see `patron %s --help`)\n", cmd, cmd);
        return 2;
    }
    if ((in->cust && set_column(in->cust, in->no_header, &in->csv.customer_col, &in->csv.customer_index)) ||
        (in->timec && set_column(in->timec, in->no_header, &in->csv.time_col, &in->csv.time_index)) ||
        (in->amount && set_column(in->amount, in->no_header, &in->csv.amount_col, &in->csv.amount_index)) ||
        (in->category &&
         set_column(in->category, in->no_header, &in->csv.category_col, &in->csv.category_index))) {
        fprintf(stderr, "patron %s: with --no-header the columns are 1-based numbers (see `patron %s --help`)\n",
                cmd, cmd);
        return 2;
    }
    patron_txlog *log = NULL;
    int rc = patron_txlog_new(&log, &in->log);
    if (rc)
        return cli_fail_rc(cmd, rc, "creating the log");
    patron_csv_report rep = PATRON_CSV_REPORT_INIT;
    cli_progress prog;
    cli_progress_begin(&prog, cmd, "reading", 1);
    in->csv.progress = cli_progress_cb; /* the library reports, the CLI prints */
    in->csv.progress_data = &prog;
    rc = patron_txlog_load_csv(log, in->path, &in->csv, &rep);
    cli_progress_end(&prog);
    in->csv.progress = NULL;
    in->csv.progress_data = NULL;
    if (rc) {
        patron_txlog_free(log);
        return cli_fail_rc(cmd, rc, "loading the transactions");
    }
    if (rep.rows_skipped) {
        fprintf(stderr, "patron %s: skipped %llu of %llu rows\n", cmd,
                (unsigned long long)rep.rows_skipped, (unsigned long long)rep.rows_read);
        for (uint32_t k = 0; k < rep.errors_kept; k++)
            fprintf(stderr, "patron %s:   %s\n", cmd, rep.errors[k].message);
    }
    *out = log;
    return 0;
}
