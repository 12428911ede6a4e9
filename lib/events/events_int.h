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

#endif
