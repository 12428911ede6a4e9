/* The points ledger (see include/patron/ledger.h for the model). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/options.h"
#include "internal/profile_int.h"
#include "internal/store.h"
#include "patron/ledger.h"

#define KEY_MAX 200

/* ---- policy ------------------------------------------------------------- */

static int load_policy(patron_db *db)
{
    if (db->policy_loaded)
        return PATRON_OK;
    char *v = NULL;
    int rc = patron__setting_get(db, "ledger_policy", &v);
    if (rc)
        return rc;
    int months = 0, eom = 0;
    long long hold = 0;
    if (v && sscanf(v, "%d %d %lld", &months, &eom, &hold) != 3) {
        patron__free(v);
        return patron__fail(PATRON_ECORRUPT, "stored ledger policy is unreadable");
    }
    patron__free(v);
    db->policy_months = months;
    db->policy_eom = eom;
    db->policy_hold = hold;
    db->policy_loaded = 1;
    return PATRON_OK;
}

int patron_ledger_set_policy(patron_db *db, const patron_ledger_policy *policy)
{
    int rc = patron__db_check(db, "patron_ledger_set_policy");
    if (rc)
        return rc;
    if (!policy)
        return patron__fail(PATRON_EINVAL, "patron_ledger_set_policy: policy is NULL");
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    if ((rc = patron__options_copy(&p, sizeof p, policy, sizeof p, "patron_ledger_policy")))
        return rc;
    if (p.expiry_months < 0 || p.expiry_months > 1200 || p.hold_seconds < 0 || p.hold_seconds > 10LL * 366 * 86400)
        return patron__fail(PATRON_EINVAL, "ledger policy: expiry_months %d (0..1200) or hold_seconds %" PRId64
                                           " (0..10 years) out of range", p.expiry_months, p.hold_seconds);
    char v[64];
    snprintf(v, sizeof v, "%d %d %lld", p.expiry_months, p.expiry_end_of_month != 0, (long long)p.hold_seconds);
    if ((rc = patron__tx_begin(db)))
        return rc;
    rc = patron__tx_end(db, patron__setting_set(db, "ledger_policy", v));
    if (rc == PATRON_OK) {
        db->policy_loaded = 1;
        db->policy_months = p.expiry_months;
        db->policy_eom = p.expiry_end_of_month != 0;
        db->policy_hold = p.hold_seconds;
    }
    return rc;
}

int patron_ledger_get_policy(patron_db *db, patron_ledger_policy *policy)
{
    int rc = patron__db_check(db, "patron_ledger_get_policy");
    if (rc)
        return rc;
    if (!policy || policy->size < sizeof *policy)
        return patron__fail(PATRON_EINVAL, "patron_ledger_get_policy: policy NULL or size not set");
    if ((rc = load_policy(db)))
        return rc;
    policy->expiry_months = db->policy_months;
    policy->expiry_end_of_month = db->policy_eom;
    policy->hold_seconds = db->policy_hold;
    return PATRON_OK;
}

static int64_t policy_expiry(patron_db *db, int64_t earned_at)
{
    if (db->policy_months == 0)
        return PATRON_NEVER;
    return db->policy_eom ? patron__end_of_month_after(earned_at, db->policy_months)
                          : patron__add_months(earned_at, db->policy_months);
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
    if (r->at < 0 || r->at >= PATRON_NEVER)
        return patron__fail(PATRON_EINVAL, "%s: at %" PRId64 " is out of range", func, r->at);
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

/* ---- primitives --------------------------------------------------------- */

typedef struct posting_row {
    const char *key;
    int64_t fp, member, kind, points, at, eff, target, spend, rule_version;
    const char *rule, *reason, *op, *ref;
} posting_row;

static int insert_posting_only(patron_db *db, int64_t *id, const posting_row *p)
{
    static const char sql[] =
        "INSERT INTO postings(key, fp, member_id, kind, points, at, effective_at, target, spend, rule, "
        "rule_version, reason, operator, ref) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "tiiiiiiiitittt", p->key, p->fp, p->member, p->kind, p->points, p->at,
                              p->eff, p->target, p->spend, p->rule, p->rule_version, p->reason, p->op, p->ref);
    if (rc)
        return rc;
    if (!p->target)
        db->vt->bind_null(st, 8);
    if (!p->spend)
        db->vt->bind_null(st, 9);
    if (!p->rule)
        db->vt->bind_null(st, 11);
    rc = patron__sql_step(db, st);
    patron__sql_done(db, st);
    if (rc < 0)
        return rc;
    *id = patron__sql_last_id(db);
    return PATRON_OK;
}

