/* The audit trail: recording administrative changes (patron__audit, called
 * by the modules that make them, inside their transaction) and listing
 * them. Who and when come from the handle (its slot): the actor set by
 * patron_db_set_actor and an optional fixed audit time. */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "internal/alloc.h"
#include "internal/audit.h"
#include "internal/error.h"
#include "internal/options.h"
#include "internal/store.h"
#include "patron/audit.h"

typedef struct audit_state {
    char *actor;    /* NULL: none set */
    int64_t at;     /* -1 (or 0 when never set): the system clock */
    int fixed;
} audit_state;

static void audit_state_release(void *state)
{
    patron__free(((audit_state *)state)->actor);
}

static const patron__slot_type audit_slot = {"audit", sizeof(audit_state), audit_state_release};

int patron_db_set_actor(patron_db *db, const char *actor)
{
    int rc = patron__db_check(db, "patron_db_set_actor");
    if (rc)
        return rc;
    if (actor && (!actor[0] || strlen(actor) > 200))
        return patron__fail(PATRON_EINVAL, "patron_db_set_actor: actor must be 1..200 bytes (NULL clears it)");
    audit_state *as = patron__slot(db, &audit_slot);
    char *copy = actor ? patron__strdup(actor) : NULL;
    if (!as || (actor && !copy)) {
        patron__free(copy);
        return patron__oom();
    }
    patron__free(as->actor);
    as->actor = copy;
    return PATRON_OK;
}

int patron_db_set_audit_time(patron_db *db, int64_t at)
{
    int rc = patron__db_check(db, "patron_db_set_audit_time");
    if (rc)
        return rc;
    if (at != -1 && (at < PATRON_STORE_TIME_MIN || at >= PATRON_STORE_TIME_MAX))
        return patron__fail(PATRON_EINVAL, "patron_db_set_audit_time: at %" PRId64
                                           " is outside [1970, 2200) (seconds, not milliseconds); -1 = the clock", at);
    audit_state *as = patron__slot(db, &audit_slot);
    if (!as)
        return patron__oom();
    as->fixed = at != -1;
    as->at = at;
    return PATRON_OK;
}

int patron__audit(patron_db *db, const char *action, int64_t member, const char *op, const char *detail)
{
    audit_state *as = patron__slot(db, &audit_slot);
    if (!as)
        return patron__oom();
    const char *who = as->actor ? as->actor : op && op[0] ? op : "unknown";
    int64_t at = as->fixed ? as->at : (int64_t)time(NULL);
    return patron__sql_run(db, "INSERT INTO audit_log(at, actor, action, member_id, detail) VALUES(?,?,?,?,?)",
                           "ittit", at, who, action, member, detail ? detail : "{}");
}

/* ---- listing -------------------------------------------------------------- */

struct patron_audit_entries {
    size_t n;
    patron_audit_entry *v;
};

size_t patron_audit_entries_count(const patron_audit_entries *list)
{
    return list ? list->n : 0;
}

const patron_audit_entry *patron_audit_entries_get(const patron_audit_entries *list, size_t i)
{
    return list && i < list->n ? &list->v[i] : NULL;
}

void patron_audit_entries_free(patron_audit_entries *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n; i++) {
        patron__free((char *)list->v[i].actor);
        patron__free((char *)list->v[i].action);
        patron__free((char *)list->v[i].detail);
    }
    patron__free(list->v);
    patron__free(list);
}

/* (CAST: PostgreSQL must know the type of a parameter bound as NULL.)
 * One statement per index it leads with (member, actor, time); the same
 * filters in each: ?1 member (0 any), ?2 actor (NULL any), [?3, ?4) time,
 * ?5 after id, ?6 limit. */
#define AUDIT_COLS "SELECT id, at, actor, action, member_id, detail FROM audit_log "
#define AUDIT_REST "AND id > ?5 AND at >= ?3 AND at < ?4 AND (CAST(?2 AS TEXT) IS NULL OR actor = ?2) ORDER BY id LIMIT ?6"
static const char by_member[] = AUDIT_COLS "WHERE member_id = ?1 " AUDIT_REST;
static const char by_actor[] = AUDIT_COLS "WHERE actor = ?2 AND (?1 = 0 OR member_id = ?1) " AUDIT_REST;
static const char by_any[] = AUDIT_COLS "WHERE (?1 = 0 OR member_id = ?1) " AUDIT_REST;

static int dup_text(patron_db *db, patron__stmt *st, int col, const char **out)
{
    const char *t = patron__sql_col_text(db, st, col);
    *out = patron__strdup(t ? t : "");
    return *out ? PATRON_OK : patron__oom();
}

int patron_audit_list(patron_db *db, patron_audit_entries **out, const patron_audit_query *query)
{
    int rc = patron__db_check(db, "patron_audit_list");
    if (rc)
        return rc;
    if (!out)
        return patron__fail(PATRON_EINVAL, "patron_audit_list: out is NULL");
    patron_audit_query q = PATRON_AUDIT_QUERY_INIT;
    if ((rc = patron__options_copy(&q, sizeof q, query, sizeof q, "patron_audit_query")))
        return rc;
    if (q.member_id < 0)
        return patron__fail(PATRON_EINVAL, "patron_audit_query.member_id %" PRId64 " is negative", q.member_id);
    if (q.limit < 0 || q.limit > 100000)
        return patron__fail(PATRON_EINVAL, "patron_audit_query.limit %" PRId64 " is out of range (0..100000)", q.limit);
    if (q.after_id < 0)
        return patron__fail(PATRON_EINVAL, "patron_audit_query.after_id %" PRId64 " is negative", q.after_id);
    if (q.actor && !q.actor[0])
        return patron__fail(PATRON_EINVAL, "patron_audit_query.actor is empty (NULL = any)");
    int64_t to = q.until ? q.until : INT64_MAX, limit = q.limit ? q.limit : 1000;
    if (q.since > to)
        return patron__fail(PATRON_EINVAL, "patron_audit_query: since %" PRId64 " is after until %" PRId64, q.since,
                            to);
    patron_audit_entries *l = patron__calloc(1, sizeof *l);
    if (!l)
        return patron__oom();
    const char *sql = q.member_id ? by_member : q.actor ? by_actor : by_any;
    patron__stmt *st = NULL;
    rc = patron__sql_bind(db, &st, sql, "itiiii", q.member_id, q.actor, q.since, to, q.after_id, limit);
    int bound = rc == PATRON_OK;
    size_t cap = 0;
    while (rc == PATRON_OK && (rc = patron__sql_step(db, st)) == PATRON__ROW) {
        if (patron__grow(&l->v, &cap, l->n + 1, sizeof *l->v)) {
            rc = patron__oom();
            break;
        }
        patron_audit_entry *e = &l->v[l->n];
        memset(e, 0, sizeof *e);
        e->id = patron__sql_col_int(db, st, 0);
        e->at = patron__sql_col_int(db, st, 1);
        e->member_id = patron__sql_col_int(db, st, 4);
        l->n++; /* freed with the list even when a copy below fails */
        if ((rc = dup_text(db, st, 2, &e->actor)) || (rc = dup_text(db, st, 3, &e->action)) ||
            (rc = dup_text(db, st, 5, &e->detail)))
            break;
        rc = PATRON_OK;
    }
    if (bound)
        patron__sql_done(db, st);
    if (rc < 0) {
        patron_audit_entries_free(l);
        return rc;
    }
    *out = l;
    return PATRON_OK;
}
