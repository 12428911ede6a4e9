/* Validating and compressing customer rows, in time linear in the input.
 *
 * The rows are put in a canonical order that does not depend on the input
 * order (so fits are bit-identical for any permutation of the rows): sorted
 * by frequency x, then by a 34-bit hash of the other two keys, with ties of
 * the hash broken by the keys themselves. Identical rows end up next to each
 * other and are merged (clv_order.c puts them in that order). Whether to merge them first with a hash table
 * (cheap when a million rows collapse to a few thousand, as whole weeks
 * do) or to sort every row directly (when nearly every row is distinct, as
 * exact times are, and a hash table of a million entries only adds cache
 * misses) is decided from an evenly spaced sample of 2,048 rows. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clv_eval.h"
#include "clv_impl.h"
#include "internal/clv_model.h"
#include "internal/alloc.h"
#include "internal/error.h"
#include <stdint.h>

static const char *field_name(patron_clv_model model, int which)
{
    static const char *const names[] = {"frequency", "recency", "T", "monetary", "weight"};
    const clv_model_desc *md = patron__clv_model(model);
    if (md && (md->flags & CLV_M_DISCRETE) && which == 2)
        return "n (periods)";
    return names[which];
}

static int bad_value(size_t row, patron_clv_model model, int which, double v, const char *why)
{
    return patron__fail(PATRON_EINVAL, "row %zu: %s is %.17g: %s", row, field_name(model, which),
                        v, why);
}

static uint64_t bits(double v)
{
    uint64_t u;
    if (v == 0)
        v = 0; /* -0 -> +0 */
    memcpy(&u, &v, sizeof u);
    return u;
}

#define hash3 clv_hash3

typedef struct builder {
    size_t n, cap;
    double *k0, *k1, *k2, *w;
    uint32_t *slots; /* 0 = empty, else distinct index + 1 */
    size_t nslots;
} builder;

static void builder_free(builder *b)
{
    patron__free(b->k0);
    patron__free(b->k1);
    patron__free(b->k2);
    patron__free(b->w);
    patron__free(b->slots);
}

static int builder_grow_rows(builder *b)
{
    size_t nc = b->cap ? b->cap * 2 : 1024;
    double *p;
    if (!(p = patron__reallocarray(b->k0, nc, sizeof *p)))
        return -1;
    b->k0 = p;
    if (!(p = patron__reallocarray(b->k1, nc, sizeof *p)))
        return -1;
    b->k1 = p;
    if (!(p = patron__reallocarray(b->k2, nc, sizeof *p)))
        return -1;
    b->k2 = p;
    if (!(p = patron__reallocarray(b->w, nc, sizeof *p)))
        return -1;
    b->w = p;
    b->cap = nc;
    return 0;
}

static int builder_rehash(builder *b)
{
    size_t ns = b->nslots ? b->nslots * 2 : 4096;
    uint32_t *s = patron__calloc(ns, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < b->n; i++) {
        size_t h = (size_t)hash3(bits(b->k0[i]), bits(b->k1[i]), bits(b->k2[i])) & (ns - 1);
        while (s[h])
            h = (h + 1) & (ns - 1);
        s[h] = (uint32_t)(i + 1);
    }
    patron__free(b->slots);
    b->slots = s;
    b->nslots = ns;
    return 0;
}

/* Returns the distinct index, or -1 on allocation failure. */
static long builder_add(builder *b, double k0, double k1, double k2, double w)
{
    if (2 * (b->n + 1) > b->nslots && builder_rehash(b))
        return -1;
    uint64_t a0 = bits(k0), a1 = bits(k1), a2 = bits(k2);
    size_t mask = b->nslots - 1;
    size_t h = (size_t)hash3(a0, a1, a2) & mask;
    for (;;) {
        uint32_t s = b->slots[h];
        if (!s)
            break;
        size_t i = s - 1;
        if (bits(b->k0[i]) == a0 && bits(b->k1[i]) == a1 && bits(b->k2[i]) == a2) {
            b->w[i] += w;
            return (long)i;
        }
        h = (h + 1) & mask;
    }
    if (b->n == b->cap && builder_grow_rows(b))
        return -1;
    size_t i = b->n++;
    b->k0[i] = k0;
    b->k1[i] = k1;
    b->k2[i] = k2;
    b->w[i] = w;
    b->slots[h] = (uint32_t)(i + 1);
    return (long)i;
}

