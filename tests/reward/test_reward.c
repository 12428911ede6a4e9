/* The rewards catalogue (patron/reward.h): adding and changing rewards
 * (audited, checked field by field), the catalogue list, and redemption:
 * points through the ledger, stock, idempotency by key, window and minimum
 * tier, fulfilment and cancellation (points and unit returned), events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "failalloc.h"
#include "patron.h"
#include "store_support.h"

#define T0 INT64_C(1767225600) /* 2026-01-01 */
#define DAY 86400

static patron_reward reward(const char *code, int64_t cost, int64_t stock)
{
    patron_reward r = PATRON_REWARD_INIT;
    r.code = code;
    r.cost = cost;
    r.stock = stock;
    return r;
}

static int redeem(patron_db *db, patron_redemption *out, const char *key, const char *code, int64_t member, int64_t at)
{
    patron_reward_request q = PATRON_REWARD_REQUEST_INIT;
    q.key = key;
    q.reward = code;
    q.member_id = member;
    q.at = at;
    if (out)
        out->size = sizeof *out;
    return patron_reward_redeem(db, out, &q);
}

static patron_reward_info get(patron_db *db, const char *code)
{
    patron_reward_info i;
    i.size = sizeof i;
    assert_int_equal(patron_reward_get(db, &i, code), PATRON_OK);
    return i;
}

static void earn(patron_db *db, const char *key, int64_t member, int64_t points, int64_t at)
{
    patron_posting_request q = pt_posting(key, member, points, at);
    assert_int_equal(patron_ledger_earn(db, NULL, &q), PATRON_OK);
}

static void test_catalogue(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    assert_int_equal(patron_db_set_actor(db, "carol"), PATRON_OK);
    int created = -1;
    patron_reward r = reward("mug", 500, 10);
    r.title = "A mug";
    assert_int_equal(patron_reward_set(db, &created, &r), PATRON_OK);
    assert_int_equal(created, 1);
    r.cost = 450;
    r.valid_from = T0;
    r.valid_to = T0 + 30 * DAY;
    assert_int_equal(patron_reward_set(db, &created, &r), PATRON_OK);
    assert_int_equal(created, 0);
    patron_reward_info i = get(db, "mug");
    assert_string_equal(i.code, "mug");
    assert_string_equal(i.title, "A mug");
    assert_int_equal(i.cost, 450);
    assert_int_equal(i.stock, 10);
    assert_int_equal(i.valid_to, T0 + 30 * DAY);
    assert_string_equal(i.min_tier, "");
    patron_reward c = reward("coffee", 100, PATRON_REWARD_UNLIMITED);
    assert_int_equal(patron_reward_set(db, NULL, &c), PATRON_OK);
    patron_reward z = reward("zero", 100, 0);
    assert_int_equal(patron_reward_set(db, NULL, &z), PATRON_OK);

    patron_reward_catalogue *l = NULL;
    assert_int_equal(patron_reward_list(db, &l, 0), PATRON_OK);
    assert_int_equal(patron_reward_catalogue_count(l), 3);
    assert_string_equal(patron_reward_catalogue_get(l, 0)->code, "coffee");
    assert_string_equal(patron_reward_catalogue_get(l, 1)->code, "mug");
    assert_null(patron_reward_catalogue_get(l, 3));
    patron_reward_catalogue_free(l);
    /* redeemable now: inside the window and stock left */
    assert_int_equal(patron_reward_list(db, &l, T0 + 40 * DAY), PATRON_OK);
    assert_int_equal(patron_reward_catalogue_count(l), 1);
    assert_string_equal(patron_reward_catalogue_get(l, 0)->code, "coffee");
    patron_reward_catalogue_free(l);
    assert_int_equal(patron_reward_list(db, &l, T0 + DAY), PATRON_OK);
    assert_int_equal(patron_reward_catalogue_count(l), 2);
    patron_reward_catalogue_free(l);

    struct { patron_reward r; int rc; const char *says; } bad[] = {
        {reward("mug", 0, 1), PATRON_EINVAL, "cost 0"},
        {reward("mug", 10, -2), PATRON_EINVAL, "stock -2"},
        {reward("Mug", 10, 1), PATRON_EINVAL, "code"},
        {reward(NULL, 10, 1), PATRON_EINVAL, "code is required"},
        {reward("mug", 10, 1), PATRON_EINVAL, "valid_to"},
        {reward("mug", 10, 1), PATRON_ENOTFOUND, "min_tier 'gold'"},
    };
    bad[4].r.valid_from = T0;
    bad[4].r.valid_to = T0;
    bad[5].r.min_tier = "gold";
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(patron_reward_set(db, NULL, &bad[k].r), bad[k].rc);
        if (!strstr(patron_errmsg(), bad[k].says))
            fail_msg("case %zu: '%s' does not say '%s'", k, patron_errmsg(), bad[k].says);
    }
    i = get(db, "mug"); /* untouched */
    assert_int_equal(i.cost, 450);
    assert_int_equal(i.stock, 10);
    i.size = sizeof i;
    assert_int_equal(patron_reward_get(db, &i, "nothing"), PATRON_ENOTFOUND);
    assert_non_null(strstr(patron_errmsg(), "nothing"));

    patron_audit_query aq = PATRON_AUDIT_QUERY_INIT;
    aq.actor = "carol";
    patron_audit_entries *e = NULL;
    assert_int_equal(patron_audit_list(db, &e, &aq), PATRON_OK);
    assert_int_equal(patron_audit_entries_count(e), 4);
    assert_string_equal(patron_audit_entries_get(e, 0)->action, "reward.add");
    assert_string_equal(patron_audit_entries_get(e, 1)->action, "reward.change");
    assert_non_null(strstr(patron_audit_entries_get(e, 1)->detail, "\"old\":{\"title\":\"A mug\",\"cost\":500"));
    assert_non_null(strstr(patron_audit_entries_get(e, 1)->detail, "\"new\":{\"title\":\"A mug\",\"cost\":450"));
    patron_audit_entries_free(e);
    patron_close(db);
}

