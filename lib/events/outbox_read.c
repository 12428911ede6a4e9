/* Reading the outbox, and the readable mark that makes it safe with many
 * writers.
 *
 * An event's id comes from the table's id sequence when it is inserted,
 * but ids do not reach readers in that order: on PostgreSQL two postings of
 * different members run in parallel (lib/store/postgres.c), so the one with
 * the lower id may commit later. A reader that walked every committed id
 * would pass the higher one, then never see the lower. So readers see only
 * the events up to the store's *readable mark* (the setting
 * "events_readable"), and a reader moves the mark up to the largest id in a
 * plain write transaction, which waits until no other write transaction is
 * in flight (the store lock taken exclusively; on SQLite every writer is
 * exclusive anyway). At that moment every event with an id up to that
 * largest one is committed; every event appended later is appended by a
 * transaction that starts later and draws a larger id (ids only grow:
 * SQLite's rowid is the largest plus one, a PostgreSQL identity column a
 * sequence without a cache). So nothing ever appears at or below the mark
 * after it was set, and a reader walking ids up to the mark skips nothing.
 * A member's changes lock the member, so one member's events get ids in the
 * order of the changes. Writers pay nothing for this: they insert a row;
 * a reader pays one short exclusive transaction when events wait above the
 * mark, nothing when it is idle. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/store.h"
#include "events_int.h"
#include "patron/events.h"


struct patron_event_list {
    size_t n;
    patron_event *v;
    int64_t after;
};

size_t patron_event_list_count(const patron_event_list *list)
{
    return list ? list->n : 0;
}

const patron_event *patron_event_list_get(const patron_event_list *list, size_t i)
{
    return list && i < list->n ? &list->v[i] : NULL;
}

int64_t patron_event_list_last(const patron_event_list *list)
{
    if (!list)
        return 0;
    return list->n ? list->v[list->n - 1].position : list->after;
}

void patron_event_list_free(patron_event_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n; i++) {
        patron__free((char *)list->v[i].kind);
        patron__free((char *)list->v[i].payload);
    }
    patron__free(list->v);
    patron__free(list);
}

int patron__events_mark(patron_db *db, int64_t *mark)
{
    char *v = NULL;
    int rc = patron__setting_get(db, "events_readable", &v);
    if (rc)
        return rc;
    long long m = 0;
    if (v && sscanf(v, "%lld", &m) != 1) {
        patron__free(v);
        return patron__fail(PATRON_ECORRUPT, "the stored events readable mark '%s' is not a number", v);
    }
    patron__free(v);
    *mark = m;
    return PATRON_OK;
}

/* Inside the exclusive transaction: every event is committed; raise the mark to the last one. */
static int raise_mark(patron_db *db)
{
    int64_t top = 0, mark = 0;
    int rc = patron__sql_int(db, &top, 0, "SELECT max(id) FROM events", "");
    if (rc == PATRON_OK)
        rc = patron__events_mark(db, &mark);
    if (rc || top <= mark)
        return rc;
    char v[32];
    snprintf(v, sizeof v, "%" PRId64, top);
    return patron__setting_set(db, "events_readable", v);
}

static int read_rows(patron_db *db, patron_event_list *l, int64_t after, int64_t mark, size_t max)
{
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st,
                              "SELECT id, id, member_id, kind, at, payload FROM events WHERE id > ? AND id <= ? "
                              "ORDER BY id LIMIT ?", "iii", after, mark, (int64_t)max);
    if (rc)
        return rc;
    size_t cap = 0;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        if (patron__grow(&l->v, &cap, l->n + 1, sizeof *l->v)) {
            rc = patron__oom();
            break;
        }
        patron_event *e = &l->v[l->n];
        e->position = patron__sql_col_int(db, st, 0);
        e->id = patron__sql_col_int(db, st, 1);
        e->member_id = patron__sql_col_int(db, st, 2);
        const char *k = patron__sql_col_text(db, st, 3), *p = patron__sql_col_text(db, st, 5);
        e->at = patron__sql_col_int(db, st, 4);
        e->kind = patron__strdup(k ? k : "");
        e->payload = e->kind ? patron__strdup(p ? p : "{}") : NULL;
        if (!e->payload) {
            patron__free((char *)e->kind);
            rc = patron__oom();
            break;
        }
        l->n++;
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

static int read_after(patron_db *db, patron_event_list **out, const char *func, const char *consumer,
                      int64_t after, size_t max)
{
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!out)
        return patron__fail(PATRON_EINVAL, "%s: out is NULL", func);
    if (consumer && (rc = patron__events_check_consumer(func, consumer)))
        return rc;
    if (after < 0)
        return patron__fail(PATRON_EINVAL, "%s: cursor %" PRId64 " is negative", func, after);
    if (max < 1 || max > PATRON_EVENTS_READ_MAX)
        return patron__fail(PATRON_EINVAL, "%s: max %zu is out of range (1..%d)", func, max, PATRON_EVENTS_READ_MAX);
    if (db->batch)
        return patron__fail(PATRON_EINVAL, "%s: not inside a batch (its events are not committed yet)", func);
    patron_event_list *l = patron__calloc(1, sizeof *l);
    if (!l)
        return patron__oom();
    /* Raise the mark only when events wait above it (a quick look outside
     * any transaction; raising it is exclusive), so an idle consumer's
     * polls never take the store lock. */
    int64_t top = 0, mark = 0;
    rc = patron__events_mark(db, &mark);
    if (rc == PATRON_OK && !db->opts.read_only)
        rc = patron__sql_int(db, &top, 0, "SELECT max(id) FROM events", "");
    if (rc == PATRON_OK && top > mark && (rc = patron__tx_begin(db)) == PATRON_OK) {
        rc = patron__tx_end(db, raise_mark(db));
        if (rc == PATRON_OK)
            rc = patron__events_mark(db, &mark);
    }
    if (rc == PATRON_OK && consumer)
        rc = patron__events_consumer_position(db, consumer, &after);
    l->after = after;
    if (rc == PATRON_OK)
        rc = read_rows(db, l, after, mark, max);
    if (rc) {
        patron_event_list_free(l);
        return rc;
    }
    *out = l;
    return PATRON_OK;
}

int patron_events_read(patron_db *db, patron_event_list **out, int64_t after, size_t max)
{
    return read_after(db, out, "patron_events_read", NULL, after, max);
}

int patron_events_fetch(patron_db *db, patron_event_list **out, const char *consumer, size_t max)
{
    if (!consumer)
        return patron__fail(PATRON_EINVAL, "patron_events_fetch: consumer is NULL");
    return read_after(db, out, "patron_events_fetch", consumer, 0, max);
}
