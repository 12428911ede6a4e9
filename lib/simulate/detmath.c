/* Deterministic log, exp and log1p for the simulator.
 *
 * The C library's log/exp differ between platforms in the last bit, which
 * would make "the same seed gives the same customers" platform-dependent.
 * These use only correctly rounded IEEE-754 operations and exact scalings
 * (frexp, ldexp, floor), so they return the same bits everywhere. They are
 * accurate to a few ulp, which is far below any statistical effect. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sim_internal.h"

PATRON_SIM_NO_CONTRACT

/* ln 2 split so that k * LN2_HI is exact for |k| < 2^20 (fdlibm's split). */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define INV_LN2 1.44269504088896338700e+00
#define SQRT1_2 0.70710678118654752440

double patron__sim_log(double x)
{
    if (x != x || x < 0)
        return NAN;
    if (x == 0)
        return -INFINITY;
    if (x == INFINITY)
        return x;
    /* x = m * 2^e with m in [sqrt(1/2), sqrt(2)), from the bits for normal
     * numbers (exact), through frexp for subnormals. */
    int e;
    double m;
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int biased = (int)(bits >> 52); /* sign bit is 0 here */
    if (biased > 0) {
        bits = (bits & UINT64_C(0x000FFFFFFFFFFFFF)) | UINT64_C(0x3FE0000000000000);
        memcpy(&m, &bits, sizeof m); /* [0.5, 1) */
        e = biased - 1022;
    } else {
        m = frexp(x, &e);
    }
    if (m < SQRT1_2) {
        m *= 2;
        e -= 1;
    }
    /* m in [sqrt(1/2), sqrt(2)): log m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172. */
    double f = m - 1.0; /* exact */
    double s = f / (2.0 + f);
    double z = s * s;
    double poly = 1.0 / 25;
    poly = 1.0 / 23 + z * poly;
    poly = 1.0 / 21 + z * poly;
    poly = 1.0 / 19 + z * poly;
    poly = 1.0 / 17 + z * poly;
    poly = 1.0 / 15 + z * poly;
    poly = 1.0 / 13 + z * poly;
    poly = 1.0 / 11 + z * poly;
    poly = 1.0 / 9 + z * poly;
    poly = 1.0 / 7 + z * poly;
    poly = 1.0 / 5 + z * poly;
    poly = 1.0 / 3 + z * poly;
    double two_s = 2.0 * s;
    double lm = two_s + two_s * (z * poly);
    double de = (double)e;
    return de * LN2_HI + (lm + de * LN2_LO);
}

double patron__sim_log1p(double x)
{
    if (x != x || x < -1)
        return NAN;
    if (x == -1)
        return -INFINITY;
    double u = 1.0 + x;
    if (u == 1.0)
        return x;
    if (u == INFINITY)
        return u;
    /* Goldberg: log(u) * x / (u - 1) cancels the rounding of 1 + x. */
    return patron__sim_log(u) * (x / (u - 1.0));
}

double patron__sim_exp(double x)
{
    if (x != x)
        return x;
    if (x > 709.782712893383973096)
        return INFINITY;
    if (x < -745.133219101941108420)
        return 0.0;
    double kd = floor(x * INV_LN2 + 0.5);
    double r = (x - kd * LN2_HI) - kd * LN2_LO; /* |r| <= ln2/2 (+tiny) */
    /* Taylor series to r^14/14!, below 1e-17 relative on this interval. */
    double p = 1.0 + r * (1.0 / 14);
    p = 1.0 + r * (1.0 / 13) * p;
    p = 1.0 + r * (1.0 / 12) * p;
    p = 1.0 + r * (1.0 / 11) * p;
    p = 1.0 + r * (1.0 / 10) * p;
    p = 1.0 + r * (1.0 / 9) * p;
    p = 1.0 + r * (1.0 / 8) * p;
    p = 1.0 + r * (1.0 / 7) * p;
    p = 1.0 + r * (1.0 / 6) * p;
    p = 1.0 + r * (1.0 / 5) * p;
    p = 1.0 + r * (1.0 / 4) * p;
    p = 1.0 + r * (1.0 / 3) * p;
    p = 1.0 + r * (1.0 / 2) * p;
    p = 1.0 + r * p;
    int k = (int)kd;
    if (k > -1022 && k < 1023) {
        /* 2^k built from its bits: exact, and cheaper than ldexp. */
        uint64_t bits = (uint64_t)(k + 1023) << 52;
        double scale;
        memcpy(&scale, &bits, sizeof scale);
        return p * scale;
    }
    return ldexp(p, k);
}