static int insert_posting(patron_db *db, int64_t *id, const posting_row *p)
{
    int rc = insert_posting_only(db, id, p);
    if (rc)
        return rc;
    /* the account cache: total, latest effective time */
    return patron__sql_run(db, "UPDATE members SET total = total + ?, pending_until = max(pending_until, ?) WHERE id = ?",
                           "iii", p->points, p->eff, p->member);
}

static int create_lot(patron_db *db, int64_t member, int64_t posting, int64_t source, int64_t points,
                      int64_t earned_at, int64_t available_at, int64_t expires_at)
{
    int rc = patron__sql_run(db,
                             "INSERT INTO lots(member_id, posting_id, source_posting, initial, remaining, earned_at, "
                             "available_at, expires_at) VALUES(?,?,?,?,?,?,?,?)",
                             "iiiiiiii", member, posting, source, points, points, earned_at, available_at, expires_at);
    if (rc)
        return rc;
    return patron__sql_run(db, "UPDATE members SET next_expiry = min(next_expiry, ?) WHERE id = ?", "ii", expires_at,
                           member);
}

static int refresh_next_expiry(patron_db *db, int64_t member)
{
    return patron__sql_run(db,
                           "UPDATE members SET next_expiry = coalesce((SELECT min(expires_at) FROM lots "
                           "WHERE member_id = ?1 AND remaining > 0), 9223372036854775807) WHERE id = ?1",
                           "i", member);
}

static int move(patron_db *db, int64_t posting, int64_t lot, int64_t delta)
{
    int rc = patron__sql_run(db, "UPDATE lots SET remaining = remaining + ? WHERE id = ?", "ii", delta, lot);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "INSERT INTO moves(posting_id, lot_id, delta) VALUES(?,?,?)", "iii", posting, lot,
                             delta);
    return rc;
}

typedef struct lot_take {
    int64_t lot, take, earned_at, available_at, expires_at, source;
    int emptied; /* plan_take: the take leaves the lot at 0 */
} lot_take;

typedef struct take_list {
    lot_take *v;
    size_t n, cap;
    int64_t total;
} take_list;

static int take_push(take_list *l, const lot_take *t)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        lot_take *nv = patron__reallocarray(l->v, cap, sizeof *nv);
        if (!nv)
            return patron__oom();
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = *t;
    l->total += t->take;
    return PATRON_OK;
}

/* Plan which lots give `amount` points: lots of `prefer` (source posting)
 * first, then FIFO among lots usable at `at`. */
static int plan_take(patron_db *db, take_list *l, int64_t member, int64_t amount, int64_t at, int64_t prefer)
{
    static const char pref_sql[] =
        "SELECT id, remaining, earned_at, available_at, expires_at, source_posting FROM lots "
        "WHERE member_id = ?2 AND remaining > 0 AND source_posting = ?1 AND expires_at > ?3 ORDER BY id";
    static const char fifo_sql[] =
        "SELECT id, remaining, earned_at, available_at, expires_at, source_posting FROM lots "
        "WHERE member_id = ? AND remaining > 0 AND available_at <= ? AND expires_at > ? ORDER BY earned_at, id";
    for (int pass = prefer ? 0 : 1; pass < 2 && l->total < amount; pass++) {
        patron__stmt *st;
        int rc = pass == 0 ? patron__sql_bind(db, &st, pref_sql, "iii", prefer, member, at)
                           : patron__sql_bind(db, &st, fifo_sql, "iii", member, at, at);
        if (rc)
            return rc;
        while (l->total < amount && (rc = patron__sql_step(db, st)) == PATRON__ROW) {
            lot_take t = {patron__sql_col_int(db, st, 0), patron__sql_col_int(db, st, 1),
                          patron__sql_col_int(db, st, 2), patron__sql_col_int(db, st, 3),
                          patron__sql_col_int(db, st, 4), patron__sql_col_int(db, st, 5), 0};
            int dup = 0;
            for (size_t i = 0; i < l->n; i++)
                dup |= l->v[i].lot == t.lot;
            if (dup)
                continue;
            t.emptied = t.take <= amount - l->total;
            if (t.take > amount - l->total)
                t.take = amount - l->total;
            if ((rc = take_push(l, &t)))
                break;
        }
        patron__sql_done(db, st);
        if (rc < 0)
            return rc;
    }
    return PATRON_OK;
}

static int take_apply(patron_db *db, const take_list *l, int64_t posting)
{
    int rc = PATRON_OK;
    for (size_t i = 0; i < l->n && rc == PATRON_OK; i++)
        rc = move(db, posting, l->v[i].lot, -l->v[i].take);
    return rc;
}