void clv_rows_free(clv_rows *r)
{
    if (!r)
        return;
    if (!r->borrowed) {
        patron__free(r->x);
        patron__free(r->tx);
        patron__free(r->T);
    }
    patron__free(r->m);
    patron__free(r->lm);
    patron__free(r->w);
    patron__free(r->map);
    memset(r, 0, sizeof *r);
}

int clv_params_check(const patron_clv_params *p)
{
    if (!p)
        return patron__fail(PATRON_EINVAL, "params is NULL");
    int k = patron_clv_param_count(p->model);
    if (k == 0)
        return patron__fail(PATRON_EINVAL, "unknown model %d", (int)p->model);
    for (int i = 0; i < k; i++)
        if (!(p->p[i] > 0) || !isfinite(p->p[i]))
            return patron__fail(PATRON_EINVAL, "%s parameter %s is %.17g (must be finite and > 0)",
                                patron_clv_model_name(p->model),
                                patron_clv_param_name(p->model, i), p->p[i]);
    return PATRON_OK;
}

/* Validate row i. On success *keep says whether it is used, and k1, k2, w
 * hold its keys: (t_x, T), or (m, 0) for Gamma-Gamma. */
static int check_row(const patron_clv_data *d, size_t i, patron_clv_model model, int flags,
                     double *k1, double *k2, double *w, int *keep)
{
    int spend = (flags & CLV_ROWS_SPEND) != 0;
    double x = d->frequency[i];
    *w = d->weights ? d->weights[i] : 1.0;
    *keep = 0;
    if (!(*w >= 0) || !isfinite(*w))
        return bad_value(i, model, 4, *w, "weights must be finite and >= 0");
    if (!(x >= 0) || !isfinite(x) || x != floor(x) || x > 1e9)
        return bad_value(i, model, 0, x, "must be a whole number >= 0");
    if (spend) {
        double m = d->monetary[i];
        if (x == 0)
            return PATRON_OK; /* no spend information */
        if (!(m > 0) || !isfinite(m))
            return bad_value(i, model, 3, m, "must be finite and > 0 when frequency > 0");
        *k1 = m;
        *k2 = 0;
    } else {
        double tx = d->recency[i], T = d->T[i];
        if (!isfinite(T) || !(T >= 0) || T > 1e12)
            return bad_value(i, model, 2, T, "must be finite and >= 0");
        if (!isfinite(tx) || !(tx >= 0))
            return bad_value(i, model, 1, tx, "must be finite and >= 0");
        if (tx > T)
            return patron__fail(PATRON_EINVAL, "row %zu: recency %.17g exceeds %s %.17g", i, tx,
                                field_name(model, 2), T);
        if (x == 0 && tx != 0) {
            /* BG/NBD's predictions for x = 0 do not involve t_x (the term
             * with t_x carries a factor 1[x > 0]), so a grid that pairs
             * x = 0 with t_x > 0, as lifetimes' P(alive) matrix does, gets
             * the value of t_x = 0. Every other use keeps the summary's rule. */
            if (!((flags & CLV_ROWS_X0_ANY_TX) && (patron__clv_model(model)->flags & CLV_M_X0_ANY_TX)))
                return patron__fail(PATRON_EINVAL,
                                    "row %zu: frequency is 0 but recency is %.17g (must be 0; "
                                    "only BG/NBD predictions ignore it)", i, tx);
            tx = 0;
        }
        const clv_model_desc *md = patron__clv_model(model);
        if (md->flags & CLV_M_DISCRETE) {
            if (T > 1e7)
                return bad_value(i, model, 2, T, "at most 10,000,000 periods are supported");
            if (T != floor(T) || tx != floor(tx))
                return patron__fail(PATRON_EINVAL,
                                    "row %zu: %s needs whole numbers of periods (recency "
                                    "%.17g, n %.17g)", i, md->title, tx, T);
            if (x > tx)
                return patron__fail(PATRON_EINVAL,
                                    "row %zu: frequency %.17g exceeds recency %.17g (%s "
                                    "counts one transaction per period at most)", i, x, tx,
                                    md->title);
        }
        *k1 = tx;
        *k2 = T;
    }
    *keep = !(*w == 0 && (flags & CLV_ROWS_NO_WEIGHT0));
    return PATRON_OK;
}

