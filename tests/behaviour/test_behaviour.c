/* Behaviour events: field rules, idempotency per member and key, the CSV
 * import (all or nothing, the line of the first bad row), and a seeded
 * differential test of the card's behaviour section against a model written
 * from patron/behaviour.h and patron/mart.h: visits and cart additions in
 * the 30 days up to as_of (exclusive start), the last visit and the last NPS
 * answer at or before as_of, the last 10 campaign events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal/json.h"
#include "patron.h"
#include "store_support.h"

#define T0 1700000000
#define DAY 86400

static patron_behaviour_event ev(const char *key, int64_t member, int64_t at, int32_t kind)
{
    patron_behaviour_event e = PATRON_BEHAVIOUR_EVENT_INIT;
    e.key = key;
    e.member_id = member;
    e.at = at;
    e.kind = kind;
    return e;
}

static void test_rules_and_idempotency(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int64_t m = pt_member(db, "+972501234567", "sms", T0);
    int rep = -1;
    patron_behaviour_event e = ev("v1", m, T0 + 10, PATRON_BEHAVIOUR_VISIT);
    e.source = "web";
    e.subject = "/shoes";
    assert_int_equal(patron_behaviour_record(db, &rep, &e), PATRON_OK);
    assert_int_equal(rep, 0);
    assert_int_equal(patron_behaviour_record(db, &rep, &e), PATRON_OK);
    assert_int_equal(rep, 1);
    e.subject = "/hats";
    assert_int_equal(patron_behaviour_record(db, &rep, &e), PATRON_ECONFLICT);
    assert_non_null(strstr(patron_errmsg(), "other content"));
    struct { patron_behaviour_event e; const char *says; } bad[] = {
        {ev("k", m, T0, 99), "kind 99"},
        {ev("k", m, (int64_t)T0 * 1000, PATRON_BEHAVIOUR_VISIT), "milliseconds"},
        {ev("k ", m, T0, PATRON_BEHAVIOUR_VISIT), "white space"},
        {ev("k", m, T0, PATRON_BEHAVIOUR_SENT), "needs its campaign"},
        {ev("k", 999, T0, PATRON_BEHAVIOUR_VISIT), "999"},
    };
    bad[0].e.kind = 99;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = patron_behaviour_record(db, NULL, &bad[i].e);
        assert_true(rc < 0);
        if (!strstr(patron_errmsg(), bad[i].says))
            fail_msg("case %zu: '%s' lacks '%s'", i, patron_errmsg(), bad[i].says);
    }
    patron_behaviour_event n = ev("n1", m, T0, PATRON_BEHAVIOUR_NPS);
    n.score = 11;
    assert_int_equal(patron_behaviour_record(db, NULL, &n), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "nps score 11"));
    patron_behaviour_event s = ev("s1", m, T0, PATRON_BEHAVIOUR_VISIT);
    s.score = 3;
    assert_int_equal(patron_behaviour_record(db, NULL, &s), PATRON_EINVAL);
    s.score = 0;
    s.source = "Web Shop";
    assert_int_equal(patron_behaviour_record(db, NULL, &s), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "source"));
    int32_t k = 0;
    assert_int_equal(patron_behaviour_kind_from_name(&k, "cart_add"), PATRON_OK);
    assert_int_equal(k, PATRON_BEHAVIOUR_CART_ADD);
    assert_string_equal(patron_behaviour_kind_name(PATRON_BEHAVIOUR_CLICKED), "clicked");
    assert_int_equal(patron_behaviour_kind_from_name(&k, "purchase"), PATRON_EINVAL);
    assert_null(patron_behaviour_kind_name(0));
    patron_close(db);
}

static const char *write_file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "/tmp/pt_behaviour_%d_%s", (int)getpid(), name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static int64_t card_int(patron_db *db, int64_t member, int64_t at, const char *field)
{
    patron_card_options o = PATRON_CARD_OPTIONS_INIT;
    o.as_of = at;
    char *json;
    assert_int_equal(patron_member_card(db, &json, member, &o), PATRON_OK);
    patron_json *doc;
    assert_int_equal(patron__json_parse(&doc, json, strlen(json)), PATRON_OK);
    const patron_json *v = patron__json_get(patron__json_get(doc, "behaviour"), field);
    int64_t x = v && patron__json_is_number(v) ? (int64_t)patron__json_number(v) : -1;
    patron__json_free(doc);
    patron_free(json);
    return x;
}

static void test_import(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int64_t m = pt_member(db, "+972501234567", "sms", T0);
    const char *good = write_file("good.csv", "member,at,kind,key,source,campaign,score\n"
                                              "+972501234567,1700000100,visit,a,web,,\n"
                                              "#1,2023-11-15T00:00:00Z,sent,b,email,winback-11,\n"
                                              "#1,1700090000,nps,c,,,9\n");
    int64_t n = -1;
    assert_int_equal(patron_behaviour_import_csv(db, &n, good), PATRON_OK);
    assert_int_equal(n, 3);
    assert_int_equal(patron_behaviour_import_csv(db, &n, good), PATRON_OK); /* a retried upload */
    assert_int_equal(n, 0);
    const char *bad = write_file("bad.csv", "member,at,kind,key\n"
                                            "#1,1700000200,visit,d\n"
                                            "#1,1700000300,purchase,e\n");
    assert_int_equal(patron_behaviour_import_csv(db, &n, bad), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "line 3"));
    assert_non_null(strstr(patron_errmsg(), "purchase"));
    const char *who = write_file("who.csv", "member,at,kind,key\nnobody@example.com,1700000200,visit,f\n");
    assert_int_equal(patron_behaviour_import_csv(db, &n, who), PATRON_ENOTFOUND);
    assert_non_null(strstr(patron_errmsg(), "line 2: member"));
    const char *nohead = write_file("nohead.csv", "member,when,kind,key\n#1,1,visit,x\n");
    assert_int_equal(patron_behaviour_import_csv(db, &n, nohead), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "'at' column"));
    /* nothing of the bad files was recorded: one visit in the 30 days */
    assert_int_equal(card_int(db, m, 1700100000, "visits_30d"), 1);
    assert_int_equal(card_int(db, m, 1700100000, "last_visit_at"), 1700000100);
    unlink(good);
    unlink(bad);
    unlink(who);
    unlink(nohead);
    patron_close(db);
}

