/* Several programs in one store (patron/program.h, docs/guide/programs.md):
 * one member in two programs with independent balances and policies, a
 * member in one program only, posting keys across programs, merges and
 * erasure over every program, the ledger check over both, the reports,
 * the events and the frame per program. Runs on both backends. */
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
#include "program_support.h"

#define T0 INT64_C(1767225600) /* 2026-01-01 */
#define DAY INT64_C(86400)

static patron_posting_result earn(patron_db *db, const char *key, int64_t member, int64_t points, int64_t at)
{
    patron_posting_request r = pt_posting(key, member, points, at);
    patron_posting_result res = {0, 0, 0};
    OK(patron_ledger_earn(db, &res, &r));
    return res;
}

static void test_create_list_use(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    assert_string_equal(patron_program_current(db), "default");
    assert_null(patron_program_current(NULL));
    OK(patron_program_create(db, "partner"));
    OK(patron_program_create(db, "club_gold"));
    assert_int_equal(patron_program_create(db, "partner"), PATRON_ECONFLICT);
    assert_non_null(strstr(patron_errmsg(), "'partner' exists"));
    assert_int_equal(patron_program_create(db, "Bad Name"), PATRON_EINVAL);
    assert_int_equal(patron_program_create(db, ""), PATRON_EINVAL);
    assert_int_equal(patron_program_create(db, NULL), PATRON_EINVAL);
    patron_program_names *l = NULL;
    OK(patron_program_list(db, &l));
    assert_int_equal(patron_program_names_count(l), 3);
    assert_string_equal(patron_program_names_get(l, 0), "default");
    assert_string_equal(patron_program_names_get(l, 1), "partner");
    assert_string_equal(patron_program_names_get(l, 2), "club_gold");
    assert_null(patron_program_names_get(l, 3));
    patron_program_names_free(l);
    assert_int_equal(patron_program_use(db, "nope"), PATRON_ENOTFOUND);
    assert_non_null(strstr(patron_errmsg(), "nope"));
    assert_string_equal(patron_program_current(db), "default"); /* unchanged */
    use(db, "club_gold");
    use(db, "default");
    /* the creation is audited */
    patron_audit_entries *e = NULL;
    patron_audit_query q = PATRON_AUDIT_QUERY_INIT;
    OK(patron_audit_list(db, &e, &q));
    int creates = 0;
    for (size_t i = 0; i < patron_audit_entries_count(e); i++)
        creates += !strcmp(patron_audit_entries_get(e, i)->action, "program.create");
    assert_int_equal(creates, 2);
    patron_audit_entries_free(e);
    patron_close(db);
}

static void test_independent_balances_and_policies(void **state)
{
    (void)state;
    int64_t a, b;
    patron_db *db = two_programs(T0, &a, &b);
    /* partner: points expire after one month and mature after a day */
    use(db, "partner");
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    p.expiry_months = 1;
    p.hold_seconds = DAY;
    OK(patron_ledger_set_policy(db, &p));
    patron_ledger_policy got = PATRON_LEDGER_POLICY_INIT;
    OK(patron_ledger_get_policy(db, &got));
    assert_int_equal(got.expiry_months, 1);
    earn(db, "p-a-1", a, 50, T0);
    use(db, "default");
    OK(patron_ledger_get_policy(db, &got));
    assert_int_equal(got.expiry_months, 0); /* the default program's policy is its own */
    assert_int_equal(got.hold_seconds, 0);
    earn(db, "d-a-1", a, 100, T0);
    earn(db, "d-b-1", b, 7, T0);
    assert_int_equal(pt_available(db, a, T0), 100);
    assert_int_equal(pt_available(db, a, T0 + 60 * DAY), 100);
    use(db, "partner");
    assert_int_equal(pt_available(db, a, T0), 0); /* held a day */
    assert_int_equal(pt_available(db, a, T0 + DAY), 50);
    assert_int_equal(pt_available(db, a, T0 + 60 * DAY), 0); /* expired */
    /* expiry runs over the current program only */
    int64_t np = 0, pts = 0;
    OK(patron_ledger_expire(db, &np, &pts, T0 + 60 * DAY));
    assert_int_equal(np, 1);
    assert_int_equal(pts, 50);
    use(db, "default");
    OK(patron_ledger_expire(db, &np, &pts, T0 + 60 * DAY));
    assert_int_equal(np, 0);
    assert_int_equal(pt_available(db, a, T0 + 60 * DAY), 100);
    /* a redemption in one program takes nothing from the other */
    patron_posting_request r = pt_posting("d-a-r", a, 30, T0 + 2 * DAY);
    OK(patron_ledger_redeem(db, NULL, &r));
    assert_int_equal(pt_available(db, a, T0 + 2 * DAY), 70);
    use(db, "partner");
    assert_int_equal(pt_available(db, a, T0 + 2 * DAY), 50);
    r = pt_posting("p-a-r", a, 51, T0 + 2 * DAY);
    assert_int_not_equal(patron_ledger_redeem(db, NULL, &r), PATRON_OK); /* 50 there */
    /* statements name the member, not an account id, and hold the program's postings only */
    patron_statement *s = NULL;
    OK(patron_ledger_statement(db, &s, a, T0 - DAY, T0 + 90 * DAY));
    assert_int_equal(patron_statement_count(s), 2); /* earn, expire */
    assert_int_equal(patron_statement_get(s, 0)->member_id, a);
    assert_string_equal(patron_statement_get(s, 0)->key, "p-a-1");
    patron_statement_free(s);
    patron_ledger_report rep;
    OK(patron_ledger_check(db, &rep));
    assert_int_equal(rep.members, 2);
    assert_int_equal(rep.postings, 5);
    patron_close(db);
}

