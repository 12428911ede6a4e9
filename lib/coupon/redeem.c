/* Validating, redeeming and publishing coupon codes (patron/coupon.h). One
 * set of checks (verdict()) answers validation and guards redemption; a
 * redemption runs in a write transaction that excludes every other writer,
 * and its conditional update re-checks uses and balance in the row itself,
 * so neither can go past its limit. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "coupon_int.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/member.h"
#include "internal/options.h"
#include "internal/store.h"
#include "internal/text.h"

#define KEY_MAX 100
#define MONEY_MAX INT64_C(1000000000000000)

static const char *const verdict_names[] = {"valid",   "unknown code",  "not yet valid", "expired",
                                            "used up", "member limit reached", "published to another member",
                                            "basket below the minimum", "gift card balance too low"};

int patron__coupon_state(patron_db *db, coupon_state *s, const char *code)
{
    static const char sql[] =
        "SELECT k.id, k.campaign, c.kind, c.amount_off, c.percent_off, c.max_uses, c.per_member, c.valid_from, "
        "c.valid_to, c.min_basket, k.uses, k.balance, k.owner_id FROM coupon_codes k "
        "JOIN coupon_campaigns c ON c.name = k.campaign WHERE k.code = ?";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "t", code);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    if (rc == PATRON__ROW) {
        memset(s, 0, sizeof *s);
        s->code_id = patron__sql_col_int(db, st, 0);
        snprintf(s->campaign, sizeof s->campaign, "%s", patron__sql_col_text(db, st, 1));
        s->kind = (int32_t)patron__sql_col_int(db, st, 2);
        int64_t *f[] = {&s->amount_off, &s->percent_off, &s->max_uses, &s->per_member, &s->valid_from,
                        &s->valid_to,   &s->min_basket,  &s->uses,     &s->balance,    &s->owner_id};
        for (int i = 0; i < 10; i++)
            *f[i] = patron__sql_col_int(db, st, 3 + i);
    }
    patron__sql_done(db, st);
    return rc;
}

static int check_request(const patron_coupon_request *q, int redeem, const char *func)
{
    int rc;
    if ((rc = patron__code_check(func, "code", q->code)) || (rc = patron__time_check(func, "at", q->at)))
        return rc;
    if (redeem && (rc = patron__key_check(func, "key", q->key, KEY_MAX)))
        return rc;
    if (q->member_id < 0)
        return patron__fail(PATRON_EINVAL, "%s: member_id %" PRId64 " is negative (0 = anonymous)", func, q->member_id);
    if (q->basket < 0 || q->basket > MONEY_MAX)
        return patron__fail(PATRON_EINVAL, "%s: basket %" PRId64 " is not 0..10^15 minor units", func, q->basket);
    if (q->amount < 0 || q->amount > MONEY_MAX)
        return patron__fail(PATRON_EINVAL, "%s: amount %" PRId64 " is not 0..10^15 minor units", func, q->amount);
    return PATRON_OK;
}

/* The verdict on request q for the code in *s (read), filling *res; *member
 * receives the member the request resolves to (0 anonymous). Errors only
 * for requests that are wrong whatever the code's state. */
