/* Option parsing shared by `patron abtest best|margin|plan` and
 * `bayes|sequence|gsd`: numbers, words, X/N, n,mean,sd and lists, each
 * failing with the option's name and value. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abtest_parse.h"
#include "cli_util.h"
#include "patron.h"

static const char *cmd = "abtest";


/* "patron abtest: <what>: <message>" without the C function's name. */
int ab_fail_lib(int rc, const char *what)
{
    const char *m = patron_errmsg(), *colon;
    /* every "patron_fn: " prefix, also a caller's before its callee's */
    while (!strncmp(m, "patron_", 7) && (colon = strstr(m, ": ")) && !memchr(m, ' ', (size_t)(colon - m)))
        m = colon + 2;
    if (!*m)
        m = patron_strerror(rc);
    return cli_fail(cmd, "%s: %s", what, m);
}

int ab_usage(const char *fmt, const char *a)
{
    return cli_fail(cmd, fmt, a) + 1;
}

int ab_num_opt(const char *s, const char *name, double dflt, double *v)
{
    if (!s) {
        *v = dflt;
        return 0;
    }
    if (cli_parse_double(s, v))
        return cli_fail(cmd, "%s '%s' is not a number", name, s) + 1;
    return 0;
}

/* One of the words, or usage error listing them. */
int ab_word_opt(const char *s, const char *name, const char *const *words, int n, int dflt, int *v)
{
    if (!s) {
        *v = dflt;
        return 0;
    }
    for (int k = 0; k < n; k++)
        if (!strcmp(s, words[k])) {
            *v = k;
            return 0;
        }
    char all[256] = "";
    for (int k = 0; k < n; k++)
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", k == 0 ? "" : k + 1 == n ? " or " : ", ",
                 words[k]);
    return cli_fail(cmd, "%s '%s' is not %s", name, s, all) + 1;
}

/* Whole-number count with optional spaces around it. */
static int count(const char *s, size_t len, const char *name, const char *whole, int64_t *v)
{
    char buf[64];
    while (len && *s == ' ')
        s++, len--;
    while (len && s[len - 1] == ' ')
        len--;
    if (!len || len >= sizeof buf)
        return cli_fail(cmd, "%s '%s' is not X/N with whole-number counts", name, whole) + 1;
    memcpy(buf, s, len);
    buf[len] = 0;
    if (cli_parse_int64(buf, v))
        return cli_fail(cmd, "%s '%s': '%s' is not a whole number (or too large)", name, whole, buf) + 1;
    return 0;
}

int ab_fraction(const char *s, size_t len, const char *name, int64_t *x, int64_t *n)
{
    const char *slash = memchr(s, '/', len);
    if (!slash)
        return cli_fail(cmd, "%s '%.*s' is not X/N (conversions/customers)", name, (int)len, s) + 1;
    int rc = count(s, (size_t)(slash - s), name, s, x);
    return rc ? rc : count(slash + 1, len - (size_t)(slash + 1 - s), name, s, n);
}

/* "n,mean,sd" */
int ab_summary(const char *s, size_t len, const char *name, patron_abtest_summary *su)
{
    char buf[160];
    if (len >= sizeof buf)
        return cli_fail(cmd, "%s: an arm is too long", name) + 1;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *c1 = strchr(buf, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
    if (!c1 || !c2 || strchr(c2 + 1, ','))
        return cli_fail(cmd, "%s '%s' is not n,mean,sd", name, buf) + 1;
    *c1 = *c2 = 0;
    double v[3];
    if (cli_parse_double(buf, &v[0]) || cli_parse_double(c1 + 1, &v[1]) || cli_parse_double(c2 + 1, &v[2]) ||
        v[0] != floor(v[0]) || !(fabs(v[0]) < 9e18))
        return cli_fail(cmd, "%s '%.*s' is not n,mean,sd (n a whole number)", name, (int)len, s) + 1;
    su->n = (int64_t)v[0];
    su->mean = v[1];
    su->sd = v[2];
    return 0;
}

/* Comma-separated numbers. */
int ab_list(const char *s, const char *name, double *v, size_t max, size_t *n)
{
    *n = 0;
    for (const char *p = s;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char buf[64];
        if (*n == max)
            return cli_fail(cmd, "%s has more than %zu values", name, max) + 1;
        if (len >= sizeof buf)
            return cli_fail(cmd, "%s: value %zu is too long", name, *n + 1) + 1;
        memcpy(buf, p, len);
        buf[len] = 0;
        if (cli_parse_double(buf, &v[*n]))
            return cli_fail(cmd, "%s: '%s' is not a number", name, buf) + 1;
        ++*n;
        if (!e)
            return 0;
        p = e + 1;
    }
}

