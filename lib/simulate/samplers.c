/* Samplers on the xoshiro256** generator. Only correctly rounded IEEE
 * operations, sqrt and the deterministic log/exp of detmath.c are used, so
 * draws are bit-identical across platforms (see sim_internal.h). */
#include <math.h>

#include "internal/error.h"
#include "sim_internal.h"

PATRON_SIM_NO_CONTRACT

double patron__rng_exp1(patron_rng *g)
{
    return -patron__sim_log(patron__rng_u01_pos(g));
}

/* Marsaglia polar method; the second value of each pair is discarded so
 * that the generator state is the only state. */
double patron__rng_normal01(patron_rng *g)
{
    for (;;) {
        double u = 2.0 * patron__rng_u01(g) - 1.0;
        double v = 2.0 * patron__rng_u01(g) - 1.0;
        double s = u * u + v * v;
        if (s < 1.0 && s > 0.0)
            return u * sqrt(-2.0 * patron__sim_log(s) / s);
    }
}

/* Marsaglia & Tsang (2000), shape >= 1. */
static double gamma_mt(patron_rng *g, double shape)
{
    double d = shape - 1.0 / 3.0;
    double c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = patron__rng_normal01(g);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = patron__rng_u01_pos(g);
        double x2 = x * x;
        if (u < 1.0 - 0.0331 * (x2 * x2))
            return d * v;
        if (patron__sim_log(u) < 0.5 * x2 + d * (1.0 - v + patron__sim_log(v)))
            return d * v;
    }
}

double patron__rng_gamma1(patron_rng *g, double shape)
{
    if (shape >= 1.0)
        return gamma_mt(g, shape);
    /* Boost: Gamma(a) = Gamma(a + 1) * U^(1/a). */
    double y = gamma_mt(g, shape + 1.0);
    return y * patron__sim_exp(patron__sim_log(patron__rng_u01_pos(g)) / shape);
}

double patron__rng_log_gamma1(patron_rng *g, double shape)
{
    if (shape >= 1.0)
        return patron__sim_log(gamma_mt(g, shape));
    double y = gamma_mt(g, shape + 1.0);
    return patron__sim_log(y) + patron__sim_log(patron__rng_u01_pos(g)) / shape;
}

double patron__rng_beta(patron_rng *g, double a, double b)
{
    if (a >= 0.05 && b >= 0.05) {
        /* A Gamma(shape >= 0.05) draw underflows to 0 with probability below
         * 1e-15 (U^(1/shape) < 1e-308 needs U < 1e-15), so the plain ratio is
         * safe; in the (about 1e-30) case of both draws 0, the log-space
         * path below draws again. */
        double x = patron__rng_gamma1(g, a);
        double y = patron__rng_gamma1(g, b);
        if (x + y > 0.0)
            return x / (x + y);
    }
    /* Small shapes: gamma draws can underflow to 0, so work with their logs. */
    double lx = patron__rng_log_gamma1(g, a);
    double ly = patron__rng_log_gamma1(g, b);
    double m = lx > ly ? lx : ly;
    double ex = patron__sim_exp(lx - m), ey = patron__sim_exp(ly - m);
    return ex / (ex + ey);
}

double patron__rng_geometric(patron_rng *g, double p)
{
    if (p >= 1.0)
        return 1.0;
    if (p <= 0.0)
        return INFINITY;
    /* Inversion: 1 + floor(log U / log(1 - p)), U in (0, 1]. */
    double l = patron__sim_log1p(-p);
    return 1.0 + floor(patron__sim_log(patron__rng_u01_pos(g)) / l);
}

/* log(k!) for k >= 0: exact factorials to 22!, Stirling series above. */
static double log_factorial(double k)
{
    if (k <= 22.0) {
        double f = 1.0;
        for (double i = 2.0; i <= k; i += 1.0)
            f *= i;
        return patron__sim_log(f);
    }
    double x = k + 1.0, r = 1.0 / (x * x);
    double tail = (1.0 / 12 - r * (1.0 / 360 - r * (1.0 / 1260 - r * (1.0 / 1680)))) / x;
    return (x - 0.5) * patron__sim_log(x) - x + 0.91893853320467274178 + tail;
}

