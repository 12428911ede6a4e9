/* Who a member id's purchases belong to now (lib/internal/member.h): the
 * member core lists who was merged or erased; the map is sorted by id. */
#include <stdint.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/ids.h"
#include "internal/member.h"

static int remap_add(void *ctx, int64_t id, int64_t merged_into, int erased)
{
    patron__member_remap *m = ctx;
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 256;
        int64_t *id2 = patron__realloc(m->id, cap * sizeof *id2);
        if (!id2)
            return patron__oom();
        m->id = id2;
        int64_t *to2 = patron__realloc(m->to, cap * sizeof *to2);
        if (!to2)
            return patron__oom();
        m->to = to2;
        m->cap = cap;
    }
    m->id[m->n] = id;
    m->to[m->n] = erased ? 0 : merged_into ? merged_into : id;
    m->n++;
    return PATRON_OK;
}

int patron__member_remap_load(patron_db *db, patron__member_remap *m)
{
    return patron__member_each_changed(db, remap_add, m);
}

int64_t patron__member_remap_find(const patron__member_remap *m, int64_t id)
{
    size_t i = patron__id_lower_bound(m->id, m->n, id);
    return i < m->n && m->id[i] == id ? m->to[i] : id;
}

void patron__member_remap_free(patron__member_remap *m)
{
    patron__free(m->id);
    patron__free(m->to);
}
