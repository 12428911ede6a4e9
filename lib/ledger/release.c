/* Points pending until an action: an earn posted with mature_at =
 * PATRON_NEVER is released by a reversal of it (effective at its maturity,
 * so it never shows) and a new earn available at the release, both in one
 * transaction -- the ledger stays append-only and every rule of the
 * history holds for the two postings as for any others. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal/program.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/ledger.h"
#include "internal/store.h"
#include "internal/text.h"
#include "ledger_int.h"
#include "patron/ledger.h"

typedef struct held {
    int64_t id, member, kind, at, effective_at, spend, rule_version;
    char rule[201], ref[201];
    int has_rule, has_ref;
} held;

static int read_held(patron_db *db, const char *key, held *h)
{
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, "SELECT id, member_id, kind, at, effective_at, coalesce(spend, 0), "
                                       "coalesce(rule_version, 0), rule, ref FROM postings WHERE key = ?", "t", key);
    if (rc)
        return rc;
    memset(h, 0, sizeof *h);
    rc = patron__sql_step(db, st);
    if (rc == PATRON__ROW) {
        h->id = patron__sql_col_int(db, st, 0);
        h->member = patron__sql_col_int(db, st, 1);
        h->kind = patron__sql_col_int(db, st, 2);
        h->at = patron__sql_col_int(db, st, 3);
        h->effective_at = patron__sql_col_int(db, st, 4);
        h->spend = patron__sql_col_int(db, st, 5);
        h->rule_version = patron__sql_col_int(db, st, 6);
        const char *rule = patron__sql_col_text(db, st, 7), *ref = patron__sql_col_text(db, st, 8);
        h->has_rule = rule != NULL;
        h->has_ref = ref != NULL;
        snprintf(h->rule, sizeof h->rule, "%s", rule ? rule : "");
        snprintf(h->ref, sizeof h->ref, "%s", ref ? ref : "");
    }
    patron__sql_done(db, st);
    if (rc == PATRON__ROW && patron__account_program(h->member) != patron__program_id(db))
        return patron__fail(PATRON_ENOTFOUND, "patron_ledger_release: no posting with key '%s' in program '%s'", key,
                            patron__program_name(db));
    h->member = patron__account_member(h->member); /* (an account id of the current program) */
    if (rc == PATRON__ROW)
        return PATRON_OK;
    return rc < 0 ? rc : patron__fail(PATRON_ENOTFOUND, "patron_ledger_release: no posting with key '%s'", key);
}

static int release(patron_db *db, patron_posting_result *res, const char *key, int64_t at)
{
    char rel[PATRON__RELEASE_KEY_MAX + 16], done[PATRON__RELEASE_KEY_MAX + 16];
    snprintf(rel, sizeof rel, "%s:release", key);
    snprintf(done, sizeof done, "%s:released", key);
    /* the held earn first: a key of another program is none of this one's */
    held h;
    int rc = read_held(db, key, &h);
    if (rc)
        return rc;
    /* released before: the released earn, replayed */
    int64_t id = 0, net = 0;
    if ((rc = patron__ledger_key_net(db, done, &id, &net)))
        return rc;
    if (id) {
        int64_t pts = 0;
        if ((rc = patron__sql_int(db, &pts, 0, "SELECT points FROM postings WHERE id = ?", "i", id)))
            return rc;
        *res = (patron_posting_result){id, pts, 1};
        return PATRON_OK;
    }
    if (h.kind != PATRON_POSTING_EARN || h.effective_at != PATRON_NEVER)
        return patron__fail(PATRON_EINVAL, "patron_ledger_release: posting %" PRId64 " ('%s') is not an earn pending "
                                           "until an action (mature_at PATRON_NEVER)", h.id, key);
    if (at < h.at)
        return patron__fail(PATRON_EINVAL, "patron_ledger_release: at %" PRId64 " is before the earn's at %" PRId64
                                           " ('%s')", at, h.at, key);
    if ((rc = patron__ledger_key_net(db, key, &id, &net)))
        return rc;
    if (net <= 0)
        return patron__fail(PATRON_ECONFLICT, "patron_ledger_release: '%s' was fully reversed (returned) before its "
                                              "release: nothing to release", key);
    patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
    r.key = rel;
    r.target = h.id;
    r.points = net;
    r.at = at;
    r.reason = "released";
    if ((rc = patron_ledger_reverse(db, NULL, &r)))
        return rc;
    patron_posting_request e = PATRON_POSTING_REQUEST_INIT;
    e.key = done;
    e.member_id = h.member;
    e.points = net;
    e.at = at;
    e.mature_at = at;
    e.spend = h.spend;
    e.rule = h.has_rule ? h.rule : NULL;
    e.rule_version = h.rule_version;
    e.ref = h.has_ref ? h.ref : NULL;
    e.reason = "released";
    return patron_ledger_earn(db, res, &e);
}

int patron_ledger_release(patron_db *db, patron_posting_result *result, const char *key, int64_t at)
{
    int rc = patron__db_check(db, "patron_ledger_release");
    if (rc)
        return rc;
    if ((rc = patron__key_check("patron_ledger_release", "key", key, PATRON__RELEASE_KEY_MAX)) ||
        (rc = patron__time_check("patron_ledger_release", "at", at)))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    patron_posting_result res = {0, 0, 0};
    rc = release(db, &res, key, at);
    rc = patron__tx_end(db, rc);
    if (rc == PATRON_OK && result)
        *result = res;
    return rc;
}
