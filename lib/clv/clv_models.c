/* Log-likelihoods and analytic gradients of the buy-till-you-die models on
 * compressed rows. Quantities that depend only on the frequency x (log-gamma,
 * log-beta and digamma values) are computed once per distinct x, and those
 * that depend only on a time value (log(alpha + t)) once per distinct time,
 * so one evaluation costs a couple of exp/log1p per distinct row. */
#include <math.h>

#include "clv_models.h"
#include "internal/gammafn.h"
#include "internal/hyp2f1.h"

#define HYP_TERMS 20000L /* beyond this the point is far off: treated as undefined */

size_t clv_ll_scratch(const clv_rows *r)
{
    return 9 * r->ntv + r->ngroups + 16;
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
static double ll_bg(const clv_rows *R, const double *p, double *g, double *lrow, double *tmp,
                    int e)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double *lnA = tmp, *invA = tmp + R->ntv;
    for (size_t k = 0; k < R->ntv; k++) {
        lnA[k] = log(al + R->tv[k]);
        invA[k] = 1 / (al + R->tv[k]);
    }
    double lnal = log(al), lbab = patron__lbeta(a, b);
    double psr = g ? patron__digamma(r) : 0, psab = g ? patron__digamma(a + b) : 0,
           psb = g ? patron__digamma(b) : 0;
    double lgr = patron__lgamma(r);
    double LL = 0, gr = 0, gal = 0, ga = 0, gb = 0;
    for (size_t gi = 0; gi < R->ngroups; gi++) {
        size_t s0 = R->gstart[gi], s1 = R->gstart[gi + 1];
        double x = R->x[s0], xe = x + e, rx = r + x;
        int hasv = xe > 0;
        double cu = patron__lbeta(a, b + xe) - lbab;
        double cv = hasv ? patron__lbeta(a + 1, b + xe - 1) - lbab : 0;
        double K = patron__lgamma(rx) - lgr + r * lnal;
        double Sw = 0, Sl = 0, Sr = 0, Sal = 0, Spv = 0;
        for (size_t j = s0; j < s1; j++) {
            double w = R->w[j];
            uint32_t iT = R->iT[j], it = R->itx[j];
            double lT = lnA[iT];
            double u = cu - rx * lT, l, pv;
            if (hasv) {
                double ltx = lnA[it];
                l = lse2(u, cv - rx * ltx, &pv);
                double pu = 1 - pv;
                Sr -= w * (pu * lT + pv * ltx);
                Sal -= w * (pu * invA[iT] + pv * invA[it]);
            } else {
                l = u;
                pv = 0;
                Sr -= w * lT;
                Sal -= w * invA[iT];
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

typedef struct pnbd_cache {
    double *F, *da, *db, *dz, *stamp;
} pnbd_cache;

static int pnbd_f(pnbd_cache *c, size_t group, uint32_t t, double a, double b, double z, int grad,
                  double *F, patron__hyp2f1_grad *G)
{
    if (c->stamp[t] != (double)group) {
        patron__hyp2f1_grad g;
        if (patron__hyp2f1_c1_log(a, b, z, HYP_TERMS, &c->F[t], grad ? &g : NULL))
            return -1;
        if (grad) {
            c->da[t] = g.da;
            c->db[t] = g.db;
            c->dz[t] = g.dz;
        }
        c->stamp[t] = (double)group;
    }
    *F = c->F[t];
    if (grad) {
        G->da = c->da[t];
        G->db = c->db[t];
        G->dc = 0;
        G->dz = c->dz[t];
    }
    return 0;
}

/* Pareto/NBD with the Gauss 2F1 form of Fader & Hardie's note: the series
 * argument is |alpha - beta| / (max(alpha, beta) + t), always in [0, 1). */
static double ll_pnbd(const clv_rows *R, const double *p, double *g, double *lrow, double *tmp)
{
    double r = p[0], al = p[1], s = p[2], be = p[3];
    double *lnA = tmp, *invA = tmp + R->ntv, *lnB = tmp + 2 * R->ntv,
           *invB = tmp + 3 * R->ntv;
    for (size_t k = 0; k < R->ntv; k++) {
        lnA[k] = log(al + R->tv[k]);
        invA[k] = 1 / (al + R->tv[k]);
        lnB[k] = log(be + R->tv[k]);
        invB[k] = 1 / (be + R->tv[k]);
    }
    int amax = al >= be;
    double diff = fabs(al - be);
    /* 2F1 values per (x, time) pair: rows of one x group share them */
    pnbd_cache cache = {tmp + 4 * R->ntv, tmp + 5 * R->ntv, tmp + 6 * R->ntv,
                        tmp + 7 * R->ntv, tmp + 8 * R->ntv};
    for (size_t k = 0; k < R->ntv; k++)
        cache.stamp[k] = -1;
    const double *lnM = amax ? lnA : lnB, *invM = amax ? invA : invB;
    double lnal = log(al), lnbe = log(be), lgr = patron__lgamma(r);
    double psr = g ? patron__digamma(r) : 0;
    double LL = 0, G[4] = {0, 0, 0, 0};
    for (size_t gi = 0; gi < R->ngroups; gi++) {
        size_t s0 = R->gstart[gi], s1 = R->gstart[gi + 1];
        double x = R->x[s0], rx = r + x;
        double K = patron__lgamma(rx) - lgr + r * lnal + s * lnbe;
        double a1 = r + s + x, b1 = amax ? s + 1 : rx;
        double lsr = log(s) - log(a1);
        double Sw = 0, Sl = 0, S[4] = {0, 0, 0, 0};
        for (size_t j = s0; j < s1; j++) {
            double w = R->w[j];
            uint32_t iT = R->iT[j], it = R->itx[j];
            double t1 = -rx * lnA[iT] - s * lnB[iT];
            double d1[4] = {-lnA[iT], -rx * invA[iT], -lnB[iT], -s * invB[iT]};
            double l = t1, p2 = 0, d2[4] = {0, 0, 0, 0};
            if (it != iT) {
                patron__hyp2f1_grad G1, G2;
                double F1, F2;
                if (pnbd_f(&cache, gi, it, a1, b1, diff * invM[it], g != NULL, &F1, &G1) ||
                    pnbd_f(&cache, gi, iT, a1, b1, diff * invM[iT], g != NULL, &F2, &G2))
                    return NAN;
                double l1 = F1 - a1 * lnM[it], l2 = F2 - a1 * lnM[iT];
                double q = exp(l2 - l1);
                if (q < 1) {
                    double t2 = lsr + l1 + log1p(-q);
                    l = lse2(t1, t2, &p2);
                    if (g) {
                        double dl1[4], dl2[4];
                        const patron__hyp2f1_grad *GG[2] = {&G1, &G2};
                        double *DL[2] = {dl1, dl2};
                        uint32_t idx[2] = {it, iT};
                        for (int h = 0; h < 2; h++) {
                            const patron__hyp2f1_grad *Gh = GG[h];
                            double lm = lnM[idx[h]], inv = invM[idx[h]];
                            double t = R->tv[idx[h]];
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
static double ll_bgbb(const clv_rows *R, const double *p, double *g, double *lrow)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    double lbab = patron__lbeta(al, be), lbgd = patron__lbeta(ga, de);
    double pa = g ? patron__digamma(al) : 0, pb = g ? patron__digamma(be) : 0,
           pab = g ? patron__digamma(al + be) : 0, pg = g ? patron__digamma(ga) : 0,
           pd = g ? patron__digamma(de) : 0, pgd = g ? patron__digamma(ga + de) : 0;
    double LL = 0, G[4] = {0, 0, 0, 0};
    for (size_t j = 0; j < R->n; j++) {
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
static double ll_gg(const clv_rows *R, const double *p, double *g, double *lrow)
{
    double pp = p[0], q = p[1], gam = p[2];
    double lg = log(gam), lgq = patron__lgamma(q), psq = g ? patron__digamma(q) : 0;
    double LL = 0, G[3] = {0, 0, 0};
    for (size_t gi = 0; gi < R->ngroups; gi++) {
        size_t s0 = R->gstart[gi], s1 = R->gstart[gi + 1];
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

double clv_ll(patron_clv_model model, const clv_rows *r, const double *p, double *g,
              double *lrow, double *scratch)
{
    switch (model) {
    case PATRON_CLV_BGNBD:
        return ll_bg(r, p, g, lrow, scratch, 0);
    case PATRON_CLV_MBGNBD:
        return ll_bg(r, p, g, lrow, scratch, 1);
    case PATRON_CLV_PNBD:
        return ll_pnbd(r, p, g, lrow, scratch);
    case PATRON_CLV_BGBB:
        return ll_bgbb(r, p, g, lrow);
    case PATRON_CLV_GG:
        return ll_gg(r, p, g, lrow);
    }
    return NAN;
}

double clv_ll_gg_hess(const clv_rows *R, const double *p, double *g, double *H)
{
    double pp = p[0], q = p[1], gam = p[2];
    double lg = log(gam), lgq = patron__lgamma(q), psq = patron__digamma(q),
           tq = patron__trigamma(q);
    double LL = 0;
    for (int i = 0; i < 3; i++)
        g[i] = 0;
    for (int i = 0; i < 9; i++)
        H[i] = 0;
    for (size_t gi = 0; gi < R->ngroups; gi++) {
        size_t s0 = R->gstart[gi], s1 = R->gstart[gi + 1];
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
