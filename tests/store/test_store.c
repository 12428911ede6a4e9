/* The store: open/close, schema versions and migration guard, durability
 * settings, batches and the internal transaction helpers. */
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

#include "internal/store.h"
#include "patron.h"
#include "store_support.h"
#include "support.h"

static void tmp_path(char *buf, size_t cap, const char *tag)
{
    snprintf(buf, cap, "/tmp/patron_test_store_%s_%ld.db", tag, (long)getpid());
    char side[300];
    unlink(buf);
    snprintf(side, sizeof side, "%s-wal", buf);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", buf);
    unlink(side);
}

static int64_t count_settings(patron_db *db)
{
    int64_t n = -1;
    assert_int_equal(patron__sql_int(db, &n, 0, "SELECT count(*) FROM settings", ""), PATRON_OK);
    return n;
}

static void test_open_memory(void **state)
{
    (void)state;
    patron_db *db = NULL;
    assert_int_equal(patron_open(&db, ":memory:", NULL), PATRON_OK);
    int v = 0;
    assert_int_equal(patron_db_schema_version(db, &v), PATRON_OK);
    assert_int_equal(v, PATRON_DB_SCHEMA_VERSION);
    patron_close(db);
    patron_close(NULL);
}

static void test_open_arguments(void **state)
{
    (void)state;
    patron_db *db = (patron_db *)0x1;
    assert_int_equal(patron_open(NULL, ":memory:", NULL), PATRON_EINVAL);
    assert_int_equal(patron_open(&db, NULL, NULL), PATRON_EINVAL);
    assert_int_equal(patron_open(&db, "", NULL), PATRON_EINVAL);
#ifdef PATRON_HAVE_POSTGRES
    /* a server that is not there: a clear I/O error naming the URI */
    assert_int_equal(patron_open(&db, "postgresql://127.0.0.1:1/nothere?connect_timeout=2", NULL), PATRON_EIO);
    assert_non_null(strstr(patron_errmsg(), "cannot connect to PostgreSQL"));
    assert_int_equal(patron_open(&db, "postgresql:host=/nonexistent dbname=x", NULL), PATRON_EIO);
    assert_int_equal(patron_open(&db, "postgresql:nonsense", NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "not a PostgreSQL connection string"));
#else
    assert_int_equal(patron_open(&db, "postgresql://x/y", NULL), PATRON_EUNSUPPORTED);
    assert_non_null(strstr(patron_errmsg(), "PostgreSQL"));
#endif
    assert_ptr_equal(db, (patron_db *)0x1);
    patron_db_options o = PATRON_DB_OPTIONS_INIT;
    o.synchronous = 7;
    assert_int_equal(patron_open(&db, ":memory:", &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "synchronous"));
    o = (patron_db_options)PATRON_DB_OPTIONS_INIT;
    o.size = 4;
    assert_int_equal(patron_open(&db, ":memory:", &o), PATRON_EINVAL);
    assert_ptr_equal(db, (patron_db *)0x1); /* untouched on failure */
    o = (patron_db_options)PATRON_DB_OPTIONS_INIT;
    o.no_create = 1;
    assert_int_equal(patron_open(&db, "/tmp/patron_no_such_dir/none.db", &o), PATRON_ENOTFOUND);
}

static void test_file_persists_and_is_wal(void **state)
{
    (void)state;
    char path[256];
    tmp_path(path, sizeof path, "persist");
    for (int sync = PATRON_SYNC_FULL; sync <= PATRON_SYNC_OFF; sync++) {
        pt_remove_store(path);
        patron_db_options o = PATRON_DB_OPTIONS_INIT;
        o.synchronous = sync;
        patron_db *db;
        assert_int_equal(patron_open(&db, path, &o), PATRON_OK);
        assert_int_equal(patron__setting_set(db, "k", "v1"), PATRON_OK);
        int64_t sy = -1;
        assert_int_equal(patron__sql_int(db, &sy, 0, "PRAGMA synchronous", ""), PATRON_OK);
        assert_int_equal(sy, sync == PATRON_SYNC_FULL ? 2 : sync == PATRON_SYNC_NORMAL ? 1 : 0);
        patron_close(db);
        /* reopen through a file: URI */
        char uri[300];
        snprintf(uri, sizeof uri, "file:%s", path);
        assert_int_equal(patron_open(&db, uri, NULL), PATRON_OK);
        char *v = NULL;
        assert_int_equal(patron__setting_get(db, "k", &v), PATRON_OK);
        assert_string_equal(v, "v1");
        patron_free(v);
        patron_close(db);
    }
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(h);
    pt_remove_store(path);
}

