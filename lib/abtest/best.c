/* Bayesian "probability to be best" over k arms and the expected loss of
 * choosing each arm, for beta-binomial and normal posteriors, by adaptive
 * Gauss-Kronrod quadrature of one-dimensional integrals (no Monte Carlo).
 *
 * With independent posteriors of densities f_k and cdfs F_k,
 *   P(k best)   = int f_k(x) prod_{j != k} F_j(x) dx,
 *   E[max] - m_i = sum_k (m_k - m_i) P(k best) + sum_k C_k,
 *   C_k         = int (x - m_k) f_k(x) prod_{j != k} F_j(x) dx,
 * because E[theta_k 1(k best)] = m_k P(k best) + C_k. C_k is integrated as
 * written, so the loss never comes from subtracting two large numbers. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/alloc.h"
#include "internal/dist.h"
#include "internal/error.h"

#define BEST_MAX_INTERVALS 4000
#define BEST_TOL 1e-13

typedef struct arms {
    size_t k;
    int beta;                          /* 1: Beta(a, b) posteriors; 0: normal */
    double a[PATRON_ABTEST_MAX_ARMS];  /* Beta a, or the normal mean */
    double b[PATRON_ABTEST_MAX_ARMS];  /* Beta b, or the normal sd */
    double m[PATRON_ABTEST_MAX_ARMS];  /* posterior mean */
    double s[PATRON_ABTEST_MAX_ARMS];  /* posterior sd */
    int smooth;                        /* beta with a parameter < 1: x = u^2 (3 - 2u) removes x^-1/2 end points */
} arms;

/* Components per interval: for each arm N_k (mass of the unnormalised
 * density: it normalises f_k, so the large log-beta constant never enters),
 * P_k and C_k. */
#define NCOMP(k) (3 * (k))

/* Evaluate every component at one point u of the integration variable
 * (x = u, or x = u^2 (3 - 2u) with dx = 6 u (1 - u) du), times weight w. */
static void eval_at(const arms *A, double u, double w, double *acc)
{
    size_t k = A->k;
    double x = u, y = 1 - u, jac = 1;
    if (A->smooth) {
        x = u * u * (3 - 2 * u);
        double v = 1 - u;
        y = v * v * (3 - 2 * v);
        jac = 6 * u * v;
    }
    double f[PATRON_ABTEST_MAX_ARMS], F[PATRON_ABTEST_MAX_ARMS];
    for (size_t j = 0; j < k; j++) {
        if (A->beta) {
            if (!(x > 0) || !(y > 0)) {
                f[j] = 0;
                F[j] = x > 0.5 ? 1 : 0;
                continue;
            }
            /* density relative to its value at the mean m: the logs of
             * x / m and y / (1 - m) are taken by log1p near m */
            double mj = A->m[j], m1 = A->b[j] / (A->a[j] + A->b[j]);
            double d = x - mj;
            double lx = fabs(d) < 0.5 * mj ? log1p(d / mj) : log(x / mj);
            double ly = fabs(d) < 0.5 * m1 ? log1p(-d / m1) : log(y / m1);
            f[j] = exp((A->a[j] - 1) * lx + (A->b[j] - 1) * ly);
            F[j] = patron__incbeta(A->a[j], A->b[j], x, y, 0, NULL);
        } else {
            double z = (x - A->a[j]) / A->b[j];
            f[j] = exp(-0.5 * z * z);
            F[j] = patron__norm_cdf(z);
        }
    }
    /* products of all F but one, by prefix and suffix products (no division) */
    double pre[PATRON_ABTEST_MAX_ARMS + 1], suf[PATRON_ABTEST_MAX_ARMS + 1];
    pre[0] = 1;
    suf[k] = 1;
    for (size_t j = 0; j < k; j++)
        pre[j + 1] = pre[j] * F[j];
    for (size_t j = k; j-- > 0;)
        suf[j] = suf[j + 1] * F[j];
    w *= jac;
    for (size_t j = 0; j < k; j++) {
        double g = w * f[j];
        double q = g * pre[j] * suf[j + 1];
        acc[3 * j] += g;
        acc[3 * j + 1] += q;
        acc[3 * j + 2] += (x - A->m[j]) * q;
    }
}

