/* Fault injection along representative call paths (issue 8).
 *
 * Allocation failures: every allocation along the path fails in turn (the
 * counting allocator of tests/support/failalloc.h). Each failure must give
 * PATRON_ENOMEM, leak no block, and leave the caller's objects exactly as
 * they were and usable: the log keeps its rows, the frame its columns, the
 * store reconciles and accepts the next posting.
 *
 * I/O failures: an SQLite VFS shim registered under the test-only name
 * "pt_faultvfs" wraps the default VFS and fails the n-th write or sync. A
 * store opened on it (URI parameter `vfs=`) must turn each failure into an
 * error, apply a posting batch completely or not at all, and reconcile
 * after reopening with the ordinary VFS. */
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

#include "failalloc.h"
#include "patron.h"
#include "store_support.h"
#include "support.h"

/* The store walks open a store per failure point; under valgrind (tools/
 * run-tests' memcheck pass) they would take minutes and they run under
 * ASan/LSan anyway, so they are skipped there. */
static int slow_under_valgrind(void)
{
    const char *v = getenv("PATRON_UNDER_VALGRIND");
    return v && *v && strcmp(v, "0") != 0;
}

#define SKIP_UNDER_VALGRIND()                                          \
    do {                                                               \
        if (slow_under_valgrind()) {                                   \
            print_message("skipped under valgrind (runs under ASan)\n"); \
            skip();                                                    \
        }                                                              \
    } while (0)

/* ------------------------------------------------------------------ */
/* CSV import                                                          */
/* ------------------------------------------------------------------ */

static const char base_csv[] = "customer_id,date,amount,category\n"
                               "alice,2024-01-01,10.00,food\n"
                               "bob,2024-01-02T10:30:00+02:00,5,\n"
                               "alice,2024-02-01,2.50,toys\n";

/* A second file big enough to grow every array and the id table. */
static char *make_more_csv(size_t *len)
{
    size_t cap = 64 * 1024, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    n += (size_t)snprintf(s + n, cap - n, "customer_id,date,amount,category\n");
    for (int i = 0; i < 600; i++)
        n += (size_t)snprintf(s + n, cap - n, "cust%03d,2024-%02d-%02d,%d.%02d,%s\n", i % 250,
                              1 + i % 12, 1 + i % 28, i, i % 100, (i & 1) ? "food" : "");
    *len = n;
    return s;
}

static patron_csv_options csv_opts(void)
{
    patron_csv_options o = PATRON_CSV_OPTIONS_INIT;
    o.category_col = "category";
    return o;
}

static void test_csv_import_walk(void **state)
{
    (void)state;
    size_t more_len;
    char *more = make_more_csv(&more_len);
    patron_csv_options o = csv_opts();
    size_t points = 0;
    for (size_t n = 1;; n++) {
        pt_failalloc_install(0, 0);
        patron_txlog *log = NULL;
        assert_int_equal(patron_txlog_new(&log, NULL), PATRON_OK);
        assert_int_equal(patron_txlog_load_csv_buffer(log, base_csv, sizeof base_csv - 1, &o, NULL),
                         PATRON_OK);
        assert_int_equal(patron_txlog_count(log), 3);
        pt_failalloc_arm(n, 1);
        patron_csv_report rep = PATRON_CSV_REPORT_INIT;
        rep.rows_read = 99;
        int rc = patron_txlog_load_csv_buffer(log, more, more_len, &o, &rep);
        int fired = pt_failalloc_fired();
        pt_failalloc_arm(0, 0);
        if (!fired) {
            assert_int_equal(rc, PATRON_OK);
            assert_int_equal(patron_txlog_count(log), 603);
        } else {
            points++;
            assert_int_equal(rc, PATRON_ENOMEM);
            assert_int_equal(rep.rows_read, 99); /* report untouched */
            assert_int_equal(patron_txlog_count(log), 3);
            assert_int_equal(patron_txlog_customers(log), 2);
            /* usable: the summary is the one of the three rows */
            patron_frame *f = NULL;
            assert_int_equal(patron_summarize(&f, log, NULL), PATRON_OK);
            assert_int_equal(patron_frame_rows(f), 2);
            const int64_t *orders = patron_frame_int64_by_name(f, "orders");
            assert_non_null(orders);
            assert_int_equal(orders[0] + orders[1], 3);
            patron_frame_free(f);
            assert_int_equal(patron_txlog_add(log, "carol", 1704412800, 725, NULL, NULL), PATRON_OK);
            assert_int_equal(patron_txlog_count(log), 4);
        }
        patron_txlog_free(log);
        long live = pt_failalloc_live();
        pt_failalloc_remove();
        if (live != 0)
            fail_msg("allocation %zu failing: %ld block(s) leaked", n, live);
        if (!fired)
            break;
    }
    free(more);
    assert_true(points >= 3);
}

