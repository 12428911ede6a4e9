/* Ledger accounts, posting rows and lots: the storage side of the ledger
 * (model in ledger_int.h). Everything here runs inside the caller's
 * transaction and leaves commit/rollback to it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/ledger.h"
#include "internal/member.h"
#include "internal/program.h"
#include "ledger_int.h"
#include "notify.h"

/* ---- policy ------------------------------------------------------------- */

/* Account cache. Inside a write transaction this handle is the only
 * writer, so an account row it read or wrote stays true until a rollback or
 * another connection's commit (both move db->write_epoch); keeping the rows
 * spares an earn its account read. Direct-mapped by member id, allocated on
 * first use (ACCOUNT_CACHE_SLOTS * sizeof(account_slot) = 1.5 MiB). */
#define ACCOUNT_CACHE_SLOTS 16384

typedef struct account_slot {
    uint64_t epoch; /* write_epoch + 1 when filled; 0 = empty */
    account a;
} account_slot;

/* The ledger's slot in the handle. */
typedef struct ledger_state {
    int policy_loaded;
    uint64_t policy_epoch; /* write_epoch when loaded */
    int64_t policy_program; /* the program it is the policy of (patron_program_use switches) */
    ledger_policy policy;
    account_slot *accounts; /* the account cache, NULL until first used */
} ledger_state;

static void ledger_state_release(void *state)
{
    patron__free(((ledger_state *)state)->accounts);
}

static const patron__slot_type ledger_slot = {"ledger", sizeof(ledger_state), ledger_state_release};

static ledger_state *state_of(patron_db *db)
{
    return patron__slot(db, &ledger_slot);
}

int patron__ledger_policy_read(patron_db *db, int fresh)
{
    ledger_state *ls = state_of(db);
    if (!ls)
        return patron__oom();
    /* a rollback or another connection's commit may have changed it */
    patron__db_refresh(db);
    if (!fresh && ls->policy_loaded && ls->policy_epoch == db->write_epoch &&
        ls->policy_program == patron__program_id(db))
        return PATRON_OK;
    char *v = NULL, key[80];
    patron__program_key(db, key, sizeof key, "ledger_policy"); /* each program's own */
    int rc = patron__setting_get(db, key, &v);
    if (rc)
        return rc;
    int months = 0, eom = 0, round = 0;
    long long hold = 0, overdraft = 0;
    /* "months eom hold [overdraft [round]]": stores written before overdrafts
     * have three fields, before expiry rounding four */
    if (v && sscanf(v, "%d %d %lld %lld %d", &months, &eom, &hold, &overdraft, &round) < 3) {
        patron__free(v);
        return patron__fail(PATRON_ECORRUPT, "stored ledger policy is unreadable");
    }
    patron__free(v);
    if (eom && round == 0)
        round = PATRON_EXPIRY_END_OF_MONTH;
    ledger_policy p = {months, round == PATRON_EXPIRY_END_OF_MONTH, hold, overdraft, round};
    patron__ledger_policy_remember(db, &p);
    return PATRON_OK;
}

const ledger_policy *patron__ledger_policy(patron_db *db)
{
    static const ledger_policy none = {0, 0, 0, 0, 0};
    ledger_state *ls = state_of(db);
    return ls && ls->policy_loaded && ls->policy_program == patron__program_id(db) ? &ls->policy : &none;
}

void patron__ledger_policy_remember(patron_db *db, const ledger_policy *p)
{
    ledger_state *ls = state_of(db);
    if (ls) {
        ls->policy = *p;
        ls->policy_loaded = 1;
        ls->policy_epoch = db->write_epoch;
        ls->policy_program = patron__program_id(db);
    }
}

int64_t patron__ledger_policy_expiry(patron_db *db, int64_t earned_at)
{
    const ledger_policy *p = patron__ledger_policy(db);
    if (p->months == 0)
        return PATRON_NEVER;
    /* END_OF_MONTH: the end of the month that contains earned_at + months
     * (patron__period_end of the clamped date is the same month) */
    return patron__period_end(patron__add_months(earned_at, p->months), p->round);
}

/* ---- accounts ----------------------------------------------------------- */

