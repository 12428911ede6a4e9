/* `patron report liability` (report_liability.c), dispatched by cmd_report.c. */
#ifndef PATRON_CLI_REPORT_LIABILITY_H
#define PATRON_CLI_REPORT_LIABILITY_H

int cli_report_liability(int argc, char **argv);

#endif
