/* Journeys: who is due for which message, on which channel, right now. */
#include <patron.h>
#include <stdio.h>

#define NOW 1700000000
#define DAY 86400

int main(void)
{
    patron_db *db = NULL;
    patron_frame *frame = NULL;
    patron_journey_due_item *due = NULL;
    size_t n = 0;
    int64_t ids[2];
    int rc = patron_open(&db, ":memory:", NULL);
    /* Two members: Ann joined three days ago, Bob last bought 50 days ago. */
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Ann";
    f.email = "ann@example.com";
    f.consent = "email";
    if (!rc)
        rc = patron_profile_add(db, &ids[0], &f, NOW - 3 * DAY);
    f.name = "Bob";
    f.email = "bob@example.com";
    f.consent = "sms";
    if (!rc)
        rc = patron_profile_add(db, &ids[1], &f, NOW - 300 * DAY);
    const int64_t last_purchase[] = {NOW - 3 * DAY, NOW - 50 * DAY};
    if (!rc)
        rc = patron_frame_new(&frame, 2, ids, NULL);
    if (!rc)
        rc = patron_frame_add_int64(frame, "last_purchase", last_purchase);
    patron_member_columns_options mo = PATRON_MEMBER_COLUMNS_OPTIONS_INIT;
    mo.now = NOW;
    if (!rc)
        rc = patron_frame_add_member_columns(frame, db, &mo);

    patron_journey_options jo = PATRON_JOURNEY_OPTIONS_INIT;
    jo.now = NOW;
    static const char *const names[] = {"welcome", "post-purchase", "win-back"};
    for (int round = 0; round < 2 && !rc; round++) {
        rc = patron_journey_due(&due, &n, db, frame, &jo);
        printf("round %d: %zu due\n", round + 1, n);
        for (size_t i = 0; !rc && i < n; i++) {
            printf("  member %lld: %s step %d by %s\n", (long long)due[i].member_id,
                   names[due[i].journey], (int)due[i].step, due[i].channel);
            rc = patron_journey_mark_sent(db, &due[i]); /* after sending it */
        }
        patron_free(due);
        due = NULL;
    }
    if (rc)
        fprintf(stderr, "error: %s\n", patron_errmsg());
    patron_frame_free(frame);
    patron_close(db);
    return rc;
}
