/* Merging two members: the one place that spans the modules keeping state
 * per member. It runs above all of them, in one transaction, in this order:
 * the profile's own tables (fields the survivor lacks, identifiers,
 * attributes, consents, the merge record), the journey state
 * (lib/journey), the ledger (open lots move with paired transfer postings,
 * lib/ledger), and last the member core, which records that the merged id
 * now means the survivor. No module below calls back into this file. */
#include <inttypes.h>

#include "internal/civil.h"
#include "internal/error.h"
#include "internal/journey.h"
#include "internal/ledger.h"
#include "internal/member.h"
#include "internal/store.h"
#include "notify.h"
#include "patron/profile.h"

static int merge_impl(patron_db *db, int64_t kept, int64_t merged, int64_t at, const char *op, const char *reason)
{
    int64_t k, m;
    int rc = patron__member_resolve(db, &k, kept, 1);
    if (rc == PATRON_OK)
        rc = patron__member_resolve(db, &m, merged, 1);
    if (rc)
        return rc;
    if (k == m)
        return patron__fail(PATRON_EINVAL, "merge: members %" PRId64 " and %" PRId64 " are the same member", kept, merged);
    /* fill empty fields of the survivor: the merged member's fields are
     * read, then written in one statement that names only the survivor
     * (each statement one member's rows: one shard when distributed) */
    patron__stmt *st = NULL;
    rc = patron__sql_bind(db, &st, "SELECT phone, email, city, birth_date, gender, categories FROM profiles "
                                   "WHERE member_id = ?", "i", m);
    if (rc == PATRON_OK && (rc = patron__sql_step(db, st)) == PATRON__ROW) {
        const char *v[6];
        for (int i = 0; i < 6; i++)
            v[i] = patron__sql_col_text(db, st, i);
        rc = patron__sql_run(db, "UPDATE profiles SET phone = coalesce(phone, ?), email = coalesce(email, ?), "
                                 "city = coalesce(city, ?), birth_date = coalesce(birth_date, ?), "
                                 "gender = coalesce(gender, ?), categories = coalesce(categories, ?) WHERE member_id = ?",
                             "tttttti", v[0], v[1], v[2], v[3], v[4], v[5], k);
    }
    if (rc == PATRON__DONE)
        rc = PATRON_OK;
    if (st)
        patron__sql_done(db, st);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "UPDATE identifiers SET member_id = ? WHERE member_id = ?", "ii", k, m);
    if (rc == PATRON_OK) /* journey state: the newer of the two wins (lib/journey) */
        rc = patron__journey_merge_state(db, k, m);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "INSERT INTO attrs(member_id, name, value) "
                                 "SELECT ?, name, value FROM attrs WHERE member_id = ? ON CONFLICT DO NOTHING", "ii", k, m);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "DELETE FROM attrs WHERE member_id = ?", "i", m);
    if (rc == PATRON_OK)
        /* rows change member by a copy and a delete: a table distributed
         * by member_id cannot change a row's member in place */
        rc = patron__sql_run(db, "INSERT INTO consents(member_id, channel, granted, at, source) "
                                 "SELECT ?, channel, granted, at, source FROM consents WHERE member_id = ? ORDER BY id",
                             "ii", k, m);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "DELETE FROM consents WHERE member_id = ?", "i", m);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "INSERT INTO merges(kept, merged, at, operator, reason, points_moved) "
                                 "VALUES(?,?,?,?,?,0)", "iiitt", k, m, at, op, reason);
    if (rc)
        return rc;
    int64_t merge_id = patron__sql_last_id(db), moved = 0;
    rc = patron__ledger_merge(db, k, m, at, merge_id, &moved);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "UPDATE merges SET points_moved = ? WHERE id = ?", "ii", moved, merge_id);
    if (rc == PATRON_OK) /* last: the member core records the outcome */
        rc = patron__member_record_merge(db, k, m);
    if (rc == PATRON_OK) /* the outbox and audit hook */
        rc = patron__profile_notify_merged(db, k, m, at, moved, op, reason);
    return rc;
}

int patron_profile_merge(patron_db *db, int64_t kept, int64_t merged, int64_t at, const char *operator_name,
                         const char *reason)
{
    int rc = patron__db_check(db, "patron_profile_merge");
    if (rc == PATRON_OK)
        rc = patron__time_check("patron_profile_merge", "at", at);
    if (rc)
        return rc;
    if (!operator_name || !operator_name[0])
        return patron__fail(PATRON_EINVAL, "merge: operator is required for the audit record");
    if ((rc = patron__tx_begin(db)))
        return rc;
    return patron__tx_end(db, merge_impl(db, kept, merged, at, operator_name, reason));
}
