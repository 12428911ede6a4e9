/* The points ledger (see include/patron/ledger.h for the model). */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/options.h"
#include "internal/ledger.h"
#include "internal/member.h"
#include "internal/program.h"
#include "internal/store.h"
#include "internal/text.h"
#include "ledger_int.h"
#include "notify.h"
#include "patron/ledger.h"

#define KEY_MAX 200

/* ---- policy ------------------------------------------------------------- */

int patron_ledger_set_policy(patron_db *db, const patron_ledger_policy *policy)
{
    int rc = patron__db_check(db, "patron_ledger_set_policy");
    if (rc)
        return rc;
    if (!policy)
        return patron__fail(PATRON_EINVAL, "patron_ledger_set_policy: policy is NULL");
    /* a caller built before overdraft_limit existed passes the shorter struct
     * (its overdraft_limit reads as the default, 0) */
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    if ((rc = patron__options_copy(&p, sizeof p, policy, offsetof(patron_ledger_policy, overdraft_limit),
                                   "patron_ledger_policy")))
        return rc;
    if (p.expiry_months < 0 || p.expiry_months > 1200 || p.hold_seconds < 0 || p.hold_seconds > 10LL * 366 * 86400)
        return patron__fail(PATRON_EINVAL, "ledger policy: expiry_months %d (0..1200) or hold_seconds %" PRId64
                                           " (0..10 years) out of range", p.expiry_months, p.hold_seconds);
    if (p.overdraft_limit < 0 || p.overdraft_limit > PATRON_OVERDRAFT_MAX)
        return patron__fail(PATRON_EINVAL, "ledger policy: overdraft_limit %" PRId64 " out of range (0..%lld)",
                            p.overdraft_limit, (long long)PATRON_OVERDRAFT_MAX);
    if (p.expiry_round < PATRON_EXPIRY_EXACT || p.expiry_round > PATRON_EXPIRY_END_OF_YEAR)
        return patron__fail(PATRON_EINVAL, "ledger policy: expiry_round %d out of range (0..5, a patron_expiry_round)",
                            p.expiry_round);
    if (p.expiry_end_of_month && p.expiry_round != PATRON_EXPIRY_EXACT && p.expiry_round != PATRON_EXPIRY_END_OF_MONTH)
        return patron__fail(PATRON_EINVAL, "ledger policy: expiry_end_of_month is set and expiry_round is %d (one "
                                           "rounding only: end of month is expiry_round 3)", p.expiry_round);
    if (p.expiry_end_of_month)
        p.expiry_round = PATRON_EXPIRY_END_OF_MONTH;
    p.expiry_end_of_month = p.expiry_round == PATRON_EXPIRY_END_OF_MONTH;
    char v[112];
    snprintf(v, sizeof v, "%d %d %lld %lld %d", p.expiry_months, p.expiry_end_of_month, (long long)p.hold_seconds,
             (long long)p.overdraft_limit, p.expiry_round);
    if ((rc = patron__tx_begin(db)))
        return rc;
    /* balances set under a larger limit keep their history */
    int64_t max = 0;
    char m[32];
    rc = patron__ledger_overdraft_max(db, &max);
    snprintf(m, sizeof m, "%lld", (long long)(max > p.overdraft_limit ? max : p.overdraft_limit));
    if (rc == PATRON_OK)
        rc = patron__setting_set(db, "ledger_overdraft_max", m);
    char key[80];
    patron__program_key(db, key, sizeof key, "ledger_policy"); /* each program's own */
    if (rc == PATRON_OK)
        rc = patron__setting_set(db, key, v);
    if (rc == PATRON_OK)
        rc = patron__ledger_notify_policy(db, &p); /* the audit hook */
    rc = patron__tx_end(db, rc);
    if (rc == PATRON_OK) {
        ledger_policy now = {p.expiry_months, p.expiry_end_of_month, p.hold_seconds, p.overdraft_limit,
                             p.expiry_round};
        patron__ledger_policy_remember(db, &now);
    }
    return rc;
}

int patron_ledger_get_policy(patron_db *db, patron_ledger_policy *policy)
{
    int rc = patron__db_check(db, "patron_ledger_get_policy");
    if (rc)
        return rc;
    /* a caller built before overdraft_limit existed passes the shorter struct */
    const size_t v1 = offsetof(patron_ledger_policy, overdraft_limit);
    if (!policy || policy->size < v1)
        return patron__fail(PATRON_EINVAL, "patron_ledger_get_policy: policy NULL or size not set");
    /* read what is stored now, whoever wrote it */
    if ((rc = patron__ledger_policy_read(db, 1)))
        return rc;
    const ledger_policy *p = patron__ledger_policy(db);
    policy->expiry_months = p->months;
    policy->expiry_end_of_month = p->eom;
    policy->hold_seconds = p->hold;
    if (policy->size >= v1 + sizeof policy->overdraft_limit)
        policy->overdraft_limit = p->overdraft;
    if (policy->size >= offsetof(patron_ledger_policy, expiry_round) + sizeof policy->expiry_round)
        policy->expiry_round = p->round;
    return PATRON_OK;
}

/* ---- request validation and fingerprints -------------------------------- */

static void fp_i(uint64_t *h, int64_t v)
{
    *h = patron__fnv1a(*h, &v, sizeof v);
}

static void fp_s(uint64_t *h, const char *s)
{
    if (s)
        *h = patron__fnv1a(*h, s, strlen(s) + 1);
    else
        *h = patron__fnv1a(*h, "\xff", 1);
}

/* The request's content, without `at`: a retry stamped later by a server
 * (or by the CLI's default "now") is the same request. */
static int64_t fingerprint(int kind, const patron_posting_request *r)
{
    uint64_t h = PATRON__FNV_INIT;
    fp_i(&h, kind);
    fp_i(&h, r->member_id);
    fp_i(&h, r->points);
    fp_i(&h, r->mature_at);
    fp_i(&h, r->expires_at);
    fp_i(&h, r->target);
    fp_i(&h, r->spend);
    fp_s(&h, r->rule);
    fp_i(&h, r->rule_version);
    fp_s(&h, r->reason);
    fp_s(&h, r->operator_name);
    fp_s(&h, r->ref);
    return (int64_t)(h & INT64_MAX);
}

/* Common checks; copies the request into *r. */
static int read_request(patron_db *db, patron_posting_request *r, const patron_posting_request *req,
                        const char *func)
{
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!req)
        return patron__fail(PATRON_EINVAL, "%s: request is NULL", func);
    patron_posting_request d = PATRON_POSTING_REQUEST_INIT;
    *r = d;
    if ((rc = patron__options_copy(r, sizeof *r, req, sizeof *r, "patron_posting_request")))
        return rc;
    if ((rc = patron__key_check(func, "key", r->key, KEY_MAX)) ||
        (rc = patron__text_check(func, "reason", r->reason, 500)) ||
        (rc = patron__text_check(func, "operator_name", r->operator_name, 200)) ||
        (rc = patron__text_check(func, "ref", r->ref, 200)) || (rc = patron__text_check(func, "rule", r->rule, 200)))
        return rc;
    if ((rc = patron__time_check(func, "at", r->at)))
        return rc;
    /* PATRON_NEVER: pending until patron_ledger_release() (release.c) */
    if (r->mature_at && r->mature_at != PATRON_NEVER && (rc = patron__time_check(func, "mature_at", r->mature_at)))
        return rc;
    if (r->expires_at && r->expires_at != PATRON_NEVER && (rc = patron__time_check(func, "expires_at", r->expires_at)))
        return rc;
    return PATRON_OK;
}

