/* The chunk API: a caller's own partition of the customers (a file per
 * day, a Dask partition, a shard on another machine) as chunks that
 * evaluate their log-likelihood, gradient and Hessian at given
 * parameters, and the sum the fitter drives over a set of them. Each
 * chunk is evaluated by the same pool code as patron_clv_fit's rows
 * (clv_pool_ll: fixed inner chunks, fixed order), so a chunk's values do
 * not depend on its thread count, and the sum over chunks is taken in
 * their order. */
#include <math.h>
#include <string.h>

#include "clv_eval.h"
#include "clv_models.h"
#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"

int patron_clv_chunks_new(patron_clv_chunks **out, patron_clv_model model)
{
    if (!out)
        return patron__fail(PATRON_EINVAL, "patron_clv_chunks_new: out is NULL");
    if (!patron__clv_model(model))
        return patron__fail(PATRON_EINVAL, "patron_clv_chunks_new: unknown model %d", (int)model);
    patron_clv_chunks *s = patron__calloc(1, sizeof *s);
    if (!s)
        return patron__oom();
    s->model = model;
    *out = s;
    return PATRON_OK;
}

void patron_clv_chunks_free(patron_clv_chunks *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++) {
        clv_pool_free(&set->c[i].pool);
        clv_rows_free(&set->c[i].R);
    }
    patron__free(set->c);
    patron__free(set);
}

int patron_clv_chunks_add(patron_clv_chunks *set, const patron_clv_data *data, int32_t threads)
{
    if (!set)
        return patron__fail(PATRON_EINVAL, "patron_clv_chunks_add: set is NULL");
    if (threads < 0)
        return patron__fail(PATRON_EINVAL, "patron_clv_chunks_add: threads is %d (must be >= 0; "
                            "0 = all cores)", (int)threads);
    if (set->n == set->cap) {
        size_t cap = set->cap ? 2 * set->cap : 8;
        clv_chunk *c = patron__reallocarray(set->c, cap, sizeof *c);
        if (!c)
            return patron__oom();
        set->c = c;
        set->cap = cap;
    }
    const clv_model_desc *md = patron__clv_model(set->model);
    clv_chunk ch;
    memset(&ch, 0, sizeof ch);
    int rc = clv_rows_build_threads(&ch.R, set->model, data,
                                    CLV_ROWS_NO_WEIGHT0 |
                                        ((md->flags & CLV_M_SPEND) ? CLV_ROWS_SPEND : 0),
                                    threads);
    if (rc)
        return patron__fail_prefix(rc, "patron_clv_chunks_add: chunk %zu: ", set->n);
    if ((rc = clv_pool_init(&ch.pool, &ch.R, threads))) {
        clv_rows_free(&ch.R);
        return rc;
    }
    clv_fit_stats_add(&ch.st, &ch.R);
    ch.input_rows = data->n;
    set->c[set->n++] = ch;
    return PATRON_OK;
}

size_t patron_clv_chunks_count(const patron_clv_chunks *set)
{
    return set ? set->n : 0;
}

int64_t patron_clv_chunks_rows(const patron_clv_chunks *set, size_t i)
{
    return set && i < set->n ? (int64_t)set->c[i].R.n : 0;
}

/* One chunk's values (no checks). */
static double chunk_ll(patron_clv_chunks *set, size_t i, const double *p, double *g, double *H)
{
    clv_chunk *c = &set->c[i];
    if (c->R.n == 0) {
        int k = patron_clv_param_count(set->model);
        if (g)
            memset(g, 0, (size_t)k * sizeof *g);
        if (H)
            memset(H, 0, (size_t)(k * k) * sizeof *H);
        return 0.0;
    }
    return clv_pool_ll(&c->pool, set->model, &c->R, p, g, H, NULL);
}

double clv_chunks_ll(patron_clv_chunks *set, const double *p, double *g, double *H)
{
    int k = patron_clv_param_count(set->model);
    double ll = 0, gs[PATRON_CLV_MAX_PARAMS] = {0}, Hs[16] = {0};
    for (size_t i = 0; i < set->n; i++) {
        double gi[PATRON_CLV_MAX_PARAMS], Hi[16];
        double v = chunk_ll(set, i, p, g ? gi : NULL, H ? Hi : NULL);
        if (!isfinite(v))
            return NAN;
        ll += v;
        for (int a = 0; g && a < k; a++)
            gs[a] += gi[a];
        for (int a = 0; H && a < k * k; a++)
            Hs[a] += Hi[a];
    }
    if (g)
        memcpy(g, gs, (size_t)k * sizeof *g);
    if (H)
        memcpy(H, Hs, (size_t)(k * k) * sizeof *H);
    return ll;
}

int patron_clv_chunk_eval(patron_clv_chunk_value *out, patron_clv_chunks *set, size_t i,
                          const patron_clv_params *params, int want_hess)
{
    int rc = patron__result_check(out, sizeof(patron_clv_chunk_value), "patron_clv_chunk_eval");
    if (rc)
        return rc;
    if (!set)
        return patron__fail(PATRON_EINVAL, "patron_clv_chunk_eval: set is NULL");
    if (i >= set->n)
        return patron__fail(PATRON_EINVAL, "patron_clv_chunk_eval: chunk %zu of %zu", i, set->n);
    if ((rc = clv_params_check(params)))
        return patron__fail_prefix(rc, "patron_clv_chunk_eval: ");
    if (params->model != set->model)
        return patron__fail(PATRON_EINVAL, "patron_clv_chunk_eval: parameters of model %s for "
                            "chunks of model %s", patron_clv_model_name(params->model),
                            patron_clv_model_name(set->model));
    if (want_hess != 0 && want_hess != 1)
        return patron__fail(PATRON_EINVAL, "patron_clv_chunk_eval: want_hess is %d (must be 0 "
                            "or 1)", want_hess);
    if (want_hess && !clv_has_hess(set->model))
        return patron__fail(PATRON_EUNSUPPORTED, "patron_clv_chunk_eval: %s has no exact "
                            "Hessian (pass want_hess = 0; patron_clv_fit_chunks differences the "
                            "gradient)", patron_clv_model_name(set->model));
    patron_clv_chunk_value v;
    memset(&v, 0, sizeof v);
    v.size = (uint32_t)sizeof v;
    v.n_params = patron_clv_param_count(set->model);
    v.has_hess = want_hess;
    double H[16] = {0};
    v.log_likelihood = chunk_ll(set, i, params->p, v.grad, want_hess ? H : NULL);
    if (!isfinite(v.log_likelihood))
        return patron__fail(PATRON_ERANGE, "patron_clv_chunk_eval: the log-likelihood is not "
                            "finite at these parameters (a series did not converge)");
    int k = v.n_params;
    for (int a = 0; want_hess && a < k * k; a++)
        v.hess[a] = H[a];
    patron__result_write(out, &v, sizeof v);
    return PATRON_OK;
}
