/* Rule evaluation: the AST is bound to columns and lowered to a short
 * program of vector instructions over a small stack of slots; the program
 * runs block by block (BLK rows at a time), so every instruction is a tight
 * loop over contiguous arrays and the per-row cost is a few nanoseconds.
 * Sub-expressions that do not depend on the row (literals, now, quantiles)
 * are folded to scalars at bind time. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/options.h"
#include "segment/rule_impl.h"
#include "segment/select.h"
#include "segment/typecheck.h"

uint32_t patron__rule_kid(const patron_rule *r, uint32_t nd, uint32_t i);
#define KID(r, nd, i) patron__rule_kid((r), (nd), (i))

#define BLK 1024 /* rows per block; a multiple of 64 */

enum {
    I_LOAD,     /* v[dst] = column (numbers as double; missing = NaN) */
    I_ARITH_VV, /* v[dst] = v[a] op v[b] */
    I_ARITH_VK, /* v[dst] = v[a] op k */
    I_ARITH_KV, /* v[dst] = k op v[b] */
    I_CMP_VV,   /* m[dst] = v[a] cmp v[b] */
    I_CMP_VK,   /* m[dst] = v[a] cmp k */
    I_IN_NUM,   /* m[dst] = v[a] in set (neg: not in, missing false) */
    I_CAT,      /* m[dst] = lut[code] */
    I_STR_IN,   /* m[dst] = string in strs (neg: not in, missing false) */
    I_BOOL,     /* m[dst] = column != 0 */
    I_AND,      /* m[dst] = m[a] & m[b] */
    I_OR,       /* m[dst] = m[a] | m[b] */
    I_XOR,      /* m[dst] = m[a] ^ m[b] */
    I_NOT,      /* m[dst] = !m[a] */
    I_NBETWEEN  /* m[dst] = v[a] not between v[b] and v[c] (any missing: false) */
};

typedef struct insn {
    uint8_t op, cmp, neg;
    uint8_t comb; /* 0, or I_AND / I_OR: combine the result into m[dst] instead of storing */
    uint16_t dst, a, b, c;
    double k;
    const patron__column *col;
    const uint8_t *lut; /* I_CAT: nlevels entries */
    const double *set;  /* I_IN_NUM */
    const char **strs;  /* I_STR_IN */
    size_t n;           /* entries of lut / set / strs */
} insn;

/* Values known at bind time, or where a vector result lives. */
enum { G_K, G_KB, G_V, G_M };
typedef struct gval {
    int kind;
    double k; /* G_K value, G_KB 0/1 */
} gval;

typedef struct qcache {
    const patron__column *col;
    double p, value;
} qcache;

typedef struct binder {
    const patron_rule *r;
    const patron__colset *cs;
    double now;
    insn *code;
    size_t ncode, capcode;
    void **blocks; /* allocations owned by the program */
    size_t nblocks, capblocks;
    qcache *q;
    size_t nq, capq;
    int maxslot;
} binder;

#define MAX_SLOTS 4096

static void *own(binder *b, size_t count, size_t size)
{
    if (patron__grow(&b->blocks, &b->capblocks, b->nblocks + 1, sizeof(void *)))
        return NULL;
    void *p = patron__calloc(count ? count : 1, size);
    if (p)
        b->blocks[b->nblocks++] = p;
    return p;
}

static int emit(binder *b, insn in)
{
    if (patron__grow(&b->code, &b->capcode, b->ncode + 1, sizeof(insn)))
        return patron__oom();
    if (in.dst > b->maxslot)
        b->maxslot = in.dst;
    b->code[b->ncode++] = in;
    return 0;
}

static int slot_ok(binder *b, int top)
{
    if (top + 3 >= MAX_SLOTS)
        return patron__fail(PATRON_ERANGE, "the rule needs more than %d evaluation slots", MAX_SLOTS);
    if (top + 2 > b->maxslot)
        b->maxslot = top + 2;
    (void)b;
    return 0;
}

/* ------------------------------------------------------------ quantiles */

