/* Maximum-likelihood fitting of the CLV models on log-parameters from
 * ranked starts: damped Newton with the exact Hessian where the model has
 * one (BG/NBD, MBG/NBD, Gamma-Gamma; BFGS when Newton fails from a start),
 * else BFGS and a Newton polish with the finite-differenced Hessian of the
 * analytic gradient; standard errors from the observed information. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clv_eval.h"
#include "clv_impl.h"
#include "clv_models.h"
#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/optim.h"
#include "internal/options.h"

/* Parameters beyond exp(+-LOG_BOUND) count as "ran off to the boundary". */
#define LOG_BOUND 23.0258509299404568 /* log(1e10) */

/* Points objective() remembers: the Hessian's k + 1 and the polish's. */
#define OMEMO 8

typedef struct fit_ctx {
    patron_clv_model model;
    const clv_model_desc *md;
    const clv_rows *R;
    clv_pool *pool;
    /* or else a set of chunks (patron_clv_fit_chunks) */
    patron_clv_chunks *chunks;
    clv_fit_stats st;
    double pen[4]; /* penalty coefficient of each parameter (see penalty_weights) */
    int k;
    /* hess_obj's last point and results (Newton ends where the standard
     * errors need the Hessian: one pass over the rows fewer) */
    int memo;
    double memo_theta[4], memo_f, memo_ll, memo_g[4], memo_H[16];
    /* objective()'s last points (ring): the polish and the result revisit
     * the optimum, each visit a pass over the rows otherwise */
    int omemo_n, omemo_next;
    double omemo_theta[OMEMO][4], omemo_f[OMEMO], omemo_ll[OMEMO], omemo_g[OMEMO][4];
} fit_ctx;

/* lifetimes' penalizer, parameter by parameter. lifetimes fits BG/NBD,
 * MBG/NBD and Pareto/NBD in time rescaled so that the oldest customer is 1
 * (alpha, and beta for Pareto/NBD, become alpha * s with s = 1 / max T) and
 * penalises c * sum(params^2) of the rescaled parameters; its Pareto/NBD
 * objective divides the log-likelihood by the mean weight instead of the
 * total, which is our -LL/W with c / N (N = input rows). Gamma-Gamma and
 * BG/BB are neither rescaled nor renormalised. So the same penalizer gives
 * the same fit as lifetimes, and a fit does not depend on the time unit. */
static void penalty_weights(double pen[4], const clv_model_desc *md, double c,
                            const clv_fit_stats *st, size_t input_rows)
{
    double max_T = st->max_T;
    double s2 = max_T > 0 ? 1.0 / (max_T * max_T) : 1.0;
    double n = input_rows ? (double)input_rows : 1.0;
    for (int i = 0; i < 4; i++) {
        pen[i] = (md->flags & CLV_M_PEN_PER_ROW) ? c / n : c;
        if (md->time_params & (1u << i))
            pen[i] *= s2;
    }
}

/* LL (gradient g, Hessian H optional) over all rows: the pool's fixed
 * chunks of R, or the caller's chunks in their order. */
static double ctx_ll(fit_ctx *c, const double *p, double *g, double *H)
{
    if (c->chunks)
        return clv_chunks_ll(c->chunks, p, g, H);
    return clv_pool_ll(c->pool, c->model, c->R, p, g, H, NULL);
}

/* Objective in log-parameters: -LL/W + sum(pen_i * exp(theta_i)^2). */
static double objective_ll(fit_ctx *c, const double *theta, double *grad, double *ll_out)
{
    size_t th_bytes = (size_t)c->k * sizeof *theta;
    for (int m = 0; m < c->omemo_n; m++)
        if (!memcmp(theta, c->omemo_theta[m], th_bytes)) {
            memcpy(grad, c->omemo_g[m], th_bytes);
            if (ll_out)
                *ll_out = c->omemo_ll[m];
            return c->omemo_f[m];
        }
    double p[4] = {0}, gn[4];
    for (int i = 0; i < c->k; i++) {
        p[i] = exp(theta[i]);
        if (!(p[i] > 0) || !isfinite(p[i]))
            return INFINITY;
    }
    double ll = ctx_ll(c, p, gn, NULL);
    if (!isfinite(ll))
        return INFINITY;
    double W = c->st.W, f = -ll / W;
    for (int i = 0; i < c->k; i++) {
        f += c->pen[i] * p[i] * p[i];
        grad[i] = (-gn[i] / W + 2 * c->pen[i] * p[i]) * p[i];
    }
    int m = c->omemo_next;
    c->omemo_next = (m + 1) % OMEMO;
    if (c->omemo_n < OMEMO)
        c->omemo_n++;
    memcpy(c->omemo_theta[m], theta, th_bytes);
    memcpy(c->omemo_g[m], grad, th_bytes);
    c->omemo_f[m] = f;
    c->omemo_ll[m] = ll;
    if (ll_out)
        *ll_out = ll;
    return f;
}

