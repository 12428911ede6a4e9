#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/json.h"

struct patron_json {
    patron_json_type type;
    int boolean;
    double number;
    char *string;          /* PATRON_JSON_STRING */
    size_t count;          /* elements / members */
    patron_json **items;   /* ARRAY and OBJECT values */
    char **keys;           /* OBJECT keys */
};

typedef struct parser {
    const char *p, *start, *end;
} parser;

static int fail_at(const parser *ps, int code, const char *what)
{
    size_t line = 1, col = 1;
    for (const char *q = ps->start; q < ps->p && q < ps->end; q++) {
        if (*q == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    return patron__fail(code, "JSON line %zu, column %zu: %s", line, col, what);
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static int parse_value(parser *ps, patron_json **out, int depth);

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *d, unsigned cp)
{
    if (cp < 0x80) { d[0] = (char)cp; return 1; }
    if (cp < 0x800) { d[0] = (char)(0xC0 | (cp >> 6)); d[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | (cp >> 12)); d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    d[0] = (char)(0xF0 | (cp >> 18)); d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); d[3] = (char)(0x80 | (cp & 0x3F)); return 4;
}

/* Parses a string starting at the opening quote into a fresh buffer. */
static int parse_string(parser *ps, char **out)
{
    const char *s = ++ps->p; /* past the quote */
    const char *q = s;
    while (q < ps->end && *q != '"') {
        if (*q == '\\') q++;
        q++;
    }
    if (q >= ps->end)
        return fail_at(ps, PATRON_EPARSE, "unterminated string");
    /* Decoded text is never longer than the escaped text. */
    char *buf = patron__malloc((size_t)(q - s) + 1);
    if (!buf)
        return patron__oom();
    size_t n = 0;
    while (ps->p < q) {
        unsigned char c = (unsigned char)*ps->p;
        if (c < 0x20) {
            patron__free(buf);
            return fail_at(ps, PATRON_EPARSE, "control character in string");
        }
        if (c != '\\') {
            buf[n++] = (char)c;
            ps->p++;
            continue;
        }
        ps->p++;
        char e = *ps->p++;
        switch (e) {
        case '"': buf[n++] = '"'; break;
        case '\\': buf[n++] = '\\'; break;
        case '/': buf[n++] = '/'; break;
        case 'b': buf[n++] = '\b'; break;
        case 'f': buf[n++] = '\f'; break;
        case 'n': buf[n++] = '\n'; break;
        case 'r': buf[n++] = '\r'; break;
        case 't': buf[n++] = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (q - ps->p < 4 || hex4(ps->p, &cp)) {
                patron__free(buf);
                return fail_at(ps, PATRON_EPARSE, "bad \\u escape");
            }
            ps->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && q - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u' &&
                !hex4(ps->p + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                ps->p += 6;
            }
            n += put_utf8(buf + n, cp);
            break;
        }
        default:
            patron__free(buf);
            ps->p--;
            return fail_at(ps, PATRON_EPARSE, "unknown escape in string");
        }
    }
    buf[n] = '\0';
    ps->p = q + 1;
    *out = buf;
    return PATRON_OK;
}

static int parse_number(parser *ps, patron_json *v)
{
    const char *q = ps->p;
    if (q < ps->end && *q == '-') q++;
    if (q >= ps->end || !(*q >= '0' && *q <= '9'))
        return fail_at(ps, PATRON_EPARSE, "expected a value");
    if (*q == '0') q++;
    else while (q < ps->end && *q >= '0' && *q <= '9') q++;
    if (q < ps->end && *q == '.') {
        q++;
        if (q >= ps->end || !(*q >= '0' && *q <= '9'))
            return fail_at(ps, PATRON_EPARSE, "expected a digit after '.'");
        while (q < ps->end && *q >= '0' && *q <= '9') q++;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < ps->end && (*q == '+' || *q == '-')) q++;
        if (q >= ps->end || !(*q >= '0' && *q <= '9'))
            return fail_at(ps, PATRON_EPARSE, "expected a digit in the exponent");
        while (q < ps->end && *q >= '0' && *q <= '9') q++;
    }
    /* The grammar above admits only '-', digits, '.', 'e', '+': strtod reads
     * these identically in every locale that keeps '.' as the radix; we copy
     * into a bounded buffer so strtod never reads past the input. */
    char tmp[64];
    size_t len = (size_t)(q - ps->p);
    char *num = len < sizeof tmp ? tmp : patron__strndup(ps->p, len);
    if (!num)
        return patron__oom();
    if (num == tmp) {
        memcpy(tmp, ps->p, len);
        tmp[len] = '\0';
    }
    v->type = PATRON_JSON_NUMBER;
    v->number = strtod(num, NULL);
    if (num != tmp)
        patron__free(num);
    ps->p = q;
    return PATRON_OK;
}

static int literal(parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return 0;
    ps->p += n;
    return 1;
}

static int push_item(patron_json *v, patron_json *item, char *key, size_t *cap)
{
    if (v->count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        patron_json **items = patron__reallocarray(v->items, ncap, sizeof *items);
        if (!items)
            return patron__oom();
        v->items = items;
        if (v->type == PATRON_JSON_OBJECT) {
            char **keys = patron__reallocarray(v->keys, ncap, sizeof *keys);
            if (!keys)
                return patron__oom();
            v->keys = keys;
        }
        *cap = ncap;
    }
    v->items[v->count] = item;
    if (v->type == PATRON_JSON_OBJECT)
        v->keys[v->count] = key;
    v->count++;
    return PATRON_OK;
}

