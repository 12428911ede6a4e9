/* Tiers, the 0.2 rules: downgrade modes (recompute, one level, keep while
 * the points balance is high), tier expiry dates, lifetime tiers, named
 * benefits, the events and audit entries they write, and callers built
 * before the appended configuration fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"
#include "store_support.h"

#define T0 1704067200 /* 2024-01-01 00:00 UTC */
#define DAY 86400

static patron_db *open_db(void)
{
    patron_db *db = pt_store_new(NULL);
    assert_non_null(db);
    assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = "base";
    r.kind = PATRON_EARN_BASE;
    r.points = 1;
    r.per_amount = 100;
    assert_int_equal(patron_earn_rule_add(db, NULL, &r), PATRON_OK);
    return db;
}

static void buy(patron_db *db, const char *key, int64_t m, int64_t at, int64_t amount)
{
    patron_purchase_line line = {NULL, NULL, amount};
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = key;
    p.member_id = m;
    p.at = at;
    p.lines = &line;
    p.n_lines = 1;
    assert_int_equal(patron_earn_purchase(db, NULL, &p), PATRON_OK);
}

static const char *tier_of(patron_db *db, int64_t m, int64_t at)
{
    static patron_tier_status s;
    assert_int_equal(patron_tier_get(db, &s, m, at), PATRON_OK);
    return s.tier;
}

/* The details of the audit entries of `action`, oldest first (at most 8). */
static size_t audits(patron_db *db, const char *action, char details[8][512])
{
    patron_audit_entries *au = NULL;
    patron_audit_query aq = PATRON_AUDIT_QUERY_INIT;
    assert_int_equal(patron_audit_list(db, &au, &aq), PATRON_OK);
    size_t k = 0;
    for (size_t i = 0; i < patron_audit_entries_count(au) && k < 8; i++) {
        const patron_audit_entry *e = patron_audit_entries_get(au, i);
        if (!strcmp(e->action, action))
            snprintf(details[k++], 512, "%s", e->detail);
    }
    patron_audit_entries_free(au);
    return k;
}

static const patron_tier_def four[] = {{"basic", 0}, {"silver", 10000}, {"gold", 50000}, {"platinum", 100000}};

static void configure(patron_db *db, int downgrade, int64_t keep, int expiry, int window, int grace)
{
    patron_tier_config c = PATRON_TIER_CONFIG_INIT;
    c.window = window;
    c.window_days = 30;
    c.grace_days = grace;
    c.downgrade = downgrade;
    c.keep_balance = keep;
    c.expiry_months = expiry;
    assert_int_equal(patron_tier_configure(db, &c, four, 4), PATRON_OK);
}

/* RECOMPUTE (the default, the 0.1 behaviour) lands where the value says;
 * ONE_LEVEL steps down one tier per downgrade, each after its own grace. */
static void test_recompute_and_one_level(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t a = pt_member(db, "050-200-0001", "sms", T0), b = pt_member(db, "050-200-0002", "sms", T0);
    configure(db, PATRON_TIER_DOWNGRADE_RECOMPUTE, 0, 0, PATRON_TIER_ROLLING, 0);
    buy(db, "a1", a, T0, 120000);
    assert_string_equal(tier_of(db, a, T0), "platinum");
    assert_int_equal(patron_tier_review(db, NULL, T0 + 40 * DAY), PATRON_OK);
    assert_string_equal(tier_of(db, a, T0 + 40 * DAY), "basic");

    configure(db, PATRON_TIER_DOWNGRADE_ONE_LEVEL, 0, 0, PATRON_TIER_ROLLING, 5);
    buy(db, "b1", b, T0 + 50 * DAY, 120000);
    assert_string_equal(tier_of(db, b, T0 + 50 * DAY), "platinum");
    int64_t at = T0 + 90 * DAY, changed = 0;
    assert_int_equal(patron_tier_review(db, &changed, at), PATRON_OK); /* grace starts */
    assert_int_equal(changed, 0);
    assert_int_equal(patron_tier_review(db, &changed, at + 5 * DAY), PATRON_OK);
    assert_int_equal(changed, 1);
    assert_string_equal(tier_of(db, b, at + 5 * DAY), "gold");
    /* still below: a new grace, then silver, then basic, then nothing */
    assert_int_equal(patron_tier_review(db, NULL, at + 6 * DAY), PATRON_OK);
    assert_string_equal(tier_of(db, b, at + 6 * DAY), "gold");
    assert_int_equal(patron_tier_review(db, NULL, at + 11 * DAY), PATRON_OK);
    assert_string_equal(tier_of(db, b, at + 11 * DAY), "silver");
    assert_int_equal(patron_tier_review(db, NULL, at + 12 * DAY), PATRON_OK);
    assert_int_equal(patron_tier_review(db, NULL, at + 17 * DAY), PATRON_OK);
    assert_string_equal(tier_of(db, b, at + 17 * DAY), "basic");
    /* the events say where each step went, with the mode */
    assert_int_equal(patron_events_enable(db, 1), PATRON_OK);
    buy(db, "b2", b, at + 20 * DAY, 20000); /* silver */
    assert_int_equal(patron_tier_review(db, NULL, at + 60 * DAY), PATRON_OK);
    assert_int_equal(patron_tier_review(db, NULL, at + 65 * DAY), PATRON_OK);
    patron_event_list *ev = NULL;
    assert_int_equal(patron_events_read(db, &ev, 0, 100), PATRON_OK);
    int downs = 0;
    for (size_t i = 0; i < patron_event_list_count(ev); i++) {
        const patron_event *e = patron_event_list_get(ev, i);
        if (!strcmp(e->kind, "tier.changed") && strstr(e->payload, "\"from\":\"silver\"")) {
            assert_non_null(strstr(e->payload, "\"to\":\"basic\""));
            assert_non_null(strstr(e->payload, "downgrade at review (one level)"));
            assert_int_equal(e->at, at + 65 * DAY);
            downs++;
        }
    }
    assert_int_equal(downs, 1);
    patron_event_list_free(ev);
    patron_close(db);
}

