/* Predictions of the buy-till-you-die models, through each model's
 * descriptor (lib/internal/clv_model.h; the formulas are in the model
 * files). Batch functions validate the rows, compute each distinct
 * (x, t_x, T) once and scatter the results. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clv_ceinterp.h"
#include "clv_eval.h"
#include "clv_impl.h"
#include "clv_models.h"
#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/gammafn.h"
#include "internal/hyp2f1.h"
#include "internal/options.h"

/* Frequencies whose CE series coefficients a batch tabulates: 0 .. H1_MAX_X - 1. */
#define H1_MAX_X 1024

static const clv_model_desc *desc(const patron_clv_params *pp)
{
    return patron__clv_model(pp->model);
}

static int range_fail(const char *what, double t)
{
    return patron__fail(PATRON_ERANGE,
                        "%s: the hypergeometric series does not converge for horizon %.6g "
                        "(far beyond the time scale of the parameters)", what, t);
}


static int check_tx_model(const patron_clv_params *params, const char *what)
{
    int rc = clv_params_check(params);
    if (rc)
        return rc;
    if (desc(params)->flags & CLV_M_SPEND)
        return patron__fail(PATRON_EINVAL, "%s needs a transaction model, not %s", what,
                            desc(params)->title);
    return PATRON_OK;
}

static int check_horizon(const patron_clv_params *params, double t, const char *what)
{
    if (!(t >= 0) || !isfinite(t))
        return patron__fail(PATRON_EINVAL, "%s: horizon %.17g must be finite and >= 0", what, t);
    if ((desc(params)->flags & CLV_M_DISCRETE) && t != floor(t))
        return patron__fail(PATRON_EINVAL, "%s: %s horizon %.17g must be a whole number of "
                            "periods", what, desc(params)->title, t);
    return PATRON_OK;
}

/* Threads of a prediction call (validated options). */
static int predict_threads(const patron_clv_predict_options *opts, int32_t *threads)
{
    patron_clv_predict_options o = PATRON_CLV_PREDICT_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_clv_predict_options");
    if (rc)
        return rc;
    if (o.threads < 0)
        return patron__fail(PATRON_EINVAL, "threads is %d (must be >= 0; 0 = all cores)",
                            (int)o.threads);
    *threads = o.threads;
    return PATRON_OK;
}

/* Per-row predictions over fixed chunks of the distinct rows, on threads.
 * Each chunk records its first failing row; the lowest is reported, so the
 * message does not depend on the thread count either. */
typedef struct pred_job {
    const patron_clv_params *params, *spend;
    const clv_model_desc *md;
    const clv_rows *R;
    double t, discount, ppm;
    int months;
    double *ce, *pa; /* outputs per distinct row (ce may be NULL) */
    const double *h1; /* the model's CE coefficients (ce_coef), CLV_CE_COEF per x < h1_nx (or NULL) */
    size_t h1_nx;
    const clv_ce_interp *ci; /* per-frequency interpolants (or NULL: every row directly) */
    size_t *fail;    /* per chunk: first failing row, or SIZE_MAX */
    int *fail_ce;    /* per chunk: 1 when that row's CE failed, 0 when P(alive) */
    /* The caller's arrays, when the rows are theirs in their order (set
     * only then; either may be NULL): a batch that cannot fail writes them
     * instead of ce and pa (pred_run then sets `direct`). */
    double *out_ce, *out_pa;
    int direct;
} pred_job;

