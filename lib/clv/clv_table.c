/* The table of models: every model's descriptor, in enum order, and what
 * reads it by model, by simulation model and by name. A new model adds
 * its descriptor here (one line) and its file to meson.build. */
#include <math.h>
#include <string.h>

#include "clv_models.h"
#include "internal/error.h"

static const clv_model_desc *const table[] = {
    &clv_model_bgnbd, &clv_model_mbgnbd, &clv_model_pnbd, &clv_model_bgbb, &clv_model_gg,
};
#define N_MODELS (sizeof table / sizeof table[0])

size_t patron__clv_model_count(void)
{
    return N_MODELS;
}

const clv_model_desc *patron__clv_model_at(size_t i)
{
    return i < N_MODELS ? table[i] : NULL;
}

const clv_model_desc *patron__clv_model(patron_clv_model model)
{
    for (size_t i = 0; i < N_MODELS; i++)
        if (table[i]->id == model)
            return table[i];
    return NULL;
}

const clv_model_desc *patron__clv_model_sim(int sim)
{
    for (size_t i = 0; i < N_MODELS; i++)
        if (sim != 0 && table[i]->sim_model == sim)
            return table[i];
    return NULL;
}

const clv_model_desc *patron__clv_model_named(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < N_MODELS; i++) {
        if (!strcmp(name, table[i]->name))
            return table[i];
        for (const char *const *a = table[i]->aliases; a && *a; a++)
            if (!strcmp(name, *a))
                return table[i];
    }
    return NULL;
}

const char *patron_clv_model_name(patron_clv_model model)
{
    const clv_model_desc *m = patron__clv_model(model);
    return m ? m->name : NULL;
}

int patron_clv_model_from_name(patron_clv_model *out, const char *name)
{
    if (!out || !name)
        return patron__fail(PATRON_EINVAL, "model name is NULL");
    const clv_model_desc *m = patron__clv_model_named(name);
    if (m) {
        *out = m->id;
        return PATRON_OK;
    }
    char list[160] = "";
    for (size_t i = 0; i < N_MODELS; i++) {
        size_t used = strlen(list);
        const char *sep = i == 0 ? "" : i + 1 == N_MODELS ? " or " : ", ";
        if (used + strlen(sep) + strlen(table[i]->name) + 1 < sizeof list) {
            strcat(list, sep);
            strcat(list, table[i]->name);
        }
    }
    return patron__fail(PATRON_EINVAL, "unknown model '%s' (expected %s)", name, list);
}

int patron_clv_param_count(patron_clv_model model)
{
    const clv_model_desc *m = patron__clv_model(model);
    return m ? m->n_params : 0;
}

const char *patron_clv_param_name(patron_clv_model model, int i)
{
    const clv_model_desc *m = patron__clv_model(model);
    if (!m || i < 0 || i >= m->n_params)
        return NULL;
    return m->param[i];
}

int patron_clv_sim_model(patron_clv_model model)
{
    const clv_model_desc *m = patron__clv_model(model);
    return m ? m->sim_model : 0;
}

/* The likelihood through the descriptor. */

size_t clv_ll_scratch(void)
{
    return 5 * (size_t)(CLV_LL_HYP_TERMS + 1);
}

double clv_ll_range(patron_clv_model model, const clv_rows *r, size_t j0, size_t j1,
                    const double *p, double *g, double *lrow, double *scratch)
{
    const clv_model_desc *m = patron__clv_model(model);
    return m ? m->ll(r, j0, j1, p, g, lrow, scratch) : NAN;
}

int clv_has_hess(patron_clv_model model)
{
    const clv_model_desc *m = patron__clv_model(model);
    return m && m->ll_hess;
}

double clv_ll_hess_range(patron_clv_model model, const clv_rows *r, size_t j0, size_t j1,
                         const double *p, double *g, double *H)
{
    const clv_model_desc *m = patron__clv_model(model);
    return m && m->ll_hess ? m->ll_hess(r, j0, j1, p, g, H) : NAN;
}
