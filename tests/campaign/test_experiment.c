/* The seeds' 30-day experiment, end to end from one store: new customers
 * make a first purchase; 7 days later the post-purchase journey's first step
 * (a follow-up) is due; each member it is due for is assigned to the
 * campaign's treatment or control group (half each), the treatment is sent
 * the follow-up (a `sent` event, sometimes opened and clicked), the control
 * is held out. Customers buy again or not (the treatment more often); some
 * second purchases are returned. 14 days after each follow-up the campaign
 * is measured from the store: second-purchase rate, basket and time to the
 * second purchase per group, and the difference with its test — compared
 * with what the simulation itself recorded (no store read), and the effect
 * must be found. */
#include <math.h>
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

#define T0 1735689600 /* 2025-01-01 00:00 UTC */
#define DAY 86400
#define N 400

static uint64_t rng = 88172645463325252u;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double unit(void)
{
    return (double)(next() >> 11) / 9007199254740992.0;
}

typedef struct {
    int64_t id;
    int64_t first_day;   /* day of the first purchase (= join day) */
    int assigned;        /* 0 none, 1 done */
    int32_t group;
    int64_t assigned_at;
    int64_t second_at;   /* planned second purchase (0: none) */
    int64_t second_amount;
    int returned;        /* the second purchase is returned 2 days after it */
    int recorded;
} customer;

static void event(patron_db *db, int64_t member, int64_t at, int32_t kind, const char *channel)
{
    char key[48];
    snprintf(key, sizeof key, "followup-%s", patron_behaviour_kind_name(kind));
    patron_behaviour_event e = PATRON_BEHAVIOUR_EVENT_INIT;
    e.key = key;
    e.member_id = member;
    e.at = at;
    e.kind = kind;
    e.campaign = "followup-7d";
    e.source = channel;
    if (patron_behaviour_record(db, NULL, &e) != PATRON_OK)
        fail_msg("event: %s", patron_errmsg());
}

/* Each day at noon: the follow-ups due, assigned, sent to the treatment. */
static void run_day(patron_db *db, customer *c, int64_t day, int64_t *sent)
{
    int64_t now = T0 + day * DAY + DAY / 2;
    for (int i = 0; i < N; i++) /* purchases of the day before noon */
        if (c[i].second_at && !c[i].recorded && c[i].second_at <= now) {
            char key[32];
            snprintf(key, sizeof key, "second-%d", i);
            pt_buy(db, key, c[i].id, c[i].second_at, "coffee", c[i].second_amount);
            c[i].recorded = 1;
            if (c[i].returned)
                assert_int_equal(patron_earn_return(db, key, c[i].second_at + 2 * DAY), PATRON_OK);
        }
    patron_store_frame_options fo = PATRON_STORE_FRAME_OPTIONS_INIT;
    fo.as_of = now;
    fo.channels = "sms";
    patron_frame *frame = NULL;
    if (patron_frame_from_db(db, &frame, &fo) != PATRON_OK) {
        assert_int_equal(day, 0); /* nobody has bought yet on the first morning */
        return;
    }
    patron_journey_options jo = PATRON_JOURNEY_OPTIONS_INIT;
    jo.now = now;
    jo.channels = "sms";
    jo.post_purchase_days[0] = 7;
    jo.post_purchase_days[1] = 40;
    jo.post_purchase_days[2] = 50;
    patron_journey_due_item *items = NULL;
    size_t n = 0;
    if (patron_journey_due(&items, &n, db, frame, &jo) != PATRON_OK)
        fail_msg("journey due: %s", patron_errmsg());
    for (size_t k = 0; k < n; k++) {
        patron_journey_due_item *it = &items[k];
        if (it->journey != PATRON_JOURNEY_POST_PURCHASE || it->step != 1)
            continue;
        int i = -1;
        for (int j = 0; j < N; j++)
            if (c[j].id == it->member_id)
                i = j;
        assert_true(i >= 0);
        int32_t g = -1;
        int64_t at = 0;
        assert_int_equal(patron_campaign_assign(db, &g, &at, "followup-7d", it->member_id, now), PATRON_OK);
        /* the journey step is marked for both groups: the control is held
         * out, not asked again tomorrow */
        assert_int_equal(patron_journey_mark_sent(db, it), PATRON_OK);
        if (at != now)
            continue; /* a later purchase's follow-up: not part of the experiment */
        assert_int_equal(c[i].assigned, 0);
        assert_int_equal(day, c[i].first_day + 7);
        c[i].assigned = 1;
        c[i].group = g;
        c[i].assigned_at = now;
        int treated = g == PATRON_CAMPAIGN_TREATMENT;
        if (treated) {
            event(db, it->member_id, now, PATRON_BEHAVIOUR_SENT, it->channel);
            (*sent)++;
            if (unit() < 0.5) {
                event(db, it->member_id, now + 3600, PATRON_BEHAVIOUR_OPENED, it->channel);
                if (unit() < 0.4)
                    event(db, it->member_id, now + 3700, PATRON_BEHAVIOUR_CLICKED, it->channel);
            }
        }
        /* the response: a second purchase within 20 days, more often after the follow-up */
        if (unit() < (treated ? 0.40 : 0.20)) {
            c[i].second_at = now + 1 + (int64_t)(unit() * 20 * DAY);
            c[i].second_amount = 500 + (int64_t)(unit() * (treated ? 3000 : 2500));
            c[i].returned = unit() < 0.1;
        }
    }
    patron_free(items);
    patron_frame_free(frame);
}

