/* What the tests of programs share: a call that must succeed, switching
 * the handle's program, and a store of two programs. Include after cmocka.h
 * and store_support.h. */
#ifndef PATRON_TEST_PROGRAM_SUPPORT_H
#define PATRON_TEST_PROGRAM_SUPPORT_H

/* `call` must return PATRON_OK; otherwise the test fails naming it. */
#define OK(call)                                                                                                     \
    do {                                                                                                             \
        int rc_ = (call);                                                                                            \
        if (rc_ != PATRON_OK)                                                                                        \
            fail_msg("%s: %d %s", #call, rc_, patron_errmsg());                                                      \
    } while (0)

/* The handle works in program `name` from now on. */
static inline void use(patron_db *db, const char *name)
{
    OK(patron_program_use(db, name));
    assert_string_equal(patron_program_current(db), name);
}

/* A store with programs "default" and "partner": member *a (joined 100
 * days before t0) in both (partner from 50 days before t0), *b in default
 * only; the handle back in "default". */
static inline patron_db *two_programs(int64_t t0, int64_t *a, int64_t *b)
{
    const int64_t day = 86400;
    patron_db *db = pt_store_new(NULL);
    OK(patron_profile_set_country(db, "IL"));
    *a = pt_member(db, "050-000-0001", "none", t0 - 100 * day);
    *b = pt_member(db, "050-000-0002", "none", t0 - 100 * day);
    OK(patron_program_create(db, "partner"));
    use(db, "partner");
    OK(patron_program_join(db, *a, t0 - 50 * day));
    use(db, "default");
    return db;
}

#endif
