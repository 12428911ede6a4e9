/* The projection's closed forms (docs/guide/plan.md, "Formulas"): survival
 * of a member alive at T over the next t periods, and the points flow of a
 * year. Pure; no allocation. */
#include <math.h>

#include "internal/hyp2f1.h"
#include "plan_int.h"

/* A power series of 2F1 near w = 1 needs about 1/(1 - w) terms; five million
 * is far beyond any 50-year horizon in days with a fitted alpha. */
#define HYP2F1_MAX_TERMS 5000000L

int patron__plan_survival(double *out, const patron_clv_params *tx, double x, double T, double t)
{
    if (t <= 0) {
        *out = 1.0;
        return 0;
    }
    const double *p = tx->p;
    if (tx->model == PATRON_CLV_PNBD) {
        /* mu | alive at T ~ Gamma(s, beta + T): E[exp(-mu t)]. */
        double s = p[2], beta = p[3];
        *out = exp(s * (log(beta + T) - log(beta + T + t)));
        return 0;
    }
    /* BG/NBD and MBG/NBD: death only at a purchase, so alive at T + t means
     * every purchase in (T, T + t] was survived: E[exp(-lambda p t)] with
     * lambda ~ Gamma(r + x, alpha + T) and p ~ Beta(a, b') independent
     * given alive at T (b' = b + x, MBG/NBD b + x + 1):
     * 2F1(r + x, a; a + b'; -z), z = t / (alpha + T), taken through one of
     * Pfaff's transformations, whose argument z / (1 + z) lies in [0, 1). */
    double r = p[0], alpha = p[1], a = p[2], b = p[3];
    double bp = b + x + (tx->model == PATRON_CLV_MBGNBD ? 1.0 : 0.0);
    double z = t / (alpha + T), w = z / (1.0 + z);
    double A = r + x, B = bp, C = a + bp;
    if (C - A > 0) {
        /* Pfaff on the other argument: 2F1(A, a; C; -z) =
         * (1 + z)^-a 2F1(C - A, a; C; w), C - A = a + b' - r - x no longer
         * growing with x, so its terms fall off quickly: the usual case. */
        double term = 1.0, sum = 1.0, A2 = C - A;
        for (long k = 0; k < 100000; k++) {
            term *= (A2 + k) * (a + k) / ((C + k) * (k + 1)) * w;
            sum += term;
            if (term <= 1e-17 * sum) {
                *out = sum * exp(-a * log1p(z));
                return 0;
            }
        }
    }
    /* The series in plain doubles while its sum stays far from overflow
     * (every term is positive, so nothing cancels); else in log space. */
    double term = 1.0, sum = 1.0;
    for (long k = 0; k < 100000; k++) {
        term *= (A + k) * (B + k) / ((C + k) * (k + 1)) * w;
        sum += term;
        if (term <= 1e-17 * sum) {
            *out = sum * exp(-A * log1p(z));
            return 0;
        }
        if (sum > 1e250)
            break;
    }
    double l;
    if (patron__hyp2f1_log(A, B, C, w, HYP2F1_MAX_TERMS, &l, NULL) != 0)
        return -1;
    *out = exp(l - A * log1p(z));
    return 0;
}

double patron__plan_alive_at_start(const patron_clv_params *tx)
{
    /* A new MBG/NBD customer may drop out at the first purchase (p ~ Beta(a, b)). */
    if (tx->model == PATRON_CLV_MBGNBD)
        return tx->p[3] / (tx->p[2] + tx->p[3]);
    return 1.0;
}

/* Points issued uniformly through year k reach an event L years later: a
 * share 1 - f of them in year k + n and f in year k + n + 1 (n = floor(L),
 * f = L - n). This is year y's part of issued[1..y]. */
static double shifted(const double *issued, int y, double L)
{
    int n = (int)floor(L);
    double f = L - n;
    double v = 0;
    if (y - n >= 1)
        v += (1.0 - f) * issued[y - n];
    if (y - n - 1 >= 1)
        v += f * issued[y - n - 1];
    return v;
}

void patron__plan_finish(double *m, int years, const patron_plan_options *o)
{
    double issued[PATRON_PLAN_MAX_YEARS + 1] = { 0 };
    double cum_issued = 0, cum_redeemed = 0, cum_expired = 0, num = 0, den = 0;
    for (int y = 1; y <= years; y++) {
        double *row = m + (size_t)(y - 1) * PATRON_PLAN_N_METRICS;
        issued[y] = row[PATRON_PLAN_REVENUE] * o->earn_rate;
        double redeemed = o->redeem_share * shifted(issued, y, o->redeem_months / 12.0);
        double expired = o->expiry_months > 0
                             ? (1.0 - o->redeem_share) * shifted(issued, y, o->expiry_months / 12.0)
                             : 0.0;
        cum_issued += issued[y];
        cum_redeemed += redeemed;
        cum_expired += expired;
        row[PATRON_PLAN_POINTS_ISSUED] = issued[y];
        row[PATRON_PLAN_POINTS_REDEEMED] = redeemed;
        row[PATRON_PLAN_POINTS_EXPIRED] = expired;
        row[PATRON_PLAN_POINTS_OUTSTANDING] = cum_issued - cum_redeemed - cum_expired;
        row[PATRON_PLAN_LIABILITY] = o->cost_per_point * (o->redeem_share * cum_issued - cum_redeemed);
        double cost = redeemed * o->cost_per_point + o->fixed_cost;
        double profit = row[PATRON_PLAN_REVENUE] * o->incremental_share * o->margin;
        row[PATRON_PLAN_PROGRAM_COST] = cost;
        row[PATRON_PLAN_INCREMENTAL_PROFIT] = profit;
        row[PATRON_PLAN_ROI] = cost > 0 ? (profit - cost) / cost : NAN;
        double disc = pow(1.0 + o->discount_rate, -(double)y);
        num += (profit - cost) * disc;
        den += cost * disc;
        row[PATRON_PLAN_CUMULATIVE_ROI] = den > 0 ? num / den : NAN;
    }
}
