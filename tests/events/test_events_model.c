/* Seeded differential test of the outbox against a model written from the
 * words of docs/guide/events.md:
 *  - "while the outbox is on, every change of a member's state appends one
 *    event in the transaction that makes it" (one per posting, one per
 *    enrolment);
 *  - "a call that fails appends nothing; a replayed posting appends
 *    nothing; a batch that rolls back leaves none of its events, a failing
 *    call inside a batch only loses its own";
 *  - "while it is off nothing is appended; switching does not touch what
 *    was recorded";
 *  - "a consumer reads the events after its cursor in order; acknowledging
 *    moves the cursor forward, never back; not acknowledging reads the
 *    same events again".
 * The model keeps balances (no expiry, no hold: every point available at
 * once, requests in time order) to know which debits succeed.
 * Usage: test_events_model [STEPS [SEED]]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"
#include "pt_rand.h"
#include "store_support.h"

#define T0 INT64_C(1767225600)
#define MAXM 8
#define MAXK 4000

static long steps;
static uint64_t seed;

static uint64_t pt_below(pt_rand *r, uint64_t n)
{
    return pt_next(r) % n;
}

typedef struct mevent {
    int64_t member;
    char kind[32];
    int64_t points;
} mevent;

typedef struct model {
    int on;
    int64_t ids[MAXM];
    int64_t bal[MAXM];
    int nm;
    mevent *ev; /* committed events, in order */
    size_t nev, cap;
    mevent pend[512]; /* the open batch's events */
    int64_t pend_bal[MAXM];
    size_t npend;
    int batch;
    size_t cursor; /* events the consumer acknowledged */
    /* keys used: content, for replays */
    char keys[MAXK][24];
    int key_kind[MAXK];
    int64_t key_member[MAXK], key_points[MAXK];
    int nkeys, nkeys_committed;
} model;

static void push(model *m, int64_t member, const char *kind, int64_t points)
{
    if (!m->on)
        return;
    mevent e = {member, "", points};
    snprintf(e.kind, sizeof e.kind, "%s", kind);
    if (m->batch) {
        assert_true(m->npend < 512);
        m->pend[m->npend++] = e;
        return;
    }
    if (m->nev == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 256;
        m->ev = realloc(m->ev, m->cap * sizeof *m->ev);
    }
    m->ev[m->nev++] = e;
}

static int64_t *balance(model *m, int i)
{
    return m->batch ? &m->pend_bal[i] : &m->bal[i];
}

static void check_all(patron_db *db, const model *m)
{
    patron_event_list *l = NULL;
    assert_int_equal(patron_events_read(db, &l, 0, PATRON_EVENTS_READ_MAX), PATRON_OK);
    assert_int_equal(patron_event_list_count(l), m->nev);
    for (size_t i = 0; i < m->nev; i++) {
        const patron_event *e = patron_event_list_get(l, i);
        assert_int_equal(e->member_id, m->ev[i].member);
        assert_string_equal(e->kind, m->ev[i].kind);
        const char *p = strstr(e->payload, "\"points\":");
        if (m->ev[i].points || p)
            assert_int_equal(p ? strtoll(p + 9, NULL, 10) : 0, m->ev[i].points);
    }
    patron_event_list_free(l);
}

