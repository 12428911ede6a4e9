/* The store's program projected: its members' summary read back (the
 * mart's frame), the CLV fit patron_scores_refresh() stored (or, when none
 * is stored or a refit is asked for, the models fitted to the summary), the
 * ledger's expiry policy. The projection itself is the pure
 * patron_plan_project(). */
#include <math.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/mart.h"
#include "internal/options.h"
#include "patron/ledger.h"
#include "patron/mart.h"
#include "plan_int.h"

#define DFN "patron_plan_from_db"

int patron_plan_from_db(patron_plan **out, patron_db *db, int64_t as_of, const int64_t *acquisitions,
                        size_t n_months, const patron_plan_options *opts)
{
    if (!out || !db)
        return patron__fail(PATRON_EINVAL, DFN ": %s is NULL", out ? "db" : "out");
    patron_plan_options o = PATRON_PLAN_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_plan_options");
    if (rc)
        return rc;
    if (o.refit != 0 && o.refit != 1)
        return patron__fail(PATRON_EINVAL, DFN ": refit %d is not 0 or 1", (int)o.refit);
    o.periods_per_year = 365.25; /* the store's summaries are in days */
    if (o.expiry_months == 0) {
        patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
        if ((rc = patron_ledger_get_policy(db, &pol)))
            return patron__fail_prefix(rc, DFN ": ");
        o.expiry_months = pol.expiry_months;
    }
    patron_store_frame_options fo = PATRON_STORE_FRAME_OPTIONS_INIT;
    fo.as_of = as_of;
    fo.channels = "";
    patron_frame *frame = NULL;
    if ((rc = patron_frame_from_db(db, &frame, &fo)))
        return patron__fail_prefix(rc, DFN ": ");
    patron__stored_fit stored;
    memset(&stored, 0, sizeof stored);
    if (!o.refit && (rc = patron__mart_stored_fit(db, as_of, &stored))) {
        patron_frame_free(frame);
        return patron__fail_prefix(rc, DFN ": ");
    }
    patron_clv_data all;
    double *fx = NULL, *ftx = NULL, *fT = NULL, *fm = NULL;
    if ((rc = patron_clv_data_from_frame(&all, frame, PATRON_CLV_GG))) {
        rc = patron__fail_prefix(rc, DFN ": ");
        goto done;
    }
    if (stored.fit_id) {
        patron_plan *p = NULL;
        if ((rc = patron_plan_project(&p, &stored.tx, &stored.spend, &all, acquisitions, n_months, &o)) == PATRON_OK) {
            p->fit_id = stored.fit_id;
            p->fit_as_of = stored.as_of;
            *out = p;
        } else {
            rc = patron__fail_prefix(rc, "stored fit %lld: ", (long long)stored.fit_id);
        }
        goto done;
    }
    /* The models are fitted to the members with T > 0 (as patron_scores_refresh does). */
    size_t n = 0;
    fx = patron__calloc(all.n ? all.n : 1, sizeof(double));
    ftx = patron__calloc(all.n ? all.n : 1, sizeof(double));
    fT = patron__calloc(all.n ? all.n : 1, sizeof(double));
    fm = patron__calloc(all.n ? all.n : 1, sizeof(double));
    if (!fx || !ftx || !fT || !fm) {
        rc = patron__oom();
        goto done;
    }
    for (size_t i = 0; i < all.n; i++)
        if (all.T[i] > 0) {
            fx[n] = all.frequency[i];
            ftx[n] = all.recency[i];
            fT[n] = all.T[i];
            fm[n] = all.monetary[i];
            n++;
        }
    patron_clv_data fit_data = { n, fx, ftx, fT, fm, NULL };
    patron_clv_fit_result tx = PATRON_CLV_FIT_RESULT_INIT, gg = PATRON_CLV_FIT_RESULT_INIT;
    if ((rc = patron_clv_fit(&tx, PATRON_CLV_BGNBD, &fit_data, NULL))) {
        rc = patron__fail_prefix(rc, DFN ": fitting BG/NBD to %zu members: ", n);
        goto done;
    }
    if ((rc = patron_clv_fit(&gg, PATRON_CLV_GG, &fit_data, NULL))) {
        rc = patron__fail_prefix(rc, DFN ": fitting Gamma-Gamma to %zu members: ", n);
        goto done;
    }
    rc = patron_plan_project(out, &tx, &gg, &all, acquisitions, n_months, &o);
done:
    patron__free(fx);
    patron__free(ftx);
    patron__free(fT);
    patron__free(fm);
    patron_frame_free(frame);
    return rc;
}
