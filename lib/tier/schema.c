/* The tier module's tables: tier definitions, each member's tier state and
 * the history of tier changes; since version 8 the lifetime marks and the
 * named benefits of tiers (by tier name, kept across reconfigurations). */
#include "internal/schema.h"

#define TIER_V1_TABLES                                                                                     \
    "CREATE TABLE tier_defs(name TEXT PRIMARY KEY, rank INTEGER NOT NULL UNIQUE,"                          \
    "  threshold INTEGER NOT NULL, multiplier_pct INTEGER NOT NULL);"                                      \
    "CREATE TABLE tier_history(id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL,"                        \
    "  from_tier TEXT, to_tier TEXT, at INTEGER NOT NULL, reason TEXT NOT NULL);"                          \
    "CREATE INDEX tier_history_member ON tier_history(member_id, at);"
/* A member's current tier, since when, and the end of its grace period (a
 * row only for members that ever had a tier or a grace period). */
#define TIER_STATE_TABLE                                                                                   \
    "CREATE TABLE tier_state(member_id INTEGER NOT NULL PRIMARY KEY, tier TEXT, since INTEGER,"           \
    "  grace_until INTEGER);"
/* Version 8: the tier's expiry date of each member (NULL: none), lifetime
 * tiers and the benefits of each tier in the order a till shows them. */
#define TIER_V8_TABLES                                                                                     \
    "CREATE TABLE tier_options(tier TEXT PRIMARY KEY, lifetime INTEGER NOT NULL);"                         \
    "CREATE TABLE tier_benefits(tier TEXT NOT NULL, position INTEGER NOT NULL, benefit TEXT NOT NULL,"     \
    "  PRIMARY KEY(tier, position));"

const patron__schema_part patron__tier_schema = {
    .module = "tier",
    .current = TIER_V1_TABLES
    "CREATE TABLE tier_state(member_id INTEGER NOT NULL PRIMARY KEY, tier TEXT, since INTEGER,"
    "  grace_until INTEGER, valid_until INTEGER);" TIER_V8_TABLES,
    .steps = {
        TIER_V1_TABLES, /* 1 (the state was columns of `members`) */
        NULL,
        NULL,
        /* 4: the state leaves the member core's table */
        TIER_STATE_TABLE
        "INSERT INTO tier_state(member_id, tier, since, grace_until)"
        "  SELECT id, tier, tier_since, tier_grace_until FROM members"
        "  WHERE tier IS NOT NULL OR tier_since IS NOT NULL OR tier_grace_until IS NOT NULL;",
        NULL,
        NULL,
        NULL,
        /* 8: tier expiry dates, lifetime tiers, named benefits */
        "ALTER TABLE tier_state ADD COLUMN valid_until INTEGER;" TIER_V8_TABLES,
    },
};
