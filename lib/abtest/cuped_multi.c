/* Regression adjustment (CUPED) with several covariates, from sufficient
 * statistics or raw rows, for means and for ratio metrics (delta method).
 * Both entry points reduce an arm to its centred moments (count, means,
 * centred sums of products) and share one solver, so the SQL path and the
 * array path differ only in how the centred moments are formed. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/dist.h"
#include "internal/error.h"

#define NV PATRON_ABTEST_MAX_VARS
#define NK PATRON_ABTEST_MAX_COVARIATES

/* Centred moments of one arm: M[i][j] = sum (v_i - mean_i)(v_j - mean_j). */
typedef struct {
    double n;
    int p;
    double mean[NV];
    double M[NV][NV];
} cmom;

/* The reduced problem of one arm: an outcome (or a linearised ratio) and k
 * covariates, centred. */
typedef struct {
    double n, o;       /* units, outcome mean (or ratio) */
    double x[NK];      /* covariate means */
    double Moo;        /* centred sum of squares of the outcome */
    double Mox[NK];    /* centred cross-products outcome x covariate */
    double Mxx[NK][NK];
} arm;

static int check_p(const char *fn, size_t p, size_t lo, size_t hi)
{
    if (p < lo || p > hi)
        return patron__fail(PATRON_EINVAL, "%s: p is %zu, expected %zu to %zu (%s)", fn, p, lo, hi,
                            lo == 1 ? "the outcome and up to 8 covariates" : "numerator, denominator and up to 8 covariates");
    return PATRON_OK;
}

static int moments_to_cmom(const char *fn, const patron_abtest_moments *s, char name, cmom *c)
{
    if (!s)
        return patron__fail(PATRON_EINVAL, "%s: statistics of %c are NULL", fn, name);
    if (s->n < 2)
        return patron__fail(PATRON_EINVAL, "%s: n of %c is %lld, expected >= 2", fn, name, (long long)s->n);
    if (s->p < 1 || s->p > NV)
        return patron__fail(PATRON_EINVAL, "%s: p of %c is %lld, expected 1 to %d", fn, name, (long long)s->p, NV);
    int p = (int)s->p;
    double n = (double)s->n;
    c->n = n;
    c->p = p;
    for (int i = 0; i < p; i++) {
        if (!isfinite(s->sum[i]))
            return patron__fail(PATRON_EINVAL, "%s: sum[%d] of %c is %g, expected a finite number", fn, i, name,
                                s->sum[i]);
        c->mean[i] = s->sum[i] / n;
    }
    for (int i = 0; i < p; i++)
        for (int j = i; j < p; j++) {
            double v = s->sum_cross[i * NV + j];
            if (!isfinite(v))
                return patron__fail(PATRON_EINVAL, "%s: sum_cross[%d][%d] of %c is %g, expected a finite number", fn, i,
                                    j, name, v);
            double m = v - s->sum[i] * (s->sum[j] / n);
            if (i == j && m < 0) /* rounding of sums: a variance is never negative */
                m = 0;
            c->M[i][j] = c->M[j][i] = m;
        }
    return PATRON_OK;
}

/* Neumaier-compensated sum of one column / product of two centred columns. */
static double col_mean(const double *rows, size_t n, size_t p, size_t i)
{
    double s = 0, c = 0;
    for (size_t r = 0; r < n; r++) {
        double v = rows[r * p + i], t = s + v;
        c += fabs(s) >= fabs(v) ? (s - t) + v : (v - t) + s;
        s = t;
    }
    return (s + c) / (double)n;
}

static double col_comoment(const double *rows, size_t n, size_t p, size_t i, double mi, size_t j, double mj)
{
    double s = 0, c = 0;
    for (size_t r = 0; r < n; r++) {
        double v = (rows[r * p + i] - mi) * (rows[r * p + j] - mj), t = s + v;
        c += fabs(s) >= fabs(v) ? (s - t) + v : (v - t) + s;
        s = t;
    }
    return s + c;
}