static double objective(void *vctx, const double *theta, double *grad)
{
    return objective_ll(vctx, theta, grad, NULL);
}

/* Cholesky inverse of a k x k SPD matrix; -1 if not positive definite. */
static int spd_inverse(const double *A, double *inv, int k)
{
    double L[16] = {0};
    for (int i = 0; i < k; i++)
        for (int j = 0; j <= i; j++) {
            double s = A[i * k + j];
            for (int m = 0; m < j; m++)
                s -= L[i * 4 + m] * L[j * 4 + m];
            if (i == j) {
                if (!(s > 0))
                    return -1;
                L[i * 4 + i] = sqrt(s);
            } else {
                L[i * 4 + j] = s / L[j * 4 + j];
            }
        }
    /* inv = L^-T L^-1: solve column by column */
    for (int col = 0; col < k; col++) {
        double y[4], xx[4];
        for (int i = 0; i < k; i++) {
            double s = (i == col);
            for (int m = 0; m < i; m++)
                s -= L[i * 4 + m] * y[m];
            y[i] = s / L[i * 4 + i];
        }
        for (int i = k - 1; i >= 0; i--) {
            double s = y[i];
            for (int m = i + 1; m < k; m++)
                s -= L[m * 4 + i] * xx[m];
            xx[i] = s / L[i * 4 + i];
        }
        for (int i = 0; i < k; i++)
            inv[i * k + col] = xx[i];
    }
    return 0;
}

/* Hessian of the objective in log-parameters by forward differences of the
 * analytic gradient, symmetrised: k passes over the rows beyond the
 * gradient at theta (which the optimiser has just evaluated: the memo
 * holds it), where central differences need 2k. The step weighs the
 * truncation error (h/2 times the third derivative, O(1) in log-parameters:
 * a few 1e-6 relative in H, the same for any summation order) against the
 * rounding of the gradient, whose series and row sums carry up to 1e-12
 * relative and which h divides (1e-7): the standard errors are right to
 * about 1e-5 relative (far below their statistical meaning) and do not
 * move by more than 1e-6 with the order of the rows or the chunks.
 * Returns -1 if undefined. */
static int hessian_log(fit_ctx *c, const double *theta, double *H)
{
    int k = c->k;
    const double h = 1e-5;
    double g0[4];
    if (!isfinite(objective(c, theta, g0)))
        return -1;
    for (int j = 0; j < k; j++) {
        double tp[4], gp[4];
        memcpy(tp, theta, sizeof tp);
        tp[j] += h;
        double hj = tp[j] - theta[j]; /* the step as represented */
        double fp = objective(c, tp, gp);
        if (!isfinite(fp))
            return -1;
        for (int i = 0; i < k; i++)
            H[i * k + j] = (gp[i] - g0[i]) / hj;
    }
    for (int i = 0; i < k; i++)
        for (int j = 0; j < i; j++) {
            double v = 0.5 * (H[i * k + j] + H[j * k + i]);
            H[i * k + j] = H[j * k + i] = v;
        }
    return 0;
}

/* Objective in log-parameters with its exact Hessian (models with
 * clv_has_hess: BG/NBD, MBG/NBD, Gamma-Gamma). */
static double hess_obj(fit_ctx *c, const double *theta, double *gF, double *HF)
{
    int k = c->k;
    if (c->memo && !memcmp(theta, c->memo_theta, (size_t)k * sizeof *theta)) {
        memcpy(gF, c->memo_g, (size_t)k * sizeof *gF);
        memcpy(HF, c->memo_H, (size_t)(k * k) * sizeof *HF);
        return c->memo_f;
    }
    double p[4] = {0}, g[4], H[16];
    for (int i = 0; i < k; i++) {
        p[i] = exp(theta[i]);
        if (!(p[i] > 0) || !isfinite(p[i]))
            return INFINITY;
    }
    double ll = ctx_ll(c, p, g, H);
    if (!isfinite(ll))
        return INFINITY;
    double W = c->st.W, f = -ll / W;
    for (int i = 0; i < k; i++) {
        f += c->pen[i] * p[i] * p[i];
        gF[i] = (-g[i] / W + 2 * c->pen[i] * p[i]) * p[i];
    }
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            HF[i * k + j] = p[i] * p[j] * (-H[i * k + j] / W + (i == j ? 2 * c->pen[i] : 0)) +
                            (i == j ? gF[i] : 0);
    for (int i = 0; i < k; i++)
        if (!isfinite(gF[i]))
            return INFINITY;
    for (int i = 0; i < k * k; i++)
        if (!isfinite(HF[i]))
            return INFINITY;
    c->memo = 1;
    memcpy(c->memo_theta, theta, (size_t)k * sizeof *theta);
    memcpy(c->memo_g, gF, (size_t)k * sizeof *gF);
    memcpy(c->memo_H, HF, (size_t)(k * k) * sizeof *HF);
    c->memo_f = f;
    c->memo_ll = ll;
    return f;
}

