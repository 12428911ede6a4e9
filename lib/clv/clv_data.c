/* Validating and compressing customer rows: identical rows are merged with
 * a hash table (linear in the input), and the distinct rows are then sorted
 * so that the result does not depend on the input order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clv_impl.h"
#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/radix.h"

static const char *field_name(patron_clv_model model, int which)
{
    static const char *const names[] = {"frequency", "recency", "T", "monetary", "weight"};
    if (model == PATRON_CLV_BGBB && which == 2)
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

static uint64_t hash3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t h = a * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    h += b * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 31;
    h += c * 0x165667B19E3779F9ull;
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    h ^= h >> 32;
    return h;
}

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

/* Sort key of a validated value (finite, >= 0): the IEEE bits of a
 * non-negative double order like the values; -0.0 is folded into +0.0. */
static uint64_t sort_key(double v)
{
    return bits(v + 0.0);
}

/* Sort the distinct rows by (k0, k1, k2): stable radix sorts on k2, then
 * k1, then k0 (least significant key first). Ties keep their first-seen
 * order, so the result is the same on every platform (qsort promises no
 * stability). `perm` receives the sorted order of the n rows; `b` holds
 * buffers for n pairs. */
static void sort_rows(const builder *rows, uint32_t *perm, patron__radix *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    for (int key = 2; key >= 0; key--) {
        const double *k = key == 0 ? rows->k0 : key == 1 ? rows->k1 : rows->k2;
        for (size_t i = 0; i < n; i++) {
            b->key[i] = sort_key(k[perm[i]]);
            b->idx[i] = perm[i];
        }
        uint64_t *keys;
        uint32_t *order;
        patron__radix_sort_u64(b->key, b->idx, n, b->cnt, &keys, &order);
        memcpy(perm, order, n * sizeof *perm);
    }
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b ? 1 : 0;
}

static uint32_t find_time(const double *tv, size_t n, double v)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (tv[mid] <= v)
            lo = mid;
        else
            hi = mid;
    }
    return (uint32_t)lo;
}

