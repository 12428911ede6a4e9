/* Benchmark of the summary module on a synthetic log of 10 million
 * transactions over 1 million customers (deterministic generator):
 *   1. CSV load throughput (MB/s) of a file written to /tmp;
 *   2. summarisation throughput (transactions/s) from in-memory arrays,
 *      both for patron_summarize() alone and add_batch + summarize;
 *   3. peak memory of the summarisation relative to the in-memory log.
 * Usage: bench_summary [transactions] [customers]   (defaults 10000000 1000000) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stddef.h>
#include <time.h>

#include "bench_util.h"
#include "patron.h"

/* CPU seconds of this process: on a shared machine the wall clock also
 * counts the time other processes held the cores. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A counting allocator: what libpatron itself holds, now and at peak. */
static size_t lib_now, lib_peak;
typedef union {
    size_t n;
    max_align_t align;
} hdr;
static void *c_malloc(void *ud, size_t n)
{
    (void)ud;
    hdr *h = malloc(sizeof *h + n);
    if (!h)
        return NULL;
    h->n = n;
    lib_now += n;
    if (lib_now > lib_peak)
        lib_peak = lib_now;
    return h + 1;
}
static void c_free(void *ud, void *p)
{
    (void)ud;
    if (!p)
        return;
    hdr *h = (hdr *)p - 1;
    lib_now -= h->n;
    free(h);
}
static void *c_realloc(void *ud, void *p, size_t n)
{
    if (!p)
        return c_malloc(ud, n);
    hdr *h = (hdr *)p - 1;
    size_t old = h->n;
    hdr *nh = realloc(h, sizeof *nh + n);
    if (!nh)
        return NULL;
    nh->n = n;
    lib_now = lib_now - old + n;
    if (lib_now > lib_peak)
        lib_peak = lib_now;
    return nh + 1;
}

static void print_load(const char *when)
{
    FILE *f = fopen("/proc/loadavg", "r");
    char buf[64] = "?";
    if (f) {
        if (!fgets(buf, sizeof buf, f))
            buf[0] = '\0';
        fclose(f);
    }
    buf[strcspn(buf, "\n")] = '\0';
    printf("load average %s: %s\n", when, buf);
}

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double mb(size_t b)
{
    return (double)b / (1024.0 * 1024.0);
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_summary: %s: %s: %s\n", what, patron_strerror(rc), patron_errmsg());
    exit(1);
}

