/* Profiles: identity normalisation, fields, attributes, consent history,
 * merge, progressive profiling, export and erasure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "internal/json.h"
#include "internal/store.h"
#include "patron.h"
#include "store_support.h"

#define T0 1700000000

static patron_db *open_db(void)
{
    patron_db *db = pt_store_new(NULL);
    assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
    return db;
}

static int64_t add(patron_db *db, const char *name, const char *phone, const char *email)
{
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = name;
    f.phone = phone;
    f.email = email;
    f.consent = "sms";
    int64_t id = 0;
    assert_int_equal(patron_profile_add(db, &id, &f, T0), PATRON_OK);
    assert_true(id > 0);
    return id;
}

static int64_t count(patron_db *db, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(patron__sql_int(db, &n, 0, sql, ""), PATRON_OK);
    return n;
}

static void test_phone_normalisation(void **state)
{
    (void)state;
    char out[32];
    const char *same[] = {"050-123-4567", "+972 50 123 4567", "+972501234567", "00972501234567",
                          "(050) 123 4567", "+972 050-123-4567", "050.123.4567", "501234567"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        assert_int_equal(patron_phone_normalize(out, sizeof out, same[i], "IL"), PATRON_OK);
        assert_string_equal(out, "+972501234567");
    }
    assert_int_equal(patron_phone_normalize(out, sizeof out, "03-123-4567", "il"), PATRON_OK);
    assert_string_equal(out, "+97231234567");
    assert_int_equal(patron_phone_normalize(out, sizeof out, "(212) 555-0100", "US"), PATRON_OK);
    assert_string_equal(out, "+12125550100");
    assert_int_equal(patron_phone_normalize(out, sizeof out, "020 7946 0958", "GB"), PATRON_OK);
    assert_string_equal(out, "+442079460958");
    assert_int_equal(patron_phone_normalize(out, sizeof out, "+41 44 668 18 00", NULL), PATRON_OK);
    assert_string_equal(out, "+41446681800");
    strcpy(out, "untouched");
    assert_int_equal(patron_phone_normalize(out, sizeof out, "050-123-4567", NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "default country"));
    assert_int_equal(patron_phone_normalize(out, sizeof out, "050-123-45", "IL"), PATRON_EINVAL);
    assert_int_equal(patron_phone_normalize(out, sizeof out, "050-123-4567x", "IL"), PATRON_EINVAL);
    assert_int_equal(patron_phone_normalize(out, sizeof out, "+972 50 123 4567 89", "IL"), PATRON_EINVAL);
    assert_int_equal(patron_phone_normalize(out, sizeof out, "", "IL"), PATRON_EINVAL);
    assert_int_equal(patron_phone_normalize(out, sizeof out, "0501234567", "XX"), PATRON_EINVAL);
    assert_int_equal(patron_phone_normalize(out, 5, "0501234567", "IL"), PATRON_EINVAL);
    assert_string_equal(out, "untouched");
}

static void test_email_normalisation(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(patron_email_normalize(out, sizeof out, "  Dana.Levi+Club@Example.COM \n"), PATRON_OK);
    assert_string_equal(out, "dana.levi+club@example.com"); /* dots and tags kept */
    assert_int_equal(patron_email_normalize(out, sizeof out, "Dana.Levi+club@GoogleMail.com"), PATRON_OK);
    assert_string_equal(out, "danalevi@gmail.com");
    assert_int_equal(patron_email_normalize(out, sizeof out, "d.a.n.a.levi@gmail.com"), PATRON_OK);
    assert_string_equal(out, "danalevi@gmail.com");
    const char *bad[] = {"dana", "@x.com", "dana@", "dana@x", "da na@x.com", "a@b@c.com", "dana@x.", "+x@gmail.com"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(patron_email_normalize(out, sizeof out, bad[i]), PATRON_EINVAL);
    assert_int_equal(patron_email_normalize(out, 4, "dana@x.com"), PATRON_EINVAL);
}

