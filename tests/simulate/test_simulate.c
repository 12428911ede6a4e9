/* The simulator: reproducibility, structure of the log, the models against
 * their closed forms, and bad options. */
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "failalloc.h"
#include "internal/gammafn.h"
#include "patron.h"
#include "support.h"

/* Gauss 2F1(a, b; c; z) by its power series (|z| < 1). */
static double hyp2f1(double a, double b, double c, double z)
{
    double term = 1.0, sum = 1.0;
    for (int n = 0; n < 200000; n++) {
        term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
        sum += term;
        if (fabs(term) < 1e-17 * fabs(sum))
            break;
    }
    return sum;
}

/* Unconditional E[X(t)] of a customer observed for t periods after the
 * first purchase. */
static double bgnbd_ex(double r, double alpha, double a, double b, double t)
{
    return (a + b - 1) / (a - 1) *
           (1 - pow(alpha / (alpha + t), r) * hyp2f1(r, b, a + b - 1, t / (alpha + t)));
}
static double mbgnbd_ex(double r, double alpha, double a, double b, double t)
{
    return b / (a - 1) * (1 - pow(alpha / (alpha + t), r) * hyp2f1(r, b + 1, a + b, t / (alpha + t)));
}
static double pnbd_ex(double r, double alpha, double s, double beta, double t)
{
    return r * beta / (alpha * (s - 1)) * (1 - pow(beta / (beta + t), s - 1));
}
/* BG/BB E[X(n)] straight from the model: sum over opportunities of
 * P(buy) * P(alive at t) = alpha/(alpha+beta) * B(gamma, delta+t)/B(gamma, delta). */
static double bgbb_ex(double al, double be, double ga, double de, int n)
{
    double sum = 0;
    for (int t = 1; t <= n; t++)
        sum += exp(patron__lbeta(ga, de + t) - patron__lbeta(ga, de));
    return al / (al + be) * sum;
}
/* ... and the paper's closed form. */
static double bgbb_ex_closed(double al, double be, double ga, double de, int n)
{
    return al / (al + be) * de / (ga - 1) *
           (1 - exp(lgamma(ga + de) + lgamma(1 + de + n) - lgamma(ga + de + n) - lgamma(1 + de)));
}

static void test_closed_forms_match_published_values(void **state)
{
    (void)state;
    /* BG/NBD on CDNOW (weeks): lifetimes' test values (Hardie's spreadsheet,
     * ../shared/reference/clv.json), which lifetimes computes at its own fit
     * (clv.json reproduced_rounded_csv) and checks to 3 decimals. */
    static const double t[] = {0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0};
    static const double want[] = {0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576};
    for (int i = 0; i < 6; i++)
        assert_true(pt_close(bgnbd_ex(0.242593, 4.413532, 0.792886, 2.425752, t[i]), want[i], 0, 5e-4));
    /* clv.json E_X_52 at the full-precision MLEs. */
    assert_true(pt_close(bgnbd_ex(0.242598, 4.413684, 0.79299, 2.426167, 52), 1.444005, 2e-6, 0));
    assert_true(pt_close(pnbd_ex(0.553397, 10.580199, 0.606062, 11.656224, 52), 1.473113, 2e-6, 0));
    assert_true(pt_close(bgbb_ex(1.203507, 0.749767, 0.656757, 2.783887, 10), 3.179828, 2e-6, 0));
    assert_true(pt_close(bgbb_ex_closed(1.2035, 0.7498, 0.6568, 2.7839, 6),
                         bgbb_ex(1.2035, 0.7498, 0.6568, 2.7839, 6), 1e-12, 0));
    /* MBG/NBD is BG/NBD with the dropout chance at time 0 too: E[X(t)] equals
     * E[(1-p)/p (1 - exp(-lambda p t))], so b/(a-1) replaces (a+b-1)/(a-1)
     * and the 2F1 shifts to (r, b+1; a+b). Check the limit t -> 0, where
     * E[X(t)] ~ E[lambda] E[1-p] t = (r/alpha) (b/(a+b)) t. */
    double tiny = 1e-6;
    assert_true(pt_close(mbgnbd_ex(0.5248, 6.1831, 0.8914, 1.6140, tiny) / tiny,
                         0.5248 / 6.1831 * 1.6140 / (0.8914 + 1.6140), 1e-5, 0));
    assert_true(pt_close(bgnbd_ex(0.243, 4.414, 0.793, 2.426, tiny) / tiny, 0.243 / 4.414, 1e-5, 0));
}