/* The keys check_row() gives a row it has accepted, without the checks. */
static void row_keys(const patron_clv_data *d, size_t i, int spend, double *k1, double *k2,
                     double *w)
{
    *w = d->weights ? d->weights[i] : 1.0;
    if (spend) {
        *k1 = d->monetary[i];
        *k2 = 0;
    } else {
        *k1 = d->frequency[i] == 0 ? 0 : d->recency[i]; /* check_row's x = 0 rule */
        *k2 = d->T[i];
    }
}

/* check_row's rules for a plain row (a whole frequency, times or a spend
 * in range, a valid weight; frequency > 0 for a spend model), without its
 * branches and calls: 1 with the keys and weight set when row i is one, 2
 * when it is a valid row a spend model does not use (frequency 0); 0 when
 * check_row must decide (it accepts or names the field). */
static int plain_row(const patron_clv_data *d, size_t i, int spend, int discrete, double *k1,
                     double *k2, double *w)
{
    double x = d->frequency[i], wt = d->weights ? d->weights[i] : 1.0;
    if (!(x >= 0 && x <= 1e9 && x == (double)(int64_t)x && wt >= 0 && wt <= DBL_MAX))
        return 0;
    if (spend) {
        double m = d->monetary[i];
        if (x == 0) {
            *w = wt;
            return 2; /* valid, not used: no spend information */
        }
        if (!(m > 0 && m <= DBL_MAX))
            return 0;
        *k1 = m;
        *k2 = 0;
    } else {
        double tx = d->recency[i], T = d->T[i];
        if (discrete || !(T >= 0 && T <= 1e12 && tx >= 0 && tx <= T && (x != 0 || tx == 0)))
            return 0;
        *k1 = tx;
        *k2 = T;
    }
    *w = wt;
    return 1;
}

/* The plain-row test of the borrowed rows (see clv_rows_build). */
static int plain_pred_row(double x, double tx, double T, double w)
{
    return x >= 0 && x <= 1e9 && x == (double)(int64_t)x && T >= 0 && T <= 1e12 && tx >= 0 &&
           tx <= T && (x != 0 || tx == 0) && w >= 0 && w <= DBL_MAX;
}

typedef struct scan_job {
    const patron_clv_data *d;
    double *part; /* per chunk: sum of weights, largest x, 1 if a row is not plain */
} scan_job;

static void scan_chunk(void *vctx, size_t c, int tid)
{
    (void)tid;
    scan_job *j = vctx;
    const patron_clv_data *d = j->d;
    size_t i0 = c * CLV_CHUNK, i1 = i0 + CLV_CHUNK < d->n ? i0 + CLV_CHUNK : d->n;
    double W = 0, mx = 0;
    int bad = 0;
    for (size_t i = i0; i < i1; i++) {
        double x = d->frequency[i], w = d->weights ? d->weights[i] : 1.0;
        bad |= !plain_pred_row(x, d->recency[i], d->T[i], w);
        W += w;
        mx = x > mx ? x : mx;
    }
    j->part[3 * c] = W;
    j->part[3 * c + 1] = mx;
    j->part[3 * c + 2] = bad;
}

