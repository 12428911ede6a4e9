/**
 * @file ledger.h
 * @brief The points ledger: append-only postings, idempotency keys, pending
 *        points, lots with expiry and FIFO redemption, balances at any
 *        moment, statements and reconciliation.
 *
 * Model. Every change of a member's points is a *posting*; postings are
 * never edited or deleted, and balances are derived from them. Points live
 * in *lots*: each positive posting (earn, positive adjust, transfer in)
 * creates a lot with a maturity time (pending points become available then)
 * and an expiry time. Negative postings (redeem, negative adjust, transfer
 * out, expire, reverse of an earn) take points from lots, oldest first
 * (FIFO by earning time), and each movement is recorded, so that
 * patron_ledger_check() can prove that every point is accounted for.
 *
 * Idempotency. Every posting request carries a caller-chosen key (an order
 * number, a POS transaction id). Posting a key that exists with the same
 * content returns the first result (`replayed` = 1) and changes nothing;
 * the same key with different content is #PATRON_ECONFLICT. "Content" is
 * every field of the request except `at` (a retry stamped later by a server
 * is the same request). Keys are unique across the whole store and kinds.
 *
 * Negative balances. By default a request that would take more points than
 * the member has available at its time fails with #PATRON_EBALANCE (alias
 * #PATRON_EINSUFFICIENT) and changes nothing. A debit dated before some of
 * the member's postings must fit every later balance too (after later
 * postings and later expiry); see the guide's "The history is always
 * right" for the rules of back-dated requests. A program that allows negative
 * balances sets patron_ledger_policy::overdraft_limit: a redemption, a
 * negative adjustment or the reversal of an earn (a refund after the points
 * were spent) may then take the balance down to minus that limit. What the
 * lots could not give is the member's *debt*; it is repaid from the next
 * points credited to the member (an earn, a positive adjustment, points
 * received by a transfer or merge; pending or not) and from available
 * points at their next debit, each repayment
 * recorded as lot movements of that posting. Transfers never overdraw, and a
 * merge moves the merged member's debt to the survivor (a pair of adjust
 * postings). Reversing an overdrawn redemption forgives what is still owed
 * and returns already repaid points as a new lot.
 *
 * Time. Every request states its time `at` (UTC seconds); the library never
 * reads the clock. Pending points count from their maturity time;
 * cancelling them inside the window (patron_ledger_reverse() before they
 * mature) takes effect at that same maturity time, so the balance never
 * shows them. Expiry is an explicit `expire` posting, written by
 * patron_ledger_expire() and automatically before every debit of a member
 * (redemption, negative adjustment, transfer, reversal) and before a merge;
 * until then, balances already leave expired points out of `available`.
 *
 * Every function that writes is one transaction (see db.h).
 * Thread safety: as for the #patron_db handle.
 */
#ifndef PATRON_LEDGER_H
#define PATRON_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "patron/common.h"
#include "patron/db.h"

PATRON_BEGIN_DECLS

/** @brief The name for #PATRON_EBALANCE (insufficient points); same value. */
#define PATRON_EINSUFFICIENT PATRON_EBALANCE

/** @brief A time after every real time: "never expires". */
#define PATRON_NEVER INT64_MAX

/** @brief Kinds of postings. */
typedef enum patron_posting_kind {
    PATRON_POSTING_EARN = 1,         /**< Points earned (positive). */
    PATRON_POSTING_REDEEM = 2,       /**< Points spent (negative). */
    PATRON_POSTING_EXPIRE = 3,       /**< Points of one lot expired (negative). */
    PATRON_POSTING_ADJUST = 4,       /**< Manual correction with reason and operator (either sign). */
    PATRON_POSTING_REVERSE = 5,      /**< Undoes (part of) the posting named by `target`. */
    PATRON_POSTING_TRANSFER_OUT = 6, /**< Points sent to another member (negative). */
    PATRON_POSTING_TRANSFER_IN = 7   /**< Points received from another member (positive). */
} patron_posting_kind;

