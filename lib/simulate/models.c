/* The generative processes of the buy-till-you-die models, one customer at a
 * time, each from its own generator sub-stream (seed, customer index).
 *
 * Draw order within a customer's stream (part of the reproducibility
 * contract, documented in docs/guide/simulate.md):
 *   1. birth (only when cohort_periods > 0),
 *   2. the customer's latent parameters (model order: purchase, dropout),
 *   3. the purchase process,
 *   4. with spend: the customer's scale nu, then one value per transaction
 *      (the first purchase's, then each repeat purchase's). */
#include <math.h>

#include "internal/clv_model.h"
#include "sim_internal.h"

PATRON_SIM_NO_CONTRACT

struct patron__sim_emitter {
    const patron_sim_options *o;
    double birth;
    int64_t n, budget;
    int64_t *time_out;
};
typedef struct patron__sim_emitter emitter;

/* Record a purchase at customer time t; 0 when the budget is exhausted. */
static int emit(emitter *e, double t)
{
    if (e->n >= e->budget)
        return 0;
    if (e->time_out)
        e->time_out[e->n] =
            e->o->start + (int64_t)floor((e->birth + t) * (double)e->o->period_seconds);
    e->n++;
    return 1;
}

/* BG/NBD (mbg = 0) and MBG/NBD (mbg = 1). */
static int sim_bg(const patron_sim_options *o, patron_rng *gp, emitter *e, double T, double *xo,
                  double *txo, int mbg)
{
    patron_rng g = *gp;
    double x = 0.0, t_x = 0.0;
    double lambda = patron__rng_gamma1(&g, o->r) / o->alpha;
    double p = patron__rng_beta(&g, o->a, o->b);
    int alive = 1;
    if (mbg && patron__rng_u01(&g) < p)
        alive = 0; /* MBG/NBD: dropout right after the first purchase */
    double t = 0.0;
    while (alive) {
        t += patron__rng_exp1(&g) / lambda;
        if (!(t <= T))
            break;
        if (!emit(e, t))
            return -1;
        x += 1.0;
        t_x = t;
        if (patron__rng_u01(&g) < p)
            alive = 0;
    }
    *gp = g;
    *xo = x;
    *txo = t_x;
    return 0;
}

int patron__sim_bgnbd(const patron_sim_options *o, patron_rng *g, emitter *e, double T,
                      double *x, double *t_x)
{
    return sim_bg(o, g, e, T, x, t_x, 0);
}

int patron__sim_mbgnbd(const patron_sim_options *o, patron_rng *g, emitter *e, double T,
                       double *x, double *t_x)
{
    return sim_bg(o, g, e, T, x, t_x, 1);
}

int patron__sim_pnbd(const patron_sim_options *o, patron_rng *gp, emitter *e, double T,
                     double *xo, double *txo)
{
    patron_rng g = *gp;
    double x = 0.0, t_x = 0.0;
    double lambda = patron__rng_gamma1(&g, o->r) / o->alpha;
    double mu = patron__rng_gamma1(&g, o->s) / o->beta;
    double tau = patron__rng_exp1(&g) / mu;
    double end = tau < T ? tau : T;
    double t = 0.0;
    for (;;) {
        t += patron__rng_exp1(&g) / lambda;
        if (!(t <= end))
            break;
        if (!emit(e, t))
            return -1;
        x += 1.0;
        t_x = t;
    }
    *gp = g;
    *xo = x;
    *txo = t_x;
    return 0;
}

int patron__sim_bgbb(const patron_sim_options *o, patron_rng *gp, emitter *e, double T,
                     double *xo, double *txo)
{
    patron_rng g = *gp;
    double x = 0.0, t_x = 0.0;
    double p = patron__rng_beta(&g, o->alpha, o->beta);
    double theta = patron__rng_beta(&g, o->gamma, o->delta);
    /* Dropout at the start of opportunity D ~ Geometric(theta): alive
     * for opportunities 1 .. D-1. Purchases among them are Bernoulli(p),
     * visited by geometric jumps. */
    double last = patron__rng_geometric(&g, theta) - 1.0;
    if (last > T)
        last = T;
    double k = 0.0;
    for (;;) {
        k += patron__rng_geometric(&g, p);
        if (!(k <= last))
            break;
        if (!emit(e, k))
            return -1;
        x += 1.0;
        t_x = k;
    }
    *gp = g;
    *xo = x;
    *txo = t_x;
    return 0;
}

int64_t patron__sim_customer(const patron_sim_options *o, int64_t i, int64_t budget,
                             int64_t *time_out, int64_t *amount_out,
                             patron__sim_customer_out *c)
{
    patron_rng g;
    patron_rng_seed_stream(&g, o->seed, (uint64_t)i);
    emitter e = {o, 0.0, 0, budget, time_out};
    const clv_model_desc *md = patron__clv_model_sim(o->model); /* validated: not NULL */
    if (!md)
        return -1;
    double birth = 0.0;
    if (o->cohort_periods > 0) {
        birth = patron__rng_u01(&g) * o->cohort_periods;
        if (md->flags & CLV_M_DISCRETE)
            birth = floor(birth);
    }
    e.birth = birth;
    double T = o->periods - birth;
    double x = 0.0, t_x = 0.0;
    if (!emit(&e, 0.0))
        return -1;

    if (md->simulate(o, &g, &e, T, &x, &t_x))
        return -1;

    if (!time_out)
        return e.n;
    double spend_sum = 0.0;
    if (o->spend == PATRON_SIM_SPEND_GAMMA_GAMMA) {
        double nu = patron__rng_gamma1(&g, o->spend_q) / o->spend_gamma;
        double m = (double)o->minor_per_unit;
        for (int64_t j = 0; j < e.n; j++) {
            double z = patron__rng_gamma1(&g, o->spend_p) / nu;
            double minor = floor(z * m + 0.5);
            if (!(minor < 9.2e18))
                return -2;
            amount_out[j] = (int64_t)minor;
            if (j > 0)
                spend_sum += z;
        }
    } else {
        for (int64_t j = 0; j < e.n; j++)
            amount_out[j] = 0;
    }
    c->x = x;
    c->t_x = t_x;
    c->T = T;
    c->spend_sum = spend_sum;
    return e.n;
}
