/**
 * @file clv.h
 * @brief Buy-till-you-die customer-lifetime-value models: BG/NBD, MBG/NBD,
 *        Pareto/NBD, BG/BB and the Gamma-Gamma spend model.
 *
 * The models and their parameters (named as in the papers):
 *
 * | model                | parameters (index 0..)   | data                          |
 * |----------------------|--------------------------|-------------------------------|
 * | #PATRON_CLV_BGNBD    | r, alpha, a, b           | frequency x, recency t_x, T   |
 * | #PATRON_CLV_MBGNBD   | r, alpha, a, b           | frequency x, recency t_x, T   |
 * | #PATRON_CLV_PNBD     | r, alpha, s, beta        | frequency x, recency t_x, T   |
 * | #PATRON_CLV_BGBB     | alpha, beta, gamma, delta| x, t_x, n (integer periods)   |
 * | #PATRON_CLV_GG       | p, q, gamma              | x, mean repeat spend          |
 *
 * Frequency is the number of *repeat* purchases, recency the age of the
 * customer at the last repeat purchase (0 when frequency is 0) and T the age
 * at the end of the observation period, all in one time unit of the
 * caller's choice (days, weeks). For BG/BB, x and t_x count the
 * opportunities with a transaction and the last such opportunity, and the
 * T column holds n, the number of opportunities (whole numbers, at most
 * 10,000,000).
 *
 * Fitting maximises the log-likelihood (the papers' definition: the sum over
 * customers, weighted) over log-parameters with analytic gradients: damped
 * Newton with the exact Hessian for BG/NBD, MBG/NBD and Gamma-Gamma, a
 * BFGS quasi-Newton method with a Wolfe line search for the others, from
 * several starting points (on large inputs first on an evenly spaced
 * sample of the rows). Identical rows are merged first when a sample of the rows says it
 * pays (a million customers in whole weeks are a few thousand distinct
 * rows); otherwise each row is evaluated once per iteration, in time linear
 * in the number of rows. Results are deterministic: the same input (in any
 * row order, on any number of threads) gives bit-identical output.
 *
 * Thread safety: every function here is pure and reentrant; concurrent calls
 * on different outputs are safe.
 */
#ifndef PATRON_CLV_H
#define PATRON_CLV_H

#include <stddef.h>
#include <stdint.h>

#include "patron/common.h"
#include "patron/summary.h"

PATRON_BEGIN_DECLS

/** @brief The models. */
typedef enum patron_clv_model {
    PATRON_CLV_BGNBD = 1,  /**< BG/NBD (Fader, Hardie & Lee 2005). */
    PATRON_CLV_MBGNBD = 2, /**< MBG/NBD (Batislam, Denizel & Filiztekin 2007). */
    PATRON_CLV_PNBD = 3,   /**< Pareto/NBD (Schmittlein, Morrison & Colombo 1987). */
    PATRON_CLV_BGBB = 4,   /**< BG/BB for discrete opportunities (Fader, Hardie & Shang 2010). */
    PATRON_CLV_GG = 5      /**< Gamma-Gamma spend (Fader, Hardie & Lee 2005 note). */
} patron_clv_model;

/** @brief Largest number of parameters of any model. */
#define PATRON_CLV_MAX_PARAMS 4

/**
 * @brief Customer data, as parallel caller-owned arrays of length @c n.
 *
 * The library only reads the arrays, and never keeps pointers to them.
 */
typedef struct patron_clv_data {
    size_t n;                /**< Number of rows. */
    const double *frequency; /**< x: repeat purchases (a whole number >= 0). */
    const double *recency;   /**< t_x: age at the last repeat purchase, 0 <= t_x <= T (0 when x is 0). */
    const double *T;         /**< T: age at the end of observation (> 0); for BG/BB, n opportunities. */
    const double *monetary;  /**< Mean repeat-purchase value (> 0 when x > 0); used by Gamma-Gamma only, else may be NULL. */
    const double *weights;   /**< Optional (NULL = all 1): number of customers each row stands for (>= 0, finite). */
} patron_clv_data;

/** @brief Fitting options; initialise with #PATRON_CLV_FIT_OPTIONS_INIT. */
typedef struct patron_clv_fit_options {
    uint32_t size;    /**< `sizeof(patron_clv_fit_options)`; set by the _INIT macro. */
    double penalizer; /**< L2 penalty c >= 0 with lifetimes' meaning: minimise -mean(LL) + c * sum(params^2), alpha (and Pareto/NBD's beta) taken in time rescaled to max T = 1 and Pareto/NBD's c divided by the number of input rows, as lifetimes does (see the CLV guide). Default 0. */
    double gtol;      /**< Convergence: max |gradient| of -mean(LL) in log-parameters. Default 1e-9. */
    int32_t max_iter; /**< Iteration limit per start. Default 500. */
    int32_t n_starts; /**< 0 (default): four starting points are ranked by their likelihood and the optimiser runs from the best, falling back to the next on failure. 1..4: run that many starts and keep the best converged one. */
    int32_t threads;  /**< Threads evaluating the likelihood: 1 (default: an embedding program never gets threads it did not ask for), n, or 0 for all online cores. The result is bit-identical for every value (the rows are split into fixed chunks whose partial sums are added in a fixed order). */
} patron_clv_fit_options;

