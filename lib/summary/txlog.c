/* The transaction log: parallel arrays of rows plus the customer id map.
 * Adds are all-or-nothing: batches validate first, then append, and roll
 * back on allocation failure. */
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"
#include "summary_int.h"

int patron_txlog_new(patron_txlog **out, const patron_txlog_options *opts)
{
    if (!out)
        return patron__fail(PATRON_EINVAL, "patron_txlog_new: out is NULL");
    patron_txlog_options o = PATRON_TXLOG_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_txlog_options");
    if (rc)
        return rc;
    if (o.decimals < 0 || o.decimals > PATRON_DECIMALS_MAX)
        return patron__fail(PATRON_EINVAL, "decimals %d is outside 0..%d", (int)o.decimals,
                            PATRON_DECIMALS_MAX);
    patron_txlog *log = patron__calloc(1, sizeof *log);
    if (!log)
        return patron__oom();
    log->decimals = o.decimals;
    *out = log;
    return PATRON_OK;
}

void patron_txlog_free(patron_txlog *log)
{
    if (!log)
        return;
    pt_idmap_free(&log->cust);
    pt_idmap_free(&log->cats);
    patron__free(log->tx_cust);
    patron__free(log->tx_time);
    patron__free(log->tx_amount);
    patron__free(log->tx_cat);
    patron__free(log->tx_order);
    patron__free(log->orders);
    patron__free(log);
}

size_t patron_txlog_count(const patron_txlog *log)
{
    return log ? log->n : 0;
}

size_t patron_txlog_customers(const patron_txlog *log)
{
    return log ? log->cust.n : 0;
}

int patron_txlog_decimals(const patron_txlog *log)
{
    return log ? log->decimals : 0;
}

size_t patron_txlog_memory(const patron_txlog *log)
{
    if (!log)
        return 0;
    size_t per = sizeof(uint32_t) + 2 * sizeof(int64_t);
    if (log->tx_cat)
        per += sizeof(uint32_t);
    if (log->tx_order)
        per += sizeof(uint64_t);
    return sizeof *log + log->cap * per + pt_idmap_memory(&log->cust) +
           pt_idmap_memory(&log->cats) + log->ocap;
}

int pt_txlog_reserve(patron_txlog *log, size_t extra)
{
    if (extra > SIZE_MAX / 2 - log->n)
        return patron__fail(PATRON_ERANGE, "too many transactions");
    size_t need = log->n + extra;
    if (need <= log->cap)
        return PATRON_OK;
    size_t nc = log->cap ? log->cap + log->cap / 2 : 1024;
    if (nc < need)
        nc = need; /* a big batch gets exactly its size */
    /* Each realloc keeps the data; a failure leaves a larger-but-valid array. */
    uint32_t *c = patron__reallocarray(log->tx_cust, nc, sizeof *c);
    if (!c)
        return patron__oom();
    log->tx_cust = c;
    int64_t *t = patron__reallocarray(log->tx_time, nc, sizeof *t);
    if (!t)
        return patron__oom();
    log->tx_time = t;
    int64_t *a = patron__reallocarray(log->tx_amount, nc, sizeof *a);
    if (!a)
        return patron__oom();
    log->tx_amount = a;
    if (log->tx_cat) {
        uint32_t *k = patron__reallocarray(log->tx_cat, nc, sizeof *k);
        if (!k)
            return patron__oom();
        log->tx_cat = k;
    }
    if (log->tx_order) {
        uint64_t *k = patron__reallocarray(log->tx_order, nc, sizeof *k);
        if (!k)
            return patron__oom();
        log->tx_order = k;
    }
    log->cap = nc;
    return PATRON_OK;
}

int pt_check_row(int64_t time, int64_t amount, const char *where)
{
    if (time < PATRON_TIME_MIN || time > PATRON_TIME_MAX)
        return patron__fail(PATRON_ERANGE,
                            "%stime %lld is outside the supported range (years 0000..9999)",
                            where, (long long)time);
    if (amount < 0)
        return patron__fail(PATRON_EINVAL, "%samount %lld is negative", where, (long long)amount);
    if (amount > PATRON_AMOUNT_MAX)
        return patron__fail(PATRON_ERANGE, "%samount %lld exceeds the maximum %lld", where,
                            (long long)amount, (long long)PATRON_AMOUNT_MAX);
    return PATRON_OK;
}

