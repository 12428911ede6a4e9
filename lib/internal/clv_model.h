/* Internal: the table of CLV models. Each model is one descriptor (names,
 * parameters, data rules, log-likelihood with gradient and Hessian, starts
 * of the fit, predictions, mixing distributions, simulation); the fitter,
 * the predictions, the data checks, the frame glue, the simulator and the
 * CLI read the descriptor instead of switching on the model. A new model
 * is one file in lib/clv (its functions and its descriptor) plus one line
 * in the table (lib/clv/clv_table.c) and its enum value in the public
 * headers (see docs/guide/clv.md, "Adding a model"). */
#ifndef PATRON_INTERNAL_CLV_MODEL_H
#define PATRON_INTERNAL_CLV_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "patron/clv.h"
#include "patron/simulate.h"

struct clv_rows;
struct patron__sim_emitter;

enum {
    CLV_M_SPEND = 1,       /* a spend model: rows (x, m), no predictions of purchases */
    CLV_M_DISCRETE = 2,    /* whole-number periods (BG/BB): T column is n, horizons whole */
    CLV_M_X0_ANY_TX = 4,   /* predictions ignore t_x when x = 0 (accept any t_x there) */
    CLV_M_PEN_PER_ROW = 8, /* lifetimes divides this model's penalizer by the input rows */
    CLV_M_NO_MONTHLY = 16, /* no monthly-discounted CLV (discrete time: use DERT) */
    CLV_M_PALIVE_TOTAL = 32 /* palive never fails (a closed form): with complete CE
                               interpolants a batch cannot fail and writes the
                               caller's arrays directly */
};

/* A mixing distribution: gamma (shape, rate) or beta, from two parameters. */
typedef struct clv_mixing_desc {
    int present, is_beta, a, b; /* a, b: parameter indexes */
} clv_mixing_desc;

typedef struct clv_model_desc {
    patron_clv_model id;
    const char *name;            /* canonical name (patron_clv_model_name) */
    const char *const *aliases;  /* further accepted names, NULL-terminated, or NULL */
    const char *title;           /* as the papers write it, for messages: "BG/NBD" */
    int n_params;
    const char *param[PATRON_CLV_MAX_PARAMS];
    unsigned flags;              /* CLV_M_* */
    unsigned time_params;        /* bit i: parameter i is in units of time (penalizer rescales it) */
    unsigned scale_params;       /* bit i: a scale (not a shape): no lower bound check */

    /* Fitting. ll: weighted LL of rows [j0, j1) at natural parameters p,
     * gradient g (optional), each row's unweighted LL in lrow (optional),
     * scratch of clv_ll_scratch() doubles; NaN when undefined. ll_hess
     * (NULL: the fitter uses BFGS and differenced gradients): LL with
     * gradient and Hessian (row-major k x k). starts: four starting points. */
    double (*ll)(const struct clv_rows *R, size_t j0, size_t j1, const double *p, double *g,
                 double *lrow, double *scratch);
    double (*ll_hess)(const struct clv_rows *R, size_t j0, size_t j1, const double *p, double *g,
                      double *H);
    void (*starts)(const struct clv_rows *R, double mean_x, double mean_T, double mean_m,
                   double st[4][4]);

    /* Predictions of one distinct row (transaction models; NULL for a spend
     * model). Return 0, or -1 when a series fails. palive: P(alive) at the
     * end of observation. ce: expected purchases in (T, T + t], given the
     * row's P(alive) pa and, when ce_coef is set, coef = the row's x's
     * coefficients (CLV_CE_COEF of them, ce_coef(p, x, coef)) or NULL. ex:
     * E[X(t)] of a new customer. pmf: P(X(t) = k) of a new customer.
     * cond_pmf: P(X(T, T + t) = k | row). palive_ahead, dert: optional. */
    int (*palive)(const double *p, double x, double tx, double T, double *out);
    int (*ce)(const double *p, double x, double tx, double T, double t, double pa,
              const double *coef, double *out);
    void (*ce_coef)(const double *p, double x, double *coef);
    /* Optional (both or neither): the expectation given alive depends on
     * the row only through x and u = t ce_scale(p, x, t_x, T), ce = pa
     * ce_unit(p, x, u, coef) up to rounding (coef as for ce). Batches then
     * interpolate ce_unit per frequency (lib/clv/clv_ceinterp.h). */
    double (*ce_scale)(const double *p, double x, double tx, double T);
    int (*ce_unit)(const double *p, double x, double u, const double *coef, double *out);
    int (*ex)(const double *p, double t, double *out);
    double (*pmf)(const double *p, double t, double k);
    int (*cond_pmf)(const double *p, double x, double tx, double T, double t, double k,
                    double *out);
    double (*palive_ahead)(const double *p, double x, double tx, double T, double m);
    /* DERT: dert_T(p, T, d) is the part that depends on T only (or NULL);
     * dert(p, x, tx, T, d, vT, out) the row's value given it. */
    double (*dert_T)(const double *p, double T, double d);
    int (*dert)(const double *p, double x, double tx, double T, double d, double vT, double *out);

    clv_mixing_desc mixing[2]; /* PATRON_CLV_MIX_PURCHASE, PATRON_CLV_MIX_DROPOUT */

    /* Simulation (lib/simulate): the patron_sim_model value (0 = none),
     * where each parameter lives in patron_sim_options, and one customer's
     * purchase process (times through the emitter; 0, or -1 when the
     * transaction budget is exhausted). */
    int sim_model;
    size_t sim_param[PATRON_CLV_MAX_PARAMS];
    int (*simulate)(const patron_sim_options *o, patron_rng *g, struct patron__sim_emitter *e,
                    double T, double *x, double *t_x);
} clv_model_desc;

/* The purchase processes of lib/simulate/models.c (descriptor.simulate). */
int patron__sim_bgnbd(const patron_sim_options *o, patron_rng *g, struct patron__sim_emitter *e,
                      double T, double *x, double *t_x);
int patron__sim_mbgnbd(const patron_sim_options *o, patron_rng *g, struct patron__sim_emitter *e,
                       double T, double *x, double *t_x);
int patron__sim_pnbd(const patron_sim_options *o, patron_rng *g, struct patron__sim_emitter *e,
                     double T, double *x, double *t_x);
int patron__sim_bgbb(const patron_sim_options *o, patron_rng *g, struct patron__sim_emitter *e,
                     double T, double *x, double *t_x);

/* Coefficients ce_coef writes per frequency. */
#define CLV_CE_COEF 64

/* The descriptor of a model, or NULL for an unknown one. */
const clv_model_desc *patron__clv_model(patron_clv_model model);
/* The descriptor whose simulation is patron_sim_model `sim`, or NULL. */
const clv_model_desc *patron__clv_model_sim(int sim);
/* The descriptor named `name` (canonical name or alias), or NULL. */
const clv_model_desc *patron__clv_model_named(const char *name);
/* Number of models, and the i-th (0-based, in enum order). */
size_t patron__clv_model_count(void);
const clv_model_desc *patron__clv_model_at(size_t i);

#endif
