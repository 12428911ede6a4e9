/* The events outbox's tables (schema version 6): the events themselves and
 * the named consumers' cursors (see lib/events/events.c). */
#include "internal/schema.h"

/* `pos` is the delivery position: NULL while the event is not yet
 * sequenced, then a number larger than every position given before (see
 * events.c, "Sequencing"). Readers walk events_pos; the sequencer finds the
 * unsequenced rows at its NULL end. */
#define EVENTS_TABLES                                                                                      \
    "CREATE TABLE events(id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL, kind TEXT NOT NULL,"          \
    "  at INTEGER NOT NULL, pos INTEGER, payload TEXT NOT NULL);"                                          \
    "CREATE INDEX events_pos ON events(pos);"                                                              \
    "CREATE TABLE event_consumers(name TEXT PRIMARY KEY, position INTEGER NOT NULL);"

const patron__schema_part patron__events_schema = {
    .module = "events",
    .current = EVENTS_TABLES,
    .steps = {NULL, NULL, NULL, NULL, NULL, EVENTS_TABLES /* 6: the outbox is new */},
};
