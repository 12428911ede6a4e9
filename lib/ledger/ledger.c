/* The points ledger (see include/patron/ledger.h for the model). */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/options.h"
#include "internal/profile_int.h"
#include "internal/store.h"
#include "ledger_int.h"
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
    char v[96];
    snprintf(v, sizeof v, "%d %d %lld %lld", p.expiry_months, p.expiry_end_of_month != 0, (long long)p.hold_seconds,
             (long long)p.overdraft_limit);
    if ((rc = patron__tx_begin(db)))
        return rc;
    rc = patron__tx_end(db, patron__setting_set(db, "ledger_policy", v));
    if (rc == PATRON_OK) {
        db->policy_loaded = 1;
        db->policy_epoch = db->write_epoch;
        db->policy_months = p.expiry_months;
        db->policy_eom = p.expiry_end_of_month != 0;
        db->policy_hold = p.hold_seconds;
        db->policy_overdraft = p.overdraft_limit;
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
    db->policy_loaded = 0; /* read what is stored now, whoever wrote it */
    if ((rc = patron__ledger_policy_load(db)))
        return rc;
    policy->expiry_months = db->policy_months;
    policy->expiry_end_of_month = db->policy_eom;
    policy->hold_seconds = db->policy_hold;
    if (policy->size >= v1 + sizeof policy->overdraft_limit)
        policy->overdraft_limit = db->policy_overdraft;
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

static int check_text(const char *what, const char *s, size_t max)
{
    if (s && strlen(s) > max)
        return patron__fail(PATRON_EINVAL, "%s: longer than %zu bytes", what, max);
    return PATRON_OK;
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
    if (!r->key || !r->key[0] || strlen(r->key) > KEY_MAX)
        return patron__fail(PATRON_EINVAL, "%s: key is required (1..%d bytes)", func, KEY_MAX);
    if ((rc = check_text("reason", r->reason, 500)) || (rc = check_text("operator_name", r->operator_name, 200)) ||
        (rc = check_text("ref", r->ref, 200)) || (rc = check_text("rule", r->rule, 200)))
        return rc;
    if ((rc = patron__time_check(func, "at", r->at)))
        return rc;
    if (r->mature_at && (rc = patron__time_check(func, "mature_at", r->mature_at)))
        return rc;
    if (r->expires_at && r->expires_at != PATRON_NEVER && (rc = patron__time_check(func, "expires_at", r->expires_at)))
        return rc;
    return PATRON_OK;
}

/* Replay lookup: 1 = replayed (result filled), 0 = new key, <0 error. */
static int replay(patron_db *db, patron_posting_result *res, const char *key, int64_t fp)
{
    static const char sql[] = "SELECT id, fp, points, kind FROM postings WHERE key = ?";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "t", key);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    if (rc != PATRON__ROW) {
        patron__sql_done(db, st);
        return rc;
    }
    int64_t id = patron__sql_col_int(db, st, 0), sfp = patron__sql_col_int(db, st, 1);
    int64_t pts = patron__sql_col_int(db, st, 2);
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
 * `prefer` first). Lots expired by `at` are expired first, explicitly.
 * `overdraft`: the program's overdraft may cover what the lots lack. */