static int verdict(patron_db *db, const patron_coupon_request *q, int found, const coupon_state *s,
                   patron_coupon_result *res, int64_t *member, const char *func)
{
    memset(res, 0, sizeof *res);
    res->size = (uint32_t)sizeof *res;
    *member = 0;
    int rc;
    if (q->member_id && (rc = patron__member_resolve(db, member, q->member_id, 1)))
        return rc;
    if (!found) {
        res->verdict = PATRON_COUPON_UNKNOWN;
        return PATRON_OK;
    }
    snprintf(res->campaign, sizeof res->campaign, "%s", s->campaign);
    res->kind = s->kind;
    res->uses = s->uses;
    res->balance = s->kind == PATRON_COUPON_GIFT_CARD ? s->balance : 0;
    if (s->kind == PATRON_COUPON_DISCOUNT && q->amount)
        return patron__fail(PATRON_EINVAL, "%s: code '%s' is a discount: amount must be 0 (got %" PRId64 ")", func,
                            q->code, q->amount);
    if (s->owner_id && (rc = patron__member_resolve(db, &res->owner_id, s->owner_id, 0)))
        return rc;
    if (*member &&
        (rc = patron__sql_int(db, &res->member_uses, 0,
                              "SELECT count(*) FROM coupon_redemptions WHERE campaign = ? AND member_id = ?", "ti",
                              s->campaign, *member)))
        return rc;
    if (s->kind == PATRON_COUPON_GIFT_CARD)
        res->value = q->amount;
    else if (s->amount_off)
        res->value = s->amount_off < q->basket ? s->amount_off : q->basket;
    else
        res->value = q->basket / 100 * s->percent_off + q->basket % 100 * s->percent_off / 100;
    if (q->at < s->valid_from)
        res->verdict = PATRON_COUPON_NOT_YET_VALID;
    else if (s->valid_to && q->at >= s->valid_to)
        res->verdict = PATRON_COUPON_EXPIRED;
    else if (res->owner_id && res->owner_id != *member)
        res->verdict = PATRON_COUPON_WRONG_MEMBER;
    else if ((s->max_uses && s->uses >= s->max_uses) || (s->kind == PATRON_COUPON_GIFT_CARD && s->balance == 0))
        res->verdict = PATRON_COUPON_USED_UP;
    else if (*member && s->per_member && res->member_uses >= s->per_member)
        res->verdict = PATRON_COUPON_MEMBER_LIMIT;
    else if (q->basket < s->min_basket)
        res->verdict = PATRON_COUPON_MIN_BASKET;
    else if (s->kind == PATRON_COUPON_GIFT_CARD && q->amount > s->balance)
        res->verdict = PATRON_COUPON_NO_BALANCE;
    return PATRON_OK;
}

int patron_coupon_validate(patron_db *db, patron_coupon_result *result, const patron_coupon_request *req)
{
    static const char func[] = "patron_coupon_validate";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if ((rc = patron__result_check(result, sizeof *result, "patron_coupon_result")))
        return rc;
    if (!req)
        return patron__fail(PATRON_EINVAL, "%s: request is NULL", func);
    patron_coupon_request q = PATRON_COUPON_REQUEST_INIT;
    if ((rc = patron__options_copy(&q, sizeof q, req, sizeof q, "patron_coupon_request")) ||
        (rc = check_request(&q, 0, func)))
        return rc;
    patron__db_refresh(db);
    coupon_state s;
    patron_coupon_result res;
    int64_t member;
    rc = patron__coupon_state(db, &s, q.code);
    if (rc < 0 || (rc = verdict(db, &q, rc == PATRON__ROW, &s, &res, &member, func)))
        return rc;
    patron__result_write(result, &res, sizeof res);
    return PATRON_OK;
}

static int64_t request_fp(const patron_coupon_request *q)
{
    uint64_t h = PATRON__FNV_INIT;
    h = patron__fnv1a(h, q->code, strlen(q->code) + 1);
    h = patron__fnv1a(h, &q->member_id, sizeof q->member_id);
    h = patron__fnv1a(h, &q->basket, sizeof q->basket);
    h = patron__fnv1a(h, &q->amount, sizeof q->amount);
    return (int64_t)(h & INT64_MAX);
}

/* The verdict as a failure of patron_coupon_redeem. */
static int refuse(const patron_coupon_request *q, const patron_coupon_result *r, const char *func)
{
    static const int codes[] = {PATRON_OK,        PATRON_ENOTFOUND, PATRON_EINVAL, PATRON_EINVAL, PATRON_ERANGE,
                                PATRON_ERANGE,    PATRON_EINVAL,    PATRON_EINVAL, PATRON_EBALANCE};
    char q1[128];
    if (r->verdict == PATRON_COUPON_NO_BALANCE)
        return patron__fail(PATRON_EBALANCE, "%s: code %s: %s (balance %" PRId64 ", asked %" PRId64 ")", func,
                            patron__text_quote(q1, sizeof q1, q->code), verdict_names[r->verdict], r->balance,
                            q->amount);
    return patron__fail(codes[r->verdict], "%s: code %s: %s", func, patron__text_quote(q1, sizeof q1, q->code),
                        verdict_names[r->verdict]);
}

