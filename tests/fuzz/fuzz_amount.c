/* Fuzz target: decimal amount -> minor units (the CSV loader's parser,
 * pt_parse_amount). The first byte picks decimals (0..9) and rounding.
 * Invariants: a result lies in [0, PATRON_AMOUNT_MAX]; an exact parse of
 * the value written back with the same decimals gives the same value; the
 * rounding modes agree with each other to within one unit and agree with
 * the exact mode whenever it succeeds. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/summary.h"
#include "summary/summary_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t write_minor(char *buf, int64_t v, int decimals)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%020lld", (long long)v);
    /* strip leading zeros of the integer part but keep one */
    int intlen = n - decimals;
    int start = 0;
    while (start < intlen - 1 && digits[start] == '0')
        start++;
    size_t k = 0;
    for (int i = start; i < intlen; i++)
        buf[k++] = digits[i];
    if (decimals > 0) {
        buf[k++] = '.';
        for (int i = intlen; i < n; i++)
            buf[k++] = digits[i];
    }
    buf[k] = '\0';
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int decimals = data[0] % (PATRON_DECIMALS_MAX + 1);
    const char *s = (const char *)data + 1;
    size_t len = size - 1;
    int64_t v[4];
    int rc[4];
    for (int r = 0; r < 4; r++) {
        v[r] = -7;
        rc[r] = pt_parse_amount(s, len, decimals, r, &v[r]);
        if (rc[r] == PATRON_OK) {
            if (v[r] < 0 || v[r] > PATRON_AMOUNT_MAX)
                abort();
        } else if (v[r] != -7) {
            abort(); /* output untouched on failure */
        }
    }
    if (rc[PATRON_ROUND_EXACT] == PATRON_OK) {
        for (int r = 1; r < 4; r++)
            if (rc[r] != PATRON_OK || v[r] != v[0])
                abort();
        char buf[48];
        size_t n = write_minor(buf, v[0], decimals);
        int64_t back = -1;
        if (pt_parse_amount(buf, n, decimals, PATRON_ROUND_EXACT, &back) != PATRON_OK ||
            back != v[0])
            abort();
    }
    if (rc[PATRON_ROUND_TRUNCATE] == PATRON_OK && rc[PATRON_ROUND_HALF_UP] == PATRON_OK) {
        int64_t d = v[PATRON_ROUND_HALF_UP] - v[PATRON_ROUND_TRUNCATE];
        if (d < 0 || d > 1)
            abort();
    }
    if (rc[PATRON_ROUND_TRUNCATE] == PATRON_OK && rc[PATRON_ROUND_HALF_EVEN] == PATRON_OK) {
        int64_t d = v[PATRON_ROUND_HALF_EVEN] - v[PATRON_ROUND_TRUNCATE];
        if (d < 0 || d > 1)
            abort();
    }
    return 0;
}