/* Category and order id of the row at log->n (space reserved). */
static int push_extras(patron_txlog *log, const char *cat, size_t catlen, const char *ord,
                       size_t ordlen)
{
    uint32_t catv = 0;
    uint64_t ordv = 0;
    if (catlen > PATRON_ID_MAX)
        return patron__fail(PATRON_ERANGE, "category is %zu bytes (maximum %d)", catlen,
                            PATRON_ID_MAX);
    if (ordlen > PATRON_ID_MAX)
        return patron__fail(PATRON_ERANGE, "order id is %zu bytes (maximum %d)", ordlen,
                            PATRON_ID_MAX);
    if (catlen) {
        if (!log->tx_cat) {
            log->tx_cat = patron__calloc(log->cap, sizeof *log->tx_cat);
            if (!log->tx_cat)
                return patron__oom();
        }
        uint32_t k;
        int rc = pt_idmap_str(&log->cats, cat, catlen, &k);
        if (rc)
            return rc;
        catv = k + 1;
    }
    if (ordlen) {
        if (!log->tx_order) {
            log->tx_order = patron__calloc(log->cap, sizeof *log->tx_order);
            if (!log->tx_order)
                return patron__oom();
        }
        if (log->olen + ordlen + 1 > log->ocap) {
            size_t nc = log->ocap ? log->ocap * 2 : 4096;
            while (nc < log->olen + ordlen + 1)
                nc *= 2;
            char *p = patron__realloc(log->orders, nc);
            if (!p)
                return patron__oom();
            log->orders = p;
            log->ocap = nc;
        }
        memcpy(log->orders + log->olen, ord, ordlen);
        log->orders[log->olen + ordlen] = '\0';
        ordv = log->olen + 1;
        log->olen += ordlen + 1;
    }
    if (log->tx_cat)
        log->tx_cat[log->n] = catv;
    if (log->tx_order)
        log->tx_order[log->n] = ordv;
    return PATRON_OK;
}

int pt_txlog_push_str(patron_txlog *log, const char *id, size_t idlen, int64_t time,
                      int64_t amount, const char *cat, size_t catlen, const char *ord,
                      size_t ordlen)
{
    return pt_txlog_push_str_h(log, id, idlen, pt_hash_str(id, idlen), time, amount, cat, catlen,
                               ord, ordlen);
}

int pt_txlog_push_str_h(patron_txlog *log, const char *id, size_t idlen, uint64_t h, int64_t time,
                        int64_t amount, const char *cat, size_t catlen, const char *ord,
                        size_t ordlen)
{
    if (idlen == 0)
        return patron__fail(PATRON_EINVAL, "customer id is empty");
    if (idlen > PATRON_ID_MAX)
        return patron__fail(PATRON_ERANGE, "customer id '%.40s...' is %zu bytes (maximum %d)",
                            id, idlen, PATRON_ID_MAX);
    if (memchr(id, '\0', idlen))
        return patron__fail(PATRON_EINVAL, "customer id contains a NUL byte");
    uint32_t k;
    int rc = pt_idmap_str_h(&log->cust, id, idlen, h, &k);
    if (rc)
        return rc;
    if ((catlen || ordlen || log->tx_cat || log->tx_order) &&
        (rc = push_extras(log, cat, catlen, ord, ordlen)) != 0)
        return rc;
    log->tx_cust[log->n] = k;
    log->tx_time[log->n] = time;
    log->tx_amount[log->n] = amount;
    log->n++;
    return PATRON_OK;
}

int pt_txlog_push_int(patron_txlog *log, int64_t id, int64_t time, int64_t amount,
                      const char *cat, size_t catlen, const char *ord, size_t ordlen)
{
    uint32_t k;
    int rc = pt_idmap_int(&log->cust, id, &k);
    if (rc)
        return rc;
    if ((catlen || ordlen || log->tx_cat || log->tx_order) &&
        (rc = push_extras(log, cat, catlen, ord, ordlen)) != 0)
        return rc;
    log->tx_cust[log->n] = k;
    log->tx_time[log->n] = time;
    log->tx_amount[log->n] = amount;
    log->n++;
    return PATRON_OK;
}

void pt_txlog_truncate(patron_txlog *log, size_t n, size_t ncust, size_t ncat, size_t olen)
{
    log->n = n;
    pt_idmap_truncate(&log->cust, ncust);
    pt_idmap_truncate(&log->cats, ncat);
    log->olen = olen;
}

