/* Normal, Student t, chi-square and noncentral t distributions. Tails come
 * from erfc or the incomplete beta/gamma functions directly, never from
 * 1 - cdf, and in log space past the double range. */
#include <float.h>
#include <math.h>
#include <stddef.h>

#include "internal/dist.h"
#include "internal/gammafn.h"

#define LOG_SQRT_2PI 0.91893853320467274178032973640562
#define LN2 0.69314718055994530941723212145818
#define PI 3.14159265358979323846264338327950
#define SQRT1_2 0.70710678118654752440084436210485

double patron__norm_sf(double z)
{
    return 0.5 * erfc(z * SQRT1_2);
}

double patron__norm_cdf(double z)
{
    return 0.5 * erfc(-z * SQRT1_2);
}

double patron__norm_pdf(double z)
{
    return exp(-0.5 * z * z - LOG_SQRT_2PI);
}

/* Mills ratio P(Z > z) / phi(z) for z >= 30 by its continued fraction
 * 1/(z + 1/(z + 2/(z + 3/(z + ...)))). */
static double mills_large(double z)
{
    double r = z;
    for (int k = 60; k >= 1; k--)
        r = z + k / r;
    return 1 / r;
}

double patron__norm_logsf(double z)
{
    if (isnan(z))
        return NAN;
    if (z < 30) {
        if (z < -1)
            return log1p(-patron__norm_sf(-z));
        return log(patron__norm_sf(z));
    }
    if (isinf(z))
        return -INFINITY;
    return -0.5 * z * z - LOG_SQRT_2PI + log(mills_large(z));
}

double patron__norm_logcdf(double z)
{
    return patron__norm_logsf(-z);
}

/* phi(z) / P(Z > z) */
static double norm_hazard(double z)
{
    if (z >= 30)
        return 1 / mills_large(z);
    return exp(-0.5 * z * z - LOG_SQRT_2PI - patron__norm_logsf(z));
}

double patron__norm_isf(double q)
{
    if (isnan(q) || q < 0 || q > 1)
        return NAN;
    if (q == 0)
        return INFINITY;
    if (q == 1)
        return -INFINITY;
    if (q > 0.5)
        return -patron__norm_isf(1 - q); /* 1 - q is exact here */
    if (q == 0.5)
        return 0;
    /* Abramowitz & Stegun 26.2.23 start, then Newton on log P(Z > z). */
    double t = sqrt(-2 * log(q));
    double z = t - (2.515517 + t * (0.802853 + t * 0.010328)) /
                       (1 + t * (1.432788 + t * (0.189269 + t * 0.001308)));
    double lq = log(q);
    for (int i = 0; i < 100; i++) {
        double g = patron__norm_logsf(z) - lq;
        double dz = g / norm_hazard(z);
        z += dz;
        if (fabs(dz) <= 1e-16 * fabs(z) + 1e-300)
            break;
    }
    return z;
}

double patron__norm_ppf(double p)
{
    return -patron__norm_isf(p);
}

/* ---- Student t ---- */

/* Stirling remainder lgamma(x) - [(x-0.5)log x - x + log(2pi)/2], x >= 10. */
static double stirling_tail(double x)
{
    double r = 1.0 / (x * x);
    return (1.0 / 12 - r * (1.0 / 360 - r * (1.0 / 1260 - r * (1.0 / 1680 - r / 1188)))) / x;
}

/* s - expm1(s) without cancellation for small |s|: -sum_{k>=2} s^k / k!. */
static double s_minus_expm1(double s)
{
    if (fabs(s) > 0.05)
        return s - expm1(s);
    double term = s * s / 2, sum = 0;
    for (int k = 3; k < 30 && fabs(term) > 1e-20 * fabs(sum); k++) {
        sum += term;
        term *= s / k;
    }
    return -sum;
}

/* Upper tail for t >= 0 and large df by mixing the normal tail over the
 * chi-square: P(T > t) = E[Pbar(t sqrt(W))], W = V/df, V ~ chi2(df). With
 * s = log W the density is exp(x (s - expm1 s)) / N, x = df/2, and
 * log N = log(2pi)/2 - log(x)/2 + stirling_tail(x) (no cancellation). The
 * trapezoidal rule on this smooth, fast-decaying integrand is exponentially
 * accurate. The incomplete-beta fraction loses about df * eps here. */