static patron_sim *run_ok(const patron_sim_options *o)
{
    patron_sim *sim = NULL;
    int rc = patron_sim_run(&sim, o);
    if (rc)
        print_message("patron_sim_run: %s: %s\n", patron_strerror(rc), patron_errmsg());
    assert_int_equal(rc, PATRON_OK);
    assert_non_null(sim);
    return sim;
}

static patron_sim_options bgnbd_opts(int64_t customers, double periods, uint64_t seed)
{
    patron_sim_options o = PATRON_SIM_OPTIONS_INIT;
    o.model = PATRON_SIM_BGNBD;
    o.r = 0.243;
    o.alpha = 4.414;
    o.a = 0.793;
    o.b = 2.426;
    o.customers = customers;
    o.periods = periods;
    o.period_seconds = 7 * 86400;
    o.seed = seed;
    return o;
}

static void test_same_seed_same_arrays(void **state)
{
    (void)state;
    patron_sim_options o = bgnbd_opts(5000, 78, 1);
    o.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
    o.spend_p = 6.25;
    o.spend_q = 3.74;
    o.spend_gamma = 15.44;
    o.cohort_periods = 12;
    o.customer_summary = 1;
    patron_sim *a = run_ok(&o), *b = run_ok(&o);
    size_t n = patron_sim_n_transactions(a);
    assert_int_equal(n, patron_sim_n_transactions(b));
    assert_memory_equal(patron_sim_tx_customer(a), patron_sim_tx_customer(b), n * 8);
    assert_memory_equal(patron_sim_tx_time(a), patron_sim_tx_time(b), n * 8);
    assert_memory_equal(patron_sim_tx_amount(a), patron_sim_tx_amount(b), n * 8);
    assert_memory_equal(patron_sim_x(a), patron_sim_x(b), 5000 * 8);
    assert_memory_equal(patron_sim_monetary(a), patron_sim_monetary(b), 5000 * 8);

    /* Another seed gives another base. */
    o.seed = 2;
    patron_sim *c = run_ok(&o);
    size_t m = patron_sim_n_transactions(c);
    assert_true(m != n || memcmp(patron_sim_tx_time(a), patron_sim_tx_time(c), n * 8) != 0);
    assert_true(memcmp(patron_sim_tx_amount(a), patron_sim_tx_amount(c), 8 * (n < m ? n : m)) != 0);

    /* Customer i's history does not depend on how many customers there are. */
    o.seed = 1;
    o.customers = 100;
    patron_sim *d = run_ok(&o);
    size_t k = patron_sim_n_transactions(d);
    assert_true(k < n);
    assert_memory_equal(patron_sim_tx_time(a), patron_sim_tx_time(d), k * 8);
    assert_memory_equal(patron_sim_tx_amount(a), patron_sim_tx_amount(d), k * 8);
    assert_int_equal(patron_sim_tx_customer(a)[k], 100);
    patron_sim_free(a);
    patron_sim_free(b);
    patron_sim_free(c);
    patron_sim_free(d);
}

