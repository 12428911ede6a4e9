/* What a fit and its parameters say beyond predictions: Wald confidence
 * intervals of the estimates, and the mixing (heterogeneity) distributions
 * of the customers' latent rates and probabilities, for the summary tables
 * and heterogeneity plots of notebooks. */
#include <math.h>

#include "clv_impl.h"
#include "internal/clv_model.h"
#include "internal/dist.h"
#include "internal/error.h"
#include "internal/gammafn.h"

int patron_clv_param_intervals(double *lower, double *upper, const patron_clv_fit_result *fit,
                               double level)
{
    if (!lower || !upper || !fit)
        return patron__fail(PATRON_EINVAL, "parameter intervals: lower, upper or fit is NULL");
    if (!(level > 0 && level < 1))
        return patron__fail(PATRON_EINVAL, "parameter intervals: level %.17g must be in (0, 1)",
                            level);
    int k = patron_clv_param_count(fit->params.model);
    if (k == 0 || fit->n_params != k)
        return patron__fail(PATRON_EINVAL, "parameter intervals: the fit has %d parameters for "
                            "model %d (not a filled patron_clv_fit_result)", (int)fit->n_params,
                            (int)fit->params.model);
    double z = patron__norm_ppf(0.5 + level / 2);
    double se[PATRON_CLV_MAX_PARAMS];
    for (int i = 0; i < k; i++) {
        double v = fit->cov[i * PATRON_CLV_MAX_PARAMS + i];
        if (!(v >= 0) || !isfinite(v))
            return patron__fail(PATRON_EINVAL, "parameter intervals: variance of %s is %.17g",
                                patron_clv_param_name(fit->params.model, i), v);
        se[i] = sqrt(v);
    }
    for (int i = 0; i < k; i++) {
        lower[i] = fit->params.p[i] - z * se[i];
        upper[i] = fit->params.p[i] + z * se[i];
    }
    return PATRON_OK;
}

/* The mixing distribution of (model, which): a gamma with shape a and rate
 * b (is_beta = 0) or a beta(a, b). */
typedef struct mixing {
    int is_beta;
    double a, b;
} mixing;

static int mixing_of(mixing *m, const patron_clv_params *params, int which, const char *what)
{
    int rc = clv_params_check(params);
    if (rc)
        return rc;
    if (which != PATRON_CLV_MIX_PURCHASE && which != PATRON_CLV_MIX_DROPOUT)
        return patron__fail(PATRON_EINVAL, "%s: which is %d (must be PATRON_CLV_MIX_PURCHASE or "
                            "PATRON_CLV_MIX_DROPOUT)", what, which);
    const double *p = params->p;
    int d = which == PATRON_CLV_MIX_DROPOUT;
    const clv_mixing_desc *x = &patron__clv_model(params->model)->mixing[d];
    if (!x->present)
        return patron__fail(PATRON_EUNSUPPORTED, "%s: %s has no purchase or dropout "
                            "mixing distribution", what, patron__clv_model(params->model)->title);
    *m = (mixing){x->is_beta, p[x->a], p[x->b]};
    return PATRON_OK;
}

static double mixing_cdf(const mixing *m, double x)
{
    if (m->is_beta)
        return patron__incbeta(m->a, m->b, x, 1 - x, 0, NULL);
    return patron__incgamma(m->a, m->b * x, 0, NULL);
}

int patron_clv_mixing_density(double *out, const patron_clv_params *params, int which,
                              const double *x, size_t n)
{
    const char *what = "mixing density";
    mixing m;
    int rc = mixing_of(&m, params, which, what);
    if (rc)
        return rc;
    if (n && (!out || !x))
        return patron__fail(PATRON_EINVAL, "%s: out or x is NULL", what);
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i]))
            return patron__fail(PATRON_EINVAL, "%s: x[%zu] is NaN", what, i);
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        if (v < 0 || (m.is_beta && v > 1)) {
            out[i] = 0;
        } else if (v == 0 || (m.is_beta && v == 1)) {
            /* the boundary: 0, the finite limit, or infinity, by the shape */
            double s = (v == 0) ? m.a : m.b;
            double lim = m.is_beta ? exp(-patron__lbeta(m.a, m.b)) : m.b;
            out[i] = s > 1 ? 0 : s == 1 ? lim : INFINITY;
        } else if (m.is_beta) {
            out[i] = exp((m.a - 1) * log(v) + (m.b - 1) * log1p(-v) - patron__lbeta(m.a, m.b));
        } else {
            out[i] = exp(m.a * log(m.b) + (m.a - 1) * log(v) - m.b * v - patron__lgamma(m.a));
        }
    }
    return PATRON_OK;
}

int patron_clv_mixing_moments(double *mean, double *variance, double *quantile,
                              const patron_clv_params *params, int which, double prob)
{
    const char *what = "mixing moments";
    mixing m;
    int rc = mixing_of(&m, params, which, what);
    if (rc)
        return rc;
    if (quantile && !(prob > 0 && prob < 1))
        return patron__fail(PATRON_EINVAL, "%s: prob %.17g must be in (0, 1)", what, prob);
    double mu, var;
    if (m.is_beta) {
        double s = m.a + m.b;
        mu = m.a / s;
        var = m.a * m.b / (s * s * (s + 1));
    } else {
        mu = m.a / m.b;
        var = m.a / (m.b * m.b);
    }
    double q = 0;
    if (quantile) {
        /* bisection on the cdf: monotone, and 200 halvings reach the
         * resolution of a double from any bracket */
        double lo = 0, hi = 1;
        if (!m.is_beta)
            while (mixing_cdf(&m, hi) < prob && hi < 1e300)
                hi *= 2;
        for (int it = 0; it < 200 && hi > lo; it++) {
            double mid = lo + (hi - lo) / 2;
            if (mid <= lo || mid >= hi)
                break;
            if (mixing_cdf(&m, mid) < prob)
                lo = mid;
            else
                hi = mid;
        }
        q = lo + (hi - lo) / 2;
        if (!isfinite(q))
            return patron__fail(PATRON_ERANGE, "%s: quantile %.17g is not finite", what, prob);
    }
    if (mean)
        *mean = mu;
    if (variance)
        *variance = var;
    if (quantile)
        *quantile = q;
    return PATRON_OK;
}
