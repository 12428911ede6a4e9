/* Summary example: load purchases from CSV text, summarise them per
 * customer as lifetimes does, read the frame's columns, and write the
 * summary as CSV. */
#include <patron.h>
#include <stdio.h>
#include <string.h>

static const char csv[] =
    "customer_id,date,amount\n"
    "alice,2024-01-01,10.00\n"
    "alice,2024-01-01T18:00:00Z,2.50\n" /* same day: one purchase period */
    "bob,2024-01-02,5\n"
    "alice,2024-01-08,20\n"
    "bob,2024-01-20,1.5\n"
    "alice,2024-02-01,99.99\n";

int main(void)
{
    patron_txlog *log = NULL;
    patron_frame *frame = NULL;
    int rc = patron_txlog_new(&log, NULL); /* amounts with 2 decimals (cents) */
    if (rc == PATRON_OK)
        rc = patron_txlog_load_csv_buffer(log, csv, strlen(csv), NULL, NULL);
    if (rc == PATRON_OK) {
        patron_summary_options opts = PATRON_SUMMARY_OPTIONS_INIT; /* days */
        const char *end = "2024-02-29";
        rc = patron_time_parse(&opts.observation_end, end, strlen(end), PATRON_TIME_ISO8601);
        if (rc == PATRON_OK)
            rc = patron_summarize(&frame, log, &opts);
    }
    if (rc != PATRON_OK) {
        fprintf(stderr, "error: %s: %s\n", patron_strerror(rc), patron_errmsg());
        patron_txlog_free(log);
        return 1;
    }

    /* Columns are contiguous arrays; look them up by name. */
    const double *x = patron_frame_double_by_name(frame, "frequency");
    const double *T = patron_frame_double_by_name(frame, "T");
    const double *m = patron_frame_double_by_name(frame, "monetary_value"); /* cents */
    for (size_t i = 0; i < patron_frame_rows(frame); i++)
        printf("%s: %g repeat days over %g days, mean repeat spend $%.2f\n",
               patron_frame_id(frame, i, NULL, 0), x[i], T[i], m[i] / 100);

    /* The same summary as CSV, money in dollars as lifetimes prints it. */
    patron_frame_write_options wo = PATRON_FRAME_WRITE_OPTIONS_INIT;
    wo.major_units = 1;
    rc = patron_frame_write(frame, stdout, &wo);

    patron_frame_free(frame);
    patron_txlog_free(log);
    return rc == PATRON_OK ? 0 : 1;
}
