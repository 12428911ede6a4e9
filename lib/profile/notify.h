/* Internal to lib/profile: the hooks into the events outbox and the audit
 * trail (notify.c). */
#ifndef PATRON_PROFILE_NOTIFY_H
#define PATRON_PROFILE_NOTIFY_H

#include <stdint.h>

#include "patron/db.h"

int patron__profile_notify_enrolled(patron_db *db, int64_t member, int64_t joined_at, int64_t at);
int patron__profile_notify_merged(patron_db *db, int64_t kept, int64_t merged, int64_t at, int64_t moved,
                                  const char *op, const char *reason);
int patron__profile_notify_erased(patron_db *db, int64_t member, int64_t at, const char *op);

#endif