int patron_txlog_add(patron_txlog *log, const char *customer_id, int64_t time, int64_t amount,
                     const char *category, const char *order_id)
{
    if (!log || !customer_id)
        return patron__fail(PATRON_EINVAL, "patron_txlog_add: log or customer_id is NULL");
    int rc = pt_check_row(time, amount, "");
    if (rc)
        return rc;
    size_t n = log->n, nc = log->cust.n, nk = log->cats.n, ol = log->olen;
    if ((rc = pt_txlog_reserve(log, 1)) != 0)
        return rc;
    rc = pt_txlog_push_str(log, customer_id, strlen(customer_id), time, amount, category,
                           category ? strlen(category) : 0, order_id,
                           order_id ? strlen(order_id) : 0);
    if (rc)
        pt_txlog_truncate(log, n, nc, nk, ol);
    return rc;
}

int patron_txlog_add_id(patron_txlog *log, int64_t customer_id, int64_t time, int64_t amount)
{
    if (!log)
        return patron__fail(PATRON_EINVAL, "patron_txlog_add_id: log is NULL");
    int rc = pt_check_row(time, amount, "");
    if (rc)
        return rc;
    if ((rc = pt_txlog_reserve(log, 1)) != 0)
        return rc;
    return pt_txlog_push_int(log, customer_id, time, amount, NULL, 0, NULL, 0);
}

int patron_txlog_add_batch(patron_txlog *log, const int64_t *customer, const int64_t *time,
                           const int64_t *amount, size_t n)
{
    if (!log)
        return patron__fail(PATRON_EINVAL, "patron_txlog_add_batch: log is NULL");
    if (n == 0)
        return PATRON_OK;
    if (!customer || !time || !amount)
        return patron__fail(PATRON_EINVAL, "patron_txlog_add_batch: NULL array");
    if (log->cust.kind == PT_ID_STR)
        return patron__fail(PATRON_EINVAL, "integer customer ids given but this log has string ids");
    char where[48];
    for (size_t i = 0; i < n; i++) {
        if (time[i] < PATRON_TIME_MIN || time[i] > PATRON_TIME_MAX || amount[i] < 0 ||
            amount[i] > PATRON_AMOUNT_MAX) {
            snprintf(where, sizeof where, "row %zu: ", i);
            return pt_check_row(time[i], amount[i], where);
        }
    }
    size_t n0 = log->n, nc = log->cust.n;
    int rc = pt_txlog_reserve(log, n);
    if (rc)
        return rc;
    /* Lookups run ahead with prefetches so that the cache misses of the
     * hash table overlap; consecutive rows of one customer hit the map's
     * last-key cache. */
    uint32_t *tc = log->tx_cust + n0;
    enum { AHEAD = 12 };
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD < n)
            pt_idmap_prefetch(&log->cust, pt_hash_int(customer[i + AHEAD]));
        if ((rc = pt_idmap_int(&log->cust, customer[i], &tc[i])) != 0) {
            pt_txlog_truncate(log, n0, nc, log->cats.n, log->olen);
            return rc;
        }
    }
    memcpy(log->tx_time + n0, time, n * sizeof *time);
    memcpy(log->tx_amount + n0, amount, n * sizeof *amount);
    if (log->tx_cat)
        memset(log->tx_cat + n0, 0, n * sizeof *log->tx_cat);
    if (log->tx_order)
        memset(log->tx_order + n0, 0, n * sizeof *log->tx_order);
    log->n = n0 + n;
    return PATRON_OK;
}

int patron_txlog_add_batch_str(patron_txlog *log, const char *const *customer,
                               const int64_t *time, const int64_t *amount, size_t n)
{
    if (!log)
        return patron__fail(PATRON_EINVAL, "patron_txlog_add_batch_str: log is NULL");
    if (n == 0)
        return PATRON_OK;
    if (!customer || !time || !amount)
        return patron__fail(PATRON_EINVAL, "patron_txlog_add_batch_str: NULL array");
    char where[48];
    for (size_t i = 0; i < n; i++) {
        snprintf(where, sizeof where, "row %zu: ", i);
        int rc = pt_check_row(time[i], amount[i], where);
        if (rc)
            return rc;
        if (!customer[i] || !customer[i][0])
            return patron__fail(PATRON_EINVAL, "row %zu: customer id is %s", i,
                                customer[i] ? "empty" : "NULL");
    }
    size_t n0 = log->n, nc = log->cust.n, nk = log->cats.n, ol = log->olen;
    int rc = pt_txlog_reserve(log, n);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        rc = pt_txlog_push_str(log, customer[i], strlen(customer[i]), time[i], amount[i], NULL,
                               0, NULL, 0);
        if (rc) {
            pt_txlog_truncate(log, n0, nc, nk, ol);
            return patron__fail_prefix(rc, "row %zu: ", i);
        }
    }
    return PATRON_OK;
}
