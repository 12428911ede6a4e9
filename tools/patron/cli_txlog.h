/* The transaction-log input options, one parser for every command that
 * reads a transaction log (summary, report weekly, segment --transactions):
 * the same names, values, help text and error messages everywhere. */
#ifndef PATRON_CLI_TXLOG_H
#define PATRON_CLI_TXLOG_H

#include "patron.h"

typedef struct cli_txlog_input {
    const char *file_opt; /* the option naming the file: "--input" or "--transactions" */
    const char *path;     /* its value (NULL until given) */
    const char *db;       /* --db: a store's recorded purchases instead of a file */
    const char *as_of;    /* --as-of with --db (NULL: now) */
    int64_t as_of_time;   /* the moment a --db log describes, set by cli_txlog_load */
    const char *cust, *timec, *amount, *category;
    int no_header;
    patron_csv_options csv;
    patron_txlog_options log;
} cli_txlog_input;

/* Defaults; `file_opt` names the file option ("--input"). */
void cli_txlog_input_init(cli_txlog_input *in, const char *file_opt);

/* Help text of the options (one block, indented like every command's help). */
extern const char cli_txlog_help[];

/* If argv[*i] is one of the input options, consume it (and its value) and
 * return 1; return 0 when it is not; print "patron CMD: ..." and return -1
 * for a bad value (the caller exits 2). */
int cli_txlog_option(const char *cmd, cli_txlog_input *in, int argc, char **argv, int *i);

/* Check the options, create the log and load the file (or the store's
 * purchases as of --as-of, patron_txlog_from_db) into *out; rows
 * skipped with --skip-invalid are reported on stderr. Returns 0, or the exit
 * status after printing the failure. */
int cli_txlog_load(const char *cmd, cli_txlog_input *in, patron_txlog **out);

#endif
