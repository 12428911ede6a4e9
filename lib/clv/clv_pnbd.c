/* Pareto/NBD (Schmittlein, Morrison & Colombo 1987): log-likelihood with
 * gradient (the Gauss 2F1 form of Fader & Hardie's note), predictions,
 * DERT, starts and the descriptor. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "clv_models.h"
#include "internal/error.h"
#include "internal/gammafn.h"
#include "internal/hyp2f1.h"
#include "internal/alloc.h"

/* The Pareto/NBD series log 2F1(a, b; a + 1; z) in Euler's form
 * (1 - z)^(1 - b) sum_m co[m] z^m, co[m] = prod_{j<m} (e + j)/(c + j),
 * e = a + 1 - b, c = a + 1 (see hyp2f1.h). The coefficients, and those of
 * the derivatives (co[m] times the harmonic sums of d log co[m] / da and
 * / db), depend on x but not on the row's time, so they are tabulated once
 * per run of equal x and each row costs only multiply-adds. */
typedef struct c1_table {
    double e, c, ha, hb;
    long n; /* entries filled */
    double *co, *ca, *cb;
} c1_table;

static void c1_init(c1_table *t, double *scratch, double a, double b)
{
    t->e = a + 1 - b;
    t->c = a + 1;
    t->ha = t->hb = 0;
    t->co = scratch;
    t->ca = scratch + CLV_LL_HYP_TERMS + 1;
    t->cb = scratch + 2 * (CLV_LL_HYP_TERMS + 1);
    t->co[0] = 1;
    t->ca[0] = t->cb[0] = 0;
    t->n = 1;
}

static void c1_extend(c1_table *t, long need)
{
    if (need > CLV_LL_HYP_TERMS + 1)
        need = CLV_LL_HYP_TERMS + 1;
    for (long m = t->n; m < need; m++) {
        double ej = t->e + (double)(m - 1), cj = t->c + (double)(m - 1), ie = 1 / ej;
        t->ha += ie - 1 / cj;
        t->hb -= ie;
        t->co[m] = t->co[m - 1] * (ej / cj);
        t->ca[m] = t->co[m] * t->ha;
        t->cb[m] = t->co[m] * t->hb;
    }
    if (need > t->n)
        t->n = need;
}

/* The series at z1 >= z2 (the row's t_x and T) in one loop: they share
 * the coefficients, and their two dependency chains overlap. l1z1, l1z2
 * are log(1 - z) (the caller has them from logs it needs anyway: 1 - z =
 * (min(alpha, beta) + t) / (max(alpha, beta) + t)). */
static int c1_eval2(c1_table *t, double a, double b, double z1, double z2, double l1z1,
                    double l1z2, int grad, double *out1, patron__hyp2f1_grad *G1, double *out2,
                    patron__hyp2f1_grad *G2)
{
    if (!(t->e > 0) || !(z2 > 0)) /* not the Pareto/NBD case, or z = 0 */
        return patron__hyp2f1_c1_log(a, b, z1, CLV_LL_HYP_TERMS, out1, grad ? G1 : NULL) ||
               patron__hyp2f1_c1_log(a, b, z2, CLV_LL_HYP_TERMS, out2, grad ? G2 : NULL);
    if (!(z1 < 1) || !(z2 <= z1))
        return -1;
    double s1 = 1, sa1 = 0, sb1 = 0, sz1 = 0, zm1 = 1, lim1 = 1e-17 * (1 - z1) / z1;
    double s2 = 1, sa2 = 0, sb2 = 0, sz2 = 0, zm2 = 1, lim2 = 1e-17 * (1 - z2) / z2;
    /* Both series until the second (the smaller z) has converged, then the
     * first alone: the same terms in the same order as one loop with a
     * flag, without the flag's branch and with fewer live values in the
     * loop that runs longest. */
    long m = 1;
    for (;; m++) {
        if (m >= t->n) {
            if (t->n > CLV_LL_HYP_TERMS)
                return -1;
            c1_extend(t, 2 * m + 16);
        }
        double co = t->co[m];
        zm1 *= z1;
        zm2 *= z2;
        double tm1 = co * zm1, tm2 = co * zm2;
        s1 += tm1;
        s2 += tm2;
        if (grad) {
            double ca = t->ca[m], cb = t->cb[m];
            sa1 += ca * zm1;
            sb1 += cb * zm1;
            sz1 += tm1 * (double)m;
            sa2 += ca * zm2;
            sb2 += cb * zm2;
            sz2 += tm2 * (double)m;
        }
        if (tm2 <= lim2 * s2) {
            if (tm1 <= lim1 * s1)
                goto converged;
            break;
        }
    }
    for (m++;; m++) {
        if (m >= t->n) {
            if (t->n > CLV_LL_HYP_TERMS)
                return -1;
            c1_extend(t, 2 * m + 16);
        }
        zm1 *= z1;
        double tm1 = t->co[m] * zm1;
        s1 += tm1;
        if (grad) {
            sa1 += t->ca[m] * zm1;
            sb1 += t->cb[m] * zm1;
            sz1 += tm1 * (double)m;
        }
        if (tm1 <= lim1 * s1)
            break;
    }
converged:
    *out1 = (1 - b) * l1z1 + log(s1);
    *out2 = (1 - b) * l1z2 + log(s2);
    if (grad) {
        G1->da = sa1 / s1;
        G1->db = -l1z1 + sb1 / s1;
        G1->dc = 0;
        G1->dz = -(1 - b) / (1 - z1) + sz1 / (z1 * s1);
        G2->da = sa2 / s2;
        G2->db = -l1z2 + sb2 / s2;
        G2->dc = 0;
        G2->dz = -(1 - b) / (1 - z2) + sz2 / (z2 * s2);
    }
    return 0;
}