/* FNV-1a over the arrays: a fixed fingerprint of one simulation. It changes
 * only when the generator, a sampler or the draw order changes — which
 * breaks every user's reproducibility and must be a deliberate decision. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

#define FINGERPRINT_N 4084
#define FINGERPRINT_HASH UINT64_C(0x195efe8ab7f21ecf)
static void test_fingerprint_is_stable(void **state)
{
    (void)state;
    patron_sim_options o = bgnbd_opts(2000, 39, 2024);
    o.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
    o.spend_p = 6.25;
    o.spend_q = 3.74;
    o.spend_gamma = 15.44;
    o.cohort_periods = 12;
    patron_sim *sim = run_ok(&o);
    size_t n = patron_sim_n_transactions(sim);
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++) {
        int64_t row[3] = {patron_sim_tx_customer(sim)[i], patron_sim_tx_time(sim)[i],
                          patron_sim_tx_amount(sim)[i]};
        unsigned char le[24];
        for (int j = 0; j < 3; j++)
            for (int b = 0; b < 8; b++)
                le[8 * j + b] = (unsigned char)((uint64_t)row[j] >> (8 * b));
        h = fnv(h, le, sizeof le);
    }
    print_message("fingerprint: %zu transactions, %016" PRIx64 "\n", n, h);
    assert_int_equal(n, FINGERPRINT_N);
    assert_true(h == FINGERPRINT_HASH);
    patron_sim_free(sim);
}

/* The log's structure and its agreement with the per-customer truth. */
static void check_structure(const patron_sim_options *o)
{
    patron_sim *sim = run_ok(o);
    size_t n = patron_sim_n_transactions(sim), nc = patron_sim_n_customers(sim);
    assert_int_equal(nc, (size_t)o->customers);
    const int64_t *cu = patron_sim_tx_customer(sim), *tm = patron_sim_tx_time(sim),
                  *am = patron_sim_tx_amount(sim);
    const double *x = patron_sim_x(sim), *tx = patron_sim_t_x(sim), *T = patron_sim_T(sim),
                 *mon = patron_sim_monetary(sim);
    assert_non_null(x);
    double ps = (double)o->period_seconds;
    int64_t end = o->start + (int64_t)floor(o->periods * ps);
    size_t i = 0;
    for (size_t c = 0; c < nc; c++) {
        assert_true(i < n);
        assert_int_equal(cu[i], (int64_t)c);
        double birth = o->periods - T[c];
        if (o->cohort_periods > 0)
            assert_true(birth >= -1e-9 && birth < o->cohort_periods);
        else
            assert_true(birth == 0);
        if (o->model == PATRON_SIM_BGBB)
            assert_true(birth == floor(birth) && tx[c] == floor(tx[c]));
        /* birth is recovered as periods - T, so allow one second of rounding. */
        assert_true(llabs(tm[i] - (o->start + (int64_t)floor(birth * ps))) <= 1);
        size_t first = i;
        i++;
        while (i < n && cu[i] == (int64_t)c) {
            assert_true(tm[i] >= tm[i - 1]);
            assert_true(tm[i] <= end);
            i++;
        }
        assert_true(x[c] == (double)(i - first - 1));
        assert_true(tx[c] >= 0 && tx[c] <= T[c]);
        if (x[c] > 0) {
            assert_true(llabs(tm[i - 1] - (o->start + (int64_t)floor((birth + tx[c]) * ps))) <= 1);
        } else {
            assert_true(tx[c] == 0);
            assert_true(mon[c] == 0);
        }
        if (o->spend == PATRON_SIM_SPEND_NONE) {
            for (size_t j = first; j < i; j++)
                assert_int_equal(am[j], 0);
        } else if (x[c] > 0) {
            /* The exact mean and the rounded amounts agree to half a minor unit. */
            double sum = 0;
            for (size_t j = first + 1; j < i; j++)
                sum += (double)am[j];
            assert_true(fabs(sum / x[c] - mon[c] * (double)o->minor_per_unit) <= 0.5 + 1e-9);
        }
    }
    assert_int_equal(i, n);
    patron_sim_free(sim);
}

static void test_log_structure_every_model(void **state)
{
    (void)state;
    patron_sim_options o = bgnbd_opts(3000, 78, 3);
    o.customer_summary = 1;
    check_structure(&o);
    o.cohort_periods = 26;
    o.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
    o.spend_p = 6.25;
    o.spend_q = 3.74;
    o.spend_gamma = 15.44;
    check_structure(&o);
    o.model = PATRON_SIM_MBGNBD;
    check_structure(&o);
    o.model = PATRON_SIM_PNBD;
    o.r = 0.5534;
    o.alpha = 10.58;
    o.s = 0.6061;
    o.beta = 11.67;
    o.period_seconds = 86400;
    o.start = 0;
    check_structure(&o);
    o.model = PATRON_SIM_BGBB;
    o.alpha = 1.2035;
    o.beta = 0.7498;
    o.gamma = 0.6568;
    o.delta = 2.7839;
    o.periods = 11;
    o.cohort_periods = 5;
    o.period_seconds = 365 * 86400;
    check_structure(&o);
}

