/* Helpers shared by the suites that drive a store (store, ledger, earn,
 * tier, faults): enrolling a member, reading an available balance, building
 * a posting request, removing a store file. They fail the running cmocka
 * test on an unexpected status. */
#ifndef PATRON_TEST_STORE_SUPPORT_H
#define PATRON_TEST_STORE_SUPPORT_H

#include <stdint.h>

#include "patron.h"

/* Non-zero when this run tests the PostgreSQL backend
 * (PATRON_TEST_BACKEND=postgresql; the server is named by PATRON_TEST_PG,
 * a libpq keyword string). Without a server such a run skips (exit 77). */
int pt_backend_is_postgres(void);

/* A new, empty store for one test, on the backend this run tests: SQLite
 * ":memory:", or a fresh schema on the PostgreSQL server. `opts` may be
 * NULL. Fails the running test if the store cannot be opened. */
patron_db *pt_store_new(const patron_db_options *opts);

/* A store that several handles can share: a file path on SQLite, a schema's
 * connection string on PostgreSQL. `fresh` makes a new one; 0 returns the
 * last one made. pt_store_reopen() opens another handle on it. */
const char *pt_store_uri(int fresh);
const char *pt_store_open_uri(const char *uri);
patron_db *pt_store_reopen(const patron_db_options *opts);

/* Enrol member "M" with `phone` and `consent` at `at`; returns its id. */
int64_t pt_member(patron_db *db, const char *phone, const char *consent, int64_t at);

/* The member's available points at `at`. */
int64_t pt_available(patron_db *db, int64_t member, int64_t at);

/* A posting request with key, member, points and time set, the rest default. */
patron_posting_request pt_posting(const char *key, int64_t member, int64_t points, int64_t at);

/* Record a purchase of one line (`category` may be NULL) with
 * patron_earn_purchase(); fails the running test with the message otherwise. */
void pt_buy(patron_db *db, const char *key, int64_t member, int64_t at, const char *category, int64_t amount);

/* A store of `members` customers simulated at CDNOW's BG/NBD and
 * Gamma-Gamma estimates (300 periods of a day from T0 = 1700000000, cohorts
 * over the first 60, seeded), recorded purchase by purchase in one batch:
 * odd customers buy shoes and even ones hats, each on one channel (pos,
 * web, app). Phones are +97250 followed by `phone_base` + i in 7 digits;
 * the member ids go to ids[members]. */
patron_db *pt_simulated_shop(int members, uint64_t seed, int phone_base, int64_t *ids);

/* Remove a store file and its -wal, -shm and -journal side files. */
void pt_remove_store(const char *path);

/* The program mode of the model suites (earn-model-program,
 * tier-model-program): with PATRON_TEST_PROGRAM=<name> in the environment,
 * give the default program earning rules and tiers of its own that would
 * change every figure if they leaked (a base rule of 7 points per 100, two
 * tiers at spend 0 and 1), then create program <name> and make it the
 * handle's current program, so the suite's rules, budgets, tiers and
 * balances are that program's. Returns 1 in that mode, 0 (nothing done)
 * without the variable. */
int pt_program_mode(patron_db *db);
/* In program mode, `member` joins the current program (at time 1) and is
 * made gold in the default program's tiers; nothing otherwise. */
void pt_program_join(patron_db *db, int64_t member);

#endif
