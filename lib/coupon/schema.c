/* The coupon module's tables (schema version 8): campaigns (series) with
 * their rules, their codes with uses, gift-card balance and owner, and
 * every redemption under its idempotency key. */
#include "internal/schema.h"

/* owner_id 0 = not published; balance is 0 for discount codes. `id` lets
 * an insert meet the unique code without failing (a generated code that
 * exists is drawn again). */
#define COUPON_TABLES                                                                                      \
    "CREATE TABLE coupon_campaigns(name TEXT PRIMARY KEY, kind INTEGER NOT NULL, amount_off INTEGER NOT NULL," \
    "  percent_off INTEGER NOT NULL, max_uses INTEGER NOT NULL, per_member INTEGER NOT NULL,"               \
    "  valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL, min_basket INTEGER NOT NULL, pattern TEXT,"  \
    "  seed INTEGER NOT NULL);"                                                                            \
    "CREATE TABLE coupon_codes(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, campaign TEXT NOT NULL,"  \
    "  uses INTEGER NOT NULL, balance INTEGER NOT NULL, owner_id INTEGER NOT NULL, published_at INTEGER NOT NULL);" \
    "CREATE INDEX coupon_codes_campaign ON coupon_codes(campaign, code);"                                  \
    "CREATE TABLE coupon_redemptions(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, fp INTEGER NOT NULL,"  \
    "  code TEXT NOT NULL, campaign TEXT NOT NULL, member_id INTEGER NOT NULL, amount INTEGER NOT NULL,"    \
    "  value INTEGER NOT NULL, at INTEGER NOT NULL);"                                                      \
    "CREATE INDEX coupon_redemptions_member ON coupon_redemptions(campaign, member_id);"

const patron__schema_part patron__coupon_schema = {
    .module = "coupon",
    .current = COUPON_TABLES,
    .steps = {[7] = COUPON_TABLES /* 8: coupons are new */},
};
