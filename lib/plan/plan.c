/* The program projection (docs/guide/plan.md): parameter draws from the
 * fits' covariance on the log scale, closed-form expectations per draw over
 * the distinct member histories and the monthly cohorts, percentiles per
 * year and metric. Pure: no I/O. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"
#include "patron/simulate.h"
#include "plan_int.h"

#define FN "patron_plan_project"
/* Draws of the spend parameters with q <= 1 are drawn again, at most this often. */
#define MAX_SPEND_REDRAWS 1000
/* Draws where the closed forms fail are drawn again, at most this many per draw on average. */
#define MAX_REDRAWS_PER_DRAW 10

/* The members, merged by identical history on two levels. P(alive at T)
 * depends on (x, t_x, T); given alive at T, the future depends on (x, T)
 * only (the posterior of a member alive at T does not involve t_x), so the
 * conditional expectation factors as P(alive at T) x G(x, T, t) and the
 * survival as P(alive at T) x S(x, T, t): the costly G and S are evaluated
 * once per distinct (x, T), P(alive) once per distinct (x, t_x, T).
 * Rows with T = 0 (enrolled at the plan's start, no history) are new
 * customers from time 0. */
typedef struct groups {
    size_t n;                      /* distinct (x, t_x, T) with T > 0, sorted by (x, T, t_x) */
    double *x, *tx, *T, *w, *msum; /* weight and weighted monetary sum per row group */
    size_t *of;                    /* its (x, T) group */
    size_t n2;                     /* distinct (x, T) */
    double *x2, *tx2, *T2;         /* t_x2: a t_x valid with x (0 when x = 0, else T) */
    double w_total; /* every member */
    double w_start; /* T = 0: enrolled at the plan's start */
    int has_monetary;
} groups;

typedef struct key {
    double x, tx, T, w, m;
} key;

static int key_cmp(const void *pa, const void *pb)
{
    const key *a = pa, *b = pb;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    if (a->T != b->T)
        return a->T < b->T ? -1 : 1;
    if (a->tx != b->tx)
        return a->tx < b->tx ? -1 : 1;
    return 0;
}

static void groups_free(groups *g)
{
    patron__free(g->x);
    patron__free(g->tx);
    patron__free(g->T);
    patron__free(g->w);
    patron__free(g->msum);
    patron__free(g->of);
    patron__free(g->x2);
    patron__free(g->tx2);
    patron__free(g->T2);
}

static int check_member(const patron_clv_data *d, size_t i, patron_clv_model model)
{
    double x = d->frequency[i], tx = d->recency[i], T = d->T[i];
    double w = d->weights ? d->weights[i] : 1.0;
    if (!isfinite(x) || x < 0 || x != floor(x))
        return patron__fail(PATRON_EINVAL, FN ": members row %zu: frequency %.17g is not a whole number >= 0", i, x);
    if (!isfinite(T) || T < 0)
        return patron__fail(PATRON_EINVAL, FN ": members row %zu: T %.17g is not finite and >= 0", i, T);
    if (!isfinite(tx) || tx < 0 || tx > T)
        return patron__fail(PATRON_EINVAL, FN ": members row %zu: recency %.17g is not within 0..T (T = %.17g)", i, tx, T);
    if (x == 0 && tx != 0 && model != PATRON_CLV_BGNBD)
        return patron__fail(PATRON_EINVAL, FN ": members row %zu: recency %.17g with frequency 0 (must be 0)", i, tx);
    if (T == 0 && x > 0)
        return patron__fail(PATRON_EINVAL, FN ": members row %zu: frequency %.17g with T 0", i, x);
    if (!isfinite(w) || w < 0)
        return patron__fail(PATRON_EINVAL, FN ": members row %zu: weight %.17g is not finite and >= 0", i, w);
    if (d->monetary) {
        double m = d->monetary[i];
        if (!isfinite(m) || m < 0 || (x > 0 && m == 0))
            return patron__fail(PATRON_EINVAL, FN ": members row %zu: monetary %.17g is not finite and >= 0 (> 0 with repeat purchases)",
                                i, m);
    }
    return PATRON_OK;
}