static int check_rows(const char *fn, const double *rows, size_t n, size_t p, char name)
{
    if (!rows)
        return patron__fail(PATRON_EINVAL, "%s: rows_%c is NULL", fn, name);
    if (n < 2)
        return patron__fail(PATRON_EINVAL, "%s: n_%c is %zu, expected >= 2", fn, name, n);
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < p; i++)
            if (!isfinite(rows[r * p + i]))
                return patron__fail(PATRON_EINVAL, "%s: rows_%c: row %zu, column %zu is %g, expected a finite number",
                                    fn, name, r, i, rows[r * p + i]);
    return PATRON_OK;
}

static void rows_to_cmom(const double *rows, size_t n, size_t p, cmom *c)
{
    c->n = (double)n;
    c->p = (int)p;
    for (size_t i = 0; i < p; i++)
        c->mean[i] = col_mean(rows, n, p, i);
    for (size_t i = 0; i < p; i++)
        for (size_t j = i; j < p; j++)
            c->M[i][j] = c->M[j][i] = col_comoment(rows, n, p, i, c->mean[i], j, c->mean[j]);
}

int patron_abtest_moments_from_rows(patron_abtest_moments *out, const double *rows, size_t n, size_t p)
{
    static const char fn[] = "patron_abtest_moments_from_rows";
    if (!out)
        return patron__fail(PATRON_EINVAL, "%s: out is NULL", fn);
    if (p < 1 || p > NV)
        return patron__fail(PATRON_EINVAL, "%s: p is %zu, expected 1 to %d", fn, p, NV);
    if (n < 1)
        return patron__fail(PATRON_EINVAL, "%s: no rows", fn);
    if (!rows)
        return patron__fail(PATRON_EINVAL, "%s: rows is NULL", fn);
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < p; i++)
            if (!isfinite(rows[r * p + i]))
                return patron__fail(PATRON_EINVAL, "%s: row %zu, column %zu is %g, expected a finite number", fn, r, i,
                                    rows[r * p + i]);
    patron_abtest_moments s;
    memset(&s, 0, sizeof s);
    s.n = (int64_t)n;
    s.p = (int64_t)p;
    for (size_t r = 0; r < n; r++) {
        const double *v = rows + r * p;
        for (size_t i = 0; i < p; i++) {
            s.sum[i] += v[i];
            for (size_t j = i; j < p; j++)
                s.sum_cross[i * NV + j] += v[i] * v[j];
        }
    }
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < i; j++)
            s.sum_cross[i * NV + j] = s.sum_cross[j * NV + i];
    *out = s;
    return PATRON_OK;
}

/* Outcome = variable 0, covariates 1..p-1. */
static void arm_mean(const cmom *c, arm *a)
{
    int k = c->p - 1;
    a->n = c->n;
    a->o = c->mean[0];
    a->Moo = c->M[0][0];
    for (int i = 0; i < k; i++) {
        a->x[i] = c->mean[1 + i];
        a->Mox[i] = c->M[0][1 + i];
        for (int j = 0; j < k; j++)
            a->Mxx[i][j] = c->M[1 + i][1 + j];
    }
}

/* Numerator 0, denominator 1, covariates 2..p-1: the outcome is the
 * linearised ratio l = (m - R d) / dbar. */
static int arm_ratio(const char *fn, const cmom *c, char name, arm *a)
{
    int k = c->p - 2;
    double dbar = c->mean[1];
    if (dbar == 0)
        return patron__fail(PATRON_EINVAL, "%s: the denominators of %c sum to 0 (the ratio is undefined)", fn, name);
    double R = c->mean[0] / dbar;
    a->n = c->n;
    a->o = R;
    a->Moo = (c->M[0][0] - 2 * R * c->M[0][1] + R * R * c->M[1][1]) / (dbar * dbar);
    if (a->Moo < 0)
        a->Moo = 0;
    for (int i = 0; i < k; i++) {
        a->x[i] = c->mean[2 + i];
        a->Mox[i] = (c->M[0][2 + i] - R * c->M[1][2 + i]) / dbar;
        for (int j = 0; j < k; j++)
            a->Mxx[i][j] = c->M[2 + i][2 + j];
    }
    return PATRON_OK;
}

