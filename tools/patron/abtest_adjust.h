/* The regression-adjustment, post-stratification, quantile and bootstrap
 * tests of `patron abtest` (abtest_adjust.c). */
#ifndef PATRON_CLI_ABTEST_ADJUST_H
#define PATRON_CLI_ABTEST_ADJUST_H

/* Runs `patron abtest <test> ...` when argv[1] is one of adjust, poststrat,
 * quantile, bootstrap and returns its exit status; returns -1 for any other
 * test (cmd_abtest.c handles it). */
int abtest_adjust_main(int argc, char **argv);

#endif
