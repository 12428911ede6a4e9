/* Tier order for other modules: where a tier stands among the configured
 * tiers (the rewards catalogue compares a member's tier with a reward's
 * minimum). The catalogue is the store's: it compares with the default
 * program's tiers (program 1, where a member's state is under their member
 * id), whichever program the handle is in. */
#include "internal/store.h"
#include "internal/tier.h"

int patron__tier_rank(patron_db *db, const char *name, int64_t *rank)
{
    return patron__sql_int(db, rank, -1, "SELECT rank FROM tier_defs WHERE program = 1 AND name = ?", "t", name);
}

int patron__tier_member_rank(patron_db *db, int64_t member, int64_t *rank)
{
    int rc = patron__sql_int(db, rank, -1,
                             "SELECT d.rank FROM tier_state s JOIN tier_defs d ON d.program = 1 AND d.name = s.tier "
                             "WHERE s.member_id = ?",
                             "i", member);
    if (rc == PATRON_ENOTFOUND) {
        *rank = -1;
        rc = PATRON_OK;
    }
    return rc;
}
