/* The Gamma-Gamma spend model (Fader, Hardie & Lee 2005 note):
 * log-likelihood with gradient and exact Hessian, starts and the
 * descriptor (a spend model: no purchase predictions, no simulation of its
 * own; patron_sim_run draws its spend with PATRON_SIM_SPEND_GAMMA_GAMMA). */
#include <math.h>
#include <string.h>

#include "clv_models.h"
#include "internal/error.h"
#include "internal/gammafn.h"
#include "internal/hyp2f1.h"

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

/* ---- the table's entry ---- */

static void starts_gg(const clv_rows *R, double mx, double mT, double mm, double st[4][4])
{
    (void)R;
    (void)mx;
    (void)mT;
    double s[4][4] = {{1, 2, mm, 0}, {5, 3, 0.4 * mm, 0}, {0.5, 1.5, mm, 0},
                      {10, 4, 0.3 * mm, 0}};
    memcpy(st, s, sizeof s);
}

static double ll_gg_entry(const clv_rows *R, size_t j0, size_t j1, const double *p, double *g,
                          double *lrow, double *scratch)
{
    (void)scratch;
    return ll_gg(R, j0, j1, p, g, lrow);
}

static const char *const gg_aliases[] = {"gamma-gamma", "gammagamma", NULL};

const clv_model_desc clv_model_gg = {
    .id = PATRON_CLV_GG, .name = "gg", .aliases = gg_aliases, .title = "Gamma-Gamma",
    .n_params = 3, .param = {"p", "q", "gamma", NULL},
    .flags = CLV_M_SPEND, .time_params = 0, .scale_params = 1u << 2,
    .ll = ll_gg_entry, .ll_hess = ll_gg_hess, .starts = starts_gg,
};
