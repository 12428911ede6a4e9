/* Predictions of the buy-till-you-die models. Batch functions validate the
 * rows, compute each distinct (x, t_x, T) once and scatter the results.
 *
 * The BG/NBD-family expectations need 1 - 2F1(A, B; C; w) with w = -t/(alpha
 * + T) <= 0. After Pfaff's transformation the prefactor ((alpha + T)/(alpha +
 * T + t))^(r + x) of the usual formula cancels exactly, which is what keeps
 * x = 1000 finite: the series is summed directly (with B divided out, so no
 * cancellation) when |w| <= 1/2, and in log-space in the transformed variable
 * z = -w / (1 - w) in [1/3, 1) otherwise. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clv_eval.h"
#include "clv_impl.h"
#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/gammafn.h"
#include "internal/hyp2f1.h"
#include "internal/options.h"

#define HYP_TERMS 5000000L

/* (1 - 2F1(A, B; C; w)) / B for w <= 0, A, C > 0, C - B > 0, any B. */
static int h1mf(double A, double B, double C, double w, double *out)
{
    if (w == 0) {
        *out = 0;
        return 0;
    }
    if (w >= -0.5) {
        double u = A / C * w, s = u;
        for (long k = 1; k < 100000; k++) {
            u *= (A + k) * (B + k) / ((C + k) * (k + 1)) * w;
            s += u;
            if (fabs(u) <= 1e-17 * fabs(s) && k > 2)
                break;
        }
        *out = -s;
        return isfinite(s) ? 0 : -1;
    }
    double z = -w / (1 - w), lf;
    if (patron__hyp2f1_log(A, C - B, C, z, HYP_TERMS, &lf, NULL))
        return -1;
    lf -= A * log1p(-w);
    if (B == 0)
        return -1;
    *out = -expm1(lf) / B;
    return isfinite(*out) ? 0 : -1;
}

/* The direct series of h1mf for |w| <= 1/2 is -sum_k d_k w^(k+1) with
 * d_0 = A/C, d_k = d_(k-1) (A+k)(B+k)/((C+k)(k+1)); the d_k depend on the
 * row's x only (A = r + x, C = a + b + x + e - 1), so a batch tabulates
 * them once per x (H1_TERMS of them, enough for |w| <= 1/2 to 1e-17 unless
 * the coefficients grow, when the recurrence carries on) and a row costs a
 * multiply-add per term instead of a division. */
#define H1_TERMS 64
#define H1_MAX_X 1024 /* frequencies tabulated: 0 .. H1_MAX_X - 1 */

static void h1_fill(double *d, double A, double B, double C)
{
    d[0] = A / C;
    for (long k = 1; k < H1_TERMS; k++)
        d[k] = d[k - 1] * ((A + k) * (B + k) / ((C + k) * (k + 1)));
}

static int h1mf_tab(const double *d, double A, double B, double C, double w, double *out)
{
    if (!d || w < -0.5 || w == 0)
        return h1mf(A, B, C, w, out);
    double wk = w, s = 0, u = 0;
    long k;
    for (k = 0; k < H1_TERMS; k++) {
        u = d[k] * wk;
        s += u;
        if (fabs(u) <= 1e-17 * fabs(s) && k > 2) {
            *out = -s;
            return isfinite(s) ? 0 : -1;
        }
        wk *= w;
    }
    for (; k < 100000; k++) { /* not converged in the table: the recurrence goes on */
        u *= (A + k) * (B + k) / ((C + k) * (k + 1)) * w;
        s += u;
        if (fabs(u) <= 1e-17 * fabs(s))
            break;
    }
    *out = -s;
    return isfinite(s) ? 0 : -1;
}

static int range_fail(const char *what, double t)
{
    return patron__fail(PATRON_ERANGE,
                        "%s: the hypergeometric series does not converge for horizon %.6g "
                        "(far beyond the time scale of the parameters)", what, t);
}

/* ---- BG/NBD (e = 0) and MBG/NBD (e = 1) ---- */

static double bg_palive(const double *p, int e, double x, double tx, double T)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    if (x + e == 0)
        return 1.0;
    double lr = log(a / (b + x + e - 1)) + (r + x) * (log(al + T) - log(al + tx));
    if (lr > 0) {
        double q = exp(-lr);
        return q / (1 + q);
    }
    return 1 / (1 + exp(lr));
}

static int bg_ex(const double *p, int e, double t, double *out)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double C = a + b + e - 1, h;
    if (h1mf(r, a - 1, C, -t / al, &h))
        return -1;
    *out = (e ? b : C) * h;
    return 0;
}

/* log NB pmf: Gamma(r+j)/(Gamma(r) j!) p^r q^j */
static double lnb(double r, double lp, double lq, double j)
{
    return patron__lgamma(r + j) - patron__lgamma(r) - patron__lgamma(j + 1) + r * lp + j * lq;
}

static double bg_pmf(const double *p, int e, double t, double k)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double lp = log(al / (al + t)), lq = log(t / (al + t));
    double lbab = patron__lbeta(a, b);
    double res = t == 0 ? (k == 0 ? exp(patron__lbeta(a, b + e) - lbab) : 0)
                        : exp(patron__lbeta(a, b + k + e) - lbab + lnb(r, lp, lq, k));
    if (k + e > 0) {
        double tail;
        if (t == 0) {
            tail = k == 0 ? 1 : 0;
        } else {
            double head = 0;
            for (double j = 0; j < k; j++) {
                head += exp(lnb(r, lp, lq, j));
                if (head > 0.5)
                    break;
            }
            if (head <= 0.5) {
                head = 0;
                for (double j = 0; j < k; j++)
                    head += exp(lnb(r, lp, lq, j));
                tail = 1 - head;
            } else {
                tail = 0;
                double lj = lnb(r, lp, lq, k), term = exp(lj);
                for (double j = k; j < k + 1e7; j++) {
                    tail += term;
                    double ratio = (r + j) / (j + 1) * exp(lq);
                    term *= ratio;
                    if (ratio < 1 && term * ratio / (1 - ratio) <= 1e-17 * tail)
                        break;
                }
            }
            if (tail < 0)
                tail = 0;
        }
        res += exp(patron__lbeta(a + 1, b + k + e - 1) - lbab) * tail;
    }
    return res;
}

