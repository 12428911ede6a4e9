/* Fisher's exact test of a 2x2 table.
 *
 * Hypergeometric weights are taken relative to the mode, w(mode) = 1, and
 * built from exact ratios of consecutive terms. Weights far from the mode
 * leave the double range (a p of 1e-303 is a sum of subnormal terms, each
 * with few significant bits), so a weight walked out to the observed table
 * carries its own binary exponent (xnum below), and every tail is summed
 * relative to its first, largest term, where nothing underflows. The
 * two-sided p, p_less and p_greater and their logs then keep full relative
 * precision at any size: about sqrt(k) rounding errors for a walk of k
 * steps (1e-14 at 10,000 units per arm). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/error.h"
#include "internal/gammafn.h"

/* ln 2 split so that e * LN2_HI is exact for |e| < 2^20. */
#define LN2_HI 0.693147180369123816490
#define LN2_LO 1.90821492927058770002e-10

/* Walks longer than this (cells far beyond 10^6) use lgamma in log space. */
#define MAX_WALK 4194304.0

/* m * 2^e; m in [0.5, 1) after x_norm, or 0. */
typedef struct {
    double m;
    long e;
} xnum;

static void x_norm(xnum *x)
{
    int e;
    x->m = frexp(x->m, &e);
    x->e += e;
}

static void x_mul(xnum *x, double r)
{
    x->m *= r;
    if (!(x->m >= 0x1p-500 && x->m <= 0x1p500))
        x_norm(x);
}

static xnum x_add(xnum x, xnum y)
{
    x_norm(&x);
    x_norm(&y);
    if (y.m == 0)
        return x;
    if (x.m == 0 || y.e > x.e) {
        xnum t = x;
        x = y;
        y = t;
    }
    if (x.e - y.e < 1100)
        x.m += ldexp(y.m, (int)(y.e - x.e));
    x_norm(&x);
    return x;
}

static double x_log(xnum x)
{
    if (x.m == 0)
        return -INFINITY;
    return log(x.m) + (double)x.e * LN2_HI + (double)x.e * LN2_LO;
}

static double x_double(xnum x)
{
    if (x.m == 0 || x.e < -1100)
        return 0;
    return ldexp(x.m, (int)x.e);
}

/* The table's margins and support [lo, hi]. */
typedef struct {
    double r1, r2, c1, lo, hi;
} hyper;

/* w(k+1) / w(k) and w(k-1) / w(k). */
static double up(const hyper *h, double k)
{
    return (h->r1 - k) * (h->c1 - k) / ((k + 1) * (h->r2 - h->c1 + k + 1));
}

static double down(const hyper *h, double k)
{
    return k * (h->r2 - h->c1 + k) / ((h->r1 - k + 1) * (h->c1 - k + 1));
}

static double step_ratio(const hyper *h, double k, double dir)
{
    return dir > 0 ? up(h, k) : down(h, k);
}

/* Sum of w(j) / w(k) for j from k outward in direction dir (away from the
 * mode, so terms decrease) until they no longer count. */
static double tail_rel(const hyper *h, double k, double dir)
{
    double sum = 0, w = 1;
    for (double j = k; j >= h->lo && j <= h->hi; j += dir) {
        if (j != k)
            w *= step_ratio(h, j - dir, dir);
        sum += w;
        if (w < 1e-17 * sum)
            break;
    }
    return sum;
}

/* log P(X = k), for the walks beyond MAX_WALK only (a few digits lost). */
static double hyper_logpmf(const hyper *h, double k)
{
    double n = h->r1 + h->r2;
    return patron__lgamma(h->r1 + 1) - patron__lgamma(k + 1) - patron__lgamma(h->r1 - k + 1) +
           patron__lgamma(h->r2 + 1) - patron__lgamma(h->c1 - k + 1) - patron__lgamma(h->r2 - h->c1 + k + 1) -
           (patron__lgamma(n + 1) - patron__lgamma(h->c1 + 1) - patron__lgamma(n - h->c1 + 1));
}

/* log-space sum of P(j) from k outward in direction dir. */
static double log_tail(const hyper *h, double k, double dir)
{
    double acc = -INFINITY;
    for (double j = k; j >= h->lo && j <= h->hi; j += dir) {
        double l = hyper_logpmf(h, j);
        acc = patron__logaddexp(acc, l);
        if (l < acc - 40)
            break;
    }
    return acc;
}

/* Cells so large that the walk from the mode would take millions of steps:
 * lgamma log-pmf, bisection for the mirror tail (the law is unimodal). */
static void fisher_huge(patron_abtest_fisher_result *r, const hyper *h, double a, double mode)
{
    double dir = a < mode ? -1 : 1;
    double lobs = hyper_logpmf(h, a), lcut = lobs + log1p(1e-7);
    double lone = log_tail(h, a, dir), acc = lone;
    double in = mode, outer = dir < 0 ? h->hi : h->lo;
    if (hyper_logpmf(h, outer) <= lcut) {
        while (fabs(outer - in) > 1) {
            double mid = floor((in + outer) / 2);
            if (hyper_logpmf(h, mid) <= lcut)
                outer = mid;
            else
                in = mid;
        }
        acc = patron__logaddexp(acc, log_tail(h, outer, -dir));
    }
    r->log_p_two_sided = acc > 0 ? 0 : acc;
    r->p_two_sided = exp(r->log_p_two_sided);
    double lsmall = lone > 0 ? 0 : lone;
    if (dir < 0) {
        r->log_p_less = lsmall;
        r->log_p_greater = 0;
    } else {
        r->log_p_greater = lsmall;
        r->log_p_less = 0;
    }
    r->p_less = exp(r->log_p_less);
    r->p_greater = exp(r->log_p_greater);
}

