/* Events outbox: switch it on, let a posting append its event in the same
 * transaction, read it as a named consumer, "crash" before acknowledging
 * and read it again, acknowledge, and run the job of time-driven events. */
#include <patron.h>
#include <stdio.h>
#include <string.h>

#define NOW 1764000000 /* UTC seconds */
#define DAY 86400

int main(void)
{
    patron_db *db;
    if (patron_open(&db, ":memory:", NULL))
        return 1;
    patron_events_enable(db, 1); /* off in a new store */
    patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
    pol.expiry_months = 1;
    pol.hold_seconds = 14 * DAY;
    patron_ledger_set_policy(db, &pol);

    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Dana Levi";
    f.email = "dana@example.com";
    f.consent = "email";
    int64_t dana;
    patron_profile_add(db, &dana, &f, NOW); /* member.enrolled */
    patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
    r.key = "order-17";
    r.member_id = dana;
    r.points = 120;
    r.at = NOW;
    patron_ledger_earn(db, NULL, &r); /* points.earned */
    patron_ledger_earn(db, NULL, &r); /* a replay: no second event */

    /* a consumer reads from its stored cursor; without an ack it reads the same events again */
    patron_event_list *l;
    patron_events_fetch(db, &l, "crm", 100);
    size_t first = patron_event_list_count(l);
    patron_event_list_free(l);
    patron_events_fetch(db, &l, "crm", 100);
    for (size_t i = 0; i < patron_event_list_count(l); i++) {
        const patron_event *e = patron_event_list_get(l, i);
        printf("%lld %s member %lld %s\n", (long long)e->position, e->kind, (long long)e->member_id, e->payload);
    }
    patron_events_ack(db, "crm", patron_event_list_last(l)); /* handled: move the cursor */
    size_t again = patron_event_list_count(l);
    patron_event_list_free(l);
    patron_events_fetch(db, &l, "crm", 100);
    size_t after_ack = patron_event_list_count(l);
    patron_event_list_free(l);

    /* the daily job: points matured (day 15) and expiring within 7 days */
    int64_t n15 = 0, n25 = 0;
    patron_events_notify(db, &n15, NOW + 15 * DAY, 7);
    patron_events_notify(db, &n25, NOW + 25 * DAY, 7);
    patron_events_fetch(db, &l, "crm", 100);
    for (size_t i = 0; i < patron_event_list_count(l); i++)
        printf("job: %s %s\n", patron_event_list_get(l, i)->kind, patron_event_list_get(l, i)->payload);
    size_t jobs = patron_event_list_count(l);
    patron_event_list_free(l);
    printf("read %zu, again %zu, after the ack %zu; the job appended %lld + %lld\n", first, again, after_ack,
           (long long)n15, (long long)n25);
    patron_close(db);
    return first == 2 && again == 2 && after_ack == 0 && n15 == 1 && n25 == 1 && jobs == 2 ? 0 : 1;
}
