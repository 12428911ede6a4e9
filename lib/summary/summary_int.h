/* Internal structures of the summary module (transaction log, id map,
 * customer frame) and the helpers its files share. */
#ifndef PATRON_SUMMARY_INT_H
#define PATRON_SUMMARY_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "patron/summary.h"

/* ---- id map: dense indexes for int64 or string keys (idmap.c) ---- */
typedef struct pt_idslot {
    uint32_t idx;       /* index + 1, 0 = empty */
    uint16_t tag;       /* string keys: 16 bits of the hash */
    uint8_t len;        /* string keys: length */
    uint8_t pad;
    uint64_t data;      /* int keys: the key; string keys: the bytes when
                         * len <= 8 (zero padded), else the arena offset */
} pt_idslot;

typedef struct pt_idmap {
    int kind;           /* 0 = empty/undecided, 1 = int64 keys, 2 = string keys */
    size_t n, cap;      /* keys stored; capacity of the key arrays */
    int64_t *ints;      /* kind 1: the keys */
    uint64_t *offs;     /* kind 2: offset of key i's bytes in arena; the byte
                         * before is its length, a NUL follows */
    char *arena;
    size_t alen, acap;
    void *slots_raw;    /* allocation holding slots (see pt_big_alloc) */
    pt_idslot *slots;   /* open addressing, linear probing, load <= 1/2: a
                         * probe touches one slot (and, for string keys over
                         * 8 bytes, the arena) */
    size_t tcap;        /* power of two, or 0 */
    size_t last;        /* index + 1 of the last key found or added (0 = none): a
                         * cache for logs whose rows come grouped by customer */
    int64_t last_int;   /* int keys: the last key (valid when last != 0) */
    size_t last_len;
    char last_key[256];
} pt_idmap;

#define PT_ID_INT 1
#define PT_ID_STR 2

#if defined(__GNUC__) || defined(__clang__)
#define PT_PREFETCH(addr) __builtin_prefetch(addr)
#define PT_PREFETCH_W(addr) __builtin_prefetch(addr, 1)
#else
#define PT_PREFETCH(addr) ((void)(addr))
#define PT_PREFETCH_W(addr) ((void)(addr))
#endif

static inline uint64_t pt_hash_int(int64_t key)
{
    uint64_t x = (uint64_t)key;
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

static inline uint64_t pt_hash_str(const char *s, size_t len)
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
    return h;
}

/* Hint that the slot of hash h will be probed soon (batch lookups). */
static inline void pt_idmap_prefetch(const pt_idmap *m, uint64_t h)
{
    if (m->tcap)
        PT_PREFETCH(&m->slots[h & (m->tcap - 1)]);
}

void pt_idmap_free(pt_idmap *m);
/* Find or insert; *idx receives the dense index. ENOMEM leaves m unchanged. */
int pt_idmap_int(pt_idmap *m, int64_t key, uint32_t *idx);
int pt_idmap_str(pt_idmap *m, const char *key, size_t len, uint32_t *idx);
/* As pt_idmap_str with h = pt_hash_str(key, len) already computed. */
int pt_idmap_str_h(pt_idmap *m, const char *key, size_t len, uint64_t h, uint32_t *idx);
/* Forget keys with index >= n (rollback); never allocates. */
void pt_idmap_truncate(pt_idmap *m, size_t n);
size_t pt_idmap_memory(const pt_idmap *m);
static inline const char *pt_idmap_key(const pt_idmap *m, size_t i)
{
    return m->arena + m->offs[i];
}
static inline size_t pt_idmap_keylen(const pt_idmap *m, size_t i)
{
    return (unsigned char)m->arena[m->offs[i] - 1];
}

/* A 2 MiB-aligned array of n bytes marked for huge pages where the system
 * supports it; free *raw with patron__free (bigmem.c). */
void *pt_big_alloc(size_t n, void **raw);

/* ---- transaction log (txlog.c) ---- */
struct patron_txlog {
    int decimals;
    pt_idmap cust;
    pt_idmap cats;        /* categories (string keys) */
    size_t n, cap;
    uint32_t *tx_cust;
    int64_t *tx_time;
    int64_t *tx_amount;
    uint32_t *tx_cat;     /* NULL until a category is used; 0 none, k = category k-1 */
    uint64_t *tx_order;   /* NULL until an order id is used; 0 none, else offset+1 in orders */
    char *orders;
    size_t olen, ocap;
};

/* Make room for `extra` more rows (ENOMEM leaves the log unchanged). */
int pt_txlog_reserve(patron_txlog *log, size_t extra);
/* Validate a row's time and amount; returns a status with a message
 * prefixed by `where` (e.g. "row 17: "). */
int pt_check_row(int64_t time, int64_t amount, const char *where);
/* Append a validated row whose space is reserved. Category/order may be
 * NULL/empty. Fails only with ENOMEM/EINVAL/ERANGE for the id and extras. */
int pt_txlog_push_str(patron_txlog *log, const char *id, size_t idlen, int64_t time,
                      int64_t amount, const char *cat, size_t catlen, const char *ord,
                      size_t ordlen);
/* As pt_txlog_push_str with the id's hash precomputed (pt_hash_str). */
int pt_txlog_push_str_h(patron_txlog *log, const char *id, size_t idlen, uint64_t h, int64_t time,
                        int64_t amount, const char *cat, size_t catlen, const char *ord,
                        size_t ordlen);
int pt_txlog_push_int(patron_txlog *log, int64_t id, int64_t time, int64_t amount,
                      const char *cat, size_t catlen, const char *ord, size_t ordlen);
/* Restore the log to `n` rows and `ncust` customers (rollback). */
void pt_txlog_truncate(patron_txlog *log, size_t n, size_t ncust, size_t ncat, size_t olen);

/* ---- frame (frame.c) ---- */
typedef struct pt_col {
    char name[PATRON_COLNAME_MAX + 1];
    int type;
    void *data;      /* double*, int64_t* or char** */
    char *arena;     /* string columns: the characters */
    int money;       /* minor currency units */
} pt_col;

struct patron_frame {
    size_t rows;
    int decimals;    /* of the money columns */
    size_t ncols, capcols;
    pt_col *cols;
};

/* New frame with no columns at all (ids added by the caller). */
int pt_frame_alloc(patron_frame **out, size_t rows);
/* Append a column whose storage is already allocated (takes ownership on
 * success). */
int pt_frame_adopt(patron_frame *f, const char *name, int type, void *data, char *arena);
/* Remove the last column added (undo of a multi-column add that failed). */
void pt_frame_drop_last(patron_frame *f);
/* Shrink the row count (used when some customers have no row). */
void pt_frame_set_rows(patron_frame *f, size_t rows);

/* ---- text helpers ---- */
/* Exact decimal -> minor units (amount.c). Message names the value. */
int pt_parse_amount(const char *s, size_t len, int decimals, int rounding, int64_t *out);
/* Locale-independent double formatting (shortest round trip) and parsing
 * (numfmt.c). fmt returns the length written (buf >= 32 bytes). */
size_t pt_format_double(char *buf, double v);
int pt_parse_double(const char *s, size_t len, double *out);
/* Days since 1970-01-01 of a civil date, and back (timeparse.c). */
int64_t pt_days_from_civil(int64_t y, unsigned m, unsigned d);
void pt_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

static inline int64_t pt_floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

#endif
