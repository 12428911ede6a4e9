/* Internal to lib/events: the consumer helpers shared by events.c and
 * outbox_read.c. */
#ifndef PATRON_EVENTS_INT_H
#define PATRON_EVENTS_INT_H

#include <stdint.h>

#include "patron/db.h"

/* PATRON_EINVAL with a message unless `consumer` is 1..100 bytes. */
int patron__events_check_consumer(const char *func, const char *consumer);
/* The consumer's stored cursor; 0 for an unknown consumer. */
int patron__events_consumer_position(patron_db *db, const char *consumer, int64_t *position);

/* The readable mark: readers see the events with ids up to it (outbox_read.c). */
int patron__events_mark(patron_db *db, int64_t *mark);

#endif
