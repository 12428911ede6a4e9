/* Small helpers shared by the subcommands. */
#ifndef PATRON_CLI_UTIL_H
#define PATRON_CLI_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <stdio.h>

struct patron_db;

/* One subcommand for cli_print_sub_help(): its name and what it does. */
typedef struct cli_sub {
    const char *name;
    const char *about;
} cli_sub;

/* `patron CMD SUB --help`: from a command's usage table ("usage: patron CMD
 * SUB ..." lines, continuation lines indented, notes after the table) print
 * only SUB's lines, its `about` text and the notes. Returns 0 (and prints
 * nothing) when SUB is not in `subs` (a table ended by {NULL, NULL}). */
int cli_print_sub_help(FILE *out, const char *usage, const char *cmd, const cli_sub *subs, const char *sub);

/* Print "patron CMD: <msg>" (printf-style) to stderr and return 1. */
int cli_fail(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Print "patron CMD: <what>: <patron_strerror(rc)>: <patron_errmsg()>" and return 1. */
int cli_fail_rc(const char *cmd, int rc, const char *what);
/* A library message as people read it: without the C names it carries for
 * programmers ("patron_clv_fit: " prefixes, "(patron_tier_configure)" hints,
 * "patron_x_options." before a field name). */
void cli_user_message(char *out, size_t cap, const char *msg);
/* JSON values on stdout by the CLI's JSON convention (docs/guide/cli.md):
 * a number that is not finite is null; a NULL string is null. */
void cli_json_num(double v);
void cli_json_str(const char *s);
/* Strict number parsing: the whole string must be consumed. 0 on success. */
int cli_parse_double(const char *s, double *out);
int cli_parse_int64(const char *s, int64_t *out);
/* Value of option `name` at argv[*i] ("--name VALUE" or "--name=VALUE");
 * advances *i past a separate value. NULL when argv[*i] is not that option;
 * sets *missing when the option is present without a value. */
const char *cli_opt(int argc, char **argv, int *i, const char *name, int *missing);

/* Parse "--name VALUE" options from argv[first..] against a table of `n`
 * option names into values[] (values[k] for names[k]; NULL when absent).
 * Returns 0 when parsed; 1 when --help was given (the caller prints its
 * usage and exits 0); 2 after printing a one-line error for an unknown option
 * or a missing value. */
int cli_parse_table(const char *cmd, int argc, char **argv, int first, const char *const *names,
                    int n, const char **values);

/* What cli_parse_sub() returns when the command goes on. */
#define CLI_GO (-1)

/* The start every command with subcommands shares: parse argv[first..]
 * into values[] by the option table (cli_parse_table). `--help` prints
 * SUB's help (or the whole `usage` when SUB has none) and ends the command
 * with 0; an unknown option ends it with 2; so does a SUB that is not in
 * `subs`, with a message that names the known ones. Otherwise CLI_GO. */
int cli_parse_sub(const char *cmd, int argc, char **argv, int first, const char *const *names, int n,
                  const char **values, const char *usage, const cli_sub *subs, const char *sub);

/* Store options every command that opens a store takes: `--busy-timeout MS`
 * (how long a writer waits for another, default 5000), `--create` (make
 * the store if it does not exist; without it a mistyped path is an error,
 * not a new empty store), `--actor NAME` (who the audit trail records
 * for the administrative changes the command makes) and `--program NAME`
 * (the program whose points, policy and reports the command works with;
 * default "default"). main() takes them out of argv before the
 * subcommand parses its own options (cli_store_options), and
 * cli_open_store() applies them. */
int cli_store_options(int *argc, char **argv);
/* `create`: make the store even without --create (patron init). */
int cli_open_store(const char *cmd, const char *uri, int read_only, int create, struct patron_db **out);

#endif