/* Replay lookup: 1 = replayed (result filled), 0 = new key, <0 error. */
static int replay(patron_db *db, patron_posting_result *res, const char *key, int64_t fp)
{
    /* the key's row names the member, so the posting is read from the
     * member's rows (one shard when postings are distributed by member) */
    static const char key_sql[] = "SELECT member_id, id FROM posting_keys WHERE key = ?";
    static const char sql[] = "SELECT fp, points FROM postings WHERE id = ?1 AND member_id = ?2";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, key_sql, "t", key);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    if (rc != PATRON__ROW) {
        patron__sql_done(db, st);
        return rc;
    }
    int64_t member = patron__sql_col_int(db, st, 0), id = patron__sql_col_int(db, st, 1);
    patron__sql_done(db, st);
    /* keys are the store's: a key another program used is not a replay here */
    if (patron__account_program(member) != patron__program_id(db)) {
        char other[96];
        patron__program_name_of(db, patron__account_program(member), other, sizeof other);
        return patron__fail(PATRON_ECONFLICT, "key '%s' was already used by posting %" PRId64 " in program '%s' (keys are "
                                              "unique in the store)", key, id, other);
    }
    if ((rc = patron__sql_bind(db, &st, sql, "ii", id, member)))
        return rc;
    rc = patron__sql_step(db, st);
    if (rc != PATRON__ROW) {
        patron__sql_done(db, st);
        return rc < 0 ? rc : patron__fail(PATRON_ECORRUPT, "key '%s' names posting %" PRId64 " of member %" PRId64
                                                           ", which does not exist", key, id, member);
    }
    int64_t sfp = patron__sql_col_int(db, st, 0), pts = patron__sql_col_int(db, st, 1);
    patron__sql_done(db, st);
    if (sfp != fp)
        return patron__fail(PATRON_ECONFLICT,
                            "key '%s' was already used by posting %" PRId64 " with different content", key, id);
    res->posting_id = id;
    res->points = pts;
    res->replayed = 1;
    return 1;
}

/* ---- debits ------------------------------------------------------------- */

/* What a debit takes: the member's open lots, the points that settle an
 * outstanding debt first, the points of the posting itself, and what the
 * lots could not give (the overdraft). */
typedef struct debit_plan {
    lot_list lots;
    int complete; /* `lots` holds every open lot, not only the oldest needed */
    take_list settle, take;
    int64_t shortfall;
} debit_plan;

static void debit_free(debit_plan *d)
{
    patron__lots_free(&d->lots);
    patron__takes_free(&d->settle);
    patron__takes_free(&d->take);
}

/* Plan a debit of `points` from account `a` at `at` (lots of posting
 * `prefer` first), counting in the balance from `limit_at` (>= at). Lots
 * expired by `at` are expired first, explicitly. `overdraft`: the program's
 * overdraft may cover what the lots lack (else, as for a transfer, the lots
 * usable at `at` must hold every point).
 *
 * The limit bounds the balance the member sees from `limit_at` on, not the
 * debt (points credited but still pending may have repaid a debt without
 * being available). A debit dated before some posting lowers every later
 * balance too, so its lowest point (after later postings and the expiry of
 * what stays in lots) is read from the history. */
static int debit_plan_make(patron_db *db, account *a, debit_plan *d, int64_t points, int64_t at, int64_t prefer,
                           int overdraft, int64_t limit_at)
{
    int rc = patron__ledger_policy_load(db);
    /* Counting at `at`, after every posting: every open lot is usable at
     * `at`, so a debit the lots cover leaves no debt and a balance that
     * only expiry lowers, and one they do not cover has drained them. Else
     * (back-dated, or counting later than `at`) the history decides. */
    int backdated = limit_at < a->pending_until || limit_at != at;
    /* FIFO reads only the oldest lots it needs, unless lots expire by `at`
     * (all are checked), the posting's own lots go first, or the history is
     * read (it needs every open lot's expiry) */
    int64_t need = points;
    if (__builtin_add_overflow(points, a->debt, &need) || a->next_expiry <= at || prefer || backdated)
        need = -1;
    d->complete = need < 0;
    if (rc == PATRON_OK)
        rc = patron__lots_fifo(db, a, &d->lots, need, at);
    if (rc == PATRON_OK)
        rc = patron__expire_lots(db, a, &d->lots, at, NULL, NULL);
    if (rc == PATRON_OK && a->debt > 0)
        rc = patron__plan_take(&d->lots, &d->settle, a->debt, at, 0, at);
    if (rc == PATRON_OK)
        rc = patron__plan_take(&d->lots, &d->take, points, at, prefer, limit_at);
    if (rc)
        return rc;
    int covered = d->take.total == points;
    if (covered && !backdated)
        return PATRON_OK;
    int64_t limit = overdraft ? patron__ledger_policy(db)->overdraft : 0, before = a->total, low = 0, low_at = limit_at;
    if (!backdated) {
        if (__builtin_sub_overflow(a->total, points, &low))
            low = INT64_MIN;
    } else if ((rc = patron__ledger_low(db, a, &d->lots, limit_at, points, &low, &low_at, &before))) {
        return rc;
    }
    if (low >= -limit && (covered || overdraft)) {
        d->shortfall = points - d->take.total;
        return PATRON_OK;
    }
    if (low >= -limit) /* a transfer: the history allows it, the lots usable at `at` do not hold it */
        return patron__fail(PATRON_EBALANCE,
                            "member %" PRId64 " has %" PRId64 " points available at %" PRId64 "; %" PRId64 " needed",
                            a->member, d->settle.total + d->take.total - a->debt, at, points);
    int64_t after_low = low < INT64_MIN + points ? INT64_MIN : low + points; /* the lowest balance without the debit */
    if (limit > 0 && low_at != limit_at)
        return patron__fail(PATRON_EBALANCE,
                            "member %" PRId64 " has %" PRId64 " points at %" PRId64 " but %" PRId64 " at %" PRId64
                            "; %" PRId64 " needed would pass the overdraft limit of %" PRId64,
                            a->member, before, limit_at, after_low, low_at, points, limit);
    if (limit > 0)
        return patron__fail(PATRON_EBALANCE,
                            "member %" PRId64 " has %" PRId64 " points at %" PRId64 "; %" PRId64
                            " needed would pass the overdraft limit of %" PRId64,
                            a->member, before, limit_at, points, limit);
    if (low_at != limit_at)
        return patron__fail(PATRON_EBALANCE,
                            "member %" PRId64 " has %" PRId64 " points available at %" PRId64 " but only %" PRId64
                            " at %" PRId64 " (after later postings); %" PRId64 " needed",
                            a->member, before, limit_at, after_low, low_at, points);
    return patron__fail(PATRON_EBALANCE,
                        "member %" PRId64 " has %" PRId64 " points available at %" PRId64 "; %" PRId64 " needed",
                        a->member, before, limit_at, points);
}

