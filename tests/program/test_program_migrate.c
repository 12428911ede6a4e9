/* A store written before programs existed keeps its earning rules, budgets'
 * rule names and tiers as the default program's (schema step 10 of the earn
 * and tier modules rebuilds their tables with program 1): tests/data's
 * version-2 store with a rule and two tiers added in that version's shape,
 * migrated in place through every step. The default program scores and
 * places as before; a new program sees neither. SQLite only (the fixture is
 * a SQLite file; tests/store compares the migrated schema with a new one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "patron.h"
#include "store_support.h"
#include "program_support.h"
#include "support.h"

static int64_t sq_int(const char *path, const char *sql)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

static int64_t quote(patron_db *db, int64_t member, int64_t amount)
{
    patron_purchase_line l = {"food", NULL, amount};
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.member_id = member;
    p.at = 1710000000;
    p.lines = &l;
    p.n_lines = 1;
    int64_t pts = -1;
    OK(patron_earn_quote(db, &pts, &p));
    return pts;
}

static void test_old_rules_and_tiers_are_the_default_programs(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "/tmp/patron_test_program_migrate_%ld.db", (long)getpid());
    pt_remove_store(path);
    char *sql = pt_read_file(pt_data_path("store_v2.sql"), NULL);
    assert_non_null(sql);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    free(sql);
    /* a base rule (3 per 100), tiers Silver 0 / Gold 5000 by spend, member 2 Gold */
    assert_int_equal(sqlite3_exec(h,
                                  "INSERT INTO earn_rules(rule, version, kind, valid_from, valid_to, points, per_amount,"
                                  " percent, category, product, tier, count, window_days, referee_points)"
                                  " VALUES('base', 1, 1, 0, 9223372036854775807, 3, 100, 0, NULL, NULL, NULL, 0, 0, 0);"
                                  "INSERT INTO tier_defs VALUES('Silver', 0, 0, 0), ('Gold', 1, 5000, 0);"
                                  "INSERT INTO settings VALUES('tier_config', '0 0 365 30');"
                                  "UPDATE members SET tier = 'Gold', tier_since = 1700000000 WHERE id = 2;"
                                  "PRAGMA application_id=1347703374; PRAGMA journal_mode=WAL; PRAGMA user_version=2;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    patron_db *db;
    OK(patron_open(&db, path, NULL));
    int sv = 0;
    OK(patron_db_schema_version(db, &sv));
    assert_int_equal(sv, PATRON_DB_SCHEMA_VERSION);
    int64_t v = 0;
    /* the default program: the rule scores, the tiers place, as before */
    assert_int_equal(quote(db, 2, 1000), 30);
    patron_tier_status st;
    OK(patron_tier_get(db, &st, 2, 1710000000));
    assert_string_equal(st.tier, "Gold");
    OK(patron_tier_get(db, &st, 3, 1710000000));
    assert_string_equal(st.tier, "");
    const char *benefit[] = {"lounge"};
    OK(patron_tier_set_benefits(db, "Gold", benefit, 1));
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = "base";
    r.kind = PATRON_EARN_BASE;
    r.points = 4;
    r.per_amount = 100;
    r.valid_from = 1720000000;
    OK(patron_earn_rule_add(db, &v, &r));
    assert_int_equal(v, 2); /* the old version 1 is the default program's */
    /* a new program has none of them */
    OK(patron_program_create(db, "partner"));
    OK(patron_program_use(db, "partner"));
    OK(patron_program_join(db, 2, 1705000000));
    assert_int_equal(quote(db, 2, 1000), 0);
    assert_int_equal(patron_tier_get(db, &st, 2, 1710000000), PATRON_EINVAL);
    assert_int_equal(patron_tier_set_benefits(db, "Gold", benefit, 1), PATRON_ENOTFOUND);
    patron_close(db);
    assert_int_equal(sq_int(path, "SELECT count(*) FROM earn_rules WHERE program = 1"), 2);
    assert_int_equal(sq_int(path, "SELECT count(*) FROM earn_rules WHERE program <> 1"), 0);
    assert_int_equal(sq_int(path, "SELECT count(*) FROM tier_defs WHERE program = 1"), 2);
    assert_int_equal(sq_int(path, "SELECT count(*) FROM tier_benefits WHERE program = 1"), 1);
    assert_int_equal(sq_int(path, "SELECT count(*) FROM tier_state WHERE member_id = 2 AND tier = 'Gold'"), 1);
    pt_remove_store(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_old_rules_and_tiers_are_the_default_programs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
