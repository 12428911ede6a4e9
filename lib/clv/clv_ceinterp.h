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
 * F_x(u_1) = Phi_x(u_1) / u_1 on a fixed grid of pieces, P = 4 per octave
 * (u_1 in 2^e [1 + q/P, 1 + (q + 1)/P), q = 0..P-1: the piece and the local
 * coordinate are the bits of u_1), CLV_CI_N Chebyshev nodes each; a row
 * then costs a polynomial of degree CLV_CI_N - 1 and no transcendental.
 * F_x is analytic except where some m u_1 = -1 (the series' branch point;
 * u_1 = 0 is removable), at least 2P + 1 half-widths from the centre of
 * any piece, so CLV_CI_N = 12 nodes give about 1e-15 in exact arithmetic; the
 * direct evaluation's own rounding (about 1e-14 relative, up to 1e-12 for
 * x in the hundreds) is what is left. A piece is used only when its last
 * two Chebyshev coefficients are below 2e-13 of its smallest value and it
 * reproduces the exact evaluator to 2e-13 relative at two further points;
 * otherwise its rows are evaluated * directly.
 *
 * A piece is a pure function of (model, parameters, what is predicted, x,
 * piece), built from the evaluator's own per-x coefficients, so a row's
 * value does not depend on the other rows of the batch or on the thread
 * count: a batch of one row gives the same bits as a batch of a million.
 * Cost: a batch builds exactly the pieces its rows fall in, each
 * CLV_CI_N + 2 evaluations of Phi_x, i.e. at most 14 times the direct
 * cost of a row for a piece that only one row needs (a single-row call);
 * a batch of a million summary rows needs about a hundred pieces. */
#ifndef PATRON_CLV_CEINTERP_H
#define PATRON_CLV_CEINTERP_H

#include <stddef.h>

#include "clv_impl.h"
#include "internal/clv_model.h"

#define CLV_CI_N 12      /* Chebyshev nodes (coefficients) per piece */
#define CLV_CI_BITS 2                       /* mantissa bits that choose the piece */
#define CLV_CI_PER_OCTAVE (1 << CLV_CI_BITS) /* pieces per octave of u_1 */
#define CLV_CI_KMIN (-40 * CLV_CI_PER_OCTAVE) /* pieces k = P e + q, KMIN <= k < KMAX: */
#define CLV_CI_KMAX (40 * CLV_CI_PER_OCTAVE)  /* u_1 from 2^-40 to 2^40 (beyond: directly) */
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

/* 1 when every row of the batch it was built for falls in an accepted
 * piece (clv_ce_interp_eval succeeds for each: no row's expectation can
 * fail), else 0 (also for NULL). */
int clv_ce_interp_complete(const clv_ce_interp *ci);

void clv_ce_interp_free(clv_ce_interp *ci);

#endif
