/* Timestamps: ISO-8601, epoch seconds and YYYYMMDD, parsed by hand
 * (locale-independent), and ISO-8601 formatting. Calendar arithmetic is the
 * proleptic Gregorian calendar (days_from_civil after H. Hinnant's public
 * description of the algorithm). */
#include <stdio.h>
#include <string.h>

#include "internal/error.h"
#include "summary_int.h"

int64_t pt_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void pt_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

/* n decimal digits at s, or -1. */
static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int bad(const char *s, size_t len, const char *what)
{
    return patron__fail(PATRON_EPARSE, "'%.*s' is not %s", (int)(len > 64 ? 64 : len), s, what);
}

static int parse_date(const char *s, size_t len, int64_t *days, const char *what)
{
    int y, m, d;
    if (len == 10 && s[4] == '-' && s[7] == '-') {
        y = digits(s, 4);
        m = digits(s + 5, 2);
        d = digits(s + 8, 2);
    } else if (len == 8) {
        y = digits(s, 4);
        m = digits(s + 4, 2);
        d = digits(s + 6, 2);
    } else {
        return bad(s, len, what);
    }
    if (y < 0 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, (unsigned)m))
        return bad(s, len, what);
    *days = pt_days_from_civil(y, (unsigned)m, (unsigned)d);
    return PATRON_OK;
}

static int parse_iso(const char *s, size_t len, int64_t *out)
{
    static const char *what = "an ISO-8601 date or time (YYYY-MM-DD[THH:MM[:SS][Z|+HH:MM]])";
    int64_t days;
    if (len < 10 || s[4] != '-' || parse_date(s, 10, &days, what) != PATRON_OK)
        return bad(s, len, what);
    int64_t secs = days * 86400;
    size_t i = 10;
    if (i < len && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
        i++;
        int hh, mm, ss = 0;
        if (i + 5 > len || s[i + 2] != ':' || (hh = digits(s + i, 2)) < 0 ||
            (mm = digits(s + i + 3, 2)) < 0)
            return bad(s, len, what);
        i += 5;
        if (i < len && s[i] == ':') {
            if (i + 3 > len || (ss = digits(s + i + 1, 2)) < 0)
                return bad(s, len, what);
            i += 3;
            if (i < len && (s[i] == '.' || s[i] == ',')) {
                i++;
                size_t f = i;
                while (i < len && s[i] >= '0' && s[i] <= '9')
                    i++;
                if (i == f)
                    return bad(s, len, what);
            }
        }
        if (hh > 23 || mm > 59 || ss > 60)
            return bad(s, len, what);
        if (ss == 60)
            ss = 59; /* a leap second is clamped to :59 */
        secs += hh * 3600 + mm * 60 + ss;
        if (i < len) {
            if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
                i++;
            } else if (s[i] == '+' || s[i] == '-') {
                int sign = s[i] == '-' ? -1 : 1, oh, om;
                size_t r = len - i - 1;
                const char *p = s + i + 1;
                if (r == 5 && p[2] == ':') {
                    oh = digits(p, 2);
                    om = digits(p + 3, 2);
                } else if (r == 4) {
                    oh = digits(p, 2);
                    om = digits(p + 2, 2);
                } else if (r == 2) {
                    oh = digits(p, 2);
                    om = 0;
                } else {
                    return bad(s, len, what);
                }
                if (oh < 0 || om < 0 || oh > 23 || om > 59)
                    return bad(s, len, what);
                secs -= sign * (oh * 3600 + om * 60);
                i = len;
            }
        }
    }
    if (i != len)
        return bad(s, len, what);
    if (secs < PATRON_TIME_MIN || secs > PATRON_TIME_MAX)
        return patron__fail(PATRON_ERANGE, "'%.*s' is outside the supported range (years 0000..9999)",
                            (int)len, s);
    *out = secs;
    return PATRON_OK;
}

static int parse_epoch(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == len)
        return bad(s, len, "epoch seconds");
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return bad(s, len, "epoch seconds");
        if (v > UINT64_C(1000000000000000))
            return patron__fail(PATRON_ERANGE, "'%.*s' is outside the supported time range",
                                (int)(len > 64 ? 64 : len), s);
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    int64_t t = neg ? -(int64_t)v : (int64_t)v;
    if ((neg && v > (uint64_t)-PATRON_TIME_MIN) || t < PATRON_TIME_MIN || t > PATRON_TIME_MAX)
        return patron__fail(PATRON_ERANGE, "'%.*s' is outside the supported time range",
                            (int)len, s);
    *out = t;
    return PATRON_OK;
}

int patron_time_parse(int64_t *out, const char *text, size_t len, int format)
{
    if (!out || (!text && len))
        return patron__fail(PATRON_EINVAL, "patron_time_parse: NULL argument");
    switch (format) {
    case PATRON_TIME_AUTO:
        if (len >= 10 && memchr(text, '-', len) && text[0] != '-')
            return parse_iso(text, len, out);
        for (size_t i = 0; i < len; i++)
            if ((text[i] < '0' || text[i] > '9') && !(i == 0 && (text[0] == '-' || text[0] == '+')))
                return bad(text, len, "an ISO-8601 date/time or epoch seconds");
        return parse_epoch(text, len, out);
    case PATRON_TIME_ISO8601:
        return parse_iso(text, len, out);
    case PATRON_TIME_EPOCH:
        return parse_epoch(text, len, out);
    case PATRON_TIME_YYYYMMDD: {
        int64_t days;
        if (len != 8)
            return bad(text, len, "a date YYYYMMDD");
        int rc = parse_date(text, len, &days, "a date YYYYMMDD");
        if (rc)
            return rc;
        *out = days * 86400;
        return PATRON_OK;
    }
    default:
        return patron__fail(PATRON_EINVAL, "unknown time format %d", format);
    }
}

int patron_time_format(char *buf, size_t cap, int64_t t)
{
    if (!buf)
        return patron__fail(PATRON_EINVAL, "patron_time_format: buf is NULL");
    if (t < PATRON_TIME_MIN || t > PATRON_TIME_MAX)
        return patron__fail(PATRON_ERANGE, "time %lld is outside the supported range",
                            (long long)t);
    int64_t days = pt_floordiv(t, 86400), y;
    int64_t sod = t - days * 86400;
    unsigned m, d;
    pt_civil_from_days(days, &y, &m, &d);
    char tmp[32];
    int n;
    if (sod == 0)
        n = snprintf(tmp, sizeof tmp, "%04d-%02u-%02u", (int)y, m, d);
    else
        n = snprintf(tmp, sizeof tmp, "%04d-%02u-%02uT%02d:%02d:%02dZ", (int)y, m, d,
                     (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
    if (n < 0 || (size_t)n + 1 > cap)
        return patron__fail(PATRON_ERANGE, "patron_time_format: buffer of %zu bytes is too small",
                            cap);
    memcpy(buf, tmp, (size_t)n + 1);
    return PATRON_OK;
}
