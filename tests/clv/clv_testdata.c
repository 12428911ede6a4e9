#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clv_testdata.h"
#include "support.h"

int pt_table_load(pt_table *t, const char *path, int skip_first)
{
    size_t len;
    char *buf = pt_read_file(path, &len);
    memset(t, 0, sizeof *t);
    if (!buf)
        return -1;
    size_t cap = 1024;
    t->v = malloc(cap * sizeof(double));
    char *line = strchr(buf, '\n');
    size_t n = 0;
    while (line && *++line) {
        char *end = strchr(line, '\n');
        if (end)
            *end = 0;
        size_t c = 0;
        char *p = line;
        int first = 1;
        while (*p && *p != '\r') {
            char *q = p;
            while (*q && *q != ',' && *q != '\r')
                q++;
            char save = *q;
            *q = 0;
            if (!(first && skip_first)) {
                char *s = p;
                if (*s == '"')
                    s++;
                if (n == cap) {
                    cap *= 2;
                    t->v = realloc(t->v, cap * sizeof(double));
                }
                t->v[n++] = strtod(s, NULL);
                c++;
            }
            first = 0;
            *q = save;
            p = *q == ',' ? q + 1 : q;
        }
        if (c) {
            if (!t->cols)
                t->cols = c;
            t->rows++;
        }
        line = end;
    }
    free(buf);
    return 0;
}

void pt_table_free(pt_table *t)
{
    free(t->v);
    memset(t, 0, sizeof *t);
}

double *pt_table_col(const pt_table *t, size_t c)
{
    double *o = malloc((t->rows ? t->rows : 1) * sizeof *o);
    for (size_t i = 0; i < t->rows; i++)
        o[i] = t->v[i * t->cols + c];
    return o;
}

static patron_json *clv_json;

static void free_json(void)
{
    patron__json_free(clv_json);
}

const patron_json *pt_clv_json(void)
{
    if (clv_json)
        return clv_json;
    const char *path = pt_shared_path("reference/clv.json");
    if (!path)
        return NULL;
    size_t len;
    char *text = pt_read_file(path, &len);
    if (!text)
        return NULL;
    if (patron__json_parse(&clv_json, text, len) != 0)
        clv_json = NULL;
    free(text);
    atexit(free_json);
    return clv_json;
}

double pt_jnum(const char *path)
{
    const patron_json *v = pt_clv_json();
    char key[128];
    const char *p = path;
    while (v && *p) {
        size_t n = strcspn(p, ".");
        snprintf(key, sizeof key, "%.*s", (int)n, p);
        if (patron__json_type(v) == PATRON_JSON_ARRAY)
            v = patron__json_at(v, (size_t)atoi(key));
        else
            v = patron__json_get(v, key);
        p += n;
        if (*p == '.')
            p++;
    }
    if (!v || !patron__json_is_number(v)) {
        fprintf(stderr, "clv.json: no number at %s\n", path);
        return NAN;
    }
    return patron__json_number(v);
}
