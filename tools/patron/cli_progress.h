/* Progress of long library calls on stderr. The library does the work and
 * reports through the progress callback of its options struct
 * (patron_csv_options.progress, patron_sim_options.progress); the CLI only
 * prints. Shown when stderr is a terminal and the work has taken about 2 s;
 * `--progress` (any command) shows it always, from the start; `--quiet`
 * never. */
#ifndef PATRON_CLI_PROGRESS_H
#define PATRON_CLI_PROGRESS_H

#include <stdint.h>

typedef struct cli_progress {
    const char *cmd;  /* "summary" */
    const char *what; /* "reading", "simulating" */
    int bytes;        /* units are bytes (shown as MB) rather than items */
    int enabled, shown, tty;
    double start, last;
} cli_progress;

/* main(): take --progress and --quiet out of argv (before the subcommand). */
void cli_progress_options(int *argc, char **argv);

void cli_progress_begin(cli_progress *p, const char *cmd, const char *what, int bytes);
/* The library callback; user_data is the cli_progress. */
void cli_progress_cb(void *user_data, uint64_t done, uint64_t total);
/* Ends the line if anything was shown. */
void cli_progress_end(cli_progress *p);

#endif