static int parse_container(parser *ps, patron_json *v, int depth)
{
    int is_obj = *ps->p == '{';
    char close = is_obj ? '}' : ']';
    size_t cap = 0;
    v->type = is_obj ? PATRON_JSON_OBJECT : PATRON_JSON_ARRAY;
    if (depth >= PATRON_JSON_MAX_DEPTH)
        return fail_at(ps, PATRON_ERANGE, "nesting deeper than 64 levels");
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return PATRON_OK;
    }
    for (;;) {
        char *key = NULL;
        patron_json *item = NULL;
        int rc;
        skip_ws(ps);
        if (is_obj) {
            if (ps->p >= ps->end || *ps->p != '"')
                return fail_at(ps, PATRON_EPARSE, "expected a string key");
            if ((rc = parse_string(ps, &key)) != PATRON_OK)
                return rc;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                patron__free(key);
                return fail_at(ps, PATRON_EPARSE, "expected ':' after the key");
            }
            ps->p++;
        }
        if ((rc = parse_value(ps, &item, depth + 1)) != PATRON_OK) {
            patron__free(key);
            return rc;
        }
        if ((rc = push_item(v, item, key, &cap)) != PATRON_OK) {
            patron__json_free(item);
            patron__free(key);
            return rc;
        }
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return PATRON_OK;
        }
        return fail_at(ps, PATRON_EPARSE, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int parse_value(parser *ps, patron_json **out, int depth)
{
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail_at(ps, PATRON_EPARSE, "expected a value");
    patron_json *v = patron__calloc(1, sizeof *v);
    if (!v)
        return patron__oom();
    int rc = PATRON_OK;
    char c = *ps->p;
    if (c == '{' || c == '[') {
        rc = parse_container(ps, v, depth);
    } else if (c == '"') {
        v->type = PATRON_JSON_STRING;
        rc = parse_string(ps, &v->string);
    } else if (literal(ps, "true")) {
        v->type = PATRON_JSON_BOOL;
        v->boolean = 1;
    } else if (literal(ps, "false")) {
        v->type = PATRON_JSON_BOOL;
    } else if (literal(ps, "null")) {
        v->type = PATRON_JSON_NULL;
    } else {
        rc = parse_number(ps, v);
    }
    if (rc != PATRON_OK) {
        patron__json_free(v);
        return rc;
    }
    *out = v;
    return PATRON_OK;
}

int patron__json_parse(patron_json **out, const char *text, size_t len)
{
    if (!out || (!text && len))
        return patron__fail(PATRON_EINVAL, "patron__json_parse: NULL argument");
    parser ps = {text, text, text + len};
    patron_json *v = NULL;
    int rc = parse_value(&ps, &v, 0);
    if (rc != PATRON_OK)
        return rc;
    skip_ws(&ps);
    if (ps.p != ps.end) {
        patron__json_free(v);
        return fail_at(&ps, PATRON_EPARSE, "unexpected text after the value");
    }
    *out = v;
    return PATRON_OK;
}

void patron__json_free(patron_json *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->count; i++) {
        patron__json_free(v->items[i]);
        if (v->keys)
            patron__free(v->keys[i]);
    }
    patron__free(v->items);
    patron__free(v->keys);
    patron__free(v->string);
    patron__free(v);
}

patron_json_type patron__json_type(const patron_json *v)
{
    return v ? v->type : PATRON_JSON_NULL;
}

const patron_json *patron__json_get(const patron_json *v, const char *key)
{
    if (!v || v->type != PATRON_JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < v->count; i++)
        if (strcmp(v->keys[i], key) == 0)
            return v->items[i];
    return NULL;
}

size_t patron__json_len(const patron_json *v)
{
    return v && (v->type == PATRON_JSON_ARRAY || v->type == PATRON_JSON_OBJECT) ? v->count : 0;
}

const patron_json *patron__json_at(const patron_json *v, size_t i)
{
    return v && i < patron__json_len(v) ? v->items[i] : NULL;
}

const char *patron__json_key_at(const patron_json *v, size_t i)
{
    return v && v->type == PATRON_JSON_OBJECT && i < v->count ? v->keys[i] : NULL;
}

int patron__json_is_number(const patron_json *v)
{
    if (!v)
        return 0;
    if (v->type == PATRON_JSON_NUMBER)
        return 1;
    return v->type == PATRON_JSON_STRING &&
           (!strcmp(v->string, "NaN") || !strcmp(v->string, "Infinity") || !strcmp(v->string, "-Infinity"));
}

double patron__json_number(const patron_json *v)
{
    if (v && v->type == PATRON_JSON_NUMBER)
        return v->number;
    if (v && v->type == PATRON_JSON_STRING) {
        if (!strcmp(v->string, "Infinity")) return INFINITY;
        if (!strcmp(v->string, "-Infinity")) return -INFINITY;
    }
    return NAN;
}

const char *patron__json_string(const patron_json *v)
{
    return v && v->type == PATRON_JSON_STRING ? v->string : NULL;
}

int patron__json_bool(const patron_json *v)
{
    return v && v->type == PATRON_JSON_BOOL ? v->boolean : -1;
}
