/* The generator: xoshiro256** (Blackman & Vigna 2018) seeded by SplitMix64
 * (Steele, Lea & Flood 2014). Written from the published algorithms. */
#include "internal/error.h"
#include "sim_internal.h"

#define SPLITMIX_GAMMA UINT64_C(0x9E3779B97F4A7C15)

/* SplitMix64 output for the state after `state += SPLITMIX_GAMMA`. */
static uint64_t splitmix_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

void patron_rng_seed_stream(patron_rng *rng, uint64_t seed, uint64_t stream)
{
    /* State of SplitMix64 after 4*stream outputs (unsigned wrap-around). */
    uint64_t state = seed + stream * 4 * SPLITMIX_GAMMA;
    for (int i = 0; i < 4; i++) {
        state += SPLITMIX_GAMMA;
        rng->s[i] = splitmix_mix(state);
    }
    /* Four outputs of a bijective mix of distinct counters cannot all be 0. */
}

void patron_rng_seed(patron_rng *rng, uint64_t seed)
{
    patron_rng_seed_stream(rng, seed, 0);
}

uint64_t patron_rng_next(patron_rng *rng)
{
    return patron__rng_next(rng);
}

double patron_rng_uniform(patron_rng *rng)
{
    return patron__rng_u01(rng);
}
