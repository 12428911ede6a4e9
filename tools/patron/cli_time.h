/* UTC calendar helpers for the CLI (header-only): proleptic Gregorian
 * dates <-> days since 1970-01-01, ISO-8601 formatting and parsing.
 * Years 1..9999; no time zones, no locale. */
#ifndef PATRON_CLI_TIME_H
#define PATRON_CLI_TIME_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Days since 1970-01-01 of y-m-d (m 1..12, d 1..31). Counts 400-year eras of
 * 146097 days from 0000-03-01, with March as the first month of the year so
 * that the leap day is last. */
static inline int64_t cli_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                 /* 0..399 */
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;         /* 0..146096 */
    return era * 146097 + doe - 719468;
}

static inline void cli_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static inline int64_t cli_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* "YYYY-MM-DD" (date_only) or "YYYY-MM-DDTHH:MM:SSZ"; returns the length. */
static inline int cli_format_utc(char *buf, size_t size, int64_t t, int date_only)
{
    int64_t days = cli_floor_div(t, 86400), sec = t - days * 86400, y;
    int m, d;
    cli_civil_from_days(days, &y, &m, &d);
    if (date_only)
        return snprintf(buf, size, "%04lld-%02d-%02d", (long long)y, m, d);
    return snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d,
                    (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
}

static inline int cli_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Parse "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS" (optional trailing Z) as UTC.
 * Returns 0 on success, -1 on a malformed or impossible date. */
static inline int cli_parse_utc(const char *s, int64_t *out)
{
    int y, m, d, hh = 0, mm = 0, ss = 0;
    size_t n = strlen(s);
    if (n < 10 || cli_digits(s, 4, &y) || s[4] != '-' || cli_digits(s + 5, 2, &m) ||
        s[7] != '-' || cli_digits(s + 8, 2, &d))
        return -1;
    if (n > 10) {
        if ((s[10] != 'T' && s[10] != ' ') || n < 19 || cli_digits(s + 11, 2, &hh) ||
            s[13] != ':' || cli_digits(s + 14, 2, &mm) || s[16] != ':' ||
            cli_digits(s + 17, 2, &ss) || (n == 20 && s[19] != 'Z') || n > 20)
            return -1;
    }
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap) ||
        hh > 23 || mm > 59 || ss > 59)
        return -1;
    *out = cli_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
    return 0;
}

#endif