static void set_user_version(const char *path, int v)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", v);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

static void test_newer_schema_is_refused(void **state)
{
    (void)state;
    char path[256];
    tmp_path(path, sizeof path, "newer");
    patron_db *db;
    assert_int_equal(patron_open(&db, path, NULL), PATRON_OK);
    assert_int_equal(patron__setting_set(db, "keep", "me"), PATRON_OK);
    patron_close(db);
    set_user_version(path, PATRON_DB_SCHEMA_VERSION + 5);
    db = NULL;
    assert_int_equal(patron_open(&db, path, NULL), PATRON_EUNSUPPORTED);
    assert_null(db);
    assert_non_null(strstr(patron_errmsg(), "newer than this libpatron"));
    /* nothing changed: put the version back and the data is there */
    set_user_version(path, PATRON_DB_SCHEMA_VERSION);
    assert_int_equal(patron_open(&db, path, NULL), PATRON_OK);
    char *v = NULL;
    assert_int_equal(patron__setting_get(db, "keep", &v), PATRON_OK);
    assert_string_equal(v, "me");
    patron_free(v);
    patron_close(db);
    pt_remove_store(path);
}

static void test_foreign_database_is_refused(void **state)
{
    (void)state;
    char path[256];
    tmp_path(path, sizeof path, "foreign");
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    patron_db *db = NULL;
    assert_int_equal(patron_open(&db, path, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "not a libpatron store"));
    pt_remove_store(path);
    /* not a database at all */
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not sqlite ", f);
    fclose(f);
    assert_int_equal(patron_open(&db, path, NULL), PATRON_ECORRUPT);
    assert_null(db);
    pt_remove_store(path);
}

static void test_old_schema_is_migrated_and_read_only_refuses(void **state)
{
    (void)state;
    char path[256];
    tmp_path(path, sizeof path, "migrate");
    /* an empty SQLite file is version 0: read-only open cannot migrate it */
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "PRAGMA user_version=0", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    patron_db_options o = PATRON_DB_OPTIONS_INIT;
    o.read_only = 1;
    patron_db *db = NULL;
    assert_int_equal(patron_open(&db, path, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "needs migrating"));
    assert_int_equal(patron_open(&db, path, NULL), PATRON_OK);
    patron_close(db);
    assert_int_equal(patron_open(&db, path, &o), PATRON_OK);
    int v;
    assert_int_equal(patron_db_schema_version(db, &v), PATRON_OK);
    assert_int_equal(v, PATRON_DB_SCHEMA_VERSION);
    assert_int_equal(patron_batch_begin(db), PATRON_EINVAL);
    patron_close(db);
    pt_remove_store(path);
}

