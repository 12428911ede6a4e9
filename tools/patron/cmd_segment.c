/* `patron segment`: select customers of a summary frame by rule, built-in
 * segment or RFM segment, and print them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_money.h"
#include "cli_txlog.h"
#include "cli_util.h"
#include "commands.h"
#include "patron.h"

#define MAX_DEFS 32

static void usage(FILE *out)
{
    fprintf(out,
            "usage: patron segment --input SUMMARY.csv (--rule TEXT | --segment NAME) [options]\n"
            "       patron segment --list\n"
            "\n"
            "Select customers of a summary frame (as written by `patron summary`) and print them.\n"
            "\n"
            "  --input FILE        summary CSV (first column: customer id)\n"
            "  --rule TEXT         a rule, e.g. 'frequency >= 2 and monetary_value >= p75'\n"
            "  --segment NAME      a built-in segment (new, returning, at_risk, stars) or one\n"
            "                      given with --define\n"
            "  --define NAME=RULE  define or override a named segment (repeatable)\n"
            "  --now TIME          the moment relative dates refer to (ISO-8601 date/time or\n"
            "                      epoch seconds); required by rules with 'within', 'ago', 'now'\n"
            "  --transactions FILE transaction CSV (customer_id,date,amount[,category]): add the\n"
            "                      activity columns (days_since_last, purchases_90d, avg_basket,\n"
            "                      favourite_category, ...) computed at --now\n"
            "                      (read with the input options of `patron summary`, below;\n"
            "                      --db URI instead reads the purchases a store recorded)\n"
            "  --rfm               add the RFM columns rfm_r, rfm_f, rfm_m, rfm_score and\n"
            "                      rfm_segment before selecting (rules may use them)\n"
            "  --decimals N        decimals of the input's money columns (default 2, as\n"
            "                      `patron summary`): money is read in major units and\n"
            "                      rules see minor units (total_spend > 100000 is 1,000.00)\n"
            "  --minor-units       the input's money is already in minor units (as written\n"
            "                      by `patron summary --minor-units`); output stays in them\n"
            "  --format FMT        csv (default), json or text (an aligned table)\n"
            "  --count             print only the number of selected customers\n"
            "  --list              print the built-in segments and their rules\n"
            "  --help              this text\n"
            "\n"
            "transaction-log input options (for --transactions):\n%s", cli_txlog_help);
}

static int print_text(const patron_frame *f)
{
    size_t rows = patron_frame_rows(f), cols = patron_frame_cols(f);
    size_t *w = calloc(cols ? cols : 1, sizeof *w);
    if (!w)
        return cli_fail("segment", "out of memory");
    char cell[64];
    for (int pass = 0; pass < 2; pass++) {
        for (size_t c = 0; c < cols; c++) {
            const char *name = patron_frame_col_name(f, c);
            if (pass == 0 && strlen(name) > w[c])
                w[c] = strlen(name);
            if (pass == 1 && patron_frame_col_type(f, c) != PATRON_COL_STRING)
                printf("%s%*s", c ? "  " : "", (int)w[c], name);
            else if (pass == 1)
                printf("%s%-*s", c ? "  " : "", c + 1 < cols ? (int)w[c] : 0, name);
        }
        if (pass == 1)
            putchar('\n');
        for (size_t r = 0; r < rows; r++) {
            for (size_t c = 0; c < cols; c++) {
                const char *s = cell;
                int t = patron_frame_col_type(f, c);
                int right = 1;
                if (t == PATRON_COL_DOUBLE)
                    snprintf(cell, sizeof cell, "%.10g", patron_frame_double(f, c)[r]);
                else if (t == PATRON_COL_INT64)
                    snprintf(cell, sizeof cell, "%lld", (long long)patron_frame_int64(f, c)[r]);
                else {
                    s = patron_frame_string(f, c)[r];
                    right = 0;
                }
                if (pass == 0 && strlen(s) > w[c])
                    w[c] = strlen(s);
                if (pass == 1)
                    printf(right ? "%s%*s" : "%s%-*s", c ? "  " : "",
                           right || c + 1 < cols ? (int)w[c] : 0, s);
            }
            if (pass == 1)
                putchar('\n');
        }
    }
    free(w);
    return 0;
}

int cmd_segment(int argc, char **argv)
{
    const char *input = NULL, *rule = NULL, *segment = NULL, *format = "csv", *now_text = NULL;
    cli_txlog_input tx;
    cli_txlog_input_init(&tx, "--transactions");
    patron_segment_def defs[MAX_DEFS];
    char *def_buf[MAX_DEFS];
    size_t ndefs = 0;
    int rfm = 0, count_only = 0, list = 0, rc = 0, minor_units = 0, decimals = 2;
    cli_money money = {0};
    for (int i = 1; i < argc; i++) {
        int missing = 0, t;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if ((v = cli_opt(argc, argv, &i, "--input", &missing))) {
            input = v;
        } else if ((v = cli_opt(argc, argv, &i, "--rule", &missing))) {
            rule = v;
        } else if ((v = cli_opt(argc, argv, &i, "--segment", &missing))) {
            segment = v;
        } else if ((v = cli_opt(argc, argv, &i, "--format", &missing))) {
            format = v;
        } else if ((v = cli_opt(argc, argv, &i, "--now", &missing))) {
            now_text = v;
        } else if ((v = cli_opt(argc, argv, &i, "--define", &missing))) {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v)
                return cli_fail("segment", "--define expects NAME=RULE, got '%s'", v);
            if (ndefs == MAX_DEFS)
                return cli_fail("segment", "at most %d --define options", MAX_DEFS);
            def_buf[ndefs] = malloc((size_t)(eq - v) + 1);
            if (!def_buf[ndefs])
                return cli_fail("segment", "out of memory");
            memcpy(def_buf[ndefs], v, (size_t)(eq - v));
            def_buf[ndefs][eq - v] = '\0';
            defs[ndefs].name = def_buf[ndefs];
            defs[ndefs].rule = eq + 1;
            ndefs++;
        } else if ((t = cli_txlog_option("segment", &tx, argc, argv, &i)) != 0) {
            if (t < 0) {
                for (size_t k = 0; k < ndefs; k++)
                    free(def_buf[k]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--minor-units")) {
            minor_units = 1;
        } else if (!strcmp(argv[i], "--rfm")) {
            rfm = 1;
        } else if (!strcmp(argv[i], "--count")) {
            count_only = 1;
        } else if (!strcmp(argv[i], "--list")) {
            list = 1;
        } else {
            for (size_t d = 0; d < ndefs; d++)
                free(def_buf[d]);
            if (missing)
                return cli_fail("segment", "%s needs a value", argv[i]), 2;
            fprintf(stderr, "patron segment: unknown option '%s' (try --help)\n", argv[i]);
            return 2;
        }
        if (missing) {
            for (size_t d = 0; d < ndefs; d++)
                free(def_buf[d]);
            return cli_fail("segment", "%s needs a value", argv[i]), 2;
        }
    }
    decimals = tx.log.decimals; /* --decimals: the money of the summary and of the transactions */
    patron_frame *frame = NULL, *out = NULL;
    patron_selection *sel = NULL;
    if (list) {
        size_t n;
        const patron_segment_def *b = patron_segment_builtins(&n);
        for (size_t k = 0; k < n; k++)
            printf("%-10s %s\n", b[k].name, b[k].rule);
        goto done;
    }
    if (!input || (!rule == !segment)) {
        fprintf(stderr, "patron segment: need --input and exactly one of --rule or --segment (try --help)\n");
        rc = 2;
        goto done;
    }
    int fmt = !strcmp(format, "csv") ? 0 : !strcmp(format, "json") ? 1 : !strcmp(format, "text") ? 2 : -1;
    if (fmt < 0) {
        rc = cli_fail("segment", "--format must be csv, json or text, not '%s'", format);
        goto done;
    }
    int64_t now = PATRON_TIME_NONE;
    int prc = now_text ? patron_time_parse(&now, now_text, strlen(now_text), PATRON_TIME_AUTO) : 0;
    if (prc) {
        rc = cli_fail_rc("segment", prc, "--now");
        goto done;
    }
    prc = patron_frame_read_csv(&frame, input);
    if (prc) {
        rc = cli_fail_rc("segment", prc, input);
        goto done;
    }
    /* money in frames is in minor units, here as in the library */
    if (!minor_units && (rc = cli_money_to_minor(&money, frame, decimals, "segment")))
        goto done;
    if (tx.path || tx.db) {
        patron_txlog *log = NULL;
        if (tx.db && !tx.as_of)
            tx.as_of = now_text; /* the store's log as of the moment the activity is computed at */
        patron_activity_options ao = PATRON_ACTIVITY_OPTIONS_INIT;
        ao.now = now;
        if (now == PATRON_TIME_NONE) {
            rc = cli_fail("segment", "--transactions and --db need --now (activity columns are computed at a moment)");
            goto done;
        }
        if ((rc = cli_txlog_load("segment", &tx, &log)))
            goto done;
        if ((prc = patron_frame_add_activity(frame, log, &ao)))
            rc = cli_fail_rc("segment", prc, "activity columns");
        patron_txlog_free(log);
        if (rc)
            goto done;
    }
    if (rfm && (prc = patron_rfm_add_columns(frame, NULL))) {
        rc = cli_fail_rc("segment", prc, "--rfm");
        goto done;
    }
    patron_segment_options so = PATRON_SEGMENT_OPTIONS_INIT;
    so.now = now;
    so.defs = defs;
    so.ndefs = ndefs;
    if (rule) {
        patron_rule_eval_options eo = PATRON_RULE_EVAL_OPTIONS_INIT;
        eo.now = now;
        prc = patron_rule_select(&sel, frame, rule, &eo);
    } else {
        prc = patron_segment_select(&sel, frame, segment, &so);
    }
    if (prc) {
        rc = cli_fail_rc("segment", prc, rule ? "rule" : "segment");
        if (!now_text && strstr(patron_errmsg(), "set 'now'"))
            fprintf(stderr, "patron segment: this rule uses relative dates: pass --now TIME\n");
        goto done;
    }
    if (count_only) {
        printf("%zu\n", patron_selection_count(sel));
        goto done;
    }
    if ((prc = patron_frame_select(&out, frame, sel))) {
        rc = cli_fail_rc("segment", prc, "selecting rows");
        goto done;
    }
    if (!minor_units && fmt != 1) { /* back to the input's units (JSON stays in minor units) */
        patron_frame *shown = NULL;
        if ((rc = cli_money_output(&shown, &money, out, sel, "segment")))
            goto done;
        patron_frame_free(out);
        out = shown;
    }
    if (fmt == 2) {
        rc = print_text(out);
    } else {
        patron_frame_write_options wo = PATRON_FRAME_WRITE_OPTIONS_INIT;
        wo.format = fmt == 1 ? PATRON_FORMAT_JSON : PATRON_FORMAT_CSV;
        wo.string_ids = 1; /* the JSON convention (docs/guide/cli.md) */
        if ((prc = patron_frame_write(out, stdout, &wo)))
            rc = cli_fail_rc("segment", prc, "writing");
    }
    if (!rc && fflush(stdout) != 0)
        rc = cli_fail("segment", "writing to standard output failed");
done:
    cli_money_free(&money);
    patron_selection_free(sel);
    patron_frame_free(out);
    patron_frame_free(frame);
    for (size_t d = 0; d < ndefs; d++)
        free(def_buf[d]);
    return rc;
}
