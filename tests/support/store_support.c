/* See store_support.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef PATRON_HAVE_POSTGRES
#include <libpq-fe.h>
#endif

#include <cmocka.h>

#include "store_support.h"

int pt_backend_is_postgres(void)
{
    const char *b = getenv("PATRON_TEST_BACKEND");
    return b && !strcmp(b, "postgresql");
}

#ifdef PATRON_HAVE_POSTGRES
/* Schemas this process created, dropped at exit. */
static char pg_schemas[4096];
static int pg_nschemas;

static void pg_no_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void pg_exec_or_fail(const char *base, const char *sql)
{
    PGconn *c = PQconnectdb(base);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "PATRON_TEST_PG='%s': cannot connect: %s", base, PQerrorMessage(c));
        PQfinish(c);
        exit(1);
    }
    PQsetNoticeProcessor(c, pg_no_notice, NULL);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "PATRON_TEST_PG: %s: %s", sql, PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
    PQfinish(c);
}

static void pg_exec_tuples_or_fail(const char *base, const char *sql)
{
    PGconn *c = PQconnectdb(base);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "PATRON_TEST_PG='%s': cannot connect: %s", base, PQerrorMessage(c));
        exit(1);
    }
    PQsetNoticeProcessor(c, pg_no_notice, NULL);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "PATRON_TEST_CITUS: %s: %s", sql, PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
    PQfinish(c);
}

static void pg_drop_schemas(void)
{
    const char *base = getenv("PATRON_TEST_PG");
    if (!base || !pg_nschemas)
        return;
    char sql[8192];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", pg_schemas);
    pg_exec_or_fail(base, sql);
}

/* PATRON_TEST_CITUS=1: the server PATRON_TEST_PG names is a Citus
 * coordinator. A fresh schema then gets a store at once (patron_open creates
 * its tables) whose tables are distributed as docs/guide/scaling.md says, so
 * the suite runs on distributed tables. */
static const char *const citus_statements[] = {
    "SELECT create_reference_table(t) FROM unnest(ARRAY['settings','earn_rules','tier_defs',"
    "'attr_defs','aliases','vocab','patron_meta','merges','purchases','clv_fits','programs']) t",
    "SELECT create_distributed_table('members', 'id')",
    "SELECT create_distributed_table(t, 'member_id', colocate_with => 'members') FROM unnest(ARRAY["
    "'accounts','postings','lot_state','moves','lots','open_lots','profiles','attrs','consents','erasures',"
    "'tier_state','tier_history','purchase_lines','member_scores','behaviour_events','program_members']) t",
    "SELECT create_distributed_table('posting_keys', 'key')",
    "SELECT create_distributed_table('identifiers', 'value', colocate_with => 'posting_keys')",
};

static void pg_citus_distribute(const char *uri)
{
    char open_uri[1100];
    snprintf(open_uri, sizeof open_uri, "postgresql:%s", uri);
    patron_db *db = NULL;
    if (patron_open(&db, open_uri, NULL) != PATRON_OK) {
        fprintf(stderr, "PATRON_TEST_CITUS: creating the store: %s\n", patron_errmsg());
        exit(1);
    }
    patron_close(db);
    const char *extra = getenv("PATRON_TEST_CITUS_PREP"); /* statements run before distributing */
    if (extra && *extra)
        pg_exec_or_fail(uri, extra);
    /* Few shards per table (Citus' default is 32): a test schema is created
     * per test and small; 4 shards over 2 workers still puts members on
     * different nodes. */
    const char *shards = getenv("PATRON_TEST_CITUS_SHARDS");
    char sql[4096];
    size_t o = (size_t)snprintf(sql, sizeof sql, "SET citus.shard_count = %d;",
                                shards && atoi(shards) > 0 ? atoi(shards) : 4);
    for (size_t i = 0; i < sizeof citus_statements / sizeof citus_statements[0] && o < sizeof sql; i++)
        o += (size_t)snprintf(sql + o, sizeof sql - o, "%s;", citus_statements[i]);
    pg_exec_tuples_or_fail(uri, sql);
}