void clv_rows_free(clv_rows *r)
{
    if (!r)
        return;
    patron__free(r->x);
    patron__free(r->tx);
    patron__free(r->T);
    patron__free(r->m);
    patron__free(r->lm);
    patron__free(r->w);
    patron__free(r->itx);
    patron__free(r->iT);
    patron__free(r->tv);
    patron__free(r->gstart);
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

int clv_rows_build(clv_rows *out, patron_clv_model model, const patron_clv_data *d, int flags)
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
    uint32_t *map = NULL;
    int rc = PATRON_OK;
    if ((flags & CLV_ROWS_MAP) && d->n) {
        map = patron__malloc(d->n * sizeof *map);
        if (!map)
            return patron__oom();
    }
    double W = 0;
    for (size_t i = 0; i < d->n; i++) {
        double x = d->frequency[i];
        double w = d->weights ? d->weights[i] : 1.0;
        if (!(w >= 0) || !isfinite(w)) {
            rc = bad_value(i, model, 4, w, "weights must be finite and >= 0");
            goto fail;
        }
        if (!(x >= 0) || !isfinite(x) || x != floor(x) || x > 1e9) {
            rc = bad_value(i, model, 0, x, "must be a whole number >= 0");
            goto fail;
        }
        double k1, k2;
        if (spend) {
            double m = d->monetary[i];
            if (x == 0) {
                if (map)
                    map[i] = UINT32_MAX;
                continue; /* no spend information */
            }
            if (!(m > 0) || !isfinite(m)) {
                rc = bad_value(i, model, 3, m, "must be finite and > 0 when frequency > 0");
                goto fail;
            }
            k1 = m;
            k2 = 0;
        } else {
            double tx = d->recency[i], T = d->T[i];
            if (!isfinite(T) || !(T >= 0) || T > 1e12) {
                rc = bad_value(i, model, 2, T, "must be finite and >= 0");
                goto fail;
            }
            if (!isfinite(tx) || !(tx >= 0)) {
                rc = bad_value(i, model, 1, tx, "must be finite and >= 0");
                goto fail;
            }
            if (tx > T) {
                rc = patron__fail(PATRON_EINVAL, "row %zu: recency %.17g exceeds %s %.17g", i, tx,
                                  field_name(model, 2), T);
                goto fail;
            }
            if (x == 0 && tx != 0) {
                /* BG/NBD's predictions for x = 0 do not involve t_x (the
                 * term with t_x carries a factor 1[x > 0]), so a grid that
                 * pairs x = 0 with t_x > 0, as lifetimes' P(alive) matrix
                 * does, gets the value of t_x = 0. Every other use keeps
                 * the summary's rule. */
                if (!((flags & CLV_ROWS_X0_ANY_TX) && model == PATRON_CLV_BGNBD)) {
                    rc = patron__fail(PATRON_EINVAL,
                                      "row %zu: frequency is 0 but recency is %.17g (must be 0; "
                                      "only BG/NBD predictions ignore it)", i, tx);
                    goto fail;
                }
                tx = 0;
            }
            if (model == PATRON_CLV_BGBB) {
                if (T > 1e7) {
                    rc = bad_value(i, model, 2, T, "BG/BB supports at most 10,000,000 periods");
                    goto fail;
                }
                if (T != floor(T) || tx != floor(tx)) {
                    rc = patron__fail(PATRON_EINVAL,
                                      "row %zu: BG/BB needs whole numbers of periods (recency "
                                      "%.17g, n %.17g)", i, tx, T);
                    goto fail;
                }
                if (x > tx) {
                    rc = patron__fail(PATRON_EINVAL,
                                      "row %zu: frequency %.17g exceeds recency %.17g (BG/BB "
                                      "counts one transaction per period at most)", i, x, tx);
                    goto fail;
                }
            } else if (x > 0 && tx == 0 && model != PATRON_CLV_GG) {
                /* allowed: purchases on the first day in coarse units */
            }
            k1 = tx;
            k2 = T;
        }
        if (w == 0 && (flags & CLV_ROWS_NO_WEIGHT0)) {
            if (map)
                map[i] = UINT32_MAX;
            continue;
        }
        long idx = builder_add(&b, x, k1, k2, w);
        if (idx < 0) {
            rc = patron__oom();
            goto fail;
        }
        if (map)
            map[i] = (uint32_t)idx;
        W += w;
    }
    /* sort distinct rows */
    size_t n = b.n;
    uint32_t *perm = n ? patron__malloc(n * sizeof *perm) : NULL;
    uint32_t *rank = n ? patron__malloc(n * sizeof *rank) : NULL;
    patron__radix rb = {NULL, NULL, NULL};
    if (n && (!perm || !rank || patron__radix_alloc(&rb, n))) {
        patron__free(perm);
        patron__free(rank);
        rc = patron__oom();
        goto fail;
    }
    if (n)
        sort_rows(&b, perm, &rb, n);
    patron__radix_free(&rb);
    size_t nn = n ? n : 1;
    out->x = patron__malloc(nn * sizeof(double));
    out->tx = patron__malloc(nn * sizeof(double));
    out->T = patron__malloc(nn * sizeof(double));
    out->m = patron__malloc(nn * sizeof(double));
    out->w = patron__malloc(nn * sizeof(double));
    out->lm = spend ? patron__malloc(nn * sizeof(double)) : NULL;
    out->itx = patron__malloc(nn * sizeof(uint32_t));
    out->iT = patron__malloc(nn * sizeof(uint32_t));
    out->gstart = patron__malloc((nn + 1) * sizeof(size_t));
    out->tv = patron__malloc(2 * nn * sizeof(double));
    if (!out->x || !out->tx || !out->T || !out->m || !out->w || !out->itx || !out->iT ||
        !out->gstart || !out->tv || (spend && !out->lm)) {
        patron__free(perm);
        patron__free(rank);
        rc = patron__oom();
        goto fail;
    }
    out->n = n;
    out->W = W;
    for (size_t j = 0; j < n; j++) {
        uint32_t i = perm[j];
        rank[i] = (uint32_t)j;
        out->x[j] = b.k0[i];
        out->w[j] = b.w[i];
        if (spend) {
            out->m[j] = b.k1[i];
            out->lm[j] = log(b.k1[i]);
            out->tx[j] = 0;
            out->T[j] = 0;
        } else {
            out->m[j] = 0;
            out->tx[j] = b.k1[i];
            out->T[j] = b.k2[i];
        }
        if (out->x[j] > out->max_x)
            out->max_x = out->x[j];
    }
    patron__free(perm);
    /* groups of equal x */
    out->ngroups = 0;
    for (size_t j = 0; j < n; j++)
        if (j == 0 || out->x[j] != out->x[j - 1])
            out->gstart[out->ngroups++] = j;
    out->gstart[out->ngroups] = n;
    /* distinct times */
    size_t nt = 0;
    for (size_t j = 0; j < n && !spend; j++) { /* Gamma-Gamma has no times */
        out->tv[nt++] = out->tx[j];
        out->tv[nt++] = out->T[j];
    }
    qsort(out->tv, nt, sizeof(double), cmp_double);
    size_t u = 0;
    for (size_t j = 0; j < nt; j++)
        if (u == 0 || out->tv[j] != out->tv[u - 1])
            out->tv[u++] = out->tv[j];
    out->ntv = u;
    for (size_t j = 0; j < n; j++) {
        out->itx[j] = find_time(out->tv, u, out->tx[j]);
        out->iT[j] = find_time(out->tv, u, out->T[j]);
    }
    if (map) {
        for (size_t i = 0; i < d->n; i++)
            if (map[i] != UINT32_MAX)
                map[i] = rank[map[i]];
        out->map = map;
        map = NULL;
    }
    patron__free(rank);
    builder_free(&b);
    return PATRON_OK;
fail:
    builder_free(&b);
    patron__free(map);
    clv_rows_free(out);
    return rc;
}
