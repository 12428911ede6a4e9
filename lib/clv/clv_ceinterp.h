/* Internal to lib/clv: per-frequency interpolants of the conditional
 * expectation, for batches of predictions.
 *
 * For a model with the descriptor hooks ce_scale and ce_unit (BG/NBD and
 * MBG/NBD), the expected purchases of a row in (T, T + t], given alive,
 * depend on the row only through its frequency x and u = t ce_scale(row):
 * g_x(u) = ce_unit(x, u). A 12-month CLV sums monthly increments of
 * g_x(m u_1) with discount weights, again one function of u_1 per x:
 *   Phi_x(u_1) = sum_m (g_x(m u_1) - g_x((m - 1) u_1)) / (1 + d)^m
 * (one horizon: Phi_x = g_x). A batch builds, from
 * the exact evaluator, a piecewise polynomial interpolant of
 * F_x(s) = Phi_x(u_1) / u_1 in s = log2 u_1, on a fixed grid of pieces of
 * length CLV_CI_LEN in s (CLV_CI_N Chebyshev nodes each); a row then costs
 * one log2 and a polynomial of degree CLV_CI_N - 1. F_x is analytic in
 * the strip |Im ln u_1| < pi (the series' only singularity is at u = -1,
 * u = 0 is removable), so a piece of length 0.35 in ln u_1 gives about
 * 1e-18 in exact arithmetic; the direct evaluation's own rounding (about
 * 1e-14 relative, up to 1e-12 for x in the hundreds) is what is left. A
 * piece is used only when its last two Chebyshev coefficients are below
 * 2e-13 of its smallest value and it reproduces the exact evaluator to
 * 2e-13 relative at four further points; otherwise its rows are evaluated
 * directly.
 *
 * A piece is a pure function of (model, parameters, what is predicted, x,
 * piece), built from the evaluator's own per-x coefficients, so a row's
 * value does not depend on the other rows of the batch or on the thread
 * count: a batch of one row gives the same bits as a batch of a million.
 * Cost: a batch builds exactly the pieces its rows fall in, each
 * CLV_CI_N + 4 evaluations of Phi_x, i.e. at most 16 times the direct
 * cost of a row for a piece that only one row needs (a single-row call);
 * a batch of a million summary rows needs about a hundred pieces. */
#ifndef PATRON_CLV_CEINTERP_H
#define PATRON_CLV_CEINTERP_H

#include <stddef.h>

#include "clv_impl.h"
#include "internal/clv_model.h"

#define CLV_CI_N 12      /* Chebyshev nodes (coefficients) per piece */
#define CLV_CI_LEN 0.5   /* length of a piece in s = log2 u (piece_of assumes 0.5) */
#define CLV_CI_KMIN (-80) /* pieces k cover s in [k LEN, (k + 1) LEN), KMIN <= k < KMAX */
#define CLV_CI_KMAX 80    /* (u_1 from 2^-40 to 2^40; beyond, rows are evaluated directly) */
#define CLV_CI_MAX_X 1024 /* frequencies 0 .. MAX_X - 1 may get pieces */

typedef struct clv_ce_interp clv_ce_interp;

/* What a batch predicts: one horizon t (months = 0), or the discounted
 * sum over `months` months of ppm periods each at monthly rate discount. */
typedef struct clv_ci_spec {
    double t;
    int months;
    double ppm, discount;
} clv_ci_spec;

/* Build the pieces the rows of R fall in. *out = NULL when the model has
 * no hooks or no row falls in a piece. Returns 0, or -1 when out of
 * memory. */
int clv_ce_interp_build(clv_ce_interp **out, const clv_model_desc *md, const double *p,
                        const clv_rows *R, const clv_ci_spec *spec, int threads);

/* Phi_x(u1) when a piece covers (x, u1): returns 1 and sets *out;
 * returns 0 when the row is to be evaluated directly. */
int clv_ce_interp_eval(const clv_ce_interp *ci, double x, double u1, double *out);

void clv_ce_interp_free(clv_ce_interp *ci);

#endif
