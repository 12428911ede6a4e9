/**
 * @file simulate.h
 * @brief Reproducible random numbers and synthetic customer bases drawn from
 *        the buy-till-you-die models (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB)
 *        with Gamma-Gamma spend.
 *
 * Two layers:
 *
 * - A documented pseudo-random generator, #patron_rng (xoshiro256** seeded
 *   by SplitMix64), and samplers built on it (patron_rng_draw()). The same
 *   seed gives bit-identical integers on every platform, and bit-identical
 *   doubles on every platform with IEEE-754 binary64 arithmetic evaluated
 *   without excess precision (`FLT_EVAL_METHOD == 0`: x86-64, AArch64, ...):
 *   the samplers use only `+ - * /`, `sqrt` and libpatron's own fixed
 *   algorithms for `log` and `exp`, never the C library's transcendental
 *   functions (which differ between platforms in the last bit).
 * - A simulator, patron_sim_run(), that draws a customer base from one of the
 *   models and returns its transaction log as parallel arrays (customer
 *   index, UTC time, amount in minor units) and, on request, the exact
 *   per-customer (x, t_x, T, mean repeat spend) in model time units, for
 *   parameter-recovery tests.
 *
 * Parameters are named as in the papers:
 * BG/NBD (Fader, Hardie & Lee 2005) and MBG/NBD (Batislam, Denizel &
 * Filiztekin 2007): r, alpha, a, b; Pareto/NBD (Schmittlein, Morrison &
 * Colombo 1987): r, alpha, s, beta; BG/BB (Fader, Hardie & Shang 2010):
 * alpha, beta, gamma, delta; Gamma-Gamma spend (Fader, Hardie & Lee 2005
 * note): p, q, gamma (here `spend_p`, `spend_q`, `spend_gamma`).
 *
 * Everything here is pure: no I/O, no global state; every random draw comes
 * from the explicit seed. The seeded generator streams are documented in the
 * "Simulation" guide page, with test vectors.
 *
 * Thread safety: all functions are reentrant. A #patron_rng or a #patron_sim
 * is used by one thread at a time; distinct objects are independent.
 */
#ifndef PATRON_SIMULATE_H
#define PATRON_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "patron/common.h"

PATRON_BEGIN_DECLS

/* ------------------------------------------------------------------------ */
/* Random numbers                                                           */
/* ------------------------------------------------------------------------ */

/**
 * @brief State of the xoshiro256** generator (Blackman & Vigna 2018).
 *
 * The layout is part of the API: four 64-bit words, advanced by the
 * xoshiro256** update. Seed it with patron_rng_seed() or
 * patron_rng_seed_stream(); an all-zero state is invalid (the seeding
 * functions never produce one).
 */
typedef struct patron_rng {
    uint64_t s[4]; /**< Generator state words. */
} patron_rng;

/**
 * @brief Seed @p rng from a 64-bit seed.
 *
 * The four state words are the first four outputs of SplitMix64 started at
 * state @p seed (`state += 0x9E3779B97F4A7C15`, then the SplitMix64 output
 * mix). Equivalent to `patron_rng_seed_stream(rng, seed, 0)`.
 *
 * @param[in,out] rng [value] Generator to initialise (not NULL).
 * @param seed Any value, including 0.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API void patron_rng_seed(patron_rng *rng, uint64_t seed);

/**
 * @brief Seed @p rng with sub-stream @p stream of @p seed.
 *
 * The state words are the SplitMix64 outputs number 4*stream+1 to
 * 4*stream+4 of the SplitMix64 sequence started at @p seed, so sub-streams
 * are reachable in O(1) and distinct sub-streams start from distinct states.
 * The simulator gives customer `i` the sub-stream `i`, so a customer's draws
 * do not depend on how many customers are simulated.
 *
 * @param[in,out] rng [value] Generator to initialise (not NULL).
 * @param seed Any value.
 * @param stream Sub-stream index (any value).
 * @par Thread safety
 * Reentrant.
 */