static void test_member_of_one_program(void **state)
{
    (void)state;
    int64_t a, b;
    patron_db *db = two_programs(T0, &a, &b);
    use(db, "partner");
    patron_posting_request r = pt_posting("p-b-1", b, 10, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_ENOTFOUND);
    assert_non_null(strstr(patron_errmsg(), "has not joined program 'partner'"));
    patron_balance bal;
    assert_int_equal(patron_ledger_balance(db, &bal, b, T0), PATRON_ENOTFOUND);
    assert_int_equal(patron_ledger_earn_many(db, NULL, &r, 1), PATRON_ENOTFOUND);
    patron_program_member *ids = NULL;
    size_t n = 0;
    OK(patron_program_members(db, &ids, &n));
    assert_int_equal(n, 1);
    assert_int_equal(ids[0].member_id, a);
    assert_int_equal(ids[0].joined_at, T0 - 50 * DAY);
    patron_free(ids);
    use(db, "default");
    OK(patron_program_members(db, &ids, &n));
    assert_int_equal(n, 2);
    patron_free(ids);
    patron_program_names *l = NULL;
    OK(patron_program_member_list(db, &l, a));
    assert_int_equal(patron_program_names_count(l), 2);
    assert_string_equal(patron_program_names_get(l, 0), "default");
    assert_string_equal(patron_program_names_get(l, 1), "partner");
    patron_program_names_free(l);
    OK(patron_program_member_list(db, &l, b));
    assert_int_equal(patron_program_names_count(l), 1);
    patron_program_names_free(l);
    assert_int_equal(patron_program_member_list(db, &l, 999), PATRON_ENOTFOUND);
    /* joining: b joins partner (twice is once), an unknown member cannot */
    use(db, "partner");
    OK(patron_program_join(db, b, T0));
    OK(patron_program_join(db, b, T0 + DAY));
    assert_int_equal(patron_program_join(db, 999, T0), PATRON_ENOTFOUND);
    assert_int_equal(patron_program_join(db, (INT64_C(1) << 40), T0), PATRON_ENOTFOUND);
    r = pt_posting("p-b-1", b, 10, T0);
    OK(patron_ledger_earn(db, NULL, &r));
    r = pt_posting("p-b-2", b, 5, T0);
    patron_posting_result res[1];
    OK(patron_ledger_earn_many(db, res, &r, 1));
    assert_int_equal(pt_available(db, b, T0), 15);
    /* ids beyond the bound are refused in programs other than the default */
    patron_balance x;
    assert_int_equal(patron_ledger_balance(db, &x, INT64_C(1) << 41, T0), PATRON_ERANGE);
    use(db, "default");
    assert_int_equal(pt_available(db, b, T0), 0);
    patron_close(db);
}

