/* The CLV parameters format: exact round trips of parameters and fits
 * through JSON, and errors that name the member at fault. */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"

static const double F[] = {0, 1, 2, 0, 4, 1, 3, 0, 2, 5, 1, 0};
static const double R[] = {0, 10, 20, 0, 30, 5, 25, 0, 12, 33, 8, 0};
static const double TT[] = {40, 38, 35, 30, 40, 20, 39, 25, 30, 36, 22, 18};

static void fit(patron_clv_fit_result *r)
{
    patron_clv_data d = {12, F, R, TT, NULL, NULL};
    patron_clv_fit_options o = PATRON_CLV_FIT_OPTIONS_INIT;
    o.penalizer = 0.01;
    *r = (patron_clv_fit_result)PATRON_CLV_FIT_RESULT_INIT;
    assert_int_equal(patron_clv_fit(r, PATRON_CLV_BGNBD, &d, &o), PATRON_OK);
}

static void params_round_trip(void **state)
{
    (void)state;
    patron_clv_params p = {PATRON_CLV_PNBD, {0.1 + 0.2, 1.0 / 3.0, 1e-300, 12345.678901234567}};
    char *js = NULL;
    assert_int_equal(patron_clv_params_to_json(&js, &p), PATRON_OK);
    assert_non_null(strstr(js, "\"model\": \"pnbd\""));
    assert_non_null(strstr(js, "\"r\": 0.30000000000000004"));
    patron_clv_params q;
    memset(&q, 0xA5, sizeof q);
    assert_int_equal(patron_clv_params_from_json(&q, js, strlen(js)), PATRON_OK);
    assert_int_equal(q.model, PATRON_CLV_PNBD);
    for (int i = 0; i < 4; i++)
        assert_true(q.p[i] == p.p[i]); /* bit-exact */
    patron_free(js);
}

static void fit_round_trip(void **state)
{
    (void)state;
    patron_clv_fit_result r, back = PATRON_CLV_FIT_RESULT_INIT;
    fit(&r);
    char *js = NULL;
    assert_int_equal(patron_clv_fit_to_json(&js, &r), PATRON_OK);
    assert_int_equal(patron_clv_fit_from_json(&back, js, strlen(js)), PATRON_OK);
    assert_int_equal(back.params.model, r.params.model);
    assert_int_equal(back.n_params, 4);
    for (int i = 0; i < 4; i++) {
        assert_true(back.params.p[i] == r.params.p[i]);
        assert_true(back.se[i] == r.se[i]);
        for (int j = 0; j < 4; j++)
            assert_true(back.cov[i * PATRON_CLV_MAX_PARAMS + j] == r.cov[i * PATRON_CLV_MAX_PARAMS + j]);
    }
    assert_true(back.log_likelihood == r.log_likelihood);
    assert_true(back.grad_norm == r.grad_norm);
    assert_int_equal(back.iterations, r.iterations);
    assert_true(back.n_customers == r.n_customers);
    assert_int_equal(back.n_distinct, r.n_distinct);
    assert_int_equal(back.status, PATRON_OK);
    /* the read fit serves the reports */
    double lo[4], hi[4];
    assert_int_equal(patron_clv_param_intervals(lo, hi, &back, 0.95), PATRON_OK);
    /* parameters read from a fit document */
    patron_clv_params p;
    assert_int_equal(patron_clv_params_from_json(&p, js, strlen(js)), PATRON_OK);
    assert_true(p.p[1] == r.params.p[1]);
    /* written the same whatever the C locale (when a comma locale exists) */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8")) {
        char *js2 = NULL;
        assert_int_equal(patron_clv_fit_to_json(&js2, &r), PATRON_OK);
        assert_string_equal(js, js2);
        patron_free(js2);
        setlocale(LC_NUMERIC, "C");
    }
    patron_free(js);
}

static void expect(const char *js, const char *needle, int fit_doc)
{
    patron_clv_params p = {PATRON_CLV_GG, {7, 7, 7, 7}};
    patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT;
    r.n_params = 77;
    int rc = fit_doc ? patron_clv_fit_from_json(&r, js, strlen(js)) : patron_clv_params_from_json(&p, js, strlen(js));
    if (rc == PATRON_OK || !strstr(patron_errmsg(), needle))
        fail_msg("'%s': got %d '%s', wanted '%s'", js, rc, patron_errmsg(), needle);
    assert_int_equal(p.model, PATRON_CLV_GG); /* untouched */
    assert_true(p.p[0] == 7);
    assert_int_equal(r.n_params, 77);
}