double patron__rng_poisson(patron_rng *g, double mean)
{
    if (mean <= 0.0)
        return 0.0;
    if (mean < 10.0) {
        /* Multiplication method: count uniforms until the product drops
         * to exp(-mean) or below. */
        double limit = patron__sim_exp(-mean), prod = patron__rng_u01_pos(g), k = 0.0;
        while (prod > limit) {
            k += 1.0;
            prod *= patron__rng_u01_pos(g);
        }
        return k;
    }
    /* Hormann (1993), PTRS: transformed rejection with squeeze. */
    double slam = sqrt(mean), loglam = patron__sim_log(mean);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2.0);
    double log_invalpha = patron__sim_log(invalpha);
    for (;;) {
        double u = patron__rng_u01(g) - 0.5;
        double v = patron__rng_u01(g);
        double us = 0.5 - fabs(u);
        if (!(us > 0.0))
            continue;
        double k = floor((2.0 * a / us + b) * u + mean + 0.43);
        if (us >= 0.07 && v <= vr)
            return k;
        if (k < 0.0 || (us < 0.013 && v > us))
            continue;
        if (patron__sim_log(v) + log_invalpha - patron__sim_log(a / (us * us) + b) <=
            -mean + k * loglam - log_factorial(k))
            return k;
    }
}

static int bad_param(const char *dist, const char *name, double v, const char *need)
{
    return patron__fail(PATRON_EINVAL, "%s %s must be %s, got %g", dist, name, need, v);
}

static int positive(double v)
{
    return v > 0.0 && v < INFINITY;
}

int patron_rng_draw(patron_rng *rng, int dist, double p1, double p2, double *out, size_t n)
{
    if (!rng)
        return patron__fail(PATRON_EINVAL, "rng is NULL");
    if (!out && n > 0)
        return patron__fail(PATRON_EINVAL, "out is NULL but n is %zu", n);
    switch (dist) {
    case PATRON_DIST_UNIFORM:
        if (!isfinite(p1))
            return bad_param("uniform", "lower bound", p1, "finite");
        if (!isfinite(p2) || !(p2 > p1) || !isfinite(p2 - p1))
            return bad_param("uniform", "upper bound", p2,
                             "finite and greater than the lower bound");
        for (size_t i = 0; i < n; i++) {
            double v = p1 + (p2 - p1) * patron__rng_u01(rng);
            out[i] = v < p2 ? v : nextafter(p2, p1); /* rounding can reach p2 */
        }
        return PATRON_OK;
    case PATRON_DIST_EXPONENTIAL:
        if (!positive(p1))
            return bad_param("exponential", "rate", p1, "a finite number > 0");
        for (size_t i = 0; i < n; i++)
            out[i] = patron__rng_exp1(rng) / p1;
        return PATRON_OK;
    case PATRON_DIST_GAMMA:
        if (!positive(p1))
            return bad_param("gamma", "shape", p1, "a finite number > 0");
        if (!positive(p2))
            return bad_param("gamma", "rate", p2, "a finite number > 0");
        for (size_t i = 0; i < n; i++)
            out[i] = patron__rng_gamma1(rng, p1) / p2;
        return PATRON_OK;
    case PATRON_DIST_BETA:
        if (!positive(p1))
            return bad_param("beta", "first shape", p1, "a finite number > 0");
        if (!positive(p2))
            return bad_param("beta", "second shape", p2, "a finite number > 0");
        for (size_t i = 0; i < n; i++)
            out[i] = patron__rng_beta(rng, p1, p2);
        return PATRON_OK;
    case PATRON_DIST_GEOMETRIC:
        if (!(p1 > 0.0 && p1 <= 1.0))
            return bad_param("geometric", "success probability", p1, "in (0, 1]");
        for (size_t i = 0; i < n; i++)
            out[i] = patron__rng_geometric(rng, p1);
        return PATRON_OK;
    case PATRON_DIST_POISSON:
        if (!(p1 >= 0.0 && p1 <= 1e15))
            return bad_param("poisson", "mean", p1, "in [0, 1e15]");
        for (size_t i = 0; i < n; i++)
            out[i] = patron__rng_poisson(rng, p1);
        return PATRON_OK;
    case PATRON_DIST_NORMAL:
        if (!isfinite(p1))
            return bad_param("normal", "mean", p1, "finite");
        if (!(p2 >= 0.0 && p2 < INFINITY))
            return bad_param("normal", "standard deviation", p2, "a finite number >= 0");
        for (size_t i = 0; i < n; i++)
            out[i] = p1 + p2 * patron__rng_normal01(rng);
        return PATRON_OK;
    }
    return patron__fail(PATRON_EINVAL, "unknown distribution %d", dist);
}
