/* Helpers shared by the cmocka suites: locating ../shared and test data,
 * reading files, and comparing floating-point values with a tolerance. */
#ifndef PATRON_TEST_SUPPORT_H
#define PATRON_TEST_SUPPORT_H

#include <stddef.h>

/* Path of ../shared beside the repository root, or NULL when it is absent
 * (suites then skip the tests that need it, printing why). The result is a
 * static buffer. */
const char *pt_shared_dir(void);

/* Join ../shared with `rel` into a static buffer; NULL when ../shared is
 * absent or the file does not exist. */
const char *pt_shared_path(const char *rel);

/* Path of a file in tests/data (static buffer). */
const char *pt_data_path(const char *rel);

/* Read a whole file into a malloc'ed, NUL-terminated buffer; NULL on error.
 * `len` (optional) receives the byte count. */
char *pt_read_file(const char *path, size_t *len);

/* |got - want| <= abs_tol + rel_tol * |want|, with NaN == NaN and equal
 * infinities treated as equal. */
int pt_close(double got, double want, double rel_tol, double abs_tol);

/* Skip the current cmocka test when ../shared (or the file) is missing. */
#define PT_REQUIRE_SHARED(path_var, rel)                                            \
    const char *path_var = pt_shared_path(rel);                                     \
    if (!path_var) {                                                                \
        print_message("skipped: ../shared/%s not found beside the repo root\n", rel); \
        skip();                                                                     \
    }

#endif
