/* Log-likelihoods and analytic gradients of the buy-till-you-die models on a
 * range of compressed rows. Quantities that depend only on the frequency x
 * (log-gamma, log-beta and digamma values, the coefficients of the
 * Pareto/NBD series) are computed once per run of equal x in the range; the
 * rest is a few exp/log per row, read in order (no lookup tables, so the
 * cost per row does not grow with the number of rows). */
#include <math.h>

#include "clv_models.h"
#include "internal/gammafn.h"
#include "internal/hyp2f1.h"

#define HYP_TERMS 20000L /* beyond this the point is far off: treated as undefined */

size_t clv_ll_scratch(void)
{
    return 5 * (size_t)(HYP_TERMS + 1);
}

/* End of the run of rows with x equal to row j's, within [j, j1). */
static size_t run_end(const clv_rows *R, size_t j, size_t j1)
{
    double x = R->x[j];
    size_t e = j + 1;
    while (e < j1 && R->x[e] == x)
        e++;
    return e;
}

/* log(exp(u) + exp(v)); *pv = share of v. */
static double lse2(double u, double v, double *pv)
{
    if (u >= v) {
        double e = exp(v - u);
        *pv = e / (1 + e);
        return u + log(1 + e); /* e in (0, 1]: absolute error ~1e-16, and log is much faster than log1p */
    }
    if (!(v > u)) { /* NaN */
        *pv = NAN;
        return NAN;
    }
    double e = exp(u - v);
    *pv = 1 / (1 + e);
    return v + log(1 + e);
}

/* BG/NBD (e = 0) and MBG/NBD (e = 1). */
static double ll_bg(const clv_rows *R, size_t j0, size_t j1, const double *p, double *g,
                    double *lrow, int e)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double lnal = log(al), lbab = patron__lbeta(a, b);
    double psr = g ? patron__digamma(r) : 0, psab = g ? patron__digamma(a + b) : 0,
           psb = g ? patron__digamma(b) : 0;
    double lgr = patron__lgamma(r);
    double LL = 0, gr = 0, gal = 0, ga = 0, gb = 0;
    for (size_t s0 = j0, s1; s0 < j1; s0 = s1) {
        s1 = run_end(R, s0, j1);
        double x = R->x[s0], xe = x + e, rx = r + x;
        int hasv = xe > 0;
        double cu = patron__lbeta(a, b + xe) - lbab;
        double cv = hasv ? patron__lbeta(a + 1, b + xe - 1) - lbab : 0;
        double K = patron__lgamma(rx) - lgr + r * lnal;
        double Sw = 0, Sl = 0, Sr = 0, Sal = 0, Spv = 0;
        for (size_t j = s0; j < s1; j++) {
            double w = R->w[j];
            double AT = al + R->T[j], lT = log(AT);
            double u = cu - rx * lT, l, pv;
            if (hasv) {
                double At = al + R->tx[j], ltx = log(At);
                l = lse2(u, cv - rx * ltx, &pv);
                double pu = 1 - pv;
                Sr -= w * (pu * lT + pv * ltx);
                Sal -= w * (pu * At + pv * AT) / (AT * At);
            } else {
                l = u;
                pv = 0;
                Sr -= w * lT;
                Sal -= w / AT;
            }
            if (lrow)
                lrow[j] = K + l;
            Sw += w;
            Sl += w * l;
            Spv += w * pv;
        }
        LL += Sw * K + Sl;
        if (g) {
            double psabx = patron__digamma(a + b + xe), psbx = patron__digamma(b + xe);
            gr += Sw * (patron__digamma(rx) - psr + lnal) + Sr;
            gal += Sw * r / al + rx * Sal;
            ga += Sw * (psab - psabx) + Spv / a;
            gb += Sw * (psab - psb - psabx + psbx) - (hasv ? Spv / (b + xe - 1) : 0);
        }
    }
    if (g) {
        g[0] = gr;
        g[1] = gal;
        g[2] = ga;
        g[3] = gb;
    }
    return LL;
}

