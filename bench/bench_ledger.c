/* Ledger benchmark: durable postings per second in batches of 1,000, single
 * posting durable latency (median, p99), balance lookup latency, and the
 * on-disk size of a store with 1 million members.
 * Usage: bench_ledger [DIR] [MEMBERS] [BATCHES]   (default /tmp, 1000000, 200)
 * Every phase prints wall-clock figures and the CPU time it used. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "patron.h"

static void rm_db(const char *path)
{
    char side[512];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* CPU seconds used by this process (user + system): on a shared machine the
 * wall clock also counts time spent waiting for a core. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(int rc, const char *what)
{
    fprintf(stderr, "bench_ledger: %s: %s: %s\n", what, patron_strerror(rc), patron_errmsg());
    exit(1);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int64_t add_members(patron_db *db, int64_t n)
{
    int rc;
    int64_t first = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i % 10000 == 0 && (rc = patron_batch_begin(db)))
            die(rc, "batch");
        char phone[32], email[64];
        snprintf(phone, sizeof phone, "+97250%07" PRId64, i);
        snprintf(email, sizeof email, "member%" PRId64 "@example.com", i);
        patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
        f.name = "Bench Member";
        f.phone = phone;
        f.email = email;
        f.consent = "sms,email";
        f.city = "Tel Aviv";
        int64_t id;
        if ((rc = patron_profile_add(db, &id, &f, 1700000000)))
            die(rc, "add member");
        if (i == 0)
            first = id;
        if ((i % 10000 == 9999 || i == n - 1) && (rc = patron_batch_commit(db)))
            die(rc, "commit");
    }
    return first;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    int64_t nmembers = argc > 2 ? atoll(argv[2]) : 1000000;
    char path[400];
    snprintf(path, sizeof path, "%s/patron_bench_ledger_%ld.db", dir, (long)getpid());
    rm_db(path);
    patron_db *db;
    int rc = patron_open(&db, path, NULL); /* PATRON_SYNC_FULL: durable commits */
    if (rc)
        die(rc, "open");
    const int64_t nm = 10000;
    add_members(db, nm);

    /* 1. batches of 1,000 earn postings, durable commit per batch; then the
     * same without syncing, to show what the disk costs */
    const int batches = argc > 3 ? atoi(argv[3]) : 200;
    double t0 = 0, dt, c0, dc;
    int64_t k = 0;
    for (int phase = 0; phase < 2; phase++) {
    if (phase == 1) {
        patron_close(db);
        patron_db_options off = PATRON_DB_OPTIONS_INIT;
        off.synchronous = PATRON_SYNC_OFF;
        if ((rc = patron_open(&db, path, &off)))
            die(rc, "open off");
    }
    t0 = bench_now();
    c0 = cpu_now();
    for (int b = 0; b < batches; b++) {
        if ((rc = patron_batch_begin(db)))
            die(rc, "batch");
        for (int i = 0; i < 1000; i++, k++) {
            char key[32];
            snprintf(key, sizeof key, "b%" PRId64, k);
            patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
            r.key = key;
            r.member_id = 1 + (k * 7919) % nm;
            r.points = 10 + k % 90;
            r.at = 1700000000 + k;
            if ((rc = patron_ledger_earn(db, NULL, &r)))
                die(rc, "earn");
        }
        if ((rc = patron_batch_commit(db)))
            die(rc, "commit");
    }
    dt = bench_now() - t0;
    dc = cpu_now() - c0;
    printf("batched earn (1,000 per commit, synchronous=%s): %d postings in %.3f s = %.0f postings/s"
           " (CPU %.3f s = %.0f postings per CPU-second)\n",
           phase ? "OFF" : "FULL", batches * 1000, dt, batches * 1000 / dt, dc, batches * 1000 / dc);
    }
    patron_close(db);
    if ((rc = patron_open(&db, path, NULL)))
        die(rc, "reopen");

    /* the same with random 36-character keys (UUIDv4-like): each key lands
     * on its own page of the key index instead of next to the previous one */
    t0 = bench_now();
    c0 = cpu_now();
    uint64_t seed = 0x9E3779B97F4A7C15u;
    const int rb = batches < 50 ? batches : 50;
    for (int b = 0; b < rb; b++) {
        if ((rc = patron_batch_begin(db)))
            die(rc, "batch");
        for (int i = 0; i < 1000; i++, k++) {
            uint64_t x = seed += 0x9E3779B97F4A7C15u, y = x * 0xD1B54A32D192ED03u;
            char key[40];
            snprintf(key, sizeof key, "%08x-%04x-4%03x-a%03x-%012llx", (unsigned)(y >> 32), (unsigned)(y >> 16) & 0xffff,
                     (unsigned)y & 0xfff, (unsigned)(x >> 52), (unsigned long long)(x & 0xffffffffffffULL));
            patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
            r.key = key;
            r.member_id = 1 + (k * 7919) % nm;
            r.points = 10 + k % 90;
            r.at = 1700000000 + k;
            if ((rc = patron_ledger_earn(db, NULL, &r)))
                die(rc, "earn (random key)");
        }
        if ((rc = patron_batch_commit(db)))
            die(rc, "commit");
    }
    dt = bench_now() - t0;
    dc = cpu_now() - c0;
    printf("batched earn, random UUID-like keys (synchronous=FULL): %d postings in %.3f s = %.0f postings/s"
           " (CPU %.3f s)\n", rb * 1000, dt, rb * 1000 / dt, dc);

    /* mixed batches: 80% earn, 20% redeem. The first round is each member's
     * first redemption (it indexes every lot the member earned so far); the
     * second is the steady state. */
    int64_t kk = 0;
    for (int round = 0; round < 2; round++) {
        t0 = bench_now();
        for (int b = 0; b < 50; b++) {
            patron_batch_begin(db);
            for (int i = 0; i < 1000; i++, kk++) {
                char key[32];
                snprintf(key, sizeof key, "m%" PRId64, kk);
                patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
                r.key = key;
                r.member_id = 1 + (kk * 104729) % nm;
                r.points = kk % 5 == 0 ? 5 : 20;
                r.at = 1800000000 + kk;
                rc = kk % 5 == 0 ? patron_ledger_redeem(db, NULL, &r) : patron_ledger_earn(db, NULL, &r);
                if (rc && rc != PATRON_EBALANCE)
                    die(rc, "mixed");
            }
            if ((rc = patron_batch_commit(db)))
                die(rc, "commit");
        }
        dt = bench_now() - t0;
        printf("batched mixed (80%% earn / 20%% redeem FIFO), %s: %d postings in %.3f s = %.0f postings/s\n",
               round ? "steady state" : "first redemption of each member", 50 * 1000, dt, 50 * 1000 / dt);
    }

    /* 2. single durable postings */
    const int singles = 2000;
    double *lat = malloc(sizeof(double) * singles);
    for (int i = 0; i < singles; i++) {
        char key[32];
        snprintf(key, sizeof key, "s%d", i);
        patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
        r.key = key;
        r.member_id = 1 + (i * 31) % nm;
        r.points = 10;
        r.at = 1900000000 + i;
        double a = bench_now();
        if ((rc = patron_ledger_earn(db, NULL, &r)))
            die(rc, "single earn");
        lat[i] = bench_now() - a;
    }
    qsort(lat, singles, sizeof *lat, cmp_d);
    printf("single durable posting (synchronous=FULL): median %.1f us, p99 %.1f us (%d postings)\n",
           lat[singles / 2] * 1e6, lat[singles * 99 / 100] * 1e6, singles);
    patron_close(db);
    patron_db_options o = PATRON_DB_OPTIONS_INIT;
    o.synchronous = PATRON_SYNC_NORMAL;
    if ((rc = patron_open(&db, path, &o)))
        die(rc, "open normal");
    for (int i = 0; i < singles; i++) {
        char key[32];
        snprintf(key, sizeof key, "n%d", i);
        patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
        r.key = key;
        r.member_id = 1 + (i * 31) % nm;
        r.points = 10;
        r.at = 1900000000 + i;
        double a = bench_now();
        if ((rc = patron_ledger_earn(db, NULL, &r)))
            die(rc, "single earn");
        lat[i] = bench_now() - a;
    }
    qsort(lat, singles, sizeof *lat, cmp_d);
    printf("single posting (synchronous=NORMAL, survives process crash): median %.1f us, p99 %.1f us\n",
           lat[singles / 2] * 1e6, lat[singles * 99 / 100] * 1e6);

    /* 3. balance lookups */
    const int lookups = 200000;
    int64_t sink = 0;
    t0 = bench_now();
    c0 = cpu_now();
    for (int i = 0; i < lookups; i++) {
        patron_balance b;
        if ((rc = patron_ledger_balance(db, &b, 1 + (i * 7919) % nm, 2000000000)))
            die(rc, "balance");
        sink += b.available;
    }
    dt = bench_now() - t0;
    printf("balance lookup: %.2f us per lookup (CPU %.2f us; %d lookups, checksum %" PRId64 ")\n",
           dt / lookups * 1e6, (cpu_now() - c0) / lookups * 1e6, lookups, sink);
    patron_ledger_report rep;
    t0 = bench_now();
    if ((rc = patron_ledger_check(db, &rep)))
        die(rc, "check");
    printf("reconciliation of %" PRId64 " postings, %" PRId64 " lots: %.2f s, 0 problems\n", rep.postings, rep.lots,
           bench_now() - t0);
    patron_close(db);
    rm_db(path);
    free(lat);

    /* 4. store size for 1M members (phone + e-mail identifiers, consent, one earn each) */
    if ((rc = patron_open(&db, path, NULL)))
        die(rc, "open");
    t0 = bench_now();
    add_members(db, nmembers);
    double tm = bench_now() - t0;
    t0 = bench_now();
    for (int64_t i = 0; i < nmembers; i++) {
        if (i % 10000 == 0)
            patron_batch_begin(db);
        char key[32];
        snprintf(key, sizeof key, "w%" PRId64, i);
        patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
        r.key = key;
        r.member_id = 1 + i;
        r.points = 100;
        r.at = 1700000000;
        if ((rc = patron_ledger_earn(db, NULL, &r)))
            die(rc, "welcome earn");
        if (i % 10000 == 9999 || i == nmembers - 1)
            patron_batch_commit(db);
    }
    double te = bench_now() - t0;
    patron_close(db); /* checkpoints the WAL into the main file */
    struct stat st;
    stat(path, &st);
    printf("%" PRId64 " members (profile, phone + e-mail, 2 consents) enrolled in %.1f s; one earn each in %.1f s;"
           " store size %.1f MB (%.0f bytes/member)\n",
           nmembers, tm, te, st.st_size / 1e6, (double)st.st_size / (double)nmembers);
    rm_db(path);
    return 0;
}
