/* Internal: checks of text a caller hands to the store (keys, names, free text).
 *
 * Every text column must hold valid UTF-8: SQLite would store anything, but
 * PostgreSQL refuses invalid bytes, so checking here keeps both backends
 * answering the same way and the message names the field instead of the
 * server's encoding error. */
#ifndef PATRON_INTERNAL_TEXT_H
#define PATRON_INTERNAL_TEXT_H

#include <stddef.h>

/* Byte offset of the first byte that does not start or continue a valid
 * UTF-8 sequence (overlong forms, surrogates and code points above U+10FFFF
 * are invalid), or (size_t)-1 when all of s is valid. */
size_t patron__utf8_invalid_at(const char *s);

/* Writes s into out (cap bytes) for a message: C escapes for control bytes
 * and bytes that are not valid UTF-8 (\n, \x0b), cut to about 40 characters
 * with "..." and the length in bytes when longer. Returns out. */
const char *patron__text_quote(char *out, size_t cap, const char *s);

/* Idempotency keys: required, 1..max bytes, valid UTF-8, no control
 * characters, no leading or trailing white space (so " " and "k1 " are
 * refused rather than stored as keys distinct from "" and "k1"). NULL and ""
 * fail as "required". The message is "<func>: <field> ...". */
int patron__key_check(const char *func, const char *field, const char *key, size_t max);

/* Optional free text (NULL allowed): at most max bytes, valid UTF-8, no
 * control characters other than tab, newline and carriage return. */
int patron__text_check(const char *func, const char *field, const char *s, size_t max);

/* Optional short name (NULL allowed): 1..max bytes of lower-case letters,
 * digits, '_' and '-' — a purchase's channel, an event's source. `examples`
 * (or NULL) is shown in the message: "(pos, web, app)". */
int patron__name_check(const char *func, const char *field, const char *s, size_t max, const char *examples);

#endif
