/* Internal: proleptic Gregorian calendar arithmetic in UTC (no libc time
 * functions, no locale, no time zone). */
#ifndef PATRON_INTERNAL_CIVIL_H
#define PATRON_INTERNAL_CIVIL_H

#include <stdint.h>

int64_t patron__days_from_civil(int64_t y, int m, int d);
void patron__civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/* Strict "YYYY-MM-DD" (a real date); 0 on success with days since 1970-01-01. */
int patron__parse_date(const char *s, int64_t *days);
/* t + months (same day-of-month clamped to the month's length, same time of day). */
int64_t patron__add_months(int64_t t, int months);
/* First second of the month after the one that contains t + months
 * ("end of the period": expiry at the end of month m after earning). */
int64_t patron__end_of_month_after(int64_t t, int months);
/* UTC midnight starting the calendar year that contains t. */
int64_t patron__year_start(int64_t t);
/* The first second after the UTC day (unit 1), ISO week Monday..Sunday (2),
 * month (3), quarter (4) or year (5) that contains t: a time rounded up to
 * the end of its period. Unit 0 returns t. */
int64_t patron__period_end(int64_t t, int unit);

/* A time given to a store write: PATRON_OK inside [PATRON_STORE_TIME_MIN,
 * PATRON_STORE_TIME_MAX), else PATRON_EINVAL naming `func` and `field`, and
 * suggesting milliseconds or microseconds when the value looks like them. */
int patron__time_check(const char *func, const char *field, int64_t t);

#endif
