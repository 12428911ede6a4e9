/* patron_member_card(): each field of the card checked against the store's
 * own answers (tier, balance) and against what the test recorded: purchases
 * with lines, quantities, channel and location, a return, a merge, a consent
 * withdrawn, a journey step sent, points about to expire, segments over the
 * store's summary. Runs on SQLite and on PostgreSQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "internal/json.h"
#include "patron.h"
#include "store_support.h"

#define T0 1700000000
#define DAY 86400

static void buy(patron_db *db, const char *key, int64_t member, int64_t at, const patron_purchase_line *lines,
                const int64_t *qty, size_t n, const char *channel, const char *location)
{
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = key;
    p.member_id = member;
    p.at = at;
    p.lines = lines;
    p.n_lines = n;
    p.quantities = qty;
    p.channel = channel;
    p.location = location;
    patron_earn_result r;
    assert_int_equal(patron_earn_purchase(db, &r, &p), PATRON_OK);
}

static patron_json *card(patron_db *db, int64_t member, int64_t at, const patron_card_options *extra)
{
    patron_card_options o = PATRON_CARD_OPTIONS_INIT;
    if (extra)
        o = *extra;
    o.as_of = at;
    char *json = NULL;
    if (patron_member_card(db, &json, member, &o) != PATRON_OK)
        fail_msg("card: %s", patron_errmsg());
    patron_json *doc = NULL;
    if (patron__json_parse(&doc, json, strlen(json)) != PATRON_OK)
        fail_msg("card is not JSON: %s\n%s", patron_errmsg(), json);
    patron_free(json);
    return doc;
}

static int64_t num(const patron_json *v, const char *key)
{
    const patron_json *x = patron__json_get(v, key);
    if (!x || !patron__json_is_number(x))
        fail_msg("'%s' is not a number", key);
    return (int64_t)patron__json_number(x);
}

static const char *str(const patron_json *v, const char *key)
{
    const patron_json *x = patron__json_get(v, key);
    return x ? patron__json_string(x) : NULL;
}

static int is_null(const patron_json *v, const char *key)
{
    const patron_json *x = patron__json_get(v, key);
    return x && patron__json_type(x) == PATRON_JSON_NULL;
}

typedef struct {
    patron_db *db;
    int64_t ann, bob;
} world;

static world build(void)
{
    world w;
    w.db = pt_store_new(NULL);
    patron_db *db = w.db;
    patron_tier_def tiers[] = {{"silver", 0}, {"gold", 8000}};
    assert_int_equal(patron_tier_configure(db, NULL, tiers, 2), PATRON_OK);
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Ann";
    f.email = "ann@example.com";
    f.city = "Haifa";
    f.consent = "email,sms";
    assert_int_equal(patron_profile_add(db, &w.ann, &f, T0), PATRON_OK);
    patron_profile_fields g = PATRON_PROFILE_FIELDS_INIT;
    g.name = "Ann L";
    g.phone = "+972501234567";
    g.consent = "sms";
    assert_int_equal(patron_profile_add(db, &w.bob, &g, T0), PATRON_OK);
    assert_int_equal(patron_consent_record(db, w.ann, "sms", 0, T0 + 3 * DAY, "web"), PATRON_OK);
    patron_posting_request r = pt_posting("bonus-soon", w.ann, 100, T0);
    r.expires_at = T0 + 40 * DAY;
    patron_posting_result pr;
    assert_int_equal(patron_ledger_earn(db, &pr, &r), PATRON_OK);
    r = pt_posting("bonus-later", w.ann, 50, T0);
    r.expires_at = T0 + 400 * DAY;
    assert_int_equal(patron_ledger_earn(db, &pr, &r), PATRON_OK);
    patron_purchase_line p1[] = {{"shoes", "SH-1", 3000}, {"socks", NULL, 500}};
    int64_t q1[] = {2, 3};
    buy(db, "p1", w.ann, T0 + 1 * DAY, p1, q1, 2, "pos", "tlv-1");
    patron_purchase_line p2[] = {{"socks", NULL, 1000}};
    buy(db, "p2", w.ann, T0 + 8 * DAY, p2, NULL, 1, "web", NULL);
    patron_purchase_line p3[] = {{"hats", NULL, 4000}};
    buy(db, "p3", w.bob, T0 + 5 * DAY, p3, NULL, 1, NULL, NULL);
    assert_int_equal(patron_earn_return(db, "p2", T0 + 15 * DAY), PATRON_OK);
    patron_journey_due_item item;
    memset(&item, 0, sizeof item);
    item.member_id = w.ann;
    item.journey = PATRON_JOURNEY_WELCOME;
    item.step = 1;
    item.anchor = T0;
    assert_int_equal(patron_journey_mark_sent(db, &item), PATRON_OK);
    /* campaigns: the duplicate was assigned to spring first; summer comes after the merge */
    patron_campaign_def c = PATRON_CAMPAIGN_DEF_INIT;
    c.name = "spring";
    c.control_share = 0.5;
    assert_int_equal(patron_campaign_create(db, &c), PATRON_OK);
    c.name = "summer";
    assert_int_equal(patron_campaign_create(db, &c), PATRON_OK);
    assert_int_equal(patron_campaign_assign(db, NULL, NULL, "spring", w.bob, T0 + 1 * DAY), PATRON_OK);
    assert_int_equal(patron_campaign_assign(db, NULL, NULL, "spring", w.ann, T0 + 2 * DAY), PATRON_OK);
    assert_int_equal(patron_profile_merge(db, w.ann, w.bob, T0 + 12 * DAY, "test", "duplicate"), PATRON_OK);
    assert_int_equal(patron_campaign_assign(db, NULL, NULL, "summer", w.ann, T0 + 16 * DAY), PATRON_OK);
    return w;
}

