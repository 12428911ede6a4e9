/* patron_frame_add_member_columns() reads a large frame's member ids, join
 * times and consents in one scan each (lib/segment/members_bulk.c) and a
 * small frame's row by row through the profile API: the two must agree on
 * every cell. A seeded store — members joined at random times, consents
 * granted and withdrawn per channel and for "all", merges, erasures, points
 * and tiers — is read as one frame of every id (bulk) and as one frame per
 * id (row by row), at several moments, including ids that are no member.
 * The balances and tiers of a large frame come from one scan of the
 * accounts and one of the tier state: the second store holds points still
 * pending and past expiry at the moments read (those accounts are read from
 * their postings) and has no tiers configured. */
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

#define T0 1700000000
#define DAY 86400

static uint64_t rng = 1;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static patron_frame *columns(patron_db *db, const int64_t *ids, size_t n, int64_t at)
{
    patron_frame *f = NULL;
    assert_int_equal(patron_frame_new(&f, n, ids, NULL), PATRON_OK);
    patron_member_columns_options o = PATRON_MEMBER_COLUMNS_OPTIONS_INIT;
    o.now = at;
    o.channels = "sms,email,push";
    if (patron_frame_add_member_columns(f, db, &o) != PATRON_OK)
        fail_msg("member columns: %s", patron_errmsg());
    return f;
}

static void bulk_equals_row_by_row(int with_tiers, int hold_and_expiry)
{
    int members = pt_backend_is_postgres() ? 280 : 320;
    patron_db *db = pt_store_new(NULL);
    patron_tier_def tiers[] = {{"silver", 0}, {"gold", 300}};
    if (with_tiers)
        assert_int_equal(patron_tier_configure(db, NULL, tiers, 2), PATRON_OK);
    if (hold_and_expiry) {
        patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
        p.expiry_months = 1;
        p.hold_seconds = 6 * DAY;
        assert_int_equal(patron_ledger_set_policy(db, &p), PATRON_OK);
    }
    int64_t *id = calloc((size_t)members, sizeof *id);
    static const char *const channels[] = {"sms", "email", "push", "all"};
    assert_int_equal(patron_batch_begin(db), PATRON_OK);
    for (int i = 0; i < members; i++) {
        char email[48];
        snprintf(email, sizeof email, "m%d@example.com", i);
        patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
        f.name = "M";
        f.email = email;
        f.consent = i % 3 ? "email" : "none";
        assert_int_equal(patron_profile_add(db, &id[i], &f, T0 + (int64_t)(next() % (30 * DAY))), PATRON_OK);
    }
    int64_t last_consent = 0;
    for (int k = 0; k < 3 * members; k++) {
        int i = (int)(next() % (uint64_t)members);
        int64_t at = T0 + (int64_t)(next() % (60 * DAY));
        unsigned what = (unsigned)(next() % 10);
        if (what < 7) {
            /* some decisions in the second of the last one: the record order decides */
            if (next() % 3 == 0 && last_consent)
                at = last_consent;
            last_consent = at;
            int rc = patron_consent_record(db, id[i], channels[next() % 4], (int)(next() % 2), at, "web");
            assert_true(rc == PATRON_OK || rc == PATRON_ENOTFOUND || rc == PATRON_EINVAL); /* merged/erased */
        } else if (what < 9) {
            char key[32];
            snprintf(key, sizeof key, "p%d", k);
            patron_posting_request r = pt_posting(key, id[i], 1 + (int64_t)(next() % 400), at);
            int rc = patron_ledger_earn(db, NULL, &r);
            assert_true(rc == PATRON_OK || rc == PATRON_ENOTFOUND || rc == PATRON_EINVAL);
        } else {
            int j = (int)(next() % (uint64_t)members);
            int rc = next() % 4 ? patron_profile_merge(db, id[i], id[j], at, "test", NULL)
                                : patron_profile_erase(db, id[i], at, "test");
            (void)rc; /* some are refused (same member, already merged): the store decides */
        }
    }
    assert_int_equal(patron_batch_commit(db), PATRON_OK);
    /* every id, a few that are no member, in a shuffled order */
    size_t n = (size_t)members + 8;
    int64_t *ids = calloc(n, sizeof *ids);
    for (int i = 0; i < members; i++)
        ids[i] = id[i];
    for (size_t i = (size_t)members; i < n; i++)
        ids[i] = (int64_t)(100000 + i) * (i % 2 ? 1 : -1);
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(next() % (i + 1));
        int64_t t = ids[i];
        ids[i] = ids[j];
        ids[j] = t;
    }
    const char *cols[] = {"member_id", "joined", "points_balance", "points_pending", "consent.sms", "consent.email",
                          "consent.push"};
    size_t pending_seen = 0;
    for (int m = 0; m < 3; m++) {
        int64_t at = T0 + (int64_t)m * 35 * DAY + DAY;
        patron_frame *all = columns(db, ids, n, at);
        for (size_t r = 0; r < n; r++)
            pending_seen += patron_frame_int64_by_name(all, "points_pending")[r] > 0;
        for (size_t r = 0; r < n; r++) {
            patron_frame *one = columns(db, &ids[r], 1, at);
            for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
                int64_t a = patron_frame_int64_by_name(all, cols[c])[r], b = patron_frame_int64_by_name(one, cols[c])[0];
                if (a != b)
                    fail_msg("id %lld at %lld: %s bulk %lld, row by row %lld", (long long)ids[r], (long long)at, cols[c],
                             (long long)a, (long long)b);
            }
            size_t tc;
            assert_int_equal(patron_frame_find(&tc, all, "tier", PATRON_COL_STRING), PATRON_OK);
            const char *ta = patron_frame_string(all, tc)[r];
            assert_int_equal(patron_frame_find(&tc, one, "tier", PATRON_COL_STRING), PATRON_OK);
            assert_string_equal(ta, patron_frame_string(one, tc)[0]);
            patron_frame_free(one);
        }
        patron_frame_free(all);
    }
    if (hold_and_expiry)
        assert_true(pending_seen > 0); /* the accounts read from their postings were met */
    free(ids);
    free(id);
    patron_close(db);
}

static void test_bulk_equals_row_by_row(void **state)
{
    (void)state;
    bulk_equals_row_by_row(1, 0);
}

static void test_bulk_equals_row_by_row_pending_expired_no_tiers(void **state)
{
    (void)state;
    bulk_equals_row_by_row(0, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_bulk_equals_row_by_row),
                                       cmocka_unit_test(test_bulk_equals_row_by_row_pending_expired_no_tiers)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
