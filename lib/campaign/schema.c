/* The campaign module's tables (schema version 8): the definitions, and one
 * row per assigned member (keyed by member as well, so the table can be
 * distributed by member). */
#include "internal/schema.h"

#define CAMPAIGN_TABLES                                                                                      \
    "CREATE TABLE campaigns(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, fp INTEGER NOT NULL,"         \
    "  segment TEXT, offer TEXT, control_share TEXT NOT NULL, conversion_days INTEGER NOT NULL,"             \
    "  starts INTEGER NOT NULL, ends INTEGER NOT NULL);"                                                     \
    "CREATE TABLE campaign_members(campaign_id INTEGER NOT NULL, member_id INTEGER NOT NULL,"                \
    "  grp INTEGER NOT NULL, assigned_at INTEGER NOT NULL, PRIMARY KEY(campaign_id, member_id));"

const patron__schema_part patron__campaign_schema = {
    .module = "campaign",
    .current = CAMPAIGN_TABLES,
    .steps = {[7] = CAMPAIGN_TABLES /* 8: campaigns are new */},
};