static void test_card_fields(void **state)
{
    (void)state;
    world w = build();
    int64_t at = T0 + 20 * DAY;
    patron_json *doc = card(w.db, w.bob, at, NULL); /* a merged id: the card of the member it joined */
    assert_int_equal(num(doc, "member_id"), w.ann);
    assert_int_equal(num(doc, "as_of"), at);
    const patron_json *prof = patron__json_get(doc, "profile");
    assert_string_equal(str(prof, "name"), "Ann");
    assert_string_equal(str(prof, "city"), "Haifa");
    assert_int_equal(num(prof, "joined_at"), T0);
    assert_null(patron__json_get(prof, "journey_welcome_1")); /* in journeys_sent, not here */
    const patron_json *cons = patron__json_get(doc, "consents");
    assert_true(patron__json_bool(patron__json_get(cons, "email")));
    assert_false(patron__json_bool(patron__json_get(cons, "sms"))); /* withdrawn on day 3 */
    char *next = NULL;
    assert_int_equal(patron_profile_next_field(w.db, &next, w.ann), PATRON_OK);
    assert_string_equal(str(doc, "next_question"), next);
    patron_free(next);

    patron_tier_status ts;
    assert_int_equal(patron_tier_get(w.db, &ts, w.ann, at), PATRON_OK);
    const patron_json *tier = patron__json_get(doc, "tier");
    assert_string_equal(str(tier, "name"), ts.tier);
    assert_int_equal(num(tier, "since"), ts.since);
    assert_int_equal(num(tier, "value"), ts.value);
    assert_string_equal(str(tier, "qualifies"), ts.qualifies);
    assert_int_equal(patron__json_type(patron__json_get(doc, "tier_history")), PATRON_JSON_ARRAY);

    patron_balance bal;
    assert_int_equal(patron_ledger_balance(w.db, &bal, w.ann, at), PATRON_OK);
    const patron_json *pts = patron__json_get(doc, "points");
    assert_int_equal(num(pts, "available"), bal.available);
    assert_int_equal(num(pts, "pending"), bal.pending);
    assert_int_equal(num(pts, "expiring"), 100); /* day 40 is within 30 days of day 20; day 400 is not */
    assert_int_equal(num(pts, "expiring_days"), 30);

    /* day 20: p2 was returned on day 15; p3 was Bob's, merged into Ann */
    const patron_json *pu = patron__json_get(doc, "purchases");
    assert_int_equal(num(pu, "orders"), 2);
    assert_int_equal(num(pu, "spend"), 3500 + 4000);
    assert_int_equal(num(pu, "first_at"), T0 + 1 * DAY);
    assert_int_equal(num(pu, "last_at"), T0 + 5 * DAY);
    assert_int_equal(num(pu, "avg_basket"), 3750);
    assert_true(patron__json_number(patron__json_get(pu, "avg_days_between")) == 4.0);
    assert_true(patron__json_number(patron__json_get(pu, "last_days_between")) == 4.0);
    assert_string_equal(str(pu, "favourite_category"), "hats"); /* 4000 against shoes 3000 */
    const patron_json *recent = patron__json_get(pu, "recent");
    assert_int_equal(patron__json_len(recent), 2);
    const patron_json *r0 = patron__json_at(recent, 0), *r1 = patron__json_at(recent, 1);
    assert_string_equal(str(r0, "key"), "p3");
    assert_true(is_null(r0, "channel"));
    assert_string_equal(str(r1, "key"), "p1");
    assert_string_equal(str(r1, "channel"), "pos");
    assert_string_equal(str(r1, "location"), "tlv-1");
    assert_int_equal(num(r1, "amount"), 3500);
    const patron_json *lines = patron__json_get(r1, "lines");
    assert_int_equal(patron__json_len(lines), 2);
    assert_string_equal(str(patron__json_at(lines, 0), "category"), "shoes");
    assert_string_equal(str(patron__json_at(lines, 0), "product"), "SH-1");
    assert_int_equal(num(patron__json_at(lines, 0), "quantity"), 2);
    assert_int_equal(num(patron__json_at(lines, 1), "quantity"), 3);
    assert_int_equal(num(patron__json_at(lines, 1), "amount"), 500);

    assert_true(is_null(doc, "segments")); /* no frame given */
    const patron_json *sent = patron__json_get(doc, "journeys_sent");
    assert_int_equal(patron__json_len(sent), 1);
    assert_string_equal(str(patron__json_at(sent, 0), "journey"), "welcome");
    assert_int_equal(num(patron__json_at(sent, 0), "step"), 1);
    assert_int_equal(num(patron__json_at(sent, 0), "event_at"), T0);
    /* campaigns, newest first; spring is the duplicate's earlier assignment */
    const patron_json *camps = patron__json_get(doc, "campaigns");
    assert_int_equal(patron__json_len(camps), 2);
    assert_string_equal(str(patron__json_at(camps, 0), "campaign"), "summer");
    assert_int_equal(num(patron__json_at(camps, 0), "assigned_at"), T0 + 16 * DAY);
    assert_string_equal(str(patron__json_at(camps, 1), "campaign"), "spring");
    assert_int_equal(num(patron__json_at(camps, 1), "assigned_at"), T0 + 1 * DAY);
    int32_t g = -1;
    assert_int_equal(patron_campaign_assign(w.db, &g, NULL, "summer", w.ann, at), PATRON_OK);
    assert_string_equal(str(patron__json_at(camps, 0), "group"), g == PATRON_CAMPAIGN_TREATMENT ? "treatment" : "control");
    patron__json_free(doc);

    /* day 10: the return had not happened yet */
    doc = card(w.db, w.ann, T0 + 10 * DAY, NULL);
    pu = patron__json_get(doc, "purchases");
    assert_int_equal(num(pu, "orders"), 3);
    assert_int_equal(num(pu, "spend"), 3500 + 1000 + 4000);
    assert_string_equal(str(pu, "favourite_category"), "hats");
    assert_string_equal(str(patron__json_at(patron__json_get(pu, "recent"), 0), "channel"), "web");
    assert_true(patron__json_bool(patron__json_get(patron__json_get(doc, "consents"), "email")));
    assert_int_equal(patron__json_len(patron__json_get(doc, "campaigns")), 1); /* summer not yet */
    patron__json_free(doc);

    /* before anything: nulls, not zeros that look like data */
    doc = card(w.db, w.ann, T0 + 1, NULL);
    pu = patron__json_get(doc, "purchases");
    assert_int_equal(num(pu, "orders"), 0);
    assert_true(is_null(pu, "first_at") && is_null(pu, "avg_basket") && is_null(pu, "avg_days_between") &&
                is_null(pu, "favourite_category"));
    assert_int_equal(patron__json_len(patron__json_get(pu, "recent")), 0);
    patron__json_free(doc);
    patron_close(w.db);
}

