/* Seeded differential tests of the segment module against models written
 * here from docs/guide/segment.md:
 *
 * - random rules (arithmetic, the six comparisons, between / not between,
 *   in / not in, categories, conditions, relative times, quantiles, not /
 *   and / or, comments, keyword case, alternative operator spellings) over
 *   random columns full of missing values, near-equal values, subnormals and
 *   signed zeros, evaluated by the library and by a tree-walking evaluator
 *   of the guide's semantics, row by row;
 * - mutated rule texts: every one compiles or fails with a documented code
 *   (and a position for syntax errors), never anything else;
 * - patron_ntile_scores() against 1 + floor(bins * L / n) counted directly,
 *   and quantiles against a sort and the type-7 formula;
 * - RFM columns of CSV frames (near-equal and missing values) against the
 *   guide's scores, rfm_score and segment table.
 *
 * PATRON_SLOW_TESTS=1 (the slow suite) runs 20 times as many cases
 * (a tenth under valgrind);
 * PATRON_DIFF_SEED picks another seed. A failure prints the rule, the row
 * and its values. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal/columns.h"
#include "patron.h"
#include "segment/rule_impl.h"

#define NOW 1700000000.0
#define DAY 86400.0

/* ------------------------------------------------------------ randomness */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    /* splitmix64: reproducible across platforms */
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}
static unsigned below(unsigned n) { return (unsigned)(rnd() % n); }
static int chance(unsigned pct) { return below(100) < pct; }

/* Cases per test, in units of the default run's: 20 in the slow suite,
 * 1 by default, and a tenth under valgrind (memcheck runs the unit suite;
 * the count there is for memory errors, not coverage). */
static double scale(void)
{
    const char *s = getenv("PATRON_SLOW_TESTS"), *vg = getenv("PATRON_UNDER_VALGRIND");
    return s && *s == '1' ? 20 : vg && *vg == '1' ? 0.1 : 1;
}

static uint64_t seed(void)
{
    const char *s = getenv("PATRON_DIFF_SEED");
    return s && *s ? strtoull(s, NULL, 0) : UINT64_C(20);
}

/* Values that sit next to each other in the bits: a few bases, moved a few
 * ulps, zeros of both signs, subnormals, the ends of the range. */
static double near_value(void)
{
    static const double bases[] = {0.0, 1.0, 33.333333333333336, -9.866295413738777, 2.5, 1e308,
                                   5e-324, 2.2250738585072014e-308, 100.0, -3.0, 0.1, 1e-300,
                                   123456.789, 7.0, -0.5, 1.7976931348623157e308};
    double v = bases[below(sizeof bases / sizeof bases[0])];
    int steps = (int)below(7) - 3;
    for (; steps > 0; steps--)
        v = nextafter(v, HUGE_VAL);
    for (; steps < 0; steps++)
        v = nextafter(v, -HUGE_VAL);
    if (isinf(v))
        v = v > 0 ? 1.7976931348623157e308 : -1.7976931348623157e308;
    if (v == 0.0 && chance(50))
        v = -v;
    return v;
}

static double random_double(void)
{
    switch (below(4)) {
    case 0: return near_value();
    case 1: return (double)((int)below(21) - 5);
    case 2: return (double)((int)below(2001) - 1000) / 8.0;
    default: return ldexp((double)(rnd() >> 11), (int)below(80) - 60) * (chance(30) ? -1 : 1);
    }
}

/* ------------------------------------------------------------ the frame */

enum { C_A, C_B, C_MV, C_N, C_T, C_J, C_CITY, C_TAG, C_SMS, C_VIP, C_GOLD, NCOL };

static const char *const col_names[NCOL] = {"a", "b", "m.val", "n", "last_purchase", "joined",
                                            "city", "tag", "consent.sms", "is_vip", "has_gold"};
static const char *const city_levels[] = {"Paris", "Lyon", "", "Nice"};
static const char *const tag_pool[] = {"a", "b", "it's", "tab\there", "x\"y", "", NULL, "back\\slash"};
static const char *const str_pool[] = {"Paris", "Lyon", "Nice", "Rome", "a", "b", "it's",
                                       "tab\there", "x\"y", "back\\slash", "c", ""};

#define MAXROWS 2100
static size_t nrows;
static double va[MAXROWS], vb[MAXROWS], vmv[MAXROWS], vgold[MAXROWS];
static int64_t vn[MAXROWS], vt[MAXROWS], vj[MAXROWS], vvip[MAXROWS];
static int32_t vcity[MAXROWS];
static const char *vtag[MAXROWS];
static uint8_t vsms[MAXROWS];
static patron__column cols[NCOL];
static patron__colset cset;

static void fill_doubles(double *v, unsigned missing_pct)
{
    /* a few distinct values, repeated, so that ties and near-ties abound */
    double pool[12];
    unsigned np = 1 + below(12);
    for (unsigned i = 0; i < np; i++)
        pool[i] = random_double();
    for (size_t r = 0; r < nrows; r++)
        v[r] = chance(missing_pct) ? NAN : pool[below(np)];
    v[below((unsigned)nrows)] = pool[0]; /* at least one value: quantiles are defined */
}

