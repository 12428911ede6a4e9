/* Campaign funnels: rates, Wilson intervals and comparisons against a
 * reference with the experiments module's tests. */
#include <math.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"
#include "patron/abtest.h"
#include "patron/report.h"

static double ratio(int64_t a, int64_t b)
{
    return b > 0 ? (double)a / (double)b : NAN;
}

int patron_report_campaigns(patron_campaign_report *out, const patron_campaign_counts *in, size_t n,
                            const patron_campaign_options *opts)
{
    if (!out || !in)
        return patron__fail(PATRON_EINVAL, "patron_report_campaigns: %s is NULL", out ? "in" : "out");
    if (n == 0)
        return patron__fail(PATRON_EINVAL, "patron_report_campaigns: no campaigns");
    patron_campaign_options o = PATRON_CAMPAIGN_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_campaign_options");
    if (rc)
        return rc;
    if (o.reference < 0 || (size_t)o.reference >= n)
        return patron__fail(PATRON_EINVAL, "reference %d is not a campaign index (0..%zu)", (int)o.reference, n - 1);
    if (!(o.alpha > 0 && o.alpha < 1))
        return patron__fail(PATRON_EINVAL, "alpha %g is outside (0, 1)", o.alpha);
    for (size_t i = 0; i < n; i++) {
        const patron_campaign_counts *c = &in[i];
        const char *nm = c->name ? c->name : "";
        static const char *const what[] = {"sent", "opened", "clicked", "converted"};
        int64_t v[4] = {c->sent, c->opened, c->clicked, c->converted};
        for (int k = 0; k < 4; k++) {
            if (v[k] < 0)
                return patron__fail(PATRON_EINVAL, "campaign '%.60s' (row %zu): %s %lld is negative", nm, i + 1,
                                    what[k], (long long)v[k]);
            if (k && v[k] > v[k - 1])
                return patron__fail(PATRON_EINVAL, "campaign '%.60s' (row %zu): %s %lld > %s %lld", nm, i + 1,
                                    what[k], (long long)v[k], what[k - 1], (long long)v[k - 1]);
        }
    }
    patron_campaign_report *r = patron__calloc(n, sizeof *r);
    double *p = patron__reallocarray(NULL, n, sizeof(double));
    double *holm = patron__reallocarray(NULL, n, sizeof(double));
    size_t *idx = patron__reallocarray(NULL, n, sizeof(size_t));
    if (!r || !p || !holm || !idx) {
        rc = patron__oom();
        goto out;
    }
    const patron_campaign_counts *ref = &in[o.reference];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const patron_campaign_counts *c = &in[i];
        patron_campaign_report *x = &r[i];
        x->name = c->name;
        x->sent = c->sent;
        x->opened = c->opened;
        x->clicked = c->clicked;
        x->converted = c->converted;
        x->open_rate = ratio(c->opened, c->sent);
        x->click_rate = ratio(c->clicked, c->sent);
        x->click_to_open = ratio(c->clicked, c->opened);
        x->conversion_rate = ratio(c->converted, c->sent);
        x->conversion_ci[0] = x->conversion_ci[1] = NAN;
        x->lift = x->diff = x->p_value = x->p_adjusted = NAN;
        x->significant = 0;
        if (c->sent < 1)
            continue;
        patron_abtest_prop_result t;
        memset(&t, 0, sizeof t);
        t.size = (uint32_t)sizeof t;
        /* A = the reference (or the campaign itself, for its interval) */
        int self = i == (size_t)o.reference || ref->sent < 1;
        rc = patron_abtest_proportions(&t, self ? c->converted : ref->converted, self ? c->sent : ref->sent,
                                       c->converted, c->sent, o.alpha);
        if (rc) {
            patron__fail_prefix(rc, "campaign '%.60s' (row %zu): ", c->name ? c->name : "", i + 1);
            goto out;
        }
        x->conversion_ci[0] = t.wilson_b[0];
        x->conversion_ci[1] = t.wilson_b[1];
        if (self)
            continue;
        x->diff = t.diff;
        x->lift = t.p_a > 0 ? t.rel_lift : NAN;
        x->p_value = t.pooled.p_two_sided;
        if (!isnan(x->p_value)) {
            p[m] = x->p_value;
            idx[m++] = i;
        }
    }
    if (m > 0) {
        if ((rc = patron_abtest_adjust(holm, NULL, NULL, p, m)))
            goto out;
        for (size_t k = 0; k < m; k++) {
            r[idx[k]].p_adjusted = holm[k];
            r[idx[k]].significant = holm[k] <= o.alpha;
        }
    }
out:
    if (!rc)
        memcpy(out, r, n * sizeof *r);
    patron__free(r);
    patron__free(p);
    patron__free(holm);
    patron__free(idx);
    return rc;
}
