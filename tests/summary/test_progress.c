/* Progress callbacks of the long-running calls (CSV loading, simulation):
 * called in order, never beyond the total, once at the end with
 * done == total; absent callbacks change nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"

typedef struct {
    int calls;
    uint64_t last_done, last_total;
    int backwards, beyond;
} seen;

static void record(void *ud, uint64_t done, uint64_t total)
{
    seen *s = ud;
    if (s->calls && done < s->last_done)
        s->backwards = 1;
    if (total && done > total)
        s->beyond = 1;
    s->calls++;
    s->last_done = done;
    s->last_total = total;
}

static char *big_csv(size_t rows, size_t *len)
{
    size_t cap = 64 + rows * 40;
    char *b = malloc(cap);
    assert_non_null(b);
    size_t k = (size_t)snprintf(b, cap, "customer_id,date,amount\n");
    for (size_t i = 0; i < rows; i++)
        k += (size_t)snprintf(b + k, cap - k, "c%zu,2024-01-%02zu,%zu.%02zu\n", i % 5000, 1 + i % 28, i % 90, i % 100);
    *len = k;
    return b;
}

static void csv_buffer_progress(void **state)
{
    (void)state;
    size_t len;
    char *csv = big_csv(200000, &len); /* about 5 MB: several reports */
    patron_txlog *log;
    assert_int_equal(patron_txlog_new(&log, NULL), PATRON_OK);
    seen s = {0};
    patron_csv_options o = PATRON_CSV_OPTIONS_INIT;
    o.progress = record;
    o.progress_data = &s;
    assert_int_equal(patron_txlog_load_csv_buffer(log, csv, len, &o, NULL), PATRON_OK);
    assert_true(s.calls >= 3);
    assert_false(s.backwards);
    assert_false(s.beyond);
    assert_int_equal(s.last_done, len);
    assert_int_equal(s.last_total, len);
    assert_int_equal(patron_txlog_count(log), 200000);
    patron_txlog_free(log);
    free(csv);
}

static void csv_file_progress(void **state)
{
    (void)state;
    size_t len;
    char *csv = big_csv(100000, &len);
    const char *path = "progress_test.csv";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(csv, 1, len, f), len);
    fclose(f);
    patron_txlog *log;
    assert_int_equal(patron_txlog_new(&log, NULL), PATRON_OK);
    seen s = {0};
    patron_csv_options o = PATRON_CSV_OPTIONS_INIT;
    o.progress = record;
    o.progress_data = &s;
    assert_int_equal(patron_txlog_load_csv(log, path, &o, NULL), PATRON_OK);
    remove(path);
    assert_true(s.calls >= 2);
    assert_false(s.backwards);
    assert_false(s.beyond);
    assert_int_equal(s.last_total, len); /* a regular file: its size is known */
    assert_int_equal(s.last_done, len);
    patron_txlog_free(log);
    free(csv);
}

static void sim_progress(void **state)
{
    (void)state;
    patron_sim_options o = PATRON_SIM_OPTIONS_INIT;
    o.r = 0.5;
    o.alpha = 5;
    o.a = 0.8;
    o.b = 2.5;
    o.periods = 52;
    o.customers = 1000;
    seen s = {0};
    o.progress = record;
    o.progress_data = &s;
    patron_sim *a, *b;
    assert_int_equal(patron_sim_run(&a, &o), PATRON_OK);
    assert_true(s.calls >= 100);
    assert_false(s.backwards);
    assert_false(s.beyond);
    assert_int_equal(s.last_done, 2000);
    assert_int_equal(s.last_total, 2000);
    /* the same log with and without a callback */
    o.progress = NULL;
    assert_int_equal(patron_sim_run(&b, &o), PATRON_OK);
    assert_int_equal(patron_sim_n_transactions(a), patron_sim_n_transactions(b));
    assert_memory_equal(patron_sim_tx_time(a), patron_sim_tx_time(b),
                        patron_sim_n_transactions(a) * sizeof(int64_t));
    patron_sim_free(a);
    patron_sim_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_buffer_progress),
        cmocka_unit_test(csv_file_progress),
        cmocka_unit_test(sim_progress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
