/**
 * @file campaign.h
 * @brief Campaigns measured against a control group, straight from the
 *        store: who is targeted, who is held out, what they did, and
 *        whether the campaign changed it.
 *
 * A campaign is a segment (a rule over the store's customer frame, see
 * segment.h), an offer (a journey step, a coupon, an earning rule — free
 * text the business reads), a control share, and a conversion window. The
 * loop:
 *
 * 1. patron_campaign_create() stores the definition.
 * 2. patron_campaign_target() (or patron_campaign_assign() one member at a
 *    time, e.g. for the members a journey step is due for) assigns each
 *    member to the treatment or the control group by the experiments
 *    module's hash (patron_abtest_assign() with experiment key
 *    `campaign:<name>` and the member id in decimal, weights
 *    {control_share, 1 - control_share}): the same member always gets the
 *    same group, on every server, with no coordination. The first
 *    assignment's time is kept; assigning again changes nothing.
 * 3. The sender sends to the treatment group and records what happened as
 *    behaviour events (patron_behaviour_record(): `sent`, `opened`,
 *    `clicked`, with `campaign` = the campaign's name).
 * 4. patron_campaign_measure() reads the store and compares the groups.
 *
 * Rules of the measurement at `as_of` (the guide states them with a worked
 * example):
 * - A member is *measured* when its conversion window, (assigned_at,
 *   assigned_at + conversion_days * 86400], has ended by `as_of`; members
 *   whose window is still open are counted in `pending` only. Both groups
 *   are measured from their assignment (intention to treat): a control
 *   member's clock starts when it was held out.
 * - A measured member *converts* when it made a purchase in its window that
 *   was not returned by `as_of`. Its first such purchase gives the basket
 *   and the days to conversion; every such purchase counts in `revenue`.
 * - Purchases of members merged later count for the member they joined;
 *   when two assigned members merged, the earlier assignment stands for
 *   both. Erased members are left out.
 * - `sent`, `opened`, `clicked`: measured members with at least one such
 *   event for the campaign at or before `as_of`.
 *
 * Thread safety: as every call on a #patron_db handle.
 */
#ifndef PATRON_CAMPAIGN_H
#define PATRON_CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "db.h"
#include "summary.h"

PATRON_BEGIN_DECLS

/** @brief The groups of a campaign. */
typedef enum patron_campaign_group {
    PATRON_CAMPAIGN_CONTROL = 0,  /**< Held out: gets nothing. */
    PATRON_CAMPAIGN_TREATMENT = 1 /**< Gets the offer. */
} patron_campaign_group;

/** @brief A campaign's definition; initialise with #PATRON_CAMPAIGN_DEF_INIT. Strings are copied. */
typedef struct patron_campaign_def {
    uint32_t size;           /**< `sizeof(patron_campaign_def)`; set by #PATRON_CAMPAIGN_DEF_INIT. */
    const char *name;        /**< Unique name, 1..200 bytes (idempotency-key rules: no control characters or edge blanks); required. */
    const char *segment;     /**< Rule selecting the targeted members over the store's frame (patron_frame_from_db()), or NULL for every member with a purchase. */
    const char *offer;       /**< What the treatment group gets, as the business names it (at most 1000 bytes), or NULL. */
    double control_share;    /**< Share held out, in [0, 0.9]; default 0.1. 0: no control group (the measurement then has no comparison). */
    int32_t conversion_days; /**< A purchase within this many days after assignment converts, 1..365; default 14. */
    int64_t starts;          /**< Assignments accepted from this time on (UTC seconds), or #PATRON_TIME_NONE (default) for any time. */
    int64_t ends;            /**< ... and before this time, or #PATRON_TIME_NONE (default) for no end. */
} patron_campaign_def;

/** @brief Default #patron_campaign_def: 10% control, 14-day window, always open (name still to be set). */
#define PATRON_CAMPAIGN_DEF_INIT \
    { (uint32_t)sizeof(patron_campaign_def), NULL, NULL, NULL, 0.1, 14, PATRON_TIME_NONE, PATRON_TIME_NONE }

/**
 * @brief Store a campaign. Idempotent: creating it again with the same
 *        definition changes nothing.
 * @param db Open store.
 * @param[in] def [value] The definition (copied); the segment rule must parse.
 * @return #PATRON_OK; #PATRON_EINVAL naming the bad field and value;
 *         #PATRON_ECONFLICT (a campaign of that name exists with another
 *         definition); store errors.
 */
PATRON_API int patron_campaign_create(patron_db *db, const patron_campaign_def *def);

/**
 * @brief Assign one member to the campaign's treatment or control group
 *        (see the file description), or read the assignment it already has.
 * @param db Open store.
 * @param[out] group [value] Receives a #patron_campaign_group (may be NULL).
 * @param[out] assigned_at [value] Receives the time of the member's first assignment (may be NULL).
 * @param campaign The campaign's name.
 * @param member_id The member (a merged id is assigned as the member it joined).
 * @param at The moment of assignment (UTC seconds): within the campaign's
 *        starts/ends for a new assignment.
 * @return #PATRON_OK; #PATRON_ENOTFOUND (no such campaign or member);
 *         #PATRON_EINVAL (`at` not a time, outside the campaign's dates, an
 *         erased member); store errors.
 */
PATRON_API int patron_campaign_assign(patron_db *db, int32_t *group, int64_t *assigned_at, const char *campaign,
                                      int64_t member_id, int64_t at);

