/* Selections: bitmaps over frame rows and their set operations. */
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "segment/rule_impl.h"

int patron_selection_new(patron_selection **out, size_t nrows)
{
    if (!out)
        return patron__fail(PATRON_EINVAL, "patron_selection_new: out is NULL");
    patron_selection *s = patron__calloc(1, sizeof *s);
    if (!s)
        return patron__oom();
    s->nrows = nrows;
    s->nwords = nrows / 64 + (nrows % 64 != 0);
    s->words = patron__calloc(s->nwords ? s->nwords : 1, sizeof(uint64_t));
    if (!s->words) {
        patron__free(s);
        return patron__oom();
    }
    *out = s;
    return PATRON_OK;
}

int patron_selection_copy(patron_selection **out, const patron_selection *src)
{
    if (!out || !src)
        return patron__fail(PATRON_EINVAL, "patron_selection_copy: %s is NULL", out ? "src" : "out");
    patron_selection *s;
    int rc = patron_selection_new(&s, src->nrows);
    if (rc)
        return rc;
    if (src->nwords)
        memcpy(s->words, src->words, src->nwords * sizeof(uint64_t));
    *out = s;
    return PATRON_OK;
}

void patron_selection_free(patron_selection *sel)
{
    if (!sel)
        return;
    patron__free(sel->words);
    patron__free(sel);
}

size_t patron_selection_size(const patron_selection *sel)
{
    return sel ? sel->nrows : 0;
}

size_t patron_selection_count(const patron_selection *sel)
{
    if (!sel)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < sel->nwords; i++)
        n += (size_t)__builtin_popcountll(sel->words[i]);
    return n;
}

int patron_selection_contains(const patron_selection *sel, size_t row)
{
    if (!sel || row >= sel->nrows)
        return 0;
    return (int)((sel->words[row / 64] >> (row % 64)) & 1u);
}

int patron_selection_set(patron_selection *sel, size_t row, int selected)
{
    if (!sel)
        return patron__fail(PATRON_EINVAL, "patron_selection_set: sel is NULL");
    if (row >= sel->nrows)
        return patron__fail(PATRON_ERANGE, "row %zu is outside the selection of %zu rows", row,
                            sel->nrows);
    uint64_t bit = UINT64_C(1) << (row % 64);
    if (selected)
        sel->words[row / 64] |= bit;
    else
        sel->words[row / 64] &= ~bit;
    return PATRON_OK;
}

int patron_selection_next(const patron_selection *sel, size_t *row)
{
    if (!sel || !row || *row >= sel->nrows)
        return 0;
    size_t w = *row / 64;
    uint64_t x = sel->words[w] & (~UINT64_C(0) << (*row % 64));
    for (;;) {
        if (x) {
            *row = w * 64 + (size_t)__builtin_ctzll(x);
            return 1;
        }
        if (++w >= sel->nwords)
            return 0;
        x = sel->words[w];
    }
}

size_t patron_selection_rows(const patron_selection *sel, size_t *rows, size_t cap)
{
    if (!sel)
        return 0;
    size_t n = 0;
    for (size_t w = 0; w < sel->nwords; w++) {
        uint64_t x = sel->words[w];
        while (x) {
            if (n < cap && rows)
                rows[n] = w * 64 + (size_t)__builtin_ctzll(x);
            n++;
            x &= x - 1;
        }
    }
    return n;
}

static int check_pair(const patron_selection *dst, const patron_selection *src, const char *fn)
{
    if (!dst || !src)
        return patron__fail(PATRON_EINVAL, "%s: %s is NULL", fn, dst ? "src" : "dst");
    if (dst->nrows != src->nrows)
        return patron__fail(PATRON_EINVAL,
                            "%s: the selections cover different frames (%zu rows and %zu rows)", fn,
                            dst->nrows, src->nrows);
    return 0;
}

int patron_selection_and(patron_selection *dst, const patron_selection *src)
{
    int rc = check_pair(dst, src, "patron_selection_and");
    if (rc)
        return rc;
    for (size_t i = 0; i < dst->nwords; i++)
        dst->words[i] &= src->words[i];
    return PATRON_OK;
}

int patron_selection_or(patron_selection *dst, const patron_selection *src)
{
    int rc = check_pair(dst, src, "patron_selection_or");
    if (rc)
        return rc;
    for (size_t i = 0; i < dst->nwords; i++)
        dst->words[i] |= src->words[i];
    return PATRON_OK;
}

int patron_selection_minus(patron_selection *dst, const patron_selection *src)
{
    int rc = check_pair(dst, src, "patron_selection_minus");
    if (rc)
        return rc;
    for (size_t i = 0; i < dst->nwords; i++)
        dst->words[i] &= ~src->words[i];
    return PATRON_OK;
}

int patron_selection_not(patron_selection *sel)
{
    if (!sel)
        return patron__fail(PATRON_EINVAL, "patron_selection_not: sel is NULL");
    for (size_t i = 0; i < sel->nwords; i++)
        sel->words[i] = ~sel->words[i];
    if (sel->nrows % 64)
        sel->words[sel->nwords - 1] &= (UINT64_C(1) << (sel->nrows % 64)) - 1;
    return PATRON_OK;
}