/* Write the moves of a planned debit for posting `pid`. Their order is what
 * reversing the posting undoes, newest first: the overdraft, then the lots. */
static int debit_apply(patron_db *db, account *a, debit_plan *d, int64_t pid)
{
    int rc = patron__take_apply(db, a, &d->lots, &d->settle, pid);
    if (rc == PATRON_OK && d->settle.total)
        rc = patron__lot_move(db, a, pid, NULL, d->settle.total, 0);
    if (rc == PATRON_OK)
        rc = patron__take_apply(db, a, &d->lots, &d->take, pid);
    if (rc == PATRON_OK && d->shortfall)
        rc = patron__lot_move(db, a, pid, NULL, -d->shortfall, 0);
    if (rc)
        return rc;
    a->debt += d->shortfall - d->settle.total;
    patron__lots_refresh(a, &d->lots, d->complete);
    return PATRON_OK;
}

/* ---- postings ----------------------------------------------------------- */

int patron__credit_times(patron_db *db, const patron_posting_request *r, int64_t *mature_at, int64_t *expires_at)
{
    int64_t mature = r->mature_at ? r->mature_at : r->at + patron__ledger_policy(db)->hold;
    if (mature < r->at)
        return patron__fail(PATRON_EINVAL, "mature_at %" PRId64 " is before at %" PRId64, mature, r->at);
    if (mature == PATRON_NEVER) {
        /* held until an action: no expiry of its own; the points released
         * get the policy's expiry counted from the release */
        if (r->expires_at && r->expires_at != PATRON_NEVER)
            return patron__fail(PATRON_EINVAL, "'%s': points pending until an action (mature_at PATRON_NEVER) take "
                                               "their expiry at the release; expires_at %" PRId64 " must be 0",
                                r->key, r->expires_at);
        if (r->key && strlen(r->key) > PATRON__RELEASE_KEY_MAX)
            return patron__fail(PATRON_EINVAL, "'%.40s...': the key of points pending until an action is at most %d "
                                               "bytes (its release adds \":released\")", r->key,
                                PATRON__RELEASE_KEY_MAX);
        *mature_at = PATRON_NEVER;
        *expires_at = PATRON_NEVER;
        return PATRON_OK;
    }
    int64_t expires = r->expires_at ? r->expires_at : patron__ledger_policy_expiry(db, r->at);
    /* a hold as long as the policy's expiry: the points get the whole
     * expiry period from their maturity instead of never being usable */
    if (!r->expires_at && expires <= mature)
        expires = patron__ledger_policy_expiry(db, mature);
    if (expires <= mature)
        return patron__fail(PATRON_EINVAL, "expires_at %" PRId64 " is not after maturity %" PRId64, expires, mature);
    *mature_at = mature;
    *expires_at = expires;
    return PATRON_OK;
}

static int credit(patron_db *db, patron_posting_result *res, const patron_posting_request *r, int kind, int64_t fp)
{
    account a;
    int rc = patron__account_open(db, &a, r->member_id, 0);
    if (rc == PATRON_OK)
        rc = patron__ledger_policy_load(db);
    int64_t mature = 0, expires = 0;
    if (rc == PATRON_OK)
        rc = patron__credit_times(db, r, &mature, &expires);
    if (rc)
        return rc;
    /* the posting is its own lot */
    posting_row p = {r->key, fp, kind, r->points, r->at, mature, 0, r->spend, r->rule_version,
                     r->rule, r->reason, r->operator_name, r->ref, r->at, expires, 0};
    int64_t pid;
    if ((rc = patron__posting_append(db, &a, &pid, &p)))
        return rc;
    if (a.debt > 0) {
        /* an overdraft is repaid from the next points credited */
        int64_t x = a.debt < r->points ? a.debt : r->points;
        lot own = {pid, pid, r->points, r->at, mature, expires, pid};
        rc = patron__lot_move(db, &a, pid, &own, -x, r->points - x);
        if (rc == PATRON_OK)
            rc = patron__lot_move(db, &a, pid, NULL, x, 0);
        a.debt -= x;
    }
    if (rc == PATRON_OK)
        rc = patron__account_store(db, &a);
    if (rc)
        return rc;
    res->posting_id = pid;
    res->points = r->points;
    res->replayed = 0;
    return PATRON_OK;
}

static int debit(patron_db *db, patron_posting_result *res, const patron_posting_request *r, int kind, int64_t fp,
                 int64_t points, int overdraft)
{
    account a;
    int rc = patron__account_open(db, &a, r->member_id, 0);
    if (rc)
        return rc;
    debit_plan d = {0};
    rc = debit_plan_make(db, &a, &d, points, r->at, 0, overdraft, r->at);
    posting_row p = {r->key, fp, kind, -points, r->at, r->at, 0, 0, 0, NULL, r->reason, r->operator_name, r->ref,
                     0, 0, 0};
    int64_t pid = 0;
    if (rc == PATRON_OK)
        rc = patron__posting_append(db, &a, &pid, &p);
    if (rc == PATRON_OK)
        rc = debit_apply(db, &a, &d, pid);
    if (rc == PATRON_OK)
        rc = patron__account_store(db, &a);
    debit_free(&d);
    if (rc)
        return rc;
    res->posting_id = pid;
    res->points = -points;
    res->replayed = 0;
    return PATRON_OK;
}

typedef int (*post_fn)(patron_db *db, patron_posting_result *res, const patron_posting_request *r, int64_t fp);

/* A posting that checks everything before its first write, inside the
 * caller's transaction. It writes its posting row first, so the key's
 * unique row (posting_keys) makes the idempotency check: only a failure (a
 * used key, which takes its posting row back, or a request that a new
 * posting could not satisfy) pays for the replay lookup. A failed call
 * wrote nothing. */
static int post_then_replay(patron_db *db, patron_posting_result *res, const patron_posting_request *r, int64_t fp,
                            post_fn fn)
{
    int64_t before = db->vt->total_changes(db->impl);
    int rc = fn(db, res, r, fp);
    /* (not when the failure left the backend's transaction unusable:
     * then the failure itself is the answer, e.g. a permission denied) */
    if (rc != PATRON_OK && (rc == PATRON_ECONFLICT || db->vt->total_changes(db->impl) == before) &&
        !db->vt->tx_failed(db->impl)) {
        int rp = replay(db, res, r->key, fp);
        rc = rp == 1 ? PATRON_OK : rp < 0 ? rp : rc;
    }
    return rc;
}

