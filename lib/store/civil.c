/* Civil-date arithmetic (after H. Hinnant's public-domain algorithms, written
 * from the description). */
#include <inttypes.h>
#include <stdint.h>

#include "internal/civil.h"
#include "internal/error.h"
#include "patron/db.h"

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t patron__days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floordiv(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void patron__civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floordiv(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

int patron__parse_date(const char *s, int64_t *days)
{
    int v[8];
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return -1;
        } else if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
    }
    if (s[10] != '\0')
        return -1;
    for (int i = 0, k = 0; i < 10; i++)
        if (i != 4 && i != 7)
            v[k++] = s[i] - '0';
    int64_t y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    int m = v[4] * 10 + v[5], d = v[6] * 10 + v[7];
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    *days = patron__days_from_civil(y, m, d);
    return 0;
}

int64_t patron__add_months(int64_t t, int months)
{
    int64_t days = floordiv(t, 86400), secs = t - days * 86400;
    int64_t y;
    int m, d;
    patron__civil_from_days(days, &y, &m, &d);
    int64_t mi = y * 12 + (m - 1) + months;
    y = floordiv(mi, 12);
    m = (int)(mi - y * 12) + 1;
    if (d > days_in_month(y, m))
        d = days_in_month(y, m);
    return patron__days_from_civil(y, m, d) * 86400 + secs;
}

int64_t patron__end_of_month_after(int64_t t, int months)
{
    int64_t days = floordiv(t, 86400);
    int64_t y;
    int m, d;
    patron__civil_from_days(days, &y, &m, &d);
    int64_t mi = y * 12 + (m - 1) + months + 1;
    y = floordiv(mi, 12);
    m = (int)(mi - y * 12) + 1;
    return patron__days_from_civil(y, m, 1) * 86400;
}

int64_t patron__year_start(int64_t t)
{
    int64_t y;
    int m, d;
    patron__civil_from_days(floordiv(t, 86400), &y, &m, &d);
    return patron__days_from_civil(y, 1, 1) * 86400;
}

int64_t patron__period_end(int64_t t, int unit)
{
    int64_t days = floordiv(t, 86400), y;
    int m, d;
    if (unit == 1)
        return (days + 1) * 86400;
    if (unit == 2) { /* 1970-01-01 was a Thursday; weeks start on Monday (ISO 8601) */
        int64_t weekday = (days + 3) - floordiv(days + 3, 7) * 7; /* Monday = 0 */
        return (days - weekday + 7) * 86400;
    }
    if (unit < 3 || unit > 5)
        return t;
    patron__civil_from_days(days, &y, &m, &d);
    int span = unit == 3 ? 1 : unit == 4 ? 3 : 12;
    int64_t mi = y * 12 + (m - 1);
    mi = floordiv(mi, span) * span + span; /* the first month of the next period */
    y = floordiv(mi, 12);
    return patron__days_from_civil(y, (int)(mi - y * 12) + 1, 1) * 86400;
}

int patron__time_check(const char *func, const char *field, int64_t t)
{
    if (t >= PATRON_STORE_TIME_MIN && t < PATRON_STORE_TIME_MAX)
        return PATRON_OK;
    const char *hint = "";
    if (t >= PATRON_STORE_TIME_MIN * 1000 && t / 1000 < PATRON_STORE_TIME_MAX && t / 1000 >= 946684800)
        hint = "; it looks like milliseconds: pass seconds (divide by 1000)";
    else if (t / 1000000 < PATRON_STORE_TIME_MAX && t / 1000000 >= 946684800)
        hint = "; it looks like microseconds: pass seconds (divide by 1000000)";
    return patron__fail(PATRON_EINVAL,
                        "%s: %s %" PRId64 " is not a time a store accepts (UTC seconds from 1970-01-01 "
                        "to 2200-01-01)%s", func, field, t, hint);
}