int patron__column_quantile(double *out, const patron__column *col, size_t nrows, double percent)
{
    if (!(percent >= 0.0 && percent <= 100.0))
        return patron__fail(PATRON_ERANGE, "quantile %g is outside 0..100", percent);
    if (col->type != PATRON__COL_F64 && col->type != PATRON__COL_I64 &&
        col->type != PATRON__COL_TIME)
        return patron__fail(PATRON_EINVAL, "column '%s' is not numeric", col->name);
    uint64_t *x = patron__reallocarray(NULL, nrows ? nrows : 1, sizeof(uint64_t));
    if (!x)
        return patron__oom();
    size_t n = 0;
    if (col->type == PATRON__COL_F64) {
        const double *d = col->data;
        for (size_t i = 0; i < nrows; i++) {
            x[n] = patron__key_of(d[i]);
            n += !isnan(d[i]);
        }
    } else {
        const int64_t *d = col->data;
        for (size_t i = 0; i < nrows; i++) {
            x[n] = patron__key_of((double)d[i]);
            n += col->type != PATRON__COL_TIME || d[i] != INT64_MIN;
        }
    }
    if (n == 0) {
        patron__free(x);
        return patron__fail(PATRON_EINVAL, "quantile p%g of column '%s' is undefined: %s", percent,
                            col->name, nrows ? "every value is missing" : "the frame has no rows");
    }
    double h = (double)(n - 1) * percent / 100.0;
    size_t lo = (size_t)floor(h);
    if (lo >= n - 1)
        lo = n - 1;
    double frac = h - (double)lo;
    size_t ranks[2] = {lo, lo + 1};
    double v[2];
    int two = frac > 0 && lo + 1 < n;
    int rc = patron__select_keys(x, n, ranks, two ? 2 : 1, v);
    patron__free(x);
    if (rc)
        return rc;
    *out = two ? v[0] + frac * (v[1] - v[0]) : v[0];
    return 0;
}

static int quantile(binder *b, uint32_t nd, double *out)
{
    const patron_rule *r = b->r;
    const rnode *n = &r->nodes[nd];
    int rc;
    const patron__column *col = patron__rule_resolve(r, b->cs, n->str, r->text + n->str, n->len, &rc);
    if (!col)
        return rc;
    for (size_t i = 0; i < b->nq; i++)
        if (b->q[i].col == col && b->q[i].p == n->num) {
            *out = b->q[i].value;
            return 0;
        }
    double v;
    rc = patron__column_quantile(&v, col, b->cs->nrows, n->num);
    if (rc) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s", patron_errmsg());
        return patron__rule_fail_at(r->text, r->text_len, n->pos, rc, "%s", msg);
    }
    if (patron__grow(&b->q, &b->capq, b->nq + 1, sizeof(qcache)))
        return patron__oom();
    b->q[b->nq].col = col;
    b->q[b->nq].p = n->num;
    b->q[b->nq].value = v;
    b->nq++;
    *out = v;
    return 0;
}

/* ------------------------------------------------------------ lowering */

static double arith(int op, double x, double y)
{
    switch (op) {
    case RO_ADD: return x + y;
    case RO_SUB: return x - y;
    case RO_MUL: return x * y;
    default: return y == 0.0 ? NAN : x / y;
    }
}

static int cmpk(int op, double x, double y)
{
    switch (op) {
    case RO_LT: return x < y;
    case RO_LE: return x <= y;
    case RO_GT: return x > y;
    case RO_GE: return x >= y;
    case RO_EQ: return x == y;
    default: return x < y || x > y;
    }
}

static int swap_cmp(int op)
{
    switch (op) {
    case RO_LT: return RO_GT;
    case RO_LE: return RO_GE;
    case RO_GT: return RO_LT;
    case RO_GE: return RO_LE;
    default: return op;
    }
}

static int gen(binder *b, uint32_t nd, int top, gval *out);

/* Compare x (at slot xs) with y (at slot ys); a mask lands in slot dst. */
static int emit_cmp(binder *b, gval x, int xs, gval y, int ys, int op, int dst, gval *out)
{
    insn in = {0};
    in.cmp = (uint8_t)op;
    in.dst = (uint16_t)dst;
    if (x.kind == G_K && y.kind == G_K) {
        out->kind = G_KB;
        out->k = cmpk(op, x.k, y.k);
        return 0;
    }
    if (x.kind == G_K) { /* k op v  ==  v swap(op) k */
        in.op = I_CMP_VK;
        in.a = (uint16_t)ys;
        in.k = x.k;
        in.cmp = (uint8_t)swap_cmp(op);
    } else if (y.kind == G_K) {
        in.op = I_CMP_VK;
        in.a = (uint16_t)xs;
        in.k = y.k;
    } else {
        in.op = I_CMP_VV;
        in.a = (uint16_t)xs;
        in.b = (uint16_t)ys;
    }
    out->kind = G_M;
    return emit(b, in);
}