/* Cholesky factor L of the k x k matrix W (lower, in place); EINVAL when a
 * pivot is not clearly positive (collinear or constant covariates). */
static int cholesky(const char *fn, double W[NK][NK], int k, int first_cov)
{
    double diag[NK];
    for (int j = 0; j < k; j++)
        diag[j] = W[j][j];
    for (int j = 0; j < k; j++) {
        double d = W[j][j];
        for (int m = 0; m < j; m++)
            d -= W[j][m] * W[j][m];
        if (!(d > 1e-12 * diag[j]) || !(diag[j] > 0))
            return patron__fail(PATRON_EINVAL,
                                "%s: covariate %d (variable %d) is constant within the arms or a linear combination "
                                "of the covariates before it",
                                fn, j, j + first_cov);
        W[j][j] = sqrt(d);
        for (int i = j + 1; i < k; i++) {
            double s = W[i][j];
            for (int m = 0; m < j; m++)
                s -= W[i][m] * W[j][m];
            W[i][j] = s / W[j][j];
        }
    }
    return PATRON_OK;
}

/* Solve L L' z = r. */
static void chol_solve(double L[NK][NK], int k, const double *r, double *z)
{
    double y[NK];
    for (int i = 0; i < k; i++) {
        double s = r[i];
        for (int m = 0; m < i; m++)
            s -= L[i][m] * y[m];
        y[i] = s / L[i][i];
    }
    for (int i = k - 1; i >= 0; i--) {
        double s = y[i];
        for (int m = i + 1; m < k; m++)
            s -= L[m][i] * z[m];
        z[i] = s / L[i][i];
    }
}

static double dot(const double *u, const double *v, int k)
{
    double s = 0;
    for (int i = 0; i < k; i++)
        s += u[i] * v[i];
    return s;
}

/* g' M g */
static double quad(const arm *a, const double *g, int k)
{
    double s = 0;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            s += g[i] * a->Mxx[i][j] * g[j];
    return s;
}

static double welch_df(double qa, double qb, double na, double nb)
{
    double s = qa > qb ? qa : qb;
    if (!(s > 0))
        return NAN;
    double ua = qa / s, ub = qb / s;
    return (ua + ub) * (ua + ub) / (ua * ua / (na - 1) + ub * ub / (nb - 1));
}