static int insufficient(patron_db *db, int64_t member, int64_t have, int64_t need, int64_t at)
{
    (void)db;
    return patron__fail(PATRON_EBALANCE,
                        "member %" PRId64 " has %" PRId64 " points available at %" PRId64 "; %" PRId64 " needed",
                        member, have, at, need);
}

/* Write expire postings for `member`'s lots expired by `at` (member = 0: all). */
static int expire_due(patron_db *db, int64_t member, int64_t at, int64_t *npost, int64_t *npoints)
{
    static const char all_sql[] =
        "SELECT id, member_id, remaining, expires_at FROM lots WHERE remaining > 0 AND expires_at <= ? "
        "AND expires_at < 9223372036854775807 ORDER BY expires_at, id";
    static const char one_sql[] =
        "SELECT id, member_id, remaining, expires_at FROM lots WHERE member_id = ? AND remaining > 0 "
        "AND expires_at <= ? AND expires_at < 9223372036854775807 ORDER BY expires_at, id";
    if (member) {
        int64_t next = 0;
        int rc = patron__sql_int(db, &next, PATRON_NEVER, "SELECT next_expiry FROM members WHERE id = ?", "i", member);
        if (rc)
            return rc == PATRON_ENOTFOUND ? PATRON_OK : rc;
        if (next > at)
            return PATRON_OK;
    }
    take_list l = {0};
    patron__stmt *st;
    int rc = member ? patron__sql_bind(db, &st, one_sql, "ii", member, at)
                    : patron__sql_bind(db, &st, all_sql, "i", at);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        /* reuse lot_take: source = member, earned_at = expiry */
        lot_take t = {patron__sql_col_int(db, st, 0), patron__sql_col_int(db, st, 2), patron__sql_col_int(db, st, 3),
                      0, 0, patron__sql_col_int(db, st, 1), 0};
        if ((rc = take_push(&l, &t)))
            break;
    }
    patron__sql_done(db, st);
    if (rc < 0) {
        patron__free(l.v);
        return rc;
    }
    rc = PATRON_OK;
    for (size_t i = 0; i < l.n && rc == PATRON_OK; i++) {
        posting_row p = {NULL, 0, l.v[i].source, PATRON_POSTING_EXPIRE, -l.v[i].take, at, l.v[i].earned_at,
                         0, 0, 0, NULL, "expired", NULL, NULL};
        int64_t pid;
        rc = insert_posting(db, &pid, &p);
        if (rc == PATRON_OK)
            rc = move(db, pid, l.v[i].lot, -l.v[i].take);
        if (rc == PATRON_OK && (i + 1 == l.n || l.v[i + 1].source != l.v[i].source))
            rc = refresh_next_expiry(db, l.v[i].source);
    }
    if (rc == PATRON_OK && member == 0) {
        /* refresh every member touched (covered above when sorted per member; be safe) */
        for (size_t i = 0; i < l.n && rc == PATRON_OK; i++)
            rc = refresh_next_expiry(db, l.v[i].source);
    }
    if (rc == PATRON_OK) {
        if (npost)
            *npost += (int64_t)l.n;
        if (npoints)
            *npoints += l.total;
    }
    patron__free(l.v);
    return rc;
}

/* ---- postings ----------------------------------------------------------- */

static int credit(patron_db *db, patron_posting_result *res, const patron_posting_request *r, int kind, int64_t fp)
{
    int64_t member;
    int rc = patron__member_resolve(db, &member, r->member_id, 0);
    if (rc)
        return rc;
    if ((rc = load_policy(db)))
        return rc;
    int64_t mature = r->mature_at ? r->mature_at : r->at + db->policy_hold;
    if (mature < r->at)
        return patron__fail(PATRON_EINVAL, "mature_at %" PRId64 " is before at %" PRId64, mature, r->at);
    int64_t expires = r->expires_at ? r->expires_at : policy_expiry(db, r->at);
    if (expires <= mature)
        return patron__fail(PATRON_EINVAL, "expires_at %" PRId64 " is not after maturity %" PRId64, expires, mature);
    posting_row p = {r->key, fp, member, kind, r->points, r->at, mature, 0, r->spend, r->rule_version,
                     r->rule, r->reason, r->operator_name, r->ref};
    int64_t pid;
    if ((rc = insert_posting_only(db, &pid, &p)))
        return rc;
    rc = patron__sql_run(db,
                         "INSERT INTO lots(member_id, posting_id, source_posting, initial, remaining, earned_at, "
                         "available_at, expires_at) VALUES(?1, ?2, ?2, ?3, ?3, ?4, ?5, ?6)",
                         "iiiiii", member, pid, r->points, r->at, mature, expires);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "UPDATE members SET total = total + ?, pending_until = max(pending_until, ?), "
                                 "next_expiry = min(next_expiry, ?) WHERE id = ?",
                             "iiii", r->points, mature, expires, member);
    if (rc)
        return rc;
    res->posting_id = pid;
    res->points = r->points;
    res->replayed = 0;
    return PATRON_OK;
}

