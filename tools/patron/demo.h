/* `patron demo`: the context its steps share and the steps defined outside
 * cmd_demo.c. Each step prints its part of the report and returns 0, or
 * prints one error line and returns non-zero. */
#ifndef PATRON_CLI_DEMO_H
#define PATRON_CLI_DEMO_H

#include <stddef.h>

#include "patron.h"

/* What the steps share; each later step reads what earlier ones made. */
typedef struct demo_ctx {
    patron_sim_options opts;
    patron_sim *sim;      /* step 1 */
    patron_txlog *log;    /* step 2 */
    patron_frame *frame;  /* step 3: the per-customer frame later steps model and extend */
    int64_t now;          /* step 3: end of observation (UTC seconds), "today" for segments */
    int have_clv;         /* step 4: the frame has the `clv` column */
} demo_ctx;

/* "1234567" -> "1,234,567". */
const char *demo_thousands(char *buf, size_t size, long long v);
/* Minor units -> "1,234.56". */
const char *demo_money(char *buf, size_t size, long long minor);

int demo_step_clv(demo_ctx *c);        /* demo_model.c */
int demo_step_segments(demo_ctx *c);   /* demo_model.c */
int demo_step_experiment(demo_ctx *c); /* demo_model.c */

#endif