/* Combine conditions x (slot xs) and y (slot ys) into slot dst. */
static int emit_logic(binder *b, gval x, int xs, gval y, int ys, int op, int dst, gval *out)
{
    if (x.kind == G_KB && y.kind == G_KB) {
        out->kind = G_KB;
        out->k = op == I_AND ? (x.k && y.k) : op == I_OR ? (x.k || y.k) : (x.k != y.k);
        return 0;
    }
    if (x.kind == G_KB || y.kind == G_KB) {
        double k = x.kind == G_KB ? x.k : y.k;
        int ms = x.kind == G_KB ? ys : xs;
        if (op == I_AND && k == 0) {
            out->kind = G_KB;
            out->k = 0;
            return 0;
        }
        if (op == I_OR && k != 0) {
            out->kind = G_KB;
            out->k = 1;
            return 0;
        }
        insn in = {0};
        out->kind = G_M;
        if (op == I_XOR && k != 0) {
            in.op = I_NOT;
            in.dst = (uint16_t)dst;
            in.a = (uint16_t)ms;
            return emit(b, in);
        }
        /* AND true / OR false / XOR false: the mask itself */
        if (ms == dst)
            return 0;
        in.op = I_OR;
        in.dst = (uint16_t)dst;
        in.a = (uint16_t)ms;
        in.b = (uint16_t)ms;
        return emit(b, in);
    }
    out->kind = G_M;
    /* Fuse "m[dst] = m[xs] op (last comparison into ys)" into the comparison. */
    if ((op == I_AND || op == I_OR) && xs == dst && b->ncode > 0) {
        insn *last = &b->code[b->ncode - 1];
        if (last->dst == ys && !last->comb &&
            (last->op == I_CMP_VK || last->op == I_CMP_VV || last->op == I_BOOL)) {
            last->comb = (uint8_t)op;
            last->dst = (uint16_t)dst;
            return 0;
        }
    }
    insn in = {0};
    in.op = (uint8_t)op;
    in.dst = (uint16_t)dst;
    in.a = (uint16_t)xs;
    in.b = (uint16_t)ys;
    return emit(b, in);
}

/* String comparison or membership on a category / text column. */
static int gen_strset(binder *b, uint32_t colnode, const uint32_t *lits, size_t nlits, int negate,
                      int dst, gval *out)
{
    const patron_rule *r = b->r;
    const rnode *cn = &r->nodes[colnode];
    int rc;
    const patron__column *col = patron__rule_resolve(r, b->cs, cn->pos, r->text + cn->pos, cn->len, &rc);
    if (!col)
        return rc;
    insn in = {0};
    in.dst = (uint16_t)dst;
    in.col = col;
    in.neg = (uint8_t)negate;
    out->kind = G_M;
    if (col->type == PATRON__COL_CAT) {
        uint8_t *lut = own(b, col->nlevels, 1);
        if (!lut)
            return patron__oom();
        for (size_t l = 0; l < col->nlevels; l++) {
            int hit = 0;
            const char *lv = col->levels[l];
            for (size_t i = 0; i < nlits && !hit; i++) {
                const rnode *s = &r->nodes[lits[i]];
                hit = lv && strlen(lv) == s->len && memcmp(lv, r->pool + s->str, s->len) == 0;
            }
            lut[l] = (uint8_t)(lv && lv[0] && hit != negate); /* "" is missing: always false */
        }
        in.op = I_CAT;
        in.lut = lut;
        in.n = col->nlevels;
        return emit(b, in);
    }
    const char **strs = own(b, nlits, sizeof(char *));
    if (!strs)
        return patron__oom();
    for (size_t i = 0; i < nlits; i++)
        strs[i] = r->pool + r->nodes[lits[i]].str;
    in.op = I_STR_IN;
    in.strs = strs;
    in.n = nlits;
    return emit(b, in);
}

