/* Fuzz target: timestamp parsing (patron_time_parse). The first byte picks
 * the syntax. Invariants: a success lies in [PATRON_TIME_MIN, PATRON_TIME_MAX]
 * and survives a format/parse round trip; a failure leaves the output alone
 * and is one of the documented codes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int format = data[0] & 3;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    int64_t t = 12345;
    int rc = patron_time_parse(&t, text, len, format);
    if (rc != PATRON_OK) {
        if (t != 12345)
            abort();
        if (rc != PATRON_EPARSE && rc != PATRON_ERANGE)
            abort();
        return 0;
    }
    if (t < PATRON_TIME_MIN || t > PATRON_TIME_MAX)
        abort();
    char buf[32];
    if (patron_time_format(buf, sizeof buf, t) != PATRON_OK)
        abort();
    int64_t back = 0;
    if (patron_time_parse(&back, buf, strlen(buf), PATRON_TIME_ISO8601) != PATRON_OK || back != t)
        abort();
    /* The same instant as epoch seconds reads back too. */
    if (format == PATRON_TIME_EPOCH) {
        int64_t again = 0;
        if (patron_time_parse(&again, text, len, PATRON_TIME_EPOCH) != PATRON_OK || again != t)
            abort();
    }
    return 0;
}
