/**
 * @file coupon.h
 * @brief Coupons, vouchers and gift cards: campaigns of codes (generated
 *        from a pattern or imported), validation without redemption,
 *        idempotent redemption, publication to a member, and gift cards
 *        whose money balance redemptions draw down.
 *
 * A *campaign* (series) holds codes and their rules: a validity window
 * [`valid_from`, `valid_to`), the most redemptions of one code
 * (`max_uses`, 0 = unlimited: 1 makes single-use codes), the most
 * redemptions by one member across the campaign (`per_member`, 0 =
 * unlimited) and a minimum basket. A #PATRON_COUPON_DISCOUNT campaign's
 * codes give `amount_off` minor units or `percent_off` % of the basket
 * (rounded down, never more than the basket); a #PATRON_COUPON_GIFT_CARD
 * campaign's codes start with a balance of `amount_off` minor units that
 * each redemption draws down by its `amount` (partial redemptions; never
 * below zero).
 *
 * Codes are unique across the store and matched exactly (case matters).
 * Generated codes follow a pattern: `#` is a digit 0-9, `?` a letter A-Z,
 * `*` a digit or a letter; any other character stands for itself (so
 * `SUMMER-####-????`). The generator is seeded (the same seed, pattern and
 * count give the same codes on any platform): a xorshift64* stream from
 * `seed` (0 means 1) picks each character as `next() % alphabet size`.
 * A code that already exists (in any campaign) or was drawn earlier is
 * drawn again; a pattern with fewer than 4 × `count` possible codes is
 * refused, so drawing always ends quickly.
 *
 * Validation answers whether a code can be redeemed now and why not
 * (#patron_coupon_verdict); redemption makes the same checks, then records
 * the redemption under its idempotency key in one transaction: the same key
 * with the same request returns the recorded redemption (`replayed` 1), with
 * another request #PATRON_ECONFLICT. Concurrent writers never redeem a code
 * more often than `max_uses`, a member more often than `per_member`, nor a
 * gift card below zero: each redemption runs in a write transaction that
 * excludes every other one.
 *
 * A *published* code belongs to one member (patron_coupon_publish()): only
 * that member may redeem it. Creating a campaign and importing codes are
 * audited (`coupon.create`, `coupon.import`); redemptions and publications
 * append `coupon.redeemed` and `coupon.published` to the events outbox
 * (member 0 for an anonymous redemption).
 *
 * Thread safety: as for the #patron_db handle.
 */
#ifndef PATRON_COUPON_H
#define PATRON_COUPON_H

#include <stddef.h>
#include <stdint.h>

#include "patron/common.h"
#include "patron/db.h"

PATRON_BEGIN_DECLS

/** @brief What a campaign's codes are worth. */
typedef enum patron_coupon_kind {
    PATRON_COUPON_DISCOUNT = 1, /**< A discount: `amount_off` or `percent_off` of the basket. */
    PATRON_COUPON_GIFT_CARD = 2 /**< A money-valued voucher with a balance (starting at `amount_off`). */
} patron_coupon_kind;

/** @brief Why a code can or cannot be redeemed (patron_coupon_validate()). */
typedef enum patron_coupon_verdict {
    PATRON_COUPON_VALID = 0,         /**< It can be redeemed. */
    PATRON_COUPON_UNKNOWN = 1,       /**< No such code. */
    PATRON_COUPON_NOT_YET_VALID = 2, /**< Before the campaign's `valid_from`. */
    PATRON_COUPON_EXPIRED = 3,       /**< At or after the campaign's `valid_to`. */
    PATRON_COUPON_USED_UP = 4,       /**< The code reached `max_uses`, or a gift card's balance is 0. */
    PATRON_COUPON_MEMBER_LIMIT = 5,  /**< The member reached the campaign's `per_member` redemptions. */
    PATRON_COUPON_WRONG_MEMBER = 6,  /**< The code was published to another member (or the request names none). */
    PATRON_COUPON_MIN_BASKET = 7,    /**< The basket is below the campaign's `min_basket`. */
    PATRON_COUPON_NO_BALANCE = 8     /**< A gift card holds less than the amount asked for. */
} patron_coupon_verdict;

