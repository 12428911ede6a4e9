/* patron_sim_run: option checks, the two-pass (count, fill) simulation and
 * the result accessors. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"
#include "internal/clv_model.h"
#include "sim_internal.h"

/* Size of patron_sim_options in 0.1, its first release (progress was appended in 0.2). */
#define PATRON__SIM_OPTIONS_FIRST_SIZE PATRON__SIZE_BEFORE(patron_sim_options, progress)

/* Supported UTC range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z. */
#define SIM_MIN_TIME INT64_C(-62135596800)
#define SIM_MAX_TIME INT64_C(253402300799)

struct patron_sim {
    size_t n_tx, n_cust;
    int64_t *customer, *time, *amount;
    double *x, *t_x, *T, *monetary;
};

void patron_sim_options_init(patron_sim_options *opts)
{
    if (opts) {
        patron_sim_options d = PATRON_SIM_OPTIONS_INIT;
        /* The sized-struct rule for a struct the library writes: a caller
         * that set size to its (older, smaller) sizeof gets only that many
         * bytes; size 0 or anything else (never set) means the whole struct
         * the library knows, as before. */
        uint32_t size;
        memcpy(&size, opts, sizeof size);
        if (size >= sizeof d || size < PATRON__SIM_OPTIONS_FIRST_SIZE)
            size = (uint32_t)sizeof d;
        memcpy(opts, &d, size);
        memcpy(opts, &size, sizeof size);
    }
}

static int check_param(const char *model, const char *name, double v)
{
    if (!(v > 0.0 && v < INFINITY))
        return patron__fail(PATRON_EINVAL, "%s parameter %s must be a finite number > 0, got %g",
                            model, name, v);
    return PATRON_OK;
}

#define CHECK(model, field)                                              \
    do {                                                                 \
        int rc_ = check_param(model, #field, o->field);                  \
        if (rc_)                                                         \
            return rc_;                                                  \
    } while (0)

/* The sim model list for messages, from the table. */
static void sim_model_list(char *buf, size_t cap)
{
    size_t n = 0, used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < patron__clv_model_count(); i++)
        if (patron__clv_model_at(i)->sim_model)
            n++;
    for (size_t i = 0, k = 0; i < patron__clv_model_count(); i++) {
        const clv_model_desc *m = patron__clv_model_at(i);
        if (!m->sim_model)
            continue;
        int w = snprintf(buf + used, cap - used, "%s%s = %d (%s)",
                         k == 0 ? "" : k + 1 == n ? " or " : ", ", m->name, m->sim_model, m->title);
        if (w < 0 || (size_t)w >= cap - used)
            return;
        used += (size_t)w;
        k++;
    }
}

