#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0, klen = strlen(key);
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, klen) == 0 && sscanf(line + klen, " %zu", &kb) == 1)
            break;
    fclose(f);
    return kb * 1024;
}

size_t bench_peak_rss(void)
{
    return status_kb("VmHWM:");
}

size_t bench_rss(void)
{
    return status_kb("VmRSS:");
}

int bench_reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return -1;
    int rc = fputs("5", f) < 0;
    return fclose(f) != 0 || rc ? -1 : 0;
}
