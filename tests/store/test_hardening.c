/* Store hardening: nonsense times, read-only files, a damaged key index,
 * one handle used by two threads, overflowing report totals, and many
 * processes creating one store at once. Runs on SQLite and (the parts that
 * are not about SQLite files) on PostgreSQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "internal/store.h"
#include "patron.h"
#include "procs.h"
#include "store_support.h"

#define T0 INT64_C(1767225600)

static void test_times_in_milliseconds_are_refused(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int64_t m = pt_member(db, "+972501234567", "sms", T0);
    patron_posting_request r = pt_posting("ms", m, 100, T0 * 1000); /* Date.now() */
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "milliseconds"));
    assert_non_null(strstr(patron_errmsg(), "patron_ledger_earn"));
    r = pt_posting("max", m, 100, INT64_MAX - 1);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_EINVAL);
    r = pt_posting("y5138", m, 100, T0);
    r.mature_at = INT64_C(99999999999); /* the year 5138 */
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "mature_at"));
    r = pt_posting("never", m, 100, T0);
    r.expires_at = PATRON_NEVER; /* "never" stays valid */
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0), 100);
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Late";
    f.phone = "+972501234568";
    f.consent = "none";
    int64_t id = 0;
    assert_int_equal(patron_profile_add(db, &id, &f, T0 * 1000000), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "microseconds"));
    assert_int_equal(patron_consent_record(db, m, "sms", 1, -5, "test"), PATRON_EINVAL);
    assert_int_equal(patron_ledger_expire(db, NULL, NULL, T0 * 1000), PATRON_EINVAL);
    /* nothing of the refused calls was written */
    assert_int_equal(pt_available(db, m, T0 + 86400), 100);
    patron_close(db);
}

static void test_read_only_file_is_named_at_open(void **state)
{
    (void)state;
    if (pt_backend_is_postgres())
        skip();
    const char *path = pt_store_uri(1);
    patron_db *db = NULL;
    assert_int_equal(patron_open(&db, path, NULL), PATRON_OK);
    patron_close(db);
    pt_remove_store(path);
    /* a fresh store, closed, then made read-only */
    assert_int_equal(patron_open(&db, path, NULL), PATRON_OK);
    patron_close(db);
    char side[600];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    assert_int_equal(chmod(path, 0444), 0);
    assert_int_equal(patron_open(&db, path, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "read-only"));
    snprintf(side, sizeof side, "%s-wal", path);
    assert_int_not_equal(access(side, F_OK), 0); /* nothing left beside it */
    patron_db_options o = PATRON_DB_OPTIONS_INIT;
    o.read_only = 1;
    assert_int_equal(patron_open(&db, path, &o), PATRON_OK);
    int v = 0;
    assert_int_equal(patron_db_schema_version(db, &v), PATRON_OK);
    assert_int_equal(v, PATRON_DB_SCHEMA_VERSION);
    patron_close(db);
    chmod(path, 0644);
    pt_remove_store(path);
}

/* One byte of the key table changed: a retried earn must not double the
 * points unnoticed — the check reads the table itself. */
