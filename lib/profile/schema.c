/* The profile module's tables: the profile fields of each member, contact
 * identifiers (unique phone and e-mail), attributes and their definitions,
 * consent history, field aliases and vocabularies, the merge and erasure
 * records. */
#include "internal/schema.h"

#define PROFILES_TABLE                                                                                    \
    "CREATE TABLE profiles(member_id INTEGER NOT NULL PRIMARY KEY, name TEXT, phone TEXT, email TEXT,"   \
    "  city TEXT, birth_date TEXT, gender TEXT, categories TEXT);"
/* Unchanged since version 1. */
#define PROFILE_V1_TABLES                                                                                 \
    "CREATE TABLE identifiers(kind TEXT NOT NULL, value TEXT NOT NULL, member_id INTEGER NOT NULL,"       \
    "  PRIMARY KEY(kind, value));"                                                                        \
    "CREATE INDEX identifiers_member ON identifiers(member_id);"                                         \
    "CREATE TABLE attr_defs(name TEXT PRIMARY KEY, type TEXT NOT NULL);"                                  \
    "CREATE TABLE attrs(member_id INTEGER NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,"             \
    "  PRIMARY KEY(member_id, name));"                                                                    \
    "CREATE TABLE consents(id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL, channel TEXT NOT NULL,"    \
    "  granted INTEGER NOT NULL, at INTEGER NOT NULL, source TEXT NOT NULL);"                             \
    "CREATE INDEX consents_member ON consents(member_id, channel, at);"                                  \
    "CREATE TABLE aliases(field TEXT NOT NULL, alias TEXT NOT NULL, canonical TEXT NOT NULL,"             \
    "  PRIMARY KEY(field, alias));"                                                                       \
    "CREATE TABLE vocab(field TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(field, value));"            \
    "CREATE TABLE merges(id INTEGER PRIMARY KEY, kept INTEGER NOT NULL, merged INTEGER NOT NULL,"         \
    "  at INTEGER NOT NULL, operator TEXT, reason TEXT, points_moved INTEGER NOT NULL);"                  \
    "CREATE TABLE erasures(id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL, at INTEGER NOT NULL,"      \
    "  operator TEXT);"

const patron__schema_part patron__profile_schema = {
    .module = "profile",
    .current = PROFILE_V1_TABLES PROFILES_TABLE,
    .steps = {
        PROFILE_V1_TABLES, /* 1 (the fields were columns of `members`) */
        NULL,
        NULL,
        /* 4: the fields leave the member core's table */
        PROFILES_TABLE
        "INSERT INTO profiles(member_id, name, phone, email, city, birth_date, gender, categories)"
        "  SELECT id, name, phone, email, city, birth_date, gender, categories FROM members;",
    },
};