/* Self-contained variant: create, load from nothing, free. */
static int op_csv_fresh(void *ctx)
{
    const char *text = ctx;
    patron_csv_options o = csv_opts();
    patron_txlog *log = NULL;
    int rc = patron_txlog_new(&log, NULL);
    if (rc == PATRON_OK)
        rc = patron_txlog_load_csv_buffer(log, text, strlen(text), &o, NULL);
    patron_txlog_free(log);
    return rc;
}

static void test_csv_fresh_walk(void **state)
{
    (void)state;
    size_t len;
    char *more = make_more_csv(&len);
    assert_true(pt_failalloc_walk(op_csv_fresh, NULL, more) >= 3);
    free(more);
}

/* ------------------------------------------------------------------ */
/* Summaries                                                           */
/* ------------------------------------------------------------------ */

typedef struct {
    patron_txlog *log;
    patron_summary_options opts;
    size_t rows;
} sum_ctx;

static int op_summarize(void *p)
{
    sum_ctx *c = p;
    patron_frame *f = NULL;
    int rc = patron_summarize(&f, c->log, &c->opts);
    if (rc == PATRON_OK) {
        assert_int_equal(patron_frame_rows(f), c->rows);
        patron_frame_free(f);
    } else {
        assert_null(f);
    }
    return rc;
}

static void test_summarize_walk(void **state)
{
    (void)state;
    size_t len;
    char *more = make_more_csv(&len);
    patron_csv_options o = csv_opts();
    sum_ctx c;
    assert_int_equal(patron_txlog_new(&c.log, NULL), PATRON_OK);
    /* Unsorted per customer: takes the regrouping path. */
    assert_int_equal(patron_txlog_load_csv_buffer(c.log, more, len, &o, NULL), PATRON_OK);
    free(more);
    patron_summary_options plain = PATRON_SUMMARY_OPTIONS_INIT;
    c.opts = plain;
    c.rows = 250;
    assert_true(pt_failalloc_walk(op_summarize, NULL, &c) >= 2);
    c.opts.order = PATRON_ORDER_FIRST_SEEN;
    c.opts.period = PATRON_PERIOD_WEEK;
    pt_failalloc_walk(op_summarize, NULL, &c);
    c.opts = plain;
    c.opts.calibration_end = 1719792000; /* 2024-07-01 */
    patron_frame *f = NULL;
    assert_int_equal(patron_summarize(&f, c.log, &c.opts), PATRON_OK);
    c.rows = patron_frame_rows(f);
    patron_frame_free(f);
    assert_true(pt_failalloc_walk(op_summarize, NULL, &c) >= 2);
    patron_txlog_free(c.log);
}

/* ------------------------------------------------------------------ */
/* CLV: BG/NBD fit and predictions into a frame                        */
/* ------------------------------------------------------------------ */

typedef struct {
    patron_frame *frame; /* the first customers of CDNOW (../shared) */
    patron_clv_data d;
    patron_clv_fit_result res;
} clv_ctx;

static int op_clv_fit(void *p)
{
    clv_ctx *c = p;
    patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT;
    int rc = patron_clv_fit(&r, PATRON_CLV_BGNBD, &c->d, NULL);
    if (rc == PATRON_OK)
        c->res = r;
    else
        assert_true(r.params.p[0] == 0 && r.log_likelihood == 0); /* untouched */
    return rc;
}

