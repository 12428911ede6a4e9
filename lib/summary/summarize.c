/* Per-customer summaries with the semantics of lifetimes'
 * summary_data_from_transaction_data / calibration_and_holdout_data.
 *
 * Plan: rank customers (output order), count rows per rank, then either
 * read each customer's rows straight from the log (when the log is already
 * grouped in rank order) or scatter (time, amount) into a scratch buffer in
 * at most two blocks of ranks, so the scratch never exceeds ~8 bytes per
 * transaction. Each customer's rows are sorted by time when needed and
 * reduced in one pass. */
#include <inttypes.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"
#include "sort.h"
#include "summary_int.h"

typedef struct {
    int kind;       /* PATRON_PERIOD_* */
    int64_t len;    /* seconds for PATRON_PERIOD_SECONDS */
} period_fn;

static inline int64_t period_of(const period_fn *p, int64_t t)
{
    switch (p->kind) {
    case PATRON_PERIOD_DAY:
        return pt_floordiv(t, 86400);
    case PATRON_PERIOD_WEEK: /* weeks Monday..Sunday; 1970-01-01 was a Thursday */
        return pt_floordiv(pt_floordiv(t, 86400) + 3, 7);
    default:
        return pt_floordiv(t, p->len);
    }
}

typedef struct {
    const patron_txlog *log;
    period_fn pf;
    int holdout;
    int reject;
    int64_t obs_end, cal_end;
    int64_t p_obs, p_cal;
    /* outputs, indexed by output row */
    double *freq, *rec, *T, *mon, *fh, *mh, *dh;
    int64_t *first, *last, *orders, *spend;
    uint32_t *who; /* dense customer index of each output row */
    size_t rows;
    /* scratch for sorting segments that live in the (const) log */
    int64_t *tmp_t, *tmp_a;
    size_t tmp_cap;
} ctx;

static int fail_after_end(const ctx *c, uint32_t cust, int64_t t, int64_t end)
{
    char tb[32], eb[32];
    patron_time_format(tb, sizeof tb, t);
    patron_time_format(eb, sizeof eb, end);
    const pt_idmap *m = &c->log->cust;
    if (m->kind == PT_ID_INT)
        return patron__fail(PATRON_EINVAL,
                            "customer %" PRId64 ": purchase at %s is after the observation end %s",
                            m->ints[cust], tb, eb);
    return patron__fail(PATRON_EINVAL, "customer '%s': purchase at %s is after the observation end %s",
                        pt_idmap_key(m, cust), tb, eb);
}

static int fail_overflow(const ctx *c, uint32_t cust)
{
    const pt_idmap *m = &c->log->cust;
    if (m->kind == PT_ID_INT)
        return patron__fail(PATRON_ERANGE, "customer %" PRId64 ": total spend overflows int64",
                            m->ints[cust]);
    return patron__fail(PATRON_ERANGE, "customer '%s': total spend overflows int64",
                        pt_idmap_key(m, cust));
}

