/* Internal: recording an administrative change in the audit trail
 * (lib/audit), inside the caller's write transaction. The trail sits on the
 * store alone. Who: the handle's actor (patron_db_set_actor), else
 * `op` (the operator a call names, e.g. an adjustment's), else "unknown".
 * When: the handle's audit time if set, else the system clock. */
#ifndef PATRON_INTERNAL_AUDIT_H
#define PATRON_INTERNAL_AUDIT_H

#include <stdint.h>

#include "patron/db.h"

/* `action` e.g. "points.adjust"; `member` 0 when the change is not about
 * one member; `detail` a JSON object saying what changed. */
int patron__audit(patron_db *db, const char *action, int64_t member, const char *op, const char *detail);

#endif
