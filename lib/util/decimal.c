/* Decimal text to the nearest double, correctly rounded.
 *
 * Fast path (Clinger): when the significant digits fit in 2^53 and the
 * decimal exponent is within +-22, both the digits and the power of ten are
 * exact doubles and one IEEE multiplication or division rounds correctly.
 *
 * Otherwise an approximation z (a few ulps off at most) is corrected with
 * exact integer arithmetic: the decimal value V = D * 10^e is compared with
 * the midpoints between z and its neighbours, (M * 2^p), both sides scaled
 * to integers, and z moves one ulp at a time until V lies between its two
 * midpoints (ties to the even neighbour). This is the idea of Clinger's
 * "AlgorithmR" with plain big-integer comparisons; it is slow (microseconds)
 * but only long or extreme literals take it.
 *
 * Digits past the 800th are replaced by one sticky digit: a midpoint between
 * two doubles has at most 767 significant digits, so digits that far out
 * can only decide on which side of a midpoint V lies, never whether it is on
 * one, and any non-zero tail gives the same answer as the digit 1. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "internal/decimal.h"

#define MAXDIG 800
#define LIMBS 200 /* 6400 bits: D * 10^310 * 2^1076 and 2^55 * 10^1125 * 2^971 both fit */

typedef struct big {
    uint32_t d[LIMBS];
    size_t n; /* limbs in use; d[n-1] != 0 unless n == 0 */
} big;

