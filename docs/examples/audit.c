/* Audit trail: set who is working on the handle, make administrative
 * changes, list them by actor, by member and by time. */
#include <patron.h>
#include <stdio.h>

#define NOW 1764000000 /* UTC seconds */

int main(void)
{
    patron_db *db;
    if (patron_open(&db, ":memory:", NULL))
        return 1;
    patron_db_set_audit_time(db, NOW); /* a fixed clock for this example; by default the system clock */
    patron_db_set_actor(db, "alice@backoffice");
    patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
    pol.expiry_months = 12;
    patron_ledger_set_policy(db, &pol); /* policy.set */

    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Dana Levi";
    f.email = "dana@example.com";
    f.consent = "email";
    int64_t dana;
    patron_profile_add(db, &dana, &f, NOW);
    patron_db_set_actor(db, NULL); /* no actor: a call's own operator is recorded */
    patron_db_set_audit_time(db, NOW + 60);
    patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
    r.key = "goodwill-1";
    r.member_id = dana;
    r.points = 50;
    r.at = NOW + 60;
    r.reason = "late delivery";
    r.operator_name = "bob";
    patron_ledger_adjust(db, NULL, &r); /* points.adjust, by bob */

    patron_audit_query q = PATRON_AUDIT_QUERY_INIT;
    patron_audit_entries *l;
    patron_audit_list(db, &l, &q);
    for (size_t i = 0; i < patron_audit_entries_count(l); i++) {
        const patron_audit_entry *e = patron_audit_entries_get(l, i);
        printf("%lld at %lld %s %s member %lld %s\n", (long long)e->id, (long long)e->at, e->actor, e->action,
               (long long)e->member_id, e->detail);
    }
    size_t all = patron_audit_entries_count(l);
    patron_audit_entries_free(l);
    q.member_id = dana; /* what was done to Dana */
    patron_audit_list(db, &l, &q);
    size_t about = patron_audit_entries_count(l);
    patron_audit_entries_free(l);
    q.member_id = 0;
    q.actor = "alice@backoffice";
    q.since = NOW;
    q.until = NOW + 60; /* [since, until) */
    patron_audit_list(db, &l, &q);
    size_t by_alice = patron_audit_entries_count(l);
    patron_audit_entries_free(l);
    printf("%zu entries, %zu about Dana, %zu by alice in the first minute\n", all, about, by_alice);
    patron_close(db);
    return all == 2 && about == 1 && by_alice == 1 ? 0 : 1;
}