static int gen_cmp(binder *b, uint32_t nd, int top, gval *out)
{
    const patron_rule *r = b->r;
    const rnode *n = &r->nodes[nd];
    uint32_t ka = KID(r, nd, 0), kb = KID(r, nd, 1);
    int rc, ta, tb;
    if ((rc = patron__rule_type(r, ka, b->cs, &ta)) || (rc = patron__rule_type(r, kb, b->cs, &tb)))
        return rc;
    if (ta == TY_STR) {
        uint32_t col = r->nodes[ka].kind == RN_COL ? ka : kb;
        uint32_t lit = col == ka ? kb : ka;
        return gen_strset(b, col, &lit, 1, n->op == RO_NE, top, out);
    }
    gval x, y;
    if ((rc = slot_ok(b, top)) || (rc = gen(b, ka, top, &x)) || (rc = gen(b, kb, top + 1, &y)))
        return rc;
    if (ta == TY_BOOL) {
        if ((rc = emit_logic(b, x, top, y, top + 1, I_XOR, top, out)))
            return rc;
        if (n->op == RO_EQ) {
            if (out->kind == G_KB)
                out->k = !out->k;
            else
                return emit(b, (insn){.op = I_NOT, .dst = (uint16_t)top, .a = (uint16_t)top});
        }
        return 0;
    }
    return emit_cmp(b, x, top, y, top + 1, n->op, top, out);
}

