/* lgamma_r is POSIX-adjacent (glibc, musl, BSD, macOS) and, unlike lgamma,
 * reentrant. */
#define _DEFAULT_SOURCE
#include <math.h>

#include "internal/gammafn.h"

double patron__lgamma(double x)
{
    int sign;
    return lgamma_r(x, &sign);
}

/* Stirling-series remainder lgamma(x) - [(x-0.5)log x - x + log(2pi)/2],
 * accurate to double precision for x >= 10. */
static double stirling_tail(double x)
{
    double r = 1.0 / (x * x);
    return (1.0 / 12 - r * (1.0 / 360 - r * (1.0 / 1260 - r * (1.0 / 1680 - r / 1188)))) / x;
}

double patron__lbeta(double a, double b)
{
    if (!(a > 0) || !(b > 0))
        return NAN;
    double lo = a < b ? a : b, hi = a < b ? b : a;
    if (lo >= 10) {
        /* Both large: combine Stirling forms to avoid cancelling big terms. */
        double corr = stirling_tail(lo) + stirling_tail(hi) - stirling_tail(lo + hi);
        return -0.5 * log(hi) + 0.9189385332046727418 + corr + (lo - 0.5) * log(lo / (lo + hi)) +
               hi * log1p(-lo / (lo + hi));
    }
    if (hi >= 10) {
        /* One large: lgamma(hi) - lgamma(lo+hi) through Stirling tails. */
        double corr = stirling_tail(hi) - stirling_tail(lo + hi);
        return patron__lgamma(lo) + corr + lo - lo * log(lo + hi) +
               (hi - 0.5) * log1p(-lo / (lo + hi));
    }
    return patron__lgamma(lo) + patron__lgamma(hi) - patron__lgamma(lo + hi);
}

double patron__digamma(double x)
{
    if (!(x > 0) || isinf(x))
        return isinf(x) && x > 0 ? INFINITY : NAN;
    double acc = 0;
    while (x < 10) {
        acc -= 1.0 / x;
        x += 1;
    }
    double r = 1.0 / (x * x);
    /* psi(x) ~ log x - 1/(2x) - sum B_2k / (2k x^2k) */
    double series = r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r * (1.0 / 132 - r * 691.0 / 32760)))));
    return acc + log(x) - 0.5 / x - series;
}

double patron__trigamma(double x)
{
    if (!(x > 0) || isinf(x))
        return isinf(x) && x > 0 ? 0 : NAN;
    double acc = 0;
    while (x < 10) {
        acc += 1.0 / (x * x);
        x += 1;
    }
    double r = 1.0 / (x * x);
    /* psi'(x) ~ 1/x + 1/(2x^2) + sum B_2k / x^(2k+1) */
    double series = (1.0 / 6 - r * (1.0 / 30 - r * (1.0 / 42 - r * (1.0 / 30 - r * (5.0 / 66 - r * 691.0 / 2730))))) * r / x;
    return acc + 1.0 / x + 0.5 * r + series;
}

double patron__logaddexp(double a, double b)
{
    if (a == -INFINITY)
        return b;
    if (b == -INFINITY)
        return a;
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}
