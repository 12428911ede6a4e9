/* What a member's data export and card read from the ledger
 * (internal/ledger.h). */
#include "internal/ledger.h"
#include "ledger_int.h"

int patron__ledger_total(patron_db *db, int64_t member, int64_t *total)
{
    return patron__sql_int(db, total, 0, "SELECT total FROM accounts WHERE member_id = ?", "i", member);
}

int patron__ledger_export(patron_db *db, patron__sbuf *b, int64_t member)
{
    static const char *const names[] = {"id", "member_id", "kind", "points", "at", "effective_at", "key", "rule",
                                        "rule_version", "reason", "operator", "ref", "target"};
    return patron__sql_export_rows(
        db, b, "postings",
        PATRON__CHAIN(PATRON__ACCOUNT_AND_MERGED) "SELECT p.id, p.member_id, CASE p.kind WHEN 1 THEN 'earn' WHEN 2 "
        "THEN 'redeem' WHEN 3 THEN 'expire' WHEN 4 THEN 'adjust' WHEN 5 THEN 'reverse' WHEN 6 THEN 'transfer_out' "
        "ELSE 'transfer_in' END, p.points, p.at, p.effective_at, p.key, p.rule, p.rule_version, p.reason, "
        "p.operator, p.ref, p.target FROM chain c JOIN postings p ON p.id = c.id ORDER BY p.id",
        member, names, "iitiiittittti");
}
