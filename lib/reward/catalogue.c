/* The rewards catalogue (patron/reward.h): adding and changing rewards
 * (audited), reading one, listing them. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/options.h"
#include "internal/store.h"
#include "internal/text.h"
#include "internal/tier.h"
#include "reward_int.h"

#define MAX_UNITS INT64_C(1000000000000)

struct patron_reward_catalogue {
    patron_reward_info *v;
    size_t n;
};

static int check_reward(patron_db *db, const patron_reward *r, const char *func)
{
    int rc;
    if (!r->code || !r->code[0])
        return patron__fail(PATRON_EINVAL, "%s: code is required", func);
    if ((rc = patron__name_check(func, "code", r->code, 64, "gift-mug, free_coffee")) ||
        (rc = patron__text_check(func, "title", r->title, 200)))
        return rc;
    if (r->cost < 1 || r->cost > MAX_UNITS)
        return patron__fail(PATRON_EINVAL, "%s: reward '%s': cost %" PRId64 " is not 1..10^12 points", func, r->code,
                            r->cost);
    if (r->stock != PATRON_REWARD_UNLIMITED && (r->stock < 0 || r->stock > MAX_UNITS))
        return patron__fail(PATRON_EINVAL,
                            "%s: reward '%s': stock %" PRId64 " is not 0..10^12 or PATRON_REWARD_UNLIMITED (-1)", func,
                            r->code, r->stock);
    if ((r->valid_from && (rc = patron__time_check(func, "valid_from", r->valid_from))) ||
        (r->valid_to && (rc = patron__time_check(func, "valid_to", r->valid_to))))
        return rc;
    if (r->valid_to && r->valid_to <= r->valid_from)
        return patron__fail(PATRON_EINVAL, "%s: reward '%s': valid_to %" PRId64 " is not after valid_from %" PRId64,
                            func, r->code, r->valid_to, r->valid_from);
    if (r->min_tier) {
        if ((rc = patron__key_check(func, "min_tier", r->min_tier, 64)))
            return rc;
        int64_t rank;
        rc = patron__tier_rank(db, r->min_tier, &rank);
        if (rc == PATRON_ENOTFOUND)
            return patron__fail(PATRON_ENOTFOUND, "%s: reward '%s': min_tier '%s' is not a configured tier", func,
                                r->code, r->min_tier);
        if (rc)
            return rc;
    }
    return PATRON_OK;
}

static void info_from_row(patron_db *db, patron__stmt *st, patron_reward_info *info)
{
    memset(info, 0, sizeof *info);
    info->size = (uint32_t)sizeof *info;
    const char *s = patron__sql_col_text(db, st, 0);
    snprintf(info->code, sizeof info->code, "%s", s ? s : "");
    s = patron__sql_col_text(db, st, 1);
    snprintf(info->title, sizeof info->title, "%s", s ? s : "");
    info->cost = patron__sql_col_int(db, st, 2);
    info->stock = patron__sql_col_int(db, st, 3);
    info->valid_from = patron__sql_col_int(db, st, 4);
    info->valid_to = patron__sql_col_int(db, st, 5);
    s = patron__sql_col_text(db, st, 6);
    snprintf(info->min_tier, sizeof info->min_tier, "%s", s ? s : "");
}

/* The redemption counts by status of info->code. */
static int count_redemptions(patron_db *db, patron_reward_info *info)
{
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, "SELECT status, count(*) FROM reward_redemptions WHERE reward = ? GROUP BY status",
                              "t", info->code);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        int64_t status = patron__sql_col_int(db, st, 0), n = patron__sql_col_int(db, st, 1);
        if (status == PATRON_REWARD_ISSUED)
            info->issued = n;
        else if (status == PATRON_REWARD_FULFILLED)
            info->fulfilled = n;
        else if (status == PATRON_REWARD_CANCELLED)
            info->cancelled = n;
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

int patron__reward_read(patron_db *db, patron_reward_info *info, const char *code, int counts, const char *func)
{
    static const char sql[] = "SELECT code, title, cost, stock, valid_from, valid_to, min_tier FROM rewards "
                              "WHERE code = ?";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "t", code);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    if (rc == PATRON__ROW)
        info_from_row(db, st, info);
    patron__sql_done(db, st);
    if (rc == PATRON__DONE) {
        char q[128];
        return patron__fail(PATRON_ENOTFOUND, "%s: no reward %s in the catalogue", func,
                            patron__text_quote(q, sizeof q, code));
    }
    if (rc < 0)
        return rc;
    return counts ? count_redemptions(db, info) : PATRON_OK;
}