/* ---- Pareto/NBD ---- */

/* t1 = -(r+x) log(alpha+T) - s log(beta+T), t2 = log(s/(r+s+x) A0). */
static int pnbd_terms(const double *p, double x, double tx, double T, double *t1, double *t2)
{
    double r = p[0], al = p[1], s = p[2], be = p[3];
    *t1 = -(r + x) * log(al + T) - s * log(be + T);
    *t2 = -INFINITY;
    if (tx >= T)
        return 0;
    int amax = al >= be;
    double m = amax ? al : be, diff = fabs(al - be);
    double a1 = r + s + x, b1 = amax ? s + 1 : r + x, F1, F2;
    if (patron__hyp2f1_c1_log(a1, b1, diff / (m + tx), HYP_TERMS, &F1, NULL) ||
        patron__hyp2f1_c1_log(a1, b1, diff / (m + T), HYP_TERMS, &F2, NULL))
        return -1;
    double l1 = F1 - a1 * log(m + tx), l2 = F2 - a1 * log(m + T);
    double q = exp(l2 - l1);
    if (q < 1)
        *t2 = log(s) - log(a1) + l1 + log1p(-q);
    return 0;
}

static int pnbd_palive(const double *p, double x, double tx, double T, double *out)
{
    double t1, t2;
    if (pnbd_terms(p, x, tx, T, &t1, &t2))
        return -1;
    if (t2 == -INFINITY) {
        *out = 1;
        return 0;
    }
    /* 1 / (1 + exp(t2 - t1)) */
    double d = t2 - t1;
    if (d > 0) {
        double q = exp(-d);
        *out = q / (1 + q);
    } else {
        *out = 1 / (1 + exp(d));
    }
    return 0;
}

/* (1 - (1 + u)^-(c)) / c, with the limit log(1 + u) at c = 0. */
static double g_pow(double c, double u)
{
    double L = log1p(u);
    if (c == 0)
        return L;
    return -expm1(-c * L) / c;
}

static double pnbd_ce_given_alive(const double *p, double x, double T, double t)
{
    double r = p[0], al = p[1], s = p[2], be = p[3];
    return (r + x) / (al + T) * (be + T) * g_pow(s - 1, t / (be + T));
}

/* integral_0^inf exp(-z u) (1 + u)^-s du, by u = e^y - 1 and Simpson's rule. */
static double laplace_pow(double z, double s)
{
    double Y = 1;
    for (int i = 0; i < 30; i++) {
        double extra = s < 1 ? (1 - s) * Y : 0;
        double Yn = log1p((45 + extra) / z);
        if (fabs(Yn - Y) < 1e-6) {
            Y = Yn;
            break;
        }
        Y = Yn;
    }
    if (s > 1) /* slow algebraic decay before the exponential cut-off */
        Y = Y > 45 / (s - 1) ? 45 / (s - 1) + 1 : Y;
    long N = (long)ceil(Y / 0.01);
    if (N < 100)
        N = 100;
    if (N % 2)
        N++;
    double h = Y / (double)N, sum = 0;
    for (long i = 0; i <= N; i++) {
        double y = h * (double)i;
        double f = exp(-z * expm1(y) + (1 - s) * y);
        double wgt = (i == 0 || i == N) ? 1 : (i % 2 ? 4 : 2);
        sum += wgt * f;
    }
    return sum * h / 3;
}

/* P(X(t) = x) for Pareto/NBD. Given lambda and mu, the customer is either
 * alive at t (Poisson count) or died at tau < t (Poisson count up to tau);
 * averaging over the gammas gives
 *   P = NB_t(x) (beta/(beta+t))^s
 *     + integral_0^t s beta^s (beta+tau)^-(s+1) NB_tau(x) dtau,
 * NB_tau(x) = Gamma(r+x)/(Gamma(r) x!) (alpha/(alpha+tau))^r (tau/(alpha+tau))^x.
 * The integral is smooth on [0, t]: composite 8-point Gauss-Legendre on 256
 * panels, terms in log-space. */
static double pnbd_pmf(const double *p, double t, double x)
{
    static const double gx[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                                 0.9602898564975363};
    static const double gw[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745,
                                 0.1012285362903763};
    double r = p[0], al = p[1], s = p[2], be = p[3];
    if (t == 0)
        return x == 0 ? 1 : 0;
    double lc = patron__lgamma(r + x) - patron__lgamma(r) - patron__lgamma(x + 1);
    double res = exp(lc + r * log(al / (al + t)) + x * log(t / (al + t)) + s * log(be / (be + t)));
    const int panels = 256;
    double h = t / panels, acc = 0, ls = log(s) + s * log(be);
    for (int k = 0; k < panels; k++) {
        double mid = (k + 0.5) * h;
        for (int j = 0; j < 8; j++) {
            double tau = mid + (j < 4 ? -1 : 1) * gx[j & 3] * h / 2;
            double lf = ls - (s + 1) * log(be + tau) + lc + r * log(al / (al + tau)) +
                        (x > 0 ? x * log(tau / (al + tau)) : 0);
            acc += gw[j & 3] * exp(lf);
        }
    }
    return res + acc * h / 2;
}

