/* Internal: ISO week arithmetic shared by the weekly reports. */
#ifndef PATRON_REPORT_WEEKS_H
#define PATRON_REPORT_WEEKS_H

#include <stdint.h>

/* Week number since the epoch's week (weeks start Monday 00:00Z; 1970-01-01
 * was a Thursday), and the start of week w. */
int64_t patron__week_of(int64_t t);
int64_t patron__week_start(int64_t w);
/* (now - prev) / prev; NaN when prev is 0 or either is NaN. */
double patron__rel_change(double now, double prev);

#endif
