/**
 * @file mart.h
 * @brief The store as the data mart: analytics inputs read straight from a
 *        store, with no CSV export in between.
 *
 * The earning module records every scored purchase (patron_earn_purchase():
 * member, time, amount, key, and when it was returned). This module turns
 * those records into the objects the analytics take:
 *
 * - patron_txlog_from_db(): a #patron_txlog of every member's purchases as of
 *   a moment, ready for patron_summarize(), the CLV fits, the segments and
 *   the weekly report. Customer ids are member ids (integers).
 *
 * Rules, so the log is the same on every backend and at every later time:
 * - A purchase counts when its time is in (`after`, `as_of`]. A purchase
 *   returned (patron_earn_return()) at or before `as_of` is left out; one
 *   returned later still counts, because at `as_of` it had not been returned.
 *   Returns recorded by libraries before schema version 6 have no time of
 *   their own: the purchase time stands in.
 * - A purchase of a member later merged into another counts for the member it
 *   was merged into (the person), whatever the merge time: the log describes
 *   people as the store knows them now.
 * - Purchases of erased members are left out unless
 *   #patron_store_log_options.with_erased is set (their ids are then kept,
 *   with nothing that names the person).
 *
 * Thread safety: as every call on a #patron_db handle (one thread at a time
 * per handle); the returned log belongs to the caller.
 */
#ifndef PATRON_MART_H
#define PATRON_MART_H

#include "clv.h"
#include "common.h"
#include "db.h"
#include "segment.h"
#include "summary.h"

PATRON_BEGIN_DECLS

/** @brief Options of patron_txlog_from_db(); initialise with #PATRON_STORE_LOG_OPTIONS_INIT. */
typedef struct patron_store_log_options {
    uint32_t size;      /**< `sizeof(patron_store_log_options)`; set by #PATRON_STORE_LOG_OPTIONS_INIT. */
    int64_t as_of;      /**< The moment the log describes (UTC seconds, required): purchases at or before it. */
    int64_t after;      /**< Only purchases after this time (exclusive); 0 (default) = from the first. */
    int32_t decimals;   /**< Decimals of the store's minor unit, given to the log (default 2). */
    int32_t with_returned; /**< 1: keep purchases returned by `as_of` too (default 0: left out). */
    int32_t with_erased;   /**< 1: keep erased members' purchases under their member id (default 0). */
} patron_store_log_options;

/** @brief Default #patron_store_log_options (as_of still to be set). */
#define PATRON_STORE_LOG_OPTIONS_INIT { (uint32_t)sizeof(patron_store_log_options), 0, 0, 2, 0, 0 }

/**
 * @brief The store's purchases as a transaction log, as of a moment.
 *
 * Reads the purchases patron_earn_purchase() recorded (the rules are in the
 * file description: returns up to `as_of` taken out, merged members under
 * the member they were merged into, erased members left out), in member id
 * then time order, into a new log with integer customer ids.
 *
 * @param db Open store.
 * @param[out] out [handle] Receives the new log (untouched on failure); free it
 *             with patron_txlog_free().
 * @param[in] opts [value] Options; `as_of` is required.
 * @return #PATRON_OK; #PATRON_EINVAL (NULL argument, `as_of` missing or not a
 *         time a store accepts, `after` not before `as_of`, bad decimals);
 *         #PATRON_EIO and the other store errors; #PATRON_ENOMEM.
 */
PATRON_API int patron_txlog_from_db(patron_db *db, patron_txlog **out, const patron_store_log_options *opts);

/**
 * @brief The store's customer summary as of a moment: patron_txlog_from_db()
 *        with @p opts, then patron_summarize() with the observation ending at
 *        `as_of` (default summary options: days). One call for what a CLV
 *        fit, a journey or a segment over the store starts from.
 *
 * @param db Open store.
 * @param[out] out [handle] Receives the summary frame (no rows when nothing was
 *             bought by `as_of`); free it with patron_frame_free(). Untouched
 *             on failure.
 * @param[in] opts [value] Options of the log; `as_of` is required.
 * @return As patron_txlog_from_db(), and the errors of patron_summarize().
 */