/* ---- BG/BB ---- */

static double bgbb_logl(const double *p, double x, double tx, double n)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    double lbab = patron__lbeta(al, be), lbgd = patron__lbeta(ga, de);
    double M = patron__lbeta(al + x, be + n - x) - lbab + patron__lbeta(ga, de + n) - lbgd;
    double S = 1;
    double k = tx - x, m = tx;
    double lb1 = patron__lbeta(al + x, be + k), lb2 = patron__lbeta(ga + 1, de + m);
    for (double i = 0; i < n - tx; i++) {
        double li = lb1 - lbab + lb2 - lbgd;
        if (li > M) {
            S *= exp(M - li);
            M = li;
        }
        S += exp(li - M);
        lb1 += log((be + k) / (al + be + x + k));
        lb2 += log((de + m) / (ga + 1 + de + m));
        k += 1;
        m += 1;
    }
    return M + log(S);
}

/* lgamma(1 + delta + m) - lgamma(gamma + delta + m) */
static double bgbb_D(const double *p, double m)
{
    return patron__lgamma(1 + p[3] + m) - patron__lgamma(p[2] + p[3] + m);
}

/* P(alive at opportunity n + m | x, t_x, n) (Fader, Hardie & Shang 2010,
 * eq. A10 with n + m in the dropout term); the paper's P(alive) is m = 1. */
static double bgbb_palive_at(const double *p, double x, double tx, double n, double m)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    return exp(patron__lbeta(al + x, be + n - x) - patron__lbeta(al, be) +
               patron__lbeta(ga, de + n + m) - patron__lbeta(ga, de) - bgbb_logl(p, x, tx, n));
}

static double bgbb_palive(const double *p, double x, double tx, double n)
{
    return bgbb_palive_at(p, x, tx, n, 1);
}

static double bgbb_ce(const double *p, double x, double tx, double n, double ns)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    double lead = exp(patron__lbeta(al + x + 1, be + n - x) - patron__lbeta(al, be) -
                      bgbb_logl(p, x, tx, n));
    double D0 = bgbb_D(p, 0);
    double br = exp(bgbb_D(p, n) - D0) - exp(bgbb_D(p, n + ns) - D0);
    return lead * de / (ga - 1) * br;
}

static double bgbb_ex(const double *p, double n)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    return al / (al + be) * de / (ga - 1) * -expm1(bgbb_D(p, n) - bgbb_D(p, 0));
}

static double lchoose(double n, double k)
{
    return patron__lgamma(n + 1) - patron__lgamma(k + 1) - patron__lgamma(n - k + 1);
}

static double bgbb_pmf(const double *p, double n, double x)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    if (x > n)
        return 0;
    double lbab = patron__lbeta(al, be), lbgd = patron__lbeta(ga, de);
    double res = exp(lchoose(n, x) + patron__lbeta(al + x, be + n - x) - lbab +
                     patron__lbeta(ga, de + n) - lbgd);
    for (double i = x; i < n; i++)
        res += exp(lchoose(i, x) + patron__lbeta(al + x, be + i - x) - lbab +
                   patron__lbeta(ga + 1, de + i) - lbgd);
    return res;
}

static int bgbb_dert(const double *p, double x, double tx, double n, double d, double *out)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3], lf;
    if (patron__hyp2f1_log(1, de + n + 1, ga + de + n + 1, 1 / (1 + d), HYP_TERMS, &lf, NULL))
        return -1;
    *out = exp(patron__lbeta(al + x + 1, be + n - x) - patron__lbeta(al, be) +
               patron__lbeta(ga, de + n + 1) - patron__lbeta(ga, de) - log1p(d) + lf -
               bgbb_logl(p, x, tx, n));
    return 0;
}

/* ---- dispatch ---- */

static int check_tx_model(const patron_clv_params *params, const char *what)
{
    int rc = clv_params_check(params);
    if (rc)
        return rc;
    if (params->model == PATRON_CLV_GG)
        return patron__fail(PATRON_EINVAL, "%s needs a transaction model, not Gamma-Gamma", what);
    return PATRON_OK;
}

static int pa_one(const patron_clv_params *pp, double x, double tx, double T, double *out)
{
    const double *p = pp->p;
    switch (pp->model) {
    case PATRON_CLV_BGNBD:
        *out = bg_palive(p, 0, x, tx, T);
        return 0;
    case PATRON_CLV_MBGNBD:
        *out = bg_palive(p, 1, x, tx, T);
        return 0;
    case PATRON_CLV_PNBD:
        return pnbd_palive(p, x, tx, T, out);
    case PATRON_CLV_BGBB:
        *out = bgbb_palive(p, x, tx, T);
        return isfinite(*out) ? 0 : -1;
    default:
        return -1;
    }
}

/* CE of one distinct row; -1 when a series fails. `pa` is the row's
 * P(alive) from pa_one() for the models whose CE is P(alive) times the CE
 * of a living customer (computed once per row, however many horizons). */
static int ce_one(const patron_clv_params *pp, double x, double tx, double T, double t,
                  double pa, const double *h1, double *out)
{
    const double *p = pp->p;
    switch (pp->model) {
    case PATRON_CLV_BGNBD:
    case PATRON_CLV_MBGNBD: {
        int e = pp->model == PATRON_CLV_MBGNBD;
        double C = p[2] + p[3] + x + e - 1, h;
        if (h1mf_tab(h1, p[0] + x, p[2] - 1, C, -t / (p[1] + T), &h))
            return -1;
        *out = C * h * pa;
        return 0;
    }
    case PATRON_CLV_PNBD:
        *out = pa * pnbd_ce_given_alive(p, x, T, t);
        return 0;
    case PATRON_CLV_BGBB:
        *out = bgbb_ce(p, x, tx, T, t);
        return isfinite(*out) ? 0 : -1;
    default:
        return -1;
    }
}

