/* Several treatments against one control: Dunnett's many-to-one test
 * (Dunnett 1955) for means and, in its large-sample form, for proportions;
 * Holm and Bonferroni on the same comparisons.
 *
 * The statistics share the control, so T_i = (lambda_i W + rho_i Z_i) / s
 * with W, Z_i independent standard normals, rho_i = sqrt(1 - lambda_i^2)
 * and s^2 ~ chi2(df) / df (s = 1 for proportions). Conditional on W and s
 * the comparisons are independent, which turns the k-variate t integral into
 * a double one: over W by Gauss-Legendre panels split at the points where a
 * factor jumps (W = +-c s / lambda_i; a factor with rho_i = 0 is a step
 * there), and over u = ln s^2, whose density exp(x (u - e^u)) (x = df/2) is
 * smooth and decays both ways, by the trapezoid rule (exponentially
 * accurate), self-normalised. The integrand is the probability of being
 * outside, 1 - prod (1 - q_i) = -expm1(sum log1p(-q_i)), so small adjusted
 * p-values keep their relative precision. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/dist.h"
#include "internal/error.h"
#include "internal/options.h"

#define MAXK PATRON_ABTEST_MAX_ARMS

typedef struct {
    size_t k;          /* comparisons in the family */
    double lam[MAXK];  /* lambda_i */
    double rho[MAXK];  /* sqrt(1 - lambda_i^2) */
    int two_sided;
    double df;         /* Infinity: normal */
} family;

/* 10-point Gauss-Legendre nodes and weights on [-1, 1]. */
static const double gl_x[5] = {0.1488743389816312108848260, 0.4333953941292471907992659,
                               0.6794095682990244062343274, 0.8650633666889845107320967,
                               0.9739065285171717200779640};
static const double gl_w[5] = {0.2955242247147528701738930, 0.2692667193099963550912269,
                               0.2190863625159820439955349, 0.1494513491505805931457763,
                               0.0666713443086881375935688};

/* Half-width of the W range: 10 beyond the last jump at c s / lambda. A
 * small adjusted p comes from W near lambda c s (the saddle point of
 * phi(W) Phi((lambda W - c s) / rho)), which the range must reach. */
static double w_range(const family *f, double cs)
{
    double lmax = 0;
    for (size_t i = 0; i < f->k; i++)
        if (f->lam[i] > lmax)
            lmax = f->lam[i];
    double r = lmax * cs + 10;
    return r > 10 ? r : 10;
}

/* P(some comparison outside) at W, threshold cs. */
static double outside_at(const family *f, double w, double cs)
{
    double acc = 0; /* sum log1p(-q_i) */
    for (size_t i = 0; i < f->k; i++) {
        double m = f->lam[i] * w, q;
        if (f->rho[i] == 0) {
            q = f->two_sided ? (fabs(m) > cs) : (m > cs);
        } else {
            q = patron__norm_sf((cs - m) / f->rho[i]);
            if (f->two_sided)
                q += patron__norm_cdf((-cs - m) / f->rho[i]);
        }
        if (q >= 1)
            return 1;
        acc += log1p(-q);
    }
    return -expm1(acc);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* P(outside | s) = integral over W of outside_at * phi(W); beyond the
 * range the integrand is below exp(-50) of its peak. */
static double outside_given_s(const family *f, double cs)
{
    enum { GRID = 400 };
    double br[GRID + 2 + 16 * MAXK];
    size_t nb = 0;
    double wmax = w_range(f, cs), step = 2 * wmax / GRID > 1 ? 2 * wmax / GRID : 1;
    for (double w = -wmax; w < wmax - 1e-9 && nb < GRID; w += step)
        br[nb++] = w;
    br[nb++] = wmax;
    for (size_t i = 0; i < f->k; i++) {
        if (f->lam[i] == 0)
            continue; /* the factor does not depend on W */
        double width = f->rho[i] / f->lam[i];
        if (width >= 1)
            continue;
        static const double steps[] = {0, 1, 3, 10};
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            double at = sgn * cs / f->lam[i];
            if (!f->two_sided && sgn < 0)
                continue;
            for (size_t j = 0; j < sizeof steps / sizeof *steps; j++)
                for (int side = -1; side <= 1; side += 2) {
                    double b = at + side * steps[j] * width;
                    if (b > -wmax && b < wmax && (j > 0 || side > 0))
                        br[nb++] = b;
                }
        }
    }
    qsort(br, nb, sizeof *br, cmp_double);
    double sum = 0;
    for (size_t j = 0; j + 1 < nb; j++) {
        double a = br[j], b = br[j + 1];
        if (b - a < 1e-300)
            continue;
        double mid = 0.5 * (a + b), half = 0.5 * (b - a), part = 0;
        for (int g = 0; g < 5; g++)
            for (int sg = -1; sg <= 1; sg += 2) {
                double w = mid + sg * half * gl_x[g];
                part += gl_w[g] * outside_at(f, w, cs) * patron__norm_pdf(w);
            }
        sum += part * half;
    }
    return sum;
}