PATRON_API int patron_summary_from_db(patron_db *db, patron_frame **out, const patron_store_log_options *opts);

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
PATRON_API int patron_purchases_import_csv(patron_db *db, int64_t *recorded, const char *path);

/** @brief Options of patron_frame_from_db(); initialise with #PATRON_STORE_FRAME_OPTIONS_INIT. */
typedef struct patron_store_frame_options {
    uint32_t size;         /**< `sizeof(patron_store_frame_options)`; set by #PATRON_STORE_FRAME_OPTIONS_INIT. */
    int64_t as_of;         /**< The moment the frame describes (UTC seconds, required). */
    int32_t decimals;      /**< Decimals of the store's minor unit (default 2). */
    const char *channels;  /**< Consent channels for the `consent.<channel>` columns (default "sms,email,push"; "" none). */
    const char *rule;      /**< Keep only the members this rule selects (over every column, `now` = `as_of`), or NULL for all. */
} patron_store_frame_options;

/** @brief Default #patron_store_frame_options (as_of still to be set). */
#define PATRON_STORE_FRAME_OPTIONS_INIT { (uint32_t)sizeof(patron_store_frame_options), 0, 2, "sms,email,push", NULL }

/**
 * @brief The customer frame of the store's members as of a moment: one call
 *        for what a segment run, a CLV fit or a journey needs.
 *
 * The frame is patron_summarize() of patron_txlog_from_db() (days, the
 * observation ending at `as_of`: frequency, recency, T, monetary_value,
 * first and last purchase, orders, total_spend), extended with the activity
 * columns at `as_of` (patron_frame_add_activity()), the member columns
 * (patron_frame_add_member_columns(): member_id, joined, points_balance,
 * points_pending, tier, `consent.<channel>`), one `attr.<name>` column per
 * declared custom attribute (patron_profile_define_attr(): int as double,
 * NaN when unset; bool as int64 1/0; text and date as strings, "" when
 * unset; journey state and names over 58 bytes left out) and the stored
 * scores (patron_frame_add_scores(): p_alive, expected_purchases_90d,
 * clv_12m; NaN before the first patron_scores_refresh()). One row per member with a
 * purchase by `as_of`; with `rule`, only the rows it selects ("a segment").
 *
 * @param db Open store.
 * @param[out] out [handle] Receives the frame (free with patron_frame_free()); untouched on failure.
 * @param[in] opts [value] Options; `as_of` is required.
 * @return #PATRON_OK; #PATRON_EINVAL (bad options, no purchase by `as_of`);
 *         a rule's failure as patron_rule_select() reports it; store errors;
 *         #PATRON_ENOMEM.
 */
PATRON_API int patron_frame_from_db(patron_db *db, patron_frame **out, const patron_store_frame_options *opts);

/** @brief Options of patron_scores_refresh(); initialise with #PATRON_SCORE_OPTIONS_INIT. */
typedef struct patron_score_options {
    uint32_t size;    /**< `sizeof(patron_score_options)`; set by #PATRON_SCORE_OPTIONS_INIT. */
    int64_t as_of;    /**< The moment the fit describes (UTC seconds, required): the log patron_txlog_from_db() gives for it. */
    int32_t model;    /**< Transaction model: #PATRON_CLV_BGNBD (default), #PATRON_CLV_MBGNBD or #PATRON_CLV_PNBD. */
    double discount;  /**< Monthly discount rate of the 12-month CLV (default 0.01). */
} patron_score_options;

/** @brief Default #patron_score_options (as_of still to be set): BG/NBD, 1% a month. */
#define PATRON_SCORE_OPTIONS_INIT { (uint32_t)sizeof(patron_score_options), 0, PATRON_CLV_BGNBD, 0.01 }

