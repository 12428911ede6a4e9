/* BG/NBD (Fader, Hardie & Lee 2005) and MBG/NBD (Batislam, Denizel &
 * Filiztekin 2007): one family with e = 0 (BG/NBD) or e = 1 (MBG/NBD, which
 * may also drop out at time 0). Log-likelihood with gradient and exact
 * Hessian, predictions, starts and the two descriptors.
 *
 * The expectations need 1 - 2F1(A, B; C; w) with w = -t/(alpha + T) <= 0.
 * After Pfaff's transformation the prefactor ((alpha + T)/(alpha + T +
 * t))^(r + x) of the usual formula cancels exactly, which is what keeps
 * x = 1000 finite: the series is summed directly (with B divided out, so no
 * cancellation) when |w| <= 1/2, and in log-space in the transformed
 * variable z = -w / (1 - w) in [1/3, 1) otherwise. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "clv_models.h"
#include "internal/error.h"
#include "internal/gammafn.h"
#include "internal/hyp2f1.h"

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

/* (1 - 2F1(A, B; C; w)) / B for w <= 0, A, C > 0, C - B > 0, any B. */
static int h1mf(double A, double B, double C, double w, double *out)
{
    if (w == 0) {
        *out = 0;
        return 0;
    }
    if (w >= -0.5) {
        double u = A / C * w, s = u;
        for (long k = 1; k < 100000; k++) {
            u *= (A + k) * (B + k) / ((C + k) * (k + 1)) * w;
            s += u;
            if (fabs(u) <= 1e-17 * fabs(s) && k > 2)
                break;
        }
        *out = -s;
        return isfinite(s) ? 0 : -1;
    }
    double z = -w / (1 - w), lf;
    if (patron__hyp2f1_log(A, C - B, C, z, CLV_PRED_HYP_TERMS, &lf, NULL))
        return -1;
    lf -= A * log1p(-w);
    if (B == 0)
        return -1;
    *out = -expm1(lf) / B;
    return isfinite(*out) ? 0 : -1;
}

/* The direct series of h1mf for |w| <= 1/2 is -sum_k d_k w^(k+1) with
 * d_0 = A/C, d_k = d_(k-1) (A+k)(B+k)/((C+k)(k+1)); the d_k depend on the
 * row's x only (A = r + x, C = a + b + x + e - 1), so a batch tabulates
 * them once per x (H1_TERMS of them, enough for |w| <= 1/2 to 1e-17 unless
 * the coefficients grow, when the recurrence carries on) and a row costs a
 * multiply-add per term instead of a division. */
#define H1_TERMS CLV_CE_COEF

static void h1_fill(double *d, double A, double B, double C)
{
    d[0] = A / C;
    for (long k = 1; k < H1_TERMS; k++)
        d[k] = d[k - 1] * ((A + k) * (B + k) / ((C + k) * (k + 1)));
}

static int h1mf_tab(const double *d, double A, double B, double C, double w, double *out)
{
    if (!d || w < -0.5 || w == 0)
        return h1mf(A, B, C, w, out);
    double wk = w, s = 0, u = 0;
    long k;
    for (k = 0; k < H1_TERMS; k++) {
        u = d[k] * wk;
        s += u;
        if (fabs(u) <= 1e-17 * fabs(s) && k > 2) {
            *out = -s;
            return isfinite(s) ? 0 : -1;
        }
        wk *= w;
    }
    for (; k < 100000; k++) { /* not converged in the table: the recurrence goes on */
        u *= (A + k) * (B + k) / ((C + k) * (k + 1)) * w;
        s += u;
        if (fabs(u) <= 1e-17 * fabs(s))
            break;
    }
    *out = -s;
    return isfinite(s) ? 0 : -1;
}

/* ---- BG/NBD (e = 0) and MBG/NBD (e = 1) ---- */

static double bg_palive(const double *p, int e, double x, double tx, double T)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    if (x + e == 0)
        return 1.0;
    double lr = log(a / (b + x + e - 1)) + (r + x) * (log(al + T) - log(al + tx));
    if (lr > 0) {
        double q = exp(-lr);
        return q / (1 + q);
    }
    return 1 / (1 + exp(lr));
}

static int bg_ex(const double *p, int e, double t, double *out)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double C = a + b + e - 1, h;
    if (h1mf(r, a - 1, C, -t / al, &h))
        return -1;
    *out = (e ? b : C) * h;
    return 0;
}

/* log NB pmf: Gamma(r+j)/(Gamma(r) j!) p^r q^j */
static double lnb(double r, double lp, double lq, double j)
{
    return patron__lgamma(r + j) - patron__lgamma(r) - patron__lgamma(j + 1) + r * lp + j * lq;
}

