/* Internal to lib/coupon: the code generator, a campaign's rules and a
 * code's state as redemption checks read them, and the hooks. */
#ifndef PATRON_COUPON_INT_H
#define PATRON_COUPON_INT_H

#include <stddef.h>
#include <stdint.h>

#include "patron/coupon.h"

#define PATRON__CODE_MAX 64

/* The generator (pattern.c; the rules are in patron/coupon.h). */
typedef struct patron__code_gen {
    uint64_t state;
} patron__code_gen;
void patron__code_gen_init(patron__code_gen *g, uint64_t seed);
/* Write the next code of `pattern` into out (PATRON__CODE_MAX + 1 bytes). */
void patron__code_gen_next(patron__code_gen *g, const char *pattern, char *out);
/* How many codes `pattern` can make, capped at `cap`. */
uint64_t patron__code_space(const char *pattern, uint64_t cap);
/* A code: 1..64 bytes of printable ASCII without spaces. */
int patron__code_check(const char *func, const char *field, const char *code);

/* A code with its campaign's rules. */
typedef struct coupon_state {
    int64_t code_id;
    char campaign[72];
    int32_t kind;
    int64_t amount_off, percent_off, max_uses, per_member, valid_from, valid_to, min_basket;
    int64_t uses, balance, owner_id;
} coupon_state;

/* Read `code`: PATRON__ROW (filled), PATRON__DONE (no such code) or an error. */
int patron__coupon_state(patron_db *db, coupon_state *s, const char *code);

/* Hooks (notify.c). */
int patron__coupon_audit(patron_db *db, const char *action, const char *detail);
int patron__coupon_event(patron_db *db, const char *kind, int64_t member, int64_t at, const char *campaign,
                         const char *code, int64_t value, int64_t balance, int64_t redemption);

#endif