/** Initialiser for #patron_clv_fit_options with the defaults. */
#define PATRON_CLV_FIT_OPTIONS_INIT { (uint32_t)sizeof(patron_clv_fit_options), 0.0, 1e-9, 500, 0, 1 }

/**
 * @brief Model parameters (what a fit returns, what predictions take).
 *
 * `p` holds the parameters in the order of the table in this file's
 * description; unused slots are 0.
 */
typedef struct patron_clv_params {
    patron_clv_model model;            /**< Which model. */
    double p[PATRON_CLV_MAX_PARAMS];   /**< Parameters, all > 0. */
} patron_clv_params;

/** @brief Everything a fit reports. Caller-owned; filled by patron_clv_fit(). */
typedef struct patron_clv_fit_result {
    uint32_t size;                   /**< `sizeof(patron_clv_fit_result)`; set it before the call (or use #PATRON_CLV_FIT_RESULT_INIT). */
    patron_clv_params params;        /**< The maximum-likelihood (or penalised) estimate. */
    int32_t n_params;                /**< Number of parameters of the model (3 or 4). */
    double se[PATRON_CLV_MAX_PARAMS]; /**< Standard errors from the observed information, natural scale. */
    double cov[PATRON_CLV_MAX_PARAMS * PATRON_CLV_MAX_PARAMS]; /**< Covariance matrix (row-major, n_params x n_params in the top-left block). */
    double log_likelihood;           /**< Weighted sum of per-customer log-likelihoods (the papers' LL, without the penalty). */
    double grad_norm;                /**< Max |gradient| of the objective -mean(LL)+penalty in log-parameters at the optimum. */
    int32_t iterations;              /**< Quasi-Newton iterations of the winning start. */
    int32_t status;                  /**< #PATRON_OK when converged (the only value returned with a filled result). */
    double n_customers;              /**< Total weight of the rows used. */
    int64_t n_distinct;              /**< Distinct rows after compression. */
} patron_clv_fit_result;

/** Initialiser for #patron_clv_fit_result (sets `size`). */
#define PATRON_CLV_FIT_RESULT_INIT { (uint32_t)sizeof(patron_clv_fit_result), { PATRON_CLV_BGNBD, { 0, 0, 0, 0 } }, 0, { 0, 0, 0, 0 }, { 0 }, 0, 0, 0, 0, 0, 0 }

/**
 * @brief Name of a model ("bgnbd", "mbgnbd", "pnbd", "bgbb", "gg").
 * @return A static string, or NULL for an unknown model.
 */
PATRON_API const char *patron_clv_model_name(patron_clv_model model);

/**
 * @brief Model from its name (as patron_clv_model_name() spells it), or
 *        one of its aliases ("bg/nbd", "mbg/nbd", "paretonbd", "pareto/nbd",
 *        "bg/bb", "gamma-gamma", "gammagamma").
 * @param[out] out [value] The model.
 * @param name The name.
 * @return #PATRON_OK, or #PATRON_EINVAL for an unknown name.
 */
PATRON_API int patron_clv_model_from_name(patron_clv_model *out, const char *name);

/**
 * @brief Number of parameters of @p model (4, or 3 for Gamma-Gamma); 0 for
 *        an unknown model.
 */
PATRON_API int patron_clv_param_count(patron_clv_model model);

/**
 * @brief The paper's name of parameter @p i of @p model ("r", "alpha", ...).
 * @return A static string, or NULL when @p i or @p model is out of range.
 */
PATRON_API const char *patron_clv_param_name(patron_clv_model model, int i);

