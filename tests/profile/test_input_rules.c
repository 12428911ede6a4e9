/* What the store refuses at its door: e-mail addresses outside RFC 5321's
 * dot-atom and RFC 1035's host names, phones outside the E.164 country codes
 * and the North American area and exchange rules, text that is not UTF-8,
 * and idempotency keys that are blank, carry control characters or white
 * space at either end, or are too long. Each refusal names the field and the
 * value and leaves the store as it was, on every backend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"
#include "store_support.h"

#define T0 1700000000

static void test_email_rules(void **state)
{
    (void)state;
    char out[300];
    struct { const char *in, *says; } bad[] = {
        {"a@b..com", "empty label"},          {".a@b.com", "begins with '.'"},
        {"a.@b.com", "ends with '.'"},        {"a..b@c.com", "two dots"},
        {"a@-b.com", "begins with '-'"},      {"a@b-.com", "ends with '-'"},
        {"a@b_c.com", "'_' is not allowed"},  {"a(b)@c.com", "'(' is not allowed"},
        {"a@1.2.3.4", "ends in a number"},    {"a@[1.2.3.4]", "'[' is not allowed"},
        {"a@.b.com", "empty label"},          {"a@b.com.", "empty label"},
        {"a@\xff.com", "UTF-8"},              {"a@b\xc3.com", "UTF-8"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strcpy(out, "untouched");
        assert_int_equal(patron_email_normalize(out, sizeof out, bad[i].in), PATRON_EINVAL);
        if (!strstr(patron_errmsg(), bad[i].says) || !strstr(patron_errmsg(), "e-mail")) {
            print_error("'%s': message '%s' lacks '%s'\n", bad[i].in, patron_errmsg(), bad[i].says);
            fail();
        }
        assert_string_equal(out, "untouched");
    }
    char local65[80], label64[100], longest[300];
    memset(local65, 'a', 65);
    strcpy(local65 + 65, "@b.com");
    assert_int_equal(patron_email_normalize(out, sizeof out, local65), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "at most 64"));
    local65[1] = '@';
    strcpy(local65 + 2, "b.com");
    assert_int_equal(patron_email_normalize(out, sizeof out, local65), PATRON_OK);
    strcpy(label64, "a@");
    memset(label64 + 2, 'b', 64);
    strcpy(label64 + 66, ".com");
    assert_int_equal(patron_email_normalize(out, sizeof out, label64), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "at most 63"));
    /* 64 + 1 + 189 = 254 bytes is the longest address; one more is refused */
    memset(longest, 'a', 64);
    longest[64] = '@';
    size_t n = 65;
    while (n < 250) {
        memset(longest + n, 'd', 61);
        longest[n + 61] = '.';
        n += 62;
    }
    strcpy(longest + n, "com");
    n += 3;
    assert_int_equal(strlen(longest), 254);
    assert_int_equal(patron_email_normalize(out, sizeof out, longest), PATRON_OK);
    memmove(longest + 1, longest, 255);
    assert_int_equal(patron_email_normalize(out, sizeof out, longest), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "254"));
    const char *good[] = {"o'brien@example.ie", "a.b-c+d@mail.example.co.uk", "x@b1.io", "x@xn--bcher-kva.example",
                          "dana@b\xc3\xbc" "cher.de", "\xd7\x93\xd7\xa0\xd7\x94@example.co.il", "a_b!#$%&*=?^`{|}~@c.com"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (patron_email_normalize(out, sizeof out, good[i]) != PATRON_OK) {
            print_error("'%s' refused: %s\n", good[i], patron_errmsg());
            fail();
        }
}

