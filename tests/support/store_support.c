/* See store_support.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_support.h"

patron_db *pt_store_new(const patron_db_options *opts)
{
    patron_db *db = NULL;
    assert_int_equal(patron_open(&db, ":memory:", opts), PATRON_OK);
    return db;
}

int64_t pt_member(patron_db *db, const char *phone, const char *consent, int64_t at)
{
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "M";
    f.phone = phone;
    f.consent = consent;
    int64_t id = 0;
    assert_int_equal(patron_profile_add(db, &id, &f, at), PATRON_OK);
    return id;
}

int64_t pt_available(patron_db *db, int64_t member, int64_t at)
{
    patron_balance b;
    assert_int_equal(patron_ledger_balance(db, &b, member, at), PATRON_OK);
    return b.available;
}

patron_posting_request pt_posting(const char *key, int64_t member, int64_t points, int64_t at)
{
    patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
    r.key = key;
    r.member_id = member;
    r.points = points;
    r.at = at;
    return r;
}

void pt_remove_store(const char *path)
{
    static const char *const sides[] = {"-wal", "-shm", "-journal"};
    char side[512];
    unlink(path);
    for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++) {
        snprintf(side, sizeof side, "%s%s", path, sides[i]);
        unlink(side);
    }
}
