/* The programs' tables (schema version 10): the programs of the store and
 * who joined which. The default program (id 1) exists in every store; its
 * members are every enrolled member (no rows in program_members). */
#include "internal/schema.h"

#define PROGRAM_TABLES                                                                              \
    "CREATE TABLE programs(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);" \
    "CREATE TABLE program_members(member_id INTEGER NOT NULL, program INTEGER NOT NULL,"           \
    "  joined_at INTEGER NOT NULL, PRIMARY KEY(member_id, program));"                              \
    "INSERT INTO programs(id, name, created_at) VALUES(1, 'default', 0);"

const patron__schema_part patron__program_schema = {
    .module = "program",
    .current = PROGRAM_TABLES,
    .steps = {[9] = PROGRAM_TABLES /* 10: programs are new */},
};
