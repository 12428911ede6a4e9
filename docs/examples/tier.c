/* Tiers beyond thresholds: one-level downgrades, a tier kept three months
 * after it was last reached, a lifetime tier, and the benefits a till shows. */
#include <patron.h>
#include <stdio.h>

#define NOW 1764547200 /* 2025-12-01 00:00 UTC */
#define DAY 86400

static void show(patron_db *db, int64_t member, int64_t at, const char *when)
{
    patron_tier_detail d = PATRON_TIER_DETAIL_INIT;
    if (patron_tier_get_detail(db, &d, member, at) != PATRON_OK)
        printf("%s: %s\n", when, patron_errmsg());
    else
        printf("%-9s tier %-8s qualifies %-6s kept until %lld, lifetime '%s'", when, d.tier, d.qualifies,
               (long long)d.valid_until, d.lifetime);
    patron_tier_benefit *b; /* what the till shows */
    size_t n;
    if (patron_tier_member_benefits(db, &b, &n, member) == PATRON_OK) {
        for (size_t i = 0; i < n; i++)
            printf("%s%s", i ? ", " : "; benefits: ", b[i].name);
        patron_free(b);
    }
    printf("\n");
}

int main(void)
{
    patron_db *db;
    if (patron_open(&db, ":memory:", NULL))
        return 1;
    patron_profile_set_country(db, "IL");
    patron_earn_rule base = PATRON_EARN_RULE_INIT;
    base.name = "base";
    base.kind = PATRON_EARN_BASE;
    base.points = 1;
    base.per_amount = 100; /* 1 point per 1.00 */
    patron_earn_rule_add(db, NULL, &base);

    patron_tier_config c = PATRON_TIER_CONFIG_INIT;
    c.window_days = 90;                              /* spend over 90 days */
    c.grace_days = 0;
    c.downgrade = PATRON_TIER_DOWNGRADE_ONE_LEVEL;   /* one level per downgrade */
    c.expiry_months = 3;                             /* kept 3 months after last qualifying */
    patron_tier_def tiers[] = {{"basic", 0}, {"silver", 50000}, {"gold", 200000}, {"platinum", 500000}};
    if (patron_tier_configure(db, &c, tiers, 4) != PATRON_OK) {
        fprintf(stderr, "%s\n", patron_errmsg());
        return 1;
    }
    patron_tier_set_lifetime(db, "silver", 1);       /* once silver, never below */
    const char *gold[] = {"free shipping", "lounge access"};
    patron_tier_set_benefits(db, "gold", gold, 2);

    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Dana Levi";
    f.phone = "050-123-4567";
    f.consent = "sms";
    int64_t dana;
    if (patron_profile_add(db, &dana, &f, NOW) != PATRON_OK) {
        fprintf(stderr, "%s\n", patron_errmsg());
        return 1;
    }
    patron_purchase_line line = {NULL, NULL, 600000}; /* 6,000.00 */
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = "order-1";
    p.member_id = dana;
    p.at = NOW;
    p.lines = &line;
    p.n_lines = 1;
    patron_earn_purchase(db, NULL, &p);              /* platinum at once */
    show(db, dana, NOW, "bought");

    /* reviews: nothing before the date, then one level at a time */
    int64_t at = NOW + 100 * DAY;
    patron_tier_review(db, NULL, at);
    show(db, dana, at, "day 100");
    for (int month = 4; month <= 12; month += 3) {
        at = NOW + (int64_t)month * 31 * DAY;
        patron_tier_review(db, NULL, at);
        char when[16];
        snprintf(when, sizeof when, "month %d", month);
        show(db, dana, at, when);
    }

    patron_close(db);
    return 0;
}