/* Reduce one customer's rows t[0..k), a[0..k), sorted by time. */
static int reduce(ctx *c, uint32_t cust, const int64_t *t, const int64_t *a, size_t k)
{
    const period_fn *pf = &c->pf;
    /* Calibration (or plain) part: rows [0, kc). */
    size_t kc = k;
    if (c->holdout) {
        while (kc > 0 && t[kc - 1] > c->cal_end)
            kc--;
    } else {
        while (kc > 0 && period_of(pf, t[kc - 1]) > c->p_obs)
            kc--;
        if (kc < k && c->reject)
            return fail_after_end(c, cust, t[kc], c->obs_end);
    }
    if (c->holdout && c->reject && k > 0 && t[k - 1] > c->obs_end)
        return fail_after_end(c, cust, t[k - 1], c->obs_end);
    if (kc == 0)
        return PATRON_OK; /* no purchase in the (calibration) window: no row */

    int64_t p0 = period_of(pf, t[0]), cur = p0, cursum = 0, total = 0, rep = 0;
    int64_t nper = 1;
    for (size_t i = 0; i < kc; i++) {
        int64_t p = period_of(pf, t[i]);
        if (p != cur) {
            if (cur != p0)
                rep += cursum;
            cur = p;
            cursum = 0;
            nper++;
        }
        if (a[i] > INT64_MAX - total)
            return fail_overflow(c, cust);
        cursum += a[i];
        total += a[i];
    }
    if (cur != p0)
        rep += cursum;
    size_t r = c->rows++;
    c->who[r] = cust;
    double f = (double)(nper - 1);
    c->freq[r] = f;
    c->rec[r] = (double)(cur - p0);
    c->T[r] = (double)((c->holdout ? c->p_cal : c->p_obs) - p0);
    c->mon[r] = nper > 1 ? (double)rep / f : 0.0;
    c->first[r] = t[0];
    c->last[r] = t[kc - 1];
    c->orders[r] = (int64_t)kc;
    c->spend[r] = total;
    if (c->holdout) {
        int64_t nh = 0, hsum = 0, hp = INT64_MIN;
        size_t cnt = 0;
        for (size_t i = kc; i < k && t[i] <= c->obs_end; i++) {
            int64_t p = period_of(pf, t[i]);
            if (cnt == 0 || p != hp) {
                nh++;
                hp = p;
            }
            if (a[i] > INT64_MAX - hsum)
                return fail_overflow(c, cust);
            hsum += a[i];
            cnt++;
        }
        c->fh[r] = (double)nh;
        c->mh[r] = cnt ? (double)hsum / (double)cnt : 0.0;
        c->dh[r] = (double)(period_of(pf, c->obs_end) - c->p_cal);
    }
    return PATRON_OK;
}

static int is_sorted(const int64_t *t, size_t k)
{
    for (size_t i = 1; i < k; i++)
        if (t[i] < t[i - 1])
            return 0;
    return 1;
}

/* A segment that lives in the log: sort a copy if needed. */
static int reduce_const(ctx *c, uint32_t cust, const int64_t *t, const int64_t *a, size_t k)
{
    if (is_sorted(t, k))
        return reduce(c, cust, t, a, k);
    if (k > c->tmp_cap) {
        int64_t *nt = patron__reallocarray(c->tmp_t, k, sizeof *nt);
        if (!nt)
            return patron__oom();
        c->tmp_t = nt;
        int64_t *na = patron__reallocarray(c->tmp_a, k, sizeof *na);
        if (!na)
            return patron__oom();
        c->tmp_a = na;
        c->tmp_cap = k;
    }
    memcpy(c->tmp_t, t, k * sizeof *t);
    memcpy(c->tmp_a, a, k * sizeof *a);
    pt_sort_pairs(c->tmp_t, c->tmp_a, k);
    return reduce(c, cust, c->tmp_t, c->tmp_a, k);
}

/* Streaming path: one pass over the log in its own order, with a 64-byte
 * running state per customer (plus 24 bytes for a holdout split), valid as
 * long as each customer's rows come in time order (true of logs exported or
 * simulated in time order, and of logs grouped by customer). Returns
 * PT_FALLBACK as soon as a customer's rows go back in time; the caller then
 * regroups and sorts. */
#define PT_FALLBACK 1
#ifndef PT_REGROUP_BLOCKS
#define PT_REGROUP_BLOCKS 4
#endif
#define HOLD_FLAG 0x80000000u /* in cstate.orders: a holdout row was seen */

typedef struct {
    int64_t p0, curp, cursum, rep, total, first, last;
    uint32_t nper, orders;
} cstate;

typedef struct {
    int64_t hp, hsum;
    uint32_t nh, hcnt;
} hstate;