static void errors_name_the_member(void **state)
{
    (void)state;
    expect("{\"params\": {}}", "'model' is missing", 0);
    expect("{\"model\": 3, \"params\": {}}", "'model' is not a string", 0);
    expect("{\"model\": \"bgndb\", \"params\": {}}", "model 'bgndb' is not bgnbd", 0);
    expect("{\"model\": \"bgnbd\"}", "'params' is missing", 0);
    expect("{\"model\": \"bgnbd\", \"params\": {\"r\": 1, \"alpha\": 2, \"a\": 3}}", "params.b is missing", 0);
    expect("{\"model\": \"bgnbd\", \"params\": {\"r\": -1, \"alpha\": 2, \"a\": 3, \"b\": 4}}",
           "params.r is -1 (must be finite and > 0)", 0);
    expect("{\"model\": \"bgnbd\", \"params\": {\"r\": \"1\", \"alpha\": 2, \"a\": 3, \"b\": 4}}",
           "params.r is not a number", 0);
    expect("{\"model\": \"bgnbd\", \"params\": {\"r\": 1, \"alpha\": 2, \"a\": 3, \"b\": 4, \"s\": 5}}",
           "params.s is not a parameter of bgnbd", 0);
    expect("{\"model\": \"gg\", \"params\": {\"p\": 1, \"q\": 2, \"gamma\": 3}", "patron_clv_params_from_json: JSON line 1, column 55: expected", 0);
    expect("[1]", "not a JSON object", 0);
    const char *ok = "{\"model\": \"gg\", \"params\": {\"p\": 1, \"q\": 2, \"gamma\": 3}";
    char buf[512];
    expect("{\"model\": \"gg\", \"params\": {\"p\": 1, \"q\": 2, \"gamma\": 3}}", "'se' is missing", 1);
    snprintf(buf, sizeof buf, "%s, \"se\": {\"p\": 1, \"q\": 2, \"gamma\": 3}}", ok);
    expect(buf, "'covariance' is missing", 1);
    snprintf(buf, sizeof buf, "%s, \"se\": {\"p\": 1, \"q\": 2, \"gamma\": 3}, \"covariance\": [[1,0,0],[0,1,\"x\"],[0,0,1]]}", ok);
    expect(buf, "covariance[1][2] is not a number", 1);
    snprintf(buf, sizeof buf, "%s, \"se\": {\"p\": 1, \"q\": 2, \"gamma\": 3}, \"covariance\": [[1,0,0],[0,1,0],[0,0,1]], \"status\": \"failed\"}", ok);
    expect(buf, "status is not \"converged\"", 1);
    snprintf(buf, sizeof buf, "%s, \"se\": {\"p\": 1, \"q\": 2, \"gamma\": 3}, \"covariance\": [[1,0,0],[0,1,0],[0,0,1]], \"iterations\": 2.5}", ok);
    expect(buf, "iterations 2.5 is not a count", 1);
    /* a complete minimal fit document reads */
    snprintf(buf, sizeof buf, "%s, \"se\": {\"p\": 1, \"q\": 2, \"gamma\": 3}, \"covariance\": [[1,0,0],[0,1,0],[0,0,1]], \"penalizer\": 0}", ok);
    patron_clv_fit_result r = PATRON_CLV_FIT_RESULT_INIT;
    assert_int_equal(patron_clv_fit_from_json(&r, buf, strlen(buf)), PATRON_OK);
    assert_true(isnan(r.log_likelihood));
    /* writing refuses bad parameters, naming them */
    patron_clv_params bad = {PATRON_CLV_BGNBD, {1, NAN, 1, 1}};
    char *js = NULL;
    assert_int_equal(patron_clv_params_to_json(&js, &bad), PATRON_EINVAL);
    assert_non_null(strstr(patron_errmsg(), "parameter alpha is"));
    assert_null(js);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(params_round_trip),
        cmocka_unit_test(fit_round_trip),
        cmocka_unit_test(errors_name_the_member),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
