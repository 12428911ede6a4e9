/* Internal: the simulator's deterministic arithmetic, generator and samplers.
 *
 * Bit-reproducibility across platforms rests on three rules:
 * - only IEEE-754 operations that are correctly rounded (+ - * / sqrt, and the
 *   exact floor/frexp/ldexp) are used on doubles;
 * - log and exp are ours (sim_log, sim_exp below), fixed polynomial
 *   algorithms, never the C library's;
 * - no floating-point contraction into fused multiply-adds: the files that
 *   compute start with PATRON_SIM_NO_CONTRACT (`#pragma STDC FP_CONTRACT OFF`
 *   for clang, `#pragma GCC optimize("fp-contract=off")` for GCC, which
 *   contracts in GNU C mode when FMA is available). */
#ifndef PATRON_SIM_INTERNAL_H
#define PATRON_SIM_INTERNAL_H

#include <stdint.h>

#include "patron/simulate.h"

#if defined(__clang__)
#define PATRON_SIM_NO_CONTRACT _Pragma("STDC FP_CONTRACT OFF")
#elif defined(__GNUC__)
/* GCC ignores the STDC pragma; in GNU C mode (-std=gnu11) with FMA
 * available (-march=native, AArch64) it would contract a * b + c. */
#define PATRON_SIM_NO_CONTRACT _Pragma("GCC optimize(\"fp-contract=off\")")
#else
#define PATRON_SIM_NO_CONTRACT
#endif

/* Natural log, exp and log(1+x) by fixed algorithms (a few ulp accurate). */
double patron__sim_log(double x);
double patron__sim_exp(double x);
double patron__sim_log1p(double x);

/* xoshiro256** step (also behind patron_rng_next). */
static inline uint64_t patron__rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}
static inline uint64_t patron__rng_next(patron_rng *g)
{
    uint64_t *s = g->s;
    uint64_t result = patron__rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = patron__rng_rotl(s[3], 45);
    return result;
}
/* [0, 1): top 53 bits times 2^-53 (exact). */
static inline double patron__rng_u01(patron_rng *g)
{
    return (double)(patron__rng_next(g) >> 11) * 0x1.0p-53;
}
/* (0, 1]: (top 53 bits + 1) times 2^-53 (exact); safe to take the log of. */
static inline double patron__rng_u01_pos(patron_rng *g)
{
    return (double)((patron__rng_next(g) >> 11) + 1) * 0x1.0p-53;
}

/* Samplers; parameters are assumed valid (patron_rng_draw validates). */
double patron__rng_exp1(patron_rng *g);                 /* Exponential(1) */
double patron__rng_normal01(patron_rng *g);             /* N(0, 1) */
double patron__rng_gamma1(patron_rng *g, double shape); /* Gamma(shape, rate 1) */
double patron__rng_log_gamma1(patron_rng *g, double shape); /* log of a Gamma(shape, 1) draw */
double patron__rng_beta(patron_rng *g, double a, double b);
double patron__rng_geometric(patron_rng *g, double p); /* trials to first success, >= 1 */
double patron__rng_poisson(patron_rng *g, double mean);

#endif

/* One simulated customer (models.c). */
typedef struct patron__sim_customer_out {
    double x;         /* repeat purchases */
    double t_x;       /* time of the last purchase from birth (0 when x = 0) */
    double T;         /* observation length from birth */
    double spend_sum; /* exact sum of the repeat purchases' values (major units) */
} patron__sim_customer_out;

/* Simulate customer `i` of validated options `o` from stream (seed, i).
 * Returns the number of transactions (1 + x), or
 *  -1 when it would exceed `budget` transactions,
 *  -2 when an amount does not fit in int64 minor units.
 * With `time_out` non-NULL (room for `budget` values), writes the UTC times,
 * then (amount_out, same room) the amounts, and fills `*c`. With `time_out`
 * NULL only counts (no spend draws). */
int64_t patron__sim_customer(const patron_sim_options *o, int64_t i, int64_t budget,
                             int64_t *time_out, int64_t *amount_out,
                             patron__sim_customer_out *c);
