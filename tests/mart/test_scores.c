/* Stored CLV scores: patron_scores_refresh() must store exactly what the clv
 * module computes from the store's own summary (an independent pipeline in
 * this test: patron_txlog_from_db, patron_summarize, patron_clv_fit,
 * patron_clv_predict, patron_clv_lifetime_value), replace the previous
 * scores as a whole, and feed patron_frame_add_scores(), segments and the
 * card. SQLite and PostgreSQL. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal/json.h"
#include "patron.h"
#include "store_support.h"

#define T0 1700000000
#define DAY 86400
#define MEMBERS 400

/* A customer base simulated at CDNOW's BG/NBD and Gamma-Gamma estimates,
 * recorded purchase by purchase into the store. */
static patron_db *shop(int64_t *ids)
{
    return pt_simulated_shop(MEMBERS, 7, 2000, ids);
}

/* The independent pipeline: what the scores must be. */
typedef struct {
    size_t n;
    int64_t member[MEMBERS];
    double alive[MEMBERS], expected[MEMBERS], clv[MEMBERS];
} want;

static void expected_scores(patron_db *db, int64_t as_of, want *w)
{
    patron_store_log_options lo = PATRON_STORE_LOG_OPTIONS_INIT;
    lo.as_of = as_of;
    patron_txlog *log;
    assert_int_equal(patron_txlog_from_db(db, &log, &lo), PATRON_OK);
    patron_summary_options so = PATRON_SUMMARY_OPTIONS_INIT;
    so.observation_end = as_of;
    patron_frame *f;
    assert_int_equal(patron_summarize(&f, log, &so), PATRON_OK);
    const double *x = patron_frame_double_by_name(f, "frequency"), *tx = patron_frame_double_by_name(f, "recency"),
                 *T = patron_frame_double_by_name(f, "T"), *m = patron_frame_double_by_name(f, "monetary_value");
    static double X[MEMBERS], TX[MEMBERS], TT[MEMBERS], M[MEMBERS];
    w->n = 0;
    for (size_t r = 0; r < patron_frame_rows(f); r++) {
        if (!(T[r] > 0))
            continue;
        char buf[24];
        w->member[w->n] = strtoll(patron_frame_id(f, r, buf, sizeof buf), NULL, 10);
        X[w->n] = x[r];
        TX[w->n] = tx[r];
        TT[w->n] = T[r];
        M[w->n] = m[r];
        w->n++;
    }
    patron_clv_data d = {w->n, X, TX, TT, M, NULL};
    patron_clv_fit_result fit = PATRON_CLV_FIT_RESULT_INIT, gg = PATRON_CLV_FIT_RESULT_INIT;
    assert_int_equal(patron_clv_fit(&fit, PATRON_CLV_BGNBD, &d, NULL), PATRON_OK);
    assert_int_equal(patron_clv_fit(&gg, PATRON_CLV_GG, &d, NULL), PATRON_OK);
    assert_int_equal(patron_clv_predict(w->expected, w->alive, &fit.params, &d, 90.0), PATRON_OK);
    assert_int_equal(patron_clv_lifetime_value(w->clv, &fit.params, &gg.params, &d, 12, 0.01, 365.25 / 12), PATRON_OK);
    patron_frame_free(f);
    patron_txlog_free(log);
}