static int debit_plan_make(patron_db *db, account *a, debit_plan *d, int64_t points, int64_t at, int64_t prefer,
                           int overdraft, int64_t limit_at)
{
    int rc = patron__ledger_policy_load(db);
    /* FIFO reads only the oldest lots it needs, unless lots expire by `at`
     * (all are checked) or the posting's own lots go first */
    int64_t need = points;
    if (__builtin_add_overflow(points, a->debt, &need) || a->next_expiry <= at || prefer)
        need = -1;
    d->complete = need < 0;
    if (rc == PATRON_OK)
        rc = patron__lots_fifo(db, a, &d->lots, need, at);
    if (rc == PATRON_OK)
        rc = patron__expire_lots(db, a, &d->lots, at, NULL, NULL);
    if (rc == PATRON_OK && a->debt > 0)
        rc = patron__plan_take(&d->lots, &d->settle, a->debt, at, 0);
    if (rc == PATRON_OK)
        rc = patron__plan_take(&d->lots, &d->take, points, at, prefer);
    if (rc || d->take.total == points)
        return rc;
    /* The limit bounds the balance the member sees when the debit counts
     * (its effective time `limit_at`), not the debt: points credited but
     * still pending may have repaid a debt without being available. */
    int64_t limit = overdraft ? db->policy_overdraft : 0, seen = a->total, pending = 0, after;
    if (limit > 0 && limit_at < a->pending_until && (rc = patron__ledger_posted(db, a->member, limit_at, &seen, &pending)))
        return rc;
    if (limit > 0 && !__builtin_sub_overflow(seen, points, &after) && after >= -limit) {
        d->shortfall = points - d->take.total;
        return PATRON_OK;
    }
    if (limit > 0)
        return patron__fail(PATRON_EBALANCE,
                            "member %" PRId64 " has %" PRId64 " points at %" PRId64 "; %" PRId64
                            " needed would pass the overdraft limit of %" PRId64,
                            a->member, seen, limit_at, points, limit);
    int64_t available = d->settle.total + d->take.total - a->debt;
    return patron__fail(PATRON_EBALANCE,
                        "member %" PRId64 " has %" PRId64 " points available at %" PRId64 "; %" PRId64 " needed",
                        a->member, available, at, points);
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

static int credit(patron_db *db, patron_posting_result *res, const patron_posting_request *r, int kind, int64_t fp)
{
    account a;
    int rc = patron__account_open(db, &a, r->member_id, 0);
    if (rc == PATRON_OK)
        rc = patron__ledger_policy_load(db);
    if (rc)
        return rc;
    int64_t mature = r->mature_at ? r->mature_at : r->at + db->policy_hold;
    if (mature < r->at)
        return patron__fail(PATRON_EINVAL, "mature_at %" PRId64 " is before at %" PRId64, mature, r->at);
    int64_t expires = r->expires_at ? r->expires_at : patron__ledger_policy_expiry(db, r->at);
    if (expires <= mature)
        return patron__fail(PATRON_EINVAL, "expires_at %" PRId64 " is not after maturity %" PRId64, expires, mature);
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
        /* An earn writes its posting row first, so the UNIQUE key makes the
         * idempotency check: only a failure (a used key, or a request that
         * a new posting could not satisfy) pays for the replay lookup. A
         * failed earn wrote nothing. */
        int64_t before = db->vt->total_changes(db->impl);
        rc = fn(db, &res, r, fp);
        if (rc != PATRON_OK && db->vt->total_changes(db->impl) == before) {
            int rp = replay(db, &res, r->key, fp);
            rc = rp == 1 ? PATRON_OK : rp < 0 ? rp : rc;
        }
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

int patron_ledger_earn(patron_db *db, patron_posting_result *result, const patron_posting_request *req)
{
    patron_posting_request r;
    int rc = read_request(db, &r, req, "patron_ledger_earn");
    if (rc)
        return rc;
    if (r.points <= 0)
        return patron__fail(PATRON_EINVAL, "earn '%s': points must be > 0 (got %" PRId64 ")", r.key, r.points);
    if (r.spend < 0)
        return patron__fail(PATRON_EINVAL, "earn '%s': spend must be >= 0", r.key);
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

/* `points` of lot `x` arrive for `to` with posting `in_id`: a lot of their
 * own keeping x's expiry (and, with keep_times, its earning and maturity
 * times; else they count from `at`). */
static int receive_lot(patron_db *db, account *to, int64_t in_id, const lot *x, int64_t points, int keep_times,
                       int64_t at)
{
    int64_t ref;
    int rc = patron__lot_create(db, &ref, to->member, in_id, x->source, points, keep_times ? x->earned_at : at,
                                keep_times ? x->available_at : at, x->expires_at);
    if (rc == PATRON_OK && x->expires_at < to->next_expiry)
        to->next_expiry = x->expires_at;
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
    /* one lot per lot the points came from */
    for (size_t i = 0; i < d.take.n && rc == PATRON_OK; i++)
        rc = receive_lot(db, &to, in_id, &d.lots.v[d.take.v[i].lot], d.take.v[i].take, 0, r->at);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "UPDATE postings SET target = ? WHERE id = ?", "ii", in_id, out_id);
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

typedef struct restore_piece {
    int64_t lot, points;
} restore_piece;

/* Where a redeem's points go back: its moves, newest first, after what
 * earlier reversals (which undid the same moves in the same order) gave back. */
static int restore_plan(patron_db *db, restore_piece **out, size_t *n, int64_t target, int64_t already,
                        int64_t amount)
{
    static const char sql[] = "SELECT lot_id, delta FROM moves WHERE posting_id = ? ORDER BY rowid DESC";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "i", target);
    if (rc)
        return rc;
    size_t cap = 0;
    int64_t skip = already, need = amount;
    while (need > 0 && (rc = patron__sql_step(db, st)) == PATRON__ROW) {
        int64_t lot_ref = patron__sql_col_int(db, st, 0), given = -patron__sql_col_int(db, st, 1);
        if (given <= 0)
            continue;
        int64_t s = given < skip ? given : skip;
        skip -= s;
        given -= s;
        int64_t t = given < need ? given : need;
        if (t <= 0)
            continue;
        if (patron__grow(out, &cap, *n + 1, sizeof **out)) {
            rc = patron__oom();
            break;
        }
        (*out)[(*n)++] = (restore_piece){lot_ref, t};
        need -= t;
    }
    patron__sql_done(db, st);
    if (rc < 0)
        return rc;
    if (need > 0)
        return patron__fail(PATRON_ECORRUPT, "the lot movements of posting %" PRId64 " do not cover %" PRId64 " points",
                            target, amount);
    return PATRON_OK;
}

static int lot_read(patron_db *db, int64_t ref, int64_t *member, lot *x)
{
    static const char own[] =
        "SELECT p.member_id, coalesce(s.remaining, p.points), p.lot_earned_at, p.effective_at, p.lot_expires_at, "
        "coalesce(p.lot_source, p.id), p.id FROM postings p LEFT JOIN lot_state s ON s.lot_id = p.id "
        "WHERE p.id = ? AND p.lot_expires_at IS NOT NULL";
    static const char row[] =
        "SELECT l.member_id, coalesce(s.remaining, l.initial), l.earned_at, l.available_at, l.expires_at, "
        "l.source_posting, l.posting_id FROM lots l LEFT JOIN lot_state s ON s.lot_id = -l.id WHERE l.id = ?";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, ref > 0 ? own : row, "i", ref > 0 ? ref : -ref);
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

/* Give a redeem's (or negative adjustment's) points back where they came
 * from: into the same lots (keeping their expiry), back against the debt
 * for points that were an overdraft. */
static int reverse_debit(patron_db *db, account *a, int64_t *pid, const patron_posting_request *r, int64_t fp,
                         int64_t amount, int64_t already)
{
    restore_piece *pc = NULL;
    size_t n = 0;
    int rc = restore_plan(db, &pc, &n, r->target, already, amount);
    posting_row p = {r->key, fp, PATRON_POSTING_REVERSE, amount, r->at, r->at, r->target, 0, 0, NULL, r->reason,
                     r->operator_name, r->ref, 0, 0, 0};
    if (rc == PATRON_OK)
        rc = patron__posting_append(db, a, pid, &p);
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
        if ((rc = lot_read(db, pc[i].lot, &member, &x)))
            break;
        if (member == a->member) {
            rc = patron__lot_move(db, a, *pid, &x, t, x.remaining + t);
        } else {
            /* the lot's member was merged away: restore into a new lot */
            rc = patron__lot_create(db, &ref, a->member, *pid, x.source, t, x.earned_at, x.available_at, x.expires_at);
        }
        if (x.expires_at < a->next_expiry)
            a->next_expiry = x.expires_at;
    }
    patron__free(pc);
    if (rc)
        return rc;
    /* points restored into lots that have expired meanwhile expire now, explicitly */
    if (a->next_expiry > r->at)
        return PATRON_OK;
    lot_list l = {0};
    rc = patron__lots_open(db, a, &l);
    if (rc == PATRON_OK)
        rc = patron__expire_lots(db, a, &l, r->at, NULL, NULL);
    patron__lots_free(&l);
    return rc;
}

static int reverse_fn(patron_db *db, patron_posting_result *res, const patron_posting_request *r, int64_t fp)
{
    static const char tsql[] = "SELECT member_id, kind, points, effective_at FROM postings WHERE id = ?";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, tsql, "i", r->target);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    if (rc != PATRON__ROW) {
        patron__sql_done(db, st);
        return rc < 0 ? rc : patron__fail(PATRON_ENOTFOUND, "reverse '%s': posting %" PRId64 " not found", r->key, r->target);
    }
    int64_t tmember = patron__sql_col_int(db, st, 0), tkind = patron__sql_col_int(db, st, 1);
    int64_t tpoints = patron__sql_col_int(db, st, 2), teff = patron__sql_col_int(db, st, 3);
    patron__sql_done(db, st);
    if (tkind != PATRON_POSTING_EARN && tkind != PATRON_POSTING_REDEEM && tkind != PATRON_POSTING_ADJUST)
        return patron__fail(PATRON_EINVAL, "reverse '%s': posting %" PRId64 " is a %s posting, which cannot be reversed",
                            r->key, r->target,
                            tkind == PATRON_POSTING_EXPIRE ? "expire" : tkind == PATRON_POSTING_REVERSE ? "reverse" : "transfer");
    int64_t reversed = 0;
    if ((rc = patron__sql_int(db, &reversed, 0, "SELECT coalesce(sum(points), 0) FROM postings WHERE target = ? AND kind = 5",
                              "i", r->target)))
        return rc;
    int64_t magnitude = tpoints > 0 ? tpoints : -tpoints;
    int64_t already = reversed > 0 ? reversed : -reversed;
    int64_t left = magnitude - already;
    if (left <= 0)
        return patron__fail(PATRON_ECONFLICT, "reverse '%s': posting %" PRId64 " is already fully reversed", r->key, r->target);
    int64_t amount = r->points ? r->points : left;
    if (amount > left)
        return patron__fail(PATRON_EINVAL, "reverse '%s': %" PRId64 " points requested but only %" PRId64
                                           " of posting %" PRId64 " are left to reverse", r->key, amount, left, r->target);
    account a;
    if ((rc = patron__account_open(db, &a, tmember, 0)) || (rc = patron__ledger_policy_load(db)))
        return rc;
    int64_t pid = 0;
    rc = tpoints > 0 ? reverse_credit(db, &a, &pid, r, fp, amount, teff)
                     : reverse_debit(db, &a, &pid, r, fp, amount, already);
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
        "SELECT member_id FROM accounts WHERE next_expiry <= ? AND next_expiry < 9223372036854775807 ORDER BY member_id";
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "i", at);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        if (patron__grow(&ids, &cap, n + 1, sizeof *ids)) {
            rc = patron__oom();
            break;
        }
        ids[n++] = patron__sql_col_int(db, st, 0);
    }
    patron__sql_done(db, st);
    rc = rc < 0 ? rc : PATRON_OK;
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