/* Damped Newton with the exact Hessian: a handful of iterations where BFGS
 * needs dozens (each iteration is one pass over the rows). Levenberg
 * damping when the Hessian is not positive definite, Armijo backtracking. */
static void newton(fit_ctx *c, double *theta, const patron__optim_opts *o,
                   patron__optim_result *res)
{
    int k = c->k;
    memset(res, 0, sizeof *res);
    double g[4], H[16], Hd[16], inv[16];
    double f = hess_obj(c, theta, g, H);
    res->nfev = 1;
    if (!isfinite(f)) {
        res->status = PATRON__OPTIM_NONFINITE;
        res->f = f;
        res->gnorm = NAN;
        return;
    }
    res->status = PATRON__OPTIM_MAXITER;
    int it;
    for (it = 0; it < o->max_iter; it++) {
        double gn = 0, tb = 0;
        for (int i = 0; i < k; i++) {
            gn = fabs(g[i]) > gn ? fabs(g[i]) : gn;
            tb = fabs(theta[i]) > tb ? fabs(theta[i]) : tb;
        }
        if (gn <= o->gtol) {
            res->status = PATRON__OPTIM_CONVERGED;
            break;
        }
        if (tb > o->xbound) {
            res->status = PATRON__OPTIM_BOUNDARY;
            break;
        }
        double mu = 0, d[4], dsum = 0;
        for (int i = 0; i < k; i++)
            dsum += fabs(H[i * k + i]);
        int spd = 0;
        for (int tries = 0; tries < 60 && !spd; tries++) {
            memcpy(Hd, H, sizeof Hd);
            for (int i = 0; i < k; i++)
                Hd[i * (k + 1)] += mu;
            if (!(spd = !spd_inverse(Hd, inv, k)))
                mu = mu ? 10 * mu : 1e-6 * (1 + dsum);
        }
        if (!spd) {
            res->status = PATRON__OPTIM_STALLED;
            break;
        }
        double slope = 0, dn = 0;
        for (int i = 0; i < k; i++) {
            d[i] = 0;
            for (int j = 0; j < k; j++)
                d[i] -= inv[i * k + j] * g[j];
            slope += g[i] * d[i];
            dn = fabs(d[i]) > dn ? fabs(d[i]) : dn;
        }
        /* Newton decrement below rounding: the optimum is reached to machine
         * precision (the gradient then only carries rounding noise). */
        if (mu == 0 && -slope <= 1e-15 * (1 + fabs(f))) {
            res->status = PATRON__OPTIM_CONVERGED;
            break;
        }
        double t = dn > 2 ? 2 / dn : 1; /* at most a factor e^2 per step */
        double tn[4] = {0}, gt[4], Ht[16], ft = INFINITY;
        int ok = 0;
        for (int ls = 0; ls < 30; ls++) {
            for (int i = 0; i < k; i++)
                tn[i] = theta[i] + t * d[i];
            ft = hess_obj(c, tn, gt, Ht);
            res->nfev++;
            if (ft <= f + 1e-4 * t * slope) {
                ok = 1;
                break;
            }
            /* Near the optimum the decrease of a full step is below the
             * rounding noise of a sum over many rows (Armijo then fails
             * by chance, and halving cannot help): a full step with the
             * objective equal to that noise and a smaller gradient is
             * kept. */
            if (ls == 0 && t == 1 && ft <= f + 1e-13 * fabs(f)) {
                double gn1 = 0;
                for (int i = 0; i < k; i++)
                    gn1 = fabs(gt[i]) > gn1 ? fabs(gt[i]) : gn1;
                if (gn1 < gn) {
                    ok = 1;
                    break;
                }
            }
            t *= 0.5;
        }
        if (!ok) {
            res->status = PATRON__OPTIM_STALLED;
            break;
        }
        memcpy(theta, tn, (size_t)k * sizeof *theta);
        memcpy(g, gt, sizeof gt);
        memcpy(H, Ht, sizeof Ht);
        f = ft;
    }
    res->iterations = it;
    res->f = f;
    res->gnorm = 0;
    for (int i = 0; i < k; i++)
        res->gnorm = fabs(g[i]) > res->gnorm ? fabs(g[i]) : res->gnorm;
}

