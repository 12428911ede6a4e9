/* The canonical order of the customer rows (see clv_data.c), built where
 * the caches are: rows are sorted by frequency x, then by a 34-bit hash of
 * the other two keys, ties of the hash by the keys themselves and then by
 * position (identical rows keep their order and are merged).
 *
 * One global radix sort of (key, index) pairs followed by a gather of every
 * row through the index touched 64 bytes of new memory per row and read
 * the input at random: at 10M rows that is 640 MB of first-touch page
 * faults and three cache misses per row, so 10M cost 15x 1M. Here the rows
 * are scattered once, in input order, straight into the output arrays at
 * the place of their bucket (a frequency, and for a frequent one the top
 * bits of the hash: buckets of at most ORDER_BUCKET rows), and each bucket
 * is then sorted, and its identical rows merged, in place with a buffer
 * of its own size that stays in the cache. The order
 * is the same as the global sort's (the buckets are ranges of the key, the
 * scatter and the sort within a bucket are stable); the only memory beyond
 * the output is the buffers of the buckets in flight. The count, the
 * scatter (by contiguous blocks of rows, each block's rows placed after
 * the previous blocks') and the buckets run on the fit's threads; none of
 * it depends on the thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clv_eval.h"
#include "clv_impl.h"
#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/radix.h"

/* Most rows of a bucket (a power of two of buckets per frequency: from
 * half this to this). Smaller buckets sort closer to the core, but the
 * scatter writes four columns of every bucket at once, and with more than
 * about a thousand buckets (10M rows at 8,192) those writes miss the
 * TLB and the write-combining lines. */
#define ORDER_BUCKET 16384
/* Frequencies below this get buckets of their own; the rows of larger ones
 * share the last bucket (sorted by the full key: rare in real data). */
#define ORDER_XS CLV_ORDER_XS

static uint64_t bits(double v)
{
    uint64_t u;
    if (v == 0)
        v = 0; /* -0 -> +0 */
    memcpy(&u, &v, sizeof u);
    return u;
}

uint64_t clv_hash3(uint64_t a, uint64_t b, uint64_t c)
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

/* The 34 bits of the hash that order the rows of one frequency. */
static uint64_t key_hash(double k1, double k2)
{
    return clv_hash3(bits(k1), bits(k2), 0x5bd1e995u) >> 30;
}

typedef struct tie {
    uint64_t a1, a2;
    uint32_t idx;
} tie;

