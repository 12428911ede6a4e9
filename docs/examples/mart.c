/* The store as the data mart: purchases recorded with patron_earn_purchase()
 * come straight out as a transaction log, as of any moment, and feed the
 * summary (and from there CLV, segments, reports) with no CSV in between. */
#include <patron.h>
#include <stdio.h>

#define DAY 86400
#define T0 1700000000

static int buy(patron_db *db, const char *key, int64_t member, int64_t at, int64_t amount)
{
    patron_purchase_line line = {"shoes", NULL, amount};
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = key; /* the order id: recording it twice changes nothing */
    p.member_id = member;
    p.at = at;
    p.lines = &line;
    p.n_lines = 1;
    patron_earn_result res;
    return patron_earn_purchase(db, &res, &p);
}

int main(void)
{
    patron_db *db = NULL;
    patron_txlog *log = NULL;
    patron_frame *summary = NULL;
    int64_t ann = 0, bob = 0;
    int rc = patron_open(&db, ":memory:", NULL);
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Ann";
    f.email = "ann@example.com";
    f.consent = "email";
    if (!rc)
        rc = patron_profile_add(db, &ann, &f, T0);
    f.name = "Bob";
    f.email = "bob@example.com";
    if (!rc)
        rc = patron_profile_add(db, &bob, &f, T0);
    if (!rc)
        rc = buy(db, "A-1", ann, T0 + 1 * DAY, 2500);
    if (!rc)
        rc = buy(db, "A-2", ann, T0 + 9 * DAY, 4000);
    if (!rc)
        rc = buy(db, "B-1", bob, T0 + 5 * DAY, 1200);
    if (!rc) /* Ann returns her second order on day 12 */
        rc = patron_earn_return(db, "A-2", T0 + 12 * DAY);

    /* As of day 10 the return had not happened: A-2 still counts. */
    patron_store_log_options o = PATRON_STORE_LOG_OPTIONS_INIT;
    o.as_of = T0 + 10 * DAY;
    if (!rc)
        rc = patron_txlog_from_db(db, &log, &o);
    patron_summary_options so = PATRON_SUMMARY_OPTIONS_INIT;
    so.observation_end = o.as_of;
    if (!rc)
        rc = patron_summarize(&summary, log, &so);
    if (!rc) {
        const int64_t *orders = patron_frame_int64_by_name(summary, "orders");
        const int64_t *spend = patron_frame_int64_by_name(summary, "total_spend");
        for (size_t i = 0; i < patron_frame_rows(summary); i++) {
            char id[32];
            printf("member %s: orders %lld, spend %lld cents\n", patron_frame_id(summary, i, id, sizeof id),
                   (long long)orders[i], (long long)spend[i]);
        }
    }
    if (rc)
        fprintf(stderr, "error: %s\n", patron_errmsg());
    patron_frame_free(summary);
    patron_txlog_free(log);
    patron_close(db);
    return rc ? 1 : 0;
}