static void test_phone_rules(void **state)
{
    (void)state;
    char out[32];
    struct { const char *in, *country, *says; } bad[] = {
        {"+999 123456789", NULL, "+999 is not an assigned country code"},
        {"+28 1234 56789", NULL, "+281 is not an assigned country code"},
        {"+800 1234 5678", NULL, "not an assigned country code"}, /* freephone: no one's own phone */
        {"+1 999 555 0100", NULL, "area code 999 is reserved"},
        {"+1 291 555 0100", NULL, "area code 291 is reserved"},
        {"+1 370 555 0100", NULL, "area code 370 is reserved"},
        {"+1 960 555 0100", NULL, "area code 960 is reserved"},
        {"+1 411 555 0100", NULL, "411 is a service code"},
        {"+1 012 555 0100", NULL, "area code 012 does not exist"},
        {"(212) 155-0100", "US", "exchange 155 does not exist"},
        {"(212) 911-0100", "US", "exchange 911 is a service code"},
        {"999 555 0100", "CA", "area code 999 is reserved"},
        {"+7 912 345 678", NULL, "numbers there have 10"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strcpy(out, "untouched");
        assert_int_equal(patron_phone_normalize(out, sizeof out, bad[i].in, bad[i].country), PATRON_EINVAL);
        if (!strstr(patron_errmsg(), bad[i].says) || !strstr(patron_errmsg(), bad[i].in)) {
            print_error("'%s': message '%s' lacks '%s'\n", bad[i].in, patron_errmsg(), bad[i].says);
            fail();
        }
        assert_string_equal(out, "untouched");
    }
    struct { const char *in, *e164; } good[] = {
        {"+1 212 555 0100", "+12125550100"}, {"+1 (416) 555-0199", "+14165550199"},
        {"+7 912 345 6789", "+79123456789"}, {"+351 912 345 678", "+351912345678"},
        {"+880 1712 345678", "+8801712345678"}, {"+881 6 1234 5678", "+881612345678"},
        {"+82 10 1234 5678", "+821012345678"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (patron_phone_normalize(out, sizeof out, good[i].in, NULL) != PATRON_OK) {
            print_error("'%s' refused: %s\n", good[i].in, patron_errmsg());
            fail();
        }
        assert_string_equal(out, good[i].e164);
    }
}

static void test_profile_text_must_be_utf8(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    assert_int_equal(patron_profile_set_country(db, "US"), PATRON_OK);
    const char *names[] = {"Dana \xff", "Dana \xc0\xaf", "Dana \xed\xa0\x80", "Dana \xf4\x90\x80\x80", "Dana \xe2\x82"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
        f.name = names[i];
        f.email = "dana@example.com";
        f.consent = "email";
        int64_t id = -7;
        assert_int_equal(patron_profile_add(db, &id, &f, T0), PATRON_EINVAL);
        assert_non_null(strstr(patron_errmsg(), "name"));
        assert_non_null(strstr(patron_errmsg(), "not valid UTF-8"));
        assert_non_null(strstr(patron_errmsg(), "\\x"));
        assert_int_equal(id, -7);
    }
    int64_t found = 0;
    assert_int_equal(patron_profile_find(db, &found, "dana@example.com"), PATRON_ENOTFOUND);
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "D\xc3\xa1na \xf0\x9f\x98\x80"; /* "Dána" and an emoji: valid */
    f.email = "dana@example.com";
    f.city = "Z\xc3\xbcrich";
    f.consent = "email";
    int64_t id = 0;
    assert_int_equal(patron_profile_add(db, &id, &f, T0), PATRON_OK);
    patron_profile_fields u = PATRON_PROFILE_FIELDS_INIT;
    u.city = "Z\xfcrich"; /* Latin-1, not UTF-8 */
    assert_int_equal(patron_profile_update(db, id, &u, T0 + 1), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "city"));
    patron_profile *p = NULL;
    assert_int_equal(patron_profile_get(db, &p, id), PATRON_OK);
    assert_string_equal(patron_profile_field(p, "city"), "Z\xc3\xbcrich");
    patron_profile_free(p);
    assert_int_equal(patron_profile_define_attr(db, "nick", PATRON_ATTR_TEXT), PATRON_OK);
    assert_int_equal(patron_profile_set_attr(db, id, "nick", "\x80"), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "UTF-8"));
    assert_int_equal(patron_consent_record(db, id, "sms", 1, T0 + 2, "kiosk\x01"), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "control character"));
    patron_close(db);
}

static void test_keys(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int64_t m = pt_member(db, "+12125550100", "sms", T0);
    char big[10241];
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    struct { const char *key, *says; } bad[] = {
        {"", "key is required"},          {" ", "white space"},          {"k1 ", "white space"},
        {"\tk1", "control character"},     {"a\nb", "control character"}, {"a\x7f", "control character"},
        {"k\xff", "not valid UTF-8"},      {big, "10240 bytes long; at most 200"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        patron_posting_request r = pt_posting(bad[i].key, m, 10, T0 + 1);
        patron_posting_result res;
        assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_EINVAL);
        if (!strstr(patron_errmsg(), bad[i].says) || !strstr(patron_errmsg(), "patron_ledger_earn: key")) {
            print_error("key %zu: message '%s' lacks '%s'\n", i, patron_errmsg(), bad[i].says);
            fail();
        }
        assert_true(strlen(patron_errmsg()) < 300); /* the 10 KB key is cut in the message */
    }
    assert_int_equal(pt_available(db, m, T0 + 2), 0);
    /* "a\nb" is shown escaped, so the message stays on one line */
    patron_posting_request r = pt_posting("a\nb", m, 10, T0 + 1);
    patron_posting_result res;
    assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_EINVAL);
    assert_null(strchr(patron_errmsg(), '\n'));
    assert_non_null(strstr(patron_errmsg(), "'a\\nb'"));
    r = pt_posting("k1", m, 10, T0 + 1);
    r.reason = "bonus \xc3";
    assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "reason"));
    r.reason = "bonus\tfor the\nsummer"; /* free text may hold tabs and new lines */
    assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 2), 10);

    patron_purchase_line line = {"shoes \xff", NULL, 1000};
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = "order-1";
    p.member_id = m;
    p.at = T0 + 3;
    p.lines = &line;
    p.n_lines = 1;
    patron_earn_result er;
    assert_int_equal(patron_earn_purchase(db, &er, &p), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "line 1: category"));
    line.category = "shoes";
    p.key = "order-1 ";
    assert_int_equal(patron_earn_purchase(db, &er, &p), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "white space"));
    assert_int_equal(patron_earn_return(db, " ", T0 + 4), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "purchase_key"));
    assert_int_equal(pt_available(db, m, T0 + 5), 10);
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_email_rules),
        cmocka_unit_test(test_phone_rules),
        cmocka_unit_test(test_profile_text_must_be_utf8),
        cmocka_unit_test(test_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
