/* BG/BB for discrete opportunities (Fader, Hardie & Shang 2010):
 * log-likelihood with gradient, predictions, DERT, starts and the
 * descriptor. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "clv_models.h"
#include "internal/error.h"
#include "internal/gammafn.h"
#include "internal/hyp2f1.h"

/* BG/BB: one sum over the opportunities after the last transaction. */
static double ll_bgbb(const clv_rows *R, size_t j0, size_t j1, const double *p, double *g,
                      double *lrow, double *scratch)
{
    (void)scratch;
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    double lbab = patron__lbeta(al, be), lbgd = patron__lbeta(ga, de);
    double pa = g ? patron__digamma(al) : 0, pb = g ? patron__digamma(be) : 0,
           pab = g ? patron__digamma(al + be) : 0, pg = g ? patron__digamma(ga) : 0,
           pd = g ? patron__digamma(de) : 0, pgd = g ? patron__digamma(ga + de) : 0;
    double LL = 0, G[4] = {0, 0, 0, 0};
    for (size_t j = j0; j < j1; j++) {
        double x = R->x[j], tx = R->tx[j], n = R->T[j], w = R->w[j];
        /* alive through n */
        double l0 = patron__lbeta(al + x, be + n - x) - lbab + patron__lbeta(ga, de + n) - lbgd;
        double M = l0, S = 1, SG[4] = {0, 0, 0, 0};
        if (g) {
            double pabxn = patron__digamma(al + be + n), pgdn = patron__digamma(ga + de + n);
            SG[0] = patron__digamma(al + x) - pabxn - pa + pab;
            SG[1] = patron__digamma(be + n - x) - pabxn - pb + pab;
            SG[2] = pg - pgdn - pg + pgd;
            SG[3] = patron__digamma(de + n) - pgdn - pd + pgd;
        }
        long cnt = (long)(n - tx);
        if (cnt > 0) {
            /* i = 0: B(al+x, be+tx-x) B(ga+1, de+tx); then recurrences */
            double k = tx - x, m = tx;
            double lb1 = patron__lbeta(al + x, be + k), lb2 = patron__lbeta(ga + 1, de + m);
            double d_ax = 0, d_bk = 0, d_abk = 0, d_g1 = 0, d_dm = 0, d_gdm = 0;
            if (g) {
                d_ax = patron__digamma(al + x);
                d_bk = patron__digamma(be + k);
                d_abk = patron__digamma(al + be + x + k);
                d_g1 = patron__digamma(ga + 1);
                d_dm = patron__digamma(de + m);
                d_gdm = patron__digamma(ga + 1 + de + m);
            }
            for (long i = 0; i < cnt; i++) {
                double li = lb1 - lbab + lb2 - lbgd;
                double gi[4] = {0, 0, 0, 0};
                if (g) {
                    gi[0] = d_ax - d_abk - pa + pab;
                    gi[1] = d_bk - d_abk - pb + pab;
                    gi[2] = d_g1 - d_gdm - pg + pgd;
                    gi[3] = d_dm - d_gdm - pd + pgd;
                }
                if (li > M) {
                    double sc = exp(M - li);
                    S *= sc;
                    for (int q = 0; q < 4; q++)
                        SG[q] *= sc;
                    M = li;
                }
                double e = exp(li - M);
                S += e;
                if (g)
                    for (int q = 0; q < 4; q++)
                        SG[q] += e * gi[q];
                /* advance k, m by one */
                lb1 += log((be + k) / (al + be + x + k));
                lb2 += log((de + m) / (ga + 1 + de + m));
                if (g) {
                    d_bk += 1 / (be + k);
                    d_abk += 1 / (al + be + x + k);
                    d_dm += 1 / (de + m);
                    d_gdm += 1 / (ga + 1 + de + m);
                }
                k += 1;
                m += 1;
            }
        } else if (g) {
            /* S, SG hold the single term with weight 1 */
        }
        double l = M + log(S);
        if (lrow)
            lrow[j] = l;
        LL += w * l;
        if (g)
            for (int q = 0; q < 4; q++)
                G[q] += w * SG[q] / S;
    }
    if (g)
        for (int q = 0; q < 4; q++)
            g[q] = G[q];
    return LL;
}

/* ---- BG/BB ---- */

static double bgbb_logl(const double *p, double x, double tx, double n)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    double lbab = patron__lbeta(al, be), lbgd = patron__lbeta(ga, de);
    double M = patron__lbeta(al + x, be + n - x) - lbab + patron__lbeta(ga, de + n) - lbgd;
    double S = 1;
    double k = tx - x, m = tx;
    double lb1 = patron__lbeta(al + x, be + k), lb2 = patron__lbeta(ga + 1, de + m);
    for (double i = 0; i < n - tx; i++) {
        double li = lb1 - lbab + lb2 - lbgd;
        if (li > M) {
            S *= exp(M - li);
            M = li;
        }
        S += exp(li - M);
        lb1 += log((be + k) / (al + be + x + k));
        lb2 += log((de + m) / (ga + 1 + de + m));
        k += 1;
        m += 1;
    }
    return M + log(S);
}

/* lgamma(1 + delta + m) - lgamma(gamma + delta + m) */
static double bgbb_D(const double *p, double m)
{
    return patron__lgamma(1 + p[3] + m) - patron__lgamma(p[2] + p[3] + m);
}

/* P(alive at opportunity n + m | x, t_x, n) (Fader, Hardie & Shang 2010,
 * eq. A10 with n + m in the dropout term); the paper's P(alive) is m = 1. */
