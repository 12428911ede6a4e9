/* Generator of tests/data/store_v2.sql: built against libpatron at schema
 * version 2 (commit 9a94271), it writes varied ledger history (FIFO redeem over
 * two lots, pending points, a transfer from two lots, a merge, reversals of a
 * merged member's redeem and earn, a return inside the window, expiry) and
 * prints the balances and statements the migration test asserts.
 * Not built by meson: kept for provenance. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "patron.h"
#define CK(x) do { int rc_ = (x); if (rc_) { fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, patron_errmsg()); return 1; } } while (0)
static int post(patron_db *db, int (*fn)(patron_db*, patron_posting_result*, const patron_posting_request*), const char *key, int64_t m, int64_t pts, int64_t at, int64_t target, int64_t exp, int64_t mature)
{
    patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
    r.key = key; r.member_id = m; r.points = pts; r.at = at; r.target = target; r.expires_at = exp; r.mature_at = mature;
    r.reason = "fixture"; r.operator_name = "op";
    patron_posting_result res;
    int rc = fn(db, &res, &r);
    if (rc) fprintf(stderr, "%s: %s\n", key, patron_errmsg());
    else printf("%s -> posting %lld points %lld\n", key, (long long)res.posting_id, (long long)res.points);
    return rc;
}
int main(void)
{
    unlink("v2.db");
    patron_db *db;
    CK(patron_open(&db, "v2.db", NULL));
    const int64_t t0 = 1700000000, d = 86400;
    int64_t m[4];
    const char *ph[] = {"+972501000001", "+972501000002", "+972501000003", "+972501000004"};
    for (int i = 0; i < 4; i++) {
        patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
        f.name = "Fixture"; f.phone = ph[i]; f.consent = "sms";
        CK(patron_profile_add(db, &m[i], &f, t0));
    }
    patron_ledger_policy pol = PATRON_LEDGER_POLICY_INIT;
    pol.expiry_months = 12;
    CK(patron_ledger_set_policy(db, &pol));
    CK(post(db, patron_ledger_earn, "e1", m[0], 100, t0, 0, 0, 0));
    CK(post(db, patron_ledger_earn, "e2", m[0], 50, t0 + d, 0, PATRON_NEVER, 0));
    CK(post(db, patron_ledger_earn, "e3", m[0], 30, t0 + 2 * d, 0, t0 + 40 * d, 0));
    CK(post(db, patron_ledger_redeem, "r1", m[0], 120, t0 + 3 * d, 0, 0, 0));          /* spans e1 + e2 */
    CK(post(db, patron_ledger_earn, "e4", m[1], 80, t0, 0, 0, t0 + 30 * d));           /* pending 30 days */
    CK(post(db, patron_ledger_earn, "e5", m[1], 20, t0 + d, 0, 0, 0));
    CK(post(db, patron_ledger_transfer, "t1", m[0], 40, t0 + 4 * d, m[2], 0, 0));      /* two source lots -> 2 lots */
    CK(post(db, patron_ledger_adjust, "a1", m[2], -5, t0 + 5 * d, 0, 0, 0));
    CK(post(db, patron_ledger_earn, "e6", m[3], 60, t0 + 5 * d, 0, 0, 0));
    CK(post(db, patron_ledger_redeem, "r2", m[3], 25, t0 + 6 * d, 0, 0, 0));
    CK(patron_profile_merge(db, m[2], m[3], t0 + 7 * d, "op", "fixture merge"));
    CK(post(db, patron_ledger_reverse, "v1", m[3], 10, t0 + 8 * d, 11, 0, 0));        /* reverse part of r2 (merged member) */
    CK(post(db, patron_ledger_reverse, "v3", m[2], 5, t0 + 8 * d, 10, 0, 0));         /* reverse part of e6 (merged member) */
    CK(post(db, patron_ledger_reverse, "v2", m[1], 0, t0 + 9 * d, 5, 0, 0));          /* return inside the window */
    CK(post(db, patron_ledger_earn, "e7", m[0], 15, t0 + 10 * d, 0, t0 + 20 * d, 0));
    int64_t n = 0, p = 0;
    CK(patron_ledger_expire(db, &n, &p, t0 + 45 * d));
    printf("expired %lld postings, %lld points\n", (long long)n, (long long)p);
    patron_ledger_report rep;
    CK(patron_ledger_check(db, &rep));
    printf("check: %lld members %lld postings %lld lots %lld problems\n", (long long)rep.members, (long long)rep.postings, (long long)rep.lots, (long long)rep.problems);
    int64_t when[] = {t0 + 2 * d, t0 + 10 * d, t0 + 50 * d, t0 + 400 * d};
    for (int i = 0; i < 4; i++)
        for (int w = 0; w < 4; w++) {
            patron_balance b;
            CK(patron_ledger_balance(db, &b, m[i], when[w]));
            printf("balance m%d at +%lldd: available %lld pending %lld expired_unposted %lld\n", i, (long long)((when[w] - t0) / d), (long long)b.available, (long long)b.pending, (long long)b.expired_unposted);
        }
    for (int i = 0; i < 4; i++) {
        patron_statement *s;
        CK(patron_ledger_statement(db, &s, m[i], 0, t0 + 1000 * d));
        printf("statement m%d: %zu postings, closing %lld\n", i, patron_statement_count(s), (long long)patron_statement_closing(s));
        patron_statement_free(s);
    }
    patron_close(db);
    return 0;
}
