/* A seeded differential test of rewards, coupons and gift cards against a
 * model written in this file from docs/guide/reward.md and coupon.md:
 * random sequences of earns, reward adds and changes, redemptions (new
 * keys and retried ones), cancellations, fulfilments, coupon validations
 * and redemptions, publications and gift-card draws. After every step the
 * status must be the one the guide gives; every 25 steps and at the end the
 * members' available points, each reward's stock and redemption counts,
 * and each code's uses and balance must equal the model's.
 * Usage: test_reward_model [STEPS [SEED]] (default 600 steps, seed 1). */
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
#define NM 4       /* members */
#define NR 3       /* rewards */
#define MAXK 4000  /* redemption keys */
#define NCODES 9

static long steps = 600;
static uint64_t seed = 1;

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}
#define PICK(n) ((int64_t)(rnd(&rs) % (uint64_t)(n)))

/* ---- the model ---------------------------------------------------------- */

typedef struct m_reward {
    int exists;
    int64_t cost, stock, from, to; /* stock -1 = unlimited; to 0 = open-ended */
    int64_t issued, fulfilled, cancelled;
} m_reward;

typedef struct m_redemption {
    int used, reward, member, status; /* status: PATRON_REWARD_* */
    int64_t points, at;
} m_redemption;

typedef struct m_campaign {
    const char *name;
    int gift;
    int64_t amount_off, percent_off, max_uses, per_member, from, to, min_basket;
} m_campaign;

typedef struct m_code {
    const char *code;
    int campaign;
    int64_t uses, balance;
    int owner; /* member index + 1, 0 = not published */
} m_code;

typedef struct m_coupon_key {
    int used, code, member; /* member index + 1, 0 anonymous */
    int64_t basket, amount, value;
} m_coupon_key;

static const char *const reward_codes[NR] = {"mug", "bag", "lounge"};
static m_campaign camps[] = {
    {"disc", 0, 300, 0, 2, 1, T0 + 2000, T0 + 40000, 1000},
    {"pct", 0, 0, 15, 0, 3, 0, 0, 0},
    {"gift", 1, 1000, 0, 0, 0, 0, 0, 0},
};
static m_code codes[NCODES] = {
    {"D1", 0, 0, 0, 0}, {"D2", 0, 0, 0, 0}, {"D3", 0, 0, 0, 0}, {"D4", 0, 0, 0, 0}, {"P1", 1, 0, 0, 0},
    {"P2", 1, 0, 0, 0}, {"P3", 1, 0, 0, 0}, {"G1", 2, 0, 1000, 0}, {"G2", 2, 0, 1000, 0},
};

static int64_t points[NM];
static m_reward rewards[NR];
static m_redemption reds[MAXK];
static m_coupon_key ckeys[MAXK];
static int64_t member_uses[3][NM];

/* coupon.md: the verdict, checked in the guide's order */
static int m_verdict(int ci, int member, int64_t at, int64_t basket, int64_t amount, int64_t *value)
{
    if (ci < 0)
        return PATRON_COUPON_UNKNOWN;
    const m_code *k = &codes[ci];
    const m_campaign *c = &camps[k->campaign];
    *value = c->gift ? amount : c->amount_off ? (c->amount_off < basket ? c->amount_off : basket)
                                              : basket * c->percent_off / 100;
    if (at < c->from)
        return PATRON_COUPON_NOT_YET_VALID;
    if (c->to && at >= c->to)
        return PATRON_COUPON_EXPIRED;
    if (k->owner && k->owner != member)
        return PATRON_COUPON_WRONG_MEMBER;
    if ((c->max_uses && k->uses >= c->max_uses) || (c->gift && k->balance == 0))
        return PATRON_COUPON_USED_UP;
    if (member && c->per_member && member_uses[k->campaign][member - 1] >= c->per_member)
        return PATRON_COUPON_MEMBER_LIMIT;
    if (basket < c->min_basket)
        return PATRON_COUPON_MIN_BASKET;
    if (c->gift && amount > k->balance)
        return PATRON_COUPON_NO_BALANCE;
    return PATRON_COUPON_VALID;
}

/* coupon.md: the status a refused redemption returns */
static int m_refusal(int verdict)
{
    switch (verdict) {
    case PATRON_COUPON_UNKNOWN: return PATRON_ENOTFOUND;
    case PATRON_COUPON_USED_UP:
    case PATRON_COUPON_MEMBER_LIMIT: return PATRON_ERANGE;
    case PATRON_COUPON_NO_BALANCE: return PATRON_EBALANCE;
    default: return PATRON_EINVAL;
    }
}

