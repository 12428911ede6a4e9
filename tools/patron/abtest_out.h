/* Output of the `patron abtest` subcommands: each field as a labelled text
 * line or a JSON member, by one set of helpers. JSON follows the CLI's convention
 * (docs/guide/cli.md): a number that is not finite is null. cmd_abtest.c,
 * abtest_adjust.c and cmd_abtest_decide.c include this file. */
#ifndef PATRON_CLI_ABTEST_OUT_H
#define PATRON_CLI_ABTEST_OUT_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>

typedef struct out {
    int json;
    int first;
} out;

#define ABTEST_LABEL_WIDTH 28

static inline void num_json(double v)
{
    if (!isfinite(v))
        printf("null");
    else
        printf("%.17g", v);
}

static inline void o_key(out *o, const char *k)
{
    printf("%s\"%s\": ", o->first ? "" : ", ", k);
    o->first = 0;
}

/* label NULL: the field is in JSON only; key NULL: in text only. */
static inline void o_num(out *o, const char *key, const char *label, double v)
{
    if (o->json) {
        if (!key)
            return;
        o_key(o, key);
        num_json(v);
    } else if (label) {
        printf("%-*s %.6g\n", ABTEST_LABEL_WIDTH, label, v);
    }
}

static inline void o_int(out *o, const char *key, const char *label, long long v)
{
    if (o->json) {
        if (!key)
            return;
        o_key(o, key);
        printf("%lld", v);
    } else if (label) {
        printf("%-*s %lld\n", ABTEST_LABEL_WIDTH, label, v);
    }
}

static inline void o_str(out *o, const char *key, const char *label, const char *s)
{
    if (o->json) {
        if (!key)
            return;
        o_key(o, key);
        printf("\"%s\"", s);
    } else if (label) {
        printf("%-*s %s\n", ABTEST_LABEL_WIDTH, label, s);
    }
}

/* Opens the JSON object (text output has no frame). */
static inline void o_begin(out *o)
{
    o->first = 1;
    if (o->json)
        printf("{");
}

static inline void o_end(out *o)
{
    if (o->json)
        printf("}\n");
}

/* JSON only: true or false. */
static inline void o_bool(out *o, const char *key, int v)
{
    if (o->json) {
        o_key(o, key);
        printf(v ? "true" : "false");
    }
}

/* JSON only: an array of numbers. */
static inline void o_arr(out *o, const char *key, const double *v, size_t n)
{
    if (!o->json)
        return;
    o_key(o, key);
    printf("[");
    for (size_t i = 0; i < n; i++) {
        printf(i ? ", " : "");
        num_json(v[i]);
    }
    printf("]");
}

#endif