/** @brief What patron_scores_refresh() did. */
typedef struct patron_score_result {
    uint32_t size;          /**< `sizeof(patron_score_result)`; set by #PATRON_SCORE_RESULT_INIT. */
    int64_t fit_id;         /**< Id of the stored fit (increasing). */
    int64_t customers;      /**< Members with a purchase by `as_of` (the rows fitted). */
    int64_t scored;         /**< Members scored (those with T > 0: a first purchase before `as_of`'s day). */
    double log_likelihood;  /**< Of the transaction model's fit. */
    int32_t spend_fitted;   /**< 1 when the Gamma-Gamma spend model was fitted (else `clv_12m` is null). */
} patron_score_result;

/** @brief Initialiser for #patron_score_result. */
#define PATRON_SCORE_RESULT_INIT { (uint32_t)sizeof(patron_score_result), 0, 0, 0, 0, 0 }

/**
 * @brief Fit CLV models to the store's own purchases and store the fit and
 *        every member's scores.
 *
 * The store's log as of `as_of` (patron_txlog_from_db()) is summarised in
 * days (patron_summarize(), observation end `as_of`); the transaction model
 * is fitted to the members with T > 0 and, when enough members bought
 * twice, the Gamma-Gamma spend model too. The fit (model, parameters,
 * covariance as patron_clv_fit_to_json() writes it, `as_of`, number of
 * customers) is stored, and each such member gets `p_alive`,
 * `expected_purchases_90d` (the next 90 days) and `clv_12m` (12 months,
 * Gamma-Gamma spend, monthly discounting at `discount`, months of 365.25/12
 * days; null without a spend fit). The scores replace the previous ones in
 * one transaction: readers see the old scores or the new, never a mix.
 * Refresh on demand (nightly, or after a large import); patron_frame_add_scores()
 * and the customer card read them.
 *
 * @param db Open store.
 * @param[out] result [value] Receives what was done (may be NULL).
 * @param[in] opts [value] Options; `as_of` is required.
 * @return #PATRON_OK; #PATRON_EINVAL (bad options, no member with a
 *         purchase by `as_of`); #PATRON_ECONVERGE (the model did not fit:
 *         nothing is stored, earlier scores stay); store errors;
 *         #PATRON_ENOMEM.
 */
PATRON_API int patron_scores_refresh(patron_db *db, patron_score_result *result, const patron_score_options *opts);

/**
 * @brief Append the stored scores as columns of a customer frame.
 *
 * Adds the double columns `p_alive`, `expected_purchases_90d` and `clv_12m`
 * (NaN for a row without a score, or without a spend fit) for the rows of
 * @p frame, whose integer ids are member ids (a frame from
 * patron_summarize() of patron_txlog_from_db()). Rules and segments can then
 * use them: `p_alive < 0.3 and clv_12m >= p80`.
 *
 * @param frame The frame to extend (integer ids).
 * @param db Open store.
 * @return #PATRON_OK; #PATRON_EINVAL (NULL, a frame with string ids);
 *         #PATRON_ECONFLICT (a column of that name exists); store errors;
 *         #PATRON_ENOMEM. On failure the frame is unchanged.
 */
PATRON_API int patron_frame_add_scores(patron_frame *frame, patron_db *db);

/**
 * @brief The stored CLV scores by how members came in: grouped by the
 *        channel, or the main category, of each member's first purchase, or
 *        by coupon use (the coupon campaign a member first redeemed).
 *
 * A JSON array, one object per value in byte order ("not recorded", null,
 * last): `{"<dimension>": value, "members", "scored", "p_alive_mean",
 * "clv_12m_mean", "clv_12m_total"}` — members whose first purchase had that
 * value, how many have scores (patron_scores_refresh()), and their mean
 * P(alive) and 12-month CLV (minor units; null when none is known). A
 * member's first purchase is the earliest of it and the members merged into
 * it; its main category is the category of its largest line. With
 * "coupon", the members (with a purchase) are grouped by the campaign of
 * their first coupon redemption (patron/coupon.h; of several in one second
 * the first by campaign name), null for members who never redeemed one.
 * Erased members are left out. Answers "which acquisition channel brings
 * customers worth the most", "which first category leads to loyal
 * customers", "are coupon customers worth less".
 *
 * @param db Open store.
 * @param[out] json [string: owned] Receives the NUL-terminated document (free with patron_free()).
 * @param dimension "channel", "category" or "coupon".
 * @return #PATRON_OK; #PATRON_EINVAL (NULL, an unknown dimension); store
 *         errors; #PATRON_ENOMEM.
 */