/* ---- comparing the store with the model --------------------------------- */

static int64_t ids[NM];

static void compare(patron_db *db, int64_t at, long step)
{
    for (int m = 0; m < NM; m++)
        if (pt_available(db, ids[m], at) != points[m])
            fail_msg("step %ld: member %d has %lld points, the model %lld", step, m,
                     (long long)pt_available(db, ids[m], at), (long long)points[m]);
    for (int r = 0; r < NR; r++) {
        if (!rewards[r].exists)
            continue;
        patron_reward_info i = {.size = sizeof i};
        assert_int_equal(patron_reward_get(db, &i, reward_codes[r]), PATRON_OK);
        if (i.stock != rewards[r].stock || i.issued != rewards[r].issued || i.fulfilled != rewards[r].fulfilled ||
            i.cancelled != rewards[r].cancelled)
            fail_msg("step %ld: reward %s: stock %lld issued %lld fulfilled %lld cancelled %lld; the model %lld %lld "
                     "%lld %lld", step, reward_codes[r], (long long)i.stock, (long long)i.issued,
                     (long long)i.fulfilled, (long long)i.cancelled, (long long)rewards[r].stock,
                     (long long)rewards[r].issued, (long long)rewards[r].fulfilled, (long long)rewards[r].cancelled);
    }
    for (size_t c = 0; c < sizeof camps / sizeof camps[0]; c++) {
        patron_coupon_codes *l = NULL;
        assert_int_equal(patron_coupon_list(db, &l, camps[c].name), PATRON_OK);
        for (size_t i = 0; i < patron_coupon_codes_count(l); i++) {
            const patron_coupon_code *k = patron_coupon_codes_get(l, i);
            for (int j = 0; j < NCODES; j++) {
                if (strcmp(codes[j].code, k->code))
                    continue;
                int64_t owner = codes[j].owner ? ids[codes[j].owner - 1] : 0;
                if (k->uses != codes[j].uses || k->balance != (camps[c].gift ? codes[j].balance : 0) ||
                    k->owner_id != owner)
                    fail_msg("step %ld: code %s: uses %lld balance %lld owner %lld; the model %lld %lld %lld", step,
                             k->code, (long long)k->uses, (long long)k->balance, (long long)k->owner_id,
                             (long long)codes[j].uses, (long long)codes[j].balance, (long long)owner);
            }
        }
        patron_coupon_codes_free(l);
    }
}

static void expect(int got, int want, long step, const char *what)
{
    if (got != want)
        fail_msg("step %ld (%s): status %d, the model says %d (%s)", step, what, got, want, patron_errmsg());
}

/* ---- the run ------------------------------------------------------------ */

