/* Internal: a small DOM JSON reader (RFC 8259) for options, model parameters
 * and test vectors. Numbers are parsed with strtod in the "C" locale rules
 * (we never call setlocale; see json.c). The strings "NaN", "Infinity" and
 * "-Infinity" read as numbers through patron__json_number(). */
#ifndef PATRON_INTERNAL_JSON_H
#define PATRON_INTERNAL_JSON_H

#include <stddef.h>

typedef enum patron_json_type {
    PATRON_JSON_NULL,
    PATRON_JSON_BOOL,
    PATRON_JSON_NUMBER,
    PATRON_JSON_STRING,
    PATRON_JSON_ARRAY,
    PATRON_JSON_OBJECT
} patron_json_type;

typedef struct patron_json patron_json;

/* Maximum nesting depth accepted (deeper input is PATRON_ERANGE). */
#define PATRON_JSON_MAX_DEPTH 64

/* Parse `len` bytes of `text`. On failure returns PATRON_EPARSE / ERANGE /
 * ENOMEM with "line L, column C: expected ..." in patron_errmsg(). */
int patron__json_parse(patron_json **out, const char *text, size_t len);
void patron__json_free(patron_json *v);

patron_json_type patron__json_type(const patron_json *v);
/* Object member by key (first match), NULL if absent or v is not an object. */
const patron_json *patron__json_get(const patron_json *v, const char *key);
/* Number of elements of an array or members of an object; 0 otherwise. */
size_t patron__json_len(const patron_json *v);
/* i-th element of an array or i-th member value of an object. */
const patron_json *patron__json_at(const patron_json *v, size_t i);
/* i-th member key of an object (NULL otherwise). */
const char *patron__json_key_at(const patron_json *v, size_t i);
/* The number (or NaN/±Inf from the special strings); NaN for other types. */
double patron__json_number(const patron_json *v);
/* True when v is a number, or one of the strings "NaN", "Infinity", "-Infinity". */
int patron__json_is_number(const patron_json *v);
/* The string's bytes (NUL-terminated; may contain \u0000), NULL for non-strings. */
const char *patron__json_string(const patron_json *v);
/* 1 for true, 0 for false, -1 for non-booleans. */
int patron__json_bool(const patron_json *v);

#endif