static void model_run(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    pt_rand r;
    r.s = seed;
    model *m = calloc(1, sizeof *m);
    int64_t t = T0;
    char phone[32];
    for (long s = 0; s < steps; s++) {
        t += 10;
        unsigned op = (unsigned)pt_below(&r, 100);
        if (op < 3) { /* the switch */
            if (m->batch)
                continue;
            int on = (int)pt_below(&r, 3) != 0;
            assert_int_equal(patron_events_enable(db, on), PATRON_OK);
            m->on = on;
        } else if (op < 9 && m->nm < MAXM) { /* enrol */
            snprintf(phone, sizeof phone, "+97252%07d", m->nm + 1);
            int64_t id = 0;
            patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
            f.name = "M";
            f.phone = phone;
            f.consent = "sms";
            if (m->batch) /* enrolments outside batches keep the member table simple */
                continue;
            assert_int_equal(patron_profile_add(db, &id, &f, t), PATRON_OK);
            m->ids[m->nm] = id;
            m->bal[m->nm++] = 0;
            push(m, id, "member.enrolled", 0);
        } else if (op < 75 && m->nm > 0) { /* a posting: new key or a used one */
            int reuse = m->nkeys > 0 && pt_below(&r, 8) == 0;
            int k = reuse ? (int)pt_below(&r, (uint64_t)m->nkeys) : m->nkeys;
            int kind = reuse ? m->key_kind[k] : (int)pt_below(&r, 3); /* 0 earn, 1 redeem, 2 adjust */
            int mi = reuse ? -1 : (int)pt_below(&r, (uint64_t)m->nm);
            int64_t member = reuse ? m->key_member[k] : m->ids[mi];
            int64_t points = reuse ? m->key_points[k] : 1 + (int64_t)pt_below(&r, 60);
            if (!reuse && kind == 2 && pt_below(&r, 2))
                points = -points;
            int other = reuse && pt_below(&r, 3) == 0; /* same key, other content */
            if (other) /* (an adjustment stays non-zero) */
                points += points > 0 ? 1 : -1;
            if (!reuse) {
                if (k >= MAXK)
                    continue;
                snprintf(m->keys[k], sizeof m->keys[k], "k%d", k);
            }
            if (mi < 0)
                for (int i = 0; i < m->nm; i++)
                    if (m->ids[i] == member)
                        mi = i;
            patron_posting_request q = pt_posting(m->keys[k], member, points, t);
            q.reason = "model";
            q.operator_name = "tester";
            patron_posting_result res;
            int rc = kind == 0 ? patron_ledger_earn(db, &res, &q)
                               : kind == 1 ? patron_ledger_redeem(db, &res, &q) : patron_ledger_adjust(db, &res, &q);
            int64_t *b = balance(m, mi);
            int64_t effect = kind == 1 ? -points : points;
            if (reuse && !other) {
                assert_int_equal(rc, PATRON_OK);
                assert_int_equal(res.replayed, 1);
            } else if (other) {
                assert_int_equal(rc, PATRON_ECONFLICT);
            } else if (*b + effect < 0) {
                assert_int_equal(rc, PATRON_EBALANCE);
            } else {
                assert_int_equal(rc, PATRON_OK);
                assert_int_equal(res.replayed, 0);
                *b += effect;
                m->key_kind[k] = kind;
                m->key_member[k] = member;
                m->key_points[k] = points;
                m->nkeys++;
                push(m, member, kind == 0 ? "points.earned" : kind == 1 ? "points.redeemed" : "points.adjusted",
                     effect);
            }
        } else if (op < 82) { /* batches */
            if (!m->batch) {
                assert_int_equal(patron_batch_begin(db), PATRON_OK);
                m->batch = 1;
                m->npend = 0;
                m->nkeys_committed = m->nkeys;
                memcpy(m->pend_bal, m->bal, sizeof m->bal);
            } else if (pt_below(&r, 3)) {
                assert_int_equal(patron_batch_commit(db), PATRON_OK);
                m->batch = 0;
                memcpy(m->bal, m->pend_bal, sizeof m->bal);
                for (size_t i = 0; i < m->npend; i++) {
                    mevent e = m->pend[i];
                    int was = m->on;
                    m->on = 1;
                    push(m, e.member, e.kind, e.points);
                    m->on = was;
                }
            } else {
                assert_int_equal(patron_batch_rollback(db), PATRON_OK);
                m->batch = 0;
                m->nkeys = m->nkeys_committed; /* the keys posted in it are free again */
            }
        } else if (!m->batch) { /* the consumer */
            size_t max = 1 + (size_t)pt_below(&r, 30);
            patron_event_list *l = NULL;
            assert_int_equal(patron_events_fetch(db, &l, "model", max), PATRON_OK);
            size_t want = m->nev - m->cursor < max ? m->nev - m->cursor : max;
            assert_int_equal(patron_event_list_count(l), want);
            for (size_t i = 0; i < want; i++) {
                assert_string_equal(patron_event_list_get(l, i)->kind, m->ev[m->cursor + i].kind);
                assert_int_equal(patron_event_list_get(l, i)->member_id, m->ev[m->cursor + i].member);
            }
            if (want && pt_below(&r, 4)) { /* acknowledged; else "crashed": read again later */
                assert_int_equal(patron_events_ack(db, "model", patron_event_list_last(l)), PATRON_OK);
                m->cursor += want;
            }
            patron_event_list_free(l);
            if (pt_below(&r, 10) == 0)
                check_all(db, m);
        }
    }
    if (m->batch) {
        assert_int_equal(patron_batch_commit(db), PATRON_OK);
        m->batch = 0;
        for (size_t i = 0; i < m->npend; i++) {
            m->on = 1;
            push(m, m->pend[i].member, m->pend[i].kind, m->pend[i].points);
        }
    }
    check_all(db, m);
    printf("%zu events checked\n", m->nev);
    free(m->ev);
    free(m);
    patron_close(db);
}

int main(int argc, char **argv)
{
    pt_args(argc, argv, &steps, &seed, 1500, 20261202);
    printf("events model: %ld steps, seed %llu\n", steps, (unsigned long long)seed);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(model_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