static void test_clv_fit_walk(void **state)
{
    (void)state;
    PT_REQUIRE_SHARED(path, "data/cdnow/cdnow_customers_summary.csv");
    size_t len;
    char *text = pt_read_file(path, &len);
    assert_non_null(text);
    /* header + 500 customers */
    size_t cut = 0;
    for (int lines = 0; cut < len && lines < 501; cut++)
        if (text[cut] == '\n')
            lines++;
    clv_ctx c;
    memset(&c, 0, sizeof c);
    assert_int_equal(patron_frame_read_csv_buffer(&c.frame, text, cut), PATRON_OK);
    assert_int_equal(patron_clv_data_from_frame(&c.d, c.frame, PATRON_CLV_BGNBD), PATRON_OK);
    assert_true(pt_failalloc_walk(op_clv_fit, NULL, &c) >= 1);
    assert_true(c.res.params.p[0] > 0);

    patron_frame_free(c.frame);
    free(text);
}

/* Regression: an allocation failure while adding the second prediction
 * column left the first one in the frame (so a retry failed with
 * PATRON_ECONFLICT). */
static void test_clv_predict_walk(void **state)
{
    (void)state;
    static const double x[6] = {0, 1, 2, 5, 3, 0}, tx[6] = {0, 10, 20, 30, 5, 0},
                        T[6] = {40, 40, 38, 35, 30, 12};
    patron_clv_params params = {PATRON_CLV_BGNBD, {0.243, 4.414, 0.793, 2.426}};
    /* Predictions into a frame the caller keeps: a failure adds no column. */
    for (size_t n = 1;; n++) {
        pt_failalloc_install(0, 0);
        patron_frame *f = NULL;
        assert_int_equal(patron_frame_from_arrays(&f, 6, NULL, x, tx, T, NULL), PATRON_OK);
        size_t cols = patron_frame_cols(f);
        pt_failalloc_arm(n, 1);
        int rc = patron_clv_predict_frame(f, &params, 10.0);
        int fired = pt_failalloc_fired();
        pt_failalloc_arm(0, 0);
        if (fired && rc != PATRON_OK) {
            assert_int_equal(rc, PATRON_ENOMEM);
            assert_int_equal(patron_frame_cols(f), cols);
            assert_int_equal(patron_clv_predict_frame(f, &params, 10.0), PATRON_OK);
        }
        assert_int_equal(patron_frame_cols(f), cols + 2);
        patron_frame_free(f);
        long live = pt_failalloc_live();
        pt_failalloc_remove();
        if (live != 0)
            fail_msg("allocation %zu failing: %ld block(s) leaked", n, live);
        if (!fired)
            break;
    }
}

/* ------------------------------------------------------------------ */
/* A/B tests that allocate                                             */
/* ------------------------------------------------------------------ */

static int op_abtest(void *p)
{
    (void)p;
    double a[30], b[30], t[60], pv[6] = {0.01, 0.04, 0.03, 0.2, 0.5, 0.001};
    int ev[60], arm[60];
    for (int i = 0; i < 30; i++) {
        a[i] = (i * 7) % 13;
        b[i] = (i * 5) % 11 + 1;
    }
    for (int i = 0; i < 60; i++) {
        t[i] = 1 + (i * 11) % 17;
        ev[i] = i % 3 != 0;
        arm[i] = i & 1;
    }
    patron_abtest_mw_result mw = PATRON_ABTEST_INIT(patron_abtest_mw_result);
    int rc = patron_abtest_mannwhitney(&mw, a, 30, b, 30, 0.05);
    patron_abtest_logrank_result lr = PATRON_ABTEST_INIT(patron_abtest_logrank_result);
    if (rc == PATRON_OK)
        rc = patron_abtest_logrank(&lr, t, ev, arm, 60, 0.05);
    double holm[6], bh[6], bon[6];
    if (rc == PATRON_OK)
        rc = patron_abtest_adjust(holm, bh, bon, pv, 6);
    double surv[3], se[3], at[3] = {2, 5, 9};
    if (rc == PATRON_OK)
        rc = patron_abtest_km(surv, se, t, ev, arm, 60, 1, at, 3);
    return rc;
}

