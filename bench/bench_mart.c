/* The store as the data mart: what recording purchases with lines, reading
 * the store back as a customer frame and one customer card cost.
 *
 * Usage: bench_mart [MEMBERS] [PATH] [--read]
 *   MEMBERS  members to enrol (default 100000); each buys 1..6 times over a
 *            year at exact times (seconds), 1..4 lines per purchase; the
 *            purchases are recorded in time order across members, as a shop
 *            records them (not member by member, which would leave them
 *            stored in member order)
 *   PATH     SQLite file (default /tmp/bench_mart.db, replaced), or a PostgreSQL
 *            URI (postgresql://... or postgresql:host=...) naming an empty database
 *   --read   PATH is a store an earlier run with the same MEMBERS filled:
 *            phases 3-5 only (for taking the read figures again)
 *
 * Phases (wall and CPU seconds; the unit of each figure is named):
 *  1. enrol the members (batches of 1,000): members/s
 *  2. record the purchases with their lines (patron_earn_purchase, batches of
 *     1,000): purchases/s and lines/s
 *  3. patron_txlog_from_db + patron_summarize (the frame's summary part)
 *  4. patron_frame_from_db (summary, activity, member columns, scores)
 *  5. patron_member_card of 1,000 random members: median and p99 latency */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "patron.h"

#define T0 INT64_C(1735689600) /* 2025-01-01 */
#define YEAR INT64_C(31536000)

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void check(int rc, const char *what)
{
    if (rc) {
        fprintf(stderr, "bench_mart: %s: %s: %s\n", what, patron_strerror(rc), patron_errmsg());
        exit(1);
    }
}

static uint64_t rng = 88172645463325252u;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void phase(const char *name, double w0, double c0, double count, const char *unit)
{
    double w = bench_now() - w0, c = cpu_now() - c0;
    printf("%-34s wall %8.3f s  cpu %8.3f s", name, w, c);
    if (count > 0)
        printf("  %12.0f %s per wall second", count / w, unit);
    printf("\n");
}

/* One purchase to record: whose, when, and the seed of its lines. */
typedef struct order {
    int64_t at;
    uint32_t member, seed;
} order;

static int cmp_order(const void *a, const void *b)
{
    const order *x = a, *y = b;
    return x->at < y->at ? -1 : x->at > y->at;
}

/* Phases 1 and 2: enrol the members, then record their purchases in time
 * order (lines drawn from each purchase's own seed). */
static void fill(patron_db *db, int64_t *ids, long members)
{
    double w0 = bench_now(), c0 = cpu_now();
    for (long i = 0; i < members; i++) {
        if (i % 1000 == 0)
            check(patron_batch_begin(db), "batch");
        char email[48];
        snprintf(email, sizeof email, "m%ld@example.com", i);
        patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
        f.name = "Member";
        f.email = email;
        f.consent = "email";
        check(patron_profile_add(db, &ids[i], &f, T0), "profile_add");
        if (i % 1000 == 999 || i == members - 1)
            check(patron_batch_commit(db), "commit");
    }
    phase("1. enrol", w0, c0, (double)members, "members");

    size_t cap = (size_t)members * 6, n = 0;
    order *o = malloc(cap * sizeof *o);
    if (!o)
        exit(1);
    for (long i = 0; i < members; i++)
        for (int k = 0, buys = 1 + (int)(next() % 6); k < buys; k++)
            o[n++] = (order){T0 + (int64_t)(next() % (uint64_t)YEAR), (uint32_t)i, (uint32_t)next()};
    qsort(o, n, sizeof *o, cmp_order);
    static const char *const cats[] = {"shoes", "socks", "hats", "bags", "coats", "belts"};
    long lines = 0;
    w0 = bench_now();
    c0 = cpu_now();
    check(patron_batch_begin(db), "batch");
    for (size_t i = 0; i < n; i++) {
        uint64_t saved = rng;
        rng = 0x9E3779B97F4A7C15u ^ o[i].seed; /* this purchase's lines */
        patron_purchase_line l[4];
        int64_t q[4];
        int nl = 1 + (int)(next() % 4);
        for (int j = 0; j < nl; j++) {
            l[j].category = cats[next() % 6];
            l[j].product = NULL;
            l[j].amount = 100 + (int64_t)(next() % 20000);
            q[j] = 1 + (int64_t)(next() % 3);
        }
        const char *channel = next() % 2 ? "pos" : "web";
        rng = saved;
        char key[48];
        snprintf(key, sizeof key, "o-%zu", i);
        patron_purchase p = PATRON_PURCHASE_INIT;
        p.key = key;
        p.member_id = ids[o[i].member];
        p.at = o[i].at; /* exact seconds */
        p.lines = l;
        p.n_lines = (size_t)nl;
        p.quantities = q;
        p.channel = channel;
        patron_earn_result r;
        check(patron_earn_purchase(db, &r, &p), "earn_purchase");
        lines += nl;
        if ((i + 1) % 1000 == 0) {
            check(patron_batch_commit(db), "commit");
            check(patron_batch_begin(db), "batch");
        }
    }
    check(patron_batch_commit(db), "commit");
    phase("2. purchases with lines", w0, c0, (double)n, "purchases");
    printf("   %zu purchases, %ld lines\n", n, lines);
    free(o);
}