static int redeem_in_tx(patron_db *db, patron_coupon_result *res, const patron_coupon_request *q, const char *func)
{
    int64_t fp = request_fp(q), old_fp = 0, id = 0, value = 0;
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, "SELECT fp, id, value FROM coupon_redemptions WHERE key = ?", "t", q->key);
    if (rc)
        return rc;
    if ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        old_fp = patron__sql_col_int(db, st, 0);
        id = patron__sql_col_int(db, st, 1);
        value = patron__sql_col_int(db, st, 2);
    }
    patron__sql_done(db, st);
    if (rc < 0)
        return rc;
    coupon_state s;
    int64_t member;
    int found = patron__coupon_state(db, &s, q->code);
    if (found < 0)
        return found;
    if (id) { /* a retry: the recorded redemption, with the code as it is now */
        if (old_fp != fp)
            return patron__fail(PATRON_ECONFLICT, "%s: key '%s' was already used for another coupon redemption", func,
                                q->key);
        if ((rc = verdict(db, q, found == PATRON__ROW, &s, res, &member, func)))
            return rc;
        res->verdict = PATRON_COUPON_VALID;
        res->value = value;
        res->redemption_id = id;
        res->replayed = 1;
        return PATRON_OK;
    }
    if ((rc = verdict(db, q, found == PATRON__ROW, &s, res, &member, func)))
        return rc;
    if (res->verdict == PATRON_COUPON_VALID && s.kind == PATRON_COUPON_GIFT_CARD && q->amount == 0)
        return patron__fail(PATRON_EINVAL, "%s: code '%s' is a gift card: amount must be > 0", func, q->code);
    if (res->verdict != PATRON_COUPON_VALID)
        return refuse(q, res, func);
    if ((rc = patron__sql_run(db,
                              "UPDATE coupon_codes SET uses = uses + 1, balance = balance - ?2 WHERE id = ?1 "
                              "AND (?3 = 0 OR uses < ?3) AND balance >= ?2",
                              "iii", s.code_id, q->amount, s.max_uses)))
        return rc;
    if (db->vt->changes(db->impl) != 1) /* cannot happen while redemptions are serialised */
        return patron__fail(PATRON_ERANGE, "%s: code '%s' was used up meanwhile", func, q->code);
    if ((rc = patron__sql_run(db,
                              "INSERT INTO coupon_redemptions(key, fp, code, campaign, member_id, amount, value, at) "
                              "VALUES(?,?,?,?,?,?,?,?)",
                              "tittiiii", q->key, fp, q->code, s.campaign, member, q->amount, res->value, q->at)))
        return rc;
    res->redemption_id = patron__sql_last_id(db);
    res->uses = s.uses + 1;
    if (s.kind == PATRON_COUPON_GIFT_CARD)
        res->balance = s.balance - q->amount;
    if (member)
        res->member_uses++;
    return patron__coupon_event(db, "coupon.redeemed", member, q->at, s.campaign, q->code, res->value, res->balance,
                                res->redemption_id); /* the outbox hook */
}

int patron_coupon_redeem(patron_db *db, patron_coupon_result *result, const patron_coupon_request *req)
{
    static const char func[] = "patron_coupon_redeem";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (result && (rc = patron__result_check(result, sizeof *result, "patron_coupon_result")))
        return rc;
    if (!req)
        return patron__fail(PATRON_EINVAL, "%s: request is NULL", func);
    patron_coupon_request q = PATRON_COUPON_REQUEST_INIT;
    if ((rc = patron__options_copy(&q, sizeof q, req, sizeof q, "patron_coupon_request")) ||
        (rc = check_request(&q, 1, func)))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    patron_coupon_result res;
    rc = patron__tx_end(db, redeem_in_tx(db, &res, &q, func));
    if (rc == PATRON_OK && result)
        patron__result_write(result, &res, sizeof res);
    return rc;
}

