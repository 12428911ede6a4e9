/* The audit trail (include/patron/audit.h, docs/guide/audit.md): each
 * administrative change recorded once with who, what and when, in the
 * change's transaction (failures, replays and rolled-back batches record
 * nothing); who falls back from the handle's actor to the call's operator
 * to "unknown"; listing by member, actor, time range and pages, checked
 * against a seeded model of the query's words. */
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

static patron_audit_entries *list(patron_db *db, int64_t member, const char *actor, int64_t from, int64_t to)
{
    patron_audit_query q = PATRON_AUDIT_QUERY_INIT;
    q.member_id = member;
    q.actor = actor;
    q.since = from;
    q.until = to;
    patron_audit_entries *l = NULL;
    assert_int_equal(patron_audit_list(db, &l, &q), PATRON_OK);
    return l;
}

static size_t count(patron_db *db)
{
    patron_audit_entries *l = list(db, 0, NULL, 0, 0);
    size_t n = patron_audit_entries_count(l);
    patron_audit_entries_free(l);
    return n;
}

static void every_administrative_change_is_recorded(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    assert_int_equal(patron_db_set_audit_time(db, T0 + 500), PATRON_OK);
    int64_t a = pt_member(db, "+972501000001", "sms", T0), b = pt_member(db, "+972501000002", "sms", T0);
    assert_int_equal(count(db), 0); /* enrolments are not administrative */
    assert_int_equal(patron_db_set_actor(db, "alice"), PATRON_OK);
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    p.expiry_months = 12;
    assert_int_equal(patron_ledger_set_policy(db, &p), PATRON_OK);
    patron_tier_def tiers[] = {{"Silver", 0}, {"Gold", 1000}};
    assert_int_equal(patron_tier_configure(db, NULL, tiers, 2), PATRON_OK);
    patron_earn_rule rule = PATRON_EARN_RULE_INIT;
    rule.name = "base";
    rule.kind = PATRON_EARN_BASE;
    rule.valid_from = T0;
    rule.points = 1;
    rule.per_amount = 100;
    assert_int_equal(patron_earn_rule_add(db, NULL, &rule), PATRON_OK);
    assert_int_equal(patron_db_set_actor(db, NULL), PATRON_OK); /* now the calls' own operators */
    patron_posting_result r;
    patron_posting_request q = pt_posting("adj-1", a, 70, T0 + 10);
    q.reason = "goodwill";
    q.operator_name = "bob";
    assert_int_equal(patron_ledger_adjust(db, &r, &q), PATRON_OK);
    assert_int_equal(patron_ledger_adjust(db, &r, &q), PATRON_OK); /* replay: nothing new */
    assert_int_equal(r.replayed, 1);
    assert_int_equal(patron_profile_merge(db, a, b, T0 + 20, "carol", "same person"), PATRON_OK);
    assert_int_equal(patron_profile_erase(db, a, T0 + 30, "dpo"), PATRON_OK);
    assert_int_equal(patron_events_enable(db, 1), PATRON_OK);

    static const struct {
        const char *action, *actor;
        int member; /* 0 none, 1 a */
        const char *detail;
    } want[] = {
        {"policy.set", "alice", 0, "\"expiry_months\":12"},
        {"tiers.configure", "alice", 0, "{\"name\":\"Gold\",\"threshold\":1000}"},
        {"rule.add", "alice", 0, "\"rule\":\"base\",\"version\":1"},
        {"points.adjust", "bob", 1, "\"points\":70"},
        {"member.merge", "carol", 1, "\"reason\":\"same person\""},
        {"member.erase", "dpo", 1, "\"at\":1767225630"},
        {"events.enable", "unknown", 0, "\"to\":true"},
    };
    patron_audit_entries *l = list(db, 0, NULL, 0, 0);
    assert_int_equal(patron_audit_entries_count(l), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const patron_audit_entry *e = patron_audit_entries_get(l, i);
        assert_string_equal(e->action, want[i].action);
        assert_string_equal(e->actor, want[i].actor);
        assert_int_equal(e->member_id, want[i].member ? a : 0);
        assert_int_equal(e->at, T0 + 500);
        if (!strstr(e->detail, want[i].detail))
            fail_msg("entry %zu: '%s' lacks '%s'", i, e->detail, want[i].detail);
    }
    assert_null(patron_audit_entries_get(l, 7));
    patron_audit_entries_free(l);
    l = list(db, a, NULL, 0, 0);
    assert_int_equal(patron_audit_entries_count(l), 3);
    patron_audit_entries_free(l);
    l = list(db, 0, "alice", 0, 0);
    assert_int_equal(patron_audit_entries_count(l), 3);
    patron_audit_entries_free(l);
    patron_close(db);
}