int patron__ledger_merge(patron_db *db, int64_t to_id, int64_t from_id, int64_t at, int64_t merge_id, int64_t *moved)
{
    account to, from;
    int rc = patron__account_load(db, &to, to_id);
    if (rc == PATRON_OK)
        rc = patron__account_load(db, &from, from_id);
    if (rc)
        return rc == PATRON_ENOTFOUND ? patron__fail(PATRON_ECORRUPT, "merge: a member has no ledger account") : rc;
    char reason[64];
    snprintf(reason, sizeof reason, "merge %" PRId64, merge_id);
    /* one pair of postings per open lot, each lot keeping its times */
    lot_list l = {0};
    rc = patron__lots_open(db, &from, &l);
    int64_t total = 0;
    for (size_t i = 0; i < l.n && rc == PATRON_OK; i++) {
        lot *x = &l.v[i];
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
        if (rc == PATRON_OK)
            rc = receive_lot(db, &to, in_id, x, take, 1, at);
        if (rc == PATRON_OK)
            rc = patron__sql_run(db, "UPDATE postings SET target = ? WHERE id = ?", "ii", in_id, out_id);
        total += take;
    }
    if (rc == PATRON_OK && from.debt > 0) {
        /* what the merged member owes, the survivor owes */
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
    if (rc == PATRON_OK) {
        patron__lots_refresh(&from, &l, 1);
        from.merged = 1;
        rc = patron__account_store(db, &from);
    }
    if (rc == PATRON_OK)
        rc = patron__account_store(db, &to);
    patron__lots_free(&l);
    if (rc == PATRON_OK)
        *moved = total;
    return rc;
}
