/**
 * @file report.h
 * @brief Reports: the weekly KPI arithmetic over a transaction log, and
 *        campaign funnels with significance comparisons.
 *
 * Pure computation over a #patron_txlog (see summary.h): no store, no I/O,
 * no clock. Weeks are ISO weeks in UTC: Monday 00:00:00Z to the next Monday
 * (exclusive). A customer is *new* in the week of their first purchase in
 * the log; *active* at the end of a week when they bought in the
 * `active_days` days before it (default 90).
 *
 * Thread safety: reentrant; the log is only read.
 */
#ifndef PATRON_REPORT_H
#define PATRON_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "patron/common.h"
#include "patron/summary.h"
#include "patron/db.h"

PATRON_BEGIN_DECLS

/** Most weeks one weekly report may span (about 190 years). */
#define PATRON_REPORT_MAX_WEEKS 10000

/**
 * @brief The figures of one week, and their change from the week before.
 *
 * A change is `(this - previous) / previous`: 0.25 means +25 %. It is NaN
 * for the first week of the report and whenever the previous value is 0 or
 * NaN. Money is in the log's minor units.
 */
typedef struct patron_week_report {
    int64_t week_start;               /**< Monday 00:00:00 UTC starting the week. */
    int64_t new_customers;            /**< Customers whose first purchase in the log falls in the week. */
    int64_t active_customers;         /**< Customers with a purchase in the `active_days` days before the end of the week. */
    int64_t buyers;                   /**< Distinct customers buying in the week. */
    int64_t purchases;                /**< Transactions in the week. */
    int64_t spend;                    /**< Their total amount (minor units). */
    double avg_frequency;             /**< Transactions in the `active_days` days before the end of the week per active customer (NaN without active customers). */
    double avg_basket;                /**< spend / purchases (minor units; NaN without purchases). */
    double median_days_between;       /**< Median, over the repeat purchases of the week, of the days since the same customer's previous distinct purchase time (NaN without repeat purchases). */
    double new_customers_change;      /**< Relative change of @ref new_customers. */
    double active_customers_change;   /**< Relative change of @ref active_customers. */
    double purchases_change;          /**< Relative change of @ref purchases. */
    double avg_frequency_change;      /**< Relative change of @ref avg_frequency. */
    double avg_basket_change;         /**< Relative change of @ref avg_basket. */
    double median_days_between_change; /**< Relative change of @ref median_days_between. */
} patron_week_report;

/**
 * @brief Options of patron_report_weekly().
 */
typedef struct patron_weekly_options {
    uint32_t size;        /**< `sizeof(patron_weekly_options)`; set by #PATRON_WEEKLY_OPTIONS_INIT. */
    int32_t active_days;  /**< Window of "active", in days (1..3650); default 90. */
    int64_t start;        /**< Any time in the first week to report, or #PATRON_TIME_NONE (default) for the week of the log's first purchase. */
    int64_t end;          /**< Any time in the last week to report, or #PATRON_TIME_NONE (default) for the week of the log's last purchase. */
} patron_weekly_options;

/** Default #patron_weekly_options: 90 active days, the whole log. */
#define PATRON_WEEKLY_OPTIONS_INIT { (uint32_t)sizeof(patron_weekly_options), 90, PATRON_TIME_NONE, PATRON_TIME_NONE }

/**
 * @brief Weekly KPIs of a transaction log, one entry per week from the
 *        first to the last week (weeks without purchases included).
 *
 * Purchases before the first reported week still count for "active",
 * "new" (a customer who bought before is not new again) and the time
 * between purchases; purchases after the last week are ignored.
 *
 * Cost: O(transactions + weeks), plus sorting each customer's purchase
 * times (already sorted logs cost nothing extra) and the gaps of each week.
 *
 * @param[out] out [list: nweeks, owned] Receives an array of *nweeks entries (free it with
 *        patron_free()); untouched on failure. NULL when the log is empty.
 * @param[out] nweeks [value] Receives the number of weeks (0 for an empty log).
 * @param log The transaction log (only read).
 * @param[in] opts [value] Options, or NULL for the defaults.
 * @return #PATRON_OK; #PATRON_EINVAL (NULL argument, start after end,
 *         active_days out of range); #PATRON_ERANGE (more than
 *         #PATRON_REPORT_MAX_WEEKS weeks, or a time out of range);
 *         #PATRON_ENOMEM.
 * @par Thread safety
 * Reentrant; the log may be read by other threads at the same time.
 */
PATRON_API int patron_report_weekly(patron_week_report **out, size_t *nweeks,
                                    const patron_txlog *log, const patron_weekly_options *opts);

/* ---------------------------------------------------------------- points usage */

/** Points usage of one week (see patron_report_points_weekly()). */
typedef struct patron_week_points {
    int64_t week_start;      /**< Monday 00:00:00 UTC starting the week. */
    int64_t earned;          /**< Points earned (earn postings recorded in the week). */
    int64_t redeemed;        /**< Points redeemed (a positive number). */
    int64_t expired;         /**< Points expired (a positive number). */
    int64_t redeemers;       /**< Distinct members who redeemed in the week. */
    double redemption_rate;  /**< redeemed / earned (NaN when nothing was earned). */
    double redeemed_change;  /**< Relative change of @ref redeemed from the previous week (NaN for the first week or when it was 0). */
} patron_week_points;