static void test_add_find_by_any_identifier(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t id = add(db, "  Dana   Levi ", "050-123-4567", "Dana.Levi@Gmail.com");
    int64_t got = 0;
    const char *ids[] = {"+972 50 123 4567", "0501234567", "+972501234567", "danalevi+promo@gmail.com",
                         "DANA.LEVI@gmail.com"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        got = 0;
        assert_int_equal(patron_profile_find(db, &got, ids[i]), PATRON_OK);
        assert_int_equal(got, id);
    }
    char hash[32];
    snprintf(hash, sizeof hash, "#%lld", (long long)id);
    assert_int_equal(patron_profile_find(db, &got, hash), PATRON_OK);
    assert_int_equal(patron_profile_find(db, &got, "052-000-0000"), PATRON_ENOTFOUND);
    assert_int_equal(patron_profile_find(db, &got, "nobody@x.com"), PATRON_ENOTFOUND);
    assert_int_equal(patron_profile_find(db, &got, "#abc"), PATRON_EINVAL);
    patron_profile *p = NULL;
    assert_int_equal(patron_profile_get(db, &p, id), PATRON_OK);
    assert_string_equal(patron_profile_field(p, "name"), "Dana Levi");
    assert_string_equal(patron_profile_field(p, "phone"), "+972501234567");
    assert_string_equal(patron_profile_field(p, "email"), "dana.levi@gmail.com");
    assert_string_equal(patron_profile_field(p, "joined_at"), "1700000000");
    assert_null(patron_profile_field(p, "city"));
    assert_int_equal(patron_profile_id(p), id);
    patron_profile_free(p);
    patron_profile_free(NULL);
    patron_close(db);
}

static void test_required_fields_and_conflicts_change_nothing(void **state)
{
    (void)state;
    patron_db *db = open_db();
    add(db, "Dana", "050-123-4567", NULL);
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    int64_t id = 77;
    f.phone = "052-222-3333";
    f.consent = "sms";
    assert_int_equal(patron_profile_add(db, &id, &f, T0), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "name"));
    f.name = "Avi";
    f.phone = NULL;
    assert_int_equal(patron_profile_add(db, &id, &f, T0), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "contact"));
    f.phone = "052-222-3333";
    f.consent = NULL;
    assert_int_equal(patron_profile_add(db, &id, &f, T0), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "consent"));
    f.consent = "sms";
    f.birth_date = "1990-02-30";
    assert_int_equal(patron_profile_add(db, &id, &f, T0), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "birth_date"));
    f.birth_date = NULL;
    f.phone = "+972-50-1234567";
    assert_int_equal(patron_profile_add(db, &id, &f, T0), PATRON_ECONFLICT);
    assert_non_null(strstr(patron_errmsg(), "already belongs to member 1"));
    f.phone = "052-222-3333";
    f.consent = "sms,bad channel";
    assert_int_equal(patron_profile_add(db, &id, &f, T0), PATRON_EINVAL);
    assert_int_equal(id, 77);
    assert_int_equal(count(db, "SELECT count(*) FROM members"), 1);
    assert_int_equal(count(db, "SELECT count(*) FROM identifiers"), 1);
    assert_int_equal(count(db, "SELECT count(*) FROM consents"), 1);
    patron_close(db);
}

static void test_update_aliases_vocabulary(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t id = add(db, "Dana", "050-123-4567", NULL);
    assert_int_equal(patron_profile_set_alias(db, "city", "TLV", "Tel Aviv"), PATRON_OK);
    assert_int_equal(patron_profile_set_alias(db, "categories", "Sneakers", "shoes"), PATRON_OK);
    assert_int_equal(patron_profile_set_alias(db, "name", "x", "y"), PATRON_EINVAL);
    assert_int_equal(patron_profile_set_vocabulary(db, "shoes, bags,Kids"), PATRON_OK);
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.city = " tlv ";
    f.categories = "Sneakers, BAGS,shoes";
    f.email = "dana@example.com";
    f.birth_date = "1990-05-17";
    assert_int_equal(patron_profile_update(db, id, &f, T0), PATRON_OK);
    patron_profile *p;
    assert_int_equal(patron_profile_get(db, &p, id), PATRON_OK);
    assert_string_equal(patron_profile_field(p, "city"), "Tel Aviv");
    assert_string_equal(patron_profile_field(p, "categories"), "shoes,bags");
    assert_string_equal(patron_profile_field(p, "birth_date"), "1990-05-17");
    patron_profile_free(p);
    f = (patron_profile_fields)PATRON_PROFILE_FIELDS_INIT;
    f.categories = "shoes,toys";
    assert_int_equal(patron_profile_update(db, id, &f, T0), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "toys"));
    /* clearing the phone is fine while the e-mail remains; the last contact is not */
    f = (patron_profile_fields)PATRON_PROFILE_FIELDS_INIT;
    f.phone = "";
    assert_int_equal(patron_profile_update(db, id, &f, T0), PATRON_OK);
    f.phone = NULL;
    f.email = "";
    assert_int_equal(patron_profile_update(db, id, &f, T0), PATRON_EINVAL);
    int64_t got;
    assert_int_equal(patron_profile_find(db, &got, "dana@example.com"), PATRON_OK);
    assert_int_equal(patron_profile_find(db, &got, "050-123-4567"), PATRON_ENOTFOUND);
    assert_int_equal(patron_profile_update(db, 999, &f, T0), PATRON_ENOTFOUND);
    patron_close(db);
}

