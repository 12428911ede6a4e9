/* Reconciliation: patron_ledger_check() (model in ledger_int.h). Each check
 * is one aggregate query joined on group-by subqueries (no correlated
 * subqueries), so the whole check is O(n log n) in the size of the ledger. */
#include <inttypes.h>
#include <stdio.h>

#include "internal/program.h"
#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/member.h"
#include "ledger_int.h"

/* Every lot: a posting that is its own lot, or a lots row (negative id). */
#define ALL_LOTS                                                                                     \
    "(SELECT p.id AS lot, p.member_id AS member, p.id AS posting, p.points AS initial, "             \
    "p.lot_expires_at AS expires FROM postings p WHERE p.lot_expires_at IS NOT NULL UNION ALL "      \
    "SELECT -l.id, l.member_id, l.posting_id, l.initial, l.expires_at FROM lots l)"
/* ... with its remaining points */
#define LOTS_LEFT                                                                                    \
    "(SELECT L.lot, L.member, L.posting, L.initial, L.expires, coalesce(s.remaining, L.initial) AS pts_left " \
    "FROM " ALL_LOTS " L LEFT JOIN lot_state s ON s.member_id = L.member AND s.lot_id = L.lot)"

static const char *const checks[][2] = {
    {"SELECT a.member_id, a.total, coalesce(s.v, 0) FROM accounts a LEFT JOIN "
     "(SELECT member_id, sum(points) AS v FROM postings GROUP BY member_id) s ON s.member_id = a.member_id "
     "WHERE a.total != coalesce(s.v, 0)",
     "member balance differs from the sum of its postings"},
    {"SELECT a.member_id, a.total, coalesce(s.v, 0) - a.debt FROM accounts a LEFT JOIN "
     "(SELECT member, sum(pts_left) AS v FROM " LOTS_LEFT " X GROUP BY member) s ON s.member = a.member_id "
     "WHERE a.total != coalesce(s.v, 0) - a.debt",
     "member balance differs from its lots minus its debt"},
    {"SELECT a.member_id, a.debt, -coalesce(s.v, 0) FROM accounts a LEFT JOIN "
     "(SELECT member_id, sum(delta) AS v FROM moves WHERE lot_id = 0 GROUP BY member_id) s "
     "ON s.member_id = a.member_id "
     "WHERE a.debt != -coalesce(s.v, 0) OR a.debt < 0",
     "member debt differs from its overdraft movements or is negative"},
    {"SELECT L.lot, L.pts_left, L.initial + coalesce(s.v, 0) FROM " LOTS_LEFT " L LEFT JOIN "
     "(SELECT member_id, lot_id, sum(delta) AS v FROM moves WHERE lot_id != 0 GROUP BY member_id, lot_id) s "
     "ON s.member_id = L.member AND s.lot_id = L.lot "
     "WHERE L.pts_left != L.initial + coalesce(s.v, 0) OR L.pts_left < 0 OR L.pts_left > L.initial",
     "lot remaining differs from its movements or is out of range"},
    /* a movement and its lot are one member's: naming another member's
     * lot is naming none */
    {"SELECT m.posting_id, m.lot_id, 0 FROM moves m LEFT JOIN " ALL_LOTS " L ON L.member = m.member_id "
     "AND L.lot = m.lot_id WHERE m.lot_id != 0 AND L.lot IS NULL",
     "movement names no lot of its member"},
    {"SELECT s.lot_id, s.remaining, 0 FROM lot_state s LEFT JOIN " ALL_LOTS " L ON L.member = s.member_id "
     "AND L.lot = s.lot_id WHERE L.lot IS NULL",
     "remaining points recorded for no lot of that member"},
    {"SELECT m.posting_id, m.member_id, 0 FROM moves m LEFT JOIN postings p ON p.member_id = m.member_id "
     "AND p.id = m.posting_id WHERE p.id IS NULL",
     "lot movement names no posting of its member (posting, member)"},
    {"SELECT p.id, p.points, CASE WHEN p.lot_expires_at IS NULL THEN 0 ELSE p.points END + coalesce(a.v, 0) + "
     "coalesce(b.v, 0) FROM postings p LEFT JOIN "
     "(SELECT member_id, posting_id, sum(delta) AS v FROM moves GROUP BY member_id, posting_id) a "
     "ON a.member_id = p.member_id AND a.posting_id = p.id LEFT JOIN "
     "(SELECT member_id, posting_id, sum(initial) AS v FROM lots GROUP BY member_id, posting_id) b "
     "ON b.member_id = p.member_id AND b.posting_id = p.id "
     "WHERE p.points != CASE WHEN p.lot_expires_at IS NULL THEN 0 ELSE p.points END + coalesce(a.v, 0) + coalesce(b.v, 0)",
     "posting amount differs from its lots and lot movements"},
    {"SELECT l.id, l.member_id, 0 FROM lots l LEFT JOIN postings p ON p.member_id = l.member_id "
     "AND p.id = l.posting_id WHERE p.id IS NULL",
     "lot names no posting of its member (lot, member)"},
    {"SELECT a.member_id, a.next_expiry, s.v FROM accounts a JOIN "
     "(SELECT member, min(expires) AS v FROM " LOTS_LEFT " X WHERE pts_left > 0 GROUP BY member) s "
     "ON s.member = a.member_id WHERE a.next_expiry > s.v",
     "member expiry cache is later than an open lot's expiry"},
    {"SELECT a.member_id, a.pending_until, s.v FROM accounts a JOIN "
     "(SELECT member_id, max(effective_at) AS v FROM postings GROUP BY member_id) s "
     "ON s.member_id = a.member_id WHERE a.pending_until < s.v",
     "member maturity cache is earlier than a posting"},
    {"SELECT a.member_id, a.head, coalesce(s.v, 0) FROM accounts a LEFT JOIN "
     "(SELECT member_id, max(id) AS v FROM postings GROUP BY member_id) s ON s.member_id = a.member_id "
     "WHERE a.head != coalesce(s.v, 0)",
     "member's newest posting differs from the head of its chain"},
    /* with the head check, these two make the chain one path through all of
     * a member's postings: each links to an older posting of the same
     * member, and no two link to the same one */
    {"SELECT p.id, p.prev, coalesce(q.member_id, -1) FROM postings p LEFT JOIN postings q "
     "ON q.member_id = p.member_id AND q.id = p.prev WHERE p.prev != 0 AND (q.id IS NULL OR q.id >= p.id)",
     "posting chain links to another member's or a newer posting"},
    {"SELECT member_id, prev, count(*) FROM postings GROUP BY member_id, prev HAVING count(*) > 1",
     "posting chain forks (member, previous posting, links)"},
    {"SELECT L.lot, L.member, L.pts_left FROM " LOTS_LEFT " L JOIN accounts a ON a.member_id = L.member "
     "LEFT JOIN open_lots o ON o.member_id = L.member AND o.lot_id = L.lot "
     "WHERE L.pts_left > 0 AND (L.lot < 0 OR L.lot <= a.lots_indexed) AND o.lot_id IS NULL",
     "open lot missing from the FIFO index (lot, member, points)"},
    {"SELECT o.lot_id, o.member_id, coalesce(L.pts_left, -1) FROM open_lots o LEFT JOIN " LOTS_LEFT " L "
     "ON L.member = o.member_id AND L.lot = o.lot_id WHERE L.lot IS NULL OR L.pts_left <= 0 "
     "OR L.posting != o.posting",
     "FIFO index names an empty, unknown or other member's lot (lot, member, points)"},
    {"SELECT member_id, lots_indexed, head FROM accounts WHERE lots_indexed > head OR lots_indexed < 0",
     "member's lots indexed beyond its newest posting"},
    /* a subquery rather than a self-join on `merged`, which is not the
     * column a distributed accounts table is split by */
    {"SELECT a.member_id, a.merged, 0 FROM accounts a WHERE a.merged != 0 "
     "AND a.merged NOT IN (SELECT member_id FROM accounts WHERE merged = 0)",
     "merged account names an account that is missing or merged itself (account, merged into)"},
    /* grouped by an expression, so the table itself is read: a damaged key
     * index (which let a retry post twice) cannot hide the duplicate */
    {"SELECT min(id), max(id), count(*) FROM postings WHERE key IS NOT NULL GROUP BY key || '' HAVING count(*) > 1",
     "idempotency key posted more than once (first posting, last posting, count)"},
    /* the keys' own table (unique across members) and the postings agree:
     * as many key rows as keyed postings, each naming its posting. Counted
     * with an inner join (a database that splits the two tables by
     * different columns can run it; not an outer one) */
    {"SELECT a.n, b.n, c.n FROM (SELECT count(*) AS n FROM postings WHERE key IS NOT NULL) a, "
     "(SELECT count(*) AS n FROM posting_keys) b, "
     "(SELECT count(*) AS n FROM postings p JOIN posting_keys k ON k.member_id = p.member_id AND k.id = p.id "
     "AND k.key = p.key) c WHERE a.n != c.n OR b.n != c.n",
     "keyed postings and idempotency key rows disagree (keyed postings: key rows vs those naming their posting)"},
};

