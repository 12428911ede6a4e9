/* Bayesian comparisons: beta-binomial (Evan Miller's closed form, or
 * tanh-sinh quadrature for non-integer parameters) and normal-normal. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "abtest_int.h"
#include "internal/dist.h"
#include "internal/error.h"
#include "internal/gammafn.h"

/* S(a,b,c,d) = sum_{i=0}^{a-1} B(c+i, b+d) / ((b+i) B(1+i, b) B(c, d))
 * = P(Beta(a,b) > Beta(c,d)) for integer a, by the term ratio
 * T(i+1)/T(i) = (c+i)(b+i) / ((c+i+b+d)(1+i)), T(0) = B(c, b+d)/B(c, d). */
static double miller_scaled(double a, double b, double c, double d, double *l0out)
{
    double l0 = patron__lbeta(c, b + d) - patron__lbeta(c, d);
    double t = 1, s = 0, off = 0;
    for (double i = 0; i < a; i++) {
        if (i > 0)
            t *= (c + i - 1) * (b + i - 1) / ((c + i - 1 + b + d) * i);
        s += t;
        if (s > 1e250) {
            s *= 1e-250;
            t *= 1e-250;
            off += 250 * AB_LN10;
        }
    }
    *l0out = l0 + off;
    return s;
}

static double miller_sum(double a, double b, double c, double d)
{
    double l0;
    double s = miller_scaled(a, b, c, d, &l0);
    return exp(l0 + log(s));
}

/* E[max(X - Y, 0)] for X ~ Beta(a, b), Y ~ Beta(c, d) with integer a:
 * E[X 1(X>Y)] - E[Y 1(X>Y)] = a/(a+b) h(a+1,b,c,d) - c/(c+d) h(a,b,c+1,d).
 * Both sums share the factor B(c, b+d)/B(c, d) (the second one times the
 * exact ratio (c+d)/(c+b+d)), so the subtraction only cancels the sums and
 * not the rounding of that large log-beta difference. */
static double loss_integer(double a, double b, double c, double d)
{
    double l1, l2;
    double s1 = miller_scaled(a + 1, b, c, d, &l1);
    double s2 = miller_scaled(a, b, c + 1, d, &l2);
    /* l1 = L(c) + off1 and l2 = L(c+1) + off2 with L(c) the log-beta
     * difference and off the rescaling offsets; exp(L(c+1) - L(c)) is
     * exactly (c+d)/(c+b+d), so rebuild exp(l2) from l1 through it. */
    double off2 = l2 - (patron__lbeta(c + 1, b + d) - patron__lbeta(c + 1, d));
    double off1 = l1 - (patron__lbeta(c, b + d) - patron__lbeta(c, d));
    double rel = exp(off2 - off1) * (c + d) / (c + b + d);
    double v = a / (a + b) * s1 - c / (c + d) * s2 * rel;
    return exp(l1) * v;
}

static int is_int(double x)
{
    return x == floor(x) && x < 1e9;
}

/* P(X > Y) by tanh-sinh quadrature of f_X(x) I_x(c, d) over [0, 1]. The
 * density is taken relative to its value at the mean and normalised by the
 * same quadrature (so no large log-beta constant enters), and the step is
 * halved until the nodes resolve the narrower of the two posteriors. */
static double pgt_quad(double a, double b, double c, double d)
{
    const double half_pi = 1.5707963267948966;
    double m = a / (a + b), lm = log(m), l1m = log1p(-m);
    double sx = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
    double sy = sqrt(c * d / ((c + d) * (c + d) * (c + d + 1)));
    double s = sx < sy ? sx : sy;
    double h = 1.0 / 256;
    /* node spacing in x near the bulk is about pi cosh(t) x (1 - x) h <= 2.5 m (1-m) h */
    while (2.5 * m * (1 - m) * h > s / 2 && h > 1.0 / (1 << 22))
        h /= 2;
    double sum = 0, norm = 0;
    for (double t = -6.5; t <= 6.5; t += h) {
        double u = half_pi * sinh(t);
        double x = 1 / (1 + exp(-2 * u)), y = 1 / (1 + exp(2 * u));
        if (!(x > 0) || !(y > 0))
            continue;
        double lw = log(2 * half_pi * cosh(t)) + log(x) + log(y);
        double lx = fabs(x - m) < 0.5 * m ? log1p((x - m) / m) : log(x) - lm;
        double ly = fabs(m - x) < 0.5 * (1 - m) ? log1p((m - x) / (1 - m)) : log(y) - l1m;
        double lf = (a - 1) * lx + (b - 1) * ly;
        double li;
        patron__incbeta(c, d, x, y, 0, &li);
        double w = exp(lw + lf);
        norm += w;
        sum += w * exp(li);
    }
    return sum / norm;
}

/* h(a,b,c,d) = P(Beta(a,b) > Beta(c,d)). */
static double pgt(double a, double b, double c, double d)
{
    double best = INFINITY;
    int which = -1;
    double cand[4] = {a, c, d, b};
    for (int k = 0; k < 4; k++)
        if (is_int(cand[k]) && cand[k] < best) {
            best = cand[k];
            which = k;
        }
    if (which < 0 || best > 5e6)
        return pgt_quad(a, b, c, d);
    switch (which) {
    case 0:
        return miller_sum(a, b, c, d);
    case 1:
        return 1 - miller_sum(c, d, a, b);
    case 2:
        return miller_sum(d, c, b, a);
    default:
        return 1 - miller_sum(b, a, d, c);
    }
}

