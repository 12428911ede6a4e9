/* Redeeming a reward (patron/reward.h): the points through the ledger, the
 * redemption row, one unit of stock, the outbox event — one transaction,
 * idempotent by the redemption's key; fulfilment and cancellation. Every
 * call here runs in a write transaction that excludes all other writers
 * (patron__tx_begin without a member scope), so the stock check and the
 * decrement cannot interleave with another redemption's. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal/civil.h"
#include "internal/error.h"
#include "internal/member.h"
#include "internal/options.h"
#include "internal/store.h"
#include "internal/text.h"
#include "internal/tier.h"
#include "patron/ledger.h"
#include "reward_int.h"

#define KEY_MAX 100

static const char by_key_sql[] = "SELECT id, key, reward, member_id, points, posting_id, status, at, changed_at, asked "
                                 "FROM reward_redemptions WHERE key = ?";

/* The redemption with `key`: PATRON__ROW (filled, *asked = the member the
 * request named), PATRON__DONE (none) or an error. */
static int read_redemption(patron_db *db, patron_redemption *r, int64_t *asked, const char *key)
{
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, by_key_sql, "t", key);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    if (rc == PATRON__ROW) {
        memset(r, 0, sizeof *r);
        r->size = (uint32_t)sizeof *r;
        r->id = patron__sql_col_int(db, st, 0);
        snprintf(r->key, sizeof r->key, "%s", patron__sql_col_text(db, st, 1));
        snprintf(r->reward, sizeof r->reward, "%s", patron__sql_col_text(db, st, 2));
        r->member_id = patron__sql_col_int(db, st, 3);
        r->points = patron__sql_col_int(db, st, 4);
        r->posting_id = patron__sql_col_int(db, st, 5);
        r->status = (int32_t)patron__sql_col_int(db, st, 6);
        r->at = patron__sql_col_int(db, st, 7);
        r->changed_at = patron__sql_col_int(db, st, 8);
        if (asked)
            *asked = patron__sql_col_int(db, st, 9);
    }
    patron__sql_done(db, st);
    return rc;
}

static int not_found(const char *func, const char *key)
{
    char q[128];
    return patron__fail(PATRON_ENOTFOUND, "%s: no redemption with key %s", func, patron__text_quote(q, sizeof q, key));
}

/* Whether the member may have the reward at `at`: window, stock, tier. */
static int eligible(patron_db *db, const patron_reward_info *w, int64_t member, int64_t at, const char *func)
{
    if (at < w->valid_from || (w->valid_to && at >= w->valid_to))
        return patron__fail(PATRON_EINVAL,
                            "%s: reward '%s' is redeemable from %" PRId64 " until %" PRId64 " (0 = open-ended), not at %" PRId64,
                            func, w->code, w->valid_from, w->valid_to, at);
    if (w->stock == 0)
        return patron__fail(PATRON_ERANGE, "%s: reward '%s' is out of stock", func, w->code);
    if (!w->min_tier[0])
        return PATRON_OK;
    int64_t need, have;
    int rc = patron__tier_rank(db, w->min_tier, &need);
    if (rc == PATRON_ENOTFOUND)
        return patron__fail(PATRON_EINVAL, "%s: reward '%s' needs tier '%s', which is no longer configured", func,
                            w->code, w->min_tier);
    if (rc == PATRON_OK)
        rc = patron__tier_member_rank(db, member, &have);
    if (rc == PATRON_OK && have < need)
        return patron__fail(PATRON_EINVAL, "%s: reward '%s' needs tier '%s' or higher; member %" PRId64 " %s", func,
                            w->code, w->min_tier, member, have < 0 ? "has no tier" : "is in a lower tier");
    return rc;
}

static int redeem_in_tx(patron_db *db, patron_redemption *out, const patron_reward_request *q, const char *func)
{
    int64_t asked = 0;
    int rc = read_redemption(db, out, &asked, q->key);
    if (rc == PATRON__ROW) { /* a retry: the same request gives the recorded redemption */
        if (strcmp(out->reward, q->reward) || asked != q->member_id)
            return patron__fail(PATRON_ECONFLICT,
                                "%s: key '%s' was already used to redeem '%s' for member %" PRId64, func, q->key,
                                out->reward, asked);
        out->replayed = 1;
        return PATRON_OK;
    }
    if (rc < 0)
        return rc;
    patron_reward_info w;
    int64_t member;
    if ((rc = patron__reward_read(db, &w, q->reward, 0, func)) ||
        (rc = patron__member_resolve(db, &member, q->member_id, 1)) ||
        (rc = eligible(db, &w, member, q->at, func)))
        return rc;
    char lkey[KEY_MAX + 8], reason[100];
    snprintf(lkey, sizeof lkey, "reward/%s", q->key);
    snprintf(reason, sizeof reason, "reward %s", w.code);
    patron_posting_request p = PATRON_POSTING_REQUEST_INIT;
    p.key = lkey;
    p.member_id = member;
    p.points = w.cost;
    p.at = q->at;
    p.reason = reason;
    p.ref = q->key;
    patron_posting_result pr;
    if ((rc = patron_ledger_redeem(db, &pr, &p)))
        return rc;
    if (w.stock != PATRON_REWARD_UNLIMITED) {
        if ((rc = patron__sql_run(db, "UPDATE rewards SET stock = stock - 1 WHERE code = ? AND stock > 0", "t",
                                  w.code)))
            return rc;
        if (db->vt->changes(db->impl) != 1) /* cannot happen while writers are serialised; never oversell */
            return patron__fail(PATRON_ERANGE, "%s: reward '%s' is out of stock", func, w.code);
    }
    if ((rc = patron__sql_run(db,
                              "INSERT INTO reward_redemptions(key, reward, asked, member_id, points, posting_id, "
                              "status, at, changed_at) VALUES(?,?,?,?,?,?,?,?,0)",
                              "ttiiiiii", q->key, w.code, q->member_id, member, w.cost, pr.posting_id,
                              (int64_t)PATRON_REWARD_ISSUED, q->at)))
        return rc;
    memset(out, 0, sizeof *out);
    out->size = (uint32_t)sizeof *out;
    out->id = patron__sql_last_id(db);
    snprintf(out->key, sizeof out->key, "%s", q->key);
    snprintf(out->reward, sizeof out->reward, "%s", w.code);
    out->member_id = member;
    out->points = w.cost;
    out->posting_id = pr.posting_id;
    out->status = PATRON_REWARD_ISSUED;
    out->at = q->at;
    return patron__reward_event(db, "reward.redeemed", out, q->at); /* the outbox hook */
}