static void pred_chunk(void *vctx, size_t c, int tid)
{
    (void)tid;
    pred_job *j = vctx;
    const clv_rows *R = j->R;
    const clv_model_desc *md = j->md;
    const double *p = j->params->p;
    size_t j0 = c * CLV_CHUNK, j1 = j0 + CLV_CHUNK < R->n ? j0 + CLV_CHUNK : R->n;
    j->fail[c] = SIZE_MAX;
    for (size_t r = j0; r < j1; r++) {
        double x = R->x[r], tx = R->tx[r], T = R->T[r], pa;
        if (md->palive(p, x, tx, T, &pa)) {
            j->fail[c] = r;
            j->fail_ce[c] = 0;
            return;
        }
        if (j->pa)
            j->pa[r] = pa;
        if (!j->ce)
            continue;
        if (j->ci) {
            double phi, t1 = j->months ? j->ppm : j->t;
            if (clv_ce_interp_eval(j->ci, x, t1 * md->ce_scale(p, x, tx, T), &phi)) {
                j->ce[r] = pa * phi;
                continue;
            }
        }
        const double *h1 = j->h1 && x < (double)j->h1_nx ? j->h1 + (size_t)x * CLV_CE_COEF : NULL;
        if (j->months == 0) { /* one horizon */
            if (md->ce(p, x, tx, T, j->t, pa, h1, &j->ce[r])) {
                j->fail[c] = r;
                j->fail_ce[c] = 1;
                return;
            }
            continue;
        }
        double prev = 0, acc = 0, disc = 1; /* discounted monthly increments */
        for (int m = 1; m <= j->months; m++) {
            double ce;
            if (md->ce(p, x, tx, T, m * j->ppm, pa, h1, &ce)) {
                j->fail[c] = r;
                j->fail_ce[c] = 1;
                return;
            }
            disc /= 1 + j->discount;
            acc += (ce - prev) * disc;
            prev = ce;
        }
        j->ce[r] = acc;
    }
}

/* Run pred_chunk over R; on failure returns the row (and sets *ce_failed). */
static int pred_run(pred_job *j, int32_t threads, size_t *bad_row, int *ce_failed)
{
    size_t nchunks = (j->R->n + CLV_CHUNK - 1) / CLV_CHUNK, nc = nchunks ? nchunks : 1;
    const clv_model_desc *md = j->md = desc(j->params);
    double *h1 = NULL;
    size_t nx = 0;
    if (md->ce_coef && j->ce && j->R->n) { /* the series coefficients of each frequency, once */
        nx = j->R->max_x + 1 < H1_MAX_X ? (size_t)j->R->max_x + 1 : H1_MAX_X;
        h1 = patron__malloc(nx * CLV_CE_COEF * sizeof *h1);
        if (!h1)
            return patron__oom();
        for (size_t x = 0; x < nx; x++)
            md->ce_coef(j->params->p, (double)x, h1 + x * CLV_CE_COEF);
    }
    j->h1 = h1;
    j->h1_nx = nx;
    clv_ce_interp *ci = NULL;
    if (j->ce) {
        clv_ci_spec spec = {j->t, j->months, j->ppm, j->discount};
        if (clv_ce_interp_build(&ci, md, j->params->p, j->R, &spec, threads)) {
            patron__free(h1);
            return patron__oom();
        }
    }
    j->ci = ci;
    /* No row can fail (P(alive) in closed form, every expectation from an
     * accepted piece): the caller's arrays take the values directly, with
     * no buffer to fault in and copy (10M rows: 160 MB). */
    j->direct = 0;
    if ((j->out_ce || j->out_pa) && j->months == 0 && (md->flags & CLV_M_PALIVE_TOTAL) &&
        (!j->ce || clv_ce_interp_complete(ci))) {
        j->ce = j->ce ? j->out_ce : NULL;
        j->pa = j->out_pa;
        j->direct = 1;
    }
    j->fail = patron__malloc(nc * sizeof *j->fail);
    j->fail_ce = patron__malloc(nc * sizeof *j->fail_ce);
    if (!j->fail || !j->fail_ce) {
        patron__free(j->fail);
        patron__free(j->fail_ce);
        patron__free(h1);
        clv_ce_interp_free(ci);
        return patron__oom();
    }
    clv_parallel(clv_threads(threads, nchunks), nchunks, pred_chunk, j);
    patron__free(h1);
    clv_ce_interp_free(ci);
    j->h1 = NULL;
    j->ci = NULL;
    int rc = PATRON_OK;
    for (size_t c = 0; c < nchunks; c++)
        if (j->fail[c] != SIZE_MAX) {
            *bad_row = j->fail[c];
            *ce_failed = j->fail_ce[c];
            rc = PATRON_ERANGE;
            break;
        }
    patron__free(j->fail);
    patron__free(j->fail_ce);
    return rc;
}

