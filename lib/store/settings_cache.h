/* Internal to lib/store: the settings read once per write transaction
 * (settings_cache.c), behind patron__setting_get/set (db.c). */
#ifndef PATRON_STORE_SETTINGS_CACHE_H
#define PATRON_STORE_SETTINGS_CACHE_H

#include "patron/db.h"

/* Inside a write transaction: *out as patron__setting_get gives it.
 * PATRON_EUNSUPPORTED (no message) when the cache cannot answer: outside a
 * transaction, no slot, too many settings; the caller reads the row. */
int patron__settings_cache_get(patron_db *db, const char *key, char **out);
/* The statement that reads them all (a write transaction's BEGIN sends it
 * ahead where the backend has prefetch: no round trip of its own). */
extern const char patron__settings_all_sql[];
/* Non-zero when the handle holds a copy of the settings from an earlier
 * write transaction (patron__settings_reuse can use it). */
int patron__settings_cached(patron_db *db);
/* After writing `key`: keep the copy true. */
void patron__settings_cache_put(patron_db *db, const char *key, const char *value);

#endif