static int stream(ctx *c, const uint32_t *byrank)
{
    const patron_txlog *log = c->log;
    const size_t n = log->n, nc = log->cust.n, m = nc ? nc : 1;
    if (n >= HOLD_FLAG || nc > SIZE_MAX / sizeof(cstate))
        return PT_FALLBACK;
    void *S_raw, *H_raw = NULL;
    cstate *S = pt_big_alloc(m * sizeof(cstate), &S_raw);
    if (!S)
        return patron__oom();
    memset(S, 0, m * sizeof *S);
    hstate *H = NULL;
    if (c->holdout) {
        H = pt_big_alloc(m * sizeof(hstate), &H_raw);
        if (!H) {
            patron__free(S_raw);
            return patron__oom();
        }
        memset(H, 0, m * sizeof *H);
    }
    const uint32_t *tc = log->tx_cust;
    const int64_t *tt = log->tx_time, *ta = log->tx_amount;
    const period_fn *pf = &c->pf;
    const int64_t cal_end = c->holdout ? c->cal_end : INT64_MAX;
    const int64_t p_end = c->holdout ? c->p_cal : c->p_obs;
    enum { AHEAD = 16 };
    int rc = PATRON_OK;
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD < n) {
            PT_PREFETCH_W(&S[tc[i + AHEAD]]);
            if (H)
                PT_PREFETCH_W(&H[tc[i + AHEAD]]);
        }
        int64_t t = tt[i], a = ta[i], p = period_of(pf, t);
        cstate *st = &S[tc[i]];
        if (c->holdout ? t > c->obs_end : p > c->p_obs) {
            if (c->reject) {
                rc = fail_after_end(c, tc[i], t, c->obs_end);
                break;
            }
            continue;
        }
        if (t > cal_end) { /* a holdout row */
            hstate *h = &H[tc[i]];
            if (h->hcnt && p < h->hp) {
                rc = PT_FALLBACK;
                break;
            }
            if (h->hcnt == 0 || p != h->hp) {
                h->nh++;
                h->hp = p;
            }
            if (a > INT64_MAX - h->hsum) {
                rc = fail_overflow(c, tc[i]);
                break;
            }
            h->hsum += a;
            h->hcnt++;
            st->orders |= HOLD_FLAG;
            continue;
        }
        if (st->orders & HOLD_FLAG) { /* a calibration row after a holdout row */
            rc = PT_FALLBACK;
            break;
        }
        if (st->orders == 0) {
            st->p0 = st->curp = p;
            st->cursum = st->total = a;
            st->first = st->last = t;
            st->nper = st->orders = 1;
            continue;
        }
        if (t < st->last) {
            rc = PT_FALLBACK;
            break;
        }
        if (p != st->curp) {
            if (st->curp != st->p0)
                st->rep += st->cursum;
            st->curp = p;
            st->cursum = 0;
            st->nper++;
        }
        if (a > INT64_MAX - st->total) {
            rc = fail_overflow(c, tc[i]);
            break;
        }
        st->cursum += a;
        st->total += a;
        st->last = t;
        st->orders++;
    }
    const double dh = c->holdout ? (double)(period_of(pf, c->obs_end) - c->p_cal) : 0;
    for (size_t k = 0; k < nc && rc == PATRON_OK; k++) {
        uint32_t cust = byrank[k];
        const cstate *st = &S[cust];
        uint32_t orders = st->orders & ~HOLD_FLAG;
        if (orders == 0)
            continue;
        int64_t rep = st->rep + (st->curp != st->p0 ? st->cursum : 0);
        size_t r = c->rows++;
        double f = (double)(st->nper - 1);
        c->who[r] = cust;
        c->freq[r] = f;
        c->rec[r] = (double)(st->curp - st->p0);
        c->T[r] = (double)(p_end - st->p0);
        c->mon[r] = st->nper > 1 ? (double)rep / f : 0.0;
        c->first[r] = st->first;
        c->last[r] = st->last;
        c->orders[r] = orders;
        c->spend[r] = st->total;
        if (H) {
            const hstate *h = &H[cust];
            c->fh[r] = h->nh;
            c->mh[r] = h->hcnt ? (double)h->hsum / (double)h->hcnt : 0.0;
            c->dh[r] = dh;
        }
    }
    patron__free(S_raw);
    patron__free(H_raw);
    return rc;
}

