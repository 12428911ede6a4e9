/* Exact conversion of decimal text ("12.5") to integer minor units. */
#include "internal/error.h"
#include "summary_int.h"

static const int64_t pow10_tab[] = {1,         10,         100,         1000,       10000,
                                    100000,    1000000,    10000000,    100000000,  1000000000};

int pt_parse_amount(const char *s, size_t len, int decimals, int rounding, int64_t *out)
{
    const int shown = (int)(len > 64 ? 64 : len);
    size_t i = 0;
    if (i < len && s[i] == '-') {
        /* "-0" and "-0.00" are zero, anything else is a refund. */
        int nonzero = 0, digit = 0;
        for (size_t j = 1; j < len; j++) {
            if (s[j] >= '1' && s[j] <= '9')
                nonzero = 1;
            if (s[j] >= '0' && s[j] <= '9')
                digit = 1;
        }
        if (nonzero || !digit)
            return patron__fail(digit ? PATRON_EINVAL : PATRON_EPARSE,
                                digit ? "value '%.*s' is a negative amount"
                                      : "value '%.*s' is not a decimal number",
                                shown, s);
        i++;
    } else if (i < len && s[i] == '+') {
        i++;
    }
    uint64_t ip = 0;
    size_t nd = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
        if (ip > UINT64_C(100000000000000000))
            return patron__fail(PATRON_ERANGE, "value '%.*s' is too large an amount", shown, s);
        ip = ip * 10 + (uint64_t)(s[i] - '0');
    }
    uint64_t fp = 0;
    int fd = 0;
    int round_digit = -1, sticky = 0;
    if (i < len && s[i] == '.') {
        i++;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
            int dg = s[i] - '0';
            if (fd < decimals) {
                fp = fp * 10 + (uint64_t)dg;
                fd++;
            } else if (round_digit < 0) {
                round_digit = dg;
            } else if (dg) {
                sticky = 1;
            }
        }
    }
    if (nd == 0 || i != len)
        return patron__fail(PATRON_EPARSE, "value '%.*s' is not a decimal number", shown, s);
    for (; fd < decimals; fd++)
        fp *= 10;
    if (ip > (uint64_t)(PATRON_AMOUNT_MAX / pow10_tab[decimals]))
        return patron__fail(PATRON_ERANGE, "value '%.*s' is too large an amount", shown, s);
    uint64_t v = ip * (uint64_t)pow10_tab[decimals] + fp;
    if (round_digit > 0 || sticky) {
        int up;
        switch (rounding) {
        case PATRON_ROUND_EXACT:
            return patron__fail(PATRON_EPARSE,
                                "value '%.*s' has more than %d decimals (set a rounding mode to "
                                "round it)",
                                shown, s, decimals);
        case PATRON_ROUND_HALF_EVEN:
            up = round_digit > 5 || (round_digit == 5 && (sticky || (v & 1)));
            break;
        case PATRON_ROUND_HALF_UP:
            up = round_digit >= 5;
            break;
        default:
            up = 0;
            break;
        }
        v += (uint64_t)up;
    }
    if (v > (uint64_t)PATRON_AMOUNT_MAX)
        return patron__fail(PATRON_ERANGE, "value '%.*s' exceeds the maximum amount", shown, s);
    *out = (int64_t)v;
    return PATRON_OK;
}