static const char *pg_uri_for(const char *base, int fresh)
{
    static char uri[1024];
    static char schema[64];
    static int n;
    if (fresh || !schema[0]) {
        snprintf(schema, sizeof schema, "pt_%ld_%d", (long)getpid(), ++n);
        char sql[128];
        snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
        pg_exec_or_fail(base, sql);
        if (pg_nschemas++ == 0)
            atexit(pg_drop_schemas);
        else
            strncat(pg_schemas, ", ", sizeof pg_schemas - strlen(pg_schemas) - 1);
        strncat(pg_schemas, schema, sizeof pg_schemas - strlen(pg_schemas) - 1);
    }
    snprintf(uri, sizeof uri, "%s options='-c search_path=%s'", base, schema);
    if (fresh && getenv("PATRON_TEST_CITUS") && !strcmp(getenv("PATRON_TEST_CITUS"), "1"))
        pg_citus_distribute(uri);
    return uri;
}
#endif

const char *pt_store_uri(int fresh)
{
    static char path[512];
    if (!pt_backend_is_postgres()) {
        static int n;
        if (fresh || !path[0]) {
            snprintf(path, sizeof path, "%s/pt_store_%ld_%d.db", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
                     (long)getpid(), ++n);
            pt_remove_store(path);
        }
        return path;
    }
    const char *base = getenv("PATRON_TEST_PG");
    if (!base || !*base) {
        printf("skipped: PATRON_TEST_BACKEND=postgresql but PATRON_TEST_PG names no server "
               "(tools/run-tests starts one; or set PATRON_TEST_PG='host=... dbname=...')\n");
        exit(77);
    }
#ifdef PATRON_HAVE_POSTGRES
    return pg_uri_for(base, fresh);
#else
    printf("skipped: this build has no PostgreSQL backend (libpq not found)\n");
    exit(77);
#endif
}

const char *pt_store_open_uri(const char *uri)
{
    static char buf[1100];
    if (!pt_backend_is_postgres())
        return uri;
    snprintf(buf, sizeof buf, "postgresql:%s", uri);
    return buf;
}

patron_db *pt_store_new(const patron_db_options *opts)
{
    patron_db *db = NULL;
    if (!pt_backend_is_postgres()) {
        assert_int_equal(patron_open(&db, ":memory:", opts), PATRON_OK);
        return db;
    }
    const char *uri = pt_store_open_uri(pt_store_uri(1));
    int rc = patron_open(&db, uri, opts);
    if (rc != PATRON_OK)
        fprintf(stderr, "pt_store_new: %s\n", patron_errmsg());
    assert_int_equal(rc, PATRON_OK);
    return db;
}

patron_db *pt_store_reopen(const patron_db_options *opts)
{
    patron_db *db = NULL;
    int rc = patron_open(&db, pt_store_open_uri(pt_store_uri(0)), opts);
    if (rc != PATRON_OK)
        fprintf(stderr, "pt_store_reopen: %s\n", patron_errmsg());
    assert_int_equal(rc, PATRON_OK);
    return db;
}

int64_t pt_member(patron_db *db, const char *phone, const char *consent, int64_t at)
{
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "M";
    f.phone = phone;
    f.consent = consent;
    int64_t id = 0;
    assert_int_equal(patron_profile_add(db, &id, &f, at), PATRON_OK);
    return id;
}

void pt_buy(patron_db *db, const char *key, int64_t member, int64_t at, const char *category, int64_t amount)
{
    patron_purchase_line line = {category, NULL, amount};
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = key;
    p.member_id = member;
    p.at = at;
    p.lines = &line;
    p.n_lines = 1;
    if (patron_earn_purchase(db, NULL, &p) != PATRON_OK)
        fail_msg("purchase %s of member %lld: %s", key, (long long)member, patron_errmsg());
}

