/* The audit trail's table (schema version 7): one row per administrative
 * change (see lib/audit/audit.c). `member_id` is 0 for a change that is not
 * about one member (a policy, a tier table, a rule). */
#include "internal/schema.h"

#define AUDIT_TABLES                                                                                       \
    "CREATE TABLE audit_log(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,"             \
    "  action TEXT NOT NULL, member_id INTEGER NOT NULL, detail TEXT NOT NULL);"                           \
    "CREATE INDEX audit_member ON audit_log(member_id, id);"                                               \
    "CREATE INDEX audit_actor ON audit_log(actor, id);"                                                    \
    "CREATE INDEX audit_at ON audit_log(at, id);"

const patron__schema_part patron__audit_schema = {
    .module = "audit",
    .current = AUDIT_TABLES,
    .steps = {[6] = AUDIT_TABLES /* 7: the trail is new */},
};