/**
 * @brief The simulation model that patron_sim_run() uses for @p model.
 *
 * Model names (patron_clv_model_from_name()), parameter names and the
 * simulation all come from one table of models inside the library, so the
 * CLI and the bindings need no list of their own. The parameters of
 * @p model are the #patron_sim_options fields of the same names
 * (patron_clv_param_name()).
 *
 * @return A #patron_sim_model value, or 0 when @p model has no purchase
 *         process of its own (Gamma-Gamma: simulate its spend with
 *         #PATRON_SIM_SPEND_GAMMA_GAMMA) or is unknown.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_sim_model(patron_clv_model model);

/**
 * @brief Fit a model by maximum likelihood.
 *
 * Rows are validated (finite values, whole-number x, 0 <= t_x <= T, t_x = 0
 * when x = 0, for BG/BB whole-number t_x <= n and x <= t_x), zero-weight
 * rows are ignored and identical rows are merged. Gamma-Gamma ignores rows
 * with x = 0 (they carry no spend information).
 *
 * @param[out] out [value] Filled on success only; its `size` member must be set
 *        (#PATRON_CLV_FIT_RESULT_INIT).
 * @param model The model.
 * @param[in] data [value] The customers (read only, not retained).
 * @param[in] opts [value] Options, or NULL for the defaults.
 * @return #PATRON_OK; #PATRON_EINVAL for bad arguments or data (the message
 *         names the row, the field and the value); #PATRON_ECONVERGE when no
 *         start converged, the log-likelihood is not finite, a parameter ran
 *         off to 0 or infinity, or the information matrix is not positive
 *         definite (the reason is in patron_errmsg()); #PATRON_ENOMEM.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_fit(patron_clv_fit_result *out, patron_clv_model model,
                              const patron_clv_data *data, const patron_clv_fit_options *opts);

/**
 * @brief A set of chunks of customers, for fits over partitions (opaque;
 *        the chunk API).
 *
 * Each chunk holds a share of the rows (a partition of a data set too large
 * for one call, a Dask partition, a shard on another machine), validated
 * and compressed once, and evaluates its log-likelihood, gradient and
 * Hessian at any parameters (patron_clv_chunk_eval()).
 * patron_clv_fit_chunks() fits the model over all chunks of a set with the
 * same optimiser as patron_clv_fit(); a program whose chunks live in
 * several processes evaluates each in its own set and sums the values.
 */
typedef struct patron_clv_chunks patron_clv_chunks;

/**
 * @brief New empty set of chunks for @p model.
 * @param[out] out [handle] The set (release with patron_clv_chunks_free()).
 * @param model The model.
 * @return #PATRON_OK, #PATRON_EINVAL (unknown model), #PATRON_ENOMEM.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_chunks_new(patron_clv_chunks **out, patron_clv_model model);

/** @brief Release a set and its chunks (NULL is ignored). */
PATRON_API void patron_clv_chunks_free(patron_clv_chunks *set);

/**
 * @brief Validate, compress and append one chunk of customers.
 *
 * The rows follow patron_clv_fit()'s rules (zero-weight rows are dropped,
 * Gamma-Gamma drops x = 0). The chunk's index is the previous count.
 *
 * @param set The set.
 * @param[in] data [value] The chunk's customers (read only, not retained).
 * @param threads Threads evaluating this chunk: 1, n, or 0 for all cores.
 *        The values do not depend on it (fixed inner chunks, fixed order).
 * @return #PATRON_OK; #PATRON_EINVAL (bad data or threads: the message
 *         names the row, field and value; the set is unchanged);
 *         #PATRON_ENOMEM.
 * @par Thread safety
 * Not on one set from two threads at once.
 */
PATRON_API int patron_clv_chunks_add(patron_clv_chunks *set, const patron_clv_data *data,
                                     int32_t threads);

/** @brief Number of chunks in a set (0 for NULL). */
PATRON_API size_t patron_clv_chunks_count(const patron_clv_chunks *set);

/** @brief Distinct rows of chunk @p i after compression (0 when out of range). */
PATRON_API int64_t patron_clv_chunks_rows(const patron_clv_chunks *set, size_t i);

/** @brief What patron_clv_chunk_eval() returns. Caller-owned. */
typedef struct patron_clv_chunk_value {
    uint32_t size;          /**< `sizeof(patron_clv_chunk_value)`; set it before the call (or use #PATRON_CLV_CHUNK_VALUE_INIT). */
    int32_t n_params;       /**< k, the model's number of parameters. */
    int32_t has_hess;       /**< 1 when `hess` was computed. */
    double log_likelihood;  /**< Weighted sum of the rows' log-likelihoods. */
    double grad[PATRON_CLV_MAX_PARAMS]; /**< d LL / d p_i, natural parameters (first k used). */
    double hess[PATRON_CLV_MAX_PARAMS * PATRON_CLV_MAX_PARAMS]; /**< Hessian, row-major k x k in the first k * k slots (when has_hess). */
} patron_clv_chunk_value;

/** Initialiser for #patron_clv_chunk_value (sets `size`). */
#define PATRON_CLV_CHUNK_VALUE_INIT { (uint32_t)sizeof(patron_clv_chunk_value), 0, 0, 0, { 0 }, { 0 } }

