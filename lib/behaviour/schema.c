/* The behaviour module's table (version 6; an index at version 8): one row per event; the key is
 * unique per member so the table can be distributed by member. */
#include "internal/schema.h"

#define BEHAVIOUR_TABLES                                                                                     \
    "CREATE TABLE behaviour_events(id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL, key TEXT NOT NULL,"  \
    "  fp INTEGER NOT NULL, at INTEGER NOT NULL, kind INTEGER NOT NULL, source TEXT, campaign TEXT,"         \
    "  subject TEXT, value TEXT, score INTEGER NOT NULL, UNIQUE(member_id, key));"                           \
    "CREATE INDEX behaviour_member ON behaviour_events(member_id, at);"
/* version 8: campaigns read their events by campaign */
#define BEHAVIOUR_CAMPAIGN_INDEX "CREATE INDEX behaviour_campaign ON behaviour_events(campaign);"

const patron__schema_part patron__behaviour_schema = {
    .module = "behaviour",
    .current = BEHAVIOUR_TABLES BEHAVIOUR_CAMPAIGN_INDEX,
    .steps = {[5] = BEHAVIOUR_TABLES, [7] = BEHAVIOUR_CAMPAIGN_INDEX},
};