/* Are all rows plain (for a continuous-time model's predictions)? Then
 * 1 with *W (summed by fixed chunks, in their order) and *max_x set; 0
 * when some row is not, or out of memory (the caller checks row by row). */
static int plain_scan(const patron_clv_data *d, int32_t threads, double *W, double *max_x)
{
    size_t nc = (d->n + CLV_CHUNK - 1) / CLV_CHUNK;
    if (nc == 0)
        return 0;
    scan_job j = {d, patron__malloc(3 * nc * sizeof(double))};
    if (!j.part)
        return 0;
    clv_parallel(clv_threads(threads, nc), nc, scan_chunk, &j);
    double w = 0, mx = 0;
    int ok = 1;
    for (size_t c = 0; c < nc; c++) {
        w += j.part[3 * c];
        mx = j.part[3 * c + 1] > mx ? j.part[3 * c + 1] : mx;
        ok &= j.part[3 * c + 2] == 0;
    }
    patron__free(j.part);
    if (ok) {
        *W = w;
        *max_x = mx;
    }
    return ok;
}

/* The validation of plain rows on threads, in fixed chunks: each chunk
 * counts its kept rows, their weights (summed in row order; the chunks'
 * sums are added in chunk order, so W does not depend on the thread
 * count) and frequencies, and from its first dropped row on lists its kept
 * rows at its own place in `kept`; the lists are then moved together (4
 * bytes a kept row, where a second pass would read the rows again). */
typedef struct valid_job {
    const patron_clv_data *d;
    int spend, drop0;
    size_t *nk;     /* per chunk: kept rows */
    double *W;      /* per chunk */
    int *odd;       /* per chunk: a row is not plain (check_row decides) */
    int *dropped;   /* per chunk: a row is dropped (its kept list is written) */
    uint32_t *xcnt; /* per thread: CLV_ORDER_XS + 1 */
    uint32_t *kept; /* d->n: chunk c's list from c * CLV_CHUNK */
    uint32_t *map;  /* per row: its position among its chunk's kept rows */
} valid_job;

static void valid_chunk(void *vctx, size_t c, int tid)
{
    valid_job *j = vctx;
    const patron_clv_data *d = j->d;
    size_t i0 = c * CLV_CHUNK, i1 = i0 + CLV_CHUNK < d->n ? i0 + CLV_CHUNK : d->n;
    uint32_t *xc = j->xcnt + (size_t)tid * (CLV_ORDER_XS + 1), *kept = j->kept + i0;
    size_t nk = 0;
    double W = 0;
    int odd = 0, dropped = 0;
    for (size_t i = i0; i < i1; i++) {
        double k1, k2, w;
        int plain = plain_row(d, i, j->spend, 0, &k1, &k2, &w);
        int keep = plain == 1 && !(w == 0 && j->drop0);
        odd |= plain == 0;
        if (j->map)
            j->map[i] = keep ? (uint32_t)nk : UINT32_MAX;
        if (!keep && !dropped) {
            dropped = 1;
            for (size_t k = 0; k < nk; k++)
                kept[k] = (uint32_t)(i0 + k);
        }
        if (keep) {
            if (dropped)
                kept[nk] = (uint32_t)i;
            nk++;
            W += w;
            double x = d->frequency[i];
            xc[x < CLV_ORDER_XS ? (size_t)x : CLV_ORDER_XS]++;
        }
    }
    j->nk[c] = nk;
    j->W[c] = W;
    j->odd[c] = odd;
    j->dropped[c] = dropped;
}

typedef struct map_job {
    const patron_clv_data *d;
    const size_t *first; /* per chunk: its first kept row's position */
    uint32_t *map;
} map_job;

