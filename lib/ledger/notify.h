/* Internal to lib/ledger: the hooks into the events outbox and the audit
 * trail (notify.c), one call each where the ledger writes. */
#ifndef PATRON_LEDGER_NOTIFY_H
#define PATRON_LEDGER_NOTIFY_H

#include "ledger_int.h"

/* After posting `id` of account `a` is written (`a` already updated):
 * its event, and for a manual adjustment its audit entry. */
int patron__ledger_notify_posting(patron_db *db, const account *a, int64_t id, const posting_row *p);
/* Inside patron_ledger_set_policy's transaction: the audit entry. */
int patron__ledger_notify_policy(patron_db *db, const patron_ledger_policy *p);

#endif
