/* A seeded generator for the differential tests (splitmix64), and how they
 * read their size and seed: `test_x [cases [seed]]`, so a failure prints
 * the seed and case that reproduce it. */
#ifndef PATRON_TEST_PT_RAND_H
#define PATRON_TEST_PT_RAND_H

#include <stdint.h>
#include <stdlib.h>

typedef struct pt_rand {
    uint64_t s;
} pt_rand;

static inline uint64_t pt_next(pt_rand *r)
{
    uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* uniform in [lo, hi] */
static inline int64_t pt_range(pt_rand *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(pt_next(r) % (uint64_t)(hi - lo + 1));
}

/* 1 with probability pct/100 */
static inline int pt_chance(pt_rand *r, int pct)
{
    return pt_range(r, 0, 99) < pct;
}

/* argv[1]: cases (default `def`), argv[2]: seed (default `seed`) */
static inline void pt_args(int argc, char **argv, long *cases, uint64_t *seed, long def, uint64_t dseed)
{
    *cases = argc > 1 ? strtol(argv[1], NULL, 10) : def;
    *seed = argc > 2 ? strtoull(argv[2], NULL, 10) : dseed;
}

#endif
