/* A campaign with a control group: ten members bought once; the campaign
 * targets them, half are held out, the treated are sent an offer (a `sent`
 * event) and some buy again; 14 days later the campaign is measured. */
#include <patron.h>
#include <stdio.h>

#define T0 1700000000
#define DAY 86400

static int buy(patron_db *db, const char *key, int64_t member, int64_t at, int64_t amount)
{
    patron_purchase_line line = {"coffee", NULL, amount};
    patron_purchase p = PATRON_PURCHASE_INIT;
    p.key = key;
    p.member_id = member;
    p.at = at;
    p.lines = &line;
    p.n_lines = 1;
    return patron_earn_purchase(db, NULL, &p);
}

int main(void)
{
    patron_db *db = NULL;
    int rc = patron_open(&db, ":memory:", NULL);
    for (int i = 0; !rc && i < 10; i++) {
        char email[32], key[16];
        snprintf(email, sizeof email, "m%d@example.com", i);
        snprintf(key, sizeof key, "first-%d", i);
        patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
        f.name = "Member";
        f.email = email;
        f.consent = "email";
        int64_t id = 0;
        if (!(rc = patron_profile_add(db, &id, &f, T0)))
            rc = buy(db, key, id, T0 + 3600, 1200);
    }
    patron_campaign_def d = PATRON_CAMPAIGN_DEF_INIT;
    d.name = "second-visit";
    d.segment = "orders == 1";   /* bought once */
    d.offer = "a free coffee with the next order";
    d.control_share = 0.5;
    d.conversion_days = 14;
    if (!rc)
        rc = patron_campaign_create(db, &d);
    patron_campaign_member *members = NULL;
    size_t n = 0;
    if (!rc)
        rc = patron_campaign_target(db, &members, &n, "second-visit", T0 + DAY);
    for (size_t i = 0; !rc && i < n; i++) {
        if (members[i].group != PATRON_CAMPAIGN_TREATMENT)
            continue; /* held out: nothing is sent */
        char key[32];
        snprintf(key, sizeof key, "offer-%lld", (long long)members[i].member_id);
        patron_behaviour_event e = PATRON_BEHAVIOUR_EVENT_INIT;
        e.key = key;
        e.member_id = members[i].member_id;
        e.at = T0 + DAY;
        e.kind = PATRON_BEHAVIOUR_SENT;
        e.campaign = "second-visit";
        e.source = "email";
        if (!(rc = patron_behaviour_record(db, NULL, &e)) && i % 2 == 0) {
            snprintf(key, sizeof key, "again-%lld", (long long)members[i].member_id);
            rc = buy(db, key, members[i].member_id, T0 + 4 * DAY, 1500);
        }
    }
    patron_free(members);
    patron_campaign_measure_result r = {.size = sizeof r};
    if (!rc)
        rc = patron_campaign_measure(db, &r, "second-visit", T0 + 20 * DAY, NULL);
    if (!rc)
        printf("treatment %lld/%lld converted, control %lld/%lld; difference %+.2f (p = %.3f); "
               "incremental revenue %.0f\n",
               (long long)r.treatment.converted, (long long)r.treatment.measured, (long long)r.control.converted,
               (long long)r.control.measured, r.conversion_diff, r.conversion_p_value, r.incremental_revenue);
    else
        fprintf(stderr, "campaign: %s\n", patron_errmsg());
    patron_close(db);
    return rc ? 1 : 0;
}