void clv_fit_stats_add(clv_fit_stats *st, const clv_rows *R)
{
    for (size_t j = 0; j < R->n; j++) {
        st->W += R->w[j];
        st->Sx += R->w[j] * R->x[j];
        st->Sm += R->m ? R->w[j] * R->m[j] : 0;
        if (!R->T) /* a spend model's rows */
            continue;
        st->ST += R->w[j] * R->T[j];
        if (R->T[j] > st->max_T)
            st->max_T = R->T[j];
    }
    if (R->max_x > st->max_x)
        st->max_x = R->max_x;
    st->n_distinct += R->n;
}

static void starts_for(const clv_model_desc *md, const clv_fit_stats *s, const clv_rows *R,
                       double st[4][4])
{
    double mx = s->Sx / s->W, mT = s->ST / s->W, mm = s->Sm / s->W;
    if (!(mT > 0))
        mT = 1;
    md->starts(R, mx, mT, mm, st);
}

/* Did an optimiser end at an optimum (not at the boundary)? */
static int converged(const patron__optim_result *res, const double *th, int k)
{
    int ok = res->status == PATRON__OPTIM_CONVERGED ||
             (res->status == PATRON__OPTIM_STALLED && res->gnorm <= 1e-5);
    for (int i = 0; i < k && ok; i++)
        if (fabs(th[i]) > LOG_BOUND)
            ok = 0;
    return ok;
}

static const char *optim_reason(patron__optim_status s)
{
    switch (s) {
    case PATRON__OPTIM_CONVERGED:
        return "converged";
    case PATRON__OPTIM_STALLED:
        return "the line search could not decrease the objective further";
    case PATRON__OPTIM_MAXITER:
        return "iteration limit reached";
    case PATRON__OPTIM_NONFINITE:
        return "log-likelihood not finite at the starting point";
    case PATRON__OPTIM_BOUNDARY:
        return "a parameter ran off towards 0 or infinity";
    }
    return "?";
}

/* The outcome of a fit's optimisation: the best optimum over the starts. */
typedef struct fit_outcome {
    double theta[4], f;
    int iterations, newton; /* newton: found by Newton (exact Hessian) */
} fit_outcome;

/* Optimise from the model's starts. Order of the starts: as listed when
 * n_starts is set (all are run); by default ranked by their objective, run
 * until one converges. Returns 0 with *out set, or PATRON_ECONVERGE
 * (message set) when no start converged. */
static int fit_starts(fit_ctx *c, const patron_clv_fit_options *o, const patron__optim_opts *oo,
                      fit_outcome *out)
{
    patron_clv_model model = c->model;
    int k = c->k;
    double st[4][4];
    starts_for(c->md, &c->st, c->R, st);
    double best_theta[4] = {0}, best_f = INFINITY;
    int best_iter = 0, have = 0, tried = 0, best_newton = 0;
    patron__optim_status first_fail = PATRON__OPTIM_CONVERGED;
    double fail_theta[4] = {0}, fail_g = 0;
    int order[4] = {0, 1, 2, 3}, nrun = o->n_starts ? o->n_starts : 4;
    if (!o->n_starts) {
        double fs[4], gtmp[4];
        for (int si = 0; si < 4; si++) {
            double th[4] = {0};
            for (int i = 0; i < k; i++)
                th[i] = log(st[si][i]);
            fs[si] = objective(c, th, gtmp);
            if (!isfinite(fs[si]))
                fs[si] = INFINITY;
        }
        for (int i = 1; i < 4; i++) /* stable insertion sort */
            for (int j = i; j > 0 && fs[order[j]] < fs[order[j - 1]]; j--) {
                int tmp = order[j];
                order[j] = order[j - 1];
                order[j - 1] = tmp;
            }
    }
    for (int oi = 0; oi < nrun; oi++) {
        int si = order[oi];
        double th[4] = {0};
        for (int i = 0; i < k; i++)
            th[i] = log(st[si][i]);
        patron__optim_result res;
        int ok = 0, by_newton = 0;
        if (clv_has_hess(model)) {
            newton(c, th, oo, &res);
            ok = by_newton = converged(&res, th, k);
        }
        if (!ok && !(c->md->flags & CLV_M_SPEND)) { /* (again) by BFGS from the same start */
            for (int i = 0; i < k; i++)
                th[i] = log(st[si][i]);
            patron__bfgs(objective, c, k, th, oo, &res);
            ok = converged(&res, th, k);
        }
        tried++;
        if (ok && res.f < best_f) {
            best_f = res.f;
            memcpy(best_theta, th, sizeof th);
            best_iter = res.iterations;
            best_newton = by_newton;
            have = 1;
        } else if (!ok && first_fail == PATRON__OPTIM_CONVERGED) {
            first_fail = res.status == PATRON__OPTIM_CONVERGED ? PATRON__OPTIM_BOUNDARY
                                                                : res.status;
            memcpy(fail_theta, th, sizeof th);
            fail_g = res.gnorm;
        }
        if (have && !o->n_starts)
            break;
    }
    if (!have) {
        char where[256];
        size_t off = 0;
        for (int i = 0; i < k; i++)
            off += (size_t)snprintf(where + off, sizeof where - off, "%s%s=%.6g", i ? ", " : "",
                                    patron_clv_param_name(model, i), exp(fail_theta[i]));
        return patron__fail(PATRON_ECONVERGE, "%s fit did not converge from any of %d starts: %s "
                            "(last point %s, gradient norm %.3g)",
                            patron_clv_model_name(model), tried, optim_reason(first_fail), where,
                            fail_g);
    }
    memcpy(out->theta, best_theta, sizeof best_theta);
    out->f = best_f;
    out->iterations = best_iter;
    out->newton = best_newton;
    return PATRON_OK;
}