static int64_t sq_count(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Write tests/data/store_v2.sql (a store written by libpatron at schema
 * version 2) into a new file at `path`, as schema version `version`: 1 puts
 * back the index set of version 1. */
static void load_old_store(const char *path, int version)
{
    char *sql = pt_read_file(pt_data_path("store_v2.sql"), NULL);
    assert_non_null(sql);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    free(sql);
    assert_int_equal(sqlite3_exec(h, "PRAGMA application_id=1347703374; PRAGMA journal_mode=WAL;", NULL, NULL, NULL),
                     SQLITE_OK);
    if (version == 1)
        assert_int_equal(sqlite3_exec(h,
                                      "DROP INDEX lots_expiry;"
                                      "CREATE INDEX lots_expiry ON lots(expires_at) WHERE remaining > 0;"
                                      "CREATE INDEX lots_source ON lots(source_posting);",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    char v[40];
    snprintf(v, sizeof v, "PRAGMA user_version=%d", version);
    assert_int_equal(sqlite3_exec(h, v, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

static void expect_balance(patron_db *db, int64_t m, int64_t at, int64_t available, int64_t pending, int64_t expired)
{
    patron_balance b;
    assert_int_equal(patron_ledger_balance(db, &b, m, at), PATRON_OK);
    assert_int_equal(b.available, available);
    assert_int_equal(b.pending, pending);
    assert_int_equal(b.expired_unposted, expired);
}

/* A store written at schema version 1 or 2 (varied ledger history: FIFO over
 * two lots, pending points, a transfer from two lots, a merge, reversals of a
 * merged member's postings, a return in the window, expiry) opens, migrates in
 * place to the current version, and answers exactly what libpatron at version
 * 2 answered (tests/data/gen_store_v2.c printed these figures); its ledger
 * keeps working and reconciles. */
static void migrate_old_store(int version)
{
    char path[256];
    tmp_path(path, sizeof path, version == 1 ? "v1" : "v2");
    load_old_store(path, version);
    const int64_t t0 = 1700000000, d = 86400;
    /* a read-only open refuses to migrate and changes nothing */
    patron_db_options ro = PATRON_DB_OPTIONS_INIT;
    ro.read_only = 1;
    patron_db *db = NULL;
    assert_int_equal(patron_open(&db, path, &ro), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "needs migrating"));
    assert_int_equal(patron_open(&db, path, NULL), PATRON_OK);
    int v = 0;
    assert_int_equal(patron_db_schema_version(db, &v), PATRON_OK);
    assert_int_equal(v, PATRON_DB_SCHEMA_VERSION);
    patron_ledger_report rep;
    assert_int_equal(patron_ledger_check(db, &rep), PATRON_OK);
    assert_int_equal(rep.members, 4);
    assert_int_equal(rep.postings, 20);
    assert_int_equal(rep.lots, 11);
    /* what schema version 2 answered */
    const int64_t when[] = {t0 + 2 * d, t0 + 10 * d, t0 + 50 * d, t0 + 400 * d};
    const int64_t want[4][4][3] = {
        {{180, 0, 0}, {35, 0, 0}, {0, 0, 0}, {0, 0, 0}},
        {{20, 80, 0}, {20, 0, 0}, {20, 0, 0}, {0, 0, 20}},
        {{0, 0, 0}, {75, 0, 0}, {65, 0, 0}, {25, 0, 40}},
        {{0, 0, 0}, {75, 0, 0}, {65, 0, 0}, {25, 0, 40}},
    };
    for (int m = 0; m < 4; m++)
        for (int w = 0; w < 4; w++)
            expect_balance(db, m + 1, when[w], want[m][w][0], want[m][w][1], want[m][w][2]);
    const size_t count[] = {8, 3, 9, 9};
    const int64_t closing[] = {0, 0, 25, 25};
    for (int m = 0; m < 4; m++) {
        patron_statement *s;
        assert_int_equal(patron_ledger_statement(db, &s, m + 1, 0, t0 + 1000 * d), PATRON_OK);
        assert_int_equal(patron_statement_count(s), count[m]);
        assert_int_equal(patron_statement_closing(s), closing[m]);
        patron_statement_free(s);
    }
    /* replaying a migrated posting's key still replays */
    patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
    r.key = "e2";
    r.member_id = 1;
    r.points = 50;
    r.at = t0 + 60 * d;
    r.expires_at = PATRON_NEVER;
    r.reason = "fixture";
    r.operator_name = "op";
    patron_posting_result res;
    assert_int_equal(patron_ledger_earn(db, &res, &r), PATRON_OK);
    assert_int_equal(res.replayed, 1);
    assert_int_equal(res.posting_id, 2);
    /* the ledger keeps working on migrated lots: member 2 (m2) holds 65 at
     * +50d in a transferred lot (25, never expires) and a merged-in lot;
     * redeeming FIFO, then reversing the old FIFO redeem of member 1 (posting
     * 4: 100 + 20 points from two lots, both expired or emptied meanwhile) */
    r = (patron_posting_request)PATRON_POSTING_REQUEST_INIT;
    r.key = "after-r";
    r.member_id = 3;
    r.points = 60;
    r.at = t0 + 50 * d;
    assert_int_equal(patron_ledger_redeem(db, &res, &r), PATRON_OK);
    expect_balance(db, 3, t0 + 50 * d, 5, 0, 0);
    r = (patron_posting_request)PATRON_POSTING_REQUEST_INIT;
    r.key = "after-v";
    r.target = 4;
    r.points = 20;
    r.at = t0 + 51 * d;
    assert_int_equal(patron_ledger_reverse(db, &res, &r), PATRON_OK);
    assert_int_equal(res.points, 20);
    expect_balance(db, 1, t0 + 51 * d, 20, 0, 0); /* back into lot 2 (never expires) */
    assert_int_equal(patron_ledger_check(db, &rep), PATRON_OK);
    patron_close(db);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    assert_int_equal(sq_count(h, "PRAGMA user_version"), PATRON_DB_SCHEMA_VERSION);
    assert_int_equal(sq_count(h, "SELECT count(*) FROM sqlite_master WHERE name = 'postings_member'"), 0);
    assert_int_equal(sq_count(h, "SELECT count(*) FROM sqlite_master WHERE name IN ('lots_source', 'lots_open')"), 0);
    sqlite3_close(h);
    pt_remove_store(path);
}

/* The structure of an SQLite store as text: every table's columns (name,
 * type, not null, default, key position) and every index (table, columns,
 * unique, partial), in name order. `moves.rowid` is left out: a new store
 * names SQLite's implicit rowid as a column (lib/ledger/schema.c). */
static char *describe_schema(const char *path)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    size_t cap = 1 << 16, len = 0;
    char *out = calloc(1, cap);
    sqlite3_stmt *t;
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                                           "AND type IN ('table', 'index') ORDER BY type, name",
                                        -1, &t, NULL),
                     SQLITE_OK);
    while (sqlite3_step(t) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(t, 0), *name = (const char *)sqlite3_column_text(t, 1);
        char sql[300];
        if (!strcmp(type, "table"))
            snprintf(sql, sizeof sql, "SELECT name, type, \"notnull\", coalesce(dflt_value, ''), pk FROM "
                                      "pragma_table_info('%s') WHERE NOT ('%s' = 'moves' AND name = 'rowid')",
                     name, name);
        else
            snprintf(sql, sizeof sql, "SELECT name, '', 0, '', seqno FROM pragma_index_info('%s') UNION ALL "
                                      "SELECT 'unique/partial', '', \"unique\", '', partial FROM pragma_index_list('%s') "
                                      "WHERE name = '%s'",
                     name, (const char *)sqlite3_column_text(t, 2), name);
        len += (size_t)snprintf(out + len, cap - len, "%s %s on %s:", type, name, (const char *)sqlite3_column_text(t, 2));
        sqlite3_stmt *c;
        assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &c, NULL), SQLITE_OK);
        while (sqlite3_step(c) == SQLITE_ROW)
            len += (size_t)snprintf(out + len, cap - len, " %s %s %d '%s' %d;", (const char *)sqlite3_column_text(c, 0),
                                    (const char *)sqlite3_column_text(c, 1), sqlite3_column_int(c, 2),
                                    (const char *)sqlite3_column_text(c, 3), sqlite3_column_int(c, 4));
        sqlite3_finalize(c);
        len += (size_t)snprintf(out + len, cap - len, "\n");
        assert_true(len < cap - 1);
    }
    sqlite3_finalize(t);
    sqlite3_close(h);
    return out;
}