PATRON_API void patron_rng_seed_stream(patron_rng *rng, uint64_t seed, uint64_t stream);

/**
 * @brief Next 64-bit output of xoshiro256**.
 * @param[in,out] rng [value] A seeded generator (not NULL).
 * @return `rotl(s[1] * 5, 7) * 9`, after which the state advances.
 */
PATRON_API uint64_t patron_rng_next(patron_rng *rng);

/**
 * @brief A uniform double in [0, 1): the top 53 bits of patron_rng_next()
 *        times 2^-53 (an exact conversion).
 * @param[in,out] rng [value] A seeded generator (not NULL).
 */
PATRON_API double patron_rng_uniform(patron_rng *rng);

/** @brief Distributions that patron_rng_draw() samples. */
typedef enum patron_dist {
    PATRON_DIST_UNIFORM = 0,     /**< Uniform on [p1, p2): p1 + (p2 - p1) U (the largest double below p2 if rounding reaches p2); needs p1 < p2, both finite. */
    PATRON_DIST_EXPONENTIAL = 1, /**< Exponential with rate p1 > 0 (mean 1/p1); p2 ignored. */
    PATRON_DIST_GAMMA = 2,       /**< Gamma with shape p1 > 0 and rate p2 > 0 (mean p1/p2); Marsaglia-Tsang, with the U^(1/shape) boost for shape < 1. */
    PATRON_DIST_BETA = 3,        /**< Beta(p1, p2), p1, p2 > 0, as a ratio X/(X+Y) of gamma variates (in log space when a shape is below 0.05, so tiny shapes work). */
    PATRON_DIST_GEOMETRIC = 4,   /**< Number of Bernoulli(p1) trials up to and including the first success (1, 2, ...), 0 < p1 <= 1; returned as a double. */
    PATRON_DIST_POISSON = 5,     /**< Poisson with mean p1 >= 0 (p1 <= 1e15): multiplication method below 10, Hormann's PTRS transformed rejection above. */
    PATRON_DIST_NORMAL = 6       /**< Normal with mean p1 and standard deviation p2 >= 0 (Marsaglia polar method, one value per accepted pair). */
} patron_dist;

/**
 * @brief Fill @p out with @p n independent draws from a distribution.
 *
 * The algorithms are fixed (see #patron_dist) and use only the generator
 * and libpatron's own log/exp, so the same state gives the same doubles on
 * every IEEE-754 platform.
 *
 * @param[in,out] rng [value] A seeded generator (not NULL); advanced by the draws.
 * @param dist A #patron_dist: the distribution.
 * @param p1 First parameter (see #patron_dist).
 * @param p2 Second parameter (see #patron_dist; ignored by one-parameter
 *        distributions).
 * @param[out] out [array: n] Caller-owned array of @p n doubles (may be NULL when n is 0).
 * @param n Number of draws.
 * @return #PATRON_OK; #PATRON_EINVAL for a NULL pointer, an unknown
 *         distribution or a parameter outside its domain (NaN, infinite,
 *         non-positive, ...), with the parameter and value in
 *         patron_errmsg(). On failure neither @p rng nor @p out changes.
 * @par Thread safety
 * Reentrant; @p rng must not be used by another thread during the call.
 */
PATRON_API int patron_rng_draw(patron_rng *rng, int dist, double p1, double p2, double *out,
                               size_t n);

/* ------------------------------------------------------------------------ */
/* Simulated customer bases                                                 */
/* ------------------------------------------------------------------------ */

