/* Store benchmark for both backends, with the simplest raw loop of the same
 * backend measured in the same run for comparison.
 *
 * Usage: bench_store URI [POSTINGS] [WRITERS...]
 *   URI       a SQLite path (a fresh file is made there) or
 *             "postgresql:host=... dbname=..." (a fresh schema bench_<pid>)
 *   POSTINGS  batched earns to post (default 200000)
 *   WRITERS   process counts for the contention phase (default 8 16)
 *
 * Phases (each prints wall and CPU time; the unit of every figure is named):
 *  1. batched earns, batches of 1,000, one connection: postings/s
 *  2. the same from 4 connections (4 processes, disjoint members): postings/s
 *  3. single durable earns: median and p99 latency, next to a bare
 *     single-row INSERT + COMMIT (SQLite: sqlite3 API; PostgreSQL: libpq)
 *  4. raw batched loop: one INSERT per row into a table with a unique key,
 *     1,000 per transaction (SQLite: WAL, synchronous=FULL), and the ratio
 *  5. balance lookup latency
 *  6. contention: N writer processes each posting single earns: total
 *     postings/s, p99 and maximum latency of one call. */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef PATRON_HAVE_POSTGRES
#include <libpq-fe.h>
#endif

#include "bench_util.h"
#include "patron.h"

#define T0 INT64_C(1767225600)
#define MEMBERS 2000

static char uri[1024];
static int is_pg;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds (user + system) of the whole PostgreSQL server when it runs
 * on this machine behind a Unix socket (the `host=` folder of the URI): the
 * postmaster with its reaped children (backends that ended) plus every live
 * child (backends, WAL writer, checkpointer). -1 when it cannot be read. */
static char pg_socket_dir[512];
static double server_cpu(void)
{
    if (!pg_socket_dir[0])
        return -1;
    char path[600];
    snprintf(path, sizeof path, "%s/.s.PGSQL.5432.lock", pg_socket_dir);
    FILE *f = fopen(path, "r");
    long pm = 0;
    if (!f)
        return -1;
    if (fscanf(f, "%ld", &pm) != 1)
        pm = 0;
    fclose(f);
    if (pm <= 0)
        return -1;
    double ticks = 0;
    long hz = sysconf(_SC_CLK_TCK);
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE *s = fopen(path, "r");
        char buf[1024];
        size_t got = s ? fread(buf, 1, sizeof buf - 1, s) : 0;
        if (s)
            fclose(s);
        buf[got] = '\0';
        char *r = strrchr(buf, ')'); /* after the command name, which may hold spaces */
        long ppid;
        unsigned long long ut, st;
        long long cut, cst;
        if (!r || sscanf(r + 2, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld", &ppid, &ut, &st,
                         &cut, &cst) != 5)
            continue;
        if (pid == pm)
            ticks += (double)(ut + st) + (double)(cut + cst);
        else if (ppid == pm)
            ticks += (double)(ut + st);
    }
    if (d)
        closedir(d);
    return ticks / (double)hz;
}