/* The history: balances at every effective time, not only now. Running
 * sums over time (window functions, one sort of the ledger). */
static const char *const history_checks[][2] = {
    /* each member's available balance at every moment: its postings by
     * effective time, and the points left in its lots leaving at their
     * expiry (posted or not); debt handed over by merges (the survivor's
     * merge adjustments) may go beyond the program's limit */
    {"SELECT s.member, s.bal, s.t FROM (SELECT member, t, sum(v) OVER (PARTITION BY member ORDER BY t) AS bal FROM "
     "(SELECT member_id AS member, effective_at AS t, points AS v FROM postings UNION ALL "
     "SELECT member, expires, -pts_left FROM " LOTS_LEFT " X WHERE pts_left > 0 AND expires < 9223372036854775807) e) s "
     "LEFT JOIN (SELECT member_id, sum(-points) AS d FROM postings WHERE kind = 4 AND key IS NULL AND points < 0 "
     "GROUP BY member_id) md ON md.member_id = s.member WHERE s.bal < -(?1 + coalesce(md.d, 0))",
     "member balance below minus the largest overdraft limit the program has had (member, balance, at)"},
    /* a lot is used only from when its member got it: no movement (a
     * debit, an expiry, a merge) counts before the posting that created it */
    {"SELECT m.lot_id, m.posting_id, p.effective_at FROM moves m JOIN postings p ON p.member_id = m.member_id "
     "AND p.id = m.posting_id JOIN " ALL_LOTS " L ON L.member = m.member_id AND L.lot = m.lot_id "
     "JOIN postings c ON c.member_id = m.member_id AND c.id = L.posting "
     "WHERE m.lot_id != 0 AND p.effective_at < c.effective_at AND ?1 >= 0",
     "lot moved before its member had it (lot, posting, at)"},
    /* an expire posting removes only points its lot held at its effective
     * time */
    {"SELECT x.lot, x.bal, x.t FROM (SELECT lot, t, is_exp, "
     "sum(v) OVER (PARTITION BY member, lot ORDER BY t) AS bal FROM "
     "(SELECT L.member AS member, L.lot AS lot, c.effective_at AS t, L.initial AS v, 0 AS is_exp FROM " ALL_LOTS " L "
     "JOIN postings c ON c.member_id = L.member AND c.id = L.posting UNION ALL "
     "SELECT m.member_id, m.lot_id, p.effective_at, m.delta, CASE WHEN p.kind = 3 THEN 1 ELSE 0 END FROM moves m "
     "JOIN postings p ON p.member_id = m.member_id AND p.id = m.posting_id WHERE m.lot_id != 0) e) x WHERE x.is_exp = 1 AND x.bal < 0 AND ?1 >= 0",
     "expire posting removes more than its lot held at its effective time (lot, points left, at)"},
};