static int groups_build(groups *g, const patron_clv_data *d, patron_clv_model model)
{
    memset(g, 0, sizeof *g);
    g->has_monetary = d->monetary != NULL;
    if (d->n == 0)
        return PATRON_OK;
    if (!d->frequency || !d->recency || !d->T)
        return patron__fail(PATRON_EINVAL, FN ": members need frequency, recency and T");
    for (size_t i = 0; i < d->n; i++) {
        int rc = check_member(d, i, model);
        if (rc)
            return rc;
    }
    key *k = patron__calloc(d->n, sizeof *k);
    if (!k)
        return patron__oom();
    size_t nk = 0;
    for (size_t i = 0; i < d->n; i++) {
        double w = d->weights ? d->weights[i] : 1.0;
        g->w_total += w;
        if (d->T[i] == 0) {
            g->w_start += w;
            continue;
        }
        /* BG/NBD's predictions do not depend on t_x when x = 0. */
        double tx = d->frequency[i] == 0 ? 0.0 : d->recency[i];
        k[nk++] = (key){ d->frequency[i], tx, d->T[i], w, d->monetary ? w * d->monetary[i] : 0.0 };
    }
    qsort(k, nk, sizeof *k, key_cmp);
    size_t n = 0;
    for (size_t i = 0; i < nk; i++)
        if (i == 0 || key_cmp(&k[i], &k[i - 1]) != 0)
            n++;
    size_t n2 = 0;
    for (size_t i = 0; i < nk; i++)
        if (i == 0 || k[i].x != k[i - 1].x || k[i].T != k[i - 1].T)
            n2++;
    if (n) {
        g->x = patron__calloc(n, sizeof(double));
        g->tx = patron__calloc(n, sizeof(double));
        g->T = patron__calloc(n, sizeof(double));
        g->w = patron__calloc(n, sizeof(double));
        g->msum = patron__calloc(n, sizeof(double));
        g->of = patron__calloc(n, sizeof(size_t));
        g->x2 = patron__calloc(n2, sizeof(double));
        g->tx2 = patron__calloc(n2, sizeof(double));
        g->T2 = patron__calloc(n2, sizeof(double));
        if (!g->x || !g->tx || !g->T || !g->w || !g->msum || !g->of || !g->x2 || !g->tx2 || !g->T2) {
            groups_free(g);
            patron__free(k);
            return patron__oom();
        }
    }
    size_t j = 0, j2 = 0;
    for (size_t i = 0; i < nk; i++) {
        if (i > 0 && key_cmp(&k[i], &k[i - 1]) == 0) {
            g->w[j - 1] += k[i].w;
            g->msum[j - 1] += k[i].m;
            continue;
        }
        if (i == 0 || k[i].x != k[i - 1].x || k[i].T != k[i - 1].T) {
            g->x2[j2] = k[i].x;
            g->T2[j2] = k[i].T;
            g->tx2[j2] = k[i].x > 0 ? k[i].T : 0.0;
            j2++;
        }
        g->x[j] = k[i].x;
        g->tx[j] = k[i].tx;
        g->T[j] = k[i].T;
        g->w[j] = k[i].w;
        g->msum[j] = k[i].m;
        g->of[j] = j2 - 1;
        j++;
    }
    g->n = n;
    g->n2 = n2;
    patron__free(k);
    return PATRON_OK;
}

/* Lower Cholesky factor of the covariance carried to the log scale,
 * cov_ij / (p_i p_j). A semi-definite matrix (a zero covariance, a
 * parameter held fixed) gives zero columns where a pivot vanishes. */
