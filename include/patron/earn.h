/**
 * @file earn.h
 * @brief Earning rules: how many points a purchase earns, and posting them.
 *
 * Rules are versioned with effective dates: adding a rule under an existing
 * name creates its next version, in force from `valid_from`, and ends the
 * previous version there. A purchase is scored by the versions in force at
 * its time, and each rule that contributes points produces its own earn
 * posting recording the rule name and version — "why did I get these
 * points?" has an answer in the statement.
 *
 * Rules, their budgets and the scoring of a purchase belong to the
 * handle's current program (patron_program_use(), program.h): a store with
 * several programs keeps a set of rules per program, and a purchase scored
 * in a program earns by that program's rules into the member's account
 * there. Purchase keys are the store's (docs/guide/programs.md).
 *
 * Scoring of a purchase at time t (amounts in minor units, rounding down;
 * the ledger guide gives every rule exactly):
 * - #PATRON_EARN_BASE: `points` per `per_amount` of each line's amount,
 *   rounded down per line; base rules in force are summed (the *base*
 *   points of the line). Percent rules below take their percent of the base
 *   points they cover, rounded down once, never of another rule's bonus;
 * - #PATRON_EARN_CATEGORY / #PATRON_EARN_PRODUCT: `percent` % of the base
 *   points of matching lines, extra;
 * - #PATRON_EARN_MEMBER_BONUS: `percent` % of the purchase's base points;
 * - #PATRON_EARN_TIER: `percent` % of the base points for members in `tier`
 *   when the purchase is scored (before this purchase's own upgrade);
 * - #PATRON_EARN_CAMPAIGN: while in force, `percent` % of the base points of
 *   lines in `category` (all lines when NULL) plus `points` per purchase;
 * - #PATRON_EARN_CHALLENGE: `points` when this purchase makes `count`
 *   unreturned purchases within the `window_days` ending at it, with no
 *   other live award of the rule within `window_days` of it;
 * - #PATRON_EARN_REFERRAL: on a referred member's first purchase (scored
 *   while no other unreturned purchase of theirs is on record), `points` to
 *   the referrer and `referee_points` to the member.
 *
 * Budgets and limits (patron_earn_budget_set()): a rule may carry a total
 * points or awards budget and per-period, per-member and per-store limits
 * in UTC day, ISO week or month windows; each award is clipped to what they
 * have left (see #patron_earn_budget).
 *
 * Thread safety: as for the #patron_db handle.
 */
#ifndef PATRON_EARN_H
#define PATRON_EARN_H

#include <stddef.h>
#include <stdint.h>

#include "patron/common.h"
#include "patron/db.h"

PATRON_BEGIN_DECLS

/** @brief Kinds of earning rules (see the file comment for the arithmetic). */
typedef enum patron_earn_kind {
    PATRON_EARN_BASE = 1,         /**< Points per currency unit. */
    PATRON_EARN_CATEGORY = 2,     /**< Extra percent for a category. */
    PATRON_EARN_PRODUCT = 3,      /**< Extra percent for a product. */
    PATRON_EARN_MEMBER_BONUS = 4, /**< Extra percent for every member ("10% accrual for members"). */
    PATRON_EARN_TIER = 5,         /**< Extra percent for members of a tier. */
    PATRON_EARN_CAMPAIGN = 6,     /**< Time-boxed extra percent and/or fixed bonus. */
    PATRON_EARN_CHALLENGE = 7,    /**< `count` purchases in `window_days` days: a bonus. */
    PATRON_EARN_REFERRAL = 8      /**< Referral bonus on the referred member's first purchase. */
} patron_earn_kind;

/** @brief An earning rule (one version). Initialise with #PATRON_EARN_RULE_INIT. */
typedef struct patron_earn_rule {
    uint32_t size;          /**< `sizeof(patron_earn_rule)`; set by #PATRON_EARN_RULE_INIT. */
    const char *name;       /**< Rule name (1..64 bytes); versions share it. */
    int kind;               /**< A #patron_earn_kind. */
    int64_t valid_from;     /**< In force from (UTC seconds, inclusive). */
    int64_t valid_to;       /**< In force until (exclusive); 0 = open-ended. */
    int64_t points;         /**< Base: points per `per_amount`; campaign, challenge, referral: fixed points. */
    int64_t per_amount;     /**< Base: amount (minor units) per `points`, e.g. 100 = per currency unit. */
    int64_t percent;        /**< Category, product, member, tier, campaign: extra percent of base points. */
    const char *category;   /**< Category (category rule; campaign filter). */
    const char *product;    /**< Product (product rule). */
    const char *tier;       /**< Tier name (tier rule). */
    int64_t count;          /**< Challenge: purchases needed. */
    int64_t window_days;    /**< Challenge: window in days. */
    int64_t referee_points; /**< Referral: points for the referred member. */
} patron_earn_rule;

