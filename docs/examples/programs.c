/* Two programs in one store: a café club (the default program) and a
 * partner bakery. Ann is in both, Ben in the café's only; each program has
 * its own points and its own expiry; a key is the store's. */
#include <patron.h>
#include <stdio.h>
#include <string.h>

#define T0 1767225600 /* 2026-01-01 */
#define DAY 86400

static int64_t available(patron_db *db, int64_t member, int64_t at)
{
    patron_balance b;
    return patron_ledger_balance(db, &b, member, at) == PATRON_OK ? b.available : -1;
}

static int earn(patron_db *db, const char *key, int64_t member, int64_t points, int64_t at)
{
    patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
    r.key = key;
    r.member_id = member;
    r.points = points;
    r.at = at;
    return patron_ledger_earn(db, NULL, &r);
}

int main(void)
{
    patron_db *db = NULL;
    int64_t ann = 0, ben = 0;
    int rc = patron_open(&db, ":memory:", NULL);
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Ann";
    f.email = "ann@example.com";
    f.consent = "email";
    if (!rc)
        rc = patron_profile_add(db, &ann, &f, T0); /* enrolment joins "default" */
    f.name = "Ben";
    f.email = "ben@example.com";
    if (!rc)
        rc = patron_profile_add(db, &ben, &f, T0);
    if (!rc)
        rc = earn(db, "cafe-1", ann, 100, T0);
    /* the bakery: its own program, its points expire after a month */
    if (!rc)
        rc = patron_program_create(db, "bakery");
    if (!rc)
        rc = patron_program_use(db, "bakery");
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    p.expiry_months = 1;
    if (!rc)
        rc = patron_ledger_set_policy(db, &p);
    if (!rc)
        rc = patron_program_join(db, ann, T0);
    if (!rc)
        rc = earn(db, "bakery-1", ann, 30, T0);
    if (rc) {
        fprintf(stderr, "%s\n", patron_errmsg());
        return 1;
    }
    /* Ben has not joined the bakery's program */
    int not_joined = earn(db, "bakery-2", ben, 5, T0) == PATRON_ENOTFOUND;
    printf("bakery: %s\n", patron_errmsg());
    /* a key the café used is no key for the bakery */
    int taken = earn(db, "cafe-1", ann, 100, T0) == PATRON_ECONFLICT;
    printf("bakery: %s\n", patron_errmsg());
    int64_t bakery_now = available(db, ann, T0 + DAY), bakery_later = available(db, ann, T0 + 40 * DAY);
    patron_program_names *mine = NULL;
    rc = patron_program_member_list(db, &mine, ann);
    printf("Ann is in %zu programs:", patron_program_names_count(mine));
    for (size_t i = 0; i < patron_program_names_count(mine); i++)
        printf(" %s", patron_program_names_get(mine, i));
    printf("\n");
    patron_program_names_free(mine);
    if (!rc)
        rc = patron_program_use(db, "default");
    int64_t cafe_later = available(db, ann, T0 + 40 * DAY);
    printf("bakery: %lld now, %lld after 40 days; cafe: %lld after 40 days\n", (long long)bakery_now,
           (long long)bakery_later, (long long)cafe_later);
    patron_ledger_report rep;
    if (!rc)
        rc = patron_ledger_check(db, &rep); /* every program's rows */
    patron_close(db);
    return rc == PATRON_OK && not_joined && taken && bakery_now == 30 && bakery_later == 0 && cafe_later == 100 ? 0 : 1;
}
