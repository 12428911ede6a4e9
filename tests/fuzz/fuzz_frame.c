/* Fuzz target: the summary-CSV frame reader (patron_frame_read_csv_buffer).
 * Invariants: a frame read successfully has consistent column accessors and
 * writes back to CSV that reads back to a frame of the same shape. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    patron_frame *f = (patron_frame *)(uintptr_t)1;
    int rc = patron_frame_read_csv_buffer(&f, (const char *)data, size);
    if (rc != PATRON_OK) {
        if (f != (patron_frame *)(uintptr_t)1)
            abort();
        return 0;
    }
    size_t rows = patron_frame_rows(f), cols = patron_frame_cols(f);
    for (size_t c = 0; c < cols; c++) {
        const char *name = patron_frame_col_name(f, c);
        if (!name)
            abort();
        size_t found = (size_t)-1;
        if (patron_frame_find(&found, f, name, PATRON_COL_ANY) != PATRON_OK || found != c)
            abort();
        switch (patron_frame_col_type(f, c)) {
        case PATRON_COL_INT64:
            if (rows && !patron_frame_int64(f, c))
                abort();
            break;
        case PATRON_COL_DOUBLE:
            if (rows && !patron_frame_double(f, c))
                abort();
            break;
        case PATRON_COL_STRING: {
            const char *const *s = patron_frame_string(f, c);
            for (size_t r = 0; r < rows; r++)
                if (!s || !s[r])
                    abort();
            break;
        }
        default:
            abort();
        }
    }
    char idbuf[PATRON_ID_MAX + 32];
    for (size_t r = 0; r < rows && r < 4; r++)
        (void)patron_frame_id(f, r, idbuf, sizeof idbuf);
    size_t need = 0;
    (void)patron_frame_write_buffer(f, NULL, 0, &need, NULL);
    char *buf = malloc(need + 1);
    size_t len = 0;
    if (buf && patron_frame_write_buffer(f, buf, need + 1, &len, NULL) == PATRON_OK) {
        patron_frame *g = NULL;
        if (patron_frame_read_csv_buffer(&g, buf, len) == PATRON_OK) {
            if (patron_frame_rows(g) != rows || patron_frame_cols(g) != cols)
                abort();
            patron_frame_free(g);
        }
    }
    free(buf);
    patron_frame_free(f);
    return 0;
}