static int cmp_tie(const void *pa, const void *pb)
{
    const tie *a = pa, *b = pb;
    if (a->a1 != b->a1)
        return a->a1 < b->a1 ? -1 : 1;
    if (a->a2 != b->a2)
        return a->a2 < b->a2 ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* A thread's buffers, for the largest bucket. */
typedef struct order_buf {
    uint64_t *key; /* 2m */
    uint32_t *idx; /* 2m */
    double *pay;   /* 3m: a copy of the bucket's columns (before that, a run of ties) */
    uint32_t *org; /* m */
    uint32_t cnt[PATRON__RADIX_COUNTERS];
} order_buf;

typedef struct order_ctx {
    clv_rows *out;
    int spend;
    double *k1, *k2;     /* the sorted columns: tx and T, or m and (none) */
    uint32_t *orig;      /* per position: the source row (NULL without rank) */
    const size_t *start; /* nb + 1 */
    const unsigned char *shared; /* per bucket: 1 for the last (several frequencies) */
    size_t *nd;                  /* per bucket: its rows after merging */
    order_buf *buf;      /* per thread */
} order_ctx;

/* Sort bucket c in place. Its x column holds each row's key (x << 34 |
 * hash, as bits) from the scatter; it gets the frequencies back. */
static void order_bucket(void *vctx, size_t c, int tid)
{
    order_ctx *o = vctx;
    size_t s = o->start[c], m = o->start[c + 1] - s;
    if (m == 0)
        return;
    double *k1 = o->k1 + s, *k2 = o->k2 ? o->k2 + s : NULL, *w = o->out->w + s,
           *x = o->out->x + s;
    uint32_t *org = o->orig ? o->orig + s : NULL;
    order_buf *b = &o->buf[tid];
    memcpy(b->key, x, m * sizeof *b->key);
    for (size_t j = 0; j < m; j++)
        b->idx[j] = (uint32_t)j;
    uint32_t *perm;
    uint64_t *keys;
    /* a bucket of one frequency: its key's high bits are that frequency */
    patron__radix_sort_u64(b->key, b->idx, m, o->shared[c] ? 64 : 34, b->cnt, &keys, &perm);
    for (size_t j = 0; j < m; j++)
        x[j] = (double)(keys[j] >> 34);
    o->nd[c] = m;
    if (m == 1)
        return;
    /* runs of equal keys whose values differ (a hash collision): by the
     * values, then by position */
    for (size_t a = 0; a < m;) {
        size_t e = a + 1;
        while (e < m && keys[e] == keys[a])
            e++;
        if (e - a > 1) {
            size_t i0 = perm[a];
            int same = 1;
            for (size_t j = a + 1; j < e && same; j++) {
                size_t i = perm[j];
                same = bits(k1[i]) == bits(k1[i0]) && (!k2 || bits(k2[i]) == bits(k2[i0]));
            }
            if (!same) {
                tie *t = (tie *)b->pay; /* free until the order is applied */
                for (size_t j = a; j < e; j++) {
                    size_t i = perm[j];
                    t[j - a] = (tie){bits(k1[i]), k2 ? bits(k2[i]) : 0, perm[j]};
                }
                qsort(t, e - a, sizeof *t, cmp_tie);
                for (size_t j = a; j < e; j++)
                    perm[j] = t[j - a].idx;
            }
        }
        a = e;
    }
    /* apply the order: copy the columns out and back in sorted order */
    double *p1 = b->pay, *p2 = b->pay + m, *pw = b->pay + 2 * m;
    memcpy(p1, k1, m * sizeof *p1);
    memcpy(pw, w, m * sizeof *pw);
    if (k2)
        memcpy(p2, k2, m * sizeof *p2);
    if (org)
        memcpy(b->org, org, m * sizeof *org);
    for (size_t j = 0; j < m; j++) {
        size_t i = perm[j];
        k1[j] = p1[i];
        w[j] = pw[i];
        if (k2)
            k2[j] = p2[i];
        if (org)
            org[j] = b->org[i];
    }
    if (org) /* the rank needs every row's place: merged afterwards */
        return;
    /* merge identical neighbours here (equal rows share a bucket and are
     * now adjacent; weights added in their order) */
    size_t n = 1;
    for (size_t j = 1; j < m; j++) {
        if (bits(x[j]) == bits(x[n - 1]) && bits(k1[j]) == bits(k1[n - 1]) &&
            (!k2 || bits(k2[j]) == bits(k2[n - 1]))) {
            w[n - 1] += w[j];
            continue;
        }
        if (n != j) {
            x[n] = x[j];
            k1[n] = k1[j];
            if (k2)
                k2[n] = k2[j];
            w[n] = w[j];
        }
        n++;
    }
    o->nd[c] = n;
}

/* One block of rows: pass 0 counts its rows per bucket, pass 1 puts them
 * in their places (bcnt then holds the block's first place per bucket). */
typedef struct scatter_job {
    const clv_row_src *src;
    size_t nr;
    int nblk;
    size_t nb, shared;
    const uint32_t *xbase;
    const unsigned char *xbits;
    size_t *bcnt; /* nblk * nb */
    clv_rows *out;
    double *c1, *c2;
    uint32_t *orig;
    int pass;
} scatter_job;

static void scatter_block(void *vctx, size_t blk, int tid)
{
    (void)tid;
    scatter_job *j = vctx;
    const clv_row_src *src = j->src;
    size_t j0 = j->nr * blk / (size_t)j->nblk, j1 = j->nr * (blk + 1) / (size_t)j->nblk;
    size_t *cnt = j->bcnt + blk * j->nb;
    for (size_t r = j0; r < j1; r++) {
        size_t i = src->kept ? src->kept[r] : r;
        double x = src->k0[i];
        int small = x < ORDER_XS, b = small ? j->xbits[(size_t)x] : 0;
        if (j->pass == 0 && small && b == 0) { /* one bucket: no hash needed to count */
            cnt[j->xbase[(size_t)x]]++;
            continue;
        }
        double v1 = src->k1[i] + 0.0, v2 = src->k2 ? src->k2[i] + 0.0 : 0.0;
        uint64_t h = key_hash(v1, v2);
        size_t bk = small ? j->xbase[(size_t)x] + (size_t)(h >> (34 - b)) : j->shared;
        if (j->pass == 0) {
            cnt[bk]++;
            continue;
        }
        size_t q = cnt[bk]++;
        uint64_t key = ((uint64_t)x << 34) | h;
        j->c1[q] = v1;
        if (j->c2)
            j->c2[q] = v2;
        j->out->w[q] = src->w ? src->w[i] : 1.0;
        memcpy(&j->out->x[q], &key, sizeof key); /* the key, until the bucket is sorted */
        if (j->orig)
            j->orig[q] = (uint32_t)r;
    }
}

int clv_rows_order(clv_rows *out, const clv_row_src *src, size_t nr, int spend,
                   const uint32_t *xcnt_in, uint32_t *rank, int32_t threads)
{
    size_t *start = NULL, *bcnt = NULL;
    unsigned char *sh = NULL;
    size_t *nd = NULL;
    uint32_t *xcnt = NULL, *xbase = NULL, *orig = NULL;
    unsigned char *xbits = NULL;
    order_buf *buf = NULL;
    int nthreads = 0, rc = PATRON_OK;
    out->n = 0;
    out->max_x = 0;
    if (nr == 0)
        return PATRON_OK;
    xbase = patron__malloc((ORDER_XS + 1) * sizeof *xbase);
    xbits = patron__malloc(ORDER_XS + 1);
    if (!xbase || !xbits)
        goto oom;
    /* the frequencies' counts (unless the caller has them), then each
     * one's buckets: 2^b of them, b the top bits of the hash that tell
     * them apart */
    if (!xcnt_in) {
        if (!(xcnt = patron__calloc(ORDER_XS + 1, sizeof *xcnt)))
            goto oom;
        for (size_t j = 0; j < nr; j++) {
            double x = src->k0[src->kept ? src->kept[j] : j];
            xcnt[x < ORDER_XS ? (size_t)x : ORDER_XS]++;
        }
        xcnt_in = xcnt;
    }
    size_t nb = 0;
    for (size_t x = 0; x < ORDER_XS; x++) {
        int b = 0;
        while (b < 20 && ((size_t)ORDER_BUCKET << b) < xcnt_in[x])
            b++;
        xbits[x] = (unsigned char)b;
        xbase[x] = (uint32_t)nb;
        nb += xcnt_in[x] ? (size_t)1 << b : 0;
    }
    size_t shared = nb++; /* the last bucket: x >= ORDER_XS */
    start = patron__calloc(nb + 1, sizeof *start);
    sh = patron__calloc(nb, 1);
    nd = patron__calloc(nb, sizeof *nd);
    if (!start || !sh || !nd)
        goto oom;
    sh[shared] = 1;
    /* count and scatter on the threads: the rows in nblk contiguous
     * blocks, block t's rows of bucket k placed after those of the blocks
     * before it, so the scatter is the same stable one for any number of
     * blocks */
    int nblk = clv_threads(threads, (nr + CLV_CHUNK - 1) / CLV_CHUNK);
    bcnt = patron__calloc((size_t)nblk * nb, sizeof *bcnt);
    if (!bcnt)
        goto oom;
    double *c1 = spend ? out->m : out->tx, *c2 = spend ? NULL : out->T;
    scatter_job sj = {src, nr, nblk, nb, shared, xbase, xbits, bcnt, out, c1, c2, NULL, 0};
    clv_parallel(nblk, (size_t)nblk, scatter_block, &sj);
    size_t maxb = 0;
    for (size_t k = 0; k < nb; k++) {
        size_t at = start[k];
        for (int t = 0; t < nblk; t++) { /* block t's first place in bucket k */
            size_t c = bcnt[(size_t)t * nb + k];
            bcnt[(size_t)t * nb + k] = at;
            at += c;
        }
        start[k + 1] = at;
        if (at - start[k] > maxb)
            maxb = at - start[k];
    }
    if (rank && !(orig = patron__malloc(nr * sizeof *orig)))
        goto oom;
    sj.orig = orig;
    sj.pass = 1;
    clv_parallel(nblk, (size_t)nblk, scatter_block, &sj);
    /* sort the buckets */
    nthreads = clv_threads(threads, nb);
    buf = patron__calloc((size_t)nthreads, sizeof *buf);
    if (!buf)
        goto oom;
    for (int t = 0; t < nthreads; t++) {
        buf[t].key = patron__malloc(2 * maxb * sizeof *buf[t].key);
        buf[t].idx = patron__malloc(2 * maxb * sizeof *buf[t].idx);
        buf[t].pay = patron__malloc(3 * maxb * sizeof *buf[t].pay);
        buf[t].org = patron__malloc(maxb * sizeof *buf[t].org);
        if (!buf[t].key || !buf[t].idx || !buf[t].pay || !buf[t].org)
            goto oom;
    }
    order_ctx ctx = {out, spend, c1, c2, orig, start, sh, nd, buf};
    clv_parallel(nthreads, nb, order_bucket, &ctx);
    size_t n = 0;
    if (!orig) { /* the buckets merged their rows: close the gaps */
        for (size_t k = 0; k < nb; k++) {
            size_t s0 = start[k], m = nd[k];
            if (n != s0 && m) {
                memmove(out->x + n, out->x + s0, m * sizeof *out->x);
                memmove(c1 + n, c1 + s0, m * sizeof *c1);
                if (c2)
                    memmove(c2 + n, c2 + s0, m * sizeof *c2);
                memmove(out->w + n, out->w + s0, m * sizeof *out->w);
            }
            n += m;
        }
        out->max_x = n ? out->x[n - 1] : 0; /* ascending x */
        if (spend)
            for (size_t j = 0; j < n; j++)
                out->lm[j] = log(out->m[j]);
        out->n = n;
        goto done;
    }
    /* with the rank: merge identical neighbours (equal rows share a bucket
     * and are now adjacent) */
    uint64_t p0 = 0, p1 = 0, p2 = 0;
    for (size_t j = 0; j < nr; j++) {
        double k0 = out->x[j], v1 = c1[j], v2 = c2 ? c2[j] : 0.0;
        uint64_t a0 = bits(k0), a1 = bits(v1), a2 = bits(v2);
        if (n && a0 == p0 && a1 == p1 && a2 == p2) {
            out->w[n - 1] += out->w[j];
        } else {
            if (n != j) {
                out->x[n] = k0;
                c1[n] = v1;
                if (c2)
                    c2[n] = v2;
                out->w[n] = out->w[j];
            }
            if (k0 > out->max_x)
                out->max_x = k0;
            n++;
            p0 = a0;
            p1 = a1;
            p2 = a2;
        }
        if (rank)
            rank[orig[j]] = (uint32_t)(n - 1);
    }
    if (spend)
        for (size_t j = 0; j < n; j++)
            out->lm[j] = log(out->m[j]);
    out->n = n;
    goto done;
oom:
    rc = patron__oom();
done:
    if (buf)
        for (int t = 0; t < nthreads; t++) {
            patron__free(buf[t].key);
            patron__free(buf[t].idx);
            patron__free(buf[t].pay);
            patron__free(buf[t].org);
        }
    patron__free(buf);
    patron__free(start);
    patron__free(bcnt);
    patron__free(nd);
    patron__free(sh);
    patron__free(xcnt);
    patron__free(xbase);
    patron__free(xbits);
    patron__free(orig);
    return rc;
}