/* Does the output array `o` (data->n values) share memory with an input column? */
static int overlaps(const patron_clv_data *d, const double *o)
{
    if (!o || !d->n)
        return 0;
    const double *cols[5] = {d->frequency, d->recency, d->T, d->monetary, d->weights};
    uintptr_t a0 = (uintptr_t)o, a1 = (uintptr_t)(o + d->n);
    for (int i = 0; i < 5; i++) {
        if (!cols[i])
            continue;
        uintptr_t b0 = (uintptr_t)cols[i], b1 = (uintptr_t)(cols[i] + d->n);
        if (a0 < b1 && b0 < a1)
            return 1;
    }
    return 0;
}

int patron_clv_predict_with(double *expected, double *alive, const patron_clv_params *params,
                            const patron_clv_data *data, double t,
                            const patron_clv_predict_options *opts)
{
    const char *what = "expected purchases";
    if (!expected && !alive)
        return patron__fail(PATRON_EINVAL, "both outputs are NULL");
    int32_t threads = 1;
    int rc = predict_threads(opts, &threads);
    if (rc || (rc = check_tx_model(params, what)) ||
        (expected && (rc = check_horizon(params, t, what))))
        return rc;
    clv_rows R;
    if ((rc = clv_rows_build_threads(&R, params->model, data,
                                     CLV_ROWS_MAP | CLV_ROWS_ANY_ORDER | CLV_ROWS_X0_ANY_TX,
                                     threads)))
        return rc;
    size_t nn = R.n ? R.n : 1;
    double *v = patron__malloc(2 * nn * sizeof *v);
    if (!v) {
        clv_rows_free(&R);
        return patron__oom();
    }
    double *va = v + nn;
    pred_job job = {params, NULL, NULL, &R, t, 0, 0, 0, expected ? v : NULL, va, NULL, 0, NULL, NULL, NULL,
                    NULL, NULL, 0};
    if (!R.map && !overlaps(data, expected) && !overlaps(data, alive)) {
        job.out_ce = expected;
        job.out_pa = alive;
    }
    size_t bad = 0;
    int ce_failed = 0;
    if ((rc = pred_run(&job, threads, &bad, &ce_failed))) {
        patron__free(v);
        if (rc == PATRON_ERANGE) {
            double x = R.x[bad], tx = R.tx[bad], T = R.T[bad];
            clv_rows_free(&R);
            return ce_failed ? range_fail(what, t)
                             : patron__fail(PATRON_ERANGE, "P(alive): series did not converge "
                                            "for row (x %.17g, t_x %.17g, T %.17g)", x, tx, T);
        }
        clv_rows_free(&R);
        return rc;
    }
    if (job.direct) {
        /* written in place */
    } else if (!R.map) { /* borrowed rows: the input's order */
        if (expected)
            memcpy(expected, v, data->n * sizeof *expected);
        if (alive)
            memcpy(alive, va, data->n * sizeof *alive);
    }
    for (size_t i = 0; R.map && i < data->n; i++) {
        uint32_t u = R.map[i];
        if (expected)
            expected[i] = v[u];
        if (alive)
            alive[i] = va[u];
    }
    patron__free(v);
    clv_rows_free(&R);
    return PATRON_OK;
}

int patron_clv_predict(double *expected, double *alive, const patron_clv_params *params,
                       const patron_clv_data *data, double t)
{
    return patron_clv_predict_with(expected, alive, params, data, t, NULL);
}

int patron_clv_expected_purchases(double *out, const patron_clv_params *params,
                                  const patron_clv_data *data, double t)
{
    if (!out)
        return patron__fail(PATRON_EINVAL, "out is NULL");
    return patron_clv_predict(out, NULL, params, data, t);
}

int patron_clv_prob_alive(double *out, const patron_clv_params *params,
                          const patron_clv_data *data)
{
    if (!out)
        return patron__fail(PATRON_EINVAL, "out is NULL");
    return patron_clv_predict(NULL, out, params, data, 0);
}