static int run_posting(patron_db *db, patron_posting_result *result, const patron_posting_request *r, int kind,
                       post_fn fn)
{
    int64_t fp = fingerprint(kind, r);
    /* earn checks everything before its first write: no savepoint needed */
    int light = kind == PATRON_POSTING_EARN;
    /* one member's postings: other members' run in parallel where the backend allows */
    if (kind == PATRON_POSTING_EARN || kind == PATRON_POSTING_REDEEM || kind == PATRON_POSTING_ADJUST)
        patron__tx_scope_members(db);
    int rc = light ? patron__tx_begin_light(db) : patron__tx_begin(db);
    if (rc)
        return rc;
    patron_posting_result res = {0, 0, 0};
    if (light) {
        rc = post_then_replay(db, &res, r, fp, fn);
    } else {
        rc = replay(db, &res, r->key, fp);
        if (rc == 0)
            rc = fn(db, &res, r, fp);
        else if (rc == 1)
            rc = PATRON_OK;
    }
    rc = light ? patron__tx_end_light(db, rc) : patron__tx_end(db, rc);
    if (rc == PATRON_OK && result)
        *result = res;
    return rc;
}

static int earn_fn(patron_db *db, patron_posting_result *res, const patron_posting_request *r, int64_t fp)
{
    return credit(db, res, r, PATRON_POSTING_EARN, fp);
}

int patron__earn_request_read(patron_db *db, patron_posting_request *r, const patron_posting_request *req,
                              const char *func)
{
    int rc = read_request(db, r, req, func);
    if (rc)
        return rc;
    if (r->points <= 0)
        return patron__fail(PATRON_EINVAL, "earn '%s': points must be > 0 (got %" PRId64 ")", r->key, r->points);
    if (r->spend < 0)
        return patron__fail(PATRON_EINVAL, "earn '%s': spend must be >= 0 (got %" PRId64 ")", r->key, r->spend);
    return PATRON_OK;
}

int64_t patron__earn_fingerprint(const patron_posting_request *r)
{
    return fingerprint(PATRON_POSTING_EARN, r);
}

int patron__earn_in_tx(patron_db *db, patron_posting_result *res, const patron_posting_request *r)
{
    return post_then_replay(db, res, r, fingerprint(PATRON_POSTING_EARN, r), earn_fn);
}

int patron_ledger_earn(patron_db *db, patron_posting_result *result, const patron_posting_request *req)
{
    patron_posting_request r;
    int rc = patron__earn_request_read(db, &r, req, "patron_ledger_earn");
    if (rc == PATRON_OK && patron__program_id(db) == 1) /* (the one-trip path knows the default program only) */
        rc = patron__earn_one_trip(db, result, &r);
    else if (rc == PATRON_OK)
        rc = PATRON__EARN_USUAL;
    if (rc != PATRON__EARN_USUAL)
        return rc;
    return run_posting(db, result, &r, PATRON_POSTING_EARN, earn_fn);
}

static int redeem_fn(patron_db *db, patron_posting_result *res, const patron_posting_request *r, int64_t fp)
{
    return debit(db, res, r, PATRON_POSTING_REDEEM, fp, r->points, 1);
}

int patron_ledger_redeem(patron_db *db, patron_posting_result *result, const patron_posting_request *req)
{
    patron_posting_request r;
    int rc = read_request(db, &r, req, "patron_ledger_redeem");
    if (rc)
        return rc;
    if (r.points <= 0)
        return patron__fail(PATRON_EINVAL, "redeem '%s': points must be > 0 (got %" PRId64 ")", r.key, r.points);
    return run_posting(db, result, &r, PATRON_POSTING_REDEEM, redeem_fn);
}

static int adjust_fn(patron_db *db, patron_posting_result *res, const patron_posting_request *r, int64_t fp)
{
    if (r->points > 0)
        return credit(db, res, r, PATRON_POSTING_ADJUST, fp);
    return debit(db, res, r, PATRON_POSTING_ADJUST, fp, -r->points, 1);
}

int patron_ledger_adjust(patron_db *db, patron_posting_result *result, const patron_posting_request *req)
{
    patron_posting_request r;
    int rc = read_request(db, &r, req, "patron_ledger_adjust");
    if (rc)
        return rc;
    if (r.points == 0 || r.points == INT64_MIN)
        return patron__fail(PATRON_EINVAL, "adjust '%s': points must be non-zero", r.key);
    if (!r.reason || !r.reason[0] || !r.operator_name || !r.operator_name[0])
        return patron__fail(PATRON_EINVAL, "adjust '%s': reason and operator_name are required", r.key);
    return run_posting(db, result, &r, PATRON_POSTING_ADJUST, adjust_fn);
}

/* `points` of lot `x` arrive for `to` with posting `in_id` at `at`: a lot
 * of their own (*y) keeping x's earning time (FIFO) and expiry, usable from
 * `at` (or x's later maturity). */
static int receive_lot(patron_db *db, account *to, int64_t in_id, const lot *x, int64_t points, int64_t at, lot *y)
{
    *y = (lot){0, in_id, points, x->earned_at, x->available_at > at ? x->available_at : at, x->expires_at, x->source};
    int rc = patron__lot_create(db, &y->ref, to->member, in_id, x->source, points, y->earned_at, y->available_at,
                                y->expires_at);
    if (rc == PATRON_OK && x->expires_at < to->next_expiry)
        to->next_expiry = x->expires_at;
    return rc;
}

/* Received points repay the receiver's debt first, as any credit does. */
static int receive_repay(patron_db *db, account *to, int64_t in_id, lot *y)
{
    int64_t repay = to->debt < y->remaining ? to->debt : y->remaining;
    if (repay <= 0)
        return PATRON_OK;
    y->remaining -= repay;
    int rc = patron__lot_move(db, to, in_id, y, -repay, y->remaining);
    if (rc == PATRON_OK)
        rc = patron__lot_move(db, to, in_id, NULL, repay, 0);
    to->debt -= repay;
    return rc;
}

