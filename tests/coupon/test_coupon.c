/* Coupons, vouchers and gift cards (patron/coupon.h): seeded codes from a
 * pattern (reproducible, unique, collision-safe against existing codes),
 * import (all or nothing), every verdict of validation, idempotent
 * redemption, per-member limits, publication, gift-card partial draws. */
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

#define T0 INT64_C(1767225600)
#define DAY 86400

static patron_coupon_result check(patron_db *db, const char *code, int64_t member, int64_t at, int64_t basket,
                                  int64_t amount)
{
    patron_coupon_request q = PATRON_COUPON_REQUEST_INIT;
    q.code = code;
    q.member_id = member;
    q.at = at;
    q.basket = basket;
    q.amount = amount;
    patron_coupon_result r;
    r.size = sizeof r;
    assert_int_equal(patron_coupon_validate(db, &r, &q), PATRON_OK);
    return r;
}

static int redeem(patron_db *db, patron_coupon_result *r, const char *key, const char *code, int64_t member,
                  int64_t at, int64_t basket, int64_t amount)
{
    patron_coupon_request q = PATRON_COUPON_REQUEST_INIT;
    q.key = key;
    q.code = code;
    q.member_id = member;
    q.at = at;
    q.basket = basket;
    q.amount = amount;
    if (r)
        r->size = sizeof *r;
    return patron_coupon_redeem(db, r, &q);
}

static int matches(const char *code, const char *pattern)
{
    if (strlen(code) != strlen(pattern))
        return 0;
    for (size_t i = 0; pattern[i]; i++) {
        char c = code[i], p = pattern[i];
        int ok = p == '#' ? (c >= '0' && c <= '9') : p == '?' ? (c >= 'A' && c <= 'Z')
                 : p == '*' ? ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) : c == p;
        if (!ok)
            return 0;
    }
    return 1;
}

static void test_generate_and_import(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    patron_coupon_campaign c = PATRON_COUPON_CAMPAIGN_INIT;
    c.name = "summer";
    c.amount_off = 500;
    c.pattern = "SUMMER-####-??";
    c.count = 200;
    c.seed = 42;
    int64_t n = 0;
    assert_int_equal(patron_coupon_create(db, &n, &c), PATRON_OK);
    assert_int_equal(n, 200);
    patron_coupon_codes *l = NULL;
    assert_int_equal(patron_coupon_list(db, &l, "summer"), PATRON_OK);
    assert_int_equal(patron_coupon_codes_count(l), 200);
    for (size_t i = 0; i < 200; i++) {
        const patron_coupon_code *k = patron_coupon_codes_get(l, i);
        assert_true(matches(k->code, "SUMMER-####-??"));
        if (i)
            assert_true(strcmp(patron_coupon_codes_get(l, i - 1)->code, k->code) < 0); /* sorted, no duplicates */
        assert_int_equal(k->uses, 0);
        assert_int_equal(k->owner_id, 0);
    }
    /* the same seed and pattern in another store give the same codes */
    patron_db *db2 = pt_store_new(NULL);
    assert_int_equal(patron_coupon_create(db2, NULL, &c), PATRON_OK);
    patron_coupon_codes *l2 = NULL;
    assert_int_equal(patron_coupon_list(db2, &l2, "summer"), PATRON_OK);
    for (size_t i = 0; i < 200; i++)
        assert_string_equal(patron_coupon_codes_get(l, i)->code, patron_coupon_codes_get(l2, i)->code);
    patron_coupon_codes_free(l2);
    patron_close(db2);
    /* a second campaign with the same pattern and seed draws past every existing code */
    patron_coupon_campaign c2 = c;
    c2.name = "summer-b";
    assert_int_equal(patron_coupon_create(db, &n, &c2), PATRON_OK);
    patron_coupon_codes *lb = NULL;
    assert_int_equal(patron_coupon_list(db, &lb, "summer-b"), PATRON_OK);
    assert_int_equal(patron_coupon_codes_count(lb), 200);
    for (size_t i = 0; i < 200; i++) {
        patron_coupon_result r = check(db, patron_coupon_codes_get(lb, i)->code, 0, T0, 1000, 0);
        assert_string_equal(r.campaign, "summer-b");
    }
    patron_coupon_codes_free(lb);
    patron_coupon_codes_free(l);
    /* a pattern too small, a name used, nothing written */
    patron_coupon_campaign small = c;
    small.name = "tiny";
    small.pattern = "T-#";
    small.count = 3;
    assert_int_equal(patron_coupon_create(db, NULL, &small), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "makes 10 codes"));
    assert_int_equal(patron_coupon_list(db, &l, "tiny"), PATRON_ENOTFOUND);
    assert_int_equal(patron_coupon_create(db, NULL, &c), PATRON_ECONFLICT);
    patron_coupon_campaign both = PATRON_COUPON_CAMPAIGN_INIT;
    both.name = "both";
    both.amount_off = 1;
    both.percent_off = 5;
    assert_int_equal(patron_coupon_create(db, NULL, &both), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "not both"));
    /* import: all or nothing */
    patron_coupon_campaign imp = PATRON_COUPON_CAMPAIGN_INIT;
    imp.name = "partner";
    imp.percent_off = 10;
    imp.max_uses = 0;
    assert_int_equal(patron_coupon_create(db, &n, &imp), PATRON_OK);
    assert_int_equal(n, 0);
    const char *codes[] = {"P-1", "P-2", "P-1"};
    assert_int_equal(patron_coupon_import(db, &n, "partner", codes, 3), PATRON_ECONFLICT);
    assert_non_null(strstr(patron_errmsg(), "code 2 'P-1'"));
    assert_int_equal(patron_coupon_list(db, &l, "partner"), PATRON_OK);
    assert_int_equal(patron_coupon_codes_count(l), 0);
    patron_coupon_codes_free(l);
    const char *bad[] = {"P 3"};
    assert_int_equal(patron_coupon_import(db, &n, "partner", bad, 1), PATRON_EINVAL);
    assert_int_equal(patron_coupon_import(db, &n, "partner", codes, 2), PATRON_OK);
    assert_int_equal(n, 2);
    assert_int_equal(patron_coupon_import(db, &n, "nobody", codes, 2), PATRON_ENOTFOUND);
    patron_coupon_result r = check(db, "P-2", 0, T0, 999, 0);
    assert_int_equal(r.verdict, PATRON_COUPON_VALID);
    assert_int_equal(r.value, 99); /* 10% of 999, rounded down */
    patron_audit_entries *e = NULL;
    assert_int_equal(patron_audit_list(db, &e, NULL), PATRON_OK);
    assert_int_equal(patron_audit_entries_count(e), 4); /* summer, summer-b, partner, the import */
    assert_string_equal(patron_audit_entries_get(e, 3)->action, "coupon.import");
    patron_audit_entries_free(e);
    patron_close(db);
}