int patron_clv_prob_alive_ahead(double *out, const patron_clv_params *params,
                                const patron_clv_data *data, double m)
{
    const char *what = "P(alive) ahead";
    if (!out)
        return patron__fail(PATRON_EINVAL, "out is NULL");
    int rc = check_tx_model(params, what);
    if (rc)
        return rc;
    const clv_model_desc *md = desc(params);
    if (!md->palive_ahead)
        return patron__fail(PATRON_EUNSUPPORTED, "%s is defined for BG/BB only (model %s)", what,
                            md->name);
    if (!(m >= 0) || m != floor(m) || m > 1e7)
        return patron__fail(PATRON_EINVAL, "%s: m %.17g must be a whole number of periods in "
                            "0..10000000", what, m);
    clv_rows R;
    if ((rc = clv_rows_build(&R, params->model, data, CLV_ROWS_MAP)))
        return rc;
    double *v = patron__malloc((R.n ? R.n : 1) * sizeof *v);
    if (!v) {
        clv_rows_free(&R);
        return patron__oom();
    }
    for (size_t j = 0; j < R.n; j++) {
        v[j] = md->palive_ahead(params->p, R.x[j], R.tx[j], R.T[j], m);
        if (!isfinite(v[j])) {
            patron__free(v);
            clv_rows_free(&R);
            return patron__fail(PATRON_ERANGE, "%s: not computable for row (x %.17g, t_x %.17g, "
                                "n %.17g)", what, R.x[j], R.tx[j], R.T[j]);
        }
    }
    for (size_t i = 0; i < data->n; i++)
        out[i] = v[R.map[i]];
    patron__free(v);
    clv_rows_free(&R);
    return PATRON_OK;
}

int patron_clv_expected_purchases_new(double *out, const patron_clv_params *params,
                                      const double *t, size_t n)
{
    const char *what = "E[X(t)]";
    if (!out || (!t && n))
        return patron__fail(PATRON_EINVAL, "out or t is NULL");
    int rc = check_tx_model(params, what);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        if ((rc = check_horizon(params, t[i], what)))
            return patron__fail_prefix(rc, "t[%zu]: ", i);
    for (size_t i = 0; i < n; i++) {
        double v;
        if (desc(params)->ex(params->p, t[i], &v))
            return range_fail(what, t[i]);
        (void)v;
    }
    for (size_t i = 0; i < n; i++)
        desc(params)->ex(params->p, t[i], &out[i]);
    return PATRON_OK;
}

int patron_clv_prob_purchases(double *out, const patron_clv_params *params, const double *t,
                              const int64_t *k, size_t n)
{
    const char *what = "P(X(t) = k)";
    if (!out || ((!t || !k) && n))
        return patron__fail(PATRON_EINVAL, "out, t or k is NULL");
    int rc = check_tx_model(params, what);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if ((rc = check_horizon(params, t[i], what)))
            return patron__fail_prefix(rc, "t[%zu]: ", i);
        if (k[i] < 0 || k[i] > 10000000)
            return patron__fail(PATRON_EINVAL, "k[%zu] is %lld (must be 0..10,000,000)", i,
                                (long long)k[i]);
        if ((desc(params)->flags & CLV_M_DISCRETE) && t[i] > 1e7)
            return patron__fail(PATRON_EINVAL, "t[%zu] is %.17g: %s supports at most "
                                "10,000,000 periods", i, t[i], desc(params)->title);
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = desc(params)->pmf(params->p, t[i], (double)k[i]);
    }
    return PATRON_OK;
}

/* P(X(T, T + t) = k | x, t_x, T) is each model's cond_pmf: a customer
 * alive at T is, from then on, a new customer of the same model with the
 * posterior parameters, and one who has dropped out buys nothing:
 *   P = 1[k = 0] (1 - P(alive at T)) + P(alive at T) P'(X(t) = k).
 * The mean of this pmf is the conditional expectation. */
