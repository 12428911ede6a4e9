/* Activity columns for segments: per-customer recency in days, rolling
 * window counts and spend, baskets, inter-purchase times and categories,
 * computed from the transaction log at an explicit `now` and appended to a
 * customer frame. (Segment module; lives beside the frame because it reads
 * the log's arrays. Declared in patron/segment.h.)
 *
 * Adding a column is one line in the `columns` table below. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"
#include "patron/segment.h"
#include "summary_int.h"

#define DAY 86400.0

/* What one customer did up to `now`. */
typedef struct acc {
    int64_t first, last;   /* first and last purchase time */
    int64_t prev;          /* the distinct purchase time before `last` */
    size_t n;              /* transactions */
    size_t ndistinct;      /* distinct purchase times */
    int64_t spend;         /* total, minor units */
    int64_t win_n[4];      /* transactions in the last 30, 60, 90, 365 days */
    int64_t win_spend[4];  /* their spend */
    size_t norders;        /* distinct orders (a transaction without order id is one) */
    int64_t win_orders[4]; /* orders with a transaction in the window */
    int64_t now;
} acc;

static double days_since_first(const acc *a) { return a->n ? (double)(a->now - a->first) / DAY : NAN; }
static double days_since_last(const acc *a) { return a->n ? (double)(a->now - a->last) / DAY : NAN; }
static double avg_basket(const acc *a) { return a->norders ? (double)a->spend / (double)a->norders : NAN; }
static double avg_gap(const acc *a)
{
    return a->ndistinct >= 2 ? (double)(a->last - a->first) / DAY / (double)(a->ndistinct - 1) : NAN;
}
static double last_gap(const acc *a) { return a->ndistinct >= 2 ? (double)(a->last - a->prev) / DAY : NAN; }
static double n30(const acc *a) { return (double)a->win_n[0]; }
static double n60(const acc *a) { return (double)a->win_n[1]; }
static double n90(const acc *a) { return (double)a->win_n[2]; }
static double n365(const acc *a) { return (double)a->win_n[3]; }
static double s30(const acc *a) { return (double)a->win_spend[0]; }
static double s90(const acc *a) { return (double)a->win_spend[2]; }
static double s365(const acc *a) { return (double)a->win_spend[3]; }
static double purchases(const acc *a) { return (double)a->n; }
static double norders(const acc *a) { return (double)a->norders; }
static double o30(const acc *a) { return (double)a->win_orders[0]; }
static double o60(const acc *a) { return (double)a->win_orders[1]; }
static double o90(const acc *a) { return (double)a->win_orders[2]; }
static double o365(const acc *a) { return (double)a->win_orders[3]; }
static double spend(const acc *a) { return (double)a->spend; }

/* The columns: name, int64 (1) or double (0), value. Money is in minor units. */
static const struct {
    const char *name;
    int is_int;
    double (*value)(const acc *);
} columns[] = {
    {"days_since_first", 0, days_since_first},
    {"days_since_last", 0, days_since_last},
    {"purchases", 1, purchases},
    {"purchases_30d", 1, n30},
    {"purchases_60d", 1, n60},
    {"purchases_90d", 1, n90},
    {"purchases_365d", 1, n365},
    {"distinct_orders", 1, norders},
    {"orders_30d", 1, o30},
    {"orders_60d", 1, o60},
    {"orders_90d", 1, o90},
    {"orders_365d", 1, o365},
    {"spend", 1, spend},
    {"spend_30d", 1, s30},
    {"spend_90d", 1, s90},
    {"spend_365d", 1, s365},
    {"avg_basket", 0, avg_basket},
    {"avg_interpurchase_days", 0, avg_gap},
    {"last_interpurchase_days", 0, last_gap},
};
#define NCOLS (sizeof columns / sizeof columns[0])

static const int64_t windows[4] = {30, 60, 90, 365};

/* A transaction's order: its order id (NULL when it has none) and time. */
typedef struct ordtx {
    const char *order;
    int64_t time;
} ordtx;

static int cmp_ordtx(const void *a, const void *b)
{
    const ordtx *x = a, *y = b;
    if (!x->order || !y->order) /* no id: each its own order; keep them apart */
        return (x->order != NULL) - (y->order != NULL);
    return strcmp(x->order, y->order);
}

