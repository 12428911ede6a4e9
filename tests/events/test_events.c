/* The events outbox (include/patron/events.h, docs/guide/events.md): what
 * is appended for each change, that failures, replays, rollbacks and the
 * switch being off append nothing, payloads, consumers' cursors and
 * acknowledgements, reading inside a batch, the job's matured and expiring
 * lots, and (PostgreSQL) that an event committed late with a lower id is
 * still delivered, after the ones a reader was already given. */
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "internal/events.h"
#include "internal/store.h"
#include "patron.h"
#include "store_support.h"

#define T0 INT64_C(1767225600) /* 2026-01-01 */
#define DAY INT64_C(86400)

static int64_t num_field(const char *json, const char *name)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", name);
    const char *p = strstr(json, pat);
    assert_non_null(p);
    return strtoll(p + strlen(pat), NULL, 10);
}

/* Every event so far (from position 0), as a list. */
static patron_event_list *all_events(patron_db *db)
{
    patron_event_list *l = NULL;
    assert_int_equal(patron_events_read(db, &l, 0, PATRON_EVENTS_READ_MAX), PATRON_OK);
    return l;
}

static size_t count_events(patron_db *db)
{
    patron_event_list *l = all_events(db);
    size_t n = patron_event_list_count(l);
    patron_event_list_free(l);
    return n;
}

static void earn(patron_db *db, const char *key, int64_t member, int64_t points, int64_t at, patron_posting_result *r)
{
    patron_posting_request q = pt_posting(key, member, points, at);
    assert_int_equal(patron_ledger_earn(db, r, &q), PATRON_OK);
}

static void off_by_default_and_nothing_recorded(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int on = -1;
    assert_int_equal(patron_events_enabled(db, &on), PATRON_OK);
    assert_int_equal(on, 0);
    int64_t m = pt_member(db, "+972501000001", "sms", T0);
    patron_posting_result r;
    earn(db, "e1", m, 100, T0 + 1, &r);
    assert_int_equal(count_events(db), 0);
    assert_int_equal(patron_events_enable(db, 1), PATRON_OK);
    assert_int_equal(patron_events_enabled(db, &on), PATRON_OK);
    assert_int_equal(on, 1);
    earn(db, "e2", m, 50, T0 + 2, &r);
    assert_int_equal(count_events(db), 1);
    assert_int_equal(patron_events_enable(db, 0), PATRON_OK);
    earn(db, "e3", m, 50, T0 + 3, &r);
    assert_int_equal(count_events(db), 1); /* what was recorded stays */
    patron_close(db);
}

