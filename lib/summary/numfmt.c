/* Locale-independent double <-> text. We never call setlocale, but an
 * embedding application may have; so the C library's decimal point is
 * swapped for '.' on output and '.' for it on input. */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/error.h"
#include "summary_int.h"

static char locale_point(void)
{
    const struct lconv *lc = localeconv();
    return (lc && lc->decimal_point && lc->decimal_point[0] && !lc->decimal_point[1])
               ? lc->decimal_point[0]
               : '.';
}

int pt_parse_double(const char *s, size_t len, double *out)
{
    char buf[128];
    if (len == 0 || len >= sizeof buf)
        return PATRON_EPARSE;
    /* Accept only plain decimal syntax: [+-]digits[.digits][e[+-]digits]. */
    size_t i = 0, nd = 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, nd++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, nd++;
    }
    if (nd == 0)
        return PATRON_EPARSE;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t ne = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, ne++;
        if (ne == 0)
            return PATRON_EPARSE;
    }
    if (i != len)
        return PATRON_EPARSE;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char pt = locale_point();
    if (pt != '.') {
        char *dot = strchr(buf, '.');
        if (dot)
            *dot = pt;
    }
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + len || (errno == ERANGE && isinf(v)))
        return PATRON_EPARSE;
    *out = v;
    return PATRON_OK;
}

size_t pt_format_double(char *buf, double v)
{
    if (isnan(v)) {
        memcpy(buf, "NaN", 4);
        return 3;
    }
    if (isinf(v)) {
        strcpy(buf, v > 0 ? "Infinity" : "-Infinity");
        return strlen(buf);
    }
    if (v == 0) {
        memcpy(buf, "0", 2);
        return 1;
    }
    char pt = locale_point();
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, 32, "%.*g", prec, v);
        if (pt != '.') {
            char *p = strchr(buf, pt);
            if (p)
                *p = '.';
        }
        double back;
        if (prec == 17 || (pt_parse_double(buf, (size_t)n, &back) == PATRON_OK && back == v))
            break;
    }
    return (size_t)n;
}
