/* Earning rules, budgets and tiers per program (docs/guide/programs.md):
 * one member in two programs scored by each program's rules into each
 * program's account, budgets spent in one program leaving the other's
 * alone, tiers and thresholds per program (Gold in one, another tier or none
 * in the other), benefits and lifetime marks per program, the card and the
 * frame showing the current program's tier, returns and releases reaching
 * the program that scored the purchase. Runs on both backends. */
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
#include "program_support.h"

#define T0 INT64_C(1767225600) /* 2026-01-01 */
#define DAY INT64_C(86400)

static void base_rule(patron_db *db, const char *name, int64_t points, int64_t per)
{
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = name;
    r.kind = PATRON_EARN_BASE;
    r.points = points;
    r.per_amount = per;
    OK(patron_earn_rule_add(db, NULL, &r));
}

static int buy(patron_db *db, patron_earn_result *res, const char *key, int64_t member, int64_t at, int64_t amount,
               int hold)
{
    patron_purchase_line l = {"food", NULL, amount};
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = key;
    p.member_id = member;
    p.at = at;
    p.lines = &l;
    p.n_lines = 1;
    p.hold_until_action = hold;
    patron_earn_result r = {0, 0, 0};
    int rc = patron_earn_purchase(db, &r, &p);
    if (res)
        *res = r;
    return rc;
}

static int64_t quote(patron_db *db, int64_t member, int64_t at, int64_t amount)
{
    patron_purchase_line l = {"food", NULL, amount};
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.member_id = member;
    p.at = at;
    p.lines = &l;
    p.n_lines = 1;
    int64_t pts = -1;
    OK(patron_earn_quote(db, &pts, &p));
    return pts;
}

/* 1 point per 100 in the default program, 5 per 100 at the partner: the
 * same member is scored by each program's rules into its own account. */
static void test_rules_per_program(void **state)
{
    (void)state;
    int64_t a, b;
    patron_db *db = two_programs(T0, &a, &b);
    base_rule(db, "base", 1, 100);
    use(db, "partner");
    /* the partner has no rules yet: a purchase there earns nothing */
    assert_int_equal(quote(db, a, T0, 1000), 0);
    base_rule(db, "base", 5, 100); /* the same name: the partner's own rule, version 1 */
    int64_t v = 0;
    patron_earn_rule r2 = PATRON_EARN_RULE_INIT;
    r2.name = "bonus";
    r2.kind = PATRON_EARN_MEMBER_BONUS;
    r2.percent = 20;
    OK(patron_earn_rule_add(db, &v, &r2));
    assert_int_equal(v, 1);
    assert_int_equal(quote(db, a, T0, 1000), 60); /* 50 + 20% */
    patron_earn_result res;
    OK(buy(db, &res, "p-1", a, T0, 1000, 0));
    assert_int_equal(res.points, 60);
    assert_int_equal(res.postings, 2);
    assert_int_equal(pt_available(db, a, T0 + 1), 60);
    /* b has not joined the partner: refused, nothing recorded */
    assert_int_equal(buy(db, NULL, "p-b", b, T0, 1000, 0), PATRON_ENOTFOUND);
    assert_non_null(strstr(patron_errmsg(), "has not joined program 'partner'"));
    patron_purchase_line l = {"food", NULL, 1000};
    patron_purchase q = PATRON_PURCHASE_INIT;
    q.member_id = b;
    q.at = T0;
    q.lines = &l;
    q.n_lines = 1;
    int64_t pts;
    assert_int_equal(patron_earn_quote(db, &pts, &q), PATRON_ENOTFOUND);
    use(db, "default");
    assert_int_equal(pt_available(db, a, T0 + 1), 0); /* the partner's points are not the default's */
    assert_int_equal(quote(db, a, T0, 1000), 10);
    OK(buy(db, &res, "d-1", a, T0 + 2, 1000, 0));
    assert_int_equal(res.points, 10);
    OK(buy(db, &res, "p-b", b, T0 + 2, 1000, 0)); /* the refused key was never used */
    assert_int_equal(res.points, 10);
    /* a new version of the default's rule leaves the partner's alone */
    patron_earn_rule r3 = PATRON_EARN_RULE_INIT;
    r3.name = "base";
    r3.kind = PATRON_EARN_BASE;
    r3.points = 2;
    r3.per_amount = 100;
    r3.valid_from = T0 + 10;
    OK(patron_earn_rule_add(db, &v, &r3));
    assert_int_equal(v, 2);
    assert_int_equal(quote(db, a, T0 + 20, 1000), 20);
    use(db, "partner");
    assert_int_equal(quote(db, a, T0 + 20, 1000), 60);
    /* purchase keys are the store's: a retry from any program replays */
    OK(buy(db, &res, "d-1", a, T0 + 2, 1000, 0));
    assert_int_equal(res.replayed, 1);
    assert_int_equal(res.points, 10);
    /* a return reaches the program that scored the purchase, whichever is current */
    OK(patron_earn_return(db, "d-1", T0 + 30));
    assert_int_equal(pt_available(db, a, T0 + 31), 60);
    use(db, "default");
    assert_int_equal(pt_available(db, a, T0 + 31), 0);
    OK(patron_earn_return(db, "p-1", T0 + 32));
    use(db, "partner");
    assert_int_equal(pt_available(db, a, T0 + 33), 0);
    /* points pending until an action: released in their program */
    OK(buy(db, &res, "p-held", a, T0 + 40, 1000, 1));
    assert_int_equal(pt_available(db, a, T0 + 41), 0);
    use(db, "default");
    int64_t released = 0;
    OK(patron_earn_release(db, &released, "p-held", T0 + 42));
    assert_int_equal(released, 60);
    assert_int_equal(pt_available(db, a, T0 + 43), 0);
    use(db, "partner");
    assert_int_equal(pt_available(db, a, T0 + 43), 60);
    OK(patron_ledger_check(db, NULL));
    patron_close(db);
}