/**
 * @brief Weighted log-likelihood of chunk @p i's rows at @p params, with its
 *        gradient and (optionally) Hessian in the natural parameters.
 *
 * Summed over the chunks of a data set, the values are the data set's
 * log-likelihood (patron_clv_log_likelihood() summed with the weights),
 * gradient and Hessian, up to the order of the additions.
 *
 * @param[out] out [value] Filled on success only; its `size` must be set.
 * @param set The set.
 * @param i The chunk (0 .. patron_clv_chunks_count() - 1).
 * @param[in] params [value] Parameters of the set's model.
 * @param want_hess 1 for the Hessian as well: only for models with an exact
 *        Hessian (BG/NBD, MBG/NBD, Gamma-Gamma); 0 for none.
 * @return #PATRON_OK; #PATRON_EINVAL (bad parameters, another model, @p i
 *         out of range); #PATRON_EUNSUPPORTED (@p want_hess for a model without an exact
 *         Hessian); #PATRON_ERANGE (not finite there).
 * @par Thread safety
 * Not on one set from two threads at once (a chunk keeps its scratch).
 */
PATRON_API int patron_clv_chunk_eval(patron_clv_chunk_value *out, patron_clv_chunks *set,
                                     size_t i, const patron_clv_params *params, int want_hess);

/**
 * @brief Fit the set's model over all its chunks' rows (the sum of their
 *        log-likelihoods), with patron_clv_fit()'s optimiser and checks.
 *
 * The result equals patron_clv_fit() on the union of the rows up to the
 * rounding of the sums (the chunks are added in their order; the fit runs
 * its starts on all rows, not the sampled warm start of large single-call
 * fits): parameters agree to about 1e-9 relative. `n_distinct` is the sum
 * of the chunks' distinct rows.
 *
 * @param[out] out [value] Filled on success only; its `size` must be set.
 * @param set The chunks (at least one).
 * @param[in] opts [value] Options, or NULL for the defaults (`threads` is
 *        each chunk's own, fixed when it was added).
 * @return As patron_clv_fit().
 * @par Thread safety
 * Not on one set from two threads at once.
 */
PATRON_API int patron_clv_fit_chunks(patron_clv_fit_result *out, patron_clv_chunks *set,
                                     const patron_clv_fit_options *opts);

/**
 * @brief Per-row log-likelihood at @p params (unweighted).
 *
 * Gamma-Gamma rows with x = 0 carry no spend information and get 0.
 *
 * @param[out] out [array: data->n] Caller array of `data->n` values; untouched on failure.
 * @param[in] params [value] Parameters.
 * @param[in] data [value] The customers.
 * @return #PATRON_OK, #PATRON_EINVAL (bad parameters or data).
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_log_likelihood(double *out, const patron_clv_params *params,
                                         const patron_clv_data *data);

/**
 * @brief Conditional expected number of purchases in the next @p t periods,
 *        given each customer's history (x, t_x, T). Not for Gamma-Gamma.
 *
 * For BG/BB, @p t is a whole number of future opportunities.
 *
 * BG/NBD's predictions (this function, patron_clv_prob_alive(),
 * patron_clv_predict(), patron_clv_lifetime_value(),
 * patron_clv_prob_purchases_conditional()) do not depend on t_x
 * when x = 0, so they accept x = 0 with any 0 <= t_x <= T (the cells of a
 * frequency/recency grid) and return the value of t_x = 0; every other
 * model and function requires t_x = 0 when x = 0.
 *
 * @param[out] out [array: data->n] Caller array of `data->n` values; untouched on failure.
 * @param[in] params [value] Transaction-model parameters.
 * @param[in] data [value] The customers (frequency, recency, T).
 * @param t Horizon (>= 0).
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOMEM, or #PATRON_ERANGE when
 *         a series would not converge (horizon far beyond the data scale).
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_expected_purchases(double *out, const patron_clv_params *params,
                                             const patron_clv_data *data, double t);

/**
 * @brief Probability that each customer is still alive at the end of the
 *        observation (for BG/BB: at opportunity n + 1, as in the paper).
 *
 * @param[out] out [array: data->n] Caller array of `data->n` values; untouched on failure.
 * @param[in] params [value] Transaction-model parameters.
 * @param[in] data [value] The customers.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOMEM.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_prob_alive(double *out, const patron_clv_params *params,
                                     const patron_clv_data *data);

/**
 * @brief BG/BB: probability that each customer is alive at opportunity
 *        n + @p m, given (x, t_x, n) (Fader, Hardie & Shang 2010, eq. A10).
 *
 * patron_clv_prob_alive() is @p m = 1; lifetimes'
 * `BetaGeoBetaBinomFitter.conditional_probability_alive(m, ...)` is this
 * function, and its usual call, m = 0, is the probability of being alive
 * at the last observed opportunity n.
 *
 * @param[out] out [array: data->n] Caller array of `data->n` values; untouched on failure.
 * @param[in] params [value] BG/BB parameters.
 * @param[in] data [value] The customers (x, t_x, n in the T column).
 * @param m Opportunities ahead: a whole number, 0..10,000,000.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_EUNSUPPORTED (not BG/BB),
 *         #PATRON_ENOMEM, #PATRON_ERANGE.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_prob_alive_ahead(double *out, const patron_clv_params *params,
                                           const patron_clv_data *data, double m);

/**
 * @brief Conditional expectation and P(alive) in one pass (the rows are
 *        validated and compressed once).
 *
 * @param[out] expected [array: data->n] Caller array of `data->n` values for the expected
 *        purchases in the next @p t periods, or NULL to skip them.
 * @param[out] alive [array: data->n] Caller array of `data->n` values for P(alive), or NULL.
 *        Not both NULL. Untouched on failure.
 * @param[in] params [value] Transaction-model parameters.
 * @param[in] data [value] The customers.
 * @param t Horizon (>= 0; ignored when @p expected is NULL).
 * @return As patron_clv_expected_purchases().
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_predict(double *expected, double *alive, const patron_clv_params *params,
                                  const patron_clv_data *data, double t);

/** @brief Options of the batch predictions; initialise with #PATRON_CLV_PREDICT_OPTIONS_INIT. */
typedef struct patron_clv_predict_options {
    uint32_t size;   /**< `sizeof(patron_clv_predict_options)`; set by the _INIT macro. */
    int32_t threads; /**< Threads: 1 (default), n, or 0 for all online cores. Each customer's value is computed the same way whatever the count. */
} patron_clv_predict_options;