/* Mean of x over customers all observed for `periods` (births at 0)
 * against the closed form, within 5 standard errors. */
static void check_mean_x(patron_sim_options o, double want)
{
    o.customer_summary = 1;
    patron_sim *sim = run_ok(&o);
    const double *x = patron_sim_x(sim);
    size_t n = patron_sim_n_customers(sim);
    double m = 0, v = 0;
    for (size_t i = 0; i < n; i++)
        m += x[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        v += (x[i] - m) * (x[i] - m);
    v /= (double)(n - 1);
    double se = sqrt(v / (double)n);
    double z = (m - want) / se;
    print_message("model %d: mean x %.5f, closed form %.5f, z = %.2f\n", (int)o.model, m, want, z);
    assert_true(fabs(z) < 5);
    patron_sim_free(sim);
}

/* 100,000 customers per model check; 20,000 under valgrind (which only
 * looks for memory errors; PATRON_UNDER_VALGRIND is set by the test setup),
 * where the 5-standard-error bounds are wider but still checked. */
static size_t model_n(void)
{
    static size_t n;
    if (!n)
        n = getenv("PATRON_UNDER_VALGRIND") ? 20000 : 100000;
    return n;
}
#define MODEL_N model_n()

/* Share of customers with a given property against its probability, within
 * 5 binomial standard errors. */
static void check_share(const char *what, size_t hits, size_t n, double p)
{
    double share = (double)hits / (double)n, se = sqrt(p * (1 - p) / (double)n);
    print_message("%s: %.5f, closed form %.5f, z = %.2f\n", what, share, p, (share - p) / se);
    assert_true(fabs(share - p) < 5 * se);
}

/* Beyond the mean: P(X(t) = 0), and births spread over the cohort window. */
static void test_zero_class_and_births(void **state)
{
    (void)state;
    /* BG/NBD: P(X(t) = 0) = (alpha/(alpha+t))^r (clv.json P_X39_eq_0 = 0.5737864
     * at the paper's parameters). */
    patron_sim_options o = bgnbd_opts(MODEL_N, 39, 21);
    o.customer_summary = 1;
    double p0 = pow(4.414 / (4.414 + 39), 0.243);
    assert_true(pt_close(p0, 0.5737864, 1e-6, 0));
    patron_sim *sim = run_ok(&o);
    size_t zeros = 0;
    for (size_t i = 0; i < MODEL_N; i++)
        zeros += patron_sim_x(sim)[i] == 0;
    check_share("BG/NBD P(X(39) = 0)", zeros, MODEL_N, p0);
    patron_sim_free(sim);

    /* MBG/NBD: dropout at time 0 with probability E[p] = a/(a+b), otherwise
     * as BG/NBD: a/(a+b) + b/(a+b) (alpha/(alpha+t))^r. */
    o.model = PATRON_SIM_MBGNBD;
    o.seed = 22;
    sim = run_ok(&o);
    zeros = 0;
    for (size_t i = 0; i < MODEL_N; i++)
        zeros += patron_sim_x(sim)[i] == 0;
    double a = 0.793, b = 2.426;
    check_share("MBG/NBD P(X(39) = 0)", zeros, MODEL_N, a / (a + b) + b / (a + b) * p0);
    patron_sim_free(sim);

    /* Births uniform over the cohort window: T = periods - U * cohort, so
     * P(T > periods - cohort/4) = 1/4. */
    o.model = PATRON_SIM_BGNBD;
    o.cohort_periods = 12;
    o.seed = 23;
    sim = run_ok(&o);
    size_t late = 0;
    for (size_t i = 0; i < MODEL_N; i++) {
        double T = patron_sim_T(sim)[i];
        assert_true(T > 39 - 12 && T <= 39);
        late += T > 39 - 3;
    }
    check_share("births in the first quarter of the cohort window", late, MODEL_N, 0.25);
    patron_sim_free(sim);
}

static void test_bgnbd_matches_closed_form(void **state)
{
    (void)state;
    patron_sim_options o = bgnbd_opts(MODEL_N, 39, 11);
    check_mean_x(o, bgnbd_ex(0.243, 4.414, 0.793, 2.426, 39));
    /* A second point with a > 1 and a longer horizon. */
    o.r = 1.5;
    o.alpha = 20;
    o.a = 2.5;
    o.b = 4;
    o.periods = 104;
    check_mean_x(o, bgnbd_ex(1.5, 20, 2.5, 4, 104));
}

static void test_mbgnbd_matches_closed_form(void **state)
{
    (void)state;
    patron_sim_options o = bgnbd_opts(MODEL_N, 39, 12);
    o.model = PATRON_SIM_MBGNBD;
    o.r = 0.5248;
    o.alpha = 6.1831;
    o.a = 0.8914;
    o.b = 1.6140;
    check_mean_x(o, mbgnbd_ex(0.5248, 6.1831, 0.8914, 1.6140, 39));
    /* MBG/NBD differs from BG/NBD at the same parameters (time-0 dropout). */
    assert_true(mbgnbd_ex(0.5248, 6.1831, 0.8914, 1.6140, 39) <
                bgnbd_ex(0.5248, 6.1831, 0.8914, 1.6140, 39));
}

static void test_pnbd_matches_closed_form(void **state)
{
    (void)state;
    patron_sim_options o = bgnbd_opts(MODEL_N, 52, 13);
    o.model = PATRON_SIM_PNBD;
    o.r = 0.5534;
    o.alpha = 10.5802;
    o.s = 0.6061;
    o.beta = 11.6562;
    check_mean_x(o, pnbd_ex(0.5534, 10.5802, 0.6061, 11.6562, 52));
}

static void test_bgbb_matches_closed_form(void **state)
{
    (void)state;
    patron_sim_options o = bgnbd_opts(MODEL_N, 6, 14);
    o.model = PATRON_SIM_BGBB;
    o.alpha = 1.2035;
    o.beta = 0.7498;
    o.gamma = 0.6568;
    o.delta = 2.7839;
    o.period_seconds = 365 * 86400;
    check_mean_x(o, bgbb_ex_closed(1.2035, 0.7498, 0.6568, 2.7839, 6));
    o.periods = 30;
    check_mean_x(o, bgbb_ex_closed(1.2035, 0.7498, 0.6568, 2.7839, 30));
}

static void test_gamma_gamma_mean_spend(void **state)
{
    (void)state;
    /* One value per customer (the first purchase) keeps draws independent:
     * mean p*gamma/(q-1), variance p*E[1/nu^2] + p^2*Var(1/nu) with
     * 1/nu inverse-gamma(q, gamma). */
    double p = 6.25, q = 3.74, g = 15.44;
    patron_sim_options o = bgnbd_opts(MODEL_N, 39, 15);
    o.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
    o.spend_p = p;
    o.spend_q = q;
    o.spend_gamma = g;
    o.customer_summary = 1;
    patron_sim *sim = run_ok(&o);
    const int64_t *cu = patron_sim_tx_customer(sim), *am = patron_sim_tx_amount(sim);
    size_t n = patron_sim_n_transactions(sim);
    double sum = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || cu[i] != cu[i - 1]) {
            sum += (double)am[i] / 100.0;
            k++;
        }
    assert_int_equal(k, MODEL_N);
    double mean = p * g / (q - 1);
    double e_inv2 = g * g / ((q - 1) * (q - 2)), var_inv = e_inv2 - (g / (q - 1)) * (g / (q - 1));
    double var = p * e_inv2 + p * p * var_inv;
    double z = (sum / (double)k - mean) / sqrt(var / (double)k);
    print_message("Gamma-Gamma: mean first spend %.4f, p*gamma/(q-1) = %.4f, z = %.2f\n",
                  sum / (double)k, mean, z);
    assert_true(fabs(z) < 5);
    patron_sim_free(sim);
}