/** @brief A campaign of codes; initialise with #PATRON_COUPON_CAMPAIGN_INIT. Strings are copied. */
typedef struct patron_coupon_campaign {
    uint32_t size;        /**< `sizeof(patron_coupon_campaign)`; set by #PATRON_COUPON_CAMPAIGN_INIT. */
    const char *name;     /**< Campaign name, 1..64 bytes of [a-z0-9_-] (required, unique). */
    int32_t kind;         /**< A #patron_coupon_kind. */
    int64_t amount_off;   /**< Discount: minor units off (0 when `percent_off` is used); gift card: the starting balance (> 0). */
    int64_t percent_off;  /**< Discount: percent of the basket off, 0..100 (0 when `amount_off` is used); gift card: 0. */
    int64_t max_uses;     /**< Redemptions per code, 0 = unlimited (1 = single use). */
    int64_t per_member;   /**< Redemptions per member across the campaign, 0 = unlimited. */
    int64_t valid_from;   /**< Valid from (UTC seconds, inclusive); 0 = always. */
    int64_t valid_to;     /**< Valid until (exclusive); 0 = open-ended. */
    int64_t min_basket;   /**< Smallest basket (minor units) a redemption needs; 0 = none. */
    const char *pattern;  /**< Code pattern for generation (at most 64 bytes; see the file comment), or NULL. */
    int64_t count;        /**< Codes to generate from `pattern` now (0..1000000). */
    uint64_t seed;        /**< Generator seed. */
} patron_coupon_campaign;

/** @brief Initialiser for #patron_coupon_campaign: a discount campaign, single-use codes, always valid. */
#define PATRON_COUPON_CAMPAIGN_INIT { (uint32_t)sizeof(patron_coupon_campaign), NULL, PATRON_COUPON_DISCOUNT, 0, 0, 1, 0, 0, 0, 0, NULL, 0, 0 }

/** @brief A validation or redemption request; initialise with #PATRON_COUPON_REQUEST_INIT. */
typedef struct patron_coupon_request {
    uint32_t size;      /**< `sizeof(patron_coupon_request)`; set by #PATRON_COUPON_REQUEST_INIT. */
    const char *code;   /**< The code (required). */
    int64_t member_id;  /**< The member redeeming, or 0 for an anonymous redemption (no per-member limit; published codes refuse it). */
    int64_t at;         /**< When (UTC seconds). */
    int64_t basket;     /**< The basket's amount in minor units (>= 0). */
    int64_t amount;     /**< Gift card: minor units to draw (> 0); discount: 0. */
    const char *key;    /**< Idempotency key of the redemption, 1..100 bytes (redemption only; validation ignores it). */
} patron_coupon_request;

/** @brief Initialiser for #patron_coupon_request. */
#define PATRON_COUPON_REQUEST_INIT { (uint32_t)sizeof(patron_coupon_request), NULL, 0, 0, 0, 0, NULL }

/** @brief What validating or redeeming a code found. */
typedef struct patron_coupon_result {
    uint32_t size;        /**< Set by the caller to `sizeof(patron_coupon_result)`. */
    int32_t verdict;      /**< A #patron_coupon_verdict (redemption: always #PATRON_COUPON_VALID). */
    char campaign[72];    /**< The code's campaign ("" for an unknown code). */
    int32_t kind;         /**< The campaign's #patron_coupon_kind (0 for an unknown code). */
    int64_t value;        /**< Discount: minor units off this basket; gift card: the amount drawn (asked for). */
    int64_t balance;      /**< Gift card: balance left (after the redemption; now, for a validation); discount: 0. */
    int64_t uses;         /**< Redemptions of the code (after the redemption). */
    int64_t member_uses;  /**< Redemptions by the member in the campaign (after the redemption; 0 when anonymous). */
    int64_t owner_id;     /**< The member the code was published to, 0 when not published. */
    int64_t redemption_id; /**< Redemption: its id; validation: 0. */
    int32_t replayed;     /**< Redemption: 1 when the key was recorded already with the same request. */
} patron_coupon_result;

/** @brief Codes read by patron_coupon_list() (opaque). */
typedef struct patron_coupon_codes patron_coupon_codes;

/** @brief One code of a list. */
typedef struct patron_coupon_code {
    const char *code;    /**< The code (owned by the list). */
    int64_t uses;        /**< Redemptions so far. */
    int64_t balance;     /**< Gift card: balance left; discount: 0. */
    int64_t owner_id;    /**< The member it was published to, 0 when not published. */
    int64_t published_at; /**< When it was published (0 when not). */
} patron_coupon_code;

/**
 * @brief Create a campaign and generate `count` codes from its pattern (all
 *        or nothing). Audited as `coupon.create`.
 * @param db Open store.
 * @param[out] generated [value] Receives the number of codes generated (may be NULL).
 * @param[in] campaign [value] The campaign.
 * @return #PATRON_OK; #PATRON_EINVAL (a field out of range, named with its
 *         value; a pattern too small for `count`); #PATRON_ECONFLICT (a
 *         campaign with that name exists); store errors.
 */
PATRON_API int patron_coupon_create(patron_db *db, int64_t *generated, const patron_coupon_campaign *campaign);

