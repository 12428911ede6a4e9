/* The events outbox's tables (schema version 7): the events themselves and
 * the named consumers' cursors (see lib/events/events.c). */
#include "internal/schema.h"

/* An event's id is its position: readers see the events up to the store's
 * readable mark, which a reader moves up while no writer is in flight (see
 * outbox_read.c), so ids are all a reader needs: no second column, no
 * index beyond the primary key. */
#define EVENTS_TABLES                                                                                      \
    "CREATE TABLE events(id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL, kind TEXT NOT NULL,"          \
    "  at INTEGER NOT NULL, payload TEXT NOT NULL);"                                                       \
    "CREATE TABLE event_consumers(name TEXT PRIMARY KEY, position INTEGER NOT NULL);"

const patron__schema_part patron__events_schema = {
    .module = "events",
    .current = EVENTS_TABLES,
    .steps = {[6] = EVENTS_TABLES /* 7: the outbox is new */},
};
