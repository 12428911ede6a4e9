/* Programs (patron/program.h): the store's programs, the handle's current
 * one, and who joined which. How a program's balances are kept apart is in
 * lib/internal/program.h (an account id per program and member). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/audit.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/ledger.h"
#include "internal/member.h"
#include "internal/program.h"
#include "internal/store.h"
#include "internal/text.h"
#include "patron/program.h"

#define NAME_MAX_LEN 64

/* The handle's current program; id 0 (a zeroed slot) is the default. */
typedef struct program_state {
    int64_t id;
    char name[NAME_MAX_LEN + 1];
} program_state;

static const patron__slot_type program_slot = {"program", sizeof(program_state), NULL};

struct patron_program_names {
    char **v;
    size_t n, cap;
};

int64_t patron__program_id(patron_db *db)
{
    program_state *ps = db ? patron__slot(db, &program_slot) : NULL;
    return ps && ps->id > 1 ? ps->id : 1;
}

const char *patron__program_name(patron_db *db)
{
    program_state *ps = db ? patron__slot(db, &program_slot) : NULL;
    return ps && ps->id > 1 ? ps->name : PATRON_PROGRAM_DEFAULT;
}

void patron__program_range(patron_db *db, int64_t *lo, int64_t *hi)
{
    int64_t id = patron__program_id(db);
    *lo = id > 1 ? patron__program_base(id) : INT64_MIN;
    *hi = id > 1 ? patron__program_base(id) + PATRON__MEMBER_ID_MAX : PATRON__MEMBER_ID_MAX;
}

int64_t patron__program_account(patron_db *db, int64_t member)
{
    return patron__program_base(patron__program_id(db)) + member;
}

int patron__program_account_check(patron_db *db, const char *func, int64_t member)
{
    int64_t id = patron__program_id(db);
    if (id > 1 && (member < 1 || member > PATRON__MEMBER_ID_MAX))
        return patron__fail(PATRON_ERANGE, "%s: member %" PRId64 " cannot be in program '%s': member ids of "
                                           "programs other than 'default' are 1..2^40-1", func, member,
                            patron__program_name(db));
    return PATRON_OK;
}

int patron__program_member_check(patron_db *db, const char *func, int64_t member, int *joined)
{
    int64_t id = patron__program_id(db), n = 0;
    if (joined)
        *joined = 1;
    if (id == 1) /* every enrolled member is the default program's */
        return PATRON_OK;
    int rc = patron__program_account_check(db, func, member);
    if (rc == PATRON_OK)
        rc = patron__sql_int(db, &n, 0, "SELECT count(*) FROM program_members WHERE member_id = ? AND program = ?",
                             "ii", member, id);
    if (rc == PATRON_OK && n == 0) {
        if (joined) {
            *joined = 0;
            return PATRON_OK;
        }
        rc = patron__fail(PATRON_ENOTFOUND, "%s: member %" PRId64 " has not joined program '%s' (patron_program_join)",
                          func, member, patron__program_name(db));
    }
    return rc;
}

void patron__program_key(patron_db *db, char *out, size_t cap, const char *key)
{
    int64_t id = patron__program_id(db);
    if (id > 1)
        snprintf(out, cap, "%s@%" PRId64, key, id);
    else
        snprintf(out, cap, "%s", key);
}

void patron__program_name_of(patron_db *db, int64_t id, char *out, size_t cap)
{
    snprintf(out, cap, "#%" PRId64, id);
    patron__stmt *st;
    if (patron__sql_bind(db, &st, "SELECT name FROM programs WHERE id = ?", "i", id))
        return;
    if (patron__sql_step(db, st) == PATRON__ROW)
        snprintf(out, cap, "%s", patron__sql_col_text(db, st, 0));
    patron__sql_done(db, st);
}

static void set_current(program_state *ps, int64_t id, const char *name)
{
    ps->id = id;
    snprintf(ps->name, sizeof ps->name, "%s", name);
}

int patron__program_with(patron_db *db, int64_t program, int (*fn)(patron_db *db, void *ctx), void *ctx)
{
    program_state *ps = patron__slot(db, &program_slot);
    if (!ps)
        return patron__oom();
    program_state saved = *ps;
    ps->id = program;
    patron__program_name_of(db, program, ps->name, sizeof ps->name); /* messages: see patron__program_name */
    int rc = fn(db, ctx);
    *ps = saved;
    return rc;
}

