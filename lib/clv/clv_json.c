/* The CLV parameters format: fitted parameters (and optionally the fit
 * report) as JSON, written and read by the library so that the CLI, Python
 * and Node share one format (docs/guide/clv.md, "Parameters file"). */
#include <math.h>
#include <string.h>

#include "../summary/summary_int.h" /* pt_format_double: locale-independent, round-trip */
#include "clv_impl.h"
#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/json.h"
#include "internal/options.h"
#include "internal/sbuf.h"
#include "patron/clv.h"

static void put_num(patron__sbuf *b, double v)
{
    char tmp[40];
    if (!isfinite(v)) {
        patron__sb_puts(b, "null"); /* JSON has no NaN or infinity */
        return;
    }
    patron__sb_putn(b, tmp, pt_format_double(tmp, v));
}

static void put_named(patron__sbuf *b, patron_clv_model m, const double *v)
{
    patron__sb_puts(b, "{");
    for (int i = 0; i < patron_clv_param_count(m); i++) {
        patron__sb_printf(b, "%s\"%s\": ", i ? ", " : "", patron_clv_param_name(m, i));
        put_num(b, v[i]);
    }
    patron__sb_puts(b, "}");
}

static int finish(char **out, patron__sbuf *b)
{
    char *s = patron__sb_take(b);
    if (!s)
        return patron__fail(PATRON_ENOMEM, "out of memory writing the parameters");
    *out = s;
    return PATRON_OK;
}

int patron_clv_params_to_json(char **out, const patron_clv_params *params)
{
    if (!out)
        return patron__fail(PATRON_EINVAL, "patron_clv_params_to_json: out is NULL");
    int rc = clv_params_check(params);
    if (rc)
        return patron__fail_prefix(rc, "patron_clv_params_to_json: ");
    patron__sbuf b = {0};
    patron__sb_printf(&b, "{\n  \"model\": \"%s\",\n  \"params\": ", patron_clv_model_name(params->model));
    put_named(&b, params->model, params->p);
    patron__sb_puts(&b, "\n}\n");
    return finish(out, &b);
}

int patron_clv_fit_to_json(char **out, const patron_clv_fit_result *fit)
{
    if (!out)
        return patron__fail(PATRON_EINVAL, "patron_clv_fit_to_json: out is NULL");
    int rc = patron__result_check(fit, sizeof(patron_clv_fit_result), "patron_clv_fit_to_json");
    if (rc)
        return rc;
    if ((rc = clv_params_check(&fit->params)))
        return patron__fail_prefix(rc, "patron_clv_fit_to_json: ");
    patron_clv_model m = fit->params.model;
    int k = patron_clv_param_count(m);
    if (fit->n_params != k)
        return patron__fail(PATRON_EINVAL, "patron_clv_fit_to_json: n_params is %d, %s has %d",
                            (int)fit->n_params, patron_clv_model_name(m), k);
    patron__sbuf b = {0};
    patron__sb_printf(&b, "{\n  \"model\": \"%s\",\n  \"params\": ", patron_clv_model_name(m));
    put_named(&b, m, fit->params.p);
    patron__sb_puts(&b, ",\n  \"se\": ");
    put_named(&b, m, fit->se);
    patron__sb_puts(&b, ",\n  \"covariance\": [");
    for (int i = 0; i < k; i++) {
        patron__sb_puts(&b, i ? ", [" : "[");
        for (int j = 0; j < k; j++) {
            if (j)
                patron__sb_puts(&b, ", ");
            put_num(&b, fit->cov[i * PATRON_CLV_MAX_PARAMS + j]);
        }
        patron__sb_puts(&b, "]");
    }
    patron__sb_puts(&b, "],\n  \"log_likelihood\": ");
    put_num(&b, fit->log_likelihood);
    patron__sb_puts(&b, ",\n  \"grad_norm\": ");
    put_num(&b, fit->grad_norm);
    patron__sb_printf(&b, ",\n  \"iterations\": %d,\n  \"n_customers\": ", (int)fit->iterations);
    put_num(&b, fit->n_customers);
    patron__sb_printf(&b, ",\n  \"n_distinct\": %lld,\n  \"status\": \"converged\"\n}\n",
                      (long long)fit->n_distinct);
    return finish(out, &b);
}

