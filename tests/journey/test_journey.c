/* Journeys: due steps by timing, consent and channel preference; state in
 * the store; idempotent evaluation and marking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"
#include "store_support.h"

#define NOW INT64_C(1700000000)
#define DAY INT64_C(86400)

static int64_t add_member(patron_db *db, const char *name, const char *email, const char *consent, int64_t joined)
{
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = name;
    f.email = email;
    f.consent = consent;
    f.joined_at = joined;
    int64_t id;
    assert_int_equal(patron_profile_add(db, &id, &f, joined), 0);
    return id;
}

static patron_frame *make_frame(patron_db *db, const int64_t *ids, const int64_t *last, int64_t now)
{
    patron_frame *f;
    assert_int_equal(patron_frame_new(&f, 4, ids, NULL), 0);
    assert_int_equal(patron_frame_add_int64(f, "last_purchase", last), 0);
    const char *const offer[] = {"", "ten_percent", "", ""};
    assert_int_equal(patron_frame_add_string(f, "offer", offer), 0);
    patron_member_columns_options mo = PATRON_MEMBER_COLUMNS_OPTIONS_INIT;
    mo.now = now;
    assert_int_equal(patron_frame_add_member_columns(f, db, &mo), 0);
    return f;
}

/* "member:journey:step:channel:tag;..." */
static void due_text(patron_db *db, const patron_frame *f, int64_t now, char *buf, size_t cap,
                     patron_journey_due_item **items, size_t *n)
{
    patron_journey_options o = PATRON_JOURNEY_OPTIONS_INIT;
    o.now = now;
    o.tag_column = "offer";
    int rc = patron_journey_due(items, n, db, f, &o);
    if (rc)
        fail_msg("due: %s", patron_errmsg());
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < *n; i++) {
        const patron_journey_due_item *it = &(*items)[i];
        k += (size_t)snprintf(buf + k, cap - k, "%s%lld:%d:%d:%s:%s", i ? ";" : "", (long long)it->member_id,
                              (int)it->journey, (int)it->step, it->channel, it->tag);
    }
}