/** Initialiser for #patron_clv_predict_options with the defaults. */
#define PATRON_CLV_PREDICT_OPTIONS_INIT { (uint32_t)sizeof(patron_clv_predict_options), 1 }

/**
 * @brief patron_clv_predict() with options (threads).
 *
 * @param[out] expected [array: data->n] Caller array of `data->n` values for the expected
 *        purchases in the next @p t periods, or NULL to skip them.
 * @param[out] alive [array: data->n] Caller array of `data->n` values for P(alive), or NULL.
 *        Not both NULL. Untouched on failure.
 * @param[in] params [value] Transaction-model parameters.
 * @param[in] data [value] The customers.
 * @param t Horizon (>= 0; ignored when @p expected is NULL).
 * @param[in] opts [value] Options, or NULL for the defaults.
 * @return As patron_clv_predict(); #PATRON_EINVAL for bad options. When
 *         several rows fail, the message names the first in the library's
 *         order of the distinct rows, whatever the thread count.
 * @par Thread safety
 * Reentrant; starts and joins its own threads when `threads` is not 1.
 */
PATRON_API int patron_clv_predict_with(double *expected, double *alive,
                                       const patron_clv_params *params,
                                       const patron_clv_data *data, double t,
                                       const patron_clv_predict_options *opts);