static int ex_one(const patron_clv_params *pp, double t, double *out)
{
    const double *p = pp->p;
    switch (pp->model) {
    case PATRON_CLV_BGNBD:
        return bg_ex(p, 0, t, out);
    case PATRON_CLV_MBGNBD:
        return bg_ex(p, 1, t, out);
    case PATRON_CLV_PNBD:
        *out = p[0] * p[3] / p[1] * g_pow(p[2] - 1, t / p[3]);
        return 0;
    case PATRON_CLV_BGBB:
        *out = bgbb_ex(p, t);
        return isfinite(*out) ? 0 : -1;
    default:
        return -1;
    }
}

static int check_horizon(const patron_clv_params *params, double t, const char *what)
{
    if (!(t >= 0) || !isfinite(t))
        return patron__fail(PATRON_EINVAL, "%s: horizon %.17g must be finite and >= 0", what, t);
    if (params->model == PATRON_CLV_BGBB && t != floor(t))
        return patron__fail(PATRON_EINVAL, "%s: BG/BB horizon %.17g must be a whole number of "
                            "periods", what, t);
    return PATRON_OK;
}

/* Threads of a prediction call (validated options). */
static int predict_threads(const patron_clv_predict_options *opts, int32_t *threads)
{
    patron_clv_predict_options o = PATRON_CLV_PREDICT_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_clv_predict_options");
    if (rc)
        return rc;
    if (o.threads < 0)
        return patron__fail(PATRON_EINVAL, "threads is %d (must be >= 0; 0 = all cores)",
                            (int)o.threads);
    *threads = o.threads;
    return PATRON_OK;
}

/* Per-row predictions over fixed chunks of the distinct rows, on threads.
 * Each chunk records its first failing row; the lowest is reported, so the
 * message does not depend on the thread count either. */
typedef struct pred_job {
    const patron_clv_params *params, *spend;
    const clv_rows *R;
    double t, discount, ppm;
    int months;
    double *ce, *pa; /* outputs per distinct row (ce may be NULL) */
    const double *h1; /* BG/NBD-family series coefficients, H1_TERMS per x < h1_nx (or NULL) */
    size_t h1_nx;
    size_t *fail;    /* per chunk: first failing row, or SIZE_MAX */
    int *fail_ce;    /* per chunk: 1 when that row's CE failed, 0 when P(alive) */
} pred_job;

static void pred_chunk(void *vctx, size_t c, int tid)
{
    (void)tid;
    pred_job *j = vctx;
    const clv_rows *R = j->R;
    size_t j0 = c * CLV_CHUNK, j1 = j0 + CLV_CHUNK < R->n ? j0 + CLV_CHUNK : R->n;
    j->fail[c] = SIZE_MAX;
    for (size_t r = j0; r < j1; r++) {
        double x = R->x[r], tx = R->tx[r], T = R->T[r], pa;
        if (pa_one(j->params, x, tx, T, &pa)) {
            j->fail[c] = r;
            j->fail_ce[c] = 0;
            return;
        }
        j->pa[r] = pa;
        if (!j->ce)
            continue;
        const double *h1 = j->h1 && x < (double)j->h1_nx ? j->h1 + (size_t)x * H1_TERMS : NULL;
        if (j->months == 0) { /* one horizon */
            if (ce_one(j->params, x, tx, T, j->t, pa, h1, &j->ce[r])) {
                j->fail[c] = r;
                j->fail_ce[c] = 1;
                return;
            }
            continue;
        }
        double prev = 0, acc = 0, disc = 1; /* discounted monthly increments */
        for (int m = 1; m <= j->months; m++) {
            double ce;
            if (ce_one(j->params, x, tx, T, m * j->ppm, pa, h1, &ce)) {
                j->fail[c] = r;
                j->fail_ce[c] = 1;
                return;
            }
            disc /= 1 + j->discount;
            acc += (ce - prev) * disc;
            prev = ce;
        }
        j->ce[r] = acc;
    }
}

/* Run pred_chunk over R; on failure returns the row (and sets *ce_failed). */
static int pred_run(pred_job *j, int32_t threads, size_t *bad_row, int *ce_failed)
{
    size_t nchunks = (j->R->n + CLV_CHUNK - 1) / CLV_CHUNK, nc = nchunks ? nchunks : 1;
    const double *p = j->params->p;
    int bg = j->params->model == PATRON_CLV_BGNBD || j->params->model == PATRON_CLV_MBGNBD;
    double *h1 = NULL;
    size_t nx = 0;
    if (bg && j->ce && j->R->n) { /* the series coefficients of each frequency, once */
        nx = j->R->max_x + 1 < H1_MAX_X ? (size_t)j->R->max_x + 1 : H1_MAX_X;
        h1 = patron__malloc(nx * H1_TERMS * sizeof *h1);
        if (!h1)
            return patron__oom();
        int e = j->params->model == PATRON_CLV_MBGNBD;
        for (size_t x = 0; x < nx; x++)
            h1_fill(h1 + x * H1_TERMS, p[0] + (double)x, p[2] - 1,
                    p[2] + p[3] + (double)x + e - 1);
    }
    j->h1 = h1;
    j->h1_nx = nx;
    j->fail = patron__malloc(nc * sizeof *j->fail);
    j->fail_ce = patron__malloc(nc * sizeof *j->fail_ce);
    if (!j->fail || !j->fail_ce) {
        patron__free(j->fail);
        patron__free(j->fail_ce);
        patron__free(h1);
        return patron__oom();
    }
    clv_parallel(clv_threads(threads, nchunks), nchunks, pred_chunk, j);
    patron__free(h1);
    j->h1 = NULL;
    int rc = PATRON_OK;
    for (size_t c = 0; c < nchunks; c++)
        if (j->fail[c] != SIZE_MAX) {
            *bad_row = j->fail[c];
            *ce_failed = j->fail_ce[c];
            rc = PATRON_ERANGE;
            break;
        }
    patron__free(j->fail);
    patron__free(j->fail_ce);
    return rc;
}

