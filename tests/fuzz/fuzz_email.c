/* Fuzz target: e-mail normalisation (patron_email_normalize). Invariants: a
 * result fits the capacity, has exactly one '@', no space and no upper-case
 * ASCII, and is a fixed point; on failure the output is untouched. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *email = malloc(size + 1);
    if (!email)
        return 0;
    memcpy(email, data, size);
    email[size] = '\0';
    size_t len = strlen(email);
    /* a capacity around the input length: exactly enough, or one short */
    size_t cap = len + 1 - (size > 0 && (data[0] & 1) && len > 0);
    char *out = malloc(cap + 8);
    if (!out) {
        free(email);
        return 0;
    }
    memset(out, 0x5a, cap + 8);
    int rc = patron_email_normalize(out, cap, email);
    if (rc != PATRON_OK) {
        for (size_t i = 0; i < cap + 8; i++)
            if (out[i] != 0x5a)
                abort();
        if (rc != PATRON_EINVAL)
            abort();
    } else {
        size_t n = strnlen(out, cap);
        if (n >= cap)
            abort();
        for (size_t i = cap; i < cap + 8; i++)
            if (out[i] != 0x5a)
                abort();
        const char *at = strchr(out, '@');
        if (!at || strchr(at + 1, '@'))
            abort();
        for (size_t i = 0; i < n; i++)
            if (out[i] == ' ' || (out[i] >= 'A' && out[i] <= 'Z'))
                abort();
        char *again = malloc(n + 1);
        if (!again || patron_email_normalize(again, n + 1, out) != PATRON_OK ||
            strcmp(again, out) != 0)
            abort();
        free(again);
    }
    free(out);
    free(email);
    return 0;
}
