/* Thin adapters between the customer frame (summary module) and the CLV
 * functions, which work on plain arrays. */
#include <string.h>

#include "clv_impl.h"
#include "internal/clv_model.h"
#include "internal/alloc.h"
#include "internal/error.h"
#include "summary/summary_int.h"

static int column(const double **out, const patron_frame *f, const char *name, int required)
{
    size_t col;
    int rc = patron_frame_find(&col, f, name, PATRON_COL_DOUBLE);
    if (rc == PATRON_ENOTFOUND) {
        *out = NULL;
        if (!required)
            return PATRON_OK;
        return patron__fail(PATRON_ENOTFOUND, "the frame has no '%s' column", name);
    }
    if (rc)
        return rc;
    *out = patron_frame_double(f, col);
    return PATRON_OK;
}

int patron_clv_data_from_frame(patron_clv_data *out, const patron_frame *frame,
                               patron_clv_model model)
{
    if (!out || !frame)
        return patron__fail(PATRON_EINVAL, "out or frame is NULL");
    const clv_model_desc *md = patron__clv_model(model);
    if (!md)
        return patron__fail(PATRON_EINVAL, "unknown model %d", (int)model);
    patron_clv_data d;
    memset(&d, 0, sizeof d);
    d.n = patron_frame_rows(frame);
    int rc, gg = (md->flags & CLV_M_SPEND) != 0;
    if ((rc = column(&d.frequency, frame, "frequency", 1)))
        return rc;
    if ((rc = column(&d.recency, frame, "recency", !gg)))
        return rc;
    if (md->flags & CLV_M_DISCRETE) {
        if ((rc = column(&d.T, frame, "n", 0)))
            return rc;
        if (!d.T && (rc = column(&d.T, frame, "periods", 0)))
            return rc;
        if (!d.T && (rc = column(&d.T, frame, "T", 1)))
            return patron__fail(rc, "the frame has no 'n', 'periods' or 'T' column");
    } else if ((rc = column(&d.T, frame, "T", !gg))) {
        return rc;
    }
    if ((rc = column(&d.monetary, frame, "monetary_value", gg)))
        return rc;
    if ((rc = column(&d.weights, frame, "weights", 0)))
        return rc;
    *out = d;
    return PATRON_OK;
}

int patron_clv_fit_frame(patron_clv_fit_result *out, patron_clv_model model,
                         const patron_frame *frame, const patron_clv_fit_options *opts)
{
    patron_clv_data d;
    int rc = patron_clv_data_from_frame(&d, frame, model);
    if (rc)
        return rc;
    return patron_clv_fit(out, model, &d, opts);
}

int patron_clv_predict_frame(patron_frame *frame, const patron_clv_params *params,
                             double horizon)
{
    int rc = clv_params_check(params);
    if (rc)
        return rc;
    patron_clv_data d;
    if ((rc = patron_clv_data_from_frame(&d, frame, params->model)))
        return rc;
    int gg = (patron__clv_model(params->model)->flags & CLV_M_SPEND) != 0;
    const char *n1 = gg ? "expected_spend" : "expected_purchases", *n2 = gg ? NULL : "p_alive";
    size_t col;
    if (patron_frame_find(&col, frame, n1, PATRON_COL_ANY) == PATRON_OK ||
        (n2 && patron_frame_find(&col, frame, n2, PATRON_COL_ANY) == PATRON_OK))
        return patron__fail(PATRON_ECONFLICT, "the frame already has a '%s' column",
                            patron_frame_find(&col, frame, n1, PATRON_COL_ANY) == PATRON_OK
                                ? n1
                                : n2);
    size_t n = d.n ? d.n : 1;
    double *a = patron__malloc(n * sizeof *a), *b = patron__malloc(n * sizeof *b);
    if (!a || !b) {
        patron__free(a);
        patron__free(b);
        return patron__oom();
    }
    if (gg)
        rc = patron_clv_expected_spend(a, params, &d);
    else if (!(rc = patron_clv_expected_purchases(a, params, &d, horizon)))
        rc = patron_clv_prob_alive(b, params, &d);
    if (!rc)
        rc = patron_frame_add_double(frame, n1, d.n ? a : NULL);
    if (!rc && n2 && (rc = patron_frame_add_double(frame, n2, d.n ? b : NULL)))
        pt_frame_drop_last(frame); /* all or nothing: take n1 out again */
    patron__free(a);
    patron__free(b);
    return rc;
}