/* ---- reading ------------------------------------------------------------ */

/* The model and its named numbers in object `key` of `doc` into v[]. */
static int read_named(double *v, const patron_json *doc, const char *key, patron_clv_model m,
                      int positive, const char *fn)
{
    const patron_json *o = patron__json_get(doc, key);
    if (!o)
        return patron__fail(PATRON_EINVAL, "%s: '%s' is missing", fn, key);
    if (patron__json_type(o) != PATRON_JSON_OBJECT)
        return patron__fail(PATRON_EINVAL, "%s: '%s' is not an object of %s's parameters", fn, key,
                            patron_clv_model_name(m));
    int k = patron_clv_param_count(m);
    for (size_t i = 0; i < patron__json_len(o); i++) {
        const char *name = patron__json_key_at(o, i);
        int known = 0;
        for (int j = 0; j < k; j++)
            known |= !strcmp(name, patron_clv_param_name(m, j));
        if (!known)
            return patron__fail(PATRON_EINVAL, "%s: %s.%s is not a parameter of %s", fn, key, name,
                                patron_clv_model_name(m));
    }
    for (int j = 0; j < k; j++) {
        const char *name = patron_clv_param_name(m, j);
        const patron_json *x = patron__json_get(o, name);
        if (!x)
            return patron__fail(PATRON_EINVAL, "%s: %s.%s is missing", fn, key, name);
        if (patron__json_type(x) != PATRON_JSON_NUMBER)
            return patron__fail(PATRON_EINVAL, "%s: %s.%s is not a number", fn, key, name);
        double d = patron__json_number(x);
        if (positive && !(d > 0 && isfinite(d)))
            return patron__fail(PATRON_EINVAL, "%s: %s.%s is %.17g (must be finite and > 0)", fn, key,
                                name, d);
        v[j] = d;
    }
    return PATRON_OK;
}

static int read_model(patron_clv_model *m, const patron_json *doc, const char *fn)
{
    if (patron__json_type(doc) != PATRON_JSON_OBJECT)
        return patron__fail(PATRON_EINVAL, "%s: the document is not a JSON object", fn);
    const patron_json *jm = patron__json_get(doc, "model");
    if (!jm)
        return patron__fail(PATRON_EINVAL, "%s: 'model' is missing", fn);
    const char *name = patron__json_string(jm);
    if (!name)
        return patron__fail(PATRON_EINVAL, "%s: 'model' is not a string", fn);
    if (patron_clv_model_from_name(m, name))
        return patron__fail(PATRON_EINVAL,
                            "%s: model '%.40s' is not bgnbd, mbgnbd, pnbd, bgbb or gg", fn, name);
    return PATRON_OK;
}

static int parse(patron_json **doc, const char *text, size_t len, const char *fn)
{
    if (!text && len)
        return patron__fail(PATRON_EINVAL, "%s: text is NULL", fn);
    int rc = patron__json_parse(doc, text ? text : "", len);
    if (rc)
        return patron__fail_prefix(rc, "%s: ", fn);
    return PATRON_OK;
}

int patron_clv_params_from_json(patron_clv_params *out, const char *text, size_t len)
{
    static const char fn[] = "patron_clv_params_from_json";
    if (!out)
        return patron__fail(PATRON_EINVAL, "%s: out is NULL", fn);
    patron_json *doc = NULL;
    int rc = parse(&doc, text, len, fn);
    if (rc)
        return rc;
    patron_clv_params p;
    memset(&p, 0, sizeof p);
    if (!(rc = read_model(&p.model, doc, fn)))
        rc = read_named(p.p, doc, "params", p.model, 1, fn);
    patron__json_free(doc);
    if (!rc)
        *out = p;
    return rc;
}