static void test_redeem_cancel_fulfil(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    assert_int_equal(patron_events_enable(db, 1), PATRON_OK);
    int64_t m = pt_member(db, "+972501234567", "sms", T0);
    earn(db, "order-1", m, 500, T0);
    patron_reward r = reward("mug", 200, 2);
    assert_int_equal(patron_reward_set(db, NULL, &r), PATRON_OK);
    patron_redemption x;
    assert_int_equal(redeem(db, &x, "r1", "mug", m, T0 + 10), PATRON_OK);
    assert_int_equal(x.replayed, 0);
    assert_int_equal(x.status, PATRON_REWARD_ISSUED);
    assert_int_equal(x.points, 200);
    assert_int_equal(x.member_id, m);
    assert_true(x.posting_id > 0);
    assert_int_equal(pt_available(db, m, T0 + 10), 300);
    assert_int_equal(get(db, "mug").stock, 1);
    /* a retry changes nothing */
    patron_redemption y;
    assert_int_equal(redeem(db, &y, "r1", "mug", m, T0 + 99), PATRON_OK);
    assert_int_equal(y.replayed, 1);
    assert_int_equal(y.id, x.id);
    assert_int_equal(y.at, T0 + 10);
    assert_int_equal(pt_available(db, m, T0 + 10), 300);
    assert_int_equal(get(db, "mug").stock, 1);
    patron_reward c = reward("coffee", 50, PATRON_REWARD_UNLIMITED);
    assert_int_equal(patron_reward_set(db, NULL, &c), PATRON_OK);
    assert_int_equal(redeem(db, NULL, "r1", "coffee", m, T0 + 10), PATRON_ECONFLICT);
    assert_non_null(strstr(patron_errmsg(), "already used"));
    assert_int_equal(redeem(db, NULL, "r2", "mug", m, T0 + 20), PATRON_OK);
    assert_int_equal(get(db, "mug").stock, 0);
    /* out of stock: nothing taken */
    assert_int_equal(redeem(db, NULL, "r3", "mug", m, T0 + 30), PATRON_ERANGE);
    assert_non_null(strstr(patron_errmsg(), "out of stock"));
    assert_int_equal(pt_available(db, m, T0 + 30), 100);
    /* cancel: the points and the unit come back; again: nothing more */
    assert_int_equal(patron_reward_cancel(db, &y, "r2", T0 + 40), PATRON_OK);
    assert_int_equal(y.status, PATRON_REWARD_CANCELLED);
    assert_int_equal(y.changed_at, T0 + 40);
    assert_int_equal(y.replayed, 0);
    assert_int_equal(pt_available(db, m, T0 + 40), 300);
    assert_int_equal(get(db, "mug").stock, 1);
    assert_int_equal(patron_reward_cancel(db, &y, "r2", T0 + 41), PATRON_OK);
    assert_int_equal(y.replayed, 1);
    assert_int_equal(pt_available(db, m, T0 + 41), 300);
    assert_int_equal(get(db, "mug").stock, 1);
    assert_int_equal(patron_reward_fulfil(db, NULL, "r2", T0 + 42), PATRON_ECONFLICT);
    assert_non_null(strstr(patron_errmsg(), "cancelled"));
    /* fulfil r1, then it cannot be cancelled */
    assert_int_equal(patron_reward_fulfil(db, &y, "r1", T0 + 50), PATRON_OK);
    assert_int_equal(y.status, PATRON_REWARD_FULFILLED);
    assert_int_equal(patron_reward_fulfil(db, &y, "r1", T0 + 51), PATRON_OK);
    assert_int_equal(y.replayed, 1);
    assert_int_equal(y.changed_at, T0 + 50);
    assert_int_equal(patron_reward_cancel(db, NULL, "r1", T0 + 52), PATRON_ECONFLICT);
    assert_int_equal(patron_reward_cancel(db, NULL, "nope", T0 + 52), PATRON_ENOTFOUND);
    assert_int_equal(patron_reward_cancel(db, NULL, "r1", T0), PATRON_ECONFLICT);
    patron_reward_info i = get(db, "mug");
    assert_int_equal(i.issued, 0);
    assert_int_equal(i.fulfilled, 1);
    assert_int_equal(i.cancelled, 1);
    /* not enough points: EBALANCE, stock untouched */
    patron_reward big = reward("bike", 10000, 5);
    assert_int_equal(patron_reward_set(db, NULL, &big), PATRON_OK);
    assert_int_equal(redeem(db, NULL, "r4", "bike", m, T0 + 60), PATRON_EBALANCE);
    assert_int_equal(get(db, "bike").stock, 5);
    assert_int_equal(redeem(db, NULL, "r4", "nothing", m, T0 + 60), PATRON_ENOTFOUND);
    assert_int_equal(redeem(db, NULL, "r4", "mug", 9999, T0 + 60), PATRON_ENOTFOUND);
    assert_int_equal(redeem(db, NULL, "r4 ", "mug", m, T0 + 60), PATRON_EINVAL);
    patron_redemption g;
    g.size = sizeof g;
    assert_int_equal(patron_reward_redemption_get(db, &g, "r4"), PATRON_ENOTFOUND);
    assert_int_equal(patron_reward_redemption_get(db, &g, "r2"), PATRON_OK);
    assert_int_equal(g.status, PATRON_REWARD_CANCELLED);
    /* the outbox: redeemed r1, r2, cancelled r2 */
    patron_event_list *ev = NULL;
    assert_int_equal(patron_events_read(db, &ev, 0, 100), PATRON_OK);
    const char *want[] = {"reward.redeemed", "reward.redeemed", "reward.cancelled"};
    size_t k = 0;
    for (size_t j = 0; j < patron_event_list_count(ev); j++) {
        const patron_event *e = patron_event_list_get(ev, j);
        if (strncmp(e->kind, "reward.", 7))
            continue;
        assert_true(k < 3);
        assert_string_equal(e->kind, want[k]);
        assert_int_equal(e->member_id, m);
        assert_non_null(strstr(e->payload, "\"reward\":\"mug\""));
        k++;
    }
    assert_int_equal(k, 3);
    patron_event_list_free(ev);
    patron_close(db);
}