/** @brief Initialiser for #patron_earn_rule: everything zero/NULL. */
#define PATRON_EARN_RULE_INIT { (uint32_t)sizeof(patron_earn_rule), NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0, 0, 0 }

/** @brief One line of a purchase. */
typedef struct patron_purchase_line {
    const char *category; /**< Category (may be NULL). */
    const char *product;  /**< Product code (may be NULL). */
    int64_t amount;       /**< Amount paid for the line, minor units, >= 0. */
} patron_purchase_line;

/** @brief A purchase to score. Initialise with #PATRON_PURCHASE_INIT. */
typedef struct patron_purchase {
    uint32_t size;                      /**< `sizeof(patron_purchase)`; set by #PATRON_PURCHASE_INIT. */
    const char *key;                    /**< Idempotency key of the purchase (order id), 1..100 bytes. */
    int64_t member_id;                  /**< Member. */
    int64_t at;                         /**< Purchase time (UTC seconds): selects the rules in force. */
    const patron_purchase_line *lines;  /**< Lines (read during the call only). */
    size_t n_lines;                     /**< Number of lines (1..1000). */
    /* appended in 0.2 */
    const char *channel;                /**< Where it was bought: "pos", "web", "app", ... (1..64 bytes of [a-z0-9_-]); NULL = not known. */
    const char *location;               /**< Store, till or site id (1..200 bytes); NULL = not known. */
    const int64_t *quantities;          /**< Units of each line (`n_lines` values, 1..10^9; read during the call only); NULL = 1 each. */
    int hold_until_action;              /**< Non-zero: the purchase's points are pending until patron_earn_release() (order shipped, return window closed) instead of the policy's hold. Since 0.2 (appended). */
} patron_purchase;

/** @brief Initialiser for #patron_purchase. */
#define PATRON_PURCHASE_INIT { (uint32_t)sizeof(patron_purchase), NULL, 0, 0, NULL, 0, NULL, NULL, NULL, 0 }

/** @brief What scoring a purchase produced. */
typedef struct patron_earn_result {
    int64_t points;   /**< Points the member earned (all contributing rules). */
    int64_t postings; /**< Earn postings written (0 for a replay). */
    int replayed;     /**< 1 when the purchase key was already scored with the same content. */
} patron_earn_result;

/**
 * @brief Add a rule, or the next version of a rule with that name.
 * @param db Open store.
 * @param[out] version [value] Receives the version number (1 for a new rule; may be NULL).
 * @param[in] rule [value] The rule (copied). The previous version still in force at
 *        `valid_from` ends there.
 * @return #PATRON_OK, #PATRON_EINVAL (missing or invalid field, named in the
 *         message; `valid_from` before the start of the current version),
 *         store errors.
 */
PATRON_API int patron_earn_rule_add(patron_db *db, int64_t *version, const patron_earn_rule *rule);

/**
 * @brief Record who referred a member (for referral rules).
 * @param db Open store.
 * @param member_id The referred member.
 * @param referrer_id The member who referred them (not themselves, and not a
 *        member they referred, directly or through others).
 * @return #PATRON_OK, #PATRON_ENOTFOUND, #PATRON_EINVAL (themselves, or a
 *         referral cycle), #PATRON_ECONFLICT (a different referrer is
 *         already recorded), store errors.
 */
PATRON_API int patron_earn_set_referrer(patron_db *db, int64_t member_id, int64_t referrer_id);

/**
 * @brief Score a purchase by the rules in force at its time without writing anything.
 * @param db Open store.
 * @param[out] points [value] Receives the points the member would earn.
 * @param[in] purchase [value] The purchase (its key is not used).
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOTFOUND, store errors.
 */
PATRON_API int patron_earn_quote(patron_db *db, int64_t *points, const patron_purchase *purchase);

/**
 * @brief Score a purchase and post the points: one earn posting per
 *        contributing rule (key `<purchase key>/<rule name>`), pending and
 *        expiring per the ledger policy; then the member's tier (and a
 *        referrer's, when a referral bonus was posted) is re-evaluated
 *        (upgrade immediately). One transaction; idempotent on
 *        the purchase key.
 * @param db Open store.
 * @param[out] result [value] Receives the result (may be NULL).
 * @param[in] purchase [value] The purchase.
 * @return #PATRON_OK; #PATRON_ECONFLICT (key scored with other content);
 *         #PATRON_EINVAL; #PATRON_ENOTFOUND; store errors.
 */