static int debit(patron_db *db, patron_posting_result *res, const patron_posting_request *r, int kind, int64_t fp,
                 int64_t points, int64_t *member_out, take_list *l)
{
    int64_t member;
    int rc = patron__member_resolve(db, &member, r->member_id, 0);
    if (rc)
        return rc;
    if ((rc = expire_due(db, member, r->at, NULL, NULL)))
        return rc;
    if ((rc = plan_take(db, l, member, points, r->at, 0)))
        return rc;
    if (l->total < points)
        return insufficient(db, member, l->total, points, r->at);
    posting_row p = {r->key, fp, member, kind, -points, r->at, r->at, 0, 0, 0, NULL, r->reason, r->operator_name,
                     r->ref};
    int64_t pid;
    if ((rc = insert_posting(db, &pid, &p)) || (rc = take_apply(db, l, pid)))
        return rc;
    /* The expiry cache is the earliest expiry of the member's open lots: only
     * emptying a lot that expires can move it (never-expiring lots, the
     * default policy, spare a scan of the member's open lots). */
    int refresh = 0;
    for (size_t i = 0; i < l->n; i++)
        refresh |= l->v[i].emptied && l->v[i].expires_at != PATRON_NEVER;
    if (refresh && (rc = refresh_next_expiry(db, member)))
        return rc;
    res->posting_id = pid;
    res->points = -points;
    res->replayed = 0;
    *member_out = member;
    return PATRON_OK;
}

typedef int (*post_fn)(patron_db *db, patron_posting_result *res, const patron_posting_request *r, int64_t fp);

