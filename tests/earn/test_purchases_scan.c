/* patron__earn_purchases_each() reads the purchases in storage order and
 * puts them in member, time, recording order itself (lib/earn/purchases_scan.c):
 * a counting sort by member when member ids are dense, a merge sort of all
 * rows when they are not, and each member's run sorted by time (insertion
 * for a few purchases, merging for many). Purchases recorded in a shuffled
 * order — many members and few buyers (sparse ids), few members and many
 * purchases each (dense), one member with 80 purchases recorded latest
 * first with ties in one second — must come out in exactly the order a
 * model sorts them, filtered by period and returns as the header says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal/earn.h"
#include "patron.h"
#include "store_support.h"

#define T0 INT64_C(1700000000)
#define DAY INT64_C(86400)

static uint64_t rng = 7;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

typedef struct bought {
    int64_t member, at, amount, seq, returned_at; /* seq: recording order */
} bought;

static int model_before(const void *a, const void *b)
{
    const bought *x = a, *y = b;
    if (x->member != y->member)
        return x->member < y->member ? -1 : 1;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

typedef struct seen {
    patron__purchase_row *v;
    size_t n, cap;
} seen;

static int collect(void *ctx, const patron__purchase_row *row)
{
    seen *s = ctx;
    assert_true(s->n < s->cap);
    s->v[s->n++] = *row;
    return 0;
}

static void check_order(patron_db *db, const bought *all, size_t n, int64_t after, int64_t as_of, int with_returned)
{
    bought *want = calloc(n + 1, sizeof *want);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (all[i].at > after && all[i].at <= as_of &&
            (with_returned || !all[i].returned_at || all[i].returned_at > as_of))
            want[k++] = all[i];
    qsort(want, k, sizeof *want, model_before);
    seen s = {calloc(n + 1, sizeof(patron__purchase_row)), 0, n + 1};
    assert_int_equal(patron__earn_purchases_each(db, after, as_of, with_returned, collect, &s), PATRON_OK);
    assert_int_equal(s.n, k);
    for (size_t i = 0; i < k; i++) {
        if (s.v[i].member_id != want[i].member || s.v[i].at != want[i].at || s.v[i].amount != want[i].amount)
            fail_msg("row %zu: member %lld at %lld amount %lld, want member %lld at %lld amount %lld", i,
                     (long long)s.v[i].member_id, (long long)s.v[i].at, (long long)s.v[i].amount,
                     (long long)want[i].member, (long long)want[i].at, (long long)want[i].amount);
        int64_t ret = want[i].returned_at && want[i].returned_at <= as_of ? want[i].returned_at : 0;
        assert_int_equal(s.v[i].returned_at, ret);
    }
    free(s.v);
    free(want);
}

/* `members` enrolled, `buyers` of them buy `per` times each, recorded in a
 * shuffled order; plus (with `heavy`) one member's 80 purchases latest
 * first, several in the same second; a few returns. */
static void scenario(int members, int buyers, int per, int heavy)
{
    patron_db *db = pt_store_new(NULL);
    int64_t *id = calloc((size_t)members, sizeof *id);
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    for (int i = 0; i < members; i++) {
        char phone[32];
        snprintf(phone, sizeof phone, "+4479%08d", i);
        id[i] = pt_member(db, phone, "none", T0 - 10 * DAY);
    }
    size_t n = (size_t)buyers * (size_t)per + (heavy ? 80 : 0), k = 0;
    bought *all = calloc(n, sizeof *all);
    for (int b = 0; b < buyers; b++)
        for (int p = 0; p < per; p++)
            all[k++] = (bought){id[next() % (uint64_t)members], T0 + (int64_t)(next() % (200 * DAY)),
                                1 + (int64_t)(next() % 5000), 0, 0};
    for (int p = 0; heavy && p < 80; p++) /* latest first; pairs share a second */
        all[k++] = (bought){id[members / 2], T0 + 150 * DAY - (int64_t)(p / 2) * 3600, 100 + p, 0, 0};
    for (size_t i = n - 1; i > 0 && !heavy; i--) { /* shuffle the recording order */
        size_t j = (size_t)(next() % (i + 1));
        bought t = all[i];
        all[i] = all[j];
        all[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        char key[32];
        snprintf(key, sizeof key, "o%zu", i);
        all[i].seq = (int64_t)i;
        pt_buy(db, key, all[i].member, all[i].at, "food", all[i].amount);
        if (next() % 10 == 0) {
            all[i].returned_at = all[i].at + (int64_t)(next() % (20 * DAY)) + 1;
            assert_int_equal(patron_earn_return(db, key, all[i].returned_at), PATRON_OK);
        }
    }
    assert_int_equal(patron_batch_commit(db), PATRON_OK);
    check_order(db, all, n, PATRON_STORE_TIME_MIN - 1, T0 + 300 * DAY, 0);
    check_order(db, all, n, PATRON_STORE_TIME_MIN - 1, T0 + 300 * DAY, 1);
    check_order(db, all, n, T0 + 20 * DAY, T0 + 120 * DAY, 0);
    check_order(db, all, n, T0 + 149 * DAY, T0 + 150 * DAY, 1); /* inside the heavy member's run */
    free(all);
    free(id);
    patron_close(db);
}

static void test_sparse_ids_sorted_whole(void **state)
{
    (void)state;
    scenario(pt_backend_is_postgres() ? 1500 : 3000, 60, 1, 0); /* 60 purchases, ids over 3000 */
}

static void test_dense_ids_counted(void **state)
{
    (void)state;
    scenario(40, 40, 6, 0);
}

static void test_long_run_merged(void **state)
{
    (void)state;
    scenario(30, 30, 2, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_sparse_ids_sorted_whole),
                                       cmocka_unit_test(test_dense_ids_counted),
                                       cmocka_unit_test(test_long_run_merged)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