int patron_clv_predict_with(double *expected, double *alive, const patron_clv_params *params,
                            const patron_clv_data *data, double t,
                            const patron_clv_predict_options *opts)
{
    const char *what = "expected purchases";
    if (!expected && !alive)
        return patron__fail(PATRON_EINVAL, "both outputs are NULL");
    int32_t threads = 1;
    int rc = predict_threads(opts, &threads);
    if (rc || (rc = check_tx_model(params, what)) ||
        (expected && (rc = check_horizon(params, t, what))))
        return rc;
    clv_rows R;
    if ((rc = clv_rows_build(&R, params->model, data, CLV_ROWS_MAP | CLV_ROWS_ANY_ORDER | CLV_ROWS_X0_ANY_TX)))
        return rc;
    size_t nn = R.n ? R.n : 1;
    double *v = patron__malloc(2 * nn * sizeof *v);
    if (!v) {
        clv_rows_free(&R);
        return patron__oom();
    }
    double *va = v + nn;
    pred_job job = {params, NULL, &R, t, 0, 0, 0, expected ? v : NULL, va, NULL, 0, NULL, NULL};
    size_t bad = 0;
    int ce_failed = 0;
    if ((rc = pred_run(&job, threads, &bad, &ce_failed))) {
        patron__free(v);
        if (rc == PATRON_ERANGE) {
            double x = R.x[bad], tx = R.tx[bad], T = R.T[bad];
            clv_rows_free(&R);
            return ce_failed ? range_fail(what, t)
                             : patron__fail(PATRON_ERANGE, "P(alive): series did not converge "
                                            "for row (x %.17g, t_x %.17g, T %.17g)", x, tx, T);
        }
        clv_rows_free(&R);
        return rc;
    }
    for (size_t i = 0; i < data->n; i++) {
        uint32_t u = R.map[i];
        if (expected)
            expected[i] = v[u];
        if (alive)
            alive[i] = va[u];
    }
    patron__free(v);
    clv_rows_free(&R);
    return PATRON_OK;
}

int patron_clv_predict(double *expected, double *alive, const patron_clv_params *params,
                       const patron_clv_data *data, double t)
{
    return patron_clv_predict_with(expected, alive, params, data, t, NULL);
}

int patron_clv_expected_purchases(double *out, const patron_clv_params *params,
                                  const patron_clv_data *data, double t)
{
    if (!out)
        return patron__fail(PATRON_EINVAL, "out is NULL");
    return patron_clv_predict(out, NULL, params, data, t);
}

int patron_clv_prob_alive(double *out, const patron_clv_params *params,
                          const patron_clv_data *data)
{
    if (!out)
        return patron__fail(PATRON_EINVAL, "out is NULL");
    return patron_clv_predict(NULL, out, params, data, 0);
}

int patron_clv_prob_alive_ahead(double *out, const patron_clv_params *params,
                                const patron_clv_data *data, double m)
{
    const char *what = "P(alive) ahead";
    if (!out)
        return patron__fail(PATRON_EINVAL, "out is NULL");
    int rc = check_tx_model(params, what);
    if (rc)
        return rc;
    if (params->model != PATRON_CLV_BGBB)
        return patron__fail(PATRON_EUNSUPPORTED, "%s is defined for BG/BB only (model %s)", what,
                            patron_clv_model_name(params->model));
    if (!(m >= 0) || m != floor(m) || m > 1e7)
        return patron__fail(PATRON_EINVAL, "%s: m %.17g must be a whole number of periods in "
                            "0..10000000", what, m);
    clv_rows R;
    if ((rc = clv_rows_build(&R, params->model, data, CLV_ROWS_MAP)))
        return rc;
    double *v = patron__malloc((R.n ? R.n : 1) * sizeof *v);
    if (!v) {
        clv_rows_free(&R);
        return patron__oom();
    }
    for (size_t j = 0; j < R.n; j++) {
        v[j] = bgbb_palive_at(params->p, R.x[j], R.tx[j], R.T[j], m);
        if (!isfinite(v[j])) {
            patron__free(v);
            clv_rows_free(&R);
            return patron__fail(PATRON_ERANGE, "%s: not computable for row (x %.17g, t_x %.17g, "
                                "n %.17g)", what, R.x[j], R.tx[j], R.T[j]);
        }
    }
    for (size_t i = 0; i < data->n; i++)
        out[i] = v[R.map[i]];
    patron__free(v);
    clv_rows_free(&R);
    return PATRON_OK;
}

