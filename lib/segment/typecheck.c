/* Rule type checking: without columns (at compile time) it checks what the
 * literals decide; with columns (at evaluation) it resolves every name. */
#include <stdio.h>
#include <string.h>

#include "internal/error.h"
#include "segment/rule_impl.h"
#include "segment/typecheck.h"

uint32_t patron__rule_kid(const patron_rule *r, uint32_t nd, uint32_t i);
#define KID(r, nd, i) patron__rule_kid((r), (nd), (i))

const char *patron__coltype_name(patron__coltype t)
{
    switch (t) {
    case PATRON__COL_F64:
    case PATRON__COL_I64: return "number";
    case PATRON__COL_TIME: return "time";
    case PATRON__COL_BOOL:
    case PATRON__COL_BOOL_I64:
    case PATRON__COL_BOOL_F64: return "boolean";
    case PATRON__COL_CAT: return "category";
    case PATRON__COL_STR: return "text";
    default: return "unknown";
    }
}

const patron__column *patron__colset_find(const patron__colset *cs, const char *name, size_t len)
{
    for (size_t i = 0; i < cs->ncols; i++) {
        const char *n = cs->cols[i].name;
        if (n && strlen(n) == len && memcmp(n, name, len) == 0)
            return &cs->cols[i];
    }
    return NULL;
}

static int type_of_col(patron__coltype t)
{
    switch (t) {
    case PATRON__COL_F64:
    case PATRON__COL_I64: return TY_NUM;
    case PATRON__COL_TIME: return TY_TIME;
    case PATRON__COL_BOOL:
    case PATRON__COL_BOOL_I64:
    case PATRON__COL_BOOL_F64: return TY_BOOL;
    default: return TY_STR;
    }
}

static const char *ty_name(int ty)
{
    switch (ty) {
    case TY_NUM: return "number";
    case TY_TIME: return "time";
    case TY_BOOL: return "condition";
    case TY_STR: return "category";
    default: return "value";
    }
}

/* Edit distance for "did you mean"; names longer than 63 are not compared. */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    if (la > 63 || lb > 63)
        return 99;
    size_t prev[64], cur[64];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb];
}

const patron__column *patron__rule_resolve(const patron_rule *r, const patron__colset *cs,
                                           size_t pos, const char *name, size_t len, int *rc)
{
    const patron__column *c = patron__colset_find(cs, name, len);
    if (c) {
        *rc = 0;
        return c;
    }
    const char *best = NULL;
    size_t bestd = 99;
    for (size_t i = 0; i < cs->ncols; i++) {
        const char *n = cs->cols[i].name;
        if (!n)
            continue;
        size_t d = edit_distance(name, len, n, strlen(n));
        if (d < bestd) {
            bestd = d;
            best = n;
        }
    }
    int shown = (int)(len > 60 ? 60 : len);
    if (best && bestd <= 2 && bestd < len)
        *rc = patron__rule_fail_at(r->text, r->text_len, pos, PATRON_ENOTFOUND,
                                   "unknown column '%.*s' (did you mean '%s'?)", shown, name, best);
    else
        *rc = patron__rule_fail_at(r->text, r->text_len, pos, PATRON_ENOTFOUND,
                                   "unknown column '%.*s'", shown, name);
    return NULL;
}

/* "'city' is a category column", "'5' is a number", "the expression is a number". */
static void what(const patron_rule *r, uint32_t nd, int ty, const patron__colset *cs, char *buf,
                 size_t cap)
{
    const rnode *n = &r->nodes[nd];
    int l = (int)(n->len > 60 ? 60 : n->len);
    switch (n->kind) {
    case RN_COL:
        if (cs) {
            const patron__column *c = patron__colset_find(cs, r->text + n->pos, n->len);
            if (c) {
                snprintf(buf, cap, "'%.*s' is a %s column", l, r->text + n->pos,
                         patron__coltype_name(c->type));
                return;
            }
        }
        snprintf(buf, cap, "'%.*s' is a %s", l, r->text + n->pos, ty_name(ty));
        return;
    case RN_NUM: snprintf(buf, cap, "%g is a number", n->num); return;
    case RN_STR: snprintf(buf, cap, "\"%.*s\" is a string", l, r->pool + n->str); return;
    case RN_BOOL: snprintf(buf, cap, "'%s' is a condition", n->num != 0 ? "true" : "false"); return;
    default: snprintf(buf, cap, "the expression is a %s", ty_name(ty)); return;
    }
}

static int is_numeric(int ty)
{
    return ty == TY_ANY || ty == TY_NUM || ty == TY_TIME;
}