/* BALANCE: a member whose available points are at least keep_balance keeps
 * the tier (and any grace ends); once spent below it, the next reviews move
 * them down as RECOMPUTE does. */
static void test_keep_while_balance_high(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = pt_member(db, "050-200-0003", "sms", T0);
    configure(db, PATRON_TIER_DOWNGRADE_BALANCE, 500, 0, PATRON_TIER_ROLLING, 0);
    buy(db, "o1", m, T0, 60000); /* 600 points, gold */
    assert_int_equal(patron_tier_review(db, NULL, T0 + 40 * DAY), PATRON_OK);
    assert_string_equal(tier_of(db, m, T0 + 40 * DAY), "gold");
    patron_tier_detail d = PATRON_TIER_DETAIL_INIT;
    assert_int_equal(patron_tier_get_detail(db, &d, m, T0 + 40 * DAY), PATRON_OK);
    assert_int_equal(d.available, 600);
    assert_string_equal(d.qualifies, "basic");
    patron_posting_request r = pt_posting("spend1", m, 101, T0 + 41 * DAY);
    assert_int_equal(patron_ledger_redeem(db, NULL, &r), PATRON_OK); /* 499 left */
    assert_int_equal(patron_tier_review(db, NULL, T0 + 42 * DAY), PATRON_OK);
    assert_string_equal(tier_of(db, m, T0 + 42 * DAY), "basic");
    patron_close(db);
}

/* Expiry dates: a tier is kept until the end of the qualification period in
 * which it was last reached or requalified for plus expiry_months; then
 * grace and the downgrade as usual. Calendar year: from the next 1 January. */
static void test_expiry_dates(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = pt_member(db, "050-200-0004", "sms", T0), c = pt_member(db, "050-200-0005", "sms", T0);
    configure(db, PATRON_TIER_DOWNGRADE_RECOMPUTE, 0, 3, PATRON_TIER_ROLLING, 0);
    buy(db, "o1", m, T0 + 10 * DAY, 60000); /* gold on 2024-01-11: kept until 2024-04-11 */
    patron_tier_detail d = PATRON_TIER_DETAIL_INIT;
    assert_int_equal(patron_tier_get_detail(db, &d, m, T0 + 10 * DAY), PATRON_OK);
    assert_string_equal(d.tier, "gold");
    assert_int_equal(d.valid_until, 1712793600); /* 2024-04-11 00:00 */
    assert_int_equal(patron_tier_review(db, NULL, 1712793600 - 1), PATRON_OK);
    assert_string_equal(tier_of(db, m, 1712793600 - 1), "gold");
    assert_int_equal(patron_tier_get_detail(db, &d, m, 1712793600 - 1), PATRON_OK);
    assert_int_equal(d.grace_until, 0); /* no grace before the date */
    assert_int_equal(patron_tier_review(db, NULL, 1712793600), PATRON_OK);
    assert_string_equal(tier_of(db, m, 1712793600), "basic");
    assert_int_equal(patron_tier_get_detail(db, &d, m, 1712793600), PATRON_OK);
    assert_int_equal(d.valid_until, 1720656000); /* basic from 04-11 to 2024-07-11 */

    /* requalifying moves the date on: silver bought twice */
    configure(db, PATRON_TIER_DOWNGRADE_RECOMPUTE, 0, 1, PATRON_TIER_CALENDAR_YEAR, 0);
    buy(db, "c1", c, 1714521600 /* 2024-05-01 */, 20000);
    assert_int_equal(patron_tier_get_detail(db, &d, c, 1714521600), PATRON_OK);
    assert_string_equal(d.tier, "silver");
    assert_int_equal(d.valid_until, 1738368000); /* 2025-01-01 + 1 month = 2025-02-01 */
    assert_int_equal(patron_tier_review(db, NULL, 1735689600 /* 2025-01-01 */), PATRON_OK);
    assert_string_equal(tier_of(db, c, 1735689600), "silver"); /* value 0 in 2025, kept until 02-01 */
    buy(db, "c2", c, 1736899200 /* 2025-01-15 */, 10000); /* requalifies in 2025: until 2026-02-01 */
    assert_int_equal(patron_tier_get_detail(db, &d, c, 1736899200), PATRON_OK);
    assert_int_equal(d.valid_until, 1769904000);
    assert_int_equal(patron_tier_review(db, NULL, 1738368000), PATRON_OK);
    assert_string_equal(tier_of(db, c, 1738368000), "silver");
    /* turning dates off clears them */
    configure(db, PATRON_TIER_DOWNGRADE_RECOMPUTE, 0, 0, PATRON_TIER_CALENDAR_YEAR, 0);
    assert_int_equal(patron_tier_get_detail(db, &d, c, 1738368000), PATRON_OK);
    assert_int_equal(d.valid_until, 0);
    patron_close(db);
}