static void map_chunk(void *vctx, size_t c, int tid)
{
    (void)tid;
    map_job *j = vctx;
    size_t i0 = c * CLV_CHUNK, i1 = i0 + CLV_CHUNK < j->d->n ? i0 + CLV_CHUNK : j->d->n;
    uint32_t off = (uint32_t)j->first[c];
    for (size_t i = i0; i < i1; i++)
        if (j->map[i] != UINT32_MAX)
            j->map[i] += off;
}

/* 1 with *kept (NULL when no row is dropped), *nk, *W and xcnt set (map
 * filled when given); 0 when a row is not plain (the caller validates row
 * by row, for check_row's messages); -1 when out of memory. */
static int validate_plain(const patron_clv_data *d, int spend, int drop0, int32_t threads,
                          uint32_t *map, uint32_t **kept, size_t *nk, double *W, uint32_t *xcnt)
{
    size_t nc = (d->n + CLV_CHUNK - 1) / CLV_CHUNK;
    if (nc == 0)
        return 0;
    int th = clv_threads(threads, nc), ok = -1;
    /* kept: only the pages of chunks with a dropped row are touched */
    valid_job j = {d, spend, drop0, patron__malloc(nc * sizeof(size_t)),
                   patron__malloc(nc * sizeof(double)), patron__malloc(nc * sizeof(int)),
                   patron__malloc(nc * sizeof(int)),
                   patron__calloc((size_t)th * (CLV_ORDER_XS + 1), sizeof(uint32_t)),
                   patron__malloc(d->n * sizeof(uint32_t)), map};
    if (!j.nk || !j.W || !j.odd || !j.dropped || !j.xcnt || !j.kept)
        goto done;
    clv_parallel(th, nc, valid_chunk, &j);
    size_t total = 0;
    double w = 0;
    ok = 1;
    for (size_t c = 0; c < nc; c++) {
        if (j.odd[c])
            ok = 0;
        size_t k = j.nk[c];
        j.nk[c] = total; /* now: the chunk's first position */
        total += k;
        w += j.W[c];
    }
    if (!ok)
        goto done;
    if (total < d->n) { /* move the lists together (each lands at or before its place) */
        for (size_t c = 0; c < nc; c++) {
            size_t i0 = c * CLV_CHUNK, k = (c + 1 < nc ? j.nk[c + 1] : total) - j.nk[c];
            if (j.dropped[c])
                memmove(j.kept + j.nk[c], j.kept + i0, k * sizeof *j.kept);
            else
                for (size_t q = 0; q < k; q++)
                    j.kept[j.nk[c] + q] = (uint32_t)(i0 + q);
        }
        *kept = j.kept;
        j.kept = NULL;
    }
    if (map) {
        map_job mj = {d, j.nk, map};
        clv_parallel(th, nc, map_chunk, &mj);
    }
    for (int t = 0; t < th; t++) /* counts: the same in any order */
        for (size_t x = 0; x <= CLV_ORDER_XS; x++)
            xcnt[x] += j.xcnt[(size_t)t * (CLV_ORDER_XS + 1) + x];
    *nk = total;
    *W = w;
done:
    patron__free(j.nk);
    patron__free(j.W);
    patron__free(j.odd);
    patron__free(j.dropped);
    patron__free(j.xcnt);
    patron__free(j.kept);
    return ok;
}

/* Does merging identical rows with a hash table pay? Counts the distinct
 * rows among up to 2,048 evenly spaced kept rows; small inputs always
 * merge (everything is in cache). */