int main(int argc, char **argv)
{
    patron_allocator al = PATRON_ALLOCATOR_INIT;
    al.malloc_fn = c_malloc;
    al.realloc_fn = c_realloc;
    al.free_fn = c_free;
    patron_set_allocator(&al);
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 10000000;
    size_t nc = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 1000000;
    const int64_t t0 = 1672531200; /* 2023-01-01 */
    const int64_t span = 2 * 365 * 86400;

    /* A log in time order (customers interleaved, the realistic hard case). */
    int64_t *cust = malloc(n * sizeof *cust), *tim = malloc(n * sizeof *tim),
            *amt = malloc(n * sizeof *amt);
    if (!cust || !tim || !amt)
        return 1;
    for (size_t i = 0; i < n; i++) {
        cust[i] = (int64_t)(next() % nc) + 1;
        tim[i] = t0 + (int64_t)((double)i / (double)n * (double)span);
        amt[i] = (int64_t)(next() % 20000) + 100;
    }
    printf("synthetic log: %zu transactions, %zu customers, in time order\n", n, nc);

    /* 1. CSV load (string ids, ISO dates, decimal amounts). */
    const char *path = "/tmp/patron_bench_summary.csv";
    FILE *fp = fopen(path, "w");
    if (!fp)
        return 1;
    fputs("customer_id,date,amount\n", fp);
    char date[32];
    for (size_t i = 0; i < n; i++) {
        patron_time_format(date, sizeof date, tim[i] - tim[i] % 86400);
        fprintf(fp, "C%07" PRId64 ",%s,%" PRId64 ".%02" PRId64 "\n", cust[i], date, amt[i] / 100,
                amt[i] % 100);
    }
    long bytes = ftell(fp);
    fclose(fp);
    free(cust);
    free(tim);
    free(amt);

    patron_txlog *clog = NULL;
    int rc = patron_txlog_new(&clog, NULL);
    if (rc)
        die("txlog_new", rc);
    print_load("before");
    lib_peak = lib_now;
    double a = bench_now(), ca = cpu_now();
    rc = patron_txlog_load_csv(clog, path, NULL, NULL);
    double b = bench_now(), cb = cpu_now();
    if (rc)
        die("load_csv", rc);
    printf("csv load: %.1f MB, %zu rows: wall %.3f s = %.1f MB/s; cpu %.3f s = %.1f MB/s;"
           " log %.1f MB, libpatron peak %.1f MB while loading\n",
           mb((size_t)bytes), n, b - a, mb((size_t)bytes) / (b - a), cb - ca,
           mb((size_t)bytes) / (cb - ca), mb(lib_now), mb(lib_peak));
    patron_frame *cf = NULL;
    a = bench_now();
    ca = cpu_now();
    rc = patron_summarize(&cf, clog, NULL);
    b = bench_now();
    cb = cpu_now();
    if (rc)
        die("summarize (string ids)", rc);
    printf("summarize the loaded log (string ids, rows by id): wall %.3f s = %.1f M tx/s;"
           " cpu %.3f s = %.1f M tx/s; %zu customers\n",
           b - a, (double)n / (b - a) / 1e6, cb - ca, (double)n / (cb - ca) / 1e6,
           patron_frame_rows(cf));
    patron_frame_free(cf);
    patron_txlog_free(clog);
    remove(path);

    /* 2. From in-memory arrays (integer ids): first the log in time order
     * (streaming path), then the same customers with times in random order
     * (regrouping path). */
    for (int shuffled = 0; shuffled < 2; shuffled++) {
        rng = 0x9E3779B97F4A7C15u;
        cust = malloc(n * sizeof *cust);
        tim = malloc(n * sizeof *tim);
        amt = malloc(n * sizeof *amt);
        if (!cust || !tim || !amt)
            return 1;
        for (size_t i = 0; i < n; i++) {
            cust[i] = (int64_t)(next() % nc) + 1;
            tim[i] = t0 + (shuffled ? (int64_t)(next() % (uint64_t)span)
                                    : (int64_t)((double)i / (double)n * (double)span));
            amt[i] = (int64_t)(next() % 20000) + 100;
        }
        printf("%s\n", shuffled ? "-- rows in random time order (regrouping path)"
                                : "-- rows in time order (streaming path)");
        patron_txlog *log = NULL;
        if ((rc = patron_txlog_new(&log, NULL)) != 0)
            die("txlog_new", rc);
        a = bench_now();
        ca = cpu_now();
        rc = patron_txlog_add_batch(log, cust, tim, amt, n);
        b = bench_now();
        cb = cpu_now();
        if (rc)
            die("add_batch", rc);
        double t_add = cb - ca;
        printf("add_batch (arrays -> log): wall %.3f s; cpu %.3f s = %.1f M tx/s\n", b - a, t_add,
               (double)n / t_add / 1e6);
        free(cust);
        free(tim);
        free(amt);
        printf("in-memory log: %.1f MB (%.1f bytes/transaction; the caller's three int64"
               " arrays took %.1f MB)\n",
               mb(lib_now), (double)lib_now / (double)n, mb(n * 24));

        struct {
            const char *name;
            int order;
            int holdout;
        } runs[] = {{"rows by id", PATRON_ORDER_ID, 0},
                    {"rows in first-seen order", PATRON_ORDER_FIRST_SEEN, 0},
                    {"calibration/holdout split", PATRON_ORDER_ID, 1}};
        for (size_t k = 0; k < sizeof runs / sizeof *runs; k++) {
            patron_summary_options o = PATRON_SUMMARY_OPTIONS_INIT;
            o.order = runs[k].order;
            if (runs[k].holdout)
                o.calibration_end = t0 + span / 2;
            double best = 1e9, bestw = 1e9;
            size_t rows = 0, held = lib_now;
            lib_peak = lib_now;
            for (int rep = 0; rep < 3; rep++) {
                patron_frame *f = NULL;
                a = bench_now();
                ca = cpu_now();
                rc = patron_summarize(&f, log, &o);
                b = bench_now();
                cb = cpu_now();
                if (rc)
                    die("summarize", rc);
                if (cb - ca < best)
                    best = cb - ca;
                if (b - a < bestw)
                    bestw = b - a;
                rows = patron_frame_rows(f);
                patron_frame_free(f);
            }
            printf("summarize, %s, best of 3: wall %.3f s = %.1f M tx/s; cpu %.3f s = %.1f M"
                   " tx/s; %zu customers; with add_batch (cpu) %.1f M tx/s\n",
                   runs[k].name, bestw, (double)n / bestw / 1e6, best, (double)n / best / 1e6,
                   rows, (double)n / (best + t_add) / 1e6);
            printf("  peak memory: libpatron held %.1f MB at peak (log %.1f MB + summary %.1f MB,"
                   " frame included) = %.2fx the log\n",
                   mb(lib_peak), mb(held), mb(lib_peak - held), (double)lib_peak / (double)held);
        }
        patron_txlog_free(log);
    }
    print_load("after");
    return 0;
}
