/* The projection's inputs read from JSON (the options by their field names,
 * and the acquisition plan), so that the CLI, Python and Node share one
 * plan-file format (docs/guide/plan.md, "Plan file"). */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "internal/error.h"
#include "internal/json.h"
#include "internal/options.h"
#include "plan_int.h"

#define JFN "patron_plan_inputs_from_json"

typedef struct field {
    const char *name;
    size_t offset;
    int kind; /* 0 double, 1 int32, 2 uint64 */
} field;

#define F(name, kind) { #name, offsetof(patron_plan_options, name), kind }
static const field FIELDS[] = {
    F(years, 1), F(draws, 1), F(seed, 2), F(periods_per_year, 0), F(earn_rate, 0), F(redeem_share, 0),
    F(redeem_months, 0), F(expiry_months, 0), F(cost_per_point, 0), F(fixed_cost, 0), F(incremental_share, 0),
    F(margin, 0), F(discount_rate, 0), F(refit, 1),
};

int patron_plan_inputs_from_json(patron_plan_options *opts, int64_t *acquisitions, size_t cap, size_t *n_months,
                                 const char *text, size_t len)
{
    if (!opts || !n_months || !text || (cap && !acquisitions))
        return patron__fail(PATRON_EINVAL, JFN ": %s is NULL",
                            !opts ? "opts" : !n_months ? "n_months" : !text ? "text" : "acquisitions");
    patron_plan_options o = PATRON_PLAN_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_plan_options");
    if (rc)
        return rc;
    patron_json *doc = NULL;
    if ((rc = patron__json_parse(&doc, text, len)))
        return patron__fail_prefix(rc, JFN ": ");
    if (patron__json_type(doc) != PATRON_JSON_OBJECT) {
        patron__json_free(doc);
        return patron__fail(PATRON_EINVAL, JFN ": the plan is not a JSON object");
    }
    const patron_json *acq = NULL;
    for (size_t i = 0; i < patron__json_len(doc); i++) {
        const char *key = patron__json_key_at(doc, i);
        const patron_json *v = patron__json_at(doc, i);
        if (!strcmp(key, "acquisitions")) {
            acq = v;
            continue;
        }
        const field *f = NULL;
        for (size_t k = 0; k < sizeof FIELDS / sizeof FIELDS[0]; k++)
            if (!strcmp(FIELDS[k].name, key))
                f = &FIELDS[k];
        if (!f) {
            rc = patron__fail(PATRON_EINVAL, JFN ": unknown key \"%s\" (the fields of patron_plan_options and \"acquisitions\")", key);
            goto done;
        }
        if (!patron__json_is_number(v)) { /* "NaN" and "Infinity" pass, for the projection to name */
            rc = patron__fail(PATRON_EINVAL, JFN ": %s is not a number", key);
            goto done;
        }
        double d = patron__json_number(v);
        char *base = (char *)&o + f->offset;
        if (f->kind == 0) {
            memcpy(base, &d, sizeof d);
        } else if (f->kind == 1) {
            if (d != floor(d) || d < -2147483648.0 || d > 2147483647.0) {
                rc = patron__fail(PATRON_EINVAL, JFN ": %s %.17g is not a whole number", key, d);
                goto done;
            }
            int32_t x = (int32_t)d;
            memcpy(base, &x, sizeof x);
        } else {
            if (d != floor(d) || d < 0 || d >= 18446744073709551616.0) {
                rc = patron__fail(PATRON_EINVAL, JFN ": %s %.17g is not a whole number >= 0", key, d);
                goto done;
            }
            uint64_t x = (uint64_t)d;
            memcpy(base, &x, sizeof x);
        }
    }
    size_t n = 0;
    if (acq) {
        size_t months = (size_t)(o.years > 0 ? o.years : 0) * 12;
        int every = patron__json_type(acq) == PATRON_JSON_NUMBER;
        if (!every && patron__json_type(acq) != PATRON_JSON_ARRAY) {
            rc = patron__fail(PATRON_EINVAL, JFN ": acquisitions is neither a number (every month) nor an array (month by month)");
            goto done;
        }
        n = every ? months : patron__json_len(acq);
        if (n > cap) {
            rc = patron__fail(PATRON_ERANGE, JFN ": acquisitions has %zu months, more than the buffer's %zu", n, cap);
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            const patron_json *v = every ? acq : patron__json_at(acq, i);
            double d = patron__json_number(v);
            if (patron__json_type(v) != PATRON_JSON_NUMBER || d != floor(d) || fabs(d) > 9e15) {
                rc = patron__fail(PATRON_EINVAL, JFN ": acquisitions[%zu] is not a whole number", i);
                goto done;
            }
        }
        for (size_t i = 0; i < n; i++)
            acquisitions[i] = (int64_t)patron__json_number(every ? acq : patron__json_at(acq, i));
    }
    for (size_t i = n; i < cap; i++) /* months past the plan's acquire none */
        acquisitions[i] = 0;
    /* the values are checked by patron_plan_project(), which names the option */
    uint32_t size = opts->size;
    memcpy(opts, &o, size < sizeof o ? size : sizeof o);
    opts->size = size;
    *n_months = n;
    rc = PATRON_OK;
done:
    patron__json_free(doc);
    return rc;
}