static void test_keys_across_programs(void **state)
{
    (void)state;
    int64_t a, b;
    patron_db *db = two_programs(T0, &a, &b);
    patron_posting_result r1 = earn(db, "k-1", a, 10, T0);
    /* the same request again in the same program: a replay */
    patron_posting_result r2 = earn(db, "k-1", a, 10, T0 + 5);
    assert_int_equal(r2.posting_id, r1.posting_id);
    assert_int_equal(r2.replayed, 1);
    use(db, "partner");
    patron_posting_request r = pt_posting("k-1", a, 10, T0);
    assert_int_equal(patron_ledger_earn(db, NULL, &r), PATRON_ECONFLICT);
    assert_non_null(strstr(patron_errmsg(), "in program 'default'"));
    assert_int_equal(patron_ledger_earn_many(db, NULL, &r, 1), PATRON_ECONFLICT);
    r = pt_posting("k-1", a, 10, T0);
    assert_int_equal(patron_ledger_redeem(db, NULL, &r), PATRON_ECONFLICT);
    assert_int_equal(pt_available(db, a, T0), 0);
    /* a posting of another program cannot be reversed from here */
    patron_posting_request v = PATRON_POSTING_REQUEST_INIT;
    v.key = "rev-1";
    v.target = r1.posting_id;
    v.points = 10;
    v.at = T0 + DAY;
    assert_int_equal(patron_ledger_reverse(db, NULL, &v), PATRON_ENOTFOUND);
    v.member_id = a;
    assert_int_equal(patron_ledger_reverse(db, NULL, &v), PATRON_ENOTFOUND);
    patron_posting_result pr = earn(db, "k-2", a, 8, T0);
    v.target = pr.posting_id;
    v.points = 3;
    OK(patron_ledger_reverse(db, NULL, &v));
    assert_int_equal(pt_available(db, a, T0 + DAY), 5);
    use(db, "default");
    assert_int_equal(pt_available(db, a, T0 + DAY), 10);
    OK(patron_ledger_check(db, NULL));
    patron_close(db);
}

static void test_merge_over_programs(void **state)
{
    (void)state;
    int64_t a, b;
    patron_db *db = two_programs(T0, &a, &b);
    int64_t c = pt_member(db, "050-000-0003", "none", T0 - 100 * DAY);
    use(db, "partner");
    OK(patron_program_join(db, b, T0 - 10 * DAY));
    earn(db, "p-a", a, 40, T0);
    earn(db, "p-b", b, 2, T0);
    use(db, "default");
    earn(db, "d-a", a, 100, T0);
    earn(db, "d-b", b, 20, T0);
    earn(db, "d-c", c, 1, T0);
    /* merging b into a: both programs move */
    OK(patron_profile_merge(db, a, b, T0 + DAY, "op", "duplicate"));
    assert_int_equal(pt_available(db, a, T0 + 2 * DAY), 120);
    assert_int_equal(pt_available(db, b, T0 + 2 * DAY), 120); /* the merged id names the survivor */
    use(db, "partner");
    assert_int_equal(pt_available(db, a, T0 + 2 * DAY), 42);
    assert_int_equal(pt_available(db, b, T0 + 2 * DAY), 42);
    earn(db, "p-b-after", b, 1, T0 + 2 * DAY); /* lands in a's account */
    assert_int_equal(pt_available(db, a, T0 + 2 * DAY), 43);
    /* merging a into c, who had not joined partner: c becomes a member there */
    OK(patron_profile_merge(db, c, a, T0 + 3 * DAY, "op", "duplicate"));
    assert_int_equal(pt_available(db, c, T0 + 4 * DAY), 43);
    patron_program_names *l = NULL;
    OK(patron_program_member_list(db, &l, c));
    assert_int_equal(patron_program_names_count(l), 2);
    patron_program_names_free(l);
    use(db, "default");
    assert_int_equal(pt_available(db, c, T0 + 4 * DAY), 121);
    patron_ledger_report rep;
    OK(patron_ledger_check(db, &rep));
    assert_int_equal(rep.members, 3);
    patron_close(db);
}

