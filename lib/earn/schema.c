/* The earning module's tables: versioned earning rules and the purchases it
 * scored (their key makes scoring idempotent). Version 6 records when a
 * purchase was returned, so a transaction log "as of" a moment before the
 * return still holds it (lib/mart). */
#include "internal/schema.h"

#define EARN_TABLES_V1                                                                                          \
    "CREATE TABLE earn_rules("                                                                               \
    "  id INTEGER PRIMARY KEY, rule TEXT NOT NULL, version INTEGER NOT NULL, kind INTEGER NOT NULL,"         \
    "  valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL,"                                              \
    "  points INTEGER NOT NULL, per_amount INTEGER NOT NULL, percent INTEGER NOT NULL,"                      \
    "  category TEXT, product TEXT, tier TEXT, count INTEGER NOT NULL, window_days INTEGER NOT NULL,"         \
    "  referee_points INTEGER NOT NULL,"                                                                     \
    "  UNIQUE(rule, version));"                                                                              \
    "CREATE TABLE purchases(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, fp INTEGER NOT NULL,"          \
    "  member_id INTEGER NOT NULL, at INTEGER NOT NULL, amount INTEGER NOT NULL,"                            \
    "  points INTEGER NOT NULL, returned INTEGER NOT NULL DEFAULT 0);"                                       \
    "CREATE INDEX purchases_member ON purchases(member_id, at);"

/* Returns recorded before version 6 have no time: the purchase's own time
 * stands in (a log as of any moment leaves them out, as it did before). */
#define EARN_STEP_6                                                                                          \
    "ALTER TABLE purchases ADD COLUMN returned_at INTEGER;"                                                  \
    "UPDATE purchases SET returned_at = at WHERE returned <> 0;"

#define EARN_TABLES                                                                                          \
    "CREATE TABLE earn_rules("                                                                               \
    "  id INTEGER PRIMARY KEY, rule TEXT NOT NULL, version INTEGER NOT NULL, kind INTEGER NOT NULL,"         \
    "  valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL,"                                              \
    "  points INTEGER NOT NULL, per_amount INTEGER NOT NULL, percent INTEGER NOT NULL,"                      \
    "  category TEXT, product TEXT, tier TEXT, count INTEGER NOT NULL, window_days INTEGER NOT NULL,"         \
    "  referee_points INTEGER NOT NULL,"                                                                     \
    "  UNIQUE(rule, version));"                                                                              \
    "CREATE TABLE purchases(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, fp INTEGER NOT NULL,"          \
    "  member_id INTEGER NOT NULL, at INTEGER NOT NULL, amount INTEGER NOT NULL,"                            \
    "  points INTEGER NOT NULL, returned INTEGER NOT NULL DEFAULT 0, returned_at INTEGER);"                  \
    "CREATE INDEX purchases_member ON purchases(member_id, at);"

const patron__schema_part patron__earn_schema = {
    .module = "earn",
    .current = EARN_TABLES,
    .steps = {EARN_TABLES_V1, [5] = EARN_STEP_6},
};