/* A budget spent in one program does not limit the other's rule of the
 * same name; each program sets and reads its own. */
static void test_budgets_per_program(void **state)
{
    (void)state;
    int64_t a, b;
    patron_db *db = two_programs(T0, &a, &b);
    base_rule(db, "base", 1, 100);
    patron_earn_budget bud = PATRON_EARN_BUDGET_INIT;
    bud.points = 25;
    OK(patron_earn_budget_set(db, "base", &bud));
    use(db, "partner");
    /* the partner has no rule "base" yet: no budget for it either */
    assert_int_equal(patron_earn_budget_set(db, "base", &bud), PATRON_ENOTFOUND);
    assert_non_null(strstr(patron_errmsg(), "in program 'partner'"));
    base_rule(db, "base", 1, 100);
    patron_earn_budget pb = PATRON_EARN_BUDGET_INIT;
    pb.points = 15;
    OK(patron_earn_budget_set(db, "base", &pb));
    use(db, "default");
    patron_earn_result res;
    OK(buy(db, &res, "d-1", a, T0, 2000, 0));
    assert_int_equal(res.points, 20);
    OK(buy(db, &res, "d-2", b, T0 + 1, 2000, 0));
    assert_int_equal(res.points, 5); /* clipped to what is left */
    OK(buy(db, &res, "d-3", a, T0 + 2, 2000, 0));
    assert_int_equal(res.points, 0);
    patron_earn_budget got = PATRON_EARN_BUDGET_INIT;
    patron_earn_budget_usage u;
    memset(&u, 0, sizeof u);
    u.size = sizeof u;
    OK(patron_earn_budget_get(db, &got, &u, "base", T0 + 3, 0, NULL));
    assert_int_equal(got.points, 25);
    assert_int_equal(u.points_used, 25);
    assert_int_equal(u.points_left, 0);
    use(db, "partner");
    /* the default's budget is spent; the partner's is untouched */
    OK(patron_earn_budget_get(db, &got, &u, "base", T0 + 3, 0, NULL));
    assert_int_equal(got.points, 15);
    assert_int_equal(u.points_used, 0);
    assert_int_equal(u.points_left, 15);
    OK(buy(db, &res, "p-1", a, T0 + 4, 1000, 0));
    assert_int_equal(res.points, 10);
    OK(buy(db, &res, "p-2", a, T0 + 5, 1000, 0));
    assert_int_equal(res.points, 5);
    OK(patron_earn_budget_get(db, &got, &u, "base", T0 + 6, 0, NULL));
    assert_int_equal(u.points_used, 15);
    assert_int_equal(pt_available(db, a, T0 + 6), 15);
    /* a return gives back to the budget of the program that scored it */
    OK(patron_earn_return(db, "p-2", T0 + 7));
    OK(patron_earn_budget_get(db, &got, &u, "base", T0 + 8, 0, NULL));
    assert_int_equal(u.points_used, 10);
    use(db, "default");
    OK(patron_earn_budget_get(db, &got, &u, "base", T0 + 8, 0, NULL));
    assert_int_equal(u.points_used, 25);
    /* removing the default's budget leaves the partner's */
    patron_earn_budget none = PATRON_EARN_BUDGET_INIT;
    OK(patron_earn_budget_set(db, "base", &none));
    use(db, "partner");
    OK(patron_earn_budget_get(db, &got, &u, "base", T0 + 8, 0, NULL));
    assert_int_equal(got.points, 15);
    patron_close(db);
}

