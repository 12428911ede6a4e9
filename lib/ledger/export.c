/* What a member's data export and card read from the ledger
 * (internal/ledger.h). */
#include <stdio.h>

#include "internal/alloc.h"
#include "internal/ledger.h"
#include "internal/program.h"
#include "ledger_int.h"

int patron__ledger_total(patron_db *db, int64_t member, int64_t *total)
{
    return patron__sql_int(db, total, 0, "SELECT total FROM accounts WHERE member_id = ?", "i", member);
}

int patron__ledger_export(patron_db *db, patron__sbuf *b, int64_t member)
{
    static const char *const names[] = {"id", "member_id", "kind", "points", "at", "effective_at", "key", "rule",
                                        "rule_version", "reason", "operator", "ref", "target"};
#define EXPORT_COLUMNS                                                                                     \
    "SELECT p.id, p.member_id % 1099511627776, CASE p.kind WHEN 1 THEN 'earn' WHEN 2 "                                     \
    "THEN 'redeem' WHEN 3 THEN 'expire' WHEN 4 THEN 'adjust' WHEN 5 THEN 'reverse' WHEN 6 THEN 'transfer_out' " \
    "ELSE 'transfer_in' END, p.points, p.at, p.effective_at, p.key, p.rule, p.rule_version, p.reason, "     \
    "p.operator, p.ref, p.target FROM chain c "
    static const char sql[] =
        PATRON__CHAIN(PATRON__ACCOUNT_AND_MERGED) EXPORT_COLUMNS "JOIN postings p ON p.id = c.id ORDER BY p.id";
    static const char one[] = PATRON__CHAIN1 EXPORT_COLUMNS "JOIN postings p ON p.id = c.id AND p.member_id = ?1 ORDER BY p.id";
    /* (member_id % 2^40: the member, whichever program's account the row is of) */
    int merged = 0;
    int rc = patron__ledger_has_merged(db, member, &merged);
    if (rc == PATRON_OK)
        rc = patron__sql_export_rows(db, b, "postings", merged ? sql : one, member, names, "iitiiittittti");
    /* the postings of every other program the member joined, as "postings@<program>" */
    int64_t *programs = NULL;
    size_t n = 0;
    if (rc == PATRON_OK)
        rc = patron__program_joined(db, member, &programs, &n);
    for (size_t i = 0; i < n && rc == PATRON_OK; i++) {
        int64_t acct = patron__program_base(programs[i]) + member;
        char name[72], title[96];
        patron__program_name_of(db, programs[i], name, sizeof name);
        snprintf(title, sizeof title, "postings@%s", name);
        rc = patron__ledger_has_merged(db, acct, &merged);
        if (rc == PATRON_OK)
            rc = patron__sql_export_rows(db, b, title, merged ? sql : one, acct, names, "iitiiittittti");
    }
    patron__free(programs);
    return rc;
}
