/* Internal to lib/reward: reading a reward row, and the module's hooks
 * into the events outbox and the audit trail (notify.c). */
#ifndef PATRON_REWARD_INT_H
#define PATRON_REWARD_INT_H

#include <stdint.h>

#include "patron/reward.h"

/* The reward with `code` into *info (size set to sizeof); ENOTFOUND with
 * a message naming `func` and the code. The redemption counts only with
 * `counts` (they read every redemption of the reward: not on the
 * redemption path). */
int patron__reward_read(patron_db *db, patron_reward_info *info, const char *code, int counts, const char *func);

/* `reward.add` / `reward.change` in the audit trail: the old state (NULL
 * for a new reward) and the new one. */
int patron__reward_audit(patron_db *db, const patron_reward_info *old, const patron_reward *now);

/* `reward.redeemed` / `reward.cancelled` in the outbox. */
int patron__reward_event(patron_db *db, const char *kind, const patron_redemption *r, int64_t at);

#endif