static void points_tiers(patron_db *db, const char *low, int64_t gold_at)
{
    patron_tier_config c = PATRON_TIER_CONFIG_INIT;
    c.metric = PATRON_TIER_POINTS;
    c.grace_days = 0;
    patron_tier_def d[2] = {{low, 0}, {"Gold", gold_at}};
    OK(patron_tier_configure(db, &c, d, 2));
}

static const char *card_tier(patron_db *db, int64_t member, char *out, size_t cap)
{
    char *json = NULL;
    patron_card_options o = PATRON_CARD_OPTIONS_INIT;
    o.as_of = T0 + 10 * DAY;
    OK(patron_member_card(db, &json, member, &o));
    const char *t = strstr(json, "\"tier\": ");
    assert_non_null(t);
    t += 8;
    if (!strncmp(t, "null", 4))
        snprintf(out, cap, "null");
    else {
        const char *n = strstr(t, "\"name\": ");
        assert_non_null(n);
        n += 8;
        if (*n == '"') {
            size_t k = strcspn(n + 1, "\"");
            snprintf(out, cap, "%.*s", (int)k, n + 1);
        } else
            snprintf(out, cap, "none");
    }
    patron_free(json);
    return out;
}

static const char *frame_tier(patron_db *db, const int64_t *ids, size_t n, size_t row, patron_frame **keep)
{
    char (*id)[24] = calloc(n, sizeof *id);
    const char **rows = calloc(n, sizeof *rows);
    for (size_t i = 0; i < n; i++) {
        snprintf(id[i], sizeof id[i], "%lld", (long long)ids[i]);
        rows[i] = id[i];
    }
    patron_frame *fr = NULL;
    OK(patron_frame_new(&fr, n, NULL, rows));
    patron_member_columns_options o = PATRON_MEMBER_COLUMNS_OPTIONS_INIT;
    o.now = T0 + 10 * DAY;
    OK(patron_frame_add_member_columns(fr, db, &o));
    size_t tc;
    OK(patron_frame_find(&tc, fr, "tier", PATRON_COL_STRING));
    free(id);
    free(rows);
    *keep = fr;
    return patron_frame_string(fr, tc)[row];
}

/* Tiers per program: the same member Gold in the default program (low
 * threshold), Bronze at the partner (high threshold), no tier in a third
 * program without tiers; benefits, lifetime marks, reviews, the card and the
 * frame follow the current program. */
