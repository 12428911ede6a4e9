/* The rewards catalogue's tables (schema version 8): the rewards and their
 * stock, and every redemption with its fulfilment status. */
#include "internal/schema.h"

/* stock -1 = unlimited; valid_to 0 = open-ended. A redemption's key is
 * unique; `asked` is the member id the request named (the replay check
 * compares it), `member_id` the member it resolved to. */
#define REWARD_TABLES                                                                                      \
    "CREATE TABLE rewards(code TEXT PRIMARY KEY, title TEXT, cost INTEGER NOT NULL, stock INTEGER NOT NULL," \
    "  valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL, min_tier TEXT);"                            \
    "CREATE TABLE reward_redemptions(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, reward TEXT NOT NULL," \
    "  asked INTEGER NOT NULL, member_id INTEGER NOT NULL, points INTEGER NOT NULL,"                        \
    "  posting_id INTEGER NOT NULL, status INTEGER NOT NULL, at INTEGER NOT NULL, changed_at INTEGER NOT NULL);" \
    "CREATE INDEX reward_redemptions_reward ON reward_redemptions(reward, status);"

const patron__schema_part patron__reward_schema = {
    .module = "reward",
    .current = REWARD_TABLES,
    .steps = {[7] = REWARD_TABLES /* 8: the catalogue is new */},
};
