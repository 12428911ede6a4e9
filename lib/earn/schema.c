/* The earning module's tables: versioned earning rules and the purchases it
 * scored (their key makes scoring idempotent). Unchanged since version 1. */
#include "internal/schema.h"

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
    "  points INTEGER NOT NULL, returned INTEGER NOT NULL DEFAULT 0);"                                       \
    "CREATE INDEX purchases_member ON purchases(member_id, at);"

const patron__schema_part patron__earn_schema = {
    .module = "earn",
    .current = EARN_TABLES,
    .steps = {EARN_TABLES},
};