PATRON_API int patron_earn_purchase(patron_db *db, patron_earn_result *result, const patron_purchase *purchase);

/**
 * @brief A purchase was returned: reverse every earn posting it produced
 *        (pending points inside the return window are cancelled) and
 *        exclude it from tier qualification.
 * @param db Open store.
 * @param purchase_key Key of the scored purchase.
 * @param at Return time (UTC seconds).
 * @return #PATRON_OK (also when already returned), #PATRON_ENOTFOUND,
 *         #PATRON_EBALANCE (the points were spent meanwhile; nothing
 *         changes), store errors.
 */
PATRON_API int patron_earn_return(patron_db *db, const char *purchase_key, int64_t at);


/**
 * @brief Release the points of a purchase scored with `hold_until_action`
 *        (the order shipped, the return window closed): each of its earn
 *        postings is released by patron_ledger_release() at @p at (points
 *        available then, the policy's expiry counted from then). One
 *        transaction; releasing again changes nothing.
 * @param db Open store.
 * @param purchase_key The purchase's key.
 * @param at The release time (UTC seconds), not before the purchase.
 * @param[out] released [value] Receives the points released by this call (0 for a repeat; may be NULL).
 * @return #PATRON_OK (also for a returned purchase: nothing is left to release); #PATRON_ENOTFOUND (no
 *         such purchase); #PATRON_EINVAL (the purchase was not held, `at` before it); store errors.
 */
PATRON_API int patron_earn_release(patron_db *db, int64_t *released, const char *purchase_key, int64_t at);

/* ---------------------------------------------------------------- budgets */

/**
 * @brief Windows of a recurring limit: the limit resets at the start of each
 *        UTC calendar window (see #patron_earn_budget).
 */
typedef enum patron_earn_window {
    PATRON_EARN_WINDOW_NONE = 0,  /**< No reset: the limit holds for the rule's whole life. */
    PATRON_EARN_WINDOW_DAY = 1,   /**< UTC day, from 00:00:00Z. */
    PATRON_EARN_WINDOW_WEEK = 2,  /**< ISO week: Monday 00:00:00Z to the next Monday. */
    PATRON_EARN_WINDOW_MONTH = 3  /**< Calendar month, from the 1st 00:00:00Z. */
} patron_earn_window;

/**
 * @brief The budget and limits of an earning rule (all its versions, by
 *        name). Initialise with #PATRON_EARN_BUDGET_INIT; 0 in a limit means
 *        "no limit".
 *
 * An *award* is one earn posting the rule produces (a referral rule's two
 * postings are two awards, one per member); its *points* are what that
 * posting carries. Every limit that applies to an award is checked when a
 * purchase is posted: the award gets the smallest remainder of the points
 * limits (a partial award at the boundary), or nothing when any awards limit
 * is used up or a points remainder is 0. A window is the purchase's time
 * (`patron_purchase.at`), not the time of posting. Store limits apply to
 * purchases with a `location` only; member limits count the member and the
 * members merged into it. A budget counts the awards posted while it is
 * set; patron_earn_return() gives back what the returned purchase's awards
 * used, in the windows they used it in.
 */
typedef struct patron_earn_budget {
    uint32_t size;          /**< `sizeof(patron_earn_budget)`; set by #PATRON_EARN_BUDGET_INIT. */
    int64_t points;         /**< Total points budget over the rule's life (0 = none). */
    int64_t awards;         /**< Total awards budget over the rule's life (0 = none). */
    int period;             /**< #patron_earn_window of the recurring rule-wide limit below. */
    int64_t period_points;  /**< Points all members together may get per `period` window (0 = none). */
    int64_t period_awards;  /**< Awards per `period` window (0 = none). */
    int member_window;      /**< #patron_earn_window of the per-member limit (NONE: over the rule's life). */
    int64_t member_points;  /**< Points one member may get per `member_window` (0 = none). */
    int64_t member_awards;  /**< Awards one member may get per `member_window` (0 = none). */
    int store_window;       /**< #patron_earn_window of the per-store limit (NONE: over the rule's life). */
    int64_t store_points;   /**< Points per purchase `location` per `store_window` (0 = none). */
    int64_t store_awards;   /**< Awards per `location` per `store_window` (0 = none). */
} patron_earn_budget;