static double bg_pmf(const double *p, int e, double t, double k)
{
    double r = p[0], al = p[1], a = p[2], b = p[3];
    double lp = log(al / (al + t)), lq = log(t / (al + t));
    double lbab = patron__lbeta(a, b);
    double res = t == 0 ? (k == 0 ? exp(patron__lbeta(a, b + e) - lbab) : 0)
                        : exp(patron__lbeta(a, b + k + e) - lbab + lnb(r, lp, lq, k));
    if (k + e > 0) {
        double tail;
        if (t == 0) {
            tail = k == 0 ? 1 : 0;
        } else {
            double head = 0;
            for (double j = 0; j < k; j++) {
                head += exp(lnb(r, lp, lq, j));
                if (head > 0.5)
                    break;
            }
            if (head <= 0.5) {
                head = 0;
                for (double j = 0; j < k; j++)
                    head += exp(lnb(r, lp, lq, j));
                tail = 1 - head;
            } else {
                tail = 0;
                double lj = lnb(r, lp, lq, k), term = exp(lj);
                for (double j = k; j < k + 1e7; j++) {
                    tail += term;
                    double ratio = (r + j) / (j + 1) * exp(lq);
                    term *= ratio;
                    if (ratio < 1 && term * ratio / (1 - ratio) <= 1e-17 * tail)
                        break;
                }
            }
            if (tail < 0)
                tail = 0;
        }
        res += exp(patron__lbeta(a + 1, b + k + e - 1) - lbab) * tail;
    }
    return res;
}

/* ---- Pareto/NBD ---- */

/* ---- the table's entries ---- */

static double ll_bgnbd(const clv_rows *R, size_t j0, size_t j1, const double *p, double *g,
                       double *lrow, double *scratch)
{
    (void)scratch;
    return ll_bg(R, j0, j1, p, g, lrow, 0);
}

static double ll_mbgnbd(const clv_rows *R, size_t j0, size_t j1, const double *p, double *g,
                        double *lrow, double *scratch)
{
    (void)scratch;
    return ll_bg(R, j0, j1, p, g, lrow, 1);
}

static double hess_bgnbd(const clv_rows *R, size_t j0, size_t j1, const double *p, double *g,
                         double *H)
{
    return ll_bg_hess(R, j0, j1, p, g, H, 0);
}

static double hess_mbgnbd(const clv_rows *R, size_t j0, size_t j1, const double *p, double *g,
                          double *H)
{
    return ll_bg_hess(R, j0, j1, p, g, H, 1);
}

static void starts_bg(const clv_rows *R, double mx, double mT, double mm, double st[4][4])
{
    (void)R;
    (void)mm;
    double al0 = mT / (mx > 0.05 ? mx : 0.05);
    double s[4][4] = {{1, al0, 1, 1}, {0.5, 0.5 * al0, 0.5, 2}, {2, 2 * al0, 2, 5},
                      {0.2, 0.2 * al0, 1, 4}};
    memcpy(st, s, sizeof s);
}

static int palive_bgnbd(const double *p, double x, double tx, double T, double *out)
{
    *out = bg_palive(p, 0, x, tx, T);
    return 0;
}

static int palive_mbgnbd(const double *p, double x, double tx, double T, double *out)
{
    *out = bg_palive(p, 1, x, tx, T);
    return 0;
}

static int ce_bg(const double *p, int e, double x, double T, double t, double pa,
                 const double *h1, double *out)
{
    double C = p[2] + p[3] + x + e - 1, h;
    if (h1mf_tab(h1, p[0] + x, p[2] - 1, C, -t / (p[1] + T), &h))
        return -1;
    *out = C * h * pa;
    return 0;
}

/* The expectation given alive as a function of u = t / (alpha + T). */
static double ce_scale_bg(const double *p, double x, double tx, double T)
{
    (void)x;
    (void)tx;
    return 1 / (p[1] + T);
}

static int ce_unit_bg(const double *p, int e, double x, double u, const double *h1, double *out)
{
    double C = p[2] + p[3] + x + e - 1, h;
    if (h1mf_tab(h1, p[0] + x, p[2] - 1, C, -u, &h))
        return -1;
    *out = C * h;
    return 0;
}

static int ce_unit_bgnbd(const double *p, double x, double u, const double *coef, double *out)
{
    return ce_unit_bg(p, 0, x, u, coef, out);
}

static int ce_unit_mbgnbd(const double *p, double x, double u, const double *coef, double *out)
{
    return ce_unit_bg(p, 1, x, u, coef, out);
}

static int ce_bgnbd(const double *p, double x, double tx, double T, double t, double pa,
                    const double *coef, double *out)
{
    (void)tx;
    return ce_bg(p, 0, x, T, t, pa, coef, out);
}

