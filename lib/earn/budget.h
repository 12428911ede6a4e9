/* Private to lib/earn: the budgets and limits of earning rules (budget.c),
 * as earn.c applies them while it scores and posts a purchase. */
#ifndef PATRON_EARN_BUDGET_H
#define PATRON_EARN_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#include "patron/db.h"

/* What one scoring of a purchase has taken so far. When `record` is 0 (a
 * quote) nothing is written, so the awards already clipped in this scoring
 * are remembered here and count against the limits of the next ones (a
 * referral rule's two awards under one budget). */
#define PATRON__BUDGET_LOCAL 32
typedef struct patron__budget_ctx {
    const char *purchase_key; /* the purchase posted (record), NULL for a quote */
    const char *location;     /* the purchase's location, NULL when not known */
    int64_t at;               /* the purchase's time: selects the windows */
    int record;
    size_t n;
    struct {
        char rule[72];
        int scope;
        int64_t member, win;
        char location[208];
        int64_t points;
    } local[PATRON__BUDGET_LOCAL];
} patron__budget_ctx;

/* Clip the points `*points` of one award of rule `rule` to member `member`
 * (resolved) to what the rule's budget has left; 0 when a limit is used up.
 * With ctx->record, the award is counted and remembered under the purchase
 * key so that a return can give it back. Rules without a budget are left
 * alone (one indexed read). Inside the caller's write transaction when
 * recording. */
int patron__earn_budget_take(patron_db *db, patron__budget_ctx *ctx, const char *rule, int64_t member,
                             int64_t *points);

/* A purchase was returned: give back everything its awards took (inside the
 * caller's transaction). */
int patron__earn_budget_give_back(patron_db *db, const char *purchase_key);

#endif
