/* Forked writers for the multi-process tests: every child runs one body and
 * reports fixed-size records down one shared pipe, which the parent reads
 * until every child has closed it. */
#ifndef PATRON_TEST_PROCS_H
#define PATRON_TEST_PROCS_H

#include <stddef.h>
#include <sys/types.h>

#define PT_PROCS_MAX 64

/* A child's body: `proc` is its index, `fd` the pipe's write end. Returning
 * exits the child with status 0; a body that fails calls _exit(nonzero). */
typedef void (*pt_proc_fn)(int proc, int fd, void *ctx);

typedef struct pt_procs {
    int fd; /* the pipe's read end */
    int n;
    pid_t pids[PT_PROCS_MAX];
} pt_procs;

/* Fork `n` children running `body` (asserts on failure). */
void pt_procs_start(pt_procs *ps, int n, pt_proc_fn body, void *ctx);

/* Read the next whole record of `size` bytes: 1 when one was read, 0 once
 * every child has finished writing. */
int pt_procs_read(pt_procs *ps, void *record, size_t size);

/* Wait for every child and assert that each exited with status 0. */
void pt_procs_finish(pt_procs *ps);

#endif
