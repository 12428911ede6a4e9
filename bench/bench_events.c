/* The events outbox's cost: CPU per posting with the outbox off and on
 * (batched earns and single durable earns), and how fast a consumer reads
 * and acknowledges (fetch + ack of 1,000 events per call, the first pass
 * also giving the events their positions), and a plain re-read.
 * Usage: bench_events DIR|postgresql:CONNINFO [POSTINGS]. CPU time is this
 * process's user+sys (the PostgreSQL server's own work is not in it). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench_util.h"
#include "patron.h"

#define T0 INT64_C(1767225600)
#define MEMBERS 1000

static char uri[1200];

static double cpu_now(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec * 1e-6 + (double)u.ru_stime.tv_sec +
           (double)u.ru_stime.tv_usec * 1e-6;
}

static void die(int rc, const char *what)
{
    fprintf(stderr, "bench_events: %s: %s (%d)\n", what, patron_errmsg(), rc);
    exit(1);
}

static void earns(patron_db *db, const char *tag, int64_t n, int batch)
{
    char key[64];
    int rc = PATRON_OK;
    for (int64_t i = 0; i < n && rc == PATRON_OK; i++) {
        if (batch && i % 1000 == 0 && (rc = patron_batch_begin(db)))
            break;
        snprintf(key, sizeof key, "%s-%" PRId64, tag, i);
        patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
        r.key = key;
        r.member_id = 1 + i % MEMBERS;
        r.points = 10;
        r.at = T0 + i;
        rc = patron_ledger_earn(db, NULL, &r);
        if (rc == PATRON_OK && batch && (i % 1000 == 999 || i == n - 1))
            rc = patron_batch_commit(db);
    }
    if (rc)
        die(rc, tag);
}

/* CPU and wall seconds of `n` earns. */
static void timed(patron_db *db, const char *tag, int64_t n, int batch, double *cpu, double *wall)
{
    double c = cpu_now(), t = bench_now();
    earns(db, tag, n, batch);
    *cpu = cpu_now() - c;
    *wall = bench_now() - t;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_events DIR|postgresql:CONNINFO [POSTINGS]\n");
        return 2;
    }
    int64_t n = argc > 2 ? atoll(argv[2]) : 100000;
    int pg = !strncmp(argv[1], "postgresql:", 11);
    if (pg)
        snprintf(uri, sizeof uri, "%s", argv[1]); /* a fresh database or search_path is the caller's */
    else
        snprintf(uri, sizeof uri, "%s/bench_events_%ld.db", argv[1], (long)getpid());
    patron_db *db;
    patron_db_options o = PATRON_DB_OPTIONS_INIT;
    o.synchronous = PATRON_SYNC_NORMAL;
    int rc = patron_open(&db, uri, &o);
    if (rc)
        die(rc, "open");
    if ((rc = patron_batch_begin(db)))
        die(rc, "batch");
    for (int m = 0; m < MEMBERS; m++) {
        patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
        char phone[32];
        snprintf(phone, sizeof phone, "+97250%07d", m);
        f.name = "B";
        f.phone = phone;
        f.consent = "none";
        int64_t id;
        if ((rc = patron_profile_add(db, &id, &f, T0 - 86400)))
            die(rc, "members");
    }
    if ((rc = patron_batch_commit(db)))
        die(rc, "members");
    printf("bench_events: %s, %" PRId64 " batched earns per phase (1,000 per batch), 2,000 single earns, %d members; "
           "phases off/on alternate twice, the lower CPU of each kept\n",
           pg ? "postgresql" : "sqlite (synchronous=NORMAL)", n, MEMBERS);
    /* off and on alternate (twice each, the lower CPU kept) so that the
     * store's growth does not favour the first */
    double c_off = 1e30, w_off = 0, c_on = 1e30, w_on = 0, sc_off = 1e30, sw_off = 0, sc_on = 1e30, sw_on = 0;
    earns(db, "warm", n / 10, 1);
    enum { SINGLE = 2000 };
    for (int round = 0; round < 2; round++) {
        for (int on = 0; on < 2; on++) {
            char tag[32];
            double c, w;
            if ((rc = patron_events_enable(db, on)))
                die(rc, "enable");
            snprintf(tag, sizeof tag, "b%d%d", round, on);
            timed(db, tag, n, 1, &c, &w);
            if (on && c < c_on)
                c_on = c, w_on = w;
            if (!on && c < c_off)
                c_off = c, w_off = w;
            snprintf(tag, sizeof tag, "s%d%d", round, on);
            timed(db, tag, SINGLE, 0, &c, &w);
            if (on && c < sc_on)
                sc_on = c, sw_on = w;
            if (!on && c < sc_off)
                sc_off = c, sw_off = w;
        }
    }
    printf("batched earn, outbox off: %.2f us CPU/posting (wall %.2f us)\n", c_off / (double)n * 1e6,
           w_off / (double)n * 1e6);
    printf("batched earn, outbox on:  %.2f us CPU/posting (wall %.2f us); cost of the event %.2f us CPU "
           "(%.0f%%)\n", c_on / (double)n * 1e6, w_on / (double)n * 1e6, (c_on - c_off) / (double)n * 1e6,
           100.0 * (c_on - c_off) / c_off);
    printf("single earn, outbox off:  %.1f us CPU/posting (wall %.1f us)\n", sc_off / SINGLE * 1e6,
           sw_off / SINGLE * 1e6);
    printf("single earn, outbox on:   %.1f us CPU/posting (wall %.1f us); cost of the event %.1f us CPU\n",
           sc_on / SINGLE * 1e6, sw_on / SINGLE * 1e6, (sc_on - sc_off) / SINGLE * 1e6);
    /* a consumer: fetch 1,000, acknowledge, until nothing is left */
    double c = cpu_now(), t = bench_now();
    int64_t got = 0;
    for (;;) {
        patron_event_list *l = NULL;
        if ((rc = patron_events_fetch(db, &l, "bench", 1000)))
            die(rc, "fetch");
        size_t k = patron_event_list_count(l);
        if (k && (rc = patron_events_ack(db, "bench", patron_event_list_last(l))))
            die(rc, "ack");
        patron_event_list_free(l);
        if (!k)
            break;
        got += (int64_t)k;
    }
    double cc = cpu_now() - c, ww = bench_now() - t;
    printf("consumer, first pass (sequencing, fetch 1,000 + ack): %" PRId64 " events, %.0f events/s wall, "
           "%.0f events per CPU s\n", got, (double)got / ww, (double)got / cc);
    c = cpu_now();
    t = bench_now();
    int64_t after = 0, again = 0;
    for (;;) {
        patron_event_list *l = NULL;
        if ((rc = patron_events_read(db, &l, after, 1000)))
            die(rc, "read");
        size_t k = patron_event_list_count(l);
        after = patron_event_list_last(l);
        patron_event_list_free(l);
        if (!k)
            break;
        again += (int64_t)k;
    }
    cc = cpu_now() - c;
    ww = bench_now() - t;
    printf("re-read (read 1,000 per call): %" PRId64 " events, %.0f events/s wall, %.0f events per CPU s\n", again,
           (double)again / ww, (double)again / cc);
    patron_close(db);
    if (!pg) {
        char side[1300];
        remove(uri);
        snprintf(side, sizeof side, "%s-wal", uri);
        remove(side);
        snprintf(side, sizeof side, "%s-shm", uri);
        remove(side);
        snprintf(side, sizeof side, "%s-writer", uri);
        remove(side);
    }
    return 0;
}
