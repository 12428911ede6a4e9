/* Progress display on stderr (cli_progress.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_progress.h"

enum { MODE_AUTO, MODE_ALWAYS, MODE_NEVER };
static int mode = MODE_AUTO;

void cli_progress_options(int *argc, char **argv)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        if (!strcmp(argv[i], "--progress"))
            mode = MODE_ALWAYS;
        else if (!strcmp(argv[i], "--quiet"))
            mode = MODE_NEVER;
        else
            argv[out++] = argv[i];
    }
    *argc = out;
    argv[out] = NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cli_progress_begin(cli_progress *p, const char *cmd, const char *what, int bytes)
{
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->what = what;
    p->bytes = bytes;
    p->tty = isatty(STDERR_FILENO);
    p->enabled = mode == MODE_ALWAYS || (mode == MODE_AUTO && p->tty);
    p->start = p->last = now_s();
}

void cli_progress_cb(void *user_data, uint64_t done, uint64_t total)
{
    cli_progress *p = user_data;
    if (!p->enabled)
        return;
    double t = now_s();
    int final = total && done >= total;
    /* automatic display only for work that has lasted about 2 s */
    if (mode == MODE_AUTO && t - p->start < 2.0)
        return;
    /* at most 5 updates a second on a terminal, 1 a second in a file */
    if (p->shown && !final && t - p->last < (p->tty ? 0.2 : 1.0))
        return;
    p->last = t;
    char amount[64];
    if (p->bytes && total)
        snprintf(amount, sizeof amount, " (%.1f of %.1f MB)", (double)done / 1e6, (double)total / 1e6);
    else if (p->bytes)
        snprintf(amount, sizeof amount, " (%.1f MB)", (double)done / 1e6);
    else
        snprintf(amount, sizeof amount, " (%llu of %llu)", (unsigned long long)done, (unsigned long long)total);
    if (total)
        fprintf(stderr, "%spatron %s: %s %3.0f%%%s%s", p->tty ? "\r" : "", p->cmd, p->what,
                100.0 * (double)done / (double)total, amount, p->tty ? "" : "\n");
    else
        fprintf(stderr, "%spatron %s: %s%s%s", p->tty ? "\r" : "", p->cmd, p->what, amount, p->tty ? "" : "\n");
    fflush(stderr);
    p->shown = 1;
}

void cli_progress_end(cli_progress *p)
{
    if (p->shown && p->tty)
        fputc('\n', stderr);
    p->shown = 0;
}