static void test_abtest_walk(void **state)
{
    (void)state;
    assert_true(pt_failalloc_walk(op_abtest, NULL, NULL) >= 3);
}

/* ------------------------------------------------------------------ */
/* Store: open, enrol, post a batch                                    */
/* ------------------------------------------------------------------ */

static int post_batch(patron_db *db, int64_t m1, int64_t m2, int salt)
{
    int rc = patron_batch_begin(db);
    if (rc)
        return rc;
    char key[32];
    for (int i = 0; i < 4 && rc == PATRON_OK; i++) {
        patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
        snprintf(key, sizeof key, "earn-%d-%d", salt, i);
        r.key = key;
        r.member_id = (i & 1) ? m2 : m1;
        r.points = 100 + i;
        r.at = 1700000000 + i;
        r.rule = "base";
        r.ref = "order";
        rc = patron_ledger_earn(db, NULL, &r);
    }
    if (rc == PATRON_OK) {
        patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
        snprintf(key, sizeof key, "redeem-%d", salt);
        r.key = key;
        r.member_id = m1;
        r.points = 150;
        r.at = 1700000100;
        rc = patron_ledger_redeem(db, NULL, &r);
    }
    if (rc == PATRON_OK) {
        patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
        snprintf(key, sizeof key, "xfer-%d", salt);
        r.key = key;
        r.member_id = m2;
        r.target = m1;
        r.points = 20;
        r.at = 1700000200;
        rc = patron_ledger_transfer(db, NULL, &r);
    }
    if (rc == PATRON_OK)
        return patron_batch_commit(db);
    patron_batch_rollback(db);
    return rc;
}

static int enrol(patron_db *db, int64_t *id, const char *name, const char *email)
{
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = name;
    f.email = email;
    f.phone = strchr(email, '1') ? "+972501234567" : "+972501234568";
    f.consent = "email,sms";
    return patron_profile_add(db, id, &f, 1690000000);
}

static int op_store(void *p)
{
    (void)p;
    patron_db *db = NULL;
    int rc = patron_open(&db, ":memory:", NULL);
    int64_t m1 = 0, m2 = 0;
    if (rc == PATRON_OK)
        rc = enrol(db, &m1, "Dana Levi", "dana1@example.com");
    if (rc == PATRON_OK)
        rc = enrol(db, &m2, "Avi Cohen", "avi@example.com");
    if (rc == PATRON_OK)
        rc = post_batch(db, m1, m2, 0);
    if (rc == PATRON_OK) {
        patron_ledger_report rep;
        assert_int_equal(patron_ledger_check(db, &rep), PATRON_OK);
        assert_int_equal(rep.postings, 7);
    }
    patron_close(db);
    return rc;
}

static void test_store_walk(void **state)
{
    (void)state;
    SKIP_UNDER_VALGRIND();
    pt_failalloc_walk(op_store, NULL, NULL);
}

static int64_t available(patron_db *db, int64_t m)
{
    patron_balance b;
    assert_int_equal(patron_ledger_balance(db, &b, m, 1800000000), PATRON_OK);
    return b.available;
}

/* The batch against a store the caller keeps: a failure anywhere in it
 * leaves no posting behind, and the store reconciles and takes the batch
 * afterwards. */