static int gen(binder *b, uint32_t nd, int top, gval *out)
{
    const patron_rule *r = b->r;
    const rnode *n = &r->nodes[nd];
    int rc;
    if ((rc = slot_ok(b, top)))
        return rc;
    switch (n->kind) {
    case RN_NUM:
        out->kind = G_K;
        out->k = n->num;
        return 0;
    case RN_BOOL:
        out->kind = G_KB;
        out->k = n->num;
        return 0;
    case RN_NOW:
        out->kind = G_K;
        out->k = b->now;
        return 0;
    case RN_AGO:
        out->kind = G_K;
        out->k = b->now - n->num;
        return 0;
    case RN_QUANT:
        out->kind = G_K;
        return quantile(b, nd, &out->k);
    case RN_COL: {
        const patron__column *col = patron__rule_resolve(r, b->cs, n->pos, r->text + n->pos, n->len, &rc);
        if (!col)
            return rc;
        insn in = {0};
        in.dst = (uint16_t)top;
        in.col = col;
        if (col->type == PATRON__COL_BOOL || col->type == PATRON__COL_BOOL_I64 ||
            col->type == PATRON__COL_BOOL_F64) {
            in.op = I_BOOL;
            out->kind = G_M;
        } else {
            in.op = I_LOAD;
            out->kind = G_V;
        }
        return emit(b, in);
    }
    case RN_NEG: {
        gval x;
        if ((rc = gen(b, KID(r, nd, 0), top, &x)))
            return rc;
        if (x.kind == G_K) {
            *out = (gval){G_K, -x.k};
            return 0;
        }
        *out = (gval){G_V, 0};
        return emit(b, (insn){.op = I_ARITH_KV, .cmp = RO_SUB, .dst = (uint16_t)top, .b = (uint16_t)top, .k = 0.0});
    }
    case RN_ARITH: {
        gval acc;
        if ((rc = gen(b, KID(r, nd, 0), top, &acc)))
            return rc;
        for (uint32_t i = 1; i < n->nkids; i++) {
            int op = r->kids[n->first + i].op;
            gval y;
            if ((rc = gen(b, KID(r, nd, i), top + 1, &y)))
                return rc;
            insn in = {0};
            in.cmp = (uint8_t)op;
            in.dst = (uint16_t)top;
            if (acc.kind == G_K && y.kind == G_K) {
                acc.k = arith(op, acc.k, y.k);
                continue;
            } else if (acc.kind == G_K) {
                in.op = I_ARITH_KV;
                in.k = acc.k;
                in.b = (uint16_t)(top + 1);
            } else if (y.kind == G_K) {
                in.op = I_ARITH_VK;
                in.a = (uint16_t)top;
                in.k = y.k;
            } else {
                in.op = I_ARITH_VV;
                in.a = (uint16_t)top;
                in.b = (uint16_t)(top + 1);
            }
            acc.kind = G_V;
            if ((rc = emit(b, in)))
                return rc;
        }
        *out = acc;
        return 0;
    }
    case RN_CMP:
        return gen_cmp(b, nd, top, out);
    case RN_IN: {
        uint32_t ka = KID(r, nd, 0);
        int negate = (n->flags & RF_NEGATE) != 0;
        size_t nl = n->nkids - 1;
        int ta;
        if ((rc = patron__rule_type(r, ka, b->cs, &ta)))
            return rc;
        if (ta == TY_STR) {
            uint32_t *lits = own(b, nl, sizeof(uint32_t));
            if (!lits)
                return patron__oom();
            for (size_t i = 0; i < nl; i++)
                lits[i] = KID(r, nd, (uint32_t)(i + 1));
            return gen_strset(b, ka, lits, nl, negate, top, out);
        }
        gval x;
        if ((rc = gen(b, ka, top, &x)))
            return rc;
        double *set = own(b, nl, sizeof(double));
        if (!set)
            return patron__oom();
        for (size_t i = 0; i < nl; i++)
            set[i] = r->nodes[KID(r, nd, (uint32_t)(i + 1))].num;
        if (x.kind == G_K) {
            int hit = 0;
            for (size_t i = 0; i < nl; i++)
                hit |= set[i] == x.k;
            *out = (gval){G_KB, isnan(x.k) ? 0 : hit != negate};
            return 0;
        }
        *out = (gval){G_M, 0};
        return emit(b, (insn){.op = I_IN_NUM, .neg = (uint8_t)negate, .dst = (uint16_t)top,
                              .a = (uint16_t)top, .set = set, .n = nl});
    }
    case RN_BETWEEN: {
        gval x, lo, hi, m1, m2;
        if ((rc = gen(b, KID(r, nd, 0), top, &x)) || (rc = gen(b, KID(r, nd, 1), top + 1, &lo)) ||
            (rc = gen(b, KID(r, nd, 2), top + 2, &hi)))
            return rc;
        if (n->flags & RF_NEGATE) {
            /* x < lo or x > hi is false when x is missing, but not when only
             * a bound is; a bound compared with itself is false exactly when
             * it is missing, so and-ing those in makes any missing value give
             * false. Constant bounds fold away. The masks of the bound checks
             * go to slots top+3, top+4 so that lo and hi keep their values. */
            if (x.kind == G_V && lo.kind == G_V && hi.kind == G_V) { /* one fused loop */
                *out = (gval){G_M, 0};
                return emit(b, (insn){.op = I_NBETWEEN, .dst = (uint16_t)top, .a = (uint16_t)top,
                                      .b = (uint16_t)(top + 1), .c = (uint16_t)(top + 2)});
            }
            gval c1, c2, any;
            if ((rc = slot_ok(b, top + 2)) ||
                (rc = emit_cmp(b, x, top, lo, top + 1, RO_LT, top + 1, &m1)) ||
                (rc = emit_cmp(b, x, top, hi, top + 2, RO_GT, top + 2, &m2)) ||
                (rc = emit_logic(b, m1, top + 1, m2, top + 2, I_OR, top, &any)) ||
                (rc = emit_cmp(b, lo, top + 1, lo, top + 1, RO_EQ, top + 3, &c1)) ||
                (rc = emit_cmp(b, hi, top + 2, hi, top + 2, RO_EQ, top + 4, &c2)) ||
                (rc = emit_logic(b, c1, top + 3, c2, top + 4, I_AND, top + 3, &c1)))
                return rc;
            return emit_logic(b, any, top, c1, top + 3, I_AND, top, out);
        }
        if ((rc = emit_cmp(b, x, top, lo, top + 1, RO_GE, top + 1, &m1)) ||
            (rc = emit_cmp(b, x, top, hi, top + 2, RO_LE, top + 2, &m2)))
            return rc;
        return emit_logic(b, m1, top + 1, m2, top + 2, I_AND, top, out);
    }
    case RN_WITHIN: {
        gval x, m1, m2;
        if ((rc = gen(b, KID(r, nd, 0), top, &x)))
            return rc;
        gval lo = {G_K, b->now - n->num}, hi = {G_K, b->now};
        if ((rc = emit_cmp(b, x, top, lo, top + 1, RO_GE, top + 1, &m1)) ||
            (rc = emit_cmp(b, x, top, hi, top + 2, RO_LE, top + 2, &m2)))
            return rc;
        return emit_logic(b, m1, top + 1, m2, top + 2, I_AND, top, out);
    }
    case RN_NOT: {
        gval x;
        if ((rc = gen(b, KID(r, nd, 0), top, &x)))
            return rc;
        if (x.kind == G_KB) {
            *out = (gval){G_KB, !x.k};
            return 0;
        }
        *out = (gval){G_M, 0};
        return emit(b, (insn){.op = I_NOT, .dst = (uint16_t)top, .a = (uint16_t)top});
    }
    case RN_AND:
    case RN_OR: {
        int op = n->kind == RN_AND ? I_AND : I_OR;
        gval acc;
        if ((rc = gen(b, KID(r, nd, 0), top, &acc)))
            return rc;
        for (uint32_t i = 1; i < n->nkids; i++) {
            if (acc.kind == G_KB && (acc.k != 0) == (op == I_OR))
                break; /* decided: false and ..., true or ... */
            gval y;
            if ((rc = gen(b, KID(r, nd, i), top + 1, &y)))
                return rc;
            if (acc.kind == G_KB) { /* true and y / false or y: y itself, moved to top */
                if ((rc = emit_logic(b, y, top + 1, acc, top, op, top, &acc)))
                    return rc;
                continue;
            }
            if ((rc = emit_logic(b, acc, top, y, top + 1, op, top, &acc)))
                return rc;
        }
        *out = acc;
        return 0;
    }
    default:
        return patron__fail(PATRON_EINTERNAL, "rule node %u has unknown kind %d", (unsigned)nd, n->kind);
    }
}

