/* Segments: a rule over a customer frame, a named segment, RFM. */
#include <patron.h>
#include <stdio.h>

#define DAY 86400
#define NOW 1700000000 /* the moment relative dates refer to: always explicit */

int main(void)
{
    /* Five customers: repeat purchases, periods from last purchase, ... */
    const double frequency[] = {0, 1, 4, 7, 2};
    const double recency[] = {0, 20, 80, 300, 35};
    const double T[] = {10, 200, 90, 320, 400};
    const double monetary[] = {0, 25.0, 40.0, 90.0, 12.5};
    const int64_t last[] = {NOW - 10 * DAY, NOW - 180 * DAY, NOW - 10 * DAY, NOW - 20 * DAY,
                            NOW - 365 * DAY};
    const int64_t sms[] = {1, 1, 0, 1, 1};
    patron_frame *frame = NULL;
    patron_rule *rule = NULL;
    patron_selection *sel = NULL, *at_risk = NULL;
    int rc = patron_frame_from_arrays(&frame, 5, NULL, frequency, recency, T, monetary);
    if (!rc)
        rc = patron_frame_add_int64(frame, "last_purchase", last);
    if (!rc)
        rc = patron_frame_add_int64(frame, "consent.sms", sms);

    /* Compile once, evaluate over the whole frame. */
    if (!rc)
        rc = patron_rule_compile(&rule,
                                 "frequency >= 2 and monetary_value >= p50 and consent.sms", NULL);
    if (!rc)
        rc = patron_rule_eval(&sel, rule, frame, NULL);
    if (!rc) {
        printf("rule selects %zu of %zu customers:", patron_selection_count(sel),
               patron_selection_size(sel));
        for (size_t r = 0; patron_selection_next(sel, &r); r++)
            printf(" %zu", r);
        printf("\n");
    }

    /* A built-in segment, with `now` given explicitly. */
    patron_segment_options so = PATRON_SEGMENT_OPTIONS_INIT;
    so.now = NOW;
    if (!rc)
        rc = patron_segment_select(&at_risk, frame, "at_risk", &so);
    if (!rc) {
        /* Set operations: at risk, reachable by SMS, not already selected. */
        patron_selection_minus(at_risk, sel);
        printf("at risk and not selected: %zu\n", patron_selection_count(at_risk));
    }

    /* RFM scores and named segments as new frame columns. */
    if (!rc)
        rc = patron_rfm_add_columns(frame, NULL);
    if (!rc) {
        size_t col;
        patron_frame_find(&col, frame, "rfm_segment", PATRON_COL_STRING);
        const char *const *names = patron_frame_string(frame, col);
        const int64_t *score = patron_frame_int64_by_name(frame, "rfm_score");
        for (size_t r = 0; r < 5; r++)
            printf("customer %zu: RFM %lld %s\n", r, (long long)score[r], names[r]);
    }

    /* Errors point into the rule text. */
    patron_rule *bad = NULL;
    int brc = patron_rule_compile(&bad, "frequency >= 2 and", NULL);
    printf("expected error (%s):\n%s\n", patron_strerror(brc), patron_errmsg());

    if (rc)
        fprintf(stderr, "error: %s\n", patron_errmsg());
    patron_selection_free(at_risk);
    patron_selection_free(sel);
    patron_rule_free(rule);
    patron_frame_free(frame);
    return rc == 0 && brc == PATRON_EPARSE ? 0 : 1;
}
