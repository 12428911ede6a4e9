/* Internal to lib/clv: evaluation of a model over all rows in fixed chunks,
 * on one or more threads. The chunks and the order in which their partial
 * sums are added do not depend on the number of threads, so results are
 * bit-identical whatever that number is. */
#ifndef PATRON_CLV_EVAL_H
#define PATRON_CLV_EVAL_H

#include "clv_impl.h"

/* Rows per chunk (fixed: it decides the summation order). */
#define CLV_CHUNK 16384

/* Doubles of one chunk's partial result: LL, gradient (4), Hessian (16). */
#define CLV_PART 21

/* Threads to use for `threads` as the options give it (0 = all cores,
 * else itself), never more than `nchunks` (and at least 1). */
int clv_threads(int32_t threads, size_t nchunks);

/* Run fn(ctx, c, tid) for every chunk c in [0, nchunks) on `threads`
 * threads (thread tid takes chunks tid, tid + threads, ...). When a thread
 * cannot be started, the caller runs its chunks. */
void clv_parallel(int threads, size_t nchunks, void (*fn)(void *ctx, size_t c, int tid),
                  void *ctx);

typedef struct clv_pool {
    int threads;
    size_t nchunks;
    double *scratch; /* threads * clv_ll_scratch() */
    double *part;    /* nchunks * CLV_PART */
} clv_pool;

/* 0, or PATRON_ENOMEM (message set) with nothing allocated. */
int clv_pool_init(clv_pool *pool, const clv_rows *R, int32_t threads);
void clv_pool_free(clv_pool *pool);

/* Weighted log-likelihood over all rows of R at natural parameters p (NaN
 * when undefined); g (optional) its gradient, H (optional, models with
 * clv_has_hess only) its Hessian (row-major k x k), lrow (optional) each
 * row's unweighted value. */
double clv_pool_ll(clv_pool *pool, patron_clv_model model, const clv_rows *R, const double *p,
                   double *g, double *H, double *lrow);

/* One chunk of the chunk API (patron_clv_chunks_add): its validated,
 * compressed rows, a pool to evaluate them (its own fixed inner chunks)
 * and their statistics. */
typedef struct clv_chunk {
    clv_rows R;
    clv_pool pool;
    clv_fit_stats st;
    size_t input_rows;
} clv_chunk;

struct patron_clv_chunks {
    patron_clv_model model;
    size_t n, cap;
    clv_chunk *c;
};

/* LL (gradient g, Hessian H optional) summed over the set's chunks in
 * their order; NaN when any is not finite. */
double clv_chunks_ll(patron_clv_chunks *set, const double *p, double *g, double *H);

#endif
