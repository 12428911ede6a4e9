/**
 * @file reward.h
 * @brief The rewards catalogue: rewards members buy with points, with a
 *        stock, a validity window and a minimum tier; redemption, fulfilment
 *        and cancellation.
 *
 * A reward has a code (its name in the catalogue), a cost in points, a
 * stock (units left, or #PATRON_REWARD_UNLIMITED), a validity window
 * [`valid_from`, `valid_to`) and optionally a minimum tier: a member
 * qualifies when their current tier (patron_tier_get()) is that tier or a
 * higher one in the configured order. Eligibility is by tier only; segment
 * rules are not evaluated here (select members with the segment module
 * and give the reward a tier or publish coupons to them instead).
 *
 * Redeeming is one transaction, idempotent by its key: the reward's cost is
 * redeemed from the member's points through the ledger (a redeem posting
 * with key `reward/<key>`), a redemption is recorded with status
 * #PATRON_REWARD_ISSUED and one unit of stock is taken. Either all of it
 * happens or none. The same key with the same reward and member returns the
 * recorded redemption (`replayed` 1); with anything else it is
 * #PATRON_ECONFLICT. Writers on many connections never sell more units than
 * the stock holds nor spend a point twice: each redemption runs in a write
 * transaction that excludes every other one.
 *
 * An issued redemption is fulfilled (handed over: #PATRON_REWARD_FULFILLED)
 * or cancelled (#PATRON_REWARD_CANCELLED): cancelling reverses the redeem
 * posting (the points come back as they were, key `reward/<key>/cancel`)
 * and returns the unit to the stock. A fulfilled redemption cannot be
 * cancelled, nor a cancelled one fulfilled. Adding or changing a reward is
 * an administrative change recorded in the audit trail (`reward.add`,
 * `reward.change`); redemptions and cancellations append `reward.redeemed`
 * and `reward.cancelled` to the events outbox.
 *
 * Thread safety: as for the #patron_db handle.
 */
#ifndef PATRON_REWARD_H
#define PATRON_REWARD_H

#include <stddef.h>
#include <stdint.h>

#include "patron/common.h"
#include "patron/db.h"

PATRON_BEGIN_DECLS

/** @brief A stock that never runs out. */
#define PATRON_REWARD_UNLIMITED INT64_C(-1)

/** @brief The fulfilment status of a redemption. */
typedef enum patron_reward_status {
    PATRON_REWARD_ISSUED = 1,    /**< Points taken, unit reserved; not handed over yet. */
    PATRON_REWARD_FULFILLED = 2, /**< Handed over (final). */
    PATRON_REWARD_CANCELLED = 3  /**< Cancelled: points and unit returned (final). */
} patron_reward_status;

/** @brief A reward to add or change; initialise with #PATRON_REWARD_INIT. Strings are copied. */
typedef struct patron_reward {
    uint32_t size;        /**< `sizeof(patron_reward)`; set by #PATRON_REWARD_INIT. */
    const char *code;     /**< Catalogue code, 1..64 bytes of [a-z0-9_-] (required). */
    const char *title;    /**< What the member sees (at most 200 bytes), or NULL. */
    int64_t cost;         /**< Points per unit, 1..10^12. */
    int64_t stock;        /**< Units left to redeem (0..10^12), or #PATRON_REWARD_UNLIMITED. */
    int64_t valid_from;   /**< Redeemable from (UTC seconds, inclusive); 0 = always. */
    int64_t valid_to;     /**< Redeemable until (exclusive); 0 = open-ended. */
    const char *min_tier; /**< Lowest tier that may redeem (a configured tier's name), or NULL for every member. */
} patron_reward;

/** @brief Initialiser for #patron_reward: unlimited stock, always valid, every member. */
#define PATRON_REWARD_INIT { (uint32_t)sizeof(patron_reward), NULL, NULL, 0, PATRON_REWARD_UNLIMITED, 0, 0, NULL }

/** @brief A reward as the catalogue holds it (from patron_reward_get() or a list). */
typedef struct patron_reward_info {
    uint32_t size;        /**< Set by the caller to `sizeof(patron_reward_info)` (patron_reward_get()). */
    char code[72];        /**< Catalogue code. */
    char title[208];      /**< Title ("" when none). */
    int64_t cost;         /**< Points per unit. */
    int64_t stock;        /**< Units left, or #PATRON_REWARD_UNLIMITED. */
    int64_t valid_from;   /**< Redeemable from (0 = always). */
    int64_t valid_to;     /**< Redeemable until, exclusive (0 = open-ended). */
    char min_tier[72];    /**< Lowest tier that may redeem ("" = every member). */
    int64_t issued;       /**< Redemptions issued and not yet fulfilled or cancelled. */
    int64_t fulfilled;    /**< Redemptions fulfilled. */
    int64_t cancelled;    /**< Redemptions cancelled. */
} patron_reward_info;

/** @brief Rewards read by patron_reward_list() (opaque). */
typedef struct patron_reward_catalogue patron_reward_catalogue;

/** @brief A redemption request; initialise with #PATRON_REWARD_REQUEST_INIT. */
typedef struct patron_reward_request {
    uint32_t size;      /**< `sizeof(patron_reward_request)`; set by #PATRON_REWARD_REQUEST_INIT. */
    const char *key;    /**< Idempotency key of the redemption, 1..100 bytes (required). */
    const char *reward; /**< Catalogue code of the reward (required). */
    int64_t member_id;  /**< The member (a merged id redeems for the member it joined). */
    int64_t at;         /**< When (UTC seconds): the window and the points available are judged at it. */
} patron_reward_request;

/** @brief Initialiser for #patron_reward_request. */
#define PATRON_REWARD_REQUEST_INIT { (uint32_t)sizeof(patron_reward_request), NULL, NULL, 0, 0 }

