/**
 * @file plan.h
 * @brief Five-year program projection: members, purchases, revenue, points,
 *        liability, cost and ROI per year, with pessimistic, realistic and
 *        optimistic scenarios drawn from a CLV fit's uncertainty; and the
 *        budget, incremental revenue and ROI of a campaign.
 *
 * The formulas are in docs/guide/plan.md. In short: the transaction model's
 * parameters (BG/NBD, MBG/NBD or Pareto/NBD) and the Gamma-Gamma spend
 * parameters are drawn `draws` times from normal distributions on the log
 * scale whose covariance is the fits' covariance carried to the log scale
 * (cov_ij / (p_i p_j)); for each draw the expected outcomes of every year are
 * computed in closed form (conditional expected purchases and survival of
 * the existing members, unconditional ones of the monthly cohorts of the
 * acquisition plan); each metric's 10th, 50th and 90th percentiles over the
 * draws are the pessimistic, realistic and optimistic values (taken metric
 * by metric). The values at the fits' estimates are reported too.
 *
 * Projections are expectations, so they are doubles; money is in minor
 * units and points in points, like everywhere else, only fractional.
 *
 * Thread safety: the functions are reentrant; a #patron_plan is immutable
 * once made and may be read from several threads.
 */
#ifndef PATRON_PLAN_H
#define PATRON_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "patron/campaign.h"
#include "patron/clv.h"
#include "patron/common.h"
#include "patron/db.h"
#include "patron/summary.h"

PATRON_BEGIN_DECLS

/** @brief Longest projection, in years. */
#define PATRON_PLAN_MAX_YEARS 50
/** @brief Most parameter draws of one projection. */
#define PATRON_PLAN_MAX_DRAWS 100000

/** @brief The metrics projected for each year (see docs/guide/plan.md). */
typedef enum patron_plan_metric {
    PATRON_PLAN_MEMBERS = 0,            /**< Members enrolled by the year's end (existing + acquired). */
    PATRON_PLAN_ACTIVE = 1,             /**< Expected members alive (not dropped out) at the year's end. */
    PATRON_PLAN_PURCHASES = 2,          /**< Expected purchases in the year (new members' first purchase included). */
    PATRON_PLAN_REVENUE = 3,            /**< Expected revenue in the year, minor units. */
    PATRON_PLAN_POINTS_ISSUED = 4,      /**< Points issued: revenue x earn_rate. */
    PATRON_PLAN_POINTS_REDEEMED = 5,    /**< Points redeemed in the year. */
    PATRON_PLAN_POINTS_EXPIRED = 6,     /**< Points expired in the year. */
    PATRON_PLAN_POINTS_OUTSTANDING = 7, /**< Points issued and neither redeemed nor expired at the year's end. */
    PATRON_PLAN_LIABILITY = 8,          /**< Cost of the outstanding points still expected to be redeemed, minor units. */
    PATRON_PLAN_PROGRAM_COST = 9,       /**< Redeemed points x cost_per_point + fixed_cost, minor units. */
    PATRON_PLAN_INCREMENTAL_PROFIT = 10,/**< revenue x incremental_share x margin, minor units. */
    PATRON_PLAN_ROI = 11,               /**< (incremental profit - program cost) / program cost of the year (NaN when the cost is 0). */
    PATRON_PLAN_CUMULATIVE_ROI = 12     /**< The same over years 1..y, each year discounted by (1 + discount_rate)^y. */
} patron_plan_metric;

/** @brief Number of #patron_plan_metric values. */
#define PATRON_PLAN_N_METRICS 13

/** @brief The statistics reported per year and metric. */
typedef enum patron_plan_stat {
    PATRON_PLAN_ESTIMATE = 0, /**< At the fits' estimates. */
    PATRON_PLAN_P10 = 1,      /**< 10th percentile over the draws (pessimistic for revenue-like metrics). */
    PATRON_PLAN_P50 = 2,      /**< Median over the draws (realistic). */
    PATRON_PLAN_P90 = 3       /**< 90th percentile over the draws (optimistic for revenue-like metrics). */
} patron_plan_stat;

/** @brief Projection inputs besides the fits, the members and the acquisition plan;
 *         initialise with #PATRON_PLAN_OPTIONS_INIT. */