/** @brief A posting request. Initialise with #PATRON_POSTING_REQUEST_INIT. */
typedef struct patron_posting_request {
    uint32_t size;             /**< `sizeof(patron_posting_request)`; set by #PATRON_POSTING_REQUEST_INIT. */
    const char *key;           /**< Idempotency key, 1..200 bytes (required). */
    int64_t member_id;         /**< The member (a merged id resolves to the surviving member). */
    int64_t points;            /**< Points, > 0. Adjust: non-zero, signed. Reverse: how many to undo, 0 = all not yet reversed. */
    int64_t at;                /**< When it happened (UTC seconds). */
    int64_t mature_at;         /**< Earn / positive adjust: when the points become available; 0 = `at` plus the policy's hold; #PATRON_NEVER = pending until an action (an earn: until patron_ledger_release()). */
    int64_t expires_at;        /**< Earn / positive adjust: expiry; 0 = the policy's; #PATRON_NEVER = never. */
    int64_t target;            /**< Reverse: id of the posting to reverse. Transfer: the receiving member. */
    int64_t spend;             /**< Earn: purchase amount in minor currency units (informational, >= 0). */
    const char *rule;          /**< Earn: the rule that produced the points (may be NULL). */
    int64_t rule_version;      /**< Earn: that rule's version. */
    const char *reason;        /**< Why (required for adjust; optional otherwise). No personal data. */
    const char *operator_name; /**< Who (required for adjust). */
    const char *ref;           /**< External reference (order id); optional. No personal data. */
} patron_posting_request;

/** @brief Initialiser for #patron_posting_request: everything zero/NULL. */
#define PATRON_POSTING_REQUEST_INIT { (uint32_t)sizeof(patron_posting_request), NULL, 0, 0, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL, NULL }

/** @brief What a posting call did. */
typedef struct patron_posting_result {
    int64_t posting_id; /**< The posting written (transfer: the outgoing leg), or the first one for a replay. */
    int64_t points;     /**< Signed effect on the member's points. */
    int replayed;       /**< 1 when the key existed with the same content and nothing changed. */
} patron_posting_result;

/** @brief Largest accepted patron_ledger_policy::overdraft_limit (10^15 points). */
#define PATRON_OVERDRAFT_MAX INT64_C(1000000000000000)

/** @brief How the policy's expiry is rounded up (patron_ledger_policy::expiry_round). All in UTC. */
typedef enum patron_expiry_round {
    PATRON_EXPIRY_EXACT = 0,          /**< No rounding: `expiry_months` after earning, to the second. */
    PATRON_EXPIRY_END_OF_DAY = 1,     /**< 00:00 UTC of the next day. */
    PATRON_EXPIRY_END_OF_WEEK = 2,    /**< 00:00 UTC of the next Monday (weeks run Monday to Sunday, ISO 8601). */
    PATRON_EXPIRY_END_OF_MONTH = 3,   /**< 00:00 UTC on the 1st of the next month (what `expiry_end_of_month` does). */
    PATRON_EXPIRY_END_OF_QUARTER = 4, /**< 00:00 UTC on the 1st of January, April, July or October after. */
    PATRON_EXPIRY_END_OF_YEAR = 5     /**< 00:00 UTC on the 1st of January after. */
} patron_expiry_round;

/** @brief Program-wide ledger policy (stored in the store). */
typedef struct patron_ledger_policy {
    uint32_t size;          /**< `sizeof(patron_ledger_policy)`; set by #PATRON_LEDGER_POLICY_INIT. */
    int expiry_months;      /**< Points expire this many months after earning; 0 = never. */
    int expiry_end_of_month;/**< Non-zero: expiry moves to the end of that month (00:00 UTC on the 1st of the next). */
    int64_t hold_seconds;   /**< Default pending period of earned points (return window); 0 = available at once. */
    int64_t overdraft_limit;/**< How far below zero a member's balance may go (0..#PATRON_OVERDRAFT_MAX); 0 = never negative. Since 0.1.0 (appended). */
    int expiry_round;       /**< A #patron_expiry_round: the policy's expiry (`expiry_months` after earning, or after maturity) is moved up to the end of its UTC day, week, month, quarter or year; explicit `expires_at` values are never rounded. #PATRON_EXPIRY_END_OF_MONTH is the same as `expiry_end_of_month`; any other value with `expiry_end_of_month` set is #PATRON_EINVAL. Since 0.2 (appended; a shorter struct reads as #PATRON_EXPIRY_EXACT, or END_OF_MONTH when `expiry_end_of_month` is set). */
} patron_ledger_policy;

