/* Internal structures of the summary module (transaction log, id map,
 * customer frame) and the helpers its files share. */
#ifndef PATRON_SUMMARY_INT_H
#define PATRON_SUMMARY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "patron/summary.h"

/* ---- id map: dense indexes for int64 or string keys (idmap.c) ---- */
typedef struct pt_idmap {
    int kind;           /* 0 = empty/undecided, 1 = int64 keys, 2 = string keys */
    size_t n, cap;      /* keys stored; capacity of the key arrays */
    int64_t *ints;      /* kind 1: the keys */
    uint64_t *offs;     /* kind 2: offset of key i in arena (NUL-terminated) */
    uint32_t *hashes;   /* kind 2: hash of key i */
    char *arena;
    size_t alen, acap;
    uint32_t *table;    /* open addressing, slot = index + 1, 0 = empty */
    size_t tcap;        /* power of two, or 0 */
    size_t last;        /* index + 1 of the last key found or added (0 = none): a
                         * cache for logs whose rows come grouped by customer */
} pt_idmap;

#define PT_ID_INT 1
#define PT_ID_STR 2

void pt_idmap_free(pt_idmap *m);
/* Find or insert; *idx receives the dense index. ENOMEM leaves m unchanged. */
int pt_idmap_int(pt_idmap *m, int64_t key, uint32_t *idx);
int pt_idmap_str(pt_idmap *m, const char *key, size_t len, uint32_t *idx);
/* Forget keys with index >= n (rollback); never allocates. */
void pt_idmap_truncate(pt_idmap *m, size_t n);
size_t pt_idmap_memory(const pt_idmap *m);
static inline const char *pt_idmap_key(const pt_idmap *m, size_t i)
{
    return m->arena + m->offs[i];
}
static inline size_t pt_idmap_keylen(const pt_idmap *m, size_t i)
{
    size_t end = i + 1 < m->n ? (size_t)m->offs[i + 1] : m->alen;
    return end - (size_t)m->offs[i] - 1;
}

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
} pt_col;

struct patron_frame {
    size_t rows;
    size_t ncols, capcols;
    pt_col *cols;
};

/* New frame with no columns at all (ids added by the caller). */
int pt_frame_alloc(patron_frame **out, size_t rows);
/* Append a column whose storage is already allocated (takes ownership on
 * success). */
int pt_frame_adopt(patron_frame *f, const char *name, int type, void *data, char *arena);
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
