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
} patron_purchase;

/** @brief Initialiser for #patron_purchase. */
#define PATRON_PURCHASE_INIT { (uint32_t)sizeof(patron_purchase), NULL, 0, 0, NULL, 0, NULL, NULL, NULL }

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
 * @brief Record and score the purchases of a CSV file (history from a till
 *        or a shop), all or nothing.
 *
 * The header names the columns: `member`, `at`, `key`, `amount` required;
 * `category`, `product`, `quantity`, `channel`, `location`, `returned_at`
 * optional, in any order. One row per purchase line; consecutive rows with
 * the same `key` are the lines of one purchase and repeat its `member`,
 * `at`, `channel`, `location` and `returned_at`. `member` is any identifier
 * patron_profile_find() takes; times are epoch seconds or ISO-8601;
 * `amount` is the line's amount in minor units; `quantity` defaults to 1.
 * Each purchase is recorded as patron_earn_purchase() records it (scored,
 * idempotent on its key: a file imported twice records nothing the second
 * time) and, with `returned_at`, returned then (patron_earn_return()). The
 * first bad row fails the import with "line L: ..." (for a purchase that
 * cannot be recorded, the line of its first row) and nothing of the file
 * stays.
 *
 * @param db Open store.
 * @param[out] recorded [value] Receives the number of purchases newly recorded (may be NULL).
 * @param path The CSV file.
 * @return #PATRON_OK; #PATRON_EPARSE and #PATRON_EINVAL naming line and field;
 *         #PATRON_ENOTFOUND (a member not found); #PATRON_ECONFLICT (a key
 *         recorded with other content); #PATRON_EIO; store errors.
 */
PATRON_API int patron_earn_import_csv(patron_db *db, int64_t *recorded, const char *path);

PATRON_END_DECLS

#endif /* PATRON_EARN_H */