int patron__program_joined(patron_db *db, int64_t member, int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    return patron__sql_ids(db, ids, n, "SELECT program FROM program_members WHERE member_id = ? ORDER BY program", "i",
                           member);
}

int patron__program_enter(patron_db *db, int64_t program, int64_t member, int64_t at)
{
    if (member < 1 || member > PATRON__MEMBER_ID_MAX)
        return patron__fail(PATRON_ERANGE, "member %" PRId64 " cannot join program %" PRId64
                                           ": member ids of programs other than 'default' are 1..2^40-1",
                            member, program);
    int rc = patron__sql_run(db, "INSERT INTO program_members(member_id, program, joined_at) VALUES(?,?,?) "
                                 "ON CONFLICT DO NOTHING", "iii", member, program, at);
    return rc ? rc : patron__ledger_account_ensure(db, patron__program_base(program) + member);
}

/* ---- the API ------------------------------------------------------------ */

int patron_program_create(patron_db *db, const char *name)
{
    int rc = patron__db_check(db, "patron_program_create");
    if (rc)
        return rc;
    if (!name)
        return patron__fail(PATRON_EINVAL, "patron_program_create: name is NULL");
    if ((rc = patron__name_check("patron_program_create", "name", name, NAME_MAX_LEN, "partner-cafe, club_gold")))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    int64_t id = 0, next = 0;
    rc = patron__sql_int(db, &id, 0, "SELECT id FROM programs WHERE name = ?", "t", name);
    if (rc == PATRON_OK)
        rc = patron__fail(PATRON_ECONFLICT, "patron_program_create: program '%s' exists (id %" PRId64 ")", name, id);
    else if (rc == PATRON_ENOTFOUND)
        rc = patron__sql_int(db, &next, 0, "SELECT coalesce(max(id), 0) + 1 FROM programs", "");
    /* the id is chosen here, not by the backend: program 1 was inserted with its id */
    if (rc == PATRON_OK && next > PATRON__PROGRAM_ID_MAX)
        rc = patron__fail(PATRON_ERANGE, "patron_program_create: the store has %" PRId64 " programs, the most it can "
                                         "hold", next - 1);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "INSERT INTO programs(id, name, created_at) VALUES(?,?,?)", "iti", next, name,
                             (int64_t)0);
    if (rc == PATRON_OK) {
        char detail[160];
        snprintf(detail, sizeof detail, "{\"program\":\"%s\",\"id\":%" PRId64 "}", name, next);
        rc = patron__audit(db, "program.create", 0, NULL, detail);
    }
    return patron__tx_end(db, rc);
}

int patron_program_use(patron_db *db, const char *name)
{
    int rc = patron__db_check(db, "patron_program_use");
    if (rc)
        return rc;
    if (!name)
        return patron__fail(PATRON_EINVAL, "patron_program_use: name is NULL");
    program_state *ps = patron__slot(db, &program_slot);
    if (!ps)
        return patron__oom();
    int64_t id = 0;
    rc = patron__sql_int(db, &id, 0, "SELECT id FROM programs WHERE name = ?", "t", name);
    if (rc == PATRON_ENOTFOUND) {
        char q[96];
        return patron__fail(PATRON_ENOTFOUND, "patron_program_use: no program %s (see patron_program_list)",
                            patron__text_quote(q, sizeof q, name));
    }
    if (rc)
        return rc;
    set_current(ps, id, name);
    return PATRON_OK;
}

const char *patron_program_current(patron_db *db)
{
    return db ? patron__program_name(db) : NULL;
}

static int names_push(patron_program_names *l, const char *s)
{
    char *c = patron__strdup(s ? s : "");
    if (!c || patron__grow(&l->v, &l->cap, l->n + 1, sizeof *l->v)) {
        patron__free(c);
        return patron__oom();
    }
    l->v[l->n++] = c;
    return PATRON_OK;
}

