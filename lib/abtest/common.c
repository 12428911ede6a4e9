/* Shared helpers: result copying and filling normal/t tests. */
#include <math.h>
#include <string.h>
#include <stdint.h>

#include "abtest_int.h"
#include "internal/dist.h"
#include "internal/error.h"
#include "internal/options.h"

/* Both delegate to the one sized-struct rule (lib/common/options.c). */
int patron__ab_check_out(const void *out, size_t min_size, const char *what)
{
    return patron__result_check(out, min_size, what);
}

void patron__ab_copy_out(void *out, const void *res, size_t full)
{
    patron__result_write(out, res, full);
}

int patron__ab_check_alpha(double alpha, const char *fn)
{
    if (!(alpha > 0 && alpha < 1))
        return patron__fail(PATRON_EINVAL, "%s: alpha %g is outside (0, 1)", fn, alpha);
    return PATRON_OK;
}

void patron__ab_fill_nan(patron_abtest_test *t)
{
    t->statistic = t->df = t->effect = t->se = NAN;
    t->p_two_sided = t->p_greater = t->p_less = t->log_p_two_sided = NAN;
    t->ci_low = t->ci_high = NAN;
    t->significant = 0;
}

static void fill_degenerate(patron_abtest_test *t, double effect)
{
    if (effect == 0 || isnan(effect)) {
        /* 0/0: no evidence of any difference. */
        t->statistic = NAN;
        t->p_two_sided = t->p_greater = t->p_less = 1;
        t->log_p_two_sided = 0;
    } else {
        t->statistic = effect > 0 ? INFINITY : -INFINITY;
        t->p_two_sided = 0;
        t->log_p_two_sided = -INFINITY;
        t->p_greater = effect > 0 ? 0 : 1;
        t->p_less = effect > 0 ? 1 : 0;
    }
    t->ci_low = t->ci_high = effect;
}

void patron__ab_fill_z(patron_abtest_test *t, double effect, double se, double alpha)
{
    t->effect = effect;
    t->se = se;
    t->df = NAN;
    if (se == 0) {
        fill_degenerate(t, effect);
    } else {
        double z = effect / se;
        t->statistic = z;
        double az = fabs(z);
        t->p_two_sided = 2 * patron__norm_sf(az);
        t->log_p_two_sided = AB_LN2 + patron__norm_logsf(az);
        t->p_greater = patron__norm_sf(z);
        t->p_less = patron__norm_cdf(z);
        double c = patron__norm_isf(alpha / 2);
        t->ci_low = effect - c * se;
        t->ci_high = effect + c * se;
    }
    t->significant = t->p_two_sided <= alpha;
}

void patron__ab_fill_t(patron_abtest_test *t, double effect, double se, double df, double alpha)
{
    t->effect = effect;
    t->se = se;
    t->df = df;
    if (se == 0) {
        fill_degenerate(t, effect);
    } else {
        double st = effect / se;
        t->statistic = st;
        double at = fabs(st);
        t->p_two_sided = 2 * patron__t_sf(at, df);
        t->log_p_two_sided = AB_LN2 + patron__t_logsf(at, df);
        t->p_greater = patron__t_sf(st, df);
        t->p_less = patron__t_cdf(st, df);
        double c = patron__t_isf(alpha / 2, df);
        t->ci_low = effect - c * se;
        t->ci_high = effect + c * se;
    }
    t->significant = t->p_two_sided <= alpha;
}

/* E[max(Z + z, 0)] = phi(z) + z Phi(z) for Z ~ N(0, 1). For z < 0 the two
 * terms cancel (by 1 / z^2 at z = -30); there it is phi(z) c / (|z| + c)
 * with c = 1 / (|z| + 2 / (|z| + 3 / (|z| + ...))), the tail of the Mills
 * ratio's continued fraction Phibar(x) / phi(x) = 1 / (x + c), evaluated
 * backwards: 1 - x / (x + c) = c / (x + c) has no cancellation. */
double patron__ab_normal_loss(double z)
{
    if (z > -3)
        return patron__norm_pdf(z) + z * patron__norm_cdf(z);
    double x = -z, t = 0;
    for (int k = 400; k >= 2; k--)
        t = k / (x + t);
    double c = 1 / (x + t);
    return patron__norm_pdf(z) * c / (x + c);
}