static account_slot *cache_slot(patron_db *db, int64_t member, int create)
{
    if (db->depth == 0) /* outside a write transaction nothing is remembered */
        return NULL;
    ledger_state *ls = state_of(db);
    if (ls && !ls->accounts && create)
        ls->accounts = patron__calloc(ACCOUNT_CACHE_SLOTS, sizeof(account_slot));
    if (!ls || !ls->accounts)
        return NULL; /* out of memory: work without the cache */
    return &ls->accounts[(uint64_t)member % ACCOUNT_CACHE_SLOTS];
}

void patron__account_cache_clear(patron_db *db)
{
    ledger_state *ls = state_of(db);
    if (ls && ls->accounts)
        memset(ls->accounts, 0, ACCOUNT_CACHE_SLOTS * sizeof(account_slot));
}

static void cache_put(patron_db *db, const account *a)
{
    account_slot *s = cache_slot(db, a->member, 1);
    if (s) {
        s->epoch = db->write_epoch + 1;
        s->a = *a;
    }
}

void patron__account_from_row(patron_db *db, patron__stmt *st, int first, int64_t member, account *a)
{
    a->member = member;
    a->merged = a->stored_merged = patron__sql_col_int(db, st, first);
    a->total = patron__sql_col_int(db, st, first + 1);
    a->pending_until = patron__sql_col_int(db, st, first + 2);
    a->next_expiry = a->stored_next_expiry = patron__sql_col_int(db, st, first + 3);
    a->head = patron__sql_col_int(db, st, first + 4);
    a->indexed = a->stored_indexed = patron__sql_col_int(db, st, first + 5);
    a->debt = a->stored_debt = patron__sql_col_int(db, st, first + 6);
}

int patron__account_load(patron_db *db, account *a, int64_t member)
{
    patron__db_refresh(db);
    account_slot *s = cache_slot(db, member, 0);
    if (s && s->epoch == db->write_epoch + 1 && s->a.member == member) {
        *a = s->a;
        return PATRON_OK;
    }
    static const char sql[] =
        "SELECT merged, total, pending_until, next_expiry, head, lots_indexed, debt FROM accounts WHERE member_id = ?";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "i", member);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    if (rc == PATRON__ROW)
        patron__account_from_row(db, st, 0, member, a);
    patron__sql_done(db, st);
    if (rc == PATRON__ROW)
        cache_put(db, a);
    return rc == PATRON__ROW ? PATRON_OK : rc < 0 ? rc : PATRON_ENOTFOUND;
}

int patron__account_open(patron_db *db, account *a, int64_t member_id, int need_active)
{
    /* the current program's account of the member (the member id itself in
     * the default program: lib/internal/program.h) */
    int64_t program = patron__program_id(db), base = patron__program_base(program);
    int rc = patron__program_account_check(db, "ledger", member_id);
    if (rc)
        return rc;
    /* a member-scoped write locks the member before reading its account */
    if ((rc = patron__tx_lock_member(db, member_id)))
        return rc;
    /* the common case: an active member's own account, one read */
    rc = need_active ? PATRON_ENOTFOUND : patron__account_load(db, a, base + member_id);
    if (rc == PATRON_OK && !a->merged)
        return PATRON_OK;
    if (rc != PATRON_OK && rc != PATRON_ENOTFOUND)
        return rc;
    int64_t member;
    if ((rc = patron__member_resolve(db, &member, member_id, need_active)) ||
        (member != member_id && (rc = patron__tx_lock_member(db, member))))
        return rc;
    rc = patron__account_load(db, a, base + member);
    if (rc == PATRON_ENOTFOUND && program > 1)
        return patron__fail(PATRON_ENOTFOUND, "member %" PRId64 " has not joined program '%s' (patron_program_join)",
                            member, patron__program_name(db));
    if (rc == PATRON_ENOTFOUND)
        return patron__fail(PATRON_ECORRUPT, "member %" PRId64 " has no ledger account", member);
    return rc;
}

int patron__account_store(patron_db *db, account *a)
{
    static const char balance_only[] = "UPDATE accounts SET total = ?, pending_until = ?, head = ? WHERE member_id = ?";
    static const char all[] =
        "UPDATE accounts SET merged = ?, total = ?, pending_until = ?, head = ?, lots_indexed = ?, debt = ?, "
        "next_expiry = ? WHERE member_id = ?";
    int rc;
    if (a->next_expiry == a->stored_next_expiry && a->indexed == a->stored_indexed && a->debt == a->stored_debt &&
        a->merged == a->stored_merged)
        rc = patron__sql_run(db, balance_only, "iiii", a->total, a->pending_until, a->head, a->member);
    else
        rc = patron__sql_run(db, all, "iiiiiiii", a->merged, a->total, a->pending_until, a->head, a->indexed,
                             a->debt, a->next_expiry, a->member);
    if (rc == PATRON_OK)
        patron__account_stored(db, a);
    return rc;
}

