/* Equal-count scores (quintiles, deciles) with ties kept together, RFM
 * scores and named segments, value deciles. */
#include <math.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"
#include "segment/rule_impl.h"
#include "segment/select.h"

/* Scores with a caller scratch of n keys (reused across columns: a fresh
 * 80 MB allocation per column costs as much in page faults as the work). */
static int ntile_scratch(uint8_t *scores, const double *values, size_t n, int bins, int higher_is_better,
                         uint64_t *x)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        x[m] = patron__key_of(higher_is_better ? values[i] : -values[i]);
        m += !isnan(values[i]);
    }
    /* t[k-1] = the ceil(k m / bins)-th smallest value, k = 1..bins-1: a value
     * v scores 1 + #{k : v > t[k-1]}, which is 1 + floor(bins L / m) with L
     * the number of values strictly below v. */
    double t[100];
    size_t ranks[100];
    for (int k = 1; k < bins; k++)
        ranks[k - 1] = m ? (size_t)(((unsigned long long)k * m + (unsigned)bins - 1) / (unsigned)bins) - 1 : 0;
    int rc = m ? patron__select_keys(x, m, ranks, (size_t)bins - 1, t) : 0;
    if (rc)
        return rc;
    if (m == 0) { /* every value missing */
        memset(scores, 0, n);
        return PATRON_OK;
    }
    /* score in blocks, one threshold at a time (vectorisable loops) */
    double v[1024];
    for (size_t base = 0; base < n; base += 1024) {
        size_t len = n - base < 1024 ? n - base : 1024;
        uint8_t *sc = scores + base;
        if (higher_is_better)
            memcpy(v, values + base, len * sizeof(double));
        else
            for (size_t i = 0; i < len; i++)
                v[i] = -values[base + i];
        for (size_t i = 0; i < len; i++)
            sc[i] = 1;
        for (int k = 0; k < bins - 1; k++) {
            double tk = t[k];
            for (size_t i = 0; i < len; i++)
                sc[i] = (uint8_t)(sc[i] + (v[i] > tk));
        }
        for (size_t i = 0; i < len; i++)
            if (v[i] != v[i])
                sc[i] = 0;
    }
    return PATRON_OK;
}

int patron_ntile_scores(uint8_t *scores, const double *values, size_t n, int bins,
                        int higher_is_better)
{
    if (bins < 2 || bins > 100)
        return patron__fail(PATRON_EINVAL, "bins %d is outside 2..100", bins);
    if (n == 0)
        return PATRON_OK;
    if (!scores || !values)
        return patron__fail(PATRON_EINVAL, "patron_ntile_scores: %s is NULL",
                            scores ? "values" : "scores");
    uint64_t *x = patron__reallocarray(NULL, n, sizeof(uint64_t));
    if (!x)
        return patron__oom();
    int rc = ntile_scratch(scores, values, n, bins, higher_is_better, x);
    patron__free(x);
    return rc;
}

/* Values of a numeric column as doubles: *vals points into the frame or
 * into *tmp (allocated, caller frees). */
static int numeric_col(const double **vals, double **tmp, const patron_frame *frame, const char *name,
                       const char *role)
{
    size_t col;
    int rc = patron_frame_find(&col, frame, name, PATRON_COL_ANY);
    if (rc)
        return patron__fail_prefix(rc, "%s: ", role);
    size_t rows = patron_frame_rows(frame);
    int t = patron_frame_col_type(frame, col);
    if (t == PATRON_COL_DOUBLE) {
        *vals = patron_frame_double(frame, col);
        *tmp = NULL;
        return 0;
    }
    if (t != PATRON_COL_INT64)
        return patron__fail(PATRON_EINVAL, "%s: column '%s' is not numeric", role, name);
    const int64_t *l = patron_frame_int64(frame, col);
    double *d = patron__reallocarray(NULL, rows, sizeof(double));
    if (!d)
        return patron__oom();
    for (size_t i = 0; i < rows; i++)
        d[i] = (double)l[i];
    *vals = d;
    *tmp = d;
    return 0;
}

