/* The member core's table (see lib/internal/member.h).
 *
 * Until version 4 `members` also held the profile fields, the tier state and
 * (until version 3) the ledger's balance cache; each of those modules moved
 * its columns into a table of its own, and the core keeps only who a member
 * is: id, join and creation times, merges, erasure, referrer. */
#include "internal/schema.h"

#define MEMBERS_MERGED_INDEX "CREATE INDEX members_merged ON members(merged_into) WHERE merged_into IS NOT NULL;"

const patron__schema_part patron__member_schema = {
    .module = "member",
    .current = "CREATE TABLE members(id INTEGER PRIMARY KEY, joined_at INTEGER NOT NULL, created_at INTEGER NOT NULL,"
               "  merged_into INTEGER, erased_at INTEGER, referrer INTEGER);" MEMBERS_MERGED_INDEX,
    .steps = {
        /* 1: one wide row per member */
        "CREATE TABLE members("
        "  id INTEGER PRIMARY KEY,"
        "  name TEXT, phone TEXT, email TEXT, city TEXT, birth_date TEXT, gender TEXT, categories TEXT,"
        "  joined_at INTEGER NOT NULL, created_at INTEGER NOT NULL,"
        "  merged_into INTEGER, erased_at INTEGER, referrer INTEGER,"
        "  total INTEGER NOT NULL DEFAULT 0,"
        "  pending_until INTEGER NOT NULL DEFAULT -9223372036854775808,"
        "  next_expiry INTEGER NOT NULL DEFAULT 9223372036854775807,"
        "  tier TEXT, tier_since INTEGER, tier_grace_until INTEGER);" MEMBERS_MERGED_INDEX,
        NULL,
        NULL, /* 3: the ledger took its columns (lib/ledger/schema.c) */
        /* 4: profile fields went to `profiles`, tier state to `tier_state`
         * (their steps ran first: this part is last in lib/store/schema.c) */
        "ALTER TABLE members DROP COLUMN name;"
        "ALTER TABLE members DROP COLUMN phone;"
        "ALTER TABLE members DROP COLUMN email;"
        "ALTER TABLE members DROP COLUMN city;"
        "ALTER TABLE members DROP COLUMN birth_date;"
        "ALTER TABLE members DROP COLUMN gender;"
        "ALTER TABLE members DROP COLUMN categories;"
        "ALTER TABLE members DROP COLUMN tier;"
        "ALTER TABLE members DROP COLUMN tier_since;"
        "ALTER TABLE members DROP COLUMN tier_grace_until;",
    },
};