static void model_run(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    uint64_t rs = seed * 0x9E3779B97F4A7C15u + 1;
    for (int m = 0; m < NM; m++) {
        char phone[32];
        snprintf(phone, sizeof phone, "+97250200%04d", m);
        ids[m] = pt_member(db, phone, "sms", T0);
    }
    for (size_t c = 0; c < sizeof camps / sizeof camps[0]; c++) {
        patron_coupon_campaign cc = PATRON_COUPON_CAMPAIGN_INIT;
        cc.name = camps[c].name;
        cc.kind = camps[c].gift ? PATRON_COUPON_GIFT_CARD : PATRON_COUPON_DISCOUNT;
        cc.amount_off = camps[c].amount_off;
        cc.percent_off = camps[c].percent_off;
        cc.max_uses = camps[c].max_uses;
        cc.per_member = camps[c].per_member;
        cc.valid_from = camps[c].from;
        cc.valid_to = camps[c].to;
        cc.min_basket = camps[c].min_basket;
        assert_int_equal(patron_coupon_create(db, NULL, &cc), PATRON_OK);
        const char *mine[NCODES];
        size_t n = 0;
        for (int j = 0; j < NCODES; j++)
            if (codes[j].campaign == (int)c)
                mine[n++] = codes[j].code;
        assert_int_equal(patron_coupon_import(db, NULL, camps[c].name, mine, n), PATRON_OK);
    }
    int nkeys = 0, nckeys = 0;
    int64_t at = T0 + 1;
    long counts[8] = {0};
    for (long step = 1; step <= steps; step++) {
        at += 1 + PICK(100);
        int op = (int)PICK(100);
        char key[48];
        if (op < 15) { /* earn */
            int m = (int)PICK(NM);
            int64_t p = 50 + PICK(400);
            snprintf(key, sizeof key, "earn-%ld", step);
            patron_posting_request q = pt_posting(key, ids[m], p, at);
            expect(patron_ledger_earn(db, NULL, &q), PATRON_OK, step, "earn");
            points[m] += p;
            counts[0]++;
        } else if (op < 22) { /* add or change a reward */
            int r = (int)PICK(NR);
            patron_reward w = PATRON_REWARD_INIT;
            w.code = reward_codes[r];
            w.cost = 50 + PICK(300);
            w.stock = PICK(4) == 0 ? PATRON_REWARD_UNLIMITED : PICK(4);
            w.valid_from = PICK(3) == 0 ? at + PICK(2000) : 0;
            w.valid_to = PICK(3) == 0 ? (w.valid_from ? w.valid_from : at) + 1 + PICK(3000) : 0;
            expect(patron_reward_set(db, NULL, &w), PATRON_OK, step, "reward_set");
            rewards[r].exists = 1;
            rewards[r].cost = w.cost;
            rewards[r].stock = w.stock;
            rewards[r].from = w.valid_from;
            rewards[r].to = w.valid_to;
            counts[1]++;
        } else if (op < 45) { /* redeem: a new key, or a retry (maybe of other content) */
            int reuse = nkeys && PICK(5) == 0, k = reuse ? (int)PICK(nkeys) : nkeys;
            int r = (int)PICK(NR), m = (int)PICK(NM);
            if (reuse && PICK(2)) { /* an exact retry */
                r = reds[k].reward;
                m = reds[k].member;
            }
            snprintf(key, sizeof key, "red-%d", k);
            patron_reward_request q = PATRON_REWARD_REQUEST_INIT;
            q.key = key;
            q.reward = reward_codes[r];
            q.member_id = ids[m];
            q.at = at;
            patron_redemption out = {.size = sizeof out};
            int rc = patron_reward_redeem(db, &out, &q), want;
            const m_reward *w = &rewards[r];
            if (reuse)
                want = reds[k].reward == r && reds[k].member == m ? PATRON_OK : PATRON_ECONFLICT;
            else if (!w->exists)
                want = PATRON_ENOTFOUND;
            else if (at < w->from || (w->to && at >= w->to))
                want = PATRON_EINVAL;
            else if (w->stock == 0)
                want = PATRON_ERANGE;
            else if (points[m] < w->cost)
                want = PATRON_EBALANCE;
            else
                want = PATRON_OK;
            expect(rc, want, step, "reward_redeem");
            if (rc == PATRON_OK && reuse) {
                assert_int_equal(out.replayed, 1);
                assert_int_equal(out.points, reds[k].points);
                assert_int_equal(out.status, reds[k].status);
            } else if (rc == PATRON_OK) {
                assert_int_equal(out.replayed, 0);
                reds[k] = (m_redemption){1, r, m, PATRON_REWARD_ISSUED, w->cost, at};
                points[m] -= w->cost;
                if (rewards[r].stock > 0)
                    rewards[r].stock--;
                rewards[r].issued++;
                nkeys++;
            }
            counts[2]++;
        } else if (op < 55) { /* cancel or fulfil a redemption */
            if (!nkeys)
                continue;
            int k = (int)PICK(nkeys), cancel = (int)PICK(2);
            snprintf(key, sizeof key, "red-%d", k);
            patron_redemption out = {.size = sizeof out};
            int rc = cancel ? patron_reward_cancel(db, &out, key, at) : patron_reward_fulfil(db, &out, key, at);
            m_redemption *x = &reds[k];
            int to = cancel ? PATRON_REWARD_CANCELLED : PATRON_REWARD_FULFILLED;
            int want = x->status == to || x->status == PATRON_REWARD_ISSUED ? PATRON_OK : PATRON_ECONFLICT;
            expect(rc, want, step, cancel ? "reward_cancel" : "reward_fulfil");
            if (rc == PATRON_OK) {
                assert_int_equal(out.replayed, x->status == to);
                if (x->status == PATRON_REWARD_ISSUED) {
                    m_reward *w = &rewards[x->reward];
                    w->issued--;
                    if (cancel) {
                        points[x->member] += x->points;
                        if (w->stock >= 0)
                            w->stock++;
                        w->cancelled++;
                    } else {
                        w->fulfilled++;
                    }
                    x->status = to;
                }
            }
            counts[3]++;
        } else if (op < 92) { /* validate or redeem a coupon code */
            int ci = PICK(12) == 0 ? -1 : (int)PICK(NCODES);
            int member = (int)PICK(NM + 1); /* 0 anonymous */
            int gift = ci >= 0 && camps[codes[ci].campaign].gift;
            int64_t basket = PICK(3000), amount = gift ? 1 + PICK(600) : 0, value = 0;
            patron_coupon_request q = PATRON_COUPON_REQUEST_INIT;
            q.code = ci < 0 ? "NOPE" : codes[ci].code;
            q.member_id = member ? ids[member - 1] : 0;
            q.at = at;
            q.basket = basket;
            q.amount = amount;
            patron_coupon_result res = {.size = sizeof res};
            int verdict = m_verdict(ci, member, at, basket, amount, &value);
            if (PICK(3) == 0) {
                expect(patron_coupon_validate(db, &res, &q), PATRON_OK, step, "coupon_validate");
                if (res.verdict != verdict)
                    fail_msg("step %ld: code %s verdict %d, the model %d", step, q.code, res.verdict, verdict);
                if (verdict == PATRON_COUPON_VALID)
                    assert_int_equal(res.value, value);
                counts[4]++;
                continue;
            }
            int reuse = nckeys && PICK(6) == 0, k = reuse ? (int)PICK(nckeys) : nckeys;
            if (reuse && PICK(2)) { /* an exact retry */
                ci = ckeys[k].code;
                member = ckeys[k].member;
                q.code = codes[ci].code;
                q.member_id = member ? ids[member - 1] : 0;
                q.basket = ckeys[k].basket;
                q.amount = ckeys[k].amount;
            }
            snprintf(key, sizeof key, "cpn-%d", k);
            q.key = key;
            int rc = patron_coupon_redeem(db, &res, &q), want;
            if (reuse)
                want = ci == ckeys[k].code && member == ckeys[k].member && q.basket == ckeys[k].basket &&
                               q.amount == ckeys[k].amount ? PATRON_OK : PATRON_ECONFLICT;
            else
                want = verdict == PATRON_COUPON_VALID ? PATRON_OK : m_refusal(verdict);
            expect(rc, want, step, "coupon_redeem");
            if (rc == PATRON_OK && reuse) {
                assert_int_equal(res.replayed, 1);
                assert_int_equal(res.value, ckeys[k].value);
            } else if (rc == PATRON_OK) {
                assert_int_equal(res.value, value);
                m_code *c = &codes[ci];
                c->uses++;
                if (gift)
                    c->balance -= amount;
                if (member)
                    member_uses[c->campaign][member - 1]++;
                assert_int_equal(res.uses, c->uses);
                if (gift)
                    assert_int_equal(res.balance, c->balance);
                ckeys[k] = (m_coupon_key){1, ci, member, q.basket, q.amount, value};
                nckeys++;
            }
            counts[5]++;
        } else { /* publish a code of disc or pct to a member */
            int ci = (int)PICK(7), member = 1 + (int)PICK(NM);
            patron_coupon_publication p = {.size = sizeof p};
            int rc = patron_coupon_publish(db, &p, camps[codes[ci].campaign].name, codes[ci].code, ids[member - 1],
                                           at);
            int owner = codes[ci].owner;
            expect(rc, owner == 0 || owner == member ? PATRON_OK : PATRON_ECONFLICT, step, "coupon_publish");
            if (rc == PATRON_OK) {
                assert_int_equal(p.replayed, owner == member);
                codes[ci].owner = member;
            }
            counts[6]++;
        }
        if (step % 25 == 0)
            compare(db, at, step);
    }
    compare(db, at, steps);
    patron_ledger_report rep;
    assert_int_equal(patron_ledger_check(db, &rep), PATRON_OK);
    assert_int_equal(rep.problems, 0);
    printf("seed %llu, %ld steps: %ld earns, %ld reward changes, %ld redemptions (%d kept), %ld settlements, "
           "%ld validations, %ld coupon redemptions (%d kept), %ld publications\n",
           (unsigned long long)seed, steps, counts[0], counts[1], counts[2], nkeys, counts[3], counts[4], counts[5],
           nckeys, counts[6]);
    assert_true(nkeys > 0 && nckeys > 0);
    patron_close(db);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        steps = strtol(argv[1], NULL, 10);
    if (argc > 2)
        seed = strtoull(argv[2], NULL, 10);
    if (steps < 1 || steps > 1000000 || 2 * steps > MAXK * 100)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(model_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