static void test_erasure(void **state)
{
    (void)state;
    int64_t a, b;
    patron_db *db = two_programs(T0, &a, &b);
    use(db, "partner");
    earn(db, "p-a", a, 40, T0);
    use(db, "default");
    earn(db, "d-a", a, 10, T0);
    /* the member's data export holds every program's postings */
    char *json = NULL;
    OK(patron_profile_export(db, &json, a));
    const char *d = strstr(json, "\"postings\": [\n    {\"id\": 2, \"member_id\": 1, \"kind\": \"earn\", \"points\": 10");
    const char *p = strstr(json, "\"postings@partner\": [\n    {\"id\": 1, \"member_id\": 1, \"kind\": \"earn\", \"points\": 40");
    if (!d || !p)
        fail_msg("export: %s", json);
    patron_free(json);
    OK(patron_profile_erase(db, a, T0 + DAY, "dpo"));
    /* the erased member earns in neither program, as in a store without programs */
    patron_posting_request r = pt_posting("d-a-2", a, 1, T0 + 2 * DAY);
    int rc_default = patron_ledger_earn(db, NULL, &r);
    use(db, "partner");
    r = pt_posting("p-a-2", a, 1, T0 + 2 * DAY);
    int rc_partner = patron_ledger_earn(db, NULL, &r);
    assert_int_equal(rc_partner, rc_default);
    assert_int_equal(patron_program_join(db, a, T0 + 3 * DAY), PATRON_ENOTFOUND);
    OK(patron_ledger_check(db, NULL));
    patron_close(db);
}

static void test_events_reports_frame(void **state)
{
    (void)state;
    int64_t a, b;
    patron_db *db = two_programs(T0, &a, &b);
    OK(patron_events_enable(db, 1));
    use(db, "partner");
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    p.expiry_months = 1;
    OK(patron_ledger_set_policy(db, &p));
    earn(db, "p-a", a, 40, T0);
    use(db, "default");
    earn(db, "d-a", a, 100, T0);
    earn(db, "d-b", b, 9, T0);
    /* events name the member; a program's own carry its name */
    patron_event_list *ev = NULL;
    OK(patron_events_read(db, &ev, 0, 100));
    int seen_partner = 0, seen_default = 0;
    for (size_t i = 0; i < patron_event_list_count(ev); i++) {
        const patron_event *e = patron_event_list_get(ev, i);
        if (strcmp(e->kind, "points.earned"))
            continue;
        assert_true(e->member_id == a || e->member_id == b);
        if (strstr(e->payload, "\"program\":\"partner\""))
            seen_partner++;
        else
            seen_default++;
    }
    patron_event_list_free(ev);
    assert_int_equal(seen_partner, 1);
    assert_int_equal(seen_default, 2);
    /* the "expiring" job covers every program and names the member */
    int64_t appended = 0;
    OK(patron_events_notify(db, &appended, T0 + 20 * DAY, 30));
    assert_int_equal(appended, 1);
    OK(patron_events_read(db, &ev, 0, 100));
    const patron_event *last = patron_event_list_get(ev, patron_event_list_count(ev) - 1);
    assert_string_equal(last->kind, "points.expiring");
    assert_int_equal(last->member_id, a);
    assert_non_null(strstr(last->payload, "\"program\":\"partner\""));
    patron_event_list_free(ev);
    /* the liability report: the current program's postings */
    patron_liability_options lo = PATRON_LIABILITY_OPTIONS_INIT;
    lo.cost_minor = 1;
    lo.cost_points = 1;
    patron_liability_month *months = NULL;
    size_t nm = 0;
    OK(patron_report_liability(&months, &nm, db, &lo));
    assert_true(nm >= 1);
    assert_int_equal(months[0].issued, 109);
    patron_free(months);
    use(db, "partner");
    OK(patron_report_liability(&months, &nm, db, &lo));
    assert_true(nm >= 1);
    assert_int_equal(months[0].issued, 40);
    patron_free(months);
    /* the frame's points columns: the current program's balances (0 for b, not in it) */
    const char *const ids[] = {"1", "2"};
    char ida[24], idb[24];
    snprintf(ida, sizeof ida, "%lld", (long long)a);
    snprintf(idb, sizeof idb, "%lld", (long long)b);
    const char *const rows[] = {ida, idb};
    (void)ids;
    for (int pass = 0; pass < 2; pass++) {
        patron_frame *fr = NULL;
        OK(patron_frame_new(&fr, 2, NULL, rows));
        patron_member_columns_options o = PATRON_MEMBER_COLUMNS_OPTIONS_INIT;
        o.now = T0 + DAY;
        OK(patron_frame_add_member_columns(fr, db, &o));
        const int64_t *bal = patron_frame_int64_by_name(fr, "points_balance");
        if (pass == 0) {
            assert_int_equal(bal[0], 40);
            assert_int_equal(bal[1], 0);
        } else {
            assert_int_equal(bal[0], 100);
            assert_int_equal(bal[1], 9);
        }
        patron_frame_free(fr);
        use(db, "default");
    }
    patron_close(db);
}