/* A store migrated step by step from version 1 has exactly the tables,
 * columns and indexes of a store created new at the current version (each
 * module's `current` DDL matches its steps), and keeps every profile field
 * and the merge in the member core. */
static void test_migrated_schema_equals_new_schema(void **state)
{
    (void)state;
    char fresh[256], old[256];
    tmp_path(fresh, sizeof fresh, "fresh");
    tmp_path(old, sizeof old, "stepwise");
    patron_db *db;
    assert_int_equal(patron_open(&db, fresh, NULL), PATRON_OK);
    patron_close(db);
    load_old_store(old, 1);
    assert_int_equal(patron_open(&db, old, NULL), PATRON_OK);
    patron_profile *p;
    assert_int_equal(patron_profile_get(db, &p, 2), PATRON_OK);
    assert_string_equal(patron_profile_field(p, "name"), "Fixture");
    assert_string_equal(patron_profile_field(p, "phone"), "+972501000002");
    assert_string_equal(patron_profile_field(p, "joined_at"), "1700000000");
    patron_profile_free(p);
    assert_int_equal(patron_profile_get(db, &p, 4), PATRON_OK); /* merged into 3: resolves */
    assert_int_equal(patron_profile_id(p), 3);
    patron_profile_free(p);
    patron_close(db);
    char *a = describe_schema(fresh), *b = describe_schema(old);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "table profiles on profiles:"));
    assert_non_null(strstr(a, "table tier_state on tier_state:"));
    assert_null(strstr(a, " tier_grace_until "));
    free(a);
    free(b);
    pt_remove_store(fresh);
    pt_remove_store(old);
}

static void test_version_1_store_migrates(void **state)
{
    (void)state;
    migrate_old_store(1);
}

