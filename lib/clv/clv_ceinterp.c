/* Per-frequency Chebyshev interpolants of the conditional expectation
 * (see clv_ceinterp.h for the function, the variable and the bounds). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "clv_ceinterp.h"
#include "clv_eval.h"
#include "internal/alloc.h"

#define PI 3.14159265358979323846

/* A piece is used when its last two coefficients are below TAIL_TOL of its
 * smallest node value and the interpolant matches the exact evaluator to
 * CHECK_TOL (relative) at the CHECK points. */
#define TAIL_TOL 2e-13
#define CHECK_TOL 2e-13
#define N_CHECK 2
static const double check_y[N_CHECK] = {-1.0, 0.4};

struct clv_ce_interp {
    size_t nx;
    int *kmin, *np;  /* per x: first piece, number of pieces (0: none) */
    double **coef;   /* per x: np * CLV_CI_N coefficients (c[0] NaN: piece unused) */
    double *store;
    int complete; /* every row of the batch falls in a piece that was accepted */
};

/* Phi_x(u) from the exact evaluator (0, or -1 when it fails). */
static int phi_exact(const clv_model_desc *md, const double *p, double x, double u,
                     const clv_ci_spec *sp, const double *h1, double *out)
{
    if (sp->months == 0)
        return md->ce_unit(p, x, u, h1, out) || !isfinite(*out) ? -1 : 0;
    double prev = 0, acc = 0, disc = 1;
    for (int m = 1; m <= sp->months; m++) {
        double g;
        if (md->ce_unit(p, x, m * u, h1, &g) || !isfinite(g))
            return -1;
        disc /= 1 + sp->discount;
        acc += (g - prev) * disc;
        prev = g;
    }
    *out = acc;
    return 0;
}

/* A piece is stored as the monomial coefficients a[0..N-1] in the local
 * variable y in [-1, 1], converted from the Chebyshev coefficients. The
 * Chebyshev coefficients fall by a factor of about 36 per degree (see the
 * header), far faster than the monomial coefficients of T_n grow (at most
 * 2^(n-1)), so the monomial form is as well conditioned as the Chebyshev
 * one, and Estrin's scheme evaluates it with a dependency chain of a few
 * operations instead of Clenshaw's N. */
#if CLV_CI_N != 12
#error "estrin() is written for 12 coefficients"
#endif
static double estrin(const double *a, double y)
{
    double y2 = y * y, y4 = y2 * y2, y8 = y4 * y4;
    double p0 = a[0] + a[1] * y, p1 = a[2] + a[3] * y, p2 = a[4] + a[5] * y,
           p3 = a[6] + a[7] * y, p4 = a[8] + a[9] * y, p5 = a[10] + a[11] * y;
    double q0 = p0 + p1 * y2, q1 = p2 + p3 * y2, q2 = p4 + p5 * y2;
    return (q0 + q1 * y4) + q2 * y8;
}

/* Chebyshev coefficients c (sum c_i T_i(y), c_0 not halved) to monomial
 * coefficients a, with T_(n+1) = 2 y T_n - T_(n-1) as polynomials. */
static void cheb_to_monomial(const double *c, double *a)
{
    double tm[CLV_CI_N] = {0}, t0[CLV_CI_N] = {0}, t1[CLV_CI_N];
    t0[0] = 1; /* T_0 */
    memset(a, 0, CLV_CI_N * sizeof *a);
    a[0] = c[0];
    memcpy(tm, t0, sizeof tm);
    memset(t1, 0, sizeof t1);
    t1[1] = 1; /* T_1 */
    for (int n = 1; n < CLV_CI_N; n++) {
        for (int k = 0; k <= n; k++)
            a[k] += c[n] * t1[k];
        double t2[CLV_CI_N] = {0};
        for (int k = 0; k + 1 < CLV_CI_N; k++) /* T_(n+1) = 2 y T_n - T_(n-1) */
            t2[k + 1] = 2 * t1[k];
        for (int k = 0; k < CLV_CI_N; k++)
            t2[k] -= tm[k];
        memcpy(tm, t1, sizeof tm);
        memcpy(t1, t2, sizeof t1);
    }
}

/* The u of local coordinate y in [-1, 1] of piece k: piece k = P e + q
 * covers u in 2^e [1 + q/P, 1 + (q + 1)/P), P = CLV_CI_PER_OCTAVE. */
#define P CLV_CI_PER_OCTAVE
static double piece_u(int k, double y)
{
    int e = k >= 0 ? k / P : -((-k + P - 1) / P), q = k - P * e;
    return ldexp(1 + (q + 0.5 * (y + 1)) / P, e);
}