static int log_cholesky(double *L, const patron_clv_fit_result *f, int k, const char *which)
{
    double C[16];
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) {
            double c = f->cov[i * PATRON_CLV_MAX_PARAMS + j];
            if (!isfinite(c))
                return patron__fail(PATRON_EINVAL, FN ": %s fit: covariance[%d][%d] is %.17g", which, i, j, c);
            if (i == j && c < 0)
                return patron__fail(PATRON_EINVAL, FN ": %s fit: covariance[%d][%d] is %.17g (a variance must be >= 0)",
                                    which, i, j, c);
            C[i * k + j] = c / (f->params.p[i] * f->params.p[j]);
        }
    for (int i = 0; i < k; i++)
        for (int j = 0; j < i; j++)
            if (fabs(C[i * k + j] - C[j * k + i]) > 1e-9 * (fabs(C[i * k + j]) + fabs(C[j * k + i])) + 1e-300)
                return patron__fail(PATRON_EINVAL, FN ": %s fit: covariance is not symmetric at [%d][%d]", which, i, j);
    memset(L, 0, sizeof(double) * 16);
    for (int j = 0; j < k; j++) {
        double d = C[j * k + j];
        for (int m = 0; m < j; m++)
            d -= L[j * 4 + m] * L[j * 4 + m];
        if (d <= 1e-12 * C[j * k + j] || d <= 0) {
            /* No variance left in this direction: the remaining entries
             * of the column must vanish too for a semi-definite matrix. */
            for (int i = j + 1; i < k; i++) {
                double s = C[i * k + j];
                for (int m = 0; m < j; m++)
                    s -= L[i * 4 + m] * L[j * 4 + m];
                if (fabs(s) > 1e-6 * sqrt(fabs(C[i * k + i] * C[j * k + j])) + 1e-300)
                    return patron__fail(PATRON_EINVAL, FN ": %s fit: covariance is not positive semi-definite", which);
            }
            continue;
        }
        L[j * 4 + j] = sqrt(d);
        for (int i = j + 1; i < k; i++) {
            double s = C[i * k + j];
            for (int m = 0; m < j; m++)
                s -= L[i * 4 + m] * L[j * 4 + m];
            L[i * 4 + j] = s / L[j * 4 + j];
        }
    }
    return PATRON_OK;
}

static int check_fit(const patron_clv_fit_result *f, const char *which, int spend)
{
    if (!f)
        return patron__fail(PATRON_EINVAL, FN ": the %s fit is NULL", which);
    /* A fit of any release: the members read here (params, cov) are in its first. */
    if (f->size < offsetof(patron_clv_fit_result, cov) + sizeof f->cov)
        return patron__fail(PATRON_EINVAL, FN ": %s fit: size %u is too small for a patron_clv_fit_result", which,
                            (unsigned)f->size);
    patron_clv_model m = f->params.model;
    if (spend && m != PATRON_CLV_GG)
        return patron__fail(PATRON_EINVAL, FN ": the spend fit is model %d, not Gamma-Gamma", (int)m);
    if (!spend && m != PATRON_CLV_BGNBD && m != PATRON_CLV_MBGNBD && m != PATRON_CLV_PNBD) {
        const char *name = patron_clv_model_name(m);
        return patron__fail(m == PATRON_CLV_BGBB ? PATRON_EUNSUPPORTED : PATRON_EINVAL,
                            FN ": the transaction fit is model %s: only bgnbd, mbgnbd and pnbd are projected",
                            name ? name : "unknown");
    }
    int k = patron_clv_param_count(m);
    for (int i = 0; i < k; i++) {
        double v = f->params.p[i];
        if (!isfinite(v) || v <= 0)
            return patron__fail(PATRON_EINVAL, FN ": %s fit: parameter %s is %.17g (must be finite and > 0)", which,
                                patron_clv_param_name(m, i), v);
    }
    if (spend && !(f->params.p[1] > 1))
        return patron__fail(PATRON_EINVAL, FN ": spend fit: q is %.17g (the mean spend needs q > 1)", f->params.p[1]);
    return PATRON_OK;
}

