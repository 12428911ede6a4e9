/* Weekly KPIs over a transaction log. Everything is integer arithmetic on
 * week numbers plus difference arrays, so the cost is linear in the log. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"
#include "patron/report.h"
#include "summary/summary_int.h"
#include "report/weeks.h"

#define DAYSEC INT64_C(86400)

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t patron__week_of(int64_t t)
{
    return floordiv(floordiv(t, DAYSEC) + 3, 7);
}

int64_t patron__week_start(int64_t w)
{
    return (w * 7 - 3) * DAYSEC;
}

double patron__rel_change(double now, double prev)
{
    if (!(prev != 0) || isnan(prev) || isnan(now))
        return NAN;
    return (now - prev) / prev;
}


static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct gap {
    size_t week;
    double days;
} gap;

int patron_report_weekly(patron_week_report **out, size_t *nweeks, const patron_txlog *log,
                         const patron_weekly_options *opts)
{
    if (!out || !nweeks || !log)
        return patron__fail(PATRON_EINVAL, "patron_report_weekly: %s is NULL",
                            !out ? "out" : !nweeks ? "nweeks" : "log");
    patron_weekly_options o = PATRON_WEEKLY_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_weekly_options");
    if (rc)
        return rc;
    if (o.active_days < 1 || o.active_days > 3650)
        return patron__fail(PATRON_EINVAL, "active_days %d is outside 1..3650", (int)o.active_days);
    for (int k = 0; k < 2; k++) {
        int64_t t = k ? o.end : o.start;
        if (t != PATRON_TIME_NONE && (t < PATRON_TIME_MIN || t > PATRON_TIME_MAX))
            return patron__fail(PATRON_ERANGE, "%s %lld is out of range", k ? "end" : "start", (long long)t);
    }
    /* compared as times, not weeks: a start after the end in the same week
     * is as wrong as one a week later */
    if (o.start != PATRON_TIME_NONE && o.end != PATRON_TIME_NONE && o.start > o.end)
        return patron__fail(PATRON_EINVAL, "start is after end (start %lld, end %lld)", (long long)o.start,
                            (long long)o.end);
    size_t n = log->n, nc = log->cust.n;
    if (n == 0) {
        *out = NULL;
        *nweeks = 0;
        return PATRON_OK;
    }
    int64_t tmin = log->tx_time[0], tmax = log->tx_time[0];
    for (size_t i = 1; i < n; i++) {
        if (log->tx_time[i] < tmin)
            tmin = log->tx_time[i];
        if (log->tx_time[i] > tmax)
            tmax = log->tx_time[i];
    }
    int64_t w0 = patron__week_of(o.start != PATRON_TIME_NONE ? o.start : tmin);
    int64_t w1 = patron__week_of(o.end != PATRON_TIME_NONE ? o.end : tmax);
    if (w0 > w1)
        return patron__fail(PATRON_EINVAL, "start is after end");
    if (w1 - w0 + 1 > PATRON_REPORT_MAX_WEEKS)
        return patron__fail(PATRON_ERANGE, "the report would span %lld weeks, more than %d",
                            (long long)(w1 - w0 + 1), PATRON_REPORT_MAX_WEEKS);
    size_t nw = (size_t)(w1 - w0 + 1);
    int64_t span = (int64_t)o.active_days * DAYSEC;

    patron_week_report *rep = patron__calloc(nw, sizeof *rep);
    int64_t *active = patron__calloc(nw + 1, sizeof(int64_t));
    int64_t *trail = patron__calloc(nw + 1, sizeof(int64_t));
    size_t *start = patron__calloc(nc + 1, sizeof(size_t));
    size_t *fill = patron__calloc(nc + 1, sizeof(size_t));
    int64_t *times = patron__reallocarray(NULL, n, sizeof(int64_t));
    gap *gaps = patron__reallocarray(NULL, n, sizeof(gap));
    size_t *gstart = patron__calloc(nw + 1, sizeof(size_t));
    double *gd = patron__reallocarray(NULL, n, sizeof(double));
    size_t ngaps = 0;
    rc = 0;
    if (!rep || !active || !trail || !start || !fill || !times || !gaps || !gstart || !gd) {
        rc = patron__oom();
        goto out;
    }
    /* customers' purchase times, grouped (counting sort keeps log order) */
    for (size_t i = 0; i < n; i++)
        start[log->tx_cust[i] + 1]++;
    for (size_t c = 0; c < nc; c++)
        start[c + 1] += start[c];
    memcpy(fill, start, nc * sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        times[fill[log->tx_cust[i]]++] = log->tx_time[i];
    for (size_t i = 0; i < n; i++) {
        int64_t w = patron__week_of(log->tx_time[i]);
        if (w >= w0 && w <= w1) {
            rep[w - w0].purchases++;
            rep[w - w0].spend += log->tx_amount[i];
        }
    }
    for (size_t c = 0; c < nc; c++) {
        int64_t *t = times + start[c];
        size_t k = start[c + 1] - start[c];
        if (k == 0)
            continue;
        /* most logs are time-ordered per customer: check before sorting */
        int sorted = 1;
        for (size_t i = 1; i < k && sorted; i++)
            sorted = t[i - 1] <= t[i];
        if (!sorted) {
            for (size_t i = 1; i < k; i++) {
                int64_t v = t[i];
                size_t j = i;
                while (j > 0 && t[j - 1] > v) {
                    t[j] = t[j - 1];
                    j--;
                }
                t[j] = v;
            }
        }
        int64_t wf = patron__week_of(t[0]);
        if (wf >= w0 && wf <= w1)
            rep[wf - w0].new_customers++;
        int64_t last_buy_week = INT64_MIN, cover_hi = INT64_MIN;
        for (size_t i = 0; i < k; i++) {
            int64_t w = patron__week_of(t[i]);
            /* weeks whose end lies in (t, t + span]: [week(t), week(t + span) - 1] */
            int64_t lo = w, hi = patron__week_of(t[i] + span) - 1;
            int64_t clo = lo < w0 ? w0 : lo, chi = hi > w1 ? w1 : hi;
            if (clo <= chi) {
                trail[clo - w0]++;
                trail[chi - w0 + 1]--;
            }
            /* the union of the active intervals (sorted times: merge forward) */
            int64_t alo = lo > cover_hi ? lo : cover_hi + 1;
            if (hi > cover_hi) {
                int64_t a0 = alo < w0 ? w0 : alo, a1 = hi > w1 ? w1 : hi;
                if (a0 <= a1) {
                    active[a0 - w0]++;
                    active[a1 - w0 + 1]--;
                }
                cover_hi = hi;
            }
            if (w >= w0 && w <= w1 && w != last_buy_week)
                rep[w - w0].buyers++;
            last_buy_week = w;
            if (i > 0 && t[i] != t[i - 1] && w >= w0 && w <= w1) {
                /* previous distinct time */
                size_t j = i - 1;
                gaps[ngaps].week = (size_t)(w - w0);
                gaps[ngaps].days = (double)(t[i] - t[j]) / (double)DAYSEC;
                ngaps++;
            }
        }
    }
    /* medians of the gaps per week */
    for (size_t g = 0; g < ngaps; g++)
        gstart[gaps[g].week + 1]++;
    for (size_t w = 0; w < nw; w++)
        gstart[w + 1] += gstart[w];
    {
        size_t *pos = patron__reallocarray(NULL, nw, sizeof(size_t));
        if (!pos) {
            rc = patron__oom();
            goto out;
        }
        memcpy(pos, gstart, nw * sizeof(size_t));
        for (size_t g = 0; g < ngaps; g++)
            gd[pos[gaps[g].week]++] = gaps[g].days;
        patron__free(pos);
    }
    int64_t act = 0, tr = 0;
    for (size_t w = 0; w < nw; w++) {
        patron_week_report *r = &rep[w];
        act += active[w];
        tr += trail[w];
        r->week_start = patron__week_start(w0 + (int64_t)w);
        r->active_customers = act;
        r->avg_frequency = act > 0 ? (double)tr / (double)act : NAN;
        r->avg_basket = r->purchases > 0 ? (double)r->spend / (double)r->purchases : NAN;
        size_t gk = gstart[w + 1] - gstart[w];
        double *d = gd + gstart[w];
        if (gk == 0) {
            r->median_days_between = NAN;
        } else {
            qsort(d, gk, sizeof(double), cmp_double);
            r->median_days_between = gk % 2 ? d[gk / 2] : 0.5 * (d[gk / 2 - 1] + d[gk / 2]);
        }
        const patron_week_report *p = w ? &rep[w - 1] : NULL;
        r->new_customers_change = p ? patron__rel_change((double)r->new_customers, (double)p->new_customers) : NAN;
        r->active_customers_change = p ? patron__rel_change((double)r->active_customers, (double)p->active_customers) : NAN;
        r->purchases_change = p ? patron__rel_change((double)r->purchases, (double)p->purchases) : NAN;
        r->avg_frequency_change = p ? patron__rel_change(r->avg_frequency, p->avg_frequency) : NAN;
        r->avg_basket_change = p ? patron__rel_change(r->avg_basket, p->avg_basket) : NAN;
        r->median_days_between_change = p ? patron__rel_change(r->median_days_between, p->median_days_between) : NAN;
    }
out:
    patron__free(active);
    patron__free(trail);
    patron__free(start);
    patron__free(fill);
    patron__free(times);
    patron__free(gaps);
    patron__free(gstart);
    patron__free(gd);
    if (rc) {
        patron__free(rep);
        return rc;
    }
    *out = rep;
    *nweeks = nw;
    return PATRON_OK;
}