/* Coefficients of piece k of x into c (c[0] = NaN when not usable). */
static void build_piece(const clv_model_desc *md, const double *p, double x, int k,
                        const clv_ci_spec *sp, const double *h1, double *c)
{
    double f[CLV_CI_N], fmin = INFINITY;
    for (int j = 0; j < CLV_CI_N; j++) {
        double y = cos(PI * (j + 0.5) / CLV_CI_N);
        double u = piece_u(k, y), v;
        if (phi_exact(md, p, x, u, sp, h1, &v) || !(v > 0)) {
            c[0] = NAN;
            return;
        }
        f[j] = v / u;
        if (f[j] < fmin)
            fmin = f[j];
    }
    for (int i = 0; i < CLV_CI_N; i++) {
        double acc = 0;
        for (int j = 0; j < CLV_CI_N; j++)
            acc += f[j] * cos(PI * i * (j + 0.5) / CLV_CI_N);
        c[i] = (i ? 2.0 : 1.0) * acc / CLV_CI_N;
    }
    if (!(fabs(c[CLV_CI_N - 1]) + fabs(c[CLV_CI_N - 2]) <= TAIL_TOL * fmin)) {
        c[0] = NAN;
        return;
    }
    double a[CLV_CI_N];
    cheb_to_monomial(c, a);
    memcpy(c, a, sizeof a);
    /* the form that is used, checked against the exact evaluator at the
     * piece's edge and between nodes */
    for (int j = 0; j < N_CHECK; j++) {
        double u = piece_u(k, check_y[j]), v;
        if (phi_exact(md, p, x, u, sp, h1, &v) ||
            !(fabs(estrin(c, check_y[j]) - v / u) <= CHECK_TOL * (v / u))) {
            c[0] = NAN;
            return;
        }
    }
}

/* Per-thread statistics of the rows: count and range of u1 per x. */
/* Piece of u (offset by -CLV_CI_KMIN), from its bits: P e + the top
 * CLV_CI_BITS bits of the mantissa, e the binary exponent; -1 when u is outside the
 * pieces (or not > 0). The statistics pass needs no logarithm, and the
 * evaluation's local coordinate comes from the same bits. */
static int piece_of(double u)
{
    if (!(u > 0) || !(u < INFINITY))
        return -1;
    uint64_t b;
    memcpy(&b, &u, sizeof b);
    int e = (int)((b >> 52) & 0x7ff) - 1023;
    if (e < CLV_CI_KMIN / P || e >= CLV_CI_KMAX / P) /* also subnormals */
        return -1;
    return P * e + (int)((b >> (52 - CLV_CI_BITS)) & (P - 1)) - CLV_CI_KMIN;
}

/* Local coordinate of u in its piece: the mantissa bits below the top
 * CLV_CI_BITS, exactly, mapped to [-1, 1). */
static double piece_y(double u)
{
    uint64_t b;
    memcpy(&b, &u, sizeof b);
    return (double)(b & ((1ull << (52 - CLV_CI_BITS)) - 1)) * (1.0 / (double)(1ull << (51 - CLV_CI_BITS))) - 1;
}

#define NK (CLV_CI_KMAX - CLV_CI_KMIN)
#define KWORDS ((NK + 63) / 64)

/* Per-thread statistics of the rows: which pieces of each x they need. */
typedef struct stat_job {
    const clv_model_desc *md;
    const double *p;
    const clv_rows *R;
    double t1; /* u1 = t1 * ce_scale */
    size_t nx;
    uint64_t *need; /* threads * nx * KWORDS bits */
    size_t *outside; /* per thread: rows in no piece (x or u1 beyond the grid) */
} stat_job;

static void stat_chunk(void *vctx, size_t c, int tid)
{
    stat_job *j = vctx;
    const clv_rows *R = j->R;
    size_t j0 = c * CLV_CHUNK, j1 = j0 + CLV_CHUNK < R->n ? j0 + CLV_CHUNK : R->n;
    uint64_t *need = j->need + (size_t)tid * j->nx * KWORDS;
    for (size_t r = j0; r < j1; r++) {
        double x = R->x[r];
        if (!(x < (double)j->nx)) {
            j->outside[tid]++;
            continue;
        }
        int k = piece_of(j->t1 * j->md->ce_scale(j->p, x, R->tx[r], R->T[r]));
        if (k >= 0)
            need[(size_t)x * KWORDS + (size_t)k / 64] |= 1ull << (k % 64);
        else
            j->outside[tid]++;
    }
}

typedef struct build_job {
    const clv_model_desc *md;
    const double *p;
    const clv_ci_spec *sp;
    clv_ce_interp *ci;
    const uint64_t *need; /* nx * KWORDS */
    const size_t *xs;     /* the frequencies that need pieces */
} build_job;

static void build_x(void *vctx, size_t i, int tid)
{
    (void)tid;
    build_job *b = vctx;
    size_t xi = b->xs[i];
    /* the evaluator's coefficients of this x, computed here (not taken
     * from the batch's table), so a piece does not depend on the batch */
    double h1[CLV_CE_COEF];
    if (b->md->ce_coef)
        b->md->ce_coef(b->p, (double)xi, h1);
    const uint64_t *need = b->need + xi * KWORDS;
    for (int k = 0; k < b->ci->np[xi]; k++) {
        int kk = b->ci->kmin[xi] + k - CLV_CI_KMIN;
        double *c = b->ci->coef[xi] + (size_t)k * CLV_CI_N;
        if (need[kk / 64] >> (kk % 64) & 1)
            build_piece(b->md, b->p, (double)xi, b->ci->kmin[xi] + k, b->sp,
                        b->md->ce_coef ? h1 : NULL, c);
        else
            c[0] = NAN;
    }
}