static void test_verdicts_and_redemption(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    assert_int_equal(patron_events_enable(db, 1), PATRON_OK);
    int64_t a = pt_member(db, "+972501234567", "sms", T0), b = pt_member(db, "+972501234568", "sms", T0);
    patron_coupon_campaign c = PATRON_COUPON_CAMPAIGN_INIT;
    c.name = "spring";
    c.amount_off = 1000;
    c.max_uses = 2;
    c.per_member = 1;
    c.valid_from = T0 + DAY;
    c.valid_to = T0 + 10 * DAY;
    c.min_basket = 5000;
    assert_int_equal(patron_coupon_create(db, NULL, &c), PATRON_OK);
    const char *codes[] = {"S1", "S2", "S3"};
    assert_int_equal(patron_coupon_import(db, NULL, "spring", codes, 3), PATRON_OK);
    int64_t t = T0 + 2 * DAY;
    assert_int_equal(check(db, "NOPE", a, t, 6000, 0).verdict, PATRON_COUPON_UNKNOWN);
    assert_int_equal(check(db, "S1", a, T0, 6000, 0).verdict, PATRON_COUPON_NOT_YET_VALID);
    assert_int_equal(check(db, "S1", a, T0 + 10 * DAY, 6000, 0).verdict, PATRON_COUPON_EXPIRED);
    assert_int_equal(check(db, "S1", a, t, 4999, 0).verdict, PATRON_COUPON_MIN_BASKET);
    patron_coupon_result r = check(db, "S1", a, t, 6000, 0);
    assert_int_equal(r.verdict, PATRON_COUPON_VALID);
    assert_int_equal(r.value, 1000);
    assert_string_equal(r.campaign, "spring");
    /* redeem; retry; the same key for something else */
    assert_int_equal(redeem(db, &r, "k1", "S1", a, t, 6000, 0), PATRON_OK);
    assert_int_equal(r.replayed, 0);
    assert_int_equal(r.uses, 1);
    assert_int_equal(r.member_uses, 1);
    int64_t rid = r.redemption_id;
    assert_int_equal(redeem(db, &r, "k1", "S1", a, t + 5, 6000, 0), PATRON_OK);
    assert_int_equal(r.replayed, 1);
    assert_int_equal(r.redemption_id, rid);
    assert_int_equal(r.uses, 1);
    assert_int_equal(redeem(db, &r, "k1", "S1", a, t, 7000, 0), PATRON_ECONFLICT);
    /* the member's limit across the campaign */
    assert_int_equal(check(db, "S2", a, t, 6000, 0).verdict, PATRON_COUPON_MEMBER_LIMIT);
    assert_int_equal(redeem(db, NULL, "k2", "S2", a, t, 6000, 0), PATRON_ERANGE);
    assert_non_null(strstr(patron_errmsg(), "member limit"));
    /* the code's limit: a second use by b, then used up */
    assert_int_equal(redeem(db, &r, "k3", "S1", b, t, 6000, 0), PATRON_OK);
    assert_int_equal(r.uses, 2);
    assert_int_equal(check(db, "S1", 0, t, 6000, 0).verdict, PATRON_COUPON_USED_UP);
    assert_int_equal(redeem(db, NULL, "k4", "S1", 0, t, 6000, 0), PATRON_ERANGE);
    assert_int_equal(redeem(db, NULL, "k4", "S2", 0, T0, 6000, 0), PATRON_EINVAL); /* not yet valid */
    assert_non_null(strstr(patron_errmsg(), "not yet valid"));
    assert_int_equal(redeem(db, NULL, "k4", "NOPE", 0, t, 6000, 0), PATRON_ENOTFOUND);
    assert_int_equal(redeem(db, NULL, "k4", "S2", 0, t, 6000, 5), PATRON_EINVAL); /* amount on a discount */
    /* publication: S3 to b; a cannot use it, anonymous neither */
    patron_coupon_publication got;
    got.size = sizeof got;
    assert_int_equal(patron_coupon_publish(db, &got, "spring", "S3", b, t), PATRON_OK);
    assert_string_equal(got.code, "S3");
    assert_int_equal(got.replayed, 0);
    assert_int_equal(patron_coupon_publish(db, &got, "spring", "S3", b, t + 5), PATRON_OK); /* again: fine */
    assert_int_equal(got.replayed, 1);
    assert_int_equal(got.published_at, t);
    assert_int_equal(patron_coupon_publish(db, &got, "spring", "S3", a, t), PATRON_ECONFLICT);
    r = check(db, "S3", a, t, 6000, 0);
    assert_int_equal(r.verdict, PATRON_COUPON_WRONG_MEMBER);
    assert_int_equal(r.owner_id, b);
    assert_int_equal(check(db, "S3", 0, t, 6000, 0).verdict, PATRON_COUPON_WRONG_MEMBER);
    assert_int_equal(check(db, "S3", b, t, 6000, 0).verdict, PATRON_COUPON_MEMBER_LIMIT); /* b used S1 */
    /* the next unpublished, unused code */
    assert_int_equal(patron_coupon_publish(db, &got, "spring", NULL, a, t), PATRON_OK);
    assert_string_equal(got.code, "S2");
    assert_int_equal(got.member_id, a);
    assert_int_equal(patron_coupon_publish(db, &got, "spring", NULL, a, t), PATRON_ENOTFOUND);
    assert_int_equal(patron_coupon_publish(db, NULL, "nothing", NULL, a, t), PATRON_ENOTFOUND);
    /* events: redeemed k1, k3; published S3, S2 */
    patron_event_list *ev = NULL;
    assert_int_equal(patron_events_read(db, &ev, 0, 100), PATRON_OK);
    int redeemed = 0, published = 0;
    for (size_t i = 0; i < patron_event_list_count(ev); i++) {
        const patron_event *e = patron_event_list_get(ev, i);
        redeemed += !strcmp(e->kind, "coupon.redeemed");
        published += !strcmp(e->kind, "coupon.published");
    }
    assert_int_equal(redeemed, 2);
    assert_int_equal(published, 2);
    patron_event_list_free(ev);
    patron_close(db);
}