static void make_frame(void)
{
    nrows = chance(5) ? 1025 + below(1000) : 1 + below(200);
    fill_doubles(va, 15);
    fill_doubles(vb, 10);
    fill_doubles(vmv, 5);
    for (size_t r = 0; r < nrows; r++) {
        vn[r] = chance(3) ? (int64_t)(rnd() >> 1) * (chance(50) ? -1 : 1) : (int64_t)below(12) - 2;
        double back = below(100) * (chance(50) ? DAY : 3600.0);
        vt[r] = chance(15) ? INT64_MIN : (int64_t)(NOW - back + (chance(20) ? (int)below(3) - 1 : 0));
        vj[r] = chance(10) ? INT64_MIN : (int64_t)(NOW - below(400) * DAY);
        vcity[r] = (int32_t)below(6) - 1; /* -1 and 4: missing codes; level 2 is "" */
        vtag[r] = tag_pool[below(sizeof tag_pool / sizeof tag_pool[0])];
        vsms[r] = (uint8_t)(below(3) == 0 ? 0 : below(3));
        vvip[r] = below(2) ? 0 : (int64_t)below(5) - 2;
        static const double g[] = {0.0, -0.0, 1.0, 0.5, -2.0};
        vgold[r] = g[below(5)];
    }
    const void *data[NCOL] = {va, vb, vmv, vn, vt, vj, vcity, vtag, vsms, vvip, vgold};
    const patron__coltype types[NCOL] = {PATRON__COL_F64, PATRON__COL_F64, PATRON__COL_F64,
                                         PATRON__COL_I64, PATRON__COL_TIME, PATRON__COL_TIME,
                                         PATRON__COL_CAT, PATRON__COL_STR, PATRON__COL_BOOL,
                                         PATRON__COL_BOOL_I64, PATRON__COL_BOOL_F64};
    for (int c = 0; c < NCOL; c++)
        cols[c] = (patron__column){col_names[c], types[c], data[c], c == C_CITY ? city_levels : NULL,
                                   c == C_CITY ? 4 : 0};
    cset = (patron__colset){cols, NCOL, nrows};
}

/* Model values of a row: numbers and times as doubles (NaN missing),
 * categories as strings (NULL missing: the guide's "" is missing too). */
static double num_at(int c, size_t r)
{
    switch (c) {
    case C_A: return va[r];
    case C_B: return vb[r];
    case C_MV: return vmv[r];
    case C_N: return (double)vn[r];
    case C_T: return vt[r] == INT64_MIN ? NAN : (double)vt[r];
    default: return vj[r] == INT64_MIN ? NAN : (double)vj[r];
    }
}

static const char *cat_at(int c, size_t r)
{
    const char *s = c == C_CITY ? (vcity[r] >= 0 && vcity[r] < 4 ? city_levels[vcity[r]] : NULL) : vtag[r];
    return s && *s ? s : NULL;
}

static int bool_at(int c, size_t r)
{
    return c == C_SMS ? vsms[r] != 0 : c == C_VIP ? vvip[r] != 0 : vgold[r] != 0;
}

/* Type 7 quantile as the guide states it: h = (n - 1) p / 100, then
 * x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]). */
static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double model_quantile(int c, double p)
{
    static double s[MAXROWS];
    size_t n = 0;
    for (size_t r = 0; r < nrows; r++) {
        double v = num_at(c, r);
        if (v == v)
            s[n++] = v;
    }
    qsort(s, n, sizeof s[0], cmp_double);
    double h = (double)(n - 1) * p / 100.0;
    size_t lo = (size_t)floor(h);
    if (lo >= n - 1)
        return s[n - 1];
    double frac = h - (double)lo;
    return frac > 0 ? s[lo] + frac * (s[lo + 1] - s[lo]) : s[lo];
}

/* ------------------------------------------------------------ rules */

enum {
    E_NUM,   /* literal: text, value */
    E_COL,   /* number or time column */
    E_QUANT, /* pNN(col) or, alone, pNN of the other side's column */
    E_NOW,
    E_AGO,   /* value seconds before now; text "N days ago" */
    E_NEG,
    E_ARITH, /* op: + - * / */
    E_CMP,   /* op: < <= > >= == != */
    E_BETWEEN,
    E_IN,    /* kids[0] in literal values */
    E_CATEQ, /* column == / != string */
    E_CATIN, /* column in / not in strings */
    E_BOOL,  /* condition column, optionally == true/false */
    E_WITHIN,
    E_BEFORE,
    E_AFTER,
    E_NOT,
    E_AND,
    E_OR,
    E_CONST /* true / false */
};

typedef struct expr {
    int kind, op, neg, col, alone, lit; /* lit: E_BOOL compared with true/false (1/2) */
    double value;                       /* E_NUM, E_AGO, E_QUANT percent, E_WITHIN seconds */
    char text[48];                      /* E_NUM, E_QUANT, E_AGO, E_WITHIN spelling */
    struct expr *k[5];
    int nk;
    double set[6];
    const char *strs[6];
    int nset;
} expr;

#define MAXNODES 512
static expr nodes[MAXNODES];
static int nnodes;
static int bad_shape; /* the generator ran out of nodes */

