/* PostgreSQL faults: a connection lost in the middle of a batch and of a
 * single call, roles without privileges, a database without the schema, bad
 * connection strings. Each gives a clear status and message, and nothing is
 * half-written: what the server kept is exactly what was acknowledged.
 * Runs only against a server (PATRON_TEST_BACKEND=postgresql, PATRON_TEST_PG);
 * a connection is cut with pg_terminate_backend, which is what the client
 * sees of a server restart or a network failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "patron.h"
#include "store_support.h"
#include "support.h"

#define T0 INT64_C(1767225600) /* 2026-01-01 */

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Run `sql` as the test server's own user; returns the first value of the
 * first row (or "" when none) in a static buffer. */
static const char *admin(const char *sql)
{
    static char out[256];
    PGconn *c = PQconnectdb(getenv("PATRON_TEST_PG"));
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQsetNoticeProcessor(c, quiet, NULL);
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
    assert_true(s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK);
    snprintf(out, sizeof out, "%s", s == PGRES_TUPLES_OK && PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(c);
    return out;
}

/* The schema name of the last store pt_store_uri made ("...search_path=S'"). */
static const char *schema_of(const char *uri)
{
    static char s[64];
    const char *p = strstr(uri, "search_path=");
    assert_non_null(p);
    snprintf(s, sizeof s, "%s", p + strlen("search_path="));
    s[strcspn(s, "'")] = '\0';
    return s;
}

/* A handle on the test store whose server process can be found by name. */
static patron_db *open_named(const char *uri, const char *name)
{
    char buf[1200];
    snprintf(buf, sizeof buf, "postgresql:%s application_name=%s", uri, name);
    patron_db *db = NULL;
    int rc = patron_open(&db, buf, NULL);
    if (rc)
        fprintf(stderr, "open: %s\n", patron_errmsg());
    assert_int_equal(rc, PATRON_OK);
    return db;
}

static void cut(const char *name)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '%s'", name);
    assert_string_equal(admin(sql), "1");
}

static int earn(patron_db *db, const char *key, int64_t member, int64_t points, int64_t at)
{
    patron_posting_request r = pt_posting(key, member, points, at);
    patron_posting_result res;
    return patron_ledger_earn(db, &res, &r);
}

static void test_connection_lost_mid_batch(void **state)
{
    (void)state;
    const char *uri = pt_store_uri(1);
    char name[64];
    snprintf(name, sizeof name, "ptfault_batch_%ld", (long)getpid());
    patron_db *db = open_named(uri, name);
    int64_t m = pt_member(db, "+972501234567", "sms", T0);
    assert_int_equal(earn(db, "before", m, 100, T0 + 10), PATRON_OK);
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    assert_int_equal(earn(db, "in-batch-1", m, 10, T0 + 20), PATRON_OK);
    assert_int_equal(earn(db, "in-batch-2", m, 20, T0 + 30), PATRON_OK);
    cut(name);
    /* the next call and the commit say the connection is gone */
    assert_int_equal(earn(db, "in-batch-3", m, 30, T0 + 40), PATRON_EIO);
    assert_non_null(strstr(patron_errmsg(), "connection"));
    assert_int_not_equal(patron_batch_commit(db), PATRON_OK);
    /* the handle stays safe to use: every call fails cleanly */
    patron_balance b;
    assert_int_equal(patron_ledger_balance(db, &b, m, T0 + 100), PATRON_EIO);
    patron_close(db);
    /* the server kept only what was acknowledged as committed */
    db = open_named(uri, "ptfault_check");
    assert_int_equal(pt_available(db, m, T0 + 100), 100);
    patron_ledger_report rep;
    assert_int_equal(patron_ledger_check(db, &rep), PATRON_OK);
    assert_int_equal(rep.postings, 1);
    /* retrying the whole batch on a new connection posts it once */
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    assert_int_equal(earn(db, "in-batch-1", m, 10, T0 + 20), PATRON_OK);
    assert_int_equal(earn(db, "in-batch-2", m, 20, T0 + 30), PATRON_OK);
    assert_int_equal(earn(db, "in-batch-3", m, 30, T0 + 40), PATRON_OK);
    assert_int_equal(patron_batch_commit(db), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 100), 160);
    patron_close(db);
}

static void test_connection_lost_before_a_call(void **state)
{
    (void)state;
    const char *uri = pt_store_uri(1);
    char name[64];
    snprintf(name, sizeof name, "ptfault_single_%ld", (long)getpid());
    patron_db *db = open_named(uri, name);
    int64_t m = pt_member(db, "+972501234568", "sms", T0);
    cut(name);
    assert_int_equal(earn(db, "lost", m, 10, T0 + 20), PATRON_EIO);
    assert_non_null(strstr(patron_errmsg(), "connection"));
    patron_close(db);
    db = open_named(uri, "ptfault_check2");
    assert_int_equal(pt_available(db, m, T0 + 100), 0);
    patron_ledger_report rep;
    assert_int_equal(patron_ledger_check(db, &rep), PATRON_OK);
    assert_int_equal(rep.postings, 0);
    patron_close(db);
}