/** @brief The purchase and dropout model of patron_sim_run(). */
typedef enum patron_sim_model {
    /** BG/NBD: purchases at Poisson rate lambda ~ Gamma(r, alpha) (alpha a
     *  rate); after each repeat purchase the customer drops out with
     *  probability p ~ Beta(a, b). */
    PATRON_SIM_BGNBD = 1,
    /** MBG/NBD: as BG/NBD, but the customer may also drop out right after
     *  the first purchase (at time 0), with the same probability p. */
    PATRON_SIM_MBGNBD = 2,
    /** Pareto/NBD: purchases at rate lambda ~ Gamma(r, alpha) during an
     *  exponential lifetime with rate mu ~ Gamma(s, beta). */
    PATRON_SIM_PNBD = 3,
    /** BG/BB (discrete): at each of the opportunities 1..n the customer, if
     *  still alive, first drops out with probability theta ~ Beta(gamma,
     *  delta), then (if alive) buys with probability p ~ Beta(alpha, beta). */
    PATRON_SIM_BGBB = 4
} patron_sim_model;

/** @brief The spend model of patron_sim_run(). */
typedef enum patron_sim_spend {
    PATRON_SIM_SPEND_NONE = 0,        /**< No spend: every amount is 0. */
    /** Gamma-Gamma: customer scale nu ~ Gamma(q, spend_gamma) (rate), each
     *  transaction value z ~ Gamma(spend_p, nu) (rate), mean
     *  spend_p * spend_gamma / (spend_q - 1) when spend_q > 1. */
    PATRON_SIM_SPEND_GAMMA_GAMMA = 1
} patron_sim_spend;

/** @brief Default cap on the number of simulated transactions (see
 *         patron_sim_options::max_transactions). */
#define PATRON_SIM_DEFAULT_MAX_TRANSACTIONS INT64_C(100000000)

/** @brief Largest accepted number of customers. */
#define PATRON_SIM_MAX_CUSTOMERS INT64_C(1000000000)

/**
 * @brief What patron_sim_run() simulates. Initialise with
 *        #PATRON_SIM_OPTIONS_INIT or patron_sim_options_init(), then set the
 *        model, its parameters, `customers` and `periods`.
 *
 * Time: model time is measured in periods of `period_seconds` seconds
 * (default one day; the CDNOW fits in the papers use weeks, 604800).
 * Customer i is born (makes the first purchase) at model time b_i, 0 when
 * `cohort_periods` is 0 and uniform on [0, cohort_periods) otherwise, and is
 * observed until model time `periods`, so T_i = periods - b_i. A purchase at
 * model time t has the UTC time `start + floor(t * period_seconds)`.
 *
 * BG/BB is discrete: `periods` and `cohort_periods` must be whole numbers,
 * births are whole periods (uniform on {0, ..., cohort_periods - 1}), and
 * the customer has n_i = T_i opportunities at b_i + 1, ..., b_i + n_i.
 */
