/* The `patron` command-line tool: one file per subcommand (cmd_NAME.c),
 * each defining `int cmd_NAME(int argc, char **argv)` where argv[0] is the
 * subcommand name. Return 0 on success; on failure print one line
 * "patron NAME: ..." to stderr and return non-zero (2 for usage errors).
 * `--help` prints the subcommand's usage to stdout and returns 0.
 * tools/patron/meson.build compiles and registers every cmd_NAME.c present. */
#ifndef PATRON_CLI_COMMANDS_H
#define PATRON_CLI_COMMANDS_H

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} cli_command;

int cmd_summary(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_clv(int argc, char **argv);
int cmd_abtest(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_member(int argc, char **argv);
int cmd_points(int argc, char **argv);
int cmd_tier(int argc, char **argv);
int cmd_purchase(int argc, char **argv);
int cmd_scores(int argc, char **argv);
int cmd_behaviour(int argc, char **argv);
int cmd_campaign(int argc, char **argv);
int cmd_segment(int argc, char **argv);
int cmd_journey(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_rule(int argc, char **argv);
int cmd_reward(int argc, char **argv);
int cmd_coupon(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_program(int argc, char **argv);

#endif
