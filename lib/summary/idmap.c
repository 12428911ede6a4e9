/* Dense indexes for customer ids (int64 or string keys) and categories:
 * open addressing with linear probing at load factor <= 1/2. A slot holds
 * the index, a hash tag and the key itself (int keys, string keys up to 8
 * bytes) or its arena offset (longer string keys), so a lookup touches one
 * cache line, two for long string keys. Keys are at most 255 bytes. */
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "summary_int.h"

#define hash_int pt_hash_int

static inline uint64_t load_short(const char *s, size_t len)
{
    uint64_t w = 0;
    memcpy(&w, s, len);
    return w;
}

#define hash_str pt_hash_str

void pt_idmap_free(pt_idmap *m)
{
    patron__free(m->ints);
    patron__free(m->offs);
    patron__free(m->arena);
    patron__free(m->slots_raw);
    m->slots_raw = NULL;
    m->ints = NULL;
    m->offs = NULL;
    m->arena = NULL;
    m->slots = NULL;
    m->kind = 0;
    m->n = m->cap = m->alen = m->acap = m->tcap = m->last = m->last_len = 0;
}

static inline void fill_str_slot(pt_idslot *sl, uint64_t h, const char *key, size_t len,
                                 uint64_t off, size_t i)
{
    sl->idx = (uint32_t)(i + 1);
    sl->tag = (uint16_t)(h >> 48);
    sl->len = (uint8_t)len;
    sl->data = len <= 8 ? load_short(key, len) : off;
}

static void rehash(const pt_idmap *m, pt_idslot *t, size_t tcap)
{
    memset(t, 0, tcap * sizeof *t);
    size_t mask = tcap - 1;
    for (size_t i = 0; i < m->n; i++) {
        if (m->kind == PT_ID_INT) {
            size_t s = hash_int(m->ints[i]) & mask;
            while (t[s].idx)
                s = (s + 1) & mask;
            t[s].idx = (uint32_t)(i + 1);
            t[s].data = (uint64_t)m->ints[i];
        } else {
            const char *k = pt_idmap_key(m, i);
            size_t len = pt_idmap_keylen(m, i);
            uint64_t h = hash_str(k, len);
            size_t s = h & mask;
            while (t[s].idx)
                s = (s + 1) & mask;
            fill_str_slot(&t[s], h, k, len, m->offs[i], i);
        }
    }
}

/* Make room for one more key (and `bytes` arena bytes for string keys). */
static int reserve(pt_idmap *m, size_t bytes)
{
    if (m->n >= PATRON_CUSTOMERS_MAX)
        return patron__fail(PATRON_ERANGE, "more than %u distinct ids (PATRON_CUSTOMERS_MAX)",
                            (unsigned)PATRON_CUSTOMERS_MAX);
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 256;
        if (m->kind == PT_ID_INT) {
            int64_t *p = patron__reallocarray(m->ints, nc, sizeof *p);
            if (!p)
                return patron__oom();
            m->ints = p;
        } else {
            uint64_t *o = patron__reallocarray(m->offs, nc, sizeof *o);
            if (!o)
                return patron__oom();
            m->offs = o;
        }
        m->cap = nc;
    }
    if (m->kind == PT_ID_STR && m->alen + bytes > m->acap) {
        size_t nc = m->acap ? m->acap : 4096;
        while (nc < m->alen + bytes)
            nc *= 2;
        char *a = patron__realloc(m->arena, nc);
        if (!a)
            return patron__oom();
        m->arena = a;
        m->acap = nc;
    }
    if ((m->n + 1) * 2 > m->tcap) {
        size_t nc = m->tcap ? m->tcap * 2 : 512;
        void *raw;
        pt_idslot *t = nc <= SIZE_MAX / sizeof *t ? pt_big_alloc(nc * sizeof *t, &raw) : NULL;
        if (!t)
            return patron__oom();
        rehash(m, t, nc);
        patron__free(m->slots_raw);
        m->slots_raw = raw;
        m->slots = t;
        m->tcap = nc;
    }
    return PATRON_OK;
}