static void test_journeys(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int64_t ann = add_member(db, "Ann", "ann@example.com", "sms,email", NOW - 3 * DAY);
    int64_t bob = add_member(db, "Bob", "bob@example.com", "email", NOW - 100 * DAY);
    int64_t cy = add_member(db, "Cy", "cy@example.com", "none", NOW - DAY);
    int64_t dee = add_member(db, "Dee", "dee@example.com", "sms", NOW - 20 * DAY);
    const int64_t ids[] = {ann, bob, cy, dee};
    const int64_t last[] = {NOW - DAY, NOW - 50 * DAY, NOW - DAY, INT64_MIN};
    patron_frame *f = make_frame(db, ids, last, NOW);
    char want[256], got[256];
    patron_journey_due_item *items;
    size_t n;

    due_text(db, f, NOW, got, sizeof got, &items, &n);
    snprintf(want, sizeof want, "%lld:0:1:email:;%lld:1:1:email:;%lld:2:1:email:ten_percent", (long long)ann,
             (long long)ann, (long long)bob);
    assert_string_equal(got, want);
    assert_int_equal(items[0].anchor, NOW - 3 * DAY);
    assert_int_equal(items[1].scheduled, NOW - DAY);
    assert_int_equal(items[2].row, 1);
    /* evaluation only reads: the same list again */
    patron_free(items);
    due_text(db, f, NOW, got, sizeof got, &items, &n);
    assert_string_equal(got, want);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(patron_journey_mark_sent(db, &items[i]), 0);
        assert_int_equal(patron_journey_mark_sent(db, &items[i]), 0); /* idempotent */
    }
    patron_free(items);

    /* step 1 sent, step 2's day (3) has come: it is due now; nothing is sent twice */
    due_text(db, f, NOW, got, sizeof got, &items, &n);
    snprintf(want, sizeof want, "%lld:0:2:email:", (long long)ann);
    assert_string_equal(got, want);
    assert_int_equal(patron_journey_mark_sent(db, &items[0]), 0);
    patron_free(items);
    due_text(db, f, NOW, got, sizeof got, &items, &n);
    assert_string_equal(got, "");
    assert_null(items);

    /* two days later: post-purchase step 2 */
    patron_frame_free(f);
    f = make_frame(db, ids, last, NOW + 2 * DAY);
    due_text(db, f, NOW + 2 * DAY, got, sizeof got, &items, &n);
    snprintf(want, sizeof want, "%lld:1:2:email:", (long long)ann);
    assert_string_equal(got, want);
    patron_free(items);

    /* Bob buys again: a new post-purchase journey for the new purchase */
    patron_frame_free(f);
    const int64_t last2[] = {NOW - DAY, NOW + DAY, NOW - DAY, INT64_MIN};
    f = make_frame(db, ids, last2, NOW + 2 * DAY);
    due_text(db, f, NOW + 2 * DAY, got, sizeof got, &items, &n);
    snprintf(want, sizeof want, "%lld:1:2:email:;%lld:1:1:email:", (long long)ann, (long long)bob);
    assert_string_equal(got, want);
    patron_free(items);

    /* channel preference: sms first */
    patron_journey_options o = PATRON_JOURNEY_OPTIONS_INIT;
    o.now = NOW + 2 * DAY;
    o.channels = "sms,email";
    assert_int_equal(patron_journey_due(&items, &n, db, f, &o), 0);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].channel, "sms");
    assert_string_equal(items[1].channel, "email");
    patron_free(items);

    /* errors */
    items = NULL;
    o.now = PATRON_TIME_NONE;
    assert_int_equal(patron_journey_due(&items, &n, db, f, &o), PATRON_EINVAL);
    o.now = NOW;
    o.channels = "fax";
    assert_int_equal(patron_journey_due(&items, &n, db, f, &o), PATRON_ENOTFOUND);
    assert_string_equal(patron_errmsg(), "channel 'fax': the frame has no column 'consent.fax'");
    o.channels = "email";
    o.welcome_days[1] = -1;
    assert_int_equal(patron_journey_due(&items, &n, db, f, &o), PATRON_EINVAL);
    assert_null(items);
    patron_journey_due_item bad = {0};
    bad.journey = 2;
    bad.step = 2;
    assert_int_equal(patron_journey_mark_sent(db, &bad), PATRON_EINVAL);
    patron_frame_free(f);
    patron_frame *g;
    assert_int_equal(patron_frame_new(&g, 1, NULL, NULL), 0);
    o.welcome_days[1] = 3;
    o.channels = "";
    assert_int_equal(patron_journey_due(&items, &n, db, g, &o), PATRON_EINVAL);
    patron_frame_free(g);
    patron_close(db);
}

/* A frame of `n` rows: customer ids, last purchases, member columns at `now`. */
static patron_frame *frame_of(patron_db *db, size_t n, const int64_t *ids, const int64_t *last, int64_t now)
{
    patron_frame *f;
    assert_int_equal(patron_frame_new(&f, n, ids, NULL), 0);
    assert_int_equal(patron_frame_add_int64(f, "last_purchase", last), 0);
    patron_member_columns_options mo = PATRON_MEMBER_COLUMNS_OPTIONS_INIT;
    mo.now = now;
    assert_int_equal(patron_frame_add_member_columns(f, db, &mo), 0);
    return f;
}

static size_t due_at(patron_db *db, const patron_frame *f, int64_t now, patron_journey_due_item **items)
{
    patron_journey_options o = PATRON_JOURNEY_OPTIONS_INIT;
    o.now = now;
    size_t n = 0;
    *items = NULL;
    int rc = patron_journey_due(items, &n, db, f, &o);
    if (rc)
        fail_msg("due: %s", patron_errmsg());
    return n;
}