/**
 * @brief Unconditional expected number of purchases E[X(t)] of a new
 *        customer in (0, t], for each of the @p n values in @p t.
 *
 * @param[out] out [array: n] Caller array of @p n values.
 * @param[in] params [value] Transaction-model parameters.
 * @param t Horizons (>= 0; whole numbers for BG/BB).
 * @param n Number of horizons.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ERANGE (series not converging).
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_expected_purchases_new(double *out, const patron_clv_params *params,
                                                 const double *t, size_t n);

/**
 * @brief Probability P(X(t) = k) that a new customer makes exactly k
 *        purchases in (0, t], for @p n pairs (t[i], k[i]).
 *
 * Available for every transaction model (Pareto/NBD by a Gauss-Legendre
 * integral over the time of death).
 *
 * @param[out] out [array: n] Caller array of @p n probabilities.
 * @param[in] params [value] Transaction-model parameters.
 * @param t Horizons (>= 0; BG/BB: whole numbers up to 10,000,000).
 * @param k Counts (0..10,000,000).
 * @param n Number of pairs.
 * @return #PATRON_OK, #PATRON_EINVAL (also for Gamma-Gamma parameters).
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_prob_purchases(double *out, const patron_clv_params *params,
                                         const double *t, const int64_t *k, size_t n);

/**
 * @brief Probability that each customer makes exactly @p k purchases in the
 *        next @p t periods, given the history (x, t_x, T).
 *
 * A customer alive at T continues as a new customer of the same model with
 * the posterior parameters, one who has dropped out buys nothing: P =
 * 1[k = 0] (1 - P(alive at T)) + P(alive at T) P'(X(t) = k), with P' the
 * pmf of patron_clv_prob_purchases() at (r + x, alpha + T, a, b + x) for
 * BG/NBD, BG/NBD's at (r + x, alpha + T, a, b + x + 1) for MBG/NBD,
 * (r + x, alpha + T, s, beta + T) for Pareto/NBD (lifetimes'
 * `conditional_probability_of_n_purchases_up_to_time`, Fader & Hardie's
 * note 028), and (alpha + x, beta + n - x, gamma, delta + n) with P(alive
 * at n) for BG/BB. Summed over k the values give 1, and their mean is
 * patron_clv_expected_purchases().
 *
 * @param[out] out [array: data->n] Caller array of `data->n` probabilities; untouched on failure.
 * @param[in] params [value] Transaction-model parameters.
 * @param[in] data [value] The customers (BG/NBD accepts x = 0 with t_x > 0, as
 *        patron_clv_expected_purchases() does).
 * @param t Horizon (>= 0; for BG/BB a whole number of opportunities).
 * @param k Number of purchases, 0..10,000,000.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOMEM, #PATRON_ERANGE.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_prob_purchases_conditional(double *out, const patron_clv_params *params,
                                                     const patron_clv_data *data, double t,
                                                     int64_t k);

/**
 * @brief Expected cumulative repeat purchases of a cohort of new customers
 *        acquired at different times: out[j] = sum_i w_i E[X(h[j] - birth[i])]
 *        over customers with birth[i] < h[j].
 *
 * This is the "tracking plot" of the papers (CDNOW: birth = 39 - T).
 *
 * @param[out] out [array: n_h] Caller array of @p n_h totals.
 * @param[in] params [value] Transaction-model parameters (not Gamma-Gamma).
 * @param birth Acquisition time of each customer, on the horizons' clock.
 * @param weights Optional weights (NULL = 1 each).
 * @param n Number of customers.
 * @param h Horizons.
 * @param n_h Number of horizons.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOMEM, #PATRON_ERANGE.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_expected_cohort(double *out, const patron_clv_params *params,
                                          const double *birth, const double *weights, size_t n,
                                          const double *h, size_t n_h);

/**
 * @brief Gamma-Gamma conditional expected average spend per transaction:
 *        E[M | x, m] = (q - 1)/(p x + q - 1) * gamma p/(q - 1) + p x/(p x + q - 1) * m.
 *
 * Customers with x = 0 get the population mean gamma p / (q - 1).
 *
 * @param[out] out [array: data->n] Caller array of `data->n` values; untouched on failure.
 * @param[in] params [value] Gamma-Gamma parameters (q must exceed 1).
 * @param[in] data [value] The customers (frequency and monetary are read).
 * @return #PATRON_OK, #PATRON_EINVAL.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_expected_spend(double *out, const patron_clv_params *params,
                                         const patron_clv_data *data);

/**
 * @brief Customer lifetime value over @p months months with monthly
 *        discounting, the way lifetimes' `customer_lifetime_value` computes it:
 *        sum over m = 1..months of spend * (CE(m f) - CE((m - 1) f)) / (1 + d)^m,
 *        where CE is the conditional expected number of purchases, f =
 *        @p periods_per_month (4.345 for weeks, 30 for days) and spend is
 *        the Gamma-Gamma expected spend.
 *
 * @param[out] out [array: data->n] Caller array of `data->n` values; untouched on failure.
 * @param[in] tx [value] Transaction-model parameters (BG/NBD, MBG/NBD, Pareto/NBD).
 * @param[in] spend [value] Gamma-Gamma parameters, or NULL to use data->monetary as the
 *        spend per transaction.
 * @param[in] data [value] The customers (monetary is required).
 * @param months Horizon in months (1..1200).
 * @param discount Monthly discount rate d (>= 0).
 * @param periods_per_month Time units per month (> 0).
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOMEM, #PATRON_ERANGE.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_lifetime_value(double *out, const patron_clv_params *tx,
                                         const patron_clv_params *spend,
                                         const patron_clv_data *data, int months,
                                         double discount, double periods_per_month);

/**
 * @brief patron_clv_lifetime_value() with options (threads).
 *
 * @param[out] out [array: data->n] Caller array of `data->n` values; untouched on failure.
 * @param[in] tx [value] Transaction-model parameters.
 * @param[in] spend [value] Gamma-Gamma parameters, or NULL.
 * @param[in] data [value] The customers.
 * @param months Horizon in months (1..1200).
 * @param discount Monthly discount rate (>= 0).
 * @param periods_per_month Time units per month (> 0).
 * @param[in] opts [value] Options, or NULL for the defaults.
 * @return As patron_clv_lifetime_value(); #PATRON_EINVAL for bad options.
 * @par Thread safety
 * Reentrant; starts and joins its own threads when `threads` is not 1.
 */
PATRON_API int patron_clv_lifetime_value_with(double *out, const patron_clv_params *tx,
                                              const patron_clv_params *spend,
                                              const patron_clv_data *data, int months,
                                              double discount, double periods_per_month,
                                              const patron_clv_predict_options *opts);