int patron__ledger_overdraft_max(patron_db *db, int64_t *out)
{
    char *v = NULL;
    int rc = patron__ledger_policy_load(db);
    if (rc == PATRON_OK)
        rc = patron__setting_get(db, "ledger_overdraft_max", &v);
    if (rc)
        return rc;
    long long m = 0;
    if (v && sscanf(v, "%lld", &m) != 1) {
        patron__free(v);
        return patron__fail(PATRON_ECORRUPT, "stored ledger_overdraft_max is unreadable");
    }
    patron__free(v);
    /* stores written before it was kept: the policy in force is all we know */
    int64_t now = patron__ledger_policy(db)->overdraft;
    *out = m > now ? m : now;
    return PATRON_OK;
}

static int check_query(patron_db *db, int64_t *problems, const char *sql, const char *what, int64_t limit)
{
    patron__stmt *st;
    int rc = limit < 0 ? patron__sql_bind(db, &st, sql, "") : patron__sql_bind(db, &st, sql, "i", limit);
    if (rc)
        return rc;
    int first = 1;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        if (first && *problems == 0)
            patron__fail(PATRON_ECORRUPT, "%s: id %" PRId64 " (%" PRId64 " vs %" PRId64 ")", what,
                         patron__sql_col_int(db, st, 0), patron__sql_col_int(db, st, 1), patron__sql_col_int(db, st, 2));
        first = 0;
        (*problems)++;
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

int patron_ledger_check(patron_db *db, patron_ledger_report *report)
{
    int rc = patron__db_check(db, "patron_ledger_check");
    if (rc)
        return rc;
    patron_ledger_report r = {0, 0, 0, 0};
    /* members: the default program's accounts (every enrolled member has
     * one); the checks below run over every program's rows */
    rc = patron__sql_int(db, &r.members, 0, "SELECT count(*) FROM accounts WHERE member_id <= ?", "i",
                         PATRON__MEMBER_ID_MAX);
    if (rc == PATRON_OK)
        rc = patron__sql_int(db, &r.postings, 0, "SELECT count(*) FROM postings", "");
    if (rc == PATRON_OK)
        rc = patron__sql_int(db, &r.lots, 0, "SELECT count(*) FROM " ALL_LOTS " L", "");
    for (size_t i = 0; i < sizeof checks / sizeof checks[0] && rc == PATRON_OK; i++)
        rc = check_query(db, &r.problems, checks[i][0], checks[i][1], -1);
    int64_t limit = 0;
    if (rc == PATRON_OK)
        rc = patron__ledger_overdraft_max(db, &limit);
    for (size_t i = 0; i < sizeof history_checks / sizeof history_checks[0] && rc == PATRON_OK; i++)
        rc = check_query(db, &r.problems, history_checks[i][0], history_checks[i][1], limit);
    if (rc)
        return rc;
    /* every member the core enrolled has an account (the core's count: the
     * ledger reads no other module's table) */
    int64_t members = 0;
    if ((rc = patron__member_count(db, &members)))
        return rc;
    if (members != r.members) {
        if (r.problems == 0)
            patron__fail(PATRON_ECORRUPT, "members and ledger accounts differ in number: %" PRId64 " vs %" PRId64,
                         members, r.members);
        r.problems++;
    }
    /* the backend's own check of its files or pages */
    char msg[512];
    int bad = db->vt->integrity(db->impl, msg, sizeof msg);
    if (bad > 0) {
        if (r.problems == 0)
            patron__fail(PATRON_ECORRUPT, "%s", msg);
        r.problems += bad;
    }
    if (report)
        *report = r;
    if (r.problems)
        return patron__fail_prefix(PATRON_ECORRUPT, "%" PRId64 " discrepancies; first: ", r.problems);
    return PATRON_OK;
}