static int validate(const patron_sim_options *o)
{
    /* The purchase model and its parameters come from the model table
     * (lib/internal/clv_model.h): each parameter's field in the options. */
    const clv_model_desc *md = patron__clv_model_sim(o->model);
    if (!md) {
        char list[256];
        sim_model_list(list, sizeof list);
        return patron__fail(PATRON_EINVAL, "unknown model %d (expected %s)", (int)o->model, list);
    }
    for (int i = 0; i < md->n_params; i++) {
        double v;
        memcpy(&v, (const char *)o + md->sim_param[i], sizeof v);
        int rc = check_param(md->title, md->param[i], v);
        if (rc)
            return rc;
    }
    switch (o->spend) {
    case PATRON_SIM_SPEND_NONE:
        break;
    case PATRON_SIM_SPEND_GAMMA_GAMMA:
        CHECK("Gamma-Gamma", spend_p);
        CHECK("Gamma-Gamma", spend_q);
        CHECK("Gamma-Gamma", spend_gamma);
        if (o->minor_per_unit < 1)
            return patron__fail(PATRON_EINVAL, "minor_per_unit must be >= 1, got %lld",
                                (long long)o->minor_per_unit);
        break;
    default:
        return patron__fail(PATRON_EINVAL, "unknown spend model %d", (int)o->spend);
    }
    if (o->max_transactions < 1)
        return patron__fail(PATRON_EINVAL, "max_transactions must be >= 1, got %lld",
                            (long long)o->max_transactions);
    if (o->customers < 1 || o->customers > PATRON_SIM_MAX_CUSTOMERS)
        return patron__fail(PATRON_EINVAL, "customers must be between 1 and %lld, got %lld",
                            (long long)PATRON_SIM_MAX_CUSTOMERS, (long long)o->customers);
    if (o->customers > o->max_transactions)
        return patron__fail(PATRON_EINVAL,
                            "customers (%lld) exceeds max_transactions (%lld): every customer "
                            "makes at least one purchase",
                            (long long)o->customers, (long long)o->max_transactions);
    if (o->period_seconds < 1)
        return patron__fail(PATRON_EINVAL, "period_seconds must be >= 1, got %lld",
                            (long long)o->period_seconds);
    if (!(o->periods > 0.0 && o->periods < INFINITY))
        return patron__fail(PATRON_EINVAL, "periods must be a finite number > 0, got %g",
                            o->periods);
    if (!(o->cohort_periods >= 0.0 && o->cohort_periods < o->periods))
        return patron__fail(PATRON_EINVAL,
                            "cohort_periods must be >= 0 and less than periods (%g), got %g",
                            o->periods, o->cohort_periods);
    if ((md->flags & CLV_M_DISCRETE) &&
        (o->periods != floor(o->periods) || o->cohort_periods != floor(o->cohort_periods)))
        return patron__fail(PATRON_EINVAL,
                            "%s counts whole opportunities: periods (%g) and cohort_periods "
                            "(%g) must be whole numbers", md->title, o->periods, o->cohort_periods);
    if (o->start < SIM_MIN_TIME || o->start > SIM_MAX_TIME)
        return patron__fail(PATRON_EINVAL,
                            "start %lld is outside the supported range (years 1 to 9999)",
                            (long long)o->start);
    double span = o->periods * (double)o->period_seconds;
    if (!(span <= (double)(SIM_MAX_TIME - o->start)))
        return patron__fail(PATRON_EINVAL,
                            "the observation window (%g periods of %lld s from %lld) ends after "
                            "year 9999", o->periods, (long long)o->period_seconds,
                            (long long)o->start);
    return PATRON_OK;
}

void patron_sim_free(patron_sim *sim)
{
    if (!sim)
        return;
    patron__free(sim->customer);
    patron__free(sim->time);
    patron__free(sim->amount);
    patron__free(sim->x);
    patron__free(sim->t_x);
    patron__free(sim->T);
    patron__free(sim->monetary);
    patron__free(sim);
}

int patron_sim_run(patron_sim **out, const patron_sim_options *opts)
{
    if (!out)
        return patron__fail(PATRON_EINVAL, "out is NULL");
    if (!opts)
        return patron__fail(PATRON_EINVAL, "opts is NULL: the model, its parameters, customers "
                            "and periods must be set");
    patron_sim_options o = PATRON_SIM_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, PATRON__SIM_OPTIONS_FIRST_SIZE, "patron_sim_options");
    if (rc)
        return rc;
    rc = validate(&o);
    if (rc)
        return rc;

    /* Progress: both passes over the customers, reported every 1% (or at
     * least every 65536 customers) to the caller's callback. */
    const uint64_t work = 2 * (uint64_t)o.customers;
    uint64_t step = work / 100 < 65536 ? work / 100 : 65536;
    if (step == 0)
        step = 1;