/* P(max_i |T_i| > c) (two-sided) or P(max_i T_i > c). */
static double outside(const family *f, double c)
{
    if (f->k == 0)
        return 0;
    if (isinf(f->df) || f->df > 1e8)
        return outside_given_s(f, c);
    /* u = ln s^2: density peak at 0 with width sq = sqrt(2/df) for large
     * df, a long left tail exp(x u) for small df; a small outside
     * probability comes from near u0 = -ln(1 + c^2/df) (as in the t tail,
     * dist.c), whose width is sq again. */
    double x = 0.5 * f->df;
    double sq = 1 / sqrt(x);
    double lo = -(45 / x > 12 * sq ? 45 / x : 12 * sq);
    double hi = log1p(45 / x) > 12 * sq ? log1p(45 / x) : 12 * sq;
    double u0 = -log1p(c * c / f->df);
    if (u0 - 25 * sq < lo)
        lo = u0 - 25 * sq;
    double h = 0.6 * sq < 0.25 ? 0.6 * sq : 0.25; /* trapezoid error ~ exp(-2 pi^2 (sq/h)^2) */
    int n = (int)ceil((hi - lo) / h);
    double num = 0, den = 0;
    for (int i = 0; i <= n; i++) {
        double u = lo + (hi - lo) * i / n;
        double ld = x * (u - expm1(u)); /* ln of the density up to a constant; peak 0 at u = 0 */
        if (ld < -700)
            continue;
        double dens = exp(ld);
        num += dens * outside_given_s(f, c * exp(0.5 * u));
        den += dens;
    }
    return num / den;
}

/* c with outside(c) = alpha, between the single-test and Bonferroni
 * quantiles, by regula falsi (Illinois) on log outside(c) - log alpha. */
static double critical(const family *f, double alpha)
{
    double m = (double)f->k;
    double a_one = f->two_sided ? alpha / 2 : alpha;
    double inf_df = isinf(f->df);
    double lo = inf_df ? patron__norm_isf(a_one) : patron__t_isf(a_one, f->df);
    double hi = inf_df ? patron__norm_isf(a_one / m) : patron__t_isf(a_one / m, f->df);
    if (f->k <= 1)
        return lo;
    double la = log(alpha);
    double flo = log(outside(f, lo)) - la, fhi = log(outside(f, hi)) - la;
    if (!(flo > 0))
        return lo;
    if (!(fhi < 0))
        return hi;
    int side = 0;
    for (int it = 0; it < 60 && hi - lo > 1e-13 * hi; it++) {
        double c = fhi != flo ? (lo * fhi - hi * flo) / (fhi - flo) : 0.5 * (lo + hi);
        double fc = log(outside(f, c)) - la;
        if (fc == 0)
            return c;
        if (fc > 0) {
            lo = c;
            flo = fc;
            if (side == 1)
                fhi /= 2;
            side = 1;
        } else {
            hi = c;
            fhi = fc;
            if (side == -1)
                flo /= 2;
            side = -1;
        }
    }
    return 0.5 * (lo + hi);
}

/* Copies the caller's options (NULL: defaults) into *copy by the one
 * sized-struct rule and points *opts at the copy. */