static int solve(const char *fn, patron_abtest_adjusted_result *out, const arm *A, const arm *B, int k, int first_cov,
                 int with_ols, double alpha)
{
    patron_abtest_adjusted_result r;
    memset(&r, 0, sizeof r);
    double na = A->n, nb = B->n, N = na + nb;
    if (with_ols && N < k + 3)
        return patron__fail(PATRON_EINVAL, "%s: %g units for %d covariates, expected at least k + 3 = %d", fn, N, k,
                            k + 3);
    double W[NK][NK] = {{0}}, w[NK] = {0}, beta[NK] = {0}, xbar[NK] = {0};
    for (int i = 0; i < k; i++) {
        w[i] = A->Mox[i] + B->Mox[i];
        xbar[i] = (na * A->x[i] + nb * B->x[i]) / N;
        for (int j = 0; j < k; j++)
            W[i][j] = A->Mxx[i][j] + B->Mxx[i][j];
    }
    int rc = cholesky(fn, W, k, first_cov);
    if (rc)
        return rc;
    chol_solve(W, k, w, beta);
    r.n_a = (int64_t)na;
    r.n_b = (int64_t)nb;
    r.covariates = k;
    for (int i = 0; i < k; i++)
        r.beta[i] = beta[i];
    r.alpha = alpha;
    r.mean_a = A->o;
    r.mean_b = B->o;
    double da[NK], db[NK], d[NK];
    for (int i = 0; i < k; i++) {
        da[i] = A->x[i] - xbar[i];
        db[i] = B->x[i] - xbar[i];
        d[i] = B->x[i] - A->x[i];
    }
    r.adjusted_mean_a = A->o - dot(beta, da, k);
    r.adjusted_mean_b = B->o - dot(beta, db, k);
    double ga = dot(beta, A->Mox, k), gb = dot(beta, B->Mox, k);
    double qa_ = quad(A, beta, k), qb_ = quad(B, beta, k);
    double ra = A->Moo - 2 * ga + qa_, rb = B->Moo - 2 * gb + qb_;
    r.residual_var_a = (ra > 0 ? ra : 0) / (na - 1);
    r.residual_var_b = (rb > 0 ? rb : 0) / (nb - 1);
    double tau = r.adjusted_mean_b - r.adjusted_mean_a;
    double qa = r.residual_var_a / na, qb = r.residual_var_b / nb;
    patron__ab_fill_z(&r.effect, tau, sqrt(qa + qb), alpha);
    r.welch_df = welch_df(qa, qb, na, nb);
    double Woo = A->Moo + B->Moo, rss = Woo - dot(beta, w, k);
    if (rss < 0)
        rss = 0;
    if (with_ols) {
        double z[NK] = {0};
        chol_solve(W, k, d, z);
        double df = N - k - 2, s2 = rss / df;
        patron__ab_fill_t(&r.ols, tau, sqrt(s2 * (1 / na + 1 / nb + dot(d, z, k))), df, alpha);
    } else {
        patron__ab_fill_nan(&r.ols);
    }
    r.diff_unadjusted = B->o - A->o;
    r.se_unadjusted = sqrt(A->Moo / (na - 1) / na + B->Moo / (nb - 1) / nb);
    r.variance_reduction = r.se_unadjusted > 0 ? 1 - (qa + qb) / (r.se_unadjusted * r.se_unadjusted) : 0;
    r.r_squared = Woo > 0 ? 1 - rss / Woo : NAN;
    /* Relative lift: the adjusted means share the pooled covariate means,
     * so they are correlated: adj_a = (ybar_a - wb g.xbar_a) + wb g.xbar_b,
     * adj_b = (ybar_b - wa g.xbar_b) + wa g.xbar_a (g = beta taken as known). */
    double wa = na / N, wb = nb / N;
    double Sa = qa_ / (na - 1), Sb = qb_ / (nb - 1);      /* var of g.x per unit */
    double Ca = ga / (na - 1), Cb = gb / (nb - 1);        /* cov(y, g.x) per unit */
    double Vya = A->Moo / (na - 1), Vyb = B->Moo / (nb - 1);
    double Va = (Vya - 2 * wb * Ca + wb * wb * Sa) / na + wb * wb * Sb / nb;
    double Vb = (Vyb - 2 * wa * Cb + wa * wa * Sb) / nb + wa * wa * Sa / na;
    double Cab = wa * (Ca - wb * Sa) / na + wb * (Cb - wa * Sb) / nb;
    double z = patron__norm_isf(alpha / 2);
    double ma = r.adjusted_mean_a, mb = r.adjusted_mean_b;
    if (ma != 0) {
        r.rel_lift = mb / ma - 1;
        double v = Vb / (ma * ma) + mb * mb * Va / (ma * ma * ma * ma) - 2 * mb * Cab / (ma * ma * ma);
        r.rel_lift_se = sqrt(v > 0 ? v : 0);
        r.rel_lift_ci[0] = r.rel_lift - z * r.rel_lift_se;
        r.rel_lift_ci[1] = r.rel_lift + z * r.rel_lift_se;
        r.rel_lift_p = r.rel_lift_se > 0 ? 2 * patron__norm_sf(fabs(r.rel_lift) / r.rel_lift_se)
                                         : (r.rel_lift == 0 ? 1 : 0);
    } else {
        r.rel_lift = r.rel_lift_se = r.rel_lift_p = NAN;
        r.rel_lift_ci[0] = r.rel_lift_ci[1] = NAN;
    }
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}

