/**
 * @file tier.h
 * @brief Membership tiers: qualification on spend, points or purchase count
 *        over a rolling window or the calendar year; upgrade immediately,
 *        downgrade at review after a grace period (to the tier qualified
 *        for, one level, or not while the points balance stays high), tier
 *        expiry dates, lifetime tiers, named benefits; tier history.
 *
 * Tier benefits such as earning multipliers are earning rules of kind
 * #PATRON_EARN_TIER (earn.h), versioned like every rule; benefits a till
 * shows ("free shipping", "lounge") are names per tier
 * (patron_tier_set_benefits(), patron_tier_member_benefits()).
 *
 * Tiers, their options and benefits, and every member's tier state and
 * history belong to the handle's current program (patron_program_use(),
 * program.h): each program of a store has its own tiers, and a member's
 * tier in one program says nothing of another; points qualify from the
 * member's account in that program.
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

/** @brief Where a review moves a member who no longer qualifies for their tier (patron_tier_config::downgrade). */
typedef enum patron_tier_downgrade {
    PATRON_TIER_DOWNGRADE_RECOMPUTE = 0, /**< To the tier their qualifying value gives (the 0.1 behaviour). */
    PATRON_TIER_DOWNGRADE_ONE_LEVEL = 1, /**< One tier down per downgrade, whatever the value gives. */
    PATRON_TIER_DOWNGRADE_BALANCE = 2    /**< Kept while the available points balance is at least `keep_balance`; else as RECOMPUTE. */
} patron_tier_downgrade;

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
    int downgrade;    /**< A #patron_tier_downgrade (default RECOMPUTE). Since 0.2 (appended; older callers get RECOMPUTE). */
    int64_t keep_balance; /**< #PATRON_TIER_DOWNGRADE_BALANCE: available points (at the evaluation's time) that count as qualifying for the member's own tier (0..10^15). Since 0.2. */
    int expiry_months; /**< 0 (default): no tier expiry date. 1..120: a tier reached or requalified for is kept until the end of that qualification period plus this many months (rolling window: the evaluation's time; calendar year: the next 1 January); reviews before that date leave the member in it. Since 0.2. */
} patron_tier_config;

/** @brief Default: spend over a rolling 365 days, 30 days of grace, downgrade to the tier qualified for, no expiry date. */
#define PATRON_TIER_CONFIG_INIT { (uint32_t)sizeof(patron_tier_config), PATRON_TIER_SPEND, PATRON_TIER_ROLLING, 365, 30, \
                                  PATRON_TIER_DOWNGRADE_RECOMPUTE, 0, 0 }

/** @brief A member's tier status. */
typedef struct patron_tier_status {
    char tier[72];        /**< Current tier name ("" until the member's first evaluation enrols them). */
    int64_t since;        /**< When the member entered it. */
    int64_t value;        /**< Qualifying value at the evaluation time. */
    int64_t grace_until;  /**< End of the grace period, or 0 when not in grace. */
    char qualifies[72];   /**< Tier the value qualifies for now. */
} patron_tier_status;

/**
 * @brief A member's tier status with the 0.2 fields (#patron_tier_status has
 *        no `size` and cannot grow). Initialise with #PATRON_TIER_DETAIL_INIT.
 */
typedef struct patron_tier_detail {
    uint32_t size;        /**< `sizeof(patron_tier_detail)`; set by #PATRON_TIER_DETAIL_INIT. */
    char tier[72];        /**< As patron_tier_status::tier. */
    int64_t since;        /**< As patron_tier_status::since. */
    int64_t value;        /**< As patron_tier_status::value. */
    int64_t grace_until;  /**< As patron_tier_status::grace_until. */
    char qualifies[72];   /**< As patron_tier_status::qualifies. */
    int64_t valid_until;  /**< The tier's expiry date: reviews before it keep the member in `tier`; 0 when the program has no expiry dates or the member has no tier. */
    char lifetime[72];    /**< The highest lifetime tier the member has held (they are never moved below it), or "". */
    int64_t available;    /**< Available points at the moment asked (what #PATRON_TIER_DOWNGRADE_BALANCE compares). */
} patron_tier_detail;