static void test_check_finds_a_key_posted_twice(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int64_t m = pt_member(db, "+972501234567", "sms", T0);
    patron_posting_request r = pt_posting("k1", m, 140, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    patron_ledger_report rep;
    assert_int_equal(patron_ledger_check(db, &rep), PATRON_OK);
    /* forge what a damaged key index let through: a second posting with
     * the key. PostgreSQL keeps the key's uniqueness in the table
     * posting_keys, which the forged row does not go through; SQLite in a
     * unique index of postings, which the forger drops first (the check
     * must not trust the index that failed) */
    if (!pt_backend_is_postgres())
        assert_int_equal(patron__sql_run(db, "DROP INDEX postings_key", ""), PATRON_OK);
    assert_int_equal(patron__sql_run(db, "INSERT INTO postings(id, key, fp, member_id, kind, points, at, effective_at, "
                                         "prev, lot_earned_at, lot_expires_at) SELECT id + 1, key, fp, member_id, kind, "
                                         "points, at, effective_at, id, lot_earned_at, lot_expires_at FROM postings",
                                     ""),
                     PATRON_OK);
    assert_int_equal(patron__sql_run(db, "UPDATE accounts SET total = total + 140, head = head + 1", ""), PATRON_OK);
    assert_int_equal(patron_ledger_check(db, &rep), PATRON_ECORRUPT);
    assert_true(rep.problems >= 1 || strstr(patron_errmsg(), "more than once"));
    assert_non_null(strstr(patron_errmsg(), "posted more than once"));
    patron_close(db);
}

static void test_check_reports_a_damaged_key_index(void **state)
{
    (void)state;
    if (pt_backend_is_postgres())
        skip();
    const char *path = pt_store_uri(1);
    patron_db *db = NULL;
    assert_int_equal(patron_open(&db, path, NULL), PATRON_OK);
    int64_t m = pt_member(db, "+972501234567", "sms", T0);
    char key[32];
    for (int i = 0; i < 400; i++) {
        snprintf(key, sizeof key, "key-%05d-padding-padding", i);
        patron_posting_request r = pt_posting(key, m, 1, T0 + i);
        assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    }
    patron_close(db);
    /* damage one page of the key index in the file */
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    sqlite3_stmt *st;
    /* the posting keys' unique index (schema version 11; posting_keys is a view over postings) */
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT rootpage FROM sqlite_master WHERE name = 'postings_key'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int root = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    int page_size = 4096;
    assert_int_equal(sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    /* an interior/leaf cell byte of the index's root page: swap key bytes */
    assert_int_equal(fseek(f, (long)(root - 1) * page_size + page_size - 40, SEEK_SET), 0);
    unsigned char b[8];
    assert_int_equal(fread(b, 1, 8, f), 8);
    for (int i = 0; i < 8; i++)
        b[i] ^= 0x5a;
    assert_int_equal(fseek(f, (long)(root - 1) * page_size + page_size - 40, SEEK_SET), 0);
    assert_int_equal(fwrite(b, 1, 8, f), 8);
    fclose(f);
    assert_int_equal(patron_open(&db, path, NULL), PATRON_OK);
    patron_ledger_report rep;
    int rc = patron_ledger_check(db, &rep);
    assert_int_equal(rc, PATRON_ECORRUPT);
    patron_close(db);
    pt_remove_store(path);
}

static void test_points_report_refuses_overflow(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int64_t a = pt_member(db, "+972501234567", "sms", T0);
    int64_t b = pt_member(db, "+972501234568", "sms", T0);
    patron_posting_request r = pt_posting("a", a, INT64_MAX - 10, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    r = pt_posting("b", b, INT64_MAX - 10, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    patron_week_points *weeks = NULL;
    size_t n = 0;
    int64_t ids[2] = {a, b};
    patron_weekly_options wo = PATRON_WEEKLY_OPTIONS_INIT;
    wo.start = T0;
    wo.end = T0 + 86400;
    assert_int_equal(patron_report_points_weekly(&weeks, &n, db, ids, 2, &wo), PATRON_ERANGE);
    assert_null(weeks);
    assert_non_null(strstr(patron_errmsg(), "overflow"));
    patron_close(db);
}

/* A handle is claimed by the thread inside a write transaction; another
 * thread's call fails instead of interleaving with it. (A second thread is
 * simulated by the same check from a forked child: the claim is an address
 * that differs per thread, which the child cannot have either.) */
static void test_second_user_of_a_handle_is_refused(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int64_t m = pt_member(db, "+972501234567", "sms", T0);
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    /* forge "another thread holds it" */
    uintptr_t mine = atomic_load(&db->owner);
    assert_true(mine != 0);
    atomic_store(&db->owner, mine + 1);
    patron_posting_request r = pt_posting("t1", m, 5, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_EBUSY);
    assert_non_null(strstr(patron_errmsg(), "another thread"));
    patron_balance bal;
    assert_int_equal(patron_ledger_balance(db, &bal, m, T0), PATRON_EBUSY);
    assert_int_equal(patron_batch_commit(db), PATRON_EBUSY);
    atomic_store(&db->owner, mine);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_OK);
    assert_int_equal(patron_batch_commit(db), PATRON_OK);
    assert_int_equal(atomic_load(&db->owner), 0);
    assert_int_equal(pt_available(db, m, T0), 5);
    patron_close(db);
}

typedef struct creator_args {
    const char *path;
    int round;
} creator_args;

/* One of the processes that open a brand-new store and enrol a member. */
static void creator(int p, int fd, void *ctx)
{
    (void)fd;
    const creator_args *a = ctx;
    patron_db *db = NULL;
    patron_db_options o = PATRON_DB_OPTIONS_INIT; /* the default 5 s wait */
    if (getenv("PATRON_UNDER_VALGRIND"))
        o.busy_timeout_ms = 120000; /* each of 8 processes runs ~50x slower there */
    int rc = patron_open(&db, a->path, &o);
    if (rc != PATRON_OK) {
        fprintf(stderr, "round %d process %d: %s\n", a->round, p, patron_errmsg());
        _exit(1);
    }
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    char phone[32];
    snprintf(phone, sizeof phone, "+97250123%04d", p);
    f.name = "P";
    f.phone = phone;
    f.consent = "none";
    int64_t id = 0;
    rc = patron_profile_add(db, &id, &f, T0);
    if (rc != PATRON_OK) {
        fprintf(stderr, "round %d process %d: add: %s\n", a->round, p, patron_errmsg());
        _exit(2);
    }
    patron_close(db);
}

/* Eight processes create and use one brand-new store path at once, 20
 * rounds: none fails with EBUSY. */
static void test_many_processes_create_one_store(void **state)
{
    (void)state;
    if (pt_backend_is_postgres())
        skip();
    int rounds = getenv("PATRON_UNDER_VALGRIND") ? 3 : 20;
    for (int round = 0; round < rounds; round++) {
        const char *path = pt_store_uri(1);
        creator_args args = {path, round};
        pt_procs ps;
        pt_procs_start(&ps, 8, creator, &args);
        pt_procs_finish(&ps);
        pt_remove_store(path);
    }
}

/* A writer that waits past its timeout says which call and how long. */
static void test_busy_timeout_names_the_wait(void **state)
{
    (void)state;
    if (pt_backend_is_postgres())
        skip();
    const char *path = pt_store_uri(1);
    patron_db *w = NULL, *r = NULL;
    assert_int_equal(patron_open(&w, path, NULL), PATRON_OK);
    patron_db_options o = PATRON_DB_OPTIONS_INIT;
    o.busy_timeout_ms = 50;
    assert_int_equal(patron_open(&r, path, &o), PATRON_OK);
    int64_t m = pt_member(w, "+972501234567", "sms", T0);
    assert_int_equal(patron_batch_begin(w), PATRON_OK);
    patron_posting_request q = pt_posting("busy", m, 5, T0);
    assert_int_equal(patron_ledger_earn(r, NULL, &q), PATRON_EBUSY);
    assert_non_null(strstr(patron_errmsg(), "waited"));
    assert_non_null(strstr(patron_errmsg(), "busy_timeout_ms = 50"));
    assert_int_equal(patron_batch_commit(w), PATRON_OK);
    assert_int_equal(patron_ledger_earn(r, NULL, &q), PATRON_OK);
    patron_close(r);
    patron_close(w);
    pt_remove_store(path);
}

/* On any backend: a store written by a newer library is refused and left as
 * it was; a schema that holds other tables is not a store. */
static void test_newer_and_foreign_schemas(void **state)
{
    (void)state;
    if (!pt_backend_is_postgres())
        skip(); /* SQLite: tests/store/test_store.c checks the file header */
    pt_store_uri(1);
    patron_db *db = pt_store_reopen(NULL);
    int64_t m = pt_member(db, "+972501234567", "sms", T0);
    assert_int_equal(patron__sql_run(db, "UPDATE patron_meta SET value = 99 WHERE key = 'schema_version'", ""),
                     PATRON_OK);
    patron_close(db);
    patron_db *again = NULL;
    assert_int_equal(patron_open(&again, pt_store_open_uri(pt_store_uri(0)), NULL), PATRON_EUNSUPPORTED);
    assert_non_null(strstr(patron_errmsg(), "newer"));
    assert_null(again);
    /* a schema with someone else's table */
    pt_store_uri(1);
    db = pt_store_reopen(NULL);
    assert_int_equal(patron__sql_run(db, "DROP TABLE patron_meta", ""), PATRON_OK);
    patron_close(db);
    assert_int_equal(patron_open(&again, pt_store_open_uri(pt_store_uri(0)), NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "not a libpatron store"));
    (void)m;
}

/* Two handles on one store (two servers): what one handle remembers never
 * hides what the other wrote, for reads as for writes. */
static void test_no_stale_balance_across_handles(void **state)
{
    (void)state;
    pt_store_uri(1);
    patron_db *a = pt_store_reopen(NULL), *b = pt_store_reopen(NULL);
    int64_t m = pt_member(a, "+972501234567", "sms", T0);
    patron_posting_request r = pt_posting("a1", m, 100, T0);
    assert_int_equal(patron_ledger_earn(a, NULL, &r), PATRON_OK); /* a caches the account */
    assert_int_equal(pt_available(a, m, T0 + 1), 100);
    r = pt_posting("b1", m, 50, T0);
    assert_int_equal(patron_ledger_earn(b, NULL, &r), PATRON_OK);
    assert_int_equal(pt_available(a, m, T0 + 1), 150); /* a read after b's commit */
    patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
    pol.overdraft_limit = 30;
    assert_int_equal(patron_ledger_set_policy(b, &pol), PATRON_OK);
    patron_ledger_policy seen = PATRON_LEDGER_POLICY_INIT;
    assert_int_equal(patron_ledger_get_policy(a, &seen), PATRON_OK);
    assert_int_equal(seen.overdraft_limit, 30);
    r = pt_posting("a2", m, 170, T0 + 2);
    assert_int_equal(patron_ledger_redeem(a, NULL, &r), PATRON_OK); /* uses b's limit: 150 - 170 = -20 */
    assert_int_equal(pt_available(b, m, T0 + 3), -20);
    patron_close(a);
    patron_close(b);
    if (!pt_backend_is_postgres())
        pt_remove_store(pt_store_uri(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times_in_milliseconds_are_refused),
        cmocka_unit_test(test_read_only_file_is_named_at_open),
        cmocka_unit_test(test_check_finds_a_key_posted_twice),
        cmocka_unit_test(test_check_reports_a_damaged_key_index),
        cmocka_unit_test(test_points_report_refuses_overflow),
        cmocka_unit_test(test_second_user_of_a_handle_is_refused),
        cmocka_unit_test(test_many_processes_create_one_store),
        cmocka_unit_test(test_busy_timeout_names_the_wait),
        cmocka_unit_test(test_newer_and_foreign_schemas),
        cmocka_unit_test(test_no_stale_balance_across_handles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