static void test_typed_attributes(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t id = add(db, "Dana", "050-123-4567", NULL);
    assert_int_equal(patron_profile_define_attr(db, "shoe_size", PATRON_ATTR_INT), PATRON_OK);
    assert_int_equal(patron_profile_define_attr(db, "shoe_size", PATRON_ATTR_INT), PATRON_OK);
    assert_int_equal(patron_profile_define_attr(db, "shoe_size", PATRON_ATTR_TEXT), PATRON_ECONFLICT);
    assert_int_equal(patron_profile_define_attr(db, "vip", PATRON_ATTR_BOOL), PATRON_OK);
    assert_int_equal(patron_profile_define_attr(db, "anniversary", PATRON_ATTR_DATE), PATRON_OK);
    assert_int_equal(patron_profile_define_attr(db, "Bad-Name", PATRON_ATTR_TEXT), PATRON_EINVAL);
    assert_int_equal(patron_profile_define_attr(db, "city", PATRON_ATTR_TEXT), PATRON_EINVAL);
    assert_int_equal(patron_profile_define_attr(db, "x", 9), PATRON_EINVAL);
    assert_int_equal(patron_profile_set_attr(db, id, "shoe_size", "+38"), PATRON_OK);
    assert_int_equal(patron_profile_set_attr(db, id, "vip", "YES"), PATRON_OK);
    assert_int_equal(patron_profile_set_attr(db, id, "anniversary", "2020-02-29"), PATRON_OK);
    assert_int_equal(patron_profile_set_attr(db, id, "shoe_size", "38.5"), PATRON_EINVAL);
    assert_int_equal(patron_profile_set_attr(db, id, "vip", "maybe"), PATRON_EINVAL);
    assert_int_equal(patron_profile_set_attr(db, id, "anniversary", "2021-02-29"), PATRON_EINVAL);
    assert_int_equal(patron_profile_set_attr(db, id, "undeclared", "1"), PATRON_ENOTFOUND);
    patron_profile *p;
    assert_int_equal(patron_profile_get(db, &p, id), PATRON_OK);
    assert_string_equal(patron_profile_field(p, "shoe_size"), "38");
    assert_string_equal(patron_profile_field(p, "vip"), "true");
    assert_string_equal(patron_profile_field(p, "anniversary"), "2020-02-29");
    patron_profile_free(p);
    assert_int_equal(patron_profile_set_attr(db, id, "vip", NULL), PATRON_OK);
    assert_int_equal(patron_profile_get(db, &p, id), PATRON_OK);
    assert_null(patron_profile_field(p, "vip"));
    patron_profile_free(p);
    patron_close(db);
}

static void test_consent_is_a_history(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t id = add(db, "Dana", "050-123-4567", NULL); /* sms granted at T0 via form */
    int g = -1;
    assert_int_equal(patron_consent_get(db, &g, id, "sms", T0), PATRON_OK);
    assert_int_equal(g, 1);
    assert_int_equal(patron_consent_get(db, &g, id, "sms", T0 - 1), PATRON_OK);
    assert_int_equal(g, 0);
    assert_int_equal(patron_consent_get(db, &g, id, "email", T0), PATRON_OK);
    assert_int_equal(g, 0);
    assert_int_equal(patron_consent_record(db, id, "sms", 0, T0 + 100, "web"), PATRON_OK);
    assert_int_equal(patron_consent_record(db, id, "email", 1, T0 + 200, "pos"), PATRON_OK);
    assert_int_equal(patron_consent_record(db, id, "sms", 1, T0 + 300, "pos"), PATRON_OK);
    assert_int_equal(patron_consent_get(db, &g, id, "sms", T0 + 150), PATRON_OK);
    assert_int_equal(g, 0);
    assert_int_equal(patron_consent_get(db, &g, id, "sms", T0 + 300), PATRON_OK);
    assert_int_equal(g, 1);
    assert_int_equal(patron_consent_record(db, id, "SMS", 1, T0, "pos"), PATRON_EINVAL);
    assert_int_equal(patron_consent_record(db, id, "sms", 1, T0, ""), PATRON_EINVAL);
    assert_int_equal(patron_consent_record(db, 99, "sms", 1, T0, "pos"), PATRON_ENOTFOUND);
    assert_int_equal(count(db, "SELECT count(*) FROM consents"), 4);
    /* explicit refusal */
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Avi";
    f.email = "avi@example.com";
    f.consent = "none";
    int64_t avi;
    assert_int_equal(patron_profile_add(db, &avi, &f, T0), PATRON_OK);
    assert_int_equal(patron_consent_get(db, &g, avi, "email", T0), PATRON_OK);
    assert_int_equal(g, 0);
    assert_int_equal(patron_consent_record(db, avi, "email", 1, T0 + 5, "web"), PATRON_OK);
    assert_int_equal(patron_consent_get(db, &g, avi, "email", T0 + 5), PATRON_OK);
    assert_int_equal(g, 1);
    patron_close(db);
}

