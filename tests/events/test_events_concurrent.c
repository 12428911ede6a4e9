/* Many writers, one outbox: writer threads (each its own handle: 4 on one
 * SQLite file, 8 on one PostgreSQL schema, where postings of different
 * members commit in parallel) earn and redeem for members they share,
 * while a consumer thread fetches, sometimes "crashes" before
 * acknowledging (drops what it read) and retries. Afterwards:
 * - the consumer handled every event exactly once, in position order
 *   (what it acknowledged, counted once per acknowledged read);
 * - no event is lost: every member's posting events name exactly the
 *   member's postings (its statement), in posting order (per-member order);
 * - every read gave positions above the cursor it read from. */
#include <pthread.h>
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

#define T0 INT64_C(1767225600)
#define MEMBERS 6
#define OPS 120

static char uri[1100];
static int64_t members[MEMBERS];
static volatile int writers_left;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static patron_db *open_handle(void)
{
    patron_db *db = NULL;
    patron_db_options o = PATRON_DB_OPTIONS_INIT;
    o.busy_timeout_ms = 120000;
    o.synchronous = PATRON_SYNC_OFF;
    if (patron_open(&db, uri, &o) != PATRON_OK)
        return NULL;
    return db;
}

typedef struct writer_arg {
    int id;
    int failures; /* calls that failed for a reason other than the balance */
} writer_arg;

static void *writer(void *p)
{
    writer_arg *w = p;
    patron_db *db = open_handle();
    if (!db) {
        w->failures = OPS;
        goto out;
    }
    uint64_t s = 0x9E3779B97F4A7C15u ^ (uint64_t)(w->id + 1) * 0x100000001b3u;
    for (int i = 0; i < OPS; i++) {
        char key[48];
        snprintf(key, sizeof key, "w%d-%d", w->id, i);
        patron_posting_request q = PATRON_POSTING_REQUEST_INIT;
        q.key = key;
        q.member_id = members[rng_next(&s) % MEMBERS];
        q.at = T0 + 1 + i;
        q.points = 1 + (int64_t)(rng_next(&s) % 50);
        patron_posting_result r;
        int rc = rng_next(&s) % 3 ? patron_ledger_earn(db, &r, &q) : patron_ledger_redeem(db, &r, &q);
        if (rc != PATRON_OK && rc != PATRON_EBALANCE) {
            fprintf(stderr, "writer %d op %d: %s\n", w->id, i, patron_errmsg());
            w->failures++;
        }
    }
    patron_close(db);
out:
    pthread_mutex_lock(&mu);
    writers_left--;
    pthread_mutex_unlock(&mu);
    return NULL;
}

typedef struct handled {
    int64_t position, member, posting;
    char kind[32];
} handled;

typedef struct consumer_arg {
    handled *v;
    size_t n, cap;
    int errors, crashes, reads;
} consumer_arg;

static void *consumer(void *p)
{
    consumer_arg *c = p;
    patron_db *db = open_handle();
    if (!db) {
        c->errors++;
        return NULL;
    }
    uint64_t s = 12345;
    for (;;) {
        pthread_mutex_lock(&mu);
        int done = writers_left == 0;
        pthread_mutex_unlock(&mu);
        int64_t cursor = 0;
        patron_event_list *l = NULL;
        if (patron_events_cursor(db, &cursor, "sink") != PATRON_OK ||
            patron_events_fetch(db, &l, "sink", 1 + rng_next(&s) % 40) != PATRON_OK) {
            fprintf(stderr, "consumer: %s\n", patron_errmsg());
            c->errors++;
            break;
        }
        c->reads++;
        size_t n = patron_event_list_count(l);
        if (n && patron_event_list_get(l, 0)->position <= cursor)
            c->errors++;
        if (n == 0 && done) {
            patron_event_list_free(l);
            break;
        }
        if (n && rng_next(&s) % 4 == 0) { /* crash before the acknowledgement: handled nothing */
            c->crashes++;
            patron_event_list_free(l);
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            const patron_event *e = patron_event_list_get(l, i);
            if (c->n == c->cap) {
                c->cap = c->cap ? 2 * c->cap : 1024;
                c->v = realloc(c->v, c->cap * sizeof *c->v);
            }
            handled *h = &c->v[c->n++];
            h->position = e->position;
            h->member = e->member_id;
            const char *ps = strstr(e->payload, "\"posting\":");
            h->posting = ps ? strtoll(ps + 10, NULL, 10) : 0;
            snprintf(h->kind, sizeof h->kind, "%s", e->kind);
        }
        if (n && patron_events_ack(db, "sink", patron_event_list_last(l)) != PATRON_OK) {
            fprintf(stderr, "consumer ack: %s\n", patron_errmsg());
            c->errors++;
        }
        patron_event_list_free(l);
    }
    patron_close(db);
    return NULL;
}