static double t_sf_large(double t, double df, double *logv)
{
    double x = 0.5 * df;
    double s0 = -log1p(t * t / df);
    /* Near its peak s0 the log integrand is x (s - expm1 s) - t^2 e^s / 2 +
     * O(s), whose curvature there is x e^s0 + t^2 e^s0 / 2 = df / 2 for
     * every t: the peak's width is sqrt(2 / df). Steps of half a width over
     * 20 widths each way: the trapezoid error is ~ exp(-2 pi^2 (sd/h)^2). */
    double sd = sqrt(2 / df);
    double h = sd / 2;
    enum { n = 40 };
    double hmax = -INFINITY;
    double vals[2 * n + 1];
    for (int i = -n; i <= n; i++) {
        double sv = s0 + h * i;
        double v = x * s_minus_expm1(sv) + patron__norm_logsf(t * exp(0.5 * sv));
        vals[i + n] = v;
        if (v > hmax)
            hmax = v;
    }
    double sum = 0;
    for (int i = 0; i <= 2 * n; i++)
        sum += exp(vals[i] - hmax);
    double logn = LOG_SQRT_2PI - 0.5 * log(x) + stirling_tail(x);
    double lv = hmax + log(sum * h) - logn;
    if (logv)
        *logv = lv;
    return exp(lv);
}

#define T_LARGE_DF 2000.0

/* Upper tail for t >= 0 with its log: 0.5 * I_{df/(df+t^2)}(df/2, 1/2). */
static double t_sf_pos(double t, double df, double *logv)
{
    if (t > 1e100) {
        /* t^2 may overflow: with x = df / t^2 < 1e-190 the tail is
         * x^a / (a B(a, 1/2)) / 2 (1 + O(x)), a = df/2, to the last bit. */
        double a = 0.5 * df;
        double lv = a * (log(df) - 2 * log(t)) - log(a) - patron__lbeta(a, 0.5) - LN2;
        if (logv)
            *logv = lv;
        return exp(lv);
    }
    if (df > T_LARGE_DF)
        return t_sf_large(t, df, logv);
    double t2 = t * t;
    double x, y;
    if (t2 < df) {
        double r = t2 / df;
        x = 1 / (1 + r);
        y = r / (1 + r);
    } else {
        double r = df / t2;
        x = r / (1 + r);
        y = 1 / (1 + r);
    }
    double lv;
    double v = patron__incbeta(0.5 * df, 0.5, x, y, 0, &lv);
    if (logv)
        *logv = lv - LN2;
    return 0.5 * v;
}

/* Two-sided helper: 1 - 2 * P(T > |t|) = I_{t^2/(df+t^2)}(1/2, df/2). */
static double t_center(double t, double df)
{
    double t2 = t * t;
    double x, y;
    if (t2 < df) {
        double r = t2 / df;
        x = 1 / (1 + r);
        y = r / (1 + r);
    } else {
        double r = df / t2;
        x = r / (1 + r);
        y = 1 / (1 + r);
    }
    return patron__incbeta(0.5 * df, 0.5, x, y, 1, NULL);
}

double patron__t_sf(double t, double df)
{
    if (isnan(t) || !(df > 0))
        return NAN;
    if (isinf(t))
        return t > 0 ? 0 : 1;
    if (df > 1e300)
        return patron__norm_sf(t);
    if (t >= 0)
        return t_sf_pos(t, df, NULL);
    if (df > T_LARGE_DF)
        return 1 - t_sf_pos(-t, df, NULL);
    return 0.5 + 0.5 * t_center(t, df);
}

double patron__t_cdf(double t, double df)
{
    return patron__t_sf(-t, df);
}

double patron__t_logsf(double t, double df)
{
    if (isnan(t) || !(df > 0))
        return NAN;
    if (isinf(t))
        return t > 0 ? -INFINITY : 0;
    if (t >= 0) {
        double lv;
        t_sf_pos(t, df, &lv);
        return lv;
    }
    return log1p(-t_sf_pos(-t, df, NULL));
}

double patron__t_pdf(double t, double df)
{
    return exp(-0.5 * (df + 1) * log1p(t * t / df) - 0.5 * log(df) - patron__lbeta(0.5 * df, 0.5));
}

