/* patron_txlog_from_db() against a model written from patron/mart.h's rules:
 * purchases in (from, as_of]; a purchase returned at or before as_of is left
 * out (kept with with_returned); a merged member's purchases count for the
 * member it was merged into; erased members' purchases are left out (kept
 * under their own id with with_erased). A seeded random history of
 * purchases, returns, merges and erasures is replayed into a store and into
 * the model, and every log the library builds is summarised and compared
 * customer by customer (orders, spend, first and last purchase). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"
#include "store_support.h"

#define T0 1700000000
#define DAY 86400
#define MAXM 24
#define MAXP 400

typedef struct {
    int64_t member, at, amount, returned_at; /* returned_at 0: not returned */
    char key[32];
} model_purchase;

typedef struct {
    int64_t id[MAXM];
    int64_t kept[MAXM]; /* member it now belongs to (itself when not merged) */
    int erased[MAXM];
    size_t n;
    model_purchase p[MAXP];
    size_t np;
} model;

static uint64_t rng = 1;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t idx(const model *m, int64_t id)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->id[i] == id)
            return i;
    fail_msg("unknown member %lld", (long long)id);
    return 0;
}

static int active(const model *m, size_t i)
{
    return m->kept[i] == m->id[i] && !m->erased[i];
}

/* Expected per-customer aggregates of one log. */
typedef struct {
    int64_t customer, orders, spend, first, last;
} agg;

static int agg_cmp(const void *a, const void *b)
{
    int64_t x = ((const agg *)a)->customer, y = ((const agg *)b)->customer;
    return (x > y) - (x < y);
}

static size_t expected(const model *m, agg *out, int64_t from, int64_t as_of, int with_returned, int with_erased)
{
    size_t n = 0;
    for (size_t k = 0; k < m->np; k++) {
        const model_purchase *p = &m->p[k];
        if (p->at <= from || p->at > as_of)
            continue;
        if (!with_returned && p->returned_at && p->returned_at <= as_of)
            continue;
        size_t i = idx(m, p->member);
        int64_t who = m->kept[i];
        if (m->erased[idx(m, who)]) {
            if (!with_erased)
                continue;
            who = p->member;
        }
        size_t j = 0;
        while (j < n && out[j].customer != who)
            j++;
        if (j == n)
            out[n++] = (agg){who, 0, 0, INT64_MAX, INT64_MIN};
        out[j].orders++;
        out[j].spend += p->amount;
        out[j].first = p->at < out[j].first ? p->at : out[j].first;
        out[j].last = p->at > out[j].last ? p->at : out[j].last;
    }
    qsort(out, n, sizeof *out, agg_cmp);
    return n;
}

static void compare(patron_db *db, const model *m, int64_t from, int64_t as_of, int with_returned, int with_erased)
{
    agg want[MAXP];
    size_t nw = expected(m, want, from, as_of, with_returned, with_erased);
    patron_store_log_options o = PATRON_STORE_LOG_OPTIONS_INIT;
    o.as_of = as_of;
    o.after = from;
    o.with_returned = with_returned;
    o.with_erased = with_erased;
    patron_txlog *log = NULL;
    assert_int_equal(patron_txlog_from_db(db, &log, &o), PATRON_OK);
    if (nw == 0) {
        assert_int_equal(patron_txlog_count(log), 0);
        patron_txlog_free(log);
        return;
    }
    patron_frame *f = NULL;
    patron_summary_options so = PATRON_SUMMARY_OPTIONS_INIT;
    so.observation_end = as_of;
    assert_int_equal(patron_summarize(&f, log, &so), PATRON_OK);
    size_t rows = patron_frame_rows(f);
    const int64_t *cust = patron_frame_int64_by_name(f, "customer_id");
    const int64_t *orders = patron_frame_int64_by_name(f, "orders");
    const int64_t *spend = patron_frame_int64_by_name(f, "total_spend");
    const int64_t *first = patron_frame_int64_by_name(f, "first_purchase");
    const int64_t *last = patron_frame_int64_by_name(f, "last_purchase");
    assert_non_null(cust);
    assert_non_null(orders);
    assert_non_null(spend);
    assert_non_null(first);
    assert_non_null(last);
    if (rows != nw)
        fail_msg("seed %llu as_of %lld: %zu customers, model %zu", (unsigned long long)rng, (long long)as_of, rows,
                 nw);
    for (size_t r = 0; r < rows; r++) {
        if (cust[r] != want[r].customer || orders[r] != want[r].orders || spend[r] != want[r].spend ||
            first[r] != want[r].first || last[r] != want[r].last)
            fail_msg("as_of %lld from %lld returned %d erased %d: customer %lld orders %lld spend %lld; model "
                     "customer %lld orders %lld spend %lld",
                     (long long)as_of, (long long)from, with_returned, with_erased, (long long)cust[r],
                     (long long)orders[r], (long long)spend[r], (long long)want[r].customer,
                     (long long)want[r].orders, (long long)want[r].spend);
    }
    patron_frame_free(f);
    patron_txlog_free(log);
}

