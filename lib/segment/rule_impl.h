/* Internal: the compiled form of a rule and the entry points the rest of the
 * module (and the unit tests) use. */
#ifndef PATRON_SEGMENT_RULE_IMPL_H
#define PATRON_SEGMENT_RULE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "internal/columns.h"
#include "patron/segment.h"

/* Node kinds of the abstract syntax tree. */
enum {
    RN_NUM,     /* num */
    RN_STR,     /* pool[str .. str+len) */
    RN_BOOL,    /* num = 0 or 1 */
    RN_COL,     /* name = text[pos .. pos+len) */
    RN_QUANT,   /* num = percent 0..100; column name text[str .. str+len) */
    RN_NOW,     /* the evaluation's now */
    RN_AGO,     /* now - num seconds */
    RN_NEG,     /* kids[0] */
    RN_ARITH,   /* kids with ops: k0 op1 k1 op2 k2 ... (ops[0] unused) */
    RN_CMP,     /* kids[0] op kids[1]; flags & RF_TIMECMP for before/after */
    RN_IN,      /* kids[0] in [kids[1..]]; flags & RF_NEGATE for not in */
    RN_BETWEEN, /* kids[0] between kids[1] and kids[2]; RF_NEGATE */
    RN_WITHIN,  /* kids[0] within num seconds */
    RN_NOT,     /* kids[0] */
    RN_AND,     /* all kids */
    RN_OR       /* any kid */
};

/* Binary operators (RN_ARITH edges and RN_CMP). */
enum { RO_ADD, RO_SUB, RO_MUL, RO_DIV, RO_LT, RO_LE, RO_GT, RO_GE, RO_EQ, RO_NE };

#define RF_NEGATE 1u
#define RF_TIMECMP 2u

typedef struct rnode {
    uint8_t kind;
    uint8_t op;
    uint8_t flags;
    uint32_t pos;   /* byte offset of the node's token in the text */
    uint32_t len;   /* RN_COL name length; RN_STR value length; RN_QUANT column name length */
    uint32_t str;   /* RN_STR offset in pool; RN_QUANT column name offset in text */
    uint32_t first; /* first child in kids[] */
    uint32_t nkids;
    double num;
} rnode;

typedef struct rkid {
    uint32_t node;
    uint8_t op; /* RN_ARITH: operator joining this child to the previous ones */
} rkid;

struct patron_rule {
    char *text;
    size_t text_len;
    rnode *nodes;
    size_t nnodes;
    rkid *kids;
    size_t nkids;
    char *pool;
    size_t pool_len;
    uint32_t root;
    uint32_t now_pos;  /* position of the first relative-date construct */
    int uses_now;
};

/* Record a failure at byte offset `pos` of `text`: the message gets
 * "line L, column C: " in front and the source line with a caret after it,
 * and patron_rule_error_position() reports L and C. Returns `code`. */
int patron__rule_fail_at(const char *text, size_t text_len, size_t pos, int code,
                         const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/* Forget the recorded position (called on success and on position-less failures). */
void patron__rule_clear_position(void);

/* Type check a parsed rule; cs NULL checks what does not depend on columns. */
int patron__rule_typecheck(const patron_rule *rule, const patron__colset *cs);

/* Evaluate over a column view. On success *out is a new selection over
 * cs->nrows rows. */
int patron__rule_eval_columns(patron_selection **out, const patron_rule *rule,
                              const patron__colset *cs, const patron_rule_eval_options *opts);

/* Quantile (percent 0..100) of the non-missing values of a numeric column:
 * type 7 of Hyndman and Fan (linear interpolation between order statistics,
 * the default of R and NumPy). Ties need no rule: the value is a function of
 * the multiset of values. PATRON_EINVAL when the column has no non-missing
 * value or is not numeric. */
int patron__column_quantile(double *out, const patron__column *col, size_t nrows, double percent);

/* Selections are plain bitmaps. */
struct patron_selection {
    size_t nrows;
    size_t nwords;
    uint64_t *words; /* bits past nrows are always zero */
};

#endif