static int run_posting(patron_db *db, patron_posting_result *result, const patron_posting_request *r, int kind,
                       post_fn fn)
{
    int64_t fp = fingerprint(kind, r);
    /* earn checks everything before its first write: no savepoint needed */
    int light = kind == PATRON_POSTING_EARN;
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
    take_list l = {0};
    int64_t member;
    int rc = debit(db, res, r, PATRON_POSTING_REDEEM, fp, r->points, &member, &l);
    patron__free(l.v);
    return rc;
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
    take_list l = {0};
    int64_t member;
    int rc = debit(db, res, r, PATRON_POSTING_ADJUST, fp, -r->points, &member, &l);
    patron__free(l.v);
    return rc;
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

static int transfer_fn(patron_db *db, patron_posting_result *res, const patron_posting_request *r, int64_t fp)
{
    int64_t to;
    int rc = patron__member_resolve(db, &to, r->target, 1);
    if (rc)
        return patron__fail_prefix(rc, "transfer target: ");
    int64_t from;
    if ((rc = patron__member_resolve(db, &from, r->member_id, 1)))
        return rc;
    if (from == to)
        return patron__fail(PATRON_EINVAL, "transfer '%s': sender and receiver are the same member %" PRId64, r->key,
                            from);
    take_list l = {0};
    int64_t member;
    rc = debit(db, res, r, PATRON_POSTING_TRANSFER_OUT, fp, r->points, &member, &l);
    int64_t in_id = 0;
    if (rc == PATRON_OK) {
        posting_row p = {NULL, fp, to, PATRON_POSTING_TRANSFER_IN, r->points, r->at, r->at, res->posting_id, 0, 0,
                         NULL, r->reason, r->operator_name, r->ref};
        rc = insert_posting(db, &in_id, &p);
    }
    for (size_t i = 0; i < l.n && rc == PATRON_OK; i++)
        rc = create_lot(db, to, in_id, l.v[i].source, l.v[i].take, r->at, r->at, l.v[i].expires_at);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "UPDATE postings SET target = ? WHERE id = ?", "ii", in_id, res->posting_id);
    patron__free(l.v);
    return rc;
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
    int64_t left = magnitude - (reversed > 0 ? reversed : -reversed);
    if (left <= 0)
        return patron__fail(PATRON_ECONFLICT, "reverse '%s': posting %" PRId64 " is already fully reversed", r->key, r->target);
    int64_t amount = r->points ? r->points : left;
    if (amount > left)
        return patron__fail(PATRON_EINVAL, "reverse '%s': %" PRId64 " points requested but only %" PRId64
                                           " of posting %" PRId64 " are left to reverse", r->key, amount, left, r->target);
    int64_t member;
    if ((rc = patron__member_resolve(db, &member, tmember, 0)))
        return rc;
    if ((rc = expire_due(db, member, r->at, NULL, NULL)))
        return rc;
    int64_t pid;
    if (tpoints > 0) {
        /* take back earned points: own lot first, then FIFO */
        take_list l = {0};
        rc = plan_take(db, &l, member, amount, r->at, r->target);
        if (rc == PATRON_OK && l.total < amount)
            rc = insufficient(db, member, l.total, amount, r->at);
        /* still pending (a return inside the window): effective at maturity */
        int pending = teff > r->at;
        for (size_t i = 0; i < l.n && rc == PATRON_OK; i++)
            if (l.v[i].available_at > r->at && l.v[i].source != r->target)
                pending = 0;
        if (rc == PATRON_OK) {
            posting_row p = {r->key, fp, member, PATRON_POSTING_REVERSE, -amount, r->at, pending ? teff : r->at,
                             r->target, 0, 0, NULL, r->reason, r->operator_name, r->ref};
            rc = insert_posting(db, &pid, &p);
        }
        if (rc == PATRON_OK)
            rc = take_apply(db, &l, pid);
        if (rc == PATRON_OK)
            rc = refresh_next_expiry(db, member);
        patron__free(l.v);
        if (rc)
            return rc;
        res->points = -amount;
    } else {
        /* give spent points back to the lots they came from, newest first */
        static const char msql[] =
            "SELECT m.lot_id, -m.delta - coalesce((SELECT sum(x.delta) FROM moves x JOIN postings rp ON rp.id = x.posting_id "
            "WHERE rp.target = ?1 AND rp.kind = 5 AND x.lot_id = m.lot_id), 0), l.member_id, l.earned_at, l.available_at, "
            "l.expires_at, l.source_posting FROM moves m JOIN lots l ON l.id = m.lot_id WHERE m.posting_id = ?1 "
            "ORDER BY m.rowid DESC";
        take_list l = {0};
        rc = patron__sql_bind(db, &st, msql, "i", r->target);
        if (rc)
            return rc;
        int64_t need = amount;
        while (need > 0 && (rc = patron__sql_step(db, st)) == PATRON__ROW) {
            lot_take t = {patron__sql_col_int(db, st, 0), patron__sql_col_int(db, st, 1), patron__sql_col_int(db, st, 3),
                          patron__sql_col_int(db, st, 4), patron__sql_col_int(db, st, 5), patron__sql_col_int(db, st, 6), 0};
            int64_t lot_member = patron__sql_col_int(db, st, 2);
            if (t.take <= 0)
                continue;
            if (t.take > need)
                t.take = need;
            if (lot_member != member)
                t.lot = 0; /* the lot's member was merged away: restore into a new lot */
            if ((rc = take_push(&l, &t)))
                break;
            need -= t.take;
        }
        patron__sql_done(db, st);
        if (rc >= 0 && need > 0)
            rc = patron__fail(PATRON_ECORRUPT, "reverse '%s': the lot movements of posting %" PRId64 " do not cover %" PRId64
                                               " points", r->key, r->target, amount);
        if (rc >= 0) {
            posting_row p = {r->key, fp, member, PATRON_POSTING_REVERSE, amount, r->at, r->at, r->target, 0, 0, NULL,
                             r->reason, r->operator_name, r->ref};
            rc = insert_posting(db, &pid, &p);
        }
        for (size_t i = 0; i < l.n && rc == PATRON_OK; i++) {
            if (l.v[i].lot)
                rc = move(db, pid, l.v[i].lot, l.v[i].take);
            else
                rc = create_lot(db, member, pid, l.v[i].source, l.v[i].take, l.v[i].earned_at, l.v[i].available_at,
                                l.v[i].expires_at);
        }
        if (rc == PATRON_OK)
            rc = refresh_next_expiry(db, member);
        /* points restored into lots that have expired meanwhile expire now, explicitly */
        if (rc == PATRON_OK)
            rc = expire_due(db, member, r->at, NULL, NULL);
        patron__free(l.v);
        if (rc)
            return rc;
        res->points = amount;
    }
    res->posting_id = pid;
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

int patron_ledger_expire(patron_db *db, int64_t *postings, int64_t *points, int64_t at)
{
    int rc = patron__db_check(db, "patron_ledger_expire");
    if (rc)
        return rc;
    int64_t n = 0, p = 0;
    if ((rc = patron__tx_begin(db)))
        return rc;
    rc = patron__tx_end(db, expire_due(db, 0, at, &n, &p));
    if (rc == PATRON_OK) {
        if (postings)
            *postings = n;
        if (points)
            *points = p;
    }
    return rc;
}

int patron__ledger_merge(patron_db *db, int64_t to, int64_t from, int64_t at, int64_t merge_id, int64_t *moved)
{
    static const char sql[] = "SELECT id, remaining, earned_at, available_at, expires_at, source_posting FROM lots "
                              "WHERE member_id = ? AND remaining > 0 ORDER BY earned_at, id";
    take_list l = {0};
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "i", from);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        lot_take t = {patron__sql_col_int(db, st, 0), patron__sql_col_int(db, st, 1), patron__sql_col_int(db, st, 2),
                      patron__sql_col_int(db, st, 3), patron__sql_col_int(db, st, 4), patron__sql_col_int(db, st, 5), 0};
        if ((rc = take_push(&l, &t)))
            break;
    }
    patron__sql_done(db, st);
    rc = rc < 0 ? rc : PATRON_OK;
    char reason[64];
    snprintf(reason, sizeof reason, "merge %" PRId64, merge_id);
    for (size_t i = 0; i < l.n && rc == PATRON_OK; i++) {
        const lot_take *t = &l.v[i];
        int64_t eff = t->available_at > at ? t->available_at : at;
        int64_t out_id, in_id;
        posting_row po = {NULL, 0, from, PATRON_POSTING_TRANSFER_OUT, -t->take, at, eff, 0, 0, 0, NULL, reason, NULL, NULL};
        rc = insert_posting(db, &out_id, &po);
        if (rc == PATRON_OK)
            rc = move(db, out_id, t->lot, -t->take);
        if (rc == PATRON_OK) {
            posting_row pi = {NULL, 0, to, PATRON_POSTING_TRANSFER_IN, t->take, at, eff, out_id, 0, 0, NULL, reason, NULL, NULL};
            rc = insert_posting(db, &in_id, &pi);
        }
        if (rc == PATRON_OK)
            rc = create_lot(db, to, in_id, t->source, t->take, t->earned_at, t->available_at, t->expires_at);
        if (rc == PATRON_OK)
            rc = patron__sql_run(db, "UPDATE postings SET target = ? WHERE id = ?", "ii", in_id, out_id);
    }
    if (rc == PATRON_OK)
        rc = refresh_next_expiry(db, from);
    if (rc == PATRON_OK)
        *moved = l.total;
    patron__free(l.v);
    return rc;
}

