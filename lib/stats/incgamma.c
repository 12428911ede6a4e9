/* Regularised incomplete gamma functions: the power series for P below
 * x < a + 1 and the Legendre continued fraction for Q above, with the
 * prefactor in log space. */
#include <float.h>
#include <math.h>

#include "internal/dist.h"
#include "internal/gammafn.h"

#define TINY 1e-300

/* sum_{n>=0} x^n / (a (a+1) ... (a+n)) */
static double gser(double a, double x)
{
    double ap = a, del = 1 / a, sum = del;
    for (int n = 0; n < 100000; n++) {
        ap += 1;
        del *= x / ap;
        sum += del;
        if (fabs(del) < fabs(sum) * 0.5 * DBL_EPSILON)
            break;
    }
    return sum;
}

/* Q(a,x) * Gamma(a) / (x^a e^-x) by modified Lentz. */
static double gcf(double a, double x)
{
    double b = x + 1 - a, c = 1 / TINY, d = 1 / b, h = d;
    for (int i = 1; i < 100000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < TINY)
            d = TINY;
        c = b + an / c;
        if (fabs(c) < TINY)
            c = TINY;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) <= 0.5 * DBL_EPSILON)
            break;
    }
    return h;
}

double patron__incgamma(double a, double x, int upper, double *logv)
{
    double r, lr;
    if (!(a > 0) || !(x >= 0)) {
        if (logv)
            *logv = NAN;
        return NAN;
    }
    if (x == 0) {
        if (logv)
            *logv = upper ? 0 : -INFINITY;
        return upper ? 1 : 0;
    }
    if (isinf(x)) {
        if (logv)
            *logv = upper ? -INFINITY : 0;
        return upper ? 0 : 1;
    }
    double lfront = a * log(x) - x - patron__lgamma(a);
    int series = x < a + 1;
    double ldirect = series ? lfront + log(gser(a, x)) : lfront + log(gcf(a, x));
    double direct = exp(ldirect);
    /* direct is P when series, else Q. */
    if (series == !upper) {
        r = direct;
        lr = ldirect;
    } else {
        r = 1 - direct;
        lr = direct < 0.5 ? log1p(-direct) : log(r);
        if (r < 0) {
            r = 0;
            lr = -INFINITY;
        }
    }
    if (logv)
        *logv = lr;
    return r;
}