int patron_clv_expected_purchases_new(double *out, const patron_clv_params *params,
                                      const double *t, size_t n)
{
    const char *what = "E[X(t)]";
    if (!out || (!t && n))
        return patron__fail(PATRON_EINVAL, "out or t is NULL");
    int rc = check_tx_model(params, what);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        if ((rc = check_horizon(params, t[i], what)))
            return patron__fail_prefix(rc, "t[%zu]: ", i);
    for (size_t i = 0; i < n; i++) {
        double v;
        if (ex_one(params, t[i], &v))
            return range_fail(what, t[i]);
        (void)v;
    }
    for (size_t i = 0; i < n; i++)
        ex_one(params, t[i], &out[i]);
    return PATRON_OK;
}

int patron_clv_prob_purchases(double *out, const patron_clv_params *params, const double *t,
                              const int64_t *k, size_t n)
{
    const char *what = "P(X(t) = k)";
    if (!out || ((!t || !k) && n))
        return patron__fail(PATRON_EINVAL, "out, t or k is NULL");
    int rc = check_tx_model(params, what);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if ((rc = check_horizon(params, t[i], what)))
            return patron__fail_prefix(rc, "t[%zu]: ", i);
        if (k[i] < 0 || k[i] > 10000000)
            return patron__fail(PATRON_EINVAL, "k[%zu] is %lld (must be 0..10,000,000)", i,
                                (long long)k[i]);
        if (params->model == PATRON_CLV_BGBB && t[i] > 1e7)
            return patron__fail(PATRON_EINVAL, "t[%zu] is %.17g: BG/BB supports at most "
                                "10,000,000 periods", i, t[i]);
    }
    for (size_t i = 0; i < n; i++) {
        double kk = (double)k[i];
        switch (params->model) {
        case PATRON_CLV_BGNBD:
            out[i] = bg_pmf(params->p, 0, t[i], kk);
            break;
        case PATRON_CLV_MBGNBD:
            out[i] = bg_pmf(params->p, 1, t[i], kk);
            break;
        case PATRON_CLV_PNBD:
            out[i] = pnbd_pmf(params->p, t[i], kk);
            break;
        default:
            out[i] = bgbb_pmf(params->p, t[i], kk);
            break;
        }
    }
    return PATRON_OK;
}

/* P(X(T, T + t) = k | x, t_x, T). A customer alive at T is, from then on,
 * a new customer of the same model with the posterior parameters (the
 * purchase rate or probability has seen x purchases in T, the dropout has
 * been survived so far), and a customer who has dropped out buys nothing:
 *   P = 1[k = 0] (1 - P(alive at T)) + P(alive at T) P'(X(t) = k),
 * with P' the unconditional pmf at
 *   BG/NBD     (r + x, alpha + T, a, b + x)       x dropout flips survived
 *   MBG/NBD    BG/NBD's (r + x, alpha + T, a, b + x + 1)   also the flip at 0,
 *              and no flip at the restart
 *   Pareto/NBD (r + x, alpha + T, s, beta + T)   (Fader & Hardie's note 028)
 *   BG/BB      (alpha + x, beta + n - x, gamma, delta + n), P(alive at n).
 * The mean of this pmf is the conditional expectation (ce_one). */
static int cond_pmf_one(const patron_clv_params *pp, double x, double tx, double T, double t,
                        double k, double *out)
{
    const double *p = pp->p;
    double q[4], pa;
    double v;
    switch (pp->model) {
    case PATRON_CLV_BGNBD:
    case PATRON_CLV_MBGNBD: {
        int e = pp->model == PATRON_CLV_MBGNBD;
        pa = bg_palive(p, e, x, tx, T);
        q[0] = p[0] + x;
        q[1] = p[1] + T;
        q[2] = p[2];
        q[3] = p[3] + x + e;
        v = bg_pmf(q, 0, t, k);
        break;
    }
    case PATRON_CLV_PNBD:
        if (pnbd_palive(p, x, tx, T, &pa))
            return -1;
        q[0] = p[0] + x;
        q[1] = p[1] + T;
        q[2] = p[2];
        q[3] = p[3] + T;
        v = pnbd_pmf(q, t, k);
        break;
    case PATRON_CLV_BGBB:
        pa = bgbb_palive_at(p, x, tx, T, 0);
        q[0] = p[0] + x;
        q[1] = p[1] + T - x;
        q[2] = p[2];
        q[3] = p[3] + T;
        v = bgbb_pmf(q, t, k);
        break;
    default:
        return -1;
    }
    *out = (k == 0 ? 1 - pa : 0) + pa * v;
    return isfinite(*out) ? 0 : -1;
}

int patron_clv_prob_purchases_conditional(double *out, const patron_clv_params *params,
                                          const patron_clv_data *data, double t, int64_t k)
{
    const char *what = "conditional P(X = k)";
    if (!out)
        return patron__fail(PATRON_EINVAL, "out is NULL");
    int rc = check_tx_model(params, what);
    if (rc || (rc = check_horizon(params, t, what)))
        return rc;
    if (k < 0 || k > 10000000)
        return patron__fail(PATRON_EINVAL, "%s: k is %lld (must be 0..10,000,000)", what,
                            (long long)k);
    if (params->model == PATRON_CLV_BGBB && t > 1e7)
        return patron__fail(PATRON_EINVAL, "%s: t is %.17g: BG/BB supports at most 10,000,000 "
                            "periods", what, t);
    clv_rows R;
    if ((rc = clv_rows_build(&R, params->model, data, CLV_ROWS_MAP | CLV_ROWS_X0_ANY_TX)))
        return rc;
    double *v = patron__malloc((R.n ? R.n : 1) * sizeof *v);
    if (!v) {
        clv_rows_free(&R);
        return patron__oom();
    }
    for (size_t j = 0; j < R.n; j++)
        if (cond_pmf_one(params, R.x[j], R.tx[j], R.T[j], t, (double)k, &v[j])) {
            patron__free(v);
            clv_rows_free(&R);
            return patron__fail(PATRON_ERANGE, "%s: not computable for row (x %.17g, t_x %.17g, "
                                "T %.17g)", what, R.x[j], R.tx[j], R.T[j]);
        }
    for (size_t i = 0; i < data->n; i++)
        out[i] = v[R.map[i]];
    patron__free(v);
    clv_rows_free(&R);
    return PATRON_OK;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b ? 1 : 0;
}