/* Large inputs: the starts are tried on an evenly spaced sample of the rows
 * (every SAMPLE_STRIDE-th row in the canonical order, so the sample does
 * not depend on input order or threads), and the full rows only refine the
 * sample's optimum: by Newton where the model has an exact Hessian, else by
 * BFGS starting from the inverse of the sample's Hessian (the sample's
 * optimum and curvature are within sampling error of the full data's, so a
 * few passes over all rows converge instead of dozens). 1 when *out is set;
 * 0 (no message) when any step fails, and the caller then runs the starts
 * on all rows as for small inputs. */
#define SAMPLE_STRIDE 16
#define SAMPLE_MIN_ROWS (4 * (size_t)CLV_CHUNK)
static int warm_fit(fit_ctx *c, const patron_clv_fit_options *o, const patron__optim_opts *oo,
                    fit_outcome *out)
{
    const clv_rows *R = c->R;
    size_t ns = (R->n + SAMPLE_STRIDE - 1) / SAMPLE_STRIDE;
    clv_rows S;
    memset(&S, 0, sizeof S);
    S.x = patron__malloc(ns * sizeof(double));
    if (R->T) {
        S.tx = patron__malloc(ns * sizeof(double));
        S.T = patron__malloc(ns * sizeof(double));
    }
    S.w = patron__malloc(ns * sizeof(double));
    if (R->m) {
        S.m = patron__malloc(ns * sizeof(double));
        S.lm = patron__malloc(ns * sizeof(double));
    }
    int done = 0;
    clv_pool pool;
    if (!S.x || !S.w || (R->T && (!S.tx || !S.T)) || (R->m && (!S.m || !S.lm)))
        goto out;
    for (size_t j = 0; j < ns; j++) {
        size_t i = j * SAMPLE_STRIDE;
        S.x[j] = R->x[i];
        if (R->T) {
            S.tx[j] = R->tx[i];
            S.T[j] = R->T[i];
        }
        S.w[j] = R->w[i];
        if (R->m) {
            S.m[j] = R->m[i];
            S.lm[j] = R->lm[i];
        }
        S.W += R->w[i];
        if (R->x[i] > S.max_x)
            S.max_x = R->x[i];
    }
    S.n = ns;
    if (!(S.W > 0) || (!R->m && S.max_x == 0) || clv_pool_init(&pool, &S, c->pool->threads))
        goto out;
    fit_ctx cs;
    memset(&cs, 0, sizeof cs);
    cs.model = c->model;
    cs.md = c->md;
    cs.R = &S;
    clv_fit_stats_add(&cs.st, &S);
    cs.pool = &pool;
    cs.k = c->k;
    memcpy(cs.pen, c->pen, sizeof cs.pen);
    fit_outcome so;
    int k = c->k;
    double H[16], Hinv[16];
    if (fit_starts(&cs, o, oo, &so)) {
        /* the sample did not converge: the full rows decide (their own
         * message replaces this one if they fail too) */
    } else if (clv_has_hess(c->model)) {
        patron__optim_result res;
        double th[4];
        memcpy(th, so.theta, sizeof th);
        newton(c, th, oo, &res);
        if (converged(&res, th, k)) {
            memcpy(out->theta, th, sizeof th);
            out->f = res.f;
            out->iterations = so.iterations + res.iterations;
            out->newton = 1;
            done = 1;
        }
    } else if (!hessian_log(&cs, so.theta, H) && !spd_inverse(H, Hinv, k)) {
        patron__optim_result res;
        double th[4];
        memcpy(th, so.theta, sizeof th);
        patron__bfgs_from(objective, c, k, th, oo, Hinv, &res);
        if (converged(&res, th, k)) {
            memcpy(out->theta, th, sizeof th);
            out->f = res.f;
            out->iterations = so.iterations + res.iterations;
            out->newton = 0;
            done = 1;
        }
    }
    clv_pool_free(&pool);
out:
    clv_rows_free(&S);
    return done;
}

