/* `patron journey due`: the journey steps due at a moment, from a summary
 * frame and the store. */
#include <stdio.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "patron.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: patron journey due --db PATH [--input SUMMARY.csv] --now TIME [options]\n"
            "\n"
            "Print the welcome, post-purchase and win-back steps due at TIME, one line per\n"
            "message (CSV: member_id,customer_id,journey,step,channel,tag,scheduled).\n"
            "Customers are matched to members by id (#N), e-mail or phone; only members who\n"
            "consented to one of the channels are listed; a step is never due twice.\n"
            "Rows of one member (customers merged in the store) count as one member.\n"
            "Members who never bought are not in a summary, so this command does not\n"
            "welcome them (patron_journey_due() does, given a row for them).\n"
            "\n"
            "  --db PATH            the store\n"
            "  --input FILE         summary CSV with last_purchase (from `patron summary`);\n"
            "                       without it, the summary of the purchases the store\n"
            "                       recorded, as of --now\n"
            "  --now TIME           ISO-8601 or epoch seconds\n"
            "  --channels LIST      channel preference order (default email,sms,push)\n"
            "  --rfm                add RFM columns first and tag win-back offers with the\n"
            "                       RFM segment\n"
            "  --mark               record the listed steps as sent (run after sending)\n"
            "  --help               this text\n");
}

int cmd_journey(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "due")) {
        fprintf(stderr, "patron journey: expected 'due' (try --help)\n");
        return 2;
    }
    const char *dbpath = NULL, *input = NULL, *now_text = NULL, *channels = "email,sms,push";
    int rfm = 0, mark = 0;
    for (int i = 2; i < argc; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if ((v = cli_opt(argc, argv, &i, "--db", &missing))) {
            dbpath = v;
        } else if ((v = cli_opt(argc, argv, &i, "--input", &missing))) {
            input = v;
        } else if ((v = cli_opt(argc, argv, &i, "--now", &missing))) {
            now_text = v;
        } else if ((v = cli_opt(argc, argv, &i, "--channels", &missing))) {
            channels = v;
        } else if (!strcmp(argv[i], "--rfm")) {
            rfm = 1;
        } else if (!strcmp(argv[i], "--mark")) {
            mark = 1;
        } else if (!missing) {
            fprintf(stderr, "patron journey: unknown option '%s' (try --help)\n", argv[i]);
            return 2;
        }
        if (missing) {
            fprintf(stderr, "patron journey: %s needs a value\n", argv[i]);
            return 2;
        }
    }
    if (!dbpath || !now_text) {
        fprintf(stderr, "patron journey: due needs --db and --now (try --help)\n");
        return 2;
    }
    int64_t now;
    int rc = patron_time_parse(&now, now_text, strlen(now_text), PATRON_TIME_AUTO);
    if (rc)
        return cli_fail_rc("journey", rc, "--now");
    patron_db *db = NULL;
    patron_frame *frame = NULL;
    patron_journey_due_item *items = NULL;
    size_t n = 0;
    int out = 0;
    if (cli_open_store("journey", dbpath, 0, 0, &db)) {
        out = 1;
        goto done;
    }
    if (input && (rc = patron_frame_read_csv(&frame, input))) {
        out = cli_fail_rc("journey", rc, input);
        goto done;
    }
    if (!input) { /* the store's own summary as of --now */
        patron_store_log_options lo = PATRON_STORE_LOG_OPTIONS_INIT;
        lo.as_of = now;
        if ((rc = patron_summary_from_db(db, &frame, &lo))) {
            out = cli_fail_rc("journey", rc, "the store's summary");
            goto done;
        }
    }
    if (rfm && (rc = patron_rfm_add_columns(frame, NULL))) {
        out = cli_fail_rc("journey", rc, "--rfm");
        goto done;
    }
    patron_member_columns_options mo = PATRON_MEMBER_COLUMNS_OPTIONS_INIT;
    mo.now = now;
    mo.channels = channels;
    if ((rc = patron_frame_add_member_columns(frame, db, &mo))) {
        out = cli_fail_rc("journey", rc, "member columns");
        goto done;
    }
    patron_journey_options jo = PATRON_JOURNEY_OPTIONS_INIT;
    jo.now = now;
    jo.channels = channels;
    jo.tag_column = rfm ? "rfm_segment" : NULL;
    if ((rc = patron_journey_due(&items, &n, db, frame, &jo))) {
        out = cli_fail_rc("journey", rc, "due");
        goto done;
    }
    static const char *const names[] = {"welcome", "post_purchase", "win_back"};
    printf("member_id,customer_id,journey,step,channel,tag,scheduled\n");
    for (size_t i = 0; i < n; i++) {
        char idbuf[32], when[32];
        const char *cid = patron_frame_id(frame, (size_t)items[i].row, idbuf, sizeof idbuf);
        patron_time_format(when, sizeof when, items[i].scheduled);
        printf("%lld,%s,%s,%d,%s,%s,%s\n", (long long)items[i].member_id, cid ? cid : "",
               names[items[i].journey], (int)items[i].step, items[i].channel, items[i].tag, when);
    }
    if (fflush(stdout) != 0) {
        out = cli_fail("journey", "writing to standard output failed");
        goto done;
    }
    for (size_t i = 0; mark && i < n; i++)
        if ((rc = patron_journey_mark_sent(db, &items[i]))) {
            out = cli_fail_rc("journey", rc, "--mark");
            goto done;
        }
done:
    patron_free(items);
    patron_frame_free(frame);
    patron_close(db);
    return out;
}
