/* Store and profiles: open a store, enrol a member, find them by another
 * spelling of their phone number, record consent, export their data. */
#include <patron.h>
#include <stdio.h>
#include <string.h>

#define NOW 1764000000 /* 2025-11-24, UTC seconds */

int main(void)
{
    patron_db *db;
    int rc = patron_open(&db, ":memory:", NULL); /* a path or "file:club.db" in production */
    if (rc) {
        fprintf(stderr, "open: %s: %s\n", patron_strerror(rc), patron_errmsg());
        return 1;
    }
    patron_profile_set_country(db, "IL"); /* national numbers are Israeli */
    patron_profile_set_alias(db, "city", "TLV", "Tel Aviv");

    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Dana Levi";
    f.phone = "050-123-4567";
    f.email = "Dana.Levi@Example.com";
    f.city = "tlv";
    f.consent = "sms"; /* channels granted now */
    f.consent_source = "pos";
    int64_t id;
    if ((rc = patron_profile_add(db, &id, &f, NOW))) {
        fprintf(stderr, "add: %s\n", patron_errmsg());
        return 1;
    }

    int64_t found;
    patron_profile_find(db, &found, "+972 50 123 4567");
    printf("member %lld found as %lld\n", (long long)id, (long long)found);

    patron_profile *p;
    patron_profile_get(db, &p, id);
    printf("%s, %s, %s\n", patron_profile_field(p, "name"), patron_profile_field(p, "phone"),
           patron_profile_field(p, "city"));
    patron_profile_free(p);

    /* consent is a history: withdraw e-mail later, ask whether it held at a time */
    patron_consent_record(db, id, "email", 1, NOW + 60, "web");
    patron_consent_record(db, id, "email", 0, NOW + 3600, "web");
    int granted;
    patron_consent_get(db, &granted, id, "email", NOW + 120);
    printf("e-mail consent an hour before withdrawal: %s\n", granted ? "yes" : "no");

    char *next;
    patron_profile_next_field(db, &next, id);
    printf("ask next for: %s\n", next ? next : "(complete)");
    patron_free(next);

    char *json;
    patron_profile_export(db, &json, id);
    printf("export is %zu bytes of JSON\n", strlen(json));
    patron_free(json);

    patron_close(db);
    return found == id && granted == 1 ? 0 : 1;
}