#define SAMPLE 2048
static int compression_pays(const patron_clv_data *d, const uint32_t *kept, size_t nk, int spend,
                            size_t *est)
{
    *est = 0;
    if (nk <= 4 * SAMPLE)
        return 1;
    uint64_t a[SAMPLE][3];
    uint16_t slot[2 * SAMPLE] = {0}; /* 0 = empty, else sample index + 1 */
    size_t distinct = 0;
    for (size_t j = 0; j < SAMPLE; j++) {
        size_t i = kept ? kept[j * nk / SAMPLE] : j * nk / SAMPLE;
        uint64_t k0 = bits(d->frequency[i]), k1 = bits(spend ? d->monetary[i] : d->recency[i]),
                 k2 = spend ? 0 : bits(d->T[i]);
        size_t h = (size_t)hash3(k0, k1, k2) & (2 * SAMPLE - 1);
        for (;;) {
            if (!slot[h]) {
                a[distinct][0] = k0;
                a[distinct][1] = k1;
                a[distinct][2] = k2;
                slot[h] = (uint16_t)++distinct;
                break;
            }
            const uint64_t *e = a[slot[h] - 1];
            if (e[0] == k0 && e[1] == k1 && e[2] == k2)
                break;
            h = (h + 1) & (2 * SAMPLE - 1);
        }
    }
    *est = distinct * (nk / SAMPLE); /* distinct rows to expect (fewer: repeats hide beyond the sample) */
    return distinct <= SAMPLE - SAMPLE / 16;
}

/* Room for about `est` distinct rows, so the table is not rehashed and the
 * arrays not copied while it fills (-1: out of memory). */
static int builder_reserve(builder *b, size_t est)
{
    if (est < 1024)
        return 0;
    size_t cap = est + est / 8, ns = 4096;
    while (ns < 2 * cap + 2)
        ns *= 2;
    double *p[4];
    for (int i = 0; i < 4; i++)
        p[i] = patron__malloc(cap * sizeof(double));
    uint32_t *slots = patron__calloc(ns, sizeof *slots);
    if (!p[0] || !p[1] || !p[2] || !p[3] || !slots) {
        for (int i = 0; i < 4; i++)
            patron__free(p[i]);
        patron__free(slots);
        return -1;
    }
    b->k0 = p[0], b->k1 = p[1], b->k2 = p[2], b->w = p[3];
    b->cap = cap;
    b->slots = slots;
    b->nslots = ns;
    return 0;
}

typedef clv_row_src row_src;

static size_t src_row(const row_src *s, size_t j)
{
    return s->kept ? s->kept[j] : j;
}

static double src_k2(const row_src *s, size_t i)
{
    return s->k2 ? s->k2[i] : 0.0;
}

int clv_rows_build(clv_rows *out, patron_clv_model model, const patron_clv_data *d, int flags)
{
    return clv_rows_build_threads(out, model, d, flags, 1);
}