static expr *mk(int kind)
{
    if (nnodes == MAXNODES) {
        bad_shape = 1;
        nnodes = MAXNODES - 1;
    }
    expr *e = &nodes[nnodes++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    return e;
}

/* A literal: a frame value printed exactly (17 digits or shortest), or a
 * number people write. The value is what the text means: strtod in the "C"
 * locale, which rounds correctly. */
static void literal_text(char *buf, size_t cap, double v)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, cap, chance(50) ? "%.*g" : "%.*e", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static expr *gen_literal(int nonzero)
{
    expr *e = mk(E_NUM);
    double v;
    for (;;) {
        switch (below(5)) {
        case 0: v = fabs(va[below((unsigned)nrows)]); break;
        case 1: v = fabs(vmv[below((unsigned)nrows)]); break;
        case 2: v = (double)below(20); break;
        case 3: v = (double)below(1000) / 4.0; break;
        default: v = fabs(near_value()); break;
        }
        if (v != v)
            continue;
        if (v == 0.0)
            v = 0.0;
        literal_text(e->text, sizeof e->text, v);
        e->value = strtod(e->text, NULL);
        if (!nonzero || e->value != 0.0)
            break;
    }
    if (chance(20)) { /* "1.50", "7.0": other spellings of the same value */
        size_t len = strlen(e->text);
        if (!strchr(e->text, 'e') && !strchr(e->text, 'E') && len + 3 < sizeof e->text)
            strcat(e->text, strchr(e->text, '.') ? "0" : ".0");
    }
    if (chance(25)) {
        expr *n = mk(E_NEG);
        n->k[0] = e;
        n->nk = 1;
        return n;
    }
    return e;
}

static int num_col(void)
{
    static const int c[] = {C_A, C_B, C_MV, C_N};
    return c[below(4)];
}

static expr *gen_quant(int col)
{
    expr *e = mk(E_QUANT);
    e->col = col;
    static const char *const ps[] = {"0", "100", "50", "25", "75", "80", "10", "99.9", "33.3", "1", "62.5"};
    const char *p = ps[below(sizeof ps / sizeof ps[0])];
    snprintf(e->text, sizeof e->text, "%s%s", chance(20) ? "P" : "p", p);
    e->value = strtod(p, NULL);
    return e;
}

static expr *gen_num(int depth)
{
    unsigned r = below(100);
    if (depth <= 0 || r < 30) {
        expr *e = mk(E_COL);
        e->col = num_col();
        return e;
    }
    if (r < 50)
        return gen_literal(0);
    if (r < 58) {
        expr *q = gen_quant(num_col());
        return q;
    }
    if (r < 64) {
        expr *e = mk(E_NEG);
        e->k[0] = gen_num(depth - 1);
        e->nk = 1;
        return e;
    }
    expr *e = mk(E_ARITH);
    e->op = (int)below(4);
    e->k[0] = gen_num(depth - 1);
    if (e->op == 3 && chance(60)) { /* divide by a column: zeros from the data are missing */
        e->k[1] = mk(E_COL);
        e->k[1]->col = num_col();
    } else {
        e->k[1] = e->op == 3 ? gen_literal(1) : gen_num(depth - 1);
        if (e->op == 3 && e->k[1]->kind != E_NUM && e->k[1]->kind != E_NEG)
            e->k[1] = gen_literal(1);
    }
    e->nk = 2;
    return e;
}

static expr *gen_time_value(void)
{
    if (chance(25))
        return mk(E_NOW);
    expr *e = mk(E_AGO);
    static const char *const units[] = {"days", "hours", "weeks", "day", "hour", "week", "DAYS"};
    static const double secs[] = {DAY, 3600, 7 * DAY, DAY, 3600, 7 * DAY, DAY};
    unsigned u = below(7), n = below(100);
    snprintf(e->text, sizeof e->text, "%u %s ago", n, units[u]);
    e->value = n * secs[u];
    return e;
}

static expr *gen_cond(int depth);

static expr *gen_atom(int depth)
{
    unsigned r = below(100);
    if (r < 30) { /* numeric comparison */
        expr *e = mk(E_CMP);
        e->op = (int)below(6);
        e->k[0] = gen_num(depth - 1);
        if (e->k[0]->kind == E_COL && chance(35)) {
            e->k[1] = gen_quant(e->k[0]->col);
            e->k[1]->alone = 1;
        } else {
            e->k[1] = gen_num(depth - 1);
        }
        if (chance(30)) { /* literal or quantile on the left */
            expr *t = e->k[0];
            e->k[0] = e->k[1];
            e->k[1] = t;
        }
        e->nk = 2;
        return e;
    }
    if (r < 42) {
        expr *e = mk(E_BETWEEN);
        e->neg = chance(50);
        e->k[0] = gen_num(depth - 1);
        for (int i = 1; i < 3; i++) {
            if (e->k[0]->kind == E_COL && chance(30)) {
                e->k[i] = gen_quant(e->k[0]->col);
                e->k[i]->alone = 1;
            } else {
                e->k[i] = gen_num(depth - 1);
            }
        }
        e->nk = 3;
        return e;
    }
    if (r < 50) {
        expr *e = mk(E_IN);
        e->neg = chance(50);
        e->k[0] = gen_num(depth - 1);
        e->nk = 1;
        e->nset = (int)below(5);
        for (int i = 0; i < e->nset; i++) {
            expr *l = gen_literal(0);
            e->k[e->nk++] = l;
            e->set[i] = l->kind == E_NEG ? -l->k[0]->value : l->value;
        }
        return e;
    }
    if (r < 60) {
        expr *e = mk(chance(50) ? E_CATEQ : E_CATIN);
        e->col = chance(50) ? C_CITY : C_TAG;
        e->neg = chance(50);
        e->nset = e->kind == E_CATEQ ? 1 : (int)below(4);
        for (int i = 0; i < e->nset; i++)
            e->strs[i] = str_pool[below(sizeof str_pool / sizeof str_pool[0])];
        e->alone = chance(25); /* E_CATEQ: the string on the left */
        return e;
    }
    if (r < 68) {
        expr *e = mk(E_BOOL);
        static const int c[] = {C_SMS, C_VIP, C_GOLD};
        e->col = c[below(3)];
        e->lit = chance(40) ? 1 + (int)below(2) : 0;
        e->neg = e->lit && chance(50); /* != instead of == */
        return e;
    }
    if (r < 88) { /* times */
        int tc = chance(50) ? C_T : C_J;
        unsigned w = below(4);
        expr *e;
        if (w == 0) {
            e = mk(E_WITHIN);
            static const char *const units[] = {"days", "hours", "weeks"};
            static const double secs[] = {DAY, 3600, 7 * DAY};
            unsigned u = below(3), n = below(90);
            snprintf(e->text, sizeof e->text, "%u %s", n, units[u]);
            e->value = n * secs[u];
            e->col = tc;
            return e;
        }
        if (w == 3) { /* ordinary comparison or between with time values */
            e = mk(chance(70) ? E_CMP : E_BETWEEN);
            e->k[0] = mk(E_COL);
            e->k[0]->col = tc;
            if (e->kind == E_CMP) {
                e->op = (int)below(6);
                e->k[1] = gen_time_value();
                e->nk = 2;
            } else {
                e->neg = chance(50);
                e->k[1] = gen_time_value();
                e->k[2] = chance(20) ? mk(E_COL) : gen_time_value();
                if (e->k[2]->kind == E_COL)
                    e->k[2]->col = tc == C_T ? C_J : C_T;
                e->nk = 3;
            }
            return e;
        }
        e = mk(w == 1 ? E_BEFORE : E_AFTER);
        e->k[0] = mk(E_COL);
        e->k[0]->col = tc;
        e->k[1] = gen_time_value();
        e->nk = 2;
        return e;
    }
    if (r < 90) {
        expr *e = mk(E_CONST);
        e->lit = (int)below(2);
        return e;
    }
    (void)depth;
    return gen_atom(depth);
}

static expr *gen_cond(int depth)
{
    unsigned r = below(100);
    if (depth <= 0 || r < 45)
        return gen_atom(depth);
    if (r < 58) {
        expr *e = mk(E_NOT);
        e->k[0] = gen_cond(depth - 1);
        e->nk = 1;
        return e;
    }
    expr *e = mk(r < 80 ? E_AND : E_OR);
    e->nk = 2 + (int)below(3);
    for (int i = 0; i < e->nk; i++)
        e->k[i] = gen_cond(depth - 1);
    return e;
}

/* ------------------------------------------------------------ printing */

typedef struct out {
    char *buf;
    size_t n, cap;
} out;

static void put(out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(o->buf + o->n, o->cap - o->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        o->n = o->n + (size_t)k < o->cap ? o->n + (size_t)k : o->cap - 1;
}

static void sp(out *o) /* whitespace: blanks, tabs, newlines, comments */
{
    unsigned r = below(100);
    if (r < 85)
        put(o, " ");
    else if (r < 92)
        put(o, "\n  ");
    else if (r < 96)
        put(o, "\t");
    else
        put(o, " # a comment (with 'quotes' and and or)\n");
}

static void kw(out *o, const char *w)
{
    char t[16];
    size_t n = strlen(w);
    int style = (int)below(10);
    for (size_t i = 0; i < n && i < sizeof t - 1; i++)
        t[i] = style == 0 || (style == 1 && i == 0) ? (char)(w[i] - 32) : w[i];
    t[n < sizeof t - 1 ? n : sizeof t - 1] = '\0';
    put(o, "%s", t);
}

static void put_string(out *o, const char *s)
{
    char q = chance(50) ? '"' : '\'';
    put(o, "%c", q);
    for (; *s; s++) {
        if (*s == '\\' || *s == '"' || *s == '\'')
            put(o, "\\%c", *s);
        else if (*s == '\t')
            put(o, chance(50) ? "\\t" : "\t");
        else
            put(o, "%c", *s);
    }
    put(o, "%c", q);
}

static int prec_num(const expr *e)
{
    if (e->kind == E_ARITH)
        return e->op < 2 ? 1 : 2;
    return e->kind == E_NEG ? 3 : 4;
}

static void print_num(out *o, const expr *e);

static void print_num_child(out *o, const expr *e, int need)
{
    if (prec_num(e) < need || (chance(5))) {
        put(o, "(");
        print_num(o, e);
        put(o, ")");
    } else {
        print_num(o, e);
    }
}

static void print_num(out *o, const expr *e)
{
    static const char *const aops[] = {"+", "-", "*", "/"};
    switch (e->kind) {
    case E_NUM: put(o, "%s", e->text); break;
    case E_COL: put(o, "%s", col_names[e->col]); break;
    case E_QUANT:
        if (e->alone)
            put(o, "%s", e->text);
        else
            put(o, "%s(%s)", e->text, col_names[e->col]);
        break;
    case E_NOW: kw(o, "now"); break;
    case E_AGO: {
        unsigned n;
        char unit[16];
        sscanf(e->text, "%u %15s", &n, unit);
        put(o, "%u ", n);
        kw(o, unit[0] == 'D' ? "days" : unit);
        put(o, " ");
        kw(o, "ago");
        break;
    }
    case E_NEG:
        put(o, "-");
        if (chance(30))
            put(o, " ");
        print_num_child(o, e->k[0], 3);
        break;
    case E_ARITH: {
        int p = prec_num(e);
        print_num_child(o, e->k[0], p);
        put(o, " %s ", aops[e->op]);
        print_num_child(o, e->k[1], p + 1);
        break;
    }
    default: break;
    }
}

static int prec_cond(const expr *e)
{
    return e->kind == E_OR ? 1 : e->kind == E_AND ? 2 : e->kind == E_NOT ? 3 : 4;
}

static void print_cond(out *o, const expr *e);

static void print_cond_child(out *o, const expr *e, int need)
{
    if (prec_cond(e) < need || chance(5)) {
        put(o, "(");
        print_cond(o, e);
        put(o, ")");
    } else {
        print_cond(o, e);
    }
}

static void print_cond(out *o, const expr *e)
{
    static const char *const cops[6][3] = {{"<", "<", "<"},    {"<=", "<=", "<="}, {">", ">", ">"},
                                           {">=", ">=", ">="}, {"==", "=", "=="},  {"!=", "<>", "!="}};
    switch (e->kind) {
    case E_CMP:
        print_num(o, e->k[0]);
        put(o, " %s ", cops[e->op][below(3)]);
        print_num(o, e->k[1]);
        break;
    case E_BETWEEN:
        print_num(o, e->k[0]);
        sp(o);
        if (e->neg) {
            kw(o, "not");
            sp(o);
        }
        kw(o, "between");
        sp(o);
        print_num(o, e->k[1]);
        sp(o);
        kw(o, "and");
        sp(o);
        print_num(o, e->k[2]);
        break;
    case E_IN:
        print_num(o, e->k[0]);
        sp(o);
        if (e->neg) {
            kw(o, "not");
            sp(o);
        }
        kw(o, "in");
        put(o, " [");
        for (int i = 1; i < e->nk; i++) { /* list items are plain literals, maybe negative */
            put(o, i > 1 ? ", " : "");
            const expr *l = e->k[i];
            put(o, "%s%s", l->kind == E_NEG ? "-" : "", l->kind == E_NEG ? l->k[0]->text : l->text);
        }
        put(o, "]");
        break;
    case E_CATEQ:
        if (e->alone) {
            put_string(o, e->strs[0]);
            put(o, e->neg ? " != " : " == ");
            put(o, "%s", col_names[e->col]);
        } else {
            put(o, "%s", col_names[e->col]);
            put(o, e->neg ? (chance(50) ? " != " : " <> ") : (chance(50) ? " == " : " = "));
            put_string(o, e->strs[0]);
        }
        break;
    case E_CATIN:
        put(o, "%s", col_names[e->col]);
        sp(o);
        if (e->neg) {
            kw(o, "not");
            sp(o);
        }
        kw(o, "in");
        put(o, " [");
        for (int i = 0; i < e->nset; i++) {
            put(o, i ? ", " : "");
            put_string(o, e->strs[i]);
        }
        put(o, "]");
        break;
    case E_BOOL:
        put(o, "%s", col_names[e->col]);
        if (e->lit) {
            put(o, e->neg ? " != " : " == ");
            kw(o, e->lit == 1 ? "true" : "false");
        }
        break;
    case E_WITHIN: {
        unsigned n;
        char unit[16];
        sscanf(e->text, "%u %15s", &n, unit);
        put(o, "%s", col_names[e->col]);
        sp(o);
        kw(o, "within");
        put(o, " %u ", n);
        kw(o, unit);
        break;
    }
    case E_BEFORE:
    case E_AFTER:
        print_num(o, e->k[0]);
        sp(o);
        kw(o, e->kind == E_BEFORE ? "before" : "after");
        sp(o);
        print_num(o, e->k[1]);
        break;
    case E_NOT:
        kw(o, "not");
        sp(o);
        print_cond_child(o, e->k[0], 3);
        break;
    case E_AND:
    case E_OR:
        for (int i = 0; i < e->nk; i++) {
            if (i) {
                sp(o);
                kw(o, e->kind == E_AND ? "and" : "or");
                sp(o);
            }
            print_cond_child(o, e->k[i], prec_cond(e) + 1);
        }
        break;
    case E_CONST: kw(o, e->lit ? "true" : "false"); break;
    default: break;
    }
}

/* ------------------------------------------------------------ the model */

static double eval_num(const expr *e, size_t r, const expr *other)
{
    switch (e->kind) {
    case E_NUM: return e->value;
    case E_COL: return num_at(e->col, r);
    case E_QUANT: return model_quantile(e->alone ? other->col : e->col, e->value);
    case E_NOW: return NOW;
    case E_AGO: return NOW - e->value;
    case E_NEG: return -eval_num(e->k[0], r, NULL);
    case E_ARITH: {
        double x = eval_num(e->k[0], r, NULL), y = eval_num(e->k[1], r, NULL);
        switch (e->op) {
        case 0: return x + y;
        case 1: return x - y;
        case 2: return x * y;
        default: return y == 0.0 ? NAN : x / y; /* division by a zero from the data: missing */
        }
    }
    default: return NAN;
    }
}

static int missing(double v) { return v != v; }

static int cmp(int op, double x, double y)
{
    if (missing(x) || missing(y))
        return 0; /* a comparison with a missing value is false, != included */
    switch (op) {
    case 0: return x < y;
    case 1: return x <= y;
    case 2: return x > y;
    case 3: return x >= y;
    case 4: return x == y;
    default: return x != y;
    }
}

static int eval_cond(const expr *e, size_t r)
{
    switch (e->kind) {
    case E_CMP: {
        double x = eval_num(e->k[0], r, e->k[1]), y = eval_num(e->k[1], r, e->k[0]);
        return cmp(e->op, x, y);
    }
    case E_BETWEEN: {
        double x = eval_num(e->k[0], r, NULL);
        double lo = eval_num(e->k[1], r, e->k[0]), hi = eval_num(e->k[2], r, e->k[0]);
        if (missing(x) || missing(lo) || missing(hi))
            return 0; /* not between included */
        int in = lo <= x && x <= hi;
        return e->neg ? !in : in;
    }
    case E_IN: {
        double x = eval_num(e->k[0], r, NULL);
        if (missing(x))
            return 0;
        int hit = 0;
        for (int i = 0; i < e->nset; i++)
            hit |= x == e->set[i];
        return e->neg ? !hit : hit;
    }
    case E_CATEQ:
    case E_CATIN: {
        const char *v = cat_at(e->col, r);
        if (!v)
            return 0;
        int hit = 0;
        for (int i = 0; i < e->nset; i++)
            hit |= strcmp(v, e->strs[i]) == 0;
        return e->neg ? !hit : hit;
    }
    case E_BOOL: {
        int v = bool_at(e->col, r);
        if (!e->lit)
            return v;
        int eq = v == (e->lit == 1);
        return e->neg ? !eq : eq;
    }
    case E_WITHIN: {
        double t = num_at(e->col, r);
        return !missing(t) && t >= NOW - e->value && t <= NOW;
    }
    case E_BEFORE: return cmp(0, eval_num(e->k[0], r, NULL), eval_num(e->k[1], r, NULL));
    case E_AFTER: return cmp(2, eval_num(e->k[0], r, NULL), eval_num(e->k[1], r, NULL));
    case E_NOT: return !eval_cond(e->k[0], r);
    case E_AND:
        for (int i = 0; i < e->nk; i++)
            if (!eval_cond(e->k[i], r))
                return 0;
        return 1;
    case E_OR:
        for (int i = 0; i < e->nk; i++)
            if (eval_cond(e->k[i], r))
                return 1;
        return 0;
    case E_CONST: return e->lit;
    default: return 0;
    }
}

/* Quantiles are computed once per rule in the library; cache them here too
 * so that the model stays fast on big frames. */
static void precompute_quantiles(void)
{
    for (int i = 0; i < nnodes; i++)
        if (nodes[i].kind == E_QUANT && !nodes[i].alone) {
            nodes[i].kind = E_NUM;
            nodes[i].value = model_quantile(nodes[i].col, nodes[i].value);
            /* keep the text: the printer ran already */
        }
}

/* ------------------------------------------------------------ the tests */

static char rule_buf[16384];

static void check_one_rule(long index)
{
    nnodes = 0;
    bad_shape = 0;
    expr *root = gen_cond(1 + (int)below(4));
    if (bad_shape)
        return;
    out o = {rule_buf, 0, sizeof rule_buf};
    if (chance(10))
        put(&o, "# leading comment\n");
    print_cond(&o, root);
    if (chance(10))
        put(&o, "  # trailing comment");
    precompute_quantiles();
    /* alone quantiles: resolve against their comparison partner */
    for (int i = 0; i < nnodes; i++) {
        expr *e = &nodes[i];
        if (e->kind != E_CMP && e->kind != E_BETWEEN)
            continue;
        for (int j = 0; j < e->nk; j++)
            if (e->k[j]->kind == E_QUANT && e->k[j]->alone) {
                expr *partner = e->kind == E_CMP ? e->k[1 - j] : e->k[0];
                e->k[j]->kind = E_NUM;
                e->k[j]->value = model_quantile(partner->col, e->k[j]->value);
            }
    }
    patron_rule *rule = NULL;
    int rc = patron_rule_compile(&rule, rule_buf, NULL);
    if (rc)
        fail_msg("case %ld: compile failed (%d): %s\nrule: %s", index, rc, patron_errmsg(), rule_buf);
    patron_rule_eval_options eo = PATRON_RULE_EVAL_OPTIONS_INIT;
    eo.now = (int64_t)NOW;
    patron_selection *sel = NULL;
    rc = patron__rule_eval_columns(&sel, rule, &cset, &eo);
    if (rc)
        fail_msg("case %ld: evaluation failed (%d): %s\nrule: %s", index, rc, patron_errmsg(), rule_buf);
    for (size_t r = 0; r < nrows; r++) {
        int want = eval_cond(root, r);
        int got = patron_selection_contains(sel, r);
        if (want != got)
            fail_msg("case %ld, row %zu of %zu: library %d, model %d\nrule: %s\n"
                     "a=%.17g b=%.17g m.val=%.17g n=%lld last_purchase=%lld joined=%lld city=%d tag=%s "
                     "sms=%d vip=%lld gold=%g",
                     index, r, nrows, got, want, rule_buf, va[r], vb[r], vmv[r], (long long)vn[r],
                     (long long)vt[r], (long long)vj[r], (int)vcity[r], vtag[r] ? vtag[r] : "(null)",
                     vsms[r], (long long)vvip[r], vgold[r]);
    }
    patron_selection_free(sel);
    patron_rule_free(rule);
}

static void test_random_rules_against_the_guide(void **state)
{
    (void)state;
    rng_state = seed();
    long frames = (long)(160 * scale()), per_frame = 50;
    for (long f = 0; f < frames; f++) {
        make_frame();
        for (long k = 0; k < per_frame; k++)
            check_one_rule(f * per_frame + k);
    }
}

/* Mutations of valid rules: each compiles, or fails with a documented code;
 * syntax errors carry a position; evaluation of what compiles fails only
 * with a documented code too. */
static void test_mutated_rules_fail_cleanly(void **state)
{
    (void)state;
    rng_state = seed() ^ 0x5eed;
    static const char pieces[] = "()[],.\"'#+-*/<>=! \n\tabpnot 0123456789e";
    long total = (long)(2000 * scale());
    make_frame();
    for (long c = 0; c < total; c++) {
        if (c % 200 == 0)
            make_frame();
        nnodes = 0;
        bad_shape = 0;
        expr *root = gen_cond(1 + (int)below(3));
        out o = {rule_buf, 0, sizeof rule_buf - 8};
        print_cond(&o, root);
        size_t n = o.n;
        for (unsigned m = 1 + below(3); m > 0 && n > 0; m--) {
            size_t at = below((unsigned)n);
            switch (below(3)) {
            case 0: memmove(rule_buf + at, rule_buf + at + 1, n - at), n--; break;
            case 1:
                memmove(rule_buf + at + 1, rule_buf + at, n - at + 1), n++;
                rule_buf[at] = pieces[below(sizeof pieces - 1)];
                break;
            default: rule_buf[at] = pieces[below(sizeof pieces - 1)]; break;
            }
        }
        rule_buf[n] = '\0';
        patron_rule *rule = NULL;
        int rc = patron_rule_compile(&rule, rule_buf, NULL);
        if (rc) {
            if (rc != PATRON_EPARSE && rc != PATRON_EINVAL && rc != PATRON_ERANGE)
                fail_msg("mutation %ld: compile code %d: %s\nrule: %s", c, rc, patron_errmsg(), rule_buf);
            uint32_t line = 0, col = 0;
            if (rc == PATRON_EPARSE && (!patron_rule_error_position(&line, &col) || line < 1 || col < 1))
                fail_msg("mutation %ld: syntax error without a position\nrule: %s", c, rule_buf);
            continue;
        }
        patron_rule_eval_options eo = PATRON_RULE_EVAL_OPTIONS_INIT;
        eo.now = (int64_t)NOW;
        patron_selection *sel = NULL;
        rc = patron__rule_eval_columns(&sel, rule, &cset, &eo);
        if (rc && rc != PATRON_EINVAL && rc != PATRON_ENOTFOUND && rc != PATRON_ERANGE)
            fail_msg("mutation %ld: evaluation code %d: %s\nrule: %s", c, rc, patron_errmsg(), rule_buf);
        if (!rc && patron_selection_size(sel) != nrows)
            fail_msg("mutation %ld: selection of %zu rows for %zu", c, patron_selection_size(sel), nrows);
        patron_selection_free(sel);
        patron_rule_free(rule);
    }
}

/* ntile scores: 1 + floor(bins * L / n), L = values strictly worse, n = the
 * non-missing values; missing scores 0. */
static void test_ntile_scores_against_counting(void **state)
{
    (void)state;
    rng_state = seed() ^ 0x7117e;
    static double v[MAXROWS];
    static uint8_t s[MAXROWS];
    long cases = (long)(4000 * scale());
    for (long c = 0; c < cases; c++) {
        size_t n = chance(10) ? 200 + below(1800) : 1 + below(150);
        double pool[8];
        unsigned np = 1 + below(8);
        for (unsigned i = 0; i < np; i++)
            pool[i] = chance(70) ? near_value() : random_double();
        for (size_t i = 0; i < n; i++)
            v[i] = chance(8) ? NAN : pool[below(np)];
        int bins = chance(50) ? (chance(50) ? 5 : 10) : 2 + (int)below(99);
        int higher = (int)below(2);
        memset(s, 0xEE, n);
        assert_int_equal(patron_ntile_scores(s, v, n, bins, higher), PATRON_OK);
        /* L by counting in the sorted non-missing values: the number below
         * v (higher is better) or above it (lower is better) */
        static double sorted[MAXROWS];
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (v[i] == v[i])
                sorted[m++] = v[i];
        qsort(sorted, m, sizeof sorted[0], cmp_double);
        for (size_t i = 0; i < n; i++) {
            unsigned want = 0;
            if (v[i] == v[i]) {
                size_t lo = 0, hi = m; /* first index with sorted[idx] >= v (higher) or > v */
                while (lo < hi) {
                    size_t mid = lo + (hi - lo) / 2;
                    if (higher ? sorted[mid] < v[i] : sorted[mid] <= v[i])
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                size_t L = higher ? lo : m - lo;
                want = 1 + (unsigned)((unsigned long long)bins * L / m);
            }
            if (s[i] != want)
                fail_msg("ntile case %ld: n %zu, bins %d, higher %d, value %d (%.17g): score %u, want %u",
                         c, n, bins, higher, (int)i, v[i], s[i], want);
        }
    }
}

/* Quantiles: the radix selection against a sort. */
static void test_quantiles_against_sorting(void **state)
{
    (void)state;
    rng_state = seed() ^ 0x9a47;
    long cases = (long)(3000 * scale());
    static const double ps[] = {0, 100, 50, 25, 75, 80, 10, 99.9, 33.3, 1, 62.5, 90, 0.1};
    for (long c = 0; c < cases; c++) {
        nrows = chance(10) ? 200 + below(1800) : 1 + below(150);
        double pool[8];
        unsigned np = 1 + below(8);
        for (unsigned i = 0; i < np; i++)
            pool[i] = chance(70) ? near_value() : random_double();
        for (size_t i = 0; i < nrows; i++)
            va[i] = chance(8) ? NAN : pool[below(np)];
        va[below((unsigned)nrows)] = pool[0];
        patron__column col = {"a", PATRON__COL_F64, va, NULL, 0};
        double p = ps[below(sizeof ps / sizeof ps[0])];
        double got;
        assert_int_equal(patron__column_quantile(&got, &col, nrows, p), PATRON_OK);
        double want = model_quantile(C_A, p);
        if (memcmp(&got, &want, sizeof got) != 0 && !(got == 0 && want == 0))
            fail_msg("quantile case %ld: n %zu, p%g: %.17g, want %.17g", c, nrows, p, got, want);
    }
}

/* The guide's RFM: ntile scores with 5 bins of T - recency (smaller is
 * better), frequency and monetary_value; rfm_score 100 r + 10 f + m, or 0
 * with an empty segment when a component is missing; the named segment is
 * the first row of the guide's table that matches. */
static unsigned model_score(const double *v, size_t n, size_t i, int higher)
{
    if (v[i] != v[i])
        return 0;
    size_t m = 0, L = 0;
    for (size_t j = 0; j < n; j++) {
        if (v[j] != v[j])
            continue;
        m++;
        L += higher ? v[j] < v[i] : v[j] > v[i];
    }
    return 1 + (unsigned)(5 * L / m);
}

static const char *model_segment(unsigned r, unsigned f, unsigned m)
{
    if (!r || !f || !m)
        return "";
    if (r >= 4 && f >= 4 && m >= 4) return "Champions";
    if (r >= 3 && f >= 3 && m >= 3) return "Loyal";
    if (r <= 2 && f >= 4 && m >= 4) return "Can't lose them";
    if (r <= 2 && f >= 3 && m >= 3) return "At risk";
    if (r == 5 && f == 1) return "New";
    if (r >= 4 && f >= 2) return "Potential loyalist";
    if (r >= 4) return "Promising"; /* f = 1 */
    if (r == 3 && f >= 2) return "Need attention";
    if (r == 3 || (r == 2 && f <= 2)) return "About to sleep";
    if (r == 2 || (r == 1 && f >= 2)) return "Hibernating";
    return "Lost"; /* r = 1, f = 1 */
}

static void test_rfm_columns_against_the_guide(void **state)
{
    (void)state;
    rng_state = seed() ^ 0x4f3;
    long frames = (long)(1000 * scale());
    static char csv[200000];
    static double rec[300], T[300], fr[300], mon[300], since[300];
    for (long c = 0; c < frames; c++) {
        size_t n = 1 + below(chance(20) ? 300 : 60);
        double fpool[6], mpool[6];
        for (int i = 0; i < 6; i++) {
            fpool[i] = (double)below(6);
            mpool[i] = chance(60) ? fabs(near_value()) : (double)below(10000) / 4;
        }
        size_t len = (size_t)snprintf(csv, sizeof csv, "customer_id,frequency,recency,T,monetary_value\n");
        for (size_t i = 0; i < n; i++) {
            T[i] = (double)(30 + below(3) * 10);
            rec[i] = chance(5) ? NAN : (double)below(30);
            fr[i] = fpool[below(6)];
            mon[i] = chance(5) ? NAN : mpool[below(6)];
            since[i] = T[i] - rec[i];
            char mt[40] = "", rt[40] = "";
            if (mon[i] == mon[i])
                snprintf(mt, sizeof mt, "%.17g", mon[i]);
            if (rec[i] == rec[i])
                snprintf(rt, sizeof rt, "%.17g", rec[i]);
            len += (size_t)snprintf(csv + len, sizeof csv - len, "c%zu,%.17g,%s,%.17g,%s\n", i, fr[i], rt, T[i], mt);
        }
        patron_frame *f = NULL;
        if (patron_frame_read_csv_buffer(&f, csv, len) != PATRON_OK)
            fail_msg("rfm frame %ld: %s", c, patron_errmsg());
        assert_int_equal(patron_rfm_add_columns(f, NULL), PATRON_OK);
        const int64_t *R = patron_frame_int64_by_name(f, "rfm_r"), *F = patron_frame_int64_by_name(f, "rfm_f"),
                      *M = patron_frame_int64_by_name(f, "rfm_m"), *S = patron_frame_int64_by_name(f, "rfm_score");
        size_t col;
        assert_int_equal(patron_frame_find(&col, f, "rfm_segment", PATRON_COL_STRING), PATRON_OK);
        const char *const *G = patron_frame_string(f, col);
        for (size_t i = 0; i < n; i++) {
            unsigned r = model_score(since, n, i, 0), fq = model_score(fr, n, i, 1), m = model_score(mon, n, i, 1);
            unsigned score = r && fq && m ? 100 * r + 10 * fq + m : 0;
            const char *seg = model_segment(r, fq, m);
            if ((unsigned)R[i] != r || (unsigned)F[i] != fq || (unsigned)M[i] != m || (unsigned)S[i] != score ||
                strcmp(G[i], seg))
                fail_msg("rfm frame %ld, row %zu of %zu: library %lld %lld %lld %lld '%s', model %u %u %u %u '%s'",
                         c, i, n, (long long)R[i], (long long)F[i], (long long)M[i], (long long)S[i], G[i], r,
                         fq, m, score, seg);
        }
        patron_frame_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_rules_against_the_guide),
        cmocka_unit_test(test_mutated_rules_fail_cleanly),
        cmocka_unit_test(test_ntile_scores_against_counting),
        cmocka_unit_test(test_quantiles_against_sorting),
        cmocka_unit_test(test_rfm_columns_against_the_guide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
