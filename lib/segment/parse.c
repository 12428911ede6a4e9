/* Rule language: lexer, recursive-descent parser to a compact AST, error
 * positions with a caret line. No recursion is unbounded: every construct
 * that can nest (parentheses, `not`, unary minus) counts against max_depth,
 * and chains (and, or, plus/minus, times/divide) are n-ary nodes, so the
 * tree height is bounded by a small multiple of max_depth. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/decimal.h"
#include "internal/error.h"
#include "internal/options.h"
#include "segment/rule_impl.h"

/* ------------------------------------------------------------ positions */

static _Thread_local struct {
    int valid;
    uint32_t line, column;
} rule_pos;

void patron__rule_clear_position(void)
{
    rule_pos.valid = 0;
}

int patron_rule_error_position(uint32_t *line, uint32_t *column)
{
    if (!rule_pos.valid)
        return 0;
    if (line)
        *line = rule_pos.line;
    if (column)
        *column = rule_pos.column;
    return 1;
}

static int is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

int patron__rule_fail_at(const char *text, size_t text_len, size_t pos, int code,
                         const char *fmt, ...)
{
    if (pos > text_len)
        pos = text_len;
    uint32_t line = 1;
    size_t ls = 0;
    for (size_t i = 0; i < pos; i++)
        if (text[i] == '\n') {
            line++;
            ls = i + 1;
        }
    uint32_t column = 1;
    for (size_t i = ls; i < pos; i++)
        if (!is_cont((unsigned char)text[i]))
            column++;
    size_t le = ls;
    while (le < text_len && text[le] != '\n')
        le++;
    if (le > ls && text[le - 1] == '\r' && pos < le) /* CRLF line ends */
        le--;

    /* A window of the line around the position, at most ~100 characters. */
    size_t ws = ls, we = le;
    int pre = 0, post = 0;
    if (pos - ls > 60) {
        ws = pos - 40;
        while (ws < pos && is_cont((unsigned char)text[ws]))
            ws++;
        pre = 1;
    }
    if (we - ws > 100) {
        we = ws + 100;
        if (we < pos)
            we = pos;
        if (we > le)
            we = le;
        while (we < le && is_cont((unsigned char)text[we]))
            we++;
        post = 1;
    }
    char src[128 + 8];
    char caret[128 + 8];
    size_t s = 0, c = 0;
    if (pre) {
        memcpy(src, "...", 3);
        memcpy(caret, "   ", 3);
        s = c = 3;
    }
    for (size_t i = ws; i < we && s < 120; i++) {
        unsigned char ch = (unsigned char)text[i];
        src[s++] = (ch < 0x20 && ch != '\t') || ch == 0x7f ? '?' : (char)ch;
        if (i < pos && !is_cont(ch) && c < 120)
            caret[c++] = ch == '\t' ? '\t' : ' ';
    }
    if (post) {
        memcpy(src + s, "...", 3);
        s += 3;
    }
    src[s] = '\0';
    caret[c++] = '^';
    caret[c] = '\0';

    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    patron__fail(code, "line %u, column %u: %s\n  %s\n  %s", (unsigned)line, (unsigned)column,
                 msg, src, caret);
    rule_pos.valid = 1;
    rule_pos.line = line;
    rule_pos.column = column;
    return code;
}

/* ------------------------------------------------------------ lexer */

enum {
    T_EOF, T_NUM, T_STR, T_IDENT, T_QUANT, T_LP, T_RP, T_LB, T_RB, T_COMMA,
    T_PLUS, T_MINUS, T_STAR, T_SLASH, T_LT, T_LE, T_GT, T_GE, T_EQ, T_NE,
    K_AND, K_OR, K_NOT, K_IN, K_BETWEEN, K_WITHIN, K_BEFORE, K_AFTER, K_AGO, K_NOW,
    K_TRUE, K_FALSE
};

static const struct {
    const char *word;
    int tok;
} keywords[] = {
    {"and", K_AND}, {"or", K_OR}, {"not", K_NOT}, {"in", K_IN}, {"between", K_BETWEEN},
    {"within", K_WITHIN}, {"before", K_BEFORE}, {"after", K_AFTER}, {"ago", K_AGO},
    {"now", K_NOW}, {"true", K_TRUE}, {"false", K_FALSE},
};

typedef struct token {
    int kind;
    size_t pos, len; /* source span */
    double num;      /* T_NUM, T_QUANT */
} token;