/* ---- balance, statements ------------------------------------------------ */

static int balance_impl(patron_db *db, patron_balance *b, int64_t member, int64_t at)
{
    static const char fast[] = "SELECT total, pending_until, next_expiry FROM members WHERE id = ?";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, fast, "i", member);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    if (rc != PATRON__ROW) {
        patron__sql_done(db, st);
        return rc < 0 ? rc : patron__fail(PATRON_ENOTFOUND, "member %" PRId64 " not found", member);
    }
    int64_t total = patron__sql_col_int(db, st, 0), pend = patron__sql_col_int(db, st, 1);
    int64_t next = patron__sql_col_int(db, st, 2);
    patron__sql_done(db, st);
    if (at >= pend && at < next) {
        b->available = total;
        b->pending = 0;
        b->expired_unposted = 0;
        return PATRON_OK;
    }
    int64_t posted = 0, pending = 0, expired = 0;
    rc = patron__sql_int(db, &posted, 0, "SELECT sum(points) FROM postings WHERE member_id = ? AND effective_at <= ?",
                         "ii", member, at);
    if (rc == PATRON_OK)
        rc = patron__sql_int(db, &pending, 0,
                             "SELECT sum(points) FROM postings WHERE member_id = ? AND effective_at > ? AND at <= ?",
                             "iii", member, at, at);
    if (rc == PATRON_OK)
        rc = patron__sql_int(db, &expired, 0,
                             "SELECT sum(remaining) FROM lots WHERE member_id = ? AND remaining > 0 AND expires_at <= ? "
                             "AND expires_at < 9223372036854775807",
                             "ii", member, at);
    if (rc)
        return rc;
    b->available = posted - expired;
    b->pending = pending;
    b->expired_unposted = expired;
    return PATRON_OK;
}

int patron_ledger_balance(patron_db *db, patron_balance *balance, int64_t member_id, int64_t at)
{
    int rc = patron__db_check(db, "patron_ledger_balance");
    if (rc)
        return rc;
    if (!balance)
        return patron__fail(PATRON_EINVAL, "patron_ledger_balance: balance is NULL");
    /* fast path: one indexed read of the account cache */
    static const char fast[] = "SELECT merged_into, total, pending_until, next_expiry FROM members WHERE id = ?";
    patron__stmt *st;
    if ((rc = patron__sql_bind(db, &st, fast, "i", member_id)))
        return rc;
    rc = patron__sql_step(db, st);
    if (rc == PATRON__ROW && patron__sql_col_null(db, st, 0)) {
        int64_t total = patron__sql_col_int(db, st, 1), pend = patron__sql_col_int(db, st, 2);
        int64_t next = patron__sql_col_int(db, st, 3);
        patron__sql_done(db, st);
        if (at >= pend && at < next) {
            balance->available = total;
            balance->pending = 0;
            balance->expired_unposted = 0;
            return PATRON_OK;
        }
    } else {
        patron__sql_done(db, st);
        if (rc < 0)
            return rc;
    }
    int64_t member;
    if ((rc = patron__member_resolve(db, &member, member_id, 0)))
        return rc;
    patron_balance b;
    if ((rc = balance_impl(db, &b, member, at)))
        return rc;
    *balance = b;
    return PATRON_OK;
}

