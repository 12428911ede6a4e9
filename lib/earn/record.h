/* Private to lib/earn: writing a purchase's rows (record.c), as earn.c
 * records a purchase before scoring it. */
#ifndef PATRON_EARN_RECORD_H
#define PATRON_EARN_RECORD_H

#include <stdint.h>

#include "patron/db.h"
#include "patron/earn.h"

/* Insert purchase `p` (fingerprint `fp`, under the active member `member`,
 * not yet scored) and its lines. *id receives the purchase's id, or 0 when
 * its key is already recorded (then nothing was written). One statement for
 * the purchase (the key check is the insert) and one for every eight lines:
 * on a server each statement is a round trip. */
int patron__earn_record_rows(patron_db *db, const patron_purchase *p, int64_t fp, int64_t member, int64_t *id);

/* Run `fn` in the program that recorded the purchase's earn postings `ids`
 * (earn.c; the current program when n is 0): a return or a release reaches
 * them whichever program the handle is in. */
int patron__earn_in_purchase_program(patron_db *db, const int64_t *ids, size_t n, int (*fn)(patron_db *, void *),
                                     void *ctx);

#endif