/* One event per change, with its kind and payload; in a member's order. */
static void every_change_appends_its_event(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    assert_int_equal(patron_events_enable(db, 1), PATRON_OK);
    patron_tier_def tiers[] = {{"Silver", 0}, {"Gold", 100}};
    patron_tier_config tc = PATRON_TIER_CONFIG_INIT;
    tc.metric = PATRON_TIER_POINTS;
    assert_int_equal(patron_tier_configure(db, &tc, tiers, 2), PATRON_OK);
    int64_t a = pt_member(db, "+972501000001", "sms", T0);
    int64_t b = pt_member(db, "+972501000002", "sms", T0);
    patron_posting_result e1, rd, ad, rv, tr;
    earn(db, "a-earn", a, 300, T0 + 10, &e1);
    patron_posting_request q = pt_posting("a-redeem", a, 40, T0 + 20);
    assert_int_equal(patron_ledger_redeem(db, &rd, &q), PATRON_OK);
    q = pt_posting("a-adjust", a, -5, T0 + 30);
    q.reason = "goodwill";
    q.operator_name = "ops";
    assert_int_equal(patron_ledger_adjust(db, &ad, &q), PATRON_OK);
    q = pt_posting("a-reverse", a, 10, T0 + 40);
    q.target = e1.posting_id;
    assert_int_equal(patron_ledger_reverse(db, &rv, &q), PATRON_OK);
    q = pt_posting("a-transfer", a, 15, T0 + 50);
    q.target = b;
    assert_int_equal(patron_ledger_transfer(db, &tr, &q), PATRON_OK);
    patron_tier_status ts;
    assert_int_equal(patron_tier_evaluate(db, &ts, a, T0 + 60), PATRON_OK);
    assert_int_equal(patron_profile_merge(db, a, b, T0 + 70, "ops", "duplicate"), PATRON_OK);
    assert_int_equal(patron_profile_erase(db, a, T0 + 80, "dpo"), PATRON_OK);

    static const struct {
        const char *kind;
        int member; /* 0: a, 1: b */
        int64_t points;
    } want[] = {
        {"member.enrolled", 0, 0},         {"member.enrolled", 1, 0},   {"points.earned", 0, 300},
        {"points.redeemed", 0, -40},       {"points.adjusted", 0, -5},  {"points.reversed", 0, -10},
        {"points.transferred_out", 0, -15}, {"points.transferred_in", 1, 15}, {"tier.changed", 0, 0},
        /* the merge moves b's lot with a pair of transfer postings, then says so */
        {"points.transferred_out", 1, -15}, {"points.transferred_in", 0, 15}, {"member.merged", 0, 0},
        {"member.erased", 0, 0},
    };
    size_t nwant = sizeof want / sizeof want[0];
    patron_event_list *l = all_events(db);
    assert_int_equal(patron_event_list_count(l), nwant);
    int64_t prev = 0;
    for (size_t i = 0; i < nwant; i++) {
        const patron_event *e = patron_event_list_get(l, i);
        assert_string_equal(e->kind, want[i].kind);
        assert_int_equal(e->member_id, want[i].member ? b : a);
        assert_true(e->position > prev);
        prev = e->position;
        if (!strncmp(e->kind, "points.", 7))
            assert_int_equal(num_field(e->payload, "points"), want[i].points);
    }
    const patron_event *earned = patron_event_list_get(l, 2);
    assert_int_equal(num_field(earned->payload, "posting"), e1.posting_id);
    assert_int_equal(num_field(earned->payload, "total"), 300);
    assert_int_equal(earned->at, T0 + 10);
    assert_non_null(strstr(earned->payload, "\"key\":\"a-earn\""));
    assert_int_equal(num_field(patron_event_list_get(l, 5)->payload, "target"), e1.posting_id);
    const patron_event *tier = patron_event_list_get(l, 8);
    assert_non_null(strstr(tier->payload, "\"to\":\"Gold\""));
    const patron_event *merged = patron_event_list_get(l, 11);
    assert_int_equal(num_field(merged->payload, "merged"), b);
    assert_int_equal(num_field(merged->payload, "points_moved"), 15);
    assert_null(patron_event_list_get(l, nwant));
    assert_int_equal(patron_event_list_last(l), prev);
    patron_event_list_free(l);
    patron_close(db);
}

static void failures_replays_and_rollbacks_append_nothing(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    assert_int_equal(patron_events_enable(db, 1), PATRON_OK);
    int64_t m = pt_member(db, "+972501000001", "sms", T0);
    patron_posting_result r;
    earn(db, "k1", m, 100, T0 + 1, &r);
    size_t n = count_events(db);
    earn(db, "k1", m, 100, T0 + 5, &r); /* replay */
    assert_int_equal(r.replayed, 1);
    patron_posting_request q = pt_posting("k2", m, 1000, T0 + 2);
    assert_int_equal(patron_ledger_redeem(db, &r, &q), PATRON_EBALANCE);
    q = pt_posting("k1", m, 7, T0 + 2); /* key used with other content */
    assert_int_equal(patron_ledger_earn(db, &r, &q), PATRON_ECONFLICT);
    assert_int_equal(count_events(db), n);
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    earn(db, "k3", m, 5, T0 + 3, &r);
    patron_event_list *l = NULL;
    assert_int_equal(patron_events_read(db, &l, 0, 10), PATRON_EINVAL); /* not inside a batch */
    assert_int_equal(patron_batch_rollback(db), PATRON_OK);
    assert_int_equal(count_events(db), n);
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    earn(db, "k4", m, 5, T0 + 3, &r);
    q = pt_posting("k5", m, 1000, T0 + 4);
    assert_int_equal(patron_ledger_redeem(db, &r, &q), PATRON_EBALANCE); /* fails alone */
    earn(db, "k6", m, 5, T0 + 5, &r);
    assert_int_equal(patron_batch_commit(db), PATRON_OK);
    assert_int_equal(count_events(db), n + 2);
    patron_close(db);
}