void patron__account_stored(patron_db *db, account *a)
{
    a->stored_next_expiry = a->next_expiry;
    a->stored_indexed = a->indexed;
    a->stored_debt = a->debt;
    a->stored_merged = a->merged;
    cache_put(db, a);
}

int patron__ledger_merged_accounts(patron_db *db, int64_t member, int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    return patron__sql_ids(db, ids, n, "SELECT member_id FROM accounts WHERE merged = ? AND merged != 0 ORDER BY member_id",
                           "i", member);
}

int patron__ledger_has_merged(patron_db *db, int64_t member, int *has)
{
    int64_t n = 0;
    int rc = patron__sql_int(db, &n, 0, "SELECT count(*) FROM accounts WHERE merged = ? AND merged != 0", "i", member);
    *has = n > 0;
    return rc;
}

int patron__ledger_account_create(patron_db *db, int64_t member)
{
    return patron__sql_run(db, "INSERT INTO accounts(member_id) VALUES(?)", "i", member);
}

int patron__ledger_account_ensure(patron_db *db, int64_t account_id)
{
    return patron__sql_run(db, "INSERT INTO accounts(member_id) VALUES(?) ON CONFLICT DO NOTHING", "i", account_id);
}

int patron__ledger_program_members(patron_db *db, int64_t **ids, size_t *n)
{
    int64_t lo, hi;
    patron__program_range(db, &lo, &hi);
    patron__stmt *st;
    size_t cap = 0;
    *ids = NULL;
    *n = 0;
    int rc = patron__sql_bind(db, &st, "SELECT member_id FROM accounts WHERE member_id BETWEEN ? AND ? AND merged = 0 "
                                       "ORDER BY member_id", "ii", lo, hi);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        if (patron__grow(ids, &cap, *n + 1, sizeof **ids)) {
            rc = patron__oom();
            break;
        }
        (*ids)[(*n)++] = patron__account_member(patron__sql_col_int(db, st, 0));
    }
    patron__sql_done(db, st);
    if (rc < 0) {
        patron__free(*ids);
        *ids = NULL;
        *n = 0;
        return rc;
    }
    return PATRON_OK;
}

/* ---- postings ----------------------------------------------------------- */

static void posting_appended(account *a, int64_t id, const posting_row *p, int64_t total)
{
    a->head = id;
    a->total = total;
    if (p->eff > a->pending_until)
        a->pending_until = p->eff;
    if (p->lot_expires_at && p->lot_expires_at < a->next_expiry)
        a->next_expiry = p->lot_expires_at;
}

/* A keyed posting where the backend has data-modifying WITH (PostgreSQL):
 * the key's row first, then the posting only if the key was new, in one
 * statement (one round trip where the portable path takes two, and a used
 * key writes nothing, so there is nothing to take back). */