/* Lifetime: once held, never moved below it, even when marked after it was
 * reached; the mark survives a reconfiguration that keeps the name. */
static void test_lifetime_tiers(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = pt_member(db, "050-200-0006", "sms", T0);
    configure(db, PATRON_TIER_DOWNGRADE_RECOMPUTE, 0, 0, PATRON_TIER_ROLLING, 0);
    assert_int_equal(patron_tier_set_lifetime(db, "nosuch", 1), PATRON_ENOTFOUND);
    buy(db, "o1", m, T0, 60000); /* gold */
    buy(db, "o2", m, T0 + 1 * DAY, 50000); /* platinum */
    assert_int_equal(patron_tier_set_lifetime(db, "gold", 1), PATRON_OK);
    configure(db, PATRON_TIER_DOWNGRADE_RECOMPUTE, 0, 0, PATRON_TIER_ROLLING, 0); /* keeps the mark */
    assert_int_equal(patron_tier_review(db, NULL, T0 + 60 * DAY), PATRON_OK);
    assert_string_equal(tier_of(db, m, T0 + 60 * DAY), "gold"); /* platinum -> basic stopped at gold */
    patron_tier_detail d = PATRON_TIER_DETAIL_INIT;
    assert_int_equal(patron_tier_get_detail(db, &d, m, T0 + 60 * DAY), PATRON_OK);
    assert_string_equal(d.lifetime, "gold");
    assert_int_equal(patron_tier_review(db, NULL, T0 + 400 * DAY), PATRON_OK);
    assert_string_equal(tier_of(db, m, T0 + 400 * DAY), "gold");
    /* unmarked: judged as usual again */
    assert_int_equal(patron_tier_set_lifetime(db, "gold", 0), PATRON_OK);
    assert_int_equal(patron_tier_review(db, NULL, T0 + 401 * DAY), PATRON_OK);
    assert_string_equal(tier_of(db, m, T0 + 401 * DAY), "basic");
    /* a configuration without the name drops the mark */
    assert_int_equal(patron_tier_set_lifetime(db, "silver", 1), PATRON_OK);
    patron_tier_def two[] = {{"basic", 0}, {"gold", 50000}};
    patron_tier_config c = PATRON_TIER_CONFIG_INIT;
    c.window_days = 30;
    c.grace_days = 0;
    assert_int_equal(patron_tier_configure(db, &c, two, 2), PATRON_OK);
    assert_int_equal(patron_tier_configure(db, &c, four, 4), PATRON_OK);
    char det[8][512];
    assert_int_equal(audits(db, "tiers.lifetime", det), 3);
    assert_string_equal(det[0], "{\"tier\":\"gold\",\"lifetime\":true}");
    assert_string_equal(det[1], "{\"tier\":\"gold\",\"lifetime\":false}");
    buy(db, "o3", m, T0 + 402 * DAY, 10000); /* silver again: no longer lifetime */
    assert_int_equal(patron_tier_review(db, NULL, T0 + 440 * DAY), PATRON_OK);
    assert_string_equal(tier_of(db, m, T0 + 440 * DAY), "basic");
    patron_close(db);
}

/* Benefits: names per tier in order, the member's current tier's list,
 * refused input changes nothing, a reconfiguration without the tier drops
 * them. */
