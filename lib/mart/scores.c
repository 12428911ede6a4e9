/* Stored CLV scores (patron/mart.h): patron_scores_refresh() fits the
 * store's own purchases and keeps the fit and every member's scores in the
 * mart's tables; patron_frame_add_scores() and the card read them back. The
 * models are the clv module's public functions: this file only feeds them
 * the store's summary and stores what they return. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/ids.h"
#include "internal/options.h"
#include "internal/store.h"
#include "mart_int.h"
#include "patron/mart.h"
#include "summary/summary_int.h"

#define DAYS_PER_MONTH (365.25 / 12.0)

/* The fitted rows: members with T > 0 (a first purchase before as_of's day). */
typedef struct fit_rows {
    size_t n;
    int64_t *member;
    double *x, *tx, *T, *m;
} fit_rows;

static void rows_free(fit_rows *r)
{
    patron__free(r->member);
    patron__free(r->x);
    patron__free(r->tx);
    patron__free(r->T);
    patron__free(r->m);
}

static int rows_from_frame(fit_rows *r, const patron_frame *f)
{
    size_t n = patron_frame_rows(f);
    const double *x = patron_frame_double_by_name(f, "frequency"), *tx = patron_frame_double_by_name(f, "recency"),
                 *T = patron_frame_double_by_name(f, "T"), *m = patron_frame_double_by_name(f, "monetary_value");
    if (!x || !tx || !T || !m)
        return patron__fail(PATRON_ECORRUPT, "patron_scores_refresh: the summary lacks its columns");
    memset(r, 0, sizeof *r);
    r->member = patron__reallocarray(NULL, n ? n : 1, sizeof *r->member);
    r->x = patron__reallocarray(NULL, n ? n : 1, sizeof *r->x);
    r->tx = patron__reallocarray(NULL, n ? n : 1, sizeof *r->tx);
    r->T = patron__reallocarray(NULL, n ? n : 1, sizeof *r->T);
    r->m = patron__reallocarray(NULL, n ? n : 1, sizeof *r->m);
    if (!r->member || !r->x || !r->tx || !r->T || !r->m)
        return patron__oom();
    for (size_t i = 0; i < n; i++) {
        if (!(T[i] > 0))
            continue;
        char buf[24];
        const char *id = patron_frame_id(f, i, buf, sizeof buf);
        r->member[r->n] = id ? strtoll(id, NULL, 10) : 0;
        r->x[r->n] = x[i];
        r->tx[r->n] = tx[i];
        r->T[r->n] = T[i];
        r->m[r->n] = m[i];
        r->n++;
    }
    return PATRON_OK;
}

static int check_options(patron_score_options *o, const patron_score_options *opts)
{
    static const char func[] = "patron_scores_refresh";
    patron_score_options d = PATRON_SCORE_OPTIONS_INIT;
    *o = d;
    int rc = patron__options_copy(o, sizeof *o, opts, sizeof *o, "patron_score_options");
    if (rc)
        return rc;
    if (!o->as_of)
        return patron__fail(PATRON_EINVAL, "%s: as_of is required (the moment the fit describes, UTC seconds)", func);
    if ((rc = patron__time_check(func, "as_of", o->as_of)))
        return rc;
    if (o->model != PATRON_CLV_BGNBD && o->model != PATRON_CLV_MBGNBD && o->model != PATRON_CLV_PNBD)
    {
        const char *name = patron_clv_model_name((patron_clv_model)o->model);
        return patron__fail(PATRON_EINVAL, "%s: model %d (%s) is not a transaction model (bgnbd, mbgnbd, pnbd)", func,
                            (int)o->model, name ? name : "unknown");
    }
    if (!(o->discount >= 0 && o->discount < 1))
        return patron__fail(PATRON_EINVAL, "%s: discount %.17g is not a monthly rate in [0, 1)", func, o->discount);
    return PATRON_OK;
}

static void put_score(char *buf, double v)
{
    snprintf(buf, 32, "%.17g", v);
}