static int transfer_fn(patron_db *db, patron_posting_result *res, const patron_posting_request *r, int64_t fp)
{
    account to, from;
    int rc = patron__account_open(db, &to, r->target, 1);
    if (rc)
        return patron__fail_prefix(rc, "transfer target: ");
    if ((rc = patron__account_open(db, &from, r->member_id, 1)))
        return rc;
    if (from.member == to.member)
        return patron__fail(PATRON_EINVAL, "transfer '%s': sender and receiver are the same member %" PRId64, r->key,
                            from.member);
    /* points one does not have cannot be given away: no overdraft */
    debit_plan d = {0};
    rc = debit_plan_make(db, &from, &d, r->points, r->at, 0, 0, r->at);
    posting_row out = {r->key, fp, PATRON_POSTING_TRANSFER_OUT, -r->points, r->at, r->at, 0, 0, 0,
                       NULL, r->reason, r->operator_name, r->ref, 0, 0, 0};
    int64_t out_id = 0, in_id = 0;
    if (rc == PATRON_OK)
        rc = patron__posting_append(db, &from, &out_id, &out);
    if (rc == PATRON_OK)
        rc = debit_apply(db, &from, &d, out_id);
    if (rc == PATRON_OK) {
        posting_row in = {NULL, fp, PATRON_POSTING_TRANSFER_IN, r->points, r->at, r->at, out_id, 0, 0,
                          NULL, r->reason, r->operator_name, r->ref, 0, 0, 0};
        rc = patron__posting_append(db, &to, &in_id, &in);
    }
    /* one lot per lot the points came from, created last to first: lots of
     * one posting with the same earning time are used newest row first, so
     * the receiver uses the parts in the sender's order */
    lot *got = rc == PATRON_OK ? patron__reallocarray(NULL, d.take.n ? d.take.n : 1, sizeof *got) : NULL;
    if (rc == PATRON_OK && !got)
        rc = patron__oom();
    for (size_t i = d.take.n; i > 0 && rc == PATRON_OK; i--)
        rc = receive_lot(db, &to, in_id, &d.lots.v[d.take.v[i - 1].lot], d.take.v[i - 1].take, r->at, &got[i - 1]);
    for (size_t i = 0; i < d.take.n && rc == PATRON_OK; i++)
        rc = receive_repay(db, &to, in_id, &got[i]);
    patron__free(got);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "UPDATE postings SET target = ? WHERE id = ? AND member_id = ?", "iii", in_id, out_id,
                             from.member);
    if (rc == PATRON_OK)
        rc = patron__account_store(db, &from);
    if (rc == PATRON_OK)
        rc = patron__account_store(db, &to);
    debit_free(&d);
    if (rc)
        return rc;
    res->posting_id = out_id;
    res->points = -r->points;
    res->replayed = 0;
    return PATRON_OK;
}

int patron_ledger_transfer(patron_db *db, patron_posting_result *result, const patron_posting_request *req)
{
    patron_posting_request r;
    int rc = read_request(db, &r, req, "patron_ledger_transfer");
    if (rc)
        return rc;
    if (r.points <= 0)
        return patron__fail(PATRON_EINVAL, "transfer '%s': points must be > 0", r.key);
    return run_posting(db, result, &r, PATRON_POSTING_TRANSFER_OUT, transfer_fn);
}

/* ---- reverse ------------------------------------------------------------ */

/* Take back (part of) an earn or positive adjustment: its own lot first. */
static int reverse_credit(patron_db *db, account *a, int64_t *pid, const patron_posting_request *r, int64_t fp,
                          int64_t amount, int64_t teff)
{
    /* still pending (a return inside the window): effective at maturity, so
     * the points are never available (nor, if they repaid a debt, is the
     * debt ever seen repaid) */
    int64_t eff = teff > r->at ? teff : r->at;
    debit_plan d = {0};
    int rc = debit_plan_make(db, a, &d, amount, r->at, r->target, 1, eff);
    if (rc == PATRON_OK) {
        posting_row p = {r->key, fp, PATRON_POSTING_REVERSE, -amount, r->at, eff, r->target,
                         0, 0, NULL, r->reason, r->operator_name, r->ref, 0, 0, 0};
        rc = patron__posting_append(db, a, pid, &p);
    }
    if (rc == PATRON_OK)
        rc = debit_apply(db, a, &d, *pid);
    debit_free(&d);
    return rc;
}

/* Lot `ref` of member `owner` (a lot is its posting's member's: the
 * member a movement names). */
static int lot_read(patron_db *db, int64_t owner, int64_t ref, int64_t *member, lot *x)
{
    static const char own[] =
        "SELECT p.member_id, coalesce(s.remaining, p.points), p.lot_earned_at, p.effective_at, p.lot_expires_at, "
        "coalesce(p.lot_source, p.id), p.id FROM postings p "
        "LEFT JOIN lot_state s ON s.member_id = ?2 AND s.lot_id = p.id "
        "WHERE p.id = ?1 AND p.member_id = ?2 AND p.lot_expires_at IS NOT NULL";
    static const char row[] =
        "SELECT l.member_id, coalesce(s.remaining, l.initial), l.earned_at, l.available_at, l.expires_at, "
        "l.source_posting, l.posting_id FROM lots l LEFT JOIN lot_state s ON s.member_id = ?2 AND s.lot_id = -l.id "
        "WHERE l.id = ?1 AND l.member_id = ?2";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, ref > 0 ? own : row, "ii", ref > 0 ? ref : -ref, owner);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    if (rc == PATRON__ROW) {
        *member = patron__sql_col_int(db, st, 0);
        *x = (lot){ref, patron__sql_col_int(db, st, 6), patron__sql_col_int(db, st, 1), patron__sql_col_int(db, st, 2),
                   patron__sql_col_int(db, st, 3), patron__sql_col_int(db, st, 4), patron__sql_col_int(db, st, 5)};
    }
    patron__sql_done(db, st);
    if (rc == PATRON__DONE)
        return patron__fail(PATRON_ECORRUPT, "lot %" PRId64 " named by a movement does not exist", ref);
    return rc < 0 ? rc : PATRON_OK;
}

typedef struct restore_piece {
    int64_t lot, points, expires_at;
} restore_piece;

/* Where a redeem's points go back: what was an overdraft first (it is
 * forgiven), then the lots they came from, the latest-expiring first, so
 * that a partial reversal refills lots still unexpired before expired ones.
 * The order is the same for every reversal of the posting, so the points
 * earlier reversals gave back are skipped from its start. Only the moves
 * after the posting's repayment of an older debt (its positive debt move)
 * are what it spent. */
static int restore_plan(patron_db *db, restore_piece **out, size_t *n, int64_t owner, int64_t target,
                        int64_t already, int64_t amount)
{
    static const char sql[] =
        "SELECT lot_id, delta FROM moves WHERE posting_id = ? AND member_id = ? ORDER BY rowid DESC";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "ii", target, owner);
    if (rc)
        return rc;
    size_t cap = 0;
    restore_piece *v = NULL;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        int64_t lot_ref = patron__sql_col_int(db, st, 0), given = -patron__sql_col_int(db, st, 1);
        if (lot_ref == 0 && given < 0)
            break; /* the repayment: what comes before it settled an older debt */
        if (given <= 0)
            continue;
        if (patron__grow(&v, &cap, *n + 1, sizeof *v)) {
            rc = patron__oom();
            break;
        }
        v[(*n)++] = (restore_piece){lot_ref, given, PATRON_NEVER};
    }
    patron__sql_done(db, st);
    rc = rc < 0 ? rc : PATRON_OK;
    for (size_t i = 0; i < *n && rc == PATRON_OK; i++) {
        int64_t member;
        lot x;
        if (v[i].lot != 0 && (rc = lot_read(db, owner, v[i].lot, &member, &x)) == PATRON_OK)
            v[i].expires_at = x.expires_at;
    }
    /* stable insertion sort: the debt first, then by expiry, latest first */
    for (size_t i = 1; i < *n && rc == PATRON_OK; i++) {
        restore_piece x = v[i];
        size_t j = i;
        while (j > 0 && (x.lot == 0 ? v[j - 1].lot != 0 : v[j - 1].lot != 0 && v[j - 1].expires_at < x.expires_at)) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    int64_t skip = already, need = amount;
    size_t k = 0;
    for (size_t i = 0; i < *n && need > 0 && rc == PATRON_OK; i++) {
        int64_t given = v[i].points, sk = given < skip ? given : skip;
        skip -= sk;
        given -= sk;
        int64_t t = given < need ? given : need;
        if (t <= 0)
            continue;
        v[k] = v[i];
        v[k++].points = t;
        need -= t;
    }
    *n = k;
    *out = v;
    if (rc)
        return rc;
    if (need > 0)
        return patron__fail(PATRON_ECORRUPT, "the lot movements of posting %" PRId64 " do not cover %" PRId64 " points",
                            target, amount);
    return PATRON_OK;
}