static void test_window_and_tier(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    patron_tier_def tiers[] = {{"bronze", 0}, {"gold", 1000}};
    patron_tier_config tc = PATRON_TIER_CONFIG_INIT;
    tc.metric = PATRON_TIER_POINTS;
    assert_int_equal(patron_tier_configure(db, &tc, tiers, 2), PATRON_OK);
    int64_t m = pt_member(db, "+972501234567", "sms", T0);
    earn(db, "o1", m, 600, T0);
    patron_reward r = reward("lounge", 100, PATRON_REWARD_UNLIMITED);
    r.min_tier = "gold";
    r.valid_from = T0 + DAY;
    r.valid_to = T0 + 10 * DAY;
    assert_int_equal(patron_reward_set(db, NULL, &r), PATRON_OK);
    assert_int_equal(redeem(db, NULL, "a", "lounge", m, T0 + 2 * DAY), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "has no tier"));
    patron_tier_status st;
    assert_int_equal(patron_tier_evaluate(db, &st, m, T0 + 2 * DAY), PATRON_OK);
    assert_string_equal(st.tier, "bronze");
    assert_int_equal(redeem(db, NULL, "a", "lounge", m, T0 + 2 * DAY), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "lower tier"));
    earn(db, "o2", m, 600, T0 + 2 * DAY);
    assert_int_equal(patron_tier_evaluate(db, &st, m, T0 + 2 * DAY), PATRON_OK);
    assert_string_equal(st.tier, "gold");
    assert_int_equal(redeem(db, NULL, "a", "lounge", m, T0), PATRON_EINVAL); /* before the window */
    assert_non_null(strstr(patron_errmsg(), "redeemable from"));
    assert_int_equal(redeem(db, NULL, "a", "lounge", m, T0 + 10 * DAY), PATRON_EINVAL); /* at its end */
    assert_int_equal(pt_available(db, m, T0 + 2 * DAY), 1200);
    assert_int_equal(redeem(db, NULL, "a", "lounge", m, T0 + 3 * DAY), PATRON_OK);
    assert_int_equal(pt_available(db, m, T0 + 3 * DAY), 1100);
    patron_close(db);
}