void clv_ce_interp_free(clv_ce_interp *ci)
{
    if (!ci)
        return;
    patron__free(ci->kmin);
    patron__free(ci->np);
    patron__free(ci->coef);
    patron__free(ci->store);
    patron__free(ci);
}

int clv_ce_interp_build(clv_ce_interp **out, const clv_model_desc *md, const double *p,
                        const clv_rows *R, const clv_ci_spec *spec, int threads)
{
    *out = NULL;
    double t1 = spec->months ? spec->ppm : spec->t;
    if (!md->ce_scale || !md->ce_unit || R->n == 0 || !(t1 > 0))
        return 0;
    size_t nx = R->max_x + 1 < CLV_CI_MAX_X ? (size_t)R->max_x + 1 : CLV_CI_MAX_X;
    size_t nchunks = (R->n + CLV_CHUNK - 1) / CLV_CHUNK;
    int th = clv_threads(threads, nchunks);
    stat_job sj = {md, p, R, t1, nx, NULL, NULL};
    sj.need = patron__calloc((size_t)th * nx * KWORDS, sizeof *sj.need);
    sj.outside = patron__calloc((size_t)th, sizeof *sj.outside);
    clv_ce_interp *ci = patron__calloc(1, sizeof *ci);
    size_t *xs = patron__malloc(nx * sizeof *xs);
    int rc = -1;
    if (!sj.need || !sj.outside || !ci || !xs)
        goto done;
    clv_parallel(th, nchunks, stat_chunk, &sj);
    for (int t = 1; t < th; t++) /* a union: the same in any order */
        for (size_t i = 0; i < nx * KWORDS; i++)
            sj.need[i] |= sj.need[(size_t)t * nx * KWORDS + i];
    ci->nx = nx;
    ci->kmin = patron__calloc(nx, sizeof *ci->kmin);
    ci->np = patron__calloc(nx, sizeof *ci->np);
    ci->coef = patron__calloc(nx, sizeof *ci->coef);
    if (!ci->kmin || !ci->np || !ci->coef)
        goto done;
    size_t total = 0, nxs = 0;
    for (size_t xi = 0; xi < nx; xi++) {
        const uint64_t *need = sj.need + xi * KWORDS;
        int k0 = -1, k1 = -1;
        for (int k = 0; k < NK; k++)
            if (need[k / 64] >> (k % 64) & 1) {
                if (k0 < 0)
                    k0 = k;
                k1 = k;
            }
        if (k0 < 0)
            continue;
        ci->kmin[xi] = k0 + CLV_CI_KMIN;
        ci->np[xi] = k1 - k0 + 1;
        total += (size_t)ci->np[xi];
        xs[nxs++] = xi;
    }
    if (nxs) {
        ci->store = patron__malloc(total * CLV_CI_N * sizeof *ci->store);
        if (!ci->store)
            goto done;
        size_t at = 0;
        for (size_t i = 0; i < nxs; i++) {
            ci->coef[xs[i]] = ci->store + at * CLV_CI_N;
            at += (size_t)ci->np[xs[i]];
        }
        build_job bj = {md, p, spec, ci, sj.need, xs};
        clv_parallel(clv_threads(threads, nxs), nxs, build_x, &bj);
        size_t outside = 0;
        for (int t = 0; t < th; t++)
            outside += sj.outside[t];
        ci->complete = outside == 0;
        for (size_t i = 0; i < nxs && ci->complete; i++) /* every needed piece accepted */
            for (int k = 0; k < ci->np[xs[i]]; k++) {
                int kk = ci->kmin[xs[i]] + k - CLV_CI_KMIN;
                if ((sj.need[xs[i] * KWORDS + (size_t)kk / 64] >> (kk % 64) & 1) &&
                    isnan(ci->coef[xs[i]][(size_t)k * CLV_CI_N]))
                    ci->complete = 0;
            }
        *out = ci;
        ci = NULL;
    }
    rc = 0;
done:
    patron__free(sj.need);
    patron__free(sj.outside);
    patron__free(xs);
    clv_ce_interp_free(ci);
    return rc;
}

int clv_ce_interp_complete(const clv_ce_interp *ci)
{
    return ci && ci->complete;
}

int clv_ce_interp_eval(const clv_ce_interp *ci, double x, double u1, double *out)
{
    if (!(x < (double)ci->nx))
        return 0;
    size_t xi = (size_t)x;
    const double *c = ci->coef[xi];
    int kp = piece_of(u1); /* the statistics pass's piece */
    if (!c || kp < 0)
        return 0;
    int k = kp + CLV_CI_KMIN - ci->kmin[xi];
    if (!(k >= 0 && k < ci->np[xi]))
        return 0;
    c += (size_t)k * CLV_CI_N;
    if (isnan(c[0]))
        return 0;
    *out = estrin(c, piece_y(u1)) * u1;
    return 1;
}
