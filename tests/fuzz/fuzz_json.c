/* Fuzz target: the internal JSON reader (options, model parameters). */
#include <stddef.h>
#include <stdint.h>

#include "internal/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    patron_json *v = NULL;
    if (patron__json_parse(&v, (const char *)data, size) == 0) {
        /* Walk the document so every accessor sees fuzzed structure. */
        size_t n = patron__json_len(v);
        for (size_t i = 0; i < n; i++) {
            (void)patron__json_number(patron__json_at(v, i));
            (void)patron__json_string(patron__json_at(v, i));
            (void)patron__json_key_at(v, i);
        }
        patron__json_free(v);
    }
    return 0;
}
