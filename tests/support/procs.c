/* Forked writers for the multi-process tests (procs.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "procs.h"

void pt_procs_start(pt_procs *ps, int n, pt_proc_fn body, void *ctx)
{
    assert_true(n > 0 && n <= PT_PROCS_MAX);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL); /* nothing buffered is written twice */
    for (int p = 0; p < n; p++) {
        ps->pids[p] = fork();
        assert_true(ps->pids[p] >= 0);
        if (ps->pids[p] == 0) {
            close(fds[0]);
            body(p, fds[1], ctx);
            _exit(0);
        }
    }
    close(fds[1]);
    ps->fd = fds[0];
    ps->n = n;
}

int pt_procs_read(pt_procs *ps, void *record, size_t size)
{
    return read(ps->fd, record, size) == (ssize_t)size;
}

void pt_procs_finish(pt_procs *ps)
{
    close(ps->fd);
    for (int p = 0; p < ps->n; p++) {
        int st = 0;
        assert_int_equal(waitpid(ps->pids[p], &st, 0), ps->pids[p]);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
}