static int check_options(const patron_plan_options *o)
{
    if (o->years < 1 || o->years > PATRON_PLAN_MAX_YEARS)
        return patron__fail(PATRON_EINVAL, FN ": years %d is not within 1..%d", (int)o->years, PATRON_PLAN_MAX_YEARS);
    if (o->draws < 1 || o->draws > PATRON_PLAN_MAX_DRAWS)
        return patron__fail(PATRON_EINVAL, FN ": draws %d is not within 1..%d", (int)o->draws, PATRON_PLAN_MAX_DRAWS);
    struct {
        const char *name;
        double v, lo, hi;
        int lo_open;
    } f[] = {
        { "periods_per_year", o->periods_per_year, 0, INFINITY, 1 },
        { "earn_rate", o->earn_rate, 0, INFINITY, 0 },
        { "redeem_share", o->redeem_share, 0, 1, 0 },
        { "redeem_months", o->redeem_months, 0, 12.0 * PATRON_PLAN_MAX_YEARS, 0 },
        { "expiry_months", o->expiry_months, 0, 12.0 * PATRON_PLAN_MAX_YEARS, 0 },
        { "cost_per_point", o->cost_per_point, 0, INFINITY, 0 },
        { "fixed_cost", o->fixed_cost, 0, INFINITY, 0 },
        { "incremental_share", o->incremental_share, 0, 1, 0 },
        { "margin", o->margin, 0, 1, 0 },
        { "discount_rate", o->discount_rate, -1, INFINITY, 1 },
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        double v = f[i].v;
        if (!isfinite(v) || v < f[i].lo || v > f[i].hi || (f[i].lo_open && v == f[i].lo))
            return patron__fail(PATRON_EINVAL, FN ": option %s is %.17g (must be finite, %s %g%s)", f[i].name, v,
                                f[i].lo_open ? ">" : ">=", f[i].lo,
                                isfinite(f[i].hi) ? (f[i].hi == 1 ? " and <= 1" : " and at most 50 years") : "");
    }
    if (o->expiry_months > 0 && o->redeem_months >= o->expiry_months)
        return patron__fail(PATRON_EINVAL, FN ": option redeem_months %.17g is not below expiry_months %.17g (points are redeemed before they expire)",
                            o->redeem_months, o->expiry_months);
    return PATRON_OK;
}

/* Everything a draw needs besides its parameters. */
typedef struct ctx {
    const groups *g;
    const patron_plan_options *o;
    int years;
    size_t n_months;
    const int64_t *acq;
    double *ages;   /* [month][y], y = 0..years: max(0, y P - birth) */
    double *ex;     /* E[X(age)] of a new member, same shape */
    double *pa;                  /* per row group: P(alive at T) */
    double *wa, *ma;             /* per (x, T): sum of w P(alive), of w m P(alive) */
    double *pa2, *ce, *g_prev;   /* per (x, T): P(alive) and CE at the representative t_x, G of the year before */
} ctx;

static int fail_series(int rc)
{
    return patron__fail_prefix(rc, FN ": ");
}