static void failures_and_rollbacks_record_nothing(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int64_t a = pt_member(db, "+972501000001", "sms", T0);
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    p.expiry_months = -1;
    assert_int_equal(patron_ledger_set_policy(db, &p), PATRON_EINVAL);
    patron_posting_result r;
    patron_posting_request q = pt_posting("adj-1", a, -70, T0 + 10);
    q.reason = "fix";
    q.operator_name = "bob";
    assert_int_equal(patron_ledger_adjust(db, &r, &q), PATRON_EBALANCE);
    assert_int_equal(patron_profile_merge(db, a, a, T0, "carol", NULL), PATRON_EINVAL);
    assert_int_equal(count(db), 0);
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    q.points = 70;
    assert_int_equal(patron_ledger_adjust(db, &r, &q), PATRON_OK);
    assert_int_equal(patron_batch_rollback(db), PATRON_OK);
    assert_int_equal(count(db), 0);
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    assert_int_equal(patron_ledger_adjust(db, &r, &q), PATRON_OK);
    assert_int_equal(patron_batch_commit(db), PATRON_OK);
    assert_int_equal(count(db), 1);
    /* argument checks */
    assert_int_equal(patron_db_set_actor(db, ""), PATRON_EINVAL);
    assert_int_equal(patron_db_set_audit_time(db, INT64_C(1767225600000)), PATRON_EINVAL);
    patron_audit_query bad = PATRON_AUDIT_QUERY_INIT;
    bad.limit = -1;
    patron_audit_entries *l = NULL;
    assert_int_equal(patron_audit_list(db, &l, &bad), PATRON_EINVAL);
    bad = (patron_audit_query)PATRON_AUDIT_QUERY_INIT;
    bad.since = 10;
    bad.until = 5;
    assert_int_equal(patron_audit_list(db, &l, &bad), PATRON_EINVAL);
    assert_null(l);
    /* the clock again: a time from now */
    assert_int_equal(patron_db_set_audit_time(db, -1), PATRON_OK);
    assert_int_equal(patron_events_enable(db, 1), PATRON_OK);
    l = list(db, 0, NULL, 0, 0);
    assert_true(patron_audit_entries_get(l, 1)->at > T0 - 86400 * 365);
    patron_audit_entries_free(l);
    patron_close(db);
}

/* Listing against a model of the query's words: entries about the member
 * (0 any), by the actor (NULL any), recorded in [from, to) (to 0: no end),
 * with ids above after_id, the first `limit` (0: 1000) in id order. */
static void listing_matches_a_model(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    static const char *const actors[] = {"ann", "ben", "cy"};
    int64_t ids[4];
    for (int i = 0; i < 4; i++) {
        char phone[32];
        snprintf(phone, sizeof phone, "+97250200%04d", i);
        ids[i] = pt_member(db, phone, "sms", T0);
    }
    pt_rand r = {4242};
    enum { N = 120 };
    struct {
        int64_t id, at, member;
        int actor;
    } m[N];
    int64_t t = T0;
    for (int i = 0; i < N; i++) {
        int actor = (int)pt_range(&r, 0, 2), who = (int)pt_range(&r, 0, 3);
        t += pt_range(&r, 0, 3); /* several entries per second too */
        assert_int_equal(patron_db_set_actor(db, actors[actor]), PATRON_OK);
        assert_int_equal(patron_db_set_audit_time(db, t), PATRON_OK);
        char key[16];
        snprintf(key, sizeof key, "a%d", i);
        patron_posting_request q = pt_posting(key, ids[who], 1 + i, t);
        q.reason = "model";
        q.operator_name = "ignored: the actor is set";
        patron_posting_result res;
        assert_int_equal(patron_ledger_adjust(db, &res, &q), PATRON_OK);
        m[i].at = t;
        m[i].member = ids[who];
        m[i].actor = actor;
    }
    patron_audit_entries *all = list(db, 0, NULL, 0, 0);
    assert_int_equal(patron_audit_entries_count(all), N);
    for (int i = 0; i < N; i++)
        m[i].id = patron_audit_entries_get(all, (size_t)i)->id;
    patron_audit_entries_free(all);
    for (int c = 0; c < 300; c++) {
        patron_audit_query q = PATRON_AUDIT_QUERY_INIT;
        q.member_id = pt_chance(&r, 50) ? ids[pt_range(&r, 0, 3)] : 0;
        int actor = pt_chance(&r, 50) ? (int)pt_range(&r, 0, 2) : -1;
        q.actor = actor >= 0 ? actors[actor] : NULL;
        q.since = pt_chance(&r, 50) ? T0 + pt_range(&r, 0, t - T0) : 0;
        q.until = pt_chance(&r, 50) ? q.since + pt_range(&r, 0, t - T0) : 0;
        q.after_id = pt_chance(&r, 30) ? m[pt_range(&r, 0, N - 1)].id : 0;
        q.limit = pt_chance(&r, 40) ? pt_range(&r, 1, 20) : 0;
        patron_audit_entries *l = NULL;
        assert_int_equal(patron_audit_list(db, &l, &q), PATRON_OK);
        size_t k = 0;
        int64_t limit = q.limit ? q.limit : 1000;
        for (int i = 0; i < N && (int64_t)k < limit; i++) {
            if ((q.member_id && m[i].member != q.member_id) || (actor >= 0 && m[i].actor != actor) ||
                m[i].at < q.since || (q.until && m[i].at >= q.until) || m[i].id <= q.after_id)
                continue;
            const patron_audit_entry *e = patron_audit_entries_get(l, k++);
            assert_non_null(e);
            assert_int_equal(e->id, m[i].id);
            assert_string_equal(e->actor, actors[m[i].actor]);
            assert_int_equal(e->at, m[i].at);
        }
        assert_int_equal(patron_audit_entries_count(l), k);
        patron_audit_entries_free(l);
    }
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_administrative_change_is_recorded),
        cmocka_unit_test(failures_and_rollbacks_record_nothing),
        cmocka_unit_test(listing_matches_a_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