/* ------------------------------------------------------------ runtime */

typedef struct slot {
    const double *v;
    double *vbuf;
    uint8_t *m;
} slot;

static void run_block(const insn *code, size_t ncode, slot *s, size_t base, size_t n)
{
    for (size_t pc = 0; pc < ncode; pc++) {
        const insn *in = &code[pc];
        slot *d = &s[in->dst];
        switch (in->op) {
        case I_LOAD: {
            const patron__column *c = in->col;
            if (c->type == PATRON__COL_F64) {
                d->v = (const double *)c->data + base;
            } else {
                const int64_t *x = (const int64_t *)c->data + base;
                double *o = d->vbuf;
                if (c->type == PATRON__COL_TIME)
                    for (size_t i = 0; i < n; i++)
                        o[i] = x[i] == INT64_MIN ? NAN : (double)x[i];
                else
                    for (size_t i = 0; i < n; i++)
                        o[i] = (double)x[i];
                d->v = o;
            }
            break;
        }
        case I_ARITH_VV:
        case I_ARITH_VK:
        case I_ARITH_KV: {
            const double *x = in->op == I_ARITH_KV ? NULL : s[in->a].v;
            const double *y = in->op == I_ARITH_VV || in->op == I_ARITH_KV ? s[in->b].v : NULL;
            double k = in->k;
            double *o = d->vbuf;
            switch (in->cmp) {
            case RO_ADD:
                if (!x) for (size_t i = 0; i < n; i++) o[i] = k + y[i];
                else if (!y) for (size_t i = 0; i < n; i++) o[i] = x[i] + k;
                else for (size_t i = 0; i < n; i++) o[i] = x[i] + y[i];
                break;
            case RO_SUB:
                if (!x) for (size_t i = 0; i < n; i++) o[i] = k - y[i];
                else if (!y) for (size_t i = 0; i < n; i++) o[i] = x[i] - k;
                else for (size_t i = 0; i < n; i++) o[i] = x[i] - y[i];
                break;
            case RO_MUL:
                if (!x) for (size_t i = 0; i < n; i++) o[i] = k * y[i];
                else if (!y) for (size_t i = 0; i < n; i++) o[i] = x[i] * k;
                else for (size_t i = 0; i < n; i++) o[i] = x[i] * y[i];
                break;
            default: /* division: a zero divisor gives a missing value */
                if (!x) for (size_t i = 0; i < n; i++) o[i] = y[i] == 0.0 ? NAN : k / y[i];
                else if (!y) for (size_t i = 0; i < n; i++) o[i] = k == 0.0 ? NAN : x[i] / k;
                else for (size_t i = 0; i < n; i++) o[i] = y[i] == 0.0 ? NAN : x[i] / y[i];
                break;
            }
            d->v = o;
            break;
        }
        case I_CMP_VK: {
            const double *x = s[in->a].v;
            double k = in->k;
            uint8_t *m = d->m;
#define CMPK_LOOP(EXPR)                                                   \
    if (in->comb == I_AND)                                                \
        for (size_t i = 0; i < n; i++) m[i] &= (uint8_t)(EXPR);           \
    else if (in->comb == I_OR)                                            \
        for (size_t i = 0; i < n; i++) m[i] |= (uint8_t)(EXPR);           \
    else                                                                  \
        for (size_t i = 0; i < n; i++) m[i] = (uint8_t)(EXPR);
            switch (in->cmp) {
            case RO_LT: CMPK_LOOP(x[i] < k) break;
            case RO_LE: CMPK_LOOP(x[i] <= k) break;
            case RO_GT: CMPK_LOOP(x[i] > k) break;
            case RO_GE: CMPK_LOOP(x[i] >= k) break;
            case RO_EQ: CMPK_LOOP(x[i] == k) break;
            default: CMPK_LOOP((x[i] < k) | (x[i] > k)) break;
            }
            break;
        }
        case I_CMP_VV: {
            const double *x = s[in->a].v, *y = s[in->b].v;
            uint8_t *m = d->m;
            switch (in->cmp) {
            case RO_LT: CMPK_LOOP(x[i] < y[i]) break;
            case RO_LE: CMPK_LOOP(x[i] <= y[i]) break;
            case RO_GT: CMPK_LOOP(x[i] > y[i]) break;
            case RO_GE: CMPK_LOOP(x[i] >= y[i]) break;
            case RO_EQ: CMPK_LOOP(x[i] == y[i]) break;
            default: CMPK_LOOP((x[i] < y[i]) | (x[i] > y[i])) break;
            }
            break;
        }
        case I_IN_NUM: {
            const double *x = s[in->a].v;
            uint8_t *m = d->m;
            for (size_t i = 0; i < n; i++) {
                int hit = 0;
                for (size_t j = 0; j < in->n; j++)
                    hit |= x[i] == in->set[j];
                m[i] = (uint8_t)(x[i] == x[i] ? hit != in->neg : 0);
            }
            break;
        }
        case I_CAT: {
            const int32_t *c = (const int32_t *)in->col->data + base;
            uint8_t *m = d->m;
            size_t nl = in->n;
            for (size_t i = 0; i < n; i++)
                m[i] = c[i] >= 0 && (size_t)c[i] < nl ? in->lut[c[i]] : 0;
            break;
        }
        case I_STR_IN: {
            const char *const *c = (const char *const *)in->col->data + base;
            uint8_t *m = d->m;
            for (size_t i = 0; i < n; i++) {
                if (!c[i] || !c[i][0]) {
                    m[i] = 0;
                    continue;
                }
                int hit = 0;
                for (size_t j = 0; j < in->n && !hit; j++)
                    hit = strcmp(c[i], in->strs[j]) == 0;
                m[i] = (uint8_t)(hit != in->neg);
            }
            break;
        }
        case I_BOOL: {
            uint8_t *m = d->m;
            if (in->col->type == PATRON__COL_BOOL_I64) {
                const int64_t *x = (const int64_t *)in->col->data + base;
                CMPK_LOOP(x[i] != 0)
            } else if (in->col->type == PATRON__COL_BOOL_F64) {
                const double *x = (const double *)in->col->data + base;
                CMPK_LOOP((x[i] < 0) | (x[i] > 0))
            } else {
                const uint8_t *x = (const uint8_t *)in->col->data + base;
                CMPK_LOOP(x[i] != 0)
            }
            break;
        }
        case I_AND: {
            const uint8_t *x = s[in->a].m, *y = s[in->b].m;
            uint8_t *m = d->m;
            for (size_t i = 0; i < n; i++)
                m[i] = x[i] & y[i];
            break;
        }
        case I_OR: {
            const uint8_t *x = s[in->a].m, *y = s[in->b].m;
            uint8_t *m = d->m;
            for (size_t i = 0; i < n; i++)
                m[i] = x[i] | y[i];
            break;
        }
        case I_XOR: {
            const uint8_t *x = s[in->a].m, *y = s[in->b].m;
            uint8_t *m = d->m;
            for (size_t i = 0; i < n; i++)
                m[i] = x[i] ^ y[i];
            break;
        }
        case I_NBETWEEN: {
            const double *x = s[in->a].v, *lo = s[in->b].v, *hi = s[in->c].v;
            uint8_t *m = d->m;
            for (size_t i = 0; i < n; i++)
                m[i] = (uint8_t)(((x[i] < lo[i]) | (x[i] > hi[i])) & (lo[i] == lo[i]) & (hi[i] == hi[i]));
            break;
        }
        case I_NOT: {
            const uint8_t *x = s[in->a].m;
            uint8_t *m = d->m;
            for (size_t i = 0; i < n; i++)
                m[i] = x[i] ^ 1u;
            break;
        }
        default:
            break;
        }
    }
}