patron_db *pt_simulated_shop(int members, uint64_t seed, int phone_base, int64_t *ids)
{
    patron_sim_options so = PATRON_SIM_OPTIONS_INIT;
    so.r = 0.243;
    so.alpha = 4.414;
    so.a = 0.793;
    so.b = 2.426;
    so.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
    so.spend_p = 6.25;
    so.spend_q = 3.74;
    so.spend_gamma = 15.44;
    so.customers = members;
    so.periods = 300;
    so.cohort_periods = 60;
    so.start = 1700000000;
    so.seed = seed;
    patron_sim *sim;
    assert_int_equal(patron_sim_run(&sim, &so), PATRON_OK);
    patron_db *db = pt_store_new(NULL);
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    for (int i = 0; i < members; i++) {
        char phone[24];
        snprintf(phone, sizeof phone, "+97250%07d", phone_base + i);
        ids[i] = pt_member(db, phone, "sms", so.start);
    }
    const int64_t *cust = patron_sim_tx_customer(sim), *at = patron_sim_tx_time(sim), *amount = patron_sim_tx_amount(sim);
    for (size_t k = 0; k < patron_sim_n_transactions(sim); k++) {
        char key[32];
        snprintf(key, sizeof key, "o-%zu", k);
        static const char *const channels[] = {"pos", "web", "app"};
        patron_purchase_line line = {cust[k] % 2 ? "shoes" : "hats", NULL, amount[k]};
        patron_purchase p = PATRON_PURCHASE_INIT;
        p.key = key;
        p.member_id = ids[cust[k] % members];
        p.channel = channels[cust[k] % 3]; /* a member buys on one channel */
        p.at = at[k];
        p.lines = &line;
        p.n_lines = 1;
        patron_earn_result r;
        assert_int_equal(patron_earn_purchase(db, &r, &p), PATRON_OK);
    }
    assert_int_equal(patron_batch_commit(db), PATRON_OK);
    patron_sim_free(sim);
    return db;
}

int64_t pt_available(patron_db *db, int64_t member, int64_t at)
{
    patron_balance b;
    assert_int_equal(patron_ledger_balance(db, &b, member, at), PATRON_OK);
    return b.available;
}

patron_posting_request pt_posting(const char *key, int64_t member, int64_t points, int64_t at)
{
    patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
    r.key = key;
    r.member_id = member;
    r.points = points;
    r.at = at;
    return r;
}

void pt_remove_store(const char *path)
{
    static const char *const sides[] = {"-wal", "-shm", "-journal", "-writer"};
    char side[512];
    unlink(path);
    for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++) {
        snprintf(side, sizeof side, "%s%s", path, sides[i]);
        unlink(side);
    }
}

int pt_program_mode(patron_db *db)
{
    const char *name = getenv("PATRON_TEST_PROGRAM");
    if (!name || !name[0])
        return 0;
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = "base";
    r.kind = PATRON_EARN_BASE;
    r.points = 7;
    r.per_amount = 100;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_OK);
    patron_tier_config c = PATRON_TIER_CONFIG_INIT;
    patron_tier_def d[1] = {{"gold", 0}}; /* everyone evaluated in the default program is gold there */
    assert_int_equal(patron_tier_configure(db, &c, d, 1), PATRON_OK);
    assert_int_equal(patron_program_create(db, name), PATRON_OK);
    assert_int_equal(patron_program_use(db, name), PATRON_OK);
    return 1;
}

void pt_program_join(patron_db *db, int64_t member)
{
    const char *cur = patron_program_current(db);
    if (!cur || !strcmp(cur, "default"))
        return;
    char name[80];
    snprintf(name, sizeof name, "%s", cur);
    assert_int_equal(patron_program_join(db, member, 1), PATRON_OK);
    /* gold in the default program: a leak of its tier would show */
    assert_int_equal(patron_program_use(db, "default"), PATRON_OK);
    patron_tier_status st;
    assert_int_equal(patron_tier_evaluate(db, &st, member, 2), PATRON_OK);
    assert_string_equal(st.tier, "gold");
    assert_int_equal(patron_program_use(db, name), PATRON_OK);
}