static void test_store_batch_walk(void **state)
{
    (void)state;
    SKIP_UNDER_VALGRIND();
    for (size_t n = 1;; n++) {
        pt_failalloc_install(0, 0);
        patron_db *db = NULL;
        int64_t m1, m2;
        assert_int_equal(patron_open(&db, ":memory:", NULL), PATRON_OK);
        assert_int_equal(enrol(db, &m1, "Dana Levi", "dana1@example.com"), PATRON_OK);
        assert_int_equal(enrol(db, &m2, "Avi Cohen", "avi@example.com"), PATRON_OK);
        assert_int_equal(post_batch(db, m1, m2, 1), PATRON_OK);
        int64_t b1 = available(db, m1), b2 = available(db, m2);
        pt_failalloc_arm(n, 1);
        int rc = post_batch(db, m1, m2, 2);
        int fired = pt_failalloc_fired();
        pt_failalloc_arm(0, 0);
        if (fired && rc != PATRON_OK) {
            assert_int_equal(rc, PATRON_ENOMEM);
            assert_int_equal(available(db, m1), b1);
            assert_int_equal(available(db, m2), b2);
            assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
            assert_int_equal(post_batch(db, m1, m2, 2), PATRON_OK);
        }
        assert_int_equal(available(db, m1), b1 + 100 + 102 - 150 + 20);
        assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
        patron_close(db);
        long live = pt_failalloc_live();
        pt_failalloc_remove();
        if (live != 0)
            fail_msg("allocation %zu failing: %ld block(s) leaked", n, live);
        if (!fired)
            break;
    }
}

/* ------------------------------------------------------------------ */
/* Store I/O failures through a VFS shim                               */
/* ------------------------------------------------------------------ */

enum { FAULT_NONE, FAULT_WRITE, FAULT_SYNC };

static struct {
    sqlite3_vfs vfs;
    sqlite3_vfs *real;
    int mode;        /* which calls fail */
    long countdown;  /* fail when it reaches 0 */
    int fired;
    long writes, syncs;
} fv;

typedef struct {
    sqlite3_file base;
    sqlite3_file *real; /* the wrapped file, stored right after this struct */
} fv_file;

static sqlite3_io_methods fv_io;

static int fv_tick(int mode)
{
    if (mode == FAULT_WRITE)
        fv.writes++;
    else
        fv.syncs++;
    if (fv.mode == mode && fv.countdown > 0 && --fv.countdown == 0) {
        fv.fired = 1;
        return 1;
    }
    return 0;
}

static int fv_close(sqlite3_file *f)
{
    fv_file *p = (fv_file *)f;
    return p->real->pMethods ? p->real->pMethods->xClose(p->real) : SQLITE_OK;
}
static int fv_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
    fv_file *p = (fv_file *)f;
    return p->real->pMethods->xRead(p->real, b, n, o);
}
static int fv_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
    fv_file *p = (fv_file *)f;
    if (fv_tick(FAULT_WRITE))
        return SQLITE_IOERR_WRITE;
    return p->real->pMethods->xWrite(p->real, b, n, o);
}
static int fv_truncate(sqlite3_file *f, sqlite3_int64 n)
{
    fv_file *p = (fv_file *)f;
    return p->real->pMethods->xTruncate(p->real, n);
}
static int fv_sync(sqlite3_file *f, int flags)
{
    fv_file *p = (fv_file *)f;
    if (fv_tick(FAULT_SYNC))
        return SQLITE_IOERR_FSYNC;
    return p->real->pMethods->xSync(p->real, flags);
}
static int fv_size(sqlite3_file *f, sqlite3_int64 *n)
{
    fv_file *p = (fv_file *)f;
    return p->real->pMethods->xFileSize(p->real, n);
}
static int fv_lock(sqlite3_file *f, int l)
{
    fv_file *p = (fv_file *)f;
    return p->real->pMethods->xLock(p->real, l);
}
static int fv_unlock(sqlite3_file *f, int l)
{
    fv_file *p = (fv_file *)f;
    return p->real->pMethods->xUnlock(p->real, l);
}
static int fv_check(sqlite3_file *f, int *out)
{
    fv_file *p = (fv_file *)f;
    return p->real->pMethods->xCheckReservedLock(p->real, out);
}
static int fv_fcntl(sqlite3_file *f, int op, void *arg)
{
    fv_file *p = (fv_file *)f;
    return p->real->pMethods->xFileControl(p->real, op, arg);
}
static int fv_sector(sqlite3_file *f)
{
    fv_file *p = (fv_file *)f;
    return p->real->pMethods->xSectorSize(p->real);
}
static int fv_devchar(sqlite3_file *f)
{
    fv_file *p = (fv_file *)f;
    return p->real->pMethods->xDeviceCharacteristics(p->real);
}
static int fv_shmmap(sqlite3_file *f, int pg, int sz, int ext, void volatile **pp)
{
    fv_file *p = (fv_file *)f;
    return p->real->pMethods->xShmMap(p->real, pg, sz, ext, pp);
}
static int fv_shmlock(sqlite3_file *f, int off, int n, int flags)
{
    fv_file *p = (fv_file *)f;
    return p->real->pMethods->xShmLock(p->real, off, n, flags);
}
static void fv_shmbarrier(sqlite3_file *f)
{
    fv_file *p = (fv_file *)f;
    p->real->pMethods->xShmBarrier(p->real);
}
static int fv_shmunmap(sqlite3_file *f, int del)
{
    fv_file *p = (fv_file *)f;
    return p->real->pMethods->xShmUnmap(p->real, del);
}

