/* Dense indexes for customer ids (int64 or string keys) and categories:
 * open addressing with linear probing, load factor <= 1/2, slots hold
 * index + 1. String keys live NUL-terminated in one arena. */
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "summary_int.h"

static inline uint32_t hash_int(int64_t key)
{
    uint64_t x = (uint64_t)key;
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return (uint32_t)x;
}

static inline uint32_t hash_str(const char *s, size_t len)
{
    uint64_t h = UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)len;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * UINT64_C(0xbf58476d1ce4e5b9);
        h ^= h >> 31;
        s += 8;
        len -= 8;
    }
    if (len) {
        uint64_t w = 0;
        memcpy(&w, s, len);
        h = (h ^ w) * UINT64_C(0x94d049bb133111eb);
        h ^= h >> 29;
    }
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 32;
    return (uint32_t)h;
}

void pt_idmap_free(pt_idmap *m)
{
    patron__free(m->ints);
    patron__free(m->offs);
    patron__free(m->hashes);
    patron__free(m->arena);
    patron__free(m->table);
    memset(m, 0, sizeof *m);
}

static inline uint32_t key_hash(const pt_idmap *m, size_t i)
{
    return m->kind == PT_ID_INT ? hash_int(m->ints[i]) : m->hashes[i];
}

static void rehash(pt_idmap *m, uint32_t *table, size_t tcap)
{
    memset(table, 0, tcap * sizeof *table);
    size_t mask = tcap - 1;
    for (size_t i = 0; i < m->n; i++) {
        size_t s = key_hash(m, i) & mask;
        while (table[s])
            s = (s + 1) & mask;
        table[s] = (uint32_t)(i + 1);
    }
}

/* Make room for one more key (and `bytes` arena bytes for string keys). */
static int reserve(pt_idmap *m, size_t bytes)
{
    if (m->n >= UINT32_MAX - 1)
        return patron__fail(PATRON_ERANGE, "more than %u distinct ids", (unsigned)(UINT32_MAX - 1));
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
            uint32_t *h = patron__reallocarray(m->hashes, nc, sizeof *h);
            if (!h)
                return patron__oom();
            m->hashes = h;
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
        uint32_t *t = patron__reallocarray(NULL, nc, sizeof *t);
        if (!t)
            return patron__oom();
        rehash(m, t, nc);
        patron__free(m->table);
        m->table = t;
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
    m->kind = PT_ID_INT;
    if (m->last && m->ints[m->last - 1] == key) {
        *idx = (uint32_t)(m->last - 1);
        return PATRON_OK;
    }
    uint32_t h = hash_int(key);
    if (m->tcap) {
        size_t mask = m->tcap - 1, s = h & mask;
        uint32_t v;
        while ((v = m->table[s]) != 0) {
            if (m->ints[v - 1] == key) {
                *idx = v - 1;
                m->last = v;
                return PATRON_OK;
            }
            s = (s + 1) & mask;
        }
    }
    int rc = reserve(m, 0);
    if (rc) {
        if (m->n == 0)
            m->kind = 0;
        return rc;
    }
    size_t mask = m->tcap - 1, s = h & mask;
    while (m->table[s])
        s = (s + 1) & mask;
    m->ints[m->n] = key;
    m->table[s] = (uint32_t)(m->n + 1);
    m->last = m->n + 1;
    *idx = (uint32_t)m->n++;
    return PATRON_OK;
}

int pt_idmap_str(pt_idmap *m, const char *key, size_t len, uint32_t *idx)
{
    if (m->kind == PT_ID_INT)
        return patron__fail(PATRON_EINVAL,
                            "customer id '%.*s' is a string but this log has integer ids",
                            (int)(len > 64 ? 64 : len), key);
    m->kind = PT_ID_STR;
    if (m->last && pt_idmap_keylen(m, m->last - 1) == len &&
        memcmp(m->arena + m->offs[m->last - 1], key, len) == 0) {
        *idx = (uint32_t)(m->last - 1);
        return PATRON_OK;
    }
    uint32_t h = hash_str(key, len);
    if (m->tcap) {
        size_t mask = m->tcap - 1, s = h & mask;
        uint32_t v;
        while ((v = m->table[s]) != 0) {
            size_t i = v - 1;
            if (m->hashes[i] == h && pt_idmap_keylen(m, i) == len &&
                memcmp(m->arena + m->offs[i], key, len) == 0) {
                *idx = (uint32_t)i;
                m->last = i + 1;
                return PATRON_OK;
            }
            s = (s + 1) & mask;
        }
    }
    int rc = reserve(m, len + 1);
    if (rc) {
        if (m->n == 0)
            m->kind = 0;
        return rc;
    }
    size_t mask = m->tcap - 1, s = h & mask;
    while (m->table[s])
        s = (s + 1) & mask;
    m->offs[m->n] = m->alen;
    m->hashes[m->n] = h;
    memcpy(m->arena + m->alen, key, len);
    m->arena[m->alen + len] = '\0';
    m->alen += len + 1;
    m->table[s] = (uint32_t)(m->n + 1);
    m->last = m->n + 1;
    *idx = (uint32_t)m->n++;
    return PATRON_OK;
}

void pt_idmap_truncate(pt_idmap *m, size_t n)
{
    if (n >= m->n)
        return;
    if (m->kind == PT_ID_STR)
        m->alen = (size_t)m->offs[n];
    m->n = n;
    m->last = 0;
    if (n == 0)
        m->kind = 0;
    if (m->tcap)
        rehash(m, m->table, m->tcap);
}

size_t pt_idmap_memory(const pt_idmap *m)
{
    size_t per = m->kind == PT_ID_INT ? sizeof(int64_t) : sizeof(uint64_t) + sizeof(uint32_t);
    return m->cap * per + m->acap + m->tcap * sizeof(uint32_t);
}