static int run_mean(const char *fn, patron_abtest_adjusted_result *out, const cmom *ca, const cmom *cb, double alpha)
{
    arm A, B;
    arm_mean(ca, &A);
    arm_mean(cb, &B);
    return solve(fn, out, &A, &B, ca->p - 1, 1, 1, alpha);
}

static int run_ratio(const char *fn, patron_abtest_adjusted_result *out, const cmom *ca, const cmom *cb, double alpha)
{
    arm A, B;
    int rc;
    if ((rc = arm_ratio(fn, ca, 'a', &A)) || (rc = arm_ratio(fn, cb, 'b', &B)))
        return rc;
    return solve(fn, out, &A, &B, ca->p - 2, 2, 0, alpha);
}

static int from_moments(const char *fn, patron_abtest_adjusted_result *out, const patron_abtest_moments *a,
                        const patron_abtest_moments *b, double alpha, int ratio)
{
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = patron__ab_check_alpha(alpha, fn)))
        return rc;
    cmom ca, cb;
    if ((rc = moments_to_cmom(fn, a, 'a', &ca)) || (rc = moments_to_cmom(fn, b, 'b', &cb)))
        return rc;
    if (ca.p != cb.p)
        return patron__fail(PATRON_EINVAL, "%s: p of a is %d but p of b is %d", fn, ca.p, cb.p);
    if ((rc = check_p(fn, (size_t)ca.p, ratio ? 2 : 1, ratio ? NV : NK + 1)))
        return rc;
    return ratio ? run_ratio(fn, out, &ca, &cb, alpha) : run_mean(fn, out, &ca, &cb, alpha);
}

static int from_rows(const char *fn, patron_abtest_adjusted_result *out, const double *rows_a, size_t n_a,
                     const double *rows_b, size_t n_b, size_t p, double alpha, int ratio)
{
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = patron__ab_check_alpha(alpha, fn)) || (rc = check_p(fn, p, ratio ? 2 : 1, ratio ? NV : NK + 1)) ||
        (rc = check_rows(fn, rows_a, n_a, p, 'a')) || (rc = check_rows(fn, rows_b, n_b, p, 'b')))
        return rc;
    cmom ca, cb;
    rows_to_cmom(rows_a, n_a, p, &ca);
    rows_to_cmom(rows_b, n_b, p, &cb);
    return ratio ? run_ratio(fn, out, &ca, &cb, alpha) : run_mean(fn, out, &ca, &cb, alpha);
}

int patron_abtest_cuped_moments(patron_abtest_adjusted_result *out, const patron_abtest_moments *a,
                                const patron_abtest_moments *b, double alpha)
{
    return from_moments("patron_abtest_cuped_moments", out, a, b, alpha, 0);
}

int patron_abtest_cuped_rows(patron_abtest_adjusted_result *out, const double *rows_a, size_t n_a,
                             const double *rows_b, size_t n_b, size_t p, double alpha)
{
    return from_rows("patron_abtest_cuped_rows", out, rows_a, n_a, rows_b, n_b, p, alpha, 0);
}

int patron_abtest_ratio_cuped_moments(patron_abtest_adjusted_result *out, const patron_abtest_moments *a,
                                      const patron_abtest_moments *b, double alpha)
{
    return from_moments("patron_abtest_ratio_cuped_moments", out, a, b, alpha, 1);
}

int patron_abtest_ratio_cuped_rows(patron_abtest_adjusted_result *out, const double *rows_a, size_t n_a,
                                   const double *rows_b, size_t n_b, size_t p, double alpha)
{
    return from_rows("patron_abtest_ratio_cuped_rows", out, rows_a, n_a, rows_b, n_b, p, alpha, 1);
}