/** @brief Default policy: points never expire, are available at once, and balances never go negative. */
#define PATRON_LEDGER_POLICY_INIT { (uint32_t)sizeof(patron_ledger_policy), 0, 0, 0, 0, PATRON_EXPIRY_EXACT }

/** @brief A member's points at a moment. */
typedef struct patron_balance {
    int64_t available; /**< Matured, unexpired points usable at that moment. */
    int64_t pending;   /**< Points recorded by then that mature later. */
    int64_t expired_unposted; /**< Points past expiry whose expire posting is not written yet (excluded from `available`). */
} patron_balance;

/** @brief One posting, as read from a statement. Strings are owned by the statement. */
typedef struct patron_posting {
    int64_t id;            /**< Posting id (increasing in recording order). */
    int64_t member_id;     /**< Member whose points it moved. */
    int kind;              /**< A #patron_posting_kind. */
    int64_t points;        /**< Signed amount. */
    int64_t at;            /**< When it was recorded / happened. */
    int64_t effective_at;  /**< When it counts in the balance (maturity for pending points). */
    int64_t target;        /**< Reverse: reversed posting; transfer legs: the other leg; else 0. */
    int64_t spend;         /**< Earn: purchase amount; else 0. */
    int64_t rule_version;  /**< Earn: rule version; else 0. */
    const char *key;       /**< Idempotency key, or NULL for system postings (expiry, merge). */
    const char *rule;      /**< Earn: rule, or NULL. */
    const char *reason;    /**< Reason, or NULL. */
    const char *operator_name; /**< Operator, or NULL. */
    const char *ref;       /**< External reference, or NULL. */
} patron_posting;

/** @brief A member's postings over a period (opaque); from patron_ledger_statement(). */
typedef struct patron_statement patron_statement;

/** @brief Result of patron_ledger_check(). */
typedef struct patron_ledger_report {
    int64_t members;   /**< Accounts checked. */
    int64_t postings;  /**< Postings checked. */
    int64_t lots;      /**< Lots checked. */
    int64_t problems;  /**< Discrepancies found (0 when the ledger reconciles). */
} patron_ledger_report;

/**
 * @brief Set the program's ledger policy (applies to later postings).
 * @param db Open store.
 * @param[in] policy [value] The policy (copied).
 * @return #PATRON_OK, #PATRON_EINVAL (a value out of range), store errors.
 */
PATRON_API int patron_ledger_set_policy(patron_db *db, const patron_ledger_policy *policy);

/**
 * @brief Read the program's ledger policy.
 * @param db Open store.
 * @param[out] policy [value] Receives it (its `size` must be set by #PATRON_LEDGER_POLICY_INIT;
 *        a caller built before `overdraft_limit` existed gets the fields it has).
 * @return #PATRON_OK, #PATRON_EINVAL, store errors.
 */
PATRON_API int patron_ledger_get_policy(patron_db *db, patron_ledger_policy *policy);

/**
 * @brief Award points (creates a lot, pending until `mature_at`).
 * @param db Open store.
 * @param[out] result [value] Receives the result (may be NULL).
 * @param[in] req [value] Key, member, points > 0, at; optional maturity, expiry, rule, spend, ref.
 * A policy expiry that would come at or before the maturity counts from the
 * maturity instead.
 * @return #PATRON_OK; #PATRON_EINVAL (field invalid: named in the message;
 *         also an explicit `mature_at` before `at`, or an explicit
 *         `expires_at` not after the maturity); #PATRON_ENOTFOUND (member);
 *         #PATRON_ECONFLICT (key used with other content); store errors.
 *         Nothing changes on failure.
 */
PATRON_API int patron_ledger_earn(patron_db *db, patron_posting_result *result, const patron_posting_request *req);