/* ---- frame rows to log customers ---- */

static int parse_i64(const char *s, int64_t *out)
{
    int neg = *s == '-';
    if (neg || *s == '+')
        s++;
    if (!*s)
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (v > (uint64_t)INT64_MAX + (uint64_t)neg)
        return -1;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

/* cust_of_row[r] = the log's customer index of frame row r, or UINT32_MAX. */
static int map_rows(uint32_t *cust_of_row, const patron_frame *frame, const patron_txlog *log)
{
    size_t rows = patron_frame_rows(frame), nc = log->cust.n;
    for (size_t r = 0; r < rows; r++)
        cust_of_row[r] = UINT32_MAX;
    if (nc == 0 || rows == 0)
        return 0;
    uint32_t *order = patron__reallocarray(NULL, nc, sizeof(uint32_t));
    if (!order)
        return patron__oom();
    for (size_t i = 0; i < nc; i++)
        order[i] = (uint32_t)i;
    const pt_idmap *m = &log->cust;
    int is_int = m->kind == PT_ID_INT;
    const int64_t *fid = patron_frame_int64(frame, 0);
    const char *const *fsid = patron_frame_string(frame, 0);
    char buf[32];
    /* order the log's customers by key (bottom-up merge sort: no globals) */
    uint32_t *tmp = patron__reallocarray(NULL, nc, sizeof(uint32_t));
    if (!tmp) {
        patron__free(order);
        return patron__oom();
    }
    for (size_t width = 1; width < nc; width *= 2) {
        for (size_t lo = 0; lo < nc; lo += 2 * width) {
            size_t mid = lo + width < nc ? lo + width : nc, hi = lo + 2 * width < nc ? lo + 2 * width : nc;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                int le = is_int ? m->ints[order[i]] <= m->ints[order[j]]
                                : strcmp(pt_idmap_key(m, order[i]), pt_idmap_key(m, order[j])) <= 0;
                tmp[k++] = le ? order[i++] : order[j++];
            }
            while (i < mid)
                tmp[k++] = order[i++];
            while (j < hi)
                tmp[k++] = order[j++];
        }
        uint32_t *sw = order;
        order = tmp;
        tmp = sw;
    }
    patron__free(tmp);
    for (size_t r = 0; r < rows; r++) {
        int64_t ik = 0;
        const char *sk = NULL;
        if (is_int) {
            if (fid)
                ik = fid[r];
            else if (parse_i64(fsid[r], &ik))
                continue; /* not an integer: not in an integer-id log */
        } else {
            if (fsid) {
                sk = fsid[r];
            } else {
                snprintf(buf, sizeof buf, "%lld", (long long)fid[r]);
                sk = buf;
            }
        }
        size_t lo = 0, hi = nc;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = is_int ? (m->ints[order[mid]] < ik ? -1 : m->ints[order[mid]] > ik)
                           : strcmp(pt_idmap_key(m, order[mid]), sk);
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < nc && (is_int ? m->ints[order[lo]] == ik : !strcmp(pt_idmap_key(m, order[lo]), sk)))
            cust_of_row[r] = order[lo];
    }
    patron__free(order);
    return 0;
}

static int col_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > PATRON_COLNAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '.'))
            return 0;
    }
    return 1;
}