/* ---- the differential test -------------------------------------------- */

typedef struct {
    int64_t member, at;
    int32_t kind;
    int64_t score;
} mev;

static uint64_t rng;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_card_against_model(void **state)
{
    (void)state;
    int seqs = pt_backend_is_postgres() ? 3 : 10;
    for (int s = 1; s <= seqs; s++) {
        rng = (uint64_t)s * 0x9E3779B97F4A7C15u;
        patron_db *db = pt_store_new(NULL);
        int64_t ids[4];
        for (int i = 0; i < 4; i++) {
            char phone[24];
            snprintf(phone, sizeof phone, "+97250%07d", 3000 + i);
            ids[i] = pt_member(db, phone, "sms", T0);
        }
        static mev model[400];
        size_t nm = 0;
        for (int k = 0; k < 300; k++) {
            mev e = {ids[next() % 4], T0 + (int64_t)(next() % (120 * DAY)), (int32_t)(1 + next() % 8), 0};
            if (e.kind == PATRON_BEHAVIOUR_NPS)
                e.score = (int64_t)(next() % 11);
            if (e.kind == PATRON_BEHAVIOUR_CART_ADD)
                e.score = (int64_t)(next() % 5000);
            char key[32];
            snprintf(key, sizeof key, "e%d", k);
            patron_behaviour_event be = ev(key, e.member, e.at, e.kind);
            be.score = e.score;
            be.campaign = e.kind >= PATRON_BEHAVIOUR_SENT && e.kind <= PATRON_BEHAVIOUR_CLICKED ? "c1" : NULL;
            assert_int_equal(patron_behaviour_record(db, NULL, &be), PATRON_OK);
            if (next() % 5 == 0) /* a retry changes nothing */
                assert_int_equal(patron_behaviour_record(db, NULL, &be), PATRON_OK);
            model[nm++] = e;
        }
        for (int q = 0; q < 8; q++) {
            int64_t member = ids[next() % 4];
            int64_t at = q % 2 ? model[next() % nm].at : T0 + (int64_t)(next() % (130 * DAY));
            int64_t visits = 0, carts = 0, last = -1, nps = -1, nps_at = -1;
            for (size_t i = 0; i < nm; i++) {
                const mev *e = &model[i];
                if (e->member != member || e->at > at)
                    continue;
                int recent = e->at > at - 30 * DAY;
                if (e->kind == PATRON_BEHAVIOUR_VISIT) {
                    visits += recent;
                    last = e->at > last ? e->at : last;
                }
                carts += e->kind == PATRON_BEHAVIOUR_CART_ADD && recent;
                if (e->kind == PATRON_BEHAVIOUR_NPS && e->at >= nps_at) {
                    /* ties in time: the later recorded wins (higher id) */
                    nps_at = e->at;
                    nps = e->score;
                }
            }
            assert_int_equal(card_int(db, member, at, "visits_30d"), visits);
            assert_int_equal(card_int(db, member, at, "cart_adds_30d"), carts);
            assert_int_equal(card_int(db, member, at, "last_visit_at"), last);
            patron_card_options o = PATRON_CARD_OPTIONS_INIT;
            o.as_of = at;
            char *json;
            assert_int_equal(patron_member_card(db, &json, member, &o), PATRON_OK);
            patron_json *doc;
            assert_int_equal(patron__json_parse(&doc, json, strlen(json)), PATRON_OK);
            const patron_json *b = patron__json_get(doc, "behaviour");
            const patron_json *np = patron__json_get(b, "nps");
            if (nps < 0)
                assert_int_equal(patron__json_type(np), PATRON_JSON_NULL);
            else
                assert_int_equal((int64_t)patron__json_number(patron__json_get(np, "score")), nps);
            size_t camp = 0;
            for (size_t i = 0; i < nm; i++)
                camp += model[i].member == member && model[i].at <= at && model[i].kind >= PATRON_BEHAVIOUR_SENT &&
                        model[i].kind <= PATRON_BEHAVIOUR_CLICKED;
            assert_int_equal(patron__json_len(patron__json_get(b, "campaigns")), camp < 10 ? camp : 10);
            patron__json_free(doc);
            patron_free(json);
        }
        patron_close(db);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_and_idempotency),
        cmocka_unit_test(test_import),
        cmocka_unit_test(test_card_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