#define SIM_PROGRESS(done)                                                  \
    do {                                                                    \
        if (o.progress && ((uint64_t)(done) % step == 0 || (uint64_t)(done) == work)) \
            o.progress(o.progress_data, (uint64_t)(done), work);            \
    } while (0)

    /* Pass 1: count. */
    int64_t total = 0;
    for (int64_t i = 0; i < o.customers; i++) {
        SIM_PROGRESS(i);
        int64_t n = patron__sim_customer(&o, i, o.max_transactions - total, NULL, NULL, NULL);
        if (n < 0)
            return patron__fail(PATRON_ERANGE,
                                "customer %lld: the log would exceed max_transactions (%lld); "
                                "the parameters imply very frequent purchases (raise "
                                "max_transactions or check the rate parameters)",
                                (long long)i, (long long)o.max_transactions);
        total += n;
    }

    /* Allocate at the exact size. */
    patron_sim *sim = patron__calloc(1, sizeof *sim);
    if (!sim)
        return patron__oom();
    size_t nt = (size_t)total, nc = (size_t)o.customers;
    sim->n_tx = nt;
    sim->n_cust = nc;
    sim->customer = patron__reallocarray(NULL, nt, sizeof(int64_t));
    sim->time = patron__reallocarray(NULL, nt, sizeof(int64_t));
    sim->amount = patron__reallocarray(NULL, nt, sizeof(int64_t));
    int ok = sim->customer && sim->time && sim->amount;
    if (ok && o.customer_summary) {
        sim->x = patron__reallocarray(NULL, nc, sizeof(double));
        sim->t_x = patron__reallocarray(NULL, nc, sizeof(double));
        sim->T = patron__reallocarray(NULL, nc, sizeof(double));
        sim->monetary = patron__reallocarray(NULL, nc, sizeof(double));
        ok = sim->x && sim->t_x && sim->T && sim->monetary;
    }
    if (!ok) {
        patron_sim_free(sim);
        return patron__oom();
    }

    /* Pass 2: the same streams again, writing. */
    int64_t off = 0;
    for (int64_t i = 0; i < o.customers; i++) {
        SIM_PROGRESS((uint64_t)o.customers + (uint64_t)i);
        patron__sim_customer_out c;
        int64_t n = patron__sim_customer(&o, i, total - off, sim->time + off, sim->amount + off,
                                         &c);
        if (n == -2) {
            patron_sim_free(sim);
            return patron__fail(PATRON_ERANGE,
                                "customer %lld: a simulated amount does not fit in int64 minor "
                                "units (Gamma-Gamma q = %g, gamma = %g give a heavy tail)",
                                (long long)i, o.spend_q, o.spend_gamma);
        }
        if (n < 0) {
            patron_sim_free(sim);
            return patron__fail(PATRON_EINTERNAL,
                                "customer %lld: second simulation pass disagrees with the first",
                                (long long)i);
        }
        for (int64_t j = 0; j < n; j++)
            sim->customer[off + j] = i;
        if (sim->x) {
            sim->x[i] = c.x;
            sim->t_x[i] = c.t_x;
            sim->T[i] = c.T;
            sim->monetary[i] = c.x > 0 ? c.spend_sum / c.x : 0.0;
        }
        off += n;
    }
    if (off != total) {
        patron_sim_free(sim);
        return patron__fail(PATRON_EINTERNAL, "second simulation pass wrote %lld of %lld "
                            "transactions", (long long)off, (long long)total);
    }
    SIM_PROGRESS(work);
#undef SIM_PROGRESS
    *out = sim;
    return PATRON_OK;
}

size_t patron_sim_n_transactions(const patron_sim *sim)
{
    return sim ? sim->n_tx : 0;
}

size_t patron_sim_n_customers(const patron_sim *sim)
{
    return sim ? sim->n_cust : 0;
}

const int64_t *patron_sim_tx_customer(const patron_sim *sim)
{
    return sim ? sim->customer : NULL;
}

const int64_t *patron_sim_tx_time(const patron_sim *sim)
{
    return sim ? sim->time : NULL;
}

const int64_t *patron_sim_tx_amount(const patron_sim *sim)
{
    return sim ? sim->amount : NULL;
}

const double *patron_sim_x(const patron_sim *sim)
{
    return sim ? sim->x : NULL;
}

const double *patron_sim_t_x(const patron_sim *sim)
{
    return sim ? sim->t_x : NULL;
}

const double *patron_sim_T(const patron_sim *sim)
{
    return sim ? sim->T : NULL;
}

const double *patron_sim_monetary(const patron_sim *sim)
{
    return sim ? sim->monetary : NULL;
}