/**
 * @brief Discounted expected residual transactions (DERT).
 *
 * Pareto/NBD: continuous discounting at rate @p discount per time unit,
 * DERT = integral over t > 0 of exp(-discount t) times the expected purchase
 * rate given the history (Fader, Hardie & Lee 2005, "RFM and CLV").
 * BG/BB: discount rate per opportunity, DERT at opportunity n + 1 onwards
 * (Fader, Hardie & Shang 2010, eq. 15). Other models: #PATRON_EUNSUPPORTED.
 * Multiply by an expected spend to get a lifetime value.
 *
 * @param[out] out [array: data->n] Caller array of `data->n` values; untouched on failure.
 * @param[in] params [value] Pareto/NBD or BG/BB parameters.
 * @param[in] data [value] The customers.
 * @param discount Discount rate (> 0).
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_EUNSUPPORTED, #PATRON_ERANGE.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_dert(double *out, const patron_clv_params *params,
                               const patron_clv_data *data, double discount);

/**
 * @brief Point a #patron_clv_data at the columns of a customer frame.
 *
 * Uses the double columns `frequency`, `recency`, `T` (for BG/BB: `n`, or
 * `periods`, or `T`), `monetary_value` and `weights` when present (the
 * last two are optional, except `monetary_value` for Gamma-Gamma). This is
 * what patron_summarize() and patron_frame_read_csv() produce.
 *
 * @param[out] out [value] Filled on success; its pointers borrow the frame's
 *        columns and stay valid until the frame is freed.
 * @param frame The frame (not modified).
 * @param model The model the data are for (decides the columns needed).
 * @return #PATRON_OK; #PATRON_ENOTFOUND naming a missing column;
 *         #PATRON_EINVAL (a column is not numeric, NULL arguments).
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_data_from_frame(patron_clv_data *out, const patron_frame *frame,
                                          patron_clv_model model);

/**
 * @brief patron_clv_fit() on the columns of a customer frame (see
 *        patron_clv_data_from_frame()).
 * @param[out] out [value] As patron_clv_fit().
 * @param model The model.
 * @param frame The frame (not modified).
 * @param[in] opts [value] Options, or NULL.
 * @return As patron_clv_fit() and patron_clv_data_from_frame().
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_fit_frame(patron_clv_fit_result *out, patron_clv_model model,
                                    const patron_frame *frame, const patron_clv_fit_options *opts);

/**
 * @brief Append prediction columns to a customer frame.
 *
 * Transaction models add `expected_purchases` (over @p horizon) and
 * `p_alive`; Gamma-Gamma adds `expected_spend` (@p horizon is ignored).
 * The values are computed before any column is added, and a failure
 * (including an allocation failure while adding the second column) leaves
 * the frame untouched.
 *
 * @param frame The frame to extend (must have the model's columns).
 * @param[in] params [value] Parameters.
 * @param horizon Horizon of the conditional expectation (>= 0).
 * @return #PATRON_OK; #PATRON_ECONFLICT when a column of that name exists;
 *         as patron_clv_data_from_frame() and patron_clv_expected_purchases().
 * @par Thread safety
 * Not for concurrent use on the same frame.
 */
PATRON_API int patron_clv_predict_frame(patron_frame *frame, const patron_clv_params *params,
                                        double horizon);

/**
 * @brief Wald confidence intervals of a fit's parameters: estimate -/+
 *        z se, with se the square root of the covariance diagonal and z the
 *        standard-normal quantile of (1 + @p level) / 2 (1.959964 for 0.95).
 *
 * These are lifetimes' `summary` bounds (which use z = 1.96).
 *
 * @param[out] lower [array: fit->n_params] Caller array of `fit->n_params` values.
 * @param[out] upper [array: fit->n_params] Caller array of `fit->n_params` values. Both untouched
 *        on failure.
 * @param[in] fit [value] A result filled by patron_clv_fit().
 * @param level Coverage in (0, 1), such as 0.95.
 * @return #PATRON_OK, #PATRON_EINVAL (NULL arguments, level out of range, a
 *         result that patron_clv_fit() did not fill, a negative variance).
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_param_intervals(double *lower, double *upper,
                                          const patron_clv_fit_result *fit, double level);

/**
 * @name The CLV parameters format
 *
 * Fitted parameters as a JSON document, the one format the CLI (`patron clv
 * fit` writes it, `clv predict --params` reads it), Python (`Model.to_json`,
 * `Model.load`) and Node share (docs/guide/clv.md, "Parameters file"):
 *
 *     {
 *       "model": "bgnbd",
 *       "params": {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259},
 *       "se": {"r": 0.0125, ...},
 *       "covariance": [[...], ...],
 *       "log_likelihood": -9582.43, "grad_norm": 1.2e-10, "iterations": 23,
 *       "n_customers": 2357, "n_distinct": 1105, "status": "converged"
 *     }
 *
 * `model` is a patron_clv_model_name(); `params` (and `se`) name every
 * parameter of the model as patron_clv_param_name() spells it; `covariance`
 * is n_params x n_params, rows in parameter order. A parameters-only
 * document has just `model` and `params`. Numbers are written with the
 * shortest text that reads back to the same double (never depending on the
 * C locale); a value that is not finite is written as `null`. Readers
 * ignore other top-level members.
 * @{
 */