static int expect_einval(patron_sim_options o, const char *msg_part)
{
    patron_sim *sim = (patron_sim *)&o; /* sentinel: must stay untouched */
    int rc = patron_sim_run(&sim, &o);
    if (!strstr(patron_errmsg(), msg_part))
        print_message("message '%s' lacks '%s'\n", patron_errmsg(), msg_part);
    assert_true(strstr(patron_errmsg(), msg_part) != NULL);
    assert_ptr_equal(sim, (patron_sim *)&o);
    return rc;
}

static void test_bad_options_are_einval(void **state)
{
    (void)state;
    patron_sim_options good = bgnbd_opts(10, 39, 1), o;
    o = good; o.r = 0;
    assert_int_equal(expect_einval(o, "BG/NBD parameter r must be a finite number > 0, got 0"), PATRON_EINVAL);
    o = good; o.alpha = NAN;
    assert_int_equal(expect_einval(o, "BG/NBD parameter alpha must be a finite number > 0, got nan"), PATRON_EINVAL);
    o = good; o.b = -1;
    assert_int_equal(expect_einval(o, "parameter b must be a finite number > 0, got -1"), PATRON_EINVAL);
    o = good; o.a = INFINITY;
    assert_int_equal(expect_einval(o, "parameter a must be"), PATRON_EINVAL);
    o = good; o.model = PATRON_SIM_PNBD;
    assert_int_equal(expect_einval(o, "Pareto/NBD parameter s must be a finite number > 0, got 0"), PATRON_EINVAL);
    o = good; o.model = PATRON_SIM_BGBB;
    assert_int_equal(expect_einval(o, "BG/BB parameter beta must be"), PATRON_EINVAL);
    o = good; o.model = (patron_sim_model)42;
    assert_int_equal(expect_einval(o, "unknown model 42"), PATRON_EINVAL);
    o = good; o.spend = PATRON_SIM_SPEND_GAMMA_GAMMA; o.spend_p = 1; o.spend_q = 0.5;
    assert_int_equal(expect_einval(o, "Gamma-Gamma parameter spend_gamma must be a finite number > 0, got 0"), PATRON_EINVAL);
    o = good; o.customers = 0;
    assert_int_equal(expect_einval(o, "customers must be between 1 and 1000000000, got 0"), PATRON_EINVAL);
    o = good; o.customers = INT64_C(5000000000);
    assert_int_equal(expect_einval(o, "got 5000000000"), PATRON_EINVAL);
    o = good; o.customers = 1000; o.max_transactions = 999;
    assert_int_equal(expect_einval(o, "customers (1000) exceeds max_transactions (999)"), PATRON_EINVAL);
    o = good; o.periods = 0;
    assert_int_equal(expect_einval(o, "periods must be a finite number > 0, got 0"), PATRON_EINVAL);
    o = good; o.periods = NAN;
    assert_int_equal(expect_einval(o, "periods must be a finite number > 0, got nan"), PATRON_EINVAL);
    o = good; o.cohort_periods = 39;
    assert_int_equal(expect_einval(o, "cohort_periods must be >= 0 and less than periods (39), got 39"), PATRON_EINVAL);
    o = good; o.period_seconds = 0;
    assert_int_equal(expect_einval(o, "period_seconds must be >= 1, got 0"), PATRON_EINVAL);
    o = good; o.periods = 1e9;
    assert_int_equal(expect_einval(o, "ends after year 9999"), PATRON_EINVAL);
    o = good; o.start = INT64_MIN;
    assert_int_equal(expect_einval(o, "outside the supported range"), PATRON_EINVAL);
    o = good; o.model = PATRON_SIM_BGBB; o.alpha = o.beta = o.gamma = o.delta = 1; o.periods = 6.5;
    assert_int_equal(expect_einval(o, "must be whole numbers"), PATRON_EINVAL);
    o = good; o.size = 4;
    assert_int_equal(expect_einval(o, "patron_sim_options.size is 4"), PATRON_EINVAL);
    assert_int_equal(patron_sim_run(NULL, &good), PATRON_EINVAL);
    patron_sim *sim = NULL;
    assert_int_equal(patron_sim_run(&sim, NULL), PATRON_EINVAL);
    assert_null(sim);
}