static int publish_in_tx(patron_db *db, patron_coupon_publication *out, const char *campaign, const char *wanted,
                         int64_t member_id, int64_t at, const char *func)
{
    int64_t member, n = 0;
    int rc = patron__sql_int(db, &n, 0, "SELECT count(*) FROM coupon_campaigns WHERE name = ?", "t", campaign);
    if (rc)
        return rc;
    if (!n)
        return patron__fail(PATRON_ENOTFOUND, "%s: no coupon campaign '%s'", func, campaign);
    if ((rc = patron__member_resolve(db, &member, member_id, 1)))
        return rc;
    memset(out, 0, sizeof *out);
    out->size = (uint32_t)sizeof *out;
    out->member_id = member;
    if (wanted) {
        coupon_state s;
        rc = patron__coupon_state(db, &s, wanted);
        if (rc == PATRON__DONE)
            return patron__fail(PATRON_ENOTFOUND, "%s: no code '%s'", func, wanted);
        if (rc < 0)
            return rc;
        if (strcmp(s.campaign, campaign))
            return patron__fail(PATRON_ECONFLICT, "%s: code '%s' belongs to campaign '%s', not '%s'", func, wanted,
                                s.campaign, campaign);
        int64_t owner = 0;
        if (s.owner_id && (rc = patron__member_resolve(db, &owner, s.owner_id, 0)))
            return rc;
        snprintf(out->code, sizeof out->code, "%s", wanted);
        if (owner == member) { /* published to this member already */
            out->replayed = 1;
            return patron__sql_int(db, &out->published_at, 0, "SELECT published_at FROM coupon_codes WHERE id = ?",
                                   "i", s.code_id);
        }
        if (owner)
            return patron__fail(PATRON_ECONFLICT, "%s: code '%s' is published to member %" PRId64 " already", func,
                                wanted, owner);
    } else {
        patron__stmt *st;
        if ((rc = patron__sql_bind(db, &st,
                                   "SELECT code FROM coupon_codes WHERE campaign = ? AND owner_id = 0 AND uses = 0 "
                                   "ORDER BY code LIMIT 1", "t", campaign)))
            return rc;
        if ((rc = patron__sql_step(db, st)) == PATRON__ROW)
            snprintf(out->code, sizeof out->code, "%s", patron__sql_col_text(db, st, 0));
        patron__sql_done(db, st);
        if (rc == PATRON__DONE)
            return patron__fail(PATRON_ENOTFOUND, "%s: campaign '%s' has no unpublished, unused code left", func,
                                campaign);
        if (rc < 0)
            return rc;
    }
    out->published_at = at;
    if ((rc = patron__sql_run(db, "UPDATE coupon_codes SET owner_id = ?, published_at = ? WHERE code = ?", "iit",
                              member, at, out->code)))
        return rc;
    return patron__coupon_event(db, "coupon.published", member, at, campaign, out->code, 0, 0, 0); /* the outbox hook */
}

int patron_coupon_publish(patron_db *db, patron_coupon_publication *out, const char *campaign, const char *wanted,
                          int64_t member_id, int64_t at)
{
    static const char func[] = "patron_coupon_publish";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (out && (rc = patron__result_check(out, sizeof *out, "patron_coupon_publication")))
        return rc;
    if (!campaign)
        return patron__fail(PATRON_EINVAL, "%s: campaign is required", func);
    if ((rc = patron__name_check(func, "campaign", campaign, 64, NULL)) ||
        (wanted && (rc = patron__code_check(func, "code", wanted))) || (rc = patron__time_check(func, "at", at)))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    patron_coupon_publication got;
    rc = patron__tx_end(db, publish_in_tx(db, &got, campaign, wanted, member_id, at, func));
    if (rc == PATRON_OK && out)
        patron__result_write(out, &got, sizeof got);
    return rc;
}
