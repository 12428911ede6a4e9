/* The profile module's hooks into the events outbox and the audit trail,
 * in one place: a member enrolled, merged, erased (the two last are also
 * administrative changes, audited). Called inside the change's transaction
 * once it is written. */
#include <inttypes.h>
#include <stdio.h>

#include "internal/alloc.h"
#include "internal/audit.h"
#include "internal/error.h"
#include "internal/events.h"
#include "internal/sbuf.h"
#include "notify.h"

int patron__profile_notify_enrolled(patron_db *db, int64_t member, int64_t joined_at, int64_t at)
{
    char json[96];
    snprintf(json, sizeof json, "{\"joined_at\":%" PRId64 "}", joined_at);
    return patron__event_append(db, member, "member.enrolled", at, json);
}

int patron__profile_notify_merged(patron_db *db, int64_t kept, int64_t merged, int64_t at, int64_t moved,
                                  const char *op, const char *reason)
{
    patron__sbuf b = {0};
    patron__sb_printf(&b, "{\"kept\":%" PRId64 ",\"merged\":%" PRId64 ",\"points_moved\":%" PRId64 ",\"at\":%" PRId64
                          ",\"reason\":", kept, merged, moved, at);
    patron__sb_json_str(&b, reason);
    patron__sb_puts(&b, "}");
    char *json = patron__sb_take(&b);
    if (!json)
        return patron__oom();
    int rc = patron__event_append(db, kept, "member.merged", at, json);
    if (rc == PATRON_OK)
        rc = patron__audit(db, "member.merge", kept, op, json);
    patron__free(json);
    return rc;
}

int patron__profile_notify_erased(patron_db *db, int64_t member, int64_t at, const char *op)
{
    char json[64];
    snprintf(json, sizeof json, "{\"at\":%" PRId64 "}", at);
    int rc = patron__event_append(db, member, "member.erased", at, json);
    if (rc == PATRON_OK)
        rc = patron__audit(db, "member.erase", member, op, json);
    return rc;
}