/* Everything the modules do, in one self-contained run for the allocation
 * walk: a fresh store file, a reward redeemed and cancelled, a campaign
 * generated, validated, redeemed, published and listed. */
static char fault_path[1100];

static int full_flow(void *ctx)
{
    (void)ctx;
    pt_remove_store(fault_path);
    patron_db *db = NULL;
    int rc = patron_open(&db, fault_path, NULL);
    if (rc)
        return rc;
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "M";
    f.phone = "+972501234567";
    f.consent = "sms";
    int64_t m = 0;
    patron_posting_request e = PATRON_POSTING_REQUEST_INIT;
    e.key = "o1";
    e.points = 500;
    e.at = T0;
    patron_reward r = reward("mug", 100, 3);
    patron_reward_request q = PATRON_REWARD_REQUEST_INIT;
    q.key = "r1";
    q.reward = "mug";
    q.at = T0 + 1;
    patron_coupon_campaign c = PATRON_COUPON_CAMPAIGN_INIT;
    c.name = "summer";
    c.amount_off = 100;
    c.pattern = "S-####";
    c.count = 5;
    patron_coupon_codes *l = NULL;
    patron_reward_catalogue *cat = NULL;
    patron_coupon_result cr = {.size = sizeof cr};
    patron_coupon_publication p = {.size = sizeof p};
    if (!(rc = patron_events_enable(db, 1)) && !(rc = patron_profile_add(db, &m, &f, T0))) {
        e.member_id = q.member_id = m;
        if (!(rc = patron_ledger_earn(db, NULL, &e)) && !(rc = patron_reward_set(db, NULL, &r)) &&
            !(rc = patron_reward_redeem(db, NULL, &q)) && !(rc = patron_reward_cancel(db, NULL, "r1", T0 + 2)) &&
            !(rc = patron_reward_list(db, &cat, 0)) && !(rc = patron_coupon_create(db, NULL, &c)) &&
            !(rc = patron_coupon_list(db, &l, "summer"))) {
            patron_coupon_request cq = PATRON_COUPON_REQUEST_INIT;
            cq.code = patron_coupon_codes_get(l, 0)->code;
            cq.member_id = m;
            cq.at = T0 + 3;
            cq.key = "c1";
            if (!(rc = patron_coupon_validate(db, &cr, &cq)) && !(rc = patron_coupon_redeem(db, &cr, &cq)))
                rc = patron_coupon_publish(db, &p, "summer", NULL, m, T0 + 4);
        }
    }
    patron_coupon_codes_free(l);
    patron_reward_catalogue_free(cat);
    patron_close(db);
    return rc;
}

static void test_allocation_failures_are_clean(void **state)
{
    (void)state;
    if (pt_backend_is_postgres())
        skip(); /* one SQLite file per run of the walk; the paths are the same code */
    snprintf(fault_path, sizeof fault_path, "%s", pt_store_uri(1));
    size_t points = pt_failalloc_walk(full_flow, NULL, NULL);
    assert_true(points > 20);
    pt_remove_store(fault_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue),
        cmocka_unit_test(test_redeem_cancel_fulfil),
        cmocka_unit_test(test_window_and_tier),
        cmocka_unit_test(test_allocation_failures_are_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