typedef struct patron_plan_options {
    uint32_t size;            /**< `sizeof(patron_plan_options)`; set by the _INIT macro. */
    int32_t years;            /**< Years projected, 1..#PATRON_PLAN_MAX_YEARS. Default 5. */
    int32_t draws;            /**< Parameter draws, 1..#PATRON_PLAN_MAX_DRAWS. Default 100. */
    uint64_t seed;            /**< Seed of the draws (draw d uses sub-stream d of patron_rng_seed_stream()). Default 1. */
    double periods_per_year;  /**< Time units of the fit per year: 365.25 for days (the store's unit, default), 52.1786 for weeks. */
    double earn_rate;         /**< Points issued per minor unit of revenue (>= 0). Default 0.01 (one point per 100 minor units). */
    double redeem_share;      /**< Share of issued points that will be redeemed, 0..1. Default 0.7. */
    double redeem_months;     /**< Mean months from issue to redemption (>= 0). Default 6. */
    double expiry_months;     /**< Months after which unredeemed points expire; 0 = never (the ledger policy's expiry_months). Default 0. */
    double cost_per_point;    /**< Cost of one redeemed point, minor units (>= 0). Default 1. */
    double fixed_cost;        /**< Program fixed cost per year, minor units (>= 0). Default 0. */
    double incremental_share; /**< Share of the members' revenue the program causes, 0..1. Default 0.05. */
    double margin;            /**< Gross margin on revenue, 0..1. Default 0.3. */
    double discount_rate;     /**< Yearly discount rate of the cumulative ROI (> -1). Default 0.08. */
    int32_t refit;            /**< patron_plan_from_db() only: 0 (default) projects from the fit patron_scores_refresh() stored (the latest with its `as_of` at or before the plan's and a spend fit) when there is one and fits the models only when there is none; 1 always fits them to the store's purchases. Other calls ignore it. */
} patron_plan_options;

/** Initialiser for #patron_plan_options with the defaults. */
#define PATRON_PLAN_OPTIONS_INIT { (uint32_t)sizeof(patron_plan_options), 5, 100, 1, 365.25, 0.01, 0.7, 6.0, 0.0, 1.0, 0.0, 0.05, 0.3, 0.08, 0 }

/**
 * @brief Read a plan file: a JSON object with any of the option fields of
 *        #patron_plan_options by name (`{"years": 5, "draws": 200,
 *        "earn_rate": 0.02, "expiry_months": 24, ...}`) and `acquisitions`,
 *        either one number (that many new members every month of `years`)
 *        or an array of new members month by month.
 *
 * @param[in,out] opts [value] Options to update (its `size` set, e.g. from
 *        #PATRON_PLAN_OPTIONS_INIT); the fields the file names are replaced.
 * @param[out] acquisitions [array: cap] Caller buffer for the months (up to 12 x 50); on
 *        success the elements past the months read are set to 0.
 * @param cap Capacity of @p acquisitions.
 * @param[out] n_months [value] Receives the number of months read (0 without `acquisitions`).
 * @param text The JSON text.
 * @param len Its length in bytes.
 * @return #PATRON_OK; #PATRON_EPARSE (not JSON: line and column); #PATRON_EINVAL
 *         (an unknown key, a value of the wrong type, naming the key);
 *         #PATRON_ERANGE (more months than @p cap). The values themselves are
 *         checked by patron_plan_project(). Nothing is written on failure.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_plan_inputs_from_json(patron_plan_options *opts, int64_t *acquisitions, size_t cap,
                                            size_t *n_months, const char *text, size_t len);

/** @brief A projection (opaque, immutable); release with patron_plan_free(). */
typedef struct patron_plan patron_plan;