int patron_reward_redeem(patron_db *db, patron_redemption *out, const patron_reward_request *req)
{
    static const char func[] = "patron_reward_redeem";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!req)
        return patron__fail(PATRON_EINVAL, "%s: request is NULL", func);
    if (out && (rc = patron__result_check(out, sizeof *out, "patron_redemption")))
        return rc;
    patron_reward_request q = PATRON_REWARD_REQUEST_INIT;
    if ((rc = patron__options_copy(&q, sizeof q, req, sizeof q, "patron_reward_request")))
        return rc;
    if ((rc = patron__key_check(func, "key", q.key, KEY_MAX)) || (rc = patron__key_check(func, "reward", q.reward, 64)) ||
        (rc = patron__time_check(func, "at", q.at)))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    patron_redemption r;
    rc = patron__tx_end(db, redeem_in_tx(db, &r, &q, func));
    if (rc == PATRON_OK && out)
        patron__result_write(out, &r, sizeof r);
    return rc;
}

/* Fulfil (to = FULFILLED) or cancel (to = CANCELLED) an issued redemption. */
static int settle_in_tx(patron_db *db, patron_redemption *r, const char *key, int64_t at, int32_t to, const char *func)
{
    int rc = read_redemption(db, r, NULL, key);
    if (rc == PATRON__DONE)
        return not_found(func, key);
    if (rc < 0)
        return rc;
    if (r->status == to) {
        r->replayed = 1;
        return PATRON_OK;
    }
    if (r->status != PATRON_REWARD_ISSUED)
        return patron__fail(PATRON_ECONFLICT, "%s: redemption '%s' was %s already", func, key,
                            r->status == PATRON_REWARD_FULFILLED ? "fulfilled" : "cancelled");
    if (at < r->at)
        return patron__fail(PATRON_EINVAL, "%s: redemption '%s': at %" PRId64 " is before its redemption at %" PRId64,
                            func, key, at, r->at);
    if (to == PATRON_REWARD_CANCELLED) {
        char lkey[KEY_MAX + 16];
        snprintf(lkey, sizeof lkey, "reward/%s/cancel", key);
        patron_posting_request p = PATRON_POSTING_REQUEST_INIT;
        p.key = lkey;
        p.member_id = r->member_id;
        p.target = r->posting_id;
        p.at = at;
        p.reason = "reward cancelled";
        p.ref = key;
        patron_posting_result pr;
        if ((rc = patron_ledger_reverse(db, &pr, &p)) ||
            (rc = patron__sql_run(db, "UPDATE rewards SET stock = stock + 1 WHERE code = ? AND stock >= 0", "t",
                                  r->reward)))
            return rc;
    }
    if ((rc = patron__sql_run(db, "UPDATE reward_redemptions SET status = ?, changed_at = ? WHERE id = ?", "iii",
                              (int64_t)to, at, r->id)))
        return rc;
    r->status = to;
    r->changed_at = at;
    return to == PATRON_REWARD_CANCELLED ? patron__reward_event(db, "reward.cancelled", r, at) : PATRON_OK;
}

static int settle(patron_db *db, patron_redemption *out, const char *key, int64_t at, int32_t to, const char *func)
{
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (out && (rc = patron__result_check(out, sizeof *out, "patron_redemption")))
        return rc;
    if ((rc = patron__key_check(func, "key", key, KEY_MAX)) || (rc = patron__time_check(func, "at", at)))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    patron_redemption r;
    rc = patron__tx_end(db, settle_in_tx(db, &r, key, at, to, func));
    if (rc == PATRON_OK && out)
        patron__result_write(out, &r, sizeof r);
    return rc;
}

int patron_reward_fulfil(patron_db *db, patron_redemption *out, const char *key, int64_t at)
{
    return settle(db, out, key, at, PATRON_REWARD_FULFILLED, "patron_reward_fulfil");
}

int patron_reward_cancel(patron_db *db, patron_redemption *out, const char *key, int64_t at)
{
    return settle(db, out, key, at, PATRON_REWARD_CANCELLED, "patron_reward_cancel");
}

int patron_reward_redemption_get(patron_db *db, patron_redemption *out, const char *key)
{
    static const char func[] = "patron_reward_redemption_get";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if ((rc = patron__result_check(out, sizeof *out, "patron_redemption")) ||
        (rc = patron__key_check(func, "key", key, KEY_MAX)))
        return rc;
    patron__db_refresh(db);
    patron_redemption r;
    rc = read_redemption(db, &r, NULL, key);
    if (rc == PATRON__DONE)
        return not_found(func, key);
    if (rc < 0)
        return rc;
    patron__result_write(out, &r, sizeof r);
    return PATRON_OK;
}
