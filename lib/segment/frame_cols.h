/* Internal: frames as rule columns, and the named-segment helpers. */
#ifndef PATRON_SEGMENT_FRAME_COLS_H
#define PATRON_SEGMENT_FRAME_COLS_H

#include "internal/columns.h"
#include "patron/segment.h"

/* A column view of every column of `frame` (types as documented at
 * patron_rule_eval()). *cols is allocated; free it with patron__free. */
int patron__frame_colset(patron__colset *cs, patron__column **cols, const patron_frame *frame);

/* Read caller segment options over the defaults. */
int patron__segment_options(patron_segment_options *o, const patron_segment_options *opts);

/* Rule text of a named segment (overrides first, then built-ins). */
int patron__segment_lookup(const char **rule, const char *name, const patron_segment_options *o);

#endif