int patron_rfm_score(uint8_t *r, uint8_t *f, uint8_t *m, const patron_frame *frame,
                     const patron_rfm_options *opts)
{
    if (!r || !f || !m || !frame)
        return patron__fail(PATRON_EINVAL, "patron_rfm_score: NULL argument");
    patron_rfm_options o = PATRON_RFM_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_rfm_options");
    if (rc)
        return rc;
    size_t rows = patron_frame_rows(frame);
    if (rows == 0)
        return patron__fail(PATRON_EINVAL, "RFM scores of an empty frame are undefined");
    const char *fc = o.frequency_col ? o.frequency_col : "frequency";
    const char *mc = o.monetary_col ? o.monetary_col : "monetary_value";
    const double *rv = NULL, *fv = NULL, *mv = NULL, *tv = NULL;
    double *rt = NULL, *ft = NULL, *mt = NULL, *tt = NULL, *since = NULL;
    uint8_t *buf = NULL;
    if (o.recency_col) {
        rc = numeric_col(&rv, &rt, frame, o.recency_col, "recency");
    } else {
        rc = numeric_col(&rv, &rt, frame, "recency", "recency (default T - recency)");
        if (!rc)
            rc = numeric_col(&tv, &tt, frame, "T", "recency (default T - recency)");
        if (!rc) {
            since = patron__reallocarray(NULL, rows, sizeof(double));
            if (!since)
                rc = patron__oom();
            else
                for (size_t i = 0; i < rows; i++)
                    since[i] = tv[i] - rv[i];
            rv = since;
        }
    }
    if (!rc)
        rc = numeric_col(&fv, &ft, frame, fc, "frequency");
    if (!rc)
        rc = numeric_col(&mv, &mt, frame, mc, "monetary");
    uint64_t *keys = NULL;
    if (!rc && (!(buf = patron__malloc(3 * rows)) || !(keys = patron__reallocarray(NULL, rows, sizeof(uint64_t)))))
        rc = patron__oom();
    if (!rc)
        rc = ntile_scratch(buf, rv, rows, 5, 0, keys);
    if (!rc)
        rc = ntile_scratch(buf + rows, fv, rows, 5, 1, keys);
    if (!rc)
        rc = ntile_scratch(buf + 2 * rows, mv, rows, 5, 1, keys);
    patron__free(keys);
    if (!rc) {
        memcpy(r, buf, rows);
        memcpy(f, buf + rows, rows);
        memcpy(m, buf + 2 * rows, rows);
    }
    patron__free(buf);
    patron__free(rt);
    patron__free(tt);
    patron__free(ft);
    patron__free(mt);
    patron__free(since);
    return rc;
}

const char *patron_rfm_segment_name(int r, int f, int m)
{
    if (r < 1 || r > 5 || f < 1 || f > 5 || m < 1 || m > 5)
        return "";
    if (r >= 4 && f >= 4 && m >= 4)
        return "Champions";
    if (r >= 3 && f >= 3 && m >= 3)
        return "Loyal";
    if (r <= 2 && f >= 4 && m >= 4)
        return "Can't lose them";
    if (r <= 2 && f >= 3 && m >= 3)
        return "At risk";
    if (r == 5 && f == 1)
        return "New";
    if (r >= 4 && f >= 2)
        return "Potential loyalist";
    if (r >= 4)
        return "Promising";
    if (r == 3 && f >= 2)
        return "Need attention";
    if (r == 3 || (r == 2 && f <= 2))
        return "About to sleep";
    if (r == 2 || f >= 2)
        return "Hibernating";
    return "Lost";
}

int patron_rfm_add_columns(patron_frame *frame, const patron_rfm_options *opts)
{
    static const char *const names[] = {"rfm_r", "rfm_f", "rfm_m", "rfm_score", "rfm_segment"};
    if (!frame)
        return patron__fail(PATRON_EINVAL, "patron_rfm_add_columns: frame is NULL");
    for (size_t i = 0; i < 5; i++) {
        size_t c;
        if (patron_frame_find(&c, frame, names[i], PATRON_COL_ANY) == 0)
            return patron__fail(PATRON_ECONFLICT, "the frame already has a column '%s'", names[i]);
    }
    patron_errclear();
    size_t rows = patron_frame_rows(frame);
    uint8_t *s = patron__malloc(3 * rows);
    int64_t *v = patron__reallocarray(NULL, 4 * rows, sizeof(int64_t));
    const char **seg = patron__reallocarray(NULL, rows, sizeof(char *));
    int rc = 0;
    if (!s || !v || !seg)
        rc = patron__oom();
    if (!rc)
        rc = patron_rfm_score(s, s + rows, s + 2 * rows, frame, opts);
    if (!rc) {
        for (size_t i = 0; i < rows; i++) {
            int r = s[i], f = s[rows + i], m = s[2 * rows + i];
            v[i] = r;
            v[rows + i] = f;
            v[2 * rows + i] = m;
            v[3 * rows + i] = r && f && m ? 100 * r + 10 * f + m : 0;
            seg[i] = patron_rfm_segment_name(r, f, m);
        }
        for (size_t k = 0; k < 4 && !rc; k++)
            rc = patron_frame_add_int64(frame, names[k], v + k * rows);
        if (!rc)
            rc = patron_frame_add_string(frame, names[4], seg);
    }
    patron__free(s);
    patron__free(v);
    patron__free(seg);
    return rc;
}

int patron_value_deciles(uint8_t *deciles, const patron_frame *frame, const char *value_col)
{
    if (!deciles || !frame || !value_col)
        return patron__fail(PATRON_EINVAL, "patron_value_deciles: NULL argument");
    size_t rows = patron_frame_rows(frame);
    if (rows == 0)
        return patron__fail(PATRON_EINVAL, "value deciles of an empty frame are undefined");
    const double *vals;
    double *tmp;
    int rc = numeric_col(&vals, &tmp, frame, value_col, "value");
    if (rc)
        return rc;
    rc = patron_ntile_scores(deciles, vals, rows, 10, 1);
    patron__free(tmp);
    return rc;
}