/**
 * @brief Award points for many requests in one call: one transaction, all or nothing.
 *
 * Each request is what patron_ledger_earn() takes and is checked the same
 * way; each result is what it gives (a request whose key was used before
 * with the same content replays: the original posting and `replayed` = 1;
 * a key repeated inside the array replays its first use). The call is all
 * or nothing: when any request fails, nothing of the call is written, the
 * results are untouched, and the message names the first failing request
 * by index, e.g. "patron_ledger_earn_many: request 7: earn 'k7': points
 * must be > 0 (got -5)". Inside a batch (patron_batch_begin()) the call is
 * one step of the batch; a failure undoes only the call.
 *
 * Its purpose is throughput: the requests are written with multi-row
 * statements (on PostgreSQL a batch of 1,000 is a handful of round trips,
 * not thousands) when the call is not inside a batch, every member is an
 * active member without an overdraft debt and no key is used yet or
 * repeated; otherwise the requests are posted one after another inside
 * the one transaction. Either way the postings, balances and results are
 * those of patron_ledger_earn() called for each request in order.
 *
 * @param db Open store.
 * @param[out] results [array: n] Receives one result per request (may be NULL).
 * @param[in] requests [array: n] The requests, all initialised with #PATRON_POSTING_REQUEST_INIT
 *        (so of one `size`).
 * @param n How many (0..100000; 0 does nothing).
 * @return #PATRON_OK; the codes of patron_ledger_earn() for the first failing
 *         request; #PATRON_EINVAL (requests NULL with n > 0, n too large, or
 *         requests of different sizes). Nothing changes on failure.
 */
PATRON_API int patron_ledger_earn_many(patron_db *db, patron_posting_result *results,
                                       const patron_posting_request *requests, size_t n);

/**
 * @brief Spend points, oldest lots first.
 * @return #PATRON_OK; #PATRON_EBALANCE (fewer points available at `at`
 *         than needed, or a balance at a later moment that would fall,
 *         beyond what the policy's overdraft_limit allows: nothing
 *         changes); #PATRON_EINVAL; #PATRON_ENOTFOUND; #PATRON_ECONFLICT;
 *         store errors.
 */
PATRON_API int patron_ledger_redeem(patron_db *db, patron_posting_result *result, const patron_posting_request *req);

/**
 * @brief Correct a balance by hand: `points` signed and non-zero; `reason`
 *        and `operator_name` required. Positive adjustments create a lot
 *        (policy expiry), negative ones take points FIFO.
 * @return As patron_ledger_redeem().
 */
PATRON_API int patron_ledger_adjust(patron_db *db, patron_posting_result *result, const patron_posting_request *req);

/**
 * @brief Reverse (part of) posting `target`, e.g. on a refund or return.
 *
 * Earn / positive adjust: the points are taken back from that posting's own
 * lot first, then FIFO; if the points are still pending (a return inside
 * the window) the reversal takes effect at their maturity, so they are never
 * available. Points of the earn that expired are not taken again. Redeem /
 * negative adjust: the points go back into the lots they came from (with
 * those lots' expiry; the latest-expiring first; points put back into an
 * expired lot expire at once). Transfers, expiries and reversals cannot be
 * reversed (post a new transfer or an adjustment). `member_id` may be 0;
 * when set it must be the posting's member or one merged into it.
 * @return #PATRON_OK; #PATRON_ENOTFOUND (no such posting); #PATRON_EINVAL
 *         (more than what is left to reverse, kind not reversible, `at`
 *         before the posting's, `member_id` of another member);
 *         #PATRON_ECONFLICT (already fully reversed or expired, or key reuse);
 *         #PATRON_EBALANCE (the points were spent meanwhile and the policy's
 *         overdraft_limit does not cover them); store errors.
 */
PATRON_API int patron_ledger_reverse(patron_db *db, patron_posting_result *result, const patron_posting_request *req);

/**
 * @brief Move points from `member_id` to member `target` (FIFO; each moved
 *        part keeps its lot's expiry). Two postings, linked to each other.
 * @return As patron_ledger_redeem(); #PATRON_EINVAL for a transfer to oneself.
 */
PATRON_API int patron_ledger_transfer(patron_db *db, patron_posting_result *result, const patron_posting_request *req);