/** @brief One member of a campaign, as patron_campaign_target() returns it. */
typedef struct patron_campaign_member {
    int64_t member_id;   /**< The member. */
    int32_t group;       /**< A #patron_campaign_group. */
    int32_t is_new;      /**< 1 when this call assigned it, 0 when it was assigned before. */
    int64_t assigned_at; /**< Time of its first assignment (UTC seconds). */
} patron_campaign_member;

/**
 * @brief Assign every member the campaign's segment selects at `at` (one
 *        transaction) and list them, in member id order: the treatment
 *        group is who to send to.
 * @param db Open store.
 * @param[out] out [list: n, owned] Receives an array of *n members (free with patron_free()); NULL when none.
 * @param[out] n [value] Receives the number of members.
 * @param campaign The campaign's name.
 * @param at The moment (UTC seconds): the segment is evaluated as of it.
 * @return #PATRON_OK; #PATRON_ENOTFOUND (no such campaign); #PATRON_EINVAL
 *         (`at` outside the campaign's dates, no purchase in the store by
 *         `at`); store errors; #PATRON_ENOMEM.
 */
PATRON_API int patron_campaign_target(patron_db *db, patron_campaign_member **out, size_t *n, const char *campaign,
                                      int64_t at);

/** @brief One group's outcome in patron_campaign_measure(). */
typedef struct patron_campaign_outcome {
    int64_t assigned;        /**< Members assigned by `as_of`. */
    int64_t pending;         /**< Of those, members whose conversion window is still open (not measured). */
    int64_t measured;        /**< assigned - pending. */
    int64_t sent;            /**< Measured members with a `sent` event for the campaign. */
    int64_t opened;          /**< ... with an `opened` event. */
    int64_t clicked;         /**< ... with a `clicked` event. */
    int64_t converted;       /**< Measured members with a purchase in their window. */
    int64_t purchases;       /**< Purchases in the measured members' windows. */
    int64_t revenue;         /**< Their amounts (minor units). */
    double conversion_rate;  /**< converted / measured (NaN when nothing is measured). */
    double revenue_per_member; /**< revenue / measured (minor units; NaN when nothing is measured). */
    double avg_basket;       /**< Mean amount of each converter's first purchase in its window (minor units; NaN without converters). */
    double avg_days_to_convert; /**< Mean days from assignment to that purchase (NaN without converters). */
} patron_campaign_outcome;

/** @brief Options of patron_campaign_measure(); initialise with #PATRON_CAMPAIGN_MEASURE_OPTIONS_INIT. */
typedef struct patron_campaign_measure_options {
    uint32_t size; /**< `sizeof(patron_campaign_measure_options)`; set by #PATRON_CAMPAIGN_MEASURE_OPTIONS_INIT. */
    double alpha;  /**< Two-sided level of the tests and intervals, in (0, 1); default 0.05. */
} patron_campaign_measure_options;

/** @brief Default #patron_campaign_measure_options: alpha 0.05. */
#define PATRON_CAMPAIGN_MEASURE_OPTIONS_INIT { (uint32_t)sizeof(patron_campaign_measure_options), 0.05 }

/** @brief What patron_campaign_measure() found. Set `size` before the call. */
typedef struct patron_campaign_measure_result {
    uint32_t size;                      /**< Set to `sizeof(patron_campaign_measure_result)` by the caller. */
    patron_campaign_outcome treatment;  /**< The treatment group. */
    patron_campaign_outcome control;    /**< The control group. */
    double conversion_diff;             /**< Treatment minus control conversion rate (NaN without both). */
    double conversion_diff_ci[2];       /**< Unpooled Wald interval of the difference at 1 - alpha. */
    double conversion_lift;             /**< Treatment rate / control rate - 1 (NaN when undefined). */
    double conversion_p_value;          /**< Two-sided pooled two-proportion z-test (patron_abtest_proportions()); NaN without both groups. */
    double revenue_diff;                /**< Treatment minus control revenue per measured member (minor units). */
    double revenue_diff_ci[2];          /**< Welch interval of the revenue difference at 1 - alpha. */
    double revenue_p_value;             /**< Welch's t-test of revenue per member (patron_abtest_means()); NaN when undefined. */
    double incremental_conversions;     /**< conversion_diff x treatment measured: conversions the campaign caused. */
    double incremental_revenue;         /**< revenue_diff x treatment measured (minor units). */
    double srm_p_value;                 /**< Sample-ratio check of the assigned counts against the control share (patron_abtest_srm()); NaN without a control group. */
} patron_campaign_measure_result;

/**
 * @brief Measure a campaign as of a moment: each group's funnel and
 *        conversions, and the treatment against the control (rules in the
 *        file description).
 * @param db Open store (only read).
 * @param[out] out [value] Receives the result; `size` set by the caller.
 * @param campaign The campaign's name.
 * @param as_of The moment (UTC seconds).
 * @param[in] opts [value] Options, or NULL for the defaults.
 * @return #PATRON_OK; #PATRON_ENOTFOUND (no such campaign); #PATRON_EINVAL
 *         (NULL `out`, bad size, `as_of` or alpha); store errors; #PATRON_ENOMEM.
 */
PATRON_API int patron_campaign_measure(patron_db *db, patron_campaign_measure_result *out, const char *campaign,
                                       int64_t as_of, const patron_campaign_measure_options *opts);

PATRON_END_DECLS

#endif /* PATRON_CAMPAIGN_H */
