/* Fuzz target: phone normalisation (patron_phone_normalize). The first byte
 * picks the default country (or none) and the output capacity. Invariants:
 * a result is '+' and 1..15 digits, NUL-terminated within the capacity;
 * normalising a result again (as an international number) is a fixed
 * point; on failure the output buffer is untouched. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const countries[] = {NULL, "IL", "US", "CA", "GB", "DE", "FR", "ES",
                                        "IT", "NL", "AU", "IN", "il", "XX", "", "U"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    const char *country = countries[data[0] & 15];
    size_t cap = (data[0] & 0x80) ? 17 : 1 + (data[0] >> 4);
    char *phone = malloc(size);
    if (!phone)
        return 0;
    memcpy(phone, data + 1, size - 1);
    phone[size - 1] = '\0';
    char out[64];
    memset(out, 0x5a, sizeof out);
    int rc = patron_phone_normalize(out, cap, phone, country);
    if (rc != PATRON_OK) {
        for (size_t i = 0; i < sizeof out; i++)
            if (out[i] != 0x5a)
                abort();
        if (rc != PATRON_EINVAL)
            abort();
    } else {
        size_t n = strnlen(out, cap);
        if (n >= cap || out[0] != '+' || n < 2 || n > 16)
            abort();
        for (size_t i = 1; i < n; i++)
            if (out[i] < '0' || out[i] > '9')
                abort();
        for (size_t i = cap; i < sizeof out; i++)
            if (out[i] != 0x5a)
                abort(); /* wrote past cap */
        char again[32];
        if (patron_phone_normalize(again, sizeof again, out, NULL) == PATRON_OK &&
            strcmp(again, out) != 0)
            abort();
    }
    free(phone);
    return 0;
}