/* The fit proper, on the rows of c (the pool over R, or chunks): starts or
 * the sampled warm start, the Hessian at the optimum, the checks and the
 * result. c->st holds the rows' statistics. */
static int fit_run(fit_ctx *c, const patron_clv_fit_options *opts_in, size_t input_rows,
                   patron_clv_fit_result *out)
{
    patron_clv_fit_options o = *opts_in;
    const clv_model_desc *md = c->md;
    patron_clv_model model = c->model;
    int k = c->k, rc;
    penalty_weights(c->pen, md, o.penalizer, &c->st, input_rows);
    patron__optim_opts oo = {o.max_iter, o.gtol, LOG_BOUND + 2};
    fit_outcome fo;
    if (!(c->R && c->R->n >= SAMPLE_MIN_ROWS && !o.n_starts && warm_fit(c, &o, &oo, &fo)) &&
        (rc = fit_starts(c, &o, &oo, &fo))) {
        return rc;
    }
    double best_theta[4], best_f = fo.f;
    int best_iter = fo.iterations, best_newton = fo.newton;
    memcpy(best_theta, fo.theta, sizeof best_theta);
    /* The Hessian of the objective at the optimum: exact where the model
     * has it, else central differences of the analytic gradient. After BFGS
     * one Newton step polishes the optimum (kept if it lowers the
     * objective; the step is tiny, so the same Hessian serves for the
     * standard errors); Newton's own optimum needs no polish. */
    double H[16] = {0}, cov[16] = {0}, g[4] = {0}, hf = NAN;
    if (clv_has_hess(model) ? !isfinite(hf = hess_obj(c, best_theta, g, H))
                            : hessian_log(c, best_theta, H)) {
        return patron__fail(PATRON_ECONVERGE, "%s fit: Hessian not finite at the optimum",
                            patron_clv_model_name(model));
    }
    if (!best_newton && !spd_inverse(H, cov, k)) {
        objective(c, best_theta, g);
        double th[4], gt[4];
        for (int i = 0; i < k; i++) {
            double step = 0;
            for (int j = 0; j < k; j++)
                step += cov[i * k + j] * g[j];
            th[i] = best_theta[i] - step;
        }
        double f = objective(c, th, gt), gn0 = 0, gn1 = 0;
        for (int i = 0; i < k; i++) {
            gn0 = fabs(g[i]) > gn0 ? fabs(g[i]) : gn0;
            gn1 = fabs(gt[i]) > gn1 ? fabs(gt[i]) : gn1;
        }
        /* Kept when it lowers the objective, or when the objective is the
         * same to its rounding noise (a BFGS that stopped at that noise
         * leaves a gradient the Newton step still shrinks) and the gradient
         * is smaller. */
        if (f <= best_f || (f <= best_f + 1e-13 * fabs(best_f) && gn1 < gn0)) {
            best_f = f;
            memcpy(best_theta, th, sizeof th);
        }
    }
    double p[4] = {0}, gl[4];
    double ll_bfgs = NAN;
    double f = best_newton ? hf : objective_ll(c, best_theta, gl, &ll_bfgs);
    if (best_newton)
        memcpy(gl, g, sizeof gl);
    double gnorm = 0;
    for (int i = 0; i < k; i++) {
        p[i] = exp(best_theta[i]);
        if (fabs(gl[i]) > gnorm)
            gnorm = fabs(gl[i]);
        if (fabs(best_theta[i]) > LOG_BOUND) {
            return patron__fail(PATRON_ECONVERGE, "%s fit: parameter %s = %.6g ran off to the "
                                "boundary", patron_clv_model_name(model),
                                patron_clv_param_name(model, i), p[i]);
        }
    }
    double ll = best_newton ? c->memo_ll : ll_bfgs;
    if (!isfinite(ll) || !isfinite(f)) {
        return patron__fail(PATRON_ECONVERGE, "%s fit: log-likelihood not finite at the optimum",
                            patron_clv_model_name(model));
    }
    /* Observed information in natural parameters (sum scale). */
    double Hn[16] = {0};
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            Hn[i * k + j] = c->st.W * (H[i * k + j] - (i == j ? gl[i] : 0)) / (p[i] * p[j]);
    if (spd_inverse(Hn, cov, k)) {
        return patron__fail(PATRON_ECONVERGE,
                            "%s fit: the information matrix is not positive definite at the "
                            "optimum (a parameter is not identified by these data)",
                            patron_clv_model_name(model));
    }
    for (int i = 0; i < k; i++)
        if (!(cov[i * k + i] > 0) || !isfinite(cov[i * k + i])) {
            return patron__fail(PATRON_ECONVERGE, "%s fit: variance of %s is not finite",
                                patron_clv_model_name(model), patron_clv_param_name(model, i));
        }
    /* A shape parameter at 1e-6 or below, or an estimate whose standard
     * error is a thousand times its size, is a likelihood still rising
     * towards the edge of the parameter space (for instance a, b -> 0
     * together), not an estimate. */
    for (int i = 0; i < k; i++) {
        int scale = (md->scale_params >> i) & 1;
        double se = sqrt(cov[i * k + i]);
        if ((!scale && p[i] < 1e-6) || se > 1e3 * p[i]) {
            return patron__fail(PATRON_ECONVERGE,
                                "%s fit: parameter %s = %.6g (standard error %.3g) runs off to "
                                "the boundary: the data do not identify it",
                                patron_clv_model_name(model), patron_clv_param_name(model, i), p[i],
                                se);
        }
    }
    /* success: fill the result */
    patron_clv_fit_result full;
    memset(&full, 0, sizeof full);
    patron_clv_fit_result *res = &full;
    res->params.model = model;
    res->n_params = k;
    for (int i = 0; i < k; i++) {
        res->params.p[i] = p[i];
        res->se[i] = sqrt(cov[i * k + i]);
        for (int j = 0; j < k; j++)
            res->cov[i * PATRON_CLV_MAX_PARAMS + j] = cov[i * k + j];
    }
    res->log_likelihood = ll;
    res->grad_norm = gnorm;
    res->iterations = best_iter;
    res->status = PATRON_OK;
    res->n_customers = c->st.W;
    res->n_distinct = (int64_t)c->st.n_distinct;
    patron__result_write(out, &full, sizeof full);
    return PATRON_OK;
}