/**
 * @brief Project the program year by year.
 *
 * @param[out] out [handle] Receives the projection; untouched on failure.
 * @param[in] tx [value] Transaction-model fit (#PATRON_CLV_BGNBD, #PATRON_CLV_MBGNBD or
 *        #PATRON_CLV_PNBD) with its covariance, as patron_clv_fit() or
 *        patron_clv_fit_from_json() gives it. A zero covariance gives draws
 *        all equal to the estimate.
 * @param[in] spend [value] Gamma-Gamma fit with its covariance (q > 1); draws with
 *        q <= 1 are drawn again (the spend mean needs q > 1).
 * @param[in] members [value] The existing members in the fit's time unit: frequency,
 *        recency, T (T = 0: enrolled at the plan's start without a repeat
 *        history), monetary (mean repeat spend in minor units, or NULL: the
 *        population mean) and optional weights. `members->n` may be 0.
 * @param acquisitions New members per month from the plan's start (>= 0 each),
 *        at most 12 x years months (missing months acquire none); NULL when
 *        @p n_months is 0.
 * @param n_months Length of @p acquisitions.
 * @param[in] opts [value] Options, or NULL for the defaults.
 * @return #PATRON_OK; #PATRON_EINVAL (bad fit, member row, month or option:
 *         the message names it and its value); #PATRON_EUNSUPPORTED (a model
 *         other than the three); #PATRON_ERANGE (a series did not converge:
 *         horizon far beyond the data's time scale); #PATRON_ENOMEM.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_plan_project(patron_plan **out, const patron_clv_fit_result *tx,
                                   const patron_clv_fit_result *spend, const patron_clv_data *members,
                                   const int64_t *acquisitions, size_t n_months,
                                   const patron_plan_options *opts);

/**
 * @brief patron_plan_project() with the members from a summary frame
 *        (columns `frequency`, `recency`, `T`, `monetary_value`, as
 *        patron_clv_data_from_frame() reads them).
 *
 * @param[out] out [handle] Receives the projection; untouched on failure.
 * @param[in] tx [value] Transaction-model fit.
 * @param[in] spend [value] Gamma-Gamma fit.
 * @param members The members' summary.
 * @param acquisitions New members per month (may be NULL when @p n_months is 0).
 * @param n_months Length of @p acquisitions.
 * @param[in] opts [value] Options, or NULL for the defaults.
 * @return As patron_plan_project().
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_plan_project_frame(patron_plan **out, const patron_clv_fit_result *tx,
                                         const patron_clv_fit_result *spend, const patron_frame *members,
                                         const int64_t *acquisitions, size_t n_months,
                                         const patron_plan_options *opts);

/**
 * @brief Project the program of a store: its members' summary as of
 *        @p as_of (patron_frame_from_db(), days) and the CLV models, then
 *        patron_plan_project() with `periods_per_year` 365.25 and, when the
 *        options leave `expiry_months` at 0, the ledger policy's expiry.
 *
 * The models are the fit patron_scores_refresh() stored — its transaction
 * model (BG/NBD, MBG/NBD or Pareto/NBD), parameters and covariance and its
 * Gamma-Gamma spend fit — the latest one whose `as_of` is at or before
 * @p as_of and that has a spend fit (patron_plan_fit_id() names it). Only
 * when no such fit is stored, or when `opts.refit` is 1, are a BG/NBD and a
 * Gamma-Gamma model fitted here to the members with T > 0
 * (patron_plan_fit_id() is then 0).
 *
 * @param[out] out [handle] Receives the projection; untouched on failure.
 * @param db Open store.
 * @param as_of The plan's start and the end of the observation (UTC seconds).
 * @param acquisitions New members per month (may be NULL when @p n_months is 0).
 * @param n_months Length of @p acquisitions.
 * @param[in] opts [value] Options, or NULL for the defaults.
 * @return As patron_plan_project(); #PATRON_ECONVERGE when a model does not
 *         fit the store's data (too few members or repeat buyers);
 *         #PATRON_ECORRUPT when the stored fit does not read back; store errors.
 * @par Thread safety
 * As the store's readers.
 */
PATRON_API int patron_plan_from_db(patron_plan **out, patron_db *db, int64_t as_of,
                                   const int64_t *acquisitions, size_t n_months,
                                   const patron_plan_options *opts);

/** @brief Release a projection (NULL is fine). */
PATRON_API void patron_plan_free(patron_plan *plan);

/** @brief Years projected (0 for NULL). */
PATRON_API int32_t patron_plan_years(const patron_plan *plan);

/** @brief Parameter draws of the projection (0 for NULL). */
PATRON_API int32_t patron_plan_draws(const patron_plan *plan);

/**
 * @brief The stored CLV fit the projection started from: the id
 *        patron_scores_refresh() gave it (#patron_score_result.fit_id) when
 *        patron_plan_from_db() read the models from the store, 0 when they
 *        were fitted for this projection or given by the caller (and for
 *        NULL).
 */
PATRON_API int64_t patron_plan_fit_id(const patron_plan *plan);

/** @brief The transaction model projected (a #patron_clv_model; 0 for NULL). */
PATRON_API int32_t patron_plan_model(const patron_plan *plan);

/** @brief The `as_of` of the stored fit patron_plan_fit_id() names (0 when none, and for NULL). */
PATRON_API int64_t patron_plan_fit_as_of(const patron_plan *plan);

/**
 * @brief How many parameter draws were drawn again because the model's
 *        closed-form expectations do not exist or do not converge there
 *        (BG/NBD with a + b <= 1 for members without repeat purchases; at
 *        most 10 x draws, else the projection fails with #PATRON_ECONVERGE).
 *        Many redraws mean the fit is too uncertain for the scenarios to
 *        mean much: the draws are then from the covariance's normal
 *        truncated to where the model is defined. 0 for NULL.
 */
PATRON_API int64_t patron_plan_redraws(const patron_plan *plan);

/**
 * @brief One value of the projection.
 * @param plan The projection.
 * @param year Year 1..patron_plan_years().
 * @param metric A #patron_plan_metric.
 * @param stat A #patron_plan_stat.
 * @return The value; NaN for an index out of range (or a ROI without cost).
 */
PATRON_API double patron_plan_value(const patron_plan *plan, int32_t year, int32_t metric, int32_t stat);

