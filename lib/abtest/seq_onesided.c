/* One-sided asymptotic confidence sequence (Waudby-Smith et al. 2023,
 * arXiv 2103.06476 eq. 134, as gbstats' SequentialOneSidedTreatment*TTest):
 * rho from 2 alpha, half-width
 * sqrt(s2 2 (n rho^2 + 1) / (n rho)^2 ln(1 + sqrt(n rho^2 + 1) / (2 alpha)))
 * with s2 = se^2 n. gbstats finds the p-value by bisection over alpha with
 * rho held at its value for the design's alpha; here the bound is inverted
 * in closed form (the same alpha, without the bisection's 1e-6 tolerance
 * and its [1e-5, 0.4999] clamp). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/dist.h"
#include "internal/error.h"

int patron_abtest_confidence_sequence_one_sided(patron_abtest_cs_one_sided_result *out, double estimate, double se,
                                                int64_t n_total, double alpha, double n_star, double test_value,
                                                int direction)
{
    static const char fn[] = "patron_abtest_confidence_sequence_one_sided";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc)
        return rc;
    if (!(alpha > 0 && alpha < 0.5))
        return patron__fail(PATRON_EINVAL, "%s: alpha %g is outside (0, 0.5) (a one-sided sequence needs 2 alpha < 1)",
                            fn, alpha);
    if (direction != 1 && direction != -1)
        return patron__fail(PATRON_EINVAL, "%s: direction %d, expected 1 (B greater) or -1 (B lesser)", fn, direction);
    if (!isfinite(estimate) || !isfinite(test_value))
        return patron__fail(PATRON_EINVAL, "%s: estimate and test value must be finite", fn);
    if (!(se > 0) || isinf(se))
        return patron__fail(PATRON_EINVAL, "%s: standard error %g, expected > 0", fn, se);
    if (n_total < 1)
        return patron__fail(PATRON_EINVAL, "%s: n_total is %lld, expected >= 1", fn, (long long)n_total);
    if (!(n_star > 0) || isinf(n_star))
        return patron__fail(PATRON_EINVAL, "%s: n_star is %g, expected > 0", fn, n_star);
    patron_abtest_cs_one_sided_result r;
    memset(&r, 0, sizeof r);
    double la = -2 * log(2 * alpha);
    double rho = sqrt((la + log(la + 1)) / n_star);
    double n = (double)n_total, nr2 = n * rho * rho, s2 = se * se * n;
    /* 2 (n rho^2 + 1) / (n rho)^2 = 2 (nr2 + 1) / (n nr2) */
    double shape = 2 * (nr2 + 1) / (n * nr2), root = sqrt(nr2 + 1);
    r.direction = direction;
    r.rho = rho;
    r.halfwidth = sqrt(s2 * shape * log1p(root / (2 * alpha)));
    r.bound = estimate - direction * r.halfwidth;
    r.ci[0] = direction > 0 ? r.bound : -INFINITY;
    r.ci[1] = direction > 0 ? INFINITY : r.bound;
    /* the alpha at which the bound reaches test_value, rho fixed:
     * ln(1 + root / (2 a)) = d^2 / (s2 shape) */
    double d = direction * (estimate - test_value);
    if (d > 0) {
        double p = root / (2 * expm1(d * d / (s2 * shape)));
        r.p_value = p < 1 ? p : 1;
    } else {
        r.p_value = 1;
    }
    r.fixed_halfwidth = patron__norm_isf(alpha) * se;
    r.significant = direction > 0 ? test_value < r.bound : test_value > r.bound;
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}
