/**
 * @file audit.h
 * @brief The audit trail: who changed what and when, for every
 *        administrative change, recorded in the same transaction as the change.
 *
 * Recorded actions (the `action` of an entry; docs/guide/audit.md lists the
 * `detail` of each): `policy.set` (patron_ledger_set_policy), `tiers.configure`
 * (patron_tier_configure), `rule.add` (patron_earn_rule_add), `points.adjust`
 * (patron_ledger_adjust), `member.merge` (patron_profile_merge),
 * `member.erase` (patron_profile_erase), `events.enable`
 * (patron_events_enable). A call that fails records nothing; an adjustment
 * replayed by its idempotency key records nothing new.
 *
 * Who: the actor set on the handle with patron_db_set_actor() (an operator,
 * an API client); when none is set, the operator the call itself names
 * (adjustments, merges and erasures require one); else "unknown".
 *
 * When: the system clock (UTC seconds) when the change is recorded; this is
 * the one place where libpatron reads the clock, since an audit entry says
 * when the change was made, whatever time the change itself states (that
 * time, where a call has one, is in the detail). patron_db_set_audit_time()
 * fixes the time instead (imports of old changes, tests).
 *
 * Thread safety: as for the #patron_db handle.
 */
#ifndef PATRON_AUDIT_H
#define PATRON_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "patron/common.h"
#include "patron/db.h"

PATRON_BEGIN_DECLS

/** @brief One entry of the audit trail. Strings are owned by the list it came from. */
typedef struct patron_audit_entry {
    int64_t id;         /**< Entry id (increasing in recording order on one handle). */
    int64_t at;         /**< When it was recorded (UTC seconds). */
    const char *actor;  /**< Who made the change. */
    const char *action; /**< What kind of change, e.g. "points.adjust". */
    int64_t member_id;  /**< The member it concerns, 0 for a program-wide change. */
    const char *detail; /**< JSON object: what changed. */
} patron_audit_entry;

/** @brief Entries of the audit trail (opaque); from patron_audit_list(). */
typedef struct patron_audit_entries patron_audit_entries;

/** @brief Which entries patron_audit_list() returns. Initialise with #PATRON_AUDIT_QUERY_INIT. */
typedef struct patron_audit_query {
    uint32_t size;       /**< `sizeof(patron_audit_query)`; set by #PATRON_AUDIT_QUERY_INIT. */
    int64_t member_id;   /**< Only entries about this member (0 = any). */
    const char *actor;   /**< Only entries by this actor (NULL = any). */
    int64_t since;       /**< Only entries recorded at or after this time (UTC seconds). */
    int64_t until;       /**< Only entries recorded before this time; 0 = no end. */
    int64_t after_id;    /**< Only entries with a larger id (paging; 0 = from the start). */
    int64_t limit;       /**< At most this many entries, 1..100000; 0 = 1000. */
} patron_audit_query;

/** @brief Default query: every entry, the first 1000 in id order. */
#define PATRON_AUDIT_QUERY_INIT { (uint32_t)sizeof(patron_audit_query), 0, NULL, 0, 0, 0, 0 }

/**
 * @brief Set who the handle's later administrative changes are recorded as.
 * @param db Open store.
 * @param actor 1..200 bytes (copied), or NULL to clear (then a call's own operator is recorded).
 * @return #PATRON_OK, #PATRON_EINVAL (NULL db, empty or too long), #PATRON_ENOMEM.
 */
PATRON_API int patron_db_set_actor(patron_db *db, const char *actor);

/**
 * @brief Stamp the handle's later audit entries with @p at instead of the system clock.
 * @param db Open store.
 * @param at A time in [#PATRON_STORE_TIME_MIN, #PATRON_STORE_TIME_MAX), or -1 for the system clock again.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ENOMEM.
 */
PATRON_API int patron_db_set_audit_time(patron_db *db, int64_t at);

/**
 * @brief The entries matching @p query, in id order.
 * @param db Open store.
 * @param[out] out [handle] Receives the list; release with patron_audit_entries_free().
 * @param[in] query [value] Filters (NULL: #PATRON_AUDIT_QUERY_INIT).
 * @return #PATRON_OK; #PATRON_EINVAL (a filter out of range: named in the message);
 *         #PATRON_ENOMEM; store errors.
 */
PATRON_API int patron_audit_list(patron_db *db, patron_audit_entries **out, const patron_audit_query *query);

/** @brief Number of entries in a list (0 for NULL). */
PATRON_API size_t patron_audit_entries_count(const patron_audit_entries *list);

/**
 * @brief The i-th entry of a list.
 * @return Pointer owned by @p list (valid until patron_audit_entries_free()), or NULL when @p i is out of range.
 */
PATRON_API const patron_audit_entry *patron_audit_entries_get(const patron_audit_entries *list, size_t i);

/** @brief Release a list (NULL is a no-op). */
PATRON_API void patron_audit_entries_free(patron_audit_entries *list);

PATRON_END_DECLS

#endif /* PATRON_AUDIT_H */