int patron_clv_prob_purchases_conditional(double *out, const patron_clv_params *params,
                                          const patron_clv_data *data, double t, int64_t k)
{
    const char *what = "conditional P(X = k)";
    if (!out)
        return patron__fail(PATRON_EINVAL, "out is NULL");
    int rc = check_tx_model(params, what);
    if (rc || (rc = check_horizon(params, t, what)))
        return rc;
    if (k < 0 || k > 10000000)
        return patron__fail(PATRON_EINVAL, "%s: k is %lld (must be 0..10,000,000)", what,
                            (long long)k);
    if ((desc(params)->flags & CLV_M_DISCRETE) && t > 1e7)
        return patron__fail(PATRON_EINVAL, "%s: t is %.17g: %s supports at most 10,000,000 "
                            "periods", what, t, desc(params)->title);
    clv_rows R;
    if ((rc = clv_rows_build(&R, params->model, data, CLV_ROWS_MAP | CLV_ROWS_X0_ANY_TX)))
        return rc;
    double *v = patron__malloc((R.n ? R.n : 1) * sizeof *v);
    if (!v) {
        clv_rows_free(&R);
        return patron__oom();
    }
    for (size_t j = 0; j < R.n; j++)
        if (desc(params)->cond_pmf(params->p, R.x[j], R.tx[j], R.T[j], t, (double)k, &v[j])) {
            patron__free(v);
            clv_rows_free(&R);
            return patron__fail(PATRON_ERANGE, "%s: not computable for row (x %.17g, t_x %.17g, "
                                "T %.17g)", what, R.x[j], R.tx[j], R.T[j]);
        }
    for (size_t i = 0; i < data->n; i++)
        out[i] = v[R.map[i]];
    patron__free(v);
    clv_rows_free(&R);
    return PATRON_OK;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b ? 1 : 0;
}

int patron_clv_expected_cohort(double *out, const patron_clv_params *params, const double *birth,
                               const double *weights, size_t n, const double *h, size_t n_h)
{
    const char *what = "cohort expectation";
    if (!out || ((!birth) && n) || (!h && n_h))
        return patron__fail(PATRON_EINVAL, "out, birth or h is NULL");
    int rc = check_tx_model(params, what);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(birth[i]))
            return patron__fail(PATRON_EINVAL, "birth[%zu] is %.17g (must be finite)", i,
                                birth[i]);
        if (weights && (!(weights[i] >= 0) || !isfinite(weights[i])))
            return patron__fail(PATRON_EINVAL, "weights[%zu] is %.17g (must be finite, >= 0)",
                                i, weights[i]);
    }
    for (size_t j = 0; j < n_h; j++)
        if (!isfinite(h[j]))
            return patron__fail(PATRON_EINVAL, "h[%zu] is %.17g (must be finite)", j, h[j]);
    /* distinct birth times with summed weights */
    double *pair = patron__malloc((n ? n : 1) * 2 * sizeof *pair);
    double *tmp = patron__malloc((n_h ? n_h : 1) * sizeof *tmp);
    if (!pair || !tmp) {
        patron__free(pair);
        patron__free(tmp);
        return patron__oom();
    }
    for (size_t i = 0; i < n; i++) {
        pair[2 * i] = birth[i];
        pair[2 * i + 1] = weights ? weights[i] : 1;
    }
    qsort(pair, n, 2 * sizeof *pair, cmp_double);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (u && pair[2 * (u - 1)] == pair[2 * i]) {
            pair[2 * (u - 1) + 1] += pair[2 * i + 1];
        } else {
            pair[2 * u] = pair[2 * i];
            pair[2 * u + 1] = pair[2 * i + 1];
            u++;
        }
    }
    for (size_t j = 0; j < n_h; j++) {
        double s = 0;
        for (size_t i = 0; i < u; i++) {
            double age = h[j] - pair[2 * i];
            if (!(age > 0))
                continue;
            if (desc(params)->flags & CLV_M_DISCRETE)
                age = floor(age);
            double v;
            if (desc(params)->ex(params->p, age, &v)) {
                patron__free(pair);
                patron__free(tmp);
                return range_fail(what, age);
            }
            s += pair[2 * i + 1] * v;
        }
        tmp[j] = s;
    }
    memcpy(out, tmp, n_h * sizeof *out);
    patron__free(pair);
    patron__free(tmp);
    return PATRON_OK;
}