/* Points restored into a lot that has expired by the reversal's time
 * expire again at once: an expire posting effective at the reversal, so no
 * balance before it changes. */
static int expire_restored(patron_db *db, account *a, const lot *x, int64_t points, int64_t at)
{
    posting_row p = {NULL, 0, PATRON_POSTING_EXPIRE, -points, at, at, 0, 0, 0, NULL, "expired", NULL, NULL, 0, 0, 0};
    int64_t pid;
    int rc = patron__posting_append(db, a, &pid, &p);
    return rc ? rc : patron__lot_move(db, a, pid, x, -points, x->remaining - points);
}

/* Give a redeem's (or negative adjustment's) points back where they came
 * from: into the same lots (keeping their expiry), back against the debt
 * for points that were an overdraft. Lots expired by the reversal's time
 * are expired first (at their expiry), so the points restored into them
 * expire at the reversal's time. */
static int reverse_debit(patron_db *db, account *a, int64_t *pid, const patron_posting_request *r, int64_t fp,
                         int64_t owner, int64_t amount, int64_t already)
{
    restore_piece *pc = NULL;
    size_t n = 0;
    int rc = restore_plan(db, &pc, &n, owner, r->target, already, amount);
    if (rc == PATRON_OK && a->next_expiry <= r->at) {
        lot_list l = {0};
        rc = patron__lots_open(db, a, &l);
        if (rc == PATRON_OK)
            rc = patron__expire_lots(db, a, &l, r->at, NULL, NULL);
        patron__lots_free(&l);
    }
    posting_row p = {r->key, fp, PATRON_POSTING_REVERSE, amount, r->at, r->at, r->target, 0, 0, NULL, r->reason,
                     r->operator_name, r->ref, 0, 0, 0};
    if (rc == PATRON_OK)
        rc = patron__posting_append(db, a, pid, &p);
    /* pieces whose lot's member was merged away go into new lots, below */
    int *foreign = n ? patron__calloc(n, sizeof *foreign) : NULL;
    if (rc == PATRON_OK && n && !foreign)
        rc = patron__oom();
    for (size_t i = 0; i < n && rc == PATRON_OK; i++) {
        int64_t t = pc[i].points, ref;
        if (pc[i].lot == 0) {
            /* an overdraft: what is still owed is forgiven; points already
             * repaid come back as a new lot */
            int64_t d = a->debt < t ? a->debt : t;
            if (d > 0 && (rc = patron__lot_move(db, a, *pid, NULL, d, 0)) == PATRON_OK)
                a->debt -= d;
            if (rc == PATRON_OK && t > d) {
                int64_t expires = patron__ledger_policy_expiry(db, r->at);
                rc = patron__lot_create(db, &ref, a->member, *pid, *pid, t - d, r->at, r->at, expires);
                if (expires < a->next_expiry)
                    a->next_expiry = expires;
            }
            continue;
        }
        int64_t member = 0;
        lot x = {0, 0, 0, 0, 0, 0, 0};
        if ((rc = lot_read(db, owner, pc[i].lot, &member, &x)))
            break;
        if (member != a->member) {
            foreign[i] = 1;
            continue;
        }
        rc = patron__lot_move(db, a, *pid, &x, t, x.remaining + t);
        x.remaining += t;
        if (rc == PATRON_OK && x.expires_at <= r->at)
            rc = expire_restored(db, a, &x, t, r->at);
        else if (x.expires_at < a->next_expiry)
            a->next_expiry = x.expires_at;
    }
    /* new lots usable from the reversal on, created last to first so that
     * lots of this posting with the same earning time are used in the
     * order above (as the parts of a transfer) */
    for (size_t i = n; i > 0 && rc == PATRON_OK; i--) {
        if (!foreign[i - 1])
            continue;
        int64_t member = 0, t = pc[i - 1].points;
        lot x = {0, 0, 0, 0, 0, 0, 0};
        if ((rc = lot_read(db, owner, pc[i - 1].lot, &member, &x)))
            break;
        x.available_at = x.available_at > r->at ? x.available_at : r->at;
        rc = patron__lot_create(db, &x.ref, a->member, *pid, x.source, t, x.earned_at, x.available_at, x.expires_at);
        x.posting = *pid;
        x.remaining = t;
        if (rc == PATRON_OK && x.expires_at <= r->at)
            rc = expire_restored(db, a, &x, t, r->at);
        else if (x.expires_at < a->next_expiry)
            a->next_expiry = x.expires_at;
    }
    patron__free(foreign);
    patron__free(pc);
    return rc;
}