static int posting_append_keyed(patron_db *db, account *a, int64_t *id, const posting_row *p, int64_t total)
{
    static const char sql[] =
        "WITH k AS (INSERT INTO posting_keys(key, member_id, id) "
        "SELECT ?1::text, ?3::bigint, nextval('postings_id_seq') " /* one name in every store (schema 10) */
        "ON CONFLICT DO NOTHING RETURNING id) "
        "INSERT INTO postings(id, key, fp, member_id, kind, points, at, effective_at, prev, lot_earned_at, "
        "lot_expires_at, lot_source, target, spend, rule, rule_version, reason, operator, ref) "
        "SELECT k.id, ?1::text, ?2::bigint, ?3::bigint, ?4::bigint, ?5::bigint, ?6::bigint, ?7::bigint, ?8::bigint, "
        "?9::bigint, ?10::bigint, ?11::bigint, ?12::bigint, ?13::bigint, ?14::text, ?15::bigint, ?16::text, "
        "?17::text, ?18::text FROM k RETURNING id";
    patron__stmt *st;
    int rc = patron__sql_bind_unique(db, &st, sql, "tiiiiiiiiiiiitittt", p->key, p->fp, a->member, p->kind,
                                     p->points, p->at, p->eff, a->head, p->lot_earned_at, p->lot_expires_at,
                                     p->lot_source, p->target, p->spend, p->rule, p->rule_version, p->reason, p->op,
                                     p->ref);
    if (rc == PATRON_OK && !p->lot_expires_at) {
        db->vt->bind_null(st, 9);
        db->vt->bind_null(st, 10);
    }
    if (rc == PATRON_OK && !p->lot_source)
        db->vt->bind_null(st, 11);
    if (rc == PATRON_OK && !p->target)
        db->vt->bind_null(st, 12);
    if (rc == PATRON_OK && !p->spend)
        db->vt->bind_null(st, 13);
    if (rc)
        return rc;
    int64_t new_id = 0;
    rc = patron__sql_step_unique(db, st, &new_id);
    patron__sql_done(db, st);
    if (rc < 0)
        return rc;
    if (new_id == 0) /* the key is used: nothing was written */
        return patron__fail(PATRON_ECONFLICT, "posting key '%s' is already used", p->key);
    *id = new_id;
    posting_appended(a, new_id, p, total);
    return patron__ledger_notify_posting(db, a, new_id, p); /* the outbox and audit hook */
}

int patron__posting_append(patron_db *db, account *a, int64_t *id, const posting_row *p)
{
    static const char sql[] =
        "INSERT INTO postings(key, fp, member_id, kind, points, at, effective_at, prev, lot_earned_at, "
        "lot_expires_at, lot_source, target, spend, rule, rule_version, reason, operator, ref) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    int64_t total;
    if (__builtin_add_overflow(a->total, p->points, &total))
        return patron__fail(PATRON_ERANGE, "member %" PRId64 ": the balance would overflow", a->member);
    /* an earn's own lot, with nothing else to say: fewer columns to bind */
    static const char lot_sql[] =
        "INSERT INTO postings(key, fp, member_id, kind, points, at, effective_at, prev, lot_earned_at, "
        "lot_expires_at, spend, rule, rule_version, ref) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    patron__stmt *st;
    int rc;
    /* where posting_keys is a table, a keyed posting writes its key row in
     * the same statement (store.h: such a backend has data-modifying WITH) */
    if (p->key && !(db->vt->features & PATRON__STORE_KEYS_IN_POSTINGS))
        return posting_append_keyed(db, a, id, p, total);
    if (p->lot_expires_at && !p->lot_source && !p->target && !p->reason && !p->op) {
        rc = patron__sql_bind_unique(db, &st, lot_sql, "tiiiiiiiiiitit", p->key, p->fp, a->member, p->kind, p->points,
                              p->at, p->eff, a->head, p->lot_earned_at, p->lot_expires_at, p->spend, p->rule,
                              p->rule_version, p->ref);
        if (rc == PATRON_OK && !p->spend)
            db->vt->bind_null(st, 11);
    } else {
        rc = patron__sql_bind_unique(db, &st, sql, "tiiiiiiiiiiiitittt", p->key, p->fp, a->member, p->kind, p->points, p->at,
                              p->eff, a->head, p->lot_earned_at, p->lot_expires_at, p->lot_source, p->target,
                              p->spend, p->rule, p->rule_version, p->reason, p->op, p->ref);
        if (rc == PATRON_OK && !p->lot_expires_at) {
            db->vt->bind_null(st, 9);
            db->vt->bind_null(st, 10);
        }
        if (rc == PATRON_OK && !p->lot_source)
            db->vt->bind_null(st, 11);
        if (rc == PATRON_OK && !p->target)
            db->vt->bind_null(st, 12);
        if (rc == PATRON_OK && !p->spend)
            db->vt->bind_null(st, 13);
    }
    if (rc)
        return rc;
    /* the id the row was given; none when its key is used (unique in
     * postings itself here): the insert failed alone and wrote nothing */
    int64_t new_id = 0;
    rc = patron__sql_step_unique(db, st, &new_id);
    patron__sql_done(db, st);
    if (rc < 0)
        return rc;
    if (new_id == 0 && p->key)
        return patron__fail(PATRON_ECONFLICT, "posting key '%s' is already used", p->key);
    if (new_id == 0)
        return patron__fail(PATRON_EINTERNAL, "member %" PRId64 ": a posting row was not inserted", a->member);
    *id = new_id;
    posting_appended(a, new_id, p, total);
    return patron__ledger_notify_posting(db, a, new_id, p); /* the outbox and audit hook */
}

