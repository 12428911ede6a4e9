/* The ledger's hooks into the events outbox and the audit trail, in one
 * place: the event of every posting (called by patron__posting_append once
 * the posting is written), the audit entries of adjustments and policy
 * changes, and the job that announces maturing and expiring lots
 * (patron_events_notify). */
#include <inttypes.h>
#include <stdio.h>

#include "internal/alloc.h"
#include "internal/audit.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/events.h"
#include "internal/program.h"
#include "internal/sbuf.h"
#include "notify.h"
#include "patron/events.h"

static const char *const kind_event[] = {
    [PATRON_POSTING_EARN] = "points.earned",
    [PATRON_POSTING_REDEEM] = "points.redeemed",
    [PATRON_POSTING_EXPIRE] = "points.expired",
    [PATRON_POSTING_ADJUST] = "points.adjusted",
    [PATRON_POSTING_REVERSE] = "points.reversed",
    [PATRON_POSTING_TRANSFER_OUT] = "points.transferred_out",
    [PATRON_POSTING_TRANSFER_IN] = "points.transferred_in",
};

int patron__ledger_notify_posting(patron_db *db, const account *a, int64_t id, const posting_row *p)
{
    int on = 0, rc = patron__events_on(db, &on);
    /* a manual adjustment (it names its operator; a merge's own adjust
     * postings do not) is an administrative change */
    int audited = p->kind == PATRON_POSTING_ADJUST && p->op;
    if (rc || (!on && !audited))
        return rc;
    patron__sbuf b = {0};
    patron__sb_printf(&b, "{\"posting\":%" PRId64 ",\"points\":%" PRId64 ",\"effective_at\":%" PRId64
                          ",\"total\":%" PRId64 ",\"target\":%" PRId64 ",\"key\":",
                      id, p->points, p->eff, a->total, p->target);
    patron__sb_json_str(&b, p->key);
    if (patron__account_program(a->member) > 1) { /* (the default program's events are as they were) */
        patron__sb_puts(&b, ",\"program\":");
        patron__sb_json_str(&b, patron__program_name(db));
    }
    if (audited) {
        patron__sb_puts(&b, ",\"at\":");
        patron__sb_printf(&b, "%" PRId64 ",\"reason\":", p->at);
        patron__sb_json_str(&b, p->reason);
    }
    patron__sb_puts(&b, "}");
    char *json = patron__sb_take(&b);
    if (!json)
        return patron__oom();
    if (on)
        rc = patron__event_append(db, patron__account_member(a->member), kind_event[p->kind], p->at, json);
    if (rc == PATRON_OK && audited)
        rc = patron__audit(db, "points.adjust", patron__account_member(a->member), p->op, json);
    patron__free(json);
    return rc;
}

int patron__ledger_notify_policy(patron_db *db, const patron_ledger_policy *p)
{
    char detail[224];
    snprintf(detail, sizeof detail,
             "{\"expiry_months\":%d,\"expiry_end_of_month\":%s,\"hold_seconds\":%" PRId64 ",\"overdraft_limit\":%" PRId64
             ",\"expiry_round\":%d}", p->expiry_months, p->expiry_end_of_month ? "true" : "false", p->hold_seconds,
             p->overdraft_limit, p->expiry_round);
    return patron__audit(db, "policy.set", 0, NULL, detail);
}

/* ---- the job: matured and expiring lots --------------------------------- */

/* `acct`: an account id; the event names its member, and its program
 * unless that is the default one. The job covers every program: the marks
 * of what was announced are the store's. */
static int lot_event(patron_db *db, int64_t acct, const char *kind, int64_t at, const lot *x, int64_t *count)
{
    char json[320], program[96] = "";
    if (patron__account_program(acct) > 1) {
        char name[72];
        patron__program_name_of(db, patron__account_program(acct), name, sizeof name);
        snprintf(program, sizeof program, ",\"program\":\"%s\"", name); /* names are [a-z0-9_-] */
    }
    snprintf(json, sizeof json,
             "{\"lot\":%" PRId64 ",\"posting\":%" PRId64 ",\"points\":%" PRId64 ",\"available_at\":%" PRId64
             ",\"expires_at\":%" PRId64 "%s}", x->ref, x->posting, x->remaining, x->available_at, x->expires_at, program);
    (*count)++;
    return patron__event_append(db, patron__account_member(acct), kind, at, json);
}

/* Lots of the members `sql` names (one parameter) that `pick` selects. */
static int scan(patron_db *db, const char *sql, int64_t bound, const char *kind, int64_t at, int64_t lo, int64_t hi,
                int expiring, int64_t *count)
{
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = patron__sql_ids(db, &ids, &n, sql, "i", bound);
    lot_list l = {0};
    for (size_t i = 0; i < n && rc == PATRON_OK; i++) {
        account a;
        rc = patron__account_load(db, &a, ids[i]);
        if (rc == PATRON_OK)
            rc = patron__lots_open(db, &a, &l);
        for (size_t k = 0; k < l.n && rc == PATRON_OK; k++) {
            const lot *x = &l.v[k];
            int64_t t = expiring ? x->expires_at : x->available_at;
            if (x->remaining <= 0 || t <= lo || t > hi || (expiring && t == PATRON_NEVER) ||
                (!expiring && x->available_at <= x->earned_at))
                continue;
            rc = lot_event(db, a.member, kind, expiring ? at : x->available_at, x, count);
        }
    }
    patron__lots_free(&l);
    patron__free(ids);
    return rc;
}

static int notify(patron_db *db, int64_t at, int days, int64_t *count)
{
    int on = 0;
    int rc = patron__events_on(db, &on);
    if (rc || !on)
        return rc;
    int64_t matured = 0, expiring = 0, horizon = at + (int64_t)days * 86400;
    if ((rc = patron__events_marks(db, &matured, &expiring)))
        return rc;
    if (at > matured)
        rc = scan(db, "SELECT member_id FROM accounts WHERE pending_until > ? AND merged = 0 ORDER BY member_id",
                  matured, "points.matured", at, matured, at, 0, count);
    if (rc == PATRON_OK && horizon > expiring)
        rc = scan(db, "SELECT member_id FROM accounts WHERE next_expiry <= ? AND merged = 0 ORDER BY member_id",
                  horizon, "points.expiring", at, expiring > at ? expiring : at, horizon, 1, count);
    if (rc == PATRON_OK && (at > matured || horizon > expiring))
        rc = patron__events_set_marks(db, at > matured ? at : matured, horizon > expiring ? horizon : expiring);
    return rc;
}

int patron_events_notify(patron_db *db, int64_t *appended, int64_t at, int days)
{
    int rc = patron__db_check(db, "patron_events_notify");
    if (rc || (rc = patron__time_check("patron_events_notify", "at", at)))
        return rc;
    if (days < 1 || days > 3660)
        return patron__fail(PATRON_EINVAL, "patron_events_notify: days %d is out of range (1..3660)", days);
    int64_t n = 0;
    if ((rc = patron__tx_begin(db)))
        return rc;
    rc = patron__tx_end(db, notify(db, at, days, &n));
    if (rc == PATRON_OK && appended)
        *appended = n;
    return rc;
}