static void many_writers_one_consumer(void **state)
{
    (void)state;
    snprintf(uri, sizeof uri, "%s", pt_store_open_uri(pt_store_uri(1)));
    int nwriters = pt_backend_is_postgres() ? 8 : 4;
    patron_db *db = open_handle();
    assert_non_null(db);
    assert_int_equal(patron_events_enable(db, 1), PATRON_OK);
    for (int i = 0; i < MEMBERS; i++) {
        char phone[32];
        snprintf(phone, sizeof phone, "+97250100%04d", i);
        members[i] = pt_member(db, phone, "sms", T0);
    }
    writers_left = nwriters;
    pthread_t wt[8], ct;
    writer_arg wa[8];
    consumer_arg ca = {0};
    assert_int_equal(pthread_create(&ct, NULL, consumer, &ca), 0);
    for (int i = 0; i < nwriters; i++) {
        wa[i] = (writer_arg){i, 0};
        assert_int_equal(pthread_create(&wt[i], NULL, writer, &wa[i]), 0);
    }
    for (int i = 0; i < nwriters; i++) {
        pthread_join(wt[i], NULL);
        assert_int_equal(wa[i].failures, 0);
    }
    pthread_join(ct, NULL);
    assert_int_equal(ca.errors, 0);
    assert_true(ca.crashes > 0);
    /* exactly once, in order */
    for (size_t i = 1; i < ca.n; i++)
        assert_true(ca.v[i].position > ca.v[i - 1].position);
    patron_event_list *all = NULL;
    assert_int_equal(patron_events_read(db, &all, 0, PATRON_EVENTS_READ_MAX), PATRON_OK);
    assert_int_equal(patron_event_list_count(all), ca.n);
    /* no posting lost, each member's in posting order */
    size_t postings = 0;
    for (int m = 0; m < MEMBERS; m++) {
        patron_statement *st = NULL;
        assert_int_equal(patron_ledger_statement(db, &st, members[m], 0, T0 + 100000), PATRON_OK);
        size_t k = 0, n = patron_statement_count(st);
        for (size_t i = 0; i < ca.n; i++) {
            if (ca.v[i].member != members[m] || strncmp(ca.v[i].kind, "points.", 7))
                continue;
            assert_true(k < n);
            assert_int_equal(ca.v[i].posting, patron_statement_get(st, k)->id);
            k++;
        }
        assert_int_equal(k, n);
        postings += n;
        patron_statement_free(st);
    }
    assert_int_equal(ca.n, postings + MEMBERS); /* and one enrolment each */
    assert_true(postings > (size_t)nwriters * OPS / 2);
    printf("%d writers, %zu events, %d reads, %d crashes before acknowledging\n", nwriters, ca.n, ca.reads,
           ca.crashes);
    patron_event_list_free(all);
    free(ca.v);
    patron_close(db);
    if (!pt_backend_is_postgres())
        pt_remove_store(pt_store_uri(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(many_writers_one_consumer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
