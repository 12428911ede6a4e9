/* The points liability by month against a history computed by hand
 * (docs/guide/report.md "Points liability and breakage"): earnings,
 * a redemption and its partial reversal, pending points, an expiry, an
 * adjustment and a member in overdraft, over three months. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"
#include "store_support.h"

#define JAN INT64_C(1767225600) /* 2026-01-01 */
#define DAY INT64_C(86400)
#define FEB (JAN + 31 * DAY)
#define MAR (FEB + 28 * DAY)
#define APR (MAR + 31 * DAY)

static int64_t post(patron_db *db, int kind, const char *key, int64_t m, int64_t pts, int64_t at, int64_t mature,
                    int64_t expires, int64_t target)
{
    patron_posting_request r = pt_posting(key, m, pts, at);
    r.mature_at = mature;
    r.expires_at = expires;
    r.target = target;
    r.reason = "test";
    r.operator_name = "ops";
    patron_posting_result res;
    int rc = kind == 1   ? patron_ledger_earn(db, &res, &r)
             : kind == 2 ? patron_ledger_redeem(db, &res, &r)
             : kind == 4 ? patron_ledger_adjust(db, &res, &r)
                         : patron_ledger_reverse(db, &res, &r);
    if (rc != PATRON_OK)
        fail_msg("%s: %s", key, patron_errmsg());
    return res.posting_id;
}

static patron_db *history(void)
{
    patron_db *db = pt_store_new(NULL);
    assert_int_equal(patron_profile_set_country(db, "IL"), PATRON_OK);
    patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
    pol.overdraft_limit = 100;
    assert_int_equal(patron_ledger_set_policy(db, &pol), PATRON_OK);
    int64_t a = pt_member(db, "050-000-0001", "sms", JAN - DAY), b = pt_member(db, "050-000-0002", "sms", JAN - DAY),
            c = pt_member(db, "050-000-0003", "sms", JAN - DAY), d = pt_member(db, "050-000-0004", "sms", JAN - DAY);
    post(db, 1, "a1", a, 1000, JAN + 9 * DAY, 0, PATRON_NEVER, 0);
    post(db, 1, "b1", b, 500, JAN + 11 * DAY, 0, MAR, 0);            /* expires 1 March 00:00 */
    int64_t red = post(db, 2, "a2", a, 300, FEB + 4 * DAY, 0, 0, 0);
    post(db, 1, "c1", c, 200, FEB + 19 * DAY, MAR + 9 * DAY, PATRON_NEVER, 0); /* pending until 10 March */
    int64_t n = 0, pts = 0;
    assert_int_equal(patron_ledger_expire(db, &n, &pts, MAR + 3600), PATRON_OK);
    assert_int_equal(pts, 500);
    post(db, 4, "a3", a, 50, MAR + 14 * DAY, 0, PATRON_NEVER, 0);
    post(db, 5, "a4", a, 100, MAR + 19 * DAY, 0, 0, red);           /* 100 of the redemption given back */
    post(db, 2, "a5", a, 200, MAR + 24 * DAY, 0, 0, 0);
    post(db, 2, "d1", d, 50, MAR + 27 * DAY, 0, 0, 0);              /* overdraft: d owes 50 */
    return db;
}

static void check_month(const patron_liability_month *r, int64_t start, int64_t issued, int64_t redeemed,
                        int64_t expired, int64_t adjusted, int64_t available, int64_t pending, int64_t value,
                        int64_t red_to_date, int64_t exp_to_date, int64_t breakage, int64_t cost)
{
    assert_int_equal(r->month_start, start);
    assert_int_equal(r->issued, issued);
    assert_int_equal(r->redeemed, redeemed);
    assert_int_equal(r->expired, expired);
    assert_int_equal(r->adjusted, adjusted);
    assert_int_equal(r->available, available);
    assert_int_equal(r->pending, pending);
    assert_int_equal(r->outstanding, available + pending);
    assert_int_equal(r->value, value);
    assert_int_equal(r->redeemed_to_date, red_to_date);
    assert_int_equal(r->expired_to_date, exp_to_date);
    assert_int_equal(r->expected_breakage, breakage);
    assert_int_equal(r->expected_cost, cost);
}