int patron_reward_set(patron_db *db, int *created, const patron_reward *reward)
{
    static const char func[] = "patron_reward_set";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!reward)
        return patron__fail(PATRON_EINVAL, "%s: reward is NULL", func);
    patron_reward r = PATRON_REWARD_INIT;
    if ((rc = patron__options_copy(&r, sizeof r, reward, sizeof r, "patron_reward")))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    patron_reward_info old;
    int is_new = 0;
    if ((rc = check_reward(db, &r, func)) == PATRON_OK) {
        rc = patron__reward_read(db, &old, r.code, 0, func);
        if (rc == PATRON_ENOTFOUND) {
            is_new = 1;
            rc = patron__sql_run(db,
                                 "INSERT INTO rewards(code, title, cost, stock, valid_from, valid_to, min_tier) "
                                 "VALUES(?,?,?,?,?,?,?)",
                                 "ttiiiit", r.code, r.title, r.cost, r.stock, r.valid_from, r.valid_to, r.min_tier);
        } else if (rc == PATRON_OK) {
            rc = patron__sql_run(db,
                                 "UPDATE rewards SET title = ?, cost = ?, stock = ?, valid_from = ?, valid_to = ?, "
                                 "min_tier = ? WHERE code = ?",
                                 "tiiiitt", r.title, r.cost, r.stock, r.valid_from, r.valid_to, r.min_tier, r.code);
        }
    }
    if (rc == PATRON_OK) /* the audit hook */
        rc = patron__reward_audit(db, is_new ? NULL : &old, &r);
    rc = patron__tx_end(db, rc);
    if (rc == PATRON_OK && created)
        *created = is_new;
    return rc;
}

int patron_reward_get(patron_db *db, patron_reward_info *info, const char *code)
{
    static const char func[] = "patron_reward_get";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if ((rc = patron__result_check(info, sizeof *info, "patron_reward_info")) ||
        (rc = patron__key_check(func, "code", code, 64)))
        return rc;
    patron__db_refresh(db);
    patron_reward_info got;
    if ((rc = patron__reward_read(db, &got, code, 1, func)))
        return rc;
    patron__result_write(info, &got, sizeof got);
    return PATRON_OK;
}

int patron_reward_list(patron_db *db, patron_reward_catalogue **out, int64_t at)
{
    static const char func[] = "patron_reward_list";
    static const char all_sql[] = "SELECT code, title, cost, stock, valid_from, valid_to, min_tier FROM rewards "
                                  "ORDER BY code";
    static const char now_sql[] = "SELECT code, title, cost, stock, valid_from, valid_to, min_tier FROM rewards "
                                  "WHERE valid_from <= ?1 AND (valid_to = 0 OR valid_to > ?1) AND stock != 0 "
                                  "ORDER BY code";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!out)
        return patron__fail(PATRON_EINVAL, "%s: out is NULL", func);
    if (at && (rc = patron__time_check(func, "at", at)))
        return rc;
    patron__db_refresh(db);
    patron_reward_catalogue *l = patron__calloc(1, sizeof *l);
    if (!l)
        return patron__oom();
    size_t cap = 0;
    patron__stmt *st;
    rc = at ? patron__sql_bind(db, &st, now_sql, "i", at) : patron__sql_bind(db, &st, all_sql, "");
    if (rc == PATRON_OK) {
        while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
            if (patron__grow(&l->v, &cap, l->n + 1, sizeof *l->v)) {
                rc = patron__oom();
                break;
            }
            info_from_row(db, st, &l->v[l->n++]);
        }
        patron__sql_done(db, st);
    }
    for (size_t i = 0; rc == PATRON__DONE && i < l->n; i++)
        if ((rc = count_redemptions(db, &l->v[i])) == PATRON_OK)
            rc = PATRON__DONE;
    if (rc != PATRON__DONE) {
        patron_reward_catalogue_free(l);
        return rc < 0 ? rc : PATRON_EINTERNAL;
    }
    *out = l;
    return PATRON_OK;
}

size_t patron_reward_catalogue_count(const patron_reward_catalogue *list)
{
    return list ? list->n : 0;
}

const patron_reward_info *patron_reward_catalogue_get(const patron_reward_catalogue *list, size_t i)
{
    return list && i < list->n ? &list->v[i] : NULL;
}

void patron_reward_catalogue_free(patron_reward_catalogue *list)
{
    if (!list)
        return;
    patron__free(list->v);
    patron__free(list);
}