/**
 * @brief Write parameters as a parameters-only document.
 * @param[out] out [string: owned] Receives the NUL-terminated JSON (free with patron_free()); untouched on failure.
 * @param[in] params [value] The parameters (all finite and > 0).
 * @return #PATRON_OK, #PATRON_EINVAL (NULL, unknown model, a bad value named), #PATRON_ENOMEM.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_params_to_json(char **out, const patron_clv_params *params);

/**
 * @brief Write a fit (parameters, standard errors, covariance, likelihood,
 *        iterations, customers) as a document.
 * @param[out] out [string: owned] Receives the NUL-terminated JSON (free with patron_free()); untouched on failure.
 * @param[in] fit [value] A result filled by patron_clv_fit() (or patron_clv_fit_from_json()).
 * @return #PATRON_OK, #PATRON_EINVAL (NULL, a size below the first release's, bad parameters), #PATRON_ENOMEM.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_fit_to_json(char **out, const patron_clv_fit_result *fit);

/**
 * @brief Read the parameters of a document (a parameters-only one or a fit).
 * @param[out] out [value] Receives the model and parameters; untouched on failure.
 * @param text The JSON text (UTF-8; need not be NUL-terminated).
 * @param len Its length in bytes.
 * @return #PATRON_OK, #PATRON_EPARSE (not JSON: line and column named),
 *         #PATRON_EINVAL naming the member: `'model' is missing`, `params.alpha
 *         is missing`, `params.r is -1 (must be finite and > 0)`, `params.zeta
 *         is not a parameter of bgnbd`.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_params_from_json(patron_clv_params *out, const char *text, size_t len);

/**
 * @brief Read a fit document back into a fit result (what
 *        patron_clv_param_intervals() and the reports need).
 * @param[out] out [value] A result with `size` set (#PATRON_CLV_FIT_RESULT_INIT); at most
 *        `size` bytes are written, only on success. `status` is #PATRON_OK;
 *        missing `log_likelihood` and `grad_norm` read as NaN, missing counts as 0.
 * @param text The JSON text (need not be NUL-terminated).
 * @param len Its length in bytes.
 * @return #PATRON_OK, #PATRON_EPARSE, #PATRON_EINVAL naming the member (as
 *         patron_clv_params_from_json(), and `'se' is missing`,
 *         `covariance[1][2] is not a number`, a status other than "converged").
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_fit_from_json(patron_clv_fit_result *out, const char *text, size_t len);

/** @} */

/** @brief The two mixing distributions of a transaction model. */
typedef enum patron_clv_mixing {
    /** Purchase propensity: lambda ~ Gamma(r, rate alpha) (BG/NBD, MBG/NBD,
     *  Pareto/NBD) or p ~ Beta(alpha, beta) (BG/BB). */
    PATRON_CLV_MIX_PURCHASE = 0,
    /** Dropout: p ~ Beta(a, b) (BG/NBD, MBG/NBD), mu ~ Gamma(s, rate beta)
     *  (Pareto/NBD) or theta ~ Beta(gamma, delta) (BG/BB). */
    PATRON_CLV_MIX_DROPOUT = 1
} patron_clv_mixing;

/**
 * @brief Density of a mixing (heterogeneity) distribution of the customer
 *        base at @p n points (lifetimes' heterogeneity plots).
 *
 * Points outside the support get 0; at a boundary of the support the value
 * is the limit (0, finite, or infinity when the shape is below 1).
 *
 * @param[out] out [array: n] Caller array of @p n densities.
 * @param[in] params [value] Transaction-model parameters.
 * @param which A #patron_clv_mixing.
 * @param x Points (not NaN).
 * @param n Number of points.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_EUNSUPPORTED (Gamma-Gamma).
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_mixing_density(double *out, const patron_clv_params *params, int which,
                                         const double *x, size_t n);

/**
 * @brief Mean, variance and a quantile of a mixing distribution (see
 *        patron_clv_mixing_density()).
 *
 * @param[out] mean [value] Mean, or NULL.
 * @param[out] variance [value] Variance, or NULL.
 * @param[out] quantile [value] The value with cumulative probability @p prob
 *        (bisection on the regularised incomplete gamma or beta function,
 *        to the resolution of a double), or NULL.
 * @param[in] params [value] Transaction-model parameters.
 * @param which A #patron_clv_mixing.
 * @param prob Probability in (0, 1) (ignored when @p quantile is NULL).
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_EUNSUPPORTED, #PATRON_ERANGE.
 *         Outputs untouched on failure.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_clv_mixing_moments(double *mean, double *variance, double *quantile,
                                         const patron_clv_params *params, int which, double prob);

PATRON_END_DECLS

#endif /* PATRON_CLV_H */
