/* Bayesian model of the relative effect (lift) with a normal prior on the
 * lift: gbstats' default Bayesian engine (EffectBayesianABTest with
 * difference_type "relative"). The lift estimate (m_b - m_a) / m_a and its
 * delta-method variance v_b/(n_b m_a^2) + v_a m_b^2/(n_a m_a^4) are treated
 * as a normal likelihood and combined with the prior N(prior_mean,
 * prior_variance) by precision weighting; prior_variance 0 is GrowthBook's
 * "improper" prior (the posterior is the likelihood). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/dist.h"
#include "internal/error.h"

static int relative(patron_abtest_bayes_relative_result *out, const char *fn, int64_t n_a, double m_a, double v_a,
                    int64_t n_b, double m_b, double v_b, double alpha, double prior_mean, double prior_variance)
{
    if (m_a == 0)
        return patron__fail(PATRON_EINVAL, "%s: A's mean is 0, so the relative change is undefined", fn);
    if (!(prior_variance >= 0) || isinf(prior_variance) || (prior_variance > 0 && !isfinite(prior_mean)))
        return patron__fail(PATRON_EINVAL, "%s: prior variance %g must be finite and >= 0 (0: flat prior)", fn,
                            prior_variance);
    double ma2 = m_a * m_a;
    double v = v_b / ((double)n_b * ma2) + v_a * (m_b * m_b) / ((double)n_a * ma2 * ma2);
    if (!(v > 0) || !isfinite(v))
        return patron__fail(PATRON_EINVAL, "%s: %s", fn,
                            v > 0 ? "the variance of the lift is not finite" : "both arms have zero variance");
    patron_abtest_bayes_relative_result r;
    memset(&r, 0, sizeof r);
    r.lift = (m_b - m_a) / m_a;
    r.lift_se = sqrt(v);
    double mu = r.lift, var = v;
    if (prior_variance > 0) {
        double prec_data = 1 / v, prec_prior = 1 / prior_variance, prec = prec_data + prec_prior;
        var = 1 / prec;
        mu = (r.lift * prec_data + prior_mean * prec_prior) * var;
        r.prior_weight = prec_prior / prec;
    }
    double sd = sqrt(var), z = mu / sd;
    r.posterior_mean = mu;
    r.posterior_sd = sd;
    r.chance_to_win = patron__norm_sf(-z);
    double zc = patron__norm_isf(alpha / 2);
    r.credible_interval[0] = mu - zc * sd;
    r.credible_interval[1] = mu + zc * sd;
    /* E[max(L, 0)] = sd (phi(z) + z Phi(z)), E[max(-L, 0)] the same at -z */
    r.risk_choose_control = sd * patron__ab_normal_loss(z);
    r.risk_choose_treatment = sd * patron__ab_normal_loss(-z);
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}

int patron_abtest_bayes_relative(patron_abtest_bayes_relative_result *out, const patron_abtest_summary *a,
                                 const patron_abtest_summary *b, double alpha, double prior_mean,
                                 double prior_variance)
{
    static const char fn[] = "patron_abtest_bayes_relative";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = patron__ab_check_alpha(alpha, fn)))
        return rc;
    if (!a || !b)
        return patron__fail(PATRON_EINVAL, "%s: NULL summary", fn);
    for (int k = 0; k < 2; k++) {
        const patron_abtest_summary *s = k ? b : a;
        if (s->n < 1 || !isfinite(s->mean) || !(s->sd >= 0) || isinf(s->sd))
            return patron__fail(PATRON_EINVAL, "%s: arm %c has n = %lld, mean = %g, sd = %g (expected n >= 1, a "
                                "finite mean and a finite sd >= 0)", fn, k ? 'B' : 'A', (long long)s->n, s->mean,
                                s->sd);
    }
    return relative(out, fn, a->n, a->mean, a->sd * a->sd, b->n, b->mean, b->sd * b->sd, alpha, prior_mean,
                    prior_variance);
}

int patron_abtest_bayes_relative_proportions(patron_abtest_bayes_relative_result *out, int64_t x_a, int64_t n_a,
                                             int64_t x_b, int64_t n_b, double alpha, double prior_mean,
                                             double prior_variance)
{
    static const char fn[] = "patron_abtest_bayes_relative_proportions";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = patron__ab_check_alpha(alpha, fn)))
        return rc;
    if (n_a < 1 || x_a < 0 || x_a > n_a)
        return patron__fail(PATRON_EINVAL, "%s: arm A has x = %lld, n = %lld (expected 0 <= x <= n, n >= 1)", fn,
                            (long long)x_a, (long long)n_a);
    if (n_b < 1 || x_b < 0 || x_b > n_b)
        return patron__fail(PATRON_EINVAL, "%s: arm B has x = %lld, n = %lld (expected 0 <= x <= n, n >= 1)", fn,
                            (long long)x_b, (long long)n_b);
    /* gbstats' proportion statistic: mean x/n, variance p (1 - p) */
    double pa = (double)x_a / (double)n_a, pb = (double)x_b / (double)n_b;
    return relative(out, fn, n_a, pa, pa * (1 - pa), n_b, pb, pb * (1 - pb), alpha, prior_mean, prior_variance);
}
