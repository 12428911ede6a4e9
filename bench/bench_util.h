/* Timing and memory helpers shared by the benchmarks. */
#ifndef PATRON_BENCH_UTIL_H
#define PATRON_BENCH_UTIL_H

#include <stddef.h>

/* Monotonic wall-clock seconds. */
double bench_now(void);
/* Peak resident set size of this process so far, in bytes (VmHWM). */
size_t bench_peak_rss(void);
/* Current resident set size in bytes (VmRSS). */
size_t bench_rss(void);
/* Reset the peak RSS counter so that later phases can be measured alone
 * (writes "5" to /proc/self/clear_refs; returns 0 on success). */
int bench_reset_peak(void);

#endif
