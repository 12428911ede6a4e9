/* Campaign budgets and limits: a "double points weekend" bonus of 50 points a
 * purchase with a total budget of 120 points, at most one award per member a
 * day and 100 points per store a week. The award that reaches a limit gets
 * exactly the remainder; then the campaign awards nothing; a return gives
 * its award back to the budget. */
#include <patron.h>
#include <stdio.h>

#define SAT 1767398400 /* 2026-01-03, a Saturday (UTC seconds) */
#define DAY 86400

static int64_t buy(patron_db *db, const char *key, int64_t member, int64_t at, const char *store)
{
    patron_purchase_line line = {"shoes", NULL, 10000}; /* 100.00 */
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = key;
    p.member_id = member;
    p.at = at;
    p.lines = &line;
    p.n_lines = 1;
    p.location = store;
    int64_t quote = 0;
    patron_earn_quote(db, &quote, &p); /* what the till shows: the remaining budget counts */
    patron_earn_result res = {0, 0, 0};
    int rc = patron_earn_purchase(db, &res, &p);
    printf("%s at %s: quoted %lld, earned %lld%s\n", key, store, (long long)quote, (long long)res.points,
           rc ? " (failed)" : "");
    return res.points;
}

int main(void)
{
    patron_db *db;
    if (patron_open(&db, ":memory:", NULL))
        return 1;
    patron_profile_set_country(db, "IL");
    int64_t dana, noa;
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Dana";
    f.phone = "050-123-4567";
    f.consent = "sms";
    patron_profile_add(db, &dana, &f, SAT - DAY);
    f.name = "Noa";
    f.phone = "050-765-4321";
    patron_profile_add(db, &noa, &f, SAT - DAY);

    patron_earn_rule weekend = PATRON_EARN_RULE_INIT;
    weekend.name = "weekend";
    weekend.kind = PATRON_EARN_CAMPAIGN;
    weekend.valid_from = SAT;
    weekend.valid_to = SAT + 2 * DAY;
    weekend.points = 50;
    patron_earn_rule_add(db, NULL, &weekend);

    patron_earn_budget b = PATRON_EARN_BUDGET_INIT;
    b.points = 120;                             /* the campaign's whole budget */
    b.member_window = PATRON_EARN_WINDOW_DAY;   /* one award per member per UTC day */
    b.member_awards = 1;
    b.store_window = PATRON_EARN_WINDOW_WEEK;   /* 100 points per store per ISO week */
    b.store_points = 100;
    if (patron_earn_budget_set(db, "weekend", &b)) {
        printf("budget: %s\n", patron_errmsg());
        return 1;
    }
    int64_t total = 0;
    total += buy(db, "o1", dana, SAT + 3600, "tlv");
    total += buy(db, "o2", dana, SAT + 7200, "tlv");       /* Dana's award today is used */
    total += buy(db, "o3", noa, SAT + 7200, "tlv");
    total += buy(db, "o4", noa, SAT + DAY + 60, "tlv");     /* Sunday ends the same ISO week: tlv's 100 are used */
    total += buy(db, "o5", dana, SAT + DAY + 120, "haifa"); /* only 20 left of the 120 */
    total += buy(db, "o6", noa, SAT + DAY + 180, "haifa");  /* spent */

    patron_earn_budget_usage u = PATRON_EARN_BUDGET_USAGE_INIT;
    patron_earn_budget_get(db, NULL, &u, "weekend", SAT + DAY, dana, "haifa");
    printf("budget: %lld used in %lld awards, %lld left; haifa this week %lld\n", (long long)u.points_used,
           (long long)u.awards_used, (long long)u.points_left, (long long)u.store_points_used);

    patron_earn_return(db, "o3", SAT + DAY + 600); /* Noa returns: 50 back to the budget */
    patron_earn_budget_get(db, NULL, &u, "weekend", SAT + DAY, 0, NULL);
    printf("after the return: %lld left\n", (long long)u.points_left);
    patron_close(db);
    return total == 120 && u.points_left == 50 ? 0 : 1;
}