static void fisher_walk(patron_abtest_fisher_result *r, const hyper *h, double a, double mode)
{
    /* Normaliser: sum of w over the support, w(mode) = 1. */
    double t_up = tail_rel(h, mode, 1), t_down = mode > h->lo ? down(h, mode) * tail_rel(h, mode - 1, -1) : 0;
    double total = t_up + t_down;
    if (a == mode) {
        r->p_two_sided = 1;
        r->p_less = (1 + t_down) / total;
        r->p_greater = t_up / total;
        r->log_p_two_sided = 0;
        r->log_p_less = log(r->p_less);
        r->log_p_greater = log(r->p_greater);
        return;
    }
    double dir = a < mode ? -1 : 1;
    xnum wobs = {1, 0};
    for (double k = mode; k != a; k += dir)
        x_mul(&wobs, step_ratio(h, k, dir));
    /* One-sided: the tail beyond a on its side, and 1 minus it on the other. */
    double robs = tail_rel(h, a, dir);
    xnum small = wobs;
    x_mul(&small, robs / total);
    double lsmall = x_log(small);
    double big = -x_double(wobs) * (robs - 1) / total;
    double lbig = log1p(big);
    if (lsmall > 0)
        lsmall = 0;
    if (dir < 0) {
        r->log_p_less = lsmall;
        r->log_p_greater = lbig;
    } else {
        r->log_p_greater = lsmall;
        r->log_p_less = lbig;
    }
    r->p_less = exp(r->log_p_less);
    r->p_greater = exp(r->log_p_greater);
    /* Two-sided: every k with w(k) <= w(a) (1 + 1e-7), R's tolerance for ties. */
    const double tie = 1 + 1e-7;
    if (x_log(wobs) + log(tie) >= 0) {
        r->p_two_sided = 1;
        r->log_p_two_sided = 0;
        return;
    }
    double rtie = 0, w = 1;
    for (double k = a - dir; k != mode; k -= dir) { /* ties between a and the mode */
        w *= step_ratio(h, k + dir, -dir);
        if (w > tie)
            break;
        rtie += w;
    }
    xnum two = wobs;
    x_mul(&two, (robs + rtie) / total);
    /* Mirror side: first k past the mode with w(k) <= w(a) (1 + 1e-7). */
    double lcut = x_log(wobs) + log(tie);
    xnum wk = {1, 0};
    for (double k = mode; k - dir >= h->lo && k - dir <= h->hi; k -= dir) {
        x_mul(&wk, step_ratio(h, k, -dir));
        if (x_log(wk) <= lcut) {
            x_mul(&wk, tail_rel(h, k - dir, -dir) / total);
            two = x_add(two, wk);
            break;
        }
    }
    r->log_p_two_sided = x_log(two);
    if (r->log_p_two_sided > 0)
        r->log_p_two_sided = 0;
    r->p_two_sided = exp(r->log_p_two_sided);
}

int patron_abtest_fisher(patron_abtest_fisher_result *out, const int64_t table[4], double alpha)
{
    static const char fn[] = "patron_abtest_fisher";
    /* Callers built before log_p_less was appended pass the shorter size. */
    int rc = patron__ab_check_out(out, offsetof(patron_abtest_fisher_result, log_p_less), fn);
    if (rc || (rc = patron__ab_check_alpha(alpha, fn)) || (rc = patron__ab_check_table(fn, table)))
        return rc;
    patron_abtest_fisher_result r;
    memset(&r, 0, sizeof r);
    double a = (double)table[0], b = (double)table[1], c = (double)table[2], d = (double)table[3];
    double ad = a * d, bc = b * c;
    r.odds_ratio = bc > 0 ? ad / bc : (ad > 0 ? INFINITY : NAN);
    hyper h = {a + b, c + d, a + c, 0, 0};
    double n = h.r1 + h.r2;
    h.lo = h.c1 - h.r2 > 0 ? h.c1 - h.r2 : 0;
    h.hi = h.r1 < h.c1 ? h.r1 : h.c1;
    if (h.lo == h.hi) {
        r.p_two_sided = r.p_less = r.p_greater = 1;
    } else {
        double mode = floor((h.r1 + 1) * (h.c1 + 1) / (n + 2));
        if (mode < h.lo)
            mode = h.lo;
        if (mode > h.hi)
            mode = h.hi;
        if (fabs(a - mode) > MAX_WALK)
            fisher_huge(&r, &h, a, mode);
        else
            fisher_walk(&r, &h, a, mode);
    }
    r.significant = r.p_two_sided <= alpha;
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}