static void consumers_read_and_acknowledge(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    assert_int_equal(patron_events_enable(db, 1), PATRON_OK);
    int64_t m = pt_member(db, "+972501000001", "sms", T0);
    patron_posting_result r;
    for (int i = 0; i < 9; i++) {
        char k[16];
        snprintf(k, sizeof k, "e%d", i);
        earn(db, k, m, 10 + i, T0 + 1 + i, &r);
    }
    int64_t cur = -1;
    assert_int_equal(patron_events_cursor(db, &cur, "crm"), PATRON_OK);
    assert_int_equal(cur, 0);
    patron_event_list *l = NULL;
    assert_int_equal(patron_events_fetch(db, &l, "crm", 4), PATRON_OK);
    assert_int_equal(patron_event_list_count(l), 4);
    assert_string_equal(patron_event_list_get(l, 0)->kind, "member.enrolled");
    int64_t last = patron_event_list_last(l);
    patron_event_list_free(l);
    /* not acknowledged: the same events again (at least once) */
    assert_int_equal(patron_events_fetch(db, &l, "crm", 4), PATRON_OK);
    assert_int_equal(patron_event_list_last(l), last);
    patron_event_list_free(l);
    assert_int_equal(patron_events_ack(db, "crm", last), PATRON_OK);
    assert_int_equal(patron_events_ack(db, "crm", last - 2), PATRON_OK); /* never moves back */
    assert_int_equal(patron_events_cursor(db, &cur, "crm"), PATRON_OK);
    assert_int_equal(cur, last);
    assert_int_equal(patron_events_fetch(db, &l, "crm", 100), PATRON_OK);
    assert_int_equal(patron_event_list_count(l), 6);
    assert_true(patron_event_list_get(l, 0)->position > last);
    assert_int_equal(num_field(patron_event_list_get(l, 0)->payload, "points"), 13);
    int64_t end = patron_event_list_last(l);
    patron_event_list_free(l);
    /* another consumer has its own cursor */
    assert_int_equal(patron_events_fetch(db, &l, "webhooks", 100), PATRON_OK);
    assert_int_equal(patron_event_list_count(l), 10);
    patron_event_list_free(l);
    /* acknowledging what was never given, bad names and arguments */
    assert_int_equal(patron_events_ack(db, "crm", end + 1), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "never given"));
    assert_int_equal(patron_events_ack(db, "", 1), PATRON_EINVAL);
    assert_int_equal(patron_events_ack(db, "crm", -1), PATRON_EINVAL);
    assert_int_equal(patron_events_read(db, &l, -1, 10), PATRON_EINVAL);
    assert_int_equal(patron_events_read(db, &l, 0, 0), PATRON_EINVAL);
    assert_int_equal(patron_events_read(db, &l, 0, PATRON_EVENTS_READ_MAX + 1), PATRON_EINVAL);
    assert_int_equal(patron_events_cursor(db, &cur, "crm"), PATRON_OK);
    assert_int_equal(cur, last);
    /* an empty read keeps the cursor */
    assert_int_equal(patron_events_read(db, &l, end, 10), PATRON_OK);
    assert_int_equal(patron_event_list_count(l), 0);
    assert_int_equal(patron_event_list_last(l), end);
    patron_event_list_free(l);
    patron_close(db);
}

/* The job: a pending lot announced once when it matures, a lot announced
 * once when its expiry comes within the horizon. */