static void test_benefits(void **state)
{
    (void)state;
    patron_db *db = open_db();
    int64_t m = pt_member(db, "050-200-0007", "sms", T0);
    configure(db, PATRON_TIER_DOWNGRADE_RECOMPUTE, 0, 0, PATRON_TIER_ROLLING, 10);
    const char *gold[] = {"free shipping", "lounge"};
    assert_int_equal(patron_tier_set_benefits(db, "gold", gold, 2), PATRON_OK);
    char det[8][512];
    assert_int_equal(audits(db, "tiers.benefits", det), 1);
    assert_string_equal(det[0], "{\"tier\":\"gold\",\"benefits\":[\"free shipping\",\"lounge\"]}");
    patron_tier_benefit *b = NULL;
    size_t n = 9;
    assert_int_equal(patron_tier_member_benefits(db, &b, &n, m), PATRON_OK); /* no tier yet */
    assert_int_equal(n, 0);
    assert_null(b);
    buy(db, "o1", m, T0, 60000);
    assert_int_equal(patron_tier_member_benefits(db, &b, &n, m), PATRON_OK);
    assert_int_equal(n, 2);
    assert_string_equal(b[0].name, "free shipping");
    assert_string_equal(b[1].name, "lounge");
    assert_string_equal(b[1].tier, "gold");
    patron_free(b);
    const char *dup[] = {"lounge", "lounge"};
    assert_int_equal(patron_tier_set_benefits(db, "gold", dup, 2), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "'lounge' is listed twice"));
    const char *empty[] = {""};
    assert_int_equal(patron_tier_set_benefits(db, "gold", empty, 1), PATRON_EINVAL);
    assert_int_equal(patron_tier_set_benefits(db, "iron", gold, 1), PATRON_ENOTFOUND);
    /* in grace the benefits stay */
    assert_int_equal(patron_tier_review(db, NULL, T0 + 40 * DAY), PATRON_OK);
    assert_int_equal(patron_tier_member_benefits(db, &b, &n, m), PATRON_OK);
    assert_int_equal(n, 2);
    patron_free(b);
    assert_int_equal(patron_tier_set_benefits(db, "gold", NULL, 0), PATRON_OK); /* removed */
    assert_int_equal(patron_tier_member_benefits(db, &b, &n, m), PATRON_OK);
    assert_int_equal(n, 0);
    patron_close(db);
}

/* Out-of-range values are refused naming the field; a 0.1 caller's config
 * (20 bytes) keeps the 0.1 behaviour. */
static void test_config_values_and_old_callers(void **state)
{
    (void)state;
    patron_db *db = open_db();
    patron_tier_config c = PATRON_TIER_CONFIG_INIT;
    c.downgrade = 3;
    assert_int_equal(patron_tier_configure(db, &c, four, 4), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "downgrade 3"));
    c.downgrade = 0;
    c.keep_balance = -1;
    assert_int_equal(patron_tier_configure(db, &c, four, 4), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "keep_balance -1"));
    c.keep_balance = 0;
    c.expiry_months = 121;
    assert_int_equal(patron_tier_configure(db, &c, four, 4), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "expiry_months 121"));
    patron_tier_status s;
    assert_int_equal(patron_tier_get(db, &s, pt_member(db, "050-200-0008", "sms", T0), T0), PATRON_EINVAL);

    c = (patron_tier_config)PATRON_TIER_CONFIG_INIT;
    c.size = (uint32_t)offsetof(patron_tier_config, downgrade);
    c.grace_days = 0;
    c.window_days = 30;
    c.downgrade = PATRON_TIER_DOWNGRADE_ONE_LEVEL; /* past its size: not read */
    c.expiry_months = 12;
    assert_int_equal(patron_tier_configure(db, &c, four, 4), PATRON_OK);
    int64_t m = pt_member(db, "050-200-0009", "sms", T0);
    buy(db, "o1", m, T0, 120000);
    assert_int_equal(patron_tier_review(db, NULL, T0 + 40 * DAY), PATRON_OK);
    assert_string_equal(tier_of(db, m, T0 + 40 * DAY), "basic");
    patron_tier_detail d = PATRON_TIER_DETAIL_INIT;
    d.size = 4;
    assert_int_equal(patron_tier_get_detail(db, &d, m, T0), PATRON_EINVAL);
    /* the audit entry has the new fields */
    char det[8][512];
    assert_int_equal(audits(db, "tiers.configure", det), 1);
    assert_non_null(strstr(det[0], "\"downgrade\":0,\"keep_balance\":0,\"expiry_months\":0"));
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recompute_and_one_level),
        cmocka_unit_test(test_keep_while_balance_high),
        cmocka_unit_test(test_expiry_dates),
        cmocka_unit_test(test_lifetime_tiers),
        cmocka_unit_test(test_benefits),
        cmocka_unit_test(test_config_values_and_old_callers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