static int reverse_fn(patron_db *db, patron_posting_result *res, const patron_posting_request *r, int64_t fp)
{
    /* The target among the named member's postings first (one shard when
     * postings are distributed by member); else by id alone: a request may
     * name no member, or the member another was merged into. */
    static const char msql[] = "SELECT member_id, kind, points, effective_at, at FROM postings WHERE id = ? AND member_id = ?";
    static const char tsql[] = "SELECT member_id, kind, points, effective_at, at FROM postings WHERE id = ?";
    patron__stmt *st;
    int rc = r->member_id ? patron__sql_bind(db, &st, msql, "ii", r->target, patron__program_account(db, r->member_id))
                          : patron__sql_bind(db, &st, tsql, "i", r->target);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    if (rc == PATRON__DONE && r->member_id) {
        patron__sql_done(db, st);
        if ((rc = patron__sql_bind(db, &st, tsql, "i", r->target)))
            return rc;
        rc = patron__sql_step(db, st);
    }
    if (rc != PATRON__ROW) {
        patron__sql_done(db, st);
        return rc < 0 ? rc : patron__fail(PATRON_ENOTFOUND, "reverse '%s': posting %" PRId64 " not found", r->key, r->target);
    }
    int64_t tmember = patron__sql_col_int(db, st, 0), tkind = patron__sql_col_int(db, st, 1);
    int64_t tpoints = patron__sql_col_int(db, st, 2), teff = patron__sql_col_int(db, st, 3);
    int64_t tat = patron__sql_col_int(db, st, 4);
    patron__sql_done(db, st);
    /* postings are numbered across programs: the target must be the current program's */
    if (patron__account_program(tmember) != patron__program_id(db))
        return patron__fail(PATRON_ENOTFOUND, "reverse '%s': posting %" PRId64 " not found in program '%s'", r->key,
                            r->target, patron__program_name(db));
    tmember = patron__account_member(tmember);
    if (tkind != PATRON_POSTING_EARN && tkind != PATRON_POSTING_REDEEM && tkind != PATRON_POSTING_ADJUST)
        return patron__fail(PATRON_EINVAL, "reverse '%s': posting %" PRId64 " is a %s posting, which cannot be reversed",
                            r->key, r->target,
                            tkind == PATRON_POSTING_EXPIRE ? "expire" : tkind == PATRON_POSTING_REVERSE ? "reverse" : "transfer");
    if (r->at < tat)
        return patron__fail(PATRON_EINVAL, "reverse '%s': at %" PRId64 " is before posting %" PRId64 " (at %" PRId64 ")",
                            r->key, r->at, r->target, tat);
    account a;
    if ((rc = patron__account_open(db, &a, tmember, 0)) || (rc = patron__ledger_policy_load(db)))
        return rc;
    if (r->member_id) {
        /* a request naming a member must name the posting's (or one merged into it) */
        account m;
        if ((rc = patron__account_open(db, &m, r->member_id, 0)))
            return rc;
        if (m.member != a.member)
            return patron__fail(PATRON_EINVAL, "reverse '%s': posting %" PRId64 " belongs to member %" PRId64
                                               ", not to member %" PRId64, r->key, r->target, patron__account_member(a.member),
                                r->member_id);
    }
    /* expiry first (as before every debit): the points of the earn that
     * expired by now are posted, so they are counted below */
    if (a.next_expiry <= r->at) {
        lot_list l = {0};
        rc = patron__lots_open(db, &a, &l);
        if (rc == PATRON_OK)
            rc = patron__expire_lots(db, &a, &l, r->at, NULL, NULL);
        patron__lots_free(&l);
        if (rc == PATRON_OK)
            rc = patron__account_store(db, &a);
        if (rc)
            return rc;
    }
    /* Earlier reversals of the posting (posted to the account it was, or
     * is now, merged into), and points of an earn that expired while the
     * member held them, which were lost once: a reversal does not take
     * them again. Read for the member's account and each account merged
     * into it, one at a time: each is one member's rows. */
    int64_t reversed = 0, expired = 0;
    int64_t *merged = NULL;
    size_t nmerged = 0;
    rc = patron__ledger_merged_accounts(db, a.member, &merged, &nmerged);
    for (size_t i = 0; i <= nmerged && rc == PATRON_OK; i++) {
        int64_t owner = i ? merged[i - 1] : a.member, part = 0;
        rc = patron__sql_int(db, &part, 0,
                             "SELECT coalesce(sum(points), 0) FROM postings WHERE target = ? AND kind = 5 AND member_id = ?",
                             "ii", r->target, owner);
        reversed += part;
        if (rc == PATRON_OK && tpoints > 0) {
            rc = patron__sql_int(db, &part, 0,
                                 PATRON__CHAIN1
                                 "SELECT coalesce(-sum(m.delta), 0) FROM chain c JOIN postings e ON e.id = c.id "
                                 "AND e.member_id = ?1 JOIN moves m ON m.member_id = ?1 AND m.posting_id = e.id "
                                 "WHERE e.kind = 3 AND (m.lot_id = ?2 OR "
                                 "m.lot_id IN (SELECT -id FROM lots WHERE member_id = ?1 AND source_posting = ?2))",
                                 "ii", owner, r->target);
            expired += part;
        }
    }
    patron__free(merged);
    if (rc)
        return rc;
    int64_t magnitude = tpoints > 0 ? tpoints : -tpoints;
    int64_t already = reversed > 0 ? reversed : -reversed;
    int64_t left = magnitude - already - expired;
    if (left <= 0 && expired > 0)
        return patron__fail(PATRON_ECONFLICT, "reverse '%s': posting %" PRId64 " is already fully reversed or expired (%"
                                              PRId64 " points expired)", r->key, r->target, expired);
    if (left <= 0)
        return patron__fail(PATRON_ECONFLICT, "reverse '%s': posting %" PRId64 " is already fully reversed", r->key, r->target);
    int64_t amount = r->points ? r->points : left;
    if (amount > left)
        return patron__fail(PATRON_EINVAL, "reverse '%s': %" PRId64 " points requested but only %" PRId64
                                           " of posting %" PRId64 " are left to reverse", r->key, amount, left, r->target);
    int64_t pid = 0;
    rc = tpoints > 0 ? reverse_credit(db, &a, &pid, r, fp, amount, teff)
                     : reverse_debit(db, &a, &pid, r, fp, tmember, amount, already);
    if (rc == PATRON_OK)
        rc = patron__account_store(db, &a);
    if (rc)
        return rc;
    res->posting_id = pid;
    res->points = tpoints > 0 ? -amount : amount;
    res->replayed = 0;
    return PATRON_OK;
}

int patron_ledger_reverse(patron_db *db, patron_posting_result *result, const patron_posting_request *req)
{
    patron_posting_request r;
    int rc = read_request(db, &r, req, "patron_ledger_reverse");
    if (rc)
        return rc;
    if (r.points < 0)
        return patron__fail(PATRON_EINVAL, "reverse '%s': points must be >= 0 (0 = everything left)", r.key);
    if (r.target <= 0)
        return patron__fail(PATRON_EINVAL, "reverse '%s': target (the posting to reverse) is required", r.key);
    return run_posting(db, result, &r, PATRON_POSTING_REVERSE, reverse_fn);
}

/* ---- expiry, merge ------------------------------------------------------ */

static int expire_all(patron_db *db, int64_t at, int64_t *npost, int64_t *npoints)
{
    static const char sql[] =
        "SELECT member_id FROM accounts WHERE next_expiry <= ? AND next_expiry < 9223372036854775807 "
        "AND member_id BETWEEN ? AND ? ORDER BY member_id";
    int64_t *ids = NULL, lo, hi;
    size_t n = 0;
    patron__program_range(db, &lo, &hi); /* the current program's accounts */
    int rc = patron__sql_ids(db, &ids, &n, sql, "iii", at, lo, hi);
    lot_list l = {0};
    for (size_t i = 0; i < n && rc == PATRON_OK; i++) {
        account a;
        rc = patron__account_load(db, &a, ids[i]);
        if (rc == PATRON_OK)
            rc = patron__lots_open(db, &a, &l);
        if (rc == PATRON_OK)
            rc = patron__expire_lots(db, &a, &l, at, npost, npoints);
        if (rc == PATRON_OK)
            rc = patron__account_store(db, &a);
    }
    patron__lots_free(&l);
    patron__free(ids);
    return rc;
}

int patron_ledger_expire(patron_db *db, int64_t *postings, int64_t *points, int64_t at)
{
    int rc = patron__db_check(db, "patron_ledger_expire");
    if (rc || (rc = patron__time_check("patron_ledger_expire", "at", at)))
        return rc;
    int64_t n = 0, p = 0;
    if ((rc = patron__tx_begin(db)))
        return rc;
    rc = patron__tx_end(db, expire_all(db, at, &n, &p));
    if (rc == PATRON_OK) {
        if (postings)
            *postings = n;
        if (points)
            *points = p;
    }
    return rc;
}

