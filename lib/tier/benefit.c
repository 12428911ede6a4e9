/* Named tier benefits a till shows ("free shipping", "lounge"): a list per
 * tier name, set by patron_tier_set_benefits() and read for a member's
 * current tier by patron_tier_member_benefits(). */
#include <stdio.h>
#include <string.h>

#include "internal/program.h"
#include "internal/alloc.h"
#include "internal/audit.h"
#include "internal/error.h"
#include "internal/member.h"
#include "internal/sbuf.h"
#include "internal/store.h"
#include "internal/tier.h"
#include "patron/tier.h"

#define MAX_BENEFITS 32
#define BENEFIT_MAX 64

static int benefits_audit(patron_db *db, const char *tier, const char *const *benefits, size_t n)
{
    patron__sbuf b = {0};
    patron__sb_puts(&b, "{\"tier\":");
    patron__sb_json_str(&b, tier);
    patron__sb_puts(&b, ",\"benefits\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            patron__sb_puts(&b, ",");
        patron__sb_json_str(&b, benefits[i]);
    }
    patron__sb_puts(&b, "]}");
    char *json = patron__sb_take(&b);
    if (!json)
        return patron__oom();
    int rc = patron__audit(db, "tiers.benefits", 0, NULL, json);
    patron__free(json);
    return rc;
}

int patron_tier_set_benefits(patron_db *db, const char *tier, const char *const *benefits, size_t n)
{
    int rc = patron__db_check(db, "patron_tier_set_benefits");
    if (rc)
        return rc;
    if (n > MAX_BENEFITS || (n > 0 && !benefits))
        return patron__fail(PATRON_EINVAL, "patron_tier_set_benefits: %zu benefits (0..%d, and the array when > 0)", n,
                            MAX_BENEFITS);
    for (size_t i = 0; i < n; i++) {
        if (!benefits[i] || !benefits[i][0] || strlen(benefits[i]) > BENEFIT_MAX)
            return patron__fail(PATRON_EINVAL, "patron_tier_set_benefits: benefit %zu must be 1..%d bytes", i + 1,
                                BENEFIT_MAX);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(benefits[i], benefits[k]))
                return patron__fail(PATRON_EINVAL, "patron_tier_set_benefits: benefit '%s' is listed twice",
                                    benefits[i]);
    }
    if ((rc = patron__tx_begin(db)))
        return rc;
    int64_t program = patron__program_id(db); /* the current program's tier */
    rc = patron__tier_exists(db, "patron_tier_set_benefits", tier);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "DELETE FROM tier_benefits WHERE program = ? AND tier = ?", "it", program, tier);
    for (size_t i = 0; i < n && rc == PATRON_OK; i++)
        rc = patron__sql_run(db, "INSERT INTO tier_benefits(program, tier, position, benefit) VALUES(?,?,?,?)", "itit",
                             program, tier, (int64_t)i, benefits[i]);
    if (rc == PATRON_OK) /* the audit hook */
        rc = benefits_audit(db, tier, benefits, n);
    return patron__tx_end(db, rc);
}

int patron_tier_member_benefits(patron_db *db, patron_tier_benefit **out, size_t *n, int64_t member_id)
{
    int rc = patron__db_check(db, "patron_tier_member_benefits");
    if (rc)
        return rc;
    if (!out || !n)
        return patron__fail(PATRON_EINVAL, "patron_tier_member_benefits: out or n is NULL");
    int64_t member;
    char tier[PATRON__TIER_NAME_CAP];
    int has = 0;
    if ((rc = patron__member_resolve(db, &member, member_id, 0)) ||
        (rc = patron__tier_name(db, member, tier, sizeof tier, &has)))
        return rc;
    patron_tier_benefit *v = NULL;
    size_t k = 0;
    if (has) {
        v = patron__calloc(MAX_BENEFITS, sizeof *v);
        if (!v)
            return patron__oom();
        patron__stmt *st;
        if ((rc = patron__sql_bind(db, &st, "SELECT benefit FROM tier_benefits WHERE program = ? AND tier = ? "
                                            "ORDER BY position", "it", patron__program_id(db), tier))) {
            patron__free(v);
            return rc;
        }
        while ((rc = patron__sql_step(db, st)) == PATRON__ROW && k < MAX_BENEFITS) {
            snprintf(v[k].name, sizeof v[k].name, "%s", patron__sql_col_text(db, st, 0));
            snprintf(v[k].tier, sizeof v[k].tier, "%s", tier);
            k++;
        }
        patron__sql_done(db, st);
        if (rc < 0) {
            patron__free(v);
            return rc;
        }
    }
    if (k == 0) {
        patron__free(v);
        v = NULL;
    }
    *out = v;
    *n = k;
    return PATRON_OK;
}