typedef struct parser {
    const char *text;
    size_t len;
    size_t at;     /* lexer position */
    token tok;     /* current token */
    token prev;    /* last consumed token */
    int have_prev;
    int failed;    /* an error was recorded */
    uint32_t depth, max_depth;
    patron_rule *r;
    size_t cap_nodes, cap_kids, cap_pool;
    /* scratch stack of child indices for n-ary nodes */
    rkid *stk;
    size_t nstk, cap_stk;
} parser;

static int pfail(parser *p, size_t pos, int code, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int pfail(parser *p, size_t pos, int code, const char *fmt, ...)
{
    if (p->failed)
        return code;
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->failed = code;
    return patron__rule_fail_at(p->text, p->len, pos, code, "%s", msg);
}

static int ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static int ident_char(int c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}
static int digit(int c)
{
    return c >= '0' && c <= '9';
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int word_eq(const char *s, size_t n, const char *w)
{
    size_t m = strlen(w);
    if (n != m)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != w[i])
            return 0;
    return 1;
}

/* A decimal literal text[a..b), already checked by the lexer, correctly
 * rounded (a value copied from a frame's CSV matches itself) and
 * independent of the C locale. */
static double decimal_value(const char *s, size_t n)
{
    return patron__decimal_to_double(s, n);
}

/* Read the next token into p->tok. Returns 0, or an error code. */
static int lex(parser *p)
{
    const char *t = p->text;
    size_t n = p->len, i = p->at;
    for (;;) {
        while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
            i++;
        if (i < n && t[i] == '#') {
            while (i < n && t[i] != '\n')
                i++;
            continue;
        }
        break;
    }
    token k = {T_EOF, i, 0, 0.0};
    if (i >= n) {
        p->tok = k;
        p->at = i;
        return 0;
    }
    unsigned char c = (unsigned char)t[i];
    size_t j = i + 1;
    if (digit(c)) {
        j = i;
        while (j < n && digit(t[j]))
            j++;
        if (j < n && t[j] == '.') {
            if (j + 1 >= n || !digit(t[j + 1]))
                return pfail(p, j + 1, PATRON_EPARSE, "expected a digit after the decimal point");
            j++;
            while (j < n && digit(t[j]))
                j++;
        }
        if (j < n && (t[j] == 'e' || t[j] == 'E')) {
            size_t e = j + 1;
            if (e < n && (t[e] == '+' || t[e] == '-'))
                e++;
            if (e < n && digit(t[e])) {
                j = e;
                while (j < n && digit(t[j]))
                    j++;
            }
        }
        if (j < n && (ident_char((unsigned char)t[j]) || t[j] == '.'))
            return pfail(p, j, PATRON_EPARSE,
                         "unexpected character '%c' after the number (put a space between a number and a word)",
                         t[j]);
        k.kind = T_NUM;
        k.num = decimal_value(t + i, j - i);
        if (!isfinite(k.num))
            return pfail(p, i, PATRON_ERANGE, "the number '%.*s' is out of range",
                         (int)(j - i > 40 ? 40 : j - i), t + i);
    } else if (ident_start(c)) {
        j = i;
        for (;;) {
            while (j < n && ident_char((unsigned char)t[j]))
                j++;
            if (j < n && t[j] == '.') {
                /* p62.5 is a quantile, not a dotted name */
                if (j + 1 < n && digit(t[j + 1]) && (c == 'p' || c == 'P') && j - i >= 2) {
                    size_t d = i + 1;
                    while (d < j && digit(t[d]))
                        d++;
                    if (d == j)
                        break;
                }
                if (j + 1 < n && ident_start((unsigned char)t[j + 1])) {
                    j++;
                    continue;
                }
                return pfail(p, j + 1, PATRON_EPARSE,
                             "expected a name after '.' in the column name '%.*s.'",
                             (int)(j - i > 60 ? 60 : j - i), t + i);
            }
            break;
        }
        k.kind = T_IDENT;
        size_t wl = j - i;
        int dotted = memchr(t + i, '.', wl) != NULL;
        if (!dotted) {
            for (size_t w = 0; w < sizeof keywords / sizeof keywords[0]; w++)
                if (word_eq(t + i, wl, keywords[w].word)) {
                    k.kind = keywords[w].tok;
                    break;
                }
            if (k.kind == T_IDENT && (c == 'p' || c == 'P') && wl >= 2) {
                size_t d = 1;
                while (d < wl && digit(t[i + d]))
                    d++;
                if (d == wl) {
                    /* pNN, optionally pNN.D as in p99.9 */
                    size_t q = j;
                    if (q + 1 < n && t[q] == '.' && digit(t[q + 1])) {
                        q++;
                        while (q < n && digit(t[q]))
                            q++;
                        j = q;
                    }
                    k.kind = T_QUANT;
                    k.num = decimal_value(t + i + 1, j - i - 1);
                    if (k.num > 100.0)
                        return pfail(p, i, PATRON_ERANGE,
                                     "the quantile '%.*s' is out of range: use p0 to p100",
                                     (int)(j - i > 20 ? 20 : j - i), t + i);
                }
            }
        }
    } else if (c == '"' || c == '\'') {
        j = i + 1;
        while (j < n && t[j] != (char)c && t[j] != '\n') {
            if (t[j] == '\\' && j + 1 < n && t[j + 1] != '\n')
                j++;
            j++;
        }
        if (j >= n || t[j] != (char)c)
            return pfail(p, i, PATRON_EPARSE, "unterminated string: expected a closing %c before the end of the %s",
                         c, j < n ? "line" : "rule");
        j++;
        k.kind = T_STR;
    } else {
        switch (c) {
        case '(': k.kind = T_LP; break;
        case ')': k.kind = T_RP; break;
        case '[': k.kind = T_LB; break;
        case ']': k.kind = T_RB; break;
        case ',': k.kind = T_COMMA; break;
        case '+': k.kind = T_PLUS; break;
        case '-': k.kind = T_MINUS; break;
        case '*': k.kind = T_STAR; break;
        case '/': k.kind = T_SLASH; break;
        case '<':
            k.kind = T_LT;
            if (j < n && t[j] == '=') {
                k.kind = T_LE;
                j++;
            } else if (j < n && t[j] == '>') {
                k.kind = T_NE;
                j++;
            }
            break;
        case '>':
            k.kind = T_GT;
            if (j < n && t[j] == '=') {
                k.kind = T_GE;
                j++;
            }
            break;
        case '=':
            k.kind = T_EQ;
            if (j < n && t[j] == '=')
                j++;
            break;
        case '!':
            if (j < n && t[j] == '=') {
                k.kind = T_NE;
                j++;
                break;
            }
            return pfail(p, i, PATRON_EPARSE, "unexpected character '!' (write 'not' or '!=')");
        default:
            if (c >= 0x80)
                return pfail(p, i, PATRON_EPARSE,
                             "unexpected non-ASCII character (byte 0x%02X): only strings and comments may hold them",
                             c);
            if (c < 0x20 || c == 0x7f)
                return pfail(p, i, PATRON_EPARSE, "unexpected control character (byte 0x%02X)", c);
            return pfail(p, i, PATRON_EPARSE, "unexpected character '%c'", c);
        }
    }
    k.pos = i;
    k.len = j - i;
    p->tok = k;
    p->at = j;
    return 0;
}

static int advance(parser *p)
{
    p->prev = p->tok;
    p->have_prev = 1;
    return lex(p);
}

/* "'text'" of a token, or "the end of the rule". */
static void describe(const parser *p, const token *k, char *buf, size_t cap)
{
    if (k->kind == T_EOF) {
        snprintf(buf, cap, "the end of the rule");
        return;
    }
    size_t l = k->len;
    int clip = l > 24;
    if (clip)
        l = 24;
    snprintf(buf, cap, "'%.*s%s'", (int)l, p->text + k->pos, clip ? "..." : "");
}

static void prev_text(const parser *p, char *buf, size_t cap)
{
    if (!p->have_prev) {
        snprintf(buf, cap, "the start");
        return;
    }
    describe(p, &p->prev, buf, cap);
}

/* ------------------------------------------------------------ AST building */

#define NONE UINT32_MAX

static uint32_t new_node(parser *p, int kind, size_t pos)
{
    patron_rule *r = p->r;
    if (patron__grow(&r->nodes, &p->cap_nodes, r->nnodes + 1, sizeof(rnode))) {
        pfail(p, pos, PATRON_ENOMEM, "out of memory");
        return NONE;
    }
    rnode *nd = &r->nodes[r->nnodes];
    memset(nd, 0, sizeof *nd);
    nd->kind = (uint8_t)kind;
    nd->pos = (uint32_t)pos;
    return (uint32_t)r->nnodes++;
}

static int push_kid(parser *p, uint32_t node, int op)
{
    if (patron__grow(&p->stk, &p->cap_stk, p->nstk + 1, sizeof(rkid)))
        return pfail(p, p->tok.pos, PATRON_ENOMEM, "out of memory");
    p->stk[p->nstk].node = node;
    p->stk[p->nstk].op = (uint8_t)op;
    p->nstk++;
    return 0;
}

/* Pop the kids pushed since `mark` into node `nd`. */
static int pop_kids(parser *p, uint32_t nd, size_t mark)
{
    patron_rule *r = p->r;
    size_t cnt = p->nstk - mark;
    if (patron__grow(&r->kids, &p->cap_kids, r->nkids + cnt, sizeof(rkid)))
        return pfail(p, p->tok.pos, PATRON_ENOMEM, "out of memory");
    memcpy(r->kids + r->nkids, p->stk + mark, cnt * sizeof(rkid));
    r->nodes[nd].first = (uint32_t)r->nkids;
    r->nodes[nd].nkids = (uint32_t)cnt;
    r->nkids += cnt;
    p->nstk = mark;
    return 0;
}

static uint32_t kid(const patron_rule *r, uint32_t nd, uint32_t i)
{
    return r->kids[r->nodes[nd].first + i].node;
}

static int enter(parser *p)
{
    if (++p->depth > p->max_depth)
        return pfail(p, p->tok.pos, PATRON_ERANGE,
                     "the rule is nested deeper than the limit of %u levels", (unsigned)p->max_depth);
    return 0;
}

/* ------------------------------------------------------------ grammar */

static uint32_t parse_or(parser *p);
static uint32_t parse_add(parser *p);

static int is_logic(int kind)
{
    return kind == K_AND || kind == K_OR || kind == K_NOT;
}

static uint32_t expected_value(parser *p)
{
    char found[64], after[64];
    describe(p, &p->tok, found, sizeof found);
    prev_text(p, after, sizeof after);
    if (!p->have_prev) {
        if (p->tok.kind == T_EOF)
            pfail(p, p->tok.pos, PATRON_EPARSE, "the rule is empty: expected a condition such as 'frequency >= 2'");
        else
            pfail(p, p->tok.pos, PATRON_EPARSE, "expected a column name or a value at the start of the rule, found %s", found);
    } else if (is_logic(p->prev.kind) || p->prev.kind == T_LP) {
        pfail(p, p->tok.pos, PATRON_EPARSE, "expected a column name after %s, found %s", after, found);
    } else {
        pfail(p, p->tok.pos, PATRON_EPARSE, "expected a number, a column name or '(' after %s, found %s",
              after, found);
    }
    return NONE;
}

/* A time unit word in seconds, or 0. */
static double unit_seconds(const parser *p, const token *k)
{
    if (k->kind != T_IDENT)
        return 0;
    const char *s = p->text + k->pos;
    if (word_eq(s, k->len, "day") || word_eq(s, k->len, "days"))
        return 86400.0;
    if (word_eq(s, k->len, "week") || word_eq(s, k->len, "weeks"))
        return 604800.0;
    if (word_eq(s, k->len, "hour") || word_eq(s, k->len, "hours"))
        return 3600.0;
    return 0;
}

static uint32_t parse_primary(parser *p)
{
    patron_rule *r = p->r;
    token k = p->tok;
    uint32_t nd;
    switch (k.kind) {
    case T_NUM: {
        if (advance(p))
            return NONE;
        double u = unit_seconds(p, &p->tok);
        if (u > 0) {
            token unit = p->tok;
            if (advance(p))
                return NONE;
            if (p->tok.kind != K_AGO) {
                char found[64];
                describe(p, &p->tok, found, sizeof found);
                pfail(p, p->tok.pos, PATRON_EPARSE, "expected 'ago' after '%.*s %.*s', found %s",
                      (int)(k.len > 20 ? 20 : k.len), p->text + k.pos, (int)unit.len,
                      p->text + unit.pos, found);
                return NONE;
            }
            if (advance(p))
                return NONE;
            nd = new_node(p, RN_AGO, k.pos);
            if (nd == NONE)
                return NONE;
            r->nodes[nd].num = k.num * u;
            if (!r->uses_now) {
                r->uses_now = 1;
                r->now_pos = (uint32_t)k.pos;
            }
            return nd;
        }
        nd = new_node(p, RN_NUM, k.pos);
        if (nd != NONE)
            r->nodes[nd].num = k.num;
        return nd;
    }
    case T_STR: {
        /* unescape into the pool */
        size_t need = r->pool_len + k.len + 1;
        if (patron__grow(&r->pool, &p->cap_pool, need, 1)) {
            pfail(p, k.pos, PATRON_ENOMEM, "out of memory");
            return NONE;
        }
        size_t start = r->pool_len, o = start;
        const char *s = p->text + k.pos;
        for (size_t i = 1; i + 1 < k.len; i++) {
            char ch = s[i];
            if (ch == '\\') {
                char e = s[++i];
                switch (e) {
                case 'n': ch = '\n'; break;
                case 't': ch = '\t'; break;
                case '\\': case '"': case '\'': ch = e; break;
                default:
                    pfail(p, k.pos + i - 1, PATRON_EPARSE,
                          "unknown escape '\\%c' in a string (use \\\\, \\\", \\', \\n or \\t)", e);
                    return NONE;
                }
            }
            r->pool[o++] = ch;
        }
        r->pool[o] = '\0';
        r->pool_len = o + 1;
        if (advance(p))
            return NONE;
        nd = new_node(p, RN_STR, k.pos);
        if (nd != NONE) {
            r->nodes[nd].str = (uint32_t)start;
            r->nodes[nd].len = (uint32_t)(o - start);
        }
        return nd;
    }
    case K_TRUE:
    case K_FALSE:
        if (advance(p))
            return NONE;
        nd = new_node(p, RN_BOOL, k.pos);
        if (nd != NONE)
            r->nodes[nd].num = k.kind == K_TRUE;
        return nd;
    case K_NOW:
        if (advance(p))
            return NONE;
        if (!r->uses_now) {
            r->uses_now = 1;
            r->now_pos = (uint32_t)k.pos;
        }
        return new_node(p, RN_NOW, k.pos);
    case T_IDENT:
        if (advance(p))
            return NONE;
        nd = new_node(p, RN_COL, k.pos);
        if (nd != NONE)
            r->nodes[nd].len = (uint32_t)k.len;
        return nd;
    case T_QUANT:
        if (advance(p))
            return NONE;
        nd = new_node(p, RN_QUANT, k.pos);
        if (nd == NONE)
            return NONE;
        r->nodes[nd].num = k.num;
        r->nodes[nd].str = NONE;
        if (p->tok.kind == T_LP) {
            if (advance(p))
                return NONE;
            if (p->tok.kind != T_IDENT) {
                char found[64];
                describe(p, &p->tok, found, sizeof found);
                pfail(p, p->tok.pos, PATRON_EPARSE, "expected a column name in '%.*s(...)', found %s",
                      (int)k.len, p->text + k.pos, found);
                return NONE;
            }
            r->nodes[nd].str = (uint32_t)p->tok.pos;
            r->nodes[nd].len = (uint32_t)p->tok.len;
            if (advance(p))
                return NONE;
            if (p->tok.kind != T_RP) {
                char found[64];
                describe(p, &p->tok, found, sizeof found);
                pfail(p, p->tok.pos, PATRON_EPARSE, "expected ')' after the column name of '%.*s(', found %s",
                      (int)k.len, p->text + k.pos, found);
                return NONE;
            }
            if (advance(p))
                return NONE;
        }
        return nd;
    case T_LP: {
        if (enter(p))
            return NONE;
        if (advance(p))
            return NONE;
        nd = parse_or(p);
        if (nd == NONE)
            return NONE;
        if (p->tok.kind != T_RP) {
            char found[64];
            describe(p, &p->tok, found, sizeof found);
            uint32_t line = 1, col = 1;
            for (size_t i = 0; i < k.pos; i++) {
                if (p->text[i] == '\n') {
                    line++;
                    col = 1;
                } else if (!is_cont((unsigned char)p->text[i])) {
                    col++;
                }
            }
            pfail(p, p->tok.pos, PATRON_EPARSE,
                  "expected ')' to close the '(' at line %u, column %u, found %s", (unsigned)line,
                  (unsigned)col, found);
            return NONE;
        }
        if (advance(p))
            return NONE;
        p->depth--;
        return nd;
    }
    default:
        return expected_value(p);
    }
}

static uint32_t parse_unary(parser *p)
{
    if (p->tok.kind == T_MINUS) {
        size_t pos = p->tok.pos;
        if (enter(p) || advance(p))
            return NONE;
        uint32_t x = parse_unary(p);
        if (x == NONE)
            return NONE;
        p->depth--;
        patron_rule *r = p->r;
        if (r->nodes[x].kind == RN_NUM) { /* fold -literal */
            r->nodes[x].num = -r->nodes[x].num;
            r->nodes[x].pos = (uint32_t)pos;
            return x;
        }
        uint32_t nd = new_node(p, RN_NEG, pos);
        if (nd == NONE)
            return NONE;
        size_t mark = p->nstk;
        if (push_kid(p, x, 0) || pop_kids(p, nd, mark))
            return NONE;
        return nd;
    }
    return parse_primary(p);
}

/* Left-associative n-ary chain: `a op b op c`. */
static uint32_t parse_chain(parser *p, uint32_t (*sub)(parser *), int kind, int t1, int o1, int t2,
                            int o2)
{
    size_t pos = p->tok.pos;
    uint32_t first = sub(p);
    if (first == NONE)
        return NONE;
    if (p->tok.kind != t1 && p->tok.kind != t2)
        return first;
    size_t mark = p->nstk;
    if (push_kid(p, first, 0))
        return NONE;
    while (p->tok.kind == t1 || p->tok.kind == t2) {
        int op = p->tok.kind == t1 ? o1 : o2;
        if (advance(p))
            return NONE;
        uint32_t x = sub(p);
        if (x == NONE || push_kid(p, x, op))
            return NONE;
    }
    uint32_t nd = new_node(p, kind, pos);
    if (nd == NONE || pop_kids(p, nd, mark))
        return NONE;
    p->r->nodes[nd].pos = p->r->nodes[first].pos;
    return nd;
}

static uint32_t parse_mul(parser *p)
{
    return parse_chain(p, parse_unary, RN_ARITH, T_STAR, RO_MUL, T_SLASH, RO_DIV);
}

static uint32_t parse_add(parser *p)
{
    return parse_chain(p, parse_mul, RN_ARITH, T_PLUS, RO_ADD, T_MINUS, RO_SUB);
}

static int cmp_op(int kind)
{
    switch (kind) {
    case T_LT: return RO_LT;
    case T_LE: return RO_LE;
    case T_GT: return RO_GT;
    case T_GE: return RO_GE;
    case T_EQ: return RO_EQ;
    case T_NE: return RO_NE;
    default: return -1;
    }
}

/* A quantile without a column takes the column on the other side. */
static int bind_quantile(parser *p, uint32_t q, uint32_t other)
{
    patron_rule *r = p->r;
    if (r->nodes[q].kind != RN_QUANT || r->nodes[q].str != NONE)
        return 0;
    if (r->nodes[other].kind == RN_COL) {
        r->nodes[q].str = r->nodes[other].pos;
        r->nodes[q].len = r->nodes[other].len;
    }
    return 0;
}

static uint32_t node3(parser *p, int kind, size_t pos, uint32_t a, uint32_t b, uint32_t c)
{
    uint32_t nd = new_node(p, kind, pos);
    if (nd == NONE)
        return NONE;
    size_t mark = p->nstk;
    if (push_kid(p, a, 0))
        return NONE;
    if (b != NONE && push_kid(p, b, 0))
        return NONE;
    if (c != NONE && push_kid(p, c, 0))
        return NONE;
    if (pop_kids(p, nd, mark))
        return NONE;
    return nd;
}

static uint32_t parse_list(parser *p, uint32_t lhs, size_t pos, int negate)
{
    patron_rule *r = p->r;
    char found[64];
    if (p->tok.kind != T_LB) {
        describe(p, &p->tok, found, sizeof found);
        pfail(p, p->tok.pos, PATRON_EPARSE, "expected '[' after 'in', found %s", found);
        return NONE;
    }
    if (advance(p))
        return NONE;
    size_t mark = p->nstk;
    if (push_kid(p, lhs, 0))
        return NONE;
    int kind_seen = -1;
    if (p->tok.kind != T_RB) {
        for (;;) {
            size_t ipos = p->tok.pos;
            int neg = 0;
            if (p->tok.kind == T_MINUS) {
                neg = 1;
                if (advance(p))
                    return NONE;
            }
            uint32_t x;
            if (p->tok.kind == T_NUM || (!neg && p->tok.kind == T_STR)) {
                int k = p->tok.kind == T_NUM ? RN_NUM : RN_STR;
                if (kind_seen >= 0 && kind_seen != k) {
                    pfail(p, ipos, PATRON_EINVAL,
                          "type mismatch: the list mixes numbers and strings");
                    return NONE;
                }
                kind_seen = k;
                x = parse_primary(p);
                if (x == NONE)
                    return NONE;
                if (neg) {
                    r->nodes[x].num = -r->nodes[x].num;
                    r->nodes[x].pos = (uint32_t)ipos;
                }
                if (r->nodes[x].kind != k) { /* "30 days ago" is not a list literal */
                    pfail(p, ipos, PATRON_EPARSE, "expected a number or a string in the list");
                    return NONE;
                }
            } else {
                describe(p, &p->tok, found, sizeof found);
                pfail(p, p->tok.pos, PATRON_EPARSE, "expected a number or a string in the list, found %s",
                      found);
                return NONE;
            }
            if (push_kid(p, x, 0))
                return NONE;
            if (p->tok.kind == T_COMMA) {
                if (advance(p))
                    return NONE;
                continue;
            }
            if (p->tok.kind == T_RB)
                break;
            describe(p, &p->tok, found, sizeof found);
            pfail(p, p->tok.pos, PATRON_EPARSE, "expected ',' or ']' in the list, found %s", found);
            return NONE;
        }
    }
    if (advance(p))
        return NONE;
    uint32_t nd = new_node(p, RN_IN, pos);
    if (nd == NONE || pop_kids(p, nd, mark))
        return NONE;
    r->nodes[nd].flags = negate ? RF_NEGATE : 0;
    return nd;
}

static uint32_t parse_cmp(parser *p)
{
    patron_rule *r = p->r;
    uint32_t lhs = parse_add(p);
    if (lhs == NONE)
        return NONE;
    token op = p->tok;
    char found[64];
    uint32_t nd = NONE;
    int co = cmp_op(op.kind);
    if (co >= 0 || op.kind == K_BEFORE || op.kind == K_AFTER) {
        if (advance(p))
            return NONE;
        uint32_t rhs = parse_add(p);
        if (rhs == NONE)
            return NONE;
        nd = node3(p, RN_CMP, op.pos, lhs, rhs, NONE);
        if (nd == NONE)
            return NONE;
        if (co < 0) {
            co = op.kind == K_BEFORE ? RO_LT : RO_GT;
            r->nodes[nd].flags = RF_TIMECMP;
        }
        r->nodes[nd].op = (uint8_t)co;
        bind_quantile(p, rhs, lhs);
        bind_quantile(p, lhs, rhs);
    } else if (op.kind == K_IN || op.kind == K_NOT || op.kind == K_BETWEEN) {
        int negate = op.kind == K_NOT;
        if (advance(p))
            return NONE;
        int what = negate ? p->tok.kind : op.kind;
        if (negate) {
            if (what != K_IN && what != K_BETWEEN) {
                describe(p, &p->tok, found, sizeof found);
                pfail(p, p->tok.pos, PATRON_EPARSE,
                      "expected 'in' or 'between' after 'not' here, found %s (write 'not' before a condition: 'not x > 1')",
                      found);
                return NONE;
            }
            if (advance(p))
                return NONE;
        }
        if (what == K_IN) {
            nd = parse_list(p, lhs, op.pos, negate);
            if (nd == NONE)
                return NONE;
            goto done;
        }
        uint32_t lo = parse_add(p);
        if (lo == NONE)
            return NONE;
        if (p->tok.kind != K_AND) {
            describe(p, &p->tok, found, sizeof found);
            pfail(p, p->tok.pos, PATRON_EPARSE, "expected 'and' after the lower bound of 'between', found %s",
                  found);
            return NONE;
        }
        if (advance(p))
            return NONE;
        uint32_t hi = parse_add(p);
        if (hi == NONE)
            return NONE;
        nd = node3(p, RN_BETWEEN, op.pos, lhs, lo, hi);
        if (nd == NONE)
            return NONE;
        r->nodes[nd].flags = negate ? RF_NEGATE : 0;
        bind_quantile(p, lo, lhs);
        bind_quantile(p, hi, lhs);
    } else if (op.kind == K_WITHIN) {
        if (advance(p))
            return NONE;
        if (p->tok.kind != T_NUM) {
            describe(p, &p->tok, found, sizeof found);
            pfail(p, p->tok.pos, PATRON_EPARSE, "expected a number of days, weeks or hours after 'within', found %s",
                  found);
            return NONE;
        }
        token num = p->tok;
        if (advance(p))
            return NONE;
        double u = unit_seconds(p, &p->tok);
        if (u <= 0) {
            describe(p, &p->tok, found, sizeof found);
            pfail(p, p->tok.pos, PATRON_EPARSE,
                  "expected a time unit (days, weeks or hours) after 'within %.*s', found %s",
                  (int)(num.len > 20 ? 20 : num.len), p->text + num.pos, found);
            return NONE;
        }
        if (advance(p))
            return NONE;
        nd = node3(p, RN_WITHIN, op.pos, lhs, NONE, NONE);
        if (nd == NONE)
            return NONE;
        r->nodes[nd].num = num.num * u;
        if (!r->uses_now) {
            r->uses_now = 1;
            r->now_pos = (uint32_t)op.pos;
        }
    } else {
        return lhs;
    }
done:
    if (nd == NONE)
        return NONE;
    int next = p->tok.kind;
    if (cmp_op(next) >= 0 || next == K_BEFORE || next == K_AFTER || next == K_BETWEEN ||
        next == K_IN || next == K_WITHIN) {
        describe(p, &p->tok, found, sizeof found);
        pfail(p, p->tok.pos, PATRON_EPARSE,
              "comparisons cannot be chained: expected 'and', 'or' or the end of the condition, found %s",
              found);
        return NONE;
    }
    return nd;
}

static uint32_t parse_not(parser *p)
{
    if (p->tok.kind == K_NOT) {
        size_t pos = p->tok.pos;
        if (enter(p) || advance(p))
            return NONE;
        uint32_t x = parse_not(p);
        if (x == NONE)
            return NONE;
        p->depth--;
        return node3(p, RN_NOT, pos, x, NONE, NONE);
    }
    return parse_cmp(p);
}

static uint32_t parse_and(parser *p)
{
    return parse_chain(p, parse_not, RN_AND, K_AND, 0, K_AND, 0);
}

static uint32_t parse_or(parser *p)
{
    return parse_chain(p, parse_and, RN_OR, K_OR, 0, K_OR, 0);
}

/* Every quantile must have found its column. */
static int check_quantiles(parser *p)
{
    patron_rule *r = p->r;
    for (size_t i = 0; i < r->nnodes; i++)
        if (r->nodes[i].kind == RN_QUANT && r->nodes[i].str == NONE)
            return pfail(p, r->nodes[i].pos, PATRON_EINVAL,
                         "the quantile 'p%g' has no column: compare it with a column ('monetary >= p%g') or name one ('p%g(monetary)')",
                         r->nodes[i].num, r->nodes[i].num, r->nodes[i].num);
    return 0;
}

void patron_rule_free(patron_rule *rule)
{
    if (!rule)
        return;
    patron__free(rule->text);
    patron__free(rule->nodes);
    patron__free(rule->kids);
    patron__free(rule->pool);
    patron__free(rule);
}

const char *patron_rule_text(const patron_rule *rule)
{
    return rule ? rule->text : "";
}

int patron_rule_compile(patron_rule **out, const char *text, const patron_rule_options *opts)
{
    patron__rule_clear_position();
    if (!out || !text)
        return patron__fail(PATRON_EINVAL, "patron_rule_compile: %s is NULL", out ? "text" : "out");
    patron_rule_options o = PATRON_RULE_OPTIONS_INIT;
    int rc = patron__options_copy(&o, sizeof o, opts, sizeof o, "patron_rule_options");
    if (rc)
        return rc;
    uint32_t max_len = o.max_length ? o.max_length : PATRON_RULE_DEFAULT_MAX_LENGTH;
    uint32_t max_depth = o.max_depth ? o.max_depth : PATRON_RULE_DEFAULT_MAX_DEPTH;
    if (max_len > PATRON_RULE_MAX_LENGTH_LIMIT)
        return patron__fail(PATRON_EINVAL, "patron_rule_options.max_length %u exceeds the limit %u",
                            (unsigned)max_len, (unsigned)PATRON_RULE_MAX_LENGTH_LIMIT);
    if (max_depth > PATRON_RULE_MAX_DEPTH_LIMIT)
        return patron__fail(PATRON_EINVAL, "patron_rule_options.max_depth %u exceeds the limit %u",
                            (unsigned)max_depth, (unsigned)PATRON_RULE_MAX_DEPTH_LIMIT);
    size_t len = strnlen(text, (size_t)max_len + 1);
    if (len > max_len)
        return patron__fail(PATRON_ERANGE, "the rule is longer than the limit of %u bytes",
                            (unsigned)max_len);

    patron_rule *r = patron__calloc(1, sizeof *r);
    if (!r)
        return patron__oom();
    r->text = patron__strndup(text, len);
    if (!r->text) {
        patron__free(r);
        return patron__oom();
    }
    r->text_len = len;
    parser p;
    memset(&p, 0, sizeof p);
    p.text = r->text;
    p.len = len;
    p.max_depth = max_depth;
    p.r = r;
    rc = lex(&p);
    uint32_t root = NONE;
    if (!rc)
        root = parse_or(&p);
    if (!p.failed && root != NONE && p.tok.kind != T_EOF) {
        char found[64];
        describe(&p, &p.tok, found, sizeof found);
        pfail(&p, p.tok.pos, PATRON_EPARSE, "expected 'and', 'or' or the end of the rule, found %s",
              found);
    }
    if (!p.failed)
        check_quantiles(&p);
    patron__free(p.stk);
    if (p.failed || root == NONE) {
        rc = p.failed ? p.failed : PATRON_EINTERNAL;
        patron_rule_free(r);
        return rc;
    }
    r->root = root;
    rc = patron__rule_typecheck(r, NULL);
    if (rc) {
        patron_rule_free(r);
        return rc;
    }
    patron__rule_clear_position();
    *out = r;
    return PATRON_OK;
}

/* Used by the type checker. */
uint32_t patron__rule_kid(const patron_rule *r, uint32_t nd, uint32_t i);
uint32_t patron__rule_kid(const patron_rule *r, uint32_t nd, uint32_t i)
{
    return kid(r, nd, i);
}
