/* The member core: who a member is and which member an id means now
 * (lib/internal/member.h). Its only table is `members`. */
#include <inttypes.h>

#include "internal/program.h"
#include "internal/error.h"
#include "internal/member.h"
#include "internal/store.h"

int patron__member_create(patron_db *db, int64_t *id, int64_t joined_at, int64_t created_at)
{
    int rc = patron__sql_run(db, "INSERT INTO members(joined_at, created_at) VALUES(?,?)", "ii", joined_at, created_at);
    if (rc == PATRON_OK)
        *id = patron__sql_last_id(db);
    /* member ids name ledger accounts below 2^40 (lib/internal/program.h):
     * the caller's transaction rolls this one back */
    if (rc == PATRON_OK && *id > PATRON__MEMBER_ID_MAX)
        rc = patron__fail(PATRON_ERANGE, "member id %" PRId64 " is beyond the store's bound (2^40 - 1 members)", *id);
    return rc;
}

int patron__member_resolve(patron_db *db, int64_t *out, int64_t member_id, int need_active)
{
    static const char sql[] = "SELECT merged_into, erased_at FROM members WHERE id = ?";
    int64_t id = member_id;
    /* merges are flattened (every merged member names the survivor), so one
     * hop suffices; the bound only guards a corrupted store */
    for (int hops = 0; hops < 64; hops++) {
        patron__stmt *st;
        int rc = patron__sql_bind(db, &st, sql, "i", id);
        if (rc)
            return rc;
        rc = patron__sql_step(db, st);
        if (rc != PATRON__ROW) {
            patron__sql_done(db, st);
            return rc < 0 ? rc : patron__fail(PATRON_ENOTFOUND, "member %" PRId64 " not found", member_id);
        }
        int merged = !patron__sql_col_null(db, st, 0);
        int64_t next = patron__sql_col_int(db, st, 0);
        int erased = !patron__sql_col_null(db, st, 1);
        patron__sql_done(db, st);
        if (!merged) {
            if (erased && need_active)
                return patron__fail(PATRON_ENOTFOUND, "member %" PRId64 " was erased", member_id);
            *out = id;
            return PATRON_OK;
        }
        id = next;
    }
    return patron__fail(PATRON_ECORRUPT, "member %" PRId64 ": merge chain too long", member_id);
}

int patron__member_group_next(patron_db *db, int64_t kept, int64_t cur, int64_t *next)
{
    return patron__sql_int(db, next, 0, "SELECT min(id) FROM members WHERE merged_into = ? AND id > ?", "ii", kept,
                           cur == kept ? 0 : cur);
}

int patron__member_next_active(patron_db *db, int64_t after, int64_t *next)
{
    return patron__sql_int(db, next, 0,
                           "SELECT min(id) FROM members WHERE id > ? AND merged_into IS NULL AND erased_at IS NULL", "i",
                           after);
}

int patron__member_each_changed(patron_db *db, int (*each)(void *ctx, int64_t id, int64_t merged_into, int erased),
                                void *ctx)
{
    static const char sql[] = "SELECT id, coalesce(merged_into, 0), CASE WHEN erased_at IS NULL THEN 0 ELSE 1 END FROM members "
                              "WHERE merged_into IS NOT NULL OR erased_at IS NOT NULL ORDER BY id";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "");
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW)
        if ((rc = each(ctx, patron__sql_col_int(db, st, 0), patron__sql_col_int(db, st, 1),
                       (int)patron__sql_col_int(db, st, 2))))
            break;
    patron__sql_done(db, st);
    return rc == PATRON__DONE ? PATRON_OK : rc;
}

int patron__member_each(patron_db *db,
                        int (*each)(void *ctx, int64_t id, int64_t merged_into, int64_t joined_at, int erased),
                        void *ctx)
{
    static const char sql[] = "SELECT id, coalesce(merged_into, 0), coalesce(joined_at, 0), "
                              "CASE WHEN erased_at IS NULL THEN 0 ELSE 1 END FROM members ORDER BY id";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "");
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW)
        if ((rc = each(ctx, patron__sql_col_int(db, st, 0), patron__sql_col_int(db, st, 1),
                       patron__sql_col_int(db, st, 2), (int)patron__sql_col_int(db, st, 3))))
            break;
    patron__sql_done(db, st);
    return rc == PATRON__DONE ? PATRON_OK : rc;
}

int patron__member_count(patron_db *db, int64_t *n)
{
    return patron__sql_int(db, n, 0, "SELECT count(*) FROM members", "");
}

/* One column of member `id`; ENOTFOUND with a message for an unknown id. */
static int member_int(patron_db *db, const char *sql, int64_t id, int64_t *out)
{
    int rc = patron__sql_int(db, out, 0, sql, "i", id);
    if (rc == PATRON_ENOTFOUND)
        return patron__fail(PATRON_ENOTFOUND, "member %" PRId64 " not found", id);
    return rc;
}

int patron__member_joined_at(patron_db *db, int64_t id, int64_t *joined_at)
{
    return member_int(db, "SELECT joined_at FROM members WHERE id = ?", id, joined_at);
}

int patron__member_set_joined_at(patron_db *db, int64_t id, int64_t joined_at)
{
    return patron__sql_run(db, "UPDATE members SET joined_at = ? WHERE id = ?", "ii", joined_at, id);
}

int patron__member_referrer(patron_db *db, int64_t id, int64_t *referrer)
{
    return member_int(db, "SELECT referrer FROM members WHERE id = ?", id, referrer);
}

int patron__member_set_referrer(patron_db *db, int64_t id, int64_t referrer)
{
    return patron__sql_run(db, "UPDATE members SET referrer = ? WHERE id = ?", "ii", referrer, id);
}

int patron__member_record_merge(patron_db *db, int64_t kept, int64_t merged)
{
    /* the merged member's row is read, then the survivor's written: each
     * statement names one member (one shard when members are distributed) */
    patron__stmt *st = NULL;
    int rc = patron__sql_bind(db, &st, "SELECT joined_at, referrer FROM members WHERE id = ?", "i", merged);
    if (rc == PATRON_OK && (rc = patron__sql_step(db, st)) == PATRON__ROW) {
        int64_t joined = patron__sql_col_int(db, st, 0);
        int has_referrer = !patron__sql_col_null(db, st, 1);
        int64_t referrer = patron__sql_col_int(db, st, 1);
        patron__sql_done(db, st);
        st = NULL;
        rc = patron__sql_run(db, "UPDATE members SET joined_at = ? WHERE id = ? AND joined_at > ?", "iii", joined, kept,
                             joined);
        if (rc == PATRON_OK && has_referrer)
            rc = patron__sql_run(db, "UPDATE members SET referrer = ? WHERE id = ? AND referrer IS NULL", "ii", referrer,
                                 kept);
    }
    if (rc == PATRON__DONE)
        rc = PATRON_OK;
    if (st)
        patron__sql_done(db, st);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "UPDATE members SET merged_into = ? WHERE id = ? OR merged_into = ?", "iii", kept,
                             merged, merged);
    return rc;
}

int patron__member_record_erasure(patron_db *db, int64_t id, int64_t at)
{
    return patron__sql_run(db, "UPDATE members SET erased_at = ? WHERE id = ? OR merged_into = ?", "iii", at, id, id);
}