/* A store written before programs existed (no programs table) is a store
 * whose every row belongs to the default program: tests/store's migration
 * test covers the schema; here a new handle starts in "default". */
static void test_new_handle_starts_in_default(void **state)
{
    (void)state;
    const char *uri = pt_store_uri(1);
    patron_db *db = NULL;
    OK(patron_open(&db, pt_store_open_uri(uri), NULL));
    OK(patron_profile_set_country(db, "IL"));
    int64_t a = pt_member(db, "050-000-0001", "none", T0);
    OK(patron_program_create(db, "partner"));
    use(db, "partner");
    OK(patron_program_join(db, a, T0));
    earn(db, "p-a", a, 5, T0);
    patron_db *other = pt_store_reopen(NULL);
    assert_string_equal(patron_program_current(other), "default");
    assert_int_equal(pt_available(other, a, T0), 0);
    OK(patron_program_use(other, "partner"));
    assert_int_equal(pt_available(other, a, T0), 5);
    patron_close(other);
    patron_close(db);
}

/* Transfers, adjustments, releases and batches inside one program touch
 * no other program's balances. */
static void test_transfer_adjust_release_in_a_program(void **state)
{
    (void)state;
    int64_t a, b;
    patron_db *db = two_programs(T0, &a, &b);
    earn(db, "d-a", a, 100, T0);
    use(db, "partner");
    OK(patron_program_join(db, b, T0));
    earn(db, "p-a", a, 60, T0);
    patron_posting_request t = pt_posting("p-t", a, 25, T0 + 1);
    t.target = b;
    OK(patron_ledger_transfer(db, NULL, &t));
    patron_posting_request j = pt_posting("p-adj", b, -5, T0 + 2);
    j.reason = "goodwill back";
    j.operator_name = "op";
    OK(patron_ledger_adjust(db, NULL, &j));
    /* pending until an action, then released */
    patron_posting_request h = pt_posting("p-held", b, 7, T0 + 3);
    h.mature_at = PATRON_NEVER;
    OK(patron_ledger_earn(db, NULL, &h));
    assert_int_equal(pt_available(db, b, T0 + 4), 20);
    patron_posting_result rel;
    OK(patron_ledger_release(db, &rel, "p-held", T0 + 5));
    assert_int_equal(pt_available(db, b, T0 + 6), 27);
    assert_int_equal(pt_available(db, a, T0 + 6), 35);
    /* a batch of requests in the program */
    OK(patron_batch_begin(db));
    earn(db, "p-batch-1", a, 1, T0 + 7);
    earn(db, "p-batch-2", b, 2, T0 + 7);
    OK(patron_batch_commit(db));
    assert_int_equal(pt_available(db, a, T0 + 8), 36);
    assert_int_equal(pt_available(db, b, T0 + 8), 29);
    use(db, "default");
    /* the default program: untouched, and the held key is not its own */
    assert_int_equal(pt_available(db, a, T0 + 8), 100);
    assert_int_equal(pt_available(db, b, T0 + 8), 0);
    assert_int_equal(patron_ledger_release(db, NULL, "p-held", T0 + 9), PATRON_ENOTFOUND);
    t = pt_posting("d-t", a, 10, T0 + 9);
    t.target = b;
    OK(patron_ledger_transfer(db, NULL, &t));
    assert_int_equal(pt_available(db, b, T0 + 9), 10);
    OK(patron_ledger_check(db, NULL));
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_list_use),
        cmocka_unit_test(test_independent_balances_and_policies),
        cmocka_unit_test(test_member_of_one_program),
        cmocka_unit_test(test_keys_across_programs),
        cmocka_unit_test(test_merge_over_programs),
        cmocka_unit_test(test_erasure),
        cmocka_unit_test(test_events_reports_frame),
        cmocka_unit_test(test_new_handle_starts_in_default),
        cmocka_unit_test(test_transfer_adjust_release_in_a_program),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