/* Gauss-Kronrod 7-15 nodes and weights on [-1, 1]. */
static const double xk[8] = {0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                             0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                             0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                             0.207784955007898467600689403773245, 0.000000000000000000000000000000000};
static const double wk[8] = {0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                             0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                             0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                             0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
static const double wg[4] = {0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                             0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

/* Kronrod estimate into res; returns the largest |Kronrod - Gauss| of the
 * components, each relative to its scale. */
static double gk15(const arms *A, double lo, double hi, double *res, double *gauss)
{
    size_t nc = NCOMP(A->k);
    double c = 0.5 * (lo + hi), h = 0.5 * (hi - lo);
    memset(res, 0, nc * sizeof *res);
    memset(gauss, 0, nc * sizeof *gauss);
    double tmp[NCOMP(PATRON_ABTEST_MAX_ARMS)];
    for (int i = 0; i < 15; i++) {
        int j = i < 8 ? i : 14 - i;
        double u = i < 8 ? c - h * xk[j] : c + h * xk[j];
        if (i == 7)
            u = c;
        memset(tmp, 0, nc * sizeof *tmp);
        eval_at(A, u, 1, tmp);
        for (size_t q = 0; q < nc; q++)
            res[q] += wk[j] * h * tmp[q];
        if (j % 2 == 1)
            for (size_t q = 0; q < nc; q++)
                gauss[q] += wg[j / 2] * h * tmp[q];
    }
    double err = 0;
    for (size_t j = 0; j < A->k; j++) {
        /* C is of the order of the sd: compare it on that scale */
        /* f_j peaks near 1 at its mean, so N_j and P_j N_j are of the order
         * of the sd s_j and C_j N_j of s_j^2: errors relative to those */
        double e0 = fabs(res[3 * j] - gauss[3 * j]) / A->s[j];
        double e1 = fabs(res[3 * j + 1] - gauss[3 * j + 1]) / A->s[j];
        double e2 = fabs(res[3 * j + 2] - gauss[3 * j + 2]) / (A->s[j] * A->s[j]);
        double e = e0 > e1 ? e0 : e1;
        if (e2 > e)
            e = e2;
        if (e > err)
            err = e;
    }
    return err;
}

static int cmp_double(const void *p, const void *q)
{
    double a = *(const double *)p, b = *(const double *)q;
    return a < b ? -1 : a > b;
}

/* Integrate all components over the domain; tot receives the sums. */
static int integrate(const arms *A, double *tot, double *err_out)
{
    size_t nc = NCOMP(A->k), k = A->k;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t j = 0; j < k; j++) {
        double l = A->m[j] - 40 * A->s[j], h = A->m[j] + 40 * A->s[j];
        if (l < lo)
            lo = l;
        if (h > hi)
            hi = h;
    }
    if (A->beta) {
        lo = lo < 0 ? 0 : lo;
        hi = hi > 1 ? 1 : hi;
    }
    /* break points around every posterior so that no narrow one is missed */
    static const double at[] = {-12, -6, -3, -1, 0, 1, 3, 6, 12};
    double bp[PATRON_ABTEST_MAX_ARMS * 9 + 2];
    size_t nb = 0;
    bp[nb++] = lo;
    bp[nb++] = hi;
    for (size_t j = 0; j < k; j++)
        for (size_t q = 0; q < 9; q++) {
            double x = A->m[j] + at[q] * A->s[j];
            if (x > lo && x < hi)
                bp[nb++] = x;
        }
    qsort(bp, nb, sizeof *bp, cmp_double);
    if (A->smooth) /* to the variable u of x = u^2 (3 - 2u) */
        for (size_t q = 0; q < nb; q++)
            bp[q] = 0.5 - sin(asin(1 - 2 * bp[q]) / 3);
    double *iv = patron__reallocarray(NULL, BEST_MAX_INTERVALS, (4 + nc) * sizeof *iv);
    double *scratch = patron__reallocarray(NULL, 3 * nc, sizeof *scratch);
    if (!iv || !scratch) {
        patron__free(iv);
        patron__free(scratch);
        return patron__oom();
    }
    /* interval i: iv[i*stride] = lo, +1 = hi, +2 = error, +3 = error used to
     * pick the next interval to split (0 once splitting stopped helping:
     * the error there is rounding in the integrand, QUADPACK's roundoff
     * test), +4.. = components */
    size_t stride = 4 + nc, n = 0;
    memset(tot, 0, nc * sizeof *tot);
    double live = 0;
    for (size_t q = 0; q + 1 < nb; q++) {
        if (!(bp[q + 1] > bp[q]))
            continue;
        double *r = iv + n * stride;
        r[0] = bp[q];
        r[1] = bp[q + 1];
        r[2] = r[3] = gk15(A, r[0], r[1], r + 4, scratch);
        live += r[3];
        n++;
    }
    while (live > BEST_TOL && n + 1 < BEST_MAX_INTERVALS) {
        size_t worst = 0;
        for (size_t i = 1; i < n; i++)
            if (iv[i * stride + 3] > iv[worst * stride + 3])
                worst = i;
        double *r = iv + worst * stride, *r2 = iv + n * stride;
        double mid = 0.5 * (r[0] + r[1]);
        if (!(mid > r[0] && mid < r[1])) {
            live -= r[3];
            r[3] = 0;
            continue;
        }
        double *left = scratch + nc, *right = scratch + 2 * nc;
        double el = gk15(A, r[0], mid, left, scratch);
        double er = gk15(A, mid, r[1], right, scratch);
        /* halving an interval of a smooth integrand cuts the error by about
         * 2^-20; when it does not even halve it, the rest is rounding */
        int noise = el + er > 0.5 * r[2];
        live -= r[3];
        r2[0] = mid;
        r2[1] = r[1];
        r2[2] = er;
        r2[3] = noise ? 0 : er;
        memcpy(r2 + 4, right, nc * sizeof *right);
        r[1] = mid;
        r[2] = el;
        r[3] = noise ? 0 : el;
        memcpy(r + 4, left, nc * sizeof *left);
        live += r[3] + r2[3];
        n++;
    }
    /* sum the components over the final intervals */
    double err = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < nc; c++)
            tot[c] += iv[i * stride + 4 + c];
        err += iv[i * stride + 2];
    }
    *err_out = err;
    patron__free(iv);
    patron__free(scratch);
    return PATRON_OK;
}