int pt_idmap_int(pt_idmap *m, int64_t key, uint32_t *idx)
{
    if (m->kind == PT_ID_STR)
        return patron__fail(PATRON_EINVAL,
                            "customer id %lld is an integer but this log has string ids",
                            (long long)key);
    if (m->last && m->last_int == key) {
        *idx = (uint32_t)(m->last - 1);
        return PATRON_OK;
    }
    uint64_t h = hash_int(key);
    if (m->tcap) {
        size_t mask = m->tcap - 1, s = h & mask;
        const pt_idslot *t = m->slots;
        while (t[s].idx) {
            if (t[s].data == (uint64_t)key) {
                *idx = t[s].idx - 1;
                m->last = t[s].idx;
                m->last_int = key;
                return PATRON_OK;
            }
            s = (s + 1) & mask;
        }
    }
    int kind0 = m->kind;
    m->kind = PT_ID_INT;
    int rc = reserve(m, 0);
    if (rc) {
        m->kind = kind0;
        return rc;
    }
    size_t mask = m->tcap - 1, s = h & mask;
    while (m->slots[s].idx)
        s = (s + 1) & mask;
    m->ints[m->n] = key;
    m->slots[s].idx = (uint32_t)(m->n + 1);
    m->slots[s].data = (uint64_t)key;
    m->last = m->n + 1;
    m->last_int = key;
    *idx = (uint32_t)m->n++;
    return PATRON_OK;
}

int pt_idmap_str(pt_idmap *m, const char *key, size_t len, uint32_t *idx)
{
    return pt_idmap_str_h(m, key, len, hash_str(key, len), idx);
}

int pt_idmap_str_h(pt_idmap *m, const char *key, size_t len, uint64_t h, uint32_t *idx)
{
    if (m->kind == PT_ID_INT)
        return patron__fail(PATRON_EINVAL,
                            "customer id '%.*s' is a string but this log has integer ids",
                            (int)(len > 64 ? 64 : len), key);
    if (len > 255)
        return patron__fail(PATRON_ERANGE, "id of %zu bytes is too long", len);
    if (m->last && m->last_len == len && memcmp(m->last_key, key, len) == 0) {
        *idx = (uint32_t)(m->last - 1);
        return PATRON_OK;
    }
    uint16_t tag = (uint16_t)(h >> 48);
    uint64_t shortkey = len <= 8 ? load_short(key, len) : 0;
    if (m->tcap) {
        size_t mask = m->tcap - 1, s = h & mask;
        const pt_idslot *t = m->slots;
        for (; t[s].idx; s = (s + 1) & mask) {
            if (t[s].tag != tag || t[s].len != len)
                continue;
            if (len <= 8 ? t[s].data != shortkey
                         : memcmp(m->arena + t[s].data, key, len) != 0)
                continue;
            *idx = t[s].idx - 1;
            m->last = t[s].idx;
            m->last_len = len;
            memcpy(m->last_key, key, len);
            return PATRON_OK;
        }
    }
    int kind0 = m->kind;
    m->kind = PT_ID_STR;
    int rc = reserve(m, len + 2);
    if (rc) {
        m->kind = kind0;
        return rc;
    }
    size_t mask = m->tcap - 1, s = h & mask;
    while (m->slots[s].idx)
        s = (s + 1) & mask;
    char *e = m->arena + m->alen;
    e[0] = (char)(unsigned char)len;
    memcpy(e + 1, key, len);
    e[1 + len] = '\0';
    m->offs[m->n] = m->alen + 1;
    m->alen += len + 2;
    fill_str_slot(&m->slots[s], h, key, len, m->offs[m->n], m->n);
    m->last = m->n + 1;
    m->last_len = len;
    memcpy(m->last_key, key, len);
    *idx = (uint32_t)m->n++;
    return PATRON_OK;
}

void pt_idmap_truncate(pt_idmap *m, size_t n)
{
    if (n >= m->n)
        return;
    if (n == 0) { /* forget everything, including the id kind */
        pt_idmap_free(m);
        return;
    }
    if (m->kind == PT_ID_STR)
        m->alen = (size_t)m->offs[n] - 1;
    m->n = n;
    m->last = 0;
    if (m->tcap)
        rehash(m, m->slots, m->tcap);
}

size_t pt_idmap_memory(const pt_idmap *m)
{
    size_t per = m->kind == PT_ID_INT ? sizeof(int64_t) : sizeof(uint64_t);
    return m->cap * per + m->acap + m->tcap * sizeof(pt_idslot);
}