int patron_clv_expected_cohort(double *out, const patron_clv_params *params, const double *birth,
                               const double *weights, size_t n, const double *h, size_t n_h)
{
    const char *what = "cohort expectation";
    if (!out || ((!birth) && n) || (!h && n_h))
        return patron__fail(PATRON_EINVAL, "out, birth or h is NULL");
    int rc = check_tx_model(params, what);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(birth[i]))
            return patron__fail(PATRON_EINVAL, "birth[%zu] is %.17g (must be finite)", i,
                                birth[i]);
        if (weights && (!(weights[i] >= 0) || !isfinite(weights[i])))
            return patron__fail(PATRON_EINVAL, "weights[%zu] is %.17g (must be finite, >= 0)",
                                i, weights[i]);
    }
    for (size_t j = 0; j < n_h; j++)
        if (!isfinite(h[j]))
            return patron__fail(PATRON_EINVAL, "h[%zu] is %.17g (must be finite)", j, h[j]);
    /* distinct birth times with summed weights */
    double *pair = patron__malloc((n ? n : 1) * 2 * sizeof *pair);
    double *tmp = patron__malloc((n_h ? n_h : 1) * sizeof *tmp);
    if (!pair || !tmp) {
        patron__free(pair);
        patron__free(tmp);
        return patron__oom();
    }
    for (size_t i = 0; i < n; i++) {
        pair[2 * i] = birth[i];
        pair[2 * i + 1] = weights ? weights[i] : 1;
    }
    qsort(pair, n, 2 * sizeof *pair, cmp_double);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (u && pair[2 * (u - 1)] == pair[2 * i]) {
            pair[2 * (u - 1) + 1] += pair[2 * i + 1];
        } else {
            pair[2 * u] = pair[2 * i];
            pair[2 * u + 1] = pair[2 * i + 1];
            u++;
        }
    }
    for (size_t j = 0; j < n_h; j++) {
        double s = 0;
        for (size_t i = 0; i < u; i++) {
            double age = h[j] - pair[2 * i];
            if (!(age > 0))
                continue;
            if (params->model == PATRON_CLV_BGBB)
                age = floor(age);
            double v;
            if (ex_one(params, age, &v)) {
                patron__free(pair);
                patron__free(tmp);
                return range_fail(what, age);
            }
            s += pair[2 * i + 1] * v;
        }
        tmp[j] = s;
    }
    memcpy(out, tmp, n_h * sizeof *out);
    patron__free(pair);
    patron__free(tmp);
    return PATRON_OK;
}

int patron_clv_expected_spend(double *out, const patron_clv_params *params,
                              const patron_clv_data *data)
{
    if (!out)
        return patron__fail(PATRON_EINVAL, "out is NULL");
    int rc = clv_params_check(params);
    if (rc)
        return rc;
    if (params->model != PATRON_CLV_GG)
        return patron__fail(PATRON_EINVAL, "expected spend needs Gamma-Gamma parameters");
    double p = params->p[0], q = params->p[1], g = params->p[2];
    if (!(q > 1))
        return patron__fail(PATRON_EINVAL, "Gamma-Gamma q is %.17g: the mean spend is infinite "
                            "unless q > 1", q);
    if (!data || !data->frequency || (!data->monetary && data->n))
        return patron__fail(PATRON_EINVAL, "data, frequency or monetary is NULL");
    for (size_t i = 0; i < data->n; i++) {
        double x = data->frequency[i], m = data->monetary[i];
        if (!(x >= 0) || !isfinite(x))
            return patron__fail(PATRON_EINVAL, "row %zu: frequency is %.17g (must be >= 0)", i,
                                x);
        if (x > 0 && (!(m >= 0) || !isfinite(m)))
            return patron__fail(PATRON_EINVAL, "row %zu: monetary is %.17g (must be >= 0)", i,
                                m);
    }
    for (size_t i = 0; i < data->n; i++) {
        double x = data->frequency[i], m = x > 0 ? data->monetary[i] : 0;
        out[i] = (g * p + p * x * m) / (p * x + q - 1);
    }
    return PATRON_OK;
}