static void test_runaway_rates_are_erange(void **state)
{
    (void)state;
    patron_sim_options o = bgnbd_opts(10, 39, 1);
    o.r = 100;
    o.alpha = 1e-3; /* about 1e5 purchases per period each */
    o.b = 1e6;      /* and almost never drop out */
    o.max_transactions = 100000;
    patron_sim *sim = NULL;
    assert_int_equal(patron_sim_run(&sim, &o), PATRON_ERANGE);
    assert_non_null(strstr(patron_errmsg(), "customer 0: the log would exceed max_transactions (100000)"));
    assert_null(sim);
    /* q tiny: the customer scale underflows and amounts explode. */
    o = bgnbd_opts(1000, 39, 1);
    o.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
    o.spend_p = 5;
    o.spend_q = 0.002;
    o.spend_gamma = 1;
    assert_int_equal(patron_sim_run(&sim, &o), PATRON_ERANGE);
    assert_non_null(strstr(patron_errmsg(), "does not fit in int64 minor units"));
    assert_null(sim);
}

static void test_options_init_and_accessors(void **state)
{
    (void)state;
    patron_sim_options a = PATRON_SIM_OPTIONS_INIT, b;
    memset(&b, 0x5a, sizeof b);
    patron_sim_options_init(&b);
    assert_int_equal(a.size, b.size);
    assert_int_equal(a.size, sizeof a);
    assert_int_equal(a.model, b.model);
    assert_true(a.r == b.r && a.alpha == b.alpha && a.delta == b.delta && b.spend_gamma == 0);
    assert_int_equal(a.spend, b.spend);
    assert_int_equal(a.minor_per_unit, b.minor_per_unit);
    assert_int_equal(a.customers, b.customers);
    assert_true(a.periods == b.periods && b.cohort_periods == 0);
    assert_int_equal(a.period_seconds, b.period_seconds);
    assert_int_equal(a.start, b.start);
    assert_true(a.seed == b.seed);
    assert_int_equal(a.max_transactions, b.max_transactions);
    assert_int_equal(a.customer_summary, b.customer_summary);
    assert_int_equal(a.period_seconds, 86400);
    assert_int_equal(a.minor_per_unit, 100);
    assert_true(a.seed == 1);
    patron_sim_free(NULL);
    assert_int_equal(patron_sim_n_transactions(NULL), 0);
    /* Without customer_summary the per-customer arrays are NULL. */
    patron_sim_options o = bgnbd_opts(3, 10, 1);
    patron_sim *sim = run_ok(&o);
    assert_null(patron_sim_x(sim));
    assert_null(patron_sim_t_x(sim));
    assert_null(patron_sim_T(sim));
    assert_null(patron_sim_monetary(sim));
    assert_true(patron_sim_n_transactions(sim) >= 3);
    patron_sim_free(sim);
}