/* Pareto/NBD with the Gauss 2F1 form of Fader & Hardie's note: the series
 * argument is |alpha - beta| / (max(alpha, beta) + t), always in [0, 1). */
static double ll_pnbd(const clv_rows *R, size_t j0, size_t j1, const double *p, double *g,
                      double *lrow, double *scratch)
{
    double r = p[0], al = p[1], s = p[2], be = p[3];
    int amax = al >= be;
    double diff = fabs(al - be), mx = amax ? al : be, mn = amax ? be : al;
    double lnal = log(al), lnbe = log(be), lgr = patron__lgamma(r);
    double psr = g ? patron__digamma(r) : 0;
    double LL = 0, G[4] = {0, 0, 0, 0};
    c1_table tab;
    for (size_t s0 = j0, s1; s0 < j1; s0 = s1) {
        s1 = run_end(R, s0, j1);
        double x = R->x[s0], rx = r + x;
        double K = patron__lgamma(rx) - lgr + r * lnal + s * lnbe;
        double a1 = r + s + x, b1 = amax ? s + 1 : rx;
        double lsr = log(s) - log(a1);
        c1_init(&tab, scratch, a1, b1);
        double Sw = 0, Sl = 0, S[4] = {0, 0, 0, 0};
        for (size_t j = s0; j < s1; j++) {
            double w = R->w[j], T = R->T[j], tx = R->tx[j];
            double iAT = 1 / (al + T), iBT = 1 / (be + T);
            double lAT = log(al + T), lBT = log(be + T);
            double t1 = -rx * lAT - s * lBT;
            double d1[4] = {-lAT, -rx * iAT, -lBT, -s * iBT};
            double l = t1, p2 = 0, d2[4] = {0, 0, 0, 0};
            if (tx < T) {
                patron__hyp2f1_grad G1, G2;
                double F1, F2;
                double lM[2] = {log(mx + tx), amax ? lAT : lBT};
                double iM[2] = {1 / (mx + tx), amax ? iAT : iBT};
                double l1z1 = log(mn + tx) - lM[0], l1z2 = amax ? lBT - lAT : lAT - lBT;
                if (c1_eval2(&tab, a1, b1, diff * iM[0], diff * iM[1], l1z1, l1z2, g != NULL,
                             &F1, &G1, &F2, &G2))
                    return NAN;
                double l1 = F1 - a1 * lM[0], l2 = F2 - a1 * lM[1];
                double q = exp(l2 - l1);
                if (q < 1) {
                    double t2 = lsr + l1 + log1p(-q);
                    l = lse2(t1, t2, &p2);
                    if (g) {
                        double dl1[4], dl2[4];
                        const patron__hyp2f1_grad *GG[2] = {&G1, &G2};
                        double *DL[2] = {dl1, dl2};
                        double tt[2] = {tx, T};
                        for (int h = 0; h < 2; h++) {
                            const patron__hyp2f1_grad *Gh = GG[h];
                            double lm = lM[h], inv = iM[h], t = tt[h];
                            double base = Gh->da - lm + Gh->dc;
                            DL[h][0] = base + (amax ? 0 : Gh->db);
                            DL[h][2] = base + (amax ? Gh->db : 0);
                            if (amax) {
                                DL[h][1] = Gh->dz * (be + t) * inv * inv - a1 * inv;
                                DL[h][3] = -Gh->dz * inv;
                            } else {
                                DL[h][3] = Gh->dz * (al + t) * inv * inv - a1 * inv;
                                DL[h][1] = -Gh->dz * inv;
                            }
                        }
                        for (int k = 0; k < 4; k++)
                            d2[k] = (dl1[k] - q * dl2[k]) / (1 - q);
                        d2[0] -= 1 / a1;
                        d2[2] += 1 / s - 1 / a1;
                    }
                }
            }
            if (lrow)
                lrow[j] = K + l;
            Sw += w;
            Sl += w * l;
            if (g)
                for (int k = 0; k < 4; k++)
                    S[k] += w * ((1 - p2) * d1[k] + p2 * d2[k]);
        }
        LL += Sw * K + Sl;
        if (g) {
            G[0] += Sw * (patron__digamma(rx) - psr + lnal) + S[0];
            G[1] += Sw * r / al + S[1];
            G[2] += Sw * lnbe + S[2];
            G[3] += Sw * s / be + S[3];
        }
    }
    if (g)
        for (int k = 0; k < 4; k++)
            g[k] = G[k];
    return LL;
}


