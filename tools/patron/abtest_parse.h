/* Option parsing shared by the `patron abtest` subcommands in
 * cmd_abtest_decide.c and cmd_abtest_seq.c (abtest_parse.c). Each returns 0,
 * or the exit status after printing "patron abtest: ..." to stderr. */
#ifndef PATRON_CLI_ABTEST_PARSE_H
#define PATRON_CLI_ABTEST_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "patron/abtest.h"

/* "patron abtest: <what>: <message>" without the C function's name. */
int ab_fail_lib(int rc, const char *what);
/* A usage error (exit 2): fmt with one %s. */
int ab_usage(const char *fmt, const char *a);
/* A number, or dflt when s is NULL. */
int ab_num_opt(const char *s, const char *name, double dflt, double *v);
/* The index of s among words, or dflt when s is NULL. */
int ab_word_opt(const char *s, const char *name, const char *const *words, int n, int dflt, int *v);
/* "X/N" (whole numbers; spaces around either are ignored). */
int ab_fraction(const char *s, size_t len, const char *name, int64_t *x, int64_t *n);
/* "n,mean,sd" */
int ab_summary(const char *s, size_t len, const char *name, patron_abtest_summary *su);
/* Comma-separated numbers, at most max. */
int ab_list(const char *s, const char *name, double *v, size_t max, size_t *n);

#endif