static int mismatch(const patron_rule *r, uint32_t nd, int ty, const patron__colset *cs,
                    const char *need)
{
    char w[160];
    what(r, nd, ty, cs, w, sizeof w);
    return patron__rule_fail_at(r->text, r->text_len, r->nodes[nd].pos, PATRON_EINVAL,
                                "type mismatch: %s, but %s", w, need);
}

static const char *op_text(const rnode *n)
{
    static const char *const ops[] = {"+", "-", "*", "/", "<", "<=", ">", ">=", "==", "!="};
    if (n->kind == RN_CMP && (n->flags & RF_TIMECMP))
        return n->op == RO_LT ? "before" : "after";
    return ops[n->op];
}

int patron__rule_type(const patron_rule *r, uint32_t nd, const patron__colset *cs, int *ty)
{
    const rnode *n = &r->nodes[nd];
    int rc, a, b, c;
    char need[96];
    switch (n->kind) {
    case RN_NUM: *ty = TY_NUM; return 0;
    case RN_STR: *ty = TY_STR; return 0;
    case RN_BOOL: *ty = TY_BOOL; return 0;
    case RN_NOW:
    case RN_AGO: *ty = TY_TIME; return 0;
    case RN_COL: {
        if (!cs) {
            *ty = TY_ANY;
            return 0;
        }
        const patron__column *col = patron__rule_resolve(r, cs, n->pos, r->text + n->pos, n->len, &rc);
        if (!col)
            return rc;
        *ty = type_of_col(col->type);
        return 0;
    }
    case RN_QUANT: {
        if (!cs) {
            *ty = TY_NUM;
            return 0;
        }
        const patron__column *col = patron__rule_resolve(r, cs, n->str, r->text + n->str, n->len, &rc);
        if (!col)
            return rc;
        /* a non-numeric column is reported by the comparison that uses it, or
         * by the quantile computation */
        int ct = type_of_col(col->type);
        if (ct != TY_TIME)
            ct = TY_NUM;
        *ty = ct;
        return 0;
    }
    case RN_NEG:
        if ((rc = patron__rule_type(r, KID(r, nd, 0), cs, &a)))
            return rc;
        if (!is_numeric(a))
            return mismatch(r, KID(r, nd, 0), a, cs, "unary '-' needs a number");
        *ty = TY_NUM;
        return 0;
    case RN_ARITH: {
        int ntime = 0, any = 0, additive = 1;
        for (uint32_t i = 0; i < n->nkids; i++) {
            uint32_t k = KID(r, nd, i);
            uint8_t op = r->kids[n->first + i].op;
            if ((rc = patron__rule_type(r, k, cs, &a)))
                return rc;
            if (i > 0 && op != RO_ADD && op != RO_SUB)
                additive = 0;
            if (!is_numeric(a)) {
                uint8_t shown = i > 0 ? op : r->kids[n->first + 1].op;
                static const char *const ops[] = {"+", "-", "*", "/"};
                snprintf(need, sizeof need, "'%s' needs numbers", ops[shown]);
                return mismatch(r, k, a, cs, need);
            }
            if (i > 0 && op == RO_DIV && r->nodes[k].kind == RN_NUM && r->nodes[k].num == 0.0)
                return patron__rule_fail_at(r->text, r->text_len, r->nodes[k].pos, PATRON_EINVAL,
                                            "division by zero");
            ntime += a == TY_TIME;
            any |= a == TY_ANY;
        }
        *ty = any ? TY_ANY : (ntime == 1 && additive ? TY_TIME : TY_NUM);
        return 0;
    }
    case RN_CMP: {
        uint32_t ka = KID(r, nd, 0), kb = KID(r, nd, 1);
        if ((rc = patron__rule_type(r, ka, cs, &a)) || (rc = patron__rule_type(r, kb, cs, &b)))
            return rc;
        *ty = TY_BOOL;
        if (n->flags & RF_TIMECMP) {
            snprintf(need, sizeof need, "'%s' needs a time on its left", op_text(n));
            if (a != TY_TIME && a != TY_ANY)
                return mismatch(r, ka, a, cs, need);
            snprintf(need, sizeof need, "'%s' needs a time on its right (e.g. '30 days ago')", op_text(n));
            if (!is_numeric(b))
                return mismatch(r, kb, b, cs, need);
            return 0;
        }
        int eq = n->op == RO_EQ || n->op == RO_NE;
        if (a == TY_ANY && b == TY_ANY)
            return 0;
        if (a == TY_STR || b == TY_STR) {
            snprintf(need, sizeof need, "'%s' needs numbers", op_text(n));
            if (!eq)
                return mismatch(r, a == TY_STR ? ka : kb, TY_STR, cs, need);
            uint32_t other = a == TY_STR ? kb : ka;
            int ot = a == TY_STR ? b : a;
            uint32_t self = a == TY_STR ? ka : kb;
            if (ot != TY_STR && ot != TY_ANY) {
                snprintf(need, sizeof need, "a category can only be compared with a string");
                return mismatch(r, other, ot, cs, need);
            }
            /* one side a column, the other a string literal */
            int self_lit = r->nodes[self].kind == RN_STR, other_lit = r->nodes[other].kind == RN_STR;
            if (self_lit == other_lit && (cs || (self_lit && other_lit)))
                return patron__rule_fail_at(r->text, r->text_len, n->pos, PATRON_EINVAL,
                                            "'%s' on categories compares a column with a string, as in city == \"Paris\"",
                                            op_text(n));
            if (!self_lit && r->nodes[self].kind != RN_COL)
                return patron__rule_fail_at(r->text, r->text_len, r->nodes[self].pos, PATRON_EINVAL,
                                            "'%s' on categories compares a column with a string", op_text(n));
            return 0;
        }
        if (a == TY_BOOL || b == TY_BOOL) {
            if (!eq) {
                snprintf(need, sizeof need, "'%s' needs numbers", op_text(n));
                return mismatch(r, a == TY_BOOL ? ka : kb, TY_BOOL, cs, need);
            }
            int ot = a == TY_BOOL ? b : a;
            if (ot != TY_BOOL && ot != TY_ANY)
                return mismatch(r, a == TY_BOOL ? kb : ka, ot, cs,
                                "a condition can only be compared with true or false");
            return 0;
        }
        snprintf(need, sizeof need, "'%s' needs numbers", op_text(n));
        if (!is_numeric(a))
            return mismatch(r, ka, a, cs, need);
        if (!is_numeric(b))
            return mismatch(r, kb, b, cs, need);
        return 0;
    }
    case RN_IN: {
        uint32_t ka = KID(r, nd, 0);
        if ((rc = patron__rule_type(r, ka, cs, &a)))
            return rc;
        *ty = TY_BOOL;
        if (n->nkids < 2)
            return 0;
        int lt = r->nodes[KID(r, nd, 1)].kind == RN_STR ? TY_STR : TY_NUM;
        if (a == TY_ANY)
            return 0;
        if (lt == TY_STR) {
            if (a != TY_STR)
                return mismatch(r, ka, a, cs, "the list holds strings");
            if (r->nodes[ka].kind != RN_COL)
                return patron__rule_fail_at(r->text, r->text_len, r->nodes[ka].pos, PATRON_EINVAL,
                                            "'in' with strings needs a category column on its left");
            return 0;
        }
        if (!is_numeric(a))
            return mismatch(r, ka, a, cs, "the list holds numbers");
        return 0;
    }
    case RN_BETWEEN:
        *ty = TY_BOOL;
        for (uint32_t i = 0; i < 3; i++) {
            if ((rc = patron__rule_type(r, KID(r, nd, i), cs, &a)))
                return rc;
            if (!is_numeric(a))
                return mismatch(r, KID(r, nd, i), a, cs, "'between' needs numbers or times");
        }
        return 0;
    case RN_WITHIN:
        *ty = TY_BOOL;
        if ((rc = patron__rule_type(r, KID(r, nd, 0), cs, &a)))
            return rc;
        if (a != TY_TIME && a != TY_ANY)
            return mismatch(r, KID(r, nd, 0), a, cs, "'within' needs a time (such as last_purchase)");
        return 0;
    case RN_NOT:
    case RN_AND:
    case RN_OR:
        *ty = TY_BOOL;
        for (uint32_t i = 0; i < n->nkids; i++) {
            uint32_t k = KID(r, nd, i);
            if ((rc = patron__rule_type(r, k, cs, &c)))
                return rc;
            if (c != TY_BOOL && c != TY_ANY) {
                snprintf(need, sizeof need, "'%s' needs conditions (compare it, e.g. '... > 0')",
                         n->kind == RN_NOT ? "not" : n->kind == RN_AND ? "and" : "or");
                return mismatch(r, k, c, cs, need);
            }
        }
        return 0;
    default:
        return patron__fail(PATRON_EINTERNAL, "rule node %u has unknown kind %d", (unsigned)nd, n->kind);
    }
}

int patron__rule_typecheck(const patron_rule *r, const patron__colset *cs)
{
    int ty;
    int rc = patron__rule_type(r, r->root, cs, &ty);
    if (rc)
        return rc;
    if (ty != TY_BOOL && ty != TY_ANY)
        return mismatch(r, r->root, ty, cs,
                        "a rule must be a condition, true or false for each customer (e.g. 'frequency >= 2')");
    return 0;
}