/* t1 = -(r+x) log(alpha+T) - s log(beta+T), t2 = log(s/(r+s+x) A0). */
static int pnbd_terms(const double *p, double x, double tx, double T, double *t1, double *t2)
{
    double r = p[0], al = p[1], s = p[2], be = p[3];
    *t1 = -(r + x) * log(al + T) - s * log(be + T);
    *t2 = -INFINITY;
    if (tx >= T)
        return 0;
    int amax = al >= be;
    double m = amax ? al : be, diff = fabs(al - be);
    double a1 = r + s + x, b1 = amax ? s + 1 : r + x, F1, F2;
    if (patron__hyp2f1_c1_log(a1, b1, diff / (m + tx), CLV_PRED_HYP_TERMS, &F1, NULL) ||
        patron__hyp2f1_c1_log(a1, b1, diff / (m + T), CLV_PRED_HYP_TERMS, &F2, NULL))
        return -1;
    double l1 = F1 - a1 * log(m + tx), l2 = F2 - a1 * log(m + T);
    double q = exp(l2 - l1);
    if (q < 1)
        *t2 = log(s) - log(a1) + l1 + log1p(-q);
    return 0;
}

static int pnbd_palive(const double *p, double x, double tx, double T, double *out)
{
    double t1, t2;
    if (pnbd_terms(p, x, tx, T, &t1, &t2))
        return -1;
    if (t2 == -INFINITY) {
        *out = 1;
        return 0;
    }
    /* 1 / (1 + exp(t2 - t1)) */
    double d = t2 - t1;
    if (d > 0) {
        double q = exp(-d);
        *out = q / (1 + q);
    } else {
        *out = 1 / (1 + exp(d));
    }
    return 0;
}

/* (1 - (1 + u)^-(c)) / c, with the limit log(1 + u) at c = 0. */
static double g_pow(double c, double u)
{
    double L = log1p(u);
    if (c == 0)
        return L;
    return -expm1(-c * L) / c;
}

static double pnbd_ce_given_alive(const double *p, double x, double T, double t)
{
    double r = p[0], al = p[1], s = p[2], be = p[3];
    return (r + x) / (al + T) * (be + T) * g_pow(s - 1, t / (be + T));
}

/* integral_0^inf exp(-z u) (1 + u)^-s du, by u = e^y - 1 and Simpson's rule. */
static double laplace_pow(double z, double s)
{
    double Y = 1;
    for (int i = 0; i < 30; i++) {
        double extra = s < 1 ? (1 - s) * Y : 0;
        double Yn = log1p((45 + extra) / z);
        if (fabs(Yn - Y) < 1e-6) {
            Y = Yn;
            break;
        }
        Y = Yn;
    }
    if (s > 1) /* slow algebraic decay before the exponential cut-off */
        Y = Y > 45 / (s - 1) ? 45 / (s - 1) + 1 : Y;
    long N = (long)ceil(Y / 0.01);
    if (N < 100)
        N = 100;
    if (N % 2)
        N++;
    double h = Y / (double)N, sum = 0;
    for (long i = 0; i <= N; i++) {
        double y = h * (double)i;
        double f = exp(-z * expm1(y) + (1 - s) * y);
        double wgt = (i == 0 || i == N) ? 1 : (i % 2 ? 4 : 2);
        sum += wgt * f;
    }
    return sum * h / 3;
}

/* P(X(t) = x) for Pareto/NBD. Given lambda and mu, the customer is either
 * alive at t (Poisson count) or died at tau < t (Poisson count up to tau);
 * averaging over the gammas gives
 *   P = NB_t(x) (beta/(beta+t))^s
 *     + integral_0^t s beta^s (beta+tau)^-(s+1) NB_tau(x) dtau,
 * NB_tau(x) = Gamma(r+x)/(Gamma(r) x!) (alpha/(alpha+tau))^r (tau/(alpha+tau))^x.
 * The integral is smooth on [0, t]: composite 8-point Gauss-Legendre on 256
 * panels, terms in log-space. */