/* Validated options (defaults for NULL). */
static int fit_options(patron_clv_fit_options *out, const patron_clv_fit_options *opts)
{
    int rc;
    patron_clv_fit_options o = PATRON_CLV_FIT_OPTIONS_INIT;
    /* 0.1 ended at n_starts; threads was appended in 0.2. */
    rc = patron__options_copy(&o, sizeof o, opts, PATRON__SIZE_BEFORE(patron_clv_fit_options, threads),
                              "patron_clv_fit_options");
    if (rc)
        return rc;
    if (!(o.penalizer >= 0) || !isfinite(o.penalizer))
        return patron__fail(PATRON_EINVAL, "penalizer is %g (must be finite and >= 0)",
                            o.penalizer);
    if (!(o.gtol > 0) || !isfinite(o.gtol))
        return patron__fail(PATRON_EINVAL, "gtol is %g (must be > 0)", o.gtol);
    if (o.max_iter < 1)
        return patron__fail(PATRON_EINVAL, "max_iter is %d (must be >= 1)", (int)o.max_iter);
    if (o.n_starts < 0 || o.n_starts > 4)
        return patron__fail(PATRON_EINVAL, "n_starts is %d (must be 0..4)", (int)o.n_starts);
    if (o.threads < 0)
        return patron__fail(PATRON_EINVAL, "threads is %d (must be >= 0; 0 = all cores)",
                            (int)o.threads);

    *out = o;
    return PATRON_OK;
}