/* ---- lots --------------------------------------------------------------- */

void patron__lots_free(lot_list *l)
{
    patron__free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static int lots_push(lot_list *l, const lot *x)
{
    if (patron__grow(&l->v, &l->cap, l->n + 1, sizeof *l->v))
        return patron__oom();
    l->v[l->n++] = *x;
    return PATRON_OK;
}

static int fifo_cmp(const void *pa, const void *pb)
{
    const lot *a = pa, *b = pb;
    if (a->earned_at != b->earned_at)
        return a->earned_at < b->earned_at ? -1 : 1;
    if (a->posting != b->posting)
        return a->posting < b->posting ? -1 : 1;
    return (a->ref > b->ref) - (a->ref < b->ref);
}

/* Append the lots a statement yields (columns in `lot` order). With
 * need >= 0, stop once the lots usable at `at` hold `need` points (the rest
 * are not read). */
static int lots_read(patron_db *db, patron__stmt *st, lot_list *out, int64_t need, int64_t at)
{
    int rc = PATRON_OK;
    int64_t usable = 0;
    while ((need < 0 || usable < need) && (rc = patron__sql_step(db, st)) == PATRON__ROW) {
        lot x = {patron__sql_col_int(db, st, 0), patron__sql_col_int(db, st, 1), patron__sql_col_int(db, st, 2),
                 patron__sql_col_int(db, st, 3), patron__sql_col_int(db, st, 4), patron__sql_col_int(db, st, 5),
                 patron__sql_col_int(db, st, 6)};
        if (x.available_at <= at && x.expires_at > at)
            usable += x.remaining;
        if ((rc = lots_push(out, &x)))
            break;
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

/* The open lots in open_lots, in FIFO order (need, at: as lots_read). */
static int lots_indexed_read(patron_db *db, const account *a, lot_list *out, int64_t need, int64_t at)
{
    static const char sql[] =
        "SELECT o.lot_id, o.posting, coalesce(s.remaining, p.points, l.initial), o.earned_at, "
        "coalesce(p.effective_at, l.available_at), coalesce(p.lot_expires_at, l.expires_at), "
        "coalesce(p.lot_source, p.id, l.source_posting) FROM open_lots o "
        "LEFT JOIN postings p ON o.lot_id > 0 AND p.member_id = ?1 AND p.id = o.lot_id "
        "LEFT JOIN lots l ON o.lot_id < 0 AND l.member_id = ?1 AND l.id = -o.lot_id "
        "LEFT JOIN lot_state s ON s.member_id = ?1 AND s.lot_id = o.lot_id "
        "WHERE o.member_id = ?1 ORDER BY o.earned_at, o.posting, o.lot_id";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "i", a->member);
    return rc ? rc : lots_read(db, st, out, need, at);
}

/* Open posting lots newer than what open_lots holds: walk the chain from
 * the newest posting down to accounts.lots_indexed. Each step reads one
 * posting row and carries what the lot needs. */
static int lots_unindexed_read(patron_db *db, const account *a, lot_list *out)
{
    static const char sql[] =
        "WITH RECURSIVE c(id, prev, points, earned, eff, expires, source) AS ("
        "SELECT id, prev, points, lot_earned_at, effective_at, lot_expires_at, lot_source FROM postings "
        "WHERE id = ?1 AND member_id = ?3 AND ?1 > ?2 "
        "UNION ALL SELECT p.id, p.prev, p.points, p.lot_earned_at, p.effective_at, p.lot_expires_at, p.lot_source "
        "FROM c JOIN postings p ON p.id = c.prev WHERE p.member_id = ?3 AND c.prev > ?2) "
        "SELECT c.id, c.id, coalesce(s.remaining, c.points), c.earned, c.eff, c.expires, coalesce(c.source, c.id) "
        "FROM c LEFT JOIN lot_state s ON s.member_id = ?3 AND s.lot_id = c.id "
        "WHERE c.expires IS NOT NULL AND coalesce(s.remaining, c.points) > 0";
    if (a->head <= a->indexed)
        return PATRON_OK;
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "iii", a->head, a->indexed, a->member);
    if (rc == PATRON_OK)
        rc = lots_read(db, st, out, -1, 0);
    return rc;
}

int patron__lots_open(patron_db *db, const account *a, lot_list *out)
{
    out->n = 0;
    int rc = lots_indexed_read(db, a, out, -1, 0);
    size_t indexed = out->n;
    if (rc == PATRON_OK)
        rc = lots_unindexed_read(db, a, out);
    if (rc == PATRON_OK && out->n > indexed)
        qsort(out->v, out->n, sizeof *out->v, fifo_cmp);
    return rc;
}

static int open_lot_insert(patron_db *db, int64_t member, const lot *x)
{
    return patron__sql_run(db,
                           "INSERT INTO open_lots(member_id, earned_at, posting, lot_id) VALUES(?,?,?,?) "
                           "ON CONFLICT DO NOTHING",
                           "iiii", member, x->earned_at, x->posting, x->ref);
}

int patron__lots_index(patron_db *db, account *a)
{
    if (a->head <= a->indexed)
        return PATRON_OK;
    lot_list l = {0};
    int rc = lots_unindexed_read(db, a, &l);
    for (size_t i = 0; i < l.n && rc == PATRON_OK; i++)
        rc = open_lot_insert(db, a->member, &l.v[i]);
    patron__lots_free(&l);
    if (rc == PATRON_OK)
        a->indexed = a->head;
    return rc;
}

int patron__lots_fifo(patron_db *db, account *a, lot_list *out, int64_t need, int64_t at)
{
    out->n = 0;
    int rc = patron__lots_index(db, a);
    return rc ? rc : lots_indexed_read(db, a, out, need, at);
}

int patron__lot_create(patron_db *db, int64_t *ref, int64_t member, int64_t posting, int64_t source,
                       int64_t points, int64_t earned_at, int64_t available_at, int64_t expires_at)
{
    int rc = patron__sql_run(db,
                             "INSERT INTO lots(member_id, posting_id, source_posting, initial, earned_at, "
                             "available_at, expires_at) VALUES(?,?,?,?,?,?,?)",
                             "iiiiiii", member, posting, source, points, earned_at, available_at, expires_at);
    if (rc)
        return rc;
    lot x = {-patron__sql_last_id(db), posting, points, earned_at, available_at, expires_at, source};
    *ref = x.ref;
    return open_lot_insert(db, member, &x);
}

int patron__lot_move(patron_db *db, const account *a, int64_t posting, const lot *x, int64_t delta, int64_t remaining)
{
    int64_t ref = x ? x->ref : 0;
    /* a move and its lot are the posting's member's (a->member) */
    int rc = patron__sql_run(db, "INSERT INTO moves(member_id, posting_id, lot_id, delta) VALUES(?,?,?,?)", "iiii",
                             a->member, posting, ref, delta);
    if (rc || !x)
        return rc;
    rc = patron__sql_run(db,
                         "INSERT INTO lot_state(lot_id, member_id, remaining) VALUES(?1, ?2, ?3) "
                         "ON CONFLICT(member_id, lot_id) DO UPDATE SET remaining = ?3",
                         "iii", ref, a->member, remaining);
    /* keep open_lots to the open lots it covers */
    if (rc == PATRON_OK && remaining == 0)
        rc = patron__sql_run(db,
                             "DELETE FROM open_lots WHERE member_id = ? AND earned_at = ? AND posting = ? AND lot_id = ?",
                             "iiii", a->member, x->earned_at, x->posting, ref);
    else if (rc == PATRON_OK && remaining == delta && (ref < 0 || ref <= a->indexed))
        rc = open_lot_insert(db, a->member, x);
    return rc;
}

void patron__lots_refresh(account *a, const lot_list *l, int complete)
{
    /* the expiry cache is a lower bound: only a complete list can raise it */
    int64_t next = PATRON_NEVER;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].remaining > 0 && l->v[i].expires_at < next)
            next = l->v[i].expires_at;
    if (complete)
        a->next_expiry = next;
    else if (next < a->next_expiry)
        a->next_expiry = next;
}

