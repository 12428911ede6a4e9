/* Points ledger: earn with an idempotency key (a retry changes nothing),
 * hold points for a return window, redeem FIFO, reverse on a refund,
 * read a balance at any moment, allow negative balances, and reconcile. */
#include <patron.h>
#include <stdio.h>

#define NOW 1764000000 /* UTC seconds */
#define DAY 86400

int main(void)
{
    patron_db *db;
    if (patron_open(&db, ":memory:", NULL))
        return 1;
    patron_profile_set_country(db, "IL");
    patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
    pol.expiry_months = 12;        /* points expire 12 months after earning */
    pol.hold_seconds = 14 * DAY;   /* and become available after the return window */
    patron_ledger_set_policy(db, &pol);

    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Dana Levi";
    f.phone = "050-123-4567";
    f.consent = "sms";
    int64_t dana;
    patron_profile_add(db, &dana, &f, NOW);

    patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
    r.key = "order-17"; /* the POS order number */
    r.member_id = dana;
    r.points = 120;
    r.at = NOW;
    r.spend = 12000; /* 120.00 in agorot */
    r.rule = "base";
    r.rule_version = 1;
    patron_posting_result res;
    patron_ledger_earn(db, &res, &r);
    patron_ledger_earn(db, &res, &r); /* a retry over a flaky network */
    printf("retry replayed: %s, posting %lld\n", res.replayed ? "yes" : "no", (long long)res.posting_id);

    patron_balance b;
    patron_ledger_balance(db, &b, dana, NOW + DAY);
    printf("day 1: available %lld, pending %lld\n", (long long)b.available, (long long)b.pending);
    patron_ledger_balance(db, &b, dana, NOW + 15 * DAY);
    printf("day 15: available %lld\n", (long long)b.available);

    patron_posting_request x = PATRON_POSTING_REQUEST_INIT;
    x.key = "redeem-1";
    x.member_id = dana;
    x.points = 500;
    x.at = NOW + 16 * DAY;
    int rc = patron_ledger_redeem(db, NULL, &x);
    printf("redeem 500: %s (%s)\n", patron_strerror(rc), patron_errmsg());
    x.points = 100;
    patron_posting_result red;
    patron_ledger_redeem(db, &red, &x);

    /* the customer returns what they bought with points: give them back */
    patron_posting_request back = PATRON_POSTING_REQUEST_INIT;
    back.key = "refund-1";
    back.target = red.posting_id;
    back.at = NOW + 17 * DAY;
    back.reason = "return";
    patron_ledger_reverse(db, NULL, &back);
    patron_ledger_balance(db, &b, dana, NOW + 17 * DAY);
    printf("after refund: %lld\n", (long long)b.available);
    patron_ledger_balance(db, &b, dana, NOW + 16 * DAY);
    printf("as it was on day 16: %lld\n", (long long)b.available);

    /* rules and tiers: 1 point per 1.00, double on shoes; gold from 1,000.00 a year */
    patron_earn_rule base = PATRON_EARN_RULE_INIT;
    base.name = "base";
    base.kind = PATRON_EARN_BASE;
    base.points = 1;
    base.per_amount = 100;
    patron_earn_rule_add(db, NULL, &base);
    patron_earn_rule shoes = PATRON_EARN_RULE_INIT;
    shoes.name = "shoes-x2";
    shoes.kind = PATRON_EARN_CATEGORY;
    shoes.category = "shoes";
    shoes.percent = 100;
    patron_earn_rule_add(db, NULL, &shoes);
    patron_tier_def tiers[] = {{"member", 0}, {"gold", 100000}};
    patron_tier_configure(db, NULL, tiers, 2);
    patron_purchase_line lines[] = {{"shoes", "SKU-1", 45000}, {"bags", "SKU-2", 60000}};
    patron_purchase buy = PATRON_PURCHASE_INIT;
    buy.key = "order-18";
    buy.member_id = dana;
    buy.at = NOW + 18 * DAY;
    buy.lines = lines;
    buy.n_lines = 2;
    patron_earn_result er;
    patron_earn_purchase(db, &er, &buy);
    patron_tier_status ts;
    patron_tier_get(db, &ts, dana, NOW + 18 * DAY);
    printf("order-18 earned %lld points in %lld postings; tier now %s\n", (long long)er.points,
           (long long)er.postings, ts.tier);

    /* a program that allows negative balances: order-17 is refunded after its
     * points were spent, so taking them back overdraws; the next earn repays */
    int64_t order17 = res.posting_id;
    pol.overdraft_limit = 500;
    patron_ledger_set_policy(db, &pol);
    patron_balance d;
    patron_ledger_balance(db, &d, dana, NOW + 40 * DAY);
    x.key = "redeem-all";
    x.points = d.available;
    x.at = NOW + 40 * DAY;
    patron_ledger_redeem(db, NULL, &x);
    patron_posting_request refund = PATRON_POSTING_REQUEST_INIT;
    refund.key = "refund-order-17";
    refund.target = order17;
    refund.at = NOW + 41 * DAY;
    refund.reason = "order returned";
    patron_ledger_reverse(db, NULL, &refund);
    patron_ledger_balance(db, &d, dana, NOW + 41 * DAY);
    printf("after refunding spent points: %lld\n", (long long)d.available);
    r.key = "order-19";
    r.points = 200;
    r.at = NOW + 42 * DAY;
    r.mature_at = r.at; /* available at once */
    patron_ledger_earn(db, NULL, &r);
    patron_ledger_balance(db, &d, dana, NOW + 42 * DAY);
    printf("after the next earn: %lld\n", (long long)d.available);

    /* a web order: points pending until it ships, expiring at the end of
     * the quarter a year after the release */
    pol.expiry_round = PATRON_EXPIRY_END_OF_QUARTER;
    patron_ledger_set_policy(db, &pol);
    patron_posting_request web = PATRON_POSTING_REQUEST_INIT;
    web.key = "web-20";
    web.member_id = dana;
    web.points = 60;
    web.at = NOW + 43 * DAY;
    web.mature_at = PATRON_NEVER; /* pending until an action */
    patron_ledger_earn(db, NULL, &web);
    patron_balance w;
    patron_ledger_balance(db, &w, dana, NOW + 400 * DAY);
    printf("web-20 before shipping: %lld pending\n", (long long)w.pending);
    patron_posting_result shipped;
    patron_ledger_release(db, &shipped, "web-20", NOW + 45 * DAY);
    patron_ledger_balance(db, &w, dana, NOW + 45 * DAY);
    printf("shipped: %lld available\n", (long long)w.available);

    patron_ledger_report rep;
    rc = patron_ledger_check(db, &rep);
    printf("reconciliation: %s (%lld postings, %lld lots)\n", rc ? patron_errmsg() : "ok", (long long)rep.postings,
           (long long)rep.lots);
    patron_close(db);
    return rc == PATRON_OK && b.available == 20 && er.points == 1500 && d.available == 80 && shipped.points == 60 &&
                   w.available == 140
               ? 0
               : 1;
}