/** @brief Initialiser for #patron_earn_budget: no limits. */
#define PATRON_EARN_BUDGET_INIT { (uint32_t)sizeof(patron_earn_budget), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/**
 * @brief What a rule's budget has used and has left at a moment, for the
 *        whole rule and (when asked) for one member and one store. A `*_left`
 *        is -1 where there is no limit. Initialise with
 *        #PATRON_EARN_BUDGET_USAGE_INIT.
 */
typedef struct patron_earn_budget_usage {
    uint32_t size;               /**< `sizeof(patron_earn_budget_usage)`; set by #PATRON_EARN_BUDGET_USAGE_INIT. */
    int64_t points_used;         /**< Points awarded under the budget over the rule's life. */
    int64_t awards_used;         /**< Awards over the rule's life. */
    int64_t points_left;         /**< Remainder of the total points budget (-1: none). */
    int64_t awards_left;         /**< Remainder of the total awards budget (-1: none). */
    int64_t period_start;        /**< Start of the `period` window holding `at` (0 without a recurring limit). */
    int64_t period_end;          /**< Its end (exclusive; 0 without one). */
    int64_t period_points_used;  /**< Points in that window. */
    int64_t period_awards_used;  /**< Awards in that window. */
    int64_t period_points_left;  /**< Remainder of `period_points` (-1: none). */
    int64_t period_awards_left;  /**< Remainder of `period_awards` (-1: none). */
    int64_t member_start;        /**< Start of the member window holding `at` (0 for NONE or no member asked). */
    int64_t member_end;          /**< Its end (exclusive; 0 for NONE or no member asked). */
    int64_t member_points_used;  /**< The member's points in that window (0 when no member asked). */
    int64_t member_awards_used;  /**< The member's awards in that window. */
    int64_t member_points_left;  /**< Remainder of `member_points` (-1: none, or no member asked). */
    int64_t member_awards_left;  /**< Remainder of `member_awards` (-1: none, or no member asked). */
    int64_t store_start;         /**< Start of the store window holding `at` (0 for NONE or no store asked). */
    int64_t store_end;           /**< Its end (exclusive). */
    int64_t store_points_used;   /**< The store's points in that window (0 when no store asked). */
    int64_t store_awards_used;   /**< The store's awards in that window. */
    int64_t store_points_left;   /**< Remainder of `store_points` (-1: none, or no store asked). */
    int64_t store_awards_left;   /**< Remainder of `store_awards` (-1: none, or no store asked). */
} patron_earn_budget_usage;

/** @brief Initialiser for #patron_earn_budget_usage. */
#define PATRON_EARN_BUDGET_USAGE_INIT { (uint32_t)sizeof(patron_earn_budget_usage), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
                                        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/**
 * @brief Set (or replace) the budget and limits of the earning rule `rule`
 *        (every version of that name). What was used so far stays counted;
 *        a budget with every limit 0 lifts the limits and stops counting.
 *        Records an audit entry ("rule.budget").
 * @param db Open store.
 * @param rule Rule name (an existing rule).
 * @param[in] budget [value] The limits (copied); see #patron_earn_budget.
 * @return #PATRON_OK; #PATRON_ENOTFOUND (no rule of that name);
 *         #PATRON_EINVAL (a negative limit, a window that is not a
 *         #patron_earn_window, a recurring window without a limit to
 *         reset); store errors.
 * @par Thread safety
 * As for the #patron_db handle.
 */
PATRON_API int patron_earn_budget_set(patron_db *db, const char *rule, const patron_earn_budget *budget);

/**
 * @brief Read the budget of rule `rule` and what it has used and has left
 *        at time `at`, rule-wide and for one member and one store.
 * @param db Open store (only read).
 * @param[out] budget [value] Receives the limits (may be NULL); a rule
 *        without a budget reads as #PATRON_EARN_BUDGET_INIT.
 * @param[out] usage [value] Receives the usage (may be NULL).
 * @param rule Rule name (an existing rule).
 * @param at The moment whose windows are reported (UTC seconds).
 * @param member_id A member for the member limit, or 0 for none.
 * @param location A store (purchase `location`) for the store limit, or NULL.
 * @return #PATRON_OK; #PATRON_ENOTFOUND (no rule of that name, or an
 *         unknown member); #PATRON_EINVAL; store errors.
 * @par Thread safety
 * As for the #patron_db handle.
 */
PATRON_API int patron_earn_budget_get(patron_db *db, patron_earn_budget *budget, patron_earn_budget_usage *usage,
                                      const char *rule, int64_t at, int64_t member_id, const char *location);

PATRON_END_DECLS

#endif /* PATRON_EARN_H */