int clv_rows_build_threads(clv_rows *out, patron_clv_model model, const patron_clv_data *d,
                           int flags, int32_t threads)
{
    memset(out, 0, sizeof *out);
    if (!d)
        return patron__fail(PATRON_EINVAL, "data is NULL");
    int spend = (flags & CLV_ROWS_SPEND) != 0;
    if (d->n && (!d->frequency || (!spend && (!d->recency || !d->T)) || (spend && !d->monetary)))
        return patron__fail(PATRON_EINVAL, "data: frequency%s array is NULL",
                            spend ? " or monetary" : ", recency or T");
    if (d->n > UINT32_MAX - 1)
        return patron__fail(PATRON_ERANGE, "data: %zu rows exceed the limit of %u", d->n,
                            (unsigned)(UINT32_MAX - 1));
    builder b = {0};
    uint32_t *map = NULL, *kept = NULL, *rank = NULL, *xcnt = NULL;
    int rc = PATRON_OK;
    /* A model whose predictions cost a row a few arithmetic operations
     * (P(alive) in closed form, the expectation from interpolants): a hash
     * table of the rows costs more than it saves even when whole weeks
     * collapse a million rows to 14,000 (measured: whole days 3x, weeks
     * 1.4x the time of exact times), so its predictions never merge. */
    const clv_model_desc *pmd = patron__clv_model(model);
    int cheap_rows = (pmd->flags & CLV_M_PALIVE_TOTAL) && pmd->ce_scale;
    if ((flags & CLV_ROWS_ANY_ORDER) && !spend && !(flags & CLV_ROWS_NO_WEIGHT0) &&
        (cheap_rows || !compression_pays(d, NULL, d->n, 0, &(size_t){0}))) {
        /* Predictions on rows that do not merge (nearly all distinct, or
         * cheap_rows): the caller's arrays are the rows, validated in
         * place, when no value needs check_row's normalisation (t_x of a
         * row with x = 0). */
        double W = 0, max_x = 0;
        int normalise = 0, discrete = (patron__clv_model(model)->flags & CLV_M_DISCRETE) != 0;
        const double *xs = d->frequency, *txs = d->recency, *Ts = d->T, *ws = d->weights;
        /* on the threads when every row is plain (else, and for the
         * messages, row by row below) */
        int all_plain = !discrete && plain_scan(d, threads, &W, &max_x);
        for (size_t i = 0; i < d->n && !all_plain; i++) {
            double x = xs[i], tx = txs[i], T = Ts[i], w = ws ? ws[i] : 1.0;
            /* check_row's rules for a plain row, without its branches and
             * calls; anything else goes through check_row itself */
            int plain = !discrete && plain_pred_row(x, tx, T, w);
            if (!plain) {
                double k1, k2;
                int keep;
                if ((rc = check_row(d, i, model, flags, &k1, &k2, &w, &keep)))
                    return rc;
                if (k1 != tx)
                    normalise = 1;
            }
            W += w;
            if (x > max_x)
                max_x = x;
        }
        if (!normalise) {
            out->n = d->n;
            out->x = (double *)d->frequency;
            out->tx = (double *)d->recency;
            out->T = (double *)d->T;
            out->W = W;
            out->max_x = max_x;
            out->borrowed = 1;
            return PATRON_OK;
        }
    }
    if ((flags & CLV_ROWS_MAP) && d->n) {
        map = patron__malloc(d->n * sizeof *map);
        if (!map)
            return patron__oom();
    }
    /* validate; count the kept rows (map[i]: position among them) and, from
     * the first dropped row on, list the kept ones */
    double W = 0;
    size_t nk = 0;
    int discrete = (patron__clv_model(model)->flags & CLV_M_DISCRETE) != 0;
    /* the kept rows by frequency, for the order (clv_rows_order) */
    xcnt = patron__calloc(CLV_ORDER_XS + 1, sizeof *xcnt);
    if (!xcnt) {
        rc = patron__oom();
        goto fail;
    }
    int done = discrete ? 0
                        : validate_plain(d, spend, (flags & CLV_ROWS_NO_WEIGHT0) != 0, threads,
                                         map, &kept, &nk, &W, xcnt);
    if (done < 0) {
        rc = patron__oom();
        goto fail;
    }
    for (size_t i = 0; i < d->n && !done; i++) {
        double k1, k2, w;
        int keep;
        int plain = plain_row(d, i, spend, discrete, &k1, &k2, &w);
        if (plain)
            keep = plain == 1 && !(w == 0 && (flags & CLV_ROWS_NO_WEIGHT0));
        else if ((rc = check_row(d, i, model, flags, &k1, &k2, &w, &keep)))
            goto fail;
        if (map)
            map[i] = keep ? (uint32_t)nk : UINT32_MAX;
        if (!keep && !kept) {
            kept = patron__malloc(d->n * sizeof *kept);
            if (!kept) {
                rc = patron__oom();
                goto fail;
            }
            for (size_t j = 0; j < i; j++)
                kept[j] = (uint32_t)j;
        }
        if (keep) {
            if (kept)
                kept[nk] = (uint32_t)i;
            nk++;
            W += w;
            double x = d->frequency[i];
            xcnt[x < CLV_ORDER_XS ? (size_t)x : CLV_ORDER_XS]++;
        }
    }
    row_src src = {d->frequency, spend ? d->monetary : d->recency, spend ? NULL : d->T,
                   d->weights, kept};
    size_t nr = nk;
    size_t est;
    /* A fit's rows (no map back to the caller's rows) are merged by the
     * order below, in its buckets on the fit's threads: the serial hash
     * table would only repeat that work (whole days: a third of the fit). */
    int fit_rows = !map && !spend;
    if (!fit_rows && compression_pays(d, kept, nk, spend, &est)) {
        if (builder_reserve(&b, est)) {
            rc = patron__oom();
            goto fail;
        }
        for (size_t j = 0; j < nk; j++) {
            size_t i = kept ? kept[j] : j;
            double k1, k2, w;
            row_keys(d, i, spend, &k1, &k2, &w);
            long idx = builder_add(&b, d->frequency[i], k1, k2, w);
            if (idx < 0) {
                rc = patron__oom();
                goto fail;
            }
            if (map)
                map[i] = (uint32_t)idx;
        }
        src = (row_src){b.k0, b.k1, b.k2, b.w, NULL};
        nr = b.n;
        patron__free(b.slots);
        b.slots = NULL;
    }
    size_t nn = nr ? nr : 1;
    /* not merging first (src is the caller's rows) and any order will do */
    int sorted = spend || !(src.k0 == d->frequency && (flags & CLV_ROWS_ANY_ORDER));
    if (map && !(rank = patron__malloc(nn * sizeof *rank))) {
        rc = patron__oom();
        goto fail;
    }
    out->x = patron__malloc(nn * sizeof(double));
    out->tx = spend ? NULL : patron__malloc(nn * sizeof(double));
    out->T = spend ? NULL : patron__malloc(nn * sizeof(double));
    out->w = patron__malloc(nn * sizeof(double));
    out->m = spend ? patron__malloc(nn * sizeof(double)) : NULL;
    out->lm = spend ? patron__malloc(nn * sizeof(double)) : NULL;
    if (!out->x || !out->w || (spend ? !out->m || !out->lm : !out->tx || !out->T)) {
        rc = patron__oom();
        goto fail;
    }
    if (sorted) {
        if ((rc = clv_rows_order(out, &src, nr, spend, src.k0 == d->frequency ? xcnt : NULL,
                                 rank, threads)))
            goto fail;
    } else {
        /* the caller's rows in their order, merging identical neighbours */
        size_t n = 0;
        uint64_t p0 = 0, p1 = 0, p2 = 0;
        for (size_t j = 0; j < nr; j++) {
            size_t i = src_row(&src, j);
            double k0 = src.k0[i] + 0.0, k1 = src.k1[i] + 0.0, k2 = src_k2(&src, i) + 0.0;
            double w = src.w ? src.w[i] : 1.0;
            uint64_t a0 = bits(k0), a1 = bits(k1), a2 = bits(k2);
            if (n && a0 == p0 && a1 == p1 && a2 == p2) {
                out->w[n - 1] += w;
            } else {
                out->x[n] = k0;
                out->w[n] = w;
                out->tx[n] = k1;
                out->T[n] = k2;
                if (k0 > out->max_x)
                    out->max_x = k0;
                n++;
                p0 = a0;
                p1 = a1;
                p2 = a2;
            }
            if (rank)
                rank[j] = (uint32_t)(n - 1);
        }
        out->n = n;
    }
    out->W = W;
    if (map) {
        for (size_t i = 0; i < d->n; i++)
            if (map[i] != UINT32_MAX)
                map[i] = rank[map[i]];
        out->map = map;
        map = NULL;
    }
    patron__free(rank);
    patron__free(kept);
    patron__free(xcnt);
    builder_free(&b);
    return PATRON_OK;
fail:
    builder_free(&b);
    patron__free(map);
    patron__free(kept);
    patron__free(rank);
    patron__free(xcnt);
    clv_rows_free(out);
    return rc;
}
