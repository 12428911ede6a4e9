/* Gauss hypergeometric 2F1 by its power series in log-space.
 *
 * For a, b, c > 0 and 0 <= z < 1 every term t_k = (a)_k (b)_k / ((c)_k k!) z^k
 * is positive. The ratio t_{k+1}/t_k = z (a+k)(b+k)/((c+k)(k+1)) tends to z;
 * once it is below 1 the remaining tail is bounded by a geometric series
 * with ratio max(ratio, z), which decides when to stop. Terms and the sum are
 * kept relative to a running scale factor so that series whose terms first
 * grow to 1e300 and beyond (a customer with x = 1000 purchases) stay finite.
 * The derivatives of the log with respect to a, b, c and z are accumulated
 * alongside (d log t_k / da = sum_{j<k} 1/(a+j), ..., d/dz = k/z). */
#include <math.h>

#include "internal/hyp2f1.h"

int patron__hyp2f1_log(double a, double b, double c, double z, long max_terms, double *out,
                       patron__hyp2f1_grad *grad)
{
    *out = NAN;
    if (!(a > 0) || !(b > 0) || !(c > 0) || !(z >= 0) || !(z < 1) || !isfinite(a) ||
        !isfinite(b) || !isfinite(c))
        return -1;
    double logscale = 0;
    double t = 1, s = 1;
    double ha = 0, hb = 0, hc = 0;         /* running sums of 1/(a+j) etc. */
    double sa = 0, sb = 0, sc = 0, sz = 0; /* sum of t_k * dlog t_k */
    if (z == 0) {
        *out = 0;
        if (grad) {
            grad->da = grad->db = grad->dc = 0;
            grad->dz = a * b / c;
        }
        return 0;
    }
    for (long k = 0; k < max_terms; k++) {
        double ratio = z * (a + k) * (b + k) / ((c + k) * (k + 1));
        if (grad) {
            ha += 1 / (a + k);
            hb += 1 / (b + k);
            hc += 1 / (c + k);
        }
        t *= ratio;
        s += t;
        if (grad) {
            sa += t * ha;
            sb += t * hb;
            sc += t * hc;
            sz += t * (double)(k + 1);
        }
        if (s > 1e250) {
            const double f = 1e-250;
            t *= f;
            s *= f;
            sa *= f;
            sb *= f;
            sc *= f;
            sz *= f;
            logscale += 250 * 2.302585092994045684;
        }
        double rb = ratio > z ? ratio : z;
        if (rb < 1) {
            double tail = t * rb / (1 - rb);
            if (tail <= 1e-17 * s) {
                *out = log(s) + logscale;
                if (grad) {
                    grad->da = sa / s;
                    grad->db = sb / s;
                    grad->dc = -sc / s;
                    grad->dz = sz / (s * z);
                }
                return 0;
            }
        }
    }
    return -1;
}

int patron__hyp2f1_c1_log(double a, double b, double z, long max_terms, double *out,
                          patron__hyp2f1_grad *grad)
{
    *out = NAN;
    if (!(a > 0) || !(b > 0) || !(z >= 0) || !(z < 1) || !isfinite(a) || !isfinite(b))
        return -1;
    if (z == 0) {
        *out = 0;
        if (grad) {
            grad->da = grad->db = grad->dc = 0;
            grad->dz = a * b / (a + 1);
        }
        return 0;
    }
    double e = a + 1 - b, c = a + 1;
    if (!(e > 0)) {
        int rc = patron__hyp2f1_log(a, b, c, z, max_terms, out, grad);
        if (!rc && grad) {
            grad->da += grad->dc;
            grad->dc = 0;
        }
        return rc;
    }
    double t = 1, s = 1, ha = 0, hb = 0, sa = 0, sb = 0, sz = 0;
    for (long k = 0; k < max_terms; k++) {
        double ratio = z * (e + k) / (c + k);
        if (grad) {
            double ie = 1 / (e + k);
            ha += ie - 1 / (c + k);
            hb -= ie;
        }
        t *= ratio;
        s += t;
        if (grad) {
            sa += t * ha;
            sb += t * hb;
            sz += t * (double)(k + 1);
        }
        if (t * z <= 1e-17 * s * (1 - z)) {
            double l1z = log1p(-z);
            *out = (1 - b) * l1z + log(s);
            if (grad) {
                grad->da = sa / s;
                grad->db = -l1z + sb / s;
                grad->dc = 0;
                grad->dz = -(1 - b) / (1 - z) + sz / (z * s);
            }
            return 0;
        }
    }
    return -1;
}