/* ---- planning takes ----------------------------------------------------- */

void patron__takes_free(take_list *t)
{
    patron__free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
    t->total = 0;
}

static int take_push(take_list *t, size_t lot_index, int64_t take, int64_t after)
{
    if (patron__grow(&t->v, &t->cap, t->n + 1, sizeof *t->v))
        return patron__oom();
    t->v[t->n++] = (lot_take){lot_index, take, after};
    t->total += take;
    return PATRON_OK;
}

static int take_from(lot_list *l, take_list *t, size_t i, int64_t *need)
{
    lot *x = &l->v[i];
    int64_t take = x->remaining < *need ? x->remaining : *need;
    if (take <= 0)
        return PATRON_OK;
    x->remaining -= take;
    *need -= take;
    return take_push(t, i, take, x->remaining);
}

int patron__plan_take(lot_list *l, take_list *t, int64_t amount, int64_t at, int64_t prefer, int64_t until)
{
    int64_t need = amount;
    int rc = PATRON_OK;
    if (prefer) {
        /* the posting's own lots, oldest first, pending or not, but held
         * by the member when the take counts (`until`) */
        for (int64_t done = 0; need > 0 && rc == PATRON_OK && !done;) {
            size_t best = l->n;
            for (size_t i = 0; i < l->n; i++) {
                const lot *x = &l->v[i];
                if (x->source == prefer && x->remaining > 0 && x->expires_at > at && x->available_at <= until &&
                    (best == l->n || x->posting < l->v[best].posting ||
                     (x->posting == l->v[best].posting && x->ref < l->v[best].ref)))
                    best = i;
            }
            if (best == l->n)
                done = 1;
            else
                rc = take_from(l, t, best, &need);
        }
    }
    for (size_t i = 0; i < l->n && need > 0 && rc == PATRON_OK; i++) {
        const lot *x = &l->v[i];
        if (x->available_at <= at && x->expires_at > at)
            rc = take_from(l, t, i, &need);
    }
    return rc;
}