int patron_clv_fit(patron_clv_fit_result *out, patron_clv_model model,
                   const patron_clv_data *data, const patron_clv_fit_options *opts)
{
    /* The result has not grown since 0.1; when it does, its 0.1 size stays
     * the minimum and only out->size bytes are written. */
    int rc = patron__result_check(out, sizeof(patron_clv_fit_result), "patron_clv_fit");
    if (rc)
        return rc;
    const clv_model_desc *md = patron__clv_model(model);
    if (!md)
        return patron__fail(PATRON_EINVAL, "unknown model %d", (int)model);
    int k = md->n_params, spend = (md->flags & CLV_M_SPEND) != 0;
    patron_clv_fit_options o;
    if ((rc = fit_options(&o, opts)))
        return rc;

    clv_rows R;
    rc = clv_rows_build_threads(&R, model, data,
                                CLV_ROWS_NO_WEIGHT0 | (spend ? CLV_ROWS_SPEND : 0), o.threads);
    if (rc)
        return rc;
    if (R.n == 0 || !(R.W > 0)) {
        clv_rows_free(&R);
        return patron__fail(PATRON_EINVAL, "no customers with positive weight%s",
                            spend ? " and frequency > 0" : "");
    }
    if (!spend && R.max_x == 0) {
        clv_rows_free(&R);
        return patron__fail(PATRON_ECONVERGE,
                            "every customer has frequency 0: the purchase and dropout "
                            "parameters are not identified (the likelihood grows without "
                            "bound as the purchase rate goes to 0)");
    }
    clv_pool pool;
    if ((rc = clv_pool_init(&pool, &R, o.threads))) {
        clv_rows_free(&R);
        return rc;
    }
    fit_ctx c = {.model = model, .md = md, .R = &R, .pool = &pool, .k = k};
    clv_fit_stats_add(&c.st, &R);
    rc = fit_run(&c, &o, data->n, out);
    clv_pool_free(&pool);
    clv_rows_free(&R);
    return rc;
}

int patron_clv_log_likelihood(double *out, const patron_clv_params *params,
                              const patron_clv_data *data)
{
    if (!out)
        return patron__fail(PATRON_EINVAL, "out is NULL");
    int rc = clv_params_check(params);
    if (rc)
        return rc;
    clv_rows R;
    rc = clv_rows_build(&R, params->model, data,
                        CLV_ROWS_MAP | ((patron__clv_model(params->model)->flags & CLV_M_SPEND)
                                            ? CLV_ROWS_SPEND
                                            : 0));
    if (rc)
        return rc;
    clv_pool pool;
    if ((rc = clv_pool_init(&pool, &R, 1))) {
        clv_rows_free(&R);
        return rc;
    }
    double *lrow = patron__malloc((R.n ? R.n : 1) * sizeof(double));
    if (!lrow) {
        clv_pool_free(&pool);
        clv_rows_free(&R);
        return patron__oom();
    }
    double ll = R.n ? clv_pool_ll(&pool, params->model, &R, params->p, NULL, NULL, lrow) : 0;
    if (isnan(ll)) {
        patron__free(lrow);
        clv_pool_free(&pool);
        clv_rows_free(&R);
        return patron__fail(PATRON_ERANGE, "log-likelihood could not be evaluated (series did "
                            "not converge)");
    }
    for (size_t i = 0; i < data->n; i++)
        out[i] = R.map[i] == UINT32_MAX ? 0.0 : lrow[R.map[i]];
    patron__free(lrow);
    clv_pool_free(&pool);
    clv_rows_free(&R);
    return PATRON_OK;
}

int patron_clv_fit_chunks(patron_clv_fit_result *out, patron_clv_chunks *set,
                          const patron_clv_fit_options *opts)
{
    int rc = patron__result_check(out, sizeof(patron_clv_fit_result), "patron_clv_fit_chunks");
    if (rc)
        return rc;
    if (!set || set->n == 0)
        return patron__fail(PATRON_EINVAL, "patron_clv_fit_chunks: no chunks");
    patron_clv_model model = set->model;
    const clv_model_desc *md = patron__clv_model(model);
    patron_clv_fit_options o;
    if ((rc = fit_options(&o, opts)))
        return rc;
    fit_ctx c = {.model = model, .md = md, .chunks = set, .k = md->n_params};
    size_t input_rows = 0;
    for (size_t i = 0; i < set->n; i++) {
        const clv_fit_stats *s = &set->c[i].st;
        c.st.W += s->W;
        c.st.Sx += s->Sx;
        c.st.ST += s->ST;
        c.st.Sm += s->Sm;
        c.st.max_T = s->max_T > c.st.max_T ? s->max_T : c.st.max_T;
        c.st.max_x = s->max_x > c.st.max_x ? s->max_x : c.st.max_x;
        c.st.n_distinct += s->n_distinct;
        input_rows += set->c[i].input_rows;
    }
    int spend = (md->flags & CLV_M_SPEND) != 0;
    if (c.st.n_distinct == 0 || !(c.st.W > 0))
        return patron__fail(PATRON_EINVAL, "no customers with positive weight%s",
                            spend ? " and frequency > 0" : "");
    if (!spend && c.st.max_x == 0)
        return patron__fail(PATRON_ECONVERGE,
                            "every customer has frequency 0: the purchase and dropout "
                            "parameters are not identified (the likelihood grows without "
                            "bound as the purchase rate goes to 0)");
    return fit_run(&c, &o, input_rows, out);
}