/* issue 21 bug 4: the rows of a merged customer are one member: each step
 * once, anchored on the member's latest purchase, and no step again on the
 * next runs. */
static void test_merged_member_hears_each_step_once(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int64_t a = add_member(db, "Ann", "ann@example.com", "email", NOW);
    int64_t b = add_member(db, "Ann L", "ann.l@example.com", "email", NOW);
    assert_int_equal(patron_profile_merge(db, a, b, NOW, "ops", "same person"), 0);
    const int64_t ids[] = {b, a}, last[] = {NOW - 3600, NOW};
    patron_frame *f = frame_of(db, 2, ids, last, NOW);
    patron_journey_due_item *items;
    for (int run = 0; run < 3; run++) {
        size_t n = due_at(db, f, NOW, &items);
        if (run == 0) {
            assert_int_equal(n, 2);
            assert_int_equal(items[0].member_id, a);
            assert_int_equal(items[0].journey, PATRON_JOURNEY_WELCOME);
            assert_int_equal(items[1].journey, PATRON_JOURNEY_POST_PURCHASE);
            assert_int_equal(items[1].anchor, NOW); /* the latest purchase of both rows */
            assert_int_equal(items[1].row, 1);
        } else {
            assert_int_equal(n, 0);
        }
        for (size_t i = 0; i < n; i++)
            assert_int_equal(patron_journey_mark_sent(db, &items[i]), 0);
        patron_free(items);
    }
    patron_frame_free(f);
    patron_close(db);
}

/* issue 21 bug 5: a late mark for an older event never moves a step back. */
static void test_late_mark_never_moves_back(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int64_t a = add_member(db, "Ann", "ann@example.com", "email", NOW - 100 * DAY);
    const int64_t ids[] = {a};
    int64_t last[] = {NOW - 2 * DAY};
    patron_frame *f = frame_of(db, 1, ids, last, NOW);
    patron_journey_due_item *old;
    assert_int_equal(due_at(db, f, NOW, &old), 1); /* post-purchase 1 for the older purchase */
    patron_frame_free(f);
    last[0] = NOW - DAY; /* a newer purchase */
    f = frame_of(db, 1, ids, last, NOW);
    patron_journey_due_item *cur;
    assert_int_equal(due_at(db, f, NOW, &cur), 1);
    assert_int_equal(cur[0].anchor, NOW - DAY);
    assert_int_equal(patron_journey_mark_sent(db, &cur[0]), 0);
    assert_int_equal(patron_journey_mark_sent(db, &old[0]), 0); /* the delayed receipt */
    patron_journey_due_item *again;
    assert_int_equal(due_at(db, f, NOW, &again), 0);
    patron_profile *p;
    assert_int_equal(patron_profile_get(db, &p, a), 0);
    char want[32];
    snprintf(want, sizeof want, "%lld", (long long)(NOW - DAY));
    assert_string_equal(patron_profile_field(p, "journey_post_purchase_1"), want);
    patron_profile_free(p);
    patron_free(old);
    patron_free(cur);
    patron_frame_free(f);
    patron_close(db);
}

/* Decided in the journeys guide: win-back covers the whole of day
 * win_back_max_days; a window no evaluation fell into is missed (not sent
 * late); welcome reaches a member who never bought; no cap across journeys
 * (every due step is listed, welcome first; a caller sending one message a
 * day finds the others still due the next day). */
