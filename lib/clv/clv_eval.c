/* Chunked, multi-threaded evaluation of the CLV log-likelihoods (see
 * clv_eval.h). Threads are started per evaluation: a fit makes a few dozen
 * evaluations of milliseconds each, so starting two threads (tens of
 * microseconds) costs nothing measurable, and nothing outlives a call. */
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "clv_eval.h"
#include "clv_models.h"
#include "internal/alloc.h"
#include "internal/error.h"

int clv_threads(int32_t threads, size_t nchunks)
{
    long t = threads;
    if (t <= 0) {
        t = sysconf(_SC_NPROCESSORS_ONLN);
        if (t < 1)
            t = 1;
    }
    if (t > 256)
        t = 256;
    if ((size_t)t > nchunks)
        t = nchunks ? (long)nchunks : 1;
    return (int)t;
}

typedef struct job {
    void (*fn)(void *, size_t, int);
    void *ctx;
    size_t nchunks;
    int threads, tid;
} job;

static void run_job(const job *j)
{
    for (size_t c = (size_t)j->tid; c < j->nchunks; c += (size_t)j->threads)
        j->fn(j->ctx, c, j->tid);
}

static void *thread_main(void *arg)
{
    run_job(arg);
    return NULL;
}

void clv_parallel(int threads, size_t nchunks, void (*fn)(void *ctx, size_t c, int tid),
                  void *ctx)
{
    enum { MAX_THREADS = 256 };
    pthread_t th[MAX_THREADS];
    job jobs[MAX_THREADS];
    int started[MAX_THREADS];
    if (threads < 1)
        threads = 1;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    for (int t = 0; t < threads; t++) {
        jobs[t] = (job){fn, ctx, nchunks, threads, t};
        started[t] = t > 0 && pthread_create(&th[t], NULL, thread_main, &jobs[t]) == 0;
    }
    run_job(&jobs[0]);
    for (int t = 1; t < threads; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            run_job(&jobs[t]);
    }
}

int clv_pool_init(clv_pool *pool, const clv_rows *R, int32_t threads)
{
    memset(pool, 0, sizeof *pool);
    pool->nchunks = (R->n + CLV_CHUNK - 1) / CLV_CHUNK;
    pool->threads = clv_threads(threads, pool->nchunks);
    pool->scratch = patron__malloc((size_t)pool->threads * clv_ll_scratch() * sizeof(double));
    pool->part = patron__malloc((pool->nchunks ? pool->nchunks : 1) * CLV_PART * sizeof(double));
    if (!pool->scratch || !pool->part) {
        clv_pool_free(pool);
        return patron__oom();
    }
    return PATRON_OK;
}

void clv_pool_free(clv_pool *pool)
{
    patron__free(pool->scratch);
    patron__free(pool->part);
    memset(pool, 0, sizeof *pool);
}

typedef struct ll_job {
    clv_pool *pool;
    patron_clv_model model;
    const clv_rows *R;
    const double *p;
    int grad, hess;
    double *lrow;
} ll_job;

static void ll_chunk(void *vctx, size_t c, int tid)
{
    ll_job *j = vctx;
    size_t j0 = c * CLV_CHUNK, j1 = j0 + CLV_CHUNK < j->R->n ? j0 + CLV_CHUNK : j->R->n;
    double *out = j->pool->part + c * CLV_PART;
    memset(out, 0, CLV_PART * sizeof *out);
    if (j->hess)
        out[0] = clv_ll_hess_range(j->model, j->R, j0, j1, j->p, out + 1, out + 5);
    else
        out[0] = clv_ll_range(j->model, j->R, j0, j1, j->p, j->grad ? out + 1 : NULL, j->lrow,
                              j->pool->scratch + (size_t)tid * clv_ll_scratch());
}

double clv_pool_ll(clv_pool *pool, patron_clv_model model, const clv_rows *R, const double *p,
                   double *g, double *H, double *lrow)
{
    ll_job j = {pool, model, R, p, g != NULL || H != NULL, H != NULL && clv_has_hess(model),
                lrow};
    clv_parallel(pool->threads, pool->nchunks, ll_chunk, &j);
    double out[CLV_PART] = {0};
    for (size_t c = 0; c < pool->nchunks; c++) /* fixed order */
        for (int i = 0; i < CLV_PART; i++)
            out[i] += pool->part[c * CLV_PART + i];
    int k = patron_clv_param_count(model);
    if (g) /* g has the model's number of parameters (3 for Gamma-Gamma) */
        memcpy(g, out + 1, (size_t)k * sizeof *g);
    if (H)
        memcpy(H, out + 5, (size_t)(k * k) * sizeof *H);
    return out[0];
}