typedef struct patron_sim_options {
    uint32_t size;            /**< `sizeof(patron_sim_options)`; set by #PATRON_SIM_OPTIONS_INIT. */
    int32_t model;            /**< A #patron_sim_model: the purchase/dropout model; default #PATRON_SIM_BGNBD. */
    double r;                 /**< BG/NBD, MBG/NBD, Pareto/NBD: shape of the purchase-rate gamma. */
    double alpha;             /**< BG/NBD, MBG/NBD, Pareto/NBD: rate of the purchase-rate gamma (in periods); BG/BB: first shape of the purchase-probability beta. */
    double a;                 /**< BG/NBD, MBG/NBD: first shape of the dropout-probability beta. */
    double b;                 /**< BG/NBD, MBG/NBD: second shape of the dropout-probability beta. */
    double s;                 /**< Pareto/NBD: shape of the dropout-rate gamma. */
    double beta;              /**< Pareto/NBD: rate of the dropout-rate gamma (in periods); BG/BB: second shape of the purchase-probability beta. */
    double gamma;             /**< BG/BB: first shape of the dropout-probability beta. */
    double delta;             /**< BG/BB: second shape of the dropout-probability beta. */
    int32_t spend;            /**< A #patron_sim_spend; default #PATRON_SIM_SPEND_NONE (amounts 0). */
    double spend_p;           /**< Gamma-Gamma p: shape of each transaction's value. */
    double spend_q;           /**< Gamma-Gamma q: shape of the customer's scale. */
    double spend_gamma;       /**< Gamma-Gamma gamma: rate of the customer's scale (in major currency units). */
    int64_t minor_per_unit;   /**< Minor units per major unit of the spend model: amount = round(z * minor_per_unit); default 100. */
    int64_t customers;        /**< Number of customers, 1 to #PATRON_SIM_MAX_CUSTOMERS. */
    double periods;           /**< Observation window length in periods (> 0). */
    double cohort_periods;    /**< Births spread uniformly over [0, cohort_periods); 0 (default) puts every birth at 0; must be < periods. */
    int64_t period_seconds;   /**< Seconds per model period (>= 1); default 86400 (one day). */
    int64_t start;            /**< UTC seconds of model time 0; default 1704067200 (2024-01-01T00:00:00Z). Every time must fall in years 1..9999. */
    uint64_t seed;            /**< Seed; customer i draws from patron_rng_seed_stream(seed, i). Default 1. */
    int64_t max_transactions; /**< Fail with #PATRON_ERANGE rather than produce more transactions than this; default #PATRON_SIM_DEFAULT_MAX_TRANSACTIONS. */
    int32_t customer_summary; /**< Non-zero: also record each customer's exact (x, t_x, T, mean repeat spend). Default 0. */
    void (*progress)(void *user_data, uint64_t done, uint64_t total); /**< Optional (NULL, default): called in the calling thread with the customers simulated so far and `customers`, at most about every 1%, and once at the end with done == total (the run makes two passes over the customers; done counts both, total is twice `customers`). For a program's progress display; since 0.2. */
    void *progress_data;      /**< Passed to `progress` as its first argument. */
} patron_sim_options;

/** Initialiser for #patron_sim_options with the documented defaults (model
 *  parameters, customers and periods are 0 and must be set). */
#define PATRON_SIM_OPTIONS_INIT                                                     \
    { (uint32_t)sizeof(patron_sim_options), PATRON_SIM_BGNBD, 0, 0, 0, 0, 0, 0, 0, 0, \
      PATRON_SIM_SPEND_NONE, 0, 0, 0, 100, 0, 0, 0, 86400, INT64_C(1704067200), 1,   \
      PATRON_SIM_DEFAULT_MAX_TRANSACTIONS, 0, NULL, NULL }

/**
 * @brief Set @p opts to the same defaults as #PATRON_SIM_OPTIONS_INIT (for
 *        callers that cannot use the macro, such as bindings).
 * @param[in,out] opts [value] Options to initialise (not NULL).
 */
PATRON_API void patron_sim_options_init(patron_sim_options *opts);

/**
 * @brief A simulated customer base: the transaction log and, when asked for,
 *        the per-customer truth. Opaque; created by patron_sim_run(),
 *        released with patron_sim_free().
 */
typedef struct patron_sim patron_sim;

