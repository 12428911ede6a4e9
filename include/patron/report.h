/**
 * @file report.h
 * @brief Reports: the weekly KPI arithmetic over a transaction log,
 *        campaign funnels with significance comparisons, and the points
 *        liability by month.
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


/* ---------------------------------------------------------------- points liability */

/** Most months one liability report may span (about 83 years). */
#define PATRON_REPORT_MAX_MONTHS 1000

/**
 * @brief Options of patron_report_liability(). Initialise with
 *        #PATRON_LIABILITY_OPTIONS_INIT and set the cost per point.
 *
 * The cost of one point is `cost_minor / cost_points` minor units: 1/2 is
 * half a cent a point, 5/1000 five cents per 1000 points. Money stays
 * int64_t; the arithmetic is exact until the final rounding (half up).
 */
typedef struct patron_liability_options {
    uint32_t size;        /**< `sizeof(patron_liability_options)`; set by #PATRON_LIABILITY_OPTIONS_INIT. */
    int64_t cost_minor;   /**< Minor units per `cost_points` points (0..10^12); required (0 values every point at nothing). */
    int64_t cost_points;  /**< Points that cost `cost_minor` (1..10^12); default 1. */
    int64_t start;        /**< Any time in the first month to report, or #PATRON_TIME_NONE (default) for the month of the store's first posting. */
    int64_t end;          /**< Any time in the last month to report, or #PATRON_TIME_NONE (default) for the month of its last posting. */
} patron_liability_options;

/** Default #patron_liability_options: cost 0 per 1 point, every month with postings. */
#define PATRON_LIABILITY_OPTIONS_INIT { (uint32_t)sizeof(patron_liability_options), 0, 1, PATRON_TIME_NONE, PATRON_TIME_NONE }

/**
 * @brief The points liability at the end of one month (see
 *        patron_report_liability()). Points are int64_t; money in minor units.
 */
typedef struct patron_liability_month {
    int64_t month_start;       /**< The 1st of the month, 00:00:00 UTC. */
    int64_t as_of;             /**< The month's last second: the balances below are at this time. */
    int64_t issued;            /**< Points earned in the month (earn postings net of their reversals). */
    int64_t redeemed;          /**< Points redeemed in the month, net of reversals (a positive number). */
    int64_t expired;           /**< Points expired in the month (a positive number). */
    int64_t adjusted;          /**< Net manual adjustments in the month (signed). */
    int64_t available;         /**< Sum over members of their matured points at `as_of` (patron_ledger_balance()'s `available` once expiry is posted; a member in overdraft counts 0). */
    int64_t pending;           /**< Points recorded by `as_of` that mature later. */
    int64_t outstanding;       /**< available + pending: the points the program owes. */
    int64_t value;             /**< outstanding at the cost per point (minor units, rounded half up). */
    int64_t redeemed_to_date;  /**< Points redeemed (net) in every posting up to `as_of`. */
    int64_t expired_to_date;   /**< Points expired in every posting up to `as_of`. */
    double breakage_rate;      /**< expired_to_date / (expired_to_date + redeemed_to_date): the share of settled points that expired (NaN when none settled). */
    int64_t expected_breakage; /**< outstanding × breakage_rate, rounded half up (0 when the rate is NaN). */
    int64_t expected_cost;     /**< (outstanding − expected_breakage) at the cost per point (minor units, rounded half up). */
} patron_liability_month;

/**
 * @brief Points liability by month: outstanding points (available +
 *        pending) at each month's end, valued at a cost per point, with the
 *        breakage expected from the store's redemption and expiry history.
 *
 * Months are UTC calendar months. The estimator: of the points whose fate
 * is settled by the month's end — redeemed or expired, over the whole
 * history up to then, net of reversals — the share that expired is the
 * breakage rate; that share of the outstanding points is expected never to
 * be redeemed, and the rest is the expected cost. Earn reversals, transfers
 * between members (merges) and adjustments settle nothing. Expiry counts
 * once its expire posting is written: run patron_ledger_expire() up to the
 * report's end first, or points past their expiry still count as
 * outstanding (patron_balance.expired_unposted).
 *
 * Cost: one pass over the postings up to the last month (in member order)
 * plus O(members × months).
 *
 * @param[out] out [list: nmonths, owned] Receives *nmonths entries (free with patron_free()); NULL
 *        when the store has no postings and no range was given; untouched on failure.
 * @param[out] nmonths [value] Receives the number of months.
 * @param db The store (only read).
 * @param[in] opts [value] Options (required: the cost per point).
 * @return #PATRON_OK; #PATRON_EINVAL (NULL argument, a cost out of range,
 *         start after end); #PATRON_ERANGE (more than
 *         #PATRON_REPORT_MAX_MONTHS months, a time out of range, a total
 *         that overflows); store errors; #PATRON_ENOMEM.
 * @par Thread safety
 * The store handle must not be used by another thread during the call.
 */
PATRON_API int patron_report_liability(patron_liability_month **out, size_t *nmonths, patron_db *db,
                                       const patron_liability_options *opts);

PATRON_END_DECLS

#endif /* PATRON_REPORT_H */