/* CPU seconds of this process's ended children (RUSAGE_CHILDREN). */
static double children_cpu(void)
{
    struct rusage u;
    getrusage(RUSAGE_CHILDREN, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec * 1e-6 + (double)u.ru_stime.tv_sec +
           (double)u.ru_stime.tv_usec * 1e-6;
}

/* One line of CPU per posting: the client's (`client` seconds) and, on a
 * local PostgreSQL server, the server's since `server0` (server_cpu()). */
static void cpu_per(const char *what, int64_t n, double client, double server0)
{
    double s1 = server_cpu();
    if (s1 >= 0 && server0 >= 0)
        printf("  CPU per posting, %s: client %.1f us, server %.1f us (microseconds of CPU time)\n", what,
               client / (double)n * 1e6, (s1 - server0) / (double)n * 1e6);
    else
        printf("  CPU per posting, %s: client %.1f us (microseconds of CPU time)\n", what, client / (double)n * 1e6);
}

static void die(int rc, const char *what)
{
    fprintf(stderr, "bench_store: %s: %s: %s\n", what, patron_strerror(rc), patron_errmsg());
    exit(1);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of v[0..n) (v is left as it was). */
static double median_of(const double *v, int n)
{
    double s[16];
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_d);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static patron_db *open_store(void)
{
    patron_db *db = NULL;
    patron_db_options o = PATRON_DB_OPTIONS_INIT;
    o.busy_timeout_ms = 600000;
    int rc = patron_open(&db, uri, &o);
    if (rc)
        die(rc, "open");
    return db;
}

static void earn(patron_db *db, const char *key, int64_t member, int64_t at)
{
    patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
    r.key = key;
    r.member_id = member;
    r.points = 10;
    r.at = at;
    int rc = patron_ledger_earn(db, NULL, &r);
    if (rc)
        die(rc, "earn");
}

/* Batched earns by `proc` over members [first, first + span): batches of
 * 1,000 requests, each one patron_ledger_earn_many call. */
static void batched(patron_db *db, int proc, int64_t n, int64_t first, int64_t span)
{
    enum { BATCH = 1000 };
    static patron_posting_request req[BATCH];
    static patron_posting_result res[BATCH];
    static char keys[BATCH][32];
    for (int64_t i = 0; i < n; i += BATCH) {
        size_t k = (size_t)(n - i < BATCH ? n - i : BATCH);
        for (size_t j = 0; j < k; j++) {
            int64_t x = i + (int64_t)j;
            patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
            snprintf(keys[j], sizeof keys[j], "b%d-%" PRId64, proc, x);
            r.key = keys[j];
            r.member_id = first + x % span;
            r.points = 10;
            r.at = T0 + x;
            req[j] = r;
        }
        int rc = patron_ledger_earn_many(db, res, req, k);
        if (rc)
            die(rc, "earn_many");
    }
}

/* The same postings as one patron_ledger_earn call each inside caller
 * batches of 1,000 (patron_batch_begin / commit). */
static void batched_calls(patron_db *db, int proc, int64_t n, int64_t first, int64_t span)
{
    char key[64];
    for (int64_t i = 0; i < n; i++) {
        int rc;
        if (i % 1000 == 0 && (rc = patron_batch_begin(db)))
            die(rc, "batch");
        snprintf(key, sizeof key, "b%d-%" PRId64, proc, i);
        earn(db, key, first + i % span, T0 + i);
        if (i % 1000 == 999 || i == n - 1) {
            if ((rc = patron_batch_commit(db)))
                die(rc, "commit");
        }
    }
}

#ifdef PATRON_HAVE_POSTGRES
static PGconn *pg_raw(int fresh)
{
    PGconn *c = PQconnectdb(uri + strlen("postgresql:"));
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "bench_store: %s", PQerrorMessage(c));
        exit(1);
    }
    if (fresh)
        PQclear(PQexec(c, "SET client_min_messages = warning; DROP TABLE IF EXISTS raw; "
                          "CREATE TABLE raw(id BIGSERIAL PRIMARY KEY, k TEXT UNIQUE, v BIGINT)"));
    return c;
}
#endif

/* Bare single-row INSERT + COMMIT latencies (seconds) into `lat`. */
static void raw_single(double *lat, int n, const char *path)
{
    char k[32];
    if (is_pg) {
#ifdef PATRON_HAVE_POSTGRES
        PGconn *c = pg_raw(1);
        PQclear(PQprepare(c, "ins", "INSERT INTO raw(k, v) VALUES($1, 1)", 1, NULL));
        for (int i = 0; i < n; i++) {
            snprintf(k, sizeof k, "s%d", i);
            const char *v[1] = {k};
            double t = bench_now();
            PQclear(PQexec(c, "BEGIN"));
            PQclear(PQexecPrepared(c, "ins", 1, v, NULL, NULL, 0));
            PQclear(PQexec(c, "COMMIT"));
            lat[i] = bench_now() - t;
        }
        PQfinish(c);
#endif
        return;
    }
    sqlite3 *h;
    sqlite3_open(path, &h);
    sqlite3_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; DROP TABLE IF EXISTS raw;"
                    "CREATE TABLE raw(id INTEGER PRIMARY KEY, k TEXT UNIQUE, v INTEGER)", NULL, NULL, NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(h, "INSERT INTO raw(k, v) VALUES(?, 1)", -1, &st, NULL);
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof k, "s%d", i);
        double t = bench_now();
        sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
        sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
        lat[i] = bench_now() - t;
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
}