static int check_options(patron_summary_options *o, const patron_txlog *log)
{
    if (o->period < PATRON_PERIOD_DAY || o->period > PATRON_PERIOD_SECONDS)
        return patron__fail(PATRON_EINVAL, "unknown period %d", (int)o->period);
    if (o->period == PATRON_PERIOD_SECONDS && o->period_seconds <= 0)
        return patron__fail(PATRON_EINVAL, "period_seconds must be positive (got %" PRId64 ")",
                            o->period_seconds);
    if (o->after_end != PATRON_AFTER_END_IGNORE && o->after_end != PATRON_AFTER_END_REJECT)
        return patron__fail(PATRON_EINVAL, "unknown after_end %d", (int)o->after_end);
    if (o->order != PATRON_ORDER_ID && o->order != PATRON_ORDER_FIRST_SEEN)
        return patron__fail(PATRON_EINVAL, "unknown row order %d", (int)o->order);
    const int64_t ends[2] = {o->observation_end, o->calibration_end};
    for (int i = 0; i < 2; i++)
        if (ends[i] != PATRON_TIME_NONE && (ends[i] < PATRON_TIME_MIN || ends[i] > PATRON_TIME_MAX))
            return patron__fail(PATRON_ERANGE, "%s %" PRId64 " is outside the supported time range",
                                i ? "calibration_end" : "observation_end", ends[i]);
    if (o->observation_end == PATRON_TIME_NONE) {
        int64_t mx = PATRON_TIME_MIN;
        for (size_t i = 0; i < log->n; i++)
            if (log->tx_time[i] > mx)
                mx = log->tx_time[i];
        o->observation_end = mx;
    }
    if (o->calibration_end != PATRON_TIME_NONE && o->calibration_end >= o->observation_end) {
        char cb[32], ob[32];
        patron_time_format(cb, sizeof cb, o->calibration_end);
        patron_time_format(ob, sizeof ob, o->observation_end);
        return patron__fail(PATRON_EINVAL,
                            "calibration_end %s must be before observation_end %s", cb, ob);
    }
    return PATRON_OK;
}

/* Allocate the output columns for up to `cap` rows. */
static int alloc_outputs(ctx *c, size_t cap)
{
    size_t m = cap ? cap : 1;
    double **d[] = {&c->freq, &c->rec, &c->T, &c->mon, &c->fh, &c->mh, &c->dh};
    int64_t **q[] = {&c->first, &c->last, &c->orders, &c->spend};
    for (size_t i = 0; i < sizeof d / sizeof *d; i++) {
        if (i >= 4 && !c->holdout)
            break;
        if (!(*d[i] = patron__reallocarray(NULL, m, sizeof(double))))
            return patron__oom();
    }
    for (size_t i = 0; i < sizeof q / sizeof *q; i++)
        if (!(*q[i] = patron__reallocarray(NULL, m, sizeof(int64_t))))
            return patron__oom();
    if (!(c->who = patron__reallocarray(NULL, m, sizeof *c->who)))
        return patron__oom();
    return PATRON_OK;
}

static void free_outputs(ctx *c)
{
    void *p[] = {c->freq, c->rec, c->T, c->mon, c->fh, c->mh, c->dh,
                 c->first, c->last, c->orders, c->spend};
    for (size_t i = 0; i < sizeof p / sizeof *p; i++)
        patron__free(p[i]);
}