typedef struct {
    int64_t assigned, converted, revenue;
    double basket, days;
} tally;

static void test_thirty_days(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    patron_campaign_def d = PATRON_CAMPAIGN_DEF_INIT;
    d.name = "followup-7d";
    d.offer = "post-purchase follow-up 7 days after the first purchase";
    d.control_share = 0.5;
    d.conversion_days = 14;
    assert_int_equal(patron_campaign_create(db, &d), PATRON_OK);
    customer *c = calloc(N, sizeof *c);
    assert_non_null(c);
    for (int i = 0; i < N; i++) { /* joins and first purchases over the first 9 days */
        c[i].first_day = 1 + (int64_t)(next() % 9);
        int64_t at = T0 + c[i].first_day * DAY + (int64_t)(next() % (DAY / 2)) - DAY / 2 + 1;
        char phone[32], key[32];
        snprintf(phone, sizeof phone, "+4479%08d", 11000000 + i);
        c[i].id = pt_member(db, phone, "sms", at);
        snprintf(key, sizeof key, "first-%d", i);
        pt_buy(db, key, c[i].id, at, "coffee", 800 + (int64_t)(next() % 2000));
    }
    int64_t sent = 0;
    for (int64_t day = 0; day <= 30; day++)
        run_day(db, c, day, &sent);
    for (int i = 0; i < N; i++)
        assert_int_equal(c[i].assigned, 1); /* everyone got their follow-up on day 7 */

    /* what the simulation recorded, by the campaign's rules */
    tally t[2] = {{0}};
    int64_t as_of = T0 + 31 * DAY; /* every window (the last opened on day 16) has ended */
    for (int i = 0; i < N; i++) {
        tally *g = &t[c[i].group];
        g->assigned++;
        int64_t from = c[i].assigned_at, to = from + 14 * DAY;
        if (c[i].second_at > from && c[i].second_at <= to && !(c[i].returned && c[i].second_at + 2 * DAY <= as_of)) {
            g->converted++;
            g->revenue += c[i].second_amount;
            g->basket += (double)c[i].second_amount;
            g->days += (double)(c[i].second_at - from) / DAY;
        }
    }
    patron_campaign_measure_result r = {.size = sizeof r};
    assert_int_equal(patron_campaign_measure(db, &r, "followup-7d", as_of, NULL), PATRON_OK);
    const patron_campaign_outcome *o[2] = {&r.control, &r.treatment};
    for (int g = 0; g < 2; g++) {
        assert_int_equal(o[g]->assigned, t[g].assigned);
        assert_int_equal(o[g]->pending, 0);
        assert_int_equal(o[g]->measured, t[g].assigned);
        assert_int_equal(o[g]->converted, t[g].converted);
        assert_int_equal(o[g]->purchases, t[g].converted);
        assert_int_equal(o[g]->revenue, t[g].revenue);
        assert_true(fabs(o[g]->conversion_rate - (double)t[g].converted / (double)t[g].assigned) < 1e-15);
        assert_true(fabs(o[g]->avg_basket - t[g].basket / (double)t[g].converted) < 1e-9);
        assert_true(fabs(o[g]->avg_days_to_convert - t[g].days / (double)t[g].converted) < 1e-9);
    }
    assert_int_equal(r.treatment.sent, sent);
    assert_int_equal(r.control.sent, 0);
    assert_true(r.treatment.opened > 0 && r.treatment.clicked > 0 && r.treatment.clicked <= r.treatment.opened);
    /* time to the second purchase = 7 days to the follow-up + days after it */
    double to_second = 7 + r.treatment.avg_days_to_convert;
    assert_true(to_second > 7 && to_second <= 21);
    /* the follow-up works (40% vs 20% by construction) and the test sees it */
    assert_true(r.conversion_diff > 0.08);
    assert_true(r.conversion_p_value < 0.01);
    assert_true(r.conversion_diff_ci[0] > 0 && r.conversion_diff_ci[0] < r.conversion_diff);
    assert_true(r.incremental_conversions > 10);
    assert_true(r.srm_p_value > 0.001); /* the hash split as planned */
    /* halfway, the later windows are still open */
    patron_campaign_measure_result mid = {.size = sizeof mid};
    assert_int_equal(patron_campaign_measure(db, &mid, "followup-7d", T0 + 26 * DAY, NULL), PATRON_OK);
    assert_true(mid.treatment.pending > 0 && mid.treatment.measured > 0);
    assert_int_equal(mid.treatment.pending + mid.treatment.measured, mid.treatment.assigned);
    free(c);
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_thirty_days)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