static void test_tiers_per_program(void **state)
{
    (void)state;
    int64_t a, b;
    patron_db *db = two_programs(T0, &a, &b);
    OK(patron_program_create(db, "plain"));
    use(db, "plain");
    OK(patron_program_join(db, a, T0 - 10 * DAY));
    use(db, "default");
    base_rule(db, "base", 1, 100);
    points_tiers(db, "Silver", 40);
    const char *gold_b[] = {"lounge"};
    OK(patron_tier_set_benefits(db, "Gold", gold_b, 1));
    use(db, "partner");
    /* no tiers at the partner yet (the default's are not its) */
    patron_tier_status st;
    assert_int_equal(patron_tier_get(db, &st, a, T0), PATRON_EINVAL);
    assert_int_equal(patron_tier_set_benefits(db, "Gold", gold_b, 1), PATRON_ENOTFOUND);
    base_rule(db, "base", 5, 100);
    points_tiers(db, "Bronze", 1000);
    const char *gold_p[] = {"free coffee", "cake"};
    OK(patron_tier_set_benefits(db, "Gold", gold_p, 2));
    const char *bronze_p[] = {"stamp card"};
    OK(patron_tier_set_benefits(db, "Bronze", bronze_p, 1));
    OK(patron_tier_set_lifetime(db, "Gold", 1));
    /* a at the partner: 50 points, under 1000: Bronze */
    OK(buy(db, NULL, "p-1", a, T0, 1000, 0));
    OK(patron_tier_get(db, &st, a, T0 + 1));
    assert_string_equal(st.tier, "Bronze");
    assert_int_equal(st.value, 50); /* the partner's earned points only */
    assert_int_equal(patron_tier_get(db, &st, b, T0 + 1), PATRON_ENOTFOUND); /* not joined */
    assert_int_equal(patron_tier_evaluate(db, &st, b, T0 + 1), PATRON_ENOTFOUND);
    use(db, "default");
    /* a in the default program: 50 points, Gold there */
    OK(buy(db, NULL, "d-1", a, T0 + 2, 5000, 0));
    OK(buy(db, NULL, "d-2", b, T0 + 2, 1000, 0));
    OK(patron_tier_get(db, &st, a, T0 + 3));
    assert_string_equal(st.tier, "Gold");
    assert_int_equal(st.value, 50);
    OK(patron_tier_get(db, &st, b, T0 + 3));
    assert_string_equal(st.tier, "Silver");
    patron_tier_benefit *ben = NULL;
    size_t nb = 0;
    OK(patron_tier_member_benefits(db, &ben, &nb, a));
    assert_int_equal(nb, 1);
    assert_string_equal(ben[0].name, "lounge");
    patron_free(ben);
    patron_tier_detail det = PATRON_TIER_DETAIL_INIT;
    OK(patron_tier_get_detail(db, &det, a, T0 + 3));
    assert_string_equal(det.lifetime, ""); /* Gold is a lifetime tier at the partner only */
    char t[80];
    assert_string_equal(card_tier(db, a, t, sizeof t), "Gold");
    patron_frame *fr;
    int64_t ids[2] = {a, b};
    assert_string_equal(frame_tier(db, ids, 2, 0, &fr), "Gold");
    patron_frame_free(fr);
    use(db, "partner");
    OK(patron_tier_get(db, &st, a, T0 + 3));
    assert_string_equal(st.tier, "Bronze"); /* unchanged by the default program's purchases */
    OK(patron_tier_member_benefits(db, &ben, &nb, a));
    assert_int_equal(nb, 1);
    assert_string_equal(ben[0].name, "stamp card");
    patron_free(ben);
    assert_string_equal(card_tier(db, a, t, sizeof t), "Bronze");
    char *json = NULL;
    patron_card_options co = PATRON_CARD_OPTIONS_INIT;
    co.as_of = T0 + 10 * DAY;
    assert_int_equal(patron_member_card(db, &json, b, &co), PATRON_ENOTFOUND); /* b is not in the partner */
    assert_string_equal(frame_tier(db, ids, 2, 0, &fr), "Bronze");
    patron_frame_free(fr);
    assert_string_equal(frame_tier(db, ids, 2, 1, &fr), "");
    patron_frame_free(fr);
    /* Gold at the partner (lifetime there), then a review in each program */
    OK(buy(db, NULL, "p-2", a, T0 + 4, 20000, 0));
    OK(patron_tier_get(db, &st, a, T0 + 5));
    assert_string_equal(st.tier, "Gold");
    OK(patron_tier_get_detail(db, &det, a, T0 + 5));
    assert_string_equal(det.lifetime, "Gold");
    int64_t changed = -1;
    OK(patron_tier_review(db, &changed, T0 + 400 * DAY)); /* the points left the window; Gold is lifetime here */
    assert_int_equal(changed, 0);
    OK(patron_tier_get(db, &st, a, T0 + 400 * DAY));
    assert_string_equal(st.tier, "Gold");
    use(db, "default");
    OK(patron_tier_review(db, &changed, T0 + 400 * DAY)); /* a and b drop to Silver (b: already there) */
    assert_int_equal(changed, 1);
    OK(patron_tier_get(db, &st, a, T0 + 400 * DAY));
    assert_string_equal(st.tier, "Silver");
    /* the third program has no tiers: none on the card or in the frame */
    use(db, "plain");
    assert_int_equal(patron_tier_get(db, &st, a, T0), PATRON_EINVAL);
    assert_string_equal(card_tier(db, a, t, sizeof t), "null");
    assert_string_equal(frame_tier(db, ids, 2, 0, &fr), "");
    patron_frame_free(fr);
    /* reconfiguring one program's tiers leaves the other's */
    use(db, "partner");
    points_tiers(db, "Bronze", 5);
    use(db, "default");
    patron_tier_benefit *b2 = NULL;
    OK(patron_tier_member_benefits(db, &b2, &nb, b));
    assert_int_equal(nb, 0);
    OK(patron_tier_get(db, &st, b, T0 + 400 * DAY));
    assert_string_equal(st.tier, "Silver");
    patron_close(db);
}

