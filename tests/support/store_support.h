/* Helpers shared by the suites that drive a store (store, ledger, earn,
 * tier, faults): enrolling a member, reading an available balance, building
 * a posting request, removing a store file. They fail the running cmocka
 * test on an unexpected status. */
#ifndef PATRON_TEST_STORE_SUPPORT_H
#define PATRON_TEST_STORE_SUPPORT_H

#include <stdint.h>

#include "patron.h"

/* A new, empty store for one test, on the backend this run tests: SQLite
 * ":memory:" by default. (When the PostgreSQL backend is built and
 * PATRON_TEST_PG names a server, each call gets a fresh schema there.)
 * `opts` may be NULL. Fails the running test if the store cannot be opened. */
patron_db *pt_store_new(const patron_db_options *opts);

/* Enrol member "M" with `phone` and `consent` at `at`; returns its id. */
int64_t pt_member(patron_db *db, const char *phone, const char *consent, int64_t at);

/* The member's available points at `at`. */
int64_t pt_available(patron_db *db, int64_t member, int64_t at);

/* A posting request with key, member, points and time set, the rest default. */
patron_posting_request pt_posting(const char *key, int64_t member, int64_t points, int64_t at);

/* Remove a store file and its -wal, -shm and -journal side files. */
void pt_remove_store(const char *path);

#endif