static void test_segments_over_the_store_summary(void **state)
{
    (void)state;
    world w = build();
    int64_t at = T0 + 20 * DAY;
    patron_store_log_options lo = PATRON_STORE_LOG_OPTIONS_INIT;
    lo.as_of = at;
    patron_txlog *log = NULL;
    assert_int_equal(patron_txlog_from_db(w.db, &log, &lo), PATRON_OK);
    patron_summary_options so = PATRON_SUMMARY_OPTIONS_INIT;
    so.observation_end = at;
    patron_frame *frame = NULL;
    assert_int_equal(patron_summarize(&frame, log, &so), PATRON_OK);
    patron_card_options o = PATRON_CARD_OPTIONS_INIT;
    o.frame = frame;
    patron_json *doc = card(w.db, w.ann, at, &o);
    const patron_json *seg = patron__json_get(doc, "segments");
    int returning = 0, at_risk = 0;
    for (size_t i = 0; i < patron__json_len(seg); i++) {
        returning |= !strcmp(patron__json_string(patron__json_at(seg, i)), "returning");
        at_risk |= !strcmp(patron__json_string(patron__json_at(seg, i)), "at_risk");
    }
    assert_true(returning); /* 2 orders */
    assert_false(at_risk);  /* last purchase 15 days ago */
    patron__json_free(doc);
    const patron_segment_def defs[] = {{"big", "total_spend >= 7000"}, {"huge", "total_spend >= 9000"}};
    o.segments = defs;
    o.nsegments = 2;
    doc = card(w.db, w.ann, at, &o);
    seg = patron__json_get(doc, "segments");
    assert_int_equal(patron__json_len(seg), 1);
    assert_string_equal(patron__json_string(patron__json_at(seg, 0)), "big");
    patron__json_free(doc);
    const patron_segment_def bad[] = {{"oops", "no_such_column > 1"}};
    o.segments = bad;
    o.nsegments = 1;
    o.as_of = at;
    char *json = (char *)&json;
    assert_int_equal(patron_member_card(w.db, &json, w.ann, &o), PATRON_ENOTFOUND); /* as patron_segment_select */
    assert_non_null(strstr(patron_errmsg(), "no_such_column"));
    assert_ptr_equal(json, (char *)&json);
    patron_frame_free(frame);
    patron_txlog_free(log);
    patron_close(w.db);
}

static void test_arguments(void **state)
{
    (void)state;
    world w = build();
    patron_card_options o = PATRON_CARD_OPTIONS_INIT;
    char *json = NULL;
    assert_int_equal(patron_member_card(w.db, &json, w.ann, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "as_of is required"));
    o.as_of = T0;
    o.expiring_days = 0;
    assert_int_equal(patron_member_card(w.db, &json, w.ann, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "expiring_days 0"));
    o.expiring_days = 30;
    assert_int_equal(patron_member_card(w.db, &json, 999, &o), PATRON_ENOTFOUND);
    assert_int_equal(patron_profile_erase(w.db, w.ann, T0 + 30 * DAY, "test"), PATRON_OK);
    assert_int_equal(patron_member_card(w.db, &json, w.ann, &o), PATRON_ENOTFOUND);
    assert_non_null(strstr(patron_errmsg(), "erased"));
    assert_null(json);
    patron_close(w.db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_card_fields),
        cmocka_unit_test(test_segments_over_the_store_summary),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