static int check_opts(const char *fn, const patron_abtest_many_options **opts,
                      patron_abtest_many_options *copy, size_t n_arms)
{
    *copy = (patron_abtest_many_options)PATRON_ABTEST_MANY_OPTIONS_INIT;
    int rc = patron__options_copy(copy, sizeof *copy, *opts, sizeof *copy, "patron_abtest_many_options");
    if (rc)
        return patron__fail_prefix(rc, "%s: ", fn);
    *opts = copy;
    const patron_abtest_many_options *o = copy;
    if ((rc = patron__ab_check_alpha(o->alpha, fn)))
        return rc;
    if ((int)o->method < 0 || (int)o->method > PATRON_ABTEST_UNADJUSTED)
        return patron__fail(PATRON_EINVAL, "%s: method %d is not a patron_abtest_multiplicity", fn, (int)o->method);
    if (o->sides != 1 && o->sides != 2)
        return patron__fail(PATRON_EINVAL, "%s: sides is %d, expected 1 or 2", fn, o->sides);
    if (n_arms < 3 || n_arms > MAXK)
        return patron__fail(PATRON_EINVAL, "%s: n_arms is %zu, expected 3 to %d (a control and 2 or more treatments)",
                            fn, n_arms, MAXK);
    return PATRON_OK;
}

/* Everything after effect and se are known: raw and adjusted p-values,
 * critical value and intervals. lam[i] as above; se[i] == 0 marks a
 * degenerate comparison. */
static int finish(patron_abtest_many_result *r, const double *lam, const patron_abtest_many_options *o)
{
    size_t m = (size_t)r->n_comparisons;
    int two = o->sides == 2;
    int normal = isinf(r->df);
    family f;
    memset(&f, 0, sizeof f);
    f.two_sided = two;
    f.df = r->df;
    for (size_t i = 0; i < m; i++) {
        if (r->se[i] == 0) {
            r->statistic[i] = r->effect[i] == 0 ? NAN : (r->effect[i] > 0 ? INFINITY : -INFINITY);
            r->p_raw[i] = r->effect[i] == 0 ? 1 : (two || r->effect[i] > 0 ? 0 : 1);
            continue;
        }
        double t = r->effect[i] / r->se[i];
        r->statistic[i] = t;
        double tail = two ? fabs(t) : t;
        double sf = normal ? patron__norm_sf(tail) : patron__t_sf(tail, r->df);
        r->p_raw[i] = two ? 2 * sf : sf;
        if (r->p_raw[i] > 1)
            r->p_raw[i] = 1;
        f.lam[f.k] = lam[i];
        f.rho[f.k] = sqrt((1 - lam[i]) * (1 + lam[i]));
        f.k++;
    }
    double a_one = two ? o->alpha / 2 : o->alpha;
    double mm = (double)m;
    switch (o->method) {
    case PATRON_ABTEST_DUNNETT:
        for (size_t i = 0; i < m; i++)
            r->p_adjusted[i] = r->se[i] == 0 ? r->p_raw[i] : outside(&f, two ? fabs(r->statistic[i]) : r->statistic[i]);
        r->critical_value = critical(&f, o->alpha);
        break;
    case PATRON_ABTEST_HOLM: {
        int rc = patron_abtest_adjust(r->p_adjusted, NULL, NULL, r->p_raw, m);
        if (rc)
            return rc;
        r->critical_value = normal ? patron__norm_isf(a_one / mm) : patron__t_isf(a_one / mm, r->df);
        break;
    }
    case PATRON_ABTEST_BONFERRONI:
        for (size_t i = 0; i < m; i++)
            r->p_adjusted[i] = r->p_raw[i] * mm < 1 ? r->p_raw[i] * mm : 1;
        r->critical_value = normal ? patron__norm_isf(a_one / mm) : patron__t_isf(a_one / mm, r->df);
        break;
    default:
        memcpy(r->p_adjusted, r->p_raw, m * sizeof *r->p_raw);
        r->critical_value = normal ? patron__norm_isf(a_one) : patron__t_isf(a_one, r->df);
        break;
    }
    for (size_t i = 0; i < m; i++) {
        double half = r->critical_value * r->se[i];
        r->ci_low[i] = two ? r->effect[i] - half : -INFINITY;
        r->ci_high[i] = two ? r->effect[i] + half : INFINITY;
        if (!two)
            r->ci_low[i] = r->effect[i] - half;
        r->significant[i] = r->p_adjusted[i] <= o->alpha;
    }
    r->alpha = o->alpha;
    r->method = (int)o->method;
    r->sides = o->sides;
    return PATRON_OK;
}