int patron__take_apply(patron_db *db, const account *a, const lot_list *l, const take_list *t, int64_t posting)
{
    int rc = PATRON_OK;
    for (size_t i = 0; i < t->n && rc == PATRON_OK; i++)
        rc = patron__lot_move(db, a, posting, &l->v[t->v[i].lot], -t->v[i].take, t->v[i].after);
    return rc;
}

/* ---- expiry ------------------------------------------------------------- */

/* Lot a expires before lot b (then FIFO order). */
static int expires_before(const lot *a, const lot *b)
{
    if (a->expires_at != b->expires_at)
        return a->expires_at < b->expires_at;
    return fifo_cmp(a, b) < 0;
}

int patron__expire_lots(patron_db *db, account *a, lot_list *l, int64_t at, int64_t *npost, int64_t *npoints)
{
    if (a->next_expiry > at)
        return PATRON_OK;
    size_t n = 0;
    size_t *idx = patron__reallocarray(NULL, l->n ? l->n : 1, sizeof *idx);
    if (!idx)
        return patron__oom();
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].remaining > 0 && l->v[i].expires_at <= at && l->v[i].expires_at < PATRON_NEVER)
            idx[n++] = i;
    /* expire postings in expiry order (a plain insertion sort: few lots expire at once) */
    for (size_t i = 1; i < n; i++) {
        size_t v = idx[i], j = i;
        while (j > 0 && expires_before(&l->v[v], &l->v[idx[j - 1]])) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
    int rc = PATRON_OK;
    int64_t posted = 0, points = 0;
    for (size_t k = 0; k < n && rc == PATRON_OK; k++) {
        lot *x = &l->v[idx[k]];
        posting_row p = {NULL, 0, PATRON_POSTING_EXPIRE, -x->remaining, at, x->expires_at, 0, 0, 0,
                         NULL, "expired", NULL, NULL, 0, 0, 0};
        int64_t pid;
        rc = patron__posting_append(db, a, &pid, &p);
        if (rc == PATRON_OK)
            rc = patron__lot_move(db, a, pid, x, -x->remaining, 0);
        if (rc == PATRON_OK) {
            posted++;
            points += x->remaining;
            x->remaining = 0;
        }
    }
    patron__free(idx);
    if (rc)
        return rc;
    patron__lots_refresh(a, l, 1);
    if (npost)
        *npost += posted;
    if (npoints)
        *npoints += points;
    return PATRON_OK;
}