static int fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    (void)vfs;
    fv_file *p = (fv_file *)f;
    p->real = (sqlite3_file *)(p + 1);
    memset(p->real, 0, (size_t)fv.real->szOsFile);
    int rc = fv.real->xOpen(fv.real, name, p->real, flags, out_flags);
    p->base.pMethods = p->real->pMethods ? &fv_io : NULL;
    return rc;
}
static int fv_delete(sqlite3_vfs *v, const char *n, int s)
{
    (void)v;
    return fv.real->xDelete(fv.real, n, s);
}
static int fv_access(sqlite3_vfs *v, const char *n, int f, int *o)
{
    (void)v;
    return fv.real->xAccess(fv.real, n, f, o);
}
static int fv_fullpath(sqlite3_vfs *v, const char *n, int k, char *o)
{
    (void)v;
    return fv.real->xFullPathname(fv.real, n, k, o);
}
static void *fv_dlopen(sqlite3_vfs *v, const char *n)
{
    (void)v;
    return fv.real->xDlOpen(fv.real, n);
}
static void fv_dlerror(sqlite3_vfs *v, int n, char *o)
{
    (void)v;
    fv.real->xDlError(fv.real, n, o);
}
static void (*fv_dlsym(sqlite3_vfs *v, void *h, const char *s))(void)
{
    (void)v;
    return fv.real->xDlSym(fv.real, h, s);
}
static void fv_dlclose(sqlite3_vfs *v, void *h)
{
    (void)v;
    fv.real->xDlClose(fv.real, h);
}
static int fv_random(sqlite3_vfs *v, int n, char *o)
{
    (void)v;
    return fv.real->xRandomness(fv.real, n, o);
}
static int fv_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return fv.real->xSleep(fv.real, us);
}
static int fv_time(sqlite3_vfs *v, double *t)
{
    (void)v;
    return fv.real->xCurrentTime(fv.real, t);
}
static int fv_lasterr(sqlite3_vfs *v, int n, char *o)
{
    (void)v;
    return fv.real->xGetLastError ? fv.real->xGetLastError(fv.real, n, o) : 0;
}
static int fv_time64(sqlite3_vfs *v, sqlite3_int64 *t)
{
    (void)v;
    return fv.real->xCurrentTimeInt64(fv.real, t);
}

