/* Points of a purchase pending until an action: patron_earn_release()
 * releases each earn posting of a purchase scored with hold_until_action
 * through the ledger (patron_ledger_release). Kept apart from earn.c: it
 * only reads the purchase and calls the ledger. */
#include <string.h>

#include "earn/record.h"
#include "internal/alloc.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/ledger.h"
#include "internal/store.h"
#include "internal/text.h"
#include "patron/earn.h"
#include "patron/ledger.h"

/* the postings a purchase can pay: one per rule (earn.c's MAX_RULES, 256)
 * and a referrer's bonus */
#define RELEASE_MAX 258

typedef struct release_ctx {
    const char *purchase_key;
    int64_t at, total;
    int64_t ids[RELEASE_MAX];
    char keys[RELEASE_MAX][200];
    size_t n;
} release_ctx;

static int release_earns(patron_db *db, void *ctx)
{
    release_ctx *c = ctx;
    int rc = PATRON_OK;
    for (size_t i = 0; i < c->n && rc == PATRON_OK; i++) {
        size_t len = strlen(c->keys[i]);
        if (len > 9 && !strcmp(c->keys[i] + len - 9, ":released"))
            continue; /* released before */
        patron_posting_result res;
        rc = patron_ledger_release(db, &res, c->keys[i], c->at);
        if (rc == PATRON_EINVAL && strstr(patron_errmsg(), "is not an earn pending"))
            rc = patron__fail(PATRON_EINVAL, "patron_earn_release: purchase '%s' was not scored with "
                                             "hold_until_action: its points are not pending until an action",
                              c->purchase_key);
        if (rc == PATRON_OK && !res.replayed)
            c->total += res.points;
    }
    return rc;
}

int patron_earn_release(patron_db *db, int64_t *released, const char *purchase_key, int64_t at)
{
    int rc = patron__db_check(db, "patron_earn_release");
    if (rc)
        return rc;
    if ((rc = patron__key_check("patron_earn_release", "purchase_key", purchase_key, 100)) ||
        (rc = patron__time_check("patron_earn_release", "at", at)))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    int64_t returned = 0, total = 0;
    rc = patron__sql_int(db, &returned, 0, "SELECT returned FROM purchases WHERE key = ?", "t", purchase_key);
    if (rc == PATRON_ENOTFOUND)
        rc = patron__fail(PATRON_ENOTFOUND, "patron_earn_release: no scored purchase with key '%s'", purchase_key);
    if (rc || returned) /* a returned purchase has nothing left to release */
        return patron__tx_end(db, rc);
    release_ctx *c = patron__malloc(sizeof *c);
    if (!c)
        return patron__tx_end(db, patron__oom());
    c->purchase_key = purchase_key;
    c->at = at;
    c->total = 0;
    c->n = 0;
    rc = patron__ledger_purchase_earns(db, purchase_key, c->ids, c->keys, RELEASE_MAX, &c->n);
    if (rc == PATRON_OK) /* in the program that scored it */
        rc = patron__earn_in_purchase_program(db, c->ids, c->n, release_earns, c);
    total = c->total;
    patron__free(c);
    rc = patron__tx_end(db, rc);
    if (rc == PATRON_OK && released)
        *released = total;
    return rc;
}