/* Expected outcomes of one parameter draw into m[year][metric]. */
static int eval_draw(double *m, ctx *c, const patron_clv_params *tx, const double gg[3])
{
    const groups *g = c->g;
    const patron_plan_options *o = c->o;
    int Y = c->years;
    double P = o->periods_per_year;
    memset(m, 0, sizeof(double) * (size_t)Y * PATRON_PLAN_N_METRICS);
    double gp = gg[0], gq = gg[1], ggam = gg[2];
    double mean_spend = ggam * gp / (gq - 1.0);
    double alive0 = patron__plan_alive_at_start(tx);

    if (g->n) {
        patron_clv_data d = { g->n, g->x, g->tx, g->T, NULL, NULL };
        patron_clv_data d2 = { g->n2, g->x2, g->tx2, g->T2, NULL, NULL };
        int rc = patron_clv_prob_alive(c->pa, tx, &d);
        if (!rc)
            rc = patron_clv_prob_alive(c->pa2, tx, &d2);
        if (rc)
            return patron__fail_prefix(rc, FN ": ");
        for (size_t j = 0; j < g->n2; j++)
            c->wa[j] = c->ma[j] = c->g_prev[j] = 0;
        for (size_t i = 0; i < g->n; i++) {
            c->wa[g->of[i]] += g->w[i] * c->pa[i];
            c->ma[g->of[i]] += g->msum[i] * c->pa[i];
        }
        for (int y = 1; y <= Y; y++) {
            double *row = m + (size_t)(y - 1) * PATRON_PLAN_N_METRICS;
            rc = patron_clv_expected_purchases(c->ce, tx, &d2, y * P);
            if (rc)
                return patron__fail_prefix(rc, FN ": ");
            double purchases = 0, revenue = 0, active = 0;
            for (size_t j = 0; j < g->n2; j++) {
                double x = g->x2[j];
                double G = c->ce[j] / c->pa2[j]; /* E[purchases in (T, T + yP] | alive at T] */
                double dx = G - c->g_prev[j];
                /* Gamma-Gamma: E[M | x, m] = (gamma p + p x m) / (p x + q - 1), summed over the group. */
                double spend = g->has_monetary ? (c->wa[j] * ggam * gp + gp * x * c->ma[j]) / (gp * x + gq - 1.0)
                                               : c->wa[j] * mean_spend;
                double s;
                if (patron__plan_survival(&s, tx, x, g->T2[j], y * P))
                    return patron__fail(PATRON_ERANGE, FN ": the survival series of members with x = %.17g, T = %.17g "
                                                          "does not converge at %d years", x, g->T2[j], y);
                purchases += c->wa[j] * dx;
                revenue += spend * dx;
                active += c->wa[j] * s;
                c->g_prev[j] = G;
            }
            row[PATRON_PLAN_PURCHASES] += purchases;
            row[PATRON_PLAN_REVENUE] += revenue;
            row[PATRON_PLAN_ACTIVE] += active;
        }
    }
    size_t cols = (size_t)Y + 1;
    if (c->n_months) {
        int rc = patron_clv_expected_purchases_new(c->ex, tx, c->ages, c->n_months * cols);
        if (rc)
            return fail_series(rc);
    }
    double ex_start_prev = 0;
    for (int y = 1; y <= Y; y++) {
        double *row = m + (size_t)(y - 1) * PATRON_PLAN_N_METRICS;
        /* Members enrolled at the start without history: new customers from 0. */
        if (g->w_start > 0) {
            double t[1] = { y * P }, ex;
            int rc = patron_clv_expected_purchases_new(&ex, tx, t, 1);
            if (rc)
                return fail_series(rc);
            double s;
            if (patron__plan_survival(&s, tx, 0, 0, y * P))
                return patron__fail(PATRON_ERANGE, FN ": the survival series of new members does not converge at %d years", y);
            row[PATRON_PLAN_PURCHASES] += g->w_start * (ex - ex_start_prev);
            row[PATRON_PLAN_REVENUE] += g->w_start * (ex - ex_start_prev) * mean_spend;
            row[PATRON_PLAN_ACTIVE] += g->w_start * alive0 * s;
            ex_start_prev = ex;
        }
        double members = g->w_total;
        for (size_t mo = 0; mo < c->n_months; mo++) {
            double A = (double)c->acq[mo];
            int y_join = (int)(mo / 12) + 1;
            if (mo < (size_t)y * 12)
                members += A;
            if (A == 0 || y < y_join)
                continue;
            double first = y == y_join ? 1.0 : 0.0;
            double rep = c->ex[mo * cols + (size_t)y] - c->ex[mo * cols + (size_t)y - 1];
            double s;
            if (patron__plan_survival(&s, tx, 0, 0, c->ages[mo * cols + (size_t)y]))
                return patron__fail(PATRON_ERANGE, FN ": the survival series of new members does not converge at %d years", y);
            row[PATRON_PLAN_PURCHASES] += A * (first + rep);
            row[PATRON_PLAN_REVENUE] += A * (first + rep) * mean_spend;
            row[PATRON_PLAN_ACTIVE] += A * alive0 * s;
        }
        row[PATRON_PLAN_MEMBERS] = members;
    }
    patron__plan_finish(m, Y, o);
    return PATRON_OK;
}

