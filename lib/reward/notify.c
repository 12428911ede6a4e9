/* The rewards catalogue's hooks: administrative changes into the audit
 * trail, redemptions and cancellations into the events outbox. */
#include <inttypes.h>

#include "internal/alloc.h"
#include "internal/audit.h"
#include "internal/error.h"
#include "internal/events.h"
#include "internal/sbuf.h"
#include "reward_int.h"

static void reward_json(patron__sbuf *b, const char *title, int64_t cost, int64_t stock, int64_t from, int64_t to,
                        const char *min_tier)
{
    patron__sb_puts(b, "{\"title\":");
    patron__sb_json_str(b, title);
    patron__sb_printf(b, ",\"cost\":%" PRId64 ",\"stock\":%" PRId64 ",\"valid_from\":%" PRId64 ",\"valid_to\":%" PRId64
                         ",\"min_tier\":", cost, stock, from, to);
    patron__sb_json_str(b, min_tier);
    patron__sb_puts(b, "}");
}

int patron__reward_audit(patron_db *db, const patron_reward_info *old, const patron_reward *now)
{
    patron__sbuf b = {0};
    patron__sb_puts(&b, "{\"code\":");
    patron__sb_json_str(&b, now->code);
    if (old) {
        patron__sb_puts(&b, ",\"old\":");
        reward_json(&b, old->title[0] ? old->title : NULL, old->cost, old->stock, old->valid_from, old->valid_to,
                    old->min_tier[0] ? old->min_tier : NULL);
    }
    patron__sb_puts(&b, ",\"new\":");
    reward_json(&b, now->title, now->cost, now->stock, now->valid_from, now->valid_to, now->min_tier);
    patron__sb_puts(&b, "}");
    char *json = patron__sb_take(&b);
    if (!json)
        return patron__oom();
    int rc = patron__audit(db, old ? "reward.change" : "reward.add", 0, NULL, json);
    patron__free(json);
    return rc;
}

int patron__reward_event(patron_db *db, const char *kind, const patron_redemption *r, int64_t at)
{
    int on = 0, rc = patron__events_on(db, &on);
    if (rc || !on)
        return rc;
    patron__sbuf b = {0};
    patron__sb_puts(&b, "{\"reward\":");
    patron__sb_json_str(&b, r->reward);
    patron__sb_puts(&b, ",\"key\":");
    patron__sb_json_str(&b, r->key);
    patron__sb_printf(&b, ",\"redemption\":%" PRId64 ",\"points\":%" PRId64 ",\"posting\":%" PRId64 "}", r->id,
                      r->points, r->posting_id);
    char *json = patron__sb_take(&b);
    if (!json)
        return patron__oom();
    rc = patron__event_append(db, r->member_id, kind, at, json);
    patron__free(json);
    return rc;
}