static int check_xn(const char *fn, int64_t x, int64_t n, char arm)
{
    if (n < 0 || x < 0)
        return patron__fail(PATRON_EINVAL, "%s: %c_%c is negative", fn, n < 0 ? 'n' : 'x', arm);
    if (x > n)
        return patron__fail(PATRON_EINVAL, "%s: x_%c = %lld is larger than n_%c = %lld", fn, arm, (long long)x, arm,
                            (long long)n);
    return PATRON_OK;
}

int patron_abtest_beta_binomial(patron_abtest_beta_result *out, int64_t x_a, int64_t n_a, int64_t x_b, int64_t n_b,
                                double prior_alpha, double prior_beta)
{
    static const char fn[] = "patron_abtest_beta_binomial";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = check_xn(fn, x_a, n_a, 'a')) || (rc = check_xn(fn, x_b, n_b, 'b')))
        return rc;
    if (!(prior_alpha > 0) || !(prior_beta > 0) || isinf(prior_alpha) || isinf(prior_beta))
        return patron__fail(PATRON_EINVAL, "%s: prior (%g, %g) must be finite and > 0", fn, prior_alpha, prior_beta);
    patron_abtest_beta_result r;
    memset(&r, 0, sizeof r);
    double aa = (double)x_a + prior_alpha, ba = (double)(n_a - x_a) + prior_beta;
    double ab = (double)x_b + prior_alpha, bb = (double)(n_b - x_b) + prior_beta;
    r.posterior_a[0] = aa;
    r.posterior_a[1] = ba;
    r.posterior_b[0] = ab;
    r.posterior_b[1] = bb;
    r.posterior_mean_a = aa / (aa + ba);
    r.posterior_mean_b = ab / (ab + bb);
    r.prob_b_beats_a = pgt(ab, bb, aa, ba);
    /* E[max(pA - pB, 0)] = E[pA 1(pA > pB)] - E[pB 1(pA > pB)] */
    double la, lb;
    if (is_int(aa) && aa <= 5e6)
        la = loss_integer(aa, ba, ab, bb);
    else
        la = r.posterior_mean_a * pgt(aa + 1, ba, ab, bb) - r.posterior_mean_b * pgt(aa, ba, ab + 1, bb);
    if (is_int(ab) && ab <= 5e6)
        lb = loss_integer(ab, bb, aa, ba);
    else
        lb = r.posterior_mean_b * pgt(ab + 1, bb, aa, ba) - r.posterior_mean_a * pgt(ab, bb, aa + 1, ba);
    r.expected_loss_choose_b = la > 0 ? la : 0;
    r.expected_loss_choose_a = lb > 0 ? lb : 0;
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}

int patron_abtest_bayes_normal(patron_abtest_bayes_normal_result *out, const patron_abtest_summary *a,
                               const patron_abtest_summary *b, double alpha, double prior_mean,
                               double prior_variance)
{
    static const char fn[] = "patron_abtest_bayes_normal";
    int rc = patron__ab_check_out(out, sizeof *out, fn);
    if (rc || (rc = patron__ab_check_alpha(alpha, fn)))
        return rc;
    if (!a || !b)
        return patron__fail(PATRON_EINVAL, "%s: NULL summary", fn);
    if (a->n < 1 || b->n < 1 || !isfinite(a->mean) || !isfinite(b->mean) || !(a->sd >= 0) || !(b->sd >= 0) ||
        isinf(a->sd) || isinf(b->sd))
        return patron__fail(PATRON_EINVAL, "%s: summaries need n >= 1, finite means and sd >= 0", fn);
    if (!(prior_variance >= 0) || isinf(prior_variance) || (prior_variance > 0 && !isfinite(prior_mean)))
        return patron__fail(PATRON_EINVAL, "%s: prior variance %g must be finite and >= 0", fn, prior_variance);
    double v = a->sd * a->sd / (double)a->n + b->sd * b->sd / (double)b->n;
    if (!(v > 0))
        return patron__fail(PATRON_EINVAL, "%s: both arms have zero variance", fn);
    patron_abtest_bayes_normal_result r;
    memset(&r, 0, sizeof r);
    double d = b->mean - a->mean;
    double mu = d, var = v;
    if (prior_variance > 0) {
        double prec = 1 / prior_variance + 1 / v;
        var = 1 / prec;
        mu = (prior_mean / prior_variance + d / v) * var;
    }
    double sd = sqrt(var);
    r.posterior_mean = mu;
    r.posterior_sd = sd;
    r.chance_to_win = patron__norm_sf(-mu / sd);
    double z = patron__norm_isf(alpha / 2);
    r.credible_interval[0] = mu - z * sd;
    r.credible_interval[1] = mu + z * sd;
    /* E[max(D, 0)] = mu Phi(mu/sd) + sd phi(mu/sd), without its cancellation */
    r.risk_choose_control = sd * patron__ab_normal_loss(mu / sd);
    r.risk_choose_treatment = sd * patron__ab_normal_loss(-mu / sd);
    patron__ab_copy_out(out, &r, sizeof r);
    return PATRON_OK;
}