static void fv_register(void)
{
    if (fv.real)
        return;
    fv.real = sqlite3_vfs_find(NULL);
    assert_non_null(fv.real);
    assert_true(fv.real->iVersion >= 2);
    fv_io.iVersion = 2;
    fv_io.xClose = fv_close;
    fv_io.xRead = fv_read;
    fv_io.xWrite = fv_write;
    fv_io.xTruncate = fv_truncate;
    fv_io.xSync = fv_sync;
    fv_io.xFileSize = fv_size;
    fv_io.xLock = fv_lock;
    fv_io.xUnlock = fv_unlock;
    fv_io.xCheckReservedLock = fv_check;
    fv_io.xFileControl = fv_fcntl;
    fv_io.xSectorSize = fv_sector;
    fv_io.xDeviceCharacteristics = fv_devchar;
    fv_io.xShmMap = fv_shmmap;
    fv_io.xShmLock = fv_shmlock;
    fv_io.xShmBarrier = fv_shmbarrier;
    fv_io.xShmUnmap = fv_shmunmap;
    fv.vfs.iVersion = 2;
    fv.vfs.szOsFile = (int)sizeof(fv_file) + fv.real->szOsFile;
    fv.vfs.mxPathname = fv.real->mxPathname;
    fv.vfs.zName = "pt_faultvfs";
    fv.vfs.xOpen = fv_open;
    fv.vfs.xDelete = fv_delete;
    fv.vfs.xAccess = fv_access;
    fv.vfs.xFullPathname = fv_fullpath;
    fv.vfs.xDlOpen = fv_dlopen;
    fv.vfs.xDlError = fv_dlerror;
    fv.vfs.xDlSym = fv_dlsym;
    fv.vfs.xDlClose = fv_dlclose;
    fv.vfs.xRandomness = fv_random;
    fv.vfs.xSleep = fv_sleep;
    fv.vfs.xCurrentTime = fv_time;
    fv.vfs.xGetLastError = fv_lasterr;
    fv.vfs.xCurrentTimeInt64 = fv_time64;
    assert_int_equal(sqlite3_vfs_register(&fv.vfs, 0), SQLITE_OK);
}

static void io_walk(int mode)
{
    fv_register();
    char path[256], uri[320];
    snprintf(path, sizeof path, "/tmp/patron-faults-%ld-%d.db", (long)getpid(), mode);
    snprintf(uri, sizeof uri, "file:%s?vfs=pt_faultvfs", path);
    long points = 0;
    for (long n = 1;; n++) {
        pt_remove_store(path);
        patron_db *db = NULL;
        int64_t m1, m2;
        patron_db_options o = PATRON_DB_OPTIONS_INIT;
        if (mode == FAULT_WRITE)
            o.synchronous = PATRON_SYNC_OFF; /* writes only: fast */
        fv.mode = FAULT_NONE;
        assert_int_equal(patron_open(&db, uri, &o), PATRON_OK);
        assert_int_equal(enrol(db, &m1, "Dana Levi", "dana1@example.com"), PATRON_OK);
        assert_int_equal(enrol(db, &m2, "Avi Cohen", "avi@example.com"), PATRON_OK);
        assert_int_equal(post_batch(db, m1, m2, 1), PATRON_OK);
        int64_t b1 = available(db, m1), b2 = available(db, m2);

        fv.mode = mode;
        fv.countdown = n;
        fv.fired = 0;
        int rc = post_batch(db, m1, m2, 2);
        int fired = fv.fired;
        fv.mode = FAULT_NONE;
        if (fired) {
            points++;
            /* A sync failing after the WAL frames are written may still
             * leave a commit that the disk holds; anything else must fail. */
            if (rc == PATRON_OK)
                assert_int_equal(mode, FAULT_SYNC);
            else
                assert_true(rc == PATRON_EIO || rc == PATRON_ECORRUPT);
            if (rc != PATRON_OK)
                assert_true(patron_errmsg()[0] != '\0');
        } else {
            assert_int_equal(rc, PATRON_OK);
        }
        patron_close(db);

        /* Reopen with the ordinary VFS: all or nothing, and it reconciles. */
        db = NULL;
        assert_int_equal(patron_open(&db, path, &o), PATRON_OK);
        assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
        int64_t a1 = available(db, m1), a2 = available(db, m2);
        int applied = a1 != b1;
        if (applied) {
            assert_int_equal(a1, b1 + 100 + 102 - 150 + 20);
            assert_int_equal(a2, b2 + 101 + 103 - 20);
        } else {
            assert_int_equal(a2, b2);
            assert_true(rc != PATRON_OK);
        }
        /* The key of a batch that did not apply is free; one that did replays. */
        assert_int_equal(post_batch(db, m1, m2, 2), applied ? PATRON_OK : PATRON_OK);
        assert_int_equal(available(db, m1), b1 + 100 + 102 - 150 + 20);
        assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
        patron_close(db);
        if (!fired)
            break;
    }
    pt_remove_store(path);
    assert_true(points >= 1);
    print_message("%s failures injected: %ld\n", mode == FAULT_WRITE ? "write" : "sync", points);
}

