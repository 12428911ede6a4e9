/* Money units of the frames `patron segment` reads and writes.
 *
 * One rule everywhere: money in a frame is in minor units (cents), as the
 * library stores it, so a rule means the same in C, the bindings and the
 * CLI (`total_spend > 100000` is 1,000.00 with 2 decimals). `patron summary`
 * writes major units by default, so `patron segment` converts the money
 * columns of its input to minor units before anything else, and writes every
 * money column back in the input's units: the input's own values unchanged,
 * the columns it added (activity spend) divided by 10^decimals. */
#ifndef PATRON_CLI_MONEY_H
#define PATRON_CLI_MONEY_H

#include <stddef.h>

#include "patron.h"

#define CLI_MONEY_MAX 8

typedef struct cli_money {
    int decimals;
    double scale;                     /* 10^decimals */
    size_t n;                         /* input money columns converted */
    const char *names[CLI_MONEY_MAX]; /* their names (static strings) */
    void *orig[CLI_MONEY_MAX];        /* their values as read (double or int64) */
    int types[CLI_MONEY_MAX];
} cli_money;

/* Is `name` a money column (summary or activity)? */
int cli_money_column(const char *name);

/* Convert the money columns of a frame read from CSV from major units with
 * `decimals` decimals to minor units, saving the values as read. int64
 * columns are multiplied exactly (overflow is an error); totals read as
 * decimals ("132.49") are rounded to whole minor units. Returns 0, or 1
 * after printing an error. */
int cli_money_to_minor(cli_money *m, patron_frame *frame, int decimals, const char *cmd);

/* *result: a copy of `out` (the rows `sel` of the converted frame) with
 * money in the input's units: the input's money columns with their values
 * as read, money columns added since (activity spend) divided by
 * 10^decimals, as doubles. Returns 0, or 1 after printing an error. */
int cli_money_output(patron_frame **result, const cli_money *m, const patron_frame *out,
                     const patron_selection *sel, const char *cmd);

void cli_money_free(cli_money *m);

#endif