struct patron_statement {
    size_t n;
    patron_posting *v;
    char *strings;
    int64_t opening, closing;
};

size_t patron_statement_count(const patron_statement *s)
{
    return s ? s->n : 0;
}

const patron_posting *patron_statement_get(const patron_statement *s, size_t i)
{
    return s && i < s->n ? &s->v[i] : NULL;
}

int64_t patron_statement_opening(const patron_statement *s)
{
    return s ? s->opening : 0;
}

int64_t patron_statement_closing(const patron_statement *s)
{
    return s ? s->closing : 0;
}

void patron_statement_free(patron_statement *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        patron__free((char *)s->v[i].key);
        patron__free((char *)s->v[i].rule);
        patron__free((char *)s->v[i].reason);
        patron__free((char *)s->v[i].operator_name);
        patron__free((char *)s->v[i].ref);
    }
    patron__free(s->v);
    patron__free(s);
}

static int dup_col(patron_db *db, patron__stmt *st, int col, const char **out)
{
    const char *t = patron__sql_col_text(db, st, col);
    *out = NULL;
    if (!t)
        return PATRON_OK;
    char *d = patron__strdup(t);
    if (!d)
        return patron__oom();
    *out = d;
    return PATRON_OK;
}

int patron_ledger_statement(patron_db *db, patron_statement **out, int64_t member_id, int64_t from, int64_t to)
{
    static const char sql[] =
        "SELECT p.id, p.member_id, p.kind, p.points, p.at, p.effective_at, coalesce(p.target, 0), coalesce(p.spend, 0), "
        "coalesce(p.rule_version, 0), p.key, p.rule, p.reason, p.operator, p.ref FROM postings p "
        "JOIN members m ON m.id = p.member_id WHERE (m.id = ?1 OR m.merged_into = ?1) AND p.at >= ?2 AND p.at < ?3 "
        "ORDER BY p.id";
    int rc = patron__db_check(db, "patron_ledger_statement");
    if (rc)
        return rc;
    if (!out || from > to)
        return patron__fail(PATRON_EINVAL, "patron_ledger_statement: out NULL or from > to");
    int64_t member;
    if ((rc = patron__member_resolve(db, &member, member_id, 0)))
        return rc;
    patron_statement *s = patron__calloc(1, sizeof *s);
    if (!s)
        return patron__oom();
    patron_balance b;
    rc = balance_impl(db, &b, member, from > INT64_MIN ? from - 1 : from);
    s->opening = b.available;
    if (rc == PATRON_OK)
        rc = balance_impl(db, &b, member, to > INT64_MIN ? to - 1 : to);
    s->closing = b.available;
    patron__stmt *st;
    if (rc == PATRON_OK)
        rc = patron__sql_bind(db, &st, sql, "iii", member, from, to);
    if (rc) {
        patron_statement_free(s);
        return rc;
    }
    size_t cap = 0;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        if (s->n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            patron_posting *nv = patron__reallocarray(s->v, nc, sizeof *nv);
            if (!nv) {
                rc = patron__oom();
                break;
            }
            s->v = nv;
            cap = nc;
        }
        patron_posting *p = &s->v[s->n];
        memset(p, 0, sizeof *p);
        s->n++;
        p->id = patron__sql_col_int(db, st, 0);
        p->member_id = patron__sql_col_int(db, st, 1);
        p->kind = (int)patron__sql_col_int(db, st, 2);
        p->points = patron__sql_col_int(db, st, 3);
        p->at = patron__sql_col_int(db, st, 4);
        p->effective_at = patron__sql_col_int(db, st, 5);
        p->target = patron__sql_col_int(db, st, 6);
        p->spend = patron__sql_col_int(db, st, 7);
        p->rule_version = patron__sql_col_int(db, st, 8);
        if ((rc = dup_col(db, st, 9, &p->key)) || (rc = dup_col(db, st, 10, &p->rule)) ||
            (rc = dup_col(db, st, 11, &p->reason)) || (rc = dup_col(db, st, 12, &p->operator_name)) ||
            (rc = dup_col(db, st, 13, &p->ref)))
            break;
    }
    patron__sql_done(db, st);
    if (rc < 0) {
        patron_statement_free(s);
        return rc;
    }
    *out = s;
    return PATRON_OK;
}