static double bgbb_palive_at(const double *p, double x, double tx, double n, double m)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    return exp(patron__lbeta(al + x, be + n - x) - patron__lbeta(al, be) +
               patron__lbeta(ga, de + n + m) - patron__lbeta(ga, de) - bgbb_logl(p, x, tx, n));
}

static double bgbb_palive(const double *p, double x, double tx, double n)
{
    return bgbb_palive_at(p, x, tx, n, 1);
}

static double bgbb_ce(const double *p, double x, double tx, double n, double ns)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    double lead = exp(patron__lbeta(al + x + 1, be + n - x) - patron__lbeta(al, be) -
                      bgbb_logl(p, x, tx, n));
    double D0 = bgbb_D(p, 0);
    double br = exp(bgbb_D(p, n) - D0) - exp(bgbb_D(p, n + ns) - D0);
    return lead * de / (ga - 1) * br;
}

static double bgbb_ex(const double *p, double n)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    return al / (al + be) * de / (ga - 1) * -expm1(bgbb_D(p, n) - bgbb_D(p, 0));
}

static double lchoose(double n, double k)
{
    return patron__lgamma(n + 1) - patron__lgamma(k + 1) - patron__lgamma(n - k + 1);
}

static double bgbb_pmf(const double *p, double n, double x)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    if (x > n)
        return 0;
    double lbab = patron__lbeta(al, be), lbgd = patron__lbeta(ga, de);
    double res = exp(lchoose(n, x) + patron__lbeta(al + x, be + n - x) - lbab +
                     patron__lbeta(ga, de + n) - lbgd);
    for (double i = x; i < n; i++)
        res += exp(lchoose(i, x) + patron__lbeta(al + x, be + i - x) - lbab +
                   patron__lbeta(ga + 1, de + i) - lbgd);
    return res;
}

static int bgbb_dert(const double *p, double x, double tx, double n, double d, double *out)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3], lf;
    if (patron__hyp2f1_log(1, de + n + 1, ga + de + n + 1, 1 / (1 + d), CLV_PRED_HYP_TERMS, &lf, NULL))
        return -1;
    *out = exp(patron__lbeta(al + x + 1, be + n - x) - patron__lbeta(al, be) +
               patron__lbeta(ga, de + n + 1) - patron__lbeta(ga, de) - log1p(d) + lf -
               bgbb_logl(p, x, tx, n));
    return 0;
}

/* ---- dispatch ---- */

/* ---- the table's entries ---- */

static void starts_bgbb(const clv_rows *R, double mx, double mT, double mm, double st[4][4])
{
    (void)R;
    (void)mx;
    (void)mT;
    (void)mm;
    double s[4][4] = {{1, 1, 1, 1}, {0.5, 0.5, 0.5, 2}, {2, 2, 2, 5}, {1, 0.5, 0.5, 3}};
    memcpy(st, s, sizeof s);
}

static int palive_bgbb(const double *p, double x, double tx, double T, double *out)
{
    *out = bgbb_palive(p, x, tx, T);
    return isfinite(*out) ? 0 : -1;
}

static int ce_bgbb(const double *p, double x, double tx, double T, double t, double pa,
                   const double *coef, double *out)
{
    (void)pa;
    (void)coef;
    *out = bgbb_ce(p, x, tx, T, t);
    return isfinite(*out) ? 0 : -1;
}

static int ex_bgbb(const double *p, double t, double *out)
{
    *out = bgbb_ex(p, t);
    return isfinite(*out) ? 0 : -1;
}

static double pmf_bgbb(const double *p, double t, double k)
{
    return bgbb_pmf(p, t, k);
}

/* Alive at n: a new customer with (alpha + x, beta + n - x, gamma,
 * delta + n), with P(alive at n). */
static int cond_pmf_bgbb(const double *p, double x, double tx, double T, double t, double k,
                         double *out)
{
    double pa = bgbb_palive_at(p, x, tx, T, 0);
    double q[4] = {p[0] + x, p[1] + T - x, p[2], p[3] + T};
    double v = bgbb_pmf(q, t, k);
    *out = (k == 0 ? 1 - pa : 0) + pa * v;
    return isfinite(*out) ? 0 : -1;
}

static int dert_bgbb(const double *p, double x, double tx, double T, double d, double vT,
                     double *out)
{
    (void)vT;
    return bgbb_dert(p, x, tx, T, d, out);
}

static const char *const bgbb_aliases[] = {"bg/bb", NULL};

const clv_model_desc clv_model_bgbb = {
    .id = PATRON_CLV_BGBB, .name = "bgbb", .aliases = bgbb_aliases, .title = "BG/BB",
    .n_params = 4, .param = {"alpha", "beta", "gamma", "delta"},
    .flags = CLV_M_DISCRETE | CLV_M_NO_MONTHLY, .time_params = 0, .scale_params = 0,
    .ll = ll_bgbb, .ll_hess = NULL, .starts = starts_bgbb,
    .palive = palive_bgbb, .ce = ce_bgbb, .ex = ex_bgbb, .pmf = pmf_bgbb,
    .cond_pmf = cond_pmf_bgbb, .palive_ahead = bgbb_palive_at, .dert = dert_bgbb,
    .mixing = {{1, 1, 0, 1}, {1, 1, 2, 3}},
    .sim_model = PATRON_SIM_BGBB,
    .sim_param = {offsetof(patron_sim_options, alpha), offsetof(patron_sim_options, beta),
                  offsetof(patron_sim_options, gamma), offsetof(patron_sim_options, delta)},
    .simulate = patron__sim_bgbb,
};