/**
 * @brief Weekly points usage (earned, redeemed, expired, redeemers) of a set
 *        of members, from the ledger: the benefit side of the weekly report.
 *
 * Postings are assigned to the ISO week of their `at`. Adjustments,
 * reversals and transfers are not counted. Each member is counted once
 * (duplicate ids are ignored; ids <= 0 and unknown members are skipped);
 * pass a member and a member merged into it and the merged postings count
 * twice (statements include merged members).
 *
 * Cost: one ledger statement per member.
 *
 * @param[out] out [list: nweeks, owned] Receives *nweeks entries (free with patron_free()); untouched on failure.
 * @param[out] nweeks [value] Receives the number of weeks.
 * @param db The store (only read).
 * @param members Member ids (e.g. a frame's `member_id` column).
 * @param nmembers Number of ids.
 * @param[in] opts [value] `start` and `end` are required (any time in the first and
 *        last week); `active_days` is not used.
 * @return #PATRON_OK; #PATRON_EINVAL (NULL argument, start or end unset,
 *         start after end); #PATRON_ERANGE (more than
 *         #PATRON_REPORT_MAX_WEEKS weeks); store errors; #PATRON_ENOMEM.
 * @par Thread safety
 * The store handle must not be used by another thread during the call.
 */
PATRON_API int patron_report_points_weekly(patron_week_points **out, size_t *nweeks, patron_db *db,
                                           const int64_t *members, size_t nmembers,
                                           const patron_weekly_options *opts);

/* ---------------------------------------------------------------- campaigns */

/** The funnel counts of one campaign (input of patron_report_campaigns()). */
typedef struct patron_campaign_counts {
    const char *name;   /**< Campaign name (may be NULL); only pointed to by the report. */
    int64_t sent;       /**< Messages sent (delivered). */
    int64_t opened;     /**< Of those, opened (at most `sent`). */
    int64_t clicked;    /**< Of those, clicked (at most `opened`). */
    int64_t converted;  /**< Of those, converted (at most `clicked`). */
} patron_campaign_counts;

/** The funnel of one campaign with its rates and its comparison with the reference. */
typedef struct patron_campaign_report {
    const char *name;          /**< The input's name pointer (not copied). */
    int64_t sent;              /**< Messages sent. */
    int64_t opened;            /**< Opened. */
    int64_t clicked;           /**< Clicked. */
    int64_t converted;         /**< Converted. */
    double open_rate;          /**< opened / sent (NaN when sent is 0). */
    double click_rate;         /**< clicked / sent. */
    double click_to_open;      /**< clicked / opened (NaN when opened is 0). */
    double conversion_rate;    /**< converted / sent. */
    double conversion_ci[2];   /**< Wilson score interval of the conversion rate at 1 - alpha. */
    double lift;               /**< conversion_rate / reference conversion_rate - 1 (NaN for the reference itself or when undefined). */
    double diff;               /**< conversion_rate - reference conversion_rate. */
    double p_value;            /**< Two-sided pooled two-proportion z-test of the conversion rate against the reference (NaN for the reference). */
    double p_adjusted;         /**< @ref p_value adjusted by Holm's method over all comparisons with the reference. */
    int significant;           /**< 1 when @ref p_adjusted <= alpha. */
} patron_campaign_report;

/** Options of patron_report_campaigns(). */
typedef struct patron_campaign_options {
    uint32_t size;       /**< `sizeof(patron_campaign_options)`; set by #PATRON_CAMPAIGN_OPTIONS_INIT. */
    int32_t reference;   /**< Index of the campaign (or control group) every other one is compared with; default 0. */
    double alpha;        /**< Two-sided level of the tests and intervals, in (0, 1); default 0.05. */
} patron_campaign_options;

/** Default #patron_campaign_options: the first row is the reference, alpha 0.05. */
#define PATRON_CAMPAIGN_OPTIONS_INIT { (uint32_t)sizeof(patron_campaign_options), 0, 0.05 }

/**
 * @brief Campaign funnels (sent, opened, clicked, converted) with their
 *        rates, and a significance comparison of each campaign's conversion
 *        rate against a reference campaign or control group.
 *
 * The tests are the experiments module's two-proportion z-test
 * (patron_abtest_proportions(), pooled) with Holm's adjustment over the
 * n - 1 comparisons (patron_abtest_adjust()).
 *
 * @param[out] out [array: n] @p n reports, written only on success.
 * @param[in] in [array: n] @p n funnels; each must satisfy 0 <= converted <= clicked <=
 *        opened <= sent.
 * @param n Number of campaigns, at least 1.
 * @param[in] opts [value] Options, or NULL for the defaults.
 * @return #PATRON_OK; #PATRON_EINVAL naming the first bad campaign
 *         ("campaign 'spring' (row 2): clicked 50 > opened 40"), a bad
 *         reference index or alpha, or a NULL argument; #PATRON_ENOMEM.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_report_campaigns(patron_campaign_report *out, const patron_campaign_counts *in,
                                       size_t n, const patron_campaign_options *opts);

PATRON_END_DECLS

#endif /* PATRON_REPORT_H */
