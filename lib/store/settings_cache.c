/* The settings a write transaction reads, read once: the first
 * patron__setting_get inside a write transaction reads every row of
 * `settings` (a handful: the ledger policy, the tier configuration, the
 * events switch, ...) into the handle's slot, and later reads in the same
 * write_epoch are answered from it. A posting on PostgreSQL, which reads
 * the ledger policy and the events switch in every transaction, so makes
 * one round trip for both. Valid while write_epoch is unchanged: inside a
 * write transaction only this handle writes the settings (every other
 * writer of them takes the store lock exclusively), and its own writes
 * update the copy (patron__settings_cache_put); a rollback moves the epoch. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/store.h"
#include "settings_cache.h"

#define MAX_CACHED 64 /* more settings than this: read them one by one */

typedef struct settings_state {
    int loaded;
    uint64_t epoch;
    size_t n;
    char *key[MAX_CACHED], *value[MAX_CACHED];
} settings_state;

static void clear(settings_state *s)
{
    for (size_t i = 0; i < s->n; i++) {
        patron__free(s->key[i]);
        patron__free(s->value[i]);
    }
    s->n = 0;
    s->loaded = 0;
}

static void release(void *state)
{
    clear(state);
}

static const patron__slot_type settings_slot = {"settings", sizeof(settings_state), release};

const char patron__settings_all_sql[] = "SELECT key, value FROM settings";

static int load(patron_db *db, settings_state *s)
{
    clear(s);
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, patron__settings_all_sql, "");
    if (rc)
        return rc;
    int full = 0;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        if (s->n == MAX_CACHED) {
            full = 1;
            break;
        }
        const char *k = patron__sql_col_text(db, st, 0), *v = patron__sql_col_text(db, st, 1);
        s->key[s->n] = patron__strdup(k ? k : "");
        s->value[s->n] = s->key[s->n] ? patron__strdup(v ? v : "") : NULL;
        if (!s->value[s->n]) {
            patron__free(s->key[s->n]);
            rc = patron__oom();
            break;
        }
        s->n++;
    }
    patron__sql_done(db, st);
    if (rc < 0 || full) {
        clear(s);
        return rc < 0 ? rc : PATRON_EUNSUPPORTED; /* caller reads the one row instead */
    }
    s->loaded = 1;
    s->epoch = db->write_epoch;
    return PATRON_OK;
}

int patron__settings_cache_get(patron_db *db, const char *key, char **out)
{
    settings_state *s = db->depth > 0 ? patron__slot(db, &settings_slot) : NULL;
    if (!s)
        return PATRON_EUNSUPPORTED;
    if (!s->loaded || s->epoch != db->write_epoch) {
        int rc = load(db, s);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->key[i], key)) {
            *out = patron__strdup(s->value[i]);
            return *out ? PATRON_OK : patron__oom();
        }
    *out = NULL;
    return PATRON_OK;
}

void patron__settings_cache_put(patron_db *db, const char *key, const char *value)
{
    settings_state *s = patron__slot(db, &settings_slot);
    if (!s || !s->loaded || s->epoch != db->write_epoch)
        return;
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->key[i], key)) {
            char *v = patron__strdup(value);
            if (!v) {
                clear(s); /* read again next time */
                return;
            }
            patron__free(s->value[i]);
            s->value[i] = v;
            return;
        }
    if (s->n == MAX_CACHED) {
        clear(s);
        return;
    }
    s->key[s->n] = patron__strdup(key);
    s->value[s->n] = s->key[s->n] ? patron__strdup(value) : NULL;
    if (!s->value[s->n]) {
        patron__free(s->key[s->n]);
        clear(s);
        return;
    }
    s->n++;
}

/* ---- a copy from an earlier transaction, checked in SQL -----------------
 * A write transaction on PostgreSQL reads the settings again (another
 * server may have changed them). A single earn that must not wait for
 * that read (patron__tx_reuse_settings) answers them from the copy of the
 * last write transaction instead, and checks the copy in the same round
 * trip as its write: the guard below compares every row of `settings`,
 * length-prefixed (no two contents give one text), in the bytewise order
 * of the key, with the copy, and fails the statement (and so the
 * transaction, before its COMMIT) when they differ. The settings cannot
 * change between the guard and the COMMIT: their writers take the store
 * lock exclusively, which this transaction holds shared. */
#define STALE_MARK "patron: the settings changed since they were read"
/* COLLATE "C": the bytewise order the copy is sorted in (strcmp), whatever
 * the database's collation */
#define SETTINGS_TEXT "coalesce(string_agg(octet_length(key) || ':' || key || octet_length(value) || ':' || value, '' " \
                      "ORDER BY key COLLATE \"C\"), '')"
static const char guard_sql[] =
    /* one aggregate (the planner computes the two alike once); the failure
     * names the row text, which keeps it from being a constant the planner
     * would evaluate whatever the comparison gives */
    "SELECT CASE WHEN " SETTINGS_TEXT " = ?1::text THEN 1 ELSE ('" STALE_MARK "' || " SETTINGS_TEXT ")::int END "
    "FROM settings";

int patron__settings_cached(patron_db *db)
{
    settings_state *s = patron__slot(db, &settings_slot);
    return s && s->loaded;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(**(char **const *)a, **(char **const *)b);
}

int patron__settings_reuse(patron_db *db, patron__stmt **guard)
{
    *guard = NULL;
    settings_state *s = patron__slot(db, &settings_slot);
    if (!db->settings_reused || db->depth != 1 || !db->vt->defer || !s || !s->loaded)
        return PATRON_EUNSUPPORTED;
    db->settings_reused = 0;
    char **order[MAX_CACHED];
    size_t len = 1;
    for (size_t i = 0; i < s->n; i++) {
        order[i] = &s->key[i];
        len += strlen(s->key[i]) + strlen(s->value[i]) + 44;
    }
    qsort(order, s->n, sizeof order[0], key_cmp);
    char *text = patron__malloc(len), *o = text;
    if (!text)
        return patron__oom();
    for (size_t i = 0; i < s->n; i++) {
        const char *k = *order[i], *v = s->value[order[i] - s->key];
        o += sprintf(o, "%zu:%s%zu:%s", strlen(k), k, strlen(v), v);
    }
    *o = '\0';
    int rc = patron__sql_bind(db, guard, guard_sql, "t", text);
    patron__free(text);
    if (rc == PATRON_OK && (rc = patron__sql_defer(db, *guard)) != PATRON_OK) {
        patron__sql_done(db, *guard);
        *guard = NULL;
        return rc == PATRON_EUNSUPPORTED ? patron__fail(PATRON_EINTERNAL, "settings guard: not deferred") : rc;
    }
    if (rc == PATRON_OK)
        s->epoch = db->write_epoch; /* the copy answers this transaction */
    return rc;
}

int patron__settings_stale(void)
{
    return strstr(patron_errmsg(), STALE_MARK) != NULL;
}