static void test_win_back_window_welcome_and_cap(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int64_t a = add_member(db, "Ann", "ann@example.com", "email", NOW - 200 * DAY);
    int64_t b = add_member(db, "Bob", "bob@example.com", "email", NOW);
    int64_t c = add_member(db, "Cy", "cy@example.com", "email", NOW);
    const int64_t ids[] = {a, b, c};
    int64_t last[] = {NOW - 60 * DAY - 86399, INT64_MIN, NOW};
    patron_frame *f = frame_of(db, 3, ids, last, NOW);
    patron_journey_due_item *items;
    size_t n = due_at(db, f, NOW, &items);
    assert_int_equal(n, 4);
    assert_int_equal(items[0].member_id, a); /* the last second of day 60 */
    assert_int_equal(items[0].journey, PATRON_JOURNEY_WIN_BACK);
    assert_int_equal(items[1].member_id, b); /* never bought: welcomed */
    assert_int_equal(items[1].journey, PATRON_JOURNEY_WELCOME);
    assert_int_equal(items[2].member_id, c); /* joined and bought today: both, welcome first */
    assert_int_equal(items[2].journey, PATRON_JOURNEY_WELCOME);
    assert_int_equal(items[3].journey, PATRON_JOURNEY_POST_PURCHASE);
    /* a one-message-a-day sender marks c's first item only */
    assert_int_equal(patron_journey_mark_sent(db, &items[2]), 0);
    patron_free(items);
    patron_frame_free(f);
    f = frame_of(db, 3, ids, last, NOW + DAY);
    n = due_at(db, f, NOW + DAY, &items);
    assert_int_equal(n, 2); /* a: day 61, missed for good; b: welcome 1 still; c: post-purchase 1 */
    assert_int_equal(items[0].member_id, b);
    assert_int_equal(items[1].member_id, c);
    assert_int_equal(items[1].journey, PATRON_JOURNEY_POST_PURCHASE);
    patron_free(items);
    patron_frame_free(f);
    last[0] = NOW - 60 * DAY - 86400; /* day 61 begins: no longer win-back */
    f = frame_of(db, 3, ids, last, NOW);
    n = due_at(db, f, NOW, &items);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].member_id, b);
    patron_free(items);
    patron_frame_free(f);
    patron_close(db);
}

/* Merging two members who were each sent steps: the merged member keeps
 * the newer state of each step, and the earlier join time that becomes the
 * welcome anchor does not make welcome due again. */
static void test_merge_keeps_newest_state(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int64_t a = add_member(db, "Ann", "ann@example.com", "email", NOW - DAY);
    int64_t b = add_member(db, "Ann L", "ann.l@example.com", "email", NOW - 2 * DAY);
    const int64_t ids[] = {a, b}, last[] = {NOW - 3600, NOW - 60};
    patron_frame *f = frame_of(db, 2, ids, last, NOW);
    patron_journey_due_item *items;
    size_t n = due_at(db, f, NOW, &items);
    assert_int_equal(n, 4); /* welcome 1 and post-purchase 1 for each */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(patron_journey_mark_sent(db, &items[i]), 0);
    patron_free(items);
    patron_frame_free(f);
    assert_int_equal(patron_profile_merge(db, a, b, NOW, "ops", NULL), 0);
    f = frame_of(db, 2, ids, last, NOW);
    n = due_at(db, f, NOW, &items);
    assert_int_equal(n, 0); /* b's newer purchase had its step 1; b's earlier join its welcome */
    patron_frame_free(f);
    f = frame_of(db, 2, ids, last, NOW + 3 * DAY);
    n = due_at(db, f, NOW + 3 * DAY, &items);
    assert_int_equal(n, 2); /* step 2 of the earlier join and of the newest purchase */
    assert_int_equal(items[0].journey, PATRON_JOURNEY_WELCOME);
    assert_int_equal(items[0].step, 2);
    assert_int_equal(items[0].anchor, NOW - 2 * DAY);
    assert_int_equal(items[1].journey, PATRON_JOURNEY_POST_PURCHASE);
    assert_int_equal(items[1].anchor, NOW - 60);
    assert_int_equal(items[1].row, 1);
    patron_free(items);
    patron_frame_free(f);
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_journeys),
        cmocka_unit_test(test_merged_member_hears_each_step_once),
        cmocka_unit_test(test_late_mark_never_moves_back),
        cmocka_unit_test(test_merge_keeps_newest_state),
        cmocka_unit_test(test_win_back_window_welcome_and_cap),
    };
    return cmocka_run_group_tests_name("journeys", tests, NULL, NULL);
}