int patron_clv_lifetime_value_with(double *out, const patron_clv_params *tx,
                                   const patron_clv_params *spend, const patron_clv_data *data,
                                   int months, double discount, double periods_per_month,
                                   const patron_clv_predict_options *opts)
{
    const char *what = "lifetime value";
    if (!out)
        return patron__fail(PATRON_EINVAL, "out is NULL");
    int32_t threads = 1;
    int rc = predict_threads(opts, &threads);
    if (rc || (rc = check_tx_model(tx, what)))
        return rc;
    if (tx->model == PATRON_CLV_BGBB)
        return patron__fail(PATRON_EINVAL, "%s: monthly discounting needs a continuous-time "
                            "model (use patron_clv_dert for BG/BB)", what);
    if (months < 1 || months > 1200)
        return patron__fail(PATRON_EINVAL, "%s: months is %d (must be 1..1200)", what, months);
    if (!(discount >= 0) || !isfinite(discount))
        return patron__fail(PATRON_EINVAL, "%s: discount is %.17g (must be >= 0)", what,
                            discount);
    if (!(periods_per_month > 0) || !isfinite(periods_per_month))
        return patron__fail(PATRON_EINVAL, "%s: periods_per_month is %.17g (must be > 0)", what,
                            periods_per_month);
    if (!data || (!data->monetary && data->n))
        return patron__fail(PATRON_EINVAL, "%s: data or data->monetary is NULL", what);
    for (size_t i = 0; i < data->n; i++) {
        double m = data->monetary[i];
        if (!isfinite(m) || (!spend && m < 0))
            return patron__fail(PATRON_EINVAL, "row %zu: monetary is %.17g", i, m);
    }
    clv_rows R;
    if ((rc = clv_rows_build(&R, tx->model, data, CLV_ROWS_MAP | CLV_ROWS_ANY_ORDER | CLV_ROWS_X0_ANY_TX)))
        return rc;
    double *v = patron__malloc((R.n ? R.n : 1) * 2 * sizeof *v);
    double *sp = spend ? patron__malloc((data->n ? data->n : 1) * sizeof *sp) : NULL;
    if (!v || (spend && !sp)) {
        patron__free(v);
        patron__free(sp);
        clv_rows_free(&R);
        return patron__oom();
    }
    if (spend && (rc = patron_clv_expected_spend(sp, spend, data))) {
        patron__free(v);
        patron__free(sp);
        clv_rows_free(&R);
        return rc;
    }
    pred_job job = {tx, spend, &R, 0, discount, periods_per_month, months, v,
                    v + (R.n ? R.n : 1), NULL, 0, NULL, NULL};
    size_t bad = 0;
    int ce_failed = 0;
    if ((rc = pred_run(&job, threads, &bad, &ce_failed))) {
        if (rc == PATRON_ERANGE)
            rc = ce_failed ? range_fail(what, months * periods_per_month)
                           : patron__fail(PATRON_ERANGE, "%s: P(alive) not computable for row "
                                          "(x %.17g, t_x %.17g, T %.17g)", what, R.x[bad],
                                          R.tx[bad], R.T[bad]);
        patron__free(v);
        patron__free(sp);
        clv_rows_free(&R);
        return rc;
    }
    for (size_t i = 0; i < data->n; i++)
        out[i] = v[R.map[i]] * (spend ? sp[i] : data->monetary[i]);
    patron__free(v);
    patron__free(sp);
    clv_rows_free(&R);
    return PATRON_OK;
}

int patron_clv_lifetime_value(double *out, const patron_clv_params *tx,
                              const patron_clv_params *spend, const patron_clv_data *data,
                              int months, double discount, double periods_per_month)
{
    return patron_clv_lifetime_value_with(out, tx, spend, data, months, discount,
                                          periods_per_month, NULL);
}

int patron_clv_dert(double *out, const patron_clv_params *params, const patron_clv_data *data,
                    double discount)
{
    const char *what = "DERT";
    if (!out)
        return patron__fail(PATRON_EINVAL, "out is NULL");
    int rc = check_tx_model(params, what);
    if (rc)
        return rc;
    if (params->model != PATRON_CLV_PNBD && params->model != PATRON_CLV_BGBB)
        return patron__fail(PATRON_EUNSUPPORTED, "%s is available for Pareto/NBD and BG/BB only",
                            what);
    if (!(discount > 0) || !isfinite(discount))
        return patron__fail(PATRON_EINVAL, "%s: discount is %.17g (must be > 0)", what, discount);
    clv_rows R;
    if ((rc = clv_rows_build(&R, params->model, data, CLV_ROWS_MAP)))
        return rc;
    double *v = patron__malloc((R.n ? R.n : 1) * sizeof *v);
    double *lt = patron__malloc((R.n ? R.n : 1) * 2 * sizeof *lt);
    if (!v || !lt) {
        patron__free(v);
        patron__free(lt);
        clv_rows_free(&R);
        return patron__oom();
    }
    const double *p = params->p;
    if (params->model == PATRON_CLV_PNBD) {
        /* the Laplace integral depends on T only: once per distinct T */
        for (size_t j = 0; j < R.n; j++) {
            lt[2 * j] = R.T[j];
            lt[2 * j + 1] = (double)j;
        }
        qsort(lt, R.n, 2 * sizeof *lt, cmp_double);
        for (size_t a = 0, b; a < R.n; a = b) {
            double L = laplace_pow(discount * (p[3] + lt[2 * a]), p[2]);
            for (b = a; b < R.n && lt[2 * b] == lt[2 * a]; b++)
                v[(size_t)lt[2 * b + 1]] = L;
        }
    }
    for (size_t j = 0; j < R.n; j++) {
        int bad;
        if (params->model == PATRON_CLV_PNBD) {
            double pa;
            bad = pnbd_palive(p, R.x[j], R.tx[j], R.T[j], &pa);
            v[j] *= pa * (p[0] + R.x[j]) / (p[1] + R.T[j]) * (p[3] + R.T[j]);
        } else {
            bad = bgbb_dert(p, R.x[j], R.tx[j], R.T[j], discount, &v[j]);
        }
        if (bad || !isfinite(v[j])) {
            patron__free(v);
            patron__free(lt);
            clv_rows_free(&R);
            return patron__fail(PATRON_ERANGE, "%s: not computable for row (x %.17g, t_x %.17g, "
                                "T %.17g)", what, R.x[j], R.tx[j], R.T[j]);
        }
    }
    for (size_t i = 0; i < data->n; i++)
        out[i] = v[R.map[i]];
    patron__free(v);
    patron__free(lt);
    clv_rows_free(&R);
    return PATRON_OK;
}