static void test_version_2_store_migrates(void **state)
{
    (void)state;
    migrate_old_store(2);
}

static void test_batch_commit_and_rollback(void **state)
{
    (void)state;
    patron_db *db;
    assert_int_equal(patron_open(&db, ":memory:", NULL), PATRON_OK);
    assert_int_equal(patron_batch_commit(db), PATRON_EINVAL);
    assert_int_equal(patron_batch_rollback(db), PATRON_EINVAL);
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    assert_int_equal(patron_batch_begin(db), PATRON_EINVAL);
    for (int i = 0; i < 10; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        assert_int_equal(patron__tx_begin(db), PATRON_OK);
        assert_int_equal(patron__tx_end(db, patron__setting_set(db, k, "x")), PATRON_OK);
    }
    /* a failing call inside the batch undoes only itself */
    assert_int_equal(patron__tx_begin(db), PATRON_OK);
    assert_int_equal(patron__setting_set(db, "bad", "x"), PATRON_OK);
    assert_int_equal(patron__tx_end(db, PATRON_EINVAL), PATRON_EINVAL);
    assert_int_equal(count_settings(db), 10);
    assert_int_equal(patron_batch_rollback(db), PATRON_OK);
    assert_int_equal(count_settings(db), 0);
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    assert_int_equal(patron__tx_begin(db), PATRON_OK);
    assert_int_equal(patron__tx_end(db, patron__setting_set(db, "a", "1")), PATRON_OK);
    assert_int_equal(patron_batch_commit(db), PATRON_OK);
    assert_int_equal(count_settings(db), 1);
    /* outside a batch, a failed call rolls back its transaction */
    assert_int_equal(patron__tx_begin(db), PATRON_OK);
    assert_int_equal(patron__setting_set(db, "b", "2"), PATRON_OK);
    assert_int_equal(patron__tx_end(db, PATRON_ECONFLICT), PATRON_ECONFLICT);
    assert_int_equal(count_settings(db), 1);
    patron_close(db);
}

static void test_batch_is_invisible_until_commit_and_close_rolls_back(void **state)
{
    (void)state;
    char path[256];
    tmp_path(path, sizeof path, "batchvis");
    patron_db *w, *r;
    assert_int_equal(patron_open(&w, path, NULL), PATRON_OK);
    assert_int_equal(patron_open(&r, path, NULL), PATRON_OK);
    assert_int_equal(patron_batch_begin(w), PATRON_OK);
    assert_int_equal(patron__setting_set(w, "x", "1"), PATRON_OK);
    assert_int_equal(count_settings(r), 0);
    /* a second writer waits, then reports busy */
    patron_close(r);
    patron_db_options o = PATRON_DB_OPTIONS_INIT;
    o.busy_timeout_ms = 10;
    assert_int_equal(patron_open(&r, path, &o), PATRON_OK);
    assert_int_equal(patron_batch_begin(r), PATRON_EBUSY);
    assert_int_equal(patron_batch_commit(w), PATRON_OK);
    assert_int_equal(count_settings(r), 1);
    assert_int_equal(patron_batch_begin(w), PATRON_OK);
    assert_int_equal(patron__setting_set(w, "y", "1"), PATRON_OK);
    patron_close(w); /* open batch is rolled back */
    assert_int_equal(count_settings(r), 1);
    patron_close(r);
    pt_remove_store(path);
}

static void test_fnv_is_stable(void **state)
{
    (void)state;
    /* FNV-1a 64 of "a" (published test vector). */
    assert_true(patron__fnv1a(PATRON__FNV_INIT, "a", 1) == UINT64_C(0xaf63dc4c8601ec8c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_memory),
        cmocka_unit_test(test_open_arguments),
        cmocka_unit_test(test_file_persists_and_is_wal),
        cmocka_unit_test(test_newer_schema_is_refused),
        cmocka_unit_test(test_foreign_database_is_refused),
        cmocka_unit_test(test_old_schema_is_migrated_and_read_only_refuses),
        cmocka_unit_test(test_version_1_store_migrates),
        cmocka_unit_test(test_version_2_store_migrates),
        cmocka_unit_test(test_migrated_schema_equals_new_schema),
        cmocka_unit_test(test_batch_commit_and_rollback),
        cmocka_unit_test(test_batch_is_invisible_until_commit_and_close_rolls_back),
        cmocka_unit_test(test_fnv_is_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