/* Raw batched loop, rows [first, first + n) (a fresh table when first is
 * 0, else the same table growing, as the store does between rounds): rows
 * per second. */
static double raw_batched(int64_t n, int64_t first, const char *path)
{
    char k[32];
    double t = bench_now();
    if (is_pg) {
#ifdef PATRON_HAVE_POSTGRES
        PGconn *c = pg_raw(first == 0);
        PQclear(PQprepare(c, "ins", "INSERT INTO raw(k, v) VALUES($1, 1)", 1, NULL));
        t = bench_now();
        for (int64_t i = first; i < first + n; i++) {
            if ((i - first) % 1000 == 0)
                PQclear(PQexec(c, "BEGIN"));
            snprintf(k, sizeof k, "r%" PRId64, i);
            const char *v[1] = {k};
            PQclear(PQexecPrepared(c, "ins", 1, v, NULL, NULL, 0));
            if ((i - first) % 1000 == 999 || i == first + n - 1)
                PQclear(PQexec(c, "COMMIT"));
        }
        double rate = (double)n / (bench_now() - t);
        PQfinish(c);
        return rate;
#endif
    }
    sqlite3 *h;
    sqlite3_open(path, &h);
    sqlite3_exec(h, first == 0 ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; DROP TABLE IF EXISTS raw;"
                                 "CREATE TABLE raw(id INTEGER PRIMARY KEY, k TEXT UNIQUE, v INTEGER)"
                               : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
                 NULL, NULL, NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(h, "INSERT INTO raw(k, v) VALUES(?, 1)", -1, &st, NULL);
    t = bench_now();
    for (int64_t i = first; i < first + n; i++) {
        if ((i - first) % 1000 == 0)
            sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        snprintf(k, sizeof k, "r%" PRId64, i);
        sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
        sqlite3_step(st);
        sqlite3_reset(st);
        if ((i - first) % 1000 == 999 || i == first + n - 1)
            sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
    }
    double rate = (double)n / (bench_now() - t);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return rate;
}

/* N processes, each `ops` single earns on its own keys over all members:
 * prints total rate, p99 and max latency of one call. */
static void contention(int procs, int ops)
{
    int fds[2];
    if (pipe(fds))
        exit(1);
    double t = bench_now();
    for (int p = 0; p < procs; p++) {
        if (fork() == 0) {
            close(fds[0]);
            patron_db *db = open_store();
            char key[64];
            for (int i = 0; i < ops; i++) {
                snprintf(key, sizeof key, "c%d-%d-%d", procs, p, i);
                double s = bench_now();
                earn(db, key, 1 + (p * 7919 + i) % MEMBERS, T0 + i);
                double l = bench_now() - s;
                if (write(fds[1], &l, sizeof l) != sizeof l)
                    _exit(1);
            }
            patron_close(db);
            _exit(0);
        }
    }
    close(fds[1]);
    size_t n = (size_t)procs * (size_t)ops;
    double *lat = malloc(n * sizeof *lat);
    size_t got = 0;
    while (got < n && read(fds[0], &lat[got], sizeof lat[got]) == sizeof lat[got])
        got++;
    while (wait(NULL) > 0)
        ;
    double wall = bench_now() - t;
    qsort(lat, got, sizeof *lat, cmp_d);
    printf("contention %2d writers x %d single earns: %.0f postings/s (wall %.2f s), latency median %.2f ms, "
           "p99 %.2f ms, max %.2f ms\n",
           procs, ops, (double)got / wall, wall, lat[got / 2] * 1e3, lat[got * 99 / 100] * 1e3, lat[got - 1] * 1e3);
    free(lat);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_store URI [POSTINGS] [WRITERS...]\n");
        return 2;
    }
    int64_t n = argc > 2 ? atoll(argv[2]) : 200000;
    char path[600] = "";
    is_pg = !strncmp(argv[1], "postgresql:", 11);
    if (is_pg) {
#ifndef PATRON_HAVE_POSTGRES
        fprintf(stderr, "bench_store: no PostgreSQL backend in this build\n");
        return 1;
#else
        char schema[64];
        snprintf(schema, sizeof schema, "bench_%ld", (long)getpid());
        PGconn *c = PQconnectdb(argv[1] + 11);
        char sql[128];
        snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
        PQclear(PQexec(c, sql));
        PQfinish(c);
        snprintf(uri, sizeof uri, "%s options='-c search_path=%s'", argv[1], schema);
        const char *h = strstr(argv[1], "host=/");
        if (h)
            snprintf(pg_socket_dir, sizeof pg_socket_dir, "%.*s", (int)strcspn(h + 5, " "), h + 5);
#endif
    } else {
        snprintf(path, sizeof path, "%s/bench_store_%ld.db", argv[1], (long)getpid());
        snprintf(uri, sizeof uri, "%s", path);
    }
    printf("bench_store: %s backend, %" PRId64 " batched postings, %d members\n", is_pg ? "postgresql" : "sqlite", n,
           MEMBERS);
    patron_db *db = open_store();
#ifdef PATRON_HAVE_POSTGRES
    /* PATRON_BENCH_CITUS=1: the server is a Citus coordinator; the new store's
     * tables are distributed as docs/guide/scaling.md says before any row
     * is written (4 shards per table here, as in the tests' schemas) */
    if (is_pg && getenv("PATRON_BENCH_CITUS") && !strcmp(getenv("PATRON_BENCH_CITUS"), "1")) {
        static const char dist[] =
            "SET citus.shard_count = 4;"
            "SELECT create_reference_table(t) FROM unnest(ARRAY['settings','earn_rules','tier_defs','attr_defs',"
            "'aliases','vocab','patron_meta','merges','purchases']) t;"
            "SELECT create_distributed_table('members', 'id');"
            "SELECT create_distributed_table(t, 'member_id', colocate_with => 'members') FROM unnest(ARRAY["
            "'accounts','postings','lot_state','moves','lots','open_lots','profiles','attrs','consents','erasures',"
            "'tier_state','tier_history']) t;"
            "SELECT create_distributed_table('posting_keys', 'key');"
            "SELECT create_distributed_table('identifiers', 'value', colocate_with => 'posting_keys');";
        patron_close(db);
        char conninfo[1100];
        snprintf(conninfo, sizeof conninfo, "%s", uri + 11);
        PGconn *c = PQconnectdb(conninfo);
        PGresult *r = PQexec(c, dist);
        if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
            fprintf(stderr, "bench_store: distributing the tables: %s", PQerrorMessage(c));
            return 1;
        }
        PQclear(r);
        PQfinish(c);
        printf("tables distributed with Citus (PATRON_BENCH_CITUS=1)\n");
        db = open_store();
    }