/* Build the frame from the filled outputs; takes ownership of the columns. */
static int build_frame(patron_frame **out, ctx *c)
{
    patron_frame *f = NULL;
    int rc = pt_frame_alloc(&f, c->rows);
    if (rc)
        return rc;
    const pt_idmap *m = &c->log->cust;
    size_t rows = c->rows ? c->rows : 1;
    f->decimals = c->log->decimals;
    if (m->kind == PT_ID_STR) {
        size_t total = 0;
        for (size_t r = 0; r < c->rows; r++)
            total += pt_idmap_keylen(m, c->who[r]) + 1;
        char **ptrs = patron__reallocarray(NULL, rows, sizeof *ptrs);
        char *arena = patron__malloc(total ? total : 1);
        if (!ptrs || !arena) {
            patron__free(ptrs);
            patron__free(arena);
            patron_frame_free(f);
            return patron__oom();
        }
        size_t pos = 0;
        for (size_t r = 0; r < c->rows; r++) {
            size_t len = pt_idmap_keylen(m, c->who[r]) + 1;
            memcpy(arena + pos, pt_idmap_key(m, c->who[r]), len);
            ptrs[r] = arena + pos;
            pos += len;
        }
        rc = pt_frame_adopt(f, "customer_id", PATRON_COL_STRING, ptrs, arena);
        if (rc) {
            patron__free(ptrs);
            patron__free(arena);
        }
    } else {
        int64_t *ids = patron__reallocarray(NULL, rows, sizeof *ids);
        if (!ids) {
            patron_frame_free(f);
            return patron__oom();
        }
        for (size_t r = 0; r < c->rows; r++)
            ids[r] = m->ints[c->who[r]];
        rc = pt_frame_adopt(f, "customer_id", PATRON_COL_INT64, ids, NULL);
        if (rc)
            patron__free(ids);
    }
    if (rc) {
        patron_frame_free(f);
        return rc;
    }
    struct {
        const char *name;
        int type;
        void **data;
    } cols[] = {
        {"frequency", PATRON_COL_DOUBLE, (void **)&c->freq},
        {"recency", PATRON_COL_DOUBLE, (void **)&c->rec},
        {"T", PATRON_COL_DOUBLE, (void **)&c->T},
        {"monetary_value", PATRON_COL_DOUBLE, (void **)&c->mon},
        {"frequency_holdout", PATRON_COL_DOUBLE, (void **)&c->fh},
        {"monetary_value_holdout", PATRON_COL_DOUBLE, (void **)&c->mh},
        {"duration_holdout", PATRON_COL_DOUBLE, (void **)&c->dh},
        {"first_purchase", PATRON_COL_INT64, (void **)&c->first},
        {"last_purchase", PATRON_COL_INT64, (void **)&c->last},
        {"orders", PATRON_COL_INT64, (void **)&c->orders},
        {"total_spend", PATRON_COL_INT64, (void **)&c->spend},
    };
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) {
        if (!*cols[i].data)
            continue;
        rc = pt_frame_adopt(f, cols[i].name, cols[i].type, *cols[i].data, NULL);
        if (rc) {
            patron_frame_free(f);
            return rc;
        }
        *cols[i].data = NULL; /* owned by the frame now */
        f->cols[f->ncols - 1].money = !strcmp(cols[i].name, "monetary_value") ||
                                      !strcmp(cols[i].name, "monetary_value_holdout") ||
                                      !strcmp(cols[i].name, "total_spend");
    }
    *out = f;
    return PATRON_OK;
}