/* ---- reconciliation ----------------------------------------------------- */

static int check_query(patron_db *db, int64_t *problems, const char *sql, const char *what)
{
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "");
    if (rc)
        return rc;
    int first = 1;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        if (first && *problems == 0)
            patron__fail(PATRON_ECORRUPT, "%s: id %" PRId64 " (%" PRId64 " vs %" PRId64 ")", what,
                         patron__sql_col_int(db, st, 0), patron__sql_col_int(db, st, 1), patron__sql_col_int(db, st, 2));
        first = 0;
        (*problems)++;
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

int patron_ledger_check(patron_db *db, patron_ledger_report *report)
{
    int rc = patron__db_check(db, "patron_ledger_check");
    if (rc)
        return rc;
    patron_ledger_report r = {0, 0, 0, 0};
    rc = patron__sql_int(db, &r.members, 0, "SELECT count(*) FROM members", "");
    if (rc == PATRON_OK)
        rc = patron__sql_int(db, &r.postings, 0, "SELECT count(*) FROM postings", "");
    if (rc == PATRON_OK)
        rc = patron__sql_int(db, &r.lots, 0, "SELECT count(*) FROM lots", "");
    /* Aggregates are joined (not correlated subqueries) so the check is
     * O(n log n) in the size of the ledger. */
    static const char *const checks[][2] = {
        {"SELECT m.id, m.total, coalesce(s.v, 0) FROM members m LEFT JOIN "
         "(SELECT member_id, sum(points) AS v FROM postings GROUP BY member_id) s ON s.member_id = m.id "
         "WHERE m.total != coalesce(s.v, 0)",
         "member balance differs from the sum of its postings"},
        {"SELECT m.id, m.total, coalesce(s.v, 0) FROM members m LEFT JOIN "
         "(SELECT member_id, sum(remaining) AS v FROM lots GROUP BY member_id) s ON s.member_id = m.id "
         "WHERE m.total != coalesce(s.v, 0)",
         "member balance differs from the sum of its lots"},
        {"SELECT l.id, l.remaining, l.initial + coalesce(s.v, 0) FROM lots l LEFT JOIN "
         "(SELECT lot_id, sum(delta) AS v FROM moves GROUP BY lot_id) s ON s.lot_id = l.id "
         "WHERE l.remaining != l.initial + coalesce(s.v, 0) OR l.remaining < 0 OR l.remaining > l.initial",
         "lot remaining differs from its movements or is out of range"},
        {"SELECT p.id, p.points, coalesce(a.v, 0) + coalesce(b.v, 0) FROM postings p LEFT JOIN "
         "(SELECT posting_id, sum(delta) AS v FROM moves GROUP BY posting_id) a ON a.posting_id = p.id LEFT JOIN "
         "(SELECT posting_id, sum(initial) AS v FROM lots GROUP BY posting_id) b ON b.posting_id = p.id "
         "WHERE p.points != coalesce(a.v, 0) + coalesce(b.v, 0)",
         "posting amount differs from its lot movements"},
        {"SELECT x.posting_id, p.member_id, l.member_id FROM moves x JOIN postings p ON p.id = x.posting_id "
         "JOIN lots l ON l.id = x.lot_id WHERE p.member_id != l.member_id",
         "lot movement crosses members"},
        {"SELECT l.id, l.member_id, p.member_id FROM lots l JOIN postings p ON p.id = l.posting_id "
         "WHERE p.member_id != l.member_id",
         "lot created for another member than its posting"},
        {"SELECT m.id, m.next_expiry, s.v FROM members m JOIN "
         "(SELECT member_id, min(expires_at) AS v FROM lots WHERE remaining > 0 GROUP BY member_id) s "
         "ON s.member_id = m.id WHERE m.next_expiry > s.v",
         "member expiry cache is later than an open lot's expiry"},
        {"SELECT m.id, m.pending_until, s.v FROM members m JOIN "
         "(SELECT member_id, max(effective_at) AS v FROM postings GROUP BY member_id) s "
         "ON s.member_id = m.id WHERE m.pending_until < s.v",
         "member maturity cache is earlier than a posting"},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0] && rc == PATRON_OK; i++)
        rc = check_query(db, &r.problems, checks[i][0], checks[i][1]);
    if (rc)
        return rc;
    if (report)
        *report = r;
    if (r.problems)
        return patron__fail_prefix(PATRON_ECORRUPT, "%" PRId64 " discrepancies; first: ", r.problems);
    return PATRON_OK;
}
