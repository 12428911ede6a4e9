/* Internal: the member core (lib/member). Below every module that keeps
 * state per member (profile, ledger, earn, tier, journey): it owns the
 * `members` table — a member's id, when it joined and was created, whom it
 * was merged into, when it was erased, who referred it — and answers "which
 * member does this id mean now" by following merges. It calls no other
 * module; the modules above it never read its table. Merging and erasing
 * are orchestrated above it (lib/profile/merge.c): the core only records the
 * outcome. */
#ifndef PATRON_INTERNAL_MEMBER_H
#define PATRON_INTERNAL_MEMBER_H

#include <stddef.h>
#include <stdint.h>

#include "patron/db.h"

/* A new member: *id receives its id. */
int patron__member_create(patron_db *db, int64_t *id, int64_t joined_at, int64_t created_at);

/* The active member id that `member_id` resolves to (following merges);
 * ENOTFOUND (with message) for unknown ids; erased members resolve to
 * themselves (their accounts still exist) unless `need_active`. */
int patron__member_resolve(patron_db *db, int64_t *out, int64_t member_id, int need_active);

/* Walk `kept` and the members merged into it (merges are flattened: every
 * one of them names `kept`): `kept` first, then the merged ones in
 * increasing id order. *next receives the member after `cur` (a member of
 * the group), 0 after the last:
 *     for (int64_t m = kept; rc == PATRON_OK && m;) {
 *         ... m ...; rc = patron__member_group_next(db, kept, m, &m); } */
int patron__member_group_next(patron_db *db, int64_t kept, int64_t cur, int64_t *next);

/* The first active (neither merged nor erased) member id above `after`, 0
 * when none. */
int patron__member_next_active(patron_db *db, int64_t after, int64_t *next);

/* Call `each` for every member that was merged (merged_into: the member it
 * now belongs to) or erased (erased = 1), in id order; for bulk readers
 * that map many ids at once instead of resolving each. A non-zero return
 * from `each` stops the walk and is returned. */
int patron__member_each_changed(patron_db *db, int (*each)(void *ctx, int64_t id, int64_t merged_into, int erased),
                                void *ctx);

/* Bulk readers' map of members whose records are not their own: merged
 * (-> the member they joined) or erased (-> 0). Sorted by id. */
typedef struct patron__member_remap {
    int64_t *id, *to;
    size_t n, cap;
} patron__member_remap;

int patron__member_remap_load(patron_db *db, patron__member_remap *m);
/* Who the member `id` is now (itself when neither merged nor erased); 0 = erased. */
int64_t patron__member_remap_find(const patron__member_remap *m, int64_t id);
void patron__member_remap_free(patron__member_remap *m);

/* How many members the store has ever enrolled (merged and erased ones
 * included). */
int patron__member_count(patron_db *db, int64_t *n);

int patron__member_joined_at(patron_db *db, int64_t id, int64_t *joined_at);
int patron__member_set_joined_at(patron_db *db, int64_t id, int64_t joined_at);

/* Who referred `id` (0: nobody), and recording it. */
int patron__member_referrer(patron_db *db, int64_t id, int64_t *referrer);
int patron__member_set_referrer(patron_db *db, int64_t id, int64_t referrer);

/* Record a merge: `merged` and every member merged into it now name `kept`;
 * `kept` takes the earlier join time and, if it has none, the referrer. */
int patron__member_record_merge(patron_db *db, int64_t kept, int64_t merged);

/* Record the erasure of `id` and of the members merged into it. */
int patron__member_record_erasure(patron_db *db, int64_t id, int64_t at);

#endif