/**
 * @brief Add codes made elsewhere to a campaign (all or nothing). Audited as `coupon.import`.
 * @param db Open store.
 * @param[out] imported [value] Receives the number of codes added (may be NULL).
 * @param campaign The campaign's name.
 * @param[in] codes [strings] The codes: each 1..64 bytes of printable ASCII without spaces.
 * @param n Number of codes (1..1000000).
 * @return #PATRON_OK; #PATRON_ENOTFOUND (no such campaign); #PATRON_EINVAL
 *         (a bad code, with its index); #PATRON_ECONFLICT (a code exists
 *         already or appears twice, named); store errors.
 */
PATRON_API int patron_coupon_import(patron_db *db, int64_t *imported, const char *campaign, const char *const *codes,
                                    size_t n);

/**
 * @brief Whether a code can be redeemed now, and why not: nothing is written.
 * @param db Open store.
 * @param[out] result [value] Receives the verdict and the code's state (its `size` set by the caller).
 * @param[in] req [value] The request (`key` is not used).
 * @return #PATRON_OK whatever the verdict; #PATRON_EINVAL (a field out of range), store errors.
 */
PATRON_API int patron_coupon_validate(patron_db *db, patron_coupon_result *result, const patron_coupon_request *req);

/**
 * @brief Redeem a code (the checks of patron_coupon_validate(), then one
 *        transaction, idempotent by `key`).
 * @param db Open store.
 * @param[out] result [value] Receives the redemption (may be NULL; else its `size` set).
 * @param[in] req [value] The request.
 * @return #PATRON_OK; #PATRON_ENOTFOUND (unknown code or member);
 *         #PATRON_EINVAL (a field out of range; outside the window; below
 *         the minimum basket; the code belongs to another member);
 *         #PATRON_ERANGE (used up, or the member's limit reached);
 *         #PATRON_EBALANCE (a gift card holds less than `amount`);
 *         #PATRON_ECONFLICT (the key was used for another request); store
 *         errors. The message names the verdict. On failure nothing changes.
 */
PATRON_API int patron_coupon_redeem(patron_db *db, patron_coupon_result *result, const patron_coupon_request *req);

/** @brief A code published to a member (patron_coupon_publish()). */
typedef struct patron_coupon_publication {
    uint32_t size;        /**< Set by the caller to `sizeof(patron_coupon_publication)`. */
    char code[72];        /**< The code published. */
    int64_t member_id;    /**< The member it belongs to (after following merges). */
    int64_t published_at; /**< When it was published to them. */
    int32_t replayed;     /**< 1 when it was published to this member already (nothing changed). */
} patron_coupon_publication;

/**
 * @brief Publish a code to a member: only they may redeem it from now on.
 * @param db Open store.
 * @param[out] out [value] Receives the publication (may be NULL; else its `size` set).
 * @param campaign The campaign's name.
 * @param wanted The code to publish, or NULL for the campaign's first
 *        unpublished, unused code (in code order).
 * @param member_id The member.
 * @param at When (UTC seconds).
 * @return #PATRON_OK (also when @p wanted is already published to this
 *         member: `replayed` 1); #PATRON_ENOTFOUND (no such campaign, code or
 *         member; no unpublished code left); #PATRON_ECONFLICT (@p wanted is
 *         published to another member or belongs to another campaign);
 *         #PATRON_EINVAL; store errors. Appends `coupon.published`.
 */
PATRON_API int patron_coupon_publish(patron_db *db, patron_coupon_publication *out, const char *campaign,
                                     const char *wanted, int64_t member_id, int64_t at);

/**
 * @brief The codes of a campaign in code order.
 * @param db Open store.
 * @param[out] out [handle] Receives the list; release with patron_coupon_codes_free().
 * @param campaign The campaign's name.
 * @return #PATRON_OK, #PATRON_ENOTFOUND, #PATRON_EINVAL, #PATRON_ENOMEM, store errors.
 */
PATRON_API int patron_coupon_list(patron_db *db, patron_coupon_codes **out, const char *campaign);

/** @brief Number of codes in a list (0 for NULL). */
PATRON_API size_t patron_coupon_codes_count(const patron_coupon_codes *list);

/**
 * @brief The i-th code of a list.
 * @return Pointer owned by @p list (valid until patron_coupon_codes_free()), or NULL when @p i is out of range.
 */
PATRON_API const patron_coupon_code *patron_coupon_codes_get(const patron_coupon_codes *list, size_t i);

/** @brief Release a list (NULL is a no-op). */
PATRON_API void patron_coupon_codes_free(patron_coupon_codes *list);

PATRON_END_DECLS

#endif /* PATRON_COUPON_H */