static int solve(patron_abtest_best_result *out, const arms *A)
{
    double tot[NCOMP(PATRON_ABTEST_MAX_ARMS)], err = 0;
    int rc = integrate(A, tot, &err);
    if (rc)
        return rc;
    patron_abtest_best_result r;
    memset(&r, 0, sizeof r);
    size_t k = A->k;
    r.n_arms = (int64_t)k;
    double sum = 0, csum = 0;
    for (size_t j = 0; j < k; j++) {
        double norm = tot[3 * j];
        r.prob_best[j] = tot[3 * j + 1] / norm;
        csum += tot[3 * j + 2] / norm;
        sum += r.prob_best[j];
        r.posterior_mean[j] = A->m[j];
        r.posterior_sd[j] = A->s[j];
    }
    for (size_t i = 0; i < k; i++) {
        double l = csum;
        for (size_t j = 0; j < k; j++)
            l += (A->m[j] - A->m[i]) * r.prob_best[j];
        r.expected_loss[i] = l > 0 ? l : 0;
    }
    r.integration_error = err;
    r.prob_sum_deviation = sum - 1;
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}

int patron_abtest_best_proportions(patron_abtest_best_result *out, const int64_t *x, const int64_t *n, size_t n_arms,
                                   double prior_alpha, double prior_beta)
{
    static const char fn[] = "patron_abtest_best_proportions";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc)
        return rc;
    if (!x || !n)
        return patron__fail(PATRON_EINVAL, "%s: NULL array", fn);
    if (n_arms < 2 || n_arms > PATRON_ABTEST_MAX_ARMS)
        return patron__fail(PATRON_EINVAL, "%s: %zu arms, expected 2 to %d", fn, n_arms, PATRON_ABTEST_MAX_ARMS);
    if (!(prior_alpha > 0) || !(prior_beta > 0) || isinf(prior_alpha) || isinf(prior_beta))
        return patron__fail(PATRON_EINVAL, "%s: prior (%g, %g) must be finite and > 0", fn, prior_alpha, prior_beta);
    arms A;
    memset(&A, 0, sizeof A);
    A.k = n_arms;
    A.beta = 1;
    for (size_t i = 0; i < n_arms; i++) {
        if (n[i] < 0 || x[i] < 0 || x[i] > n[i] || n[i] > ((int64_t)1 << 50))
            return patron__fail(PATRON_EINVAL, "%s: arm %zu has x = %lld, n = %lld; expected 0 <= x <= n <= 2^50", fn,
                                i, (long long)x[i], (long long)n[i]);
        double a = (double)x[i] + prior_alpha, b = (double)(n[i] - x[i]) + prior_beta;
        A.a[i] = a;
        A.b[i] = b;
        A.m[i] = a / (a + b);
        A.s[i] = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
        if (a < 1 || b < 1)
            A.smooth = 1;
    }
    return solve(out, &A);
}

int patron_abtest_best_means(patron_abtest_best_result *out, const int64_t *n, const double *mean, const double *sd,
                             size_t n_arms)
{
    static const char fn[] = "patron_abtest_best_means";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc)
        return rc;
    if (!n || !mean || !sd)
        return patron__fail(PATRON_EINVAL, "%s: NULL array", fn);
    if (n_arms < 2 || n_arms > PATRON_ABTEST_MAX_ARMS)
        return patron__fail(PATRON_EINVAL, "%s: %zu arms, expected 2 to %d", fn, n_arms, PATRON_ABTEST_MAX_ARMS);
    arms A;
    memset(&A, 0, sizeof A);
    A.k = n_arms;
    double smax = 0;
    for (size_t i = 0; i < n_arms; i++) {
        if (n[i] < 1 || !isfinite(mean[i]) || !(sd[i] > 0) || isinf(sd[i]))
            return patron__fail(PATRON_EINVAL, "%s: arm %zu has n = %lld, mean = %g, sd = %g; expected n >= 1, a "
                                "finite mean and sd > 0", fn, i, (long long)n[i], mean[i], sd[i]);
        A.a[i] = A.m[i] = mean[i];
        A.b[i] = A.s[i] = sd[i] / sqrt((double)n[i]);
        if (A.s[i] > smax)
            smax = A.s[i];
    }
    /* posteriors so narrow against their spread that the integration grid
     * cannot place nodes between their means: refuse rather than guess */
    for (size_t i = 0; i < n_arms; i++)
        if (!(A.s[i] > 1e-12 * smax) || !(fabs(A.m[i]) < 1e12 * smax))
            return patron__fail(PATRON_EINVAL, "%s: arm %zu: posterior sd %g is too small beside the others' (%g) "
                                "or the mean %g (scale the metric)", fn, i, A.s[i], smax, A.m[i]);
    return solve(out, &A);
}
