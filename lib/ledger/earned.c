/* Read-only ledger questions for the earning rules and tiers (see
 * internal/ledger.h): earned points net of reversals, a rule's live
 * awards, one posting's net points. */
#include <stdio.h>

#include "internal/ledger.h"
#include "internal/program.h"
#include "internal/store.h"
#include "ledger_int.h"
#include "patron/ledger.h"

/* net of a posting p: its points plus every reversal targeting it */
#define NET_OF_P "p.points + coalesce((SELECT sum(r.points) FROM postings r WHERE r.target = p.id AND r.kind = 5), 0)"

/* ... of member ?1 alone (its reversals are its own: nothing is merged into it) */
#define NET_OF_P1 "p.points + coalesce((SELECT sum(r.points) FROM postings r WHERE r.member_id = ?1 " \
    "AND r.target = p.id AND r.kind = 5), 0)"

int patron__ledger_earned(patron_db *db, int64_t member, int64_t after, int64_t until, int64_t *points)
{
    static const char sql[] = PATRON__CHAIN(PATRON__ACCOUNT_AND_MERGED)
        "SELECT coalesce(sum(" NET_OF_P "), 0) FROM chain c JOIN postings p ON p.id = c.id "
        "WHERE p.kind = 1 AND p.at > ?2 AND p.at <= ?3";
    static const char one[] = PATRON__CHAIN1
        "SELECT coalesce(sum(" NET_OF_P1 "), 0) FROM chain c JOIN postings p ON p.id = c.id AND p.member_id = ?1 "
        "WHERE p.kind = 1 AND p.at > ?2 AND p.at <= ?3";
    int merged = 0;
    member = patron__program_account(db, member); /* the current program's account */
    int rc = patron__ledger_has_merged(db, member, &merged);
    return rc ? rc : patron__sql_int(db, points, 0, merged ? sql : one, "iii", member, after, until);
}

int patron__ledger_rule_awards(patron_db *db, int64_t member, const char *rule, int64_t after, int64_t before,
                               int64_t *count)
{
    static const char sql[] = PATRON__CHAIN(PATRON__ACCOUNT_AND_MERGED)
        "SELECT count(*) FROM chain c JOIN postings p ON p.id = c.id "
        "WHERE p.kind = 1 AND p.rule = ?2 AND p.at > ?3 AND p.at < ?4 AND " NET_OF_P " > 0";
    static const char one[] = PATRON__CHAIN1
        "SELECT count(*) FROM chain c JOIN postings p ON p.id = c.id AND p.member_id = ?1 "
        "WHERE p.kind = 1 AND p.rule = ?2 AND p.at > ?3 AND p.at < ?4 AND " NET_OF_P1 " > 0";
    int merged = 0;
    member = patron__program_account(db, member); /* the current program's account */
    int rc = patron__ledger_has_merged(db, member, &merged);
    return rc ? rc : patron__sql_int(db, count, 0, merged ? sql : one, "itii", member, rule, after, before);
}

int patron__ledger_key_net(patron_db *db, const char *key, int64_t *id, int64_t *net)
{
    static const char sql[] = "SELECT p.id, " NET_OF_P " FROM postings p WHERE p.key = ?";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "t", key);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    *id = 0;
    *net = 0;
    if (rc == PATRON__ROW) {
        *id = patron__sql_col_int(db, st, 0);
        *net = patron__sql_col_int(db, st, 1);
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

int patron__ledger_purchase_earns(patron_db *db, const char *purchase_key, int64_t *ids, char (*keys)[200],
                                  size_t cap, size_t *n)
{
    /* the key range "<key>/" .. "<key>0" ('0' follows '/') uses the key index */
    char lo[200], hi[200];
    snprintf(lo, sizeof lo, "%s/", purchase_key);
    snprintf(hi, sizeof hi, "%s0", purchase_key);
    patron__stmt *st;
    *n = 0;
    /* an earn held until an action and released is replaced by its released
     * earn ("<key>:released", in the same range): only that one is listed */
    int rc = patron__sql_bind(db, &st, "SELECT p.id, p.key FROM postings p WHERE p.key >= ? AND p.key < ? AND "
                                       "p.kind = 1 AND NOT EXISTS (SELECT 1 FROM postings r WHERE r.key = p.key || "
                                       "':released') ORDER BY p.id",
                              "tt", lo, hi);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW)
        if (*n < cap) {
            ids[*n] = patron__sql_col_int(db, st, 0);
            snprintf(keys[*n], sizeof keys[*n], "%s", patron__sql_col_text(db, st, 1));
            (*n)++;
        }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

int patron__ledger_posting_program(patron_db *db, int64_t id, int64_t *program)
{
    int64_t acct = 0;
    int rc = patron__sql_int(db, &acct, 0, "SELECT member_id FROM postings WHERE id = ?", "i", id);
    *program = rc == PATRON_OK ? patron__account_program(acct) : 1;
    return rc;
}
