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
    /* fill empty fields of the survivor */
    static const char *const fill[] = {
        "UPDATE profiles SET phone = (SELECT phone FROM profiles WHERE member_id = ?) WHERE member_id = ? AND phone IS NULL",
        "UPDATE profiles SET email = (SELECT email FROM profiles WHERE member_id = ?) WHERE member_id = ? AND email IS NULL",
        "UPDATE profiles SET city = (SELECT city FROM profiles WHERE member_id = ?) WHERE member_id = ? AND city IS NULL",
        "UPDATE profiles SET birth_date = (SELECT birth_date FROM profiles WHERE member_id = ?) "
        "WHERE member_id = ? AND birth_date IS NULL",
        "UPDATE profiles SET gender = (SELECT gender FROM profiles WHERE member_id = ?) WHERE member_id = ? AND gender IS NULL",
        "UPDATE profiles SET categories = (SELECT categories FROM profiles WHERE member_id = ?) "
        "WHERE member_id = ? AND categories IS NULL",
    };
    for (size_t i = 0; i < sizeof fill / sizeof fill[0] && rc == PATRON_OK; i++)
        rc = patron__sql_run(db, fill[i], "ii", m, k);
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
        rc = patron__sql_run(db, "UPDATE consents SET member_id = ? WHERE member_id = ?", "ii", k, m);
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
