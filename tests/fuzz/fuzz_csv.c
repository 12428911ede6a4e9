/* Fuzz target: transaction CSV import (patron_txlog_load_csv_buffer).
 * The first byte picks the options (delimiter, header or indices, time
 * syntax, rounding, skip_invalid, integer ids, decimals); the rest is the
 * CSV text. Invariants: a failed load leaves the log exactly as it was; a
 * successful one adds exactly rows_loaded rows; the summary of what was
 * loaded succeeds (or fails cleanly). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "patron/summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    data++;
    size--;

    patron_txlog_options lo = PATRON_TXLOG_OPTIONS_INIT;
    lo.decimals = (sel >> 6) == 3 ? 0 : 2; /* yen or cents */
    patron_txlog *log = NULL;
    if (patron_txlog_new(&log, &lo) != PATRON_OK)
        abort();
    /* A row already in the log, to check that failed loads keep it. */
    if (patron_txlog_add(log, "seed", 86400, 100, NULL, NULL) != PATRON_OK)
        abort();

    patron_csv_options o = PATRON_CSV_OPTIONS_INIT;
    switch (sel & 3) {
    case 0: /* defaults: header customer_id,date,amount */
        break;
    case 1: /* headerless, by index, whitespace-separated (CDNOW style) */
        o.has_header = 0;
        o.delimiter = ' ';
        o.customer_index = 0;
        o.time_index = 1;
        o.amount_index = 3;
        o.time_format = PATRON_TIME_YYYYMMDD;
        break;
    case 2: /* semicolons, category and order columns by name */
        o.delimiter = ';';
        o.category_col = "category";
        o.order_col = "order_id";
        break;
    case 3: /* tabs, headerless, all five columns by index */
        o.delimiter = '\t';
        o.has_header = 0;
        o.customer_index = 0;
        o.time_index = 1;
        o.amount_index = 2;
        o.category_index = 3;
        o.order_index = 4;
        break;
    }
    o.rounding = (sel >> 2) & 3;
    o.skip_invalid = (sel >> 4) & 1;
    if ((sel & 3) != 1)
        o.time_format = ((sel >> 5) & 1) ? PATRON_TIME_AUTO : PATRON_TIME_ISO8601;
    if ((sel >> 6) == 2)
        o.integer_ids = 1;
    if (o.integer_ids) {
        /* integer ids cannot join a string-id log: start empty */
        patron_txlog_free(log);
        if (patron_txlog_new(&log, &lo) != PATRON_OK)
            abort();
    }
    size_t before = patron_txlog_count(log);
    size_t cust_before = patron_txlog_customers(log);

    patron_csv_report rep = PATRON_CSV_REPORT_INIT;
    int rc = patron_txlog_load_csv_buffer(log, (const char *)data, size, &o, &rep);
    if (rc != PATRON_OK) {
        if (patron_txlog_count(log) != before || patron_txlog_customers(log) != cust_before)
            abort(); /* a failed load must leave the log untouched */
        if (patron_errmsg()[0] == '\0')
            abort(); /* every failure says why */
    } else {
        if (patron_txlog_count(log) != before + rep.rows_loaded)
            abort();
        if (rep.rows_loaded + rep.rows_skipped != rep.rows_read)
            abort();
        if (rep.errors_kept > PATRON_CSV_REPORT_ERRORS || rep.errors_kept > rep.rows_skipped)
            abort();
        patron_frame *f = NULL;
        if (patron_summarize(&f, log, NULL) == PATRON_OK) {
            if (patron_frame_rows(f) > patron_txlog_customers(log))
                abort();
            patron_frame_free(f);
        }
    }
    patron_txlog_free(log);
    return 0;
}