static void big_mul_add(big *x, uint32_t mul, uint32_t add)
{
    uint64_t carry = add;
    for (size_t i = 0; i < x->n; i++) {
        uint64_t t = (uint64_t)x->d[i] * mul + carry;
        x->d[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry && x->n < LIMBS)
        x->d[x->n++] = (uint32_t)carry;
}

static void big_mul_pow10(big *x, long e)
{
    for (; e >= 9; e -= 9)
        big_mul_add(x, 1000000000u, 0);
    static const uint32_t p10[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    if (e > 0)
        big_mul_add(x, p10[e], 0);
}

static void big_shl(big *x, long bits)
{
    if (x->n == 0 || bits <= 0)
        return;
    size_t words = (size_t)bits / 32;
    unsigned s = (unsigned)bits % 32;
    size_t n = x->n + words + 1;
    if (n > LIMBS)
        n = LIMBS; /* cannot happen within the documented ranges */
    for (size_t i = n; i-- > 0;) {
        uint64_t hi = i >= words && i - words < x->n ? x->d[i - words] : 0;
        uint64_t lo = s && i >= words + 1 && i - words - 1 < x->n ? x->d[i - words - 1] : 0;
        x->d[i] = (uint32_t)((hi << s) | (s ? lo >> (32 - s) : 0));
    }
    x->n = n;
    while (x->n && !x->d[x->n - 1])
        x->n--;
}

static int big_cmp(const big *a, const big *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (size_t i = a->n; i-- > 0;)
        if (a->d[i] != b->d[i])
            return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

static void big_set_u64(big *x, uint64_t v)
{
    x->n = 0;
    while (v) {
        x->d[x->n++] = (uint32_t)v;
        v >>= 32;
    }
}

/* A finite double >= 0 as m * 2^q, m an integer < 2^53. */
static void decompose(double z, uint64_t *m, int *q)
{
    uint64_t u;
    memcpy(&u, &z, sizeof u);
    int be = (int)((u >> 52) & 0x7ff);
    uint64_t frac = u & ((UINT64_C(1) << 52) - 1);
    if (be == 0) {
        *m = frac;
        *q = -1074;
    } else {
        *m = frac | (UINT64_C(1) << 52);
        *q = be - 1075;
    }
}

/* Sign of V - (a + b) / 2 for V = D * 10^e10 and adjacent doubles a < b
 * (b may be +infinity standing for 2^1024, the midpoint above DBL_MAX). */
static int cmp_midpoint(const big *D, long e10, double a, double b)
{
    uint64_t ma, mb;
    int qa, qb;
    decompose(a, &ma, &qa);
    if (isinf(b)) {
        mb = UINT64_C(1) << 52;
        qb = 972; /* 2^1024 */
    } else {
        decompose(b, &mb, &qb);
    }
    int q = qa < qb ? qa : qb;
    uint64_t M = (ma << (qa - q)) + (mb << (qb - q)); /* < 2^55: neighbours differ by <= one binade */
    long p = (long)q - 1;                              /* midpoint = M * 2^p */
    big left = *D, right;
    big_set_u64(&right, M);
    if (e10 > 0)
        big_mul_pow10(&left, e10);
    else
        big_mul_pow10(&right, -e10);
    if (p > 0)
        big_shl(&right, p);
    else
        big_shl(&left, -p);
    return big_cmp(&left, &right);
}

static int odd(double z)
{
    uint64_t u;
    memcpy(&u, &z, sizeof u);
    return (int)(u & 1);
}

double patron__decimal_to_double(const char *s, size_t n)
{
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    /* Significant digits (leading zeros dropped), the first 19 also as an
     * integer, and the decimal exponent of the last kept digit. */
    char dig[MAXDIG + 1];
    size_t nd = 0;
    int sticky = 0;
    long e10 = 0; /* value = digits * 10^e10 */
    size_t i = 0;
    for (int frac = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            frac = 1;
            continue;
        }
        if (c < '0' || c > '9')
            break;
        if (nd == 0 && c == '0') {
            e10 -= frac;
            continue;
        }
        if (nd < MAXDIG) {
            dig[nd++] = (char)(c - '0');
            e10 -= frac;
        } else {
            sticky |= c != '0';
            e10 += !frac;
        }
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int neg = 0;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            neg = s[i++] == '-';
        long e = 0;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (e < 100000000)
                e = e * 10 + (s[i] - '0');
        e10 += neg ? -e : e;
    }
    /* trailing zeros carry no information: fold them into the exponent */
    while (nd > 0 && dig[nd - 1] == 0 && !sticky) {
        nd--;
        e10++;
    }
    if (nd == 0)
        return 0.0;
    if (sticky) {
        dig[nd++] = 1;
        e10--;
    }
    long lead = e10 + (long)nd; /* 10^(lead-1) <= value < 10^lead */
    if (lead > 310)
        return HUGE_VAL;
    if (lead < -324)
        return 0.0;

    uint64_t mant = 0;
    size_t nm = nd < 19 ? nd : 19;
    for (size_t k = 0; k < nm; k++)
        mant = mant * 10 + (uint64_t)dig[k];
    if (nd <= 19 && mant <= (UINT64_C(1) << 53) && e10 >= -22 && e10 <= 22)
        return e10 < 0 ? (double)mant / p10[-e10] : (double)mant * p10[e10];

    /* Approximation from the first 19 digits, scaled step by step. */
    long ea = e10 + (long)(nd - nm);
    double z = (double)mant;
    while (ea > 22 && !isinf(z)) {
        z *= 1e22;
        ea -= 22;
    }
    while (ea < -22 && z != 0.0) {
        z /= 1e22;
        ea += 22;
    }
    if (!isinf(z) && z != 0.0)
        z = ea < 0 ? z / p10[-ea] : z * p10[ea];
    if (isinf(z))
        z = DBL_MAX;

    big D;
    D.n = 0;
    for (size_t k = 0; k < nd; k++) {
        if (D.n == 0)
            big_set_u64(&D, (uint64_t)dig[k]);
        else
            big_mul_add(&D, 10, (uint32_t)dig[k]);
    }
    for (;;) {
        double up = z == DBL_MAX ? HUGE_VAL : nextafter(z, HUGE_VAL);
        int c = cmp_midpoint(&D, e10, z, up);
        if (c > 0 || (c == 0 && odd(z))) {
            if (isinf(up))
                return HUGE_VAL;
            z = up;
            continue;
        }
        if (z == 0.0)
            return z;
        double down = nextafter(z, 0.0);
        c = cmp_midpoint(&D, e10, down, z);
        if (c < 0 || (c == 0 && odd(z))) {
            z = down;
            continue;
        }
        return z;
    }
}
