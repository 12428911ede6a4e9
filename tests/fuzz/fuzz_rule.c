/* Fuzz target: the rule language. Any byte string is compiled (with default
 * and with tight limits) and, when it compiles, evaluated over a small frame
 * holding every column type; nothing may crash, leak or read out of bounds,
 * and a failure must always leave a message. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal/columns.h"
#include "patron.h"
#include "segment/rule_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NR 70 /* more than one 64-bit word of selection */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const levels[] = {"Paris", "Lyon", "Nice", ""};
    double f[NR];
    int64_t i64[NR], t[NR];
    int32_t cat[NR];
    uint8_t b[NR];
    const char *s[NR];
    int64_t b64[NR];
    double bf[NR];
    for (int r = 0; r < NR; r++) {
        f[r] = r % 9 == 4 ? NAN : (double)(r * 37 % 11) - 3.5;
        i64[r] = r % 5;
        t[r] = r % 7 == 0 ? INT64_MIN : 1700000000 - (int64_t)r * 86400 * 3;
        cat[r] = r % 6 - 1;
        b[r] = (uint8_t)(r % 3 == 0);
        s[r] = r % 4 == 0 ? NULL : levels[r % 4];
        b64[r] = r % 5 == 1;
        bf[r] = r % 11 == 0 ? NAN : (double)(r % 2);
    }
    const patron__column cols[] = {
        {"monetary", PATRON__COL_F64, f, NULL, 0},
        {"frequency", PATRON__COL_I64, i64, NULL, 0},
        {"last_purchase", PATRON__COL_TIME, t, NULL, 0},
        {"city", PATRON__COL_CAT, cat, levels, 4},
        {"consent.sms", PATRON__COL_BOOL, b, NULL, 0},
        {"tag", PATRON__COL_STR, s, NULL, 0},
        {"consent.email", PATRON__COL_BOOL_I64, b64, NULL, 0},
        {"is_vip", PATRON__COL_BOOL_F64, bf, NULL, 0},
    };
    patron__colset cs = {cols, sizeof cols / sizeof cols[0], NR};

    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (int pass = 0; pass < 2; pass++) {
        patron_rule_options o = PATRON_RULE_OPTIONS_INIT;
        if (pass == 1) {
            o.max_depth = 4;
            o.max_length = 64;
        }
        patron_rule *rule = NULL;
        int rc = patron_rule_compile(&rule, text, &o);
        if (rc) {
            if (rule || patron_errmsg()[0] == '\0')
                abort();
            continue;
        }
        patron_rule_eval_options eo = PATRON_RULE_EVAL_OPTIONS_INIT;
        eo.now = 1700000000;
        patron_selection *sel = NULL;
        rc = patron__rule_eval_columns(&sel, rule, &cs, &eo);
        if (rc == 0) {
            if (patron_selection_size(sel) != NR || patron_selection_count(sel) > NR)
                abort();
            patron_selection_free(sel);
        } else if (sel || patron_errmsg()[0] == '\0') {
            abort();
        }
        cs.nrows = 0; /* and once over an empty frame */
        sel = NULL;
        if (patron__rule_eval_columns(&sel, rule, &cs, &eo) == 0)
            patron_selection_free(sel);
        cs.nrows = NR;
        patron_rule_free(rule);
    }
    free(text);
    return 0;
}