int patron_abtest_many_means(patron_abtest_many_result *out, const int64_t *n, const double *mean, const double *sd,
                             size_t n_arms, const patron_abtest_many_options *opts)
{
    static const char fn[] = "patron_abtest_many_means";
    patron_abtest_many_options opts_copy;
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = check_opts(fn, &opts, &opts_copy, n_arms)))
        return rc;
    if (!n || !mean || !sd)
        return patron__fail(PATRON_EINVAL, "%s: n, mean or sd is NULL", fn);
    double total = 0, ss = 0;
    for (size_t i = 0; i < n_arms; i++) {
        if (n[i] < 1)
            return patron__fail(PATRON_EINVAL, "%s: arm %zu: n is %lld, expected >= 1", fn, i, (long long)n[i]);
        if (!isfinite(mean[i]))
            return patron__fail(PATRON_EINVAL, "%s: arm %zu: mean is %g, expected a finite number", fn, i, mean[i]);
        if (!(sd[i] >= 0) || isinf(sd[i]))
            return patron__fail(PATRON_EINVAL, "%s: arm %zu: sd is %g, expected a finite number >= 0", fn, i, sd[i]);
        if (n[i] == 1 && sd[i] != 0)
            return patron__fail(PATRON_EINVAL, "%s: arm %zu: sd is %g with n = 1 (a single value has no sd)", fn, i,
                                sd[i]);
        total += (double)n[i];
        ss += ((double)n[i] - 1) * sd[i] * sd[i];
    }
    double df = total - (double)n_arms;
    if (df < 1)
        return patron__fail(PATRON_EINVAL, "%s: %g customers in %zu arms leave no degrees of freedom for the variance",
                            fn, total, n_arms);
    double s2 = ss / df;
    if (!(s2 > 0) || isinf(s2))
        return patron__fail(PATRON_EINVAL, "%s: the pooled variance is %g, expected a positive finite number", fn, s2);
    patron_abtest_many_result r;
    memset(&r, 0, sizeof r);
    r.n_comparisons = (int64_t)(n_arms - 1);
    r.df = df;
    double lam[MAXK];
    double n0 = (double)n[0];
    for (size_t i = 1; i < n_arms; i++) {
        double ni = (double)n[i];
        r.effect[i - 1] = mean[i] - mean[0];
        r.se[i - 1] = sqrt(s2 * (1 / ni + 1 / n0));
        lam[i - 1] = sqrt(ni / (ni + n0));
    }
    if ((rc = finish(&r, lam, opts)))
        return rc;
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}

int patron_abtest_many_proportions(patron_abtest_many_result *out, const int64_t *x, const int64_t *n, size_t n_arms,
                                   const patron_abtest_many_options *opts)
{
    static const char fn[] = "patron_abtest_many_proportions";
    patron_abtest_many_options opts_copy;
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = check_opts(fn, &opts, &opts_copy, n_arms)))
        return rc;
    if (!x || !n)
        return patron__fail(PATRON_EINVAL, "%s: x or n is NULL", fn);
    double p[MAXK], v[MAXK];
    for (size_t i = 0; i < n_arms; i++) {
        if (n[i] < 1)
            return patron__fail(PATRON_EINVAL, "%s: arm %zu: n is %lld, expected >= 1", fn, i, (long long)n[i]);
        if (x[i] < 0 || x[i] > n[i])
            return patron__fail(PATRON_EINVAL, "%s: arm %zu: x is %lld, expected 0 <= x <= n = %lld", fn, i,
                                (long long)x[i], (long long)n[i]);
        p[i] = (double)x[i] / (double)n[i];
        v[i] = p[i] * (1 - p[i]) / (double)n[i];
    }
    patron_abtest_many_result r;
    memset(&r, 0, sizeof r);
    r.n_comparisons = (int64_t)(n_arms - 1);
    r.df = INFINITY;
    double lam[MAXK];
    for (size_t i = 1; i < n_arms; i++) {
        double var = v[0] + v[i];
        r.effect[i - 1] = p[i] - p[0];
        r.se[i - 1] = sqrt(var);
        lam[i - 1] = var > 0 ? sqrt(v[0] / var) : 0;
    }
    if ((rc = finish(&r, lam, opts)))
        return rc;
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}
