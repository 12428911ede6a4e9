/* Assigning members to a campaign's groups: the experiments module's hash
 * decides (so every server agrees without asking the store), the store keeps
 * the first assignment's time. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "campaign_int.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/member.h"
#include "internal/store.h"
#include "patron/abtest.h"

/* The group the hash gives `member`: variant 0 (weight control_share) is
 * the control group, variant 1 the treatment. */
static int hashed_group(const patron__campaign *c, int64_t member, int32_t *group)
{
    char key[256], id[24];
    snprintf(key, sizeof key, "campaign:%s", c->name);
    snprintf(id, sizeof id, "%" PRId64, member);
    double weights[2] = {c->control_share, 1.0 - c->control_share};
    int variant = 0;
    int rc = patron_abtest_assign(&variant, key, id, weights, 2, NULL);
    if (rc)
        return rc;
    *group = variant == 0 ? PATRON_CAMPAIGN_CONTROL : PATRON_CAMPAIGN_TREATMENT;
    return PATRON_OK;
}

int patron__campaign_assign_in_tx(patron_db *db, const patron__campaign *c, int64_t member, int64_t at,
                                  int32_t *group, int64_t *assigned_at, int32_t *is_new)
{
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, "SELECT grp, assigned_at FROM campaign_members WHERE campaign_id = ? AND "
                                       "member_id = ?",
                              "ii", c->id, member);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    if (rc == PATRON__ROW) {
        *group = (int32_t)patron__sql_col_int(db, st, 0);
        *assigned_at = patron__sql_col_int(db, st, 1);
        *is_new = 0;
        rc = PATRON_OK;
    } else if (rc == 0) {
        rc = 1; /* not assigned yet */
    }
    patron__sql_done(db, st);
    if (rc <= 0)
        return rc;
    if ((rc = hashed_group(c, member, group)))
        return rc;
    *assigned_at = at;
    *is_new = 1;
    return patron__sql_run(db, "INSERT INTO campaign_members(campaign_id, member_id, grp, assigned_at) VALUES(?,?,?,?)",
                           "iiii", c->id, member, (int64_t)*group, at);
}

int patron_campaign_assign(patron_db *db, int32_t *group, int64_t *assigned_at, const char *campaign,
                           int64_t member_id, int64_t at)
{
    static const char func[] = "patron_campaign_assign";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    patron__campaign c;
    if ((rc = patron__campaign_load(db, func, campaign, &c)))
        return rc;
    int32_t g = 0, is_new = 0;
    int64_t when = 0, member = 0;
    if ((rc = patron__time_check(func, "at", at)) == PATRON_OK && (rc = patron__tx_begin(db)) == PATRON_OK) {
        if ((rc = patron__member_resolve(db, &member, member_id, 1)) == PATRON_OK)
            rc = patron__campaign_assign_in_tx(db, &c, member, at, &g, &when, &is_new);
        /* a new assignment must fall within the campaign's dates; reading an
         * old one is always allowed */
        if (rc == PATRON_OK && is_new)
            rc = patron__campaign_check_at(func, &c, at);
        rc = patron__tx_end(db, rc);
    }
    patron__campaign_release(&c);
    if (rc == PATRON_OK) {
        if (group)
            *group = g;
        if (assigned_at)
            *assigned_at = when;
    }
    return rc;
}
