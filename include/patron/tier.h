/**
 * @file tier.h
 * @brief Membership tiers: qualification on spend, points or purchase count
 *        over a rolling window or the calendar year; upgrade immediately,
 *        downgrade at review after a grace period; tier history.
 *
 * Tier benefits such as earning multipliers are earning rules of kind
 * #PATRON_EARN_TIER (earn.h), versioned like every rule.
 *
 * Thread safety: as for the #patron_db handle.
 */
#ifndef PATRON_TIER_H
#define PATRON_TIER_H

#include <stddef.h>
#include <stdint.h>

#include "patron/common.h"
#include "patron/db.h"

PATRON_BEGIN_DECLS

/** @brief What qualifies a member for a tier. */
typedef enum patron_tier_metric {
    PATRON_TIER_SPEND = 0,     /**< Purchase amounts (minor units), returns excluded. */
    PATRON_TIER_POINTS = 1,    /**< Points earned (earn postings net of their reversals: returns excluded). */
    PATRON_TIER_PURCHASES = 2  /**< Number of purchases, returns excluded. */
} patron_tier_metric;

/** @brief The period over which qualification is measured. */
typedef enum patron_tier_window {
    PATRON_TIER_ROLLING = 0,       /**< The last `window_days` days. */
    PATRON_TIER_CALENDAR_YEAR = 1  /**< Since 1 January (UTC) of the current year. */
} patron_tier_window;

/** @brief One tier: members whose qualifying value reaches `threshold` get it. */
typedef struct patron_tier_def {
    const char *name;  /**< Tier name, 1..64 bytes, unique. */
    int64_t threshold; /**< Qualifying value needed; the lowest tier should have 0. */
} patron_tier_def;

/** @brief Tier program settings. Initialise with #PATRON_TIER_CONFIG_INIT. */
typedef struct patron_tier_config {
    uint32_t size;    /**< `sizeof(patron_tier_config)`; set by #PATRON_TIER_CONFIG_INIT. */
    int metric;       /**< A #patron_tier_metric. */
    int window;       /**< A #patron_tier_window. */
    int window_days;  /**< Rolling window length in days (default 365). */
    int grace_days;   /**< Days a member keeps a tier after first failing to requalify at a review (default 30; 0 = moved down at that review). */
} patron_tier_config;

/** @brief Default: spend over a rolling 365 days, 30 days of grace. */
#define PATRON_TIER_CONFIG_INIT { (uint32_t)sizeof(patron_tier_config), PATRON_TIER_SPEND, PATRON_TIER_ROLLING, 365, 30 }

/** @brief A member's tier status. */
typedef struct patron_tier_status {
    char tier[72];        /**< Current tier name ("" until the member's first evaluation enrols them). */
    int64_t since;        /**< When the member entered it. */
    int64_t value;        /**< Qualifying value at the evaluation time. */
    int64_t grace_until;  /**< End of the grace period, or 0 when not in grace. */
    char qualifies[72];   /**< Tier the value qualifies for now. */
} patron_tier_status;

/**
 * @brief Set the tiers and the qualification rules (replaces earlier ones;
 *        members keep their current tier until the next evaluation).
 * @param db Open store.
 * @param[in] config [value] Settings, or NULL for #PATRON_TIER_CONFIG_INIT.
 * @param[in] tiers [array: n] Tiers in increasing threshold order (copied).
 * @param n Number of tiers (1..32).
 * @return #PATRON_OK, #PATRON_EINVAL (order, names, values), store errors.
 */
PATRON_API int patron_tier_configure(patron_db *db, const patron_tier_config *config, const patron_tier_def *tiers,
                                     size_t n);

/**
 * @brief Evaluate a member now: upgrade immediately if they qualify for a
 *        higher tier, end a running grace if they qualify for their own
 *        (never downgrades; that happens at review).
 * @param db Open store.
 * @param[out] status [value] Receives the status after evaluation (may be NULL).
 * @param member_id Member.
 * @param at Now (UTC seconds).
 * @return #PATRON_OK, #PATRON_ENOTFOUND, #PATRON_EINVAL (no tiers configured), store errors.
 */
PATRON_API int patron_tier_evaluate(patron_db *db, patron_tier_status *status, int64_t member_id, int64_t at);

/**
 * @brief Periodic review of every active member: upgrades; members below
 *        their tier enter a grace period of `grace_days` (once), and are
 *        moved down to the tier they qualify for at the first review after
 *        it ends (at once when `grace_days` is 0); qualifying again at any
 *        evaluation (a purchase, patron_tier_evaluate(), a review) ends the
 *        grace. One transaction.
 * @param db Open store.
 * @param[out] changed [value] Receives the number of members whose tier changed (may be NULL).
 * @param at Review time (UTC seconds).
 * @return #PATRON_OK, #PATRON_EINVAL (no tiers configured), store errors.
 */
PATRON_API int patron_tier_review(patron_db *db, int64_t *changed, int64_t at);

/**
 * @brief A member's tier status at @p at (read-only: nothing changes).
 * @param db Open store.
 * @param[out] status [value] Receives the status.
 * @param member_id Member.
 * @param at Moment for the qualifying value (UTC seconds).
 * @return #PATRON_OK, #PATRON_ENOTFOUND, #PATRON_EINVAL, store errors.
 */
PATRON_API int patron_tier_get(patron_db *db, patron_tier_status *status, int64_t member_id, int64_t at);

PATRON_END_DECLS

#endif /* PATRON_TIER_H */