/* Bytes 0/1 to bits: eight at a time with a multiply that gathers the low
 * bit of each byte into the top byte (no carries: the partial products land
 * on distinct bits). */
static void pack(uint64_t *words, const uint8_t *m, size_t n)
{
    size_t full = n / 64;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (size_t w = 0; w < full; w++) {
        uint64_t x = 0;
        const uint8_t *p = m + w * 64;
        for (size_t j = 0; j < 8; j++) {
            uint64_t b;
            memcpy(&b, p + 8 * j, 8);
            x |= ((b * UINT64_C(0x0102040810204080)) >> 56) << (8 * j);
        }
        words[w] = x;
    }
#else
    for (size_t w = 0; w < full; w++) {
        uint64_t x = 0;
        for (size_t j = 0; j < 64; j++)
            x |= (uint64_t)m[w * 64 + j] << j;
        words[w] = x;
    }
#endif
    if (n % 64) {
        uint64_t x = 0;
        const uint8_t *p = m + full * 64;
        for (size_t j = 0; j < n % 64; j++)
            x |= (uint64_t)p[j] << j;
        words[full] = x;
    }
}

static void binder_free(binder *b)
{
    for (size_t i = 0; i < b->nblocks; i++)
        patron__free(b->blocks[i]);
    patron__free(b->blocks);
    patron__free(b->code);
    patron__free(b->q);
}

