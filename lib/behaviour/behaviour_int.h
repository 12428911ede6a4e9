/* Internal to lib/behaviour: recording inside an open transaction (the CSV
 * import records a whole file in one). */
#ifndef PATRON_BEHAVIOUR_INT_H
#define PATRON_BEHAVIOUR_INT_H

#include "patron/behaviour.h"

int patron__behaviour_record_in_tx(patron_db *db, int *replayed, const patron_behaviour_event *e, const char *func);

#endif
