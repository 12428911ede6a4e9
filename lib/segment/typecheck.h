/* Internal: types of rule expressions. */
#ifndef PATRON_SEGMENT_TYPECHECK_H
#define PATRON_SEGMENT_TYPECHECK_H

#include "segment/rule_impl.h"

enum { TY_ANY = 0, TY_NUM, TY_TIME, TY_BOOL, TY_STR };

/* Type of node nd (TY_*); cs NULL leaves columns TY_ANY. */
int patron__rule_type(const patron_rule *r, uint32_t nd, const patron__colset *cs, int *ty);

/* Column named name[0..len) at text position pos, or NULL with *rc set and
 * the failure recorded (unknown column, with a suggestion). */
const patron__column *patron__rule_resolve(const patron_rule *r, const patron__colset *cs,
                                           size_t pos, const char *name, size_t len, int *rc);

#endif
