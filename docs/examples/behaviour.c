/* Behaviour events: a visit, a campaign message and its click, an NPS answer
 * — recorded once even when retried — and what the customer card says. */
#include <patron.h>
#include <stdio.h>

#define T0 1700000000

int main(void)
{
    patron_db *db = NULL;
    int64_t ann = 0;
    char *card = NULL;
    int rc = patron_open(&db, ":memory:", NULL);
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Ann";
    f.email = "ann@example.com";
    f.consent = "email";
    if (!rc)
        rc = patron_profile_add(db, &ann, &f, T0);
    struct { const char *key; int32_t kind; const char *campaign; int64_t score; int64_t at; } evs[] = {
        {"web-1", PATRON_BEHAVIOUR_VISIT, NULL, 0, T0 + 3600},
        {"mail-7", PATRON_BEHAVIOUR_SENT, "welcome-2", 0, T0 + 7200},
        {"mail-7c", PATRON_BEHAVIOUR_CLICKED, "welcome-2", 0, T0 + 9000},
        {"nps-1", PATRON_BEHAVIOUR_NPS, NULL, 9, T0 + 86400},
        {"nps-1", PATRON_BEHAVIOUR_NPS, NULL, 9, T0 + 86400}, /* a retry: recorded once */
    };
    for (size_t i = 0; !rc && i < sizeof evs / sizeof evs[0]; i++) {
        patron_behaviour_event e = PATRON_BEHAVIOUR_EVENT_INIT;
        e.key = evs[i].key;
        e.member_id = ann;
        e.at = evs[i].at;
        e.kind = evs[i].kind;
        e.campaign = evs[i].campaign;
        e.score = evs[i].score;
        e.source = evs[i].campaign ? "email" : "web";
        int replayed = 0;
        rc = patron_behaviour_record(db, &replayed, &e);
        if (!rc && replayed)
            printf("%s: already recorded\n", evs[i].key);
    }
    patron_card_options o = PATRON_CARD_OPTIONS_INIT;
    o.as_of = T0 + 2 * 86400;
    if (!rc)
        rc = patron_member_card(db, &card, ann, &o);
    if (!rc)
        fputs(card, stdout);
    else
        fprintf(stderr, "error: %s\n", patron_errmsg());
    patron_free(card);
    patron_close(db);
    return rc ? 1 : 0;
}