/**
 * @brief One metric of one parameter draw.
 * @param plan The projection.
 * @param draw Draw 0..patron_plan_draws() - 1.
 * @param year Year 1..patron_plan_years().
 * @param metric A #patron_plan_metric.
 * @return The value; NaN for an index out of range.
 */
PATRON_API double patron_plan_draw_value(const patron_plan *plan, int32_t draw, int32_t year, int32_t metric);

/**
 * @brief Name of a metric ("members", "active", "purchases", "revenue",
 *        "points_issued", "points_redeemed", "points_expired",
 *        "points_outstanding", "liability", "program_cost",
 *        "incremental_profit", "roi", "cumulative_roi").
 * @return A static string, or NULL for an unknown metric.
 */
PATRON_API const char *patron_plan_metric_name(int32_t metric);

/**
 * @brief Write the projection as JSON: `{"years": Y, "draws": D, "redraws": R, "seed": S,
 *        "model": "bgnbd", "rows": [{"year": 1, "metric": "members",
 *        "estimate": …, "p10": …, "p50": …, "p90": …}, …]}` (NaN as null).
 * @param[out] out [string: owned] Receives the text (release with patron_free()).
 * @param plan The projection.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOMEM.
 */
PATRON_API int patron_plan_to_json(char **out, const patron_plan *plan);

/** @brief A campaign to budget; initialise with #PATRON_PLAN_CAMPAIGN_INIT. */
typedef struct patron_plan_campaign {
    uint32_t size;       /**< `sizeof(patron_plan_campaign)`; set by the _INIT macro. */
    int32_t year;        /**< Year of the projection the campaign runs in (1..years). Default 1. */
    double target_share; /**< Share of that year's revenue made by the targeted members, 0..1. Default 1. */
    double points;       /**< Points the campaign awards (>= 0). */
    double fixed_cost;   /**< Other costs of the campaign, minor units (>= 0). */
    double lift;         /**< Relative revenue uplift of the targeted members (an A/B test's relative lift), > -1. */
    double lift_se;      /**< Standard error of the lift (>= 0; 0 = known). */
} patron_plan_campaign;

/** Initialiser for #patron_plan_campaign. */
#define PATRON_PLAN_CAMPAIGN_INIT { (uint32_t)sizeof(patron_plan_campaign), 1, 1.0, 0.0, 0.0, 0.0, 0.0 }

/** @brief A campaign's budget and returns. Index the arrays with #patron_plan_stat. */
typedef struct patron_plan_campaign_result {
    uint32_t size;                  /**< `sizeof(patron_plan_campaign_result)`; set it before the call. */
    double budget;                  /**< points x cost_per_point + fixed_cost, minor units. */
    double incremental_revenue[4];  /**< target_share x revenue of the year x lift: estimate, p10, p50, p90. */
    double incremental_profit[4];   /**< incremental revenue x margin. */
    double roi[4];                  /**< (incremental profit - budget) / budget (NaN when the budget is 0). */
} patron_plan_campaign_result;

/** Initialiser for #patron_plan_campaign_result (sets `size`). */
#define PATRON_PLAN_CAMPAIGN_RESULT_INIT { (uint32_t)sizeof(patron_plan_campaign_result), 0, { 0 }, { 0 }, { 0 } }

/**
 * @brief Budget a campaign against a projection: each of the projection's
 *        draws is paired with a lift drawn from N(lift, lift_se^2)
 *        (sub-stream 1,000,000 + d of the projection's seed).
 *
 * @param[out] out [value] Filled on success; its `size` must be set.
 * @param plan The projection (its revenue, cost per point and margin).
 * @param[in] campaign [value] The campaign.
 * @return #PATRON_OK, #PATRON_EINVAL (bad campaign field, named with its value).
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_plan_campaign_project(patron_plan_campaign_result *out, const patron_plan *plan,
                                            const patron_plan_campaign *campaign);

/**
 * @brief Take a campaign's lift from its measurement against a control
 *        group (patron_campaign_measure()): lift = revenue_diff /
 *        control.revenue_per_member, lift_se = the width of the revenue
 *        difference's interval / (2 z_{1 - alpha/2}) / control.revenue_per_member
 *        (the control's mean taken as known: a first-order standard error).
 *
 * @param[in,out] campaign [value] The campaign; its `lift` and `lift_se` are replaced.
 * @param[in] measure [value] The measurement (its `size` set).
 * @param alpha The level the measurement's intervals were computed at (its
 *        options' `alpha`, 0.05 by default).
 * @return #PATRON_OK; #PATRON_EINVAL (no measured control revenue, no
 *         interval, alpha outside (0, 1)); nothing is written on failure.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_plan_campaign_from_measure(patron_plan_campaign *campaign,
                                                 const patron_campaign_measure_result *measure, double alpha);

PATRON_END_DECLS

#endif