/* BG/NBD (e = 0) and MBG/NBD (e = 1) with the exact Hessian H (4 x 4,
 * row-major, natural parameters). A row's value is K + lse(u, v) with
 *   u = cu(a, b) - (r + x) log(alpha + T),  v = cv(a, b) - (r + x) log(alpha + t_x)
 * (v only when x + e > 0), so its Hessian is pu Hu + pv Hv + pu pv D D^T with
 * D = grad u - grad v. The (a, b) parts of u and v and of D depend on x
 * only; per row only sums of pu, pv, pu pv and of the two times' terms are
 * added: no transcendental beyond the ones the value needs. */
static double ll_bg_hess(const clv_rows *R, size_t j0, size_t j1, const double *p, double *g,
                         double *H, int e)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double lnal = log(al), lbab = patron__lbeta(a, b);
    double psr = patron__digamma(r), psab = patron__digamma(a + b), psb = patron__digamma(b);
    double tr = patron__trigamma(r), tab = patron__trigamma(a + b), tb = patron__trigamma(b);
    double lgr = patron__lgamma(r);
    double LL = 0, G[4] = {0, 0, 0, 0}, h[4][4] = {{0}};
    for (size_t s0 = j0, s1; s0 < j1; s0 = s1) {
        s1 = run_end(R, s0, j1);
        double x = R->x[s0], xe = x + e, rx = r + x;
        int hasv = xe > 0;
        double cu = patron__lbeta(a, b + xe) - lbab;
        double cv = hasv ? patron__lbeta(a + 1, b + xe - 1) - lbab : 0;
        double K = patron__lgamma(rx) - lgr + r * lnal;
        /* Sw, Sl, Spv; gradient sums Sr, Sal; Hessian sums: H01 = sum w (pu/AT
         * + pv/At), H11 = sum w (pu/AT^2 + pv/At^2), P = sum w pu pv, and
         * P times Dr = log(At/AT), Da = 1/At - 1/AT and their products. */
        double Sw = 0, Sl = 0, Sr = 0, Sal = 0, Spv = 0;
        double S01 = 0, S11 = 0, P = 0, Pr = 0, Pa = 0, Prr = 0, Pra = 0, Paa = 0;
        for (size_t j = s0; j < s1; j++) {
            double w = R->w[j];
            double AT = al + R->T[j], lT = log(AT), iT = 1 / AT;
            double u = cu - rx * lT, l;
            if (hasv) {
                double At = al + R->tx[j], ltx = log(At), it = 1 / At, pv;
                l = lse2(u, cv - rx * ltx, &pv);
                double pu = 1 - pv, wpp = w * pu * pv, dr = ltx - lT, da = it - iT;
                Sr -= w * (pu * lT + pv * ltx);
                Sal -= w * (pu * iT + pv * it);
                Spv += w * pv;
                S01 += w * (pu * iT + pv * it);
                S11 += w * (pu * iT * iT + pv * it * it);
                P += wpp;
                Pr += wpp * dr;
                Pa += wpp * da;
                Prr += wpp * dr * dr;
                Pra += wpp * dr * da;
                Paa += wpp * da * da;
            } else {
                l = u;
                Sr -= w * lT;
                Sal -= w * iT;
                S01 += w * iT;
                S11 += w * iT * iT;
            }
            Sw += w;
            Sl += w * l;
        }
        LL += Sw * K + Sl;
        double psabx = patron__digamma(a + b + xe), psbx = patron__digamma(b + xe);
        double tabx = patron__trigamma(a + b + xe), tbx = patron__trigamma(b + xe);
        double Da = -1 / a, Db = hasv ? 1 / (b + xe - 1) : 0;
        G[0] += Sw * (patron__digamma(rx) - psr + lnal) + Sr;
        G[1] += Sw * r / al + rx * Sal;
        G[2] += Sw * (psab - psabx) + Spv / a;
        G[3] += Sw * (psab - psb - psabx + psbx) - Spv * Db;
        double cuaa = tab - tabx, cubb = tbx - tabx - tb + tab;
        h[0][0] += Sw * (patron__trigamma(rx) - tr) + Prr;
        h[0][1] += Sw / al - S01 + rx * Pra;
        h[1][1] += -Sw * r / (al * al) + rx * S11 + rx * rx * Paa;
        h[0][2] += Da * Pr;
        h[0][3] += Db * Pr;
        h[1][2] += rx * Da * Pa;
        h[1][3] += rx * Db * Pa;
        h[2][2] += Sw * cuaa - Spv / (a * a) + Da * Da * P;
        h[2][3] += Sw * cuaa + Da * Db * P;
        h[3][3] += Sw * cubb + Spv * Db * Db + Db * Db * P;
    }
    for (int i = 0; i < 4; i++) {
        g[i] = G[i];
        for (int k = 0; k < 4; k++)
            H[i * 4 + k] = k >= i ? h[i][k] : h[k][i];
    }
    return LL;
}

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
    t->ca = scratch + HYP_TERMS + 1;
    t->cb = scratch + 2 * (HYP_TERMS + 1);
    t->co[0] = 1;
    t->ca[0] = t->cb[0] = 0;
    t->n = 1;
}

