/* Internal to lib/campaign: a stored campaign as the module's calls read it. */
#ifndef PATRON_CAMPAIGN_INT_H
#define PATRON_CAMPAIGN_INT_H

#include <stdint.h>

#include "patron/campaign.h"

typedef struct patron__campaign {
    int64_t id;
    char *name, *segment, *offer; /* owned; segment and offer NULL when unset */
    double control_share;
    int32_t conversion_days;
    int64_t starts, ends; /* PATRON_TIME_NONE: open */
} patron__campaign;

/* The campaign called `name`: ENOTFOUND "<func>: no campaign 'name'". */
int patron__campaign_load(patron_db *db, const char *func, const char *name, patron__campaign *out);
void patron__campaign_release(patron__campaign *c);

/* EINVAL unless `at` is a store time within the campaign's dates. */
int patron__campaign_check_at(const char *func, const patron__campaign *c, int64_t at);

/* Assign the active member `member` (resolved) at `at`, inside the caller's
 * write transaction: *group and *assigned_at receive the assignment (the
 * stored one when there is one), *is_new whether this call made it. */
int patron__campaign_assign_in_tx(patron_db *db, const patron__campaign *c, int64_t member, int64_t at,
                                  int32_t *group, int64_t *assigned_at, int32_t *is_new);

#endif
