/* Regression tests for bugs found by fuzzing and fault injection (issue 8).
 * Each committed crash input also stays in tests/fuzz/corpus/<target>/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"

/* fuzz_phone: "+49 (003 3 (299 (9" gave "+490332999", which normalises again
 * to "+49332999": the key was not a fixed point (one number, two keys), and
 * the NSN of a trunk-prefix country may not start with the trunk digit. */
static void test_phone_trunk_digit_twice(void **state)
{
    (void)state;
    char out[32], again[32];
    assert_int_equal(patron_phone_normalize(out, sizeof out, "+49 (003  3 (299 (9 ", NULL),
                     PATRON_EINVAL);
    /* one trunk zero after the country code is tolerated, and the key is a fixed point */
    assert_int_equal(patron_phone_normalize(out, sizeof out, "+490332999", NULL), PATRON_OK);
    assert_string_equal(out, "+49332999");
    assert_int_equal(patron_phone_normalize(again, sizeof again, out, NULL), PATRON_OK);
    assert_string_equal(again, out);
    assert_int_equal(patron_phone_normalize(out, sizeof out, "11 212 555 0100", "US"), PATRON_EINVAL);
    assert_int_equal(patron_phone_normalize(out, sizeof out, "+1 1212 555 010", NULL), PATRON_EINVAL);
    /* still accepted: one trunk zero after the country code, Italian zeros */
    assert_int_equal(patron_phone_normalize(out, sizeof out, "+49 (0)30 1234567", NULL), PATRON_OK);
    assert_string_equal(out, "+49301234567");
    assert_int_equal(patron_phone_normalize(again, sizeof again, out, NULL), PATRON_OK);
    assert_string_equal(again, out);
    assert_int_equal(patron_phone_normalize(out, sizeof out, "+39 06 1234 5678", NULL), PATRON_OK);
    assert_string_equal(out, "+390612345678");
    assert_int_equal(patron_phone_normalize(out, sizeof out, "1-212-555-0100", "US"), PATRON_OK);
    assert_string_equal(out, "+12125550100");
}

/* fuzz_frame: a one-column frame with an empty string id was written as an
 * empty line, which the reader skips: the round trip lost the row. */
static void test_frame_empty_id_round_trip(void **state)
{
    (void)state;
    static const char text[] = "customer_id\nx\n\"\"\ny\n";
    patron_frame *f = NULL, *g = NULL;
    assert_int_equal(patron_frame_read_csv_buffer(&f, text, sizeof text - 1), PATRON_OK);
    assert_int_equal(patron_frame_rows(f), 3);
    char buf[64];
    size_t len = 0;
    assert_int_equal(patron_frame_write_buffer(f, buf, sizeof buf, &len, NULL), PATRON_OK);
    assert_string_equal(buf, "customer_id\nx\n\"\"\ny\n");
    assert_int_equal(patron_frame_read_csv_buffer(&g, buf, len), PATRON_OK);
    assert_int_equal(patron_frame_rows(g), 3);
    assert_string_equal(patron_frame_string(g, 0)[1], "");
    patron_frame_free(f);
    patron_frame_free(g);
}

/* fuzz_frame: NUL bytes inside a field were cut silently (C strings), so
 * distinct ids could collapse into one ("a\0x" and "a\0y" both "a"). Both
 * CSV readers now reject the record with PATRON_EPARSE. */
static void test_csv_nul_byte(void **state)
{
    (void)state;
    static const char frame_text[] = "customer_id,v\na\0x,1\na\0y,2\n";
    patron_frame *f = NULL;
    assert_int_equal(patron_frame_read_csv_buffer(&f, frame_text, sizeof frame_text - 1),
                     PATRON_EPARSE);
    assert_null(f);
    assert_non_null(strstr(patron_errmsg(), "NUL"));
    static const char tx[] = "customer_id,date,amount\na\0x,2024-01-01,1\nb,2024-01-02,2\n";
    patron_txlog *log = NULL;
    assert_int_equal(patron_txlog_new(&log, NULL), PATRON_OK);
    assert_int_equal(patron_txlog_load_csv_buffer(log, tx, sizeof tx - 1, NULL, NULL), PATRON_EPARSE);
    assert_non_null(strstr(patron_errmsg(), "line 2"));
    assert_int_equal(patron_txlog_count(log), 0);
    patron_csv_options o = PATRON_CSV_OPTIONS_INIT;
    o.skip_invalid = 1;
    patron_csv_report rep = PATRON_CSV_REPORT_INIT;
    int rc = patron_txlog_load_csv_buffer(log, tx, sizeof tx - 1, &o, &rep);
    if (rc == PATRON_OK) { /* skipped and counted */
        assert_int_equal(patron_txlog_count(log), 1);
        assert_int_equal(rep.rows_skipped, 1);
    } else {
        assert_int_equal(rc, PATRON_EPARSE);
    }
    patron_txlog_free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phone_trunk_digit_twice),
        cmocka_unit_test(test_frame_empty_id_round_trip),
        cmocka_unit_test(test_csv_nul_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