static void c1_extend(c1_table *t, long need)
{
    if (need > HYP_TERMS + 1)
        need = HYP_TERMS + 1;
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
        return patron__hyp2f1_c1_log(a, b, z1, HYP_TERMS, out1, grad ? G1 : NULL) ||
               patron__hyp2f1_c1_log(a, b, z2, HYP_TERMS, out2, grad ? G2 : NULL);
    if (!(z1 < 1) || !(z2 <= z1))
        return -1;
    double s1 = 1, sa1 = 0, sb1 = 0, sz1 = 0, zm1 = 1, lim1 = 1e-17 * (1 - z1) / z1;
    double s2 = 1, sa2 = 0, sb2 = 0, sz2 = 0, zm2 = 1, lim2 = 1e-17 * (1 - z2) / z2;
    int done2 = 0;
    for (long m = 1;; m++) {
        if (m >= t->n) {
            if (t->n > HYP_TERMS)
                return -1;
            c1_extend(t, 2 * m + 16);
        }
        double co = t->co[m];
        zm1 *= z1;
        double tm1 = co * zm1;
        s1 += tm1;
        if (grad) {
            sa1 += t->ca[m] * zm1;
            sb1 += t->cb[m] * zm1;
            sz1 += tm1 * (double)m;
        }
        if (!done2) {
            zm2 *= z2;
            double tm2 = co * zm2;
            s2 += tm2;
            if (grad) {
                sa2 += t->ca[m] * zm2;
                sb2 += t->cb[m] * zm2;
                sz2 += tm2 * (double)m;
            }
            done2 = tm2 <= lim2 * s2;
        }
        if (done2 && tm1 <= lim1 * s1)
            break;
    }
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

/* BG/BB: one sum over the opportunities after the last transaction. */
static double ll_bgbb(const clv_rows *R, size_t j0, size_t j1, const double *p, double *g,
                      double *lrow)
{
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

/* Gamma-Gamma: density of the mean spend m of x transactions. */
static double ll_gg(const clv_rows *R, size_t j0, size_t j1, const double *p, double *g,
                    double *lrow)
{
    double pp = p[0], q = p[1], gam = p[2];
    double lg = log(gam), lgq = patron__lgamma(q), psq = g ? patron__digamma(q) : 0;
    double LL = 0, G[3] = {0, 0, 0};
    for (size_t s0 = j0, s1; s0 < j1; s0 = s1) {
        s1 = run_end(R, s0, j1);
        double x = R->x[s0], px = pp * x, lx = log(x);
        double c = patron__lgamma(px + q) - lgq + q * lg - patron__lgamma(px) + px * lx;
        double Sw = 0, Slm = 0, Sl = 0, Sinv = 0;
        for (size_t j = s0; j < s1; j++) {
            double w = R->w[j], m = R->m[j];
            double lm = R->lm[j], ls = log(gam + m * x);
            if (lrow)
                lrow[j] = c + (px - 1) * lm - (px + q) * ls;
            Sw += w;
            Slm += w * lm;
            Sl += w * ls;
            Sinv += w / (gam + m * x);
        }
        LL += Sw * c + (px - 1) * Slm - (px + q) * Sl;
        if (g) {
            double ppq = patron__digamma(px + q);
            G[0] += x * (Sw * (ppq - patron__digamma(px) + lx) + Slm - Sl);
            G[1] += Sw * (ppq - psq + lg) - Sl;
            G[2] += Sw * q / gam - (px + q) * Sinv;
        }
    }
    if (g)
        for (int k = 0; k < 3; k++)
            g[k] = G[k];
    return LL;
}

double clv_ll_range(patron_clv_model model, const clv_rows *r, size_t j0, size_t j1,
                    const double *p, double *g, double *lrow, double *scratch)
{
    switch (model) {
    case PATRON_CLV_BGNBD:
        return ll_bg(r, j0, j1, p, g, lrow, 0);
    case PATRON_CLV_MBGNBD:
        return ll_bg(r, j0, j1, p, g, lrow, 1);
    case PATRON_CLV_PNBD:
        return ll_pnbd(r, j0, j1, p, g, lrow, scratch);
    case PATRON_CLV_BGBB:
        return ll_bgbb(r, j0, j1, p, g, lrow);
    case PATRON_CLV_GG:
        return ll_gg(r, j0, j1, p, g, lrow);
    }
    return NAN;
}

static double ll_gg_hess(const clv_rows *R, size_t j0, size_t j1, const double *p, double *g,
                         double *H)
{
    double pp = p[0], q = p[1], gam = p[2];
    double lg = log(gam), lgq = patron__lgamma(q), psq = patron__digamma(q),
           tq = patron__trigamma(q);
    double LL = 0;
    for (int i = 0; i < 3; i++)
        g[i] = 0;
    for (int i = 0; i < 9; i++)
        H[i] = 0;
    for (size_t s0 = j0, s1; s0 < j1; s0 = s1) {
        s1 = run_end(R, s0, j1);
        double x = R->x[s0], px = pp * x, lx = log(x);
        double c = patron__lgamma(px + q) - lgq + q * lg - patron__lgamma(px) + px * lx;
        double Sw = 0, Slm = 0, Sl = 0, Si = 0, Si2 = 0;
        for (size_t j = s0; j < s1; j++) {
            double w = R->w[j], inv = 1 / (gam + R->m[j] * x);
            Sw += w;
            Slm += w * R->lm[j];
            Sl += w * log(gam + R->m[j] * x);
            Si += w * inv;
            Si2 += w * inv * inv;
        }
        LL += Sw * c + (px - 1) * Slm - (px + q) * Sl;
        double ppq = patron__digamma(px + q), tpq = patron__trigamma(px + q);
        g[0] += x * (Sw * (ppq - patron__digamma(px) + lx) + Slm - Sl);
        g[1] += Sw * (ppq - psq + lg) - Sl;
        g[2] += Sw * q / gam - (px + q) * Si;
        H[0] += x * x * Sw * (tpq - patron__trigamma(px));
        H[1] += x * Sw * tpq;
        H[2] += -x * Si;
        H[4] += Sw * (tpq - tq);
        H[5] += Sw / gam - Si;
        H[8] += -Sw * q / (gam * gam) + (px + q) * Si2;
    }
    H[3] = H[1];
    H[6] = H[2];
    H[7] = H[5];
    return LL;
}

int clv_has_hess(patron_clv_model model)
{
    return model == PATRON_CLV_GG || model == PATRON_CLV_BGNBD || model == PATRON_CLV_MBGNBD;
}

double clv_ll_hess_range(patron_clv_model model, const clv_rows *r, size_t j0, size_t j1,
                         const double *p, double *g, double *H)
{
    switch (model) {
    case PATRON_CLV_BGNBD:
        return ll_bg_hess(r, j0, j1, p, g, H, 0);
    case PATRON_CLV_MBGNBD:
        return ll_bg_hess(r, j0, j1, p, g, H, 1);
    case PATRON_CLV_GG:
        return ll_gg_hess(r, j0, j1, p, g, H);
    default:
        return NAN;
    }
}
