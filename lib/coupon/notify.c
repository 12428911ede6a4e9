/* The coupon module's hooks: campaign creation and imports into the audit
 * trail, redemptions and publications into the events outbox. */
#include <inttypes.h>

#include "coupon_int.h"
#include "internal/alloc.h"
#include "internal/audit.h"
#include "internal/error.h"
#include "internal/events.h"
#include "internal/sbuf.h"

int patron__coupon_audit(patron_db *db, const char *action, const char *detail)
{
    return patron__audit(db, action, 0, NULL, detail);
}

int patron__coupon_event(patron_db *db, const char *kind, int64_t member, int64_t at, const char *campaign,
                         const char *code, int64_t value, int64_t balance, int64_t redemption)
{
    int on = 0, rc = patron__events_on(db, &on);
    if (rc || !on)
        return rc;
    patron__sbuf b = {0};
    patron__sb_puts(&b, "{\"campaign\":");
    patron__sb_json_str(&b, campaign);
    patron__sb_puts(&b, ",\"code\":");
    patron__sb_json_str(&b, code);
    if (redemption)
        patron__sb_printf(&b, ",\"redemption\":%" PRId64 ",\"value\":%" PRId64 ",\"balance\":%" PRId64, redemption,
                          value, balance);
    patron__sb_puts(&b, "}");
    char *json = patron__sb_take(&b);
    if (!json)
        return patron__oom();
    rc = patron__event_append(db, member, kind, at, json);
    patron__free(json);
    return rc;
}
