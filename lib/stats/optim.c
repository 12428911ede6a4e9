/* BFGS quasi-Newton minimisation with a strong-Wolfe line search
 * (Nocedal & Wright, Numerical Optimization, 2nd ed., algorithms 3.5, 3.6
 * and 6.1). Written for small, smooth problems (maximum-likelihood fits on
 * log-parameters): dense inverse-Hessian update, cubic interpolation in the
 * zoom phase, and a curvature safeguard that skips updates with s'y <= 0. */
#include <math.h>
#include <string.h>

#include "internal/optim.h"

#define N_MAX PATRON__OPTIM_MAX_N

typedef struct ls_ctx {
    patron__optim_fn fn;
    void *ctx;
    int n;
    const double *x0;
    const double *d;
    double *xt; /* trial point */
    double *gt; /* gradient at trial point */
    int nfev;
} ls_ctx;

static double dot(const double *a, const double *b, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static double maxabs(const double *a, int n)
{
    double m = 0;
    for (int i = 0; i < n; i++) {
        double v = fabs(a[i]);
        if (!(v <= m))
            m = v; /* NaN propagates */
    }
    return m;
}

/* phi(alpha) = f(x0 + alpha d); *dphi = g(x0 + alpha d) . d */
static double phi(ls_ctx *c, double alpha, double *dphi)
{
    for (int i = 0; i < c->n; i++)
        c->xt[i] = c->x0[i] + alpha * c->d[i];
    c->nfev++;
    double f = c->fn(c->ctx, c->xt, c->gt);
    if (!isfinite(f)) {
        *dphi = NAN;
        return INFINITY;
    }
    for (int i = 0; i < c->n; i++)
        if (!isfinite(c->gt[i])) {
            *dphi = NAN;
            return INFINITY;
        }
    *dphi = dot(c->gt, c->d, c->n);
    return f;
}

/* Minimiser of the cubic through (a, fa, da), (b, fb, db); NaN if none. */
static double cubic_min(double a, double fa, double da, double b, double fb, double db)
{
    double d1 = da + db - 3 * (fa - fb) / (a - b);
    double disc = d1 * d1 - da * db;
    if (!(disc >= 0))
        return NAN;
    double d2 = sqrt(disc);
    if (b < a)
        d2 = -d2;
    double denom = db - da + 2 * d2;
    if (denom == 0)
        return NAN;
    return b - (b - a) * (db + d2 - d1) / denom;
}

/* Strong Wolfe line search. Returns the accepted step (> 0) with xt/gt set
 * to the accepted point and *fout its value, or 0 when no acceptable step
 * was found (xt/gt then hold the best decreasing point if any: *fout < f0). */
static double line_search(ls_ctx *c, double f0, double dphi0, double alpha1, double *fout)
{
    const double c1 = 1e-4, c2 = 0.9;
    double a_prev = 0, f_prev = f0, d_prev = dphi0;
    double a = alpha1;
    double best_a = 0, best_f = f0;
    double lo = 0, flo = f0, dlo = dphi0, hi = 0, fhi = 0, dhi = 0;
    int zoom = 0;
    for (int it = 0; it < 40; it++) {
        double da;
        double fa = phi(c, a, &da);
        if (fa < best_f) {
            best_f = fa;
            best_a = a;
        }
        if (!isfinite(fa)) {
            /* undefined: shrink towards the last good point */
            hi = a;
            fhi = INFINITY;
            dhi = NAN;
            lo = a_prev;
            flo = f_prev;
            dlo = d_prev;
            zoom = 1;
            break;
        }
        if (fa > f0 + c1 * a * dphi0 || (it > 0 && fa >= f_prev)) {
            lo = a_prev;
            flo = f_prev;
            dlo = d_prev;
            hi = a;
            fhi = fa;
            dhi = da;
            zoom = 1;
            break;
        }
        if (fabs(da) <= -c2 * dphi0) {
            *fout = fa;
            return a;
        }
        if (da >= 0) {
            lo = a;
            flo = fa;
            dlo = da;
            hi = a_prev;
            fhi = f_prev;
            dhi = d_prev;
            zoom = 1;
            break;
        }
        a_prev = a;
        f_prev = fa;
        d_prev = da;
        a *= 2;
    }
    if (zoom) {
        for (int it = 0; it < 60; it++) {
            double left = lo < hi ? lo : hi, right = lo < hi ? hi : lo;
            double width = right - left;
            if (width <= 1e-16 * (right > 1 ? right : 1))
                break;
            double aj = NAN;
            if (isfinite(fhi) && isfinite(dhi))
                aj = cubic_min(lo, flo, dlo, hi, fhi, dhi);
            if (!(aj > left + 0.1 * width && aj < right - 0.1 * width))
                aj = isfinite(fhi) ? 0.5 * (lo + hi) : lo + 0.25 * (hi - lo);
            double dj;
            double fj = phi(c, aj, &dj);
            if (fj < best_f) {
                best_f = fj;
                best_a = aj;
            }
            if (!isfinite(fj) || fj > f0 + c1 * aj * dphi0 || fj >= flo) {
                hi = aj;
                fhi = fj;
                dhi = dj;
            } else {
                if (fabs(dj) <= -c2 * dphi0) {
                    *fout = fj;
                    return aj;
                }
                if (dj * (hi - lo) >= 0) {
                    hi = lo;
                    fhi = flo;
                    dhi = dlo;
                }
                lo = aj;
                flo = fj;
                dlo = dj;
            }
        }
    }
    /* No Wolfe point: fall back to the best decreasing point (Armijo may
     * still hold); the caller treats a non-decrease as a stall. */
    if (best_a > 0 && best_f < f0) {
        double dd;
        *fout = phi(c, best_a, &dd);
        return *fout < f0 ? best_a : 0;
    }
    *fout = f0;
    return 0;
}

void patron__bfgs(patron__optim_fn fn, void *ctx, int n, double *x,
                  const patron__optim_opts *opts, patron__optim_result *res)
{
    patron__bfgs_from(fn, ctx, n, x, opts, NULL, res);
}

void patron__bfgs_from(patron__optim_fn fn, void *ctx, int n, double *x,
                       const patron__optim_opts *opts, const double *hinv0,
                       patron__optim_result *res)
{
    double H[N_MAX * N_MAX], g[N_MAX], d[N_MAX], xt[N_MAX], gt[N_MAX], s[N_MAX], y[N_MAX],
        Hy[N_MAX];
    int max_iter = opts->max_iter > 0 ? opts->max_iter : 500;
    memset(res, 0, sizeof *res);
    double f = fn(ctx, x, g);
    res->nfev = 1;
    if (!isfinite(f) || !isfinite(maxabs(g, n))) {
        res->f = f;
        res->gnorm = NAN;
        res->status = PATRON__OPTIM_NONFINITE;
        return;
    }
    memset(H, 0, sizeof H);
    for (int i = 0; i < n; i++)
        H[i * n + i] = 1;
    int first = 1, stalls = 0;
    if (hinv0) { /* a metric known to fit: full Newton-like steps from the start */
        memcpy(H, hinv0, (size_t)(n * n) * sizeof *H);
        first = 0;
    }
    res->status = PATRON__OPTIM_MAXITER;
    int it;
    for (it = 0; it < max_iter; it++) {
        double gn = maxabs(g, n);
        if (gn <= opts->gtol) {
            res->status = PATRON__OPTIM_CONVERGED;
            break;
        }
        if (opts->xbound > 0 && maxabs(x, n) > opts->xbound) {
            res->status = PATRON__OPTIM_BOUNDARY;
            break;
        }
        for (int i = 0; i < n; i++) {
            d[i] = 0;
            for (int j = 0; j < n; j++)
                d[i] -= H[i * n + j] * g[j];
        }
        double dphi0 = dot(g, d, n);
        if (!(dphi0 < 0)) {
            /* not a descent direction: restart from steepest descent */
            memset(H, 0, sizeof H);
            for (int i = 0; i < n; i++) {
                H[i * n + i] = 1;
                d[i] = -g[i];
            }
            dphi0 = -dot(g, g, n);
            first = 1;
        }
        /* The decrease the quadratic model predicts, -dphi0 / 2, is below
         * the rounding noise of f (a sum over up to millions of rows): no
         * line search can tell the points apart any more, and searching
         * would cost up to 100 evaluations per attempt for nothing. */
        if (!first && -dphi0 <= 1e-14 * fabs(f)) {
            res->status = PATRON__OPTIM_STALLED;
            break;
        }
        double alpha1 = 1;
        if (first) {
            /* first step: at most unit length in the parameter space */
            double dn = maxabs(d, n);
            alpha1 = dn > 1 ? 1 / dn : 1;
        }
        ls_ctx lc = {fn, ctx, n, x, d, xt, gt, 0};
        double fnew;
        double a = line_search(&lc, f, dphi0, alpha1, &fnew);
        res->nfev += lc.nfev;
        if (a == 0) {
            if (!first && stalls == 0) {
                /* retry once along steepest descent with a fresh metric */
                stalls++;
                memset(H, 0, sizeof H);
                for (int i = 0; i < n; i++)
                    H[i * n + i] = 1;
                first = 1;
                continue;
            }
            res->status = PATRON__OPTIM_STALLED;
            break;
        }
        stalls = 0;
        for (int i = 0; i < n; i++) {
            s[i] = a * d[i];
            y[i] = gt[i] - g[i];
            x[i] = xt[i];
            g[i] = gt[i];
        }
        f = fnew;
        double sy = dot(s, y, n);
        if (sy > 1e-300) {
            if (first) {
                /* scale the initial metric (N&W eq. 6.20) */
                double yy = dot(y, y, n);
                double sc = sy / yy;
                for (int i = 0; i < n * n; i++)
                    H[i] *= sc;
                first = 0;
            }
            for (int i = 0; i < n; i++) {
                Hy[i] = 0;
                for (int j = 0; j < n; j++)
                    Hy[i] += H[i * n + j] * y[j];
            }
            double yHy = dot(y, Hy, n);
            double rho = 1 / sy;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    H[i * n + j] += rho * ((1 + rho * yHy) * s[i] * s[j] - Hy[i] * s[j] -
                                           s[i] * Hy[j]);
        }
    }
    res->iterations = it;
    res->f = f;
    res->gnorm = maxabs(g, n);
    if (res->status == PATRON__OPTIM_MAXITER && res->gnorm <= opts->gtol)
        res->status = PATRON__OPTIM_CONVERGED;
}