/** @brief Initialiser for #patron_tier_detail. */
#define PATRON_TIER_DETAIL_INIT { (uint32_t)sizeof(patron_tier_detail), "", 0, 0, 0, "", 0, "", 0 }

/** @brief One benefit of a member's tier (from patron_tier_member_benefits()). */
typedef struct patron_tier_benefit {
    char name[72]; /**< The benefit, e.g. "free shipping" (1..64 bytes). */
    char tier[72]; /**< The tier that gives it (the member's current tier). */
} patron_tier_benefit;

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
 *
 * With the 0.2 fields of #patron_tier_config: the move is one level in
 * #PATRON_TIER_DOWNGRADE_ONE_LEVEL, and none while the points balance is
 * at least `keep_balance` in #PATRON_TIER_DOWNGRADE_BALANCE; before the
 * member's tier expiry date (`expiry_months`) no grace starts; a member is
 * never moved below a lifetime tier they have held
 * (patron_tier_set_lifetime()). Every change is a `tier.changed` event.
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

/**
 * @brief Mark a tier as a lifetime tier (or not): a member who has held it
 *        is never moved below it by a review, whatever their value.
 *
 * Members who held the tier before it was marked count too (the tier
 * history says who held it). Unmarking it lets the next reviews judge
 * those members as usual. The mark belongs to the tier's name and survives
 * patron_tier_configure() while a tier of that name exists. One transaction
 * with an audit entry `tiers.lifetime`.
 * @param db Open store.
 * @param tier A configured tier's name.
 * @param lifetime Non-zero: lifetime; 0: not.
 * @return #PATRON_OK, #PATRON_ENOTFOUND (no such tier), #PATRON_EINVAL, store errors.
 */
PATRON_API int patron_tier_set_lifetime(patron_db *db, const char *tier, int lifetime);

/**
 * @brief Set the named benefits of a tier (replacing its earlier ones), in
 *        the order a till should show them.
 *
 * Benefits are names only ("free shipping", "lounge access"); what they do
 * is the business's. Each tier lists its own benefits (a higher tier does
 * not inherit a lower one's: list them again). They survive
 * patron_tier_configure() while a tier of that name exists. One
 * transaction with an audit entry `tiers.benefits`.
 * @param db Open store.
 * @param tier A configured tier's name.
 * @param[in] benefits [strings] @p n names, each 1..64 bytes, distinct (copied); NULL when @p n is 0.
 * @param n How many (0..32; 0 removes them all).
 * @return #PATRON_OK, #PATRON_ENOTFOUND (no such tier), #PATRON_EINVAL (a name empty, too long or repeated), store errors.
 */
PATRON_API int patron_tier_set_benefits(patron_db *db, const char *tier, const char *const *benefits, size_t n);

/**
 * @brief The benefits a member has now: those of the tier they hold (during
 *        a grace or before the tier's expiry date too), in their order.
 *        Read-only.
 * @param db Open store.
 * @param[out] out [list: n, owned] Receives an array of *n benefits (free with patron_free()); NULL when there are none.
 * @param[out] n [value] Receives the number of benefits.
 * @param member_id Member (a merged id resolves to the survivor).
 * @return #PATRON_OK (none: a member without a tier, or a tier without benefits), #PATRON_ENOTFOUND,
 *         #PATRON_EINVAL, #PATRON_ENOMEM, store errors.
 */
PATRON_API int patron_tier_member_benefits(patron_db *db, patron_tier_benefit **out, size_t *n, int64_t member_id);

/**
 * @brief A member's tier status at @p at with the 0.2 fields: the tier's
 *        expiry date, the lifetime tier they hold, their points balance
 *        (read-only, like patron_tier_get()).
 * @param db Open store.
 * @param[out] detail [value] Receives the status (its `size` set by #PATRON_TIER_DETAIL_INIT; only that many bytes are written).
 * @param member_id Member.
 * @param at Moment for the qualifying value and the balance (UTC seconds).
 * @return #PATRON_OK, #PATRON_ENOTFOUND, #PATRON_EINVAL (no tiers configured, `size` not set), store errors.
 */
PATRON_API int patron_tier_get_detail(patron_db *db, patron_tier_detail *detail, int64_t member_id, int64_t at);

PATRON_END_DECLS

#endif /* PATRON_TIER_H */
