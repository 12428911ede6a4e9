/* Store-backed frame columns: consent, join date, points, tier. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"

#define NOW INT64_C(1700000000)
#define DAY INT64_C(86400)

static void test_member_columns(void **state)
{
    (void)state;
    patron_db *db;
    assert_int_equal(patron_open(&db, ":memory:", NULL), 0);
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Ann";
    f.email = "ann@example.com";
    f.consent = "sms,email";
    f.joined_at = NOW - 10 * DAY;
    int64_t ann, bob;
    assert_int_equal(patron_profile_add(db, &ann, &f, NOW - 10 * DAY), 0);
    f.name = "Bob";
    f.email = "bob@example.com";
    f.consent = "email";
    f.joined_at = NOW - 100 * DAY;
    assert_int_equal(patron_profile_add(db, &bob, &f, NOW - 100 * DAY), 0);
    assert_int_equal(patron_consent_record(db, bob, "email", 0, NOW - DAY, "web"), 0);
    patron_posting_request req = PATRON_POSTING_REQUEST_INIT;
    patron_posting_result res;
    memset(&res, 0, sizeof res);
    req.key = "p1";
    req.member_id = ann;
    req.points = 120;
    req.at = NOW - 5 * DAY;
    assert_int_equal(patron_ledger_earn(db, &res, &req), 0);

    char id_ann[24], id_bob[24];
    snprintf(id_ann, sizeof id_ann, "%lld", (long long)ann);
    snprintf(id_bob, sizeof id_bob, "bob@example.com");
    const char *const ids[] = {id_ann, id_bob, "nobody@example.com", "not an identifier"};
    patron_frame *fr;
    assert_int_equal(patron_frame_new(&fr, 4, NULL, ids), 0);
    patron_member_columns_options o = PATRON_MEMBER_COLUMNS_OPTIONS_INIT;
    assert_int_equal(patron_frame_add_member_columns(fr, db, &o), PATRON_EINVAL); /* now unset */
    o.now = NOW;
    o.channels = "sms,email";
    if (patron_frame_add_member_columns(fr, db, &o)) fail_msg("%s", patron_errmsg());

    const int64_t *member = patron_frame_int64_by_name(fr, "member_id");
    assert_int_equal(member[0], ann);
    assert_int_equal(member[1], bob);
    assert_int_equal(member[2], 0);
    assert_int_equal(member[3], 0);
    const int64_t *sms = patron_frame_int64_by_name(fr, "consent.sms");
    const int64_t *email = patron_frame_int64_by_name(fr, "consent.email");
    assert_int_equal(sms[0], 1);
    assert_int_equal(email[0], 1);
    assert_int_equal(sms[1], 0);
    assert_int_equal(email[1], 0); /* withdrawn yesterday */
    const int64_t *bal = patron_frame_int64_by_name(fr, "points_balance");
    const int64_t *pend = patron_frame_int64_by_name(fr, "points_pending");
    assert_int_equal(bal[0] + pend[0], 120);
    assert_int_equal(bal[1], 0);
    assert_int_equal(patron_frame_int64_by_name(fr, "joined")[1], NOW - 100 * DAY);

    /* rules over them: consent columns are conditions, joined is a time */
    patron_rule_eval_options eo = PATRON_RULE_EVAL_OPTIONS_INIT;
    eo.now = NOW;
    patron_selection *s;
    assert_int_equal(patron_rule_select(&s, fr, "joined within 30 days and consent.sms", &eo), 0);
    assert_int_equal(patron_selection_count(s), 1);
    assert_int_equal(patron_selection_contains(s, 0), 1);
    patron_selection_free(s);
    assert_int_equal(patron_rule_select(&s, fr, "member_id > 0 and not consent.email", &eo), 0);
    assert_int_equal(patron_selection_count(s), 1);
    assert_int_equal(patron_selection_contains(s, 1), 1);
    patron_selection_free(s);

    assert_int_equal(patron_frame_add_member_columns(fr, db, &o), PATRON_ECONFLICT);
    patron_frame_free(fr);
    assert_int_equal(patron_frame_new(&fr, 1, NULL, ids), 0);
    o.channels = "SMS";
    assert_int_equal(patron_frame_add_member_columns(fr, db, &o), PATRON_EINVAL);
    assert_string_equal(patron_errmsg(), "channels 'SMS': 'SMS' is not a channel name (lower-case letters, digits, '_')");
    patron_frame_free(fr);
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_member_columns),
    };
    return cmocka_run_group_tests_name("segment member columns", tests, NULL, NULL);
}