static void test_roles_without_privileges(void **state)
{
    (void)state;
    const char *uri = pt_store_uri(1);
    patron_db *db = open_named(uri, "ptfault_owner");
    int64_t m = pt_member(db, "+972501234569", "sms", T0);
    assert_int_equal(earn(db, "owner-earn", m, 50, T0 + 10), PATRON_OK);
    const char *schema = schema_of(uri);
    char role[64], sql[512], conn[1200];
    snprintf(role, sizeof role, "pt_reader_%ld", (long)getpid());
    snprintf(sql, sizeof sql,
             "DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN; GRANT USAGE ON SCHEMA %s TO %s; "
             "GRANT SELECT ON ALL TABLES IN SCHEMA %s TO %s",
             role, role, schema, role, schema, role);
    admin(sql);
    /* a role that may read: balances work, a write is refused by name and
     * leaves nothing behind */
    const char *base = getenv("PATRON_TEST_PG");
    snprintf(conn, sizeof conn, "postgresql:%s options='-c search_path=%s' user=%s", base, schema, role);
    patron_db *ro = NULL;
    int rc = patron_open(&ro, conn, NULL);
    if (rc)
        fprintf(stderr, "open as reader: %s\n", patron_errmsg());
    assert_int_equal(rc, PATRON_OK);
    assert_int_equal(pt_available(ro, m, T0 + 100), 50);
    rc = earn(ro, "reader-earn", m, 10, T0 + 20);
    assert_int_equal(rc, PATRON_EIO);
    assert_non_null(strstr(patron_errmsg(), "permission denied"));
    patron_close(ro);
    assert_int_equal(pt_available(db, m, T0 + 100), 50);
    /* a role that may not even read the store: refused at open, by name */
    snprintf(sql, sizeof sql, "REVOKE ALL ON ALL TABLES IN SCHEMA %s FROM %s", schema, role);
    admin(sql);
    rc = patron_open(&ro, conn, NULL);
    assert_int_equal(rc, PATRON_EIO);
    assert_non_null(strstr(patron_errmsg(), "permission denied"));
    patron_ledger_report rep;
    assert_int_equal(patron_ledger_check(db, &rep), PATRON_OK);
    assert_int_equal(rep.postings, 1);
    patron_close(db);
    snprintf(sql, sizeof sql, "REVOKE ALL ON SCHEMA %s FROM %s; DROP ROLE %s", schema, role, role);
    admin(sql);
}

static void test_database_without_schema_and_bad_strings(void **state)
{
    (void)state;
    const char *uri = pt_store_uri(1); /* an empty schema: no store yet */
    char conn[1200];
    snprintf(conn, sizeof conn, "postgresql:%s", uri);
    patron_db_options o = PATRON_DB_OPTIONS_INIT;
    o.no_create = 1;
    patron_db *db = NULL;
    assert_int_equal(patron_open(&db, conn, &o), PATRON_ENOTFOUND);
    assert_non_null(strstr(patron_errmsg(), "no store here yet"));
    assert_null(db);
    /* nothing was created: the schema is still empty */
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM information_schema.tables WHERE table_schema = '%s'",
             schema_of(uri));
    assert_string_equal(admin(sql), "0");
    /* connection strings libpq cannot parse or reach: an error, never a crash */
    const char *bad[] = {"postgresql:host=/nonexistent-dir dbname=x", "postgresql:this is not=a 'valid",
                         "postgresql://[::1:5432/x", "postgres://user@/nodb?host=/nonexistent-dir"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        db = NULL;
        int rc = patron_open(&db, bad[i], NULL);
        assert_true(rc == PATRON_EIO || rc == PATRON_EINVAL);
        assert_null(db);
        assert_non_null(strstr(patron_errmsg(), "PostgreSQL"));
    }
}

int main(void)
{
    if (!pt_backend_is_postgres()) {
        printf("skipped: PostgreSQL faults need PATRON_TEST_BACKEND=postgresql\n");
        return 77;
    }
    pt_store_uri(1); /* skips (77) when no server is named */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connection_lost_mid_batch),
        cmocka_unit_test(test_connection_lost_before_a_call),
        cmocka_unit_test(test_roles_without_privileges),
        cmocka_unit_test(test_database_without_schema_and_bad_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