int patron_summarize(patron_frame **out, const patron_txlog *log,
                     const patron_summary_options *opts)
{
    if (!out || !log)
        return patron__fail(PATRON_EINVAL, "patron_summarize: out or log is NULL");
    patron_summary_options o = PATRON_SUMMARY_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_summary_options");
    if (rc || (rc = check_options(&o, log)) != 0)
        return rc;

    ctx c;
    memset(&c, 0, sizeof c);
    c.log = log;
    c.pf.kind = o.period;
    c.pf.len = o.period_seconds;
    c.holdout = o.calibration_end != PATRON_TIME_NONE;
    c.reject = o.after_end == PATRON_AFTER_END_REJECT;
    c.obs_end = o.observation_end;
    c.cal_end = o.calibration_end;
    c.p_obs = period_of(&c.pf, o.observation_end);
    c.p_cal = c.holdout ? period_of(&c.pf, o.calibration_end) : 0;

    const size_t n = log->n, nc = log->cust.n;
    uint32_t *rank = NULL;
    size_t *off = NULL, *cur = NULL;
    int64_t *st = NULL, *sa = NULL;
    uint32_t *rr = NULL;
    if ((rc = alloc_outputs(&c, nc)) != 0)
        goto done;
    rank = patron__reallocarray(NULL, nc ? nc : 1, sizeof *rank);
    off = patron__calloc(nc + 1, sizeof *off);
    if (!rank || !off) {
        rc = patron__oom();
        goto done;
    }
    if (o.order == PATRON_ORDER_ID) {
        if ((rc = pt_rank_ids(&log->cust, rank)) != 0)
            goto done;
    } else {
        for (size_t i = 0; i < nc; i++)
            rank[i] = (uint32_t)i;
    }

    /* rank -> dense index, to name customers. */
    uint32_t *byrank = patron__reallocarray(NULL, nc ? nc : 1, sizeof *byrank);
    if (!byrank) {
        rc = patron__oom();
        goto done;
    }
    for (size_t i = 0; i < nc; i++)
        byrank[rank[i]] = (uint32_t)i;
    {
        rc = stream(&c, byrank);
        if (rc != PT_FALLBACK) {
            patron__free(byrank);
            if (!rc)
                rc = build_frame(out, &c);
            goto done;
        }
        rc = PATRON_OK;
    }

    /* Count rows per rank; note whether the log is grouped in rank order. */
    const uint32_t *tc = log->tx_cust;
    int grouped = 1;
    uint32_t prev = 0;
    enum { AHEAD = 16 };
    for (size_t i = 0; i < n; i++) {
        if (i + 2 * AHEAD < n)
            PT_PREFETCH(&rank[tc[i + 2 * AHEAD]]);
        if (i + AHEAD < n)
            PT_PREFETCH_W(&off[rank[tc[i + AHEAD]] + 1]);
        uint32_t r = rank[tc[i]];
        off[r + 1]++;
        grouped &= r >= prev;
        prev = r;
    }
    size_t maxcnt = 0;
    for (size_t r = 0; r < nc; r++) {
        if (off[r + 1] > maxcnt)
            maxcnt = off[r + 1];
        off[r + 1] += off[r];
    }
    if (grouped) {
        for (size_t r = 0; r < nc && !rc; r++)
            rc = reduce_const(&c, byrank[r], log->tx_time + off[r], log->tx_amount + off[r],
                              off[r + 1] - off[r]);
    } else {
        /* Regroup in blocks of ranks whose rows fill at most `cap` scratch
         * entries (16 bytes each: about a cache-sized share of the log), so
         * that the scattered writes of a block stay in the last-level cache.
         * Each block pass re-reads the rows' ranks, stored once (4 bytes per
         * row). */
        size_t cap = n / PT_REGROUP_BLOCKS + 1;
        if (cap < 1024)
            cap = 1024; /* small logs still go through several blocks (tested) */
        if (cap < maxcnt)
            cap = maxcnt;
        if (cap > n)
            cap = n ? n : 1;
        st = patron__reallocarray(NULL, cap, sizeof *st);
        sa = patron__reallocarray(NULL, cap, sizeof *sa);
        cur = patron__reallocarray(NULL, nc ? nc : 1, sizeof *cur);
        rr = patron__reallocarray(NULL, n ? n : 1, sizeof *rr);
        if (!st || !sa || !cur || !rr) {
            patron__free(byrank);
            rc = patron__oom();
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            if (i + AHEAD < n)
                PT_PREFETCH(&rank[tc[i + AHEAD]]);
            rr[i] = rank[tc[i]];
        }
        const int64_t *tt = log->tx_time, *ta = log->tx_amount;
        size_t r0 = 0;
        while (r0 < nc && !rc) {
            size_t r1 = r0 + 1;
            while (r1 < nc && off[r1 + 1] - off[r0] <= cap)
                r1++;
            for (size_t r = r0; r < r1; r++)
                cur[r] = off[r] - off[r0];
            const uint32_t lo = (uint32_t)r0, span = (uint32_t)(r1 - r0);
            for (size_t i = 0; i < n; i++) {
                if (i + 2 * AHEAD < n && rr[i + 2 * AHEAD] - lo < span)
                    PT_PREFETCH_W(&cur[rr[i + 2 * AHEAD]]);
                if (i + AHEAD < n && rr[i + AHEAD] - lo < span) {
                    size_t q = cur[rr[i + AHEAD]];
                    PT_PREFETCH_W(&st[q]);
                    PT_PREFETCH_W(&sa[q]);
                }
                uint32_t r = rr[i];
                if (r - lo < span) {
                    size_t p = cur[r]++;
                    st[p] = tt[i];
                    sa[p] = ta[i];
                }
            }
            for (size_t r = r0; r < r1 && !rc; r++) {
                size_t b = off[r] - off[r0], k = off[r + 1] - off[r];
                if (!is_sorted(st + b, k))
                    pt_sort_pairs(st + b, sa + b, k);
                rc = reduce(&c, byrank[r], st + b, sa + b, k);
            }
            r0 = r1;
        }
    }
    patron__free(byrank);
    if (!rc)
        rc = build_frame(out, &c);
done:
    free_outputs(&c);
    patron__free(c.who);
    patron__free(c.tmp_t);
    patron__free(c.tmp_a);
    patron__free(rank);
    patron__free(off);
    patron__free(cur);
    patron__free(st);
    patron__free(sa);
    patron__free(rr);
    return rc;
}