static void job_announces_matured_and_expiring_lots(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    p.expiry_months = 1;
    p.hold_seconds = 14 * DAY;
    assert_int_equal(patron_ledger_set_policy(db, &p), PATRON_OK);
    int64_t m = pt_member(db, "+972501000001", "sms", T0);
    patron_posting_result r;
    int64_t n = -1;
    assert_int_equal(patron_events_notify(db, &n, T0, 7), PATRON_OK);
    assert_int_equal(n, 0); /* the outbox is off: nothing */
    assert_int_equal(patron_events_enable(db, 1), PATRON_OK);
    earn(db, "e1", m, 100, T0, &r); /* matures T0 + 14d, expires a month later */
    assert_int_equal(patron_events_notify(db, &n, T0 + 1 * DAY, 7), PATRON_OK);
    assert_int_equal(n, 0);
    assert_int_equal(patron_events_notify(db, &n, T0 + 15 * DAY, 7), PATRON_OK);
    assert_int_equal(n, 1); /* matured */
    assert_int_equal(patron_events_notify(db, &n, T0 + 16 * DAY, 7), PATRON_OK);
    assert_int_equal(n, 0); /* announced once */
    patron_balance bal;
    assert_int_equal(patron_ledger_balance(db, &bal, m, T0 + 16 * DAY), PATRON_OK);
    patron_event_list *l = all_events(db);
    const patron_event *e = patron_event_list_get(l, patron_event_list_count(l) - 1);
    assert_string_equal(e->kind, "points.matured");
    assert_int_equal(e->at, T0 + 14 * DAY);
    assert_int_equal(num_field(e->payload, "points"), 100);
    int64_t expires = num_field(e->payload, "expires_at");
    patron_event_list_free(l);
    assert_int_equal(patron_events_notify(db, &n, expires - 8 * DAY, 7), PATRON_OK);
    assert_int_equal(n, 0);
    assert_int_equal(patron_events_notify(db, &n, expires - 6 * DAY, 7), PATRON_OK);
    assert_int_equal(n, 1); /* expiring within 7 days */
    assert_int_equal(patron_events_notify(db, &n, expires - 5 * DAY, 7), PATRON_OK);
    assert_int_equal(n, 0);
    l = all_events(db);
    e = patron_event_list_get(l, patron_event_list_count(l) - 1);
    assert_string_equal(e->kind, "points.expiring");
    assert_int_equal(num_field(e->payload, "expires_at"), expires);
    assert_int_equal(e->at, expires - 6 * DAY);
    patron_event_list_free(l);
    assert_int_equal(patron_events_notify(db, &n, T0, 0), PATRON_EINVAL);
    patron_close(db);
}

/* ---- PostgreSQL: a late commit with a lower id -------------------------- */

typedef struct reader_arg {
    const char *uri;
    int64_t after;
    patron_event_list *got;
    int rc;
} reader_arg;

static void *reader(void *p)
{
    reader_arg *a = p;
    patron_db *db = NULL;
    patron_db_options o = PATRON_DB_OPTIONS_INIT;
    o.busy_timeout_ms = 60000;
    a->rc = patron_open(&db, a->uri, &o);
    if (a->rc == PATRON_OK)
        a->rc = patron_events_read(db, &a->got, a->after, 100);
    patron_close(db);
    return NULL;
}

typedef struct earner_arg {
    patron_db *db;
    int64_t member;
    atomic_int done;
} earner_arg;

static void *earner(void *p)
{
    earner_arg *e = p;
    patron_posting_request q = pt_posting("b-earn", e->member, 10, T0 + 2);
    patron_posting_result r;
    if (patron_ledger_earn(e->db, &r, &q) != PATRON_OK)
        fprintf(stderr, "earner: %s\n", patron_errmsg());
    atomic_store(&e->done, 1);
    return NULL;
}