/* Store the fit and replace every score, in one transaction. */
static int store_scores(patron_db *db, int64_t *fit_id, const patron_score_options *o, const char *fit_json,
                        const char *spend_json, const fit_rows *r, const double *alive, const double *expected,
                        const double *clv)
{
    int rc = patron__tx_begin(db);
    if (rc)
        return rc;
    rc = patron__sql_run(db,
                         "INSERT INTO clv_fits(as_of, model, fit, spend_fit, customers) VALUES(?,?,?,?,?)",
                         "ittti", o->as_of, patron_clv_model_name((patron_clv_model)o->model),
                         fit_json, spend_json, (int64_t)r->n);
    if (rc == PATRON_OK)
        *fit_id = patron__sql_last_id(db);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "DELETE FROM member_scores", "");
    for (size_t i = 0; i < r->n && rc == PATRON_OK; i++) {
        char a[32], e[32], c[32];
        put_score(a, alive[i]);
        put_score(e, expected[i]);
        if (clv)
            put_score(c, clv[i]);
        rc = patron__sql_run(db,
                             "INSERT INTO member_scores(member_id, fit_id, p_alive, expected_purchases_90d, clv_12m) "
                             "VALUES(?,?,?,?,?)",
                             "iittt", r->member[i], *fit_id, a, e, clv ? c : NULL);
    }
    return patron__tx_end(db, rc);
}

int patron_scores_refresh(patron_db *db, patron_score_result *result, const patron_score_options *opts)
{
    static const char func[] = "patron_scores_refresh";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!opts)
        return patron__fail(PATRON_EINVAL, "%s: opts is NULL", func);
    if (result && (rc = patron__result_check(result, sizeof *result, "patron_score_result")))
        return rc;
    patron_score_options o;
    if ((rc = check_options(&o, opts)))
        return rc;
    patron_frame *frame = NULL;
    if ((rc = patron__mart_summary(db, func, o.as_of, 2, &frame, NULL)))
        return rc;
    fit_rows r = {0};
    rc = rows_from_frame(&r, frame);
    size_t customers = patron_frame_rows(frame);
    patron_frame_free(frame);
    if (rc == PATRON_OK && r.n == 0)
        rc = patron__fail(PATRON_EINVAL, "%s: no member bought before as_of's day (nothing to fit)", func);
    patron_clv_data d = {r.n, r.x, r.tx, r.T, r.m, NULL};
    patron_clv_fit_result fit = PATRON_CLV_FIT_RESULT_INIT, spend = PATRON_CLV_FIT_RESULT_INIT;
    if (rc == PATRON_OK && (rc = patron_clv_fit(&fit, (patron_clv_model)o.model, &d, NULL)))
        rc = patron__fail_prefix(rc, "%s: fitting %s: ", func, patron_clv_model_name((patron_clv_model)o.model));
    /* the spend model needs repeat buyers; without it the CLV is left null */
    int have_spend = rc == PATRON_OK && patron_clv_fit(&spend, PATRON_CLV_GG, &d, NULL) == PATRON_OK;
    double *alive = NULL, *expected = NULL, *clv = NULL;
    if (rc == PATRON_OK) {
        alive = patron__reallocarray(NULL, r.n, sizeof *alive);
        expected = patron__reallocarray(NULL, r.n, sizeof *expected);
        clv = have_spend ? patron__reallocarray(NULL, r.n, sizeof *clv) : NULL;
        if (!alive || !expected || (have_spend && !clv))
            rc = patron__oom();
    }
    if (rc == PATRON_OK)
        rc = patron_clv_predict(expected, alive, &fit.params, &d, 90.0);
    if (rc == PATRON_OK && have_spend)
        rc = patron_clv_lifetime_value(clv, &fit.params, &spend.params, &d, 12, o.discount, DAYS_PER_MONTH);
    char *fit_json = NULL, *spend_json = NULL;
    if (rc == PATRON_OK)
        rc = patron_clv_fit_to_json(&fit_json, &fit);
    if (rc == PATRON_OK && have_spend)
        rc = patron_clv_fit_to_json(&spend_json, &spend);
    int64_t fit_id = 0;
    if (rc == PATRON_OK)
        rc = store_scores(db, &fit_id, &o, fit_json, spend_json, &r, alive, expected, clv);
    if (rc == PATRON_OK && result) {
        patron_score_result res = PATRON_SCORE_RESULT_INIT;
        res.fit_id = fit_id;
        res.customers = (int64_t)customers;
        res.scored = (int64_t)r.n;
        res.log_likelihood = fit.log_likelihood;
        res.spend_fitted = have_spend;
        patron__result_write(result, &res, sizeof res);
    }
    patron_free(fit_json);
    patron_free(spend_json);
    patron__free(alive);
    patron__free(expected);
    patron__free(clv);
    rows_free(&r);
    return rc;
}

/* ---- reading the scores back ------------------------------------------ */

static double score_value(const char *s)
{
    return s ? strtod(s, NULL) : NAN;
}