PATRON_API int patron_clv_by_first_purchase(patron_db *db, char **json, const char *dimension);

/** @brief Options of patron_member_card(); initialise with #PATRON_CARD_OPTIONS_INIT. */
typedef struct patron_card_options {
    uint32_t size;                     /**< `sizeof(patron_card_options)`; set by #PATRON_CARD_OPTIONS_INIT. */
    int64_t as_of;                     /**< The moment the card describes (UTC seconds, required). */
    int32_t expiring_days;             /**< Points expiring within this many days count as "expiring soon" (1..3650, default 30). */
    const patron_frame *frame;         /**< The customers' frame for segments (member ids as integer ids, e.g. patron_summarize() of patron_txlog_from_db()), or NULL: no segments. */
    const patron_segment_def *segments; /**< Segments to test the member against, or NULL for the built-ins (patron_segment_builtins()). */
    size_t nsegments;                  /**< Number of entries in `segments`. */
} patron_card_options;

/** @brief Default #patron_card_options (as_of still to be set): 30 days, no frame. */
#define PATRON_CARD_OPTIONS_INIT { (uint32_t)sizeof(patron_card_options), 0, 30, NULL, NULL, 0 }

/**
 * @brief The customer card: everything known about one member at a moment,
 *        as one JSON document.
 *
 * The document (times integer UTC seconds, money integer minor units, as
 * every JSON libpatron writes; see the mart guide for each field):
 * - `member_id`, `as_of`;
 * - `profile`: fields and custom attributes; `consents`: channel -> the last
 *   decision at or before `as_of`; `next_question`: the next profile field to
 *   ask for (patron_profile_next_field()) or null;
 * - `tier`: name, since, qualifying value, the tier it qualifies for, grace
 *   end (null when tiers are not configured), and `tier_history`;
 * - `points`: available, pending, and expiring within `expiring_days`
 *   (as the postings recorded so far stand);
 * - `purchases`: orders, spend, first and last purchase, average basket,
 *   average and last days between purchases, favourite category (largest
 *   spend over the purchase lines), the last 5 purchases with their lines —
 *   counted as patron_txlog_from_db() counts them (returns by `as_of` out,
 *   merged members in);
 * - `segments`: the names of the segments whose selection over
 *   `opts.frame` holds the member's row, or null without a frame;
 * - `behaviour`: the last visit, visits and cart additions in the 30 days
 *   up to `as_of`, the last NPS answer, and the last 10 campaign events
 *   (sent, opened, clicked) — see patron/behaviour.h;
 * - `journeys_sent`: each journey step sent, with the event it was for;
 * - `campaigns`: the campaigns the member was assigned to by `as_of`, newest
 *   first, with the group and the assignment time (patron/campaign.h);
 * - `clv`: the member's scores from the latest patron_scores_refresh()
 *   (fit id, its `as_of`, model, `p_alive`, `expected_purchases_90d`,
 *   `clv_12m`), or null when the member has none.
 *
 * A merged member id gives the card of the member it was merged into.
 *
 * @param db Open store.
 * @param[out] json [string: owned] Receives the NUL-terminated document (free with patron_free()).
 * @param member_id Member (a merged id is followed).
 * @param[in] opts [value] Options; `as_of` is required.
 * @return #PATRON_OK; #PATRON_EINVAL (NULL argument, bad `as_of` or
 *         `expiring_days`); #PATRON_ENOTFOUND (no such member, or it was
 *         erased); a segment's failure as patron_segment_select() reports it
 *         (#PATRON_EPARSE for a rule that does not parse, #PATRON_ENOTFOUND
 *         for a column the frame lacks), the message prefixed with
 *         "patron_member_card: "; store errors; #PATRON_ENOMEM.
 */
PATRON_API int patron_member_card(patron_db *db, char **json, int64_t member_id, const patron_card_options *opts);

PATRON_END_DECLS

#endif
