#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "patron.h"

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "patron %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

static size_t ident_len(const char *p)
{
    size_t n = 0;
    while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= '0' && p[n] <= '9') || p[n] == '_')
        n++;
    return n;
}

void cli_user_message(char *out, size_t cap, const char *msg)
{
    size_t k = 0;
    for (const char *p = msg; *p && k + 1 < cap;) {
        size_t n = !strncmp(p, "patron_", 7) && (p == msg || p[-1] == ' ' || p[-1] == '(')
                       ? 7 + ident_len(p + 7) : 0;
        if (n && p[n] == ':' && p[n + 1] == ' ') { /* "patron_x_y: " names the call */
            p += n + 2;
            continue;
        }
        if (n && p[n] == '.' && ident_len(p + n + 1)) { /* "patron_x_options.now": the field */
            p += n + 1;
            continue;
        }
        if (n && p > msg && p[-1] == '(' && p[n] == ')' && k >= 2 && out[k - 2] == ' ') {
            k -= 2; /* " (patron_tier_configure)": drop the parenthesis */
            p += n + 1;
            continue;
        }
        out[k++] = *p++;
    }
    out[k] = '\0';
}

int cli_fail_rc(const char *cmd, int rc, const char *what)
{
    char detail[1024];
    cli_user_message(detail, sizeof detail, patron_errmsg());
    return cli_fail(cmd, "%s: %s%s%s", what, patron_strerror(rc), *detail ? ": " : "", detail);
}

int cli_parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_int64(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE)
        return -1;
    *out = (int64_t)v;
    return 0;
}

