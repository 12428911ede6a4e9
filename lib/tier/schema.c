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

/* Version 10: tiers belong to a program (1, the default program, for those
 * configured before): definitions, lifetime marks and benefits are keyed by
 * (program, tier name), a rank is unique in its program. A member's state
 * and history in program k are kept under their account id in it
 * (lib/internal/program.h: the member id in the default program), so those
 * tables keep their shape. The keys change: the tables are rebuilt. */
#define TIER_DEFS_V10(name)                                                                                \
    "CREATE TABLE " name "(program INTEGER NOT NULL DEFAULT 1, name TEXT NOT NULL, rank INTEGER NOT NULL," \
    "  threshold INTEGER NOT NULL, multiplier_pct INTEGER NOT NULL, PRIMARY KEY(program, name),"          \
    "  UNIQUE(program, rank));"
#define TIER_OPTIONS_V10(name)                                                                             \
    "CREATE TABLE " name "(program INTEGER NOT NULL DEFAULT 1, tier TEXT NOT NULL, lifetime INTEGER NOT NULL," \
    "  PRIMARY KEY(program, tier));"
#define TIER_BENEFITS_V10(name)                                                                            \
    "CREATE TABLE " name "(program INTEGER NOT NULL DEFAULT 1, tier TEXT NOT NULL, position INTEGER NOT NULL," \
    "  benefit TEXT NOT NULL, PRIMARY KEY(program, tier, position));"
#define TIER_STEP_10                                                                                       \
    TIER_DEFS_V10("tier_defs_v10")                                                                         \
    "INSERT INTO tier_defs_v10(program, name, rank, threshold, multiplier_pct)"                            \
    "  SELECT 1, name, rank, threshold, multiplier_pct FROM tier_defs;"                                    \
    "DROP TABLE tier_defs; ALTER TABLE tier_defs_v10 RENAME TO tier_defs;"                                 \
    TIER_OPTIONS_V10("tier_options_v10")                                                                   \
    "INSERT INTO tier_options_v10(program, tier, lifetime) SELECT 1, tier, lifetime FROM tier_options;"    \
    "DROP TABLE tier_options; ALTER TABLE tier_options_v10 RENAME TO tier_options;"                        \
    TIER_BENEFITS_V10("tier_benefits_v10")                                                                 \
    "INSERT INTO tier_benefits_v10(program, tier, position, benefit)"                                      \
    "  SELECT 1, tier, position, benefit FROM tier_benefits;"                                              \
    "DROP TABLE tier_benefits; ALTER TABLE tier_benefits_v10 RENAME TO tier_benefits;"

const patron__schema_part patron__tier_schema = {
    .module = "tier",
    .current = TIER_DEFS_V10("tier_defs")
    "CREATE TABLE tier_history(id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL,"
    "  from_tier TEXT, to_tier TEXT, at INTEGER NOT NULL, reason TEXT NOT NULL);"
    "CREATE INDEX tier_history_member ON tier_history(member_id, at);"
    "CREATE TABLE tier_state(member_id INTEGER NOT NULL PRIMARY KEY, tier TEXT, since INTEGER,"
    "  grace_until INTEGER, valid_until INTEGER);" TIER_OPTIONS_V10("tier_options") TIER_BENEFITS_V10("tier_benefits"),
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
        NULL,
        /* 10: tiers per program */
        TIER_STEP_10,
    },
};