static int names_read(patron_db *db, patron_program_names **out, const char *sql, int64_t member, const char *first)
{
    patron_program_names *l = patron__calloc(1, sizeof *l);
    if (!l)
        return patron__oom();
    int rc = first ? names_push(l, first) : PATRON_OK;
    patron__stmt *st = NULL;
    if (rc == PATRON_OK)
        rc = member ? patron__sql_bind(db, &st, sql, "i", member) : patron__sql_bind(db, &st, sql, "");
    if (rc == PATRON_OK) {
        while ((rc = patron__sql_step(db, st)) == PATRON__ROW)
            if ((rc = names_push(l, patron__sql_col_text(db, st, 0))))
                break;
        patron__sql_done(db, st);
    }
    if (rc < 0 || rc > PATRON__ROW) {
        patron_program_names_free(l);
        return rc;
    }
    *out = l;
    return PATRON_OK;
}

int patron_program_list(patron_db *db, patron_program_names **out)
{
    int rc = patron__db_check(db, "patron_program_list");
    if (rc)
        return rc;
    if (!out)
        return patron__fail(PATRON_EINVAL, "patron_program_list: out is NULL");
    return names_read(db, out, "SELECT name FROM programs ORDER BY id", 0, NULL);
}

int patron_program_join(patron_db *db, int64_t member_id, int64_t at)
{
    int rc = patron__db_check(db, "patron_program_join");
    if (rc == PATRON_OK)
        rc = patron__time_check("patron_program_join", "at", at);
    if (rc)
        return rc;
    int64_t program = patron__program_id(db), member = 0;
    if ((rc = patron__tx_begin(db)))
        return rc;
    rc = patron__member_resolve(db, &member, member_id, 1);
    if (rc == PATRON_OK && program > 1) {
        rc = patron__program_account_check(db, "patron_program_join", member);
        if (rc == PATRON_OK)
            rc = patron__tx_lock_member(db, member);
        if (rc == PATRON_OK)
            rc = patron__program_enter(db, program, member, at);
    }
    return patron__tx_end(db, rc);
}

int patron_program_member_list(patron_db *db, patron_program_names **out, int64_t member_id)
{
    int rc = patron__db_check(db, "patron_program_member_list");
    if (rc)
        return rc;
    if (!out)
        return patron__fail(PATRON_EINVAL, "patron_program_member_list: out is NULL");
    int64_t member = 0;
    if ((rc = patron__member_resolve(db, &member, member_id, 0)))
        return rc;
    return names_read(db, out,
                      "SELECT p.name FROM program_members m JOIN programs p ON p.id = m.program "
                      "WHERE m.member_id = ? ORDER BY p.id",
                      member, PATRON_PROGRAM_DEFAULT);
}

int patron_program_members(patron_db *db, patron_program_member **out, size_t *n)
{
    int rc = patron__db_check(db, "patron_program_members");
    if (rc)
        return rc;
    if (!out || !n)
        return patron__fail(PATRON_EINVAL, "patron_program_members: out or n is NULL");
    *out = NULL;
    *n = 0;
    /* who has an account in the program (the ledger's), then when each
     * joined (program_members, in the same member order) */
    int64_t *ids = NULL, program = patron__program_id(db);
    size_t k = 0;
    if ((rc = patron__ledger_program_members(db, &ids, &k)) || k == 0)
        return rc;
    patron_program_member *v = patron__calloc(k, sizeof *v);
    if (!v) {
        patron__free(ids);
        return patron__oom();
    }
    for (size_t i = 0; i < k; i++)
        v[i].member_id = ids[i];
    patron__free(ids);
    patron__stmt *st;
    if (program > 1 && (rc = patron__sql_bind(db, &st, "SELECT member_id, joined_at FROM program_members "
                                                        "WHERE program = ? ORDER BY member_id", "i", program)) == PATRON_OK) {
        size_t i = 0;
        while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
            int64_t m = patron__sql_col_int(db, st, 0);
            while (i < k && v[i].member_id < m)
                i++;
            if (i < k && v[i].member_id == m)
                v[i].joined_at = patron__sql_col_int(db, st, 1);
        }
        patron__sql_done(db, st);
        rc = rc < 0 ? rc : PATRON_OK;
    }
    if (rc) {
        patron__free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return PATRON_OK;
}

size_t patron_program_names_count(const patron_program_names *list)
{
    return list ? list->n : 0;
}

const char *patron_program_names_get(const patron_program_names *list, size_t i)
{
    return list && i < list->n ? list->v[i] : NULL;
}

void patron_program_names_free(patron_program_names *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n; i++)
        patron__free(list->v[i]);
    patron__free(list->v);
    patron__free(list);
}
