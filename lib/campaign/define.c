/* Campaign definitions: checked, fingerprinted and stored once per name. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign_int.h"
#include "internal/alloc.h"
#include "internal/audit.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/options.h"
#include "internal/sbuf.h"
#include "internal/store.h"
#include "internal/text.h"
#include "patron/segment.h"

static int check_def(const char *func, const patron_campaign_def *d)
{
    int rc;
    if ((rc = patron__key_check(func, "name", d->name, 200)) || (rc = patron__text_check(func, "offer", d->offer, 1000)))
        return rc;
    if (!(d->control_share >= 0 && d->control_share <= 0.9))
        return patron__fail(PATRON_EINVAL, "%s: control_share %g is not in [0, 0.9]", func, d->control_share);
    if (d->conversion_days < 1 || d->conversion_days > 365)
        return patron__fail(PATRON_EINVAL, "%s: conversion_days %d is not 1..365", func, (int)d->conversion_days);
    if ((d->starts != PATRON_TIME_NONE && (rc = patron__time_check(func, "starts", d->starts))) ||
        (d->ends != PATRON_TIME_NONE && (rc = patron__time_check(func, "ends", d->ends))))
        return rc;
    if (d->starts != PATRON_TIME_NONE && d->ends != PATRON_TIME_NONE && d->ends <= d->starts)
        return patron__fail(PATRON_EINVAL, "%s: ends %" PRId64 " is not after starts %" PRId64, func, d->ends,
                            d->starts);
    if (d->segment) {
        patron_rule *rule = NULL;
        if ((rc = patron_rule_compile(&rule, d->segment, NULL)))
            return patron__fail_prefix(rc, "%s: segment: ", func);
        patron_rule_free(rule);
    }
    return PATRON_OK;
}

static int64_t def_fp(const patron_campaign_def *d)
{
    uint64_t h = PATRON__FNV_INIT;
    const char *s[] = {d->name, d->segment, d->offer};
    for (int i = 0; i < 3; i++)
        h = s[i] ? patron__fnv1a(h, s[i], strlen(s[i]) + 1) : patron__fnv1a(h, "\xff", 1);
    h = patron__fnv1a(h, &d->control_share, sizeof d->control_share);
    h = patron__fnv1a(h, &d->conversion_days, sizeof d->conversion_days);
    h = patron__fnv1a(h, &d->starts, sizeof d->starts);
    h = patron__fnv1a(h, &d->ends, sizeof d->ends);
    return (int64_t)(h & INT64_MAX);
}

static int audit_def(patron_db *db, const patron_campaign_def *d)
{
    patron__sbuf b = {0};
    patron__sb_puts(&b, "{\"campaign\":");
    patron__sb_json_str(&b, d->name);
    patron__sb_puts(&b, ",\"segment\":");
    patron__sb_json_str(&b, d->segment);
    patron__sb_puts(&b, ",\"offer\":");
    patron__sb_json_str(&b, d->offer);
    patron__sb_printf(&b, ",\"control_share\":%.17g,\"conversion_days\":%d}", d->control_share,
                      (int)d->conversion_days);
    char *json = patron__sb_take(&b);
    if (!json)
        return patron__oom();
    int rc = patron__audit(db, "campaign.create", 0, NULL, json);
    patron__free(json);
    return rc;
}

int patron_campaign_create(patron_db *db, const patron_campaign_def *def)
{
    static const char func[] = "patron_campaign_create";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!def)
        return patron__fail(PATRON_EINVAL, "%s: def is NULL", func);
    patron_campaign_def d = PATRON_CAMPAIGN_DEF_INIT;
    if ((rc = patron__options_copy(&d, sizeof d, def, sizeof d, "patron_campaign_def")) || (rc = check_def(func, &d)))
        return rc;
    int64_t fp = def_fp(&d), old = 0;
    char share[32];
    snprintf(share, sizeof share, "%.17g", d.control_share);
    if ((rc = patron__tx_begin(db)))
        return rc;
    rc = patron__sql_int(db, &old, 0, "SELECT fp FROM campaigns WHERE name = ?", "t", d.name);
    if (rc == PATRON_OK && old != fp)
        rc = patron__fail(PATRON_ECONFLICT, "%s: campaign '%s' exists with another definition", func, d.name);
    else if (rc == PATRON_ENOTFOUND) {
        rc = patron__sql_run(db,
                             "INSERT INTO campaigns(name, fp, segment, offer, control_share, conversion_days, starts, "
                             "ends) VALUES(?,?,?,?,?,?,?,?)",
                             "titttiii", d.name, fp, d.segment, d.offer, share, (int64_t)d.conversion_days, d.starts,
                             d.ends);
        if (rc == PATRON_OK)
            rc = audit_def(db, &d);
    }
    return patron__tx_end(db, rc);
}

static char *dup_col(patron_db *db, patron__stmt *st, int col, int *oom)
{
    if (patron__sql_col_null(db, st, col))
        return NULL;
    char *s = patron__strdup(patron__sql_col_text(db, st, col));
    if (!s)
        *oom = 1;
    return s;
}

int patron__campaign_load(patron_db *db, const char *func, const char *name, patron__campaign *out)
{
    memset(out, 0, sizeof *out);
    if (!name)
        return patron__fail(PATRON_EINVAL, "%s: campaign is NULL", func);
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st,
                              "SELECT id, segment, offer, control_share, conversion_days, starts, ends FROM campaigns "
                              "WHERE name = ?",
                              "t", name);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    int oom = 0;
    if (rc == PATRON__ROW) {
        out->id = patron__sql_col_int(db, st, 0);
        out->name = patron__strdup(name);
        oom = !out->name;
        out->segment = dup_col(db, st, 1, &oom);
        out->offer = dup_col(db, st, 2, &oom);
        out->control_share = strtod(patron__sql_col_text(db, st, 3), NULL);
        out->conversion_days = (int32_t)patron__sql_col_int(db, st, 4);
        out->starts = patron__sql_col_int(db, st, 5);
        out->ends = patron__sql_col_int(db, st, 6);
        rc = PATRON_OK;
    } else if (rc == 0) {
        char q[240];
        rc = patron__fail(PATRON_ENOTFOUND, "%s: no campaign %s", func, patron__text_quote(q, sizeof q, name));
    }
    patron__sql_done(db, st);
    if (rc == PATRON_OK && oom)
        rc = patron__oom();
    if (rc)
        patron__campaign_release(out);
    return rc;
}

void patron__campaign_release(patron__campaign *c)
{
    patron__free(c->name);
    patron__free(c->segment);
    patron__free(c->offer);
    memset(c, 0, sizeof *c);
}

int patron__campaign_check_at(const char *func, const patron__campaign *c, int64_t at)
{
    int rc = patron__time_check(func, "at", at);
    if (rc)
        return rc;
    if (c->starts != PATRON_TIME_NONE && at < c->starts)
        return patron__fail(PATRON_EINVAL, "%s: campaign '%s' starts at %" PRId64 "; at %" PRId64 " is before it",
                            func, c->name, c->starts, at);
    if (c->ends != PATRON_TIME_NONE && at >= c->ends)
        return patron__fail(PATRON_EINVAL, "%s: campaign '%s' ended at %" PRId64 "; at %" PRId64 " is not before it",
                            func, c->name, c->ends, at);
    return PATRON_OK;
}