double patron__t_isf(double q, double df)
{
    if (isnan(q) || q < 0 || q > 1 || !(df > 0))
        return NAN;
    if (q == 0)
        return INFINITY;
    if (q == 1)
        return -INFINITY;
    if (q > 0.5)
        return -patron__t_isf(1 - q, df);
    if (q == 0.5)
        return 0;
    /* Start from the normal quantile with the first Cornish-Fisher terms,
     * then Newton on log P(T > t). */
    double z = patron__norm_isf(q);
    double t = z + (z * z * z + z) / (4 * df) +
               (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * df * df);
    if (!(t > 0) || !isfinite(t) || df < 3)
        t = z > 0 ? z : 1;
    if (df == 1)
        t = tan(PI * (0.5 - q));
    else if (df == 2)
        t = (1 - 2 * q) * sqrt(2 / (4 * q * (1 - q)));
    double lq = log(q), prev = INFINITY;
    for (int i = 0; i < 100; i++) {
        double ls = patron__t_logsf(t, df);
        double h = exp(log(patron__t_pdf(t, df)) - ls);
        double dt = (ls - lq) / h;
        double tn = t + dt;
        if (tn <= 0)
            tn = 0.5 * t;
        dt = tn - t;
        /* Stop at convergence, or when the step stops shrinking (the tail
         * itself is only accurate to a few ulps). */
        if (fabs(dt) >= prev && i > 8)
            break;
        t = tn;
        prev = fabs(dt);
        if (fabs(dt) <= 2e-15 * fabs(t))
            break;
    }
    return t;
}

/* ---- chi-square ---- */

double patron__chi2_sf(double x, double df)
{
    if (isnan(x) || !(df > 0))
        return NAN;
    if (x <= 0)
        return 1;
    if (df == 1)
        return erfc(sqrt(0.5 * x));
    if (df == 2)
        return exp(-0.5 * x);
    return patron__incgamma(0.5 * df, 0.5 * x, 1, NULL);
}

double patron__chi2_logsf(double x, double df)
{
    if (isnan(x) || !(df > 0))
        return NAN;
    if (x <= 0)
        return 0;
    if (df == 1)
        return LN2 + patron__norm_logsf(sqrt(x));
    if (df == 2)
        return -0.5 * x;
    double lv;
    patron__incgamma(0.5 * df, 0.5 * x, 1, &lv);
    return lv;
}

/* ---- noncentral t (Lenth 1989, AS 243) ---- */

double patron__nct_cdf(double t, double df, double delta)
{
    if (isnan(t) || isnan(delta) || !(df > 0))
        return NAN;
    int neg = t < 0;
    double tt = neg ? -t : t, del = neg ? -delta : delta;
    double x = tt * tt / (tt * tt + df);
    double tnc = 0;
    if (x > 0) {
        double lambda = del * del;
        double p = 0.5 * exp(-0.5 * lambda);
        double q = sqrt(2 / PI) * p * del;
        double s = 0.5 - p;
        double a = 0.5, b = 0.5 * df;
        double y = df / (tt * tt + df);
        double rxb = pow(y, b);
        double albeta = patron__lbeta(a, b);
        double xodd = patron__incbeta(a, b, x, y, 0, NULL);
        double godd = 2 * rxb * exp(a * log(x) - albeta);
        double xeven = 1 - rxb;
        double geven = b * x * rxb;
        tnc = p * xodd + q * xeven;
        for (double en = 1; en <= 5000; en += 1) {
            a += 1;
            xodd -= godd;
            xeven -= geven;
            godd *= x * (a + b - 1) / a;
            geven *= x * (a + b - 0.5) / (a + 0.5);
            p *= lambda / (2 * en);
            q *= lambda / (2 * en + 1);
            s -= p;
            tnc += p * xodd + q * xeven;
            double errbd = 2 * s * (xodd - godd);
            if (fabs(errbd) < 1e-16 && en > 2)
                break;
        }
    }
    tnc += patron__norm_sf(del);
    if (neg)
        tnc = 1 - tnc;
    if (tnc > 1)
        tnc = 1;
    if (tnc < 0)
        tnc = 0;
    return tnc;
}