const char *cli_opt(int argc, char **argv, int *i, const char *name, int *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int cli_parse_table(const char *cmd, int argc, char **argv, int first, const char *const *names,
                    int n, const char **values)
{
    for (int i = first; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
        int missing = 0, matched = 0;
        for (int o = 0; o < n && !matched; o++) {
            const char *val = cli_opt(argc, argv, &i, names[o], &missing);
            if (missing)
                return cli_fail(cmd, "%s needs a value", names[o]) + 1;
            if (val) {
                values[o] = val;
                matched = 1;
            }
        }
        if (!matched)
            return cli_fail(cmd, "unknown option '%s' (try --help)", argv[i]) + 1;
    }
    return 0;
}

static int store_busy_timeout_ms = -1;
static int store_create;
static const char *store_actor; /* --actor: who the audit trail records */
static const char *store_program; /* --program: the program the command works in */

int cli_store_options(int *argc, char **argv)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        int missing = 0;
        int at = i;
        const char *v = cli_opt(*argc, argv, &at, "--busy-timeout", &missing);
        if (missing)
            return cli_fail(argv[0], "--busy-timeout needs a value in milliseconds") + 1;
        if (v) {
            int64_t ms;
            if (cli_parse_int64(v, &ms) || ms < 0 || ms > INT32_MAX)
                return cli_fail(argv[0], "--busy-timeout '%s' is not a number of milliseconds", v) + 1;
            store_busy_timeout_ms = (int)ms;
            i = at;
            continue;
        }
        if (!strcmp(argv[i], "--create")) {
            store_create = 1;
            continue;
        }
        at = i;
        v = cli_opt(*argc, argv, &at, "--actor", &missing);
        if (missing)
            return cli_fail(argv[0], "--actor needs a name (who the audit trail records)") + 1;
        if (v) {
            store_actor = v;
            i = at;
            continue;
        }
        at = i;
        v = cli_opt(*argc, argv, &at, "--program", &missing);
        if (missing)
            return cli_fail(argv[0], "--program needs a program's name (see `patron program list`)") + 1;
        if (v) {
            store_program = v;
            i = at;
            continue;
        }
        argv[out++] = argv[i];
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

int cli_open_store(const char *cmd, const char *uri, int read_only, int create, patron_db **out)
{
    patron_db_options o = PATRON_DB_OPTIONS_INIT;
    if (store_busy_timeout_ms >= 0)
        o.busy_timeout_ms = store_busy_timeout_ms;
    create = create || store_create;
    o.no_create = !create;
    o.read_only = read_only;
    int rc = patron_open(out, uri, &o);
    if (rc == PATRON_ENOTFOUND && !create)
        return cli_fail(cmd, "%s: no store there (create one with `patron init --db %s`, or pass --create)", uri,
                        uri);
    if (rc)
        return cli_fail_rc(cmd, rc, uri);
    if (store_actor && (rc = patron_db_set_actor(*out, store_actor))) {
        cli_fail_rc(cmd, rc, "--actor");
        patron_close(*out);
        *out = NULL;
        return 1;
    }
    if (store_program && (rc = patron_program_use(*out, store_program))) {
        cli_fail_rc(cmd, rc, "--program");
        patron_close(*out);
        *out = NULL;
        return 1;
    }
    return 0;
}

/* A table line "usage: patron CMD SUB ..." or "       patron CMD SUB ...". */
static int entry_of(const char *line, size_t len, const char *cmd, const char *sub)
{
    if (len < 7 || (strncmp(line, "usage: ", 7) && strncmp(line, "       ", 7)))
        return 0;
    char head[128];
    int n = snprintf(head, sizeof head, "patron %s ", cmd);
    if (strncmp(line + 7, head, (size_t)n))
        return 0;
    if (!sub)
        return 1;
    size_t sl = strlen(sub);
    return !strncmp(line + 7 + n, sub, sl) && (line[7 + n + sl] == ' ' || line[7 + n + sl] == '\n');
}

int cli_print_sub_help(FILE *out, const char *usage, const char *cmd, const cli_sub *subs, const char *sub)
{
    const char *about = NULL;
    for (const cli_sub *s = subs; s->name; s++)
        if (!strcmp(s->name, sub))
            about = s->about;
    if (!about)
        return 0;
    int in_entry = 0, in_table = 1;
    for (const char *p = usage; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) + 1 : strlen(p);
        if (in_table && entry_of(p, len, cmd, NULL)) {
            in_entry = entry_of(p, len, cmd, sub);
            if (in_entry)
                fprintf(out, "usage: %.*s", (int)(len - 7), p + 7);
        } else if (in_table && len > 7 && !strncmp(p, "       ", 7)) {
            if (in_entry)
                fwrite(p, 1, len, out);
        } else {
            if (in_table)
                fprintf(out, "\n%s\n\n", about);
            in_table = 0;
            fwrite(p, 1, len, out);
        }
        p += len;
    }
    if (in_table)
        fprintf(out, "\n%s\n", about);
    return 1;
}

void cli_json_num(double v)
{
    if (isfinite(v))
        printf("%.17g", v);
    else
        printf("null");
}

void cli_json_str(const char *s)
{
    if (!s) {
        printf("null");
        return;
    }
    putchar('"');
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            printf("\\%c", *c);
        else if (*c < 0x20)
            printf("\\u%04x", *c);
        else
            putchar(*c);
    }
    putchar('"');
}

int cli_parse_sub(const char *cmd, int argc, char **argv, int first, const char *const *names, int n,
                  const char **values, const char *usage, const cli_sub *subs, const char *sub)
{
    int parsed = cli_parse_table(cmd, argc, argv, first, names, n, values);
    if (parsed == 1) {
        if (!cli_print_sub_help(stdout, usage, cmd, subs, sub))
            fputs(usage, stdout);
        return 0;
    }
    if (parsed)
        return parsed;
    char known[256] = "";
    size_t len = 0;
    for (const cli_sub *s = subs; s->name; s++) {
        if (!strcmp(s->name, sub))
            return CLI_GO;
        int w = snprintf(known + len, sizeof known - len, "%s%s", len ? ", " : "", s->name);
        if (w > 0 && (size_t)w < sizeof known - len)
            len += (size_t)w;
    }
    return cli_fail(cmd, "unknown subcommand '%s' (%s)", sub, known) + 1;
}