#endif
    int rc = patron_batch_begin(db);
    for (int m = 0; m < MEMBERS && rc == PATRON_OK; m++) {
        patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
        char phone[32];
        snprintf(phone, sizeof phone, "+97250%07d", m);
        f.name = "B";
        f.phone = phone;
        f.consent = "none";
        int64_t id;
        rc = patron_profile_add(db, &id, &f, T0 - 86400);
    }
    if (rc || (rc = patron_batch_commit(db)))
        die(rc, "members");

    char rawpath[700];
    snprintf(rawpath, sizeof rawpath, "%s-raw", path);
    /* 1 and 4: the batched earns and the raw loop in alternating rounds
     * (which goes first alternates too), so that both meet the same
     * machine: on this shared host the disk's fsync and the neighbours'
     * load move from second to second, and one pass of each, minutes
     * apart, measured those as much as the code. Medians of the rounds. */
    enum { ROUNDS = 5 };
    double em_rate[ROUNDS], em_cpu[ROUNDS], em_server[ROUNDS], raw_rate[ROUNDS], raw_cpu[ROUNDS];
    int64_t per = n / ROUNDS;
    for (int r = 0; r < ROUNDS; r++) {
        for (int half = 0; half < 2; half++) {
            if ((half == 0) == (r % 2 == 0)) {
                double t = bench_now(), c = cpu_now(), sc = server_cpu();
                batched(db, 100 + r, per, 1, MEMBERS);
                em_rate[r] = (double)per / (bench_now() - t);
                em_cpu[r] = (cpu_now() - c) / (double)per;
                em_server[r] = sc >= 0 ? (server_cpu() - sc) / (double)per : -1;
            } else {
                double c = cpu_now();
                raw_rate[r] = raw_batched(per, r * per, rawpath);
                raw_cpu[r] = (cpu_now() - c) / (double)per;
            }
        }
    }
    printf("batched earns (earn_many x 1,000), 1 connection: median %.0f postings/s over %d rounds of %" PRId64
           " (rounds:", median_of(em_rate, ROUNDS), ROUNDS, per);
    for (int r = 0; r < ROUNDS; r++)
        printf(" %.0f", em_rate[r]);
    printf(")\n");
    if (em_server[0] >= 0)
        printf("  CPU per posting, earn_many, 1 connection: client %.1f us, server %.1f us (medians of the rounds, "
               "microseconds of CPU time)\n", median_of(em_cpu, ROUNDS) * 1e6, median_of(em_server, ROUNDS) * 1e6);
    else
        printf("  CPU per posting, earn_many, 1 connection: client %.1f us (median of the rounds, microseconds of CPU "
               "time)\n", median_of(em_cpu, ROUNDS) * 1e6);
    double one = median_of(em_rate, ROUNDS), rawrate = median_of(raw_rate, ROUNDS);
    printf("raw batched INSERT loop (unique key, 1,000 per transaction), the same rounds: median %.0f rows/s "
           "(rounds:", rawrate);
    for (int r = 0; r < ROUNDS; r++)
        printf(" %.0f", raw_rate[r]);
    printf(")\n");
    double ratio[ROUNDS];
    for (int r = 0; r < ROUNDS; r++)
        ratio[r] = em_rate[r] / raw_rate[r];
    double em_wall = 0, raw_wall = 0;
    for (int r = 0; r < ROUNDS; r++) {
        em_wall += (double)per / em_rate[r];
        raw_wall += (double)per / raw_rate[r];
    }
    /* the whole run too: a round where SQLite checkpoints its WAL (the
     * store every 8,000 pages, the raw loop's file every 1,000) is slow,
     * and the median leaves it out */
    printf("batched earns / raw loop, wall: %.2f (median of the rounds' ratios; ratio of the medians %.2f; of the "
           "whole run's times %.2f)\n", median_of(ratio, ROUNDS), one / rawrate, raw_wall / em_wall);
    /* SQLite works inside this process: its CPU time is the whole cost,
     * steadier than wall time on a loaded machine */
    if (!is_pg) {
        for (int r = 0; r < ROUNDS; r++)
            ratio[r] = raw_cpu[r] / em_cpu[r];
        printf("CPU of this process per row: raw loop %.2f us, earn_many %.2f us (medians); raw / earn_many = %.2f "
               "(median of the rounds' ratios)\n",
               median_of(raw_cpu, ROUNDS) * 1e6, median_of(em_cpu, ROUNDS) * 1e6, median_of(ratio, ROUNDS));
    }
    double t = bench_now(), c = cpu_now(), sc = server_cpu();
    batched_calls(db, 1, n, 1, MEMBERS);
    double calls = (double)n / (bench_now() - t);
    printf("batched earns (one earn call each, batches of 1,000), 1 connection: %.0f postings/s (wall %.2f s, "
           "CPU %.2f s of this process); / raw loop = %.2f\n", calls, bench_now() - t, cpu_now() - c, calls / rawrate);
    cpu_per("one earn call each", n, cpu_now() - c, sc);
    /* 2: three rounds, the median */
    double four[3], four_server[3], four_client[3];
    for (int r = 0; r < 3; r++) {
        t = bench_now();
        sc = server_cpu();
        double cc = children_cpu();
        for (int p = 0; p < 4; p++)
            if (fork() == 0) {
                patron_db *d = open_store();
                batched(d, 10 + 4 * r + p, n / 4, 1 + p * (MEMBERS / 4), MEMBERS / 4);
                patron_close(d);
                _exit(0);
            }
        while (wait(NULL) > 0)
            ;
        four[r] = (double)(n / 4 * 4) / (bench_now() - t);
        four_client[r] = (children_cpu() - cc) / (double)(n / 4 * 4);
        four_server[r] = sc >= 0 ? (server_cpu() - sc) / (double)(n / 4 * 4) : -1;
    }
    printf("batched earns (earn_many x 1,000), 4 connections: median %.0f postings/s over 3 rounds of %" PRId64
           " (rounds: %.0f %.0f %.0f)\n", median_of(four, 3), n / 4 * 4, four[0], four[1], four[2]);
    if (four_server[0] >= 0)
        printf("  CPU per posting, earn_many, 4 connections: client %.1f us, server %.1f us (medians, microseconds of "
               "CPU time)\n", median_of(four_client, 3) * 1e6, median_of(four_server, 3) * 1e6);
    else
        printf("  CPU per posting, earn_many, 4 connections: client %.1f us (median, microseconds of CPU time)\n",
               median_of(four_client, 3) * 1e6);
    /* 3 */
    enum { SINGLE = 2000 };
    static double lat[SINGLE], raw[SINGLE];
    char key[64];
    c = cpu_now();
    sc = server_cpu();
    for (int i = 0; i < SINGLE; i++) {
        snprintf(key, sizeof key, "single-%d", i);
        double s = bench_now();
        earn(db, key, 1 + i % MEMBERS, T0 + i);
        lat[i] = bench_now() - s;
    }
    cpu_per("single durable earn", SINGLE, cpu_now() - c, sc);
    c = cpu_now();
    sc = server_cpu();
    raw_single(raw, SINGLE, rawpath);
    cpu_per("bare INSERT+COMMIT", SINGLE, cpu_now() - c, sc);
    qsort(lat, SINGLE, sizeof lat[0], cmp_d);
    qsort(raw, SINGLE, sizeof raw[0], cmp_d);
    printf("single durable earn: median %.1f us, p99 %.1f us; bare INSERT+COMMIT: median %.1f us, p99 %.1f us "
           "(ratio of medians %.2f, of p99s %.2f)\n",
           lat[SINGLE / 2] * 1e6, lat[SINGLE * 99 / 100] * 1e6, raw[SINGLE / 2] * 1e6, raw[SINGLE * 99 / 100] * 1e6,
           lat[SINGLE / 2] / raw[SINGLE / 2], lat[SINGLE * 99 / 100] / raw[SINGLE * 99 / 100]);
    /* 5 */
    t = bench_now();
    for (int i = 0; i < 20000; i++) {
        patron_balance b;
        if ((rc = patron_ledger_balance(db, &b, 1 + i % MEMBERS, T0 + 1000000)))
            die(rc, "balance");
    }
    printf("balance lookup: %.2f us per call\n", (bench_now() - t) / 20000 * 1e6);
    patron_close(db);
    /* 6 */
    if (argc > 3) {
        for (int a = 3; a < argc; a++)
            contention(atoi(argv[a]), is_pg ? 400 : 3000);
    } else {
        contention(8, is_pg ? 400 : 3000);
        contention(16, is_pg ? 400 : 1500);
    }
#ifdef PATRON_HAVE_POSTGRES
    if (is_pg) { /* the schema goes: left behind, its tables would be vacuumed during the next run */
        PGconn *pc = PQconnectdb(argv[1] + 11);
        char sql[128];
        snprintf(sql, sizeof sql, "SET client_min_messages = warning; DROP SCHEMA bench_%ld CASCADE", (long)getpid());
        PQclear(PQexec(pc, sql));
        PQfinish(pc);
    }
#endif
    if (!is_pg) {
        char side[800];
        const char *sfx[] = {"", "-wal", "-shm", "-writer"};
        for (int i = 0; i < 4; i++) {
            snprintf(side, sizeof side, "%s%s", path, sfx[i]);
            unlink(side);
            snprintf(side, sizeof side, "%s%s", rawpath, sfx[i]);
            unlink(side);
        }
    }
    return 0;
}