static int opt_number(double *v, const patron_json *doc, const char *key, const char *fn)
{
    const patron_json *x = patron__json_get(doc, key);
    if (!x || patron__json_type(x) == PATRON_JSON_NULL)
        return PATRON_OK; /* keeps the default */
    if (patron__json_type(x) != PATRON_JSON_NUMBER)
        return patron__fail(PATRON_EINVAL, "%s: '%s' is not a number", fn, key);
    *v = patron__json_number(x);
    return PATRON_OK;
}

int patron_clv_fit_from_json(patron_clv_fit_result *out, const char *text, size_t len)
{
    static const char fn[] = "patron_clv_fit_from_json";
    int rc = patron__result_check(out, sizeof(patron_clv_fit_result), fn);
    if (rc)
        return rc;
    patron_json *doc = NULL;
    if ((rc = parse(&doc, text, len, fn)))
        return rc;
    patron_clv_fit_result r;
    memset(&r, 0, sizeof r);
    r.size = (uint32_t)sizeof r;
    if ((rc = read_model(&r.params.model, doc, fn)))
        goto done;
    patron_clv_model m = r.params.model;
    int k = patron_clv_param_count(m);
    r.n_params = k;
    if ((rc = read_named(r.params.p, doc, "params", m, 1, fn)) ||
        (rc = read_named(r.se, doc, "se", m, 0, fn)))
        goto done;
    const patron_json *cov = patron__json_get(doc, "covariance");
    if (!cov) {
        rc = patron__fail(PATRON_EINVAL, "%s: 'covariance' is missing", fn);
        goto done;
    }
    if (patron__json_type(cov) != PATRON_JSON_ARRAY || patron__json_len(cov) != (size_t)k) {
        rc = patron__fail(PATRON_EINVAL, "%s: 'covariance' is not a %d x %d array", fn, k, k);
        goto done;
    }
    for (int i = 0; i < k; i++) {
        const patron_json *row = patron__json_at(cov, (size_t)i);
        if (patron__json_type(row) != PATRON_JSON_ARRAY || patron__json_len(row) != (size_t)k) {
            rc = patron__fail(PATRON_EINVAL, "%s: covariance[%d] is not an array of %d numbers", fn, i, k);
            goto done;
        }
        for (int j = 0; j < k; j++) {
            const patron_json *x = patron__json_at(row, (size_t)j);
            if (patron__json_type(x) != PATRON_JSON_NUMBER) {
                rc = patron__fail(PATRON_EINVAL, "%s: covariance[%d][%d] is not a number", fn, i, j);
                goto done;
            }
            r.cov[i * PATRON_CLV_MAX_PARAMS + j] = patron__json_number(x);
        }
    }
    double iterations = 0, n_distinct = 0;
    r.log_likelihood = r.grad_norm = NAN;
    if ((rc = opt_number(&r.log_likelihood, doc, "log_likelihood", fn)) ||
        (rc = opt_number(&r.grad_norm, doc, "grad_norm", fn)) ||
        (rc = opt_number(&iterations, doc, "iterations", fn)) ||
        (rc = opt_number(&r.n_customers, doc, "n_customers", fn)) ||
        (rc = opt_number(&n_distinct, doc, "n_distinct", fn)))
        goto done;
    if (!(iterations >= 0 && iterations <= 2147483647.0 && iterations == floor(iterations))) {
        rc = patron__fail(PATRON_EINVAL, "%s: iterations %.17g is not a count", fn, iterations);
        goto done;
    }
    if (!(n_distinct >= 0 && n_distinct <= 9007199254740992.0 && n_distinct == floor(n_distinct))) {
        rc = patron__fail(PATRON_EINVAL, "%s: n_distinct %.17g is not a count", fn, n_distinct);
        goto done;
    }
    r.iterations = (int32_t)iterations;
    r.n_distinct = (int64_t)n_distinct;
    const patron_json *st = patron__json_get(doc, "status");
    if (st && (!patron__json_string(st) || strcmp(patron__json_string(st), "converged"))) {
        rc = patron__fail(PATRON_EINVAL, "%s: status is not \"converged\" (only converged fits are written)", fn);
        goto done;
    }
    r.status = PATRON_OK;
done:
    patron__json_free(doc);
    if (!rc)
        patron__result_write(out, &r, sizeof r);
    return rc;
}