static double pnbd_pmf(const double *p, double t, double x)
{
    static const double gx[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                                 0.9602898564975363};
    static const double gw[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745,
                                 0.1012285362903763};
    double r = p[0], al = p[1], s = p[2], be = p[3];
    if (t == 0)
        return x == 0 ? 1 : 0;
    double lc = patron__lgamma(r + x) - patron__lgamma(r) - patron__lgamma(x + 1);
    double res = exp(lc + r * log(al / (al + t)) + x * log(t / (al + t)) + s * log(be / (be + t)));
    const int panels = 256;
    double h = t / panels, acc = 0, ls = log(s) + s * log(be);
    for (int k = 0; k < panels; k++) {
        double mid = (k + 0.5) * h;
        for (int j = 0; j < 8; j++) {
            double tau = mid + (j < 4 ? -1 : 1) * gx[j & 3] * h / 2;
            double lf = ls - (s + 1) * log(be + tau) + lc + r * log(al / (al + tau)) +
                        (x > 0 ? x * log(tau / (al + tau)) : 0);
            acc += gw[j & 3] * exp(lf);
        }
    }
    return res + acc * h / 2;
}

/* ---- BG/BB ---- */

/* ---- the table's entries ---- */

static void starts_pnbd(const clv_rows *R, double mx, double mT, double mm, double st[4][4])
{
    (void)R;
    (void)mm;
    double al0 = mT / (mx > 0.05 ? mx : 0.05);
    double s[4][4] = {{1, al0, 1, mT}, {0.5, 0.5 * al0, 0.5, 0.5 * mT},
                      {2, 2 * al0, 2, 2 * mT}, {0.2, 0.2 * al0, 1, mT}};
    memcpy(st, s, sizeof s);
}

static int ce_pnbd(const double *p, double x, double tx, double T, double t, double pa,
                   const double *coef, double *out)
{
    (void)tx;
    (void)coef;
    *out = pa * pnbd_ce_given_alive(p, x, T, t);
    return 0;
}

static int ex_pnbd(const double *p, double t, double *out)
{
    *out = p[0] * p[3] / p[1] * g_pow(p[2] - 1, t / p[3]);
    return 0;
}

/* Alive at T: a new customer with (r + x, alpha + T, s, beta + T)
 * (Fader & Hardie's note 028). */
static int cond_pmf_pnbd(const double *p, double x, double tx, double T, double t, double k,
                         double *out)
{
    double pa;
    if (pnbd_palive(p, x, tx, T, &pa))
        return -1;
    double q[4] = {p[0] + x, p[1] + T, p[2], p[3] + T};
    double v = pnbd_pmf(q, t, k);
    *out = (k == 0 ? 1 - pa : 0) + pa * v;
    return isfinite(*out) ? 0 : -1;
}

/* DERT: the Laplace integral depends on T only (the batch computes it once
 * per distinct T); the row then scales it. */
static double dert_T_pnbd(const double *p, double T, double d)
{
    return laplace_pow(d * (p[3] + T), p[2]);
}

static int dert_pnbd(const double *p, double x, double tx, double T, double d, double vT,
                     double *out)
{
    (void)d;
    double pa;
    int bad = pnbd_palive(p, x, tx, T, &pa);
    *out = vT * pa * (p[0] + x) / (p[1] + T) * (p[3] + T);
    return bad;
}

static const char *const pnbd_aliases[] = {"paretonbd", "pareto/nbd", NULL};

const clv_model_desc clv_model_pnbd = {
    .id = PATRON_CLV_PNBD, .name = "pnbd", .aliases = pnbd_aliases, .title = "Pareto/NBD",
    .n_params = 4, .param = {"r", "alpha", "s", "beta"},
    .flags = CLV_M_PEN_PER_ROW, .time_params = (1u << 1) | (1u << 3),
    .scale_params = (1u << 1) | (1u << 3),
    .ll = ll_pnbd, .ll_hess = NULL, .starts = starts_pnbd,
    .palive = pnbd_palive, .ce = ce_pnbd, .ex = ex_pnbd, .pmf = pnbd_pmf,
    .cond_pmf = cond_pmf_pnbd, .dert_T = dert_T_pnbd, .dert = dert_pnbd,
    .mixing = {{1, 0, 0, 1}, {1, 0, 2, 3}},
    .sim_model = PATRON_SIM_PNBD,
    .sim_param = {offsetof(patron_sim_options, r), offsetof(patron_sim_options, alpha),
                  offsetof(patron_sim_options, s), offsetof(patron_sim_options, beta)},
    .simulate = patron__sim_pnbd,
};