static void buy(patron_db *db, model *m, size_t i, int64_t at)
{
    model_purchase *p = &m->p[m->np];
    snprintf(p->key, sizeof p->key, "order-%zu", m->np);
    p->member = m->id[i];
    p->at = at;
    p->amount = (int64_t)(next() % 50000);
    p->returned_at = 0;
    patron_purchase_line line = {"shoes", NULL, p->amount};
    patron_purchase q = PATRON_PURCHASE_INIT;
    q.key = p->key;
    q.member_id = p->member;
    q.at = at;
    q.lines = &line;
    q.n_lines = 1;
    patron_earn_result res;
    assert_int_equal(patron_earn_purchase(db, &res, &q), PATRON_OK);
    m->np++;
}

static void run_history(uint64_t seed, int steps)
{
    rng = seed * 2654435761u + 1;
    patron_db *db = pt_store_new(NULL);
    model m = {0};
    int64_t t = T0;
    for (int s = 0; s < steps; s++) {
        t += (int64_t)(next() % (3 * 86400)) + 1;
        unsigned op = (unsigned)(next() % 20);
        size_t i = m.n ? (size_t)(next() % m.n) : 0;
        if (m.n < 3 || (op == 0 && m.n < MAXM)) {
            char phone[24];
            snprintf(phone, sizeof phone, "+97250%07zu", m.n + 1000);
            m.id[m.n] = pt_member(db, phone, "sms", t);
            m.kept[m.n] = m.id[m.n];
            m.n++;
        } else if (op < 14 && m.np < MAXP) {
            if (active(&m, i))
                buy(db, &m, i, t - (int64_t)(next() % 86400)); /* some recorded late */
        } else if (op < 17 && m.np) {
            model_purchase *p = &m.p[next() % m.np];
            if (!p->returned_at) {
                assert_int_equal(patron_earn_return(db, p->key, t), PATRON_OK);
                p->returned_at = t;
            }
        } else if (op < 19) {
            size_t j = (size_t)(next() % m.n);
            if (i != j && active(&m, i) && active(&m, j)) {
                assert_int_equal(patron_profile_merge(db, m.id[i], m.id[j], t, "test", NULL), PATRON_OK);
                for (size_t k = 0; k < m.n; k++)
                    if (m.kept[k] == m.id[j])
                        m.kept[k] = m.id[i];
            }
        } else if (active(&m, i)) {
            assert_int_equal(patron_profile_erase(db, m.id[i], t, "test"), PATRON_OK);
            for (size_t k = 0; k < m.n; k++)
                if (m.kept[k] == m.id[i])
                    m.erased[k] = 1;
        }
        if (s % 25 == 24) {
            int64_t as_of = T0 + 1 + (int64_t)(next() % (uint64_t)(t - T0 + 86400));
            if (m.np && next() % 2) { /* the boundaries: exactly a purchase's or a return's time */
                const model_purchase *p = &m.p[next() % m.np];
                as_of = p->returned_at && next() % 2 ? p->returned_at : p->at;
            }
            int64_t from = next() % 3 == 0 ? T0 + (int64_t)(next() % (uint64_t)(as_of - T0)) : 0;
            compare(db, &m, from, as_of, (int)(next() % 2), (int)(next() % 2));
        }
    }
    compare(db, &m, 0, t + 1, 0, 0);
    compare(db, &m, 0, t + 1, 1, 1);
    patron_close(db);
}