int patron__rule_eval_columns(patron_selection **out, const patron_rule *rule,
                              const patron__colset *cs, const patron_rule_eval_options *opts)
{
    patron__rule_clear_position();
    if (!out || !rule || !cs)
        return patron__fail(PATRON_EINVAL, "rule evaluation: %s is NULL",
                            !out ? "out" : !rule ? "rule" : "frame");
    patron_rule_eval_options o = PATRON_RULE_EVAL_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_rule_eval_options");
    if (rc)
        return rc;
    if (rule->uses_now && o.now == PATRON_TIME_NONE)
        return patron__rule_fail_at(rule->text, rule->text_len, rule->now_pos, PATRON_EINVAL,
                                    "the rule uses a relative date; set 'now' in patron_rule_eval_options (the wall clock is never read)");
    for (size_t i = 0; i < cs->ncols; i++)
        if (cs->nrows && !cs->cols[i].data)
            return patron__fail(PATRON_EINVAL, "column '%s' has no data", cs->cols[i].name);
    if ((rc = patron__rule_typecheck(rule, cs)))
        return rc;

    binder b;
    memset(&b, 0, sizeof b);
    b.r = rule;
    b.cs = cs;
    b.now = (double)o.now;
    gval res;
    rc = gen(&b, rule->root, 0, &res);
    if (rc) {
        binder_free(&b);
        return rc;
    }
    patron_selection *sel;
    if ((rc = patron_selection_new(&sel, cs->nrows))) {
        binder_free(&b);
        return rc;
    }
    if (res.kind == G_KB) {
        if (res.k != 0)
            patron_selection_not(sel);
        binder_free(&b);
        *out = sel;
        return 0;
    }
    size_t nslots = (size_t)b.maxslot + 1;
    slot *s = patron__calloc(nslots, sizeof(slot));
    double *vb = patron__reallocarray(NULL, nslots * BLK, sizeof(double));
    uint8_t *mb = patron__calloc(nslots * BLK, 1);
    if (!s || !vb || !mb) {
        patron__free(s);
        patron__free(vb);
        patron__free(mb);
        patron_selection_free(sel);
        binder_free(&b);
        return patron__oom();
    }
    for (size_t i = 0; i < nslots; i++) {
        s[i].vbuf = vb + i * BLK;
        s[i].m = mb + i * BLK;
        s[i].v = s[i].vbuf;
    }
    for (size_t base = 0; base < cs->nrows; base += BLK) {
        size_t n = cs->nrows - base < BLK ? cs->nrows - base : BLK;
        run_block(b.code, b.ncode, s, base, n);
        pack(sel->words + base / 64, s[0].m, n);
    }
    patron__free(s);
    patron__free(vb);
    patron__free(mb);
    binder_free(&b);
    *out = sel;
    return 0;
}