static int sim_op(void *ctx)
{
    const patron_sim_options *o = ctx;
    patron_sim *sim = NULL;
    int rc = patron_sim_run(&sim, o);
    patron_sim_free(sim);
    return rc;
}

static void test_every_allocation_failure_is_enomem(void **state)
{
    (void)state;
    patron_sim_options o = bgnbd_opts(50, 39, 1);
    o.customer_summary = 1;
    size_t points = pt_failalloc_walk(sim_op, NULL, &o);
    assert_true(points >= 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_forms_match_published_values),
        cmocka_unit_test(test_same_seed_same_arrays),
        cmocka_unit_test(test_fingerprint_is_stable),
        cmocka_unit_test(test_log_structure_every_model),
        cmocka_unit_test(test_bgnbd_matches_closed_form),
        cmocka_unit_test(test_mbgnbd_matches_closed_form),
        cmocka_unit_test(test_pnbd_matches_closed_form),
        cmocka_unit_test(test_bgbb_matches_closed_form),
        cmocka_unit_test(test_gamma_gamma_mean_spend),
        cmocka_unit_test(test_zero_class_and_births),
        cmocka_unit_test(test_bad_options_are_einval),
        cmocka_unit_test(test_runaway_rates_are_erange),
        cmocka_unit_test(test_options_init_and_accessors),
        cmocka_unit_test(test_every_allocation_failure_is_enomem),
    };
    return cmocka_run_group_tests_name("simulate", tests, NULL, NULL);
}