static void late_commit_with_lower_id_is_not_skipped(void **state)
{
    (void)state;
    if (!pt_backend_is_postgres())
        skip(); /* SQLite has one writer at a time: commit order is id order */
    char uri[1100];
    snprintf(uri, sizeof uri, "%s", pt_store_open_uri(pt_store_uri(1)));
    patron_db *a = NULL, *b = NULL;
    patron_db_options o = PATRON_DB_OPTIONS_INIT;
    o.busy_timeout_ms = 60000;
    assert_int_equal(patron_open(&a, uri, &o), PATRON_OK);
    assert_int_equal(patron_open(&b, uri, &o), PATRON_OK);
    assert_int_equal(patron_events_enable(a, 1), PATRON_OK);
    int64_t m1 = pt_member(a, "+972501000001", "sms", T0), m2 = pt_member(a, "+972501000002", "sms", T0);
    patron_event_list *l = all_events(a);
    int64_t start = patron_event_list_last(l);
    patron_event_list_free(l);
    /* `a` appends an event for m1 in a member-scoped transaction left open
     * (it takes the lower id); `b` then posts for m2 and commits */
    patron__tx_scope_members(a);
    assert_int_equal(patron__tx_begin(a), PATRON_OK);
    assert_int_equal(patron__tx_lock_member(a, m1), PATRON_OK);
    assert_int_equal(patron__event_append(a, m1, "points.earned", T0 + 1, "{\"late\":1}"), PATRON_OK);
    /* (in a thread: when another test's exclusive transaction queues for
     * the database-wide store lock, `b` waits behind it, and it behind `a`;
     * `a` commits below either way, so the three never wait in a circle) */
    earner_arg ea = {b, m2, 0};
    pthread_t et;
    assert_int_equal(pthread_create(&et, NULL, earner, &ea), 0);
    for (int i = 0; i < 60 && !atomic_load(&ea.done); i++) {
        struct timespec tick = {0, 50 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    /* a reader now waits for `a` instead of passing the lower id */
    reader_arg ra = {uri, start, NULL, -1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, reader, &ra), 0);
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep(&pause, NULL);
    assert_int_equal(patron__tx_end(a, PATRON_OK), PATRON_OK);
    pthread_join(t, NULL);
    pthread_join(et, NULL);
    assert_int_equal(ra.rc, PATRON_OK);
    assert_int_equal(patron_event_list_count(ra.got), 2);
    const patron_event *e0 = patron_event_list_get(ra.got, 0), *e1 = patron_event_list_get(ra.got, 1);
    assert_true(e0->id < e1->id); /* one round of sequencing: id order */
    assert_int_equal(e0->member_id, m1);
    assert_true(e1->position > e0->position);
    patron_event_list_free(ra.got);
    patron_close(a);
    patron_close(b);
}

/* patron_ledger_earn_many writes in bulk when it can; with the outbox on,
 * every posting still has its event (the call then posts one by one). */
static void earn_many_appends_every_event(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int64_t a = pt_member(db, "+972501000011", "sms", T0);
    int64_t b = pt_member(db, "+972501000012", "sms", T0);
    assert_int_equal(patron_events_enable(db, 1), PATRON_OK);
    patron_posting_request r[3] = {pt_posting("m-1", a, 10, T0 + 1), pt_posting("m-2", b, 20, T0 + 2),
                                   pt_posting("m-3", a, 30, T0 + 3)};
    patron_posting_result res[3];
    assert_int_equal(patron_ledger_earn_many(db, res, r, 3), PATRON_OK);
    patron_event_list *l = all_events(db);
    size_t earned = 0;
    for (size_t i = 0; i < patron_event_list_count(l); i++)
        earned += !strcmp(patron_event_list_get(l, i)->kind, "points.earned");
    assert_int_equal(earned, 3);
    patron_event_list_free(l);
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(off_by_default_and_nothing_recorded),
        cmocka_unit_test(every_change_appends_its_event),
        cmocka_unit_test(earn_many_appends_every_event),
        cmocka_unit_test(failures_replays_and_rollbacks_append_nothing),
        cmocka_unit_test(consumers_read_and_acknowledge),
        cmocka_unit_test(job_announces_matured_and_expiring_lots),
        cmocka_unit_test(late_commit_with_lower_id_is_not_skipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