static void test_progressive_profiling(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t id = add(db, "Dana", "050-123-4567", NULL);
    char *f = NULL;
    assert_int_equal(patron_profile_next_field(db, &f, id), PATRON_OK);
    assert_string_equal(f, "email");
    patron_free(f);
    assert_int_equal(patron_profile_define_attr(db, "shoe_size", PATRON_ATTR_INT), PATRON_OK);
    assert_int_equal(patron_profile_set_priority(db, "shoe_size,city,gender"), PATRON_OK);
    assert_int_equal(patron_profile_set_priority(db, "city,nonsense"), PATRON_EINVAL);
    assert_int_equal(patron_profile_next_field(db, &f, id), PATRON_OK);
    assert_string_equal(f, "shoe_size");
    patron_free(f);
    assert_int_equal(patron_profile_set_attr(db, id, "shoe_size", "38"), PATRON_OK);
    patron_profile_fields pf = PATRON_PROFILE_FIELDS_INIT;
    pf.city = "Haifa";
    assert_int_equal(patron_profile_update(db, id, &pf, T0), PATRON_OK);
    assert_int_equal(patron_profile_next_field(db, &f, id), PATRON_OK);
    assert_string_equal(f, "gender");
    patron_free(f);
    pf = (patron_profile_fields)PATRON_PROFILE_FIELDS_INIT;
    pf.gender = "f";
    assert_int_equal(patron_profile_update(db, id, &pf, T0), PATRON_OK);
    f = (char *)"x";
    assert_int_equal(patron_profile_next_field(db, &f, id), PATRON_OK);
    assert_null(f);
    patron_close(db);
}

static void test_merge_keeps_history_points_consents(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = add(db, "Dana Levi", "050-123-4567", NULL);
    int64_t b = add(db, "Dana L.", NULL, "dana@example.com");
    assert_int_equal(patron_consent_record(db, b, "email", 1, T0 + 10, "web"), PATRON_OK);
    patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
    r.key = "a1";
    r.member_id = a;
    r.points = 100;
    r.at = T0 + 1;
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    r.key = "b1";
    r.member_id = b;
    r.points = 40;
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    r.key = "b2";
    r.points = 25;
    r.mature_at = T0 + 1000; /* pending */
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    assert_int_equal(patron_profile_merge(db, a, a, T0 + 20, "ops", NULL), PATRON_EINVAL);
    assert_int_equal(patron_profile_merge(db, a, b, T0 + 20, NULL, NULL), PATRON_EINVAL);
    assert_int_equal(patron_profile_merge(db, a, b, T0 + 20, "ops", "duplicate"), PATRON_OK);
    int64_t got;
    assert_int_equal(patron_profile_find(db, &got, "dana@example.com"), PATRON_OK);
    assert_int_equal(got, a);
    char hash[32];
    snprintf(hash, sizeof hash, "#%lld", (long long)b);
    assert_int_equal(patron_profile_find(db, &got, hash), PATRON_OK);
    assert_int_equal(got, a);
    patron_profile *p;
    assert_int_equal(patron_profile_get(db, &p, a), PATRON_OK);
    assert_string_equal(patron_profile_field(p, "name"), "Dana Levi");
    assert_string_equal(patron_profile_field(p, "email"), "dana@example.com");
    patron_profile_free(p);
    int g;
    assert_int_equal(patron_consent_get(db, &g, a, "email", T0 + 20), PATRON_OK);
    assert_int_equal(g, 1);
    patron_balance bal;
    assert_int_equal(patron_ledger_balance(db, &bal, a, T0 + 20), PATRON_OK);
    assert_int_equal(bal.available, 140);
    assert_int_equal(bal.pending, 25);
    assert_int_equal(patron_ledger_balance(db, &bal, a, T0 + 1000), PATRON_OK);
    assert_int_equal(bal.available, 165);
    assert_int_equal(patron_ledger_balance(db, &bal, b, T0 + 1000), PATRON_OK); /* resolves to a */
    assert_int_equal(bal.available, 165);
    /* b's history at the time stays right */
    int64_t old = -1;
    assert_int_equal(patron__sql_int(db, &old, 0, "SELECT total FROM accounts WHERE member_id = ?", "i", b), PATRON_OK);
    assert_int_equal(old, 0);
    assert_int_equal(count(db, "SELECT points_moved FROM merges"), 65);
    assert_int_equal(count(db, "SELECT count(*) FROM merges WHERE operator = 'ops' AND reason = 'duplicate'"), 1);
    /* statement of a includes b's postings */
    patron_statement *s;
    assert_int_equal(patron_ledger_statement(db, &s, a, 0, T0 + 10000), PATRON_OK);
    int seen_b1 = 0;
    for (size_t i = 0; i < patron_statement_count(s); i++)
        if (patron_statement_get(s, i)->key && !strcmp(patron_statement_get(s, i)->key, "b1"))
            seen_b1 = 1;
    assert_true(seen_b1);
    patron_statement_free(s);
    /* merged member cannot be merged again */
    assert_int_equal(patron_profile_merge(db, a, b, T0 + 30, "ops", NULL), PATRON_EINVAL);
    /* returning b2 inside its window cancels it from a */
    r = (patron_posting_request)PATRON_POSTING_REQUEST_INIT;
    r.key = "ret-b2";
    r.member_id = b;
    r.target = 3;
    r.at = T0 + 30;
    assert_int_equal(patron_ledger_reverse(db, NULL, &r), PATRON_OK);
    assert_int_equal(patron_ledger_balance(db, &bal, a, T0 + 2000), PATRON_OK);
    assert_int_equal(bal.available, 140);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    patron_close(db);
}

