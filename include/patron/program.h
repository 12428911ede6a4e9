/**
 * @file program.h
 * @brief Several loyalty programs in one store (two clubs of one brand, or
 *        a coalition of partner businesses).
 *
 * A program has its own ledger policy and its own balances (accounts,
 * postings, lots). Members, profiles, purchases, consents and the events
 * outbox are shared by every program of the store. A handle works in one
 * program at a time, the "current" one: every ledger call on the handle
 * (earn, redeem, adjust, transfer, reverse, release, expire, balances,
 * statements, the policy, the liability and points reports, the balances of
 * the mart frame, the "points expiring" events) applies to it. A handle
 * starts in the program named "default" (id 1), which every store has and
 * every member joins when enrolled; a caller that never names a program sees
 * what a store without programs shows.
 *
 * Member ids are below 2^40 (about 1.1e12); every program may hold as many
 * members. A store holds up to 8388606 programs besides the default.
 *
 * Shared by every program of a store: posting keys (a key used in one
 * program is #PATRON_ECONFLICT in another, with a message naming the
 * program that used it) and purchase keys. Earning rules, budgets and tier
 * definitions are the store's (not yet per program): see
 * docs/guide/programs.md.
 */
#ifndef PATRON_PROGRAM_H
#define PATRON_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "patron/common.h"
#include "patron/db.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief The name of the program every store has (id 1). */
#define PATRON_PROGRAM_DEFAULT "default"

/** @brief Program names read by patron_program_list() or patron_program_member_list() (opaque). */
typedef struct patron_program_names patron_program_names;

/**
 * @brief Create a program (its ledger is empty, its policy the default one:
 *        no expiry, no hold, no overdraft). Audited as `program.create`.
 * @param db Open store.
 * @param name 1..64 lower-case letters, digits, '_' or '-'.
 * @return #PATRON_OK; #PATRON_EINVAL (a bad name, quoted); #PATRON_ECONFLICT
 *         (a program of that name exists); store errors.
 */
PATRON_API int patron_program_create(patron_db *db, const char *name);

/**
 * @brief Make `name` the handle's current program: the ledger calls made
 *        on this handle from now on apply to it.
 * @param db Open store.
 * @param name An existing program's name ("default" for the store's first).
 * @return #PATRON_OK; #PATRON_ENOTFOUND (no such program; the current one is unchanged); store errors.
 */
PATRON_API int patron_program_use(patron_db *db, const char *name);

/**
 * @brief The handle's current program.
 * @param db Open store.
 * @return Its name, owned by the handle (valid until the next patron_program_use()
 *         or patron_close()); NULL when @p db is NULL.
 */
PATRON_API const char *patron_program_current(patron_db *db);

/**
 * @brief Every program of the store, in creation order.
 * @param db Open store.
 * @param[out] out [handle] Receives the list; release with patron_program_names_free().
 * @return #PATRON_OK; store errors.
 */
PATRON_API int patron_program_list(patron_db *db, patron_program_names **out);

/**
 * @brief Make a member a member of the current program (opens the member's
 *        account in it). Joining a program the member has joined already
 *        changes nothing; every enrolled member is in the default program.
 * @param db Open store.
 * @param member_id The member (a merged member's id names the member it was merged into).
 * @param at When the member joined (UTC seconds).
 * @return #PATRON_OK; #PATRON_ENOTFOUND (no such member, or an erased one);
 *         #PATRON_ERANGE (the member id is 2^40 or more); store errors.
 */
PATRON_API int patron_program_join(patron_db *db, int64_t member_id, int64_t at);

/**
 * @brief The programs a member belongs to (the default one first, then in creation order).
 * @param db Open store.
 * @param[out] out [handle] Receives the list; release with patron_program_names_free().
 * @param member_id The member (a merged member's id names the member it was merged into).
 * @return #PATRON_OK; #PATRON_ENOTFOUND (no such member); store errors.
 */
PATRON_API int patron_program_member_list(patron_db *db, patron_program_names **out, int64_t member_id);

/** @brief One member of a program (see patron_program_members()). */
typedef struct patron_program_member {
    int64_t member_id; /**< The member. */
    int64_t joined_at; /**< When the member joined the program (UTC seconds); 0 in the default program (enrolment: see the profile). */
} patron_program_member;

/**
 * @brief The members of the current program (members merged into another
 *        are left out), in id order.
 * @param db Open store.
 * @param[out] out [list: n, owned] Receives an array of *n members (free with patron_free()); NULL when there are none.
 * @param[out] n [value] Receives the number of members.
 * @return #PATRON_OK; store errors.
 */
PATRON_API int patron_program_members(patron_db *db, patron_program_member **out, size_t *n);

/** @brief Number of names in @p list (0 for NULL). */
PATRON_API size_t patron_program_names_count(const patron_program_names *list);

/**
 * @brief Name @p i of @p list.
 * @return Pointer owned by @p list (valid until patron_program_names_free()), or NULL when @p i is out of range.
 */
PATRON_API const char *patron_program_names_get(const patron_program_names *list, size_t i);

/** @brief Release a list (NULL is a no-op). */
PATRON_API void patron_program_names_free(patron_program_names *list);

#ifdef __cplusplus
}
#endif

#endif