static void test_store_write_failures(void **state)
{
    (void)state;
    SKIP_UNDER_VALGRIND();
    io_walk(FAULT_WRITE);
}

static void test_store_sync_failures(void **state)
{
    (void)state;
    SKIP_UNDER_VALGRIND();
    io_walk(FAULT_SYNC);
}

/* Creating a store while writes fail: whatever the failing write, the file
 * opens afterwards as a valid store (schema complete, never half-made), a
 * reported success is durable and a reported failure left nothing behind.
 * (SQLite absorbs some failures itself: a failed write while switching a new
 * file to WAL leaves that handle in rollback-journal mode, and the call
 * succeeds; a failed checkpoint write in close loses nothing.) */
static void test_store_create_write_failures(void **state)
{
    (void)state;
    SKIP_UNDER_VALGRIND();
    fv_register();
    char path[256], uri[320];
    snprintf(path, sizeof path, "/tmp/patron-faults-%ld-create.db", (long)getpid());
    snprintf(uri, sizeof uri, "file:%s?vfs=pt_faultvfs", path);
    long points = 0, failed_calls = 0;
    for (long n = 1;; n++) {
        pt_remove_store(path);
        fv.mode = FAULT_WRITE;
        fv.countdown = n;
        fv.fired = 0;
        patron_db *db = NULL;
        int64_t m = 0;
        patron_db_options o = PATRON_DB_OPTIONS_INIT;
        o.synchronous = PATRON_SYNC_OFF; /* writes only: fast */
        int rc = patron_open(&db, uri, &o);
        int opened = rc == PATRON_OK;
        if (opened)
            rc = enrol(db, &m, "Dana Levi", "dana1@example.com");
        if (rc != PATRON_OK) {
            failed_calls++;
            assert_true(rc == PATRON_EIO || rc == PATRON_ECORRUPT);
            assert_true(patron_errmsg()[0] != '\0');
        }
        patron_close(db);
        int fired = fv.fired;
        fv.mode = FAULT_NONE;
        points += fired;
        db = NULL;
        assert_int_equal(patron_open(&db, path, &o), PATRON_OK);
        int version = 0;
        assert_int_equal(patron_db_schema_version(db, &version), PATRON_OK);
        assert_int_equal(version, PATRON_DB_SCHEMA_VERSION);
        assert_int_equal(patron_ledger_check(db, NULL), PATRON_OK);
        int64_t found = 0;
        int frc = patron_profile_find(db, &found, "dana1@example.com");
        if (rc == PATRON_OK)
            assert_int_equal(frc, PATRON_OK); /* success is durable */
        else if (opened)
            assert_int_equal(frc, PATRON_ENOTFOUND); /* failure left nothing */
        assert_int_equal(enrol(db, &m, "Avi Cohen", "avi@example.com"), PATRON_OK);
        patron_close(db);
        if (!fired)
            break;
    }
    pt_remove_store(path);
    print_message("write failures injected while creating: %ld (%ld calls failed)\n", points,
                  failed_calls);
    assert_true(failed_calls >= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_import_walk),    cmocka_unit_test(test_csv_fresh_walk),
        cmocka_unit_test(test_summarize_walk),     cmocka_unit_test(test_clv_fit_walk),
        cmocka_unit_test(test_clv_predict_walk),
        cmocka_unit_test(test_abtest_walk),        cmocka_unit_test(test_store_walk),
        cmocka_unit_test(test_store_batch_walk),   cmocka_unit_test(test_store_write_failures),
        cmocka_unit_test(test_store_sync_failures),
        cmocka_unit_test(test_store_create_write_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
