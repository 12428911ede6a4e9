/* Internal: the handle's current program and how a program's ledger
 * accounts are named (lib/program).
 *
 * Every program keeps its balances in the ledger's tables (accounts,
 * postings, lots, lot_state, open_lots, moves), keyed by an *account id*:
 * the default program (id 1) uses the member id itself, so stores written
 * before programs existed are unchanged; program k >= 2 uses
 * k * 2^40 + member id. The ledger's statements stay keyed by that one id
 * (on Citus still the distribution column: each statement routes to one
 * shard); only the entry points map a member id to the account id of the
 * current program, and store-wide readers take the current program's range
 * of ids. Member ids of members in programs >= 2 must be below 2^40. */
#ifndef PATRON_INTERNAL_PROGRAM_H
#define PATRON_INTERNAL_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "patron/db.h"

#define PATRON__PROGRAM_SHIFT 40
#define PATRON__MEMBER_ID_MAX ((INT64_C(1) << PATRON__PROGRAM_SHIFT) - 1)
/* the largest program id whose accounts fit an int64 */
#define PATRON__PROGRAM_ID_MAX ((INT64_C(1) << (62 - PATRON__PROGRAM_SHIFT)) * 2 - 1)

/* The handle's current program (1 unless patron_program_use chose another). */
int64_t patron__program_id(patron_db *db);
/* Its name (a pointer into the handle's state). */
const char *patron__program_name(patron_db *db);

/* The first account id of program `program`. */
static inline int64_t patron__program_base(int64_t program)
{
    return program > 1 ? program << PATRON__PROGRAM_SHIFT : 0;
}
/* The member an account id names, and the program it belongs to. */
static inline int64_t patron__account_member(int64_t account)
{
    return account > PATRON__MEMBER_ID_MAX ? account & PATRON__MEMBER_ID_MAX : account;
}
static inline int64_t patron__account_program(int64_t account)
{
    return account > PATRON__MEMBER_ID_MAX ? account >> PATRON__PROGRAM_SHIFT : 1;
}
/* The account ids of the current program: [*lo, *hi]. The default
 * program's range takes every id below 2^40 (and any id a store might hold
 * below 1). */
void patron__program_range(patron_db *db, int64_t *lo, int64_t *hi);
/* The current program's account of `member` (no check of the bound: see
 * patron__program_account_check). */
int64_t patron__program_account(patron_db *db, int64_t member);
/* PATRON_ERANGE with a message naming `func` when `member` cannot have an
 * account in the current program (>= 2^40 outside the default program). */
int patron__program_account_check(patron_db *db, const char *func, int64_t member);

/* Whether `member` (resolved: not merged away) belongs to the current
 * program: always in the default program; elsewhere when joined. With
 * `joined` NULL, a member who has not joined is PATRON_ENOTFOUND naming
 * `func` and the program; else *joined says so (PATRON_OK). Earning rules,
 * budgets and tiers are per program (docs/guide/programs.md). */
int patron__program_member_check(patron_db *db, const char *func, int64_t member, int *joined);

/* A settings key of the current program: `key` itself in the default
 * program, "<key>@<id>" in another (out: at least 64 bytes). */
void patron__program_key(patron_db *db, char *out, size_t cap, const char *key);

/* The name of program `id` ("#3" when it cannot be read). */
void patron__program_name_of(patron_db *db, int64_t id, char *out, size_t cap);

/* The programs >= 2 in which `member` has joined (ascending; *ids is
 * patron__malloc'ed, NULL when none). */
int patron__program_joined(patron_db *db, int64_t member, int64_t **ids, size_t *n);
/* Record that `member` joined program `program` >= 2 and open its account
 * there (nothing when it has one); inside the caller's transaction. */
int patron__program_enter(patron_db *db, int64_t program, int64_t member, int64_t at);

/* Run `fn` with `program` as the handle's current program, then restore the
 * program that was current (for the calls that cover every program:
 * merges, the ledger check). */
int patron__program_with(patron_db *db, int64_t program, int (*fn)(patron_db *db, void *ctx), void *ctx);

#endif