int patron_clv_expected_spend(double *out, const patron_clv_params *params,
                              const patron_clv_data *data)
{
    if (!out)
        return patron__fail(PATRON_EINVAL, "out is NULL");
    int rc = clv_params_check(params);
    if (rc)
        return rc;
    if (params->model != PATRON_CLV_GG)
        return patron__fail(PATRON_EINVAL, "expected spend needs Gamma-Gamma parameters");
    double p = params->p[0], q = params->p[1], g = params->p[2];
    if (!(q > 1))
        return patron__fail(PATRON_EINVAL, "Gamma-Gamma q is %.17g: the mean spend is infinite "
                            "unless q > 1", q);
    if (!data || !data->frequency || (!data->monetary && data->n))
        return patron__fail(PATRON_EINVAL, "data, frequency or monetary is NULL");
    for (size_t i = 0; i < data->n; i++) {
        double x = data->frequency[i], m = data->monetary[i];
        if (!(x >= 0) || !isfinite(x))
            return patron__fail(PATRON_EINVAL, "row %zu: frequency is %.17g (must be >= 0)", i,
                                x);
        if (x > 0 && (!(m >= 0) || !isfinite(m)))
            return patron__fail(PATRON_EINVAL, "row %zu: monetary is %.17g (must be >= 0)", i,
                                m);
    }
    for (size_t i = 0; i < data->n; i++) {
        double x = data->frequency[i], m = x > 0 ? data->monetary[i] : 0;
        out[i] = (g * p + p * x * m) / (p * x + q - 1);
    }
    return PATRON_OK;
}

int patron_clv_lifetime_value_with(double *out, const patron_clv_params *tx,
                                   const patron_clv_params *spend, const patron_clv_data *data,
                                   int months, double discount, double periods_per_month,
                                   const patron_clv_predict_options *opts)
{
    const char *what = "lifetime value";
    if (!out)
        return patron__fail(PATRON_EINVAL, "out is NULL");
    int32_t threads = 1;
    int rc = predict_threads(opts, &threads);
    if (rc || (rc = check_tx_model(tx, what)))
        return rc;
    if (desc(tx)->flags & CLV_M_NO_MONTHLY)
        return patron__fail(PATRON_EINVAL, "%s: monthly discounting needs a continuous-time "
                            "model (use patron_clv_dert for %s)", what, desc(tx)->title);
    if (months < 1 || months > 1200)
        return patron__fail(PATRON_EINVAL, "%s: months is %d (must be 1..1200)", what, months);
    if (!(discount >= 0) || !isfinite(discount))
        return patron__fail(PATRON_EINVAL, "%s: discount is %.17g (must be >= 0)", what,
                            discount);
    if (!(periods_per_month > 0) || !isfinite(periods_per_month))
        return patron__fail(PATRON_EINVAL, "%s: periods_per_month is %.17g (must be > 0)", what,
                            periods_per_month);
    if (!data || (!data->monetary && data->n))
        return patron__fail(PATRON_EINVAL, "%s: data or data->monetary is NULL", what);
    for (size_t i = 0; i < data->n; i++) {
        double m = data->monetary[i];
        if (!isfinite(m) || (!spend && m < 0))
            return patron__fail(PATRON_EINVAL, "row %zu: monetary is %.17g", i, m);
    }
    clv_rows R;
    if ((rc = clv_rows_build_threads(&R, tx->model, data,
                                     CLV_ROWS_MAP | CLV_ROWS_ANY_ORDER | CLV_ROWS_X0_ANY_TX,
                                     threads)))
        return rc;
    double *v = patron__malloc((R.n ? R.n : 1) * 2 * sizeof *v);
    double *sp = spend ? patron__malloc((data->n ? data->n : 1) * sizeof *sp) : NULL;
    if (!v || (spend && !sp)) {
        patron__free(v);
        patron__free(sp);
        clv_rows_free(&R);
        return patron__oom();
    }
    if (spend && (rc = patron_clv_expected_spend(sp, spend, data))) {
        patron__free(v);
        patron__free(sp);
        clv_rows_free(&R);
        return rc;
    }
    pred_job job = {tx, spend, NULL, &R, 0, discount, periods_per_month, months, v,
                    v + (R.n ? R.n : 1), NULL, 0, NULL, NULL, NULL, NULL, NULL, 0};
    size_t bad = 0;
    int ce_failed = 0;
    if ((rc = pred_run(&job, threads, &bad, &ce_failed))) {
        if (rc == PATRON_ERANGE)
            rc = ce_failed ? range_fail(what, months * periods_per_month)
                           : patron__fail(PATRON_ERANGE, "%s: P(alive) not computable for row "
                                          "(x %.17g, t_x %.17g, T %.17g)", what, R.x[bad],
                                          R.tx[bad], R.T[bad]);
        patron__free(v);
        patron__free(sp);
        clv_rows_free(&R);
        return rc;
    }
    const double *mv = spend ? sp : data->monetary;
    for (size_t i = 0; i < data->n; i++)
        out[i] = v[R.map ? R.map[i] : i] * mv[i];
    patron__free(v);
    patron__free(sp);
    clv_rows_free(&R);
    return PATRON_OK;
}