static void test_scores_are_the_clv_modules(void **state)
{
    (void)state;
    int64_t ids[MEMBERS];
    patron_db *db = shop(ids);
    int64_t as_of = T0 + 200 * DAY;
    patron_score_options o = PATRON_SCORE_OPTIONS_INIT;
    o.as_of = as_of;
    patron_score_result res = PATRON_SCORE_RESULT_INIT;
    if (patron_scores_refresh(db, &res, &o) != PATRON_OK)
        fail_msg("refresh: %s", patron_errmsg());
    assert_true(res.fit_id > 0);
    assert_int_equal(res.customers, MEMBERS);
    assert_int_equal(res.spend_fitted, 1);
    want w;
    expected_scores(db, as_of, &w);
    assert_int_equal(res.scored, (int64_t)w.n);

    /* the frame columns carry the stored values exactly (%.17g round trip) */
    int64_t fid[MEMBERS + 1];
    memcpy(fid, ids, sizeof ids);
    fid[MEMBERS] = 999999; /* no such member: NaN scores */
    patron_frame *f;
    assert_int_equal(patron_frame_new(&f, MEMBERS + 1, fid, NULL), PATRON_OK);
    assert_int_equal(patron_frame_add_scores(f, db), PATRON_OK);
    const double *pa = patron_frame_double_by_name(f, "p_alive");
    const double *e90 = patron_frame_double_by_name(f, "expected_purchases_90d");
    const double *clv = patron_frame_double_by_name(f, "clv_12m");
    for (size_t k = 0; k < w.n; k++) {
        size_t row = 0;
        while (fid[row] != w.member[k])
            row++;
        if (pa[row] != w.alive[k] || e90[row] != w.expected[k] || clv[row] != w.clv[k])
            fail_msg("member %lld: stored %.17g %.17g %.17g, clv module %.17g %.17g %.17g", (long long)w.member[k],
                     pa[row], e90[row], clv[row], w.alive[k], w.expected[k], w.clv[k]);
    }
    assert_true(isnan(pa[MEMBERS]) && isnan(clv[MEMBERS]));
    assert_int_equal(patron_frame_add_scores(f, db), PATRON_ECONFLICT); /* the columns exist */
    size_t cols = patron_frame_cols(f);
    /* segments use them with no caller arrays */
    patron_selection *sel;
    assert_int_equal(patron_rule_select(&sel, f, "p_alive < 0.5", NULL), PATRON_OK);
    size_t low = 0;
    for (size_t k = 0; k < w.n; k++)
        low += w.alive[k] < 0.5;
    assert_int_equal(patron_selection_count(sel), low);
    patron_selection_free(sel);
    assert_int_equal(patron_frame_cols(f), cols);
    patron_frame_free(f);

    /* the card shows the member's scores */
    patron_card_options co = PATRON_CARD_OPTIONS_INIT;
    co.as_of = as_of;
    char *json;
    assert_int_equal(patron_member_card(db, &json, w.member[0], &co), PATRON_OK);
    patron_json *doc;
    assert_int_equal(patron__json_parse(&doc, json, strlen(json)), PATRON_OK);
    const patron_json *c = patron__json_get(doc, "clv");
    assert_int_equal((int64_t)patron__json_number(patron__json_get(c, "fit_id")), res.fit_id);
    assert_int_equal((int64_t)patron__json_number(patron__json_get(c, "as_of")), as_of);
    assert_string_equal(patron__json_string(patron__json_get(c, "model")), "bgnbd");
    assert_true(patron__json_number(patron__json_get(c, "p_alive")) == w.alive[0]);
    assert_true(patron__json_number(patron__json_get(c, "clv_12m")) == w.clv[0]);
    patron__json_free(doc);
    patron_free(json);

    /* custom attributes become attr.<name> columns of the store's frame */
    assert_int_equal(patron_profile_define_attr(db, "vip", PATRON_ATTR_BOOL), PATRON_OK);
    assert_int_equal(patron_profile_define_attr(db, "shoe_size", PATRON_ATTR_INT), PATRON_OK);
    assert_int_equal(patron_profile_define_attr(db, "zone", PATRON_ATTR_TEXT), PATRON_OK);
    for (int i = 0; i < MEMBERS; i += 5) {
        char size[16];
        snprintf(size, sizeof size, "%d", 36 + i % 10);
        assert_int_equal(patron_profile_set_attr(db, ids[i], "shoe_size", size), PATRON_OK);
        assert_int_equal(patron_profile_set_attr(db, ids[i], "vip", i % 2 ? "yes" : "no"), PATRON_OK);
        assert_int_equal(patron_profile_set_attr(db, ids[i], "zone", i % 3 ? "north" : "south"), PATRON_OK);
    }

    /* the frame of the store in one call: summary, activity, member columns, scores; a segment of it */
    patron_store_frame_options fo = PATRON_STORE_FRAME_OPTIONS_INIT;
    fo.as_of = as_of;
    patron_frame *all;
    assert_int_equal(patron_frame_from_db(db, &all, &fo), PATRON_OK);
    assert_int_equal(patron_frame_rows(all), (size_t)res.customers);
    const char *need[] = {"frequency", "total_spend", "purchases_90d", "member_id", "points_balance", "consent.sms",
                          "p_alive", "clv_12m"};
    for (size_t k = 0; k < sizeof need / sizeof need[0]; k++) {
        size_t col;
        if (patron_frame_find(&col, all, need[k], PATRON_COL_ANY) != PATRON_OK)
            fail_msg("patron_frame_from_db: no column %s", need[k]);
    }
    {
        const int64_t *mid = patron_frame_int64_by_name(all, "member_id");
        const double *ss = patron_frame_double_by_name(all, "attr.shoe_size");
        const int64_t *vip = patron_frame_int64_by_name(all, "attr.vip");
        size_t zc;
        assert_non_null(mid);
        assert_non_null(ss);
        assert_non_null(vip);
        assert_int_equal(patron_frame_find(&zc, all, "attr.zone", PATRON_COL_STRING), PATRON_OK);
        const char *const *zone = patron_frame_string(all, zc);
        size_t seen = 0;
        for (size_t r = 0; r < patron_frame_rows(all); r++) {
            int i = -1;
            for (int k = 0; k < MEMBERS; k++)
                if (ids[k] == mid[r])
                    i = k;
            assert_true(i >= 0);
            if (i % 5) {
                assert_true(isnan(ss[r]) && vip[r] == 0 && !strcmp(zone[r], ""));
                continue;
            }
            seen++;
            assert_true(ss[r] == 36 + i % 10);
            assert_int_equal(vip[r], i % 2);
            assert_string_equal(zone[r], i % 3 ? "north" : "south");
        }
        assert_true(seen > 0);
        patron_selection *vs;
        assert_int_equal(patron_rule_select(&vs, all, "attr.vip == 1 and attr.shoe_size >= 40", NULL), PATRON_OK);
        patron_selection_free(vs);
    }
    fo.rule = "p_alive < 0.5 and consent.sms";
    patron_frame *seg;
    assert_int_equal(patron_frame_from_db(db, &seg, &fo), PATRON_OK);
    assert_int_equal(patron_frame_rows(seg), low); /* every member consented to sms at enrolment */
    patron_frame_free(seg);
    patron_frame_free(all);
    fo.rule = "p_alive <";
    assert_int_equal(patron_frame_from_db(db, &seg, &fo), PATRON_EPARSE);

    /* CLV by the first purchase's channel: members and means from the
     * frame's scores, grouped in the test */
    char *by = NULL;
    assert_int_equal(patron_clv_by_first_purchase(db, &by, "channel"), PATRON_OK);
    patron_json *bj;
    assert_int_equal(patron__json_parse(&bj, by, strlen(by)), PATRON_OK);
    assert_int_equal(patron__json_len(bj), 3);
    static const char *const order[] = {"app", "pos", "web"}; /* byte order */
    int64_t fid2[MEMBERS];
    memcpy(fid2, ids, sizeof ids);
    patron_frame *sf;
    assert_int_equal(patron_frame_new(&sf, MEMBERS, fid2, NULL), PATRON_OK);
    assert_int_equal(patron_frame_add_scores(sf, db), PATRON_OK);
    const double *sa = patron_frame_double_by_name(sf, "p_alive"), *sc = patron_frame_double_by_name(sf, "clv_12m");
    for (int g = 0; g < 3; g++) {
        const patron_json *o2 = patron__json_at(bj, (size_t)g);
        assert_string_equal(patron__json_string(patron__json_get(o2, "channel")), order[g]);
        int want_ch = !strcmp(order[g], "pos") ? 0 : !strcmp(order[g], "web") ? 1 : 2;
        int64_t members = 0, scored = 0;
        double alive = 0, total = 0;
        for (int i = 0; i < MEMBERS; i++) {
            if (i % 3 != want_ch || isnan(sa[i])) /* not this channel, or no score */
                continue;
            scored++;
            alive += sa[i];
            total += sc[i];
        }
        members = (int64_t)patron__json_number(patron__json_get(o2, "members"));
        assert_true(members >= scored);
        assert_int_equal((int64_t)patron__json_number(patron__json_get(o2, "scored")), scored);
        double got = patron__json_number(patron__json_get(o2, "clv_12m_total"));
        assert_true(fabs(got - total) <= 1e-9 * fabs(total));
        got = patron__json_number(patron__json_get(o2, "p_alive_mean"));
        assert_true(fabs(got - alive / (double)scored) <= 1e-12);
    }
    patron__json_free(bj);
    patron_free(by);
    patron_frame_free(sf);
    assert_int_equal(patron_clv_by_first_purchase(db, &by, "category"), PATRON_OK);
    assert_non_null(strstr(by, "\"category\": \"hats\"") ? by : NULL);
    patron_free(by);
    /* CLV by coupon use: the campaign of each member's first redemption */
    patron_coupon_campaign cc = PATRON_COUPON_CAMPAIGN_INIT;
    cc.name = "welcome";
    cc.amount_off = 500;
    cc.max_uses = 0;
    assert_int_equal(patron_coupon_create(db, NULL, &cc), PATRON_OK);
    cc.name = "spring";
    assert_int_equal(patron_coupon_create(db, NULL, &cc), PATRON_OK);
    const char *wc[] = {"W-1"}, *sp[] = {"S-1"};
    assert_int_equal(patron_coupon_import(db, NULL, "welcome", wc, 1), PATRON_OK);
    assert_int_equal(patron_coupon_import(db, NULL, "spring", sp, 1), PATRON_OK);
    int first_coupon[MEMBERS]; /* 0 none, 1 welcome, 2 spring */
    for (int i = 0; i < MEMBERS; i++) {
        first_coupon[i] = i % 7 == 0 ? 1 : i % 11 == 1 ? 2 : 0;
        for (int k = 0; k < 2; k++) { /* welcome first, then spring for some of them */
            int which = k == 0 ? first_coupon[i] : (first_coupon[i] == 1 && i % 2 == 0 ? 2 : 0);
            if (!which)
                continue;
            char key[32];
            snprintf(key, sizeof key, "c%d-%d", i, k);
            patron_coupon_request rq = PATRON_COUPON_REQUEST_INIT;
            rq.code = which == 1 ? "W-1" : "S-1";
            rq.member_id = ids[i];
            rq.at = T0 + (int64_t)(10 + k) * DAY;
            rq.basket = 5000;
            rq.key = key;
            patron_coupon_result cr = {.size = sizeof cr};
            if (patron_coupon_redeem(db, &cr, &rq) != PATRON_OK)
                fail_msg("redeem: %s", patron_errmsg());
        }
    }
    assert_int_equal(patron_clv_by_first_purchase(db, &by, "coupon"), PATRON_OK);
    assert_int_equal(patron__json_parse(&bj, by, strlen(by)), PATRON_OK);
    assert_int_equal(patron__json_len(bj), 3); /* spring, welcome, then null: never redeemed */
    assert_int_equal(patron_frame_new(&sf, MEMBERS, fid2, NULL), PATRON_OK);
    assert_int_equal(patron_frame_add_scores(sf, db), PATRON_OK);
    sa = patron_frame_double_by_name(sf, "p_alive");
    for (int g = 0; g < 3; g++) {
        const patron_json *o2 = patron__json_at(bj, (size_t)g);
        int wanted = g == 0 ? 2 : g == 1 ? 1 : 0;
        if (wanted)
            assert_string_equal(patron__json_string(patron__json_get(o2, "coupon")), wanted == 1 ? "welcome" : "spring");
        else
            assert_true(patron__json_type(patron__json_get(o2, "coupon")) == PATRON_JSON_NULL);
        int64_t scored = 0;
        double alive = 0;
        for (int i = 0; i < MEMBERS; i++)
            if (first_coupon[i] == wanted && !isnan(sa[i])) {
                scored++;
                alive += sa[i];
            }
        assert_int_equal((int64_t)patron__json_number(patron__json_get(o2, "scored")), scored);
        assert_true(fabs(patron__json_number(patron__json_get(o2, "p_alive_mean")) - alive / (double)scored) <= 1e-12);
    }
    patron__json_free(bj);
    patron_free(by);
    patron_frame_free(sf);
    by = (char *)&by;
    assert_int_equal(patron_clv_by_first_purchase(db, &by, "weekday"), PATRON_EINVAL);
    assert_ptr_equal(by, (char *)&by);

    /* a later refresh replaces every score */
    o.as_of = T0 + 300 * DAY;
    patron_score_result res2 = PATRON_SCORE_RESULT_INIT;
    assert_int_equal(patron_scores_refresh(db, &res2, &o), PATRON_OK);
    assert_true(res2.fit_id > res.fit_id);
    want w2;
    expected_scores(db, o.as_of, &w2);
    assert_int_equal(patron_frame_new(&f, MEMBERS, ids, NULL), PATRON_OK);
    assert_int_equal(patron_frame_add_scores(f, db), PATRON_OK);
    pa = patron_frame_double_by_name(f, "p_alive");
    for (size_t k = 0; k < w2.n; k++) {
        size_t row = 0;
        while (ids[row] != w2.member[k])
            row++;
        assert_true(pa[row] == w2.alive[k]);
    }
    patron_frame_free(f);
    patron_close(db);
}

static void test_arguments_change_nothing(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    patron_score_options o = PATRON_SCORE_OPTIONS_INIT;
    assert_int_equal(patron_scores_refresh(db, NULL, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "as_of is required"));
    o.as_of = T0;
    assert_int_equal(patron_scores_refresh(db, NULL, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "no purchase recorded"));
    o.model = PATRON_CLV_GG;
    assert_int_equal(patron_scores_refresh(db, NULL, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "not a transaction model"));
    o.model = PATRON_CLV_BGNBD;
    o.discount = 1.5;
    assert_int_equal(patron_scores_refresh(db, NULL, &o), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "discount"));
    patron_frame *f;
    const char *sid[] = {"ann"};
    assert_int_equal(patron_frame_new(&f, 1, NULL, sid), PATRON_OK);
    size_t cols = patron_frame_cols(f);
    assert_int_equal(patron_frame_add_scores(f, db), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "not a member id"));
    assert_int_equal(patron_frame_cols(f), cols);
    patron_frame_free(f);
    patron_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scores_are_the_clv_modules),
        cmocka_unit_test(test_arguments_change_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
