/* patron_earn_import_csv(): purchases from a file are what the API records
 * (the same log, lines, points and returns as patron_earn_purchase() and
 * patron_earn_return() of the same purchases), a retried file records
 * nothing, and a bad row fails the whole file with its line — nothing of it
 * stays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "patron.h"
#include "store_support.h"

#define T0 1700000000

static char *write_file(const char *name, const char *text)
{
    char *path = malloc(256);
    assert_non_null(path);
    snprintf(path, 256, "/tmp/pt_earn_import_%d_%s", (int)getpid(), name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void drop_file(char *path)
{
    unlink(path);
    free(path);
}

static patron_db *store_with_members(void)
{
    patron_db *db = pt_store_new(NULL);
    pt_member(db, "+972501234567", "sms", T0);
    pt_member(db, "+972501234568", "sms", T0);
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = "base";
    r.kind = PATRON_EARN_BASE;
    r.points = 1;
    r.per_amount = 100;
    r.valid_from = T0;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_OK);
    return db;
}

static const char good_csv[] =
    "key,member,at,amount,category,product,quantity,channel,location,returned_at\n"
    "A-1,+972501234567,1700000100,2500,shoes,SH-1,2,pos,tlv-1,\n"
    "A-1,+972501234567,1700000100,700,socks,,1,pos,tlv-1,\n"
    "B-1,#2,2023-11-16T10:00:00Z,1200,,,,web,,\n"
    "A-2,#1,1700200000,4000,shoes,SH-2,,app,,1700300000\n";

/* The same purchases through the API. */
static void record_by_api(patron_db *db)
{
    patron_purchase_line a1[2] = {{"shoes", "SH-1", 2500}, {"socks", NULL, 700}};
    int64_t q1[2] = {2, 1};
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = "A-1";
    p.member_id = 1;
    p.at = 1700000100;
    p.lines = a1;
    p.n_lines = 2;
    p.quantities = q1;
    p.channel = "pos";
    p.location = "tlv-1";
    assert_int_equal(patron_earn_purchase(db, NULL, &p), PATRON_OK);
    patron_purchase_line b1 = {NULL, NULL, 1200};
    patron_purchase q = PATRON_PURCHASE_INIT;
    q.key = "B-1";
    q.member_id = 2;
    q.at = 1700128800;
    q.lines = &b1;
    q.n_lines = 1;
    q.channel = "web";
    assert_int_equal(patron_earn_purchase(db, NULL, &q), PATRON_OK);
    patron_purchase_line a2 = {"shoes", "SH-2", 4000};
    patron_purchase r = PATRON_PURCHASE_INIT;
    r.key = "A-2";
    r.member_id = 1;
    r.at = 1700200000;
    r.lines = &a2;
    r.n_lines = 1;
    r.channel = "app";
    assert_int_equal(patron_earn_purchase(db, NULL, &r), PATRON_OK);
    assert_int_equal(patron_earn_return(db, "A-2", 1700300000), PATRON_OK);
}

static char *card_purchases(patron_db *db, int64_t member, int64_t at)
{
    patron_card_options o = PATRON_CARD_OPTIONS_INIT;
    o.as_of = at;
    char *json = NULL;
    assert_int_equal(patron_member_card(db, &json, member, &o), PATRON_OK);
    char *start = strstr(json, "\"purchases\"");
    assert_non_null(start);
    char *end = strstr(start, "\"behaviour\"");
    assert_non_null(end);
    size_t n = (size_t)(end - start);
    char *copy = malloc(n + 1);
    memcpy(copy, start, n);
    copy[n] = '\0';
    patron_free(json);
    return copy;
}

static void test_same_as_the_api(void **state)
{
    (void)state;
    patron_db *by_file = store_with_members(), *by_api = store_with_members();
    char *good = write_file("good.csv", good_csv);
    int64_t n = -1;
    if (patron_earn_import_csv(by_file, &n, good) != PATRON_OK)
        fail_msg("import: %s", patron_errmsg());
    assert_int_equal(n, 3);
    record_by_api(by_api);
    for (int64_t at = 1700000200; at <= 1700400000; at += 100000) {
        for (int64_t m = 1; m <= 2; m++) {
            assert_int_equal(pt_available(by_file, m, at), pt_available(by_api, m, at));
            char *a = card_purchases(by_file, m, at), *b = card_purchases(by_api, m, at);
            assert_string_equal(a, b);
            free(a);
            free(b);
        }
    }
    assert_int_equal(pt_available(by_file, 1, 1700250000), 32 + 40); /* before the return */
    assert_int_equal(pt_available(by_file, 1, 1700350000), 32);
    /* a retried upload records nothing */
    assert_int_equal(patron_earn_import_csv(by_file, &n, good), PATRON_OK);
    assert_int_equal(n, 0);
    drop_file(good);
    patron_close(by_file);
    patron_close(by_api);
}

static void test_bad_rows(void **state)
{
    (void)state;
    patron_db *db = store_with_members();
    struct {
        const char *csv;
        int code;
        const char *says;
    } bad[] = {
        {"member,at,key,amount\n#1,1700000100,k1,100\n#1,1700000200,k2,12.50\n", PATRON_EINVAL,
         "line 3: amount '12.50' is not an integer (minor units)"},
        {"member,at,key,amount\nnobody@example.com,1700000100,k1,100\n", PATRON_ENOTFOUND, "line 2: member"},
        {"member,at,key,amount\n#1,1700000100,k1,100\n#2,1700000100,k1,100\n", PATRON_EINVAL,
         "line 3: key 'k1': member differs from line 2"},
        {"member,at,key,amount\n#1,1700000100,k1,100\n#1,1700000101,k1,100\n", PATRON_EINVAL,
         "line 3: key 'k1': at differs"},
        {"member,when,key,amount\n#1,1700000100,k1,100\n", PATRON_EINVAL, "line 1: the header has no 'at' column"},
        {"member,at,key,amount\n#1,1700000100000,k1,100\n", PATRON_EINVAL, "line 2: "},
        {"member,at,key,amount\n#1,1700000100,k1,100\n#1,1700000300,k2,-5\n", PATRON_EINVAL, "line 3: "},
        {"member,at,key,amount\n#1,1700000100,,100\n", PATRON_EINVAL, "line 2: key is empty"},
        {"", PATRON_EINVAL, "empty (a header row is required)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "bad%zu.csv", i);
        char *path = write_file(name, bad[i].csv);
        int64_t n = -1;
        int rc = patron_earn_import_csv(db, &n, path);
        if (rc != bad[i].code || !strstr(patron_errmsg(), bad[i].says))
            fail_msg("case %zu: %d '%s', wanted %d with '%s'", i, rc, patron_errmsg(), bad[i].code, bad[i].says);
        assert_int_equal(n, -1);
        drop_file(path);
    }
    /* nothing of any bad file stayed: no purchase, no points */
    patron_store_log_options lo = PATRON_STORE_LOG_OPTIONS_INIT;
    lo.as_of = T0 + 86400;
    patron_txlog *log = NULL;
    assert_int_equal(patron_txlog_from_db(db, &log, &lo), PATRON_OK);
    assert_int_equal(patron_txlog_count(log), 0);
    patron_txlog_free(log);
    assert_int_equal(pt_available(db, 1, T0 + 86400), 0);
    assert_int_equal(patron_earn_import_csv(db, NULL, "/nonexistent/p.csv"), PATRON_EIO);
    assert_non_null(strstr(patron_errmsg(), "/nonexistent/p.csv"));
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_the_api),
        cmocka_unit_test(test_bad_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