/* The frame's tier column read in bulk (>= 256 rows: one ordered scan of
 * the states) names the current program's tiers, as row by row does. */
static void test_frame_bulk_tiers(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    OK(patron_profile_set_country(db, "IL"));
    OK(patron_program_create(db, "partner"));
    enum { N = 300 };
    int64_t *ids = calloc(N, sizeof *ids);
    OK(patron_batch_begin(db));
    for (int i = 0; i < N; i++) {
        char phone[32];
        snprintf(phone, sizeof phone, "050-%07d", 1000 + i);
        ids[i] = pt_member(db, phone, "none", T0 - 100 * DAY);
    }
    OK(patron_batch_commit(db));
    points_tiers(db, "Silver", 10);
    use(db, "partner");
    points_tiers(db, "Bronze", 10);
    for (int i = 0; i < N; i += 3)
        OK(patron_program_join(db, ids[i], T0 - 10 * DAY));
    for (int i = 0; i < N; i += 3) {
        patron_posting_request r = pt_posting(NULL, ids[i], i % 2 ? 20 : 5, T0);
        char key[32];
        snprintf(key, sizeof key, "k%d", i);
        r.key = key;
        OK(patron_ledger_earn(db, NULL, &r));
        patron_tier_status st;
        OK(patron_tier_evaluate(db, &st, ids[i], T0 + 1));
    }
    use(db, "default");
    for (int i = 0; i < N; i += 5) {
        patron_tier_status st;
        OK(patron_tier_evaluate(db, &st, ids[i], T0 + 1));
    }
    for (int pass = 0; pass < 2; pass++) {
        patron_frame *fr;
        frame_tier(db, ids, N, 0, &fr);
        size_t tc;
        OK(patron_frame_find(&tc, fr, "tier", PATRON_COL_STRING));
        const char *const *t = patron_frame_string(fr, tc);
        for (int i = 0; i < N; i++) {
            const char *want = pass == 0 ? (i % 5 == 0 ? "Silver" : "")
                                         : (i % 3 == 0 ? (i % 2 ? "Gold" : "Bronze") : "");
            if (strcmp(t[i] ? t[i] : "", want))
                fail_msg("pass %d row %d: tier '%s', want '%s'", pass, i, t[i] ? t[i] : "(null)", want);
        }
        patron_frame_free(fr);
        use(db, "partner");
    }
    free(ids);
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_per_program),
        cmocka_unit_test(test_budgets_per_program),
        cmocka_unit_test(test_tiers_per_program),
        cmocka_unit_test(test_frame_bulk_tiers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
