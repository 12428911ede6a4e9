/* Coupon codes from a pattern (patron/coupon.h): `#` a digit, `?` a letter
 * A-Z, `*` either, anything else itself; a seeded xorshift64* stream picks
 * each character, so a seed and a pattern always give the same sequence. */
#include <string.h>

#include "coupon_int.h"
#include "internal/error.h"

static const char digits[] = "0123456789";
static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
static const char both[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

static const char *alphabet(char c, size_t *n)
{
    const char *a = c == '#' ? digits : c == '?' ? letters : c == '*' ? both : NULL;
    *n = a ? strlen(a) : 1;
    return a;
}

void patron__code_gen_init(patron__code_gen *g, uint64_t seed)
{
    g->state = seed ? seed : 1;
}

static uint64_t next(patron__code_gen *g)
{
    uint64_t x = g->state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    g->state = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

void patron__code_gen_next(patron__code_gen *g, const char *pattern, char *out)
{
    size_t i = 0;
    for (; pattern[i] && i < PATRON__CODE_MAX; i++) {
        size_t n;
        const char *a = alphabet(pattern[i], &n);
        out[i] = a ? a[next(g) % n] : pattern[i];
    }
    out[i] = '\0';
}

uint64_t patron__code_space(const char *pattern, uint64_t cap)
{
    uint64_t space = 1;
    for (const char *p = pattern; *p; p++) {
        size_t n;
        alphabet(*p, &n);
        if (space > cap / n)
            return cap;
        space *= n;
    }
    return space < cap ? space : cap;
}

int patron__code_check(const char *func, const char *field, const char *code)
{
    if (!code || !code[0])
        return patron__fail(PATRON_EINVAL, "%s: %s is required", func, field);
    size_t n = strlen(code);
    if (n > PATRON__CODE_MAX)
        return patron__fail(PATRON_EINVAL, "%s: %s '%.20s...' is %zu bytes (at most %d)", func, field, code, n,
                            PATRON__CODE_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)code[i] <= 0x20 || (unsigned char)code[i] >= 0x7f)
            return patron__fail(PATRON_EINVAL,
                                "%s: %s has byte 0x%02x at offset %zu (printable ASCII without spaces only)", func,
                                field, (unsigned char)code[i], i);
    return PATRON_OK;
}