int main(int argc, char **argv)
{
    long members = argc > 1 ? atol(argv[1]) : 100000;
    const char *path = argc > 2 ? argv[2] : "/tmp/bench_mart.db";
    char la[128] = "";
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf) {
        if (!fgets(la, sizeof la, lf))
            la[0] = '\0';
        fclose(lf);
    }
    /* a PostgreSQL URI (an empty database or schema) instead of a file */
    int pg = strncmp(path, "postgres", 8) == 0;
    printf("bench_mart: %ld members, %s %s, load average %s", members, pg ? "PostgreSQL" : "SQLite", path, la);
    int reread = argc > 3 && !strcmp(argv[3], "--read");
    if (!pg && !reread) {
        unlink(path);
        char wal[1100];
        snprintf(wal, sizeof wal, "%s-wal", path);
        unlink(wal);
    }
    patron_db *db;
    check(patron_open(&db, path, NULL), "open");
    int64_t *ids = malloc((size_t)members * sizeof *ids);
    if (!ids)
        return 1;
    if (reread)
        for (long i = 0; i < members; i++)
            ids[i] = i + 1; /* a fresh store numbers its members from 1 */
    else
        fill(db, ids, members);

    int64_t as_of = T0 + YEAR;
    double w0 = bench_now(), c0 = cpu_now();
    patron_store_log_options lo = PATRON_STORE_LOG_OPTIONS_INIT;
    lo.as_of = as_of;
    patron_txlog *log;
    check(patron_txlog_from_db(db, &log, &lo), "txlog_from_db");
    patron_summary_options so = PATRON_SUMMARY_OPTIONS_INIT;
    so.observation_end = as_of;
    patron_frame *f;
    check(patron_summarize(&f, log, &so), "summarize");
    phase("3. log + summary from the store", w0, c0, (double)members, "members");
    patron_frame_free(f);
    patron_txlog_free(log);

    w0 = bench_now();
    c0 = cpu_now();
    patron_store_frame_options fo = PATRON_STORE_FRAME_OPTIONS_INIT;
    fo.as_of = as_of;
    check(patron_frame_from_db(db, &f, &fo), "frame_from_db");
    phase("4. patron_frame_from_db", w0, c0, (double)members, "members");
    printf("   %zu rows, %zu columns\n", patron_frame_rows(f), patron_frame_cols(f));
    patron_frame_free(f);

    enum { CARDS = 1000 };
    static double lat[CARDS];
    w0 = bench_now();
    c0 = cpu_now();
    patron_card_options co = PATRON_CARD_OPTIONS_INIT;
    co.as_of = as_of;
    for (int i = 0; i < CARDS; i++) {
        char *json;
        double t = bench_now();
        check(patron_member_card(db, &json, ids[next() % (uint64_t)members], &co), "card");
        lat[i] = bench_now() - t;
        patron_free(json);
    }
    phase("5. 1,000 customer cards", w0, c0, CARDS, "cards");
    qsort(lat, CARDS, sizeof *lat, cmp_d);
    printf("   card latency: median %.3f ms, p99 %.3f ms\n", lat[CARDS / 2] * 1e3, lat[CARDS * 99 / 100] * 1e3);
    patron_close(db);
    free(ids);
    return 0;
}
