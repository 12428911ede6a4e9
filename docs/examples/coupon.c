/* Coupons: a summer campaign of single-use codes from a pattern, checked
 * and redeemed; one published to a member; a gift card drawn down in two
 * parts and refused when the balance is too low. */
#include <patron.h>
#include <stdio.h>

#define T0 1767225600 /* 2026-01-01 */

static const char *const verdicts[] = {"valid", "unknown", "not yet valid", "expired", "used up",
                                       "member limit", "wrong member", "basket below minimum", "balance too low"};

int main(void)
{
    patron_db *db = NULL;
    int64_t ann = 0;
    int rc = patron_open(&db, ":memory:", NULL);
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Ann";
    f.email = "ann@example.com";
    f.consent = "email";
    if (!rc)
        rc = patron_profile_add(db, &ann, &f, T0);
    patron_coupon_campaign c = PATRON_COUPON_CAMPAIGN_INIT;
    c.name = "summer";
    c.amount_off = 500; /* 5.00 off */
    c.min_basket = 2000;
    c.pattern = "SUMMER-####-??";
    c.count = 3;
    c.seed = 2026;
    if (!rc)
        rc = patron_coupon_create(db, NULL, &c);
    patron_coupon_codes *codes = NULL;
    if (!rc)
        rc = patron_coupon_list(db, &codes, "summer");
    const char *code = rc ? "" : patron_coupon_codes_get(codes, 0)->code;
    patron_coupon_request q = PATRON_COUPON_REQUEST_INIT;
    q.code = code;
    q.member_id = ann;
    q.at = T0 + 60;
    q.key = "pos-88";
    patron_coupon_result r = {.size = sizeof r};
    int64_t baskets[] = {1500, 2500};
    for (int i = 0; !rc && i < 2; i++) {
        q.basket = baskets[i];
        rc = patron_coupon_validate(db, &r, &q);
        if (!rc)
            printf("%s with a basket of %lld: %s\n", code, (long long)q.basket, verdicts[r.verdict]);
    }
    if (!rc)
        rc = patron_coupon_redeem(db, &r, &q);
    if (!rc)
        printf("redeemed: %lld off, uses %lld\n", (long long)r.value, (long long)r.uses);
    if (!rc)
        rc = patron_coupon_validate(db, &r, &q);
    if (!rc)
        printf("again: %s\n", verdicts[r.verdict]);
    patron_coupon_publication p = {.size = sizeof p};
    if (!rc)
        rc = patron_coupon_publish(db, &p, "summer", NULL, ann, T0 + 120);
    if (!rc)
        printf("published %s to member %lld\n", p.code, (long long)p.member_id);

    patron_coupon_campaign g = PATRON_COUPON_CAMPAIGN_INIT;
    g.name = "gift";
    g.kind = PATRON_COUPON_GIFT_CARD;
    g.amount_off = 5000; /* 50.00 */
    g.max_uses = 0;
    const char *cards[] = {"GC-1001"};
    if (!rc)
        rc = patron_coupon_create(db, NULL, &g);
    if (!rc)
        rc = patron_coupon_import(db, NULL, "gift", cards, 1);
    patron_coupon_request d = PATRON_COUPON_REQUEST_INIT;
    d.code = "GC-1001";
    d.at = T0 + 200;
    const char *keys[] = {"till-1", "till-2", "till-3"};
    int64_t amounts[] = {1200, 3000, 1000};
    for (int i = 0; !rc && i < 3; i++) {
        d.key = keys[i];
        d.amount = amounts[i];
        int drc = patron_coupon_redeem(db, &r, &d);
        if (drc == PATRON_OK)
            printf("drew %lld, balance %lld\n", (long long)d.amount, (long long)r.balance);
        else if (drc == PATRON_EBALANCE)
            printf("refused: %s\n", patron_errmsg());
        else
            rc = drc;
    }
    if (rc)
        fprintf(stderr, "error: %s\n", patron_errmsg());
    patron_coupon_codes_free(codes);
    patron_close(db);
    return rc ? 1 : 0;
}
