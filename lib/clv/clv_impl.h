/* Internal to lib/clv: validated, compressed customer rows. */
#ifndef PATRON_CLV_IMPL_H
#define PATRON_CLV_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "patron/clv.h"

/* Distinct (x, t_x, T) rows (or (x, m) for Gamma-Gamma) with summed
 * weights, in a canonical order that does not depend on the input order:
 * rows with equal x are contiguous (x ascending), the order within an x is
 * fixed by the values (see clv_data.c). With CLV_ROWS_ANY_ORDER the rows
 * may instead be the input rows in input order. */
typedef struct clv_rows {
    size_t n;
    double *x, *tx, *T, *w;
    double *m, *lm;     /* Gamma-Gamma only (else NULL): m and log(m); tx and T are
                           then NULL */
    double W;           /* total weight */
    double max_x;
    uint32_t *map;      /* optional: input row -> distinct row (NULL unless requested,
                           and NULL for borrowed rows: the identity) */
    int borrowed;       /* x, tx, T are the caller's arrays (w is NULL): see CLV_ROWS_ANY_ORDER */
} clv_rows;

enum {
    CLV_ROWS_MAP = 1,       /* fill `map` (for predictions) */
    CLV_ROWS_SPEND = 2,     /* Gamma-Gamma: key (x, m), skip x = 0 */
    CLV_ROWS_NO_WEIGHT0 = 4, /* drop zero-weight rows (fitting) */
    CLV_ROWS_X0_ANY_TX = 8,  /* predictions: accept x = 0 with t_x > 0 where the model ignores t_x */
    CLV_ROWS_ANY_ORDER = 16  /* predictions: when merging does not pay, keep the rows in
                                input order unmerged (no sort; the results per row are
                                the same, only the summation of a fit needs the order);
                                the rows are then the caller's arrays themselves
                                (borrowed, no copy, w NULL, map NULL = identity) unless
                                a value had to be normalised */
};

/* Validate `d` for `model` and compress it. `need_rows` > 0 requires at
 * least that many positive-weight rows. Returns a status (message set). */
int clv_rows_build(clv_rows *out, patron_clv_model model, const patron_clv_data *d, int flags);
void clv_rows_free(clv_rows *r);

/* Where the rows to be put in order come from: the caller's arrays (with
 * `kept`, the indexes of the rows kept, when some were dropped) or a hash
 * table's distinct rows. k2 and w may be NULL (0 and 1). */
typedef struct clv_row_src {
    const double *k0, *k1, *k2, *w;
    const uint32_t *kept;
} clv_row_src;

/* The hash of three keys' bits that the row compression and order use. */
uint64_t clv_hash3(uint64_t a, uint64_t b, uint64_t c);

/* Put the nr rows of src in the canonical order into out's columns
 * (allocated by the caller for nr rows: x, w, and tx, T or, with `spend`,
 * m, lm), merging identical rows; sets out->n and out->max_x.
 * rank (optional, nr entries) receives each source row's distinct row.
 * The buckets are sorted on `threads` threads (as the options give it);
 * the result does not depend on it. A status (message set). */
int clv_rows_order(clv_rows *out, const clv_row_src *src, size_t nr, int spend,
                   const uint32_t *xcnt, uint32_t *rank, int32_t threads);

/* Frequencies below this have buckets of their own in clv_rows_order;
 * xcnt (optional) counts the rows of src by frequency, CLV_ORDER_XS + 1
 * entries (the last: all larger ones). */
#define CLV_ORDER_XS 4096

/* clv_rows_build with the order's threads (clv_rows_build: one). */
int clv_rows_build_threads(clv_rows *out, patron_clv_model model, const patron_clv_data *d,
                           int flags, int32_t threads);

/* What the fitter needs to know of all its rows (starts, penalizer,
 * normalisation): weighted sums of x, T and m, the largest T and x. */
typedef struct clv_fit_stats {
    double W, Sx, ST, Sm, max_T, max_x;
    size_t n_distinct;
} clv_fit_stats;

/* Add the rows of R to st (in R's order). */
void clv_fit_stats_add(clv_fit_stats *st, const clv_rows *R);

/* Check params for model (count, finite, > 0). */
int clv_params_check(const patron_clv_params *p);

#endif