/**
 * @brief Release points pending until an action (order shipped, return
 *        window closed): the earn posted under @p key with `mature_at` =
 *        #PATRON_NEVER becomes available at @p at.
 *
 * Postings are never edited, so a release is two postings in one
 * transaction: a reversal of the held earn (key "<key>:release", effective
 * at the held earn's maturity, so the held points never show as available)
 * and an earn of the points not reversed by then (key "<key>:released",
 * available at @p at, with the held earn's rule, version, spend and ref).
 * The released points get the policy's expiry counted from @p at (the
 * clock starts at the release, rounded by `expiry_round`). A return before
 * the release (patron_ledger_reverse() of the held earn) cancels the points
 * as for any pending earn; a return after it reverses the released earn.
 * Releasing again replays (`replayed` = 1, the released earn).
 * @param db Open store.
 * @param[out] result [value] Receives the released earn (may be NULL).
 * @param key The held earn's idempotency key (at most 190 bytes).
 * @param at The release time (UTC seconds), not before the earn's `at`.
 * @return #PATRON_OK; #PATRON_ENOTFOUND (no posting with that key);
 *         #PATRON_EINVAL (not an earn held until an action, `at` before
 *         it); #PATRON_ECONFLICT (all of it was reversed before the
 *         release); store errors. Nothing changes on failure.
 */
PATRON_API int patron_ledger_release(patron_db *db, patron_posting_result *result, const char *key, int64_t at);

/**
 * @brief Write the expire postings of every lot expired by @p at (all members).
 * @param db Open store.
 * @param[out] postings [value] Receives the number of expire postings written (may be NULL).
 * @param[out] points [value] Receives the points expired (positive; may be NULL).
 * @param at Now (UTC seconds).
 * @return #PATRON_OK, store errors. Running it again writes nothing.
 */
PATRON_API int patron_ledger_expire(patron_db *db, int64_t *postings, int64_t *points, int64_t at);

/**
 * @brief A member's balance at any moment (past or present).
 * @param db Open store.
 * @param[out] balance [value] Receives the balance.
 * @param member_id Member (a merged id resolves to the surviving member).
 * @param at The moment (UTC seconds).
 * @return #PATRON_OK, #PATRON_ENOTFOUND, #PATRON_EINVAL, store errors.
 */
PATRON_API int patron_ledger_balance(patron_db *db, patron_balance *balance, int64_t member_id, int64_t at);

/**
 * @brief A member's postings recorded in `[from, to)`, in recording order,
 *        including those of members merged into it.
 * @param db Open store.
 * @param[out] out [handle] Receives a statement; release with patron_statement_free().
 * @param member_id Member.
 * @param from Start (inclusive, UTC seconds).
 * @param to End (exclusive).
 * @return #PATRON_OK, #PATRON_ENOTFOUND, #PATRON_EINVAL, #PATRON_ENOMEM, store errors.
 */
PATRON_API int patron_ledger_statement(patron_db *db, patron_statement **out, int64_t member_id, int64_t from,
                                       int64_t to);

/** @brief Number of postings in a statement (0 for NULL). */
PATRON_API size_t patron_statement_count(const patron_statement *s);

/**
 * @brief The i-th posting of a statement.
 * @return Pointer owned by @p s (valid until patron_statement_free()), or
 *         NULL when @p i is out of range.
 */
PATRON_API const patron_posting *patron_statement_get(const patron_statement *s, size_t i);

/** @brief Available balance just before the statement's `from`. */
PATRON_API int64_t patron_statement_opening(const patron_statement *s);

/** @brief Available balance at the end of the statement's period (at `to - 1`). */
PATRON_API int64_t patron_statement_closing(const patron_statement *s);

/** @brief Release a statement (NULL is a no-op). */
PATRON_API void patron_statement_free(patron_statement *s);

/**
 * @brief Reconciliation: prove that every member's points equal the sum of
 *        their postings and the sum of their lots minus their debt, that
 *        at no effective time is a balance below minus the largest
 *        overdraft limit the program has set (plus debt handed over by
 *        merges), that no lot moves before its member had it and no expiry
 *        removes more than its lot held then, that
 *        every lot's remaining points equal its initial points plus its
 *        recorded movements and lie between 0 and the initial points, that
 *        the debt equals the overdraft movements, that every posting's
 *        amount equals the lots it created plus its lot movements, that no
 *        movement crosses members, and that each member's chain of postings
 *        links all of them, newest first.
 * @param db Open store.
 * @param[out] report [value] Receives counts (may be NULL).
 * @return #PATRON_OK when everything reconciles; #PATRON_ECORRUPT with the
 *         first discrepancy in patron_errmsg(); store errors.
 */
PATRON_API int patron_ledger_check(patron_db *db, patron_ledger_report *report);

PATRON_END_DECLS

#endif /* PATRON_LEDGER_H */