int patron__mart_score(patron_db *db, int64_t member, patron__member_score *out)
{
    static const char sql[] = "SELECT s.fit_id, f.as_of, f.model, s.p_alive, s.expected_purchases_90d, s.clv_12m "
                              "FROM member_scores s JOIN clv_fits f ON f.id = s.fit_id WHERE s.member_id = ?";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "i", member);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    if ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        out->fit_id = patron__sql_col_int(db, st, 0);
        out->as_of = patron__sql_col_int(db, st, 1);
        snprintf(out->model, sizeof out->model, "%s", patron__sql_col_text(db, st, 2));
        out->p_alive = score_value(patron__sql_col_text(db, st, 3));
        out->expected_90d = score_value(patron__sql_col_text(db, st, 4));
        out->clv_12m = score_value(patron__sql_col_text(db, st, 5));
        rc = PATRON_OK;
    }
    patron__sql_done(db, st);
    return rc;
}

long patron__mart_scores_find(const patron__mart_scores *m, int64_t member)
{
    const int64_t *hit = m->n ? bsearch(&member, m->id, m->n, sizeof *m->id, patron__id_cmp) : NULL;
    return hit ? (long)(hit - m->id) : -1;
}

void patron__mart_scores_free(patron__mart_scores *m)
{
    patron__free(m->id);
    for (int k = 0; k < 3; k++)
        patron__free(m->v[k]);
}

int patron__mart_scores_load(patron_db *db, patron__mart_scores *m)
{
    /* member id order, so rows are found by binary search */
    static const char sql[] =
        "SELECT member_id, p_alive, expected_purchases_90d, clv_12m FROM member_scores ORDER BY member_id";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "");
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        if (m->n == m->cap) {
            size_t cap = m->cap ? 2 * m->cap : 1024;
            int grown = 1;
            int64_t *id = patron__reallocarray(m->id, cap, sizeof *id);
            if (id)
                m->id = id;
            grown = id != NULL;
            for (int k = 0; k < 3 && grown; k++) {
                double *v = patron__reallocarray(m->v[k], cap, sizeof *v);
                if (v)
                    m->v[k] = v;
                grown = v != NULL;
            }
            if (!grown) {
                rc = patron__oom();
                break;
            }
            m->cap = cap;
        }
        m->id[m->n] = patron__sql_col_int(db, st, 0);
        for (int k = 0; k < 3; k++)
            m->v[k][m->n] = score_value(patron__sql_col_text(db, st, 1 + k));
        m->n++;
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

int patron_frame_add_scores(patron_frame *frame, patron_db *db)
{
    static const char func[] = "patron_frame_add_scores";
    static const char *const names[3] = {"p_alive", "expected_purchases_90d", "clv_12m"};
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!frame)
        return patron__fail(PATRON_EINVAL, "%s: frame is NULL", func);
    for (int k = 0; k < 3; k++) {
        size_t col;
        if (patron_frame_find(&col, frame, names[k], PATRON_COL_ANY) == PATRON_OK)
            return patron__fail(PATRON_ECONFLICT, "%s: the frame already has a column '%s'", func, names[k]);
    }
    size_t rows = patron_frame_rows(frame);
    patron__mart_scores m = {0};
    double *cols[3] = {0};
    rc = patron__mart_scores_load(db, &m);
    for (int k = 0; k < 3 && rc == PATRON_OK; k++)
        if (!(cols[k] = patron__reallocarray(NULL, rows ? rows : 1, sizeof *cols[k])))
            rc = patron__oom();
    for (size_t r = 0; r < rows && rc == PATRON_OK; r++) {
        char buf[24], *end;
        const char *id = patron_frame_id(frame, r, buf, sizeof buf);
        long long member = id ? strtoll(id, &end, 10) : 0;
        if (!id || *end) {
            rc = patron__fail(PATRON_EINVAL, "%s: row %zu: customer id '%s' is not a member id", func, r + 1,
                              id ? id : "");
            break;
        }
        long hit = patron__mart_scores_find(&m, member);
        for (int k = 0; k < 3; k++)
            cols[k][r] = hit >= 0 ? m.v[k][hit] : NAN;
    }
    int added = 0;
    for (int k = 0; k < 3 && rc == PATRON_OK; k++)
        if ((rc = patron_frame_add_double(frame, names[k], cols[k])) == PATRON_OK)
            added++;
    while (rc && added--)
        pt_frame_drop_last(frame); /* all or nothing */
    for (int k = 0; k < 3; k++)
        patron__free(cols[k]);
    patron__mart_scores_free(&m);
    return rc;
}