static void test_gift_card(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    patron_coupon_campaign c = PATRON_COUPON_CAMPAIGN_INIT;
    c.name = "gift";
    c.kind = PATRON_COUPON_GIFT_CARD;
    c.amount_off = 5000;
    c.max_uses = 0;
    c.pattern = "GC-********";
    c.count = 3;
    c.seed = 7;
    assert_int_equal(patron_coupon_create(db, NULL, &c), PATRON_OK);
    patron_coupon_codes *l = NULL;
    assert_int_equal(patron_coupon_list(db, &l, "gift"), PATRON_OK);
    char code[72];
    snprintf(code, sizeof code, "%s", patron_coupon_codes_get(l, 0)->code);
    assert_int_equal(patron_coupon_codes_get(l, 0)->balance, 5000);
    patron_coupon_codes_free(l);
    patron_coupon_result r;
    assert_int_equal(redeem(db, &r, "g1", code, 0, T0, 0, 1200), PATRON_OK);
    assert_int_equal(r.balance, 3800);
    assert_int_equal(r.value, 1200);
    assert_int_equal(redeem(db, &r, "g1", code, 0, T0, 0, 1200), PATRON_OK); /* retry */
    assert_int_equal(r.replayed, 1);
    assert_int_equal(r.balance, 3800);
    r = check(db, code, 0, T0, 0, 4000);
    assert_int_equal(r.verdict, PATRON_COUPON_NO_BALANCE);
    assert_int_equal(r.balance, 3800);
    assert_int_equal(redeem(db, NULL, "g2", code, 0, T0, 0, 4000), PATRON_EBALANCE);
    assert_non_null(strstr(patron_errmsg(), "balance 3800"));
    assert_int_equal(redeem(db, NULL, "g2", code, 0, T0, 0, 0), PATRON_EINVAL);
    assert_int_equal(redeem(db, &r, "g2", code, 0, T0, 0, 3800), PATRON_OK);
    assert_int_equal(r.balance, 0);
    assert_int_equal(check(db, code, 0, T0, 0, 1).verdict, PATRON_COUPON_USED_UP);
    assert_int_equal(redeem(db, NULL, "g3", code, 0, T0, 0, 1), PATRON_ERANGE);
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_and_import),
        cmocka_unit_test(test_verdicts_and_redemption),
        cmocka_unit_test(test_gift_card),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