int patron_frame_add_activity(patron_frame *frame, const patron_txlog *log,
                              const patron_activity_options *opts)
{
    if (!frame || !log)
        return patron__fail(PATRON_EINVAL, "patron_frame_add_activity: %s is NULL", frame ? "log" : "frame");
    patron_activity_options o = PATRON_ACTIVITY_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_activity_options");
    if (rc)
        return rc;
    if (o.now == PATRON_TIME_NONE)
        return patron__fail(PATRON_EINVAL,
                            "patron_activity_options.now is not set: activity columns are relative to an explicit moment");
    if (o.now < PATRON_TIME_MIN || o.now > PATRON_TIME_MAX)
        return patron__fail(PATRON_ERANGE, "patron_activity_options.now %lld is out of range", (long long)o.now);
    size_t ncat = log->cats.n;
    int shares = ncat > 0 && ncat <= o.max_share_columns;
    /* names first: fail before adding anything */
    char (*share_names)[PATRON_COLNAME_MAX + 1] = NULL;
    if (shares) {
        share_names = patron__calloc(ncat, sizeof *share_names);
        if (!share_names)
            return patron__oom();
        for (size_t k = 0; k < ncat; k++) {
            snprintf(share_names[k], sizeof share_names[k], "share.%s", pt_idmap_key(&log->cats, k));
            if (!col_name_ok(share_names[k])) {
                rc = patron__fail(PATRON_EINVAL,
                                  "category '%.40s' cannot name a column 'share.<category>' (letters, digits, '_' and '.' only, at most %d bytes); set max_share_columns to 0 to skip shares",
                                  pt_idmap_key(&log->cats, k), PATRON_COLNAME_MAX);
                patron__free(share_names);
                return rc;
            }
        }
    }
    size_t c0;
    for (size_t k = 0; k < NCOLS + 1 + (shares ? ncat : 0); k++) {
        const char *nm = k < NCOLS ? columns[k].name : k == NCOLS ? "favourite_category" : share_names[k - NCOLS - 1];
        if (patron_frame_find(&c0, frame, nm, PATRON_COL_ANY) == 0) {
            patron__free(share_names);
            return patron__fail(PATRON_ECONFLICT, "the frame already has a column '%s'", nm);
        }
    }
    patron_errclear();

    size_t rows = patron_frame_rows(frame), nc = log->cust.n, n = log->n;
    uint32_t *cust_of_row = patron__reallocarray(NULL, rows ? rows : 1, sizeof(uint32_t));
    size_t *start = patron__calloc(nc + 1, sizeof(size_t));
    size_t *byc = patron__reallocarray(NULL, n ? n : 1, sizeof(size_t));
    double *vals = patron__reallocarray(NULL, (rows ? rows : 1) * NCOLS, sizeof(double));
    double *share = shares ? patron__calloc(rows * ncat + 1, sizeof(double)) : NULL;
    int64_t *catspend = ncat ? patron__calloc(ncat, sizeof(int64_t)) : NULL;
    const char **fav = patron__calloc(rows ? rows : 1, sizeof(char *));
    int64_t *tsort = patron__reallocarray(NULL, n ? n : 1, sizeof(int64_t));
    ordtx *ot = patron__reallocarray(NULL, n ? n : 1, sizeof(ordtx));
    if (!cust_of_row || !start || !byc || !vals || (shares && !share) || (ncat && !catspend) || !fav ||
        !tsort || !ot) {
        rc = patron__oom();
        goto out;
    }
    if ((rc = map_rows(cust_of_row, frame, log)))
        goto out;
    /* group transactions by customer (counting sort, log order kept) */
    for (size_t i = 0; i < n; i++)
        start[log->tx_cust[i] + 1]++;
    for (size_t c = 0; c < nc; c++)
        start[c + 1] += start[c];
    {
        size_t *fill = patron__reallocarray(NULL, nc ? nc : 1, sizeof(size_t));
        if (!fill) {
            rc = patron__oom();
            goto out;
        }
        memcpy(fill, start, nc * sizeof(size_t));
        for (size_t i = 0; i < n; i++)
            byc[fill[log->tx_cust[i]]++] = i;
        patron__free(fill);
    }
    for (size_t r = 0; r < rows; r++) {
        acc a;
        memset(&a, 0, sizeof a);
        a.now = o.now;
        fav[r] = "";
        uint32_t c = cust_of_row[r];
        if (c != UINT32_MAX) {
            size_t k = 0;
            for (size_t q = start[c]; q < start[c + 1]; q++) {
                size_t i = byc[q];
                int64_t t = log->tx_time[i];
                if (t > o.now)
                    continue;
                int64_t amt = log->tx_amount[i];
                a.n++;
                a.spend += amt;
                for (int w = 0; w < 4; w++)
                    if (t > o.now - windows[w] * 86400) {
                        a.win_n[w]++;
                        a.win_spend[w] += amt;
                    }
                ot[k].order = log->tx_order && log->tx_order[i] ? log->orders + log->tx_order[i] - 1 : NULL;
                ot[k].time = t;
                tsort[k++] = t;
                if (log->tx_cat && log->tx_cat[i])
                    catspend[log->tx_cat[i] - 1] += amt;
            }
            if (k) {
                /* distinct orders: group equal order ids; an order counts in a
                 * window when its latest transaction does */
                qsort(ot, k, sizeof *ot, cmp_ordtx);
                for (size_t i = 0; i < k;) {
                    size_t j = i + 1;
                    int64_t tmax = ot[i].time;
                    if (ot[i].order)
                        while (j < k && ot[j].order && !strcmp(ot[j].order, ot[i].order)) {
                            if (ot[j].time > tmax)
                                tmax = ot[j].time;
                            j++;
                        }
                    a.norders++;
                    for (int w = 0; w < 4; w++)
                        a.win_orders[w] += tmax > o.now - windows[w] * 86400;
                    i = j;
                }
                /* distinct purchase times, in order (logs are mostly sorted) */
                for (size_t i = 1; i < k; i++) {
                    int64_t v = tsort[i];
                    size_t j = i;
                    while (j > 0 && tsort[j - 1] > v) {
                        tsort[j] = tsort[j - 1];
                        j--;
                    }
                    tsort[j] = v;
                }
                a.first = tsort[0];
                a.last = tsort[k - 1];
                a.ndistinct = 1;
                for (size_t i = 1; i < k; i++)
                    if (tsort[i] != tsort[i - 1]) {
                        a.ndistinct++;
                        a.prev = tsort[i - 1];
                    }
            }
            /* favourite category: most spend; ties to the smaller name; reset as we go */
            if (log->tx_cat) {
                int64_t best = -1;
                for (size_t q = start[c]; q < start[c + 1]; q++) {
                    uint32_t kc = log->tx_cat[byc[q]];
                    if (!kc || log->tx_time[byc[q]] > o.now)
                        continue;
                    int64_t s = catspend[kc - 1];
                    const char *nm = pt_idmap_key(&log->cats, kc - 1);
                    if (s > best || (s == best && strcmp(nm, fav[r]) < 0)) {
                        best = s;
                        fav[r] = nm;
                    }
                    if (shares)
                        share[(kc - 1) * rows + r] = a.spend > 0 ? (double)s / (double)a.spend : NAN;
                }
                for (size_t q = start[c]; q < start[c + 1]; q++)
                    if (log->tx_cat[byc[q]])
                        catspend[log->tx_cat[byc[q]] - 1] = 0;
            }
        }
        if (shares && a.n == 0)
            for (size_t k2 = 0; k2 < ncat; k2++)
                share[k2 * rows + r] = NAN;
        for (size_t k2 = 0; k2 < NCOLS; k2++)
            vals[k2 * rows + r] = columns[k2].value(&a);
    }
    /* append: int64 columns need their own array */
    {
        int64_t *iv = patron__reallocarray(NULL, rows ? rows : 1, sizeof(int64_t));
        if (!iv) {
            rc = patron__oom();
            goto out;
        }
        for (size_t k2 = 0; k2 < NCOLS && !rc; k2++) {
            if (columns[k2].is_int) {
                for (size_t r = 0; r < rows; r++)
                    iv[r] = (int64_t)vals[k2 * rows + r];
                rc = patron_frame_add_int64(frame, columns[k2].name, iv);
            } else {
                rc = patron_frame_add_double(frame, columns[k2].name, vals + k2 * rows);
            }
        }
        patron__free(iv);
    }
    if (!rc)
        rc = patron_frame_add_string(frame, "favourite_category", fav);
    for (size_t k2 = 0; shares && k2 < ncat && !rc; k2++)
        rc = patron_frame_add_double(frame, share_names[k2], share + k2 * rows);
out:
    patron__free(share_names);
    patron__free(cust_of_row);
    patron__free(start);
    patron__free(byc);
    patron__free(vals);
    patron__free(share);
    patron__free(catspend);
    patron__free(fav);
    patron__free(tsort);
    patron__free(ot);
    return rc;
}