int patron_clv_lifetime_value(double *out, const patron_clv_params *tx,
                              const patron_clv_params *spend, const patron_clv_data *data,
                              int months, double discount, double periods_per_month)
{
    return patron_clv_lifetime_value_with(out, tx, spend, data, months, discount,
                                          periods_per_month, NULL);
}

int patron_clv_dert(double *out, const patron_clv_params *params, const patron_clv_data *data,
                    double discount)
{
    const char *what = "DERT";
    if (!out)
        return patron__fail(PATRON_EINVAL, "out is NULL");
    int rc = check_tx_model(params, what);
    if (rc)
        return rc;
    const clv_model_desc *md = desc(params);
    if (!md->dert)
        return patron__fail(PATRON_EUNSUPPORTED, "%s is available for Pareto/NBD and BG/BB only",
                            what);
    if (!(discount > 0) || !isfinite(discount))
        return patron__fail(PATRON_EINVAL, "%s: discount is %.17g (must be > 0)", what, discount);
    clv_rows R;
    if ((rc = clv_rows_build(&R, params->model, data, CLV_ROWS_MAP)))
        return rc;
    double *v = patron__malloc((R.n ? R.n : 1) * sizeof *v);
    double *lt = patron__malloc((R.n ? R.n : 1) * 2 * sizeof *lt);
    if (!v || !lt) {
        patron__free(v);
        patron__free(lt);
        clv_rows_free(&R);
        return patron__oom();
    }
    const double *p = params->p;
    if (md->dert_T) {
        /* the part that depends on T only (Pareto/NBD: a Laplace integral): once per distinct T */
        for (size_t j = 0; j < R.n; j++) {
            lt[2 * j] = R.T[j];
            lt[2 * j + 1] = (double)j;
        }
        qsort(lt, R.n, 2 * sizeof *lt, cmp_double);
        for (size_t a = 0, b; a < R.n; a = b) {
            double L = md->dert_T(p, lt[2 * a], discount);
            for (b = a; b < R.n && lt[2 * b] == lt[2 * a]; b++)
                v[(size_t)lt[2 * b + 1]] = L;
        }
    }
    for (size_t j = 0; j < R.n; j++) {
        int bad = md->dert(p, R.x[j], R.tx[j], R.T[j], discount, md->dert_T ? v[j] : 0, &v[j]);
        if (bad || !isfinite(v[j])) {
            patron__free(v);
            patron__free(lt);
            clv_rows_free(&R);
            return patron__fail(PATRON_ERANGE, "%s: not computable for row (x %.17g, t_x %.17g, "
                                "T %.17g)", what, R.x[j], R.tx[j], R.T[j]);
        }
    }
    for (size_t i = 0; i < data->n; i++)
        out[i] = v[R.map[i]];
    patron__free(v);
    patron__free(lt);
    clv_rows_free(&R);
    return PATRON_OK;
}