/**
 * @brief Simulate a customer base.
 *
 * Each customer makes a first purchase at birth, then repeat purchases
 * drawn from the model until dropout or the end of observation. The
 * transaction log lists customers in index order (0 .. customers-1) and
 * each customer's purchases in time order. With Gamma-Gamma spend every
 * purchase, the first included, has a value; the per-customer mean spend
 * averages the repeat purchases only (as Gamma-Gamma fits expect).
 *
 * Memory: the log is produced in two passes over the same random streams
 * (count, then fill), so it is allocated once at its exact size:
 * 24 bytes per transaction, plus 32 bytes per customer with
 * `customer_summary`.
 *
 * @param[out] out [handle] Receives the new simulation (caller frees with
 *        patron_sim_free()); untouched on failure.
 * @param[in] opts [value] Options (not NULL; model parameters, `customers` and
 *        `periods` have no usable default).
 * @return #PATRON_OK;
 *         #PATRON_EINVAL for NULL pointers, an unknown model or spend model,
 *         a parameter that is NaN, infinite or <= 0 (patron_errmsg() names
 *         it and its value), customers outside 1..#PATRON_SIM_MAX_CUSTOMERS
 *         or above `max_transactions`, bad periods/cohort/period_seconds
 *         (BG/BB: not whole numbers), or a time range outside years 1..9999;
 *         #PATRON_ERANGE when the log would exceed `max_transactions` or an
 *         amount would not fit in int64 (the message names the customer);
 *         #PATRON_ENOMEM; #PATRON_EUNSUPPORTED for an options struct from a
 *         newer library version that sets fields this one does not know.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_sim_run(patron_sim **out, const patron_sim_options *opts);

/**
 * @brief Release a simulation and every array it owns.
 * @param sim The simulation, or NULL (no-op).
 */
PATRON_API void patron_sim_free(patron_sim *sim);

/**
 * @brief Number of transactions in the log (at least one per customer).
 * @param sim A simulation (not NULL).
 */
PATRON_API size_t patron_sim_n_transactions(const patron_sim *sim);

/**
 * @brief Number of simulated customers.
 * @param sim A simulation (not NULL).
 */
PATRON_API size_t patron_sim_n_customers(const patron_sim *sim);

/**
 * @brief Customer index (0 .. customers-1) of each transaction.
 * @param sim A simulation (not NULL).
 * @return Array of patron_sim_n_transactions() values, owned by @p sim and
 *         valid until patron_sim_free().
 */
PATRON_API const int64_t *patron_sim_tx_customer(const patron_sim *sim);

/**
 * @brief UTC time (seconds since the epoch) of each transaction.
 * @param sim A simulation (not NULL).
 * @return Array of patron_sim_n_transactions() values, owned by @p sim.
 */
PATRON_API const int64_t *patron_sim_tx_time(const patron_sim *sim);

/**
 * @brief Amount of each transaction in minor units (all 0 without spend).
 * @param sim A simulation (not NULL).
 * @return Array of patron_sim_n_transactions() values, owned by @p sim.
 */
PATRON_API const int64_t *patron_sim_tx_amount(const patron_sim *sim);

/**
 * @brief Exact number of repeat purchases x of each customer.
 * @param sim A simulation (not NULL).
 * @return Array of patron_sim_n_customers() whole-number doubles owned by
 *         @p sim, or NULL when `customer_summary` was not requested.
 */
PATRON_API const double *patron_sim_x(const patron_sim *sim);

/**
 * @brief Exact model time of the last purchase, from the customer's birth
 *        (0 when x = 0), in periods (BG/BB: the opportunity number).
 * @param sim A simulation (not NULL).
 * @return Array of patron_sim_n_customers() values owned by @p sim, or NULL
 *         when `customer_summary` was not requested.
 */
PATRON_API const double *patron_sim_t_x(const patron_sim *sim);

/**
 * @brief Observation length T of each customer (periods - birth), in
 *        periods (BG/BB: the number of opportunities n).
 * @param sim A simulation (not NULL).
 * @return Array of patron_sim_n_customers() values owned by @p sim, or NULL
 *         when `customer_summary` was not requested.
 */
PATRON_API const double *patron_sim_T(const patron_sim *sim);

/**
 * @brief Exact mean value of each customer's repeat purchases, in major
 *        units, before rounding to minor units (0 when x = 0 or without
 *        spend).
 * @param sim A simulation (not NULL).
 * @return Array of patron_sim_n_customers() values owned by @p sim, or NULL
 *         when `customer_summary` was not requested.
 */
PATRON_API const double *patron_sim_monetary(const patron_sim *sim);

PATRON_END_DECLS

#endif /* PATRON_SIMULATE_H */