/* theta = log(estimate) + L z, z ~ N(0, I) from the draw's generator. */
static int draw_params(double *out, const patron_clv_fit_result *f, const double *L, int k, patron_rng *rng)
{
    double z[4];
    int rc = patron_rng_draw(rng, PATRON_DIST_NORMAL, 0.0, 1.0, z, (size_t)k);
    if (rc)
        return rc;
    for (int i = 0; i < k; i++) {
        double th = log(f->params.p[i]);
        for (int j = 0; j <= i; j++)
            th += L[i * 4 + j] * z[j];
        out[i] = exp(th);
    }
    return PATRON_OK;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

/* Linear interpolation between order statistics (type 7, numpy's default)
 * of sorted v[0..n-1]; NaN when any value is NaN. */
static double quantile_sorted(const double *v, size_t n, double q)
{
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
}

void patron__plan_percentiles(double *stat3, double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isnan(v[i])) {
            stat3[0] = stat3[1] = stat3[2] = NAN;
            return;
        }
    qsort(v, n, sizeof *v, cmp_double);
    stat3[0] = quantile_sorted(v, n, 0.1);
    stat3[1] = quantile_sorted(v, n, 0.5);
    stat3[2] = quantile_sorted(v, n, 0.9);
}

static int project(patron_plan **out, const patron_clv_fit_result *tx, const patron_clv_fit_result *spend,
                   const patron_clv_data *members, const int64_t *acq, size_t n_months,
                   const patron_plan_options *opts)
{
    patron_plan_options o = PATRON_PLAN_OPTIONS_INIT;
    int rc;
    if (!out)
        return patron__fail(PATRON_EINVAL, FN ": out is NULL");
    if ((rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_plan_options")))
        return rc;
    if ((rc = check_options(&o)) || (rc = check_fit(tx, "transaction", 0)) || (rc = check_fit(spend, "spend", 1)))
        return rc;
    if (!members)
        return patron__fail(PATRON_EINVAL, FN ": members is NULL");
    if (n_months > (size_t)o.years * 12)
        return patron__fail(PATRON_EINVAL, FN ": acquisitions has %zu months, more than the %d of %d years", n_months,
                            o.years * 12, (int)o.years);
    if (n_months && !acq)
        return patron__fail(PATRON_EINVAL, FN ": acquisitions is NULL with %zu months", n_months);
    for (size_t i = 0; i < n_months; i++)
        if (acq[i] < 0)
            return patron__fail(PATRON_EINVAL, FN ": acquisitions month %zu is %lld (must be >= 0)", i + 1,
                                (long long)acq[i]);
    double Ltx[16], Lgg[16];
    int ktx = patron_clv_param_count(tx->params.model);
    if ((rc = log_cholesky(Ltx, tx, ktx, "transaction")) || (rc = log_cholesky(Lgg, spend, 3, "spend")))
        return rc;

    groups g;
    if ((rc = groups_build(&g, members, tx->params.model)))
        return rc;
    int Y = o.years, D = o.draws;
    size_t cols = (size_t)Y + 1, per = (size_t)Y * PATRON_PLAN_N_METRICS;
    ctx c = { &g, &o, Y, n_months, acq, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
    patron_plan *plan = patron__calloc(1, sizeof *plan);
    double *est = patron__calloc(per, sizeof(double));
    double *col = patron__calloc((size_t)D, sizeof(double));
    if (plan) {
        plan->stats = patron__calloc(per * 4, sizeof(double));
        plan->per_draw = patron__calloc(per * (size_t)D, sizeof(double));
    }
    if (n_months) {
        c.ages = patron__calloc(n_months * cols, sizeof(double));
        c.ex = patron__calloc(n_months * cols, sizeof(double));
    }
    if (g.n) {
        c.pa = patron__calloc(g.n, sizeof(double));
        c.wa = patron__calloc(g.n2, sizeof(double));
        c.ma = patron__calloc(g.n2, sizeof(double));
        c.pa2 = patron__calloc(g.n2, sizeof(double));
        c.ce = patron__calloc(g.n2, sizeof(double));
        c.g_prev = patron__calloc(g.n2, sizeof(double));
    }
    if (!plan || !est || !col || !plan->stats || !plan->per_draw || (n_months && (!c.ages || !c.ex)) ||
        (g.n && (!c.pa || !c.wa || !c.ma || !c.pa2 || !c.ce || !c.g_prev))) {
        rc = patron__oom();
        goto done;
    }
    for (size_t mo = 0; mo < n_months; mo++) {
        /* Members of month mo join at its middle. */
        double birth = ((double)mo + 0.5) / 12.0 * o.periods_per_year;
        for (size_t y = 0; y < cols; y++) {
            double age = (double)y * o.periods_per_year - birth;
            c.ages[mo * cols + y] = age > 0 ? age : 0;
        }
    }
    double gg_est[3] = { spend->params.p[0], spend->params.p[1], spend->params.p[2] };
    if ((rc = eval_draw(est, &c, &tx->params, gg_est)))
        goto done;
    int64_t redraws = 0;
    for (int d = 0; d < D; d++) {
        patron_rng rng;
        patron_rng_seed_stream(&rng, o.seed, (uint64_t)d);
        for (;;) {
            patron_clv_params p = tx->params;
            double gg[3];
            if ((rc = draw_params(p.p, tx, Ltx, ktx, &rng)))
                goto done;
            int tries = 0;
            do {
                if (++tries > MAX_SPEND_REDRAWS) {
                    rc = patron__fail(PATRON_ECONVERGE, FN ": draw %d: the spend parameter q came out <= 1 in %d draws "
                                                        "(its uncertainty is too large for a mean spend)", d, MAX_SPEND_REDRAWS);
                    goto done;
                }
                if ((rc = draw_params(gg, spend, Lgg, 3, &rng)))
                    goto done;
            } while (!(gg[1] > 1.0));
            rc = eval_draw(plan->per_draw + (size_t)d * per, &c, &p, gg);
            if (rc == PATRON_OK)
                break;
            /* The closed forms do not exist or do not converge at these
             * parameters (BG/NBD with a + b <= 1 for members without repeat
             * purchases): the draw is drawn again from the same generator. */
            if (rc == PATRON_ERANGE && redraws < (int64_t)D * MAX_REDRAWS_PER_DRAW) {
                redraws++;
                continue;
            }
            if (rc == PATRON_ERANGE)
                rc = patron__fail_prefix(PATRON_ECONVERGE, FN ": %lld parameter draws fell where the model's expectations "
                                                           "do not converge (the fit is too uncertain to project); the last, ",
                                         (long long)redraws);
            rc = patron__fail_prefix(rc, "draw %d (%s %.6g, %s %.6g, %s %.6g, %s %.6g): ", d,
                                     patron_clv_param_name(p.model, 0), p.p[0], patron_clv_param_name(p.model, 1),
                                     p.p[1], patron_clv_param_name(p.model, 2), p.p[2],
                                     patron_clv_param_name(p.model, 3), p.p[3]);
            goto done;
        }
    }
    for (size_t j = 0; j < per; j++) {
        for (int d = 0; d < D; d++)
            col[d] = plan->per_draw[(size_t)d * per + j];
        plan->stats[j * 4] = est[j];
        patron__plan_percentiles(plan->stats + j * 4 + 1, col, (size_t)D);
    }
    plan->years = Y;
    plan->draws = D;
    plan->redraws = redraws;
    plan->model = tx->params.model;
    plan->opts = o;
    *out = plan;
    plan = NULL;
    rc = PATRON_OK;
done:
    if (plan) {
        patron__free(plan->stats);
        patron__free(plan->per_draw);
        patron__free(plan);
    }
    patron__free(est);
    patron__free(col);
    patron__free(c.ages);
    patron__free(c.ex);
    patron__free(c.pa);
    patron__free(c.wa);
    patron__free(c.ma);
    patron__free(c.pa2);
    patron__free(c.ce);
    patron__free(c.g_prev);
    groups_free(&g);
    return rc;
}

int patron_plan_project(patron_plan **out, const patron_clv_fit_result *tx, const patron_clv_fit_result *spend,
                        const patron_clv_data *members, const int64_t *acquisitions, size_t n_months,
                        const patron_plan_options *opts)
{
    return project(out, tx, spend, members, acquisitions, n_months, opts);
}

int patron_plan_project_frame(patron_plan **out, const patron_clv_fit_result *tx,
                              const patron_clv_fit_result *spend, const patron_frame *members,
                              const int64_t *acquisitions, size_t n_months, const patron_plan_options *opts)
{
    if (!members)
        return patron__fail(PATRON_EINVAL, "patron_plan_project_frame: members is NULL");
    patron_clv_data d;
    /* Gamma-Gamma's columns: frequency, recency, T and monetary_value. */
    int rc = patron_clv_data_from_frame(&d, members, PATRON_CLV_GG);
    if (rc)
        return patron__fail_prefix(rc, "patron_plan_project_frame: ");
    return project(out, tx, spend, &d, acquisitions, n_months, opts);
}

void patron_plan_free(patron_plan *plan)
{
    if (!plan)
        return;
    patron__free(plan->stats);
    patron__free(plan->per_draw);
    patron__free(plan);
}

int32_t patron_plan_years(const patron_plan *plan)
{
    return plan ? plan->years : 0;
}

int32_t patron_plan_draws(const patron_plan *plan)
{
    return plan ? plan->draws : 0;
}

int64_t patron_plan_redraws(const patron_plan *plan)
{
    return plan ? plan->redraws : 0;
}

int64_t patron_plan_fit_id(const patron_plan *plan)
{
    return plan ? plan->fit_id : 0;
}

int32_t patron_plan_model(const patron_plan *plan)
{
    return plan ? (int32_t)plan->model : 0;
}

int64_t patron_plan_fit_as_of(const patron_plan *plan)
{
    return plan ? plan->fit_as_of : 0;
}

double patron_plan_value(const patron_plan *plan, int32_t year, int32_t metric, int32_t stat)
{
    if (!plan || year < 1 || year > plan->years || metric < 0 || metric >= PATRON_PLAN_N_METRICS || stat < 0 ||
        stat > 3)
        return NAN;
    return plan->stats[((size_t)(year - 1) * PATRON_PLAN_N_METRICS + (size_t)metric) * 4 + (size_t)stat];
}

double patron_plan_draw_value(const patron_plan *plan, int32_t draw, int32_t year, int32_t metric)
{
    if (!plan || draw < 0 || draw >= plan->draws || year < 1 || year > plan->years || metric < 0 ||
        metric >= PATRON_PLAN_N_METRICS)
        return NAN;
    size_t per = (size_t)plan->years * PATRON_PLAN_N_METRICS;
    return plan->per_draw[(size_t)draw * per + (size_t)(year - 1) * PATRON_PLAN_N_METRICS + (size_t)metric];
}

const char *patron_plan_metric_name(int32_t metric)
{
    static const char *const names[PATRON_PLAN_N_METRICS] = {
        "members",         "active",          "purchases",    "revenue",
        "points_issued",   "points_redeemed", "points_expired", "points_outstanding",
        "liability",       "program_cost",    "incremental_profit", "roi",
        "cumulative_roi",
    };
    if (metric < 0 || metric >= PATRON_PLAN_N_METRICS)
        return NULL;
    return names[metric];
}
