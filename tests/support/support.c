#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "support.h"

#ifndef PATRON_SOURCE_ROOT
#error "PATRON_SOURCE_ROOT must be defined by the build"
#endif

const char *pt_shared_dir(void)
{
    static char buf[4096];
    struct stat st;
    const char *env = getenv("PATRON_SHARED_DIR");
    if (env && *env)
        snprintf(buf, sizeof buf, "%s", env);
    else
        snprintf(buf, sizeof buf, "%s/../shared", PATRON_SOURCE_ROOT);
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return buf;
}

const char *pt_shared_path(const char *rel)
{
    static char buf[4096];
    struct stat st;
    const char *dir = pt_shared_dir();
    if (!dir)
        return NULL;
    snprintf(buf, sizeof buf, "%s/%s", dir, rel);
    return stat(buf, &st) == 0 ? buf : NULL;
}

const char *pt_data_path(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/tests/data/%s", PATRON_SOURCE_ROOT, rel);
    return buf;
}

char *pt_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int pt_close(double got, double want, double rel_tol, double abs_tol)
{
    if (isnan(want))
        return isnan(got);
    if (isinf(want))
        return got == want;
    return fabs(got - want) <= abs_tol + rel_tol * fabs(want);
}
