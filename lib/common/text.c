/* Checks of text handed to the store: UTF-8, keys, free text (internal/text.h). */
#include <stdio.h>
#include <string.h>

#include "internal/error.h"
#include "internal/text.h"

/* Length of the valid UTF-8 sequence starting at s, or 0 (RFC 3629 table 3-7). */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    unsigned lo = 0x80, hi = 0xBF;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

size_t patron__utf8_invalid_at(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (p[i]) {
        size_t n = utf8_seq(p + i);
        if (!n)
            return i;
        i += n;
    }
    return (size_t)-1;
}

const char *patron__text_quote(char *out, size_t cap, const char *s)
{
    enum { SHOWN = 40 };
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0, i = 0;
    if (cap < 48) {
        if (cap)
            out[0] = '\0';
        return out;
    }
    out[o++] = '\'';
    for (size_t shown = 0; p[i] && shown < SHOWN && o + 40 < cap; shown++) {
        size_t n = utf8_seq(p + i);
        if (n > 1 || (n == 1 && p[i] >= 0x20 && p[i] != 0x7f && p[i] != '\\' && p[i] != '\'')) {
            memcpy(out + o, p + i, n);
            o += n;
            i += n;
            continue;
        }
        const char *esc = p[i] == '\n'   ? "\\n"
                          : p[i] == '\t' ? "\\t"
                          : p[i] == '\r' ? "\\r"
                          : p[i] == '\\' ? "\\\\"
                          : p[i] == '\'' ? "\\'"
                                         : NULL;
        if (esc)
            o += (size_t)snprintf(out + o, cap - o, "%s", esc);
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", p[i]);
        i++;
    }
    out[o++] = '\'';
    if (p[i])
        o += (size_t)snprintf(out + o, cap - o, "... (%zu bytes)", strlen(s));
    out[o] = '\0';
    return out;
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* 0, or the offset of the first control byte (tab/newline/CR allowed if free_text). */
static size_t control_at(const char *s, int free_text)
{
    for (size_t i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (free_text && (c == '\t' || c == '\n' || c == '\r'))
            continue;
        if (c < 0x20 || c == 0x7f)
            return i;
    }
    return (size_t)-1;
}

static int check_common(const char *func, const char *field, const char *s, size_t max, int free_text)
{
    char q[128];
    size_t len = strlen(s);
    if (len > max)
        return patron__fail(PATRON_EINVAL, "%s: %s is %zu bytes long; at most %zu (%s)", func, field, len, max,
                            patron__text_quote(q, sizeof q, s));
    size_t bad = patron__utf8_invalid_at(s);
    if (bad != (size_t)-1)
        return patron__fail(PATRON_EINVAL, "%s: %s %s is not valid UTF-8 (byte %zu)", func, field,
                            patron__text_quote(q, sizeof q, s), bad + 1);
    bad = control_at(s, free_text);
    if (bad != (size_t)-1)
        return patron__fail(PATRON_EINVAL, "%s: %s %s has a control character (byte %zu)", func, field,
                            patron__text_quote(q, sizeof q, s), bad + 1);
    return PATRON_OK;
}

int patron__key_check(const char *func, const char *field, const char *key, size_t max)
{
    if (!key || !key[0])
        return patron__fail(PATRON_EINVAL, "%s: %s is required (1..%zu bytes)", func, field, max);
    int rc = check_common(func, field, key, max, 0);
    if (rc)
        return rc;
    size_t len = strlen(key);
    if (is_space((unsigned char)key[0]) || is_space((unsigned char)key[len - 1])) {
        char q[128];
        return patron__fail(PATRON_EINVAL, "%s: %s %s begins or ends with white space", func, field,
                            patron__text_quote(q, sizeof q, key));
    }
    return PATRON_OK;
}

int patron__text_check(const char *func, const char *field, const char *s, size_t max)
{
    return s ? check_common(func, field, s, max, 1) : PATRON_OK;
}

int patron__name_check(const char *func, const char *field, const char *s, size_t max, const char *examples)
{
    if (!s)
        return PATRON_OK;
    size_t n = strlen(s);
    int bad = n == 0 || n > max;
    for (size_t i = 0; i < n && !bad; i++) {
        char c = s[i];
        bad = !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
    }
    if (!bad)
        return PATRON_OK;
    char q[128];
    return patron__fail(PATRON_EINVAL, "%s: %s %s: use 1..%zu lower-case letters, digits, '_' or '-'%s%s%s", func,
                        field, patron__text_quote(q, sizeof q, s), max, examples ? " (" : "", examples ? examples : "",
                        examples ? ")" : "");
}