/* A merge dated before a reversal that gave points back to one of the
 * merged member's lots moves that lot only from the reversal on (else the
 * merged member's balance would lose the points before it got them back):
 * such lots in `l` get that time as their availability for the move. */
static int merge_refilled(patron_db *db, const account *from, lot_list *l, int64_t at)
{
    static const char sql[] =
        PATRON__CHAIN1
        "SELECT m.lot_id, max(p.effective_at) FROM chain c JOIN postings p ON p.id = c.id AND p.member_id = ?1 "
        "JOIN moves m ON m.member_id = ?1 AND m.posting_id = p.id WHERE p.kind = 5 AND p.points > 0 AND m.delta > 0 AND m.lot_id != 0 "
        "AND p.effective_at > ?2 GROUP BY m.lot_id";
    if (from->pending_until <= at)
        return PATRON_OK; /* nothing of the merged member counts after the merge */
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "ii", from->member, at);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        int64_t ref = patron__sql_col_int(db, st, 0), t = patron__sql_col_int(db, st, 1);
        for (size_t i = 0; i < l->n; i++)
            if (l->v[i].ref == ref && l->v[i].available_at < t)
                l->v[i].available_at = t;
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

/* The merge in one program: to_id and from_id are account ids. */
static int merge_accounts(patron_db *db, int64_t to_id, int64_t from_id, int64_t at, int64_t merge_id, int64_t *moved)
{
    account to, from;
    int rc = patron__account_load(db, &to, to_id);
    if (rc == PATRON_OK)
        rc = patron__account_load(db, &from, from_id);
    if (rc)
        return rc == PATRON_ENOTFOUND ? patron__fail(PATRON_ECORRUPT, "merge: a member has no ledger account") : rc;
    char reason[64];
    snprintf(reason, sizeof reason, "merge %" PRId64, merge_id);
    /* Points that expired before the merge expire with the merged member
     * (at their expiry): the survivor never held them. What it owes, the
     * survivor owes; then each open lot moves in a pair of postings, keeping
     * its earning time and expiry, usable by the survivor from the merge on
     * (the lots repay that debt first, as any credit does). */
    lot_list l = {0};
    rc = patron__lots_open(db, &from, &l);
    if (rc == PATRON_OK)
        rc = merge_refilled(db, &from, &l, at);
    if (rc == PATRON_OK)
        rc = patron__expire_lots(db, &from, &l, at, NULL, NULL);
    int64_t total = 0;
    if (rc == PATRON_OK && from.debt > 0) {
        int64_t a_id, b_id;
        posting_row pa = {NULL, 0, PATRON_POSTING_ADJUST, from.debt, at, at, 0, 0, 0, NULL, reason, NULL, NULL, 0, 0, 0};
        posting_row pb = {NULL, 0, PATRON_POSTING_ADJUST, -from.debt, at, at, 0, 0, 0, NULL, reason, NULL, NULL, 0, 0, 0};
        rc = patron__posting_append(db, &from, &a_id, &pa);
        if (rc == PATRON_OK)
            rc = patron__lot_move(db, &from, a_id, NULL, from.debt, 0);
        if (rc == PATRON_OK)
            rc = patron__posting_append(db, &to, &b_id, &pb);
        if (rc == PATRON_OK)
            rc = patron__lot_move(db, &to, b_id, NULL, -from.debt, 0);
        to.debt += from.debt;
        total -= from.debt;
        from.debt = 0;
    }
    for (size_t i = 0; i < l.n && rc == PATRON_OK; i++) {
        lot *x = &l.v[i];
        if (x->remaining <= 0)
            continue;
        /* available_at: also after the reversals that refilled it (see merge_refilled) */
        int64_t take = x->remaining, eff = x->available_at > at ? x->available_at : at, out_id = 0, in_id = 0;
        posting_row po = {NULL, 0, PATRON_POSTING_TRANSFER_OUT, -take, at, eff, 0, 0, 0, NULL, reason, NULL, NULL,
                          0, 0, 0};
        rc = patron__posting_append(db, &from, &out_id, &po);
        x->remaining = 0;
        if (rc == PATRON_OK)
            rc = patron__lot_move(db, &from, out_id, x, -take, 0);
        posting_row pi = {NULL, 0, PATRON_POSTING_TRANSFER_IN, take, at, eff, out_id, 0, 0, NULL, reason,
                          NULL, NULL, 0, 0, 0};
        if (rc == PATRON_OK)
            rc = patron__posting_append(db, &to, &in_id, &pi);
        lot y;
        if (rc == PATRON_OK)
            rc = receive_lot(db, &to, in_id, x, take, at, &y);
        if (rc == PATRON_OK)
            rc = receive_repay(db, &to, in_id, &y);
        if (rc == PATRON_OK)
            rc = patron__sql_run(db, "UPDATE postings SET target = ? WHERE id = ? AND member_id = ?", "iii", in_id,
                                 out_id, from.member);
        total += take;
    }
    if (rc == PATRON_OK) {
        patron__lots_refresh(&from, &l, 1);
        from.merged = to.member;
        rc = patron__account_store(db, &from);
    }
    /* accounts merged into `from` earlier now belong to `to` as well */
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "UPDATE accounts SET merged = ? WHERE merged = ? AND merged != 0", "ii", to.member,
                             from.member);
    if (rc == PATRON_OK) /* the cache may hold those accounts (merges are rare) */
        patron__account_cache_clear(db);
    if (rc == PATRON_OK)
        rc = patron__account_store(db, &to);
    patron__lots_free(&l);
    if (rc == PATRON_OK)
        *moved = total;
    return rc;
}

/* A merge covers every program the merged member joined: in each, its lots
 * move to the survivor's account there (opened if the survivor had not
 * joined that program: the merge makes it a member). *moved: the default
 * program's points (what merges.points_moved records). */
typedef struct merge_ctx {
    int64_t to, from, at, merge_id, moved;
} merge_ctx;

static int merge_in_program(patron_db *db, void *ctx)
{
    merge_ctx *m = ctx;
    int64_t program = patron__program_id(db), base = patron__program_base(program), moved = 0;
    int rc = patron__program_enter(db, program, m->to, m->at);
    if (rc == PATRON_OK)
        rc = merge_accounts(db, base + m->to, base + m->from, m->at, m->merge_id, &moved);
    return rc;
}

int patron__ledger_merge(patron_db *db, int64_t to_id, int64_t from_id, int64_t at, int64_t merge_id, int64_t *moved)
{
    int rc = merge_accounts(db, to_id, from_id, at, merge_id, moved);
    int64_t *programs = NULL;
    size_t n = 0;
    if (rc == PATRON_OK)
        rc = patron__program_joined(db, from_id, &programs, &n);
    merge_ctx m = {to_id, from_id, at, merge_id, 0};
    for (size_t i = 0; i < n && rc == PATRON_OK; i++)
        rc = patron__program_with(db, programs[i], merge_in_program, &m);
    patron__free(programs);
    return rc;
}