static void test_against_model(void **state)
{
    (void)state;
    const char *env = getenv("PATRON_MART_SEQUENCES");
    int sequences = env ? atoi(env) : (pt_backend_is_postgres() ? 4 : 12);
    for (int s = 1; s <= sequences; s++)
        run_history((uint64_t)s, 200);
}

/* patron_summary_from_db() is the store's log summarised as of its as_of:
 * the same frame, cell by cell, as patron_summarize() of
 * patron_txlog_from_db() with the observation ending there. */
static void test_summary_from_db(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    patron_store_log_options o = PATRON_STORE_LOG_OPTIONS_INIT;
    o.as_of = T0 + 400 * DAY;
    patron_frame *f = NULL;
    assert_int_equal(patron_summary_from_db(db, &f, &o), PATRON_OK); /* empty store: no rows */
    assert_int_equal(patron_frame_rows(f), 0);
    patron_frame_free(f);
    model m = {0};
    for (size_t i = 0; i < 5; i++) {
        char phone[32];
        snprintf(phone, sizeof phone, "+97250333%04zu", i);
        m.id[i] = pt_member(db, phone, "sms", T0);
    }
    rng = 99;
    for (int k = 0; k < 40; k++)
        buy(db, &m, (size_t)(next() % 5), T0 + (int64_t)(next() % (300 * DAY)));
    assert_int_equal(patron_earn_return(db, m.p[3].key, T0 + 350 * DAY), PATRON_OK);
    patron_txlog *log = NULL;
    patron_frame *want = NULL;
    patron_summary_options so = PATRON_SUMMARY_OPTIONS_INIT;
    so.observation_end = o.as_of;
    assert_int_equal(patron_txlog_from_db(db, &log, &o), PATRON_OK);
    assert_int_equal(patron_summarize(&want, log, &so), PATRON_OK);
    assert_int_equal(patron_summary_from_db(db, &f, &o), PATRON_OK);
    assert_int_equal(patron_frame_rows(f), patron_frame_rows(want));
    assert_int_equal(patron_frame_cols(f), patron_frame_cols(want));
    const char *cols[] = {"frequency", "recency", "T", "monetary_value"};
    for (size_t c = 0; c < 4; c++) {
        const double *a = patron_frame_double_by_name(f, cols[c]), *b = patron_frame_double_by_name(want, cols[c]);
        assert_non_null(a);
        for (size_t r = 0; r < patron_frame_rows(f); r++)
            assert_true(a[r] == b[r]);
    }
    patron_frame_free(f);
    patron_frame_free(want);
    patron_txlog_free(log);
    assert_int_equal(patron_summary_from_db(db, &f, NULL), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "as_of is required"));
    o.as_of = 0;
    f = (patron_frame *)&f;
    assert_int_equal(patron_summary_from_db(db, &f, &o), PATRON_EINVAL);
    assert_ptr_equal(f, (patron_frame *)&f); /* untouched */
    patron_close(db);
}

static void test_arguments(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    patron_txlog *log = (patron_txlog *)&log;
    patron_store_log_options o = PATRON_STORE_LOG_OPTIONS_INIT;
    assert_int_equal(patron_txlog_from_db(db, &log, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "as_of is required"));
    o.as_of = INT64_C(1700000000000); /* milliseconds */
    assert_int_equal(patron_txlog_from_db(db, &log, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "milliseconds"));
    o.as_of = T0;
    o.after = T0;
    assert_int_equal(patron_txlog_from_db(db, &log, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "not before as_of"));
    o.after = 0;
    o.decimals = 40;
    assert_int_equal(patron_txlog_from_db(db, &log, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "decimals 40"));
    assert_ptr_equal(log, (patron_txlog *)&log); /* untouched */
    assert_int_equal(patron_txlog_from_db(db, NULL, &o), PATRON_EINVAL);
    o.decimals = 0;
    assert_int_equal(patron_txlog_from_db(db, &log, &o), PATRON_OK); /* empty store: an empty log */
    assert_int_equal(patron_txlog_count(log), 0);
    assert_int_equal(patron_txlog_decimals(log), 0);
    patron_txlog_free(log);
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_against_model),
        cmocka_unit_test(test_summary_from_db),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