static int ce_mbgnbd(const double *p, double x, double tx, double T, double t, double pa,
                     const double *coef, double *out)
{
    (void)tx;
    return ce_bg(p, 1, x, T, t, pa, coef, out);
}

static void coef_bgnbd(const double *p, double x, double *d)
{
    h1_fill(d, p[0] + x, p[2] - 1, p[2] + p[3] + x - 1);
}

static void coef_mbgnbd(const double *p, double x, double *d)
{
    h1_fill(d, p[0] + x, p[2] - 1, p[2] + p[3] + x);
}

static int ex_bgnbd(const double *p, double t, double *out)
{
    return bg_ex(p, 0, t, out);
}

static int ex_mbgnbd(const double *p, double t, double *out)
{
    return bg_ex(p, 1, t, out);
}

static double pmf_bgnbd(const double *p, double t, double k)
{
    return bg_pmf(p, 0, t, k);
}

static double pmf_mbgnbd(const double *p, double t, double k)
{
    return bg_pmf(p, 1, t, k);
}

/* Alive at T: a new BG/NBD customer with the posterior (r + x, alpha + T,
 * a, b + x + e) (MBG/NBD: BG/NBD's pmf, as its flip at 0 is survived). */
static int cond_pmf_bg(const double *p, int e, double x, double tx, double T, double t,
                       double k, double *out)
{
    double pa = bg_palive(p, e, x, tx, T);
    double q[4] = {p[0] + x, p[1] + T, p[2], p[3] + x + e};
    double v = bg_pmf(q, 0, t, k);
    *out = (k == 0 ? 1 - pa : 0) + pa * v;
    return isfinite(*out) ? 0 : -1;
}

static int cond_pmf_bgnbd(const double *p, double x, double tx, double T, double t, double k,
                          double *out)
{
    return cond_pmf_bg(p, 0, x, tx, T, t, k, out);
}

static int cond_pmf_mbgnbd(const double *p, double x, double tx, double T, double t, double k,
                           double *out)
{
    return cond_pmf_bg(p, 1, x, tx, T, t, k, out);
}

static const char *const bgnbd_aliases[] = {"bg/nbd", NULL};
static const char *const mbgnbd_aliases[] = {"mbg/nbd", NULL};

#define BG_SIM_PARAMS                                                                           \
    {offsetof(patron_sim_options, r), offsetof(patron_sim_options, alpha),                      \
     offsetof(patron_sim_options, a), offsetof(patron_sim_options, b)}

const clv_model_desc clv_model_bgnbd = {
    .id = PATRON_CLV_BGNBD, .name = "bgnbd", .aliases = bgnbd_aliases, .title = "BG/NBD",
    .n_params = 4, .param = {"r", "alpha", "a", "b"},
    .flags = CLV_M_X0_ANY_TX | CLV_M_PALIVE_TOTAL, .time_params = 1u << 1, .scale_params = 1u << 1,
    .ll = ll_bgnbd, .ll_hess = hess_bgnbd, .starts = starts_bg,
    .palive = palive_bgnbd, .ce = ce_bgnbd, .ce_coef = coef_bgnbd,
    .ce_scale = ce_scale_bg, .ce_unit = ce_unit_bgnbd, .ex = ex_bgnbd,
    .pmf = pmf_bgnbd, .cond_pmf = cond_pmf_bgnbd,
    .mixing = {{1, 0, 0, 1}, {1, 1, 2, 3}},
    .sim_model = PATRON_SIM_BGNBD, .sim_param = BG_SIM_PARAMS, .simulate = patron__sim_bgnbd,
};

const clv_model_desc clv_model_mbgnbd = {
    .id = PATRON_CLV_MBGNBD, .name = "mbgnbd", .aliases = mbgnbd_aliases, .title = "MBG/NBD",
    .n_params = 4, .param = {"r", "alpha", "a", "b"},
    .flags = CLV_M_PALIVE_TOTAL, .time_params = 1u << 1, .scale_params = 1u << 1,
    .ll = ll_mbgnbd, .ll_hess = hess_mbgnbd, .starts = starts_bg,
    .palive = palive_mbgnbd, .ce = ce_mbgnbd, .ce_coef = coef_mbgnbd,
    .ce_scale = ce_scale_bg, .ce_unit = ce_unit_mbgnbd, .ex = ex_mbgnbd,
    .pmf = pmf_mbgnbd, .cond_pmf = cond_pmf_mbgnbd,
    .mixing = {{1, 0, 0, 1}, {1, 1, 2, 3}},
    .sim_model = PATRON_SIM_MBGNBD, .sim_param = BG_SIM_PARAMS, .simulate = patron__sim_mbgnbd,
};