/** @brief A redemption as recorded. */
typedef struct patron_redemption {
    uint32_t size;       /**< Set by the caller to `sizeof(patron_redemption)`. */
    int64_t id;          /**< Redemption id. */
    char key[104];       /**< Its idempotency key. */
    char reward[72];     /**< The reward's code. */
    int64_t member_id;   /**< The member who redeemed (after following merges at the time). */
    int64_t points;      /**< Points redeemed (the reward's cost then). */
    int64_t posting_id;  /**< The ledger's redeem posting. */
    int32_t status;      /**< A #patron_reward_status. */
    int64_t at;          /**< When it was redeemed. */
    int64_t changed_at;  /**< When it was fulfilled or cancelled (0 while issued). */
    int32_t replayed;    /**< 1 when the call found the change already made (same key, or already in that status). */
} patron_redemption;

/**
 * @brief Add a reward to the catalogue, or change the reward with that code
 *        (every field is replaced; `stock` becomes the units left). Audited
 *        as `reward.add` or `reward.change` with the old and new values.
 * @param db Open store.
 * @param[out] created [value] Receives 1 when the reward is new, 0 when it was changed (may be NULL).
 * @param[in] reward [value] The reward.
 * @return #PATRON_OK; #PATRON_EINVAL (a field out of range, named with its
 *         value); #PATRON_ENOTFOUND (`min_tier` is not a configured tier);
 *         store errors. On failure nothing changes.
 */
PATRON_API int patron_reward_set(patron_db *db, int *created, const patron_reward *reward);

/**
 * @brief One reward of the catalogue.
 * @param db Open store.
 * @param[out] info [value] Receives the reward (its `size` set by the caller).
 * @param code Catalogue code.
 * @return #PATRON_OK, #PATRON_ENOTFOUND, #PATRON_EINVAL, store errors.
 */
PATRON_API int patron_reward_get(patron_db *db, patron_reward_info *info, const char *code);

/**
 * @brief The catalogue in code order: every reward, or (when @p at is not 0)
 *        only those redeemable at @p at (inside their window, stock left).
 * @param db Open store.
 * @param[out] out [handle] Receives the list; release with patron_reward_catalogue_free().
 * @param at 0 for every reward, else a time (UTC seconds).
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOMEM, store errors.
 */
PATRON_API int patron_reward_list(patron_db *db, patron_reward_catalogue **out, int64_t at);

/** @brief Number of rewards in a list (0 for NULL). */
PATRON_API size_t patron_reward_catalogue_count(const patron_reward_catalogue *list);

/**
 * @brief The i-th reward of a list.
 * @return Pointer owned by @p list (valid until patron_reward_catalogue_free()), or NULL when @p i is out of range.
 */
PATRON_API const patron_reward_info *patron_reward_catalogue_get(const patron_reward_catalogue *list, size_t i);

/** @brief Release a list (NULL is a no-op). */
PATRON_API void patron_reward_catalogue_free(patron_reward_catalogue *list);

/**
 * @brief Redeem a reward: points through the ledger, the redemption issued,
 *        one unit of stock taken — one transaction, idempotent by key.
 * @param db Open store.
 * @param[out] out [value] Receives the redemption (may be NULL; else its `size` set).
 * @param[in] req [value] The request.
 * @return #PATRON_OK; #PATRON_ENOTFOUND (no such reward or member);
 *         #PATRON_EINVAL (a field out of range; outside the reward's window;
 *         the member's tier is below the minimum or they have none);
 *         #PATRON_ERANGE (out of stock); #PATRON_EBALANCE (not enough points
 *         available at `at`); #PATRON_ECONFLICT (the key was used for
 *         another reward or member); store errors. On failure nothing changes.
 */
PATRON_API int patron_reward_redeem(patron_db *db, patron_redemption *out, const patron_reward_request *req);

/**
 * @brief Mark an issued redemption fulfilled (idempotent: fulfilling a
 *        fulfilled one changes nothing and sets `replayed`).
 * @param db Open store.
 * @param[out] out [value] Receives the redemption after the call (may be NULL).
 * @param key The redemption's key.
 * @param at When it was handed over (UTC seconds, not before the redemption).
 * @return #PATRON_OK, #PATRON_ENOTFOUND, #PATRON_ECONFLICT (it was
 *         cancelled), #PATRON_EINVAL, store errors.
 */
PATRON_API int patron_reward_fulfil(patron_db *db, patron_redemption *out, const char *key, int64_t at);

/**
 * @brief Cancel an issued redemption: the redeem posting is reversed (the
 *        points return to the member) and the unit returns to the stock;
 *        one transaction, appends `reward.cancelled`. Idempotent: cancelling
 *        a cancelled one changes nothing and sets `replayed`.
 * @param db Open store.
 * @param[out] out [value] Receives the redemption after the call (may be NULL).
 * @param key The redemption's key.
 * @param at When (UTC seconds, not before the redemption).
 * @return #PATRON_OK, #PATRON_ENOTFOUND, #PATRON_ECONFLICT (it was
 *         fulfilled), #PATRON_EINVAL, store errors.
 */
PATRON_API int patron_reward_cancel(patron_db *db, patron_redemption *out, const char *key, int64_t at);

/**
 * @brief A redemption by its key.
 * @param db Open store.
 * @param[out] out [value] Receives the redemption (its `size` set by the caller).
 * @param key The redemption's key.
 * @return #PATRON_OK, #PATRON_ENOTFOUND, #PATRON_EINVAL, store errors.
 */
PATRON_API int patron_reward_redemption_get(patron_db *db, patron_redemption *out, const char *key);

PATRON_END_DECLS

#endif /* PATRON_REWARD_H */