static void test_liability_by_hand(void **state)
{
    (void)state;
    patron_db *db = history();
    patron_liability_options o = PATRON_LIABILITY_OPTIONS_INIT;
    o.cost_minor = 1; /* half a minor unit per point */
    o.cost_points = 2;
    patron_liability_month *rep = NULL;
    size_t n = 0;
    int rc = patron_report_liability(&rep, &n, db, &o);
    if (rc != PATRON_OK)
        fail_msg("liability: %s", patron_errmsg());
    assert_int_equal(n, 3);
    /* January: a 1000 + b 500; nothing settled yet: no breakage expected */
    check_month(&rep[0], JAN, 1500, 0, 0, 0, 1500, 0, 750, 0, 0, 0, 750);
    assert_int_equal(rep[0].as_of, FEB - 1);
    assert_true(isnan(rep[0].breakage_rate));
    /* February: a 700, b 500 (expires at 1 March 00:00, after as_of), c 200
     * pending; 300 redeemed and nothing expired: rate 0 */
    check_month(&rep[1], FEB, 200, 300, 0, 0, 1200, 200, 700, 300, 0, 0, 700);
    assert_true(rep[1].breakage_rate == 0.0);
    /* March: a 700 + 50 + 100 - 200 = 650, c 200 matured, d -50 counts 0;
     * redeemed 200 - 100 + 50 = 150, expired 500; to date 450 redeemed, 500
     * expired: rate 500/950; breakage 850 * 500 / 950 = 447.37 -> 447; cost
     * (850 - 447) / 2 = 201.5 -> 202 (half up); value 850 / 2 = 425 */
    check_month(&rep[2], MAR, 0, 150, 500, 50, 850, 0, 425, 450, 500, 447, 202);
    assert_true(fabs(rep[2].breakage_rate - 500.0 / 950.0) < 1e-15);
    assert_int_equal(rep[2].as_of, APR - 1);
    patron_free(rep);

    /* a range: March alone still counts the history before it */
    o.start = MAR + 5 * DAY;
    o.end = MAR + 6 * DAY;
    o.cost_minor = 7; /* per 1000 points */
    o.cost_points = 1000;
    assert_int_equal(patron_report_liability(&rep, &n, db, &o), PATRON_OK);
    assert_int_equal(n, 1);
    /* value 850 * 7 / 1000 = 5.95 -> 6; cost 403 * 7 / 1000 = 2.821 -> 3 */
    check_month(&rep[0], MAR, 0, 150, 500, 50, 850, 0, 6, 450, 500, 447, 3);
    patron_free(rep);
    /* a month after the history: balances carried, no flows */
    o.start = APR + 3 * DAY;
    o.end = APR + 40 * DAY;
    assert_int_equal(patron_report_liability(&rep, &n, db, &o), PATRON_OK);
    assert_int_equal(n, 2);
    check_month(&rep[1], APR + 30 * DAY, 0, 0, 0, 0, 850, 0, 6, 450, 500, 447, 3);
    patron_free(rep);
    patron_close(db);
}

static void test_liability_errors_and_empty(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    patron_liability_options o = PATRON_LIABILITY_OPTIONS_INIT;
    patron_liability_month *rep = (patron_liability_month *)&o;
    size_t n = 99;
    assert_int_equal(patron_report_liability(&rep, &n, db, &o), PATRON_OK);
    assert_null(rep);
    assert_int_equal(n, 0);
    o.cost_points = 0;
    assert_int_equal(patron_report_liability(&rep, &n, db, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "cost_points 0"));
    o.cost_points = 1;
    o.cost_minor = -1;
    assert_int_equal(patron_report_liability(&rep, &n, db, &o), PATRON_EINVAL);
    o.cost_minor = 1;
    o.start = FEB;
    o.end = JAN;
    assert_int_equal(patron_report_liability(&rep, &n, db, &o), PATRON_EINVAL);
    o.start = JAN;
    o.end = JAN + 2000 * 31 * DAY;
    assert_int_equal(patron_report_liability(&rep, &n, db, &o), PATRON_ERANGE);
    assert_int_equal(patron_report_liability(&rep, &n, db, NULL), PATRON_EINVAL);
    /* a range on an empty store: months of nothing */
    o.end = FEB;
    assert_int_equal(patron_report_liability(&rep, &n, db, &o), PATRON_OK);
    assert_int_equal(n, 2);
    assert_int_equal(rep[1].outstanding, 0);
    assert_true(isnan(rep[1].breakage_rate));
    patron_free(rep);
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_liability_by_hand),
        cmocka_unit_test(test_liability_errors_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