static void test_export_and_erase(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t id = add(db, "Dana \"D\" Levi", "050-123-4567", "dana@example.com");
    patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
    r.key = "o1";
    r.member_id = id;
    r.points = 100;
    r.at = T0 + 1;
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    char *json = NULL;
    assert_int_equal(patron_profile_export(db, &json, id), PATRON_OK);
    patron_json *doc = NULL;
    assert_int_equal(patron__json_parse(&doc, json, strlen(json)), PATRON_OK);
    const patron_json *prof = patron__json_get(doc, "profile");
    assert_string_equal(patron__json_string(patron__json_get(prof, "name")), "Dana \"D\" Levi");
    assert_int_equal(patron__json_len(patron__json_get(doc, "identifiers")), 2);
    assert_int_equal(patron__json_len(patron__json_get(doc, "consents")), 1);
    assert_int_equal(patron__json_len(patron__json_get(doc, "postings")), 1);
    assert_true(patron__json_number(patron__json_get(doc, "points_total")) == 100);
    patron__json_free(doc);
    patron_free(json);
    assert_int_equal(patron_profile_erase(db, id, T0 + 5, NULL), PATRON_EINVAL);
    assert_int_equal(patron_profile_erase(db, id, T0 + 5, "dpo"), PATRON_OK);
    int64_t got;
    assert_int_equal(patron_profile_find(db, &got, "050-123-4567"), PATRON_ENOTFOUND);
    assert_int_equal(patron_profile_find(db, &got, "dana@example.com"), PATRON_ENOTFOUND);
    assert_int_equal(patron_profile_erase(db, id, T0 + 6, "dpo"), PATRON_ENOTFOUND);
    assert_int_equal(patron_profile_export(db, &json, id), PATRON_OK);
    assert_null(strstr(json, "Dana"));
    assert_null(strstr(json, "+972"));
    assert_null(strstr(json, "example.com"));
    patron_free(json);
    /* amounts kept: the totals still add up */
    patron_balance bal;
    assert_int_equal(patron_ledger_balance(db, &bal, id, T0 + 10), PATRON_OK);
    assert_int_equal(bal.available, 100);
    assert_int_equal(count(db, "SELECT sum(points) FROM postings"), 100);
    assert_int_equal(count(db, "SELECT count(*) FROM erasures WHERE operator = 'dpo'"), 1);
    assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
    /* the phone can be enrolled again as a new person */
    add(db, "Someone Else", "050-123-4567", NULL);
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phone_normalisation),
        cmocka_unit_test(test_email_normalisation),
        cmocka_unit_test(test_add_find_by_any_identifier),
        cmocka_unit_test(test_required_fields_and_conflicts_change_nothing),
        cmocka_unit_test(test_update_aliases_vocabulary),
        cmocka_unit_test(test_typed_attributes),
        cmocka_unit_test(test_consent_is_a_history),
        cmocka_unit_test(test_progressive_profiling),
        cmocka_unit_test(test_merge_keeps_history_points_consents),
        cmocka_unit_test(test_export_and_erase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
